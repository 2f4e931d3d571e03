/* hearth-machine-collection.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-collection"

#include "config.h"

#include <string.h>

#include "hearth-core-private.h"

/**
 * HearthMachineCollection:
 *
 * The machines of every connection added to it, as one #GListModel sorted by
 * display name (in the user's collation order) and filtered by #HearthMachineCollection:search.
 * Main thread only.
 *
 * Large changes (a connection listing a thousand machines) are applied as one
 * items-changed signal; single changes move one item.
 */
struct _HearthMachineCollection
{
  GObject parent_instance;

  GListStore *connections;   /* owned; HearthConnection */
  GHashTable *keys;          /* HearthMachine → MachineKeys; every machine we know */
  GPtrArray  *visible;       /* HearthMachine (borrowed from keys), sorted, filtered */
  char       *search;        /* casefolded, normalized; NULL or "" shows all */
  char       *search_raw;
};

typedef struct
{
  char *collate_key;   /* sort key of the display name */
  char *folded;        /* casefolded display name + "\n" + name, for search */
} MachineKeys;

static void list_model_iface_init (GListModelInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (HearthMachineCollection, hearth_machine_collection, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (G_TYPE_LIST_MODEL, list_model_iface_init))

enum
{
  PROP_0,
  PROP_SEARCH,
  PROP_N_TOTAL,
  PROP_N_ITEMS,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static char *
fold (const char *text)
{
  g_autofree char *normalized = g_utf8_normalize (text ? text : "", -1, G_NORMALIZE_ALL);

  return g_utf8_casefold (normalized ? normalized : "", -1);
}

static void
machine_keys_free (MachineKeys *keys)
{
  g_free (keys->collate_key);
  g_free (keys->folded);
  g_free (keys);
}

static void
compute_keys (MachineKeys   *keys,
              HearthMachine *machine)
{
  g_autofree char *display = fold (hearth_machine_get_display_name (machine));
  g_autofree char *name = fold (hearth_machine_get_name (machine));

  g_free (keys->collate_key);
  g_free (keys->folded);
  keys->collate_key = g_utf8_collate_key (display, -1);
  keys->folded = g_strconcat (display, "\n", name, NULL);
}

static int
compare_machines (gconstpointer a,
                  gconstpointer b,
                  gpointer      user_data)
{
  HearthMachineCollection *self = user_data;
  HearthMachine *ma = *(HearthMachine **) a;
  HearthMachine *mb = *(HearthMachine **) b;
  MachineKeys *ka = g_hash_table_lookup (self->keys, ma);
  MachineKeys *kb = g_hash_table_lookup (self->keys, mb);
  int ret = strcmp (ka->collate_key, kb->collate_key);

  /* Equal names keep a stable order by UUID. */
  if (ret == 0)
    ret = g_strcmp0 (hearth_machine_get_uuid (ma), hearth_machine_get_uuid (mb));
  return ret;
}

static gboolean
matches (HearthMachineCollection *self,
         HearthMachine           *machine)
{
  MachineKeys *keys;

  if (self->search == NULL || self->search[0] == '\0')
    return TRUE;

  keys = g_hash_table_lookup (self->keys, machine);
  return strstr (keys->folded, self->search) != NULL;
}

/* Binary search for where @machine goes (or is) in the visible list. */
static guint
find_position (HearthMachineCollection *self,
               HearthMachine           *machine)
{
  guint lo = 0;
  guint hi = self->visible->len;

  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;

      if (compare_machines (&self->visible->pdata[mid], &machine, self) < 0)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

static void
notify_counts (HearthMachineCollection *self,
               gboolean                 total_changed,
               gboolean                 visible_changed)
{
  if (total_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_TOTAL]);
  if (visible_changed)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ITEMS]);
}

static void
insert_visible (HearthMachineCollection *self,
                HearthMachine           *machine)
{
  guint position = find_position (self, machine);

  g_ptr_array_insert (self->visible, position, machine);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 0, 1);
}

static gboolean
remove_visible (HearthMachineCollection *self,
                HearthMachine           *machine)
{
  guint position;

  if (!g_ptr_array_find (self->visible, machine, &position))
    return FALSE;

  g_ptr_array_remove_index (self->visible, position);
  g_list_model_items_changed (G_LIST_MODEL (self), position, 1, 0);
  return TRUE;
}

