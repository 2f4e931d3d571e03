/* hearth-metrics-exporter.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-metrics"

#include "config.h"

#include <math.h>
#include <string.h>

#include "hearth-core.h"
#include "hearth-metrics-exporter.h"

/**
 * HearthMetricsExporter:
 *
 * Serves the sampler's figures in the Prometheus text exposition format
 * (version 0.0.4) over plain HTTP on 127.0.0.1 only, for users who want
 * Prometheus and Grafana on top of Hearth. It is off until
 * hearth_metrics_exporter_start() is called (the app does so only when the
 * user turned it on), and holds its samplers while it runs, since a scraper
 * expects fresh numbers with no window open.
 *
 * Only GIO is used: a #GSocketService on the main context answers each
 * request with one response and closes the connection (HTTP/1.0 style, which
 * Prometheus handles).
 */

#define MAX_REQUEST_BYTES 8192

struct _HearthMetricsExporter
{
  GObject parent_instance;

  GPtrArray      *samplers;   /* of HearthStatsSampler, owned */
  GSocketService *service;    /* owned, NULL when stopped */
  guint16         port;
};

G_DEFINE_FINAL_TYPE (HearthMetricsExporter, hearth_metrics_exporter, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_RUNNING,
  PROP_PORT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* Rendering ------------------------------------------------------------------ */

typedef enum
{
  GAUGE,
  COUNTER,
} Kind;

/* A metric family: its HELP and TYPE come once, before its samples. */
typedef struct
{
  const char *name;
  Kind        kind;
  const char *help;
} Family;

static void
append_escaped (GString    *out,
                const char *value)
{
  for (const char *p = value ? value : ""; *p; p++)
    {
      if (*p == '\\')
        g_string_append (out, "\\\\");
      else if (*p == '"')
        g_string_append (out, "\\\"");
      else if (*p == '\n')
        g_string_append (out, "\\n");
      else
        g_string_append_c (out, *p);
    }
}

static void
append_header (GString      *out,
               const Family *family)
{
  g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n", family->name, family->help,
                          family->name, family->kind == COUNTER ? "counter" : "gauge");
}

static void
append_labels (GString    *out,
               const char *connection,
               const char *uuid,
               const char *name)
{
  g_string_append (out, "{connection=\"");
  append_escaped (out, connection);
  g_string_append_c (out, '"');
  if (uuid != NULL)
    {
      g_string_append (out, ",uuid=\"");
      append_escaped (out, uuid);
      g_string_append (out, "\",name=\"");
      append_escaped (out, name);
      g_string_append_c (out, '"');
    }
  g_string_append_c (out, '}');
}

static void
append_double (GString *out,
               double   value)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  /* Locale-independent, and exact for the integers byte counts are. */
  g_string_append_c (out, ' ');
  g_string_append (out, g_ascii_dtostr (buf, sizeof buf, value));
  g_string_append_c (out, '\n');
}

/* Host gauges: metric index into the host series. */
static const struct
{
  Family       family;
  HearthMetric metric;
} host_gauges[] = {
  { { "hearth_host_cpu_busy_percent", GAUGE, "Host CPU time spent busy, percent of all CPUs." },
    HEARTH_METRIC_CPU },
  { { "hearth_host_memory_total_bytes", GAUGE, "Host memory." }, HEARTH_METRIC_MEMORY_TOTAL },
  { { "hearth_host_memory_used_bytes", GAUGE,
      "Host memory in use (not free, buffers or page cache)." }, HEARTH_METRIC_MEMORY_USED },
};

