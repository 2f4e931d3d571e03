/* hearth-window.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-window"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-machine-row.h"
#include "hearth-machine-tile.h"
#include "hearth-ui-utils.h"
#include "hearth-window-private.h"

/**
 * HearthWindow:
 *
 * The main window: the machines of the application's collection as a grid of
 * tiles or a list, with search, or a full page saying why there is nothing to
 * show (connecting, connection problem, no machines, no search results).
 *
 * Both views are recycling list widgets over one GtkSingleSelection, so the
 * selection survives a switch of view. Machine actions (hearth-window-actions.c)
 * act on the selected machine.
 */

G_DEFINE_FINAL_TYPE (HearthWindow, hearth_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_VIEW_MODE,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

#define LIST_ITEM_KEY "hearth-list-item"

static HearthConnection *
get_connection (HearthWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (!HEARTH_IS_APPLICATION (app))
    return NULL;

  return hearth_application_get_connection (HEARTH_APPLICATION (app));
}

static void
show_error_page (HearthWindow     *self,
                 HearthConnection *connection,
                 const GError     *error)
{
  g_autofree char *uri = g_markup_escape_text (hearth_connection_get_display_uri (connection), -1);
  g_autofree char *description = NULL;
  const char *title;
  const char *icon_name = "dialog-warning-symbolic";
  int code = HEARTH_ERROR_FAILED;

  if (hearth_connection_get_state (connection) == HEARTH_CONNECTION_STATE_LOST)
    code = HEARTH_ERROR_CONNECTION_LOST;
  else if (error != NULL && error->domain == HEARTH_ERROR)
    code = error->code;

  /* Plain words first: what is wrong and what to do about it. The core's
   * message goes below in small print. */
  switch (code)
    {
    case HEARTH_ERROR_NOT_INSTALLED:
      title = _("Virtualization Software Is Missing");
      description = g_strdup_printf (_("Hearth runs machines with libvirt and QEMU, which are "
                                       "not installed for %s. Install them, then press Retry:\n"
                                       "<tt>sudo apt install libvirt-daemon-system "
                                       "qemu-system-x86</tt>"),
                                     uri);
      icon_name = "computer-fail-symbolic";
      break;

    case HEARTH_ERROR_DAEMON_NOT_RUNNING:
      title = _("The Virtualization Service Is Not Running");
      description = g_strdup_printf (_("Nothing answers at %s. Start the libvirt service, "
                                       "then press Retry:\n"
                                       "<tt>sudo systemctl start libvirtd</tt>"),
                                     uri);
      break;

    case HEARTH_ERROR_PERMISSION_DENIED:
      {
        g_autofree char *user = g_markup_escape_text (g_get_user_name (), -1);

        title = _("Permission Denied");
        description = g_strdup_printf (_("Your account may not use %s. Add it to the "
                                         "“libvirt” group, then log out and back in:\n"
                                         "<tt>sudo adduser %s libvirt</tt>\n"
                                         "Or use your own machines with the session connection, "
                                         "qemu:///session, in Preferences."),
                                       uri, user);
        icon_name = "system-lock-screen-symbolic";
      }
      break;

    case HEARTH_ERROR_INVALID_URI:
      title = _("The Connection Address Is Not Valid");
      description = g_strdup_printf (_("Hearth cannot use “%s”. Choose another default "
                                       "connection in Preferences, such as qemu:///session."),
                                     uri);
      break;

    case HEARTH_ERROR_CONNECTION_LOST:
      title = _("Connection Lost");
      description = g_strdup_printf (_("The virtualization service at %s went away. Hearth "
                                       "is reconnecting by itself; press Retry to try at once."),
                                     uri);
      icon_name = "network-offline-symbolic";
      break;

    default:
      title = _("Could Not Connect");
      description = g_strdup_printf (_("Hearth could not connect to %s."), uri);
      icon_name = "network-offline-symbolic";
      break;
    }

  adw_status_page_set_icon_name (self->error_page, icon_name);
  adw_status_page_set_title (self->error_page, title);
  adw_status_page_set_description (self->error_page, description);

  gtk_label_set_label (self->error_detail_label, error ? error->message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->error_detail_label),
                          error != NULL && error->message != NULL && *error->message != '\0');

  gtk_stack_set_visible_child_name (self->main_stack, "error");
}

