/* test-os-catalog.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "hearth-test-utils.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)

static gboolean
is_loaded (gpointer user_data)
{
  return hearth_os_database_is_loaded (user_data);
}

static HearthOsDatabase *
loaded_database (void)
{
  HearthOsDatabase *db = hearth_os_database_get_default ();

  if (!hearth_os_database_is_loaded (db))
    {
      hearth_os_database_load_async (db, NULL, NULL, NULL);
      g_assert_true (hearth_test_wait (is_loaded, db, 60000));
    }
  return db;
}

static void
test_search (void)
{
  HearthOsDatabase *db = loaded_database ();
  g_autoptr(GPtrArray) ubuntu = hearth_os_catalog_search (db, "  UBUNTU   22.04 ", 0);
  g_autoptr(GPtrArray) all = hearth_os_catalog_search (db, NULL, 0);
  g_autoptr(GPtrArray) five = hearth_os_catalog_search (db, "fedora", 5);
  g_autoptr(GPtrArray) none = hearth_os_catalog_search (db, "no such operating system", 0);
  gboolean found = FALSE;

  g_assert_cmpuint (ubuntu->len, >=, 1);
  for (guint i = 0; i < ubuntu->len; i++)
    {
      HearthOsEntry *entry = g_ptr_array_index (ubuntu, i);

      g_assert_nonnull (strstr (entry->short_id, "22.04"));
      found = found || g_strcmp0 (entry->id, "http://ubuntu.com/ubuntu/22.04") == 0;
    }
  g_assert_true (found);

  /* Everything, recent releases first (entries without a date last). */
  g_assert_cmpuint (all->len, >, 100);
  for (guint i = 1; i < all->len; i++)
    {
      HearthOsEntry *prev = g_ptr_array_index (all, i - 1);
      HearthOsEntry *entry = g_ptr_array_index (all, i);

      if (prev->release_date == NULL)
        g_assert_null (entry->release_date);
      else if (entry->release_date != NULL)
        g_assert_cmpstr (prev->release_date, >=, entry->release_date);
    }

  g_assert_cmpuint (five->len, ==, 5);
  g_assert_cmpuint (none->len, ==, 0);
}

static void
test_lookup (void)
{
  HearthOsDatabase *db = loaded_database ();
  g_autoptr(HearthOsEntry) by_short = hearth_os_catalog_lookup (db, "win11");
  g_autoptr(HearthOsEntry) by_id = hearth_os_catalog_lookup (db, "http://debian.org/debian/11");
  g_autoptr(HearthOsEntry) copy = NULL;

  g_assert_nonnull (by_short);
  g_assert_cmpstr (by_short->id, ==, "http://microsoft.com/win/11");
  g_assert_cmpstr (by_short->family, ==, "winnt");
  g_assert_nonnull (by_id);
  g_assert_cmpstr (by_id->short_id, ==, "debian11");
  g_assert_nonnull (by_id->release_date);
  copy = hearth_os_entry_copy (by_id);
  g_assert_cmpstr (copy->name, ==, by_id->name);
  g_assert_null (hearth_os_catalog_lookup (db, "no-such-os"));
}

static void
test_requirements (void)
{
  HearthOsDatabase *db = loaded_database ();
  HearthOsRequirements req;

  /* Windows 11: UEFI, Secure Boot and TPM 2.0; its own minimum, not Windows 10's. */
  g_assert_true (hearth_os_catalog_get_requirements (db, "http://microsoft.com/win/11", &req));
  g_assert_true (req.known);
  g_assert_true (req.needs_uefi);
  g_assert_true (req.needs_secure_boot);
  g_assert_true (req.needs_tpm);
  g_assert_cmpuint (req.min_vcpus, >=, 2);
  g_assert_cmpuint (req.min_memory, >=, 4 * GIB);

  g_assert_true (hearth_os_catalog_get_requirements (db, "ubuntu22.04", &req));
  g_assert_false (req.needs_uefi);
  g_assert_false (req.needs_tpm);
  g_assert_true (req.virtio_block);
  g_assert_true (req.virtio_net);
  g_assert_cmpuint (req.rec_memory, >=, req.min_memory);
  g_assert_cmpuint (req.min_memory, >, 0);
  g_assert_nonnull (req.sound_model);

  /* Unknown OS: nothing required, safe devices. */
  g_assert_false (hearth_os_catalog_get_requirements (db, "http://example.org/os/1", &req));
  g_assert_false (req.known);
  g_assert_false (req.virtio_block);
  g_assert_true (req.qxl);
  g_assert_cmpuint (req.min_memory, ==, 0);
}

