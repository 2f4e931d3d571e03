/* test-display.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-test-display"

#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <glib/gstdio.h>
#include <glib-unix.h>
#include <gdk/x11/gdkx.h>
#include <gtk/gtk.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <math.h>
#include <linux/input-event-codes.h>
#include <string.h>
#include <sys/shm.h>
#include <X11/extensions/Xdamage.h>
#include <X11/extensions/XTest.h>

#include "hearth-core.h"
#include "hearth-display.h"
#include "hearth-keymap.h"

/*
 * The display widget against real QEMU: the tiny test guest boots with TCG
 * through qemu:///embed (no daemon), its SPICE server listens nowhere, and the
 * widget gets its descriptors from virDomainOpenGraphicsFD, as Hearth does.
 * Test code may call libvirt directly; the widget never does.
 *
 * The guest reports on its serial port (a file here) what its input devices
 * see and runs what is typed on its screen's shell, so every check reads the
 * guest's own account of what happened.
 */

#define BOOT_TIMEOUT_MS 120000
#define STEP_TIMEOUT_MS 60000

typedef struct
{
  char *root;
  char *serial_path;
  char *name;
  virConnectPtr conn;
  virDomainPtr dom;

  GtkWidget *window;
  HearthDisplay *display;
  GtkEventController *keys;
  GtkEventController *motion;

  guint first_frames;
  guint frames;
  guint paints;
  gint64 last_frame_time;
  guint disconnects;
  guint fds_supplied;
  gsize serial_offset; /* where the current step's search starts */
} Fixture;

static Fixture fx;

static void start_reaper (void);

/* ---------------------------------------------------------------------------------------------- */
/* Main-loop helpers                                                                              */

typedef gboolean (*Condition) (gpointer data);

static gboolean
timeout_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
never_cb (gpointer data)
{
  return FALSE;
}

static gboolean
wake_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the main context until @condition holds or @timeout_ms pass. The
 * serial log is a file nobody tells us about, hence the periodic wake-up. */
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
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (fx.serial_path, &contents, &length, NULL))
    return g_strdup ("");

  return g_steal_pointer (&contents);
}

static gboolean
serial_has_cb (gpointer data)
{
  g_autofree char *contents = read_serial ();
  gsize length = strlen (contents);

  /* A log shorter than where the step began was started over (a new QEMU
   * process may truncate it): search all of it. */
  if (length < fx.serial_offset)
    fx.serial_offset = 0;

  return strstr (contents + fx.serial_offset, (const char *) data) != NULL;
}

/* Waits for @needle in the serial log after the current step's start. */
static gboolean
wait_serial (const char *needle,
             guint       timeout_ms)
{
  return wait_for (serial_has_cb, (gpointer) needle, timeout_ms);
}

/* Waits for @needle after the current position and moves past it, so the
 * same line can be awaited again for the next key. */
static gboolean
consume_serial (const char *needle,
                guint       timeout_ms)
{
  g_autofree char *contents = NULL;
  const char *found;

  if (!wait_serial (needle, timeout_ms))
    return FALSE;

  contents = read_serial ();
  found = strstr (contents + fx.serial_offset, needle);
  g_assert_nonnull (found);
  fx.serial_offset = (found - contents) + strlen (needle);
  return TRUE;
}

static void
start_step (void)
{
  g_autofree char *contents = read_serial ();

  fx.serial_offset = strlen (contents);
}

/* ---------------------------------------------------------------------------------------------- */
/* The guest                                                                                      */

static char *
guest_xml_full (const char *name,
                const char *serial_path,
                gboolean    tablet)
{
  const char *dir = g_getenv ("HEARTH_TEST_GUEST_DIR");
  g_autofree char *kernel = g_build_filename (dir, "vmlinux", NULL);
  g_autofree char *initrd = g_build_filename (dir, "initrd.img", NULL);

  g_autofree char *xml = g_markup_printf_escaped (
    "<domain type='qemu'>"
    "  <name>%s</name>"
    "  <memory unit='MiB'>256</memory>"
    "  <vcpu>1</vcpu>"
    "  <os>"
    "    <type arch='x86_64' machine='pc'>hvm</type>"
    "    <kernel>%s</kernel>"
    "    <initrd>%s</initrd>"
    "    <cmdline>console=ttyS0 loglevel=4%s</cmdline>"
    "  </os>"
    "  <features><acpi/></features>"
    "  <on_reboot>restart</on_reboot>"
    "  <devices>"
    "    <serial type='file'><source path='%s' append='on'/><target port='0'/></serial>"
    "    <input type='keyboard' bus='ps2'/>"
    "    <input type='mouse' bus='ps2'/>"
    "    <graphics type='spice'><listen type='none'/></graphics>"
    "    <video><model type='qxl'/></video>"
    "    <memballoon model='none'/>"
    "  </devices>"
    "</domain>",
    name, kernel, initrd, tablet ? " hearth.tablet=1" : "", serial_path);
  g_autoptr(GString) result = g_string_new (xml);

  if (tablet)
    g_string_replace (result, "</devices>", "<input type='tablet' bus='usb'/></devices>", 1);

  return g_string_free (g_steal_pointer (&result), FALSE);
}

static char *
guest_xml (void)
{
  return guest_xml_full (fx.name, fx.serial_path, FALSE);
}

static void
start_guest (void)
{
  start_step ();
  if (virDomainCreate (fx.dom) != 0)
    g_error ("Could not start the guest: %s", virGetLastErrorMessage ());
  if (!wait_serial ("HEARTH-GUEST-READY", BOOT_TIMEOUT_MS))
    g_error ("The guest did not boot; serial log:\n%s", read_serial ());
}

/* Opens a descriptor to the guest's SPICE server, as the core does. */
static int
open_graphics_fd (void)
{
  int fd = virDomainOpenGraphicsFD (fx.dom, 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);

  if (fd < 0)
    g_test_message ("virDomainOpenGraphicsFD: %s", virGetLastErrorMessage ());
  return fd;
}

/* libvirt's own screenshot (QEMU's screendump), as RGB rows. libvirt hands
 * over PNG when QEMU can write it, PPM otherwise. */
