// SPDX-License-Identifier: GPL-2.0-or-later
// The IPv4 half of the libiptc backend: fw_iptc_family.inc compiled against libip4tc.
#include <libiptc/libiptc.h>
#include <linux/netfilter_ipv4/ipt_REJECT.h>

#define FAM_SYM fw_iptc_family4
#define FAM_AF AF_INET
#define FAM_NAME "IPv4"
#define FAM_TOOL "iptables-legacy"
#define FAM_ALEN 4
#define ENTRY struct ipt_entry
#define IPPART(e) ((e)->ip)
#define X(fn) iptc_##fn
#define INV_SRC IPT_INV_SRCIP
#define INV_DST IPT_INV_DSTIP
#define INV_VIA_IN IPT_INV_VIA_IN
#define FAM_NAMES_FILE "/proc/net/ip_tables_names"
#define REJECT_INFO struct ipt_reject_info
#define REJECT_TCP_RESET IPT_TCP_RESET
#define REJECT_PORT_UNREACH IPT_ICMP_PORT_UNREACHABLE
#define SET_PROTO_TCP(e) ((e)->ip.proto = IPPROTO_TCP)

#include "fw_iptc_family.inc"
