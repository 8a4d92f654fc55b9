// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the alert parser: real samples against their expected parse, every skip
// reason, the reader's checkpoint offsets, and timestamp conversion.
#define _GNU_SOURCE /* alert_field.h */
#include "alert.h"

#include <stdlib.h>
#include <string.h>

#include "alert_field.h"
#include "testutil.h"

/* ---- samples: test/data/alerts/NAME.txt against NAME.jsonl and NAME.stats ---- */

static const char *const sample_names[] = {
    "snort2-fast-real",
    "snort2-fast-shapes",
    "snort3-fast-real",
    "snort3-fast-shapes",
    "suricata-fast-real",
    "suricata-fast-shapes",
    "snort2-full-real",
    "snort1-full-real",
    "snort3-full-real",
    "full-shapes",
    "junk",
    "mixed",
    "odd-shapes",
    "eve/real",
    "eve/shapes",
    "snort3-json/real",
    "snort3-json/shapes",
};

static void
collect_json(const Alert *alert, gpointer user_data)
{
    GString *out = user_data;
    alert_append_json(out, alert);
    g_string_append_c(out, '\n');
}

static char *
read_data(const char *name, const char *ext, gsize *len)
{
    g_autofree char *file = g_strconcat(name, ext, NULL);
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "data", "alerts", file, NULL);
    char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &text, len, &error))
        g_error("reading %s: %s", path, error->message);
    return text;
}

static char *
format_stats(const AlertStats *st)
{
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, "parsed=%" G_GUINT64_FORMAT, st->parsed);
    for (int i = ALERT_SKIP_NONE + 1; i < ALERT_SKIP_N_REASONS; i++)
        g_string_append_printf(s, " %s=%" G_GUINT64_FORMAT, alert_skip_reason_name(i),
                               st->skipped[i]);
    return g_string_free(s, FALSE);
}

/* Feeds text line by line; end offsets are checked against the reader as it goes. */
static void
feed_text(AlertReader *r, const char *text, gsize len, GString *out)
{
    gsize pos = 0;
    while (pos < len) {
        const char *nl = memchr(text + pos, '\n', len - pos);
        gsize line_len = nl ? (gsize)(nl - (text + pos)) : len - pos;
        guint64 end = pos + line_len + (nl ? 1 : 0);
        alert_reader_feed(r, text + pos, line_len, end, collect_json, out);
        guint64 safe = alert_reader_safe_offset(r);
        if (alert_reader_pending(r))
            g_assert_cmpuint(safe, <, end);
        else
            g_assert_cmpuint(safe, ==, end);
        pos = end;
    }
    alert_reader_flush(r, collect_json, out);
    g_assert_false(alert_reader_pending(r));
    g_assert_cmpuint(alert_reader_safe_offset(r), ==, len);
}

static void
test_sample(gconstpointer data)
{
    const char *name = data;
    gsize len, jlen, slen;
    g_autofree char *text = read_data(name, ".txt", &len);
    g_autofree char *expected = read_data(name, ".jsonl", &jlen);
    g_autofree char *expected_stats = read_data(name, ".stats", &slen);
    g_strstrip(expected_stats);

    g_autoptr(AlertReader) r = alert_reader_new();
    g_autoptr(GString) out = g_string_new(NULL);
    feed_text(r, text, len, out);
    g_assert_cmpstr(out->str, ==, expected);
    g_autofree char *stats = format_stats(alert_reader_stats(r));
    g_assert_cmpstr(stats, ==, expected_stats);
}

/* The fast-format lines of the samples parse alone, through alert_parse_line(), to the same
 * alerts the reader produced. */
static void
test_sample_lines_alone(gconstpointer data)
{
    const char *name = data;
    gsize len, jlen;
    g_autofree char *text = read_data(name, ".txt", &len);
    g_autofree char *expected = read_data(name, ".jsonl", &jlen);
    g_autoptr(GString) out = g_string_new(NULL);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        Alert a;
        if (alert_parse_line(*l, strlen(*l), &a) == ALERT_SKIP_NONE)
            collect_json(&a, out);
    }
    g_assert_cmpstr(out->str, ==, expected);
}

/* ---- single lines: skip reasons and fields ---- */

typedef struct {
    const char *name;
    const char *line;
    AlertSkipReason reason;
    /* when parsed: */
    AlertProducer producer;
    guint32 sid;
    const char *src; /* canonical text, "" for none */
    gint32 src_port;
    const char *dst;
    gint32 dst_port;
    const char *action;
    const char *msg;
} LineCase;

#define S2 ALERT_PRODUCER_SNORT2
#define S3 ALERT_PRODUCER_SNORT3
#define SU ALERT_PRODUCER_SURICATA
#define OK ALERT_SKIP_NONE
#define SKIP(n, l, r)                                                                              \
    {                                                                                              \
        .name = (n), .line = (l), .reason = (r)                                                    \
    }

