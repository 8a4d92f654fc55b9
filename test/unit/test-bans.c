// SPDX-License-Identifier: GPL-2.0-or-later
// Unit tests for the ban table against the fake firewall and a real store, with the clock
// injected: batching, expiry, extension, escalation, clock steps, failures and restarts.
#include "bans.h"
#include "bans_internal.h"

#include <sqlite3.h>
#include <string.h>

#include "error.h"
#include "fw_backends.h"
#include "testutil.h"

#define S ((gint64)G_USEC_PER_SEC)
#define T0_REAL ((gint64)1800000000 * S) /* 2027-01-15 */
#define T0_MONO ((gint64)5000 * S)

/* The injected clock. In live mode both clocks also advance with GLib's monotonic clock, so
 * the main loop's timeouts line up with the table's deadlines. */
typedef struct {
    gint64 real, mono;
    gboolean live;
} TestClock;

static gint64
clock_real(gpointer data)
{
    TestClock *c = data;
    return c->real + (c->live ? g_get_monotonic_time() : 0);
}

static gint64
clock_mono(gpointer data)
{
    TestClock *c = data;
    return c->mono + (c->live ? g_get_monotonic_time() : 0);
}

typedef struct {
    char *dir;
    TestClock clock;
    BansOptions opts;
    Store *store;
    Fw *fw;
    Bans *bans;
} Fixture;

static void
fixture_open(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    f->store = store_open(f->dir, NULL, &error);
    g_assert_no_error(error);
    BansClock bc = {clock_real, clock_mono, &f->clock};
    f->bans = bans_new(f->store, f->fw, &f->opts, &bc);
}

static void
fixture_close(Fixture *f)
{
    g_clear_pointer(&f->bans, bans_free);
    g_clear_pointer(&f->store, store_free);
}

static void
fixture_set_up(Fixture *f, gconstpointer data)
{
    (void)data;
    test_log_clear();
    f->dir = test_mkdtemp();
    f->clock.real = T0_REAL;
    f->clock.mono = T0_MONO;
    f->clock.live = FALSE;
    bans_options_init(&f->opts);
    f->fw = fw_fake_new();
    fixture_open(f);
}

static void
fixture_tear_down(Fixture *f, gconstpointer data)
{
    (void)data;
    fixture_close(f);
    fw_free(f->fw);
    test_rm_rf(f->dir);
    g_free(f->dir);
}

static void
advance(Fixture *f, gint64 us)
{
    f->clock.real += us;
    f->clock.mono += us;
}

static IpPrefix
pfx(const char *text)
{
    IpPrefix p;
    g_autoptr(GError) error = NULL;
    g_assert_true(ipprefix_parse(text, &p, &error));
    return p;
}

static BanRequest
policy_req(const char *prefix, gint64 duration_s)
{
    BanRequest r;
    memset(&r, 0, sizeof r);
    r.prefix = pfx(prefix);
    r.source = BAN_SOURCE_POLICY;
    r.duration_s = duration_s;
    r.gid = 1;
    r.sid = 2001219;
    r.rev = 20;
    r.msg = "ET SCAN Potential SSH Scan";
    r.reason = "threshold";
    r.alerts = 5;
    r.window_s = 60;
    return r;
}

static BanRequest
manual_req(const char *prefix, gint64 duration_s, gboolean permanent)
{
    BanRequest r;
    memset(&r, 0, sizeof r);
    r.prefix = pfx(prefix);
    r.source = BAN_SOURCE_MANUAL;
    r.duration_s = duration_s;
    r.permanent = permanent;
    r.reason = "manual";
    return r;
}

static void
flush_ok(Fixture *f)
{
    g_autoptr(GError) error = NULL;
    g_assert_true(bans_commit(f->bans, &error));
    g_assert_no_error(error);
}

/* The fake kernel's entries. */
static GArray *
installed(Fixture *f)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    g_assert_true(fw_list(f->fw, out, NULL));
    return out;
}

static gboolean
is_installed(Fixture *f, const char *prefix)
{
    g_autoptr(GArray) all = installed(f);
    IpPrefix p = pfx(prefix);
    guint n = 0;
    for (guint i = 0; i < all->len; i++)
        n += ipprefix_equal(&g_array_index(all, IpPrefix, i), &p);
    g_assert_cmpuint(n, <=, 1);
    return n == 1;
}

static guint
n_installed(Fixture *f)
{
    g_autoptr(GArray) all = installed(f);
    return all->len;
}

static GArray *
stored_bans(Fixture *f, gint64 now_real)
{
    g_autoptr(GError) error = NULL;
    GArray *out = g_array_new(FALSE, FALSE, sizeof(Ban));
    g_assert_true(store_load_bans(f->store, now_real, out, out, NULL, &error));
    return out;
}

/* Every field of two Bans (not their padding, nor the bytes after each string's end). */
static void
assert_ban_equal(const Ban *a, const Ban *b)
{
    g_assert_true(ipprefix_equal(&a->prefix, &b->prefix));
    g_assert_cmpint(a->expires_us, ==, b->expires_us);
    g_assert_cmpint(a->created_us, ==, b->created_us);
    g_assert_cmpint(a->first_seen_us, ==, b->first_seen_us);
    g_assert_cmpint(a->last_seen_us, ==, b->last_seen_us);
    g_assert_cmpuint(a->violations, ==, b->violations);
    g_assert_cmpuint(a->prior_bans, ==, b->prior_bans);
    g_assert_cmpuint(a->gid, ==, b->gid);
    g_assert_cmpuint(a->sid, ==, b->sid);
    g_assert_cmpuint(a->rev, ==, b->rev);
    g_assert_cmpint(a->source, ==, b->source);
    g_assert_cmpstr(a->reason, ==, b->reason);
    g_assert_cmpstr(a->msg, ==, b->msg);
}

static const Ban *
find_ban(GArray *bans, const char *prefix)
{
    IpPrefix p = pfx(prefix);
    for (guint i = 0; i < bans->len; i++) {
        if (ipprefix_equal(&g_array_index(bans, Ban, i).prefix, &p))
            return &g_array_index(bans, Ban, i);
    }
    return NULL;
}

/* ---- adding and flushing ---- */

static void
test_add_new(Fixture *f, gconstpointer data)
{
    (void)data;
    BanRequest r = policy_req("203.0.113.7", 3600);
    r.msg = "evil \"msg\"\n";
    Ban ban;
    g_assert_cmpint(bans_add(f->bans, &r, &ban), ==, BANS_ADDED);
    g_assert_cmpint(ban.expires_us, ==, T0_REAL + 3600 * S);
    g_assert_cmpint(ban.created_us, ==, T0_REAL);
    g_assert_cmpuint(ban.violations, ==, 5);
    g_assert_cmpuint(ban.prior_bans, ==, 0);
    test_log_assert("ban addr=203.0.113.7 rule=1:2001219:20 alerts=5 window_s=60 duration_s=3600"
                    " prior_bans=0 violations=5 source=policy reason=threshold"
                    " msg=\"evil \\\"msg\\\"\\x0a\"");
    Ban looked;
    g_assert_true(bans_lookup(f->bans, &r.prefix, &looked));
    assert_ban_equal(&looked, &ban);

    /* Nothing reaches the store or the kernel before the turn ends. */
    g_assert_cmpuint(n_installed(f), ==, 0);
    g_autoptr(GArray) before = stored_bans(f, T0_REAL);
    g_assert_cmpuint(before->len, ==, 0);
    flush_ok(f);
    g_assert_true(is_installed(f, "203.0.113.7"));
    g_assert_cmpuint(fw_fake_commits(f->fw), ==, 1);
    g_autoptr(GArray) after = stored_bans(f, T0_REAL);
    g_assert_cmpuint(after->len, ==, 1);
    g_assert_cmpint(g_array_index(after, Ban, 0).expires_us, ==, T0_REAL + 3600 * S);
    g_assert_cmpint(bans_remaining_s(f->bans, &r.prefix), ==, 3600);
    /* A flush with nothing queued commits nothing. */
    flush_ok(f);
    g_assert_cmpuint(fw_fake_commits(f->fw), ==, 1);
}

