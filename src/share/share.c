// SPDX-License-Identifier: GPL-2.0-or-later
// The Redis side of sharing: two hiredis connections on the GLib loop, the outbox sender and
// the stream reader, with reconnection and backoff.
#include "share.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include "error.h"
#include "log.h"

/*
 * Two connections, because XREAD BLOCK holds its connection until an entry arrives:
 *  - publish sends the outbox in order, one MULTI/EXEC per batch of decisions (per decision
 *    an XADD to the stream and the snapshot key's SET ... EXAT, or its DEL), a few batches
 *    in flight. When a batch's EXEC is answered, its rows leave the outbox. A connection
 *    lost mid-batch resends from the first unanswered row: at-least-once, which the
 *    receivers' idempotent apply makes harmless.
 *  - receive starts from the last applied stream ID (a store key, committed with the bans it
 *    applied). Without one, or when the stream no longer holds it (trimmed), it first loads
 *    the snapshot (SCAN + MGET of the ban keys, pipelined) and then reads the stream from the
 *    ID that was last before the scan: what changed during the scan is read again,
 *    harmlessly.
 * Every reply is checked for its shape before use; a connection that answers nonsense is
 * dropped and reconnected like one that failed.
 */

#define SHARE_KEY_POSITION "share.stream_id"
#define SHARE_BLOCK_MS "5000"
#define SHARE_KICK_INTERVAL_MS 1000
#define SHARE_STREAM_ID_MAX 41
#define SHARE_PREFIX_MAX 64
/* Keys a SCAN page looks at (one MGET fetches the page's values) and the largest snapshot
 * value believed (the outbox encoding of the longest entry is about 700 bytes). */
#define SHARE_SCAN_COUNT 10000
#define SHARE_READ_COUNT 10000 /* stream entries per XREAD */
#define SHARE_SNAPSHOT_VALUE_MAX 2048

typedef enum {
    LINK_OFF,
    LINK_DOWN,
    LINK_CONNECTING,
    LINK_UP,
} LinkState;

typedef struct Link Link;
struct Link {
    Share *share;
    const char *name; /* "publish" or "receive" */
    redisAsyncContext *ac;
    GSource *source;
    LinkState state;
    guint retry_id;
    guint connect_id; /* the connect-and-login timeout */
    gboolean retrying; /* a connection failed since the link was last up */
    guint backoff_ms;
    guint generation; /* bumped per connection, so late callbacks of an old one are ignored */
    void (*on_up)(Link *link);
    void (*on_down)(Link *link);
};

struct Share {
    ShareOptions opts;
    char *redis, *user, *password, *node, *prefix;
    char *key_log;     /* <prefix>:log */
    char *key_ban_pat; /* <prefix>:ban:* */
    Store *store;
    GMainContext *ctx;
    ShareApplyFunc apply;
    ShareBatchFunc batch_done;
    gpointer user_data;
    gboolean freeing;
    Link pub, sub;
    guint kick_timer;
    guint kick_idle;
    /* publish */
    gint64 sent_id;   /* highest outbox id sent on this connection */
    gint64 acked_id;  /* highest outbox id Redis answered */
    gint64 skip_id;   /* highest outbox id that could not be decoded (never sent) */
    guint in_flight;  /* EXECs without a reply */
    /* receive */
    char position[SHARE_STREAM_ID_MAX + 1]; /* last applied stream ID, "" before any */
    char snapshot_from[SHARE_STREAM_ID_MAX + 1];
    GArray *snap_items;     /* SnapItem: the snapshot read so far, checked, not yet applied */
    GByteArray *snap_data;  /* their encoded values */
    guint snap_next;        /* the next item to apply once sorted */
    guint snap_idle;        /* applying the sorted snapshot, a chunk per main-loop turn */
    gint64 snap_start_us;   /* when its SCAN began, and when its last value came */
    gint64 snap_read_us;
    guint snap_taken;       /* how many of its bans this node took (the rest: not applied) */
    gint64 receive_lag_ms;
    guint64 published, received, applied, refused, own;
};

static void link_connect(Link *link);
static void receive_read(Share *share);

/* ---- options ---- */

void
share_options_init(ShareOptions *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->prefix = "alertban";
    opts->publish = TRUE;
    opts->receive = TRUE;
    opts->stream_max_len = 100000;
    opts->retry_min_ms = 100;
    opts->retry_max_ms = 10000;
    opts->connect_timeout_ms = 3000;
    opts->batch = 1000;
}

static gboolean G_GNUC_PRINTF(2, 3)
config_error(GError **error, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, msg);
    return FALSE;
}

/* Splits "unix:PATH" or "HOST:PORT" / "[V6]:PORT". */
static gboolean
parse_address(const char *text, char **path, char **host, int *port, GError **error)
{
    *path = *host = NULL;
    *port = 0;
    if (!text || !*text)
        return config_error(error, "share: redis is not set%s", "");
    if (g_str_has_prefix(text, "unix:")) {
        if (text[5] != '/')
            return config_error(error, "share: redis = %s: the socket path must be absolute",
                                text);
        *path = g_strdup(text + 5);
        return TRUE;
    }
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return config_error(error, "share: redis = %s: not unix:PATH or HOST:PORT", text);
    guint64 p;
    if (!g_ascii_string_to_unsigned(colon + 1, 10, 1, 65535, &p, NULL))
        return config_error(error, "share: redis = %s: bad port", text);
    const char *h = text;
    gsize hlen = (gsize)(colon - text);
    if (h[0] == '[') {
        if (hlen < 3 || h[hlen - 1] != ']')
            return config_error(error, "share: redis = %s: bad IPv6 address", text);
        h++;
        hlen -= 2;
    }
    *host = g_strndup(h, hlen);
    *port = (int)p;
    return TRUE;
}

static gboolean
prefix_is_valid(const char *p)
{
    gsize len = p ? strlen(p) : 0;
    if (len == 0 || len > SHARE_PREFIX_MAX)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isalnum(p[i]) && !strchr("._:-", p[i]))
            return FALSE;
    return TRUE;
}

/* Reads the password: refused when group or others may read the file (it grants write access
 * to every node's bans). The first line, without its newline. */
