/* hearth-machine-item.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gtk/gtk.h>

#include "hearth-core.h"

G_BEGIN_DECLS

/**
 * HearthMachineItem:
 * @widget: the tile or row: its accessible name, description and busy state
 * @name_label: shows the machine's name
 * @state_label: shows the state in words
 * @state_icon: the state's icon
 * @state_dot: a dot in the state's colour (its CSS class)
 * @state_frame: another widget that carries the state's CSS class
 * @busy_spinner: spins while the machine is busy
 * @state_class: (skip): the CSS class applied now, a static string
 *
 * The parts of a machine that a grid tile (HearthMachineTile) and a list row
 * (HearthMachineRow) show alike, embedded in each. All are template children of
 * @widget, borrowed.
 */
typedef struct
{
  GtkWidget  *widget;
  GtkLabel   *name_label;
  GtkLabel   *state_label;
  GtkImage   *state_icon;
  GtkWidget  *state_dot;
  GtkWidget  *state_frame;
  GtkWidget  *busy_spinner;
  const char *state_class;
} HearthMachineItem;

void hearth_machine_item_connect (HearthMachineItem *item,
                                  GSignalGroup      *machine_signals);
void hearth_machine_item_update  (HearthMachineItem *item,
                                  HearthMachine     *machine);

G_END_DECLS
