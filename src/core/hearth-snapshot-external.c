/* hearth-snapshot-external.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * External snapshots with memory, for UEFI machines: libvirt 9.0 cannot take
 * internal snapshots of a machine with pflash firmware (its NVRAM), and cannot go
 * back to external snapshots before 9.9. Hearth takes external snapshots (a memory
 * file, a qcow2 overlay per disk, and its own copy of the NVRAM) and goes back to
 * them itself: a fresh overlay on each disk's snapshot-time image, the NVRAM copy
 * put back, the memory image restored with a definition that points at the new
 * overlays. Workers only; nothing here touches a GObject.
 *
 * Files, next to the machine's first disk (memory, overlays) and its NVRAM:
 *   <disk stem>.<snapshot>.qcow2       overlay made when the snapshot was taken
 *   <disk stem>.<snapshot>.mem         the memory image (running machines)
 *   <disk stem>.<snapshot>.rN.qcow2    overlay made by the Nth going back
 *   <nvram>.<snapshot>                 the NVRAM as it was
 * Overlays nothing needs any more go after a revert and a delete.
 */

#define G_LOG_DOMAIN "hearth-snapshot"

#include "config.h"

#include <errno.h>
#include <string.h>

#include <glib/gstdio.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hearth-snapshot-private.h"

#define LIBVIRT_REVERTS_EXTERNAL 9009000 /* 9.9.0 */

typedef struct
{
  char *target;
  char *source;
  char *format;
} DiskInfo;

