// SPDX-License-Identifier: GPL-2.0-or-later
// Log output (stderr or the journal) and escaping of untrusted text before it is logged.
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct {
    gboolean installed;
    gboolean journal;
    int verbosity;
} LogState;

/* Set once by log_setup() before the loop starts; read-only afterwards. */
static LogState log_state;

/* The journal's fields come from the text of the line itself, so that the greppable line and
 * the fields can never say different things, and callers need not build both. */
gsize
log_message_fields(const char *msg, LogField *kv, gsize max)
{
    gsize n = 0;
    const char *p = msg;
    if (max == 0)
        return 0;
    const char *first_end = p + strcspn(p, " ");
    if (first_end > p && first_end[0] == ' ' && strcspn(p, "=:") > (gsize)(first_end - p) &&
        (gsize)(first_end - p) < sizeof kv[0].value) {
        g_strlcpy(kv[n].key, "ALERTBAN_EVENT", sizeof kv[n].key);
        g_strlcpy(kv[n].value, p, (gsize)(first_end - p) + 1);
        n++;
    }
    while (*p && n < max) {
        while (*p == ' ')
            p++;
        const char *key = p;
        while (g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '_')
            p++;
        gsize key_len = (gsize)(p - key);
        if (key_len == 0 || *p != '=' || key_len > sizeof kv[n].key - 10 ||
            !g_ascii_islower(*key)) {
            /* Not a pair: skip the word (a quoted text is skipped whole). */
            gboolean quoted = FALSE;
            for (; *p && (quoted || *p != ' '); p++) {
                if (*p == '\\' && p[1])
                    p++;
                else if (*p == '"')
                    quoted = !quoted;
            }
            continue;
        }
        p++;
        const char *val = p;
        gsize val_len;
        if (*p == '"') {
            val = ++p;
            while (*p && *p != '"')
                p += (*p == '\\' && p[1]) ? 2 : 1;
            val_len = (gsize)(p - val);
            if (*p == '"')
                p++;
        } else {
            p += strcspn(p, " ");
            val_len = (gsize)(p - val);
        }
        memcpy(kv[n].key, "ALERTBAN_", 9);
        for (gsize i = 0; i < key_len; i++)
            kv[n].key[9 + i] = g_ascii_toupper(key[i]);
        kv[n].key[9 + key_len] = '\0';
        val_len = MIN(val_len, sizeof kv[n].value - 1);
        memcpy(kv[n].value, val, val_len);
        kv[n].value[val_len] = '\0';
        n++;
    }
    return n;
}

/* To the journal: GLib's fields (MESSAGE, PRIORITY from the level, GLIB_DOMAIN, CODE_*), the
 * program as SYSLOG_IDENTIFIER, and the message's key=value pairs as ALERTBAN_* fields, so
 * that `journalctl ALERTBAN_ADDR=203.0.113.7` finds an address's bans and unbans. */
static GLogWriterOutput
write_journal(GLogLevelFlags level, const GLogField *fields, gsize n_fields, const char *message)
{
    LogField kv[LOG_FIELDS_MAX];
    gsize n_kv = message ? log_message_fields(message, kv, G_N_ELEMENTS(kv)) : 0;
    g_autofree GLogField *all = g_new(GLogField, n_fields + n_kv + 1);
    gsize n = 0;
    gboolean has_ident = FALSE;
    for (gsize i = 0; i < n_fields; i++) {
        has_ident = has_ident || strcmp(fields[i].key, "SYSLOG_IDENTIFIER") == 0;
        all[n++] = fields[i];
    }
    if (!has_ident)
        all[n++] = (GLogField){"SYSLOG_IDENTIFIER", "alertband", -1};
    for (gsize i = 0; i < n_kv; i++)
        all[n++] = (GLogField){kv[i].key, kv[i].value, -1};
    return g_log_writer_journald(level, all, n, NULL);
}

static GLogWriterOutput
log_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer user_data)
{
    const LogState *st = user_data;
    if ((level & G_LOG_LEVEL_DEBUG) && st->verbosity < 2)
        return G_LOG_WRITER_HANDLED;
    if ((level & G_LOG_LEVEL_INFO) && st->verbosity < 1)
        return G_LOG_WRITER_HANDLED;

    const char *message = "";
    for (gsize i = 0; i < n_fields; i++) {
        if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0) {
            message = fields[i].value;
            break;
        }
    }
    /* When the journal cannot be reached the line still goes to stderr, where systemd's
     * stream would have taken it anyway. */
    if (st->journal && write_journal(level, fields, n_fields, message) == G_LOG_WRITER_HANDLED)
        return G_LOG_WRITER_HANDLED;

    const char *prefix = "";
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
        prefix = "critical: ";
    else if (level & G_LOG_LEVEL_WARNING)
        prefix = "warning: ";
    fprintf(stderr, "alertband: %s%s\n", prefix, message);
    fflush(stderr);
    return G_LOG_WRITER_HANDLED;
}

/* systemd sets JOURNAL_STREAM=DEV:INODE to the stream it connected stdout and stderr to; when
 * stderr is still that stream, the journal is listening (a redirection elsewhere changes the
 * inode). Without it, GLib's own test: stderr is a socket of the journal's. */
static gboolean
stderr_is_journal(void)
{
    const char *env = g_getenv("JOURNAL_STREAM");
    if (!env || !*env)
        return g_log_writer_is_journald(STDERR_FILENO);
    g_auto(GStrv) parts = g_strsplit(env, ":", 3);
    guint64 dev, ino;
    struct stat st;
    if (g_strv_length(parts) != 2 ||
        !g_ascii_string_to_unsigned(parts[0], 10, 0, G_MAXUINT64, &dev, NULL) ||
        !g_ascii_string_to_unsigned(parts[1], 10, 0, G_MAXUINT64, &ino, NULL) ||
        fstat(STDERR_FILENO, &st) != 0)
        return FALSE;
    return (guint64)st.st_dev == dev && (guint64)st.st_ino == ino;
}

void
log_setup(LogTarget target, int verbosity)
{
    log_state.installed = TRUE;
    log_state.verbosity = verbosity;
    log_state.journal =
        target == LOG_TARGET_JOURNAL || (target == LOG_TARGET_AUTO && stderr_is_journal());
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
