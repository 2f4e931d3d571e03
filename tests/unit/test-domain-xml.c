/* test-domain-xml.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-domain-xml"

#include "config.h"

#include <string.h>

#include "hearth-core.h"
#include "hearth-xml-diff.h"

/* Domain XML written by other tools (tests/data/settings): each Hearth edit must
 * change exactly the nodes it manages, and nothing else, in each of them. */
static const char *fixtures[] = { "virt-install.xml", "gnome-boxes.xml", "hand-written.xml" };

static char *
load_fixture (const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "settings", name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static HearthDomainXml *
parse_fixture (const char *name,
               char      **out_xml)
{
  g_autofree char *xml = load_fixture (name);
  g_autoptr(GError) error = NULL;
  HearthDomainXml *doc = hearth_domain_xml_new (xml, &error);

  g_assert_no_error (error);
  g_assert_nonnull (doc);
  if (out_xml != NULL)
    *out_xml = g_steal_pointer (&xml);
  return doc;
}

typedef void (*EditFunc) (HearthDomainXml *doc);

typedef struct
{
  const char *name;
  EditFunc    edit;
  /* The paths each fixture's edit must change, in fixtures[] order. */
  const char *expected[G_N_ELEMENTS (fixtures)][8];
} EditCase;

static void
edit_name (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_name (doc, "新名字 <&> 🐧", &error));
  g_assert_no_error (error);
}

static void
edit_title (HearthDomainXml *doc)
{
  hearth_domain_xml_set_title (doc, "孩子的电脑 <&>'\"");
}

static void
edit_no_title (HearthDomainXml *doc)
{
  hearth_domain_xml_set_title (doc, NULL);
}

static void
edit_os (HearthDomainXml *doc)
{
  g_autofree char *os_id = NULL;

  hearth_domain_xml_set_os_id (doc, "http://ubuntu.com/ubuntu/22.04");
  os_id = hearth_domain_xml_dup_os_id (doc);
  g_assert_cmpstr (os_id, ==, "http://ubuntu.com/ubuntu/22.04");
}

static void
edit_no_os (HearthDomainXml *doc)
{
  hearth_domain_xml_set_os_id (doc, NULL);
}

static void
edit_description (HearthDomainXml *doc)
{
  hearth_domain_xml_set_description (doc, "Line one\nLine two & <three>");
}

static void
edit_vcpus (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_vcpus (doc, 2, 8, &error));
  g_assert_no_error (error);
}

static void
edit_memory (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_memory (doc, 1024 * 1024 * 1024, 0, &error));
  g_assert_no_error (error);
}

static void
edit_sound_off (HearthDomainXml *doc)
{
  hearth_domain_xml_set_sound (doc, FALSE);
}

static void
edit_sound_on (HearthDomainXml *doc)
{
  hearth_domain_xml_set_sound (doc, TRUE);
}

static void
edit_video (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_video_model (doc, "virtio", &error));
  g_assert_no_error (error);
}

static void
edit_boot_order (HearthDomainXml *doc)
{
  const char *order[] = { "cdrom", "hd", NULL };
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_boot_order (doc, order, &error));
  g_assert_no_error (error);
}

static void
edit_boot_menu (HearthDomainXml *doc)
{
  hearth_domain_xml_set_boot_menu (doc, TRUE);
}

static void
edit_cdrom_insert (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_cdrom_media (doc, NULL, "/srv/iso/新 <&>.iso", &error));
  g_assert_no_error (error);
}

static void
edit_cdrom_eject (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_cdrom_media (doc, NULL, NULL, &error));
  g_assert_no_error (error);
}

static void
edit_link_down (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_interface_link (doc, NULL, FALSE, &error));
  g_assert_no_error (error);
}

static void
edit_link_up_second (HearthDomainXml *doc)
{
  g_autoptr(GPtrArray) ifaces = hearth_domain_xml_list_interfaces (doc);
  HearthInterfaceItem *last = g_ptr_array_index (ifaces, ifaces->len - 1);
  g_autoptr(GError) error = NULL;

  /* MAC addresses match whatever their case. */
  g_autofree char *mac = g_ascii_strup (last->mac, -1);

  g_assert_true (hearth_domain_xml_set_interface_link (doc, mac, TRUE, &error));
  g_assert_no_error (error);
}