typedef struct
{
  gboolean done;
  HearthMediaInfo *info;
  GError *error;
} DetectResult;

static void
detect_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  DetectResult *res = user_data;

  res->info = hearth_os_catalog_detect_media_finish (HEARTH_OS_DATABASE (source), result,
                                                     &res->error);
  res->done = TRUE;
}

static void
detect (const char   *path,
        DetectResult *res)
{
  memset (res, 0, sizeof *res);
  hearth_os_catalog_detect_media_async (loaded_database (), path, NULL, detect_cb, res);
  g_assert_true (hearth_test_wait_flag (&res->done, 30000));
}

static void
detect_result_clear (DetectResult *res)
{
  g_clear_pointer (&res->info, hearth_media_info_free);
  g_clear_error (&res->error);
}

/* Makes an ISO image whose volume id is @volume_id; bootable (El Torito) unless
 * told otherwise, as libosinfo only accepts bootable installer media. */
static char *
make_iso (const char *dir,
          const char *file,
          const char *volume_id,
          gboolean    bootable)
{
  g_autofree char *tree = g_build_filename (dir, "tree", NULL);
  g_autofree char *boot = g_build_filename (tree, "boot.img", NULL);
  char *path = g_build_filename (dir, file, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *zeros = g_malloc0 (2048);
  int status = -1;

  g_mkdir_with_parents (tree, 0700);
  g_assert_true (g_file_set_contents (boot, zeros, 2048, &error));
  g_ptr_array_add (argv, (gpointer) "xorriso");
  g_ptr_array_add (argv, (gpointer) "-as");
  g_ptr_array_add (argv, (gpointer) "mkisofs");
  g_ptr_array_add (argv, (gpointer) "-quiet");
  g_ptr_array_add (argv, (gpointer) "-V");
  g_ptr_array_add (argv, (gpointer) volume_id);
  if (bootable)
    {
      g_ptr_array_add (argv, (gpointer) "-b");
      g_ptr_array_add (argv, (gpointer) "boot.img");
      g_ptr_array_add (argv, (gpointer) "-no-emul-boot");
    }
  g_ptr_array_add (argv, (gpointer) "-o");
  g_ptr_array_add (argv, path);
  g_ptr_array_add (argv, tree);
  g_ptr_array_add (argv, NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv->pdata, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
                               | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  return path;
}

static void
test_detect_media (void)
{
  g_autofree char *xorriso = g_find_program_in_path ("xorriso");
  const char *dir = g_get_user_cache_dir ();
  g_autofree char *ubuntu = NULL;
  g_autofree char *debian = NULL;
  g_autofree char *unknown = NULL;
  g_autofree char *unbootable = NULL;
  g_autofree char *text = g_build_filename (dir, "notes.iso", NULL);
  DetectResult res;

  if (xorriso == NULL)
    {
      g_test_skip ("xorriso is not installed");
      return;
    }

  /* Volume ids that osinfo-db's media entries match. */
  ubuntu = make_iso (dir, "ubuntu.iso", "Ubuntu 22.04.1 LTS amd64", TRUE);
  debian = make_iso (dir, "debian.iso", "Debian 11.5.0 amd64 n", TRUE);
  unknown = make_iso (dir, "unknown.iso", "HEARTH TEST DISC", TRUE);
  unbootable = make_iso (dir, "unbootable.iso", "Ubuntu 22.04.1 LTS amd64", FALSE);

  detect (ubuntu, &res);
  g_assert_no_error (res.error);
  g_assert_cmpstr (res.info->os_id, ==, "http://ubuntu.com/ubuntu/22.04");
  g_assert_cmpstr (res.info->os_name, ==, "Ubuntu 22.04 LTS");
  g_assert_cmpstr (res.info->arch, ==, "x86_64");
  g_assert_cmpstr (res.info->volume_id, ==, "Ubuntu 22.04.1 LTS amd64");
  g_assert_cmpstr (res.info->path, ==, ubuntu);
  g_assert_true (res.info->live);
  detect_result_clear (&res);

  detect (debian, &res);
  g_assert_no_error (res.error);
  g_assert_cmpstr (res.info->os_id, ==, "http://debian.org/debian/11");
  g_assert_false (res.info->live);
  g_assert_true (res.info->installer);
  detect_result_clear (&res);

  /* A valid ISO of an OS no one knows is no error: the user picks the OS. */
  detect (unknown, &res);
  g_assert_no_error (res.error);
  g_assert_null (res.info->os_id);
  g_assert_cmpstr (res.info->volume_id, ==, "HEARTH TEST DISC");
  detect_result_clear (&res);

  detect (unbootable, &res);
  g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  detect_result_clear (&res);

  g_assert_true (g_file_set_contents (text, "not an ISO image\n", -1, NULL));
  detect (text, &res);
  g_test_message ("%s", res.error ? res.error->message : "");
  g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (res.error->message, "not an ISO image"));
  detect_result_clear (&res);

  detect ("/nonexistent/hearth/missing.iso", &res);
  g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND);
  detect_result_clear (&res);
}

