/* test-connection.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * HearthConnection and HearthMachine against libvirt's real test driver. The
 * fixture URI gives each connection its own state; test:///default is shared by
 * every connection of the process, which lets a test change a machine behind
 * Hearth's back and watch the event arrive.
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "hearth-core-private.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 10000

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
  gpointer result;
} AsyncResult;

static void
async_result_clear (AsyncResult *res)
{
  g_clear_error (&res->error);
  res->done = res->ok = FALSE;
  res->result = NULL;
}

static void
action_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_machine_run_action_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

static gboolean
run_action (HearthMachine      *machine,
            HearthMachineAction action,
            GError            **error)
{
  AsyncResult res = { 0 };

  hearth_machine_run_action_async (machine, action, NULL, action_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  if (res.error != NULL)
    g_propagate_error (error, res.error);
  return res.ok;
}

static gboolean
reason_is (gpointer user_data)
{
  gpointer *args = user_data;

  return (int) hearth_machine_get_state_reason (args[0]) == GPOINTER_TO_INT (args[1]);
}

/* The state follows the event at once; the reason comes with the refresh after it. */
static gboolean
wait_reason (HearthMachine    *machine,
             HearthStateReason reason)
{
  gpointer args[] = { machine, GINT_TO_POINTER (reason) };

  return hearth_test_wait (reason_is, args, TIMEOUT_MS);
}

static HearthMachine *
find (HearthConnection *connection,
      const char       *name)
{
  HearthMachine *machine = hearth_connection_find_machine (connection, name);

  g_assert_nonnull (machine);
  return machine;
}

static void
test_open_default (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  GListModel *machines = hearth_connection_get_machines (connection);
  HearthMachine *machine;

  g_assert_cmpuint (g_list_model_get_n_items (machines), ==, 1);
  machine = find (connection, "test");
  g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_RUNNING);
  g_assert_true (hearth_machine_get_connection (machine) == connection);
  g_assert_true (hearth_connection_is_local (connection));
  g_assert_null (hearth_connection_get_error (connection));
}

static void
test_open_fixture (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  HearthMachine *alpha, *beta, *odd, *gamma;

  g_assert_cmpuint (g_list_model_get_n_items (hearth_connection_get_machines (connection)), ==, 4);

  alpha = find (connection, "alpha");
  g_assert_cmpstr (hearth_machine_get_title (alpha), ==, "Alpha Workstation");
  g_assert_cmpstr (hearth_machine_get_display_name (alpha), ==, "Alpha Workstation");
  g_assert_cmpstr (hearth_machine_get_description (alpha), ==, "Running, from virt-install");
  g_assert_cmpstr (hearth_machine_get_os_id (alpha), ==, "http://debian.org/debian/12");
  g_assert_cmpuint (hearth_machine_get_vcpus (alpha), ==, 2);
  g_assert_cmpuint (hearth_machine_get_memory (alpha), ==, G_GUINT64_CONSTANT (2) << 30);
  g_assert_true (hearth_machine_get_persistent (alpha));
  g_assert_cmpint (hearth_machine_get_state (alpha), ==, HEARTH_MACHINE_STATE_RUNNING);

  beta = find (connection, "beta");
  g_assert_cmpint (hearth_machine_get_state (beta), ==, HEARTH_MACHINE_STATE_SHUTOFF);
  g_assert_cmpuint (hearth_machine_get_vcpus (beta), ==, 1);
  g_assert_cmpuint (hearth_machine_get_memory (beta), ==, G_GUINT64_CONSTANT (512) << 20);
  g_assert_cmpstr (hearth_machine_get_display_name (beta), ==, "beta");

  /* Found by name, by title and by UUID. */
  odd = find (connection, "家庭沙盒 🏠 <&>'\"");
  g_assert_true (odd == find (connection, "孩子的电脑 🧸"));
  g_assert_true (odd == find (connection, "8a9c1d22-0000-4000-8000-000000000003"));
  g_assert_null (hearth_connection_find_machine (connection, "家庭沙盒"));

  /* Another tool's metadata and devices do not get in the way. */
  gamma = find (connection, "gamma-from-another-tool");
  g_assert_cmpstr (hearth_machine_get_os_id (gamma), ==, "http://ubuntu.com/ubuntu/22.04");
}

