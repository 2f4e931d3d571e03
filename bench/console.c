/* console.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-bench-console"

#include "config.h"

#include <gtk/gtk.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hearth-display.h"
#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

/*
 * bench/console: the embedded SPICE console against remote-viewer (spice-gtk,
 * GTK 3) on the same guest, in the same run, one after the other (a SPICE
 * server serves one client at a time).
 *
 * The test guest repaints continuously, alternating a random and a black
 * picture, and prints a marker on its serial port for every two pictures, so
 * both clients are measured against the frames the guest produced. Two
 * workloads: the whole 1024×768 framebuffer (video-like), then a 1024×16
 * strip (a line of text changing, what a console mostly does), each shown
 * 1:1 and then scaled down to an 800×600 window (remote-viewer at 78 % zoom),
 * as a console usually is:
 *   - time from opening the console to the first frame;
 *   - frames per second shown (Hearth: frames its window painted);
 *   - client CPU time per guest frame (user + system, whole process).
 *
 * Prints figures; never fails on a number. Run it under a display:
 *   meson compile -C _build bench-console    (runs it in xvfb-run)
 */

#define WARMUP_S 3
#define MEASURE_S 10
#define FRAME_MARKER "HEARTH-BENCH-FRAMES"

/* What the guest repaints: @kib of picture written with @write, shown in a
 * @width×@height window (remote-viewer: @zoom percent). The strip is paced
 * (busybox usleep) so that its markers stay countable. */
typedef struct
{
  const char *name;
  guint kib;
  const char *write;
  int width, height, zoom;
} Workload;

static const Workload workloads[] = {
  { "full-screen repaint (1024×768), 1:1", 3072, "cat", 1024, 768, 100 },
  { "strip repaint (1024×16), 1:1", 64, "usleep 10000; cat", 1024, 768, 100 },
  { "full-screen repaint, scaled to 800×600", 3072, "cat", 800, 600, 78 },
  { "strip repaint, scaled to 800×600", 64, "usleep 10000; cat", 800, 600, 78 },
};

static struct
{
  char *serial;
  char *spice_socket;
  virDomainPtr dom;
  gboolean first_frame;
  guint paints;
  pid_t x_server;
} b;

static gboolean
flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

static guint
count_markers (void)
{
  g_autofree char *log = hearth_test_serial_dup_contents (b.serial, 0);
  guint n = 0;

  for (const char *p = log; (p = strstr (p, FRAME_MARKER)) != NULL; p++)
    n++;
  return n;
}

static double
process_cpu_s (pid_t pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char *p;
  unsigned long utime = 0, stime = 0;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || (p = strrchr (stat, ')')) == NULL)
    return 0;

  /* Fields after "(comm)": state is 3, utime 14, stime 15. */
  if (sscanf (p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2)
    return 0;
  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

/* The X server drawing for the client measured: with GTK 3, remote-viewer
 * has the server scale and composite through XRender, work that its own CPU
 * time does not show. Found by its display number; 0 when not found. */
static pid_t
find_x_server (void)
{
  const char *display = g_getenv ("DISPLAY");
  g_autoptr(GDir) dir = g_dir_open ("/proc", 0, NULL);
  const char *name;

  if (display == NULL || dir == NULL || strchr (display, ':') == NULL)
    return 0;
  display = strchr (display, ':');

  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename ("/proc", name, "cmdline", NULL);
      g_autofree char *cmdline = NULL;
      gsize len = 0;

      if (!g_ascii_isdigit (name[0]) || !g_file_get_contents (path, &cmdline, &len, NULL) || len == 0)
        continue;
      /* argv[0] ends in Xvfb or Xorg; one of the other arguments is :N. */
      if (!g_str_has_suffix (cmdline, "Xvfb") && !g_str_has_suffix (cmdline, "Xorg"))
        continue;
      for (gsize i = strlen (cmdline) + 1; i < len; i += strlen (cmdline + i) + 1)
        if (g_str_equal (cmdline + i, display))
          return (pid_t) atoi (name);
    }
  return 0;
}

static double
self_cpu_s (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec
         + ru.ru_stime.tv_usec / 1e6;
}

/* The helper's guest listens nowhere; remote-viewer needs a socket, and
 * virDomainOpenGraphicsFD works with any listener. */