static void
update_page (HearthWindow *self)
{
  HearthConnection *connection = get_connection (self);
  HearthConnectionState state;
  gboolean has_machines;
  guint n_items;

  if (connection == NULL)
    return;

  state = hearth_connection_get_state (connection);

  /* Searching and switching views only make sense with machines to show. */
  has_machines = state == HEARTH_CONNECTION_STATE_CONNECTED &&
                 hearth_machine_collection_get_n_total (self->collection) > 0;
  gtk_widget_set_sensitive (self->search_button, has_machines);
  gtk_widget_set_sensitive (self->view_switch, has_machines);
  if (!has_machines)
    gtk_search_bar_set_search_mode (self->search_bar, FALSE);

  switch (state)
    {
    case HEARTH_CONNECTION_STATE_DISCONNECTED:
    case HEARTH_CONNECTION_STATE_CONNECTING:
      {
        g_autofree char *label = NULL;

        label = g_strdup_printf (_("Connecting to %s…"),
                                 hearth_connection_get_display_uri (connection));
        gtk_label_set_label (self->loading_label, label);
        gtk_stack_set_visible_child_name (self->main_stack, "loading");
      }
      break;

    case HEARTH_CONNECTION_STATE_FAILED:
    case HEARTH_CONNECTION_STATE_LOST:
      show_error_page (self, connection, hearth_connection_get_error (connection));
      break;

    case HEARTH_CONNECTION_STATE_CONNECTED:
    default:
      n_items = g_list_model_get_n_items (G_LIST_MODEL (self->collection));
      if (hearth_machine_collection_get_n_total (self->collection) == 0)
        gtk_stack_set_visible_child_name (self->main_stack, "empty");
      else if (n_items == 0)
        gtk_stack_set_visible_child_name (self->main_stack, "no-results");
      else
        gtk_stack_set_visible_child_name (self->main_stack, "collection");
      break;
    }
}

static void
update_title (HearthWindow *self)
{
  HearthConnection *connection = get_connection (self);

  adw_window_title_set_subtitle (self->window_title,
                                 connection ? hearth_connection_get_display_uri (connection) : "");
}

static guint
find_position (HearthWindow  *self,
               HearthMachine *machine)
{
  GListModel *model = G_LIST_MODEL (self->selection);
  guint n_items = g_list_model_get_n_items (model);

  for (guint i = 0; i < n_items; i++)
    {
      g_autoptr(HearthMachine) item = g_list_model_get_item (model, i);

      if (item == machine)
        return i;
    }

  return GTK_INVALID_LIST_POSITION;
}

static GtkWidget *
get_current_view (HearthWindow *self)
{
  if (g_strcmp0 (self->view_mode, "list") == 0)
    return GTK_WIDGET (self->list_view);

  return GTK_WIDGET (self->grid_view);
}

static void
select_and_reveal (HearthWindow *self,
                   guint         position)
{
  GtkWidget *view = get_current_view (self);

  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  /* GTK 4.8 has no gtk_list_view_scroll_to(); its list widgets offer the action. */
  gtk_widget_activate_action (view, "list.scroll-to-item", "u", position);
  gtk_widget_grab_focus (view);
}

/* Handles "hearth MACHINE": once the connection lists its machines, select the
 * machine and scroll to it, or say that there is none by that name. */
