/* hearth-x11-shm.h  SPDX-License-Identifier: GPL-3.0-or-later */

#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef struct _HearthX11ShmKeeper HearthX11ShmKeeper;

HearthX11ShmKeeper *hearth_x11_shm_keeper_new    (void);
void                hearth_x11_shm_keeper_update (HearthX11ShmKeeper *self,
                                                  GtkWidget          *widget);
void                hearth_x11_shm_keeper_free   (HearthX11ShmKeeper *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthX11ShmKeeper, hearth_x11_shm_keeper_free)

G_END_DECLS