static char *
guest_xml (const char *name)
{
  g_autofree char *xml = hearth_test_guest_xml (name, b.serial, HEARTH_TEST_GUEST_NONE);
  xmlDoc *doc = xmlReadMemory (xml, strlen (xml), NULL, NULL, 0);
  xmlNode *root = xmlDocGetRootElement (doc);
  xmlChar *out = NULL;
  int size = 0;
  char *result;

  for (xmlNode *devices = root->children; devices; devices = devices->next)
    if (devices->type == XML_ELEMENT_NODE && xmlStrEqual (devices->name, BAD_CAST "devices"))
      for (xmlNode *g = devices->children; g; g = g->next)
        if (g->type == XML_ELEMENT_NODE && xmlStrEqual (g->name, BAD_CAST "graphics"))
          for (xmlNode *l = g->children; l; l = l->next)
            if (l->type == XML_ELEMENT_NODE && xmlStrEqual (l->name, BAD_CAST "listen"))
              {
                xmlSetProp (l, BAD_CAST "type", BAD_CAST "socket");
                xmlSetProp (l, BAD_CAST "socket", BAD_CAST b.spice_socket);
              }

  xmlDocDumpMemory (doc, &out, &size);
  result = g_strndup ((const char *) out, size);
  xmlFree (out);
  xmlFreeDoc (doc);
  return result;
}

static void
on_request_fd_cb (HearthDisplay *display,
                  gpointer       user_data)
{
  hearth_display_supply_fd (display,
                            virDomainOpenGraphicsFD (b.dom, 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH));
}

static void
on_first_frame_cb (HearthDisplay *display,
                   gpointer       user_data)
{
  b.first_frame = TRUE;
}

static void
on_after_paint_cb (GdkFrameClock *clock,
                   gpointer       user_data)
{
  b.paints++;
}

static void
bench_hearth (const Workload *w,
              gboolean        measure_ttff,
              double         *ttff_ms,
              double         *fps_shown,
              double         *cpu_per_frame_ms,
              double         *x_per_frame_ms,
              double         *guest_fps)
{
  GtkWidget *window = gtk_window_new ();
  HearthDisplay *display = HEARTH_DISPLAY (hearth_display_new ());
  GdkFrameClock *clock;
  gint64 t0;
  guint markers0, paints0;
  double cpu0, x0;
  int fd;

  gtk_window_set_default_size (GTK_WINDOW (window), w->width, w->height);
  gtk_window_set_child (GTK_WINDOW (window), GTK_WIDGET (display));
  g_signal_connect (display, "request-fd", G_CALLBACK (on_request_fd_cb), NULL);
  g_signal_connect (display, "first-frame", G_CALLBACK (on_first_frame_cb), NULL);
  gtk_window_present (GTK_WINDOW (window));
  iterate_for (500);
  b.first_frame = FALSE;

  /* Opening the console: the descriptor, the session, the first picture. */
  t0 = g_get_monotonic_time ();
  fd = virDomainOpenGraphicsFD (b.dom, 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);
  g_assert (fd >= 0);
  hearth_display_open_fd (display, fd);
  while (!b.first_frame)
    g_main_context_iteration (NULL, TRUE);
  if (measure_ttff)
    *ttff_ms = (g_get_monotonic_time () - t0) / 1000.0;

  clock = gtk_widget_get_frame_clock (window);
  g_signal_connect (clock, "after-paint", G_CALLBACK (on_after_paint_cb), NULL);

  iterate_for (WARMUP_S * 1000);
  markers0 = count_markers ();
  paints0 = b.paints;
  cpu0 = self_cpu_s ();
  x0 = b.x_server ? process_cpu_s (b.x_server) : 0;
  iterate_for (MEASURE_S * 1000);

  *guest_fps = 2.0 * (count_markers () - markers0) / MEASURE_S;
  *fps_shown = (double) (b.paints - paints0) / MEASURE_S;
  *cpu_per_frame_ms = *guest_fps > 0 ? (self_cpu_s () - cpu0) * 1000 / (*guest_fps * MEASURE_S)
                                     : 0;
  *x_per_frame_ms = *guest_fps > 0 && b.x_server
                      ? (process_cpu_s (b.x_server) - x0) * 1000 / (*guest_fps * MEASURE_S)
                      : 0;

  g_signal_handlers_disconnect_by_func (clock, on_after_paint_cb, NULL);
  hearth_display_close (display);
  gtk_window_destroy (GTK_WINDOW (window));
  iterate_for (500);
}

typedef struct
{
  gint64 first_frame_time;
  GString *buffer;
} ViewerLog;

/* remote-viewer --spice-debug logs (on stdout) when its widget takes the
 * primary surface's area for drawing: its first frame. */
static gboolean
on_viewer_output_cb (GIOChannel   *channel,
                     GIOCondition  condition,
                     gpointer      user_data)
{
  ViewerLog *log = user_data;
  char buf[4096];
  gsize n = 0;

  if (g_io_channel_read_chars (channel, buf, sizeof buf, &n, NULL) != G_IO_STATUS_NORMAL)
    return G_SOURCE_REMOVE;

  g_string_append_len (log->buffer, buf, n);
  if (log->first_frame_time == 0 && strstr (log->buffer->str, "update area") != NULL)
    log->first_frame_time = g_get_monotonic_time ();

  /* Keep the tail only: the debug output is large. */
  if (log->buffer->len > 65536)
    g_string_erase (log->buffer, 0, log->buffer->len - 4096);

  return G_SOURCE_CONTINUE;
}

