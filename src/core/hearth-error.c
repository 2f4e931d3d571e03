/* hearth-error.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-error"

#include "config.h"

#include <errno.h>
#include <string.h>

#include "hearth-core-private.h"
#include "hearth-error.h"

G_DEFINE_QUARK (hearth-error-quark, hearth_error)

static gboolean
message_has (const virError *verr,
             const char     *needle)
{
  return verr->message != NULL && strstr (verr->message, needle) != NULL;
}

/* Folds libvirt's many error codes into the few a user can act on. The mapping
 * looks at messages only where libvirt reports a system error without a code of
 * its own (socket and spawn failures). */
int
_hearth_error_code_for_libvirt (const virError *verr)
{
  if (verr == NULL)
    return HEARTH_ERROR_FAILED;

  switch (verr->code)
    {
    case VIR_ERR_NO_DOMAIN:
    case VIR_ERR_NO_DOMAIN_SNAPSHOT:
    case VIR_ERR_NO_STORAGE_VOL:
    case VIR_ERR_NO_STORAGE_POOL:
    case VIR_ERR_NO_NETWORK:
      return HEARTH_ERROR_NOT_FOUND;

    case VIR_ERR_NO_CONNECT:
      if (message_has (verr, "no connection driver available"))
        return HEARTH_ERROR_NOT_INSTALLED;
      return HEARTH_ERROR_DAEMON_NOT_RUNNING;

    case VIR_ERR_AUTH_FAILED:
    case VIR_ERR_AUTH_CANCELLED:
    case VIR_ERR_AUTH_UNAVAILABLE:
    case VIR_ERR_OPERATION_DENIED:
    case VIR_ERR_ACCESS_DENIED:
      return HEARTH_ERROR_PERMISSION_DENIED;

    case VIR_ERR_INVALID_CONN:
      return HEARTH_ERROR_CONNECTION_LOST;

    case VIR_ERR_NO_SUPPORT:
    case VIR_ERR_OPERATION_UNSUPPORTED:
    case VIR_ERR_ARGUMENT_UNSUPPORTED:
    case VIR_ERR_CONFIG_UNSUPPORTED:
      if (message_has (verr, "no connection driver available"))
        return HEARTH_ERROR_NOT_INSTALLED;
      return HEARTH_ERROR_UNSUPPORTED;

    case VIR_ERR_OPERATION_INVALID:
      return HEARTH_ERROR_INVALID_STATE;

    case VIR_ERR_DOM_EXIST:
      return HEARTH_ERROR_NAME_TAKEN;

    case VIR_ERR_XML_ERROR:
    case VIR_ERR_XML_DETAIL:
    case VIR_ERR_INVALID_ARG:
    case VIR_ERR_INVALID_DOMAIN:
      return HEARTH_ERROR_INVALID_ARGUMENT;

    case VIR_ERR_RPC:
    case VIR_ERR_SYSTEM_ERROR:
    case VIR_ERR_INTERNAL_ERROR:
    case VIR_ERR_OPERATION_FAILED:
    default:
      break;
    }

  if (message_has (verr, "already exists with uuid") || message_has (verr, "already exists"))
    return HEARTH_ERROR_NAME_TAKEN;
  if (message_has (verr, "client socket is closed") || message_has (verr, "End of file while reading")
      || message_has (verr, "Cannot write data: Broken pipe")
      || message_has (verr, "connection closed due to keepalive"))
    return HEARTH_ERROR_CONNECTION_LOST;
  if (message_has (verr, "Permission denied") || message_has (verr, "authentication")
      || message_has (verr, "not authorized") || message_has (verr, "Authorization"))
    return HEARTH_ERROR_PERMISSION_DENIED;
  if (message_has (verr, "Cannot find") && message_has (verr, "in path"))
    return HEARTH_ERROR_NOT_INSTALLED;
  if (message_has (verr, "Failed to connect socket") || message_has (verr, "Connection refused")
      || message_has (verr, "No such file or directory"))
    return HEARTH_ERROR_DAEMON_NOT_RUNNING;
  if (verr->domain == VIR_FROM_URI || message_has (verr, "Unable to parse URI")
      || message_has (verr, "no transport"))
    return HEARTH_ERROR_INVALID_URI;

  return HEARTH_ERROR_FAILED;
}

/* Converts libvirt's thread-local last error into a GError. Call it right after the
 * failing libvirt call, in the same thread. */
void
_hearth_error_take_libvirt (GError    **error,
                            const char *what)
{
  virErrorPtr verr = virGetLastError ();
  const char *message = verr && verr->message ? verr->message : "unknown libvirt error";

  g_set_error (error, HEARTH_ERROR, _hearth_error_code_for_libvirt (verr), "%s: %s", what,
               message);
  virResetLastError ();
}
