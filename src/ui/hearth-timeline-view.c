/* hearth-timeline-view.c  SPDX-License-Identifier: GPL-3.0-or-later */
#define G_LOG_DOMAIN "hearth-timeline"

#include "config.h"

#include <glib/gi18n.h>

#include "hearth-timeline-view.h"

/**
 * HearthTimelineView:
 *
 * A machine's snapshots drawn as a timeline: one card per snapshot, placed along
 * the time axis by its order in time and across it by branch ("lane"), with the
 * lines from each snapshot to its children drawn underneath. A child continues
 * its parent's lane; every further child opens a new lane, so a fork shows as a
 * line bending away. The current snapshot carries a "You are here" marker.
 *
 * The axis runs left to right, or top to bottom in the vertical orientation the
 * timeline window picks when it is narrow. Arrow keys move along the axis (to the
 * parent or a child) and across it (to the nearest card of the next branch);
 * focusing a card selects it.
 */

#define CARD_WIDTH   168
#define THUMB_HEIGHT 90
#define GAP_ALONG    48   /* between cards along the time axis; the forks bend in it */
#define GAP_ACROSS   12   /* between branches */
#define MARKER_SPACE 32   /* under each card, for the "You are here" marker */
#define PADDING      18

typedef struct
{
  HearthSnapshot *snapshot;   /* owned */
  GtkWidget      *card;       /* child of the view, owned through the widget tree */
  GtkWidget      *picture;    /* inside card */
  GtkWidget      *placeholder;
  GtkLabel       *title_label;
  GtkLabel       *time_label;
  char           *thumbnail;  /* owned: the thumbnail asked for, or NULL */
  guint           column;     /* position in time, oldest first */
  guint           lane;
  gboolean        placed;
} Node;

struct _HearthTimelineView
{
  GtkWidget parent_instance;

  /* Owned, main thread only. */
  HearthSnapshotTree *tree;
  GSignalGroup       *tree_signals;
  GSignalGroup       *snapshots_signals;
  HearthSnapshot     *selected;
  GHashTable         *nodes;        /* HearthSnapshot* → Node* */
  GPtrArray          *ordered;      /* Node*, borrowed from nodes, in time order */
  GtkWidget          *here_label;   /* child: the "You are here" marker */
  GtkOrientation      orientation;
  guint               n_lanes;
  int                 card_height;  /* measured, the tallest card */
  guint               rebuild_id;
  guint               focus_tick_id;
  guint               clock_id;     /* refreshes "10:42 today" as days pass */
  GHashTable         *textures;     /* thumbnail path → GdkTexture, decoded once */
  GHashTable         *loading;      /* thumbnail paths being decoded in a worker */
  GCancellable       *cancellable;  /* for the decoding; cancelled in dispose */
};

