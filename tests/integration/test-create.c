/* test-create.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-create"

#include "config.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <unistd.h>

#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

/*
 * Machine creation against the real QEMU driver (qemu:///embed, TCG): every
 * preset × the OS set of issue 4 is defined (libvirt validates it against QEMU's
 * capabilities), samples boot their firmware and keep running, and failures in
 * the middle of a creation leave no disk and no machine behind.
 */

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define MIB (G_GUINT64_CONSTANT (1) << 20)

static const char *os_set[] = {
  "http://microsoft.com/win/11",
  "http://ubuntu.com/ubuntu/22.04",
  "http://debian.org/debian/11",
  "http://fedoraproject.org/fedora/37",
  "http://centos.org/centos-stream/9",
  "http://alpinelinux.org/alpinelinux/3.17",
  NULL,
};

static char *embed_root;
static HearthConnection *connection;

typedef struct
{
  gboolean done;
  HearthMachine *machine;
  GError *error;
} Result;

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;

  res->machine = hearth_machine_builder_create_finish (HEARTH_CONNECTION (source), result,
                                                       &res->error);
  res->done = TRUE;
}

static void
action_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  Result *res = user_data;

  hearth_machine_run_action_finish (HEARTH_MACHINE (source), result, &res->error);
  res->done = TRUE;
}

static void
result_clear (Result *res)
{
  g_clear_object (&res->machine);
  g_clear_error (&res->error);
  res->done = FALSE;
}

static HearthMachine *
create (HearthMachineSpec *spec,
        GError           **error)
{
  Result res = { 0 };

  hearth_machine_builder_create_async (connection, spec, NULL, create_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, 60000));
  if (res.error != NULL)
    g_propagate_error (error, g_steal_pointer (&res.error));
  return res.machine;
}

static gboolean
is_loaded (gpointer user_data)
{
  return hearth_os_database_is_loaded (user_data);
}

static void
setup (void)
{
  HearthOsDatabase *db = hearth_os_database_get_default ();
  g_autofree char *uri = NULL;

  if (connection != NULL)
    return;

  embed_root = hearth_test_embed_root_new ();
  if (geteuid () == 0)
    {
      /* swtpm runs as "tss" by default, which cannot enter the root-only embed
       * root: run it as root like QEMU itself (see hearth_test_embed_root_new). */
      g_autofree char *conf = g_build_filename (embed_root, "etc", "qemu.conf", NULL);
      g_autofree char *contents = NULL;
      g_autofree char *updated = NULL;

      g_assert_true (g_file_get_contents (conf, &contents, NULL, NULL));
      updated = g_strconcat (contents, "swtpm_user = \"root\"\nswtpm_group = \"root\"\n", NULL);
      g_assert_true (g_file_set_contents (conf, updated, -1, NULL));
    }
  uri = hearth_test_embed_uri (embed_root);
  connection = hearth_test_open_connection (uri);
  hearth_os_database_load_async (db, NULL, NULL, NULL);
  g_assert_true (hearth_test_wait (is_loaded, db, 60000));
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

/* The disk images Hearth made in the embed root, sorted. */
static char *
list_images (void)
{
  g_autofree char *dir = g_build_filename (embed_root, "hearth-images", NULL);
  g_autoptr(GDir) handle = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (handle != NULL && (name = g_dir_read_name (handle)))
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (",", (char **) names->pdata);
}

static void
test_matrix (void)
{
  GListModel *presets = hearth_preset_list_default ();
  g_autoptr(HearthHostProfile) host = hearth_host_profile_new (16, 8, 32 * GIB, 0);
  guint before;
  guint n = 0;

  setup ();
  before = g_list_model_get_n_items (hearth_connection_get_machines (connection));

  for (guint p = 0; p < g_list_model_get_n_items (presets); p++)
    {
      g_autoptr(HearthPreset) preset = g_list_model_get_item (presets, p);

      for (guint o = 0; o < G_N_ELEMENTS (os_set); o++)
        {
          g_autofree char *name = g_strdup_printf ("%s × %s", hearth_preset_get_name (preset),
                                                   os_set[o] ? os_set[o] : "?");
          g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
          g_autoptr(HearthMachine) machine = NULL;
          g_autoptr(GError) error = NULL;
          HearthPresetSizing sizing;

          g_assert_true (hearth_preset_size_for (preset, host, os_set[o], &sizing, &error));
          hearth_preset_sizing_apply (&sizing, spec);
          spec->os_id = g_strdup (os_set[o]);
          spec->preset_id = g_strdup (hearth_preset_get_id (preset));
          /* The disk's size is not what this test is about; keep the files small. */
          spec->disk_size = GIB;

          /* qemu:///embed has no network filters: a purpose's DMZ is refused
           * before anything is made, and the home network works. */
          if (spec->network_zone == HEARTH_NETWORK_ZONE_DMZ)
            {
              machine = create (spec, &error);
              g_assert_null (machine);
              g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
              g_clear_error (&error);
              spec->network_zone = HEARTH_NETWORK_ZONE_HOME_NAT;
            }

          machine = create (spec, &error);
          if (error != NULL)
            g_error ("%s: %s", name, error->message);
          g_assert_cmpstr (hearth_machine_get_display_name (machine), ==, name);
          g_assert_cmpstr (hearth_machine_get_os_id (machine), ==, os_set[o]);
          g_assert_cmpuint (hearth_machine_get_vcpus (machine), ==, sizing.vcpus);
          g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_SHUTOFF);
          n++;
        }
    }

  g_test_message ("%u machines defined on qemu:///embed", n);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_connection_get_machines (connection)), ==,
                    before + n);
}

