/* hearth-deletion.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-deletion"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>

#include "hearth-core-private.h"

/**
 * HearthDeletion:
 *
 * A machine that has just been deleted. It keeps what an undo needs (the domain
 * XML and its snapshots' XML) and the list of disk images that a commit deletes,
 * so the UI can offer "Undo" for a few seconds and delete the disks only when
 * that time has passed.
 */
struct _HearthDeletion
{
  GObject parent_instance;

  HearthConnection *connection;     /* owned */
  char             *name;
  char             *uuid;
  char             *xml;
  GStrv             snapshot_xmls;  /* topological; a last "current:NAME" entry */
  GPtrArray        *storage;        /* HearthStorageItem */
  HearthDeleteFlags flags;
  gboolean          can_undo;
  gboolean          finished;       /* undone or committed */
};

G_DEFINE_FINAL_TYPE (HearthDeletion, hearth_deletion, G_TYPE_OBJECT)

typedef struct
{
  virConnectPtr     conn;
  char             *uri;
  char             *name;
  char             *uuid;
  char             *xml;
  GStrv             snapshot_xmls;
  GPtrArray        *storage;
  HearthDeleteFlags flags;
} DeletionOp;

static void
deletion_op_free (DeletionOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_free (op->uri);
  g_free (op->name);
  g_free (op->uuid);
  g_free (op->xml);
  g_strfreev (op->snapshot_xmls);
  g_clear_pointer (&op->storage, g_ptr_array_unref);
  g_free (op);
}

static void
hearth_deletion_finalize (GObject *object)
{
  HearthDeletion *self = HEARTH_DELETION (object);

  g_clear_object (&self->connection);
  g_free (self->name);
  g_free (self->uuid);
  g_free (self->xml);
  g_strfreev (self->snapshot_xmls);
  g_clear_pointer (&self->storage, g_ptr_array_unref);

  G_OBJECT_CLASS (hearth_deletion_parent_class)->finalize (object);
}

static void
hearth_deletion_class_init (HearthDeletionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hearth_deletion_finalize;
}

static void
hearth_deletion_init (HearthDeletion *self)
{
}

HearthDeletion *
_hearth_deletion_new (const char       *name,
                      const char       *uuid,
                      const char       *xml,
                      GStrv             snapshot_xmls,
                      GPtrArray        *storage,
                      HearthDeleteFlags flags,
                      gboolean          can_undo)
{
  HearthDeletion *self = g_object_new (HEARTH_TYPE_DELETION, NULL);

  self->name = g_strdup (name);
  self->uuid = g_strdup (uuid);
  self->xml = g_strdup (xml);
  self->snapshot_xmls = g_strdupv (snapshot_xmls);
  self->storage = g_ptr_array_ref (storage);
  self->flags = flags;
  self->can_undo = can_undo;

  return self;
}

void
_hearth_deletion_set_connection (HearthDeletion   *self,
                                 HearthConnection *connection)
{
  g_set_object (&self->connection, connection);
}

static DeletionOp *
deletion_op_new (HearthDeletion *self,
                 GError        **error)
{
  DeletionOp *op;
  virConnectPtr conn;

  if (self->connection == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                   "The connection of the deleted machine is gone");
      return NULL;
    }
  if (!(conn = _hearth_connection_dup_virconn (self->connection, error)))
    return NULL;

  op = g_new0 (DeletionOp, 1);
  op->conn = conn;
  op->uri = g_strdup (hearth_connection_get_uri (self->connection));
  op->name = g_strdup (self->name);
  op->uuid = g_strdup (self->uuid);
  op->xml = g_strdup (self->xml);
  op->snapshot_xmls = g_strdupv (self->snapshot_xmls);
  op->storage = g_ptr_array_ref (self->storage);
  op->flags = self->flags;
  return op;
}

/**
 * hearth_deletion_get_name:
 *
 * Returns: (transfer none): the deleted machine's name
 */