static void
test_one_commit_per_turn(Fixture *f, gconstpointer data)
{
    (void)data;
    const guint n = 2000;
    for (guint i = 0; i < n; i++) {
        char text[IPADDR_STRLEN];
        g_snprintf(text, sizeof text, "198.18.%u.%u", i / 256, i % 256);
        BanRequest r = policy_req(text, 600 + i);
        g_assert_cmpint(bans_add(f->bans, &r, NULL), ==, BANS_ADDED);
    }
    flush_ok(f);
    g_assert_cmpuint(fw_fake_commits(f->fw), ==, 1);
    g_assert_cmpuint(n_installed(f), ==, n);
    g_autoptr(GArray) stored = stored_bans(f, T0_REAL);
    g_assert_cmpuint(stored->len, ==, n);

    /* A turn that bans and unbans the same address sends the end state only. */
    BanRequest r = policy_req("203.0.113.1", 60);
    g_assert_cmpint(bans_add(f->bans, &r, NULL), ==, BANS_ADDED);
    g_assert_true(bans_remove(f->bans, &r.prefix, "manual"));
    g_assert_false(bans_remove(f->bans, &r.prefix, "manual"));
    flush_ok(f);
    g_assert_cmpuint(fw_fake_commits(f->fw), ==, 2);
    g_assert_false(is_installed(f, "203.0.113.1"));
    g_assert_cmpuint(n_installed(f), ==, n);
}

/* A backend that checks, at each apply, that the store already holds what the kernel is
 * being told: state first, then the kernel. It forwards to the fake. */
typedef struct {
    Fw parent;
    Fw *inner;
    char *db_path;
    guint applies, checked;
} OrderFw;

static gboolean
order_apply(Fw *fw, const FwChange *changes, gsize n, GError **error)
{
    OrderFw *o = (OrderFw *)fw;
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open_v2(o->db_path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
    sqlite3_stmt *st = NULL;
    g_assert_cmpint(sqlite3_prepare_v2(db,
                                       "SELECT count(*) FROM bans WHERE addr = ?1 AND"
                                       " prefix_len = ?2",
                                       -1, &st, NULL),
                    ==, SQLITE_OK);
    for (gsize i = 0; i < n; i++) {
        const IpPrefix *p = &changes[i].prefix;
        sqlite3_reset(st);
        sqlite3_bind_blob(st, 1, p->addr.bytes, (int)ipaddr_bits(&p->addr) / 8, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, p->len);
        g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
        g_assert_cmpint(sqlite3_column_int(st, 0), ==, changes[i].kind == FW_CHANGE_ADD ? 1 : 0);
        o->checked++;
    }
    sqlite3_finalize(st);
    sqlite3_close(db);
    o->applies++;
    return fw_apply(o->inner, changes, n, error);
}

static gboolean
order_ensure(Fw *fw, GError **error)
{
    return fw_ensure(((OrderFw *)fw)->inner, error);
}

static gboolean
order_list(Fw *fw, GArray *out, GError **error)
{
    return fw_list(((OrderFw *)fw)->inner, out, error);
}

static gboolean
order_reconcile(Fw *fw, const IpPrefix *desired, gsize n, FwReconcileStats *stats, GError **error)
{
    return fw_reconcile(((OrderFw *)fw)->inner, desired, n, stats, error);
}

static gboolean
order_flush(Fw *fw, GError **error)
{
    return fw_flush(((OrderFw *)fw)->inner, error);
}

static void
order_free(Fw *fw)
{
    OrderFw *o = (OrderFw *)fw;
    fw_free(o->inner);
    g_free(o->db_path);
    g_free(o);
}

static const FwOps order_ops = {
    .name = "order-check",
    .ensure = order_ensure,
    .apply = order_apply,
    .list = order_list,
    .reconcile = order_reconcile,
    .flush = order_flush,
    .free = order_free,
};

static void
test_store_before_kernel(Fixture *f, gconstpointer data)
{
    (void)data;
    OrderFw *o = g_new0(OrderFw, 1);
    o->parent.ops = &order_ops;
    o->inner = fw_fake_new();
    o->db_path = g_strdup(store_path(f->store));
    g_autoptr(Fw) fw = &o->parent;
    BansClock bc = {clock_real, clock_mono, &f->clock};
    g_autoptr(Bans) bans = bans_new(f->store, fw, &f->opts, &bc);
    for (guint i = 0; i < 20; i++) {
        char text[IPADDR_STRLEN];
        g_snprintf(text, sizeof text, "198.51.100.%u", i + 1);
        BanRequest r = policy_req(text, 10 + i % 2);
        bans_add(bans, &r, NULL);
    }
    BanRequest m = manual_req("2001:db8:9::/48", 30, FALSE);
    bans_add(bans, &m, NULL);
    g_assert_true(bans_commit(bans, NULL));
    advance(f, 10 * S);
    g_assert_cmpuint(bans_expire_due(bans), ==, 10);
    g_assert_true(bans_commit(bans, NULL));
    g_assert_true(bans_remove(bans, &m.prefix, "manual"));
    g_assert_true(bans_commit(bans, NULL));
    g_assert_cmpuint(o->applies, ==, 3);
    g_assert_cmpuint(o->checked, ==, 21 + 10 + 1);
}

/* ---- expiry ---- */

static void
test_expire_on_time(Fixture *f, gconstpointer data)
{
    (void)data;
    const char *at10[] = {"203.0.113.1", "203.0.113.2", "2001:db8::3"};
    for (guint i = 0; i < G_N_ELEMENTS(at10); i++) {
        BanRequest r = policy_req(at10[i], 10);
        bans_add(f->bans, &r, NULL);
    }
    BanRequest later = policy_req("203.0.113.4", 20);
    bans_add(f->bans, &later, NULL);
    BanRequest forever = manual_req("192.0.2.1", 0, TRUE);
    bans_add(f->bans, &forever, NULL);
    flush_ok(f);
    g_assert_cmpuint(n_installed(f), ==, 5);
    gint64 next = 0;
    g_assert_true(bans_next_deadline(f->bans, &next));
    g_assert_cmpint(next, ==, T0_MONO + 10 * S);

    test_log_clear();
    advance(f, 10 * S - 1);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
    advance(f, 1);
    /* All three that end at the same second go in one pass and one firewall commit. */
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 3);
    g_assert_cmpuint(test_log_count("unban addr=* reason=expired"), ==, 3);
    test_log_assert("unban addr=2001:db8::3 rule=1:2001219:20 violations=5 banned_s=10"
                    " source=policy reason=expired");
    guint commits = fw_fake_commits(f->fw);
    flush_ok(f);
    g_assert_cmpuint(fw_fake_commits(f->fw), ==, commits + 1);
    g_assert_cmpuint(n_installed(f), ==, 2);
    g_assert_true(is_installed(f, "203.0.113.4"));
    g_autoptr(GArray) stored = stored_bans(f, 0);
    g_assert_cmpuint(stored->len, ==, 2);
    g_assert_true(bans_next_deadline(f->bans, &next));
    g_assert_cmpint(next, ==, T0_MONO + 20 * S);

    advance(f, 10 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 1);
    /* Only the permanent ban is left, and no timer is needed for it. */
    g_assert_false(bans_next_deadline(f->bans, NULL));
    advance(f, (gint64)3650 * 86400 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
    g_assert_true(bans_lookup(f->bans, &forever.prefix, NULL));
}

static void
test_expire_batches(Fixture *f, gconstpointer data)
{
    (void)data;
    fixture_close(f);
    f->opts.expire_batch_max = 4;
    fixture_open(f);
    for (guint i = 0; i < 10; i++) {
        char text[IPADDR_STRLEN];
        g_snprintf(text, sizeof text, "198.51.100.%u", i + 1);
        BanRequest r = policy_req(text, 30 + (i % 3));
        bans_add(f->bans, &r, NULL);
    }
    flush_ok(f);
    advance(f, 60 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 4);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 4);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 2);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
    flush_ok(f);
    g_assert_cmpuint(n_installed(f), ==, 0);
}

/* ---- extension and who may shorten what ---- */

