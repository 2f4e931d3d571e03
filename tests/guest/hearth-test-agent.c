/* hearth-test-agent.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A small SPICE guest agent for the tiny test guest. It is not spice-vdagent
 * (which needs X11 in the guest): it speaks the same vdagent protocol over the
 * virtio-serial port "com.redhat.spice.0", with the structures of
 * <spice/vd_agent.h>, and reports what it receives on the guest's first
 * serial port, so that tests can check the host side of the protocol (the
 * display widget over spice-client-glib) against a real guest-side peer.
 *
 * Serial markers (ttyS0, one line each; see README.md):
 *   HEARTH-AGENT-READY                         capabilities announced
 *   HEARTH-AGENT-MONITORS <n> <w>x<h>...       a VD_AGENT_MONITORS_CONFIG
 *   HEARTH-AGENT-CLIPBOARD-TEXT <hex>          the client's clipboard text
 *   HEARTH-AGENT-CLIPBOARD-PNG <w>x<h> <size>  the client's clipboard image
 *   HEARTH-AGENT-MOUSE <x> <y> <buttons>       a VD_AGENT_MOUSE_STATE
 *   HEARTH-AGENT-WARNING <text>                something went wrong
 *
 * Commands, one per line, on the FIFO /run/hearth-agent:
 *   grab-text <text>   the guest copies <text> (the rest of the line)
 *   grab-png <path>    the guest copies the PNG image in <path>
 *
 * Built with gcc -static: the guest has no C library besides busybox's own.
 */

#define _GNU_SOURCE

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <spice/vd_agent.h>

#define PORT_NAME "com.redhat.spice.0"
#define SERIAL_PATH "/dev/ttyS0"
#define FIFO_PATH "/run/hearth-agent"
#define MAX_MESSAGE_SIZE (64 * 1024 * 1024)
#define PORT_WAIT_SECONDS 30

/* A growable byte buffer. */
typedef struct
{
  uint8_t *data;
  size_t len;
  size_t size;
} Buffer;

/* A message being reassembled from the chunks of one port. */
typedef struct
{
  Buffer bytes; /* VDAgentMessage header, then its data */
} Assembler;

static int serial_fd = -1;
static int port_fd = -1;

static uint32_t client_caps[VD_AGENT_CAPS_SIZE];
static int client_caps_known;

/* What the guest has copied (grab-text, grab-png): offered to the client. */
static uint32_t own_type = VD_AGENT_CLIPBOARD_NONE;
static Buffer own_data;

static Assembler assemblers[VDP_END_PORT];

/* ---- output ---------------------------------------------------------------- */

