// SPDX-License-Identifier: GPL-2.0-or-later
// The daemon's control socket: accepts local clients in the main loop, checks who they are,
// and turns each request line into exactly one reply without ever blocking the daemon.
#define _GNU_SOURCE /* accept4, struct ucred */
#include "ctl_server.h"
#include "ctl_server_internal.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <glib-unix.h>
#include <glib/gstdio.h>

#include "error.h"
#include "log.h"

/*
 * Each client is a non-blocking fd watched by a GSource of its own, plus an idle timer.
 * A client is in one of two phases:
 *   reading: the source waits for input; bytes collect in `in` (never more than one request
 *            line plus its newline); each complete line is answered into `out`;
 *   writing: `out` holds one reply; the source waits for POLLOUT until it is sent, and no
 *            input is read meanwhile. This backpressure bounds `out` to a single reply and
 *            `in` to one line, whatever the peer does.
 * Each phase has a deadline that progress does not move: a request line must be complete
 * within idle_ms of the connect or of the end of the previous reply, and a reply must be read
 * within reply_ms of being ready. A peer that trickles one byte at a time is closed all the
 * same. A client marked `closing` is closed as soon as its reply is out.
 *
 * Slots: root may use all max_clients; every other user shares max_clients minus
 * CTL_SERVER_ROOT_RESERVE, at most CTL_SERVER_MAX_PER_UID each, so a member of socket_group
 * cannot lock root out by holding connections open.
 *
 * Permissions are fixed at accept time from SO_PEERCRED (and SO_PEERGROUPS): root may do
 * everything, socket_group members may read, and everyone else gets "permission denied" for
 * every line without it being parsed, so a stranger learns nothing from error messages.
 */

typedef enum {
    ROLE_NONE,
    ROLE_READ,
    ROLE_ADMIN,
} Role;

typedef struct Client Client;

struct CtlServer {
    char *path;
    char *group_name;
    gboolean has_group;
    gid_t gid;
    guint max_clients;
    guint idle_ms;
    guint reply_ms;
    CtlHandlers handlers;
    gpointer user_data;
    GMainContext *context;
    int fd;
    dev_t sock_dev; /* identify our socket file, so free never unlinks a successor's */
    ino_t sock_ino;
    GSource *listen_source;
    GQueue clients;
    CtlServerStats stats;
};

struct Client {
    CtlServer *server;
    GList link; /* in server->clients */
    int fd;
    Role role;
    CtlPeer peer;
    GSource *source;
    gpointer tag;
    GSource *idle;
    GString *in;
    GString *out;
    gsize out_off;
    gboolean eof;
    gboolean closing;
};

typedef struct {
    GSource base;
    Client *client;
} ClientSource;

static void client_close(Client *c);
static void client_step(Client *c);

/* ---- clients ---------------------------------------------------------------------------- */

static gboolean
client_idle_cb(gpointer data)
{
    Client *c = data;
    c->server->stats.timeouts++;
    g_debug("ctl: closing idle client uid=%u pid=%d", (unsigned)c->peer.uid, (int)c->peer.pid);
    g_source_unref(c->idle);
    c->idle = NULL; /* returning G_SOURCE_REMOVE destroys it */
    client_close(c);
    return G_SOURCE_REMOVE;
}

/* Arms the deadline of the phase the client enters: at accept and when a reply has been
 * sent (a request must arrive within idle_ms), and when a reply is ready (it must be read
 * within reply_ms). */
static void
client_set_deadline(Client *c, guint ms)
{
    if (c->idle) {
        g_source_destroy(c->idle);
        g_source_unref(c->idle);
    }
    c->idle = g_timeout_source_new(ms);
    g_source_set_callback(c->idle, client_idle_cb, c, NULL);
    g_source_attach(c->idle, c->server->context);
}

static void
client_close(Client *c)
{
    CtlServer *s = c->server;
    g_queue_unlink(&s->clients, &c->link);
    if (c->idle) {
        g_source_destroy(c->idle);
        g_source_unref(c->idle);
    }
    /* Destroying the fd source from inside its own dispatch is allowed: GLib holds a
     * reference until dispatch returns. */
    ((ClientSource *)c->source)->client = NULL;
    g_source_destroy(c->source);
    g_source_unref(c->source);
    if (close(c->fd) != 0)
        g_debug("ctl: close: %s", g_strerror(errno));
    g_string_free(c->in, TRUE);
    g_string_free(c->out, TRUE);
    g_free(c);
}

