/* hearth-test-utils.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test"

#include "config.h"

#include <stdlib.h>

#include "hearth-test-utils.h"

static gboolean
timeout_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * hearth_test_wait:
 *
 * Iterates the default main context until @condition holds or @timeout_ms pass.
 * A 10 ms tick wakes the loop, so conditions that no event announces (a file
 * appearing, say) are noticed too. Returns whether the condition held.
 */
gboolean
hearth_test_wait (HearthTestCondition condition,
                  gpointer            user_data,
                  guint               timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  guint tick = g_timeout_add (10, tick_cb, NULL);

  while (!condition (user_data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (tick);
  if (!timed_out)
    g_source_remove (id);
  return condition (user_data);
}

static gboolean
flag_cb (gpointer user_data)
{
  return *(gboolean *) user_data;
}

gboolean
hearth_test_wait_flag (gboolean *flag,
                       guint     timeout_ms)
{
  return hearth_test_wait (flag_cb, flag, timeout_ms);
}

static gboolean
never_cb (gpointer user_data)
{
  return FALSE;
}

void
hearth_test_iterate_for (guint ms)
{
  hearth_test_wait (never_cb, NULL, ms);
}

static void
open_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  gboolean *done = user_data;
  g_autoptr(GError) error = NULL;

  hearth_connection_open_finish (HEARTH_CONNECTION (source), result, &error);
  g_assert_no_error (error);
  *done = TRUE;
}

static void
drain_at_exit (void)
{
  /* Closed connections finish their teardown in workers and libvirt's event loop;
   * let that happen before LeakSanitizer looks at what is left. */
  if (!hearth_core_drain (30000))
    g_printerr ("hearth-test: background teardown did not finish\n");
}

void
hearth_test_init_core (void)
{
  static gsize once = 0;

  hearth_core_init ();
  if (g_once_init_enter (&once))
    {
      atexit (drain_at_exit);
      g_once_init_leave (&once, 1);
    }
}

/* Opens @uri and asserts that it worked. */
HearthConnection *
hearth_test_open_connection (const char *uri)
{
  g_autoptr(HearthConnection) connection = hearth_connection_new (uri);
  gboolean done = FALSE;

  hearth_test_init_core ();
  hearth_connection_open_async (connection, NULL, open_cb, &done);
  /* A guard against hangs, not a speed check: under AddressSanitizer on a busy
   * machine, opening a thousand test-driver machines can take a while. */
  g_assert_true (hearth_test_wait_flag (&done, 120000));
  g_assert_cmpint (hearth_connection_get_state (connection), ==, HEARTH_CONNECTION_STATE_CONNECTED);

  return g_steal_pointer (&connection);
}

typedef struct
{
  gboolean done;
  HearthMachine *machine;
  GError *error;
} MachineCall;

static void
define_machine_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  MachineCall *call = user_data;

  call->machine = hearth_connection_define_xml_finish (HEARTH_CONNECTION (source), result,
                                                       &call->error);
  call->done = TRUE;
}

HearthMachine *
hearth_test_define_machine (HearthConnection *connection,
                            const char       *xml,
                            guint             timeout_ms)
{
  MachineCall call = { 0 };

  hearth_connection_define_xml_async (connection, xml, NULL, define_machine_cb, &call);
  g_assert_true (hearth_test_wait_flag (&call.done, timeout_ms));
  g_assert_no_error (call.error);
  return call.machine;
}

static void
run_action_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  MachineCall *call = user_data;

  hearth_machine_run_action_finish (HEARTH_MACHINE (source), result, &call->error);
  call->done = TRUE;
}

void
hearth_test_run_action (HearthMachine      *machine,
                        HearthMachineAction action,
                        guint               timeout_ms)
{
  MachineCall call = { 0 };

  hearth_machine_run_action_async (machine, action, NULL, run_action_cb, &call);
  g_assert_true (hearth_test_wait_flag (&call.done, timeout_ms));
  g_assert_no_error (call.error);
}

/* A test-driver URI for a fixture in tests/data (a fresh driver state each open). */
char *
hearth_test_fixture_uri (const char *fixture)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", fixture, NULL);
  g_autofree char *canonical = g_canonicalize_filename (path, NULL);

  return g_strconcat ("test://", canonical, NULL);
}

char *
hearth_test_dup_audit_log (void)
{
  g_autofree char *path = hearth_audit_dup_path ();
  char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

typedef struct
{
  HearthMachine     *machine;
  HearthMachineState state;
} StateWait;

static gboolean
state_cb (gpointer user_data)
{
  StateWait *wait = user_data;

  return hearth_machine_get_state (wait->machine) == wait->state;
}

gboolean
hearth_test_wait_machine_state (HearthMachine     *machine,
                                HearthMachineState state,
                                guint              timeout_ms)
{
  StateWait wait = { machine, state };

  return hearth_test_wait (state_cb, &wait, timeout_ms);
}