static void
edit_network (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_interface_network (doc, NULL, "isolated", &error));
  g_assert_no_error (error);
}

static void
edit_nic_model (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_interface_model (doc, NULL, "e1000e", &error));
  g_assert_no_error (error);
}

static void
edit_add_disk (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *target = hearth_domain_xml_add_disk (doc, "/pool/new.qcow2", "qcow2", &error);

  g_assert_no_error (error);
  g_assert_cmpstr (target, ==, "vdb");
}

static void
edit_remove_disk (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_remove_disk (doc, "vda", &error));
  g_assert_no_error (error);
}

static void
edit_cpu_named (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model = NULL;

  g_assert_true (hearth_domain_xml_set_cpu_model (doc, "Skylake-Client", &error));
  g_assert_no_error (error);
  model = hearth_domain_xml_dup_cpu_model (doc);
  g_assert_cmpstr (model, ==, "Skylake-Client");
}

static void
edit_cpu_host_model (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *model = NULL;

  g_assert_true (hearth_domain_xml_set_cpu_model (doc, "host-model", &error));
  g_assert_no_error (error);
  model = hearth_domain_xml_dup_cpu_model (doc);
  g_assert_cmpstr (model, ==, "host-model");
}

static void
edit_firmware_efi (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *firmware = NULL;

  g_assert_true (hearth_domain_xml_set_firmware (doc, "efi", &error));
  g_assert_no_error (error);
  firmware = hearth_domain_xml_dup_firmware (doc);
  g_assert_cmpstr (firmware, ==, "efi");
}

static void
edit_mac (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) ifaces = NULL;

  /* Upper case in, lower case stored, as libvirt writes it. */
  g_assert_true (hearth_domain_xml_set_interface_mac (doc, NULL, "52:54:00:AB:CD:EF", &error));
  g_assert_no_error (error);
  ifaces = hearth_domain_xml_list_interfaces (doc);
  g_assert_cmpstr (((HearthInterfaceItem *) ifaces->pdata[0])->mac, ==, "52:54:00:ab:cd:ef");
}

static void
edit_accel3d_on (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_accel3d (doc, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (hearth_domain_xml_get_accel3d (doc));
}

static void
edit_accel3d_off (HearthDomainXml *doc)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (hearth_domain_xml_set_accel3d (doc, TRUE, &error));
  g_assert_true (hearth_domain_xml_set_accel3d (doc, FALSE, &error));
  g_assert_no_error (error);
  g_assert_false (hearth_domain_xml_get_accel3d (doc));
}

