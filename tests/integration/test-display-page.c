/* test-display-page.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-test-display-page"

#include "config.h"

#include <adwaita.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "hearth-console-page.h"
#include "hearth-core.h"

/*
 * The console page follows a real machine: the test guest under QEMU through
 * qemu:///embed, seen through the core (HearthConnection, HearthMachine), as
 * the application sees it. The page gets its descriptors from
 * hearth_machine_open_graphics_fd_async(). Test code uses libvirt directly
 * only to play "someone else": to stop or start the machine behind the
 * page's back.
 */

#define BOOT_TIMEOUT_MS 120000
#define STEP_TIMEOUT_MS 60000

static struct
{
  char *root;
  char *serial_path;
  char *name;
  virConnectPtr conn;
  virDomainPtr dom;

  HearthConnection *connection;
  HearthMachine *machine;
  GtkWidget *window;
  HearthConsolePage *page;
  GtkStack *stack;
  guint backs;
  gsize serial_offset;
} fx;

typedef gboolean (*Condition) (gpointer data);

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static gboolean
wait_for (Condition condition,
          gpointer  data,
          guint     timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, timeout_cb, &timed_out);
  guint wake_id = g_timeout_add (20, wake_cb, NULL);

  while (!condition (data) && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  g_source_remove (wake_id);

  return condition (data);
}

static char *
read_serial (void)
{
  char *contents = NULL;

  if (!g_file_get_contents (fx.serial_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

static void
start_step (void)
{
  g_autofree char *contents = read_serial ();

  fx.serial_offset = strlen (contents);
}

static gboolean
serial_has_cb (gpointer data)
{
  g_autofree char *contents = read_serial ();

  /* A new QEMU process may start the log over. */
  if (strlen (contents) < fx.serial_offset)
    fx.serial_offset = 0;

  return strstr (contents + fx.serial_offset, (const char *) data) != NULL;
}

static gboolean
page_shows_cb (gpointer data)
{
  return g_strcmp0 (gtk_stack_get_visible_child_name (fx.stack), data) == 0;
}

static gboolean
connection_open_cb (gpointer data)
{
  return hearth_connection_get_state (fx.connection) == HEARTH_CONNECTION_STATE_CONNECTED;
}

static gboolean
machine_state_cb (gpointer data)
{
  return hearth_machine_get_state (fx.machine) == (HearthMachineState) GPOINTER_TO_INT (data);
}

static void
on_back_cb (HearthConsolePage *page,
            gpointer           user_data)
{
  fx.backs++;
}

/* The page while the machine is off: a status page with a working Start. */
static void
test_page_off (void)
{
  AdwStatusPage *status = ADW_STATUS_PAGE (gtk_stack_get_child_by_name (fx.stack, "status"));

  g_assert_cmpint (hearth_machine_get_state (fx.machine), ==, HEARTH_MACHINE_STATE_SHUTOFF);
  g_assert_cmpstr (gtk_stack_get_visible_child_name (fx.stack), ==, "status");
  g_assert_nonnull (strstr (adw_status_page_get_title (status), fx.name));
}

/* Start from the page: the machine boots and its screen appears. */
static void
test_page_start (void)
{
  start_step ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "console.start", NULL));
  if (!wait_for (serial_has_cb, "HEARTH-GUEST-READY", BOOT_TIMEOUT_MS))
    g_error ("The guest did not boot; serial:\n%s", read_serial ());
  g_assert_true (wait_for (page_shows_cb, "display", STEP_TIMEOUT_MS));
  g_assert_true (hearth_display_get_connected (hearth_console_page_get_display (fx.page)));
}

/* The send-keys menu: Ctrl+Alt+F2 reaches the guest as those three keys. */
static void
test_page_send_keys (void)
{
  g_autofree char *f2 = g_strdup_printf (" 1 %d 1\r", KEY_F2);
  g_autofree char *ctrl = g_strdup_printf (" 1 %d 0\r", KEY_LEFTCTRL);

  start_step ();
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "console.send-keys", "s",
                                             "ctrl-alt-f2"));
  g_assert_true (wait_for (serial_has_cb, f2, STEP_TIMEOUT_MS));
  g_assert_true (wait_for (serial_has_cb, ctrl, STEP_TIMEOUT_MS));

  /* Back to the shell's terminal. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "console.send-keys", "s",
                                             "ctrl-alt-f1"));
}

/* Someone else stops and starts the machine: the page shows the status page
 * meanwhile and reconnects by itself. */
