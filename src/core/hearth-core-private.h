/* hearth-core-private.h  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internals shared by the files of src/core. libvirt types appear here and in the
 * .c files of this directory only; they never reach the public headers.
 */
#pragma once

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hearth-core.h"

G_BEGIN_DECLS

static inline void
hearth_vir_connect_unref (virConnectPtr conn)
{
  if (conn != NULL)
    virConnectClose (conn);
}

typedef struct _virConnect       HearthVirConnect;
typedef struct _virDomain        HearthVirDomain;
typedef struct _virDomainSnapshot HearthVirDomainSnapshot;
typedef struct _virStorageVol    HearthVirStorageVol;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthVirConnect, hearth_vir_connect_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthVirDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthVirDomainSnapshot, virDomainSnapshotFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthVirStorageVol, virStorageVolFree)

/* hearth-error.c */
void      _hearth_error_take_libvirt  (GError    **error,
                                       const char *what);
int       _hearth_error_code_for_libvirt (const virError *verr);

/* hearth-domain-info.c: a plain snapshot of a domain, made in a worker thread and
 * applied to a HearthMachine on the main thread. */
typedef struct
{
  char   *uuid;
  char   *name;
  char   *title;
  char   *description;
  char   *os_id;
  int     state;          /* virDomainState */
  int     reason;         /* per-state reason */
  guint   vcpus;
  guint64 memory_kib;
  gboolean persistent;
  gboolean autostart;
  gboolean has_managed_save;
} HearthDomainInfo;

HearthDomainInfo  *_hearth_domain_info_fetch     (virDomainPtr        domain,
                                                  GError            **error);
gboolean           _hearth_domain_info_parse_xml (HearthDomainInfo   *info,
                                                  const char         *xml,
                                                  GError            **error);
void               _hearth_domain_info_free      (HearthDomainInfo   *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthDomainInfo, _hearth_domain_info_free)
HearthMachineState _hearth_machine_state_from_libvirt  (int      state,
                                                        gboolean has_managed_save);
HearthStateReason  _hearth_state_reason_from_libvirt   (int      state,
                                                        int      reason);
GPtrArray         *_hearth_domain_disks_parse    (const char         *xml,
                                                  GError            **error);

/* hearth-connection.c */
gboolean        _hearth_connection_has_pending_work (void);
virConnectPtr   _hearth_connection_dup_virconn (HearthConnection *self,
                                                GError          **error);
HearthMachine  *_hearth_connection_apply_info  (HearthConnection *self,
                                                HearthDomainInfo *info);
void            _hearth_connection_remove_uuid (HearthConnection *self,
                                                const char       *uuid);

/* hearth-machine.c */
HearthMachine  *_hearth_machine_new            (HearthConnection *connection,
                                                HearthDomainInfo *info);
void            _hearth_machine_update         (HearthMachine    *self,
                                                HearthDomainInfo *info);
void            _hearth_machine_set_event_state (HearthMachine   *self,
                                                 int              event,
                                                 int              detail);
void            _hearth_machine_emit_rebooted  (HearthMachine    *self);

/* hearth-deletion.c */
HearthDeletion *_hearth_deletion_new           (const char       *name,
                                                const char       *uuid,
                                                const char       *xml,
                                                GStrv             snapshot_xmls,
                                                GPtrArray        *storage,
                                                HearthDeleteFlags flags,
                                                gboolean          can_undo);
void            _hearth_deletion_set_connection (HearthDeletion  *self,
                                                 HearthConnection *connection);

/* hearth-os-database.c: the loaded OsinfoDb (borrowed; NULL before the load),
 * declared through its struct so this header needs no libosinfo include. */
struct _OsinfoDb *_hearth_os_database_get_db   (HearthOsDatabase *self);

/* hearth-audit.c */
char *_hearth_uri_strip_credentials (const char *uri);

/* A worker-side stopwatch for the audit log. */
static inline gint64
hearth_now_usec (void)
{
  return g_get_monotonic_time ();
}

G_END_DECLS
