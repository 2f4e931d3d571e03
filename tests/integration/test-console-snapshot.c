/* test-console-snapshot.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console page's one-click snapshot, its toast and sandbox strip, and the
 * fullscreen header bar, on real QEMU: the tiny test guest with its qcow2 disk
 * through qemu:///embed, seen through the core as the application sees it.
 * The test clicks the page's real button and edits the toast's real name
 * field; it reads libvirt directly only to check what the page did.
 *
 * HEARTH_TEST_TAG (en, zh_CN, dark) names the screenshots saved under
 * $HEARTH_TEST_ARTIFACTS/console/; with zh_CN the page runs in Chinese (see
 * hearth-test-console.c).
 */
#define G_LOG_DOMAIN "hearth-test-console-snapshot"

#include "config.h"

#include <X11/extensions/XTest.h>
#include <adwaita.h>
#include <fcntl.h>
#include <gdk/x11/gdkx.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libxml/parser.h>
#include <linux/input-event-codes.h>
#include <string.h>
#include <unistd.h>

#include "hearth-console-page.h"
#include "hearth-machine-row.h"
#include "hearth-machine-tile.h"
#include "hearth-sandbox-badge.h"
#include "hearth-test-console.h"
#include "hearth-test-guest.h"
#include "hearth-test-utils.h"
#include "hearth-ui-utils.h"

#define TIMEOUT_MS 120000
#define RENAMED_TITLE "Before the update <更新前> & 'after'"

static struct
{
  gboolean chinese;
  char *root;
  char *uri;
  char *serial;
  virConnectPtr conn; /* the test's own look at libvirt */
  HearthConnection *connection;
  HearthMachine *machine;
  HearthMachine *raw_machine; /* shut off, with a raw disk: no snapshots */
  GtkWidget *window;
  HearthConsolePage *page;
  char *first_title;
} fx;

typedef struct
{
  gboolean done;
  gpointer result;
  gboolean ok;
  GError *error;
} AsyncResult;

/* Widgets ------------------------------------------------------------------- */

static gboolean
is_type_cb (GtkWidget *widget,
            gpointer   data)
{
  return G_TYPE_CHECK_INSTANCE_TYPE (widget, GPOINTER_TO_SIZE (data));
}

static gboolean
has_action_cb (GtkWidget *widget,
               gpointer   data)
{
  return GTK_IS_ACTIONABLE (widget)
         && g_strcmp0 (gtk_actionable_get_action_name (GTK_ACTIONABLE (widget)), data) == 0;
}

static gboolean
other_name_field_cb (GtkWidget *widget,
                     gpointer   data)
{
  return GTK_IS_EDITABLE_LABEL (widget) && gtk_widget_get_mapped (widget)
         && g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (widget)), data) != 0;
}

static gboolean
other_name_field_shown_cb (gpointer data)
{
  return hearth_test_find_widget (fx.window, other_name_field_cb, data) != NULL;
}