static const LineCase line_cases[] = {
    {"snort2-v4",
     "11/22-10:00:00.000001  [**] [1:100:2] m [**] [Priority: 1] {TCP} 192.0.2.1:10 -> "
     "198.51.100.1:20",
     OK, S2, 100, "192.0.2.1", 10, "198.51.100.1", 20, "", "m"},
    {"snort3-v6-udp",
     "11/22-10:00:00.000001 [**] [1:101:1] \"m\" [**] [Priority: 1] {UDP} 2001:db8::1:53 -> "
     "2001:db8::2:5353",
     OK, S3, 101, "2001:db8::1", 53, "2001:db8::2", 5353, "", "m"},
    {"snort3-v6-icmp-no-port",
     "11/22-10:00:00.000001 [**] [1:102:1] \"m\" [**] [Priority: 1] {ICMP} 2001:db8::1:53 -> "
     "2001:db8::2",
     OK, S3, 102, "2001:db8::1:53", -1, "2001:db8::2", -1, "", "m"},
    {"snort2-v6-fragment-no-port",
     "11/22-10:00:00.000001  [**] [1:103:1] m [**] [Priority: 1] {TCP} 2001:db8::a -> "
     "2001:db8:1:2:3:4:5:6",
     OK, S2, 103, "2001:db8::a", -1, "2001:db8:1:2:3:4:5:6", -1, "", "m"},
    {"suricata-v6-9-groups",
     "11/22/2026-10:00:00.000001  [**] [1:104:1] m [**] [Classification: (null)] [Priority: 3] "
     "{TCP} 2001:0db8:0000:0000:0000:0000:0000:0001:443 -> "
     "2001:0db8:0000:0000:0000:0000:0000:0002:0",
     OK, SU, 104, "2001:db8::1", 443, "2001:db8::2", 0, "", "m"},
    {"suricata-icmp-type-code",
     "11/22/2026-10:00:00.000001  [**] [1:105:1] m [**] [Classification: (null)] [Priority: 3] "
     "{ICMP} 192.0.2.1:3 -> 198.51.100.1:1",
     OK, SU, 105, "192.0.2.1", -1, "198.51.100.1", -1, "", "m"},
    {"suricata-wdrop",
     "11/22/2026-10:00:00.000001  [wDrop] [**] [1:106:1] m [**] [Classification: (null)] "
     "[Priority: 3] {UDP} 192.0.2.1:1 -> 198.51.100.1:2",
     OK, SU, 106, "192.0.2.1", 1, "198.51.100.1", 2, "wdrop", "m"},
    {"snort3-msg-quotes-only",
     "11/22-10:00:00.000001 [**] [1:107:1] \"\"\"\" [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
     "198.51.100.1:2",
     OK, S3, 107, "192.0.2.1", 1, "198.51.100.1", 2, "", "\"\""},
    {"v4-mapped-with-port",
     "11/22-10:00:00.000001 [**] [1:108:1] \"m\" [**] [Priority: 1] {TCP} ::ffff:192.0.2.9:80 -> "
     "198.51.100.1:2",
     OK, S3, 108, "192.0.2.9", 80, "198.51.100.1", 2, "", "m"},
    {"port-max",
     "11/22-10:00:00.000001  [**] [1:109:1] m [**] [Priority: 1] {TCP} 192.0.2.1:65535 -> "
     "198.51.100.1:0",
     OK, S2, 109, "192.0.2.1", 65535, "198.51.100.1", 0, "", "m"},
    {"sid-max",
     "11/22-10:00:00.000001  [**] [4294967295:4294967295:4294967295] m [**] [Priority: 1] {TCP} "
     "192.0.2.1:1 -> 198.51.100.1:2",
     OK, S2, 4294967295u, "192.0.2.1", 1, "198.51.100.1", 2, "", "m"},

    SKIP("empty", "", ALERT_SKIP_EMPTY),
    SKIP("blank", " \t ", ALERT_SKIP_EMPTY),
    SKIP("binary-bell",
         "11/22-10:00:00.000001  [**] [1:1:1] m\a [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_BINARY),
    SKIP("binary-del", "abc\x7f", ALERT_SKIP_BINARY),
    SKIP("console", "Commencing packet processing", ALERT_SKIP_NOT_ALERT),
    SKIP("csv", "11/22-10:00:00.000001 ,1,100,1,\"m\",TCP,192.0.2.1,1,198.51.100.1,2",
         ALERT_SKIP_NOT_ALERT),
    SKIP("timestamp-only", "11/22-10:00:00.000001", ALERT_SKIP_NOT_ALERT),
    SKIP("three-spaces",
         "11/22-10:00:00.000001   [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("suricata-one-space",
         "11/22/2026-10:00:00.000001 [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("leading-junk",
         "x11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("trailing-junk",
         "11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2x",
         ALERT_SKIP_MALFORMED),
    SKIP("trailing-two-spaces",
         "11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2  ",
         ALERT_SKIP_MALFORMED),
    SKIP("gid-sign",
         "11/22-10:00:00.000001  [**] [+1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("sid-overflow",
         "11/22-10:00:00.000001  [**] [1:4294967296:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("gsr-two-parts",
         "11/22-10:00:00.000001  [**] [1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("port-overflow",
         "11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:65536 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("port-empty",
         "11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1: -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("address-bad",
         "11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.256:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("address-zone",
         "11/22-10:00:00.000001 [**] [1:1:1] \"m\" [**] [Priority: 1] {ICMP} fe80::1%eth0 -> "
         "ff02::1",
         ALERT_SKIP_MALFORMED),
    SKIP(
        "no-arrow",
        "11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 198.51.100.1:2",
        ALERT_SKIP_MALFORMED),
    SKIP("priority-text",
         "11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: high] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("snort3-no-priority",
         "11/22-10:00:00.000001 [**] [1:1:1] \"m\" [**] {TCP} 192.0.2.1:1 -> 198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("class-without-priority",
         "11/22-10:00:00.000001  [**] [1:1:1] m [**] [Classification: x] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("no-closing-stars",
         "11/22-10:00:00.000001  [**] [1:1:1] m [Priority: 1] {TCP} 192.0.2.1:1 -> 198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("bad-month",
         "13/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("bad-hour",
         "11/22-24:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("raw-pkt-bad-hex",
         "11/22/2026-10:00:00.000001  [**] [1:1:1] m [**] [Classification: (null)] [Priority: 3] "
         "[**] [Raw pkt: zz ]",
         ALERT_SKIP_MALFORMED),
    SKIP("marker-too-long",
         "11/22-10:00:00.000001 [abcdefghijklmnopq] [**] [1:1:1] \"m\" [**] [Priority: 1] {TCP} "
         "192.0.2.1:1 -> 198.51.100.1:2",
         ALERT_SKIP_MALFORMED),
    SKIP("full-header-is-not-a-fast-line", "[**] [1:1:1] m [**]", ALERT_SKIP_MALFORMED),
};

static void
test_line(gconstpointer data)
{
    const LineCase *c = data;
    Alert a;
    memset(&a, 0xAA, sizeof a); /* the parser must set every field */
    AlertSkipReason why = alert_parse_line(c->line, strlen(c->line), &a);
    g_assert_cmpstr(alert_skip_reason_name(why), ==, alert_skip_reason_name(c->reason));
    if (why != ALERT_SKIP_NONE) {
        Alert zero;
        memset(&zero, 0, sizeof zero);
        zero.priority = zero.src_port = zero.dst_port = -1;
        g_assert_true(memcmp(&a, &zero, sizeof a) == 0); /* nothing left half-filled */
        return;
    }
    char buf[IPADDR_STRLEN];
    g_assert_cmpint(a.producer, ==, c->producer);
    g_assert_cmpint(a.format, ==, ALERT_FORMAT_FAST);
    g_assert_cmpuint(a.sid, ==, c->sid);
    g_assert_cmpstr(ipaddr_format(&a.src, buf), ==, c->src);
    g_assert_cmpint(a.src_port, ==, c->src_port);
    g_assert_cmpstr(ipaddr_format(&a.dst, buf), ==, c->dst);
    g_assert_cmpint(a.dst_port, ==, c->dst_port);
    g_assert_cmpstr(a.action, ==, c->action);
    g_assert_cmpstr(a.msg, ==, c->msg);
}

/* ---- limits ---- */

static GString *
line_with_msg_len(gsize msg_len, const char *filler)
{
    GString *s = g_string_new("11/22-10:00:00.000001  [**] [1:1:1] ");
    gsize flen = strlen(filler);
    for (gsize n = 0; n + flen <= msg_len; n += flen)
        g_string_append(s, filler);
    g_string_append(s, " [**] [Priority: 1] {TCP} 192.0.2.1:1 -> 198.51.100.1:2");
    return s;
}

static void
test_line_too_long(void)
{
    /* At the cap it is read; one byte over it is skipped without being looked at. */
    g_autoptr(GString) s = line_with_msg_len(100, "a");
    gsize pad = ALERT_LINE_MAX - s->len;
    g_string_free(s, TRUE);
    s = line_with_msg_len(100 + pad, "a");
    g_assert_cmpuint(s->len, ==, ALERT_LINE_MAX);
    Alert a;
    g_assert_cmpint(alert_parse_line(s->str, s->len, &a), ==, ALERT_SKIP_NONE);
    g_assert_cmpuint(strlen(a.msg), ==, ALERT_MSG_MAX - 1); /* truncated to the field */
    g_string_insert_c(s, 40, 'a');
    g_assert_cmpint(alert_parse_line(s->str, s->len, &a), ==, ALERT_SKIP_TOO_LONG);

    g_autoptr(AlertReader) r = alert_reader_new();
    alert_reader_feed(r, s->str, s->len, s->len + 1, NULL, NULL);
    g_assert_cmpuint(alert_reader_stats(r)->skipped[ALERT_SKIP_TOO_LONG], ==, 1);
    g_assert_cmpuint(alert_reader_safe_offset(r), ==, s->len + 1);
    alert_reader_feed_overlong(r, 100000);
    g_assert_cmpuint(alert_reader_stats(r)->skipped[ALERT_SKIP_TOO_LONG], ==, 2);
    g_assert_cmpuint(alert_reader_safe_offset(r), ==, 100000);
}

static void
test_msg_truncated_on_character(void)
{
    /* "é" is two bytes; 300 of them cannot fit 511 bytes, and the cut must not split one. */
    g_autoptr(GString) s = line_with_msg_len(600, "\xc3\xa9");
    Alert a;
    g_assert_cmpint(alert_parse_line(s->str, s->len, &a), ==, ALERT_SKIP_NONE);
    gsize n = strlen(a.msg);
    g_assert_cmpuint(n, ==, 510);
    g_assert_true(g_utf8_validate(a.msg, -1, NULL));
}

/* ---- the reader's offsets ---- */

static void
count_alert(const Alert *alert, gpointer user_data)
{
    (void)alert;
    (*(guint *)user_data)++;
}

typedef struct {
    const char *line;
    gboolean pending; /* after this line */
    int safe_line;    /* safe offset is the start of this line (index), or -1: its end */
    guint emitted;    /* alerts emitted so far */
} OffsetStep;

static void
test_reader_offsets(void)
{
    static const OffsetStep steps[] = {
        {"11/22-10:00:00.000001  [**] [1:1:1] m [**] [Priority: 1] {TCP} 192.0.2.1:1 -> "
         "198.51.100.1:2",
         FALSE, -1, 1},
        {"[**] [1:2:1] block [**]", TRUE, 1, 1},
        {"[Priority: 2] ", TRUE, 1, 1},
        {"11/22-10:00:01.000001 192.0.2.2:3 -> 198.51.100.2:4", TRUE, 1, 1},
        {"TCP TTL:64 TOS:0x0 ID:1 IpLen:20 DgmLen:40", TRUE, 1, 1},
        {"", FALSE, -1, 2},
        {"", FALSE, -1, 2},
        {"[**] [1:3:1] next [**]", TRUE, 7, 2},
        {"11/22-10:00:02.000001 192.0.2.3 -> 198.51.100.3", TRUE, 7, 2},
        /* a header ends the open block and opens a new one at its own start */
        {"[**] [1:4:1] after [**]", TRUE, 9, 3},
        {"11/22-10:00:03.000001", TRUE, 9, 3},
    };
    g_autoptr(AlertReader) r = alert_reader_new();
    guint emitted = 0;
    guint64 starts[G_N_ELEMENTS(steps)];
    guint64 off = 1000; /* the reader may start anywhere in a file */
    for (gsize i = 0; i < G_N_ELEMENTS(steps); i++) {
        const OffsetStep *st = &steps[i];
        starts[i] = off;
        off += strlen(st->line) + 1;
        alert_reader_feed(r, st->line, strlen(st->line), off, count_alert, &emitted);
        g_assert_cmpint(alert_reader_pending(r), ==, st->pending);
        guint64 want = st->safe_line < 0 ? off : starts[st->safe_line];
        g_assert_cmpuint(alert_reader_safe_offset(r), ==, want);
        g_assert_cmpuint(alert_reader_stats(r)->parsed, ==, st->emitted);
        g_assert_cmpuint(emitted, ==, st->emitted);
    }
    /* idle: a flush ends the block, and everything fed is accounted for */
    alert_reader_flush(r, NULL, NULL);
    g_assert_false(alert_reader_pending(r));
    g_assert_cmpuint(alert_reader_safe_offset(r), ==, off);
    g_assert_cmpuint(alert_reader_stats(r)->parsed, ==, 4);
    /* flushing again changes nothing */
    alert_reader_flush(r, NULL, NULL);
    g_assert_cmpuint(alert_reader_stats(r)->parsed, ==, 4);
    /* one fast line, three alert_full blocks */
    g_assert_cmpuint(alert_reader_stats(r)->by_format[ALERT_FORMAT_FAST], ==, 1);
    g_assert_cmpuint(alert_reader_stats(r)->by_format[ALERT_FORMAT_FULL], ==, 3);
}

/* Resuming at the safe offset after a stop in the middle of a block neither loses nor repeats
 * an alert: feed a prefix, stop, start a new reader at the safe offset, feed the rest. */
static void
test_reader_resume(void)
{
    gsize len;
    g_autofree char *text = read_data("snort2-full-real", ".txt", &len);
    g_autoptr(GString) whole = g_string_new(NULL);
    {
        g_autoptr(AlertReader) r = alert_reader_new();
        feed_text(r, text, len, whole);
    }
    /* stop after every line in turn */
    for (gsize cut = 0; cut < len;) {
        const char *nl = memchr(text + cut, '\n', len - cut);
        cut = nl ? (gsize)(nl - text) + 1 : len;
        g_autoptr(GString) out = g_string_new(NULL);
        g_autoptr(AlertReader) r1 = alert_reader_new();
        gsize pos = 0;
        while (pos < cut) {
            const char *e = memchr(text + pos, '\n', cut - pos);
            gsize l = e ? (gsize)(e - (text + pos)) : cut - pos;
            alert_reader_feed(r1, text + pos, l, pos + l + 1, collect_json, out);
            pos += l + 1;
        }
        guint64 resume = alert_reader_safe_offset(r1); /* stopped: no flush */
        g_autoptr(AlertReader) r2 = alert_reader_new();
        feed_text(r2, text + resume, len - resume, out);
        g_assert_cmpstr(out->str, ==, whole->str);
    }
}

static void
test_reader_block_cap(void)
{
    /* A header followed by an endless body ends on its own, so the checkpoint moves on. */
    g_autoptr(AlertReader) r = alert_reader_new();
    guint n = 0;
    guint64 off = 0;
    const char *hdr = "[**] [1:9:1] endless [**]";
    const char *ts = "11/22-10:00:00.000001 192.0.2.1 -> 198.51.100.1";
    const char *dump = "41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA";
    off += strlen(hdr) + 1;
    alert_reader_feed(r, hdr, strlen(hdr), off, count_alert, &n);
    off += strlen(ts) + 1;
    alert_reader_feed(r, ts, strlen(ts), off, count_alert, &n);
    guint lines = 2;
    while (alert_reader_pending(r)) {
        off += strlen(dump) + 1;
        alert_reader_feed(r, dump, strlen(dump), off, count_alert, &n);
        g_assert_cmpuint(++lines, <=, 100000);
    }
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(lines, >, 1000);
    g_assert_cmpuint(alert_reader_safe_offset(r), ==, off);
}

/* A block whose header holds control bytes is skipped as one binary block, body included. */
static void
test_reader_binary_header(void)
{
    static const char *const lines[] = {
        "[**] [1:5:1] bad\x01header [**]",
        "[Priority: 3] ",
        "11/22-10:00:00.000001 192.0.2.1 -> 198.51.100.1",
        "ICMP TTL:64 TOS:0x0 ID:1 IpLen:20 DgmLen:84",
        "",
        "11/22-10:00:00.000002  [**] [1:6:1] next [**] [Priority: 1] {UDP} 192.0.2.1 -> ::1",
    };
    g_autoptr(AlertReader) r = alert_reader_new();
    guint n = 0;
    guint64 off = 0;
    for (gsize i = 0; i < G_N_ELEMENTS(lines); i++) {
        off += strlen(lines[i]) + 1;
        alert_reader_feed(r, lines[i], strlen(lines[i]), off, count_alert, &n);
    }
    const AlertStats *st = alert_reader_stats(r);
    g_assert_cmpuint(n, ==, 1);
    g_assert_cmpuint(st->parsed, ==, 1);
    g_assert_cmpuint(st->skipped[ALERT_SKIP_BINARY], ==, 1);
    g_assert_cmpuint(st->skipped[ALERT_SKIP_NOT_ALERT], ==, 0);
    g_assert_cmpuint(st->skipped[ALERT_SKIP_EMPTY], ==, 0);
}

/* ---- timestamps ---- */

typedef struct {
    const char *name;
    const char *timestamp;
    AlertProducer producer;
    int year;
    const char *utc; /* ISO 8601 with microseconds, or NULL: conversion fails */
} TsCase;

static const TsCase ts_cases[] = {
    {"no-year", "11/22-10:00:01.000002", S2, 2026, "2026-11-22T10:00:01.000002Z"},
    {"no-year-leap-day", "02/29-23:59:59.999999", S3, 2024, "2024-02-29T23:59:59.999999Z"},
    {"no-year-not-leap", "02/29-00:00:00.000000", S3, 2025, NULL},
    {"suricata", "03/04/2025-05:06:07.080910", SU, 1999, "2025-03-04T05:06:07.080910Z"},
    {"suricata-ts-error", "ts-error", SU, 2026, NULL},
    {"snort2-y-mm-dd-yy", "05/04/14-11:30:01.347127", S2, 2026, "2014-05-04T11:30:01.347127Z"},
    {"snort3-y-yy-mm-dd", "21/04/27-11:24:48.554835", S3, 2026, "2021-04-27T11:24:48.554835Z"},
    {"snort3-y-old-mm-dd-yy", "12/31/20-01:02:03.000004", S3, 2026, "2020-12-31T01:02:03.000004Z"},
    {"empty", "", S2, 2026, NULL},
    {"bad-day", "04/31-10:00:00.000000", S2, 2026, NULL},
};

static void
test_timestamp(gconstpointer data)
{
    const TsCase *c = data;
    Alert a;
    memset(&a, 0, sizeof a);
    a.producer = c->producer;
    g_strlcpy(a.timestamp, c->timestamp, sizeof a.timestamp);
    gint64 us = 0;
    gboolean ok = alert_timestamp_to_unix_us(&a, c->year, &us);
    if (!c->utc) {
        g_assert_false(ok);
        return;
    }
    g_assert_true(ok);
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(us / G_USEC_PER_SEC);
    g_autofree char *iso = g_date_time_format(dt, "%Y-%m-%dT%H:%M:%S");
    g_autofree char *full = g_strdup_printf("%s.%06dZ", iso, (int)(us % G_USEC_PER_SEC));
    g_assert_cmpstr(full, ==, c->utc);
}

/* ---- names ---- */

/* ---- byte-level readers, on exact-size copies so a read past the end is an ASan error ---- */

/* Control bytes: what alert_has_control_bytes() must find, byte by byte. */
static gboolean
ref_control(const char *s, gsize len)
{
    for (gsize i = 0; i < len; i++) {
        guchar c = (guchar)s[i];
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return TRUE;
    }
    return FALSE;
}

static const guchar control_probe_bytes[] = {0x00, 0x01, '\t', '\n', '\r', 0x1f, ' ',
                                             '~',  0x7f, 0x80, 0xc3, 0xfa, 0xff};

static void
test_control_bytes(gconstpointer data)
{
    guchar probe = *(const guchar *)data;
    /* Every length around the 16- and 32-byte steps and the overlapping tail, the probe byte
     * at every position; the SSE2 and the portable path give the same answer. */
    for (gsize len = 0; len <= 80; len++) {
        for (gsize at = 0; at <= len; at++) { /* at == len: no probe byte */
            char *t = g_malloc(len ? len : 1);
            memset(t, 'a', len);
            if (at < len)
                t[at] = (char)probe;
            gboolean want = ref_control(t, len);
            g_assert_cmpint(alert_has_control_bytes(t, len), ==, want);
            g_assert_cmpint(alert_has_control_bytes_portable(t, len), ==, want);
            g_free(t);
        }
    }
}

typedef struct {
    const char *name;
    const char *text; /* the whole text; parsing must end at `rest` bytes before its end */
    gboolean ok;
    guint32 gid, sid, rev;
    gsize rest;
} GsrCase;

static const GsrCase gsr_cases[] = {
    {"simple", "[1:2:3]", TRUE, 1, 2, 3, 0},
    {"followed", "[1:2003068:6] ET SCAN", TRUE, 1, 2003068, 6, 8},
    {"max", "[4294967295:4294967295:4294967295]", TRUE, G_MAXUINT32, G_MAXUINT32, G_MAXUINT32, 0},
    {"leading-zeros", "[0000000001:0:0]", TRUE, 1, 0, 0, 0},
    {"over-32-bits", "[4294967296:1:1]", FALSE, 0, 0, 0, 0},
    {"eleven-digits", "[00000000001:1:1]", FALSE, 0, 0, 0, 0},
    {"empty-gid", "[:1:1]", FALSE, 0, 0, 0, 0},
    {"empty-rev", "[1:1:]", FALSE, 0, 0, 0, 0},
    {"two-parts", "[1:2] msg", FALSE, 0, 0, 0, 0},
    {"four-parts", "[1:2:3:4]", FALSE, 0, 0, 0, 0},
    {"ends-in-digits", "[1:2:33333", FALSE, 0, 0, 0, 0},
    {"ends-after-colon", "[1:2:", FALSE, 0, 0, 0, 0},
    {"ten-digits-at-end", "[1:2:1234567890", FALSE, 0, 0, 0, 0},
    {"sign", "[1:+2:3]", FALSE, 0, 0, 0, 0},
    {"space", "[1: 2:3]", FALSE, 0, 0, 0, 0},
    {"no-bracket", "1:2:3] x", FALSE, 0, 0, 0, 0},
    {"short", "[1:2:]", FALSE, 0, 0, 0, 0},
};

static void
test_gsr(gconstpointer data)
{
    const GsrCase *c = data;
    gsize len = strlen(c->text);
    char *t = g_memdup2(c->text, len); /* no NUL: the reader must stop at end by itself */
    Alert a;
    a.gid = a.sid = a.rev = 77;
    const char *end = alert_parse_gsr_at(t, t + len, &a);
    if (!c->ok) {
        g_assert_null(end);
        g_assert_cmpuint(a.gid, ==, 77); /* untouched on failure */
        g_assert_cmpuint(a.sid, ==, 77);
        g_assert_cmpuint(a.rev, ==, 77);
    } else {
        g_assert_true(end == t + len - c->rest);
        g_assert_cmpuint(a.gid, ==, c->gid);
        g_assert_cmpuint(a.sid, ==, c->sid);
        g_assert_cmpuint(a.rev, ==, c->rev);
        /* the length-checked form agrees on the bracketed part alone */
        Alert b;
        g_assert_true(alert_parse_gsr(t, len - c->rest, &b));
        g_assert_cmpuint(b.sid, ==, c->sid);
    }
    g_free(t);
}

/* ---- JSON formats ---- */

/* The same alert as Suricata wrote it to fast.log and to eve.json (eve/real.txt line 3). */
static void
test_eve_matches_fast(void)
{
    static const char fast[] =
        "10/01/2021-15:31:54.593627  [**] [1:2030387:1] ET EXPLOIT Possible CVE-2020-11899 "
        "Multicast out-of-bound read [**] [Classification: Attempted Administrator Privilege "
        "Gain] [Priority: 1] {UDP} fe80:0000:0000:0000:d4aa:8d54:3230:720b:52484 -> "
        "ff02:0000:0000:0000:0000:0000:0001:0003:5355";
    gsize len;
    g_autofree char *text = read_data("eve/real", ".txt", &len);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    Alert f, e;
    g_assert_cmpint(alert_parse_line(fast, strlen(fast), &f), ==, ALERT_SKIP_NONE);
    g_assert_cmpint(alert_parse_line(lines[2], strlen(lines[2]), &e), ==, ALERT_SKIP_NONE);
    g_assert_cmpint(e.format, ==, ALERT_FORMAT_EVE);
    g_assert_cmpint(e.producer, ==, f.producer);
    g_assert_cmpuint(e.gid, ==, f.gid);
    g_assert_cmpuint(e.sid, ==, f.sid);
    g_assert_cmpuint(e.rev, ==, f.rev);
    g_assert_cmpstr(e.msg, ==, f.msg);
    g_assert_cmpstr(e.classification, ==, f.classification);
    g_assert_cmpint(e.priority, ==, f.priority);
    g_assert_cmpstr(e.proto, ==, f.proto);
    g_assert_true(ipaddr_equal(&e.src, &f.src));
    g_assert_true(ipaddr_equal(&e.dst, &f.dst));
    g_assert_cmpint(e.src_port, ==, f.src_port);
    g_assert_cmpint(e.dst_port, ==, f.dst_port);
    g_assert_cmpuint(e.flow_id, ==, 133719507209947);
    g_assert_false(alert_sensor_blocked(&e));
}

/* EVE times carry their offset: no year or zone to guess. */
static void
test_eve_timestamp(void)
{
    gsize len;
    g_autofree char *text = read_data("eve/real", ".txt", &len);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    Alert a;
    gint64 us = 0;
    g_assert_cmpint(alert_parse_line(lines[2], strlen(lines[2]), &a), ==, ALERT_SKIP_NONE);
    g_assert_true(alert_timestamp_to_unix_us(&a, 1999, &us));
    g_assert_cmpint(us, ==, G_GINT64_CONSTANT(1633091514593627)); /* 12:31:54.593627 UTC */
    g_assert_cmpint(alert_parse_line(lines[1], strlen(lines[1]), &a), ==, ALERT_SKIP_NONE);
    g_assert_true(alert_timestamp_to_unix_us(&a, 1999, &us));
    g_assert_cmpint(us, ==, G_GINT64_CONSTANT(1513619294627130)); /* 17:48:14.627130 UTC */
    /* A broken clock's timestamp is kept but never converted. */
    static const char broken[] =
        "{\"timestamp\":\"1970-01-01T00:00:-3.000000+0000\",\"event_type\":\"alert\","
        "\"alert\":{\"signature_id\":1}}";
    g_assert_cmpint(alert_parse_line(broken, strlen(broken), &a), ==, ALERT_SKIP_NONE);
    g_assert_true(a.timestamp_bad);
    g_assert_false(alert_timestamp_to_unix_us(&a, 1999, &us));
}

/* Wherever event_type stands (the short scan reads only the first keys), the answer is the
 * full parse's: N padding keys of every kind before it, for an alert and a flow. */
static void
test_eve_event_type_position(void)
{
    for (int n = 0; n < 24; n++) {
        for (int is_alert = 0; is_alert < 2; is_alert++) {
            g_autoptr(GString) s = g_string_new("{");
            for (int i = 0; i < n; i++) {
                switch (i % 4) {
                case 0:
                    g_string_append_printf(s, "\"k%d\":%d,", i, i);
                    break;
                case 1:
                    g_string_append_printf(s, "\"k%d\":\"v\\\"{[\",", i);
                    break;
                case 2:
                    g_string_append_printf(s, "\"k%d\":[1,{\"event_type\":\"flow\"}],", i);
                    break;
                default:
                    g_string_append_printf(s, "\"k%d\":{\"a\":\"}\"},", i);
                    break;
                }
            }
            g_string_append(s, is_alert ? "\"event_type\":\"alert\"" : "\"event_type\":\"flow\"");
            g_string_append(s, ",\"timestamp\":\"2026-11-22T10:00:00.000000+0000\","
                               "\"src_ip\":\"192.0.2.1\",\"alert\":{\"signature_id\":7}}");
            Alert a;
            AlertSkipReason why = alert_parse_line(s->str, s->len, &a);
            if (is_alert) {
                g_assert_cmpint(why, ==, ALERT_SKIP_NONE);
                g_assert_cmpuint(a.sid, ==, 7);
            } else {
                g_assert_cmpint(why, ==, ALERT_SKIP_NOT_ALERT);
            }
        }
    }
}

static void
test_sensor_blocked(void)
{
    static const struct {
        const char *action;
        gboolean blocked;
    } cases[] = {
        {"", FALSE},      {"drop", TRUE},       {"sdrop", TRUE},       {"reject", TRUE},
        {"block", TRUE},  {"blocked", TRUE},    {"reset", TRUE},       {"wdrop", FALSE},
        {"allow", FALSE}, {"allowed", FALSE},   {"would_drop", FALSE}, {"would_block", FALSE},
        {"alert", FALSE}, {"cant_drop", FALSE}, {"pass", FALSE},
    };
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        Alert a;
        alert_init(&a, ALERT_PRODUCER_SURICATA, ALERT_FORMAT_EVE);
        g_strlcpy(a.action, cases[i].action, sizeof a.action);
        g_assert_cmpint(alert_sensor_blocked(&a), ==, cases[i].blocked);
    }
}

