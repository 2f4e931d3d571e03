/* hearth-window-private.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hearth-console-page.h"
#include "hearth-window.h"

G_BEGIN_DECLS

struct _HearthWindow
{
  AdwApplicationWindow parent_instance;

  /* Owned, main thread only. */
  GSettings               *settings;
  HearthMachineCollection *collection;
  GtkSingleSelection      *selection;
  GSignalGroup            *connection_signals;
  GSignalGroup            *selected_signals;
  GCancellable            *cancellable;
  GtkWidget               *context_menu;       /* GtkPopoverMenu, parented to content_box */
  char                    *view_mode;
  char                    *focus_request;      /* machine to focus once it is listed */
  GPtrArray               *pending_deletions;  /* HearthDeletion, Undo toast still showing */
  guint                    bench_tick_id;
  gboolean                 osdb_requested;
  gboolean                 console_request;    /* open the focused machine's console */
  gboolean                 start_request;      /* … and start it */
  HearthConsolePage       *console_page;       /* created on first use; owned by page_stack */

  /* Template children. */
  AdwToastOverlay *toast_overlay;
  GtkStack        *page_stack;
  AdwWindowTitle  *window_title;
  GtkWidget       *content_box;
  GtkWidget       *search_button;
  GtkWidget       *view_switch;
  GtkSearchBar    *search_bar;
  GtkSearchEntry  *search_entry;
  GtkStack        *main_stack;
  GtkSpinner      *loading_spinner;
  GtkLabel        *loading_label;
  AdwStatusPage   *error_page;
  AdwStatusPage   *empty_page;
  GtkLabel        *error_detail_label;
  GtkStack        *view_stack;
  GtkGridView     *grid_view;
  GtkListView     *list_view;
  GMenuModel      *machine_menu;
};

HearthMachine *_hearth_window_get_selected_machine (HearthWindow  *self);
void           _hearth_window_class_init_actions   (GtkWidgetClass *widget_class);
void           _hearth_window_actions_update       (HearthWindow  *self);
void           _hearth_window_open_machine         (HearthWindow  *self,
                                                    HearthMachine *machine);
void           _hearth_window_commit_deletions     (HearthWindow  *self);
void           _hearth_window_show_console         (HearthWindow  *self,
                                                    HearthMachine *machine);

G_END_DECLS
