/* test-display-agent.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-test-display-agent"

#include "config.h"

#include <gtk/gtk.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

#include "hearth-core.h"
#include "hearth-display.h"
#include "hearth-test-guest.h"
#include "hearth-test-pointer.h"
#include "hearth-test-utils.h"

/*
 * The display widget's SPICE-agent features against a real guest-side agent:
 * the test guest runs the test suite's agent (tests/guest/hearth-test-agent.c,
 * the real vdagent protocol on the com.redhat.spice.0 port), which reports on
 * the guest's serial log what the widget's session sent it. The host side is
 * the real widget in a window under Xvfb and GTK's clipboard.
 */

#define BOOT_TIMEOUT_MS 120000
#define STEP_TIMEOUT_MS 60000
/* The widget waits a little before it asks for a new size, and
 * spice-client-glib up to a second more: a request that would come has
 * come by then. */
#define NO_REQUEST_WAIT_MS 4000

typedef struct
{
  char *root;
  char *log;
  char *name;
  virConnectPtr conn;
  virDomainPtr dom;

  GtkWidget *window;
  HearthDisplay *display;
  GdkClipboard *clipboard;
  guint agent_changes; /* notify::agent-connected with a change */
  gboolean last_agent;

  int playback_rate;      /* of the last playback-start, or 0 */
  gsize playback_bytes;   /* playback-data since the last playback-start */
  guint record_starts;
} Fixture;

static Fixture fx;

/* ---- helpers --------------------------------------------------------------- */

static void
on_request_fd_cb (HearthDisplay *display,
                  gpointer       user_data)
{
  /* The session wants another descriptor for a channel, as the console page
   * supplies them. */
  hearth_display_supply_fd (display,
                            virDomainOpenGraphicsFD (fx.dom, 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH));
}

static void
on_agent_connected_cb (HearthDisplay *display,
                       GParamSpec    *pspec,
                       gpointer       user_data)
{
  gboolean agent = hearth_display_get_agent_connected (display);

  if (agent != fx.last_agent)
    fx.agent_changes++;
  fx.last_agent = agent;
  g_test_message ("Agent %s", agent ? "connected" : "gone");
}

static gboolean
agent_is_cb (gpointer data)
{
  return hearth_display_get_connected (fx.display)
         && hearth_display_get_agent_connected (fx.display) == GPOINTER_TO_INT (data);
}

static gboolean
mouse_mode_is_cb (gpointer data)
{
  return hearth_display_get_mouse_mode (fx.display)
         == (HearthDisplayMouseMode) GPOINTER_TO_INT (data);
}

static void
connect_display (void)
{
  int fd = virDomainOpenGraphicsFD (fx.dom, 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);

  if (fd < 0)
    g_error ("virDomainOpenGraphicsFD: %s", virGetLastErrorMessage ());
  hearth_display_open_fd (fx.display, fd);
}

/* The widget's size in device pixels, as the widget asks the guest for it:
 * even numbers. */
static void
get_device_size (int *width,
                 int *height)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (fx.display));

  *width = (gtk_widget_get_width (GTK_WIDGET (fx.display)) * scale) & ~1;
  *height = (gtk_widget_get_height (GTK_WIDGET (fx.display)) * scale) & ~1;
}

typedef struct
{
  int width, height;
} Size;

static gboolean
window_size_is_cb (gpointer data)
{
  Size *size = data;

  return gtk_widget_get_width (fx.window) == size->width
         && gtk_widget_get_height (fx.window) == size->height;
}

/* Resizes the window as a user would, and waits for the new layout. */
static void
resize_window (int width,
               int height)
{
  Size size = { width, height };

  gtk_window_set_default_size (GTK_WINDOW (fx.window), width, height);
  if (!hearth_test_wait (window_size_is_cb, &size, STEP_TIMEOUT_MS))
    g_error ("The window is %d×%d, not %d×%d", gtk_widget_get_width (fx.window),
             gtk_widget_get_height (fx.window), width, height);
}

/* The mode the guest's display driver prefers: the QXL driver puts the
 * client's monitors config first. "detect" probes the modes again without
 * the limit of fbcon's framebuffer (1024×768), which hides larger ones. */
