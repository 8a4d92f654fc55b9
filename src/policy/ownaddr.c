// SPDX-License-Identifier: GPL-2.0-or-later
// The host's own addresses and default gateways, kept current from rtnetlink.
#include "ownaddr.h"

#include <errno.h>
#include <glib-unix.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "error.h"

/*
 * Two layers. The lookup side is a table address -> reference counts per kind, which is all
 * the policy reads. The netlink side keeps what the kernel reported as facts: an address on an
 * interface (ifindex, address) or a default route's next hop (table, metric, ifindex,
 * gateway). Each fact is counted once however often the kernel repeats it (RTM_NEWADDR is
 * sent again when an address's lifetime changes), and adding or removing a fact adds or drops
 * one reference in the lookup table, so the same address on two interfaces stays "own" until
 * both are gone.
 *
 * One socket does both jobs: it is bound to the four multicast groups and also carries the
 * dumps, one at a time (the kernel refuses a second dump in progress). Events that arrive
 * during a dump are applied in the order received. ENOBUFS means events were lost: the facts
 * are thrown away and dumped afresh.
 */

#define OWNADDR_DUMP_TIMEOUT_MS 5000

typedef struct {
    guint refs[3]; /* by OwnAddrKind */
} Refs;

typedef struct {
    guint8 kind;      /* OwnAddrKind */
    guint8 family;    /* of the address (IPv4-mapped gateways count as IPv4) */
    guint8 rt_family; /* of the route, for gateways */
    guint8 reserved;  /* makes the layout padding-free: facts are hashed and compared bytewise */
    guint8 bytes[16];
    guint32 ifindex;
    guint32 table;
    guint32 metric;
} Fact;

struct OwnAddr {
    GHashTable *refs;  /* IpAddr* -> Refs* */
    GHashTable *facts; /* Fact* set (netlink only) */
    int fd;
    guint32 seq;
    GSource *source;
    OwnAddrChangedFunc changed;
    gpointer changed_data;
};

const char *
ownaddr_kind_name(OwnAddrKind kind)
{
    switch (kind) {
    case OWNADDR_LOCAL:
        return "local";
    case OWNADDR_GATEWAY:
        return "gateway";
    case OWNADDR_NONE:
        break;
    }
    return "";
}

G_STATIC_ASSERT(sizeof(Fact) == 4 + 16 + 3 * 4);