static void
client_reply_error(Client *c, const char *code, const char *message)
{
    g_string_truncate(c->out, 0);
    ctl_proto_reply_error(c->out, code, message);
    c->server->stats.errors++;
}

static CtlHandlerFunc
handler_for(const CtlServer *s, CtlCommand cmd)
{
    switch (cmd) {
    case CTL_CMD_LIST:
        return s->handlers.list;
    case CTL_CMD_SHOW:
        return s->handlers.show;
    case CTL_CMD_BAN:
        return s->handlers.ban;
    case CTL_CMD_UNBAN:
        return s->handlers.unban;
    case CTL_CMD_STATUS:
        return s->handlers.status;
    case CTL_CMD_RELOAD:
        return s->handlers.reload;
    case CTL_CMD_STATS:
        return s->handlers.stats;
    }
    return NULL;
}

/* Answers one request line into c->out (which is empty). */
static void
client_handle_line(Client *c, const char *line, gsize len)
{
    CtlServer *s = c->server;
    s->stats.requests++;
    if (c->role == ROLE_NONE) {
        s->stats.denied++;
        client_reply_error(c, "denied", "permission denied");
        return;
    }

    CtlRequest req;
    g_autoptr(GError) error = NULL;
    if (!ctl_proto_parse_request(line, len, &req, &error)) {
        /* The message can quote decoded request text (a command name with "\n" in it):
         * both are escaped, so a request cannot forge a log line. */
        char esc[LOG_ESCAPE_BUFSIZE], esc_msg[LOG_ESCAPE_BUFSIZE];
        g_debug("ctl: bad request from uid=%u pid=%d: %s: \"%s\"", (unsigned)c->peer.uid,
                (int)c->peer.pid, log_escape(error->message, strlen(error->message), esc_msg),
                log_escape(line, len, esc));
        client_reply_error(c, "proto", error->message);
        return;
    }
    const char *name = ctl_command_name(req.cmd);
    if (c->role != ROLE_ADMIN && !ctl_command_is_read_only(req.cmd)) {
        s->stats.denied++;
        g_info("ctl: denied %s to uid=%u pid=%d", name, (unsigned)c->peer.uid, (int)c->peer.pid);
        g_autofree char *msg = g_strdup_printf("permission denied: only root may %s", name);
        client_reply_error(c, "denied", msg);
        return;
    }
    CtlHandlerFunc fn = handler_for(s, req.cmd);
    if (!fn) {
        g_autofree char *msg = g_strdup_printf("\"%s\" is not supported by this daemon", name);
        client_reply_error(c, "unsupported", msg);
        return;
    }
    g_debug("ctl: %s from uid=%u pid=%d", name, (unsigned)c->peer.uid, (int)c->peer.pid);

    JsonWriter w;
    ctl_proto_reply_begin(&w, c->out);
    if (!fn(&req, &c->peer, &w, s->user_data, &error)) {
        if (!error) {
            g_critical("ctl: the %s handler failed without an error", name);
            client_reply_error(c, "failed", "internal error");
            return;
        }
        /* A change that was stored but is not in force yet, or not stored at all: the
         * reply says which, so the CLI's exit status can. */
        g_string_truncate(c->out, 0);
        if (g_error_matches(error, ALERTBAN_ERROR, ALERTBAN_ERROR_PENDING))
            ctl_proto_reply_error_state(c->out, "pending", error->message, TRUE, FALSE);
        else if (g_error_matches(error, ALERTBAN_ERROR, ALERTBAN_ERROR_STORE))
            ctl_proto_reply_error_state(c->out, "store", error->message, FALSE, FALSE);
        else
            ctl_proto_reply_error(c->out, "failed", error->message);
        s->stats.errors++;
        return;
    }
    if (w.depth != 1) {
        g_critical("ctl: the %s handler left %u JSON containers open", name, w.depth - 1);
        client_reply_error(c, "failed", "internal error");
        return;
    }
    ctl_proto_reply_end(&w);
    if (c->out->len > CTL_SERVER_REPLY_MAX) {
        g_warning("ctl: %s reply of %zu bytes is over the %u byte limit", name, c->out->len,
                  CTL_SERVER_REPLY_MAX);
        client_reply_error(c, "failed", "reply too large; narrow the request");
    }
}

