/* hearth-alert-engine.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-stats-sampler.h"
#include "hearth-stats-series.h"

G_BEGIN_DECLS

/**
 * HearthAlertComparison:
 * @HEARTH_ALERT_ABOVE: the condition holds while the value is above the threshold
 * @HEARTH_ALERT_BELOW: the condition holds while the value is below the threshold
 */
typedef enum
{
  HEARTH_ALERT_ABOVE,
  HEARTH_ALERT_BELOW,
} HearthAlertComparison;

/* Targets of a rule besides a machine's UUID. */
#define HEARTH_ALERT_TARGET_HOST "host"
#define HEARTH_ALERT_TARGET_ANY_MACHINE "*"

/**
 * HearthAlertRule:
 * @id: a stable identifier (a random UUID when made by hearth_alert_rule_new())
 * @metric: what is watched
 * @comparison: above or below
 * @threshold: in the metric's unit (percent, bytes, bytes or requests per second)
 * @duration_sec: how long the condition must hold before the alert fires
 * @target: %HEARTH_ALERT_TARGET_HOST, %HEARTH_ALERT_TARGET_ANY_MACHINE or a
 *   machine's UUID
 * @enabled: whether the rule is evaluated
 *
 * "CPU above 90 % for 30 s on any machine" is
 * `hearth_alert_rule_new (HEARTH_METRIC_CPU, HEARTH_ALERT_ABOVE, 90, 30, "*")`.
 */
typedef struct
{
  char                 *id;
  HearthMetric          metric;
  HearthAlertComparison comparison;
  double                threshold;
  guint                 duration_sec;
  char                 *target;
  gboolean              enabled;
} HearthAlertRule;

#define HEARTH_TYPE_ALERT_RULE (hearth_alert_rule_get_type ())
GType            hearth_alert_rule_get_type         (void) G_GNUC_CONST;
HearthAlertRule *hearth_alert_rule_new              (HearthMetric           metric,
                                                     HearthAlertComparison  comparison,
                                                     double                 threshold,
                                                     guint                  duration_sec,
                                                     const char            *target);
HearthAlertRule *hearth_alert_rule_copy             (const HearthAlertRule *rule);
void             hearth_alert_rule_free             (HearthAlertRule       *rule);
GVariant        *hearth_alert_rule_to_variant       (const HearthAlertRule *rule);
HearthAlertRule *hearth_alert_rule_new_from_variant (GVariant              *variant,
                                                     GError               **error);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthAlertRule, hearth_alert_rule_free)

#define HEARTH_TYPE_ALERT (hearth_alert_get_type ())
G_DECLARE_FINAL_TYPE (HearthAlert, hearth_alert, HEARTH, ALERT, GObject)

const HearthAlertRule *hearth_alert_get_rule         (HearthAlert *self);
const char            *hearth_alert_get_subject_uuid (HearthAlert *self);
const char            *hearth_alert_get_subject_name (HearthAlert *self);
gint64                 hearth_alert_get_fired_time   (HearthAlert *self);
gint64                 hearth_alert_get_cleared_time (HearthAlert *self);
gboolean               hearth_alert_get_active       (HearthAlert *self);
double                 hearth_alert_get_value        (HearthAlert *self);
double                 hearth_alert_get_peak         (HearthAlert *self);

#define HEARTH_TYPE_ALERT_ENGINE (hearth_alert_engine_get_type ())
G_DECLARE_FINAL_TYPE (HearthAlertEngine, hearth_alert_engine, HEARTH, ALERT_ENGINE, GObject)

HearthAlertEngine *hearth_alert_engine_new            (void);
GPtrArray         *hearth_alert_engine_dup_rules      (HearthAlertEngine     *self);
void               hearth_alert_engine_add_rule       (HearthAlertEngine     *self,
                                                       const HearthAlertRule *rule);
gboolean           hearth_alert_engine_remove_rule    (HearthAlertEngine     *self,
                                                       const char            *id);
void               hearth_alert_engine_set_rules      (HearthAlertEngine     *self,
                                                       GPtrArray             *rules);
GVariant          *hearth_alert_engine_save_rules     (HearthAlertEngine     *self);
gboolean           hearth_alert_engine_load_rules     (HearthAlertEngine     *self,
                                                       GVariant              *rules,
                                                       GError               **error);
gboolean           hearth_alert_engine_has_enabled_rules (HearthAlertEngine  *self);

GListModel        *hearth_alert_engine_get_alerts     (HearthAlertEngine     *self);
guint              hearth_alert_engine_get_n_active   (HearthAlertEngine     *self);
gint64             hearth_alert_engine_get_max_gap    (HearthAlertEngine     *self);
void               hearth_alert_engine_set_max_gap    (HearthAlertEngine     *self,
                                                       gint64                 max_gap_usec);

void               hearth_alert_engine_feed           (HearthAlertEngine     *self,
                                                       const char            *subject_uuid,
                                                       const char            *subject_name,
                                                       gint64                 time_usec,
                                                       const double          *values);

void               hearth_alert_engine_attach_sampler (HearthAlertEngine     *self,
                                                       HearthStatsSampler    *sampler);
void               hearth_alert_engine_detach_sampler (HearthAlertEngine     *self,
                                                       HearthStatsSampler    *sampler);

G_END_DECLS
