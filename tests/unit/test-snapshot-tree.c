/* test-snapshot-tree.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Snapshot trees and sandbox mode against libvirt's test driver: the shape of a
 * branching history, rename and notes, deleting a parent, automatic and scheduled
 * snapshots with retention, readable errors, and the sandbox setting and restore.
 */

#include "config.h"

#include <string.h>

#include "hearth-idle-policy.h"
#include "hearth-snapshot-private.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 30000

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
edit_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_snapshot_tree_edit_finish (HEARTH_SNAPSHOT_TREE (source), result,
                                                  &res->error);
  res->done = TRUE;
}

static void
schedule_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->result = hearth_snapshot_tree_run_schedule_finish (HEARTH_SNAPSHOT_TREE (source), result,
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
tree_loaded (gpointer data)
{
  return hearth_snapshot_tree_get_loaded (data) && !hearth_snapshot_tree_get_busy (data);
}

static HearthSnapshotTree *
tree_new_loaded (HearthMachine *machine)
{
  HearthSnapshotTree *tree = hearth_snapshot_tree_new (machine);

  g_assert_true (hearth_test_wait (tree_loaded, tree, TIMEOUT_MS));
  g_assert_null (hearth_snapshot_tree_get_error (tree));
  return tree;
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
  /* The tree shows the snapshot by the time the callback runs. */
  g_assert_true (hearth_snapshot_tree_find (tree, hearth_snapshot_get_name (res.result))
                 == res.result);
  g_object_unref (res.result); /* the tree keeps it */
  return res.result;
}

static HearthSnapshot *
create_auto (HearthSnapshotTree *tree,
             const char         *reason)
{
  AsyncResult res = { 0 };

  hearth_snapshot_tree_create_auto_async (tree, reason, NULL, create_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_object_unref (res.result);
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

static HearthSnapshot *
child_at (HearthSnapshot *parent,
          guint           position)
{
  g_autoptr(HearthSnapshot) child = g_list_model_get_item (hearth_snapshot_get_children (parent),
                                                           position);
  return child;
}

static HearthSnapshot *
item_at (GListModel *model,
         guint       position)
{
  g_autoptr(HearthSnapshot) item = g_list_model_get_item (model, position);
  return item;
}

/* A running machine with no disks, so internal snapshots need no qcow2. */
static HearthMachine *
define_running (HearthConnection *connection,
                const char       *name)
{
  g_autofree char *xml = g_markup_printf_escaped (
    "<domain type='test'><name>%s</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>"
    "<os><type arch='x86_64'>hvm</type></os><devices/></domain>",
    name);
  AsyncResult res = { 0 };
  HearthMachine *machine;

  hearth_connection_define_xml_async (connection, xml, NULL, define_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  machine = res.result;

  reset (&res);
  hearth_machine_run_action_async (machine, HEARTH_MACHINE_ACTION_START, NULL, action_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING,
                                                 TIMEOUT_MS));
  return machine;
}

/* A → back to A → B → back to A → C: A has two children, a fork. */
static void
test_branching (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthMachine) machine = define_running (connection, "branching 分支");
  g_autoptr(HearthSnapshotTree) tree = tree_new_loaded (machine);
  GListModel *roots = hearth_snapshot_tree_get_roots (tree);
  GListModel *all = hearth_snapshot_tree_get_snapshots (tree);
  HearthSnapshot *a, *b, *c;
  g_autofree char *log = NULL;

  g_assert_cmpuint (g_list_model_get_n_items (all), ==, 0);
  g_assert_null (hearth_snapshot_tree_get_current (tree));

  a = create (tree, "Fresh install");
  g_assert_cmpstr (hearth_snapshot_get_title (a), ==, "Fresh install");
  g_assert_cmpint (hearth_snapshot_get_state (a), ==, HEARTH_SNAPSHOT_STATE_RUNNING);
  g_assert_true (hearth_snapshot_get_has_memory (a));
  g_assert_cmpint (hearth_snapshot_get_origin (a), ==, HEARTH_SNAPSHOT_ORIGIN_USER);
  g_assert_true (hearth_snapshot_get_current (a));
  g_assert_true (hearth_snapshot_tree_get_current (tree) == a);

  revert (tree, a);
  b = create (tree, "Tried the beta driver");
  revert (tree, a);
  g_assert_true (hearth_snapshot_get_current (a));
  g_assert_false (hearth_snapshot_get_current (b));
  c = create (tree, "Tried the stable driver");

  /* One root, A, with children B then C, each a leaf. */
  g_assert_cmpuint (g_list_model_get_n_items (roots), ==, 1);
  g_assert_true (item_at (roots, 0) == a);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_get_children (a)), ==, 2);
  g_assert_true (child_at (a, 0) == b);
  g_assert_true (child_at (a, 1) == c);
  g_assert_true (hearth_snapshot_get_parent (b) == a);
  g_assert_true (hearth_snapshot_get_parent (c) == a);
  g_assert_cmpuint (hearth_snapshot_get_depth (a), ==, 0);
  g_assert_cmpuint (hearth_snapshot_get_depth (c), ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_get_children (b)), ==, 0);
  g_assert_true (hearth_snapshot_tree_get_current (tree) == c);

  /* The flat list is in time order. */
  g_assert_cmpuint (g_list_model_get_n_items (all), ==, 3);
  g_assert_true (item_at (all, 0) == a);
  g_assert_true (item_at (all, 1) == b);
  g_assert_true (item_at (all, 2) == c);

  /* A second tree reading the same machine sees the same shape. */
  {
    g_autoptr(HearthSnapshotTree) again = tree_new_loaded (machine);
    HearthSnapshot *a2 = hearth_snapshot_tree_find (again, hearth_snapshot_get_name (a));

    g_assert_nonnull (a2);
    g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_get_children (a2)), ==, 2);
    g_assert_cmpstr (hearth_snapshot_get_title (hearth_snapshot_tree_get_current (again)), ==,
                     "Tried the stable driver");
    /* Found by title too, as hearthctl does. */
    g_assert_true (hearth_snapshot_tree_find (again, "Tried the beta driver")
                   == hearth_snapshot_tree_find (again, hearth_snapshot_get_name (b)));
  }

  log = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (log, "\"snapshot-create\""));
  g_assert_nonnull (strstr (log, "\"snapshot-revert\""));
}

