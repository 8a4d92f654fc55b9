// SPDX-License-Identifier: GPL-2.0-or-later
// The nftables firewall backend: bans as members of timeout sets in an inet table of our own,
// so one rule per hook matches any number of them in constant time and the kernel expires
// them on time even while the daemon is stopped. Talks netlink through libnftnl and libmnl;
// every operation is one batch (one transaction), however many bans it carries.
//
// Layout of the table (named after the chain setting in lower case, "alertban"):
//   set ban4 { type ipv4_addr; flags timeout; }            host addresses (hash)
//   set net4 { type ipv4_addr; flags interval,timeout; }   networks (intervals)
//   set ban6, net6                                          the same for IPv6
//   chain input  { type filter hook input priority filter - 10; policy accept;
//                  ip saddr @ban4 counter goto verdict; ip saddr @net4 counter goto verdict;
//                  (ip6 alike) }
//   chain forward/output   for those hooks; direction = both adds daddr rules to every hook
//                          but input and prerouting, an output chain when output is not a
//                          hook, and a forward chain when prerouting stands in for forward
//   chain prerouting { type filter hook prerouting priority raw; ... goto verdict|drop }
//                  hook PREROUTING: before connection tracking and destination NAT, so it
//                  covers forwarded ports too; always a drop (as the iptables backend's raw
//                  table, where REJECT is refused), through chain drop when action = reject
//   chain verdict { [limit rate 10/minute burst 5 packets log prefix "..."]
//                   drop | meta l4proto tcp reject with tcp reset; reject with icmpx
//                   port-unreachable }
//   chain drop    { [the same log]; drop }   only for prerouting with action = reject
// The counter of each match rule is what the bans dropped, per hook and family
// (fw_counters.h). Rules made by versions without them get them at the next ensure or
// reconcile, which counts that as a repair; as every such rewrite flushes the chains, it
// carries each rule's counts over into its new counter, so they only grow.
// Hook DOCKER-USER (the iptables chain Docker keeps for its users) is the forward chain
// here: it sees the packets Docker forwards to containers, and at priority filter - 10 before
// the iptables-nft chains at priority filter, Docker's among them. With reject and
// direction = both, the saddr rules of input and prerouting skip the loopback interface
// ("meta iiftype != loopback"): the reset reject sends a local socket loops back from the
// banned address.
//
// Kernel differences, found out once per handle by asking the kernel (never by version):
// - Deleting an absent element fails the whole batch with ENOENT. Linux 6.3+ has
//   DESTROYSETELEM, which deletes quietly; the backend uses it after a probe (destroying
//   0.0.0.0, never a ban). Without it, apply reads the host sets first and deletes only
//   members (a set dump is one request, cheaper than a failed batch and a retry).
// - Adding an existing element sets its new timeout on Linux 6.12+; earlier kernels keep the
//   old one. A probe on a scratch set tells; without the update, an extension deletes and
//   adds the element in the same batch, so the ban never lapses (the batch is atomic).
// - Interval sets refuse overlapping members and take a timeout on an interval's start
//   only; fw_sets_plan_networks() keeps networks apart.
#include "fw_backends.h"

#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/batch.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>

#include "error.h"
#include "fw_counters.h"
#include "fw_sets.h"

/* Deletes a set element and ignores its absence (Linux 6.3+). Older uapi headers lack the
 * name; the number is fixed by the kernel's ABI. */
#define MSG_DESTROYSETELEM 30

/* nft's data types for the set key, so `nft list` prints "type ipv4_addr". */
#define KEY_TYPE_IPV4 7
#define KEY_TYPE_IPV6 8

/* Raw set elements per netlink message: a message's element list is one attribute whose
 * length is 16 bits, and an IPv6 element with timeout takes about 60 bytes. */
#define ELEMS_PER_MSG 700

/* Batch pages: messages are at most 64 KiB, so a page may overrun by that much. */
#define BATCH_PAGE (256 * 1024)
#define BATCH_OVERRUN (64 * 1024 + 4096)

#define RECV_BUF (256 * 1024)
/* Dumps: how long the kernel may take between two parts. */
#define REPLY_TIMEOUT_S 30
/* Dumps interrupted by a change of the ruleset (NLM_F_DUMP_INTR) tried again this often. */
#define DUMP_ATTEMPTS 8
/* How long to wait for a batch answer the kernel has not queued by the time sendmsg returns. */
#define STRAGGLER_WAIT_MS 1000

/* Verdict chain log rate: 10 lines a minute, bursts of 5, as the iptables backend. */
#define LOG_RATE 10
#define LOG_UNIT_S 60
#define LOG_BURST 5

/* The chain priority: before the usual filter-priority rules (NF_IP_PRI_FILTER = 0). */
#define CHAIN_PRIORITY (-10)
/* Hook PREROUTING's: nft's "raw" (NF_IP_PRI_RAW), after defragmentation, before connection
 * tracking (-200) and destination NAT (-100). */
#define CHAIN_PRIORITY_RAW (-300)

/* The type of the loopback interface (ARPHRD_LOOPBACK), for "meta iiftype". */
#define IIFTYPE_LOOPBACK 772

/* A reconcile leaves a member's timeout alone when it is within this much of the wanted one
 * (the seconds between reading the store and reading the set). */
#define RECONCILE_SLACK_S 5

enum { FAM4, FAM6, N_FAMS };
static const char *const host_set[N_FAMS] = {"ban4", "ban6"};
static const char *const net_set[N_FAMS] = {"net4", "net6"};

static const struct {
    const char *name;  /* configuration name */
    const char *alias; /* another configuration name for the same chain, or NULL */
    const char *chain;
    guint32 hooknum;
    gint32 priority;
} hooks[] = {
    {"INPUT", NULL, "input", NF_INET_LOCAL_IN, CHAIN_PRIORITY},
    {"FORWARD", "DOCKER-USER", "forward", NF_INET_FORWARD, CHAIN_PRIORITY},
    {"OUTPUT", NULL, "output", NF_INET_LOCAL_OUT, CHAIN_PRIORITY},
    {"PREROUTING", NULL, "prerouting", NF_INET_PRE_ROUTING, CHAIN_PRIORITY_RAW},
};

/* The verdict chains after the base chains in ChainState's arrays. */
enum { CHAIN_VERDICT = G_N_ELEMENTS(hooks), CHAIN_DROP, N_CHAINS };
static const char *const verdict_chain[] = {"verdict", "drop"};

typedef struct {
    Fw parent;
    FwConfig cfg;
    char table[FW_CHAIN_MAX];
    struct mnl_socket *nl;
    guint32 portid;
    guint32 seq;
    int destroy_elem;     /* the kernel knows DESTROYSETELEM; -1: not probed yet */
    int update_timeout;   /* adding a member again sets its new timeout; -1: not probed yet */
    gboolean told_docker; /* hook DOCKER-USER: what was found of Docker's chain was said */
    FwNftStats last;
} FwNft;

static const FwOps nft_ops;

static FwNft *
nft_of(Fw *fw)
{
    g_assert(fw->ops == &nft_ops);
    return (FwNft *)fw;
}

static int
fam_index(const IpPrefix *p)
{
    return p->addr.family == AF_INET ? FAM4 : FAM6;
}

static guint
fam_bytes(int fam)
{
    return fam == FAM4 ? 4 : 16;
}

/* ---- netlink ---- */

static gboolean
nl_open(FwNft *f, GError **error)
{
    if (f->nl)
        return TRUE;
    f->nl = mnl_socket_open(NETLINK_NETFILTER);
    if (!f->nl || mnl_socket_bind(f->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
        int err = errno;
        if (f->nl)
            mnl_socket_close(f->nl);
        f->nl = NULL;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                    "fw-nft: opening a netfilter netlink socket: %s", g_strerror(err));
        return FALSE;
    }
    f->portid = mnl_socket_get_portid(f->nl);
    f->seq = (guint32)time(NULL);
    struct timeval tv = {.tv_sec = REPLY_TIMEOUT_S};
    int fd = mnl_socket_get_fd(f->nl);
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    int rcvbuf = 4 * 1024 * 1024;
    (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf);
    /* Error answers carry only the failed message's header, not its up to 64 KiB. */
    int one = 1;
    (void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof one);
    return TRUE;
}

/* One batch under construction. */
typedef struct {
    FwNft *f;
    struct nftnl_batch *b;
    guint32 first_seq; /* of the first command message */
    guint messages;
    guint elements;
} Batch;

static void
batch_init(Batch *bt, FwNft *f)
{
    memset(bt, 0, sizeof *bt);
    bt->f = f;
    bt->b = nftnl_batch_alloc(BATCH_PAGE, BATCH_OVERRUN);
    if (!bt->b)
        g_error("fw-nft: out of memory for a batch");
    nftnl_batch_begin(nftnl_batch_buffer(bt->b), f->seq++);
    nftnl_batch_update(bt->b);
}

static void
batch_clear(Batch *bt)
{
    if (bt->b)
        nftnl_batch_free(bt->b);
    bt->b = NULL;
}

