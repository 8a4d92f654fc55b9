// SPDX-License-Identifier: GPL-2.0-or-later
// The hand-written JSON writer against jansson's for the two outputs that are large: a `list`
// reply of N bans (ctl_reply_add_ban() through JsonWriter) and `alertban parse --json` lines
// (alert_append_json() with the cursor). jansson builds the same values as json_t trees and
// writes them with json_dumpb(). Both outputs are read back and compared, so the two sides
// write the same JSON. Five passes each, the median printed as
// "WORKLOAD side=S items=N median_us=T ns_per_item=X mb_per_s=Y".
//
// bench-json [N]      (default 100000)
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "ctl_proto.h"
#include "ctl_reply.h"

#define PASSES 5

static int
cmp_gint64(gconstpointer a, gconstpointer b)
{
    gint64 x = *(const gint64 *)a, y = *(const gint64 *)b;
    return x < y ? -1 : x > y;
}

static void
report(const char *workload, const char *side, guint n, gint64 *us, gsize bytes)
{
    qsort(us, PASSES, sizeof us[0], cmp_gint64);
    gint64 med = MAX(us[PASSES / 2], 1);
    printf("%s side=%s items=%u median_us=%" G_GINT64_FORMAT " ns_per_item=%.0f mb_per_s=%.0f "
           "bytes=%" G_GSIZE_FORMAT "\n",
           workload, side, n, med, (double)med * 1000 / n, (double)bytes / (double)med, bytes);
}

/* Parses both outputs and checks they hold the same values (each line when lines). */
static void
check_same(const char *workload, const GString *a, const char *b, gsize b_len)
{
    json_error_t e;
    json_t *va = json_loadb(a->str, a->len, JSON_DISABLE_EOF_CHECK, &e);
    json_t *vb = json_loadb(b, b_len, JSON_DISABLE_EOF_CHECK, &e);
    gboolean same =
        va && vb && json_equal(va, vb) && a->len == b_len && memcmp(a->str, b, b_len) == 0;
    printf("%s same_output=%s\n", workload,
           same                             ? "bytes"
           : va && vb && json_equal(va, vb) ? "values"
                                            : "NO");
    if (va)
        json_decref(va);
    if (vb)
        json_decref(vb);
}

/* ---- list reply ---------------------------------------------------------------------------- */

static GArray *
make_bans(guint n)
{
    GArray *bans = g_array_sized_new(FALSE, TRUE, sizeof(Ban), n);
    g_array_set_size(bans, n);
    gint64 now = (gint64)1700000000 * G_USEC_PER_SEC;
    for (guint i = 0; i < n; i++) {
        Ban *b = &g_array_index(bans, Ban, i);
        char addr[64];
        if (i % 4 == 3)
            g_snprintf(addr, sizeof addr, "2001:db8:%x::%x", i >> 16, i & 0xffff);
        else
            g_snprintf(addr, sizeof addr, "198.%u.%u.%u", 18 + (i >> 16) % 2, (i >> 8) & 255,
                       i & 255);
        ipprefix_parse(addr, &b->prefix, NULL);
        b->source = i % 10 ? BAN_SOURCE_POLICY : BAN_SOURCE_MANUAL;
        b->violations = 1 + i % 17;
        b->prior_bans = i % 3;
        b->gid = 1;
        b->sid = 2000000 + i % 5000;
        b->rev = 1 + i % 9;
        b->created_us = now - (gint64)(i % 3600) * G_USEC_PER_SEC;
        b->expires_us = i % 50 ? now + (gint64)(i % 86400) * G_USEC_PER_SEC : BAN_EXPIRES_NEVER;
        b->first_seen_us = b->created_us - 60 * G_USEC_PER_SEC;
        b->last_seen_us = b->created_us;
        g_strlcpy(b->reason, b->source == BAN_SOURCE_MANUAL ? "manual" : "threshold",
                  sizeof b->reason);
        g_snprintf(b->msg, sizeof b->msg, "ET SCAN Potential SSH Scan OUTBOUND \"%u\"", i % 97);
    }
    return bans;
}

static gint64
list_writer(GArray *bans, GString *out)
{
    g_string_truncate(out, 0);
    gint64 t0 = g_get_monotonic_time();
    JsonWriter w;
    ctl_proto_reply_begin(&w, out);
    json_add_int(&w, "now", 1700000000);
    json_array_begin(&w, "bans");
    for (guint i = 0; i < bans->len; i++)
        ctl_reply_add_ban(&w, NULL, &g_array_index(bans, Ban, i));
    json_array_end(&w);
    ctl_proto_reply_end(&w);
    return g_get_monotonic_time() - t0;
}

