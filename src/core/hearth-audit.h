/* hearth-audit.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *hearth_audit_dup_path (void);
void  hearth_audit_set_path (const char   *path);
void  hearth_audit_record   (const char   *uri,
                             const char   *machine,
                             const char   *uuid,
                             const char   *operation,
                             const GError *error,
                             gint64        duration_usec);

G_END_DECLS
