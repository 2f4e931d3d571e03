/* hearth-test-guest.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-test-guest"
#define _GNU_SOURCE /* nftw () */

#include "config.h"

#include "hearth-test-guest.h"

#include "tests/guest/hearth-test-guest-config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gstdio.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define EMBED_ROOT_PREFIX "hearth-embed-"
#define OVMF_CODE "/usr/share/OVMF/OVMF_CODE_4M.fd"
#define OVMF_VARS "/usr/share/OVMF/OVMF_VARS_4M.fd"
#define POLL_INTERVAL_MS 20

G_DEFINE_AUTOPTR_CLEANUP_FUNC (xmlDoc, xmlFreeDoc)

/* ---- embed roots ---------------------------------------------------------- */

/* The watcher of an embed root: it waits for end-of-file on its stdin, which
 * comes when the test process ends for any reason (an assertion aborting it
 * included), then kills the QEMU processes started under the root (their
 * pid files are in ROOT/run/qemu, and their command lines name the root) and
 * removes the root if the test did not. */
/* The process's embed root (see hearth_test_embed_root_new ()). */
static char *process_root;

/* What libvirt's embedded driver makes at the top of its root. */
static const char *const libvirt_dirs[] = { "etc", "cache", "lib", "log", "run", NULL };

static const char watch_script[] =
  "root=$1\n"
  "cat > /dev/null\n"
  "for f in \"$root\"/run/qemu/*.pid; do\n"
  "  [ -f \"$f\" ] || continue\n"
  "  pid=$(cat \"$f\" 2>/dev/null)\n"
  "  case $pid in ''|*[!0-9]*) continue ;; esac\n"
  "  if tr '\\000' '\\n' < /proc/$pid/cmdline 2>/dev/null | grep -qF \"$root/\"; then\n"
  "    kill -9 \"$pid\"\n"
  "  fi\n"
  "done\n"
  "case ${root##*/} in\n"
  "  " EMBED_ROOT_PREFIX "*) if [ -d \"$root\" ]; then sleep 1; rm -rf -- \"$root\"; fi ;;\n"
  "esac\n";

static void
watcher_setup_cb (gpointer user_data)
{
  /* Its own session: a runner that kills the test's process group on a
   * timeout must not take the watcher with it. */
  setsid ();
}

static void
watch_root (const char *root)
{
  const char *argv[] = { "/bin/sh", "-c", watch_script, "hearth-embed-watch", root, NULL };
  g_autoptr(GError) error = NULL;
  int stdin_fd = -1;

  if (!g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                 G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL,
                                 watcher_setup_cb, NULL, NULL, &stdin_fd, NULL, NULL, &error))
    {
      g_test_message ("cannot watch %s: %s", root, error->message);
      return;
    }

  /* Deliberately never closed (nor inherited): the watcher's end-of-file is
   * this process's exit. */
  fcntl (stdin_fd, F_SETFD, FD_CLOEXEC);
}

/**
 * hearth_test_embed_root_new:
 *
 * Makes a fresh directory for `qemu:///embed?root=…` with the qemu.conf that
 * embed mode needs here: the domain log goes to a file (no virtlogd runs);
 * as root, QEMU also runs as root with no security driver, no relabelling of
 * the files it uses (the shared guest kernel stays untouched), no mount
 * namespace and no cgroups, so nothing outside the root is changed and no
 * service manager is needed.
 *
 * libvirt allows one embedded driver root per process, for the whole life of
 * the process (opening a second root fails even after the first connection
 * was closed). So this makes one root per process: later calls return the
 * same path, and hearth_test_embed_root_remove() of that root only clears
 * what the test put at its top level (serial logs, sockets, disks), keeping
 * libvirt's own directories, which the process's embedded driver still uses.
 * The root itself goes when the process ends. Tests that share the process
 * should still give their domains different names.
 *
 * A watcher process waits for the test process to end, for any reason (an
 * assertion that failed included), then kills the QEMU processes started
 * under the root and removes it, so nothing is left behind.
 *
 * Returns: (transfer full): the absolute path of the root
 */
