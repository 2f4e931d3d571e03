/* hearth-application.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <adwaita.h>

#include "hearth-core.h"

G_BEGIN_DECLS

#define HEARTH_TYPE_APPLICATION (hearth_application_get_type ())
G_DECLARE_FINAL_TYPE (HearthApplication, hearth_application, HEARTH, APPLICATION, AdwApplication)

HearthApplication       *hearth_application_new              (void);
GSettings               *hearth_application_get_settings     (HearthApplication *self);
HearthConnection        *hearth_application_get_connection   (HearthApplication *self);
const char              *hearth_application_get_connect_override (HearthApplication *self);
HearthMachineCollection *hearth_application_get_collection   (HearthApplication *self);
void                     hearth_application_retry_connection (HearthApplication *self);
HearthStatsSampler      *hearth_application_get_sampler      (HearthApplication *self);
HearthAlertEngine       *hearth_application_get_alert_engine (HearthApplication *self);
HearthIdlePolicy        *hearth_application_get_idle_policy  (HearthApplication *self);
HearthMetricsExporter   *hearth_application_get_metrics_exporter (HearthApplication *self);
const char              *hearth_application_get_metrics_error (HearthApplication *self);

G_END_DECLS
