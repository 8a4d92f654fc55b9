// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the unit tests: a capturing log writer, temp-dir fixtures, and a daemon
// started as the daemon tests run it.
#pragma once

#include <glib.h>

#include "daemon.h"

/* Calls g_test_init() and installs a log writer that records WARNING and below instead of
 * printing them (g_test_expect_message() sees nothing with structured logging on GLib 2.74),
 * and aborts on CRITICAL or ERROR, which mean a bug. */
void test_init(int *argc, char ***argv);

/* Asserts that a captured log line matches the glob pattern, and forgets the lines up to and
 * including it. */
#define test_log_assert(pattern) test_log_assert_impl(pattern, __FILE__, __LINE__)
void test_log_assert_impl(const char *pattern, const char *file, int line);

/* Number of captured lines matching pattern (without forgetting them). */
guint test_log_count(const char *pattern);

/* Also records DEBUG lines (what the daemon logs at -vv) while on is TRUE. */
void test_log_capture_debug(gboolean on);

/* Forgets every captured line. */
void test_log_clear(void);

/* text (a configuration) with a [policy] section after it holding what the older cases
 * assume and the built-in defaults no longer say: every priority counts and one alert bans
 * (`priorities =`, `threshold = 1/60s`, `priority_thresholds =`), each only when text's own
 * [policy] section does not set it. Free with g_free(). */
char *test_config_with_old_policy(const char *text);

/* Makes a fresh temporary directory; the caller removes it with test_rm_rf(). */
char *test_mkdtemp(void);
void test_rm_rf(const char *path);

/* A daemon started from the configuration file conf_path, with fw (borrowed) as its firewall,
 * neither the own-address watch nor signal handlers: as the daemon tests run it. Asserts that
 * it starts. */
Daemon *test_daemon_start(const char *conf_path, Fw *fw);