static char *
read_password(const char *path, GError **error)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "share: password_file %s: %s",
                    path, g_strerror(e));
        return NULL;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        config_error(error, "share: password_file %s: not a regular file", path);
        return NULL;
    }
    if (sb.st_mode & (S_IRWXG | S_IRWXO)) {
        close(fd);
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "share: password_file %s: mode %04o lets group or others read it; chmod 600 it",
                    path, (unsigned)(sb.st_mode & 07777));
        return NULL;
    }
    char buf[1024];
    gsize len = 0;
    while (len < sizeof buf) {
        ssize_t n = read(fd, buf + len, sizeof buf - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (gsize)n;
    }
    close(fd);
    char *nl = memchr(buf, '\n', len);
    if (nl)
        len = (gsize)(nl - buf);
    if (len > 0 && buf[len - 1] == '\r')
        len--;
    if (len == 0 || len >= sizeof buf || memchr(buf, '\0', len)) {
        config_error(error, "share: password_file %s: no password on its first line", path);
        return NULL;
    }
    char *out = g_strndup(buf, len);
    explicit_bzero(buf, sizeof buf);
    return out;
}

gboolean
share_options_check(const ShareOptions *opts, GError **error)
{
    g_autofree char *path = NULL, *host = NULL;
    int port;
    if (!parse_address(opts->redis, &path, &host, &port, error))
        return FALSE;
    if (!share_node_is_valid(opts->node))
        return config_error(error, "share: node = %s: 1 to 63 of A-Z a-z 0-9 . _ -",
                            opts->node ? opts->node : "");
    if (!prefix_is_valid(opts->prefix))
        return config_error(error, "share: prefix = %s: 1 to 64 of A-Z a-z 0-9 . _ : -",
                            opts->prefix ? opts->prefix : "");
    if (opts->password_file && *opts->password_file) {
        char *pw = read_password(opts->password_file, error);
        if (!pw)
            return FALSE;
        explicit_bzero(pw, strlen(pw));
        g_free(pw);
    } else if (opts->user && *opts->user) {
        return config_error(error, "share: user = %s needs a password_file", opts->user);
    }
    return TRUE;
}

char *
share_node_default(const char *configured, GError **error)
{
    if (configured && *configured) {
        if (!share_node_is_valid(configured)) {
            config_error(error, "share: node = %s: 1 to 63 of A-Z a-z 0-9 . _ -", configured);
            return NULL;
        }
        return g_strdup(configured);
    }
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0])
        g_strlcpy(host, "localhost", sizeof host);
    char *dot = strchr(host, '.');
    if (dot)
        *dot = '\0';
    if (!share_node_is_valid(host)) {
        config_error(error, "share: the host name %s is no node name; set node =", host);
        return NULL;
    }
    return g_strdup(host);
}

/* ---- links ---- */

static const char *
link_state_name(const Link *link)
{
    switch (link->state) {
    case LINK_OFF:
        return "off";
    case LINK_DOWN:
        return "down";
    case LINK_CONNECTING:
        /* A retry after a failure is still a link that is down. */
        return link->retrying ? "down" : "connecting";
    case LINK_UP:
        return "up";
    }
    return "?";
}

static void
link_drop_source(Link *link)
{
    if (link->source) {
        g_source_destroy(link->source);
        g_source_unref(link->source);
        link->source = NULL;
    }
}

/*
 * The connection's GSource. hiredis ships a GLib adapter, but its dispatch runs the read
 * handler after the write handler on the same context even when the write failed and freed
 * it (a Redis that went away with a reply and a request pending): a use after free. This
 * source checks that the connection still exists between the two.
 */
typedef struct {
    GSource base;
    Link *link;
    gpointer tag;
    GIOCondition events;
} LinkSource;

static void
link_source_update(LinkSource *s, GIOCondition add, GIOCondition del)
{
    s->events = (s->events | add) & ~del;
    if (s->tag && !g_source_is_destroyed(&s->base))
        g_source_modify_unix_fd(&s->base, s->tag, s->events);
}

static void
ev_add_read(void *data)
{
    link_source_update(data, G_IO_IN, 0);
}

static void
ev_del_read(void *data)
{
    link_source_update(data, 0, G_IO_IN);
}

static void
ev_add_write(void *data)
{
    link_source_update(data, G_IO_OUT, 0);
}

static void
ev_del_write(void *data)
{
    link_source_update(data, 0, G_IO_OUT);
}

static void
ev_cleanup(void *data)
{
    LinkSource *s = data;
    /* A failed connect calls on_connect() (which destroys the source) before this. */
    if (s->tag && !g_source_is_destroyed(&s->base))
        g_source_remove_unix_fd(&s->base, s->tag);
    s->tag = NULL;
    s->events = 0;
}