static gboolean
label_is_cb (GtkWidget *widget,
             gpointer   data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_get_mapped (widget)
         && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

static GtkWidget *
find_mapped_type (GType type)
{
  GtkWidget *widget = hearth_test_find_widget (fx.window, is_type_cb, GSIZE_TO_POINTER (type));

  return widget != NULL && gtk_widget_get_mapped (widget) ? widget : NULL;
}

/* The toast's name field, once a snapshot toast shows. */
static GtkWidget *
find_name_field (void)
{
  return find_mapped_type (GTK_TYPE_EDITABLE_LABEL);
}

static gboolean
name_field_shown_cb (gpointer data)
{
  return find_name_field () != NULL;
}

/* While the snapshot is taken (libvirt pauses the machine meanwhile), the
 * screen stays: no "Paused" page with a Resume button. */
static gboolean
name_field_shown_screen_kept_cb (gpointer data)
{
  GtkWidget *display = GTK_WIDGET (hearth_console_page_get_display (fx.page));
  GtkStack *stack = GTK_STACK (gtk_widget_get_ancestor (display, GTK_TYPE_STACK));

  g_assert_cmpstr (gtk_stack_get_visible_child_name (stack), ==, "display");
  return name_field_shown_cb (data);
}

static gboolean
label_shown_cb (gpointer data)
{
  return hearth_test_find_widget (fx.window, label_is_cb, data) != NULL;
}

static GtkWidget *
snapshot_button (void)
{
  GtkWidget *button = hearth_test_find_widget (fx.window, has_action_cb,
                                               (gpointer) "console.take-snapshot");

  g_assert_nonnull (button);
  return button;
}

static gboolean
snapshot_button_ready_cb (gpointer data)
{
  return gtk_widget_is_sensitive (snapshot_button ());
}

/* A click as the button's gesture makes it (gtk_widget_activate() waits). */
static void
click (GtkWidget *button)
{
  g_assert_true (GTK_IS_BUTTON (button));
  g_signal_emit_by_name (button, "clicked");
}

/* Screenshots --------------------------------------------------------------- */

static void
save_window_screenshot (GtkWidget  *window,
                        const char *name)
{
  hearth_test_console_save_screenshot (window, NULL, name);
}

static void
save_screenshot (const char *name)
{
  save_window_screenshot (fx.window, name);
}

/* libvirt, as the test sees it ------------------------------------------------ */

static virDomainPtr
lookup_domain (HearthMachine *machine)
{
  virDomainPtr domain = virDomainLookupByUUIDString (fx.conn, hearth_machine_get_uuid (machine));

  g_assert_nonnull (domain);
  return domain;
}

static int
count_snapshots (HearthMachine *machine)
{
  virDomainPtr domain = lookup_domain (machine);
  int n = virDomainSnapshotNum (domain, 0);

  virDomainFree (domain);
  return n;
}

/* The first line of the only snapshot's description: its title. */
static char *
dup_only_snapshot_title (char **out_xml)
{
  virDomainPtr domain = lookup_domain (fx.machine);
  virDomainSnapshotPtr *snapshots = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *description = NULL;
  xmlDocPtr doc;
  int n;

  n = virDomainListAllSnapshots (domain, &snapshots, 0);
  g_assert_cmpint (n, ==, 1);
  xml = virDomainSnapshotGetXMLDesc (snapshots[0], 0);
  virDomainSnapshotFree (snapshots[0]);
  free (snapshots);
  virDomainFree (domain);
  g_assert_nonnull (xml);

  doc = xmlReadMemory (xml, strlen (xml), "snapshot.xml", NULL, XML_PARSE_NONET);
  g_assert_nonnull (doc);
  for (xmlNodePtr node = xmlDocGetRootElement (doc)->children; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && strcmp ((const char *) node->name, "description") == 0)
      {
        xmlChar *text = xmlNodeGetContent (node);

        description = g_strdup ((const char *) text);
        xmlFree (text);
      }
  xmlFreeDoc (doc);
  g_assert_nonnull (description);

  if (out_xml != NULL)
    *out_xml = g_steal_pointer (&xml);
  return g_strndup (description, strcspn (description, "\n"));
}

static gboolean
title_is_cb (gpointer data)
{
  g_autofree char *title = dup_only_snapshot_title (NULL);

  return g_strcmp0 (title, data) == 0;
}

/* Set-up ---------------------------------------------------------------------- */

static void
action_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_machine_run_action_finish (HEARTH_MACHINE (source), result, &res->error);
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

/* A shut-off machine with a raw disk image, which cannot hold internal snapshots. */
static HearthMachine *
define_raw_machine (void)
{
  g_autofree char *disk = g_build_filename (fx.root, "raw-disk.img", NULL);
  g_autofree char *xml = NULL;
  int fd;

  fd = g_open (disk, O_CREAT | O_WRONLY, 0644);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (ftruncate (fd, 16 * 1024 * 1024), ==, 0);
  close (fd);

  xml = g_markup_printf_escaped (
    "<domain type='qemu'><name>raw disk 原始</name><memory unit='MiB'>128</memory>"
    "<vcpu>1</vcpu><os><type arch='x86_64' machine='pc'>hvm</type></os>"
    "<devices><disk type='file' device='disk'><driver name='qemu' type='raw'/>"
    "<source file='%s'/><target dev='vda' bus='virtio'/></disk></devices></domain>",
    disk);
  return hearth_test_define_machine (fx.connection, xml, TIMEOUT_MS);
}

static void
set_up (void)
{
  g_autoptr(GtkCssProvider) provider = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  goffset offset;

  fx.root = hearth_test_embed_root_new ();
  fx.uri = hearth_test_embed_uri (fx.root);
  fx.serial = g_build_filename (fx.root, "serial.log", NULL);
  fx.connection = hearth_test_open_connection (fx.uri);
  fx.conn = virConnectOpen (fx.uri);
  g_assert_nonnull (fx.conn);

  xml = hearth_test_guest_xml ("console snapshot 控制台", fx.serial, HEARTH_TEST_GUEST_DISK);
  fx.machine = hearth_test_define_machine (fx.connection, xml, TIMEOUT_MS);
  fx.raw_machine = define_raw_machine ();

  offset = hearth_test_serial_get_end (fx.serial);
  hearth_test_run_action (fx.machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_serial_wait_for_from (fx.serial, offset, HEARTH_TEST_GUEST_READY,
                                                   TIMEOUT_MS, NULL, &error));
  g_assert_no_error (error);

  /* The application's style sheet (AdwApplication loads it by itself). */
  provider = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (provider, "/org/hearthvm/Hearth/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (provider),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);

  fx.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fx.window), 960, 640);
  fx.page = HEARTH_CONSOLE_PAGE (hearth_console_page_new ());
  gtk_window_set_child (GTK_WINDOW (fx.window), GTK_WIDGET (fx.page));
  gtk_window_present (GTK_WINDOW (fx.window));
}

