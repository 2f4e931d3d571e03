/* test-builder.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include <libvirt/libvirt.h>
#include <glib/gstdio.h>
#include <libxml/relaxng.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <unistd.h>

#include "hearth-core-private.h"
#include "hearth-wizard-private.h"
#include "hearth-test-utils.h"

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define DOMAIN_RNG "/usr/share/libvirt/schemas/domain.rng"

/* The representative OS set of issue 4; NULL is an OS libosinfo does not know. */
static const char *os_set[] = {
  "http://microsoft.com/win/11",
  "http://ubuntu.com/ubuntu/22.04",
  "http://debian.org/debian/11",
  "http://fedoraproject.org/fedora/37",
  "http://centos.org/centos-stream/9",
  "http://alpinelinux.org/alpinelinux/3.17",
  NULL,
};

static void
load_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_os_database_load_finish (HEARTH_OS_DATABASE (source), result, &error));
  *(gboolean *) user_data = TRUE;
}

static void
ensure_os_database (void)
{
  HearthOsDatabase *db = hearth_os_database_get_default ();
  gboolean done = FALSE;

  if (hearth_os_database_is_loaded (db))
    return;
  hearth_os_database_load_async (db, NULL, load_cb, &done);
  g_assert_true (hearth_test_wait_flag (&done, 60000));
}

static void
test_file_names (void)
{
  static const struct
  {
    const char *name;
    const char *prefix;   /* what the file name starts with */
    gboolean hashed;
  } cases[] = {
    { "Ubuntu Desk", "Ubuntu-Desk", FALSE },
    { "web_01.lab", "web_01.lab", FALSE },
    { "../../etc/passwd", "etc-passwd", TRUE },
    { "<&>'\"", "machine-", TRUE },
    { "测试机器", "machine-", TRUE },
    { "Café 🙂", "Cafe", TRUE },
    { ".hidden", "hidden", TRUE },
    { "", "machine-", TRUE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *file = hearth_machine_spec_dup_file_name (cases[i].name);

      g_test_message ("“%s” → %s", cases[i].name, file);
      g_assert_true (g_str_has_prefix (file, cases[i].prefix));
      g_assert_cmpuint (strlen (file), <=, 48 + 9);
      g_assert_true (file[0] != '.' && file[0] != '-');
      for (const char *p = file; *p; p++)
        g_assert_true (g_ascii_isalnum (*p) || *p == '-' || *p == '_' || *p == '.');
      /* A hash was added unless the prefix already ends in one ("machine-"). */
      if (cases[i].hashed && !g_str_has_suffix (cases[i].prefix, "-"))
        g_assert_cmpuint (strlen (file), >, strlen (cases[i].prefix) + 8);
    }

  /* Different names that lose the same characters still get different files. */
  {
    g_autofree char *a = hearth_machine_spec_dup_file_name ("机器");
    g_autofree char *b = hearth_machine_spec_dup_file_name ("机械");

    g_assert_cmpstr (a, !=, b);
  }
}

static xmlDocPtr
parse (const char *xml)
{
  xmlDocPtr doc = xmlReadMemory (xml, strlen (xml), NULL, NULL, XML_PARSE_NONET);

  g_assert_nonnull (doc);
  return doc;
}

static char *
xpath (xmlDocPtr   doc,
       const char *expression)
{
  xmlXPathContextPtr ctx = xmlXPathNewContext (doc);
  xmlXPathObjectPtr obj;
  xmlChar *str;
  char *result;

  xmlXPathRegisterNs (ctx, (const xmlChar *) "libosinfo",
                      (const xmlChar *) "http://libosinfo.org/xmlns/libvirt/domain/1.0");
  xmlXPathRegisterNs (ctx, (const xmlChar *) "hearth",
                      (const xmlChar *) "https://hearthvm.org/xmlns/hearth/1");
  obj = xmlXPathEvalExpression ((const xmlChar *) expression, ctx);
  g_assert_nonnull (obj);
  str = xmlXPathCastToString (obj);
  result = g_strdup ((const char *) str);
  xmlFree (str);
  xmlXPathFreeObject (obj);
  xmlXPathFreeContext (ctx);
  return result;
}

static void
assert_xpath (xmlDocPtr   doc,
              const char *expression,
              const char *expected)
{
  g_autofree char *value = xpath (doc, expression);

  g_assert_cmpstr (value, ==, expected);
}

static gboolean run_virt_xml_validate_as (const char *xml,
                                          const char *type);

static gboolean
run_virt_xml_validate (const char *xml)
{
  return run_virt_xml_validate_as (xml, "domain");
}

static gboolean
run_virt_xml_validate_as (const char *xml,
                          const char *type)
{
  g_autofree char *path = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  int fd = g_file_open_tmp ("hearth-domain-XXXXXX.xml", &path, &error);
  int status = -1;
  const char *argv[] = { "virt-xml-validate", NULL, type, NULL };

  g_assert_no_error (error);
  g_assert_true (g_file_set_contents (path, xml, -1, &error));
  close (fd);
  argv[1] = path;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH
                               | G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, &out, &status,
                               &error));
  g_assert_no_error (error);
  if (status != 0)
    g_test_message ("virt-xml-validate: %s", out);
  g_unlink (path);
  return g_spawn_check_wait_status (status, NULL);
}

