/* snapshots.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench/snapshots: how long creating and reverting a memory snapshot of the tiny
 * test guest takes (qemu:///embed, TCG, 256 MiB), and the longest main-loop stall
 * during each, measured by a 10 ms GLib timeout that records how late it fires.
 * Prints figures; never fails on a number.
 *
 *   meson compile -C _build bench-snapshots   (or: _build/bench/snapshots [ITERATIONS])
 */

#include "config.h"

#include <stdlib.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS   120000
#define WATCHDOG_MS  10

typedef struct
{
  gint64 expected;     /* when the next tick is due, monotonic µs */
  gint64 worst;        /* the latest tick so far, µs */
} Watchdog;

static gboolean
watchdog_cb (gpointer user_data)
{
  Watchdog *dog = user_data;
  gint64 now = g_get_monotonic_time ();

  dog->worst = MAX (dog->worst, now - dog->expected);
  dog->expected = now + WATCHDOG_MS * 1000;
  return G_SOURCE_CONTINUE;
}

typedef struct
{
  gboolean done;
  GError  *error;
  gpointer result;
} Result;

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;

  res->result = hearth_snapshot_tree_create_finish (HEARTH_SNAPSHOT_TREE (source), result,
                                                    &res->error);
  res->done = TRUE;
}

static void
revert_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;

  hearth_snapshot_tree_revert_finish (HEARTH_SNAPSHOT_TREE (source), result, &res->error);
  res->done = TRUE;
}

static void
define_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;

  res->result = hearth_connection_define_xml_finish (HEARTH_CONNECTION (source), result,
                                                     &res->error);
  res->done = TRUE;
}

static void
action_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;

  hearth_machine_run_action_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

static gboolean
tree_idle (gpointer data)
{
  return hearth_snapshot_tree_get_loaded (data) && !hearth_snapshot_tree_get_busy (data);
}

static void
check (Result     *res,
       const char *what)
{
  if (!hearth_test_wait_flag (&res->done, TIMEOUT_MS))
    g_error ("%s timed out", what);
  if (res->error != NULL)
    g_error ("%s failed: %s", what, res->error->message);
}

/* Runs one measured operation and prints its duration and the worst stall. */
static void
report (const char *what,
        guint       i,
        gint64      begin,
        Watchdog   *dog,
        GArray     *durations,
        GArray     *stalls)
{
  double ms = (g_get_monotonic_time () - begin) / 1000.0;
  double stall = dog->worst / 1000.0;

  g_array_append_val (durations, ms);
  g_array_append_val (stalls, stall);
  g_print ("%-8s #%u  %8.1f ms   longest main-loop stall %6.1f ms\n", what, i + 1, ms, stall);
}

static void
summary (const char *what,
         GArray     *durations,
         GArray     *stalls)
{
  double sum = 0, worst_stall = 0, best = G_MAXDOUBLE, worst = 0;

  for (guint i = 0; i < durations->len; i++)
    {
      double d = g_array_index (durations, double, i);

      sum += d;
      best = MIN (best, d);
      worst = MAX (worst, d);
      worst_stall = MAX (worst_stall, g_array_index (stalls, double, i));
    }
  g_print ("%-8s mean %.1f ms (min %.1f, max %.1f) over %u; longest stall %.1f ms (%s 50 ms)\n",
           what, sum / durations->len, best, worst, durations->len, worst_stall,
           worst_stall <= 50.0 ? "within" : "OVER");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *cache = NULL;
  g_autoptr(HearthConnection) connection = NULL;
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(HearthSnapshotTree) tree = NULL;
  g_autoptr(GArray) create_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) create_stall = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) revert_ms = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) revert_stall = g_array_new (FALSE, FALSE, sizeof (double));
  Watchdog dog = { 0 };
  guint iterations = argc > 1 ? (guint) MAX (1, atoi (argv[1])) : 3;
  Result res = { 0 };
  guint watchdog_id;

  if (!hearth_test_guest_available (&error))
    {
      g_printerr ("bench/snapshots: %s\n", error->message);
      return 77;
    }

  /* Keep the audit log and thumbnails out of the user's directories. */
  root = hearth_test_embed_root_new ();
  cache = g_build_filename (root, "xdg-cache", NULL);
  g_setenv ("XDG_CACHE_HOME", cache, TRUE);
  g_setenv ("HEARTH_AUDIT_LOG", "/dev/null", TRUE);
  hearth_core_init ();

  uri = hearth_test_embed_uri (root);
  serial = g_build_filename (root, "serial.log", NULL);
  connection = hearth_test_open_connection (uri);

  xml = hearth_test_guest_xml ("bench-snapshots", serial, HEARTH_TEST_GUEST_DISK);
  hearth_connection_define_xml_async (connection, xml, NULL, define_cb, &res);
  check (&res, "define");
  machine = res.result;

  memset (&res, 0, sizeof res);
  hearth_machine_run_action_async (machine, HEARTH_MACHINE_ACTION_START, NULL, action_cb, &res);
  check (&res, "start");
  if (!hearth_test_serial_wait_for (serial, HEARTH_TEST_GUEST_READY, TIMEOUT_MS, &error))
    g_error ("the guest did not boot: %s", error->message);

  tree = hearth_snapshot_tree_new (machine);
  hearth_test_wait (tree_idle, tree, TIMEOUT_MS);

  g_print ("bench/snapshots: test guest (TCG, 256 MiB, qcow2 disk), %u iterations, "
           "watchdog every %d ms\n", iterations, WATCHDOG_MS);

  dog.expected = g_get_monotonic_time () + WATCHDOG_MS * 1000;
  watchdog_id = g_timeout_add (WATCHDOG_MS, watchdog_cb, &dog);

  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(HearthSnapshot) snapshot = NULL;
      gint64 begin;

      /* Settle, then measure the create from the call to its callback. */
      hearth_test_iterate_for (200);
      memset (&res, 0, sizeof res);
      dog.worst = 0;
      begin = g_get_monotonic_time ();
      hearth_snapshot_tree_create_async (tree, "bench", NULL, NULL, create_cb, &res);
      check (&res, "create");
      report ("create", i, begin, &dog, create_ms, create_stall);
      snapshot = res.result;

      hearth_test_iterate_for (200);
      memset (&res, 0, sizeof res);
      dog.worst = 0;
      begin = g_get_monotonic_time ();
      hearth_snapshot_tree_revert_async (tree, snapshot, NULL, revert_cb, &res);
      check (&res, "revert");
      report ("revert", i, begin, &dog, revert_ms, revert_stall);
    }

  g_source_remove (watchdog_id);
  summary ("create", create_ms, create_stall);
  summary ("revert", revert_ms, revert_stall);

  memset (&res, 0, sizeof res);
  hearth_machine_run_action_async (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, NULL, action_cb,
                                   &res);
  hearth_test_wait_flag (&res.done, TIMEOUT_MS);
  g_clear_error (&res.error);
  g_clear_object (&tree);
  hearth_connection_close (connection);
  hearth_test_iterate_for (100);
  hearth_test_embed_root_remove (root);
  return 0;
}
