/* hearth-keymap.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-keymap"

#include "config.h"

#include "hearth-keymap.h"

#include <linux/input-event-codes.h>

/*
 * Hardware keycode → PC XT scancode (set 1).
 *
 * GDK reports the hardware keycode of a key event. With the X11 evdev driver
 * (every X server of the last decade, Xvfb and Xwayland included) and on
 * Wayland, that keycode is the Linux evdev code plus 8, so the table below is
 * indexed by evdev code (linux/input-event-codes.h) and the lookup subtracts 8.
 *
 * Sources of the scancodes, all public standards:
 *  - IBM PC/XT and AT keyboard "scan code set 1" for the 84/101/104-key layouts:
 *    the evdev codes 1–88 were defined as the set 1 codes of those keys, so
 *    they are equal (KEY_A = 30 = 0x1e) except for the gaps noted below;
 *  - Microsoft "Keyboard Scan Code Specification" (rev. 1.3a) for the 0xe0
 *    extended keys (cursor block, right Ctrl/Alt, Windows and Menu keys), the
 *    F13–F24 keys, the ACPI power keys, the consumer (media and browser) keys
 *    and the Japanese, Korean and Brazilian keys.
 *
 * Notes:
 *  - Pause is E1 1D 45 in set 1, which SPICE cannot carry; like QEMU, we send
 *    E0 46 (Ctrl+Break), which QEMU's keyboard turns back into Pause.
 *  - F24 and Zenkaku/Hankaku share 0x76 in Microsoft's table; both map there.
 *  - Hangul (0x72) and Hanja (0x71) have no break code on real keyboards; the
 *    guest receives a press and a release anyway, which guests ignore or accept.
 */
static const guint16 evdev_to_xt[] = {
  [KEY_ESC] = 0x01,
  [KEY_1] = 0x02,
  [KEY_2] = 0x03,
  [KEY_3] = 0x04,
  [KEY_4] = 0x05,
  [KEY_5] = 0x06,
  [KEY_6] = 0x07,
  [KEY_7] = 0x08,
  [KEY_8] = 0x09,
  [KEY_9] = 0x0a,
  [KEY_0] = 0x0b,
  [KEY_MINUS] = 0x0c,
  [KEY_EQUAL] = 0x0d,
  [KEY_BACKSPACE] = 0x0e,
  [KEY_TAB] = 0x0f,
  [KEY_Q] = 0x10,
  [KEY_W] = 0x11,
  [KEY_E] = 0x12,
  [KEY_R] = 0x13,
  [KEY_T] = 0x14,
  [KEY_Y] = 0x15,
  [KEY_U] = 0x16,
  [KEY_I] = 0x17,
  [KEY_O] = 0x18,
  [KEY_P] = 0x19,
  [KEY_LEFTBRACE] = 0x1a,
  [KEY_RIGHTBRACE] = 0x1b,
  [KEY_ENTER] = 0x1c,
  [KEY_LEFTCTRL] = 0x1d,
  [KEY_A] = 0x1e,
  [KEY_S] = 0x1f,
  [KEY_D] = 0x20,
  [KEY_F] = 0x21,
  [KEY_G] = 0x22,
  [KEY_H] = 0x23,
  [KEY_J] = 0x24,
  [KEY_K] = 0x25,
  [KEY_L] = 0x26,
  [KEY_SEMICOLON] = 0x27,
  [KEY_APOSTROPHE] = 0x28,
  [KEY_GRAVE] = 0x29,
  [KEY_LEFTSHIFT] = 0x2a,
  [KEY_BACKSLASH] = 0x2b,
  [KEY_Z] = 0x2c,
  [KEY_X] = 0x2d,
  [KEY_C] = 0x2e,
  [KEY_V] = 0x2f,
  [KEY_B] = 0x30,
  [KEY_N] = 0x31,
  [KEY_M] = 0x32,
  [KEY_COMMA] = 0x33,
  [KEY_DOT] = 0x34,
  [KEY_SLASH] = 0x35,
  [KEY_RIGHTSHIFT] = 0x36,
  [KEY_KPASTERISK] = 0x37,
  [KEY_LEFTALT] = 0x38,
  [KEY_SPACE] = 0x39,
  [KEY_CAPSLOCK] = 0x3a,
  [KEY_F1] = 0x3b,
  [KEY_F2] = 0x3c,
  [KEY_F3] = 0x3d,
  [KEY_F4] = 0x3e,
  [KEY_F5] = 0x3f,
  [KEY_F6] = 0x40,
  [KEY_F7] = 0x41,
  [KEY_F8] = 0x42,
  [KEY_F9] = 0x43,
  [KEY_F10] = 0x44,
  [KEY_NUMLOCK] = 0x45,
  [KEY_SCROLLLOCK] = 0x46,
  [KEY_KP7] = 0x47,
  [KEY_KP8] = 0x48,
  [KEY_KP9] = 0x49,
  [KEY_KPMINUS] = 0x4a,
  [KEY_KP4] = 0x4b,
  [KEY_KP5] = 0x4c,
  [KEY_KP6] = 0x4d,
  [KEY_KPPLUS] = 0x4e,
  [KEY_KP1] = 0x4f,
  [KEY_KP2] = 0x50,
  [KEY_KP3] = 0x51,
  [KEY_KP0] = 0x52,
  [KEY_KPDOT] = 0x53,
  /* 84 is unassigned in evdev (it was Alt+SysRq, 0x54, on the AT keyboard). */
  [KEY_ZENKAKUHANKAKU] = 0x76,
  [KEY_102ND] = 0x56,
  [KEY_F11] = 0x57,
  [KEY_F12] = 0x58,
  [KEY_RO] = 0x73,
  [KEY_KATAKANA] = 0x78,
  [KEY_HIRAGANA] = 0x77,
  [KEY_HENKAN] = 0x79,
  [KEY_KATAKANAHIRAGANA] = 0x70,
  [KEY_MUHENKAN] = 0x7b,
  [KEY_KPJPCOMMA] = 0x5c,
  [KEY_KPENTER] = 0xe01c,
  [KEY_RIGHTCTRL] = 0xe01d,
  [KEY_KPSLASH] = 0xe035,
  [KEY_SYSRQ] = 0xe037,
  [KEY_RIGHTALT] = 0xe038,
  [KEY_HOME] = 0xe047,
  [KEY_UP] = 0xe048,
  [KEY_PAGEUP] = 0xe049,
  [KEY_LEFT] = 0xe04b,
  [KEY_RIGHT] = 0xe04d,
  [KEY_END] = 0xe04f,
  [KEY_DOWN] = 0xe050,
  [KEY_PAGEDOWN] = 0xe051,
  [KEY_INSERT] = 0xe052,
  [KEY_DELETE] = 0xe053,
  [KEY_MUTE] = 0xe020,
  [KEY_VOLUMEDOWN] = 0xe02e,
  [KEY_VOLUMEUP] = 0xe030,
  [KEY_POWER] = 0xe05e,
  [KEY_KPEQUAL] = 0x59,
  [KEY_PAUSE] = 0xe046,
  [KEY_KPCOMMA] = 0x7e,
  [KEY_HANGEUL] = 0x72,
  [KEY_HANJA] = 0x71,
  [KEY_YEN] = 0x7d,
  [KEY_LEFTMETA] = 0xe05b,
  [KEY_RIGHTMETA] = 0xe05c,
  [KEY_COMPOSE] = 0xe05d,
  [KEY_STOP] = 0xe068,
  [KEY_CALC] = 0xe021,
  [KEY_SLEEP] = 0xe05f,
  [KEY_WAKEUP] = 0xe063,
  [KEY_MAIL] = 0xe06c,
  [KEY_BOOKMARKS] = 0xe066,
  [KEY_COMPUTER] = 0xe06b,
  [KEY_BACK] = 0xe06a,
  [KEY_FORWARD] = 0xe069,
  [KEY_NEXTSONG] = 0xe019,
  [KEY_PLAYPAUSE] = 0xe022,
  [KEY_PREVIOUSSONG] = 0xe010,
  [KEY_STOPCD] = 0xe024,
  [KEY_HOMEPAGE] = 0xe032,
  [KEY_REFRESH] = 0xe067,
  [KEY_F13] = 0x64,
  [KEY_F14] = 0x65,
  [KEY_F15] = 0x66,
  [KEY_F16] = 0x67,
  [KEY_F17] = 0x68,
  [KEY_F18] = 0x69,
  [KEY_F19] = 0x6a,
  [KEY_F20] = 0x6b,
  [KEY_F21] = 0x6c,
  [KEY_F22] = 0x6d,
  [KEY_F23] = 0x6e,
  [KEY_F24] = 0x76,
  [KEY_SEARCH] = 0xe065,
  [KEY_MEDIA] = 0xe06d,
};

