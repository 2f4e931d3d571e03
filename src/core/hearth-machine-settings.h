/* hearth-machine-settings.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-snapshot-tree.h"
#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthSettingFlags:
 * @HEARTH_SETTING_NONE: nothing
 * @HEARTH_SETTING_NAME: the libvirt name (virDomainRename, shut-off machines only)
 * @HEARTH_SETTING_TITLE: the title
 * @HEARTH_SETTING_DESCRIPTION: the description
 * @HEARTH_SETTING_AUTOSTART: start with the host
 * @HEARTH_SETTING_VCPUS: vCPUs (current and maximum)
 * @HEARTH_SETTING_MEMORY: memory (current and maximum)
 * @HEARTH_SETTING_CDROM: the media in a CD-ROM drive
 * @HEARTH_SETTING_LINK: the link state of a network interface
 * @HEARTH_SETTING_ADD_DISK: a new disk
 * @HEARTH_SETTING_REMOVE_DISK: a removed disk
 * @HEARTH_SETTING_SOUND: the sound card
 * @HEARTH_SETTING_BOOT: boot order and boot menu
 * @HEARTH_SETTING_VIDEO: the video model
 * @HEARTH_SETTING_XML: the whole domain XML ("Edit XML")
 * @HEARTH_SETTING_ATTACH_DISK: an existing image attached as a disk
 * @HEARTH_SETTING_RESIZE_DISK: a disk grown
 * @HEARTH_SETTING_OS: the operating system (libosinfo id in the metadata)
 * @HEARTH_SETTING_INTERFACE: a network interface's network (zone) or model
 * @HEARTH_SETTING_CPU_MODEL: the CPU model the guest sees
 * @HEARTH_SETTING_FIRMWARE: BIOS or UEFI
 * @HEARTH_SETTING_MAC: a network interface's MAC address
 * @HEARTH_SETTING_ACCEL3D: 3D acceleration
 *
 * The settings a #HearthMachineSettings can change, to say which changes are
 * pending, which took effect at once and which apply on the next start.
 */
typedef enum /*< flags >*/
{
  HEARTH_SETTING_NONE = 0,
  HEARTH_SETTING_NAME = 1 << 0,
  HEARTH_SETTING_TITLE = 1 << 1,
  HEARTH_SETTING_DESCRIPTION = 1 << 2,
  HEARTH_SETTING_AUTOSTART = 1 << 3,
  HEARTH_SETTING_VCPUS = 1 << 4,
  HEARTH_SETTING_MEMORY = 1 << 5,
  HEARTH_SETTING_CDROM = 1 << 6,
  HEARTH_SETTING_LINK = 1 << 7,
  HEARTH_SETTING_ADD_DISK = 1 << 8,
  HEARTH_SETTING_REMOVE_DISK = 1 << 9,
  HEARTH_SETTING_SOUND = 1 << 10,
  HEARTH_SETTING_BOOT = 1 << 11,
  HEARTH_SETTING_VIDEO = 1 << 12,
  HEARTH_SETTING_XML = 1 << 13,
  HEARTH_SETTING_ATTACH_DISK = 1 << 14,
  HEARTH_SETTING_RESIZE_DISK = 1 << 15,
  HEARTH_SETTING_OS = 1 << 16,
  HEARTH_SETTING_INTERFACE = 1 << 17,
  HEARTH_SETTING_CPU_MODEL = 1 << 18,
  HEARTH_SETTING_FIRMWARE = 1 << 19,
  HEARTH_SETTING_MAC = 1 << 20,
  HEARTH_SETTING_ACCEL3D = 1 << 21,
} HearthSettingFlags;

/**
 * HearthSettingBlock:
 * @HEARTH_SETTING_BLOCK_NONE: nothing stands in the way
 * @HEARTH_SETTING_BLOCK_RUNNING: the machine must be shut off
 * @HEARTH_SETTING_BLOCK_SNAPSHOTS: snapshots were made with the current firmware
 * @HEARTH_SETTING_BLOCK_NVRAM: UEFI variables from earlier starts hold the boot entries
 * @HEARTH_SETTING_BLOCK_NO_UEFI: the host has no UEFI firmware
 * @HEARTH_SETTING_BLOCK_OS_NEEDS_UEFI: the operating system does not start with BIOS
 * @HEARTH_SETTING_BLOCK_TCG: the machine is emulated (TCG), without KVM
 * @HEARTH_SETTING_BLOCK_NESTED: the host is itself a virtual machine
 * @HEARTH_SETTING_BLOCK_NOT_OFFERED: the hypervisor does not offer it
 * @HEARTH_SETTING_BLOCK_NO_RENDER_NODE: the host has no GPU render node
 * @HEARTH_SETTING_BLOCK_NO_GL_DISPLAY: QEMU cannot render GL off screen
 *
 * Why a CPU model, a firmware switch or 3D acceleration cannot be had, for a
 * window to say so in the user's language.
 */
