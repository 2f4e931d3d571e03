/* hearth-machine-row.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_MACHINE_ROW (hearth_machine_row_get_type ())
G_DECLARE_FINAL_TYPE (HearthMachineRow, hearth_machine_row, HEARTH, MACHINE_ROW, GtkWidget)

GtkWidget     *hearth_machine_row_new         (void);
HearthMachine *hearth_machine_row_get_machine (HearthMachineRow *self);
void           hearth_machine_row_set_machine (HearthMachineRow *self,
                                               HearthMachine    *machine);

G_END_DECLS