G_DEFINE_FINAL_TYPE (HearthTimelineView, hearth_timeline_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_TREE,
  PROP_SELECTED,
  PROP_ORIENTATION,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void queue_rebuild (HearthTimelineView *self);

/* Time --------------------------------------------------------------------- */

/**
 * hearth_timeline_format_relative_time:
 * @when: the moment
 * @now: the present, in the same time zone
 *
 * A short moment a person would say: "10:42 today", "10:42 yesterday",
 * "Tuesday 10:42", "3 November, 10:42" or "3 November 2025".
 *
 * Returns: (transfer full): the text
 */
char *
hearth_timeline_format_relative_time (GDateTime *when,
                                      GDateTime *now)
{
  g_autoptr(GDateTime) local = g_date_time_to_local (when);
  g_autoptr(GDateTime) local_now = g_date_time_to_local (now);
  g_autoptr(GDateTime) today = NULL;
  GTimeSpan since_midnight;

  today = g_date_time_new_local (g_date_time_get_year (local_now),
                                 g_date_time_get_month (local_now),
                                 g_date_time_get_day_of_month (local_now), 0, 0, 0);
  since_midnight = g_date_time_difference (local, today);

  /* Translators: strftime-like formats for g_date_time_format(). */
  if (since_midnight >= 0 && since_midnight < G_TIME_SPAN_DAY)
    return g_date_time_format (local, _("%H:%M today"));
  if (since_midnight < 0 && since_midnight >= -G_TIME_SPAN_DAY)
    return g_date_time_format (local, _("%H:%M yesterday"));
  if (since_midnight < 0 && since_midnight >= -6 * G_TIME_SPAN_DAY)
    return g_date_time_format (local, _("%A %H:%M"));
  if (g_date_time_get_year (local) == g_date_time_get_year (local_now))
    return g_date_time_format (local, _("%-d %B, %H:%M"));
  return g_date_time_format (local, _("%-d %B %Y"));
}

static char *
dup_snapshot_time (HearthSnapshot *snapshot)
{
  g_autoptr(GDateTime) when = hearth_snapshot_dup_creation_date (snapshot);
  g_autoptr(GDateTime) now = g_date_time_new_now_local ();

  if (when == NULL)
    return g_strdup (_("Unknown time"));
  return hearth_timeline_format_relative_time (when, now);
}

/**
 * hearth_timeline_snapshot_title:
 *
 * What to call @snapshot: its title; for an untitled scheduled one, that it is
 * scheduled (its card says when); else its libvirt name.
 *
 * Returns: (transfer none): the title to show
 */
const char *
hearth_timeline_snapshot_title (HearthSnapshot *snapshot)
{
  const char *title = hearth_snapshot_get_title (snapshot);
  const char *name = hearth_snapshot_get_name (snapshot);

  /* Without a title of its own, the title is the name. */
  if (hearth_snapshot_get_origin (snapshot) == HEARTH_SNAPSHOT_ORIGIN_SCHEDULED
      && (title == NULL || *title == '\0' || g_strcmp0 (title, name) == 0))
    return _("Scheduled Snapshot");
  return title != NULL && *title != '\0' ? title : name;
}

/* Thumbnails --------------------------------------------------------------- *
 *
 * Decoding a PNG takes milliseconds; a history with many thumbnails decoded on
 * the main thread at every change (a revert changes "current" on two snapshots
 * and rebuilds the view) stalled the window. Each thumbnail is decoded once, in a
 * worker, kept by path, and shown by every card that asks for it.
 */

static void
show_texture (Node       *node,
              GdkTexture *texture)
{
  gtk_picture_set_paintable (GTK_PICTURE (node->picture), GDK_PAINTABLE (texture));
  gtk_widget_set_visible (node->picture, texture != NULL);
  gtk_widget_set_visible (node->placeholder, texture == NULL);
}

static void
decode_worker (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  GError *error = NULL;
  GdkTexture *texture = gdk_texture_new_from_filename (task_data, &error);

  if (texture == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, texture, g_object_unref);
}

static void
on_decoded_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(GdkTexture) texture = NULL;
  g_autoptr(GError) error = NULL;
  const char *path = g_task_get_task_data (G_TASK (result));
  HearthTimelineView *self;
  GHashTableIter iter;
  gpointer value;

  texture = g_task_propagate_pointer (G_TASK (result), &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;

  self = HEARTH_TIMELINE_VIEW (object);
  g_hash_table_remove (self->loading, path);
  if (texture == NULL)
    {
      /* A thumbnail that cannot be read leaves the placeholder. */
      g_debug ("Could not read the thumbnail %s: %s", path, error->message);
      return;
    }
  g_hash_table_insert (self->textures, g_strdup (path), g_object_ref (texture));

  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (g_strcmp0 (((Node *) value)->thumbnail, path) == 0)
      show_texture (value, texture);
}

static void
update_thumbnail (HearthTimelineView *self,
                  Node               *node)
{
  const char *path = hearth_snapshot_get_thumbnail_path (node->snapshot);
  g_autoptr(GTask) task = NULL;
  GdkTexture *texture;

  if (g_strcmp0 (path, node->thumbnail) == 0)
    return;
  g_free (node->thumbnail);
  node->thumbnail = g_strdup (path);

  texture = path ? g_hash_table_lookup (self->textures, path) : NULL;
  show_texture (node, texture);
  if (path == NULL || texture != NULL || g_hash_table_contains (self->loading, path))
    return;

  g_hash_table_add (self->loading, g_strdup (path));
  task = g_task_new (self, self->cancellable, on_decoded_cb, NULL);
  g_task_set_source_tag (task, update_thumbnail);
  g_task_set_task_data (task, g_strdup (path), g_free);
  g_task_run_in_thread (task, decode_worker);
}

/* Nodes -------------------------------------------------------------------- */

static void
node_free (Node *node)
{
  g_clear_object (&node->snapshot);
  g_clear_pointer (&node->card, gtk_widget_unparent);
  g_free (node->thumbnail);
  g_free (node);
}

static void
update_node (HearthTimelineView *self,
             Node               *node)
{
  HearthSnapshot *snapshot = node->snapshot;
  g_autofree char *when = dup_snapshot_time (snapshot);
  g_autofree char *label = NULL;
  gboolean current = hearth_snapshot_get_current (snapshot);

  gtk_label_set_label (node->title_label, hearth_timeline_snapshot_title (snapshot));
  gtk_label_set_label (node->time_label, when);
  update_thumbnail (self, node);

  if (current)
    gtk_widget_add_css_class (node->card, "current");
  else
    gtk_widget_remove_css_class (node->card, "current");

  if (current)
    /* Translators: the accessible name of a snapshot in the timeline:
     * title, then when it was taken; it is where the machine is now. */
    label = g_strdup_printf (_("Snapshot “%s”, %s, current"),
                             hearth_timeline_snapshot_title (snapshot), when);
  else
    /* Translators: the accessible name of a snapshot in the timeline. */
    label = g_strdup_printf (_("Snapshot “%s”, %s"), hearth_timeline_snapshot_title (snapshot),
                             when);
  gtk_accessible_update_property (GTK_ACCESSIBLE (node->card),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
on_snapshot_notify_cb (HearthSnapshot     *snapshot,
                       GParamSpec         *pspec,
                       HearthTimelineView *self)
{
  Node *node = g_hash_table_lookup (self->nodes, snapshot);

  if (node != NULL)
    update_node (self, node);

  /* The shape of the tree or the marker may have moved. */
  if (g_strcmp0 (pspec->name, "parent") == 0 || g_strcmp0 (pspec->name, "current") == 0 ||
      g_strcmp0 (pspec->name, "depth") == 0)
    queue_rebuild (self);
}

static void
on_card_clicked_cb (GtkButton          *card,
                    HearthTimelineView *self)
{
  HearthSnapshot *snapshot = g_object_get_data (G_OBJECT (card), "hearth-snapshot");

  hearth_timeline_view_set_selected (self, snapshot);
  gtk_widget_grab_focus (GTK_WIDGET (card));
}

static void
on_card_focus_enter_cb (GtkEventControllerFocus *controller,
                        HearthTimelineView      *self)
{
  GtkWidget *card = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (controller));

  hearth_timeline_view_set_selected (self, g_object_get_data (G_OBJECT (card),
                                                              "hearth-snapshot"));
}

static Node *
node_new (HearthTimelineView *self,
          HearthSnapshot     *snapshot)
{
  Node *node = g_new0 (Node, 1);
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *frame = gtk_overlay_new ();
  GtkEventController *focus;

  node->snapshot = g_object_ref (snapshot);

  node->card = gtk_button_new ();
  gtk_widget_add_css_class (node->card, "card");
  gtk_widget_add_css_class (node->card, "snapshot-card");
  gtk_widget_set_size_request (node->card, CARD_WIDTH, -1);
  g_object_set_data (G_OBJECT (node->card), "hearth-snapshot", snapshot);
  gtk_button_set_child (GTK_BUTTON (node->card), box);

  /* The thumbnail area keeps its size with or without a picture. */
  gtk_widget_add_css_class (frame, "snapshot-thumbnail");
  gtk_widget_set_size_request (frame, -1, THUMB_HEIGHT);
  gtk_widget_set_overflow (frame, GTK_OVERFLOW_HIDDEN);
  node->placeholder = gtk_image_new_from_icon_name ("camera-photo-symbolic");
  gtk_image_set_pixel_size (GTK_IMAGE (node->placeholder), 32);
  gtk_widget_add_css_class (node->placeholder, "dim-label");
  gtk_overlay_set_child (GTK_OVERLAY (frame), node->placeholder);
  node->picture = gtk_picture_new ();
  gtk_picture_set_content_fit (GTK_PICTURE (node->picture), GTK_CONTENT_FIT_COVER);
  gtk_picture_set_can_shrink (GTK_PICTURE (node->picture), TRUE);
  gtk_overlay_add_overlay (GTK_OVERLAY (frame), node->picture);
  gtk_box_append (GTK_BOX (box), frame);

  node->title_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (node->title_label, 0);
  gtk_label_set_ellipsize (node->title_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (node->title_label), "heading");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (node->title_label));

  node->time_label = GTK_LABEL (gtk_label_new (NULL));
  gtk_label_set_xalign (node->time_label, 0);
  gtk_label_set_ellipsize (node->time_label, PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (GTK_WIDGET (node->time_label), "caption");
  gtk_widget_add_css_class (GTK_WIDGET (node->time_label), "dim-label");
  gtk_box_append (GTK_BOX (box), GTK_WIDGET (node->time_label));

  g_signal_connect (node->card, "clicked", G_CALLBACK (on_card_clicked_cb), self);
  focus = gtk_event_controller_focus_new ();
  g_signal_connect (focus, "enter", G_CALLBACK (on_card_focus_enter_cb), self);
  gtk_widget_add_controller (node->card, focus);

  g_signal_connect_object (snapshot, "notify", G_CALLBACK (on_snapshot_notify_cb), self, 0);

  gtk_widget_insert_before (node->card, GTK_WIDGET (self), self->here_label);
  update_node (self, node);

  return node;
}

static void
disconnect_node (gpointer key,
                 gpointer value,
                 gpointer user_data)
{
  Node *node = value;

  g_signal_handlers_disconnect_by_data (node->snapshot, user_data);
}

/* Layout ------------------------------------------------------------------- */

static void
place_lanes (HearthTimelineView *self,
             HearthSnapshot     *snapshot,
             guint               lane)
{
  Node *node = g_hash_table_lookup (self->nodes, snapshot);
  GListModel *children = hearth_snapshot_get_children (snapshot);
  guint n = g_list_model_get_n_items (children);

  if (node == NULL || node->placed)
    return;

  node->placed = TRUE;
  node->lane = lane;
  self->n_lanes = MAX (self->n_lanes, lane + 1);

  /* The first child continues the branch; the others fork into new lanes. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthSnapshot) child = g_list_model_get_item (children, i);

      place_lanes (self, child, i == 0 ? lane : self->n_lanes);
    }
}

static void
rebuild (HearthTimelineView *self)
{
  GListModel *snapshots = self->tree ? hearth_snapshot_tree_get_snapshots (self->tree) : NULL;
  GListModel *roots = self->tree ? hearth_snapshot_tree_get_roots (self->tree) : NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new (NULL, NULL);
  GHashTableIter iter;
  gpointer key, value;
  guint n = snapshots ? g_list_model_get_n_items (snapshots) : 0;
  HearthSnapshot *current = NULL;
  gboolean focus_lost = FALSE;

  g_ptr_array_set_size (self->ordered, 0);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthSnapshot) snapshot = g_list_model_get_item (snapshots, i);
      Node *node = g_hash_table_lookup (self->nodes, snapshot);

      if (node == NULL)
        {
          node = node_new (self, snapshot);
          g_hash_table_insert (self->nodes, snapshot, node);
        }
      node->column = i;
      node->placed = FALSE;
      g_ptr_array_add (self->ordered, node);
      g_hash_table_add (seen, snapshot);
      if (hearth_snapshot_get_current (snapshot))
        current = snapshot;
    }

  /* Snapshots that are gone lose their cards. */
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    if (!g_hash_table_contains (seen, key))
      {
        Node *node = value;

        focus_lost |= gtk_widget_has_focus (node->card);
        disconnect_node (key, value, self);
        g_hash_table_iter_remove (&iter);
      }

  self->n_lanes = 0;
  for (guint i = 0; roots != NULL && i < g_list_model_get_n_items (roots); i++)
    {
      g_autoptr(HearthSnapshot) root = g_list_model_get_item (roots, i);

      place_lanes (self, root, self->n_lanes);
    }
  /* A snapshot the tree did not reach (a parent still being read) gets a lane
   * of its own rather than no place at all. */
  for (guint i = 0; i < self->ordered->len; i++)
    {
      Node *node = g_ptr_array_index (self->ordered, i);

      if (!node->placed)
        place_lanes (self, node->snapshot, self->n_lanes);
    }

  gtk_widget_set_visible (self->here_label, current != NULL);

  if (self->selected != NULL && !g_hash_table_contains (self->nodes, self->selected))
    hearth_timeline_view_set_selected (self, current);
  else if (self->selected == NULL && current != NULL)
    hearth_timeline_view_set_selected (self, current);

  /* The focused snapshot went away (deleted): keep the keyboard in the
   * timeline, on the snapshot now selected, rather than wherever GTK puts it. */
  if (focus_lost)
    hearth_timeline_view_focus_selected (self);

  gtk_widget_queue_resize (GTK_WIDGET (self));
}

static gboolean
refresh_times_cb (gpointer user_data)
{
  HearthTimelineView *self = user_data;

  for (guint i = 0; i < self->ordered->len; i++)
    update_node (self, g_ptr_array_index (self->ordered, i));
  return G_SOURCE_CONTINUE;
}

static gboolean
rebuild_idle_cb (gpointer user_data)
{
  HearthTimelineView *self = user_data;

  self->rebuild_id = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

/* Many snapshots change at once after a re-read: lay out once for all of them. */
static void
queue_rebuild (HearthTimelineView *self)
{
  if (self->rebuild_id == 0)
    self->rebuild_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, rebuild_idle_cb, self, NULL);
}

static void
on_snapshots_changed_cb (GListModel         *model,
                         guint               position,
                         guint               removed,
                         guint               added,
                         HearthTimelineView *self)
{
  queue_rebuild (self);
}

static int
slot_height (HearthTimelineView *self)
{
  return self->card_height + MARKER_SPACE;
}

/* The top left corner of a node's card, before centring. */
static void
node_origin (HearthTimelineView *self,
             Node               *node,
             int                *x,
             int                *y)
{
  if (self->orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *x = PADDING + node->column * (CARD_WIDTH + GAP_ALONG);
      *y = PADDING + node->lane * (slot_height (self) + GAP_ACROSS);
    }
  else
    {
      *x = PADDING + node->lane * (CARD_WIDTH + GAP_ACROSS);
      *y = PADDING + node->column * (slot_height (self) + GAP_ALONG);
    }
}

static void
content_size (HearthTimelineView *self,
              int                *width,
              int                *height)
{
  guint columns = MAX (self->ordered->len, 1);
  guint lanes = MAX (self->n_lanes, 1);

  if (self->orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *width = 2 * PADDING + columns * CARD_WIDTH + (columns - 1) * GAP_ALONG;
      *height = 2 * PADDING + lanes * slot_height (self) + (lanes - 1) * GAP_ACROSS;
    }
  else
    {
      *width = 2 * PADDING + lanes * CARD_WIDTH + (lanes - 1) * GAP_ACROSS;
      *height = 2 * PADDING + columns * slot_height (self) + (columns - 1) * GAP_ALONG;
    }
}

static void
measure_cards (HearthTimelineView *self)
{
  self->card_height = THUMB_HEIGHT;
  for (guint i = 0; i < self->ordered->len; i++)
    {
      Node *node = g_ptr_array_index (self->ordered, i);
      int min, nat;

      gtk_widget_measure (node->card, GTK_ORIENTATION_VERTICAL, CARD_WIDTH, &min, &nat,
                          NULL, NULL);
      self->card_height = MAX (self->card_height, nat);
    }
}

static void
hearth_timeline_view_measure (GtkWidget      *widget,
                              GtkOrientation  orientation,
                              int             for_size,
                              int            *minimum,
                              int            *natural,
                              int            *minimum_baseline,
                              int            *natural_baseline)
{
  HearthTimelineView *self = HEARTH_TIMELINE_VIEW (widget);
  int width, height;

  measure_cards (self);
  content_size (self, &width, &height);
  *minimum = *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? width : height;
}

/* Where the content starts: centred across the axis when there is room. */
static void
content_offset (HearthTimelineView *self,
                int                *dx,
                int                *dy)
{
  int width, height;

  content_size (self, &width, &height);
  *dx = *dy = 0;
  if (self->orientation == GTK_ORIENTATION_HORIZONTAL)
    *dy = MAX (0, (gtk_widget_get_height (GTK_WIDGET (self)) - height) / 2);
  else
    *dx = MAX (0, (gtk_widget_get_width (GTK_WIDGET (self)) - width) / 2);
}

static void
hearth_timeline_view_size_allocate (GtkWidget *widget,
                                    int        width,
                                    int        height,
                                    int        baseline)
{
  HearthTimelineView *self = HEARTH_TIMELINE_VIEW (widget);
  HearthSnapshot *current = NULL;
  int dx, dy;

  measure_cards (self);
  content_offset (self, &dx, &dy);

  for (guint i = 0; i < self->ordered->len; i++)
    {
      Node *node = g_ptr_array_index (self->ordered, i);
      int x, y;

      node_origin (self, node, &x, &y);
      gtk_widget_size_allocate (node->card,
                                &(GtkAllocation) { x + dx, y + dy, CARD_WIDTH, self->card_height },
                                -1);
      if (hearth_snapshot_get_current (node->snapshot))
        {
          int min, nat, label_height;

          current = node->snapshot;
          gtk_widget_measure (self->here_label, GTK_ORIENTATION_HORIZONTAL, -1, &min, &nat,
                              NULL, NULL);
          nat = MIN (nat, CARD_WIDTH);
          gtk_widget_measure (self->here_label, GTK_ORIENTATION_VERTICAL, nat, &min,
                              &label_height, NULL, NULL);
          gtk_widget_size_allocate (self->here_label,
                                    &(GtkAllocation) {
                                      x + dx + (CARD_WIDTH - nat) / 2,
                                      y + dy + self->card_height + 8,
                                      nat, label_height },
                                    -1);
        }
    }

  if (current == NULL && gtk_widget_get_visible (self->here_label))
    gtk_widget_size_allocate (self->here_label, &(GtkAllocation) { 0, 0, 0, 0 }, -1);
}

/* Drawing ------------------------------------------------------------------ */

static void
draw_link (HearthTimelineView *self,
           cairo_t            *cr,
           Node               *parent,
           Node               *child,
           int                 dx,
           int                 dy)
{
  int px, py, cx, cy;
  double sx, sy, ex, ey;

  node_origin (self, parent, &px, &py);
  node_origin (self, child, &cx, &cy);

  if (self->orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      double bend;

      sx = px + dx + CARD_WIDTH;
      sy = py + dy + self->card_height / 2.0;
      ex = cx + dx;
      ey = cy + dy + self->card_height / 2.0;
      bend = sx + GAP_ALONG;
      cairo_move_to (cr, sx, sy);
      if (parent->lane != child->lane)
        {
          /* Fork: bend over to the child's branch in the gap after the parent,
           * then run along that branch. */
          cairo_curve_to (cr, sx + GAP_ALONG / 2.0, sy, sx + GAP_ALONG / 2.0, ey, bend, ey);
        }
      cairo_line_to (cr, ex, ey);
    }
  else
    {
      double bend;

      sx = px + dx + CARD_WIDTH / 2.0;
      sy = py + dy + self->card_height;
      ex = cx + dx + CARD_WIDTH / 2.0;
      ey = cy + dy;
      bend = sy + MARKER_SPACE + GAP_ALONG;
      cairo_move_to (cr, sx, sy);
      if (parent->lane != child->lane)
        {
          double mid = sy + MARKER_SPACE + GAP_ALONG / 2.0;

          cairo_line_to (cr, sx, sy + MARKER_SPACE);
          cairo_curve_to (cr, sx, mid, ex, mid, ex, bend);
        }
      cairo_line_to (cr, ex, ey);
    }
  cairo_stroke (cr);
}

static void
hearth_timeline_view_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  HearthTimelineView *self = HEARTH_TIMELINE_VIEW (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  GdkRGBA color;
  cairo_t *cr;
  int dx, dy;

  if (self->ordered->len > 1 && width > 0 && height > 0)
    {
      content_offset (self, &dx, &dy);

      G_GNUC_BEGIN_IGNORE_DEPRECATIONS  /* gtk_widget_get_color() is 4.10 */
      gtk_style_context_get_color (gtk_widget_get_style_context (widget), &color);
      G_GNUC_END_IGNORE_DEPRECATIONS

      cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
      cairo_set_line_width (cr, 2);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_set_source_rgba (cr, color.red, color.green, color.blue, color.alpha * 0.3);
      for (guint i = 0; i < self->ordered->len; i++)
        {
          Node *node = g_ptr_array_index (self->ordered, i);
          HearthSnapshot *parent = hearth_snapshot_get_parent (node->snapshot);
          Node *parent_node = parent ? g_hash_table_lookup (self->nodes, parent) : NULL;

          if (parent_node != NULL)
            draw_link (self, cr, parent_node, node, dx, dy);
        }
      cairo_destroy (cr);
    }

  GTK_WIDGET_CLASS (hearth_timeline_view_parent_class)->snapshot (widget, snapshot);
}

/* Keyboard ----------------------------------------------------------------- */

static void
scroll_adjustment (GtkAdjustment *adjustment,
                   double         start,
                   double         size)
{
  double value = gtk_adjustment_get_value (adjustment);
  double page = gtk_adjustment_get_page_size (adjustment);

  if (start < value)
    gtk_adjustment_set_value (adjustment, start - PADDING);
  else if (start + size > value + page)
    gtk_adjustment_set_value (adjustment, start + size - page + PADDING);
}

/* GtkViewport of GTK 4.8 cannot scroll to a child itself: bring a card and its
 * marker into view through the scrolled window's adjustments. */
static void
scroll_to_node (HearthTimelineView *self,
                Node               *node)
{
  GtkWidget *scroller = gtk_widget_get_ancestor (GTK_WIDGET (self), GTK_TYPE_SCROLLED_WINDOW);
  graphene_rect_t bounds;

  if (scroller == NULL || !gtk_widget_compute_bounds (node->card, GTK_WIDGET (self), &bounds))
    return;

  scroll_adjustment (gtk_scrolled_window_get_hadjustment (GTK_SCROLLED_WINDOW (scroller)),
                     bounds.origin.x, bounds.size.width);
  scroll_adjustment (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)),
                     bounds.origin.y, bounds.size.height + MARKER_SPACE);
}

