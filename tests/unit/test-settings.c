/* test-settings.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-settings"

#include "config.h"

#include <string.h>

#include "hearth-test-utils.h"
#include "hearth-xml-diff.h"

/* The settings model on libvirt's test driver (tests/data/settings/settings-node.xml):
 * every change goes through libvirt and is read back; refusals leave the machine
 * as it was. */

#define GIB (G_GUINT64_CONSTANT (1) << 30)
#define MIB (G_GUINT64_CONSTANT (1) << 20)

typedef struct
{
  HearthConnection *connection;
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer data)
{
  g_autofree char *uri = hearth_test_fixture_uri ("settings/settings-node.xml");

  fixture->connection = hearth_test_open_connection (uri);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer data)
{
  g_clear_object (&fixture->connection);
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}


static HearthMachine *
find_machine (Fixture    *fixture,
              const char *name)
{
  HearthMachine *machine = hearth_connection_find_machine (fixture->connection, name);

  g_assert_nonnull (machine);
  return machine;
}

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static HearthMachineSettings *
load (HearthMachine *machine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HearthMachineSettings *settings;

  hearth_machine_settings_load_async (machine, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  settings = hearth_machine_settings_load_finish (machine, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (settings);
  return settings;
}

/* Applies the pending changes; returns FALSE with @error on a refusal. */
static gboolean
apply (HearthMachineSettings *settings,
       HearthSettingFlags    *now,
       HearthSettingFlags    *next_start,
       GError               **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hearth_machine_settings_apply_async (settings, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  return hearth_machine_settings_apply_finish (settings, result, now, next_start, error);
}

static void
test_load (Fixture      *fixture,
           gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  GPtrArray *disks = hearth_machine_settings_get_disks (settings);
  GPtrArray *ifaces = hearth_machine_settings_get_interfaces (settings);
  const char *boot[] = { "hd", NULL };
  HearthStorageItem *disk;
  HearthInterfaceItem *iface;

  g_assert_false (hearth_machine_settings_get_running (settings));
  g_assert_cmpstr (hearth_machine_settings_get_name (settings), ==, "workstation");
  g_assert_null (hearth_machine_settings_get_title (settings));
  g_assert_cmpuint (hearth_machine_settings_get_vcpus (settings), ==, 2);
  g_assert_cmpuint (hearth_machine_settings_get_max_vcpus (settings), ==, 2);
  g_assert_cmpuint (hearth_machine_settings_get_memory (settings), ==, 2 * GIB);
  g_assert_cmpuint (hearth_machine_settings_get_max_memory (settings), ==, 2 * GIB);
  g_assert_cmpuint (hearth_machine_settings_get_host_threads (settings), ==, 8);
  g_assert_cmpuint (hearth_machine_settings_get_host_memory (settings), ==, 16 * GIB);
  g_assert_cmpstr (hearth_machine_settings_get_pool (settings), ==, "hearth-pool");
  /* The test driver counts the pool's free space from its volumes. */
  g_assert_cmpuint (hearth_machine_settings_get_pool_available (settings), ==,
                    100 * GIB - 3 * GIB - 1000 * MIB);
  g_assert_true (hearth_machine_settings_get_sound (settings));
  g_assert_false (hearth_machine_settings_get_boot_menu (settings));
  g_assert_true (g_strv_equal (hearth_machine_settings_get_boot_order (settings), boot));
  g_assert_cmpstr (hearth_machine_settings_get_video_model (settings), ==, "qxl");
  g_assert_nonnull (strstr (hearth_machine_settings_get_xml (settings), "othertool:colour"));
  g_assert_cmpuint (hearth_machine_settings_get_pending (settings), ==, HEARTH_SETTING_NONE);

  g_assert_cmpuint (disks->len, ==, 2);
  disk = g_ptr_array_index (disks, 0);
  g_assert_cmpstr (disk->path, ==, "/hearth-pool/workstation.qcow2");
  g_assert_true (disk->in_pool);
  g_assert_cmpuint (disk->capacity, ==, 20 * GIB);
  disk = g_ptr_array_index (disks, 1);
  g_assert_cmpstr (disk->device, ==, "cdrom");

  g_assert_cmpuint (ifaces->len, ==, 1);
  iface = g_ptr_array_index (ifaces, 0);
  g_assert_cmpstr (iface->mac, ==, "52:54:00:6b:3c:58");
  g_assert_cmpstr (iface->source, ==, "default");
  g_assert_true (iface->link_up);
}

static char *
dup_config_xml (HearthMachine *machine)
{
  g_autoptr(HearthMachineSettings) settings = load (machine);

  return g_strdup (hearth_machine_settings_get_xml (settings));
}

/* Every offline change at once on the shut-off virt-install machine: libvirt's own
 * XML before and after differs exactly in the edited nodes, and the other tool's
 * metadata is still there. */
static void
test_apply_offline (Fixture      *fixture,
                    gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autofree char *before = g_strdup (hearth_machine_settings_get_xml (settings));
  g_autofree char *after = NULL;
  g_autofree char *audit = NULL;
  g_autoptr(GError) error = NULL;
  const char *boot[] = { "cdrom", "hd", NULL };
  HearthSettingFlags now = 0, next_start = 0;
  HearthSettingFlags all = HEARTH_SETTING_TITLE | HEARTH_SETTING_DESCRIPTION | HEARTH_SETTING_VCPUS
                           | HEARTH_SETTING_MEMORY | HEARTH_SETTING_SOUND | HEARTH_SETTING_VIDEO
                           | HEARTH_SETTING_BOOT | HEARTH_SETTING_LINK | HEARTH_SETTING_CDROM;
  const char *expected[] = {
    "/domain/title",
    "/domain/description",
    "/domain/vcpu/@current",
    "/domain/vcpu/text()",
    "/domain/cpu/topology/@sockets",
    "/domain/memory/text()",
    "/domain/currentMemory/text()",
    "/domain/devices/sound",
    "/domain/devices/video/model/@type",
    "/domain/devices/video/model/@ram",
    "/domain/devices/video/model/@vram",
    "/domain/devices/video/model/@vgamem",
    "/domain/os/boot[1]",
    "/domain/os/bootmenu",
    "/domain/devices/interface/link",
    "/domain/devices/disk[2]/source",
    NULL
  };

  hearth_machine_settings_set_title (settings, "工作站 <&>");
  hearth_machine_settings_set_description (settings, "Two lines\nof text & more");
  hearth_machine_settings_set_vcpus (settings, 2, 4);
  hearth_machine_settings_set_memory (settings, 3 * GIB, 4 * GIB);
  hearth_machine_settings_set_sound (settings, FALSE);
  hearth_machine_settings_set_video_model (settings, "virtio");
  hearth_machine_settings_set_boot_order (settings, boot);
  hearth_machine_settings_set_boot_menu (settings, TRUE);
  hearth_machine_settings_set_interface_link (settings, "52:54:00:6b:3c:58", FALSE);
  hearth_machine_settings_set_cdrom (settings, NULL, NULL);
  g_assert_cmpuint (hearth_machine_settings_get_pending (settings), ==, all);
  g_assert_true (hearth_machine_settings_validate (settings, &error));
  g_assert_no_error (error);

  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, all);
  g_assert_cmpuint (next_start, ==, 0);
  g_assert_cmpuint (hearth_machine_settings_get_pending (settings), ==, HEARTH_SETTING_NONE);

  /* The settings were read again from libvirt. */
  g_assert_cmpstr (hearth_machine_settings_get_title (settings), ==, "工作站 <&>");
  g_assert_cmpuint (hearth_machine_settings_get_vcpus (settings), ==, 2);
  g_assert_cmpuint (hearth_machine_settings_get_max_vcpus (settings), ==, 4);
  g_assert_cmpuint (hearth_machine_settings_get_memory (settings), ==, 3 * GIB);
  g_assert_cmpuint (hearth_machine_settings_get_max_memory (settings), ==, 4 * GIB);
  g_assert_false (hearth_machine_settings_get_sound (settings));
  g_assert_true (hearth_machine_settings_get_boot_menu (settings));
  g_assert_true (g_strv_equal (hearth_machine_settings_get_boot_order (settings), boot));
  g_assert_cmpstr (hearth_machine_settings_get_video_model (settings), ==, "virtio");

  after = dup_config_xml (machine);
  hearth_xml_assert_diff (before, after, expected);

  /* The machine object follows libvirt's events. */
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_SHUTOFF, 1000));
  audit = hearth_test_dup_audit_log ();
  g_assert_nonnull (strstr (audit, "\"change-settings\""));
}

