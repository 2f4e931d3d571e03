/* test-hearthctl-stats.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * hearthctl stats, run as a program against the test driver with the CLI
 * fixture (alpha shut off, bravo running, charlie paused, a fourth running
 * machine with an odd name). The test driver reports no machine figures, so
 * they must come out as "—" in the table and null in JSON; its host reports
 * the memory size and the number of CPUs.
 */

#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#define ODD_NAME "家庭实验室-🔥-<&>'\""

typedef struct
{
  int   status;
  char *out;
  char *err;
} Result;

static void
result_free (Result *result)
{
  g_free (result->out);
  g_free (result->err);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

static Result *run_on (const char *uri,
                       const char *first,
                       ...) G_GNUC_NULL_TERMINATED;

#define run(...) run_on ("test://" FIXTURE_PATH, __VA_ARGS__)

static Result *
run_on (const char *uri,
        const char *first,
        ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_get_environ ();
  Result *result = g_new0 (Result, 1);
  int wait_status = 0;
  va_list args;

  g_ptr_array_add (argv, g_strdup (HEARTHCTL_PATH));
  g_ptr_array_add (argv, g_strdup ("--connect"));
  g_ptr_array_add (argv, g_strdup (uri));
  va_start (args, first);
  for (const char *arg = first; arg != NULL; arg = va_arg (args, const char *))
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  envp = g_environ_setenv (envp, "LC_ALL", "C.UTF-8", TRUE);
  g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL, &result->out,
                &result->err, &wait_status, &error);
  g_assert_no_error (error);
  result->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : -1;
  return result;
}

static JsonObject *
parse_object (JsonParser *parser,
              const char *line)
{
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_node_get_object (root);
}

static void
test_table (void)
{
  g_autoptr(Result) result = run ("stats", "--interval", "0.25", NULL);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (result->status, ==, 0);
  lines = g_strsplit (result->out, "\n", -1);
  /* Host line, headings, the three machines the tick saw running or paused,
   * and the empty string after the last newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, 6);
  g_assert_cmpstr (lines[0], ==, "Host: CPU —, memory — (—)");
  g_assert_true (g_str_has_prefix (lines[1], "NAME "));
  g_assert_nonnull (strstr (lines[1], "  CPU  MEMORY  DISK READ  DISK WRITE  NET RX  NET TX"));
  g_assert_true (g_str_has_prefix (lines[2], "bravo "));
  g_assert_true (g_str_has_prefix (lines[3], "charlie "));
  g_assert_true (g_str_has_prefix (lines[4], ODD_NAME "  "));
  /* The shut-off machine has no figures to show. */
  g_assert_null (strstr (result->out, "alpha"));
  /* Unreported figures are dashes, lined up under their headings: every row
   * ends with the NET TX column's right edge. */
  for (int i = 2; i <= 4; i++)
    g_assert_true (g_str_has_suffix (lines[i], "       —"));
  g_assert_cmpstr (lines[5], ==, "");
}

static void
test_count (void)
{
  g_autoptr(Result) result = run ("stats", "--interval", "0.25", "--count", "3", NULL);
  g_auto(GStrv) blocks = NULL;

  g_assert_cmpint (result->status, ==, 0);
  /* Three reports, separated by blank lines. */
  blocks = g_strsplit (result->out, "\n\n", -1);
  g_assert_cmpuint (g_strv_length (blocks), ==, 3);
  for (int i = 0; i < 3; i++)
    g_assert_true (g_str_has_prefix (blocks[i], "Host: CPU "));
}

static void
test_json (void)
{
  g_autoptr(Result) result = run ("stats", "--json", "--interval", "0.25", "--count", "2", NULL);
  g_auto(GStrv) lines = NULL;

  g_assert_cmpint (result->status, ==, 0);
  lines = g_strsplit (result->out, "\n", -1);
  /* JSON Lines: one object per report. */
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[2], ==, "");

  for (int i = 0; i < 2; i++)
    {
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *report = parse_object (parser, lines[i]);
      JsonObject *host = json_object_get_object_member (report, "host");
      JsonObject *host_counters = json_object_get_object_member (host, "counters");
      JsonArray *machines = json_object_get_array_member (report, "machines");
      JsonObject *bravo;

      g_assert_cmpfloat (json_object_get_double_member (report, "interval_seconds"), ==, 0.25);
      g_assert_nonnull (json_object_get_string_member (report, "time"));

      /* The test driver's host: a memory size and CPUs, no CPU time. */
      g_assert_cmpfloat (json_object_get_double_member (host, "memory_total_bytes"), >, 0);
      g_assert_true (json_object_get_null_member (host, "cpu_percent"));
      g_assert_false (json_object_has_member (host, "cpu_host_percent"));
      g_assert_cmpint (json_object_get_int_member (host_counters, "cpus"), >, 0);

      g_assert_cmpuint (json_array_get_length (machines), ==, 3);
      bravo = json_array_get_object_element (machines, 0);
      g_assert_cmpstr (json_object_get_string_member (bravo, "name"), ==, "bravo");
      g_assert_cmpstr (json_object_get_string_member (bravo, "state"), ==, "running");
      g_assert_cmpuint (strlen (json_object_get_string_member (bravo, "uuid")), ==, 36);
      /* NaN is not JSON: every figure is there, as null. */
      g_assert_true (json_object_get_null_member (bravo, "cpu_percent"));
      g_assert_true (json_object_get_null_member (bravo, "cpu_host_percent"));
      g_assert_true (json_object_get_null_member (bravo, "memory_used_bytes"));
      g_assert_true (json_object_get_null_member (bravo, "disk_read_bytes_per_second"));
      g_assert_true (json_object_get_null_member (bravo, "net_tx_bytes_per_second"));
      g_assert_true (JSON_NODE_HOLDS_OBJECT (json_object_get_member (bravo, "counters")));
      g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (machines, 2),
                                                      "name"), ==, ODD_NAME);
    }
}