static gboolean
link_source_dispatch(GSource *source, GSourceFunc callback, gpointer user_data)
{
    (void)callback;
    (void)user_data;
    LinkSource *s = (LinkSource *)source;
    Link *link = s->link;
    redisAsyncContext *ac = link->ac;
    if (!s->tag || !ac || link->source != source)
        return G_SOURCE_CONTINUE;
    GIOCondition rev = g_source_query_unix_fd(source, s->tag);
    if (rev & G_IO_OUT)
        redisAsyncHandleWrite(ac);
    /* The write may have failed and freed the connection (link_lost() then cleared it). */
    if (link->ac == ac && link->source == source && s->tag &&
        (rev & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
        redisAsyncHandleRead(ac);
    return G_SOURCE_CONTINUE;
}

static GSource *
link_source_new(Link *link, redisAsyncContext *ac)
{
    static GSourceFuncs funcs = {.dispatch = link_source_dispatch};
    LinkSource *s = (LinkSource *)g_source_new(&funcs, sizeof *s);
    s->link = link;
    s->tag = g_source_add_unix_fd(&s->base, ac->c.fd, 0);
    ac->ev.addRead = ev_add_read;
    ac->ev.delRead = ev_del_read;
    ac->ev.addWrite = ev_add_write;
    ac->ev.delWrite = ev_del_write;
    ac->ev.cleanup = ev_cleanup;
    ac->ev.data = s;
    return &s->base;
}

static void remove_source(GMainContext *ctx, guint *id);

static gboolean
link_retry_cb(gpointer data)
{
    Link *link = data;
    link->retry_id = 0;
    link_connect(link);
    return G_SOURCE_REMOVE;
}

/* The connection is gone (hiredis frees the context after this): schedule the next try. */
static void
link_lost(Link *link, const char *why)
{
    gboolean was_up = link->state == LINK_UP;
    link->ac = NULL;
    link_drop_source(link);
    remove_source(link->share->ctx, &link->connect_id);
    link->generation++;
    link->retrying = TRUE;
    if (link->share->freeing) {
        link->state = LINK_DOWN;
        return;
    }
    link->state = LINK_DOWN;
    if (link->on_down)
        link->on_down(link);
    if (was_up)
        g_warning("share: %s: lost Redis at %s (%s); retrying, decisions wait in the outbox",
                  link->name, link->share->redis, why);
    else
        g_info("share: %s: Redis at %s: %s; retrying in %u ms", link->name, link->share->redis,
               why, link->backoff_ms);
    GSource *t = g_timeout_source_new(link->backoff_ms);
    g_source_set_callback(t, link_retry_cb, link, NULL);
    link->retry_id = g_source_attach(t, link->share->ctx);
    g_source_unref(t);
    link->backoff_ms = MIN(link->backoff_ms * 2, link->share->opts.retry_max_ms);
}

static void
on_connect(const redisAsyncContext *ac, int status)
{
    Link *link = ac->data;
    if (link->ac != ac)
        return; /* given up on already (link_connect_timeout_cb()) */
    if (status != REDIS_OK)
        link_lost(link, ac->errstr[0] ? ac->errstr : "connect failed");
}

static void
on_disconnect(const redisAsyncContext *ac, int status)
{
    Link *link = ac->data;
    if (link->ac != ac)
        return; /* closed by us: link_close() or link_connect_timeout_cb() */
    link_lost(link, status == REDIS_OK ? "closed" : (ac->errstr[0] ? ac->errstr : "error"));
}

/* Drops the connection from inside a callback (hiredis frees it once the callback returns;
 * on_disconnect then schedules the retry). */
static void
link_fail(Link *link, const char *what)
{
    g_warning("share: %s: %s; reconnecting", link->name, what);
    if (link->ac)
        redisAsyncDisconnect(link->ac);
}

/* privdata of every command: the link and its connection's generation, packed. */
#define LINK_TAG(link) GUINT_TO_POINTER((link)->generation)

static gboolean
reply_current(Link *link, redisReply *reply, void *privdata)
{
    return reply != NULL && !link->share->freeing && link->ac != NULL &&
           GPOINTER_TO_UINT(privdata) == link->generation;
}

static void
on_hello(redisAsyncContext *ac, void *r, void *privdata)
{
    Link *link = ac->data;
    redisReply *reply = r;
    if (!reply_current(link, reply, privdata))
        return;
    if (reply->type == REDIS_REPLY_ERROR) {
        char esc[LOG_ESCAPE_BUFSIZE];
        g_autofree char *what = g_strdup_printf(
            "Redis refused the login: %s", log_escape(reply->str, reply->len, esc));
        link_fail(link, what);
        return;
    }
    remove_source(link->share->ctx, &link->connect_id);
    link->state = LINK_UP;
    link->retrying = FALSE;
    link->backoff_ms = link->share->opts.retry_min_ms;
    g_message("share: %s: connected to Redis at %s", link->name, link->share->redis);
    if (link->on_up)
        link->on_up(link);
}

/*
 * hiredis 0.14 connects without a timeout: an address that drops SYNs would hold the link in
 * "connecting" for the kernel's whole SYN retry time (about two minutes), and a peer that
 * accepts but never answers, forever. The connect and the login get connect_timeout_ms; then
 * the connection is given up like a failed one, and the backoff goes on.
 */
static gboolean
link_connect_timeout_cb(gpointer data)
{
    Link *link = data;
    link->connect_id = 0;
    redisAsyncContext *ac = link->ac;
    if (!ac || link->state == LINK_UP)
        return G_SOURCE_REMOVE;
    link->ac = NULL; /* so on_connect/on_disconnect ignore what the free reports */
    redisAsyncFree(ac); /* pending callbacks see NULL replies */
    g_autofree char *why = g_strdup_printf("no connection and login within %u ms",
                                           link->share->opts.connect_timeout_ms);
    link_lost(link, why);
    return G_SOURCE_REMOVE;
}

static void
link_connect(Link *link)
{
    Share *share = link->share;
    g_autofree char *path = NULL, *host = NULL;
    int port;
    if (!parse_address(share->redis, &path, &host, &port, NULL))
        return; /* checked at share_new() */
    redisAsyncContext *ac = path ? redisAsyncConnectUnix(path) : redisAsyncConnect(host, port);
    if (!ac) {
        g_warning("share: %s: out of memory", link->name);
        return;
    }
    link->generation++;
    link->state = LINK_CONNECTING;
    if (ac->err) {
        g_autofree char *why = g_strdup(ac->errstr);
        redisAsyncFree(ac);
        link->ac = NULL;
        link_lost(link, why);
        return;
    }
    ac->data = link;
    link->ac = ac;
    link->source = link_source_new(link, ac);
    g_source_attach(link->source, share->ctx);
    redisAsyncSetConnectCallback(ac, on_connect);
    redisAsyncSetDisconnectCallback(ac, on_disconnect);
    GSource *t = g_timeout_source_new(share->opts.connect_timeout_ms);
    g_source_set_callback(t, link_connect_timeout_cb, link, NULL);
    link->connect_id = g_source_attach(t, share->ctx);
    g_source_unref(t);
    /* AUTH (or PING) first: commands wait in hiredis's buffer until the socket connects. */
    if (share->password) {
        const char *argv[3] = {"AUTH"};
        int argc = 1;
        if (share->user)
            argv[argc++] = share->user;
        argv[argc++] = share->password;
        redisAsyncCommandArgv(ac, on_hello, LINK_TAG(link), argc, argv, NULL);
    } else {
        const char *argv[1] = {"PING"};
        redisAsyncCommandArgv(ac, on_hello, LINK_TAG(link), 1, argv, NULL);
    }
}

/* ---- publish ---- */

/*
 * A burst is sent as a few large round trips: each batch of outbox rows goes out as one
 * MULTI, two commands per decision (XADD, and SET with EXAT or DEL for the snapshot key),
 * EXEC; up to SHARE_PUBLISH_WINDOW batches are in flight at once, so Redis never waits for
 * this node between them. Each EXEC's reply removes its rows from the outbox.
 */
#define SHARE_PUBLISH_WINDOW 4

typedef struct {
    Share *share;
    GString *maxlen;
    guint sent;
    guint bad;
    gint64 last_id;
    gint64 last_bad_id;
} SendCtx;

static void
on_exec(redisAsyncContext *ac, void *r, void *privdata)
{
    Link *link = ac->data;
    Share *share = link->share;
    redisReply *reply = r;
    /* privdata is the batch's last outbox id; the generation check is on the connection's
     * state (a lost connection answers its pending callbacks with NULL). */
    if (!reply || share->freeing || link->ac == NULL)
        return;
    gint64 id = (gint64)GPOINTER_TO_SIZE(privdata);
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements % 2 != 0) {
        char esc[LOG_ESCAPE_BUFSIZE];
        g_autofree char *what = g_strdup_printf(
            "Redis did not take the outbox up to entry %" G_GINT64_FORMAT ": %s", id,
            reply->type == REDIS_REPLY_ERROR ? log_escape(reply->str, reply->len, esc)
                                             : "no transaction reply");
        link_fail(link, what);
        return;
    }
    for (size_t i = 0; i < reply->elements; i++) {
        const redisReply *e = reply->element[i];
        if (e && e->type == REDIS_REPLY_ERROR) {
            char esc[LOG_ESCAPE_BUFSIZE];
            g_warning("share: publish: outbox batch up to %" G_GINT64_FORMAT ": command %zu: %s",
                      id, i, log_escape(e->str, e->len, esc));
        }
    }
    share->acked_id = MAX(share->acked_id, id);
    share->published += reply->elements / 2; /* two commands per decision */
    g_assert(share->in_flight > 0);
    if (--share->in_flight == 0 && share->skip_id <= share->sent_id)
        share->acked_id = MAX(share->acked_id, share->skip_id);
    g_autoptr(GError) error = NULL;
    if (!store_outbox_remove(share->store, share->acked_id, &error))
        g_warning("share: publish: %s", error->message); /* resent later; harmless */
    share_kick(share);
}

static void
send_entry(gint64 id, gint64 time_us, gconstpointer data, gsize len, gpointer user_data)
{
    (void)time_us;
    SendCtx *c = user_data;
    Share *share = c->share;
    redisAsyncContext *ac = share->pub.ac;
    ShareEntry e;
    g_autoptr(GError) error = NULL;
    c->last_id = id;
    if (!share_entry_decode(data, len, &e, &error)) {
        /* Only a damaged database gets here; the row can never be sent. */
        g_warning("share: publish: outbox entry %" G_GINT64_FORMAT " dropped: %s", id,
                  error->message);
        c->bad++;
        c->last_bad_id = id;
        return;
    }
    if (c->sent == 0) {
        const char *multi[1] = {"MULTI"};
        redisAsyncCommandArgv(ac, NULL, NULL, 1, multi, NULL);
    }
    ShareEntryText text;
    ShareField fields[SHARE_ENTRY_FIELDS];
    guint n = share_entry_fields(&e, &text, fields);
    char key[SHARE_PREFIX_MAX + 8 + IPADDR_STRLEN];
    int keylen = g_snprintf(key, sizeof key, "%s:ban:%s", share->prefix, text.addr);

    const char *argv[6 + 2 * SHARE_ENTRY_FIELDS];
    size_t argvlen[6 + 2 * SHARE_ENTRY_FIELDS];
    int argc = 0;
    argv[argc] = "XADD", argvlen[argc++] = 4;
    argv[argc] = share->key_log, argvlen[argc++] = strlen(share->key_log);
    argv[argc] = "MAXLEN", argvlen[argc++] = 6;
    argv[argc] = "~", argvlen[argc++] = 1;
    argv[argc] = c->maxlen->str, argvlen[argc++] = c->maxlen->len;
    argv[argc] = "*", argvlen[argc++] = 1;
    for (guint i = 0; i < n; i++) {
        argv[argc] = fields[i].name, argvlen[argc++] = fields[i].name_len;
        argv[argc] = fields[i].value, argvlen[argc++] = fields[i].value_len;
    }
    redisAsyncCommandArgv(ac, NULL, NULL, argc, argv, argvlen);

    /* The snapshot key holds the entry in the outbox's own encoding (share_entry_decode()
     * reads it back with every check), so a joining node fetches many with one MGET. A SET
     * without EXAT also clears an earlier expiry: the ban became permanent. */
    argc = 0;
    if (e.op == SHARE_OP_BAN) {
        argv[argc] = "SET", argvlen[argc++] = 3;
        argv[argc] = key, argvlen[argc++] = (size_t)keylen;
        argv[argc] = data, argvlen[argc++] = len;
        if (e.expires_s > 0) {
            argv[argc] = "EXAT", argvlen[argc++] = 4;
            argv[argc] = text.expires, argvlen[argc++] = strlen(text.expires);
        }
    } else {
        argv[argc] = "DEL", argvlen[argc++] = 3;
        argv[argc] = key, argvlen[argc++] = (size_t)keylen;
    }
    redisAsyncCommandArgv(ac, NULL, NULL, argc, argv, argvlen);
    c->sent++;
}

void
share_kick(Share *share)
{
    g_return_if_fail(share != NULL);
    if (!share->opts.publish || share->pub.state != LINK_UP)
        return;
    g_autoptr(GString) maxlen = g_string_new(NULL);
    g_string_printf(maxlen, "%u", share->opts.stream_max_len);
    while (share->in_flight < SHARE_PUBLISH_WINDOW && share->pub.ac) {
        SendCtx c = {.share = share, .maxlen = maxlen};
        g_autoptr(GError) error = NULL;
        if (!store_outbox_load(share->store, share->sent_id, share->opts.batch, send_entry, &c,
                               &error)) {
            g_warning("share: publish: %s", error->message);
            return;
        }
        if (c.last_id == 0)
            return; /* nothing more to send */
        share->sent_id = c.last_id;
        if (c.sent > 0) {
            const char *exec[1] = {"EXEC"};
            redisAsyncCommandArgv(share->pub.ac, on_exec, GSIZE_TO_POINTER((gsize)c.last_id), 1,
                                  exec, NULL);
            share->in_flight++;
        } else {
            /* Only rows that cannot be decoded: they count as answered (now, or with the
             * batches still in flight), or they would block the outbox forever. */
            share->skip_id = MAX(share->skip_id, c.last_bad_id);
            if (share->in_flight == 0) {
                share->acked_id = MAX(share->acked_id, c.last_bad_id);
                if (!store_outbox_remove(share->store, share->acked_id, &error))
                    g_warning("share: publish: %s", error->message);
            }
        }
    }
}

static void
publish_up(Link *link)
{
    Share *share = link->share;
    /* Everything not answered is sent again: the outbox still holds it. */
    share->sent_id = share->acked_id;
    share->in_flight = 0;
    share_kick(share);
}

static void
publish_down(Link *link)
{
    Share *share = link->share;
    /* What Redis answered before the connection went leaves the outbox now, so that a
     * restart does not send it again; the rest is sent again on the next connection. */
    if (share->in_flight > 0 && share->acked_id > 0) {
        g_autoptr(GError) error = NULL;
        if (!store_outbox_remove(share->store, share->acked_id, &error))
            g_warning("share: publish: %s", error->message);
    }
    share->sent_id = share->acked_id;
    share->in_flight = 0;
}

static gboolean
kick_timer_cb(gpointer data)
{
    share_kick(data);
    return G_SOURCE_CONTINUE;
}

static gboolean
kick_idle_cb(gpointer data)
{
    Share *share = data;
    share->kick_idle = 0;
    share_kick(share);
    return G_SOURCE_REMOVE;
}

void
share_publish(Share *share, ShareEntry *e, gint64 now_us)
{
    g_return_if_fail(share != NULL && e != NULL);
    if (!share->opts.publish)
        return;
    g_strlcpy(e->node, share->node, sizeof e->node);
    /* Receivers refuse control characters; an alert's msg may hold them. */
    for (char *p = e->msg; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    for (char *p = e->reason; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    g_autoptr(GBytes) bytes = share_entry_encode(e);
    store_outbox_add(share->store, now_us, bytes);
    /* After the commit that writes it: a low-priority idle runs after the turn's flush. */
    if (!share->kick_idle) {
        GSource *s = g_idle_source_new();
        g_source_set_priority(s, G_PRIORITY_LOW);
        g_source_set_callback(s, kick_idle_cb, share, NULL);
        share->kick_idle = g_source_attach(s, share->ctx);
        g_source_unref(s);
    }
}

/* ---- receive ---- */

static gboolean
reply_is_string(const redisReply *r)
{
    return r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS);
}

/* A stream ID as Redis writes it: MS-SEQ, both decimal. */
static gboolean
stream_id_parse(const char *text, gsize len, guint64 *ms, guint64 *seq)
{
    if (len == 0 || len > SHARE_STREAM_ID_MAX)
        return FALSE;
    char buf[SHARE_STREAM_ID_MAX + 1];
    memcpy(buf, text, len);
    buf[len] = '\0';
    char *dash = strchr(buf, '-');
    if (!dash)
        return FALSE;
    *dash = '\0';
    return g_ascii_string_to_unsigned(buf, 10, 0, G_MAXUINT64, ms, NULL) &&
           g_ascii_string_to_unsigned(dash + 1, 10, 0, G_MAXUINT64, seq, NULL);
}

static int
stream_id_cmp(const char *a, const char *b)
{
    guint64 am = 0, as = 0, bm = 0, bs = 0;
    stream_id_parse(a, strlen(a), &am, &as);
    stream_id_parse(b, strlen(b), &bm, &bs);
    if (am != bm)
        return am < bm ? -1 : 1;
    return as < bs ? -1 : as > bs;
}

/* Checks and applies one stream entry's field/value array; where is its ID (for the log). */
static void
receive_fields(Share *share, const redisReply *arr, const char *id)
{
    if (!arr || arr->type != REDIS_REPLY_ARRAY || arr->elements % 2 != 0 ||
        arr->elements > 2 * SHARE_FIELDS_MAX) {
        share->refused++;
        g_warning("share: receive: stream entry %s: not a list of fields; ignored", id);
        return;
    }
    if (arr->elements == 0)
        return;
    ShareField fields[SHARE_FIELDS_MAX];
    guint n = 0;
    for (size_t i = 0; i < arr->elements; i += 2) {
        const redisReply *k = arr->element[i], *v = arr->element[i + 1];
        if (!reply_is_string(k) || !reply_is_string(v)) {
            share->refused++;
            g_warning("share: receive: stream entry %s: a field that is not a string; ignored",
                      id);
            return;
        }
        fields[n++] = (ShareField){k->str, k->len, v->str, v->len};
    }
    ShareEntry e;
    g_autoptr(GError) error = NULL;
    share->received++;
    if (!share_entry_from_fields(fields, n, &e, &error)) {
        share->refused++;
        char esc[LOG_ESCAPE_BUFSIZE];
        g_warning("share: receive: stream entry %s refused: %s", id,
                  log_escape(error->message, strlen(error->message), esc));
        return;
    }
    if (strcmp(e.node, share->node) == 0) {
        share->own++; /* our own decision, back from Redis: never applied twice */
        return;
    }
    share->applied++;
    share->apply(&e, FALSE, share->user_data);
}

static void
set_position(Share *share, const char *id)
{
    g_strlcpy(share->position, id, sizeof share->position);
    store_put_key(share->store, SHARE_KEY_POSITION, share->position);
}

static void
on_xread(redisAsyncContext *ac, void *r, void *privdata)
{
    Link *link = ac->data;
    Share *share = link->share;
    redisReply *reply = r;
    if (!reply_current(link, reply, privdata))
        return;
    if (reply->type == REDIS_REPLY_NIL) {
        share->receive_lag_ms = 0;
        receive_read(share); /* BLOCK timed out: nothing new */
        return;
    }
    /* [[stream, [[id, [field, value, ...]], ...]]] */
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 1 ||
        reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements != 2 ||
        reply->element[0]->element[1]->type != REDIS_REPLY_ARRAY) {
        link_fail(link, "XREAD answered in an unexpected shape");
        return;
    }
    const redisReply *entries = reply->element[0]->element[1];
    gboolean any = FALSE;
    guint64 last_ms = 0, seq;
    char id[SHARE_STREAM_ID_MAX + 1] = "";
    for (size_t i = 0; i < entries->elements; i++) {
        const redisReply *ent = entries->element[i];
        if (ent->type != REDIS_REPLY_ARRAY || ent->elements != 2 ||
            !reply_is_string(ent->element[0]) ||
            !stream_id_parse(ent->element[0]->str, ent->element[0]->len, &last_ms, &seq)) {
            link_fail(link, "XREAD answered an entry without an ID");
            break;
        }
        memcpy(id, ent->element[0]->str, ent->element[0]->len);
        id[ent->element[0]->len] = '\0';
        receive_fields(share, ent->element[1], id);
        any = TRUE;
    }
    if (any) {
        /* The batch's last ID, committed with the bans it applied (in the turn that
         * batch_done asks for: one store transaction, one firewall change). */
        set_position(share, id);
        share->receive_lag_ms = MAX(0, g_get_real_time() / 1000 - (gint64)last_ms);
        share->batch_done(share->user_data);
    }
    if (link->ac && link->state == LINK_UP)
        receive_read(share);
}

static void
receive_read(Share *share)
{
    Link *link = &share->sub;
    char count[16];
    g_snprintf(count, sizeof count, "%u", SHARE_READ_COUNT);
    const char *from = share->position[0] ? share->position : "0-0";
    const char *argv[] = {"XREAD", "COUNT", count, "BLOCK", SHARE_BLOCK_MS,
                          "STREAMS", share->key_log, from};
    redisAsyncCommandArgv(link->ac, on_xread, LINK_TAG(link), G_N_ELEMENTS(argv), argv, NULL);
}

static void scan_page(Share *share, const char *cursor);

/*
 * A snapshot is read whole before it is applied, then applied in address order, a chunk per
 * main-loop turn. The order is the store's key order, so each chunk's commit writes a run of
 * neighbouring pages: a joining node's store writes about its table's size in all, where the
 * keys in SCAN's (hash) order made every commit rewrite pages all over the table (gigabytes
 * of WAL for a million bans). The chunks keep the loop answering between them. Held until
 * then: the encoded value (about 110 bytes) and its prefix, per ban.
 */
typedef struct {
    IpPrefix prefix;
    guint32 off, len;
} SnapItem;

#define SHARE_APPLY_CHUNK 10000

static void
snapshot_clear(Share *share)
{
    remove_source(share->ctx, &share->snap_idle);
    g_clear_pointer(&share->snap_items, g_array_unref);
    g_clear_pointer(&share->snap_data, g_byte_array_unref);
    share->snap_next = 0;
}

/* Checks one snapshot value (the outbox encoding, see send_entry()) and keeps it. */
static void
receive_value(Share *share, const redisReply *v)
{
    if (v->type == REDIS_REPLY_NIL)
        return; /* expired or lifted between SCAN and MGET, or not a string key */
    share->received++;
    ShareEntry e;
    g_autoptr(GError) error = NULL;
    if (v->type != REDIS_REPLY_STRING || v->len > SHARE_SNAPSHOT_VALUE_MAX ||
        !share_entry_decode(v->str, v->len, &e, &error)) {
        share->refused++;
        char esc[LOG_ESCAPE_BUFSIZE];
        const char *why = error ? error->message : "not a string of a sane length";
        g_warning("share: receive: a snapshot key refused: %s",
                  log_escape(why, strlen(why), esc));
        return;
    }
    if (strcmp(e.node, share->node) == 0) {
        share->own++;
        return;
    }
    if (share->snap_data->len > G_MAXUINT32 - v->len) {
        share->refused++;
        g_warning("share: receive: the snapshot is over 4 GB; the rest is skipped");
        return;
    }
    SnapItem it = {e.prefix, share->snap_data->len, (guint32)v->len};
    g_byte_array_append(share->snap_data, (const guint8 *)v->str, (guint)v->len);
    g_array_append_val(share->snap_items, it);
}

static void
on_mget(redisAsyncContext *ac, void *r, void *privdata)
{
    Link *link = ac->data;
    Share *share = link->share;
    redisReply *reply = r;
    if (!reply_current(link, reply, privdata))
        return;
    if (reply->type != REDIS_REPLY_ARRAY) {
        link_fail(link, "MGET answered in an unexpected shape");
        return;
    }
    for (size_t i = 0; i < reply->elements; i++)
        receive_value(share, reply->element[i]);
}

static int
snap_item_cmp(gconstpointer pa, gconstpointer pb)
{
    const SnapItem *a = pa, *b = pb;
    int c = ipaddr_compare(&a->prefix.addr, &b->prefix.addr);
    if (c != 0)
        return c;
    return (a->prefix.len > b->prefix.len) - (a->prefix.len < b->prefix.len);
}

static gboolean
snapshot_apply_cb(gpointer data)
{
    Share *share = data;
    guint n = share->snap_items->len;
    guint end = MIN(share->snap_next + SHARE_APPLY_CHUNK, n);
    for (guint i = share->snap_next; i < end; i++) {
        const SnapItem *it = &g_array_index(share->snap_items, SnapItem, i);
        ShareEntry e;
        /* Checked when it was read: the same bytes decode the same way. */
        if (!share_entry_decode(share->snap_data->data + it->off, it->len, &e, NULL))
            g_assert_not_reached();
        share->applied++;
        share->snap_taken += share->apply(&e, TRUE, share->user_data) ? 1 : 0;
    }
    share->snap_next = end;
    share->batch_done(share->user_data); /* this chunk's commit: one transaction */
    if (end < n)
        return G_SOURCE_CONTINUE;
    share->snap_idle = 0;
    snapshot_clear(share);
    gint64 now = g_get_monotonic_time();
    g_message("share: receive: snapshot loaded: bans=%u in_force=%u not_applied=%u read_ms=%"
              G_GINT64_FORMAT " apply_ms=%" G_GINT64_FORMAT "; reading the stream after %s",
              n, share->snap_taken, n - share->snap_taken,
              (share->snap_read_us - share->snap_start_us) / 1000,
              (now - share->snap_read_us) / 1000, share->snapshot_from);
    set_position(share, share->snapshot_from);
    share->batch_done(share->user_data);
    if (share->sub.ac && share->sub.state == LINK_UP)
        receive_read(share);
    return G_SOURCE_REMOVE;
}

static void
on_snapshot_done(redisAsyncContext *ac, void *r, void *privdata)
{
    Link *link = ac->data;
    Share *share = link->share;
    if (!reply_current(link, r, privdata))
        return;
    share->snap_read_us = g_get_monotonic_time();
    g_array_sort(share->snap_items, snap_item_cmp);
    g_message("share: receive: snapshot read (%u bans to apply, in %" G_GINT64_FORMAT " ms)",
              share->snap_items->len, (share->snap_read_us - share->snap_start_us) / 1000);
    /* Below the loop's I/O and the commit each chunk asks for: the control socket and the
     * alerts are served between chunks, and each chunk is committed before the next. */
    GSource *s = g_idle_source_new();
    g_source_set_priority(s, G_PRIORITY_DEFAULT_IDLE);
    g_source_set_callback(s, snapshot_apply_cb, share, NULL);
    share->snap_idle = g_source_attach(s, share->ctx);
    g_source_unref(s);
}

/*
 * One SCAN page: its keys' values in one MGET, sent right behind the next SCAN so that Redis
 * works on the next page while this node applies the last one. Replies come in order, so the
 * PING after the last page's MGET answers once every value has been applied.
 */
static void
on_scan(redisAsyncContext *ac, void *r, void *privdata)
{
    Link *link = ac->data;
    Share *share = link->share;
    redisReply *reply = r;
    if (!reply_current(link, reply, privdata))
        return;
    if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
        !reply_is_string(reply->element[0]) || reply->element[1]->type != REDIS_REPLY_ARRAY ||
        reply->element[0]->len > 24) {
        link_fail(link, "SCAN answered in an unexpected shape");
        return;
    }
    const redisReply *keys = reply->element[1];
    if (keys->elements > 0) {
        const char **argv = g_new(const char *, keys->elements + 1);
        size_t *lens = g_new(size_t, keys->elements + 1);
        int argc = 0;
        argv[argc] = "MGET", lens[argc++] = 4;
        for (size_t i = 0; i < keys->elements; i++) {
            const redisReply *k = keys->element[i];
            if (reply_is_string(k) && k->len <= 256)
                argv[argc] = k->str, lens[argc++] = k->len;
        }
        if (argc > 1)
            redisAsyncCommandArgv(ac, on_mget, LINK_TAG(link), argc, argv, lens);
        g_free(argv);
        g_free(lens);
    }
    char cursor[32];
    memcpy(cursor, reply->element[0]->str, reply->element[0]->len);
    cursor[reply->element[0]->len] = '\0';
    if (strcmp(cursor, "0") == 0) {
        const char *argv[1] = {"PING"};
        redisAsyncCommandArgv(ac, on_snapshot_done, LINK_TAG(link), 1, argv, NULL);
    } else {
        scan_page(share, cursor);
    }
}