static void
try_focus_request (HearthWindow *self)
{
  HearthConnection *connection = get_connection (self);
  HearthMachine *machine;
  guint position;

  if (self->focus_request == NULL || connection == NULL ||
      hearth_connection_get_state (connection) != HEARTH_CONNECTION_STATE_CONNECTED)
    return;

  machine = hearth_machine_collection_find (self->collection, self->focus_request);
  if (machine == NULL)
    {
      g_autofree char *title = NULL;

      title = g_strdup_printf (_("There is no machine called “%s”"), self->focus_request);
      hearth_window_add_toast (self, adw_toast_new (title));
      g_clear_pointer (&self->focus_request, g_free);
      return;
    }

  position = find_position (self, machine);
  if (position == GTK_INVALID_LIST_POSITION)
    {
      /* Hidden by a search: clear it, the machine shows up again. */
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      hearth_machine_collection_set_search (self->collection, NULL);
      position = find_position (self, machine);
    }

  g_clear_pointer (&self->focus_request, g_free);
  if (position != GTK_INVALID_LIST_POSITION)
    select_and_reveal (self, position);

  /* `hearth MACHINE` opens its console; with --start the machine starts too.
   * Without --start, the console page offers Start, which is the user's say. */
  if (self->console_request)
    {
      self->console_request = FALSE;
      if (self->start_request && hearth_machine_can_run_action (machine,
                                                               HEARTH_MACHINE_ACTION_START))
        _hearth_window_open_machine (self, machine);
      else
        _hearth_window_show_console (self, machine);
    }
  self->start_request = FALSE;
}

static long
read_status_kib (const char *status,
                 const char *field)
{
  const char *line = status ? strstr (status, field) : NULL;

  return line ? strtol (line + strlen (field), NULL, 10) : -1L;
}

static void
print_bench_figures (gpointer user_data)
{
  HearthWindow *self = user_data;
  g_autofree char *status = NULL;

  /* For bench/startup: when the machines were first on screen, and the memory
   * high-water mark, split into anonymous memory and file-backed pages (shared
   * libraries, which a desktop session shares between processes). */
  g_file_get_contents ("/proc/self/status", &status, NULL, NULL);
  g_print ("hearth-bench: first-frame-realtime-us=%" G_GINT64_FORMAT " items=%u vmhwm-kib=%ld "
           "rssanon-kib=%ld rssfile-kib=%ld\n",
           g_get_real_time (),
           g_list_model_get_n_items (G_LIST_MODEL (self->collection)),
           read_status_kib (status, "VmHWM:"),
           read_status_kib (status, "RssAnon:"),
           read_status_kib (status, "RssFile:"));

  g_application_quit (G_APPLICATION (gtk_window_get_application (GTK_WINDOW (self))));
}

static void
on_bench_after_paint_cb (GdkFrameClock *clock,
                         HearthWindow  *self)
{
  /* The first frame painted after the views got their first item widgets is the
   * one that shows the machines. */
  if (gtk_widget_get_first_child (get_current_view (self)) == NULL ||
      !gtk_widget_get_mapped (get_current_view (self)))
    return;

  g_signal_handlers_disconnect_by_func (clock, on_bench_after_paint_cb, self);
  g_idle_add_once (print_bench_figures, self);
}

static void
on_main_stack_visible_child_cb (HearthWindow *self)
{
  GdkFrameClock *clock;

  if (self->bench_tick_id != 0 ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "collection") != 0 ||
      g_getenv ("HEARTH_BENCH_EXIT_AFTER_FIRST_FRAME") == NULL)
    return;

  clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));
  if (clock == NULL)
    return;

  self->bench_tick_id = g_signal_connect (clock, "after-paint",
                                          G_CALLBACK (on_bench_after_paint_cb), self);
}

static void
on_connection_state_cb (HearthWindow *self)
{
  update_page (self);
  try_focus_request (self);
  _hearth_window_actions_update (self);
}

static void
on_application_connection_cb (HearthWindow *self)
{
  g_signal_group_set_target (self->connection_signals, get_connection (self));
  update_title (self);
  on_connection_state_cb (self);
}

static void
on_collection_items_changed_cb (HearthWindow *self)
{
  update_page (self);
}

static void
on_selected_item_cb (HearthWindow *self)
{
  g_signal_group_set_target (self->selected_signals, _hearth_window_get_selected_machine (self));
  _hearth_window_actions_update (self);
}

