/* test-snapshots.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Snapshots on real QEMU through qemu:///embed with the tiny test guest and its
 * qcow2 disk: a memory snapshot of the running guest, a change (a marker in its
 * RAM-backed /tmp and on its disk), going back (the marker is gone, the guest
 * runs on from the snapshot's moment), a branching history, thumbnails that a
 * fresh connection finds again, deleting a parent, and sandbox mode across an
 * ACPI power-off.
 */

#include "config.h"

#include <string.h>

#include <gdk-pixbuf/gdk-pixbuf.h>
#include <json-glib/json-glib.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 90000

typedef struct
{
  gboolean done;
  gboolean ok;
  GError  *error;
  gpointer result;
} AsyncResult;

static void
reset (AsyncResult *res)
{
  g_clear_error (&res->error);
  memset (res, 0, sizeof *res);
}

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_snapshot_tree_create_finish (HEARTH_SNAPSHOT_TREE (source), result,
                                                    &res->error);
  res->done = TRUE;
}

static void
revert_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_snapshot_tree_revert_finish (HEARTH_SNAPSHOT_TREE (source), result,
                                                &res->error);
  res->done = TRUE;
}

static void
delete_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_snapshot_tree_delete_finish (HEARTH_SNAPSHOT_TREE (source), result,
                                                &res->error);
  res->done = TRUE;
}

static void
sandbox_set_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_sandbox_set_finish (HEARTH_SANDBOX (source), result, &res->error);
  res->done = TRUE;
}

static gboolean
tree_idle (gpointer data)
{
  return hearth_snapshot_tree_get_loaded (data) && !hearth_snapshot_tree_get_busy (data);
}

