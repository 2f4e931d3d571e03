/* hearth-alert-engine.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-alerts"

#include "config.h"

#include <math.h>
#include <string.h>

#include "hearth-core.h"
#include "hearth-alert-engine.h"

/**
 * HearthAlertEngine:
 *
 * Evaluates alert rules ("CPU above 90 % for 30 s") against samples. The
 * engine itself is pure: hearth_alert_engine_feed() gives it a subject's
 * figures with their time, and it never reads a clock, so it can be tested
 * with synthetic series. hearth_alert_engine_attach_sampler() feeds it from a
 * #HearthStatsSampler, which it holds while it has enabled rules.
 *
 * An alert fires once per episode: when the condition has held for the rule's
 * duration, and not again until the condition stopped holding (the alert
 * clears) and held for the duration anew. A gap in the samples longer than
 * #HearthAlertEngine:max-gap (sampling was paused) restarts the duration,
 * since nobody knows what happened in between. An unknown value (NaN, or the
 * machine stopped) does not satisfy a condition.
 */

#define DEFAULT_MAX_GAP_USEC (10 * G_USEC_PER_SEC)
#define MAX_ALERTS 500

/* HearthAlertRule ------------------------------------------------------------- */

G_DEFINE_BOXED_TYPE (HearthAlertRule, hearth_alert_rule, hearth_alert_rule_copy,
                     hearth_alert_rule_free)

/**
 * hearth_alert_rule_new:
 * @target: (nullable): %HEARTH_ALERT_TARGET_HOST, %HEARTH_ALERT_TARGET_ANY_MACHINE
 *   (the default) or a machine's UUID
 *
 * Returns: (transfer full): an enabled rule with a new random id
 */
HearthAlertRule *
hearth_alert_rule_new (HearthMetric          metric,
                       HearthAlertComparison comparison,
                       double                threshold,
                       guint                 duration_sec,
                       const char           *target)
{
  HearthAlertRule *rule = g_new0 (HearthAlertRule, 1);

  rule->id = g_uuid_string_random ();
  rule->metric = metric;
  rule->comparison = comparison;
  rule->threshold = threshold;
  rule->duration_sec = duration_sec;
  rule->target = g_strdup (target ? target : HEARTH_ALERT_TARGET_ANY_MACHINE);
  rule->enabled = TRUE;
  return rule;
}

/**
 * hearth_alert_rule_copy:
 *
 * Returns: (transfer full): a copy of @rule
 */
HearthAlertRule *
hearth_alert_rule_copy (const HearthAlertRule *rule)
{
  HearthAlertRule *copy;

  g_return_val_if_fail (rule != NULL, NULL);

  copy = g_memdup2 (rule, sizeof *rule);
  copy->id = g_strdup (rule->id);
  copy->target = g_strdup (rule->target);
  return copy;
}

void
hearth_alert_rule_free (HearthAlertRule *rule)
{
  if (rule == NULL)
    return;
  g_free (rule->id);
  g_free (rule->target);
  g_free (rule);
}

/**
 * hearth_alert_rule_to_variant:
 *
 * The rule as an `a{sv}` dictionary (keys id, metric, comparison, threshold,
 * duration, target, enabled), the element of the GSettings key `alert-rules`
 * (type `aa{sv}`). Metric names are those of hearth_metric_to_string();
 * comparisons are "above" and "below".
 *
 * Returns: (transfer floating): the dictionary
 */
GVariant *
hearth_alert_rule_to_variant (const HearthAlertRule *rule)
{
  GVariantBuilder builder;

  g_return_val_if_fail (rule != NULL, NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&builder, "{sv}", "id", g_variant_new_string (rule->id));
  g_variant_builder_add (&builder, "{sv}", "metric",
                         g_variant_new_string (hearth_metric_to_string (rule->metric)));
  g_variant_builder_add (&builder, "{sv}", "comparison",
                         g_variant_new_string (rule->comparison == HEARTH_ALERT_BELOW ? "below"
                                                                                      : "above"));
  g_variant_builder_add (&builder, "{sv}", "threshold", g_variant_new_double (rule->threshold));
  g_variant_builder_add (&builder, "{sv}", "duration", g_variant_new_uint32 (rule->duration_sec));
  g_variant_builder_add (&builder, "{sv}", "target", g_variant_new_string (rule->target));
  g_variant_builder_add (&builder, "{sv}", "enabled", g_variant_new_boolean (rule->enabled));
  return g_variant_builder_end (&builder);
}