char *
hearth_test_embed_root_new (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) conf = NULL;
  g_autofree char *root = NULL;
  g_autofree char *etc = NULL;
  g_autofree char *conf_path = NULL;

  if (process_root != NULL)
    return g_strdup (process_root);

  root = g_dir_make_tmp (EMBED_ROOT_PREFIX "XXXXXX", &error);
  g_assert_no_error (error);

  /* The embedded driver reads ROOT/etc/qemu.conf (not ROOT/etc/qemu/). */
  etc = g_build_filename (root, "etc", NULL);
  g_assert_cmpint (g_mkdir_with_parents (etc, 0700), ==, 0);

  conf = g_string_new ("# Written by hearth_test_embed_root_new ().\n");
  g_string_append (conf, 
                         "stdio_handler = \"file\"\n"
                         "security_driver = \"none\"\n"
                         "dynamic_ownership = 0\n"
                         "remember_owner = 0\n");
  if (geteuid () == 0)
    g_string_append (conf, "user = \"root\"\n"
                           "group = \"root\"\n"
                           "namespaces = [ ]\n"
                           "cgroup_controllers = [ ]\n");

  conf_path = g_build_filename (etc, "qemu.conf", NULL);
  g_file_set_contents (conf_path, conf->str, conf->len, &error);
  g_assert_no_error (error);

  watch_root (root);
  process_root = g_strdup (root);

  return g_steal_pointer (&root);
}

/**
 * hearth_test_embed_uri:
 * @root: a directory from hearth_test_embed_root_new()
 *
 * Returns: (transfer full): `qemu:///embed?root=ROOT`, escaped
 */
char *
hearth_test_embed_uri (const char *root)
{
  g_autofree char *escaped = NULL;

  g_return_val_if_fail (root != NULL && g_path_is_absolute (root), NULL);

  escaped = g_uri_escape_string (root, "/", FALSE);
  return g_strconcat ("qemu:///embed?root=", escaped, NULL);
}

static int
remove_entry_cb (const char        *path,
                 const struct stat *sb,
                 int                typeflag,
                 struct FTW        *ftwbuf)
{
  if (remove (path) != 0 && errno != ENOENT)
    g_test_message ("cannot remove %s: %s", path, g_strerror (errno));
  return 0;
}

/**
 * hearth_test_embed_root_remove:
 * @root: (nullable): a directory from hearth_test_embed_root_new()
 *
 * Clears @root: removes everything the test put at its top level (serial
 * logs, command sockets, disks), without following symbolic links or crossing
 * into other file systems. libvirt's own directories stay until the process
 * ends, since its embedded driver lives as long as the process (see
 * hearth_test_embed_root_new()); the watcher removes the root then. Refuses
 * anything that is not an absolute path to a directory named like the ones
 * hearth_test_embed_root_new() makes. Destroy and undefine the domains and
 * close the connection first.
 */
void
hearth_test_embed_root_remove (const char *root)
{
  g_autoptr(GDir) dir = NULL;
  g_autofree char *base = NULL;
  const char *name;
  struct stat st;

  if (root == NULL)
    return;

  base = g_path_get_basename (root);
  if (!g_path_is_absolute (root) || !g_str_has_prefix (base, EMBED_ROOT_PREFIX)
      || lstat (root, &st) != 0 || !S_ISDIR (st.st_mode))
    {
      g_critical ("refusing to remove %s: not an embed root", root);
      return;
    }

  dir = g_dir_open (root, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = NULL;

      if (g_strv_contains (libvirt_dirs, name))
        continue;
      path = g_build_filename (root, name, NULL);
      nftw (path, remove_entry_cb, 16, FTW_DEPTH | FTW_PHYS | FTW_MOUNT);
    }
}

/* ---- the guest's files ---------------------------------------------------- */

/**
 * hearth_test_guest_dir:
 *
 * Returns: the directory with the guest's kernel and initrd:
 *   `$HEARTH_TEST_GUEST_DIR` (set by meson for every test), or the build
 *   directory this file was compiled for
 */
