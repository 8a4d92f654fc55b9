// SPDX-License-Identifier: GPL-2.0-or-later
// Measures the store's per-turn transaction and the ban table's memory, for scripts/bench store.
#include <glib.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bans.h"
#include "fw_backends.h"
#include "store.h"

/* 198.18.0.0/15 benchmark addresses: i-th host. */
static IpPrefix
bench_prefix(guint i)
{
    IpPrefix p;
    memset(&p, 0, sizeof p);
    p.addr.family = AF_INET;
    p.addr.bytes[0] = 198;
    p.addr.bytes[1] = (guint8)(18 + ((i >> 16) & 1));
    p.addr.bytes[2] = (guint8)(i >> 8);
    p.addr.bytes[3] = (guint8)i;
    p.len = 32;
    return p;
}

static void
queue_turn(Store *store, guint n, gint64 now, guint round)
{
    for (guint i = 0; i < n; i++) {
        Ban b;
        memset(&b, 0, sizeof b);
        b.prefix = bench_prefix(i);
        b.expires_us = now + (gint64)3600 * G_USEC_PER_SEC + round;
        b.created_us = b.first_seen_us = b.last_seen_us = now;
        b.violations = 5 + round;
        b.prior_bans = round;
        b.gid = 1;
        b.sid = 2001219;
        b.rev = 20;
        b.source = BAN_SOURCE_POLICY;
        g_strlcpy(b.reason, "threshold", sizeof b.reason);
        g_strlcpy(b.msg, "ET SCAN Potential SSH Scan", sizeof b.msg);
        store_put_ban(store, &b);
        store_put_ban_count(store, &b.prefix, round + 1, now);
        StoreViolation v;
        memset(&v, 0, sizeof v);
        v.time_us = now + i;
        v.addr = b.prefix.addr;
        v.gid = 1;
        v.sid = 2001219;
        v.rev = 20;
        v.priority = 2;
        g_strlcpy(v.proto, "TCP", sizeof v.proto);
        v.src_port = 40000;
        v.dst_port = 22;
        g_strlcpy(v.verdict, "ban", sizeof v.verdict);
        g_strlcpy(v.msg, b.msg, sizeof v.msg);
        store_add_violation(store, &v);
    }
}

/* Separate, never-inlined wrappers so callgrind can count each kind of commit alone
 * (--toggle-collect=commit_new_rows). */
static G_GNUC_NO_INLINE gboolean
commit_new_rows(Store *store, GError **error)
{
    return store_commit(store, error);
}

static volatile guint updated_commits; /* keeps the two wrappers from being folded into one */

