// SPDX-License-Identifier: GPL-2.0-or-later
// alertban parse: reads alert logs offline (files or standard input), or follows them as they
// grow (--follow), prints every alert it understands, and says on standard error what it
// skipped. This is how an operator checks that alertban reads their sensor's output.
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib.h>

#include "alert.h"
#include "cli.h"
#include "cli_offline.h"
#include "tail.h"

/* Output is written once this much has collected. */
#define OUT_FLUSH (64 * 1024)

typedef struct {
    gboolean json;
    gboolean skipped;    /* --skipped */
    GPtrArray *skip_ctx; /* --follow --skipped: a CliSkipped per file followed */
    GString *out;
    gboolean write_failed;
    guint64 no_msg; /* Snort 3 JSON alerts without msg: the swap marker cannot apply */
} ParseOutput;

static void
output_flush(ParseOutput *o)
{
    cli_write_stdout("alertban parse", o->out, &o->write_failed);
}

static void
on_alert(const Alert *alert, gpointer user_data)
{
    ParseOutput *o = user_data;
    if (alert->format == ALERT_FORMAT_SNORT3_JSON && !alert->msg[0])
        o->no_msg++;
    if (o->write_failed)
        return; /* nowhere to write: keep memory bounded */
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

/* Feeds fd to the reader and ends its last block. FALSE on a read error. */
static gboolean
parse_fd(int fd, const char *name, AlertReader *reader, ParseOutput *o)
{
    CliSkipped k = {.name = name, .base_line = alert_reader_lines(reader)};
    if (o->skipped) {
        /* What came before goes out first, so skips and alerts interleave in order when both
         * streams are one terminal. */
        alert_reader_set_skip_func(reader, cli_print_skipped, &k);
    }
    gboolean ok = cli_read_alerts("alertban parse", fd, name, reader, on_alert, o);
    if (ok)
        alert_reader_flush(reader, on_alert, o);
    alert_reader_set_skip_func(reader, NULL, NULL);
    return ok;
}

static void
print_summary(const AlertStats *st, const ParseOutput *o)
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
    if (o->no_msg > 0)
        g_string_append_printf(s,
                               "alertban parse: %" G_GUINT64_FORMAT
                               " Snort 3 JSON alerts carry no msg, so the swap marker cannot "
                               "apply: set track = dst in a [rule G:S] section where the "
                               "offender is the destination\n",
                               o->no_msg);
    fputs(s->str, stderr);
    g_string_free(s, TRUE);
}

/* ---- --follow ---- */

/*
 * Following runs the tailer in a main loop. Every followed file (one inode: a rotation opens a
 * new one) gets its own AlertReader, so alert_full blocks of two files never mix; its counts
 * are added to `closed` when the file closes. Alerts collect in the output buffer, which is
 * written when it is large or, through a low-priority idle source, once the loop has nothing
 * more to deliver: one write per batch of lines, so a pipe reader sees alerts at once without
 * a syscall per line under a flood.
 */
typedef struct {
    ParseOutput *o;
    GMainLoop *loop;
    AlertStats closed; /* counts of the readers of files already closed */
    guint flush_id;
} Follow;

static gboolean
follow_on_flush(gpointer data)
{
    Follow *f = data;
    f->flush_id = 0;
    output_flush(f->o);
    if (f->o->write_failed)
        g_main_loop_quit(f->loop);
    return G_SOURCE_REMOVE;
}

static void
follow_schedule_flush(Follow *f)
{
    if (f->flush_id == 0 && f->o->out->len > 0)
        f->flush_id = g_idle_add_full(G_PRIORITY_LOW, follow_on_flush, f, NULL);
}

static void
skipped_free(gpointer data)
{
    CliSkipped *k = data;
    g_free((char *)k->name);
    g_free(k);
}