/* Every family the catalogue shows has an icon of the Adwaita theme (Hearth
 * ships no logos), and osinfo-db's families map to the expected ones. */
static void
test_family_icons (void)
{
  struct
  {
    const char *osinfo;
    HearthOsFamily family;
  } cases[] = {
    { "linux", HEARTH_OS_FAMILY_LINUX },     { "winnt", HEARTH_OS_FAMILY_WINDOWS },
    { "msdos", HEARTH_OS_FAMILY_WINDOWS },   { "freebsd", HEARTH_OS_FAMILY_BSD },
    { "dragonflybsd", HEARTH_OS_FAMILY_BSD }, { "haiku", HEARTH_OS_FAMILY_OTHER },
    { "", HEARTH_OS_FAMILY_OTHER },          { NULL, HEARTH_OS_FAMILY_OTHER },
  };
  g_autoptr(GHashTable) icons = g_hash_table_new (g_str_hash, g_str_equal);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpint (hearth_os_family_from_osinfo (cases[i].osinfo), ==, cases[i].family);

  for (HearthOsFamily f = HEARTH_OS_FAMILY_OTHER; f <= HEARTH_OS_FAMILY_BSD; f++)
    {
      const char *name = hearth_os_family_get_icon_name (f);
      const char *dirs[] = { "devices", "places", "legacy", "apps", "status", "actions" };
      gboolean found = FALSE;

      g_assert_true (g_str_has_suffix (name, "-symbolic"));
      g_hash_table_add (icons, (gpointer) name);
      for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
        {
          g_autofree char *file = g_strconcat (name, ".svg", NULL);
          g_autofree char *path = g_build_filename ("/usr/share/icons/Adwaita/scalable", dirs[d],
                                                    file, NULL);

          found = found || g_file_test (path, G_FILE_TEST_EXISTS);
        }
      if (!found && g_file_test ("/usr/share/icons/Adwaita/scalable", G_FILE_TEST_IS_DIR))
        g_error ("%s is not in the Adwaita icon theme", name);
    }
  /* Four families, four different icons. */
  g_assert_cmpuint (g_hash_table_size (icons), ==, 4);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add_func ("/core/os-catalog/search", test_search);
  g_test_add_func ("/core/os-catalog/lookup", test_lookup);
  g_test_add_func ("/core/os-catalog/requirements", test_requirements);
  g_test_add_func ("/core/os-catalog/detect-media", test_detect_media);
  g_test_add_func ("/core/os-catalog/family-icons", test_family_icons);

  return g_test_run ();
}