static Node *
selected_node (HearthTimelineView *self)
{
  return self->selected ? g_hash_table_lookup (self->nodes, self->selected) : NULL;
}

static Node *
node_along (HearthTimelineView *self,
            Node               *node,
            gboolean            forward)
{
  if (!forward)
    {
      HearthSnapshot *parent = hearth_snapshot_get_parent (node->snapshot);

      return parent ? g_hash_table_lookup (self->nodes, parent) : NULL;
    }

  /* Forward: the child on the same branch, else the first one. */
  {
    GListModel *children = hearth_snapshot_get_children (node->snapshot);
    Node *first = NULL;

    for (guint i = 0; i < g_list_model_get_n_items (children); i++)
      {
        g_autoptr(HearthSnapshot) child = g_list_model_get_item (children, i);
        Node *child_node = g_hash_table_lookup (self->nodes, child);

        if (child_node == NULL)
          continue;
        if (child_node->lane == node->lane)
          return child_node;
        if (first == NULL)
          first = child_node;
      }
    return first;
  }
}

/* The nearest card in time on the next branch with any card in that direction. */
static Node *
node_across (HearthTimelineView *self,
             Node               *node,
             int                 step)
{
  for (int lane = (int) node->lane + step; lane >= 0 && lane < (int) self->n_lanes; lane += step)
    {
      Node *best = NULL;
      guint best_distance = G_MAXUINT;

      for (guint i = 0; i < self->ordered->len; i++)
        {
          Node *other = g_ptr_array_index (self->ordered, i);
          guint distance;

          if ((int) other->lane != lane)
            continue;
          distance = ABS ((int) other->column - (int) node->column);
          if (distance < best_distance)
            {
              best = other;
              best_distance = distance;
            }
        }
      if (best != NULL)
        return best;
    }
  return NULL;
}