static void
scan_page(Share *share, const char *cursor)
{
    Link *link = &share->sub;
    char count[16];
    g_snprintf(count, sizeof count, "%u", SHARE_SCAN_COUNT);
    const char *argv[] = {"SCAN", cursor, "MATCH", share->key_ban_pat, "COUNT", count};
    redisAsyncCommandArgv(link->ac, on_scan, LINK_TAG(link), G_N_ELEMENTS(argv), argv, NULL);
}

static void
receive_snapshot(Share *share, const char *from, const char *why)
{
    g_message("share: receive: loading the snapshot (%s)", why);
    g_strlcpy(share->snapshot_from, from, sizeof share->snapshot_from);
    snapshot_clear(share);
    share->snap_items = g_array_new(FALSE, FALSE, sizeof(SnapItem));
    share->snap_data = g_byte_array_new();
    share->snap_start_us = g_get_monotonic_time();
    share->snap_taken = 0;
    scan_page(share, "0");
}

/* A stream ID from a field of XINFO STREAM's flat name/value list ("" when absent). */
static void
xinfo_id(const redisReply *reply, const char *name, char out[SHARE_STREAM_ID_MAX + 1])
{
    guint64 ms, seq;
    out[0] = '\0';
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *k = reply->element[i], *v = reply->element[i + 1];
        if (reply_is_string(k) && strcmp(k->str, name) == 0 && reply_is_string(v) &&
            stream_id_parse(v->str, v->len, &ms, &seq)) {
            memcpy(out, v->str, v->len);
            out[v->len] = '\0';
        }
    }
}