static guint8 *
libvirt_screenshot (int *width,
                    int *height)
{
  virStreamPtr stream = virStreamNew (fx.conn, 0);
  g_autofree char *mime = virDomainScreenshot (fx.dom, stream, 0, 0);
  g_autoptr(GByteArray) data = g_byte_array_new ();
  char buf[65536];
  int got;

  g_assert_nonnull (mime);
  while ((got = virStreamRecv (stream, buf, sizeof buf)) > 0)
    g_byte_array_append (data, (guint8 *) buf, got);
  g_assert_cmpint (got, ==, 0);
  virStreamFinish (stream);
  virStreamFree (stream);

  if (g_strcmp0 (mime, "image/png") == 0)
    {
      g_autoptr(GBytes) bytes = g_byte_array_free_to_bytes (g_steal_pointer (&data));
      g_autoptr(GError) error = NULL;
      g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (bytes, &error);
      g_autofree guint8 *bgra = NULL;
      guint8 *rgb;
      gsize n;

      g_assert_no_error (error);
      *width = gdk_texture_get_width (texture);
      *height = gdk_texture_get_height (texture);
      n = (gsize) *width * *height;
      bgra = g_malloc (n * 4);
      gdk_texture_download (texture, bgra, (gsize) *width * 4);
      rgb = g_malloc (n * 3);
      for (gsize i = 0; i < n; i++)
        {
          rgb[i * 3] = bgra[i * 4 + 2];
          rgb[i * 3 + 1] = bgra[i * 4 + 1];
          rgb[i * 3 + 2] = bgra[i * 4];
        }
      return rgb;
    }
  else
    {
      int maxval = 0, consumed = 0;

      g_assert_cmpstr (mime, ==, "image/x-portable-pixmap");
      g_byte_array_append (data, (const guint8 *) "", 1); /* for sscanf */
      g_assert_cmpint (sscanf ((const char *) data->data, "P6 %d %d %d%n", width, height, &maxval,
                               &consumed),
                       ==, 3);
      g_assert_cmpint (maxval, ==, 255);
      consumed++; /* the single whitespace after maxval */
      g_assert_cmpuint (data->len - 1, >=, consumed + (gsize) *width * *height * 3);
      return g_memdup2 (data->data + consumed, (gsize) *width * *height * 3);
    }
}

/* ---------------------------------------------------------------------------------------------- */
/* The widget                                                                                     */

static void
on_request_fd_cb (HearthDisplay *display,
                  gpointer       user_data)
{
  fx.fds_supplied++;
  hearth_display_supply_fd (display, open_graphics_fd ());
}

static void
on_first_frame_cb (HearthDisplay *display,
                   gpointer       user_data)
{
  fx.first_frames++;
}

static void
on_frame_cb (HearthDisplay *display,
             gpointer       user_data)
{
  fx.frames++;
  fx.last_frame_time = g_get_monotonic_time ();
}

static void
on_disconnected_cb (HearthDisplay *display,
                    const char    *reason,
                    gpointer       user_data)
{
  g_test_message ("Disconnected: %s", reason ? reason : "(closed)");
  fx.disconnects++;
}

static gboolean
first_frames_reached_cb (gpointer data)
{
  return fx.first_frames >= GPOINTER_TO_UINT (data);
}

static gboolean
disconnects_reached_cb (gpointer data)
{
  return fx.disconnects >= GPOINTER_TO_UINT (data);
}

static gboolean
connected_cb (gpointer data)
{
  return hearth_display_get_connected (fx.display)
         && hearth_display_get_guest_width (fx.display) > 0;
}

static gboolean
quiet_cb (gpointer data)
{
  /* No screen change for a second and a half. */
  return fx.frames > 0 && g_get_monotonic_time () - fx.last_frame_time > 1500 * 1000;
}

static GtkEventController *
find_controller (GtkWidget *widget,
                 GType      type)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (widget);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GtkEventController) c = g_list_model_get_item (controllers, i);

      if (G_TYPE_CHECK_INSTANCE_TYPE (c, type))
        return c;
    }

  return NULL;
}

static void
connect_display (void)
{
  int fd = open_graphics_fd ();
  guint target = fx.first_frames + 1;

  g_assert_cmpint (fd, >=, 0);
  hearth_display_open_fd (fx.display, fd);

  if (!wait_for (first_frames_reached_cb, GUINT_TO_POINTER (target), STEP_TIMEOUT_MS))
    g_error ("No first frame (%u descriptors supplied)", fx.fds_supplied);
  g_assert_true (wait_for (connected_cb, NULL, STEP_TIMEOUT_MS));
}

/* Presses (or releases) the key with @keycode through the widget's key
 * controller, the way GTK delivers a real key event to it. */
static void
emit_key (guint           keyval,
          guint           keycode,
          GdkModifierType state,
          gboolean        press)
{
  gboolean handled = FALSE;

  if (press)
    {
      g_signal_emit_by_name (fx.keys, "key-pressed", keyval, keycode, state, &handled);
      g_assert_true (handled);
    }
  else
    {
      g_signal_emit_by_name (fx.keys, "key-released", keyval, keycode, state);
    }
}

static guint
keycode_for_keyval (guint     keyval,
                    gboolean *shifted)
{
  g_autofree GdkKeymapKey *keys = NULL;
  int n_keys = 0;
  guint best = 0;

  g_assert_true (gdk_display_map_keyval (gtk_widget_get_display (fx.window), keyval, &keys,
                                         &n_keys));
  for (int i = 0; i < n_keys; i++)
    {
      /* Xvfb's keymap also puts some symbols on keys a PC keyboard lacks
       * (KP_LeftParen); a person types them on the main block. */
      if (keys[i].group != 0 || keys[i].level > 1 || hearth_keymap_keycode_to_xt (keys[i].keycode) == 0)
        continue;
      if (best == 0 || keys[i].level == 0)
        {
          best = keys[i].keycode;
          *shifted = keys[i].level == 1;
        }
    }

  g_assert_cmpuint (best, !=, 0);
  return best;
}

/* Types @text with the host's keymap (US under Xvfb), one key at a time. */
static void
type_text (const char *text)
{
  gsize start = fx.serial_offset;
  guint shift_keycode;
  gboolean unused;

  shift_keycode = keycode_for_keyval (GDK_KEY_Shift_L, &unused);

  for (const char *p = text; *p != '\0'; p++)
    {
      guint keyval = *p == '\n' ? GDK_KEY_Return : gdk_unicode_to_keyval ((guchar) *p);
      gboolean shifted = FALSE;
      guint keycode = keycode_for_keyval (keyval, &shifted);

      g_autofree char *released = g_strdup_printf (" 1 %u 0\r", keycode - 8);

      if (shifted)
        emit_key (GDK_KEY_Shift_L, shift_keycode, 0, TRUE);
      emit_key (keyval, keycode, shifted ? GDK_SHIFT_MASK : 0, TRUE);
      emit_key (keyval, keycode, shifted ? GDK_SHIFT_MASK : 0, FALSE);
      if (shifted)
        emit_key (GDK_KEY_Shift_L, shift_keycode, GDK_SHIFT_MASK, FALSE);

      /* Under TCG the guest drains its small PS/2 queue slowly (and reports
       * every key through a process of its own): type like a person, the
       * next key once the guest has seen this one released. */
      if (!consume_serial (released, STEP_TIMEOUT_MS))
        g_error ("The guest did not see key %u released; serial since:\n%s", keycode - 8,
                 read_serial () + fx.serial_offset);
    }

  /* What the typing caused may come before the last key's report. */
  fx.serial_offset = start;
}

/* What @widget draws, rendered by its window's renderer in device pixels
 * (twice its size in each direction with GDK_SCALE=2), as the screen shows it. */
