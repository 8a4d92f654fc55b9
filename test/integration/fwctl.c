// SPDX-License-Identifier: GPL-2.0-or-later
// Drives a firewall backend (libiptc, nftables or ipset) from the command line, so integration
// cases and benchmarks can run real commits in a network namespace and compare iptables-legacy -S
// or nft list with what they expect.
//
// fwctl [OPTIONS] COMMAND [OPERAND...] [COMMAND [OPERAND...]]...
//   options:  --chain NAME  --hooks H1,H2  --action drop|reject  --direction in|both
//             --log PREFIX  --lock FILE  --lock-timeout MS  --stats
//             --backend iptables|nftables|ipset|auto (default iptables)
//             --timeout S   remaining time of adds and reconcile entries without their own
//             --timed       reconcile with remaining times (fw_reconcile_timed)
//   a prefix operand may end in ",S": its own remaining time in seconds (0: permanent)
//   ensure | flush | list             one operation each; list prints one prefix a line
//   flush-others                      removes the other backend's objects (fw_flush_others)
//   apply OPERAND...                  one batch: +PREFIX adds, -PREFIX removes,
//                                     +seq:ADDR:N / -seq:ADDR:N N consecutive addresses
//                                     (IPv4 or IPv6), @FILE lines of +PREFIX / -PREFIX
//   reconcile [PREFIX | seq:A.B.C.D:N | @FILE]...   the desired set
//   counters                          reads what the bans dropped (fw_counters_read): one line
//                                     "FAMILY HOOK PACKETS BYTES" per family and hook ("ipv4
//                                     input 7 588"); with --stats also "counters
//                                     duration_us=.. entries=.."
//   counters-busy N [PREFIX]          N rounds of a main loop committing a batch of 100 bans
//                                     (added, then removed; PREFIX with them) while
//                                     fw_counters_read_async reads in a thread; prints
//                                     "counters-busy reads=.. commits=.. packets=.." (the last
//                                     read's sum) and fails when a read fails or a count goes
//                                     down
//   pause MS                          sleeps (benchmarks: a main-loop turn between commits)
//   wait-file PATH                    waits up to 10 s for PATH to exist (tests: a change made
//                                     by hand between two operations of one handle)
// With --stats every operation prints "OP duration_us=.. lock_wait_us=.. commit_us=..
// commits=.. retries=.. rules=.." (and reconcile's repairs) on stdout.
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "fw_backends.h"
#include "fw_counters.h"
#include "fw_probe.h"

static gboolean opt_stats;
static gboolean opt_timed;
static guint32 opt_timeout_s;
static FwBackend opt_backend = FW_BACKEND_IPTABLES;

static void die(const char *fmt, ...) G_GNUC_PRINTF(1, 2) G_GNUC_NORETURN;

static void
die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fwctl: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(2);
}

static IpPrefix
parse_prefix(const char *text, guint32 *timeout_s)
{
    IpPrefix p;
    g_autoptr(GError) error = NULL;
    g_autofree char *copy = g_strdup(text);
    char *comma = strchr(copy, ',');
    *timeout_s = opt_timeout_s;
    if (comma) {
        guint64 t;
        *comma = '\0';
        if (!g_ascii_string_to_unsigned(comma + 1, 10, 0, G_MAXUINT32, &t, NULL))
            die("bad timeout in \"%s\"", text);
        *timeout_s = (guint32)t;
    }
    if (!ipprefix_parse(copy, &p, &error))
        die("bad prefix \"%s\": %s", text, error->message);
    return p;
}

/* "seq:ADDR:N": N consecutive host prefixes from ADDR (IPv4 or IPv6; for IPv6 the count
 * runs in the low 32 bits). */
static gboolean
add_seq(const char *spec, FwChangeKind kind, GArray *changes, GArray *prefixes)
{
    if (!g_str_has_prefix(spec, "seq:"))
        return FALSE;
    const char *colon = strrchr(spec + 4, ':');
    guint64 n = 0;
    g_autofree char *addr_text = colon ? g_strndup(spec + 4, (gsize)(colon - spec - 4)) : NULL;
    IpAddr start;
    if (!colon || !ipaddr_parse(addr_text, &start) ||
        !g_ascii_string_to_unsigned(colon + 1, 10, 1, 1u << 24, &n, NULL))
        die("bad sequence \"%s\"", spec);
    guint off = start.family == AF_INET ? 0 : 12;
    guint32 a;
    memcpy(&a, start.bytes + off, 4);
    a = ntohl(a);
    for (guint64 i = 0; i < n; i++) {
        IpPrefix p = {.addr = start};
        guint32 be = htonl(a + (guint32)i);
        memcpy(p.addr.bytes + off, &be, 4);
        p.len = start.family == AF_INET ? 32 : 128;
        FwChange c = {.kind = kind, .prefix = p, .timeout_s = opt_timeout_s};
        g_array_append_val(changes ? changes : prefixes, c);
    }
    return TRUE;
}