static struct nlmsghdr *
batch_msg(Batch *bt, guint16 type, guint16 flags)
{
    /* Every command asks for an ack: the kernel answers each once the whole batch is done
     * (an error in place of the ack where one failed), so counting answers tells when the
     * batch is over. (Only the last asking would be cheaper, but libnftnl may move a message
     * to a new page after it is built, so a pointer to it cannot be kept.) */
    if (bt->messages == 0)
        bt->first_seq = bt->f->seq;
    struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(nftnl_batch_buffer(bt->b), type, NFPROTO_INET,
                                                 flags | NLM_F_ACK, bt->f->seq++);
    bt->messages++;
    return nlh;
}

static void
batch_next(Batch *bt)
{
    nftnl_batch_update(bt->b);
}

static const char *
msg_name(guint16 type)
{
    switch (type & 0xff) {
    case NFT_MSG_NEWTABLE:
        return "creating the table";
    case NFT_MSG_DELTABLE:
        return "deleting the table";
    case NFT_MSG_NEWCHAIN:
        return "creating a chain";
    case NFT_MSG_DELCHAIN:
        return "deleting a chain";
    case NFT_MSG_NEWRULE:
        return "adding a rule";
    case NFT_MSG_DELRULE:
        return "flushing a chain";
    case NFT_MSG_NEWSET:
        return "creating a set";
    case NFT_MSG_NEWSETELEM:
        return "adding set elements";
    case NFT_MSG_DELSETELEM:
    case MSG_DESTROYSETELEM:
        return "removing set elements";
    default:
        return "a netlink request";
    }
}

/* Ends the batch and sends it in one sendmsg; *total gets its size in bytes. */
static gboolean
batch_send(Batch *bt, const char *op, gsize *total, int *errno_out, GError **error)
{
    FwNft *f = bt->f;
    nftnl_batch_end(nftnl_batch_buffer(bt->b), f->seq++);
    nftnl_batch_update(bt->b);

    int n_iov = nftnl_batch_iovec_len(bt->b);
    g_autofree struct iovec *iov = g_new(struct iovec, n_iov);
    nftnl_batch_iovec(bt->b, iov, (guint32)n_iov);
    *total = 0;
    for (int i = 0; i < n_iov; i++)
        *total += iov[i].iov_len;
    int fd = mnl_socket_get_fd(f->nl);
    /* The kernel takes a batch only whole, in one message: make room for it. */
    int sndbuf = (int)MIN(*total + 65536, (gsize)G_MAXINT);
    (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sndbuf, sizeof sndbuf);
    struct sockaddr_nl snl = {.nl_family = AF_NETLINK};
    struct msghdr msg = {
        .msg_name = &snl, .msg_namelen = sizeof snl, .msg_iov = iov, .msg_iovlen = (size_t)n_iov};
    if (sendmsg(fd, &msg, 0) < 0) {
        int err = errno;
        if (errno_out)
            *errno_out = err;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                    "fw-nft: %s: sending a batch of %u messages (%zu bytes): %s", op, bt->messages,
                    *total, g_strerror(err));
        return FALSE;
    }
    return TRUE;
}

/* The kernel's first refusal among the answers to a batch. */
typedef struct {
    int err; /* 0: none */
    guint16 type;
} Refusal;

/* Reads the answers to the batch just sent (total bytes) until one per message has come or
 * the batch failed as a whole; the first refusal goes to *first. FALSE with error when the
 * answers stop short without a refusal, or reading fails. */
static gboolean
batch_read_answers(Batch *bt, const char *op, gsize total, Refusal *first, int *errno_out,
                   GError **error)
{
    FwNft *f = bt->f;
    int fd = mnl_socket_get_fd(f->nl);
    /* The kernel handles the batch inside sendmsg, so its answers are queued by now; wait a
     * little for stragglers all the same. A batch it could not parse at all gets no answer. */
    g_autofree char *buf = g_malloc(RECV_BUF);
    guint answers = 0;
    gboolean batch_failed = FALSE;
    while (answers < bt->messages && !batch_failed) {
        ssize_t len = recv(fd, buf, RECV_BUF, MSG_DONTWAIT);
        if (len < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            if (poll(&pfd, 1, STRAGGLER_WAIT_MS) > 0)
                continue;
            if (first->err != 0)
                break;
            if (errno_out)
                *errno_out = ETIMEDOUT;
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                        "fw-nft: %s: the kernel answered %u of %u messages of the batch "
                        "(%zu bytes) and applied none",
                        op, answers, bt->messages, total);
            return FALSE;
        }
        if (len < 0) {
            int err = errno;
            if (err == EINTR)
                continue;
            if (errno_out)
                *errno_out = err;
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                        "fw-nft: %s: reading the kernel's answer: %s", op, g_strerror(err));
            return FALSE;
        }
        int left = (int)len;
        for (const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf; mnl_nlmsg_ok(nlh, left);
             nlh = mnl_nlmsg_next(nlh, &left)) {
            if (nlh->nlmsg_type != NLMSG_ERROR || nlh->nlmsg_pid != f->portid)
                continue;
            const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
            guint32 index = nlh->nlmsg_seq - bt->first_seq;
            if (nlh->nlmsg_seq == bt->first_seq - 1) {
                /* An answer to the batch itself: it failed as a whole (out of memory, or
                 * the commit). Whatever else comes is already queued. */
                batch_failed = e->error != 0;
            } else if (index >= bt->messages) {
                continue; /* an answer to an earlier request */
            } else {
                answers++;
            }
            if (e->error != 0 && first->err == 0) {
                first->err = -e->error;
                first->type = e->msg.nlmsg_type;
            }
        }
    }
    /* Leave nothing behind for the next request. */
    while (recv(fd, buf, RECV_BUF, MSG_DONTWAIT) > 0) {
    }
    return TRUE;
}

/* Sends the batch in one sendmsg and reads replies until the ack of its last command. On
 * failure the kernel has applied none of it; *errno_out (when not NULL) gets the first
 * error number. */
static gboolean
batch_commit(Batch *bt, const char *op, int *errno_out, GError **error)
{
    FwNft *f = bt->f;
    if (errno_out)
        *errno_out = 0;
    if (bt->messages == 0)
        return TRUE;
    gsize total;
    Refusal first = {0};
    if (!batch_send(bt, op, &total, errno_out, error) ||
        !batch_read_answers(bt, op, total, &first, errno_out, error))
        return FALSE;
    if (first.err != 0) {
        if (errno_out)
            *errno_out = first.err;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL,
                    "fw-nft: %s: the kernel refused the batch (%s: %s)%s", op,
                    msg_name(first.type & 0xff), g_strerror(first.err),
                    first.err == EOPNOTSUPP || first.err == ENOENT
                        ? "; is nf_tables available (modprobe nf_tables)?"
                        : "");
        return FALSE;
    }
    f->last.messages += bt->messages;
    f->last.elements += bt->elements;
    return TRUE;
}

/* Runs a dump request of the family's objects; cb sees every answer message. ENOENT (no such
 * table or set) reports *missing = TRUE and succeeds. On failure the errno goes to *errno_out
 * (when not NULL): EINTR means the ruleset changed during the dump (NLM_F_DUMP_INTR), and the
 * dump may be run again. */
static gboolean
dump_family_errno(FwNft *f, guint16 family, guint16 type,
                  void (*build)(struct nlmsghdr *, gpointer), gpointer build_data, mnl_cb_t cb,
                  gpointer data, gboolean *missing, const char *what, int *errno_out,
                  GError **error)
{
    if (missing)
        *missing = FALSE;
    char req[8192];
    guint32 seq = f->seq++;
    struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(req, type, family, NLM_F_DUMP | NLM_F_ACK, seq);
    build(nlh, build_data);
    if (mnl_socket_sendto(f->nl, nlh, nlh->nlmsg_len) < 0) {
        int err = errno;
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "fw-nft: reading %s: %s", what,
                    g_strerror(err));
        return FALSE;
    }
    g_autofree char *buf = g_malloc(RECV_BUF);
    for (;;) {
        ssize_t len = mnl_socket_recvfrom(f->nl, buf, RECV_BUF);
        if (len < 0 && errno == EINTR)
            continue;
        int ret = len < 0 ? MNL_CB_ERROR : mnl_cb_run(buf, (size_t)len, seq, f->portid, cb, data);
        if (ret == MNL_CB_STOP)
            return TRUE;
        if (ret == MNL_CB_ERROR) {
            int err = errno;
            if (err == ENOENT && missing) {
                *missing = TRUE;
                return TRUE;
            }
            if (errno_out)
                *errno_out = err;
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_FIREWALL, "fw-nft: reading %s: %s",
                        what, err == EAGAIN ? "no answer in time" : g_strerror(err));
            return FALSE;
        }
    }
}

static gboolean
dump_family(FwNft *f, guint16 family, guint16 type, void (*build)(struct nlmsghdr *, gpointer),
            gpointer build_data, mnl_cb_t cb, gpointer data, gboolean *missing, const char *what,
            GError **error)
{
    return dump_family_errno(f, family, type, build, build_data, cb, data, missing, what, NULL,
                             error);
}

/* A dump of our family's (inet) objects, with the errno of a failure. */
static gboolean
dump_errno(FwNft *f, guint16 type, void (*build)(struct nlmsghdr *, gpointer), gpointer build_data,
           mnl_cb_t cb, gpointer data, gboolean *missing, const char *what, int *errno_out,
           GError **error)
{
    return dump_family_errno(f, NFPROTO_INET, type, build, build_data, cb, data, missing, what,
                             errno_out, error);
}