static gboolean
machine_running (gpointer user_data)
{
  return hearth_machine_get_state (user_data) == HEARTH_MACHINE_STATE_RUNNING;
}

/* Created machines start under TCG and keep running (their firmware waits for a
 * boot disk) for a couple of seconds without an error. */
static void
boot (const char *name,
      const char *preset_id,
      const char *os_id)
{
  g_autoptr(HearthHostProfile) host = hearth_host_profile_new (16, 8, 32 * GIB, 0);
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GTimer) timer = g_timer_new ();
  HearthPresetSizing sizing;

  setup ();
  g_assert_true (hearth_preset_size_for (hearth_preset_lookup (preset_id), host, os_id, &sizing,
                                         &error));
  hearth_preset_sizing_apply (&sizing, spec);
  spec->os_id = g_strdup (os_id);
  spec->vcpus = 1;
  spec->memory = 512 * MIB;
  spec->disk_size = GIB;

  machine = create (spec, &error);
  g_assert_no_error (error);
  g_test_message ("defined in %.3f s", g_timer_elapsed (timer, NULL));

  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_START, 60000);
  g_assert_true (hearth_test_wait (machine_running, machine, 30000));
  g_test_message ("running after %.3f s", g_timer_elapsed (timer, NULL));

  hearth_test_iterate_for (2000);
  g_assert_cmpint (hearth_machine_get_state (machine), ==, HEARTH_MACHINE_STATE_RUNNING);

  hearth_test_run_action (machine, HEARTH_MACHINE_ACTION_FORCE_OFF, 30000);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SHUTOFF, 30000));
}

static void
test_boot_bios (void)
{
  boot ("Alpine 启动 BIOS", "class-sandbox", "http://alpinelinux.org/alpinelinux/3.17");
}

static void
test_boot_uefi (void)
{
  /* UEFI with Secure Boot and an emulated TPM 2.0 (swtpm), as for Windows 11. */
  g_autofree char *swtpm = g_find_program_in_path ("swtpm");

  if (swtpm == NULL)
    {
      g_test_skip ("swtpm is not installed");
      return;
    }
  boot ("Windows 11 desk", "remote-office", "http://microsoft.com/win/11");
}

static void
assert_nothing_left (const char *images_before,
                     guint       machines_before)
{
  g_autofree char *images = list_images ();

  g_assert_cmpstr (images, ==, images_before);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_connection_get_machines (connection)), ==,
                    machines_before);
}