/*
 * Every preset × the OS set gives domain XML that matches libvirt's domain schema
 * (checked in-process with the schema virt-xml-validate uses; the validator
 * itself runs on one machine per preset, which keeps the test fast).
 */
static void
test_xml_matrix (void)
{
  GListModel *presets = hearth_preset_list_default ();
  g_autoptr(HearthHostProfile) host = hearth_host_profile_new (16, 8, 32 * GIB, 1024 * GIB);
  xmlRelaxNGParserCtxtPtr parser;
  xmlRelaxNGPtr schema;
  xmlRelaxNGValidCtxtPtr validator;
  const char *gpus[] = { "Test GPU", NULL };
  guint n = 0;

  if (!g_file_test (DOMAIN_RNG, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("libvirt's domain schema is not installed (libvirt-clients)");
      return;
    }
  ensure_os_database ();
  hearth_host_profile_set_gpus (host, gpus);

  parser = xmlRelaxNGNewParserCtxt (DOMAIN_RNG);
  schema = xmlRelaxNGParse (parser);
  g_assert_nonnull (schema);
  validator = xmlRelaxNGNewValidCtxt (schema);

  for (guint p = 0; p < g_list_model_get_n_items (presets); p++)
    {
      g_autoptr(HearthPreset) preset = g_list_model_get_item (presets, p);

      for (guint o = 0; o < G_N_ELEMENTS (os_set); o++)
        {
          g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("机器 <&>'\" ../x 🙂");
          g_autoptr(GError) error = NULL;
          g_autofree char *xml = NULL;
          HearthPresetSizing sizing;
          HearthBuildTarget target = {
            .domain_type = "kvm",
            .arch = "x86_64",
            .machine = "q35",
            .disk_path = "/var/lib/libvirt/images/machine.qcow2",
            .disk_format = "qcow2",
            .host_3d = TRUE,
          };
          xmlDocPtr doc;

          g_assert_true (hearth_preset_size_for (preset, host, os_set[o], &sizing, &error));
          g_assert_no_error (error);
          hearth_preset_sizing_apply (&sizing, spec);
          spec->os_id = g_strdup (os_set[o]);
          spec->preset_id = g_strdup (hearth_preset_get_id (preset));
          /* Home NAT on libvirt's network or user-mode networking in turn; the
           * DMZ always comes with Hearth's network and filter. */
          if (sizing.network_zone == HEARTH_NETWORK_ZONE_DMZ)
            {
              target.network = "hearth-dmz";
              target.network_filter = "hearth-dmz";
              target.network_gateway = "192.168.213.1";
            }
          else if ((o % 2) == 0)
            target.network = "default";
          if (o == 1)
            spec->iso_path = g_strdup ("/srv/iso/ubuntu 22.04 & co.iso");

          xml = hearth_machine_builder_build_xml (spec, &target, &error);
          g_assert_no_error (error);
          doc = parse (xml);
          if (xmlRelaxNGValidateDoc (validator, doc) != 0)
            g_error ("%s × %s does not validate:\n%s", hearth_preset_get_id (preset),
                     os_set[o] ? os_set[o] : "unknown OS", xml);
          n++;

          /* What every machine has. */
          assert_xpath (doc, "string(/domain/title)", spec->name);
          assert_xpath (doc, "string(/domain/name)", "机器 <&>'\" ..-x 🙂");
          assert_xpath (doc, "string(/domain/@type)", "kvm");
          assert_xpath (doc, "string(/domain/os/type/@machine)", "q35");
          {
            g_autofree char *vcpus = g_strdup_printf ("%u", sizing.vcpus);

            assert_xpath (doc, "string(/domain/vcpu)", vcpus);
          }
          assert_xpath (doc, "string(/domain/metadata/libosinfo:libosinfo/libosinfo:os/@id)",
                        os_set[o] ? os_set[o] : "");
          assert_xpath (doc, "string(/domain/metadata/hearth:hearth/hearth:preset)",
                        hearth_preset_get_id (preset));
          assert_xpath (doc, "string(/domain/devices/disk[@device='disk']/source/@file)",
                        target.disk_path);
          assert_xpath (doc, "string(/domain/devices/graphics/listen/@type)", "none");
          assert_xpath (doc, "count(/domain/devices/redirdev[@type='spicevmc'])", "2");
          assert_xpath (doc, "string(/domain/devices/channel[@type='spicevmc']/target/@name)",
                        "com.redhat.spice.0");
          assert_xpath (doc, "count(/domain/devices/input[@type='tablet'])", "1");
          assert_xpath (doc, "count(/domain/devices/sound)", "1");
          assert_xpath (doc, "string(/domain/cpu/@mode)", "host-model");

          /* Per OS: Windows 11 gets UEFI, Secure Boot and a TPM 2.0; Linux virtio. */
          if (o == 0)
            {
              assert_xpath (doc, "string(/domain/os/@firmware)", "efi");
              assert_xpath (doc,
                            "string(/domain/os/firmware/feature[@name='secure-boot']/@enabled)",
                            "yes");
              assert_xpath (doc, "string(/domain/features/smm/@state)", "on");
              assert_xpath (doc, "string(/domain/devices/tpm/backend/@version)", "2.0");
              assert_xpath (doc, "string(/domain/clock/@offset)", "localtime");
            }
          else if (os_set[o] != NULL)
            {
              assert_xpath (doc, "string(/domain/devices/disk[@device='disk']/target/@bus)",
                            "virtio");
              if (sizing.network_zone != HEARTH_NETWORK_ZONE_ISOLATED)
                assert_xpath (doc, "string(/domain/devices/interface/model/@type)", "virtio");
            }
          else
            {
              assert_xpath (doc, "string(/domain/devices/disk[@device='disk']/target/@bus)",
                            "sata");
              assert_xpath (doc, "string(/domain/os/@firmware)",
                            sizing.firmware == HEARTH_FIRMWARE_UEFI ? "efi" : "");
            }
          if (o == 1)
            assert_xpath (doc, "string(/domain/devices/disk[@device='cdrom']/source/@file)",
                          "/srv/iso/ubuntu 22.04 & co.iso");

          /* Per purpose: the safe sandbox has no network. Its sandbox mode comes
           * later, with its clean-state snapshot, not from the builder. */
          assert_xpath (doc, "string(/domain/metadata/hearth:hearth/hearth:preset)",
                        hearth_preset_get_id (preset));
          if (g_strcmp0 (hearth_preset_get_id (preset), "safe-sandbox") == 0)
            {
              assert_xpath (doc, "count(/domain/devices/interface)", "0");
              assert_xpath (doc, "count(/domain/metadata/hearth:hearth/hearth:sandbox)", "0");
            }
          else if (sizing.network_zone == HEARTH_NETWORK_ZONE_DMZ)
            {
              assert_xpath (doc, "string(/domain/devices/interface/source/@network)",
                            "hearth-dmz");
              assert_xpath (doc, "string(/domain/devices/interface/filterref/@filter)",
                            "hearth-dmz");
              assert_xpath (doc,
                            "string(/domain/devices/interface/filterref/"
                            "parameter[@name='GATEWAY']/@value)",
                            "192.168.213.1");
            }
          else if (target.network != NULL)
            {
              assert_xpath (doc, "string(/domain/devices/interface/source/@network)", "default");
              assert_xpath (doc, "count(/domain/devices/interface/filterref)", "0");
            }
          else
            assert_xpath (doc, "string(/domain/devices/interface/@type)", "user");

          if (o == G_N_ELEMENTS (os_set) - 1 || o == 0)
            g_assert_true (run_virt_xml_validate (xml));
          xmlFreeDoc (doc);
        }
    }

  g_test_message ("%u domain definitions validated", n);
  g_assert_cmpuint (n, ==, g_list_model_get_n_items (presets) * G_N_ELEMENTS (os_set));

  xmlRelaxNGFreeValidCtxt (validator);
  xmlRelaxNGFree (schema);
  xmlRelaxNGFreeParserCtxt (parser);
}

static void
test_xml_headless_and_errors (void)
{
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("server");
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  HearthBuildTarget target = { .domain_type = "qemu", .arch = "x86_64", .machine = NULL };
  xmlDocPtr doc;

  spec->video = HEARTH_VIDEO_NONE;
  xml = hearth_machine_builder_build_xml (spec, &target, &error);
  g_assert_no_error (error);
  doc = parse (xml);
  assert_xpath (doc, "count(/domain/devices/graphics)", "0");
  assert_xpath (doc, "string(/domain/devices/video/model/@type)", "none");
  assert_xpath (doc, "string(/domain/devices/console/@type)", "pty");
  /* TCG: no host CPU model. */
  assert_xpath (doc, "count(/domain/cpu)", "0");
  /* A blank machine waits for media in an empty CD-ROM drive. */
  assert_xpath (doc, "count(/domain/devices/disk[@device='cdrom'])", "1");
  assert_xpath (doc, "count(/domain/devices/disk[@device='cdrom']/source)", "0");
  xmlFreeDoc (doc);

  g_free (spec->name);
  spec->name = g_strdup ("   ");
  g_clear_pointer (&xml, g_free);
  xml = hearth_machine_builder_build_xml (spec, &target, &error);
  g_assert_null (xml);
  g_test_message ("%s", error ? error->message : "");
  g_assert_nonnull (error);
}

/* Creation on the test driver */

typedef struct
{
  gboolean done;
  HearthMachine *machine;
  GError *error;
} CreateResult;

static void
create_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  CreateResult *res = user_data;

  res->machine = hearth_machine_builder_create_finish (HEARTH_CONNECTION (source), result,
                                                       &res->error);
  res->done = TRUE;
}