static void add_operand(const char *arg, GArray *changes, GArray *prefixes);

static void
add_file(const char *path, GArray *changes, GArray *prefixes)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    if (!g_file_get_contents(path, &text, NULL, &error))
        die("%s", error->message);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++) {
        g_strstrip(lines[i]);
        if (lines[i][0] != '\0' && lines[i][0] != '@')
            add_operand(lines[i], changes, prefixes);
    }
}

/* An operand of apply (changes != NULL) or reconcile (prefixes != NULL). */
static void
add_operand(const char *arg, GArray *changes, GArray *prefixes)
{
    if (arg[0] == '@') {
        add_file(arg + 1, changes, prefixes);
        return;
    }
    if (changes) {
        if (arg[0] != '+' && arg[0] != '-')
            die("apply operand \"%s\" must start with + or -", arg);
        FwChangeKind kind = arg[0] == '+' ? FW_CHANGE_ADD : FW_CHANGE_REMOVE;
        if (add_seq(arg + 1, kind, changes, NULL))
            return;
        FwChange c = {.kind = kind};
        c.prefix = parse_prefix(arg + 1, &c.timeout_s);
        g_array_append_val(changes, c);
    } else if (!add_seq(arg, FW_CHANGE_ADD, NULL, prefixes)) {
        FwChange c = {.kind = FW_CHANGE_ADD};
        c.prefix = parse_prefix(arg, &c.timeout_s);
        g_array_append_val(prefixes, c);
    }
}

static void
print_stats(Fw *fw, const char *op)
{
    if (!opt_stats)
        return;
    if (fw_kind(fw) == FW_BACKEND_NFTABLES) {
        FwNftStats ns;
        fw_nft_last_stats(fw, &ns);
        printf("%s duration_us=%" G_GINT64_FORMAT " messages=%u elements=%u destroy_elem=%d "
               "update_timeout=%d\n",
               op, ns.duration_us, ns.messages, ns.elements, ns.destroy_elem, ns.update_timeout);
        return;
    }
    if (fw_kind(fw) == FW_BACKEND_IPSET) {
        FwIpsetStats is;
        fw_ipset_last_stats(fw, &is);
        printf("%s duration_us=%" G_GINT64_FORMAT " dump_us=%" G_GINT64_FORMAT
               " rules_us=%" G_GINT64_FORMAT " elements=%u members=%u\n",
               op, is.duration_us, is.dump_us, is.rules_us, is.elements, is.members);
        return;
    }
    FwIptcStats st;
    fw_iptc_last_stats(fw, &st);
    printf("%s duration_us=%" G_GINT64_FORMAT " lock_wait_us=%" G_GINT64_FORMAT
           " commit_us=%" G_GINT64_FORMAT " commits=%u retries=%u rules=%u\n",
           op, st.duration_us, st.lock_wait_us, st.commit_us, st.commits, st.retries, st.rules);
}

static void
print_counters(Fw *fw)
{
    g_autoptr(FwCounterSpec) spec = fw_counter_spec_new(fw);
    if (!spec)
        die("the %s backend keeps no counters", fw_name(fw));
    g_autoptr(GArray) counts = g_array_new(FALSE, FALSE, sizeof(FwDropCount));
    g_autoptr(GError) error = NULL;
    gint64 start = g_get_monotonic_time();
    if (!fw_counters_read(spec, counts, &error))
        die("%s", error->message);
    gint64 took = g_get_monotonic_time() - start;
    for (guint j = 0; j < counts->len; j++) {
        const FwDropCount *d = &g_array_index(counts, FwDropCount, j);
        printf("%s %s %" G_GUINT64_FORMAT " %" G_GUINT64_FORMAT "\n",
               d->family == AF_INET ? "ipv4" : "ipv6", d->hook, d->packets, d->bytes);
    }
    if (opt_stats)
        printf("counters duration_us=%" G_GINT64_FORMAT " entries=%u\n", took, counts->len);
}

