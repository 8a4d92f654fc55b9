// SPDX-License-Identifier: GPL-2.0-or-later
// The alert parser's front: per-line checks and format dispatch, the AlertReader that turns a
// stream of lines into alerts with a safe checkpoint offset, and the field helpers that the
// fast and full format parsers share.
#include "alert.h"

#include <string.h>

#include "alert_formats.h"
#include "json.h"

/* Longest alert_full block, in lines, before the reader ends it on its own. Blocks carry at most
 * a packet dump (4096 lines for a 64 KiB packet); the cap only keeps a headerless flood from
 * pinning the checkpoint at a block start forever. No line is buffered either way. */
#define ALERT_BLOCK_MAX_LINES 8192

typedef enum {
    BLOCK_NONE,       /* no block open */
    BLOCK_WANT_TS,    /* after the header: classification/priority, AppID, then the timestamp */
    BLOCK_WANT_ADDRS, /* timestamp line held link-layer addresses: the IP ones are next */
    BLOCK_WANT_PROTO, /* addresses seen: the protocol header line is next */
    BLOCK_BODY,       /* everything needed is known: skip to the end of the block */
    BLOCK_BAD,        /* the header was malformed: swallow the block, count it once */
} BlockState;

struct AlertReader {
    AlertStats stats;
    guint64 last_end;    /* end_offset of the last line fed */
    gboolean have_last;  /* last_end is known */
    guint64 block_start; /* offset of the open block's header line */
    BlockState state;
    guint block_lines;
    gboolean have_ts;
    Alert block;
    /* Addresses of a full block's timestamp line, kept as text until the protocol line says
     * whether an IPv6 address ends in a port. */
    char src_text[IPADDR_STRLEN + 8];
    char dst_text[IPADDR_STRLEN + 8];
};

static const char *const skip_names[ALERT_SKIP_N_REASONS] = {
    [ALERT_SKIP_NONE] = "none",         [ALERT_SKIP_EMPTY] = "empty",
    [ALERT_SKIP_TOO_LONG] = "too_long", [ALERT_SKIP_NOT_ALERT] = "not_alert",
    [ALERT_SKIP_BINARY] = "binary",     [ALERT_SKIP_MALFORMED] = "malformed",
};

const char *
alert_skip_reason_name(AlertSkipReason reason)
{
    if ((guint)reason >= ALERT_SKIP_N_REASONS)
        return "unknown";
    return skip_names[reason];
}

const char *
alert_producer_name(AlertProducer producer)
{
    switch (producer) {
    case ALERT_PRODUCER_SNORT2:
        return "snort2";
    case ALERT_PRODUCER_SNORT3:
        return "snort3";
    case ALERT_PRODUCER_SURICATA:
        return "suricata";
    case ALERT_PRODUCER_UNKNOWN:
        break;
    }
    return NULL;
}

const char *
alert_format_name(AlertFormat format)
{
    return format == ALERT_FORMAT_FULL ? "full" : "fast";
}

/* ---- shared field helpers ---- */

const char *
alert_memrmem(const char *hay, gsize len, const char *needle, gsize nlen)
{
    if (nlen == 0 || len < nlen)
        return NULL;
    for (gsize i = len - nlen + 1; i-- > 0;) {
        if (hay[i] == needle[0] && memcmp(hay + i, needle, nlen) == 0)
            return hay + i;
    }
    return NULL;
}

gboolean
alert_has_stars(const char *s, gsize len)
{
    const char *p = s, *end = s + len;
    while ((p = memchr(p, '[', (gsize)(end - p))) != NULL) {
        if (end - p >= 4 && p[1] == '*' && p[2] == '*' && p[3] == ']')
            return TRUE;
        p++;
    }
    return FALSE;
}