static void
create_result_clear (CreateResult *res)
{
  g_clear_object (&res->machine);
  g_clear_error (&res->error);
  res->done = FALSE;
}

static void
create (HearthConnection  *connection,
        HearthMachineSpec *spec,
        GCancellable      *cancellable,
        CreateResult      *res)
{
  hearth_machine_builder_create_async (connection, spec, cancellable, create_cb, res);
  g_assert_true (hearth_test_wait_flag (&res->done, 30000));
}

/* Counts the volumes of every pool and the machines, through the connection's own
 * libvirt handle (a test-driver fixture opened again would start afresh). */
static void
count_things (HearthConnection *connection,
              int              *volumes,
              guint            *machines)
{
  virConnectPtr conn = _hearth_connection_dup_virconn (connection, NULL);
  virStoragePoolPtr *pools = NULL;
  int n;

  g_assert_nonnull (conn);
  *volumes = 0;
  n = virConnectListAllStoragePools (conn, &pools, 0);
  g_assert_cmpint (n, >=, 0);
  for (int i = 0; i < n; i++)
    {
      virStoragePoolRefresh (pools[i], 0);
      *volumes += MAX (virStoragePoolNumOfVolumes (pools[i]), 0);
      virStoragePoolFree (pools[i]);
    }
  free (pools);
  virConnectClose (conn);
  *machines = g_list_model_get_n_items (hearth_connection_get_machines (connection));
}

