// SPDX-License-Identifier: GPL-2.0-or-later
// Ends what a new ban leaves open: destroys the host's TCP sockets to the banned prefixes and
// deletes their connection-tracking entries, over netlink, in-process.
#include "cut.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "error.h"

/*
 * A cut is two dumps and two batches of deletions, whatever the number of prefixes: one dump
 * of the host's TCP sockets per family and one dump of the whole conntrack table (both
 * families), each entry matched in process against the turn's prefixes, and a delete request
 * queued for each match. The kernel has no filter for "any of these 10,000 prefixes" (the
 * inet_diag bytecode is a linear program, ctnetlink filters on one exact tuple), and a dump
 * filtered here costs one pass over the table per turn, not per ban.
 *
 * Matching: the prefixes go into one hash table; an address is masked to each prefix length
 * present in its family, longest first, and looked up, so a host ban and a network ban
 * holding the same address count the host ban.
 *
 * Deletions go out in batches of BATCH_MSGS requests in one sendmsg. Only the last request of
 * a batch asks for an acknowledgement: the kernel handles a netlink batch in order, so when
 * that acknowledgement arrives every failure of the batch (an error message each) has
 * arrived before it. A request that failed with ENOENT found its entry already gone (a
 * connection that closed meanwhile) and is simply not counted.
 *
 * Sockets go first: the reset each destroyed socket sends passes through conntrack and moves
 * its entry to CLOSE, and the conntrack half then deletes that entry too, so nothing of the
 * connection is left for an early "ESTABLISHED accept" rule to let through.
 */

#define DUMP_BUFSIZE (64 * 1024) /* larger than any dump message batch the kernel sends */
/* Requests per sendmsg: their error messages fit any receive buffer, and a batch of socket
 * destroys (about 30 us each in the kernel) stays near 1 ms, the grain of a job's slices. */
#define BATCH_MSGS 32
#define REQ_BUFSIZE 256 /* one dump or probe request */
#define RCVBUF_BYTES (4 * 1024 * 1024)
#define RECV_TIMEOUT_S 2

/* TCP states whose sockets are cut: everything but LISTEN (no peer), TIME_WAIT and CLOSE
 * (nothing left to reset). SYN_RECV covers half-open request sockets. */
#define CUT_TCP_STATES                                                                             \
    ((1u << TCP_ESTABLISHED) | (1u << TCP_SYN_SENT) | (1u << TCP_SYN_RECV) |                       \
     (1u << TCP_FIN_WAIT1) | (1u << TCP_FIN_WAIT2) | (1u << TCP_CLOSE_WAIT) |                      \
     (1u << TCP_LAST_ACK) | (1u << TCP_CLOSING))

struct Cut {
    struct mnl_socket *ct;   /* NETLINK_NETFILTER: ctnetlink */
    struct mnl_socket *diag; /* NETLINK_SOCK_DIAG */
    guint32 seq;
    gboolean can_destroy;
    char destroy_why[128];
    guint8 *buf; /* DUMP_BUFSIZE */
};

/* The turn's prefixes, for lookups of single addresses. */
typedef struct {
    GHashTable *index; /* IpPrefix* (borrowed from the caller's array) -> index + 1 */
    guint8 lens[2][129];
    guint n_lens[2]; /* [0] IPv4, [1] IPv6; lengths longest first */
} Matcher;

/* Delete requests built during a dump, sent after it. */
typedef struct {
    GByteArray *msgs;
    GArray *offsets; /* guint32: where each request starts in msgs */
    GArray *owners;  /* guint: the prefix index each request counts into */
    guint next;      /* the first request not sent yet */
} Batch;

/* ---- matching ---- */

