/* hearth-types.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _HearthConnection        HearthConnection;
typedef struct _HearthMachine           HearthMachine;
typedef struct _HearthMachineCollection HearthMachineCollection;
typedef struct _HearthDeletion          HearthDeletion;
typedef struct _HearthStorageItem       HearthStorageItem;
typedef struct _HearthOsDatabase        HearthOsDatabase;

/**
 * HearthConnectionState:
 * @HEARTH_CONNECTION_STATE_DISCONNECTED: not opened yet, or closed on purpose
 * @HEARTH_CONNECTION_STATE_CONNECTING: an open is under way
 * @HEARTH_CONNECTION_STATE_CONNECTED: open; machines are listed and kept current
 * @HEARTH_CONNECTION_STATE_LOST: was open, the daemon went away; reconnecting with back-off
 * @HEARTH_CONNECTION_STATE_FAILED: the last open failed; see hearth_connection_get_error()
 */
typedef enum
{
  HEARTH_CONNECTION_STATE_DISCONNECTED,
  HEARTH_CONNECTION_STATE_CONNECTING,
  HEARTH_CONNECTION_STATE_CONNECTED,
  HEARTH_CONNECTION_STATE_LOST,
  HEARTH_CONNECTION_STATE_FAILED,
} HearthConnectionState;

/**
 * HearthMachineState:
 *
 * The state of a machine as a user thinks of it. %HEARTH_MACHINE_STATE_SAVED is a
 * shut-off machine with a managed save image: starting it resumes where it was.
 */
typedef enum
{
  HEARTH_MACHINE_STATE_UNKNOWN,
  HEARTH_MACHINE_STATE_SHUTOFF,
  HEARTH_MACHINE_STATE_RUNNING,
  HEARTH_MACHINE_STATE_PAUSED,
  HEARTH_MACHINE_STATE_SHUTTING_DOWN,
  HEARTH_MACHINE_STATE_CRASHED,
  HEARTH_MACHINE_STATE_SUSPENDED,
  HEARTH_MACHINE_STATE_SAVED,
} HearthMachineState;

/**
 * HearthStateReason:
 *
 * Why a machine is in its state, folded from libvirt's per-state reasons.
 */
typedef enum
{
  HEARTH_STATE_REASON_UNKNOWN,
  HEARTH_STATE_REASON_BOOTED,
  HEARTH_STATE_REASON_RESTORED,
  HEARTH_STATE_REASON_USER,
  HEARTH_STATE_REASON_GUEST_SHUTDOWN,
  HEARTH_STATE_REASON_DESTROYED,
  HEARTH_STATE_REASON_CRASHED,
  HEARTH_STATE_REASON_SAVED,
  HEARTH_STATE_REASON_FAILED,
  HEARTH_STATE_REASON_IO_ERROR,
  HEARTH_STATE_REASON_SNAPSHOT,
  HEARTH_STATE_REASON_MIGRATION,
  HEARTH_STATE_REASON_WAKEUP,
  HEARTH_STATE_REASON_STARTING_UP,
} HearthStateReason;

/**
 * HearthMachineAction:
 *
 * The lifecycle operations of a machine.
 */
typedef enum
{
  HEARTH_MACHINE_ACTION_START,
  HEARTH_MACHINE_ACTION_SHUTDOWN,
  HEARTH_MACHINE_ACTION_REBOOT,
  HEARTH_MACHINE_ACTION_FORCE_OFF,
  HEARTH_MACHINE_ACTION_PAUSE,
  HEARTH_MACHINE_ACTION_RESUME,
  HEARTH_MACHINE_ACTION_SAVE,
} HearthMachineAction;

/**
 * HearthDeleteFlags:
 * @HEARTH_DELETE_FLAGS_NONE: keep every disk image
 * @HEARTH_DELETE_FLAGS_STORAGE_VOLUMES: delete disk images that are volumes of a storage pool,
 *   through libvirt's storage API
 * @HEARTH_DELETE_FLAGS_OUTSIDE_FILES: also delete disk image files that belong to no pool
 */
typedef enum /*< flags >*/
{
  HEARTH_DELETE_FLAGS_NONE = 0,
  HEARTH_DELETE_FLAGS_STORAGE_VOLUMES = 1 << 0,
  HEARTH_DELETE_FLAGS_OUTSIDE_FILES = 1 << 1,
} HearthDeleteFlags;

G_END_DECLS