static void
assert_nothing_made (HearthConnection *connection,
                     int               volumes,
                     guint             machines)
{
  int volumes_now;
  guint machines_now;

  count_things (connection, &volumes_now, &machines_now);
  g_assert_cmpint (volumes_now, ==, volumes);
  g_assert_cmpuint (machines_now, ==, machines);
}

static void
test_create (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("测试 <&>'\" ../机器 🙂");
  g_autofree char *audit = NULL;
  CreateResult res = { 0 };
  int volumes, volumes_after;
  guint machines, machines_after;

  ensure_os_database ();
  count_things (connection, &volumes, &machines);

  spec->os_id = g_strdup ("http://ubuntu.com/ubuntu/22.04");
  spec->disk_size = 10 * GIB;
  spec->memory = 2 * GIB;
  spec->vcpus = 2;
  create (connection, spec, NULL, &res);
  g_assert_no_error (res.error);
  g_assert_nonnull (res.machine);
  g_assert_cmpstr (hearth_machine_get_display_name (res.machine), ==, spec->name);
  g_assert_cmpstr (hearth_machine_get_os_id (res.machine), ==, spec->os_id);
  g_assert_cmpuint (hearth_machine_get_vcpus (res.machine), ==, 2);
  g_assert_cmpuint (hearth_machine_get_memory (res.machine), ==, 2 * GIB);
  g_assert_true (hearth_machine_get_persistent (res.machine));
  g_assert_true (hearth_connection_find_machine (connection, hearth_machine_get_uuid (res.machine))
                 == res.machine);

  count_things (connection, &volumes_after, &machines_after);
  g_assert_cmpint (volumes_after, ==, volumes + 1);
  g_assert_cmpuint (machines_after, ==, machines + 1);

  audit = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (audit, "\"create\""));
  create_result_clear (&res);

  /* A short OS id (hearthctl --os win11) is stored as libosinfo's full id. */
  {
    g_autoptr(HearthMachineSpec) windows = hearth_machine_spec_new ("short id");

    windows->os_id = g_strdup ("win11");
    windows->disk_size = 64 * GIB;
    create (connection, windows, NULL, &res);
    g_assert_no_error (res.error);
    g_assert_cmpstr (hearth_machine_get_os_id (res.machine), ==, "http://microsoft.com/win/11");
    create_result_clear (&res);
  }

  /* Every preset defines on the test driver too (what UI tests use), Windows 11
   * with UEFI, Secure Boot and a TPM included. */
  {
    GListModel *presets = hearth_preset_list_default ();
    /* The test driver's pool has 100 GiB free. */
    g_autoptr(HearthHostProfile) host = hearth_host_profile_new (16, 8, 32 * GIB, 90 * GIB);

    for (guint p = 0; p < g_list_model_get_n_items (presets); p++)
      {
        g_autoptr(HearthPreset) preset = g_list_model_get_item (presets, p);
        const char *name = hearth_preset_get_name (preset);
        g_autoptr(HearthMachineSpec) each = hearth_machine_spec_new (name);
        const char *os_id = hearth_preset_get_suggested_os (preset)[0];
        g_autoptr(GError) error = NULL;
        HearthPresetSizing sizing;

        g_assert_true (hearth_preset_size_for (preset, host, os_id, &sizing, &error));
        hearth_preset_sizing_apply (&sizing, each);
        each->os_id = g_strdup (os_id);
        if (each->network_zone == HEARTH_NETWORK_ZONE_DMZ)
          {
            int volumes_before;
            guint machines_before;

            /* The test driver has no network filters: the DMZ is refused before
             * anything is made, and the home network works. */
            count_things (connection, &volumes_before, &machines_before);
            create (connection, each, NULL, &res);
            g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
            create_result_clear (&res);
            assert_nothing_made (connection, volumes_before, machines_before);
            each->network_zone = HEARTH_NETWORK_ZONE_HOME_NAT;
          }
        create (connection, each, NULL, &res);
        g_assert_no_error (res.error);
        g_assert_cmpstr (hearth_machine_get_os_id (res.machine), ==, os_id);
        create_result_clear (&res);
      }
  }
}