static void
matcher_init(Matcher *m, const IpPrefix *prefixes, guint n)
{
    memset(m, 0, sizeof *m);
    m->index = g_hash_table_new(ipprefix_hash_func, ipprefix_equal_func);
    gboolean seen[2][129] = {{FALSE}};
    for (guint i = 0; i < n; i++) {
        const IpPrefix *p = &prefixes[i];
        if (!ipprefix_is_valid(p) || g_hash_table_contains(m->index, p))
            continue;
        g_hash_table_insert(m->index, (gpointer)p, GUINT_TO_POINTER(i + 1));
        seen[p->addr.family == AF_INET6][p->len] = TRUE;
    }
    for (guint f = 0; f < 2; f++) {
        for (int len = 128; len >= 0; len--) {
            if (seen[f][len])
                m->lens[f][m->n_lens[f]++] = (guint8)len;
        }
    }
}

static void
matcher_clear(Matcher *m)
{
    g_clear_pointer(&m->index, g_hash_table_unref);
}

/* The index + 1 of the most specific prefix holding a, 0 when none. */
static guint
matcher_lookup(const Matcher *m, const IpAddr *a)
{
    guint f = a->family == AF_INET6;
    for (guint i = 0; i < m->n_lens[f]; i++) {
        guint len = m->lens[f][i];
        IpPrefix p;
        memset(&p, 0, sizeof p);
        p.addr.family = a->family;
        p.len = (guint8)len;
        memcpy(p.addr.bytes, a->bytes, len / 8);
        if (len % 8)
            p.addr.bytes[len / 8] = a->bytes[len / 8] & (guint8)(0xff << (8 - len % 8));
        guint hit = GPOINTER_TO_UINT(g_hash_table_lookup(m->index, &p));
        if (hit)
            return hit;
    }
    return 0;
}

/* An address from netlink bytes: 4 (IPv4) or 16 (IPv6; an IPv4-mapped one becomes IPv4). */
static gboolean
addr_from_bytes(const void *bytes, gsize len, IpAddr *out)
{
    static const guint8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    memset(out, 0, sizeof *out);
    if (len == 4) {
        out->family = AF_INET;
        memcpy(out->bytes, bytes, 4);
    } else if (len == 16 && memcmp(bytes, mapped, sizeof mapped) == 0) {
        out->family = AF_INET;
        memcpy(out->bytes, (const guint8 *)bytes + 12, 4);
    } else if (len == 16) {
        out->family = AF_INET6;
        memcpy(out->bytes, bytes, 16);
    } else {
        return FALSE;
    }
    return TRUE;
}

/* ---- batches ---- */

static void
batch_init(Batch *b)
{
    memset(b, 0, sizeof *b);
    b->msgs = g_byte_array_new();
    b->offsets = g_array_new(FALSE, FALSE, sizeof(guint32));
    b->owners = g_array_new(FALSE, FALSE, sizeof(guint));
}

static void
batch_clear(Batch *b)
{
    g_clear_pointer(&b->msgs, g_byte_array_unref);
    g_clear_pointer(&b->offsets, g_array_unref);
    g_clear_pointer(&b->owners, g_array_unref);
}

/* Room for a request of at most room bytes at the end of the batch, zeroed; the caller fills
 * it through the returned header and calls batch_commit(). */
static struct nlmsghdr *
batch_begin(Batch *b, gsize room)
{
    guint32 off = b->msgs->len;
    g_byte_array_set_size(b->msgs, off + (guint)room);
    memset(b->msgs->data + off, 0, room);
    return mnl_nlmsg_put_header(b->msgs->data + off);
}

static void
batch_commit(Batch *b, struct nlmsghdr *nlh, guint owner)
{
    guint32 off = (guint32)((guint8 *)nlh - b->msgs->data);
    g_byte_array_set_size(b->msgs, off + nlh->nlmsg_len);
    g_array_append_val(b->offsets, off);
    g_array_append_val(b->owners, owner);
}