static GdkTexture *
render_widget (GtkWidget *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);
  g_autoptr(GskRenderNode) node = NULL;
  int scale = gtk_widget_get_scale_factor (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);

  /* Right after a layout change the widget may have nothing to draw until
   * its next frame; give it a few. */
  for (int attempt = 0; attempt < 50 && node == NULL; attempt++)
    {
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();

      if (attempt > 0)
        wait_for (never_cb, NULL, 50);
      gtk_snapshot_scale (snapshot, scale, scale);
      gdk_paintable_snapshot (paintable, snapshot, width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
    }
  g_assert_nonnull (node);

  return gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                      node,
                                      &GRAPHENE_RECT_INIT (0, 0, width * scale, height * scale));
}

static void
save_artifact (const char *name)
{
  const char *dir = g_getenv ("HEARTH_TEST_ARTIFACTS");
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *path = NULL;
  g_autofree char *file = NULL;

  if (dir == NULL)
    return;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  texture = render_widget (fx.window);
  /* The HiDPI run saves its own pictures next to the others. */
  file = gtk_widget_get_scale_factor (fx.window) > 1
           ? g_strdup_printf ("hidpi-%s", name)
           : g_strdup (name);
  path = g_build_filename (dir, file, NULL);
  g_assert_true (gdk_texture_save_to_png (texture, path));
  g_test_message ("Saved %s", path);
}

/* ---------------------------------------------------------------------------------------------- */
/* Tests                                                                                          */

/* Compares the widget's frame with libvirt's screenshot; returns the share of
 * pixels that differ by more than a small tolerance. */
static double
compare_with_libvirt (void)
{
  g_autoptr(GdkTexture) frame = hearth_display_dup_frame (fx.display);
  g_autofree guint8 *shot = NULL;
  g_autofree guint8 *mine = NULL;
  int w = 0, h = 0, fw, fh;
  gsize stride, differing = 0;

  g_assert_nonnull (frame);
  shot = libvirt_screenshot (&w, &h);
  fw = gdk_texture_get_width (frame);
  fh = gdk_texture_get_height (frame);
  g_assert_cmpint (fw, ==, w);
  g_assert_cmpint (fh, ==, h);

  stride = (gsize) fw * 4;
  mine = g_malloc (stride * fh);
  gdk_texture_download (frame, mine, stride); /* cairo ARGB32: B G R A in memory */

  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *a = mine + y * stride + x * 4;
        const guint8 *b = shot + ((gsize) y * w + x) * 3;

        if (ABS (a[2] - b[0]) > 8 || ABS (a[1] - b[1]) > 8 || ABS (a[0] - b[2]) > 8)
          differing++;
      }

  return (double) differing / ((double) w * h);
}

static gboolean
one_to_one_cb (gpointer data)
{
  int scale = gtk_widget_get_scale_factor (GTK_WIDGET (fx.display));

  return gtk_widget_get_width (GTK_WIDGET (fx.display)) * scale
           >= hearth_display_get_guest_width (fx.display)
         && gtk_widget_get_height (GTK_WIDGET (fx.display)) * scale
              >= hearth_display_get_guest_height (fx.display);
}

/* What the widget draws (its tiles), at 1:1, against libvirt's screenshot:
 * one guest pixel on each device pixel, the screen centred in the widget. */
static double
compare_rendering_with_libvirt (void)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guint8 *shot = NULL;
  g_autofree guint8 *mine = NULL;
  int w = 0, h = 0, tw, th, ox, oy;
  gsize stride, differing = 0;

  hearth_display_set_scale_to_fit (fx.display, FALSE);
  g_assert_true (wait_for (one_to_one_cb, NULL, STEP_TIMEOUT_MS));
  g_assert_true (wait_for (quiet_cb, NULL, STEP_TIMEOUT_MS));

  shot = libvirt_screenshot (&w, &h);
  texture = render_widget (GTK_WIDGET (fx.display));
  tw = gdk_texture_get_width (texture);
  th = gdk_texture_get_height (texture);
  g_assert_cmpint (tw, >=, w);
  g_assert_cmpint (th, >=, h);
  ox = (tw - w) / 2;
  oy = (th - h) / 2;

  stride = (gsize) tw * 4;
  mine = g_malloc (stride * th);
  gdk_texture_download (texture, mine, stride);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      {
        const guint8 *a = mine + (y + oy) * stride + (x + ox) * 4;
        const guint8 *b = shot + ((gsize) y * w + x) * 3;

        if (ABS (a[2] - b[0]) > 8 || ABS (a[1] - b[1]) > 8 || ABS (a[0] - b[2]) > 8)
          differing++;
      }

  hearth_display_set_scale_to_fit (fx.display, TRUE);
  return (double) differing / ((double) w * h);
}

static void
test_display_first_frame (void)
{
  double differing = 1;

  connect_display ();
  g_assert_cmpuint (fx.first_frames, ==, 1);

  /* The guest writes its prompt after saying it is ready; compare once the
   * screen is still, and again if it changed under us. */
  for (int attempt = 0; attempt < 5 && differing > 0.001; attempt++)
    {
      g_assert_true (wait_for (quiet_cb, NULL, STEP_TIMEOUT_MS));
      differing = compare_with_libvirt ();
      g_test_message ("Attempt %d: %.4f%% of pixels differ", attempt, differing * 100);
    }

  g_assert_cmpfloat (differing, <=, 0.001);

  /* The screen is not blank: the comparison meant something. */
  {
    g_autoptr(GdkTexture) frame = hearth_display_dup_frame (fx.display);
    int w = gdk_texture_get_width (frame), h = gdk_texture_get_height (frame);
    g_autofree guint8 *px = g_malloc ((gsize) w * h * 4);
    gsize lit = 0;

    gdk_texture_download (frame, px, (gsize) w * 4);
    for (gsize i = 0; i < (gsize) w * h; i++)
      if (px[i * 4] > 64 || px[i * 4 + 1] > 64 || px[i * 4 + 2] > 64)
        lit++;
    g_assert_cmpuint (lit, >, 100);
  }

  save_artifact ("display-first-frame.png");
}

static void
test_display_typing (void)
{
  gtk_widget_grab_focus (GTK_WIDGET (fx.display));

  start_step ();
  type_text ("echo typed-ok-$((6*7)) > /dev/ttyS0\n");
  if (!wait_serial ("typed-ok-42", STEP_TIMEOUT_MS))
    g_error ("The typed command did not run; serial log:\n%s", read_serial ());

  /* The typed line reached the screen as damage tiles over the first frame:
   * what the widget draws must still be exactly the guest's screen. */
  {
    double differing = 1;

    for (int attempt = 0; attempt < 5 && differing > 0.001; attempt++)
      {
        differing = compare_rendering_with_libvirt ();
        g_test_message ("Rendering, attempt %d: %.4f%% of pixels differ", attempt, differing * 100);
      }
    g_assert_cmpfloat (differing, <=, 0.001);
  }

  save_artifact ("display-typed.png");
}

/* Every shared-memory segment this process makes (cairo's MIT-SHM pools among
 * them) goes through here: the executable's definition comes before libc's. */
static int shm_segments_made;

