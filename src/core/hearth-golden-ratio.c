/* hearth-golden-ratio.c  SPDX-License-Identifier: GPL-3.0-or-later */

#define G_LOG_DOMAIN "hearth-golden-ratio"

#include "config.h"

#include <math.h>
#include <string.h>

#include "hearth-golden-ratio.h"
#include "hearth-machine.h"

/*
 * The golden-ratio rule of DESIGN.md: all running machines together commit at
 * most 1/φ ≈ 61.8 % of the host's threads and memory, so the host keeps ≈ 38.2 %.
 * A verdict is "tight" above 90 % of that budget (≈ 55.6 % of the host): one more
 * small machine would break the rule, which is worth a word in the wizard.
 */

G_DEFINE_BOXED_TYPE (HearthGoldenVerdict, hearth_golden_verdict, hearth_golden_verdict_copy,
                     hearth_golden_verdict_free)

/** hearth_golden_verdict_copy: Returns: (transfer full): a copy */
HearthGoldenVerdict *
hearth_golden_verdict_copy (const HearthGoldenVerdict *verdict)
{
  return g_memdup2 (verdict, sizeof *verdict);
}

/** hearth_golden_verdict_free: Frees @verdict. */
void
hearth_golden_verdict_free (HearthGoldenVerdict *verdict)
{
  g_free (verdict);
}

static HearthGoldenFit
fit_for_share (double share)
{
  /* A tiny epsilon, so a machine that takes exactly its budget is not over
   * because of rounding in the 1/φ product. */
  if (share > 1.0 + 1e-9)
    return HEARTH_GOLDEN_FIT_OVER;
  if (share > HEARTH_GOLDEN_TIGHT)
    return HEARTH_GOLDEN_FIT_TIGHT;
  return HEARTH_GOLDEN_FIT_FITS;
}

/**
 * hearth_golden_ratio_check_numbers:
 * @host_threads: the host's threads
 * @host_memory: the host's memory in bytes
 * @running_vcpus: vCPUs already committed by running machines
 * @running_memory: memory already committed, in bytes
 * @new_vcpus: vCPUs of the machine to add
 * @new_memory: its memory in bytes
 * @verdict: (out caller-allocates): the verdict
 *
 * The golden-ratio check on plain numbers.
 */
void
hearth_golden_ratio_check_numbers (guint                host_threads,
                                   guint64              host_memory,
                                   guint                running_vcpus,
                                   guint64              running_memory,
                                   guint                new_vcpus,
                                   guint64              new_memory,
                                   HearthGoldenVerdict *verdict)
{
  g_return_if_fail (verdict != NULL);

  memset (verdict, 0, sizeof *verdict);
  verdict->host_threads = host_threads;
  verdict->host_memory = host_memory;
  verdict->budget_vcpus = host_threads * HEARTH_GOLDEN_SHARE;
  verdict->budget_memory = (guint64) floor ((double) host_memory * HEARTH_GOLDEN_SHARE);
  verdict->running_vcpus = running_vcpus;
  verdict->running_memory = running_memory;
  verdict->new_vcpus = new_vcpus;
  verdict->new_memory = new_memory;

  /* A host that reports nothing has no budget: anything is over. */
  verdict->cpu_share = verdict->budget_vcpus > 0
                         ? (running_vcpus + new_vcpus) / verdict->budget_vcpus
                         : INFINITY;
  verdict->memory_share = verdict->budget_memory > 0
                            ? (double) (running_memory + new_memory) / verdict->budget_memory
                            : INFINITY;
  verdict->cpu_fit = fit_for_share (verdict->cpu_share);
  verdict->memory_fit = fit_for_share (verdict->memory_share);
  verdict->fit = MAX (verdict->cpu_fit, verdict->memory_fit);
}

/**
 * hearth_golden_ratio_check:
 * @host: the host
 * @machines: (nullable): a #GListModel of #HearthMachine on the same host as
 *   @host, usually hearth_connection_get_machines(); the active ones count as
 *   committed. Not a filtered view (a #HearthMachineCollection with a search
 *   hides machines) and not machines of other hosts.
 * @exclude: (nullable): a machine not to count (the one being started)
 * @new_vcpus: vCPUs of the machine to add
 * @new_memory: its memory in bytes
 * @verdict: (out caller-allocates): the verdict
 *
 * Checks whether a machine of @new_vcpus and @new_memory fits beside the machines
 * already running (running, paused, suspended or shutting down: they all hold
 * their memory).
 */
void
hearth_golden_ratio_check (HearthHostProfile   *host,
                           GListModel          *machines,
                           HearthMachine       *exclude,
                           guint                new_vcpus,
                           guint64              new_memory,
                           HearthGoldenVerdict *verdict)
{
  guint running_vcpus = 0;
  guint64 running_memory = 0;

  g_return_if_fail (HEARTH_IS_HOST_PROFILE (host));
  g_return_if_fail (machines == NULL || G_IS_LIST_MODEL (machines));

  for (guint i = 0; machines != NULL && i < g_list_model_get_n_items (machines); i++)
    {
      g_autoptr(HearthMachine) machine = g_list_model_get_item (machines, i);

      if (machine == exclude || !hearth_machine_is_active (machine))
        continue;
      running_vcpus += hearth_machine_get_vcpus (machine);
      running_memory += hearth_machine_get_memory (machine);
    }

  hearth_golden_ratio_check_numbers (hearth_host_profile_get_threads (host),
                                     hearth_host_profile_get_memory (host), running_vcpus,
                                     running_memory, new_vcpus, new_memory, verdict);
}

/**
 * hearth_golden_ratio_check_start:
 * @host: the host
 * @machines: (nullable): the machines of the host
 * @machine: the machine to start
 * @verdict: (out caller-allocates): the verdict
 *
 * The check for the start action: @machine's vCPUs and memory against the others
 * that run.
 */
void
hearth_golden_ratio_check_start (HearthHostProfile   *host,
                                 GListModel          *machines,
                                 HearthMachine       *machine,
                                 HearthGoldenVerdict *verdict)
{
  g_return_if_fail (HEARTH_IS_MACHINE (machine));

  hearth_golden_ratio_check (host, machines, machine, hearth_machine_get_vcpus (machine),
                             hearth_machine_get_memory (machine), verdict);
}

/**
 * hearth_golden_ratio_max_vcpus:
 *
 * Returns: the most vCPUs one machine may have on a host of @host_threads (61.8 %,
 *   rounded down, at least 1)
 */
guint
hearth_golden_ratio_max_vcpus (guint host_threads)
{
  return MAX (1, (guint) floor (host_threads * HEARTH_GOLDEN_SHARE + 1e-9));
}

/**
 * hearth_golden_ratio_max_memory:
 *
 * Returns: the most memory one machine may have, 61.8 % of @host_memory rounded
 *   down to whole MiB
 */
guint64
hearth_golden_ratio_max_memory (guint64 host_memory)
{
  guint64 budget = (guint64) floor ((double) host_memory * HEARTH_GOLDEN_SHARE);

  return budget / (1024 * 1024) * (1024 * 1024);
}

/** hearth_golden_fit_to_string: Returns: (transfer none): "fits", "tight" or "over" */
const char *
hearth_golden_fit_to_string (HearthGoldenFit fit)
{
  static const char *names[] = { "fits", "tight", "over" };

  g_return_val_if_fail (fit <= HEARTH_GOLDEN_FIT_OVER, NULL);
  return names[fit];
}
