/* test-core-init.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <locale.h>

#include "hearth-core.h"

/* Under LANG=C, libvirt 9.0 cut long non-ASCII machine names in the middle of a
 * character and QEMU refused to start them. hearth_core_init() makes the
 * character type UTF-8, whatever the environment says. */
static void
test_utf8_ctype (void)
{
  const char *charset = NULL;

  g_assert_false (g_get_charset (&charset));
  hearth_core_init ();
  g_assert_true (g_get_charset (&charset));
  g_assert_cmpstr (charset, ==, "UTF-8");
}

int
main (int   argc,
      char *argv[])
{
  /* The environment of the test may be anything; make it the bad case. */
  setlocale (LC_ALL, "C");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/init/utf8-ctype", test_utf8_ctype);

  return g_test_run ();
}