/* counters-busy: reads in a GTask thread, one after the other, while the main loop commits
 * batches through the same backend's Fw, as the daemon's scrape does beside its bans. */
typedef struct {
    Fw *fw;
    FwCounterSpec *spec;
    GMainLoop *loop;
    guint rounds;
    guint commits;
    guint reads;
    gboolean reading;
    gboolean has_extra;
    IpPrefix extra; /* banned and unbanned with each batch */
    GArray *last;   /* the previous read, to check that no count goes down */
    char *failure;
} Busy;

static void busy_read(Busy *b);

static void
busy_read_done(GObject *source, GAsyncResult *res, gpointer data)
{
    (void)source;
    Busy *b = data;
    g_autoptr(GError) error = NULL;
    GArray *counts = fw_counters_read_finish(res, &error);
    b->reading = FALSE;
    if (!counts) {
        b->failure = g_strdup_printf("read %u: %s", b->reads, error->message);
        g_main_loop_quit(b->loop);
        return;
    }
    b->reads++;
    if (b->last && b->last->len != counts->len)
        b->failure =
            g_strdup_printf("read %u: %u entries, before %u", b->reads, counts->len, b->last->len);
    for (guint j = 0; b->last && !b->failure && j < counts->len; j++) {
        const FwDropCount *now = &g_array_index(counts, FwDropCount, j);
        const FwDropCount *was = &g_array_index(b->last, FwDropCount, j);
        if (now->packets < was->packets || now->bytes < was->bytes)
            b->failure = g_strdup_printf("read %u: %s counts went down", b->reads, now->hook);
    }
    if (b->last)
        g_array_unref(b->last);
    b->last = counts;
    if (b->failure || b->commits >= b->rounds)
        g_main_loop_quit(b->loop);
    else
        busy_read(b);
}

static void
busy_read(Busy *b)
{
    b->reading = TRUE;
    fw_counters_read_async(b->spec, NULL, busy_read_done, b);
}

static gboolean
busy_commit(gpointer data)
{
    Busy *b = data;
    g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(FwChange));
    IpAddr base;
    if (!ipaddr_parse(b->commits % 4 < 2 ? "198.18.0.1" : "2001:db8:ff::1", &base))
        die("counters-busy: bad base address");
    FwChangeKind kind = b->commits % 2 == 0 ? FW_CHANGE_ADD : FW_CHANGE_REMOVE;
    for (guint k = 0; k < 100; k++) {
        FwChange c = {.kind = kind, .timeout_s = 600};
        c.prefix.addr = base;
        c.prefix.len = base.family == AF_INET ? 32 : 128;
        c.prefix.addr.bytes[base.family == AF_INET ? 3 : 15] = (guint8)(k + 1);
        g_array_append_val(changes, c);
    }
    if (b->has_extra) {
        FwChange c = {.kind = kind, .prefix = b->extra, .timeout_s = 600};
        g_array_append_val(changes, c);
    }
    g_autoptr(GError) error = NULL;
    if (!fw_apply(b->fw, (const FwChange *)changes->data, changes->len, &error)) {
        b->failure = g_strdup_printf("commit %u: %s", b->commits, error->message);
        g_main_loop_quit(b->loop);
        return G_SOURCE_REMOVE;
    }
    b->commits++;
    /* The last read ends the loop once every round is committed. */
    return b->commits < b->rounds ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static void
counters_busy(Fw *fw, guint rounds, const char *extra)
{
    Busy b = {.fw = fw, .rounds = rounds, .spec = fw_counter_spec_new(fw)};
    if (extra) {
        guint32 unused;
        b.extra = parse_prefix(extra, &unused);
        b.has_extra = TRUE;
    }
    if (!b.spec)
        die("the %s backend keeps no counters", fw_name(fw));
    b.loop = g_main_loop_new(NULL, FALSE);
    g_timeout_add(5, busy_commit, &b);
    busy_read(&b);
    g_main_loop_run(b.loop);
    /* A read still under way holds the spec's copy only, but its callback needs b. */
    while (b.reading)
        g_main_context_iteration(NULL, TRUE);
    if (b.failure)
        die("counters-busy: %s", b.failure);
    guint64 packets = 0;
    for (guint j = 0; b.last && j < b.last->len; j++)
        packets += g_array_index(b.last, FwDropCount, j).packets;
    printf("counters-busy reads=%u commits=%u packets=%" G_GUINT64_FORMAT "\n", b.reads, b.commits,
           packets);
    if (b.reads < 2)
        die("counters-busy: only %u reads beside %u commits", b.reads, b.commits);
    if (b.last)
        g_array_unref(b.last);
    g_main_loop_unref(b.loop);
    fw_counter_spec_free(b.spec);
}

