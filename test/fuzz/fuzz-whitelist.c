// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target for whitelist files through the real loader (a configuration naming a file whose
// bytes are the input, NULs included): every non-blank line becomes exactly one entry or the
// load fails naming one of the file's lines, and what is loaded is what the whitelist holds.
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "whitelist.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The entries a plain reading expects: lines that are not blank once the comment is cut. */
static guint
count_entries(const uint8_t *data, size_t size, guint *lines)
{
    guint entries = 0;
    *lines = 0;
    size_t pos = 0;
    while (pos < size) {
        const uint8_t *nl = memchr(data + pos, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - (data + pos)) : size - pos;
        (*lines)++;
        gboolean blank = TRUE;
        for (size_t i = 0; i < n && data[pos + i] != '#'; i++) {
            if (!g_ascii_isspace(data[pos + i]))
                blank = FALSE;
        }
        entries += !blank;
        pos += n + (nl ? 1 : 0);
    }
    return entries;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    static int fd = -1;
    static char path[64];
    if (fd < 0) {
        fd = memfd_create("alertban-fuzz-whitelist", MFD_CLOEXEC);
        if (fd < 0)
            abort();
        g_snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    }
    if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        abort();

    char *conf = g_strdup_printf("[whitelist]\nfile = %s\n", path);
    GError *error = NULL;
    Config *cfg = config_load_string(conf, "/nonexistent-alertban-fuzz/fuzz.conf", &error);
    guint lines = 0;
    guint entries = count_entries(data, size, &lines);
    if (cfg) {
        /* A NUL anywhere is refused: the file is text. */
        if (memchr(data, '\0', size))
            abort();
        guint n_addr = cfg->whitelist.file_addresses->len, n_rule = cfg->whitelist.file_rules->len;
        if (n_addr + n_rule != entries)
            abort();
        Whitelist *wl = whitelist_new_from_config(cfg);
        for (guint i = 0; i < n_addr; i++) {
            const IpPrefix *p = &g_array_index(cfg->whitelist.file_addresses, IpPrefix, i);
            /* Each address prints and reads back as itself, and the whitelist covers it. */
            char buf[IPADDR_STRLEN];
            IpPrefix again;
            if (!ipprefix_parse(ipprefix_format(p, buf), &again, NULL) ||
                !ipprefix_equal(p, &again))
                abort();
            if (whitelist_overlaps(wl, p, NULL) == WHITELIST_NONE)
                abort();
        }
        for (guint i = 0; i < n_rule; i++) {
            const RulePattern *r = &g_array_index(cfg->whitelist.file_rules, RulePattern, i);
            char buf[32];
            RulePattern again;
            if (!rule_pattern_parse(rule_pattern_format(r, buf, sizeof buf), &again, NULL) ||
                memcmp(r, &again, sizeof again) != 0)
                abort();
            if (!r->any_gid && !r->any_sid && !whitelist_contains_rule(wl, r->gid, r->sid))
                abort();
        }
        whitelist_free(wl);
        config_free(cfg);
    } else {
        /* The error names the file and one of its lines. */
        if (!error || !g_str_has_prefix(error->message, path) ||
            error->message[strlen(path)] != ':')
            abort();
        const char *at = error->message + strlen(path) + 1;
        if (!g_ascii_isdigit(*at))
            abort();
        guint64 line = g_ascii_strtoull(at, NULL, 10);
        if (line < 1 || line > lines)
            abort();
        g_error_free(error);
    }
    g_free(conf);
    return 0;
}