/* An alert that carries a packet's worth of payload reads like a short one; past line_max it
 * is too long, like any line. */
static void
test_eve_large_record(void)
{
    for (gsize pad = 1000; pad <= ALERT_LINE_MAX; pad += 3000) {
        g_autoptr(GString) s = g_string_new(
            "{\"timestamp\":\"2026-11-22T10:00:00.000000+0000\",\"event_type\":\"alert\","
            "\"src_ip\":\"203.0.113.9\",\"dest_ip\":\"192.0.2.9\",\"proto\":\"TCP\","
            "\"src_port\":1,\"dest_port\":2,\"alert\":{\"signature_id\":9,\"signature\":\"big\"},"
            "\"payload\":\"");
        for (gsize i = 0; i < pad; i++)
            g_string_append_c(s, (char)('A' + i % 26));
        g_string_append(s, "\"}");
        Alert a;
        AlertSkipReason why = alert_parse_line(s->str, s->len, &a);
        if (s->len <= ALERT_LINE_MAX) {
            g_assert_cmpint(why, ==, ALERT_SKIP_NONE);
            g_assert_cmpuint(a.sid, ==, 9);
            g_assert_cmpstr(a.msg, ==, "big");
        } else {
            g_assert_cmpint(why, ==, ALERT_SKIP_TOO_LONG);
        }
    }
}

