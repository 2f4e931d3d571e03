/* hearth-storage.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-storage"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "hearth-storage.h"
#include "hearth-wizard-private.h"

/* The pool Hearth makes when a connection has none, as GNOME Boxes does. */
#define HEARTH_POOL_NAME "hearth"

/**
 * HearthStorageInfo:
 *
 * Where new disk images of a connection go.
 */
G_DEFINE_BOXED_TYPE (HearthStorageInfo, hearth_storage_info, hearth_storage_info_copy,
                     hearth_storage_info_free)

/** hearth_storage_info_copy: Returns: (transfer full): a copy */
HearthStorageInfo *
hearth_storage_info_copy (const HearthStorageInfo *info)
{
  HearthStorageInfo *copy = g_new0 (HearthStorageInfo, 1);

  copy->pool_name = g_strdup (info->pool_name);
  copy->directory = g_strdup (info->directory);
  copy->available = info->available;
  copy->created = info->created;
  return copy;
}

/** hearth_storage_info_free: Frees @info. */
void
hearth_storage_info_free (HearthStorageInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->pool_name);
  g_free (info->directory);
  g_free (info);
}

char *
_hearth_xml_doc_to_string (gpointer doc)
{
  xmlChar *buffer = NULL;
  int size = 0;
  char *result;

  xmlDocDumpFormatMemoryEnc (doc, &buffer, &size, "UTF-8", 1);
  if (buffer == NULL)
    return NULL;

  /* Drop the XML declaration: libvirt does not need it and it is noise in logs. */
  if (g_str_has_prefix ((const char *) buffer, "<?xml"))
    {
      const char *end = strchr ((const char *) buffer, '\n');

      result = g_strdup (end != NULL ? end + 1 : (const char *) buffer);
    }
  else
    result = g_strdup ((const char *) buffer);
  xmlFree (buffer);
  return result;
}

xmlNodePtr
_hearth_xml_add (xmlNodePtr  parent,
                 const char *name,
                 const char *text)
{
  if (text != NULL)
    return xmlNewTextChild (parent, NULL, (const xmlChar *) name, (const xmlChar *) text);
  return xmlNewChild (parent, NULL, (const xmlChar *) name, NULL);
}

xmlNodePtr
_hearth_xml_set (xmlNodePtr  node,
                 const char *attr,
                 const char *value)
{
  xmlSetProp (node, (const xmlChar *) attr, (const xmlChar *) value);
  return node;
}

/* The string value of an XPath expression over @xml, %NULL when empty. */
char *
_hearth_xml_xpath_string (const char *xml,
                          const char *expression)
{
  g_autofree char *result = NULL;
  xmlDocPtr doc;
  xmlXPathContextPtr ctx;
  xmlXPathObjectPtr obj;

  if (xml == NULL)
    return NULL;
  if (!(doc = xmlReadMemory (xml, strlen (xml), NULL, NULL, XML_PARSE_NONET | XML_PARSE_NOERROR
                                                              | XML_PARSE_NOWARNING)))
    return NULL;

  ctx = xmlXPathNewContext (doc);
  obj = xmlXPathEvalExpression ((const xmlChar *) expression, ctx);
  if (obj != NULL)
    {
      xmlChar *str = xmlXPathCastToString (obj);

      if (str != NULL && str[0] != '\0')
        result = g_strdup ((const char *) str);
      xmlFree (str);
      xmlXPathFreeObject (obj);
    }
  xmlXPathFreeContext (ctx);
  xmlFreeDoc (doc);
  return g_steal_pointer (&result);
}

/**
 * _hearth_storage_dup_dir_for_uri:
 *
 * The directory Hearth's own images go to for a connection: the embed root for
 * qemu:///embed (so tests leave nothing behind), the usual images directory for
 * system connections, the user's data directory otherwise.
 */
