#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# cut-restored.sh against the nftables backend.
AB_BACKEND=nftables
export AB_BACKEND
exec "$(dirname "$0")/cut-restored.sh" "$@"