/* On the running Boxes machine: what can change live does, the rest waits for the
 * next start. */
static void
test_apply_live (Fixture      *fixture,
                 gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "boxes-vm");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0, next_start = 0;

  g_assert_true (hearth_machine_settings_get_running (settings));
  g_assert_cmpuint (hearth_machine_settings_get_live_vcpus (settings), ==, 2);
  g_assert_cmpuint (hearth_machine_settings_get_live_memory (settings), ==, 2 * GIB);

  hearth_machine_settings_set_vcpus (settings, 3, 0);
  hearth_machine_settings_set_memory (settings, 3 * GIB, 0);
  hearth_machine_settings_set_sound (settings, TRUE);
  hearth_machine_settings_set_description (settings, "changed while running");
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);

  g_assert_cmpuint (now, ==, HEARTH_SETTING_VCPUS | HEARTH_SETTING_MEMORY
                               | HEARTH_SETTING_DESCRIPTION);
  g_assert_cmpuint (next_start, ==, HEARTH_SETTING_SOUND);
  g_assert_cmpuint (hearth_machine_settings_get_live_vcpus (settings), ==, 3);
  g_assert_cmpuint (hearth_machine_settings_get_live_memory (settings), ==, 3 * GIB);
  g_assert_cmpuint (hearth_machine_settings_get_vcpus (settings), ==, 3);
  g_assert_true (hearth_machine_settings_get_sound (settings));

  /* A new maximum waits for the next start; the count within the running
   * maximum is still hot-plugged now. */
  hearth_machine_settings_set_vcpus (settings, 4, 6);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, 0);
  g_assert_cmpuint (next_start, ==, HEARTH_SETTING_VCPUS);
  g_assert_cmpuint (hearth_machine_settings_get_live_vcpus (settings), ==, 4);
  g_assert_cmpuint (hearth_machine_settings_get_max_vcpus (settings), ==, 6);
  g_assert_true (hearth_test_wait_machine_state (machine, HEARTH_MACHINE_STATE_RUNNING, 1000));
}