/**
 * hearth_alert_rule_new_from_variant:
 * @variant: an `a{sv}` made by hearth_alert_rule_to_variant()
 *
 * Missing keys take defaults (a new id, any machine, enabled, no duration);
 * a missing or unknown metric or comparison is an error, so a rule saved by a
 * newer Hearth is skipped rather than misread.
 *
 * Returns: (transfer full) (nullable): the rule, or %NULL with @error set
 */
HearthAlertRule *
hearth_alert_rule_new_from_variant (GVariant *variant,
                                    GError  **error)
{
  g_autoptr(HearthAlertRule) rule = NULL;
  g_autoptr(GVariantDict) dict = NULL;
  const char *metric = NULL;
  const char *comparison = "above";
  const char *id = NULL;
  const char *target = NULL;
  HearthMetric m;

  g_return_val_if_fail (variant != NULL, NULL);

  if (!g_variant_is_of_type (variant, G_VARIANT_TYPE_VARDICT))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "An alert rule is an a{sv}, not %s", g_variant_get_type_string (variant));
      return NULL;
    }

  dict = g_variant_dict_new (variant);
  if (!g_variant_dict_lookup (dict, "metric", "&s", &metric)
      || !hearth_metric_from_string (metric, &m))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "Unknown alert metric “%s”", metric ? metric : "");
      return NULL;
    }
  g_variant_dict_lookup (dict, "comparison", "&s", &comparison);
  if (g_strcmp0 (comparison, "above") != 0 && g_strcmp0 (comparison, "below") != 0)
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "Unknown alert comparison “%s”", comparison);
      return NULL;
    }

  g_variant_dict_lookup (dict, "target", "&s", &target);
  rule = hearth_alert_rule_new (m, g_str_equal (comparison, "below") ? HEARTH_ALERT_BELOW
                                                                     : HEARTH_ALERT_ABOVE,
                                0, 0, target);
  if (g_variant_dict_lookup (dict, "id", "&s", &id) && *id)
    {
      g_free (rule->id);
      rule->id = g_strdup (id);
    }
  g_variant_dict_lookup (dict, "threshold", "d", &rule->threshold);
  g_variant_dict_lookup (dict, "duration", "u", &rule->duration_sec);
  g_variant_dict_lookup (dict, "enabled", "b", &rule->enabled);
  return g_steal_pointer (&rule);
}

/* HearthAlert ----------------------------------------------------------------- */

/**
 * HearthAlert:
 *
 * One episode of a rule's condition holding for a subject (the host or a
 * machine): fired, and cleared when the condition stopped holding.
 */
struct _HearthAlert
{
  GObject parent_instance;

  HearthAlertRule *rule;          /* owned copy, as it was when it fired */
  char            *subject_uuid;  /* NULL for the host */
  char            *subject_name;
  gint64           fired_time;
  gint64           cleared_time;  /* 0 while active */
  double           value;         /* the latest value while active */
  double           peak;          /* the most extreme value of the episode */
};

G_DEFINE_FINAL_TYPE (HearthAlert, hearth_alert, G_TYPE_OBJECT)

enum
{
  ALERT_PROP_0,
  ALERT_PROP_ACTIVE,
  ALERT_PROP_VALUE,
  ALERT_N_PROPS
};

static GParamSpec *alert_properties[ALERT_N_PROPS];

static void
hearth_alert_finalize (GObject *object)
{
  HearthAlert *self = HEARTH_ALERT (object);

  hearth_alert_rule_free (self->rule);
  g_free (self->subject_uuid);
  g_free (self->subject_name);

  G_OBJECT_CLASS (hearth_alert_parent_class)->finalize (object);
}

