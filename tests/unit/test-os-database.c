/* test-os-database.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include "hearth-test-utils.h"

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_os_database_load_finish (HEARTH_OS_DATABASE (source), result, &error));
  g_assert_no_error (error);
  *done = TRUE;
}

static void
test_lookup (void)
{
  HearthOsDatabase *db = hearth_os_database_get_default ();
  gboolean done[2] = { FALSE, FALSE };
  g_autofree char *debian = NULL;
  g_autofree char *family = NULL;
  g_autofree char *windows = NULL;

  g_assert_true (db == hearth_os_database_get_default ());
  g_assert_false (hearth_os_database_is_loaded (db));
  /* Before loading, lookups answer nothing rather than block. */
  g_assert_null (hearth_os_database_dup_name (db, "http://debian.org/debian/11"));

  /* Two callers share one load. */
  hearth_os_database_load_async (db, NULL, load_cb, &done[0]);
  hearth_os_database_load_async (db, NULL, load_cb, &done[1]);
  g_assert_true (hearth_test_wait_flag (&done[0], 60000));
  g_assert_true (hearth_test_wait_flag (&done[1], 60000));
  g_assert_true (hearth_os_database_is_loaded (db));

  debian = hearth_os_database_dup_name (db, "http://debian.org/debian/11");
  g_assert_nonnull (debian);
  g_assert_nonnull (strstr (debian, "Debian"));
  g_assert_nonnull (strstr (debian, "11"));
  family = hearth_os_database_dup_family (db, "http://debian.org/debian/11");
  g_assert_cmpstr (family, ==, "linux");
  windows = hearth_os_database_dup_family (db, "http://microsoft.com/win/11");
  g_assert_cmpstr (windows, ==, "winnt");

  {
    g_autofree char *ubuntu = hearth_os_database_dup_name (db, "http://ubuntu.com/ubuntu/22.04");

    g_assert_cmpstr (ubuntu, ==, "Ubuntu 22.04 LTS");
  }
  g_assert_null (hearth_os_database_dup_name (db, "http://example.org/no-such-os/1"));
  g_assert_null (hearth_os_database_dup_name (db, NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/os-database/lookup", test_lookup);

  return g_test_run ();
}