static HearthSnapshot *
create (HearthSnapshotTree *tree,
        const char         *title)
{
  AsyncResult res = { 0 };

  hearth_snapshot_tree_create_async (tree, title, NULL, NULL, create_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_nonnull (res.result);
  g_object_unref (res.result); /* the tree keeps it */
  return res.result;
}

static void
revert (HearthSnapshotTree *tree,
        HearthSnapshot     *snapshot)
{
  AsyncResult res = { 0 };

  hearth_snapshot_tree_revert_async (tree, snapshot, NULL, revert_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (res.ok);
  g_assert_true (hearth_snapshot_tree_get_current (tree) == snapshot);
}

static void
delete_snapshot (HearthSnapshotTree *tree,
                 HearthSnapshot     *snapshot,
                 gboolean            with_children)
{
  AsyncResult res = { 0 };

  hearth_snapshot_tree_delete_async (tree, snapshot, with_children, NULL, delete_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (res.ok);
}

/* Runs @command in the guest; returns its exit status, with its output. */
static int
guest_run (const char *serial,
           const char *command,
           char      **output)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  if (!hearth_test_guest_run (serial, command, TIMEOUT_MS, output, &status, &error))
    {
      g_autofree char *log = hearth_test_serial_dup_contents (serial, 0);
      gsize length = strlen (log);

      g_error ("“%s” did not run: %s\nEnd of the serial log:\n%s", command, error->message,
               log + (length > 3000 ? length - 3000 : 0));
    }
  return status;
}

static void
assert_guest_output (const char *serial,
                     const char *command,
                     const char *expected)
{
  g_autofree char *output = NULL;

  g_assert_cmpint (guest_run (serial, command, &output), ==, 0);
  if (strstr (output, expected) == NULL)
    g_error ("“%s” printed “%s”, not “%s”", command, output, expected);
}

static void
assert_guest_lacks (const char *serial,
                    const char *command,
                    const char *unexpected)
{
  g_autofree char *output = NULL;

  guest_run (serial, command, &output);
  if (output != NULL && strstr (output, unexpected) != NULL)
    g_error ("“%s” printed “%s”, which it should not", command, output);
}

/* Writes @text at the start of the guest's disk, past its page cache. */
static char *
disk_write_command (const char *text)
{
  return g_strdup_printf ("echo %s | dd of=/dev/vda bs=512 count=1 conv=sync,fsync 2>/dev/null",
                          text);
}

#define DISK_READ_COMMAND "dd if=/dev/vda bs=512 count=1 iflag=direct 2>/dev/null | head -n 1"

typedef struct
{
  char             *root;
  char             *uri;
  char             *serial;
  HearthConnection *connection;
  HearthMachine    *machine;
} Guest;

static void
guest_start_flags (Guest               *guest,
                   const char          *name,
                   HearthTestGuestFlags flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  goffset offset;

  guest->root = hearth_test_embed_root_new ();
  guest->uri = hearth_test_embed_uri (guest->root);
  guest->serial = g_build_filename (guest->root, "serial.log", NULL);
  guest->connection = hearth_test_open_connection (guest->uri);

  xml = hearth_test_guest_xml (name, guest->serial, HEARTH_TEST_GUEST_DISK | flags);
  guest->machine = hearth_test_define_machine (guest->connection, xml, TIMEOUT_MS);

  offset = hearth_test_serial_get_end (guest->serial);
  hearth_test_run_action (guest->machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (guest->machine, HEARTH_MACHINE_STATE_RUNNING,
                                                 TIMEOUT_MS));
  g_assert_true (hearth_test_serial_wait_for_from (guest->serial, offset, HEARTH_TEST_GUEST_READY,
                                                   TIMEOUT_MS, NULL, &error));
  g_assert_no_error (error);
}

static void
guest_start (Guest      *guest,
             const char *name)
{
  guest_start_flags (guest, name, 0);
}

static void
guest_stop (Guest *guest)
{
  if (hearth_machine_is_active (guest->machine))
    hearth_test_run_action (guest->machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  g_clear_object (&guest->machine);
  hearth_connection_close (guest->connection);
  g_clear_object (&guest->connection);
  hearth_test_iterate_for (100);
  hearth_test_embed_root_remove (guest->root);
  g_free (guest->root);
  g_free (guest->uri);
  g_free (guest->serial);
}

static gboolean
guest_skip_if_unavailable (void)
{
  g_autoptr(GError) error = NULL;

  if (!hearth_test_guest_available (&error))
    {
      g_test_skip (error->message);
      return TRUE;
    }
  return FALSE;
}

/* Memory snapshot, change, go back; then a branching history, thumbnails seen by
 * a fresh connection, and deleting a parent. */
static void
test_internal (void)
{
  Guest guest = { 0 };
  g_autoptr(HearthSnapshotTree) tree = NULL;
  g_autofree char *write_one = disk_write_command ("disk-before-A");
  g_autofree char *write_two = disk_write_command ("disk-after-A");
  g_autofree char *log = NULL;
  HearthSnapshot *a, *b, *c;
  const char *thumbnail;

  if (guest_skip_if_unavailable ())
    return;

  guest_start (&guest, "snapshots 快照");
  tree = hearth_snapshot_tree_new (guest.machine);
  g_assert_true (hearth_test_wait (tree_idle, tree, TIMEOUT_MS));

  /* The state A keeps: a file in RAM and a block on disk. */
  assert_guest_output (guest.serial, "echo kept > /tmp/kept && cat /tmp/kept", "kept");
  g_assert_cmpint (guest_run (guest.serial, write_one, NULL), ==, 0);
  a = create (tree, "A");
  g_assert_cmpint (hearth_snapshot_get_state (a), ==, HEARTH_SNAPSHOT_STATE_RUNNING);
  g_assert_true (hearth_snapshot_get_has_memory (a));
  g_assert_false (hearth_snapshot_get_external (a));

  /* A thumbnail of the guest's 1024x768 screen, scaled down. */
  thumbnail = hearth_snapshot_get_thumbnail_path (a);
  g_assert_nonnull (thumbnail);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(GdkPixbufLoader) loader = NULL;
    g_autofree char *data = NULL;
    gsize length = 0;
    GdkPixbuf *pixbuf;

    /* By type: with the isolated XDG directories there is no MIME database to
     * sniff the format with. */
    g_assert_true (g_file_get_contents (thumbnail, &data, &length, &error));
    loader = gdk_pixbuf_loader_new_with_type ("png", &error);
    g_assert_no_error (error);
    g_assert_true (gdk_pixbuf_loader_write (loader, (const guchar *) data, length, &error));
    g_assert_true (gdk_pixbuf_loader_close (loader, &error));
    g_assert_no_error (error);
    pixbuf = gdk_pixbuf_loader_get_pixbuf (loader);
    g_assert_cmpint (gdk_pixbuf_get_width (pixbuf), ==, 320);
    g_assert_cmpint (gdk_pixbuf_get_height (pixbuf), ==, 240);
  }

  /* Change the guest after A. */
  assert_guest_output (guest.serial, "echo marker > /tmp/marker && cat /tmp/marker", "marker");
  g_assert_cmpint (guest_run (guest.serial, write_two, NULL), ==, 0);
  assert_guest_output (guest.serial, DISK_READ_COMMAND, "disk-after-A");

  /* Back to A: running, with A's RAM and disk; the change is gone. */
  revert (tree, a);
  g_assert_true (hearth_test_wait_machine_state (guest.machine, HEARTH_MACHINE_STATE_RUNNING,
                                                 TIMEOUT_MS));
  assert_guest_output (guest.serial, "cat /tmp/kept", "kept");
  assert_guest_lacks (guest.serial, "cat /tmp/marker 2>&1", "marker\r");
  g_assert_cmpint (guest_run (guest.serial, "test -e /tmp/marker", NULL), !=, 0);
  assert_guest_output (guest.serial, DISK_READ_COMMAND, "disk-before-A");

  /* Branching: A → B, back to A → C. */
  g_assert_cmpint (guest_run (guest.serial, "echo b > /tmp/branch", NULL), ==, 0);
  b = create (tree, "B");
  revert (tree, a);
  g_assert_cmpint (guest_run (guest.serial, "test -e /tmp/branch", NULL), !=, 0);
  g_assert_cmpint (guest_run (guest.serial, "echo c > /tmp/branch", NULL), ==, 0);
  c = create (tree, "C");

  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_roots (tree)), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_get_children (a)), ==, 2);
  g_assert_true (hearth_snapshot_get_parent (b) == a);
  g_assert_true (hearth_snapshot_get_parent (c) == a);
  g_assert_true (hearth_snapshot_tree_get_current (tree) == c);

  /* B's branch is still there to go back to. */
  revert (tree, b);
  assert_guest_output (guest.serial, "cat /tmp/branch", "b");

  /* A fresh connection and tree find the same history and the thumbnails. */
  {
    g_autoptr(HearthConnection) other = hearth_test_open_connection (guest.uri);
    HearthMachine *machine = hearth_connection_find_machine (other,
                                                             hearth_machine_get_uuid (guest.machine));
    g_autoptr(HearthSnapshotTree) again = NULL;
    HearthSnapshot *a2;

    g_assert_nonnull (machine);
    again = hearth_snapshot_tree_new (machine);
    g_assert_true (hearth_test_wait (tree_idle, again, TIMEOUT_MS));
    a2 = hearth_snapshot_tree_find (again, hearth_snapshot_get_name (a));
    g_assert_nonnull (a2);
    g_assert_cmpstr (hearth_snapshot_get_thumbnail_path (a2), ==, thumbnail);
    g_assert_nonnull (hearth_snapshot_get_thumbnail_path (
      hearth_snapshot_tree_find (again, hearth_snapshot_get_name (c))));
    g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_get_children (a2)), ==, 2);
    g_clear_object (&again);
    hearth_connection_close (other);
  }

  /* Deleting the parent A keeps B and C, which still work. */
  delete_snapshot (tree, a, FALSE);
  g_assert_false (g_file_test (thumbnail, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_roots (tree)), ==, 2);
  g_assert_null (hearth_snapshot_get_parent (b));
  revert (tree, c);
  assert_guest_output (guest.serial, "cat /tmp/branch", "c");
  assert_guest_output (guest.serial, "cat /tmp/kept", "kept");

  /* A snapshot of the shut-off machine holds the disks only. */
  hearth_test_run_action (guest.machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (guest.machine, HEARTH_MACHINE_STATE_SHUTOFF,
                                                 TIMEOUT_MS));
  {
    HearthSnapshot *off = create (tree, "Off");

    g_assert_cmpint (hearth_snapshot_get_state (off), ==, HEARTH_SNAPSHOT_STATE_SHUTOFF);
    g_assert_false (hearth_snapshot_get_has_memory (off));
    g_assert_null (hearth_snapshot_get_thumbnail_path (off));
    g_assert_true (hearth_snapshot_get_parent (off) == c);
  }

  /* Going back to a running snapshot from shut off leaves it running. */
  revert (tree, b);
  g_assert_true (hearth_test_wait_machine_state (guest.machine, HEARTH_MACHINE_STATE_RUNNING,
                                                 TIMEOUT_MS));
  assert_guest_output (guest.serial, "cat /tmp/branch", "b");

  log = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (log, "\"snapshot-create\""));
  g_assert_nonnull (strstr (log, "\"snapshot-revert\""));
  g_assert_nonnull (strstr (log, "\"snapshot-delete\""));
  g_assert_null (strstr (log, "\"result\":\"error\""));

  g_clear_object (&tree);
  guest_stop (&guest);
}