static G_GNUC_NO_INLINE gboolean
commit_updated_rows(Store *store, GError **error)
{
    updated_commits++;
    return store_commit(store, error);
}

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double
median(double *v, guint n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static gint64
rss_bytes(void)
{
    long pages = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = 0;
    fclose(f);
    return (gint64)resident * sysconf(_SC_PAGESIZE);
}

static gint64
heap_in_use(void)
{
    malloc_trim(0);
    struct mallinfo2 mi = mallinfo2();
    return (gint64)(mi.uordblks + mi.hblkhd);
}

static void
bench_commit(guint n, guint runs)
{
    double *insert_ms = g_new(double, runs), *update_ms = g_new(double, runs);
    for (guint r = 0; r < runs; r++) {
        g_autoptr(GError) error = NULL;
        char *dir = g_dir_make_tmp("alertban-bench-XXXXXX", &error);
        g_assert_no_error(error);
        Store *store = store_open(dir, NULL, &error);
        g_assert_no_error(error);
        gint64 now = g_get_real_time();
        for (guint round = 0; round < 2; round++) {
            queue_turn(store, n, now, round);
            gint64 t0 = g_get_monotonic_time();
            gboolean ok =
                round == 0 ? commit_new_rows(store, &error) : commit_updated_rows(store, &error);
            if (!ok)
                g_error("commit: %s", error->message);
            double ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
            (round == 0 ? insert_ms : update_ms)[r] = ms;
        }
        store_free(store);
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
        if (system(cmd) != 0)
            g_warning("could not remove %s", dir);
        g_free(dir);
    }
    printf("commit: %u ban upserts + %u ban counts + %u tracker rows in one transaction\n", n, n,
           n);
    printf("  new rows:      median %.1f ms over %u runs\n", median(insert_ms, runs), runs);
    printf("  updated rows:  median %.1f ms over %u runs\n", median(update_ms, runs), runs);
    g_free(insert_ms);
    g_free(update_ms);
}

static void
bench_memory(guint n)
{
    g_autoptr(GError) error = NULL;
    char *dir = g_dir_make_tmp("alertban-bench-XXXXXX", &error);
    g_assert_no_error(error);
    Store *store = store_open(dir, NULL, &error);
    g_assert_no_error(error);
    Fw *fw = fw_fake_new();
    BansOptions opts;
    bans_options_init(&opts);
    opts.max_bans = n;
    Bans *bans = bans_new(store, fw, &opts, NULL);

    gint64 heap0 = heap_in_use(), rss0 = rss_bytes();
    gint64 t0 = g_get_monotonic_time();
    for (guint i = 0; i < n; i++) {
        BanRequest req;
        memset(&req, 0, sizeof req);
        req.prefix = bench_prefix(i);
        req.source = BAN_SOURCE_POLICY;
        req.duration_s = 3600 + i % 600;
        req.gid = 1;
        req.sid = 2001219;
        req.rev = 20;
        req.msg = "ET SCAN Potential SSH Scan";
        req.reason = "threshold";
        req.alerts = 5;
        req.window_s = 60;
        if (bans_add(bans, &req, NULL) != BANS_ADDED)
            g_error("ban %u refused", i);
    }
    double add_ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
    t0 = g_get_monotonic_time();
    if (!store_commit(store, &error))
        g_error("commit: %s", error->message);
    double commit_ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
    gint64 heap1 = heap_in_use(), rss1 = rss_bytes();
    bans_free(bans);
    gint64 heap2 = heap_in_use();
    printf("ban table: %u bans\n", n);
    printf("  bans_add x%u (table, heap, store queue, log line built): %.1f ms;"
           " their commit: %.1f ms\n",
           n, add_ms, commit_ms);
    printf("  heap held by the table: %.0f bytes per ban (freed by bans_free)\n",
           (double)(heap1 - heap2) / n);
    printf("  RSS delta after the turn: %.0f bytes per ban (table, SQLite page cache, fake fw)\n",
           (double)(rss1 - rss0) / n);
    (void)heap0;
    fw_free(fw);
    store_free(store);
    g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
    if (system(cmd) != 0)
        g_warning("could not remove %s", dir);
    g_free(dir);
}

/* The table logs one line per ban; a benchmark measures the work, not the terminal. */
static GLogWriterOutput
quiet_writer(GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
    if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
        return g_log_writer_standard_streams(level, fields, n_fields, data);
    return G_LOG_WRITER_HANDLED;
}

int
main(int argc, char **argv)
{
    g_log_set_writer_func(quiet_writer, NULL, NULL);
    guint n = argc > 1 ? (guint)g_ascii_strtoull(argv[1], NULL, 10) : 10000;
    guint runs = argc > 2 ? (guint)g_ascii_strtoull(argv[2], NULL, 10) : 5;
    guint mem_n = argc > 3 ? (guint)g_ascii_strtoull(argv[3], NULL, 10) : 100000;
    if (n == 0 || n > 131072 || runs == 0 || mem_n > 131072) {
        fprintf(stderr,
                "usage: bench-store [BANS<=131072 [RUNS [MEMORY_BANS<=131072, 0: skip]]]\n");
        return 2;
    }
    bench_commit(n, runs);
    if (mem_n > 0)
        bench_memory(mem_n);
    return 0;
}