static char *
dup_guest_preferred_mode (goffset unused)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;

  if (!hearth_test_guest_run (fx.log,
                              "cd /sys/class/drm/card0-Virtual-1 && echo detect > status && "
                              "head -n 1 modes",
                              STEP_TIMEOUT_MS, &output, NULL, &error))
    g_error ("Could not read the guest's modes: %s", error->message);
  return g_strstrip (g_steal_pointer (&output));
}

/* The last HEARTH-AGENT-MONITORS line after @start, or NULL. */
static char *
dup_last_monitors (goffset start)
{
  g_autofree char *contents = hearth_test_serial_dup_contents (fx.log, start);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);
  char *last = NULL;

  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], HEARTH_TEST_GUEST_AGENT_MONITORS) && strchr (lines[i], '\r'))
      {
        g_free (last);
        last = g_strndup (lines[i], strcspn (lines[i], "\r"));
      }

  return last;
}

typedef struct
{
  char *(*dup_seen) (goffset start);
  goffset start;
  char *want;
  char *seen;
} SizeWait;

static gboolean
size_is_cb (gpointer data)
{
  SizeWait *w = data;

  g_free (w->seen);
  w->seen = w->dup_seen (w->start);
  return g_strcmp0 (w->seen, w->want) == 0;
}

/* Waits until what @dup_seen finds after @start is the widget's size in
 * device pixels, after @prefix. */
static void
assert_follows_widget (char       *(*dup_seen) (goffset start),
                       goffset      start,
                       const char  *prefix)
{
  int width, height;
  SizeWait w = { dup_seen, start, NULL, NULL };

  get_device_size (&width, &height);
  w.want = g_strdup_printf ("%s%dx%d", prefix, width, height);
  if (!hearth_test_wait (size_is_cb, &w, STEP_TIMEOUT_MS))
    g_error ("The guest has “%s”, not “%s”", w.seen ? w.seen : "(nothing)", w.want);
  g_free (w.want);
  g_free (w.seen);
}

/* The guest's display driver prefers the widget's size. */
static void
assert_guest_follows_widget (void)
{
  assert_follows_widget (dup_guest_preferred_mode, 0, "");
}

/* The agent's last monitors config after @start is one monitor of the
 * widget's size. */
static void
assert_agent_follows_widget (goffset start)
{
  assert_follows_widget (dup_last_monitors, start, HEARTH_TEST_GUEST_AGENT_MONITORS "1 ");
}

/* The test guest's console surface (tests/guest/README.md). */
#define GUEST_FB_WIDTH 1024
#define GUEST_FB_HEIGHT 768

/* What the widget should show after a resize to the widget's size: the
 * monitor when it fits in the surface, otherwise the whole surface. */
static void
get_expected_area (int *width,
                   int *height)
{
  get_device_size (width, height);
  if (*width > GUEST_FB_WIDTH || *height > GUEST_FB_HEIGHT)
    {
      *width = GUEST_FB_WIDTH;
      *height = GUEST_FB_HEIGHT;
    }
}

static gboolean
shows_expected_area_cb (gpointer data)
{
  int width, height;

  get_expected_area (&width, &height);
  return hearth_display_get_guest_width (fx.display) == width
         && hearth_display_get_guest_height (fx.display) == height;
}

/* The QXL driver gives its monitor the requested size but keeps drawing the
 * text console on its 1024×768 surface: the widget shows the monitor only,
 * as the guest means it, and its frame is that part of the screen. A monitor
 * larger than the surface (at scale 2) cannot be shown; then the whole
 * surface is. */
static void
assert_shows_monitor (void)
{
  g_autoptr(GdkTexture) frame = NULL;
  int width, height;

  get_expected_area (&width, &height);
  if (!hearth_test_wait (shows_expected_area_cb, NULL, STEP_TIMEOUT_MS))
    g_error ("The widget shows %d×%d of the guest, not its %d×%d monitor",
             hearth_display_get_guest_width (fx.display),
             hearth_display_get_guest_height (fx.display), width, height);

  frame = hearth_display_dup_frame (fx.display);
  g_assert_nonnull (frame);
  g_assert_cmpint (gdk_texture_get_width (frame), ==, width);
  g_assert_cmpint (gdk_texture_get_height (frame), ==, height);
}