static gboolean
display_shown_cb (gpointer data)
{
  HearthDisplay *display = hearth_console_page_get_display (fx.page);

  return gtk_widget_get_mapped (GTK_WIDGET (display)) && hearth_display_get_connected (display);
}

/* Tests ----------------------------------------------------------------------- */

/* A machine that cannot have snapshots: a clear, translated toast, a dialog
 * that says why, and nothing made. */
static void
test_snapshot_refused (void)
{
  const char *heading = _("This Machine Cannot Have Snapshots as It Is Set Up Now");
  GtkWidget *details;
  GList *before, *after;

  hearth_console_page_set_machine (fx.page, fx.raw_machine);
  g_assert_true (hearth_test_wait (snapshot_button_ready_cb, NULL, TIMEOUT_MS));

  click (snapshot_button ());
  g_assert_true (hearth_test_wait (label_shown_cb, (gpointer) heading, TIMEOUT_MS));
  g_assert_true (hearth_test_wait (snapshot_button_ready_cb, NULL, TIMEOUT_MS));
  g_assert_cmpint (count_snapshots (fx.raw_machine), ==, 0);
  save_screenshot ("refused");

  /* Details: a dialog with the explanation. */
  before = gtk_window_list_toplevels ();
  details = hearth_test_find_widget (fx.window, label_is_cb, (gpointer) _("_Details"));
  g_assert_nonnull (details);
  details = gtk_widget_get_ancestor (details, GTK_TYPE_BUTTON);
  g_assert_nonnull (details);
  click (details);
  hearth_test_iterate_for (200);
  after = gtk_window_list_toplevels ();
  g_assert_cmpuint (g_list_length (after), ==, g_list_length (before) + 1);
  for (GList *l = after; l != NULL; l = l->next)
    if (ADW_IS_MESSAGE_DIALOG (l->data))
      {
        AdwMessageDialog *dialog = l->data;

        g_assert_cmpstr (adw_message_dialog_get_heading (dialog), ==, heading);
        g_assert_nonnull (strstr (adw_message_dialog_get_body (dialog), "QCOW2"));
        gtk_window_destroy (GTK_WINDOW (dialog));
      }
  g_list_free (before);
  g_list_free (after);
}

/* One click: the button shows progress and is insensitive, then a toast shows
 * the automatic name, and libvirt has a snapshot with memory under that name. */