/* Takes the next complete line from c->in, if any, and answers it. Returns TRUE when it
 * produced a reply or decided to close (so the caller flushes), FALSE when it needs more
 * input. */
static gboolean
client_process_one(Client *c)
{
    char *nl = memchr(c->in->str, '\n', c->in->len);
    if (nl) {
        gsize len = (gsize)(nl - c->in->str);
        if (len > CTL_REQUEST_MAX + 1) { /* +1: a trailing '\r' */
            client_reply_error(c, "limit", "request line longer than 4096 bytes");
            c->server->stats.requests++;
            c->closing = TRUE;
            return TRUE;
        }
        client_handle_line(c, c->in->str, len);
        g_string_erase(c->in, 0, (gssize)len + 1);
        client_set_deadline(c, c->server->reply_ms);
        return TRUE;
    }
    if (c->in->len > CTL_REQUEST_MAX + 1) {
        /* Decided before the newline arrives, so the buffer never grows past one line. */
        client_reply_error(c, "limit", "request line longer than 4096 bytes");
        c->server->stats.requests++;
        c->closing = TRUE;
        return TRUE;
    }
    if (c->eof) {
        /* The peer shut down its side: a last line without a newline is still answered. */
        if (c->in->len > 0) {
            client_handle_line(c, c->in->str, c->in->len);
            g_string_truncate(c->in, 0);
        }
        c->closing = TRUE;
        return TRUE;
    }
    return FALSE;
}

/* Sends what it can of c->out. Returns FALSE when the client had to be closed. */
static gboolean
client_flush(Client *c)
{
    while (c->out_off < c->out->len) {
        ssize_t n = send(c->fd, c->out->str + c->out_off, c->out->len - c->out_off,
                         MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return TRUE;
        if (n < 0) {
            g_debug("ctl: send to pid=%d: %s", (int)c->peer.pid, g_strerror(errno));
            client_close(c);
            return FALSE;
        }
        c->out_off += (gsize)n;
    }
    g_string_truncate(c->out, 0);
    c->out_off = 0;
    client_set_deadline(c, c->server->idle_ms);
    return TRUE;
}

/* Moves the client forward as far as it can without blocking, then sets what to wait for. */
static void
client_step(Client *c)
{
    for (;;) {
        if (c->out->len > 0) {
            if (!client_flush(c))
                return;
            if (c->out->len > 0)
                break; /* wait for POLLOUT */
        }
        if (c->closing) {
            client_close(c);
            return;
        }
        if (!client_process_one(c))
            break;
    }
    GIOCondition want = c->out->len > 0 ? G_IO_OUT : G_IO_IN;
    g_source_modify_unix_fd(c->source, c->tag, want);
}

static void
client_read(Client *c)
{
    /* Room for one line, its '\r' and newline; client_process_one() keeps in->len at most
     * CTL_REQUEST_MAX + 1 while reading, so there is always room for a byte. */
    gsize room = CTL_REQUEST_MAX + 2 - c->in->len;
    gsize old = c->in->len;
    g_string_set_size(c->in, old + room);
    ssize_t n;
    do {
        n = recv(c->fd, c->in->str + old, room, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    g_string_set_size(c->in, old + (n > 0 ? (gsize)n : 0));
    if (n == 0) {
        c->eof = TRUE;
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        g_debug("ctl: recv from pid=%d: %s", (int)c->peer.pid, g_strerror(errno));
        client_close(c);
        return;
    }
    client_step(c);
}

static gboolean
client_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    (void)callback;
    (void)user_data;
    Client *c = ((ClientSource *)source)->client;
    if (!c)
        return G_SOURCE_REMOVE;
    GIOCondition rev = g_source_query_unix_fd(source, c->tag);
    if (rev & G_IO_NVAL) {
        client_close(c);
    } else if (c->out->len > 0) {
        /* Writing phase: POLLOUT, or an error/hangup that the next send reports. */
        client_step(c);
    } else if (rev & (G_IO_IN | G_IO_HUP | G_IO_ERR)) {
        client_read(c);
    }
    return G_SOURCE_CONTINUE;
}

static GSourceFuncs client_source_funcs = {
    .dispatch = client_source_dispatch,
};

/* ---- peers ------------------------------------------------------------------------------ */

/* Supplementary groups of the peer from /proc, for kernels without SO_PEERGROUPS. The pid is
 * the one the kernel recorded at connect time. */
static gboolean
proc_groups_contain(pid_t pid, gid_t gid)
{
    char path[64];
    g_snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return FALSE;
    const char *line = strstr(text, "\nGroups:");
    if (!line)
        return FALSE;
    const char *p = line + strlen("\nGroups:");
    while (*p && *p != '\n') {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!g_ascii_isdigit(*p))
            break;
        char *end;
        guint64 g = g_ascii_strtoull(p, &end, 10);
        if (g == (guint64)gid)
            return TRUE;
        p = end;
    }
    return FALSE;
}

static gboolean
peer_in_group(int fd, const struct ucred *cred, gid_t gid)
{
    if (cred->gid == gid)
        return TRUE;
    gid_t stack[64];
    g_autofree gid_t *heap = NULL;
    gid_t *groups = stack;
    socklen_t len = sizeof stack;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0) {
        if (errno == ERANGE && len > sizeof stack && len <= 65536 * sizeof(gid_t)) {
            heap = g_malloc(len);
            groups = heap;
            if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) != 0)
                return FALSE;
        } else if (errno == ENOPROTOOPT) {
            return proc_groups_contain(cred->pid, gid);
        } else {
            return FALSE;
        }
    }
    for (gsize i = 0; i < len / sizeof(gid_t); i++) {
        if (groups[i] == gid)
            return TRUE;
    }
    return FALSE;
}

