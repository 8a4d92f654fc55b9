// SPDX-License-Identifier: GPL-2.0-or-later
// Entry points of the store that only the tests use: reading single rows back, and watching
// the WAL checkpoint thread.
#pragma once

#include "store.h"

/* Whether the store was opened read-only. */
gboolean store_is_read_only(const Store *store);

/* How many WAL checkpoints the store's checkpoint thread has run. */
guint store_wal_checkpoints_done(Store *store);

/* The valid stored ban on exactly prefix into out; *found FALSE when there is none. */
gboolean store_get_ban(Store *store, const IpPrefix *prefix, Ban *out, gboolean *found,
                       GError **error);

/* Appends tracker rows (StoreViolation) with time_us >= since_us, oldest first, at most
 * limit. Invalid rows are skipped as store_load_bans() does. (A restarted daemon refills the
 * policy's windows through store_load_recent_violations().) */
gboolean store_load_violations_since(Store *store, gint64 since_us, guint limit, GArray *out,
                                     GError **error);