/* Runs @command in the guest and checks that it succeeded. */
static void
guest_run (const char *command)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  int status = -1;

  if (!hearth_test_guest_run (fx.log, command, STEP_TIMEOUT_MS, &output, &status, &error))
    g_error ("Could not run “%.80s” in the guest: %s", command, error->message);
  if (status != 0)
    g_error ("“%.80s” failed in the guest (%d): %s", command, status, output);
}

/* @data as a printf(1) format inside single quotes for busybox sh: letters,
 * digits and spaces as they are, every other byte an octal escape. */
static char *
dup_printf_escaped (const guint8 *data,
                    gsize         len)
{
  GString *escaped = g_string_new (NULL);

  for (gsize i = 0; i < len; i++)
    if (g_ascii_isalnum (data[i]) || data[i] == ' ')
      g_string_append_c (escaped, data[i]);
    else
      g_string_append_printf (escaped, "\\%03o", data[i]);

  return g_string_free (escaped, FALSE);
}

/* Sends a command line to the agent's FIFO; @line may hold any bytes. */
static void
agent_command (const char *line)
{
  g_autofree char *escaped = dup_printf_escaped ((const guint8 *) line, strlen (line));
  g_autofree char *command = g_strdup_printf ("printf '%s\\n' > " HEARTH_TEST_GUEST_AGENT_FIFO,
                                              escaped);

  guest_run (command);
}

/* A small image whose pixels are all different. */
static GdkTexture *
new_test_texture (int width,
                  int height)
{
  g_autoptr(GBytes) bytes = NULL;
  guint8 *pixels = g_malloc ((gsize) width * height * 4);

  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        guint8 *p = pixels + ((gsize) y * width + x) * 4;

        p[0] = 40 * x;
        p[1] = 60 * y;
        p[2] = 255 - 20 * (x + y);
        p[3] = 255;
      }
  bytes = g_bytes_new_take (pixels, (gsize) width * height * 4);

  return gdk_memory_texture_new (width, height, GDK_MEMORY_R8G8B8A8, bytes, (gsize) width * 4);
}

static guint8 *
download (GdkTexture *texture)
{
  gsize stride = (gsize) gdk_texture_get_width (texture) * 4;
  guint8 *pixels = g_malloc (stride * gdk_texture_get_height (texture));

  gdk_texture_download (texture, pixels, stride);
  return pixels;
}

/* ---- reading the host clipboard -------------------------------------------- */

typedef struct
{
  gboolean pending;
  char *text;
  GdkTexture *texture;
} ClipboardRead;

static void
on_text_read_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  ClipboardRead *read = user_data;

  g_free (read->text);
  read->text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, NULL);
  read->pending = FALSE;
}

static void
on_texture_read_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  ClipboardRead *read = user_data;

  g_clear_object (&read->texture);
  read->texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source), result, NULL);
  read->pending = FALSE;
}

static gboolean
read_done_cb (gpointer data)
{
  return !((ClipboardRead *) data)->pending;
}

/* What a paste on the host gives now (NULL for nothing or no text). */
static char *
read_host_text (void)
{
  ClipboardRead read = { TRUE };

  gdk_clipboard_read_text_async (fx.clipboard, NULL, on_text_read_cb, &read);
  g_assert_true (hearth_test_wait (read_done_cb, &read, STEP_TIMEOUT_MS));
  return read.text;
}

static GdkTexture *
read_host_texture (void)
{
  ClipboardRead read = { TRUE };

  gdk_clipboard_read_texture_async (fx.clipboard, NULL, on_texture_read_cb, &read);
  g_assert_true (hearth_test_wait (read_done_cb, &read, STEP_TIMEOUT_MS));
  return read.texture;
}

static gboolean
host_text_is_cb (gpointer data)
{
  g_autofree char *text = read_host_text ();

  return g_strcmp0 (text, data) == 0;
}

static gboolean
host_texture_is_cb (gpointer data)
{
  GdkTexture *want = data;
  g_autoptr(GdkTexture) texture = read_host_texture ();
  g_autofree guint8 *a = NULL;
  g_autofree guint8 *b = NULL;

  if (texture == NULL || gdk_texture_get_width (texture) != gdk_texture_get_width (want)
      || gdk_texture_get_height (texture) != gdk_texture_get_height (want))
    return FALSE;

  a = download (texture);
  b = download (want);
  return memcmp (a, b, (gsize) gdk_texture_get_width (want) * gdk_texture_get_height (want) * 4)
         == 0;
}