/* A live change that fails puts the configuration back: the test driver cannot
 * change media live, so the description defined in the same apply is undone. */
static void
test_live_failure_rolls_back (Fixture      *fixture,
                              gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "boxes-vm");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autofree char *before = g_strdup (hearth_machine_settings_get_xml (settings));
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;

  hearth_machine_settings_set_description (settings, "must not stay");
  hearth_machine_settings_set_cdrom (settings, "hdc", "/hearth-pool/rescue.iso");
  g_assert_false (apply (settings, NULL, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "Could not insert the CD: "));

  after = dup_config_xml (machine);
  hearth_xml_assert_diff (before, after, (const char *[]) { NULL });
}

static void
assert_refused (HearthMachineSettings *settings,
                HearthMachine         *machine,
                int                    code,
                const char            *message)
{
  g_autofree char *before = dup_config_xml (machine);
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GError) validate_error = NULL;
  HearthSettingFlags pending = hearth_machine_settings_get_pending (settings);

  g_assert_false (apply (settings, NULL, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, code);
  if (g_str_has_suffix (message, "*"))
    {
      g_autofree char *prefix = g_strndup (message, strlen (message) - 1);

      g_assert_true (g_str_has_prefix (error->message, prefix));
    }
  else
    g_assert_cmpstr (error->message, ==, message);

  /* Nothing changed, and the change is still pending for the user to fix. */
  after = dup_config_xml (machine);
  hearth_xml_assert_diff (before, after, (const char *[]) { NULL });
  g_assert_cmpuint (hearth_machine_settings_get_pending (settings), ==, pending);
  hearth_machine_settings_discard (settings);
}

/* Each bad value is refused with its reason, by validate() where no libvirt is
 * needed and by apply always, and leaves the machine as it was. */
static void
test_refusals (Fixture      *fixture,
               gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  HearthMachine *running = find_machine (fixture, "boxes-vm");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(HearthMachineSettings) live = load (running);
  g_autoptr(GError) error = NULL;
  g_autofree char *bad_uuid = NULL;
  g_autofree char *bad_schema = NULL;
  g_auto(GStrv) parts = NULL;

  hearth_machine_settings_set_vcpus (settings, 0, 0);
  g_assert_false (hearth_machine_settings_validate (settings, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "A machine needs at least one vCPU");

  hearth_machine_settings_set_vcpus (settings, 4, 2);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "4 vCPUs are more than the maximum of 2");

  hearth_machine_settings_set_vcpus (settings, 2, 16);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "16 vCPUs are more than the host's 8 threads");

  hearth_machine_settings_set_memory (settings, 32 * GIB, 0);
  g_assert_false (hearth_machine_settings_validate (settings, &error));
  g_clear_error (&error);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "32768 MiB of memory is more than the host has (16384 MiB)");

  hearth_machine_settings_add_disk (settings, 200 * GIB);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "A disk of 204800 MiB does not fit in the storage pool “hearth-pool”, "
                  "which has 98328 MiB free");

  hearth_machine_settings_add_disk (live, 1 * GIB);
  assert_refused (live, running, HEARTH_ERROR_UNSUPPORTED,
                  "The machine's disks are not in a storage pool, so Hearth does not know "
                  "where to create a new disk");

  hearth_machine_settings_set_name (settings, "boxes-vm");
  assert_refused (settings, machine, HEARTH_ERROR_NAME_TAKEN,
                  "Another machine is already called “boxes-vm”");

  hearth_machine_settings_set_name (settings, "a/b");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "A machine name cannot contain “/”");

  hearth_machine_settings_set_name (live, "renamed");
  assert_refused (live, running, HEARTH_ERROR_INVALID_STATE,
                  "The machine must be shut off to be renamed");

  hearth_machine_settings_set_title (settings, "two\nlines");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "A title cannot contain line breaks");

  hearth_machine_settings_set_video_model (settings, "voodoo");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "“voodoo” is not a video model Hearth supports");

  hearth_machine_settings_set_cdrom (settings, NULL, "/nonexistent/hearth-missing.iso");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The image “/nonexistent/hearth-missing.iso” does not exist");

  hearth_machine_settings_set_interface (settings, NULL, "nowhere", NULL);
  assert_refused (settings, machine, HEARTH_ERROR_NOT_FOUND, "There is no network “nowhere”");

  hearth_machine_settings_set_interface (settings, NULL, NULL, "ne2k_pci");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "“ne2k_pci” is not a network card model Hearth supports");

  hearth_machine_settings_remove_disk (settings, "vdq", FALSE);
  assert_refused (settings, machine, HEARTH_ERROR_NOT_FOUND, "The machine has no disk vdq");

  hearth_machine_settings_attach_disk (settings, "/nonexistent/hearth-missing.img");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The image “/nonexistent/hearth-missing.img” does not exist or cannot be "
                  "read");

  hearth_machine_settings_attach_disk (settings, "/hearth-pool/workstation.qcow2");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The image “/hearth-pool/workstation.qcow2” is already the machine's disk "
                  "vda");

  hearth_machine_settings_attach_disk (settings, "relative.img");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "A disk image needs an absolute path");

  hearth_machine_settings_resize_disk (settings, "vda", 10 * GIB);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "A disk can only grow: vda is 20480 MiB now, more than 10240 MiB");

  hearth_machine_settings_resize_disk (settings, "sda", 30 * GIB);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "Only writable disks with an image can grow; sda is not one");

  hearth_machine_settings_resize_disk (settings, "vdq", 30 * GIB);
  assert_refused (settings, machine, HEARTH_ERROR_NOT_FOUND, "The machine has no disk vdq");

  /* The test driver cannot grow volumes: the refusal comes from libvirt, after
   * the description was defined, and the description is put back. */
  hearth_machine_settings_set_description (settings, "must not stay");
  hearth_machine_settings_resize_disk (settings, "vda", 30 * GIB);
  assert_refused (settings, machine, HEARTH_ERROR_UNSUPPORTED, "Could not grow the disk image: *");

  /* Edit XML: malformed, another UUID, and what libvirt's schema rejects. */
  hearth_machine_settings_set_xml (settings, "<domain><name>x</domain>");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The XML is not well-formed (line 1): *");

  bad_uuid = g_strdup (hearth_machine_settings_get_xml (settings));
  memcpy (strstr (bad_uuid, "5b3f0a52"), "deadbeef", 8);
  hearth_machine_settings_set_xml (settings, bad_uuid);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The XML must keep the machine's UUID 5b3f0a52-7d1c-4e0f-9a61-6f0c1b2d3e11");

  parts = g_strsplit (hearth_machine_settings_get_xml (settings), "<devices>", 2);
  bad_schema = g_strjoinv ("<devices><frobnicator/>", parts);
  hearth_machine_settings_set_xml (settings, bad_schema);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "libvirt refused the configuration: *");

  hearth_machine_settings_set_xml (settings, hearth_machine_settings_get_xml (settings));
  hearth_machine_settings_set_sound (settings, FALSE);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "An XML edit is applied on its own, without other changes");
}

