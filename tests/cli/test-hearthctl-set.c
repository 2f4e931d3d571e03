/* test-hearthctl-set.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-cli-set"

#include "config.h"

#include <string.h>

#include <gio/gio.h>

/* "hearthctl set" against the settings fixture on libvirt's test driver. Every
 * hearthctl process starts from the fixture's state, so each test checks what one
 * process prints and returns: which changes apply now and which on the next start,
 * or why nothing was changed. The settings themselves are tested in
 * tests/unit/test-settings.c; this is the thin wrapper's contract. */

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static char *fixture_uri;

static void
result_free (Result *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

/* Runs hearthctl -c FIXTURE set @argv… in the C locale with UTF-8, so the
 * messages are the untranslated ones. */
static Result *
run_set (const char * const *argv)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  Result *result = g_new0 (Result, 1);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                        | G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_unsetenv (launcher, "LANGUAGE");

  g_ptr_array_add (args, (gpointer) HEARTHCTL_PATH);
  g_ptr_array_add (args, (gpointer) "--connect");
  g_ptr_array_add (args, fixture_uri);
  g_ptr_array_add (args, (gpointer) "set");
  for (guint i = 0; argv[i] != NULL; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);

  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) args->pdata, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (process, NULL, NULL, &result->out, &result->err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  result->status = g_subprocess_get_exit_status (process);

  g_test_message ("hearthctl set %s → %d\nstdout:\n%sstderr:\n%s", argv[0], result->status,
                  result->out, result->err);
  return result;
}

#define run(...) run_set ((const char * const[]) { __VA_ARGS__, NULL })

/* A shut-off machine: every change is in effect at once. */
static void
test_shut_off (void)
{
  g_autoptr(Result) result = run ("workstation", "--memory", "3072", "--vcpus", "2",
                                  "--description", "学生的沙盒 <&>", "--autostart", "on",
                                  "--eject");

  g_assert_cmpint (result->status, ==, 0);
  g_assert_cmpstr (result->out, ==,
                   "memory: applied now\n"
                   "vCPUs: applied now\n"
                   "description: applied now\n"
                   "CD-ROM: applied now\n"
                   "autostart: applied now\n");
  g_assert_cmpstr (result->err, ==, "");
}

/* A running machine: the balloon and description change now; vCPUs above the
 * running maximum wait for the next start. */
static void
test_running (void)
{
  g_autoptr(Result) result = run ("boxes-vm", "--memory", "3072", "--vcpus", "6",
                                  "--description", "running");

  g_assert_cmpint (result->status, ==, 0);
  g_assert_cmpstr (result->out, ==,
                   "memory: applied now\n"
                   "vCPUs: applies on next start\n"
                   "description: applied now\n");
}

static void
test_refused (void)
{
  g_autoptr(Result) memory = run ("workstation", "--memory", "65536");
  g_autoptr(Result) vcpus = run ("workstation", "--vcpus", "64");
  g_autoptr(Result) iso = run ("workstation", "--cdrom", "/nonexistent/hearth.iso");
  g_autoptr(Result) missing = run ("nosuch", "--vcpus", "1");

  g_assert_cmpint (memory->status, ==, 1);
  g_assert_cmpstr (memory->out, ==, "");
  g_assert_cmpstr (memory->err, ==,
                   "hearthctl: Nothing was changed on “workstation”: a value is not acceptable "
                   "(65536 MiB of memory is more than the host has (16384 MiB))\n");
  g_assert_cmpint (vcpus->status, ==, 1);
  g_assert_cmpstr (vcpus->err, ==,
                   "hearthctl: Nothing was changed on “workstation”: a value is not acceptable "
                   "(64 vCPUs are more than the host's 8 threads)\n");
  g_assert_cmpint (iso->status, ==, 1);
  g_assert_cmpstr (iso->err, ==,
                   "hearthctl: Nothing was changed on “workstation”: a value is not acceptable "
                   "(The image “/nonexistent/hearth.iso” does not exist)\n");
  g_assert_cmpint (missing->status, ==, 1);
  g_assert_nonnull (strstr (missing->err, "There is no machine called “nosuch”"));
}

static void
test_usage (void)
{
  g_autoptr(Result) nothing = run ("workstation");
  g_autoptr(Result) both = run ("workstation", "--cdrom", "a.iso", "--eject");
  g_autoptr(Result) autostart = run ("workstation", "--autostart", "maybe");
  g_autoptr(Result) zero = run ("workstation", "--vcpus", "0");
  g_autoptr(Result) no_machine = run ("--vcpus", "2");

  g_assert_cmpint (nothing->status, ==, 2);
  g_assert_cmpstr (nothing->err, ==,
                   "hearthctl: “set” needs at least one of --memory, --vcpus, --cpu-model, "
                   "--description, --cdrom, --eject and --autostart.\n");
  g_assert_cmpint (both->status, ==, 2);
  g_assert_cmpstr (both->err, ==, "hearthctl: --cdrom and --eject cannot be used together.\n");
  g_assert_cmpint (autostart->status, ==, 2);
  g_assert_cmpstr (autostart->err, ==, "hearthctl: --autostart takes “on” or “off”.\n");
  g_assert_cmpint (zero->status, ==, 2);
  g_assert_cmpstr (zero->err, ==, "hearthctl: --vcpus needs a positive number.\n");
  g_assert_cmpint (no_machine->status, ==, 2);
  g_assert_cmpstr (no_machine->err, ==,
                   "hearthctl: “set” needs exactly one machine name or UUID.\n");
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  fixture_uri = g_strconcat ("test://", SETTINGS_FIXTURE_PATH, NULL);

  g_test_add_func ("/cli/set/shut-off", test_shut_off);
  g_test_add_func ("/cli/set/running", test_running);
  g_test_add_func ("/cli/set/refused", test_refused);
  g_test_add_func ("/cli/set/usage", test_usage);

  ret = g_test_run ();
  g_free (fixture_uri);
  return ret;
}