static gboolean
is_command(const char *arg)
{
    static const char *const words[] = {"ensure",    "flush",        "list",      "apply",
                                        "reconcile", "pause",        "wait-file", "flush-others",
                                        "counters",  "counters-busy"};
    for (guint i = 0; i < G_N_ELEMENTS(words); i++) {
        if (strcmp(arg, words[i]) == 0)
            return TRUE;
    }
    return FALSE;
}

static void
parse_options(int *i, int argc, char **argv, FwConfig *cfg)
{
    for (; *i < argc && g_str_has_prefix(argv[*i], "--"); (*i)++) {
        const char *opt = argv[*i];
        if (strcmp(opt, "--stats") == 0) {
            opt_stats = TRUE;
            continue;
        }
        if (strcmp(opt, "--timed") == 0) {
            opt_timed = TRUE;
            continue;
        }
        if (*i + 1 >= argc)
            die("%s needs a value", opt);
        const char *val = argv[++*i];
        if (strcmp(opt, "--chain") == 0) {
            g_strlcpy(cfg->chain, val, sizeof cfg->chain);
        } else if (strcmp(opt, "--hooks") == 0) {
            g_auto(GStrv) hooks = g_strsplit(val, ",", -1);
            cfg->n_hooks = 0;
            for (guint h = 0; hooks[h] && cfg->n_hooks < FW_HOOKS_MAX; h++)
                g_strlcpy(cfg->hooks[cfg->n_hooks++], hooks[h], sizeof cfg->hooks[0]);
        } else if (strcmp(opt, "--action") == 0) {
            if (strcmp(val, "drop") != 0 && strcmp(val, "reject") != 0)
                die("--action drop|reject");
            cfg->action = strcmp(val, "drop") == 0 ? FW_ACTION_DROP : FW_ACTION_REJECT;
        } else if (strcmp(opt, "--direction") == 0) {
            if (strcmp(val, "in") != 0 && strcmp(val, "both") != 0)
                die("--direction in|both");
            cfg->direction = strcmp(val, "in") == 0 ? FW_DIRECTION_IN : FW_DIRECTION_BOTH;
        } else if (strcmp(opt, "--log") == 0) {
            cfg->log = TRUE;
            g_strlcpy(cfg->log_prefix, val, sizeof cfg->log_prefix);
        } else if (strcmp(opt, "--backend") == 0) {
            if (strcmp(val, "iptables") == 0)
                opt_backend = FW_BACKEND_IPTABLES;
            else if (strcmp(val, "nftables") == 0)
                opt_backend = FW_BACKEND_NFTABLES;
            else if (strcmp(val, "ipset") == 0)
                opt_backend = FW_BACKEND_IPSET;
            else if (strcmp(val, "auto") == 0)
                opt_backend = FW_BACKEND_AUTO;
            else
                die("--backend iptables|nftables|ipset|auto");
        } else if (strcmp(opt, "--timeout") == 0) {
            guint64 t;
            if (!g_ascii_string_to_unsigned(val, 10, 0, G_MAXUINT32, &t, NULL))
                die("bad --timeout %s", val);
            opt_timeout_s = (guint32)t;
        } else if (strcmp(opt, "--lock") == 0) {
            g_strlcpy(cfg->lock_file, val, sizeof cfg->lock_file);
        } else if (strcmp(opt, "--lock-timeout") == 0) {
            guint64 ms;
            if (!g_ascii_string_to_unsigned(val, 10, 0, 600000, &ms, NULL))
                die("bad --lock-timeout %s", val);
            cfg->lock_timeout_ms = (guint)ms;
        } else {
            die("unknown option %s", opt);
        }
    }
}