static void
restored_cb (HearthSandbox *sandbox,
             HearthMachine *machine,
             const GError  *error,
             gpointer       user_data)
{
  AsyncResult *res = user_data;

  if (error != NULL)
    res->error = g_error_copy (error);
  res->ok = error == NULL;
  res->done = TRUE;
}

/* Sandbox mode: the guest changes something, powers off (ACPI), and starts again
 * from the clean snapshot. */
static void
test_sandbox (void)
{
  Guest guest = { 0 };
  g_autoptr(HearthSnapshotTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *write_clean = disk_write_command ("disk-clean");
  g_autofree char *write_dirty = disk_write_command ("disk-dirty");
  HearthSandbox *sandbox;
  HearthSnapshot *clean;
  AsyncResult res = { 0 };
  goffset offset;

  if (guest_skip_if_unavailable ())
    return;

  guest_start (&guest, "sandbox 沙盒");
  sandbox = hearth_sandbox_get_for_connection (guest.connection);
  tree = hearth_snapshot_tree_new (guest.machine);
  g_assert_true (hearth_test_wait (tree_idle, tree, TIMEOUT_MS));
  g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_sandbox_get_loaded, sandbox,
                                   TIMEOUT_MS));

  g_assert_cmpint (guest_run (guest.serial, write_clean, NULL), ==, 0);
  clean = create (tree, "Clean");
  hearth_sandbox_set_async (sandbox, guest.machine, hearth_snapshot_get_name (clean), NULL,
                            sandbox_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (hearth_sandbox_is_enabled (sandbox, guest.machine));

  /* Two rounds: the setting survives going back. */
  for (guint round = 0; round < 2; round++)
    {
      g_assert_cmpint (guest_run (guest.serial, "echo dirty > /tmp/dirty", NULL), ==, 0);
      g_assert_cmpint (guest_run (guest.serial, write_dirty, NULL), ==, 0);

      reset (&res);
      g_signal_connect (sandbox, "restored", G_CALLBACK (restored_cb), &res);
      offset = hearth_test_serial_get_end (guest.serial);
      hearth_test_run_action (guest.machine, HEARTH_MACHINE_ACTION_SHUTDOWN, TIMEOUT_MS);
      g_assert_true (hearth_test_serial_wait_for_from (guest.serial, offset,
                                                       HEARTH_TEST_GUEST_POWEROFF, TIMEOUT_MS,
                                                       NULL, &error));
      g_assert_no_error (error);
      g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
      g_assert_no_error (res.error);
      g_signal_handlers_disconnect_by_func (sandbox, restored_cb, &res);

      /* Off, with the clean state saved: the next start resumes from it. */
      g_assert_true (hearth_test_wait_machine_state (guest.machine, HEARTH_MACHINE_STATE_SAVED,
                                                     TIMEOUT_MS));
      g_assert_true (hearth_sandbox_is_enabled (sandbox, guest.machine));
      hearth_test_run_action (guest.machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
      g_assert_true (hearth_test_wait_machine_state (guest.machine, HEARTH_MACHINE_STATE_RUNNING,
                                                     TIMEOUT_MS));
      g_assert_cmpint (guest_run (guest.serial, "test -e /tmp/dirty", NULL), !=, 0);
      assert_guest_output (guest.serial, DISK_READ_COMMAND, "disk-clean");

      /* Resumed from the save image, whose definition is the snapshot's: a fresh
       * read of the setting (the next start of Hearth, or any re-read after a
       * metadata change) still finds it. */
      {
        g_autoptr(HearthConnection) other = hearth_test_open_connection (guest.uri);
        HearthSandbox *again = hearth_sandbox_get_for_connection (other);
        HearthMachine *machine = hearth_connection_find_machine (
          other, hearth_machine_get_uuid (guest.machine));

        g_assert_nonnull (machine);
        g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_sandbox_get_loaded, again,
                                         TIMEOUT_MS));
        g_assert_cmpstr (hearth_sandbox_get_snapshot_name (again, machine), ==,
                         hearth_snapshot_get_name (clean));
        hearth_connection_close (other);
      }
    }

  g_assert_nonnull (strstr (hearth_test_dup_audit_log (), "\"sandbox-restore\""));

  /* Leave sandbox mode, so forcing it off below is just that. */
  reset (&res);
  hearth_sandbox_set_async (sandbox, guest.machine, NULL, NULL, sandbox_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_false (hearth_sandbox_is_enabled (sandbox, guest.machine));

  g_clear_object (&tree);
  guest_stop (&guest);
}

