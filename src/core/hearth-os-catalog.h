/* hearth-os-catalog.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthOsEntry:
 * @id: the libosinfo id ("http://ubuntu.com/ubuntu/22.04")
 * @short_id: the short id ("ubuntu22.04")
 * @name: the full name ("Ubuntu 22.04 LTS")
 * @vendor: (nullable): the vendor
 * @family: (nullable): "linux", "winnt", …
 * @version: (nullable): the version
 * @release_date: (nullable): ISO 8601 date, or %NULL
 * @logo: (nullable): a logo URL from osinfo-db, if it has one. It is remote (and
 *   the distributions' logos are trademarks), so Hearth shows the generic icon of
 *   the OS family instead: hearth_os_family_get_icon_name().
 * @eol: whether the release reached its end of life
 *
 * One OS of the catalogue.
 */
typedef struct
{
  char    *id;
  char    *short_id;
  char    *name;
  char    *vendor;
  char    *family;
  char    *version;
  char    *release_date;
  char    *logo;
  gboolean eol;
} HearthOsEntry;

/**
 * HearthOsFamily:
 * @HEARTH_OS_FAMILY_OTHER: anything else, or not known
 * @HEARTH_OS_FAMILY_LINUX: Linux (and GNU Hurd)
 * @HEARTH_OS_FAMILY_WINDOWS: Windows and MS-DOS
 * @HEARTH_OS_FAMILY_BSD: the BSDs and other Unix systems (Solaris)
 *
 * The families the catalogue tells apart, each with a generic icon.
 */
typedef enum
{
  HEARTH_OS_FAMILY_OTHER,
  HEARTH_OS_FAMILY_LINUX,
  HEARTH_OS_FAMILY_WINDOWS,
  HEARTH_OS_FAMILY_BSD,
} HearthOsFamily;

HearthOsFamily  hearth_os_family_from_osinfo   (const char     *family);
const char     *hearth_os_family_get_icon_name (HearthOsFamily  family);

/**
 * HearthOsRequirements:
 * @known: whether libosinfo knows the OS (all else is a safe default otherwise)
 * @min_vcpus: minimum vCPUs (0 unknown)
 * @min_memory: minimum memory in bytes (0 unknown)
 * @min_storage: minimum disk in bytes (0 unknown)
 * @rec_vcpus: recommended vCPUs (0 unknown)
 * @rec_memory: recommended memory in bytes (0 unknown)
 * @rec_storage: recommended disk in bytes (0 unknown)
 * @needs_uefi: BIOS is not supported
 * @needs_secure_boot: the OS requires Secure Boot (Windows 11)
 * @needs_tpm: the OS requires a TPM 2.0 (Windows 11)
 * @virtio_block: virtio disks work out of the box
 * @virtio_net: virtio networking works out of the box
 * @virtio_gpu: virtio-gpu works out of the box
 * @qxl: QXL works out of the box
 * @usb3: a qemu-xhci controller works
 * @sound_model: (nullable): "ich9", "ich6" or "ac97", the best supported model
 *
 * What an OS needs and supports, from libosinfo, in plain fields so a worker can
 * use it without touching libosinfo.
 */
typedef struct
{
  gboolean known;
  guint    min_vcpus;
  guint64  min_memory;
  guint64  min_storage;
  guint    rec_vcpus;
  guint64  rec_memory;
  guint64  rec_storage;
  gboolean needs_uefi;
  gboolean needs_secure_boot;
  gboolean needs_tpm;
  gboolean virtio_block;
  gboolean virtio_net;
  gboolean virtio_gpu;
  gboolean qxl;
  gboolean usb3;
  const char *sound_model;
} HearthOsRequirements;

/**
 * HearthMediaInfo:
 * @path: the file examined
 * @volume_id: (nullable): the ISO volume id
 * @os_id: (nullable): the libosinfo id of the OS on the medium, %NULL if unknown
 * @os_name: (nullable): its name
 * @media_id: (nullable): the libosinfo media entry that matched
 * @arch: (nullable): the architecture ("x86_64", …)
 * @live: whether the medium boots a live system
 * @installer: whether the medium installs the OS
 *
 * What media detection found in an ISO image.
 */
typedef struct
{
  char    *path;
  char    *volume_id;
  char    *os_id;
  char    *os_name;
  char    *media_id;
  char    *arch;
  gboolean live;
  gboolean installer;
} HearthMediaInfo;

#define HEARTH_TYPE_OS_ENTRY (hearth_os_entry_get_type ())
GType          hearth_os_entry_get_type   (void) G_GNUC_CONST;
HearthOsEntry *hearth_os_entry_copy       (const HearthOsEntry *entry);
void           hearth_os_entry_free       (HearthOsEntry       *entry);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthOsEntry, hearth_os_entry_free)

#define HEARTH_TYPE_MEDIA_INFO (hearth_media_info_get_type ())
GType            hearth_media_info_get_type (void) G_GNUC_CONST;
HearthMediaInfo *hearth_media_info_copy     (const HearthMediaInfo *info);
void             hearth_media_info_free     (HearthMediaInfo       *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthMediaInfo, hearth_media_info_free)

GPtrArray       *hearth_os_catalog_search             (HearthOsDatabase     *db,
                                                       const char           *query,
                                                       guint                 max_results);
HearthOsEntry   *hearth_os_catalog_lookup             (HearthOsDatabase     *db,
                                                       const char           *id_or_short_id);
gboolean         hearth_os_catalog_get_requirements   (HearthOsDatabase     *db,
                                                       const char           *os_id,
                                                       HearthOsRequirements *req);

void             hearth_os_catalog_detect_media_async  (HearthOsDatabase     *db,
                                                        const char           *path,
                                                        GCancellable         *cancellable,
                                                        GAsyncReadyCallback   callback,
                                                        gpointer              user_data);
HearthMediaInfo *hearth_os_catalog_detect_media_finish (HearthOsDatabase     *db,
                                                        GAsyncResult         *result,
                                                        GError              **error);

G_END_DECLS