int
main(int argc, char **argv)
{
    FwConfig cfg;
    fw_config_init_defaults(&cfg);
    int i = 1;
    parse_options(&i, argc, argv, &cfg);
    if (i >= argc)
        die("no command (ensure, apply, list, reconcile, flush)");

    g_autoptr(GError) error = NULL;
    cfg.backend = opt_backend;
    g_autoptr(Fw) fw = fw_new_from_config(&cfg, &error);
    if (!fw)
        die("%s", error->message);

    while (i < argc) {
        const char *cmd = argv[i++];
        if (!is_command(cmd))
            die("unknown command \"%s\"", cmd);
        g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(FwChange));
        g_autoptr(GArray) prefixes = g_array_new(FALSE, FALSE, sizeof(FwChange));
        if (strcmp(cmd, "wait-file") == 0) {
            if (i >= argc)
                die("wait-file needs a path");
            gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
            while (!g_file_test(argv[i], G_FILE_TEST_EXISTS)) {
                if (g_get_monotonic_time() > deadline)
                    die("timed out waiting for %s", argv[i]);
                g_usleep(10000);
            }
            i++;
            continue;
        }
        if (strcmp(cmd, "counters") == 0) {
            print_counters(fw);
            continue;
        }
        if (strcmp(cmd, "counters-busy") == 0) {
            guint64 n;
            if (i >= argc || !g_ascii_string_to_unsigned(argv[i], 10, 1, 100000, &n, NULL))
                die("counters-busy needs a number of rounds");
            i++;
            const char *extra = i < argc && !is_command(argv[i]) ? argv[i++] : NULL;
            counters_busy(fw, (guint)n, extra);
            continue;
        }
        if (strcmp(cmd, "pause") == 0) {
            guint64 ms;
            if (i >= argc || !g_ascii_string_to_unsigned(argv[i], 10, 0, 60000, &ms, NULL))
                die("pause needs a number of milliseconds up to 60000");
            g_usleep(ms * 1000);
            i++;
            continue;
        }
        for (; i < argc && !is_command(argv[i]); i++) {
            if (strcmp(cmd, "apply") == 0)
                add_operand(argv[i], changes, NULL);
            else if (strcmp(cmd, "reconcile") == 0)
                add_operand(argv[i], NULL, prefixes);
            else
                die("%s takes no operands (got \"%s\")", cmd, argv[i]);
        }
        gboolean ok;
        FwReconcileStats rs = {0};
        if (strcmp(cmd, "ensure") == 0) {
            ok = fw_ensure(fw, &error);
        } else if (strcmp(cmd, "flush-others") == 0) {
            ok = fw_flush_others(&cfg, fw, &error);
        } else if (strcmp(cmd, "flush") == 0) {
            ok = fw_flush(fw, &error);
        } else if (strcmp(cmd, "apply") == 0) {
            ok = fw_apply(fw, (const FwChange *)changes->data, changes->len, &error);
        } else if (strcmp(cmd, "reconcile") == 0 && opt_timed) {
            ok = fw_reconcile_timed(fw, (const FwChange *)prefixes->data, prefixes->len, &rs,
                                    &error);
        } else if (strcmp(cmd, "reconcile") == 0) {
            g_autoptr(GArray) plain = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
            for (guint j = 0; j < prefixes->len; j++)
                g_array_append_val(plain, g_array_index(prefixes, FwChange, j).prefix);
            ok = fw_reconcile(fw, (const IpPrefix *)plain->data, plain->len, &rs, &error);
        } else {
            g_autoptr(GArray) listed = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
            ok = fw_list(fw, listed, &error);
            for (guint j = 0; ok && j < listed->len; j++) {
                char buf[IPADDR_STRLEN];
                printf("%s\n", ipprefix_format(&g_array_index(listed, IpPrefix, j), buf));
            }
        }
        if (!ok) {
            fprintf(stderr, "fwctl: %s\n", error->message);
            return 1;
        }
        print_stats(fw, cmd);
        if (strcmp(cmd, "reconcile") == 0 && opt_stats) {
            printf("reconcile added=%u removed=%u duplicates=%u hooks_fixed=%u", rs.added,
                   rs.removed, rs.duplicates, rs.hooks_fixed);
            if (fw_kind(fw) == FW_BACKEND_NFTABLES || fw_kind(fw) == FW_BACKEND_IPSET)
                printf(" updated=%u", rs.updated);
            printf("\n");
        }
    }
    return 0;
}
