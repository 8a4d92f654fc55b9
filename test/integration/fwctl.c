// SPDX-License-Identifier: GPL-2.0-or-later
// Drives the libiptc backend from the command line, so integration cases and benchmarks can
// run real commits in a network namespace and compare iptables-legacy -S with what they
// expect.
//
// fwctl [OPTIONS] COMMAND [OPERAND...] [COMMAND [OPERAND...]]...
//   options:  --chain NAME  --hooks H1,H2  --action drop|reject  --direction in|both
//             --log PREFIX  --lock FILE  --lock-timeout MS  --stats
//   ensure | flush | list             one operation each; list prints one prefix a line
//   apply OPERAND...                  one batch: +PREFIX adds, -PREFIX removes,
//                                     +seq:A.B.C.D:N / -seq:A.B.C.D:N N consecutive IPv4
//                                     addresses, @FILE lines of +PREFIX / -PREFIX
//   reconcile [PREFIX | seq:A.B.C.D:N | @FILE]...   the desired set
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
#include "fw.h"

static gboolean opt_stats;

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
parse_prefix(const char *text)
{
    IpPrefix p;
    g_autoptr(GError) error = NULL;
    if (!ipprefix_parse(text, &p, &error))
        die("bad prefix \"%s\": %s", text, error->message);
    return p;
}

/* "seq:A.B.C.D:N": N consecutive IPv4 host prefixes from A.B.C.D. */
static gboolean
add_seq(const char *spec, FwChangeKind kind, GArray *changes, GArray *prefixes)
{
    if (!g_str_has_prefix(spec, "seq:"))
        return FALSE;
    g_auto(GStrv) parts = g_strsplit(spec + 4, ":", 2);
    guint64 n = 0;
    struct in_addr start;
    if (g_strv_length(parts) != 2 || inet_pton(AF_INET, parts[0], &start) != 1 ||
        !g_ascii_string_to_unsigned(parts[1], 10, 1, 1u << 24, &n, NULL))
        die("bad sequence \"%s\"", spec);
    guint32 a = ntohl(start.s_addr);
    for (guint64 i = 0; i < n; i++) {
        IpPrefix p = {0};
        guint32 be = htonl(a + (guint32)i);
        p.addr.family = AF_INET;
        memcpy(p.addr.bytes, &be, 4);
        p.len = 32;
        if (changes) {
            FwChange c = {.kind = kind, .prefix = p};
            g_array_append_val(changes, c);
        } else {
            g_array_append_val(prefixes, p);
        }
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
        FwChange c = {.kind = kind, .prefix = parse_prefix(arg + 1)};
        g_array_append_val(changes, c);
    } else if (!add_seq(arg, FW_CHANGE_ADD, NULL, prefixes)) {
        IpPrefix p = parse_prefix(arg);
        g_array_append_val(prefixes, p);
    }
}

static void
print_stats(Fw *fw, const char *op)
{
    if (!opt_stats)
        return;
    FwIptcStats st;
    fw_iptc_last_stats(fw, &st);
    printf("%s duration_us=%" G_GINT64_FORMAT " lock_wait_us=%" G_GINT64_FORMAT
           " commit_us=%" G_GINT64_FORMAT " commits=%u retries=%u rules=%u\n",
           op, st.duration_us, st.lock_wait_us, st.commit_us, st.commits, st.retries, st.rules);
}

static gboolean
is_command(const char *arg)
{
    static const char *const words[] = {"ensure",    "flush", "list",     "apply",
                                        "reconcile", "pause", "wait-file"};
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
    g_autoptr(Fw) fw = fw_iptc_new(&cfg, &error);
    if (!fw)
        die("%s", error->message);

    while (i < argc) {
        const char *cmd = argv[i++];
        if (!is_command(cmd))
            die("unknown command \"%s\"", cmd);
        g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(FwChange));
        g_autoptr(GArray) prefixes = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
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
        } else if (strcmp(cmd, "flush") == 0) {
            ok = fw_flush(fw, &error);
        } else if (strcmp(cmd, "apply") == 0) {
            ok = fw_apply(fw, (const FwChange *)changes->data, changes->len, &error);
        } else if (strcmp(cmd, "reconcile") == 0) {
            ok = fw_reconcile(fw, (const IpPrefix *)prefixes->data, prefixes->len, &rs, &error);
        } else {
            ok = fw_list(fw, prefixes, &error);
            for (guint j = 0; ok && j < prefixes->len; j++) {
                char buf[IPADDR_STRLEN];
                printf("%s\n", ipprefix_format(&g_array_index(prefixes, IpPrefix, j), buf));
            }
        }
        if (!ok) {
            fprintf(stderr, "fwctl: %s\n", error->message);
            return 1;
        }
        print_stats(fw, cmd);
        if (strcmp(cmd, "reconcile") == 0 && opt_stats)
            printf("reconcile added=%u removed=%u duplicates=%u hooks_fixed=%u\n", rs.added,
                   rs.removed, rs.duplicates, rs.hooks_fixed);
    }
    return 0;
}