static void
stop_child (GPid pid)
{
  /* Our own child, by its pid; SIGKILL if it ignores SIGTERM. */
  kill (pid, SIGTERM);
  for (int i = 0; i < 50; i++)
    {
      if (waitpid (pid, NULL, WNOHANG) == pid)
        {
          g_spawn_close_pid (pid);
          return;
        }
      g_usleep (100 * 1000);
    }
  kill (pid, SIGKILL);
  waitpid (pid, NULL, 0);
  g_spawn_close_pid (pid);
}

static GPid
spawn_viewer (const Workload *w,
              gboolean        debug,
              int            *out_fd)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = g_strdup_printf ("spice+unix://%s", b.spice_socket);
  g_autofree char *zoom = g_strdup_printf ("--zoom=%d", w->zoom);
  const char *argv[] = { "remote-viewer", zoom, uri, NULL, NULL };
  GPid pid = 0;

  if (debug)
    {
      argv[2] = "--spice-debug";
      argv[3] = uri;
    }

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                 G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                                   | (debug ? 0 : G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL),
                                 NULL, NULL, &pid, NULL, debug ? out_fd : NULL, NULL, &error))
    {
      g_printerr ("Could not run remote-viewer: %s\n", error->message);
      return 0;
    }
  return pid;
}

/* Time to first frame, with debug output to see it. */
static gboolean
remote_viewer_ttff (const Workload *w,
                    double         *ttff_ms)
{
  ViewerLog log = { 0, g_string_new (NULL) };
  GIOChannel *channel;
  GPid pid;
  int out_fd = -1;
  gint64 t0 = g_get_monotonic_time ();
  guint watch;

  pid = spawn_viewer (w, TRUE, &out_fd);
  if (pid == 0)
    {
      g_string_free (log.buffer, TRUE);
      return FALSE;
    }
  channel = g_io_channel_unix_new (out_fd);
  g_io_channel_set_encoding (channel, NULL, NULL);
  g_io_channel_set_flags (channel, G_IO_FLAG_NONBLOCK, NULL);
  watch = g_io_add_watch (channel, G_IO_IN | G_IO_HUP, on_viewer_output_cb, &log);
  while (log.first_frame_time == 0 && g_get_monotonic_time () - t0 < 60 * G_USEC_PER_SEC)
    g_main_context_iteration (NULL, TRUE);
  *ttff_ms = log.first_frame_time ? (log.first_frame_time - t0) / 1000.0 : -1;
  stop_child (pid);
  g_source_remove (watch);
  g_io_channel_unref (channel);
  close (out_fd);
  g_string_free (log.buffer, TRUE);
  iterate_for (1000);
  return TRUE;
}

static gboolean
bench_remote_viewer (const Workload *w,
                     gboolean        measure_ttff,
                     double         *ttff_ms,
                     double         *cpu_per_frame_ms,
                     double         *x_per_frame_ms,
                     double         *guest_fps)
{
  GPid pid;
  guint markers0;
  double cpu0, x0;

  if (measure_ttff && !remote_viewer_ttff (w, ttff_ms))
    return FALSE;

  /* CPU, without debug output (which would cost CPU itself). */
  pid = spawn_viewer (w, FALSE, NULL);
  if (pid == 0)
    return FALSE;
  iterate_for (WARMUP_S * 1000);
  markers0 = count_markers ();
  cpu0 = process_cpu_s (pid);
  x0 = b.x_server ? process_cpu_s (b.x_server) : 0;
  iterate_for (MEASURE_S * 1000);
  *guest_fps = 2.0 * (count_markers () - markers0) / MEASURE_S;
  *cpu_per_frame_ms = *guest_fps > 0
                        ? (process_cpu_s (pid) - cpu0) * 1000 / (*guest_fps * MEASURE_S)
                        : 0;
  *x_per_frame_ms = *guest_fps > 0 && b.x_server
                      ? (process_cpu_s (b.x_server) - x0) * 1000 / (*guest_fps * MEASURE_S)
                      : 0;
  stop_child (pid);
  return TRUE;
}

/* A desktop has a window manager, and both toolkits behave differently
 * without one (GTK 4 asks the X server for the manager's window on every
 * frame when there is none). Under a bare X server, openbox plays that part;
 * where a window manager runs already, openbox leaves by itself. */
