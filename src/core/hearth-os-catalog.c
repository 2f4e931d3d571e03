/* hearth-os-catalog.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-os"

#include "config.h"

#include <string.h>

#include "hearth-os-catalog.h"
#include "hearth-wizard-private.h"

/*
 * The OS catalogue over libosinfo: search, requirements and media detection. It
 * reads the OsinfoDb that HearthOsDatabase loaded; lookups are in memory and run on
 * the main thread, the ISO is read in a worker.
 */

#define WIN11_ID "http://microsoft.com/win/11"

G_DEFINE_BOXED_TYPE (HearthOsEntry, hearth_os_entry, hearth_os_entry_copy, hearth_os_entry_free)
G_DEFINE_BOXED_TYPE (HearthMediaInfo, hearth_media_info, hearth_media_info_copy,
                     hearth_media_info_free)

/** hearth_os_entry_copy: Returns: (transfer full): a copy */
HearthOsEntry *
hearth_os_entry_copy (const HearthOsEntry *entry)
{
  HearthOsEntry *copy = g_new0 (HearthOsEntry, 1);

  copy->id = g_strdup (entry->id);
  copy->short_id = g_strdup (entry->short_id);
  copy->name = g_strdup (entry->name);
  copy->vendor = g_strdup (entry->vendor);
  copy->family = g_strdup (entry->family);
  copy->version = g_strdup (entry->version);
  copy->release_date = g_strdup (entry->release_date);
  copy->logo = g_strdup (entry->logo);
  copy->eol = entry->eol;
  return copy;
}

/** hearth_os_entry_free: Frees @entry. */
void
hearth_os_entry_free (HearthOsEntry *entry)
{
  if (entry == NULL)
    return;
  g_free (entry->id);
  g_free (entry->short_id);
  g_free (entry->name);
  g_free (entry->vendor);
  g_free (entry->family);
  g_free (entry->version);
  g_free (entry->release_date);
  g_free (entry->logo);
  g_free (entry);
}

/** hearth_media_info_copy: Returns: (transfer full): a copy */
HearthMediaInfo *
hearth_media_info_copy (const HearthMediaInfo *info)
{
  HearthMediaInfo *copy = g_new0 (HearthMediaInfo, 1);

  copy->path = g_strdup (info->path);
  copy->volume_id = g_strdup (info->volume_id);
  copy->os_id = g_strdup (info->os_id);
  copy->os_name = g_strdup (info->os_name);
  copy->media_id = g_strdup (info->media_id);
  copy->arch = g_strdup (info->arch);
  copy->live = info->live;
  copy->installer = info->installer;
  return copy;
}

/** hearth_media_info_free: Frees @info. */
void
hearth_media_info_free (HearthMediaInfo *info)
{
  if (info == NULL)
    return;
  g_free (info->path);
  g_free (info->volume_id);
  g_free (info->os_id);
  g_free (info->os_name);
  g_free (info->media_id);
  g_free (info->arch);
  g_free (info);
}

static HearthOsEntry *
entry_new (OsinfoOs *os)
{
  OsinfoProduct *product = OSINFO_PRODUCT (os);
  HearthOsEntry *entry = g_new0 (HearthOsEntry, 1);
  GDate *eol = osinfo_product_get_eol_date (product);

  entry->id = g_strdup (osinfo_entity_get_id (OSINFO_ENTITY (os)));
  entry->short_id = g_strdup (osinfo_product_get_short_id (product));
  entry->name = g_strdup (osinfo_product_get_name (product));
  entry->vendor = g_strdup (osinfo_product_get_vendor (product));
  entry->family = g_strdup (osinfo_os_get_family (os));
  entry->version = g_strdup (osinfo_product_get_version (product));
  entry->release_date = g_strdup (osinfo_product_get_release_date_string (product));
  entry->logo = g_strdup (osinfo_product_get_logo (product));
  if (eol != NULL)
    {
      g_autoptr(GDateTime) now = g_date_time_new_now_local ();
      GDate today;

      g_date_clear (&today, 1);
      g_date_set_dmy (&today, g_date_time_get_day_of_month (now), g_date_time_get_month (now),
                      g_date_time_get_year (now));
      entry->eol = g_date_compare (eol, &today) < 0;
      g_date_free (eol);  /* libosinfo parses a new one each time */
    }
  return entry;
}

static OsinfoDb *
get_db (HearthOsDatabase *db)
{
  g_return_val_if_fail (HEARTH_IS_OS_DATABASE (db), NULL);
  return _hearth_os_database_get_db (db);
}