/* Rename and notes keep the snapshot's identity; deleting a parent keeps its
 * children, which move up and can still be gone back to. */
static void
test_edit_and_delete (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthMachine) machine = define_running (connection, "edit <&>");
  g_autoptr(HearthSnapshotTree) tree = tree_new_loaded (machine);
  AsyncResult res = { 0 };
  HearthSnapshot *a, *b, *c, *d;
  g_autofree char *name_b = NULL;

  a = create (tree, "A");
  b = create (tree, "B");
  c = create (tree, "C");
  name_b = g_strdup (hearth_snapshot_get_name (b));

  /* Rename with odd characters, and add notes. */
  hearth_snapshot_tree_edit_async (tree, b, "Before <homework> & \"games\" 作业 📚",
                                   "Line one\nLine two", NULL, edit_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (res.result == b);
  g_object_unref (res.result);
  g_assert_cmpstr (hearth_snapshot_get_name (b), ==, name_b);
  g_assert_cmpstr (hearth_snapshot_get_title (b), ==, "Before <homework> & \"games\" 作业 📚");
  g_assert_cmpstr (hearth_snapshot_get_description (b), ==, "Line one\nLine two");
  g_assert_true (hearth_snapshot_get_parent (b) == a);
  /* C was current, and stays current. */
  g_assert_true (hearth_snapshot_tree_get_current (tree) == c);

  /* Delete B alone: C moves up to A. */
  reset (&res);
  hearth_snapshot_tree_delete_async (tree, b, FALSE, NULL, delete_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_null (hearth_snapshot_tree_find (tree, name_b));
  g_assert_true (hearth_snapshot_get_parent (c) == a);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_snapshots (tree)), ==, 2);
  revert (tree, c);

  /* Delete A with its children: nothing left. */
  d = create (tree, "D");
  g_assert_true (hearth_snapshot_get_parent (d) == c);
  reset (&res);
  hearth_snapshot_tree_delete_async (tree, a, TRUE, NULL, delete_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_snapshots (tree)), ==, 0);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_roots (tree)), ==, 0);
  g_assert_null (hearth_snapshot_tree_get_current (tree));
}

