/* test-stats-exporter.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Prometheus endpoint, scraped over TCP like Prometheus would: loopback
 * only, off until started, the text exposition format with HELP and TYPE
 * lines, errors for other paths, gone once stopped.
 */

#include "config.h"

#include <ifaddrs.h>
#include <math.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "hearth-test-utils.h"

#define TIMEOUT_MS 20000

typedef struct
{
  guint16   port;
  char     *request;
  char     *response;
  GError   *error;
  gboolean  done;
} Scrape;

/* The client runs in a thread with blocking I/O, so the main loop (which the
 * server lives on) keeps turning in the test. */
static gpointer
scrape_thread (gpointer data)
{
  Scrape *scrape = data;
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GByteArray) bytes = g_byte_array_new ();
  char buf[4096];
  gssize n;

  g_socket_client_set_timeout (client, 10);
  g_socket_client_set_enable_proxy (client, FALSE);
  connection = g_socket_client_connect_to_host (client, "127.0.0.1", scrape->port, NULL,
                                                &scrape->error);
  if (connection != NULL
      && g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                    scrape->request, strlen (scrape->request), NULL, NULL,
                                    &scrape->error))
    {
      while ((n = g_input_stream_read (g_io_stream_get_input_stream (G_IO_STREAM (connection)),
                                       buf, sizeof buf, NULL, &scrape->error)) > 0)
        g_byte_array_append (bytes, (guint8 *) buf, n);
      g_byte_array_append (bytes, (guint8 *) "", 1);
      scrape->response = (char *) g_byte_array_free (g_steal_pointer (&bytes), FALSE);
    }
  g_atomic_int_set (&scrape->done, TRUE);
  return NULL;
}

static gboolean
scrape_done (gpointer data)
{
  return g_atomic_int_get (&((Scrape *) data)->done);
}

static char *
scrape (guint16     port,
        const char *request,
        GError    **error)
{
  Scrape s = { port, (char *) request, NULL, NULL, FALSE };
  GThread *thread = g_thread_new ("scrape", scrape_thread, &s);

  g_assert_true (hearth_test_wait (scrape_done, &s, TIMEOUT_MS));
  g_thread_join (thread);
  if (s.error != NULL)
    {
      g_propagate_error (error, s.error);
      g_free (s.response);
      return NULL;
    }
  return s.response;
}

/* Checks the exposition format line by line; returns the body's samples as
 * "name{labels}" → value. */
static GHashTable *
parse_exposition (const char *body)
{
  g_autoptr(GHashTable) helped = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) typed = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GRegex) sample_re = NULL;
  g_autoptr(GRegex) comment_re = NULL;
  GHashTable *samples = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto(GStrv) lines = g_strsplit (body, "\n", -1);
  guint n = g_strv_length (lines);

  sample_re = g_regex_new ("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\]|"
                           "\\\\.)*\",?)*\\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$", 0, 0, NULL);
  comment_re = g_regex_new ("^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$", 0, 0, NULL);

  /* The body ends with a newline. */
  g_assert_cmpstr (lines[n - 1], ==, "");
  for (guint i = 0; i + 1 < n; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (g_regex_match (comment_re, lines[i], 0, &match))
        {
          g_autofree char *kind = g_match_info_fetch (match, 1);
          g_autofree char *name = g_match_info_fetch (match, 2);
          g_autofree char *rest = g_match_info_fetch (match, 3);

          if (g_str_equal (kind, "TYPE"))
            {
              /* One TYPE per family, after its HELP, before its samples. */
              g_assert_true (g_hash_table_contains (helped, name));
              g_assert_false (g_hash_table_contains (typed, name));
              g_assert_true (g_str_equal (rest, "gauge") || g_str_equal (rest, "counter"));
              if (g_str_equal (rest, "counter"))
                g_assert_true (g_str_has_suffix (name, "_total"));
              g_hash_table_add (typed, g_steal_pointer (&name));
            }
          else
            g_hash_table_add (helped, g_steal_pointer (&name));
          continue;
        }

      g_clear_pointer (&match, g_match_info_free);
      if (!g_regex_match (sample_re, lines[i], 0, &match))
        g_error ("Not exposition format: “%s”", lines[i]);
      {
        g_autofree char *name = g_match_info_fetch (match, 1);
        const char *space = strrchr (lines[i], ' ');

        g_assert_true (g_hash_table_contains (typed, name));
        g_hash_table_insert (samples, g_strndup (lines[i], space - lines[i]),
                             g_strdup (space + 1));
      }
    }
  return samples;
}