/* A dump of our family's (inet) objects. */
static gboolean
dump(FwNft *f, guint16 type, void (*build)(struct nlmsghdr *, gpointer), gpointer build_data,
     mnl_cb_t cb, gpointer data, gboolean *missing, const char *what, GError **error)
{
    return dump_errno(f, type, build, build_data, cb, data, missing, what, NULL, error);
}

/* ---- reading sets ---- */

typedef struct {
    int fam;
    gboolean interval;
    GArray *entries; /* FwSetEntry: host sets */
    GArray *raw;     /* RawElem: interval sets, paired afterwards */
} SetDump;

typedef struct {
    guint8 key[16];
    gboolean end;
    guint32 timeout_s;
} RawElem;

/* A range in an interval set that is no prefix (made by hand): deleted by reconcile. */
typedef struct {
    int fam;
    guint8 start[16];
    guint8 end[16];
    gboolean has_end;
} OddRange;

static guint32
remaining_s(struct nftnl_set_elem *e)
{
    if (!nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_TIMEOUT))
        return 0;
    guint64 ms = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_EXPIRATION)
                     ? nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_EXPIRATION)
                     : nftnl_set_elem_get_u64(e, NFTNL_SET_ELEM_TIMEOUT);
    guint64 s = (ms + 999) / 1000;
    return (guint32)MAX(MIN(s, G_MAXUINT32), 1);
}

static int
set_dump_cb(const struct nlmsghdr *nlh, void *data)
{
    SetDump *d = data;
    struct nftnl_set *s = nftnl_set_alloc();
    if (!s)
        return MNL_CB_ERROR;
    if (nftnl_set_elems_nlmsg_parse(nlh, s) < 0) {
        nftnl_set_free(s);
        return MNL_CB_OK;
    }
    struct nftnl_set_elems_iter *it = nftnl_set_elems_iter_create(s);
    guint alen = fam_bytes(d->fam);
    for (struct nftnl_set_elem *e = it ? nftnl_set_elems_iter_next(it) : NULL; e;
         e = nftnl_set_elems_iter_next(it)) {
        guint32 klen = 0;
        const void *key = nftnl_set_elem_get(e, NFTNL_SET_ELEM_KEY, &klen);
        if (!key || klen != alen)
            continue;
        guint32 flags = nftnl_set_elem_is_set(e, NFTNL_SET_ELEM_FLAGS)
                            ? nftnl_set_elem_get_u32(e, NFTNL_SET_ELEM_FLAGS)
                            : 0;
        if (d->interval) {
            RawElem r = {.end = (flags & NFT_SET_ELEM_INTERVAL_END) != 0,
                         .timeout_s = remaining_s(e)};
            memcpy(r.key, key, alen);
            g_array_append_val(d->raw, r);
        } else {
            FwSetEntry en = {.timeout_s = remaining_s(e)};
            en.prefix.addr.family = d->fam == FAM4 ? AF_INET : AF_INET6;
            memcpy(en.prefix.addr.bytes, key, alen);
            en.prefix.len = (guint8)(alen * 8);
            g_array_append_val(d->entries, en);
        }
    }
    if (it)
        nftnl_set_elems_iter_destroy(it);
    nftnl_set_free(s);
    return MNL_CB_OK;
}

typedef struct {
    const char *table;
    const char *set;
} SetRef;

static void
build_set_ref(struct nlmsghdr *nlh, gpointer data)
{
    const SetRef *r = data;
    struct nftnl_set *s = nftnl_set_alloc();
    nftnl_set_set_str(s, NFTNL_SET_TABLE, r->table);
    nftnl_set_set_str(s, NFTNL_SET_NAME, r->set);
    nftnl_set_elems_nlmsg_build_payload(nlh, s);
    nftnl_set_free(s);
}

static int
raw_compare(const void *a, const void *b, gpointer len)
{
    const RawElem *x = a, *y = b;
    int c = memcmp(x->key, y->key, GPOINTER_TO_UINT(len));
    if (c != 0)
        return c;
    return (int)y->end - (int)x->end; /* at one key, an end closes before a start opens */
}

/* Reads one set: host sets straight into entries; interval sets pair starts with ends, and
 * ranges that are no prefix go to odd (OddRange) to be deleted. */
static gboolean
read_named_set(FwNft *f, const char *name, int fam, gboolean interval, GArray *entries, GArray *odd,
               GError **error)
{
    SetDump d = {.fam = fam, .interval = interval, .entries = entries};
    g_autoptr(GArray) raw = g_array_new(FALSE, FALSE, sizeof(RawElem));
    d.raw = raw;
    SetRef ref = {f->table, name};
    g_autofree char *what = g_strdup_printf("set %s of table inet %s", ref.set, f->table);
    gboolean missing;
    if (!dump(f, NFT_MSG_GETSETELEM, build_set_ref, &ref, set_dump_cb, &d, &missing, what, error))
        return FALSE;
    if (!interval)
        return TRUE;
    guint n = fam_bytes(fam);
    g_array_sort_with_data(raw, raw_compare, GUINT_TO_POINTER(n));
    const RawElem *r = (const RawElem *)raw->data;
    for (guint i = 0; i < raw->len; i++) {
        if (r[i].end)
            continue;
        const RawElem *end = NULL;
        if (i + 1 < raw->len && r[i + 1].end)
            end = &r[i + 1];
        FwSetEntry e = {.timeout_s = r[i].timeout_s};
        if (fw_sets_range_to_prefix(fam == FAM4 ? AF_INET : AF_INET6, r[i].key,
                                    end ? end->key : NULL, &e.prefix)) {
            g_array_append_val(entries, e);
        } else if (odd) {
            OddRange o = {.fam = fam, .has_end = end != NULL};
            memcpy(o.start, r[i].key, n);
            if (end)
                memcpy(o.end, end->key, n);
            g_array_append_val(odd, o);
        }
    }
    return TRUE;
}

static gboolean
read_set(FwNft *f, int fam, gboolean interval, GArray *entries, GArray *odd, GError **error)
{
    return read_named_set(f, interval ? net_set[fam] : host_set[fam], fam, interval, entries, odd,
                          error);
}

/* Every member of every set (with odd ranges in odd when not NULL). */
static gboolean
read_all(FwNft *f, GArray *entries, GArray *odd, GError **error)
{
    for (int fam = 0; fam < N_FAMS; fam++) {
        if (!read_set(f, fam, FALSE, entries, NULL, error) ||
            !read_set(f, fam, TRUE, entries, odd, error))
            return FALSE;
    }
    return TRUE;
}

/* ---- building messages ---- */

static struct nftnl_set *
set_ref_new(FwNft *f, const char *name)
{
    struct nftnl_set *s = nftnl_set_alloc();
    if (!s)
        g_error("fw-nft: out of memory");
    nftnl_set_set_str(s, NFTNL_SET_TABLE, f->table);
    nftnl_set_set_str(s, NFTNL_SET_NAME, name);
    nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
    return s;
}

/* Element messages for one set, ELEMS_PER_MSG at a time. */
typedef struct {
    Batch *bt;
    FwNft *f;
    const char *set;
    guint16 type;
    guint16 flags;
    struct nftnl_set *pending;
    guint n_pending;
} ElemWriter;

static void
elem_flush(ElemWriter *w)
{
    if (!w->pending)
        return;
    struct nlmsghdr *nlh = batch_msg(w->bt, w->type, w->flags);
    nftnl_set_elems_nlmsg_build_payload(nlh, w->pending);
    batch_next(w->bt);
    nftnl_set_free(w->pending);
    w->pending = NULL;
    w->n_pending = 0;
}

static void
elem_put(ElemWriter *w, const guint8 *key, guint len, gboolean end, guint32 timeout_s)
{
    if (!w->pending)
        w->pending = set_ref_new(w->f, w->set);
    struct nftnl_set_elem *e = nftnl_set_elem_alloc();
    if (!e)
        g_error("fw-nft: out of memory");
    nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, key, len);
    if (end)
        nftnl_set_elem_set_u32(e, NFTNL_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
    /* The kernel takes a timeout on an interval's start only; the end goes with it. */
    if (timeout_s > 0 && !end && w->type == NFT_MSG_NEWSETELEM)
        nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, (guint64)timeout_s * 1000);
    nftnl_set_elem_add(w->pending, e);
    w->bt->elements++;
    if (++w->n_pending >= ELEMS_PER_MSG)
        elem_flush(w);
}

/* One prefix as elements: the address for a host set; for an interval set, the start and
 * (unless the network ends at the top of the address space) the first address past it. */
static void
elem_put_prefix(ElemWriter *w, const IpPrefix *p, guint32 timeout_s)
{
    int fam = fam_index(p);
    guint n = fam_bytes(fam);
    elem_put(w, p->addr.bytes, n, FALSE, timeout_s);
    guint8 end[16];
    if (fw_sets_is_network(p) && fw_sets_prefix_end(p, end))
        elem_put(w, end, n, TRUE, timeout_s);
}

