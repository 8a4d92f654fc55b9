// SPDX-License-Identifier: GPL-2.0-or-later
// The Alert record every sensor format is parsed into, and the parser's entry points.
#pragma once

#include <glib.h>

#include "ipaddr.h"

/* Longest line (or alert_full block line) the parser looks at by default (line_max); longer
 * ones are skipped. EVE alerts that carry the packet, its payload and app-layer objects reach
 * 10 KB. */
#define ALERT_LINE_MAX 16384
#define ALERT_MSG_MAX 512
#define ALERT_CLASS_MAX 128
#define ALERT_TIMESTAMP_MAX 40
#define ALERT_PROTO_MAX 16
#define ALERT_ACTION_MAX 16
#define ALERT_IFACE_MAX 32

typedef enum {
    ALERT_PRODUCER_UNKNOWN,
    ALERT_PRODUCER_SNORT2,
    ALERT_PRODUCER_SNORT3,
    ALERT_PRODUCER_SURICATA,
} AlertProducer;

typedef enum {
    ALERT_FORMAT_FAST,
    ALERT_FORMAT_FULL,
    ALERT_FORMAT_EVE,         /* Suricata EVE JSON, event_type alert */
    ALERT_FORMAT_SNORT3_JSON, /* Snort 3 alert_json, any field set */
} AlertFormat;

/* One alert, as a fixed-size value with no pointers: copyable, storable, fuzzable.
 * Text fields are NUL-terminated and truncated to their size; the bytes after the NUL are
 * unspecified (the parser does not clear the whole record for every line), so compare and hash
 * fields, not the record's bytes. Absent values: empty string, priority -1, address family 0,
 * port -1. A line that is not an alert leaves the record all zero but for the -1s. */
typedef struct {
    AlertProducer producer;
    AlertFormat format;
    char timestamp[ALERT_TIMESTAMP_MAX]; /* as printed */
    guint32 gid, sid, rev;
    char msg[ALERT_MSG_MAX];              /* Snort 3's enclosing quotes removed */
    char classification[ALERT_CLASS_MAX]; /* "" when absent or "(null)" */
    gint32 priority;                      /* -1 when absent */
    char proto[ALERT_PROTO_MAX];          /* text inside {} as printed, or a full block's proto */
    IpAddr src, dst;                      /* family 0 when not printed */
    gint32 src_port, dst_port;            /* -1 when not printed, or ICMP type/code */
    char action[ALERT_ACTION_MAX];        /* "" or the drop marker lower-cased: "drop", ...;
                                             EVE's alert.action, Snort 3 JSON's action */
    char interface[ALERT_IFACE_MAX];      /* EVE in_iface, Snort 3 JSON iface, fast -I <iface> */
    guint64 flow_id;                      /* EVE flow_id, 0 when absent */
    gboolean timestamp_bad;               /* kept as printed but not a real time (broken clock) */
} Alert;

/* Why a line or block was not turned into an alert. */
typedef enum {
    ALERT_SKIP_NONE = 0,
    ALERT_SKIP_EMPTY,     /* blank line outside a block */
    ALERT_SKIP_TOO_LONG,  /* over ALERT_LINE_MAX */
    ALERT_SKIP_NOT_ALERT, /* no alert structure: packet dumps, console noise, CSV, ... */
    ALERT_SKIP_BINARY,    /* NUL or other control bytes */
    ALERT_SKIP_MALFORMED, /* looks like an alert but a field is out of range or missing */
    ALERT_SKIP_N_REASONS
} AlertSkipReason;

/* Short stable name of a reason ("too_long", ...), for logs, status and JSON. */
const char *alert_skip_reason_name(AlertSkipReason reason);

/* The number of AlertFormats (they count from 0). */
#define ALERT_N_FORMATS (ALERT_FORMAT_SNORT3_JSON + 1)

typedef struct {
    guint64 parsed;                     /* alerts: the sum of by_format */
    guint64 by_format[ALERT_N_FORMATS]; /* alerts per AlertFormat */
    guint64 skipped[ALERT_SKIP_N_REASONS];
} AlertStats;

/* Adds the counts of s to sum (totals over several readers). */
void alert_stats_add(AlertStats *sum, const AlertStats *s);

/* Parses one complete one-line alert, without its newline: a fast-format line (Snort 2,
 * Snort 3, Suricata) or a JSON record (Suricata EVE, Snort 3 alert_json; a line whose first
 * non-blank byte is '{'). Returns ALERT_SKIP_NONE and fills out, or the reason it is not an
 * alert (EVE events other than alerts are not_alert). */
