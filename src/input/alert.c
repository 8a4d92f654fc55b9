// SPDX-License-Identifier: GPL-2.0-or-later
// The top of the alert parser: per-line checks and format detection, the AlertReader that turns
// a stream of lines into alerts with a safe checkpoint offset, and the JSON and text output.
#define _GNU_SOURCE /* alert_field.h: memrchr, memmem */
#include "alert.h"

#include <string.h>

#include "alert_field.h"
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
    AlertSkipReason bad_reason; /* what a BLOCK_BAD block counts as */
    guint block_lines;
    gboolean have_ts;
    Alert block;
    /* Addresses of a full block's timestamp line, kept as text until the protocol line says
     * whether an IPv6 address ends in a port. */
    char src_text[IPADDR_STRLEN + 8];
    char dst_text[IPADDR_STRLEN + 8];
    /* Skip reporting: lines fed so far, and the open block's header line (copied only while
     * someone listens). */
    guint64 line_no;
    guint64 block_line_no;
    AlertSkipFunc skip_func;
    gpointer skip_data;
    gsize header_len;
    char header[ALERT_SKIP_ECHO_MAX];
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
    switch (format) {
    case ALERT_FORMAT_FULL:
        return "full";
    case ALERT_FORMAT_EVE:
        return "eve";
    case ALERT_FORMAT_SNORT3_JSON:
        return "snort3_json";
    case ALERT_FORMAT_FAST:
        break;
    }
    return "fast";
}

gboolean
alert_sensor_blocked(const Alert *a)
{
    /* Snort 2/3 markers and Snort 3 JSON actions that mean the packet went no further
     * (would_drop and cant_drop did not drop it), and EVE's "blocked". */
    static const char *const blocked[] = {"drop", "sdrop", "block", "blocked", "reject", "reset"};
    for (gsize i = 0; i < G_N_ELEMENTS(blocked); i++) {
        if (strcmp(a->action, blocked[i]) == 0)
            return TRUE;
    }
    return FALSE;
}

