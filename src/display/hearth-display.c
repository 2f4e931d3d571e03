/* hearth-display.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-display"

#include "config.h"

#include "hearth-display.h"

#include <glib/gi18n-lib.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "hearth-display-enums.h"
#include "hearth-keymap.h"
#include "hearth-x11-shm.h"

#include <spice/vd_agent.h>

/*
 * HearthDisplay: a GTK 4 widget showing one SPICE display and sending input.
 *
 * Frames. The display channel keeps the guest's primary surface in memory it
 * owns and tells us which rectangles changed (display-invalidate). A render
 * node must never change once made, so we cannot wrap that memory. Instead
 * the screen is cut into a grid of tiles, each a render node holding a copy
 * of its part of the surface. Damage is collected in a region and turned into
 * tiles only when GTK asks for a frame, so many invalidations between two
 * frames cost one copy of their union; only the tiles it touches are copied
 * again, and the others stay the same nodes from frame to frame, so GTK's
 * render-node diff limits the repaint to the new tiles. A small update (a
 * blinking cursor, a line of text) costs a copy of one tile, never a
 * full-frame copy.
 *
 * What a tile is depends on the renderer. GL and Vulkan upload a GdkTexture
 * once and keep it, so a tile is a texture node. GTK 4.8's cairo renderer
 * (software rendering, remote X) instead converts every texture in the tree
 * into a new cairo surface on every frame, even where nothing changed, which
 * for a screen is a full-frame copy and allocation per frame. There a tile is
 * a cairo node painting its part of a cairo image of the screen, which cairo
 * draws as it is and only where the frame is redrawn. For 32-bit surfaces
 * that image is the display channel's memory itself, so no pixel is copied
 * before GTK paints the frame; such a node shows the screen as it is when
 * drawn, never older than the node. Before that memory goes away (a new
 * surface, a disconnection) the image becomes a copy of it, so the last
 * picture stays. Other formats are converted into an image of our own.
 *
 * Tiles overlap their right and bottom neighbours by a few pixels and are
 * drawn in order, so when the screen is scaled to a size where tile edges fall
 * between device pixels, the blended edge of one lies over its neighbour's
 * copy of the same pixels rather than over the black background.
 *
 * Input. Keys go to the guest as PC scancodes looked up from the hardware
 * keycode (hearth-keymap.c), so the guest's layout decides what they mean,
 * exactly as with a physical keyboard. Every key we pressed in the guest is
 * remembered and released when the widget loses focus, so keys never stick.
 *
 * Connections. A session is either opened over a file descriptor that the
 * owner got from libvirt (virDomainOpenGraphicsFD, no TCP port), in which case
 * every further channel asks for its own fresh descriptor through the
 * "request-fd" signal, answered with hearth_display_supply_fd(); or over a URI
 * for machines with a TCP listener; or the owner hands in a SpiceSession.
 */

/* Wide and low: a line of text or a strip of the screen redraws few rows. */
#define TILE_WIDTH 256
#define TILE_HEIGHT 32
#define TILE_OVERLAP 4 /* guest pixels: no seams down to 1/4 scale */
#define RESIZE_GUEST_DELAY_MS 400
#define GUEST_MIN_SIZE 320

typedef enum
{
  TILES_NONE,
  TILES_TEXTURE,
  TILES_CAIRO,
} TileKind;

struct _HearthDisplay
{
  GtkWidget parent_instance;

  /* Session and channels (owned; main thread only). */
  SpiceSession *session;
  SpiceMainChannel *main_channel;
  SpiceDisplayChannel *display_channel;
  SpiceInputsChannel *inputs_channel;
  SpiceCursorChannel *cursor_channel;
  SpiceAudio *audio;
  SpiceUsbDeviceManager *usb_manager;
  GQueue fd_waiters; /* owned SpiceChannel refs waiting for a descriptor */
  gboolean fd_session;

  /* Primary surface: memory owned by the display channel, valid between
   * display-primary-create and display-primary-destroy. */
  const guint8 *surface_data;
  int surface_format;
  int surface_width;
  int surface_height;
  /* The part of the surface we show: the guest's first monitor, or all of
   * it. A QXL guest's surface can be larger than its monitor (after a
   * resolution change through the agent, for one). Guest coordinates of
   * input are relative to its corner. */
  cairo_rectangle_int_t area;
  int surface_stride;

  /* What we draw: tiles_x × tiles_y render nodes in rows (owned, NULL until
   * made) and the damage not yet copied into them. */
  GskRenderNode **tiles;
  guint8 *tile_dirty;
  HearthX11ShmKeeper *shm_keeper; /* owned while realized */
  int tiles_x;
  int tiles_y;
  TileKind tile_kind;
  cairo_region_t *damage;
  /* TILES_CAIRO: the image the tiles paint (owned; see above). */
  cairo_surface_t *screen_image;
  gboolean screen_image_is_surface; /* wraps surface_data */

  /* Where the guest screen is inside the widget, in widget coordinates. */
  double view_x;
  double view_y;
  double view_scale; /* widget units per guest pixel */

  /* State published as properties. */
  gboolean connected;
  gboolean agent_connected;
  gboolean grabbed;
  gboolean scale_to_fit;
  gboolean resize_guest;
  gboolean share_clipboard;
  gboolean first_frame_seen;
  HearthDisplayMouseMode mouse_mode;
  char *machine_name;

  /* Input state. */
  guint8 pressed_keys[0x200]; /* indexed by SPICE scancode */
  guint button_state;         /* SPICE_MOUSE_BUTTON_MASK_* */
  double last_x;
  double last_y;
  gboolean have_last;
  double scroll_dy;

  /* Guest cursor in client mode (owned). */
  GdkCursor *guest_cursor;
  gboolean guest_cursor_hidden;

  /* Guest resolution follows the widget size, debounced. */
  guint resize_source;
  int last_sent_width;
  int last_sent_height;

  /* Clipboard: we set the host clipboard from guest data; changes we did not
   * make are offered to the guest. */
  GdkClipboard *clipboard; /* borrowed from the display */
  gboolean clipboard_grabbed_by_guest;
  gboolean clipboard_grabbed_by_host; /* we told the guest the host has data */
  GdkContentProvider *guest_content; /* owned: guest data we put on the host clipboard */
  GCancellable *cancellable;

  /* Template-less children. */
  GtkWidget *hint; /* "Press Ctrl+Alt to release" */

  /* Controllers, kept to be reachable from tests through
   * gtk_widget_observe_controllers(). */
  GtkEventController *key_controller;

  /* While we have the focus, a capture-phase key controller on our window
   * (owned by the window; remembered to remove it). */
  GtkEventController *root_key_controller;
  GtkWidget *root_key_widget; /* weak pointer */
};

G_DEFINE_FINAL_TYPE (HearthDisplay, hearth_display, GTK_TYPE_WIDGET)

