/* hearth-machine-tile.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_MACHINE_TILE (hearth_machine_tile_get_type ())
G_DECLARE_FINAL_TYPE (HearthMachineTile, hearth_machine_tile, HEARTH, MACHINE_TILE, GtkWidget)

GtkWidget     *hearth_machine_tile_new         (void);
HearthMachine *hearth_machine_tile_get_machine (HearthMachineTile *self);
void           hearth_machine_tile_set_machine (HearthMachineTile *self,
                                                HearthMachine     *machine);

G_END_DECLS