static const EditCase edit_cases[] = {
  { "name", edit_name,
    { { "/domain/name/text()" }, { "/domain/name/text()" }, { "/domain/name/text()" } } },
  { "title", edit_title,
    { { "/domain/title" }, { "/domain/title/text()" }, { "/domain/title" } } },
  { "no-title", edit_no_title,
    { { NULL }, { "/domain/title" }, { NULL } } },
  { "os", edit_os,
    { { "/domain/metadata/libosinfo:libosinfo/libosinfo:os/@id" },
      { "/domain/metadata/libosinfo:libosinfo/libosinfo:os/@id" },
      { "/domain/metadata/libosinfo:libosinfo" } } },
  { "no-os", edit_no_os,
    { { "/domain/metadata/libosinfo:libosinfo" }, { "/domain/metadata/libosinfo:libosinfo" },
      { NULL } } },
  { "description", edit_description,
    { { "/domain/description" }, { "/domain/description" }, { "/domain/description/text()" } } },
  { "vcpus", edit_vcpus,
    { { "/domain/vcpu/@current", "/domain/vcpu/text()", "/domain/cpu/topology/@sockets" },
      { "/domain/vcpu/@current" },
      { "/domain/vcpu/@current", "/domain/vcpu/text()" } } },
  { "memory", edit_memory,
    { { "/domain/currentMemory/text()" },
      { "/domain/currentMemory/text()" },
      { "/domain/memory/@unit", "/domain/memory/text()" } } },
  { "sound-off", edit_sound_off,
    { { "/domain/devices/sound" }, { NULL }, { NULL } } },
  { "sound-on", edit_sound_on,
    { { NULL }, { "/domain/devices/sound" }, { "/domain/devices/sound" } } },
  { "video", edit_video,
    { { "/domain/devices/video/model/@type", "/domain/devices/video/model/@ram",
        "/domain/devices/video/model/@vram", "/domain/devices/video/model/@vgamem" },
      { NULL },
      { "/domain/devices/video[1]/model/@type", "/domain/devices/video[1]/model/@vram" } } },
  { "boot-order", edit_boot_order,
    { { "/domain/os/boot[1]" },
      { NULL },
      { "/domain/os/boot[1]", "/domain/os/boot[2]", "/domain/devices/disk[1]/boot",
        "/domain/devices/disk[2]/boot", "/domain/devices/interface[1]/boot" } } },
  { "boot-menu", edit_boot_menu,
    { { "/domain/os/bootmenu" }, { NULL }, { "/domain/os/bootmenu" } } },
  { "cdrom-insert", edit_cdrom_insert,
    { { "/domain/devices/disk[2]/source/@file" },
      { "/domain/devices/disk[2]/source" },
      { "/domain/devices/disk[2]/@type", "/domain/devices/disk[2]/source/@dev",
        "/domain/devices/disk[2]/source/@file" } } },
  { "cdrom-eject", edit_cdrom_eject,
    { { "/domain/devices/disk[2]/source" }, { NULL }, { "/domain/devices/disk[2]/source" } } },
  { "link-down", edit_link_down,
    { { "/domain/devices/interface/link" }, { "/domain/devices/interface/link" },
      { "/domain/devices/interface[1]/link" } } },
  { "link-up", edit_link_up_second,
    { { NULL }, { NULL }, { "/domain/devices/interface[2]/link/@state" } } },
  { "network", edit_network,
    { { "/domain/devices/interface/source/@network" },
      { "/domain/devices/interface/@type", "/domain/devices/interface/source" },
      { "/domain/devices/interface[1]/@type", "/domain/devices/interface[1]/source/@bridge",
        "/domain/devices/interface[1]/source/@network" } } },
  { "nic-model", edit_nic_model,
    { { "/domain/devices/interface/model/@type" }, { "/domain/devices/interface/model/@type" },
      { NULL } } },
  { "add-disk", edit_add_disk,
    { { "/domain/devices/disk[3]" }, { "/domain/devices/disk[3]" },
      { "/domain/devices/disk[3]" } } },
  { "remove-disk", edit_remove_disk,
    { { "/domain/devices/disk[1]" }, { "/domain/devices/disk[1]" },
      { "/domain/devices/disk[1]" } } },
  { "cpu-named", edit_cpu_named,
    { { "/domain/cpu/@check", "/domain/cpu/@match", "/domain/cpu/@mode", "/domain/cpu/model" },
      { "/domain/cpu/@check", "/domain/cpu/@match", "/domain/cpu/@migratable",
        "/domain/cpu/@mode", "/domain/cpu/model" },
      { "/domain/cpu" } } },
  { "cpu-host-model", edit_cpu_host_model,
    { { NULL },
      { "/domain/cpu/@check", "/domain/cpu/@migratable", "/domain/cpu/@mode" },
      { "/domain/cpu" } } },
  { "firmware-efi", edit_firmware_efi,
    { { "/domain/os/@firmware" }, { "/domain/os/@firmware" }, { "/domain/os/@firmware" } } },
  { "mac", edit_mac,
    { { "/domain/devices/interface/mac/@address" },
      { "/domain/devices/interface/mac/@address" },
      { "/domain/devices/interface[1]/mac/@address" } } },
  /* SPICE listening on the network cannot carry GL: egl-headless renders instead. */
  { "accel3d-on", edit_accel3d_on,
    { { "/domain/devices/graphics[2]", "/domain/devices/video/model/@ram",
        "/domain/devices/video/model/@type", "/domain/devices/video/model/@vgamem",
        "/domain/devices/video/model/@vram", "/domain/devices/video/model/acceleration" },
      { "/domain/devices/graphics/gl/@enable",
        "/domain/devices/video/model/acceleration/@accel3d" },
      { "/domain/devices/graphics", "/domain/devices/video[1]/model/@type",
        "/domain/devices/video[1]/model/@vram", "/domain/devices/video[1]/model/acceleration" } } },
  /* Off again: the GL display goes, the virtio card stays without 3D. */
  { "accel3d-off", edit_accel3d_off,
    { { "/domain/devices/video/model/@ram", "/domain/devices/video/model/@type",
        "/domain/devices/video/model/@vgamem", "/domain/devices/video/model/@vram",
        "/domain/devices/video/model/acceleration" },
      { NULL },
      { "/domain/devices/video[1]/model/@type", "/domain/devices/video[1]/model/@vram",
        "/domain/devices/video[1]/model/acceleration" } } },
};

