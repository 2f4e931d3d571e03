/* hearth-os-database.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-os"

#include "config.h"

#include <osinfo/osinfo.h>

#include "hearth-core-private.h"

/**
 * HearthOsDatabase:
 *
 * libosinfo's OS database, loaded once in a worker (reading osinfo-db takes about
 * a second) and then read on the main thread.
 */
struct _HearthOsDatabase
{
  GObject parent_instance;

  OsinfoDb  *db;            /* owned; NULL until loaded */
  GPtrArray *load_tasks;    /* GTask waiting for the load under way */
  gboolean   loading;
};

G_DEFINE_FINAL_TYPE (HearthOsDatabase, hearth_os_database, G_TYPE_OBJECT)

static void
hearth_os_database_finalize (GObject *object)
{
  HearthOsDatabase *self = HEARTH_OS_DATABASE (object);

  g_clear_object (&self->db);
  g_clear_pointer (&self->load_tasks, g_ptr_array_unref);

  G_OBJECT_CLASS (hearth_os_database_parent_class)->finalize (object);
}

static void
hearth_os_database_class_init (HearthOsDatabaseClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_os_database_finalize;
}

static void
hearth_os_database_init (HearthOsDatabase *self)
{
  self->load_tasks = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * hearth_os_database_get_default:
 *
 * Returns: (transfer none): the process-wide database
 */
HearthOsDatabase *
hearth_os_database_get_default (void)
{
  static HearthOsDatabase *instance;

  if (instance == NULL)
    instance = g_object_new (HEARTH_TYPE_OS_DATABASE, NULL);
  return instance;
}

/** hearth_os_database_is_loaded: Returns: whether lookups can answer yet */
gboolean
hearth_os_database_is_loaded (HearthOsDatabase *self)
{
  g_return_val_if_fail (HEARTH_IS_OS_DATABASE (self), FALSE);
  return self->db != NULL;
}

static void
load_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  g_autoptr(OsinfoLoader) loader = osinfo_loader_new ();
  g_autoptr(GError) error = NULL;

  osinfo_loader_process_default_path (loader, &error);
  if (error != NULL)
    {
      g_task_return_new_error (task, HEARTH_ERROR, HEARTH_ERROR_NOT_INSTALLED,
                               "Could not load the OS database: %s", error->message);
      return;
    }
  g_task_return_pointer (task, g_object_ref (osinfo_loader_get_db (loader)), g_object_unref);
}

static void
load_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  HearthOsDatabase *self = HEARTH_OS_DATABASE (source);
  g_autoptr(GPtrArray) tasks = g_steal_pointer (&self->load_tasks);
  g_autoptr(GError) error = NULL;
  OsinfoDb *db = g_task_propagate_pointer (G_TASK (result), &error);

  self->loading = FALSE;
  self->load_tasks = g_ptr_array_new_with_free_func (g_object_unref);
  if (db != NULL)
    self->db = db;

  for (guint i = 0; i < tasks->len; i++)
    {
      GTask *task = g_ptr_array_index (tasks, i);

      if (error != NULL)
        g_task_return_error (task, g_error_copy (error));
      else
        g_task_return_boolean (task, TRUE);
    }
}

/**
 * hearth_os_database_load_async:
 *
 * Loads osinfo-db in a worker; joins a load under way; completes at once when the
 * database is loaded.
 */
void
hearth_os_database_load_async (HearthOsDatabase   *self,
                               GCancellable       *cancellable,
                               GAsyncReadyCallback callback,
                               gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HEARTH_IS_OS_DATABASE (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_os_database_load_async);

  if (self->db != NULL)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  g_ptr_array_add (self->load_tasks, g_steal_pointer (&task));
  if (!self->loading)
    {
      g_autoptr(GTask) load = g_task_new (self, NULL, load_done_cb, NULL);

      self->loading = TRUE;
      g_task_set_source_tag (load, load_worker);
      g_task_run_in_thread (load, load_worker);
    }
}

/** hearth_os_database_load_finish: Returns: %TRUE when the database is loaded */
gboolean
hearth_os_database_load_finish (HearthOsDatabase *self,
                                GAsyncResult     *result,
                                GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

static OsinfoOs *
lookup (HearthOsDatabase *self,
        const char       *os_id)
{
  if (self->db == NULL || os_id == NULL)
    return NULL;
  return osinfo_db_get_os (self->db, os_id);
}

/**
 * hearth_os_database_dup_name:
 * @os_id: (nullable): a libosinfo OS id, e.g. "http://ubuntu.com/ubuntu/22.04"
 *
 * Returns: (transfer full) (nullable): the OS's name, e.g. "Ubuntu 22.04 LTS", or
 *   %NULL if the id is unknown or the database is not loaded yet
 */
char *
hearth_os_database_dup_name (HearthOsDatabase *self,
                             const char       *os_id)
{
  OsinfoOs *os;

  g_return_val_if_fail (HEARTH_IS_OS_DATABASE (self), NULL);

  if (!(os = lookup (self, os_id)))
    return NULL;
  return g_strdup (osinfo_product_get_name (OSINFO_PRODUCT (os)));
}

/**
 * hearth_os_database_dup_family:
 * @os_id: (nullable): a libosinfo OS id
 *
 * Returns: (transfer full) (nullable): the OS family ("linux", "winnt", "freebsd", …)
 */
char *
hearth_os_database_dup_family (HearthOsDatabase *self,
                               const char       *os_id)
{
  OsinfoOs *os;

  g_return_val_if_fail (HEARTH_IS_OS_DATABASE (self), NULL);

  if (!(os = lookup (self, os_id)))
    return NULL;
  return g_strdup (osinfo_os_get_family (os));
}

/* The loaded OsinfoDb (borrowed), or NULL before the load; main thread only. Used by
 * the OS catalogue (hearth-os-catalog.c). */
OsinfoDb *
_hearth_os_database_get_db (HearthOsDatabase *self)
{
  g_return_val_if_fail (HEARTH_IS_OS_DATABASE (self), NULL);
  return self->db;
}
