/* test-host-profile.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <json-glib/json-glib.h>

#include "hearth-test-utils.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define MIB (G_GUINT64_CONSTANT (1) << 20)

/* The tier table of DESIGN.md on synthetic hosts. "16 GB" hosts report a little
 * less than 16 GiB, which still counts. */
static void
test_tiers (void)
{
  static const struct
  {
    guint threads;
    guint64 memory;
    HearthHostTier tier;
  } cases[] = {
    { 2, 4 * GIB, HEARTH_HOST_TIER_LIGHT },
    { 4, 8 * GIB, HEARTH_HOST_TIER_LIGHT },
    { 8, 8 * GIB, HEARTH_HOST_TIER_LIGHT },          /* threads enough, memory not */
    { 4, 64 * GIB, HEARTH_HOST_TIER_LIGHT },         /* memory enough, threads not */
    { 8, 16 * GIB, HEARTH_HOST_TIER_BASIC },
    { 8, 15 * GIB + 600 * MIB, HEARTH_HOST_TIER_BASIC },
    { 12, 24 * GIB, HEARTH_HOST_TIER_BASIC },
    { 16, 32 * GIB, HEARTH_HOST_TIER_PRO },
    { 16, 128 * GIB, HEARTH_HOST_TIER_PRO },         /* memory enterprise, CPU pro */
    { 24, 64 * GIB, HEARTH_HOST_TIER_ENTERPRISE },
    { 64, 256 * GIB, HEARTH_HOST_TIER_ENTERPRISE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HearthHostProfile) host = hearth_host_profile_new (cases[i].threads,
                                                                   cases[i].threads / 2,
                                                                   cases[i].memory, 0);

      g_test_message ("%u threads, %" G_GUINT64_FORMAT " MiB", cases[i].threads,
                      cases[i].memory / MIB);
      g_assert_cmpint (hearth_host_profile_get_tier (host), ==, cases[i].tier);
      g_assert_cmpint (hearth_host_tier_classify (cases[i].threads, cases[i].memory), ==,
                       cases[i].tier);
    }

  g_assert_cmpstr (hearth_host_tier_to_string (HEARTH_HOST_TIER_PRO), ==, "pro");
}

static void
test_json (void)
{
  g_autoptr(HearthHostProfile) host = hearth_host_profile_new (16, 8, 32 * GIB, 500 * GIB);
  const char *gpus[] = { "NVIDIA RTX A4000", NULL };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *json = NULL;
  JsonObject *object;

  hearth_host_profile_set_gpus (host, gpus);
  hearth_host_profile_set_avx512 (host, TRUE);
  json = hearth_host_profile_to_json (host);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "tier"), ==, "pro");
  g_assert_cmpint (json_object_get_int_member (object, "threads"), ==, 16);
  g_assert_cmpint (json_object_get_int_member (object, "memory"), ==, (gint64) (32 * GIB));
  g_assert_true (json_object_get_boolean_member (object, "avx512"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (object, "gpus"),
                                                  0), ==, "NVIDIA RTX A4000");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object,
                                                                         "network-zones")),
                    ==, 3);

  /* Without network filters, the DMZ is not among the zones. */
  hearth_host_profile_set_dmz_available (host, FALSE);
  g_clear_pointer (&json, g_free);
  json = hearth_host_profile_to_json (host);
  g_assert_true (json_parser_load_from_data (parser, json, -1, &error));
  object = json_node_get_object (json_parser_get_root (parser));
  {
    JsonArray *zones = json_object_get_array_member (object, "network-zones");

    g_assert_cmpuint (json_array_get_length (zones), ==, 2);
    g_assert_cmpstr (json_array_get_string_element (zones, 1), ==, "home-nat");
  }
}

static void
probe_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  HearthHostProfile **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hearth_host_profile_probe_finish (result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_set (gpointer user_data)
{
  return *(gpointer *) user_data != NULL;
}

/* The test driver describes a host of its own; the profile must report it. */
static void
test_probe (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthHostProfile) host = NULL;

  hearth_host_profile_probe_async (connection, NULL, probe_cb, &host);
  g_assert_true (hearth_test_wait (pointer_set, &host, 30000));

  g_assert_cmpuint (hearth_host_profile_get_threads (host), >, 0);
  g_assert_cmpuint (hearth_host_profile_get_cores (host), >, 0);
  g_assert_cmpuint (hearth_host_profile_get_cores (host), <=,
                    hearth_host_profile_get_threads (host));
  g_assert_cmpuint (hearth_host_profile_get_memory (host), >, 0);
  /* The test driver's "default-pool" has free space. */
  g_assert_cmpuint (hearth_host_profile_get_pool_free (host), >, 0);
  g_assert_nonnull (hearth_host_profile_get_gpus (host));
  /* The test driver has no network filters, so no DMZ. */
  g_assert_false (hearth_host_profile_get_dmz_available (host));
  g_assert_cmpint (hearth_host_profile_get_tier (host), ==,
                   hearth_host_tier_classify (hearth_host_profile_get_threads (host),
                                              hearth_host_profile_get_memory (host)));
}

static void
probe_error_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthHostProfile) host = hearth_host_profile_probe_finish (result, &error);

  g_assert_null (host);
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST);
  *done = TRUE;
}

static void
test_probe_closed (void)
{
  g_autoptr(HearthConnection) connection = hearth_connection_new ("test:///default");
  gboolean done = FALSE;

  hearth_host_profile_probe_async (connection, NULL, probe_error_cb, &done);
  g_assert_true (hearth_test_wait_flag (&done, 10000));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add_func ("/core/host-profile/tiers", test_tiers);
  g_test_add_func ("/core/host-profile/json", test_json);
  g_test_add_func ("/core/host-profile/probe", test_probe);
  g_test_add_func ("/core/host-profile/probe-closed", test_probe_closed);

  return g_test_run ();
}