typedef struct {
    GString *log;
} SkipLog;

static void
collect_skip(AlertSkipReason reason, guint64 line_no, guint64 start, const char *line, gsize len,
             gpointer user_data)
{
    SkipLog *k = user_data;
    g_string_append_printf(k->log, "%" G_GUINT64_FORMAT "@%" G_GUINT64_FORMAT " %s ", line_no,
                           start, alert_skip_reason_name(reason));
    if (line)
        g_string_append_len(k->log, line, (gssize)len);
    else
        g_string_append(k->log, "(null)");
    g_string_append_c(k->log, '\n');
}

/* Every skip is reported with its line number and the offset its line starts at; a block at
 * its header line; nothing is reported when nobody listens. */
static void
test_reader_skip_func(void)
{
    static const char text[] = "junk\n"                      /* 1 @0 */
                               "\n"                          /* 2 @5 */
                               "{\"event_type\":\"flow\"}\n" /* 3 @6 */
                               "[**] [1:2:3] cut [**]\n"     /* 4 @28 */
                               "[**] [1:2:4] whole [**]\n"   /* 5 @50 */
                               "11/22-12:00:02.000002 192.0.2.20:1 -> 198.51.100.20:80\n" /* 6 */
                               "TCP TTL:64\n"
                               "\n"
                               "{\"event_type\":\"alert\"}\n"; /* 9 @141 */
    g_autoptr(AlertReader) r = alert_reader_new();
    SkipLog k = {g_string_new(NULL)};
    alert_reader_set_skip_func(r, collect_skip, &k);
    g_autoptr(GString) out = g_string_new(NULL);
    feed_text(r, text, strlen(text), out);
    alert_reader_feed_overlong(r, strlen(text) + 100000);
    g_assert_cmpstr(k.log->str, ==,
                    "1@0 not_alert junk\n"
                    "2@5 empty \n"
                    "3@6 not_alert {\"event_type\":\"flow\"}\n"
                    "4@28 malformed [**] [1:2:3] cut [**]\n"
                    "9@141 malformed {\"event_type\":\"alert\"}\n"
                    "10@164 too_long (null)\n");
    g_assert_cmpuint(alert_reader_lines(r), ==, 10);
    g_assert_cmpuint(alert_reader_stats(r)->parsed, ==, 1);
    g_string_free(k.log, TRUE);
}