static void
test_extend(Fixture *f, gconstpointer data)
{
    (void)data;
    BanRequest r = policy_req("203.0.113.7", 3600);
    bans_add(f->bans, &r, NULL);
    flush_ok(f);
    advance(f, 600 * S);
    test_log_clear();
    /* A shorter policy ban leaves the end alone but counts the alerts. */
    BanRequest shorter = policy_req("203.0.113.7", 60);
    shorter.alerts = 1;
    shorter.sid = 2001220;
    Ban ban;
    g_assert_cmpint(bans_add(f->bans, &shorter, &ban), ==, BANS_UNCHANGED);
    g_assert_cmpint(ban.expires_us, ==, T0_REAL + 3600 * S);
    g_assert_cmpuint(ban.violations, ==, 6);
    g_assert_cmpuint(ban.sid, ==, 2001220);
    g_assert_cmpuint(test_log_count("extend *"), ==, 0);
    /* A longer one moves the end. */
    BanRequest longer = policy_req("203.0.113.7", 7200);
    longer.alerts = 2;
    g_assert_cmpint(bans_add(f->bans, &longer, &ban), ==, BANS_EXTENDED);
    g_assert_cmpint(ban.expires_us, ==, T0_REAL + 600 * S + 7200 * S);
    g_assert_cmpuint(ban.violations, ==, 8);
    g_assert_cmpuint(ban.prior_bans, ==, 0);
    test_log_assert("extend addr=203.0.113.7 * duration_s=7200 *");
    guint commits = fw_fake_commits(f->fw);
    flush_ok(f);
    /* The rule is installed already: an extension costs no firewall commit. */
    g_assert_cmpuint(fw_fake_commits(f->fw), ==, commits);
    g_autoptr(GArray) stored = stored_bans(f, 0);
    const Ban *s = find_ban(stored, "203.0.113.7");
    g_assert_nonnull(s);
    g_assert_cmpint(s->expires_us, ==, T0_REAL + 7800 * S);
    g_assert_cmpuint(s->violations, ==, 8);
    advance(f, 7199 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
    advance(f, 1 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 1);
}

typedef struct {
    const char *name;
    BanSource first_source;
    gint64 first_s; /* 0: permanent */
    BanSource second_source;
    gint64 second_s; /* 0: permanent */
    BansResult result;
    BanSource source_after;
    gint64 expires_after_s; /* from T0; 0: permanent */
    const char *log_word;   /* the line the change logs, or NULL for none */
} PrecedenceCase;

static const PrecedenceCase precedence_cases[] = {
    {"policy-does-not-shorten-manual", BAN_SOURCE_MANUAL, 86400, BAN_SOURCE_POLICY, 3600,
     BANS_UNCHANGED, BAN_SOURCE_MANUAL, 86400, NULL},
    {"policy-extends-manual-keeps-source", BAN_SOURCE_MANUAL, 600, BAN_SOURCE_POLICY, 3600,
     BANS_EXTENDED, BAN_SOURCE_MANUAL, 3600, "extend"},
    {"policy-does-not-end-permanent", BAN_SOURCE_MANUAL, 0, BAN_SOURCE_POLICY, 3600, BANS_UNCHANGED,
     BAN_SOURCE_MANUAL, 0, NULL},
    {"policy-cannot-make-permanent-timed", BAN_SOURCE_POLICY, 0, BAN_SOURCE_POLICY, 60,
     BANS_UNCHANGED, BAN_SOURCE_POLICY, 0, NULL},
    {"manual-sets-shorter", BAN_SOURCE_POLICY, 86400, BAN_SOURCE_MANUAL, 600, BANS_EXTENDED,
     BAN_SOURCE_MANUAL, 600, "shorten"},
    {"manual-makes-permanent", BAN_SOURCE_POLICY, 3600, BAN_SOURCE_MANUAL, 0, BANS_EXTENDED,
     BAN_SOURCE_MANUAL, 0, "extend"},
    {"manual-makes-permanent-timed", BAN_SOURCE_MANUAL, 0, BAN_SOURCE_MANUAL, 600, BANS_EXTENDED,
     BAN_SOURCE_MANUAL, 600, "shorten"},
    {"manual-same-again", BAN_SOURCE_MANUAL, 600, BAN_SOURCE_MANUAL, 600, BANS_UNCHANGED,
     BAN_SOURCE_MANUAL, 600, NULL},
};

static BanRequest
req_for(BanSource source, gint64 seconds)
{
    if (source == BAN_SOURCE_MANUAL)
        return manual_req("203.0.113.9", seconds, seconds == 0);
    BanRequest r = policy_req("203.0.113.9", seconds);
    r.permanent = seconds == 0;
    return r;
}

static void
test_precedence(gconstpointer data)
{
    const PrecedenceCase *c = data;
    Fixture fx, *f = &fx;
    fixture_set_up(f, NULL);
    BanRequest first = req_for(c->first_source, c->first_s);
    g_assert_cmpint(bans_add(f->bans, &first, NULL), ==, BANS_ADDED);
    flush_ok(f);
    BanRequest second = req_for(c->second_source, c->second_s);
    Ban ban;
    test_log_clear();
    g_assert_cmpint(bans_add(f->bans, &second, &ban), ==, c->result);
    g_assert_cmpuint(test_log_count("extend *"), ==, g_strcmp0(c->log_word, "extend") == 0);
    g_assert_cmpuint(test_log_count("shorten *"), ==, g_strcmp0(c->log_word, "shorten") == 0);
    g_assert_cmpint(ban.source, ==, c->source_after);
    gint64 want = c->expires_after_s ? T0_REAL + c->expires_after_s * S : BAN_EXPIRES_NEVER;
    g_assert_cmpint(ban.expires_us, ==, want);
    BansCounts counts;
    bans_counts(f->bans, &counts);
    g_assert_cmpuint(counts.total, ==, 1);
    g_assert_cmpuint(counts.manual, ==, c->source_after == BAN_SOURCE_MANUAL);
    g_assert_cmpuint(counts.permanent, ==, c->expires_after_s == 0);
    flush_ok(f);
    /* The enforced deadline agrees with the stored expiry. */
    if (c->expires_after_s) {
        advance(f, c->expires_after_s * S - 1);
        g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
        advance(f, 1);
        g_assert_cmpuint(bans_expire_due(f->bans), ==, 1);
    } else {
        g_assert_false(bans_next_deadline(f->bans, NULL));
    }
    fixture_tear_down(f, NULL);
}

/* ---- escalation ---- */

static void
test_escalation_persisted(Fixture *f, gconstpointer data)
{
    (void)data;
    IpPrefix p = pfx("203.0.113.20");
    g_assert_cmpuint(bans_prior_bans(f->bans, &p), ==, 0);
    for (guint round = 0; round < 3; round++) {
        BanRequest r = policy_req("203.0.113.20", 60);
        Ban ban;
        g_assert_cmpint(bans_add(f->bans, &r, &ban), ==, BANS_ADDED);
        g_assert_cmpuint(ban.prior_bans, ==, round);
        /* While banned, the current ban's own count. */
        g_assert_cmpuint(bans_prior_bans(f->bans, &p), ==, round);
        flush_ok(f);
        advance(f, 61 * S);
        g_assert_cmpuint(bans_expire_due(f->bans), ==, 1);
        flush_ok(f);
        g_assert_false(bans_lookup(f->bans, &p, NULL));
        /* After it ends, the count of bans the next one would follow. */
        g_assert_cmpuint(bans_prior_bans(f->bans, &p), ==, round + 1);
    }
    /* Across a restart. */
    fixture_close(f);
    fixture_open(f);
    g_autoptr(GError) error = NULL;
    g_assert_true(bans_load(f->bans, NULL, NULL, &error));
    g_assert_cmpuint(bans_prior_bans(f->bans, &p), ==, 3);
    BanRequest r = policy_req("203.0.113.20", 60);
    Ban ban;
    g_assert_cmpint(bans_add(f->bans, &r, &ban), ==, BANS_ADDED);
    g_assert_cmpuint(ban.prior_bans, ==, 3);
    test_log_assert("ban addr=203.0.113.20 * prior_bans=3 *");
    /* Another address has its own count. */
    IpPrefix other = pfx("203.0.113.21");
    g_assert_cmpuint(bans_prior_bans(f->bans, &other), ==, 0);
}

/* ---- clock steps ---- */

static void
test_clock_step_forward(Fixture *f, gconstpointer data)
{
    (void)data;
    BanRequest a = policy_req("203.0.113.30", 3600);
    BanRequest b = policy_req("203.0.113.31", 600);
    bans_add(f->bans, &a, NULL);
    bans_add(f->bans, &b, NULL);
    flush_ok(f);
    /* NTP steps the wall clock a day ahead; one second of real time passes. */
    test_log_clear();
    f->clock.real += 86400 * S + 1 * S;
    f->clock.mono += 1 * S;
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
    test_log_assert("bans: the real-time clock stepped by 86400 s*");
    g_assert_cmpint(bans_remaining_s(f->bans, &b.prefix), ==, 599);
    /* Each ban still ends after the time it had left. */
    advance(f, 598 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
    advance(f, 1 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 1);
    g_assert_false(bans_lookup(f->bans, &b.prefix, NULL));
    advance(f, 2999 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
    advance(f, 1 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 1);
    /* The ban made after the step ends on the new wall clock's terms. */
    BanRequest c = policy_req("203.0.113.32", 60);
    Ban ban;
    bans_add(f->bans, &c, &ban);
    g_assert_cmpint(ban.expires_us, ==, f->clock.real + 60 * S);
}

static void
test_clock_step_back(Fixture *f, gconstpointer data)
{
    (void)data;
    BanRequest a = policy_req("203.0.113.33", 3600);
    bans_add(f->bans, &a, NULL);
    flush_ok(f);
    /* The wall clock goes back a day: expiry must not wait for it to catch up. */
    f->clock.real -= 86400 * S;
    advance(f, 3599 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
    test_log_assert("bans: the real-time clock stepped by -86400 s*");
    advance(f, 1 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 1);
    flush_ok(f);
    g_assert_cmpuint(n_installed(f), ==, 0);
}

static void
test_clock_step_then_restart(Fixture *f, gconstpointer data)
{
    (void)data;
    /* After a restart the persisted absolute expiries are measured against the (stepped)
     * wall clock: bans whose end has passed on it are gone, the others keep their end. */
    BanRequest a = policy_req("203.0.113.34", 3600);
    BanRequest b = policy_req("203.0.113.35", 2 * 86400);
    bans_add(f->bans, &a, NULL);
    bans_add(f->bans, &b, NULL);
    flush_ok(f);
    fixture_close(f);
    f->clock.real += 86400 * S;
    f->clock.mono = 7 * S; /* a reboot restarts the monotonic clock */
    fixture_open(f);
    g_autoptr(GError) error = NULL;
    g_autoptr(GArray) expired = g_array_new(FALSE, FALSE, sizeof(Ban));
    BansLoadStats st;
    g_assert_true(bans_load(f->bans, expired, &st, &error));
    g_assert_cmpuint(st.restored, ==, 1);
    g_assert_cmpuint(st.expired, ==, 1);
    g_assert_true(ipprefix_equal(&g_array_index(expired, Ban, 0).prefix, &a.prefix));
    g_assert_cmpint(bans_remaining_s(f->bans, &b.prefix), ==, 86400);
}

/* ---- failures ---- */

static void
test_fw_failure_retry(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    BanRequest a = policy_req("203.0.113.40", 600);
    bans_add(f->bans, &a, NULL);
    fw_fake_fail_next(f->fw, 1);
    test_log_clear();
    g_assert_false(bans_commit(f->bans, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL);
    g_clear_error(&error);
    test_log_assert("bans: firewall change of 1 entries failed*");
    g_assert_true(bans_degraded(f->bans));
    /* The table and the store keep the ban; the kernel lacks it until the retry. */
    g_assert_true(bans_lookup(f->bans, &a.prefix, NULL));
    g_autoptr(GArray) stored = stored_bans(f, 0);
    g_assert_cmpuint(stored->len, ==, 1);
    g_assert_false(is_installed(f, "203.0.113.40"));
    /* Meanwhile another ban arrives and its apply works; the failed one is still owed. */
    BanRequest b = policy_req("203.0.113.41", 600);
    bans_add(f->bans, &b, NULL);
    flush_ok(f);
    g_assert_true(bans_degraded(f->bans));
    /* The first retry fails too; the second reconciles everything. */
    fw_fake_fail_next(f->fw, 1);
    g_assert_false(bans_retry(f->bans, &error));
    g_clear_error(&error);
    g_assert_true(bans_retry(f->bans, &error));
    g_assert_no_error(error);
    g_assert_false(bans_degraded(f->bans));
    g_assert_true(is_installed(f, "203.0.113.40"));
    g_assert_true(is_installed(f, "203.0.113.41"));
    BansCounts counts;
    bans_counts(f->bans, &counts);
    g_assert_cmpuint(counts.fw_failures, ==, 2);
}

static void
test_store_failure_retry(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_strdup(store_path(f->store));
    sqlite3 *db = NULL;
    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db,
                                 "CREATE TRIGGER full BEFORE INSERT ON bans BEGIN"
                                 " SELECT RAISE(ABORT, 'database or disk is full'); END;",
                                 NULL, NULL, NULL),
                    ==, SQLITE_OK);
    BanRequest a = policy_req("203.0.113.42", 600);
    bans_add(f->bans, &a, NULL);
    test_log_clear();
    g_assert_false(bans_commit(f->bans, &error));
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    g_clear_error(&error);
    test_log_assert("bans: commit failed*disk is full*");
    /* The daemon keeps enforcing what it decided. */
    g_assert_true(is_installed(f, "203.0.113.42"));
    g_assert_true(bans_degraded(f->bans));
    g_assert_cmpuint(store_pending(f->store), >, 0);
    g_assert_false(bans_retry(f->bans, &error));
    g_clear_error(&error);
    g_assert_cmpint(sqlite3_exec(db, "DROP TRIGGER full", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(db);
    g_assert_true(bans_retry(f->bans, &error));
    g_assert_false(bans_degraded(f->bans));
    g_autoptr(GArray) stored = stored_bans(f, 0);
    g_assert_cmpuint(stored->len, ==, 1);
    guint32 count = 0;
    g_assert_true(store_get_ban_count(f->store, &a.prefix, &count, NULL, &error));
    g_assert_cmpuint(count, ==, 1);
}

/* A turn of 1,500 new bans (3,000 store rows, 1,500 firewall changes) commits the store in a
 * thread beside the firewall change: both hold everything afterwards, and a failing store is
 * reported, counted and retried as in a small turn, with the firewall changed all the same. */
static void
test_large_commit(Fixture *f, gconstpointer data)
{
    gboolean store_fails = GPOINTER_TO_INT(data);
    g_autoptr(GError) error = NULL;
    sqlite3 *db = NULL;
    if (store_fails) {
        g_assert_cmpint(sqlite3_open(store_path(f->store), &db), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(db,
                                     "CREATE TRIGGER full BEFORE INSERT ON bans BEGIN"
                                     " SELECT RAISE(ABORT, 'database or disk is full'); END;",
                                     NULL, NULL, NULL),
                        ==, SQLITE_OK);
    }
    const guint n = 1500;
    for (guint i = 0; i < n; i++) {
        char text[IPADDR_STRLEN];
        g_snprintf(text, sizeof text, "198.18.%u.%u", i / 200, i % 200 + 1);
        BanRequest r = policy_req(text, 600);
        g_assert_cmpint(bans_add(f->bans, &r, NULL), ==, BANS_ADDED);
    }
    test_log_clear();
    test_log_capture_debug(TRUE);
    gboolean ok = bans_commit(f->bans, &error);
    test_log_capture_debug(FALSE);
    test_log_assert("bans: commit: store_rows=3000 * fw_changes=1500 * store_thread=1");
    g_assert_cmpuint(n_installed(f), ==, n);
    if (!store_fails) {
        g_assert_true(ok);
        g_assert_no_error(error);
        g_autoptr(GArray) stored = stored_bans(f, 0);
        g_assert_cmpuint(stored->len, ==, n);
        g_assert_false(bans_degraded(f->bans));
        return;
    }
    g_assert_false(ok);
    g_assert_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE);
    g_clear_error(&error);
    g_assert_true(bans_degraded(f->bans));
    g_assert_cmpuint(store_pending(f->store), >, 0);
    g_assert_cmpint(sqlite3_exec(db, "DROP TRIGGER full", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(db);
    g_assert_true(bans_retry(f->bans, &error));
    g_assert_no_error(error);
    g_assert_false(bans_degraded(f->bans));
    g_autoptr(GArray) stored = stored_bans(f, 0);
    g_assert_cmpuint(stored->len, ==, n);
}

/* ---- restart ---- */

/* A zero-length prefix stored by an older version (0.0.0.0/0 --force, issue 15) is dropped
 * at load with a warning, and the other bans load and reconcile: the daemon starts. */
static void
test_load_skips_unbannable(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    BanRequest r = manual_req("203.0.113.60", 3600, FALSE);
    bans_add(f->bans, &r, NULL);
    flush_ok(f);
    Ban all;
    memset(&all, 0, sizeof all);
    all.prefix.addr.family = AF_INET;
    all.prefix.len = 0;
    all.expires_us = BAN_EXPIRES_NEVER;
    all.created_us = T0_REAL;
    all.first_seen_us = all.last_seen_us = T0_REAL;
    all.source = BAN_SOURCE_MANUAL;
    g_strlcpy(all.reason, "manual", sizeof all.reason);
    store_put_ban(f->store, &all);
    g_assert_true(store_commit(f->store, &error));
    g_assert_no_error(error);
    fixture_close(f);

    fixture_open(f);
    test_log_clear();
    BansLoadStats st;
    g_assert_true(bans_load(f->bans, NULL, &st, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(st.restored, ==, 1);
    g_assert_cmpuint(st.skipped, ==, 1);
    test_log_assert("*dropping a stored ban no firewall can hold*0.0.0.0/0*");
    g_assert_true(bans_reconcile(f->bans, NULL, &error));
    g_assert_no_error(error);
    g_assert_true(is_installed(f, "203.0.113.60"));
    g_assert_cmpuint(n_installed(f), ==, 1);
    /* And it is gone from the store, so the next start does not warn again. */
    g_autoptr(GArray) stored = stored_bans(f, T0_REAL);
    g_assert_cmpuint(stored->len, ==, 1);
    g_assert_nonnull(find_ban(stored, "203.0.113.60"));
}

static void
test_restart_reconcile(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    const struct {
        const char *prefix;
        gint64 duration_s;
    } set[] = {
        {"203.0.113.50", 3600}, {"2001:db8::50", 7200}, {"198.51.100.0/24", 0},
        {"203.0.113.51", 10},   {"203.0.113.52", 20},
    };
    for (guint i = 0; i < G_N_ELEMENTS(set); i++) {
        BanRequest r = set[i].duration_s ? policy_req(set[i].prefix, set[i].duration_s)
                                         : manual_req(set[i].prefix, 0, TRUE);
        bans_add(f->bans, &r, NULL);
    }
    flush_ok(f);
    fixture_close(f);

    /* Down for 30 s, across a reboot. The kernel kept a duplicate, a stray, and lost one. */
    f->clock.real += 30 * S;
    f->clock.mono = 3 * S;
    IpPrefix dup = pfx("203.0.113.50"), stray = pfx("192.0.2.99"), lost = pfx("2001:db8::50");
    fw_fake_inject(f->fw, &dup);
    fw_fake_inject(f->fw, &stray);
    FwChange rm = {FW_CHANGE_REMOVE, lost, 0};
    g_assert_true(fw_apply(f->fw, &rm, 1, NULL));
    fixture_open(f);
    test_log_clear();
    g_autoptr(GArray) expired = g_array_new(FALSE, FALSE, sizeof(Ban));
    BansLoadStats st;
    g_assert_true(bans_load(f->bans, expired, &st, &error));
    g_assert_cmpuint(st.restored, ==, 3);
    g_assert_cmpuint(st.expired, ==, 2);
    g_assert_cmpuint(st.skipped, ==, 0);
    g_assert_cmpuint(expired->len, ==, 2);
    g_assert_cmpuint(test_log_count("unban addr=203.0.113.5? * reason=expired-while-down"), ==, 2);
    /* The rest keep their original end, not a fresh one. */
    IpPrefix a = pfx("203.0.113.50");
    Ban looked;
    g_assert_true(bans_lookup(f->bans, &a, &looked));
    g_assert_cmpint(looked.expires_us, ==, T0_REAL + 3600 * S);
    g_assert_cmpint(bans_remaining_s(f->bans, &a), ==, 3570);
    gint64 next = 0;
    g_assert_true(bans_next_deadline(f->bans, &next));
    g_assert_cmpint(next, ==, 3 * S + 3570 * S);
    /* The store no longer holds the expired ones. */
    g_autoptr(GArray) stored = stored_bans(f, 0);
    g_assert_cmpuint(stored->len, ==, 3);

    FwReconcileStats rs;
    g_assert_true(bans_reconcile(f->bans, &rs, &error));
    g_assert_cmpuint(rs.added, ==, 1);
    g_assert_cmpuint(rs.duplicates, ==, 1);
    /* The stray and the two bans that ended while down. */
    g_assert_cmpuint(rs.removed, ==, 3);
    g_assert_cmpuint(n_installed(f), ==, 3);
    g_assert_true(is_installed(f, "203.0.113.50"));
    g_assert_true(is_installed(f, "2001:db8::50"));
    g_assert_true(is_installed(f, "198.51.100.0/24"));
    test_log_assert("bans: reconciled the firewall: bans=3 added=1 removed=3 duplicates=1*");
}

static void
test_load_far_future(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    /* An expiry at the end of time (edited by hand, say) is a timed ban that never comes due,
     * and computing its deadline must not overflow. */
    Ban ban;
    memset(&ban, 0, sizeof ban);
    ban.prefix = pfx("203.0.113.55");
    ban.expires_us = G_MAXINT64 - 1;
    ban.created_us = ban.first_seen_us = ban.last_seen_us = T0_REAL;
    ban.source = BAN_SOURCE_MANUAL;
    store_put_ban(f->store, &ban);
    g_assert_true(store_commit(f->store, &error));
    f->clock.mono = G_MAXINT64 / 2;
    g_assert_true(bans_load(f->bans, NULL, NULL, &error));
    g_assert_true(bans_lookup(f->bans, &ban.prefix, NULL));
    gint64 next = 0;
    g_assert_true(bans_next_deadline(f->bans, &next));
    g_assert_cmpint(next, ==, G_MAXINT64 - 1);
    g_assert_cmpint(bans_remaining_s(f->bans, &ban.prefix), >, (gint64)1 << 40);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 0);
}

/* ---- bounds, lookups, listing ---- */

static void
test_ceiling(Fixture *f, gconstpointer data)
{
    (void)data;
    fixture_close(f);
    f->opts.max_bans = 3;
    fixture_open(f);
    test_log_clear();
    for (guint i = 0; i < 3; i++) {
        char text[IPADDR_STRLEN];
        g_snprintf(text, sizeof text, "203.0.113.%u", 60 + i);
        BanRequest r = policy_req(text, 60);
        g_assert_cmpint(bans_add(f->bans, &r, NULL), ==, BANS_ADDED);
    }
    BanRequest over = policy_req("203.0.113.70", 60);
    g_assert_cmpint(bans_add(f->bans, &over, NULL), ==, BANS_REFUSED);
    BanRequest over2 = policy_req("203.0.113.71", 60);
    g_assert_cmpint(bans_add(f->bans, &over2, NULL), ==, BANS_REFUSED);
    g_assert_cmpuint(test_log_count("bans: table full*"), ==, 1);
    /* Extending a ban already in the table is still allowed. */
    BanRequest ext = policy_req("203.0.113.60", 600);
    g_assert_cmpint(bans_add(f->bans, &ext, NULL), ==, BANS_EXTENDED);
    BansCounts c;
    bans_counts(f->bans, &c);
    g_assert_cmpuint(c.total, ==, 3);
    g_assert_cmpuint(c.refused, ==, 2);
    flush_ok(f);
    g_assert_false(bans_lookup(f->bans, &over.prefix, NULL));
    g_assert_false(is_installed(f, "203.0.113.70"));
    advance(f, 60 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 2);
    g_assert_cmpint(bans_add(f->bans, &over, NULL), ==, BANS_ADDED);
}

static void
test_lookup_addr(Fixture *f, gconstpointer data)
{
    (void)data;
    BanRequest net = manual_req("198.51.100.0/24", 600, FALSE);
    BanRequest host = policy_req("198.51.100.7", 600);
    BanRequest net6 = manual_req("2001:db8:5::/48", 600, FALSE);
    bans_add(f->bans, &net, NULL);
    bans_add(f->bans, &host, NULL);
    bans_add(f->bans, &net6, NULL);
    const struct {
        const char *addr;
        const char *want; /* NULL: not banned */
    } cases[] = {
        {"198.51.100.7", "198.51.100.7"}, {"198.51.100.8", "198.51.100.0/24"},
        {"198.51.101.7", NULL},           {"2001:db8:5::1", "2001:db8:5::/48"},
        {"2001:db8:6::1", NULL},          {"203.0.113.7", NULL},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        IpAddr a;
        g_assert_true(ipaddr_parse(cases[i].addr, &a));
        Ban b;
        if (!cases[i].want) {
            g_assert_false(bans_lookup_addr(f->bans, &a, NULL));
            g_assert_false(bans_lookup_addr(f->bans, &a, &b));
            continue;
        }
        g_assert_true(bans_lookup_addr(f->bans, &a, NULL));
        g_assert_true(bans_lookup_addr(f->bans, &a, &b));
        IpPrefix want = pfx(cases[i].want);
        g_assert_true(ipprefix_equal(&b.prefix, &want));
    }
    bans_remove(f->bans, &host.prefix, "manual");
    IpAddr a;
    g_assert_true(ipaddr_parse("198.51.100.7", &a));
    IpPrefix want = pfx("198.51.100.0/24");
    Ban b;
    g_assert_true(bans_lookup_addr(f->bans, &a, &b));
    g_assert_true(ipprefix_equal(&b.prefix, &want));
}

static void
test_list_and_counts(Fixture *f, gconstpointer data)
{
    (void)data;
    BanRequest reqs[] = {
        policy_req("203.0.113.80", 300),
        manual_req("192.0.2.80", 0, TRUE),
        policy_req("2001:db8::80", 100),
        manual_req("198.51.100.80", 200, FALSE),
    };
    for (guint i = 0; i < G_N_ELEMENTS(reqs); i++)
        bans_add(f->bans, &reqs[i], NULL);
    g_autoptr(GArray) list = g_array_new(FALSE, FALSE, sizeof(Ban));
    bans_list(f->bans, list);
    const char *order[] = {"2001:db8::80", "198.51.100.80", "203.0.113.80", "192.0.2.80"};
    g_assert_cmpuint(list->len, ==, G_N_ELEMENTS(order));
    for (guint i = 0; i < list->len; i++) {
        IpPrefix want = pfx(order[i]);
        g_assert_true(ipprefix_equal(&g_array_index(list, Ban, i).prefix, &want));
    }
    BansCounts c;
    bans_counts(f->bans, &c);
    g_assert_cmpuint(c.total, ==, 4);
    g_assert_cmpuint(c.v4, ==, 3);
    g_assert_cmpuint(c.v6, ==, 1);
    g_assert_cmpuint(c.policy, ==, 2);
    g_assert_cmpuint(c.manual, ==, 2);
    g_assert_cmpuint(c.permanent, ==, 1);
    IpPrefix none = pfx("203.0.113.99");
    g_assert_cmpint(bans_remaining_s(f->bans, &none), ==, -1);
    g_assert_cmpint(bans_remaining_s(f->bans, &reqs[1].prefix), ==, G_MAXINT64);
}

/* bans_list_page(): by expiry, then prefix (a key that repeats, so the tie-break counts). */
static gint
page_cmp_expires(const BanCore *a, const BanCore *b, gpointer data)
{
    (void)data;
    if (a->expires_us != b->expires_us)
        return a->expires_us < b->expires_us ? -1 : 1;
    int c = ipaddr_compare(&a->prefix.addr, &b->prefix.addr);
    return c != 0 ? c : (int)a->prefix.len - (int)b->prefix.len;
}

typedef struct {
    gboolean has_last;
    BanCore last;
    gboolean v6_only;
} PageWalk;

static gboolean
page_wants(const BanCore *ban, gpointer data)
{
    const PageWalk *w = data;
    if (w->v6_only && ban->prefix.addr.family != AF_INET6)
        return FALSE;
    return !w->has_last || page_cmp_expires(ban, &w->last, NULL) > 0;
}

static gint
ban_cmp_expires(gconstpointer a, gconstpointer b)
{
    return page_cmp_expires(&((const Ban *)a)->core, &((const Ban *)b)->core, NULL);
}

/* Pages walked with a cursor give every ban once, in the order of the whole list sorted the
 * same way; a filter and a page larger than what matches end with more = FALSE. */
static void
test_list_page(Fixture *f, gconstpointer data)
{
    (void)data;
    for (guint i = 0; i < 1000; i++) {
        char addr[IPADDR_STRLEN];
        if (i % 4 == 3)
            g_snprintf(addr, sizeof addr, "2001:db8::%x", i);
        else
            g_snprintf(addr, sizeof addr, "198.18.%u.%u", i / 200, i % 200 + 1);
        /* Ten distinct expiries: many ties. */
        BanRequest r = policy_req(addr, 600 + 60 * (gint64)((i * 7) % 10));
        g_assert_cmpint(bans_add(f->bans, &r, NULL), ==, BANS_ADDED);
    }
    g_autoptr(GArray) all = g_array_new(FALSE, FALSE, sizeof(Ban));
    bans_list(f->bans, all);
    g_array_sort(all, ban_cmp_expires);

    PageWalk walk = {0};
    guint seen = 0, pages = 0;
    for (;;) {
        g_autoptr(GArray) page = g_array_new(FALSE, FALSE, sizeof(Ban));
        gboolean more = TRUE;
        bans_list_page(f->bans, page_wants, page_cmp_expires, &walk, 64, page, &more);
        pages++;
        g_assert_cmpuint(page->len, <=, 64);
        for (guint i = 0; i < page->len; i++)
            assert_ban_equal(&g_array_index(page, Ban, i), &g_array_index(all, Ban, seen + i));
        seen += page->len;
        g_assert_cmpint(more, ==, seen < all->len);
        if (!more)
            break;
        g_assert_cmpuint(page->len, ==, 64);
        walk.has_last = TRUE;
        walk.last = g_array_index(page, Ban, page->len - 1).core;
    }
    g_assert_cmpuint(seen, ==, 1000);
    g_assert_cmpuint(pages, ==, (1000 + 63) / 64);

    PageWalk v6 = {.v6_only = TRUE};
    g_autoptr(GArray) page = g_array_new(FALSE, FALSE, sizeof(Ban));
    gboolean more = TRUE;
    bans_list_page(f->bans, page_wants, page_cmp_expires, &v6, 5000, page, &more);
    g_assert_cmpuint(page->len, ==, 250);
    g_assert_false(more);
    for (guint i = 0; i < page->len; i++) {
        g_assert_cmpint(g_array_index(page, Ban, i).prefix.addr.family, ==, AF_INET6);
        if (i > 0)
            g_assert_cmpint(
                ban_cmp_expires(&g_array_index(page, Ban, i - 1), &g_array_index(page, Ban, i)), <,
                0);
    }
}

static void
test_fw_flush(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    BanRequest a = policy_req("203.0.113.90", 600);
    bans_add(f->bans, &a, NULL);
    flush_ok(f);
    g_assert_cmpuint(n_installed(f), ==, 1);
    g_assert_true(bans_fw_flush(f->bans, &error));
    g_assert_cmpuint(n_installed(f), ==, 0);
    /* The bans stay stored; the next start puts them back. */
    fixture_close(f);
    fixture_open(f);
    g_assert_true(bans_load(f->bans, NULL, NULL, &error));
    g_assert_true(bans_reconcile(f->bans, NULL, &error));
    g_assert_true(is_installed(f, "203.0.113.90"));
}

/* ---- the main-loop sources ---- */

static gboolean
iterate_until(GMainContext *ctx, gboolean (*done)(Fixture *), Fixture *f, gint64 timeout_us)
{
    gint64 end = g_get_monotonic_time() + timeout_us;
    while (!done(f)) {
        if (g_get_monotonic_time() > end)
            return FALSE;
        g_main_context_iteration(ctx, FALSE);
        if (!done(f))
            g_main_context_iteration(ctx, TRUE);
    }
    return TRUE;
}

static gboolean
nothing_installed(Fixture *f)
{
    return n_installed(f) == 0;
}

static gboolean
something_installed(Fixture *f)
{
    return n_installed(f) > 0;
}

static void
test_attached_sources(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GError) error = NULL;
    /* Clocks that advance with GLib's, so its timeouts meet the table's deadlines. */
    f->clock.live = TRUE;
    f->clock.real = T0_REAL;
    f->clock.mono = 0;
    g_autoptr(GMainContext) ctx = g_main_context_new();
    bans_attach(f->bans, ctx);

    /* A ban made in a turn is flushed by the low-priority idle at the end of it. */
    BanRequest r = policy_req("203.0.113.95", 3600);
    bans_add(f->bans, &r, NULL);
    g_assert_true(iterate_until(ctx, something_installed, f, 2 * S));
    g_assert_cmpuint(fw_fake_commits(f->fw), ==, 1);
    g_autoptr(GArray) stored = stored_bans(f, 0);
    g_assert_cmpuint(stored->len, ==, 1);

    /* The single timer ends a ban when its time is up: store one that has 150 ms left and
     * load it, as at a start. */
    bans_remove(f->bans, &r.prefix, "manual");
    g_assert_true(iterate_until(ctx, nothing_installed, f, 2 * S));
    Ban ban;
    memset(&ban, 0, sizeof ban);
    ban.prefix = pfx("203.0.113.96");
    ban.expires_us = clock_real(&f->clock) + 150000;
    ban.created_us = clock_real(&f->clock) - 60 * S;
    ban.first_seen_us = ban.created_us;
    ban.last_seen_us = ban.created_us;
    ban.source = BAN_SOURCE_POLICY;
    store_put_ban(f->store, &ban);
    g_assert_true(store_commit(f->store, &error));
    g_assert_true(bans_load(f->bans, NULL, NULL, &error));
    g_assert_true(bans_reconcile(f->bans, NULL, &error));
    g_assert_true(is_installed(f, "203.0.113.96"));
    gint64 start = g_get_monotonic_time();
    test_log_clear();
    g_assert_true(iterate_until(ctx, nothing_installed, f, 5 * S));
    gint64 took = g_get_monotonic_time() - start;
    /* Not before its time, and not a whole timer period late (bounds loose for loaded machines). */
    g_assert_cmpint(took, >=, 140000);
    g_assert_cmpint(took, <, 2 * S);
    test_log_assert("unban addr=203.0.113.96 * reason=expired");
    g_autoptr(GArray) after = stored_bans(f, 0);
    g_assert_cmpuint(after->len, ==, 0);
    g_assert_false(bans_next_deadline(f->bans, NULL));
}

static gboolean
flood_tick(gpointer data)
{
    guint *ticks = data;
    (*ticks)++;
    return G_SOURCE_CONTINUE;
}

static void
test_flush_not_starved(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GMainContext) ctx = g_main_context_new();
    bans_attach(f->bans, ctx);
    /* A source at the tailer's priority that is ready in every iteration, as an alert log
     * that never stops growing is. */
    guint ticks = 0;
    GSource *flood = g_idle_source_new();
    g_source_set_priority(flood, G_PRIORITY_DEFAULT);
    g_source_set_callback(flood, flood_tick, &ticks, NULL);
    g_source_attach(flood, ctx);
    BanRequest r = policy_req("203.0.113.97", 600);
    bans_add(f->bans, &r, NULL);
    for (guint i = 0; i < 50 && !is_installed(f, "203.0.113.97"); i++)
        g_main_context_iteration(ctx, FALSE);
    g_assert_true(is_installed(f, "203.0.113.97"));
    g_assert_cmpuint(ticks, <=, 2);
    g_assert_cmpuint(fw_fake_commits(f->fw), ==, 1);
    g_source_destroy(flood);
    g_source_unref(flood);
}

static void
test_retry_timer(Fixture *f, gconstpointer data)
{
    (void)data;
    fixture_close(f);
    f->opts.retry_min_ms = 10;
    f->opts.retry_max_ms = 40;
    fixture_open(f);
    g_autoptr(GMainContext) ctx = g_main_context_new();
    bans_attach(f->bans, ctx);
    /* The flush and the first two retries fail; the third reconciles, with no caller help. */
    fw_fake_fail_next(f->fw, 3);
    BanRequest r = policy_req("203.0.113.98", 600);
    bans_add(f->bans, &r, NULL);
    gint64 start = g_get_monotonic_time();
    g_assert_true(iterate_until(ctx, something_installed, f, 5 * S));
    /* Backoff 10 + 20 ms before the retry that works. */
    g_assert_cmpint(g_get_monotonic_time() - start, >=, 30000);
    g_assert_false(bans_degraded(f->bans));
    BansCounts c;
    bans_counts(f->bans, &c);
    g_assert_cmpuint(c.fw_failures, ==, 3);
}

/* The table keeps bans compact (interned texts, entries in blocks); every Ban it hands out,
 * by lookup, list or add, must equal what the store holds, across block boundaries and
 * after removals reuse slots, and texts past a Ban's arrays must be cut as the store cuts
 * them. */
typedef struct {
    const char *name;
    guint n;           /* bans added */
    guint remove_every; /* then every k-th removed (0: none) and as many new ones added */
} CompactCase;

static const CompactCase compact_cases[] = {
    {"one", 1, 0},
    {"one-block", 600, 0},
    {"blocks", 3000, 0},
    {"blocks-with-holes", 3000, 3},
};

static void
test_compact_round_trip(gconstpointer data)
{
    const CompactCase *c = data;
    Fixture fx, *f = &fx;
    fixture_set_up(f, NULL);
    char long_msg[2 * ALERT_MSG_MAX];
    memset(long_msg, 'x', sizeof long_msg - 1);
    long_msg[sizeof long_msg - 1] = '\0';
    const char *msgs[] = {"ET SCAN one", "ET SCAN two \"quoted\"", long_msg, "", NULL};
    const char *reasons[] = {"threshold", "a reason longer than the thirty-one bytes kept",
                             "manual"};
    guint total = c->n + (c->remove_every ? c->n / c->remove_every : 0);
    for (guint i = 0; i < total; i++) {
        char text[64];
        g_snprintf(text, sizeof text, i % 2 ? "2001:db8::%x:%x" : "198.18.%u.%u",
                   i % 2 ? i >> 16 : i / 256 % 256, i % 2 ? i & 0xffff : i % 256);
        BanRequest r = policy_req(text, 60 + i);
        r.msg = msgs[i % G_N_ELEMENTS(msgs)];
        r.reason = reasons[i % G_N_ELEMENTS(reasons)];
        r.sid = 1000 + i;
        r.alerts = i % 9;
        if (i % 4 == 0)
            r.permanent = TRUE;
        Ban added;
        g_assert_cmpint(bans_add(f->bans, &r, &added), ==, BANS_ADDED);
        g_assert_cmpuint(strlen(added.msg), ==, MIN(strlen(r.msg ? r.msg : ""), ALERT_MSG_MAX - 1));
        g_assert_cmpuint(strlen(added.reason), ==, MIN(strlen(r.reason), BAN_REASON_MAX - 1));
        Ban looked;
        g_assert_true(bans_lookup(f->bans, &r.prefix, &looked));
        assert_ban_equal(&looked, &added);
        if (c->remove_every && i == c->n - 1) {
            for (guint j = 0; j < c->n; j += c->remove_every) {
                g_snprintf(text, sizeof text, j % 2 ? "2001:db8::%x:%x" : "198.18.%u.%u",
                           j % 2 ? j >> 16 : j / 256 % 256, j % 2 ? j & 0xffff : j % 256);
                IpPrefix p = pfx(text);
                g_assert_true(bans_remove(f->bans, &p, "manual"));
            }
        }
    }
    flush_ok(f);
    g_autoptr(GArray) listed = g_array_new(FALSE, FALSE, sizeof(Ban));
    bans_list(f->bans, listed);
    g_autoptr(GArray) stored = stored_bans(f, T0_REAL);
    BansCounts counts;
    bans_counts(f->bans, &counts);
    g_assert_cmpuint(listed->len, ==, counts.total);
    g_assert_cmpuint(stored->len, ==, listed->len);
    g_assert_cmpuint(n_installed(f), ==, listed->len);
    for (guint i = 0; i < listed->len; i++) {
        const Ban *l = &g_array_index(listed, Ban, i);
        char text[IPADDR_STRLEN];
        const Ban *st = find_ban(stored, ipprefix_format(&l->prefix, text));
        g_assert_nonnull(st);
        assert_ban_equal(l, st);
        Ban looked;
        g_assert_true(bans_lookup(f->bans, &l->prefix, &looked));
        assert_ban_equal(&looked, l);
        if (i > 0) /* soonest expiry first, permanent last */
            g_assert_cmpint(g_array_index(listed, Ban, i - 1).expires_us, <=, l->expires_us);
    }
    /* And after a restart, from the store. */
    fixture_close(f);
    fixture_open(f);
    g_autoptr(GError) error = NULL;
    g_assert_true(bans_load(f->bans, NULL, NULL, &error));
    g_autoptr(GArray) again = g_array_new(FALSE, FALSE, sizeof(Ban));
    bans_list(f->bans, again);
    g_assert_cmpuint(again->len, ==, listed->len);
    for (guint i = 0; i < again->len; i++)
        assert_ban_equal(&g_array_index(again, Ban, i), &g_array_index(listed, Ban, i));
    fixture_tear_down(f, NULL);
}

/* ---- the cut of new bans ---- */

typedef struct {
    Fixture *f;
    guint calls;
    GArray *seen;         /* IpPrefix: every prefix handed to the cut */
    gboolean installed;   /* each was already in the (fake) kernel when cut */
} CutRecord;

static void
record_cut(Bans *bans, const IpPrefix *prefixes, char **lines, guint n, gpointer data)
{
    (void)bans;
    CutRecord *r = data;
    r->calls++;
    for (guint i = 0; i < n; i++) {
        char text[IPADDR_STRLEN];
        g_array_append_val(r->seen, prefixes[i]);
        r->installed = r->installed && is_installed(r->f, ipprefix_format(&prefixes[i], text));
        /* The cut writes the line it was handed, with what it cut. */
        g_assert_true(g_str_has_prefix(lines[i], "ban addr="));
        g_message("%s cut_conntrack=%u cut_sockets=%u", lines[i], 10 + i, 20 + i);
        g_free(lines[i]);
    }
}

static void
test_cut_new_bans(Fixture *f, gconstpointer data)
{
    (void)data;
    CutRecord r = {f, 0, g_array_new(FALSE, FALSE, sizeof(IpPrefix)), TRUE};
    bans_set_cut_func(f->bans, record_cut, &r);
    BanRequest a = policy_req("203.0.113.30", 3600);
    BanRequest b = policy_req("2001:db8::/64", 3600);
    BanRequest gone = policy_req("203.0.113.31", 3600);
    g_assert_cmpint(bans_add(f->bans, &a, NULL), ==, BANS_ADDED);
    g_assert_cmpint(bans_add(f->bans, &b, NULL), ==, BANS_ADDED);
    g_assert_cmpint(bans_add(f->bans, &gone, NULL), ==, BANS_ADDED);
    g_assert_true(bans_remove(f->bans, &gone.prefix, "manual"));
    /* The line waits for the turn's cut. */
    g_assert_cmpuint(test_log_count("ban addr=203.0.113.30 *"), ==, 0);
    flush_ok(f);
    /* One cut per turn, after the firewall change, of the bans still in the table. */
    g_assert_cmpuint(r.calls, ==, 1);
    g_assert_true(r.installed);
    g_assert_cmpuint(r.seen->len, ==, 2);
    test_log_assert("ban addr=203.0.113.30 rule=1:2001219:20 * reason=threshold *"
                    " cut_conntrack=10 cut_sockets=20");
    test_log_assert("ban addr=2001:db8::/64 * cut_conntrack=11 cut_sockets=21");
    test_log_assert("ban addr=203.0.113.31 * cut_conntrack=0 cut_sockets=0");
    /* An extension is no new ban: nothing is cut, its line is written at once. */
    BanRequest longer = policy_req("203.0.113.30", 7200);
    g_assert_cmpint(bans_add(f->bans, &longer, NULL), ==, BANS_EXTENDED);
    test_log_assert("extend addr=203.0.113.30 *");
    flush_ok(f);
    g_assert_cmpuint(r.calls, ==, 1);
    /* A turn without new bans cuts nothing. */
    flush_ok(f);
    g_assert_cmpuint(r.calls, ==, 1);
    g_array_unref(r.seen);
}

/* ---- what the metrics read ---- */

static void
on_commit_timing(Bans *bans, const BansCommitTiming *t, gpointer data)
{
    (void)bans;
    g_array_append_val((GArray *)data, *t);
}

/* Bans per family and source follow every add, change of source and removal; added and
 * extended count per source, lifted per reason; each commit reports its two parts. */
static void
test_metrics_counts(Fixture *f, gconstpointer data)
{
    (void)data;
    g_autoptr(GArray) timings = g_array_new(FALSE, FALSE, sizeof(BansCommitTiming));
    bans_set_commit_func(f->bans, on_commit_timing, timings);
    BanRequest a = policy_req("203.0.113.1", 10), b = policy_req("2001:db8::1", 100);
    BanRequest m = manual_req("198.51.100.0/24", 100, FALSE);
    BanRequest s = policy_req("192.0.2.9", 100);
    s.source = BAN_SOURCE_SHARED;
    g_assert_cmpint(bans_add(f->bans, &a, NULL), ==, BANS_ADDED);
    g_assert_cmpint(bans_add(f->bans, &b, NULL), ==, BANS_ADDED);
    g_assert_cmpint(bans_add(f->bans, &m, NULL), ==, BANS_ADDED);
    g_assert_cmpint(bans_add(f->bans, &s, NULL), ==, BANS_ADDED);
    BanRequest longer = policy_req("2001:db8::1", 1000);
    g_assert_cmpint(bans_add(f->bans, &longer, NULL), ==, BANS_EXTENDED);
    /* An operator's ban on the policy's address: extended by hand, now manual. */
    BanRequest take = manual_req("2001:db8::1", 5000, FALSE);
    g_assert_cmpint(bans_add(f->bans, &take, NULL), ==, BANS_EXTENDED);
    BansCounts bc;
    bans_counts(f->bans, &bc);
    g_assert_cmpuint(bc.by_family_source[0][BAN_SOURCE_POLICY], ==, 1);
    g_assert_cmpuint(bc.by_family_source[0][BAN_SOURCE_MANUAL], ==, 1);
    g_assert_cmpuint(bc.by_family_source[0][BAN_SOURCE_SHARED], ==, 1);
    g_assert_cmpuint(bc.by_family_source[1][BAN_SOURCE_POLICY], ==, 0);
    g_assert_cmpuint(bc.by_family_source[1][BAN_SOURCE_MANUAL], ==, 1);
    g_assert_cmpuint(bc.added[BAN_SOURCE_POLICY], ==, 2);
    g_assert_cmpuint(bc.added[BAN_SOURCE_MANUAL], ==, 1);
    g_assert_cmpuint(bc.added[BAN_SOURCE_SHARED], ==, 1);
    g_assert_cmpuint(bc.extended[BAN_SOURCE_POLICY], ==, 1);
    g_assert_cmpuint(bc.extended[BAN_SOURCE_MANUAL], ==, 1);
    flush_ok(f);
    g_assert_cmpuint(timings->len, ==, 1);
    const BansCommitTiming *t = &g_array_index(timings, BansCommitTiming, 0);
    g_assert_cmpuint(t->fw_changes, ==, 4);
    g_assert_cmpuint(t->store_rows, >, 0);
    g_assert_true(t->store_ok && t->fw_ok);
    g_assert_cmpint(t->fw_us, >=, 0);

    advance(f, 10 * S);
    g_assert_cmpuint(bans_expire_due(f->bans), ==, 1);
    g_assert_true(bans_remove(f->bans, &m.prefix, "manual"));
    g_assert_true(bans_remove(f->bans, &s.prefix, "shared"));
    g_assert_false(bans_remove(f->bans, &s.prefix, "shared")); /* none: not counted */
    GHashTable *lifted = bans_lifted(f->bans);
    g_assert_cmpuint(g_hash_table_size(lifted), ==, 3);
    g_assert_cmpuint(*(guint64 *)g_hash_table_lookup(lifted, "expired"), ==, 1);
    g_assert_cmpuint(*(guint64 *)g_hash_table_lookup(lifted, "manual"), ==, 1);
    g_assert_cmpuint(*(guint64 *)g_hash_table_lookup(lifted, "shared"), ==, 1);
    bans_counts(f->bans, &bc);
    g_assert_cmpuint(bc.by_family_source[0][BAN_SOURCE_POLICY], ==, 0);
    g_assert_cmpuint(bc.by_family_source[0][BAN_SOURCE_MANUAL], ==, 0);
    g_assert_cmpuint(bc.by_family_source[0][BAN_SOURCE_SHARED], ==, 0);
    g_assert_cmpuint(bc.by_family_source[1][BAN_SOURCE_MANUAL], ==, 1);
    g_assert_cmpuint(bc.total, ==, 1);

    /* A failed firewall change is reported as such. */
    fw_fake_fail_next(f->fw, 1);
    (void)bans_commit(f->bans, NULL);
    g_assert_cmpuint(timings->len, ==, 2);
    g_assert_false(g_array_index(timings, BansCommitTiming, 1).fw_ok);
    g_assert_cmpuint(g_array_index(timings, BansCommitTiming, 1).fw_changes, ==, 3);
}

#define ADD(path, func) g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
    test_init(&argc, &argv);
    ADD("/bans/add/new", test_add_new);
    ADD("/bans/metrics/counts", test_metrics_counts);
    ADD("/bans/cut/new-bans", test_cut_new_bans);
    ADD("/bans/flush/one-commit-per-turn", test_one_commit_per_turn);
    ADD("/bans/flush/store-before-kernel", test_store_before_kernel);
    ADD("/bans/expire/on-time", test_expire_on_time);
    ADD("/bans/expire/batches", test_expire_batches);
    ADD("/bans/add/extend", test_extend);
    for (guint i = 0; i < G_N_ELEMENTS(precedence_cases); i++) {
        g_autofree char *path =
            g_strdup_printf("/bans/add/precedence/%s", precedence_cases[i].name);
        g_test_add_data_func(path, &precedence_cases[i], test_precedence);
    }
    ADD("/bans/prior-bans/persisted", test_escalation_persisted);
    ADD("/bans/clock/step-forward", test_clock_step_forward);
    ADD("/bans/clock/step-back", test_clock_step_back);
    ADD("/bans/clock/step-then-restart", test_clock_step_then_restart);
    ADD("/bans/flush/fw-failure-retry", test_fw_failure_retry);
    ADD("/bans/flush/store-failure-retry", test_store_failure_retry);
    g_test_add("/bans/flush/large-turn", Fixture, GINT_TO_POINTER(FALSE), fixture_set_up,
               test_large_commit, fixture_tear_down);
    g_test_add("/bans/flush/large-turn-store-fails", Fixture, GINT_TO_POINTER(TRUE),
               fixture_set_up, test_large_commit, fixture_tear_down);
    ADD("/bans/load/restart-reconcile", test_restart_reconcile);
    ADD("/bans/load/skips-unbannable", test_load_skips_unbannable);
    ADD("/bans/load/far-future", test_load_far_future);
    ADD("/bans/add/ceiling", test_ceiling);
    ADD("/bans/lookup/addr", test_lookup_addr);
    ADD("/bans/list/sorted-and-counts", test_list_and_counts);
    ADD("/bans/list/page", test_list_page);
    ADD("/bans/fw-flush/keeps-store", test_fw_flush);
    ADD("/bans/attach/idle-and-timer", test_attached_sources);
    ADD("/bans/attach/flush-not-starved", test_flush_not_starved);
    ADD("/bans/attach/retry-timer", test_retry_timer);
    for (guint i = 0; i < G_N_ELEMENTS(compact_cases); i++) {
        g_autofree char *path = g_strdup_printf("/bans/compact/round-trip/%s", compact_cases[i].name);
        g_test_add_data_func(path, &compact_cases[i], test_compact_round_trip);
    }
    return g_test_run();
}