static void
on_search_changed_cb (GtkSearchEntry *entry,
                      HearthWindow   *self)
{
  hearth_machine_collection_set_search (self->collection,
                                        gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_search_mode_cb (HearthWindow *self)
{
  /* Closing the search bar shows every machine again. */
  if (!gtk_search_bar_get_search_mode (self->search_bar))
    {
      gtk_editable_set_text (GTK_EDITABLE (self->search_entry), "");
      hearth_machine_collection_set_search (self->collection, NULL);
    }
}

static void
on_retry_clicked_cb (GtkButton    *button,
                     HearthWindow *self)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

  if (HEARTH_IS_APPLICATION (app))
    hearth_application_retry_connection (HEARTH_APPLICATION (app));
}

static void
on_view_activate_cb (GtkWidget    *view,
                     guint         position,
                     HearthWindow *self)
{
  g_autoptr(HearthMachine) machine = NULL;

  machine = g_list_model_get_item (G_LIST_MODEL (self->selection), position);
  if (machine != NULL)
    _hearth_window_open_machine (self, machine);
}

static void
popup_context_menu (HearthWindow *self,
                    GtkWidget    *widget,
                    double        x,
                    double        y)
{
  graphene_point_t point = GRAPHENE_POINT_INIT (x, y);
  graphene_point_t in_box;
  GdkRectangle rect;

  if (!gtk_widget_compute_point (widget, self->content_box, &point, &in_box))
    return;

  rect = (GdkRectangle) { (int) in_box.x, (int) in_box.y, 1, 1 };
  gtk_popover_set_pointing_to (GTK_POPOVER (self->context_menu), &rect);
  gtk_popover_popup (GTK_POPOVER (self->context_menu));
}

static void
on_item_context_menu_cb (GtkWidget    *item_widget,
                         double        x,
                         double        y,
                         HearthWindow *self)
{
  GtkListItem *list_item = g_object_get_data (G_OBJECT (item_widget), LIST_ITEM_KEY);
  guint position;

  if (list_item == NULL)
    return;

  /* The menu acts on the selected machine, so select the one asked about. */
  position = gtk_list_item_get_position (list_item);
  if (position == GTK_INVALID_LIST_POSITION)
    return;

  gtk_selection_model_select_item (GTK_SELECTION_MODEL (self->selection), position, TRUE);
  popup_context_menu (self, item_widget, x, y);
}

static GtkWidget *
find_item_widget (GtkWidget *widget)
{
  GtkWidget *child;

  /* Focus sits on GtkListView's and GtkGridView's internal item widget, whose
   * child is our tile or row; or inside our row, on its menu button. */
  for (GtkWidget *w = widget; w != NULL; w = gtk_widget_get_parent (w))
    if (HEARTH_IS_MACHINE_TILE (w) || HEARTH_IS_MACHINE_ROW (w))
      return w;

  child = widget ? gtk_widget_get_first_child (widget) : NULL;
  if (HEARTH_IS_MACHINE_TILE (child) || HEARTH_IS_MACHINE_ROW (child))
    return child;

  return NULL;
}

static void
show_menu_activated (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  GtkWidget *item_widget;
  GtkWidget *view;

  if (_hearth_window_get_selected_machine (self) == NULL ||
      g_strcmp0 (gtk_stack_get_visible_child_name (self->main_stack), "collection") != 0)
    return;

  item_widget = find_item_widget (gtk_root_get_focus (GTK_ROOT (self)));
  if (item_widget != NULL)
    {
      popup_context_menu (self, item_widget,
                          gtk_widget_get_width (item_widget) / 2.0,
                          gtk_widget_get_height (item_widget) / 2.0);
      return;
    }

  view = get_current_view (self);
  popup_context_menu (self, view,
                      gtk_widget_get_width (view) / 2.0,
                      gtk_widget_get_height (view) / 2.0);
}

static void
search_activated (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  HearthWindow *self = HEARTH_WINDOW (widget);
  gboolean mode = gtk_search_bar_get_search_mode (self->search_bar);

  gtk_search_bar_set_search_mode (self->search_bar, !mode);
  if (!mode)
    gtk_widget_grab_focus (GTK_WIDGET (self->search_entry));
}

static void
setup_tile_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               HearthWindow             *self)
{
  GtkWidget *tile = hearth_machine_tile_new ();

  /* The list item outlives its child, so a plain pointer is safe. */
  g_object_set_data (G_OBJECT (tile), LIST_ITEM_KEY, list_item);
  g_signal_connect (tile, "context-menu", G_CALLBACK (on_item_context_menu_cb), self);
  gtk_list_item_set_child (list_item, tile);
}

