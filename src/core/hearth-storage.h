/* hearth-storage.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthStorageInfo:
 * @pool_name: (nullable): the storage pool new disks go to, or %NULL when the
 *   connection has no storage driver (qemu:///embed) and a directory is used
 * @directory: (nullable): where the images are
 * @available: bytes free there, 0 when unknown
 * @created: whether Hearth made its own pool just now
 */
typedef struct
{
  char    *pool_name;
  char    *directory;
  guint64  available;
  gboolean created;
} HearthStorageInfo;

#define HEARTH_TYPE_STORAGE_INFO (hearth_storage_info_get_type ())
GType              hearth_storage_info_get_type (void) G_GNUC_CONST;
HearthStorageInfo *hearth_storage_info_copy     (const HearthStorageInfo *info);
void               hearth_storage_info_free     (HearthStorageInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthStorageInfo, hearth_storage_info_free)

void               hearth_storage_ensure_pool_async  (HearthConnection    *connection,
                                                      GCancellable        *cancellable,
                                                      GAsyncReadyCallback  callback,
                                                      gpointer             user_data);
HearthStorageInfo *hearth_storage_ensure_pool_finish (HearthConnection    *connection,
                                                      GAsyncResult        *result,
                                                      GError             **error);

G_END_DECLS
