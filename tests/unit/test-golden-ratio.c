/* test-golden-ratio.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "hearth-test-utils.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)

/* Verdicts on plain numbers: a 16-thread, 32 GiB host has a budget of 9.89 vCPUs
 * and 19.78 GiB; tight starts above 90 % of that (8.9 vCPUs, 17.8 GiB). */
static void
test_numbers (void)
{
  static const struct
  {
    guint running_vcpus;
    guint64 running_memory;
    guint new_vcpus;
    guint64 new_memory;
    HearthGoldenFit cpu;
    HearthGoldenFit memory;
  } cases[] = {
    { 0, 0, 4, 8 * GIB, HEARTH_GOLDEN_FIT_FITS, HEARTH_GOLDEN_FIT_FITS },
    { 4, 8 * GIB, 4, 8 * GIB, HEARTH_GOLDEN_FIT_FITS, HEARTH_GOLDEN_FIT_FITS },
    { 4, 8 * GIB, 5, 10 * GIB, HEARTH_GOLDEN_FIT_TIGHT, HEARTH_GOLDEN_FIT_TIGHT },
    { 8, 8 * GIB, 2, 2 * GIB, HEARTH_GOLDEN_FIT_OVER, HEARTH_GOLDEN_FIT_FITS },
    { 0, 16 * GIB, 1, 4 * GIB, HEARTH_GOLDEN_FIT_FITS, HEARTH_GOLDEN_FIT_OVER },
    { 0, 0, 16, 32 * GIB, HEARTH_GOLDEN_FIT_OVER, HEARTH_GOLDEN_FIT_OVER },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      HearthGoldenVerdict v;

      hearth_golden_ratio_check_numbers (16, 32 * GIB, cases[i].running_vcpus,
                                         cases[i].running_memory, cases[i].new_vcpus,
                                         cases[i].new_memory, &v);
      g_test_message ("case %u: cpu %.3f memory %.3f", i, v.cpu_share, v.memory_share);
      g_assert_cmpint (v.cpu_fit, ==, cases[i].cpu);
      g_assert_cmpint (v.memory_fit, ==, cases[i].memory);
      g_assert_cmpint (v.fit, ==, MAX (cases[i].cpu, cases[i].memory));
      g_assert_cmpfloat_with_epsilon (v.budget_vcpus, 16 * HEARTH_GOLDEN_SHARE, 1e-9);
      g_assert_cmpuint (v.running_vcpus, ==, cases[i].running_vcpus);
      g_assert_cmpuint (v.new_memory, ==, cases[i].new_memory);
    }
}

static void
test_edges (void)
{
  HearthGoldenVerdict v;

  /* Exactly the budget is not over: 10 threads give 6.18, 5 + 1 = 6 vCPUs fit… */
  hearth_golden_ratio_check_numbers (10, 100 * GIB, 5, 0, 1, GIB, &v);
  g_assert_cmpint (v.cpu_fit, ==, HEARTH_GOLDEN_FIT_TIGHT);
  /* …and one more is over. */
  hearth_golden_ratio_check_numbers (10, 100 * GIB, 6, 0, 1, GIB, &v);
  g_assert_cmpint (v.cpu_fit, ==, HEARTH_GOLDEN_FIT_OVER);

  /* A host that reports nothing has no room. */
  hearth_golden_ratio_check_numbers (0, 0, 0, 0, 1, GIB, &v);
  g_assert_cmpint (v.fit, ==, HEARTH_GOLDEN_FIT_OVER);

  g_assert_cmpuint (hearth_golden_ratio_max_vcpus (2), ==, 1);
  g_assert_cmpuint (hearth_golden_ratio_max_vcpus (8), ==, 4);
  g_assert_cmpuint (hearth_golden_ratio_max_vcpus (16), ==, 9);
  g_assert_cmpuint (hearth_golden_ratio_max_vcpus (1), ==, 1);
  g_assert_cmpuint (hearth_golden_ratio_max_memory (16 * GIB), ==,
                    10125 * (G_GUINT64_CONSTANT (1) << 20));
  g_assert_cmpstr (hearth_golden_fit_to_string (HEARTH_GOLDEN_FIT_TIGHT), ==, "tight");
}

/* The check over real machines: the test driver's "test" domain runs with 2 vCPUs
 * and 8 GiB (see tests/data/hearth-fixture.xml for others). */
static void
test_machines (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthHostProfile) host = hearth_host_profile_new (16, 8, 32 * GIB, 0);
  GListModel *machines = hearth_connection_get_machines (connection);
  HearthMachine *test = hearth_connection_find_machine (connection, "test");
  guint running_vcpus = 0;
  guint64 running_memory = 0;
  HearthGoldenVerdict v;

  g_assert_nonnull (test);
  g_assert_true (hearth_machine_is_active (test));
  for (guint i = 0; i < g_list_model_get_n_items (machines); i++)
    {
      g_autoptr(HearthMachine) m = g_list_model_get_item (machines, i);

      if (hearth_machine_is_active (m))
        {
          running_vcpus += hearth_machine_get_vcpus (m);
          running_memory += hearth_machine_get_memory (m);
        }
    }
  g_assert_cmpuint (running_vcpus, >, 0);

  hearth_golden_ratio_check (host, machines, NULL, 1, GIB, &v);
  g_assert_cmpuint (v.running_vcpus, ==, running_vcpus);
  g_assert_cmpuint (v.running_memory, ==, running_memory);
  g_assert_cmpuint (v.new_vcpus, ==, 1);

  /* Starting a running machine again does not count it twice. */
  hearth_golden_ratio_check_start (host, machines, test, &v);
  g_assert_cmpuint (v.running_vcpus, ==, running_vcpus - hearth_machine_get_vcpus (test));
  g_assert_cmpuint (v.new_vcpus, ==, hearth_machine_get_vcpus (test));

  /* With nothing else: only the new machine counts. */
  hearth_golden_ratio_check (host, NULL, NULL, 9, 9 * GIB, &v);
  g_assert_cmpint (v.cpu_fit, ==, HEARTH_GOLDEN_FIT_TIGHT);
  g_assert_cmpint (v.memory_fit, ==, HEARTH_GOLDEN_FIT_FITS);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add_func ("/core/golden-ratio/numbers", test_numbers);
  g_test_add_func ("/core/golden-ratio/edges", test_edges);
  g_test_add_func ("/core/golden-ratio/machines", test_machines);

  return g_test_run ();
}
