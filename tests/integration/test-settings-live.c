/* test-settings-live.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Machine settings on a running machine under real QEMU (qemu:///embed, the tiny
 * test guest, TCG): CD-ROM media, link state, vCPU hot-plug and the memory
 * balloon, applied through HearthMachineSettings and checked from QEMU's side
 * (QMP through libvirt-qemu) and, where the guest has the driver, from inside
 * the guest through its command channel. The guest has no CD-ROM or network
 * drivers, so media and link are checked in QEMU only.
 */

#define G_LOG_DOMAIN "hearth-test-settings-live"

#include "config.h"

#include <locale.h>
#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 60000
#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define GUEST_MAC "52:54:00:4e:a7:01"
#define GUEST_NAME "hearth-settings 设置 🛠 长名字"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

/* One guest for all tests: booting under TCG is the slow part. libvirt allows one
 * embed root per process anyway. */
static struct
{
  char             *root;
  char             *uri;
  char             *serial;
  char             *iso;
  HearthConnection *connection;
  HearthMachine    *machine;
  virConnectPtr     conn;      /* for QMP queries only */
  virDomainPtr      dom;
  gboolean          failed;
} guest;

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static HearthMachineSettings *
load_settings (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HearthMachineSettings *settings;

  hearth_machine_settings_load_async (guest.machine, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, TIMEOUT_MS));
  settings = hearth_machine_settings_load_finish (guest.machine, result, &error);
  g_assert_no_error (error);
  return settings;
}

static gboolean
apply (HearthMachineSettings *settings,
       HearthSettingFlags    *now,
       HearthSettingFlags    *next_start,
       GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hearth_machine_settings_apply_async (settings, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, TIMEOUT_MS));
  return hearth_machine_settings_apply_finish (settings, result, now, next_start, error);
}

/* The test guest, plus what the settings need: room to hot-plug a second vCPU, a
 * balloon with room below 256 MiB, an empty SATA CD-ROM drive, a NIC, a disk
 * and free PCIe root ports for hot-plugging another. */
static char *
build_guest_xml (void)
{
  g_autofree char *base = hearth_test_guest_xml (GUEST_NAME, guest.serial,
                                                 HEARTH_TEST_GUEST_Q35 | HEARTH_TEST_GUEST_DISK);
  g_autoptr(HearthDomainXml) edited = NULL;
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  xmlNode *devices = NULL;
  xmlNode *node;
  xmlNode *child;
  xmlChar *buffer = NULL;
  int size = 0;
  char *result;

  g_assert_nonnull (base);
  edited = hearth_domain_xml_new (base, &error);
  g_assert_no_error (error);
  g_assert_true (hearth_domain_xml_set_vcpus (edited, 1, 2, &error));
  g_assert_no_error (error);
  xml = hearth_domain_xml_to_string (edited);

  doc = xmlReadMemory (xml, strlen (xml), "guest.xml", "UTF-8", XML_PARSE_NONET);
  for (child = xmlDocGetRootElement (doc)->children; child != NULL; child = child->next)
    if (child->type == XML_ELEMENT_NODE && xmlStrEqual (child->name, (const xmlChar *) "devices"))
      devices = child;
  g_assert_nonnull (devices);

  node = xmlNewChild (devices, NULL, (const xmlChar *) "disk", NULL);
  xmlSetProp (node, (const xmlChar *) "type", (const xmlChar *) "file");
  xmlSetProp (node, (const xmlChar *) "device", (const xmlChar *) "cdrom");
  child = xmlNewChild (node, NULL, (const xmlChar *) "target", NULL);
  xmlSetProp (child, (const xmlChar *) "dev", (const xmlChar *) "sda");
  xmlSetProp (child, (const xmlChar *) "bus", (const xmlChar *) "sata");
  xmlNewChild (node, NULL, (const xmlChar *) "readonly", NULL);

  /* q35 hot-plugs PCIe devices into free root ports only, and libvirt adds just
   * enough ports for the devices defined: give it spare ones (after the root
   * complex, which would otherwise take the first port's index 0). */
  node = xmlNewChild (devices, NULL, (const xmlChar *) "controller", NULL);
  xmlSetProp (node, (const xmlChar *) "type", (const xmlChar *) "pci");
  xmlSetProp (node, (const xmlChar *) "index", (const xmlChar *) "0");
  xmlSetProp (node, (const xmlChar *) "model", (const xmlChar *) "pcie-root");
  for (guint i = 0; i < 8; i++)
    {
      node = xmlNewChild (devices, NULL, (const xmlChar *) "controller", NULL);
      xmlSetProp (node, (const xmlChar *) "type", (const xmlChar *) "pci");
      xmlSetProp (node, (const xmlChar *) "model", (const xmlChar *) "pcie-root-port");
    }

  node = xmlNewChild (devices, NULL, (const xmlChar *) "interface", NULL);
  xmlSetProp (node, (const xmlChar *) "type", (const xmlChar *) "user");
  child = xmlNewChild (node, NULL, (const xmlChar *) "mac", NULL);
  xmlSetProp (child, (const xmlChar *) "address", (const xmlChar *) GUEST_MAC);
  child = xmlNewChild (node, NULL, (const xmlChar *) "model", NULL);
  xmlSetProp (child, (const xmlChar *) "type", (const xmlChar *) "virtio");

  xmlDocDumpMemoryEnc (doc, &buffer, &size, "UTF-8");
  result = g_strndup ((const char *) buffer, size);
  xmlFree (buffer);
  return result;
}

