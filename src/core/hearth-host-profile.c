/* hearth-host-profile.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-host"

#include "config.h"

#include <json-glib/json-glib.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "hearth-host-profile.h"
#include "hearth-storage.h"
#include "hearth-wizard-private.h"

/**
 * HearthHostProfile:
 *
 * What a host can give to machines: threads, cores, memory, free space where new
 * disks go, GPUs and AVX-512, and its tier. A profile is immutable once probed;
 * the setters exist for profiles built from plain numbers (tests, what-if views).
 */
struct _HearthHostProfile
{
  GObject parent_instance;

  guint    threads;
  guint    cores;
  guint64  memory;      /* bytes */
  guint64  pool_free;   /* bytes, 0 when unknown */
  GStrv    gpus;        /* owned, never NULL */
  gboolean avx512;
  gboolean dmz_available;  /* the connection can give the DMZ network zone */
};

G_DEFINE_FINAL_TYPE (HearthHostProfile, hearth_host_profile, G_TYPE_OBJECT)

#define GIB (G_GUINT64_CONSTANT (1) << 30)

/* The tier table of DESIGN.md. Memory counts at 15/16 of the nominal size, since a
 * "16 GB" host reports a little less to the OS (firmware, integrated graphics). */
static const struct
{
  guint   threads;
  guint64 memory;
} tier_floor[HEARTH_HOST_TIER_COUNT] = {
  [HEARTH_HOST_TIER_LIGHT] = { 0, 0 },
  [HEARTH_HOST_TIER_BASIC] = { 8, 16 * GIB },
  [HEARTH_HOST_TIER_PRO] = { 16, 32 * GIB },
  [HEARTH_HOST_TIER_ENTERPRISE] = { 24, 64 * GIB },
};

static void
hearth_host_profile_finalize (GObject *object)
{
  HearthHostProfile *self = HEARTH_HOST_PROFILE (object);

  g_strfreev (self->gpus);

  G_OBJECT_CLASS (hearth_host_profile_parent_class)->finalize (object);
}

static void
hearth_host_profile_class_init (HearthHostProfileClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hearth_host_profile_finalize;
}

static void
hearth_host_profile_init (HearthHostProfile *self)
{
  self->gpus = g_new0 (char *, 1);
  self->dmz_available = TRUE;
}

/**
 * hearth_host_tier_classify:
 * @threads: hardware threads
 * @memory: bytes of RAM
 *
 * Returns: the lower of the CPU tier and the memory tier
 */
HearthHostTier
hearth_host_tier_classify (guint   threads,
                           guint64 memory)
{
  HearthHostTier tier = HEARTH_HOST_TIER_LIGHT;

  for (int t = HEARTH_HOST_TIER_COUNT - 1; t > HEARTH_HOST_TIER_LIGHT; t--)
    if (threads >= tier_floor[t].threads && memory >= tier_floor[t].memory / 16 * 15)
      {
        tier = t;
        break;
      }
  return tier;
}

/**
 * hearth_host_tier_to_string:
 *
 * Returns: (transfer none): "light", "basic", "pro" or "enterprise" (the ids used in
 *   preset files and hearthctl's JSON)
 */
const char *
hearth_host_tier_to_string (HearthHostTier tier)
{
  static const char *names[] = { "light", "basic", "pro", "enterprise" };

  g_return_val_if_fail (tier < HEARTH_HOST_TIER_COUNT, NULL);
  return names[tier];
}

/**
 * hearth_host_profile_new:
 * @threads: hardware threads
 * @cores: physical cores
 * @memory: RAM in bytes
 * @pool_free: free bytes where new disks go, 0 when unknown
 *
 * Builds a profile from plain numbers.
 *
 * Returns: (transfer full): a new profile
 */
HearthHostProfile *
hearth_host_profile_new (guint   threads,
                         guint   cores,
                         guint64 memory,
                         guint64 pool_free)
{
  HearthHostProfile *self = g_object_new (HEARTH_TYPE_HOST_PROFILE, NULL);

  self->threads = threads;
  self->cores = cores > 0 ? cores : threads;
  self->memory = memory;
  self->pool_free = pool_free;
  return self;
}

/**
 * hearth_host_profile_set_gpus:
 * @gpus: (array zero-terminated=1) (nullable): the host's display adapters
 */
