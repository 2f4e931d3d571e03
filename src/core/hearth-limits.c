/* hearth-limits.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-limits"

#include "config.h"

#include <string.h>

#include "hearth-core-private.h"
#include "hearth-limits.h"

/*
 * Per-machine limits through libvirt: cputune (virDomainSetSchedulerParameters),
 * blkiotune (virDomainSetBlkioParameters), memtune (virDomainSetMemoryParameters)
 * and per-disk iotune (virDomainSetBlockIoTune).
 *
 * A running machine gets the change live and in its configuration; when the
 * hypervisor cannot change a group live, the configuration alone is changed
 * and the caller learns that it applies on the next start. Field names follow
 * what the driver reports when read, so a driver that calls the CPU weight
 * "weight" (the test driver) rather than "cpu_shares" (QEMU) works too.
 */

#define MAX_PARAMS 64

G_DEFINE_BOXED_TYPE (HearthLimits, hearth_limits, hearth_limits_copy, hearth_limits_free)

static void
disk_limits_free (HearthDiskLimits *disk)
{
  g_free (disk->target);
  g_free (disk);
}

/**
 * hearth_limits_new:
 *
 * Returns: (transfer full): limits with no group set
 */
HearthLimits *
hearth_limits_new (void)
{
  HearthLimits *limits = g_new0 (HearthLimits, 1);

  limits->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) disk_limits_free);
  return limits;
}

/**
 * hearth_limits_copy:
 *
 * Returns: (transfer full): a deep copy
 */
HearthLimits *
hearth_limits_copy (const HearthLimits *limits)
{
  HearthLimits *copy;

  g_return_val_if_fail (limits != NULL, NULL);

  copy = hearth_limits_new ();
  *copy = *limits;
  copy->disks = g_ptr_array_new_with_free_func ((GDestroyNotify) disk_limits_free);
  for (guint i = 0; i < limits->disks->len; i++)
    {
      HearthDiskLimits *disk = g_ptr_array_index (limits->disks, i);
      HearthDiskLimits *d = hearth_limits_add_disk (copy, disk->target);

      d->read_bytes_sec = disk->read_bytes_sec;
      d->write_bytes_sec = disk->write_bytes_sec;
      d->read_iops_sec = disk->read_iops_sec;
      d->write_iops_sec = disk->write_iops_sec;
    }
  return copy;
}

void
hearth_limits_free (HearthLimits *limits)
{
  if (limits == NULL)
    return;
  g_clear_pointer (&limits->disks, g_ptr_array_unref);
  g_free (limits);
}

/**
 * hearth_limits_add_disk:
 * @target: the disk's guest name ("vda")
 *
 * Returns: (transfer none): the entry for @target, added with no limits if new
 */
HearthDiskLimits *
hearth_limits_add_disk (HearthLimits *limits,
                        const char   *target)
{
  HearthDiskLimits *disk;

  g_return_val_if_fail (limits != NULL && target != NULL, NULL);

  if ((disk = hearth_limits_find_disk (limits, target)))
    return disk;
  disk = g_new0 (HearthDiskLimits, 1);
  disk->target = g_strdup (target);
  g_ptr_array_add (limits->disks, disk);
  return disk;
}

/**
 * hearth_limits_find_disk:
 *
 * Returns: (transfer none) (nullable): the entry for @target
 */
HearthDiskLimits *
hearth_limits_find_disk (const HearthLimits *limits,
                         const char         *target)
{
  g_return_val_if_fail (limits != NULL, NULL);

  for (guint i = 0; i < limits->disks->len; i++)
    {
      HearthDiskLimits *disk = g_ptr_array_index (limits->disks, i);

      if (g_strcmp0 (disk->target, target) == 0)
        return disk;
    }
  return NULL;
}

/* Worker side ----------------------------------------------------------------- */

typedef struct
{
  virConnectPtr     conn;      /* owned reference */
  char             *uri;
  char             *uuid;
  char             *name;
  HearthLimits     *limits;    /* owned; what to apply */
  HearthLimitsGroup live;
  HearthLimitsGroup next_start;
} LimitsOp;