typedef enum
{
  HEARTH_SETTING_BLOCK_NONE,
  HEARTH_SETTING_BLOCK_RUNNING,
  HEARTH_SETTING_BLOCK_SNAPSHOTS,
  HEARTH_SETTING_BLOCK_NVRAM,
  HEARTH_SETTING_BLOCK_NO_UEFI,
  HEARTH_SETTING_BLOCK_OS_NEEDS_UEFI,
  HEARTH_SETTING_BLOCK_TCG,
  HEARTH_SETTING_BLOCK_NESTED,
  HEARTH_SETTING_BLOCK_NOT_OFFERED,
  HEARTH_SETTING_BLOCK_NO_RENDER_NODE,
  HEARTH_SETTING_BLOCK_NO_GL_DISPLAY,
} HearthSettingBlock;

#define HEARTH_TYPE_MACHINE_SETTINGS (hearth_machine_settings_get_type ())
G_DECLARE_FINAL_TYPE (HearthMachineSettings, hearth_machine_settings, HEARTH, MACHINE_SETTINGS,
                      GObject)

void                   hearth_machine_settings_load_async  (HearthMachine        *machine,
                                                            GCancellable         *cancellable,
                                                            GAsyncReadyCallback   callback,
                                                            gpointer              user_data);
HearthMachineSettings *hearth_machine_settings_load_finish (HearthMachine        *machine,
                                                            GAsyncResult         *result,
                                                            GError              **error);

/* What the machine has, as last loaded (config values: what the next start uses). */
HearthMachine      *hearth_machine_settings_get_machine        (HearthMachineSettings *self);
gboolean            hearth_machine_settings_get_busy           (HearthMachineSettings *self);
gboolean            hearth_machine_settings_get_running        (HearthMachineSettings *self);
const char         *hearth_machine_settings_get_name           (HearthMachineSettings *self);
const char         *hearth_machine_settings_get_title          (HearthMachineSettings *self);
const char         *hearth_machine_settings_get_description    (HearthMachineSettings *self);
const char         *hearth_machine_settings_get_os_id          (HearthMachineSettings *self);
gboolean            hearth_machine_settings_get_autostart      (HearthMachineSettings *self);
guint               hearth_machine_settings_get_vcpus          (HearthMachineSettings *self);
guint               hearth_machine_settings_get_max_vcpus      (HearthMachineSettings *self);
guint               hearth_machine_settings_get_live_vcpus     (HearthMachineSettings *self);
guint64             hearth_machine_settings_get_memory         (HearthMachineSettings *self);
guint64             hearth_machine_settings_get_max_memory     (HearthMachineSettings *self);
guint64             hearth_machine_settings_get_live_memory    (HearthMachineSettings *self);
guint               hearth_machine_settings_get_host_threads   (HearthMachineSettings *self);
guint64             hearth_machine_settings_get_host_memory    (HearthMachineSettings *self);
GPtrArray          *hearth_machine_settings_get_disks          (HearthMachineSettings *self);
const char         *hearth_machine_settings_get_pool           (HearthMachineSettings *self);
guint64             hearth_machine_settings_get_pool_available (HearthMachineSettings *self);
GPtrArray          *hearth_machine_settings_get_interfaces     (HearthMachineSettings *self);
gboolean            hearth_machine_settings_get_sound          (HearthMachineSettings *self);
const char * const *hearth_machine_settings_get_boot_order     (HearthMachineSettings *self);
gboolean            hearth_machine_settings_get_boot_menu      (HearthMachineSettings *self);
const char         *hearth_machine_settings_get_video_model    (HearthMachineSettings *self);
const char         *hearth_machine_settings_get_xml            (HearthMachineSettings *self);
const char         *hearth_machine_settings_get_cpu_model      (HearthMachineSettings *self);
const char * const *hearth_machine_settings_get_cpu_models     (HearthMachineSettings *self);
gboolean            hearth_machine_settings_can_use_cpu_model  (HearthMachineSettings *self,
                                                                const char            *model,
                                                                HearthSettingBlock    *block,
                                                                GError               **error);
const char         *hearth_machine_settings_get_firmware       (HearthMachineSettings *self);
gboolean            hearth_machine_settings_can_change_firmware (HearthMachineSettings *self,
                                                                 HearthSettingBlock   *block,
                                                                 GError              **error);