static void
disk_info_free (DiskInfo *disk)
{
  g_free (disk->target);
  g_free (disk->source);
  g_free (disk->format);
  g_free (disk);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

static xmlDocPtr
parse_xml (const char *xml,
           GError    **error)
{
  xmlDocPtr doc = xmlReadMemory (xml, strlen (xml), "domain.xml", NULL,
                                 XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

  if (doc == NULL || xmlDocGetRootElement (doc) == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED, "Unreadable XML from libvirt");
      xmlFreeDoc (doc);
      return NULL;
    }
  return doc;
}

static xmlNodePtr
child (xmlNodePtr  parent,
       const char *name)
{
  for (xmlNodePtr node = parent ? parent->children : NULL; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && strcmp ((const char *) node->name, name) == 0)
      return node;
  return NULL;
}

static char *
attr (xmlNodePtr  node,
      const char *name)
{
  xmlChar *value = node ? xmlGetProp (node, (const xmlChar *) name) : NULL;
  char *copy = value ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return copy;
}

static char *
text (xmlNodePtr node)
{
  xmlChar *value = node ? xmlNodeGetContent (node) : NULL;
  char *copy = value ? g_strdup ((const char *) value) : NULL;

  xmlFree (value);
  return copy;
}

/* The writable file-backed disks of a <domain> element, the ones a snapshot covers. */
static GPtrArray *
writable_disks (xmlNodePtr domain)
{
  GPtrArray *disks = g_ptr_array_new_with_free_func ((GDestroyNotify) disk_info_free);

  for (xmlNodePtr node = child (domain, "devices") ? child (domain, "devices")->children : NULL;
       node; node = node->next)
    {
      g_autofree char *device = NULL;
      g_autofree char *type = NULL;
      DiskInfo *disk;

      if (node->type != XML_ELEMENT_NODE || strcmp ((const char *) node->name, "disk"))
        continue;
      device = attr (node, "device");
      type = attr (node, "type");
      if ((device && strcmp (device, "disk")) || g_strcmp0 (type, "file")
          || child (node, "readonly") || child (node, "shareable") || !child (node, "source"))
        continue;

      disk = g_new0 (DiskInfo, 1);
      disk->target = attr (child (node, "target"), "dev");
      disk->source = attr (child (node, "source"), "file");
      disk->format = attr (child (node, "driver"), "type");
      if (disk->target == NULL || disk->source == NULL)
        disk_info_free (disk);
      else
        g_ptr_array_add (disks, disk);
    }
  return disks;
}

static char *
nvram_path (xmlNodePtr domain)
{
  return text (child (child (domain, "os"), "nvram"));
}

static char *
disk_stem (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  char *dot = strrchr (base, '.');

  if (dot != NULL && dot != base)
    *dot = '\0';
  return g_build_filename (dir, base, NULL);
}

static gboolean
copy_file (const char *from,
           const char *to,
           GError    **error)
{
  g_autoptr(GFile) source = g_file_new_for_path (from);
  g_autoptr(GFile) destination = g_file_new_for_path (to);

  return g_file_copy (source, destination, G_FILE_COPY_OVERWRITE, NULL, NULL, NULL, error);
}

static void
add_text_child (xmlNodePtr  parent,
                const char *name,
                const char *value)
{
  xmlNewTextChild (parent, NULL, (const xmlChar *) name, (const xmlChar *) value);
}

static char *
dump (xmlDocPtr doc)
{
  xmlBufferPtr buffer = xmlBufferCreate ();
  char *xml;

  xmlNodeDump (buffer, doc, xmlDocGetRootElement (doc), 0, 0);
  xml = g_strdup ((const char *) xmlBufferContent (buffer));
  xmlBufferFree (buffer);
  return xml;
}

/**
 * _hearth_snapshot_external_create:
 * @domain_xml: the machine's current definition (live when running)
 * @description: the libvirt description (Hearth's title, notes and trailer)
 *
 * Takes an external snapshot: with memory when the machine runs, of the disks
 * otherwise, and copies the NVRAM beside itself.
 */
gboolean
_hearth_snapshot_external_create (virDomainPtr domain,
                                  const char  *name,
                                  const char  *description,
                                  const char  *domain_xml,
                                  GError     **error)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(xmlDoc) snap = NULL;
  g_autoptr(GPtrArray) disks = NULL;
  g_autoptr(HearthVirDomainSnapshot) snapshot = NULL;
  g_autofree char *nvram = NULL;
  g_autofree char *nvram_copy = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *xml = NULL;
  xmlNodePtr root, node, disks_node;
  gboolean active = virDomainIsActive (domain) == 1;

  if (!(doc = parse_xml (domain_xml, error)))
    return FALSE;
  disks = writable_disks (xmlDocGetRootElement (doc));
  nvram = nvram_path (xmlDocGetRootElement (doc));
  if (disks->len == 0)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                   "The machine has no disk image to take a snapshot of");
      return FALSE;
    }

  snap = xmlNewDoc ((const xmlChar *) "1.0");
  root = xmlNewNode (NULL, (const xmlChar *) "domainsnapshot");
  xmlDocSetRootElement (snap, root);
  add_text_child (root, "name", name);
  if (description != NULL && description[0] != '\0')
    add_text_child (root, "description", description);

  if (active)
    {
      g_autofree char *stem = disk_stem (((DiskInfo *) disks->pdata[0])->source);

      memory = g_strdup_printf ("%s.%s.mem", stem, name);
      node = xmlNewChild (root, NULL, (const xmlChar *) "memory", NULL);
      xmlSetProp (node, (const xmlChar *) "snapshot", (const xmlChar *) "external");
      xmlSetProp (node, (const xmlChar *) "file", (const xmlChar *) memory);
    }

  disks_node = xmlNewChild (root, NULL, (const xmlChar *) "disks", NULL);
  for (guint i = 0; i < disks->len; i++)
    {
      DiskInfo *disk = disks->pdata[i];
      g_autofree char *stem = disk_stem (disk->source);
      g_autofree char *overlay = g_strdup_printf ("%s.%s.qcow2", stem, name);

      node = xmlNewChild (disks_node, NULL, (const xmlChar *) "disk", NULL);
      xmlSetProp (node, (const xmlChar *) "name", (const xmlChar *) disk->target);
      xmlSetProp (node, (const xmlChar *) "snapshot", (const xmlChar *) "external");
      xmlSetProp (xmlNewChild (node, NULL, (const xmlChar *) "driver", NULL),
                  (const xmlChar *) "type", (const xmlChar *) "qcow2");
      xmlSetProp (xmlNewChild (node, NULL, (const xmlChar *) "source", NULL),
                  (const xmlChar *) "file", (const xmlChar *) overlay);
    }

  xml = dump (snap);
  if (!(snapshot = virDomainSnapshotCreateXML (domain, xml,
                                               active ? 0 : VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY)))
    {
      _hearth_error_take_libvirt (error, "Could not take the snapshot");
      return FALSE;
    }

  /* NVRAM changes rarely (boot entries, settings); the copy right after the
   * snapshot is what the firmware had then. */
  if (nvram != NULL)
    {
      nvram_copy = g_strdup_printf ("%s.%s", nvram, name);
      if (!copy_file (nvram, nvram_copy, error))
        {
          g_prefix_error (error, "Could not keep the firmware settings: ");
          virDomainSnapshotDelete (snapshot, VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY);
          virResetLastError ();
          return FALSE;
        }
    }

  return TRUE;
}