static void
limits_op_free (LimitsOp *op)
{
  hearth_vir_connect_unref (op->conn);
  g_free (op->uri);
  g_free (op->uuid);
  g_free (op->name);
  g_clear_pointer (&op->limits, hearth_limits_free);
  g_free (op);
}

typedef enum
{
  KIND_SCHED,
  KIND_BLKIO,
  KIND_MEMORY,
  KIND_IOTUNE,
} Kind;

/* Reads one group's typed parameters; returns the count, or -1 (error set). */
static int
get_params (virDomainPtr         domain,
            Kind                 kind,
            const char          *disk,
            virTypedParameterPtr params,
            unsigned int         flags)
{
  int n = 0;
  int ret = -1;

  switch (kind)
    {
    case KIND_SCHED:
      {
        char *type = virDomainGetSchedulerType (domain, &n);

        /* Without a live scheduler (QEMU without cgroups) the configuration
         * can still be read, with room for every field there is. */
        if (type == NULL && flags == VIR_DOMAIN_AFFECT_CURRENT)
          return -1;
        if (type == NULL)
          {
            virResetLastError ();
            n = MAX_PARAMS;
          }
        free (type);
        n = MIN (n, MAX_PARAMS);
        ret = virDomainGetSchedulerParametersFlags (domain, params, &n, flags);
        /* Some drivers (the test driver) only have the old call, which reads
         * the current values. */
        if (ret < 0 && flags == VIR_DOMAIN_AFFECT_CURRENT)
          {
            virResetLastError ();
            ret = virDomainGetSchedulerParameters (domain, params, &n);
          }
        break;
      }
    case KIND_BLKIO:
      if (virDomainGetBlkioParameters (domain, NULL, &n, flags) < 0)
        return -1;
      n = MIN (n, MAX_PARAMS);
      ret = virDomainGetBlkioParameters (domain, params, &n, flags);
      break;
    case KIND_MEMORY:
      if (virDomainGetMemoryParameters (domain, NULL, &n, flags) < 0)
        return -1;
      n = MIN (n, MAX_PARAMS);
      ret = virDomainGetMemoryParameters (domain, params, &n, flags);
      break;
    case KIND_IOTUNE:
      if (virDomainGetBlockIoTune (domain, disk, NULL, &n, flags) < 0)
        return -1;
      n = MIN (n, MAX_PARAMS);
      ret = virDomainGetBlockIoTune (domain, disk, params, &n, flags);
      break;
    default:
      g_assert_not_reached ();
    }
  return ret < 0 ? -1 : n;
}

static int
set_params (virDomainPtr         domain,
            Kind                 kind,
            const char          *disk,
            virTypedParameterPtr params,
            int                  n,
            unsigned int         flags)
{
  switch (kind)
    {
    case KIND_SCHED: return virDomainSetSchedulerParametersFlags (domain, params, n, flags);
    case KIND_BLKIO: return virDomainSetBlkioParameters (domain, params, n, flags);
    case KIND_MEMORY: return virDomainSetMemoryParameters (domain, params, n, flags);
    case KIND_IOTUNE: return virDomainSetBlockIoTune (domain, disk, params, n, flags);
    default: g_assert_not_reached ();
    }
}

static const virTypedParameter *
find_param (const virTypedParameter *params,
            int                      n,
            const char              *field)
{
  for (int i = 0; i < n; i++)
    if (strcmp (params[i].field, field) == 0)
      return &params[i];
  return NULL;
}

static guint64
param_value (const virTypedParameter *param)
{
  if (param == NULL)
    return 0;
  switch (param->type)
    {
    case VIR_TYPED_PARAM_ULLONG: return param->value.ul;
    case VIR_TYPED_PARAM_UINT: return param->value.ui;
    case VIR_TYPED_PARAM_LLONG: return param->value.l > 0 ? (guint64) param->value.l : 0;
    case VIR_TYPED_PARAM_INT: return param->value.i > 0 ? (guint64) param->value.i : 0;
    default: return 0;
    }
}

/* Memory limits say "unlimited" with a huge value; Hearth says 0. */
static guint64
memory_value (const virTypedParameter *param)
{
  guint64 v = param_value (param);

  return v >= VIR_DOMAIN_MEMORY_PARAM_UNLIMITED ? 0 : v;
}

