/* main.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth"

#include "config.h"

#include <glib/gi18n.h>
#include <locale.h>

#include "hearth-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(HearthApplication) app = NULL;
  const char *localedir;

  /* HEARTH_LOCALEDIR lets tests and uninstalled runs use the catalogues in the build
   * directory. */
  localedir = g_getenv ("HEARTH_LOCALEDIR");
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Hearth"));

  app = hearth_application_new ();

  return g_application_run (G_APPLICATION (app), argc, argv);
}