const char *
hearth_test_guest_dir (void)
{
  const char *dir = g_getenv ("HEARTH_TEST_GUEST_DIR");

  return dir != NULL && *dir != '\0' ? dir : HEARTH_TEST_GUEST_BUILD_DIR;
}

/**
 * hearth_test_guest_available:
 * @error: tells what is missing
 *
 * Whether the guest was built and QEMU is installed; a test that cannot boot
 * the guest calls g_test_skip() with the message.
 */
gboolean
hearth_test_guest_available (GError **error)
{
  const char *files[] = { "vmlinux", "vmlinuz", "initrd.img" };
  g_autofree char *qemu = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (hearth_test_guest_dir (), files[i], NULL);

      if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                       "%s is missing: build the test-guest target", path);
          return FALSE;
        }
    }

  qemu = g_find_program_in_path ("qemu-system-x86_64");
  if (qemu == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
                   "qemu-system-x86_64 is not installed");
      return FALSE;
    }

  return TRUE;
}

/**
 * hearth_test_guest_dup_command_socket:
 * @serial_log_path: the serial log path given to hearth_test_guest_xml()
 *
 * Returns: (transfer full): the unix socket of the guest's command channel,
 *   `SERIAL_LOG_PATH.cmd`
 */
char *
hearth_test_guest_dup_command_socket (const char *serial_log_path)
{
  g_return_val_if_fail (serial_log_path != NULL, NULL);

  return g_strconcat (serial_log_path, ".cmd", NULL);
}

/**
 * hearth_test_guest_dup_disk_path:
 * @serial_log_path: the serial log path given to hearth_test_guest_xml()
 *
 * Returns: (transfer full): the qcow2 disk of %HEARTH_TEST_GUEST_DISK,
 *   `SERIAL_LOG_PATH.qcow2`
 */
char *
hearth_test_guest_dup_disk_path (const char *serial_log_path)
{
  g_return_val_if_fail (serial_log_path != NULL, NULL);

  return g_strconcat (serial_log_path, ".qcow2", NULL);
}

static gboolean
create_disk (const char  *path,
             GError     **error)
{
  const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", path, "64M", NULL };
  g_autofree char *err = NULL;
  int status = 0;

  if (g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;

  if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                     NULL, NULL, NULL, &err, &status, error))
    return FALSE;

  if (!g_spawn_check_wait_status (status, error))
    {
      g_prefix_error (error, "qemu-img create %s: %s: ", path, err);
      return FALSE;
    }

  return TRUE;
}

static xmlNode *
add_child (xmlNode    *parent,
           const char *name,
           const char *text)
{
  /* xmlNewTextChild escapes @text; xmlNewChild would not. */
  return xmlNewTextChild (parent, NULL, (const xmlChar *) name, (const xmlChar *) text);
}

static void
set_attr (xmlNode    *node,
          const char *name,
          const char *value)
{
  xmlSetProp (node, (const xmlChar *) name, (const xmlChar *) value);
}

/* Adds a serial port and returns its <source> for the caller to fill. */
static xmlNode *
add_serial (xmlNode    *devices,
            const char *type,
            const char *port)
{
  xmlNode *serial = add_child (devices, "serial", NULL);
  xmlNode *source;
  xmlNode *target;

  set_attr (serial, "type", type);
  source = add_child (serial, "source", NULL);
  target = add_child (serial, "target", NULL);
  set_attr (target, "port", port);

  return source;
}