static const char *
cpu_weight_field (const virTypedParameter *params,
                  int                      n)
{
  return find_param (params, n, VIR_DOMAIN_SCHEDULER_CPU_SHARES) ? VIR_DOMAIN_SCHEDULER_CPU_SHARES
         : find_param (params, n, VIR_DOMAIN_SCHEDULER_WEIGHT) ? VIR_DOMAIN_SCHEDULER_WEIGHT
                                                                 : NULL;
}

static GPtrArray *
list_disk_targets (virDomainPtr domain,
                   GError     **error)
{
  g_autoptr(GPtrArray) items = NULL;
  GPtrArray *targets = g_ptr_array_new_with_free_func (g_free);
  char *xml = virDomainGetXMLDesc (domain, 0);

  if (xml == NULL)
    {
      _hearth_error_take_libvirt (error, "Could not read the machine's configuration");
      g_ptr_array_unref (targets);
      return NULL;
    }
  items = _hearth_domain_disks_parse (xml, error);
  free (xml);
  if (items == NULL)
    {
      g_ptr_array_unref (targets);
      return NULL;
    }
  for (guint i = 0; i < items->len; i++)
    {
      HearthStorageItem *item = g_ptr_array_index (items, i);

      if (item->target != NULL && g_strcmp0 (item->device, "disk") == 0)
        g_ptr_array_add (targets, g_strdup (item->target));
    }
  return targets;
}

static void
read_worker (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LimitsOp *op = task_data;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autoptr(HearthLimits) limits = hearth_limits_new ();
  g_autoptr(GPtrArray) targets = NULL;
  g_autoptr(GError) error = NULL;
  virTypedParameter params[MAX_PARAMS];
  unsigned int flags = VIR_DOMAIN_AFFECT_CURRENT;
  int n;

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuid)))
    {
      _hearth_error_take_libvirt (&error, "Could not find the machine");
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  /* A group the hypervisor does not know stays out of limits->groups. */
  if ((n = get_params (domain, KIND_SCHED, NULL, params, flags)) >= 0)
    {
      const char *weight = cpu_weight_field (params, n);

      limits->groups |= HEARTH_LIMITS_CPU;
      limits->cpu_shares = weight ? param_value (find_param (params, n, weight)) : 0;
      limits->cpu_period_usec = param_value (find_param (params, n,
                                                         VIR_DOMAIN_SCHEDULER_VCPU_PERIOD));
      limits->cpu_quota_usec = param_value (find_param (params, n,
                                                        VIR_DOMAIN_SCHEDULER_VCPU_QUOTA));
      /* QEMU reports "no quota" as a huge quota. */
      if (limits->cpu_quota_usec >= G_GUINT64_CONSTANT (17592186044415))
        limits->cpu_quota_usec = 0;
      virTypedParamsClear (params, n);
    }
  virResetLastError ();

  if ((n = get_params (domain, KIND_BLKIO, NULL, params, flags)) >= 0)
    {
      limits->groups |= HEARTH_LIMITS_BLKIO;
      limits->blkio_weight = param_value (find_param (params, n, VIR_DOMAIN_BLKIO_WEIGHT));
      virTypedParamsClear (params, n);
    }
  virResetLastError ();

  if ((n = get_params (domain, KIND_MEMORY, NULL, params, flags)) >= 0)
    {
      limits->groups |= HEARTH_LIMITS_MEMORY;
      limits->memory_hard_limit_kib = memory_value (find_param (params, n,
                                                                VIR_DOMAIN_MEMORY_HARD_LIMIT));
      limits->memory_soft_limit_kib = memory_value (find_param (params, n,
                                                                VIR_DOMAIN_MEMORY_SOFT_LIMIT));
      virTypedParamsClear (params, n);
    }
  virResetLastError ();

  if ((targets = list_disk_targets (domain, &error)))
    for (guint i = 0; i < targets->len; i++)
      {
        const char *target = g_ptr_array_index (targets, i);
        HearthDiskLimits *disk;

        if ((n = get_params (domain, KIND_IOTUNE, target, params, flags)) < 0)
          {
            virResetLastError ();
            continue;
          }
        limits->groups |= HEARTH_LIMITS_DISKS;
        disk = hearth_limits_add_disk (limits, target);
        disk->read_bytes_sec = param_value (find_param (params, n,
                                                        VIR_DOMAIN_BLOCK_IOTUNE_READ_BYTES_SEC));
        disk->write_bytes_sec = param_value (find_param (params, n,
                                                         VIR_DOMAIN_BLOCK_IOTUNE_WRITE_BYTES_SEC));
        disk->read_iops_sec = param_value (find_param (params, n,
                                                       VIR_DOMAIN_BLOCK_IOTUNE_READ_IOPS_SEC));
        disk->write_iops_sec = param_value (find_param (params, n,
                                                        VIR_DOMAIN_BLOCK_IOTUNE_WRITE_IOPS_SEC));
        virTypedParamsClear (params, n);
      }
  g_clear_error (&error);

  g_task_return_pointer (task, g_steal_pointer (&limits), (GDestroyNotify) hearth_limits_free);
}

