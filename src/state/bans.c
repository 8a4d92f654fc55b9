// SPDX-License-Identifier: GPL-2.0-or-later
// The ban table: which prefixes are banned until when, one timer for the next expiry, and the
// order of effects (the store, then one firewall commit per main-loop turn).
#include "bans.h"
#include "bans_internal.h"

#include <string.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "error.h"
#include "log.h"
#include "strpool.h"

/*
 * Time. A ban persists its end as absolute real time (expires_us), so a restart, however long
 * the daemon was down, ends it when it should. While the daemon runs, each timed ban also has
 * a monotonic deadline, fixed when the ban is scheduled (added, extended or loaded):
 *
 *     deadline = mono_now + (expires_us - real_now)
 *
 * and it ends when the monotonic clock reaches its deadline. So a ban is enforced for the
 * remaining real time measured when it was scheduled. A step of the real-time clock (NTP,
 * an operator's `date -s`) therefore neither ends every ban at once (a step forward) nor
 * freezes expiry (a step back); the step is logged. The persisted expiry is not rewritten:
 * if the daemon restarts after a step, the loaded bans are measured against the new real
 * time, which is then the best knowledge there is.
 *
 * Expiry structure. Timed bans sit in a binary min-heap ordered by deadline (ties by prefix,
 * for a deterministic order); each entry knows its heap index, so insert, extend and remove
 * are O(log n). Permanent bans are not in the heap. One GLib timeout is armed for the heap's
 * top; when it fires, every ban whose deadline has passed ends in the same pass (up to
 * expire_batch_max, the rest in the next pass, armed at once), and the turn is committed.
 *
 * Order of effects. bans_add()/bans_remove()/expiry change the table at once, queue the row
 * in the store and mark the prefix dirty. bans_commit() first commits the store (one
 * transaction holding the turn's tracker rows, bans and tail checkpoints, queued by whichever
 * module), then sends every dirty prefix to the firewall in one fw_apply() (a large turn
 * does both at once, the store's in a thread: see BANS_PARALLEL_MIN). A crash between the two
 * leaves one ahead of the other, which the reconcile at start repairs: the kernel is made
 * equal to the store, and a turn whose store commit was lost had its tail checkpoint (or
 * stream position) in the same transaction, so its alerts are read and acted on again. If
 * the commit fails (disk full), the firewall is still changed, because the table in memory
 * is what the daemon enforces, and the commit is retried with backoff; a crash
 * before it succeeds loses the turn's tail checkpoint too, so its alerts are read again and
 * acted on once. If fw_apply() fails, the table stays as it is and a reconcile of the whole
 * table is retried with backoff; when it failed only because another program holds the
 * xtables lock (ALERTBAN_ERROR_BUSY), the retry comes every busy_retry_ms instead.
 *
 * Once attached, the first change of a turn adds an idle source that calls bans_commit(). It
 * has G_PRIORITY_DEFAULT, the tailer's priority, and is dispatched in the main loop's next
 * iteration, after the sources that were ready in this one: everything a burst of callbacks
 * queued goes out in one commit and one fw_apply(). A lower priority would batch more, but a
 * log that never stops growing keeps a default-priority source ready in every iteration and
 * would starve the commit: no ban would ever reach the kernel during a flood.
 */

/*
 * Memory. A table of a million bans must stay small, so an entry is not a Ban (whose msg
 * array alone is 512 bytes) but the Ban's core (ban.h) with the rule's msg and the reason
 * interned in a reference-counted pool (a flood repeats a few rules). The hash table holds
 * the entries themselves as keys (an entry starts with its prefix, which is what the table
 * hashes and compares), so it keeps no separate value array. A Ban is made from an entry only
 * when one is asked for (entry_to_ban()).
 */
typedef struct {
    BanCore core;       /* first: its prefix is the table's key */
    gint32 heap_index;  /* -1 when permanent */
    gint64 deadline_us; /* monotonic; G_MAXINT64 when permanent */
    const char *msg;    /* interned in Bans.strs */
    const char *reason; /* interned in Bans.strs */
    const char *origin; /* interned in Bans.strs; "" unless shared */
} Entry;

G_STATIC_ASSERT(G_STRUCT_OFFSET(Entry, core) == 0 && G_STRUCT_OFFSET(BanCore, prefix) == 0);

/*
 * Entries live in 64 KiB blocks of their own (aligned, so an entry finds its block by masking
 * its address) rather than one malloc each: no per-entry malloc header, and no entry pinned
 * between a burst's freed temporaries, so the memory of a large turn can be given back.
 * A block whose last entry goes is freed; new entries fill the partly used blocks first.
 */
#define ENTRY_BLOCK_SIZE 65536

/* A released slot, linked through its first bytes. */
typedef struct FreeSlot FreeSlot;
struct FreeSlot {
    FreeSlot *next;
};
G_STATIC_ASSERT(sizeof(FreeSlot) <= sizeof(Entry));

typedef struct EntryBlock EntryBlock;
struct EntryBlock {
    EntryBlock *prev, *next; /* in EntryPool.partial while a slot is free */
    FreeSlot *free;          /* released slots */
    guint used;              /* slots in use */
    guint carved;            /* slots handed out at least once; the rest were never touched */
};

#define ENTRY_BLOCK_HEADER ((sizeof(EntryBlock) + 15) / 16 * 16)
#define ENTRIES_PER_BLOCK ((ENTRY_BLOCK_SIZE - ENTRY_BLOCK_HEADER) / sizeof(Entry))

typedef struct {
    EntryBlock *partial; /* blocks with a free slot */
    guint n_blocks;
} EntryPool;

static gboolean
block_full(const EntryBlock *blk)
{
    return blk->free == NULL && blk->carved == ENTRIES_PER_BLOCK;
}

static void
block_link(EntryPool *pool, EntryBlock *blk)
{
    blk->prev = NULL;
    blk->next = pool->partial;
    if (pool->partial)
        pool->partial->prev = blk;
    pool->partial = blk;
}

static void
block_unlink(EntryPool *pool, EntryBlock *blk)
{
    if (blk->prev)
        blk->prev->next = blk->next;
    else
        pool->partial = blk->next;
    if (blk->next)
        blk->next->prev = blk->prev;
    blk->prev = blk->next = NULL;
}

static Entry *
entry_alloc(EntryPool *pool)
{
    EntryBlock *blk = pool->partial;
    if (!blk) {
        blk = g_aligned_alloc(1, ENTRY_BLOCK_SIZE, ENTRY_BLOCK_SIZE);
        memset(blk, 0, sizeof *blk);
        block_link(pool, blk);
        pool->n_blocks++;
    }
    Entry *e;
    if (blk->free) {
        FreeSlot *slot = blk->free;
        blk->free = slot->next;
        e = (Entry *)(void *)slot;
    } else {
        e = (Entry *)(void *)((char *)blk + ENTRY_BLOCK_HEADER) + blk->carved++;
    }
    blk->used++;
    if (block_full(blk))
        block_unlink(pool, blk);
    memset(e, 0, sizeof *e);
    return e;
}

static void
entry_release(EntryPool *pool, Entry *e)
{
    EntryBlock *blk = (EntryBlock *)(void *)((guintptr)e & ~(guintptr)(ENTRY_BLOCK_SIZE - 1));
    gboolean was_full = block_full(blk);
    FreeSlot *slot = (FreeSlot *)(void *)e;
    slot->next = blk->free;
    blk->free = slot;
    blk->used--;
    if (blk->used == 0) {
        if (!was_full)
            block_unlink(pool, blk);
        g_aligned_free(blk);
        pool->n_blocks--;
        return;
    }
    if (was_full)
        block_link(pool, blk);
}

