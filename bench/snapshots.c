/* snapshots.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * bench/snapshots: how long creating and reverting a memory snapshot of the tiny
 * test guest takes (qemu:///embed, TCG, 256 MiB), and the longest main-loop stall
 * during each, measured by a 10 ms GLib timeout that records how late it fires.
 * Prints figures; never fails on a number.
 *
 * On a loaded machine a timeout fires late also when the main thread does nothing
 * (it waits for a CPU), so the watchdog also records the main thread's own CPU
 * time between two ticks (CLOCK_THREAD_CPUTIME_ID): the longest such slice is the
 * work Hearth itself did on the main thread without returning to the loop. A
 * baseline with no operation running, and the load average, put the wall-clock
 * stalls in context.
 *
 * With a display, the machine's timeline (HearthTimelineView) is open throughout,
 * over a history of HISTORY snapshots with thumbnails, as a user watching the
 * timeline window would have it; the stalls then include what the view does on
 * the main thread when the tree changes.
 *
 *   meson compile -C _build bench-snapshots
 *   (or: xvfb-run -a _build/bench/snapshots [ITERATIONS], without a display: core only)
 */

#include "config.h"

#include <stdlib.h>
#include <time.h>

#include <gtk/gtk.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"
#include "hearth-timeline-view.h"

#define TIMEOUT_MS   120000
#define WATCHDOG_MS  10
#define HISTORY      12

typedef struct
{
  gint64 expected;     /* when the next tick is due, monotonic µs */
  gint64 worst;        /* the latest tick so far, µs */
  gint64 cpu_last;     /* the main thread's CPU time at the last tick, µs */
  gint64 worst_cpu;    /* the most main-thread CPU time between two ticks, µs */
} Watchdog;

static gint64
thread_cpu_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
watchdog_cb (gpointer user_data)
{
  Watchdog *dog = user_data;
  gint64 now = g_get_monotonic_time ();
  gint64 cpu = thread_cpu_usec ();

  dog->worst = MAX (dog->worst, now - dog->expected);
  dog->worst_cpu = MAX (dog->worst_cpu, cpu - dog->cpu_last);
  dog->expected = now + WATCHDOG_MS * 1000;
  dog->cpu_last = cpu;
  return G_SOURCE_CONTINUE;
}

static void
watchdog_reset (Watchdog *dog)
{
  dog->worst = 0;
  dog->worst_cpu = 0;
  dog->cpu_last = thread_cpu_usec ();
}

/* The one-minute load average, to read the stalls by. */
static char *
dup_load_average (void)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;

  if (!g_file_get_contents ("/proc/loadavg", &text, NULL, NULL))
    return g_strdup ("?");
  fields = g_strsplit (text, " ", 2);
  return g_strdup (fields[0]);
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
typedef struct
{
  GArray *durations;  /* ms */
  GArray *stalls;     /* ms, wall clock */
  GArray *busy;       /* ms, main-thread CPU between two ticks */
} Figures;

static void
figures_init (Figures *figures)
{
  figures->durations = g_array_new (FALSE, FALSE, sizeof (double));
  figures->stalls = g_array_new (FALSE, FALSE, sizeof (double));
  figures->busy = g_array_new (FALSE, FALSE, sizeof (double));
}

static void
figures_clear (Figures *figures)
{
  g_array_unref (figures->durations);
  g_array_unref (figures->stalls);
  g_array_unref (figures->busy);
}

static double
array_max (GArray *array)
{
  double worst = 0;

  for (guint i = 0; i < array->len; i++)
    worst = MAX (worst, g_array_index (array, double, i));
  return worst;
}

/* Prints one measured operation's duration and the worst stall during it. */
static void
report (const char *what,
        guint       i,
        gint64      begin,
        Watchdog   *dog,
        Figures    *figures)
{
  double ms = (g_get_monotonic_time () - begin) / 1000.0;
  double stall;
  double busy;
  g_autofree char *load = NULL;

  /* What the operation's result sets off on the main thread (the view redrawing
   * the history, say) runs after its callback: it counts too. */
  hearth_test_iterate_for (500);
  stall = dog->worst / 1000.0;
  busy = dog->worst_cpu / 1000.0;
  load = dup_load_average ();

  g_array_append_val (figures->durations, ms);
  g_array_append_val (figures->stalls, stall);
  g_array_append_val (figures->busy, busy);
  g_print ("%-8s #%u  %8.1f ms   longest stall %6.1f ms, main thread busy %5.1f ms  "
           "(load %s)\n", what, i + 1, ms, stall, busy, load);
}