/* Requests that cannot work make nothing at all. */
static void
test_create_refused (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autofree char *not_iso = NULL;
  CreateResult res = { 0 };
  int volumes;
  guint machines;

  count_things (connection, &volumes, &machines);

  {
    /* The test driver's own machine is called "test". */
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("test");

    create (connection, spec, NULL, &res);
    g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN);
    g_assert_null (res.machine);
    create_result_clear (&res);
    assert_nothing_made (connection, volumes, machines);
  }

  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("with a text file as ISO");
    g_autoptr(GError) error = NULL;

    not_iso = g_build_filename (g_get_user_cache_dir (), "notes.iso", NULL);
    g_mkdir_with_parents (g_get_user_cache_dir (), 0700);
    g_assert_true (g_file_set_contents (not_iso, "just some notes\n", -1, &error));
    spec->iso_path = g_strdup (not_iso);
    create (connection, spec, NULL, &res);
    g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
    create_result_clear (&res);
    assert_nothing_made (connection, volumes, machines);

    g_free (spec->iso_path);
    spec->iso_path = g_strdup ("/nonexistent/hearth/missing.iso");
    create (connection, spec, NULL, &res);
    g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND);
    create_result_clear (&res);
    assert_nothing_made (connection, volumes, machines);
  }

  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("cancelled");

    g_cancellable_cancel (cancellable);
    create (connection, spec, cancellable, &res);
    g_assert_error (res.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    create_result_clear (&res);
    assert_nothing_made (connection, volumes, machines);
  }

  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("imports nothing");

    spec->disk_source = HEARTH_DISK_SOURCE_IMPORT_COPY;
    spec->import_path = g_strdup ("/nonexistent/hearth/disk.qcow2");
    create (connection, spec, NULL, &res);
    g_assert_error (res.error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND);
    create_result_clear (&res);
    assert_nothing_made (connection, volumes, machines);
  }
}

