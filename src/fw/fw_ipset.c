// SPDX-License-Identifier: GPL-2.0-or-later
// The ipset firewall backend: bans as members of two hash:net sets with per-member timeouts
// (one per family), kept through libipset's session API, and matched by one rule per family
// and hook that the libiptc code keeps for it (fw_ipset_rules.h). Changes go to
// the kernel in restore-style aggregated netlink messages; reading a set is one list dump.
//
// Layout (see the README's fw_ipset paragraph), for chain = ALERTBAN:
//   ipset ALERTBAN4  hash:net family inet  timeout 0 maxelem FW_IPSET_MAXELEM
//   ipset ALERTBAN6  hash:net family inet6 timeout 0 maxelem FW_IPSET_MAXELEM
//   -I <hook> -m set --match-set ALERTBAN4 src -j DROP|ALERTBAN-SET  (ip6tables: ALERTBAN6)
//   and with direction = both "... dst ..." on OUTPUT and the hooks other than INPUT.
// "timeout 0" at creation lets each member carry its own timeout, 0 being permanent.
#include "fw_backends.h"

#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include <libipset/ipset.h>

#include "error.h"
#include "fw_ipset_parse.h"
#include "fw_ipset_rules.h"
#include "fw_sets.h"

/* Room for a million bans per family and more; the hash grows as members come. */
#define FW_IPSET_MAXELEM 4194304u
/* The kernel keeps timeouts in milliseconds in 31 bits and silently caps longer ones at this
 * many seconds (about 24.8 days). A longer ban goes in without a timeout (permanent) and the
 * daemon removes it when it ends. */
#define KERNEL_MAX_TIMEOUT_S 2147483u
/* Remaining times that differ by at most this much count as equal in a timed reconcile. */
#define RECONCILE_SLACK_S 5

enum { FAM4, FAM6, N_FAMS };

typedef struct {
    Fw parent;
    FwConfig cfg;
    char set[N_FAMS][FW_IPSET_NAME_MAX];
    FwSetRules *rules; /* the libiptc half */
    /* This handle has made or seen the sets, so finding one missing means someone
     * destroyed it (with its members). */
    gboolean sets_known;
    FwIpsetStats last;
} FwIpset;

static const FwOps ipset_ops;

static FwIpset *
ipset_of(Fw *fw)
{
    g_assert(fw->ops == &ipset_ops);
    return (FwIpset *)fw;
}

static int
fam_index(const IpPrefix *p)
{
    return p->addr.family == AF_INET6 ? FAM6 : FAM4;
}

/* ---- sessions ---- */

/* What a session's output goes to: the save lines of a list, parsed as they arrive. */
typedef struct {
    GString *pending; /* an incomplete last line */
    GArray *members;  /* FwIpsetMember */
    FwIpsetHeader header;
    gboolean have_header;
    GError *error; /* the first line that could not be read */
} Sink;

static void
sink_lines(Sink *s)
{
    gsize start = 0;
    for (;;) {
        const char *nl = memchr(s->pending->str + start, '\n', s->pending->len - start);
        if (!nl)
            break;
        gsize len = (gsize)(nl - (s->pending->str + start));
        FwIpsetLineKind kind;
        FwIpsetMember m;
        FwIpsetHeader h;
        GError *err = NULL;
        if (!fw_ipset_parse_save_line(s->pending->str + start, len, &kind, &h, &m, &err)) {
            if (!s->error)
                s->error = err;
            else
                g_error_free(err);
        } else if (kind == FW_IPSET_LINE_CREATE) {
            s->header = h;
            s->have_header = TRUE;
        } else if (kind == FW_IPSET_LINE_ADD && s->members) {
            g_array_append_val(s->members, m);
        }
        start += len + 1;
    }
    g_string_erase(s->pending, 0, (gssize)start);
}