static gboolean
on_key_pressed_cb (GtkEventControllerKey *controller,
                   guint                  keyval,
                   guint                  keycode,
                   GdkModifierType        state,
                   HearthTimelineView    *self)
{
  gboolean horizontal = self->orientation == GTK_ORIENTATION_HORIZONTAL;
  gboolean rtl = gtk_widget_get_direction (GTK_WIDGET (self)) == GTK_TEXT_DIR_RTL;
  Node *node = selected_node (self);
  Node *target = NULL;

  if ((state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SHIFT_MASK)) != 0)
    return GDK_EVENT_PROPAGATE;

  if (node == NULL)
    {
      if (self->ordered->len == 0)
        return GDK_EVENT_PROPAGATE;
      node = g_ptr_array_index (self->ordered, 0);
    }

  switch (keyval)
    {
    case GDK_KEY_Left:
    case GDK_KEY_KP_Left:
      target = horizontal ? node_along (self, node, rtl) : node_across (self, node, rtl ? 1 : -1);
      break;
    case GDK_KEY_Right:
    case GDK_KEY_KP_Right:
      target = horizontal ? node_along (self, node, !rtl) : node_across (self, node, rtl ? -1 : 1);
      break;
    case GDK_KEY_Up:
    case GDK_KEY_KP_Up:
      target = horizontal ? node_across (self, node, -1) : node_along (self, node, FALSE);
      break;
    case GDK_KEY_Down:
    case GDK_KEY_KP_Down:
      target = horizontal ? node_across (self, node, 1) : node_along (self, node, TRUE);
      break;
    case GDK_KEY_Home:
    case GDK_KEY_KP_Home:
      target = self->ordered->len ? g_ptr_array_index (self->ordered, 0) : NULL;
      break;
    case GDK_KEY_End:
    case GDK_KEY_KP_End:
      target = self->ordered->len ? g_ptr_array_index (self->ordered, self->ordered->len - 1)
                                  : NULL;
      break;
    default:
      return GDK_EVENT_PROPAGATE;
    }

  /* At an end of the timeline the key does nothing rather than leave it. */
  if (target != NULL)
    {
      hearth_timeline_view_set_selected (self, target->snapshot);
      gtk_widget_grab_focus (target->card);
      scroll_to_node (self, target);
    }
  return GDK_EVENT_STOP;
}