static void
test_snapshot_take (void)
{
  g_autoptr(HearthSnapshotTree) tree = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();
  g_autofree char *xml = NULL;
  g_autofree char *title = NULL;
  g_autofree char *expected_start = NULL;
  HearthSnapshot *snapshot;
  GtkWidget *button, *field;

  hearth_console_page_set_machine (fx.page, fx.machine);
  g_assert_true (hearth_test_wait (display_shown_cb, NULL, TIMEOUT_MS));
  g_assert_true (hearth_test_wait (snapshot_button_ready_cb, NULL, TIMEOUT_MS));
  g_assert_cmpint (count_snapshots (fx.machine), ==, 0);

  button = snapshot_button ();
  click (button);
  g_assert_false (gtk_widget_is_sensitive (button));
  g_assert_true (gtk_widget_get_mapped (hearth_test_find_widget (button, is_type_cb,
                                                     GSIZE_TO_POINTER (GTK_TYPE_SPINNER))));
  /* A second click while it works does nothing. */
  click (button);
  save_screenshot ("busy");

  g_assert_true (hearth_test_wait (name_field_shown_screen_kept_cb, NULL, TIMEOUT_MS));
  g_assert_true (gtk_widget_is_sensitive (button));
  field = find_name_field ();
  fx.first_title = g_strdup (gtk_editable_get_text (GTK_EDITABLE (field)));

  /* "Snapshot of 26 Nov, 10:42" (the minute may have turned meanwhile). */
  expected_start = g_date_time_format (now, _("Snapshot of %-d %b, %H:%M"));
  g_assert_cmpuint (strlen (fx.first_title), ==, strlen (expected_start));
  if (fx.chinese)
    g_assert_nonnull (strstr (fx.first_title, "快照"));
  else
    g_assert_true (g_str_has_prefix (fx.first_title, "Snapshot of "));

  g_assert_cmpint (count_snapshots (fx.machine), ==, 1);
  title = dup_only_snapshot_title (&xml);
  g_assert_cmpstr (title, ==, fx.first_title);
  g_assert_nonnull (strstr (xml, "<state>running</state>"));
  g_assert_nonnull (strstr (xml, "<memory snapshot='internal'"));

  /* The thumbnail, as the timeline shows it. */
  tree = hearth_snapshot_tree_new (fx.machine);
  g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_snapshot_tree_get_loaded, tree,
                                   TIMEOUT_MS));
  snapshot = hearth_snapshot_tree_find (tree, fx.first_title);
  g_assert_nonnull (snapshot);
  g_assert_nonnull (hearth_snapshot_get_thumbnail_path (snapshot));
  g_assert_true (g_file_test (hearth_snapshot_get_thumbnail_path (snapshot), G_FILE_TEST_EXISTS));

  save_screenshot ("toast");
}

/* Renaming in the toast: an empty name is refused with a message and changes
 * nothing; a new name reaches libvirt. */
static void
test_snapshot_rename (void)
{
  const char *new_title = RENAMED_TITLE;
  g_autofree char *refusal = NULL;
  GtkWidget *field = find_name_field ();
  GtkWidget *pencil;

  g_assert_nonnull (field);

  gtk_editable_label_start_editing (GTK_EDITABLE_LABEL (field));
  gtk_editable_set_text (GTK_EDITABLE (field), "   ");
  gtk_editable_label_stop_editing (GTK_EDITABLE_LABEL (field), TRUE);
  refusal = g_strdup_printf (_("A snapshot needs a name; it is still called “%s”"),
                             fx.first_title);
  g_assert_true (hearth_test_wait (label_shown_cb, refusal, TIMEOUT_MS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field)), ==, fx.first_title);
  g_assert_true (title_is_cb (fx.first_title));
  save_screenshot ("refusal");

  /* The refusal went first; the name field comes back. */
  g_assert_true (hearth_test_wait (name_field_shown_cb, NULL, TIMEOUT_MS));
  field = find_name_field ();
  /* The pencil next to the name starts editing it. */
  pencil = gtk_widget_get_next_sibling (field);
  g_assert_true (GTK_IS_BUTTON (pencil));
  g_assert_cmpstr (gtk_widget_get_tooltip_text (pencil), ==, _("Rename Snapshot"));
  click (pencil);
  g_assert_true (gtk_editable_label_get_editing (GTK_EDITABLE_LABEL (field)));
  gtk_editable_set_text (GTK_EDITABLE (field), new_title);
  save_screenshot ("editing");
  gtk_editable_label_stop_editing (GTK_EDITABLE_LABEL (field), TRUE);
  g_assert_true (hearth_test_wait (title_is_cb, (gpointer) new_title, TIMEOUT_MS));
  g_assert_cmpint (count_snapshots (fx.machine), ==, 1);
  g_assert_true (hearth_test_wait ((HearthTestCondition) gtk_widget_is_sensitive, field,
                                   TIMEOUT_MS));
  g_assert_cmpstr (gtk_editable_get_text (GTK_EDITABLE (field)), ==, new_title);
  save_screenshot ("renamed");
}