static void
set_rcvtimeo(struct mnl_socket *nl)
{
    struct timeval tv = {.tv_sec = RECV_TIMEOUT_S};
    (void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
}

/* Sends the next BATCH_MSGS (at most) of the batch's requests, from b->next on, and counts
 * each that did something into the member at field of counts[owner] and into *total. The
 * first failure other than "already gone" goes to *first_errno (when still 0). */
static void
batch_send_next(Cut *c, struct mnl_socket *nl, Batch *b, CutCounts *counts, glong field,
                guint *total, int *first_errno)
{
    guint n = b->offsets->len;
    guint start = b->next;
    guint count = MIN(BATCH_MSGS, n - start);
    gboolean failed[BATCH_MSGS] = {FALSE};
    b->next += count;
    if (count == 0)
        return;
    guint32 seq0 = ++c->seq;
    c->seq += count;
    guint32 first_off = g_array_index(b->offsets, guint32, start);
    guint32 end_off =
        start + count < n ? g_array_index(b->offsets, guint32, start + count) : b->msgs->len;
    for (guint k = 0; k < count; k++) {
        struct nlmsghdr *nlh =
            (struct nlmsghdr *)(b->msgs->data + g_array_index(b->offsets, guint32, start + k));
        nlh->nlmsg_seq = seq0 + k;
        if (k == count - 1)
            nlh->nlmsg_flags |= NLM_F_ACK;
    }
    if (mnl_socket_sendto(nl, b->msgs->data + first_off, end_off - first_off) < 0) {
        if (!*first_errno)
            *first_errno = errno;
        return;
    }
    /* Error messages, then the last request's acknowledgement. */
    gboolean acked = FALSE;
    while (!acked) {
        ssize_t len = mnl_socket_recvfrom(nl, c->buf, DUMP_BUFSIZE);
        if (len < 0) {
            if (errno == EINTR)
                continue;
            if (!*first_errno)
                *first_errno = errno;
            break;
        }
        const struct nlmsghdr *nlh = (const struct nlmsghdr *)c->buf;
        int rest = (int)len;
        for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
            if (nlh->nlmsg_type != NLMSG_ERROR ||
                nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nlmsgerr)))
                continue;
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            guint32 k = e->msg.nlmsg_seq - seq0;
            if (e->msg.nlmsg_seq < seq0 || k >= count)
                continue; /* a late answer to an earlier batch */
            if (e->error != 0) {
                failed[k] = TRUE;
                if (-e->error != ENOENT && !*first_errno)
                    *first_errno = -e->error;
            }
            if (k == count - 1)
                acked = TRUE;
        }
    }
    for (guint k = 0; acked && k < count; k++) {
        if (failed[k])
            continue;
        guint owner = g_array_index(b->owners, guint, start + k);
        G_STRUCT_MEMBER(guint, &counts[owner], field)++;
        (*total)++;
    }
}

/* ---- dumps ---- */

typedef int (*DumpFunc)(const struct nlmsghdr *nlh, gpointer data);

/* Sends req, a dump request; its answer is then read through dump_read(). */
static gboolean
dump_start(Cut *c, struct mnl_socket *nl, struct nlmsghdr *req, guint32 *seq, const char *what,
           GError **error)
{
    req->nlmsg_seq = *seq = ++c->seq;
    if (mnl_socket_sendto(nl, req, req->nlmsg_len) < 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "%s: %s", what,
                    g_strerror(errno));
        return FALSE;
    }
    return TRUE;
}

/* Reads the next part of the answer to the dump request seq (the kernel fills one buffer a
 * read, and keeps its place in between) and hands each message to func (may be NULL).
 * 1: there is more; 0: the dump is over; -1 with an error. */
