/* hearth-snapshot-ops.c  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The blocking libvirt side of snapshots and sandbox mode, for workers only:
 * nothing here touches a GObject.
 */

#define G_LOG_DOMAIN "hearth-snapshot"

#include "config.h"

#include <string.h>


#include "hearth-snapshot-private.h"

/**
 * _hearth_snapshot_list:
 *
 * Reads every snapshot of @domain, with which one is current and whether a
 * thumbnail exists for it.
 *
 * Returns: (transfer full) (element-type HearthSnapshotInfo): the snapshots
 */
GPtrArray *
_hearth_snapshot_list (virDomainPtr domain,
                       const char  *uuid,
                       GError     **error)
{
  g_autoptr(GPtrArray) infos = NULL;
  virDomainSnapshotPtr *snapshots = NULL;
  int n;

  if ((n = virDomainListAllSnapshots (domain, &snapshots, 0)) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not list the snapshots");
      return NULL;
    }

  infos = g_ptr_array_new_with_free_func ((GDestroyNotify) _hearth_snapshot_info_free);
  for (int i = 0; i < n; i++)
    {
      g_autoptr(GError) local_error = NULL;
      char *xml = virDomainSnapshotGetXMLDesc (snapshots[i], 0);
      HearthSnapshotInfo *info = NULL;

      /* A snapshot deleted between the listing and the read is simply gone. */
      if (xml == NULL)
        virResetLastError ();
      else if (!(info = _hearth_snapshot_info_parse (xml, &local_error)))
        g_debug ("Skipping a snapshot: %s", local_error->message);
      free (xml);

      if (info != NULL)
        {
          g_autofree char *thumbnail = _hearth_snapshot_thumbnail_path (uuid, info->name);

          info->current = virDomainSnapshotIsCurrent (snapshots[i], 0) == 1;
          if (g_file_test (thumbnail, G_FILE_TEST_IS_REGULAR))
            info->thumbnail_path = g_steal_pointer (&thumbnail);
          g_ptr_array_add (infos, info);
        }
      virDomainSnapshotFree (snapshots[i]);
    }
  free (snapshots);
  virResetLastError ();

  return g_steal_pointer (&infos);
}

/**
 * _hearth_sandbox_read:
 *
 * Returns: (transfer full) (nullable): the name of the snapshot @domain returns to
 *   when it powers off, from Hearth's domain metadata
 */
char *
_hearth_sandbox_read (virDomainPtr domain)
{
  char *name = _hearth_metadata_dup_attribute (domain, "sandbox", "snapshot");

  if (name != NULL && name[0] == '\0')
    g_clear_pointer (&name, g_free);
  return name;
}

/**
 * _hearth_sandbox_write:
 * @snapshot_name: (nullable): the snapshot, or %NULL to leave sandbox mode
 *
 * Records the sandbox choice in Hearth's element of the domain metadata, keeping
 * whatever else other parts of Hearth keep there (see _hearth_metadata_edit()).
 * Both the persistent and, for a running machine, the live definition change.
 */
gboolean
_hearth_sandbox_write (virDomainPtr domain,
                       const char  *snapshot_name,
                       GError     **error)
{
  const char *attributes[] = { "snapshot", snapshot_name, NULL };

  if (!_hearth_metadata_set_element (domain, "sandbox", snapshot_name ? attributes : NULL,
                                     error))
    {
      g_prefix_error (error, "Could not store the sandbox setting: ");
      return FALSE;
    }
  return TRUE;
}

/**
 * _hearth_snapshot_revert_sync:
 * @stay_off: leave the machine off afterwards: a snapshot with memory is restored
 *   paused and then saved (managed save), so the next start resumes from it
 *
 * Reverts @domain to the snapshot @name. A revert restores the domain definition
 * the snapshot recorded, which would drop a sandbox setting made after it, so
 * Hearth's sandbox metadata is carried over.
 */
gboolean
_hearth_snapshot_revert_sync (virDomainPtr domain,
                              const char  *name,
                              gboolean     stay_off,
                              GError     **error)
{
  g_autoptr(HearthVirDomainSnapshot) snapshot = NULL;
  g_autofree char *sandbox = NULL;
  g_autofree char *sandbox_after = NULL;
  g_autofree char *xml = NULL;
  g_autoptr(HearthSnapshotInfo) info = NULL;
  guint flags = 0;

  if (!(snapshot = virDomainSnapshotLookupByName (domain, name, 0)))
    {
      _hearth_error_take_libvirt (error, "Could not find the snapshot");
      return FALSE;
    }
  if ((xml = virDomainSnapshotGetXMLDesc (snapshot, 0)))
    info = _hearth_snapshot_info_parse (xml, NULL);
  virResetLastError ();

  sandbox = _hearth_sandbox_read (domain);

  if (stay_off && info != NULL && info->has_memory)
    flags |= VIR_DOMAIN_SNAPSHOT_REVERT_PAUSED;

  if (info != NULL && info->external)
    {
      if (!_hearth_snapshot_external_revert (domain, snapshot, xml, stay_off, error))
        return FALSE;
    }
  else if (virDomainRevertToSnapshot (snapshot, flags) < 0)
    {
      virErrorPtr verr = virGetLastError ();

      /* libvirt asks for force when it has to restart QEMU or cannot check the
       * ABI; going back is what the user asked for, so that is fine. */
      if (verr == NULL || verr->code != VIR_ERR_SNAPSHOT_REVERT_RISKY
          || virDomainRevertToSnapshot (snapshot, flags | VIR_DOMAIN_SNAPSHOT_REVERT_FORCE) < 0)
        {
          _hearth_error_take_libvirt (error, "Could not go back to the snapshot");
          return FALSE;
        }
    }

  /* Put the setting back before a save, so the save image's definition (the live
   * one of the next run) carries it too. */
  sandbox_after = _hearth_sandbox_read (domain);
  if (g_strcmp0 (sandbox, sandbox_after) != 0 && !_hearth_sandbox_write (domain, sandbox, error))
    return FALSE;

  /* A running snapshot restores running on the next start; a paused one paused. */
  if (stay_off && virDomainIsActive (domain) == 1
      && virDomainManagedSave (domain, info && info->state == HEARTH_SNAPSHOT_STATE_RUNNING
                                         ? VIR_DOMAIN_SAVE_RUNNING
                                         : VIR_DOMAIN_SAVE_PAUSED) < 0)
    {
      _hearth_error_take_libvirt (error, "Could not save the machine after going back");
      return FALSE;
    }

  return TRUE;
}