/* Automatic snapshots before settings changes and a schedule with retention that
 * never deletes what the user made or named. */
static void
test_auto_and_schedule (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthMachine) machine = define_running (connection, "schedule");
  g_autoptr(HearthSnapshotTree) tree = tree_new_loaded (machine);
  AsyncResult res = { 0 };
  HearthSnapshot *user, *auto1, *auto2, *auto3, *renamed;
  g_autofree char *auto1_name = NULL;
  g_autofree char *auto2_name = NULL;

  user = create (tree, "Mine");
  auto1 = create_auto (tree, "Before changing memory");
  auto2 = create_auto (tree, "Before changing processors");
  renamed = create_auto (tree, "Before adding a disk");
  auto3 = create_auto (tree, "Before changing the network");
  auto1_name = g_strdup (hearth_snapshot_get_name (auto1));
  auto2_name = g_strdup (hearth_snapshot_get_name (auto2));
  g_assert_cmpint (hearth_snapshot_get_origin (auto1), ==, HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC);
  g_assert_cmpstr (hearth_snapshot_get_title (auto1), ==, "Before changing memory");
  g_assert_null (hearth_snapshot_get_description (auto1));

  /* Renaming makes it the user's. */
  hearth_snapshot_tree_edit_async (tree, renamed, "Keep this one", NULL, NULL, edit_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_clear_object (&res.result);
  g_assert_cmpint (hearth_snapshot_get_origin (renamed), ==, HEARTH_SNAPSHOT_ORIGIN_USER);

  /* Notes alone do not change who made it. */
  reset (&res);
  hearth_snapshot_tree_edit_async (tree, auto3, NULL, "just notes", NULL, edit_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_clear_object (&res.result);
  g_assert_cmpint (hearth_snapshot_get_origin (auto3), ==, HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC);
  g_assert_cmpstr (hearth_snapshot_get_title (auto3), ==, "Before changing the network");
  g_assert_cmpstr (hearth_snapshot_get_description (auto3), ==, "just notes");

  /* Daily, keep 2: a scheduled snapshot is due (there is none); of Hearth's own
   * four (auto1, auto2, auto3, the new one) the two oldest go. */
  reset (&res);
  hearth_snapshot_tree_run_schedule_async (tree, G_TIME_SPAN_DAY, 2, NULL, schedule_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_nonnull (res.result);
  g_assert_cmpint (hearth_snapshot_get_origin (res.result), ==, HEARTH_SNAPSHOT_ORIGIN_SCHEDULED);
  g_clear_object (&res.result);

  g_assert_null (hearth_snapshot_tree_find (tree, auto1_name));
  g_assert_null (hearth_snapshot_tree_find (tree, auto2_name));
  g_assert_nonnull (hearth_snapshot_tree_find (tree, hearth_snapshot_get_name (auto3)));
  g_assert_nonnull (hearth_snapshot_tree_find (tree, hearth_snapshot_get_name (user)));
  g_assert_nonnull (hearth_snapshot_tree_find (tree, hearth_snapshot_get_name (renamed)));
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_snapshots (tree)), ==, 4);

  /* Run again within the day: nothing is due, nothing changes. */
  reset (&res);
  hearth_snapshot_tree_run_schedule_async (tree, G_TIME_SPAN_DAY, 2, NULL, schedule_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_null (res.result);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_snapshots (tree)), ==, 4);
}

