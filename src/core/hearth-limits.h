/* hearth-limits.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-types.h"

G_BEGIN_DECLS

/**
 * HearthLimitsGroup:
 * @HEARTH_LIMITS_NONE: no group
 * @HEARTH_LIMITS_CPU: CPU weight and quota (libvirt cputune)
 * @HEARTH_LIMITS_BLKIO: disk I/O weight (blkiotune)
 * @HEARTH_LIMITS_MEMORY: memory hard and soft limits (memtune)
 * @HEARTH_LIMITS_DISKS: per-disk throughput and IOPS limits (iotune)
 *
 * The groups of limits, which libvirt sets separately.
 */
typedef enum /*< flags >*/
{
  HEARTH_LIMITS_NONE = 0,
  HEARTH_LIMITS_CPU = 1 << 0,
  HEARTH_LIMITS_BLKIO = 1 << 1,
  HEARTH_LIMITS_MEMORY = 1 << 2,
  HEARTH_LIMITS_DISKS = 1 << 3,
} HearthLimitsGroup;

/**
 * HearthDiskLimits:
 * @target: the disk's guest name ("vda")
 * @read_bytes_sec: read throughput cap, bytes per second, 0 for none
 * @write_bytes_sec: write throughput cap
 * @read_iops_sec: read requests per second cap
 * @write_iops_sec: write requests per second cap
 */
typedef struct
{
  char   *target;
  guint64 read_bytes_sec;
  guint64 write_bytes_sec;
  guint64 read_iops_sec;
  guint64 write_iops_sec;
} HearthDiskLimits;

/**
 * HearthLimits:
 * @groups: on reading, the groups the hypervisor supports for the machine;
 *   on applying, the groups to change
 * @cpu_shares: relative CPU weight (cputune shares; 1024 is libvirt's usual
 *   default), 0 to leave as is
 * @cpu_quota_usec: CPU time each vCPU may use per period, 0 for no cap
 * @cpu_period_usec: the period of @cpu_quota_usec, 0 for the hypervisor's
 * @blkio_weight: relative disk I/O weight, 100–1000, 0 to leave as is
 * @memory_hard_limit_kib: the most memory the machine's process may use, 0 for none
 * @memory_soft_limit_kib: the memory it is pushed back to under contention, 0 for none
 * @disks: (element-type HearthDiskLimits): per-disk limits, for the disks named
 *
 * A machine's resource limits.
 */
typedef struct
{
  HearthLimitsGroup groups;
  guint64           cpu_shares;
  guint64           cpu_quota_usec;
  guint64           cpu_period_usec;
  guint             blkio_weight;
  guint64           memory_hard_limit_kib;
  guint64           memory_soft_limit_kib;
  GPtrArray        *disks;
} HearthLimits;

#define HEARTH_TYPE_LIMITS (hearth_limits_get_type ())
GType              hearth_limits_get_type     (void) G_GNUC_CONST;
HearthLimits      *hearth_limits_new          (void);
HearthLimits      *hearth_limits_copy         (const HearthLimits *limits);
void               hearth_limits_free         (HearthLimits       *limits);
HearthDiskLimits  *hearth_limits_add_disk     (HearthLimits       *limits,
                                               const char         *target);
HearthDiskLimits  *hearth_limits_find_disk    (const HearthLimits *limits,
                                               const char         *target);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthLimits, hearth_limits_free)

void               hearth_limits_read_async   (HearthMachine      *machine,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
HearthLimits      *hearth_limits_read_finish  (HearthMachine      *machine,
                                               GAsyncResult       *result,
                                               GError            **error);
void               hearth_limits_apply_async  (HearthMachine      *machine,
                                               const HearthLimits *limits,
                                               GCancellable       *cancellable,
                                               GAsyncReadyCallback callback,
                                               gpointer            user_data);
gboolean           hearth_limits_apply_finish (HearthMachine      *machine,
                                               GAsyncResult       *result,
                                               HearthLimitsGroup  *out_live,
                                               HearthLimitsGroup  *out_next_start,
                                               GError            **error);

G_END_DECLS