static void
writer_init(ElemWriter *w, Batch *bt, const char *set, FwChangeKind kind, gboolean destroy)
{
    memset(w, 0, sizeof *w);
    w->bt = bt;
    w->f = bt->f;
    w->set = set;
    if (kind == FW_CHANGE_ADD) {
        w->type = NFT_MSG_NEWSETELEM;
        w->flags = NLM_F_CREATE;
    } else {
        w->type = destroy ? MSG_DESTROYSETELEM : NFT_MSG_DELSETELEM;
        w->flags = 0;
    }
}

static void
add_table(Batch *bt)
{
    struct nftnl_table *t = nftnl_table_alloc();
    nftnl_table_set_str(t, NFTNL_TABLE_NAME, bt->f->table);
    nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
    struct nlmsghdr *nlh = batch_msg(bt, NFT_MSG_NEWTABLE, NLM_F_CREATE);
    nftnl_table_nlmsg_build_payload(nlh, t);
    batch_next(bt);
    nftnl_table_free(t);
}

static void
add_set(Batch *bt, const char *name, int fam, gboolean interval, guint32 id)
{
    struct nftnl_set *s = set_ref_new(bt->f, name);
    nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, fam == FAM4 ? KEY_TYPE_IPV4 : KEY_TYPE_IPV6);
    nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, fam_bytes(fam));
    nftnl_set_set_u32(s, NFTNL_SET_FLAGS, NFT_SET_TIMEOUT | (interval ? NFT_SET_INTERVAL : 0));
    nftnl_set_set_u32(s, NFTNL_SET_ID, id);
    struct nlmsghdr *nlh = batch_msg(bt, NFT_MSG_NEWSET, NLM_F_CREATE);
    nftnl_set_nlmsg_build_payload(nlh, s);
    batch_next(bt);
    nftnl_set_free(s);
}

static struct nftnl_chain *
chain_ref_new(FwNft *f, const char *name)
{
    struct nftnl_chain *c = nftnl_chain_alloc();
    if (!c)
        g_error("fw-nft: out of memory");
    nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, f->table);
    nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, name);
    nftnl_chain_set_u32(c, NFTNL_CHAIN_FAMILY, NFPROTO_INET);
    return c;
}

static void
chain_msg(Batch *bt, struct nftnl_chain *c, guint16 type, guint16 flags)
{
    struct nlmsghdr *nlh = batch_msg(bt, type, flags);
    nftnl_chain_nlmsg_build_payload(nlh, c);
    batch_next(bt);
    nftnl_chain_free(c);
}

static void
add_chain(Batch *bt, const char *name, gint hooknum, gint32 priority)
{
    struct nftnl_chain *c = chain_ref_new(bt->f, name);
    if (hooknum >= 0) {
        nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
        nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, (guint32)hooknum);
        nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, priority);
        nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
    }
    chain_msg(bt, c, NFT_MSG_NEWCHAIN, NLM_F_CREATE);
}

static void
flush_chain(Batch *bt, const char *name)
{
    struct nftnl_rule *r = nftnl_rule_alloc();
    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, bt->f->table);
    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, name);
    nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
    struct nlmsghdr *nlh = batch_msg(bt, NFT_MSG_DELRULE, 0);
    nftnl_rule_nlmsg_build_payload(nlh, r);
    batch_next(bt);
    nftnl_rule_free(r);
}

static struct nftnl_expr *
expr_new(const char *name)
{
    struct nftnl_expr *e = nftnl_expr_alloc(name);
    if (!e)
        g_error("fw-nft: out of memory");
    return e;
}

static void
put_meta(struct nftnl_rule *r, guint32 key)
{
    struct nftnl_expr *e = expr_new("meta");
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
    nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
    nftnl_rule_add_expr(r, e);
}

static void
put_cmp_u8(struct nftnl_rule *r, guint8 value)
{
    struct nftnl_expr *e = expr_new("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_EQ);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &value, 1);
    nftnl_rule_add_expr(r, e);
}

/* "meta iiftype != loopback" (the type is a host-order u16). */
static void
put_not_loopback(struct nftnl_rule *r)
{
    put_meta(r, NFT_META_IIFTYPE);
    guint16 type = IIFTYPE_LOOPBACK;
    struct nftnl_expr *e = expr_new("cmp");
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, NFT_CMP_NEQ);
    nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, &type, sizeof type);
    nftnl_rule_add_expr(r, e);
}

static void
put_verdict(struct nftnl_rule *r, int verdict, const char *chain)
{
    struct nftnl_expr *e = expr_new("immediate");
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
    nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, (guint32)verdict);
    if (chain)
        nftnl_expr_set_str(e, NFTNL_EXPR_IMM_CHAIN, chain);
    nftnl_rule_add_expr(r, e);
}

static void
put_reject(struct nftnl_rule *r, guint32 type, guint8 code)
{
    struct nftnl_expr *e = expr_new("reject");
    nftnl_expr_set_u32(e, NFTNL_EXPR_REJECT_TYPE, type);
    nftnl_expr_set_u8(e, NFTNL_EXPR_REJECT_CODE, code);
    nftnl_rule_add_expr(r, e);
}

static struct nftnl_rule *
rule_new(FwNft *f, const char *chain)
{
    struct nftnl_rule *r = nftnl_rule_alloc();
    if (!r)
        g_error("fw-nft: out of memory");
    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, f->table);
    nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, chain);
    nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
    return r;
}

static void
rule_commit(Batch *bt, struct nftnl_rule *r)
{
    struct nlmsghdr *nlh = batch_msg(bt, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND);
    nftnl_rule_nlmsg_build_payload(nlh, r);
    batch_next(bt);
    nftnl_rule_free(r);
}

/* What the counter of one match rule had counted. */
typedef struct {
    guint64 packets;
    guint64 bytes;
} Count;

/* "ip saddr @set counter goto target" (or daddr, or ip6), after "meta iiftype != loopback"
 * when skip_loopback; the counter starts from start. */
static void
add_match_rule(Batch *bt, const char *chain, int fam, gboolean dst, const char *set,
               const char *target, gboolean skip_loopback, const Count *start)
{
    struct nftnl_rule *r = rule_new(bt->f, chain);
    if (skip_loopback)
        put_not_loopback(r);
    put_meta(r, NFT_META_NFPROTO);
    put_cmp_u8(r, fam == FAM4 ? NFPROTO_IPV4 : NFPROTO_IPV6);
    struct nftnl_expr *e = expr_new("payload");
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, NFT_PAYLOAD_NETWORK_HEADER);
    guint32 off = fam == FAM4 ? (dst ? 16 : 12) : (dst ? 24 : 8);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, off);
    nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, fam_bytes(fam));
    nftnl_rule_add_expr(r, e);
    e = expr_new("lookup");
    nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
    nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
    nftnl_rule_add_expr(r, e);
    e = expr_new("counter");
    nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_PACKETS, start->packets);
    nftnl_expr_set_u64(e, NFTNL_EXPR_CTR_BYTES, start->bytes);
    nftnl_rule_add_expr(r, e);
    put_verdict(r, NFT_GOTO, target);
    rule_commit(bt, r);
}

/* Fills verdict chain vc (CHAIN_VERDICT or CHAIN_DROP): the log, then the action, which is
 * always drop in CHAIN_DROP. */
static void
add_verdict_rules(Batch *bt, int vc)
{
    const FwConfig *cfg = &bt->f->cfg;
    const char *name = verdict_chain[vc - CHAIN_VERDICT];
    if (cfg->log) {
        struct nftnl_rule *r = rule_new(bt->f, name);
        struct nftnl_expr *e = expr_new("limit");
        nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_RATE, LOG_RATE);
        nftnl_expr_set_u64(e, NFTNL_EXPR_LIMIT_UNIT, LOG_UNIT_S);
        nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_BURST, LOG_BURST);
        nftnl_expr_set_u32(e, NFTNL_EXPR_LIMIT_TYPE, NFT_LIMIT_PKTS);
        nftnl_rule_add_expr(r, e);
        e = expr_new("log");
        nftnl_expr_set_str(e, NFTNL_EXPR_LOG_PREFIX, cfg->log_prefix);
        nftnl_rule_add_expr(r, e);
        rule_commit(bt, r);
    }
    if (cfg->action == FW_ACTION_REJECT && vc == CHAIN_VERDICT) {
        struct nftnl_rule *r = rule_new(bt->f, name);
        put_meta(r, NFT_META_L4PROTO);
        put_cmp_u8(r, IPPROTO_TCP);
        put_reject(r, NFT_REJECT_TCP_RST, 0);
        rule_commit(bt, r);
        r = rule_new(bt->f, name);
        put_reject(r, NFT_REJECT_ICMPX_UNREACH, NFT_REJECT_ICMPX_PORT_UNREACH);
        rule_commit(bt, r);
    } else {
        struct nftnl_rule *r = rule_new(bt->f, name);
        put_verdict(r, NF_DROP, NULL);
        rule_commit(bt, r);
    }
}

/* ---- the chains ---- */

/* Which base chains we want, and what each matches. */
typedef struct {
    gboolean want;
    gboolean src;
    gboolean dst;
    gboolean skip_loopback; /* its saddr rules skip the loopback interface */
    int target;             /* CHAIN_VERDICT or CHAIN_DROP */
} HookPlan;

