/* test-console-guest.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The console page's guest tools button on real QEMU: what its popover says
 * without the SPICE agent in the guest, that its switches change the display
 * and the global GSettings keys (and that a key set elsewhere reaches every
 * console), and with the test suite's SPICE agent in the guest, that the
 * popover follows it live and that the clipboard switch stops copies in
 * both directions; with the tiny test guest through
 * qemu:///embed.
 *
 * HEARTH_TEST_TAG (en, zh_CN, dark) names the screenshots saved under
 * $HEARTH_TEST_ARTIFACTS/console/; with zh_CN the page runs in Chinese (see
 * hearth-test-console.c).
 */
#define G_LOG_DOMAIN "hearth-test-console-guest"

#include "config.h"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <string.h>

#include "hearth-console-page.h"
#include "hearth-test-console.h"
#include "hearth-test-guest.h"
#include "hearth-test-utils.h"
#include "hearth-ui-utils.h"

#define TIMEOUT_MS 120000

static struct
{
  char *root;
  char *uri;
  char *serial;
  HearthConnection *connection;
  HearthMachine *machine;
  char *agent_serial;
  HearthMachine *agent_machine; /* runs the test suite's SPICE agent */
  GtkWidget *window;
  HearthConsolePage *page;
  GSettings *settings; /* the test's own look at the preferences */
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
is_tooltip_cb (GtkWidget *widget,
               gpointer   data)
{
  return GTK_IS_MENU_BUTTON (widget)
         && g_strcmp0 (gtk_widget_get_tooltip_text (widget), data) == 0;
}

static gboolean
is_row_cb (GtkWidget *widget,
           gpointer   data)
{
  return ADW_IS_ACTION_ROW (widget)
         && g_strcmp0 (adw_preferences_row_get_title (ADW_PREFERENCES_ROW (widget)), data) == 0;
}

static gboolean
is_switch_cb (GtkWidget *widget,
              gpointer   data)
{
  return GTK_IS_SWITCH (widget);
}

static gboolean
is_heading_cb (GtkWidget *widget,
               gpointer   data)
{
  return GTK_IS_LABEL (widget) && gtk_widget_has_css_class (widget, "heading");
}

static GtkMenuButton *
guest_button (HearthConsolePage *page)
{
  GtkWidget *button = hearth_test_find_widget (GTK_WIDGET (page), is_tooltip_cb,
                                               _("Devices and Sharing"));

  g_assert_nonnull (button);
  return GTK_MENU_BUTTON (button);
}

static GtkWidget *
popover (HearthConsolePage *page)
{
  return GTK_WIDGET (gtk_menu_button_get_popover (guest_button (page)));
}

static AdwActionRow *
row (HearthConsolePage *page,
     const char        *title)
{
  GtkWidget *found = hearth_test_find_widget (popover (page), is_row_cb, (gpointer) title);

  g_assert_nonnull (found);
  return ADW_ACTION_ROW (found);
}

static GtkSwitch *
row_switch (HearthConsolePage *page,
            const char        *title)
{
  GtkWidget *found = hearth_test_find_widget (GTK_WIDGET (row (page, title)), is_switch_cb, NULL);

  g_assert_nonnull (found);
  return GTK_SWITCH (found);
}

static const char *
status_title (HearthConsolePage *page)
{
  GtkWidget *label = hearth_test_find_widget (popover (page), is_heading_cb, NULL);

  g_assert_nonnull (label);
  return gtk_label_get_label (GTK_LABEL (label));
}

/* The description is the label after the heading. */
static const char *
status_description (HearthConsolePage *page)
{
  GtkWidget *label = hearth_test_find_widget (popover (page), is_heading_cb, NULL);

  g_assert_nonnull (label);
  label = gtk_widget_get_next_sibling (label);
  g_assert_true (GTK_IS_LABEL (label));
  return gtk_label_get_label (GTK_LABEL (label));
}

static gboolean
mapped_cb (gpointer data)
{
  return gtk_widget_get_mapped (data);
}

static void
open_popover (void)
{
  GtkWidget *pop = popover (fx.page);

  gtk_menu_button_popup (guest_button (fx.page));
  g_assert_true (hearth_test_wait (mapped_cb, pop, TIMEOUT_MS));
}

static gboolean
switch_off_cb (gpointer data)
{
  return !gtk_switch_get_active (data);
}

static gboolean
switch_on_cb (gpointer data)
{
  return gtk_switch_get_active (data);
}

/* As from the keyboard: the switch has the focus and the user activates it
 * (the switch takes its new state at the end of its animation). */
static void
toggle (GtkSwitch *sw)
{
  gboolean was = gtk_switch_get_active (sw);

  g_assert_true (gtk_widget_grab_focus (GTK_WIDGET (sw)));
  g_assert_true (gtk_widget_activate (GTK_WIDGET (sw)));
  g_assert_true (hearth_test_wait (was ? switch_off_cb : switch_on_cb, sw, 5000));
}

static void
close_popover (void)
{
  GtkWidget *pop = popover (fx.page);

  gtk_menu_button_popdown (guest_button (fx.page));
  hearth_test_iterate_for (300);
  g_assert_false (gtk_widget_get_mapped (pop));
}

static void
save_screenshot (const char *name)
{
  hearth_test_console_save_screenshot (fx.window, popover (fx.page), name);
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

/* Starts @machine and waits until its guest says it is ready. */
static void
start_and_wait (HearthMachine *machine,
                const char    *serial)
{
  g_autoptr(GError) error = NULL;
  goffset offset = hearth_test_serial_get_end (serial);

  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, TIMEOUT_MS);
  g_assert_true (hearth_test_serial_wait_for_from (serial, offset, HEARTH_TEST_GUEST_READY,
                                                   TIMEOUT_MS, NULL, &error));
  g_assert_no_error (error);
}

static void
set_up (void)
{
  g_autoptr(GtkCssProvider) provider = NULL;
  g_autofree char *xml = NULL;

  fx.root = hearth_test_embed_root_new ();
  fx.uri = hearth_test_embed_uri (fx.root);
  fx.serial = g_build_filename (fx.root, "serial.log", NULL);
  fx.connection = hearth_test_open_connection (fx.uri);
  fx.settings = g_settings_new (HEARTH_SETTINGS_SCHEMA);

  xml = hearth_test_guest_xml ("guest tools 工具", fx.serial, HEARTH_TEST_GUEST_NONE);
  fx.machine = hearth_test_define_machine (fx.connection, xml, TIMEOUT_MS);

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
  HearthConsolePage *page = data;
  HearthDisplay *display = hearth_console_page_get_display (page);

  return gtk_widget_get_mapped (GTK_WIDGET (display)) && hearth_display_get_connected (display);
}

/* Tests ----------------------------------------------------------------------- */

/* No machine yet: the popover says so, the switches show the preferences. */
static void
test_guest_not_connected (void)
{
  open_popover ();
  g_assert_cmpstr (status_title (fx.page), ==, _("Not Connected"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (row (fx.page, _("Resize With Window")))));
  g_assert_true (gtk_switch_get_active (row_switch (fx.page, _("Share Clipboard"))));
  g_assert_cmpstr (adw_action_row_get_subtitle (row (fx.page, _("Sound"))), ==,
                   _("Not connected"));
  close_popover ();
}

/* A running guest without the SPICE agent: the popover explains what to
 * install, resizing is off limits and says why, the clipboard can be set. */
static void
test_guest_no_agent (void)
{
  HearthDisplay *display = hearth_console_page_get_display (fx.page);
  AdwActionRow *resize;

  start_and_wait (fx.machine, fx.serial);
  hearth_console_page_set_machine (fx.page, fx.machine);
  g_assert_true (hearth_test_wait (display_shown_cb, fx.page, TIMEOUT_MS));
  /* The agent would have said hello within the connection's first second. */
  hearth_test_iterate_for (1500);
  g_assert_false (hearth_display_get_agent_connected (display));

  open_popover ();
  g_assert_cmpstr (status_title (fx.page), ==, _("Guest Tools Not Found"));
  g_assert_nonnull (strstr (status_description (fx.page), "spice-vdagent"));
  g_assert_nonnull (strstr (status_description (fx.page), "SPICE Guest Tools"));
  resize = row (fx.page, _("Resize With Window"));
  g_assert_false (gtk_widget_get_sensitive (GTK_WIDGET (resize)));
  g_assert_cmpstr (adw_action_row_get_subtitle (resize), ==,
                   _("Needs the guest tools in the machine"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (row (fx.page, _("Share Clipboard")))));
  /* The test guest has no sound card. */
  g_assert_cmpstr (adw_action_row_get_subtitle (row (fx.page, _("Sound"))), ==,
                   _("This machine has no sound card"));
  save_screenshot ("guest-tools-missing");
  close_popover ();
}

/* The switches change the display and the global keys; a key changed
 * elsewhere (another console, dconf) reaches every console at once. */
static void
test_guest_toggles (void)
{
  HearthDisplay *display = hearth_console_page_get_display (fx.page);
  GtkWidget *other = g_object_ref_sink (hearth_console_page_new ());
  HearthDisplay *other_display = hearth_console_page_get_display (HEARTH_CONSOLE_PAGE (other));
  GtkSwitch *clipboard, *resize;

  open_popover ();
  clipboard = row_switch (fx.page, _("Share Clipboard"));
  resize = row_switch (fx.page, _("Resize With Window"));
  g_assert_true (gtk_switch_get_active (clipboard));
  g_assert_true (hearth_display_get_share_clipboard (display));

  toggle (clipboard);
  g_assert_false (hearth_display_get_share_clipboard (display));
  g_assert_false (g_settings_get_boolean (fx.settings, "console-share-clipboard"));
  g_assert_false (hearth_display_get_share_clipboard (other_display));
  save_screenshot ("guest-tools-clipboard-off");

  toggle (clipboard);
  g_assert_true (hearth_display_get_share_clipboard (display));
  g_assert_true (g_settings_get_boolean (fx.settings, "console-share-clipboard"));

  /* Resizing is insensitive without the agent, but the preference holds. */
  g_settings_set_boolean (fx.settings, "console-resize-guest", FALSE);
  hearth_test_iterate_for (100);
  g_assert_false (hearth_display_get_resize_guest (display));
  g_assert_false (hearth_display_get_resize_guest (other_display));
  g_assert_false (gtk_switch_get_active (resize));
  g_settings_set_boolean (fx.settings, "console-resize-guest", TRUE);
  hearth_test_iterate_for (100);
  g_assert_true (hearth_display_get_resize_guest (display));
  g_assert_true (gtk_switch_get_active (resize));
  close_popover ();

  g_object_unref (other);
}

/* The host clipboard's text, read as a paste would. */
typedef struct
{
  gboolean done;
  char *text;
} TextRead;

static void
on_text_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  TextRead *read = user_data;

  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->done = TRUE;
}