typedef struct
{
  guint  reports;
  double lowest;
  double highest;
} ProgressLog;

static void
on_progress_cb (HearthSnapshotTree *tree,
                GParamSpec         *pspec,
                ProgressLog        *log)
{
  double value = hearth_snapshot_tree_get_progress (tree);

  if (value < 0)
    return;
  log->reports++;
  log->lowest = MIN (log->lowest, value);
  log->highest = MAX (log->highest, value);
}

static void
xml_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_machine_dup_xml_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

/* A value from the machine's (live) definition. */
static char *
domain_xpath (HearthMachine *machine,
              const char    *expression)
{
  AsyncResult res = { 0 };
  g_autofree char *xml = NULL;
  xmlDocPtr doc;
  xmlXPathContextPtr context;
  xmlChar *value;
  char *copy;

  hearth_machine_dup_xml_async (machine, NULL, xml_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  xml = res.result;

  doc = xmlReadMemory (xml, strlen (xml), "domain.xml", NULL, XML_PARSE_NONET);
  g_assert_nonnull (doc);
  context = xmlXPathNewContext (doc);
  value = xmlXPathCastToString (xmlXPathEval ((const xmlChar *) expression, context));
  copy = g_strdup ((const char *) value);
  xmlFree (value);
  xmlXPathFreeContext (context);
  xmlFreeDoc (doc);
  return copy;
}

/* The regular files in @dir, by full path. */
static GHashTable *
list_files (const char *dir)
{
  GHashTable *files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (handle);
  while ((name = g_dir_read_name (handle)))
    {
      char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_REGULAR))
        g_hash_table_add (files, path);
      else
        g_free (path);
    }
  return files;
}

