// SPDX-License-Identifier: GPL-2.0-or-later
// A small writer of the Prometheus text exposition format 0.0.4, and the fixed-bucket
// histogram the daemon keeps its timings in: what a scrape answers, built without I/O.
#pragma once

#include <glib.h>

typedef enum {
    METRICS_COUNTER,
    METRICS_GAUGE,
    METRICS_HISTOGRAM,
} MetricsType;

/* The upper bounds of a histogram's buckets (seconds, ascending; +Inf is implied). Fixed, so
 * that every alertban exposes the same buckets and dashboards can sum them. */
#define METRICS_BUCKETS_N 16
extern const double metrics_buckets_s[METRICS_BUCKETS_N];

/* A histogram of durations in seconds over metrics_buckets_s: per-bucket (not cumulative)
 * counts, the +Inf bucket last. A fixed-size value: zero it to start. */
typedef struct {
    guint64 counts[METRICS_BUCKETS_N + 1];
    guint64 count;
    double sum;
} MetricsHistogram;

/* Records one observation of value_s seconds (negative values count as 0). */
void metrics_histogram_observe(MetricsHistogram *h, double value_s);

/* Adds the observations of s to sum. */
void metrics_histogram_add(MetricsHistogram *sum, const MetricsHistogram *s);

typedef struct MetricsWriter MetricsWriter;

MetricsWriter *metrics_writer_new(void);
void metrics_writer_free(MetricsWriter *w);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(MetricsWriter, metrics_writer_free)

/* Starts a family: its # HELP (escaped) and # TYPE lines. Every sample up to the next
 * metrics_family() belongs to it; a family must be written once per exposition. name must be
 * a valid metric name (a programmer error otherwise). */
void metrics_family(MetricsWriter *w, const char *name, MetricsType type, const char *help);

/* One sample of the current counter or gauge family. labels is NULL or a NULL-terminated list
 * of name, value pairs; values are escaped (any text is fine), names must be valid. */
void metrics_sample(MetricsWriter *w, const char *const *labels, double value);

/* The same for an integer value, written exactly (a double would round counters over 2^53). */
void metrics_sample_uint(MetricsWriter *w, const char *const *labels, guint64 value);

/* One histogram of the current histogram family: its cumulative _bucket{le=...} lines (+Inf
 * last), _sum and _count, each with labels (as in metrics_sample()) before le. */
void metrics_histogram(MetricsWriter *w, const char *const *labels, const MetricsHistogram *h);

/* The exposition so far (borrowed, valid until the next call on w). */
const char *metrics_writer_text(MetricsWriter *w, gsize *len);

/* Takes the exposition: returns it as an owned GBytes and empties w. */
GBytes *metrics_writer_steal(MetricsWriter *w);

/* Appends raw, a complete exposition fragment another writer made (whole families). */
void metrics_writer_append(MetricsWriter *w, const char *raw, gsize len);

/* Parses a [metrics] listen value: "ADDR:PORT" for IPv4 or "[ADDR]:PORT" for IPv6, a numeric
 * address and a port 0..65535 (0: any free port, for tests). addr gets the address text
 * (without brackets), at least 46 bytes. FALSE with an error that says what is wrong. */
gboolean metrics_listen_parse(const char *text, char *addr, gsize addr_size, guint16 *port,
                              GError **error);