struct Bans {
    Store *store;
    Fw *fw;
    BansOptions opts;
    BansClock clock;
    GHashTable *table; /* Entry* (owned), keyed by the IpPrefix it starts with */
    EntryPool entries; /* where the entries live */
    StrPool *strs;     /* the entries' msg and reason */
    GPtrArray *heap;   /* Entry*, min-heap by deadline */
    GHashTable *dirty; /* IpPrefix* (owned copy) -> itself: prefixes to send to the firewall */
    guint n_prefix_len[2][129]; /* bans per (family, prefix length), for bans_lookup_addr() */
    BansCounts counts;
    gboolean full_warned;
    gboolean store_failed, fw_failed;
    /* The firewall's last try found the xtables lock held by another program: retried every
     * busy_retry_ms (not with backoff: the ban should go in as soon as the lock is free),
     * warned about once after busy_warn_ms. busy_since_us is monotonic, 0 when not busy. */
    gint64 busy_since_us;
    gboolean busy_warned;
    guint retry_delay_ms;
    gint64 clock_offset_us; /* real - mono when last checked, to notice steps */
    GMainContext *ctx;
    GSource *expiry_source;
    gint64 expiry_source_deadline;
    GSource *commit_source;
    GSource *retry_source;
    GSource *trim_source;
    BansTurnFunc turn_func;
    gpointer turn_data;
    BansCutFunc cut_func;
    gpointer cut_data;
    BansCommitFunc commit_func;
    gpointer commit_data;
    GHashTable *lifted; /* reason (owned) -> guint64 (owned): bans lifted, for the metrics */
    GArray *cut_lines; /* CutLine: this turn's new bans, whose lines wait for the cut's counts */
};

/* A new ban's log line, written once the turn's cut has counted what it ended. */
typedef struct {
    IpPrefix prefix;
    char *line;
} CutLine;

static void
cut_line_clear(gpointer data)
{
    g_free(((CutLine *)data)->line);
}

/* A commit (store rows plus firewall changes) or reconcile this large gives freed memory back,
 * once no other large one has come for BANS_TRIM_QUIET_MS: a bulk load's commits, a turn
 * after another, reuse what the last one freed, and giving it back each time (the whole
 * heap's free pages, with a TLB flush on every CPU) took a tenth of a joining node's time. */
#define BANS_TRIM_AFTER 10000
#define BANS_TRIM_QUIET_MS 1000

static void heap_fix(Bans *b, Entry *e);
static void request_commit(Bans *b);
static void schedule_trim(Bans *b);
static void rearm_expiry(Bans *b);
static void schedule_retry(Bans *b);
static void note_fw_failure(Bans *b, const GError *err, const char *what);
static void note_fw_success(Bans *b);

static gint64
default_real(gpointer user_data)
{
    (void)user_data;
    return g_get_real_time();
}

static gint64
default_mono(gpointer user_data)
{
    (void)user_data;
    return g_get_monotonic_time();
}

static gint64
now_real(Bans *b)
{
    return b->clock.real_us(b->clock.user_data);
}

static gint64
now_mono(Bans *b)
{
    return b->clock.mono_us(b->clock.user_data);
}

static int
family_index(const IpAddr *a)
{
    return a->family == AF_INET6 ? 1 : 0;
}

void
bans_options_init(BansOptions *opts)
{
    opts->max_bans = 100000;
    opts->expire_batch_max = 10000;
    opts->retry_min_ms = 1000;
    opts->retry_max_ms = 60000;
    opts->busy_retry_ms = 100;
    opts->busy_warn_ms = 5000;
}

Bans *
bans_new(Store *store, Fw *fw, const BansOptions *opts, const BansClock *clock)
{
    g_return_val_if_fail(store != NULL && fw != NULL, NULL);
    Bans *b = g_new0(Bans, 1);
    b->store = store;
    b->fw = fw;
    if (opts)
        b->opts = *opts;
    else
        bans_options_init(&b->opts);
    b->opts.expire_batch_max = MAX(b->opts.expire_batch_max, 1u);
    b->opts.retry_min_ms = MAX(b->opts.retry_min_ms, 1u);
    b->opts.retry_max_ms = MAX(b->opts.retry_max_ms, b->opts.retry_min_ms);
    b->opts.busy_retry_ms = MAX(b->opts.busy_retry_ms, 1u);
    if (clock && clock->real_us && clock->mono_us) {
        b->clock = *clock;
    } else {
        b->clock.real_us = default_real;
        b->clock.mono_us = default_mono;
    }
    b->table = g_hash_table_new(ipprefix_hash_func, ipprefix_equal_func);
    b->strs = strpool_new();
    b->heap = g_ptr_array_new();
    b->dirty = g_hash_table_new_full(ipprefix_hash_func, ipprefix_equal_func, g_free, NULL);
    b->cut_lines = g_array_new(FALSE, FALSE, sizeof(CutLine));
    b->lifted = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_array_set_clear_func(b->cut_lines, cut_line_clear);
    b->retry_delay_ms = b->opts.retry_min_ms;
    b->clock_offset_us = now_real(b) - now_mono(b);
    return b;
}

static void
destroy_source(GSource **s)
{
    if (*s) {
        g_source_destroy(*s);
        g_source_unref(*s);
        *s = NULL;
    }
}

void
bans_free(Bans *b)
{
    if (!b)
        return;
    destroy_source(&b->expiry_source);
    destroy_source(&b->commit_source);
    destroy_source(&b->retry_source);
    destroy_source(&b->trim_source);
    for (guint i = 0; i < b->cut_lines->len; i++) {
        const char *line = g_array_index(b->cut_lines, CutLine, i).line;
        if (line)
            g_message("%s", line);
    }
    g_array_unref(b->cut_lines);
    if (b->ctx)
        g_main_context_unref(b->ctx);
    g_ptr_array_unref(b->heap);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, b->table);
    while (g_hash_table_iter_next(&it, &key, NULL))
        entry_release(&b->entries, key); /* the strings go with the pool below */
    g_hash_table_unref(b->table);
    strpool_free(b->strs);
    g_hash_table_unref(b->dirty);
    g_hash_table_unref(b->lifted);
    g_free(b);
}

/* ---- the heap ---- */

static gboolean
entry_before(const Entry *a, const Entry *c)
{
    if (a->deadline_us != c->deadline_us)
        return a->deadline_us < c->deadline_us;
    if (a->core.prefix.len != c->core.prefix.len)
        return a->core.prefix.len < c->core.prefix.len;
    return ipaddr_compare(&a->core.prefix.addr, &c->core.prefix.addr) < 0;
}

static void
heap_set(Bans *b, guint i, Entry *e)
{
    b->heap->pdata[i] = e;
    e->heap_index = (gint)i;
}

static void
heap_sift_up(Bans *b, guint i)
{
    Entry *e = b->heap->pdata[i];
    while (i > 0) {
        guint parent = (i - 1) / 2;
        Entry *p = b->heap->pdata[parent];
        if (!entry_before(e, p))
            break;
        heap_set(b, i, p);
        i = parent;
    }
    heap_set(b, i, e);
}