/* A raw disk cannot hold internal snapshots: the error says so and names it. */
static void
test_raw_disk_error (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  HearthMachine *alpha = hearth_connection_find_machine (connection, "alpha");
  g_autoptr(HearthSnapshotTree) tree = tree_new_loaded (alpha);
  g_autofree char *log = NULL;
  AsyncResult res = { 0 };

  hearth_snapshot_tree_create_async (tree, "nope", NULL, NULL, create_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (res.error->message, "vda"));
  g_assert_nonnull (strstr (res.error->message, "qcow2"));
  g_assert_null (res.result);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_snapshot_tree_get_snapshots (tree)), ==, 0);
  g_clear_error (&res.error);

  /* Failures are audited too. */
  log = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (log, "\"snapshot-create\""));
  g_assert_nonnull (strstr (log, "\"error\""));
}

static void
test_description_format (void)
{
  static const struct
  {
    const char          *title;
    const char          *description;
    HearthSnapshotOrigin origin;
  } cases[] = {
    { "Plain", NULL, HEARTH_SNAPSHOT_ORIGIN_USER },
    { "With notes", "first\n\nsecond", HEARTH_SNAPSHOT_ORIGIN_USER },
    { "Before changing memory", NULL, HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC },
    { "家 🏠", "notes", HEARTH_SNAPSHOT_ORIGIN_SCHEDULED },
    { NULL, NULL, HEARTH_SNAPSHOT_ORIGIN_SCHEDULED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *raw = _hearth_snapshot_compose_description (cases[i].title,
                                                                   cases[i].description,
                                                                   cases[i].origin);
      g_autofree char *title = NULL;
      g_autofree char *description = NULL;
      HearthSnapshotOrigin origin;

      _hearth_snapshot_split_description (raw, &title, &description, &origin);
      g_assert_cmpstr (title, ==, cases[i].title);
      g_assert_cmpstr (description, ==, cases[i].description);
      g_assert_cmpint (origin, ==, cases[i].origin);
    }

  /* A multi-line title is folded into one line. */
  {
    g_autofree char *raw = _hearth_snapshot_compose_description ("two\nlines", NULL,
                                                                 HEARTH_SNAPSHOT_ORIGIN_USER);
    g_assert_cmpstr (raw, ==, "two lines");
  }
}

static void
restored_cb (HearthSandbox *sandbox,
             HearthMachine *machine,
             const GError  *error,
             gpointer       user_data)
{
  AsyncResult *res = user_data;

  res->ok = error == NULL;
  res->result = machine;
  res->done = TRUE;
}

static void
changed_cb (HearthSandbox *sandbox,
            HearthMachine *machine,
            gpointer       user_data)
{
  (*(guint *) user_data)++;
}

static gboolean
sandbox_disabled (gpointer data)
{
  HearthMachine *machine = data;
  HearthSandbox *sandbox = hearth_sandbox_get_for_connection (
    hearth_machine_get_connection (machine));

  return !hearth_sandbox_is_enabled (sandbox, machine);
}

/* The setting is stored in the metadata (another connection reads it), and a
 * machine in sandbox mode that is forced off goes back to its snapshot. */
static void
test_sandbox (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthMachine) machine = define_running (connection, "sandbox 沙盒");
  g_autoptr(HearthSnapshotTree) tree = tree_new_loaded (machine);
  HearthSandbox *sandbox = hearth_sandbox_get_for_connection (connection);
  AsyncResult res = { 0 };
  HearthSnapshot *clean;
  guint changes = 0;
  g_autofree char *log = NULL;

  g_assert_true (hearth_sandbox_get_for_connection (connection) == sandbox);
  g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_sandbox_get_loaded, sandbox,
                                   TIMEOUT_MS));
  g_assert_false (hearth_sandbox_is_enabled (sandbox, machine));
  g_signal_connect (sandbox, "changed", G_CALLBACK (changed_cb), &changes);

  clean = create (tree, "Clean");
  hearth_sandbox_set_async (sandbox, machine, hearth_snapshot_get_name (clean), NULL,
                            sandbox_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (hearth_sandbox_is_enabled (sandbox, machine));
  g_assert_cmpstr (hearth_sandbox_get_snapshot_name (sandbox, machine), ==,
                   hearth_snapshot_get_name (clean));
  g_assert_cmpuint (changes, >=, 1);

  /* Another connection to the same driver reads it from the metadata. */
  {
    g_autoptr(HearthConnection) other = hearth_test_open_connection ("test:///default");
    HearthSandbox *other_sandbox = hearth_sandbox_get_for_connection (other);
    HearthMachine *other_machine = hearth_connection_find_machine (other, "sandbox 沙盒");

    g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_sandbox_get_loaded,
                                     other_sandbox, TIMEOUT_MS));
    g_assert_nonnull (other_machine);
    g_assert_cmpstr (hearth_sandbox_get_snapshot_name (other_sandbox, other_machine), ==,
                     hearth_snapshot_get_name (clean));
    hearth_connection_close (other);
  }

  /* A change after the snapshot, then power off: the machine goes back to the
   * clean snapshot, saved, so the next start resumes from it. */
  {
    g_autoptr(HearthSnapshot) later = g_object_ref (create (tree, "Later"));

    g_assert_true (hearth_snapshot_tree_get_current (tree) == later);
  }
  reset (&res);
  g_signal_connect (sandbox, "restored", G_CALLBACK (restored_cb), &res);
  {
    AsyncResult action = { 0 };

    hearth_machine_run_action_async (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, NULL, action_cb,
                                     &action);
    g_assert_true (hearth_test_wait_flag (&action.done, TIMEOUT_MS));
    g_assert_no_error (action.error);
  }
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_true (res.ok);
  g_assert_true (res.result == machine);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SAVED, TIMEOUT_MS));
  g_assert_true (hearth_test_wait (tree_loaded, tree, TIMEOUT_MS));
  g_assert_true (hearth_snapshot_tree_get_current (tree) == clean);
  /* Going back restored the old definition; the setting survived it. */
  hearth_test_iterate_for (200);
  g_assert_true (hearth_sandbox_is_enabled (sandbox, machine));

  /* Leaving sandbox mode. */
  g_signal_handlers_disconnect_by_func (sandbox, restored_cb, &res);
  reset (&res);
  hearth_sandbox_set_async (sandbox, machine, NULL, NULL, sandbox_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_false (hearth_sandbox_is_enabled (sandbox, machine));

  /* Deleting the clean state takes the machine out of sandbox mode. */
  reset (&res);
  hearth_sandbox_set_async (sandbox, machine, hearth_snapshot_get_name (clean), NULL,
                            sandbox_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (hearth_sandbox_is_enabled (sandbox, machine));
  reset (&res);
  hearth_snapshot_tree_delete_async (tree, clean, FALSE, NULL, delete_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (hearth_test_wait (sandbox_disabled, machine, TIMEOUT_MS));

  log = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (log, "\"sandbox-enable\""));
  g_assert_nonnull (strstr (log, "\"sandbox-restore\""));
  g_assert_nonnull (strstr (log, "\"sandbox-disable\""));
  g_signal_handlers_disconnect_by_func (sandbox, changed_cb, &changes);
}

static void
idle_set_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_idle_policy_set_machine_enabled_finish (HEARTH_IDLE_POLICY (source), result,
                                                          &res->error);
  res->done = TRUE;
}