/**
 * hearth_test_guest_xml:
 * @name: the domain name, any Unicode
 * @serial_log_path: absolute path of the file that receives the first serial
 *   port. QEMU appends to it, so a log survives restarts: wait for output
 *   after hearth_test_serial_get_end() taken before a (re)start.
 * @flags: the machine's shape
 *
 * Domain XML for the tiny test guest, built with libxml2: type `qemu` (TCG),
 * 256 MiB, 1 vCPU, direct kernel boot, serial port 0 to @serial_log_path,
 * serial port 1 a unix socket (the command channel, see
 * hearth_test_guest_run()), SPICE with `<listen type='none'/>` (reach it with
 * virDomainOpenGraphicsFD) and video streaming off (frames stay lossless), QXL
 * video, PS/2 mouse and keyboard, a spicevmc channel and a virtio balloon
 * with 1 s statistics.
 *
 * Returns: (transfer full): the XML, or %NULL if the disk of
 *   %HEARTH_TEST_GUEST_DISK could not be created (a critical is logged)
 */
char *
hearth_test_guest_xml (const char           *name,
                       const char           *serial_log_path,
                       HearthTestGuestFlags  flags)
{
  g_autoptr(xmlDoc) doc = NULL;
  g_autoptr(GString) cmdline = NULL;
  g_autofree char *kernel = NULL;
  g_autofree char *initrd = NULL;
  g_autofree char *socket_path = NULL;
  gboolean uefi = (flags & HEARTH_TEST_GUEST_UEFI) != 0;
  gboolean q35 = uefi || (flags & HEARTH_TEST_GUEST_Q35) != 0;
  xmlNode *domain, *os, *node, *features, *devices, *graphics;
  xmlChar *buffer = NULL;
  int length = 0;
  char *result;

  g_return_val_if_fail (name != NULL && g_utf8_validate (name, -1, NULL), NULL);
  g_return_val_if_fail (serial_log_path != NULL && g_path_is_absolute (serial_log_path), NULL);

  /* BIOS machines boot the PVH ELF image (no decompression under TCG); OVMF's
   * direct kernel boot needs the bzImage's EFI stub. */
  kernel = g_build_filename (hearth_test_guest_dir (), uefi ? "vmlinuz" : "vmlinux", NULL);
  initrd = g_build_filename (hearth_test_guest_dir (), "initrd.img", NULL);
  socket_path = hearth_test_guest_dup_command_socket (serial_log_path);

  cmdline = g_string_new ("console=ttyS0 loglevel=4 panic=-1 consoleblank=0");
  if (flags & HEARTH_TEST_GUEST_TABLET)
    g_string_append (cmdline, " hearth.tablet=1");
  if (flags & HEARTH_TEST_GUEST_AGENT)
    g_string_append (cmdline, " hearth.agent=1");
  if (flags & HEARTH_TEST_GUEST_SOUND)
    g_string_append (cmdline, " hearth.sound=1");

  doc = xmlNewDoc ((const xmlChar *) "1.0");
  domain = xmlNewDocNode (doc, NULL, (const xmlChar *) "domain", NULL);
  xmlDocSetRootElement (doc, domain);
  set_attr (domain, "type", "qemu");

  add_child (domain, "name", name);
  node = add_child (domain, "memory", "256");
  set_attr (node, "unit", "MiB");
  add_child (domain, "vcpu", "1");

  os = add_child (domain, "os", NULL);
  node = add_child (os, "type", "hvm");
  set_attr (node, "arch", "x86_64");
  set_attr (node, "machine", q35 ? "q35" : "pc");
  if (uefi)
    {
      node = add_child (os, "loader", OVMF_CODE);
      set_attr (node, "readonly", "yes");
      set_attr (node, "type", "pflash");
      /* libvirt copies the template into the embed root's nvram directory. */
      node = add_child (os, "nvram", NULL);
      set_attr (node, "template", OVMF_VARS);
    }
  add_child (os, "kernel", kernel);
  add_child (os, "initrd", initrd);
  add_child (os, "cmdline", cmdline->str);

  features = add_child (domain, "features", NULL);
  add_child (features, "acpi", NULL);
  add_child (features, "apic", NULL);

  node = add_child (domain, "clock", NULL);
  set_attr (node, "offset", "utc");
  add_child (domain, "on_poweroff", "destroy");
  add_child (domain, "on_reboot", "restart");
  add_child (domain, "on_crash", "destroy");

  devices = add_child (domain, "devices", NULL);

  if (flags & HEARTH_TEST_GUEST_DISK)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *disk_path = hearth_test_guest_dup_disk_path (serial_log_path);
      xmlNode *disk;

      if (!create_disk (disk_path, &error))
        {
          g_critical ("cannot create the test guest's disk: %s", error->message);
          return NULL;
        }

      disk = add_child (devices, "disk", NULL);
      set_attr (disk, "type", "file");
      set_attr (disk, "device", "disk");
      node = add_child (disk, "driver", NULL);
      set_attr (node, "name", "qemu");
      set_attr (node, "type", "qcow2");
      node = add_child (disk, "source", NULL);
      set_attr (node, "file", disk_path);
      node = add_child (disk, "target", NULL);
      set_attr (node, "dev", "vda");
      set_attr (node, "bus", "virtio");
    }

  node = add_serial (devices, "file", "0");
  set_attr (node, "path", serial_log_path);
  set_attr (node, "append", "on");

  node = add_serial (devices, "unix", "1");
  set_attr (node, "mode", "bind");
  set_attr (node, "path", socket_path);

  graphics = add_child (devices, "graphics", NULL);
  set_attr (graphics, "type", "spice");
  node = add_child (graphics, "listen", NULL);
  set_attr (node, "type", "none");
  node = add_child (graphics, "streaming", NULL);
  set_attr (node, "mode", "off");

  node = add_child (devices, "video", NULL);
  node = add_child (node, "model", NULL);
  set_attr (node, "type", flags & HEARTH_TEST_GUEST_VGA ? "vga" : "qxl");

  if (flags & HEARTH_TEST_GUEST_SOUND)
    {
      node = add_child (devices, "sound", NULL);
      set_attr (node, "model", "ac97");
      node = add_child (node, "audio", NULL);
      set_attr (node, "id", "1");
      node = add_child (devices, "audio", NULL);
      set_attr (node, "id", "1");
      set_attr (node, "type", "spice");
    }

  node = add_child (devices, "input", NULL);
  set_attr (node, "type", "mouse");
  set_attr (node, "bus", "ps2");
  node = add_child (devices, "input", NULL);
  set_attr (node, "type", "keyboard");
  set_attr (node, "bus", "ps2");

  node = add_child (devices, "controller", NULL);
  set_attr (node, "type", "usb");
  if (flags & HEARTH_TEST_GUEST_TABLET)
    {
      set_attr (node, "model", "qemu-xhci");
      node = add_child (devices, "input", NULL);
      set_attr (node, "type", "tablet");
      set_attr (node, "bus", "usb");
    }
  else
    {
      /* No USB at all: a faster boot, and the PS/2 mouse gets the events. */
      set_attr (node, "model", "none");
    }

  node = add_child (devices, "channel", NULL);
  set_attr (node, "type", "spicevmc");
  node = add_child (node, "target", NULL);
  set_attr (node, "type", "virtio");
  set_attr (node, "name", "com.redhat.spice.0");

  node = add_child (devices, "memballoon", NULL);
  set_attr (node, "model", "virtio");
  node = add_child (node, "stats", NULL);
  set_attr (node, "period", "1");

  xmlDocDumpFormatMemoryEnc (doc, &buffer, &length, "UTF-8", 1);
  result = g_strndup ((const char *) buffer, length);
  xmlFree (buffer);

  return result;
}