static void
heap_sift_down(Bans *b, guint i)
{
    guint n = b->heap->len;
    Entry *e = b->heap->pdata[i];
    for (;;) {
        guint l = 2 * i + 1, best = i;
        Entry *best_e = e;
        if (l < n && entry_before(b->heap->pdata[l], best_e)) {
            best = l;
            best_e = b->heap->pdata[l];
        }
        if (l + 1 < n && entry_before(b->heap->pdata[l + 1], best_e)) {
            best = l + 1;
            best_e = b->heap->pdata[l + 1];
        }
        if (best == i)
            break;
        heap_set(b, i, best_e);
        i = best;
    }
    heap_set(b, i, e);
}

static void
heap_remove(Bans *b, Entry *e)
{
    if (e->heap_index < 0)
        return;
    guint i = (guint)e->heap_index;
    guint last = b->heap->len - 1;
    Entry *moved = b->heap->pdata[last];
    g_ptr_array_set_size(b->heap, last);
    e->heap_index = -1;
    if (i == last)
        return;
    heap_set(b, i, moved);
    heap_sift_up(b, i);
    heap_sift_down(b, (guint)moved->heap_index);
}

/* Puts e where its (possibly changed) deadline belongs, entering or leaving the heap. */
static void
heap_fix(Bans *b, Entry *e)
{
    if (e->deadline_us == G_MAXINT64) {
        heap_remove(b, e);
        return;
    }
    if (e->heap_index < 0) {
        g_ptr_array_add(b->heap, e);
        e->heap_index = (gint)b->heap->len - 1;
        heap_sift_up(b, (guint)e->heap_index);
        return;
    }
    heap_sift_up(b, (guint)e->heap_index);
    heap_sift_down(b, (guint)e->heap_index);
}

/* ---- bookkeeping ---- */

static void
count_entry(Bans *b, const Entry *e, int delta)
{
    b->counts.total += delta;
    if (e->core.prefix.addr.family == AF_INET6)
        b->counts.v6 += delta;
    else
        b->counts.v4 += delta;
    if (e->core.source == BAN_SOURCE_MANUAL)
        b->counts.manual += delta;
    else if (e->core.source == BAN_SOURCE_SHARED)
        b->counts.shared += delta;
    else
        b->counts.policy += delta;
    if (e->core.expires_us == BAN_EXPIRES_NEVER)
        b->counts.permanent += delta;
    b->counts.by_family_source[family_index(&e->core.prefix.addr)][MIN(e->core.source, 2)] +=
        delta;
    b->n_prefix_len[family_index(&e->core.prefix.addr)][e->core.prefix.len] += delta;
}

/* The pool's copy of text cut as a Ban's array of size bytes would cut it, so that an entry
 * and the Ban made from it say the same. */
static const char *
intern_cut(Bans *b, const char *text, gsize size)
{
    if (!text)
        text = "";
    gsize len = strnlen(text, size);
    if (len < size)
        return strpool_ref(b->strs, text);
    g_autofree char *cut = g_strndup(text, size - 1);
    return strpool_ref(b->strs, cut);
}

/* Replaces *slot (interned, or NULL) with the interned cut of text. */
static void
intern_set(Bans *b, const char **slot, const char *text, gsize size)
{
    const char *old = *slot;
    *slot = intern_cut(b, text, size);
    if (old)
        strpool_unref(b->strs, old);
}

static void
entry_to_ban(const Entry *e, Ban *out)
{
    out->core = e->core;
    g_strlcpy(out->reason, e->reason, sizeof out->reason);
    g_strlcpy(out->msg, e->msg, sizeof out->msg);
    g_strlcpy(out->origin, e->origin, sizeof out->origin);
}

/* Queues the store's row of e. */
static void
put_entry(Bans *b, const Entry *e)
{
    Ban ban;
    entry_to_ban(e, &ban);
    store_put_ban(b->store, &ban);
}

static void
entry_free(Bans *b, Entry *e)
{
    strpool_unref(b->strs, e->msg);
    strpool_unref(b->strs, e->reason);
    strpool_unref(b->strs, e->origin);
    entry_release(&b->entries, e);
}

static void
mark_dirty(Bans *b, const IpPrefix *p)
{
    if (!g_hash_table_contains(b->dirty, p)) {
        IpPrefix *copy = g_new(IpPrefix, 1);
        *copy = *p;
        g_hash_table_add(b->dirty, copy);
    }
    request_commit(b);
}

/* Deadline for an absolute real expiry, measured now. A stored expiry centuries away
 * saturates rather than overflows; it stays a timed ban. */
static gint64
deadline_for(gint64 expires_us, gint64 real, gint64 mono)
{
    if (expires_us == BAN_EXPIRES_NEVER)
        return G_MAXINT64;
    gint64 left = expires_us - real; /* both >= 0: no overflow */
    if (left > G_MAXINT64 - 1 - mono)
        return G_MAXINT64 - 1;
    return mono + left;
}

static Entry *
insert_entry(Bans *b, const Ban *ban, gint64 deadline)
{
    Entry *e = entry_alloc(&b->entries);
    e->core = ban->core;
    e->msg = intern_cut(b, ban->msg, sizeof ban->msg);
    e->reason = intern_cut(b, ban->reason, sizeof ban->reason);
    e->origin = intern_cut(b, ban->origin, sizeof ban->origin);
    e->deadline_us = deadline;
    e->heap_index = -1;
    g_hash_table_add(b->table, e);
    heap_fix(b, e);
    count_entry(b, e, +1);
    return e;
}

/* Takes e out of the table, the heap and the counts, and frees it. */
static void
remove_entry(Bans *b, Entry *e)
{
    heap_remove(b, e);
    count_entry(b, e, -1);
    g_hash_table_remove(b->table, e);
    entry_free(b, e);
}

/* Removes e, and queues the store and the firewall. */
static void
drop_entry(Bans *b, Entry *e)
{
    IpPrefix p = e->core.prefix;
    remove_entry(b, e);
    store_delete_ban(b->store, &p);
    mark_dirty(b, &p);
}

static void
format_rule(guint32 gid, guint32 sid, guint32 rev, char *buf, gsize size)
{
    g_snprintf(buf, size, "%u:%u:%u", gid, sid, rev);
}

static void
format_duration(gint64 duration_s, char *buf, gsize size)
{
    if (duration_s == G_MAXINT64)
        g_strlcpy(buf, "permanent", size);
    else
        g_snprintf(buf, size, "%" G_GINT64_FORMAT, duration_s);
}

static void
log_unban(const Ban *ban, const char *reason, gint64 real)
{
    char addr[IPADDR_STRLEN], rule[40];
    ipprefix_format(&ban->prefix, addr);
    format_rule(ban->gid, ban->sid, ban->rev, rule, sizeof rule);
    /* A ban that ended while the daemon was down lasted until its expiry, not until now. */
    gint64 end = MIN(real, ban->expires_us);
    g_message("unban addr=%s rule=%s violations=%u banned_s=%" G_GINT64_FORMAT
              " source=%s reason=%s",
              addr, rule, ban->violations, MAX((end - ban->created_us) / G_USEC_PER_SEC, 0),
              ban_source_name(ban->source), reason);
}

/* Logs the unban of e and counts it by reason (reasons are words of the code, a handful). */
static void
log_unban_entry(Bans *b, const Entry *e, const char *reason, gint64 real)
{
    Ban ban;
    entry_to_ban(e, &ban);
    log_unban(&ban, reason, real);
    guint64 *n = g_hash_table_lookup(b->lifted, reason);
    if (!n) {
        n = g_new0(guint64, 1);
        g_hash_table_insert(b->lifted, g_strdup(reason), n);
    }
    (*n)++;
}