char *
_hearth_storage_dup_dir_for_uri (const char *uri)
{
  g_autoptr(GUri) parsed = g_uri_parse (uri, G_URI_FLAGS_NON_DNS | G_URI_FLAGS_ENCODED, NULL);
  const char *path = parsed ? g_uri_get_path (parsed) : NULL;

  if (g_strcmp0 (path, "/embed") == 0 && g_uri_get_query (parsed) != NULL)
    {
      g_autoptr(GHashTable) params = g_uri_parse_params (g_uri_get_query (parsed), -1, "&",
                                                         G_URI_PARAMS_NONE, NULL);
      const char *root = params ? g_hash_table_lookup (params, "root") : NULL;

      if (root != NULL)
        return g_build_filename (root, "hearth-images", NULL);
    }
  if (g_strcmp0 (path, "/system") == 0)
    return g_strdup ("/var/lib/libvirt/images");
  return g_build_filename (g_get_user_data_dir (), "hearth", "images", NULL);
}

static guint64
query_free_space (const char *directory)
{
  g_autofree char *dir = g_strdup (directory);

  /* The directory may not exist yet: measure the nearest existing parent. */
  while (dir != NULL && !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      char *parent = g_path_get_dirname (dir);

      if (g_strcmp0 (parent, dir) == 0)
        {
          g_free (parent);
          return 0;
        }
      g_free (dir);
      dir = parent;
    }

  {
    g_autoptr(GFile) file = g_file_new_for_path (dir);
    g_autoptr(GFileInfo) info = g_file_query_filesystem_info (file,
                                                              G_FILE_ATTRIBUTE_FILESYSTEM_FREE,
                                                              NULL, NULL);

    if (info == NULL)
      return 0;
    return g_file_info_get_attribute_uint64 (info, G_FILE_ATTRIBUTE_FILESYSTEM_FREE);
  }
}

static char *
build_pool_xml (const char *name,
                const char *directory)
{
  xmlDocPtr doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNodePtr root = xmlNewNode (NULL, (const xmlChar *) "pool");
  xmlNodePtr target;
  char *xml;

  xmlDocSetRootElement (doc, root);
  xmlNewProp (root, (const xmlChar *) "type", (const xmlChar *) "dir");
  xmlNewTextChild (root, NULL, (const xmlChar *) "name", (const xmlChar *) name);
  target = xmlNewChild (root, NULL, (const xmlChar *) "target", NULL);
  xmlNewTextChild (target, NULL, (const xmlChar *) "path", (const xmlChar *) directory);
  xml = _hearth_xml_doc_to_string (doc);
  xmlFreeDoc (doc);
  return xml;
}

static gboolean
pool_is_file_based (virStoragePoolPtr pool)
{
  g_autofree char *xml = virStoragePoolGetXMLDesc (pool, 0);
  g_autofree char *type = _hearth_xml_xpath_string (xml, "string(/pool/@type)");

  return g_strcmp0 (type, "dir") == 0 || g_strcmp0 (type, "fs") == 0
         || g_strcmp0 (type, "netfs") == 0;
}

/* Picks the pool new images go to: "default", then Hearth's own, then any active
 * file-based pool. Inactive "default" or "hearth" pools are started when @create. */
static virStoragePoolPtr
choose_pool (virStoragePoolPtr *pools,
             int                n,
             gboolean           create)
{
  const char *preferred[] = { "default", HEARTH_POOL_NAME };

  for (guint p = 0; p < G_N_ELEMENTS (preferred); p++)
    for (int i = 0; i < n; i++)
      {
        if (g_strcmp0 (virStoragePoolGetName (pools[i]), preferred[p]) != 0)
          continue;
        if (virStoragePoolIsActive (pools[i]) != 1)
          {
            if (!create || virStoragePoolCreate (pools[i], 0) < 0)
              {
                virResetLastError ();
                continue;
              }
          }
        virStoragePoolRef (pools[i]);
        return pools[i];
      }

  for (int i = 0; i < n; i++)
    if (virStoragePoolIsActive (pools[i]) == 1 && pool_is_file_based (pools[i]))
      {
        virStoragePoolRef (pools[i]);
        return pools[i];
      }

  virResetLastError ();
  return NULL;
}

