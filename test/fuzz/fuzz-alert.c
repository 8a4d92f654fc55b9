// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target for the alert parser: the whole input as one fast line, then the input split into
// lines through an AlertReader, checking the invariants every Alert must keep.
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "alert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_text(const char *field, gsize size)
{
    const char *nul = memchr(field, '\0', size);
    if (!nul)
        abort();
}

static void
check_alert(const Alert *a)
{
    check_text(a->timestamp, sizeof a->timestamp);
    check_text(a->msg, sizeof a->msg);
    check_text(a->classification, sizeof a->classification);
    check_text(a->proto, sizeof a->proto);
    check_text(a->action, sizeof a->action);
    check_text(a->interface, sizeof a->interface);
    if ((guint)a->producer > ALERT_PRODUCER_SURICATA ||
        (guint)a->format > ALERT_FORMAT_SNORT3_JSON)
        abort();
    if (a->priority < -1)
        abort();
    if (a->src_port < -1 || a->src_port > 65535 || a->dst_port < -1 || a->dst_port > 65535)
        abort();
    for (int i = 0; i < 2; i++) {
        const IpAddr *ip = i ? &a->dst : &a->src;
        gint32 port = i ? a->dst_port : a->src_port;
        if (ip->family != 0 && ip->family != AF_INET && ip->family != AF_INET6)
            abort();
        if (ip->family == 0 && port != -1)
            abort();
        /* the canonical text parses back to the same address */
        char buf[IPADDR_STRLEN];
        IpAddr back;
        if (ip->family &&
            (!ipaddr_parse(ipaddr_format(ip, buf), &back) || !ipaddr_equal(ip, &back)))
            abort();
    }
    /* Snort 3's alert_json may be configured without a timestamp; every other format has one. */
    if (a->timestamp[0] == '\0' && a->format != ALERT_FORMAT_SNORT3_JSON)
        abort();
    (void)alert_sensor_blocked(a);
    gint64 us;
    (void)alert_timestamp_to_unix_us(a, 2026, &us);
    GString *json = g_string_new(NULL);
    alert_append_json(json, a);
    if (!g_utf8_validate(json->str, (gssize)json->len, NULL) || memchr(json->str, '\n', json->len))
        abort();
    /* The readable form is one line too, whatever a JSON record's strings decoded to. */
    g_string_truncate(json, 0);
    alert_append_text(json, a);
    if (memchr(json->str, '\n', json->len) || memchr(json->str, '\0', json->len))
        abort();
    g_string_free(json, TRUE);
}

static void
on_alert(const Alert *a, gpointer user_data)
{
    check_alert(a);
    (*(guint64 *)user_data)++;
}

/* ipaddr's reader accepts what inet_pton() accepts, with the same bytes, and its writer
 * writes what inet_ntop() writes. */
static void
check_address_paths(const char *text, size_t size)
{
    char buf[IPADDR_STRLEN], want[INET6_ADDRSTRLEN];
    IpAddr got, ref;
    if (size < sizeof buf) {
        memset(&ref, 0, sizeof ref);
        memcpy(buf, text, size);
        buf[size] = '\0';
        gboolean ok = ipaddr_parse_len(text, size, &got);
        gboolean want_ok = strlen(buf) == size && inet_pton(AF_INET, buf, ref.bytes) == 1;
        if (want_ok) {
            ref.family = AF_INET;
        } else if (strlen(buf) == size && inet_pton(AF_INET6, buf, ref.bytes) == 1) {
            static const guint8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
            want_ok = TRUE;
            ref.family = AF_INET6;
            if (memcmp(ref.bytes, mapped, 12) == 0) {
                memmove(ref.bytes, ref.bytes + 12, 4);
                memset(ref.bytes + 4, 0, 12);
                ref.family = AF_INET;
            }
        } else {
            memset(&ref, 0, sizeof ref);
        }
        if (ok != want_ok || memcmp(&got, &ref, sizeof ref) != 0)
            abort();
    }
    if (size >= 17) { /* raw bytes as an IPv6 address */
        IpAddr a = {.family = AF_INET6};
        memcpy(a.bytes, text + 1, 16);
        if (!inet_ntop(AF_INET6, a.bytes, want, sizeof want) ||
            strcmp(ipaddr_format(&a, buf), want) != 0)
            abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    check_address_paths(text, size);
    Alert a;
    AlertSkipReason why = alert_parse_line(text, size, &a);
    if ((guint)why >= ALERT_SKIP_N_REASONS)
        abort();
    if (why == ALERT_SKIP_NONE)
        check_alert(&a);

    AlertReader *r = alert_reader_new();
    guint64 emitted = 0, lines = 0, prev_safe = 0;
    size_t pos = 0;
    while (pos < size) {
        const char *nl = memchr(text + pos, '\n', size - pos);
        size_t len = nl ? (size_t)(nl - (text + pos)) : size - pos;
        guint64 end = pos + len + (nl ? 1 : 0);
        alert_reader_feed(r, text + pos, len, end, on_alert, &emitted);
        lines++;
        guint64 safe = alert_reader_safe_offset(r);
        if (safe > end || safe < prev_safe)
            abort();
        if (!alert_reader_pending(r) && safe != end)
            abort();
        prev_safe = safe;
        pos = end;
    }
    alert_reader_flush(r, on_alert, &emitted);
    if (alert_reader_pending(r) || alert_reader_safe_offset(r) != size)
        abort();
    const AlertStats *st = alert_reader_stats(r);
    guint64 skipped = 0;
    for (int i = 0; i < ALERT_SKIP_N_REASONS; i++)
        skipped += st->skipped[i];
    /* every line ends up in an alert or a skip; a block is one of either */
    if (st->parsed != emitted || st->parsed + skipped > lines || st->skipped[ALERT_SKIP_NONE])
        abort();
    alert_reader_free(r);
    return 0;
}
