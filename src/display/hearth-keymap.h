/* hearth-keymap.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Scancodes are PC XT "set 1" make codes. Keys with an 0xe0 prefix are
 * written 0xe0XX (right Alt is 0xe038), the form keyboard documentation uses. */

guint hearth_keymap_evdev_to_xt      (guint evdev_code);
guint hearth_keymap_keycode_to_xt    (guint hardware_keycode);
guint hearth_keymap_xt_to_spice      (guint xt_scancode);
guint hearth_keymap_keycode_to_spice (guint hardware_keycode);

G_END_DECLS
