/* hearth-test-utils.h  SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include "hearth-core.h"

G_BEGIN_DECLS

typedef gboolean (*HearthTestCondition) (gpointer user_data);

gboolean          hearth_test_wait             (HearthTestCondition condition,
                                                gpointer            user_data,
                                                guint               timeout_ms);
gboolean          hearth_test_wait_flag        (gboolean           *flag,
                                                guint               timeout_ms);
void              hearth_test_iterate_for      (guint               ms);
HearthConnection *hearth_test_open_connection  (const char         *uri);
char             *hearth_test_fixture_uri      (const char         *fixture);
char             *hearth_test_dup_audit_log    (void);
void              hearth_test_init_core        (void);

/* Defines @xml on @connection and returns the machine; runs @action on
 * @machine. Both wait (at most @timeout_ms) and fail the test on an error. */
HearthMachine    *hearth_test_define_machine   (HearthConnection   *connection,
                                                const char         *xml,
                                                guint               timeout_ms);
void              hearth_test_run_action       (HearthMachine      *machine,
                                                HearthMachineAction action,
                                                guint               timeout_ms);

/* Waits until the machine's state is @state, iterating the main context. */
gboolean          hearth_test_wait_machine_state (HearthMachine      *machine,
                                                  HearthMachineState  state,
                                                  guint               timeout_ms);

G_END_DECLS