static AlertReader *
follow_reader(TailFile *file, ParseOutput *o)
{
    AlertReader *r = tail_file_get_user_data(file);
    if (!r) {
        r = alert_reader_new();
        tail_file_set_user_data(file, r);
        if (o->skipped) {
            /* Following may start anywhere in a file: skips are shown at byte offsets. */
            CliSkipped *k = g_new0(CliSkipped, 1);
            k->name = g_strdup(tail_file_get_path(file));
            k->by_offset = TRUE;
            g_ptr_array_add(o->skip_ctx, k);
            alert_reader_set_skip_func(r, cli_print_skipped, k);
        }
    }
    return r;
}

/* Emits a file's open block and retires its reader. */
static void
follow_close_file(Follow *f, TailFile *file)
{
    AlertReader *r = tail_file_get_user_data(file);
    if (!r)
        return;
    alert_reader_flush(r, on_alert, f->o);
    alert_stats_add(&f->closed, alert_reader_stats(r));
    alert_reader_free(r);
    tail_file_set_user_data(file, NULL);
    follow_schedule_flush(f);
}

static void
follow_on_line(TailFile *file, const char *line, gsize len, guint64 end_offset, gpointer user_data)
{
    Follow *f = user_data;
    alert_reader_feed(follow_reader(file, f->o), line, len, end_offset, on_alert, f->o);
    follow_schedule_flush(f);
}

static void
follow_on_idle(TailFile *file, gpointer user_data)
{
    Follow *f = user_data;
    AlertReader *r = tail_file_get_user_data(file);
    if (r)
        alert_reader_flush(r, on_alert, f->o);
    follow_schedule_flush(f);
}

static void
follow_on_event(TailFile *file, TailEvent event, gpointer user_data)
{
    Follow *f = user_data;
    switch (event) {
    case TAIL_EVENT_OPENED:
        follow_reader(file, f->o);
        break;
    case TAIL_EVENT_TRUNCATED: {
        /* The tailer ended the block already (idle comes first); make sure nothing of the
         * old contents stays open across the restart at offset 0. */
        AlertReader *r = tail_file_get_user_data(file);
        if (r)
            alert_reader_flush(r, on_alert, f->o);
        follow_schedule_flush(f);
        break;
    }
    case TAIL_EVENT_CLOSED:
        follow_close_file(f, file);
        break;
    }
}

static gboolean
follow_on_signal(gpointer data)
{
    Follow *f = data;
    g_main_loop_quit(f->loop);
    return G_SOURCE_CONTINUE;
}

/* Follows paths until SIGINT or SIGTERM; returns the exit code. */
static int
follow_files(char **paths, guint n_paths, gboolean from_start, ParseOutput *o)
{
    for (guint i = 0; i < n_paths; i++) {
        if (strcmp(paths[i], "-") == 0) {
            fprintf(stderr, "alertban parse: --follow needs files, not standard input\n");
            return CLI_EXIT_USAGE;
        }
    }
    if (n_paths == 0) {
        fprintf(stderr, "alertban parse: --follow needs at least one FILE\n");
        return CLI_EXIT_USAGE;
    }
    Follow f = {.o = o};
    TailConfig cfg = {
        .patterns = (const char *const *)paths,
        .n_patterns = n_paths,
        .start_at = from_start ? TAIL_START_BEGINNING : TAIL_START_END,
    };
    TailCallbacks cb = {.line = follow_on_line, .idle = follow_on_idle, .event = follow_on_event};
    g_autoptr(GError) error = NULL;
    g_autoptr(Tail) tail = tail_new(&cfg, &cb, &f, &error);
    if (!tail) {
        fprintf(stderr, "alertban parse: %s\n", error->message);
        return CLI_EXIT_USAGE;
    }
    g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
    f.loop = loop;
    guint sigint = g_unix_signal_add(SIGINT, follow_on_signal, &f);
    guint sigterm = g_unix_signal_add(SIGTERM, follow_on_signal, &f);
    if (!tail_start(tail, NULL, 0, &error)) {
        fprintf(stderr, "alertban parse: %s\n", error->message);
        g_source_remove(sigint);
        g_source_remove(sigterm);
        return CLI_EXIT_USAGE;
    }
    /* Scripts wait for this line: from here on, every byte appended is read. */
    fprintf(stderr, "alertban parse: following %u path%s from the %s; interrupt to stop\n", n_paths,
            n_paths == 1 ? "" : "s", from_start ? "start" : "end");
    g_main_loop_run(loop);
    g_source_remove(sigint);
    g_source_remove(sigterm);
    if (f.flush_id)
        g_source_remove(f.flush_id);

    /* Interrupted: what is complete is printed, a partial last line is not. */
    g_autoptr(GPtrArray) files = tail_list_files(tail);
    for (guint i = 0; i < files->len; i++)
        follow_close_file(&f, files->pdata[i]);
    if (f.flush_id) {
        g_source_remove(f.flush_id);
        f.flush_id = 0;
    }
    output_flush(o);
    f.closed.skipped[ALERT_SKIP_TOO_LONG] += tail_get_stats(tail)->dropped_too_long;
    print_summary(&f.closed, o);
    return o->write_failed ? CLI_EXIT_FAILED : CLI_EXIT_OK;
}