static void
test_exporter (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthStatsSampler) sampler = hearth_stats_sampler_new (connection);
  g_autoptr(HearthMetricsExporter) exporter = hearth_metrics_exporter_new (sampler);
  g_autoptr(GHashTable) samples = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *response = NULL;
  g_autofree char *key = NULL;
  const char *body;
  guint16 port;

  /* Off by default: nothing listens, nothing is sampled. */
  g_assert_false (hearth_metrics_exporter_get_running (exporter));
  g_assert_cmpuint (hearth_metrics_exporter_get_port (exporter), ==, 0);
  g_assert_false (hearth_stats_sampler_get_active (sampler));

  g_assert_true (hearth_metrics_exporter_start (exporter, 0, &error));
  g_assert_no_error (error);
  port = hearth_metrics_exporter_get_port (exporter);
  g_assert_cmpuint (port, >, 0);
  /* Running, it holds the sampler so scrapes get fresh figures. */
  g_assert_true (hearth_stats_sampler_get_active (sampler));
  hearth_stats_sampler_set_interval (sampler, 100);
  while (hearth_stats_sampler_get_n_ticks (sampler) < 2)
    g_main_context_iteration (NULL, TRUE);

  /* A second start is refused; the port is taken for anyone else too. */
  g_assert_false (hearth_metrics_exporter_start (exporter, 0, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_BUSY);
  g_clear_error (&error);
  {
    g_autoptr(HearthMetricsExporter) other = hearth_metrics_exporter_new (NULL);

    g_assert_false (hearth_metrics_exporter_start (other, port, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE);
    g_clear_error (&error);
  }

  response = scrape (port, "GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
                           "Accept: text/plain\r\n\r\n", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.0 200 OK\r\n"));
  g_assert_nonnull (strstr (response, "\r\nContent-Type: text/plain; version=0.0.4"));
  body = strstr (response, "\r\n\r\n") + 4;
  {
    g_autofree char *length = g_strdup_printf ("\r\nContent-Length: %zu\r\n", strlen (body));

    g_assert_nonnull (strstr (response, length));
  }

  samples = parse_exposition (body);
  /* The test driver tells the host's size and CPUs. */
  key = g_strdup_printf ("hearth_host_memory_total_bytes{connection=\"%s\"}",
                         hearth_connection_get_display_uri (connection));
  g_assert_true (g_hash_table_contains (samples, key));
  g_assert_cmpfloat (g_ascii_strtod (g_hash_table_lookup (samples, key), NULL), >, 0);
  g_clear_pointer (&key, g_free);
  key = g_strdup_printf ("hearth_host_cpus{connection=\"%s\"}",
                         hearth_connection_get_display_uri (connection));
  g_assert_cmpstr (g_hash_table_lookup (samples, key), ==, "16");
  /* Unknown figures are left out, never exported as zeros: the test driver
   * has no machine CPU figures. */
  {
    GHashTableIter iter;
    const char *name;

    g_hash_table_iter_init (&iter, samples);
    while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
      g_assert_false (g_str_has_prefix (name, "hearth_machine_cpu_"));
  }
  g_clear_pointer (&response, g_free);

  /* HEAD has the headers only; other paths and methods are refused. */
  response = scrape (port, "HEAD /metrics HTTP/1.0\r\n\r\n", &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.0 200 OK\r\n"));
  g_assert_true (g_str_has_suffix (response, "\r\n\r\n"));
  g_clear_pointer (&response, g_free);
  response = scrape (port, "GET / HTTP/1.0\r\n\r\n", &error);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.0 404 "));
  g_clear_pointer (&response, g_free);
  response = scrape (port, "POST /metrics HTTP/1.0\r\n\r\n", &error);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.0 405 "));
  g_clear_pointer (&response, g_free);

  /* Stopped: the port is closed and the sampler released. */
  hearth_metrics_exporter_stop (exporter);
  g_assert_false (hearth_stats_sampler_get_active (sampler));
  g_assert_false (hearth_metrics_exporter_get_running (exporter));
  response = scrape (port, "GET /metrics HTTP/1.0\r\n\r\n", &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (response);
}

/* A non-loopback IPv4 address of this computer, or NULL. */
static char *
dup_other_address (void)
{
  struct ifaddrs *addrs = NULL;
  char *result = NULL;

  if (getifaddrs (&addrs) != 0)
    return NULL;
  for (struct ifaddrs *a = addrs; a && !result; a = a->ifa_next)
    {
      g_autoptr(GSocketAddress) address = NULL;
      GInetAddress *inet;

      if (a->ifa_addr == NULL || a->ifa_addr->sa_family != AF_INET)
        continue;
      address = g_socket_address_new_from_native (a->ifa_addr, sizeof (struct sockaddr_in));
      inet = g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address));
      if (!g_inet_address_get_is_loopback (inet))
        result = g_inet_address_to_string (inet);
    }
  freeifaddrs (addrs);
  return result;
}

static void
test_loopback_only (void)
{
  g_autoptr(HearthMetricsExporter) exporter = hearth_metrics_exporter_new (NULL);
  g_autoptr(GSocketClient) client = g_socket_client_new ();
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *other = dup_other_address ();
  g_autofree char *response = NULL;

  g_socket_client_set_enable_proxy (client, FALSE);
  g_assert_true (hearth_metrics_exporter_start (exporter, 0, &error));
  g_assert_no_error (error);

  /* Reachable on loopback (an exporter without samplers serves the host
   * families with no samples)... */
  response = scrape (hearth_metrics_exporter_get_port (exporter), "GET /metrics HTTP/1.0\r\n\r\n",
                     &error);
  g_assert_no_error (error);
  g_assert_true (g_str_has_prefix (response, "HTTP/1.0 200 OK\r\n"));
  g_hash_table_unref (parse_exposition (strstr (response, "\r\n\r\n") + 4));

  /* ...and not on the computer's other addresses. */
  if (other == NULL)
    {
      g_test_skip ("This computer has no address but loopback");
      return;
    }
  g_test_message ("other address: %s", other);
  connection = g_socket_client_connect_to_host (client, other,
                                                hearth_metrics_exporter_get_port (exporter), NULL,
                                                &error);
  g_assert_null (connection);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_core_init ();

  g_test_add_func ("/core/stats/exporter/scrape", test_exporter);
  g_test_add_func ("/core/stats/exporter/loopback-only", test_loopback_only);

  return g_test_run ();
}