enum
{
  PROP_0,
  PROP_CONNECTED,
  PROP_AGENT_CONNECTED,
  PROP_MOUSE_MODE,
  PROP_GRABBED,
  PROP_GUEST_WIDTH,
  PROP_GUEST_HEIGHT,
  PROP_SCALE_TO_FIT,
  PROP_RESIZE_GUEST,
  PROP_SHARE_CLIPBOARD,
  PROP_MACHINE_NAME,
  PROP_SESSION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_REQUEST_FD,
  SIGNAL_DISCONNECTED,
  SIGNAL_FIRST_FRAME,
  SIGNAL_FRAME,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void detach_session (HearthDisplay *self);

/* -------------------------------------------------------------------------- */
/* Frames                                                                     */

/* Copies a rectangle of the primary surface to @dst as native-endian
 * 0xFFRRGGBB words: cairo's RGB24 and GDK_MEMORY_DEFAULT alike. The guest's X
 * byte is undefined (a screen is never transparent), so it is set opaque. */
static void
copy_pixels (HearthDisplay *self,
             int            x,
             int            y,
             int            width,
             int            height,
             guint8        *dst,
             gsize          dst_stride)
{
  g_assert (self->surface_data != NULL);

  for (int row = 0; row < height; row++, dst += dst_stride)
    {
      const guint8 *src = self->surface_data + (gsize) (y + row) * self->surface_stride;
      guint32 *out = (guint32 *) dst;

      switch (self->surface_format)
        {
        case SPICE_SURFACE_FMT_16_565:
          for (int i = 0; i < width; i++)
            {
              guint16 p = ((const guint16 *) src)[x + i];
              guint r = (p >> 11) & 0x1f, g = (p >> 5) & 0x3f, b = p & 0x1f;

              out[i] = 0xff000000u | (r << 3 | r >> 2) << 16 | (g << 2 | g >> 4) << 8
                       | (b << 3 | b >> 2);
            }
          break;

        case SPICE_SURFACE_FMT_16_555:
          for (int i = 0; i < width; i++)
            {
              guint16 p = ((const guint16 *) src)[x + i];
              guint r = (p >> 10) & 0x1f, g = (p >> 5) & 0x1f, b = p & 0x1f;

              out[i] = 0xff000000u | (r << 3 | r >> 2) << 16 | (g << 3 | g >> 2) << 8
                       | (b << 3 | b >> 2);
            }
          break;

        case SPICE_SURFACE_FMT_32_xRGB:
        case SPICE_SURFACE_FMT_32_ARGB:
        default:
          {
            const guint32 *in = (const guint32 *) src + x;

            /* A loop the compiler vectorises: about memcpy's speed. */
            for (int i = 0; i < width; i++)
              out[i] = in[i] | 0xff000000u;
          }
          break;
        }
    }
}

/* A new texture holding a copy of a rectangle of the primary surface. */
static GdkTexture *
copy_surface_rect (HearthDisplay *self,
                   int            x,
                   int            y,
                   int            width,
                   int            height)
{
  gsize stride = (gsize) width * 4;
  guint8 *pixels = g_malloc (stride * height);
  g_autoptr(GBytes) bytes = NULL;

  copy_pixels (self, x, y, width, height, pixels, stride);
  bytes = g_bytes_new_take (pixels, stride * height);
  return gdk_memory_texture_new (width, height, GDK_MEMORY_DEFAULT, bytes, stride);
}

/* Makes the screen image the cairo tiles paint, when there is none: the
 * display channel's memory itself for 32-bit surfaces (RGB24 ignores the X
 * byte), an image of our own for 16-bit ones. */
static void
ensure_screen_image (HearthDisplay *self)
{
  if (self->screen_image != NULL)
    return;

  self->screen_image_is_surface = self->surface_format == SPICE_SURFACE_FMT_32_xRGB
                                  || self->surface_format == SPICE_SURFACE_FMT_32_ARGB;
  if (self->screen_image_is_surface)
    self->screen_image = cairo_image_surface_create_for_data ((guchar *) self->surface_data,
                                                              CAIRO_FORMAT_RGB24,
                                                              self->surface_width,
                                                              self->surface_height,
                                                              self->surface_stride);
  else
    self->screen_image = cairo_image_surface_create (CAIRO_FORMAT_RGB24, self->surface_width,
                                                     self->surface_height);
}

/* Before the display channel's memory goes away: the tiles keep painting the
 * last picture, now from a copy of it. */
static void
detach_screen_image (HearthDisplay *self)
{
  cairo_surface_t *copy;
  cairo_t *cr;

  if (self->screen_image == NULL || !self->screen_image_is_surface)
    return;

  if (self->tile_kind != TILES_CAIRO)
    {
      /* Texture tiles hold copies already. */
      g_clear_pointer (&self->screen_image, cairo_surface_destroy);
      return;
    }

  copy = cairo_image_surface_create (CAIRO_FORMAT_RGB24, self->surface_width,
                                     self->surface_height);
  cr = cairo_create (copy);
  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_set_source_surface (cr, self->screen_image, 0, 0);
  cairo_paint (cr);
  cairo_destroy (cr);

  /* Every tile made from the old image is made again from the copy. */
  for (int i = 0; i < self->tiles_x * self->tiles_y; i++)
    if (self->tiles[i] != NULL)
      {
        int x = (i % self->tiles_x) * TILE_WIDTH, y = (i / self->tiles_x) * TILE_HEIGHT;
        graphene_rect_t bounds;
        cairo_t *tile_cr;

        gsk_render_node_get_bounds (self->tiles[i], &bounds);
        gsk_render_node_unref (self->tiles[i]);
        self->tiles[i] = gsk_cairo_node_new (&bounds);
        tile_cr = gsk_cairo_node_get_draw_context (self->tiles[i]);
        cairo_set_operator (tile_cr, CAIRO_OPERATOR_SOURCE);
        cairo_set_source_surface (tile_cr, copy, 0, 0);
        cairo_rectangle (tile_cr, x, y, bounds.size.width, bounds.size.height);
        cairo_fill (tile_cr);
        cairo_destroy (tile_cr);
      }

  cairo_surface_destroy (self->screen_image);
  self->screen_image = copy;
  self->screen_image_is_surface = FALSE;
}

/* A cairo node painting a rectangle of the screen image. */
static GskRenderNode *
screen_rect_to_cairo_node (HearthDisplay *self,
                           int            x,
                           int            y,
                           int            width,
                           int            height)
{
  GskRenderNode *node = gsk_cairo_node_new (&GRAPHENE_RECT_INIT (x, y, width, height));
  cairo_t *cr = gsk_cairo_node_get_draw_context (node);

  cairo_set_operator (cr, CAIRO_OPERATOR_SOURCE);
  cairo_set_source_surface (cr, self->screen_image, 0, 0);
  cairo_rectangle (cr, x, y, width, height);
  cairo_fill (cr);
  cairo_destroy (cr);

  return node;
}

/* Brings our own screen image (16-bit surfaces) up to date for the damage.
 *
 * cairo is deliberately not told that the image changed (no flush, no
 * mark_dirty): a recording surface, which is what a cairo node is, keeps a
 * copy-on-write snapshot of every image it paints, and telling cairo the
 * image changed makes that snapshot copy the whole image, on every frame,
 * however small the damage. Nothing else caches it: the cairo renderer paints
 * into client-side images with pixman, which reads the memory as it is. */
static void
update_screen_image (HearthDisplay *self)
{
  int stride = cairo_image_surface_get_stride (self->screen_image);
  guint8 *data = cairo_image_surface_get_data (self->screen_image);
  int n = cairo_region_num_rectangles (self->damage);

  if (self->screen_image_is_surface)
    return;

  for (int i = 0; i < n; i++)
    {
      cairo_rectangle_int_t r;

      cairo_region_get_rectangle (self->damage, i, &r);
      copy_pixels (self, r.x, r.y, r.width, r.height, data + (gsize) r.y * stride + (gsize) r.x * 4,
                   stride);
    }
}

static TileKind
current_tile_kind (HearthDisplay *self)
{
  GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
  GskRenderer *renderer = native != NULL ? gtk_native_get_renderer (native) : NULL;

  return renderer != NULL && GSK_IS_CAIRO_RENDERER (renderer) ? TILES_CAIRO : TILES_TEXTURE;
}

static void
clear_tiles (HearthDisplay *self)
{
  for (int i = 0; i < self->tiles_x * self->tiles_y; i++)
    g_clear_pointer (&self->tiles[i], gsk_render_node_unref);
  g_clear_pointer (&self->tiles, g_free);
  g_clear_pointer (&self->tile_dirty, g_free);
  g_clear_pointer (&self->screen_image, cairo_surface_destroy);
  self->tiles_x = self->tiles_y = 0;
}

static void
damage_all (HearthDisplay *self)
{
  cairo_rectangle_int_t screen = { 0, 0, self->surface_width, self->surface_height };

  cairo_region_union_rectangle (self->damage, &screen);
}

/* A new grid of tiles for the current surface size, all to be made. */
static void
reset_tiles (HearthDisplay *self)
{
  clear_tiles (self);
  cairo_region_destroy (self->damage);
  self->damage = cairo_region_create ();

  if (self->surface_width <= 0 || self->surface_height <= 0)
    return;

  self->tiles_x = (self->surface_width + TILE_WIDTH - 1) / TILE_WIDTH;
  self->tiles_y = (self->surface_height + TILE_HEIGHT - 1) / TILE_HEIGHT;
  self->tiles = g_new0 (GskRenderNode *, self->tiles_x * self->tiles_y);
  self->tile_dirty = g_new0 (guint8, self->tiles_x * self->tiles_y);
  damage_all (self);
}

/* Makes new tiles for the damage collected since the last frame; the others
 * stay the very same render nodes, so GTK redraws only the new ones. */
static void
flush_damage (HearthDisplay *self)
{
  TileKind kind = current_tile_kind (self);
  int n;

  if (self->surface_data == NULL || self->tiles == NULL)
    return;

  if (kind != self->tile_kind)
    {
      g_debug ("Tiles are now %s nodes", kind == TILES_CAIRO ? "cairo" : "texture");
      self->tile_kind = kind;
      damage_all (self);
    }

  if (cairo_region_is_empty (self->damage))
    return;

  if (kind == TILES_CAIRO)
    {
      ensure_screen_image (self);
      update_screen_image (self);
    }

  n = cairo_region_num_rectangles (self->damage);
  for (int i = 0; i < n; i++)
    {
      cairo_rectangle_int_t r;

      /* Column c covers [c·WIDTH, (c+1)·WIDTH + OVERLAP), rows alike. */
      cairo_region_get_rectangle (self->damage, i, &r);
      for (int row = MAX (0, (r.y - TILE_OVERLAP) / TILE_HEIGHT);
           row <= MIN (self->tiles_y - 1, (r.y + r.height - 1) / TILE_HEIGHT); row++)
        for (int col = MAX (0, (r.x - TILE_OVERLAP) / TILE_WIDTH);
             col <= MIN (self->tiles_x - 1, (r.x + r.width - 1) / TILE_WIDTH); col++)
          self->tile_dirty[row * self->tiles_x + col] = TRUE;
    }

  for (int row = 0; row < self->tiles_y; row++)
    for (int col = 0; col < self->tiles_x; col++)
      {
        int i = row * self->tiles_x + col;
        int x = col * TILE_WIDTH, y = row * TILE_HEIGHT;
        int width = MIN (TILE_WIDTH + TILE_OVERLAP, self->surface_width - x);
        int height = MIN (TILE_HEIGHT + TILE_OVERLAP, self->surface_height - y);

        if (!self->tile_dirty[i])
          continue;

        self->tile_dirty[i] = FALSE;
        g_clear_pointer (&self->tiles[i], gsk_render_node_unref);
        if (kind == TILES_CAIRO)
          {
            self->tiles[i] = screen_rect_to_cairo_node (self, x, y, width, height);
          }
        else
          {
            g_autoptr(GdkTexture) texture = copy_surface_rect (self, x, y, width, height);

            self->tiles[i] = gsk_texture_node_new (texture, &GRAPHENE_RECT_INIT (x, y, width, height));
          }
      }

  cairo_region_destroy (self->damage);
  self->damage = cairo_region_create ();
}

/* Shows the guest's first monitor when the display channel describes one
 * that lies within the surface, otherwise the whole surface. */
static void
update_area (HearthDisplay *self)
{
  cairo_rectangle_int_t area = { 0, 0, self->surface_width, self->surface_height };
  g_autoptr(GArray) monitors = NULL;
  gboolean resized;

  if (self->display_channel != NULL)
    g_object_get (self->display_channel, "monitors", &monitors, NULL);
  if (monitors != NULL && monitors->len > 0)
    {
      SpiceDisplayMonitorConfig *m = &g_array_index (monitors, SpiceDisplayMonitorConfig, 0);

      if (m->width > 0 && m->height > 0 && m->x + m->width <= (guint) self->surface_width
          && m->y + m->height <= (guint) self->surface_height)
        area = (cairo_rectangle_int_t) { m->x, m->y, m->width, m->height };
    }

  if (area.x != self->area.x || area.y != self->area.y)
    gtk_widget_queue_draw (GTK_WIDGET (self));
  resized = area.width != self->area.width || area.height != self->area.height;
  self->area = area;

  /* Both notified together: nobody sees a new width with the old height. */
  g_object_freeze_notify (G_OBJECT (self));
  if (resized)
    {
      g_debug ("Showing %d×%d at %d,%d of the %d×%d surface", area.width, area.height, area.x,
               area.y, self->surface_width, self->surface_height);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GUEST_WIDTH]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GUEST_HEIGHT]);
      gtk_widget_queue_resize (GTK_WIDGET (self));
    }
  g_object_thaw_notify (G_OBJECT (self));
}