void
hearth_host_profile_set_gpus (HearthHostProfile  *self,
                              const char * const *gpus)
{
  g_return_if_fail (HEARTH_IS_HOST_PROFILE (self));

  g_strfreev (self->gpus);
  self->gpus = gpus ? g_strdupv ((char **) gpus) : g_new0 (char *, 1);
}

/** hearth_host_profile_set_avx512: Sets whether the CPU has AVX-512. */
void
hearth_host_profile_set_avx512 (HearthHostProfile *self,
                                gboolean           avx512)
{
  g_return_if_fail (HEARTH_IS_HOST_PROFILE (self));
  self->avx512 = !!avx512;
}

/** hearth_host_profile_get_threads: Returns: hardware threads */
guint
hearth_host_profile_get_threads (HearthHostProfile *self)
{
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), 0);
  return self->threads;
}

/** hearth_host_profile_get_cores: Returns: physical cores */
guint
hearth_host_profile_get_cores (HearthHostProfile *self)
{
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), 0);
  return self->cores;
}

/** hearth_host_profile_get_memory: Returns: RAM in bytes */
guint64
hearth_host_profile_get_memory (HearthHostProfile *self)
{
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), 0);
  return self->memory;
}

/**
 * hearth_host_profile_set_dmz_available:
 * @available: whether the connection can give the DMZ network zone
 *
 * Profiles built from numbers can give every zone; probed ones say what the
 * connection has (the DMZ needs libvirt's network filters).
 */
void
hearth_host_profile_set_dmz_available (HearthHostProfile *self,
                                       gboolean           available)
{
  g_return_if_fail (HEARTH_IS_HOST_PROFILE (self));
  self->dmz_available = !!available;
}

/**
 * hearth_host_profile_get_dmz_available:
 *
 * Returns: whether a new machine can be put in the DMZ network zone on this
 *   connection (qemu:///system can; qemu:///session, qemu:///embed and the test
 *   driver have no network filters)
 */
gboolean
hearth_host_profile_get_dmz_available (HearthHostProfile *self)
{
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), FALSE);
  return self->dmz_available;
}

/** hearth_host_profile_get_pool_free: Returns: free bytes for new disks, 0 if unknown */
guint64
hearth_host_profile_get_pool_free (HearthHostProfile *self)
{
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), 0);
  return self->pool_free;
}

/**
 * hearth_host_profile_get_gpus:
 *
 * Returns: (transfer none) (array zero-terminated=1): names of the display adapters
 */
const char * const *
hearth_host_profile_get_gpus (HearthHostProfile *self)
{
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), NULL);
  return (const char * const *) self->gpus;
}

/** hearth_host_profile_get_avx512: Returns: whether the CPU has AVX-512 */
gboolean
hearth_host_profile_get_avx512 (HearthHostProfile *self)
{
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), FALSE);
  return self->avx512;
}

/** hearth_host_profile_get_tier: Returns: the host's tier */
HearthHostTier
hearth_host_profile_get_tier (HearthHostProfile *self)
{
  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), HEARTH_HOST_TIER_LIGHT);
  return hearth_host_tier_classify (self->threads, self->memory);
}

/**
 * hearth_host_profile_to_json:
 *
 * Returns: (transfer full): the profile as a JSON object (for hearthctl host --json)
 */
char *
hearth_host_profile_to_json (HearthHostProfile *self)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;

  g_return_val_if_fail (HEARTH_IS_HOST_PROFILE (self), NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "tier");
  json_builder_add_string_value (builder,
                                 hearth_host_tier_to_string (hearth_host_profile_get_tier (self)));
  json_builder_set_member_name (builder, "threads");
  json_builder_add_int_value (builder, self->threads);
  json_builder_set_member_name (builder, "cores");
  json_builder_add_int_value (builder, self->cores);
  json_builder_set_member_name (builder, "memory");
  json_builder_add_int_value (builder, (gint64) self->memory);
  json_builder_set_member_name (builder, "pool-free");
  json_builder_add_int_value (builder, (gint64) self->pool_free);
  json_builder_set_member_name (builder, "avx512");
  json_builder_add_boolean_value (builder, self->avx512);
  json_builder_set_member_name (builder, "network-zones");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, "isolated");
  json_builder_add_string_value (builder, "home-nat");
  if (self->dmz_available)
    json_builder_add_string_value (builder, "dmz");
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "gpus");
  json_builder_begin_array (builder);
  for (guint i = 0; self->gpus[i] != NULL; i++)
    json_builder_add_string_value (builder, self->gpus[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);

  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  json_generator_set_pretty (generator, TRUE);
  return json_generator_to_data (generator, NULL);
}