/* ---- loading and reconciling ---- */

typedef struct {
    Bans *b;
    gint64 real, mono;
    GArray *expired;
    BansLoadStats s;
    guint unbannable; /* rows no firewall can hold, dropped */
} LoadCtx;

/* One stored ban, taken into the table or, when it ended while the daemon was down, logged
 * and deleted. The rows stream in: a million bans are never held as Bans at once. */
static void
load_one(const Ban *ban, gpointer user_data)
{
    LoadCtx *lc = user_data;
    Bans *b = lc->b;
    g_autoptr(GError) err = NULL;
    if (!fw_prefix_bannable(&ban->prefix, "bans", "load", &err)) {
        /* A row no backend can hold (a /0 stored by an older version) would make every
         * reconcile fail and the daemon refuse to start: drop it, loudly. */
        g_warning("bans: dropping a stored ban no firewall can hold: %s", err->message);
        log_unban(ban, "unbannable", lc->real);
        store_delete_ban(b->store, &ban->prefix);
        lc->unbannable++;
        return;
    }
    if (ban->expires_us != BAN_EXPIRES_NEVER && ban->expires_us <= lc->real) {
        log_unban(ban, "expired-while-down", lc->real);
        store_delete_ban(b->store, &ban->prefix);
        mark_dirty(b, &ban->prefix);
        if (lc->expired)
            g_array_append_val(lc->expired, *ban);
        lc->s.expired++;
        return;
    }
    Entry *old = g_hash_table_lookup(b->table, &ban->prefix);
    if (old)
        remove_entry(b, old);
    insert_entry(b, ban, deadline_for(ban->expires_us, lc->real, lc->mono));
    lc->s.restored++;
}

gboolean
bans_load(Bans *b, GArray *expired, BansLoadStats *stats, GError **error)
{
    g_return_val_if_fail(b != NULL, FALSE);
    LoadCtx lc = {.b = b, .real = now_real(b), .mono = now_mono(b), .expired = expired};
    if (!store_foreach_ban(b->store, load_one, &lc, &lc.s.skipped, error))
        return FALSE;
    lc.s.skipped += lc.unbannable;
    if (b->counts.total > b->opts.max_bans)
        g_warning("bans: %u stored bans exceed max_bans=%u; keeping them, refusing new ones",
                  b->counts.total, b->opts.max_bans);
    if (stats)
        *stats = lc.s;
    b->clock_offset_us = lc.real - lc.mono;
    rearm_expiry(b);
    if (!store_commit(b->store, error)) {
        b->store_failed = TRUE;
        b->counts.store_failures++;
        schedule_retry(b);
        return FALSE;
    }
    return TRUE;
}

/* The kernel-side timeout of an entry: its remaining time, rounded up (0: permanent). */
static guint32
entry_timeout_s(const Entry *e, gint64 mono_now_us)
{
    if (e->deadline_us == G_MAXINT64)
        return 0;
    gint64 left = (e->deadline_us - mono_now_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
    return (guint32)CLAMP(left, 1, G_MAXUINT32);
}

/* Every ban as an add with its remaining time, for a reconcile. */
static GArray *
desired_changes(Bans *b)
{
    GArray *desired =
        g_array_sized_new(FALSE, FALSE, sizeof(FwChange), g_hash_table_size(b->table));
    gint64 mono = now_mono(b);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, b->table);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        const Entry *e = key;
        FwChange c = {FW_CHANGE_ADD, e->core.prefix, entry_timeout_s(e, mono)};
        g_array_append_val(desired, c);
    }
    return desired;
}

/* check: a periodic check of the kernel, for which a held xtables lock is not a failure of
 * the table (nothing of ours waits): it fails with ALERTBAN_ERROR_BUSY and the caller tries
 * again, so that what the check finds is still its own to count and report. */
static gboolean
reconcile(Bans *b, FwReconcileStats *stats, gboolean check, GError **error)
{
    g_autoptr(GArray) desired = desired_changes(b);
    FwReconcileStats s = {0};
    g_autoptr(GError) err = NULL;
    if (!fw_reconcile_timed(b->fw, (const FwChange *)desired->data, desired->len, &s, &err)) {
        if (check && !b->fw_failed && g_error_matches(err, ALERTBAN_ERROR, ALERTBAN_ERROR_BUSY)) {
            g_propagate_error(error, g_steal_pointer(&err));
            return FALSE;
        }
        note_fw_failure(b, err, "reconciling the firewall");
        schedule_retry(b);
        g_propagate_error(error, g_steal_pointer(&err));
        return FALSE;
    }
    /* Everything dirty is now as the table says. */
    g_hash_table_remove_all(b->dirty);
    b->fw_failed = FALSE;
    note_fw_success(b);
    if (s.added + s.removed + s.duplicates + s.hooks_fixed > 0)
        g_message("bans: reconciled the firewall: bans=%u added=%u removed=%u duplicates=%u"
                  " hooks_fixed=%u",
                  desired->len, s.added, s.removed, s.duplicates, s.hooks_fixed);
    if (stats)
        *stats = s;
    /* The backend's dump of the kernel and the desired list are freed by now. */
    if (desired->len >= BANS_TRIM_AFTER) {
        g_clear_pointer(&desired, g_array_unref);
        schedule_trim(b);
    }
    return TRUE;
}

gboolean
bans_reconcile(Bans *b, FwReconcileStats *stats, GError **error)
{
    g_return_val_if_fail(b != NULL, FALSE);
    return reconcile(b, stats, FALSE, error);
}

gboolean
bans_verify(Bans *b, FwReconcileStats *stats, GError **error)
{
    g_return_val_if_fail(b != NULL, FALSE);
    return reconcile(b, stats, TRUE, error);
}

/* Records a failed firewall change or reconcile (what: for the log). A held xtables lock
 * is routine (iptables -w, Docker, firewalld): logged once, warned about only when it lasts
 * longer than busy_warn_ms; anything else is a warning each time. */
static void
note_fw_failure(Bans *b, const GError *err, const char *what)
{
    b->counts.fw_failures++;
    b->fw_failed = TRUE;
    if (!g_error_matches(err, ALERTBAN_ERROR, ALERTBAN_ERROR_BUSY)) {
        b->busy_since_us = 0;
        g_warning("bans: %s failed, reconciling with backoff: %s", what, err->message);
        return;
    }
    gint64 now = g_get_monotonic_time();
    if (b->busy_since_us == 0) {
        b->busy_since_us = now;
        b->busy_warned = FALSE;
        g_message("bans: %s waits: %s; retrying every %u ms", what, err->message,
                  b->opts.busy_retry_ms);
    } else if (!b->busy_warned && now - b->busy_since_us >= (gint64)b->opts.busy_warn_ms * 1000) {
        b->busy_warned = TRUE;
        g_warning("bans: the firewall has waited %" G_GINT64_FORMAT " ms so far: %s; bans and "
                  "unbans are stored and go to the kernel once it is free",
                  (now - b->busy_since_us) / 1000, err->message);
    }
}