static int G_GNUC_PRINTF(3, 4)
    session_out(struct ipset_session *session, void *p, const char *fmt, ...)
{
    (void)session;
    Sink *s = p;
    if (!s)
        return 0;
    gsize before = s->pending->len;
    va_list ap;
    va_start(ap, fmt);
    g_string_append_vprintf(s->pending, fmt, ap);
    va_end(ap);
    sink_lines(s);
    return (int)(s->pending->len >= before ? s->pending->len - before : 0);
}

static void
load_types_once(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        ipset_load_types();
        g_once_init_leave(&done, 1);
    }
}

static struct ipset_session *
session_new(Sink *sink, GError **error)
{
    load_types_once();
    struct ipset_session *s = ipset_session_init(session_out, sink);
    if (!s) {
        g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                            "fw-ipset: cannot start a libipset session (out of memory)");
        return NULL;
    }
    return s;
}

/* The session's report, without libipset's trailing newline. */
static char *
session_message(struct ipset_session *s)
{
    char *msg = g_strdup(ipset_session_report_msg(s));
    g_strchomp(msg);
    if (msg[0] == '\0') {
        g_free(msg);
        msg = g_strdup("unknown libipset error");
    }
    return msg;
}

static gboolean session_fail(struct ipset_session *s, GError **error, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

static gboolean
session_fail(struct ipset_session *s, GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_autofree char *msg = session_message(s);
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "fw-ipset: %s: %s", what, msg);
    return FALSE;
}

static void
session_free(struct ipset_session *s)
{
    if (s)
        ipset_session_fini(s);
}

/* ---- reading a set ---- */

/* Dumps set name once, in save form: its header and (unless header_only) every member.
 * *exists is FALSE, and TRUE returned, when there is no such set. */
static gboolean
read_set(const char *name, gboolean header_only, gboolean *exists, FwIpsetHeader *header,
         GArray *members, GError **error)
{
    g_autoptr(GString) pending = g_string_sized_new(4096);
    Sink sink = {.pending = pending, .members = header_only ? NULL : members};
    struct ipset_session *s = session_new(&sink, error);
    if (!s)
        return FALSE;
    ipset_session_output(s, IPSET_LIST_SAVE);
    if (header_only)
        ipset_envopt_set(s, IPSET_ENV_LIST_HEADER);
    gboolean ok = TRUE;
    *exists = TRUE;
    if (ipset_session_data_set(s, IPSET_SETNAME, name) < 0 || ipset_cmd(s, IPSET_CMD_LIST, 0) < 0) {
        g_autofree char *msg = session_message(s);
        if (strstr(msg, "does not exist")) {
            *exists = FALSE;
        } else {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                        "fw-ipset: listing set %s: %s", name, msg);
            ok = FALSE;
        }
    }
    session_free(s);
    if (ok && *exists) {
        if (pending->len > 0) {
            g_string_append_c(pending, '\n');
            sink_lines(&sink);
        }
        if (sink.error) {
            g_propagate_prefixed_error(error, g_steal_pointer(&sink.error),
                                       "fw-ipset: listing set %s: ", name);
            ok = FALSE;
        } else if (!sink.have_header) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                        "fw-ipset: listing set %s: no header in libipset's output", name);
            ok = FALSE;
        } else {
            *header = sink.header;
        }
    }
    g_clear_error(&sink.error);
    return ok;
}

/* Reads both sets' members into installed (FwSetEntry); nomatch members (hand-made
 * exceptions, never ours) go to odd (IpPrefix) when it is not NULL. A missing set reads as
 * empty. */
static gboolean
read_all(FwIpset *f, GArray *installed, GArray *odd, guint *members, GError **error)
{
    g_autoptr(GArray) raw = g_array_new(FALSE, FALSE, sizeof(FwIpsetMember));
    for (int fam = 0; fam < N_FAMS; fam++) {
        gboolean exists;
        FwIpsetHeader h;
        g_array_set_size(raw, 0);
        if (!read_set(f->set[fam], FALSE, &exists, &h, raw, error))
            return FALSE;
        for (guint i = 0; i < raw->len; i++) {
            const FwIpsetMember *m = &g_array_index(raw, FwIpsetMember, i);
            if (m->entry.prefix.addr.family != (fam == FAM4 ? AF_INET : AF_INET6))
                continue;
            if (m->nomatch) {
                if (odd)
                    g_array_append_val(odd, m->entry.prefix);
                continue;
            }
            g_array_append_val(installed, m->entry);
        }
        if (members)
            *members += raw->len;
    }
    return TRUE;
}

