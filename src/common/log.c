// SPDX-License-Identifier: GPL-2.0-or-later
// Log output (stderr or the journal) and escaping of untrusted text before it is logged.
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

typedef struct {
    gboolean installed;
    gboolean journal;
    int verbosity;
} LogState;

/* Set once by log_setup() before the loop starts; read-only afterwards. */
static LogState log_state;

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
    const LogState *st = user_data;
    if ((level & G_LOG_LEVEL_DEBUG) && st->verbosity < 2)
        return G_LOG_WRITER_HANDLED;
    if ((level & G_LOG_LEVEL_INFO) && st->verbosity < 1)
        return G_LOG_WRITER_HANDLED;
    if (st->journal && g_log_writer_journald(level, fields, n_fields, NULL) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;

    const char *message = "";
    for (gsize i = 0; i < n_fields; i++) {
        if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0) {
            message = fields[i].value;
            break;
        }
    }
    const char *prefix = "";
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        prefix = "critical: ";
    else if (level & G_LOG_LEVEL_WARNING)
        prefix = "warning: ";
    fprintf(stderr, "alertband: %s%s\n", prefix, message);
    fflush(stderr);
    return G_LOG_WRITER_HANDLED;
}

void
log_setup(LogTarget target, int verbosity)
{
    log_state.installed = TRUE;
    log_state.verbosity = verbosity;
    log_state.journal = target == LOG_TARGET_JOURNAL ||
                        (target == LOG_TARGET_AUTO && g_log_writer_is_journald(STDERR_FILENO));
    g_log_set_writer_func(log_writer, &log_state, NULL);
}

gboolean
log_level_enabled(GLogLevelFlags level)
{
    if (!log_state.installed)
        return TRUE;
    if (level & G_LOG_LEVEL_DEBUG)
        return log_state.verbosity >= 2;
    if (level & G_LOG_LEVEL_INFO)
        return log_state.verbosity >= 1;
    return TRUE;
}

const char *
log_escape(const char *text, gsize len, char out[LOG_ESCAPE_BUFSIZE])
{
    static const char hex[] = "0123456789abcdef";
    gsize o = 0;
    gsize n = MIN(len, (gsize)LOG_ESCAPE_MAX);
    for (gsize i = 0; i < n; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\\' || c == '"') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c >= 0x7f) {
            out[o++] = '\\';
            out[o++] = 'x';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xf];
        } else {
            out[o++] = (char)c;
        }
    }
    if (len > n) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}