static guint
fact_hash(gconstpointer p)
{
    const Fact *f = p;
    guint h = 2166136261u;
    const guint8 *b = p;
    for (gsize i = 0; i < sizeof *f; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

static gboolean
fact_equal(gconstpointer a, gconstpointer b)
{
    return memcmp(a, b, sizeof(Fact)) == 0;
}

OwnAddr *
ownaddr_new(void)
{
    OwnAddr *oa = g_new0(OwnAddr, 1);
    oa->refs = g_hash_table_new_full(ipaddr_hash_func, ipaddr_equal_func, g_free, g_free);
    oa->facts = g_hash_table_new_full(fact_hash, fact_equal, g_free, NULL);
    oa->fd = -1;
    return oa;
}

void
ownaddr_add(OwnAddr *oa, OwnAddrKind kind, const IpAddr *a)
{
    g_return_if_fail(oa != NULL && (kind == OWNADDR_LOCAL || kind == OWNADDR_GATEWAY));
    Refs *r = g_hash_table_lookup(oa->refs, a);
    if (!r) {
        r = g_new0(Refs, 1);
        g_hash_table_insert(oa->refs, g_memdup2(a, sizeof *a), r);
    }
    r->refs[kind]++;
}

void
ownaddr_remove(OwnAddr *oa, OwnAddrKind kind, const IpAddr *a)
{
    g_return_if_fail(oa != NULL && (kind == OWNADDR_LOCAL || kind == OWNADDR_GATEWAY));
    Refs *r = g_hash_table_lookup(oa->refs, a);
    if (!r || r->refs[kind] == 0)
        return;
    r->refs[kind]--;
    if (r->refs[OWNADDR_LOCAL] == 0 && r->refs[OWNADDR_GATEWAY] == 0)
        g_hash_table_remove(oa->refs, a);
}

OwnAddrKind
ownaddr_lookup(const OwnAddr *oa, const IpAddr *a)
{
    g_return_val_if_fail(oa != NULL && a != NULL, OWNADDR_NONE);
    const Refs *r = g_hash_table_lookup(oa->refs, a);
    if (!r)
        return OWNADDR_NONE;
    if (r->refs[OWNADDR_LOCAL])
        return OWNADDR_LOCAL;
    return r->refs[OWNADDR_GATEWAY] ? OWNADDR_GATEWAY : OWNADDR_NONE;
}

OwnAddrKind
ownaddr_inside(const OwnAddr *oa, const IpPrefix *p, IpAddr *hit)
{
    g_return_val_if_fail(oa != NULL && p != NULL, OWNADDR_NONE);
    if (p->len == ipaddr_bits(&p->addr)) {
        OwnAddrKind k = ownaddr_lookup(oa, &p->addr);
        if (k != OWNADDR_NONE && hit)
            *hit = p->addr;
        return k;
    }
    OwnAddrKind best = OWNADDR_NONE;
    const IpAddr *best_addr = NULL;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, oa->refs);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const Refs *r = v;
        OwnAddrKind kind = r->refs[OWNADDR_LOCAL]     ? OWNADDR_LOCAL
                           : r->refs[OWNADDR_GATEWAY] ? OWNADDR_GATEWAY
                                                      : OWNADDR_NONE;
        if (kind == OWNADDR_NONE || !ipprefix_contains(p, k))
            continue;
        /* The same answer whatever the table's order: a local address before a gateway,
         * then the lowest address. */
        if (best == OWNADDR_NONE || kind < best ||
            (kind == best && ipaddr_compare(k, best_addr) < 0)) {
            best = kind;
            best_addr = k;
        }
    }
    if (best != OWNADDR_NONE && hit)
        *hit = *best_addr;
    return best;
}

static gint
addr_cmp(gconstpointer a, gconstpointer b)
{
    return ipaddr_compare(a, b);
}

GArray *
ownaddr_list(const OwnAddr *oa, OwnAddrKind kind)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(IpAddr));
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, oa->refs);
    while (g_hash_table_iter_next(&it, &k, &v)) {
        const Refs *r = v;
        if ((guint)kind < G_N_ELEMENTS(r->refs) && r->refs[kind])
            g_array_append_vals(out, k, 1);
    }
    g_array_sort(out, addr_cmp);
    return out;
}

void
ownaddr_set_changed_func(OwnAddr *oa, OwnAddrChangedFunc func, gpointer user_data)
{
    oa->changed = func;
    oa->changed_data = user_data;
}

/* ---- facts from netlink ---- */

static void
fact_addr(const Fact *f, IpAddr *a)
{
    memset(a, 0, sizeof *a);
    a->family = f->family;
    memcpy(a->bytes, f->bytes, sizeof a->bytes);
}

static void
fact_apply(OwnAddr *oa, const Fact *f, gboolean add)
{
    IpAddr a;
    fact_addr(f, &a);
    if (add) {
        if (g_hash_table_contains(oa->facts, f))
            return;
        g_hash_table_add(oa->facts, g_memdup2(f, sizeof *f));
        ownaddr_add(oa, f->kind, &a);
    } else {
        if (!g_hash_table_remove(oa->facts, f))
            return;
        ownaddr_remove(oa, f->kind, &a);
    }
    char buf[IPADDR_STRLEN];
    g_info("ownaddr: %s %s %s (ifindex %u)", add ? "added" : "removed", ownaddr_kind_name(f->kind),
           ipaddr_format(&a, buf), f->ifindex);
    if (oa->changed)
        oa->changed(oa, f->kind, &a, add, oa->changed_data);
}