static GPid
start_window_manager (void)
{
  const char *argv[] = { "openbox", NULL };
  GPid pid = 0;

  if (g_getenv ("DISPLAY") == NULL
      || !g_spawn_async (NULL, (char **) argv, NULL,
                         G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD
                           | G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                         NULL, NULL, &pid, NULL))
    {
      g_printerr ("bench/console: no openbox; measuring without a window manager\n");
      return 0;
    }
  iterate_for (1000);
  return pid;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *root = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *name = g_strdup_printf ("hearth-bench-console-%d", (int) getpid ());
  virConnectPtr conn;
  GPid wm;

  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GDK_BACKEND", "x11", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  gtk_init ();
  hearth_test_init_core ();
  b.x_server = find_x_server ();
  wm = start_window_manager ();

  if (!hearth_test_guest_available (&error))
    {
      g_printerr ("bench/console: %s\n", error->message);
      return 77;
    }

  root = hearth_test_embed_root_new ();
  uri = hearth_test_embed_uri (root);
  b.serial = g_build_filename (root, "bench-console.log", NULL);
  b.spice_socket = g_build_filename (root, "bench-console-spice.sock", NULL);
  conn = virConnectOpen (uri);
  g_assert (conn != NULL);

  xml = guest_xml (name);
  b.dom = virDomainCreateXML (conn, xml, 0);
  if (b.dom == NULL)
    {
      g_printerr ("bench/console: could not start the guest: %s\n", virGetLastErrorMessage ());
      return 1;
    }
  if (!hearth_test_serial_wait_for (b.serial, HEARTH_TEST_GUEST_READY, 120000, &error))
    g_error ("The guest did not boot: %s", error->message);

  for (guint i = 0; i < G_N_ELEMENTS (workloads); i++)
    {
      const Workload *w = &workloads[i];
      g_autofree char *start = g_strdup_printf (
        "dd if=/dev/urandom of=/tmp/a bs=1024 count=%u 2>/dev/null; "
        "dd if=/dev/zero of=/tmp/b bs=1024 count=%u 2>/dev/null; "
        "(while :; do %s /tmp/a > /dev/fb0; %s /tmp/b > /dev/fb0; "
        "echo " FRAME_MARKER " > /dev/ttyS0; done) > /dev/null 2>&1 & echo $! > /tmp/loop.pid",
        w->kib, w->kib, w->write, w->write);
      double h_ttff = -1, h_fps, h_cpu, h_x, h_guest, r_ttff = -1, r_cpu = 0, r_x = 0, r_guest = 0;
      gboolean have_viewer;

      if (!hearth_test_guest_send (b.serial, start, 30000, &error))
        g_error ("Could not start the repaint loop: %s", error->message);

      g_printerr ("bench/console: %s: measuring Hearth\n", w->name);
      bench_hearth (w, i == 0, &h_ttff, &h_fps, &h_cpu, &h_x, &h_guest);
      g_printerr ("bench/console: %s: measuring remote-viewer\n", w->name);
      have_viewer = bench_remote_viewer (w, i == 0, &r_ttff, &r_cpu, &r_x, &r_guest);

      if (!hearth_test_guest_send (b.serial, "kill $(cat /tmp/loop.pid)", 30000, &error))
        g_error ("Could not stop the repaint loop: %s", error->message);

      g_print ("bench/console: %s, %d s per client after %d s warm-up\n", w->name, MEASURE_S,
               WARMUP_S);
      g_print ("%-28s %14s %14s %14s %18s %18s\n", "client", "first frame", "guest fps",
               "fps shown", "CPU/guest frame", "+ X server");
      if (i == 0)
        g_print ("%-28s %11.0f ms", "Hearth (GTK 4, this widget)", h_ttff);
      else
        g_print ("%-28s %14s", "Hearth (GTK 4, this widget)", "");
      g_print (" %14.1f %14.1f %15.2f ms %15.2f ms\n", h_guest, h_fps, h_cpu, h_cpu + h_x);
      if (have_viewer && i == 0)
        g_print ("%-28s %11.0f ms", "remote-viewer (spice-gtk 3)", r_ttff);
      else if (have_viewer)
        g_print ("%-28s %14s", "remote-viewer (spice-gtk 3)", "");
      if (have_viewer)
        g_print (" %14.1f %14s %15.2f ms %15.2f ms\n", r_guest, "n/a", r_cpu, r_cpu + r_x);
    }

  g_print ("(remote-viewer's first frame is its first display update in --spice-debug output;\n"
           " both clients decode every update; CPU/guest frame is the client's own; + X server\n"
           " adds what the X server spent meanwhile, %s)\n",
           b.x_server ? "drawing for that client alone" : "not found here");

  virDomainDestroy (b.dom);
  virDomainFree (b.dom);
  virConnectClose (conn);
  hearth_test_embed_root_remove (root);
  if (wm != 0)
    stop_child (wm);
  return 0;
}