static void
make_iso (void)
{
  g_autofree char *dir = g_build_filename (guest.root, "iso-content", NULL);
  g_autofree char *file = g_build_filename (dir, "HELLO.TXT", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  int status = 0;
  const char *argv[] = { "xorriso", "-as", "mkisofs", "-quiet", "-V", "HEARTH_TEST", "-o",
                         NULL, NULL, NULL };

  guest.iso = g_build_filename (guest.root, "hearth test 光盘.iso", NULL);
  g_assert_cmpint (g_mkdir_with_parents (dir, 0755), ==, 0);
  g_file_set_contents (file, "hello from the ISO\n", -1, &error);
  g_assert_no_error (error);
  argv[7] = guest.iso;
  argv[8] = dir;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, &error))
    g_error ("xorriso failed: %s", err);
}

static void
define_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static void
start_guest (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GAsyncResult) start = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  gint64 begin;

  guest.root = hearth_test_embed_root_new ();
  guest.uri = hearth_test_embed_uri (guest.root);
  guest.serial = g_build_filename (guest.root, "settings-serial.log", NULL);
  make_iso ();

  guest.connection = hearth_test_open_connection (guest.uri);
  xml = build_guest_xml ();
  hearth_connection_define_xml_async (guest.connection, xml, NULL, define_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, TIMEOUT_MS));
  guest.machine = hearth_connection_define_xml_finish (guest.connection, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (guest.machine);

  guest.conn = virConnectOpen (guest.uri);
  g_assert_nonnull (guest.conn);
  guest.dom = virDomainLookupByUUIDString (guest.conn, hearth_machine_get_uuid (guest.machine));
  g_assert_nonnull (guest.dom);

  begin = g_get_monotonic_time ();
  hearth_machine_run_action_async (guest.machine, HEARTH_MACHINE_ACTION_START, NULL, result_cb,
                                   &start);
  g_assert_true (hearth_test_wait (have_result, &start, TIMEOUT_MS));
  hearth_machine_run_action_finish (guest.machine, start, &error);
  g_assert_no_error (error);
  hearth_test_serial_wait_for (guest.serial, HEARTH_TEST_GUEST_READY, TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_test_message ("guest ready after %.1f s",
                  (g_get_monotonic_time () - begin) / (double) G_USEC_PER_SEC);
}

/* Boots the guest for the first test; a test after a failed boot skips. */
static gboolean
ensure_guest (void)
{
  g_autoptr(GError) error = NULL;

  if (!hearth_test_guest_available (&error))
    {
      g_test_skip (error->message);
      return FALSE;
    }
  if (guest.failed)
    {
      g_test_skip ("the guest did not boot");
      return FALSE;
    }
  if (guest.machine == NULL)
    {
      guest.failed = TRUE;
      start_guest ();
      guest.failed = FALSE;
    }
  return TRUE;
}

static char *
qmp (const char *command)
{
  char *reply = NULL;

  g_assert_cmpint (virDomainQemuMonitorCommand (guest.dom, command, &reply, 0), ==, 0);
  return reply;
}

/* Runs @command in the guest; returns its output. */
static char *
guest_run (const char *command)
{
  g_autoptr(GError) error = NULL;
  char *output = NULL;
  int status = -1;

  hearth_test_guest_run (guest.serial, command, TIMEOUT_MS, &output, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  return output;
}

/* Asks the guest until its answer contains @needle (hot-plug and balloon work
 * asynchronously in the guest); a timeout fails. */
static gboolean
guest_wait_for (const char *command,
                gboolean  (*check) (const char *output, gpointer data),
                gpointer    data)
{
  gint64 deadline = g_get_monotonic_time () + TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  while (g_get_monotonic_time () < deadline)
    {
      g_autofree char *output = guest_run (command);

      if (check (output, data))
        return TRUE;
      hearth_test_iterate_for (500);
    }
  return FALSE;
}

static void
test_cdrom (void)
{
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *inserted = NULL;
  g_autofree char *ejected = NULL;
  HearthSettingFlags now = 0, next_start = 0;

  if (!ensure_guest ())
    return;

  settings = load_settings ();
  g_assert_true (hearth_machine_settings_get_running (settings));
  before = qmp ("{\"execute\":\"query-block\"}");
  g_assert_null (strstr (before, "HEARTH_TEST"));
  g_assert_null (strstr (before, ".iso"));

  hearth_machine_settings_set_cdrom (settings, NULL, guest.iso);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_CDROM);
  g_assert_cmpuint (next_start, ==, 0);
  inserted = qmp ("{\"execute\":\"query-block\"}");
  g_test_message ("query-block after insert: %.300s", inserted);
  g_assert_nonnull (strstr (inserted, "hearth test"));

  hearth_machine_settings_set_cdrom (settings, "sda", NULL);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_CDROM);
  ejected = qmp ("{\"execute\":\"query-block\"}");
  g_assert_null (strstr (ejected, "hearth test"));

  /* The configuration follows: the next start has no media either. */
  g_assert_null (strstr (hearth_machine_settings_get_xml (settings), "hearth test"));
}

