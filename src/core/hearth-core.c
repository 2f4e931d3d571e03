/* hearth-core.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-core"

#include "config.h"

#include <signal.h>

#include <libvirt-glib/libvirt-glib.h>

#include "hearth-core-private.h"

static void
ignore_libvirt_error_cb (void       *user_data,
                         virErrorPtr error)
{
  /* libvirt prints every error on stderr by default. Hearth turns each one into a
   * GError at the call site, so the default printing is only noise. */
  g_debug ("libvirt: %s", error && error->message ? error->message : "(null)");
}

/**
 * hearth_core_init:
 *
 * Prepares libvirt for use by Hearth: initializes the library, integrates its event
 * loop with GLib's default main context (so domain events and keepalives are
 * dispatched on the main thread), silences its default error printing and ignores
 * SIGPIPE (a daemon that goes away must not take Hearth with it).
 *
 * Call it once, on the main thread, before creating any #HearthConnection. Further
 * calls do nothing.
 */
void
hearth_core_init (void)
{
  static gsize initialized = 0;

  if (g_once_init_enter (&initialized))
    {
      /* A write to the socket of a daemon that just died must fail with EPIPE,
       * which libvirt turns into a lost connection, rather than kill Hearth. */
      signal (SIGPIPE, SIG_IGN);

      if (virInitialize () < 0)
        g_warning ("Could not initialize libvirt");
      virSetErrorFunc (NULL, ignore_libvirt_error_cb);
      gvir_event_register ();
      g_once_init_leave (&initialized, 1);
    }
}