int
shmget (key_t  key,
        size_t size,
        int    flags)
{
  static int (*real_shmget) (key_t, size_t, int);

  if (real_shmget == NULL)
    real_shmget = (int (*) (key_t, size_t, int)) dlsym (RTLD_NEXT, "shmget");
  g_atomic_int_inc (&shm_segments_made);
  return real_shmget (key, size, flags);
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   gpointer       user_data)
{
  fx.paints++;
}

/* GTK's cairo renderer on X11 sends every frame through a MIT-SHM segment
 * from cairo's pool. A pool that empties after each frame would be destroyed
 * and a new segment made for the next; the display keeps the pool alive
 * (hearth-x11-shm.c), so a stream of full-screen frames reuses one segment. */
static void
test_display_x11_shm_reuse (void)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (fx.display));
  GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (fx.display));
  guint paints0;
  int made0;

  if (!GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (native)))
    {
      g_test_skip ("Only GTK's cairo renderer paints through cairo's X11 pools");
      return;
    }

  gtk_widget_grab_focus (GTK_WIDGET (fx.display));
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), NULL);
  paints0 = fx.paints;
  made0 = g_atomic_int_get (&shm_segments_made);

  start_step ();
  type_text ("for i in 1 2 3 4 5 6 7 8 9 10 11 12; do "
             "head -c 3145728 /dev/urandom > /dev/fb0; done; echo shm-ok > /dev/ttyS0\n");
  if (!wait_serial ("shm-ok", STEP_TIMEOUT_MS))
    g_error ("The repaint loop did not finish; serial log:\n%s", read_serial ());
  g_signal_handlers_disconnect_by_func (clock, on_after_paint_cb, NULL);

  g_test_message ("%u frames painted, %d shared-memory segments made",
                  fx.paints - paints0, g_atomic_int_get (&shm_segments_made) - made0);
  g_assert_cmpuint (fx.paints - paints0, >=, 12);
  g_assert_cmpint (g_atomic_int_get (&shm_segments_made) - made0, <=, 2);
}

/* Scaled to fit, a strip the guest repaints is repainted in the window as a
 * strip, not as the whole picture. GTK works out what to repaint by comparing
 * frames, which it cannot do under a scaling transform; the test watches the
 * X server's damage on the window while the guest repaints its top 16 rows. */
static void
test_display_scaled_damage (void)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (fx.display));
  Window xid = gdk_x11_surface_get_xid (gtk_native_get_surface (native));
  int display_width = gtk_widget_get_width (GTK_WIDGET (fx.display));
  int display_height = gtk_widget_get_height (GTK_WIDGET (fx.display));
  int damage_event, damage_error, events = 0;
  long largest = 0;
  Display *dpy;
  Damage damage;

  if (!GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (native)))
    {
      /* Mesa's software GL puts the whole window on every buffer swap. */
      g_test_skip ("Only GTK's cairo renderer puts just the repainted region");
      return;
    }

  /* The guest's 1024×768 in a smaller window: scaled. */
  g_assert_cmpint (display_width, <, 1024);

  dpy = XOpenDisplay (NULL);
  g_assert_nonnull (dpy);
  g_assert_true (XDamageQueryExtension (dpy, &damage_event, &damage_error));
  damage = XDamageCreate (dpy, xid, XDamageReportRawRectangles);

  gtk_widget_grab_focus (GTK_WIDGET (fx.display));
  start_step ();
  type_text ("sleep 1; echo damage-start > /dev/ttyS0; "
             "for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "
             "head -c 65536 /dev/urandom > /dev/fb0; usleep 50000; done; "
             "echo damage-ok > /dev/ttyS0\n");
  if (!wait_serial ("damage-start", STEP_TIMEOUT_MS))
    g_error ("The guest did not start repainting; serial log:\n%s", read_serial ());

  /* Forget the typing's own repaints. */
  XSync (dpy, False);
  while (XPending (dpy) > 0)
    {
      XEvent event;

      XNextEvent (dpy, &event);
    }

  if (!wait_serial ("damage-ok", STEP_TIMEOUT_MS))
    g_error ("The repaint loop did not finish; serial log:\n%s", read_serial ());
  g_assert_true (wait_for (quiet_cb, NULL, STEP_TIMEOUT_MS));

  XSync (dpy, False);
  while (XPending (dpy) > 0)
    {
      XEvent event;

      XNextEvent (dpy, &event);
      if (event.type == damage_event + XDamageNotify)
        {
          XDamageNotifyEvent *notify = (XDamageNotifyEvent *) &event;

          events++;
          largest = MAX (largest, (long) notify->area.width * notify->area.height);
        }
    }
  XDamageDestroy (dpy, damage);
  XCloseDisplay (dpy);

  g_test_message ("%d damage events, the largest %ld pixels, the picture %d×%d",
                  events, largest, display_width, display_height);
  g_assert_cmpint (events, >=, 10);
  /* One row of tiles is 36 of the guest's 768 rows. */
  g_assert_cmpint (largest, <, (long) display_width * display_height / 4);
}

static gboolean
display_width_is_cb (gpointer data)
{
  return gtk_widget_get_width (GTK_WIDGET (fx.display)) == GPOINTER_TO_INT (data);
}

/* In a window wider than the guest's 4:3 screen, the picture is centred between
 * black bars, and nothing between them and the picture is left unpainted: the
 * bars are drawn beside the picture, not under it. The guest's screen is
 * filled with random pixels first. */
static void
test_display_letterbox (void)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree guint8 *px = NULL;
  int width, height, bar, unpainted = 0, lit_bars = 0, dark_picture = 0;

  gtk_widget_grab_focus (GTK_WIDGET (fx.display));
  start_step ();
  type_text ("head -c 3145728 /dev/urandom > /dev/fb0; echo noise-ok > /dev/ttyS0\n");
  if (!wait_serial ("noise-ok", STEP_TIMEOUT_MS))
    g_error ("The guest did not fill its screen; serial log:\n%s", read_serial ());
  g_assert_true (wait_for (quiet_cb, NULL, STEP_TIMEOUT_MS));

  gtk_window_set_default_size (GTK_WINDOW (fx.window), 1000, 600);
  g_assert_true (wait_for (display_width_is_cb, GINT_TO_POINTER (1000), STEP_TIMEOUT_MS));
  texture = render_widget (GTK_WIDGET (fx.display));
  width = gdk_texture_get_width (texture);
  height = gdk_texture_get_height (texture);
  px = g_malloc ((gsize) width * height * 4);
  gdk_texture_download (texture, px, (gsize) width * 4);

  /* 1024×768 shown in 1000×600: 800 wide, so 100-pixel bars (in device pixels). */
  bar = (width - height * 4 / 3) / 2;
  g_assert_cmpint (bar, >, 10);
  for (int y = 0; y < height; y++)
    for (int x = 0; x < width; x++)
      {
        const guint8 *p = px + ((gsize) y * width + x) * 4;
        gboolean black = p[0] < 8 && p[1] < 8 && p[2] < 8;

        unpainted += p[3] != 255;
        if (x < bar - 1 || x > width - bar)
          lit_bars += !black;
        else if (x > bar + 1 && x < width - bar - 2)
          dark_picture += black;
      }
  save_artifact ("display-letterbox.png");

  gtk_window_set_default_size (GTK_WINDOW (fx.window), 800, 600);
  g_assert_true (wait_for (display_width_is_cb, GINT_TO_POINTER (800), STEP_TIMEOUT_MS));

  g_test_message ("Letterbox: %d unpainted, %d lit bar pixels, %d black picture pixels",
                  unpainted, lit_bars, dark_picture);
  g_assert_cmpint (unpainted, ==, 0);
  g_assert_cmpint (lit_bars, ==, 0);
  /* Random pixels: almost none black. */
  g_assert_cmpint (dark_picture, <, (width - 2 * bar) * height / 100);
}