static virStoragePoolPtr
create_own_pool (virConnectPtr conn,
                 const char   *directory,
                 GError      **error)
{
  g_autofree char *xml = build_pool_xml (HEARTH_POOL_NAME, directory);
  g_autoptr(HearthVirStoragePool) pool = NULL;

  if (!(pool = virStoragePoolDefineXML (conn, xml, 0)))
    {
      _hearth_error_take_libvirt (error, "Could not define Hearth's storage pool");
      return NULL;
    }
  if (virStoragePoolBuild (pool, 0) < 0 || virStoragePoolCreate (pool, 0) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not start Hearth's storage pool");
      virStoragePoolUndefine (pool);
      virResetLastError ();
      return NULL;
    }
  if (virStoragePoolSetAutostart (pool, 1) < 0)
    virResetLastError ();  /* not fatal: Hearth starts it again when needed */

  return g_steal_pointer (&pool);
}

/**
 * _hearth_storage_target_find:
 * @create: whether to start or create a pool when none is usable (else the target
 *   may come back empty)
 *
 * Finds where new disk images of the connection go. Worker thread.
 */
gboolean
_hearth_storage_target_find (virConnectPtr        conn,
                             const char          *uri,
                             gboolean             create,
                             HearthStorageTarget *target,
                             GError             **error)
{
  virStoragePoolPtr *pools = NULL;
  virStoragePoolInfo info;
  int n;

  memset (target, 0, sizeof *target);

  n = virConnectListAllStoragePools (conn, &pools, 0);
  if (n < 0)
    {
      virErrorPtr verr = virGetLastError ();

      /* qemu:///embed has no storage driver: images go into a directory of the
       * embed root, created by Hearth itself. */
      if (verr != NULL && verr->code == VIR_ERR_NO_SUPPORT)
        {
          virResetLastError ();
          target->directory = _hearth_storage_dup_dir_for_uri (uri);
          if (create && g_mkdir_with_parents (target->directory, 0755) < 0)
            {
              int errsv = errno;

              g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                           "Could not create %s: %s", target->directory, g_strerror (errsv));
              return FALSE;
            }
          target->available = query_free_space (target->directory);
          return TRUE;
        }
      _hearth_error_take_libvirt (error, "Could not list the storage pools");
      return FALSE;
    }

  target->pool = choose_pool (pools, n, create);
  for (int i = 0; i < n; i++)
    virStoragePoolFree (pools[i]);
  free (pools);

  if (target->pool == NULL)
    {
      g_autofree char *directory = NULL;

      if (!create)
        return TRUE;
      directory = _hearth_storage_dup_dir_for_uri (uri);
      if (!(target->pool = create_own_pool (conn, directory, error)))
        return FALSE;
      target->created = TRUE;
    }

  target->pool_name = g_strdup (virStoragePoolGetName (target->pool));
  if (virStoragePoolRefresh (target->pool, 0) < 0)
    virResetLastError ();  /* sizes may be stale; creation checks again */
  if (virStoragePoolGetInfo (target->pool, &info) == 0)
    target->available = info.available;
  else
    virResetLastError ();

  {
    g_autofree char *xml = virStoragePoolGetXMLDesc (target->pool, 0);

    target->directory = _hearth_xml_xpath_string (xml, "string(/pool/target/path)");
  }
  return TRUE;
}

void
_hearth_storage_target_clear (HearthStorageTarget *target)
{
  g_clear_pointer (&target->pool, virStoragePoolFree);
  g_clear_pointer (&target->pool_name, g_free);
  g_clear_pointer (&target->directory, g_free);
}

static gboolean
run_qemu_img (GCancellable *cancellable,
              GError      **error,
              ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *err_out = NULL;
  const char *arg;
  va_list args;

  g_ptr_array_add (argv, (gpointer) "qemu-img");
  va_start (args, error);
  while ((arg = va_arg (args, const char *)))
    g_ptr_array_add (argv, (gpointer) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  proc = g_subprocess_newv ((const char * const *) argv->pdata,
                            G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error);
  if (proc == NULL)
    return FALSE;
  if (!g_subprocess_communicate_utf8 (proc, NULL, cancellable, NULL, &err_out, error))
    return FALSE;
  if (!g_subprocess_get_successful (proc))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED, "qemu-img %s failed: %s",
                   (const char *) argv->pdata[1], err_out ? g_strstrip (err_out) : "");
      return FALSE;
    }
  return TRUE;
}