static gboolean
matches (OsinfoOs   *os,
         GStrv       words)
{
  OsinfoProduct *product = OSINFO_PRODUCT (os);
  g_autofree char *haystack = NULL;
  g_autofree char *folded = NULL;

  haystack = g_strjoin (" ", osinfo_product_get_name (product) ?: "",
                        osinfo_product_get_short_id (product) ?: "",
                        osinfo_product_get_vendor (product) ?: "",
                        osinfo_os_get_distro (os) ?: "", NULL);
  folded = g_utf8_casefold (haystack, -1);
  for (guint i = 0; words[i] != NULL; i++)
    if (strstr (folded, words[i]) == NULL)
      return FALSE;
  return TRUE;
}

static int
compare_entries (gconstpointer a,
                 gconstpointer b)
{
  const HearthOsEntry *ea = *(HearthOsEntry **) a;
  const HearthOsEntry *eb = *(HearthOsEntry **) b;
  int cmp;

  /* Recent releases first; OSes without a date after those with one. */
  if (ea->release_date == NULL || eb->release_date == NULL)
    {
      if (ea->release_date != eb->release_date)
        return ea->release_date == NULL ? 1 : -1;
    }
  else if ((cmp = g_strcmp0 (eb->release_date, ea->release_date)) != 0)
    return cmp;
  return g_utf8_collate (ea->name ? ea->name : "", eb->name ? eb->name : "");
}

/**
 * hearth_os_catalog_search:
 * @db: a loaded #HearthOsDatabase
 * @query: (nullable): words to find in the name, short id, vendor or distribution
 *   (case-insensitive; every word must match); %NULL or empty lists everything
 * @max_results: the most entries to return, 0 for all
 *
 * Searches the catalogue; recent releases come first.
 *
 * Returns: (transfer full) (element-type HearthOsEntry): the matches (empty when
 *   the database is not loaded)
 */
GPtrArray *
hearth_os_catalog_search (HearthOsDatabase *db,
                          const char       *query,
                          guint             max_results)
{
  GPtrArray *results = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_os_entry_free);
  g_autofree char *folded = NULL;
  g_auto(GStrv) words = NULL;
  g_autoptr(OsinfoOsList) list = NULL;
  OsinfoDb *osdb = get_db (db);

  if (osdb == NULL)
    return results;

  folded = g_utf8_casefold (query ? query : "", -1);
  words = g_strsplit_set (g_strstrip (folded), " \t", -1);
  {
    /* Drop the empty words that runs of blanks leave. */
    guint j = 0;

    for (guint i = 0; words[i] != NULL; i++)
      if (words[i][0] != '\0')
        words[j++] = words[i];
      else
        g_free (words[i]);
    words[j] = NULL;
  }

  list = osinfo_db_get_os_list (osdb);
  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
    {
      OsinfoOs *os = OSINFO_OS (osinfo_list_get_nth (OSINFO_LIST (list), i));

      if (matches (os, words))
        g_ptr_array_add (results, entry_new (os));
    }

  g_ptr_array_sort (results, compare_entries);
  if (max_results > 0 && results->len > max_results)
    g_ptr_array_set_size (results, max_results);
  return results;
}

static OsinfoOs *
find_os (OsinfoDb   *osdb,
         const char *id_or_short_id)
{
  g_autoptr(OsinfoOsList) list = NULL;
  OsinfoOs *os;

  if (osdb == NULL || id_or_short_id == NULL)
    return NULL;
  if ((os = osinfo_db_get_os (osdb, id_or_short_id)))
    return os;

  list = osinfo_db_get_os_list (osdb);
  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
    {
      OsinfoOs *candidate = OSINFO_OS (osinfo_list_get_nth (OSINFO_LIST (list), i));
      g_autoptr(GList) short_ids = osinfo_product_get_short_id_list (OSINFO_PRODUCT (candidate));

      for (GList *l = short_ids; l != NULL; l = l->next)
        if (g_strcmp0 (l->data, id_or_short_id) == 0)
          return candidate;
    }
  return NULL;
}

/**
 * hearth_os_family_from_osinfo:
 * @family: (nullable): libosinfo's family ("linux", "winnt", "freebsd", …)
 *
 * Returns: the family the catalogue shows it under
 */
