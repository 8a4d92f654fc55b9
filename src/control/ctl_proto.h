// SPDX-License-Identifier: GPL-2.0-or-later
// The control protocol spoken over the daemon's Unix socket: request parsing, reply encoding,
// shared by the daemon and the CLI.
#pragma once

#include <glib.h>

#include "ipaddr.h"
#include "json.h"

/*
 * Wire format, version 1.
 *
 * One request per line: a flat JSON object whose values are strings, integers or booleans,
 * at most CTL_REQUEST_MAX bytes before the newline. Unknown keys, duplicate keys, nested
 * values, floats and null are errors, so a typo never silently changes a request.
 *
 *   {"v":1,"cmd":"list","addr":"198.51.100.0/24","sort":"addr","limit":100}
 *   {"v":1,"cmd":"show","addr":"203.0.113.7","limit":20}
 *   {"v":1,"cmd":"ban","addr":"203.0.113.7","for_s":3600,"reason":"brute force","force":true}
 *   {"v":1,"cmd":"ban","addr":"2001:db8::/64","permanent":true}
 *   {"v":1,"cmd":"unban","addr":"203.0.113.7"}      {"v":1,"cmd":"unban","all":true}
 *   {"v":1,"cmd":"status"}                           {"v":1,"cmd":"reload"}
 *
 * One reply per request, a JSON object on one line:
 *
 *   {"v":1,"ok":true, ...command fields...}
 *   {"v":1,"ok":false,"code":"denied","error":"permission denied"}
 *
 * Error codes: "proto" (malformed request), "denied" (peer may not do this), "limit" (too many
 * clients, line too long), "failed" (the daemon could not do it), "unsupported".
 *
 * Reply fields per command (what the daemon's handlers write, what the CLI reads; absent
 * fields are shown as "-"):
 *   list:   "now": unix s, "bans": [BAN...]
 *   show:   "now", "addr", "ban": BAN or null, "history": [EVENT...] newest first
 *   ban:    "ban": BAN
 *   unban:  "removed": count
 *   status: free-form object; the CLI prints it as indented key: value lines
 *   reload: "reloaded": true (a rejected config is ok:false with the file:line reason)
 *   BAN   = {"addr": "203.0.113.7" or "198.51.100.0/24", "created": unix s,
 *            "expires": unix s (absent or null when permanent), "permanent": bool,
 *            "source": "policy"|"manual", "violations": n, "rule": "gid:sid:rev",
 *            "msg": text, "reason": text}
 *   EVENT = {"time": unix s, "rule", "msg", "priority", "proto", "src", "sport", "dst",
 *            "dport", "swapped": bool, "verdict": text}
 */

#define CTL_PROTO_VERSION 1
/* Longest request line, newline excluded. Longer lines are refused without being parsed. */
#define CTL_REQUEST_MAX 4096
/* Longest reply line the client accepts (a list of every ban can be large). */
#define CTL_REPLY_MAX (64u * 1024 * 1024)
/* Longest ban reason, in bytes of UTF-8. */
#define CTL_REASON_MAX 256
/* Longest ban time a request may ask for (ten years); longer means permanent. */
#define CTL_FOR_MAX_S (10 * 366 * 86400LL)
/* Largest limit a list or show request may ask for. */
#define CTL_LIMIT_MAX 1000000
/* Most history entries one show reply carries: it is read in the daemon's main loop. */
#define CTL_SHOW_LIMIT_MAX 1000

typedef enum {
    CTL_CMD_LIST,
    CTL_CMD_SHOW,
    CTL_CMD_BAN,
    CTL_CMD_UNBAN,
    CTL_CMD_STATUS,
    CTL_CMD_RELOAD,
} CtlCommand;
#define CTL_CMD_COUNT 6

typedef enum {
    CTL_SORT_EXPIRES, /* soonest first, permanent last (the default) */
    CTL_SORT_ADDR,
    CTL_SORT_VIOLATIONS, /* most first */
    CTL_SORT_CREATED,    /* newest first */
} CtlSort;
#define CTL_SORT_COUNT 4

/* A parsed request: a fixed-size value with no pointers. Fields a command does not take are
 * zero. */
typedef struct {
    CtlCommand cmd;
    gboolean has_addr; /* list: filter given; show/ban/unban: always TRUE unless unban all */
    IpPrefix addr;     /* show: a host prefix; ban/unban/list: any prefix */
    gboolean all;      /* unban: every ban */
    gboolean permanent;
    gboolean force; /* ban: even an address the policy protects */
    gint64 for_s;   /* ban: 0 means the daemon's default ban time */
    guint32 limit;  /* list/show: 0 means no limit (list) or the daemon's default (show) */
    CtlSort sort;
    char reason[CTL_REASON_MAX + 1];
} CtlRequest;

/* Parses one request line of len bytes (the newline already removed; a trailing '\r' is
 * allowed). Fills req and returns TRUE, or sets a PROTO error that is safe to send back. */
gboolean ctl_proto_parse_request(const char *line, gsize len, CtlRequest *req, GError **error);

/* Appends the JSON line (with '\n') for req to out; parsing it yields an equal request. */
void ctl_proto_format_request(const CtlRequest *req, GString *out);

/* Names on the wire ("list", "expires", ...); NULL when out of range. */
const char *ctl_command_name(CtlCommand cmd);
const char *ctl_sort_name(CtlSort sort);
gboolean ctl_sort_parse(const char *text, CtlSort *out);

/* Whether a peer that may only read (a member of socket_group) may run cmd. */
gboolean ctl_command_is_read_only(CtlCommand cmd);

/* ---- replies --------------------------------------------------------------------------- */

/* Starts {"v":1,"ok":true into out and leaves the object open for the command's fields. */
void ctl_proto_reply_begin(JsonWriter *w, GString *out);
/* Closes the reply object and appends the newline. */
void ctl_proto_reply_end(JsonWriter *w);
/* Appends a whole error reply line: {"v":1,"ok":false,"code":code,"error":message}\n. */
void ctl_proto_reply_error(GString *out, const char *code, const char *message);
/* The same for a ban or unban that did not fully happen, with what did: "stored" (the change
 * is committed to the store) and "enforced" (the firewall has it). code is "pending" (stored,
 * the firewall change is retried) or "store" (not stored). */
void ctl_proto_reply_error_state(GString *out, const char *code, const char *message,
                                 gboolean stored, gboolean enforced);

/* Parses a reply line and checks its version and "ok" member. Returns the reply object (also
 * for ok:false; *ok tells which) or NULL with a PROTO error when it is not a valid reply. */
json_t *ctl_proto_parse_reply(const char *line, gsize len, gboolean *ok, GError **error);

/* ---- durations ------------------------------------------------------------------------- */

/* Parses the length of a manual ban in the grammar of duration.h ("3600", "90s", "2w",
 * "1h30m") into seconds, 1 .. CTL_FOR_MAX_S, with a PARSE error naming the text otherwise. */
gboolean ctl_duration_parse(const char *text, gint64 *out_s, GError **error);