static void
on_display_primary_create_cb (SpiceChannel  *channel,
                              int            format,
                              int            width,
                              int            height,
                              int            stride,
                              int            shmid,
                              gpointer       data,
                              HearthDisplay *self)
{
  g_debug ("Primary surface %d×%d, format %d, stride %d", width, height, format, stride);

  self->surface_data = data;
  self->surface_format = format;
  self->surface_stride = stride;
  self->surface_width = width;
  self->surface_height = height;
  update_area (self);

  /* A new surface (resolution change, reboot): a new grid, all of it to copy. */
  reset_tiles (self);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
on_display_primary_destroy_cb (SpiceChannel  *channel,
                               HearthDisplay *self)
{
  g_debug ("Primary surface destroyed");

  /* Keep the last tiles on screen until the next surface arrives, but never
   * read the memory again. */
  detach_screen_image (self);
  self->surface_data = NULL;
  cairo_region_destroy (self->damage);
  self->damage = cairo_region_create ();
}

static void
on_display_invalidate_cb (SpiceChannel  *channel,
                          int            x,
                          int            y,
                          int            width,
                          int            height,
                          HearthDisplay *self)
{
  cairo_rectangle_int_t rect = { x, y, width, height };
  cairo_rectangle_int_t screen = { 0, 0, self->surface_width, self->surface_height };
  gboolean first;

  if (self->surface_data == NULL)
    return;

  cairo_region_union_rectangle (self->damage, &rect);
  cairo_region_intersect_rectangle (self->damage, &screen);
  gtk_widget_queue_draw (GTK_WIDGET (self));

  first = !self->first_frame_seen;
  self->first_frame_seen = TRUE;
  if (first)
    g_signal_emit (self, signals[SIGNAL_FIRST_FRAME], 0);
  g_signal_emit (self, signals[SIGNAL_FRAME], 0);
}

static void
on_display_mark_cb (SpiceChannel  *channel,
                    int            mark,
                    HearthDisplay *self)
{
  g_debug ("Display mark %d", mark);
  if (mark && self->surface_data != NULL)
    {
      cairo_rectangle_int_t screen = { 0, 0, self->surface_width, self->surface_height };

      /* The surface is complete now; make sure what we show matches it. */
      cairo_region_union_rectangle (self->damage, &screen);
      gtk_widget_queue_draw (GTK_WIDGET (self));
    }
}

static void
on_display_monitors_cb (GObject       *channel,
                        GParamSpec    *pspec,
                        HearthDisplay *self)
{
  g_autoptr(GArray) monitors = NULL;

  /* One widget shows the first monitor of the first display channel. */
  g_object_get (channel, "monitors", &monitors, NULL);
  if (monitors != NULL && monitors->len > 0)
    {
      SpiceDisplayMonitorConfig *m = &g_array_index (monitors, SpiceDisplayMonitorConfig, 0);

      g_debug ("Monitor 0: %u×%u at %u,%u (of %u monitors)", m->width, m->height, m->x, m->y,
               monitors->len);
    }
  if ((gpointer) channel == (gpointer) self->display_channel)
    update_area (self);
}

/* -------------------------------------------------------------------------- */
/* Geometry                                                                   */

static void
update_view (HearthDisplay *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  int scale_factor = gtk_widget_get_scale_factor (widget);
  double s;

  if (self->area.width <= 0 || self->area.height <= 0)
    {
      self->view_x = self->view_y = 0;
      self->view_scale = 1;
      return;
    }

  if (self->scale_to_fit)
    s = MIN ((double) width / self->area.width, (double) height / self->area.height);
  else
    s = 1.0 / scale_factor; /* one guest pixel per device pixel */

  if (s <= 0)
    s = 1.0 / scale_factor;

  /* Letterbox, aligned to device pixels so 1:1 stays sharp. */
  self->view_scale = s;
  self->view_x = floor (MAX (0, (width - self->area.width * s) / 2) * scale_factor) / scale_factor;
  self->view_y = floor (MAX (0, (height - self->area.height * s) / 2) * scale_factor) / scale_factor;
}

static void
widget_to_guest (HearthDisplay *self,
                 double         x,
                 double         y,
                 int           *guest_x,
                 int           *guest_y)
{
  double gx = (x - self->view_x) / self->view_scale;
  double gy = (y - self->view_y) / self->view_scale;

  *guest_x = CLAMP ((int) floor (gx), 0, MAX (self->area.width - 1, 0));
  *guest_y = CLAMP ((int) floor (gy), 0, MAX (self->area.height - 1, 0));
}

/* -------------------------------------------------------------------------- */
/* Keyboard                                                                   */

static void
send_key (HearthDisplay *self,
          guint          scancode,
          gboolean       press)
{
  if (scancode == 0 || scancode >= G_N_ELEMENTS (self->pressed_keys))
    return;

  if (!press && !self->pressed_keys[scancode])
    return;

  self->pressed_keys[scancode] = press;

  if (self->inputs_channel == NULL)
    return;

  if (press)
    spice_inputs_channel_key_press (self->inputs_channel, scancode);
  else
    spice_inputs_channel_key_release (self->inputs_channel, scancode);
}

static void
release_all_keys (HearthDisplay *self)
{
  for (guint sc = 0; sc < G_N_ELEMENTS (self->pressed_keys); sc++)
    if (self->pressed_keys[sc])
      send_key (self, sc, FALSE);
}

static gboolean
is_ctrl (guint sc)
{
  return sc == 0x1d || sc == 0x11d;
}

static gboolean
is_alt (guint sc)
{
  return sc == 0x38 || sc == 0x138;
}

static gboolean
any_pressed (HearthDisplay *self,
             gboolean (*predicate) (guint))
{
  for (guint sc = 0; sc < G_N_ELEMENTS (self->pressed_keys); sc++)
    if (self->pressed_keys[sc] && predicate (sc))
      return TRUE;
  return FALSE;
}

static void
set_grabbed (HearthDisplay *self,
             gboolean       grabbed)
{
  if (self->grabbed == grabbed)
    return;

  self->grabbed = grabbed;
  self->have_last = FALSE;
  gtk_widget_set_visible (self->hint, grabbed);

  /* While grabbed, the desktop's own shortcuts (Super, Alt+Tab) go to the
   * guest too: on X11 this grabs the keyboard, on Wayland it uses the
   * shortcuts-inhibit protocol when the compositor offers it. */
  {
    GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
    GdkSurface *surface = native != NULL ? gtk_native_get_surface (native) : NULL;

    if (surface != NULL && GDK_IS_TOPLEVEL (surface))
      {
        if (grabbed)
          gdk_toplevel_inhibit_system_shortcuts (GDK_TOPLEVEL (surface), NULL);
        else
          gdk_toplevel_restore_system_shortcuts (GDK_TOPLEVEL (surface));
      }
  }

  /* GTK 4 has no pointer grab; in server mode we hide the host pointer and
   * turn its motion into relative guest motion while grabbed. */
  if (grabbed)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
  else if (self->mouse_mode == HEARTH_DISPLAY_MOUSE_MODE_CLIENT)
    gtk_widget_set_cursor (GTK_WIDGET (self), self->guest_cursor);
  else
    gtk_widget_set_cursor (GTK_WIDGET (self), NULL);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_GRABBED]);
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   HearthDisplay         *self)
{
  guint sc = hearth_keymap_keycode_to_spice (keycode);

  if (self->inputs_channel == NULL)
    return FALSE;

  if (sc == 0)
    {
      g_debug ("No scancode for keycode %u (keyval %s)", keycode, gdk_keyval_name (keyval));
      return TRUE;
    }

  /* Ctrl+Alt releases the grab; the keys still reach the guest, like a
   * physical keyboard would send them. */
  if (self->grabbed
      && ((is_ctrl (sc) && any_pressed (self, is_alt)) || (is_alt (sc) && any_pressed (self, is_ctrl))))
    set_grabbed (self, FALSE);

  send_key (self, sc, TRUE);
  return TRUE;
}

static void
on_key_released_cb (GtkEventControllerKey *controller,
                    guint                  keyval,
                    guint                  keycode,
                    GdkModifierType        state,
                    HearthDisplay         *self)
{
  send_key (self, hearth_keymap_keycode_to_spice (keycode), FALSE);
}

static void
sync_lock_keys (HearthDisplay *self)
{
  GdkSeat *seat = gdk_display_get_default_seat (gtk_widget_get_display (GTK_WIDGET (self)));
  GdkDevice *keyboard = seat != NULL ? gdk_seat_get_keyboard (seat) : NULL;
  guint locks = 0;

  if (keyboard == NULL || self->inputs_channel == NULL)
    return;

  if (gdk_device_get_caps_lock_state (keyboard))
    locks |= SPICE_INPUTS_CAPS_LOCK;
  if (gdk_device_get_num_lock_state (keyboard))
    locks |= SPICE_INPUTS_NUM_LOCK;
  if (gdk_device_get_scroll_lock_state (keyboard))
    locks |= SPICE_INPUTS_SCROLL_LOCK;

  spice_inputs_channel_set_key_locks (self->inputs_channel, locks);
}

static void
remove_root_key_controller (HearthDisplay *self)
{
  if (self->root_key_widget != NULL && self->root_key_controller != NULL)
    {
      gtk_widget_remove_controller (self->root_key_widget, self->root_key_controller);
      g_object_remove_weak_pointer (G_OBJECT (self->root_key_widget),
                                    (gpointer *) &self->root_key_widget);
    }
  self->root_key_widget = NULL;
  self->root_key_controller = NULL;
}

/* Application shortcuts (Ctrl+Q, Ctrl+F…) are handled by the window before
 * the focused widget sees the key, so a guest would never get them. While we
 * have the focus, a capture-phase controller on the window, which runs before
 * those shortcuts, sends every key to the guest instead. */
static void
add_root_key_controller (HearthDisplay *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkEventController *controller;

  if (root == NULL || (GtkWidget *) root == self->root_key_widget)
    return;

  remove_root_key_controller (self);

  controller = gtk_event_controller_key_new ();
  gtk_event_controller_set_propagation_phase (controller, GTK_PHASE_CAPTURE);
  g_signal_connect_object (controller, "key-pressed", G_CALLBACK (on_key_pressed_cb), self, 0);
  g_signal_connect_object (controller, "key-released", G_CALLBACK (on_key_released_cb), self, 0);
  gtk_widget_add_controller (GTK_WIDGET (root), controller);

  self->root_key_controller = controller;
  self->root_key_widget = GTK_WIDGET (root);
  g_object_add_weak_pointer (G_OBJECT (root), (gpointer *) &self->root_key_widget);
}

static void
on_focus_enter_cb (GtkEventControllerFocus *controller,
                   HearthDisplay           *self)
{
  add_root_key_controller (self);
  sync_lock_keys (self);
}

static void
on_focus_leave_cb (GtkEventControllerFocus *controller,
                   HearthDisplay           *self)
{
  remove_root_key_controller (self);
  release_all_keys (self);
  set_grabbed (self, FALSE);
}

/* -------------------------------------------------------------------------- */
/* Mouse                                                                      */

static int
spice_button_from_gdk (guint button)
{
  switch (button)
    {
    case GDK_BUTTON_PRIMARY:
      return SPICE_MOUSE_BUTTON_LEFT;
    case GDK_BUTTON_MIDDLE:
      return SPICE_MOUSE_BUTTON_MIDDLE;
    case GDK_BUTTON_SECONDARY:
      return SPICE_MOUSE_BUTTON_RIGHT;
    case 8:
      return SPICE_MOUSE_BUTTON_SIDE;
    case 9:
      return SPICE_MOUSE_BUTTON_EXTRA;
    default:
      return SPICE_MOUSE_BUTTON_INVALID;
    }
}

static guint
spice_button_mask (int button)
{
  switch (button)
    {
    case SPICE_MOUSE_BUTTON_LEFT:
      return SPICE_MOUSE_BUTTON_MASK_LEFT;
    case SPICE_MOUSE_BUTTON_MIDDLE:
      return SPICE_MOUSE_BUTTON_MASK_MIDDLE;
    case SPICE_MOUSE_BUTTON_RIGHT:
      return SPICE_MOUSE_BUTTON_MASK_RIGHT;
    case SPICE_MOUSE_BUTTON_SIDE:
      return SPICE_MOUSE_BUTTON_MASK_SIDE;
    case SPICE_MOUSE_BUTTON_EXTRA:
      return SPICE_MOUSE_BUTTON_MASK_EXTRA;
    default:
      return 0;
    }
}