/* GObject ------------------------------------------------------------------ */

static void
hearth_timeline_view_dispose (GObject *object)
{
  HearthTimelineView *self = HEARTH_TIMELINE_VIEW (object);

  g_clear_handle_id (&self->rebuild_id, g_source_remove);
  g_clear_handle_id (&self->clock_id, g_source_remove);
  g_cancellable_cancel (self->cancellable);
  if (self->focus_tick_id != 0)
    {
      gtk_widget_remove_tick_callback (GTK_WIDGET (self), self->focus_tick_id);
      self->focus_tick_id = 0;
    }
  if (self->nodes != NULL)
    {
      g_hash_table_foreach (self->nodes, disconnect_node, self);
      g_ptr_array_set_size (self->ordered, 0);
      g_hash_table_remove_all (self->nodes);
    }
  g_clear_pointer (&self->here_label, gtk_widget_unparent);
  if (self->tree_signals != NULL)
    g_signal_group_set_target (self->tree_signals, NULL);
  if (self->snapshots_signals != NULL)
    g_signal_group_set_target (self->snapshots_signals, NULL);
  g_clear_object (&self->tree_signals);
  g_clear_object (&self->snapshots_signals);
  g_clear_object (&self->tree);
  g_clear_object (&self->selected);

  G_OBJECT_CLASS (hearth_timeline_view_parent_class)->dispose (object);
}