const char *
hearth_deletion_get_name (HearthDeletion *self)
{
  g_return_val_if_fail (HEARTH_IS_DELETION (self), NULL);
  return self->name;
}

/**
 * hearth_deletion_get_connection:
 *
 * Returns: (transfer none) (nullable): the connection the machine was on
 */
HearthConnection *
hearth_deletion_get_connection (HearthDeletion *self)
{
  g_return_val_if_fail (HEARTH_IS_DELETION (self), NULL);
  return self->connection;
}

/**
 * hearth_deletion_get_can_undo:
 *
 * Returns: whether the machine can be defined again (it was persistent and the
 *   deletion has been neither undone nor committed)
 */
gboolean
hearth_deletion_get_can_undo (HearthDeletion *self)
{
  g_return_val_if_fail (HEARTH_IS_DELETION (self), FALSE);
  return self->can_undo && !self->finished;
}

/**
 * hearth_deletion_get_storage:
 *
 * Returns: (transfer none) (element-type HearthStorageItem): the machine's disks
 */
GPtrArray *
hearth_deletion_get_storage (HearthDeletion *self)
{
  g_return_val_if_fail (HEARTH_IS_DELETION (self), NULL);
  return self->storage;
}

static void
undo_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  DeletionOp *op = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthVirDomain) domain = NULL;
  HearthDomainInfo *info = NULL;
  const char *current = NULL;
  gint64 begin = hearth_now_usec ();

  if (!(domain = virDomainDefineXML (op->conn, op->xml)))
    {
      _hearth_error_take_libvirt (&error, "Could not restore the machine");
      goto out;
    }

  /* Snapshot metadata comes back in topological order; a failure here loses only
   * metadata, never the machine, so it is logged and the undo still succeeds. */
  for (guint i = 0; op->snapshot_xmls && op->snapshot_xmls[i]; i++)
    if (g_str_has_prefix (op->snapshot_xmls[i], "current:"))
      current = op->snapshot_xmls[i] + strlen ("current:");

  for (guint i = 0; op->snapshot_xmls && op->snapshot_xmls[i]; i++)
    {
      const char *snap_xml = op->snapshot_xmls[i];
      g_autoptr(HearthVirDomainSnapshot) snapshot = NULL;
      guint flags = VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE;

      if (g_str_has_prefix (snap_xml, "current:"))
        continue;
      if (current != NULL && strstr (snap_xml, current) != NULL)
        {
          g_autofree char *needle = g_markup_printf_escaped ("<name>%s</name>", current);

          if (strstr (snap_xml, needle) != NULL)
            flags |= VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT;
        }
      if (!(snapshot = virDomainSnapshotCreateXML (domain, snap_xml, flags)))
        {
          virErrorPtr verr = virGetLastError ();

          g_debug ("Could not restore a snapshot of %s: %s", op->name,
                   verr && verr->message ? verr->message : "unknown");
          virResetLastError ();
        }
    }

  if (!(info = _hearth_domain_info_fetch (domain, &error)))
    goto out;

out:
  hearth_audit_record (op->uri, op->name, op->uuid, "undo-delete", error,
                       hearth_now_usec () - begin);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_pointer (task, info, (GDestroyNotify) _hearth_domain_info_free);
}

/**
 * hearth_deletion_undo_async:
 *
 * Defines the machine again from the XML kept at deletion, with its snapshot
 * metadata. A machine that was running comes back shut off.
 */