/* A valid XML edit is defined, and the other tool's metadata survives it. */
static void
test_edit_xml (Fixture      *fixture,
               gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autofree char *before = g_strdup (hearth_machine_settings_get_xml (settings));
  g_autoptr(HearthDomainXml) doc = hearth_domain_xml_new (before, NULL);
  g_autofree char *edited = NULL;
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0, next_start = 0;

  hearth_domain_xml_set_description (doc, "edited by hand");
  edited = hearth_domain_xml_to_string (doc);
  hearth_machine_settings_set_xml (settings, edited);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_XML);

  after = dup_config_xml (machine);
  hearth_xml_assert_diff (before, after, (const char *[]) { "/domain/description", NULL });
  g_assert_nonnull (strstr (after, "othertool:colour"));
}

static gboolean
machine_named (gpointer data)
{
  gpointer *pair = data;

  return g_strcmp0 (hearth_machine_get_name (pair[0]), pair[1]) == 0;
}

/* Renaming a shut-off machine through virDomainRename; names no one types work. */
static void
test_rename (Fixture      *fixture,
             gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "家庭沙盒 🏠");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0;
  const char *name = "孩子的电脑 <&>'\" 🧸";

  hearth_machine_settings_set_name (settings, name);
  g_assert_true (apply (settings, &now, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_NAME);
  g_assert_cmpstr (hearth_machine_settings_get_name (settings), ==, name);
  {
    gpointer pair[] = { machine, (gpointer) name };

    /* The machine object learns the new name from libvirt's events. */
    g_assert_true (hearth_test_wait (machine_named, pair, 5000));
  }
}

/* A new disk is a qcow2 volume in the machine's pool, never overwriting one;
 * removing it keeps the image unless asked. */