/* Builds a group's parameters to set, naming fields as the driver does. */
static gboolean
build_params (virDomainPtr          domain,
              Kind                  kind,
              const char           *disk,
              const HearthLimits   *limits,
              gboolean              with_burst,
              virTypedParameterPtr *out,
              int                  *out_n,
              GError              **error)
{
  virTypedParameter current[MAX_PARAMS];
  virTypedParameterPtr params = NULL;
  int n = 0, max_params = 0;
  int n_current;
  int ok = 0;

  n_current = get_params (domain, kind, disk, current, VIR_DOMAIN_AFFECT_CURRENT);
  /* A running machine whose live values cannot be read (QEMU without cgroups
   * has no live CPU weight) may still take them in its configuration. */
  if (n_current < 0 && virDomainIsActive (domain) == 1 && virDomainIsPersistent (domain) == 1)
    {
      virResetLastError ();
      n_current = get_params (domain, kind, disk, current, VIR_DOMAIN_AFFECT_CONFIG);
    }
  if (n_current < 0)
    {
      _hearth_error_take_libvirt (error, "The hypervisor cannot set these limits");
      return FALSE;
    }

  switch (kind)
    {
    case KIND_SCHED:
      {
        const char *weight = cpu_weight_field (current, n_current);
        const virTypedParameter *p;

        if (limits->cpu_shares > 0 && weight != NULL
            && (p = find_param (current, n_current, weight)) != NULL)
          {
            ok |= p->type == VIR_TYPED_PARAM_UINT
                    ? virTypedParamsAddUInt (&params, &n, &max_params, weight, limits->cpu_shares)
                    : virTypedParamsAddULLong (&params, &n, &max_params, weight, limits->cpu_shares);
          }
        if (find_param (current, n_current, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA))
          {
            /* A negative quota is libvirt's "no cap". */
            if (limits->cpu_period_usec > 0)
              ok |= virTypedParamsAddULLong (&params, &n, &max_params, VIR_DOMAIN_SCHEDULER_VCPU_PERIOD,
                                             limits->cpu_period_usec);
            ok |= virTypedParamsAddLLong (&params, &n, &max_params, VIR_DOMAIN_SCHEDULER_VCPU_QUOTA,
                                          limits->cpu_quota_usec > 0
                                            ? (long long) limits->cpu_quota_usec : -1);
          }
        else if (limits->cpu_quota_usec > 0)
          {
            virTypedParamsClear (current, n_current);
            g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_UNSUPPORTED,
                         "The hypervisor has no CPU quota");
            return FALSE;
          }
        break;
      }
    case KIND_BLKIO:
      if (limits->blkio_weight > 0)
        ok |= virTypedParamsAddUInt (&params, &n, &max_params, VIR_DOMAIN_BLKIO_WEIGHT,
                                     limits->blkio_weight);
      break;
    case KIND_MEMORY:
      ok |= virTypedParamsAddULLong (&params, &n, &max_params, VIR_DOMAIN_MEMORY_HARD_LIMIT,
                                     limits->memory_hard_limit_kib
                                       ? limits->memory_hard_limit_kib
                                       : VIR_DOMAIN_MEMORY_PARAM_UNLIMITED);
      ok |= virTypedParamsAddULLong (&params, &n, &max_params, VIR_DOMAIN_MEMORY_SOFT_LIMIT,
                                     limits->memory_soft_limit_kib
                                       ? limits->memory_soft_limit_kib
                                       : VIR_DOMAIN_MEMORY_PARAM_UNLIMITED);
      break;
    case KIND_IOTUNE:
      {
        const HearthDiskLimits *d = hearth_limits_find_disk (limits, disk);
        struct { const char *field; const char *max; guint64 value; } fields[] = {
          { VIR_DOMAIN_BLOCK_IOTUNE_READ_BYTES_SEC, VIR_DOMAIN_BLOCK_IOTUNE_READ_BYTES_SEC_MAX,
            d->read_bytes_sec },
          { VIR_DOMAIN_BLOCK_IOTUNE_WRITE_BYTES_SEC, VIR_DOMAIN_BLOCK_IOTUNE_WRITE_BYTES_SEC_MAX,
            d->write_bytes_sec },
          { VIR_DOMAIN_BLOCK_IOTUNE_READ_IOPS_SEC, VIR_DOMAIN_BLOCK_IOTUNE_READ_IOPS_SEC_MAX,
            d->read_iops_sec },
          { VIR_DOMAIN_BLOCK_IOTUNE_WRITE_IOPS_SEC, VIR_DOMAIN_BLOCK_IOTUNE_WRITE_IOPS_SEC_MAX,
            d->write_iops_sec },
        };

        for (guint i = 0; i < G_N_ELEMENTS (fields); i++)
          {
            guint64 max = param_value (find_param (current, n_current, fields[i].max));

            ok |= virTypedParamsAddULLong (&params, &n, &max_params, fields[i].field,
                                           fields[i].value);
            /* A burst limit set below the new rate would be refused. Some
             * drivers (the test driver) refuse a rate above an unset burst
             * limit too: for them, the second try sets the burst limit to the
             * rate, which is no burst. */
            if (find_param (current, n_current, fields[i].max) && max != 0
                && max < fields[i].value)
              {
                virTypedParamsClear (current, n_current);
                virTypedParamsFree (params, n);
                g_set_error (error, HEARTH_ERROR, HEARTH_ERROR_INVALID_ARGUMENT,
                             "The burst limit %s of %s is below the new limit", fields[i].max,
                             disk);
                return FALSE;
              }
            if (with_burst && find_param (current, n_current, fields[i].max)
                && max < fields[i].value)
              ok |= virTypedParamsAddULLong (&params, &n, &max_params, fields[i].max,
                                             fields[i].value);
          }
        break;
      }
    default:
      g_assert_not_reached ();
    }
  virTypedParamsClear (current, n_current);

  if (ok < 0)
    {
      virTypedParamsFree (params, n);
      _hearth_error_take_libvirt (error, "Could not prepare the limits");
      return FALSE;
    }
  *out = params;
  *out_n = n;
  return TRUE;
}