/* Rebuilds the visible list from scratch: one signal for any amount of change. */
static void
rebuild (HearthMachineCollection *self)
{
  guint old_len = self->visible->len;
  GHashTableIter iter;
  HearthMachine *machine;

  g_ptr_array_set_size (self->visible, 0);
  g_hash_table_iter_init (&iter, self->keys);
  while (g_hash_table_iter_next (&iter, (gpointer *) &machine, NULL))
    if (matches (self, machine))
      g_ptr_array_add (self->visible, machine);
  g_ptr_array_sort_with_data (self->visible, compare_machines, self);

  if (old_len > 0 || self->visible->len > 0)
    g_list_model_items_changed (G_LIST_MODEL (self), 0, old_len, self->visible->len);
  notify_counts (self, FALSE, old_len != self->visible->len);
}

static void
on_machine_display_name_cb (HearthMachine           *machine,
                            GParamSpec              *pspec,
                            HearthMachineCollection *self)
{
  MachineKeys *keys = g_hash_table_lookup (self->keys, machine);
  gboolean was_visible;

  if (keys == NULL)
    return;

  was_visible = remove_visible (self, machine);
  compute_keys (keys, machine);
  if (matches (self, machine))
    insert_visible (self, machine);
  if (was_visible != matches (self, machine))
    notify_counts (self, FALSE, TRUE);
}

static void
track_machine (HearthMachineCollection *self,
               HearthMachine           *machine)
{
  MachineKeys *keys = g_new0 (MachineKeys, 1);

  compute_keys (keys, machine);
  g_hash_table_insert (self->keys, g_object_ref (machine), keys);
  g_signal_connect_object (machine, "notify::display-name",
                           G_CALLBACK (on_machine_display_name_cb), self, 0);
  g_signal_connect_object (machine, "notify::name", G_CALLBACK (on_machine_display_name_cb), self,
                           0);
}

static void
untrack_machine (HearthMachineCollection *self,
                 HearthMachine           *machine)
{
  g_signal_handlers_disconnect_by_data (machine, self);
  g_hash_table_remove (self->keys, machine);
}

/* A connection's store changed: find which machines came and went. GListStore does
 * not tell which items were removed, so removals are found by comparing with the
 * machines we track for that connection. */
static void
on_connection_items_changed_cb (GListModel              *machines,
                                guint                    position,
                                guint                    removed,
                                guint                    added,
                                HearthMachineCollection *self)
{
  g_autoptr(GHashTable) present = g_hash_table_new (NULL, NULL);
  g_autoptr(GPtrArray) gone = g_ptr_array_new ();
  GHashTableIter iter;
  HearthMachine *machine;
  guint n = g_list_model_get_n_items (machines);
  guint n_total = g_hash_table_size (self->keys);
  guint n_visible = self->visible->len;

  if (removed > 0)
    {
      for (guint i = 0; i < n; i++)
        {
          g_autoptr(HearthMachine) item = g_list_model_get_item (machines, i);

          g_hash_table_add (present, item);
        }

      /* The machines we track for this store that are no longer in it. */
      g_hash_table_iter_init (&iter, self->keys);
      while (g_hash_table_iter_next (&iter, (gpointer *) &machine, NULL))
        if (!g_hash_table_contains (present, machine)
            && g_object_get_data (G_OBJECT (machine), "hearth-collection-store") == machines)
          g_ptr_array_add (gone, machine);
    }

  if (removed + added > 1)
    {
      for (guint i = 0; i < gone->len; i++)
        untrack_machine (self, g_ptr_array_index (gone, i));
      for (guint i = position; i < position + added; i++)
        {
          g_autoptr(HearthMachine) item = g_list_model_get_item (machines, i);

          if (!g_hash_table_contains (self->keys, item))
            {
              g_object_set_data (G_OBJECT (item), "hearth-collection-store", machines);
              track_machine (self, item);
            }
        }
      rebuild (self);
    }
  else
    {
      for (guint i = 0; i < gone->len; i++)
        {
          HearthMachine *m = g_ptr_array_index (gone, i);

          remove_visible (self, m);
          untrack_machine (self, m);
        }
      if (added == 1)
        {
          g_autoptr(HearthMachine) item = g_list_model_get_item (machines, position);

          g_object_set_data (G_OBJECT (item), "hearth-collection-store", machines);
          track_machine (self, item);
          if (matches (self, item))
            insert_visible (self, item);
        }
      notify_counts (self, FALSE, n_visible != self->visible->len);
    }

  notify_counts (self, n_total != g_hash_table_size (self->keys), FALSE);
}