static void
hearth_alert_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  HearthAlert *self = HEARTH_ALERT (object);

  switch (prop_id)
    {
    case ALERT_PROP_ACTIVE: g_value_set_boolean (value, self->cleared_time == 0); break;
    case ALERT_PROP_VALUE: g_value_set_double (value, self->value); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_alert_class_init (HearthAlertClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = hearth_alert_finalize;
  object_class->get_property = hearth_alert_get_property;

  /** HearthAlert:active: Whether the condition still holds. */
  alert_properties[ALERT_PROP_ACTIVE] = g_param_spec_boolean ("active", NULL, NULL, FALSE,
                                                              G_PARAM_READABLE
                                                              | G_PARAM_STATIC_STRINGS);
  /** HearthAlert:value: The latest value while active. */
  alert_properties[ALERT_PROP_VALUE] = g_param_spec_double ("value", NULL, NULL, -G_MAXDOUBLE,
                                                            G_MAXDOUBLE, 0,
                                                            G_PARAM_READABLE
                                                            | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, ALERT_N_PROPS, alert_properties);
}

static void
hearth_alert_init (HearthAlert *self)
{
}

/** hearth_alert_get_rule: Returns: (transfer none): the rule as it was when the alert fired */
const HearthAlertRule *
hearth_alert_get_rule (HearthAlert *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT (self), NULL);
  return self->rule;
}

/** hearth_alert_get_subject_uuid: Returns: (nullable): the machine's UUID, %NULL for the host */
const char *
hearth_alert_get_subject_uuid (HearthAlert *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT (self), NULL);
  return self->subject_uuid;
}

/** hearth_alert_get_subject_name: Returns: (nullable): the machine's name when it fired */
const char *
hearth_alert_get_subject_name (HearthAlert *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT (self), NULL);
  return self->subject_name;
}

/** hearth_alert_get_fired_time: Returns: the sample time it fired at (µs since the epoch) */
gint64
hearth_alert_get_fired_time (HearthAlert *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT (self), 0);
  return self->fired_time;
}

/** hearth_alert_get_cleared_time: Returns: when it cleared, or 0 while active */
gint64
hearth_alert_get_cleared_time (HearthAlert *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT (self), 0);
  return self->cleared_time;
}

gboolean
hearth_alert_get_active (HearthAlert *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT (self), FALSE);
  return self->cleared_time == 0;
}

double
hearth_alert_get_value (HearthAlert *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT (self), NAN);
  return self->value;
}

/** hearth_alert_get_peak: Returns: the highest (or, for "below" rules, lowest) value */
double
hearth_alert_get_peak (HearthAlert *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT (self), NAN);
  return self->peak;
}

/* HearthAlertEngine ------------------------------------------------------------ */

typedef struct
{
  gint64       since;       /* when the condition started holding, -1 if it does not */
  gint64       last_time;   /* the previous sample's time, -1 before the first */
  HearthAlert *alert;       /* owned; the active alert, NULL when none */
} RuleState;

typedef struct
{
  HearthAlertEngine  *engine;     /* unowned: the engine owns the attachment */
  HearthStatsSampler *sampler;    /* owned */
  gulong              handler_id;
  gboolean            holding;
  GHashTable         *seen;       /* uuids of the previous tick */
} Attachment;

struct _HearthAlertEngine
{
  GObject parent_instance;

  GPtrArray  *rules;        /* of HearthAlertRule, owned */
  GHashTable *states;       /* "rule-id|subject" → RuleState */
  GListStore *alerts;       /* of HearthAlert, newest first */
  guint       n_active;
  gint64      max_gap_usec;
  gint64      feed_gap_usec; /* while feeding from a sampler: 3 of its intervals */
  GPtrArray  *attachments;  /* of Attachment */
};

G_DEFINE_FINAL_TYPE (HearthAlertEngine, hearth_alert_engine, G_TYPE_OBJECT)

enum
{
  PROP_0,
  PROP_N_ACTIVE,
  PROP_MAX_GAP,
  N_PROPS
};

