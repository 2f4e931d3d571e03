/* test-machine-devices-qemu.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared folders and USB devices on real QEMU (qemu:///embed, the tiny test
 * guest, TCG), through HearthMachineDevices: a folder shared with virtiofs is
 * mounted in the guest, which reads a file the host wrote and writes one the
 * host reads; a folder added to the running machine is hot-plugged when
 * libvirt can, and a USB device the host does not have is refused with the
 * configuration unchanged.
 *
 * The test guest's initrd has no virtiofs module, so this test appends a second
 * cpio archive with fuse.ko and virtiofs.ko of the same kernel (the kernel
 * unpacks concatenated archives) and loads them through the command channel.
 */

#define G_LOG_DOMAIN "hearth-test-devices-qemu"

#define _GNU_SOURCE

#include "config.h"

#include <locale.h>
#include <string.h>

#include <glib/gstdio.h>

#include "hearth-machine-devices.h"
#include "hearth-test-guest.h"
#include "hearth-test-utils.h"

#define TIMEOUT_MS 60000
#define GUEST_NAME "hearth-devices 共享"

static struct
{
  char             *root;
  char             *uri;
  char             *serial;
  char             *share;     /* the first shared folder */
  char             *token;     /* what the host wrote into it */
  HearthConnection *connection;
  HearthMachine    *machine;
  gboolean          failed;
  gboolean          virtiofs;  /* virtiofsd is installed and QEMU has the device */
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

/* The newest kernel with modules, as tests/guest/build-guest.sh picks it. */
static char *
dup_guest_kernel_version (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/lib/modules", 0, NULL);
  g_autofree char *best = NULL;
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *image = g_strdup_printf ("/boot/vmlinuz-%s", name);
      g_autofree char *dep = g_build_filename ("/lib/modules", name, "modules.dep", NULL);

      if (g_file_test (image, G_FILE_TEST_EXISTS) && g_file_test (dep, G_FILE_TEST_EXISTS)
          && (best == NULL || strverscmp (name, best) > 0))
        {
          g_free (best);
          best = g_strdup (name);
        }
    }
  return g_steal_pointer (&best);
}

/* One entry of a cpio "newc" archive. */
static void
append_cpio_entry (GByteArray   *archive,
                   const char   *name,
                   guint         mode,
                   const guint8 *data,
                   gsize         size)
{
  static guint ino = 1000;
  g_autofree char *header = g_strdup_printf ("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X"
                                             "%08X%08X%08X", ino++, mode, 0, 0, 1, 0,
                                             (guint) size, 0, 0, 0, 0,
                                             (guint) strlen (name) + 1, 0);
  static const guint8 zeros[4] = { 0 };

  g_byte_array_append (archive, (const guint8 *) header, strlen (header));
  g_byte_array_append (archive, (const guint8 *) name, strlen (name) + 1);
  g_byte_array_append (archive, zeros, (4 - archive->len % 4) % 4);
  if (size > 0)
    g_byte_array_append (archive, data, size);
  g_byte_array_append (archive, zeros, (4 - archive->len % 4) % 4);
}

/* The guest's initrd followed by an archive with the virtiofs modules, or NULL
 * (with the reason in @error) when the kernel has no uncompressed modules. */
static char *
build_initrd (GError **error)
{
  g_autofree char *kver = dup_guest_kernel_version ();
  g_autofree char *base = g_build_filename (hearth_test_guest_dir (), "initrd.img", NULL);
  g_autofree char *path = g_build_filename (guest.root, "initrd-virtiofs.img", NULL);
  g_autoptr(GByteArray) archive = g_byte_array_new ();
  g_autofree char *contents = NULL;
  gsize length = 0;
  const char *modules[] = { "fuse", "virtiofs" };

  if (kver == NULL)
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "no kernel with modules");
      return NULL;
    }
  if (!g_file_get_contents (base, &contents, &length, error))
    return NULL;
  g_byte_array_append (archive, (const guint8 *) contents, length);
  /* The kernel skips zeros between archives; a cpio header must start 4-aligned. */
  while (archive->len % 4 != 0)
    g_byte_array_append (archive, (const guint8 *) "", 1);

  append_cpio_entry (archive, "lib", 040755, NULL, 0);
  append_cpio_entry (archive, "lib/modules", 040755, NULL, 0);
  for (guint i = 0; i < G_N_ELEMENTS (modules); i++)
    {
      g_autofree char *module = g_strdup_printf ("/lib/modules/%s/kernel/fs/fuse/%s.ko", kver,
                                                 modules[i]);
      g_autofree char *name = g_strdup_printf ("lib/modules/%s.ko", modules[i]);
      g_autofree char *data = NULL;
      gsize size = 0;

      if (!g_file_get_contents (module, &data, &size, error))
        return NULL;
      append_cpio_entry (archive, name, 0100644, (const guint8 *) data, size);
    }
  append_cpio_entry (archive, "TRAILER!!!", 0, NULL, 0);

  if (!g_file_set_contents (path, (const char *) archive->data, archive->len, error))
    return NULL;
  return g_steal_pointer (&path);
}