/* Failures before and in the middle of a creation leave nothing behind. */
static void
test_rollback (void)
{
  g_autofree char *images = NULL;
  g_autofree char *not_iso = NULL;
  guint machines;
  g_autoptr(GError) error = NULL;

  setup ();
  {
    g_autoptr(HearthMachineSpec) first = hearth_machine_spec_new ("name in use");
    g_autoptr(HearthMachine) machine = create (first, &error);

    g_assert_no_error (error);
  }
  images = list_images ();
  machines = g_list_model_get_n_items (hearth_connection_get_machines (connection));

  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("name in use");
    g_autoptr(HearthMachine) machine = create (spec, &error);

    g_assert_null (machine);
    g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN);
    g_clear_error (&error);
    assert_nothing_left (images, machines);
  }

  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("bad ISO");
    g_autoptr(HearthMachine) machine = NULL;

    not_iso = g_build_filename (embed_root, "not-an.iso", NULL);
    g_assert_true (g_file_set_contents (not_iso, "#!/bin/sh\necho not an ISO\n", -1, NULL));
    spec->iso_path = g_strdup (not_iso);
    machine = create (spec, &error);
    g_assert_null (machine);
    g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    assert_nothing_left (images, machines);
  }

  {
    /* QEMU's q35 machine takes at most 288 vCPUs, which libvirt checks when it
     * defines the machine: after the disk exists. */
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("too many vCPUs");
    g_autoptr(HearthMachine) machine = NULL;

    spec->vcpus = 4096;
    machine = create (spec, &error);
    g_assert_null (machine);
    g_test_message ("%s", error->message);
    g_assert_nonnull (error);
    g_clear_error (&error);
    assert_nothing_left (images, machines);
  }

  {
    g_autofree char *audit = hearth_test_dup_audit_log ();

    g_assert_nonnull (strstr (audit, "\"create-rollback\""));
  }
}

static void
xml_cb (GObject      *source,
        GAsyncResult *result,
        gpointer      user_data)
{
  char **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hearth_machine_dup_xml_finish (HEARTH_MACHINE (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_set (gpointer user_data)
{
  return *(gpointer *) user_data != NULL;
}

static char *
dup_xml (HearthMachine *machine)
{
  char *xml = NULL;

  hearth_machine_dup_xml_async (machine, NULL, xml_cb, &xml);
  g_assert_true (hearth_test_wait (pointer_set, &xml, 30000));
  return xml;
}

static void
probe_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  HearthHostProfile **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hearth_host_profile_probe_finish (result, &error);
  g_assert_no_error (error);
}

/* The real host through the QEMU driver: numbers from virNodeGetInfo, free space
 * where Hearth's images go, GPUs from sysfs (embed has no node devices). */
static void
test_host (void)
{
  g_autoptr(HearthHostProfile) host = NULL;
  g_autofree char *json = NULL;

  setup ();
  hearth_host_profile_probe_async (connection, NULL, probe_cb, &host);
  g_assert_true (hearth_test_wait (pointer_set, &host, 30000));
  json = hearth_host_profile_to_json (host);
  g_test_message ("%s", json);
  g_assert_cmpuint (hearth_host_profile_get_threads (host), >, 0);
  g_assert_cmpuint (hearth_host_profile_get_memory (host), >, 0);
  g_assert_cmpuint (hearth_host_profile_get_pool_free (host), >, 0);
  /* qemu:///embed has no network filters: no DMZ. */
  g_assert_false (hearth_host_profile_get_dmz_available (host));
}

/* UEFI without Secure Boot: libvirt picks a firmware build without it. */
static void
test_uefi_plain (void)
{
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("plain UEFI");
  g_autoptr(HearthMachine) machine = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;

  setup ();
  spec->firmware = HEARTH_FIRMWARE_UEFI;
  spec->disk_size = GIB;
  machine = create (spec, &error);
  g_assert_no_error (error);
  xml = dup_xml (machine);
  g_assert_nonnull (strstr (xml, "firmware='efi'"));
  g_assert_null (strstr (xml, "<smm state='on'/>"));
  /* HEARTH_FORCE_TCG=1 (set in main) wins over KVM. */
  g_assert_true (g_str_has_prefix (xml, "<domain type='qemu'"));
}

static int
run (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  int status = -1;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL,
                               G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL
                               | G_SPAWN_STDERR_TO_DEV_NULL,
                               NULL, NULL, NULL, NULL, &status, &error));
  g_assert_no_error (error);
  return g_spawn_check_wait_status (status, NULL) ? 0 : 1;
}

