// SPDX-License-Identifier: GPL-2.0-or-later
// A small writer of the Prometheus text exposition format 0.0.4, and the fixed-bucket
// histogram the daemon keeps its timings in: what a scrape answers, built without I/O.
#include "metrics.h"

#include <arpa/inet.h>
#include <math.h>
#include <string.h>

#include "error.h"

/* From half a millisecond (a firewall commit of one rule) to a minute (a store stuck on a
 * slow disk): the range the daemon's timings fall in. */
const double metrics_buckets_s[METRICS_BUCKETS_N] = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
};

struct MetricsWriter {
    GString *out;
    char family[128];
    MetricsType type;
};

void
metrics_histogram_observe(MetricsHistogram *h, double value_s)
{
    if (!(value_s > 0)) /* negative, zero or NaN */
        value_s = 0;
    guint i = 0;
    while (i < METRICS_BUCKETS_N && value_s > metrics_buckets_s[i])
        i++;
    h->counts[i]++;
    h->count++;
    h->sum += value_s;
}

void
metrics_histogram_add(MetricsHistogram *sum, const MetricsHistogram *s)
{
    for (guint i = 0; i <= METRICS_BUCKETS_N; i++)
        sum->counts[i] += s->counts[i];
    sum->count += s->count;
    sum->sum += s->sum;
}

/* [a-zA-Z_:][a-zA-Z0-9_:]* for metric names (colons allowed), the same without colons for
 * label names. */
static gboolean
valid_name(const char *name, gboolean colon)
{
    if (!name || !*name || g_ascii_isdigit(name[0]))
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && !(colon && *p == ':'))
            return FALSE;
    }
    return TRUE;
}

MetricsWriter *
metrics_writer_new(void)
{
    MetricsWriter *w = g_new0(MetricsWriter, 1);
    w->out = g_string_sized_new(4096);
    return w;
}

void
metrics_writer_free(MetricsWriter *w)
{
    if (!w)
        return;
    g_string_free(w->out, TRUE);
    g_free(w);
}

/* HELP text escapes backslash and newline; label values also the double quote. Text that is
 * not UTF-8 (a file name can be anything) gets U+FFFD for its bad bytes: a scraper rejects the
 * whole exposition otherwise. */
static void
append_escaped(GString *out, const char *text, gboolean quote)
{
    g_autofree char *valid = g_utf8_validate(text, -1, NULL) ? NULL : g_utf8_make_valid(text, -1);
    for (const char *p = valid ? valid : text; *p; p++) {
        if (*p == '\\')
            g_string_append(out, "\\\\");
        else if (*p == '\n')
            g_string_append(out, "\\n");
        else if (quote && *p == '"')
            g_string_append(out, "\\\"");
        else
            g_string_append_c(out, *p);
    }
}

void
metrics_family(MetricsWriter *w, const char *name, MetricsType type, const char *help)
{
    g_return_if_fail(w != NULL && valid_name(name, TRUE) && strlen(name) < sizeof w->family);
    static const char *const types[] = {"counter", "gauge", "histogram"};
    g_strlcpy(w->family, name, sizeof w->family);
    w->type = type;
    g_string_append_printf(w->out, "# HELP %s ", name);
    append_escaped(w->out, help ? help : "", FALSE);
    g_string_append_printf(w->out, "\n# TYPE %s %s\n", name, types[type]);
}

/* name{labels[,le="..."]} without the value. */
static void
append_series(MetricsWriter *w, const char *suffix, const char *const *labels, const char *le)
{
    g_string_append(w->out, w->family);
    g_string_append(w->out, suffix);
    if ((!labels || !labels[0]) && !le)
        return;
    g_string_append_c(w->out, '{');
    gboolean first = TRUE;
    for (guint i = 0; labels && labels[i]; i += 2) {
        g_return_if_fail(valid_name(labels[i], FALSE) && labels[i + 1] != NULL);
        g_string_append_printf(w->out, "%s%s=\"", first ? "" : ",", labels[i]);
        append_escaped(w->out, labels[i + 1], TRUE);
        g_string_append_c(w->out, '"');
        first = FALSE;
    }
    if (le)
        g_string_append_printf(w->out, "%sle=\"%s\"", first ? "" : ",", le);
    g_string_append_c(w->out, '}');
}

/* The shortest of 15 or 17 significant digits that reads back as v: "0.0005", not
 * "0.00050000000000000001" (a le label must read the same in every exposition). */