/* ---- the sets ---- */

static const char *
family_word(int fam)
{
    return fam == FAM4 ? "inet" : "inet6";
}

/* Creates the family's set, or checks that the one there is a hash:net of that family with
 * timeouts. */
static gboolean
ensure_set(FwIpset *f, int fam, GError **error)
{
    const char *name = f->set[fam];
    gboolean exists;
    FwIpsetHeader h;
    if (!read_set(name, TRUE, &exists, &h, NULL, error))
        return FALSE;
    if (exists) {
        int want_af = fam == FAM4 ? AF_INET : AF_INET6;
        if (strcmp(h.type, "hash:net") != 0 || h.family != want_af || !h.has_timeout) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                        "fw-ipset: set %s exists as %s%s%s%s, not as hash:net family %s with "
                        "timeouts: remove it (ipset destroy %s) or configure another chain name",
                        name, h.type, h.family ? " family " : "",
                        h.family == AF_INET    ? "inet"
                        : h.family == AF_INET6 ? "inet6"
                                               : "",
                        h.has_timeout ? "" : " without timeouts", family_word(fam), name);
            return FALSE;
        }
        return TRUE;
    }
    struct ipset_session *s = session_new(NULL, error);
    if (!s)
        return FALSE;
    guint8 family = fam == FAM4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
    guint32 timeout = 0, maxelem = FW_IPSET_MAXELEM;
    gboolean ok = ipset_session_data_set(s, IPSET_SETNAME, name) == 0 &&
                  ipset_session_data_set(s, IPSET_OPT_TYPENAME, "hash:net") == 0 &&
                  ipset_session_data_set(s, IPSET_OPT_FAMILY, &family) == 0 &&
                  ipset_type_get(s, IPSET_CMD_CREATE) != NULL &&
                  ipset_session_data_set(s, IPSET_OPT_TIMEOUT, &timeout) == 0 &&
                  ipset_session_data_set(s, IPSET_OPT_MAXELEM, &maxelem) == 0 &&
                  ipset_cmd(s, IPSET_CMD_CREATE, 0) == 0;
    if (!ok)
        session_fail(s, error, "creating set %s (hash:net family %s timeout 0)", name,
                     family_word(fam));
    else
        g_debug("fw-ipset: created set %s", name);
    session_free(s);
    return ok;
}

/* ---- changes ---- */

static guint32
kernel_timeout(guint32 timeout_s)
{
    return timeout_s > KERNEL_MAX_TIMEOUT_S ? 0 : timeout_s;
}

/* Puts the changes into one session in order, as aggregated add and del messages (libipset
 * starts a new message when the command or the set changes, or a page is full), with "exist"
 * semantics: adding a present member sets its timeout, deleting an absent one is no error. */
