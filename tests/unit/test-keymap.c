/* test-keymap.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-test-keymap"

#include "config.h"

#include <linux/input-event-codes.h>

#include "hearth-keymap.h"

/* Expected values come from the IBM set 1 table and Microsoft's "Keyboard Scan
 * Code Specification", typed in independently of the table under test. The
 * hardware keycodes are the X11 keycodes `xmodmap -pke` lists for a US evdev
 * keyboard (evdev + 8). */
typedef struct
{
  guint keycode;
  guint xt;
  const char *name;
} KnownKey;

static const KnownKey known_keys[] = {
  { 9, 0x01, "Escape" },
  { 10, 0x02, "1" },
  { 19, 0x0b, "0" },
  { 22, 0x0e, "BackSpace" },
  { 23, 0x0f, "Tab" },
  { 24, 0x10, "q" },
  { 36, 0x1c, "Return" },
  { 37, 0x1d, "Control_L" },
  { 38, 0x1e, "a" },
  { 49, 0x29, "grave" },
  { 50, 0x2a, "Shift_L" },
  { 51, 0x2b, "backslash" },
  { 58, 0x32, "m" },
  { 61, 0x35, "slash" },
  { 62, 0x36, "Shift_R" },
  { 64, 0x38, "Alt_L" },
  { 65, 0x39, "space" },
  { 66, 0x3a, "Caps_Lock" },
  { 67, 0x3b, "F1" },
  { 76, 0x44, "F10" },
  { 77, 0x45, "Num_Lock" },
  { 79, 0x47, "KP_7" },
  { 90, 0x52, "KP_0" },
  { 91, 0x53, "KP_Decimal" },
  { 94, 0x56, "less (ISO 102nd key)" },
  { 95, 0x57, "F11" },
  { 96, 0x58, "F12" },
  { 97, 0x73, "Ro" },
  { 100, 0x79, "Henkan" },
  { 101, 0x70, "Hiragana_Katakana" },
  { 102, 0x7b, "Muhenkan" },
  { 104, 0xe01c, "KP_Enter" },
  { 105, 0xe01d, "Control_R" },
  { 106, 0xe035, "KP_Divide" },
  { 107, 0xe037, "Print" },
  { 108, 0xe038, "ISO_Level3_Shift (AltGr)" },
  { 110, 0xe047, "Home" },
  { 111, 0xe048, "Up" },
  { 113, 0xe04b, "Left" },
  { 116, 0xe050, "Down" },
  { 119, 0xe053, "Delete" },
  { 121, 0xe020, "XF86AudioMute" },
  { 122, 0xe02e, "XF86AudioLowerVolume" },
  { 123, 0xe030, "XF86AudioRaiseVolume" },
  { 127, 0xe046, "Pause" },
  { 130, 0x72, "Hangul" },
  { 131, 0x71, "Hangul_Hanja" },
  { 132, 0x7d, "yen" },
  { 133, 0xe05b, "Super_L" },
  { 134, 0xe05c, "Super_R" },
  { 135, 0xe05d, "Menu" },
  { 171, 0xe019, "XF86AudioNext" },
  { 172, 0xe022, "XF86AudioPlay" },
  { 173, 0xe010, "XF86AudioPrev" },
  { 191, 0x64, "F13" },
  { 202, 0x76, "F24" },
};

static void
test_keymap_known_keys (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (known_keys); i++)
    {
      const KnownKey *k = &known_keys[i];
      guint xt = hearth_keymap_keycode_to_xt (k->keycode);

      if (xt != k->xt)
        g_test_message ("%s: keycode %u gives 0x%x, expected 0x%x", k->name, k->keycode, xt, k->xt);
      g_assert_cmphex (xt, ==, k->xt);
    }
}

/* The letters, digits and F1–F10 on an XT keyboard: rows of consecutive codes. */
static void
test_keymap_rows (void)
{
  const char *row1 = "qwertyuiop";
  const guint row1_evdev[] = { KEY_Q, KEY_W, KEY_E, KEY_R, KEY_T, KEY_Y, KEY_U, KEY_I, KEY_O, KEY_P };

  for (guint i = 0; row1[i] != '\0'; i++)
    g_assert_cmphex (hearth_keymap_evdev_to_xt (row1_evdev[i]), ==, 0x10 + i);

  for (guint f = 0; f < 10; f++)
    g_assert_cmphex (hearth_keymap_evdev_to_xt (KEY_F1 + f), ==, 0x3b + f);

  for (guint f = 0; f < 11; f++) /* F13…F23; F24 is 0x76 */
    g_assert_cmphex (hearth_keymap_evdev_to_xt (KEY_F13 + f), ==, 0x64 + f);
}

static void
test_keymap_no_duplicates (void)
{
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);

  /* Two different keys with one scancode would be indistinguishable in the
   * guest. Microsoft's table gives F24 and Zenkaku/Hankaku the same code;
   * that is the only allowed collision. */
  for (guint code = 0; code < 256; code++)
    {
      guint xt = hearth_keymap_evdev_to_xt (code);
      gpointer other;

      if (xt == 0)
        continue;

      if (g_hash_table_lookup_extended (seen, GUINT_TO_POINTER (xt), NULL, &other))
        {
          guint a = GPOINTER_TO_UINT (other), b = code;
          gboolean allowed = (a == KEY_ZENKAKUHANKAKU && b == KEY_F24);

          if (!allowed)
            g_test_message ("evdev %u and %u both give 0x%x", a, b, xt);
          g_assert_true (allowed);
        }
      else
        {
          g_hash_table_insert (seen, GUINT_TO_POINTER (xt), GUINT_TO_POINTER (code));
        }

      /* Make codes have bit 7 clear; it marks a release. */
      g_assert_cmphex (xt & 0x80, ==, 0);
    }
}

static void
test_keymap_out_of_range (void)
{
  g_assert_cmpuint (hearth_keymap_keycode_to_xt (0), ==, 0);
  g_assert_cmpuint (hearth_keymap_keycode_to_xt (7), ==, 0);
  g_assert_cmpuint (hearth_keymap_keycode_to_xt (8), ==, 0); /* KEY_RESERVED */
  g_assert_cmpuint (hearth_keymap_keycode_to_xt (G_MAXUINT), ==, 0);
  g_assert_cmpuint (hearth_keymap_evdev_to_xt (KEY_MAX), ==, 0);
}

static void
test_keymap_spice_form (void)
{
  /* spice-client-glib takes 0x100 | XX for 0xe0 XX. */
  g_assert_cmphex (hearth_keymap_xt_to_spice (0xe038), ==, 0x138);
  g_assert_cmphex (hearth_keymap_xt_to_spice (0x1e), ==, 0x1e);
  g_assert_cmphex (hearth_keymap_keycode_to_spice (108), ==, 0x138);
  g_assert_cmphex (hearth_keymap_keycode_to_spice (133), ==, 0x15b);
  g_assert_cmphex (hearth_keymap_keycode_to_spice (38), ==, 0x1e);
  g_assert_cmphex (hearth_keymap_keycode_to_spice (3), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/display/keymap/known-keys", test_keymap_known_keys);
  g_test_add_func ("/display/keymap/rows", test_keymap_rows);
  g_test_add_func ("/display/keymap/no-duplicates", test_keymap_no_duplicates);
  g_test_add_func ("/display/keymap/out-of-range", test_keymap_out_of_range);
  g_test_add_func ("/display/keymap/spice-form", test_keymap_spice_form);

  return g_test_run ();
}
