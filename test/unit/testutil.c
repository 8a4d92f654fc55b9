// SPDX-License-Identifier: GPL-2.0-or-later
// Helpers shared by the unit tests: a capturing log writer and temp-dir fixtures.
#include "testutil.h"

#include <glib/gstdio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static GPtrArray *captured;
static GMutex captured_lock;
static gboolean capture_debug;

static GLogWriterOutput
capture_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
    (void)user_data;
    const char *message = "";
    for (gsize i = 0; i < n_fields; i++) {
        if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
            message = fields[i].value;
    }
    if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR)) {
        fprintf(stderr, "unexpected critical: %s\n", message);
        abort();
    }
    if ((level & G_LOG_LEVEL_DEBUG) && !capture_debug)
        return G_LOG_WRITER_HANDLED;
    g_mutex_lock(&captured_lock);
    g_ptr_array_add(captured, g_strdup(message));
    g_mutex_unlock(&captured_lock);
    if (g_getenv("TEST_LOG_VERBOSE"))
        fprintf(stderr, "log: %s\n", message);
    return G_LOG_WRITER_HANDLED;
}

void
test_log_capture_debug(gboolean on)
{
    capture_debug = on;
}

void
test_init(int *argc, char ***argv)
{
    g_test_init(argc, argv, NULL);
    captured = g_ptr_array_new_with_free_func(g_free);
    g_log_set_writer_func(capture_writer, NULL, NULL);
}

void
test_log_assert_impl(const char *pattern, const char *file, int line)
{
    g_mutex_lock(&captured_lock);
    for (guint i = 0; i < captured->len; i++) {
        if (g_pattern_match_simple(pattern, captured->pdata[i])) {
            g_ptr_array_remove_range(captured, 0, i + 1);
            g_mutex_unlock(&captured_lock);
            return;
        }
    }
    GString *seen = g_string_new(NULL);
    for (guint i = 0; i < captured->len; i++)
        g_string_append_printf(seen, "\n  %s", (char *)captured->pdata[i]);
    g_mutex_unlock(&captured_lock);
    g_error("%s:%d: no log line matches '%s'; captured:%s", file, line, pattern, seen->str);
}

guint
test_log_count(const char *pattern)
{
    guint n = 0;
    g_mutex_lock(&captured_lock);
    for (guint i = 0; i < captured->len; i++)
        n += g_pattern_match_simple(pattern, captured->pdata[i]);
    g_mutex_unlock(&captured_lock);
    return n;
}

void
test_log_clear(void)
{
    g_mutex_lock(&captured_lock);
    g_ptr_array_set_size(captured, 0);
    g_mutex_unlock(&captured_lock);
}

char *
test_mkdtemp(void)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("alertban-test-XXXXXX", &error);
    g_assert_no_error(error);
    return dir;
}

void
test_rm_rf(const char *path)
{
    GDir *dir = g_dir_open(path, 0, NULL);
    if (dir) {
        const char *name;
        while ((name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
                !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
                test_rm_rf(child);
            else
                g_unlink(child);
        }
        g_dir_close(dir);
    }
    g_rmdir(path);
}

char *
test_config_with_old_policy(const char *text)
{
    static const char *const keys[][2] = {
        {"priorities", ""}, {"threshold", "1/60s"}, {"priority_thresholds", ""}};
    const char *policy = strstr(text, "[policy]");
    const char *end = policy ? strstr(policy, "\n[") : NULL;
    g_autofree char *section = NULL;
    if (policy)
        section = end ? g_strndup(policy, (gsize)(end - policy)) : g_strdup(policy);
    /* At the end, so that the case's own lines keep their numbers. */
    GString *out = g_string_new(text);
    if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append_c(out, '\n');
    g_string_append(out, "[policy]\n");
    for (gsize i = 0; i < G_N_ELEMENTS(keys); i++) {
        g_autofree char *needle = g_strdup_printf("\n%s =", keys[i][0]);
        if (!section || !strstr(section, needle))
            g_string_append_printf(out, "%s = %s\n", keys[i][0], keys[i][1]);
    }
    return g_string_free(out, FALSE);
}

Daemon *
test_daemon_start(const char *conf_path, Fw *fw)
{
    g_autoptr(GError) error = NULL;
    Config *cfg = config_load_file(conf_path, &error);
    g_assert_no_error(error);
    DaemonOptions opts;
    daemon_options_init(&opts);
    opts.fw = fw;
    opts.watch_ownaddr = FALSE;
    opts.handle_signals = FALSE;
    Daemon *d = daemon_new(cfg, conf_path, &opts, &error);
    g_assert_no_error(error);
    g_assert_nonnull(d);
    return d;
}