/* Sets one group: live and in the configuration when the machine runs, else
 * (or when the hypervisor cannot change it live) in the configuration only.
 * Drivers differ in the flags they take (the test driver takes none for the
 * CPU weight), so each way is tried in turn, from the most complete; the last
 * error is the one reported. */
static gboolean
apply_group_once (LimitsOp         *op,
                  virDomainPtr      domain,
                  Kind              kind,
                  const char       *disk,
                  HearthLimitsGroup group,
                  gboolean          with_burst,
                  GError          **error)
{
  virTypedParameterPtr params = NULL;
  gboolean active = virDomainIsActive (domain) == 1;
  gboolean persistent = virDomainIsPersistent (domain) == 1;
  int live_error = VIR_ERR_OK;
  int n = 0;

  if (!build_params (domain, kind, disk, op->limits, with_burst, &params, &n, error))
    return FALSE;
  if (n == 0)
    return TRUE;

  if (active)
    {
      if (persistent && set_params (domain, kind, disk, params, n,
                                    VIR_DOMAIN_AFFECT_LIVE | VIR_DOMAIN_AFFECT_CONFIG) == 0)
        goto live;
      virResetLastError ();
      if (set_params (domain, kind, disk, params, n, VIR_DOMAIN_AFFECT_LIVE) == 0)
        {
          /* Best effort: keep it for the next start too. */
          if (persistent && set_params (domain, kind, disk, params, n,
                                        VIR_DOMAIN_AFFECT_CONFIG) < 0)
            virResetLastError ();
          goto live;
        }
      live_error = virGetLastError () ? virGetLastError ()->code : VIR_ERR_OK;
      virResetLastError ();
      if (set_params (domain, kind, disk, params, n, VIR_DOMAIN_AFFECT_CURRENT) == 0)
        goto live;
      /* "Not possible here" (QEMU without the cgroup controller) is no
       * reason to save it for the next start: that start would fail for the
       * same reason. Only "not possible live" is. */
      if (!persistent || live_error == VIR_ERR_OPERATION_INVALID
          || live_error == VIR_ERR_OPERATION_FAILED || live_error == VIR_ERR_SYSTEM_ERROR)
        goto fail;
      g_debug ("%s: cannot change live, saving for the next start", op->name);
      virResetLastError ();
    }

  if (set_params (domain, kind, disk, params, n, VIR_DOMAIN_AFFECT_CONFIG) == 0)
    goto next_start;
  if (active)
    goto fail;
  virResetLastError ();
  if (set_params (domain, kind, disk, params, n, VIR_DOMAIN_AFFECT_CURRENT) == 0)
    goto next_start;

fail:
  virTypedParamsFree (params, n);
  _hearth_error_take_libvirt (error, "Could not set the machine's limits");
  return FALSE;

live:
  op->live |= group;
  virTypedParamsFree (params, n);
  return TRUE;

next_start:
  op->next_start |= group;
  virTypedParamsFree (params, n);
  return TRUE;
}