static void
open_failing_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_connection_open_finish (HEARTH_CONNECTION (source), result, &res->error);
  res->done = TRUE;
}

static void
test_open_unreachable (void)
{
  static const struct
  {
    const char *uri;
    int         code;
  } cases[] = {
    { "qemu+tcp://127.0.0.1:1/system", HEARTH_ERROR_DAEMON_NOT_RUNNING },
    /* An unknown driver is looked for in the daemon when one runs. */
    { "nosuchdriver:///system", -2 },
    { "test:///nonexistent/hearth-no-such-file.xml", -1 },
  };

  hearth_core_init ();

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HearthConnection) connection = hearth_connection_new (cases[i].uri);
      g_autofree char *log = NULL;
      AsyncResult res = { 0 };

      hearth_connection_open_async (connection, NULL, open_failing_cb, &res);
      g_assert_cmpint (hearth_connection_get_state (connection), ==,
                       HEARTH_CONNECTION_STATE_CONNECTING);
      g_assert_true (hearth_test_wait_flag (&res.done, 30000));

      g_assert_false (res.ok);
      g_assert_nonnull (res.error);
      g_assert_true (res.error->domain == HEARTH_ERROR);
      if (cases[i].code >= 0)
        g_assert_cmpint (res.error->code, ==, cases[i].code);
      else if (cases[i].code == -2)
        g_assert_true (res.error->code == HEARTH_ERROR_NOT_INSTALLED
                       || res.error->code == HEARTH_ERROR_DAEMON_NOT_RUNNING);
      g_assert_cmpint (hearth_connection_get_state (connection), ==,
                       HEARTH_CONNECTION_STATE_FAILED);
      g_assert_nonnull (hearth_connection_get_error (connection));
      g_assert_cmpuint (g_list_model_get_n_items (hearth_connection_get_machines (connection)),
                        ==, 0);

      log = hearth_test_dup_audit_log ();
      g_assert_nonnull (strstr (log, cases[i].uri));
      async_result_clear (&res);
    }
}

static void
test_lifecycle (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  HearthMachine *alpha = find (connection, "alpha");
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  g_assert_true (hearth_machine_can_run_action (alpha, HEARTH_MACHINE_ACTION_PAUSE));
  g_assert_false (hearth_machine_can_run_action (alpha, HEARTH_MACHINE_ACTION_START));

  g_assert_true (run_action (alpha, HEARTH_MACHINE_ACTION_PAUSE, &error));
  g_assert_no_error (error);
  g_assert_true (hearth_test_wait_machine_state (alpha, HEARTH_MACHINE_STATE_PAUSED, TIMEOUT_MS));
  g_assert_true (hearth_machine_can_run_action (alpha, HEARTH_MACHINE_ACTION_RESUME));

  g_assert_true (run_action (alpha, HEARTH_MACHINE_ACTION_RESUME, &error));
  g_assert_true (hearth_test_wait_machine_state (alpha, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));

  g_assert_true (run_action (alpha, HEARTH_MACHINE_ACTION_SAVE, &error));
  g_assert_true (hearth_test_wait_machine_state (alpha, HEARTH_MACHINE_STATE_SAVED, TIMEOUT_MS));
  g_assert_true (wait_reason (alpha, HEARTH_STATE_REASON_SAVED));

  g_assert_true (run_action (alpha, HEARTH_MACHINE_ACTION_START, &error));
  g_assert_true (hearth_test_wait_machine_state (alpha, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));
  /* The test driver reports a restore from managed save as a plain boot. */

  g_assert_true (run_action (alpha, HEARTH_MACHINE_ACTION_REBOOT, &error));
  g_assert_no_error (error);

  g_assert_true (run_action (alpha, HEARTH_MACHINE_ACTION_SHUTDOWN, &error));
  g_assert_true (hearth_test_wait_machine_state (alpha, HEARTH_MACHINE_STATE_SHUTOFF, TIMEOUT_MS));

  g_assert_true (run_action (alpha, HEARTH_MACHINE_ACTION_START, &error));
  g_assert_true (hearth_test_wait_machine_state (alpha, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));
  g_assert_true (run_action (alpha, HEARTH_MACHINE_ACTION_FORCE_OFF, &error));
  g_assert_true (hearth_test_wait_machine_state (alpha, HEARTH_MACHINE_STATE_SHUTOFF, TIMEOUT_MS));
  g_assert_true (wait_reason (alpha, HEARTH_STATE_REASON_DESTROYED));
  g_assert_false (hearth_machine_get_busy (alpha));

  log = hearth_test_dup_audit_log ();
  for (guint i = 0; i <= HEARTH_MACHINE_ACTION_SAVE; i++)
    {
      g_autofree char *needle = g_strdup_printf ("\"operation\":\"%s\"",
                                                 hearth_machine_action_to_string (i));

      g_assert_nonnull (strstr (log, needle));
    }
}