enum
{
  FIRED,
  CLEARED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void
rule_state_free (RuleState *state)
{
  g_clear_object (&state->alert);
  g_free (state);
}

static void
attachment_free (Attachment *att)
{
  g_clear_signal_handler (&att->handler_id, att->sampler);
  if (att->holding)
    hearth_stats_sampler_release (att->sampler);
  g_clear_object (&att->sampler);
  g_clear_pointer (&att->seen, g_hash_table_unref);
  g_free (att);
}

static gboolean
condition_holds (const HearthAlertRule *rule,
                 double                 value)
{
  if (isnan (value))
    return FALSE;
  return rule->comparison == HEARTH_ALERT_BELOW ? value < rule->threshold
                                                : value > rule->threshold;
}

static gboolean
rule_applies (const HearthAlertRule *rule,
              const char            *subject_uuid)
{
  if (!rule->enabled)
    return FALSE;
  if (subject_uuid == NULL)
    return g_strcmp0 (rule->target, HEARTH_ALERT_TARGET_HOST) == 0;
  return g_strcmp0 (rule->target, HEARTH_ALERT_TARGET_ANY_MACHINE) == 0
         || g_strcmp0 (rule->target, subject_uuid) == 0;
}

static void
set_n_active (HearthAlertEngine *self,
              guint              n_active)
{
  if (self->n_active == n_active)
    return;
  self->n_active = n_active;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_N_ACTIVE]);
}

static void
clear_alert (HearthAlertEngine *self,
             RuleState         *state,
             gint64             time_usec)
{
  g_autoptr(HearthAlert) alert = g_steal_pointer (&state->alert);

  if (alert == NULL)
    return;

  alert->cleared_time = MAX (time_usec, alert->fired_time);
  g_object_notify_by_pspec (G_OBJECT (alert), alert_properties[ALERT_PROP_ACTIVE]);
  set_n_active (self, self->n_active - 1);
  g_signal_emit (self, signals[CLEARED], 0, alert);
}

static void
fire_alert (HearthAlertEngine     *self,
            RuleState             *state,
            const HearthAlertRule *rule,
            const char            *subject_uuid,
            const char            *subject_name,
            gint64                 time_usec,
            double                 value)
{
  HearthAlert *alert = g_object_new (HEARTH_TYPE_ALERT, NULL);
  guint n;

  alert->rule = hearth_alert_rule_copy (rule);
  alert->subject_uuid = g_strdup (subject_uuid);
  alert->subject_name = g_strdup (subject_name);
  alert->fired_time = time_usec;
  alert->value = alert->peak = value;
  state->alert = alert;

  /* The list keeps the newest alerts; the oldest cleared ones go first. */
  g_list_store_insert (self->alerts, 0, alert);
  n = g_list_model_get_n_items (G_LIST_MODEL (self->alerts));
  for (guint i = n; i > 0 && n > MAX_ALERTS; i--)
    {
      g_autoptr(HearthAlert) old = g_list_model_get_item (G_LIST_MODEL (self->alerts), i - 1);

      if (old->cleared_time != 0)
        {
          g_list_store_remove (self->alerts, i - 1);
          n--;
        }
    }

  set_n_active (self, self->n_active + 1);
  g_signal_emit (self, signals[FIRED], 0, alert);
}

static void
evaluate (HearthAlertEngine     *self,
          const HearthAlertRule *rule,
          const char            *subject_uuid,
          const char            *subject_name,
          gint64                 time_usec,
          double                 value)
{
  g_autofree char *key = g_strconcat (rule->id, "|", subject_uuid ? subject_uuid : "", NULL);
  RuleState *state = g_hash_table_lookup (self->states, key);

  if (state == NULL)
    {
      state = g_new0 (RuleState, 1);
      state->since = state->last_time = -1;
      g_hash_table_insert (self->states, g_steal_pointer (&key), state);
    }

  /* Samples went missing for a while: the condition is not known to have
   * held through the gap, so its duration starts again. */
  if (state->last_time >= 0
      && time_usec - state->last_time > MAX (self->max_gap_usec, self->feed_gap_usec))
    state->since = -1;
  state->last_time = time_usec;

  if (!condition_holds (rule, value))
    {
      state->since = -1;
      clear_alert (self, state, time_usec);
      return;
    }

  if (state->since < 0)
    state->since = time_usec;

  if (state->alert != NULL)
    {
      HearthAlert *alert = state->alert;

      alert->value = value;
      alert->peak = rule->comparison == HEARTH_ALERT_BELOW ? MIN (alert->peak, value)
                                                           : MAX (alert->peak, value);
      g_object_notify_by_pspec (G_OBJECT (alert), alert_properties[ALERT_PROP_VALUE]);
    }
  else if (time_usec - state->since >= (gint64) rule->duration_sec * G_USEC_PER_SEC)
    fire_alert (self, state, rule, subject_uuid, subject_name, time_usec, value);
}