/* @image and its backing files, as qemu-img sees them. */
static void
add_backing_chain (GHashTable *files,
                   const char *image)
{
  const char *argv[] = { "qemu-img", "info", "-U", "--backing-chain", "--output=json", image,
                         NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonArray *chain;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (json_parser_load_from_data (parser, out, -1, &error));
  g_assert_no_error (error);
  chain = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (chain); i++)
    g_hash_table_add (files, g_strdup (json_object_get_string_member (
                               json_array_get_object_element (chain, i), "filename")));
}

/* The files in @dir are exactly @expected. */
static void
assert_files (const char *dir,
              GHashTable *expected)
{
  g_autoptr(GHashTable) found = list_files (dir);
  GHashTableIter iter;
  gpointer path;

  g_hash_table_iter_init (&iter, found);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    if (!g_hash_table_contains (expected, path))
      g_error ("%s was left behind", (char *) path);
  g_hash_table_iter_init (&iter, expected);
  while (g_hash_table_iter_next (&iter, &path, NULL))
    if (!g_hash_table_contains (found, path) && g_str_has_prefix (path, dir))
      g_error ("%s is gone, but it is needed", (char *) path);
}

/* The image the guest's disk is now: after an external snapshot, its overlay. */
static char *
dup_disk_source (HearthMachine *machine)
{
  return domain_xpath (machine, "string(/domain/devices/disk[target/@dev='vda']/source/@file)");
}

/* UEFI: libvirt 9.0 cannot take internal snapshots with pflash firmware, nor go
 * back to external ones. Hearth's external snapshots with memory and its own
 * revert: change, go back, the change is gone; twice, with a branch; then delete
 * the snapshots and the machine still boots. */