static void
hearth_timeline_view_finalize (GObject *object)
{
  HearthTimelineView *self = HEARTH_TIMELINE_VIEW (object);

  g_clear_pointer (&self->nodes, g_hash_table_unref);
  g_clear_pointer (&self->ordered, g_ptr_array_unref);
  g_clear_pointer (&self->textures, g_hash_table_unref);
  g_clear_pointer (&self->loading, g_hash_table_unref);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (hearth_timeline_view_parent_class)->finalize (object);
}

static void
hearth_timeline_view_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  HearthTimelineView *self = HEARTH_TIMELINE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TREE:
      g_value_set_object (value, self->tree);
      break;
    case PROP_SELECTED:
      g_value_set_object (value, self->selected);
      break;
    case PROP_ORIENTATION:
      g_value_set_enum (value, self->orientation);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_timeline_view_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  HearthTimelineView *self = HEARTH_TIMELINE_VIEW (object);

  switch (prop_id)
    {
    case PROP_TREE:
      hearth_timeline_view_set_tree (self, g_value_get_object (value));
      break;
    case PROP_SELECTED:
      hearth_timeline_view_set_selected (self, g_value_get_object (value));
      break;
    case PROP_ORIENTATION:
      hearth_timeline_view_set_orientation (self, g_value_get_enum (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_timeline_view_class_init (HearthTimelineViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->dispose = hearth_timeline_view_dispose;
  object_class->finalize = hearth_timeline_view_finalize;
  object_class->get_property = hearth_timeline_view_get_property;
  object_class->set_property = hearth_timeline_view_set_property;

  widget_class->measure = hearth_timeline_view_measure;
  widget_class->size_allocate = hearth_timeline_view_size_allocate;
  widget_class->snapshot = hearth_timeline_view_snapshot;

  /** HearthTimelineView:tree: The snapshots shown. */
  properties[PROP_TREE] = g_param_spec_object ("tree", NULL, NULL, HEARTH_TYPE_SNAPSHOT_TREE, rw);
  /** HearthTimelineView:selected: The snapshot whose details are shown, or %NULL. */
  properties[PROP_SELECTED] = g_param_spec_object ("selected", NULL, NULL, HEARTH_TYPE_SNAPSHOT,
                                                   rw);
  /** HearthTimelineView:orientation: The direction of the time axis. */
  properties[PROP_ORIENTATION] = g_param_spec_enum ("orientation", NULL, NULL,
                                                    GTK_TYPE_ORIENTATION,
                                                    GTK_ORIENTATION_HORIZONTAL, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "hearth-timeline-view");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
hearth_timeline_view_init (HearthTimelineView *self)
{
  GtkEventController *keys;

  self->orientation = GTK_ORIENTATION_HORIZONTAL;
  self->nodes = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) node_free);
  self->ordered = g_ptr_array_new ();
  self->textures = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->loading = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->cancellable = g_cancellable_new ();

  self->here_label = gtk_label_new (_("You are here"));
  gtk_widget_add_css_class (self->here_label, "here-marker");
  gtk_label_set_ellipsize (GTK_LABEL (self->here_label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_visible (self->here_label, FALSE);
  gtk_widget_set_parent (self->here_label, GTK_WIDGET (self));

  self->tree_signals = g_signal_group_new (HEARTH_TYPE_SNAPSHOT_TREE);
  g_signal_group_connect_swapped (self->tree_signals, "notify::current",
                                  G_CALLBACK (queue_rebuild), self);
  g_signal_group_connect_swapped (self->tree_signals, "notify::loaded",
                                  G_CALLBACK (queue_rebuild), self);
  self->snapshots_signals = g_signal_group_new (G_TYPE_LIST_MODEL);
  g_signal_group_connect (self->snapshots_signals, "items-changed",
                          G_CALLBACK (on_snapshots_changed_cb), self);

  /* Relative times ("yesterday") go stale while the window stays open. */
  self->clock_id = g_timeout_add_seconds (60, refresh_times_cb, self);

  keys = gtk_event_controller_key_new ();
  g_signal_connect (keys, "key-pressed", G_CALLBACK (on_key_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self), keys);
}

/* Public ------------------------------------------------------------------- */

GtkWidget *
hearth_timeline_view_new (void)
{
  return g_object_new (HEARTH_TYPE_TIMELINE_VIEW, NULL);
}

HearthSnapshotTree *
hearth_timeline_view_get_tree (HearthTimelineView *self)
{
  g_return_val_if_fail (HEARTH_IS_TIMELINE_VIEW (self), NULL);

  return self->tree;
}

void
hearth_timeline_view_set_tree (HearthTimelineView *self,
                               HearthSnapshotTree *tree)
{
  g_return_if_fail (HEARTH_IS_TIMELINE_VIEW (self));
  g_return_if_fail (!tree || HEARTH_IS_SNAPSHOT_TREE (tree));

  if (!g_set_object (&self->tree, tree))
    return;

  g_signal_group_set_target (self->tree_signals, tree);
  g_signal_group_set_target (self->snapshots_signals,
                             tree ? hearth_snapshot_tree_get_snapshots (tree) : NULL);
  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TREE]);
}

HearthSnapshot *
hearth_timeline_view_get_selected (HearthTimelineView *self)
{
  g_return_val_if_fail (HEARTH_IS_TIMELINE_VIEW (self), NULL);

  return self->selected;
}

void
hearth_timeline_view_set_selected (HearthTimelineView *self,
                                   HearthSnapshot     *snapshot)
{
  Node *node;

  g_return_if_fail (HEARTH_IS_TIMELINE_VIEW (self));
  g_return_if_fail (!snapshot || HEARTH_IS_SNAPSHOT (snapshot));

  if (self->selected == snapshot)
    return;

  if ((node = selected_node (self)))
    {
      gtk_widget_remove_css_class (node->card, "selected");
      gtk_accessible_update_state (GTK_ACCESSIBLE (node->card),
                                   GTK_ACCESSIBLE_STATE_SELECTED, FALSE, -1);
    }

  g_set_object (&self->selected, snapshot);

  if ((node = selected_node (self)))
    {
      gtk_widget_add_css_class (node->card, "selected");
      gtk_accessible_update_state (GTK_ACCESSIBLE (node->card),
                                   GTK_ACCESSIBLE_STATE_SELECTED, TRUE, -1);
    }

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SELECTED]);
}

