// SPDX-License-Identifier: GPL-2.0-or-later
// Measures the tailer alone: write()-to-delivery latency of single lines, and how many lines
// per second it delivers from a large append.
//
// Usage: bench-tail latency [LINES] [RUNS]      (default 1000 lines, 5 runs)
//        bench-tail throughput [LINES] [RUNS]   (default 1000000 lines, 5 runs)
// Files go to $TMPDIR (default /tmp). Prints each run and the median.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "tail.h"

/* A typical Snort 3 alert_fast line (about 150 bytes). */
#define SAMPLE_LINE                                                                                \
    "11/22-17:01:16.123456 [**] [1:2001219:20] \"ET SCAN Potential SSH Scan\" [**] "               \
    "[Classification: Attempted Information Leak] [Priority: 2] {TCP} "                            \
    "203.0.113.7:4242 -> 192.0.2.1:22"

static gint64
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (gint64)ts.tv_sec * G_GINT64_CONSTANT(1000000000) + ts.tv_nsec;
}

static void
write_all(int fd, const char *p, gsize len)
{
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            perror("write");
            exit(1);
        }
        p += n;
        len -= (gsize)n;
    }
}

static int
cmp_i64(const void *a, const void *b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return (x > y) - (x < y);
}

static double
median(double *v, guint n)
{
    for (guint i = 1; i < n; i++) /* insertion sort: n is tiny */
        for (guint j = i; j > 0 && v[j - 1] > v[j]; j--) {
            double t = v[j];
            v[j] = v[j - 1];
            v[j - 1] = t;
        }
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef struct {
    char *path;
    guint n_lines;
    /* latency */
    gint64 *lat_ns;
    GMutex lock;
    GCond cond;
    guint delivered;
    /* throughput */
    gint64 first_write_ns;
    gint64 last_line_ns;
    gboolean done;
} Bench;

/* ---- latency ------------------------------------------------------------------------- */

/* Each line carries the CLOCK_MONOTONIC time taken just before its write(). The writer
 * waits for the delivery of a line, then 200 us, before writing the next, so every line
 * measures a wake-up from an idle loop, the case that matters for a ban. */
static void
lat_line(TailFile *f, const char *line, gsize len, guint64 end_offset, gpointer user_data)
{
    (void)f;
    (void)end_offset;
    Bench *b = user_data;
    gint64 t = now_ns();
    char buf[32];
    gsize n = MIN(len, sizeof(buf) - 1);
    memcpy(buf, line, n);
    buf[n] = '\0';
    gint64 sent = g_ascii_strtoll(buf, NULL, 10);
    g_mutex_lock(&b->lock);
    b->lat_ns[b->delivered++] = t - sent;
    g_cond_signal(&b->cond);
    g_mutex_unlock(&b->lock);
}

static gpointer
lat_writer(gpointer data)
{
    Bench *b = data;
    int fd = open(b->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    for (guint i = 0; i < b->n_lines; i++) {
        char line[512];
        int n = g_snprintf(line, sizeof(line), "%" G_GINT64_FORMAT " %s\n", now_ns(), SAMPLE_LINE);
        write_all(fd, line, (gsize)n);
        g_mutex_lock(&b->lock);
        gint64 until = g_get_monotonic_time() + G_TIME_SPAN_SECOND * 5;
        while (b->delivered <= i)
            if (!g_cond_wait_until(&b->cond, &b->lock, until))
                break;
        g_mutex_unlock(&b->lock);
        g_usleep(200);
    }
    close(fd);
    return NULL;
}

static void
run_latency(const char *dir, guint n_lines, guint runs)
{
    double p50[64], p99[64], pmax[64];
    for (guint r = 0; r < runs; r++) {
        Bench b = {0};
        b.path = g_build_filename(dir, "latency.log", NULL);
        b.n_lines = n_lines;
        b.lat_ns = g_new0(gint64, n_lines);
        close(open(b.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        const char *patterns[] = {b.path};
        TailConfig cfg = {.patterns = patterns, .n_patterns = 1};
        TailCallbacks cb = {.line = lat_line};
        g_autoptr(GError) error = NULL;
        Tail *t = tail_new(&cfg, &cb, &b, &error);
        if (!t || !tail_start(t, NULL, 0, &error)) {
            fprintf(stderr, "bench: %s\n", error->message);
            exit(1);
        }
        while (g_main_context_iteration(NULL, FALSE))
            ;
        GThread *w = g_thread_new("writer", lat_writer, &b);
        gint64 deadline = g_get_monotonic_time() + 60 * G_TIME_SPAN_SECOND;
        while (b.delivered < n_lines && g_get_monotonic_time() < deadline)
            g_main_context_iteration(NULL, TRUE);
        g_thread_join(w);
        if (b.delivered != n_lines) {
            fprintf(stderr, "bench: only %u of %u lines delivered\n", b.delivered, n_lines);
            exit(1);
        }
        qsort(b.lat_ns, n_lines, sizeof(gint64), cmp_i64);
        p50[r] = (double)b.lat_ns[n_lines / 2] / 1000.0;
        p99[r] = (double)b.lat_ns[(n_lines * 99) / 100] / 1000.0;
        pmax[r] = (double)b.lat_ns[n_lines - 1] / 1000.0;
        printf("run %u: %u lines  p50 %.1f us  p99 %.1f us  max %.1f us\n", r + 1, n_lines, p50[r],
               p99[r], pmax[r]);
        tail_free(t);
        unlink(b.path);
        g_free(b.path);
        g_free(b.lat_ns);
    }
    printf("latency median of %u runs: p50 %.1f us  p99 %.1f us  max %.1f us\n", runs,
           median(p50, runs), median(p99, runs), median(pmax, runs));
}

/* ---- throughput ---------------------------------------------------------------------- */

static void
thr_line(TailFile *f, const char *line, gsize len, guint64 end_offset, gpointer user_data)
{
    (void)f;
    (void)line;
    (void)len;
    (void)end_offset;
    Bench *b = user_data;
    if (++b->delivered == b->n_lines) {
        b->last_line_ns = now_ns();
        b->done = TRUE;
    }
}

/* Appends n_lines in writes of about 64 KiB of whole lines, as fast as the file system takes
 * them. The block is formatted once, so the writer is not what is measured. */
static gpointer
thr_writer(gpointer data)
{
    Bench *b = data;
    int fd = open(b->path, O_WRONLY | O_APPEND | O_CLOEXEC);
    GString *block = g_string_sized_new(80 * 1024);
    guint per_block = 0;
    while (block->len < 64 * 1024) {
        g_string_append_printf(block, "%08u %s\n", per_block, SAMPLE_LINE);
        per_block++;
    }
    gsize line_len = block->len / per_block;
    guint written = 0;
    b->first_write_ns = now_ns();
    while (written < b->n_lines) {
        guint n = MIN(per_block, b->n_lines - written);
        write_all(fd, block->str, n * line_len);
        written += n;
    }
    g_string_free(block, TRUE);
    close(fd);
    return NULL;
}

static void
run_throughput(const char *dir, guint n_lines, guint runs, gboolean preloaded)
{
    double rate[64], mbs[64];
    for (guint r = 0; r < runs; r++) {
        Bench b = {0};
        b.path = g_build_filename(dir, "throughput.log", NULL);
        b.n_lines = n_lines;
        close(open(b.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (preloaded)
            thr_writer(&b);
        const char *patterns[] = {b.path};
        TailConfig cfg = {.patterns = patterns,
                          .n_patterns = 1,
                          .start_at = preloaded ? TAIL_START_BEGINNING : TAIL_START_END};
        TailCallbacks cb = {.line = thr_line};
        g_autoptr(GError) error = NULL;
        Tail *t = tail_new(&cfg, &cb, &b, &error);
        gint64 start = now_ns();
        if (!t || !tail_start(t, NULL, 0, &error)) {
            fprintf(stderr, "bench: %s\n", error->message);
            exit(1);
        }
        GThread *w = NULL;
        if (!preloaded) {
            while (g_main_context_iteration(NULL, FALSE))
                ;
            w = g_thread_new("writer", thr_writer, &b);
        }
        gint64 deadline = g_get_monotonic_time() + 120 * G_TIME_SPAN_SECOND;
        while (!b.done && g_get_monotonic_time() < deadline)
            g_main_context_iteration(NULL, TRUE);
        if (w) {
            g_thread_join(w);
            start = b.first_write_ns;
        }
        if (!b.done) {
            fprintf(stderr, "bench: only %u of %u lines delivered\n", b.delivered, n_lines);
            exit(1);
        }
        double secs = (double)(b.last_line_ns - start) / 1e9;
        rate[r] = n_lines / secs;
        mbs[r] = (double)tail_get_stats(t)->bytes / secs / 1e6;
        printf("run %u: %u lines in %.3f s: %.0f lines/s, %.0f MB/s\n", r + 1, n_lines, secs,
               rate[r], mbs[r]);
        tail_free(t);
        unlink(b.path);
        g_free(b.path);
    }
    printf("throughput (%s) median of %u runs: %.0f lines/s, %.0f MB/s\n",
           preloaded ? "catch-up of an existing file" : "following a concurrent append", runs,
           median(rate, runs), median(mbs, runs));
}

int
main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s latency|throughput|catchup [LINES] [RUNS]\n", argv[0]);
        return 2;
    }
    const char *tmp = g_get_tmp_dir();
    g_autofree char *dir = g_build_filename(tmp, "alertban-bench-XXXXXX", NULL);
    if (!g_mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    guint runs = argc > 3 ? (guint)atoi(argv[3]) : 5;
    runs = CLAMP(runs, 1, 64);
    if (strcmp(argv[1], "latency") == 0)
        run_latency(dir, argc > 2 ? (guint)atoi(argv[2]) : 1000, runs);
    else if (strcmp(argv[1], "throughput") == 0)
        run_throughput(dir, argc > 2 ? (guint)atoi(argv[2]) : 1000000, runs, FALSE);
    else if (strcmp(argv[1], "catchup") == 0)
        run_throughput(dir, argc > 2 ? (guint)atoi(argv[2]) : 1000000, runs, TRUE);
    else {
        fprintf(stderr, "unknown workload %s\n", argv[1]);
        return 2;
    }
    rmdir(dir);
    return 0;
}
