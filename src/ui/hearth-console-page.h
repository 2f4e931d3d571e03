/* hearth-console-page.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"
#include "hearth-display.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_CONSOLE_PAGE (hearth_console_page_get_type ())
G_DECLARE_FINAL_TYPE (HearthConsolePage, hearth_console_page, HEARTH, CONSOLE_PAGE, AdwBin)

GtkWidget     *hearth_console_page_new         (void);
HearthMachine *hearth_console_page_get_machine (HearthConsolePage *self);
void           hearth_console_page_set_machine (HearthConsolePage *self,
                                                HearthMachine     *machine);
HearthDisplay *hearth_console_page_get_display (HearthConsolePage *self);

G_END_DECLS
