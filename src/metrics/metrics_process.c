// SPDX-License-Identifier: GPL-2.0-or-later
// The process's own series (CPU time, memory, open file descriptors), read from /proc/self in
// a worker thread: the asynchronous collector every scrape runs, and the model for the kernel
// counters, which are gathered the same way.
#include "metrics_http.h"

#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "error.h"

typedef struct {
    double cpu_s, start_time_s;
    guint64 rss_bytes, vsize_bytes;
    guint64 open_fds, max_fds;
} ProcessSample;

/* Fields 14-15 (utime, stime), 22 (starttime), 23 (vsize) and 24 (rss) of /proc/self/stat,
 * counted after the command's closing parenthesis (the command itself may hold spaces). */
static gboolean
read_stat(ProcessSample *ps, GError **error)
{
    g_autofree char *text = NULL;
    g_autofree char *btime_text = NULL;
    if (!g_file_get_contents("/proc/self/stat", &text, NULL, error))
        return FALSE;
    const char *p = strrchr(text, ')');
    if (!p) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE, "/proc/self/stat: no ')'");
        return FALSE;
    }
    g_auto(GStrv) f = g_strsplit(p + 2, " ", -1);
    /* f[0] is field 3 (state). */
    if (g_strv_length(f) < 22) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PARSE, "/proc/self/stat: too short");
        return FALSE;
    }
    double tick = (double)sysconf(_SC_CLK_TCK);
    guint64 utime = g_ascii_strtoull(f[11], NULL, 10), stime = g_ascii_strtoull(f[12], NULL, 10);
    guint64 start = g_ascii_strtoull(f[19], NULL, 10);
    ps->cpu_s = (double)(utime + stime) / tick;
    ps->vsize_bytes = g_ascii_strtoull(f[20], NULL, 10);
    ps->rss_bytes = g_ascii_strtoull(f[21], NULL, 10) * (guint64)sysconf(_SC_PAGESIZE);
    /* starttime counts ticks since boot: the boot time is in /proc/stat. */
    if (g_file_get_contents("/proc/stat", &btime_text, NULL, NULL)) {
        const char *b = strstr(btime_text, "\nbtime ");
        if (b)
            ps->start_time_s = (double)g_ascii_strtoull(b + 7, NULL, 10) + (double)start / tick;
    }
    return TRUE;
}

static void
gather(GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
    (void)source;
    (void)task_data;
    (void)cancellable;
    ProcessSample *ps = g_new0(ProcessSample, 1);
    GError *err = NULL;
    if (!read_stat(ps, &err)) {
        g_free(ps);
        g_task_return_error(task, err);
        return;
    }
    g_autoptr(GDir) dir = g_dir_open("/proc/self/fd", 0, NULL);
    if (dir) {
        while (g_dir_read_name(dir))
            ps->open_fds++;
        ps->open_fds = ps->open_fds > 0 ? ps->open_fds - 1 : 0; /* the GDir's own */
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0)
        ps->max_fds = rl.rlim_cur;
    g_task_return_pointer(task, ps, g_free);
}

static void
process_start(gpointer user_data, GCancellable *cancellable, GAsyncReadyCallback callback,
              gpointer callback_data)
{
    (void)user_data;
    g_autoptr(GTask) task = g_task_new(NULL, cancellable, callback, callback_data);
    g_task_set_source_tag(task, process_start);
    g_task_set_name(task, "metrics: /proc/self");
    g_task_run_in_thread(task, gather);
}

static gboolean
process_finish(gpointer user_data, GAsyncResult *result, MetricsWriter *w, GError **error)
{
    (void)user_data;
    g_autofree ProcessSample *ps = g_task_propagate_pointer(G_TASK(result), error);
    if (!ps)
        return FALSE;
    metrics_family(w, "process_cpu_seconds_total", METRICS_COUNTER,
                   "User and system CPU time the daemon has used.");
    metrics_sample(w, NULL, ps->cpu_s);
    metrics_family(w, "process_resident_memory_bytes", METRICS_GAUGE, "Resident memory size.");
    metrics_sample_uint(w, NULL, ps->rss_bytes);
    metrics_family(w, "process_virtual_memory_bytes", METRICS_GAUGE, "Virtual memory size.");
    metrics_sample_uint(w, NULL, ps->vsize_bytes);
    metrics_family(w, "process_open_fds", METRICS_GAUGE, "Open file descriptors.");
    metrics_sample_uint(w, NULL, ps->open_fds);
    metrics_family(w, "process_max_fds", METRICS_GAUGE, "The limit on open file descriptors.");
    metrics_sample_uint(w, NULL, ps->max_fds);
    if (ps->start_time_s > 0) {
        metrics_family(w, "process_start_time_seconds", METRICS_GAUGE,
                       "Start time of the process since the Unix epoch.");
        metrics_sample(w, NULL, ps->start_time_s);
    }
    return TRUE;
}

const MetricsAsyncCollector metrics_process_collector = {
    .name = "process",
    .start = process_start,
    .finish = process_finish,
};
