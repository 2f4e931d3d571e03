/* test-stats-limits-qemu.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per-machine limits on real QEMU (qemu:///embed, the tiny test guest): a
 * disk throughput cap set live on the running guest holds (the sampler sees
 * the guest's reads capped) and stays in the configuration; a CPU weight the
 * host has no cgroup for is refused rather than saved for a start it would
 * break.
 */

#include "config.h"

#include <math.h>
#include <string.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 60000
#define CAP_BYTES_SEC (1024 * 1024)

typedef struct
{
  gboolean          done;
  GError           *error;
  gpointer          result;
  HearthLimitsGroup live;
  HearthLimitsGroup next_start;
} AsyncResult;

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_limits_read_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

static HearthLimits *
read_limits (HearthMachine *machine)
{
  AsyncResult res = { 0 };

  hearth_limits_read_async (machine, NULL, read_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  return res.result;
}

static void
apply_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  AsyncResult *res = user_data;

  hearth_limits_apply_finish (HEARTH_MACHINE (source), result, &res->live, &res->next_start,
                              &res->error);
  res->done = TRUE;
}

static void
apply_limits (HearthMachine      *machine,
              const HearthLimits *limits,
              AsyncResult        *res)
{
  hearth_limits_apply_async (machine, limits, NULL, apply_cb, res);
  g_assert_true (hearth_test_wait_flag (&res->done, TIMEOUT_MS));
  g_assert_no_error (res->error);
}

static void
test_limits (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(HearthConnection) connection = NULL;
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(HearthStatsSampler) sampler = NULL;
  g_autoptr(HearthLimits) limits = NULL;
  g_autoptr(HearthLimits) wanted = hearth_limits_new ();
  g_autoptr(GArray) points = NULL;
  HearthStatsSeries *series;
  HearthDiskLimits *disk;
  AsyncResult res = { 0 };
  guint64 rd0, ticks0;
  double peak = 0;
  int status = -1;

  if (!hearth_test_guest_available (&error))
    {
      g_test_skip (error->message);
      return;
    }

  root = hearth_test_embed_root_new ();
  uri = hearth_test_embed_uri (root);
  serial = g_build_filename (root, "limits.log", NULL);
  connection = hearth_test_open_connection (uri);
  xml = hearth_test_guest_xml ("limits-guest", serial, HEARTH_TEST_GUEST_DISK);
  machine = hearth_test_define_machine (connection, xml, TIMEOUT_MS);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_serial_wait_for (serial, HEARTH_TEST_GUEST_READY, TIMEOUT_MS, &error));
  g_assert_no_error (error);

  /* QEMU throttles a disk live. */
  limits = read_limits (machine);
  g_assert_cmpuint (limits->groups & HEARTH_LIMITS_DISKS, !=, 0);
  g_assert_nonnull (hearth_limits_find_disk (limits, "vda"));
  g_assert_cmpuint (hearth_limits_find_disk (limits, "vda")->read_bytes_sec, ==, 0);
  g_clear_pointer (&limits, hearth_limits_free);

  wanted->groups = HEARTH_LIMITS_DISKS;
  disk = hearth_limits_add_disk (wanted, "vda");
  disk->read_bytes_sec = CAP_BYTES_SEC;
  disk->write_iops_sec = 100;
  memset (&res, 0, sizeof res);
  apply_limits (machine, wanted, &res);
  g_assert_cmpuint (res.live, ==, HEARTH_LIMITS_DISKS);
  g_assert_cmpuint (res.next_start, ==, 0);
  limits = read_limits (machine);
  g_assert_cmpuint (hearth_limits_find_disk (limits, "vda")->read_bytes_sec, ==, CAP_BYTES_SEC);
  g_assert_cmpuint (hearth_limits_find_disk (limits, "vda")->write_iops_sec, ==, 100);
  g_clear_pointer (&limits, hearth_limits_free);

  /* And the cap holds: 4 MiB read past the page cache never goes faster
   * than it (with room for where the samples fall). */
  sampler = hearth_stats_sampler_new (connection);
  hearth_stats_sampler_set_interval (sampler, 500);
  hearth_stats_sampler_hold (sampler);
  while (hearth_stats_sampler_get_n_ticks (sampler) < 2)
    g_main_context_iteration (NULL, TRUE);
  series = hearth_stats_sampler_lookup_series (sampler, hearth_machine_get_uuid (machine));
  rd0 = hearth_stats_sampler_get_counters (sampler, hearth_machine_get_uuid (machine))->block_rd_bytes;
  ticks0 = hearth_stats_sampler_get_n_ticks (sampler);
  g_assert_true (hearth_test_guest_run (serial, "dd if=/dev/vda of=/dev/null bs=64k count=64 "
                                                "skip=512 iflag=direct", TIMEOUT_MS, NULL,
                                        &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  hearth_test_iterate_for (1200);
  g_assert_cmpuint (hearth_stats_sampler_get_counters (sampler,
                                                       hearth_machine_get_uuid (machine))->block_rd_bytes
                    - rd0, >=, 4 << 20);
  points = hearth_stats_series_query (series, HEARTH_METRIC_DISK_READ, G_MAXINT64);
  for (guint i = points->len - (hearth_stats_sampler_get_n_ticks (sampler) - ticks0);
       i < points->len; i++)
    peak = MAX (peak, g_array_index (points, HearthStatsPoint, i).value);
  g_test_message ("capped at %.2f MiB/s, the sampler saw at most %.2f MiB/s",
                  CAP_BYTES_SEC / 1048576.0, peak / 1048576.0);
  g_assert_cmpfloat (peak, >, 0);
  g_assert_cmpfloat (peak, <, 1.6 * CAP_BYTES_SEC);
  hearth_stats_sampler_release (sampler);

  /* CPU weight: live where the host has the cgroup controller for it. Where
   * it has not (this embedded driver), the change is refused, and not kept
   * for a next start that would then fail for the same reason. */
  wanted->groups = HEARTH_LIMITS_CPU;
  wanted->cpu_shares = 512;
  memset (&res, 0, sizeof res);
  hearth_limits_apply_async (machine, wanted, NULL, apply_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_test_message ("CPU weight: live 0x%x, next start 0x%x, error: %s", res.live, res.next_start,
                  res.error ? res.error->message : "none");
  g_assert_cmpuint (res.next_start, ==, 0);
  if (res.error != NULL)
    {
      g_assert_cmpuint (res.live, ==, 0);
      g_clear_error (&res.error);
    }
  else
    g_assert_cmpuint (res.live, ==, HEARTH_LIMITS_CPU);

  /* Stopped, the configuration keeps the disk cap, and the machine starts
   * (no half-saved CPU weight in the way). */
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SHUTOFF, TIMEOUT_MS));
  limits = read_limits (machine);
  g_assert_cmpuint (hearth_limits_find_disk (limits, "vda")->read_bytes_sec, ==, CAP_BYTES_SEC);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);

  hearth_connection_close (connection);
  hearth_test_embed_root_remove (root);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("HEARTH_AUDIT_LOG");
  hearth_core_init ();

  g_test_add_func ("/core/limits/qemu/live-and-next-start", test_limits);

  return g_test_run ();
}