/* ---- the serial log ------------------------------------------------------- */

static gboolean
set_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs the default main context for @ms, so libvirt's events keep flowing. */
static void
iterate_for (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, set_flag_cb, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

/**
 * hearth_test_serial_get_end:
 * @log_path: a serial log
 *
 * Returns: the log's current size (0 while it does not exist), to wait for
 *   output that appears after this point
 */
goffset
hearth_test_serial_get_end (const char *log_path)
{
  GStatBuf st;

  g_return_val_if_fail (log_path != NULL, 0);

  if (g_stat (log_path, &st) != 0)
    return 0;
  return st.st_size;
}

/**
 * hearth_test_serial_dup_contents:
 * @log_path: a serial log
 * @start: a byte offset
 *
 * Returns: (transfer full): the log from @start to its current end ("" if it
 *   does not exist yet). The guest's lines end in "\r\n".
 */
char *
hearth_test_serial_dup_contents (const char *log_path,
                                 goffset     start)
{
  g_autoptr(GString) contents = g_string_new (NULL);
  char buffer[16384];
  ssize_t n;
  int fd;

  g_return_val_if_fail (log_path != NULL, NULL);
  g_return_val_if_fail (start >= 0, NULL);

  fd = g_open (log_path, O_RDONLY | O_CLOEXEC, 0);
  if (fd < 0)
    return g_strdup ("");

  if (lseek (fd, start, SEEK_SET) == start)
    {
      while ((n = read (fd, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
          g_string_append_len (contents, buffer, n);
    }
  close (fd);

  return g_string_free (g_steal_pointer (&contents), FALSE);
}

/* The end of the log after @start, for error messages. */
static char *
dup_tail (const char *log_path,
          goffset     start)
{
  return hearth_test_serial_dup_contents (log_path,
                                          MAX (start, hearth_test_serial_get_end (log_path) - 2000));
}

/* Finds @needle in the log from @start: returns the offset just after it. */
static gboolean
find_needle (const char *log_path,
             goffset     start,
             const char *needle,
             goffset    *out_end)
{
  g_autofree char *contents = hearth_test_serial_dup_contents (log_path, start);
  const char *found = strstr (contents, needle);

  if (found == NULL)
    return FALSE;

  *out_end = start + (found - contents) + strlen (needle);
  return TRUE;
}

/* Finds the first complete line from @start that begins with @prefix. */
static char *
find_line (const char *log_path,
           goffset     start,
           const char *prefix,
           goffset    *out_end)
{
  g_autofree char *contents = hearth_test_serial_dup_contents (log_path, start);
  const char *line = contents;

  for (;;)
    {
      const char *eol = strchr (line, '\n');

      if (eol == NULL)
        return NULL;

      if (g_str_has_prefix (line, prefix))
        {
          const char *end = eol;

          if (end > line && end[-1] == '\r')
            end--;
          *out_end = start + (eol + 1 - contents);
          return g_strndup (line, end - line);
        }

      line = eol + 1;
    }
}

/**
 * hearth_test_serial_wait_for_from:
 * @log_path: a serial log
 * @start: where to start looking (0, or hearth_test_serial_get_end() taken
 *   before the action whose output is awaited)
 * @needle: the text to find
 * @timeout_ms: how long to wait
 * @out_end: (out) (optional): the offset just after the needle
 * @error: G_IO_ERROR_TIMED_OUT with the log's tail
 *
 * Polls the log, iterating the default main context between reads, until
 * @needle appears after @start.
 */
gboolean
hearth_test_serial_wait_for_from (const char  *log_path,
                                  goffset      start,
                                  const char  *needle,
                                  guint        timeout_ms,
                                  goffset     *out_end,
                                  GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autofree char *tail = NULL;
  goffset end = 0;

  g_return_val_if_fail (log_path != NULL, FALSE);
  g_return_val_if_fail (needle != NULL && *needle != '\0', FALSE);

  for (;;)
    {
      if (find_needle (log_path, start, needle, &end))
        {
          if (out_end != NULL)
            *out_end = end;
          return TRUE;
        }
      if (g_get_monotonic_time () >= deadline)
        break;
      iterate_for (POLL_INTERVAL_MS);
    }

  tail = dup_tail (log_path, start);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "“%s” did not appear in %s within %u ms; the log ends with:\n%s",
               needle, log_path, timeout_ms, tail);
  return FALSE;
}

/**
 * hearth_test_serial_wait_for:
 * @log_path: a serial log
 * @needle: the text to find
 * @timeout_ms: how long to wait
 * @error: G_IO_ERROR_TIMED_OUT with the log's tail
 *
 * hearth_test_serial_wait_for_from() from the start of the log.
 */
gboolean
hearth_test_serial_wait_for (const char  *log_path,
                             const char  *needle,
                             guint        timeout_ms,
                             GError     **error)
{
  return hearth_test_serial_wait_for_from (log_path, 0, needle, timeout_ms, NULL, error);
}

/**
 * hearth_test_serial_wait_for_line:
 * @log_path: a serial log
 * @start: where to start looking
 * @prefix: what the line starts with, e.g. %HEARTH_TEST_GUEST_MOUSE
 * @timeout_ms: how long to wait
 * @out_end: (out) (optional): the offset after the line, to wait for the next
 * @error: G_IO_ERROR_TIMED_OUT with the log's tail
 *
 * Waits for a complete line after @start that begins with @prefix.
 *
 * Returns: (transfer full) (nullable): the line, without its line ending
 */
char *
hearth_test_serial_wait_for_line (const char  *log_path,
                                  goffset      start,
                                  const char  *prefix,
                                  guint        timeout_ms,
                                  goffset     *out_end,
                                  GError     **error)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;
  g_autofree char *tail = NULL;
  goffset end = 0;

  g_return_val_if_fail (log_path != NULL, NULL);
  g_return_val_if_fail (prefix != NULL, NULL);

  for (;;)
    {
      char *line = find_line (log_path, start, prefix, &end);

      if (line != NULL)
        {
          if (out_end != NULL)
            *out_end = end;
          return line;
        }
      if (g_get_monotonic_time () >= deadline)
        break;
      iterate_for (POLL_INTERVAL_MS);
    }

  tail = dup_tail (log_path, start);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
               "no line starting with “%s” in %s within %u ms; the log ends with:\n%s",
               prefix, log_path, timeout_ms, tail);
  return NULL;
}

/* ---- the command channel -------------------------------------------------- */

/* Keeps the output of a command: drops the reporters' and the agent's lines
 * (input events may arrive at any time) and carriage returns. */
static char *
filter_output (const char *text)
{
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr(GString) output = g_string_new (NULL);

  for (guint i = 0; lines[i] != NULL; i++)
    {
      char *line = lines[i];
      gsize len = strlen (line);

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';
      if (g_str_has_prefix (line, HEARTH_TEST_GUEST_INPUT)
          || g_str_has_prefix (line, HEARTH_TEST_GUEST_MOUSE)
          || g_str_has_prefix (line, "HEARTH-GUEST-INPUT-DEVICE ")
          || g_str_has_prefix (line, "HEARTH-AGENT-"))
        continue;
      if (lines[i + 1] == NULL && len == 0)
        break;
      g_string_append (output, line);
      g_string_append_c (output, '\n');
    }

  return g_string_free (g_steal_pointer (&output), FALSE);
}

/* Connects to the command channel and sends "TAG:COMMAND\n". The caller
 * keeps the socket open until the guest has read the line: QEMU forwards it
 * to the UART only as fast as the guest reads, and drops what is unread when
 * the connection closes. */
static GSocket *
send_command (const char  *serial_log_path,
              const char  *command,
              char       **out_tag,
              GError     **error)
{
  static guint counter;
  g_autofree char *socket_path = hearth_test_guest_dup_command_socket (serial_log_path);
  g_autofree char *tag = g_strdup_printf ("t%d-%u", (int) getpid (), ++counter);
  g_autofree char *request = g_strdup_printf ("%s:%s\n", tag, command);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  gsize sent = 0, length = strlen (request);

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                         error);
  if (socket == NULL)
    return NULL;
  address = g_unix_socket_address_new (socket_path);
  if (!g_socket_connect (socket, address, NULL, error))
    {
      g_prefix_error (error, "%s: ", socket_path);
      return NULL;
    }

  /* A blocking send of a short line to QEMU, which reads it at once. */
  while (sent < length)
    {
      gssize n = g_socket_send (socket, request + sent, length - sent, NULL, error);

      if (n < 0)
        return NULL;
      sent += n;
    }

  *out_tag = g_steal_pointer (&tag);
  return g_steal_pointer (&socket);
}

