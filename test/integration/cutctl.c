// SPDX-License-Identifier: GPL-2.0-or-later
// Runs one cut from the command line, so integration cases and benchmarks can cut a prefix's
// sockets and conntrack entries in a network namespace without a daemon.
//
// cutctl [--probe] PREFIX... | cutctl seq:A.B.C.D:N
//   --probe        prints "destroy yes" or "destroy no REASON" and exits
//   PREFIX         an address or network; seq:A.B.C.D:N is N consecutive IPv4 addresses
// Prints "total conntrack=N sockets=M us=T" and one "PREFIX conntrack=N sockets=M" line per
// prefix that cut something; exits 1 when the cut failed (its error on stderr).
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cut.h"

static void
add_seq(GArray *prefixes, const char *spec)
{
    g_auto(GStrv) parts = g_strsplit(spec + 4, ":", 2);
    IpAddr a;
    guint64 n;
    if (!parts[0] || !parts[1] || !ipaddr_parse(parts[0], &a) || a.family != AF_INET ||
        !g_ascii_string_to_unsigned(parts[1], 10, 1, 1u << 24, &n, NULL)) {
        fprintf(stderr, "cutctl: bad %s (seq:A.B.C.D:N)\n", spec);
        exit(2);
    }
    guint32 base;
    memcpy(&base, a.bytes, 4);
    base = ntohl(base);
    for (guint64 i = 0; i < n; i++) {
        guint32 v = htonl(base + (guint32)i);
        IpPrefix p;
        memset(&p, 0, sizeof p);
        p.addr.family = AF_INET;
        memcpy(p.addr.bytes, &v, 4);
        p.len = 32;
        g_array_append_val(prefixes, p);
    }
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(Cut) cut = cut_new(&error);
    if (!cut) {
        fprintf(stderr, "cutctl: %s\n", error->message);
        return 1;
    }
    if (argc == 2 && strcmp(argv[1], "--probe") == 0) {
        const char *why = NULL;
        gboolean can = cut_can_destroy_sockets(cut, &why);
        printf("destroy %s%s%s\n", can ? "yes" : "no", why ? " " : "", why ? why : "");
        return 0;
    }
    g_autoptr(GArray) prefixes = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
    for (int i = 1; i < argc; i++) {
        if (g_str_has_prefix(argv[i], "seq:")) {
            add_seq(prefixes, argv[i]);
            continue;
        }
        IpPrefix p;
        if (!ipprefix_parse(argv[i], &p, &error)) {
            fprintf(stderr, "cutctl: %s\n", error->message);
            return 2;
        }
        g_array_append_val(prefixes, p);
    }
    g_autofree CutCounts *counts = g_new0(CutCounts, MAX(prefixes->len, 1));
    CutCounts total;
    gint64 t0 = g_get_monotonic_time();
    gboolean ok =
        cut_prefixes(cut, (const IpPrefix *)prefixes->data, prefixes->len, counts, &total, &error);
    gint64 us = g_get_monotonic_time() - t0;
    printf("total conntrack=%u sockets=%u us=%" G_GINT64_FORMAT "\n", total.conntrack,
           total.sockets, us);
    for (guint i = 0; i < prefixes->len && prefixes->len <= 64; i++) {
        if (counts[i].conntrack == 0 && counts[i].sockets == 0)
            continue;
        char text[IPADDR_STRLEN];
        printf("%s conntrack=%u sockets=%u\n",
               ipprefix_format(&g_array_index(prefixes, IpPrefix, i), text), counts[i].conntrack,
               counts[i].sockets);
    }
    if (!ok) {
        fprintf(stderr, "cutctl: %s\n", error->message);
        return 1;
    }
    return 0;
}