static void
send_pointer (HearthDisplay *self,
              double         x,
              double         y)
{
  if (self->inputs_channel == NULL || self->area.width <= 0)
    return;

  if (self->mouse_mode == HEARTH_DISPLAY_MOUSE_MODE_CLIENT)
    {
      int gx, gy;

      widget_to_guest (self, x, y, &gx, &gy);
      spice_inputs_channel_position (self->inputs_channel, gx, gy, 0, self->button_state);
    }
  else if (self->grabbed)
    {
      if (self->have_last)
        {
          int dx = (int) round ((x - self->last_x) / self->view_scale);
          int dy = (int) round ((y - self->last_y) / self->view_scale);

          if (dx != 0 || dy != 0)
            spice_inputs_channel_motion (self->inputs_channel, dx, dy, self->button_state);
          if (dx == 0 && dy == 0)
            return; /* keep accumulating sub-pixel motion */
        }
    }

  self->last_x = x;
  self->last_y = y;
  self->have_last = TRUE;
}

static void
on_motion_cb (GtkEventControllerMotion *controller,
              double                    x,
              double                    y,
              HearthDisplay            *self)
{
  send_pointer (self, x, y);
}

static void
on_motion_leave_cb (GtkEventControllerMotion *controller,
                    HearthDisplay            *self)
{
  self->have_last = FALSE;
}

static void
handle_button (HearthDisplay *self,
               guint          gdk_button,
               gboolean       press,
               double         x,
               double         y)
{
  int button = spice_button_from_gdk (gdk_button);

  if (button == SPICE_MOUSE_BUTTON_INVALID || self->inputs_channel == NULL)
    return;

  if (press)
    {
      if (!gtk_widget_has_focus (GTK_WIDGET (self)))
        gtk_widget_grab_focus (GTK_WIDGET (self));

      /* In server mode the first click only grabs, like other viewers. */
      if (self->mouse_mode == HEARTH_DISPLAY_MOUSE_MODE_SERVER && !self->grabbed)
        {
          set_grabbed (self, TRUE);
          /* Relative motion starts from where the click was. */
          self->last_x = x;
          self->last_y = y;
          self->have_last = TRUE;
          return;
        }
    }

  if (!press && (self->button_state & spice_button_mask (button)) == 0)
    return;

  send_pointer (self, x, y);
  if (press)
    {
      spice_inputs_channel_button_press (self->inputs_channel, button, self->button_state);
      self->button_state |= spice_button_mask (button);
    }
  else
    {
      spice_inputs_channel_button_release (self->inputs_channel, button, self->button_state);
      self->button_state &= ~spice_button_mask (button);
    }
}

/* Buttons come from a legacy controller: a click gesture forgets a button
 * that moved too far between press and release, and drags would then leave
 * the button stuck down in the guest. */
static gboolean
on_legacy_event_cb (GtkEventControllerLegacy *controller,
                    GdkEvent                 *event,
                    HearthDisplay            *self)
{
  GdkEventType type = gdk_event_get_event_type (event);
  double x, y;

  if (type != GDK_BUTTON_PRESS && type != GDK_BUTTON_RELEASE)
    return FALSE;

  if (!gdk_event_get_position (event, &x, &y))
    return FALSE;

  {
    /* The event is in surface coordinates; bring it into ours. */
    GtkNative *native = gtk_widget_get_native (GTK_WIDGET (self));
    double nx, ny;
    graphene_point_t in, out;

    gtk_native_get_surface_transform (native, &nx, &ny);
    in = GRAPHENE_POINT_INIT (x - nx, y - ny);
    if (!gtk_widget_compute_point (GTK_WIDGET (native), GTK_WIDGET (self), &in, &out))
      return FALSE;
    x = out.x;
    y = out.y;
  }

  handle_button (self, gdk_button_event_get_button (event), type == GDK_BUTTON_PRESS, x, y);
  return self->inputs_channel != NULL;
}

static void
send_wheel (HearthDisplay *self,
            int            button)
{
  spice_inputs_channel_button_press (self->inputs_channel, button, self->button_state);
  spice_inputs_channel_button_release (self->inputs_channel, button, self->button_state);
}

static gboolean
on_scroll_cb (GtkEventControllerScroll *controller,
              double                    dx,
              double                    dy,
              HearthDisplay            *self)
{
  if (self->inputs_channel == NULL)
    return FALSE;

  if (self->mouse_mode == HEARTH_DISPLAY_MOUSE_MODE_SERVER && !self->grabbed)
    return TRUE;

  /* SPICE only knows wheel clicks (buttons 4 and 5). Discrete wheels give
   * ±1 per click; smooth scrolling (touchpads) is summed until it makes a
   * whole click. SPICE has no horizontal wheel; buttons 6 and 7 are back and
   * forward, so horizontal scrolling is not sent rather than sent wrongly. */
  self->scroll_dy += dy;
  while (self->scroll_dy >= 1.0)
    {
      send_wheel (self, SPICE_MOUSE_BUTTON_DOWN);
      self->scroll_dy -= 1.0;
    }
  while (self->scroll_dy <= -1.0)
    {
      send_wheel (self, SPICE_MOUSE_BUTTON_UP);
      self->scroll_dy += 1.0;
    }

  return TRUE;
}

static void
on_scroll_begin_cb (GtkEventControllerScroll *controller,
                    HearthDisplay            *self)
{
  self->scroll_dy = 0;
}

/* -------------------------------------------------------------------------- */
/* Cursor channel                                                             */

static void
update_widget_cursor (HearthDisplay *self)
{
  if (self->grabbed)
    return;

  if (self->mouse_mode == HEARTH_DISPLAY_MOUSE_MODE_CLIENT)
    {
      if (self->guest_cursor_hidden)
        gtk_widget_set_cursor_from_name (GTK_WIDGET (self), "none");
      else
        gtk_widget_set_cursor (GTK_WIDGET (self), self->guest_cursor);
    }
  else
    {
      gtk_widget_set_cursor (GTK_WIDGET (self), NULL);
    }
}

static void
on_cursor_shape_cb (GObject       *channel,
                    GParamSpec    *pspec,
                    HearthDisplay *self)
{
  SpiceCursorShape *shape = NULL;

  g_object_get (channel, "cursor", &shape, NULL);
  g_clear_object (&self->guest_cursor);

  if (shape != NULL && shape->data != NULL && shape->width > 0 && shape->height > 0)
    {
      gsize size = (gsize) shape->width * shape->height * 4;
      g_autoptr(GBytes) bytes = g_bytes_new (shape->data, size);
      g_autoptr(GdkTexture) texture = NULL;

      /* spice-client-glib hands the shape over as RGBA bytes. */
      texture = gdk_memory_texture_new (shape->width, shape->height, GDK_MEMORY_R8G8B8A8, bytes,
                                        shape->width * 4);
      self->guest_cursor = gdk_cursor_new_from_texture (texture, shape->hot_spot_x,
                                                        shape->hot_spot_y, NULL);
    }

  if (shape != NULL)
    g_boxed_free (SPICE_TYPE_CURSOR_SHAPE, shape);

  self->guest_cursor_hidden = FALSE;
  update_widget_cursor (self);
}

static void
on_cursor_hide_cb (SpiceCursorChannel *channel,
                   HearthDisplay      *self)
{
  self->guest_cursor_hidden = TRUE;
  update_widget_cursor (self);
}

static void
on_cursor_reset_cb (SpiceCursorChannel *channel,
                    HearthDisplay      *self)
{
  g_clear_object (&self->guest_cursor);
  self->guest_cursor_hidden = FALSE;
  update_widget_cursor (self);
}

/* -------------------------------------------------------------------------- */
/* Main channel: mouse mode, agent, guest resolution, clipboard                */

static void
update_mouse_mode (HearthDisplay *self)
{
  int mode = SPICE_MOUSE_MODE_SERVER;
  HearthDisplayMouseMode new_mode;

  if (self->main_channel != NULL)
    g_object_get (self->main_channel, "mouse-mode", &mode, NULL);

  new_mode = mode == SPICE_MOUSE_MODE_CLIENT ? HEARTH_DISPLAY_MOUSE_MODE_CLIENT
                                             : HEARTH_DISPLAY_MOUSE_MODE_SERVER;
  if (new_mode == self->mouse_mode)
    return;

  g_debug ("Mouse mode: %s", new_mode == HEARTH_DISPLAY_MOUSE_MODE_CLIENT ? "client" : "server");
  self->mouse_mode = new_mode;
  if (new_mode == HEARTH_DISPLAY_MOUSE_MODE_CLIENT)
    set_grabbed (self, FALSE);
  update_widget_cursor (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MOUSE_MODE]);
}

static void
on_main_mouse_update_cb (SpiceChannel  *channel,
                         HearthDisplay *self)
{
  update_mouse_mode (self);
}

static gboolean
send_guest_size_cb (gpointer user_data)
{
  HearthDisplay *self = user_data;
  int scale_factor = gtk_widget_get_scale_factor (GTK_WIDGET (self));
  int width = gtk_widget_get_width (GTK_WIDGET (self)) * scale_factor;
  int height = gtk_widget_get_height (GTK_WIDGET (self)) * scale_factor;

  self->resize_source = 0;

  if (self->main_channel == NULL || !self->agent_connected || !self->resize_guest)
    return G_SOURCE_REMOVE;

  /* Even sizes: some guest drivers refuse odd widths. */
  width = MAX (width, GUEST_MIN_SIZE) & ~1;
  height = MAX (height, GUEST_MIN_SIZE) & ~1;
  if (width == self->last_sent_width && height == self->last_sent_height)
    return G_SOURCE_REMOVE;

  g_debug ("Asking the guest for %d×%d", width, height);
  self->last_sent_width = width;
  self->last_sent_height = height;
  spice_main_channel_update_display_enabled (self->main_channel, 0, TRUE, FALSE);
  spice_main_channel_update_display (self->main_channel, 0, 0, 0, width, height, TRUE);

  return G_SOURCE_REMOVE;
}

static void
schedule_guest_resize (HearthDisplay *self)
{
  if (!self->agent_connected || !self->resize_guest || self->main_channel == NULL)
    return;

  g_clear_handle_id (&self->resize_source, g_source_remove);
  self->resize_source = g_timeout_add (RESIZE_GUEST_DELAY_MS, send_guest_size_cb, self);
}

static void
on_main_agent_cb (GObject       *channel,
                  GParamSpec    *pspec,
                  HearthDisplay *self)
{
  gboolean agent = FALSE;

  g_object_get (channel, "agent-connected", &agent, NULL);
  if (agent == self->agent_connected)
    return;

  g_debug ("Agent %s", agent ? "connected" : "gone");
  self->agent_connected = agent;
  self->last_sent_width = self->last_sent_height = 0;
  schedule_guest_resize (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_CONNECTED]);
}

/* Guest → host: the guest owns a selection; fetch it at once and put it on
 * the host clipboard (text or image). */