/* Probing */

typedef struct
{
  virConnectPtr conn;
  char         *uri;
  gboolean      local;
} ProbeRequest;

static void
probe_request_free (ProbeRequest *req)
{
  hearth_vir_connect_unref (req->conn);
  g_free (req->uri);
  g_free (req);
}

static char *
xpath_string (xmlXPathContextPtr ctx,
              const char        *expression)
{
  xmlXPathObjectPtr obj = xmlXPathEvalExpression ((const xmlChar *) expression, ctx);
  char *result = NULL;

  if (obj != NULL)
    {
      xmlChar *str = xmlXPathCastToString (obj);

      if (str != NULL && str[0] != '\0')
        result = g_strdup ((const char *) str);
      xmlFree (str);
      xmlXPathFreeObject (obj);
    }
  return result;
}

/* Display controllers are PCI class 0x03xxxx. Node devices work on remote hosts too;
 * sysfs is the fallback for drivers without node devices. */
static void
probe_gpus_nodedev (virConnectPtr conn,
                    GPtrArray    *gpus)
{
  virNodeDevicePtr *devices = NULL;
  int n = virConnectListAllNodeDevices (conn, &devices, VIR_CONNECT_LIST_NODE_DEVICES_CAP_PCI_DEV);

  if (n < 0)
    {
      virResetLastError ();
      return;
    }

  for (int i = 0; i < n; i++)
    {
      g_autofree char *xml = virNodeDeviceGetXMLDesc (devices[i], 0);
      xmlDocPtr doc = xml ? xmlReadMemory (xml, strlen (xml), NULL, NULL, XML_PARSE_NONET) : NULL;

      if (doc != NULL)
        {
          xmlXPathContextPtr ctx = xmlXPathNewContext (doc);
          g_autofree char *klass = xpath_string (ctx, "string(//capability[@type='pci']/class)");

          if (klass != NULL && g_str_has_prefix (klass, "0x03"))
            {
              g_autofree char *vendor = xpath_string (ctx, "string(//capability/vendor)");
              g_autofree char *product = xpath_string (ctx, "string(//capability/product)");

              g_ptr_array_add (gpus, g_strdup_printf ("%s %s", vendor ? vendor : "",
                                                      product ? product : ""));
            }
          xmlXPathFreeContext (ctx);
          xmlFreeDoc (doc);
        }
      virNodeDeviceFree (devices[i]);
    }
  free (devices);
}

static void
probe_gpus_sysfs (GPtrArray *gpus)
{
  g_autoptr(GDir) dir = g_dir_open ("/sys/bus/pci/devices", 0, NULL);
  const char *entry;

  if (dir == NULL)
    return;

  while ((entry = g_dir_read_name (dir)))
    {
      g_autofree char *class_path = g_build_filename ("/sys/bus/pci/devices", entry, "class", NULL);
      g_autofree char *klass = NULL;

      if (g_file_get_contents (class_path, &klass, NULL, NULL) && g_str_has_prefix (klass, "0x03"))
        {
          g_autofree char *vendor_path = g_build_filename ("/sys/bus/pci/devices", entry, "vendor",
                                                           NULL);
          g_autofree char *device_path = g_build_filename ("/sys/bus/pci/devices", entry, "device",
                                                           NULL);
          g_autofree char *vendor = NULL;
          g_autofree char *device = NULL;

          g_file_get_contents (vendor_path, &vendor, NULL, NULL);
          g_file_get_contents (device_path, &device, NULL, NULL);
          g_ptr_array_add (gpus, g_strdup_printf ("%s %s:%s", entry,
                                                  vendor ? g_strstrip (vendor) : "?",
                                                  device ? g_strstrip (device) : "?"));
        }
    }
}

