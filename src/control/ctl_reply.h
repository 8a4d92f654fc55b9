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

/* The fields of a list reply for req (filter, sort, limit) over bans (an array of Ban, which
 * is sorted in place): "now" and "bans". now_us is real time. */
void ctl_reply_list(JsonWriter *w, const CtlRequest *req, GArray *bans, gint64 now_us);

/* The fields of a show reply: "now", "addr", "ban" (ban, or null), "history" (an array of
 * StoreViolation, newest first). */
void ctl_reply_show(JsonWriter *w, const IpAddr *addr, const Ban *ban, GArray *history,
                    gint64 now_us);

/* History entries a show request returns when it asks for no limit. */
#define CTL_REPLY_SHOW_LIMIT_DEFAULT 20