/* An integer field of XINFO STREAM's list (-1 when absent). */
static gint64
xinfo_int(const redisReply *reply, const char *name)
{
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *k = reply->element[i], *v = reply->element[i + 1];
        if (reply_is_string(k) && strcmp(k->str, name) == 0 && v->type == REDIS_REPLY_INTEGER)
            return v->integer;
    }
    return -1;
}

/*
 * Where to start. XINFO STREAM says how many entries the stream holds, the ID of its first,
 * the ID it generated last and the highest ID deleted by XDEL (trimming does not record it).
 * The stream is read on from this node's position unless entries after it may be gone:
 *  - the first entry is past the position, or the stream is empty while its last ID is past
 *    the position: trimmed (when the position's own entry was trimmed but nothing after it,
 *    the snapshot is loaded needlessly, which is harmless);
 *  - XDEL removed an entry past the position;
 *  - the stream's last ID is behind the position: Redis lost its data, the stream restarted.
 * Then the snapshot is loaded first, and the stream read from its last ID before the scan.
 */
static void
on_xinfo(redisAsyncContext *ac, void *r, void *privdata)
{
    Link *link = ac->data;
    Share *share = link->share;
    redisReply *reply = r;
    if (!reply_current(link, reply, privdata))
        return;
    char last[SHARE_STREAM_ID_MAX + 1] = "0-0", first[SHARE_STREAM_ID_MAX + 1] = "",
         deleted[SHARE_STREAM_ID_MAX + 1] = "";
    gint64 length = 0;
    if (reply->type == REDIS_REPLY_ARRAY) {
        xinfo_id(reply, "last-generated-id", last);
        xinfo_id(reply, "max-deleted-entry-id", deleted);
        xinfo_id(reply, "recorded-first-entry-id", first);
        length = xinfo_int(reply, "length");
        if (!last[0] || length < 0) {
            link_fail(link, "XINFO STREAM answered without last-generated-id or length");
            return;
        }
    } else if (reply->type != REDIS_REPLY_ERROR) {
        link_fail(link, "XINFO STREAM answered in an unexpected shape");
        return;
    } /* else: no stream yet */
    const char *pos = share->position;
    g_autofree char *why = NULL;
    if (!pos[0])
        why = g_strdup("no stream position yet");
    else if ((length > 0 && first[0] && stream_id_cmp(first, pos) > 0) ||
             (length == 0 && stream_id_cmp(last, pos) > 0) ||
             (deleted[0] && stream_id_cmp(deleted, pos) > 0))
        why = g_strdup_printf("the stream was trimmed past this node's position %s", pos);
    else if (stream_id_cmp(last, pos) < 0)
        why = g_strdup_printf("the stream ends before this node's position %s: Redis lost it?",
                              pos);
    if (why) {
        receive_snapshot(share, last, why);
        return;
    }
    g_message("share: receive: reading the stream after %s", pos);
    receive_read(share);
}