static gboolean
on_clipboard_grab_cb (SpiceMainChannel *channel,
                      guint             selection,
                      guint32          *types,
                      guint             ntypes,
                      HearthDisplay    *self)
{
  guint32 wanted = VD_AGENT_CLIPBOARD_NONE;

  if (selection != VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD || !self->share_clipboard)
    return TRUE;

  for (guint i = 0; i < ntypes; i++)
    {
      if (types[i] == VD_AGENT_CLIPBOARD_UTF8_TEXT)
        {
          wanted = types[i];
          break;
        }
      if (types[i] == VD_AGENT_CLIPBOARD_IMAGE_PNG)
        wanted = types[i];
    }

  if (wanted != VD_AGENT_CLIPBOARD_NONE)
    {
      self->clipboard_grabbed_by_guest = TRUE;
      spice_main_channel_clipboard_selection_request (channel, selection, wanted);
    }

  return TRUE;
}

/* Puts guest data on the host clipboard (takes @provider). The clipboard says
 * it changed at once: remembering the provider first keeps that change from
 * being offered back to the guest, while anything else copied in this process
 * is offered. */
static void
set_host_clipboard (HearthDisplay      *self,
                    GdkContentProvider *provider)
{
  g_clear_object (&self->guest_content);
  self->guest_content = provider;
  gdk_clipboard_set_content (self->clipboard, provider);
}

static void
on_clipboard_data_cb (SpiceMainChannel *channel,
                      guint             selection,
                      guint             type,
                      const guchar     *data,
                      guint             size,
                      HearthDisplay    *self)
{
  if (selection != VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD || self->clipboard == NULL
      || !self->share_clipboard)
    return;

  if (type == VD_AGENT_CLIPBOARD_UTF8_TEXT)
    {
      g_autofree char *text = g_strndup ((const char *) data, size);

      /* Windows guests send CRLF; the host wants LF. */
      if (strstr (text, "\r\n") != NULL)
        {
          g_auto(GStrv) lines = g_strsplit (text, "\r\n", -1);

          g_free (text);
          text = g_strjoinv ("\n", lines);
        }
      set_host_clipboard (self, gdk_content_provider_new_typed (G_TYPE_STRING, text));
    }
  else if (type == VD_AGENT_CLIPBOARD_IMAGE_PNG)
    {
      g_autoptr(GBytes) bytes = g_bytes_new (data, size);
      g_autoptr(GdkTexture) texture = gdk_texture_new_from_bytes (bytes, NULL);

      if (texture != NULL)
        set_host_clipboard (self, gdk_content_provider_new_typed (GDK_TYPE_TEXTURE, texture));
    }
}

static void
on_clipboard_release_cb (SpiceMainChannel *channel,
                         guint             selection,
                         HearthDisplay    *self)
{
  self->clipboard_grabbed_by_guest = FALSE;
}

typedef struct
{
  HearthDisplay *self; /* owned ref */
  guint selection;
  guint32 type;
} ClipboardRequest;

static void
clipboard_request_free (ClipboardRequest *req)
{
  g_object_unref (req->self);
  g_free (req);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ClipboardRequest, clipboard_request_free)

static void
send_clipboard (ClipboardRequest *req,
                const guchar     *data,
                gsize             size)
{
  if (req->self->main_channel != NULL)
    spice_main_channel_clipboard_selection_notify (req->self->main_channel, req->selection,
                                                   req->type, data, size);
}

static void
on_host_text_read_cb (GObject      *source,
                      GAsyncResult *result,
                      gpointer      user_data)
{
  g_autoptr(ClipboardRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = gdk_clipboard_read_text_finish (GDK_CLIPBOARD (source), result, &error);

  if (text == NULL)
    {
      g_debug ("Could not read the host clipboard: %s", error ? error->message : "empty");
      send_clipboard (req, NULL, 0);
      return;
    }

  send_clipboard (req, (const guchar *) text, strlen (text));
}

static void
on_host_texture_read_cb (GObject      *source,
                         GAsyncResult *result,
                         gpointer      user_data)
{
  g_autoptr(ClipboardRequest) req = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GdkTexture) texture = gdk_clipboard_read_texture_finish (GDK_CLIPBOARD (source),
                                                                      result, &error);
  g_autoptr(GBytes) png = NULL;

  if (texture == NULL)
    {
      g_debug ("Could not read the host clipboard image: %s", error ? error->message : "empty");
      send_clipboard (req, NULL, 0);
      return;
    }

  png = gdk_texture_save_to_png_bytes (texture);
  send_clipboard (req, g_bytes_get_data (png, NULL), g_bytes_get_size (png));
}

/* Host → guest: the guest pastes; read the host clipboard asynchronously. */
static gboolean
on_clipboard_request_cb (SpiceMainChannel *channel,
                         guint             selection,
                         guint             type,
                         HearthDisplay    *self)
{
  ClipboardRequest *req;

  if (selection != VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD || self->clipboard == NULL
      || !self->share_clipboard)
    return FALSE;

  req = g_new0 (ClipboardRequest, 1);
  req->self = g_object_ref (self);
  req->selection = selection;
  req->type = type;

  if (type == VD_AGENT_CLIPBOARD_UTF8_TEXT)
    gdk_clipboard_read_text_async (self->clipboard, self->cancellable, on_host_text_read_cb, req);
  else if (type == VD_AGENT_CLIPBOARD_IMAGE_PNG)
    gdk_clipboard_read_texture_async (self->clipboard, self->cancellable, on_host_texture_read_cb,
                                      req);
  else
    {
      clipboard_request_free (req);
      return FALSE;
    }

  return TRUE;
}

static void
on_host_clipboard_changed_cb (GdkClipboard  *clipboard,
                              HearthDisplay *self)
{
  GdkContentFormats *formats;
  guint32 types[2];
  int n = 0;

  /* Our own copy of guest data: the guest already has it. */
  if ((gdk_clipboard_is_local (clipboard)
       && gdk_clipboard_get_content (clipboard) == self->guest_content)
      || self->main_channel == NULL || !self->agent_connected || !self->share_clipboard)
    return;

  if (!spice_main_channel_agent_test_capability (self->main_channel,
                                                 VD_AGENT_CAP_CLIPBOARD_BY_DEMAND))
    return;

  formats = gdk_clipboard_get_formats (clipboard);
  if (gdk_content_formats_contain_gtype (formats, G_TYPE_STRING)
      || gdk_content_formats_contain_mime_type (formats, "text/plain;charset=utf-8")
      || gdk_content_formats_contain_mime_type (formats, "text/plain"))
    types[n++] = VD_AGENT_CLIPBOARD_UTF8_TEXT;
  if (gdk_content_formats_contain_gtype (formats, GDK_TYPE_TEXTURE)
      || gdk_content_formats_contain_mime_type (formats, "image/png"))
    types[n++] = VD_AGENT_CLIPBOARD_IMAGE_PNG;

  if (n > 0)
    spice_main_channel_clipboard_selection_grab (self->main_channel,
                                                 VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD, types, n);
  else if (!self->clipboard_grabbed_by_guest)
    spice_main_channel_clipboard_selection_release (self->main_channel,
                                                    VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD);
  self->clipboard_grabbed_by_host = n > 0;
}

/* -------------------------------------------------------------------------- */
/* Channels and session                                                       */

static void
set_connected (HearthDisplay *self,
               gboolean       connected)
{
  if (self->connected == connected)
    return;

  self->connected = connected;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONNECTED]);
}

static const char *
describe_channel_event (SpiceChannel     *channel,
                        SpiceChannelEvent event)
{
  const GError *error = spice_channel_get_error (channel);

  if (error != NULL)
    return error->message;

  switch (event)
    {
    case SPICE_CHANNEL_CLOSED:
      return NULL;
    case SPICE_CHANNEL_ERROR_CONNECT:
      return "could not connect to the SPICE server";
    case SPICE_CHANNEL_ERROR_TLS:
      return "TLS error";
    case SPICE_CHANNEL_ERROR_LINK:
      return "SPICE link error";
    case SPICE_CHANNEL_ERROR_AUTH:
      return "SPICE authentication failed";
    case SPICE_CHANNEL_ERROR_IO:
      return "SPICE connection I/O error";
    default:
      return "SPICE connection failed";
    }
}

static void
on_channel_event_cb (SpiceChannel     *channel,
                     SpiceChannelEvent event,
                     HearthDisplay    *self)
{
  g_autofree char *reason = NULL;

  g_debug ("Channel %s event %d", G_OBJECT_TYPE_NAME (channel), event);

  if (event == SPICE_CHANNEL_OPENED)
    {
      if (SPICE_IS_MAIN_CHANNEL (channel))
        set_connected (self, TRUE);
      else if (SPICE_IS_INPUTS_CHANNEL (channel))
        sync_lock_keys (self);
      return;
    }

  if (!SPICE_IS_MAIN_CHANNEL (channel) || event == SPICE_CHANNEL_SWITCHING)
    return;

  /* The main channel is gone, and so is the session (the machine stopped,
   * the server went away or refused us). The owner decides whether and when
   * to reconnect, because only it knows whether the machine still runs. */
  reason = g_strdup (describe_channel_event (channel, event));
  g_debug ("Disconnected: %s", reason ? reason : "closed");

  g_object_ref (self);
  detach_session (self);
  g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, reason);
  g_object_unref (self);
}

static void
on_channel_open_fd_cb (SpiceChannel  *channel,
                       int            with_tls,
                       HearthDisplay *self)
{
  g_debug ("Channel %s asks for a descriptor", G_OBJECT_TYPE_NAME (channel));
  g_queue_push_tail (&self->fd_waiters, g_object_ref (channel));
  g_signal_emit (self, signals[SIGNAL_REQUEST_FD], 0);
}

