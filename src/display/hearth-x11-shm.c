/* hearth-x11-shm.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-display"

#include "config.h"

#include "hearth-x11-shm.h"

#ifdef HAVE_CAIRO_XLIB
#include <cairo-xlib.h>
#include <gdk/x11/gdkx.h>
#endif

/*
 * With GTK's cairo renderer on X11, every frame is painted into a client-side
 * image, which cairo then copies into a MIT-SHM segment and puts on the window.
 * cairo keeps its segments in a pool and destroys a pool the moment it holds
 * nothing: with one frame in flight at a time, that is after every frame, so
 * each frame pays for a new segment (shmget, attach, a round trip to the X
 * server) and faults in fresh, zeroed pages.
 *
 * The keeper holds a small image in a pool large enough for a whole frame of
 * the window, so the pool outlives each frame and frames reuse its pages. It
 * makes that pool by asking for a frame-sized image (cairo sizes a new pool
 * from the request), takes its small image from the same pool, and lets the
 * large one go. Only a pool's address space is reserved; pages are used when a
 * frame touches them. Nothing happens under the GL renderer or off X11.
 */
struct _HearthX11ShmKeeper
{
  cairo_surface_t *keeper; /* owned, nullable */
  GdkSurface      *surface; /* weak: compared only */
  int              width;
  int              height;
};

HearthX11ShmKeeper *
hearth_x11_shm_keeper_new (void)
{
  return g_new0 (HearthX11ShmKeeper, 1);
}

void
hearth_x11_shm_keeper_free (HearthX11ShmKeeper *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->keeper, cairo_surface_destroy);
  g_free (self);
}

/**
 * hearth_x11_shm_keeper_update:
 * @widget: a realized widget whose window is being painted
 *
 * Makes sure a pool that fits a whole frame of @widget's window is kept; cheap
 * when nothing changed (call it per frame).
 */
void
hearth_x11_shm_keeper_update (HearthX11ShmKeeper *self,
                              GtkWidget          *widget)
{
#ifdef HAVE_CAIRO_XLIB
  GtkNative *native = gtk_widget_get_native (widget);
  GdkSurface *surface;
  GdkDisplay *display;
  Display *xdisplay;
  cairo_surface_t *window, *frame, *keeper;
  int scale, width, height;

  if (native == NULL || !GSK_IS_CAIRO_RENDERER (gtk_native_get_renderer (native)))
    return;
  surface = gtk_native_get_surface (native);
  display = gdk_surface_get_display (surface);
  if (!GDK_IS_X11_DISPLAY (display))
    return;

  scale = gdk_surface_get_scale_factor (surface);
  width = gdk_surface_get_width (surface) * scale;
  height = gdk_surface_get_height (surface) * scale;
  if (surface == self->surface && width <= self->width && height <= self->height)
    return;

  /* Any surface on the same X connection leads to the same pools; the visual
   * does not matter, as the images' format is given. */
  xdisplay = gdk_x11_display_get_xdisplay (display);
  window = cairo_xlib_surface_create (xdisplay, gdk_x11_surface_get_xid (surface),
                                      DefaultVisual (xdisplay, DefaultScreen (xdisplay)),
                                      MAX (width, 1), MAX (height, 1));
  frame = cairo_surface_create_similar_image (window, CAIRO_FORMAT_ARGB32, MAX (width, 1),
                                              MAX (height, 1));
  keeper = cairo_surface_create_similar_image (window, CAIRO_FORMAT_ARGB32, 16, 16);
  cairo_surface_destroy (frame);
  cairo_surface_destroy (window);

  g_clear_pointer (&self->keeper, cairo_surface_destroy);
  self->keeper = keeper;
  self->surface = surface;
  self->width = width;
  self->height = height;
  g_debug ("Keeping an X11 shared-memory pool for %d×%d frames", width, height);
#endif
}
