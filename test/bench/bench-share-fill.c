// SPDX-License-Identifier: GPL-2.0-or-later
// Benchmark driver for test/bench/share.sh: writes, as Redis protocol for `redis-cli --pipe`,
// the snapshot keys of COUNT bans decided by node NODE (IPv4 from 198.18.0.0/15, then IPv6
// in 2001:db8::/32), each in the entry encoding the nodes themselves write.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "ipaddr.h"
#include "share_entry.h"

static void
bulk(GString *out, const void *data, gsize len)
{
    g_string_append_printf(out, "$%zu\r\n", len);
    g_string_append_len(out, data, (gssize)len);
    g_string_append(out, "\r\n");
}

int
main(int argc, char **argv)
{
    if (argc != 5) {
        fprintf(stderr, "usage: %s PREFIX NODE COUNT EXPIRES-UNIX-TIME\n", argv[0]);
        return 2;
    }
    const char *prefix = argv[1];
    guint64 count, expires;
    if (!g_ascii_string_to_unsigned(argv[3], 10, 1, 100000000, &count, NULL) ||
        !g_ascii_string_to_unsigned(argv[4], 10, 1, G_MAXINT64, &expires, NULL) ||
        !share_node_is_valid(argv[2])) {
        fprintf(stderr, "bench-share-fill: bad NODE, COUNT or EXPIRES\n");
        return 2;
    }
    GString *out = g_string_sized_new(1 << 20);
    char expires_text[24];
    g_snprintf(expires_text, sizeof expires_text, "%" G_GUINT64_FORMAT, expires);
    for (guint64 i = 0; i < count; i++) {
        ShareEntry e = {.op = SHARE_OP_BAN, .expires_s = (gint64)expires, .gid = 1,
                        .sid = 2001219, .rev = 1};
        char text[IPADDR_STRLEN];
        if (i < 131072)
            g_snprintf(text, sizeof text, "198.%u.%u.%u", (guint)(18 + i / 65536),
                       (guint)(i / 256 % 256), (guint)(i % 256));
        else
            g_snprintf(text, sizeof text, "2001:db8::%x:%x", (guint)(i >> 16),
                       (guint)(i & 0xffff));
        if (!ipprefix_parse(text, &e.prefix, NULL)) {
            fprintf(stderr, "bench-share-fill: %s is no address\n", text);
            return 1;
        }
        g_strlcpy(e.node, argv[2], sizeof e.node);
        g_strlcpy(e.msg, "ET SCAN join", sizeof e.msg);
        g_strlcpy(e.reason, "threshold", sizeof e.reason);
        g_autoptr(GBytes) value = share_entry_encode(&e);
        char key[128];
        int keylen = g_snprintf(key, sizeof key, "%s:ban:%s", prefix, text);
        g_string_append(out, "*5\r\n");
        bulk(out, "SET", 3);
        bulk(out, key, (gsize)keylen);
        gsize vlen;
        const void *v = g_bytes_get_data(value, &vlen);
        bulk(out, v, vlen);
        bulk(out, "EXAT", 4);
        bulk(out, expires_text, strlen(expires_text));
        if (out->len > (1 << 20)) {
            fwrite(out->str, 1, out->len, stdout);
            g_string_truncate(out, 0);
        }
    }
    fwrite(out->str, 1, out->len, stdout);
    g_string_free(out, TRUE);
    return fflush(stdout) == 0 ? 0 : 1;
}
