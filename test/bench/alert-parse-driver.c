// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmark driver for the pure parser: reads a file into memory, then times feeding every line
// to alert_parse_line() or to an AlertReader, with no I/O in the timed part (thread CPU time);
// for the choice of
// jansson API, also json_loadb() alone on every line with given flags. Built and run by
// test/bench/parse.sh; not part of the product.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>
#include <jansson.h>

#include "alert.h"

/* CPU time of this thread: on a shared machine the wall clock measures the neighbours too. */
static gint64
cpu_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (gint64)ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static void
count(const Alert *a, gpointer user_data)
{
    (*(guint64 *)user_data) += a->sid != 0;
}

int
main(int argc, char **argv)
{
    /* jansson:FLAGS parses every line with json_loadb(FLAGS): "0", "dup" (reject duplicate
     * keys) or "dup-nul" (and allow \u0000), the costs the parser's choice was made on. */
    gboolean jansson_mode = strncmp(argv[1], "jansson:", 8) == 0;
    if (argc != 3 ||
        (strcmp(argv[1], "line") != 0 && strcmp(argv[1], "reader") != 0 && !jansson_mode)) {
        fprintf(stderr, "usage: %s line|reader|jansson:0|jansson:dup|jansson:dup-nul FILE\n",
                argv[0]);
        return 2;
    }
    size_t jflags = 0;
    if (jansson_mode && strcmp(argv[1] + 8, "dup") == 0)
        jflags = JSON_REJECT_DUPLICATES;
    else if (jansson_mode && strcmp(argv[1] + 8, "dup-nul") == 0)
        jflags = JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL;
    char *text;
    gsize len;
    GError *error = NULL;
    if (!g_file_get_contents(argv[2], &text, &len, &error)) {
        fprintf(stderr, "%s\n", error->message);
        return 2;
    }
    gboolean reader_mode = strcmp(argv[1], "reader") == 0;
    AlertReader *r = alert_reader_new();
    guint64 lines = 0, alerts = 0;
    gint64 t0 = cpu_us();
    gsize pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        gsize l = nl ? (gsize)(nl - (text + pos)) : len - pos;
        if (jansson_mode) {
            json_error_t err;
            json_t *root = json_loadb(text + pos, l, jflags, &err);
            alerts += root != NULL;
            json_decref(root);
        } else if (reader_mode) {
            alert_reader_feed(r, text + pos, l, pos + l + 1, count, &alerts);
        } else {
            Alert a;
            if (alert_parse_line(text + pos, l, &a) == ALERT_SKIP_NONE)
                alerts++;
        }
        lines++;
        pos += l + 1;
    }
    alert_reader_flush(r, count, &alerts);
    gint64 t1 = cpu_us();
    double s = (double)(t1 - t0) / G_USEC_PER_SEC;
    printf("%" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT " %.6f %.0f\n", lines, alerts, s,
           s > 0 ? lines / s : 0);
    alert_reader_free(r);
    g_free(text);
    return 0;
}
