// SPDX-License-Identifier: GPL-2.0-or-later
// Diffing wanted bans against a set's members and planning overlap-free networks: the logic
// of the set backends that needs no kernel, kept apart so unit tests can reach it.
#include "fw_sets.h"

#include <string.h>

static int
prefix_compare(const IpPrefix *a, const IpPrefix *b)
{
    int c = ipaddr_compare(&a->addr, &b->addr);
    if (c != 0)
        return c;
    return (int)a->len - (int)b->len;
}

int
fw_set_entry_compare(const void *a, const void *b)
{
    return prefix_compare(&((const FwSetEntry *)a)->prefix, &((const FwSetEntry *)b)->prefix);
}

static gboolean
timeout_longer(guint32 a, guint32 b)
{
    if (a == 0)
        return b != 0;
    return b != 0 && a > b;
}

void
fw_sets_normalize(GArray *entries)
{
    if (entries->len == 0)
        return;
    g_array_sort(entries, fw_set_entry_compare);
    FwSetEntry *e = (FwSetEntry *)entries->data;
    guint out = 0;
    for (guint i = 1; i < entries->len; i++) {
        if (prefix_compare(&e[out].prefix, &e[i].prefix) == 0) {
            if (timeout_longer(e[i].timeout_s, e[out].timeout_s))
                e[out].timeout_s = e[i].timeout_s;
            continue;
        }
        e[++out] = e[i];
    }
    g_array_set_size(entries, out + 1);
}

GArray *
fw_sets_entries_from_prefixes(const IpPrefix *prefixes, gsize n)
{
    GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(FwSetEntry), (guint)n);
    for (gsize i = 0; i < n; i++) {
        FwSetEntry e = {.prefix = prefixes[i]};
        g_array_append_val(out, e);
    }
    return out;
}

GArray *
fw_sets_entries_from_changes(const FwChange *changes, gsize n)
{
    GArray *out = g_array_sized_new(FALSE, FALSE, sizeof(FwSetEntry), (guint)n);
    for (gsize i = 0; i < n; i++) {
        FwSetEntry e = {.prefix = changes[i].prefix, .timeout_s = changes[i].timeout_s};
        g_array_append_val(out, e);
    }
    return out;
}

static gboolean
timeouts_differ(guint32 have, guint32 want, guint32 slack_s)
{
    if ((have == 0) != (want == 0))
        return TRUE;
    guint32 d = have > want ? have - want : want - have;
    return d > slack_s;
}

static void
push(GArray *changes, FwChangeKind kind, const FwSetEntry *e)
{
    FwChange c = {.kind = kind, .prefix = e->prefix, .timeout_s = e->timeout_s};
    g_array_append_val(changes, c);
}

void
fw_sets_diff(GArray *installed, GArray *desired, gboolean timed, guint32 slack_s, GArray *changes,
             FwReconcileStats *stats)
{
    fw_sets_normalize(installed);
    fw_sets_normalize(desired);
    const FwSetEntry *have = (const FwSetEntry *)installed->data;
    const FwSetEntry *want = (const FwSetEntry *)desired->data;
    guint i = 0, j = 0;
    guint added = 0, removed = 0, updated = 0;
    while (i < installed->len || j < desired->len) {
        int c;
        if (i == installed->len)
            c = 1;
        else if (j == desired->len)
            c = -1;
        else
            c = prefix_compare(&have[i].prefix, &want[j].prefix);
        if (c < 0) {
            push(changes, FW_CHANGE_REMOVE, &have[i++]);
            removed++;
        } else if (c > 0) {
            push(changes, FW_CHANGE_ADD, &want[j++]);
            added++;
        } else {
            if (timed && timeouts_differ(have[i].timeout_s, want[j].timeout_s, slack_s)) {
                push(changes, FW_CHANGE_ADD, &want[j]);
                updated++;
            }
            i++;
            j++;
        }
    }
    if (stats) {
        stats->added += added;
        stats->removed += removed;
        stats->updated += updated;
    }
}

gboolean
fw_sets_is_network(const IpPrefix *p)
{
    return p->len < (p->addr.family == AF_INET ? 32 : 128);
}

/* TRUE when outer covers inner (same family, outer no longer, inner inside outer). */
static gboolean
covers(const IpPrefix *outer, const IpPrefix *inner)
{
    return outer->addr.family == inner->addr.family && outer->len <= inner->len &&
           ipprefix_contains(outer, &inner->addr);
}

/* Removes the additions of p planned so far. */
static void
drop_adds(GArray *out, const IpPrefix *p)
{
    for (guint i = out->len; i-- > 0;) {
        const FwChange *c = &g_array_index(out, FwChange, i);
        if (c->kind == FW_CHANGE_ADD && ipprefix_equal(&c->prefix, p))
            g_array_remove_index(out, i);
    }
}

/* Takes p out of the plan: drops its planned additions, and removes it from the set when the
 * kernel holds it (it was present before this batch and not removed yet). */
static void
unplan(GArray *present, GArray *kernel, guint index, GArray *out)
{
    IpPrefix p = g_array_index(present, IpPrefix, index);
    g_array_remove_index(present, index);
    drop_adds(out, &p);
    for (guint i = 0; i < kernel->len; i++) {
        if (ipprefix_equal(&g_array_index(kernel, IpPrefix, i), &p)) {
            FwChange rm = {.kind = FW_CHANGE_REMOVE, .prefix = p};
            g_array_append_val(out, rm);
            g_array_remove_index(kernel, i);
            return;
        }
    }
}