/* Refuses a connection with one error reply, then closes it. */
static void
server_refuse(CtlServer *s, int fd, const char *text)
{
    s->stats.rejected++;
    GString *msg = g_string_new(NULL);
    ctl_proto_reply_error(msg, "limit", text);
    /* Best effort: the socket buffer of a new connection always has room for this. */
    if (send(fd, msg->str, msg->len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
        g_debug("ctl: send to rejected client: %s", g_strerror(errno));
    g_string_free(msg, TRUE);
    close(fd);
}

static guint
clients_of_uid(const CtlServer *s, uid_t uid)
{
    guint n = 0;
    for (const GList *l = s->clients.head; l; l = l->next) {
        if (((const Client *)l->data)->peer.uid == uid)
            n++;
    }
    return n;
}

/* NULL when a peer of this uid may take a slot now, else why not. */
static char *
server_slot_refusal(const CtlServer *s, uid_t uid)
{
    if (s->clients.length >= s->max_clients)
        return g_strdup_printf("too many clients (%u); try again later", s->max_clients);
    if (uid == 0)
        return NULL;
    guint shared = s->max_clients > CTL_SERVER_ROOT_RESERVE
                       ? s->max_clients - CTL_SERVER_ROOT_RESERVE
                       : 1;
    guint others = s->clients.length - clients_of_uid(s, 0);
    if (others >= shared)
        return g_strdup_printf("too many clients (%u, the rest kept for root); try again later",
                               shared);
    if (clients_of_uid(s, uid) >= CTL_SERVER_MAX_PER_UID)
        return g_strdup_printf("too many connections from uid %u (%u); close one first",
                               (unsigned)uid, CTL_SERVER_MAX_PER_UID);
    return NULL;
}

static void
server_accept_one(CtlServer *s, int fd)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
        g_warning("ctl: SO_PEERCRED: %s", g_strerror(errno));
        close(fd);
        return;
    }
    g_autofree char *refusal = server_slot_refusal(s, cred.uid);
    if (refusal) {
        g_debug("ctl: refused uid=%u pid=%d: %s", (unsigned)cred.uid, (int)cred.pid, refusal);
        server_refuse(s, fd, refusal);
        return;
    }
    Client *c = g_new0(Client, 1);
    c->server = s;
    c->fd = fd;
    c->peer.uid = cred.uid;
    c->peer.gid = cred.gid;
    c->peer.pid = cred.pid;
    if (cred.uid == 0)
        c->role = ROLE_ADMIN;
    else if (s->has_group && peer_in_group(fd, &cred, s->gid))
        c->role = ROLE_READ;
    else
        c->role = ROLE_NONE;
    c->in = g_string_sized_new(256);
    c->out = g_string_new(NULL);
    c->link.data = c;
    g_queue_push_tail_link(&s->clients, &c->link);
    s->stats.accepted++;
    c->source = g_source_new(&client_source_funcs, sizeof(ClientSource));
    ((ClientSource *)c->source)->client = c;
    c->tag = g_source_add_unix_fd(c->source, fd, G_IO_IN);
    g_source_attach(c->source, s->context);
    client_set_deadline(c, s->idle_ms);
    g_debug("ctl: client uid=%u gid=%u pid=%d role=%d", (unsigned)cred.uid, (unsigned)cred.gid,
            (int)cred.pid, c->role);
}

