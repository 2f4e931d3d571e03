/* hearth-preset.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-host-profile.h"
#include "hearth-machine-builder.h"
#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthPresetSizing:
 * @tier: the host tier the sizes come from
 * @vcpus: virtual CPUs
 * @memory: memory in bytes
 * @disk_size: disk in bytes
 * @firmware: BIOS or UEFI (never AUTO)
 * @secure_boot: UEFI Secure Boot
 * @tpm: an emulated TPM 2.0
 * @video: the display adapter (AUTO lets the builder pick from the OS)
 * @accel3d: 3D acceleration (only when the host has a GPU)
 * @network_zone: the network zone
 * @sandbox: discard changes at power-off
 * @raised_for_os: a size was raised to what the OS needs
 * @below_recommended: the host cannot give the OS's recommended resources; the
 *   sizes meet its minimum only
 * @capped_by_host: a size was lowered to what the host can give
 *
 * What a purpose gives on a host for an OS.
 */
typedef struct
{
  HearthHostTier    tier;
  guint             vcpus;
  guint64           memory;
  guint64           disk_size;
  HearthFirmware    firmware;
  gboolean          secure_boot;
  gboolean          tpm;
  HearthVideoModel  video;
  gboolean          accel3d;
  HearthNetworkZone network_zone;
  gboolean          sandbox;
  gboolean          raised_for_os;
  gboolean          below_recommended;
  gboolean          capped_by_host;
} HearthPresetSizing;

#define HEARTH_TYPE_PRESET (hearth_preset_get_type ())
G_DECLARE_FINAL_TYPE (HearthPreset, hearth_preset, HEARTH, PRESET, GObject)

GListModel         *hearth_preset_list_default      (void);
HearthPreset       *hearth_preset_lookup            (const char          *id);
HearthPreset       *hearth_preset_new_from_data     (const char          *id,
                                                     const char          *data,
                                                     GError             **error);

const char         *hearth_preset_get_id            (HearthPreset        *self);
const char         *hearth_preset_get_name          (HearthPreset        *self);
const char         *hearth_preset_get_description   (HearthPreset        *self);
const char         *hearth_preset_get_icon_name     (HearthPreset        *self);
const char         *hearth_preset_get_os_family     (HearthPreset        *self);
const char * const *hearth_preset_get_suggested_os  (HearthPreset        *self);
guint               hearth_preset_get_vcpus         (HearthPreset        *self,
                                                     HearthHostTier       tier);
guint64             hearth_preset_get_memory        (HearthPreset        *self,
                                                     HearthHostTier       tier);
guint64             hearth_preset_get_disk_size     (HearthPreset        *self,
                                                     HearthHostTier       tier);
guint               hearth_preset_get_min_vcpus     (HearthPreset        *self);
guint64             hearth_preset_get_min_memory    (HearthPreset        *self);

gboolean            hearth_preset_size_for          (HearthPreset        *self,
                                                     HearthHostProfile   *host,
                                                     const char          *os_id,
                                                     HearthPresetSizing  *sizing,
                                                     GError             **error);
void                hearth_preset_sizing_apply      (const HearthPresetSizing *sizing,
                                                     HearthMachineSpec        *spec);

G_END_DECLS
