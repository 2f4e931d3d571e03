/* test-stats-limits.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Per-machine limits (cputune, blkiotune, memtune, iotune) on the test
 * driver: read, applied live to a running machine, saved for the next start
 * of a stopped one, read back, audited.
 */

#include "config.h"

#include <string.h>

#include "hearth-test-utils.h"

#define TIMEOUT_MS 10000

typedef struct
{
  gboolean          done;
  HearthLimits     *limits;
  gboolean          ok;
  HearthLimitsGroup live;
  HearthLimitsGroup next_start;
  GError           *error;
} Result;

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Result *res = user_data;

  res->limits = hearth_limits_read_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

static HearthLimits *
read_limits (HearthMachine *machine)
{
  Result res = { 0 };

  hearth_limits_read_async (machine, NULL, read_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_nonnull (res.limits);
  return res.limits;
}

static void
apply_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Result *res = user_data;

  res->ok = hearth_limits_apply_finish (HEARTH_MACHINE (source), result, &res->live,
                                        &res->next_start, &res->error);
  res->done = TRUE;
}

static void
apply_limits (HearthMachine      *machine,
              const HearthLimits *limits,
              Result             *res)
{
  hearth_limits_apply_async (machine, limits, NULL, apply_cb, res);
  g_assert_true (hearth_test_wait_flag (&res->done, TIMEOUT_MS));
}

static void
test_limits (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  HearthMachine *machine = hearth_connection_find_machine (connection, "test");
  g_autoptr(HearthLimits) before = NULL;
  g_autoptr(HearthLimits) after = NULL;
  g_autoptr(HearthLimits) wanted = hearth_limits_new ();
  g_autofree char *audit = NULL;
  HearthDiskLimits *disk;
  Result res = { 0 };

  g_assert_nonnull (machine);
  g_assert_true (hearth_machine_is_active (machine));

  /* What the test driver supports, with its defaults. */
  before = read_limits (machine);
  g_assert_cmpuint (before->groups & HEARTH_LIMITS_CPU, !=, 0);
  g_assert_cmpuint (before->groups & HEARTH_LIMITS_BLKIO, !=, 0);
  g_assert_cmpuint (before->groups & HEARTH_LIMITS_MEMORY, !=, 0);
  g_assert_cmpuint (before->groups & HEARTH_LIMITS_DISKS, !=, 0);
  g_assert_cmpuint (before->cpu_shares, >, 0);
  g_assert_cmpuint (before->memory_hard_limit_kib, ==, 0);
  g_assert_nonnull (hearth_limits_find_disk (before, "vda"));

  /* Live on the running machine. */
  wanted->groups = HEARTH_LIMITS_CPU | HEARTH_LIMITS_BLKIO | HEARTH_LIMITS_MEMORY
                   | HEARTH_LIMITS_DISKS;
  wanted->cpu_shares = 300;
  wanted->blkio_weight = 500;
  wanted->memory_hard_limit_kib = 1024 * 1024;
  wanted->memory_soft_limit_kib = 512 * 1024;
  disk = hearth_limits_add_disk (wanted, "vda");
  disk->read_bytes_sec = 10 * 1000 * 1000;
  disk->write_iops_sec = 200;
  apply_limits (machine, wanted, &res);
  g_assert_no_error (res.error);
  g_assert_true (res.ok);
  g_assert_cmpuint (res.live, ==, wanted->groups);
  g_assert_cmpuint (res.next_start, ==, 0);

  /* The test driver takes the CPU weight but does not keep it (it always
   * reads 50), so only the other groups can be read back here. */
  after = read_limits (machine);
  g_assert_cmpuint (after->blkio_weight, ==, 500);
  g_assert_cmpuint (after->memory_hard_limit_kib, ==, 1024 * 1024);
  g_assert_cmpuint (after->memory_soft_limit_kib, ==, 512 * 1024);
  disk = hearth_limits_find_disk (after, "vda");
  g_assert_cmpuint (disk->read_bytes_sec, ==, 10 * 1000 * 1000);
  g_assert_cmpuint (disk->write_iops_sec, ==, 200);
  g_assert_cmpuint (disk->write_bytes_sec, ==, 0);
  g_clear_pointer (&after, hearth_limits_free);

  /* The test driver has no CPU quota: a clear error, nothing half-done. */
  memset (&res, 0, sizeof res);
  wanted->groups = HEARTH_LIMITS_CPU;
  wanted->cpu_quota_usec = 50000;
  apply_limits (machine, wanted, &res);
  g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
  g_assert_false (res.ok);
  g_clear_error (&res.error);

  /* A stopped machine: saved in its configuration, for the next start. */
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SHUTOFF,
                                                 TIMEOUT_MS));
  memset (&res, 0, sizeof res);
  wanted->groups = HEARTH_LIMITS_MEMORY;
  wanted->memory_hard_limit_kib = 2 * 1024 * 1024;
  wanted->memory_soft_limit_kib = 0;
  apply_limits (machine, wanted, &res);
  g_assert_no_error (res.error);
  g_assert_cmpuint (res.live, ==, 0);
  g_assert_cmpuint (res.next_start, ==, HEARTH_LIMITS_MEMORY);
  after = read_limits (machine);
  g_assert_cmpuint (after->memory_hard_limit_kib, ==, 2 * 1024 * 1024);
  g_assert_cmpuint (after->memory_soft_limit_kib, ==, 0);

  audit = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (audit, "\"set-limits\""));

  /* Put the shared test:///default machine back for other tests. */
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
}

static void
test_copy (void)
{
  g_autoptr(HearthLimits) limits = hearth_limits_new ();
  g_autoptr(HearthLimits) copy = NULL;

  limits->groups = HEARTH_LIMITS_DISKS;
  hearth_limits_add_disk (limits, "vda")->read_iops_sec = 7;
  g_assert_true (hearth_limits_add_disk (limits, "vda") == hearth_limits_find_disk (limits, "vda"));
  copy = hearth_limits_copy (limits);
  g_assert_cmpuint (copy->disks->len, ==, 1);
  g_assert_cmpuint (hearth_limits_find_disk (copy, "vda")->read_iops_sec, ==, 7);
  g_assert_false (hearth_limits_find_disk (copy, "vda") == hearth_limits_find_disk (limits, "vda"));
  g_assert_null (hearth_limits_find_disk (copy, "vdb"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_core_init ();

  g_test_add_func ("/core/limits/apply", test_limits);
  g_test_add_func ("/core/limits/copy", test_copy);

  return g_test_run ();
}