static void
on_channel_new_cb (SpiceSession  *session,
                   SpiceChannel  *channel,
                   HearthDisplay *self)
{
  int id = 0;

  g_object_get (channel, "channel-id", &id, NULL);
  g_debug ("New channel %s %d", G_OBJECT_TYPE_NAME (channel), id);

  g_signal_connect_object (channel, "channel-event", G_CALLBACK (on_channel_event_cb), self, 0);
  if (self->fd_session)
    g_signal_connect_object (channel, "open-fd", G_CALLBACK (on_channel_open_fd_cb), self, 0);

  if (SPICE_IS_MAIN_CHANNEL (channel))
    {
      g_set_object (&self->main_channel, SPICE_MAIN_CHANNEL (channel));
      g_signal_connect_object (channel, "main-mouse-update",
                               G_CALLBACK (on_main_mouse_update_cb), self, 0);
      g_signal_connect_object (channel, "notify::agent-connected", G_CALLBACK (on_main_agent_cb),
                               self, 0);
      g_signal_connect_object (channel, "main-clipboard-selection-grab",
                               G_CALLBACK (on_clipboard_grab_cb), self, 0);
      g_signal_connect_object (channel, "main-clipboard-selection",
                               G_CALLBACK (on_clipboard_data_cb), self, 0);
      g_signal_connect_object (channel, "main-clipboard-selection-release",
                               G_CALLBACK (on_clipboard_release_cb), self, 0);
      g_signal_connect_object (channel, "main-clipboard-selection-request",
                               G_CALLBACK (on_clipboard_request_cb), self, 0);
      update_mouse_mode (self);
      return;
    }

  if (SPICE_IS_DISPLAY_CHANNEL (channel))
    {
      SpiceDisplayPrimary primary;

      /* One widget, one monitor: the first display channel. */
      if (id != 0 || self->display_channel != NULL)
        return;

      g_set_object (&self->display_channel, SPICE_DISPLAY_CHANNEL (channel));
      g_signal_connect_object (channel, "display-primary-create",
                               G_CALLBACK (on_display_primary_create_cb), self, 0);
      g_signal_connect_object (channel, "display-primary-destroy",
                               G_CALLBACK (on_display_primary_destroy_cb), self, 0);
      g_signal_connect_object (channel, "display-invalidate",
                               G_CALLBACK (on_display_invalidate_cb), self, 0);
      g_signal_connect_object (channel, "display-mark", G_CALLBACK (on_display_mark_cb), self, 0);
      g_signal_connect_object (channel, "notify::monitors", G_CALLBACK (on_display_monitors_cb),
                               self, 0);

      /* The surface may exist already when the owner handed us a live session. */
      if (spice_display_channel_get_primary (channel, 0, &primary))
        on_display_primary_create_cb (channel, primary.format, primary.width, primary.height,
                                      primary.stride, primary.shmid, primary.data, self);

      spice_channel_connect (channel);
      return;
    }

  if (SPICE_IS_INPUTS_CHANNEL (channel))
    {
      g_set_object (&self->inputs_channel, SPICE_INPUTS_CHANNEL (channel));
      spice_channel_connect (channel);
      return;
    }

  if (SPICE_IS_CURSOR_CHANNEL (channel))
    {
      if (id != 0)
        return;
      g_set_object (&self->cursor_channel, SPICE_CURSOR_CHANNEL (channel));
      g_signal_connect_object (channel, "notify::cursor", G_CALLBACK (on_cursor_shape_cb), self, 0);
      g_signal_connect_object (channel, "cursor-hide", G_CALLBACK (on_cursor_hide_cb), self, 0);
      g_signal_connect_object (channel, "cursor-reset", G_CALLBACK (on_cursor_reset_cb), self, 0);
      spice_channel_connect (channel);
      return;
    }

  /* Playback and record channels are connected by SpiceAudio, USB
   * redirection channels by SpiceUsbDeviceManager. */
}

static void
on_channel_destroy_cb (SpiceSession  *session,
                       SpiceChannel  *channel,
                       HearthDisplay *self)
{
  if ((gpointer) channel == (gpointer) self->main_channel)
    g_clear_object (&self->main_channel);
  else if ((gpointer) channel == (gpointer) self->display_channel)
    {
      detach_screen_image (self);
      self->surface_data = NULL;
      g_clear_object (&self->display_channel);
    }
  else if ((gpointer) channel == (gpointer) self->inputs_channel)
    g_clear_object (&self->inputs_channel);
  else if ((gpointer) channel == (gpointer) self->cursor_channel)
    g_clear_object (&self->cursor_channel);
}

static gboolean
disconnect_session_idle_cb (gpointer data)
{
  SpiceSession *session = data; /* owned */

  spice_session_disconnect (session);
  g_object_unref (session);

  return G_SOURCE_REMOVE;
}

/* Closes @session, which nobody shows any more.
 *
 * spice-client-glib's own disconnect takes each channel's session away
 * before stopping it. A channel whose coroutine is parked while the main
 * context emits one of its signals (its link reply has just been read)
 * then resumes without a session and complains. So each channel is told
 * to stop first; the session is disconnected once the signals they still
 * had queued, which run at a higher priority, have gone out. */
static void
close_session (SpiceSession *session /* owned */)
{
  GList *channels = spice_session_get_channels (session);

  for (GList *l = channels; l != NULL; l = l->next)
    spice_channel_disconnect (l->data, SPICE_CHANNEL_NONE);
  g_list_free (channels);

  g_idle_add_full (G_PRIORITY_LOW, disconnect_session_idle_cb, session, NULL);
}

/* Forgets the session without emitting anything. */
static void
detach_session (HearthDisplay *self)
{
  SpiceSession *session = g_steal_pointer (&self->session); /* owned */
  SpiceChannel *waiter;

  release_all_keys (self);
  self->button_state = 0;
  set_grabbed (self, FALSE);
  g_clear_handle_id (&self->resize_source, g_source_remove);

  while ((waiter = g_queue_pop_head (&self->fd_waiters)) != NULL)
    g_object_unref (waiter);

  if (session != NULL)
    {
      GList *channels = spice_session_get_channels (session);

      for (GList *l = channels; l != NULL; l = l->next)
        g_signal_handlers_disconnect_by_data (l->data, self);
      g_list_free (channels);
      g_signal_handlers_disconnect_by_data (session, self);
      close_session (g_steal_pointer (&session));
    }

  detach_screen_image (self);
  self->surface_data = NULL;
  g_clear_object (&self->main_channel);
  g_clear_object (&self->display_channel);
  g_clear_object (&self->inputs_channel);
  g_clear_object (&self->cursor_channel);
  g_clear_object (&self->audio);
  g_clear_object (&self->usb_manager);
  g_clear_object (&self->guest_cursor);
  self->fd_session = FALSE;
  self->clipboard_grabbed_by_guest = FALSE;
  self->clipboard_grabbed_by_host = FALSE;

  if (self->agent_connected)
    {
      self->agent_connected = FALSE;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AGENT_CONNECTED]);
    }
  update_widget_cursor (self);
  set_connected (self, FALSE);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static void
attach_session (HearthDisplay *self,
                SpiceSession  *session,
                gboolean       fd_session)
{
  GList *channels;

  detach_session (self);

  self->session = g_object_ref (session);
  self->fd_session = fd_session;
  self->first_frame_seen = FALSE;
  self->last_sent_width = self->last_sent_height = 0;

  g_signal_connect_object (session, "channel-new", G_CALLBACK (on_channel_new_cb), self, 0);
  g_signal_connect_object (session, "channel-destroy", G_CALLBACK (on_channel_destroy_cb), self, 0);

  /* Channels that exist already (a session handed in live). */
  channels = spice_session_get_channels (session);
  for (GList *l = channels; l != NULL; l = l->next)
    on_channel_new_cb (session, l->data, self);
  g_list_free (channels);

  /* Audio playback and recording follow the session's channels by
   * themselves, on the default main context. */
  self->audio = spice_audio_get (session, NULL);
  if (self->audio != NULL)
    g_object_ref (self->audio);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SESSION]);
}

static SpiceSession *
new_session (void)
{
  /* Clipboard sharing is ours; SpiceGtkSession does not exist in GTK 4. */
  return g_object_new (SPICE_TYPE_SESSION, "enable-audio", TRUE, "enable-usbredir", TRUE, NULL);
}

/* -------------------------------------------------------------------------- */
/* GtkWidget                                                                  */

/* Black where the guest's picture is not: the letterbox bars, or everything
 * before the first frame. Not under the picture, which is opaque: filling a
 * whole frame only to paint over it costs as much as painting the picture. */
static void
append_background (HearthDisplay *self,
                   GtkSnapshot   *snapshot,
                   int            width,
                   int            height)
{
  const GdkRGBA black = { 0, 0, 0, 1 };
  gboolean covered = self->tiles != NULL;
  double x0, y0, x1, y1;

  for (int i = 0; covered && i < self->tiles_x * self->tiles_y; i++)
    covered = self->tiles[i] != NULL;

  if (!covered)
    {
      gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, 0, width, height));
      return;
    }

  /* The bars reach a pixel into the picture, which paints over them: no seam. */
  x0 = MAX (0, floor (self->view_x) + 1);
  y0 = MAX (0, floor (self->view_y) + 1);
  x1 = MIN (width, ceil (self->view_x + self->area.width * self->view_scale) - 1);
  y1 = MIN (height, ceil (self->view_y + self->area.height * self->view_scale) - 1);
  if (x1 <= x0 || y1 <= y0)
    {
      gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, 0, width, height));
      return;
    }

  if (y0 > 0)
    gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, 0, width, y0));
  if (y1 < height)
    gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, y1, width, height - y1));
  if (x0 > 0)
    gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (0, y0, x0, y1 - y0));
  if (x1 < width)
    gtk_snapshot_append_color (snapshot, &black, &GRAPHENE_RECT_INIT (x1, y0, width - x1, y1 - y0));
}

static void
hearth_display_snapshot (GtkWidget   *widget,
                         GtkSnapshot *snapshot)
{
  HearthDisplay *self = HEARTH_DISPLAY (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  gboolean cropped = self->area.width < self->surface_width
                     || self->area.height < self->surface_height;

  flush_damage (self);
  update_view (self);
  append_background (self, snapshot, width, height);

  if (self->tiles != NULL)
    {
      if (self->shm_keeper != NULL)
        hearth_x11_shm_keeper_update (self->shm_keeper, widget);

      /* Each tile gets its own transform node. GTK cannot work out what
       * changed under a scaling transform and repaints all of it, so one
       * transform around every tile would repaint the whole picture, scaled,
       * for each update of any size. Around one tile, an unchanged tile is
       * the same child under an equal transform: nothing to repaint. */
      gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
      if (cropped)
        gtk_snapshot_push_clip (snapshot, &GRAPHENE_RECT_INIT (self->view_x, self->view_y,
                                                               self->area.width * self->view_scale,
                                                               self->area.height * self->view_scale));

      for (int i = 0; i < self->tiles_x * self->tiles_y; i++)
        {
          int x = (i % self->tiles_x) * TILE_WIDTH, y = (i / self->tiles_x) * TILE_HEIGHT;

          if (self->tiles[i] == NULL || x >= self->area.x + self->area.width
              || x + TILE_WIDTH + TILE_OVERLAP <= self->area.x
              || y >= self->area.y + self->area.height
              || y + TILE_HEIGHT + TILE_OVERLAP <= self->area.y)
            continue;

          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (self->view_x, self->view_y));
          gtk_snapshot_scale (snapshot, self->view_scale, self->view_scale);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (-self->area.x, -self->area.y));
          gtk_snapshot_append_node (snapshot, self->tiles[i]);
          gtk_snapshot_restore (snapshot);
        }

      if (cropped)
        gtk_snapshot_pop (snapshot);
      gtk_snapshot_pop (snapshot);
    }

  gtk_widget_snapshot_child (widget, self->hint, snapshot);
}

