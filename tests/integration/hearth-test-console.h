/* hearth-test-console.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* The console page's tests under Xvfb: HEARTH_TEST_TAG (en, zh_CN, dark)
 * names their screenshots; HEARTH_TEST_LOCALE runs them in that language. */
void        hearth_test_console_init            (int         *argc,
                                                 char      ***argv);
const char *hearth_test_console_get_tag         (void);
gboolean    hearth_test_console_is_chinese      (void);
void        hearth_test_console_save_screenshot (GtkWidget   *window,
                                                 GtkWidget   *popover,
                                                 const char  *name);

/* The first widget in @root's tree (@root included, depth first) that
 * @predicate accepts, or NULL. */
typedef gboolean (*HearthTestWidgetPredicate) (GtkWidget *widget,
                                               gpointer   data);
GtkWidget  *hearth_test_find_widget             (GtkWidget                *root,
                                                 HearthTestWidgetPredicate predicate,
                                                 gpointer                  data);

G_END_DECLS