static const struct
{
  Family       family;
  HearthMetric metric;
} machine_gauges[] = {
  { { "hearth_machine_cpu_percent", GAUGE, "Machine CPU use, percent of its vCPUs." },
    HEARTH_METRIC_CPU },
  { { "hearth_machine_cpu_host_percent", GAUGE, "Machine CPU use, percent of all host CPUs." },
    HEARTH_METRIC_CPU_HOST },
  { { "hearth_machine_memory_used_bytes", GAUGE, "Memory the machine uses." },
    HEARTH_METRIC_MEMORY_USED },
  { { "hearth_machine_memory_available_bytes", GAUGE, "Memory the machine has." },
    HEARTH_METRIC_MEMORY_TOTAL },
  { { "hearth_machine_disk_read_bytes_per_second", GAUGE, "Disk read rate, all disks." },
    HEARTH_METRIC_DISK_READ },
  { { "hearth_machine_disk_write_bytes_per_second", GAUGE, "Disk write rate, all disks." },
    HEARTH_METRIC_DISK_WRITE },
  { { "hearth_machine_network_receive_bytes_per_second", GAUGE,
      "Network receive rate, all interfaces." }, HEARTH_METRIC_NET_RX },
  { { "hearth_machine_network_transmit_bytes_per_second", GAUGE,
      "Network transmit rate, all interfaces." }, HEARTH_METRIC_NET_TX },
};

/* Raw counters, for rate() in PromQL. */
enum
{
  C_CPU,
  C_VCPU,
  C_RD_BYTES,
  C_WR_BYTES,
  C_RD_REQS,
  C_WR_REQS,
  C_RX,
  C_TX,
  N_COUNTERS
};

static const Family machine_counters[N_COUNTERS] = {
  [C_CPU] = { "hearth_machine_cpu_seconds_total", COUNTER,
              "CPU time the machine's process used (vCPUs and emulator)." },
  [C_VCPU] = { "hearth_machine_vcpu_seconds_total", COUNTER, "CPU time the machine's vCPUs used." },
  [C_RD_BYTES] = { "hearth_machine_disk_read_bytes_total", COUNTER, "Bytes read, all disks." },
  [C_WR_BYTES] = { "hearth_machine_disk_written_bytes_total", COUNTER,
                   "Bytes written, all disks." },
  [C_RD_REQS] = { "hearth_machine_disk_reads_total", COUNTER, "Read requests, all disks." },
  [C_WR_REQS] = { "hearth_machine_disk_writes_total", COUNTER, "Write requests, all disks." },
  [C_RX] = { "hearth_machine_network_receive_bytes_total", COUNTER,
             "Bytes received, all interfaces." },
  [C_TX] = { "hearth_machine_network_transmit_bytes_total", COUNTER,
             "Bytes sent, all interfaces." },
};

static gboolean
counter_value (const HearthStatsCounters *c,
               guint                      which,
               double                    *out)
{
  switch (which)
    {
    case C_CPU:
      *out = c->cpu_time_ns / 1e9;
      return (c->flags & HEARTH_STATS_COUNTER_CPU) != 0;
    case C_VCPU:
      *out = c->vcpu_time_ns / 1e9;
      return (c->flags & HEARTH_STATS_COUNTER_VCPU_TIME) != 0;
    case C_RD_BYTES: *out = c->block_rd_bytes; break;
    case C_WR_BYTES: *out = c->block_wr_bytes; break;
    case C_RD_REQS: *out = c->block_rd_reqs; break;
    case C_WR_REQS: *out = c->block_wr_reqs; break;
    case C_RX: *out = c->net_rx_bytes; return (c->flags & HEARTH_STATS_COUNTER_NET) != 0;
    case C_TX: *out = c->net_tx_bytes; return (c->flags & HEARTH_STATS_COUNTER_NET) != 0;
    default: g_assert_not_reached ();
    }
  return (c->flags & HEARTH_STATS_COUNTER_BLOCK) != 0;
}

static const char *
sampler_label (HearthStatsSampler *sampler)
{
  HearthConnection *connection = hearth_stats_sampler_get_connection (sampler);

  /* The display URI carries no credentials. */
  return connection ? hearth_connection_get_display_uri (connection) : "";
}

/**
 * hearth_metrics_exporter_render:
 *
 * The exposition text a scrape gets, from the samplers' latest tick.
 *
 * Returns: (transfer full): the text
 */