/* A snapshot half read or half applied is dropped: the next connection starts it again
 * (what was applied stays; applying it again changes nothing). */
static void
receive_down(Link *link)
{
    snapshot_clear(link->share);
}

static void
receive_up(Link *link)
{
    Share *share = link->share;
    const char *argv[] = {"XINFO", "STREAM", share->key_log};
    redisAsyncCommandArgv(link->ac, on_xinfo, LINK_TAG(link), G_N_ELEMENTS(argv), argv, NULL);
}

/* ---- the object ---- */

static void
link_init(Share *share, Link *link, const char *name, gboolean on, void (*up)(Link *),
          void (*down)(Link *))
{
    link->share = share;
    link->name = name;
    link->state = on ? LINK_DOWN : LINK_OFF;
    link->backoff_ms = share->opts.retry_min_ms;
    link->on_up = up;
    link->on_down = down;
}

Share *
share_new(const ShareOptions *opts, Store *store, GMainContext *ctx, ShareApplyFunc apply,
          ShareBatchFunc batch_done, gpointer user_data, GError **error)
{
    g_return_val_if_fail(opts != NULL && store != NULL && apply && batch_done, NULL);
    if (!share_options_check(opts, error))
        return NULL;
    g_autoptr(Share) share = g_new0(Share, 1);
    share->opts = *opts;
    share->opts.retry_min_ms = MAX(opts->retry_min_ms, 1);
    share->opts.retry_max_ms = MAX(opts->retry_max_ms, share->opts.retry_min_ms);
    share->opts.connect_timeout_ms = MAX(opts->connect_timeout_ms, 1);
    share->opts.batch = CLAMP(opts->batch, 1, 100000);
    share->redis = g_strdup(opts->redis);
    share->user = opts->user && *opts->user ? g_strdup(opts->user) : NULL;
    share->node = g_strdup(opts->node);
    share->prefix = g_strdup(opts->prefix);
    share->key_log = g_strdup_printf("%s:log", opts->prefix);
    share->key_ban_pat = g_strdup_printf("%s:ban:*", opts->prefix);
    share->opts.redis = share->redis;
    share->opts.user = share->user;
    share->opts.node = share->node;
    share->opts.prefix = share->prefix;
    share->opts.password_file = NULL;
    if (opts->password_file && *opts->password_file &&
        !(share->password = read_password(opts->password_file, error)))
        return NULL;
    share->store = store;
    share->ctx = ctx ? g_main_context_ref(ctx) : g_main_context_ref_thread_default();
    share->apply = apply;
    share->batch_done = batch_done;
    share->user_data = user_data;
    g_autofree char *pos = NULL;
    if (!store_get_key(store, SHARE_KEY_POSITION, &pos, error))
        return NULL;
    if (pos && stream_id_parse(pos, strlen(pos), &(guint64){0}, &(guint64){0}))
        g_strlcpy(share->position, pos, sizeof share->position);
    else if (pos)
        g_warning("share: the stored stream position is not a stream ID; loading the snapshot");
    link_init(share, &share->pub, "publish", opts->publish, publish_up, publish_down);
    link_init(share, &share->sub, "receive", opts->receive, receive_up, receive_down);
    if (opts->publish) {
        link_connect(&share->pub);
        GSource *t = g_timeout_source_new(SHARE_KICK_INTERVAL_MS);
        g_source_set_callback(t, kick_timer_cb, share, NULL);
        share->kick_timer = g_source_attach(t, share->ctx);
        g_source_unref(t);
    }
    if (opts->receive)
        link_connect(&share->sub);
    g_message("share: node %s, Redis at %s, prefix %s, publish %s, receive %s", share->node,
              share->redis, share->prefix, opts->publish ? "yes" : "no",
              opts->receive ? "yes" : "no");
    return g_steal_pointer(&share);
}