typedef struct
{
  const EditCase *edit;
  guint           fixture;
} EditTest;

/* The edit changes exactly the expected nodes, the result parses again, and a
 * second serialization is stable. */
static void
test_edit (gconstpointer data)
{
  const EditTest *test = data;
  g_autofree char *before = NULL;
  g_autoptr(HearthDomainXml) doc = parse_fixture (fixtures[test->fixture], &before);
  g_autoptr(HearthDomainXml) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  g_autofree char *after_again = NULL;
  g_autofree char *c14n = NULL;
  g_autofree char *c14n_again = NULL;

  test->edit->edit (doc);
  after = hearth_domain_xml_to_string (doc);
  hearth_xml_assert_diff (before, after, test->edit->expected[test->fixture]);

  again = hearth_domain_xml_new (after, &error);
  g_assert_no_error (error);
  after_again = hearth_domain_xml_to_string (again);
  c14n = hearth_xml_canonicalize (after);
  c14n_again = hearth_xml_canonicalize (after_again);
  g_assert_cmpstr (c14n, ==, c14n_again);
}

/* Parsing and serializing, and setting every managed value to what it already is,
 * leave the canonical form (C14N, comments included) untouched. */
static void
test_noop (gconstpointer data)
{
  const char *fixture = data;
  g_autofree char *before = NULL;
  g_autoptr(HearthDomainXml) doc = parse_fixture (fixture, &before);
  g_autoptr(GPtrArray) ifaces = hearth_domain_xml_list_interfaces (doc);
  g_autofree char *title = hearth_domain_xml_dup_title (doc);
  g_autofree char *video = hearth_domain_xml_dup_video_model (doc);
  g_auto(GStrv) boot = hearth_domain_xml_dup_boot_order (doc);
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  g_autofree char *c14n_before = NULL;
  g_autofree char *c14n_after = NULL;

  g_assert_true (hearth_domain_xml_set_vcpus (doc, hearth_domain_xml_get_vcpus (doc),
                                              hearth_domain_xml_get_max_vcpus (doc), &error));
  g_assert_true (hearth_domain_xml_set_memory (doc, hearth_domain_xml_get_memory (doc),
                                               hearth_domain_xml_get_max_memory (doc), &error));
  hearth_domain_xml_set_title (doc, title);
  hearth_domain_xml_set_sound (doc, hearth_domain_xml_get_sound (doc));
  hearth_domain_xml_set_boot_menu (doc, hearth_domain_xml_get_boot_menu (doc));
  if (video != NULL)
    g_assert_true (hearth_domain_xml_set_video_model (doc, video, &error));
  for (guint i = 0; i < ifaces->len; i++)
    {
      HearthInterfaceItem *item = g_ptr_array_index (ifaces, i);

      g_assert_true (hearth_domain_xml_set_interface_link (doc, item->mac, item->link_up,
                                                           &error));
    }
  /* Only a plain <os><boot dev> order can be written back unchanged. */
  if (!g_str_equal (fixture, "hand-written.xml"))
    g_assert_true (hearth_domain_xml_set_boot_order (doc, (const char * const *) boot, &error));
  g_assert_no_error (error);

  after = hearth_domain_xml_to_string (doc);
  c14n_before = hearth_xml_canonicalize (before);
  c14n_after = hearth_xml_canonicalize (after);
  g_assert_cmpstr (c14n_before, ==, c14n_after);
}

