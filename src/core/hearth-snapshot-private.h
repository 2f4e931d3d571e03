/* hearth-snapshot-private.h  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internals shared by hearth-snapshot.c, hearth-snapshot-tree.c,
 * hearth-snapshot-ops.c and hearth-sandbox.c.
 */
#pragma once

#include "hearth-core-private.h"
#include "hearth-metadata.h"
#include "hearth-sandbox.h"
#include "hearth-snapshot.h"
#include "hearth-snapshot-tree.h"

G_BEGIN_DECLS

#define HEARTH_ORIGIN_TRAILER "Hearth-Origin: "

typedef struct _virStream HearthVirStream;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthVirStream, virStreamFree)

/* One snapshot as a worker read it; applied to a HearthSnapshot on the main thread. */
typedef struct
{
  char                *name;
  char                *title;          /* first line of the libvirt description */
  char                *description;    /* the rest, without Hearth's trailer */
  char                *parent;
  gint64               creation_time;  /* seconds since the epoch */
  HearthSnapshotState  state;
  HearthSnapshotOrigin origin;
  gboolean             has_memory;
  gboolean             external;
  gboolean             current;
  char                *thumbnail_path; /* NULL when there is no thumbnail */
} HearthSnapshotInfo;

void                _hearth_snapshot_info_free     (HearthSnapshotInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthSnapshotInfo, _hearth_snapshot_info_free)
HearthSnapshotInfo *_hearth_snapshot_info_parse    (const char         *xml,
                                                    GError            **error);
char               *_hearth_snapshot_compose_description (const char          *title,
                                                          const char          *description,
                                                          HearthSnapshotOrigin origin);
void                _hearth_snapshot_split_description   (const char           *raw,
                                                          char                **title,
                                                          char                **description,
                                                          HearthSnapshotOrigin *origin);

HearthSnapshot     *_hearth_snapshot_new           (HearthSnapshotInfo *info);
void                _hearth_snapshot_update        (HearthSnapshot     *self,
                                                    HearthSnapshotInfo *info);
void                _hearth_snapshot_set_links     (HearthSnapshot     *self,
                                                    HearthSnapshot     *parent,
                                                    GPtrArray          *children,
                                                    guint               depth);

/* Thumbnails: $XDG_CACHE_HOME/hearth/thumbnails/<uuid>/<sha256 of name>.png */
char               *_hearth_snapshot_thumbnail_path (const char        *uuid,
                                                     const char        *name);
gboolean            _hearth_snapshot_take_thumbnail (virDomainPtr       domain,
                                                     const char        *path,
                                                     GError           **error);

/* hearth-snapshot-ops.c: blocking helpers for workers. */
GPtrArray          *_hearth_snapshot_list          (virDomainPtr       domain,
                                                    const char        *uuid,
                                                    GError           **error);
char               *_hearth_sandbox_read           (virDomainPtr       domain);
gboolean            _hearth_sandbox_write          (virDomainPtr       domain,
                                                    const char        *snapshot_name,
                                                    GError           **error);
gboolean            _hearth_snapshot_schedule_sync (virDomainPtr       domain,
                                                    const char        *uri,
                                                    const char        *uuid,
                                                    const char        *machine_name,
                                                    GTimeSpan          interval,
                                                    guint              keep_last,
                                                    gboolean          *changed,
                                                    GError           **error);
void                _hearth_sandbox_emit_snapshot_event (HearthSandbox *self,
                                                         const char    *uuid);
virConnectPtr       _hearth_snapshot_dup_virconn   (HearthConnection  *connection,
                                                    GError           **error);
gboolean            _hearth_snapshot_revert_sync   (virDomainPtr       domain,
                                                    const char        *name,
                                                    gboolean           stay_off,
                                                    GError           **error);

/* hearth-snapshot-external.c: UEFI machines (external snapshots with memory). */
gboolean            _hearth_snapshot_external_create (virDomainPtr          domain,
                                                      const char           *name,
                                                      const char           *description,
                                                      const char           *domain_xml,
                                                      GError              **error);
gboolean            _hearth_snapshot_external_revert (virDomainPtr          domain,
                                                      virDomainSnapshotPtr  snapshot,
                                                      const char           *snapshot_xml,
                                                      gboolean              stay_off,
                                                      GError              **error);
gboolean            _hearth_snapshot_external_delete (virDomainPtr          domain,
                                                      virDomainSnapshotPtr  snapshot,
                                                      gboolean              with_children,
                                                      GError              **error);

G_END_DECLS
