// SPDX-License-Identifier: GPL-2.0-or-later
// The client side of the control socket, kept apart from the CLI's printing so tests can
// drive a server exactly as the CLI does.
#include "ctl_client.h"
#include "ctl_client_internal.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gio.h>

#include "error.h"

struct CtlClient {
    int fd;
    GString *buf; /* bytes read past the last line returned */
};

CtlClient *
ctl_client_connect(const char *path, GError **error)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        g_set_error(error, G_IO_ERROR, G_IO_ERROR_FILENAME_TOO_LONG, "socket path %s is too long",
                    path);
        return NULL;
    }
    memcpy(sa.sun_path, path, strlen(path));
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        int err = errno;
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "socket: %s", g_strerror(err));
        return NULL;
    }
    int rc;
    do {
        rc = connect(fd, (const struct sockaddr *)&sa, sizeof sa);
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        int err = errno;
        close(fd);
        g_set_error(error, G_IO_ERROR, g_io_error_from_errno(err), "connecting to %s: %s", path,
                    g_strerror(err));
        return NULL;
    }
    return ctl_client_new_fd(fd);
}

CtlClient *
ctl_client_new_fd(int fd)
{
    CtlClient *c = g_new0(CtlClient, 1);
    c->fd = fd;
    c->buf = g_string_new(NULL);
    return c;
}

void
ctl_client_free(CtlClient *c)
{
    if (!c)
        return;
    close(c->fd);
    g_string_free(c->buf, TRUE);
    g_free(c);
}

gboolean
ctl_client_send(CtlClient *c, const char *data, gsize len, GError **error)
{
    gsize off = 0;
    while (off < len) {
        ssize_t n = send(c->fd, data + off, len - off, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EPIPE || errno == ECONNRESET))
            return TRUE; /* the server closed first; its reply is still queued for us */
        if (n < 0) {
            int err = errno;
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "sending request: %s",
                        g_strerror(err));
            return FALSE;
        }
        off += (gsize)n;
    }
    return TRUE;
}

char *
ctl_client_read_line(CtlClient *c, guint timeout_ms, gsize *len, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    gsize scanned = 0;
    for (;;) {
        char *nl = memchr(c->buf->str + scanned, '\n', c->buf->len - scanned);
        if (nl) {
            gsize n = (gsize)(nl - c->buf->str);
            char *line = g_strndup(c->buf->str, n);
            g_string_erase(c->buf, 0, (gssize)n + 1);
            if (len)
                *len = n;
            return line;
        }
        scanned = c->buf->len;
        if (c->buf->len > CTL_REPLY_MAX) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PROTO, "reply longer than %u bytes",
                        CTL_REPLY_MAX);
            return NULL;
        }
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        if (left_ms <= 0) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                        "no reply from the daemon within %u ms", timeout_ms);
            return NULL;
        }
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        int rc = poll(&pfd, 1, (int)MIN(left_ms, G_MAXINT));
        if (rc < 0 && errno == EINTR)
            continue;
        if (rc < 0) {
            int err = errno;
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "poll: %s", g_strerror(err));
            return NULL;
        }
        if (rc == 0)
            continue;
        char chunk[65536];
        ssize_t n = recv(c->fd, chunk, sizeof chunk, 0);
        if (n < 0 && errno == EINTR)
            continue;
        /* A server that closes with our unread bytes queued (a line it refused as too long)
         * makes the kernel report ECONNRESET after its reply: that is an end of file. */
        if (n < 0 && errno == ECONNRESET)
            n = 0;
        if (n < 0) {
            int err = errno;
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "reading reply: %s",
                        g_strerror(err));
            return NULL;
        }
        if (n == 0) {
            g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                                c->buf->len ? "the daemon closed the connection mid-reply"
                                            : "the daemon closed the connection");
            return NULL;
        }
        g_string_append_len(c->buf, chunk, n);
    }
}

json_t *
ctl_client_call(CtlClient *c, const CtlRequest *req, guint timeout_ms, gboolean *ok, GError **error)
{
    g_autoptr(GString) line = g_string_new(NULL);
    ctl_proto_format_request(req, line);
    if (!ctl_client_send(c, line->str, line->len, error))
        return NULL;
    gsize len;
    g_autofree char *reply = ctl_client_read_line(c, timeout_ms, &len, error);
    if (!reply)
        return NULL;
    return ctl_proto_parse_reply(reply, len, ok, error);
}