/* ---- tests ------------------------------------------------------------------ */

static void
test_agent_connect (void)
{
  connect_display ();
  if (!hearth_test_wait (agent_is_cb, GINT_TO_POINTER (TRUE), STEP_TIMEOUT_MS))
    g_error ("The widget did not see the agent (connected: %d); serial:\n%s",
             hearth_display_get_connected (fx.display),
             hearth_test_serial_dup_contents (fx.log, 0));
  g_assert_cmpuint (fx.agent_changes, ==, 1);

  /* With an agent the pointer is absolute: no grab is needed. */
  g_assert_true (hearth_test_wait (mouse_mode_is_cb,
                                   GINT_TO_POINTER (HEARTH_DISPLAY_MOUSE_MODE_CLIENT),
                                   STEP_TIMEOUT_MS));
  g_assert_false (hearth_display_get_grabbed (fx.display));
}

static void
test_agent_resize (void)
{
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  g_assert_true (hearth_display_get_resize_guest (fx.display));

  /* Connecting asked for the widget's size; a resized window asks again. */
  assert_guest_follows_widget ();
  resize_window (701, 503);
  assert_guest_follows_widget ();
  assert_shows_monitor ();

  /* With resize-guest off, the guest keeps its size. */
  hearth_display_set_resize_guest (fx.display, FALSE);
  before = dup_guest_preferred_mode (0);
  resize_window (640, 480);
  hearth_test_iterate_for (NO_REQUEST_WAIT_MS);
  after = dup_guest_preferred_mode (0);
  g_assert_cmpstr (after, ==, before);

  /* Turned on again, the guest gets the widget's size at once. */
  hearth_display_set_resize_guest (fx.display, TRUE);
  assert_guest_follows_widget ();
}

static void
assert_agent_gets_text (const char *text)
{
  g_autofree char *hex = g_malloc (strlen (text) * 2 + 1);
  g_autofree char *want = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  goffset start = hearth_test_serial_get_end (fx.log);

  for (gsize i = 0; text[i] != '\0'; i++)
    g_snprintf (hex + i * 2, 3, "%02x", (guint8) text[i]);
  want = g_strconcat (HEARTH_TEST_GUEST_AGENT_TEXT, hex, NULL);

  gdk_clipboard_set_text (fx.clipboard, text);
  line = hearth_test_serial_wait_for_line (fx.log, start, HEARTH_TEST_GUEST_AGENT_TEXT,
                                           STEP_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, want);
}

static void
test_agent_host_to_guest (void)
{
  g_autoptr(GdkTexture) texture = new_test_texture (7, 5);
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);
  g_autofree char *want = NULL;
  g_autofree char *line = NULL;
  g_autoptr(GError) error = NULL;
  goffset start;

  assert_agent_gets_text ("Hello, guest! 42");
  assert_agent_gets_text ("你好，虚拟机：复制粘贴 ✓");

  /* An image goes as PNG; the widget encodes it as GTK does. */
  start = hearth_test_serial_get_end (fx.log);
  gdk_clipboard_set_texture (fx.clipboard, texture);
  line = hearth_test_serial_wait_for_line (fx.log, start, HEARTH_TEST_GUEST_AGENT_PNG,
                                           STEP_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  want = g_strdup_printf (HEARTH_TEST_GUEST_AGENT_PNG "7x5 %" G_GSIZE_FORMAT,
                          g_bytes_get_size (png));
  g_assert_cmpstr (line, ==, want);
}

