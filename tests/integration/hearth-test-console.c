/* hearth-test-console.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Start-up and screenshots shared by the console page's tests: the locale
 * (generated into a private directory when the system lacks it), GTK on X11
 * with the cairo renderer, Hearth's translations, and PNGs of a window (with
 * an open popover drawn where it shows) under $HEARTH_TEST_ARTIFACTS/console/.
 */
#define G_LOG_DOMAIN "hearth-test-console"

#include "config.h"

#include "hearth-test-console.h"

#include <X11/Xlib.h>
#include <adwaita.h>
#include <gdk/x11/gdkx.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <string.h>

#include "hearth-test-utils.h"

static const char *tag = "en";
static gboolean chinese;

static void
set_up_locale (void)
{
  const char *locale = g_getenv ("HEARTH_TEST_LOCALE");
  g_autofree char *dir = NULL;
  g_autofree char *target = NULL;
  g_autofree char *language = NULL;
  const char *argv[] = { "localedef", "-i", NULL, "-f", "UTF-8", NULL, NULL };
  int status = 0;

  if (locale == NULL)
    return;

  language = g_strndup (locale, strcspn (locale, "."));
  if (setlocale (LC_ALL, locale) == NULL)
    {
      dir = g_dir_make_tmp ("hearth-locale-XXXXXX", NULL);
      g_assert_nonnull (dir);
      target = g_build_filename (dir, locale, NULL);
      argv[2] = language;
      argv[5] = target;
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                   NULL, NULL, &status, NULL));
      g_setenv ("LOCPATH", dir, TRUE);
    }
  g_setenv ("LANG", locale, TRUE);
  g_setenv ("LC_ALL", locale, TRUE);
  g_setenv ("LANGUAGE", language, TRUE);
  chinese = g_str_has_prefix (locale, "zh");
}

/* spice-client-glib complains ("incomplete link header", "incomplete link
 * reply") when a session is closed while one of its channels waits for the
 * server's link reply: a console closed just as it (re)connects, which the
 * tests do when they tear down. Those are printed, not fatal; every other
 * warning and critical stays fatal. spice-client-glib logs through g_log():
 * its messages come to spice_log_cb(), and GLib then asks the test framework's
 * fatal handler whether to abort. GLib forgets that handler at the start of
 * every test case, so spice_log_cb() sets it again just before GLib asks. */
static gboolean
is_link_race (const char *log_domain,
              const char *message)
{
  return g_strcmp0 (log_domain, "GSpice") == 0 && message != NULL
         && strstr (message, "incomplete link ") != NULL;
}

static gboolean
fatal_log_cb (const char    *log_domain,
              GLogLevelFlags log_level,
              const char    *message,
              gpointer       user_data)
{
  return !is_link_race (log_domain, message);
}

static void
spice_log_cb (const char    *log_domain,
              GLogLevelFlags log_level,
              const char    *message,
              gpointer       user_data)
{
  if (is_link_race (log_domain, message))
    {
      g_test_log_set_fatal_handler (fatal_log_cb, NULL);
      g_printerr ("%s (tolerated): %s\n", log_domain, message);
    }
  else
    g_log_default_handler (log_domain, log_level, message, user_data);
}

/**
 * hearth_test_console_init:
 *
 * Sets up the locale, GTK (X11, cairo renderer), libadwaita and Hearth's
 * message catalogue ($HEARTH_LOCALEDIR, else the installed one).
 */
void
hearth_test_console_init (int    *argc,
                          char ***argv)
{
  const char *localedir = g_getenv ("HEARTH_LOCALEDIR");

  set_up_locale ();
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GDK_BACKEND", "x11", TRUE);
  gtk_test_init (argc, argv, NULL);
  g_log_set_handler ("GSpice", G_LOG_LEVEL_MASK | G_LOG_FLAG_FATAL | G_LOG_FLAG_RECURSION,
                     spice_log_cb, NULL);
  /* gtk_test_init() picks en_US; the Chinese run wants its own locale back. */
  if (chinese)
    g_assert_nonnull (setlocale (LC_ALL, ""));
  adw_init ();
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  if (g_getenv ("HEARTH_TEST_TAG") != NULL)
    tag = g_getenv ("HEARTH_TEST_TAG");
}