static void
test_one_machine (void)
{
  g_autoptr(Result) result = run ("stats", "--json", "--interval", "0.25", "alpha", NULL);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *report;
  JsonArray *machines;
  JsonObject *alpha;

  g_assert_cmpint (result->status, ==, 0);
  report = parse_object (parser, result->out);
  machines = json_object_get_array_member (report, "machines");
  /* Asked for by name, a shut-off machine is reported, with nothing known. */
  g_assert_cmpuint (json_array_get_length (machines), ==, 1);
  alpha = json_array_get_object_element (machines, 0);
  g_assert_cmpstr (json_object_get_string_member (alpha, "name"), ==, "alpha");
  g_assert_cmpstr (json_object_get_string_member (alpha, "state"), ==, "shutoff");
  g_assert_true (json_object_get_null_member (alpha, "cpu_percent"));
  g_assert_true (json_object_get_null_member (alpha, "counters"));
}

static void
test_errors (void)
{
  g_autoptr(Result) unknown = run ("stats", "nobody", NULL);
  g_autoptr(Result) two = run ("stats", "alpha", "bravo", NULL);
  g_autoptr(Result) fast = run ("stats", "--interval", "0.1", NULL);
  g_autoptr(Result) negative = run ("stats", "--count", "-3", NULL);
  g_autoptr(Result) elsewhere = run ("list", "--count", "2", NULL);

  g_assert_cmpint (unknown->status, ==, 1);
  g_assert_nonnull (strstr (unknown->err, "There is no machine called “nobody”"));
  g_assert_cmpint (two->status, ==, 2);
  g_assert_cmpint (fast->status, ==, 2);
  g_assert_nonnull (strstr (fast->err, "--interval"));
  g_assert_cmpint (negative->status, ==, 2);
  g_assert_cmpint (elsewhere->status, ==, 2);
  g_assert_cmpstr (elsewhere->out, ==, "");
}

/* On a private qemu:///embed root the host's figures are real: the CPU use
 * is a percentage, and the memory in use fits in the memory there is. */
static void
test_embed_host (void)
{
  g_autofree char *root = g_dir_make_tmp ("hearthctl-stats-XXXXXX", NULL);
  g_autofree char *uri = g_strconcat ("qemu:///embed?root=", root, NULL);
  g_autoptr(Result) result = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *host;
  double cpu, used, total;

  g_assert_nonnull (root);
  result = run_on (uri, "stats", "--json", "--interval", "0.5", NULL);
  g_assert_cmpint (result->status, ==, 0);
  host = json_object_get_object_member (parse_object (parser, result->out), "host");

  cpu = json_object_get_double_member (host, "cpu_percent");
  used = json_object_get_double_member (host, "memory_used_bytes");
  total = json_object_get_double_member (host, "memory_total_bytes");
  g_test_message ("host: CPU %.1f %%, memory %.0f of %.0f bytes", cpu, used, total);
  g_assert_cmpfloat (cpu, >=, 0);
  g_assert_cmpfloat (cpu, <=, 100);
  g_assert_cmpfloat (total, >, 0);
  g_assert_cmpfloat (used, >, 0);
  g_assert_cmpfloat (used, <=, total);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (
                      json_node_get_object (json_parser_get_root (parser)), "machines")), ==, 0);

  /* The embed root holds only what libvirt made for this run. */
  {
    const char *rm[] = { "rm", "-rf", root, NULL };

    g_spawn_sync (NULL, (char **) rm, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL,
                  NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/cli/stats/table", test_table);
  g_test_add_func ("/cli/stats/count", test_count);
  g_test_add_func ("/cli/stats/json", test_json);
  g_test_add_func ("/cli/stats/one-machine", test_one_machine);
  g_test_add_func ("/cli/stats/errors", test_errors);
  g_test_add_func ("/cli/stats/embed-host", test_embed_host);

  return g_test_run ();
}