static void
test_uefi (void)
{
  Guest guest = { 0 };
  g_autoptr(HearthSnapshotTree) tree = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *write_one = disk_write_command ("disk-uefi-A");
  g_autofree char *write_two = disk_write_command ("disk-uefi-later");
  g_autofree char *nvram = NULL;
  g_autofree char *nvram_dir = NULL;
  g_autofree char *overlay_a = NULL;
  g_autofree char *overlay_b = NULL;
  g_autofree char *current_disk = NULL;
  g_autoptr(GHashTable) disk_files = NULL;
  g_autoptr(GHashTable) nvram_files = NULL;
  HearthSnapshot *a, *b;
  goffset offset;

  if (guest_skip_if_unavailable ())
    return;

  guest_start_flags (&guest, "uefi snapshots", HEARTH_TEST_GUEST_UEFI);
  tree = hearth_snapshot_tree_new (guest.machine);
  g_assert_true (hearth_test_wait (tree_idle, tree, TIMEOUT_MS));

  /* The files before any snapshot: the disk's directory and the NVRAM's. */
  nvram = domain_xpath (guest.machine, "string(/domain/os/nvram)");
  g_assert_true (g_file_test (nvram, G_FILE_TEST_IS_REGULAR));
  nvram_dir = g_path_get_dirname (nvram);
  disk_files = list_files (guest.root);
  nvram_files = list_files (nvram_dir);

  assert_guest_output (guest.serial, "echo kept > /tmp/kept && cat /tmp/kept", "kept");
  g_assert_cmpint (guest_run (guest.serial, write_one, NULL), ==, 0);
  {
    ProgressLog progress = { 0, 2.0, -1.0 };
    gulong id = g_signal_connect (tree, "notify::progress", G_CALLBACK (on_progress_cb),
                                  &progress);

    a = create (tree, "UEFI A");
    g_signal_handler_disconnect (tree, id);
    /* Progress (when libvirt reported any during the memory write) stays within
     * 0…1 and reads unknown again once done. */
    g_test_message ("progress reports during the UEFI snapshot: %u", progress.reports);
    if (progress.reports > 0)
      {
        g_assert_cmpfloat (progress.lowest, >=, 0.0);
        g_assert_cmpfloat (progress.highest, <=, 1.0);
      }
    g_assert_cmpfloat (hearth_snapshot_tree_get_progress (tree), ==, -1.0);
  }
  g_assert_true (hearth_snapshot_get_external (a));
  g_assert_true (hearth_snapshot_get_has_memory (a));
  g_assert_cmpint (hearth_snapshot_get_state (a), ==, HEARTH_SNAPSHOT_STATE_RUNNING);
  g_assert_nonnull (hearth_snapshot_get_thumbnail_path (a));

  /* The guest runs on after the snapshot. */
  assert_guest_output (guest.serial, "echo marker > /tmp/marker && cat /tmp/marker", "marker");
  g_assert_cmpint (guest_run (guest.serial, write_two, NULL), ==, 0);

  overlay_a = dup_disk_source (guest.machine);
  g_assert_true (g_file_test (overlay_a, G_FILE_TEST_IS_REGULAR));

  revert (tree, a);
  g_assert_true (hearth_test_wait_machine_state (guest.machine, HEARTH_MACHINE_STATE_RUNNING,
                                                 TIMEOUT_MS));
  /* What the guest ran on since A is thrown away, and its overlay with it. */
  g_assert_false (g_file_test (overlay_a, G_FILE_TEST_EXISTS));
  assert_guest_output (guest.serial, "cat /tmp/kept", "kept");
  g_assert_cmpint (guest_run (guest.serial, "test -e /tmp/marker", NULL), !=, 0);
  assert_guest_output (guest.serial, DISK_READ_COMMAND, "disk-uefi-A");

  /* A branch: B after A, back to A again. */
  g_assert_cmpint (guest_run (guest.serial, "echo b > /tmp/branch", NULL), ==, 0);
  b = create (tree, "UEFI B");
  g_assert_true (hearth_snapshot_get_parent (b) == a);
  overlay_b = dup_disk_source (guest.machine);
  g_assert_true (g_file_test (overlay_b, G_FILE_TEST_IS_REGULAR));
  revert (tree, a);
  g_assert_false (g_file_test (overlay_b, G_FILE_TEST_EXISTS));
  g_assert_cmpint (guest_run (guest.serial, "test -e /tmp/branch", NULL), !=, 0);
  assert_guest_output (guest.serial, DISK_READ_COMMAND, "disk-uefi-A");
  revert (tree, b);
  assert_guest_output (guest.serial, "cat /tmp/branch", "b");

  /* Delete them all; the machine still boots from its disks and firmware. */
  delete_snapshot (tree, a, TRUE);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_snapshots (tree)), ==, 0);

  /* Left on disk: what was there before, and the chain the guest runs on (the
   * disk under the overlays of going back to A, then to B); no memory image,
   * no NVRAM copy, no overlay nothing uses. */
  current_disk = dup_disk_source (guest.machine);
  g_test_message ("the guest runs on %s", current_disk);
  add_backing_chain (disk_files, current_disk);
  g_assert_cmpuint (g_hash_table_size (disk_files), >=, 3);
  assert_files (guest.root, disk_files);
  assert_files (nvram_dir, nvram_files);
  hearth_test_run_action (guest.machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  g_assert_true (hearth_test_wait_machine_state (guest.machine, HEARTH_MACHINE_STATE_SHUTOFF,
                                                 TIMEOUT_MS));
  offset = hearth_test_serial_get_end (guest.serial);
  hearth_test_run_action (guest.machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_serial_wait_for_from (guest.serial, offset, HEARTH_TEST_GUEST_READY,
                                                   TIMEOUT_MS, NULL, &error));
  g_assert_no_error (error);
  /* Its disk is the one it had when it stopped: B's branch. */
  assert_guest_output (guest.serial, DISK_READ_COMMAND, "disk-uefi-A");
  assert_files (guest.root, disk_files);

  /* No operation on this machine failed (the log is the process's, shared by
   * the tests before). */
  {
    g_autofree char *log = hearth_test_dup_audit_log ();
    g_auto(GStrv) lines = g_strsplit (log, "\n", -1);

    for (guint i = 0; lines[i]; i++)
      if (strstr (lines[i], "\"uefi snapshots\"") && strstr (lines[i], "\"result\":\"error\""))
        g_error ("failed: %s", lines[i]);
    g_assert_nonnull (strstr (log, "\"uefi snapshots\""));
  }

  g_clear_object (&tree);
  guest_stop (&guest);
}