static void
hearth_display_measure (GtkWidget      *widget,
                        GtkOrientation  orientation,
                        int             for_size,
                        int            *minimum,
                        int            *natural,
                        int            *minimum_baseline,
                        int            *natural_baseline)
{
  HearthDisplay *self = HEARTH_DISPLAY (widget);
  int scale_factor = gtk_widget_get_scale_factor (widget);
  int guest = orientation == GTK_ORIENTATION_HORIZONTAL ? self->area.width : self->area.height;
  int size, hint_min = 0, hint_nat = 0;

  if (guest <= 0)
    guest = orientation == GTK_ORIENTATION_HORIZONTAL ? 640 : 480;
  size = (guest + scale_factor - 1) / scale_factor;

  gtk_widget_measure (self->hint, orientation, -1, &hint_min, &hint_nat, NULL, NULL);

  /* Scaled to fit, any size works; at 1:1 we need the whole screen, and a
   * scrolled window around us scrolls. */
  *minimum = MAX (self->scale_to_fit ? 1 : size, hint_min);
  *natural = MAX (size, hint_nat);
}

static void
hearth_display_size_allocate (GtkWidget *widget,
                              int        width,
                              int        height,
                              int        baseline)
{
  HearthDisplay *self = HEARTH_DISPLAY (widget);
  int hint_width = 0, hint_height = 0;

  gtk_widget_measure (self->hint, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &hint_width, NULL, NULL);
  hint_width = MIN (hint_width, width);
  gtk_widget_measure (self->hint, GTK_ORIENTATION_VERTICAL, hint_width, NULL, &hint_height, NULL,
                      NULL);
  gtk_widget_size_allocate (self->hint,
                            &(GtkAllocation) { (width - hint_width) / 2, 12, hint_width, hint_height },
                            -1);

  update_view (self);
  schedule_guest_resize (self);
}

static void
on_scale_factor_cb (HearthDisplay *self,
                    GParamSpec    *pspec,
                    gpointer       user_data)
{
  gtk_widget_queue_resize (GTK_WIDGET (self));
  schedule_guest_resize (self);
}

static void
hearth_display_unrealize (GtkWidget *widget)
{
  HearthDisplay *self = HEARTH_DISPLAY (widget);

  if (self->clipboard != NULL)
    g_signal_handlers_disconnect_by_data (self->clipboard, self);
  self->clipboard = NULL;
  remove_root_key_controller (self);
  g_clear_pointer (&self->shm_keeper, hearth_x11_shm_keeper_free);

  GTK_WIDGET_CLASS (hearth_display_parent_class)->unrealize (widget);
}

static void
hearth_display_realize (GtkWidget *widget)
{
  HearthDisplay *self = HEARTH_DISPLAY (widget);

  GTK_WIDGET_CLASS (hearth_display_parent_class)->realize (widget);

  /* Frames of guest video, painted by GTK's cairo renderer on X11. */
  self->shm_keeper = hearth_x11_shm_keeper_new ();

  self->clipboard = gtk_widget_get_clipboard (widget);
  g_signal_connect (self->clipboard, "changed", G_CALLBACK (on_host_clipboard_changed_cb), self);
}

/* -------------------------------------------------------------------------- */
/* GObject                                                                    */

static void
update_accessible_label (HearthDisplay *self)
{
  g_autofree char *label = NULL;

  if (self->machine_name != NULL)
    /* Translators: the accessible name of a virtual machine's screen. */
    label = g_strdup_printf (_("Screen of %s"), self->machine_name);
  else
    label = g_strdup (_("Virtual machine screen"));

  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
hearth_display_dispose (GObject *object)
{
  HearthDisplay *self = HEARTH_DISPLAY (object);

  g_cancellable_cancel (self->cancellable);
  remove_root_key_controller (self);
  detach_session (self);
  g_clear_object (&self->guest_content);
  g_clear_pointer (&self->hint, gtk_widget_unparent);

  G_OBJECT_CLASS (hearth_display_parent_class)->dispose (object);
}

static void
hearth_display_finalize (GObject *object)
{
  HearthDisplay *self = HEARTH_DISPLAY (object);

  clear_tiles (self);
  cairo_region_destroy (self->damage);
  g_clear_object (&self->cancellable);
  g_free (self->machine_name);

  G_OBJECT_CLASS (hearth_display_parent_class)->finalize (object);
}

static void
hearth_display_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  HearthDisplay *self = HEARTH_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_CONNECTED:
      g_value_set_boolean (value, self->connected);
      break;
    case PROP_AGENT_CONNECTED:
      g_value_set_boolean (value, self->agent_connected);
      break;
    case PROP_MOUSE_MODE:
      g_value_set_enum (value, self->mouse_mode);
      break;
    case PROP_GRABBED:
      g_value_set_boolean (value, self->grabbed);
      break;
    case PROP_GUEST_WIDTH:
      g_value_set_int (value, self->area.width);
      break;
    case PROP_GUEST_HEIGHT:
      g_value_set_int (value, self->area.height);
      break;
    case PROP_SCALE_TO_FIT:
      g_value_set_boolean (value, self->scale_to_fit);
      break;
    case PROP_RESIZE_GUEST:
      g_value_set_boolean (value, self->resize_guest);
      break;
    case PROP_SHARE_CLIPBOARD:
      g_value_set_boolean (value, self->share_clipboard);
      break;
    case PROP_MACHINE_NAME:
      g_value_set_string (value, self->machine_name);
      break;
    case PROP_SESSION:
      g_value_set_object (value, self->session);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_display_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  HearthDisplay *self = HEARTH_DISPLAY (object);

  switch (prop_id)
    {
    case PROP_SCALE_TO_FIT:
      hearth_display_set_scale_to_fit (self, g_value_get_boolean (value));
      break;
    case PROP_RESIZE_GUEST:
      hearth_display_set_resize_guest (self, g_value_get_boolean (value));
      break;
    case PROP_SHARE_CLIPBOARD:
      hearth_display_set_share_clipboard (self, g_value_get_boolean (value));
      break;
    case PROP_MACHINE_NAME:
      hearth_display_set_machine_name (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_display_class_init (HearthDisplayClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = hearth_display_dispose;
  object_class->finalize = hearth_display_finalize;
  object_class->get_property = hearth_display_get_property;
  object_class->set_property = hearth_display_set_property;

  widget_class->snapshot = hearth_display_snapshot;
  widget_class->measure = hearth_display_measure;
  widget_class->size_allocate = hearth_display_size_allocate;
  widget_class->realize = hearth_display_realize;
  widget_class->unrealize = hearth_display_unrealize;

  /**
   * HearthDisplay:connected:
   *
   * Whether the SPICE main channel is up.
   */
  properties[PROP_CONNECTED] =
    g_param_spec_boolean ("connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:agent-connected:
   *
   * Whether the guest runs the SPICE agent (clipboard, resolution).
   */
  properties[PROP_AGENT_CONNECTED] =
    g_param_spec_boolean ("agent-connected", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:mouse-mode:
   *
   * Server (relative, grabbed) or client (absolute) mouse.
   */
  properties[PROP_MOUSE_MODE] =
    g_param_spec_enum ("mouse-mode", NULL, NULL, HEARTH_TYPE_DISPLAY_MOUSE_MODE,
                       HEARTH_DISPLAY_MOUSE_MODE_SERVER,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:grabbed:
   *
   * Whether the pointer is grabbed (server mouse mode only).
   */
  properties[PROP_GRABBED] =
    g_param_spec_boolean ("grabbed", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:guest-width:
   *
   * Width of the guest screen in guest pixels, 0 before the first surface.
   */
  properties[PROP_GUEST_WIDTH] =
    g_param_spec_int ("guest-width", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:guest-height:
   *
   * Height of the guest screen in guest pixels.
   */
  properties[PROP_GUEST_HEIGHT] =
    g_param_spec_int ("guest-height", NULL, NULL, 0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:scale-to-fit:
   *
   * Scale the screen to the widget keeping its aspect ratio (TRUE) or show
   * it one guest pixel per device pixel (FALSE; put the widget in a
   * GtkScrolledWindow).
   */
  properties[PROP_SCALE_TO_FIT] =
    g_param_spec_boolean ("scale-to-fit", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:resize-guest:
   *
   * Ask the guest agent to follow the widget's size.
   */
  properties[PROP_RESIZE_GUEST] =
    g_param_spec_boolean ("resize-guest", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:share-clipboard:
   *
   * Copy and paste between the host and the guest (through the agent). When
   * %FALSE, nothing crosses in either direction.
   */
  properties[PROP_SHARE_CLIPBOARD] =
    g_param_spec_boolean ("share-clipboard", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:machine-name:
   *
   * The machine's name, for the accessible name "Screen of …".
   */
  properties[PROP_MACHINE_NAME] =
    g_param_spec_string ("machine-name", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * HearthDisplay:session:
   *
   * The SPICE session shown, or %NULL.
   */
  properties[PROP_SESSION] =
    g_param_spec_object ("session", NULL, NULL, SPICE_TYPE_SESSION,
                         G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthDisplay::request-fd:
   *
   * A channel of a session opened with hearth_display_open_fd() needs its
   * own new descriptor to the same SPICE server. Answer, now or later, with
   * hearth_display_supply_fd() (with -1 on failure).
   */
  signals[SIGNAL_REQUEST_FD] =
    g_signal_new ("request-fd", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * HearthDisplay::disconnected:
   * @reason: (nullable): why, for developers; %NULL for a normal close
   *
   * The session ended. The widget keeps the last frame on screen.
   */
  signals[SIGNAL_DISCONNECTED] =
    g_signal_new ("disconnected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  /**
   * HearthDisplay::first-frame:
   *
   * The first picture of this session arrived.
   */
  signals[SIGNAL_FIRST_FRAME] =
    g_signal_new ("first-frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * HearthDisplay::frame:
   *
   * Part of the screen changed (for benchmarks and tests).
   */
  signals[SIGNAL_FRAME] =
    g_signal_new ("frame", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_set_css_name (widget_class, "hearth-display");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_WIDGET);
}

static void
hearth_display_init (HearthDisplay *self)
{
  GtkWidget *widget = GTK_WIDGET (self);
  GtkEventController *controller;

  self->damage = cairo_region_create ();
  self->view_scale = 1;
  self->scale_to_fit = TRUE;
  self->resize_guest = TRUE;
  self->share_clipboard = TRUE;
  self->cancellable = g_cancellable_new ();
  g_queue_init (&self->fd_waiters);

  gtk_widget_set_focusable (widget, TRUE);
  gtk_widget_set_focus_on_click (widget, TRUE);
  gtk_widget_set_overflow (widget, GTK_OVERFLOW_HIDDEN);

  self->hint = gtk_label_new (_("Press Ctrl+Alt to release the mouse"));
  gtk_widget_add_css_class (self->hint, "osd");
  gtk_widget_add_css_class (self->hint, "hearth-display-hint");
  gtk_widget_set_can_target (self->hint, FALSE);
  gtk_widget_set_visible (self->hint, FALSE);
  gtk_widget_set_parent (self->hint, widget);

  controller = gtk_event_controller_key_new ();
  g_signal_connect (controller, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  g_signal_connect (controller, "key-released", G_CALLBACK (on_key_released_cb), self);
  gtk_widget_add_controller (widget, controller);
  self->key_controller = controller;

  controller = gtk_event_controller_focus_new ();
  g_signal_connect (controller, "enter", G_CALLBACK (on_focus_enter_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_focus_leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_motion_new ();
  g_signal_connect (controller, "motion", G_CALLBACK (on_motion_cb), self);
  g_signal_connect (controller, "leave", G_CALLBACK (on_motion_leave_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_legacy_new ();
  g_signal_connect (controller, "event", G_CALLBACK (on_legacy_event_cb), self);
  gtk_widget_add_controller (widget, controller);

  controller = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (controller, "scroll", G_CALLBACK (on_scroll_cb), self);
  g_signal_connect (controller, "scroll-begin", G_CALLBACK (on_scroll_begin_cb), self);
  gtk_widget_add_controller (widget, controller);

  /* A window moved to a monitor of another scale: 1:1 needs another size,
   * and the guest's resolution follows the device pixels. */
  g_signal_connect (self, "notify::scale-factor", G_CALLBACK (on_scale_factor_cb), NULL);

  update_accessible_label (self);
}

/* -------------------------------------------------------------------------- */
/* Public API                                                                 */

/**
 * hearth_display_new:
 *
 * Returns: (transfer floating): a display showing nothing until a session is
 *   opened
 */
GtkWidget *
hearth_display_new (void)
{
  return g_object_new (HEARTH_TYPE_DISPLAY, NULL);
}

/**
 * hearth_display_open_fd:
 * @fd: (transfer full): a socket connected to the SPICE server
 *
 * Starts a session whose main channel uses @fd. Every further channel asks
 * for its own descriptor through #HearthDisplay::request-fd.
 */
void
hearth_display_open_fd (HearthDisplay *self,
                        int            fd)
{
  SpiceSession *session;

  g_return_if_fail (HEARTH_IS_DISPLAY (self));
  g_return_if_fail (fd >= 0);

  session = new_session ();
  attach_session (self, session, TRUE);
  g_object_unref (session); /* the display holds it now */
  if (!spice_session_open_fd (session, fd))
    {
      close (fd);
      detach_session (self);
      g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, "could not open the SPICE session");
    }
}

/**
 * hearth_display_supply_fd:
 * @fd: (transfer full): a new socket to the same server, or -1 when none
 *   could be opened
 *
 * Answers one #HearthDisplay::request-fd.
 */
void
hearth_display_supply_fd (HearthDisplay *self,
                          int            fd)
{
  SpiceChannel *channel; /* owned */

  g_return_if_fail (HEARTH_IS_DISPLAY (self));

  channel = g_queue_pop_head (&self->fd_waiters);
  if (channel == NULL)
    {
      /* The session went away meanwhile. */
      if (fd >= 0)
        close (fd);
      return;
    }

  if (fd < 0)
    {
      g_debug ("No descriptor for channel %s", G_OBJECT_TYPE_NAME (channel));
      spice_channel_disconnect (channel, SPICE_CHANNEL_ERROR_CONNECT);
    }
  else if (!spice_channel_open_fd (channel, fd))
    {
      close (fd);
    }

  g_object_unref (channel);
}

/**
 * hearth_display_open_uri:
 * @uri: a spice:// URI (host, port, tls-port), for machines with a listener
 * @password: (nullable): the SPICE ticket, if any
 *
 * Starts a session over the network. Never log @password.
 */
void
hearth_display_open_uri (HearthDisplay *self,
                         const char    *uri,
                         const char    *password)
{
  SpiceSession *session;

  g_return_if_fail (HEARTH_IS_DISPLAY (self));
  g_return_if_fail (uri != NULL);

  session = new_session ();
  g_object_set (session, "uri", uri, NULL);
  if (password != NULL)
    g_object_set (session, "password", password, NULL);

  attach_session (self, session, FALSE);
  g_object_unref (session); /* the display holds it now */
  if (!spice_session_connect (session))
    {
      detach_session (self);
      g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, "could not connect to the SPICE server");
    }
}

/**
 * hearth_display_set_session:
 * @session: (nullable): a session, connected or not; the caller connects it
 *
 * Shows @session. Channels it already has are picked up.
 */
void
hearth_display_set_session (HearthDisplay *self,
                            SpiceSession  *session)
{
  g_return_if_fail (HEARTH_IS_DISPLAY (self));
  g_return_if_fail (!session || SPICE_IS_SESSION (session));

  if (session == self->session)
    return;

  if (session == NULL)
    detach_session (self);
  else
    attach_session (self, session, FALSE);
}

/**
 * hearth_display_get_session:
 *
 * Returns: (transfer none) (nullable): the session shown
 */
SpiceSession *
hearth_display_get_session (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), NULL);

  return self->session;
}

/**
 * hearth_display_close:
 *
 * Ends the session, releasing keys and buttons first. Emits
 * #HearthDisplay::disconnected with no reason if a session was open.
 */
void
hearth_display_close (HearthDisplay *self)
{
  gboolean had_session;

  g_return_if_fail (HEARTH_IS_DISPLAY (self));

  had_session = self->session != NULL;
  detach_session (self);
  if (had_session)
    g_signal_emit (self, signals[SIGNAL_DISCONNECTED], 0, NULL);
}

gboolean
hearth_display_get_connected (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), FALSE);

  return self->connected;
}

gboolean
hearth_display_get_agent_connected (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), FALSE);

  return self->agent_connected;
}

HearthDisplayMouseMode
hearth_display_get_mouse_mode (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), HEARTH_DISPLAY_MOUSE_MODE_SERVER);

  return self->mouse_mode;
}

gboolean
hearth_display_get_grabbed (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), FALSE);

  return self->grabbed;
}

/**
 * hearth_display_release_grab:
 *
 * Releases a server-mode pointer grab, as Ctrl+Alt does.
 */
void
hearth_display_release_grab (HearthDisplay *self)
{
  g_return_if_fail (HEARTH_IS_DISPLAY (self));

  set_grabbed (self, FALSE);
}

int
hearth_display_get_guest_width (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), 0);

  return self->area.width;
}

int
hearth_display_get_guest_height (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), 0);

  return self->area.height;
}

gboolean
hearth_display_get_scale_to_fit (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), TRUE);

  return self->scale_to_fit;
}

void
hearth_display_set_scale_to_fit (HearthDisplay *self,
                                 gboolean       scale_to_fit)
{
  g_return_if_fail (HEARTH_IS_DISPLAY (self));

  scale_to_fit = !!scale_to_fit;
  if (self->scale_to_fit == scale_to_fit)
    return;

  self->scale_to_fit = scale_to_fit;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_TO_FIT]);
}

gboolean
hearth_display_get_resize_guest (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), TRUE);

  return self->resize_guest;
}