static char *
dup_host_text (void)
{
  GdkClipboard *clipboard = gtk_widget_get_clipboard (fx.window);
  TextRead read = { 0 };

  gdk_clipboard_read_text_async (clipboard, NULL, on_text_read_cb, &read);
  g_assert_true (hearth_test_wait_flag (&read.done, TIMEOUT_MS));
  return read.text;
}

static gboolean
host_text_is_cb (gpointer data)
{
  g_autofree char *text = dup_host_text ();

  return g_strcmp0 (text, data) == 0;
}

/* The guest copies @text (the test agent's grab-text command). */
static void
guest_copies (const char *text)
{
  g_autofree char *command = g_strdup_printf ("echo 'grab-text %s' > %s", text,
                                              HEARTH_TEST_GUEST_AGENT_FIFO);
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (hearth_test_guest_run (fx.agent_serial, command, TIMEOUT_MS, NULL, &status,
                                        &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
}

static gboolean
status_title_is_cb (gpointer data)
{
  return g_strcmp0 (status_title (fx.page), data) == 0;
}

static gboolean
sound_subtitle_is_cb (gpointer data)
{
  return g_strcmp0 (adw_action_row_get_subtitle (row (fx.page, _("Sound"))), data) == 0;
}

/* A guest with the agent: the open popover turns to "connected" by itself,
 * resizing becomes possible, and with sharing off nothing crosses either
 * way. */
static void
test_guest_agent (void)
{
  HearthDisplay *display = hearth_console_page_get_display (fx.page);
  g_autofree char *xml = NULL;
  g_autofree char *host_text = NULL;
  g_autofree char *log = NULL;
  g_autofree char *line = NULL;
  g_autofree char *want = NULL;
  g_autoptr(GError) error = NULL;
  AdwActionRow *resize;
  goffset start;

  if (g_strcmp0 (g_getenv ("HEARTH_TEST_GUEST_HAS_AGENT"), "1") != 0)
    {
      g_test_skip ("The test guest was built without its SPICE agent");
      return;
    }

  /* One guest at a time: TCG is slow enough. */
  hearth_console_page_set_machine (fx.page, NULL);
  hearth_test_run_action (fx.machine, HEARTH_MACHINE_ACTION_FORCE_OFF, TIMEOUT_MS);
  fx.agent_serial = g_build_filename (fx.root, "agent-serial.log", NULL);
  xml = hearth_test_guest_xml ("agent 代理", fx.agent_serial,
                               HEARTH_TEST_GUEST_AGENT | HEARTH_TEST_GUEST_SOUND);
  fx.agent_machine = hearth_test_define_machine (fx.connection, xml, TIMEOUT_MS);
  start_and_wait (fx.agent_machine, fx.agent_serial);
  g_assert_true (hearth_test_serial_wait_for (fx.agent_serial, HEARTH_TEST_GUEST_AGENT_READY,
                                              TIMEOUT_MS, &error));
  g_assert_no_error (error);

  /* Open before the connection: the popover follows the agent live. */
  hearth_console_page_set_machine (fx.page, fx.agent_machine);
  open_popover ();
  g_assert_false (hearth_display_get_agent_connected (display));
  g_assert_cmpstr (status_title (fx.page), !=, _("Guest Tools Connected"));
  g_assert_true (hearth_test_wait (status_title_is_cb, (gpointer) _("Guest Tools Connected"),
                                   TIMEOUT_MS));
  g_assert_true (hearth_display_get_agent_connected (display));
  resize = row (fx.page, _("Resize With Window"));
  g_assert_true (gtk_widget_get_sensitive (GTK_WIDGET (resize)));
  g_assert_cmpstr (adw_action_row_get_subtitle (resize), ==,
                   _("The screen follows this window’s size"));
  g_assert_cmpstr (adw_action_row_get_subtitle (row (fx.page, _("Share Clipboard"))), ==,
                   _("Copy and paste text and images both ways"));
  /* This guest has a sound card (AC97) whose audio goes over SPICE; its
   * channels arrive after the agent, and the open popover follows them. */
  g_assert_true (hearth_test_wait (
    sound_subtitle_is_cb,
    (gpointer) _("Plays on this computer’s speakers and can use its microphone"), TIMEOUT_MS));
  save_screenshot ("guest-tools-connected");

  /* Sharing on: the guest's copy reaches the host. */
  guest_copies ("shared-from-the-guest");
  g_assert_true (hearth_test_wait (host_text_is_cb, "shared-from-the-guest", TIMEOUT_MS));

  /* Sharing off: the next one does not (the agent's grab takes well under
   * a second to arrive when it is let through)... */
  toggle (row_switch (fx.page, _("Share Clipboard")));
  g_assert_false (hearth_display_get_share_clipboard (display));
  guest_copies ("kept-in-the-guest");
  hearth_test_iterate_for (3000);
  host_text = dup_host_text ();
  g_assert_cmpstr (host_text, ==, "shared-from-the-guest");

  /* ...nor does a copy on the host reach the guest. */
  start = hearth_test_serial_get_end (fx.agent_serial);
  gdk_clipboard_set_text (gtk_widget_get_clipboard (fx.window), "kept-on-the-host");
  hearth_test_iterate_for (3000);
  log = hearth_test_serial_dup_contents (fx.agent_serial, start);
  g_assert_null (strstr (log, HEARTH_TEST_GUEST_AGENT_TEXT));

  /* On again: the host's clipboard goes to the guest at once, and the
   * guest's copies come through again. */
  start = hearth_test_serial_get_end (fx.agent_serial);
  toggle (row_switch (fx.page, _("Share Clipboard")));
  line = hearth_test_serial_wait_for_line (fx.agent_serial, start, HEARTH_TEST_GUEST_AGENT_TEXT,
                                           TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  want = g_strconcat (HEARTH_TEST_GUEST_AGENT_TEXT, "6b6570742d6f6e2d7468652d686f7374", NULL);
  g_assert_cmpstr (line, ==, want); /* "kept-on-the-host" in hex */
  guest_copies ("shared-again");
  g_assert_true (hearth_test_wait (host_text_is_cb, "shared-again", TIMEOUT_MS));
  close_popover ();
}

/* In a phone-sized window (GNOME's close-only window buttons), the header bar
 * keeps every button and the popover fits. */
static void
test_guest_narrow (void)
{
  GtkWidget *button = GTK_WIDGET (guest_button (fx.page));

  /* GNOME's window buttons: close only. */
  g_object_set (gtk_settings_get_default (), "gtk-decoration-layout", ":close", NULL);
  gtk_window_set_default_size (GTK_WINDOW (fx.window), 360, 640);
  hearth_test_iterate_for (500);
  /* The header bar fits GNOME's narrowest windows, as the main window does. */
  g_assert_cmpint (gtk_widget_get_width (fx.window), <=, 360);
  g_assert_true (gtk_widget_get_mapped (button));
  g_assert_true (gtk_widget_get_child_visible (button));

  open_popover ();
  g_assert_cmpint (gtk_widget_get_width (popover (fx.page)), <=, gtk_widget_get_width (fx.window));
  save_screenshot ("guest-tools-narrow");
  close_popover ();

  gtk_window_set_default_size (GTK_WINDOW (fx.window), 960, 640);
  hearth_test_iterate_for (500);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int ret;

  hearth_test_console_init (&argc, &argv);
  if (hearth_test_console_is_chinese ())
    g_assert_cmpstr (_("Devices and Sharing"), !=, "Devices and Sharing");

  if (!hearth_test_guest_available (&error))
    {
      g_test_skip (error->message);
      return 77;
    }
  set_up ();

  g_test_add_func ("/console/guest/not-connected", test_guest_not_connected);
  g_test_add_func ("/console/guest/no-agent", test_guest_no_agent);
  g_test_add_func ("/console/guest/toggles", test_guest_toggles);
  g_test_add_func ("/console/guest/narrow", test_guest_narrow);
  g_test_add_func ("/console/guest/agent", test_guest_agent);

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
  if (fx.agent_machine != NULL && hearth_machine_is_active (fx.agent_machine))
    {
      AsyncResult res = { 0 };

      hearth_machine_run_action_async (fx.agent_machine, HEARTH_MACHINE_ACTION_FORCE_OFF, NULL,
                                       action_cb, &res);
      hearth_test_wait_flag (&res.done, TIMEOUT_MS);
      g_clear_error (&res.error);
    }
  g_clear_object (&fx.machine);
  g_clear_object (&fx.agent_machine);
  g_free (fx.agent_serial);
  g_clear_object (&fx.settings);
  hearth_connection_close (fx.connection);
  g_clear_object (&fx.connection);
  hearth_test_embed_root_remove (fx.root);
  return ret;
}
