/* create.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench/create: the time from Create to the machine defined, and from Create to
 * the machine running, on qemu:///embed (TCG) or another connection, through the
 * same core calls as the wizard. Prints figures; never fails on a number.
 *
 *   bench-create [ITERATIONS [URI [ZONE]]]
 *
 * URI defaults to a fresh qemu:///embed root; ZONE is isolated, home-nat (the
 * default) or dmz (qemu:///system only: it makes Hearth's DMZ network and
 * filter on the first creation, which the "first" line then includes).
 */

#define G_LOG_DOMAIN "hearth-bench-create"

#include "config.h"

#include <stdlib.h>
#include <unistd.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define GIB (G_GUINT64_CONSTANT (1) << 30)

typedef struct
{
  gboolean done;
  HearthMachine *machine;
  GError *error;
} Result;

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;

  res->machine = hearth_machine_builder_create_finish (HEARTH_CONNECTION (source), result,
                                                       &res->error);
  res->done = TRUE;
}

static void
delete_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;
  g_autoptr(HearthDeletion) deletion = hearth_machine_delete_finish (HEARTH_MACHINE (source),
                                                                     result, &res->error);

  if (deletion != NULL)
    hearth_deletion_commit_async (deletion, NULL, NULL, NULL);
  res->done = TRUE;
}

static gboolean
is_running (gpointer user_data)
{
  return hearth_machine_get_state (user_data) == HEARTH_MACHINE_STATE_RUNNING;
}

static gboolean
is_loaded (gpointer user_data)
{
  return hearth_os_database_is_loaded (user_data);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double da = *(const double *) a;
  double db = *(const double *) b;

  return da < db ? -1 : da > db;
}

static void
print_figures (const char *what,
               GArray     *values)
{
  double sum = 0;

  g_array_sort (values, compare_doubles);
  for (guint i = 0; i < values->len; i++)
    sum += g_array_index (values, double, i);
  g_print ("%-22s n=%u  min %7.1f ms  median %7.1f ms  mean %7.1f ms  max %7.1f ms\n", what,
           values->len, g_array_index (values, double, 0) * 1000,
           g_array_index (values, double, values->len / 2) * 1000, sum / values->len * 1000,
           g_array_index (values, double, values->len - 1) * 1000);
}

int
main (int   argc,
      char *argv[])
{
  guint iterations = argc > 1 ? (guint) atoi (argv[1]) : 10;
  g_autofree char *root = NULL;
  g_autofree char *uri = argc > 2 ? g_strdup (argv[2]) : NULL;
  const char *zone_name = argc > 3 ? argv[3] : "home-nat";
  HearthNetworkZone zone = g_str_equal (zone_name, "dmz")        ? HEARTH_NETWORK_ZONE_DMZ
                           : g_str_equal (zone_name, "isolated") ? HEARTH_NETWORK_ZONE_ISOLATED
                                                                 : HEARTH_NETWORK_ZONE_HOME_NAT;
  g_autoptr(HearthConnection) connection = NULL;
  g_autoptr(HearthHostProfile) host = hearth_host_profile_new (8, 4, 16 * GIB, 0);
  g_autoptr(GArray) to_defined = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) to_running = g_array_new (FALSE, FALSE, sizeof (double));
  HearthOsDatabase *db = hearth_os_database_get_default ();
  HearthPresetSizing sizing;
  g_autoptr(GError) error = NULL;

  /* The nested test machines cannot run guests under KVM (DESIGN.md). */
  g_setenv ("HEARTH_FORCE_TCG", "1", FALSE);
  hearth_core_init ();

  if (uri == NULL)
    {
      root = hearth_test_embed_root_new ();
      uri = hearth_test_embed_uri (root);
    }
  connection = hearth_test_open_connection (uri);
  hearth_os_database_load_async (db, NULL, NULL, NULL);
  if (!hearth_test_wait (is_loaded, db, 60000))
    g_error ("The OS database did not load");

  if (!hearth_preset_size_for (hearth_preset_lookup ("class-sandbox"), host,
                               "http://alpinelinux.org/alpinelinux/3.17", &sizing, &error))
    g_error ("%s", error->message);

  for (guint i = 0; i < iterations; i++)
    {
      g_autofree char *name = g_strdup_printf ("bench-%d %u", (int) getpid (), i);
      g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
      g_autoptr(GTimer) timer = g_timer_new ();
      Result res = { 0 };
      Result op = { 0 };
      double defined;

      hearth_preset_sizing_apply (&sizing, spec);
      spec->os_id = g_strdup ("http://alpinelinux.org/alpinelinux/3.17");
      spec->memory = 256 * MIB;
      spec->network_zone = zone;

      hearth_machine_builder_create_async (connection, spec, NULL, create_cb, &res);
      if (!hearth_test_wait_flag (&res.done, 60000) || res.machine == NULL)
        g_error ("Create failed: %s", res.error ? res.error->message : "timeout");
      defined = g_timer_elapsed (timer, NULL);
      g_array_append_val (to_defined, defined);

      hearth_test_run_action (res.machine, HEARTH_MACHINE_ACTION_START, 60000);
      if (!hearth_test_wait (is_running, res.machine, 60000))
        g_error ("The machine did not run");
      {
        double running = g_timer_elapsed (timer, NULL);

        g_array_append_val (to_running, running);
      }

      op.done = FALSE;
      hearth_machine_delete_async (res.machine, HEARTH_DELETE_FLAGS_STORAGE_VOLUMES
                                                  | HEARTH_DELETE_FLAGS_OUTSIDE_FILES,
                                   NULL, delete_cb, &op);
      hearth_test_wait_flag (&op.done, 60000);
      g_clear_error (&op.error);
      g_clear_object (&res.machine);
    }

  g_print ("bench-create on %s, TCG, %u machines (class-sandbox, Alpine 3.17, 256 MiB, "
           "network zone %s)\n",
           root != NULL ? "qemu:///embed" : uri, iterations, zone_name);
  /* The first creation also waits for libvirt to probe QEMU's capabilities (once
   * per embed root, cached afterwards): report it apart from the rest. */
  g_print ("first (cold caches):   defined %7.1f ms  running %7.1f ms\n",
           g_array_index (to_defined, double, 0) * 1000,
           g_array_index (to_running, double, 0) * 1000);
  if (to_defined->len > 1)
    {
      g_array_remove_index (to_defined, 0);
      g_array_remove_index (to_running, 0);
    }
  print_figures ("Create → defined", to_defined);
  print_figures ("Create → running", to_running);

  hearth_test_iterate_for (500);
  hearth_connection_close (connection);
  if (root != NULL)
    hearth_test_embed_root_remove (root);
  return 0;
}