static gboolean
server_listen_cb(gint fd, GIOCondition cond, gpointer data)
{
    (void)cond;
    CtlServer *s = data;
    /* Bounded per turn, so a connect flood cannot starve the rest of the daemon. */
    for (int i = 0; i < 64; i++) {
        int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                g_warning("ctl: accept: %s", g_strerror(errno));
            break;
        }
        server_accept_one(s, cfd);
    }
    return G_SOURCE_CONTINUE;
}

/* ---- the socket ------------------------------------------------------------------------- */

static gboolean G_GNUC_PRINTF(2, 3) fail_errno(GError **error, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "%s: %s", msg, g_strerror(saved));
    return FALSE;
}

static gboolean
resolve_group(const char *name, gid_t *out, GError **error)
{
    struct group gr, *res = NULL;
    long size = sysconf(_SC_GETGR_R_SIZE_MAX);
    gsize buflen = size > 0 ? (gsize)size : 16384;
    for (int tries = 0; tries < 6; tries++) {
        g_autofree char *buf = g_malloc(buflen);
        int rc = getgrnam_r(name, &gr, buf, buflen, &res);
        if (rc == ERANGE) {
            buflen *= 4;
            continue;
        }
        if (rc != 0) {
            errno = rc;
            return fail_errno(error, "looking up socket_group \"%s\"", name);
        }
        if (!res) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "socket_group \"%s\" is not a known group", name);
            return FALSE;
        }
        *out = gr.gr_gid;
        return TRUE;
    }
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                "looking up socket_group \"%s\": entry too large", name);
    return FALSE;
}

static gboolean
ensure_parent_dir(const CtlServer *s, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(s->path);
    struct stat st;
    if (stat(dir, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "%s is not a directory", dir);
            return FALSE;
        }
        return TRUE;
    }
    if (errno != ENOENT)
        return fail_errno(error, "%s", dir);
    if (g_mkdir_with_parents(dir, 0750) != 0)
        return fail_errno(error, "creating %s", dir);
    /* Exact mode whatever the umask; the group must reach the socket inside. */
    if (chmod(dir, 0750) != 0)
        return fail_errno(error, "chmod %s", dir);
    if (s->has_group && chown(dir, (uid_t)-1, s->gid) != 0)
        return fail_errno(error, "chown %s", dir);
    return TRUE;
}

static gboolean
fill_sockaddr(const char *path, struct sockaddr_un *sa, GError **error)
{
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (strlen(path) >= sizeof sa->sun_path) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "socket path %s is longer than %zu bytes", path, sizeof sa->sun_path - 1);
        return FALSE;
    }
    memcpy(sa->sun_path, path, strlen(path));
    return TRUE;
}

/* Removes a stale socket file at path; fails when a server answers there or the path is
 * something other than a socket. */
static gboolean
clear_stale_socket(const char *path, const struct sockaddr_un *sa, GError **error)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT)
            return TRUE;
        return fail_errno(error, "%s", path);
    }
    if (!S_ISSOCK(st.st_mode)) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "%s exists and is not a socket; remove it or choose another path", path);
        return FALSE;
    }
    int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (probe < 0)
        return fail_errno(error, "socket");
    int rc = connect(probe, (const struct sockaddr *)sa, sizeof *sa);
    int err = errno;
    close(probe);
    /* EAGAIN: a listener whose backlog is full is still a listener. */
    if (rc == 0 || err == EAGAIN) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                    "another daemon answers on %s; not starting a second one", path);
        return FALSE;
    }
    if (err != ECONNREFUSED) {
        errno = err;
        return fail_errno(error, "probing %s", path);
    }
    if (unlink(path) != 0 && errno != ENOENT)
        return fail_errno(error, "removing stale socket %s", path);
    g_message("ctl: replaced stale socket %s", path);
    return TRUE;
}