static gboolean
apply_group (LimitsOp         *op,
             virDomainPtr      domain,
             Kind              kind,
             const char       *disk,
             HearthLimitsGroup group,
             GError          **error)
{
  g_autoptr(GError) first_error = NULL;

  if (apply_group_once (op, domain, kind, disk, group, FALSE, &first_error))
    return TRUE;
  if (kind != KIND_IOTUNE || !g_error_matches (first_error, HEARTH_ERROR,
                                               HEARTH_ERROR_INVALID_ARGUMENT))
    {
      g_propagate_error (error, g_steal_pointer (&first_error));
      return FALSE;
    }
  return apply_group_once (op, domain, kind, disk, group, TRUE, error);
}

static void
apply_worker (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  LimitsOp *op = task_data;
  g_autoptr(HearthVirDomain) domain = NULL;
  g_autoptr(GError) error = NULL;
  HearthLimitsGroup groups = op->limits->groups;
  gint64 begin = hearth_now_usec ();

  if (!(domain = virDomainLookupByUUIDString (op->conn, op->uuid)))
    {
      _hearth_error_take_libvirt (&error, "Could not find the machine");
      goto out;
    }

  if ((groups & HEARTH_LIMITS_CPU)
      && !apply_group (op, domain, KIND_SCHED, NULL, HEARTH_LIMITS_CPU, &error))
    goto out;
  if ((groups & HEARTH_LIMITS_BLKIO)
      && !apply_group (op, domain, KIND_BLKIO, NULL, HEARTH_LIMITS_BLKIO, &error))
    goto out;
  if ((groups & HEARTH_LIMITS_MEMORY)
      && !apply_group (op, domain, KIND_MEMORY, NULL, HEARTH_LIMITS_MEMORY, &error))
    goto out;
  if (groups & HEARTH_LIMITS_DISKS)
    for (guint i = 0; i < op->limits->disks->len; i++)
      {
        HearthDiskLimits *disk = g_ptr_array_index (op->limits->disks, i);

        if (!apply_group (op, domain, KIND_IOTUNE, disk->target, HEARTH_LIMITS_DISKS, &error))
          goto out;
      }

out:
  hearth_audit_record (op->uri, op->name, op->uuid, "set-limits", error,
                       hearth_now_usec () - begin);
  if (error != NULL)
    g_task_return_error (task, g_steal_pointer (&error));
  else
    g_task_return_boolean (task, TRUE);
}