/* A firewall change or reconcile went through: ends a wait for the lock. */
static void
note_fw_success(Bans *b)
{
    if (b->busy_since_us != 0)
        g_message("bans: the firewall caught up after waiting %" G_GINT64_FORMAT
                  " ms for the xtables lock",
                  (g_get_monotonic_time() - b->busy_since_us) / 1000);
    b->busy_since_us = 0;
    b->busy_warned = FALSE;
}

gboolean
bans_fw_busy(Bans *b, gint64 *since_us)
{
    g_return_val_if_fail(b != NULL, FALSE);
    if (since_us)
        *since_us = b->busy_since_us;
    return b->fw_failed && b->busy_since_us != 0;
}

/* ---- changes ---- */

static void
warn_full(Bans *b, const IpPrefix *p)
{
    b->counts.refused++;
    if (b->full_warned)
        return;
    b->full_warned = TRUE;
    char addr[IPADDR_STRLEN];
    g_warning("bans: table full (max_bans=%u): refusing addr=%s and further new bans until"
              " some end",
              b->opts.max_bans, ipprefix_format(p, addr));
}

static void
set_rule(Ban *ban, const BanRequest *req)
{
    ban->gid = req->gid;
    ban->sid = req->sid;
    ban->rev = req->rev;
    g_strlcpy(ban->msg, req->msg ? req->msg : "", sizeof ban->msg);
    g_strlcpy(ban->reason, req->reason ? req->reason : "", sizeof ban->reason);
    g_strlcpy(ban->origin, req->origin ? req->origin : "", sizeof ban->origin);
}

/* With a cut function, a new ban's line waits for the turn's cut (bans_commit()) and ends
 * with its counts. */
static void
log_ban(Bans *b, const char *what, const Entry *e, const BanRequest *req, gint64 duration_s)
{
    if (req->quiet) {
        if (b->cut_func && strcmp(what, "ban") == 0) {
            CutLine cl = {e->core.prefix, NULL}; /* cut, without a line */
            g_array_append_val(b->cut_lines, cl);
        }
        return;
    }
    char addr[IPADDR_STRLEN], rule[40], dur[24], msg[LOG_ESCAPE_BUFSIZE];
    ipprefix_format(&e->core.prefix, addr);
    format_rule(e->core.gid, e->core.sid, e->core.rev, rule, sizeof rule);
    format_duration(duration_s, dur, sizeof dur);
    log_escape(e->msg, strlen(e->msg), msg);
#define BAN_LINE_FORMAT                                                                            \
    "%s addr=%s rule=%s alerts=%u window_s=%u duration_s=%s prior_bans=%u violations=%u"           \
    " source=%s reason=%s msg=\"%s\""
#define BAN_LINE_ARGS                                                                              \
    what, addr, rule, req->alerts, req->window_s, dur, e->core.prior_bans, e->core.violations,               \
        ban_source_name((BanSource)e->core.source), e->reason, msg
    if (b->cut_func && strcmp(what, "ban") == 0) {
        CutLine cl = {e->core.prefix, g_strdup_printf(BAN_LINE_FORMAT, BAN_LINE_ARGS)};
        g_array_append_val(b->cut_lines, cl);
        return;
    }
    g_message(BAN_LINE_FORMAT, BAN_LINE_ARGS);
#undef BAN_LINE_FORMAT
#undef BAN_LINE_ARGS
}

/* Hands the turn's new bans (those still in the table) and their lines to the cut, which
 * writes each line with its counts once that ban's cut is done; a ban already lifted within
 * the turn had nothing cut. */
static void
cut_new_bans(Bans *b)
{
    guint n = b->cut_lines->len;
    if (n == 0)
        return;
    g_autofree IpPrefix *prefixes = g_new(IpPrefix, n);
    g_autofree char **lines = g_new(char *, n);
    guint m = 0;
    for (guint i = 0; i < n; i++) {
        CutLine *cl = &g_array_index(b->cut_lines, CutLine, i);
        if (g_hash_table_contains(b->table, &cl->prefix)) {
            prefixes[m] = cl->prefix;
            lines[m++] = g_steal_pointer(&cl->line);
        }
    }
    if (m > 0)
        b->cut_func(b, prefixes, lines, m, b->cut_data);
    for (guint i = 0; i < n; i++) {
        const CutLine *cl = &g_array_index(b->cut_lines, CutLine, i);
        if (cl->line)
            g_message("%s cut_conntrack=0 cut_sockets=0", cl->line);
    }
    g_array_set_size(b->cut_lines, 0);
}

BansResult
bans_add(Bans *b, const BanRequest *req, Ban *out)
{
    g_return_val_if_fail(b != NULL && req != NULL, BANS_REFUSED);
    g_return_val_if_fail(ipprefix_is_valid(&req->prefix), BANS_REFUSED);
    g_return_val_if_fail(req->permanent || req->duration_s > 0, BANS_REFUSED);
    gint64 real = now_real(b), mono = now_mono(b);
    /* Durations are capped so that now + duration cannot overflow; ~292 years is plenty. */
    gint64 duration_s = req->permanent ? G_MAXINT64 : MIN(req->duration_s, (gint64)1 << 32);
    gint64 expires = req->permanent ? BAN_EXPIRES_NEVER : real + duration_s * G_USEC_PER_SEC;
    gint64 deadline = req->permanent ? G_MAXINT64 : mono + duration_s * G_USEC_PER_SEC;
    Entry *e = g_hash_table_lookup(b->table, &req->prefix);
    if (!e) {
        if (b->counts.total >= b->opts.max_bans) {
            warn_full(b, &req->prefix);
            return BANS_REFUSED;
        }
        guint32 count = 0;
        g_autoptr(GError) err = NULL;
        if (!store_get_ban_count(b->store, &req->prefix, &count, NULL, &err))
            g_warning("bans: reading the earlier bans of a prefix: %s; counting none",
                      err->message);
        Ban ban;
        memset(&ban, 0, sizeof ban);
        ban.prefix = req->prefix;
        ban.expires_us = expires;
        ban.created_us = real;
        ban.first_seen_us = req->first_seen_us > 0 ? MIN(req->first_seen_us, real) : real;
        ban.last_seen_us = real;
        ban.violations = req->alerts;
        ban.prior_bans = count;
        ban.source = req->source;
        set_rule(&ban, req);
        e = insert_entry(b, &ban, deadline);
        store_put_ban(b->store, &ban);
        store_put_ban_count(b->store, &e->core.prefix, count + 1, real);
        mark_dirty(b, &e->core.prefix);
        log_ban(b, "ban", e, req, duration_s);
        b->counts.added[MIN(req->source, 2)]++;
        if (out)
            *out = ban;
        return BANS_ADDED;
    }

    BansResult result = BANS_UNCHANGED;
    gint64 old_deadline = e->deadline_us;
    gboolean was_permanent = e->core.expires_us == BAN_EXPIRES_NEVER;
    count_entry(b, e, -1); /* the counters are per source and kind, which may change */
    e->core.violations = (guint32)MIN((guint64)e->core.violations + req->alerts, G_MAXUINT32);
    e->core.last_seen_us = real;
    if (req->source == BAN_SOURCE_MANUAL) {
        /* An operator's word is final: set exactly what was asked. */
        if (e->core.expires_us != expires || e->core.source != BAN_SOURCE_MANUAL)
            result = BANS_EXTENDED;
        e->core.source = BAN_SOURCE_MANUAL;
        e->core.expires_us = expires;
        e->deadline_us = deadline;
        e->core.gid = req->gid;
        e->core.sid = req->sid;
        e->core.rev = req->rev;
        intern_set(b, &e->msg, req->msg, BAN_MSG_MAX);
        intern_set(b, &e->reason, req->reason, BAN_REASON_MAX);
        intern_set(b, &e->origin, "", BAN_ORIGIN_MAX); /* now this node's own ban */
    } else {
        if (req->gid || req->sid) {
            e->core.gid = req->gid;
            e->core.sid = req->sid;
            e->core.rev = req->rev;
            intern_set(b, &e->msg, req->msg, BAN_MSG_MAX);
        }
        if (!was_permanent && deadline > e->deadline_us) {
            e->core.expires_us = expires;
            e->deadline_us = deadline;
            result = BANS_EXTENDED;
        }
    }
    count_entry(b, e, +1);
    heap_fix(b, e);
    put_entry(b, e);
    request_commit(b);
    if (result == BANS_EXTENDED)
        b->counts.extended[MIN(req->source, 2)]++;
    if (result == BANS_EXTENDED)
        log_ban(b, e->deadline_us >= old_deadline ? "extend" : "shorten", e, req, duration_s);
    if (out)
        entry_to_ban(e, out);
    return result;
}