/* The running machine's link state, from libvirt's live XML: libvirt updates it
 * only after QEMU carried out set_link. */
static gboolean
live_link_up (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthDomainXml) live = NULL;
  g_autoptr(GPtrArray) ifaces = NULL;
  g_autofree char *xml = NULL;

  hearth_machine_dup_xml_async (guest.machine, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, TIMEOUT_MS));
  xml = hearth_machine_dup_xml_finish (guest.machine, result, &error);
  g_assert_no_error (error);
  live = hearth_domain_xml_new (xml, &error);
  g_assert_no_error (error);
  ifaces = hearth_domain_xml_list_interfaces (live);
  g_assert_cmpuint (ifaces->len, ==, 1);
  return ((HearthInterfaceItem *) g_ptr_array_index (ifaces, 0))->link_up;
}

static void
test_link (void)
{
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0;
  HearthInterfaceItem *iface;

  if (!ensure_guest ())
    return;

  settings = load_settings ();
  hearth_machine_settings_set_interface_link (settings, GUEST_MAC, FALSE);
  g_assert_true (apply (settings, &now, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_LINK);
  iface = g_ptr_array_index (hearth_machine_settings_get_interfaces (settings), 0);
  g_assert_false (iface->link_up);
  g_assert_false (live_link_up ());

  hearth_machine_settings_set_interface_link (settings, GUEST_MAC, TRUE);
  g_assert_true (apply (settings, &now, NULL, &error));
  g_assert_no_error (error);
  iface = g_ptr_array_index (hearth_machine_settings_get_interfaces (settings), 0);
  g_assert_true (iface->link_up);
  g_assert_true (live_link_up ());
}

static gboolean
has_two_cpus (const char *output,
              gpointer    data)
{
  return strstr (output, "0-1") != NULL;
}

static void
test_vcpus (void)
{
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *present = NULL;
  HearthSettingFlags now = 0, next_start = 0;

  if (!ensure_guest ())
    return;

  settings = load_settings ();
  g_assert_cmpuint (hearth_machine_settings_get_live_vcpus (settings), ==, 1);
  g_assert_cmpuint (hearth_machine_settings_get_max_vcpus (settings), ==, 2);
  present = guest_run ("cat /sys/devices/system/cpu/present");
  g_assert_nonnull (strstr (present, "0"));
  g_assert_null (strstr (present, "0-1"));

  hearth_machine_settings_set_vcpus (settings, 2, 0);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_VCPUS);
  g_assert_cmpuint (next_start, ==, 0);
  g_assert_cmpuint (hearth_machine_settings_get_live_vcpus (settings), ==, 2);

  /* The guest sees the new CPU, and can bring it online. */
  g_assert_true (guest_wait_for ("cat /sys/devices/system/cpu/present", has_two_cpus, NULL));
  g_free (guest_run ("[ \"$(cat /sys/devices/system/cpu/cpu1/online)\" = 1 ] || "
                     "echo 1 > /sys/devices/system/cpu/cpu1/online"));
  g_assert_true (guest_wait_for ("cat /sys/devices/system/cpu/online", has_two_cpus, NULL));

  /* More vCPUs than the host has threads are refused, and nothing changes. */
  {
    guint threads = hearth_machine_settings_get_host_threads (settings);
    g_autofree char *message = g_strdup_printf ("%u vCPUs are more than the host's %u threads",
                                                threads + 1, threads);

    g_assert_cmpuint (threads, >, 0);
    hearth_machine_settings_set_vcpus (settings, 2, threads + 1);
    g_assert_false (apply (settings, &now, &next_start, &error));
    g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
    g_assert_cmpstr (error->message, ==, message);
    hearth_machine_settings_discard (settings);
    g_clear_object (&settings);
    settings = load_settings ();
    g_assert_cmpuint (hearth_machine_settings_get_max_vcpus (settings), ==, 2);
    g_assert_cmpuint (hearth_machine_settings_get_live_vcpus (settings), ==, 2);
  }
}