static void
bind_tile_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              HearthWindow             *self)
{
  hearth_machine_tile_set_machine (HEARTH_MACHINE_TILE (gtk_list_item_get_child (list_item)),
                                   gtk_list_item_get_item (list_item));
}

static void
unbind_tile_cb (GtkSignalListItemFactory *factory,
                GtkListItem              *list_item,
                HearthWindow             *self)
{
  hearth_machine_tile_set_machine (HEARTH_MACHINE_TILE (gtk_list_item_get_child (list_item)), NULL);
}

static void
setup_row_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *list_item,
              HearthWindow             *self)
{
  GtkWidget *row = hearth_machine_row_new ();

  g_object_set_data (G_OBJECT (row), LIST_ITEM_KEY, list_item);
  g_signal_connect (row, "context-menu", G_CALLBACK (on_item_context_menu_cb), self);
  gtk_list_item_set_child (list_item, row);
}

static void
bind_row_cb (GtkSignalListItemFactory *factory,
             GtkListItem              *list_item,
             HearthWindow             *self)
{
  hearth_machine_row_set_machine (HEARTH_MACHINE_ROW (gtk_list_item_get_child (list_item)),
                                  gtk_list_item_get_item (list_item));
}

static void
unbind_row_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *list_item,
               HearthWindow             *self)
{
  hearth_machine_row_set_machine (HEARTH_MACHINE_ROW (gtk_list_item_get_child (list_item)), NULL);
}

static GtkListItemFactory *
create_factory (HearthWindow *self,
                GCallback     setup,
                GCallback     bind,
                GCallback     unbind)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  g_signal_connect (factory, "setup", setup, self);
  g_signal_connect (factory, "bind", bind, self);
  g_signal_connect (factory, "unbind", unbind, self);

  return factory;
}

static void
on_os_database_loaded_cb (GObject      *object,
                          GAsyncResult *result,
                          gpointer      user_data)
{
  g_autoptr(HearthWindow) self = user_data;  /* owned: a load is not worth cancelling */
  g_autoptr(GtkListItemFactory) factory = NULL;
  g_autoptr(GError) error = NULL;

  if (!hearth_os_database_load_finish (HEARTH_OS_DATABASE (object), result, &error))
    {
      /* Without libosinfo data the rows just leave the OS name out. */
      g_debug ("The OS database did not load: %s", error->message);
      return;
    }

  if (self->list_view == NULL)
    return;

  /* Rebind the visible rows once, now that OS names are known. */
  factory = g_object_ref (gtk_list_view_get_factory (self->list_view));
  gtk_list_view_set_factory (self->list_view, NULL);
  gtk_list_view_set_factory (self->list_view, factory);
}

/* Only rows show OS names, so libosinfo's database (tens of MiB) is loaded the
 * first time the list is shown, not at start-up. */
static void
ensure_os_database (HearthWindow *self)
{
  HearthOsDatabase *osdb = hearth_os_database_get_default ();

  if (self->osdb_requested || hearth_os_database_is_loaded (osdb))
    return;

  self->osdb_requested = TRUE;
  hearth_os_database_load_async (osdb, NULL, on_os_database_loaded_cb, g_object_ref (self));
}

static void
restore_window_size (HearthWindow *self)
{
  int width = g_settings_get_int (self->settings, "window-width");
  int height = g_settings_get_int (self->settings, "window-height");

  gtk_window_set_default_size (GTK_WINDOW (self), MAX (width, 360), MAX (height, 360));
  if (g_settings_get_boolean (self->settings, "window-maximized"))
    gtk_window_maximize (GTK_WINDOW (self));
}

static void
save_window_size (HearthWindow *self)
{
  int width;
  int height;

  /* The default size follows the window's unmaximized size in GTK 4. */
  gtk_window_get_default_size (GTK_WINDOW (self), &width, &height);
  g_settings_delay (self->settings);
  g_settings_set_int (self->settings, "window-width", width);
  g_settings_set_int (self->settings, "window-height", height);
  g_settings_set_boolean (self->settings, "window-maximized",
                          gtk_window_is_maximized (GTK_WINDOW (self)));
  g_settings_apply (self->settings);
}