/* A block cut short by the next block's header costs only itself. */
static void
test_reader_cut_block(void)
{
    static const char text[] = "[**] [1:4000001:1] cut [**]\n"
                               "[Classification: Misc activity] [Priority: 3]\n"
                               "[**] [1:4000002:1] whole [**]\n"
                               "[Classification: Misc activity] [Priority: 3]\n"
                               "11/22-12:00:02.000002 192.0.2.20:1234 -> 198.51.100.20:80\n"
                               "TCP TTL:64 TOS:0x0 ID:1 IpLen:20 DgmLen:40\n"
                               "\n";
    g_autoptr(AlertReader) r = alert_reader_new();
    g_autoptr(GString) out = g_string_new(NULL);
    feed_text(r, text, strlen(text), out);
    const AlertStats *st = alert_reader_stats(r);
    g_assert_cmpuint(st->parsed, ==, 1);
    g_assert_cmpuint(st->skipped[ALERT_SKIP_MALFORMED], ==, 1);
    g_assert_nonnull(strstr(out->str, "\"sid\":4000002"));
    g_assert_null(strstr(out->str, "\"sid\":4000001"));
}

/* Timestamp shapes: 'D' a digit, anything else itself. */
static const struct {
    const char *shape, *sample;
    AlertTsKind kind;
} ts_shapes[] = {
    {"DD/DD-DD:DD:DD.DDDDDD", "11/22-10:01:02.123456", ALERT_TS_NO_YEAR},
    {"DD/DD/DD-DD:DD:DD.DDDDDD", "11/22/26-10:01:02.123456", ALERT_TS_SHORT_YEAR},
    {"DD/DD/DDDD-DD:DD:DD.DDDDDD", "11/22/2026-10:01:02.123456", ALERT_TS_LONG_YEAR},
};