static gboolean
badge_active_cb (gpointer data)
{
  return hearth_sandbox_badge_get_active (data) == GPOINTER_TO_INT (g_object_get_data (data,
                                                                                       "want"));
}

static void
set_sandbox (const char *snapshot_name)
{
  HearthSandbox *sandbox = hearth_sandbox_get_for_connection (fx.connection);
  AsyncResult res = { 0 };

  hearth_sandbox_set_async (sandbox, fx.machine, snapshot_name, NULL, sandbox_set_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
}

/* Sandbox mode shows on the console page, the list row and the grid tile, and
 * goes when sandbox mode ends. */
static void
test_sandbox_badges (void)
{
  g_autoptr(HearthSnapshotTree) tree = hearth_snapshot_tree_new (fx.machine);
  GtkWidget *strip, *row, *tile, *box, *row_badge, *tile_badge, *list_window;
  GtkWidget *badges[3];
  HearthSnapshot *snapshot;

  g_assert_true (hearth_test_wait ((HearthTestCondition) hearth_snapshot_tree_get_loaded, tree,
                                   TIMEOUT_MS));
  snapshot = g_list_model_get_item (hearth_snapshot_tree_get_snapshots (tree), 0);
  g_assert_nonnull (snapshot);
  g_object_unref (snapshot); /* the tree keeps it */

  /* A row and a tile of the same machine, as the main window shows them. */
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  row = hearth_machine_row_new ();
  tile = hearth_machine_tile_new ();
  hearth_machine_row_set_machine (HEARTH_MACHINE_ROW (row), fx.machine);
  hearth_machine_tile_set_machine (HEARTH_MACHINE_TILE (tile), fx.machine);
  gtk_box_append (GTK_BOX (box), row);
  gtk_box_append (GTK_BOX (box), tile);
  gtk_widget_set_margin_start (row, 12);
  gtk_widget_set_margin_end (row, 12);
  gtk_widget_set_margin_top (tile, 12);
  list_window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (list_window), 640, -1);
  gtk_window_set_child (GTK_WINDOW (list_window), box);
  gtk_window_present (GTK_WINDOW (list_window));

  strip = hearth_test_find_widget (GTK_WIDGET (fx.page), is_type_cb,
                       GSIZE_TO_POINTER (HEARTH_TYPE_SANDBOX_BADGE));
  row_badge = hearth_test_find_widget (row, is_type_cb,
                                       GSIZE_TO_POINTER (HEARTH_TYPE_SANDBOX_BADGE));
  tile_badge = hearth_test_find_widget (tile, is_type_cb,
                                        GSIZE_TO_POINTER (HEARTH_TYPE_SANDBOX_BADGE));
  badges[0] = strip, badges[1] = row_badge, badges[2] = tile_badge;
  for (guint i = 0; i < G_N_ELEMENTS (badges); i++)
    {
      g_assert_nonnull (badges[i]);
      g_assert_false (hearth_sandbox_badge_get_active (HEARTH_SANDBOX_BADGE (badges[i])));
      g_assert_false (gtk_widget_get_visible (badges[i]));
    }

  set_sandbox (hearth_snapshot_get_name (snapshot));
  for (guint i = 0; i < G_N_ELEMENTS (badges); i++)
    {
      g_object_set_data (G_OBJECT (badges[i]), "want", GINT_TO_POINTER (TRUE));
      g_assert_true (hearth_test_wait (badge_active_cb, badges[i], TIMEOUT_MS));
      g_assert_true (gtk_widget_get_visible (badges[i]));
    }
  g_assert_true (gtk_widget_get_mapped (strip));
  g_assert_cmpstr (hearth_sandbox_badge_get_label (HEARTH_SANDBOX_BADGE (strip)), ==,
                   _("Sandbox mode: changes are discarded when this machine turns off"));
  g_assert_cmpstr (hearth_sandbox_badge_get_label (HEARTH_SANDBOX_BADGE (row_badge)), ==,
                   _("Sandbox"));
  save_screenshot ("sandbox");
  save_window_screenshot (list_window, "sandbox-row-tile");

  set_sandbox (NULL);
  for (guint i = 0; i < G_N_ELEMENTS (badges); i++)
    {
      g_object_set_data (G_OBJECT (badges[i]), "want", GINT_TO_POINTER (FALSE));
      g_assert_true (hearth_test_wait (badge_active_cb, badges[i], TIMEOUT_MS));
      g_assert_false (gtk_widget_get_visible (badges[i]));
    }

  /* A recycled row follows its new machine. */
  hearth_machine_row_set_machine (HEARTH_MACHINE_ROW (row), NULL);
  g_assert_null (hearth_sandbox_badge_get_machine (HEARTH_SANDBOX_BADGE (row_badge)));
  gtk_window_destroy (GTK_WINDOW (list_window));
}