static json_t *
jansson_ban(const Ban *b)
{
    char addr[IPADDR_STRLEN], rule[40];
    ipprefix_format(&b->prefix, addr);
    g_snprintf(rule, sizeof rule, "%u:%u:%u", b->gid, b->sid, b->rev);
    gboolean permanent = b->expires_us == BAN_EXPIRES_NEVER;
    json_t *o = json_object();
    json_object_set_new_nocheck(o, "addr", json_string_nocheck(addr));
    json_object_set_new_nocheck(o, "created", json_integer(b->created_us / G_USEC_PER_SEC));
    json_object_set_new_nocheck(
        o, "expires", permanent ? json_null() : json_integer(b->expires_us / G_USEC_PER_SEC));
    json_object_set_new_nocheck(o, "permanent", json_boolean(permanent));
    json_object_set_new_nocheck(o, "source", json_string_nocheck(ban_source_name(b->source)));
    json_object_set_new_nocheck(o, "violations", json_integer(b->violations));
    json_object_set_new_nocheck(o, "prior_bans", json_integer(b->prior_bans));
    json_object_set_new_nocheck(o, "first_seen", json_integer(b->first_seen_us / G_USEC_PER_SEC));
    json_object_set_new_nocheck(o, "last_seen", json_integer(b->last_seen_us / G_USEC_PER_SEC));
    json_object_set_new_nocheck(o, "rule", json_string_nocheck(rule));
    /* msg is untrusted text: jansson refuses invalid UTF-8, so it is checked, not trusted. */
    json_t *msg = json_string(b->msg);
    json_object_set_new_nocheck(o, "msg", msg ? msg : json_string("\xef\xbf\xbd"));
    json_object_set_new_nocheck(o, "reason", json_string_nocheck(b->reason));
    if (b->origin[0])
        json_object_set_new_nocheck(o, "origin", json_string(b->origin));
    return o;
}

/* Builds the tree and writes it; *dump_us is the json_dumpb() part alone. */
static gint64
list_jansson(GArray *bans, char **buf, gsize *len, gint64 *dump_us)
{
    gint64 t0 = g_get_monotonic_time();
    json_t *root = json_object();
    json_object_set_new_nocheck(root, "v", json_integer(CTL_PROTO_VERSION));
    json_object_set_new_nocheck(root, "ok", json_true());
    json_object_set_new_nocheck(root, "now", json_integer(1700000000));
    json_t *arr = json_array();
    for (guint i = 0; i < bans->len; i++)
        json_array_append_new(arr, jansson_ban(&g_array_index(bans, Ban, i)));
    json_object_set_new_nocheck(root, "bans", arr);
    gint64 t1 = g_get_monotonic_time();
    gsize need = json_dumpb(root, NULL, 0, JSON_COMPACT);
    *buf = g_realloc(*buf, need + 1);
    *len = json_dumpb(root, *buf, need, JSON_COMPACT);
    (*buf)[(*len)++] = '\n';
    gint64 t2 = g_get_monotonic_time();
    json_decref(root);
    gint64 t3 = g_get_monotonic_time();
    *dump_us = t2 - t1;
    return t3 - t0;
}

/* ---- parse --json ---------------------------------------------------------------------------- */

static GArray *
make_alerts(guint n)
{
    GArray *alerts = g_array_sized_new(FALSE, TRUE, sizeof(Alert), n);
    for (guint i = 0; i < n; i++) {
        char line[512];
        if (i % 3 == 0)
            g_snprintf(line, sizeof line,
                       "11/22-10:%02u:%02u.%06u  [**] [1:%u:3] ET SCAN Potential SSH Scan [**] "
                       "[Classification: Attempted Information Leak] [Priority: 2] {TCP} "
                       "198.18.%u.%u:%u -> 192.0.2.1:22",
                       i / 60 % 60, i % 60, i % 1000000, 2001219 + i % 100, (i >> 8) & 255, i & 255,
                       1024 + i % 60000);
        else if (i % 3 == 1)
            g_snprintf(line, sizeof line,
                       "11/22/2026-10:%02u:%02u.%06u  [Drop] [**] [1:%u:1] ET POLICY \"odd\" "
                       "\\ request [**] [Classification: Potentially Bad Traffic] [Priority: 3] "
                       "{UDP} 2001:db8::%x:53 -> 2001:db8:1::1:%u",
                       i / 60 % 60, i % 60, i % 1000000, 2100000 + i % 100, i & 0xffff,
                       1024 + i % 60000);
        else
            g_snprintf(line, sizeof line,
                       "11/22-10:%02u:%02u.%06u [**] [1:%u:2] \"PROTOCOL-ICMP Ping\" [**] "
                       "[Priority: 3] {ICMP} 198.19.%u.%u -> 192.0.2.7",
                       i / 60 % 60, i % 60, i % 1000000, 384 + i % 10, (i >> 8) & 255, i & 255);
        Alert a;
        if (alert_parse_line(line, strlen(line), &a) != ALERT_SKIP_NONE) {
            fprintf(stderr, "bench-json: line not parsed: %s\n", line);
            exit(1);
        }
        g_array_append_val(alerts, a);
    }
    return alerts;
}