static gboolean
send_changes(FwIpset *f, const FwChange *changes, gsize n, const char *op, GError **error)
{
    if (n == 0)
        return TRUE;
    struct ipset_session *s = session_new(NULL, error);
    if (!s)
        return FALSE;
    ipset_envopt_set(s, IPSET_ENV_EXIST);
    gboolean ok = TRUE;
    for (gsize i = 0; i < n && ok; i++) {
        const FwChange *c = &changes[i];
        int fam = fam_index(&c->prefix);
        guint8 family = fam == FAM4 ? NFPROTO_IPV4 : NFPROTO_IPV6;
        guint8 cidr = c->prefix.len;
        guint32 timeout = kernel_timeout(c->timeout_s);
        enum ipset_cmd cmd = c->kind == FW_CHANGE_ADD ? IPSET_CMD_ADD : IPSET_CMD_DEL;
        /* The data is reset after every command: name, type and family each time. The type
         * comes from libipset's cache after the first lookup. */
        ok =
            ipset_session_data_set(s, IPSET_SETNAME, f->set[fam]) == 0 &&
            ipset_type_get(s, cmd) != NULL &&
            ipset_session_data_set(s, IPSET_OPT_FAMILY, &family) == 0 &&
            ipset_session_data_set(s, IPSET_OPT_IP, c->prefix.addr.bytes) == 0 &&
            ipset_session_data_set(s, IPSET_OPT_CIDR, &cidr) == 0 &&
            (cmd == IPSET_CMD_DEL || ipset_session_data_set(s, IPSET_OPT_TIMEOUT, &timeout) == 0) &&
            ipset_cmd(s, cmd, (guint32)(i + 1)) == 0;
        if (!ok) {
            char buf[IPADDR_STRLEN];
            session_fail(s, error, "%s: %s %s %s", op, c->kind == FW_CHANGE_ADD ? "add" : "del",
                         f->set[fam], ipprefix_format(&c->prefix, buf));
        }
    }
    if (ok && ipset_commit(s) < 0)
        ok = session_fail(s, error, "%s: committing %" G_GSIZE_FORMAT " changes", op, n);
    f->last.elements += ok ? (guint)n : 0;
    session_free(s);
    return ok;
}

/* ---- FwOps ---- */

