// SPDX-License-Identifier: GPL-2.0-or-later
// alertban parse: reads alert logs offline (files or standard input), prints every alert it
// understands, and says on standard error what it skipped. This is how an operator checks that
// alertban reads their sensor's output.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "alert.h"
#include "cli.h"

/* Input is read in chunks of this size; a partial line is kept only up to ALERT_LINE_MAX. */
#define READ_CHUNK (64 * 1024)
/* Output is written once this much has collected. */
#define OUT_FLUSH (64 * 1024)

typedef struct {
    gboolean json;
    GString *out;
    gboolean write_failed;
} ParseOutput;

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

static void
output_flush(ParseOutput *o)
{
    if (o->out->len == 0 || o->write_failed)
        return;
    if (!write_all(STDOUT_FILENO, o->out->str, o->out->len)) {
        fprintf(stderr, "alertban parse: writing output: %s\n", g_strerror(errno));
        o->write_failed = TRUE;
    }
    g_string_truncate(o->out, 0);
}

static void
on_alert(const Alert *alert, gpointer user_data)
{
    ParseOutput *o = user_data;
    if (o->json) {
        alert_append_json(o->out, alert);
        g_string_append_c(o->out, '\n');
    } else {
        alert_append_text(o->out, alert);
        g_string_append_c(o->out, '\n');
    }
    if (o->out->len >= OUT_FLUSH)
        output_flush(o);
}

/* Feeds every line of fd to the reader. A line longer than ALERT_LINE_MAX is dropped as it
 * streams past, so memory stays bounded whatever the input. FALSE on a read error. */
static gboolean
parse_fd(int fd, const char *name, AlertReader *reader, ParseOutput *o)
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
            fprintf(stderr, "alertban parse: reading %s: %s\n", name, g_strerror(errno));
            return FALSE;
        }
        if (n == 0)
            break;
        have += (gsize)n;
        gsize pos = 0;
        const char *nl;
        while ((nl = memchr(buf + pos, '\n', have - pos)) != NULL) {
            gsize line_len = (gsize)(nl - (buf + pos));
            guint64 end = base + (guint64)(nl - buf) + 1;
            if (dropping) {
                alert_reader_feed_overlong(reader, end);
                dropping = FALSE;
            } else {
                alert_reader_feed(reader, buf + pos, line_len, end, on_alert, o);
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
        alert_reader_feed(reader, buf, have, base + have, on_alert, o);
    alert_reader_flush(reader, on_alert, o);
    return TRUE;
}

static void
print_summary(const AlertStats *st)
{
    guint64 skipped = 0;
    for (int i = ALERT_SKIP_NONE + 1; i < ALERT_SKIP_N_REASONS; i++)
        skipped += st->skipped[i];
    GString *s = g_string_new(NULL);
    g_string_append_printf(
        s, "alertban parse: %" G_GUINT64_FORMAT " alerts parsed, %" G_GUINT64_FORMAT " skipped (",
        st->parsed, skipped);
    for (int i = ALERT_SKIP_NONE + 1; i < ALERT_SKIP_N_REASONS; i++)
        g_string_append_printf(s, "%s%s=%" G_GUINT64_FORMAT, i > 1 ? " " : "",
                               alert_skip_reason_name(i), st->skipped[i]);
    g_string_append(s, ")\n");
    fputs(s->str, stderr);
    g_string_free(s, TRUE);
}

int
cli_parse(int argc, char **argv)
{
    gboolean json = FALSE;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per alert", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("[FILE...] - parse alert logs");
    g_option_context_set_summary(
        ctx, "Reads Snort 2, Snort 3 and Suricata alert logs (alert_fast, alert_full, fast.log;\n"
             "any mix) from the FILEs, or standard input when there are none or FILE is \"-\",\n"
             "and prints one line per alert. A summary of alerts parsed and lines skipped, by\n"
             "reason, goes to standard error.\n\n"
             "Exit status: 0 when all input was read (skipped lines included), 2 when a file\n"
             "cannot be opened or read, or on a usage error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "alertban parse: %s\nRun 'alertban parse --help' for usage.\n",
                error->message);
        return CLI_EXIT_USAGE;
    }

    ParseOutput o = {.json = json, .out = g_string_sized_new(OUT_FLUSH + 4096)};
    g_autoptr(AlertReader) reader = alert_reader_new();
    int status = CLI_EXIT_OK;
    if (argc < 2) {
        if (!parse_fd(STDIN_FILENO, "standard input", reader, &o))
            status = CLI_EXIT_USAGE;
    }
    for (int i = 1; i < argc; i++) {
        const char *path = argv[i];
        if (strcmp(path, "-") == 0) {
            if (!parse_fd(STDIN_FILENO, "standard input", reader, &o))
                status = CLI_EXIT_USAGE;
            continue;
        }
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            fprintf(stderr, "alertban parse: cannot open %s: %s\n", path, g_strerror(errno));
            status = CLI_EXIT_USAGE;
            continue;
        }
        if (!parse_fd(fd, path, reader, &o))
            status = CLI_EXIT_USAGE;
        close(fd);
    }
    output_flush(&o);
    g_string_free(o.out, TRUE);
    print_summary(alert_reader_stats(reader));
    if (o.write_failed && status == CLI_EXIT_OK)
        status = CLI_EXIT_FAILURE;
    return status;
}
