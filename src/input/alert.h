// SPDX-License-Identifier: GPL-2.0-or-later
// The Alert record every sensor format is parsed into, and the parser's entry points.
#pragma once

#include <glib.h>

#include "ipaddr.h"

/* Longest line (or alert_full block line) the parser looks at; longer ones are skipped. */
#define ALERT_LINE_MAX 8192
#define ALERT_MSG_MAX 512
#define ALERT_CLASS_MAX 128
#define ALERT_TIMESTAMP_MAX 40
#define ALERT_PROTO_MAX 16
#define ALERT_ACTION_MAX 16

typedef enum {
    ALERT_PRODUCER_UNKNOWN,
    ALERT_PRODUCER_SNORT2,
    ALERT_PRODUCER_SNORT3,
    ALERT_PRODUCER_SURICATA,
} AlertProducer;

typedef enum {
    ALERT_FORMAT_FAST,
    ALERT_FORMAT_FULL,
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
    char msg[ALERT_MSG_MAX];             /* Snort 3's enclosing quotes removed */
    char classification[ALERT_CLASS_MAX]; /* "" when absent or "(null)" */
    gint32 priority;                     /* -1 when absent */
    char proto[ALERT_PROTO_MAX];         /* text inside {} as printed, or a full block's proto */
    IpAddr src, dst;                     /* family 0 when not printed */
    gint32 src_port, dst_port;           /* -1 when not printed, or ICMP type/code */
    char action[ALERT_ACTION_MAX];       /* "" or the drop marker lower-cased: "drop", ... */
} Alert;

/* Why a line or block was not turned into an alert. */
typedef enum {
    ALERT_SKIP_NONE = 0,
    ALERT_SKIP_EMPTY,       /* blank line outside a block */
    ALERT_SKIP_TOO_LONG,    /* over ALERT_LINE_MAX */
    ALERT_SKIP_NOT_ALERT,   /* no alert structure: packet dumps, console noise, CSV, ... */
    ALERT_SKIP_BINARY,      /* NUL or other control bytes */
    ALERT_SKIP_MALFORMED,   /* looks like an alert but a field is out of range or missing */
    ALERT_SKIP_N_REASONS
} AlertSkipReason;

/* Short stable name of a reason ("too_long", ...), for logs, status and JSON. */
const char *alert_skip_reason_name(AlertSkipReason reason);

typedef struct {
    guint64 parsed;
    guint64 skipped[ALERT_SKIP_N_REASONS];
} AlertStats;

/* Adds the counts of s to sum (totals over several readers). */
void alert_stats_add(AlertStats *sum, const AlertStats *s);

/* Parses one complete fast-format line (Snort 2, Snort 3, Suricata), without its newline.
 * Returns ALERT_SKIP_NONE and fills out, or the reason it is not an alert. */
AlertSkipReason alert_parse_line(const char *line, gsize len, Alert *out);

/* Called for each alert a reader completes. */
typedef void (*AlertSinkFunc)(const Alert *alert, gpointer user_data);

/* A reader turns a stream of lines of any mix of formats into alerts: fast lines at once,
 * alert_full blocks when they end (blank line, the next block's header, or
 * alert_reader_flush() when the input has gone idle). Pure: no I/O, no clock. */
typedef struct AlertReader AlertReader;

AlertReader *alert_reader_new(void);
void alert_reader_free(AlertReader *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(AlertReader, alert_reader_free)

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

/* Parse statistics so far. */
const AlertStats *alert_reader_stats(const AlertReader *r);

/* The alert's time as Unix microseconds (UTC, as sensors print local time without a zone:
 * interpreted in the local time zone). year is used when the timestamp has none. FALSE when
 * the timestamp is missing or invalid ("ts-error"). */
gboolean alert_timestamp_to_unix_us(const Alert *alert, int year, gint64 *out_us);

/* Canonical names for JSON and logs: "snort2", "snort3", "suricata", NULL for unknown. */
const char *alert_producer_name(AlertProducer producer);

/* "fast" or "full". */
const char *alert_format_name(AlertFormat format);

/* Appends the alert as one JSON object (no newline) with the keys producer, format, timestamp,
 * gid, sid, rev, msg, classification, priority, proto, src_ip, src_port, dst_ip, dst_port and
 * action, in that order; absent values are null. Addresses are canonical text. */
void alert_append_json(GString *out, const Alert *a);

/* Appends the readable one-line form (no newline): TIMESTAMP PRODUCER FORMAT GID:SID:REV
 * [ACTION] PROTO SRC -> DST [priority=P] [classification="C"] msg="M", with "-" for what is
 * absent and IPv6 endpoints with a port as [ADDR]:PORT. Free text is quoted and escaped as in
 * JSON. */
void alert_append_text(GString *out, const Alert *a);
