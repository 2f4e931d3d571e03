/* test-machine-devices.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-devices"

#include "config.h"

#include <string.h>

#include <glib/gstdio.h>

#include "hearth-machine-devices.h"
#include "hearth-test-utils.h"
#include "hearth-xml-diff.h"

/* Shared folders and USB host devices: the XML edits against domain XML written
 * by other tools (tests/data/settings, read-only, and tests/data/devices), and
 * the model on libvirt's test driver (tests/data/devices/devices-node.xml), where
 * each change is read back from libvirt and each refusal leaves it unchanged. */

static const char *settings_fixtures[] = { "virt-install.xml", "gnome-boxes.xml",
                                           "hand-written.xml" };

static char *
load_data (const char *dir,
           const char *name)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", dir, name, NULL);
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

/* XML edits ---------------------------------------------------------------------------- */

static void
test_add_folder (void)
{
  /* What adding a share changes in each fixture: virt-install and hand-written
   * machines get shared memory too; GNOME Boxes has it and a share already. */
  const char *expected[][3] = {
    { "/domain/devices/filesystem", "/domain/memoryBacking", NULL },
    { "/domain/devices/filesystem[2]", NULL },
    { "/domain/devices/filesystem", "/domain/memoryBacking", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (settings_fixtures); i++)
    {
      g_autofree char *before = load_data ("settings", settings_fixtures[i]);
      g_autofree char *after = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) folders = NULL;
      HearthSharedFolder *added;

      g_test_message ("fixture %s", settings_fixtures[i]);
      after = hearth_machine_devices_xml_add_folder (before, "/srv/Family Photos/", NULL, NULL,
                                                     &error);
      g_assert_no_error (error);
      hearth_xml_assert_diff (before, after, expected[i]);
      g_assert_true (hearth_machine_devices_xml_has_shared_memory (after));

      folders = hearth_machine_devices_xml_list_folders (after, &error);
      g_assert_no_error (error);
      added = g_ptr_array_index (folders, folders->len - 1);
      g_assert_cmpstr (added->tag, ==, "Family_Photos");
      g_assert_cmpstr (added->source, ==, "/srv/Family Photos");
      g_assert_cmpstr (added->driver, ==, "virtiofs");
      g_assert_false (added->readonly);
    }
}

static void
test_add_folder_binary (void)
{
  g_autofree char *before = load_data ("settings", "virt-install.xml");
  g_autoptr(GError) error = NULL;
  g_autofree char *after = hearth_machine_devices_xml_add_folder (before, "/srv/share", "家",
                                                                  "/usr/libexec/virtiofsd",
                                                                  &error);
  g_autofree char *device = NULL;

  g_assert_no_error (error);
  device = hearth_machine_devices_xml_dup_folder_device (after, "家");
  g_assert_nonnull (device);
  g_assert_nonnull (strstr (device, "<binary path=\"/usr/libexec/virtiofsd\"/>"));
  g_assert_nonnull (strstr (device, "<driver type=\"virtiofs\"/>"));
  g_assert_nonnull (strstr (device, "<target dir=\"家\"/>"));
  g_assert_null (hearth_machine_devices_xml_dup_folder_device (after, "missing"));
}

static void
test_memory_backing_kept (void)
{
  g_autofree char *before = load_data ("devices", "memory-backing.xml");
  g_autofree char *after = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = { "/domain/memoryBacking/access/@mode", "/domain/devices/filesystem",
                             NULL };

  g_assert_false (hearth_machine_devices_xml_has_shared_memory (before));
  after = hearth_machine_devices_xml_add_folder (before, "/srv/share", "share", NULL, &error);
  g_assert_no_error (error);
  /* Huge pages are a memory source already: no memfd next to them. */
  hearth_xml_assert_diff (before, after, expected);
  g_assert_true (hearth_machine_devices_xml_has_shared_memory (after));
  g_assert_nonnull (strstr (after, "<!-- A comment Hearth must keep. -->"));
}

