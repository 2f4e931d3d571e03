/* hearth-test-pointer.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-pointer"

#include "config.h"

#include "hearth-test-pointer.h"

#include <gdk/x11/gdkx.h>
#include <X11/extensions/XTest.h>

static Display *
get_xdisplay (GtkWidget *widget)
{
  return gdk_x11_display_get_xdisplay (gtk_widget_get_display (widget));
}

/**
 * hearth_test_pointer_move_to:
 * @widget: a mapped widget
 * @x: where, in @widget's coordinates
 * @y: where, in @widget's coordinates
 *
 * Moves the X server's pointer over @widget, in device pixels (GDK_SCALE=2
 * counts two per widget unit).
 */
void
hearth_test_pointer_move_to (GtkWidget *widget,
                             double     x,
                             double     y)
{
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface = gtk_native_get_surface (native);
  graphene_point_t in = GRAPHENE_POINT_INIT (x, y), out;
  int scale = gdk_surface_get_scale_factor (surface);
  double nx, ny;
  int sx = 0, sy = 0;
  Window child;

  g_assert_true (gtk_widget_compute_point (widget, GTK_WIDGET (native), &in, &out));
  gtk_native_get_surface_transform (native, &nx, &ny);
  XTranslateCoordinates (get_xdisplay (widget), gdk_x11_surface_get_xid (surface),
                         DefaultRootWindow (get_xdisplay (widget)), 0, 0, &sx, &sy, &child);
  XTestFakeMotionEvent (get_xdisplay (widget), -1, sx + (int) ((out.x + nx) * scale),
                        sy + (int) ((out.y + ny) * scale), CurrentTime);
  XSync (get_xdisplay (widget), False);
}

/**
 * hearth_test_pointer_button:
 * @widget: a widget on the X display to use
 * @button: 1 left, 2 middle, 3 right, 4 and 5 the wheel
 * @press: press or release
 */
void
hearth_test_pointer_button (GtkWidget *widget,
                            guint      button,
                            gboolean   press)
{
  XTestFakeButtonEvent (get_xdisplay (widget), button, press, CurrentTime);
  XSync (get_xdisplay (widget), False);
}