void
fw_sets_plan_networks(GArray *present, const FwChange *changes, gsize n, GArray *out)
{
    /* What the kernel holds before this batch, as opposed to what the plan adds. */
    g_autoptr(GArray) kernel = g_array_copy(present);
    for (gsize k = 0; k < n; k++) {
        const FwChange *c = &changes[k];
        if (!fw_sets_is_network(&c->prefix)) {
            g_array_append_val(out, *c);
            continue;
        }
        if (c->kind == FW_CHANGE_REMOVE) {
            for (guint i = 0; i < present->len; i++) {
                if (ipprefix_equal(&g_array_index(present, IpPrefix, i), &c->prefix)) {
                    unplan(present, kernel, i, out);
                    break;
                }
            }
            continue;
        }
        gboolean covered = FALSE;
        for (guint i = 0; i < present->len && !covered; i++) {
            const IpPrefix *p = &g_array_index(present, IpPrefix, i);
            covered = covers(p, &c->prefix) && !ipprefix_equal(p, &c->prefix);
        }
        if (covered)
            continue;
        gboolean there = FALSE;
        for (guint i = present->len; i-- > 0;) {
            const IpPrefix *p = &g_array_index(present, IpPrefix, i);
            if (ipprefix_equal(p, &c->prefix))
                there = TRUE;
            else if (covers(&c->prefix, p))
                unplan(present, kernel, i, out);
        }
        drop_adds(out, &c->prefix); /* the last time given wins */
        g_array_append_val(out, *c);
        if (!there)
            g_array_append_val(present, c->prefix);
    }
}

/* By prefix, then by position (kept in timeout_s). */
static int
fw_set_entry_compare_position(const void *a, const void *b)
{
    int c = fw_set_entry_compare(a, b);
    if (c != 0)
        return c;
    guint32 x = ((const FwSetEntry *)a)->timeout_s, y = ((const FwSetEntry *)b)->timeout_s;
    return x < y ? -1 : x > y;
}

static int
compare_u32(const void *a, const void *b)
{
    guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;
    return x < y ? -1 : x > y;
}

/* Keeps only the last change of each prefix, in the order of those last changes: a batch
 * whose removals go before its additions then means what the list said. */
void
fw_sets_collapse(const FwChange *changes, gsize n, GArray *out)
{
    g_autoptr(GArray) sorted = g_array_sized_new(FALSE, FALSE, sizeof(FwSetEntry), (guint)n);
    for (gsize i = 0; i < n; i++) {
        /* timeout_s carries the index so that equal prefixes sort by position. */
        FwSetEntry e = {.prefix = changes[i].prefix, .timeout_s = (guint32)i};
        g_array_append_val(sorted, e);
    }
    g_array_sort(sorted, fw_set_entry_compare_position);
    g_autoptr(GArray) keep = g_array_new(FALSE, FALSE, sizeof(guint32));
    for (guint i = 0; i < sorted->len; i++) {
        const FwSetEntry *e = &g_array_index(sorted, FwSetEntry, i);
        if (i + 1 < sorted->len &&
            fw_set_entry_compare(e, &g_array_index(sorted, FwSetEntry, i + 1)) == 0)
            continue; /* a later change of the same prefix follows */
        g_array_append_val(keep, e->timeout_s);
    }
    g_array_sort(keep, compare_u32);
    for (guint i = 0; i < keep->len; i++)
        g_array_append_val(out, changes[g_array_index(keep, guint32, i)]);
}

guint
fw_sets_drop_covered(GArray *entries)
{
    guint dropped = 0;
    for (guint i = entries->len; i-- > 0;) {
        const IpPrefix *p = &g_array_index(entries, FwSetEntry, i).prefix;
        if (!fw_sets_is_network(p))
            continue;
        for (guint j = 0; j < entries->len; j++) {
            const IpPrefix *q = &g_array_index(entries, FwSetEntry, j).prefix;
            if (j != i && fw_sets_is_network(q) && covers(q, p) && !ipprefix_equal(q, p)) {
                g_array_remove_index(entries, i);
                dropped++;
                break;
            }
        }
    }
    return dropped;
}

gboolean
fw_sets_range_to_prefix(int family, const guint8 *start, const guint8 *end, IpPrefix *out)
{
    guint n = family == AF_INET ? 4 : 16;
    guint8 last[16];
    if (end) {
        memcpy(last, end, n);
        for (guint i = n; i-- > 0;) { /* last = end - 1 */
            if (last[i]-- != 0)
                break;
        }
    } else {
        memset(last, 0xff, n);
    }
    guint len = 0;
    while (len < n * 8) {
        guint8 bit = (guint8)(0x80 >> (len % 8));
        if ((start[len / 8] & bit) != (last[len / 8] & bit))
            break;
        len++;
    }
    for (guint b = len; b < n * 8; b++) {
        guint8 bit = (guint8)(0x80 >> (b % 8));
        if ((start[b / 8] & bit) != 0 || (last[b / 8] & bit) == 0)
            return FALSE;
    }
    memset(out, 0, sizeof *out);
    out->addr.family = (guint8)family;
    memcpy(out->addr.bytes, start, n);
    out->len = (guint8)len;
    return TRUE;
}

gboolean
fw_sets_prefix_end(const IpPrefix *p, guint8 end[16])
{
    guint n = p->addr.family == AF_INET ? 4 : 16;
    memcpy(end, p->addr.bytes, n);
    for (guint b = p->len; b < n * 8; b++)
        end[b / 8] |= (guint8)(0x80 >> (b % 8));
    for (guint i = n; i-- > 0;) { /* end = last + 1 */
        if (++end[i] != 0)
            return TRUE;
    }
    return FALSE;
}