static gboolean
create_overlay (const char *base,
                const char *format,
                const char *overlay,
                GError    **error)
{
  const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F",
                         format ? format : "qcow2", "-b", base, overlay, NULL };
  g_autofree char *err = NULL;
  int status = 0;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, error))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED, "qemu-img could not create %s: %s",
                   overlay, err ? g_strstrip (err) : "");
      return FALSE;
    }
  return TRUE;
}

/* Points the disks of @domain (a <domain> element) named in @overlays (target →
 * file) at their new overlay; libvirt reads the backing chain from the image. */
static void
retarget_disks (xmlNodePtr  domain,
                GHashTable *overlays)
{
  for (xmlNodePtr node = child (domain, "devices") ? child (domain, "devices")->children : NULL;
       node; node = node->next)
    {
      g_autofree char *target = NULL;
      const char *overlay;
      xmlNodePtr backing;
      xmlNodePtr driver;

      if (node->type != XML_ELEMENT_NODE || strcmp ((const char *) node->name, "disk"))
        continue;
      target = attr (child (node, "target"), "dev");
      if (target == NULL || !(overlay = g_hash_table_lookup (overlays, target)))
        continue;

      xmlSetProp (child (node, "source"), (const xmlChar *) "file", (const xmlChar *) overlay);
      if ((driver = child (node, "driver")))
        xmlSetProp (driver, (const xmlChar *) "type", (const xmlChar *) "qcow2");
      while ((backing = child (node, "backingStore")))
        {
          xmlUnlinkNode (backing);
          xmlFreeNode (backing);
        }
    }
}

static char *
retarget_xml (const char *xml,
              GHashTable *overlays,
              GError    **error)
{
  g_autoptr(xmlDoc) doc = parse_xml (xml, error);

  if (doc == NULL)
    return NULL;
  retarget_disks (xmlDocGetRootElement (doc), overlays);
  return dump (doc);
}

static char *
free_overlay_name (const char *source,
                   const char *name)
{
  g_autofree char *stem = disk_stem (source);

  for (guint n = 1; n < 10000; n++)
    {
      char *path = g_strdup_printf ("%s.%s.r%u.qcow2", stem, name, n);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return path;
      g_free (path);
    }
  return g_strdup_printf ("%s.%s.r%s.qcow2", stem, name, g_uuid_string_random ());
}

/* Overlays ------------------------------------------------------------------
 *
 * Going back makes a fresh overlay and leaves the one the machine ran on until
 * then; deleting snapshots leaves the overlays they were taken on. Hearth removes
 * an overlay once neither the machine's present nor any snapshot needs it: what
 * is needed is every disk the definitions (persistent and live) point at and
 * every disk a snapshot recorded, each with its whole backing chain. Only files
 * the machine knew before the operation (the same sets, plus the overlays the
 * snapshots made) are candidates, and only overlays (qcow2 with a backing file)
 * are ever removed, never a base image.
 */

#define QCOW2_MAGIC 0x514649fbu /* "QFI\xfb" */

/* The backing file of a qcow2 image, from its header, as an absolute path;
 * %NULL for none, or for another format. */
static char *
qcow2_backing_file (const char *path)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFileInputStream) stream = g_file_read (file, NULL, NULL);
  g_autofree char *name = NULL;
  guint8 header[20];
  guint64 offset;
  guint32 size;
  gsize got = 0;

  if (stream == NULL
      || !g_input_stream_read_all (G_INPUT_STREAM (stream), header, sizeof header, &got, NULL,
                                   NULL)
      || got != sizeof header || GUINT32_FROM_BE (*(guint32 *) header) != QCOW2_MAGIC)
    return NULL;

  memcpy (&offset, header + 8, sizeof offset);
  memcpy (&size, header + 16, sizeof size);
  offset = GUINT64_FROM_BE (offset);
  size = GUINT32_FROM_BE (size);
  if (offset == 0 || size == 0 || size > 4096)
    return NULL;

  name = g_malloc0 (size + 1);
  if (!g_seekable_seek (G_SEEKABLE (stream), offset, G_SEEK_SET, NULL, NULL)
      || !g_input_stream_read_all (G_INPUT_STREAM (stream), name, size, &got, NULL, NULL)
      || got != size)
    return NULL;

  if (!g_path_is_absolute (name))
    {
      g_autofree char *dir = g_path_get_dirname (path);

      return g_build_filename (dir, name, NULL);
    }
  return g_steal_pointer (&name);
}