/* Two creations of the same name at once: whichever step notices (the check before
 * anything is made, or libvirt's define after the disk exists), exactly one machine
 * and one disk remain. */
static void
test_create_race (void)
{
  g_autoptr(HearthConnection) connection = hearth_test_open_connection ("test:///default");
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("twin");
  CreateResult res[2] = { { 0 }, { 0 } };
  int volumes, volumes_after;
  guint machines, machines_after;

  count_things (connection, &volumes, &machines);
  hearth_machine_builder_create_async (connection, spec, NULL, create_cb, &res[0]);
  hearth_machine_builder_create_async (connection, spec, NULL, create_cb, &res[1]);
  g_assert_true (hearth_test_wait_flag (&res[0].done, 30000));
  g_assert_true (hearth_test_wait_flag (&res[1].done, 30000));

  g_assert_true ((res[0].machine != NULL) != (res[1].machine != NULL));
  {
    GError *loser = res[0].machine ? res[1].error : res[0].error;

    g_assert_error (loser, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN);
  }
  count_things (connection, &volumes_after, &machines_after);
  g_assert_cmpint (volumes_after, ==, volumes + 1);
  g_assert_cmpuint (machines_after, ==, machines + 1);
  create_result_clear (&res[0]);
  create_result_clear (&res[1]);
}

static void
ensure_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  HearthStorageInfo **out = user_data;
  g_autoptr(GError) error = NULL;

  *out = hearth_storage_ensure_pool_finish (HEARTH_CONNECTION (source), result, &error);
  g_assert_no_error (error);
}

static gboolean
pointer_set (gpointer user_data)
{
  return *(gpointer *) user_data != NULL;
}

/* A nearly full pool: a disk that does not fit is refused before anything is made;
 * one that fits goes into that pool. */
static void
test_create_pool_full (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-tiny-pool.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("big");
  g_autoptr(HearthStorageInfo) info = NULL;
  CreateResult res = { 0 };
  int volumes;
  guint machines;

  hearth_storage_ensure_pool_async (connection, NULL, ensure_cb, &info);
  g_assert_true (hearth_test_wait (pointer_set, &info, 30000));
  g_assert_cmpstr (info->pool_name, ==, "small");
  g_assert_cmpstr (info->directory, ==, "/small-pool");
  g_assert_cmpuint (info->available, ==, GIB);
  g_assert_false (info->created);

  count_things (connection, &volumes, &machines);
  spec->disk_size = 20 * GIB;
  create (connection, spec, NULL, &res);
  g_test_message ("%s", res.error ? res.error->message : "");
  g_assert_error (res.error, G_IO_ERROR, G_IO_ERROR_NO_SPACE);
  create_result_clear (&res);
  assert_nothing_made (connection, volumes, machines);

  spec->disk_size = 512 * MIB;
  create (connection, spec, NULL, &res);
  g_assert_no_error (res.error);
  g_assert_nonnull (res.machine);
  create_result_clear (&res);
}

/* No pool at all (a fresh qemu:///system): Hearth defines, starts and autostarts
 * its own directory pool, once, and new disks go there. */