/**
 * hearth_test_guest_run:
 * @serial_log_path: the guest's serial log (its command socket is derived)
 * @command: one line of busybox sh, no newline
 * @timeout_ms: how long to wait for the command to finish
 * @out_output: (out) (optional): its stdout and stderr, "\n"-terminated lines
 * @out_status: (out) (optional): its exit status
 * @error: a socket error, or G_IO_ERROR_TIMED_OUT
 *
 * Runs @command in the guest through the command channel (serial port 1) and
 * waits for it to finish, iterating the default main context. The guest must
 * have said %HEARTH_TEST_GUEST_READY. Commands run one at a time in the guest.
 * Output lines from the guest's input reporters are filtered out.
 */
gboolean
hearth_test_guest_run (const char  *serial_log_path,
                       const char  *command,
                       guint        timeout_ms,
                       char       **out_output,
                       int         *out_status,
                       GError     **error)
{
  g_autofree char *tag = NULL;
  g_autofree char *begin = NULL;
  g_autofree char *end_prefix = NULL;
  g_autofree char *end_line = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GSocket) socket = NULL;
  goffset start, end = 0;
  const char *from, *to;

  g_return_val_if_fail (serial_log_path != NULL, FALSE);
  g_return_val_if_fail (command != NULL && strpbrk (command, "\r\n") == NULL, FALSE);

  start = hearth_test_serial_get_end (serial_log_path);
  socket = send_command (serial_log_path, command, &tag, error);
  if (socket == NULL)
    return FALSE;

  begin = g_strdup_printf ("HEARTH-CMD-BEGIN %s\r\n", tag);
  end_prefix = g_strdup_printf ("HEARTH-CMD-END %s ", tag);
  end_line = hearth_test_serial_wait_for_line (serial_log_path, start, end_prefix, timeout_ms,
                                               &end, error);
  g_socket_close (socket, NULL);
  if (end_line == NULL)
    return FALSE;

  contents = hearth_test_serial_dup_contents (serial_log_path, start);
  contents[end - start] = '\0';
  from = strstr (contents, begin);
  to = strstr (contents, end_prefix);
  g_assert (from != NULL && to != NULL && from < to);
  from += strlen (begin);

  if (out_output != NULL)
    {
      g_autofree char *raw = g_strndup (from, to - from);

      *out_output = filter_output (raw);
    }
  if (out_status != NULL)
    *out_status = atoi (end_line + strlen (end_prefix));

  return TRUE;
}

