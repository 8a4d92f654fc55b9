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
 * Text fields are NUL-terminated and truncated to their size. Absent values: empty string,
 * priority -1, address family 0, port -1. */
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
