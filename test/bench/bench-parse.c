// SPDX-License-Identifier: GPL-2.0-or-later
// The parser alone, as the daemon drives it: every line of FILE (read into memory first) fed
// to an AlertReader, five passes, the median pass printed as
// "lines=N alerts=A median_us=T lines_per_s=R". Used by scripts/bench compare beside the
// end-to-end `alertban parse`, whose time is mostly formatting its output.
//
// bench-parse FILE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"

#define PASSES 5

static void
count_alert(const Alert *alert, gpointer user_data)
{
    (void)alert;
    (*(guint64 *)user_data)++;
}

static int
cmp_gint64(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: bench-parse FILE\n");
        return 2;
    }
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(argv[1], &text, &len, &error)) {
        fprintf(stderr, "bench-parse: %s\n", error->message);
        return 2;
    }
    gint64 us[PASSES];
    guint64 lines = 0, alerts = 0;
    for (int pass = 0; pass < PASSES; pass++) {
        g_autoptr(AlertReader) r = alert_reader_new();
        lines = alerts = 0;
        gint64 t0 = g_get_monotonic_time();
        const char *p = text, *end = text + len;
        while (p < end) {
            const char *nl = memchr(p, '\n', (gsize)(end - p));
            const char *stop = nl != NULL ? nl : end;
            alert_reader_feed(r, p, (gsize)(stop - p), (guint64)(stop - text) + 1, count_alert,
                              &alerts);
            lines++;
            p = stop + 1;
        }
        alert_reader_flush(r, count_alert, &alerts);
        us[pass] = g_get_monotonic_time() - t0;
    }
    qsort(us, PASSES, sizeof us[0], cmp_gint64);
    gint64 med = MAX(us[PASSES / 2], 1);
    printf("lines=%" G_GUINT64_FORMAT " alerts=%" G_GUINT64_FORMAT " median_us=%" G_GINT64_FORMAT
           " lines_per_s=%.0f\n",
           lines, alerts, med, (double)lines * 1e6 / (double)med);
    return alerts == lines ? 0 : 1;
}
