/* hearth-error.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define HEARTH_ERROR (hearth_error_quark ())

/**
 * HearthError:
 * @HEARTH_ERROR_FAILED: anything not covered below; the message says what libvirt said
 * @HEARTH_ERROR_NOT_FOUND: the machine (or other object) does not exist (any more)
 * @HEARTH_ERROR_ALREADY_RUNNING: the machine is already running
 * @HEARTH_ERROR_NOT_RUNNING: the operation needs a running machine
 * @HEARTH_ERROR_CONNECTION_LOST: the daemon went away during the operation
 * @HEARTH_ERROR_NOT_INSTALLED: the libvirt driver for this URI is not installed
 * @HEARTH_ERROR_DAEMON_NOT_RUNNING: no daemon answers at the URI's socket
 * @HEARTH_ERROR_PERMISSION_DENIED: the user may not use this connection or file
 * @HEARTH_ERROR_INVALID_URI: the connection URI is malformed
 * @HEARTH_ERROR_INVALID_ARGUMENT: a value given to Hearth is not acceptable
 * @HEARTH_ERROR_NAME_TAKEN: another machine already has this name
 * @HEARTH_ERROR_UNSUPPORTED: the hypervisor cannot do this (for this machine)
 * @HEARTH_ERROR_INVALID_STATE: the machine is not in a state that allows the operation
 * @HEARTH_ERROR_BUSY: another operation on the machine is under way
 */
typedef enum
{
  HEARTH_ERROR_FAILED,
  HEARTH_ERROR_NOT_FOUND,
  HEARTH_ERROR_ALREADY_RUNNING,
  HEARTH_ERROR_NOT_RUNNING,
  HEARTH_ERROR_CONNECTION_LOST,
  HEARTH_ERROR_NOT_INSTALLED,
  HEARTH_ERROR_DAEMON_NOT_RUNNING,
  HEARTH_ERROR_PERMISSION_DENIED,
  HEARTH_ERROR_INVALID_URI,
  HEARTH_ERROR_INVALID_ARGUMENT,
  HEARTH_ERROR_NAME_TAKEN,
  HEARTH_ERROR_UNSUPPORTED,
  HEARTH_ERROR_INVALID_STATE,
  HEARTH_ERROR_BUSY,
} HearthError;

GQuark hearth_error_quark (void);

G_END_DECLS