/**
 * _hearth_storage_probe_image:
 * @path: a local disk image
 * @format: (out) (optional): its format ("qcow2", "raw", …)
 * @virtual_size: (out) (optional): the size the guest sees, in bytes
 *
 * Reads an image's format and size with `qemu-img info` (sharing the lock, so
 * images in use can be read). Worker thread.
 */
gboolean
_hearth_storage_probe_image (const char   *path,
                             char        **format,
                             guint64      *virtual_size,
                             GCancellable *cancellable,
                             GError      **error)
{
  const char *argv[] = { "qemu-img", "info", "-U", "--output=json", path, NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char *out = NULL;
  g_autofree char *err_out = NULL;
  JsonObject *object;

  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                            error);
  if (proc == NULL
      || !g_subprocess_communicate_utf8 (proc, NULL, cancellable, &out, &err_out, error))
    return FALSE;
  if (!g_subprocess_get_successful (proc) || !json_parser_load_from_data (parser, out, -1, NULL)
      || !JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "%s is not a disk image: %s", path, err_out ? g_strstrip (err_out) : "");
      return FALSE;
    }

  object = json_node_get_object (json_parser_get_root (parser));
  if (format != NULL)
    *format = g_strdup (json_object_get_string_member_with_default (object, "format", "raw"));
  if (virtual_size != NULL)
    *virtual_size = (guint64) json_object_get_int_member_with_default (object, "virtual-size", 0);
  return TRUE;
}

static char *
build_volume_xml (const char *name,
                  guint64     capacity)
{
  xmlDocPtr doc = xmlNewDoc ((const xmlChar *) "1.0");
  xmlNodePtr root = xmlNewNode (NULL, (const xmlChar *) "volume");
  xmlNodePtr node;
  g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, capacity);
  char *xml;

  xmlDocSetRootElement (doc, root);
  xmlNewTextChild (root, NULL, (const xmlChar *) "name", (const xmlChar *) name);
  node = xmlNewTextChild (root, NULL, (const xmlChar *) "capacity", (const xmlChar *) size);
  xmlNewProp (node, (const xmlChar *) "unit", (const xmlChar *) "bytes");
  xmlNewTextChild (root, NULL, (const xmlChar *) "allocation", (const xmlChar *) "0");
  node = xmlNewChild (root, NULL, (const xmlChar *) "target", NULL);
  node = xmlNewChild (node, NULL, (const xmlChar *) "format", NULL);
  xmlNewProp (node, (const xmlChar *) "type", (const xmlChar *) "qcow2");
  xml = _hearth_xml_doc_to_string (doc);
  xmlFreeDoc (doc);
  return xml;
}

static char *
volume_name_for (const char *basename,
                 guint       attempt)
{
  if (attempt == 0)
    return g_strconcat (basename, ".qcow2", NULL);
  return g_strdup_printf ("%s-%u.qcow2", basename, attempt + 1);
}

/* Creates the image in a pool. The name is new: volumes that exist are skipped,
 * and libvirt's create itself fails rather than replace one that appeared since. */
