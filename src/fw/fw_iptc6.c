// SPDX-License-Identifier: GPL-2.0-or-later
// The IPv6 half of the libiptc backend: fw_iptc_family.inc compiled against libip6tc.
#include <libiptc/libip6tc.h>
#include <linux/netfilter_ipv6/ip6t_REJECT.h>

#define FAM_SYM fw_iptc_family6
#define FAM_AF AF_INET6
#define FAM_NAME "IPv6"
#define FAM_TOOL "ip6tables-legacy"
#define FAM_ALEN 16
#define ENTRY struct ip6t_entry
#define IPPART(e) ((e)->ipv6)
#define X(fn) ip6tc_##fn
#define INV_SRC IP6T_INV_SRCIP
#define INV_DST IP6T_INV_DSTIP
#define INV_VIA_IN IP6T_INV_VIA_IN
#define FAM_NAMES_FILE "/proc/net/ip6_tables_names"
#define REJECT_INFO struct ip6t_reject_info
#define REJECT_TCP_RESET IP6T_TCP_RESET
#define REJECT_PORT_UNREACH IP6T_ICMP6_PORT_UNREACH
/* ip6_tables matches the protocol only with IP6T_F_PROTO set, and REJECT's tcp-reset checks
 * for it. */
#define SET_PROTO_TCP(e) ((e)->ipv6.proto = IPPROTO_TCP, (e)->ipv6.flags |= IP6T_F_PROTO)

#include "fw_iptc_family.inc"
