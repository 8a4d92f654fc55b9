#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package: scripts/deb builds it from this tree with dpkg-buildpackage and lintian
# finds nothing (no error, no warning, no info tag); unpacked into a scratch root it holds the
# programs, the unit with its paths filled in (and a systemd-analyze security exposure of at
# most 2.5), the configuration as a conffile that the installed daemon accepts, the man pages,
# the completion, and the Grafana dashboard and Prometheus rules as examples; its maintainer
# scripts add the system user and do not enable the unit.
set -eu
. "$(dirname "$0")/lib/common.sh"
ab_enter_netns "$@"
for tool in dpkg-buildpackage dh lintian dpkg-deb; do
    command -v "$tool" >/dev/null 2>&1 || ab_skip "$tool is not installed (scripts/setup installs it)"
done

echo "== dpkg-buildpackage -us -uc -b in a scratch copy, then lintian"
t0=$(date +%s)
"$AB_SRC/scripts/deb" "$AB_TMP/deb" >"$AB_TMP/deb.out" 2>&1 || { cat "$AB_TMP/deb.out" >&2; ab_fail "scripts/deb failed"; }
echo "built and checked in $(( $(date +%s) - t0 )) s"
if grep -E '^[EWIXP]: ' "$AB_TMP/deb/lintian.txt"; then
    ab_fail "lintian tags (see above)"
fi
DEB=$(ls "$AB_TMP"/deb/alertban_*.deb)
for f in "$AB_SRC"/../*.deb "$AB_SRC"/../*.changes "$AB_SRC/debian/alertban" "$AB_SRC/obj-"*; do
    [ ! -e "$f" ] || ab_fail "the build left $f behind"
done

echo "== unpacked into a scratch root"
ROOT="$AB_TMP/root"
dpkg-deb -x "$DEB" "$ROOT"
dpkg-deb -e "$DEB" "$ROOT/DEBIAN"
for f in usr/sbin/alertband usr/sbin/alertban; do
    [ -x "$ROOT/$f" ] || ab_fail "no executable $f"
done
for f in lib/systemd/system/alertban.service etc/alertban/alertban.conf \
    usr/share/man/man8/alertband.8.gz usr/share/man/man8/alertban.8.gz \
    usr/share/man/man5/alertban.conf.5.gz usr/share/bash-completion/completions/alertban \
    usr/share/doc/alertban/copyright usr/share/doc/alertban/examples/alertban.json \
    usr/share/doc/alertban/examples/alertban-rules.yml; do
    [ -f "$ROOT/$f" ] || ab_fail "no $f in the package"
done
UNIT="$ROOT/lib/systemd/system/alertban.service"
grep -qx 'ExecStart=/usr/sbin/alertband -c /etc/alertban/alertban.conf' "$UNIT" ||
    ab_fail "ExecStart is not the installed path: $(grep ExecStart= "$UNIT")"
! grep -q '@[A-Z]*@' "$UNIT" || ab_fail "the unit has unfilled @VARS@"
grep -qx 'Type=notify' "$UNIT" && grep -qx 'User=alertban' "$UNIT" || ab_fail "unit is not Type=notify, User=alertban"
if systemd-analyze security --offline=yes "$UNIT" >"$AB_TMP/security" 2>&1; then
    level=$(sed -n 's/.*Overall exposure level for alertban.service: \([0-9.]*\).*/\1/p' "$AB_TMP/security")
    echo "systemd-analyze security: $level"
    awk -v l="$level" 'BEGIN { exit !(l != "" && l <= 2.5) }' || ab_fail "exposure $level is above 2.5"
else
    echo "(systemd-analyze security --offline is not available here)"
fi

echo "== the configuration: a conffile, the system paths, accepted by the installed daemon"
[ "$(cat "$ROOT/DEBIAN/conffiles")" = /etc/alertban/alertban.conf ] ||
    ab_fail "conffiles: $(cat "$ROOT/DEBIAN/conffiles")"
CONF="$ROOT/etc/alertban/alertban.conf"
grep -qx 'state_dir = /var/lib/alertban' "$CONF" && grep -qx 'socket = /run/alertban/alertban.sock' "$CONF" ||
    ab_fail "the packaged configuration does not use the system paths"
"$ROOT/usr/sbin/alertband" --check-config -c "$CONF" >"$AB_TMP/check" 2>&1 ||
    { cat "$AB_TMP/check" >&2; ab_fail "the installed daemon rejects the packaged configuration"; }
man -l "$ROOT/usr/share/man/man8/alertband.8.gz" >/dev/null 2>&1 || ab_fail "alertband.8 does not render"

echo "== the maintainer scripts, run against commands that record what they are asked"
# Each system-changing command is replaced by one that logs its arguments: the scripts' own
# logic (create the user once, never enable the unit on a first install) runs for real.
STUBS="$AB_TMP/stubs"
mkdir "$STUBS"
for cmd in adduser deb-systemd-helper deb-systemd-invoke systemctl alertband; do
    cat >"$STUBS/$cmd" <<S
#!/bin/sh
echo "$cmd \$*" >>"$AB_TMP/calls"
case "$cmd \$1" in
"deb-systemd-helper debian-installed"|"deb-systemd-helper --quiet") exit 1 ;;
esac
exit 0
S
    chmod +x "$STUBS/$cmd"
done
printf '#!/bin/sh\nexit 2\n' >"$STUBS/getent" # no user alertban yet
chmod +x "$STUBS/getent"
: >"$AB_TMP/calls"
PATH="$STUBS:$PATH" sh -e "$ROOT/DEBIAN/postinst" configure
cat "$AB_TMP/calls"
grep -qx 'adduser --quiet --system --group --no-create-home --home /var/lib/alertban alertban' "$AB_TMP/calls" ||
    ab_fail "postinst did not add the system user"
! grep -q 'deb-systemd-helper enable' "$AB_TMP/calls" || ab_fail "postinst enabled the unit on a first install"
printf '#!/bin/sh\necho "alertban:x:999:999::/var/lib/alertban:/usr/sbin/nologin"\n' >"$STUBS/getent"
: >"$AB_TMP/calls"
PATH="$STUBS:$PATH" sh -e "$ROOT/DEBIAN/postinst" configure 0.1.0
! grep -q adduser "$AB_TMP/calls" || ab_fail "postinst added the user a second time"
grep -q "alertband --flush" "$ROOT/DEBIAN/prerm" || ab_fail "prerm does not take the bans out on remove"
grep -q 'rm -rf /var/lib/alertban' "$ROOT/DEBIAN/postrm" || ab_fail "postrm does not purge the state"
echo "PASS"
