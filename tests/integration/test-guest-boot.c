/* test-guest-boot.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-guest-boot"

#include "config.h"

#include <libvirt/libvirt.h>
#include <libvirt/libvirt-qemu.h>
#include <libvirt/virterror.h>
#include <libvirt-glib/libvirt-glib.h>
#include <linux/input-event-codes.h>
#include <stdlib.h>
#include <string.h>

#include "hearth-test-guest.h"

/* Generous limits: the machine is shared and TCG is slow under load. A
 * timeout fails the test; the figures are printed, never asserted. */
#define BOOT_TIMEOUT_MS 60000
#define STEP_TIMEOUT_MS 20000

/* libvirt allows one embedded driver root per process, for the process's
 * lifetime (hearth_test_embed_root_new () hands out the same one): the tests
 * share it, each with its own domain and serial log. */
static char *embed_root;

typedef struct
{
  char          *log_path;     /* owned */
  virConnectPtr  conn;         /* owned */
  virDomainPtr   dom;          /* owned */
  int            lifecycle_id;
  gboolean       stopped;      /* set by the lifecycle callback */
  GTimer        *timer;        /* owned */
} Fixture;

static void
on_lifecycle_cb (virConnectPtr conn,
                 virDomainPtr  dom,
                 int           event,
                 int           detail,
                 void         *opaque)
{
  Fixture *fixture = opaque;

  if (event == VIR_DOMAIN_EVENT_STOPPED)
    fixture->stopped = TRUE;
}

static void
assert_virt_ok (gboolean    ok,
                const char *what)
{
  if (!ok)
    g_error ("%s failed: %s", what, virGetLastErrorMessage ());
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *uri = NULL;
  g_autofree char *name = NULL;
  g_autofree char *log_name = NULL;

  fixture->timer = g_timer_new ();
  fixture->lifecycle_id = -1;

  if (!hearth_test_guest_available (&error))
    {
      g_test_skip (error->message);
      return;
    }

  if (embed_root == NULL)
    embed_root = hearth_test_embed_root_new ();
  name = g_path_get_basename (g_test_get_path ());
  log_name = g_strconcat (name, ".log", NULL);
  fixture->log_path = g_build_filename (embed_root, log_name, NULL);
  uri = hearth_test_embed_uri (embed_root);
  fixture->conn = virConnectOpen (uri);
  assert_virt_ok (fixture->conn != NULL, "virConnectOpen");

  fixture->lifecycle_id =
    virConnectDomainEventRegisterAny (fixture->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
                                      VIR_DOMAIN_EVENT_CALLBACK (on_lifecycle_cb), fixture, NULL);
  assert_virt_ok (fixture->lifecycle_id >= 0, "virConnectDomainEventRegisterAny");
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  user_data)
{
  if (fixture->dom != NULL)
    {
      int state = VIR_DOMAIN_NOSTATE;

      /* A failed test must not leave QEMU behind: the embedded driver goes
       * away with the connection, the process would not. */
      if (virDomainGetState (fixture->dom, &state, NULL, 0) == 0 && state != VIR_DOMAIN_SHUTOFF)
        virDomainDestroy (fixture->dom);
      virDomainUndefineFlags (fixture->dom, VIR_DOMAIN_UNDEFINE_NVRAM);
      virDomainFree (fixture->dom);
    }
  if (fixture->conn != NULL)
    {
      if (fixture->lifecycle_id >= 0)
        virConnectDomainEventDeregisterAny (fixture->conn, fixture->lifecycle_id);
      virConnectClose (fixture->conn);
    }

  g_test_message ("whole test: %.2f s", g_timer_elapsed (fixture->timer, NULL));
  g_clear_pointer (&fixture->timer, g_timer_destroy);
  g_clear_pointer (&fixture->log_path, g_free);
}