static int
write_all (int         fd,
           const void *data,
           size_t      len)
{
  const uint8_t *p = data;

  while (len > 0)
    {
      ssize_t n = write (fd, p, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return -1;
      p += n;
      len -= n;
    }

  return 0;
}

/* One marker line on the serial port, in a single write() so that lines from
 * the guest's other reporters never cut through it. */
static void
report (const char *format,
        ...)
{
  char *line = NULL;
  va_list args;
  int len;

  va_start (args, format);
  len = vasprintf (&line, format, args);
  va_end (args);
  if (len < 0)
    return;

  if (serial_fd >= 0)
    write_all (serial_fd, line, len);
  else
    fputs (line, stderr);
  free (line);
}

static void
buffer_append (Buffer     *buffer,
               const void *data,
               size_t      len)
{
  if (buffer->len + len > buffer->size)
    {
      size_t size = buffer->size ? buffer->size : 4096;

      while (size < buffer->len + len)
        size *= 2;
      buffer->data = realloc (buffer->data, size);
      if (buffer->data == NULL)
        {
          report ("HEARTH-AGENT-WARNING out of memory\n");
          exit (1);
        }
      buffer->size = size;
    }
  memcpy (buffer->data + buffer->len, data, len);
  buffer->len += len;
}

/* Drops the first @len bytes. */
static void
buffer_consume (Buffer *buffer,
                size_t  len)
{
  memmove (buffer->data, buffer->data + len, buffer->len - len);
  buffer->len -= len;
}

static int
client_has (uint32_t cap)
{
  return client_caps_known
         && VD_AGENT_HAS_CAPABILITY (client_caps, VD_AGENT_CAPS_SIZE, cap);
}

/* Sends a message to the client, split into chunks of at most
 * VD_AGENT_MAX_DATA_SIZE bytes; @head and @data are its data, one after the
 * other (either may be empty). */
static void
send_message (uint32_t    type,
              const void *head,
              size_t      head_len,
              const void *data,
              size_t      data_len)
{
  VDAgentMessage message = {
    .protocol = VD_AGENT_PROTOCOL,
    .type = type,
    .opaque = 0,
    .size = head_len + data_len,
  };
  Buffer whole = { 0 };
  size_t offset = 0;

  buffer_append (&whole, &message, sizeof message);
  if (head_len > 0)
    buffer_append (&whole, head, head_len);
  if (data_len > 0)
    buffer_append (&whole, data, data_len);

  while (offset < whole.len)
    {
      size_t len = whole.len - offset;
      VDIChunkHeader chunk;

      if (len > VD_AGENT_MAX_DATA_SIZE)
        len = VD_AGENT_MAX_DATA_SIZE;
      chunk.port = VDP_CLIENT_PORT;
      chunk.size = len;
      if (write_all (port_fd, &chunk, sizeof chunk) != 0
          || write_all (port_fd, whole.data + offset, len) != 0)
        {
          report ("HEARTH-AGENT-WARNING write to the port failed: %s\n", strerror (errno));
          break;
        }
      offset += len;
    }

  free (whole.data);
}

static void
announce_capabilities (int request)
{
  uint8_t bytes[sizeof (VDAgentAnnounceCapabilities) + VD_AGENT_CAPS_BYTES] = { 0 };
  VDAgentAnnounceCapabilities *caps = (VDAgentAnnounceCapabilities *) bytes;

  caps->request = request;
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_MOUSE_STATE);
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_MONITORS_CONFIG);
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_REPLY);
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_CLIPBOARD_BY_DEMAND);
  VD_AGENT_SET_CAPABILITY (caps->caps, VD_AGENT_CAP_CLIPBOARD_SELECTION);
  send_message (VD_AGENT_ANNOUNCE_CAPABILITIES, bytes, sizeof bytes, NULL, 0);
}

static void
send_reply (uint32_t type)
{
  VDAgentReply reply = { .type = type, .error = VD_AGENT_SUCCESS };

  if (client_has (VD_AGENT_CAP_REPLY))
    send_message (VD_AGENT_REPLY, &reply, sizeof reply, NULL, 0);
}

/* Clipboard messages start with a selection header when both sides have
 * VD_AGENT_CAP_CLIPBOARD_SELECTION (this agent always announces it). */
static size_t
selection_header_len (void)
{
  return client_has (VD_AGENT_CAP_CLIPBOARD_SELECTION) ? 4 : 0;
}

static void
send_clipboard_message (uint32_t    type,
                        const void *body,
                        size_t      body_len,
                        const void *data,
                        size_t      data_len)
{
  uint8_t head[4 + 64] = { VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD };
  size_t skip = selection_header_len ();

  memcpy (head + skip, body, body_len);
  send_message (type, head, skip + body_len, data, data_len);
}

/* ---- what the client sends -------------------------------------------------- */

static void
handle_monitors_config (const uint8_t *data,
                        size_t         len)
{
  const VDAgentMonitorsConfig *config = (const VDAgentMonitorsConfig *) data;
  char line[1024];
  size_t used;

  if (len < sizeof *config
      || config->num_of_monitors > (len - sizeof *config) / sizeof (VDAgentMonConfig))
    {
      report ("HEARTH-AGENT-WARNING short monitors config (%zu bytes)\n", len);
      return;
    }

  used = snprintf (line, sizeof line, "HEARTH-AGENT-MONITORS %u", config->num_of_monitors);
  for (uint32_t i = 0; i < config->num_of_monitors && used < sizeof line - 32; i++)
    used += snprintf (line + used, sizeof line - used, " %ux%u", config->monitors[i].width,
                      config->monitors[i].height);
  report ("%s\n", line);
  send_reply (VD_AGENT_MONITORS_CONFIG);
}

