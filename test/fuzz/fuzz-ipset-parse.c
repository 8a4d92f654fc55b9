// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target for the ipset save-line parser, which reads what the kernel's sets hold (any
// program may have added to them): each line of the input is parsed, and a create or add line
// it accepts, printed back in save form, parses to the same header or member.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "error.h"
#include "fw_ipset_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_line(const char *line, gsize len)
{
    FwIpsetLineKind kind = FW_IPSET_LINE_OTHER;
    FwIpsetHeader header;
    FwIpsetMember member;
    GError *error = NULL;
    if (!fw_ipset_parse_save_line(line, len, &kind, &header, &member, &error)) {
        if (!error || error->domain != ALERTBAN_ERROR || error->code != ALERTBAN_ERROR_PARSE ||
            kind != FW_IPSET_LINE_OTHER)
            abort();
        g_error_free(error);
        return;
    }
    if (error)
        abort();
    g_autoptr(GString) again = g_string_new(NULL);
    if (kind == FW_IPSET_LINE_CREATE) {
        g_string_printf(again, "create %s %s", header.name, header.type);
        if (header.family)
            g_string_append_printf(again, " family %s",
                                   header.family == AF_INET ? "inet" : "inet6");
        if (header.has_timeout)
            g_string_append(again, " timeout 0");
        if (header.maxelem)
            g_string_append_printf(again, " maxelem %u", header.maxelem);
        g_string_append_c(again, '\n');
    } else if (kind == FW_IPSET_LINE_ADD) {
        char buf[IPADDR_STRLEN];
        g_string_printf(again, "add %s %s", member.name,
                        ipprefix_format(&member.entry.prefix, buf));
        if (member.entry.timeout_s)
            g_string_append_printf(again, " timeout %u", member.entry.timeout_s);
        if (member.nomatch)
            g_string_append(again, " nomatch");
    } else {
        return;
    }
    FwIpsetLineKind kind2;
    FwIpsetHeader header2;
    FwIpsetMember member2;
    memset(&header2, 0, sizeof header2);
    memset(&member2, 0, sizeof member2);
    if (!fw_ipset_parse_save_line(again->str, again->len, &kind2, &header2, &member2, NULL) ||
        kind2 != kind)
        abort();
    if (kind == FW_IPSET_LINE_CREATE &&
        (strcmp(header.name, header2.name) != 0 || strcmp(header.type, header2.type) != 0 ||
         header.family != header2.family || header.has_timeout != header2.has_timeout ||
         header.maxelem != header2.maxelem))
        abort();
    if (kind == FW_IPSET_LINE_ADD &&
        (strcmp(member.name, member2.name) != 0 ||
         !ipprefix_equal(&member.entry.prefix, &member2.entry.prefix) ||
         member.entry.timeout_s != member2.entry.timeout_s || member.nomatch != member2.nomatch))
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* Line by line as the backend reads a save listing; each line an exact-size copy, so a
     * read past its end is caught by ASan. */
    size_t pos = 0;
    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) + 1 : size - pos;
        char *line = g_memdup2(data + pos, n ? n : 1);
        check_line(line, n);
        g_free(line);
        pos += n;
    }
    return 0;
}
