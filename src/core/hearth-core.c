/* hearth-core.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-core"

#include "config.h"

#include <locale.h>
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
 * SIGPIPE (a daemon that goes away must not take Hearth with it). When the locale's
 * character set is not UTF-8, it switches LC_CTYPE to C.UTF-8, which libvirt needs
 * to handle non-ASCII machine names.
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
      /* libvirt shortens machine names for QEMU with mbstowcs(). In a locale that
       * is not UTF-8 (LANG=C, say) that cuts Chinese or emoji names in the
       * middle of a character and QEMU refuses to start the machine. Hearth's
       * strings are UTF-8 everywhere, so the character type follows. */
      if (!g_get_charset (NULL) && setlocale (LC_CTYPE, "C.UTF-8") == NULL)
        g_debug ("Could not switch LC_CTYPE to C.UTF-8");

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

static gboolean
drain_timeout_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
drain_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * hearth_core_drain:
 * @timeout_ms: how long to wait at most
 *
 * Lets the background work of closed connections finish: their libvirt
 * connections are closed in workers, and libvirt releases event subscriptions
 * from its event loop some time later. A program that is about to exit (hearthctl,
 * a test) calls this after dropping its connections so nothing is cut off half-way.
 * Iterates the default main context; never call it from a GLib callback of a
 * running application.
 *
 * Returns: %TRUE when everything finished within @timeout_ms
 */
gboolean
hearth_core_drain (guint timeout_ms)
{
  gboolean timed_out = FALSE;
  guint timeout_id = g_timeout_add (timeout_ms, drain_timeout_cb, &timed_out);
  guint tick_id = g_timeout_add (10, drain_tick_cb, NULL);

  while (_hearth_connection_has_pending_work () && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  g_source_remove (tick_id);
  if (!timed_out)
    g_source_remove (timeout_id);
  return !_hearth_connection_has_pending_work ();
}