HearthOsFamily
hearth_os_family_from_osinfo (const char *family)
{
  static const struct
  {
    const char    *osinfo;
    HearthOsFamily family;
  } families[] = {
    { "linux", HEARTH_OS_FAMILY_LINUX },
    { "hurd", HEARTH_OS_FAMILY_LINUX },
    { "winnt", HEARTH_OS_FAMILY_WINDOWS },
    { "win9x", HEARTH_OS_FAMILY_WINDOWS },
    { "win16", HEARTH_OS_FAMILY_WINDOWS },
    { "msdos", HEARTH_OS_FAMILY_WINDOWS },
    { "freebsd", HEARTH_OS_FAMILY_BSD },
    { "openbsd", HEARTH_OS_FAMILY_BSD },
    { "netbsd", HEARTH_OS_FAMILY_BSD },
    { "dragonflybsd", HEARTH_OS_FAMILY_BSD },
    { "solaris", HEARTH_OS_FAMILY_BSD },
  };

  for (guint i = 0; family != NULL && i < G_N_ELEMENTS (families); i++)
    if (g_strcmp0 (family, families[i].osinfo) == 0)
      return families[i].family;
  return HEARTH_OS_FAMILY_OTHER;
}

/**
 * hearth_os_family_get_icon_name:
 *
 * A generic icon for the family from the Adwaita icon theme (a terminal for
 * Linux, a desktop computer for Windows, a server for the BSDs, a disc for the
 * rest). Hearth ships no distribution logos: they are trademarks, and
 * osinfo-db's logo URLs are remote.
 *
 * Returns: (transfer none): a symbolic icon name
 */
const char *
hearth_os_family_get_icon_name (HearthOsFamily family)
{
  switch (family)
    {
    case HEARTH_OS_FAMILY_LINUX:
      return "utilities-terminal-symbolic";
    case HEARTH_OS_FAMILY_WINDOWS:
      return "computer-symbolic";
    case HEARTH_OS_FAMILY_BSD:
      return "network-server-symbolic";
    case HEARTH_OS_FAMILY_OTHER:
    default:
      return "media-optical-symbolic";
    }
}

/**
 * hearth_os_catalog_lookup:
 * @db: a loaded #HearthOsDatabase
 * @id_or_short_id: "http://ubuntu.com/ubuntu/22.04" or "ubuntu22.04"
 *
 * Returns: (transfer full) (nullable): the OS, or %NULL when unknown
 */
HearthOsEntry *
hearth_os_catalog_lookup (HearthOsDatabase *db,
                          const char       *id_or_short_id)
{
  OsinfoOs *os = find_os (get_db (db), id_or_short_id);

  return os ? entry_new (os) : NULL;
}

static gboolean
derives_from (OsinfoOs   *os,
              const char *ancestor_id,
              guint       depth)
{
  g_autoptr(OsinfoProductList) parents = NULL;

  if (g_strcmp0 (osinfo_entity_get_id (OSINFO_ENTITY (os)), ancestor_id) == 0)
    return TRUE;
  if (depth > 16)
    return FALSE;

  parents = osinfo_product_get_related (OSINFO_PRODUCT (os),
                                        OSINFO_PRODUCT_RELATIONSHIP_DERIVES_FROM);
  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (parents)); i++)
    {
      OsinfoEntity *parent = osinfo_list_get_nth (OSINFO_LIST (parents), i);

      if (OSINFO_IS_OS (parent) && derives_from (OSINFO_OS (parent), ancestor_id, depth + 1))
        return TRUE;
    }
  return FALSE;
}

/* Reads one resources list for x86_64 (or any architecture). */
static void
read_resources (OsinfoResourcesList *list,
                guint               *vcpus,
                guint64             *memory,
                guint64             *storage)
{
  for (int i = 0; list != NULL && i < osinfo_list_get_length (OSINFO_LIST (list)); i++)
    {
      OsinfoResources *res = OSINFO_RESOURCES (osinfo_list_get_nth (OSINFO_LIST (list), i));
      const char *arch = osinfo_resources_get_architecture (res);

      if (g_strcmp0 (arch, "x86_64") != 0 && g_strcmp0 (arch, "all") != 0)
        continue;
      if (*vcpus == 0 && osinfo_resources_get_n_cpus (res) > 0)
        *vcpus = osinfo_resources_get_n_cpus (res);
      if (*memory == 0 && osinfo_resources_get_ram (res) > 0)
        *memory = osinfo_resources_get_ram (res);
      if (*storage == 0 && osinfo_resources_get_storage (res) > 0)
        *storage = osinfo_resources_get_storage (res);
    }
}