static void
test_read_values (void)
{
  g_autoptr(HearthDomainXml) virt = parse_fixture ("virt-install.xml", NULL);
  g_autoptr(HearthDomainXml) boxes = parse_fixture ("gnome-boxes.xml", NULL);
  g_autoptr(HearthDomainXml) hand = parse_fixture ("hand-written.xml", NULL);
  g_autoptr(GPtrArray) disks = hearth_domain_xml_list_disks (virt);
  g_autoptr(GPtrArray) boxes_disks = hearth_domain_xml_list_disks (boxes);
  g_autoptr(GPtrArray) ifaces = hearth_domain_xml_list_interfaces (hand);
  g_auto(GStrv) virt_boot = hearth_domain_xml_dup_boot_order (virt);
  g_auto(GStrv) boxes_boot = hearth_domain_xml_dup_boot_order (boxes);
  g_auto(GStrv) hand_boot = hearth_domain_xml_dup_boot_order (hand);
  g_autofree char *name = hearth_domain_xml_dup_name (hand);
  g_autofree char *description = hearth_domain_xml_dup_description (hand);
  g_autofree char *uuid = hearth_domain_xml_dup_uuid (boxes);
  g_autofree char *video = hearth_domain_xml_dup_video_model (virt);
  g_autofree char *cdrom = hearth_domain_xml_dup_cdrom_target (boxes);
  const char *virt_order[] = { "hd", NULL };
  const char *boxes_order[] = { "cdrom", "hd", NULL };
  const char *hand_order[] = { "network", "hd", "cdrom", NULL };
  HearthStorageItem *item;
  HearthInterfaceItem *iface;

  g_assert_cmpuint (hearth_domain_xml_get_vcpus (virt), ==, 4);
  g_assert_cmpuint (hearth_domain_xml_get_max_vcpus (virt), ==, 4);
  g_assert_cmpuint (hearth_domain_xml_get_vcpus (hand), ==, 1);
  g_assert_cmpuint (hearth_domain_xml_get_max_vcpus (hand), ==, 2);
  g_assert_cmpuint (hearth_domain_xml_get_memory (boxes), ==, G_GUINT64_CONSTANT (2) << 30);
  g_assert_cmpuint (hearth_domain_xml_get_max_memory (boxes), ==, G_GUINT64_CONSTANT (4) << 30);
  g_assert_cmpuint (hearth_domain_xml_get_memory (hand), ==, 512 << 20);
  g_assert_true (hearth_domain_xml_get_sound (virt));
  g_assert_false (hearth_domain_xml_get_sound (boxes));
  g_assert_true (hearth_domain_xml_get_boot_menu (boxes));
  g_assert_false (hearth_domain_xml_get_boot_menu (virt));
  g_assert_cmpstr (video, ==, "qxl");
  g_assert_cmpstr (name, ==, "实验室-router <&> 🛜");
  g_assert_cmpstr (description, ==, "Home lab router: \"do not touch\" & keep the <vlan> set-up");
  g_assert_cmpstr (uuid, ==, "0c8a1c3e-2b6d-4c57-8a1e-3e2f4d5c6b02");
  g_assert_cmpstr (cdrom, ==, "hdc");
  g_assert_true (g_strv_equal ((const char * const *) virt_boot, virt_order));
  g_assert_true (g_strv_equal ((const char * const *) boxes_boot, boxes_order));
  g_assert_true (g_strv_equal ((const char * const *) hand_boot, hand_order));

  g_assert_cmpuint (disks->len, ==, 2);
  item = g_ptr_array_index (disks, 1);
  g_assert_cmpstr (item->device, ==, "cdrom");
  g_assert_cmpstr (item->target, ==, "sda");
  g_assert_true (item->readonly);
  item = g_ptr_array_index (boxes_disks, 1);
  g_assert_null (item->path);

  g_assert_cmpuint (ifaces->len, ==, 2);
  iface = g_ptr_array_index (ifaces, 0);
  g_assert_cmpstr (iface->type, ==, "bridge");
  g_assert_cmpstr (iface->source, ==, "br-wan");
  g_assert_cmpstr (iface->model, ==, "e1000e");
  g_assert_true (iface->link_up);
  iface = g_ptr_array_index (ifaces, 1);
  g_assert_cmpstr (iface->source, ==, "lab-dmz");
  g_assert_false (iface->link_up);
}