static gboolean
hook_configured(const FwConfig *cfg, gsize h)
{
    for (guint i = 0; i < cfg->n_hooks; i++) {
        if (strcmp(cfg->hooks[i], hooks[h].name) == 0 ||
            (hooks[h].alias && strcmp(cfg->hooks[i], hooks[h].alias) == 0))
            return TRUE;
    }
    return FALSE;
}

/* Fills plan; returns whether the drop chain is wanted. */
static gboolean
plan_hooks(const FwConfig *cfg, HookPlan plan[G_N_ELEMENTS(hooks)])
{
    gboolean both = cfg->direction == FW_DIRECTION_BOTH;
    gboolean reject = cfg->action == FW_ACTION_REJECT;
    gboolean prerouting = FALSE;
    for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++)
        prerouting |= hooks[h].hooknum == NF_INET_PRE_ROUTING && hook_configured(cfg, h);
    gboolean drop_chain = FALSE;
    for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++) {
        guint32 num = hooks[h].hooknum;
        gboolean configured = hook_configured(cfg, h);
        plan[h].src = configured;
        plan[h].dst =
            both && num != NF_INET_LOCAL_IN && num != NF_INET_PRE_ROUTING &&
            (configured || num == NF_INET_LOCAL_OUT || (num == NF_INET_FORWARD && prerouting));
        plan[h].want = plan[h].src || plan[h].dst;
        plan[h].skip_loopback =
            both && reject && (num == NF_INET_LOCAL_IN || num == NF_INET_PRE_ROUTING);
        plan[h].target = num == NF_INET_PRE_ROUTING && reject ? CHAIN_DROP : CHAIN_VERDICT;
        drop_chain |= plan[h].want && plan[h].target == CHAIN_DROP;
    }
    return drop_chain;
}

typedef struct {
    FwNft *f;
    guint32 hooknum[G_N_ELEMENTS(hooks)]; /* G_MAXUINT32: absent */
    gint32 prio[G_N_ELEMENTS(hooks)];
    gboolean verdict[N_CHAINS - CHAIN_VERDICT]; /* verdict, drop */
    guint rules[N_CHAINS];                      /* per chain */
    /* The match rules' counters per base chain, family, side (dst) and set (net), and how
     * many match rules have none (made by an older version). */
    Count counts[G_N_ELEMENTS(hooks)][N_FAMS][2][2];
    guint uncounted;
} ChainState;

/* What a rule of a base chain matches, as far as the counters care. */
typedef struct {
    int fam;      /* FAM4 or FAM6; -1: no family match */
    gboolean dst; /* matches the destination address */
    int net;      /* the set: 0 host, 1 network, -1 none of ours */
    gboolean has_counter;
    Count count;
} MatchRule;

/* Reads a match rule's family, side, set and counter from its expressions. */
static void
match_rule_parse(struct nftnl_rule *r, MatchRule *m)
{
    memset(m, 0, sizeof *m);
    m->fam = -1;
    m->net = -1;
    guint32 meta_key = G_MAXUINT32;
    struct nftnl_expr_iter *it = nftnl_expr_iter_create(r);
    if (!it)
        g_error("fw-nft: out of memory");
    for (struct nftnl_expr *e = nftnl_expr_iter_next(it); e; e = nftnl_expr_iter_next(it)) {
        const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
        if (strcmp(name, "meta") == 0) {
            meta_key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
        } else if (strcmp(name, "cmp") == 0 && meta_key == NFT_META_NFPROTO) {
            guint32 len = 0;
            const guint8 *v = nftnl_expr_get(e, NFTNL_EXPR_CMP_DATA, &len);
            if (v && len == 1)
                m->fam = v[0] == NFPROTO_IPV4 ? FAM4 : v[0] == NFPROTO_IPV6 ? FAM6 : -1;
            meta_key = G_MAXUINT32;
        } else if (strcmp(name, "payload") == 0) {
            guint32 off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
            m->dst = off == 16 || off == 24;
        } else if (strcmp(name, "lookup") == 0) {
            const char *set = nftnl_expr_get_str(e, NFTNL_EXPR_LOOKUP_SET);
            for (int fam = 0; set && fam < N_FAMS; fam++) {
                if (strcmp(set, host_set[fam]) == 0)
                    m->net = 0;
                else if (strcmp(set, net_set[fam]) == 0)
                    m->net = 1;
            }
        } else if (strcmp(name, "counter") == 0) {
            m->has_counter = TRUE;
            m->count.packets = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_PACKETS);
            m->count.bytes = nftnl_expr_get_u64(e, NFTNL_EXPR_CTR_BYTES);
        }
    }
    nftnl_expr_iter_destroy(it);
}

static int
chain_index(const char *name)
{
    for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++) {
        if (strcmp(name, hooks[h].chain) == 0)
            return (int)h;
    }
    for (int v = CHAIN_VERDICT; v < N_CHAINS; v++) {
        if (strcmp(name, verdict_chain[v - CHAIN_VERDICT]) == 0)
            return v;
    }
    return -1;
}

static int
chain_dump_cb(const struct nlmsghdr *nlh, void *data)
{
    ChainState *st = data;
    struct nftnl_chain *c = nftnl_chain_alloc();
    if (c && nftnl_chain_nlmsg_parse(nlh, c) == 0) {
        const char *table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
        const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
        int i = table && name && strcmp(table, st->f->table) == 0 ? chain_index(name) : -1;
        if (i >= CHAIN_VERDICT) {
            st->verdict[i - CHAIN_VERDICT] = TRUE;
        } else if (i >= 0) {
            st->hooknum[i] = nftnl_chain_is_set(c, NFTNL_CHAIN_HOOKNUM)
                                 ? nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM)
                                 : G_MAXUINT32 - 1;
            st->prio[i] = nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO);
        }
    }
    nftnl_chain_free(c);
    return MNL_CB_OK;
}

static int
rule_dump_cb(const struct nlmsghdr *nlh, void *data)
{
    ChainState *st = data;
    struct nftnl_rule *r = nftnl_rule_alloc();
    if (r && nftnl_rule_nlmsg_parse(nlh, r) == 0) {
        const char *table = nftnl_rule_get_str(r, NFTNL_RULE_TABLE);
        const char *chain = nftnl_rule_get_str(r, NFTNL_RULE_CHAIN);
        int i = table && chain && strcmp(table, st->f->table) == 0 ? chain_index(chain) : -1;
        if (i >= 0)
            st->rules[i]++;
        MatchRule m;
        if (i >= 0 && i < CHAIN_VERDICT) {
            match_rule_parse(r, &m);
            if (m.fam >= 0 && m.net >= 0 && m.has_counter) {
                Count *c = &st->counts[i][m.fam][m.dst][m.net];
                c->packets += m.count.packets;
                c->bytes += m.count.bytes;
            } else if (m.fam >= 0 && m.net >= 0) {
                st->uncounted++;
            }
        }
    }
    nftnl_rule_free(r);
    return MNL_CB_OK;
}

static void
build_table_ref(struct nlmsghdr *nlh, gpointer data)
{
    FwNft *f = data;
    struct nftnl_chain *c = nftnl_chain_alloc();
    nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, f->table);
    nftnl_chain_nlmsg_build_payload(nlh, c);
    nftnl_chain_free(c);
}

static void
build_rule_ref(struct nlmsghdr *nlh, gpointer data)
{
    FwNft *f = data;
    struct nftnl_rule *r = nftnl_rule_alloc();
    nftnl_rule_set_str(r, NFTNL_RULE_TABLE, f->table);
    nftnl_rule_nlmsg_build_payload(nlh, r);
    nftnl_rule_free(r);
}

static gboolean
read_chains(FwNft *f, ChainState *st, GError **error)
{
    memset(st, 0, sizeof *st);
    st->f = f;
    for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++)
        st->hooknum[h] = G_MAXUINT32;
    g_autofree char *what = g_strdup_printf("the chains of table inet %s", f->table);
    gboolean missing;
    /* A chain dump for the whole family filtered by table name: the kernel dumps only
     * the named table's chains when the table attribute is set. */
    if (!dump(f, NFT_MSG_GETCHAIN, build_table_ref, f, chain_dump_cb, st, &missing, what, error))
        return FALSE;
    if (missing)
        return TRUE;
    return dump(f, NFT_MSG_GETRULE, build_rule_ref, f, rule_dump_cb, st, &missing, what, error);
}

/* How many rules a base chain should hold: one per set and matched side. */
static guint
expected_rules(const HookPlan *p)
{
    return (p->src ? 4 : 0) + (p->dst ? 4 : 0);
}

static guint
expected_verdict_rules(const FwConfig *cfg, int vc)
{
    gboolean reject = cfg->action == FW_ACTION_REJECT && vc == CHAIN_VERDICT;
    return (cfg->log ? 1 : 0) + (reject ? 2 : 1);
}

/* Brings table, sets, chains and rules to the configured layout in one batch. Sets keep
 * their members; every chain is flushed and refilled, so hand-made rule changes are undone.
 * *fixed (when not NULL) counts chains that were missing or differed. */
