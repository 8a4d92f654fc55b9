// SPDX-License-Identifier: GPL-2.0-or-later
// What the offline commands (parse, replay) share: feeding an alert log from a descriptor to
// an AlertReader with bounded memory, and batched writes to standard output.
#include "cli_offline.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"

/* Input is read in chunks of this size; a partial line is kept only up to ALERT_LINE_MAX. */
#define READ_CHUNK (64 * 1024)

gboolean
cli_read_alerts(const char *cmd, int fd, const char *name, AlertReader *reader, AlertSinkFunc sink,
                gpointer user_data)
{
    g_autofree char *buf = g_malloc(READ_CHUNK + ALERT_LINE_MAX + 1);
    gsize have = 0;            /* bytes in buf */
    guint64 base = 0;          /* input offset of buf[0] */
    gboolean dropping = FALSE; /* inside an over-long line */
    for (;;) {
        ssize_t n = read(fd, buf + have, READ_CHUNK);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            fprintf(stderr, "%s: reading %s: %s\n", cmd, name, g_strerror(errno));
            return FALSE;
        }
        if (n == 0)
            break;
        have += (gsize)n;
        gsize pos = 0;
        const char *nl;
        while ((nl = memchr(buf + pos, '\n', have - pos)) != NULL) {
            guint64 end = base + (guint64)(nl - buf) + 1;
            if (dropping) {
                alert_reader_feed_overlong(reader, end);
                dropping = FALSE;
            } else {
                alert_reader_feed(reader, buf + pos, (gsize)(nl - (buf + pos)), end, sink,
                                  user_data);
            }
            pos = (gsize)(nl - buf) + 1;
        }
        gsize rest = have - pos;
        if (dropping || rest > ALERT_LINE_MAX) {
            dropping = TRUE; /* forget the partial line; its newline ends the drop */
            base += have;
            have = 0;
        } else {
            memmove(buf, buf + pos, rest);
            base += pos;
            have = rest;
        }
    }
    if (dropping)
        alert_reader_feed_overlong(reader, base);
    else if (have > 0) /* last line without a newline */
        alert_reader_feed(reader, buf, have, base + have, sink, user_data);
    return TRUE;
}

static gboolean
write_all(int fd, const char *buf, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return FALSE;
        }
        buf += n;
        len -= (gsize)n;
    }
    return TRUE;
}

void
cli_write_stdout(const char *cmd, GString *out, gboolean *failed)
{
    if (out->len == 0 || *failed)
        return;
    if (!write_all(STDOUT_FILENO, out->str, out->len)) {
        fprintf(stderr, "%s: writing output: %s\n", cmd, g_strerror(errno));
        *failed = TRUE;
    }
    g_string_truncate(out, 0);
}

void
cli_print_skipped(AlertSkipReason reason, guint64 line_no, guint64 start_offset, const char *line,
                  gsize len, gpointer user_data)
{
    const CliSkipped *k = user_data;
    char where[64];
    if (k->by_offset)
        g_snprintf(where, sizeof where, "@%" G_GUINT64_FORMAT, start_offset);
    else
        g_snprintf(where, sizeof where, ":%" G_GUINT64_FORMAT, line_no - k->base_line);
    if (!line) {
        fprintf(stderr, "%s%s: %s: (longer than %u bytes, not shown)\n", k->name, where,
                alert_skip_reason_name(reason), (unsigned)ALERT_LINE_MAX);
        return;
    }
    char esc[LOG_ESCAPE_BUFSIZE];
    fprintf(stderr, "%s%s: %s: %s\n", k->name, where, alert_skip_reason_name(reason),
            log_escape(line, len, esc));
}