/* Keys whose scancodes are easy to get wrong reach the guest as the same
 * Linux key: the guest's keyboard driver reports the evdev code it decoded. */
static void
test_display_special_keys (void)
{
  static const guint evdev_codes[] = {
    KEY_LEFTMETA, KEY_RIGHTALT, KEY_RIGHTCTRL, KEY_F11, KEY_F12, KEY_KPENTER, KEY_KPSLASH,
    KEY_HOME, KEY_DELETE, KEY_102ND, KEY_RO, KEY_YEN, KEY_HENKAN, KEY_MUHENKAN,
    KEY_KATAKANAHIRAGANA, KEY_COMPOSE,
  };

  gtk_widget_grab_focus (GTK_WIDGET (fx.display));

  for (guint i = 0; i < G_N_ELEMENTS (evdev_codes); i++)
    {
      guint keycode = evdev_codes[i] + 8;
      g_autofree char *expect_press = g_strdup_printf (" 1 %u 1\r", evdev_codes[i]);
      g_autofree char *expect_release = g_strdup_printf (" 1 %u 0\r", evdev_codes[i]);

      start_step ();
      emit_key (0, keycode, 0, TRUE);
      emit_key (0, keycode, 0, FALSE);
      if (!wait_serial (expect_press, STEP_TIMEOUT_MS) || !wait_serial (expect_release, 5000))
        g_error ("evdev key %u (scancode 0x%x) did not arrive as itself; serial since:\n%s",
                 evdev_codes[i], hearth_keymap_evdev_to_xt (evdev_codes[i]),
                 read_serial () + fx.serial_offset);
    }

  /* Leave the shell on a fresh line whatever these keys typed. */
  type_text ("\n");
}


static void
test_display_focus_releases_keys (void)
{
  guint keycode = KEY_LEFTSHIFT + 8;

  gtk_widget_grab_focus (GTK_WIDGET (fx.display));
  start_step ();
  emit_key (GDK_KEY_Shift_L, keycode, 0, TRUE);
  g_assert_true (wait_serial (" 1 42 1\r", STEP_TIMEOUT_MS));

  /* Focus moves away while Shift is down: the guest must see it released. */
  gtk_window_set_focus (GTK_WINDOW (fx.window), NULL);
  g_assert_true (wait_serial (" 1 42 0\r", STEP_TIMEOUT_MS));
}

/* Real pointer events: XTest moves the X server's pointer and presses its
 * buttons, so GDK, GTK's controllers and the widget see what a mouse does. */
static Display *
xdisplay (void)
{
  return gdk_x11_display_get_xdisplay (gtk_widget_get_display (fx.window));
}

static void
fake_motion_to (double x,
                double y)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (fx.display));
  GdkSurface *surface = gtk_native_get_surface (native);
  graphene_point_t in = GRAPHENE_POINT_INIT (x, y), out;
  double nx, ny;
  int sx = 0, sy = 0;
  Window child;

  int scale = gdk_surface_get_scale_factor (surface);

  g_assert_true (gtk_widget_compute_point (GTK_WIDGET (fx.display), GTK_WIDGET (native), &in, &out));
  gtk_native_get_surface_transform (native, &nx, &ny);
  XTranslateCoordinates (xdisplay (), gdk_x11_surface_get_xid (surface),
                         DefaultRootWindow (xdisplay ()), 0, 0, &sx, &sy, &child);
  /* X counts device pixels; GTK with GDK_SCALE=2 two per widget unit. */
  XTestFakeMotionEvent (xdisplay (), -1, sx + (int) ((out.x + nx) * scale),
                        sy + (int) ((out.y + ny) * scale), CurrentTime);
  XSync (xdisplay (), False);
}

static void
fake_button (guint    button,
             gboolean press)
{
  XTestFakeButtonEvent (xdisplay (), button, press, CurrentTime);
  XSync (xdisplay (), False);
}

static gboolean
pointer_inside_cb (gpointer data)
{
  return gtk_event_controller_motion_contains_pointer (GTK_EVENT_CONTROLLER_MOTION (fx.motion));
}

static gboolean
grabbed_is_cb (gpointer data)
{
  return hearth_display_get_grabbed (fx.display) == GPOINTER_TO_INT (data);
}

typedef struct
{
  int dx, dy;
  int want_dx, want_dy;
} MouseSum;

/* Adds up the guest's /dev/input/mice packets since the step began. */
static gboolean
mouse_moved_cb (gpointer data)
{
  MouseSum *sum = data;
  g_autofree char *contents = read_serial ();
  g_auto(GStrv) lines = g_strsplit (contents + MIN (fx.serial_offset, strlen (contents)), "\n", -1);

  sum->dx = sum->dy = 0;
  for (guint i = 0; lines[i] != NULL; i++)
    {
      int dx, dy, buttons;

      if (sscanf (lines[i], "HEARTH-MOUSE %d %d %d", &dx, &dy, &buttons) == 3)
        {
          sum->dx += dx;
          sum->dy += dy;
        }
    }

  return ABS (sum->dx - sum->want_dx) <= 2 && ABS (sum->dy - sum->want_dy) <= 2;
}

