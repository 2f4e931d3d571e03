/* hearth-delete-dialog.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_DELETE_DIALOG (hearth_delete_dialog_get_type ())
G_DECLARE_FINAL_TYPE (HearthDeleteDialog, hearth_delete_dialog, HEARTH, DELETE_DIALOG,
                      AdwMessageDialog)

HearthDeleteDialog *hearth_delete_dialog_new         (GtkWindow          *parent,
                                                      HearthMachine      *machine);
HearthMachine      *hearth_delete_dialog_get_machine (HearthDeleteDialog *self);
HearthDeleteFlags   hearth_delete_dialog_get_flags   (HearthDeleteDialog *self);

G_END_DECLS