static gboolean
probe_avx512 (virConnectPtr conn,
              gboolean      local)
{
  g_autofree char *cpuinfo = NULL;

  if (local && g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    return strstr (cpuinfo, " avx512f") != NULL;

  /* Remote: the host CPU in libvirt's capabilities lists its extra features. */
  {
    g_autofree char *caps = virConnectGetCapabilities (conn);

    if (caps == NULL)
      {
        virResetLastError ();
        return FALSE;
      }
    return strstr (caps, "name='avx512f'") != NULL || strstr (caps, "name=\"avx512f\"") != NULL;
  }
}

/* The host's whole memory from /proc/meminfo through libvirt. virNodeGetInfo adds
 * up the NUMA cells, which miss memory that belongs to no node (seen on VMs with
 * hot-plugged memory: 7 of 24 GiB). Returns 0 when unknown. */
static guint64
probe_total_memory (virConnectPtr conn)
{
  g_autofree virNodeMemoryStatsPtr stats = NULL;
  int n = 0;

  if (virNodeGetMemoryStats (conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, NULL, &n, 0) < 0 || n <= 0)
    {
      virResetLastError ();
      return 0;
    }
  stats = g_new0 (virNodeMemoryStats, n);
  if (virNodeGetMemoryStats (conn, VIR_NODE_MEMORY_STATS_ALL_CELLS, stats, &n, 0) < 0)
    {
      virResetLastError ();
      return 0;
    }
  for (int i = 0; i < n; i++)
    if (g_strcmp0 (stats[i].field, VIR_NODE_MEMORY_STATS_TOTAL) == 0)
      return stats[i].value * 1024;
  return 0;
}

static void
probe_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  ProbeRequest *req = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) gpus = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(HearthHostProfile) profile = NULL;
  HearthStorageTarget target;
  virNodeInfo info;
  guint64 memory;
  guint cores;

  if (virNodeGetInfo (req->conn, &info) < 0)
    {
      _hearth_error_take_libvirt (&error, "Could not read the host's hardware");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  memory = MAX ((guint64) info.memory * 1024, probe_total_memory (req->conn));
  cores = info.nodes * info.sockets * info.cores;

  /* Where new disks would go, without creating anything. */
  if (_hearth_storage_target_find (req->conn, req->uri, FALSE, &target, NULL))
    {
      profile = hearth_host_profile_new (info.cpus, cores, memory, target.available);
      _hearth_storage_target_clear (&target);
    }
  else
    profile = hearth_host_profile_new (info.cpus, cores, memory, 0);
  virResetLastError ();

  probe_gpus_nodedev (req->conn, gpus);
  if (gpus->len == 0 && req->local)
    probe_gpus_sysfs (gpus);
  g_ptr_array_add (gpus, NULL);
  hearth_host_profile_set_gpus (profile, (const char * const *) gpus->pdata);
  hearth_host_profile_set_avx512 (profile, probe_avx512 (req->conn, req->local));
  hearth_host_profile_set_dmz_available (
    profile, _hearth_network_zone_available (req->conn, HEARTH_NETWORK_ZONE_DMZ));

  g_task_return_pointer (task, g_steal_pointer (&profile), g_object_unref);
}

/**
 * hearth_host_profile_probe_async:
 * @connection: an open connection
 * @cancellable: (nullable): a #GCancellable
 * @callback: called with the profile
 * @user_data: data for @callback
 *
 * Reads the host's threads, cores and memory (virNodeGetInfo and
 * virNodeGetMemoryStats), the free space
 * where new disks go, its GPUs (node devices of PCI class 0x03, or sysfs),
 * whether its CPU has AVX-512 and whether the connection can give the DMZ
 * network zone, in a worker.
 */
void
hearth_host_profile_probe_async (HearthConnection   *connection,
                                 GCancellable       *cancellable,
                                 GAsyncReadyCallback callback,
                                 gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  ProbeRequest *req;
  virConnectPtr conn;

  g_return_if_fail (HEARTH_IS_CONNECTION (connection));

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, hearth_host_profile_probe_async);

  if (!(conn = _hearth_connection_dup_virconn (connection, &error)))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  req = g_new0 (ProbeRequest, 1);
  req->conn = conn;
  req->uri = g_strdup (hearth_connection_get_uri (connection));
  req->local = hearth_connection_is_local (connection);
  g_task_set_task_data (task, req, (GDestroyNotify) probe_request_free);
  g_task_run_in_thread (task, probe_worker);
}

/**
 * hearth_host_profile_probe_finish:
 *
 * Returns: (transfer full): the host's profile, or %NULL on error
 */
HearthHostProfile *
hearth_host_profile_probe_finish (GAsyncResult *result,
                                  GError      **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
