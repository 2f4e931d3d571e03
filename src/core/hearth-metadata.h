/* hearth-metadata.h  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hearth's element in a domain's <metadata>, shared by sandbox mode, the idle
 * policy and the snapshot schedule. Blocking helpers for workers in src/core only
 * (they take libvirt types, which never leave src/core).
 */
#pragma once

#include <libxml/tree.h>

#include "hearth-core-private.h"

G_BEGIN_DECLS

#define HEARTH_METADATA_NS     "https://hearthvm.org/xmlns/hearth/1"
#define HEARTH_METADATA_PREFIX "hearth"

/**
 * HearthMetadataEditFunc:
 * @root: Hearth's element, without namespaces (`<hearth>…</hearth>`); change it in place
 * @user_data: the caller's data
 * @error: for a reason not to write
 *
 * Returns: %FALSE (with @error) to write nothing
 */
typedef gboolean (*HearthMetadataEditFunc) (xmlNodePtr root,
                                            gpointer   user_data,
                                            GError   **error);

char     *_hearth_metadata_dup_attribute (virDomainPtr           domain,
                                          const char            *element,
                                          const char            *attribute);
gboolean  _hearth_metadata_has_element   (virDomainPtr           domain,
                                          const char            *element);
gboolean  _hearth_metadata_edit          (virDomainPtr           domain,
                                          HearthMetadataEditFunc edit,
                                          gpointer               user_data,
                                          GError               **error);
gboolean  _hearth_metadata_set_element   (virDomainPtr           domain,
                                          const char            *element,
                                          const char * const    *attributes,
                                          GError               **error);

G_END_DECLS
