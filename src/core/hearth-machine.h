/* hearth-machine.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_MACHINE (hearth_machine_get_type ())
G_DECLARE_FINAL_TYPE (HearthMachine, hearth_machine, HEARTH, MACHINE, GObject)

HearthConnection  *hearth_machine_get_connection   (HearthMachine       *self);
const char        *hearth_machine_get_uuid         (HearthMachine       *self);
const char        *hearth_machine_get_name         (HearthMachine       *self);
const char        *hearth_machine_get_title        (HearthMachine       *self);
const char        *hearth_machine_get_display_name (HearthMachine       *self);
const char        *hearth_machine_get_description  (HearthMachine       *self);
const char        *hearth_machine_get_os_id        (HearthMachine       *self);
HearthMachineState hearth_machine_get_state        (HearthMachine       *self);
HearthStateReason  hearth_machine_get_state_reason (HearthMachine       *self);
guint              hearth_machine_get_vcpus        (HearthMachine       *self);
guint64            hearth_machine_get_memory       (HearthMachine       *self);
gboolean           hearth_machine_get_persistent   (HearthMachine       *self);
gboolean           hearth_machine_get_autostart    (HearthMachine       *self);
gboolean           hearth_machine_get_busy         (HearthMachine       *self);
gboolean           hearth_machine_is_active        (HearthMachine       *self);

gboolean           hearth_machine_can_run_action   (HearthMachine       *self,
                                                    HearthMachineAction  action);
const char        *hearth_machine_action_to_string (HearthMachineAction  action);

void               hearth_machine_run_action_async  (HearthMachine       *self,
                                                     HearthMachineAction  action,
                                                     GCancellable        *cancellable,
                                                     GAsyncReadyCallback  callback,
                                                     gpointer             user_data);
gboolean           hearth_machine_run_action_finish (HearthMachine       *self,
                                                     GAsyncResult        *result,
                                                     GError             **error);

void               hearth_machine_list_storage_async  (HearthMachine       *self,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
GPtrArray         *hearth_machine_list_storage_finish (HearthMachine       *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

void               hearth_machine_delete_async  (HearthMachine       *self,
                                                 HearthDeleteFlags    flags,
                                                 GCancellable        *cancellable,
                                                 GAsyncReadyCallback  callback,
                                                 gpointer             user_data);
HearthDeletion    *hearth_machine_delete_finish (HearthMachine       *self,
                                                 GAsyncResult        *result,
                                                 GError             **error);

void               hearth_machine_dup_xml_async  (HearthMachine       *self,
                                                  GCancellable        *cancellable,
                                                  GAsyncReadyCallback  callback,
                                                  gpointer             user_data);
char              *hearth_machine_dup_xml_finish (HearthMachine       *self,
                                                  GAsyncResult        *result,
                                                  GError             **error);

/* Console support: a file descriptor connected to the machine's graphics server
 * (virDomainOpenGraphicsFD), so no TCP port is needed on local connections. */
void               hearth_machine_open_graphics_fd_async  (HearthMachine       *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
int                hearth_machine_open_graphics_fd_finish (HearthMachine       *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/**
 * HearthStorageItem:
 * @path: the file or block device behind the disk
 * @target: the guest's name for the disk (vda, sda, …)
 * @device: "disk", "cdrom" or "floppy"
 * @in_pool: whether the file is a volume of a libvirt storage pool
 * @readonly: whether the disk is read-only or shareable (such disks are never deleted)
 * @capacity: the size the guest sees, in bytes, or 0 when unknown
 * @allocation: the space the image takes on the host, in bytes, or 0 when unknown
 */
struct _HearthStorageItem
{
  char    *path;
  char    *target;
  char    *device;
  gboolean in_pool;
  gboolean readonly;
  guint64  capacity;
  guint64  allocation;
};

#define HEARTH_TYPE_STORAGE_ITEM (hearth_storage_item_get_type ())
GType              hearth_storage_item_get_type (void) G_GNUC_CONST;
HearthStorageItem *hearth_storage_item_copy     (const HearthStorageItem *item);
void               hearth_storage_item_free     (HearthStorageItem       *item);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthStorageItem, hearth_storage_item_free)

G_END_DECLS