static void
test_page_follows_machine (void)
{
  g_assert_cmpint (virDomainDestroy (fx.dom), ==, 0);
  g_assert_true (wait_for (machine_state_cb, GINT_TO_POINTER (HEARTH_MACHINE_STATE_SHUTOFF),
                           STEP_TIMEOUT_MS));
  g_assert_true (wait_for (page_shows_cb, "status", STEP_TIMEOUT_MS));

  start_step ();
  g_assert_cmpint (virDomainCreate (fx.dom), ==, 0);
  g_assert_true (wait_for (page_shows_cb, "display", BOOT_TIMEOUT_MS));
  g_assert_true (wait_for (serial_has_cb, "HEARTH-GUEST-READY", BOOT_TIMEOUT_MS));

  /* Save the page as a user sees it. */
  {
    const char *dir = g_getenv ("HEARTH_TEST_ARTIFACTS");
    g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (fx.window);
    GskRenderNode *node = NULL;
    int width = gtk_widget_get_width (fx.window), height = gtk_widget_get_height (fx.window);

    for (int i = 0; dir != NULL && i < 50 && node == NULL; i++)
      {
        GtkSnapshot *snapshot = gtk_snapshot_new ();

        g_main_context_iteration (NULL, FALSE);
        gdk_paintable_snapshot (paintable, snapshot, width, height);
        node = gtk_snapshot_free_to_node (snapshot);
      }

    if (node != NULL)
      {
        g_autoptr(GdkTexture) texture = NULL;
        g_autofree char *path = g_build_filename (dir, "console-page.png", NULL);

        g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
        texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (fx.window)),
                                               node, &GRAPHENE_RECT_INIT (0, 0, width, height));
        g_assert_true (gdk_texture_save_to_png (texture, path));
        gsk_render_node_unref (node);
      }
  }
}

static void
test_page_back (void)
{
  guint backs = fx.backs;

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fx.page), "console.back", NULL));
  g_assert_cmpuint (fx.backs, ==, backs + 1);
}

/* ---------------------------------------------------------------------------------------------- */

static void
start_reaper (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  const char *argv[] = { "/bin/sh", "-c", NULL, NULL, NULL };
  int stdin_fd = -1;

  /* QEMU outlives an embed connection whose process dies: stop the guest
   * and remove the root once our end of the pipe closes, however we end. */
  script = g_strdup_printf ("cat > /dev/null; "
                            "pid=$(cat '%s/run/qemu/%s.pid' 2>/dev/null) && kill \"$pid\"; "
                            "sleep 1; rm -rf \"$0\"",
                            fx.root, fx.name);
  argv[2] = script;
  argv[3] = fx.root;
  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                                 &stdin_fd, NULL, NULL, &error))
    g_error ("Could not start the reaper: %s", error->message);
}

static void
on_open_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!hearth_connection_open_finish (HEARTH_CONNECTION (source), result, &error))
    g_error ("Could not open the connection: %s", error->message);
}

