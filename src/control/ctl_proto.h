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
 *   {"v":1,"cmd":"list","sort":"addr","after":"198.51.100.77"}     (the next page)
 *   {"v":1,"cmd":"show","addr":"203.0.113.7","limit":20}
 *   {"v":1,"cmd":"ban","addr":"203.0.113.7","for_s":3600,"reason":"brute force","force":true}
 *   {"v":1,"cmd":"ban","addr":"2001:db8::/64","permanent":true}
 *   {"v":1,"cmd":"unban","addr":"203.0.113.7"}      {"v":1,"cmd":"unban","all":true}
 *   {"v":1,"cmd":"status"}                           {"v":1,"cmd":"reload"}
 *   {"v":1,"cmd":"stats","limit":20,"by":"bans"}     {"v":1,"cmd":"stats","rule":"1:2001219"}
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
 *   list:   "now": unix s, "bans": [BAN...], "next": cursor (only when more bans match)
 *   show:   "now", "addr", "ban": BAN or null, "history": [EVENT...] newest first
 *   ban:    "ban": BAN
 *   unban:  "removed": count
 *   status: free-form object; the CLI prints it as indented key: value lines
 *   reload: "reloaded": true (a rejected config is ok:false with the file:line reason)
 *   stats:  "now", "by": "alerts"|"bans", "rules_kept", "rules_max", "rules": [RULE...] (at
 *           most limit, default CTL_STATS_LIMIT_DEFAULT; with "rule", that rule alone, counted
 *           or not), "other": {"alerts", "bans", "banned_now"} (every rule not listed),
 *           "total": {...} (every rule; banned_now: every ban), "banned_now_without_rule"
 *   BAN   = {"addr": "203.0.113.7" or "198.51.100.0/24", "created": unix s,
 *            "expires": unix s (absent or null when permanent), "permanent": bool,
 *            "source": "policy"|"manual", "violations": n, "rule": "gid:sid:rev",
 *            "msg": text, "reason": text}
 *   RULE  = {"rule": "gid:sid", "alerts": n, "bans": n, "banned_now": n, "msg": text (last
 *            seen; absent when none), "track": "src"|"dst" (the address banned),
 *            "swap": bool (msg carries the swap marker and no section sets track),
 *            "section": "G:S" pattern of the [rule] section that applies (absent: none), and
 *            from it "track_set": "src"|"dst", "threshold": "N/Ts", "ban_time_s": n (each
 *            absent when unset), "ignore": bool; "whitelisted": bool (a whitelist rule entry)}
 *   EVENT = {"time": unix s, "rule", "msg", "priority", "proto", "src", "sport", "dst",
 *            "dport", "swapped": bool, "verdict": text}
 *
 * A list reply is one page: at most CTL_LIST_PAGE_MAX bans (fewer when "limit" asks), ending
 * early once the line passes CTL_LIST_PAGE_BYTES, so no request makes the daemon build a
 * reply of every ban. When more bans match, "next" is a cursor naming the last ban sent (its
 * sort key and prefix: "198.51.100.77" when sorted by addr, "1796604652000000 198.51.100.77"
 * otherwise) and the same request with "after": cursor returns the bans that sort after it.
 * The daemon keeps no state between pages: a ban added or removed meanwhile is listed or not
 * by where it sorts, and no other ban is skipped or repeated. A ban whose sort key changes
 * between pages (an expiry extended, a violation counted) can be listed twice or missed;
 * sorted by addr the keys never change.
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
/* Most bans one list reply carries, and the reply size after which a page ends early (one ban
 * is at most about 4 KiB of JSON). 5,000 bans of a typical 270 bytes make a 1.3 MB line: see
 * doc/PERFORMANCE.md for the measurement that chose it. */
#define CTL_LIST_PAGE_MAX 5000
#define CTL_LIST_PAGE_BYTES (2u * 1024 * 1024)
/* Room for a list cursor's text, NUL included. */
#define CTL_CURSOR_STRLEN 96
/* Most history entries one show reply carries: it is read in the daemon's main loop. */
#define CTL_SHOW_LIMIT_MAX 1000
/* Rules a stats reply lists by default, and at most (the reply stays small). */
#define CTL_STATS_LIMIT_DEFAULT 20
#define CTL_STATS_LIMIT_MAX 1000

typedef enum {
    CTL_CMD_LIST,
    CTL_CMD_SHOW,
    CTL_CMD_BAN,
    CTL_CMD_UNBAN,
    CTL_CMD_STATUS,
    CTL_CMD_RELOAD,
    CTL_CMD_STATS,
} CtlCommand;
#define CTL_CMD_COUNT 7

typedef enum {
    CTL_SORT_EXPIRES, /* soonest first, permanent last (the default) */
    CTL_SORT_ADDR,
    CTL_SORT_VIOLATIONS, /* most first */
    CTL_SORT_CREATED,    /* newest first */
} CtlSort;
#define CTL_SORT_COUNT 4

/* Where a list page resumes: after the ban with this sort key (expires_us, violations or
 * created_us; unused when sorted by addr) and prefix. */
typedef struct {
    gboolean set;
    gint64 key;
    IpPrefix prefix;
} CtlListCursor;

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
    CtlListCursor after; /* list: the "after" cursor of a later page */
    char reason[CTL_REASON_MAX + 1];
    gboolean by_bans;           /* stats: sort by bans made, not alerts */
    gboolean has_rule;          /* stats: one rule only */
    guint32 rule_gid, rule_sid; /* stats */
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

/* The text of a list cursor for sort (into buf, which it returns), and back. A cursor whose
 * form does not fit sort is a PROTO error. */
const char *ctl_list_cursor_format(CtlSort sort, const CtlListCursor *cursor,
                                   char buf[CTL_CURSOR_STRLEN]);
gboolean ctl_list_cursor_parse(const char *text, CtlSort sort, CtlListCursor *out, GError **error);
/* Parses a rule "GID:SID" (decimal, each 0..2^32-1, nothing around them), with a PARSE error
 * naming the text otherwise. */
gboolean ctl_rule_parse(const char *text, guint32 *gid, guint32 *sid, GError **error);

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