static char *
create_in_pool (HearthStorageTarget *target,
                const char          *basename,
                guint64              capacity,
                GError             **error)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *name = volume_name_for (basename, attempt);
      g_autofree char *xml = NULL;
      g_autoptr(HearthVirStorageVol) vol = virStorageVolLookupByName (target->pool, name);
      char *path;

      if (vol != NULL)
        continue;
      virResetLastError ();

      xml = build_volume_xml (name, capacity);
      if (!(vol = virStorageVolCreateXML (target->pool, xml, 0)))
        {
          virErrorPtr verr = virGetLastError ();

          if (verr != NULL && verr->code == VIR_ERR_STORAGE_VOL_EXIST)
            {
              virResetLastError ();
              continue;
            }
          _hearth_error_take_libvirt (error, "Could not create the disk image");
          return NULL;
        }
      if (!(path = virStorageVolGetPath (vol)))
        {
          _hearth_error_take_libvirt (error, "Could not find the new disk image");
          virStorageVolDelete (vol, 0);
          return NULL;
        }
      {
        char *result = g_strdup (path);

        free (path);
        return result;
      }
    }

  g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN,
               "Too many disk images are called “%s”", basename);
  return NULL;
}

/* Creates the image as a file in the fallback directory: O_EXCL reserves the name,
 * then qemu-img formats the file Hearth just made. */
static char *
create_in_directory (HearthStorageTarget *target,
                     const char          *basename,
                     guint64              capacity,
                     GCancellable        *cancellable,
                     GError             **error)
{
  for (guint attempt = 0; attempt < 100; attempt++)
    {
      g_autofree char *name = volume_name_for (basename, attempt);
      g_autofree char *path = g_build_filename (target->directory, name, NULL);
      g_autofree char *size = g_strdup_printf ("%" G_GUINT64_FORMAT, capacity);
      int fd = g_open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

      if (fd < 0)
        {
          int errsv = errno;

          if (errsv == EEXIST)
            continue;
          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
                       "Could not create %s: %s", path, g_strerror (errsv));
          return NULL;
        }
      g_close (fd, NULL);

      if (!run_qemu_img (cancellable, error, "create", "-q", "-f", "qcow2", path, size, NULL))
        {
          g_unlink (path);
          return NULL;
        }
      return g_steal_pointer (&path);
    }

  g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN,
               "Too many disk images are called “%s”", basename);
  return NULL;
}

/**
 * _hearth_storage_create_disk:
 * @basename: a file name without extension, already sanitised
 * @capacity: bytes
 * @copy_from: (nullable): a local image whose contents to copy into the new disk
 *   (capacity is then at least the image's virtual size)
 *
 * Creates a new qcow2 image, never replacing an existing file. Worker thread.
 *
 * Returns: (transfer full): the new image's path
 */
char *
_hearth_storage_create_disk (HearthStorageTarget *target,
                             const char          *basename,
                             guint64              capacity,
                             const char          *copy_from,
                             GCancellable        *cancellable,
                             GError             **error)
{
  char *path;

  /* A copy is at least as large as the image it copies. */
  if (copy_from != NULL)
    {
      guint64 source_size = 0;

      if (!_hearth_storage_probe_image (copy_from, NULL, &source_size, cancellable, error))
        return NULL;
      capacity = MAX (capacity, source_size);
    }

  if (target->available > 0 && capacity > target->available && copy_from == NULL)
    {
      g_autofree char *need = g_format_size_full (capacity, G_FORMAT_SIZE_IEC_UNITS);
      g_autofree char *have = g_format_size_full (target->available, G_FORMAT_SIZE_IEC_UNITS);

      /* Hearth does not overcommit disks: a guest that fills a thin image on a full
       * host disk stops with I/O errors. */
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE,
                   "Not enough free space for a %s disk: %s free in %s", need, have,
                   target->pool_name ? target->pool_name : target->directory);
      return NULL;
    }

  if (target->pool != NULL)
    path = create_in_pool (target, basename, capacity, error);
  else if (target->directory != NULL)
    path = create_in_directory (target, basename, capacity, cancellable, error);
  else
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED, "No storage for disk images");
      return NULL;
    }

  if (path != NULL && copy_from != NULL)
    {
      /* -n: write into the image just made instead of replacing it. */
      if (!run_qemu_img (cancellable, error, "convert", "-n", "-O", "qcow2", copy_from, path,
                         NULL))
        {
          g_autoptr(GError) ignored = NULL;

          _hearth_storage_delete_disk (target->pool ? virStoragePoolGetConnect (target->pool)
                                                    : NULL,
                                       path, &ignored);
          g_clear_pointer (&path, g_free);
        }
    }

  return path;
}