static HearthMachineDevices *
load_devices (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  HearthMachineDevices *devices;

  hearth_machine_devices_load_async (guest.machine, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, TIMEOUT_MS));
  devices = hearth_machine_devices_load_finish (guest.machine, result, &error);
  g_assert_no_error (error);
  return devices;
}

static gboolean
add_folder (HearthMachineDevices *devices,
            const char           *path,
            gboolean             *next_start,
            GError              **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  hearth_machine_devices_add_folder_async (devices, path, NULL, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, TIMEOUT_MS));
  return hearth_machine_devices_change_finish (devices, result, next_start, error);
}

static char *
dup_config (void)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthMachineSettings) settings = NULL;

  hearth_machine_settings_load_async (guest.machine, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, TIMEOUT_MS));
  settings = hearth_machine_settings_load_finish (guest.machine, result, &error);
  g_assert_no_error (error);
  return g_strdup (hearth_machine_settings_get_xml (settings));
}

static char *
guest_run (const char *command,
           int        *out_status)
{
  g_autoptr(GError) error = NULL;
  char *output = NULL;
  int status = -1;

  hearth_test_guest_run (guest.serial, command, TIMEOUT_MS, &output, &status, &error);
  g_assert_no_error (error);
  if (out_status != NULL)
    *out_status = status;
  else
    g_assert_cmpint (status, ==, 0);
  return output;
}

/* Defines the guest (shut off, with a USB controller), shares a folder through
 * the core and starts it. */
static void
start_guest (void)
{
  g_autoptr(GAsyncResult) defined = NULL;
  g_autoptr(GAsyncResult) started = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(HearthMachineDevices) devices = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *base_initrd = NULL;
  g_autofree char *initrd = NULL;
  g_autofree char *greeting = NULL;
  g_auto(GStrv) parts = NULL;
  gboolean next_start = TRUE;

  guest.root = hearth_test_embed_root_new ();
  guest.uri = hearth_test_embed_uri (guest.root);
  guest.serial = g_build_filename (guest.root, "devices-serial.log", NULL);
  guest.share = g_build_filename (guest.root, "家庭 share", NULL);
  guest.token = g_uuid_string_random ();
  g_assert_cmpint (g_mkdir (guest.share, 0755), ==, 0);
  greeting = g_build_filename (guest.share, "greeting.txt", NULL);
  g_file_set_contents (greeting, guest.token, -1, &error);
  g_assert_no_error (error);

  initrd = build_initrd (&error);
  g_assert_no_error (error);
  xml = hearth_test_guest_xml (GUEST_NAME, guest.serial, HEARTH_TEST_GUEST_TABLET);
  base_initrd = g_build_filename (hearth_test_guest_dir (), "initrd.img", NULL);
  parts = g_strsplit (xml, base_initrd, -1);
  g_assert_cmpuint (g_strv_length (parts), ==, 2);
  g_free (xml);
  xml = g_strjoinv (initrd, parts);

  guest.connection = hearth_test_open_connection (guest.uri);
  hearth_connection_define_xml_async (guest.connection, xml, NULL, result_cb, &defined);
  g_assert_true (hearth_test_wait (have_result, &defined, TIMEOUT_MS));
  guest.machine = hearth_connection_define_xml_finish (guest.connection, defined, &error);
  g_assert_no_error (error);

  devices = load_devices ();
  g_assert_false (hearth_machine_devices_get_running (devices));
  /* Debian 12 has virtiofsd in qemu-system-common; later releases package it
   * on its own ("virtiofsd"). Without it the share tests skip. */
  guest.virtiofs = hearth_machine_devices_get_virtiofs (devices) == HEARTH_VIRTIOFS_AVAILABLE;
  if (guest.virtiofs)
    {
      g_assert_true (add_folder (devices, guest.share, &next_start, &error));
      g_assert_no_error (error);
      g_assert_false (next_start);
    }

  hearth_machine_run_action_async (guest.machine, HEARTH_MACHINE_ACTION_START, NULL, result_cb,
                                   &started);
  g_assert_true (hearth_test_wait (have_result, &started, TIMEOUT_MS));
  hearth_machine_run_action_finish (guest.machine, started, &error);
  g_assert_no_error (error);
  hearth_test_serial_wait_for (guest.serial, HEARTH_TEST_GUEST_READY, TIMEOUT_MS, &error);
  g_assert_no_error (error);
  g_free (guest_run ("insmod /lib/modules/fuse.ko && insmod /lib/modules/virtiofs.ko", NULL));
}