/* Starting from an existing image: a copy into Hearth's storage (same contents,
 * at least as large), or the image itself, in its own format. */
static void
test_import (void)
{
  g_autofree char *source = NULL;
  g_autofree char *images = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) data = g_string_new (NULL);

  setup ();
  source = g_build_filename (embed_root, "existing disk.img", NULL);
  for (int i = 0; i < 4096; i++)
    g_string_append (data, "HEARTH-IMPORT-TEST-DATA ");
  g_assert_true (g_file_set_contents (source, data->str, data->len, &error));
  /* Round the raw image up to whole MiB, as qemu-img expects of raw images. */
  g_assert_cmpint (truncate (source, 4 * 1024 * 1024), ==, 0);

  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("imported copy");
    g_autoptr(HearthMachine) machine = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *copy = NULL;
    const char *start;

    spec->disk_source = HEARTH_DISK_SOURCE_IMPORT_COPY;
    spec->import_path = g_strdup (source);
    /* Smaller than the image: the copy takes the image's size (qemu-img convert -n
     * refuses a smaller target). */
    spec->disk_size = MIB;
    machine = create (spec, &error);
    g_assert_no_error (error);

    xml = dup_xml (machine);
    start = strstr (xml, "hearth-images/");
    g_assert_nonnull (start);
    g_assert_nonnull (strstr (xml, "type='qcow2'"));
    copy = g_strndup (start - strlen (embed_root) - 1,
                      strchr (start, '\'') - (start - strlen (embed_root) - 1));
    g_test_message ("copy: %s", copy);
    {
      const char *argv[] = { "qemu-img", "compare", "-q", source, copy, NULL };

      g_assert_cmpint (run (argv), ==, 0);
    }
  }

  images = list_images ();
  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("imported in place");
    g_autoptr(HearthMachine) machine = NULL;
    g_autofree char *xml = NULL;
    g_autofree char *images_after = NULL;

    spec->disk_source = HEARTH_DISK_SOURCE_IMPORT_IN_PLACE;
    spec->import_path = g_strdup (source);
    machine = create (spec, &error);
    g_assert_no_error (error);
    xml = dup_xml (machine);
    g_assert_nonnull (strstr (xml, "existing disk.img"));
    g_assert_nonnull (strstr (xml, "type='raw'"));
    /* Nothing new in Hearth's storage, and no empty CD-ROM drive either. */
    images_after = list_images ();
    g_assert_cmpstr (images_after, ==, images);
    g_assert_null (strstr (xml, "device='cdrom'"));
  }
}

/* --- qemu:///system: a real daemon's storage pool and networks ------------------
 *
 * These run when the test runs as root next to a system libvirtd (as in CI, where
 * build-aux/hearth-dev starts one) and are skipped otherwise. They make machines
 * with a per-run name prefix and remove them again; a pool, network or filter of
 * Hearth's that did not exist before is removed at the end, and libvirt's
 * "default" network is put back as it was, so every run starts fresh.
 */

typedef struct
{
  virConnectPtr conn;
  HearthConnection *connection;
  gboolean had_pool;           /* "hearth" or "default" pool before the test */
  gboolean had_dmz_network;
  gboolean had_dmz_filter;
  int default_net_active;      /* -1: no "default" network */
  int default_net_autostart;
  GPtrArray *names;            /* (element-type utf8) machines to remove */
} SystemFixture;

