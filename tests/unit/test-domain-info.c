/* test-domain-info.c  SPDX-License-Identifier: GPL-3.0-or-later */

#include "config.h"

#include "hearth-core-private.h"

/* virt-install writes libosinfo metadata, a title and memory in KiB. */
static const char *virt_install_xml =
  "<domain type='kvm'>"
  "  <name>debian12</name>"
  "  <uuid>2b1c0c4e-7c65-4f5b-9b2a-0d2d3f7b1a11</uuid>"
  "  <title>Debian for class</title>"
  "  <description>Made by virt-install</description>"
  "  <metadata>"
  "    <libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>"
  "      <libosinfo:os id='http://debian.org/debian/12'/>"
  "    </libosinfo:libosinfo>"
  "  </metadata>"
  "  <memory unit='KiB'>4194304</memory>"
  "  <currentMemory unit='KiB'>2097152</currentMemory>"
  "  <vcpu placement='static' current='2'>4</vcpu>"
  "  <devices>"
  "    <disk type='file' device='disk'><source file='/var/lib/libvirt/images/debian12.qcow2'/>"
  "      <target dev='vda' bus='virtio'/></disk>"
  "    <disk type='file' device='cdrom'><source file='/srv/iso/debian.iso'/>"
  "      <target dev='sda' bus='sata'/><readonly/></disk>"
  "    <disk type='file' device='cdrom'><target dev='sdb' bus='sata'/><readonly/></disk>"
  "    <disk type='network' device='disk'><source protocol='nbd' name='x'/>"
  "      <target dev='vdb'/></disk>"
  "    <disk type='block' device='disk'><source dev='/dev/vg/shared'/><shareable/>"
  "      <target dev='vdc'/></disk>"
  "  </devices>"
  "</domain>";

/* GNOME Boxes keeps its own metadata next to libosinfo's; hand-written XML may
 * carry devices and namespaces no one has heard of. */
static const char *unusual_xml =
  "<domain type='qemu' xmlns:boxes='https://wiki.gnome.org/Apps/Boxes'"
  "        xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
  "  <name>家庭沙盒 🏠 &lt;&amp;&gt;'\"</name>"
  "  <uuid>2b1c0c4e-7c65-4f5b-9b2a-0d2d3f7b1a12</uuid>"
  "  <metadata>"
  "    <boxes:gnome-boxes><boxes:os-state>installed</boxes:os-state></boxes:gnome-boxes>"
  "  </metadata>"
  "  <memory unit='GiB'>3</memory>"
  "  <vcpu>3</vcpu>"
  "  <frobnicator level='11'><flux/></frobnicator>"
  "  <qemu:commandline><qemu:arg value='-no-hpet'/></qemu:commandline>"
  "</domain>";