static void
test_agent_guest_to_host (void)
{
  const char *text = "Grüße aus dem Gast — 来自虚拟机的问候";
  g_autoptr(GdkTexture) texture = new_test_texture (9, 4);
  g_autoptr(GBytes) png = gdk_texture_save_to_png_bytes (texture);
  g_autofree char *escaped = NULL;
  g_autofree char *command = NULL;
  g_autofree char *host_text = NULL;
  g_autofree char *grab_text = g_strconcat ("grab-text ", text, NULL);
  goffset start = hearth_test_serial_get_end (fx.log);

  agent_command (grab_text);
  if (!hearth_test_wait (host_text_is_cb, (gpointer) text, STEP_TIMEOUT_MS))
    {
      host_text = read_host_text ();
      g_error ("The host clipboard has “%s”, not the guest's text", host_text);
    }

  /* The guest's text on the host clipboard is not offered back to the guest
   * (the agent would ask for it and report it). */
  hearth_test_iterate_for (NO_REQUEST_WAIT_MS);
  {
    g_autofree char *since = hearth_test_serial_dup_contents (fx.log, start);

    g_assert_null (strstr (since, HEARTH_TEST_GUEST_AGENT_TEXT));
  }

  /* The PNG goes into the guest through the command channel. */
  escaped = dup_printf_escaped (g_bytes_get_data (png, NULL), g_bytes_get_size (png));
  command = g_strdup_printf ("printf '%s' > /tmp/agent.png && test $(wc -c < /tmp/agent.png) = %"
                             G_GSIZE_FORMAT, escaped, g_bytes_get_size (png));
  guest_run (command);
  agent_command ("grab-png /tmp/agent.png");
  if (!hearth_test_wait (host_texture_is_cb, texture, STEP_TIMEOUT_MS))
    g_error ("The host clipboard does not have the guest's 9×4 image");
}

/* Messages longer than VD_AGENT_MAX_DATA_SIZE travel in several chunks: the
 * agent reassembles what the widget's session split, and the other way
 * round. */
static void
test_agent_large (void)
{
  g_autoptr(GString) host_text = g_string_new (NULL);
  g_autoptr(GString) guest_text = g_string_new ("grab-text ");

  for (int i = 0; i < 400; i++)
    g_string_append_printf (host_text, "第%d行：虚拟机剪贴板 ", i);
  g_assert_cmpuint (host_text->len, >, 4 * 2048);
  assert_agent_gets_text (host_text->str);

  for (int i = 0; i < 600; i++)
    g_string_append_printf (guest_text, "line %d of the guest ", i);
  g_assert_cmpuint (guest_text->len, >, 4 * 2048);
  agent_command (guest_text->str);
  if (!hearth_test_wait (host_text_is_cb, guest_text->str + strlen ("grab-text "),
                         STEP_TIMEOUT_MS))
    g_error ("The host clipboard does not have the guest's long text");
}

typedef struct
{
  goffset start;
  guint want_x, want_y, want_buttons;
  guint x, y, buttons;
  gboolean seen;
} MouseWait;