/* Text with markup characters stays text through an edit and a re-parse. */
static void
test_escaping (void)
{
  g_autoptr(HearthDomainXml) doc = parse_fixture ("virt-install.xml", NULL);
  g_autoptr(HearthDomainXml) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *title = NULL;
  g_autofree char *description = NULL;
  const char *odd = "<title>&amp; ]]> \"'</title> 🏠";

  hearth_domain_xml_set_title (doc, odd);
  hearth_domain_xml_set_description (doc, odd);
  xml = hearth_domain_xml_to_string (doc);
  again = hearth_domain_xml_new (xml, &error);
  g_assert_no_error (error);
  title = hearth_domain_xml_dup_title (again);
  description = hearth_domain_xml_dup_description (again);
  g_assert_cmpstr (title, ==, odd);
  g_assert_cmpstr (description, ==, odd);
}

/* The OS metadata of a machine that had none stands on its own too, for
 * virDomainSetMetadata(). */
static void
test_os_metadata (void)
{
  g_autoptr(HearthDomainXml) doc = parse_fixture ("hand-written.xml", NULL);
  g_autoptr(HearthDomainXml) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *none = hearth_domain_xml_dup_os_metadata (doc);
  g_autofree char *metadata = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *os_id = NULL;

  g_assert_null (none);
  hearth_domain_xml_set_os_id (doc, "http://debian.org/debian/12");
  metadata = hearth_domain_xml_dup_os_metadata (doc);
  g_assert_cmpstr (metadata, ==,
                   "<libosinfo><os id=\"http://debian.org/debian/12\"/></libosinfo>");

  xml = hearth_domain_xml_to_string (doc);
  again = hearth_domain_xml_new (xml, &error);
  g_assert_no_error (error);
  os_id = hearth_domain_xml_dup_os_id (again);
  g_assert_cmpstr (os_id, ==, "http://debian.org/debian/12");
}

/* Device XML for libvirt's device APIs stands on its own. */
static void
test_device_xml (void)
{
  g_autoptr(HearthDomainXml) doc = parse_fixture ("hand-written.xml", NULL);
  g_autofree char *disk = hearth_domain_xml_dup_disk_xml (doc, "hdc");
  g_autofree char *iface = hearth_domain_xml_dup_interface_xml (doc, "52:54:00:aa:bb:02");
  g_autofree char *none = hearth_domain_xml_dup_disk_xml (doc, "sdz");

  g_assert_nonnull (disk);
  g_assert_true (g_str_has_prefix (disk, "<disk type=\"block\" device=\"cdrom\">"));
  g_assert_nonnull (strstr (disk, "<target dev=\"hdc\" bus=\"ide\"/>"));
  g_assert_nonnull (iface);
  g_assert_nonnull (strstr (iface, "<source network=\"lab-dmz\"/>"));
  g_assert_null (none);
}

static void
assert_error (GError     *error,
              int         code,
              const char *message)
{
  g_assert_error (error, HEARTH_ERROR, code);
  g_assert_cmpstr (error->message, ==, message);
}