/* Copies an address attribute into a fact's address; FALSE when it is not one. */
static gboolean
fact_set_addr(Fact *f, int family, const struct rtattr *rta)
{
    gsize len = RTA_PAYLOAD(rta);
    if (family == AF_INET && len == 4) {
        f->family = AF_INET;
        memcpy(f->bytes, RTA_DATA(rta), 4);
        return TRUE;
    }
    if (family == AF_INET6 && len == 16) {
        IpAddr a;
        char buf[IPADDR_STRLEN];
        memset(&a, 0, sizeof a);
        a.family = AF_INET6;
        memcpy(a.bytes, RTA_DATA(rta), 16);
        /* Normalise IPv4-mapped addresses as ipaddr_parse() does. */
        if (!ipaddr_parse(ipaddr_format(&a, buf), &a))
            return FALSE;
        f->family = a.family;
        memcpy(f->bytes, a.bytes, 16);
        return TRUE;
    }
    return FALSE;
}

static void
handle_addr(OwnAddr *oa, const struct nlmsghdr *h)
{
    const struct ifaddrmsg *ifa = NLMSG_DATA(h);
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof *ifa))
        return;
    if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
        return;
    int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *ifa));
    const struct rtattr *local = NULL, *address = NULL;
    for (const struct rtattr *rta = IFA_RTA(ifa); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type == IFA_LOCAL)
            local = rta;
        else if (rta->rta_type == IFA_ADDRESS)
            address = rta;
    }
    /* On point-to-point links IFA_ADDRESS is the peer; IFA_LOCAL is ours when present. */
    const struct rtattr *use = local ? local : address;
    if (!use)
        return;
    Fact f = {.kind = OWNADDR_LOCAL, .ifindex = ifa->ifa_index};
    if (!fact_set_addr(&f, ifa->ifa_family, use))
        return;
    fact_apply(oa, &f, h->nlmsg_type == RTM_NEWADDR);
}

static void
handle_route(OwnAddr *oa, const struct nlmsghdr *h)
{
    const struct rtmsg *rtm = NLMSG_DATA(h);
    if (h->nlmsg_len < NLMSG_LENGTH(sizeof *rtm))
        return;
    if ((rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6) || rtm->rtm_dst_len != 0 ||
        rtm->rtm_type != RTN_UNICAST)
        return;
    int len = (int)(h->nlmsg_len - NLMSG_LENGTH(sizeof *rtm));
    guint32 table = rtm->rtm_table, metric = 0, oif = 0;
    const struct rtattr *gw = NULL, *multipath = NULL;
    for (const struct rtattr *rta = RTM_RTA(rtm); RTA_OK(rta, len); rta = RTA_NEXT(rta, len)) {
        if (rta->rta_type == RTA_TABLE && RTA_PAYLOAD(rta) == 4)
            memcpy(&table, RTA_DATA(rta), 4);
        else if (rta->rta_type == RTA_PRIORITY && RTA_PAYLOAD(rta) == 4)
            memcpy(&metric, RTA_DATA(rta), 4);
        else if (rta->rta_type == RTA_OIF && RTA_PAYLOAD(rta) == 4)
            memcpy(&oif, RTA_DATA(rta), 4);
        else if (rta->rta_type == RTA_GATEWAY)
            gw = rta;
        else if (rta->rta_type == RTA_MULTIPATH)
            multipath = rta;
    }
    gboolean add = h->nlmsg_type == RTM_NEWROUTE;
    if (add && (h->nlmsg_flags & NLM_F_REPLACE)) {
        /* `ip route replace` announces only the new route: forget the default routes it
         * replaced (same family, table and metric). */
        GPtrArray *gone = g_ptr_array_new_with_free_func(g_free);
        GHashTableIter it;
        gpointer k;
        g_hash_table_iter_init(&it, oa->facts);
        while (g_hash_table_iter_next(&it, &k, NULL)) {
            const Fact *f = k;
            if (f->kind == OWNADDR_GATEWAY && f->rt_family == rtm->rtm_family &&
                f->table == table && f->metric == metric)
                g_ptr_array_add(gone, g_memdup2(f, sizeof *f));
        }
        for (guint i = 0; i < gone->len; i++)
            fact_apply(oa, gone->pdata[i], FALSE);
        g_ptr_array_unref(gone);
    }
    if (gw) {
        Fact f = {.kind = OWNADDR_GATEWAY,
                  .rt_family = rtm->rtm_family,
                  .ifindex = oif,
                  .table = table,
                  .metric = metric};
        if (fact_set_addr(&f, rtm->rtm_family, gw))
            fact_apply(oa, &f, add);
    }
    if (multipath) {
        const struct rtnexthop *nh = RTA_DATA(multipath);
        int mlen = (int)RTA_PAYLOAD(multipath);
        while (mlen >= (int)sizeof *nh && nh->rtnh_len >= sizeof *nh && nh->rtnh_len <= mlen) {
            int alen = nh->rtnh_len - (int)sizeof *nh;
            for (const struct rtattr *rta = RTNH_DATA(nh); RTA_OK(rta, alen);
                 rta = RTA_NEXT(rta, alen)) {
                if (rta->rta_type != RTA_GATEWAY)
                    continue;
                Fact f = {.kind = OWNADDR_GATEWAY,
                          .rt_family = rtm->rtm_family,
                          .ifindex = (guint32)nh->rtnh_ifindex,
                          .table = table,
                          .metric = metric};
                if (fact_set_addr(&f, rtm->rtm_family, rta))
                    fact_apply(oa, &f, add);
            }
            mlen -= RTNH_ALIGN(nh->rtnh_len);
            nh = RTNH_NEXT(nh);
        }
    }
}