static void
test_display_mouse (void)
{
  double cx = gtk_widget_get_width (GTK_WIDGET (fx.display)) / 2.0;
  double cy = gtk_widget_get_height (GTK_WIDGET (fx.display)) / 2.0;
  double scale = (double) gtk_widget_get_width (GTK_WIDGET (fx.display))
                 / hearth_display_get_guest_width (fx.display);
  MouseSum sum = { 0 };
  gboolean handled;

  /* The test guest has a PS/2 mouse: server mode, relative motion. */
  g_assert_cmpint (hearth_display_get_mouse_mode (fx.display), ==, HEARTH_DISPLAY_MOUSE_MODE_SERVER);
  scale = MIN (scale, (double) gtk_widget_get_height (GTK_WIDGET (fx.display))
                        / hearth_display_get_guest_height (fx.display));

  fake_motion_to (cx, cy);
  g_assert_true (wait_for (pointer_inside_cb, NULL, STEP_TIMEOUT_MS));

  /* The first click grabs and is not passed on. */
  start_step ();
  fake_button (1, TRUE);
  fake_button (1, FALSE);
  g_assert_true (wait_for (grabbed_is_cb, GINT_TO_POINTER (TRUE), STEP_TIMEOUT_MS));

  /* Motion: 80 widget units right and 40 down, in steps. The guest sees it
   * in its own pixels; PS/2 reports up as positive. */
  for (int i = 1; i <= 8; i++)
    {
      fake_motion_to (cx + 10 * i, cy + 5 * i);
      wait_for (mouse_moved_cb, &sum, 50); /* pacing only */
    }
  sum.want_dx = (int) round (80 / scale);
  sum.want_dy = -(int) round (40 / scale);
  if (!wait_for (mouse_moved_cb, &sum, STEP_TIMEOUT_MS))
    g_error ("The guest saw the pointer move by %d,%d, not %d,%d", sum.dx, sum.dy, sum.want_dx,
             sum.want_dy);

  /* Buttons: right (bit 1) and middle (bit 2) go down and up. */
  start_step ();
  fake_button (3, TRUE);
  g_assert_true (consume_serial (" 2\r", STEP_TIMEOUT_MS));
  fake_button (3, FALSE);
  g_assert_true (consume_serial (" 0\r", STEP_TIMEOUT_MS));
  fake_button (2, TRUE);
  g_assert_true (consume_serial (" 4\r", STEP_TIMEOUT_MS));
  fake_button (2, FALSE);
  g_assert_true (consume_serial (" 0\r", STEP_TIMEOUT_MS));

  /* The wheel: one click up and one down reach the guest as REL_WHEEL. */
  start_step ();
  fake_button (4, TRUE);
  fake_button (4, FALSE);
  g_assert_true (consume_serial (" 2 8 1\r", STEP_TIMEOUT_MS));
  fake_button (5, TRUE);
  fake_button (5, FALSE);
  g_assert_true (consume_serial (" 2 8 -1\r", STEP_TIMEOUT_MS));

  /* Ctrl+Alt releases the grab. */
  g_signal_emit_by_name (fx.keys, "key-pressed", GDK_KEY_Control_L, KEY_LEFTCTRL + 8, 0, &handled);
  g_signal_emit_by_name (fx.keys, "key-pressed", GDK_KEY_Alt_L, KEY_LEFTALT + 8, GDK_CONTROL_MASK,
                         &handled);
  g_assert_false (hearth_display_get_grabbed (fx.display));
  g_signal_emit_by_name (fx.keys, "key-released", GDK_KEY_Alt_L, KEY_LEFTALT + 8,
                         GDK_CONTROL_MASK | GDK_ALT_MASK);
  g_signal_emit_by_name (fx.keys, "key-released", GDK_KEY_Control_L, KEY_LEFTCTRL + 8,
                         GDK_CONTROL_MASK);
}

static gboolean
mouse_mode_is_cb (gpointer data)
{
  return hearth_display_get_mouse_mode (fx.display) == (HearthDisplayMouseMode) GPOINTER_TO_INT (data);
}

/* Finds the last "HEARTH-INPUT <dev> 3 <axis> <value>" after the step start. */
static gboolean
last_abs (int  axis,
          int *value)
{
  g_autofree char *contents = read_serial ();
  g_auto(GStrv) lines = g_strsplit (contents + MIN (fx.serial_offset, strlen (contents)), "\n", -1);
  gboolean found = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char dev[32];
      int type, code, v;

      if (sscanf (lines[i], "HEARTH-INPUT %31s %d %d %d", dev, &type, &code, &v) == 4
          && type == EV_ABS && code == axis)
        {
          *value = v;
          found = TRUE;
        }
    }

  return found;
}

typedef struct
{
  int want_x, want_y;
  int x, y;
} AbsWait;

static gboolean
abs_reached_cb (gpointer data)
{
  AbsWait *w = data;

  return last_abs (ABS_X, &w->x) && last_abs (ABS_Y, &w->y)
         && ABS (w->x - w->want_x) <= 300 && ABS (w->y - w->want_y) <= 300;
}

/* A machine with a USB tablet: client mouse mode, absolute positions, no
 * grab. Runs last: it replaces the machine the other tests use. */
static void
test_display_tablet (void)
{
  g_autofree char *name = g_strdup_printf ("%s-tablet", fx.name);
  g_autofree char *xml = guest_xml_full (name, fx.serial_path, TRUE);
  virDomainPtr tablet_dom;
  double width = gtk_widget_get_width (GTK_WIDGET (fx.display));
  double height = gtk_widget_get_height (GTK_WIDGET (fx.display));
  double gw, gh, scale, ox, oy;
  AbsWait w = { 0 };

  hearth_display_close (fx.display);
  g_assert_cmpint (virDomainDestroy (fx.dom), ==, 0);

  tablet_dom = virDomainCreateXML (fx.conn, xml, 0);
  if (tablet_dom == NULL)
    g_error ("Could not start the tablet guest: %s", virGetLastErrorMessage ());
  virDomainFree (fx.dom);
  fx.dom = tablet_dom; /* open_graphics_fd and tear_down use it */

  start_step ();
  if (!wait_serial ("HEARTH-GUEST-READY", BOOT_TIMEOUT_MS))
    g_error ("The tablet guest did not boot; serial:\n%s", read_serial ());
  connect_display ();
  g_assert_true (wait_for (mouse_mode_is_cb, GINT_TO_POINTER (HEARTH_DISPLAY_MOUSE_MODE_CLIENT),
                           STEP_TIMEOUT_MS));
  g_assert_false (hearth_display_get_grabbed (fx.display));

  /* Where the screen is in the widget (scaled to fit, centred). */
  gw = hearth_display_get_guest_width (fx.display);
  gh = hearth_display_get_guest_height (fx.display);
  scale = MIN (width / gw, height / gh);
  ox = (width - gw * scale) / 2;
  oy = (height - gh * scale) / 2;

  /* Point at a quarter across and three quarters down the guest screen; the
   * tablet reports 0…32767 over the screen. No click is needed. */
  start_step ();
  fake_motion_to (ox + gw * scale / 4, oy + gh * scale * 3 / 4);
  w.want_x = 32767 / 4;
  w.want_y = 32767 * 3 / 4;
  if (!wait_for (abs_reached_cb, &w, STEP_TIMEOUT_MS))
    g_error ("The tablet is at %d,%d, not near %d,%d", w.x, w.y, w.want_x, w.want_y);

  /* A click in client mode goes straight to the guest. */
  start_step ();
  fake_button (1, TRUE);
  g_assert_true (consume_serial (" 1 272 1\r", STEP_TIMEOUT_MS)); /* BTN_LEFT */
  fake_button (1, FALSE);
  g_assert_true (consume_serial (" 1 272 0\r", STEP_TIMEOUT_MS));
  g_assert_false (hearth_display_get_grabbed (fx.display));
}

static gboolean
shortcut_cb (GtkWidget *widget,
             GVariant  *args,
             gpointer   data)
{
  *(gboolean *) data = TRUE;
  return TRUE;
}

/* Real X key events (XTest), through GDK and the window: Ctrl+Q, which a
 * window or application shortcut could take, reaches the guest as Ctrl+Q. */
