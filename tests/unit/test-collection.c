/* test-collection.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "hearth-test-utils.h"

#define TIMEOUT_MS 10000

/* Mirrors a GListModel through its items-changed signals only, the way a list
 * widget sees it. If the signals ever disagree with the model, the mirror shows it. */
typedef struct
{
  GListModel *model;
  GPtrArray  *items;
  guint       n_signals;
} Mirror;

static void
mirror_items_changed_cb (GListModel *model,
                         guint       position,
                         guint       removed,
                         guint       added,
                         Mirror     *mirror)
{
  mirror->n_signals++;
  g_assert_cmpuint (position + removed, <=, mirror->items->len);
  g_ptr_array_remove_range (mirror->items, position, removed);
  for (guint i = 0; i < added; i++)
    g_ptr_array_insert (mirror->items, position + i, g_list_model_get_item (model, position + i));
}

static void
mirror_check (Mirror *mirror)
{
  guint n = g_list_model_get_n_items (mirror->model);

  g_assert_cmpuint (mirror->items->len, ==, n);
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (mirror->model, i);

      g_assert_true (item == g_ptr_array_index (mirror->items, i));
    }
}

static char **
display_names (GListModel *model)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < g_list_model_get_n_items (model); i++)
    {
      g_autoptr(HearthMachine) machine = g_list_model_get_item (model, i);

      g_strv_builder_add (builder, hearth_machine_get_display_name (machine));
    }
  return g_strv_builder_end (builder);
}

static HearthMachine *
define (HearthConnection *connection,
        const char       *name,
        const char       *uuid,
        const char       *title)
{
  g_autofree char *xml = g_markup_printf_escaped (
    "<domain type='test'><name>%s</name><uuid>%s</uuid><title>%s</title>"
    "<memory>262144</memory><os><type>hvm</type></os></domain>",
    name, uuid, title);

  return hearth_test_define_machine (connection, xml, TIMEOUT_MS);
}

static gboolean
display_name_is (gpointer user_data)
{
  gpointer *args = user_data;

  return g_strcmp0 (hearth_machine_get_display_name (args[0]), args[1]) == 0;
}

static void
test_sort_filter (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-fixture.xml");
  g_autoptr(HearthConnection) fixture = hearth_test_open_connection (uri);
  g_autoptr(HearthConnection) demo = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthMachineCollection) collection = hearth_machine_collection_new ();
  GListModel *model = G_LIST_MODEL (collection);
  Mirror mirror = { model, g_ptr_array_new_with_free_func (g_object_unref), 0 };
  g_auto(GStrv) names = NULL;
  g_autoptr(HearthMachine) added = NULL;
  const char *expected[] = {
    "Alpha Workstation", "beta", "gamma-from-another-tool", "孩子的电脑 🧸", NULL,
  };

  g_signal_connect (model, "items-changed", G_CALLBACK (mirror_items_changed_cb), &mirror);
  g_assert_true (g_list_model_get_item_type (model) == HEARTH_TYPE_MACHINE);

  hearth_machine_collection_add_connection (collection, fixture);
  mirror_check (&mirror);
  /* A whole connection arrives as one change. */
  g_assert_cmpuint (mirror.n_signals, ==, 1);
  g_assert_cmpuint (hearth_machine_collection_get_n_total (collection), ==, 4);
  names = display_names (model);
  g_assert_cmpstrv (names, expected);

  /* Search is case-insensitive, covers name and title, and keeps the total. */
  hearth_machine_collection_set_search (collection, "BETA");
  mirror_check (&mirror);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  g_assert_cmpuint (hearth_machine_collection_get_n_total (collection), ==, 4);
  hearth_machine_collection_set_search (collection, "沙盒");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  hearth_machine_collection_set_search (collection, "🧸");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  hearth_machine_collection_set_search (collection, "  alpha ");
  g_assert_cmpstr (hearth_machine_collection_get_search (collection), ==, "alpha");
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 1);
  hearth_machine_collection_set_search (collection, "no such machine");
  mirror_check (&mirror);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 0);
  g_assert_cmpuint (hearth_machine_collection_get_n_total (collection), ==, 4);
  hearth_machine_collection_set_search (collection, NULL);
  mirror_check (&mirror);
  g_assert_cmpuint (g_list_model_get_n_items (model), ==, 4);

  /* A second connection merges in order. */
  hearth_machine_collection_add_connection (collection, demo);
  mirror_check (&mirror);
  g_assert_cmpuint (hearth_machine_collection_get_n_total (collection), ==, 5);
  g_assert_true (hearth_machine_collection_find (collection, "test") != NULL);
  g_assert_true (hearth_machine_collection_find (collection, "beta") != NULL);
  g_assert_null (hearth_machine_collection_find (collection, "nobody"));

  /* A new machine lands in its sorted place. */
  added = define (fixture, "aardvark", "8a9c1d22-0000-4000-8000-0000000000f1", "Aardvark");
  mirror_check (&mirror);
  {
    g_autoptr(HearthMachine) first = g_list_model_get_item (model, 0);

    g_assert_true (first == added);
  }

  /* A renamed title moves it; libvirt's define event brings the new title. */
  {
    g_autoptr(HearthMachine) again = define (fixture, "aardvark",
                                             "8a9c1d22-0000-4000-8000-0000000000f1", "Zebra");
    gpointer args[] = { added, (gpointer) "Zebra" };
    g_auto(GStrv) order = NULL;
    const char *expected_order[] = {
      "Alpha Workstation", "beta", "gamma-from-another-tool", "test", "Zebra", "孩子的电脑 🧸",
      NULL,
    };

    g_assert_true (again == added);
    g_assert_true (hearth_test_wait (display_name_is, args, TIMEOUT_MS));
    mirror_check (&mirror);
    order = display_names (model);
    g_assert_cmpstrv (order, expected_order);
  }

  hearth_machine_collection_remove_connection (collection, demo);
  mirror_check (&mirror);
  g_assert_cmpuint (hearth_machine_collection_get_n_total (collection), ==, 5);
  g_assert_null (hearth_machine_collection_find (collection, "test"));

  g_ptr_array_unref (mirror.items);
  g_signal_handlers_disconnect_by_data (model, &mirror);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_core_init ();

  g_test_add_func ("/core/collection/sort-filter", test_sort_filter);

  ret = g_test_run ();
  /* Let closed connections finish their teardown before exit. */
  g_assert_true (hearth_core_drain (30000));
  return ret;
}