static gboolean
hearth_window_close_request (GtkWindow *window)
{
  HearthWindow *self = HEARTH_WINDOW (window);

  save_window_size (self);
  _hearth_window_commit_deletions (self);

  return GTK_WINDOW_CLASS (hearth_window_parent_class)->close_request (window);
}

/* Only the visible view gets the selection model. GTK 4.8 crashes when two list
 * widgets share a model that changes, and a hidden view need not track the
 * machines at all; the selection itself lives on in the model. */
static void
attach_model (HearthWindow *self)
{
  gboolean list = g_strcmp0 (self->view_mode, "list") == 0;

  if (self->selection == NULL)
    return;

  gtk_grid_view_set_model (self->grid_view, list ? NULL : GTK_SELECTION_MODEL (self->selection));
  gtk_list_view_set_model (self->list_view, list ? GTK_SELECTION_MODEL (self->selection) : NULL);
}

static void
set_view_mode (HearthWindow *self,
               const char   *view_mode)
{
  gboolean had_focus;

  if (g_strcmp0 (view_mode, "list") != 0)
    view_mode = "grid";

  if (g_strcmp0 (self->view_mode, view_mode) == 0)
    return;

  had_focus = self->view_mode != NULL && gtk_widget_has_focus (get_current_view (self));

  g_free (self->view_mode);
  self->view_mode = g_strdup (view_mode);
  attach_model (self);
  gtk_stack_set_visible_child_name (self->view_stack, view_mode);
  if (g_strcmp0 (view_mode, "list") == 0)
    ensure_os_database (self);

  /* Keep the selected machine in sight in the other view. */
  if (gtk_single_selection_get_selected (self->selection) != GTK_INVALID_LIST_POSITION)
    gtk_widget_activate_action (get_current_view (self), "list.scroll-to-item", "u",
                                gtk_single_selection_get_selected (self->selection));
  if (had_focus)
    gtk_widget_grab_focus (get_current_view (self));

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VIEW_MODE]);
}

/* GtkWindow:application is not a construct property, so this runs from
 * hearth_window_new() once it is set. */