static gint64
parse_writer(GArray *alerts, GString *out)
{
    g_string_truncate(out, 0);
    gint64 t0 = g_get_monotonic_time();
    for (guint i = 0; i < alerts->len; i++) {
        alert_append_json(out, &g_array_index(alerts, Alert, i));
        g_string_append_c(out, '\n');
    }
    return g_get_monotonic_time() - t0;
}

static json_t *
opt_string(const char *s)
{
    return s && s[0] ? json_string(s) : json_null();
}

static json_t *
opt_int(gint32 v)
{
    return v >= 0 ? json_integer(v) : json_null();
}

static json_t *
addr_value(const IpAddr *a)
{
    char buf[IPADDR_STRLEN];
    return a->family ? json_string_nocheck(ipaddr_format(a, buf)) : json_null();
}

static gint64
parse_jansson(GArray *alerts, GString *out)
{
    g_string_truncate(out, 0);
    gint64 t0 = g_get_monotonic_time();
    for (guint i = 0; i < alerts->len; i++) {
        const Alert *a = &g_array_index(alerts, Alert, i);
        json_t *o = json_object();
        json_object_set_new_nocheck(o, "producer", opt_string(alert_producer_name(a->producer)));
        json_object_set_new_nocheck(
            o, "format", json_string_nocheck(a->format == ALERT_FORMAT_FULL ? "full" : "fast"));
        json_object_set_new_nocheck(o, "timestamp", json_string(a->timestamp));
        json_object_set_new_nocheck(o, "gid", json_integer(a->gid));
        json_object_set_new_nocheck(o, "sid", json_integer(a->sid));
        json_object_set_new_nocheck(o, "rev", json_integer(a->rev));
        json_t *msg = json_string(a->msg);
        json_object_set_new_nocheck(o, "msg", msg ? msg : json_string("\xef\xbf\xbd"));
        json_object_set_new_nocheck(o, "classification", opt_string(a->classification));
        json_object_set_new_nocheck(o, "priority", opt_int(a->priority));
        json_object_set_new_nocheck(o, "proto", opt_string(a->proto));
        json_object_set_new_nocheck(o, "src_ip", addr_value(&a->src));
        json_object_set_new_nocheck(o, "src_port", opt_int(a->src_port));
        json_object_set_new_nocheck(o, "dst_ip", addr_value(&a->dst));
        json_object_set_new_nocheck(o, "dst_port", opt_int(a->dst_port));
        json_object_set_new_nocheck(o, "action", opt_string(a->action));
        /* Straight into the output, as the writer does: room for the line, then its length. */
        gsize need = json_dumpb(o, NULL, 0, JSON_COMPACT);
        gsize old = out->len;
        g_string_set_size(out, old + need + 1);
        gsize n = json_dumpb(o, out->str + old, need, JSON_COMPACT);
        out->str[old + n] = '\n';
        g_string_set_size(out, old + n + 1);
        json_decref(o);
    }
    return g_get_monotonic_time() - t0;
}

int
main(int argc, char **argv)
{
    guint n = argc > 1 ? (guint)g_ascii_strtoull(argv[1], NULL, 10) : 100000;
    if (n == 0) {
        fprintf(stderr, "usage: bench-json [N]\n");
        return 2;
    }

    g_autoptr(GArray) bans = make_bans(n);
    g_autoptr(GString) out = g_string_new(NULL);
    char *jbuf = NULL;
    gsize jlen = 0;
    gint64 w_us[PASSES], j_us[PASSES], d_us[PASSES];
    for (int p = 0; p < PASSES; p++) {
        w_us[p] = list_writer(bans, out);
        j_us[p] = list_jansson(bans, &jbuf, &jlen, &d_us[p]);
    }
    report("list", "writer", n, w_us, out->len);
    report("list", "jansson", n, j_us, jlen);
    report("list", "jansson-dumpb-only", n, d_us, jlen);
    check_same("list", out, jbuf, jlen);
    g_free(jbuf);

    g_autoptr(GArray) alerts = make_alerts(n);
    g_autoptr(GString) jout = g_string_new(NULL);
    for (int p = 0; p < PASSES; p++) {
        w_us[p] = parse_writer(alerts, out);
        j_us[p] = parse_jansson(alerts, jout);
    }
    report("parse-json", "writer", n, w_us, out->len);
    report("parse-json", "jansson", n, j_us, jout->len);
    /* Line by line: the whole output is one value per line. */
    g_autoptr(GString) wrapped_w = g_string_new("[");
    g_autoptr(GString) wrapped_j = g_string_new("[");
    g_string_append_len(wrapped_w, out->str, (gssize)out->len - 1);
    g_string_append_len(wrapped_j, jout->str, (gssize)jout->len - 1);
    g_strdelimit(wrapped_w->str, "\n", ',');
    g_strdelimit(wrapped_j->str, "\n", ',');
    g_string_append_c(wrapped_w, ']');
    g_string_append_c(wrapped_j, ']');
    check_same("parse-json", wrapped_w, wrapped_j->str, wrapped_j->len);
    return 0;
}