gboolean
bans_remove(Bans *b, const IpPrefix *prefix, const char *reason)
{
    g_return_val_if_fail(b != NULL && prefix != NULL, FALSE);
    Entry *e = g_hash_table_lookup(b->table, prefix);
    if (!e)
        return FALSE;
    log_unban_entry(b, e, reason ? reason : "manual", now_real(b));
    drop_entry(b, e);
    if (b->counts.total < b->opts.max_bans)
        b->full_warned = FALSE;
    return TRUE;
}

gboolean
bans_lookup(Bans *b, const IpPrefix *prefix, Ban *out)
{
    g_return_val_if_fail(b != NULL && prefix != NULL, FALSE);
    Entry *e = g_hash_table_lookup(b->table, prefix);
    if (e && out)
        entry_to_ban(e, out);
    return e != NULL;
}

gboolean
bans_lookup_addr(Bans *b, const IpAddr *addr, Ban *out)
{
    g_return_val_if_fail(b != NULL && addr != NULL, FALSE);
    guint bits = ipaddr_bits(addr);
    int f = family_index(addr);
    for (gint len = (gint)bits; len >= 0; len--) {
        if (b->n_prefix_len[f][len] == 0)
            continue;
        IpPrefix p;
        memset(&p, 0, sizeof p);
        p.addr.family = addr->family;
        p.len = (guint8)len;
        for (gint i = 0; i < len; i++) {
            if (addr->bytes[i / 8] & (0x80u >> (i % 8)))
                p.addr.bytes[i / 8] |= (guint8)(0x80u >> (i % 8));
        }
        Entry *e = g_hash_table_lookup(b->table, &p);
        if (e) {
            if (out)
                entry_to_ban(e, out);
            return TRUE;
        }
    }
    return FALSE;
}

guint32
bans_prior_bans(Bans *b, const IpPrefix *prefix)
{
    g_return_val_if_fail(b != NULL && prefix != NULL, 0);
    Entry *e = g_hash_table_lookup(b->table, prefix);
    if (e)
        return e->core.prior_bans;
    guint32 count = 0;
    g_autoptr(GError) err = NULL;
    if (!store_get_ban_count(b->store, prefix, &count, NULL, &err)) {
        g_warning("bans: reading the earlier bans of a prefix: %s; counting none", err->message);
        return 0;
    }
    return count;
}

static gint
entry_cmp(gconstpointer a, gconstpointer c)
{
    const Entry *x = *(Entry *const *)a, *y = *(Entry *const *)c;
    if (x == y)
        return 0;
    return entry_before(x, y) ? -1 : 1;
}

void
bans_list(Bans *b, GArray *out)
{
    g_return_if_fail(b != NULL && out != NULL);
    g_autoptr(GPtrArray) all = g_ptr_array_sized_new(g_hash_table_size(b->table));
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, b->table);
    while (g_hash_table_iter_next(&it, &value, NULL))
        g_ptr_array_add(all, value);
    g_ptr_array_sort(all, entry_cmp);
    guint base = out->len;
    g_array_set_size(out, base + all->len);
    for (guint i = 0; i < all->len; i++)
        entry_to_ban(all->pdata[i], &g_array_index(out, Ban, base + i));
}

/* The page is a max-heap of the best max entries seen so far (its root the last of them), so
 * a page of k costs n log k however large the table. */
typedef struct {
    BansCompareFunc cmp;
    gpointer data;
} PageOrder;

static gint
page_cmp(const Entry *x, const Entry *y, const PageOrder *o)
{
    return o->cmp(&x->core, &y->core, o->data);
}

static void
page_sift_down(const Entry **heap, guint n, guint i, const PageOrder *o)
{
    for (;;) {
        guint big = i, l = 2 * i + 1, r = l + 1;
        if (l < n && page_cmp(heap[l], heap[big], o) > 0)
            big = l;
        if (r < n && page_cmp(heap[r], heap[big], o) > 0)
            big = r;
        if (big == i)
            return;
        const Entry *t = heap[i];
        heap[i] = heap[big];
        heap[big] = t;
        i = big;
    }
}

static gint
page_sort_cmp(gconstpointer a, gconstpointer c, gpointer data)
{
    return page_cmp(*(const Entry *const *)a, *(const Entry *const *)c, data);
}

void
bans_list_page(Bans *b, BansWantFunc wants, BansCompareFunc cmp, gpointer data, guint max,
               GArray *out, gboolean *more)
{
    g_return_if_fail(b != NULL && wants != NULL && cmp != NULL && out != NULL && more != NULL);
    PageOrder o = {cmp, data};
    guint cap = MIN(max, g_hash_table_size(b->table));
    g_autofree const Entry **heap = g_new(const Entry *, MAX(cap, 1));
    guint n = 0;
    *more = FALSE;
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, b->table);
    while (g_hash_table_iter_next(&it, &value, NULL)) {
        const Entry *e = value;
        if (!wants(&e->core, data))
            continue;
        if (n < cap) {
            /* Sift up. */
            guint i = n++;
            heap[i] = e;
            while (i > 0 && page_cmp(heap[(i - 1) / 2], heap[i], &o) < 0) {
                const Entry *t = heap[i];
                heap[i] = heap[(i - 1) / 2];
                heap[(i - 1) / 2] = t;
                i = (i - 1) / 2;
            }
            continue;
        }
        *more = TRUE;
        if (n > 0 && page_cmp(e, heap[0], &o) < 0) {
            heap[0] = e;
            page_sift_down(heap, n, 0, &o);
        }
    }
    g_qsort_with_data(heap, (gint)n, sizeof *heap, page_sort_cmp, &o);
    guint base = out->len;
    g_array_set_size(out, base + n);
    for (guint i = 0; i < n; i++)
        entry_to_ban(heap[i], &g_array_index(out, Ban, base + i));
}

void
bans_foreach_core(Bans *b, BansCoreFunc func, gpointer user_data)
{
    g_return_if_fail(b != NULL && func != NULL);
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, b->table);
    while (g_hash_table_iter_next(&it, &value, NULL))
        func(&((const Entry *)value)->core, user_data);
}