static gboolean
system_setup (SystemFixture *fx)
{
  virNetworkPtr network;
  virStoragePoolPtr pool;

  memset (fx, 0, sizeof *fx);
  if (geteuid () != 0)
    {
      g_test_skip ("qemu:///system tests need root");
      return FALSE;
    }
  if (!g_file_test ("/run/libvirt/libvirt-sock", G_FILE_TEST_EXISTS)
      || !(fx->conn = virConnectOpen ("qemu:///system")))
    {
      virResetLastError ();
      g_test_skip ("no system libvirtd runs (start virtlogd -d and libvirtd -d, as "
                   "build-aux/hearth-dev does)");
      return FALSE;
    }
  for (const char *const *name = (const char *[]) { "hearth", "default", NULL }; *name; name++)
    if ((pool = virStoragePoolLookupByName (fx->conn, *name)))
      {
        fx->had_pool = TRUE;
        virStoragePoolFree (pool);
      }
  if ((network = virNetworkLookupByName (fx->conn, "hearth-dmz")))
    {
      fx->had_dmz_network = TRUE;
      virNetworkFree (network);
    }
  {
    virNWFilterPtr filter = virNWFilterLookupByName (fx->conn, "hearth-dmz");

    if (filter != NULL)
      {
        fx->had_dmz_filter = TRUE;
        virNWFilterFree (filter);
      }
  }
  fx->default_net_active = -1;
  if ((network = virNetworkLookupByName (fx->conn, "default")))
    {
      fx->default_net_active = virNetworkIsActive (network);
      virNetworkGetAutostart (network, &fx->default_net_autostart);
      virNetworkFree (network);
    }
  virResetLastError ();
  fx->names = g_ptr_array_new_with_free_func (g_free);
  fx->connection = hearth_test_open_connection ("qemu:///system");
  return TRUE;
}

static HearthMachine *
system_create (SystemFixture     *fx,
               HearthMachineSpec *spec,
               GError           **error)
{
  Result res = { 0 };

  g_ptr_array_add (fx->names, g_strdup (spec->name));
  hearth_machine_builder_create_async (fx->connection, spec, NULL, create_cb, &res);
  g_assert_true (hearth_test_wait_flag (&res.done, 60000));
  if (res.error != NULL)
    g_propagate_error (error, res.error);
  return res.machine;
}

static void
remove_network (virConnectPtr conn,
                const char   *name)
{
  virNetworkPtr network = virNetworkLookupByName (conn, name);

  if (network == NULL)
    return;
  if (virNetworkIsActive (network) == 1)
    virNetworkDestroy (network);
  virNetworkUndefine (network);
  virNetworkFree (network);
}

static void
system_teardown (SystemFixture *fx)
{
  virNetworkPtr network;

  if (fx->conn == NULL)
    return;
  for (guint i = 0; i < fx->names->len; i++)
    {
      virDomainPtr domain = virDomainLookupByName (fx->conn, fx->names->pdata[i]);
      g_autofree char *xml = NULL;

      if (domain == NULL)
        continue;
      if (virDomainIsActive (domain) == 1)
        virDomainDestroy (domain);
      xml = virDomainGetXMLDesc (domain, 0);
      virDomainUndefineFlags (domain, VIR_DOMAIN_UNDEFINE_NVRAM | VIR_DOMAIN_UNDEFINE_TPM);
      virDomainFree (domain);
      /* Its disk, a volume of Hearth's pool. */
      if (xml != NULL)
        {
          const char *start = strstr (xml, "<source file='/var/lib/libvirt/images/");

          if (start != NULL)
            {
              const char *file = start + strlen ("<source file='");
              g_autofree char *path = g_strndup (file, strchr (file, '\'') - file);
              virStorageVolPtr vol = virStorageVolLookupByPath (fx->conn, path);

              if (vol != NULL)
                {
                  virStorageVolDelete (vol, 0);
                  virStorageVolFree (vol);
                }
            }
        }
    }
  if (!fx->had_dmz_network)
    remove_network (fx->conn, "hearth-dmz");
  if (!fx->had_dmz_filter)
    {
      virNWFilterPtr filter = virNWFilterLookupByName (fx->conn, "hearth-dmz");

      if (filter != NULL)
        {
          virNWFilterUndefine (filter);
          virNWFilterFree (filter);
        }
    }
  if (!fx->had_pool)
    {
      virStoragePoolPtr pool = virStoragePoolLookupByName (fx->conn, "hearth");

      if (pool != NULL)
        {
          virStoragePoolDestroy (pool);
          virStoragePoolUndefine (pool);
          virStoragePoolFree (pool);
        }
    }
  if (fx->default_net_active >= 0 && (network = virNetworkLookupByName (fx->conn, "default")))
    {
      virNetworkSetAutostart (network, fx->default_net_autostart);
      if (fx->default_net_active == 0 && virNetworkIsActive (network) == 1)
        virNetworkDestroy (network);
      virNetworkFree (network);
    }
  virResetLastError ();
  hearth_connection_close (fx->connection);
  g_clear_object (&fx->connection);
  g_ptr_array_unref (fx->names);
  virConnectClose (fx->conn);
}