static void
summary (const char *what,
         Figures    *figures)
{
  double sum = 0, best = G_MAXDOUBLE, worst = 0;
  double worst_stall = array_max (figures->stalls);
  double worst_busy = array_max (figures->busy);

  for (guint i = 0; i < figures->durations->len; i++)
    {
      double d = g_array_index (figures->durations, double, i);

      sum += d;
      best = MIN (best, d);
      worst = MAX (worst, d);
    }
  g_print ("%-8s mean %.1f ms (min %.1f, max %.1f) over %u; longest stall %.1f ms (%s 50 ms), "
           "main thread busy at most %.1f ms (%s 50 ms)\n",
           what, sum / figures->durations->len, best, worst, figures->durations->len,
           worst_stall, worst_stall <= 50.0 ? "within" : "OVER", worst_busy,
           worst_busy <= 50.0 ? "within" : "OVER");
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
  g_autoptr(HearthSnapshot) base = NULL;
  Figures create, revert, idle;
  Watchdog dog = { 0 };
  guint iterations = argc > 1 ? (guint) MAX (1, atoi (argv[1])) : 3;
  Result res = { 0 };
  guint watchdog_id;

  gboolean with_view;
  GtkWidget *window = NULL;
  GtkWidget *view = NULL;

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
  with_view = gtk_init_check ();
  hearth_core_init ();

  uri = hearth_test_embed_uri (root);
  serial = g_build_filename (root, "serial.log", NULL);
  connection = hearth_test_open_connection (uri);

  xml = hearth_test_guest_xml ("bench-snapshots", serial, HEARTH_TEST_GUEST_DISK);
  machine = hearth_test_define_machine (connection, xml, TIMEOUT_MS);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  if (!hearth_test_serial_wait_for (serial, HEARTH_TEST_GUEST_READY, TIMEOUT_MS, &error))
    g_error ("the guest did not boot: %s", error->message);

  tree = hearth_snapshot_tree_new (machine);
  hearth_test_wait (tree_idle, tree, TIMEOUT_MS);

  if (with_view)
    {
      GtkWidget *scroller = gtk_scrolled_window_new ();

      /* A history to draw: snapshots with thumbnails of the guest's screen. */
      for (guint i = 0; i < HISTORY; i++)
        {
          memset (&res, 0, sizeof res);
          hearth_snapshot_tree_create_async (tree, "history", NULL, NULL, create_cb, &res);
          check (&res, "create the history");
          g_clear_object (&res.result);
        }
      view = hearth_timeline_view_new ();
      hearth_timeline_view_set_tree (HEARTH_TIMELINE_VIEW (view), tree);
      window = gtk_window_new ();
      gtk_window_set_default_size (GTK_WINDOW (window), 1000, 600);
      gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), view);
      gtk_window_set_child (GTK_WINDOW (window), scroller);
      gtk_window_present (GTK_WINDOW (window));
      hearth_test_iterate_for (1000);

      /* What the view does on the main thread to draw the history afresh (as a
       * revert that moves "current" makes it do), thumbnails included. */
      for (guint i = 0; i < 3; i++)
        {
          gint64 cpu = thread_cpu_usec ();
          gint64 begin = g_get_monotonic_time ();

          hearth_timeline_view_set_tree (HEARTH_TIMELINE_VIEW (view), NULL);
          hearth_timeline_view_set_tree (HEARTH_TIMELINE_VIEW (view), tree);
          g_print ("view     rebuild #%u: %.1f ms on the main thread (%.1f ms CPU)\n", i + 1,
                   (g_get_monotonic_time () - begin) / 1000.0,
                   (thread_cpu_usec () - cpu) / 1000.0);
          hearth_test_iterate_for (500);
        }
    }

  g_print ("bench/snapshots: test guest (TCG, 256 MiB, qcow2 disk), %u iterations, "
           "watchdog every %d ms, %s\n", iterations, WATCHDOG_MS,
           with_view ? "timeline view open over " G_STRINGIFY (HISTORY) " snapshots"
                     : "no display: core only");

  /* Each round takes a snapshot, then goes back to this older one, so "current"
   * moves as it does when a user goes back in time. */
  memset (&res, 0, sizeof res);
  hearth_snapshot_tree_create_async (tree, "base", NULL, NULL, create_cb, &res);
  check (&res, "create the base");
  base = res.result;

  figures_init (&create);
  figures_init (&revert);
  figures_init (&idle);
  dog.expected = g_get_monotonic_time () + WATCHDOG_MS * 1000;
  watchdog_reset (&dog);
  watchdog_id = g_timeout_add (WATCHDOG_MS, watchdog_cb, &dog);

  for (guint i = 0; i < iterations; i++)
    {
      g_autoptr(HearthSnapshot) snapshot = NULL;
      gint64 begin;

      /* Settle, then measure the create from the call to its callback. */
      /* The baseline: as long as a revert, with nothing to do. */
      hearth_test_iterate_for (200);
      watchdog_reset (&dog);
      begin = g_get_monotonic_time ();
      hearth_test_iterate_for (revert.durations->len > 0
                                 ? (guint) g_array_index (revert.durations, double,
                                                          revert.durations->len - 1)
                                 : 3000);
      report ("idle", i, begin, &dog, &idle);

      hearth_test_iterate_for (200);
      memset (&res, 0, sizeof res);
      watchdog_reset (&dog);
      begin = g_get_monotonic_time ();
      hearth_snapshot_tree_create_async (tree, "bench", NULL, NULL, create_cb, &res);
      check (&res, "create");
      report ("create", i, begin, &dog, &create);
      snapshot = res.result;

      hearth_test_iterate_for (200);
      memset (&res, 0, sizeof res);
      watchdog_reset (&dog);
      begin = g_get_monotonic_time ();
      hearth_snapshot_tree_revert_async (tree, base, NULL, revert_cb, &res);
      check (&res, "revert");
      report ("revert", i, begin, &dog, &revert);
    }

  g_source_remove (watchdog_id);
  summary ("idle", &idle);
  summary ("create", &create);
  summary ("revert", &revert);
  figures_clear (&idle);
  figures_clear (&create);
  figures_clear (&revert);

  if (hearth_machine_is_active (machine))
    hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  if (window != NULL)
    gtk_window_destroy (GTK_WINDOW (window));
  g_clear_object (&base);
  g_clear_object (&tree);
  hearth_connection_close (connection);
  hearth_test_iterate_for (100);
  hearth_test_embed_root_remove (root);
  return 0;
}