/* Focus scrolls the card into view, which needs its place: wait for a frame
 * in which the card has been laid out. */
static gboolean
focus_tick_cb (GtkWidget     *widget,
               GdkFrameClock *frame_clock,
               gpointer       user_data)
{
  HearthTimelineView *self = HEARTH_TIMELINE_VIEW (widget);
  Node *node = selected_node (self);

  if (self->rebuild_id != 0 || (node != NULL && gtk_widget_get_width (node->card) == 0))
    return G_SOURCE_CONTINUE;

  self->focus_tick_id = 0;
  if (node != NULL)
    {
      gtk_widget_grab_focus (node->card);
      scroll_to_node (self, node);
    }
  return G_SOURCE_REMOVE;
}

/**
 * hearth_timeline_view_focus_selected:
 *
 * Moves keyboard focus to the selected card once it is laid out, which also
 * scrolls it into view: the window does this when the timeline first shows,
 * so the current snapshot is on screen and the arrow keys start from it.
 */
void
hearth_timeline_view_focus_selected (HearthTimelineView *self)
{
  g_return_if_fail (HEARTH_IS_TIMELINE_VIEW (self));

  if (self->focus_tick_id == 0)
    self->focus_tick_id = gtk_widget_add_tick_callback (GTK_WIDGET (self), focus_tick_cb,
                                                        NULL, NULL);
}

GtkOrientation
hearth_timeline_view_get_orientation (HearthTimelineView *self)
{
  g_return_val_if_fail (HEARTH_IS_TIMELINE_VIEW (self), GTK_ORIENTATION_HORIZONTAL);

  return self->orientation;
}

void
hearth_timeline_view_set_orientation (HearthTimelineView *self,
                                      GtkOrientation      orientation)
{
  g_return_if_fail (HEARTH_IS_TIMELINE_VIEW (self));

  if (self->orientation == orientation)
    return;

  self->orientation = orientation;
  gtk_widget_queue_resize (GTK_WIDGET (self));
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ORIENTATION]);
}