static guint64
parse_mem_total_kib (const char *output)
{
  const char *line = strstr (output, "MemTotal:");

  g_assert_nonnull (line);
  return g_ascii_strtoull (line + strlen ("MemTotal:"), NULL, 10);
}

static gboolean
mem_total_below (const char *output,
                 gpointer    data)
{
  return parse_mem_total_kib (output) < *(guint64 *) data;
}

static gboolean
live_memory_is_160 (gpointer data)
{
  g_autoptr(HearthMachineSettings) settings = load_settings ();

  if (hearth_machine_settings_get_live_memory (settings) == 160 * MIB)
    return TRUE;
  hearth_test_iterate_for (500);
  return FALSE;
}

static void
test_balloon (void)
{
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *meminfo = NULL;
  HearthSettingFlags now = 0, next_start = 0;
  guint64 before_kib, limit_kib;

  if (!ensure_guest ())
    return;

  settings = load_settings ();
  g_assert_cmpuint (hearth_machine_settings_get_live_memory (settings), ==, 256 * MIB);
  meminfo = guest_run ("grep MemTotal /proc/meminfo");
  before_kib = parse_mem_total_kib (meminfo);

  hearth_machine_settings_set_memory (settings, 160 * MIB, 0);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_MEMORY);
  g_assert_cmpuint (next_start, ==, 0);
  g_assert_cmpuint (hearth_machine_settings_get_memory (settings), ==, 160 * MIB);
  g_assert_cmpuint (hearth_machine_settings_get_max_memory (settings), ==, 256 * MIB);

  /* The balloon takes 96 MiB from the guest; allow for rounding. */
  limit_kib = before_kib - 64 * 1024;
  g_assert_true (guest_wait_for ("grep MemTotal /proc/meminfo", mem_total_below, &limit_kib));
  g_test_message ("guest MemTotal %" G_GUINT64_FORMAT " KiB before the balloon", before_kib);

  /* libvirt learns the balloon's new size from QEMU's events. */
  g_assert_true (hearth_test_wait (live_memory_is_160, NULL, TIMEOUT_MS));

  /* More than the running maximum waits for the next start. */
  hearth_machine_settings_set_memory (settings, 160 * MIB, 320 * MIB);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (next_start, ==, HEARTH_SETTING_MEMORY);
}

