// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target: config_load_string() on arbitrary text, and config_format() of what it accepts,
// which must load again; a rejection names one of the text's lines.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 20)
        return 0;
    char *text = g_malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    GError *error = NULL;
    /* The name's directory resolves relative whitelist paths: one that holds no files. */
    static const char name[] = "/nonexistent-alertban-fuzz/fuzz.conf";
    Config *cfg = config_load_string(text, name, &error);
    if (cfg) {
        char *out = config_format(cfg);
        /* A relative path resolved against the file's directory can print longer than a
         * configuration line may be; only text whose lines all fit must load again. */
        gboolean fits = TRUE;
        for (const char *line = out; *line && fits;) {
            const char *nl = strchr(line, '\n');
            gsize len = nl ? (gsize)(nl - line) : strlen(line);
            fits = len <= CONFIG_LINE_MAX;
            line += len + (nl ? 1 : 0);
        }
        if (!fits) {
            g_free(out);
            config_free(cfg);
            g_free(text);
            return 0;
        }
        Config *again = config_load_string(out, name, NULL);
        if (!again)
            abort(); /* what the parser prints, it must accept */
        char *out2 = config_format(again);
        if (strcmp(out, out2) != 0)
            abort(); /* and print the same */
        g_free(out2);
        config_free(again);
        g_free(out);
        config_free(cfg);
    } else {
        /* Every error names a file: the config's FILE:LINE, or a whitelist file it named. */
        if (!error || error->message[0] != '/')
            abort();
        /* A FILE:LINE of the configuration names one of its lines. */
        gsize name_len = strlen(name);
        if (strncmp(error->message, name, name_len) == 0 && error->message[name_len] == ':' &&
            g_ascii_isdigit(error->message[name_len + 1])) {
            guint64 line = g_ascii_strtoull(error->message + name_len + 1, NULL, 10);
            guint64 lines = 1;
            for (size_t i = 0; i < size; i++)
                lines += data[i] == '\n';
            if (line < 1 || line > lines)
                abort();
        }
        g_error_free(error);
    }
    g_free(text);
    return 0;
}