static void
report_clipboard (uint32_t       type,
                  const uint8_t *data,
                  size_t         len)
{
  static const uint8_t png_signature[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };

  if (type == VD_AGENT_CLIPBOARD_UTF8_TEXT)
    {
      char *hex = malloc (len * 2 + 1);

      if (hex == NULL)
        return;
      for (size_t i = 0; i < len; i++)
        sprintf (hex + i * 2, "%02x", data[i]);
      hex[len * 2] = '\0';
      report ("HEARTH-AGENT-CLIPBOARD-TEXT %s\n", hex);
      free (hex);
    }
  else if (type == VD_AGENT_CLIPBOARD_IMAGE_PNG)
    {
      /* The signature, then the IHDR chunk: length, "IHDR", width, height
       * (big-endian). */
      if (len < 24 || memcmp (data, png_signature, 8) != 0 || memcmp (data + 12, "IHDR", 4) != 0)
        {
          report ("HEARTH-AGENT-WARNING clipboard data is not a PNG (%zu bytes)\n", len);
          return;
        }
      report ("HEARTH-AGENT-CLIPBOARD-PNG %ux%u %zu\n",
              (unsigned) data[16] << 24 | data[17] << 16 | data[18] << 8 | data[19],
              (unsigned) data[20] << 24 | data[21] << 16 | data[22] << 8 | data[23], len);
    }
  else
    {
      report ("HEARTH-AGENT-WARNING clipboard data of type %u (%zu bytes)\n", type, len);
    }
}

static void
handle_clipboard_message (uint32_t       type,
                          const uint8_t *data,
                          size_t         len)
{
  size_t skip = selection_header_len ();
  uint32_t value;

  if (len < skip || (skip > 0 && data[0] != VD_AGENT_CLIPBOARD_SELECTION_CLIPBOARD))
    return; /* PRIMARY and SECONDARY are not the test guest's business */
  data += skip;
  len -= skip;

  switch (type)
    {
    case VD_AGENT_CLIPBOARD_GRAB:
      {
        uint32_t wanted = VD_AGENT_CLIPBOARD_NONE;

        /* The client owns the clipboard now: ask for text, else a PNG. */
        own_type = VD_AGENT_CLIPBOARD_NONE;
        for (size_t i = 0; i + 4 <= len; i += 4)
          {
            memcpy (&value, data + i, 4);
            if (value == VD_AGENT_CLIPBOARD_UTF8_TEXT
                || (value == VD_AGENT_CLIPBOARD_IMAGE_PNG && wanted == VD_AGENT_CLIPBOARD_NONE))
              wanted = value;
          }
        if (wanted != VD_AGENT_CLIPBOARD_NONE)
          send_clipboard_message (VD_AGENT_CLIPBOARD_REQUEST, &wanted, 4, NULL, 0);
        else
          report ("HEARTH-AGENT-WARNING clipboard grab without text or PNG\n");
        break;
      }

    case VD_AGENT_CLIPBOARD:
      if (len < 4)
        return;
      memcpy (&value, data, 4);
      report_clipboard (value, data + 4, len - 4);
      break;

    case VD_AGENT_CLIPBOARD_REQUEST:
      if (len < 4)
        return;
      memcpy (&value, data, 4);
      if (value == own_type && own_type != VD_AGENT_CLIPBOARD_NONE)
        {
          send_clipboard_message (VD_AGENT_CLIPBOARD, &value, 4, own_data.data, own_data.len);
        }
      else
        {
          /* Nothing of that type: an empty answer, as spice-vdagent gives. */
          value = VD_AGENT_CLIPBOARD_NONE;
          send_clipboard_message (VD_AGENT_CLIPBOARD, &value, 4, NULL, 0);
        }
      break;

    case VD_AGENT_CLIPBOARD_RELEASE:
      break;
    }
}