static void
test_action_errors (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  HearthMachine *alpha = find (connection, "alpha");
  HearthMachine *beta = find (connection, "beta");
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  g_assert_false (run_action (alpha, HEARTH_MACHINE_ACTION_START, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_ALREADY_RUNNING);
  g_assert_nonnull (strstr (error->message, "alpha"));
  g_clear_error (&error);

  g_assert_false (run_action (beta, HEARTH_MACHINE_ACTION_PAUSE, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  g_assert_false (run_action (beta, HEARTH_MACHINE_ACTION_SHUTDOWN, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_RUNNING);
  g_clear_error (&error);

  /* Failures are audited too. */
  log = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (log, "\"result\":\"error\""));

  /* After close, actions fail cleanly instead of reaching a dead connection. */
  hearth_connection_close (connection);
  g_assert_cmpint (hearth_connection_get_state (connection), ==,
                   HEARTH_CONNECTION_STATE_DISCONNECTED);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_connection_get_machines (connection)), ==, 0);
}

static void
test_external_event (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthVirConnect) other = virConnectOpen ("test:///default");
  g_autoptr(HearthVirDomain) domain = NULL;
  HearthMachine *machine = find (connection, "test");

  /* Another client pauses the machine: only libvirt's event can tell Hearth. */
  g_assert_nonnull (other);
  domain = virDomainLookupByName (other, "test");
  g_assert_nonnull (domain);
  g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_RUNNING);
  g_assert_cmpint (virDomainSuspend (domain), ==, 0);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_PAUSED, TIMEOUT_MS));
  g_assert_cmpint (virDomainResume (domain), ==, 0);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING,
                                                 TIMEOUT_MS));
}

static char *
make_domain_xml (const char *name,
                 const char *uuid,
                 const char *title,
                 const char *disk)
{
  g_autoptr(GString) xml = g_string_new ("<domain type='test'>");
  g_autofree char *escaped_name = g_markup_escape_text (name, -1);
  g_autofree char *escaped_title = title ? g_markup_escape_text (title, -1) : NULL;

  g_string_append_printf (xml, "<name>%s</name>", escaped_name);
  if (uuid != NULL)
    g_string_append_printf (xml, "<uuid>%s</uuid>", uuid);
  if (escaped_title != NULL)
    g_string_append_printf (xml, "<title>%s</title>", escaped_title);
  g_string_append (xml, "<memory unit='MiB'>256</memory><vcpu>1</vcpu>"
                        "<os><type arch='x86_64'>hvm</type></os><devices>");
  if (disk != NULL)
    g_string_append_printf (xml, "<disk type='file' device='disk'><source file='%s'/>"
                                 "<target dev='vda' bus='virtio'/></disk>", disk);
  g_string_append (xml, "</devices></domain>");
  return g_string_free (g_steal_pointer (&xml), FALSE);
}

static void
define_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_connection_define_xml_finish (HEARTH_CONNECTION (source), result,
                                                     &res->error);
  res->done = TRUE;
}