typedef struct
{
  const char *uuid;
  const char *element;
  const char *attribute;
  guint       rounds;
  GError     *error;
} Writer;

/* Writes its own element over and over, from its own connection and thread. */
static gpointer
writer_thread (gpointer data)
{
  Writer *writer = data;
  g_autoptr(HearthVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr(HearthVirDomain) domain = virDomainLookupByUUIDString (conn, writer->uuid);

  for (guint i = 0; i < writer->rounds && writer->error == NULL; i++)
    {
      g_autofree char *value = g_strdup_printf ("%u", i);
      const char *attributes[] = { writer->attribute, value, NULL };

      _hearth_metadata_set_element (domain, writer->element, attributes, &writer->error);
    }
  return NULL;
}

static char *
read_attribute (const char *uuid,
                const char *element,
                const char *attribute)
{
  g_autoptr(HearthVirConnect) conn = virConnectOpen ("test:///default");
  g_autoptr(HearthVirDomain) domain = virDomainLookupByUUIDString (conn, uuid);

  return _hearth_metadata_dup_attribute (domain, element, attribute);
}

/* Sandbox mode and the idle policy keep their settings in the same metadata
 * element, each by a read, change and write. Started at the same moment, both
 * changes must survive, every time. */
static void
test_metadata_concurrent (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthMachine) machine = define_running (connection, "metadata 元数据");
  g_autoptr(HearthSnapshotTree) tree = tree_new_loaded (machine);
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(HearthIdlePolicy) policy = hearth_idle_policy_new (sampler);
  HearthSandbox *sandbox = hearth_sandbox_get_for_connection (connection);
  const char *uuid = hearth_machine_get_uuid (machine);
  HearthSnapshot *clean = create (tree, "Clean");

  g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_sandbox_get_loaded, sandbox,
                                   TIMEOUT_MS));
  g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_idle_policy_get_ready, policy,
                                   TIMEOUT_MS));

  /* Through the public API, as the timeline and the dashboard do. */
  for (guint round = 0; round < 40; round++)
    {
      gboolean on = round % 2 == 0;
      const char *expected = on ? hearth_snapshot_get_name (clean) : NULL;
      AsyncResult sandbox_res = { 0 };
      AsyncResult idle_res = { 0 };
      g_autofree char *stored = NULL;
      g_autofree char *idle = NULL;

      hearth_sandbox_set_async (sandbox, machine, expected, NULL, sandbox_set_cb, &sandbox_res);
      hearth_idle_policy_set_machine_enabled_async (policy, machine, !on, NULL, idle_set_cb,
                                                    &idle_res);
      g_assert_true (hearth_test_wait_flag (&sandbox_res.done, TIMEOUT_MS));
      g_assert_true (hearth_test_wait_flag (&idle_res.done, TIMEOUT_MS));
      g_assert_no_error (sandbox_res.error);
      g_assert_no_error (idle_res.error);

      stored = read_attribute (uuid, "sandbox", "snapshot");
      idle = read_attribute (uuid, "idle-suspend", "enabled");
      g_assert_cmpstr (stored, ==, expected);
      g_assert_cmpstr (idle, ==, on ? NULL : "yes");
      g_assert_cmpint (hearth_sandbox_is_enabled (sandbox, machine), ==, on);
      g_assert_cmpint (hearth_idle_policy_get_machine_enabled (policy, machine), ==, !on);
    }

  /* Two writers hammering their own elements from two threads: the last value
   * of each is there at the end. */
  {
    Writer first = { uuid, "test-first", "n", 150, NULL };
    Writer second = { uuid, "test-second", "n", 150, NULL };
    GThread *a = g_thread_new ("writer-a", writer_thread, &first);
    GThread *b = g_thread_new ("writer-b", writer_thread, &second);
    g_autofree char *last_first = NULL;
    g_autofree char *last_second = NULL;
    g_autofree char *idle = NULL;

    g_thread_join (a);
    g_thread_join (b);
    g_assert_no_error (first.error);
    g_assert_no_error (second.error);
    last_first = read_attribute (uuid, "test-first", "n");
    last_second = read_attribute (uuid, "test-second", "n");
    g_assert_cmpstr (last_first, ==, "149");
    g_assert_cmpstr (last_second, ==, "149");
    /* And the idle setting from the last round is untouched. */
    idle = read_attribute (uuid, "idle-suspend", "enabled");
    g_assert_cmpstr (idle, ==, "yes");
  }
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