static void
handle_message (uint32_t                port,
                const VDAgentMessage   *message,
                const uint8_t          *data)
{
  if (message->protocol != VD_AGENT_PROTOCOL)
    {
      report ("HEARTH-AGENT-WARNING protocol %u\n", message->protocol);
      return;
    }

  if (port == VDP_SERVER_PORT)
    {
      if (message->type == VD_AGENT_MOUSE_STATE && message->size >= sizeof (VDAgentMouseState))
        {
          const VDAgentMouseState *state = (const VDAgentMouseState *) data;

          report ("HEARTH-AGENT-MOUSE %u %u %u\n", state->x, state->y, state->buttons);
        }
      else if (message->type == VD_AGENT_CLIENT_DISCONNECTED)
        {
          /* The next client announces itself again. */
          client_caps_known = 0;
          assemblers[VDP_CLIENT_PORT].bytes.len = 0;
        }
      return;
    }

  switch (message->type)
    {
    case VD_AGENT_ANNOUNCE_CAPABILITIES:
      {
        const VDAgentAnnounceCapabilities *caps = (const VDAgentAnnounceCapabilities *) data;
        size_t n;

        if (message->size < sizeof *caps)
          return;
        n = VD_AGENT_CAPS_SIZE_FROM_MSG_SIZE (message->size);
        memset (client_caps, 0, sizeof client_caps);
        memcpy (client_caps, caps->caps, (n < VD_AGENT_CAPS_SIZE ? n : VD_AGENT_CAPS_SIZE) * 4);
        client_caps_known = 1;
        if (caps->request)
          announce_capabilities (0);
        break;
      }

    case VD_AGENT_MONITORS_CONFIG:
      handle_monitors_config (data, message->size);
      break;

    case VD_AGENT_DISPLAY_CONFIG:
      send_reply (VD_AGENT_DISPLAY_CONFIG);
      break;

    case VD_AGENT_CLIPBOARD_GRAB:
    case VD_AGENT_CLIPBOARD:
    case VD_AGENT_CLIPBOARD_REQUEST:
    case VD_AGENT_CLIPBOARD_RELEASE:
      handle_clipboard_message (message->type, data, message->size);
      break;

    default:
      /* VD_AGENT_MAX_CLIPBOARD, VD_AGENT_AUDIO_VOLUME_SYNC and others: not
       * for the test guest. */
      break;
    }
}

/* Adds a chunk's bytes to its port's message and handles every message
 * completed (a chunk may end one message and start the next). */
static void
assemble (uint32_t       port,
          const uint8_t *data,
          size_t         len)
{
  Buffer *bytes = &assemblers[port].bytes;

  buffer_append (bytes, data, len);
  while (bytes->len >= sizeof (VDAgentMessage))
    {
      VDAgentMessage message;

      memcpy (&message, bytes->data, sizeof message);
      if (message.size > MAX_MESSAGE_SIZE)
        {
          report ("HEARTH-AGENT-WARNING message of %u bytes dropped\n", message.size);
          bytes->len = 0;
          return;
        }
      if (bytes->len < sizeof message + message.size)
        return;
      handle_message (port, &message, bytes->data + sizeof message);
      buffer_consume (bytes, sizeof message + message.size);
    }
}

/* Reads what the port has and handles every complete chunk; a chunk may
 * arrive in several reads. Returns -1 when the port is gone. */
static int
read_port (Buffer *stream)
{
  uint8_t buffer[16384];
  ssize_t n = read (port_fd, buffer, sizeof buffer);

  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return 0;
  if (n < 0)
    return -1;
  if (n == 0)
    {
      /* No host side (the SPICE server has not attached yet). */
      usleep (100 * 1000);
      return 0;
    }

  buffer_append (stream, buffer, n);
  while (stream->len >= sizeof (VDIChunkHeader))
    {
      VDIChunkHeader chunk;

      memcpy (&chunk, stream->data, sizeof chunk);
      if (chunk.port >= VDP_END_PORT || chunk.port == 0 || chunk.size > VD_AGENT_MAX_DATA_SIZE * 2)
        {
          report ("HEARTH-AGENT-WARNING bad chunk (port %u, %u bytes)\n", chunk.port, chunk.size);
          stream->len = 0;
          return 0;
        }
      if (stream->len < sizeof chunk + chunk.size)
        break;
      assemble (chunk.port, stream->data + sizeof chunk, chunk.size);
      buffer_consume (stream, sizeof chunk + chunk.size);
    }

  return 0;
}

/* ---- the FIFO ------------------------------------------------------------------ */

/* Copies in the guest: @data of @type becomes what the guest offers. */
static void
grab (uint32_t  type,
      Buffer   *data)
{
  free (own_data.data);
  own_data = *data;
  own_type = type;
  send_clipboard_message (VD_AGENT_CLIPBOARD_GRAB, &type, 4, NULL, 0);
}

