/* hearth-display.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>
#include <spice-client.h>

G_BEGIN_DECLS

/**
 * HearthDisplayMouseMode:
 * @HEARTH_DISPLAY_MOUSE_MODE_SERVER: relative motion; the widget grabs the
 *   pointer on click and releases it with Ctrl+Alt
 * @HEARTH_DISPLAY_MOUSE_MODE_CLIENT: absolute positions (tablet or agent); no grab
 */
typedef enum
{
  HEARTH_DISPLAY_MOUSE_MODE_SERVER,
  HEARTH_DISPLAY_MOUSE_MODE_CLIENT,
} HearthDisplayMouseMode;

#define HEARTH_TYPE_DISPLAY (hearth_display_get_type ())
G_DECLARE_FINAL_TYPE (HearthDisplay, hearth_display, HEARTH, DISPLAY, GtkWidget)

GtkWidget             *hearth_display_new               (void);

void                   hearth_display_open_fd           (HearthDisplay  *self,
                                                         int             fd);
void                   hearth_display_supply_fd         (HearthDisplay  *self,
                                                         int             fd);
void                   hearth_display_open_uri          (HearthDisplay  *self,
                                                         const char     *uri,
                                                         const char     *password);
void                   hearth_display_set_session       (HearthDisplay  *self,
                                                         SpiceSession   *session);
SpiceSession          *hearth_display_get_session       (HearthDisplay  *self);
void                   hearth_display_close             (HearthDisplay  *self);

gboolean               hearth_display_get_connected     (HearthDisplay  *self);
gboolean               hearth_display_get_agent_connected (HearthDisplay *self);
HearthDisplayMouseMode hearth_display_get_mouse_mode    (HearthDisplay  *self);
gboolean               hearth_display_get_grabbed       (HearthDisplay  *self);
void                   hearth_display_release_grab      (HearthDisplay  *self);
int                    hearth_display_get_guest_width   (HearthDisplay  *self);
int                    hearth_display_get_guest_height  (HearthDisplay  *self);

gboolean               hearth_display_get_scale_to_fit  (HearthDisplay  *self);
void                   hearth_display_set_scale_to_fit  (HearthDisplay  *self,
                                                         gboolean        scale_to_fit);
gboolean               hearth_display_get_resize_guest  (HearthDisplay  *self);
void                   hearth_display_set_resize_guest  (HearthDisplay  *self,
                                                         gboolean        resize_guest);
gboolean               hearth_display_get_share_clipboard (HearthDisplay *self);
void                   hearth_display_set_share_clipboard (HearthDisplay *self,
                                                           gboolean       share_clipboard);
const char            *hearth_display_get_machine_name  (HearthDisplay  *self);
void                   hearth_display_set_machine_name  (HearthDisplay  *self,
                                                         const char     *machine_name);

void                   hearth_display_send_keys         (HearthDisplay  *self,
                                                         const guint    *xt_scancodes,
                                                         guint           n_scancodes);
GdkTexture            *hearth_display_dup_frame         (HearthDisplay  *self);

SpiceUsbDeviceManager *hearth_display_get_usb_manager   (HearthDisplay  *self,
                                                         GError        **error);

G_END_DECLS