/* Looks at the agent's last mouse state after the step's start. */
static gboolean
mouse_state_is_cb (gpointer data)
{
  MouseWait *w = data;
  g_autofree char *contents = hearth_test_serial_dup_contents (fx.log, w->start);
  g_auto(GStrv) lines = g_strsplit (contents, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (sscanf (lines[i], HEARTH_TEST_GUEST_AGENT_MOUSE "%u %u %u", &w->x, &w->y, &w->buttons)
        == 3)
      w->seen = TRUE;

  return w->seen && w->buttons == w->want_buttons && ABS ((int) w->x - (int) w->want_x) <= 2
         && ABS ((int) w->y - (int) w->want_y) <= 2;
}

static void
wait_mouse_state (MouseWait *w)
{
  if (!hearth_test_wait (mouse_state_is_cb, w, STEP_TIMEOUT_MS))
    g_error ("The agent's mouse is at %u,%u with buttons %u, not %u,%u with %u", w->x, w->y,
             w->buttons, w->want_x, w->want_y, w->want_buttons);
}

static void
test_agent_mouse (void)
{
  GtkWidget *widget = GTK_WIDGET (fx.display);
  double width = gtk_widget_get_width (widget);
  double height = gtk_widget_get_height (widget);
  double gw = hearth_display_get_guest_width (fx.display);
  double gh = hearth_display_get_guest_height (fx.display);
  double scale = MIN (width / gw, height / gh);
  double ox = (width - gw * scale) / 2;
  double oy = (height - gh * scale) / 2;
  MouseWait w = { 0 };

  g_assert_cmpint (hearth_display_get_mouse_mode (fx.display), ==,
                   HEARTH_DISPLAY_MOUSE_MODE_CLIENT);

  /* A third across and two thirds down the guest's screen (scaled to fit,
   * centred in the widget): the agent gets guest pixels. */
  w.start = hearth_test_serial_get_end (fx.log);
  w.want_x = gw / 3;
  w.want_y = gh * 2 / 3;
  hearth_test_pointer_move_to (widget, ox + (w.want_x + 0.5) * scale,
                               oy + (w.want_y + 0.5) * scale);
  wait_mouse_state (&w);

  /* A click goes to the guest as it is, without a grab. */
  w.start = hearth_test_serial_get_end (fx.log);
  w.want_buttons = 1 << 1; /* VD_AGENT_LBUTTON_MASK */
  hearth_test_pointer_button (widget, 1, TRUE);
  wait_mouse_state (&w);
  w.start = hearth_test_serial_get_end (fx.log);
  w.want_buttons = 0;
  hearth_test_pointer_button (widget, 1, FALSE);
  wait_mouse_state (&w);
  g_assert_false (hearth_display_get_grabbed (fx.display));
}

static void
test_agent_reboot (void)
{
  g_autoptr(GError) error = NULL;
  guint changes = fx.agent_changes;
  goffset start = hearth_test_serial_get_end (fx.log);

  /* The agent goes with the guest's kernel and comes back with the next
   * boot; the widget says so both times. */
  if (!hearth_test_guest_send (fx.log, "reboot -f", STEP_TIMEOUT_MS, &error))
    g_error ("Could not reboot the guest: %s", error->message);
  g_assert_true (hearth_test_wait (agent_is_cb, GINT_TO_POINTER (FALSE), BOOT_TIMEOUT_MS)
                 || !hearth_display_get_connected (fx.display));
  hearth_test_serial_wait_for_from (fx.log, start, HEARTH_TEST_GUEST_READY, BOOT_TIMEOUT_MS, NULL,
                                    &error);
  g_assert_no_error (error);
  if (!hearth_display_get_connected (fx.display))
    connect_display (); /* a server that drops its clients on a reset is fine too */
  if (!hearth_test_wait (agent_is_cb, GINT_TO_POINTER (TRUE), BOOT_TIMEOUT_MS))
    g_error ("The widget did not see the agent come back; serial since:\n%s",
             hearth_test_serial_dup_contents (fx.log, start));
  g_assert_cmpuint (fx.agent_changes, >=, changes + 2);

  /* And it works again: the clipboard reaches the new agent. */
  assert_agent_gets_text ("after the reboot");
}

/* Replaces the machine with one on @flags (a new serial log), connects the
 * widget to it and waits for the agent. */
static void
switch_machine (HearthTestGuestFlags flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = g_strdup_printf ("%s-%x", fx.name, flags);
  g_autofree char *xml = NULL;

  hearth_display_close (fx.display);
  virDomainDestroy (fx.dom);
  virDomainUndefine (fx.dom);
  virDomainFree (fx.dom);

  g_free (fx.log);
  fx.log = g_strdup_printf ("%s/%s.log", fx.root, name);
  xml = hearth_test_guest_xml (name, fx.log, flags);
  fx.dom = virDomainDefineXML (fx.conn, xml);
  if (fx.dom == NULL || virDomainCreate (fx.dom) != 0)
    g_error ("Could not start the guest: %s", virGetLastErrorMessage ());
  if (!hearth_test_serial_wait_for (fx.log, HEARTH_TEST_GUEST_READY, BOOT_TIMEOUT_MS, &error))
    g_error ("The guest did not boot: %s", error->message);

  connect_display ();
  if (!hearth_test_wait (agent_is_cb, GINT_TO_POINTER (TRUE), STEP_TIMEOUT_MS))
    g_error ("The widget did not see the agent; serial:\n%s",
             hearth_test_serial_dup_contents (fx.log, 0));
}

/* With a display device that cannot take monitors configs (a standard VGA),
 * the SPICE server hands them to the agent: the agent gets the widget's size
 * in device pixels, as spice-vdagent would. Runs last: it replaces the
 * machine. */
static void
test_agent_monitors_config (void)
{
  goffset start;

  switch_machine (HEARTH_TEST_GUEST_AGENT | HEARTH_TEST_GUEST_VGA);

  assert_agent_follows_widget (0);
  start = hearth_test_serial_get_end (fx.log);
  resize_window (723, 541);
  assert_agent_follows_widget (start);

  hearth_display_set_resize_guest (fx.display, FALSE);
  start = hearth_test_serial_get_end (fx.log);
  resize_window (800, 600);
  hearth_test_iterate_for (NO_REQUEST_WAIT_MS);
  {
    g_autofree char *seen = dup_last_monitors (start);

    if (seen != NULL)
      g_error ("resize-guest is off, but the agent was asked: %s", seen);
  }

  hearth_display_set_resize_guest (fx.display, TRUE);
  assert_agent_follows_widget (start);
}

/* ---- set-up ----------------------------------------------------------------- */

static gboolean
set_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *xml = NULL;

  if (!hearth_test_guest_available (&error))
    {
      g_test_message ("%s", error->message);
      return FALSE;
    }

  hearth_core_init ();
  fx.root = hearth_test_embed_root_new ();
  fx.log = g_build_filename (fx.root, "display-agent.log", NULL);
  fx.name = g_strdup_printf ("hearth-display-agent-%d", (int) getpid ());

  uri = hearth_test_embed_uri (fx.root);
  fx.conn = virConnectOpen (uri);
  if (fx.conn == NULL)
    g_error ("Could not open %s: %s", uri, virGetLastErrorMessage ());

  xml = hearth_test_guest_xml (fx.name, fx.log, HEARTH_TEST_GUEST_AGENT | HEARTH_TEST_GUEST_SOUND);
  fx.dom = virDomainDefineXML (fx.conn, xml);
  if (fx.dom == NULL || virDomainCreate (fx.dom) != 0)
    g_error ("Could not start the guest: %s", virGetLastErrorMessage ());
  if (!hearth_test_serial_wait_for (fx.log, HEARTH_TEST_GUEST_READY, BOOT_TIMEOUT_MS, &error))
    g_error ("The guest did not boot: %s", error->message);
  /* The guest says ready after its agent. */
  if (!hearth_test_serial_wait_for (fx.log, HEARTH_TEST_GUEST_AGENT_READY, 1, &error))
    g_error ("The guest has no agent: %s", error->message);

  fx.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fx.window), 800, 600);
  fx.display = HEARTH_DISPLAY (hearth_display_new ());
  hearth_display_set_machine_name (fx.display, fx.name);
  g_signal_connect (fx.display, "request-fd", G_CALLBACK (on_request_fd_cb), NULL);
  g_signal_connect (fx.display, "notify::agent-connected", G_CALLBACK (on_agent_connected_cb),
                    NULL);
  gtk_window_set_child (GTK_WINDOW (fx.window), GTK_WIDGET (fx.display));
  gtk_window_present (GTK_WINDOW (fx.window));
  fx.clipboard = gtk_widget_get_clipboard (GTK_WIDGET (fx.display));

  return TRUE;
}