/* Drops the state of rules that are gone, clearing their alerts. */
static void
prune_states (HearthAlertEngine *self)
{
  GHashTableIter iter;
  const char *key;
  RuleState *state;

  g_hash_table_iter_init (&iter, self->states);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &state))
    {
      gboolean keep = FALSE;

      for (guint i = 0; i < self->rules->len && !keep; i++)
        {
          HearthAlertRule *rule = g_ptr_array_index (self->rules, i);
          gsize len = strlen (rule->id);

          keep = rule->enabled && strncmp (key, rule->id, len) == 0 && key[len] == '|';
        }
      if (!keep)
        {
          if (state->alert != NULL)
            clear_alert (self, state, state->last_time);
          g_hash_table_iter_remove (&iter);
        }
    }
}

static void
update_holds (HearthAlertEngine *self)
{
  gboolean want = hearth_alert_engine_has_enabled_rules (self);

  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *att = g_ptr_array_index (self->attachments, i);

      if (att->holding == want)
        continue;
      att->holding = want;
      if (want)
        hearth_stats_sampler_hold (att->sampler);
      else
        hearth_stats_sampler_release (att->sampler);
    }
}

static void
rules_changed (HearthAlertEngine *self)
{
  prune_states (self);
  update_holds (self);
}

static void
hearth_alert_engine_dispose (GObject *object)
{
  HearthAlertEngine *self = HEARTH_ALERT_ENGINE (object);

  if (self->attachments != NULL)
    g_ptr_array_set_size (self->attachments, 0);

  G_OBJECT_CLASS (hearth_alert_engine_parent_class)->dispose (object);
}

static void
hearth_alert_engine_finalize (GObject *object)
{
  HearthAlertEngine *self = HEARTH_ALERT_ENGINE (object);

  g_clear_pointer (&self->attachments, g_ptr_array_unref);
  g_clear_pointer (&self->rules, g_ptr_array_unref);
  g_clear_pointer (&self->states, g_hash_table_unref);
  g_clear_object (&self->alerts);

  G_OBJECT_CLASS (hearth_alert_engine_parent_class)->finalize (object);
}