static void
run_command (char *line)
{
  Buffer data = { 0 };

  if (strncmp (line, "grab-text ", 10) == 0)
    {
      buffer_append (&data, line + 10, strlen (line + 10));
      grab (VD_AGENT_CLIPBOARD_UTF8_TEXT, &data);
    }
  else if (strncmp (line, "grab-png ", 9) == 0)
    {
      int fd = open (line + 9, O_RDONLY | O_CLOEXEC);
      uint8_t buffer[16384];
      ssize_t n;

      if (fd < 0)
        {
          report ("HEARTH-AGENT-WARNING %s: %s\n", line + 9, strerror (errno));
          return;
        }
      while ((n = read (fd, buffer, sizeof buffer)) > 0)
        buffer_append (&data, buffer, n);
      close (fd);
      grab (VD_AGENT_CLIPBOARD_IMAGE_PNG, &data);
    }
  else
    {
      report ("HEARTH-AGENT-WARNING unknown command: %s\n", line);
    }
}

/* Runs every complete line the FIFO has. */
static void
read_fifo (int     fd,
           Buffer *lines)
{
  char buffer[4096];
  ssize_t n = read (fd, buffer, sizeof buffer);
  uint8_t *eol;

  if (n <= 0)
    return;

  buffer_append (lines, buffer, n);
  while ((eol = memchr (lines->data, '\n', lines->len)) != NULL)
    {
      size_t len = eol - lines->data;

      *eol = '\0';
      if (len > 0 && eol[-1] == '\r')
        eol[-1] = '\0';
      run_command ((char *) lines->data);
      buffer_consume (lines, len + 1);
    }
}

/* ---- setting up -------------------------------------------------------------- */

/* Finds /dev/vportNpM for the port named PORT_NAME (there is no udev to
 * make /dev/virtio-ports/ links). */
static int
open_port (void)
{
  DIR *dir = opendir ("/sys/class/virtio-ports");
  struct dirent *entry;
  int fd = -1;

  while (dir != NULL && fd < 0 && (entry = readdir (dir)) != NULL)
    {
      char path[512], name[256] = "";
      FILE *file;

      if (entry->d_name[0] == '.')
        continue;
      snprintf (path, sizeof path, "/sys/class/virtio-ports/%s/name", entry->d_name);
      file = fopen (path, "re");
      if (file == NULL)
        continue;
      if (fgets (name, sizeof name, file) != NULL)
        name[strcspn (name, "\n")] = '\0';
      fclose (file);
      if (strcmp (name, PORT_NAME) != 0)
        continue;
      snprintf (path, sizeof path, "/dev/%s", entry->d_name);
      fd = open (path, O_RDWR | O_CLOEXEC);
    }
  if (dir != NULL)
    closedir (dir);

  return fd;
}

int
main (void)
{
  Buffer stream = { 0 }, lines = { 0 };
  int fifo_fd;

  serial_fd = open (SERIAL_PATH, O_WRONLY | O_NOCTTY | O_CLOEXEC);

  /* The port appears once virtio_console has probed the device. */
  for (int i = 0; i < PORT_WAIT_SECONDS * 10 && port_fd < 0; i++)
    {
      port_fd = open_port ();
      if (port_fd < 0)
        usleep (100 * 1000);
    }
  if (port_fd < 0)
    {
      report ("HEARTH-AGENT-WARNING no virtio port named " PORT_NAME "\n");
      return 1;
    }

  announce_capabilities (1);
  report ("HEARTH-AGENT-READY\n");

  /* /init waits for the FIFO before it says the guest is ready, so the ready
   * marker above comes first. The FIFO is opened read-write, so it never
   * reports end-of-file between writers. */
  unlink (FIFO_PATH);
  if (mkfifo (FIFO_PATH, 0600) != 0
      || (fifo_fd = open (FIFO_PATH, O_RDWR | O_NONBLOCK | O_CLOEXEC)) < 0)
    {
      report ("HEARTH-AGENT-WARNING %s: %s\n", FIFO_PATH, strerror (errno));
      return 1;
    }

  for (;;)
    {
      struct pollfd fds[2] = {
        { .fd = port_fd, .events = POLLIN },
        { .fd = fifo_fd, .events = POLLIN },
      };

      if (poll (fds, 2, -1) < 0)
        {
          if (errno == EINTR)
            continue;
          report ("HEARTH-AGENT-WARNING poll: %s\n", strerror (errno));
          return 1;
        }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR))
        {
          if (read_port (&stream) < 0)
            {
              report ("HEARTH-AGENT-WARNING read from the port failed: %s\n", strerror (errno));
              return 1;
            }
        }
      if (fds[1].revents & POLLIN)
        read_fifo (fifo_fd, &lines);
    }
}
