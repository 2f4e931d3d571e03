/* hearth-idle-policy.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-stats-sampler.h"
#include "hearth-types.h"

G_BEGIN_DECLS

/* Hearth's own namespace in domain metadata, where the opt-in is kept. */
#define HEARTH_IDLE_POLICY_NS "https://hearthvm.org/xmlns/hearth/1"

#define HEARTH_IDLE_POLICY_DEFAULT_THRESHOLD 5.0
#define HEARTH_IDLE_POLICY_DEFAULT_IDLE_TIME (15 * 60)

#define HEARTH_TYPE_IDLE_POLICY (hearth_idle_policy_get_type ())
G_DECLARE_FINAL_TYPE (HearthIdlePolicy, hearth_idle_policy, HEARTH, IDLE_POLICY, GObject)

HearthIdlePolicy *hearth_idle_policy_new                  (HearthStatsSampler  *sampler);
HearthStatsSampler *hearth_idle_policy_get_sampler        (HearthIdlePolicy    *self);
double            hearth_idle_policy_get_threshold        (HearthIdlePolicy    *self);
void              hearth_idle_policy_set_threshold        (HearthIdlePolicy    *self,
                                                           double               percent);
guint             hearth_idle_policy_get_idle_time        (HearthIdlePolicy    *self);
void              hearth_idle_policy_set_idle_time        (HearthIdlePolicy    *self,
                                                           guint                seconds);
gboolean          hearth_idle_policy_get_ready            (HearthIdlePolicy    *self);

gboolean          hearth_idle_policy_get_machine_enabled  (HearthIdlePolicy    *self,
                                                           HearthMachine       *machine);
void              hearth_idle_policy_set_machine_enabled_async  (HearthIdlePolicy    *self,
                                                                 HearthMachine       *machine,
                                                                 gboolean             enabled,
                                                                 GCancellable        *cancellable,
                                                                 GAsyncReadyCallback  callback,
                                                                 gpointer             user_data);
gboolean          hearth_idle_policy_set_machine_enabled_finish (HearthIdlePolicy    *self,
                                                                 GAsyncResult        *result,
                                                                 GError             **error);
gboolean          hearth_idle_policy_was_suspended        (HearthIdlePolicy    *self,
                                                           HearthMachine       *machine);

G_END_DECLS