static int
dump_read(Cut *c, struct mnl_socket *nl, guint32 seq, DumpFunc func, gpointer data,
          const char *what, GError **error)
{
    ssize_t len;
    do
        len = mnl_socket_recvfrom(nl, c->buf, DUMP_BUFSIZE);
    while (len < 0 && errno == EINTR);
    if (len < 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "%s: %s", what,
                    g_strerror(errno));
        return -1;
    }
    unsigned portid = mnl_socket_get_portid(nl);
    const struct nlmsghdr *nlh = (const struct nlmsghdr *)c->buf;
    int rest = (int)len;
    for (; mnl_nlmsg_ok(nlh, rest); nlh = mnl_nlmsg_next(nlh, &rest)) {
        if (nlh->nlmsg_seq != seq || nlh->nlmsg_pid != portid)
            continue; /* a late answer to an earlier request */
        if (nlh->nlmsg_type == NLMSG_DONE)
            return 0;
        if (nlh->nlmsg_type == NLMSG_ERROR) {
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof *e) || e->error == 0)
                return 0;
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "%s: %s", what,
                        g_strerror(-e->error));
            return -1;
        }
        if (func)
            func(nlh, data);
    }
    return 1;
}

/* ---- sockets ---- */

typedef struct {
    const Matcher *m;
    Batch *batch;
} DumpCtx;

static int
on_socket(const struct nlmsghdr *nlh, gpointer data)
{
    DumpCtx *dc = data;
    if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY ||
        nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct inet_diag_msg)))
        return MNL_CB_OK;
    const struct inet_diag_msg *msg = mnl_nlmsg_get_payload(nlh);
    IpAddr peer;
    gsize alen = msg->idiag_family == AF_INET6 ? 16 : 4;
    if (!addr_from_bytes(msg->id.idiag_dst, alen, &peer))
        return MNL_CB_OK;
    guint hit = matcher_lookup(dc->m, &peer);
    if (!hit)
        return MNL_CB_OK;
    /* The request names the socket exactly as the dump did, cookie included, so a new
     * socket that took the same addresses and ports meanwhile is not touched. */
    struct nlmsghdr *req = batch_begin(dc->batch, MNL_ALIGN(sizeof(struct nlmsghdr)) +
                                                      MNL_ALIGN(sizeof(struct inet_diag_req_v2)));
    req->nlmsg_type = SOCK_DESTROY;
    req->nlmsg_flags = NLM_F_REQUEST;
    struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(req, sizeof *r);
    r->sdiag_family = msg->idiag_family;
    r->sdiag_protocol = IPPROTO_TCP;
    r->idiag_states = 1u << msg->idiag_state;
    r->id = msg->id;
    batch_commit(dc->batch, req, hit - 1);
    return MNL_CB_OK;
}

/* ---- conntrack ---- */

typedef struct {
    const struct nlattr **tb;
    int max;
} AttrTable;

static int
on_attr(const struct nlattr *attr, void *data)
{
    AttrTable *t = data;
    int type = mnl_attr_get_type(attr);
    if (type <= t->max)
        t->tb[type] = attr;
    return MNL_CB_OK;
}

/* The index + 1 of the prefix holding the source or destination of a CTA_TUPLE_* attribute,
 * 0 when none. */
static guint
tuple_match(const Matcher *m, const struct nlattr *tuple)
{
    const struct nlattr *tt[CTA_TUPLE_MAX + 1] = {NULL};
    const struct nlattr *ip[CTA_IP_MAX + 1] = {NULL};
    AttrTable t = {tt, CTA_TUPLE_MAX};
    if (!tuple || mnl_attr_parse_nested(tuple, on_attr, &t) < 0 || !tt[CTA_TUPLE_IP])
        return 0;
    AttrTable ti = {ip, CTA_IP_MAX};
    if (mnl_attr_parse_nested(tt[CTA_TUPLE_IP], on_attr, &ti) < 0)
        return 0;
    static const int types[] = {CTA_IP_V4_SRC, CTA_IP_V4_DST, CTA_IP_V6_SRC, CTA_IP_V6_DST};
    for (guint i = 0; i < G_N_ELEMENTS(types); i++) {
        const struct nlattr *a = ip[types[i]];
        IpAddr addr;
        if (!a || !addr_from_bytes(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a), &addr))
            continue;
        guint hit = matcher_lookup(m, &addr);
        if (hit)
            return hit;
    }
    return 0;
}

