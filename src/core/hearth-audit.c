/* hearth-audit.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The audit log: one JSON object per line for every operation Hearth performs
 * through libvirt. Records are written from worker threads, so writes are
 * serialized by a mutex, and each record is appended with one write() on an
 * O_APPEND descriptor so that several Hearth processes (the app and hearthctl)
 * can share the file without interleaving lines.
 */

#define G_LOG_DOMAIN "hearth-audit"

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "hearth-core-private.h"

static GMutex audit_lock;
static char *audit_path;          /* owned; guarded by audit_lock; NULL = default */

/**
 * hearth_audit_dup_path:
 *
 * Returns: (transfer full): the audit log's path: `$HEARTH_AUDIT_LOG` when set, the
 *   path given to hearth_audit_set_path(), else `$XDG_STATE_HOME/hearth/audit.jsonl`
 */
char *
hearth_audit_dup_path (void)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&audit_lock);
  const char *env = g_getenv ("HEARTH_AUDIT_LOG");

  if (audit_path != NULL)
    return g_strdup (audit_path);
  if (env != NULL && env[0] != '\0')
    return g_strdup (env);
  return g_build_filename (g_get_user_state_dir (), "hearth", "audit.jsonl", NULL);
}

/**
 * hearth_audit_set_path:
 * @path: (nullable): where to write the log, or %NULL for the default
 */
void
hearth_audit_set_path (const char *path)
{
  g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&audit_lock);

  g_free (audit_path);
  audit_path = g_strdup (path);
}

/* Drops a password from the URI's user information, so "qemu+ssh://me:secret@host/"
 * is logged as "qemu+ssh://me@host/". Query parameters that may name key files are
 * kept: they are paths, not secrets. */
char *
_hearth_uri_strip_credentials (const char *uri)
{
  g_autoptr(GUri) parsed = NULL;

  if (uri == NULL)
    return NULL;

  parsed = g_uri_parse (uri, G_URI_FLAGS_ENCODED | G_URI_FLAGS_NON_DNS, NULL);
  if (parsed == NULL || g_uri_get_password (parsed) == NULL)
    {
      const char *at;
      const char *colon;
      const char *scheme_end = strstr (uri, "://");

      /* Unparseable URIs are cut at any "user:password@" by hand. */
      if (scheme_end && (at = strchr (scheme_end + 3, '@'))
          && (colon = memchr (scheme_end + 3, ':', at - (scheme_end + 3))))
        return g_strdup_printf ("%.*s%s", (int) (colon - uri), uri, at);
      return g_strdup (uri);
    }

  return g_uri_join (G_URI_FLAGS_ENCODED, g_uri_get_scheme (parsed), g_uri_get_user (parsed),
                     g_uri_get_host (parsed), g_uri_get_port (parsed), g_uri_get_path (parsed),
                     g_uri_get_query (parsed), g_uri_get_fragment (parsed));
}

/**
 * hearth_audit_record:
 * @uri: (nullable): the connection URI (credentials are removed before writing)
 * @machine: (nullable): the machine's name
 * @uuid: (nullable): the machine's UUID
 * @operation: what was done, e.g. "start"
 * @error: (nullable): the failure, or %NULL when the operation succeeded
 * @duration_usec: how long the operation took
 *
 * Appends one record to the audit log. Safe to call from any thread. A failure to
 * write the log is reported with g_debug() only: the log must never make an
 * operation fail.
 */
void
hearth_audit_record (const char   *uri,
                     const char   *machine,
                     const char   *uuid,
                     const char   *operation,
                     const GError *error,
                     gint64        duration_usec)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *time = g_date_time_format_iso8601 (now);
  g_autofree char *safe_uri = _hearth_uri_strip_credentials (uri);
  g_autofree char *line = NULL;
  g_autofree char *path = hearth_audit_dup_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  gsize len;
  int fd;

  g_return_if_fail (operation != NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "time");
  json_builder_add_string_value (builder, time);
  json_builder_set_member_name (builder, "connection");
  json_builder_add_string_value (builder, safe_uri);
  json_builder_set_member_name (builder, "machine");
  json_builder_add_string_value (builder, machine);
  json_builder_set_member_name (builder, "uuid");
  json_builder_add_string_value (builder, uuid);
  json_builder_set_member_name (builder, "operation");
  json_builder_add_string_value (builder, operation);
  json_builder_set_member_name (builder, "result");
  json_builder_add_string_value (builder, error ? "error" : "ok");
  if (error != NULL)
    {
      json_builder_set_member_name (builder, "error");
      json_builder_add_string_value (builder, error->message);
    }
  json_builder_set_member_name (builder, "duration_ms");
  json_builder_add_double_value (builder, duration_usec / 1000.0);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  generator = json_generator_new ();
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, &len);
  line = g_realloc (line, len + 2);
  line[len++] = '\n';
  line[len] = '\0';

  {
    g_autoptr(GMutexLocker) locker = g_mutex_locker_new (&audit_lock);

    if (g_mkdir_with_parents (dir, 0700) < 0)
      {
        g_debug ("Cannot create %s: %s", dir, g_strerror (errno));
        return;
      }
    fd = g_open (path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
      {
        g_debug ("Cannot open %s: %s", path, g_strerror (errno));
        return;
      }
    if (write (fd, line, len) != (gssize) len)
      g_debug ("Short write to %s", path);
    close (fd);
  }
}