void
hearth_display_set_resize_guest (HearthDisplay *self,
                                 gboolean       resize_guest)
{
  g_return_if_fail (HEARTH_IS_DISPLAY (self));

  resize_guest = !!resize_guest;
  if (self->resize_guest == resize_guest)
    return;

  self->resize_guest = resize_guest;
  self->last_sent_width = self->last_sent_height = 0;
  schedule_guest_resize (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RESIZE_GUEST]);
}

/**
 * hearth_display_get_share_clipboard:
 *
 * Returns: whether copy and paste crosses between the host and the guest
 */
gboolean
hearth_display_get_share_clipboard (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), FALSE);

  return self->share_clipboard;
}

/**
 * hearth_display_set_share_clipboard:
 * @share_clipboard: whether to share the clipboard
 *
 * Turning sharing off takes back what the host offered the guest, so the
 * guest cannot paste it any more; turning it on offers the host's current
 * clipboard at once.
 */
void
hearth_display_set_share_clipboard (HearthDisplay *self,
                                    gboolean       share_clipboard)
{
  g_return_if_fail (HEARTH_IS_DISPLAY (self));

  share_clipboard = !!share_clipboard;
  if (self->share_clipboard == share_clipboard)
    return;

  self->share_clipboard = share_clipboard;
  if (!share_clipboard && self->clipboard_grabbed_by_host && self->main_channel != NULL)
    spice_main_channel_clipboard_selection_release (self->main_channel,
                                                    VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD);
  if (!share_clipboard)
    self->clipboard_grabbed_by_host = FALSE;
  else if (self->clipboard != NULL)
    on_host_clipboard_changed_cb (self->clipboard, self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHARE_CLIPBOARD]);
}

const char *
hearth_display_get_machine_name (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), NULL);

  return self->machine_name;
}

void
hearth_display_set_machine_name (HearthDisplay *self,
                                 const char    *machine_name)
{
  g_return_if_fail (HEARTH_IS_DISPLAY (self));

  if (g_strcmp0 (self->machine_name, machine_name) == 0)
    return;

  g_free (self->machine_name);
  self->machine_name = g_strdup (machine_name);
  update_accessible_label (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MACHINE_NAME]);
}

/**
 * hearth_display_send_keys:
 * @xt_scancodes: (array length=n_scancodes): set 1 scancodes (0xe0XX for
 *   extended keys), e.g. { 0x1d, 0x38, 0xe053 } for Ctrl+Alt+Del
 *
 * Presses the keys in order, then releases them in reverse order.
 */
void
hearth_display_send_keys (HearthDisplay *self,
                          const guint   *xt_scancodes,
                          guint          n_scancodes)
{
  g_return_if_fail (HEARTH_IS_DISPLAY (self));
  g_return_if_fail (xt_scancodes != NULL || n_scancodes == 0);

  if (self->inputs_channel == NULL)
    return;

  for (guint i = 0; i < n_scancodes; i++)
    send_key (self, hearth_keymap_xt_to_spice (xt_scancodes[i]), TRUE);
  for (guint i = n_scancodes; i > 0; i--)
    send_key (self, hearth_keymap_xt_to_spice (xt_scancodes[i - 1]), FALSE);
}

/**
 * hearth_display_dup_frame:
 *
 * A copy of the whole guest screen as it is now (screenshots, thumbnails).
 *
 * Returns: (transfer full) (nullable): the screen, or %NULL before the first
 *   surface
 */
GdkTexture *
hearth_display_dup_frame (HearthDisplay *self)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), NULL);

  if (self->surface_data == NULL || self->area.width <= 0 || self->area.height <= 0)
    return NULL;

  return copy_surface_rect (self, self->area.x, self->area.y, self->area.width, self->area.height);
}

/**
 * hearth_display_get_usb_manager:
 * @error: set when USB redirection is unavailable (no session, or the host
 *   lacks support)
 *
 * Returns: (transfer none) (nullable): the session's USB device manager, for a
 *   device chooser
 */
SpiceUsbDeviceManager *
hearth_display_get_usb_manager (HearthDisplay *self,
                                GError       **error)
{
  g_return_val_if_fail (HEARTH_IS_DISPLAY (self), NULL);

  if (self->session == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_CONNECTED, "Not connected");
      return NULL;
    }

  if (self->usb_manager == NULL)
    {
      SpiceUsbDeviceManager *manager = spice_usb_device_manager_get (self->session, error);

      if (manager == NULL)
        return NULL;
      self->usb_manager = g_object_ref (manager);
    }

  return self->usb_manager;
}