static gboolean
ts_fits(const char *shape, const char *s)
{
    for (gsize i = 0; shape[i]; i++) {
        if (shape[i] == 'D' ? !g_ascii_isdigit(s[i]) : s[i] != shape[i])
            return FALSE;
    }
    return TRUE;
}

/* A broken clock's timestamp (some field printed negative by %02d), by regular expression:
 * what the scanner must accept when no fixed shape fits. */
static AlertTsKind
broken_ts_oracle(const char *t, gsize n, gsize *len)
{
    g_autoptr(GRegex) re = g_regex_new(
        "^-?[0-9]{1,2}/-?[0-9]{1,2}(/([0-9]{2}|[0-9]{4}))?--?[0-9]{1,2}:-?[0-9]{1,2}:-?[0-9]{1,2}"
        "\\.[0-9]{6}(?= |$)",
        G_REGEX_RAW, 0, NULL);
    g_autoptr(GMatchInfo) mi = NULL;
    if (memchr(t, 0, n) || !g_regex_match_full(re, t, (gssize)n, 0, 0, &mi, NULL))
        return ALERT_TS_NONE;
    int start, end;
    g_match_info_fetch_pos(mi, 0, &start, &end);
    guint dashes = 0;
    for (int i = start; i < end; i++)
        dashes += t[i] == '-';
    if (dashes < 2) /* the date-time separator is one; a sign is needed */
        return ALERT_TS_NONE;
    *len = (gsize)end;
    return ALERT_TS_BROKEN;
}