static int
count_volumes (virConnectPtr conn)
{
  virStoragePoolPtr pool = virStoragePoolLookupByName (conn, "hearth");
  int n;

  if (pool == NULL)
    {
      virResetLastError ();
      return 0;
    }
  virStoragePoolRefresh (pool, 0);
  n = virStoragePoolNumOfVolumes (pool);
  virStoragePoolFree (pool);
  return n;
}

static char *
system_name (const char *what)
{
  return g_strdup_printf ("hearth-test-%d %s", (int) getpid (), what);
}

/* A fresh qemu:///system has no storage pool: the first creation makes Hearth's
 * own directory pool (defined, built, started, autostarted), later ones reuse it,
 * and failures (disk too big for the pool, name taken, libvirt refusing the
 * machine after the disk exists) leave no volume and no machine. */
static void
test_system_pool (void)
{
  SystemFixture fx;
  g_autoptr(GError) error = NULL;
  g_autofree char *first_name = system_name ("first");
  g_autofree char *pool_uuid = NULL;
  char uuid[VIR_UUID_STRING_BUFLEN];
  virStoragePoolPtr pool;
  int autostart = 0;
  int volumes;
  guint machines;

  if (!system_setup (&fx))
    return;
  if (fx.had_pool)
    g_test_message ("qemu:///system already has a pool; testing its reuse, not its creation");

  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (first_name);
    g_autoptr(HearthMachine) machine = NULL;

    spec->disk_size = GIB;
    machine = system_create (&fx, spec, &error);
    g_assert_no_error (error);
    g_assert_nonnull (machine);
  }

  if (!fx.had_pool)
    {
      g_autofree char *xml = NULL;

      pool = virStoragePoolLookupByName (fx.conn, "hearth");
      g_assert_nonnull (pool);
      g_assert_cmpint (virStoragePoolIsActive (pool), ==, 1);
      g_assert_cmpint (virStoragePoolGetAutostart (pool, &autostart), ==, 0);
      g_assert_true (autostart);
      xml = virStoragePoolGetXMLDesc (pool, 0);
      g_assert_nonnull (strstr (xml, "<path>/var/lib/libvirt/images</path>"));
      g_assert_cmpint (virStoragePoolGetUUIDString (pool, uuid), ==, 0);
      pool_uuid = g_strdup (uuid);
      g_assert_cmpint (virStoragePoolNumOfVolumes (pool), ==, 1);
      virStoragePoolFree (pool);
    }

  /* A second machine: the same pool, no other pool made. */
  {
    g_autofree char *name = system_name ("second");
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
    g_autoptr(HearthMachine) machine = NULL;

    spec->disk_size = GIB;
    machine = system_create (&fx, spec, &error);
    g_assert_no_error (error);
    if (pool_uuid != NULL)
      {
        pool = virStoragePoolLookupByName (fx.conn, "hearth");
        g_assert_cmpint (virStoragePoolGetUUIDString (pool, uuid), ==, 0);
        g_assert_cmpstr (uuid, ==, pool_uuid);
        virStoragePoolFree (pool);
        g_assert_cmpint (virConnectNumOfStoragePools (fx.conn)
                           + virConnectNumOfDefinedStoragePools (fx.conn), ==, 1);
      }
  }

  volumes = count_volumes (fx.conn);
  machines = g_list_model_get_n_items (hearth_connection_get_machines (fx.connection));

  /* A disk bigger than the pool's free space. */
  {
    g_autofree char *name = system_name ("too big");
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
    g_autoptr(HearthMachine) machine = NULL;

    spec->disk_size = G_GUINT64_CONSTANT (1) << 52;  /* 4 PiB */
    machine = system_create (&fx, spec, &error);
    g_assert_null (machine);
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
    g_clear_error (&error);
  }

  /* A name that is taken. */
  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (first_name);
    g_autoptr(HearthMachine) machine = NULL;

    machine = system_create (&fx, spec, &error);
    g_assert_null (machine);
    g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN);
    g_clear_error (&error);
  }

  /* libvirt refuses the machine after its disk exists (q35 takes 288 vCPUs at most). */
  {
    g_autofree char *name = system_name ("too many vCPUs");
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
    g_autoptr(HearthMachine) machine = NULL;

    spec->disk_size = GIB;
    spec->vcpus = 4096;
    machine = system_create (&fx, spec, &error);
    g_assert_null (machine);
    g_assert_nonnull (error);
    g_test_message ("%s", error->message);
    g_clear_error (&error);
  }

  g_assert_cmpint (count_volumes (fx.conn), ==, volumes);
  g_assert_cmpuint (g_list_model_get_n_items (hearth_connection_get_machines (fx.connection)), ==,
                    machines);
  system_teardown (&fx);
}