char *
hearth_metrics_exporter_render (HearthMetricsExporter *self)
{
  GString *out;

  g_return_val_if_fail (HEARTH_IS_METRICS_EXPORTER (self), NULL);

  out = g_string_sized_new (4096);

  for (guint f = 0; f < G_N_ELEMENTS (host_gauges); f++)
    {
      append_header (out, &host_gauges[f].family);
      for (guint s = 0; s < self->samplers->len; s++)
        {
          HearthStatsSampler *sampler = g_ptr_array_index (self->samplers, s);
          double v = hearth_stats_series_get_latest (hearth_stats_sampler_get_host_series (sampler),
                                                     host_gauges[f].metric);

          if (isnan (v))
            continue;
          g_string_append (out, host_gauges[f].family.name);
          append_labels (out, sampler_label (sampler), NULL, NULL);
          append_double (out, v);
        }
    }

  {
    static const Family cpus = { "hearth_host_cpus", GAUGE, "Host logical CPUs." };

    append_header (out, &cpus);
    for (guint s = 0; s < self->samplers->len; s++)
      {
        HearthStatsSampler *sampler = g_ptr_array_index (self->samplers, s);
        const HearthHostCounters *host = hearth_stats_sampler_get_host_counters (sampler);

        if (host == NULL || host->n_cpus == 0)
          continue;
        g_string_append (out, cpus.name);
        append_labels (out, sampler_label (sampler), NULL, NULL);
        append_double (out, host->n_cpus);
      }
  }

  for (guint f = 0; f < G_N_ELEMENTS (machine_gauges) + N_COUNTERS; f++)
    {
      gboolean is_gauge = f < G_N_ELEMENTS (machine_gauges);
      const Family *family = is_gauge ? &machine_gauges[f].family
                                      : &machine_counters[f - G_N_ELEMENTS (machine_gauges)];

      append_header (out, family);
      for (guint s = 0; s < self->samplers->len; s++)
        {
          HearthStatsSampler *sampler = g_ptr_array_index (self->samplers, s);
          g_autoptr(GPtrArray) active = hearth_stats_sampler_list_active_series (sampler);

          for (guint i = 0; i < active->len; i++)
            {
              HearthStatsSeries *series = g_ptr_array_index (active, i);
              const char *uuid = hearth_stats_series_get_uuid (series);
              double v;

              if (is_gauge)
                v = hearth_stats_series_get_latest (series, machine_gauges[f].metric);
              else
                {
                  const HearthStatsCounters *c = hearth_stats_sampler_get_counters (sampler, uuid);

                  if (c == NULL
                      || !counter_value (c, f - G_N_ELEMENTS (machine_gauges), &v))
                    continue;
                }
              if (isnan (v))
                continue;

              g_string_append (out, family->name);
              append_labels (out, sampler_label (sampler), uuid,
                             hearth_stats_series_get_name (series));
              append_double (out, v);
            }
        }
    }

  return g_string_free (out, FALSE);
}

/* Serving --------------------------------------------------------------------- */

typedef struct
{
  HearthMetricsExporter *exporter;   /* owned */
  GIOStream             *stream;     /* owned */
  GString               *request;
  char                   buffer[1024];
  char                  *response;
} Request;

static void
request_free (Request *req)
{
  g_clear_object (&req->exporter);
  g_clear_object (&req->stream);
  g_string_free (req->request, TRUE);
  g_free (req->response);
  g_free (req);
}

static void
close_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Request *req = user_data;

  /* The peer may be gone already; nothing to tell anyone. */
  g_io_stream_close_finish (G_IO_STREAM (source), result, NULL);
  request_free (req);
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Request *req = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    g_debug ("Could not send the metrics: %s", error->message);
  g_io_stream_close_async (req->stream, G_PRIORITY_DEFAULT, NULL, close_cb, req);
}