static void
test_disks (Fixture      *fixture,
            gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(GError) error = NULL;
  GPtrArray *disks;
  HearthStorageItem *disk;

  hearth_machine_settings_add_disk (settings, 1 * GIB);
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  disks = hearth_machine_settings_get_disks (settings);
  g_assert_cmpuint (disks->len, ==, 3);
  disk = g_ptr_array_index (disks, 1);
  g_assert_cmpstr (disk->target, ==, "vdb");
  g_assert_cmpstr (disk->path, ==, "/hearth-pool/workstation-1.qcow2");
  g_assert_true (disk->in_pool);
  g_assert_cmpuint (disk->capacity, ==, 1 * GIB);

  /* Removed but kept: the next new disk cannot take its name. */
  hearth_machine_settings_remove_disk (settings, "vdb", FALSE);
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hearth_machine_settings_get_disks (settings)->len, ==, 2);
  hearth_machine_settings_add_disk (settings, 1 * GIB);
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  disk = g_ptr_array_index (hearth_machine_settings_get_disks (settings), 1);
  g_assert_cmpstr (disk->path, ==, "/hearth-pool/workstation-2.qcow2");

  /* Removed and deleted: the name is free again. */
  hearth_machine_settings_remove_disk (settings, "vdb", TRUE);
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  hearth_machine_settings_add_disk (settings, 1 * GIB);
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  disk = g_ptr_array_index (hearth_machine_settings_get_disks (settings), 1);
  g_assert_cmpstr (disk->path, ==, "/hearth-pool/workstation-2.qcow2");
}