/* Adds @path and every image under it to @files. */
static void
add_chain (GHashTable *files,
           const char *path)
{
  g_autofree char *current = g_strdup (path);

  /* A depth limit guards against a loop of backing files. */
  for (guint depth = 0; current != NULL && depth < 256; depth++)
    {
      char *next;

      if (g_hash_table_contains (files, current))
        break;
      g_hash_table_add (files, g_strdup (current));
      next = qcow2_backing_file (current);
      g_free (current);
      current = next;
    }
}

static void
add_disks (GHashTable *files,
           xmlNodePtr  domain)
{
  g_autoptr(GPtrArray) disks = domain ? writable_disks (domain) : NULL;

  for (guint i = 0; disks != NULL && i < disks->len; i++)
    add_chain (files, ((DiskInfo *) disks->pdata[i])->source);
}

static void
add_domain_xml (GHashTable *files,
                const char *xml)
{
  g_autoptr(xmlDoc) doc = xml ? parse_xml (xml, NULL) : NULL;

  if (doc != NULL)
    add_disks (files, xmlDocGetRootElement (doc));
}

/* The images @domain needs now (into @needed) and, into @known (nullable), every
 * overlay its snapshots made as well. */
static void
collect_images (virDomainPtr domain,
                GHashTable  *needed,
                GHashTable  *known)
{
  virDomainSnapshotPtr *snapshots = NULL;
  g_autofree char *inactive = virDomainGetXMLDesc (domain, VIR_DOMAIN_XML_INACTIVE);
  int n;

  add_domain_xml (needed, inactive);
  if (virDomainIsActive (domain) == 1)
    {
      g_autofree char *live = virDomainGetXMLDesc (domain, 0);

      add_domain_xml (needed, live);
    }
  virResetLastError ();

  n = virDomainListAllSnapshots (domain, &snapshots, 0);
  for (int i = 0; i < n; i++)
    {
      char *xml = virDomainSnapshotGetXMLDesc (snapshots[i], 0);
      g_autoptr(xmlDoc) snap = xml ? parse_xml (xml, NULL) : NULL;
      xmlNodePtr root = snap ? xmlDocGetRootElement (snap) : NULL;
      xmlNodePtr disks = child (root, "disks");

      /* The disks as the snapshot found them: going back builds on them. */
      add_disks (needed, child (root, "domain"));
      /* The overlays it made: what the machine ran on after it. */
      for (xmlNodePtr disk = disks ? disks->children : NULL; known != NULL && disk;
           disk = disk->next)
        {
          g_autofree char *overlay = NULL;

          if (disk->type == XML_ELEMENT_NODE && !strcmp ((const char *) disk->name, "disk")
              && (overlay = attr (child (disk, "source"), "file")))
            g_hash_table_add (known, g_steal_pointer (&overlay));
        }
      free (xml);
      virDomainSnapshotFree (snapshots[i]);
    }
  free (snapshots);
  virResetLastError ();
}

/* Before an operation: every image of the machine that may become garbage. */
static GHashTable *
known_images (virDomainPtr domain)
{
  GHashTable *known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  collect_images (domain, known, known);
  return known;
}

/* After an operation: removes the overlays of @known nothing needs any more. */
static void
remove_unneeded_overlays (virDomainPtr domain,
                          GHashTable  *known)
{
  g_autoptr(GHashTable) needed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  gpointer path;

  collect_images (domain, needed, NULL);

  g_hash_table_iter_init (&iter, known);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    {
      g_autofree char *backing = NULL;

      if (g_hash_table_contains (needed, path)
          || !g_file_test (path, G_FILE_TEST_IS_REGULAR)
          || !(backing = qcow2_backing_file (path)))
        continue;
      if (g_unlink (path) < 0)
        g_debug ("Could not remove the unused overlay %s: %s", (char *) path,
                 g_strerror (errno));
      else
        g_debug ("Removed the unused overlay %s", (char *) path);
    }
}

/**
 * _hearth_snapshot_external_revert:
 * @stay_off: leave the machine off (a snapshot with memory is restored paused and
 *   then saved, so the next start resumes from it)
 *
 * Goes back to the external snapshot @snapshot_xml describes. With libvirt 9.9 or
 * later, libvirt does it; before, Hearth does: the disks get fresh overlays on
 * their snapshot-time images, the NVRAM copy goes back, the persistent definition
 * points at the new overlays, the memory image (if any) is restored onto them, and
 * the snapshot becomes current again.
 */
