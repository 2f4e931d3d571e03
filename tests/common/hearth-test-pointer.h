/* hearth-test-pointer.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Real pointer events under Xvfb: XTest moves the X server's pointer and
 * presses its buttons, so GDK, GTK's controllers and the widget see what a
 * mouse does. Positions are in @widget's coordinates. X11 only. */
void     hearth_test_pointer_move_to   (GtkWidget *widget,
                                        double     x,
                                        double     y);
void     hearth_test_pointer_button    (GtkWidget *widget,
                                        guint      button,
                                        gboolean   press);

G_END_DECLS