static void
test_display_real_keys (void)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (fx.display));
  Window xid = gdk_x11_surface_get_xid (gtk_native_get_surface (native));
  GtkEventController *shortcuts = gtk_shortcut_controller_new ();
  gboolean shortcut_ran = FALSE;
  g_autofree char *q_down = g_strdup_printf (" 1 %d 1\r", KEY_Q);
  g_autofree char *q_up = g_strdup_printf (" 1 %d 0\r", KEY_Q);

  /* A window shortcut in the capture phase, as application accels are. */
  gtk_event_controller_set_propagation_phase (shortcuts, GTK_PHASE_CAPTURE);
  gtk_shortcut_controller_add_shortcut (
    GTK_SHORTCUT_CONTROLLER (shortcuts),
    gtk_shortcut_new (gtk_shortcut_trigger_parse_string ("<Control>q"),
                      gtk_callback_action_new (shortcut_cb, &shortcut_ran, NULL)));
  gtk_widget_add_controller (fx.window, shortcuts);

  /* Application accels are on the window before the display ever has the
   * focus; give the focus again so that is the order here too. */
  gtk_window_set_focus (GTK_WINDOW (fx.window), NULL);
  gtk_widget_grab_focus (GTK_WIDGET (fx.display));
  fake_motion_to (10, 10);
  XSetInputFocus (xdisplay (), xid, RevertToParent, CurrentTime);
  XSync (xdisplay (), False);

  start_step ();
  XTestFakeKeyEvent (xdisplay (), KEY_LEFTCTRL + 8, True, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_Q + 8, True, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_Q + 8, False, CurrentTime);
  XTestFakeKeyEvent (xdisplay (), KEY_LEFTCTRL + 8, False, CurrentTime);
  XSync (xdisplay (), False);

  if (!consume_serial (q_down, STEP_TIMEOUT_MS) || !consume_serial (q_up, STEP_TIMEOUT_MS))
    g_error ("Ctrl+Q did not reach the guest (shortcut ran: %d, focus: %d, active: %d)",
             shortcut_ran, gtk_widget_has_focus (GTK_WIDGET (fx.display)),
             gtk_window_is_active (GTK_WINDOW (fx.window)));
  g_assert_false (shortcut_ran);

  gtk_widget_remove_controller (fx.window, shortcuts);
}

static gboolean
reboot_done_cb (gpointer data)
{
  /* New frames on the same session, or a server that dropped the client on reset
   * (reconnected just below). */
  return serial_has_cb ("HEARTH-GUEST-READY")
         && (fx.frames > GPOINTER_TO_UINT (data) || !hearth_display_get_connected (fx.display));
}

static gboolean
frames_after_cb (gpointer data)
{
  return fx.frames > GPOINTER_TO_UINT (data);
}

typedef struct
{
  virDomainPtr dom;
  int          ret;
  int          done;   /* atomic */
} ResetCall;

static gpointer
reset_thread (gpointer data)
{
  ResetCall *call = data;

  call->ret = virDomainReset (call->dom, 0);
  g_atomic_int_set (&call->done, TRUE);
  return NULL;
}

static gboolean
reset_done_cb (gpointer data)
{
  return g_atomic_int_get (&((ResetCall *) data)->done);
}

/* qemu:///embed runs the QEMU driver in this process, and its events go through
 * the GLib main loop; a blocking reset on the main thread can hold the domain's
 * job while the driver's event handling waits for it (libvirt gives up after
 * 30 s). Hearth makes such calls in workers; so does this test. */
static void
reset_domain (void)
{
  ResetCall call = { fx.dom, -1, FALSE };
  GThread *thread = g_thread_new ("reset", reset_thread, &call);

  g_assert_true (wait_for (reset_done_cb, &call, STEP_TIMEOUT_MS));
  g_thread_join (thread);
  g_assert_cmpint (call.ret, ==, 0);
}

static void
on_guest_size_cb (GObject    *object,
                  GParamSpec *pspec,
                  gpointer    user_data)
{
  GPtrArray *sizes = user_data;
  g_autofree char *size = g_strdup_printf ("%d×%d", hearth_display_get_guest_width (fx.display),
                                           hearth_display_get_guest_height (fx.display));

  if (sizes->len == 0 || g_strcmp0 (g_ptr_array_index (sizes, sizes->len - 1), size) != 0)
    g_ptr_array_add (sizes, g_steal_pointer (&size));
}

/* The guest changes its resolution while the widget shows it: on a reset the
 * firmware's VGA mode comes first, then the kernel's qxl framebuffer. The
 * widget follows every size and ends up drawing exactly the guest's screen,
 * with nothing left of the screens before. */
static void
test_display_resolution_change (void)
{
  g_autoptr(GPtrArray) sizes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *seen = NULL;
  guint frames_before = fx.frames;
  double differing = 1;
  gulong width_id, height_id;

  width_id = g_signal_connect (fx.display, "notify::guest-width", G_CALLBACK (on_guest_size_cb),
                               sizes);
  height_id = g_signal_connect (fx.display, "notify::guest-height",
                                G_CALLBACK (on_guest_size_cb), sizes);

  start_step ();
  reset_domain ();
  g_assert_true (wait_for (reboot_done_cb, GUINT_TO_POINTER (frames_before), BOOT_TIMEOUT_MS));
  if (!hearth_display_get_connected (fx.display))
    connect_display ();
  g_assert_true (wait_for (frames_after_cb, GUINT_TO_POINTER (frames_before), STEP_TIMEOUT_MS));
  g_assert_true (wait_for (quiet_cb, NULL, STEP_TIMEOUT_MS));

  g_signal_handler_disconnect (fx.display, width_id);
  g_signal_handler_disconnect (fx.display, height_id);
  g_ptr_array_add (sizes, NULL);
  seen = g_strjoinv (" → ", (char **) sizes->pdata);
  g_test_message ("Guest sizes seen: %s", seen);

  /* At least one other size before the final one. */
  g_assert_cmpuint (sizes->len - 1, >=, 2);

  for (int attempt = 0; attempt < 5 && differing > 0.001; attempt++)
    {
      differing = compare_rendering_with_libvirt ();
      g_test_message ("After the resolution change, attempt %d: %.4f%% of pixels differ", attempt,
                      differing * 100);
    }
  g_assert_cmpfloat (differing, <=, 0.001);
  /* The frame the widget keeps has the guest's new size (asserted inside). */
  g_assert_cmpfloat (compare_with_libvirt (), <=, 0.001);
}