/* An existing image becomes a disk; its format is read from its first bytes. */
static void
test_attach (Fixture      *fixture,
             gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autofree char *before = g_strdup (hearth_machine_settings_get_xml (settings));
  g_autofree char *after = NULL;
  g_autofree char *path = g_build_filename (g_get_user_data_dir (), "存档 <&> disk.qcow2", NULL);
  g_autoptr(HearthDomainXml) config = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *disk_xml = NULL;
  HearthSettingFlags now = 0;
  HearthStorageItem *disk;

  /* A qcow2 header's magic is all the probe reads. */
  g_assert_cmpint (g_mkdir_with_parents (g_get_user_data_dir (), 0700), ==, 0);
  g_file_set_contents (path, "QFI\xfb\0\0\0\3", 8, &error);
  g_assert_no_error (error);

  hearth_machine_settings_attach_disk (settings, path);
  g_assert_true (apply (settings, &now, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_ATTACH_DISK);

  /* libvirt lists virtio disks before SATA ones. */
  disk = g_ptr_array_index (hearth_machine_settings_get_disks (settings), 1);
  g_assert_cmpstr (disk->path, ==, path);
  g_assert_cmpstr (disk->target, ==, "vdb");
  g_assert_false (disk->in_pool);

  after = dup_config_xml (machine);
  hearth_xml_assert_diff (before, after, (const char *[]) { "/domain/devices/disk[2]", NULL });
  config = hearth_domain_xml_new (after, &error);
  g_assert_no_error (error);
  disk_xml = hearth_domain_xml_dup_disk_xml (config, "vdb");
  g_assert_nonnull (strstr (disk_xml, "type=\"qcow2\""));
}

static gboolean
machine_os_is (gpointer data)
{
  gpointer *pair = data;

  return g_strcmp0 (hearth_machine_get_os_id (pair[0]), pair[1]) == 0;
}

/* The OS lives in the libosinfo metadata, next to another tool's; on a running
 * machine it changes live too, so the machine object shows it at once. */
static void
test_os (Fixture      *fixture,
         gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  HearthMachine *running = find_machine (fixture, "boxes-vm");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(HearthMachineSettings) live = load (running);
  g_autofree char *before = g_strdup (hearth_machine_settings_get_xml (settings));
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0, next_start = 0;
  const char *ubuntu = "http://ubuntu.com/ubuntu/22.04";
  gpointer pair[] = { running, (gpointer) ubuntu };

  g_assert_cmpstr (hearth_machine_settings_get_os_id (settings), ==,
                   "http://debian.org/debian/12");
  hearth_machine_settings_set_os_id (settings, ubuntu);
  g_assert_true (apply (settings, &now, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_OS);
  g_assert_cmpstr (hearth_machine_settings_get_os_id (settings), ==, ubuntu);
  after = dup_config_xml (machine);
  hearth_xml_assert_diff (before, after, (const char *[]) {
                            "/domain/metadata/libosinfo:libosinfo/libosinfo:os/@id", NULL });
  g_assert_nonnull (strstr (after, "othertool:colour"));

  g_assert_null (hearth_machine_settings_get_os_id (live));
  hearth_machine_settings_set_os_id (live, ubuntu);
  g_assert_true (apply (live, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_OS);
  g_assert_cmpuint (next_start, ==, 0);
  g_assert_nonnull (strstr (hearth_machine_settings_get_xml (live), "gnome-boxes"));
  g_assert_true (hearth_test_wait (machine_os_is, pair, 5000));
}

/* Another network (zone) and card model: the configuration changes in exactly
 * those places; a running machine gets them on its next start where the driver
 * cannot move it live (the test driver cannot). */
static void
test_interface (Fixture      *fixture,
                gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  HearthMachine *running = find_machine (fixture, "boxes-vm");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(HearthMachineSettings) live = load (running);
  g_autofree char *before = g_strdup (hearth_machine_settings_get_xml (settings));
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0, next_start = 0;
  HearthInterfaceItem *iface;

  hearth_machine_settings_set_interface (settings, "52:54:00:6B:3C:58", "isolated", "e1000e");
  g_assert_true (apply (settings, &now, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, HEARTH_SETTING_INTERFACE);
  iface = g_ptr_array_index (hearth_machine_settings_get_interfaces (settings), 0);
  g_assert_cmpstr (iface->source, ==, "isolated");
  g_assert_cmpstr (iface->model, ==, "e1000e");
  after = dup_config_xml (machine);
  hearth_xml_assert_diff (before, after, (const char *[]) {
                            "/domain/devices/interface/source/@network",
                            "/domain/devices/interface/model/@type", NULL });

  hearth_machine_settings_set_interface (live, NULL, "isolated", NULL);
  g_assert_true (apply (live, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, 0);
  g_assert_cmpuint (next_start, ==, HEARTH_SETTING_INTERFACE);
  iface = g_ptr_array_index (hearth_machine_settings_get_interfaces (live), 0);
  g_assert_cmpstr (iface->type, ==, "network");
  g_assert_cmpstr (iface->source, ==, "isolated");
}

static gboolean
tree_loaded (gpointer data)
{
  return hearth_snapshot_tree_get_loaded (data);
}

/* With a snapshot tree, every apply first takes an automatic snapshot, titled
 * with the caller's reason, to go back to. An apply with nothing to do takes none. */
static void
test_snapshot_first (Fixture      *fixture,
                     gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(HearthSnapshotTree) tree = hearth_snapshot_tree_new (machine);
  g_autoptr(GError) error = NULL;
  GListModel *snapshots;
  g_autoptr(HearthSnapshot) snapshot = NULL;

  g_assert_true (hearth_test_wait (tree_loaded, tree, 10000));
  snapshots = hearth_snapshot_tree_get_snapshots (tree);
  g_assert_cmpuint (g_list_model_get_n_items (snapshots), ==, 0);

  hearth_machine_settings_set_snapshot_first (settings, tree, "Before changing the settings");
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (snapshots), ==, 0);

  hearth_machine_settings_set_description (settings, "after the snapshot");
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (snapshots), ==, 1);
  snapshot = g_list_model_get_item (snapshots, 0);
  g_assert_cmpstr (hearth_snapshot_get_title (snapshot), ==, "Before changing the settings");
  g_assert_cmpint (hearth_snapshot_get_origin (snapshot), ==, HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC);
  g_assert_cmpstr (hearth_machine_settings_get_description (settings), ==, "after the snapshot");
}

/* Autostart is kept by libvirt outside the XML. */
static void
test_autostart (Fixture      *fixture,
                gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(GError) error = NULL;

  g_assert_false (hearth_machine_settings_get_autostart (settings));
  hearth_machine_settings_set_autostart (settings, TRUE);
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (hearth_machine_settings_get_autostart (settings));
}

static gboolean
not_busy (gpointer data)
{
  return !hearth_machine_settings_get_busy (data);
}

static void
count_cb (GObject    *object,
          GParamSpec *pspec,
          guint      *count)
{
  (*count)++;
}

static void
count_signal_cb (HearthMachineSettings *settings,
                 guint                 *count)
{
  (*count)++;
}

/* What a settings window binds to: "pending" and "busy" notify on real changes
 * only, and "reloaded" says the getters have new values. */
static void
test_notify (Fixture      *fixture,
             gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint pending_notifies = 0, busy_notifies = 0, reloads = 0;
  HearthSettingFlags pending = 0;
  gboolean busy = TRUE;

  g_assert_true (hearth_machine_settings_get_machine (settings) == machine);
  g_signal_connect (settings, "notify::pending", G_CALLBACK (count_cb), &pending_notifies);
  g_signal_connect (settings, "notify::busy", G_CALLBACK (count_cb), &busy_notifies);
  g_signal_connect (settings, "reloaded", G_CALLBACK (count_signal_cb), &reloads);

  hearth_machine_settings_set_memory (settings, 1 * GIB, 0);
  hearth_machine_settings_set_memory (settings, 2 * GIB, 0);
  g_assert_cmpuint (pending_notifies, ==, 1);
  hearth_machine_settings_set_sound (settings, FALSE);
  g_assert_cmpuint (pending_notifies, ==, 2);
  g_object_get (settings, "pending", &pending, "busy", &busy, NULL);
  g_assert_cmpuint (pending, ==, HEARTH_SETTING_MEMORY | HEARTH_SETTING_SOUND);
  g_assert_false (busy);

  hearth_machine_settings_apply_async (settings, NULL, result_cb, &result);
  g_assert_true (hearth_machine_settings_get_busy (settings));
  g_assert_cmpuint (busy_notifies, ==, 1);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  g_assert_true (hearth_machine_settings_apply_finish (settings, result, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reloads, ==, 1);
  g_assert_cmpuint (pending_notifies, ==, 3);
  g_assert_cmpuint (hearth_machine_settings_get_pending (settings), ==, HEARTH_SETTING_NONE);
  g_assert_false (hearth_machine_settings_get_sound (settings));

  /* The task completes after its callback; then the settings are idle again. */
  g_clear_object (&result);
  g_assert_true (hearth_test_wait (not_busy, settings, 10000));
  g_assert_cmpuint (busy_notifies, ==, 2);

  hearth_machine_settings_discard (settings);
  g_assert_cmpuint (pending_notifies, ==, 3);
}

/* CPU model, firmware and MAC address on the shut-off machine: in effect at
 * once, and only their own nodes change. */
static void
test_hardware_offline (Fixture      *fixture,
                       gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autofree char *before = g_strdup (hearth_machine_settings_get_xml (settings));
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0, next_start = 0;
  HearthSettingFlags all = HEARTH_SETTING_CPU_MODEL | HEARTH_SETTING_FIRMWARE
                           | HEARTH_SETTING_MAC;
  HearthSettingBlock block = -1;
  GPtrArray *ifaces;
  const char *expected[] = {
    "/domain/cpu/@mode",
    "/domain/cpu/@match",
    "/domain/cpu/model",
    "/domain/os/@firmware",
    "/domain/devices/interface/mac/@address",
    NULL
  };

  g_assert_null (hearth_machine_settings_get_cpu_model (settings));
  g_assert_cmpstr (hearth_machine_settings_get_firmware (settings), ==, "bios");
  g_assert_true (hearth_machine_settings_can_change_firmware (settings, &block, &error));
  g_assert_no_error (error);
  g_assert_cmpint (block, ==, HEARTH_SETTING_BLOCK_NONE);

  hearth_machine_settings_set_cpu_model (settings, "Skylake-Client");
  hearth_machine_settings_set_firmware (settings, "efi", FALSE);
  hearth_machine_settings_set_interface_mac (settings, "52:54:00:6b:3c:58", "52:54:00:00:00:2A");
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, all);
  g_assert_cmpuint (next_start, ==, 0);

  g_assert_cmpstr (hearth_machine_settings_get_cpu_model (settings), ==, "Skylake-Client");
  g_assert_cmpstr (hearth_machine_settings_get_firmware (settings), ==, "efi");
  ifaces = hearth_machine_settings_get_interfaces (settings);
  g_assert_cmpstr (((HearthInterfaceItem *) ifaces->pdata[0])->mac, ==, "52:54:00:00:00:2a");
  after = dup_config_xml (machine);
  hearth_xml_assert_diff (before, after, expected);

  /* And back to BIOS: the machine never started with UEFI, so nothing is lost. */
  hearth_machine_settings_set_firmware (settings, "bios", FALSE);
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (hearth_machine_settings_get_firmware (settings), ==, "bios");
}

/* On the running machine the CPU and MAC address wait for the next start, and
 * the firmware does not change at all. */
static void
test_hardware_live (Fixture      *fixture,
                    gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "boxes-vm");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(GError) error = NULL;
  HearthSettingFlags now = 0, next_start = 0;
  HearthSettingBlock block = HEARTH_SETTING_BLOCK_NONE;

  hearth_machine_settings_set_cpu_model (settings, "host-model");
  hearth_machine_settings_set_interface_mac (settings, NULL, "52:54:00:1a:2b:3d");
  g_assert_true (apply (settings, &now, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (now, ==, 0);
  g_assert_cmpuint (next_start, ==, HEARTH_SETTING_CPU_MODEL | HEARTH_SETTING_MAC);
  g_assert_cmpstr (hearth_machine_settings_get_cpu_model (settings), ==, "host-model");

  g_assert_false (hearth_machine_settings_can_change_firmware (settings, &block, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_STATE);
  g_assert_cmpint (block, ==, HEARTH_SETTING_BLOCK_RUNNING);
  g_clear_error (&error);
  hearth_machine_settings_set_firmware (settings, "efi", FALSE);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_STATE,
                  "The machine must be shut off to change its firmware");
}

/* What would break is refused with its reason, and nothing changes. */
static void
test_hardware_refusals (Fixture      *fixture,
                        gconstpointer data)
{
  HearthMachine *machine = find_machine (fixture, "workstation");
  g_autoptr(HearthMachineSettings) settings = load (machine);
  g_autoptr(HearthSnapshotTree) tree = hearth_snapshot_tree_new (machine);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(HearthSnapshot) snapshot = NULL;
  g_autoptr(GError) error = NULL;
  HearthSettingBlock block = HEARTH_SETTING_BLOCK_NONE;

  /* Another machine of the connection has this address. */
  hearth_machine_settings_set_interface_mac (settings, NULL, "52:54:00:1A:2B:3C");
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The machine “boxes-vm” already uses the MAC address 52:54:00:1A:2B:3C");
  hearth_machine_settings_set_interface_mac (settings, NULL, "33:33:00:00:00:01");
  g_assert_false (hearth_machine_settings_validate (settings, &error));
  g_assert_cmpstr (error->message, ==,
                   "33:33:00:00:00:01 is a multicast address; a network card needs a unicast one");
  g_clear_error (&error);
  assert_refused (settings, machine, HEARTH_ERROR_INVALID_ARGUMENT, "33:33:00:00:00:01 is a *");

  /* libosinfo says the OS needs UEFI: no way back to BIOS. */
  hearth_machine_settings_set_firmware (settings, "efi", FALSE);
  g_assert_true (apply (settings, NULL, NULL, &error));
  g_assert_no_error (error);
  hearth_machine_settings_set_firmware (settings, "bios", TRUE);
  assert_refused (settings, machine, HEARTH_ERROR_UNSUPPORTED,
                  "The machine's operating system needs UEFI");

  /* Without a render node there is no 3D (this host and CI have none). */
  if (!g_file_test ("/dev/dri", G_FILE_TEST_IS_DIR))
    {
      g_assert_false (hearth_machine_settings_can_accel3d (settings, &block, &error));
      g_assert_cmpint (block, ==, HEARTH_SETTING_BLOCK_NO_RENDER_NODE);
      g_clear_error (&error);
      hearth_machine_settings_set_accel3d (settings, TRUE);
      assert_refused (settings, machine, HEARTH_ERROR_UNSUPPORTED,
                      "The host has no GPU render node (/dev/dri/renderD*), so 3D "
                      "acceleration cannot work");
    }
  /* Turning it off is always possible. */
  hearth_machine_settings_set_accel3d (settings, FALSE);
  g_assert_true (hearth_machine_settings_validate (settings, &error));
  hearth_machine_settings_discard (settings);

  /* A snapshot keeps the firmware it was made with. */
  g_assert_true (hearth_test_wait (tree_loaded, tree, 10000));
  hearth_snapshot_tree_create_auto_async (tree, "before", NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  snapshot = hearth_snapshot_tree_create_finish (tree, result, &error);
  g_assert_no_error (error);
  g_clear_object (&settings);
  settings = load (machine);
  g_assert_false (hearth_machine_settings_can_change_firmware (settings, &block, &error));
  g_assert_cmpint (block, ==, HEARTH_SETTING_BLOCK_SNAPSHOTS);
  g_assert_cmpstr (error->message, ==,
                   "The machine has snapshots (1) made with its current firmware; going back "
                   "to them after the change would fail");
  g_clear_error (&error);
  hearth_machine_settings_set_firmware (settings, "bios", FALSE);
  assert_refused (settings, machine, HEARTH_ERROR_UNSUPPORTED, "The machine has snapshots (1)*");
}

/* The networks an interface can move to, listed off the main thread. */
static void
test_networks (Fixture      *fixture,
               gconstpointer data)
{
  g_autoptr(HearthMachineSettings) settings = load (find_machine (fixture, "workstation"));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) networks = NULL;

  hearth_machine_settings_list_networks_async (settings, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  networks = hearth_machine_settings_list_networks_finish (settings, result, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (networks), ==, 1);
  g_assert_cmpstr (networks[0], ==, "isolated");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add ("/core/settings/load", Fixture, NULL, fixture_set_up, test_load, fixture_tear_down);
  g_test_add ("/core/settings/apply-offline", Fixture, NULL, fixture_set_up, test_apply_offline,
              fixture_tear_down);
  g_test_add ("/core/settings/apply-live", Fixture, NULL, fixture_set_up, test_apply_live,
              fixture_tear_down);
  g_test_add ("/core/settings/live-failure-rolls-back", Fixture, NULL, fixture_set_up,
              test_live_failure_rolls_back, fixture_tear_down);
  g_test_add ("/core/settings/refusals", Fixture, NULL, fixture_set_up, test_refusals,
              fixture_tear_down);
  g_test_add ("/core/settings/edit-xml", Fixture, NULL, fixture_set_up, test_edit_xml,
              fixture_tear_down);
  g_test_add ("/core/settings/rename", Fixture, NULL, fixture_set_up, test_rename,
              fixture_tear_down);
  g_test_add ("/core/settings/disks", Fixture, NULL, fixture_set_up, test_disks,
              fixture_tear_down);
  g_test_add ("/core/settings/notify", Fixture, NULL, fixture_set_up, test_notify,
              fixture_tear_down);
  g_test_add ("/core/settings/attach", Fixture, NULL, fixture_set_up, test_attach,
              fixture_tear_down);
  g_test_add ("/core/settings/os", Fixture, NULL, fixture_set_up, test_os, fixture_tear_down);
  g_test_add ("/core/settings/interface", Fixture, NULL, fixture_set_up, test_interface,
              fixture_tear_down);
  g_test_add ("/core/settings/snapshot-first", Fixture, NULL, fixture_set_up,
              test_snapshot_first, fixture_tear_down);
  g_test_add ("/core/settings/autostart", Fixture, NULL, fixture_set_up, test_autostart,
              fixture_tear_down);
  g_test_add ("/core/settings/hardware-offline", Fixture, NULL, fixture_set_up,
              test_hardware_offline, fixture_tear_down);
  g_test_add ("/core/settings/hardware-live", Fixture, NULL, fixture_set_up, test_hardware_live,
              fixture_tear_down);
  g_test_add ("/core/settings/hardware-refusals", Fixture, NULL, fixture_set_up,
              test_hardware_refusals, fixture_tear_down);
  g_test_add ("/core/settings/networks", Fixture, NULL, fixture_set_up, test_networks,
              fixture_tear_down);

  return g_test_run ();
}