static gboolean
build_layout(FwNft *f, guint *fixed, GError **error)
{
    ChainState st;
    if (!read_chains(f, &st, error))
        return FALSE;
    HookPlan plan[G_N_ELEMENTS(hooks)];
    gboolean want_drop = plan_hooks(&f->cfg, plan);
    guint wrong = 0;

    Batch bt;
    batch_init(&bt, f);
    add_table(&bt);
    guint32 id = 1;
    for (int fam = 0; fam < N_FAMS; fam++) {
        add_set(&bt, host_set[fam], fam, FALSE, id++);
        add_set(&bt, net_set[fam], fam, TRUE, id++);
    }
    /* Empty every existing chain first, so chains can be deleted in any order. */
    for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++) {
        if (st.hooknum[h] != G_MAXUINT32)
            flush_chain(&bt, hooks[h].chain);
    }
    for (int v = CHAIN_VERDICT; v < N_CHAINS; v++) {
        if (st.verdict[v - CHAIN_VERDICT])
            flush_chain(&bt, verdict_chain[v - CHAIN_VERDICT]);
    }
    for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++) {
        gboolean present = st.hooknum[h] != G_MAXUINT32;
        gboolean right =
            present && st.hooknum[h] == hooks[h].hooknum && st.prio[h] == hooks[h].priority;
        if (present && (!plan[h].want || !right))
            chain_msg(&bt, chain_ref_new(f, hooks[h].chain), NFT_MSG_DELCHAIN, 0);
        if (plan[h].want && (!right || st.rules[h] != expected_rules(&plan[h])))
            wrong++;
        else if (!plan[h].want && present)
            wrong++;
    }
    if (!st.verdict[0] || st.rules[CHAIN_VERDICT] != expected_verdict_rules(&f->cfg, CHAIN_VERDICT))
        wrong++;
    if (want_drop
            ? !st.verdict[1] || st.rules[CHAIN_DROP] != expected_verdict_rules(&f->cfg, CHAIN_DROP)
            : st.verdict[1])
        wrong++;
    /* Match rules without a counter (an older version's): the rewrite adds them. */
    if (st.uncounted > 0) {
        g_message("fw-nft: adding counters to %u match rules of table inet %s", st.uncounted,
                  f->table);
        wrong++;
    }
    add_chain(&bt, "verdict", -1, 0);
    add_verdict_rules(&bt, CHAIN_VERDICT);
    if (want_drop) {
        add_chain(&bt, verdict_chain[1], -1, 0);
        add_verdict_rules(&bt, CHAIN_DROP);
    }
    for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++) {
        if (!plan[h].want)
            continue;
        add_chain(&bt, hooks[h].chain, (gint)hooks[h].hooknum, hooks[h].priority);
        const char *target = verdict_chain[plan[h].target - CHAIN_VERDICT];
        for (int fam = 0; fam < N_FAMS; fam++) {
            for (int dst = 0; dst < 2; dst++) {
                if (dst ? !plan[h].dst : !plan[h].src)
                    continue;
                gboolean skip = !dst && plan[h].skip_loopback;
                /* A chain that changes hook or priority is deleted and made anew: its
                 * counts go on in the new one all the same. */
                const Count *c = st.counts[h][fam][dst];
                add_match_rule(&bt, hooks[h].chain, fam, dst, host_set[fam], target, skip, &c[0]);
                add_match_rule(&bt, hooks[h].chain, fam, dst, net_set[fam], target, skip, &c[1]);
            }
        }
    }
    /* Deleted last: the base chains that went to it are gone or refilled by now. */
    if (!want_drop && st.verdict[1])
        chain_msg(&bt, chain_ref_new(f, verdict_chain[1]), NFT_MSG_DELCHAIN, 0);
    gboolean ok = batch_commit(&bt, "ensure", NULL, error);
    batch_clear(&bt);
    if (ok && fixed)
        *fixed = wrong;
    return ok;
}

/* Asks once whether the kernel knows DESTROYSETELEM: destroying 0.0.0.0 (never a ban) from
 * ban4 succeeds quietly where it does, and is refused as a whole batch where it does not. */
static void
probe_destroy(FwNft *f)
{
    if (g_strcmp0(g_getenv("ALERTBAN_NFT_NO_DESTROY"), "1") == 0) {
        f->destroy_elem = 0;
        return;
    }
    Batch bt;
    batch_init(&bt, f);
    ElemWriter w;
    writer_init(&w, &bt, host_set[FAM4], FW_CHANGE_REMOVE, TRUE);
    static const guint8 zero[4] = {0};
    elem_put(&w, zero, 4, FALSE, 0);
    elem_flush(&w);
    int err = 0;
    gboolean ok = batch_commit(&bt, "probe", &err, NULL);
    batch_clear(&bt);
    /* ENOENT: no table yet, so no answer; the next operation asks again. */
    f->destroy_elem = ok ? 1 : err == ENOENT ? -1 : 0;
}

/* Asks once whether adding a member again sets its new timeout (Linux 6.12+; before, the
 * old timeout stays and an extension must delete and add in one batch). The question goes
 * to a set of its own that no rule uses, deleted afterwards. */
static void
probe_update(FwNft *f)
{
    if (g_strcmp0(g_getenv("ALERTBAN_NFT_NO_UPDATE"), "1") == 0) {
        f->update_timeout = 0;
        return;
    }
    static const char probe_set[] = "probe";
    static const guint8 zero[4] = {0};
    gboolean ok = TRUE;
    for (int step = 0; step < 2 && ok; step++) {
        Batch bt;
        batch_init(&bt, f);
        if (step == 0)
            add_set(&bt, probe_set, FAM4, FALSE, 99);
        ElemWriter w;
        writer_init(&w, &bt, probe_set, FW_CHANGE_ADD, FALSE);
        elem_put(&w, zero, 4, FALSE, step == 0 ? 3600 : 7200);
        elem_flush(&w);
        ok = batch_commit(&bt, "probe", NULL, NULL);
        batch_clear(&bt);
    }
    g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    ok = ok && read_named_set(f, probe_set, FAM4, FALSE, got, NULL, NULL) && got->len == 1;
    f->update_timeout = ok && g_array_index(got, FwSetEntry, 0).timeout_s > 3600 + 60 ? 1 : 0;
    Batch bt;
    batch_init(&bt, f);
    struct nftnl_set *s = set_ref_new(f, probe_set);
    struct nlmsghdr *nlh = batch_msg(&bt, NFT_MSG_DELSET, 0);
    nftnl_set_nlmsg_build_payload(nlh, s);
    batch_next(&bt);
    nftnl_set_free(s);
    (void)batch_commit(&bt, "probe", NULL, NULL);
    batch_clear(&bt);
}

/* Finds out what the kernel can do, once the table exists. */
static void
probe_kernel(FwNft *f)
{
    FwNftStats before = f->last;
    if (f->destroy_elem < 0)
        probe_destroy(f);
    if (f->destroy_elem >= 0 && f->update_timeout < 0)
        probe_update(f);
    f->last = before; /* the probes are not part of the operation's cost */
    f->last.destroy_elem = f->destroy_elem == 1;
    f->last.update_timeout = f->update_timeout == 1;
}

/* ---- Docker ---- */

/* Docker's iptables-nft chain: table ip filter, chain DOCKER-USER. */
#define DOCKER_TABLE "filter"
#define DOCKER_CHAIN "DOCKER-USER"

static void
build_docker_table_ref(struct nlmsghdr *nlh, gpointer data)
{
    (void)data;
    struct nftnl_chain *c = nftnl_chain_alloc();
    nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, DOCKER_TABLE);
    nftnl_chain_nlmsg_build_payload(nlh, c);
    nftnl_chain_free(c);
}

static int
docker_chain_cb(const struct nlmsghdr *nlh, void *data)
{
    gboolean *found = data;
    struct nftnl_chain *c = nftnl_chain_alloc();
    if (c && nftnl_chain_nlmsg_parse(nlh, c) == 0) {
        const char *table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
        const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
        *found =
            *found || (g_strcmp0(table, DOCKER_TABLE) == 0 && g_strcmp0(name, DOCKER_CHAIN) == 0);
    }
    nftnl_chain_free(c);
    return MNL_CB_OK;
}

/*
 * hooks = DOCKER-USER here is our forward chain, whether or not Docker runs and whichever
 * tables it keeps its rules in: at priority filter - 10 it sees every forwarded packet before
 * the chains at priority filter (iptables-nft's FORWARD, Docker's DOCKER-USER and its own
 * nftables tables among them), and a drop in any base chain is final, so no accept of
 * Docker's (its ESTABLISHED accept included) lets a banned address through. We never touch
 * Docker's chain: a rule of ours in it would vanish whenever dockerd rebuilds its rules. What
 * was found is said once, so that an operator who expected a jump in Docker's chain knows.
 */
static void
tell_docker(FwNft *f)
{
    gboolean wanted = FALSE;
    for (guint i = 0; i < f->cfg.n_hooks; i++)
        wanted = wanted || strcmp(f->cfg.hooks[i], DOCKER_CHAIN) == 0;
    if (!wanted || f->told_docker)
        return;
    f->told_docker = TRUE;
    gboolean found = FALSE, missing = FALSE;
    g_autoptr(GError) err = NULL;
    if (!dump_family(f, NFPROTO_IPV4, NFT_MSG_GETCHAIN, build_docker_table_ref, NULL,
                     docker_chain_cb, &found, &missing, "table ip filter", &err)) {
        g_debug("fw-nft: hook DOCKER-USER: %s", err->message);
        return;
    }
    if (found)
        g_message("fw-nft: hook DOCKER-USER: Docker's chain DOCKER-USER is in nftables (table ip "
                  "filter, iptables-nft); the bans drop in our forward chain (table inet %s, "
                  "priority filter - 10) before it and every chain of Docker's, which are left "
                  "alone",
                  f->table);
    else
        g_message("fw-nft: hook DOCKER-USER: no DOCKER-USER chain in nftables (Docker not "
                  "started, or on legacy iptables or its own nftables tables); the bans drop "
                  "in our forward chain (table inet %s, priority filter - 10), which sees "
                  "whatever is forwarded to containers, whichever tables Docker uses",
                  f->table);
}