static void
test_display_reconnect (void)
{
  guint frames_before;

  /* 1. The guest reboots: the QEMU process and the SPICE server stay, the
   * surface is recreated; the widget keeps showing it and keys still work. */
  start_step ();
  frames_before = fx.frames;
  reset_domain ();
  g_assert_true (wait_for (reboot_done_cb, GUINT_TO_POINTER (frames_before), BOOT_TIMEOUT_MS));
  if (!hearth_display_get_connected (fx.display))
    connect_display (); /* a server that drops clients on reset is fine too */
  g_assert_true (wait_for (frames_after_cb, GUINT_TO_POINTER (frames_before), STEP_TIMEOUT_MS));
  g_assert_true (wait_for (quiet_cb, NULL, STEP_TIMEOUT_MS));

  gtk_widget_grab_focus (GTK_WIDGET (fx.display));
  start_step ();
  type_text ("echo after-reboot-$((2+3)) > /dev/ttyS0\n");
  g_assert_true (wait_serial ("after-reboot-5", STEP_TIMEOUT_MS));

  /* 2. The machine is destroyed: the widget says so; it is started again and
   * the widget, given a new descriptor as the console page does, shows it. */
  {
    guint disconnects = fx.disconnects;

    g_assert_cmpint (virDomainDestroy (fx.dom), ==, 0);
    g_assert_true (wait_for (disconnects_reached_cb, GUINT_TO_POINTER (disconnects + 1),
                             STEP_TIMEOUT_MS));
    g_assert_false (hearth_display_get_connected (fx.display));
  }

  start_guest ();
  connect_display ();
  g_assert_cmpuint (fx.first_frames, >=, 2);
  g_assert_true (wait_for (quiet_cb, NULL, STEP_TIMEOUT_MS));

  gtk_widget_grab_focus (GTK_WIDGET (fx.display));
  start_step ();
  type_text ("echo after-restart-$((3+4)) > /dev/ttyS0\n");
  g_assert_true (wait_serial ("after-restart-7", STEP_TIMEOUT_MS));

  save_artifact ("display-after-restart.png");
}

/* ---------------------------------------------------------------------------------------------- */

static gboolean
set_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *etc = NULL;
  g_autofree char *conf = NULL;
  g_autofree char *xml = NULL;
  const char *guest_dir = g_getenv ("HEARTH_TEST_GUEST_DIR");

  if (guest_dir == NULL || !g_file_test (guest_dir, G_FILE_TEST_IS_DIR))
    return FALSE;

  hearth_core_init ();

  fx.root = g_dir_make_tmp ("hearth-display-XXXXXX", &error);
  g_assert_no_error (error);
  fx.serial_path = g_build_filename (fx.root, "serial.log", NULL);
  fx.name = g_strdup_printf ("hearth-display-%d", (int) getpid ());
  start_reaper ();

  /* No virtlogd runs here: let QEMU write its own files. As root, QEMU would
   * run as libvirt-qemu and could not read the private temporary root. */
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

  xml = guest_xml ();
  fx.dom = virDomainDefineXML (fx.conn, xml);
  if (fx.dom == NULL)
    g_error ("Could not define the guest: %s", virGetLastErrorMessage ());

  start_guest ();

  fx.window = gtk_window_new ();
  gtk_window_set_default_size (GTK_WINDOW (fx.window), 800, 600);
  fx.display = HEARTH_DISPLAY (hearth_display_new ());
  hearth_display_set_machine_name (fx.display, fx.name);
  g_signal_connect (fx.display, "request-fd", G_CALLBACK (on_request_fd_cb), NULL);
  g_signal_connect (fx.display, "first-frame", G_CALLBACK (on_first_frame_cb), NULL);
  g_signal_connect (fx.display, "frame", G_CALLBACK (on_frame_cb), NULL);
  g_signal_connect (fx.display, "disconnected", G_CALLBACK (on_disconnected_cb), NULL);
  gtk_window_set_child (GTK_WINDOW (fx.window), GTK_WIDGET (fx.display));
  gtk_window_present (GTK_WINDOW (fx.window));

  fx.keys = find_controller (GTK_WIDGET (fx.display), GTK_TYPE_EVENT_CONTROLLER_KEY);
  g_assert_nonnull (fx.keys);
  fx.motion = find_controller (GTK_WIDGET (fx.display), GTK_TYPE_EVENT_CONTROLLER_MOTION);
  g_assert_nonnull (fx.motion);

  return TRUE;
}

static void
tear_down (void)
{
  if (fx.display != NULL)
    hearth_display_close (fx.display);
  if (fx.window != NULL)
    gtk_window_destroy (GTK_WINDOW (g_steal_pointer (&fx.window)));

  if (fx.dom != NULL)
    {
      virDomainDestroy (fx.dom);
      virDomainUndefine (fx.dom);
      virDomainFree (fx.dom);
    }
  if (fx.conn != NULL)
    virConnectClose (fx.conn);

  /* The reaper (see start_reaper) removes the root when we exit. */
}

/* QEMU outlives an embed connection whose process dies, so a failing test
 * (g_error, an assertion, a timeout's SIGTERM) would leave the guest running.
 * A small shell waits for our end of a pipe to close, however we end, then
 * stops the guest by its pid file and removes the temporary root. */
static void
start_reaper (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *script = NULL;
  const char *argv[] = { "/bin/sh", "-c", NULL, NULL, NULL };
  int stdin_fd = -1;

  script = g_strdup_printf ("cat > /dev/null; "
                            "for f in '%s'/run/qemu/%s*.pid; do "
                            "  pid=$(cat \"$f\" 2>/dev/null) && kill \"$pid\"; "
                            "done; "
                            "sleep 1; %s",
                            fx.root, fx.name,
                            g_getenv ("HEARTH_TEST_KEEP") ? ":" : "rm -rf \"$0\"");
  argv[2] = script;
  argv[3] = fx.root;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                                 &stdin_fd, NULL, NULL, &error))
    g_error ("Could not start the reaper: %s", error->message);

  /* Deliberately never closed: the reaper's stdin ends when we do. */
  g_unix_set_fd_nonblocking (stdin_fd, TRUE, NULL);
}

/* spice-client-glib warns about things outside our control (a queue that
 * fills while the server goes away, audio back-ends), so only warnings from
 * our code and from GLib, GTK and libadwaita fail the test. */
static void
set_fatal_domains (void)
{
  const char *domains[] = { "hearth-display", "hearth-keymap", "hearth-test-display", "GLib", "GLib-GObject", "GLib-GIO", "Gtk", "Gdk", "Gsk", "Adwaita" };

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
  set_fatal_domains ();

  if (!set_up ())
    {
      g_test_skip ("The test guest is not built (HEARTH_TEST_GUEST_DIR)");
      return 77;
    }

  g_test_add_func ("/display/spice/first-frame", test_display_first_frame);
  g_test_add_func ("/display/spice/typing", test_display_typing);
  g_test_add_func ("/display/spice/x11-shm-reuse", test_display_x11_shm_reuse);
  g_test_add_func ("/display/spice/letterbox", test_display_letterbox);
  g_test_add_func ("/display/spice/scaled-damage", test_display_scaled_damage);
  g_test_add_func ("/display/spice/special-keys", test_display_special_keys);
  g_test_add_func ("/display/spice/real-keys", test_display_real_keys);
  g_test_add_func ("/display/spice/focus-releases-keys", test_display_focus_releases_keys);
  g_test_add_func ("/display/spice/mouse", test_display_mouse);
  g_test_add_func ("/display/spice/resolution-change", test_display_resolution_change);
  g_test_add_func ("/display/spice/reconnect", test_display_reconnect);
  g_test_add_func ("/display/spice/tablet", test_display_tablet);

  ret = g_test_run ();
  tear_down ();
  return ret;
}