gint64
bans_remaining_s(Bans *b, const IpPrefix *prefix)
{
    g_return_val_if_fail(b != NULL && prefix != NULL, -1);
    Entry *e = g_hash_table_lookup(b->table, prefix);
    if (!e)
        return -1;
    if (e->deadline_us == G_MAXINT64)
        return G_MAXINT64;
    gint64 left = e->deadline_us - now_mono(b);
    return left <= 0 ? 0 : (left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

void
bans_counts(Bans *b, BansCounts *out)
{
    g_return_if_fail(b != NULL && out != NULL);
    *out = b->counts;
    out->fw_pending = g_hash_table_size(b->dirty);
}

/* ---- expiry ---- */

static void
check_clock_step(Bans *b, gint64 real, gint64 mono)
{
    gint64 offset = real - mono;
    gint64 step = offset - b->clock_offset_us;
    if (step > 2 * G_USEC_PER_SEC || step < -2 * G_USEC_PER_SEC)
        g_warning("bans: the real-time clock stepped by %" G_GINT64_FORMAT
                  " s; bans keep the time they had left",
                  step / G_USEC_PER_SEC);
    b->clock_offset_us = offset;
}

guint
bans_expire_due(Bans *b)
{
    g_return_val_if_fail(b != NULL, 0);
    gint64 real = now_real(b), mono = now_mono(b);
    check_clock_step(b, real, mono);
    guint n = 0;
    while (b->heap->len > 0 && n < b->opts.expire_batch_max) {
        Entry *e = b->heap->pdata[0];
        if (e->deadline_us > mono)
            break;
        log_unban_entry(b, e, "expired", real);
        drop_entry(b, e);
        n++;
    }
    if (n > 0 && b->counts.total < b->opts.max_bans)
        b->full_warned = FALSE;
    return n;
}

gboolean
bans_next_deadline(Bans *b, gint64 *mono_us)
{
    g_return_val_if_fail(b != NULL, FALSE);
    if (b->heap->len == 0)
        return FALSE;
    if (mono_us)
        *mono_us = ((Entry *)b->heap->pdata[0])->deadline_us;
    return TRUE;
}

/* ---- committing, retrying, the main-loop sources ---- */

static void
give_back_memory(void)
{
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

/*
 * A turn with many store rows and many firewall changes (a burst, a joined snapshot's chunk)
 * commits the store in a thread of its own while this one makes the firewall change: the two
 * are independent (the store's connection is used by that thread alone until it is joined,
 * and the firewall code never touches the store), and on two CPUs they take about as long as
 * the slower of them instead of both. A crash in between leaves either side ahead, which the
 * reconcile at start repairs as it does for the sequential order. The turn still ends when
 * both are done, so every reply and count after it is as true as before.
 */
#define BANS_PARALLEL_MIN 1000

typedef struct {
    Store *store;
    gboolean ok;
    gint64 us;
    GError *error;
} StoreCommitJob;

static gpointer
store_commit_thread(gpointer data)
{
    StoreCommitJob *job = data;
    gint64 t0 = g_get_monotonic_time();
    job->ok = store_commit(job->store, &job->error);
    job->us = g_get_monotonic_time() - t0;
    return NULL;
}

/* The store commit's outcome, in the table's state; FALSE (error set) when it failed. */
static gboolean
store_committed(Bans *b, gboolean ok, GError **err)
{
    if (ok) {
        b->store_failed = FALSE;
        return TRUE;
    }
    b->counts.store_failures++;
    if (!b->store_failed)
        g_warning("bans: commit failed, retrying with backoff; the firewall follows the"
                  " table meanwhile: %s",
                  (*err)->message);
    b->store_failed = TRUE;
    return FALSE;
}

gboolean
bans_commit(Bans *b, GError **error)
{
    g_return_val_if_fail(b != NULL, FALSE);
    gboolean ok = TRUE;
    g_autoptr(GError) err = NULL;
    gint64 t0 = g_get_monotonic_time(), t1;
    guint n_store = store_pending(b->store);
    StoreCommitJob job = {.store = b->store};
    GThread *store_thread = NULL;
    if (n_store >= BANS_PARALLEL_MIN && g_hash_table_size(b->dirty) >= BANS_PARALLEL_MIN)
        store_thread = g_thread_try_new("store-commit", store_commit_thread, &job, NULL);
    if (n_store > 0 && !store_thread) {
        if (!store_committed(b, store_commit(b->store, &err), &err)) {
            g_propagate_error(error, g_steal_pointer(&err));
            ok = FALSE;
        }
    }
    t1 = g_get_monotonic_time();
    if (b->turn_func && g_hash_table_size(b->dirty) > 0)
        b->turn_func(b, b->counts.total, b->turn_data);
    guint n = g_hash_table_size(b->dirty);
    BansCommitTiming timing = {.store_rows = n_store, .store_us = n_store ? t1 - t0 : 0,
                               .store_ok = !b->store_failed, .fw_changes = n, .fw_ok = TRUE};
    if (n > 0) {
        g_autofree FwChange *changes = g_new0(FwChange, n);
        GHashTableIter it;
        gpointer key;
        guint i = 0;
        gint64 mono = now_mono(b);
        g_hash_table_iter_init(&it, b->dirty);
        while (g_hash_table_iter_next(&it, &key, NULL)) {
            const IpPrefix *p = key;
            const Entry *e = g_hash_table_lookup(b->table, p);
            changes[i].prefix = *p;
            if (e) {
                changes[i].kind = FW_CHANGE_ADD;
                changes[i].timeout_s = entry_timeout_s(e, mono);
            } else {
                changes[i].kind = FW_CHANGE_REMOVE;
            }
            i++;
        }
        /* Either way the dirty set is done with: applied, or left to the reconcile retry,
         * which makes the whole firewall equal to the table. */
        g_hash_table_remove_all(b->dirty);
        if (!fw_apply(b->fw, changes, n, &err)) {
            g_autofree char *what = g_strdup_printf("firewall change of %u entries", n);
            note_fw_failure(b, err, what);
            if (ok)
                g_propagate_error(error, g_steal_pointer(&err));
            ok = FALSE;
            timing.fw_ok = FALSE;
        }
        timing.fw_us = g_get_monotonic_time() - t1;
    }
    if (store_thread) {
        g_thread_join(store_thread);
        timing.store_us = job.us;
        if (!store_committed(b, job.ok, &job.error)) {
            /* The store's failure is the one reported, as in the sequential order. */
            g_clear_error(error);
            g_propagate_error(error, g_steal_pointer(&job.error));
            ok = FALSE;
        }
        g_clear_error(&job.error);
        timing.store_ok = !b->store_failed;
    }
    if (b->commit_func && n_store + n > 0)
        b->commit_func(b, &timing, b->commit_data);
    /* After the firewall change, whether it succeeded or waits for a retry: the ban stands
     * either way, and what it cuts is counted on its line. */
    cut_new_bans(b);
    if (b->store_failed || b->fw_failed)
        schedule_retry(b);
    rearm_expiry(b);
    /* A large turn's queues (store rows, firewall batch, dirty set) were freed just now; glibc
     * keeps freed memory for reuse unless asked, and a burst of 100,000 bans would leave the
     * daemon about 150 bytes per ban larger for good. Giving it back costs a few ms, once the
     * large turns have stopped (schedule_trim()). */
    if (n_store + n >= BANS_TRIM_AFTER)
        schedule_trim(b);
    if (n_store + n > 0 && log_level_enabled(G_LOG_LEVEL_DEBUG))
        g_debug("bans: commit: store_rows=%u commit_us=%" G_GINT64_FORMAT " fw_changes=%u"
                " fw_us=%" G_GINT64_FORMAT " store_thread=%d",
                n_store, timing.store_us, n, timing.fw_us, store_thread != NULL);
    return ok;
}

gboolean
bans_retry(Bans *b, GError **error)
{
    g_return_val_if_fail(b != NULL, FALSE);
    g_autoptr(GError) err = NULL;
    if (b->store_failed || store_pending(b->store) > 0) {
        if (!store_commit(b->store, &err)) {
            b->counts.store_failures++;
            b->store_failed = TRUE;
            g_warning("bans: commit retry failed: %s", err->message);
            schedule_retry(b);
            g_propagate_error(error, g_steal_pointer(&err));
            return FALSE;
        }
        if (b->store_failed)
            g_message("bans: commit succeeded after a failure");
        b->store_failed = FALSE;
    }
    if (b->fw_failed && !bans_reconcile(b, NULL, error))
        return FALSE;
    b->retry_delay_ms = b->opts.retry_min_ms;
    destroy_source(&b->retry_source);
    return TRUE;
}

gboolean
bans_degraded(Bans *b)
{
    return b->store_failed || b->fw_failed;
}

void
bans_set_commit_func(Bans *b, BansCommitFunc func, gpointer user_data)
{
    g_return_if_fail(b != NULL);
    b->commit_func = func;
    b->commit_data = user_data;
}

GHashTable *
bans_lifted(Bans *b)
{
    g_return_val_if_fail(b != NULL, NULL);
    return b->lifted;
}

void
bans_set_turn_func(Bans *b, BansTurnFunc func, gpointer user_data)
{
    b->turn_func = func;
    b->turn_data = user_data;
}

void
bans_set_cut_func(Bans *b, BansCutFunc func, gpointer user_data)
{
    g_return_if_fail(b != NULL);
    b->cut_func = func;
    b->cut_data = user_data;
}

void
bans_set_fw(Bans *b, Fw *fw)
{
    g_return_if_fail(b != NULL && fw != NULL);
    b->fw = fw;
}

gboolean
bans_move_to_fw(Bans *b, Fw *fw, FwReconcileStats *stats, GError **error)
{
    g_return_val_if_fail(b != NULL && fw != NULL, FALSE);
    if (!fw_ensure(fw, error))
        return FALSE;
    g_autoptr(GArray) desired = desired_changes(b);
    FwReconcileStats s = {0};
    if (!fw_reconcile_timed(fw, (const FwChange *)desired->data, desired->len, &s, error))
        return FALSE;
    b->fw = fw;
    /* The new backend holds the whole table, this turn's changes included. */
    g_hash_table_remove_all(b->dirty);
    b->fw_failed = FALSE;
    if (stats)
        *stats = s;
    return TRUE;
}

gboolean
bans_fw_flush(Bans *b, GError **error)
{
    g_return_val_if_fail(b != NULL, FALSE);
    if (!fw_flush(b->fw, error))
        return FALSE;
    g_hash_table_remove_all(b->dirty);
    g_message("bans: removed every firewall entry and chain; %u bans stay stored", b->counts.total);
    return TRUE;
}

static gboolean
on_commit_idle(gpointer data)
{
    Bans *b = data;
    g_source_unref(b->commit_source);
    b->commit_source = NULL;
    bans_commit(b, NULL);
    return G_SOURCE_REMOVE;
}

/* Asks for a commit in the main loop's next iteration (an idle source). No-op unless
 * attached. */
static void
request_commit(Bans *b)
{
    g_return_if_fail(b != NULL);
    if (!b->ctx || b->commit_source)
        return;
    b->commit_source = g_idle_source_new();
    g_source_set_priority(b->commit_source, G_PRIORITY_DEFAULT); /* see the block comment */
    g_source_set_callback(b->commit_source, on_commit_idle, b, NULL);
    g_source_set_static_name(b->commit_source, "alertban bans commit");
    g_source_attach(b->commit_source, b->ctx);
}

static gboolean
on_expiry(gpointer data)
{
    Bans *b = data;
    g_source_unref(b->expiry_source);
    b->expiry_source = NULL;
    bans_expire_due(b);
    bans_commit(b, NULL); /* re-arms */
    return G_SOURCE_REMOVE;
}

/* Arms the one expiry timer for the heap's top, unless it is armed for that deadline. The
 * delay is rounded up to the millisecond, so a ban never ends before its second. */
static void
rearm_expiry(Bans *b)
{
    if (!b->ctx)
        return;
    gint64 deadline;
    if (!bans_next_deadline(b, &deadline)) {
        destroy_source(&b->expiry_source);
        return;
    }
    if (b->expiry_source && b->expiry_source_deadline == deadline)
        return;
    destroy_source(&b->expiry_source);
    gint64 delay_us = MAX(deadline - now_mono(b), 0);
    guint delay_ms = (guint)MIN((delay_us + 999) / 1000, (gint64)G_MAXUINT);
    b->expiry_source = g_timeout_source_new(delay_ms);
    b->expiry_source_deadline = deadline;
    g_source_set_callback(b->expiry_source, on_expiry, b, NULL);
    g_source_set_static_name(b->expiry_source, "alertban bans expiry");
    g_source_attach(b->expiry_source, b->ctx);
}

static gboolean
on_trim(gpointer data)
{
    Bans *b = data;
    g_source_unref(b->trim_source);
    b->trim_source = NULL;
    give_back_memory();
    return G_SOURCE_REMOVE;
}

/* Gives freed memory back once large commits have stopped for BANS_TRIM_QUIET_MS (at once
 * when the table is not attached to a loop). */
static void
schedule_trim(Bans *b)
{
    if (!b->ctx) {
        give_back_memory();
        return;
    }
    destroy_source(&b->trim_source);
    b->trim_source = g_timeout_source_new(BANS_TRIM_QUIET_MS);
    g_source_set_callback(b->trim_source, on_trim, b, NULL);
    g_source_set_static_name(b->trim_source, "alertban bans trim");
    g_source_attach(b->trim_source, b->ctx);
}

static gboolean
on_retry(gpointer data)
{
    Bans *b = data;
    g_source_unref(b->retry_source);
    b->retry_source = NULL;
    bans_retry(b, NULL);
    return G_SOURCE_REMOVE;
}

static void
schedule_retry(Bans *b)
{
    if (!b->ctx || b->retry_source)
        return;
    guint delay = b->retry_delay_ms;
    if (b->fw_failed && b->busy_since_us != 0 && !b->store_failed)
        delay = b->opts.busy_retry_ms; /* waiting for a lock, not backing off from a fault */
    else
        b->retry_delay_ms = (guint)MIN((guint64)delay * 2, (guint64)b->opts.retry_max_ms);
    b->retry_source = g_timeout_source_new(delay);
    g_source_set_callback(b->retry_source, on_retry, b, NULL);
    g_source_set_static_name(b->retry_source, "alertban bans retry");
    g_source_attach(b->retry_source, b->ctx);
}

void
bans_attach(Bans *b, GMainContext *ctx)
{
    g_return_if_fail(b != NULL && b->ctx == NULL);
    b->ctx = ctx ? g_main_context_ref(ctx) : g_main_context_ref(g_main_context_default());
    rearm_expiry(b);
    if (store_pending(b->store) > 0 || g_hash_table_size(b->dirty) > 0)
        request_commit(b);
    if (bans_degraded(b))
        schedule_retry(b);
}