/**
 * _hearth_storage_delete_disk:
 * @conn: (nullable): the connection, %NULL for images outside any pool
 *
 * Deletes an image Hearth made (rollback). Worker thread.
 */
gboolean
_hearth_storage_delete_disk (virConnectPtr conn,
                             const char   *path,
                             GError      **error)
{
  g_autoptr(HearthVirStorageVol) vol = NULL;

  if (conn != NULL && (vol = virStorageVolLookupByPath (conn, path)))
    {
      if (virStorageVolDelete (vol, 0) < 0)
        {
          _hearth_error_take_libvirt (error, "Could not delete the disk image");
          return FALSE;
        }
      return TRUE;
    }
  virResetLastError ();

  if (g_unlink (path) < 0 && errno != ENOENT)
    {
      int errsv = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv), "Could not delete %s: %s",
                   path, g_strerror (errsv));
      return FALSE;
    }
  return TRUE;
}

typedef struct
{
  virConnectPtr conn;
  char         *uri;
} EnsureRequest;

static void
ensure_request_free (EnsureRequest *req)
{
  hearth_vir_connect_unref (req->conn);
  g_free (req->uri);
  g_free (req);
}

static void
ensure_pool_worker (GTask        *task,
                    gpointer      source_object,
                    gpointer      task_data,
                    GCancellable *cancellable)
{
  EnsureRequest *req = task_data;
  g_autoptr(GError) error = NULL;
  HearthStorageTarget target;
  HearthStorageInfo *info;
  gint64 begin = hearth_now_usec ();

  if (!_hearth_storage_target_find (req->conn, req->uri, TRUE, &target, &error))
    {
      hearth_audit_record (req->uri, NULL, NULL, "ensure-pool", error, hearth_now_usec () - begin);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (target.created)
    hearth_audit_record (req->uri, NULL, NULL, "create-pool", NULL, hearth_now_usec () - begin);

  info = g_new0 (HearthStorageInfo, 1);
  info->pool_name = g_steal_pointer (&target.pool_name);
  info->directory = g_steal_pointer (&target.directory);
  info->available = target.available;
  info->created = target.created;
  _hearth_storage_target_clear (&target);
  g_task_return_pointer (task, info, (GDestroyNotify) hearth_storage_info_free);
}

/**
 * hearth_storage_ensure_pool_async:
 * @connection: an open connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called when done
 * @user_data: data for @callback
 *
 * Finds the storage pool new disk images go to: the "default" pool, Hearth's own
 * "hearth" pool, or any active directory pool, starting "default" or "hearth" when
 * they are defined but inactive. When there is none (a fresh qemu:///system),
 * Hearth defines, builds, starts and autostarts its own directory pool: in the
 * user's data directory for session connections, /var/lib/libvirt/images for
 * system ones. Connections without a storage driver (qemu:///embed) get a
 * directory instead of a pool.
 */
void
hearth_storage_ensure_pool_async (HearthConnection   *connection,
                                  GCancellable       *cancellable,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  EnsureRequest *req;
  virConnectPtr conn;

  g_return_if_fail (HEARTH_IS_CONNECTION (connection));

  task = g_task_new (connection, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_storage_ensure_pool_async);

  if (!(conn = _hearth_connection_dup_virconn (connection, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  req = g_new0 (EnsureRequest, 1);
  req->conn = conn;
  req->uri = g_strdup (hearth_connection_get_uri (connection));
  g_task_set_task_data (task, req, (GDestroyNotify) ensure_request_free);
  g_task_run_in_thread (task, ensure_pool_worker);
}

/**
 * hearth_storage_ensure_pool_finish:
 *
 * Returns: (transfer full): where new disks go, or %NULL on error
 */
HearthStorageInfo *
hearth_storage_ensure_pool_finish (HearthConnection *connection,
                                   GAsyncResult     *result,
                                   GError          **error)
{
  g_return_val_if_fail (g_task_is_valid (result, connection), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