static void
test_remove_folder (void)
{
  g_autofree char *before = load_data ("settings", "gnome-boxes.xml");
  g_autofree char *after = NULL;
  g_autofree char *added = NULL;
  g_autofree char *removed = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = { "/domain/devices/filesystem", NULL };
  const char *none[] = { NULL };

  after = hearth_machine_devices_xml_remove_folder (before, "boxes-share", &error);
  g_assert_no_error (error);
  /* The shared memory stays: it costs nothing and other devices may need it. */
  hearth_xml_assert_diff (before, after, expected);
  g_assert_true (hearth_machine_devices_xml_has_shared_memory (after));

  /* Adding and removing a share gives the machine back as it was. */
  added = hearth_machine_devices_xml_add_folder (before, "/srv/x", "x", NULL, &error);
  g_assert_no_error (error);
  removed = hearth_machine_devices_xml_remove_folder (added, "x", &error);
  g_assert_no_error (error);
  hearth_xml_assert_diff (before, removed, none);
}

static void
test_usb (void)
{
  const char *expected[] = { "/domain/devices/hostdev", NULL };
  const char *none[] = { NULL };

  for (guint i = 0; i < G_N_ELEMENTS (settings_fixtures); i++)
    {
      g_autofree char *before = load_data ("settings", settings_fixtures[i]);
      g_autofree char *after = NULL;
      g_autofree char *back = NULL;
      g_autofree char *device = NULL;
      g_autoptr(GPtrArray) usb = NULL;
      g_autoptr(GError) error = NULL;
      HearthUsbDevice *attached;

      g_test_message ("fixture %s", settings_fixtures[i]);
      after = hearth_machine_devices_xml_add_usb (before, 0x1050, 0x0407, &error);
      g_assert_no_error (error);
      hearth_xml_assert_diff (before, after, expected);

      usb = hearth_machine_devices_xml_list_usb (after, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (usb->len, ==, 1);
      attached = g_ptr_array_index (usb, 0);
      g_assert_cmpuint (attached->vendor_id, ==, 0x1050);
      g_assert_cmpuint (attached->product_id, ==, 0x0407);
      g_assert_true (attached->attached);

      device = hearth_machine_devices_xml_dup_usb_device (after, 0x1050, 0x0407);
      g_assert_nonnull (strstr (device, "<hostdev mode=\"subsystem\" type=\"usb\">"));
      g_assert_nonnull (strstr (device, "<source startupPolicy=\"optional\">"));
      g_assert_nonnull (strstr (device, "<vendor id=\"0x1050\"/>"));
      g_assert_nonnull (strstr (device, "<product id=\"0x0407\"/>"));

      back = hearth_machine_devices_xml_remove_usb (after, 0x1050, 0x0407, &error);
      g_assert_no_error (error);
      hearth_xml_assert_diff (before, back, none);
    }
}

/* Takes @error by address: C leaves the order of argument evaluation open, so
 * the refused call must have run before the error is read. */
static void
assert_refused (char       *result,
                GError    **error,
                int         code,
                const char *message)
{
  g_assert_null (result);
  g_assert_error (*error, HEARTH_ERROR, code);
  g_assert_cmpstr ((*error)->message, ==, message);
  g_clear_error (error);
}

static void
test_refusals (void)
{
  g_autofree char *boxes = load_data ("settings", "gnome-boxes.xml");
  g_autofree char *hugepages = load_data ("devices", "memory-backing.xml");
  g_autofree char *with_usb = NULL;
  GError *error = NULL;

  assert_refused (hearth_machine_devices_xml_add_folder (boxes, "Public", NULL, NULL, &error),
                  &error, HEARTH_ERROR_INVALID_ARGUMENT,
                  "A shared folder needs an absolute path, not “Public”");
  assert_refused (hearth_machine_devices_xml_add_folder (boxes, "../etc", NULL, NULL, &error),
                  &error, HEARTH_ERROR_INVALID_ARGUMENT,
                  "A shared folder needs an absolute path, not “../etc”");
  assert_refused (hearth_machine_devices_xml_add_folder (boxes, "/srv/other", "boxes-share",
                                                         NULL, &error),
                  &error, HEARTH_ERROR_NAME_TAKEN,
                  "The tag “boxes-share” is taken by the shared folder “/home/user/Public”");
  assert_refused (hearth_machine_devices_xml_add_folder (boxes, "/home/user/./Public/", NULL,
                                                         NULL, &error),
                  &error, HEARTH_ERROR_NAME_TAKEN,
                  "The folder “/home/user/Public” is shared already, as “boxes-share”");
  assert_refused (hearth_machine_devices_xml_add_folder (boxes, "/srv/x", "two words", NULL,
                                                         &error),
                  &error, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The tag “two words” has a space, a comma or a control character");
  assert_refused (hearth_machine_devices_xml_add_folder (boxes, "/srv/x",
                                                         "0123456789012345678901234567890123456",
                                                         NULL, &error),
                  &error, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The tag “0123456789012345678901234567890123456” is longer than 36 bytes");
  assert_refused (hearth_machine_devices_xml_remove_folder (boxes, "nothing", &error),
                  &error, HEARTH_ERROR_NOT_FOUND, "The machine has no shared folder “nothing”");
  assert_refused (hearth_machine_devices_xml_add_folder ("<network/>", "/srv", NULL, NULL,
                                                         &error),
                  &error, HEARTH_ERROR_INVALID_ARGUMENT,
                  "The machine's configuration is not a libvirt domain document");

  with_usb = hearth_machine_devices_xml_add_usb (boxes, 0x046d, 0xc52b, &error);
  g_assert_no_error (error);
  assert_refused (hearth_machine_devices_xml_add_usb (with_usb, 0x046d, 0xc52b, &error),
                  &error, HEARTH_ERROR_NAME_TAKEN,
                  "The USB device 046d:c52b is attached to the machine already");
  assert_refused (hearth_machine_devices_xml_add_usb (hugepages, 0x046d, 0xc52b, &error),
                  &error, HEARTH_ERROR_UNSUPPORTED,
                  "The machine has no USB controller (its model is “none”)");
  assert_refused (hearth_machine_devices_xml_remove_usb (boxes, 0x046d, 0xc52b, &error),
                  &error, HEARTH_ERROR_NOT_FOUND,
                  "The USB device 046d:c52b is not attached to the machine");
}

static void
test_suggest_tag (void)
{
  g_autoptr(GPtrArray) folders = g_ptr_array_new_with_free_func (
    (GDestroyNotify) hearth_shared_folder_free);
  HearthSharedFolder taken = { .tag = (char *) "Documents" };
  struct { const char *path; const char *tag; } cases[] = {
    { "/home/user/Family Photos", "Family_Photos" },
    { "/home/user/Documents", "Documents-2" },
    { "/home/user/家庭照片", "share" },
    { "/", "share" },
    { "/srv/a & b <c>", "a_b_c" },
    { "/srv/a-very-long-folder-name-that-goes-on-and-on", "a-very-long-folder-name-that-goes" },
  };

  g_ptr_array_add (folders, hearth_shared_folder_copy (&taken));
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *tag = hearth_machine_devices_suggest_tag (cases[i].path, folders);

      g_assert_cmpstr (tag, ==, cases[i].tag);
      g_assert_cmpuint (strlen (tag), <=, 36);
    }
}

static void
test_virtiofs_caps (void)
{
  g_autofree char *yes = load_data ("devices", "domcaps-virtiofs.xml");
  g_autofree char *no = load_data ("devices", "domcaps-9p-only.xml");

  g_assert_cmpint (hearth_machine_devices_virtiofs_from_caps (yes), ==,
                   HEARTH_VIRTIOFS_AVAILABLE);
  g_assert_cmpint (hearth_machine_devices_virtiofs_from_caps (no), ==,
                   HEARTH_VIRTIOFS_NO_DRIVER);
  g_assert_cmpint (hearth_machine_devices_virtiofs_from_caps (NULL), ==,
                   HEARTH_VIRTIOFS_NO_DRIVER);
  g_assert_cmpint (hearth_machine_devices_virtiofs_from_caps ("not xml"), ==,
                   HEARTH_VIRTIOFS_NO_DRIVER);
}

static void
test_find_virtiofsd (void)
{
  g_autofree char *fixture_dir = g_test_build_filename (G_TEST_DIST, "data", "devices",
                                                        "vhost-user", NULL);
  g_autofree char *empty_dir = g_dir_make_tmp ("hearth-vhost-XXXXXX", NULL);
  const char *described[] = { "/nonexistent/vhost-user", fixture_dir, NULL };
  const char *nothing[] = { empty_dir, NULL };
  const char *fallback[] = { "/nonexistent/virtiofsd", "/bin/sh", NULL };
  const char *missing[] = { "/nonexistent/virtiofsd", NULL };
  g_autofree char *found = NULL;
  g_autofree char *by_path = NULL;
  g_autofree char *none = NULL;

  /* A description of type "fs" naming an executable: libvirt finds it itself. */
  found = hearth_machine_devices_find_virtiofsd (described, missing);
  g_assert_cmpstr (found, ==, "");
  by_path = hearth_machine_devices_find_virtiofsd (nothing, fallback);
  g_assert_cmpstr (by_path, ==, "/bin/sh");
  none = hearth_machine_devices_find_virtiofsd (nothing, missing);
  g_assert_null (none);
  g_rmdir (empty_dir);
}

static void
test_node_device (void)
{
  const char *usb =
    "<device><name>usb_1_4</name><parent>usb_usb1</parent>"
    "<devnode type='dev'>/dev/bus/usb/001/004</devnode>"
    "<capability type='usb_device'><bus>1</bus><device>4</device>"
    "<product id='0x0407'>YubiKey OTP+FIDO+CCID</product>"
    "<vendor id='0x1050'>Yubico.com</vendor></capability></device>";
  const char *pci =
    "<device><name>pci_0000_00_02_0</name><capability type='pci'>"
    "<product id='0x0100'/><vendor id='0x1b36'/></capability></device>";
  g_autoptr(HearthUsbDevice) device = hearth_machine_devices_parse_node_device (usb);

  g_assert_nonnull (device);
  g_assert_cmpuint (device->vendor_id, ==, 0x1050);
  g_assert_cmpuint (device->product_id, ==, 0x0407);
  g_assert_cmpstr (device->vendor, ==, "Yubico.com");
  g_assert_cmpstr (device->product, ==, "YubiKey OTP+FIDO+CCID");
  g_assert_cmpstr (device->node, ==, "usb_1_4");
  g_assert_cmpstr (device->devnode, ==, "/dev/bus/usb/001/004");
  g_assert_false (device->attached);
  g_assert_null (hearth_machine_devices_parse_node_device (pci));
  g_assert_null (hearth_machine_devices_parse_node_device ("<device/>"));
}

/* The model on the test driver ---------------------------------------------------------- */

typedef struct
{
  HearthConnection *connection;
  char             *tmpdir;
} Fixture;

static void
fixture_set_up (Fixture      *fixture,
                gconstpointer data)
{
  g_autofree char *uri = hearth_test_fixture_uri ("devices/devices-node.xml");

  fixture->connection = hearth_test_open_connection (uri);
  fixture->tmpdir = g_dir_make_tmp ("hearth-devices-XXXXXX", NULL);
  g_assert_nonnull (fixture->tmpdir);
}

static void
fixture_tear_down (Fixture      *fixture,
                   gconstpointer data)
{
  g_autofree char *file = g_build_filename (fixture->tmpdir, "notes.txt", NULL);
  g_autofree char *share = g_build_filename (fixture->tmpdir, "Family Photos", NULL);

  g_unlink (file);
  g_rmdir (share);
  g_rmdir (fixture->tmpdir);
  g_free (fixture->tmpdir);
  g_clear_object (&fixture->connection);
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
have_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static HearthMachineDevices *
load (Fixture    *fixture,
      const char *name)
{
  HearthMachine *machine = hearth_connection_find_machine (fixture->connection, name);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HearthMachineDevices *devices;

  g_assert_nonnull (machine);
  hearth_machine_devices_load_async (machine, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  devices = hearth_machine_devices_load_finish (machine, result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (devices);
  return devices;
}

/* The machine's configuration as libvirt has it now. */
static char *
dup_config (HearthMachine *machine)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthMachineSettings) settings = NULL;

  hearth_machine_settings_load_async (machine, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  settings = hearth_machine_settings_load_finish (machine, result, &error);
  g_assert_no_error (error);
  return g_strdup (hearth_machine_settings_get_xml (settings));
}

static void
count_cb (guint *count)
{
  (*count)++;
}

typedef enum
{
  ADD_FOLDER,
  REMOVE_FOLDER,
  ATTACH_USB,
  DETACH_USB,
} Change;

static gboolean
change (HearthMachineDevices *devices,
        Change                what,
        const char           *path_or_tag,
        guint                 vendor_id,
        guint                 product_id,
        gboolean             *next_start,
        GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  switch (what)
    {
    case ADD_FOLDER:
      hearth_machine_devices_add_folder_async (devices, path_or_tag, NULL, NULL, result_cb,
                                               &result);
      break;
    case REMOVE_FOLDER:
      hearth_machine_devices_remove_folder_async (devices, path_or_tag, NULL, result_cb,
                                                  &result);
      break;
    case ATTACH_USB:
      hearth_machine_devices_attach_usb_async (devices, vendor_id, product_id, NULL, result_cb,
                                               &result);
      break;
    case DETACH_USB:
      hearth_machine_devices_detach_usb_async (devices, vendor_id, product_id, NULL, result_cb,
                                               &result);
      break;
    }
  g_assert_true (hearth_machine_devices_get_busy (devices));
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  g_assert_false (hearth_machine_devices_get_busy (devices));
  return hearth_machine_devices_change_finish (devices, result, next_start, error);
}

static HearthUsbDevice *
usb_at (HearthMachineDevices *devices,
        guint                 index)
{
  GPtrArray *usb = hearth_machine_devices_get_usb_devices (devices);

  g_assert_cmpuint (index, <, usb->len);
  return g_ptr_array_index (usb, index);
}

static void
test_model_load (Fixture      *fixture,
                 gconstpointer data)
{
  g_autoptr(HearthMachineDevices) boxes = load (fixture, "boxes-vm");
  g_autoptr(HearthMachineDevices) bare = load (fixture, "no-usb");
  GPtrArray *folders = hearth_machine_devices_get_folders (boxes);
  HearthSharedFolder *folder;
  HearthUsbDevice *usb;

  g_assert_true (hearth_machine_devices_get_running (boxes));
  g_assert_cmpint (hearth_machine_devices_get_virtiofs (boxes), ==, HEARTH_VIRTIOFS_AVAILABLE);
  g_assert_true (hearth_machine_devices_get_usb_controller (boxes));
  g_assert_false (hearth_machine_devices_get_usb_controller (bare));

  g_assert_cmpuint (folders->len, ==, 1);
  folder = g_ptr_array_index (folders, 0);
  g_assert_cmpstr (folder->tag, ==, "boxes-share");
  g_assert_cmpstr (folder->source, ==, "/home/user/Public");

  /* The host's three devices by product name (the root hub hidden), and the
   * machine's scanner, which is not plugged in, without a name. */
  g_assert_cmpuint (hearth_machine_devices_get_usb_devices (boxes)->len, ==, 4);
  usb = usb_at (boxes, 0);
  g_assert_cmpuint (usb->vendor_id, ==, 0x04a9);
  g_assert_null (usb->product);
  g_assert_null (usb->node);
  g_assert_true (usb->attached);
  usb = usb_at (boxes, 1);
  g_assert_cmpstr (usb->product, ==, "USB2.0 扫描仪");
  g_assert_cmpstr (usb->vendor, ==, "Realtek Semiconductor Corp.");
  g_assert_false (usb->attached);
  usb = usb_at (boxes, 2);
  g_assert_cmpstr (usb->product, ==, "Unifying Receiver");
  g_assert_cmpstr (usb->node, ==, "usb_1_5");
  usb = usb_at (boxes, 3);
  g_assert_cmpstr (usb->product, ==, "YubiKey OTP+FIDO+CCID");
  g_assert_cmpuint (usb->vendor_id, ==, 0x1050);
  g_assert_cmpuint (usb->product_id, ==, 0x0407);
}

static void
test_model_folders (Fixture      *fixture,
                    gconstpointer data)
{
  g_autoptr(HearthMachineDevices) devices = load (fixture, "workstation");
  HearthMachine *machine = hearth_machine_devices_get_machine (devices);
  g_autofree char *share = g_build_filename (fixture->tmpdir, "Family Photos", NULL);
  g_autofree char *before = dup_config (machine);
  g_autofree char *after = NULL;
  g_autofree char *removed = NULL;
  g_autoptr(GError) error = NULL;
  const char *expected[] = { "/domain/devices/filesystem", "/domain/memoryBacking", NULL };
  const char *memory_only[] = { "/domain/memoryBacking", NULL };
  gboolean next_start = TRUE;
  guint reloaded = 0;
  HearthSharedFolder *folder;

  g_assert_cmpint (g_mkdir (share, 0700), ==, 0);
  g_signal_connect_swapped (devices, "reloaded", G_CALLBACK (count_cb), &reloaded);

  g_assert_true (change (devices, ADD_FOLDER, share, 0, 0, &next_start, &error));
  g_assert_no_error (error);
  g_assert_false (next_start);
  g_assert_cmpuint (reloaded, ==, 1);
  g_assert_cmpuint (hearth_machine_devices_get_folders (devices)->len, ==, 1);
  folder = g_ptr_array_index (hearth_machine_devices_get_folders (devices), 0);
  g_assert_cmpstr (folder->tag, ==, "Family_Photos");
  g_assert_cmpstr (folder->source, ==, share);

  /* libvirt's own dump, compared node by node: the share, the shared memory
   * and nothing else (the other tool's metadata and devices are intact). */
  after = dup_config (machine);
  hearth_xml_assert_diff (before, after, expected);
  g_assert_nonnull (strstr (after, "othertool:colour"));

  g_assert_true (change (devices, REMOVE_FOLDER, "Family_Photos", 0, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hearth_machine_devices_get_folders (devices)->len, ==, 0);
  removed = dup_config (machine);
  hearth_xml_assert_diff (before, removed, memory_only);
}

static void
test_model_folder_refusals (Fixture      *fixture,
                            gconstpointer data)
{
  g_autoptr(HearthMachineDevices) devices = load (fixture, "boxes-vm");
  HearthMachine *machine = hearth_machine_devices_get_machine (devices);
  g_autofree char *file = g_build_filename (fixture->tmpdir, "notes.txt", NULL);
  g_autofree char *missing = g_build_filename (fixture->tmpdir, "not here", NULL);
  g_autofree char *before = dup_config (machine);
  g_autofree char *after = NULL;
  g_autofree char *message = NULL;
  GError *error = NULL;

  g_assert_true (g_file_set_contents (file, "not a folder", -1, NULL));

  g_assert_false (change (devices, ADD_FOLDER, missing, 0, 0, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND);
  message = g_strdup_printf ("The folder “%s” does not exist", missing);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);
  g_clear_pointer (&message, g_free);

  g_assert_false (change (devices, ADD_FOLDER, file, 0, 0, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  message = g_strdup_printf ("“%s” is not a folder", file);
  g_assert_cmpstr (error->message, ==, message);
  g_clear_error (&error);

  g_assert_false (change (devices, ADD_FOLDER, "Family Photos", 0, 0, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==,
                   "A shared folder needs an absolute path, not “Family Photos”");
  g_clear_error (&error);

  g_assert_false (change (devices, ADD_FOLDER, "/home/user/Public", 0, 0, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN);
  g_assert_cmpstr (error->message, ==,
                   "The folder “/home/user/Public” is shared already, as “boxes-share”");
  g_clear_error (&error);

  g_assert_false (change (devices, REMOVE_FOLDER, "nothing", 0, 0, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NOT_FOUND);
  g_clear_error (&error);

  /* Nothing was half-applied. */
  after = dup_config (machine);
  g_assert_cmpstr (before, ==, after);
  g_assert_cmpuint (hearth_machine_devices_get_folders (devices)->len, ==, 1);
}

static void
test_model_usb (Fixture      *fixture,
                gconstpointer data)
{
  g_autoptr(HearthMachineDevices) devices = load (fixture, "workstation");
  g_autoptr(HearthMachineDevices) bare = load (fixture, "no-usb");
  HearthMachine *machine = hearth_machine_devices_get_machine (devices);
  g_autofree char *before = dup_config (machine);
  g_autofree char *after = NULL;
  g_autofree char *back = NULL;
  g_autofree char *bare_before = dup_config (hearth_machine_devices_get_machine (bare));
  g_autofree char *bare_after = NULL;
  GError *error = NULL;
  const char *expected[] = { "/domain/devices/hostdev", NULL };
  const char *none[] = { NULL };
  gboolean next_start = TRUE;

  g_assert_true (change (devices, ATTACH_USB, NULL, 0x046d, 0xc52b, &next_start, &error));
  g_assert_no_error (error);
  g_assert_false (next_start);
  after = dup_config (machine);
  hearth_xml_assert_diff (before, after, expected);
  g_assert_nonnull (strstr (after, "<vendor id='0x046d'/>"));
  g_assert_cmpstr (usb_at (devices, 1)->product, ==, "Unifying Receiver");
  g_assert_true (usb_at (devices, 1)->attached);
  g_assert_false (usb_at (devices, 2)->attached);  /* the YubiKey */

  g_assert_false (change (devices, ATTACH_USB, NULL, 0x046d, 0xc52b, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_NAME_TAKEN);
  g_assert_cmpstr (error->message, ==,
                   "The USB device 046d:c52b is attached to the machine already");
  g_clear_error (&error);
  g_clear_pointer (&back, g_free);
  back = dup_config (machine);
  g_assert_cmpstr (back, ==, after);

  g_assert_true (change (devices, DETACH_USB, NULL, 0x046d, 0xc52b, NULL, &error));
  g_assert_no_error (error);
  g_clear_pointer (&back, g_free);
  back = dup_config (machine);
  hearth_xml_assert_diff (before, back, none);
  g_assert_false (usb_at (devices, 1)->attached);

  g_assert_false (change (bare, ATTACH_USB, NULL, 0x1050, 0x0407, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
  g_clear_error (&error);
  bare_after = dup_config (hearth_machine_devices_get_machine (bare));
  g_assert_cmpstr (bare_before, ==, bare_after);
}

/* A running machine: the test driver has no device hot-plug, so a new share
 * applies on next start, and a USB device, which is attached live first, is
 * refused with nothing changed. */
static void
test_model_running (Fixture      *fixture,
                    gconstpointer data)
{
  g_autoptr(HearthMachineDevices) devices = load (fixture, "boxes-vm");
  HearthMachine *machine = hearth_machine_devices_get_machine (devices);
  g_autofree char *share = g_build_filename (fixture->tmpdir, "Family Photos", NULL);
  g_autofree char *before = dup_config (machine);
  g_autofree char *after = NULL;
  g_autofree char *refused = NULL;
  GError *error = NULL;
  const char *expected[] = { "/domain/devices/filesystem[2]", NULL };
  gboolean next_start = FALSE;

  g_assert_true (hearth_machine_devices_get_running (devices));
  g_assert_cmpint (g_mkdir (share, 0700), ==, 0);
  g_assert_true (change (devices, ADD_FOLDER, share, 0, 0, &next_start, &error));
  g_assert_no_error (error);
  g_assert_true (next_start);
  after = dup_config (machine);
  hearth_xml_assert_diff (before, after, expected);

  g_assert_false (change (devices, ATTACH_USB, NULL, 0x1050, 0x0407, NULL, &error));
  g_assert_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "Could not attach the USB device: "));
  g_clear_error (&error);
  refused = dup_config (machine);
  g_assert_cmpstr (refused, ==, after);
  g_assert_false (usb_at (devices, 3)->attached);
}

/* Snapshot first: a change takes an automatic snapshot before it applies; a
 * reload takes none. */
static void
test_model_snapshot_first (Fixture      *fixture,
                           gconstpointer data)
{
  g_autoptr(HearthMachineDevices) devices = load (fixture, "workstation");
  HearthMachine *machine = hearth_machine_devices_get_machine (devices);
  g_autoptr(HearthSnapshotTree) tree = hearth_snapshot_tree_new (machine);
  g_autofree char *share = g_build_filename (fixture->tmpdir, "Family Photos", NULL);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GListModel *snapshots;
  guint before;

  g_assert_cmpint (g_mkdir (share, 0700), ==, 0);
  hearth_snapshot_tree_refresh_async (tree, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  g_assert_true (hearth_snapshot_tree_refresh_finish (tree, result, &error));
  g_assert_no_error (error);
  g_clear_object (&result);
  snapshots = hearth_snapshot_tree_get_snapshots (tree);
  before = g_list_model_get_n_items (snapshots);

  hearth_machine_devices_set_snapshot_first (devices, tree, "Before changing the settings");
  hearth_machine_devices_reload_async (devices, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, 10000));
  g_assert_true (hearth_machine_devices_reload_finish (devices, result, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (g_list_model_get_n_items (snapshots), ==, before);

  g_assert_true (change (devices, ADD_FOLDER, share, 0, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hearth_machine_devices_get_folders (devices)->len, ==, 1);
  g_assert_cmpuint (g_list_model_get_n_items (snapshots), ==, before + 1);
  for (guint i = 0; i < g_list_model_get_n_items (snapshots); i++)
    {
      g_autoptr(HearthSnapshot) snapshot = g_list_model_get_item (snapshots, i);

      if (hearth_snapshot_get_origin (snapshot) == HEARTH_SNAPSHOT_ORIGIN_AUTOMATIC)
        before = G_MAXUINT;
    }
  g_assert_cmpuint (before, ==, G_MAXUINT);

  /* Without the tree, no snapshot. */
  hearth_machine_devices_set_snapshot_first (devices, NULL, NULL);
  g_assert_true (change (devices, REMOVE_FOLDER, "Family_Photos", 0, 0, NULL, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add_func ("/devices/xml/add-folder", test_add_folder);
  g_test_add_func ("/devices/xml/add-folder-binary", test_add_folder_binary);
  g_test_add_func ("/devices/xml/memory-backing-kept", test_memory_backing_kept);
  g_test_add_func ("/devices/xml/remove-folder", test_remove_folder);
  g_test_add_func ("/devices/xml/usb", test_usb);
  g_test_add_func ("/devices/xml/refusals", test_refusals);
  g_test_add_func ("/devices/suggest-tag", test_suggest_tag);
  g_test_add_func ("/devices/virtiofs-caps", test_virtiofs_caps);
  g_test_add_func ("/devices/find-virtiofsd", test_find_virtiofsd);
  g_test_add_func ("/devices/node-device", test_node_device);
  g_test_add ("/devices/model/load", Fixture, NULL, fixture_set_up, test_model_load,
              fixture_tear_down);
  g_test_add ("/devices/model/folders", Fixture, NULL, fixture_set_up, test_model_folders,
              fixture_tear_down);
  g_test_add ("/devices/model/folder-refusals", Fixture, NULL, fixture_set_up,
              test_model_folder_refusals, fixture_tear_down);
  g_test_add ("/devices/model/usb", Fixture, NULL, fixture_set_up, test_model_usb,
              fixture_tear_down);

  g_test_add ("/devices/model/snapshot-first", Fixture, NULL, fixture_set_up,
              test_model_snapshot_first, fixture_tear_down);
  g_test_add ("/devices/model/running", Fixture, NULL, fixture_set_up, test_model_running,
              fixture_tear_down);

  return g_test_run ();
}