static int
on_conntrack(const struct nlmsghdr *nlh, gpointer data)
{
    DumpCtx *dc = data;
    if ((nlh->nlmsg_type & 0xff) != IPCTNL_MSG_CT_NEW ||
        nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct nfgenmsg)))
        return MNL_CB_OK;
    const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
    const struct nlattr *tb[CTA_MAX + 1] = {NULL};
    AttrTable t = {tb, CTA_MAX};
    if (mnl_attr_parse(nlh, sizeof *g, on_attr, &t) < 0 || !tb[CTA_TUPLE_ORIG])
        return MNL_CB_OK;
    guint hit = tuple_match(dc->m, tb[CTA_TUPLE_ORIG]);
    if (!hit)
        hit = tuple_match(dc->m, tb[CTA_TUPLE_REPLY]);
    if (!hit)
        return MNL_CB_OK;
    /* The delete names the entry by its original tuple (copied as the dump gave it), its
     * zone and its id, so an entry created since for the same tuple is not touched. */
    const struct nlattr *orig = tb[CTA_TUPLE_ORIG];
    gsize room = MNL_ALIGN(sizeof(struct nlmsghdr)) + MNL_ALIGN(sizeof *g) +
                 MNL_ALIGN(orig->nla_len) + 2 * MNL_ALIGN(sizeof(struct nlattr) + 4);
    struct nlmsghdr *req = batch_begin(dc->batch, room);
    req->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
    req->nlmsg_flags = NLM_F_REQUEST;
    struct nfgenmsg *rg = mnl_nlmsg_put_extra_header(req, sizeof *rg);
    rg->nfgen_family = g->nfgen_family;
    rg->version = NFNETLINK_V0;
    memcpy(mnl_nlmsg_get_payload_tail(req), orig, orig->nla_len);
    req->nlmsg_len += MNL_ALIGN(orig->nla_len);
    if (tb[CTA_ID] && mnl_attr_get_payload_len(tb[CTA_ID]) == 4)
        mnl_attr_put_u32(req, CTA_ID, mnl_attr_get_u32(tb[CTA_ID]));
    if (tb[CTA_ZONE] && mnl_attr_get_payload_len(tb[CTA_ZONE]) == 2)
        mnl_attr_put_u16(req, CTA_ZONE, mnl_attr_get_u16(tb[CTA_ZONE]));
    batch_commit(dc->batch, req, hit - 1);
    return MNL_CB_OK;
}

/* ---- the handle ---- */

static struct mnl_socket *
open_netlink(int bus, const char *what, GError **error)
{
    struct mnl_socket *nl = mnl_socket_open(bus);
    if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "cut: opening %s: %s", what,
                    g_strerror(errno));
        if (nl)
            mnl_socket_close(nl);
        return NULL;
    }
    int fd = mnl_socket_get_fd(nl);
    int one = 1, rcvbuf = RCVBUF_BYTES;
    /* Without CAP_NET_ADMIN the forced size fails and the default (smaller) buffer stays;
     * BATCH_MSGS keeps a batch's answers within it. */
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    set_rcvtimeo(nl);
    return nl;
}

/* Asks the kernel to destroy a socket that cannot exist (all addresses and ports zero): a
 * kernel that can destroy sockets answers ENOENT, one built without CONFIG_INET_DIAG_DESTROY
 * EOPNOTSUPP. */