gboolean
_hearth_snapshot_external_revert (virDomainPtr domain,
                                  virDomainSnapshotPtr snapshot,
                                  const char  *snapshot_xml,
                                  gboolean     stay_off,
                                  GError     **error)
{
  virConnectPtr conn = virDomainGetConnect (domain);
  g_autoptr(xmlDoc) snap = NULL;
  g_autoptr(xmlDoc) current = NULL;
  g_autoptr(GPtrArray) disks = NULL;
  g_autoptr(GHashTable) overlays = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(HearthVirDomain) defined = NULL;
  g_autoptr(HearthVirDomainSnapshot) redefined = NULL;
  g_autofree char *current_xml = NULL;
  g_autofree char *new_xml = NULL;
  g_autofree char *memory = NULL;
  g_autofree char *nvram = NULL;
  g_autofree char *state = NULL;
  const char *name = virDomainSnapshotGetName (snapshot);
  unsigned long version = 0;
  xmlNodePtr snapshot_domain;
  /* What the machine runs on before going back becomes garbage after it. */
  g_autoptr(GHashTable) known = known_images (domain);

  if (virConnectGetLibVersion (conn, &version) == 0 && version >= LIBVIRT_REVERTS_EXTERNAL)
    {
      if (virDomainRevertToSnapshot (snapshot, stay_off ? VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED : 0)
          < 0)
        {
          _hearth_error_take_libvirt (error, "Could not go back to the snapshot");
          return FALSE;
        }
      remove_unneeded_overlays (domain, known);
      return TRUE;
    }
  virResetLastError ();

  if (!(snap = parse_xml (snapshot_xml, error)))
    return FALSE;
  snapshot_domain = child (xmlDocGetRootElement (snap), "domain");
  memory = attr (child (xmlDocGetRootElement (snap), "memory"), "file");
  state = text (child (xmlDocGetRootElement (snap), "state"));
  if (snapshot_domain == NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_FAILED,
                   "The snapshot “%s” does not record the machine's definition", name);
      return FALSE;
    }

  /* Everything since the snapshot is dropped: stop the machine first. */
  if (virDomainIsActive (domain) == 1 && virDomainDestroy (domain) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not stop the machine to go back");
      return FALSE;
    }

  /* The disks as they were: a new overlay on each snapshot-time image, so the
   * snapshot itself stays untouched for the next time. */
  disks = writable_disks (snapshot_domain);
  for (guint i = 0; i < disks->len; i++)
    {
      DiskInfo *disk = disks->pdata[i];
      g_autofree char *overlay = NULL;

      /* Hearth makes the overlays itself, so it must see the files. */
      if (!g_file_test (disk->source, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                       "The disk image %s is not on this computer; this version of libvirt "
                       "cannot go back to a UEFI machine's snapshot, and Hearth can do it only "
                       "for machines on this computer", disk->source);
          return FALSE;
        }
      overlay = free_overlay_name (disk->source, name);
      if (!create_overlay (disk->source, disk->format, overlay, error))
        return FALSE;
      g_hash_table_insert (overlays, g_strdup (disk->target), g_steal_pointer (&overlay));
    }

  /* The persistent definition keeps today's settings, on the new overlays. */
  if (!(current_xml = virDomainGetXMLDesc (domain, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE)))
    {
      _hearth_error_take_libvirt (error, "Could not read the machine's configuration");
      return FALSE;
    }
  if (!(current = parse_xml (current_xml, error)))
    return FALSE;
  retarget_disks (xmlDocGetRootElement (current), overlays);
  nvram = nvram_path (xmlDocGetRootElement (current));
  new_xml = dump (current);
  if (!(defined = virDomainDefineXML (conn, new_xml)))
    {
      _hearth_error_take_libvirt (error, "Could not update the machine's disks");
      return FALSE;
    }

  if (nvram != NULL)
    {
      g_autofree char *copy = g_strdup_printf ("%s.%s", nvram, name);

      if (g_file_test (copy, G_FILE_TEST_EXISTS) && !copy_file (copy, nvram, error))
        {
          g_prefix_error (error, "Could not put the firmware settings back: ");
          return FALSE;
        }
    }

  if (memory != NULL && g_file_test (memory, G_FILE_TEST_EXISTS))
    {
      g_autofree char *image_xml = NULL;
      g_autofree char *restore_xml = NULL;
      guint flags = stay_off || g_strcmp0 (state, "paused") == 0 ? VIR_DOMAIN_SAVE_PAUSED
                                                                 : VIR_DOMAIN_SAVE_RUNNING;

      if (!(image_xml = virDomainSaveImageGetXMLDesc (conn, memory,
                                                      VIR_DOMAIN_SAVE_IMAGE_XML_SECURE)))
        {
          _hearth_error_take_libvirt (error, "Could not read the snapshot's memory image");
          return FALSE;
        }
      if (!(restore_xml = retarget_xml (image_xml, overlays, error)))
        return FALSE;
      if (virDomainRestoreFlags (conn, memory, restore_xml, flags) < 0)
        {
          _hearth_error_take_libvirt (error, "Could not restore the snapshot's memory");
          return FALSE;
        }
      if (stay_off
          && virDomainManagedSave (domain, g_strcmp0 (state, "paused") == 0
                                             ? VIR_DOMAIN_SAVE_PAUSED
                                             : VIR_DOMAIN_SAVE_RUNNING) < 0)
        {
          _hearth_error_take_libvirt (error, "Could not save the machine after going back");
          return FALSE;
        }
    }

  /* The machine's present grows from the snapshot again. */
  if (!(redefined = virDomainSnapshotCreateXML (domain, snapshot_xml,
                                                VIR_DOMAIN_SNAPSHOT_CREATE_REDEFINE
                                                  | VIR_DOMAIN_SNAPSHOT_CREATE_CURRENT)))
    {
      _hearth_error_take_libvirt (error, "Could not mark the snapshot as current");
      return FALSE;
    }

  remove_unneeded_overlays (domain, known);
  return TRUE;
}