static void
respond (Request *req)
{
  g_auto(GStrv) words = NULL;
  const char *end = strstr (req->request->str, "\r\n");
  g_autofree char *first = g_strndup (req->request->str,
                                      end ? (gsize) (end - req->request->str) : req->request->len);
  const char *status = "200 OK";
  g_autofree char *body = NULL;
  gboolean head = FALSE;

  words = g_strsplit (first, " ", 3);
  if (g_strv_length (words) < 2
      || (g_strcmp0 (words[0], "GET") != 0 && g_strcmp0 (words[0], "HEAD") != 0))
    {
      status = "405 Method Not Allowed";
      body = g_strdup ("Only GET and HEAD.\n");
    }
  else if (g_strcmp0 (words[1], "/metrics") != 0 && !g_str_has_prefix (words[1], "/metrics?"))
    {
      status = "404 Not Found";
      body = g_strdup ("Hearth serves its metrics at /metrics.\n");
    }
  else
    {
      head = g_str_equal (words[0], "HEAD");
      body = hearth_metrics_exporter_render (req->exporter);
    }

  req->response = g_strdup_printf ("HTTP/1.0 %s\r\n"
                                   "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"
                                   "Content-Length: %zu\r\n"
                                   "Connection: close\r\n"
                                   "\r\n%s",
                                   status, strlen (body), head ? "" : body);
  g_output_stream_write_all_async (g_io_stream_get_output_stream (req->stream), req->response,
                                   strlen (req->response), G_PRIORITY_DEFAULT, NULL, write_cb,
                                   req);
}

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Request *req = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  if (n <= 0)
    {
      if (error != NULL)
        g_debug ("Could not read a metrics request: %s", error->message);
      g_io_stream_close_async (req->stream, G_PRIORITY_DEFAULT, NULL, close_cb, req);
      return;
    }

  g_string_append_len (req->request, req->buffer, n);
  /* The headers are not needed: the request line is enough, once the
   * request is complete (or too big to bother). */
  if (strstr (req->request->str, "\r\n\r\n") || strstr (req->request->str, "\n\n")
      || req->request->len > MAX_REQUEST_BYTES)
    {
      respond (req);
      return;
    }
  g_input_stream_read_async (G_INPUT_STREAM (source), req->buffer, sizeof req->buffer - 1,
                             G_PRIORITY_DEFAULT, NULL, read_cb, req);
}

static gboolean
on_incoming_cb (GSocketService    *service,
                GSocketConnection *connection,
                GObject           *source_object,
                gpointer           user_data)
{
  HearthMetricsExporter *self = user_data;
  Request *req = g_new0 (Request, 1);

  req->exporter = g_object_ref (self);
  req->stream = G_IO_STREAM (g_object_ref (connection));
  req->request = g_string_new (NULL);
  g_input_stream_read_async (g_io_stream_get_input_stream (req->stream), req->buffer,
                             sizeof req->buffer - 1, G_PRIORITY_DEFAULT, NULL, read_cb, req);
  return TRUE;
}

static void
hold_all (HearthMetricsExporter *self,
          gboolean               hold)
{
  for (guint i = 0; i < self->samplers->len; i++)
    {
      if (hold)
        hearth_stats_sampler_hold (g_ptr_array_index (self->samplers, i));
      else
        hearth_stats_sampler_release (g_ptr_array_index (self->samplers, i));
    }
}

static void
hearth_metrics_exporter_dispose (GObject *object)
{
  HearthMetricsExporter *self = HEARTH_METRICS_EXPORTER (object);

  hearth_metrics_exporter_stop (self);
  if (self->samplers != NULL)
    g_ptr_array_set_size (self->samplers, 0);

  G_OBJECT_CLASS (hearth_metrics_exporter_parent_class)->dispose (object);
}

static void
hearth_metrics_exporter_finalize (GObject *object)
{
  HearthMetricsExporter *self = HEARTH_METRICS_EXPORTER (object);

  g_clear_pointer (&self->samplers, g_ptr_array_unref);

  G_OBJECT_CLASS (hearth_metrics_exporter_parent_class)->finalize (object);
}