/* A JSON record: the first byte that is not blank is '{' (EVE and Snort 3 write it first). */
static gboolean
is_json_line(const char *line, gsize len)
{
    gsize i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    return i < len && line[i] == '{';
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

/* Checks before any format looks at a line: length, a CR left by a CRLF system, blank. */
static AlertSkipReason
precheck_light(const char *line, gsize *len)
{
    if (*len > ALERT_LINE_MAX)
        return ALERT_SKIP_TOO_LONG;
    if (*len > 0 && line[*len - 1] == '\r')
        (*len)--;
    if (is_blank(line, *len))
        return ALERT_SKIP_EMPTY;
    return ALERT_SKIP_NONE;
}

/* The same plus a scan of every byte, for lines that no format parser checks byte by byte. */
static AlertSkipReason
precheck(const char *line, gsize *len)
{
    AlertSkipReason why = precheck_light(line, len);
    if (why == ALERT_SKIP_NONE && alert_has_control_bytes(line, *len))
        return ALERT_SKIP_BINARY;
    if (why == ALERT_SKIP_EMPTY && alert_has_control_bytes(line, *len))
        return ALERT_SKIP_BINARY;
    return why;
}

AlertSkipReason
alert_parse_line(const char *line, gsize len, Alert *out)
{
    g_return_val_if_fail(out != NULL, ALERT_SKIP_MALFORMED);
    g_return_val_if_fail(line != NULL || len == 0, ALERT_SKIP_MALFORMED);
    AlertSkipReason why = precheck_light(line, &len);
    if (why != ALERT_SKIP_NONE) {
        alert_init(out, ALERT_PRODUCER_UNKNOWN, ALERT_FORMAT_FAST);
        return why;
    }
    /* Checks the bytes itself, and leaves out cleared when the line is not an alert. */
    if (is_json_line(line, len))
        return alert_json_parse(line, len, out);
    return alert_fast_parse(line, len, out);
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

void
alert_reader_set_skip_func(AlertReader *r, AlertSkipFunc func, gpointer user_data)
{
    g_return_if_fail(r != NULL);
    r->skip_func = func;
    r->skip_data = user_data;
}

/* Counts a skipped line (line_no, from start) and tells the listener, if any. */
static void
count_skip_line(AlertReader *r, AlertSkipReason why, const char *line, gsize len, guint64 line_no,
                guint64 start)
{
    r->stats.skipped[why]++;
    if (G_UNLIKELY(r->skip_func != NULL))
        r->skip_func(why, line_no, start, line, len, r->skip_data);
}

/* Counts the open block as skipped, reported at its header line. */
static void
count_skip_block(AlertReader *r, AlertSkipReason why)
{
    count_skip_line(r, why, r->header, r->header_len, r->block_line_no, r->block_start);
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
        count_skip_block(r, st == BLOCK_BAD ? r->bad_reason : ALERT_SKIP_MALFORMED);
        return;
    }
    if (r->src_text[0] && !alert_full_resolve_addrs(&r->block, r->src_text, r->dst_text)) {
        /* Addresses seen but no protocol line, and they do not read as addresses. */
        count_skip_block(r, ALERT_SKIP_MALFORMED);
        return;
    }
    r->stats.parsed++;
    r->stats.by_format[r->block.format]++;
    if (sink)
        sink(&r->block, user_data);
}

static void
block_begin(AlertReader *r, const char *line, gsize len, guint64 start)
{
    r->block_start = start;
    r->block_line_no = r->line_no;
    r->header_len = 0;
    if (r->skip_func) {
        r->header_len = MIN(len, sizeof r->header);
        memcpy(r->header, line, r->header_len);
    }
    r->block_lines = 1;
    r->have_ts = FALSE;
    r->src_text[0] = r->dst_text[0] = '\0';
    r->bad_reason = ALERT_SKIP_MALFORMED;
    if (alert_has_control_bytes(line, len)) {
        r->bad_reason = ALERT_SKIP_BINARY;
        r->state = BLOCK_BAD;
        return;
    }
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
        r->state = alert_full_parse_addr_proto_line(line, len, &r->block) ? BLOCK_BODY : BLOCK_BAD;
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
    guint64 start = r->have_last ? r->last_end : end_offset > len ? end_offset - len - 1 : 0;
    r->last_end = end_offset;
    r->have_last = TRUE;
    r->line_no++;

    gsize n = len;
    AlertSkipReason why;

    if (r->state != BLOCK_NONE) {
        why = precheck(line, &n);
        if (why == ALERT_SKIP_EMPTY) { /* the blank line that ends a block belongs to it */
            block_end(r, sink, user_data);
            return;
        }
        if (why == ALERT_SKIP_NONE && (alert_has_stars(line, n) || is_json_line(line, n))) {
            /* A header, a fast line or a JSON record: the open block ended without its blank
             * line. The block cut short costs only itself; this line is read as what it is. */
            block_end(r, sink, user_data);
        } else {
            if (why != ALERT_SKIP_NONE) {
                /* a dump line too long or binary: the block goes on */
                count_skip_line(r, why, line, len, r->line_no, start);
            } else {
                block_line(r, line, n);
            }
            if (++r->block_lines >= ALERT_BLOCK_MAX_LINES)
                block_end(r, sink, user_data);
            return;
        }
    }

    n = len;
    why = precheck_light(line, &n);
    if (why != ALERT_SKIP_NONE) {
        count_skip_line(r, why, line, len, r->line_no, start);
        return;
    }
    Alert a; /* the parsers check the bytes themselves */
    if (is_json_line(line, n)) {
        why = alert_json_parse(line, n, &a);
    } else if (alert_full_is_header(line, n)) {
        block_begin(r, line, n, start);
        return;
    } else {
        why = alert_fast_parse(line, n, &a);
    }
    if (why != ALERT_SKIP_NONE) {
        count_skip_line(r, why, line, len, r->line_no, start);
        return;
    }
    r->stats.parsed++;
    r->stats.by_format[a.format]++;
    if (sink)
        sink(&a, user_data);
}

void
alert_reader_feed_overlong(AlertReader *r, guint64 end_offset)
{
    g_return_if_fail(r != NULL);
    guint64 start = r->have_last ? r->last_end : 0;
    r->last_end = end_offset;
    r->have_last = TRUE;
    r->line_no++;
    count_skip_line(r, ALERT_SKIP_TOO_LONG, NULL, 0, r->line_no, start);
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
    for (guint i = 0; i < ALERT_N_FORMATS; i++)
        sum->by_format[i] += s->by_format[i];
    for (guint i = 0; i < ALERT_SKIP_N_REASONS; i++)
        sum->skipped[i] += s->skipped[i];
}

guint64
alert_reader_lines(const AlertReader *r)
{
    g_return_val_if_fail(r != NULL, 0);
    return r->line_no;
}

const AlertStats *
alert_reader_stats(const AlertReader *r)
{
    g_return_val_if_fail(r != NULL, NULL);
    return &r->stats;
}

/* ---- output ----
 * One alert per line, a million lines a second: the line is written with json.c's cursor and
 * ipaddr_write() into room reserved once. Fields the parsers built from a fixed character set
 * (timestamp digits and punctuation, protocol tokens, marker letters, producer names) need no
 * escaping; msg and classification are free text and always go through json_write_string(). */

#define LIT(d, s) JSON_WRITE_LIT((d), (s))

/* A text field as a JSON string, or null when empty. */
static char *
write_opt_string(char *d, const char *s)
{
    gsize n = strlen(s);
    return n ? json_write_string(d, s, n) : LIT(d, "null");
}

static char *
write_opt_int(char *d, gint32 v)
{
    return v >= 0 ? json_write_uint(d, (guint64)v) : LIT(d, "null");
}

static char *
write_json_addr(char *d, const IpAddr *a)
{
    if (!a->family)
        return LIT(d, "null");
    *d++ = '"';
    d = ipaddr_write(d, a);
    *d++ = '"';
    return d;
}

/* The most any alert needs: fixed text and numbers, addresses, and every text field escaped. */
#define ALERT_JSON_BOUND                                                                           \
    (256 + 2 * (IPADDR_STRLEN + 2) + 6 * JSON_UINT_BOUND +                                         \
     JSON_STRING_BOUND(ALERT_TIMESTAMP_MAX + ALERT_MSG_MAX + ALERT_CLASS_MAX + ALERT_PROTO_MAX +   \
                       ALERT_ACTION_MAX + ALERT_IFACE_MAX + 16))

void
alert_append_json(GString *out, const Alert *a)
{
    char *d = json_reserve(out, ALERT_JSON_BOUND);
    const char *producer = alert_producer_name(a->producer);
    d = LIT(d, "{\"producer\":");
    d = producer ? json_write_plain_string(d, producer) : LIT(d, "null");
    d = LIT(d, ",\"format\":");
    d = json_write_plain_string(d, alert_format_name(a->format));
    d = LIT(d, ",\"timestamp\":");
    d = json_write_string(d, a->timestamp, strlen(a->timestamp));
    d = LIT(d, ",\"gid\":");
    d = json_write_uint(d, a->gid);
    d = LIT(d, ",\"sid\":");
    d = json_write_uint(d, a->sid);
    d = LIT(d, ",\"rev\":");
    d = json_write_uint(d, a->rev);
    d = LIT(d, ",\"msg\":");
    d = json_write_string(d, a->msg, strlen(a->msg));
    d = LIT(d, ",\"classification\":");
    d = write_opt_string(d, a->classification);
    d = LIT(d, ",\"priority\":");
    d = write_opt_int(d, a->priority);
    d = LIT(d, ",\"proto\":");
    d = a->proto[0] ? json_write_plain_string(d, a->proto) : LIT(d, "null");
    d = LIT(d, ",\"src_ip\":");
    d = write_json_addr(d, &a->src);
    d = LIT(d, ",\"src_port\":");
    d = write_opt_int(d, a->src_port);
    d = LIT(d, ",\"dst_ip\":");
    d = write_json_addr(d, &a->dst);
    d = LIT(d, ",\"dst_port\":");
    d = write_opt_int(d, a->dst_port);
    d = LIT(d, ",\"action\":");
    d = a->action[0] ? json_write_plain_string(d, a->action) : LIT(d, "null");
    /* Keys added with the JSON formats come only when they say something, so the lines of
     * the text formats read as they always did. */
    if (a->interface[0]) {
        d = LIT(d, ",\"interface\":");
        d = json_write_string(d, a->interface, strlen(a->interface));
    }
    if (a->flow_id) {
        d = LIT(d, ",\"flow_id\":");
        d = json_write_uint(d, a->flow_id);
    }
    if (a->timestamp_bad)
        d = LIT(d, ",\"timestamp_ok\":false");
    *d++ = '}';
    json_commit(out, d);
}

static char *
write_endpoint(char *d, const IpAddr *a, gint32 port)
{
    if (!a->family) {
        *d++ = '-';
        return d;
    }
    gboolean bracket = port >= 0 && a->family == AF_INET6;
    if (bracket)
        *d++ = '[';
    d = ipaddr_write(d, a);
    if (bracket)
        *d++ = ']';
    if (port >= 0) {
        *d++ = ':';
        d = json_write_uint(d, (guint64)port);
    }
    return d;
}

/* Copies trusted short text (names, timestamps checked by the parser, proto tokens). */
static char *
write_text(char *d, const char *s)
{
    return json_write_raw(d, s, strlen(s));
}

void
alert_append_text(GString *out, const Alert *a)
{
    char *d = json_reserve(out, ALERT_JSON_BOUND);
    const char *producer = alert_producer_name(a->producer);
    /* The timestamp, proto and action were checked character by character; msg and
     * classification are free text and go out quoted and escaped. */
    d = write_text(d, a->timestamp);
    *d++ = ' ';
    d = write_text(d, producer ? producer : "-");
    *d++ = ' ';
    d = write_text(d, alert_format_name(a->format));
    *d++ = ' ';
    d = json_write_uint(d, a->gid);
    *d++ = ':';
    d = json_write_uint(d, a->sid);
    *d++ = ':';
    d = json_write_uint(d, a->rev);
    *d++ = ' ';
    if (a->action[0]) {
        d = write_text(d, a->action);
        *d++ = ' ';
    }
    d = write_text(d, a->proto[0] ? a->proto : "-");
    *d++ = ' ';
    d = write_endpoint(d, &a->src, a->src_port);
    d = LIT(d, " -> ");
    d = write_endpoint(d, &a->dst, a->dst_port);
    if (a->priority >= 0) {
        d = LIT(d, " priority=");
        d = json_write_uint(d, (guint64)a->priority);
    }
    if (a->classification[0]) {
        d = LIT(d, " classification=");
        d = json_write_string(d, a->classification, strlen(a->classification));
    }
    if (a->interface[0]) {
        d = LIT(d, " interface=");
        d = json_write_string(d, a->interface, strlen(a->interface));
    }
    if (a->timestamp_bad)
        d = LIT(d, " timestamp_ok=no");
    d = LIT(d, " msg=");
    d = json_write_string(d, a->msg, strlen(a->msg));
    json_commit(out, d);
}
