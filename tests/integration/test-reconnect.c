/* test-reconnect.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A lost daemon, for real: Hearth talks to a private, unprivileged libvirtd that
 * serves the test driver over its own unix socket. The test kills the daemon,
 * watches the connection go to LOST, starts the daemon again and watches Hearth
 * reconnect by itself and follow events again.
 */

#include "config.h"

#include <signal.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hearth-test-utils.h"

#define TIMEOUT_MS 30000

typedef struct
{
  char        *root;
  char        *socket;
  GSubprocess *daemon;
} Daemon;

static gboolean
socket_exists (gpointer user_data)
{
  Daemon *daemon = user_data;

  return g_file_test (daemon->socket, G_FILE_TEST_EXISTS);
}

static void
daemon_start (Daemon *daemon)
{
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (
    G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  const char *dirs[] = { "run", "config", "cache", "home" };
  const char *libvirtd = g_file_test ("/usr/sbin/libvirtd", G_FILE_TEST_IS_EXECUTABLE)
                           ? "/usr/sbin/libvirtd" : "libvirtd";

  for (guint i = 0; i < G_N_ELEMENTS (dirs); i++)
    {
      g_autofree char *dir = g_build_filename (daemon->root, dirs[i], NULL);

      g_assert_cmpint (g_mkdir_with_parents (dir, 0777), ==, 0);
      g_chmod (dir, 0777);
    }
  g_chmod (daemon->root, 0777);

  /* The daemon runs in session mode with every directory in the temporary root.
   * As root, it drops to "nobody" so that it cannot be the system daemon. */
  g_subprocess_launcher_set_environ (launcher, NULL);
  g_subprocess_launcher_take_fd (launcher, -1, -1);
  {
    g_autofree char *home = g_build_filename (daemon->root, "home", NULL);
    g_autofree char *run = g_build_filename (daemon->root, "run", NULL);
    g_autofree char *config = g_build_filename (daemon->root, "config", NULL);
    g_autofree char *cache = g_build_filename (daemon->root, "cache", NULL);

    g_subprocess_launcher_setenv (launcher, "HOME", home, TRUE);
    g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", run, TRUE);
    g_subprocess_launcher_setenv (launcher, "XDG_CONFIG_HOME", config, TRUE);
    g_subprocess_launcher_setenv (launcher, "XDG_CACHE_HOME", cache, TRUE);
    g_subprocess_launcher_setenv (launcher, "PATH", "/usr/sbin:/usr/bin:/sbin:/bin", TRUE);
  }

  if (geteuid () == 0)
    {
      g_ptr_array_add (argv, (char *) "setpriv");
      g_ptr_array_add (argv, (char *) "--reuid=65534");
      g_ptr_array_add (argv, (char *) "--regid=65534");
      g_ptr_array_add (argv, (char *) "--clear-groups");
    }
  g_ptr_array_add (argv, (char *) libvirtd);
  g_ptr_array_add (argv, (char *) "--timeout=0");
  g_ptr_array_add (argv, NULL);

  daemon->daemon = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata,
                                                 &error);
  g_assert_no_error (error);
  g_assert_true (hearth_test_wait (socket_exists, daemon, TIMEOUT_MS));
}

static void
daemon_kill (Daemon *daemon)
{
  g_subprocess_send_signal (daemon->daemon, SIGKILL);
  g_subprocess_wait (daemon->daemon, NULL, NULL);
  g_clear_object (&daemon->daemon);
  /* A killed daemon leaves its socket behind; the next one makes a new one. */
  g_unlink (daemon->socket);
}

static gboolean
state_is (gpointer user_data)
{
  gpointer *args = user_data;

  return hearth_connection_get_state (args[0]) == (HearthConnectionState) GPOINTER_TO_INT (args[1]);
}

static gboolean
wait_state (HearthConnection     *connection,
            HearthConnectionState state)
{
  gpointer args[] = { connection, GINT_TO_POINTER (state) };

  return hearth_test_wait (state_is, args, TIMEOUT_MS);
}

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
} ActionResult;

static void
action_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  ActionResult *res = user_data;

  res->ok = hearth_machine_run_action_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

static ActionResult
pause_machine (HearthMachine *machine)
{
  ActionResult res = { 0 };

  hearth_machine_run_action_async (machine, HEARTH_MACHINE_ACTION_PAUSE, NULL, action_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  return res;
}

static void
test_reconnect (void)
{
  g_autofree char *tmp = g_dir_make_tmp ("hearth-daemon-XXXXXX", NULL);
  Daemon daemon = { tmp, g_build_filename (tmp, "run", "libvirt", "libvirt-sock", NULL), NULL };
  g_autofree char *uri = g_strdup_printf ("test+unix:///default?socket=%s", daemon.socket);
  g_autoptr(HearthConnection) connection = NULL;
  HearthMachine *machine;
  ActionResult res;

  if (!g_file_test ("/usr/sbin/libvirtd", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("libvirtd is not installed");
      return;
    }

  daemon_start (&daemon);
  connection = hearth_test_open_connection (uri);
  machine = hearth_connection_find_machine (connection, "test");
  g_assert_nonnull (machine);

  /* The daemon dies: libvirt's close callback tells Hearth. */
  daemon_kill (&daemon);
  g_assert_true (wait_state (connection, HEARTH_CONNECTION_STATE_LOST));
  g_assert_nonnull (hearth_connection_get_error (connection));
  g_assert_true (g_error_matches (hearth_connection_get_error (connection), HEARTH_ERROR,
                                  HEARTH_ERROR_CONNECTION_LOST));
  /* The machines stay listed while Hearth reconnects… */
  g_assert_true (hearth_connection_find_machine (connection, "test") == machine);
  /* …but actions fail cleanly. */
  g_assert_false (hearth_machine_can_run_action (machine, HEARTH_MACHINE_ACTION_PAUSE));
  res = pause_machine (machine);
  g_assert_false (res.ok);
  g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST);
  g_clear_error (&res.error);

  /* Let a reconnect attempt or two fail against no daemon, then bring it back:
   * the back-off timer reconnects without anyone asking. */
  hearth_test_iterate_for (1500);
  g_assert_cmpint (hearth_connection_get_state (connection), ==, HEARTH_CONNECTION_STATE_LOST);
  daemon_start (&daemon);
  g_assert_true (wait_state (connection, HEARTH_CONNECTION_STATE_CONNECTED));
  g_assert_null (hearth_connection_get_error (connection));
  g_assert_true (hearth_connection_find_machine (connection, "test") == machine);

  /* Events flow again on the new connection. */
  res = pause_machine (machine);
  g_assert_no_error (res.error);
  g_assert_true (res.ok);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_PAUSED, TIMEOUT_MS));

  hearth_connection_close (connection);
  daemon_kill (&daemon);
  g_free (daemon.socket);
  {
    g_autoptr(GSubprocess) rm = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, NULL, "rm", "-rf", tmp,
                                                  NULL);

    if (rm != NULL)
      g_subprocess_wait (rm, NULL, NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_core_init ();

  g_test_add_func ("/core/connection/reconnect", test_reconnect);

  ret = g_test_run ();
  /* Let closed connections finish their teardown before exit. */
  g_assert_true (hearth_core_drain (30000));
  return ret;
}