static gboolean
machine_running_or_failed (gpointer user_data)
{
  Result *res = user_data;

  return res->done;
}

/* The DMZ on a real daemon: Hearth's network and traffic filter are made by the
 * first DMZ machine and reused by the next; the machine starts, so libvirt
 * instantiated the filter on its card; an existing "hearth-dmz" network is used
 * as it is, never redefined. */
static void
test_system_dmz (void)
{
  SystemFixture fx;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthMachine) first = NULL;
  g_autofree char *first_name = system_name ("DMZ 1");
  char net_uuid[VIR_UUID_STRING_BUFLEN];
  char filter_uuid[VIR_UUID_STRING_BUFLEN];
  char uuid[VIR_UUID_STRING_BUFLEN];
  virNetworkPtr network;
  virNWFilterPtr filter;

  if (!system_setup (&fx))
    return;
  if (fx.had_dmz_network || fx.had_dmz_filter)
    g_test_message ("qemu:///system already has Hearth's DMZ network or filter: testing reuse");

  /* The system connection can give the DMZ, and the host profile says so. */
  {
    g_autoptr(HearthHostProfile) host = NULL;

    hearth_host_profile_probe_async (fx.connection, NULL, probe_cb, &host);
    g_assert_true (hearth_test_wait (pointer_set, &host, 30000));
    g_assert_true (hearth_host_profile_get_dmz_available (host));
  }

  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (first_name);
    g_autofree char *xml = NULL;
    g_autofree char *gateway = NULL;
    g_autofree char *net_xml = NULL;

    spec->disk_size = GIB;
    spec->network_zone = HEARTH_NETWORK_ZONE_DMZ;
    first = system_create (&fx, spec, &error);
    g_assert_no_error (error);

    network = virNetworkLookupByName (fx.conn, "hearth-dmz");
    g_assert_nonnull (network);
    g_assert_cmpint (virNetworkIsActive (network), ==, 1);
    g_assert_cmpint (virNetworkGetUUIDString (network, net_uuid), ==, 0);
    net_xml = virNetworkGetXMLDesc (network, 0);
    virNetworkFree (network);
    filter = virNWFilterLookupByName (fx.conn, "hearth-dmz");
    g_assert_nonnull (filter);
    g_assert_cmpint (virNWFilterGetUUIDString (filter, filter_uuid), ==, 0);
    virNWFilterFree (filter);

    /* The card joins the network with the filter and the network's gateway. */
    xml = dup_xml (first);
    g_test_message ("%s", xml);
    g_assert_nonnull (strstr (xml, "<source network='hearth-dmz'"));
    g_assert_nonnull (strstr (xml, "<filterref filter='hearth-dmz'>"));
    gateway = g_strndup (strstr (net_xml, "<ip address='") + 13, 16);
    *strchr (gateway, '\'') = '\0';
    g_assert_nonnull (strstr (xml, gateway));
  }

  /* It starts (TCG; the firmware waits for a boot disk): the nwfilter driver
   * accepted the filter on its card. */
  {
    Result res = { 0 };
    virNWFilterBindingPtr *bindings = NULL;
    int n;
    gboolean bound = FALSE;

    hearth_machine_run_action_async (first, HEARTH_MACHINE_ACTION_START, NULL, action_cb, &res);
    g_assert_true (hearth_test_wait (machine_running_or_failed, &res, 60000));
    g_assert_no_error (res.error);
    n = virConnectListAllNWFilterBindings (fx.conn, &bindings, 0);
    for (int i = 0; i < n; i++)
      {
        bound = bound || g_strcmp0 (virNWFilterBindingGetFilterName (bindings[i]),
                                    "hearth-dmz") == 0;
        virNWFilterBindingFree (bindings[i]);
      }
    free (bindings);
    g_assert_true (bound);
    result_clear (&res);
  }

  /* A second DMZ machine uses the same network and filter. */
  {
    g_autofree char *name = system_name ("DMZ 2");
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
    g_autoptr(HearthMachine) machine = NULL;

    spec->disk_size = GIB;
    spec->network_zone = HEARTH_NETWORK_ZONE_DMZ;
    machine = system_create (&fx, spec, &error);
    g_assert_no_error (error);
    network = virNetworkLookupByName (fx.conn, "hearth-dmz");
    g_assert_cmpint (virNetworkGetUUIDString (network, uuid), ==, 0);
    g_assert_cmpstr (uuid, ==, net_uuid);
    virNetworkFree (network);
    filter = virNWFilterLookupByName (fx.conn, "hearth-dmz");
    g_assert_cmpint (virNWFilterGetUUIDString (filter, uuid), ==, 0);
    g_assert_cmpstr (uuid, ==, filter_uuid);
    virNWFilterFree (filter);
  }

  /* Someone else's stopped "hearth-dmz" is started and used, not redefined. */
  if (!fx.had_dmz_network)
    {
      g_autofree char *name = system_name ("DMZ 3");
      g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new (name);
      g_autoptr(HearthMachine) machine = NULL;
      g_autofree char *xml = NULL;
      const char *own = "<network><name>hearth-dmz</name><forward mode='nat'/>"
                        "<ip address='10.213.99.1' netmask='255.255.255.0'><dhcp>"
                        "<range start='10.213.99.10' end='10.213.99.20'/></dhcp></ip></network>";

      /* The running first machine holds the network: stop it first. */
      hearth_test_run_action (first, HEARTH_MACHINE_ACTION_FORCE_OFF, 60000);
      remove_network (fx.conn, "hearth-dmz");
      network = virNetworkDefineXML (fx.conn, own);
      g_assert_nonnull (network);
      g_assert_cmpint (virNetworkGetUUIDString (network, net_uuid), ==, 0);
      virNetworkFree (network);

      spec->disk_size = GIB;
      spec->network_zone = HEARTH_NETWORK_ZONE_DMZ;
      machine = system_create (&fx, spec, &error);
      g_assert_no_error (error);
      xml = dup_xml (machine);
      g_assert_nonnull (strstr (xml, "value='10.213.99.1'"));
      network = virNetworkLookupByName (fx.conn, "hearth-dmz");
      g_assert_cmpint (virNetworkIsActive (network), ==, 1);
      g_assert_cmpint (virNetworkGetUUIDString (network, uuid), ==, 0);
      g_assert_cmpstr (uuid, ==, net_uuid);
      g_free (xml);
      xml = virNetworkGetXMLDesc (network, 0);
      g_assert_nonnull (strstr (xml, "start='10.213.99.10'"));
      virNetworkFree (network);
    }

  system_teardown (&fx);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  /* KVM is present but unusable on the nested test machines (DESIGN.md). */
  g_setenv ("HEARTH_FORCE_TCG", "1", TRUE);
  hearth_test_init_core ();

  /* qemu:///system first: once this process embeds the QEMU driver (setup()),
   * libvirt routes qemu:///system to the embedded driver, which refuses it. */
  g_test_add_func ("/create/system-pool", test_system_pool);
  g_test_add_func ("/create/system-dmz", test_system_dmz);
  g_test_add_func ("/create/matrix", test_matrix);
  g_test_add_func ("/create/boot-bios", test_boot_bios);
  g_test_add_func ("/create/boot-uefi", test_boot_uefi);
  g_test_add_func ("/create/import", test_import);
  g_test_add_func ("/create/host", test_host);
  g_test_add_func ("/create/uefi-plain", test_uefi_plain);
  g_test_add_func ("/create/rollback", test_rollback);

  status = g_test_run ();

  if (connection != NULL)
    {
      hearth_connection_close (connection);
      g_clear_object (&connection);
      hearth_test_embed_root_remove (embed_root);
    }
  g_free (embed_root);
  return status;
}