/* Fullscreen ------------------------------------------------------------------ */

static Display *
xdisplay (void)
{
  return gdk_x11_display_get_xdisplay (gtk_widget_get_display (fx.window));
}

/* Moves the X pointer to (@x, @y) of the window, through XTest. */
static void
move_pointer (int x,
              int y)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (fx.window));
  Window child;
  int sx = 0, sy = 0;

  XTranslateCoordinates (xdisplay (), gdk_x11_surface_get_xid (surface),
                         DefaultRootWindow (xdisplay ()), 0, 0, &sx, &sy, &child);
  XTestFakeMotionEvent (xdisplay (), -1, sx + x, sy + y, CurrentTime);
  XSync (xdisplay (), False);
}

static GtkRevealer *
header_revealer (void)
{
  GtkWidget *header = hearth_test_find_widget (fx.window, is_type_cb,
                                               GSIZE_TO_POINTER (ADW_TYPE_HEADER_BAR));

  g_assert_nonnull (header);
  return GTK_REVEALER (gtk_widget_get_ancestor (header, GTK_TYPE_REVEALER));
}

static gboolean
header_revealed_cb (gpointer data)
{
  GtkRevealer *revealer = header_revealer ();

  return revealer != NULL
         && gtk_revealer_get_child_revealed (revealer) == GPOINTER_TO_INT (data)
         && gtk_revealer_get_reveal_child (revealer) == GPOINTER_TO_INT (data);
}

/* Without a window manager (Xvfb), X11 applies fullscreen only to a window that
 * is not shown yet; so the window is hidden around each change. */
static void
set_fullscreen (gboolean fullscreen)
{
  gtk_widget_set_visible (fx.window, FALSE);
  if (fullscreen)
    gtk_window_fullscreen (GTK_WINDOW (fx.window));
  else
    gtk_window_unfullscreen (GTK_WINDOW (fx.window));
  gtk_widget_set_visible (fx.window, TRUE);
  g_assert_true (gtk_window_is_fullscreen (GTK_WINDOW (fx.window)) == fullscreen);
}

/* In fullscreen the header bar sits over the screen, hides, comes back at the
 * top edge and hides again when the pointer leaves it. */
static void
test_fullscreen_header (void)
{
  HearthDisplay *display = hearth_console_page_get_display (fx.page);
  int display_height;

  g_assert_null (header_revealer ());
  display_height = gtk_widget_get_height (GTK_WIDGET (display));

  set_fullscreen (TRUE);
  g_assert_nonnull (header_revealer ());
  g_assert_true (hearth_test_wait (display_shown_cb, NULL, TIMEOUT_MS));
  /* Shown for a moment, then out of the way. */
  g_assert_true (hearth_test_wait (header_revealed_cb, GINT_TO_POINTER (FALSE), TIMEOUT_MS));
  hearth_test_iterate_for (300);
  g_assert_cmpint (gtk_widget_get_height (GTK_WIDGET (display)), >, display_height);

  move_pointer (300, 0);
  g_assert_true (hearth_test_wait (header_revealed_cb, GINT_TO_POINTER (TRUE), TIMEOUT_MS));
  save_screenshot ("fullscreen");
  move_pointer (300, 400);
  g_assert_true (hearth_test_wait (header_revealed_cb, GINT_TO_POINTER (FALSE), TIMEOUT_MS));

  set_fullscreen (FALSE);
  g_assert_null (header_revealer ());
  g_assert_true (gtk_widget_get_mapped (snapshot_button ()));
}

/* The keyboard shortcut ----------------------------------------------------------- */

static gboolean
snapshot_count_is_cb (gpointer data)
{
  return count_snapshots (fx.machine) == GPOINTER_TO_INT (data);
}