static void
schedule_set_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_snapshot_scheduler_set_finish (HEARTH_SNAPSHOT_SCHEDULER (source), result,
                                                  &res->error);
  res->done = TRUE;
}

static void
refresh_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_snapshot_tree_refresh_finish (HEARTH_SNAPSHOT_TREE (source), result,
                                                 &res->error);
  res->done = TRUE;
}

static void
edit_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_snapshot_tree_edit_finish (HEARTH_SNAPSHOT_TREE (source), result,
                                                  &res->error);
  res->done = TRUE;
}

typedef struct
{
  HearthSnapshotTree *tree;
  GHashTable         *scheduled; /* names of every scheduled snapshot seen */
} ScheduleLog;

static void
on_snapshots_changed_cb (GListModel  *model,
                         guint        position,
                         guint        removed,
                         guint        added,
                         ScheduleLog *log)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr(HearthSnapshot) snapshot = g_list_model_get_item (model, i);

      if (hearth_snapshot_get_origin (snapshot) == HEARTH_SNAPSHOT_ORIGIN_SCHEDULED)
        g_hash_table_add (log->scheduled, g_strdup (hearth_snapshot_get_name (snapshot)));
    }
}

static gboolean
scheduled_at_least (gpointer data)
{
  ScheduleLog *log = data;

  return g_hash_table_size (log->scheduled) >= 4;
}

static guint
count_origin (HearthSnapshotTree  *tree,
              HearthSnapshotOrigin origin)
{
  GListModel *all = hearth_snapshot_tree_get_snapshots (tree);
  guint count = 0;

  for (guint i = 0; i < g_list_model_get_n_items (all); i++)
    {
      g_autoptr(HearthSnapshot) snapshot = g_list_model_get_item (all, i);

      count += hearth_snapshot_get_origin (snapshot) == origin;
    }
  return count;
}

/* Scheduled snapshots of a running guest, with an "hour" of 3 s: the scheduler
 * takes one each period on its own timer, keeps the newest two of Hearth's own,
 * and never deletes the snapshot the user made nor a scheduled one the user
 * renamed. */