static gpointer
get_item (GListModel *model,
          guint       position)
{
  HearthMachineCollection *self = HEARTH_MACHINE_COLLECTION (model);

  if (position >= self->visible->len)
    return NULL;
  return g_object_ref (g_ptr_array_index (self->visible, position));
}

static GType
get_item_type (GListModel *model)
{
  return HEARTH_TYPE_MACHINE;
}

static guint
get_n_items (GListModel *model)
{
  return HEARTH_MACHINE_COLLECTION (model)->visible->len;
}

static void
list_model_iface_init (GListModelInterface *iface)
{
  iface->get_item = get_item;
  iface->get_item_type = get_item_type;
  iface->get_n_items = get_n_items;
}

static void
hearth_machine_collection_dispose (GObject *object)
{
  HearthMachineCollection *self = HEARTH_MACHINE_COLLECTION (object);

  while (self->connections && g_list_model_get_n_items (G_LIST_MODEL (self->connections)) > 0)
    {
      g_autoptr(HearthConnection) connection = g_list_model_get_item (
        G_LIST_MODEL (self->connections), 0);

      hearth_machine_collection_remove_connection (self, connection);
    }

  G_OBJECT_CLASS (hearth_machine_collection_parent_class)->dispose (object);
}

static void
hearth_machine_collection_finalize (GObject *object)
{
  HearthMachineCollection *self = HEARTH_MACHINE_COLLECTION (object);

  g_clear_object (&self->connections);
  g_clear_pointer (&self->visible, g_ptr_array_unref);
  g_clear_pointer (&self->keys, g_hash_table_unref);
  g_free (self->search);
  g_free (self->search_raw);

  G_OBJECT_CLASS (hearth_machine_collection_parent_class)->finalize (object);
}