static void
hearth_alert_engine_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  HearthAlertEngine *self = HEARTH_ALERT_ENGINE (object);

  switch (prop_id)
    {
    case PROP_N_ACTIVE: g_value_set_uint (value, self->n_active); break;
    case PROP_MAX_GAP: g_value_set_int64 (value, self->max_gap_usec); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_alert_engine_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  HearthAlertEngine *self = HEARTH_ALERT_ENGINE (object);

  switch (prop_id)
    {
    case PROP_MAX_GAP: hearth_alert_engine_set_max_gap (self, g_value_get_int64 (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
hearth_alert_engine_class_init (HearthAlertEngineClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = hearth_alert_engine_dispose;
  object_class->finalize = hearth_alert_engine_finalize;
  object_class->get_property = hearth_alert_engine_get_property;
  object_class->set_property = hearth_alert_engine_set_property;

  /** HearthAlertEngine:n-active: How many alerts are active (for a badge). */
  properties[PROP_N_ACTIVE] = g_param_spec_uint ("n-active", NULL, NULL, 0, G_MAXUINT, 0,
                                                 G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  /**
   * HearthAlertEngine:max-gap:
   *
   * The longest gap between two samples, in microseconds, across which a
   * condition still counts as having held (default 10 s; from a sampler, at
   * least three of its intervals).
   */
  properties[PROP_MAX_GAP] = g_param_spec_int64 ("max-gap", NULL, NULL, 0, G_MAXINT64,
                                                 DEFAULT_MAX_GAP_USEC,
                                                 G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY
                                                 | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * HearthAlertEngine::fired:
   * @alert: the new alert
   *
   * A rule's condition has held for its duration (the UI sends a
   * GNotification and lists the alert).
   */
  signals[FIRED] = g_signal_new ("fired", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, HEARTH_TYPE_ALERT);
  /**
   * HearthAlertEngine::cleared:
   * @alert: the alert that ended
   *
   * The condition of an active alert no longer holds.
   */
  signals[CLEARED] = g_signal_new ("cleared", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                   NULL, NULL, NULL, G_TYPE_NONE, 1, HEARTH_TYPE_ALERT);
}

static void
hearth_alert_engine_init (HearthAlertEngine *self)
{
  self->rules = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_alert_rule_free);
  self->states = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) rule_state_free);
  self->alerts = g_list_store_new (HEARTH_TYPE_ALERT);
  self->max_gap_usec = DEFAULT_MAX_GAP_USEC;
  self->attachments = g_ptr_array_new_with_free_func ((GDestroyNotify) attachment_free);
}

/**
 * hearth_alert_engine_new:
 *
 * Returns: (transfer full): an engine without rules
 */
HearthAlertEngine *
hearth_alert_engine_new (void)
{
  return g_object_new (HEARTH_TYPE_ALERT_ENGINE, NULL);
}

/**
 * hearth_alert_engine_dup_rules:
 *
 * Returns: (transfer container) (element-type HearthAlertRule): copies of the rules
 */
GPtrArray *
hearth_alert_engine_dup_rules (HearthAlertEngine *self)
{
  GPtrArray *copy;

  g_return_val_if_fail (HEARTH_IS_ALERT_ENGINE (self), NULL);

  copy = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_alert_rule_free);
  for (guint i = 0; i < self->rules->len; i++)
    g_ptr_array_add (copy, hearth_alert_rule_copy (g_ptr_array_index (self->rules, i)));
  return copy;
}

static gint
find_rule (HearthAlertEngine *self,
           const char        *id)
{
  for (guint i = 0; i < self->rules->len; i++)
    if (g_strcmp0 (((HearthAlertRule *) g_ptr_array_index (self->rules, i))->id, id) == 0)
      return i;
  return -1;
}

/**
 * hearth_alert_engine_add_rule:
 *
 * Adds a copy of @rule, or replaces the rule with the same id (an edit: the
 * episodes under way restart, since the condition may have changed).
 */
void
hearth_alert_engine_add_rule (HearthAlertEngine     *self,
                              const HearthAlertRule *rule)
{
  gint index;

  g_return_if_fail (HEARTH_IS_ALERT_ENGINE (self));
  g_return_if_fail (rule != NULL && rule->id != NULL && rule->metric < HEARTH_N_METRICS);

  index = find_rule (self, rule->id);
  if (index >= 0)
    {
      g_ptr_array_remove_index (self->rules, index);
      prune_states (self);
    }
  g_ptr_array_add (self->rules, hearth_alert_rule_copy (rule));
  rules_changed (self);
}

/**
 * hearth_alert_engine_remove_rule:
 *
 * Removes a rule; its active alerts clear.
 *
 * Returns: whether there was such a rule
 */
gboolean
hearth_alert_engine_remove_rule (HearthAlertEngine *self,
                                 const char        *id)
{
  gint index;

  g_return_val_if_fail (HEARTH_IS_ALERT_ENGINE (self), FALSE);

  index = find_rule (self, id);
  if (index < 0)
    return FALSE;
  g_ptr_array_remove_index (self->rules, index);
  rules_changed (self);
  return TRUE;
}

/**
 * hearth_alert_engine_set_rules:
 * @rules: (element-type HearthAlertRule): the new rules
 *
 * Replaces all rules. Episodes of rules that keep their id carry on.
 */
void
hearth_alert_engine_set_rules (HearthAlertEngine *self,
                               GPtrArray         *rules)
{
  g_return_if_fail (HEARTH_IS_ALERT_ENGINE (self));
  g_return_if_fail (rules != NULL);

  g_ptr_array_set_size (self->rules, 0);
  for (guint i = 0; i < rules->len; i++)
    g_ptr_array_add (self->rules, hearth_alert_rule_copy (g_ptr_array_index (rules, i)));
  rules_changed (self);
}

/**
 * hearth_alert_engine_save_rules:
 *
 * Returns: (transfer floating): the rules as an `aa{sv}`, for the GSettings
 *   key `alert-rules`
 */
GVariant *
hearth_alert_engine_save_rules (HearthAlertEngine *self)
{
  GVariantBuilder builder;

  g_return_val_if_fail (HEARTH_IS_ALERT_ENGINE (self), NULL);

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("aa{sv}"));
  for (guint i = 0; i < self->rules->len; i++)
    g_variant_builder_add_value (&builder,
                                 hearth_alert_rule_to_variant (g_ptr_array_index (self->rules, i)));
  return g_variant_builder_end (&builder);
}