static HearthMachine *
define (HearthConnection *connection,
        const char       *xml,
        GError          **error)
{
  AsyncResult res = { 0 };

  hearth_connection_define_xml_async (connection, xml, NULL, define_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  if (res.error)
    g_propagate_error (error, res.error);
  return res.result;
}

static void
test_define_odd_names (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  static const char *names[] = {
    "家庭沙盒",
    "emoji 🎓🖥️",
    "<&>'\" quotes",
    "..dots..",
  };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *xml = make_domain_xml (names[i], NULL, NULL, NULL);
      g_autoptr(GError) error = NULL;
      g_autoptr(HearthMachine) machine = define (connection, xml, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (hearth_machine_get_name (machine), ==, names[i]);
      g_assert_true (find (connection, names[i]) == machine);
      g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_SHUTOFF);
    }

  /* A second machine with a taken name is refused with a clear code. */
  {
    g_autofree char *xml = make_domain_xml ("家庭沙盒", NULL, NULL, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(HearthMachine) machine = define (connection, xml, &error);

    g_assert_null (machine);
    g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN);
  }

  /* libvirt refuses '/' in names; the refusal says so with a usable code. */
  {
    g_autofree char *xml = make_domain_xml ("../../etc/passwd", NULL, NULL, NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(HearthMachine) machine = define (connection, xml, &error);

    g_assert_null (machine);
    g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (error->message, "/"));
  }

  /* Invalid XML is refused, not crashed on. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(HearthMachine) machine = define (connection, "<domain><name>x", &error);

    g_assert_null (machine);
    g_assert_nonnull (error);
  }
}

static void
storage_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_machine_list_storage_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

static GPtrArray *
list_storage (HearthMachine *machine)
{
  AsyncResult res = { 0 };

  hearth_machine_list_storage_async (machine, NULL, storage_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  return res.result;
}

static void
delete_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_machine_delete_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

static HearthDeletion *
delete_machine (HearthMachine    *machine,
                HearthDeleteFlags flags)
{
  AsyncResult res = { 0 };

  hearth_machine_delete_async (machine, flags, NULL, delete_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  return res.result;
}

static void
undo_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_deletion_undo_finish (HEARTH_DELETION (source), result, &res->error);
  res->done = TRUE;
}

static void
commit_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_deletion_commit_finish (HEARTH_DELETION (source), result, &res->error);
  res->done = TRUE;
}

static gboolean
volume_exists (HearthConnection *connection,
               const char       *path)
{
  g_autoptr(HearthVirConnect) conn = _hearth_connection_dup_virconn (connection, NULL);
  g_autoptr(HearthVirStorageVol) vol = virStorageVolLookupByPath (conn, path);

  virResetLastError ();
  return vol != NULL;
}

static void
test_delete_undo_commit (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthMachine) alpha = g_object_ref (find (connection, "alpha"));
  g_autoptr(GPtrArray) storage = list_storage (alpha);
  g_autoptr(HearthDeletion) deletion = NULL;
  g_autoptr(HearthMachine) restored = NULL;
  HearthStorageItem *disk;
  AsyncResult res = { 0 };

  g_assert_cmpuint (storage->len, ==, 2);
  disk = g_ptr_array_index (storage, 0);
  g_assert_cmpstr (disk->path, ==, "/hearth-pool/alpha.qcow2");
  g_assert_true (disk->in_pool);
  g_assert_cmpuint (disk->capacity, ==, G_GUINT64_CONSTANT (20) << 30);

  /* Deleting a running machine forces it off; the machine leaves the model at once. */
  deletion = delete_machine (alpha, HEARTH_DELETE_FLAGS_STORAGE_VOLUMES);
  g_assert_null (hearth_connection_find_machine (connection, "alpha"));
  g_assert_true (hearth_deletion_get_can_undo (deletion));
  g_assert_cmpstr (hearth_deletion_get_name (deletion), ==, "alpha");
  g_assert_true (volume_exists (connection, "/hearth-pool/alpha.qcow2"));

  /* Acting on the stale object reports that the machine is gone. */
  {
    g_autoptr(GError) error = NULL;

    g_assert_false (run_action (alpha, HEARTH_MACHINE_ACTION_START, &error));
    g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND);
  }

  hearth_deletion_undo_async (deletion, NULL, undo_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  restored = res.result;
  g_assert_nonnull (restored);
  g_assert_true (find (connection, "alpha") == restored);
  g_assert_cmpstr (hearth_machine_get_title (restored), ==, "Alpha Workstation");
  g_assert_cmpint (hearth_machine_get_state (restored), ==, HEARTH_MACHINE_STATE_SHUTOFF);
  g_assert_false (hearth_deletion_get_can_undo (deletion));
  g_clear_object (&deletion);

  /* Delete for real this time: the pool volume goes, the installer ISO stays. */
  deletion = delete_machine (restored, HEARTH_DELETE_FLAGS_STORAGE_VOLUMES);
  async_result_clear (&res);
  hearth_deletion_commit_async (deletion, NULL, commit_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (res.ok);
  g_assert_false (volume_exists (connection, "/hearth-pool/alpha.qcow2"));
  g_assert_true (volume_exists (connection, "/hearth-pool/installer.iso"));
  g_assert_null (hearth_connection_find_machine (connection, "alpha"));

  /* A committed deletion cannot be undone. */
  g_assert_false (hearth_deletion_get_can_undo (deletion));
}

static void
test_delete_outside_files (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autofree char *kept = g_build_filename (g_get_tmp_dir (), "hearth-kept.img", NULL);
  g_autofree char *gone = g_build_filename (g_get_tmp_dir (), "hearth-gone.img", NULL);
  const char *paths[] = { kept, gone };
  HearthDeleteFlags flags[] = {
    HEARTH_DELETE_FLAGS_STORAGE_VOLUMES,
    HEARTH_DELETE_FLAGS_STORAGE_VOLUMES | HEARTH_DELETE_FLAGS_OUTSIDE_FILES,
  };

  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *name = g_strdup_printf ("outside-%u", i);
      g_autofree char *xml = NULL;
      g_autoptr(HearthMachine) machine = NULL;
      g_autoptr(HearthDeletion) deletion = NULL;
      g_autoptr(GPtrArray) storage = NULL;
      AsyncResult res = { 0 };

      g_assert_true (g_file_set_contents (paths[i], "disk image", -1, NULL));
      xml = make_domain_xml (name, NULL, NULL, paths[i]);
      machine = define (connection, xml, NULL);
      g_assert_nonnull (machine);

      storage = list_storage (machine);
      g_assert_cmpuint (storage->len, ==, 1);
      g_assert_false (((HearthStorageItem *) storage->pdata[0])->in_pool);
      g_assert_cmpuint (((HearthStorageItem *) storage->pdata[0])->capacity, ==, 10);

      deletion = delete_machine (machine, flags[i]);
      hearth_deletion_commit_async (deletion, NULL, commit_cb, &res);
      g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
      g_assert_no_error (res.error);
    }

  /* Files outside pools go only when the user said so. */
  g_assert_true (g_file_test (kept, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (gone, G_FILE_TEST_EXISTS));
  g_unlink (kept);
}

static void
test_default_uri (void)
{
  g_autofree char *uri = hearth_connection_dup_default_uri ();

  if (geteuid () == 0)
    g_assert_cmpstr (uri, ==, "qemu:///system");
  else
    g_assert_cmpstr (uri, ==, "qemu:///session");
}

static void
test_is_local (void)
{
  static const struct
  {
    const char *uri;
    gboolean    local;
  } cases[] = {
    { "qemu:///system", TRUE },
    { "qemu:///session", TRUE },
    { "qemu+unix:///system", TRUE },
    { "qemu+ssh://root@server/system", FALSE },
    { "qemu+tcp://server/system", FALSE },
    { "test:///default", TRUE },
    { "qemu:///embed?root=/tmp/x", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HearthConnection) connection = hearth_connection_new (cases[i].uri);

      g_assert_cmpint (hearth_connection_is_local (connection), ==, cases[i].local);
    }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("HEARTH_AUDIT_LOG");
  hearth_core_init ();

  g_test_add_func ("/core/connection/open/default", test_open_default);
  g_test_add_func ("/core/connection/open/fixture", test_open_fixture);
  g_test_add_func ("/core/connection/open/unreachable", test_open_unreachable);
  g_test_add_func ("/core/connection/default-uri", test_default_uri);
  g_test_add_func ("/core/connection/is-local", test_is_local);
  g_test_add_func ("/core/machine/lifecycle", test_lifecycle);
  g_test_add_func ("/core/machine/action-errors", test_action_errors);
  g_test_add_func ("/core/machine/external-event", test_external_event);
  g_test_add_func ("/core/machine/define-odd-names", test_define_odd_names);
  g_test_add_func ("/core/machine/delete-undo-commit", test_delete_undo_commit);
  g_test_add_func ("/core/machine/delete-outside-files", test_delete_outside_files);

  ret = g_test_run ();
  /* Let closed connections finish their teardown before exit. */
  g_assert_true (hearth_core_drain (30000));
  return ret;
}