gboolean            hearth_machine_settings_get_accel3d        (HearthMachineSettings *self);
gboolean            hearth_machine_settings_can_accel3d        (HearthMachineSettings *self,
                                                                HearthSettingBlock    *block,
                                                                GError               **error);

void                hearth_machine_settings_list_networks_async  (HearthMachineSettings *self,
                                                                  GCancellable          *cancellable,
                                                                  GAsyncReadyCallback    callback,
                                                                  gpointer               user_data);
GStrv               hearth_machine_settings_list_networks_finish (HearthMachineSettings *self,
                                                                  GAsyncResult          *result,
                                                                  GError               **error);

/* Pending changes: recorded here, checked by validate(), carried out by apply. */
HearthSettingFlags  hearth_machine_settings_get_pending        (HearthMachineSettings *self);
void                hearth_machine_settings_discard            (HearthMachineSettings *self);
void                hearth_machine_settings_set_name           (HearthMachineSettings *self,
                                                                const char            *name);
void                hearth_machine_settings_set_title          (HearthMachineSettings *self,
                                                                const char            *title);
void                hearth_machine_settings_set_description    (HearthMachineSettings *self,
                                                                const char            *description);
void                hearth_machine_settings_set_os_id          (HearthMachineSettings *self,
                                                                const char            *os_id);
void                hearth_machine_settings_set_autostart      (HearthMachineSettings *self,
                                                                gboolean               autostart);
void                hearth_machine_settings_set_vcpus          (HearthMachineSettings *self,
                                                                guint                  vcpus,
                                                                guint                  max_vcpus);
void                hearth_machine_settings_set_memory         (HearthMachineSettings *self,
                                                                guint64                memory,
                                                                guint64                max_memory);
void                hearth_machine_settings_set_cdrom          (HearthMachineSettings *self,
                                                                const char            *target,
                                                                const char            *path);
void                hearth_machine_settings_set_interface_link (HearthMachineSettings *self,
                                                                const char            *mac,
                                                                gboolean               up);
void                hearth_machine_settings_set_interface      (HearthMachineSettings *self,
                                                                const char            *mac,
                                                                const char            *network,
                                                                const char            *model);
void                hearth_machine_settings_add_disk           (HearthMachineSettings *self,
                                                                guint64                size);
void                hearth_machine_settings_attach_disk        (HearthMachineSettings *self,
                                                                const char            *path);
void                hearth_machine_settings_resize_disk        (HearthMachineSettings *self,
                                                                const char            *target,
                                                                guint64                size);
void                hearth_machine_settings_remove_disk        (HearthMachineSettings *self,
                                                                const char            *target,
                                                                gboolean               delete_image);
void                hearth_machine_settings_set_sound          (HearthMachineSettings *self,
                                                                gboolean               enabled);
void                hearth_machine_settings_set_boot_order     (HearthMachineSettings *self,
                                                                const char * const    *devices);
void                hearth_machine_settings_set_boot_menu      (HearthMachineSettings *self,
                                                                gboolean               enabled);
void                hearth_machine_settings_set_video_model    (HearthMachineSettings *self,
                                                                const char            *model);
void                hearth_machine_settings_set_xml            (HearthMachineSettings *self,
                                                                const char            *xml);
void                hearth_machine_settings_set_cpu_model      (HearthMachineSettings *self,
                                                                const char            *model);
void                hearth_machine_settings_set_firmware       (HearthMachineSettings *self,
                                                                const char            *firmware,
                                                                gboolean               os_needs_uefi);
void                hearth_machine_settings_set_interface_mac  (HearthMachineSettings *self,
                                                                const char            *mac,
                                                                const char            *new_mac);
void                hearth_machine_settings_set_accel3d        (HearthMachineSettings *self,
                                                                gboolean               enabled);

void                hearth_machine_settings_set_snapshot_first (HearthMachineSettings *self,
                                                                HearthSnapshotTree    *tree,
                                                                const char            *reason);

gboolean            hearth_machine_settings_validate           (HearthMachineSettings *self,
                                                                GError               **error);

void                hearth_machine_settings_apply_async        (HearthMachineSettings *self,
                                                                GCancellable          *cancellable,
                                                                GAsyncReadyCallback    callback,
                                                                gpointer               user_data);
gboolean            hearth_machine_settings_apply_finish       (HearthMachineSettings *self,
                                                                GAsyncResult          *result,
                                                                HearthSettingFlags    *applied_now,
                                                                HearthSettingFlags    *next_start,
                                                                GError               **error);

G_END_DECLS