static gboolean
nft_ensure(Fw *fw, GError **error)
{
    FwNft *f = nft_of(fw);
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    if (!nl_open(f, error) || !build_layout(f, NULL, error))
        return FALSE;
    probe_kernel(f);
    tell_docker(f);
    f->last.duration_us = g_get_monotonic_time() - start;
    return TRUE;
}

static gboolean
is_present(GArray *present, const IpPrefix *p)
{
    if (present->len == 0) /* and data NULL, which bsearch must not see */
        return FALSE;
    FwSetEntry key = {.prefix = *p};
    return bsearch(&key, present->data, present->len, sizeof(FwSetEntry), fw_set_entry_compare) !=
           NULL;
}

/* Appends the element messages for changes (already planned: networks do not overlap).
 * present (sorted FwSetEntry) holds the installed networks, and the installed hosts too when
 * hosts_known; without them host removals go as DESTROYSETELEM. With refresh (a kernel
 * that keeps the old timeout of a member added again) each addition of an installed member
 * is preceded by its removal in the same batch, so the ban never lapses. */
static void
put_changes(Batch *bt, const FwChange *changes, gsize n, GArray *present, gboolean hosts_known,
            gboolean refresh)
{
    /* Removals first, then additions, per set: a network replaced by a wider one leaves
     * before the wider one arrives. */
    for (int pass = 0; pass < 2; pass++) {
        FwChangeKind kind = pass == 0 ? FW_CHANGE_REMOVE : FW_CHANGE_ADD;
        for (int fam = 0; fam < N_FAMS; fam++) {
            for (int net = 0; net < 2; net++) {
                ElemWriter w;
                gboolean known = net || hosts_known;
                writer_init(&w, bt, net ? net_set[fam] : host_set[fam], kind, !known);
                for (gsize i = 0; i < n; i++) {
                    const FwChange *c = &changes[i];
                    if (fam_index(&c->prefix) != fam ||
                        fw_sets_is_network(&c->prefix) != (net != 0))
                        continue;
                    if (kind == FW_CHANGE_REMOVE) {
                        gboolean wanted =
                            c->kind == FW_CHANGE_REMOVE || (refresh && c->kind == FW_CHANGE_ADD);
                        if (!wanted || (known && !is_present(present, &c->prefix)))
                            continue;
                    } else if (c->kind != FW_CHANGE_ADD) {
                        continue;
                    }
                    elem_put_prefix(&w, &c->prefix, c->timeout_s);
                }
                elem_flush(&w);
            }
        }
    }
}

/* The networks installed in one family's or both families' interval sets. */
static gboolean
read_networks(FwNft *f, const gboolean fams[N_FAMS], GArray *out, GError **error)
{
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    for (int fam = 0; fam < N_FAMS; fam++) {
        if (fams[fam] && !read_set(f, fam, TRUE, entries, NULL, error))
            return FALSE;
    }
    for (guint i = 0; i < entries->len; i++)
        g_array_append_val(out, g_array_index(entries, FwSetEntry, i).prefix);
    return TRUE;
}

static gboolean
nft_apply(Fw *fw, const FwChange *changes, gsize n, GError **error)
{
    FwNft *f = nft_of(fw);
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    if (n == 0)
        return TRUE;
    if (!nl_open(f, error))
        return FALSE;
    probe_kernel(f);

    /* The batch sends removals before additions: keep each prefix's last change only. */
    g_autoptr(GArray) collapsed = g_array_sized_new(FALSE, FALSE, sizeof(FwChange), (guint)n);
    fw_sets_collapse(changes, n, collapsed);
    changes = (const FwChange *)collapsed->data;
    n = collapsed->len;
    gboolean refresh = f->update_timeout != 1;
    gboolean net_fams[N_FAMS] = {FALSE, FALSE};
    gboolean host_deletes = FALSE; /* removals, or refreshes on a kernel that needs them */
    for (gsize i = 0; i < n; i++) {
        if (fw_sets_is_network(&changes[i].prefix))
            net_fams[fam_index(&changes[i].prefix)] = TRUE;
        else if (changes[i].kind == FW_CHANGE_REMOVE || refresh)
            host_deletes = TRUE;
    }
    g_autoptr(GArray) present = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    g_autoptr(GArray) planned = NULL;
    if (net_fams[FAM4] || net_fams[FAM6]) {
        g_autoptr(GArray) nets = g_array_new(FALSE, FALSE, sizeof(IpPrefix));
        if (!read_networks(f, net_fams, nets, error))
            return FALSE;
        for (guint i = 0; i < nets->len; i++) {
            FwSetEntry e = {.prefix = g_array_index(nets, IpPrefix, i)};
            g_array_append_val(present, e);
        }
        planned = g_array_sized_new(FALSE, FALSE, sizeof(FwChange), (guint)n);
        fw_sets_plan_networks(nets, changes, n, planned);
        changes = (const FwChange *)planned->data;
        n = planned->len;
    }
    /* Without quiet deletes, only remove what the sets hold, or the kernel aborts the batch. */
    gboolean hosts_known = host_deletes && f->destroy_elem != 1;
    for (int fam = 0; hosts_known && fam < N_FAMS; fam++) {
        if (!read_set(f, fam, FALSE, present, NULL, error))
            return FALSE;
    }
    g_array_sort(present, fw_set_entry_compare);
    gboolean ok = FALSE;
    for (int attempt = 0; attempt < 2 && !ok; attempt++) {
        Batch bt;
        batch_init(&bt, f);
        put_changes(&bt, changes, n, present, hosts_known, refresh);
        int err = 0;
        GError *local = NULL;
        ok = batch_commit(&bt, "apply", &err, &local);
        batch_clear(&bt);
        if (!ok && err == ENOENT && attempt == 0) {
            /* The table or a set is gone (never made, or deleted by hand): make the layout
             * and try once more. */
            g_clear_error(&local);
            if (!build_layout(f, NULL, error))
                return FALSE;
            continue;
        }
        if (local)
            g_propagate_error(error, local);
        break;
    }
    f->last.duration_us = g_get_monotonic_time() - start;
    return ok;
}

/* The members (FwSetEntry, sorted) into entries. */
static gboolean
nft_list_entries(Fw *fw, GArray *entries, GError **error)
{
    FwNft *f = nft_of(fw);
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    if (!nl_open(f, error))
        return FALSE;
    if (!read_all(f, entries, NULL, error))
        return FALSE;
    g_array_sort(entries, fw_set_entry_compare);
    f->last.duration_us = g_get_monotonic_time() - start;
    return TRUE;
}

static gboolean
nft_list(Fw *fw, GArray *out, GError **error)
{
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    if (!nft_list_entries(fw, entries, error))
        return FALSE;
    for (guint i = 0; i < entries->len; i++)
        g_array_append_val(out, g_array_index(entries, FwSetEntry, i).prefix);
    return TRUE;
}

static gboolean
nft_list_timed(Fw *fw, GArray *out, GError **error)
{
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    if (!nft_list_entries(fw, entries, error))
        return FALSE;
    for (guint i = 0; i < entries->len; i++) {
        const FwSetEntry *e = &g_array_index(entries, FwSetEntry, i);
        FwChange c = {.kind = FW_CHANGE_ADD, .prefix = e->prefix, .timeout_s = e->timeout_s};
        g_array_append_val(out, c);
    }
    return TRUE;
}

static gboolean
reconcile_entries(FwNft *f, GArray *desired, gboolean timed, FwReconcileStats *stats,
                  GError **error)
{
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    if (!nl_open(f, error))
        return FALSE;
    guint fixed = 0;
    if (!build_layout(f, &fixed, error))
        return FALSE;
    probe_kernel(f);
    g_autoptr(GArray) installed = g_array_new(FALSE, FALSE, sizeof(FwSetEntry));
    g_autoptr(GArray) odd = g_array_new(FALSE, FALSE, sizeof(OddRange));
    if (!read_all(f, installed, odd, error))
        return FALSE;
    fw_sets_normalize(desired);
    fw_sets_drop_covered(desired);
    g_autoptr(GArray) changes = g_array_new(FALSE, FALSE, sizeof(FwChange));
    FwReconcileStats rs = {.hooks_fixed = fixed};
    fw_sets_diff(installed, desired, timed, RECONCILE_SLACK_S, changes, &rs);

    Batch bt;
    batch_init(&bt, f);
    /* Hand-made ranges that are no prefix go first, start and end alike. */
    for (int fam = 0; fam < N_FAMS; fam++) {
        ElemWriter w;
        writer_init(&w, &bt, net_set[fam], FW_CHANGE_REMOVE, FALSE);
        for (guint i = 0; i < odd->len; i++) {
            const OddRange *o = &g_array_index(odd, OddRange, i);
            if (o->fam != fam)
                continue;
            elem_put(&w, o->start, fam_bytes(fam), FALSE, 0);
            if (o->has_end)
                elem_put(&w, o->end, fam_bytes(fam), TRUE, 0);
            rs.removed++;
        }
        elem_flush(&w);
    }
    /* The installed entries are all present: removals need no DESTROY. */
    put_changes(&bt, (const FwChange *)changes->data, changes->len, installed, TRUE,
                f->update_timeout != 1);
    gboolean ok = batch_commit(&bt, "reconcile", NULL, error);
    batch_clear(&bt);
    if (ok && stats) {
        stats->added = rs.added;
        stats->removed = rs.removed;
        stats->duplicates = 0;
        stats->hooks_fixed = rs.hooks_fixed;
        stats->updated = rs.updated;
    }
    f->last.duration_us = g_get_monotonic_time() - start;
    return ok;
}