AlertSkipReason alert_parse_line(const char *line, gsize len, Alert *out);

/* Whether the sensor itself blocked the packet: its action is a drop, block, reset or reject
 * (Snort's [Drop] marker, EVE "blocked", Snort 3 JSON "drop"/"block"...). would_drop, allow,
 * alert and no marker at all are allowed. */
gboolean alert_sensor_blocked(const Alert *a);

/* Called for each alert a reader completes. */
typedef void (*AlertSinkFunc)(const Alert *alert, gpointer user_data);

/* A reader turns a stream of lines of any mix of formats into alerts: fast lines at once,
 * alert_full blocks when they end (blank line, the next block's header, or
 * alert_reader_flush() when the input has gone idle). Pure: no I/O, no clock. */
typedef struct AlertReader AlertReader;

AlertReader *alert_reader_new(void);
void alert_reader_free(AlertReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AlertReader, alert_reader_free)

/* Called for each line (or alert_full block, at its header line) a reader does not take,
 * when one is set: line_no counts from 1 over every line fed; start_offset is where the line
 * starts. line is the line itself (len bytes, not NUL-terminated; for a block, its header line
 * as far as ALERT_SKIP_ECHO_MAX bytes), NULL for a line dropped as too long. */
#define ALERT_SKIP_ECHO_MAX 512
typedef void (*AlertSkipFunc)(AlertSkipReason reason, guint64 line_no, guint64 start_offset,
                              const char *line, gsize len, gpointer user_data);

/* Reports every skip to func from now on (NULL: nobody listens, the default; the reader then
 * keeps no copy of block headers). */
void alert_reader_set_skip_func(AlertReader *r, AlertSkipFunc func, gpointer user_data);

/* Feeds one complete line (without its newline). end_offset is the input offset just past the
 * line's newline; the reader only remembers it for alert_reader_safe_offset(). */
void alert_reader_feed(AlertReader *r, const char *line, gsize len, guint64 end_offset,
                       AlertSinkFunc sink, gpointer user_data);

/* Records a line that was dropped for being over ALERT_LINE_MAX without being buffered (the
 * caller discarded its bytes up to the newline): counts it as too_long and advances the safe
 * offset to end_offset, like alert_reader_feed() would. */
void alert_reader_feed_overlong(AlertReader *r, guint64 end_offset);

/* Ends an open alert_full block (the input went idle or ended), emitting it if complete. */
void alert_reader_flush(AlertReader *r, AlertSinkFunc sink, gpointer user_data);

/* The input offset up to which every byte fed has been emitted or skipped: the start of an
 * open block, else the end_offset of the last line fed. A checkpoint stored at this offset
 * neither loses nor repeats an alert. */
guint64 alert_reader_safe_offset(const AlertReader *r);

/* TRUE while an alert_full block is open (waiting for more lines or a flush). */
gboolean alert_reader_pending(const AlertReader *r);

/* Lines fed so far (alert_reader_feed() and alert_reader_feed_overlong() calls). */
guint64 alert_reader_lines(const AlertReader *r);

/* Parse statistics so far. */
const AlertStats *alert_reader_stats(const AlertReader *r);

/* The alert's time as Unix microseconds (UTC, as sensors print local time without a zone:
 * interpreted in the local time zone). year is used when the timestamp has none. FALSE when
 * the timestamp is missing or invalid ("ts-error"). */
gboolean alert_timestamp_to_unix_us(const Alert *alert, int year, gint64 *out_us);

/* Canonical names for JSON and logs: "snort2", "snort3", "suricata", NULL for unknown. */
const char *alert_producer_name(AlertProducer producer);

/* "fast", "full", "eve" or "snort3_json". */
const char *alert_format_name(AlertFormat format);

/* Appends the alert as one JSON object (no newline) with the keys producer, format, timestamp,
 * gid, sid, rev, msg, classification, priority, proto, src_ip, src_port, dst_ip, dst_port and
 * action, in that order; absent values are null. Addresses are canonical text. Then, only
 * when they hold something: interface, flow_id, and timestamp_ok (false: a broken clock's
 * timestamp, kept as printed). */
void alert_append_json(GString *out, const Alert *a);

/* Appends the readable one-line form (no newline): TIMESTAMP PRODUCER FORMAT GID:SID:REV
 * [ACTION] PROTO SRC -> DST [priority=P] [classification="C"] msg="M", with "-" for what is
 * absent and IPv6 endpoints with a port as [ADDR]:PORT. Free text is quoted and escaped as in
 * JSON. */
void alert_append_text(GString *out, const Alert *a);
