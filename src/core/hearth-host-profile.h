/* hearth-host-profile.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthHostTier:
 * @HEARTH_HOST_TIER_LIGHT: below Basic; still works, with small machines
 * @HEARTH_HOST_TIER_BASIC: 4 cores / 8 threads and 16 GB: development and multimedia
 * @HEARTH_HOST_TIER_PRO: 8 cores / 16 threads and 32 GB: servers and 3D rendering
 * @HEARTH_HOST_TIER_ENTERPRISE: more than Pro (24 threads) and 64 GB
 *
 * Where a host sits on the tier matrix of DESIGN.md. The tier is the lower of the
 * CPU tier and the memory tier; storage and GPUs are reported but do not lower it.
 */
typedef enum
{
  HEARTH_HOST_TIER_LIGHT,
  HEARTH_HOST_TIER_BASIC,
  HEARTH_HOST_TIER_PRO,
  HEARTH_HOST_TIER_ENTERPRISE,
} HearthHostTier;

#define HEARTH_HOST_TIER_COUNT (HEARTH_HOST_TIER_ENTERPRISE + 1)

#define HEARTH_TYPE_HOST_PROFILE (hearth_host_profile_get_type ())
G_DECLARE_FINAL_TYPE (HearthHostProfile, hearth_host_profile, HEARTH, HOST_PROFILE, GObject)

HearthHostProfile *hearth_host_profile_new              (guint                threads,
                                                         guint                cores,
                                                         guint64              memory,
                                                         guint64              pool_free);
void               hearth_host_profile_set_gpus         (HearthHostProfile   *self,
                                                         const char * const  *gpus);
void               hearth_host_profile_set_avx512       (HearthHostProfile   *self,
                                                         gboolean             avx512);
void               hearth_host_profile_set_dmz_available (HearthHostProfile  *self,
                                                         gboolean             available);

guint              hearth_host_profile_get_threads      (HearthHostProfile   *self);
guint              hearth_host_profile_get_cores        (HearthHostProfile   *self);
guint64            hearth_host_profile_get_memory       (HearthHostProfile   *self);
guint64            hearth_host_profile_get_pool_free    (HearthHostProfile   *self);
const char * const *hearth_host_profile_get_gpus        (HearthHostProfile   *self);
gboolean           hearth_host_profile_get_avx512       (HearthHostProfile   *self);
gboolean           hearth_host_profile_get_dmz_available (HearthHostProfile  *self);
HearthHostTier     hearth_host_profile_get_tier         (HearthHostProfile   *self);
char              *hearth_host_profile_to_json          (HearthHostProfile   *self);

void               hearth_host_profile_probe_async      (HearthConnection    *connection,
                                                         GCancellable        *cancellable,
                                                         GAsyncReadyCallback  callback,
                                                         gpointer             user_data);
HearthHostProfile *hearth_host_profile_probe_finish     (GAsyncResult        *result,
                                                         GError             **error);

HearthHostTier     hearth_host_tier_classify            (guint                threads,
                                                         guint64              memory);
const char        *hearth_host_tier_to_string           (HearthHostTier       tier);

G_END_DECLS
