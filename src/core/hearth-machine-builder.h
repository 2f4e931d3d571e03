/* hearth-machine-builder.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthFirmware:
 * @HEARTH_FIRMWARE_AUTO: UEFI when the OS needs it, else BIOS
 * @HEARTH_FIRMWARE_BIOS: SeaBIOS
 * @HEARTH_FIRMWARE_UEFI: OVMF
 */
typedef enum
{
  HEARTH_FIRMWARE_AUTO,
  HEARTH_FIRMWARE_BIOS,
  HEARTH_FIRMWARE_UEFI,
} HearthFirmware;

/**
 * HearthNetworkZone:
 * @HEARTH_NETWORK_ZONE_ISOLATED: no network card at all: nothing gets in or out
 * @HEARTH_NETWORK_ZONE_HOME_NAT: NAT behind the host (libvirt's "default" network
 *   when the connection has one, user-mode networking elsewhere)
 * @HEARTH_NETWORK_ZONE_DMZ: Hearth's own NAT network "hearth-dmz" with a traffic
 *   filter: the internet, but neither the home network nor the host. Needs a
 *   connection with libvirt's network filters (qemu:///system).
 */
typedef enum
{
  HEARTH_NETWORK_ZONE_ISOLATED,
  HEARTH_NETWORK_ZONE_HOME_NAT,
  HEARTH_NETWORK_ZONE_DMZ,
} HearthNetworkZone;

/**
 * HearthVideoModel:
 * @HEARTH_VIDEO_AUTO: virtio-gpu when the OS supports it, else QXL
 * @HEARTH_VIDEO_QXL: QXL
 * @HEARTH_VIDEO_VIRTIO: virtio-gpu
 * @HEARTH_VIDEO_NONE: headless (no display adapter besides a serial console)
 */
typedef enum
{
  HEARTH_VIDEO_AUTO,
  HEARTH_VIDEO_QXL,
  HEARTH_VIDEO_VIRTIO,
  HEARTH_VIDEO_NONE,
} HearthVideoModel;

/**
 * HearthDiskSource:
 * @HEARTH_DISK_SOURCE_BLANK: a new, empty disk
 * @HEARTH_DISK_SOURCE_IMPORT_COPY: a copy of an existing image
 * @HEARTH_DISK_SOURCE_IMPORT_IN_PLACE: the existing image itself
 */
typedef enum
{
  HEARTH_DISK_SOURCE_BLANK,
  HEARTH_DISK_SOURCE_IMPORT_COPY,
  HEARTH_DISK_SOURCE_IMPORT_IN_PLACE,
} HearthDiskSource;

/**
 * HearthMachineSpec:
 * @name: the machine's name, any Unicode (it becomes the title; the libvirt name and
 *   file names are derived from it)
 * @os_id: (nullable): libosinfo OS id ("http://microsoft.com/win/11") or short id
 *   ("win11"), %NULL for an unknown OS
 * @preset_id: (nullable): the purpose it was made for, kept in the metadata
 * @vcpus: virtual CPUs
 * @memory: memory in bytes
 * @disk_size: disk capacity in bytes (blank disks)
 * @disk_source: where the disk comes from
 * @import_path: (nullable): the image to import
 * @iso_path: (nullable): an installer or live ISO for the CD-ROM (an empty CD-ROM
 *   drive is added when %NULL and no disk is imported)
 * @firmware: BIOS or UEFI
 * @secure_boot: UEFI with Secure Boot (enrolled keys)
 * @tpm: an emulated TPM 2.0 (swtpm)
 * @video: the display adapter
 * @accel3d: 3D acceleration (virtio-gpu with virgl), used only if the host can
 * @network_zone: the network zone
 * @sandbox: discard changes at power-off (kept in the metadata for the snapshot code)
 * @force_tcg: software emulation even when KVM is offered (HEARTH_FORCE_TCG=1 in the
 *   environment does the same)
 *
 * What to create. Fill in with hearth_machine_spec_new() and hearth_preset_apply().
 */
typedef struct
{
  char             *name;
  char             *os_id;
  char             *preset_id;
  guint             vcpus;
  guint64           memory;
  guint64           disk_size;
  HearthDiskSource  disk_source;
  char             *import_path;
  char             *iso_path;
  HearthFirmware    firmware;
  gboolean          secure_boot;
  gboolean          tpm;
  HearthVideoModel  video;
  gboolean          accel3d;
  HearthNetworkZone network_zone;
  gboolean          sandbox;
  gboolean          force_tcg;
} HearthMachineSpec;

#define HEARTH_TYPE_MACHINE_SPEC (hearth_machine_spec_get_type ())
GType              hearth_machine_spec_get_type (void) G_GNUC_CONST;
HearthMachineSpec *hearth_machine_spec_new      (const char              *name);
HearthMachineSpec *hearth_machine_spec_copy     (const HearthMachineSpec *spec);
void               hearth_machine_spec_free     (HearthMachineSpec       *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthMachineSpec, hearth_machine_spec_free)

char              *hearth_machine_spec_dup_file_name (const char *name);

/**
 * HearthBuildTarget:
 * @domain_type: "kvm", "qemu" or "test"
 * @arch: the guest architecture ("x86_64")
 * @machine: (nullable): the machine type ("q35"), %NULL to let libvirt choose
 * @disk_path: (nullable): the disk image
 * @disk_format: (nullable): its format ("qcow2", "raw")
 * @network: (nullable): the libvirt network the network card joins, %NULL for
 *   user-mode networking (home NAT only)
 * @network_filter: (nullable): the libvirt traffic filter on the card (the DMZ
 *   needs one)
 * @network_gateway: (nullable): the network's IPv4 address, given to the filter
 * @host_3d: whether the host can render 3D for the guest (a DRM render node)
 *
 * What the connection offers, for building domain XML without a connection.
 */
typedef struct
{
  const char *domain_type;
  const char *arch;
  const char *machine;
  const char *disk_path;
  const char *disk_format;
  const char *network;
  const char *network_filter;
  const char *network_gateway;
  gboolean    host_3d;
} HearthBuildTarget;

char          *hearth_machine_builder_build_xml     (const HearthMachineSpec *spec,
                                                     const HearthBuildTarget *target,
                                                     GError                 **error);

void           hearth_machine_builder_create_async  (HearthConnection        *connection,
                                                     const HearthMachineSpec *spec,
                                                     GCancellable            *cancellable,
                                                     GAsyncReadyCallback      callback,
                                                     gpointer                 user_data);
HearthMachine *hearth_machine_builder_create_finish (HearthConnection        *connection,
                                                     GAsyncResult            *result,
                                                     GError                 **error);

G_END_DECLS
