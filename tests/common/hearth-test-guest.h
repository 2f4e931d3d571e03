/* hearth-test-guest.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * HearthTestGuestFlags:
 * @HEARTH_TEST_GUEST_NONE: a BIOS "pc" machine with a PS/2 mouse and keyboard
 * @HEARTH_TEST_GUEST_TABLET: add a USB tablet (on a qemu-xhci controller); the
 *   guest waits for it before saying ready. Without it there is no USB at all.
 * @HEARTH_TEST_GUEST_Q35: a "q35" machine instead of "pc" (BIOS)
 * @HEARTH_TEST_GUEST_UEFI: q35 with OVMF (OVMF_CODE_4M.fd, NVRAM from
 *   OVMF_VARS_4M.fd kept in the embed root by libvirt). Undefine such a
 *   domain with VIR_DOMAIN_UNDEFINE_NVRAM. Boots the bzImage, so it is slower.
 * @HEARTH_TEST_GUEST_DISK: a 64 MiB qcow2 disk (virtio, vda) at
 *   hearth_test_guest_dup_disk_path(), created if missing; needed for
 *   internal snapshots.
 * @HEARTH_TEST_GUEST_AGENT: run the test suite's SPICE agent
 *   (tests/guest/hearth-test-agent.c) on the guest's com.redhat.spice.0 port;
 *   the guest says %HEARTH_TEST_GUEST_AGENT_READY before it says ready. The
 *   SPICE server then uses agent mouse mode: pointer events go to the agent,
 *   not to the PS/2 mouse or the tablet.
 * @HEARTH_TEST_GUEST_VGA: a standard VGA instead of QXL. The guest has no
 *   driver for it (the screen keeps the firmware's text mode), so the SPICE
 *   server hands the client's monitors configs to the agent instead of the
 *   display device.
 * @HEARTH_TEST_GUEST_SOUND: an AC97 sound card whose audio goes over
 *   SPICE; the guest loads its driver and OSS emulation, so /dev/dsp plays
 *   (8 kHz, 8-bit mono by default) and records.
 *
 * How hearth_test_guest_xml() shapes the machine.
 */
typedef enum
{
  HEARTH_TEST_GUEST_NONE = 0,
  HEARTH_TEST_GUEST_TABLET = 1 << 0,
  HEARTH_TEST_GUEST_Q35 = 1 << 1,
  HEARTH_TEST_GUEST_UEFI = 1 << 2,
  HEARTH_TEST_GUEST_DISK = 1 << 3,
  HEARTH_TEST_GUEST_AGENT = 1 << 4,
  HEARTH_TEST_GUEST_VGA = 1 << 5,
  HEARTH_TEST_GUEST_SOUND = 1 << 6,
} HearthTestGuestFlags;

/* Markers the guest prints on its first serial port (see tests/guest/README.md). */
#define HEARTH_TEST_GUEST_READY "HEARTH-GUEST-READY"
#define HEARTH_TEST_GUEST_POWEROFF "HEARTH-GUEST-POWEROFF"
#define HEARTH_TEST_GUEST_MOUSE "HEARTH-MOUSE "
#define HEARTH_TEST_GUEST_INPUT "HEARTH-INPUT "

/* Markers of the test SPICE agent (HEARTH_TEST_GUEST_AGENT). */
#define HEARTH_TEST_GUEST_AGENT_READY "HEARTH-AGENT-READY"
#define HEARTH_TEST_GUEST_AGENT_MONITORS "HEARTH-AGENT-MONITORS "
#define HEARTH_TEST_GUEST_AGENT_TEXT "HEARTH-AGENT-CLIPBOARD-TEXT "
#define HEARTH_TEST_GUEST_AGENT_PNG "HEARTH-AGENT-CLIPBOARD-PNG "
#define HEARTH_TEST_GUEST_AGENT_MOUSE "HEARTH-AGENT-MOUSE "
/* The agent's command FIFO in the guest (grab-text TEXT, grab-png PATH). */
#define HEARTH_TEST_GUEST_AGENT_FIFO "/run/hearth-agent"

/* Embed roots for qemu:///embed (hermetic: no daemon, nothing left behind).
 * One per process: libvirt's embedded driver cannot change roots, so _new()
 * returns the same root to every caller and _remove() clears the test's
 * files from it; the root itself goes when the process ends. */
char     *hearth_test_embed_root_new              (void);
char     *hearth_test_embed_uri                   (const char            *root);
void      hearth_test_embed_root_remove           (const char            *root);

/* The guest's files: $HEARTH_TEST_GUEST_DIR, or the build directory. */
const char *hearth_test_guest_dir                 (void);
gboolean  hearth_test_guest_available             (GError               **error);

/* Domain XML (libxml2) and the paths it derives from the serial log path. */
char     *hearth_test_guest_xml                   (const char            *name,
                                                   const char            *serial_log_path,
                                                   HearthTestGuestFlags   flags);
char     *hearth_test_guest_dup_command_socket    (const char            *serial_log_path);
char     *hearth_test_guest_dup_disk_path         (const char            *serial_log_path);

/* The serial log. Offsets are byte offsets into the log file. */
goffset   hearth_test_serial_get_end              (const char            *log_path);
char     *hearth_test_serial_dup_contents         (const char            *log_path,
                                                   goffset                start);
gboolean  hearth_test_serial_wait_for             (const char            *log_path,
                                                   const char            *needle,
                                                   guint                  timeout_ms,
                                                   GError               **error);
gboolean  hearth_test_serial_wait_for_from        (const char            *log_path,
                                                   goffset                start,
                                                   const char            *needle,
                                                   guint                  timeout_ms,
                                                   goffset               *out_end,
                                                   GError               **error);
char     *hearth_test_serial_wait_for_line        (const char            *log_path,
                                                   goffset                start,
                                                   const char            *prefix,
                                                   guint                  timeout_ms,
                                                   goffset               *out_end,
                                                   GError               **error);

/* The command channel on the guest's second serial port. */
gboolean  hearth_test_guest_run                   (const char            *serial_log_path,
                                                   const char            *command,
                                                   guint                  timeout_ms,
                                                   char                 **out_output,
                                                   int                   *out_status,
                                                   GError               **error);
gboolean  hearth_test_guest_send                  (const char            *serial_log_path,
                                                   const char            *command,
                                                   guint                  timeout_ms,
                                                   GError               **error);

G_END_DECLS