static void
press_ctrl_shift_s (void)
{
  Window xid = gdk_x11_surface_get_xid (gtk_native_get_surface (GTK_NATIVE (fx.window)));

  move_pointer (300, 300);
  XSetInputFocus (xdisplay (), xid, RevertToParent, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_LEFTCTRL + 8, True, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_LEFTSHIFT + 8, True, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_S + 8, True, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_S + 8, False, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_LEFTSHIFT + 8, False, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_LEFTCTRL + 8, False, CurrentTime);
  XSync (xdisplay (), False);
}

/* Ctrl+Shift+S belongs to the guest while its screen has the keyboard, and
 * takes a snapshot when the focus is elsewhere on the page. */
static void
test_snapshot_shortcut (void)
{
  g_autoptr(GError) error = NULL;
  GtkWidget *field;
  goffset offset;

  g_assert_true (hearth_test_wait (display_shown_cb, NULL, TIMEOUT_MS));
  g_assert_true (hearth_test_wait (snapshot_button_ready_cb, NULL, TIMEOUT_MS));
  g_assert_cmpint (count_snapshots (fx.machine), ==, 1);

  gtk_widget_grab_focus (GTK_WIDGET (hearth_console_page_get_display (fx.page)));
  offset = hearth_test_serial_get_end (fx.serial);
  press_ctrl_shift_s ();
  /* "HEARTH-INPUT eventN 1 31 1": S (31) pressed, in the guest. */
  g_assert_true (hearth_test_serial_wait_for_from (fx.serial, offset, " 1 31 1", TIMEOUT_MS,
                                                   NULL, &error));
  g_assert_no_error (error);
  hearth_test_iterate_for (1000);
  g_assert_cmpint (count_snapshots (fx.machine), ==, 1);

  gtk_widget_grab_focus (snapshot_button ());
  press_ctrl_shift_s ();
  g_assert_true (hearth_test_wait (snapshot_count_is_cb, GINT_TO_POINTER (2), TIMEOUT_MS));
  g_assert_true (hearth_test_wait (snapshot_button_ready_cb, NULL, TIMEOUT_MS));
  /* The new snapshot's toast, not the renamed one's. */
  g_assert_true (hearth_test_wait (other_name_field_shown_cb, (gpointer) RENAMED_TITLE,
                                   TIMEOUT_MS));
  field = hearth_test_find_widget (fx.window, other_name_field_cb, (gpointer) RENAMED_TITLE);

  /* Another machine on the page: the toast naming this one's snapshot can no
   * longer rename it. */
  hearth_console_page_set_machine (fx.page, fx.raw_machine);
  g_assert_false (gtk_widget_is_sensitive (field));
  hearth_console_page_set_machine (fx.page, fx.machine);
  g_assert_true (hearth_test_wait (display_shown_cb, NULL, TIMEOUT_MS));
}

/* ----------------------------------------------------------------------------- */

/* Saved while idle ------------------------------------------------------------- */

static gboolean
has_label_cb (GtkWidget *widget,
              gpointer   data)
{
  return GTK_IS_LABEL (widget) && g_strcmp0 (gtk_label_get_label (GTK_LABEL (widget)), data) == 0;
}

static gboolean
tile_says_cb (gpointer data)
{
  GtkWidget *tile = data;

  return hearth_test_find_widget (tile, has_label_cb,
                                  g_object_get_data (G_OBJECT (tile), "want")) != NULL;
}

static gboolean
idle_policy_ready_cb (gpointer data)
{
  return hearth_idle_policy_get_ready (data);
}

static void
on_idle_suspended_cb (HearthIdlePolicy *policy,
                      HearthMachine    *machine)
{
  /* As HearthApplication does: the views look at the state again. */
  g_object_notify (G_OBJECT (machine), "state");
}

static void
set_idle_enabled_cb (GObject      *source,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  AsyncResult *res = user_data;

  res->ok = hearth_idle_policy_set_machine_enabled_finish (HEARTH_IDLE_POLICY (source), result,
                                                           &res->error);
  res->done = TRUE;
}

/* A machine the idle policy saved says so on its tile and row until it runs
 * again; one the user saved just says it is saved. */