const char *
hearth_test_console_get_tag (void)
{
  return tag;
}

gboolean
hearth_test_console_is_chinese (void)
{
  return chinese;
}

static void
surface_origin (GtkNative *native,
                double    *x,
                double    *y)
{
  GdkSurface *surface = gtk_native_get_surface (native);
  Display *xdisplay = gdk_x11_display_get_xdisplay (gdk_surface_get_display (surface));
  double tx = 0, ty = 0;
  Window child;
  int rx = 0, ry = 0;

  XTranslateCoordinates (xdisplay, gdk_x11_surface_get_xid (surface), DefaultRootWindow (xdisplay),
                         0, 0, &rx, &ry, &child);
  gtk_native_get_surface_transform (native, &tx, &ty);
  *x = rx + tx;
  *y = ry + ty;
}

static void
snapshot_widget (GtkSnapshot *snapshot,
                 GtkWidget   *widget)
{
  g_autoptr(GdkPaintable) paintable = gtk_widget_paintable_new (widget);

  gdk_paintable_snapshot (paintable, snapshot, gtk_widget_get_width (widget),
                          gtk_widget_get_height (widget));
}

/**
 * hearth_test_console_save_screenshot:
 * @popover: (nullable): an open popover of @window to draw over it
 *
 * Saves @window as `console/NAME-TAG.png` under $HEARTH_TEST_ARTIFACTS (if
 * set). A popover is a surface of its own, which the window's rendering
 * lacks (and Xvfb has no compositor for its shadow): it is drawn where it
 * shows, and the picture widens when it reaches past a narrow window.
 */
void
hearth_test_console_save_screenshot (GtkWidget  *window,
                                     GtkWidget  *popover,
                                     const char *name)
{
  const char *dir = g_getenv ("HEARTH_TEST_ARTIFACTS");
  g_autoptr(GdkTexture) texture = NULL;
  g_autofree char *subdir = NULL;
  g_autofree char *file = NULL;
  g_autofree char *path = NULL;
  GskRenderNode *node = NULL;
  int width, height;

  if (dir == NULL)
    return;

  /* Let animations (a toast's, a popover's) finish. */
  hearth_test_iterate_for (800);
  width = gtk_widget_get_width (window);
  height = gtk_widget_get_height (window);
  for (int i = 0; i < 50 && node == NULL; i++)
    {
      GtkSnapshot *snapshot = gtk_snapshot_new ();

      g_main_context_iteration (NULL, FALSE);
      snapshot_widget (snapshot, window);
      if (popover != NULL && gtk_widget_get_mapped (popover))
        {
          double wx, wy, px, py;

          surface_origin (GTK_NATIVE (window), &wx, &wy);
          surface_origin (GTK_NATIVE (popover), &px, &py);
          width = MAX (width, (int) (px - wx) + gtk_widget_get_width (popover));
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (px - wx, py - wy));
          snapshot_widget (snapshot, popover);
          gtk_snapshot_restore (snapshot);
        }
      node = gtk_snapshot_free_to_node (snapshot);
    }
  g_assert_nonnull (node);

  subdir = g_build_filename (dir, "console", NULL);
  g_assert_cmpint (g_mkdir_with_parents (subdir, 0755), ==, 0);
  file = g_strdup_printf ("%s-%s.png", name, tag);
  path = g_build_filename (subdir, file, NULL);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (window)), node,
                                         &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
  gsk_render_node_unref (node);
  g_test_message ("Saved %s", path);
}

GtkWidget *
hearth_test_find_widget (GtkWidget                *root,
                         HearthTestWidgetPredicate predicate,
                         gpointer                  data)
{
  if (predicate (root, data))
    return root;
  for (GtkWidget *child = gtk_widget_get_first_child (root); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = hearth_test_find_widget (child, predicate, data);

      if (found != NULL)
        return found;
    }
  return NULL;
}