static void
fill_resources (HearthOsRequirements *req,
                OsinfoOs             *os,
                guint                 depth)
{
  g_autoptr(OsinfoResourcesList) minimum = osinfo_os_get_minimum_resources (os);
  g_autoptr(OsinfoResourcesList) recommended = osinfo_os_get_recommended_resources (os);
  g_autoptr(OsinfoProductList) parents = NULL;

  read_resources (minimum, &req->min_vcpus, &req->min_memory, &req->min_storage);
  read_resources (recommended, &req->rec_vcpus, &req->rec_memory, &req->rec_storage);

  /* Releases often state only what changed; the rest comes from what they derive
   * from. */
  if (depth > 8 || (req->min_memory && req->rec_memory && req->min_storage && req->rec_storage))
    return;
  parents = osinfo_product_get_related (OSINFO_PRODUCT (os),
                                        OSINFO_PRODUCT_RELATIONSHIP_DERIVES_FROM);
  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (parents)); i++)
    {
      OsinfoEntity *parent = osinfo_list_get_nth (OSINFO_LIST (parents), i);

      if (OSINFO_IS_OS (parent))
        fill_resources (req, OSINFO_OS (parent), depth + 1);
    }
}

static gboolean
has_device (GHashTable *ids,
            const char *a,
            const char *b)
{
  return g_hash_table_contains (ids, a) || (b != NULL && g_hash_table_contains (ids, b));
}

/*
 * Fills @req from @os (main thread). Device support is read by PCI id from
 * libosinfo's device list, which already drops devices an OS marks unsupported.
 */
void
_hearth_os_requirements_fill (HearthOsRequirements *req,
                              OsinfoOs             *os)
{
  g_autoptr(OsinfoDeviceList) devices = NULL;
  g_autoptr(OsinfoFirmwareList) firmwares = NULL;
  g_autoptr(GHashTable) ids = g_hash_table_new (g_str_hash, g_str_equal);

  memset (req, 0, sizeof *req);
  if (os == NULL)
    {
      /* Unknown OS: devices every x86 OS of the last 15 years drives. */
      req->qxl = TRUE;
      req->usb3 = TRUE;
      req->sound_model = "ich9";
      return;
    }

  req->known = TRUE;
  fill_resources (req, os, 0);

  devices = osinfo_os_get_all_devices (os, NULL);
  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (devices)); i++)
    {
      OsinfoEntity *device = osinfo_list_get_nth (OSINFO_LIST (devices), i);

      g_hash_table_add (ids, (gpointer) osinfo_entity_get_id (device));
    }

  req->virtio_block = has_device (ids, "http://pcisig.com/pci/1af4/1001",
                                  "http://pcisig.com/pci/1af4/1042");
  req->virtio_net = has_device (ids, "http://pcisig.com/pci/1af4/1000",
                                "http://pcisig.com/pci/1af4/1041");
  req->virtio_gpu = has_device (ids, "http://pcisig.com/pci/1af4/1050", NULL);
  req->qxl = has_device (ids, "http://pcisig.com/pci/1b36/0100", NULL);
  req->usb3 = has_device (ids, "http://pcisig.com/pci/1b36/000d",
                          "http://pcisig.com/pci/1033/0194");
  if (has_device (ids, "http://pcisig.com/pci/8086/293e", NULL))
    req->sound_model = "ich9";
  else if (has_device (ids, "http://pcisig.com/pci/8086/2668", NULL))
    req->sound_model = "ich6";
  else if (has_device (ids, "http://pcisig.com/pci/8086/2415", NULL))
    req->sound_model = "ac97";

  firmwares = osinfo_os_get_complete_firmware_list (os, NULL);
  for (int i = 0; i < osinfo_list_get_length (OSINFO_LIST (firmwares)); i++)
    {
      OsinfoFirmware *fw = OSINFO_FIRMWARE (osinfo_list_get_nth (OSINFO_LIST (firmwares), i));

      if (g_strcmp0 (osinfo_firmware_get_architecture (fw), "x86_64") == 0
          && g_strcmp0 (osinfo_firmware_get_firmware_type (fw), "bios") == 0
          && !osinfo_firmware_is_supported (fw))
        req->needs_uefi = TRUE;
    }

  /* osinfo-db has no TPM or Secure Boot data; Windows 11 and what derives from it
   * refuse to install without both. */
  if (derives_from (os, WIN11_ID, 0))
    {
      req->needs_uefi = TRUE;
      req->needs_secure_boot = TRUE;
      req->needs_tpm = TRUE;
    }
}