static void
probe_destroy(Cut *c)
{
    guint8 reqbuf[REQ_BUFSIZE];
    memset(reqbuf, 0, sizeof reqbuf);
    struct nlmsghdr *req = mnl_nlmsg_put_header(reqbuf);
    req->nlmsg_type = SOCK_DESTROY;
    req->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req->nlmsg_seq = ++c->seq;
    struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(req, sizeof *r);
    r->sdiag_family = AF_INET;
    r->sdiag_protocol = IPPROTO_TCP;
    r->idiag_states = 1u << TCP_ESTABLISHED;
    int err = 0;
    if (mnl_socket_sendto(c->diag, req, req->nlmsg_len) < 0) {
        err = errno;
    } else {
        for (;;) {
            ssize_t len = mnl_socket_recvfrom(c->diag, c->buf, DUMP_BUFSIZE);
            if (len < 0 && errno == EINTR)
                continue;
            if (len < 0) {
                err = errno;
                break;
            }
            const struct nlmsghdr *nlh = (const struct nlmsghdr *)c->buf;
            if (mnl_nlmsg_ok(nlh, (int)len) && nlh->nlmsg_type == NLMSG_ERROR &&
                nlh->nlmsg_seq == req->nlmsg_seq) {
                const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
                err = -e->error;
                break;
            }
        }
    }
    c->can_destroy = err == 0 || err == ENOENT;
    if (err == EOPNOTSUPP)
        g_strlcpy(c->destroy_why, "the kernel lacks CONFIG_INET_DIAG_DESTROY",
                  sizeof c->destroy_why);
    else if (!c->can_destroy)
        g_snprintf(c->destroy_why, sizeof c->destroy_why, "SOCK_DESTROY fails: %s",
                   g_strerror(err));
}

Cut *
cut_new(GError **error)
{
    g_autoptr(Cut) c = g_new0(Cut, 1);
    c->buf = g_malloc(DUMP_BUFSIZE);
    c->seq = (guint32)time(NULL);
    c->ct = open_netlink(NETLINK_NETFILTER, "ctnetlink", error);
    if (!c->ct)
        return NULL;
    c->diag = open_netlink(NETLINK_SOCK_DIAG, "sock_diag", error);
    if (!c->diag)
        return NULL;
    probe_destroy(c);
    return g_steal_pointer(&c);
}

void
cut_free(Cut *c)
{
    if (!c)
        return;
    if (c->ct)
        mnl_socket_close(c->ct);
    if (c->diag)
        mnl_socket_close(c->diag);
    g_free(c->buf);
    g_free(c);
}

gboolean
cut_can_destroy_sockets(const Cut *c, const char **why)
{
    g_return_val_if_fail(c != NULL, FALSE);
    if (why)
        *why = c->can_destroy ? NULL : c->destroy_why;
    return c->can_destroy;
}

/* ---- jobs ---- */

/* A job's steps, in order. Sockets go first (see the top of this file). */
typedef enum {
    STEP_SOCKET_DUMP,
    STEP_SOCKET_SEND,
    STEP_CONNTRACK_DUMP,
    STEP_CONNTRACK_SEND,
    STEP_DONE,
} CutStep;

struct CutJob {
    Cut *cut;
    IpPrefix *prefixes; /* a copy; the matcher's keys point into it */
    guint n;
    Matcher m;
    CutCounts *counts; /* n */
    CutCounts total;
    CutStep step;
    guint family;     /* STEP_SOCKET_DUMP: the index in socket_families being read */
    gboolean dumping; /* a dump request is out and its answer not read to the end */
    guint32 dump_seq;
    Batch batch; /* the requests the current half's dump matched */
    DumpCtx dc;
    int send_errno; /* the current half's first failed request */
    GError *socket_err, *conntrack_err;
    gint64 dump_us, send_us; /* the current half's time in dumps and in sends */
};

static const guint8 socket_families[] = {AF_INET, AF_INET6};

/* The next socket family to read, from j->family on; G_N_ELEMENTS(socket_families) when
 * none is left. */
static guint
next_socket_family(const CutJob *j)
{
    guint f = j->family;
    /* An IPv4 peer can sit behind an IPv6 socket (a dual-stack listener), so IPv6 sockets are
     * read whenever there are prefixes at all. */
    if (f < G_N_ELEMENTS(socket_families) && socket_families[f] == AF_INET && j->m.n_lens[0] == 0)
        f++;
    return f;
}