static gboolean
ensure_sets(FwIpset *f, GError **error)
{
    for (int fam = 0; fam < N_FAMS; fam++) {
        if (!ensure_set(f, fam, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
ipset_ensure(Fw *fw, GError **error)
{
    FwIpset *f = ipset_of(fw);
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    gboolean ok = ensure_sets(f, error) && fw_set_rules_repair(f->rules, NULL, error);
    f->sets_known = f->sets_known || ok;
    f->last.duration_us = g_get_monotonic_time() - start;
    return ok;
}

static gboolean
ipset_apply(Fw *fw, const FwChange *changes, gsize n, GError **error)
{
    FwIpset *f = ipset_of(fw);
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    for (gsize i = 0; i < n; i++) {
        if (!fw_prefix_bannable(&changes[i].prefix, "fw-ipset", "apply", error))
            return FALSE;
    }
    if (n == 0)
        return TRUE;
    /* The sets first (the batch), then the rules: apply re-creates a hook rule deleted by
     * hand, and needs the set for it. */
    GError *err = NULL;
    gboolean ok = send_changes(f, changes, n, "apply", &err);
    gboolean missing = FALSE;
    if (!ok) {
        /* A missing set (never made, or destroyed by hand): make both and send again. */
        for (int fam = 0; fam < N_FAMS; fam++) {
            gboolean exists = TRUE;
            FwIpsetHeader h;
            if (read_set(f->set[fam], TRUE, &exists, &h, NULL, NULL) && !exists)
                missing = TRUE;
        }
        if (missing) {
            g_clear_error(&err);
            ok = ensure_sets(f, &err) && send_changes(f, changes, n, "apply", &err);
        }
    }
    if (!ok)
        g_propagate_error(error, err);
    if (ok && missing && f->sets_known) {
        /* The set went with its members: the batch is in, but only a reconcile brings the
         * other bans back, and callers reconcile after an error. */
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                    "fw-ipset: apply: set %s or %s was missing (destroyed by hand?); re-created "
                    "with this batch, a reconcile must restore the other bans",
                    f->set[FAM4], f->set[FAM6]);
        f->last.duration_us = g_get_monotonic_time() - start;
        return FALSE;
    }
    f->sets_known = f->sets_known || ok;
    if (ok) {
        gint64 t0 = g_get_monotonic_time();
        ok = fw_set_rules_restore(f->rules, changes, n, error);
        f->last.rules_us = g_get_monotonic_time() - t0;
    }
    f->last.duration_us = g_get_monotonic_time() - start;
    return ok;
}

/* With timed: FwChange entries with their remaining time; else IpPrefix. */
static gboolean
ipset_list_as(Fw *fw, GArray *out, gboolean timed, GError **error)
{
    FwIpset *f = ipset_of(fw);
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    if (!read_all(f, entries, NULL, &f->last.members, error))
        return FALSE;
    for (guint i = 0; i < entries->len; i++) {
        const FwSetEntry *e = &g_array_index(entries, FwSetEntry, i);
        if (timed) {
            FwChange c = {.kind = FW_CHANGE_ADD, .prefix = e->prefix, .timeout_s = e->timeout_s};
            g_array_append_val(out, c);
        } else {
            g_array_append_val(out, e->prefix);
        }
    }
    f->last.duration_us = g_get_monotonic_time() - start;
    return TRUE;
}

static gboolean
ipset_list(Fw *fw, GArray *out, GError **error)
{
    return ipset_list_as(fw, out, FALSE, error);
}

static gboolean
ipset_list_timed(Fw *fw, GArray *out, GError **error)
{
    return ipset_list_as(fw, out, TRUE, error);
}

static gboolean
reconcile_entries(FwIpset *f, GArray *desired, gboolean timed, FwReconcileStats *stats,
                  GError **error)
{
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    for (guint i = 0; i < desired->len; i++) {
        FwSetEntry *e = &g_array_index(desired, FwSetEntry, i);
        if (!fw_prefix_bannable(&e->prefix, "fw-ipset", "reconcile", error))
            return FALSE;
        /* What the kernel will hold for it, so that the comparison can come out equal. */
        e->timeout_s = kernel_timeout(e->timeout_s);
    }
    if (!ensure_sets(f, error))
        return FALSE;
    f->sets_known = TRUE;
    guint hooks_fixed = 0;
    if (!fw_set_rules_repair(f->rules, &hooks_fixed, error))
        return FALSE;
    gint64 t0 = g_get_monotonic_time();
    g_autoptr(GArray) installed = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    g_autoptr(GArray) odd = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    if (!read_all(f, installed, odd, &f->last.members, error))
        return FALSE;
    f->last.dump_us = g_get_monotonic_time() - t0;

    g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(FwChange));
    /* Hand-made exceptions first: deleting one by its key takes it out, and the diff below
     * then adds the prefix back as a ban if it is one. */
    for (guint i = 0; i < odd->len; i++) {
        FwChange c = {.kind = FW_CHANGE_REMOVE, .prefix = g_array_index(odd, IpPrefix, i)};
        g_array_append_val(changes, c);
    }
    FwReconcileStats rs = {.hooks_fixed = hooks_fixed, .removed = odd->len};
    fw_sets_diff(installed, desired, timed, RECONCILE_SLACK_S, changes, &rs);
    gboolean ok =
        send_changes(f, (const FwChange *)changes->data, changes->len, "reconcile", error);
    if (ok && stats) {
        *stats = rs;
        stats->duplicates = 0;
    }
    f->last.duration_us = g_get_monotonic_time() - start;
    return ok;
}

static gboolean
ipset_reconcile(Fw *fw, const IpPrefix *desired, gsize n, FwReconcileStats *stats, GError **error)
{
    g_autoptr(GArray) want = fw_sets_entries_from_prefixes(desired, n);
    return reconcile_entries(ipset_of(fw), want, FALSE, stats, error);
}

static gboolean
ipset_reconcile_timed(Fw *fw, const FwChange *desired, gsize n, FwReconcileStats *stats,
                      GError **error)
{
    g_autoptr(GArray) want = fw_sets_entries_from_changes(desired, n);
    return reconcile_entries(ipset_of(fw), want, TRUE, stats, error);
}

/* Destroys the set when it exists; the rules that matched it must be gone first. */
static gboolean
destroy_set(const char *name, GError **error)
{
    gboolean exists;
    FwIpsetHeader h;
    if (!read_set(name, TRUE, &exists, &h, NULL, error))
        return FALSE;
    if (!exists)
        return TRUE;
    struct ipset_session *s = session_new(NULL, error);
    if (!s)
        return FALSE;
    gboolean ok = ipset_session_data_set(s, IPSET_SETNAME, name) == 0 &&
                  ipset_cmd(s, IPSET_CMD_DESTROY, 0) == 0;
    if (!ok)
        session_fail(s, error, "destroying set %s (a rule of someone else's still using it?)",
                     name);
    session_free(s);
    return ok;
}

static gboolean
ipset_flush(Fw *fw, GError **error)
{
    FwIpset *f = ipset_of(fw);
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    gboolean ok = fw_set_rules_remove(f->rules, error);
    f->sets_known = FALSE;
    for (int fam = 0; fam < N_FAMS && ok; fam++)
        ok = destroy_set(f->set[fam], error);
    f->last.duration_us = g_get_monotonic_time() - start;
    return ok;
}

static void
ipset_free(Fw *fw)
{
    FwIpset *f = ipset_of(fw);
    fw_set_rules_free(f->rules);
    g_free(f);
}

static void
ipset_set_lock_nowait(Fw *fw, gboolean nowait)
{
    fw_set_rules_set_lock_nowait(ipset_of(fw)->rules, nowait);
}

static const FwOps ipset_ops = {
    .kind = FW_BACKEND_IPSET,
    .name = "ipset",
    .ensure = ipset_ensure,
    .apply = ipset_apply,
    .list = ipset_list,
    .reconcile = ipset_reconcile,
    .flush = ipset_flush,
    .free = ipset_free,
    .reconcile_timed = ipset_reconcile_timed,
    .set_lock_nowait = ipset_set_lock_nowait,
    .list_timed = ipset_list_timed,
};

/* ---- construction ---- */

Fw *
fw_ipset_new(const FwConfig *cfg, GError **error)
{
    g_return_val_if_fail(cfg != NULL, NULL);
    char names[N_FAMS][FW_IPSET_NAME_MAX];
    for (int fam = 0; fam < N_FAMS; fam++) {
        if ((gsize)g_snprintf(names[fam], sizeof names[fam], "%s%c", cfg->chain,
                              fam == FAM4 ? '4' : '6') >= sizeof names[fam]) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "fw-ipset: chain name \"%s\" too long for a set name", cfg->chain);
            return NULL;
        }
    }
    FwSetRules *rules = fw_set_rules_new(cfg, names[FAM4], names[FAM6], error);
    if (!rules) {
        g_prefix_error(error, "fw-ipset: ");
        return NULL;
    }
    FwIpset *f = g_new0(FwIpset, 1);
    f->parent.ops = &ipset_ops;
    f->cfg = *cfg;
    memcpy(f->set, names, sizeof names);
    f->rules = rules;
    return &f->parent;
}

const FwConfig *
fw_ipset_config(Fw *fw)
{
    g_return_val_if_fail(fw != NULL && fw->ops == &ipset_ops, NULL);
    return &((FwIpset *)fw)->cfg;
}

void
fw_ipset_last_stats(Fw *fw, FwIpsetStats *out)
{
    g_return_if_fail(fw != NULL && fw->ops == &ipset_ops);
    *out = ((FwIpset *)fw)->last;
}

gboolean
fw_ipset_available(const FwConfig *cfg)
{
    g_autoptr(Fw) fw = fw_ipset_new(cfg, NULL);
    if (!fw)
        return FALSE;
    /* Asking for our IPv4 set's header: the kernel answers (with it, or with "does not
     * exist") exactly when it has ip_set. */
    gboolean exists = FALSE;
    FwIpsetHeader header;
    return read_set(((FwIpset *)fw)->set[FAM4], TRUE, &exists, &header, NULL, NULL);
}