static void
remove_own_files (const char *snapshot_xml,
                  const char *nvram,
                  const char *name)
{
  g_autoptr(xmlDoc) snap = parse_xml (snapshot_xml, NULL);
  g_autofree char *memory = snap ? attr (child (xmlDocGetRootElement (snap), "memory"), "file")
                                 : NULL;

  if (memory != NULL)
    g_unlink (memory);
  if (nvram != NULL)
    {
      g_autofree char *copy = g_strdup_printf ("%s.%s", nvram, name);

      g_unlink (copy);
    }
}

/**
 * _hearth_snapshot_external_delete:
 *
 * Deletes an external snapshot (and with @with_children its descendants): the
 * metadata, the memory image, the NVRAM copy, and the disk overlays nothing
 * needs any more. Overlays the machine's disks or other snapshots are built on
 * stay; the machine keeps booting from the disks it has.
 */
gboolean
_hearth_snapshot_external_delete (virDomainPtr         domain,
                                  virDomainSnapshotPtr snapshot,
                                  gboolean             with_children,
                                  GError             **error)
{
  g_autoptr(GPtrArray) xmls = g_ptr_array_new_with_free_func (free);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *domain_xml = virDomainGetXMLDesc (domain, VIR_DOMAIN_XML_INACTIVE);
  g_autoptr(xmlDoc) doc = domain_xml ? parse_xml (domain_xml, NULL) : NULL;
  g_autofree char *nvram = doc ? nvram_path (xmlDocGetRootElement (doc)) : NULL;
  g_autoptr(GHashTable) known = known_images (domain);
  char *xml;

  virResetLastError ();
  if ((xml = virDomainSnapshotGetXMLDesc (snapshot, 0)))
    {
      g_ptr_array_add (xmls, xml);
      g_ptr_array_add (names, g_strdup (virDomainSnapshotGetName (snapshot)));
    }
  if (with_children)
    {
      virDomainSnapshotPtr *children = NULL;
      int n = virDomainSnapshotListAllChildren (snapshot, &children,
                                                VIR_DOMAIN_SNAPSHOT_LIST_DESCENDANTS);

      for (int i = 0; i < n; i++)
        {
          if ((xml = virDomainSnapshotGetXMLDesc (children[i], 0)))
            {
              g_ptr_array_add (xmls, xml);
              g_ptr_array_add (names, g_strdup (virDomainSnapshotGetName (children[i])));
            }
          virDomainSnapshotFree (children[i]);
        }
      free (children);
    }
  virResetLastError ();

  if (virDomainSnapshotDelete (snapshot, VIR_DOMAIN_SNAPSHOT_DELETE_METADATA_ONLY
                                           | (with_children ? VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN
                                                            : 0)) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not delete the snapshot");
      return FALSE;
    }

  for (guint i = 0; i < xmls->len; i++)
    remove_own_files (xmls->pdata[i], nvram, names->pdata[i]);
  remove_unneeded_overlays (domain, known);
  return TRUE;
}