/* X11 (evdev driver) and Wayland keycodes are evdev codes offset by 8. */
#define KEYCODE_EVDEV_OFFSET 8

/**
 * hearth_keymap_evdev_to_xt:
 * @evdev_code: a Linux input event key code (KEY_A, …)
 *
 * Returns: the set 1 scancode (0xe0XX for extended keys), or 0 for keys a PC
 *   keyboard does not have
 */
guint
hearth_keymap_evdev_to_xt (guint evdev_code)
{
  if (evdev_code >= G_N_ELEMENTS (evdev_to_xt))
    return 0;

  return evdev_to_xt[evdev_code];
}

/**
 * hearth_keymap_keycode_to_xt:
 * @hardware_keycode: a GDK hardware keycode (X11 evdev or Wayland)
 *
 * Returns: the set 1 scancode, or 0 when the key has none
 */
guint
hearth_keymap_keycode_to_xt (guint hardware_keycode)
{
  if (hardware_keycode < KEYCODE_EVDEV_OFFSET)
    return 0;

  return hearth_keymap_evdev_to_xt (hardware_keycode - KEYCODE_EVDEV_OFFSET);
}

/**
 * hearth_keymap_xt_to_spice:
 * @xt_scancode: a set 1 scancode, 0xe0XX for extended keys
 *
 * spice-client-glib wants extended keys as 0x100 | XX instead of 0xe0XX.
 *
 * Returns: the scancode in the form spice_inputs_channel_key_press() takes
 */
guint
hearth_keymap_xt_to_spice (guint xt_scancode)
{
  if ((xt_scancode & 0xff00) == 0xe000)
    return 0x100 | (xt_scancode & 0xff);

  return xt_scancode & 0xff;
}

/**
 * hearth_keymap_keycode_to_spice:
 * @hardware_keycode: a GDK hardware keycode
 *
 * Returns: the scancode for spice_inputs_channel_key_press(), or 0
 */
guint
hearth_keymap_keycode_to_spice (guint hardware_keycode)
{
  guint xt = hearth_keymap_keycode_to_xt (hardware_keycode);

  return xt != 0 ? hearth_keymap_xt_to_spice (xt) : 0;
}