static void
test_ts_scan_bytes(gconstpointer data)
{
    gsize k = GPOINTER_TO_SIZE(data);
    const char *sample = ts_shapes[k].sample;
    gsize n = strlen(sample);
    static const guchar probes[] = {'0',  '9',  '/',  '-',  ':',  '.',  ' ',  'a',
                                    0x00, 0x2f, 0x3a, 0x7f, 0xc9, 0xf9, 0xfa, 0xff};
    /* Each byte of a valid timestamp replaced by each probe: the scanner accepts exactly the
     * texts that still fit one of the shapes (the longest that fits wins). */
    for (gsize at = 0; at < n; at++) {
        for (gsize j = 0; j < G_N_ELEMENTS(probes); j++) {
            char *t = g_memdup2(sample, n);
            t[at] = (char)probes[j];
            AlertTsKind want = ALERT_TS_NONE;
            gsize want_len = 0;
            for (gsize s = 0; s < G_N_ELEMENTS(ts_shapes); s++) {
                gsize sl = strlen(ts_shapes[s].shape);
                if (sl <= n && ts_fits(ts_shapes[s].shape, t)) {
                    want = ts_shapes[s].kind;
                    want_len = sl;
                    break; /* shapes are tried shortest first, as the scanner does */
                }
            }
            if (want == ALERT_TS_NONE)
                want = broken_ts_oracle(t, n, &want_len);
            gsize got_len = 0;
            AlertTsKind got = alert_ts_scan(t, n, &got_len);
            g_assert_cmpint(got, ==, want);
            if (want != ALERT_TS_NONE)
                g_assert_cmpuint(got_len, ==, want_len);
            g_free(t);
        }
    }
}