void
hearth_deletion_undo_async (HearthDeletion     *self,
                            GCancellable       *cancellable,
                            GAsyncReadyCallback callback,
                            gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  DeletionOp *op;

  g_return_if_fail (HEARTH_IS_DELETION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_deletion_undo_async);

  if (!hearth_deletion_get_can_undo (self))
    {
      g_task_return_new_error (task, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE,
                               "The deletion of “%s” cannot be undone", self->name);
      return;
    }
  if (!(op = deletion_op_new (self, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* Mark it finished now, so a commit racing the undo cannot delete the disks. */
  self->finished = TRUE;
  g_task_set_task_data (task, op, (GDestroyNotify) deletion_op_free);
  g_task_run_in_thread (task, undo_worker);
}

/**
 * hearth_deletion_undo_finish:
 *
 * Returns: (transfer full): the restored machine, or %NULL on error
 */
HearthMachine *
hearth_deletion_undo_finish (HearthDeletion *self,
                             GAsyncResult   *result,
                             GError        **error)
{
  g_autoptr(HearthDomainInfo) info = NULL;
  HearthMachine *machine;

  g_return_val_if_fail (g_task_is_valid (result, self), NULL);

  if (!(info = g_task_propagate_pointer (G_TASK (result), error)))
    {
      self->finished = FALSE;
      return NULL;
    }

  machine = _hearth_connection_apply_info (self->connection, info);
  return machine ? g_object_ref (machine) : NULL;
}

static void
commit_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DeletionOp *op = task_data;
  g_autoptr(GError) error = NULL;
  gint64 begin = hearth_now_usec ();

  for (guint i = 0; i < op->storage->len; i++)
    {
      HearthStorageItem *item = g_ptr_array_index (op->storage, i);

      /* Installer media and shared or read-only disks belong to others. */
      if (item->readonly || g_strcmp0 (item->device, "disk") != 0)
        continue;

      if (item->in_pool && (op->flags & HEARTH_DELETE_FLAGS_STORAGE_VOLUMES))
        {
          g_autoptr(HearthVirStorageVol) vol = virStorageVolLookupByPath (op->conn, item->path);

          if (vol == NULL || virStorageVolDelete (vol, 0) < 0)
            {
              g_autofree char *what = g_strdup_printf ("Could not delete the disk image %s",
                                                       item->path);
              g_autoptr(GError) local_error = NULL;

              _hearth_error_take_libvirt (&local_error, what);
              if (error == NULL)
                error = g_steal_pointer (&local_error);
            }
        }
      else if (!item->in_pool && (op->flags & HEARTH_DELETE_FLAGS_OUTSIDE_FILES))
        {
          if (g_unlink (item->path) < 0 && errno != ENOENT && error == NULL)
            {
              int saved_errno = errno;

              g_set_error (&error, HEARTH_ERROR,
                           saved_errno == EACCES || saved_errno == EPERM
                             ? HEARTH_ERROR_PERMISSION_DENIED : HEARTH_ERROR_FAILED,
                           "Could not delete the disk image %s: %s", item->path,
                           g_strerror (saved_errno));
            }
        }
    }

  hearth_audit_record (op->uri, op->name, op->uuid, "delete-storage", error,
                       hearth_now_usec () - begin);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/**
 * hearth_deletion_commit_async:
 *
 * Makes the deletion final: deletes the disk images the flags given at deletion
 * chose (volumes through libvirt's storage API, other files only when
 * %HEARTH_DELETE_FLAGS_OUTSIDE_FILES was given). CD-ROM images and read-only or
 * shared disks are never deleted. With no flags, this only ends the undo period.
 */
void
hearth_deletion_commit_async (HearthDeletion     *self,
                              GCancellable       *cancellable,
                              GAsyncReadyCallback callback,
                              gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  DeletionOp *op;

  g_return_if_fail (HEARTH_IS_DELETION (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_deletion_commit_async);

  if (self->finished)
    {
      g_task_return_new_error (task, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE,
                               "The deletion of “%s” was already undone or committed",
                               self->name);
      return;
    }
  self->finished = TRUE;

  if (self->flags == HEARTH_DELETE_FLAGS_NONE)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  if (!(op = deletion_op_new (self, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  g_task_set_task_data (task, op, (GDestroyNotify) deletion_op_free);
  g_task_run_in_thread (task, commit_worker);
}

/**
 * hearth_deletion_commit_finish:
 *
 * Returns: %TRUE when every chosen disk image is gone
 */
gboolean
hearth_deletion_commit_finish (HearthDeletion *self,
                               GAsyncResult   *result,
                               GError        **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