static gboolean
output_equals (const char *output,
               gpointer    data)
{
  g_autofree char *stripped = g_strstrip (g_strdup (output));

  return g_str_equal (stripped, data);
}

/* A running machine's disk grows through QEMU, and the guest sees the new size. */
static void
test_grow_disk (void)
{
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *sectors = NULL;
  HearthSettingFlags now = 0, next_start = 0;

  if (!ensure_guest ())
    return;

  settings = load_settings ();
  sectors = guest_run ("cat /sys/block/vda/size");
  g_assert_cmpstr (g_strstrip (sectors), ==, "131072");

  hearth_machine_settings_resize_disk (settings, "vda", 32 * MIB);
  g_assert_false (apply (settings, NULL, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "A disk can only grow: vda is 64 MiB now, more than 32 MiB");
  g_clear_error (&error);
  hearth_machine_settings_discard (settings);

  hearth_machine_settings_resize_disk (settings, "vda", 96 * MIB);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_RESIZE_DISK);
  g_assert_cmpuint (next_start, ==, 0);
  g_assert_true (guest_wait_for ("cat /sys/block/vda/size", output_equals, (gpointer) "196608"));
}

/* An existing qcow2 image is hot-plugged as a new virtio disk the guest sees. */
static void
test_attach_disk (void)
{
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *err = NULL;
  HearthSettingFlags now = 0, next_start = 0;
  int status = 0;
  const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", NULL, "16M", NULL };

  if (!ensure_guest ())
    return;

  path = g_build_filename (guest.root, "extra 数据.qcow2", NULL);
  argv[5] = path;
  g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  settings = load_settings ();
  hearth_machine_settings_attach_disk (settings, path);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_ATTACH_DISK);
  g_assert_cmpuint (next_start, ==, 0);

  /* 16 MiB in 512-byte sectors. */
  g_assert_true (guest_wait_for ("cat /sys/block/vdb/size 2>/dev/null || true", output_equals,
                                 (gpointer) "32768"));
}