/* Main thread ------------------------------------------------------------------ */

static GTask *
limits_task_new (HearthMachine      *machine,
                 gpointer            source_tag,
                 GCancellable       *cancellable,
                 GAsyncReadyCallback callback,
                 gpointer            user_data)
{
  g_autoptr(GTask) task = g_task_new (machine, cancellable, callback, user_data);
  HearthConnection *connection = hearth_machine_get_connection (machine);
  g_autoptr(GError) error = NULL;
  virConnectPtr conn = NULL;
  LimitsOp *op;

  g_task_set_source_tag (task, source_tag);
  if (connection == NULL || !(conn = _hearth_connection_dup_virconn (connection, &error)))
    {
      if (error == NULL)
        g_set_error (&error, HEARTH_ERROR, HEARTH_ERROR_CONNECTION_LOST,
                     "The machine's connection is gone");
      g_task_return_error (task, g_steal_pointer (&error));
      return NULL;
    }

  op = g_new0 (LimitsOp, 1);
  op->conn = conn;
  op->uri = g_strdup (hearth_connection_get_uri (connection));
  op->uuid = g_strdup (hearth_machine_get_uuid (machine));
  op->name = g_strdup (hearth_machine_get_name (machine));
  g_task_set_task_data (task, op, (GDestroyNotify) limits_op_free);
  return g_steal_pointer (&task);
}

/**
 * hearth_limits_read_async:
 * @machine: a #HearthMachine
 *
 * Reads the machine's limits (the running machine's when it runs, else its
 * configuration's). The result's groups say which the hypervisor supports.
 */
void
hearth_limits_read_async (HearthMachine      *machine,
                          GCancellable       *cancellable,
                          GAsyncReadyCallback callback,
                          gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (HEARTH_IS_MACHINE (machine));

  if ((task = limits_task_new (machine, hearth_limits_read_async, cancellable, callback,
                               user_data)))
    g_task_run_in_thread (task, read_worker);
}

/**
 * hearth_limits_read_finish:
 *
 * Returns: (transfer full): the limits, or %NULL on error
 */
HearthLimits *
hearth_limits_read_finish (HearthMachine *machine,
                           GAsyncResult  *result,
                           GError       **error)
{
  g_return_val_if_fail (g_task_is_valid (result, machine), NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * hearth_limits_apply_async:
 * @machine: a #HearthMachine
 * @limits: the limits; only its @groups are changed
 *
 * Applies limits, live where the hypervisor allows it for a running machine
 * and in the configuration either way. Audited as "set-limits".
 */
void
hearth_limits_apply_async (HearthMachine      *machine,
                           const HearthLimits *limits,
                           GCancellable       *cancellable,
                           GAsyncReadyCallback callback,
                           gpointer            user_data)
{
  g_autoptr(GTask) task = NULL;
  LimitsOp *op;

  g_return_if_fail (HEARTH_IS_MACHINE (machine));
  g_return_if_fail (limits != NULL);

  if (!(task = limits_task_new (machine, hearth_limits_apply_async, cancellable, callback,
                                user_data)))
    return;
  op = g_task_get_task_data (task);
  op->limits = hearth_limits_copy (limits);
  g_task_run_in_thread (task, apply_worker);
}

/**
 * hearth_limits_apply_finish:
 * @out_live: (out) (optional): the groups that took effect at once
 * @out_next_start: (out) (optional): the groups saved in the configuration
 *   only, which apply on the machine's next start (say so to the user)
 *
 * Returns: %TRUE when every group was applied; on error, the groups before
 *   the failing one may have been
 */
gboolean
hearth_limits_apply_finish (HearthMachine     *machine,
                            GAsyncResult      *result,
                            HearthLimitsGroup *out_live,
                            HearthLimitsGroup *out_next_start,
                            GError           **error)
{
  LimitsOp *op;

  g_return_val_if_fail (g_task_is_valid (result, machine), FALSE);

  op = g_task_get_task_data (G_TASK (result));
  if (out_live)
    *out_live = op->live;
  if (out_next_start)
    *out_next_start = op->next_start;
  return g_task_propagate_boolean (G_TASK (result), error);
}