/**
 * hearth_os_catalog_get_requirements:
 * @db: a loaded #HearthOsDatabase
 * @os_id: (nullable): a libosinfo id or short id
 * @req: (out caller-allocates): what the OS needs; safe defaults when unknown
 *
 * Returns: whether the OS is known
 */
gboolean
hearth_os_catalog_get_requirements (HearthOsDatabase     *db,
                                    const char           *os_id,
                                    HearthOsRequirements *req)
{
  OsinfoOs *os = find_os (get_db (db), os_id);

  g_return_val_if_fail (req != NULL, FALSE);

  _hearth_os_requirements_fill (req, os);
  return os != NULL;
}

/* Media detection */

static void
detect_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  const char *path = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainContext) context = NULL;
  OsinfoMedia *media;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_task_return_new_error (task, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND,
                               "The file %s does not exist", path);
      return;
    }

  /* Reads the ISO 9660 volume descriptors: blocking I/O, hence the worker. The
   * "sync" call runs a main loop on the thread-default context, which in a worker
   * is the global default one: without a context of its own it would take the
   * main thread's context away (and the main thread would hang until it is done). */
  context = g_main_context_new ();
  g_main_context_push_thread_default (context);
  media = osinfo_media_create_from_location (path, cancellable, &error);
  g_main_context_pop_thread_default (context);
  if (media == NULL)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_task_return_error (task, g_steal_pointer (&error));
      else if (error != NULL && error->domain == G_IO_ERROR)
        g_task_return_new_error (task, HEARTH_ERROR, HEARTH_ERROR_PERMISSION_DENIED,
                                 "Could not read %s: %s", path, error->message);
      else
        g_task_return_new_error (task, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                                 "%s is not an ISO image: %s", path,
                                 error ? error->message : "no volume descriptor");
      return;
    }
  g_task_return_pointer (task, media, g_object_unref);
}

/**
 * hearth_os_catalog_detect_media_async:
 * @db: the OS database (loaded before the result is used)
 * @path: a local ISO file
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the result
 * @user_data: data for @callback
 *
 * Reads the ISO's volume descriptors in a worker and identifies the OS, release
 * and architecture on it from osinfo-db's media entries, and whether it is a live
 * or an installer medium.
 */
void
hearth_os_catalog_detect_media_async (HearthOsDatabase   *db,
                                      const char         *path,
                                      GCancellable       *cancellable,
                                      GAsyncReadyCallback callback,
                                      gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HEARTH_IS_OS_DATABASE (db));
  g_return_if_fail (path != NULL);

  task = g_task_new (db, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_os_catalog_detect_media_async);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, detect_worker);
}

/**
 * hearth_os_catalog_detect_media_finish:
 *
 * Matching against osinfo-db happens here, on the main thread, where the database
 * is read. A valid ISO of an unknown OS is not an error: @os_id is then %NULL.
 *
 * Returns: (transfer full): what was found, or %NULL with %HEARTH_ERROR_INVALID_ARGUMENT
 *   for a file that is not an ISO image, %HEARTH_ERROR_NOT_FOUND for a missing one
 */
HearthMediaInfo *
hearth_os_catalog_detect_media_finish (HearthOsDatabase *db,
                                       GAsyncResult     *result,
                                       GError          **error)
{
  g_autoptr(OsinfoMedia) media = NULL;
  HearthMediaInfo *info;
  OsinfoDb *osdb;

  g_return_val_if_fail (g_task_is_valid (result, db), NULL);

  if (!(media = g_task_propagate_pointer (G_TASK (result), error)))
    return NULL;

  info = g_new0 (HearthMediaInfo, 1);
  info->path = g_strdup (g_task_get_task_data (G_TASK (result)));
  info->volume_id = g_strdup (osinfo_media_get_volume_id (media));
  info->arch = g_strdup (osinfo_media_get_architecture (media));

  osdb = get_db (db);
  if (osdb != NULL && osinfo_db_identify_media (osdb, media))
    {
      OsinfoOs *os = osinfo_media_get_os (media);

      info->media_id = g_strdup (osinfo_entity_get_id (OSINFO_ENTITY (media)));
      info->arch = (g_free (info->arch), g_strdup (osinfo_media_get_architecture (media)));
      info->live = osinfo_media_get_live (media);
      info->installer = osinfo_media_get_installer (media);
      if (os != NULL)
        {
          info->os_id = g_strdup (osinfo_entity_get_id (OSINFO_ENTITY (os)));
          info->os_name = g_strdup (osinfo_product_get_name (OSINFO_PRODUCT (os)));
          g_object_unref (os);
        }
    }
  return info;
}