static gboolean
nft_reconcile(Fw *fw, const IpPrefix *desired, gsize n, FwReconcileStats *stats, GError **error)
{
    g_autoptr(GArray) want = fw_sets_entries_from_prefixes(desired, n);
    return reconcile_entries(nft_of(fw), want, FALSE, stats, error);
}

static gboolean
nft_reconcile_timed(Fw *fw, const FwChange *desired, gsize n, FwReconcileStats *stats,
                    GError **error)
{
    g_autoptr(GArray) want = fw_sets_entries_from_changes(desired, n);
    return reconcile_entries(nft_of(fw), want, TRUE, stats, error);
}

static gboolean
nft_flush(Fw *fw, GError **error)
{
    FwNft *f = nft_of(fw);
    gint64 start = g_get_monotonic_time();
    memset(&f->last, 0, sizeof f->last);
    if (!nl_open(f, error))
        return FALSE;
    Batch bt;
    batch_init(&bt, f);
    struct nftnl_table *t = nftnl_table_alloc();
    nftnl_table_set_str(t, NFTNL_TABLE_NAME, f->table);
    nftnl_table_set_u32(t, NFTNL_TABLE_FAMILY, NFPROTO_INET);
    struct nlmsghdr *nlh = batch_msg(&bt, NFT_MSG_DELTABLE, 0);
    nftnl_table_nlmsg_build_payload(nlh, t);
    batch_next(&bt);
    nftnl_table_free(t);
    int err = 0;
    GError *local = NULL;
    gboolean ok = batch_commit(&bt, "flush", &err, &local);
    batch_clear(&bt);
    if (!ok && err == ENOENT) { /* nothing to remove */
        g_clear_error(&local);
        ok = TRUE;
    }
    if (local)
        g_propagate_error(error, local);
    f->destroy_elem = -1;
    f->update_timeout = -1;
    f->last.duration_us = g_get_monotonic_time() - start;
    return ok;
}

static void
nft_free(Fw *fw)
{
    FwNft *f = nft_of(fw);
    if (f->nl)
        mnl_socket_close(f->nl);
    g_free(f);
}

static const FwOps nft_ops = {
    .kind = FW_BACKEND_NFTABLES,
    .name = "nftables",
    .ensure = nft_ensure,
    .apply = nft_apply,
    .list = nft_list,
    .reconcile = nft_reconcile,
    .flush = nft_flush,
    .free = nft_free,
    .reconcile_timed = nft_reconcile_timed,
    .list_timed = nft_list_timed,
};

Fw *
fw_nft_new(const FwConfig *cfg, GError **error)
{
    gsize n = strlen(cfg->chain);
    if (n == 0 || n >= FW_CHAIN_MAX) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                    "fw-nft: the table name (the chain setting) must be 1 to %d characters",
                    FW_CHAIN_MAX - 1);
        return NULL;
    }
    for (const char *p = cfg->chain; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '_' && *p != '-') {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "fw-nft: the table name '%s' may hold only letters, digits, '_' and '-'",
                        cfg->chain);
            return NULL;
        }
    }
    if (cfg->n_hooks == 0) {
        g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG, "fw-nft: no hook configured");
        return NULL;
    }
    for (guint i = 0; i < cfg->n_hooks; i++) {
        gboolean known = FALSE;
        for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++)
            known = known || strcmp(cfg->hooks[i], hooks[h].name) == 0 ||
                    g_strcmp0(cfg->hooks[i], hooks[h].alias) == 0;
        if (!known) {
            g_set_error(error, ALERTBAN_ERROR, ALERTBAN_ERROR_CONFIG,
                        "fw-nft: unknown hook '%s' (INPUT, FORWARD, OUTPUT, PREROUTING or "
                        "DOCKER-USER)",
                        cfg->hooks[i]);
            return NULL;
        }
    }
    FwNft *f = g_new0(FwNft, 1);
    f->parent.ops = &nft_ops;
    f->cfg = *cfg;
    for (gsize i = 0; i <= n; i++)
        f->table[i] = g_ascii_tolower(cfg->chain[i]);
    f->destroy_elem = -1;
    f->update_timeout = -1;
    return &f->parent;
}

const FwConfig *
fw_nft_config(Fw *fw)
{
    return &nft_of(fw)->cfg;
}

void
fw_nft_last_stats(Fw *fw, FwNftStats *out)
{
    *out = nft_of(fw)->last;
}

static int
count_cb(const struct nlmsghdr *nlh, void *data)
{
    (void)nlh;
    (*(guint *)data)++;
    return MNL_CB_OK;
}

gboolean
fw_nft_available(const FwConfig *cfg)
{
    g_autoptr(Fw) fw = fw_nft_new(cfg, NULL);
    if (!fw)
        return FALSE;
    FwNft *f = nft_of(fw);
    if (!nl_open(f, NULL))
        return FALSE;
    guint chains = 0;
    gboolean missing = FALSE;
    /* Asking for our table's chains: the kernel answers (with them, or with "no such table")
     * exactly when it has nf_tables. */
    return dump(f, NFT_MSG_GETCHAIN, build_table_ref, f, count_cb, &chains, &missing,
                "the kernel's nftables support", NULL);
}

/* ---- the counters (fw_counters.h) ---- */

/* The hook name a base chain's counts go under: the forward chain serves hook DOCKER-USER
 * when that is configured and FORWARD is not. */
static const char *
hook_label(const FwConfig *cfg, gsize h)
{
    static const char *const labels[] = {"input", "forward", "output", "prerouting"};
    G_STATIC_ASSERT(G_N_ELEMENTS(labels) == G_N_ELEMENTS(hooks));
    if (hooks[h].alias) {
        gboolean name = FALSE, alias = FALSE;
        for (guint i = 0; i < cfg->n_hooks; i++) {
            name |= strcmp(cfg->hooks[i], hooks[h].name) == 0;
            alias |= strcmp(cfg->hooks[i], hooks[h].alias) == 0;
        }
        if (alias && !name)
            return "docker-user";
    }
    return labels[h];
}

gboolean
fw_nft_counters_read(const FwConfig *cfg, GArray *out, GError **error)
{
    g_return_val_if_fail(g_array_get_element_size(out) == sizeof(FwDropCount), FALSE);
    /* A handle of its own: its socket is this thread's alone. */
    g_autoptr(Fw) fw = fw_nft_new(cfg, error);
    if (!fw)
        return FALSE;
    FwNft *f = nft_of(fw);
    if (!nl_open(f, error))
        return FALSE;
    ChainState st;
    g_autofree char *what = g_strdup_printf("the rules of table inet %s", f->table);
    /* Only the rules: their counters are all there is to read, and a missing table (not
     * made yet, or flushed) counts nothing. A commit beside the dump (the daemon's, or
     * another tool's) interrupts it: read again, from a fresh socket, a few times. */
    for (guint attempt = 1;; attempt++) {
        memset(&st, 0, sizeof st);
        st.f = f;
        gboolean missing;
        int err = 0;
        g_autoptr(GError) local = NULL;
        if (dump_errno(f, NFT_MSG_GETRULE, build_rule_ref, f, rule_dump_cb, &st, &missing, what,
                       &err, &local))
            break;
        if (err != EINTR || attempt == DUMP_ATTEMPTS) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        /* The rest of the interrupted dump may still be queued on the socket. */
        mnl_socket_close(f->nl);
        f->nl = NULL;
        if (!nl_open(f, error))
            return FALSE;
    }
    HookPlan plan[G_N_ELEMENTS(hooks)];
    (void)plan_hooks(cfg, plan);
    for (int fam = 0; fam < N_FAMS; fam++) {
        for (gsize h = 0; h < G_N_ELEMENTS(hooks); h++) {
            if (!plan[h].want)
                continue;
            FwDropCount d = {.family = fam == FAM4 ? AF_INET : AF_INET6};
            g_strlcpy(d.hook, hook_label(cfg, h), sizeof d.hook);
            for (int dst = 0; dst < 2; dst++) {
                for (int net = 0; net < 2; net++) {
                    d.packets += st.counts[h][fam][dst][net].packets;
                    d.bytes += st.counts[h][fam][dst][net].bytes;
                }
            }
            g_array_append_val(out, d);
        }
    }
    return TRUE;
}