gboolean
alert_parse_uint(const char *s, gsize len, guint64 max, guint64 *out)
{
    if (len == 0 || len > 20)
        return FALSE;
    guint64 v = 0;
    for (gsize i = 0; i < len; i++) {
        unsigned d = (unsigned char)s[i] - '0';
        if (d > 9)
            return FALSE;
        if (v > (G_MAXUINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    if (v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

void
alert_copy_field(char *dst, gsize cap, const char *src, gsize len)
{
    if (len >= cap) {
        len = cap - 1;
        /* Do not leave half a UTF-8 character at the cut: back up over continuation bytes
         * and the lead byte whose sequence they belong to. */
        gsize cut = len;
        while (cut > 0 && ((unsigned char)src[cut] & 0xC0) == 0x80)
            cut--;
        if (cut < len || ((unsigned char)src[len] & 0xC0) == 0x80)
            len = cut;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

void
alert_init(Alert *a, AlertProducer producer, AlertFormat format)
{
    memset(a, 0, sizeof *a);
    a->producer = producer;
    a->format = format;
    a->priority = -1;
    a->src_port = -1;
    a->dst_port = -1;
}

static inline gboolean
is_digit(char c)
{
    return (unsigned char)(c - '0') <= 9;
}

static gboolean
digits(const char *s, gsize n)
{
    for (gsize i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return FALSE;
    }
    return TRUE;
}

AlertTsKind
alert_ts_scan(const char *s, gsize len, gsize *ts_len)
{
    if (alert_has_prefix(s, len, ALERT_LIT("ts-error"))) {
        *ts_len = 8;
        return ALERT_TS_ERROR;
    }
    /* "DD/DD" then "-" | "/DD-" | "/DDDD-", then "DD:DD:DD.DDDDDD" */
    if (len < 21 || !digits(s, 2) || s[2] != '/' || !digits(s + 3, 2))
        return ALERT_TS_NONE;
    gsize p = 5;
    AlertTsKind kind;
    if (s[p] == '-') {
        kind = ALERT_TS_NO_YEAR;
    } else if (s[p] == '/' && len > p + 3 && digits(s + p + 1, 2) && s[p + 3] == '-') {
        kind = ALERT_TS_SHORT_YEAR;
        p += 3;
    } else if (s[p] == '/' && len > p + 5 && digits(s + p + 1, 4) && s[p + 5] == '-') {
        kind = ALERT_TS_LONG_YEAR;
        p += 5;
    } else {
        return ALERT_TS_NONE;
    }
    p++; /* the '-' */
    if (len < p + 15)
        return ALERT_TS_NONE;
    const char *t = s + p;
    if (!digits(t, 2) || t[2] != ':' || !digits(t + 3, 2) || t[5] != ':' || !digits(t + 6, 2) ||
        t[8] != '.' || !digits(t + 9, 6))
        return ALERT_TS_NONE;
    *ts_len = p + 15;
    return kind;
}

static int
num2(const char *s)
{
    return (s[0] - '0') * 10 + (s[1] - '0');
}

static gboolean
month_day_ok(int mon, int day)
{
    return mon >= 1 && mon <= 12 && day >= 1 && day <= 31;
}

gboolean
alert_ts_valid(const char *s, AlertTsKind kind)
{
    const char *clock;
    switch (kind) {
    case ALERT_TS_ERROR:
        return TRUE;
    case ALERT_TS_NO_YEAR:
        if (!month_day_ok(num2(s), num2(s + 3)))
            return FALSE;
        clock = s + 6;
        break;
    case ALERT_TS_SHORT_YEAR:
        /* MM/DD/YY (Snort 2, older Snort 3) or YY/MM/DD (newer Snort 3): either will do. */
        if (!month_day_ok(num2(s), num2(s + 3)) && !month_day_ok(num2(s + 3), num2(s + 6)))
            return FALSE;
        clock = s + 9;
        break;
    case ALERT_TS_LONG_YEAR:
        if (!month_day_ok(num2(s), num2(s + 3)))
            return FALSE;
        clock = s + 11;
        break;
    case ALERT_TS_NONE:
    default:
        return FALSE;
    }
    return num2(clock) <= 23 && num2(clock + 3) <= 59 && num2(clock + 6) <= 60;
}

gboolean
alert_parse_gsr(const char *s, gsize len, Alert *a)
{
    if (len < 7 || s[0] != '[' || s[len - 1] != ']')
        return FALSE;
    const char *p = s + 1, *end = s + len - 1;
    const char *c1 = memchr(p, ':', (gsize)(end - p));
    if (!c1)
        return FALSE;
    const char *c2 = memchr(c1 + 1, ':', (gsize)(end - c1 - 1));
    if (!c2)
        return FALSE;
    guint64 g, sid, rev;
    if (!alert_parse_uint(p, (gsize)(c1 - p), G_MAXUINT32, &g) ||
        !alert_parse_uint(c1 + 1, (gsize)(c2 - c1 - 1), G_MAXUINT32, &sid) ||
        !alert_parse_uint(c2 + 1, (gsize)(end - c2 - 1), G_MAXUINT32, &rev))
        return FALSE;
    a->gid = (guint32)g;
    a->sid = (guint32)sid;
    a->rev = (guint32)rev;
    return TRUE;
}

static gboolean
proto_is(const char *proto, const char *const *names)
{
    for (; *names; names++) {
        if (g_ascii_strcasecmp(proto, *names) == 0)
            return TRUE;
    }
    return FALSE;
}

/* Names as the producers print them: Snort's protocol_names[] (from /etc/protocols, upper
 * case, or "PROTO:%03d"), Snort 3's packet types, Suricata's known_proto[] ("IPv6-ICMP"). */
gboolean
alert_proto_is_tcp_udp(const char *proto)
{
    static const char *const names[] = {"TCP", "UDP", "PROTO:006", "PROTO:017", "6", "17", NULL};
    return proto_is(proto, names);
}

gboolean
alert_proto_is_icmp(const char *proto)
{
    static const char *const names[] = {"ICMP",      "IPV6-ICMP", "ICMPV6", "ICMP6", "PROTO:001",
                                        "PROTO:058", "1",         "58",     NULL};
    return proto_is(proto, names);
}

static gboolean
parse_port(const char *s, gsize len, gint32 *port)
{
    guint64 v;
    if (!alert_parse_uint(s, len, 65535, &v))
        return FALSE;
    *port = (gint32)v;
    return TRUE;
}

gboolean
alert_parse_endpoint(const char *s, gsize len, gboolean ports, gboolean expanded, IpAddr *addr,
                     gint32 *port)
{
    *port = -1;
    const char *last_colon = alert_memrchr(s, ':', len);
    if (!last_colon)
        return ipaddr_parse_len(s, len, addr);
    gsize alen = (gsize)(last_colon - s);
    const char *after = last_colon + 1;
    gsize plen = len - alen - 1;

    const char *last_dot = alert_memrchr(s, '.', len);
    if (last_dot) {
        /* IPv4, or IPv4-mapped IPv6: a colon after the last dot starts the port. */
        if (last_colon < last_dot)
            return ipaddr_parse_len(s, len, addr);
        return parse_port(after, plen, port) && ipaddr_parse_len(s, alen, addr);
    }

    if (expanded) {
        /* Suricata prints IPv6 with all eight groups, so nine groups mean a port. */
        guint colons = 0;
        for (gsize i = 0; i < len; i++)
            colons += s[i] == ':';
        if (colons == 8 && !alert_memmem(s, len, "::", 2))
            return parse_port(after, plen, port) && ipaddr_parse_len(s, alen, addr);
        if (colons == 7)
            return ipaddr_parse_len(s, len, addr);
        /* Not Suricata's shape after all: fall through to the compressed rules. */
    }

    /* Snort prints compressed IPv6 and appends ":port" for TCP and UDP only (and not for
     * fragments, so fall back to the whole text being the address). */
    if (ports && plen > 0 && plen <= 5 && parse_port(after, plen, port) &&
        ipaddr_parse_len(s, alen, addr))
        return TRUE;
    *port = -1;
    return ipaddr_parse_len(s, len, addr);
}

gboolean
alert_parse_addrs(const char *s, gsize len, gboolean expanded, Alert *a)
{
    const char *arrow = alert_memmem(s, len, " -> ", 4);
    if (!arrow)
        return FALSE;
    gsize slen = (gsize)(arrow - s);
    const char *d = arrow + 4;
    gsize dlen = len - slen - 4;
    return alert_parse_endpoints(s, slen, d, dlen, expanded, a);
}

gboolean
alert_parse_endpoints(const char *s, gsize slen, const char *d, gsize dlen, gboolean expanded,
                      Alert *a)
{
    if (slen == 0 || dlen == 0 || memchr(s, ' ', slen) || memchr(d, ' ', dlen))
        return FALSE;
    gboolean icmp = alert_proto_is_icmp(a->proto);
    gboolean ports = expanded ? !icmp : alert_proto_is_tcp_udp(a->proto);
    if (!alert_parse_endpoint(s, slen, ports, expanded, &a->src, &a->src_port) ||
        !alert_parse_endpoint(d, dlen, ports, expanded, &a->dst, &a->dst_port)) {
        memset(&a->src, 0, sizeof a->src);
        memset(&a->dst, 0, sizeof a->dst);
        a->src_port = a->dst_port = -1;
        return FALSE;
    }
    if (icmp) /* type and code, printed where ports would be */
        a->src_port = a->dst_port = -1;
    return TRUE;
}

const char *
alert_parse_meta(const char *start, const char *end, Alert *a)
{
    gboolean seen_prio = FALSE, seen_class = FALSE, seen_appid = FALSE;
    const char *r = end;
    while (r > start && r[-1] == ']') {
        const char *lb = alert_memrchr(start, '[', (gsize)(r - start));
        if (!lb)
            return NULL;
        const char *in = lb + 1;
        gsize ilen = (gsize)(r - 1 - in);
        if (!seen_prio && !seen_class && !seen_appid &&
            alert_has_prefix(in, ilen, ALERT_LIT("AppID: "))) {
            seen_appid = TRUE; /* Snort 3's application name: not kept */
        } else if (!seen_prio && !seen_class &&
                   alert_has_prefix(in, ilen, ALERT_LIT("Priority: "))) {
            guint64 v;
            if (!alert_parse_uint(in + 10, ilen - 10, G_MAXINT32, &v))
                return NULL;
            a->priority = (gint32)v;
            seen_prio = TRUE;
        } else if (!seen_class && alert_has_prefix(in, ilen, ALERT_LIT("Classification: "))) {
            const char *c = in + 16;
            gsize clen = ilen - 16;
            /* Suricata prints a rule without classtype as "(null)". */
            if (!(clen == 6 && memcmp(c, "(null)", 6) == 0))
                alert_copy_field(a->classification, sizeof a->classification, c, clen);
            seen_class = TRUE;
        } else {
            break;
        }
        r = lb;
        if (r > start && r[-1] == ' ')
            r--;
        else
            break;
    }
    if (seen_class && !seen_prio)
        return NULL;
    if (r == end)
        return end;
    /* r points at the space before the leftmost item, or at start. */
    return r < end && *r == ' ' ? r + 1 : r;
}

void
alert_set_msg(Alert *a, const char *s, gsize len, gboolean *quoted)
{
    *quoted = len >= 2 && s[0] == '"' && s[len - 1] == '"';
    if (*quoted) {
        s++;
        len -= 2;
    }
    alert_copy_field(a->msg, sizeof a->msg, s, len);
}

/* ---- per line ---- */

#define ONES G_GUINT64_CONSTANT(0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT(0x8080808080808080)

/* Control bytes other than tab (and DEL) mean the line is not text. Eight bytes at a time:
 * (x - 0x20..) & ~x & 0x80.. is nonzero exactly when some byte is below 0x20. */
static gboolean
has_control_bytes(const char *s, gsize len)
{
    gsize i = 0;
    for (; i + 8 <= len; i += 8) {
        guint64 x;
        memcpy(&x, s + i, 8);
        guint64 y = x ^ (ONES * 0x7f);
        if ((((x - ONES * 0x20) & ~x) | ((y - ONES) & ~y)) & HIGHS) {
            for (gsize j = i; j < i + 8; j++) {
                unsigned char c = (unsigned char)s[j];
                if ((c < 0x20 && c != '\t') || c == 0x7f)
                    return TRUE;
            }
        }
    }
    for (; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return TRUE;
    }
    return FALSE;
}

static gboolean
is_blank(const char *s, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        if (s[i] != ' ' && s[i] != '\t')
            return FALSE;
    }
    return TRUE;
}

/* Common checks before any format looks at a line. */
static AlertSkipReason
precheck(const char *line, gsize *len)
{
    if (*len > ALERT_LINE_MAX)
        return ALERT_SKIP_TOO_LONG;
    if (*len > 0 && line[*len - 1] == '\r') /* a file that went through a CRLF system */
        (*len)--;
    if (has_control_bytes(line, *len))
        return ALERT_SKIP_BINARY;
    if (is_blank(line, *len))
        return ALERT_SKIP_EMPTY;
    return ALERT_SKIP_NONE;
}

AlertSkipReason
alert_parse_line(const char *line, gsize len, Alert *out)
{
    g_return_val_if_fail(out != NULL, ALERT_SKIP_MALFORMED);
    g_return_val_if_fail(line != NULL || len == 0, ALERT_SKIP_MALFORMED);
    alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
    AlertSkipReason why = precheck(line, &len);
    if (why != ALERT_SKIP_NONE)
        return why;
    why = alert_fast_parse(line, len, out);
    if (why != ALERT_SKIP_NONE)
        alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
    return why;
}

/* ---- the reader ---- */

AlertReader *
alert_reader_new(void)
{
    AlertReader *r = g_new0(AlertReader, 1);
    r->state = BLOCK_NONE;
    return r;
}

void
alert_reader_free(AlertReader *r)
{
    g_free(r);
}

static void
count_skip(AlertReader *r, AlertSkipReason why)
{
    r->stats.skipped[why]++;
}

/* Ends the open block: emits it when it got as far as its timestamp line. */
static void
block_end(AlertReader *r, AlertSinkFunc sink, gpointer user_data)
{
    BlockState st = r->state;
    r->state = BLOCK_NONE;
    if (st == BLOCK_NONE)
        return;
    if (st == BLOCK_BAD || !r->have_ts) {
        count_skip(r, ALERT_SKIP_MALFORMED);
        return;
    }
    if (r->src_text[0] && !alert_full_resolve_addrs(&r->block, r->src_text, r->dst_text)) {
        /* Addresses seen but no protocol line, and they do not read as addresses. */
        count_skip(r, ALERT_SKIP_MALFORMED);
        return;
    }
    r->stats.parsed++;
    if (sink)
        sink(&r->block, user_data);
}

static void
block_begin(AlertReader *r, const char *line, gsize len, guint64 start)
{
    r->block_start = start;
    r->block_lines = 1;
    r->have_ts = FALSE;
    r->src_text[0] = r->dst_text[0] = '\0';
    r->state = alert_full_parse_header(line, len, &r->block) ? BLOCK_WANT_TS : BLOCK_BAD;
}

/* One line inside an open block (not blank, not a header, no "[**]"). */
static void
block_line(AlertReader *r, const char *line, gsize len)
{
    switch (r->state) {
    case BLOCK_WANT_TS: {
        AlertFullTsResult res = alert_full_parse_ts_line(line, len, &r->block, r->src_text,
                                                         r->dst_text, sizeof r->src_text);
        if (res == ALERT_FULL_TS_NOT) {
            /* The classification/priority line and Snort 3's AppID line come first. */
            alert_full_parse_meta_line(line, len, &r->block);
            return;
        }
        r->have_ts = TRUE;
        switch (res) {
        case ALERT_FULL_TS_ADDRS:
            r->state = BLOCK_WANT_PROTO;
            break;
        case ALERT_FULL_TS_LINK:
            r->state = BLOCK_WANT_ADDRS;
            break;
        case ALERT_FULL_TS_ONLY:
            r->state = BLOCK_BODY;
            break;
        case ALERT_FULL_TS_BAD:
        case ALERT_FULL_TS_NOT:
            r->state = BLOCK_BAD;
            break;
        }
        return;
    }
    case BLOCK_WANT_ADDRS:
        /* "SRC -> DST PROTO TTL:..." after a link-layer line. */
        r->state = alert_full_parse_addr_proto_line(line, len, &r->block) ? BLOCK_BODY
                                                                           : BLOCK_BAD;
        return;
    case BLOCK_WANT_PROTO: {
        alert_full_parse_proto_line(line, len, &r->block);
        gboolean ok = alert_full_resolve_addrs(&r->block, r->src_text, r->dst_text);
        r->src_text[0] = r->dst_text[0] = '\0';
        r->state = ok ? BLOCK_BODY : BLOCK_BAD;
        return;
    }
    case BLOCK_BODY:
    case BLOCK_BAD:
    case BLOCK_NONE:
        return;
    }
}

void
alert_reader_feed(AlertReader *r, const char *line, gsize len, guint64 end_offset,
                  AlertSinkFunc sink, gpointer user_data)
{
    g_return_if_fail(r != NULL);
    g_return_if_fail(line != NULL || len == 0);

    /* Where this line starts: the end of the previous one, when lines come in order. */
    guint64 start = r->have_last ? r->last_end
                    : end_offset > len ? end_offset - len - 1
                                       : 0;
    r->last_end = end_offset;
    r->have_last = TRUE;

    gsize n = len;
    AlertSkipReason why = precheck(line, &n);

    if (r->state != BLOCK_NONE) {
        if (why == ALERT_SKIP_EMPTY) { /* the blank line that ends a block belongs to it */
            block_end(r, sink, user_data);
            return;
        }
        if (why == ALERT_SKIP_NONE && alert_has_stars(line, n)) {
            /* A header or a fast line: the open block ended without its blank line. */
            block_end(r, sink, user_data);
        } else {
            if (why != ALERT_SKIP_NONE) {
                count_skip(r, why); /* a dump line too long or binary: the block goes on */
            } else {
                block_line(r, line, n);
            }
            if (++r->block_lines >= ALERT_BLOCK_MAX_LINES)
                block_end(r, sink, user_data);
            return;
        }
    }

    if (why != ALERT_SKIP_NONE) {
        count_skip(r, why);
        return;
    }
    if (alert_full_is_header(line, n)) {
        block_begin(r, line, n, start);
        return;
    }
    Alert a;
    why = alert_fast_parse(line, n, &a);
    if (why != ALERT_SKIP_NONE) {
        count_skip(r, why);
        return;
    }
    r->stats.parsed++;
    if (sink)
        sink(&a, user_data);
}

void
alert_reader_feed_overlong(AlertReader *r, guint64 end_offset)
{
    g_return_if_fail(r != NULL);
    r->last_end = end_offset;
    r->have_last = TRUE;
    count_skip(r, ALERT_SKIP_TOO_LONG);
    if (r->state != BLOCK_NONE)
        r->block_lines++;
}

void
alert_reader_flush(AlertReader *r, AlertSinkFunc sink, gpointer user_data)
{
    g_return_if_fail(r != NULL);
    block_end(r, sink, user_data);
}

guint64
alert_reader_safe_offset(const AlertReader *r)
{
    g_return_val_if_fail(r != NULL, 0);
    if (r->state != BLOCK_NONE)
        return r->block_start;
    return r->last_end;
}

gboolean
alert_reader_pending(const AlertReader *r)
{
    g_return_val_if_fail(r != NULL, FALSE);
    return r->state != BLOCK_NONE;
}

void
alert_stats_add(AlertStats *sum, const AlertStats *s)
{
    sum->parsed += s->parsed;
    for (guint i = 0; i < ALERT_SKIP_N_REASONS; i++)
        sum->skipped[i] += s->skipped[i];
}

const AlertStats *
alert_reader_stats(const AlertReader *r)
{
    g_return_val_if_fail(r != NULL, NULL);
    return &r->stats;
}

/* ---- output ---- */

static void
add_port(JsonWriter *w, const char *key, gint32 port)
{
    if (port >= 0)
        json_add_int(w, key, port);
    else
        json_add_null(w, key);
}

static void
add_addr(JsonWriter *w, const char *key, const IpAddr *a)
{
    char buf[IPADDR_STRLEN];
    json_add_string(w, key, a->family ? ipaddr_format(a, buf) : NULL);
}

static void
add_nonempty(JsonWriter *w, const char *key, const char *text)
{
    json_add_string(w, key, text[0] ? text : NULL);
}

void
alert_append_json(GString *s, const Alert *a)
{
    JsonWriter w;
    json_writer_init(&w, s);
    json_object_begin(&w, NULL);
    json_add_string(&w, "producer", alert_producer_name(a->producer));
    json_add_string(&w, "format", alert_format_name(a->format));
    json_add_string(&w, "timestamp", a->timestamp);
    json_add_uint(&w, "gid", a->gid);
    json_add_uint(&w, "sid", a->sid);
    json_add_uint(&w, "rev", a->rev);
    json_add_string(&w, "msg", a->msg);
    add_nonempty(&w, "classification", a->classification);
    if (a->priority >= 0)
        json_add_int(&w, "priority", a->priority);
    else
        json_add_null(&w, "priority");
    add_nonempty(&w, "proto", a->proto);
    add_addr(&w, "src_ip", &a->src);
    add_port(&w, "src_port", a->src_port);
    add_addr(&w, "dst_ip", &a->dst);
    add_port(&w, "dst_port", a->dst_port);
    add_nonempty(&w, "action", a->action);
    json_object_end(&w);
}

/* ---- time ---- */

gboolean
alert_timestamp_to_unix_us(const Alert *alert, int year, gint64 *out_us)
{
    g_return_val_if_fail(alert != NULL && out_us != NULL, FALSE);
    const char *t = alert->timestamp;
    gsize ts_len = 0;
    AlertTsKind kind = alert_ts_scan(t, strlen(t), &ts_len);
    int mon, day, y;
    const char *clock;
    switch (kind) {
    case ALERT_TS_NO_YEAR:
        mon = num2(t);
        day = num2(t + 3);
        y = year;
        clock = t + 6;
        break;
    case ALERT_TS_LONG_YEAR:
        mon = num2(t);
        day = num2(t + 3);
        y = num2(t + 6) * 100 + num2(t + 8);
        clock = t + 11;
        break;
    case ALERT_TS_SHORT_YEAR: {
        int a = num2(t), b = num2(t + 3), c = num2(t + 6);
        /* Snort 2 writes MM/DD/YY; Snort 3 writes YY/MM/DD since 3.0 and MM/DD/YY before.
         * For Snort 3, take YY/MM/DD when it is a valid date. */
        if (alert->producer == ALERT_PRODUCER_SNORT3 && b >= 1 && b <= 12 && c >= 1 &&
            c <= g_date_get_days_in_month((GDateMonth)b, (GDateYear)(2000 + a))) {
            y = 2000 + a;
            mon = b;
            day = c;
        } else {
            mon = a;
            day = b;
            y = 2000 + c;
        }
        clock = t + 9;
        break;
    }
    case ALERT_TS_ERROR:
    case ALERT_TS_NONE:
    default:
        return FALSE;
    }
    if (ts_len != strlen(t))
        return FALSE;
    int hh = num2(clock), mm = num2(clock + 3), ss = num2(clock + 6);
    guint64 usec;
    if (!alert_parse_uint(clock + 9, 6, 999999, &usec))
        return FALSE;
    if (y < 1970 || y > 9999 || mon < 1 || mon > 12 || day < 1 ||
        day > g_date_get_days_in_month((GDateMonth)mon, (GDateYear)y) || hh > 23 || mm > 59 ||
        ss > 60)
        return FALSE;
    GDateTime *dt = g_date_time_new_local(y, mon, day, hh, mm, ss);
    if (!dt)
        return FALSE;
    *out_us = g_date_time_to_unix(dt) * G_USEC_PER_SEC + (gint64)usec;
    g_date_time_unref(dt);
    return TRUE;
}