static void
tear_down (void)
{
  hearth_display_close (fx.display);
  gtk_window_destroy (GTK_WINDOW (fx.window));
  virDomainDestroy (fx.dom);
  virDomainUndefine (fx.dom);
  virDomainFree (fx.dom);
  virConnectClose (fx.conn);
  hearth_test_embed_root_remove (fx.root);
}

/* ---- audio ----------------------------------------------------------------- */

static void
on_playback_start_cb (SpicePlaybackChannel *channel,
                      int                   format,
                      int                   channels,
                      int                   rate,
                      gpointer              user_data)
{
  g_test_message ("Playback starts: format %d, %d channel(s), %d Hz", format, channels, rate);
  fx.playback_rate = rate;
  fx.playback_bytes = 0;
}

static void
on_playback_data_cb (SpicePlaybackChannel *channel,
                     gpointer              data,
                     int                   size,
                     gpointer              user_data)
{
  fx.playback_bytes += size;
}

static void
on_record_start_cb (SpiceRecordChannel *channel,
                    int                 format,
                    int                 channels,
                    int                 rate,
                    gpointer            user_data)
{
  g_test_message ("Recording starts: format %d, %d channel(s), %d Hz", format, channels, rate);
  fx.record_starts++;
}

static gboolean
playback_heard_cb (gpointer data)
{
  return fx.playback_rate > 0 && fx.playback_bytes >= GPOINTER_TO_SIZE (data);
}