static gboolean
ensure_virtiofs (void)
{
  if (!guest.virtiofs)
    g_test_skip ("virtiofs is not available on this host (no virtiofsd, or QEMU has no "
                 "vhost-user-fs device)");
  return guest.virtiofs;
}

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

static void
test_mount (void)
{
  g_autoptr(HearthMachineDevices) devices = NULL;
  g_autofree char *output = NULL;
  g_autofree char *command = NULL;
  g_autofree char *written = NULL;
  g_autofree char *back = NULL;
  g_autoptr(GError) error = NULL;
  HearthSharedFolder *folder;

  if (!ensure_guest () || !ensure_virtiofs ())
    return;

  devices = load_devices ();
  g_assert_true (hearth_machine_devices_get_running (devices));
  g_assert_cmpuint (hearth_machine_devices_get_folders (devices)->len, ==, 1);
  folder = g_ptr_array_index (hearth_machine_devices_get_folders (devices), 0);
  /* "家庭 share" has one ASCII word to make a tag from. */
  g_assert_cmpstr (folder->tag, ==, "share");

  /* The guest mounts it with the command the Sharing page shows. */
  command = g_strdup_printf ("mkdir -p /mnt/share && mount -t virtiofs %s /mnt/share && "
                             "cat /mnt/share/greeting.txt && echo && "
                             "echo written-by-the-guest > /mnt/share/from-guest.txt && sync",
                             folder->tag);
  output = guest_run (command, NULL);
  g_assert_nonnull (strstr (output, guest.token));

  written = g_build_filename (guest.share, "from-guest.txt", NULL);
  g_file_get_contents (written, &back, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (back, ==, "written-by-the-guest\n");
}

/* A folder shared with the running machine: hot-plugged when libvirt and QEMU
 * can (the machine has shared memory since the first share), else after a
 * restart; either way the guest mounts it. */
static void
test_hotplug (void)
{
  g_autoptr(HearthMachineDevices) devices = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *second = NULL;
  g_autofree char *file = NULL;
  g_autofree char *config = NULL;
  gboolean next_start = TRUE;

  if (!ensure_guest () || !ensure_virtiofs ())
    return;

  second = g_build_filename (guest.root, "second", NULL);
  g_assert_cmpint (g_mkdir (second, 0755), ==, 0);
  file = g_build_filename (second, "hello.txt", NULL);
  g_file_set_contents (file, "hot-plugged share\n", -1, &error);
  g_assert_no_error (error);

  devices = load_devices ();
  g_assert_true (add_folder (devices, second, &next_start, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (hearth_machine_devices_get_folders (devices)->len, ==, 2);
  config = dup_config ();
  g_assert_nonnull (strstr (config, "<target dir='second'/>"));

  if (next_start)
    {
      /* Not hot-plugged (here: the machine has no cgroup, see the core): the
       * share must be there after a restart. */
      g_autoptr(GAsyncResult) off = NULL;
      g_autoptr(GAsyncResult) on = NULL;
      goffset start;

      g_test_message ("the share applies on next start; restarting the machine");
      hearth_machine_run_action_async (guest.machine, HEARTH_MACHINE_ACTION_FORCE_OFF, NULL,
                                       result_cb, &off);
      g_assert_true (hearth_test_wait (have_result, &off, TIMEOUT_MS));
      hearth_machine_run_action_finish (guest.machine, off, &error);
      g_assert_no_error (error);
      g_assert_true (hearth_test_wait_machine_state (guest.machine, HEARTH_MACHINE_STATE_SHUTOFF,
                                                     TIMEOUT_MS));
      start = hearth_test_serial_get_end (guest.serial);
      hearth_machine_run_action_async (guest.machine, HEARTH_MACHINE_ACTION_START, NULL,
                                       result_cb, &on);
      g_assert_true (hearth_test_wait (have_result, &on, TIMEOUT_MS));
      hearth_machine_run_action_finish (guest.machine, on, &error);
      g_assert_no_error (error);
      hearth_test_serial_wait_for_from (guest.serial, start, HEARTH_TEST_GUEST_READY, TIMEOUT_MS,
                                        NULL, &error);
      g_assert_no_error (error);
      g_free (guest_run ("insmod /lib/modules/fuse.ko && insmod /lib/modules/virtiofs.ko",
                         NULL));
    }

  /* The guest sees the new device (hot-plugged PCI devices take a moment) and
   * mounts it. */
  {
    gint64 deadline = g_get_monotonic_time () + TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
    gboolean mounted = FALSE;

    while (!mounted && g_get_monotonic_time () < deadline)
      {
        g_autofree char *output = NULL;
        int status = -1;

        output = guest_run ("mkdir -p /mnt/second && mount -t virtiofs second /mnt/second && "
                            "cat /mnt/second/hello.txt", &status);
        mounted = status == 0 && strstr (output, "hot-plugged share") != NULL;
        if (!mounted)
          hearth_test_iterate_for (1000);
      }
    g_assert_true (mounted);
  }
}

/* A USB device the host does not have: attached live first, so the running
 * machine refuses it and the configuration stays as it was. */
static void
test_usb_refused (void)
{
  g_autoptr(HearthMachineDevices) devices = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  if (!ensure_guest ())
    return;

  devices = load_devices ();
  g_assert_true (hearth_machine_devices_get_usb_controller (devices));
  before = dup_config ();
  hearth_machine_devices_attach_usb_async (devices, 0x1050, 0x0407, NULL, result_cb, &result);
  g_assert_true (hearth_test_wait (have_result, &result, TIMEOUT_MS));
  g_assert_false (hearth_machine_devices_change_finish (devices, result, NULL, &error));
  g_assert_nonnull (error);
  g_assert_true (g_str_has_prefix (error->message, "Could not attach the USB device: "));
  g_test_message ("refused: %s", error->message);
  after = dup_config ();
  g_assert_cmpstr (before, ==, after);
}

static void
tear_down_guest (void)
{
  g_autoptr(GAsyncResult) result = NULL;

  if (guest.machine != NULL
      && hearth_machine_get_state (guest.machine) != HEARTH_MACHINE_STATE_SHUTOFF)
    {
      hearth_machine_run_action_async (guest.machine, HEARTH_MACHINE_ACTION_FORCE_OFF, NULL,
                                       result_cb, &result);
      hearth_test_wait (have_result, &result, TIMEOUT_MS);
    }
  g_clear_object (&guest.connection);
  if (guest.root != NULL)
    hearth_test_embed_root_remove (guest.root);
  g_clear_pointer (&guest.root, g_free);
  g_clear_pointer (&guest.uri, g_free);
  g_clear_pointer (&guest.serial, g_free);
  g_clear_pointer (&guest.share, g_free);
  g_clear_pointer (&guest.token, g_free);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  /* The machine's name is not ASCII; libvirt 9.0 needs a UTF-8 locale for it
   * (see test-settings-live.c). */
  setlocale (LC_ALL, "C.UTF-8");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  hearth_test_init_core ();

  g_test_add_func ("/integration/devices/virtiofs-mount", test_mount);
  g_test_add_func ("/integration/devices/virtiofs-hotplug", test_hotplug);
  g_test_add_func ("/integration/devices/usb-refused", test_usb_refused);

  ret = g_test_run ();
  tear_down_guest ();
  return ret;
}
