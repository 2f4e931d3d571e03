/* test-idle-policy.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The idle policy on real QEMU (qemu:///embed, the tiny test guest under TCG),
 * with a threshold of seconds: a busy guest is left alone, the same guest
 * once idle is saved (managed save, audited), and starting it again restores
 * it where it was: a file it kept in RAM is still there. A paused guest is
 * not saved, but is once resumed if it stays idle.
 */

#include "config.h"

#include <string.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 60000
#define IDLE_SECONDS 4
#define GUEST_NAME "idle-guest"

typedef struct
{
  gboolean done;
  GError  *error;
  gpointer result;
} AsyncResult;

static void
set_enabled_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncResult *res = user_data;

  hearth_idle_policy_set_machine_enabled_finish (HEARTH_IDLE_POLICY (source), result,
                                                 &res->error);
  res->done = TRUE;
}

static void
set_enabled (HearthIdlePolicy *policy,
             HearthMachine    *machine,
             gboolean          enabled)
{
  AsyncResult res = { 0 };

  hearth_idle_policy_set_machine_enabled_async (policy, machine, enabled, NULL, set_enabled_cb,
                                                &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
}

static char *
guest_run (const char *serial,
           const char *command)
{
  g_autoptr(GError) error = NULL;
  char *output = NULL;
  int status = -1;

  g_assert_true (hearth_test_guest_run (serial, command, TIMEOUT_MS, &output, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  return output;
}

static gboolean
policy_ready (gpointer user_data)
{
  return hearth_idle_policy_get_ready (user_data);
}

static void
on_suspended_cb (HearthIdlePolicy *policy,
                 HearthMachine    *machine,
                 guint            *count)
{
  (*count)++;
}

static gboolean
count_reached (gpointer user_data)
{
  return *(guint *) user_data > 0;
}

static gboolean
count_reached_two (gpointer user_data)
{
  return *(guint *) user_data >= 2;
}

static void
test_suspend_and_resume (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *output = NULL;
  g_autofree char *audit = NULL;
  g_autoptr(HearthConnection) connection = NULL;
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(HearthStatsSampler) sampler = NULL;
  g_autoptr(HearthIdlePolicy) policy = NULL;
  guint suspended = 0;
  gint64 started;

  if (!hearth_test_guest_available (&error))
    {
      g_test_skip (error->message);
      return;
    }

  root = hearth_test_embed_root_new ();
  uri = hearth_test_embed_uri (root);
  serial = g_build_filename (root, "idle.log", NULL);
  connection = hearth_test_open_connection (uri);

  xml = hearth_test_guest_xml (GUEST_NAME, serial, HEARTH_TEST_GUEST_NONE);
  machine = hearth_test_define_machine (connection, xml, TIMEOUT_MS);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_serial_wait_for (serial, HEARTH_TEST_GUEST_READY, TIMEOUT_MS, &error));
  g_assert_no_error (error);

  /* Something to find after the restore: a file in the guest's RAM. */
  g_free (guest_run (serial, "echo hearth-was-here > /tmp/marker"));

  sampler = hearth_stats_sampler_new (connection);
  hearth_stats_sampler_set_interval (sampler, 500);
  policy = hearth_idle_policy_new (sampler);
  g_signal_connect (policy, "suspended", G_CALLBACK (on_suspended_cb), &suspended);
  g_assert_true (hearth_test_wait (policy_ready, policy, TIMEOUT_MS));
  hearth_idle_policy_set_threshold (policy, 20);
  hearth_idle_policy_set_idle_time (policy, IDLE_SECONDS);

  /* Busy first: a loop for twelve seconds, and the opt-in after it started,
   * so the guest has not been idle since. For longer than the idle time it
   * must be left alone. */
  g_free (guest_run (serial, "(end=$(($(date +%s) + 12)); while [ $(date +%s) -lt $end ]; do :; "
                             "done) >/dev/null 2>&1 &"));
  set_enabled (policy, machine, TRUE);
  g_assert_true (hearth_idle_policy_get_machine_enabled (policy, machine));
  g_assert_true (hearth_stats_sampler_get_active (sampler));
  hearth_test_iterate_for ((IDLE_SECONDS + 3) * 1000);
  g_assert_cmpuint (suspended, ==, 0);
  g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_RUNNING);
  g_test_message ("busy guest: %.1f %% of its vCPU, not suspended",
                  hearth_stats_series_get_latest (hearth_stats_sampler_lookup_series (sampler,
                                                                                      hearth_machine_get_uuid (machine)),
                                                  HEARTH_METRIC_CPU));

  /* Once the loop ends the guest idles, and is saved. */
  started = g_get_monotonic_time ();
  g_assert_true (hearth_test_wait (count_reached, &suspended, TIMEOUT_MS));
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SAVED, TIMEOUT_MS));
  g_assert_cmpuint (suspended, ==, 1);
  g_assert_true (hearth_idle_policy_was_suspended (policy, machine));
  g_test_message ("saved %.1f s after the busy window", (g_get_monotonic_time () - started) / 1e6);
  audit = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (audit, "\"idle-suspend\""));
  g_assert_nonnull (strstr (audit, "\"idle-policy-enable\""));

  /* Starting it restores the saved guest: the file is still in its RAM, which
   * a fresh boot would not have. */
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));
  g_assert_cmpint (hearth_machine_get_state_reason (machine), ==, HEARTH_STATE_REASON_RESTORED);
  g_assert_false (hearth_idle_policy_was_suspended (policy, machine));
  output = guest_run (serial, "cat /tmp/marker");
  g_assert_nonnull (strstr (output, "hearth-was-here"));

  /* Opted out, it stays up however idle it is. */
  set_enabled (policy, machine, FALSE);
  g_assert_false (hearth_stats_sampler_get_active (sampler));
  hearth_test_iterate_for ((IDLE_SECONDS + 2) * 1000);
  g_assert_cmpuint (suspended, ==, 1);
  g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_RUNNING);

  /* Idle while paused is no time to save it (the user paused it for a
   * reason); resumed and still idle, it is saved on the next tick. */
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_PAUSE, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_PAUSED, TIMEOUT_MS));
  set_enabled (policy, machine, TRUE);
  hearth_test_iterate_for ((IDLE_SECONDS + 3) * 1000);
  g_assert_cmpuint (suspended, ==, 1);
  g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_PAUSED);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_RESUME, TIMEOUT_MS);
  g_assert_true (hearth_test_wait (count_reached_two, &suspended, TIMEOUT_MS));
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SAVED, TIMEOUT_MS));

  g_clear_object (&policy);
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

  g_test_add_func ("/core/idle-policy/qemu/suspend-and-resume", test_suspend_and_resume);

  return g_test_run ();
}