static void
setup_with_application (HearthWindow      *self,
                        HearthApplication *app)
{
  self->settings = g_object_ref (hearth_application_get_settings (app));
  self->collection = g_object_ref (hearth_application_get_collection (app));

  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->collection)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected-item",
                           G_CALLBACK (on_selected_item_cb), self, G_CONNECT_SWAPPED);

  attach_model (self);

  g_signal_connect_object (self->collection, "items-changed",
                           G_CALLBACK (on_collection_items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->collection, "notify::n-total",
                           G_CALLBACK (on_collection_items_changed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (app, "notify::connection",
                           G_CALLBACK (on_application_connection_cb), self, G_CONNECT_SWAPPED);

  g_settings_bind (self->settings, "view-mode", self, "view-mode", G_SETTINGS_BIND_DEFAULT);
  restore_window_size (self);

  if (g_strcmp0 (PROFILE, "development") == 0)
    gtk_widget_add_css_class (GTK_WIDGET (self), "devel");

  on_application_connection_cb (self);
}

static void
hearth_window_dispose (GObject *object)
{
  HearthWindow *self = HEARTH_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);

  if (self->bench_tick_id != 0)
    {
      GdkFrameClock *clock = gtk_widget_get_frame_clock (GTK_WIDGET (self));

      if (clock != NULL)
        g_signal_handlers_disconnect_by_func (clock, on_bench_after_paint_cb, self);
      self->bench_tick_id = 0;
    }

  if (self->connection_signals != NULL)
    g_signal_group_set_target (self->connection_signals, NULL);
  if (self->selected_signals != NULL)
    g_signal_group_set_target (self->selected_signals, NULL);
  g_clear_object (&self->connection_signals);
  g_clear_object (&self->selected_signals);

  g_clear_pointer (&self->context_menu, gtk_widget_unparent);
  gtk_widget_dispose_template (GTK_WIDGET (self), HEARTH_TYPE_WINDOW);

  g_clear_object (&self->selection);
  g_clear_object (&self->collection);
  g_clear_object (&self->settings);
  g_clear_pointer (&self->pending_deletions, g_ptr_array_unref);

  G_OBJECT_CLASS (hearth_window_parent_class)->dispose (object);
}

static void
hearth_window_finalize (GObject *object)
{
  HearthWindow *self = HEARTH_WINDOW (object);

  g_free (self->view_mode);
  g_free (self->focus_request);

  G_OBJECT_CLASS (hearth_window_parent_class)->finalize (object);
}

static void
hearth_window_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  HearthWindow *self = HEARTH_WINDOW (object);

  switch (prop_id)
    {
    case PROP_VIEW_MODE:
      g_value_set_string (value, self->view_mode);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_window_set_property (GObject      *object,
                            guint         prop_id,
                            const GValue *value,
                            GParamSpec   *pspec)
{
  HearthWindow *self = HEARTH_WINDOW (object);

  switch (prop_id)
    {
    case PROP_VIEW_MODE:
      set_view_mode (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_window_class_init (HearthWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = hearth_window_dispose;
  object_class->finalize = hearth_window_finalize;
  object_class->get_property = hearth_window_get_property;
  object_class->set_property = hearth_window_set_property;

  window_class->close_request = hearth_window_close_request;

  /**
   * HearthWindow:view-mode:
   *
   * "grid" or "list"; bound to the "view-mode" setting.
   */
  properties[PROP_VIEW_MODE] =
    g_param_spec_string ("view-mode", NULL, NULL,
                         "grid",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/hearthvm/Hearth/ui/hearth-window.ui");
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, page_stack);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, loading_spinner);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, content_box);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, search_button);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, view_switch);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, search_bar);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, search_entry);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, main_stack);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, loading_label);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, error_page);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, error_detail_label);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, empty_page);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, view_stack);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, grid_view);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, list_view);
  gtk_widget_class_bind_template_child (widget_class, HearthWindow, machine_menu);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_search_mode_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_retry_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_view_activate_cb);
  gtk_widget_class_bind_template_callback (widget_class, on_main_stack_visible_child_cb);

  gtk_widget_class_install_property_action (widget_class, "win.view-mode", "view-mode");
  gtk_widget_class_install_action (widget_class, "win.search", NULL, search_activated);
  gtk_widget_class_install_action (widget_class, "win.show-menu", NULL, show_menu_activated);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                       "win.search", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_1, GDK_CONTROL_MASK,
                                       "win.view-mode", "s", "grid");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_2, GDK_CONTROL_MASK,
                                       "win.view-mode", "s", "list");
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Menu, 0, "win.show-menu", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F10, GDK_SHIFT_MASK,
                                       "win.show-menu", NULL);

  _hearth_window_class_init_actions (widget_class);

  g_type_ensure (HEARTH_TYPE_MACHINE_TILE);
  g_type_ensure (HEARTH_TYPE_MACHINE_ROW);
}

