#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# fw-packets.sh against the ipset backend: real TCP and ICMP between two namespaces, drop and
# reject, established connections cut, another address unaffected, IPv4 and IPv6,
# direction = both.
AB_FW_BACKEND=ipset
export AB_FW_BACKEND
exec "$(dirname "$0")/fw-packets.sh" "$@"
