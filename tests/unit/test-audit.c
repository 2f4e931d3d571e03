/* test-audit.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "hearth-core-private.h"

static JsonObject *
parse_line (const char *line)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, line, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_default_path (void)
{
  g_autofree char *path = hearth_audit_dup_path ();
  g_autofree char *expected = g_build_filename (g_get_user_state_dir (), "hearth", "audit.jsonl",
                                                NULL);

  g_assert_cmpstr (path, ==, expected);
}

static void
test_record (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = hearth_audit_dup_path ();
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(JsonObject) ok = NULL;
  g_autoptr(JsonObject) failed = NULL;

  g_set_error (&error, HEARTH_ERROR, HEARTH_ERROR_NOT_RUNNING, "not running");
  hearth_audit_record ("qemu+ssh://me:secret@example.org/system", "家庭 <&>", "uuid-1", "start",
                       NULL, 1500);
  hearth_audit_record ("test:///default", "m", "uuid-2", "pause", error, 250);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  g_assert_null (strstr (contents, "secret"));
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[2], ==, "");

  ok = parse_line (lines[0]);
  g_assert_cmpstr (json_object_get_string_member (ok, "connection"), ==,
                   "qemu+ssh://me@example.org/system");
  g_assert_cmpstr (json_object_get_string_member (ok, "machine"), ==, "家庭 <&>");
  g_assert_cmpstr (json_object_get_string_member (ok, "operation"), ==, "start");
  g_assert_cmpstr (json_object_get_string_member (ok, "result"), ==, "ok");
  g_assert_cmpfloat (json_object_get_double_member (ok, "duration_ms"), ==, 1.5);
  g_assert_true (json_object_has_member (ok, "time"));
  g_assert_false (json_object_has_member (ok, "error"));

  failed = parse_line (lines[1]);
  g_assert_cmpstr (json_object_get_string_member (failed, "result"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (failed, "error"), ==, "not running");
}

static gpointer
writer_thread (gpointer data)
{
  for (int i = 0; i < 200; i++)
    hearth_audit_record ("test:///default", "concurrent", NULL, "start", NULL, i);
  return NULL;
}

static void
test_threads (void)
{
  g_autofree char *path = g_build_filename (g_get_user_state_dir (), "threads.jsonl", NULL);
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  GThread *threads[4];

  hearth_audit_set_path (path);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("writer", writer_thread, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  hearth_audit_set_path (NULL);

  g_assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  lines = g_strsplit (contents, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 801);
  for (guint i = 0; i < 800; i++)
    {
      g_autoptr(JsonObject) object = parse_line (lines[i]);

      g_assert_cmpstr (json_object_get_string_member (object, "machine"), ==, "concurrent");
    }
}

static void
test_strip_credentials (void)
{
  static const char *cases[][2] = {
    { "qemu:///system", "qemu:///system" },
    { "qemu+ssh://root@host/system", "qemu+ssh://root@host/system" },
    { "qemu+ssh://root:hunter2@host/system?keyfile=/k", "qemu+ssh://root@host/system?keyfile=/k" },
    { "test:///default", "test:///default" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *stripped = _hearth_uri_strip_credentials (cases[i][0]);

      g_assert_cmpstr (stripped, ==, cases[i][1]);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_unsetenv ("HEARTH_AUDIT_LOG");

  g_test_add_func ("/core/audit/default-path", test_default_path);
  g_test_add_func ("/core/audit/record", test_record);
  g_test_add_func ("/core/audit/threads", test_threads);
  g_test_add_func ("/core/audit/strip-credentials", test_strip_credentials);

  return g_test_run ();
}