static void
hearth_window_init (HearthWindow *self)
{
  g_autoptr(GtkListItemFactory) tile_factory = NULL;
  g_autoptr(GtkListItemFactory) row_factory = NULL;

  /* Before the template: its toggle buttons query the win.view-mode state. */
  self->view_mode = g_strdup ("grid");
  gtk_widget_init_template (GTK_WIDGET (self));
  hearth_ui_spin_while_mapped (self->loading_spinner);

  self->cancellable = g_cancellable_new ();
  self->pending_deletions = g_ptr_array_new_with_free_func (g_object_unref);

  self->connection_signals = g_signal_group_new (HEARTH_TYPE_CONNECTION);
  g_signal_group_connect_swapped (self->connection_signals, "notify::state",
                                  G_CALLBACK (on_connection_state_cb), self);

  self->selected_signals = g_signal_group_new (HEARTH_TYPE_MACHINE);
  g_signal_group_connect_swapped (self->selected_signals, "notify::state",
                                  G_CALLBACK (_hearth_window_actions_update), self);
  g_signal_group_connect_swapped (self->selected_signals, "notify::busy",
                                  G_CALLBACK (_hearth_window_actions_update), self);

  tile_factory = create_factory (self, G_CALLBACK (setup_tile_cb), G_CALLBACK (bind_tile_cb),
                                 G_CALLBACK (unbind_tile_cb));
  gtk_grid_view_set_factory (self->grid_view, tile_factory);
  row_factory = create_factory (self, G_CALLBACK (setup_row_cb), G_CALLBACK (bind_row_cb),
                                G_CALLBACK (unbind_row_cb));
  gtk_list_view_set_factory (self->list_view, row_factory);

  self->context_menu = gtk_popover_menu_new_from_model (self->machine_menu);
  gtk_popover_set_has_arrow (GTK_POPOVER (self->context_menu), FALSE);
  gtk_widget_set_halign (self->context_menu, GTK_ALIGN_START);
  /* Not the view stack: GtkStack's accessibility code expects only pages as
   * its children and crashes on a popover (GTK 4.8). */
  gtk_widget_set_parent (self->context_menu, self->content_box);

  gtk_search_bar_connect_entry (self->search_bar, GTK_EDITABLE (self->search_entry));
  gtk_search_bar_set_key_capture_widget (self->search_bar, GTK_WIDGET (self));
  adw_status_page_set_icon_name (self->empty_page, APP_ID);
}

HearthWindow *
hearth_window_new (HearthApplication *application)
{
  HearthWindow *self;

  g_return_val_if_fail (HEARTH_IS_APPLICATION (application), NULL);

  self = g_object_new (HEARTH_TYPE_WINDOW,
                       "application", application,
                       NULL);
  setup_with_application (self, application);

  return self;
}

/**
 * hearth_window_focus_machine:
 * @name_or_uuid: a machine's name or UUID
 *
 * Selects the machine and scrolls to it, as soon as the connection lists it.
 */
void
hearth_window_focus_machine (HearthWindow *self,
                             const char   *name_or_uuid)
{
  g_return_if_fail (HEARTH_IS_WINDOW (self));
  g_return_if_fail (name_or_uuid != NULL);

  g_free (self->focus_request);
  self->focus_request = g_strdup (name_or_uuid);
  try_focus_request (self);
}

/**
 * hearth_window_open_console:
 * @name_or_uuid: a machine's name, title or UUID
 * @start: whether to start the machine when it is off
 *
 * Shows the machine's console as soon as the connection lists it.
 */
void
hearth_window_open_console (HearthWindow *self,
                            const char   *name_or_uuid,
                            gboolean      start)
{
  g_return_if_fail (HEARTH_IS_WINDOW (self));
  g_return_if_fail (name_or_uuid != NULL);

  self->console_request = TRUE;
  self->start_request = start;
  hearth_window_focus_machine (self, name_or_uuid);
}

static void
on_console_back_cb (HearthWindow *self)
{
  hearth_console_page_set_machine (self->console_page, NULL);
  gtk_stack_set_visible_child_name (self->page_stack, "browse");
}

/* Shows @machine's screen in the window; the console page follows the machine
 * through starts, stops and reboots, and its Back button returns here. */
void
_hearth_window_show_console (HearthWindow  *self,
                             HearthMachine *machine)
{
  if (self->console_page == NULL)
    {
      self->console_page = HEARTH_CONSOLE_PAGE (hearth_console_page_new ());
      gtk_stack_add_named (self->page_stack, GTK_WIDGET (self->console_page), "console");
      g_signal_connect_object (self->console_page, "back", G_CALLBACK (on_console_back_cb), self,
                               G_CONNECT_SWAPPED);
    }

  hearth_console_page_set_machine (self->console_page, machine);
  gtk_stack_set_visible_child_name (self->page_stack, "console");
}

void
hearth_window_add_toast (HearthWindow *self,
                         AdwToast     *toast)
{
  g_return_if_fail (HEARTH_IS_WINDOW (self));

  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

HearthMachine *
_hearth_window_get_selected_machine (HearthWindow *self)
{
  if (self->selection == NULL)
    return NULL;

  return gtk_single_selection_get_selected_item (self->selection);
}