/**
 * hearth_test_guest_send:
 * @serial_log_path: the guest's serial log (its command socket is derived)
 * @command: one line of busybox sh, no newline
 * @timeout_ms: how long to wait for the guest to start it
 * @error: a socket error, or G_IO_ERROR_TIMED_OUT
 *
 * Starts @command in the guest through the command channel and returns once
 * the guest has begun running it, without waiting for it to end: for commands
 * that never return, like `reboot -f` or `poweroff -f`. (A background load
 * such as `yes > /dev/null &` returns at once and can use
 * hearth_test_guest_run().)
 */
gboolean
hearth_test_guest_send (const char  *serial_log_path,
                        const char  *command,
                        guint        timeout_ms,
                        GError     **error)
{
  g_autofree char *tag = NULL;
  g_autofree char *begin = NULL;
  g_autoptr(GSocket) socket = NULL;
  goffset start;
  gboolean ok;

  g_return_val_if_fail (serial_log_path != NULL, FALSE);
  g_return_val_if_fail (command != NULL && strpbrk (command, "\r\n") == NULL, FALSE);

  start = hearth_test_serial_get_end (serial_log_path);
  socket = send_command (serial_log_path, command, &tag, error);
  if (socket == NULL)
    return FALSE;

  begin = g_strdup_printf ("HEARTH-CMD-BEGIN %s\r\n", tag);
  ok = hearth_test_serial_wait_for_from (serial_log_path, start, begin, timeout_ms, NULL, error);
  g_socket_close (socket, NULL);

  return ok;
}
