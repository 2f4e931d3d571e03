/* hearth-machine-collection.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_MACHINE_COLLECTION (hearth_machine_collection_get_type ())
G_DECLARE_FINAL_TYPE (HearthMachineCollection, hearth_machine_collection, HEARTH,
                      MACHINE_COLLECTION, GObject)

HearthMachineCollection *hearth_machine_collection_new               (void);
void                     hearth_machine_collection_add_connection    (HearthMachineCollection *self,
                                                                      HearthConnection        *connection);
void                     hearth_machine_collection_remove_connection (HearthMachineCollection *self,
                                                                      HearthConnection        *connection);
GListModel              *hearth_machine_collection_get_connections   (HearthMachineCollection *self);
const char              *hearth_machine_collection_get_search        (HearthMachineCollection *self);
void                     hearth_machine_collection_set_search        (HearthMachineCollection *self,
                                                                      const char              *search);
guint                    hearth_machine_collection_get_n_total       (HearthMachineCollection *self);
HearthMachine           *hearth_machine_collection_find              (HearthMachineCollection *self,
                                                                      const char              *name_or_uuid);

G_END_DECLS
