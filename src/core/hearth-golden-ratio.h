/* hearth-golden-ratio.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <gio/gio.h>

#include "hearth-host-profile.h"
#include "hearth-types.h"

G_BEGIN_DECLS

/** HEARTH_GOLDEN_SHARE: 1/φ, the share of the host machines may commit. */
#define HEARTH_GOLDEN_SHARE 0.6180339887498949

/** HEARTH_GOLDEN_TIGHT: the share of the budget above which a verdict is tight. */
#define HEARTH_GOLDEN_TIGHT 0.9

/**
 * HearthGoldenFit:
 * @HEARTH_GOLDEN_FIT_FITS: at most 90 % of the budget (61.8 % of the host) is committed
 * @HEARTH_GOLDEN_FIT_TIGHT: more than 90 % of the budget, but within it
 * @HEARTH_GOLDEN_FIT_OVER: more than the budget: the host keeps less than 38.2 %
 */
typedef enum
{
  HEARTH_GOLDEN_FIT_FITS,
  HEARTH_GOLDEN_FIT_TIGHT,
  HEARTH_GOLDEN_FIT_OVER,
} HearthGoldenFit;

/**
 * HearthGoldenVerdict:
 * @fit: the worse of @cpu_fit and @memory_fit
 * @cpu_fit: the verdict for vCPUs
 * @memory_fit: the verdict for memory
 * @host_threads: the host's threads
 * @host_memory: the host's memory in bytes
 * @budget_vcpus: 61.8 % of the host's threads (not rounded)
 * @budget_memory: 61.8 % of the host's memory in bytes
 * @running_vcpus: vCPUs of the machines already running (the new one excluded)
 * @running_memory: their memory in bytes
 * @new_vcpus: vCPUs of the machine to start or create
 * @new_memory: its memory in bytes
 * @cpu_share: (running + new vCPUs) / budget; above 1.0 is over
 * @memory_share: (running + new memory) / budget
 *
 * The golden-ratio check's answer, with the numbers to show.
 */
typedef struct
{
  HearthGoldenFit fit;
  HearthGoldenFit cpu_fit;
  HearthGoldenFit memory_fit;
  guint           host_threads;
  guint64         host_memory;
  double          budget_vcpus;
  guint64         budget_memory;
  guint           running_vcpus;
  guint64         running_memory;
  guint           new_vcpus;
  guint64         new_memory;
  double          cpu_share;
  double          memory_share;
} HearthGoldenVerdict;

#define HEARTH_TYPE_GOLDEN_VERDICT (hearth_golden_verdict_get_type ())
GType                hearth_golden_verdict_get_type (void) G_GNUC_CONST;
HearthGoldenVerdict *hearth_golden_verdict_copy     (const HearthGoldenVerdict *verdict);
void                 hearth_golden_verdict_free     (HearthGoldenVerdict       *verdict);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (HearthGoldenVerdict, hearth_golden_verdict_free)

void              hearth_golden_ratio_check_numbers (guint                host_threads,
                                                     guint64              host_memory,
                                                     guint                running_vcpus,
                                                     guint64              running_memory,
                                                     guint                new_vcpus,
                                                     guint64              new_memory,
                                                     HearthGoldenVerdict *verdict);
void              hearth_golden_ratio_check         (HearthHostProfile   *host,
                                                     GListModel          *machines,
                                                     HearthMachine       *exclude,
                                                     guint                new_vcpus,
                                                     guint64              new_memory,
                                                     HearthGoldenVerdict *verdict);
void              hearth_golden_ratio_check_start   (HearthHostProfile   *host,
                                                     GListModel          *machines,
                                                     HearthMachine       *machine,
                                                     HearthGoldenVerdict *verdict);
guint             hearth_golden_ratio_max_vcpus     (guint                host_threads);
guint64           hearth_golden_ratio_max_memory    (guint64              host_memory);
const char       *hearth_golden_fit_to_string       (HearthGoldenFit      fit);

G_END_DECLS
