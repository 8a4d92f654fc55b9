// SPDX-License-Identifier: GPL-2.0-or-later
// Log output (stderr or the journal) and escaping of untrusted text before it is logged.
#pragma once

#include <glib.h>

typedef enum {
    LOG_TARGET_AUTO, /* the journal when stderr is the journal's stream, else stderr */
    LOG_TARGET_STDERR,
    LOG_TARGET_JOURNAL,
} LogTarget;

/* Installs the structured log writer for the process. verbosity: 0 logs message and above,
 * 1 adds info, 2 adds debug. Call once from a main(). LOG_TARGET_AUTO picks the journal when
 * stderr is the stream $JOURNAL_STREAM names (or, without it, a journal socket): entries then
 * carry GLib's PRIORITY per level, SYSLOG_IDENTIFIER=alertband, and each key=value pair of the
 * message as ALERTBAN_KEY=value (a leading bare word, "ban" or "unban", as ALERTBAN_EVENT). */
void log_setup(LogTarget target, int verbosity);

/* Whether a line of level would be written: FALSE for info and debug below the verbosity
 * log_setup() set (TRUE for everything when another writer is installed, as in tests). For
 * callers that would format a line per alert only to have it dropped. */
gboolean log_level_enabled(GLogLevelFlags level);

/* Longest text log_escape() keeps before it truncates with "...". */
#define LOG_ESCAPE_MAX 256

/* Copies at most len bytes of untrusted text (from a log file or a socket) into out, escaping
 * non-printable bytes, backslash and double quote as \xHH / \\ / \", and truncating to
 * LOG_ESCAPE_MAX input bytes. out must hold LOG_ESCAPE_BUFSIZE bytes; returns out. */
#define LOG_ESCAPE_BUFSIZE (LOG_ESCAPE_MAX * 4 + 4)
const char *log_escape(const char *text, gsize len, char out[LOG_ESCAPE_BUFSIZE]);

/* A journal field made from a log line: key "ALERTBAN_ADDR", value "203.0.113.7". */
typedef struct {
    char key[64];
    char value[LOG_ESCAPE_BUFSIZE];
} LogField;

/* Most fields log_message_fields() makes of one line (the journal writer's limit). */
#define LOG_FIELDS_MAX 24

/* The key=value pairs of a log line as ALERTBAN_KEY=value fields, in order, at most max: a key
 * is a lower-case word (letters, digits, '_'; at most 54 bytes), a value runs to the next space
 * or is a "quoted" text as log_escape() writes it (kept escaped, without the quotes). A first
 * word without '=' or ':' ("ban", "unban", "extend") becomes ALERTBAN_EVENT. Other words are
 * skipped. Returns the number of fields filled. */
gsize log_message_fields(const char *message, LogField *out, gsize max);