/**
 * hearth_alert_engine_load_rules:
 * @rules: an `aa{sv}`, as hearth_alert_engine_save_rules() makes
 *
 * Replaces the rules with those in @rules. Rules Hearth cannot read are
 * skipped; @error then names the first one, but the others are loaded.
 *
 * Returns: %TRUE when every rule was read
 */
gboolean
hearth_alert_engine_load_rules (HearthAlertEngine *self,
                                GVariant          *rules,
                                GError           **error)
{
  g_autoptr(GPtrArray) parsed = NULL;
  g_autoptr(GError) first_error = NULL;
  GVariantIter iter;
  GVariant *child;

  g_return_val_if_fail (HEARTH_IS_ALERT_ENGINE (self), FALSE);
  g_return_val_if_fail (rules != NULL, FALSE);

  if (!g_variant_is_of_type (rules, G_VARIANT_TYPE ("aa{sv}")))
    {
      g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                   "Alert rules are an aa{sv}, not %s", g_variant_get_type_string (rules));
      return FALSE;
    }

  parsed = g_ptr_array_new_with_free_func ((GDestroyNotify) hearth_alert_rule_free);
  g_variant_iter_init (&iter, rules);
  while ((child = g_variant_iter_next_value (&iter)))
    {
      g_autoptr(GError) local_error = NULL;
      HearthAlertRule *rule = hearth_alert_rule_new_from_variant (child, &local_error);

      g_variant_unref (child);
      if (rule != NULL)
        g_ptr_array_add (parsed, rule);
      else if (first_error == NULL)
        first_error = g_steal_pointer (&local_error);
    }

  hearth_alert_engine_set_rules (self, parsed);
  if (first_error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  return TRUE;
}

/** hearth_alert_engine_has_enabled_rules: Returns: whether any rule is enabled */
gboolean
hearth_alert_engine_has_enabled_rules (HearthAlertEngine *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT_ENGINE (self), FALSE);

  for (guint i = 0; i < self->rules->len; i++)
    if (((HearthAlertRule *) g_ptr_array_index (self->rules, i))->enabled)
      return TRUE;
  return FALSE;
}

/**
 * hearth_alert_engine_get_alerts:
 *
 * Returns: (transfer none): a #GListModel of #HearthAlert, newest first, active
 *   and cleared, for the in-app list (bounded; old cleared alerts drop off)
 */
GListModel *
hearth_alert_engine_get_alerts (HearthAlertEngine *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT_ENGINE (self), NULL);
  return G_LIST_MODEL (self->alerts);
}

guint
hearth_alert_engine_get_n_active (HearthAlertEngine *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT_ENGINE (self), 0);
  return self->n_active;
}

gint64
hearth_alert_engine_get_max_gap (HearthAlertEngine *self)
{
  g_return_val_if_fail (HEARTH_IS_ALERT_ENGINE (self), 0);
  return self->max_gap_usec;
}

void
hearth_alert_engine_set_max_gap (HearthAlertEngine *self,
                                 gint64             max_gap_usec)
{
  g_return_if_fail (HEARTH_IS_ALERT_ENGINE (self));

  if (self->max_gap_usec == max_gap_usec)
    return;
  self->max_gap_usec = max_gap_usec;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MAX_GAP]);
}

/**
 * hearth_alert_engine_feed:
 * @subject_uuid: (nullable): the machine's UUID, or %NULL for the host
 * @subject_name: (nullable): a name for alerts that fire
 * @time_usec: the sample's time; later than the subject's previous sample
 * @values: (array fixed-size=11): one value per #HearthMetric, NaN when unknown
 *
 * Evaluates every enabled rule that applies to the subject against one
 * sample, firing and clearing alerts.
 */