static void
test_parse_virt_install (void)
{
  g_autoptr(HearthDomainInfo) info = g_new0 (HearthDomainInfo, 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (_hearth_domain_info_parse_xml (info, virt_install_xml, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info->name, ==, "debian12");
  g_assert_cmpstr (info->uuid, ==, "2b1c0c4e-7c65-4f5b-9b2a-0d2d3f7b1a11");
  g_assert_cmpstr (info->title, ==, "Debian for class");
  g_assert_cmpstr (info->description, ==, "Made by virt-install");
  g_assert_cmpstr (info->os_id, ==, "http://debian.org/debian/12");
  g_assert_cmpuint (info->vcpus, ==, 2);
  g_assert_cmpuint (info->memory_kib, ==, 2097152);
}

static void
test_parse_unusual (void)
{
  g_autoptr(HearthDomainInfo) info = g_new0 (HearthDomainInfo, 1);
  g_autoptr(GError) error = NULL;

  g_assert_true (_hearth_domain_info_parse_xml (info, unusual_xml, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (info->name, ==, "家庭沙盒 🏠 <&>'\"");
  g_assert_null (info->title);
  g_assert_null (info->description);
  g_assert_null (info->os_id);
  g_assert_cmpuint (info->vcpus, ==, 3);
  g_assert_cmpuint (info->memory_kib, ==, 3 * 1024 * 1024);
}

static void
test_parse_units (void)
{
  static const struct
  {
    const char *unit;
    guint64     value;
    guint64     kib;
  } cases[] = {
    { "b", 1048576, 1024 },
    { "bytes", 2048, 2 },
    { "KiB", 512, 512 },
    { "MiB", 512, 512 * 1024 },
    { "M", 3, 3 * 1024 },
    { "GiB", 2, 2 * 1024 * 1024 },
    { "GB", 1, 976562 },
    { "TiB", 1, G_GUINT64_CONSTANT (1073741824) },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(HearthDomainInfo) info = g_new0 (HearthDomainInfo, 1);
      g_autofree char *xml = g_strdup_printf (
        "<domain><name>m</name><memory unit='%s'>%" G_GUINT64_FORMAT "</memory></domain>",
        cases[i].unit, cases[i].value);

      g_assert_true (_hearth_domain_info_parse_xml (info, xml, NULL));
      g_assert_cmpuint (info->memory_kib, ==, cases[i].kib);
    }
}

static void
test_parse_bad (void)
{
  const char *bad[] = { "", "<domain", "not xml at all", "<domain><name>x</name>" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(HearthDomainInfo) info = g_new0 (HearthDomainInfo, 1);
      g_autoptr(GError) error = NULL;

      g_assert_false (_hearth_domain_info_parse_xml (info, bad[i], &error));
      g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
    }
}

static void
test_disks (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) disks = _hearth_domain_disks_parse (virt_install_xml, &error);
  HearthStorageItem *item;

  g_assert_no_error (error);
  /* The empty CD-ROM and the network disk have no path on this host. */
  g_assert_cmpuint (disks->len, ==, 3);

  item = g_ptr_array_index (disks, 0);
  g_assert_cmpstr (item->path, ==, "/var/lib/libvirt/images/debian12.qcow2");
  g_assert_cmpstr (item->target, ==, "vda");
  g_assert_cmpstr (item->device, ==, "disk");
  g_assert_false (item->readonly);

  item = g_ptr_array_index (disks, 1);
  g_assert_cmpstr (item->device, ==, "cdrom");
  g_assert_true (item->readonly);

  item = g_ptr_array_index (disks, 2);
  g_assert_cmpstr (item->path, ==, "/dev/vg/shared");
  g_assert_true (item->readonly);
}

static void
test_states (void)
{
  g_assert_cmpint (_hearth_machine_state_from_libvirt (VIR_DOMAIN_RUNNING, FALSE), ==,
                   HEARTH_MACHINE_STATE_RUNNING);
  g_assert_cmpint (_hearth_machine_state_from_libvirt (VIR_DOMAIN_BLOCKED, FALSE), ==,
                   HEARTH_MACHINE_STATE_RUNNING);
  g_assert_cmpint (_hearth_machine_state_from_libvirt (VIR_DOMAIN_SHUTOFF, FALSE), ==,
                   HEARTH_MACHINE_STATE_SHUTOFF);
  g_assert_cmpint (_hearth_machine_state_from_libvirt (VIR_DOMAIN_SHUTOFF, TRUE), ==,
                   HEARTH_MACHINE_STATE_SAVED);
  g_assert_cmpint (_hearth_machine_state_from_libvirt (VIR_DOMAIN_PMSUSPENDED, FALSE), ==,
                   HEARTH_MACHINE_STATE_SUSPENDED);
  g_assert_cmpint (_hearth_state_reason_from_libvirt (VIR_DOMAIN_SHUTOFF,
                                                      VIR_DOMAIN_SHUTOFF_DESTROYED), ==,
                   HEARTH_STATE_REASON_DESTROYED);
  g_assert_cmpint (_hearth_state_reason_from_libvirt (VIR_DOMAIN_PAUSED,
                                                      VIR_DOMAIN_PAUSED_IOERROR), ==,
                   HEARTH_STATE_REASON_IO_ERROR);
}

static void
test_error_mapping (void)
{
  virError verr = { 0 };

  verr.code = VIR_ERR_NO_DOMAIN;
  g_assert_cmpint (_hearth_error_code_for_libvirt (&verr), ==, HEARTH_ERROR_NOT_FOUND);

  verr.code = VIR_ERR_NO_CONNECT;
  verr.message = (char *) "no connection driver available for foo:///system";
  g_assert_cmpint (_hearth_error_code_for_libvirt (&verr), ==, HEARTH_ERROR_NOT_INSTALLED);

  verr.code = VIR_ERR_SYSTEM_ERROR;
  verr.message = (char *) "Failed to connect socket to '/run/libvirt/virtqemud-sock': "
                          "No such file or directory";
  g_assert_cmpint (_hearth_error_code_for_libvirt (&verr), ==, HEARTH_ERROR_DAEMON_NOT_RUNNING);

  verr.message = (char *) "Failed to connect socket to '/run/libvirt/libvirt-sock': "
                          "Permission denied";
  g_assert_cmpint (_hearth_error_code_for_libvirt (&verr), ==, HEARTH_ERROR_PERMISSION_DENIED);

  verr.code = VIR_ERR_AUTH_FAILED;
  verr.message = NULL;
  g_assert_cmpint (_hearth_error_code_for_libvirt (&verr), ==, HEARTH_ERROR_PERMISSION_DENIED);

  verr.code = VIR_ERR_OPERATION_INVALID;
  g_assert_cmpint (_hearth_error_code_for_libvirt (&verr), ==, HEARTH_ERROR_INVALID_STATE);

  verr.code = VIR_ERR_OPERATION_FAILED;
  verr.message = (char *) "operation failed: domain 'x' already exists with uuid 1234";
  g_assert_cmpint (_hearth_error_code_for_libvirt (&verr), ==, HEARTH_ERROR_NAME_TAKEN);

  g_assert_cmpint (_hearth_error_code_for_libvirt (NULL), ==, HEARTH_ERROR_FAILED);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/domain-info/parse/virt-install", test_parse_virt_install);
  g_test_add_func ("/core/domain-info/parse/unusual", test_parse_unusual);
  g_test_add_func ("/core/domain-info/parse/units", test_parse_units);
  g_test_add_func ("/core/domain-info/parse/bad", test_parse_bad);
  g_test_add_func ("/core/domain-info/disks", test_disks);
  g_test_add_func ("/core/domain-info/states", test_states);
  g_test_add_func ("/core/error/mapping", test_error_mapping);

  return g_test_run ();
}