static void
remove_source(GMainContext *ctx, guint *id)
{
    if (*id) {
        GSource *s = g_main_context_find_source_by_id(ctx, *id);
        if (s)
            g_source_destroy(s);
        *id = 0;
    }
}

static void
link_close(Link *link)
{
    remove_source(link->share->ctx, &link->retry_id);
    remove_source(link->share->ctx, &link->connect_id);
    if (link->ac) {
        redisAsyncContext *ac = link->ac;
        link->ac = NULL;
        redisAsyncFree(ac); /* pending callbacks see NULL replies; on_disconnect may run */
    }
    link_drop_source(link);
}

void
share_free(Share *share)
{
    if (!share)
        return;
    share->freeing = TRUE;
    if (share->ctx) {
        link_close(&share->pub);
        link_close(&share->sub);
        remove_source(share->ctx, &share->kick_timer);
        remove_source(share->ctx, &share->kick_idle);
        snapshot_clear(share);
        g_main_context_unref(share->ctx);
    }
    if (share->password) {
        explicit_bzero(share->password, strlen(share->password));
        g_free(share->password);
    }
    g_free(share->redis);
    g_free(share->user);
    g_free(share->node);
    g_free(share->prefix);
    g_free(share->key_log);
    g_free(share->key_ban_pat);
    g_free(share);
}

void
share_status(Share *share, ShareStatus *out)
{
    g_return_if_fail(share != NULL && out != NULL);
    memset(out, 0, sizeof *out);
    out->publish_link = link_state_name(&share->pub);
    out->receive_link = link_state_name(&share->sub);
    gint64 oldest = 0;
    g_autoptr(GError) error = NULL;
    if (!store_outbox_stats(share->store, &out->outbox, &oldest, &error))
        g_debug("share: %s", error->message);
    if (oldest > 0)
        out->publish_lag_ms = MAX(0, (g_get_real_time() - oldest) / 1000);
    out->receive_lag_ms = share->receive_lag_ms;
    out->published = share->published;
    out->received = share->received;
    out->applied = share->applied;
    out->refused = share->refused;
    out->own = share->own;
    g_strlcpy(out->position, share->position, sizeof out->position);
    out->snapshot = !share->snap_items ? "" : share->snap_idle ? "applying" : "reading";
    out->snapshot_bans = share->snap_items ? share->snap_items->len : 0;
    out->snapshot_applied = share->snap_idle ? share->snap_next : 0;
}
