/* test-stats-idle.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The idle policy's opt-in on the test driver: kept in the domain metadata
 * under Hearth's namespace next to other Hearth settings, read back by a new
 * policy, audited; the sampler is held only while a machine is opted in; a
 * machine whose CPU use is unknown is never taken for idle. (Suspending a
 * really idle guest is proven on QEMU in tests/integration/test-idle-policy.c.)
 */

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>
#include <libvirt/libvirt.h>

#include "hearth-test-utils.h"

#define TIMEOUT_MS 10000
#define NS "https://hearthvm.org/xmlns/hearth/1"

static char *fixture_path;

static const char fixture[] =
  "<node>\n"
  "<domain type='test'><name>plain</name>"
  "<uuid>00000000-0000-4000-8000-0000000000a0</uuid>"
  "<metadata><hearth:hearth xmlns:hearth='" NS "'><hearth:sandbox snapshot='clean'/>"
  "</hearth:hearth></metadata>"
  "<memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>"
  "</domain>\n"
  "<domain type='test'><name>sleepy</name>"
  "<uuid>00000000-0000-4000-8000-0000000000a1</uuid>"
  "<metadata><hearth:hearth xmlns:hearth='" NS "'><hearth:idle-suspend enabled='yes'/>"
  "</hearth:hearth></metadata>"
  "<memory unit='MiB'>128</memory><vcpu>1</vcpu><os><type arch='x86_64'>hvm</type></os>"
  "</domain>\n"
  "</node>\n";

static gboolean
policy_ready (gpointer user_data)
{
  return hearth_idle_policy_get_ready (user_data);
}

static void
set_enabled_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  hearth_idle_policy_set_machine_enabled_finish (HEARTH_IDLE_POLICY (source), result, &error);
  g_assert_no_error (error);
  *(gboolean *) user_data = TRUE;
}

static void
set_enabled (HearthIdlePolicy *policy,
             HearthMachine    *machine,
             gboolean          enabled)
{
  gboolean done = FALSE;

  hearth_idle_policy_set_machine_enabled_async (policy, machine, enabled, NULL, set_enabled_cb,
                                                &done);
  g_assert_true (hearth_test_wait_flag (&done, TIMEOUT_MS));
  g_assert_cmpint (hearth_idle_policy_get_machine_enabled (policy, machine), ==, enabled);
}

static void
xml_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  *(char **) user_data = hearth_machine_dup_xml_finish (HEARTH_MACHINE (source), result, &error);
  g_assert_no_error (error);
}

static char *
dup_xml (HearthMachine *machine)
{
  char *xml = NULL;

  hearth_machine_dup_xml_async (machine, NULL, xml_cb, &xml);
  while (xml == NULL)
    g_main_context_iteration (NULL, TRUE);
  return xml;
}

static void
test_opt_in (void)
{
  g_autofree char *uri = g_strconcat ("test://", fixture_path, NULL);
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(HearthIdlePolicy) policy = hearth_idle_policy_new (sampler);
  g_autoptr(HearthIdlePolicy) second = NULL;
  HearthMachine *plain = hearth_connection_find_machine (connection, "plain");
  HearthMachine *sleepy = hearth_connection_find_machine (connection, "sleepy");
  g_autofree char *xml = NULL;
  g_autofree char *audit = NULL;

  g_assert_cmpfloat (hearth_idle_policy_get_threshold (policy), ==, 5.0);
  g_assert_cmpuint (hearth_idle_policy_get_idle_time (policy), ==, 15 * 60);

  /* The opt-ins other tools (or another Hearth) left in the metadata. */
  g_assert_true (hearth_test_wait (policy_ready, policy, TIMEOUT_MS));
  g_assert_false (hearth_idle_policy_get_machine_enabled (policy, plain));
  g_assert_true (hearth_idle_policy_get_machine_enabled (policy, sleepy));
  /* A machine is opted in: the sampler runs for the policy. */
  g_assert_true (hearth_stats_sampler_get_active (sampler));

  /* Opting in keeps the sandbox setting next to it. */
  set_enabled (policy, plain, TRUE);
  xml = dup_xml (plain);
  g_assert_nonnull (strstr (xml, "xmlns:hearth=\"" NS "\""));
  g_assert_nonnull (strstr (xml, "<hearth:sandbox snapshot=\"clean\"/>"));
  g_assert_nonnull (strstr (xml, "<hearth:idle-suspend enabled=\"yes\"/>"));
  g_clear_pointer (&xml, g_free);

  /* A new policy (the next start of Hearth) reads it back. */
  second = hearth_idle_policy_new (sampler);
  g_assert_true (hearth_test_wait (policy_ready, second, TIMEOUT_MS));
  g_assert_true (hearth_idle_policy_get_machine_enabled (second, plain));
  g_clear_object (&second);

  /* Opting out removes only Hearth's idle element. */
  set_enabled (policy, plain, FALSE);
  set_enabled (policy, sleepy, FALSE);
  xml = dup_xml (plain);
  g_assert_null (strstr (xml, "idle-suspend"));
  g_assert_nonnull (strstr (xml, "<hearth:sandbox snapshot=\"clean\"/>"));
  g_clear_pointer (&xml, g_free);
  xml = dup_xml (sleepy);
  g_assert_null (strstr (xml, "hearth:hearth"));

  /* Nobody opted in: the policy no longer keeps the sampler running. */
  g_assert_false (hearth_stats_sampler_get_active (sampler));

  audit = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (audit, "\"idle-policy-enable\""));
  g_assert_nonnull (strstr (audit, "\"idle-policy-disable\""));
}