void
hearth_alert_engine_feed (HearthAlertEngine *self,
                          const char        *subject_uuid,
                          const char        *subject_name,
                          gint64             time_usec,
                          const double      *values)
{
  g_return_if_fail (HEARTH_IS_ALERT_ENGINE (self));
  g_return_if_fail (values != NULL);

  for (guint i = 0; i < self->rules->len; i++)
    {
      HearthAlertRule *rule = g_ptr_array_index (self->rules, i);

      if (rule_applies (rule, subject_uuid))
        evaluate (self, rule, subject_uuid, subject_name, time_usec, values[rule->metric]);
    }
}

static void
feed_series (HearthAlertEngine *self,
             HearthStatsSeries *series,
             gint64             time_usec)
{
  double values[HEARTH_N_METRICS];

  for (guint m = 0; m < HEARTH_N_METRICS; m++)
    values[m] = hearth_stats_series_get_latest (series, m);
  hearth_alert_engine_feed (self, hearth_stats_series_get_uuid (series),
                            hearth_stats_series_get_name (series), time_usec, values);
}

static void
on_sampled_cb (HearthStatsSampler *sampler,
               gpointer            user_data)
{
  Attachment *att = user_data;
  HearthAlertEngine *self = att->engine;
  HearthStatsSeries *host = hearth_stats_sampler_get_host_series (sampler);
  g_autoptr(GPtrArray) active = hearth_stats_sampler_list_active_series (sampler);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gint64 now = hearth_stats_series_get_last_time (host);
  double unknown[HEARTH_N_METRICS];
  GHashTableIter iter;
  const char *uuid;

  /* A sampler set to a long interval is no gap in itself. */
  self->feed_gap_usec = 3 * (gint64) hearth_stats_sampler_get_interval (sampler) * 1000;

  feed_series (self, host, now);
  for (guint i = 0; i < active->len; i++)
    {
      HearthStatsSeries *series = g_ptr_array_index (active, i);

      feed_series (self, series, hearth_stats_series_get_last_time (series));
      g_hash_table_add (seen, g_strdup (hearth_stats_series_get_uuid (series)));
    }

  /* A machine that stopped has no figures: its alerts clear. */
  for (guint m = 0; m < HEARTH_N_METRICS; m++)
    unknown[m] = NAN;
  g_hash_table_iter_init (&iter, att->seen);
  while (g_hash_table_iter_next (&iter, (gpointer *) &uuid, NULL))
    if (!g_hash_table_contains (seen, uuid))
      hearth_alert_engine_feed (self, uuid, NULL, now, unknown);

  g_hash_table_unref (att->seen);
  att->seen = g_steal_pointer (&seen);
  self->feed_gap_usec = 0;
}

/**
 * hearth_alert_engine_attach_sampler:
 *
 * Feeds the engine from @sampler's ticks: the host series and every running
 * machine's. The engine holds the sampler while it has enabled rules, so
 * sampling goes on with no dashboard on screen.
 */
void
hearth_alert_engine_attach_sampler (HearthAlertEngine  *self,
                                    HearthStatsSampler *sampler)
{
  Attachment *att;

  g_return_if_fail (HEARTH_IS_ALERT_ENGINE (self));
  g_return_if_fail (HEARTH_IS_STATS_SAMPLER (sampler));

  att = g_new0 (Attachment, 1);
  att->engine = self;
  att->sampler = g_object_ref (sampler);
  att->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* The handler goes with the attachment, in detach or the engine's dispose. */
  att->handler_id = g_signal_connect (sampler, "sampled", G_CALLBACK (on_sampled_cb), att);
  g_ptr_array_add (self->attachments, att);
  update_holds (self);
}

/**
 * hearth_alert_engine_detach_sampler:
 *
 * Stops feeding from @sampler and releases it.
 */
void
hearth_alert_engine_detach_sampler (HearthAlertEngine  *self,
                                    HearthStatsSampler *sampler)
{
  g_return_if_fail (HEARTH_IS_ALERT_ENGINE (self));

  for (guint i = 0; i < self->attachments->len; i++)
    {
      Attachment *att = g_ptr_array_index (self->attachments, i);

      if (att->sampler == sampler)
        {
          g_ptr_array_remove_index (self->attachments, i);
          return;
        }
    }
}