static void
test_schedule (void)
{
  Guest guest = { 0 };
  g_autoptr(HearthSnapshotTree) tree = NULL;
  g_autoptr(GHashTable) scheduled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ScheduleLog log = { NULL, scheduled };
  HearthSnapshotScheduler *scheduler;
  HearthSnapshot *named, *automatic;
  g_autofree char *automatic_name = NULL;
  g_autofree char *renamed_name = NULL;
  AsyncResult res = { 0 };
  gulong id;

  if (guest_skip_if_unavailable ())
    return;

  g_setenv ("HEARTH_SNAPSHOT_HOUR_MS", "3000", TRUE);
  guest_start (&guest, "schedule 定时");
  tree = hearth_snapshot_tree_new (guest.machine);
  g_assert_true (hearth_test_wait (tree_idle, tree, TIMEOUT_MS));
  log.tree = tree;
  id = g_signal_connect (hearth_snapshot_tree_get_snapshots (tree), "items-changed",
                         G_CALLBACK (on_snapshots_changed_cb), &log);

  named = create (tree, "Mine 我的");
  {
    AsyncResult auto_res = { 0 };

    hearth_snapshot_tree_create_auto_async (tree, "Before changing memory", NULL, create_cb,
                                            &auto_res);
    g_assert_true (hearth_test_wait_flag (&auto_res.done, TIMEOUT_MS));
    g_assert_no_error (auto_res.error);
    automatic = auto_res.result;
    automatic_name = g_strdup (hearth_snapshot_get_name (automatic));
    g_object_unref (automatic);
  }

  scheduler = hearth_snapshot_scheduler_get_for_connection (guest.connection);
  g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_snapshot_scheduler_get_loaded,
                                   scheduler, TIMEOUT_MS));
  g_assert_cmpint (hearth_snapshot_scheduler_get_every (scheduler, guest.machine), ==,
                   HEARTH_SNAPSHOT_EVERY_NEVER);
  hearth_snapshot_scheduler_set_async (scheduler, guest.machine, HEARTH_SNAPSHOT_EVERY_HOUR, 2,
                                       NULL, schedule_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_cmpint (hearth_snapshot_scheduler_get_every (scheduler, guest.machine), ==,
                   HEARTH_SNAPSHOT_EVERY_HOUR);
  g_assert_cmpuint (hearth_snapshot_scheduler_get_keep (scheduler, guest.machine), ==, 2);

  /* The first scheduled snapshot comes at once; rename it, so it is the user's. */
  g_assert_true (hearth_test_wait ((HearthTestCondition) g_hash_table_size, scheduled,
                                   TIMEOUT_MS));
  g_assert_true (hearth_test_wait (tree_idle, tree, TIMEOUT_MS));
  {
    g_autoptr(GList) names = g_hash_table_get_keys (scheduled);
    HearthSnapshot *first = hearth_snapshot_tree_find (tree, names->data);

    g_assert_nonnull (first);
    renamed_name = g_strdup (names->data);
    reset (&res);
    hearth_snapshot_tree_edit_async (tree, first, "Keep this one 留着", NULL, NULL, edit_cb,
                                     &res);
    g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
    g_assert_no_error (res.error);
    g_object_unref (res.result);
  }

  /* More periods pass on the scheduler's own timer. */
  g_assert_true (hearth_test_wait (scheduled_at_least, &log, TIMEOUT_MS));
  g_signal_handler_disconnect (hearth_snapshot_tree_get_snapshots (tree), id);

  /* Turned off, nothing more comes; the last run's retention has happened. */
  reset (&res);
  hearth_snapshot_scheduler_set_async (scheduler, guest.machine, HEARTH_SNAPSHOT_EVERY_NEVER, 2,
                                       NULL, schedule_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_cmpint (hearth_snapshot_scheduler_get_every (scheduler, guest.machine), ==,
                   HEARTH_SNAPSHOT_EVERY_NEVER);
  hearth_test_iterate_for (500);
  {
    AsyncResult refresh = { 0 };

    hearth_snapshot_tree_refresh_async (tree, NULL, refresh_cb, &refresh);
    g_assert_true (hearth_test_wait_flag (&refresh.done, TIMEOUT_MS));
    g_assert_no_error (refresh.error);
  }

  g_test_message ("%u scheduled snapshots were taken", g_hash_table_size (scheduled));
  /* Hearth's own: the newest two. The named one and the renamed one stay. */
  g_assert_cmpuint (count_origin (tree, HEARTH_SNAPSHOT_ORIGIN_SCHEDULED), ==, 2);
  g_assert_cmpuint (count_origin (tree, HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC), ==, 0);
  g_assert_null (hearth_snapshot_tree_find (tree, automatic_name));
  g_assert_true (hearth_snapshot_tree_find (tree, hearth_snapshot_get_name (named)) == named);
  g_assert_nonnull (hearth_snapshot_tree_find (tree, renamed_name));
  g_assert_cmpint (hearth_snapshot_get_origin (hearth_snapshot_tree_find (tree, renamed_name)),
                   ==, HEARTH_SNAPSHOT_ORIGIN_USER);
  g_assert_cmpuint (count_origin (tree, HEARTH_SNAPSHOT_ORIGIN_USER), ==, 2);

  /* A fresh connection (the next start of Hearth) reads the schedule back. */
  reset (&res);
  hearth_snapshot_scheduler_set_async (scheduler, guest.machine, HEARTH_SNAPSHOT_EVERY_WEEK, 5,
                                       NULL, schedule_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  {
    g_autoptr(HearthConnection) other = hearth_test_open_connection (guest.uri);
    HearthSnapshotScheduler *again = hearth_snapshot_scheduler_get_for_connection (other);
    HearthMachine *machine = hearth_connection_find_machine (other, "schedule 定时");

    g_assert_true (hearth_test_wait (
      (HearthTestCondition) hearth_snapshot_scheduler_get_loaded, again, TIMEOUT_MS));
    g_assert_nonnull (machine);
    g_assert_cmpint (hearth_snapshot_scheduler_get_every (again, machine), ==,
                     HEARTH_SNAPSHOT_EVERY_WEEK);
    g_assert_cmpuint (hearth_snapshot_scheduler_get_keep (again, machine), ==, 5);
    hearth_connection_close (other);
  }
  g_unsetenv ("HEARTH_SNAPSHOT_HOUR_MS");

  g_clear_object (&tree);
  guest_stop (&guest);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("HEARTH_AUDIT_LOG");
  hearth_core_init ();

  g_test_add_func ("/snapshots/internal/revert-branch-delete", test_internal);
  g_test_add_func ("/snapshots/sandbox/power-off", test_sandbox);
  g_test_add_func ("/snapshots/uefi/external-revert-delete", test_uefi);
  g_test_add_func ("/snapshots/schedule/timer-and-retention", test_schedule);

  return g_test_run ();
}