static void
test_saved_while_idle (void)
{
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (fx.connection);
  g_autoptr(HearthIdlePolicy) policy = NULL;
  GtkWidget *row = hearth_machine_row_new ();
  GtkWidget *tile = hearth_machine_tile_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *window = gtk_window_new ();
  AsyncResult res = { 0 };

  hearth_stats_sampler_set_interval (sampler, 500);
  policy = hearth_idle_policy_new (sampler);
  g_signal_connect (policy, "suspended", G_CALLBACK (on_idle_suspended_cb), NULL);
  hearth_ui_set_idle_policy (policy);
  g_assert_true (hearth_test_wait (idle_policy_ready_cb, policy, TIMEOUT_MS));
  hearth_idle_policy_set_threshold (policy, 20);
  hearth_idle_policy_set_idle_time (policy, 4);

  hearth_machine_row_set_machine (HEARTH_MACHINE_ROW (row), fx.machine);
  hearth_machine_tile_set_machine (HEARTH_MACHINE_TILE (tile), fx.machine);
  gtk_box_append (GTK_BOX (box), row);
  gtk_box_append (GTK_BOX (box), tile);
  gtk_window_set_default_size (GTK_WINDOW (window), 640, -1);
  gtk_window_set_child (GTK_WINDOW (window), box);
  gtk_window_present (GTK_WINDOW (window));

  /* The guest idles at its shell prompt. */
  hearth_idle_policy_set_machine_enabled_async (policy, fx.machine, TRUE, NULL,
                                                set_idle_enabled_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  g_assert_true (hearth_test_wait_machine_state (fx.machine, HEARTH_MACHINE_STATE_SAVED,
                                                 TIMEOUT_MS));
  g_object_set_data (G_OBJECT (tile), "want", (gpointer) C_("machine state", "Saved while idle"));
  g_assert_true (hearth_test_wait (tile_says_cb, tile, TIMEOUT_MS));
  g_object_set_data (G_OBJECT (row), "want", (gpointer) C_("machine state", "Saved while idle"));
  g_assert_true (hearth_test_wait (tile_says_cb, row, TIMEOUT_MS));
  save_window_screenshot (window, "saved-while-idle");

  /* Running again, the tile no longer says so. */
  res = (AsyncResult) { 0 };
  hearth_idle_policy_set_machine_enabled_async (policy, fx.machine, FALSE, NULL,
                                                set_idle_enabled_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, TIMEOUT_MS));
  g_assert_no_error (res.error);
  hearth_test_run_action (fx.machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_object_set_data (G_OBJECT (tile), "want", (gpointer) hearth_ui_state_to_label (
                       HEARTH_MACHINE_STATE_RUNNING));
  g_assert_true (hearth_test_wait (tile_says_cb, tile, TIMEOUT_MS));
  g_assert_false (hearth_idle_policy_was_suspended (policy, fx.machine));

  /* The console page follows: it shows the resumed screen again. */
  g_assert_true (hearth_test_wait (display_shown_cb, NULL, TIMEOUT_MS));

  hearth_ui_set_idle_policy (NULL);
  gtk_window_destroy (GTK_WINDOW (window));
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  hearth_test_console_init (&argc, &argv);
  fx.chinese = hearth_test_console_is_chinese ();
  if (fx.chinese)
    g_assert_cmpstr (_("Take Snapshot"), !=, "Take Snapshot");

  if (!hearth_test_guest_available (&error))
    {
      g_test_skip (error->message);
      return 77;
    }
  set_up ();

  g_test_add_func ("/console/snapshot/refused", test_snapshot_refused);
  g_test_add_func ("/console/snapshot/take", test_snapshot_take);
  g_test_add_func ("/console/snapshot/rename", test_snapshot_rename);
  g_test_add_func ("/console/sandbox/badges", test_sandbox_badges);
  g_test_add_func ("/console/fullscreen/header", test_fullscreen_header);
  g_test_add_func ("/console/snapshot/shortcut", test_snapshot_shortcut);
  g_test_add_func ("/console/idle/saved-while-idle", test_saved_while_idle);

  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (fx.window));
  if (hearth_machine_is_active (fx.machine))
    {
      AsyncResult res = { 0 };

      hearth_machine_run_action_async (fx.machine, HEARTH_MACHINE_ACTION_FORCE_OFF, NULL,
                                       action_cb, &res);
      hearth_test_wait_flag (&res.done, TIMEOUT_MS);
      g_clear_error (&res.error);
    }
  g_clear_object (&fx.machine);
  g_clear_object (&fx.raw_machine);
  hearth_connection_close (fx.connection);
  g_clear_object (&fx.connection);
  virConnectClose (fx.conn);
  hearth_test_embed_root_remove (fx.root);
  return ret;
}