static void
test_names(void)
{
    g_assert_cmpstr(alert_producer_name(ALERT_PRODUCER_SNORT2), ==, "snort2");
    g_assert_cmpstr(alert_producer_name(ALERT_PRODUCER_SNORT3), ==, "snort3");
    g_assert_cmpstr(alert_producer_name(ALERT_PRODUCER_SURICATA), ==, "suricata");
    g_assert_null(alert_producer_name(ALERT_PRODUCER_UNKNOWN));
    g_assert_cmpstr(alert_format_name(ALERT_FORMAT_FAST), ==, "fast");
    g_assert_cmpstr(alert_format_name(ALERT_FORMAT_FULL), ==, "full");
    const char *want[] = {"none", "empty", "too_long", "not_alert", "binary", "malformed"};
    G_STATIC_ASSERT(G_N_ELEMENTS(want) == ALERT_SKIP_N_REASONS);
    for (int i = 0; i < ALERT_SKIP_N_REASONS; i++)
        g_assert_cmpstr(alert_skip_reason_name(i), ==, want[i]);
    g_assert_cmpstr(alert_skip_reason_name(ALERT_SKIP_N_REASONS), ==, "unknown");
}

/* Totals over readers: every counter adds up, the summed-into one included. */
static void
test_stats_add(void)
{
    AlertStats sum = {.parsed = 2};
    sum.skipped[ALERT_SKIP_N_REASONS - 1] = 5;
    AlertStats s = {.parsed = 3};
    for (int i = 0; i < ALERT_SKIP_N_REASONS; i++)
        s.skipped[i] = (guint64)i + 1;
    s.by_format[ALERT_FORMAT_EVE] = 3;
    alert_stats_add(&sum, &s);
    alert_stats_add(&sum, &s);
    g_assert_cmpuint(sum.parsed, ==, 8);
    g_assert_cmpuint(sum.by_format[ALERT_FORMAT_EVE], ==, 6);
    g_assert_cmpuint(sum.by_format[ALERT_FORMAT_FAST], ==, 0);
    for (int i = 0; i < ALERT_SKIP_N_REASONS - 1; i++)
        g_assert_cmpuint(sum.skipped[i], ==, 2 * ((guint64)i + 1));
    g_assert_cmpuint(sum.skipped[ALERT_SKIP_N_REASONS - 1], ==, 5 + 2 * ALERT_SKIP_N_REASONS);
}

int
main(int argc, char **argv)
{
    /* Sensors print local time; the conversions are checked in UTC. */
    g_setenv("TZ", "UTC", TRUE);
    test_init(&argc, &argv);
    for (gsize i = 0; i < G_N_ELEMENTS(sample_names); i++) {
        g_autofree char *p = g_strdup_printf("/alert/reader/sample/%s", sample_names[i]);
        g_test_add_data_func(p, sample_names[i], test_sample);
    }
    static const char *const fast_only[] = {
        "snort2-fast-real",   "snort2-fast-shapes",   "snort3-fast-real", "snort3-fast-shapes",
        "suricata-fast-real", "suricata-fast-shapes", "eve/real",         "eve/shapes",
        "snort3-json/real",   "snort3-json/shapes"};
    for (gsize i = 0; i < G_N_ELEMENTS(fast_only); i++) {
        g_autofree char *p = g_strdup_printf("/alert/parse_line/sample/%s", fast_only[i]);
        g_test_add_data_func(p, fast_only[i], test_sample_lines_alone);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(line_cases); i++) {
        g_autofree char *p = g_strdup_printf("/alert/parse_line/%s", line_cases[i].name);
        g_test_add_data_func(p, &line_cases[i], test_line);
    }
    g_test_add_func("/alert/parse_line/too-long", test_line_too_long);
    g_test_add_func("/alert/parse_line/msg-truncated-on-character",
                    test_msg_truncated_on_character);
    g_test_add_func("/alert/reader/offsets", test_reader_offsets);
    g_test_add_func("/alert/reader/resume-at-safe-offset", test_reader_resume);
    g_test_add_func("/alert/reader/block-cap", test_reader_block_cap);
    g_test_add_func("/alert/reader/binary-header", test_reader_binary_header);
    for (gsize i = 0; i < G_N_ELEMENTS(ts_cases); i++) {
        g_autofree char *p = g_strdup_printf("/alert/timestamp_to_unix_us/%s", ts_cases[i].name);
        g_test_add_data_func(p, &ts_cases[i], test_timestamp);
    }
    g_test_add_func("/alert/names", test_names);
    g_test_add_func("/alert/json/eve-matches-fast-line", test_eve_matches_fast);
    g_test_add_func("/alert/json/eve-timestamp", test_eve_timestamp);
    g_test_add_func("/alert/json/event-type-after-many-keys", test_eve_event_type_position);
    g_test_add_func("/alert/json/sensor-blocked", test_sensor_blocked);
    g_test_add_func("/alert/json/large-record", test_eve_large_record);
    g_test_add_func("/alert/reader/skip-func", test_reader_skip_func);
    g_test_add_func("/alert/reader/cut-block-costs-only-itself", test_reader_cut_block);
    g_test_add_func("/alert/stats_add/sums", test_stats_add);
    for (gsize i = 0; i < G_N_ELEMENTS(control_probe_bytes); i++) {
        g_autofree char *p =
            g_strdup_printf("/alert/has_control_bytes/byte-0x%02x", control_probe_bytes[i]);
        g_test_add_data_func(p, &control_probe_bytes[i], test_control_bytes);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(gsr_cases); i++) {
        g_autofree char *p = g_strdup_printf("/alert/parse_gsr_at/%s", gsr_cases[i].name);
        g_test_add_data_func(p, &gsr_cases[i], test_gsr);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(ts_shapes); i++) {
        static const char *const names[] = {"no-year", "short-year", "long-year"};
        g_autofree char *p = g_strdup_printf("/alert/ts_scan/bytes-%s", names[i]);
        g_test_add_data_func(p, GSIZE_TO_POINTER(i), test_ts_scan_bytes);
    }
    return g_test_run();
}