/* The end of a half: its debug line, and the step after it. */
static void
end_half(CutJob *j, const char *what, CutStep next)
{
    g_debug("cut: %s: dump_us=%" G_GINT64_FORMAT " matched=%u send_us=%" G_GINT64_FORMAT, what,
            j->dump_us, j->batch.offsets->len, j->send_us);
    batch_clear(&j->batch);
    batch_init(&j->batch);
    j->dump_us = j->send_us = 0;
    j->send_errno = 0;
    j->step = next;
}

static void
step_socket_dump(CutJob *j)
{
    Cut *c = j->cut;
    if (!c->can_destroy || (j->m.n_lens[0] == 0 && j->m.n_lens[1] == 0)) {
        j->step = STEP_CONNTRACK_DUMP;
        return;
    }
    const char *what = "reading the TCP sockets";
    if (!j->dumping) {
        j->family = next_socket_family(j);
        if (j->family >= G_N_ELEMENTS(socket_families)) {
            j->step = STEP_SOCKET_SEND;
            return;
        }
        guint8 reqbuf[REQ_BUFSIZE];
        memset(reqbuf, 0, sizeof reqbuf);
        struct nlmsghdr *req = mnl_nlmsg_put_header(reqbuf);
        req->nlmsg_type = SOCK_DIAG_BY_FAMILY;
        req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        struct inet_diag_req_v2 *r = mnl_nlmsg_put_extra_header(req, sizeof *r);
        r->sdiag_family = socket_families[j->family];
        r->sdiag_protocol = IPPROTO_TCP;
        r->idiag_states = CUT_TCP_STATES;
        j->dumping = dump_start(c, c->diag, req, &j->dump_seq, what, &j->socket_err);
        if (!j->dumping)
            end_half(j, what, STEP_CONNTRACK_DUMP);
        return;
    }
    int more = dump_read(c, c->diag, j->dump_seq, on_socket, &j->dc, what, &j->socket_err);
    if (more > 0)
        return;
    j->dumping = FALSE;
    if (more < 0) /* what the dump matched is not sent: the half failed */
        end_half(j, what, STEP_CONNTRACK_DUMP);
    else
        j->family++;
}

static void
step_conntrack_dump(CutJob *j)
{
    Cut *c = j->cut;
    const char *what = "reading the conntrack table";
    if (!j->dumping) {
        guint8 reqbuf[REQ_BUFSIZE];
        memset(reqbuf, 0, sizeof reqbuf);
        struct nlmsghdr *req = mnl_nlmsg_put_header(reqbuf);
        req->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
        req->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
        struct nfgenmsg *g = mnl_nlmsg_put_extra_header(req, sizeof *g);
        g->nfgen_family = AF_UNSPEC; /* both families in one dump */
        g->version = NFNETLINK_V0;
        j->dumping = dump_start(c, c->ct, req, &j->dump_seq, what, &j->conntrack_err);
        if (!j->dumping)
            end_half(j, what, STEP_DONE);
        return;
    }
    int more = dump_read(c, c->ct, j->dump_seq, on_conntrack, &j->dc, what, &j->conntrack_err);
    if (more > 0)
        return;
    j->dumping = FALSE;
    if (more < 0)
        end_half(j, what, STEP_DONE);
    else
        j->step = STEP_CONNTRACK_SEND;
}

/* One batch of the current half's requests; at the end, its error and the next step. */
static void
step_send(CutJob *j, struct mnl_socket *nl, glong field, guint *total, const char *what,
          GError **error, CutStep next)
{
    if (j->batch.next < j->batch.offsets->len) {
        batch_send_next(j->cut, nl, &j->batch, j->counts, field, total, &j->send_errno);
        return;
    }
    if (j->send_errno)
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "%s: %s", what,
                    g_strerror(j->send_errno));
    end_half(j, what, next);
}