/* Defines and starts the guest, and waits for its ready marker. */
static void
boot_guest (Fixture              *fixture,
            const char           *name,
            HearthTestGuestFlags  flags)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *xml = hearth_test_guest_xml (name, fixture->log_path, flags);
  g_autofree char *got_name = NULL;
  gint64 started;

  g_assert_nonnull (xml);
  fixture->dom = virDomainDefineXML (fixture->conn, xml);
  assert_virt_ok (fixture->dom != NULL, "virDomainDefineXML");

  /* The name survives XML escaping exactly. */
  got_name = g_strdup (virDomainGetName (fixture->dom));
  g_assert_cmpstr (got_name, ==, name);

  started = g_get_monotonic_time ();
  assert_virt_ok (virDomainCreate (fixture->dom) == 0, "virDomainCreate");

  hearth_test_serial_wait_for (fixture->log_path, HEARTH_TEST_GUEST_READY, BOOT_TIMEOUT_MS,
                               &error);
  g_assert_no_error (error);
  g_test_message ("start to ready marker: %.2f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
}

static gboolean
set_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context until the lifecycle event says "stopped". */
static gboolean
iterate_until_stopped (Fixture *fixture,
                       guint    timeout_ms)
{
  gboolean timed_out = FALSE;
  guint id = g_timeout_add (timeout_ms, set_flag_cb, &timed_out);

  while (!fixture->stopped && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (id);

  return fixture->stopped;
}

/* Presses the ACPI power button and waits for the guest to power off. */
static void
shut_down_guest (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  goffset offset = hearth_test_serial_get_end (fixture->log_path);
  int state = VIR_DOMAIN_NOSTATE;
  gint64 started = g_get_monotonic_time ();

  fixture->stopped = FALSE;
  assert_virt_ok (virDomainShutdownFlags (fixture->dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN) == 0,
                  "virDomainShutdownFlags");
  hearth_test_serial_wait_for_from (fixture->log_path, offset, HEARTH_TEST_GUEST_POWEROFF,
                                    STEP_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);

  g_assert_true (iterate_until_stopped (fixture, STEP_TIMEOUT_MS));
  assert_virt_ok (virDomainGetState (fixture->dom, &state, NULL, 0) == 0, "virDomainGetState");
  g_assert_cmpint (state, ==, VIR_DOMAIN_SHUTOFF);
  g_test_message ("power button to shut off: %.2f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
}

/* Types @text on the guest's keyboard (Linux key codes, US layout). */
static void
type_text (Fixture    *fixture,
           const char *text)
{
  for (const char *p = text; *p != '\0'; p++)
    {
      unsigned int keys[2];
      int n = 0;
      const char *letters = "abcdefghijklmnopqrstuvwxyz";
      static const unsigned int letter_keys[] = {
        KEY_A, KEY_B, KEY_C, KEY_D, KEY_E, KEY_F, KEY_G, KEY_H, KEY_I, KEY_J, KEY_K, KEY_L, KEY_M,
        KEY_N, KEY_O, KEY_P, KEY_Q, KEY_R, KEY_S, KEY_T, KEY_U, KEY_V, KEY_W, KEY_X, KEY_Y, KEY_Z,
      };
      const char *letter = strchr (letters, *p);

      if (letter != NULL)
        keys[n++] = letter_keys[letter - letters];
      else if (g_ascii_isupper (*p))
        {
          keys[n++] = KEY_LEFTSHIFT;
          keys[n++] = letter_keys[g_ascii_tolower (*p) - 'a'];
        }
      else if (*p == ' ')
        keys[n++] = KEY_SPACE;
      else if (*p == '/')
        keys[n++] = KEY_SLASH;
      else if (*p == '-')
        keys[n++] = KEY_MINUS;
      else if (*p == '0')
        keys[n++] = KEY_0;
      else if (*p >= '1' && *p <= '9')
        keys[n++] = KEY_1 + (*p - '1');
      else if (*p == '>')
        {
          keys[n++] = KEY_LEFTSHIFT;
          keys[n++] = KEY_DOT;
        }
      else if (*p == '\n')
        keys[n++] = KEY_ENTER;
      else
        g_assert_not_reached ();

      assert_virt_ok (virDomainSendKey (fixture->dom, VIR_KEYCODE_SET_LINUX, 20, keys, n, 0) == 0,
                      "virDomainSendKey");
    }
}

static void
send_qmp (Fixture    *fixture,
          const char *command)
{
  char *reply = NULL;

  assert_virt_ok (virDomainQemuMonitorCommand (fixture->dom, command, &reply, 0) == 0,
                  "virDomainQemuMonitorCommand");
  g_assert_null (strstr (reply, "\"error\""));
  free (reply);
}

/* Waits for the next line from @offset starting with @prefix and checks it. */
static void
assert_next_line (Fixture    *fixture,
                  goffset    *offset,
                  const char *prefix,
                  const char *expected)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = hearth_test_serial_wait_for_line (fixture->log_path, *offset, prefix, STEP_TIMEOUT_MS,
                                           offset, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (line, ==, expected);
}

/* The guest's evdev node ("event3") for the input device called @name. */
static char *
find_input_device (Fixture    *fixture,
                   const char *name)
{
  g_autofree char *contents = hearth_test_serial_dup_contents (fixture->log_path, 0);
  g_auto(GStrv) lines = g_strsplit (contents, "\r\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) fields = g_strsplit (lines[i], " ", 3);

      if (g_strv_length (fields) == 3 && g_str_equal (fields[0], "HEARTH-GUEST-INPUT-DEVICE")
          && g_str_equal (fields[2], name))
        return g_strdup (fields[1]);
    }

  g_error ("no input device called %s in the guest", name);
  return NULL;
}

/* Keyboard, mouse and tablet events reach the guest's input devices. */
static void
check_input (Fixture *fixture)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *event_node = NULL;
  g_autofree char *tablet_prefix = NULL;
  goffset offset;

  /* Keyboard: typed on the console, run by the shell on tty1. */
  offset = hearth_test_serial_get_end (fixture->log_path);
  type_text (fixture, "echo typed-on-tty1 > /dev/ttyS0\n");
  hearth_test_serial_wait_for_from (fixture->log_path, offset, "\ntyped-on-tty1\r\n",
                                    STEP_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);

  /* Relative motion reaches the PS/2 mouse: QEMU's y grows downwards, the
   * PS/2 protocol's upwards. */
  offset = hearth_test_serial_get_end (fixture->log_path);
  send_qmp (fixture, "{\"execute\": \"input-send-event\", \"arguments\": {\"events\": ["
                     "{\"type\": \"rel\", \"data\": {\"axis\": \"x\", \"value\": 10}},"
                     "{\"type\": \"rel\", \"data\": {\"axis\": \"y\", \"value\": -5}}]}}");
  assert_next_line (fixture, &offset, HEARTH_TEST_GUEST_MOUSE, "HEARTH-MOUSE 10 5 0");

  /* Absolute positions reach the USB tablet. Only the tablet's lines count:
   * the keyboard's reporter may still be busy with the keys typed above. */
  event_node = find_input_device (fixture, "QEMU QEMU USB Tablet");
  tablet_prefix = g_strdup_printf ("HEARTH-INPUT %s ", event_node);

  offset = hearth_test_serial_get_end (fixture->log_path);
  send_qmp (fixture, "{\"execute\": \"input-send-event\", \"arguments\": {\"events\": ["
                     "{\"type\": \"abs\", \"data\": {\"axis\": \"x\", \"value\": 16384}},"
                     "{\"type\": \"abs\", \"data\": {\"axis\": \"y\", \"value\": 8192}}]}}");
  expected = g_strdup_printf ("HEARTH-INPUT %s %d %d 16384", event_node, EV_ABS, ABS_X);
  assert_next_line (fixture, &offset, tablet_prefix, expected);
  g_free (expected);
  expected = g_strdup_printf ("HEARTH-INPUT %s %d %d 8192", event_node, EV_ABS, ABS_Y);
  assert_next_line (fixture, &offset, tablet_prefix, expected);

  /* A click: QEMU sends buttons to the absolute device when one is active. */
  offset = hearth_test_serial_get_end (fixture->log_path);
  send_qmp (fixture, "{\"execute\": \"input-send-event\", \"arguments\": {\"events\": ["
                     "{\"type\": \"btn\", \"data\": {\"down\": true, \"button\": \"left\"}}]}}");
  g_free (expected);
  expected = g_strdup_printf ("HEARTH-INPUT %s %d %d 1", event_node, EV_KEY, BTN_LEFT);
  assert_next_line (fixture, &offset, tablet_prefix, expected);
  send_qmp (fixture, "{\"execute\": \"input-send-event\", \"arguments\": {\"events\": ["
                     "{\"type\": \"btn\", \"data\": {\"down\": false, \"button\": \"left\"}}]}}");
  g_free (expected);
  expected = g_strdup_printf ("HEARTH-INPUT %s %d %d 0", event_node, EV_KEY, BTN_LEFT);
  assert_next_line (fixture, &offset, tablet_prefix, expected);
}

static void
test_guest_boot (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  g_autofree char *output2 = NULL;
  g_autofree char *output3 = NULL;
  g_autofree char *output4 = NULL;
  int status = -1;
  unsigned int id;
  goffset offset;
  gint64 started;

  if (fixture->conn == NULL)
    return;

  /* An odd name on purpose: XML escaping and Unicode. */
  boot_guest (fixture, "hearth-test 客人 <&>'\"",
              HEARTH_TEST_GUEST_TABLET | HEARTH_TEST_GUEST_DISK);
  id = virDomainGetID (fixture->dom);

  /* The command channel runs a real shell: arithmetic proves it. */
  hearth_test_guest_run (fixture->log_path, "echo hello-$((6 * 7)); uname -r", STEP_TIMEOUT_MS,
                         &output, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (g_str_has_prefix (output, "hello-42\n"));

  /* The qcow2 disk is there for snapshots, as a virtio disk of 64 MiB. */
  hearth_test_guest_run (fixture->log_path, "cat /sys/block/vda/size", STEP_TIMEOUT_MS, &output3,
                         &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (output3, ==, "131072\n");

  hearth_test_guest_run (fixture->log_path, "echo oops >&2; exit 3", STEP_TIMEOUT_MS, &output2,
                         &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 3);
  g_assert_cmpstr (output2, ==, "oops\n");

  check_input (fixture);

  /* A reboot from inside the guest boots it again in the same QEMU (the
   * serial log is appended to, so wait after the current end). */
  offset = hearth_test_serial_get_end (fixture->log_path);
  started = g_get_monotonic_time ();
  hearth_test_guest_send (fixture->log_path, "reboot -f", STEP_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  hearth_test_serial_wait_for_from (fixture->log_path, offset, HEARTH_TEST_GUEST_READY,
                                    BOOT_TIMEOUT_MS, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("reboot to ready marker: %.2f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_assert_cmpint (virDomainGetID (fixture->dom), ==, id);

  hearth_test_guest_run (fixture->log_path, "echo back", STEP_TIMEOUT_MS, &output4, &status,
                         &error);
  g_assert_no_error (error);
  g_assert_cmpstr (output4, ==, "back\n");

  shut_down_guest (fixture);
}

static void
test_guest_uefi (Fixture       *fixture,
                 gconstpointer  user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *output = NULL;
  int status = -1;

  if (fixture->conn == NULL)
    return;

  if (!g_file_test ("/usr/share/OVMF/OVMF_CODE_4M.fd", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("OVMF is not installed");
      return;
    }

  boot_guest (fixture, "hearth-test-uefi", HEARTH_TEST_GUEST_UEFI);

  hearth_test_guest_run (fixture->log_path, "test -d /sys/firmware/efi && echo efi",
                         STEP_TIMEOUT_MS, &output, &status, &error);
  g_assert_no_error (error);
  g_assert_cmpint (status, ==, 0);
  g_assert_cmpstr (output, ==, "efi\n");

  shut_down_guest (fixture);
}

/* Every combination of flags gives XML that libvirt's QEMU driver accepts
 * (it checks it against QEMU's capabilities at define time) and that has
 * what the flags ask for. Nothing is started. */
static void
test_guest_xml (Fixture       *fixture,
                gconstpointer  user_data)
{
  if (fixture->conn == NULL)
    return;

  for (guint flags = 0; flags <= (HEARTH_TEST_GUEST_TABLET | HEARTH_TEST_GUEST_Q35
                                  | HEARTH_TEST_GUEST_UEFI | HEARTH_TEST_GUEST_DISK);
       flags++)
    {
      g_autofree char *name = g_strdup_printf ("xml-测试-<&>-%u", flags);
      g_autofree char *log_name = g_strdup_printf ("xml-%u.log", flags);
      g_autofree char *log_path = g_build_filename (embed_root, log_name, NULL);
      g_autofree char *xml = hearth_test_guest_xml (name, log_path, flags);
      g_autofree char *disk_path = hearth_test_guest_dup_disk_path (log_path);
      gboolean q35 = (flags & (HEARTH_TEST_GUEST_Q35 | HEARTH_TEST_GUEST_UEFI)) != 0;
      virDomainPtr dom;
      char *defined;

      g_assert_nonnull (xml);
      dom = virDomainDefineXML (fixture->conn, xml);
      assert_virt_ok (dom != NULL, "virDomainDefineXML");
      g_assert_cmpstr (virDomainGetName (dom), ==, name);

      defined = virDomainGetXMLDesc (dom, 0);
      g_assert_nonnull (defined);
      g_assert_nonnull (strstr (defined, "<domain type='qemu'"));
      g_assert_true ((strstr (defined, "machine='pc-q35-") != NULL) == q35);
      g_assert_true ((strstr (defined, "<input type='tablet' bus='usb'>") != NULL)
                     == ((flags & HEARTH_TEST_GUEST_TABLET) != 0));
      g_assert_true ((strstr (defined, "OVMF_CODE_4M.fd</loader>") != NULL)
                     == ((flags & HEARTH_TEST_GUEST_UEFI) != 0));
      g_assert_true ((strstr (defined, "<target dev='vda' bus='virtio'/>") != NULL)
                     == ((flags & HEARTH_TEST_GUEST_DISK) != 0));
      g_assert_true (g_file_test (disk_path, G_FILE_TEST_EXISTS)
                     == ((flags & HEARTH_TEST_GUEST_DISK) != 0));
      g_assert_nonnull (strstr (defined, "<graphics type='spice'>"));
      g_assert_nonnull (strstr (defined, "<listen type='none'/>"));
      g_assert_nonnull (strstr (defined, "<model type='qxl'"));
      free (defined);

      assert_virt_ok (virDomainUndefineFlags (dom, VIR_DOMAIN_UNDEFINE_NVRAM) == 0,
                      "virDomainUndefineFlags");
      virDomainFree (dom);
    }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* libvirt's events (and the embedded driver) need an event loop: GLib's. */
  gvir_event_register ();

  g_test_add ("/guest/xml", Fixture, NULL, fixture_set_up, test_guest_xml, fixture_tear_down);
  g_test_add ("/guest/boot", Fixture, NULL, fixture_set_up, test_guest_boot, fixture_tear_down);
  g_test_add ("/guest/uefi", Fixture, NULL, fixture_set_up, test_guest_uefi, fixture_tear_down);

  ret = g_test_run ();

  hearth_test_embed_root_remove (embed_root);
  g_free (embed_root);

  return ret;
}