/* Bad values are refused with the reason, and the document is left alone. */
static void
test_refusals (void)
{
  g_autofree char *before = NULL;
  g_autoptr(HearthDomainXml) doc = parse_fixture ("virt-install.xml", &before);
  g_autofree char *after = NULL;
  const char *bad_kind[] = { "floppy", NULL };
  const char *twice[] = { "hd", "cdrom", "hd", NULL };
  const char *empty[] = { NULL };
  GError *error = NULL;

  g_assert_false (hearth_domain_xml_set_vcpus (doc, 0, 0, &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "A machine needs at least one vCPU");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_mac (doc, NULL, "52:54:00:12:34", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "“52:54:00:12:34” is not a MAC address (six pairs of hex digits separated by "
                "colons)");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_mac (doc, NULL, "52-54-00-12-34-56", &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_mac (doc, NULL, "01:00:5e:00:00:01", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "01:00:5e:00:00:01 is a multicast address; a network card needs a unicast one");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_mac (doc, NULL, "ff:ff:ff:ff:ff:ff", &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_mac (doc, NULL, "00:00:00:00:00:00", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "00:00:00:00:00:00 is not a usable MAC address");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_mac (doc, "52:54:00:00:00:99",
                                                       "52:54:00:00:00:98", &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND);
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_cpu_model (doc, "Sky lake<&>", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "“Sky lake<&>” is not a CPU model name");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_firmware (doc, "coreboot", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "“coreboot” is not a firmware (efi or bios)");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_vcpus (doc, 6, 4, &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "6 vCPUs are more than the maximum of 4");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_memory (doc, 0, 0, &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "A machine needs at least 1 MiB of memory");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_memory (doc, (guint64) 8 << 30, (guint64) 4 << 30, &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "8192 MiB of memory are more than the maximum of 4096 MiB");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_video_model (doc, "voodoo", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "“voodoo” is not a video model Hearth supports");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_boot_order (doc, bad_kind, &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "“floppy” is not a boot device (hd, cdrom, network or fd)");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_boot_order (doc, twice, &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "“hd” appears twice in the boot order");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_boot_order (doc, empty, &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "The boot order needs at least one device");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_cdrom_media (doc, "vda", "/x.iso", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "The disk vda is not a CD-ROM drive");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_cdrom_media (doc, "sdq", "/x.iso", &error));
  assert_error (error, HEARTH_ERROR_NOT_FOUND, "The machine has no CD-ROM drive sdq");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_remove_disk (doc, "vdz", &error));
  assert_error (error, HEARTH_ERROR_NOT_FOUND, "The machine has no disk vdz");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_link (doc, "52:54:00:00:00:00", FALSE, &error));
  assert_error (error, HEARTH_ERROR_NOT_FOUND,
                "The machine has no network interface 52:54:00:00:00:00");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_network (doc, NULL, "", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "An interface needs a network to connect to");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_model (doc, NULL, "ne2k_pci", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "“ne2k_pci” is not a network card model Hearth supports");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_interface_model (doc, "00:11:22:33:44:55", "virtio",
                                                         &error));
  assert_error (error, HEARTH_ERROR_NOT_FOUND,
                "The machine has no network interface 00:11:22:33:44:55");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_name (doc, "  ", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "A machine name cannot be empty");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_name (doc, "../etc", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT, "A machine name cannot contain “/”");
  g_clear_error (&error);
  g_assert_false (hearth_domain_xml_set_name (doc, "a\tb", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "A machine name cannot contain control characters");
  g_clear_error (&error);

  after = hearth_domain_xml_to_string (doc);
  hearth_xml_assert_diff (before, after, (const char *[]) { NULL });

}

/* A virt-manager UEFI machine: firmware read from the loader, and BIOS drops
 * exactly the loader, the variable store and the firmware features. */
