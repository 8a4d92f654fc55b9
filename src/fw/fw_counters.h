// SPDX-License-Identifier: GPL-2.0-or-later
// What alertban's bans actually dropped: the kernel's own packet and byte counters of our
// rules and set matches, read per family and hook, from a thread so a scrape never blocks the
// main loop.
#pragma once

#include <gio/gio.h>
#include <glib.h>

#include "fw.h"

#define FW_DROP_HOOK_MAX 32

/* Packets and bytes dropped (or rejected) by our rules for one family and hook since the
 * rules were made. They only grow while the Fw lives: what lifted bans dropped stays counted
 * (the iptables backend's handle keeps the counts of the rules it deleted; the set backends
 * count in rules that stay), and a reconcile that rewrites the nftables chains carries the
 * counts over. A flush removes our rules and ends the counts; so does a new Fw for the
 * iptables backend (a restart), whose handle has not seen the old unbans. hook is the lower-case hook name: "input", "forward", "output",
 * "prerouting" or "docker-user". The iptables backend keeps one address chain for all its
 * filter hooks, so the kernel cannot tell them apart: there hook names every hook jumping to
 * that chain, joined with "+" ("input+forward"); the nftables and ipset backends have one
 * rule per hook and count each apart. Bytes are the IP packets' lengths (headers included),
 * as the kernel counts them. */
typedef struct {
    int family; /* AF_INET or AF_INET6 */
    char hook[FW_DROP_HOOK_MAX];
    guint64 packets;
    guint64 bytes;
} FwDropCount;

/* What the reader needs, copied from a Fw, so that a worker thread can read the kernel with
 * handles of its own while the main loop goes on using the Fw (the iptables backend's spec
 * shares the handle's record of deleted rules, under a mutex that a commit also takes: a
 * commit may wait for one read). Cheap to make: make one per scrape from the Fw in force, as
 * the daemon replaces its Fw when backend = auto moves the bans, or a reload changes the
 * firewall settings. */
typedef struct FwCounterSpec FwCounterSpec;

/* NULL when the backend keeps no counters (the fake). */
FwCounterSpec *fw_counter_spec_new(Fw *fw);
void fw_counter_spec_free(FwCounterSpec *spec);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(FwCounterSpec, fw_counter_spec_free)

/* Blocking read (call it from a thread; it takes no lock and changes nothing): appends one
 * FwDropCount per family and hook the configuration uses, IPv4 first, to out (an array of
 * FwDropCount), with zeros where our rules are missing. Fails with ALERTBAN_ERROR_FIREWALL
 * when the kernel cannot be read. Cost: about 0.1 ms for the set backends whatever the number
 * of bans; for the iptables backend a copy of the whole table, 30-60 ms at 100,000 rules,
 * during which the kernel makes a commit wait (doc/PERFORMANCE.md). */
gboolean fw_counters_read(const FwCounterSpec *spec, GArray *out, GError **error);

/* The same in a GTask thread, for a main-loop caller; spec is copied, so the caller may free
 * it at once. cb runs in the thread-default main context of the caller. */
void fw_counters_read_async(const FwCounterSpec *spec, GCancellable *cancellable,
                            GAsyncReadyCallback cb, gpointer user_data);
/* The array (of FwDropCount, owned by the caller) or NULL with error. */
GArray *fw_counters_read_finish(GAsyncResult *res, GError **error);