static gboolean
server_open(CtlServer *s, GError **error)
{
    struct sockaddr_un sa;
    if (!fill_sockaddr(s->path, &sa, error))
        return FALSE;
    if (!ensure_parent_dir(s, error))
        return FALSE;
    if (!clear_stale_socket(s->path, &sa, error))
        return FALSE;
    s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (s->fd < 0)
        return fail_errno(error, "socket");
    /* On Linux the socket inode's mode (less the umask) becomes the file's mode at bind, so
     * the file is never wider than 0660, not even before the chmod below. */
    if (fchmod(s->fd, 0660) != 0)
        return fail_errno(error, "fchmod socket");
    if (bind(s->fd, (const struct sockaddr *)&sa, sizeof sa) != 0)
        return fail_errno(error, "bind %s", s->path);
    struct stat st;
    if (stat(s->path, &st) != 0) {
        fail_errno(error, "%s", s->path);
        unlink(s->path);
        return FALSE;
    }
    s->sock_dev = st.st_dev;
    s->sock_ino = st.st_ino;
    if (chmod(s->path, 0660) != 0 || (s->has_group && chown(s->path, (uid_t)-1, s->gid) != 0)) {
        fail_errno(error, "setting owner and mode of %s", s->path);
        unlink(s->path);
        return FALSE;
    }
    if (listen(s->fd, SOMAXCONN) != 0) {
        fail_errno(error, "listen %s", s->path);
        unlink(s->path);
        return FALSE;
    }
    return TRUE;
}

CtlServer *
ctl_server_new(const CtlServerConfig *config, const CtlHandlers *handlers, gpointer user_data,
               GError **error)
{
    g_return_val_if_fail(config != NULL && config->path != NULL, NULL);
    g_return_val_if_fail(handlers != NULL, NULL);

    g_autoptr(CtlServer) s = g_new0(CtlServer, 1);
    s->fd = -1;
    s->path = g_strdup(config->path);
    s->max_clients = config->max_clients ? config->max_clients : CTL_SERVER_MAX_CLIENTS;
    s->idle_ms = config->idle_ms ? config->idle_ms : CTL_SERVER_IDLE_MS;
    s->reply_ms = config->reply_ms ? config->reply_ms : CTL_SERVER_REPLY_MS;
    s->handlers = *handlers;
    s->user_data = user_data;
    s->context = g_main_context_ref_thread_default();
    g_queue_init(&s->clients);
    if (config->group && config->group[0]) {
        s->group_name = g_strdup(config->group);
        if (!resolve_group(config->group, &s->gid, error))
            return NULL;
        s->has_group = TRUE;
    }
    if (!server_open(s, error)) {
        g_prefix_error(error, "control socket: ");
        return NULL;
    }
    s->listen_source = g_unix_fd_source_new(s->fd, G_IO_IN);
    g_source_set_callback(s->listen_source, G_SOURCE_FUNC(server_listen_cb), s, NULL);
    g_source_attach(s->listen_source, s->context);
    g_message("ctl: listening on %s (group %s)", s->path,
              s->has_group ? s->group_name : "none: root only");
    return g_steal_pointer(&s);
}

void
ctl_server_free(CtlServer *s)
{
    if (!s)
        return;
    while (s->clients.head)
        client_close(s->clients.head->data);
    if (s->listen_source) {
        g_source_destroy(s->listen_source);
        g_source_unref(s->listen_source);
    }
    if (s->fd >= 0) {
        close(s->fd);
        struct stat st;
        if (s->sock_ino && lstat(s->path, &st) == 0 && st.st_dev == s->sock_dev &&
            st.st_ino == s->sock_ino && unlink(s->path) != 0)
            g_warning("ctl: removing %s: %s", s->path, g_strerror(errno));
    }
    if (s->context)
        g_main_context_unref(s->context);
    g_free(s->group_name);
    g_free(s->path);
    g_free(s);
}

guint
ctl_server_client_count(const CtlServer *s)
{
    return s->clients.length;
}

void
ctl_server_get_stats(const CtlServer *s, CtlServerStats *out)
{
    *out = s->stats;
}