static gboolean
record_started_cb (gpointer data)
{
  return fx.record_starts > 0;
}

/* The guest's sound card reaches the console: what the guest plays arrives on
 * the session's playback channel (the audio back end plays it from there), and
 * a guest that opens its microphone asks the record channel to record. The
 * guest plays with OSS emulation: /dev/dsp, 8 kHz, 8-bit mono. */
static void
test_audio (void)
{
  SpiceSession *session = hearth_display_get_session (fx.display);
  g_autoptr(GList) channels = NULL;
  SpiceChannel *playback = NULL, *record = NULL;

  g_assert_nonnull (session);
  channels = spice_session_get_channels (session);
  for (GList *l = channels; l != NULL; l = l->next)
    if (SPICE_IS_PLAYBACK_CHANNEL (l->data))
      playback = l->data;
    else if (SPICE_IS_RECORD_CHANNEL (l->data))
      record = l->data;
  g_assert_nonnull (playback);
  g_assert_nonnull (record);
  g_signal_connect (playback, "playback-start", G_CALLBACK (on_playback_start_cb), NULL);
  g_signal_connect (playback, "playback-data", G_CALLBACK (on_playback_data_cb), NULL);
  g_signal_connect (record, "record-start", G_CALLBACK (on_record_start_cb), NULL);

  /* Two seconds of noise. */
  guest_run ("test -c /dev/dsp && head -c 16000 /dev/urandom > /dev/dsp");
  g_assert_true (hearth_test_wait (playback_heard_cb, GSIZE_TO_POINTER (16000), STEP_TIMEOUT_MS));
  g_test_message ("Played %" G_GSIZE_FORMAT " bytes at %d Hz", fx.playback_bytes,
                  fx.playback_rate);

  /* No microphone on this host may give no samples: the guest stops reading
   * after a second either way. */
  guest_run ("test -c /dev/dsp && { timeout 1 head -c 800 /dev/dsp > /dev/null; true; }");
  g_assert_true (hearth_test_wait (record_started_cb, NULL, STEP_TIMEOUT_MS));

  g_signal_handlers_disconnect_by_func (playback, on_playback_start_cb, NULL);
  g_signal_handlers_disconnect_by_func (playback, on_playback_data_cb, NULL);
  g_signal_handlers_disconnect_by_func (record, on_record_start_cb, NULL);
}

int
main (int   argc,
      char *argv[])
{
  const char *fatal[] = { "hearth-display", "hearth-test-display-agent", "GLib", "GLib-GObject",
                          "GLib-GIO", "Gtk", "Gdk", "Gsk" };
  int ret;

  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GDK_BACKEND", "x11", FALSE);
  gtk_test_init (&argc, &argv, NULL);

  /* spice-client-glib warns about things outside our control, so only
   * warnings from our code and the toolkit fail the test. */
  g_log_set_always_fatal (G_LOG_FATAL_MASK);
  for (guint i = 0; i < G_N_ELEMENTS (fatal); i++)
    g_log_set_fatal_mask (fatal[i], G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);

  if (!set_up ())
    {
      g_test_skip ("The test guest is not built");
      return 77;
    }

  /* In this order, on one guest: each step starts where the last one left. */
  g_test_add_func ("/display/agent/connect", test_agent_connect);
  g_test_add_func ("/display/agent/resize", test_agent_resize);
  g_test_add_func ("/display/agent/host-to-guest", test_agent_host_to_guest);
  g_test_add_func ("/display/agent/guest-to-host", test_agent_guest_to_host);
  g_test_add_func ("/display/agent/large", test_agent_large);
  g_test_add_func ("/display/agent/mouse", test_agent_mouse);
  g_test_add_func ("/display/agent/reboot", test_agent_reboot);
  g_test_add_func ("/display/agent/audio", test_audio);
  g_test_add_func ("/display/agent/monitors-config", test_agent_monitors_config);

  ret = g_test_run ();
  tear_down ();
  return ret;
}