typedef enum {
    READ_AGAIN,    /* nothing more to read now */
    READ_DONE,     /* the awaited dump ended */
    READ_OVERFLOW, /* ENOBUFS: events were lost */
    READ_ERROR,
} ReadResult;

/* Reads and applies what is queued; reports the end of the dump with sequence number seq (0:
 * no dump awaited). */
static ReadResult
read_messages(OwnAddr *oa, guint32 seq, GError **error)
{
    guint8 buf[32768] __attribute__((aligned(NLMSG_ALIGNTO)));
    for (;;) {
        struct sockaddr_nl from;
        struct iovec iov = {buf, sizeof buf};
        struct msghdr msg = {
            .msg_name = &from, .msg_namelen = sizeof from, .msg_iov = &iov, .msg_iovlen = 1};
        ssize_t n = recvmsg(oa->fd, &msg, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return READ_AGAIN;
            if (errno == ENOBUFS)
                return READ_OVERFLOW;
            int e = errno;
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "ownaddr: netlink: %s",
                        g_strerror(e));
            return READ_ERROR;
        }
        if (msg.msg_flags & MSG_TRUNC)
            return READ_OVERFLOW;
        if (from.nl_pid != 0) /* only the kernel speaks here */
            continue;
        guint len = (guint)n;
        gboolean done = FALSE;
        for (const struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
            gboolean ours = seq != 0 && h->nlmsg_seq == seq;
            switch (h->nlmsg_type) {
            case NLMSG_DONE:
                if (ours)
                    done = TRUE;
                break;
            case NLMSG_ERROR: {
                const struct nlmsgerr *e = NLMSG_DATA(h);
                if (ours && h->nlmsg_len >= NLMSG_LENGTH(sizeof *e) && e->error != 0) {
                    g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                                "ownaddr: netlink dump: %s", g_strerror(-e->error));
                    return READ_ERROR;
                }
                break;
            }
            case RTM_NEWADDR:
            case RTM_DELADDR:
                handle_addr(oa, h);
                break;
            case RTM_NEWROUTE:
            case RTM_DELROUTE:
                handle_route(oa, h);
                break;
            default:
                break;
            }
        }
        if (done)
            return READ_DONE;
    }
}