static void
format_double(char *buf, gsize size, double v)
{
    g_ascii_formatd(buf, (gint)size, "%.15g", v);
    if (g_ascii_strtod(buf, NULL) != v)
        g_ascii_formatd(buf, (gint)size, "%.17g", v);
}

/* The format's floats: Go's ParseFloat reads the shortest round-trip form, and infinities and
 * NaN have names of their own. */
static void
append_double(GString *out, double v)
{
    if (isnan(v)) {
        g_string_append(out, "NaN");
    } else if (isinf(v)) {
        g_string_append(out, v > 0 ? "+Inf" : "-Inf");
    } else {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];
        format_double(buf, sizeof buf, v);
        g_string_append(out, buf);
    }
}

void
metrics_sample(MetricsWriter *w, const char *const *labels, double value)
{
    g_return_if_fail(w != NULL && w->family[0] && w->type != METRICS_HISTOGRAM);
    append_series(w, "", labels, NULL);
    g_string_append_c(w->out, ' ');
    append_double(w->out, value);
    g_string_append_c(w->out, '\n');
}

void
metrics_sample_uint(MetricsWriter *w, const char *const *labels, guint64 value)
{
    g_return_if_fail(w != NULL && w->family[0] && w->type != METRICS_HISTOGRAM);
    append_series(w, "", labels, NULL);
    g_string_append_printf(w->out, " %" G_GUINT64_FORMAT "\n", value);
}

void
metrics_histogram(MetricsWriter *w, const char *const *labels, const MetricsHistogram *h)
{
    g_return_if_fail(w != NULL && w->family[0] && w->type == METRICS_HISTOGRAM && h != NULL);
    guint64 cumulative = 0;
    for (guint i = 0; i <= METRICS_BUCKETS_N; i++) {
        char le[G_ASCII_DTOSTR_BUF_SIZE];
        if (i < METRICS_BUCKETS_N)
            format_double(le, sizeof le, metrics_buckets_s[i]);
        else
            g_strlcpy(le, "+Inf", sizeof le);
        cumulative += h->counts[i];
        append_series(w, "_bucket", labels, le);
        g_string_append_printf(w->out, " %" G_GUINT64_FORMAT "\n", cumulative);
    }
    append_series(w, "_sum", labels, NULL);
    g_string_append_c(w->out, ' ');
    append_double(w->out, h->sum);
    g_string_append_c(w->out, '\n');
    append_series(w, "_count", labels, NULL);
    g_string_append_printf(w->out, " %" G_GUINT64_FORMAT "\n", h->count);
}

const char *
metrics_writer_text(MetricsWriter *w, gsize *len)
{
    if (len)
        *len = w->out->len;
    return w->out->str;
}

GBytes *
metrics_writer_steal(MetricsWriter *w)
{
    GString *s = w->out;
    w->out = g_string_sized_new(4096);
    w->family[0] = '\0';
    return g_string_free_to_bytes(s);
}

void
metrics_writer_append(MetricsWriter *w, const char *raw, gsize len)
{
    g_string_append_len(w->out, raw, (gssize)len);
    w->family[0] = '\0';
}

gboolean
metrics_listen_parse(const char *text, char *addr, gsize addr_size, guint16 *port, GError **error)
{
    const char *colon;
    g_autofree char *host = NULL;
    gboolean v6 = text[0] == '[';
    if (v6) {
        const char *end = strchr(text, ']');
        if (!end || end[1] != ':') {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "'%s' is not [IPV6]:PORT",
                        text);
            return FALSE;
        }
        host = g_strndup(text + 1, (gsize)(end - text - 1));
        colon = end + 1;
    } else {
        colon = strrchr(text, ':');
        if (!colon || strchr(text, ':') != colon) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "'%s' is not ADDR:PORT (an IPv6 address goes in brackets: [::1]:9477)",
                        text);
            return FALSE;
        }
        host = g_strndup(text, (gsize)(colon - text));
    }
    guint8 buf[16];
    if (inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) != 1) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "'%s' is not a numeric IPv%c address", host, v6 ? '6' : '4');
        return FALSE;
    }
    guint64 p = 0;
    if (!g_ascii_string_to_unsigned(colon + 1, 10, 0, 65535, &p, NULL)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "'%s' is not a port number (0-65535)", colon + 1);
        return FALSE;
    }
    if (strlen(host) >= addr_size) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "'%s' is too long", host);
        return FALSE;
    }
    g_strlcpy(addr, host, addr_size);
    *port = (guint16)p;
    return TRUE;
}