static gboolean
set_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *etc = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *kernel = NULL;
  g_autofree char *initrd = NULL;
  const char *guest_dir = g_getenv ("HEARTH_TEST_GUEST_DIR");

  if (guest_dir == NULL || !g_file_test (guest_dir, G_FILE_TEST_IS_DIR))
    return FALSE;

  hearth_core_init ();

  fx.root = g_dir_make_tmp ("hearth-page-XXXXXX", &error);
  g_assert_no_error (error);
  fx.serial_path = g_build_filename (fx.root, "serial.log", NULL);
  fx.name = g_strdup_printf ("hearth-page-%d", (int) getpid ());
  start_reaper ();

  /* No virtlogd here, and QEMU must be able to read the private root. */
  etc = g_build_filename (fx.root, "etc", NULL);
  g_assert_cmpint (g_mkdir_with_parents (etc, 0755), ==, 0);
  conf = g_build_filename (etc, "qemu.conf", NULL);
  g_assert_true (g_file_set_contents (conf,
                                      "stdio_handler = \"file\"\n"
                                      "user = \"+0\"\n"
                                      "group = \"+0\"\n"
                                      "security_driver = \"none\"\n",
                                      -1, NULL));

  uri = g_strdup_printf ("qemu:///embed?root=%s", fx.root);
  fx.conn = virConnectOpen (uri);
  if (fx.conn == NULL)
    g_error ("Could not open %s: %s", uri, virGetLastErrorMessage ());

  kernel = g_build_filename (guest_dir, "vmlinux", NULL);
  initrd = g_build_filename (guest_dir, "initrd.img", NULL);
  xml = g_markup_printf_escaped (
    "<domain type='qemu'><name>%s</name><memory unit='MiB'>256</memory><vcpu>1</vcpu>"
    "<os><type arch='x86_64' machine='pc'>hvm</type><kernel>%s</kernel><initrd>%s</initrd>"
    "<cmdline>console=ttyS0 loglevel=4</cmdline></os><features><acpi/></features>"
    "<devices><serial type='file'><source path='%s' append='on'/><target port='0'/></serial>"
    "<input type='keyboard' bus='ps2'/><input type='mouse' bus='ps2'/>"
    "<graphics type='spice'><listen type='none'/></graphics><video><model type='qxl'/></video>"
    "<memballoon model='none'/></devices></domain>",
    fx.name, kernel, initrd, fx.serial_path);
  fx.dom = virDomainDefineXML (fx.conn, xml);
  if (fx.dom == NULL)
    g_error ("Could not define the guest: %s", virGetLastErrorMessage ());

  /* The application's view of the same machine. */
  fx.connection = hearth_connection_new (uri);
  hearth_connection_open_async (fx.connection, NULL, on_open_cb, NULL);
  g_assert_true (wait_for (connection_open_cb, NULL, STEP_TIMEOUT_MS));
  fx.machine = hearth_connection_find_machine (fx.connection, fx.name);
  g_assert_nonnull (fx.machine);

  fx.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fx.window), 900, 700);
  fx.page = HEARTH_CONSOLE_PAGE (hearth_console_page_new ());
  g_signal_connect (fx.page, "back", G_CALLBACK (on_back_cb), NULL);
  gtk_window_set_child (GTK_WINDOW (fx.window), GTK_WIDGET (fx.page));
  hearth_console_page_set_machine (fx.page, fx.machine);
  gtk_window_present (GTK_WINDOW (fx.window));

  fx.stack = GTK_STACK (gtk_widget_get_ancestor (GTK_WIDGET (hearth_console_page_get_display (fx.page)),
                                                 GTK_TYPE_STACK));
  g_assert_nonnull (fx.stack);

  return TRUE;
}

/* spice-client-glib warns about things outside our control (a queue that
 * fills while the server goes away, audio back-ends), so only warnings from
 * our code and from GLib, GTK and libadwaita fail the test. */
static void
set_fatal_domains (void)
{
  const char *domains[] = { "hearth-display", "hearth-console", "hearth-test-display-page", "GLib", "GLib-GObject", "GLib-GIO", "Gtk", "Gdk", "Gsk", "Adwaita" };

  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  for (guint i = 0; i < G_N_ELEMENTS (domains); i++)
    g_log_set_fatal_mask (domains[i], G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GDK_BACKEND", "x11", FALSE);
  gtk_test_init (&argc, &argv, NULL);
  adw_init ();
  set_fatal_domains ();

  if (!set_up ())
    {
      g_test_skip ("The test guest is not built (HEARTH_TEST_GUEST_DIR)");
      return 77;
    }

  g_test_add_func ("/display/page/off", test_page_off);
  g_test_add_func ("/display/page/start", test_page_start);
  g_test_add_func ("/display/page/send-keys", test_page_send_keys);
  g_test_add_func ("/display/page/follows-machine", test_page_follows_machine);
  g_test_add_func ("/display/page/back", test_page_back);

  ret = g_test_run ();

  gtk_window_destroy (GTK_WINDOW (fx.window));
  virDomainDestroy (fx.dom);
  virDomainUndefine (fx.dom);
  virDomainFree (fx.dom);
  virConnectClose (fx.conn);
  return ret;
}