static void
hearth_metrics_exporter_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  HearthMetricsExporter *self = HEARTH_METRICS_EXPORTER (object);

  switch (prop_id)
    {
    case PROP_RUNNING: g_value_set_boolean (value, self->service != NULL); break;
    case PROP_PORT: g_value_set_uint (value, self->port); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_metrics_exporter_class_init (HearthMetricsExporterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_metrics_exporter_dispose;
  object_class->finalize = hearth_metrics_exporter_finalize;
  object_class->get_property = hearth_metrics_exporter_get_property;

  /** HearthMetricsExporter:running: Whether the endpoint is listening. */
  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE,
                                                   G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /** HearthMetricsExporter:port: The port it listens on, 0 when stopped. */
  properties[PROP_PORT] = g_param_spec_uint ("port", NULL, NULL, 0, G_MAXUINT16, 0,
                                             G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
hearth_metrics_exporter_init (HearthMetricsExporter *self)
{
  self->samplers = g_ptr_array_new_with_free_func (g_object_unref);
}

/**
 * hearth_metrics_exporter_new:
 * @sampler: (nullable): a first sampler to export
 *
 * Returns: (transfer full): a stopped exporter
 */
HearthMetricsExporter *
hearth_metrics_exporter_new (HearthStatsSampler *sampler)
{
  HearthMetricsExporter *self = g_object_new (HEARTH_TYPE_METRICS_EXPORTER, NULL);

  if (sampler != NULL)
    hearth_metrics_exporter_add_sampler (self, sampler);
  return self;
}

/**
 * hearth_metrics_exporter_add_sampler:
 *
 * Exports @sampler's figures too (one sampler per connection; each sample
 * carries a `connection` label).
 */
void
hearth_metrics_exporter_add_sampler (HearthMetricsExporter *self,
                                     HearthStatsSampler    *sampler)
{
  g_return_if_fail (HEARTH_IS_METRICS_EXPORTER (self));
  g_return_if_fail (HEARTH_IS_STATS_SAMPLER (sampler));

  g_ptr_array_add (self->samplers, g_object_ref (sampler));
  if (self->service != NULL)
    hearth_stats_sampler_hold (sampler);
}

void
hearth_metrics_exporter_remove_sampler (HearthMetricsExporter *self,
                                        HearthStatsSampler    *sampler)
{
  g_return_if_fail (HEARTH_IS_METRICS_EXPORTER (self));

  if (!g_ptr_array_find (self->samplers, sampler, NULL))
    return;
  if (self->service != NULL)
    hearth_stats_sampler_release (sampler);
  g_ptr_array_remove (self->samplers, sampler);
}

/**
 * hearth_metrics_exporter_start:
 * @port: the TCP port, or 0 for any free one (see hearth_metrics_exporter_get_port())
 *
 * Listens on 127.0.0.1:@port, never on other addresses: the figures name the
 * user's machines, which is nobody else's business.
 *
 * Returns: whether it listens; on failure (the port is taken, say) @error says why
 */
gboolean
hearth_metrics_exporter_start (HearthMetricsExporter *self,
                               guint16                port,
                               GError               **error)
{
  g_autoptr(GInetAddress) loopback = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) effective = NULL;
  g_autoptr(GSocketService) service = NULL;

  g_return_val_if_fail (HEARTH_IS_METRICS_EXPORTER (self), FALSE);

  if (self->service != NULL)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_BUSY, "The exporter is already running");
      return FALSE;
    }

  loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  address = g_inet_socket_address_new (loopback, port);
  service = g_socket_service_new ();
  if (!g_socket_listener_add_address (G_SOCKET_LISTENER (service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL,
                                      &effective, error))
    return FALSE;

  g_signal_connect_object (service, "incoming", G_CALLBACK (on_incoming_cb), self, 0);
  g_socket_service_start (service);

  self->service = g_steal_pointer (&service);
  self->port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (effective));
  hold_all (self, TRUE);
  g_debug ("Serving metrics on 127.0.0.1:%u", self->port);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
  return TRUE;
}

/**
 * hearth_metrics_exporter_stop:
 *
 * Closes the endpoint and releases the samplers.
 */
void
hearth_metrics_exporter_stop (HearthMetricsExporter *self)
{
  g_return_if_fail (HEARTH_IS_METRICS_EXPORTER (self));

  if (self->service == NULL)
    return;

  g_socket_service_stop (self->service);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_clear_object (&self->service);
  self->port = 0;
  hold_all (self, FALSE);

  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_PORT]);
}

gboolean
hearth_metrics_exporter_get_running (HearthMetricsExporter *self)
{
  g_return_val_if_fail (HEARTH_IS_METRICS_EXPORTER (self), FALSE);
  return self->service != NULL;
}

/**
 * hearth_metrics_exporter_get_port:
 *
 * Returns: the port it listens on (the one chosen when started with 0), or 0
 */
guint16
hearth_metrics_exporter_get_port (HearthMetricsExporter *self)
{
  g_return_val_if_fail (HEARTH_IS_METRICS_EXPORTER (self), 0);
  return self->port;
}