static void
test_own_pool (void)
{
  g_autofree char *uri = hearth_test_fixture_uri ("hearth-no-pool.xml");
  g_autoptr(HearthConnection) connection = hearth_test_open_connection (uri);
  g_autoptr(HearthStorageInfo) info = NULL;
  g_autoptr(HearthStorageInfo) again = NULL;
  g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("first machine");
  g_autofree char *expected_dir = g_build_filename (g_get_user_data_dir (), "hearth", "images",
                                                    NULL);
  g_autofree char *audit = NULL;
  CreateResult res = { 0 };
  int volumes;
  guint machines;

  count_things (connection, &volumes, &machines);
  g_assert_cmpint (volumes, ==, 0);

  hearth_storage_ensure_pool_async (connection, NULL, ensure_cb, &info);
  g_assert_true (hearth_test_wait (pointer_set, &info, 30000));
  g_assert_cmpstr (info->pool_name, ==, "hearth");
  g_assert_cmpstr (info->directory, ==, expected_dir);
  g_assert_true (info->created);

  /* The second time, the pool is there. */
  hearth_storage_ensure_pool_async (connection, NULL, ensure_cb, &again);
  g_assert_true (hearth_test_wait (pointer_set, &again, 30000));
  g_assert_cmpstr (again->pool_name, ==, "hearth");
  g_assert_false (again->created);

  {
    virConnectPtr conn = _hearth_connection_dup_virconn (connection, NULL);
    virStoragePoolPtr pool = virStoragePoolLookupByName (conn, "hearth");
    int autostart = 0;

    g_assert_nonnull (pool);
    g_assert_cmpint (virStoragePoolIsActive (pool), ==, 1);
    g_assert_cmpint (virStoragePoolGetAutostart (pool, &autostart), ==, 0);
    g_assert_true (autostart);
    virStoragePoolFree (pool);
    virConnectClose (conn);
  }

  create (connection, spec, NULL, &res);
  g_assert_no_error (res.error);
  count_things (connection, &volumes, &machines);
  g_assert_cmpint (volumes, ==, 1);
  create_result_clear (&res);

  audit = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (audit, "\"create-pool\""));
}

/*
 * Each network zone gives its own card: none (isolated), libvirt's "default"
 * network or user-mode networking (home NAT), Hearth's DMZ network with its
 * filter. The domain, network and filter XML pass virt-xml-validate, and a DMZ
 * without a filter is refused instead of becoming plain NAT.
 */
static void
test_xml_zones (void)
{
  g_autofree char *network_xml = _hearth_network_zone_build_network_xml ("hearth-dmz",
                                                                          "10.213.213.1");
  g_autofree char *filter_xml = _hearth_network_zone_build_filter_xml ();
  HearthBuildTarget base = { .domain_type = "qemu", .arch = "x86_64", .machine = "q35" };
  struct
  {
    HearthNetworkZone zone;
    const char *network;
    const char *filter;
    const char *count;
    const char *type;
  } cases[] = {
    { HEARTH_NETWORK_ZONE_ISOLATED, "default", NULL, "0", "" },
    { HEARTH_NETWORK_ZONE_HOME_NAT, NULL, NULL, "1", "user" },
    { HEARTH_NETWORK_ZONE_HOME_NAT, "default", NULL, "1", "network" },
    { HEARTH_NETWORK_ZONE_DMZ, "hearth-dmz", "hearth-dmz", "1", "network" },
  };
  xmlDocPtr doc;

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("zone");
      g_autoptr(GError) error = NULL;
      g_autofree char *xml = NULL;
      HearthBuildTarget target = base;

      spec->network_zone = cases[i].zone;
      target.network = cases[i].network;
      target.network_filter = cases[i].filter;
      target.network_gateway = cases[i].filter ? "10.213.213.1" : NULL;
      xml = hearth_machine_builder_build_xml (spec, &target, &error);
      g_assert_no_error (error);
      doc = parse (xml);
      assert_xpath (doc, "count(/domain/devices/interface)", cases[i].count);
      assert_xpath (doc, "string(/domain/devices/interface/@type)", cases[i].type);
      assert_xpath (doc, "string(/domain/devices/interface/source/@network)",
                    cases[i].count[0] == '1' && cases[i].network ? cases[i].network : "");
      assert_xpath (doc, "string(/domain/devices/interface/filterref/@filter)",
                    cases[i].filter ? cases[i].filter : "");
      assert_xpath (doc, "string(/domain/metadata/hearth:hearth/hearth:network-zone)",
                    (const char *[]) { "isolated", "home-nat", "dmz" }[cases[i].zone]);
      xmlFreeDoc (doc);
      g_assert_true (run_virt_xml_validate (xml));
    }

  /* A DMZ without its filter (or network) is refused. */
  {
    g_autoptr(HearthMachineSpec) spec = hearth_machine_spec_new ("zone");
    g_autoptr(GError) error = NULL;
    HearthBuildTarget target = base;
    char *xml;

    spec->network_zone = HEARTH_NETWORK_ZONE_DMZ;
    target.network = "default";
    xml = hearth_machine_builder_build_xml (spec, &target, &error);
    g_assert_null (xml);
    g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
  }

  /* The DMZ network and filter themselves. */
  g_assert_true (run_virt_xml_validate_as (network_xml, "network"));
  g_assert_true (run_virt_xml_validate_as (filter_xml, "nwfilter"));
  doc = parse (network_xml);
  assert_xpath (doc, "string(/network/forward/@mode)", "nat");
  assert_xpath (doc, "string(/network/ip/@address)", "10.213.213.1");
  assert_xpath (doc, "string(/network/ip/dhcp/range/@start)", "10.213.213.2");
  xmlFreeDoc (doc);
  doc = parse (filter_xml);
  assert_xpath (doc, "string(/filter/@name)", "hearth-dmz");
  /* DNS to the gateway passes before the private ranges are dropped. */
  assert_xpath (doc, "string(/filter/rule[@action='accept'][udp/@dstportstart='53']/@priority)",
                "100");
  assert_xpath (doc, "string(/filter/rule[all/@dstipaddr='192.168.0.0']/@action)", "drop");
  assert_xpath (doc, "string(/filter/rule[all/@dstipaddr='192.168.0.0']/@priority)", "200");
  assert_xpath (doc, "count(/filter/rule[@action='drop'][@direction='out'])", "6");
  xmlFreeDoc (doc);
}

