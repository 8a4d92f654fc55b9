// SPDX-License-Identifier: GPL-2.0-or-later
// The reply objects the daemon's list and show handlers send (BAN, EVENT; see ctl_proto.h),
// built from the ban table's and the store's records, so the CLI can build the same replies
// from the store when the daemon is not running.
#pragma once

#include <glib.h>

#include "ban.h"
#include "ctl_proto.h"
#include "store.h" /* StoreViolation */

/* Writes one BAN object (key NULL inside an array). */
void ctl_reply_add_ban(JsonWriter *w, const char *key, const Ban *ban);

/* The order of a list sorted by sort: the sort key, then the prefix. */
gint ctl_reply_list_compare(const BanCore *a, const BanCore *b, CtlSort sort);
/* Whether a list request wants ban: inside its filter, and after its cursor. */
gboolean ctl_reply_list_wants(const CtlRequest *req, const BanCore *ban);
/* How many bans the page for req may hold at most: its limit, at most CTL_LIST_PAGE_MAX. */
guint ctl_reply_list_page_max(const CtlRequest *req);

/* The fields of a list reply for req: "now", "bans" and, when more bans follow, "next".
 * page holds the first bans req wants in its order (at most ctl_reply_list_page_max(req));
 * more says whether others follow them. The page ends early after CTL_LIST_PAGE_BYTES of
 * reply. now_us is real time. */
void ctl_reply_list(JsonWriter *w, const CtlRequest *req, const GArray *page, gboolean more,
                    gint64 now_us);

/* The fields of a show reply: "now", "addr", "ban" (ban, or null), "history" (an array of
 * StoreViolation, newest first). */
void ctl_reply_show(JsonWriter *w, const IpAddr *addr, const Ban *ban, GArray *history,
                    gint64 now_us);

/* History entries a show request returns when it asks for no limit. */
#define CTL_REPLY_SHOW_LIMIT_DEFAULT 20