static void
on_suspended_cb (HearthIdlePolicy *policy,
                 HearthMachine    *machine,
                 gboolean         *suspended)
{
  *suspended = TRUE;
}

static void
test_unknown_is_not_idle (void)
{
  g_autofree char *uri = g_strconcat ("test://", fixture_path, NULL);
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(HearthIdlePolicy) policy = hearth_idle_policy_new (sampler);
  HearthMachine *sleepy = hearth_connection_find_machine (connection, "sleepy");
  gboolean suspended = FALSE;
  guint64 ticks;

  g_signal_connect (policy, "suspended", G_CALLBACK (on_suspended_cb), &suspended);
  g_assert_true (hearth_test_wait (policy_ready, policy, TIMEOUT_MS));

  /* The most eager policy there is: any CPU use below 100 %, at once. But
   * the test driver reports no CPU use, and unknown is not idle. */
  hearth_idle_policy_set_threshold (policy, 100);
  hearth_idle_policy_set_idle_time (policy, 0);
  hearth_stats_sampler_set_interval (sampler, 50);
  ticks = hearth_stats_sampler_get_n_ticks (sampler);
  while (hearth_stats_sampler_get_n_ticks (sampler) < ticks + 10)
    g_main_context_iteration (NULL, TRUE);

  g_assert_false (suspended);
  g_assert_cmpint (hearth_machine_get_state (sleepy), ==, HEARTH_MACHINE_STATE_RUNNING);
  g_assert_false (hearth_idle_policy_was_suspended (policy, sleepy));
}


static gboolean
machine_enabled (gpointer user_data)
{
  gpointer *args = user_data;

  return hearth_idle_policy_get_machine_enabled (args[0], args[1]);
}

static gboolean
machine_disabled (gpointer user_data)
{
  return !machine_enabled (user_data);
}

static void
test_external_change (void)
{
  /* test:///default is shared by the connections of a process, so a plain
   * libvirt connection can change the machine behind Hearth's back. */
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(HearthIdlePolicy) policy = hearth_idle_policy_new (sampler);
  HearthMachine *machine = hearth_connection_find_machine (connection, "test");
  virConnectPtr conn = virConnectOpen ("test:///default");
  virDomainPtr domain = virDomainLookupByName (conn, "test");
  gpointer args[] = { policy, machine };

  g_assert_true (hearth_test_wait (policy_ready, policy, TIMEOUT_MS));
  g_assert_false (hearth_idle_policy_get_machine_enabled (policy, machine));

  /* Opted in elsewhere (hearthctl, another Hearth, virsh)... */
  g_assert_cmpint (virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT,
                                         "<hearth><idle-suspend enabled='yes'/></hearth>",
                                         "hearth", NS,
                                         VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG),
                   ==, 0);
  /* ...it is noticed when the machine next starts. */
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SHUTOFF,
                                                 TIMEOUT_MS));
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_wait (machine_enabled, args, TIMEOUT_MS));

  /* And opting out elsewhere too. */
  g_assert_cmpint (virDomainSetMetadata (domain, VIR_DOMAIN_METADATA_ELEMENT, NULL, NULL, NS,
                                         VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG),
                   ==, 0);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SHUTOFF,
                                                 TIMEOUT_MS));
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING,
                                                 TIMEOUT_MS));
  g_assert_true (hearth_test_wait (machine_disabled, args, TIMEOUT_MS));

  virDomainFree (domain);
  virConnectClose (conn);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = NULL;
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_core_init ();

  dir = g_dir_make_tmp ("hearth-idle-XXXXXX", &error);
  g_assert_no_error (error);
  fixture_path = g_build_filename (dir, "idle.xml", NULL);
  g_file_set_contents (fixture_path, fixture, -1, &error);
  g_assert_no_error (error);

  g_test_add_func ("/core/idle-policy/opt-in", test_opt_in);
  g_test_add_func ("/core/idle-policy/unknown-is-not-idle", test_unknown_is_not_idle);
  g_test_add_func ("/core/idle-policy/external-change", test_external_change);
  ret = g_test_run ();

  g_unlink (fixture_path);
  g_rmdir (dir);
  g_free (fixture_path);
  return ret;
}