/* Requests a dump of type and applies everything until it ends (bounded by a timeout). */
static gboolean
dump(OwnAddr *oa, guint16 type, GError **error)
{
    struct {
        struct nlmsghdr h;
        struct rtgenmsg g;
    } req;
    memset(&req, 0, sizeof req);
    req.h.nlmsg_len = NLMSG_LENGTH(sizeof req.g);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
    req.h.nlmsg_seq = ++oa->seq;
    req.g.rtgen_family = AF_UNSPEC;
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    ssize_t sent;
    do {
        sent = sendto(oa->fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel);
    } while (sent < 0 && errno == EINTR);
    if (sent < 0) {
        int e = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "ownaddr: netlink request: %s",
                    g_strerror(e));
        return FALSE;
    }
    gint64 deadline = g_get_monotonic_time() + OWNADDR_DUMP_TIMEOUT_MS * 1000;
    for (;;) {
        ReadResult r = read_messages(oa, req.h.nlmsg_seq, error);
        if (r == READ_DONE)
            return TRUE;
        if (r == READ_ERROR)
            return FALSE;
        if (r == READ_OVERFLOW) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                        "ownaddr: netlink dump overflowed");
            return FALSE;
        }
        gint64 left_ms = (deadline - g_get_monotonic_time()) / 1000;
        struct pollfd pfd = {.fd = oa->fd, .events = POLLIN};
        if (left_ms <= 0 || (poll(&pfd, 1, (int)left_ms) < 0 && errno != EINTR)) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED,
                        "ownaddr: netlink dump timed out");
            return FALSE;
        }
    }
}

/* Forgets every netlink fact (keeping hand-added references) and dumps afresh. */
static gboolean
resync(OwnAddr *oa, GError **error)
{
    GHashTableIter it;
    gpointer k;
    g_hash_table_iter_init(&it, oa->facts);
    while (g_hash_table_iter_next(&it, &k, NULL)) {
        IpAddr a;
        fact_addr(k, &a);
        ownaddr_remove(oa, ((Fact *)k)->kind, &a);
        g_hash_table_iter_remove(&it);
    }
    /* A second overflow during the dump is retried a few times, then reported. */
    for (int attempt = 0; attempt < 3; attempt++) {
        g_autoptr(GError) err = NULL;
        if (dump(oa, RTM_GETADDR, &err) && dump(oa, RTM_GETROUTE, &err))
            return TRUE;
        if (attempt == 2) {
            g_propagate_error(error, g_steal_pointer(&err));
            return FALSE;
        }
    }
    return FALSE;
}

static gboolean
on_readable(gint fd, GIOCondition cond, gpointer user_data)
{
    (void)fd;
    (void)cond;
    OwnAddr *oa = user_data;
    g_autoptr(GError) err = NULL;
    ReadResult r = read_messages(oa, 0, &err);
    if (r == READ_OVERFLOW) {
        g_warning("ownaddr: netlink events were lost; reloading addresses and routes");
        if (!resync(oa, &err))
            g_warning("%s", err->message);
    } else if (r == READ_ERROR) {
        g_warning("%s", err->message);
    }
    return G_SOURCE_CONTINUE;
}

gboolean
ownaddr_watch(OwnAddr *oa, GMainContext *context, GError **error)
{
    g_return_val_if_fail(oa != NULL && oa->fd < 0, FALSE);
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
    if (fd < 0) {
        int e = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "ownaddr: netlink socket: %s",
                    g_strerror(e));
        return FALSE;
    }
    int rcvbuf = 1 << 20;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_nl local = {
        .nl_family = AF_NETLINK,
        .nl_groups =
            RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR | RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE,
    };
    if (bind(fd, (struct sockaddr *)&local, sizeof local) != 0) {
        int e = errno;
        close(fd);
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FAILED, "ownaddr: netlink bind: %s",
                    g_strerror(e));
        return FALSE;
    }
    oa->fd = fd;
    if (!resync(oa, error)) {
        close(oa->fd);
        oa->fd = -1;
        return FALSE;
    }
    oa->source = g_unix_fd_source_new(fd, G_IO_IN);
    g_source_set_callback(oa->source, G_SOURCE_FUNC(on_readable), oa, NULL);
    g_source_set_name(oa->source, "ownaddr netlink");
    g_source_attach(oa->source, context ? context : g_main_context_get_thread_default());
    return TRUE;
}

void
ownaddr_free(OwnAddr *oa)
{
    if (!oa)
        return;
    if (oa->source) {
        g_source_destroy(oa->source);
        g_source_unref(oa->source);
    }
    if (oa->fd >= 0)
        close(oa->fd);
    g_hash_table_unref(oa->facts);
    g_hash_table_unref(oa->refs);
    g_free(oa);
}