CutJob *
cut_job_new(Cut *c, const IpPrefix *prefixes, guint n)
{
    g_return_val_if_fail(c != NULL && (prefixes != NULL || n == 0), NULL);
    CutJob *j = g_new0(CutJob, 1);
    j->cut = c;
    j->n = n;
    j->prefixes = g_memdup2(prefixes, MAX(n, 1) * sizeof *prefixes);
    j->counts = g_new0(CutCounts, MAX(n, 1));
    matcher_init(&j->m, j->prefixes, n);
    batch_init(&j->batch);
    j->dc = (DumpCtx){&j->m, &j->batch};
    j->step = n == 0 ? STEP_DONE : STEP_SOCKET_DUMP;
    return j;
}

gboolean
cut_job_step(CutJob *j, gint64 deadline_us)
{
    g_return_val_if_fail(j != NULL, TRUE);
    Cut *c = j->cut;
    while (j->step != STEP_DONE) {
        gint64 t0 = g_get_monotonic_time();
        gboolean sending = j->step == STEP_SOCKET_SEND || j->step == STEP_CONNTRACK_SEND;
        switch (j->step) {
        case STEP_SOCKET_DUMP:
            step_socket_dump(j);
            break;
        case STEP_SOCKET_SEND:
            step_send(j, c->diag, G_STRUCT_OFFSET(CutCounts, sockets), &j->total.sockets,
                      "destroying TCP sockets", &j->socket_err, STEP_CONNTRACK_DUMP);
            break;
        case STEP_CONNTRACK_DUMP:
            step_conntrack_dump(j);
            break;
        case STEP_CONNTRACK_SEND:
            step_send(j, c->ct, G_STRUCT_OFFSET(CutCounts, conntrack), &j->total.conntrack,
                      "deleting conntrack entries", &j->conntrack_err, STEP_DONE);
            break;
        case STEP_DONE:
            break;
        }
        gint64 t1 = g_get_monotonic_time();
        *(sending ? &j->send_us : &j->dump_us) += t1 - t0;
        if (t1 >= deadline_us)
            break;
    }
    return j->step == STEP_DONE;
}

gboolean
cut_job_done(const CutJob *j)
{
    return j->step == STEP_DONE;
}

guint
cut_job_size(const CutJob *j)
{
    return j->n;
}

const IpPrefix *
cut_job_prefixes(const CutJob *j)
{
    return j->prefixes;
}

const CutCounts *
cut_job_counts(const CutJob *j, CutCounts *total)
{
    if (total)
        *total = j->total;
    return j->counts;
}

gboolean
cut_job_result(const CutJob *j, GError **error)
{
    if (!j->socket_err && !j->conntrack_err)
        return TRUE;
    const GError *s = j->socket_err, *t = j->conntrack_err;
    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "cut: %s%s%s", s ? s->message : "",
                s && t ? "; " : "", t ? t->message : "");
    return FALSE;
}

void
cut_job_free(CutJob *j)
{
    if (!j)
        return;
    /* A dump left half read would keep the socket busy (the kernel runs one dump a socket
     * at a time, and refuses the next job's): read it to its end. */
    if (j->dumping) {
        struct mnl_socket *nl = j->step == STEP_SOCKET_DUMP ? j->cut->diag : j->cut->ct;
        while (dump_read(j->cut, nl, j->dump_seq, NULL, NULL, "", NULL) > 0) {
        }
    }
    matcher_clear(&j->m);
    batch_clear(&j->batch);
    g_clear_error(&j->socket_err);
    g_clear_error(&j->conntrack_err);
    g_free(j->counts);
    g_free(j->prefixes);
    g_free(j);
}

gboolean
cut_prefixes(Cut *c, const IpPrefix *prefixes, guint n, CutCounts *counts, CutCounts *total,
             GError **error)
{
    g_return_val_if_fail(c != NULL && (prefixes != NULL || n == 0), FALSE);
    g_autoptr(CutJob) j = cut_job_new(c, prefixes, n);
    cut_job_step(j, G_MAXINT64);
    const CutCounts *done = cut_job_counts(j, total);
    if (counts && n > 0)
        memcpy(counts, done, n * sizeof *counts);
    return cut_job_result(j, error);
}
