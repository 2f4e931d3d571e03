/* hearth-wizard-private.h  SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Internals of machine creation (storage, OS requirements, XML building) shared by
 * hearth-storage.c, hearth-host-profile.c, hearth-os-catalog.c,
 * hearth-network-zone.c and hearth-machine-builder.c. libvirt and libosinfo types
 * may appear here.
 */
#pragma once

#include <libxml/tree.h>
#include <osinfo/osinfo.h>

#include "hearth-core-private.h"
#include "hearth-machine-builder.h"
#include "hearth-os-catalog.h"

G_BEGIN_DECLS

typedef struct _virStoragePool HearthVirStoragePool;
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthVirStoragePool, virStoragePoolFree)

/* Where new disk images go: a storage pool, or (for connections without a
 * storage driver, such as qemu:///embed) a local directory. */
typedef struct
{
  virStoragePoolPtr pool;       /* owned, or NULL */
  char             *pool_name;
  char             *directory;  /* the pool's target path, or the fallback directory */
  guint64           available;  /* bytes free, 0 when unknown */
  gboolean          created;    /* Hearth defined the pool just now */
} HearthStorageTarget;

gboolean  _hearth_storage_target_find   (virConnectPtr         conn,
                                         const char           *uri,
                                         gboolean              create,
                                         HearthStorageTarget  *target,
                                         GError              **error);
void      _hearth_storage_target_clear  (HearthStorageTarget  *target);
char     *_hearth_storage_create_disk   (HearthStorageTarget  *target,
                                         const char           *basename,
                                         guint64               capacity,
                                         const char           *copy_from,
                                         GCancellable         *cancellable,
                                         GError              **error);
gboolean  _hearth_storage_delete_disk   (virConnectPtr         conn,
                                         const char           *path,
                                         GError              **error);
char     *_hearth_storage_dup_dir_for_uri (const char         *uri);
gboolean  _hearth_storage_probe_image   (const char           *path,
                                         char                **format,
                                         guint64              *virtual_size,
                                         GCancellable         *cancellable,
                                         GError              **error);

/* hearth-network-zone.c: the networks and filter behind the network zones. */
#define HEARTH_DMZ_NAME "hearth-dmz"

typedef struct
{
  char     *network;          /* the libvirt network the card joins, NULL for user mode */
  char     *filter;           /* the traffic filter on the card, or NULL */
  char     *gateway;          /* the network's IPv4 address, for the filter */
  gboolean  created_network;  /* made just now */
  gboolean  created_filter;   /* made just now */
} HearthZoneTarget;

gboolean  _hearth_network_zone_available (virConnectPtr         conn,
                                          HearthNetworkZone     zone);
gboolean  _hearth_network_zone_prepare   (virConnectPtr         conn,
                                          HearthNetworkZone     zone,
                                          HearthZoneTarget     *target,
                                          GError              **error);
void      _hearth_zone_target_clear      (HearthZoneTarget     *target);
char     *_hearth_network_zone_build_network_xml (const char   *name,
                                                  const char   *gateway);
char     *_hearth_network_zone_build_filter_xml  (void);

/* hearth-os-catalog.c: what an OS needs, read on the main thread. */
void      _hearth_os_requirements_fill  (HearthOsRequirements *req,
                                         OsinfoOs             *os);

/* libxml2 helpers (hearth-storage.c): serialise a document without the XML
 * declaration, add a child (with text), set an attribute, read an XPath string. */
char       *_hearth_xml_doc_to_string   (gpointer              doc);
xmlNodePtr  _hearth_xml_add             (xmlNodePtr            parent,
                                         const char           *name,
                                         const char           *text);
xmlNodePtr  _hearth_xml_set             (xmlNodePtr            node,
                                         const char           *attr,
                                         const char           *value);
char       *_hearth_xml_xpath_string    (const char           *xml,
                                         const char           *expression);

G_END_DECLS
