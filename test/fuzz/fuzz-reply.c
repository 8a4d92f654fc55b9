// SPDX-License-Identifier: GPL-2.0-or-later
// Fuzz target for the CLI's side of the control protocol: the bytes a daemon sends, read as
// the CLI reads them (line by line from a socket, in the input's own chunks) and parsed as
// replies. Lines come back exactly as sent; a reply accepted once is accepted again after
// jansson writes it back, and the CLI's getters and sanitizer are safe on whatever it holds.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "cli_ctl.h"
#include "ctl_client_internal.h"
#include "error.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* What the CLI does with a member: typed getters with defaults, and sanitized text. */
static void
touch_object(const json_t *o)
{
    static const char *const keys[] = {"addr",       "source",   "origin",    "msg",     "rule",
                                       "reason",     "proto",    "verdict",   "error",   "code",
                                       "now",        "expires",  "created",   "time",    "alerts",
                                       "violations", "priority", "permanent", "dry_run", "swapped"};
    for (gsize k = 0; k < G_N_ELEMENTS(keys); k++) {
        const char *s = json_get_string(o, keys[k]);
        if (s) {
            char *clean = cli_sanitize(s, k % 2 ? 60 : 0);
            /* Shown text is valid UTF-8 without control characters. */
            if (!g_utf8_validate(clean, -1, NULL))
                abort();
            for (const char *p = clean; *p; p = g_utf8_next_char(p)) {
                if (g_unichar_iscntrl(g_utf8_get_char(p)))
                    abort();
            }
            g_free(clean);
        }
        (void)json_get_int(o, keys[k], 0);
        (void)json_get_bool(o, keys[k], FALSE);
    }
}

static void
check_reply(const char *line, gsize len)
{
    gboolean ok = FALSE;
    GError *error = NULL;
    json_t *v = ctl_proto_parse_reply(line, len, &ok, &error);
    if (!v) {
        if (!error || error->domain != ALERTBAN_ERROR || error->code != ALERTBAN_ERROR_PROTO ||
            !g_utf8_validate(error->message, -1, NULL))
            abort();
        g_error_free(error);
        return;
    }
    if (error || !json_is_object(v))
        abort();
    touch_object(v);
    static const char *const lists[] = {"bans", "history", "applied", "restart_required"};
    for (gsize l = 0; l < G_N_ELEMENTS(lists); l++) {
        const json_t *a = json_get(v, lists[l]);
        for (gsize i = 0; i < json_array_size(a); i++)
            touch_object(json_array_get(a, i));
    }
    touch_object(json_get(v, "ban"));

    /* Written back compactly, the reply reads again to an equal value with the same ok. */
    char *text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        abort();
    gboolean ok2 = !ok;
    json_t *again = ctl_proto_parse_reply(text, strlen(text), &ok2, NULL);
    if (!again || ok2 != ok || !json_equal(v, again))
        abort();
    json_decref(again);
    free(text);
    json_decref(v);
}

/* The "daemon": writes the stream in steps, then closes. A thread of its own, since small
 * writes fill a socket's buffer long before their bytes do. */
typedef struct {
    int fd;
    const char *data;
    gsize len, step;
} Writer;

static gpointer
write_stream(gpointer user_data)
{
    Writer *w = user_data;
    for (gsize off = 0; off < w->len;) {
        ssize_t n = send(w->fd, w->data + off, MIN(w->step, w->len - off), MSG_NOSIGNAL);
        if (n <= 0)
            break; /* the reader stopped early: nothing more to check */
        off += (gsize)n;
    }
    close(w->fd);
    return NULL;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* The first byte sets the size of the writes the "daemon" makes; the rest is the stream. */
    if (size < 1 || size > 64 * 1024)
        return 0;
    gsize step = 1 + data[0] * 64u;
    const char *stream = (const char *)data + 1;
    gsize len = size - 1;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        abort();
    Writer w = {sv[1], stream, len, step};
    GThread *writer = g_thread_new("daemon", write_stream, &w);
    CtlClient *c = ctl_client_new_fd(sv[0]);

    /* Every newline-terminated line comes back as sent; the unfinished rest is an error. */
    gsize off = 0;
    for (;;) {
        gsize n = 0;
        GError *error = NULL;
        char *line = ctl_client_read_line(c, 10000, &n, &error);
        if (!line) {
            const char *nl = memchr(stream + off, '\n', len - off);
            if (nl || !error)
                abort();
            g_error_free(error);
            break;
        }
        if (off + n >= len || stream[off + n] != '\n' || memchr(stream + off, '\n', n))
            abort();
        /* A NUL in the line ends its copy (zeros after it), which the reply parser refuses. */
        if (memcmp(line, stream + off, strnlen(line, n)) != 0)
            abort();
        check_reply(line, n);         /* as the CLI does */
        check_reply(stream + off, n); /* and straight from the stream, NULs included */
        g_free(line);
        off += n + 1;
    }
    ctl_client_free(c);
    g_thread_join(writer);
    return 0;
}