/* A running machine cannot be renamed; the refusal changes nothing. */
static void
test_refusal (void)
{
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;

  if (!ensure_guest ())
    return;

  settings = load_settings ();
  hearth_machine_settings_set_name (settings, "renamed");
  g_assert_false (apply (settings, NULL, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE);
  g_assert_cmpstr (error->message, ==, "The machine must be shut off to be renamed");
  g_assert_cmpstr (hearth_machine_get_name (guest.machine), ==, GUEST_NAME);
}

/* On this emulated (TCG) machine host-passthrough is refused with its reason;
 * a named model from the domain capabilities and a new MAC address wait for the
 * next start, and QEMU starts with them. The firmware of a running machine does
 * not change. Runs last: it restarts the guest. */
static void
test_cpu_model (void)
{
  g_autoptr(HearthMachineSettings) settings = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0, next_start = 0;
  HearthSettingBlock block = HEARTH_SETTING_BLOCK_NONE;
  const char * const *models;
  g_autofree char *live = NULL;
  const char *new_mac = "52:54:00:4e:a7:02";

  if (!ensure_guest ())
    return;

  settings = load_settings ();
  models = hearth_machine_settings_get_cpu_models (settings);
  g_assert_nonnull (models);
  g_assert_true (g_strv_contains (models, "qemu64"));

  g_assert_false (hearth_machine_settings_can_use_cpu_model (settings, "host-passthrough",
                                                             &block, &error));
  g_assert_cmpint (block, ==, HEARTH_SETTING_BLOCK_TCG);
  g_clear_error (&error);
  hearth_machine_settings_set_cpu_model (settings, "host-passthrough");
  g_assert_false (apply (settings, NULL, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
  g_assert_cmpstr (error->message, ==,
                   "host-passthrough needs KVM, but this machine runs on QEMU's emulator (TCG); "
                   "choose host-model or a named model");
  g_clear_error (&error);
  hearth_machine_settings_discard (settings);

  g_assert_false (hearth_machine_settings_can_change_firmware (settings, &block, &error));
  g_assert_cmpint (block, ==, HEARTH_SETTING_BLOCK_RUNNING);
  g_clear_error (&error);
  if (!g_file_test ("/dev/dri", G_FILE_TEST_IS_DIR))
    {
      g_assert_false (hearth_machine_settings_can_accel3d (settings, &block, &error));
      g_assert_cmpint (block, ==, HEARTH_SETTING_BLOCK_NO_RENDER_NODE);
      g_clear_error (&error);
    }

  hearth_machine_settings_set_cpu_model (settings, "qemu64");
  hearth_machine_settings_set_interface_mac (settings, GUEST_MAC, new_mac);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, 0);
  g_assert_cmpuint (next_start, ==, HEARTH_SETTING_CPU_MODEL | HEARTH_SETTING_MAC);
  g_assert_cmpstr (hearth_machine_settings_get_cpu_model (settings), ==, "qemu64");

  /* The next start: QEMU runs the named model with the new address. */
  g_assert_cmpint (virDomainDestroy (guest.dom), ==, 0);
  g_assert_cmpint (virDomainCreate (guest.dom), ==, 0);
  live = virDomainGetXMLDesc (guest.dom, 0);
  g_assert_nonnull (strstr (live, ">qemu64</model>"));
  g_assert_nonnull (strstr (live, new_mac));
}

static void
tear_down_guest (void)
{
  if (guest.dom != NULL)
    {
      int state = VIR_DOMAIN_NOSTATE;

      /* Never leave QEMU behind. */
      if (virDomainGetState (guest.dom, &state, NULL, 0) == 0 && state != VIR_DOMAIN_SHUTOFF)
        virDomainDestroy (guest.dom);
      virDomainUndefine (guest.dom);
      virDomainFree (guest.dom);
    }
  if (guest.conn != NULL)
    virConnectClose (guest.conn);
  g_clear_object (&guest.connection);
  if (guest.root != NULL)
    hearth_test_embed_root_remove (guest.root);
  g_clear_pointer (&guest.root, g_free);
  g_clear_pointer (&guest.uri, g_free);
  g_clear_pointer (&guest.serial, g_free);
  g_clear_pointer (&guest.iso, g_free);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* The embedded driver runs in this process, and libvirt 9.0 shortens a long
   * machine name for QEMU's paths with mbstowcs(): in the C locale it cuts a
   * UTF-8 character in half and QEMU cannot start ("failed to convert virJSONValue
   * to yajl data"). Hearth runs in the user's UTF-8 locale; so does this test. */
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add_func ("/integration/settings/cdrom", test_cdrom);
  g_test_add_func ("/integration/settings/link", test_link);
  g_test_add_func ("/integration/settings/vcpus", test_vcpus);
  g_test_add_func ("/integration/settings/balloon", test_balloon);
  g_test_add_func ("/integration/settings/grow-disk", test_grow_disk);
  g_test_add_func ("/integration/settings/attach-disk", test_attach_disk);
  g_test_add_func ("/integration/settings/refusal", test_refusal);
  g_test_add_func ("/integration/settings/cpu-model", test_cpu_model);

  ret = g_test_run ();
  tear_down_guest ();
  return ret;
}