static guint
count_scheduled_failures (const char *machine)
{
  g_autofree char *log = hearth_test_dup_audit_log ();
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);
  g_autofree char *quoted = g_strdup_printf ("\"%s\"", machine);
  guint count = 0;

  for (guint i = 0; lines[i]; i++)
    count += strstr (lines[i], "\"snapshot-create-auto\"") && strstr (lines[i], quoted)
             && strstr (lines[i], "\"error\"");
  return count;
}

/* A schedule that cannot work (a raw disk) fails once, is audited, and is not
 * tried at every check after that; changing the schedule tries again at once. */
static void
test_schedule_failure_backs_off (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) connection = NULL;
  HearthSnapshotScheduler *scheduler;
  HearthMachine *alpha;
  AsyncResult res = { 0 };

  /* An "hour" of 4 s: a check every second. */
  g_setenv ("HEARTH_SNAPSHOT_HOUR_MS", "4000", TRUE);
  connection = hearth_test_open_connection (uri);
  alpha = hearth_connection_find_machine (connection, "alpha");
  g_assert_nonnull (alpha);
  if (!hearth_machine_is_active (alpha))
    {
      hearth_machine_run_action_async (alpha, HEARTH_MACHINE_ACTION_START, NULL, action_cb, &res);
      g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
      g_assert_no_error (res.error);
      reset (&res);
    }

  scheduler = hearth_snapshot_scheduler_get_for_connection (connection);
  g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_snapshot_scheduler_get_loaded,
                                   scheduler, TIMEOUT_MS));
  hearth_snapshot_scheduler_set_async (scheduler, alpha, HEARTH_SNAPSHOT_EVERY_HOUR, 3, NULL,
                                       schedule_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);

  /* The first try fails; three more checks pass without trying again. */
  hearth_test_iterate_for (3500);
  g_assert_cmpuint (count_scheduled_failures ("alpha"), ==, 1);

  /* A new schedule is tried at once. */
  reset (&res);
  hearth_snapshot_scheduler_set_async (scheduler, alpha, HEARTH_SNAPSHOT_EVERY_DAY, 3, NULL,
                                       schedule_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  hearth_test_iterate_for (1500);
  g_assert_cmpuint (count_scheduled_failures ("alpha"), ==, 2);

  reset (&res);
  hearth_snapshot_scheduler_set_async (scheduler, alpha, HEARTH_SNAPSHOT_EVERY_NEVER, 3, NULL,
                                       schedule_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_unsetenv ("HEARTH_SNAPSHOT_HOUR_MS");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("HEARTH_AUDIT_LOG");
  hearth_core_init ();

  g_test_add_func ("/core/snapshot/description-format", test_description_format);
  g_test_add_func ("/core/snapshot-tree/branching", test_branching);
  g_test_add_func ("/core/snapshot-tree/edit-and-delete", test_edit_and_delete);
  g_test_add_func ("/core/snapshot-tree/auto-and-schedule", test_auto_and_schedule);
  g_test_add_func ("/core/snapshot-tree/raw-disk-error", test_raw_disk_error);
  g_test_add_func ("/core/sandbox/set-and-restore", test_sandbox);
  g_test_add_func ("/core/metadata/concurrent-writes", test_metadata_concurrent);
  g_test_add_func ("/core/snapshot-scheduler/failure-backs-off", test_schedule_failure_backs_off);

  return g_test_run ();
}