/* On the test driver: home NAT finds libvirt's network (and starts it when it is
 * stopped); the DMZ is refused clearly, as the test driver has no nwfilter. */
static void
test_zone_prepare (void)
{
  virConnectPtr conn = virConnectOpen ("test:///default");
  virNetworkPtr network;
  HearthZoneTarget zone;
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (conn);
  g_assert_true (_hearth_network_zone_prepare (conn, HEARTH_NETWORK_ZONE_ISOLATED, &zone, &error));
  g_assert_null (zone.network);

  network = virNetworkLookupByName (conn, "default");
  g_assert_nonnull (network);
  g_assert_cmpint (virNetworkDestroy (network), ==, 0);
  g_assert_true (_hearth_network_zone_prepare (conn, HEARTH_NETWORK_ZONE_HOME_NAT, &zone, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (zone.network, ==, "default");
  g_assert_null (zone.filter);
  g_assert_cmpint (virNetworkIsActive (network), ==, 1);
  _hearth_zone_target_clear (&zone);
  virNetworkFree (network);

  g_assert_false (_hearth_network_zone_available (conn, HEARTH_NETWORK_ZONE_DMZ));
  g_assert_false (_hearth_network_zone_prepare (conn, HEARTH_NETWORK_ZONE_DMZ, &zone, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
  g_assert_null (virNetworkLookupByName (conn, "hearth-dmz"));
  virResetLastError ();
  virConnectClose (conn);
}

/* Where Hearth's own images go for each kind of connection. */
static void
test_image_dirs (void)
{
  const char *embed_uri = "qemu:///embed?root=/tmp/hearth%20root";
  g_autofree char *embed = _hearth_storage_dup_dir_for_uri (embed_uri);
  g_autofree char *system = _hearth_storage_dup_dir_for_uri ("qemu:///system");
  g_autofree char *session = _hearth_storage_dup_dir_for_uri ("qemu:///session");
  g_autofree char *expected_session = g_build_filename (g_get_user_data_dir (), "hearth", "images",
                                                        NULL);

  g_assert_cmpstr (embed, ==, "/tmp/hearth root/hearth-images");
  g_assert_cmpstr (system, ==, "/var/lib/libvirt/images");
  g_assert_cmpstr (session, ==, expected_session);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add_func ("/core/builder/file-names", test_file_names);
  g_test_add_func ("/core/builder/xml-matrix", test_xml_matrix);
  g_test_add_func ("/core/builder/xml-headless", test_xml_headless_and_errors);
  g_test_add_func ("/core/builder/xml-zones", test_xml_zones);
  g_test_add_func ("/core/builder/zone-prepare", test_zone_prepare);
  g_test_add_func ("/core/builder/create", test_create);
  g_test_add_func ("/core/builder/create-refused", test_create_refused);
  g_test_add_func ("/core/builder/create-race", test_create_race);
  g_test_add_func ("/core/builder/create-pool-full", test_create_pool_full);
  g_test_add_func ("/core/builder/own-pool", test_own_pool);
  g_test_add_func ("/core/builder/image-dirs", test_image_dirs);

  return g_test_run ();
}
