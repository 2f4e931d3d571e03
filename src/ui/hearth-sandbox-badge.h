/* hearth-sandbox-badge.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_SANDBOX_BADGE (hearth_sandbox_badge_get_type ())
G_DECLARE_FINAL_TYPE (HearthSandboxBadge, hearth_sandbox_badge, HEARTH, SANDBOX_BADGE, GtkWidget)

GtkWidget     *hearth_sandbox_badge_new         (void);
HearthMachine *hearth_sandbox_badge_get_machine (HearthSandboxBadge *self);
void           hearth_sandbox_badge_set_machine (HearthSandboxBadge *self,
                                                 HearthMachine      *machine);
gboolean       hearth_sandbox_badge_get_active  (HearthSandboxBadge *self);
const char    *hearth_sandbox_badge_get_label   (HearthSandboxBadge *self);
void           hearth_sandbox_badge_set_label   (HearthSandboxBadge *self,
                                                 const char         *label);

G_END_DECLS