int
cli_parse(int argc, char **argv)
{
    gboolean json = FALSE, follow = FALSE, from_start = FALSE, skipped = FALSE;
    GOptionEntry entries[] = {
        {"json", 0, 0, G_OPTION_ARG_NONE, &json, "One JSON object per alert", NULL},
        {"follow", 'f', 0, G_OPTION_ARG_NONE, &follow,
         "Follow the FILEs as they grow, across rotation, until interrupted", NULL},
        {"from-start", 0, 0, G_OPTION_ARG_NONE, &from_start,
         "With --follow: print what the FILEs already hold first", NULL},
        {"skipped", 0, 0, G_OPTION_ARG_NONE, &skipped,
         "Print every line not taken, with FILE:LINE and the reason, to standard error", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new("[FILE...] - parse alert logs");
    g_option_context_set_summary(
        ctx, "Reads Snort 2, Snort 3 and Suricata alert logs (alert_fast, alert_full, fast.log,\n"
             "Suricata EVE JSON, Snort 3 alert_json; any mix) from the FILEs, or standard input\n"
             "when there are none or FILE is \"-\", and prints one line per alert. A\n"
             "summary of alerts parsed and lines skipped, by reason, goes to standard error;\n"
             "--skipped also prints each line not taken there, as FILE:LINE: REASON: LINE\n"
             "(FILE@OFFSET with --follow). Snort 3's default alert_json has no msg: the\n"
             "BLOCKED DESTINATION marker cannot apply, use track = dst in a [rule G:S].\n\n"
             "With --follow, the FILEs (globs allowed in the last component) are followed like\n"
             "tail -F: from their end (or their start with --from-start), through rotation,\n"
             "truncation and files that appear later, printing each alert as it is written,\n"
             "until SIGINT or SIGTERM; an alert_full block without a trailing blank line is\n"
             "printed once its file has been quiet for 250 ms.\n\n"
             "Exit status: 0 when all input was read (skipped lines included) or following was\n"
             "interrupted, 1 when output cannot be written, 2 when a file cannot be opened or\n"
             "read, or on a usage error.");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) error = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
        fprintf(stderr, "alertban parse: %s\nRun 'alertban parse --help' for usage.\n",
                error->message);
        return CLI_EXIT_USAGE;
    }

    if (from_start && !follow) {
        fprintf(stderr, "alertban parse: --from-start needs --follow\n");
        return CLI_EXIT_USAGE;
    }
    ParseOutput o = {.json = json,
                     .skipped = skipped,
                     .skip_ctx = g_ptr_array_new_with_free_func(skipped_free),
                     .out = g_string_sized_new(OUT_FLUSH + 4096)};
    if (follow) {
        int rc = follow_files(argv + 1, (guint)(argc - 1), from_start, &o);
        g_string_free(o.out, TRUE);
        g_ptr_array_unref(o.skip_ctx);
        return rc;
    }
    g_ptr_array_unref(o.skip_ctx);
    o.skip_ctx = NULL;
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
    print_summary(alert_reader_stats(reader), &o);
    if (o.write_failed && status == CLI_EXIT_OK)
        status = CLI_EXIT_FAILED;
    return status;
}
