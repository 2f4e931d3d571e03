/* test-embed-lifecycle.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The foundation on real QEMU: Hearth opens a hermetic qemu:///embed connection,
 * defines the tiny test guest (TCG), starts it and sees the running event, pauses,
 * saves and restores it, shuts it down through ACPI, forces it off, and deletes it
 * with its disk image.
 */

#include "config.h"

#include <string.h>
#include <unistd.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 60000

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
  gpointer result;
} AsyncResult;

static void
graphics_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = GINT_TO_POINTER (hearth_machine_open_graphics_fd_finish (HEARTH_MACHINE (source),
                                                                         result, &res->error));
  res->done = TRUE;
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

static void
delete_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_machine_delete_finish (HEARTH_MACHINE (source), result, &res->error);
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

static void
wait_serial (const char *serial,
             goffset     from,
             const char *needle,
             goffset    *out_end)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_test_serial_wait_for_from (serial, from, needle, TIMEOUT_MS, out_end,
                                                   &error));
  g_assert_no_error (error);
}

static void
test_lifecycle (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *serial = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *log = NULL;
  g_autoptr(HearthConnection) connection = NULL;
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(HearthDeletion) deletion = NULL;
  g_autoptr(GPtrArray) storage = NULL;
  const char *name = "hearth-lifecycle 家 🏠";
  AsyncResult res = { 0 };
  goffset offset = 0;
  int fd;

  g_assert_true (hearth_test_guest_available (&error));
  g_assert_no_error (error);

  root = hearth_test_embed_root_new ();
  uri = hearth_test_embed_uri (root);
  serial = g_build_filename (root, "serial.log", NULL);
  connection = hearth_test_open_connection (uri);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_connection_get_machines (connection)), ==, 0);

  /* Define: the machine appears, shut off. */
  xml = hearth_test_guest_xml (name, serial, HEARTH_TEST_GUEST_DISK);
  disk = hearth_test_guest_dup_disk_path (serial);
  machine = hearth_test_define_machine (connection, xml, TIMEOUT_MS);
  g_assert_cmpstr (hearth_machine_get_name (machine), ==, name);
  g_assert_true (hearth_connection_find_machine (connection, name) == machine);
  g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_SHUTOFF);
  g_assert_true (g_file_test (disk, G_FILE_TEST_EXISTS));

  /* Start: the running state arrives through libvirt's event; the guest boots. */
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));
  wait_serial (serial, 0, HEARTH_TEST_GUEST_READY, &offset);

  /* The console path: a socket to the SPICE server with no TCP port. */
  memset (&res, 0, sizeof res);
  hearth_machine_open_graphics_fd_async (machine, NULL, graphics_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  fd = GPOINTER_TO_INT (res.result);
  g_assert_cmpint (fd, >=, 0);
  close (fd);

  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_PAUSE, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_PAUSED, TIMEOUT_MS));
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_RESUME, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));

  /* Managed save and restore: the guest carries on where it was. */
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_SAVE, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SAVED, TIMEOUT_MS));
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));
  {
    g_autofree char *output = NULL;
    int status = -1;

    g_assert_true (hearth_test_guest_run (serial, "echo restored-ok", TIMEOUT_MS, &output, &status,
                                          &error));
    g_assert_no_error (error);
    g_assert_cmpint (status, ==, 0);
    g_assert_nonnull (strstr (output, "restored-ok"));
  }

  /* ACPI shutdown: the guest powers itself off. */
  offset = hearth_test_serial_get_end (serial);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_SHUTDOWN, TIMEOUT_MS);
  wait_serial (serial, offset, HEARTH_TEST_GUEST_POWEROFF, NULL);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SHUTOFF, TIMEOUT_MS));
  g_assert_false (hearth_machine_get_busy (machine));

  /* Force off a running machine. */
  offset = hearth_test_serial_get_end (serial);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING, TIMEOUT_MS));
  wait_serial (serial, offset, HEARTH_TEST_GUEST_READY, NULL);
  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SHUTOFF, TIMEOUT_MS));

  /* Delete with its disk. The disk is outside any pool, so it goes only because
   * the flags say so, and only at commit. */
  memset (&res, 0, sizeof res);
  hearth_machine_list_storage_async (machine, NULL, storage_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  storage = res.result;
  g_assert_cmpuint (storage->len, >=, 1);
  g_assert_cmpstr (((HearthStorageItem *) storage->pdata[0])->path, ==, disk);
  g_assert_false (((HearthStorageItem *) storage->pdata[0])->in_pool);

  memset (&res, 0, sizeof res);
  hearth_machine_delete_async (machine,
                               HEARTH_DELETE_FLAGS_STORAGE_VOLUMES
                                 | HEARTH_DELETE_FLAGS_OUTSIDE_FILES,
                               NULL, delete_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  deletion = res.result;
  g_assert_null (hearth_connection_find_machine (connection, name));
  g_assert_true (g_file_test (disk, G_FILE_TEST_EXISTS));

  memset (&res, 0, sizeof res);
  hearth_deletion_commit_async (deletion, NULL, commit_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_false (g_file_test (disk, G_FILE_TEST_EXISTS));

  /* Every step is in the audit log. */
  log = hearth_test_dup_audit_log ();
  for (const char *const *op = (const char *const[]){ "\"define\"", "\"start\"", "\"pause\"",
                                                      "\"resume\"", "\"save\"", "\"shutdown\"",
                                                      "\"force-off\"", "\"delete\"",
                                                      "\"delete-storage\"", "\"open-graphics\"",
                                                      NULL };
       *op; op++)
    g_assert_nonnull (strstr (log, *op));
  g_assert_null (strstr (log, "\"result\":\"error\""));

  hearth_connection_close (connection);
  hearth_test_embed_root_remove (root);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("HEARTH_AUDIT_LOG");
  hearth_core_init ();

  g_test_add_func ("/core/embed/lifecycle", test_lifecycle);

  ret = g_test_run ();
  /* Let closed connections finish their teardown before exit. */
  g_assert_true (hearth_core_drain (30000));
  return ret;
}