static void
test_firmware (void)
{
  const char *xml =
    "<domain type='kvm'>\n"
    "  <name>uefi</name>\n"
    "  <os firmware='efi'>\n"
    "    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>\n"
    "    <firmware>\n"
    "      <feature enabled='no' name='secure-boot'/>\n"
    "    </firmware>\n"
    "    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd</loader>\n"
    "    <nvram>/var/lib/libvirt/qemu/nvram/uefi_VARS.fd</nvram>\n"
    "    <boot dev='hd'/>\n"
    "  </os>\n"
    "  <!-- keep me -->\n"
    "</domain>\n";
  const char *expected[] = { "/domain/os/@firmware", "/domain/os/firmware", "/domain/os/loader",
                             "/domain/os/nvram", NULL };
  g_autoptr(HearthDomainXml) doc = hearth_domain_xml_new (xml, NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *firmware = hearth_domain_xml_dup_firmware (doc);
  g_autofree char *nvram = hearth_domain_xml_dup_nvram (doc);
  g_autofree char *after = NULL;
  g_autofree char *bios = NULL;

  g_assert_cmpstr (firmware, ==, "efi");
  g_assert_cmpstr (nvram, ==, "/var/lib/libvirt/qemu/nvram/uefi_VARS.fd");
  g_assert_true (hearth_domain_xml_set_firmware (doc, "efi", &error));
  after = hearth_domain_xml_to_string (doc);
  hearth_xml_assert_diff (xml, after, (const char * const[]) { NULL });
  g_clear_pointer (&after, g_free);

  g_assert_true (hearth_domain_xml_set_firmware (doc, "bios", &error));
  g_assert_no_error (error);
  bios = hearth_domain_xml_dup_firmware (doc);
  g_assert_cmpstr (bios, ==, "bios");
  g_assert_null (hearth_domain_xml_dup_nvram (doc));
  after = hearth_domain_xml_to_string (doc);
  hearth_xml_assert_diff (xml, after, expected);
}

/* Two cards of one machine never share an address. */
static void
test_mac_taken (void)
{
  g_autoptr(HearthDomainXml) doc = parse_fixture ("hand-written.xml", NULL);
  GError *error = NULL;

  g_assert_false (hearth_domain_xml_set_interface_mac (doc, "52:54:00:aa:bb:01",
                                                       "52:54:00:AA:BB:02", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "Another network card of this machine already has the address "
                "52:54:00:AA:BB:02");
  g_clear_error (&error);
  /* Its own address again, in another case, is no change. */
  g_assert_true (hearth_domain_xml_set_interface_mac (doc, "52:54:00:aa:bb:01",
                                                      "52:54:00:AA:BB:01", &error));
  g_assert_no_error (error);
}

static void
test_parse_errors (void)
{
  GError *error = NULL;

  g_assert_null (hearth_domain_xml_new ("<domain><name>x</domain>", &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  g_assert_true (g_str_has_prefix (error->message, "The XML is not well-formed (line 1): "));
  g_clear_error (&error);

  g_assert_null (hearth_domain_xml_new ("<network><name>x</name></network>", &error));
  assert_error (error, HEARTH_ERROR_INVALID_ARGUMENT,
                "The XML is not a libvirt domain: its root element is not <domain>");
  g_clear_error (&error);

  /* An entity that would read a file is never expanded. */
  {
    g_autoptr(HearthDomainXml) doc = NULL;
    g_autofree char *name = NULL;

    doc = hearth_domain_xml_new ("<!DOCTYPE domain [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
                                 "<domain><name>&e;</name></domain>", &error);
    if (doc != NULL)
      name = hearth_domain_xml_dup_name (doc);
    g_clear_error (&error);
    g_assert_true (name == NULL || strstr (name, "root:") == NULL);
  }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/core/domain-xml/read-values", test_read_values);
  g_test_add_func ("/core/domain-xml/escaping", test_escaping);
  g_test_add_func ("/core/domain-xml/device-xml", test_device_xml);
  g_test_add_func ("/core/domain-xml/os-metadata", test_os_metadata);
  g_test_add_func ("/core/domain-xml/refusals", test_refusals);
  g_test_add_func ("/core/domain-xml/parse-errors", test_parse_errors);
  g_test_add_func ("/core/domain-xml/firmware", test_firmware);
  g_test_add_func ("/core/domain-xml/mac-taken", test_mac_taken);

  for (guint f = 0; f < G_N_ELEMENTS (fixtures); f++)
    {
      g_autofree char *base = g_strndup (fixtures[f], strlen (fixtures[f]) - 4);
      g_autofree char *noop = g_strdup_printf ("/core/domain-xml/noop/%s", base);

      g_test_add_data_func (noop, fixtures[f], test_noop);
      for (guint e = 0; e < G_N_ELEMENTS (edit_cases); e++)
        {
          EditTest *test = g_new0 (EditTest, 1);
          g_autofree char *path = g_strdup_printf ("/core/domain-xml/edit/%s/%s",
                                                   edit_cases[e].name, base);

          test->edit = &edit_cases[e];
          test->fixture = f;
          g_test_add_data_func_full (path, test, test_edit, g_free);
        }
    }

  return g_test_run ();
}