static void
hearth_machine_collection_get_property (GObject    *object,
                                        guint       prop_id,
                                        GValue     *value,
                                        GParamSpec *pspec)
{
  HearthMachineCollection *self = HEARTH_MACHINE_COLLECTION (object);

  switch (prop_id)
    {
    case PROP_SEARCH:
      g_value_set_string (value, self->search_raw);
      break;
    case PROP_N_TOTAL:
      g_value_set_uint (value, hearth_machine_collection_get_n_total (self));
      break;
    case PROP_N_ITEMS:
      g_value_set_uint (value, self->visible->len);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_machine_collection_set_property (GObject      *object,
                                        guint         prop_id,
                                        const GValue *value,
                                        GParamSpec   *pspec)
{
  HearthMachineCollection *self = HEARTH_MACHINE_COLLECTION (object);

  switch (prop_id)
    {
    case PROP_SEARCH:
      hearth_machine_collection_set_search (self, g_value_get_string (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_machine_collection_class_init (HearthMachineCollectionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_machine_collection_dispose;
  object_class->finalize = hearth_machine_collection_finalize;
  object_class->get_property = hearth_machine_collection_get_property;
  object_class->set_property = hearth_machine_collection_set_property;

  /** HearthMachineCollection:search: Text a visible machine's name must contain. */
  properties[PROP_SEARCH] = g_param_spec_string ("search", NULL, NULL, NULL,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                   | G_PARAM_STATIC_STRINGS);
  /** HearthMachineCollection:n-total: The number of machines, ignoring the search. */
  properties[PROP_N_TOTAL] = g_param_spec_uint ("n-total", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthMachineCollection:n-items: The number of visible machines. */
  properties[PROP_N_ITEMS] = g_param_spec_uint ("n-items", NULL, NULL, 0, G_MAXUINT, 0,
                                                G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hearth_machine_collection_init (HearthMachineCollection *self)
{
  self->connections = g_list_store_new (HEARTH_TYPE_CONNECTION);
  self->keys = g_hash_table_new_full (NULL, NULL, g_object_unref,
                                      (GDestroyNotify) machine_keys_free);
  self->visible = g_ptr_array_new ();
}

/**
 * hearth_machine_collection_new:
 *
 * Returns: (transfer full): an empty collection
 */
HearthMachineCollection *
hearth_machine_collection_new (void)
{
  return g_object_new (HEARTH_TYPE_MACHINE_COLLECTION, NULL);
}

/**
 * hearth_machine_collection_add_connection:
 *
 * Shows the machines of @connection, now and as they change.
 */
void
hearth_machine_collection_add_connection (HearthMachineCollection *self,
                                          HearthConnection        *connection)
{
  GListModel *machines;
  guint n;

  g_return_if_fail (HEARTH_IS_MACHINE_COLLECTION (self));
  g_return_if_fail (HEARTH_IS_CONNECTION (connection));

  if (g_list_store_find (self->connections, connection, NULL))
    return;

  g_list_store_append (self->connections, connection);
  machines = hearth_connection_get_machines (connection);
  g_signal_connect_object (machines, "items-changed", G_CALLBACK (on_connection_items_changed_cb),
                           self, 0);

  if ((n = g_list_model_get_n_items (machines)) > 0)
    on_connection_items_changed_cb (machines, 0, 0, n, self);
}

/**
 * hearth_machine_collection_remove_connection:
 *
 * Stops showing the machines of @connection.
 */
void
hearth_machine_collection_remove_connection (HearthMachineCollection *self,
                                             HearthConnection        *connection)
{
  GListModel *machines;
  guint position;
  guint n;

  g_return_if_fail (HEARTH_IS_MACHINE_COLLECTION (self));
  g_return_if_fail (HEARTH_IS_CONNECTION (connection));

  if (!g_list_store_find (self->connections, connection, &position))
    return;

  machines = hearth_connection_get_machines (connection);
  g_signal_handlers_disconnect_by_data (machines, self);

  n = g_list_model_get_n_items (machines);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthMachine) machine = g_list_model_get_item (machines, i);

      if (g_hash_table_contains (self->keys, machine))
        untrack_machine (self, machine);
    }
  g_list_store_remove (self->connections, position);

  rebuild (self);
  notify_counts (self, TRUE, FALSE);
}

/**
 * hearth_machine_collection_get_connections:
 *
 * Returns: (transfer none): a #GListModel of the #HearthConnection added
 */
GListModel *
hearth_machine_collection_get_connections (HearthMachineCollection *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_COLLECTION (self), NULL);
  return G_LIST_MODEL (self->connections);
}

/** hearth_machine_collection_get_search: Returns: (transfer none) (nullable): the search */
const char *
hearth_machine_collection_get_search (HearthMachineCollection *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_COLLECTION (self), NULL);
  return self->search_raw;
}

/**
 * hearth_machine_collection_set_search:
 * @search: (nullable): text to look for in machine names, case-insensitively
 */
void
hearth_machine_collection_set_search (HearthMachineCollection *self,
                                      const char              *search)
{
  g_autofree char *stripped = NULL;

  g_return_if_fail (HEARTH_IS_MACHINE_COLLECTION (self));

  stripped = g_strstrip (g_strdup (search ? search : ""));
  if (g_strcmp0 (self->search_raw ? self->search_raw : "", stripped) == 0)
    return;

  g_free (self->search_raw);
  self->search_raw = g_steal_pointer (&stripped);
  g_free (self->search);
  self->search = fold (self->search_raw);

  rebuild (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEARCH]);
}

/** hearth_machine_collection_get_n_total: Returns: the number of machines, ignoring search */
guint
hearth_machine_collection_get_n_total (HearthMachineCollection *self)
{
  g_return_val_if_fail (HEARTH_IS_MACHINE_COLLECTION (self), 0);
  return g_hash_table_size (self->keys);
}

/**
 * hearth_machine_collection_find:
 * @name_or_uuid: a UUID, a name or a title
 *
 * Looks in every connection, ignoring the search.
 *
 * Returns: (transfer none) (nullable): the machine, or %NULL
 */
HearthMachine *
hearth_machine_collection_find (HearthMachineCollection *self,
                                const char              *name_or_uuid)
{
  guint n;

  g_return_val_if_fail (HEARTH_IS_MACHINE_COLLECTION (self), NULL);
  g_return_val_if_fail (name_or_uuid != NULL, NULL);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->connections));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(HearthConnection) connection = g_list_model_get_item (
        G_LIST_MODEL (self->connections), i);
      HearthMachine *machine = hearth_connection_find_machine (connection, name_or_uuid);

      if (machine != NULL)
        return machine;
    }
  return NULL;
}
