#!/bin/bash
# systemd-test.sh: runs the units under a real systemd, as an operator would.
#
# PID 1 on the build machines is not systemd, so this boots one: a Debian
# bookworm root made once with debootstrap (cached outside the checkout, keyed
# by the package list and mirror) under systemd-nspawn with a private network
# and a throw-away overlay over the root. It installs overlayd into the running
# container with `make install DESTDIR=/proc/PID/root`, then checks: the
# sysusers file makes the user; the controller and overlayd-node@alice/@bob
# come up `active (running)` once READY and answer on their control sockets;
# alice runs with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE alone and
# /dev/net/tun in a /dev of her own, and has her TUN, ovl0, up with mtu 1420
# and her overlay IP; bob, a `tun = "off"` node with the drop-in of
# docs/operations.md, has no capability and no TUN, and so also `dns = "off"`
# (port 53 is not his): his journal says the resolver is off (dns-off);
# `systemctl status` shows their STATUS lines; `overlayctl peers` on alice
# shows bob up; the journal holds alice's PONGs from bob with their fields;
# the passphrases arrive through LoadCredentialEncrypted=.
# Names (systemd-resolved runs in the container, libnss-resolve in its NSS):
# alice's journal says dns-host-wired through resolved on ovl0; `resolvectl`
# shows her overlay IP as ovl0's DNS server, ~overlay.internal and the
# reverse zone as its routing-only domains and no default route on it;
# `resolvectl query` and `getent hosts` (NSS) answer bob.overlay.internal
# with bob's overlay IP and the reverse of that IP with bob.overlay.internal;
# nobody.overlay.internal is not found; `overlayctl resolve bob` on alice
# answers from her own resolver.
# A stopped (SIGSTOP) alice is restarted by the watchdog and makes ovl0 again
# and wires it into resolved again; a stopped bob stops resolving (NXDOMAIN)
# within a bounded wait; `systemctl stop` leaves no socket, no ovl0 and no
# ovl0 link or ~overlay.internal domain in resolved; the controller's control
# socket activates it; a second install keeps the configs.
#
# The mirror for debootstrap is OVERLAYD_TEST_MIRROR, or else the first Debian
# archive in this machine's apt sources; there is no built-in one. When none
# is found, or it does not serve bookworm, the test fails (exit 1) and says
# what it read.
#
# Skips (exit 0, one SKIP line saying why) where no container can start: not
# root, no systemd-nspawn/debootstrap, no /dev/net/tun. Any failed check exits
# 1 and shows the unit's status and journal.
#
# Environment: OVERLAYD_TEST_HOLD=1 keeps a failed run's container for
# inspection (nsenter -t PID -a); OVERLAYD_TEST_CACHE (default
# /var/cache/overlayd-test) holds the root image; OVERLAYD_TEST_MIRROR is the
# Debian mirror (default: from apt's sources); OVERLAYD_TEST_SKIP_TUN=1 leaves
# out the TUN checks (and with them bob's `dns = "off"` and the names checks,
# which need alice's ovl0), for a node binary without a data plane.
set -euo pipefail

cd "$(dirname "$0")/.."
START=$SECONDS
CACHE=${OVERLAYD_TEST_CACHE:-/var/cache/overlayd-test}
export PATH=$PATH:/opt/swift/usr/bin

say() { printf '%s\n' "$*"; }
pass() { printf 'ok   %s\n' "$*"; }
skip() { printf 'SKIP systemd-test: %s\n' "$*"; exit 0; }

# --- can a container start here? -------------------------------------------

[ "$(id -u)" = 0 ] || skip "needs root for debootstrap and systemd-nspawn (run: sudo make systemd-test)"
for tool in systemd-nspawn debootstrap nsenter jq; do
    command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (make deps installs it)"
done
[ -c /dev/net/tun ] || skip "/dev/net/tun is missing on this host (modprobe tun), so no node can have its TUN interface"
# OVERLAYD_TEST_SKIP_TUN=1: for a node binary without a data plane yet (no
# --tun, no `tun` config key): leaves out the ovl0 checks and bob's `tun = "off"`.
SKIP_TUN=${OVERLAYD_TEST_SKIP_TUN:-}

# The Debian archive to debootstrap from: OVERLAYD_TEST_MIRROR, or the first
# archive this machine's apt already uses for Debian (never a built-in host
# name: the test must use the mirror the machine is set up for, or fail).
# Read: one-line entries in /etc/apt/sources.list and sources.list.d/*.list,
# and deb822 stanzas in sources.list.d/*.sources. Only `deb` entries count,
# not `deb-src`, commented-out ones or stanzas with `Enabled: no`. An entry for
# the suite bookworm wins; else the first for a plain suite name (a codename
# such as trixie, or stable/testing/sid: no -updates, -security, ...) whose
# URI does not name a security archive. Whether it carries bookworm is
# checked below, before debootstrap uses it.
APT_SOURCES=(/etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
apt_entries() { # prints "URI SUITE" for each enabled deb entry, in apt's file order
    local f
    for f in "${APT_SOURCES[@]}"; do
        [ -f "$f" ] || continue
        case $f in
            *.sources)
                # deb822: stanzas separated by blank lines; URIs and Suites may
                # hold several values, continuation lines start with blanks.
                awk '
                    function flush(   i, j, nu, ns, u, s) {
                        if (types ~ /(^|[ \t])deb([ \t]|$)/ && tolower(enabled) != "no") {
                            nu = split(uris, u, /[ \t]+/); ns = split(suites, s, /[ \t]+/)
                            for (i = 1; i <= nu; i++) for (j = 1; j <= ns; j++)
                                if (u[i] != "" && s[j] != "") print u[i], s[j]
                        }
                        types = uris = suites = enabled = ""; key = ""
                    }
                    /^[ \t]*#/ { next }
                    /^[ \t]*$/ { flush(); next }
                    /^[ \t]/ { if (key == "uris") uris = uris " " $0; else if (key == "suites") suites = suites " " $0; else if (key == "types") types = types " " $0; next }
                    {
                        key = tolower($0); sub(/:.*/, "", key)
                        val = $0; sub(/^[^:]*:[ \t]*/, "", val)
                        if (key == "types") types = val
                        else if (key == "uris") uris = val
                        else if (key == "suites") suites = val
                        else if (key == "enabled") enabled = val
                    }
                    END { flush() }
                ' "$f" ;;
            *)
                # deb [ options ] URI SUITE COMPONENT...
                sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" | awk '$1 == "deb" && NF >= 3 { print $2, $3 }' ;;
        esac
    done
}
mirror() {
    if [ -n "${OVERLAYD_TEST_MIRROR:-}" ]; then echo "${OVERLAYD_TEST_MIRROR%/}"; return; fi
    local m
    m=$(apt_entries | awk '$2 == "bookworm" { print $1; exit }')
    [ -n "$m" ] || m=$(apt_entries | awk '$2 ~ /^[a-z]+$/ && $1 !~ /security/ { print $1; exit }')
    echo "${m%/}"
}
# Fails (exit 1: a test that skips for want of a mirror would hide that the
# units were never tested) and says what it read.
no_mirror() { # REASON
    say "FAIL systemd-test: $1"
    local env="not set"
    [ -z "${OVERLAYD_TEST_MIRROR:-}" ] || env="set to $OVERLAYD_TEST_MIRROR"
    say "  The root image is made with debootstrap from a Debian mirror: OVERLAYD_TEST_MIRROR"
    say "  ($env), else the first Debian archive in apt's sources. Read:"
    local f seen=
    for f in "${APT_SOURCES[@]}"; do
        [ -f "$f" ] || continue
        seen=1
        say "    $f: $(apt_entries_of "$f")"
    done
    [ -n "$seen" ] || say "    nothing: none of /etc/apt/sources.list, /etc/apt/sources.list.d/*.list, /etc/apt/sources.list.d/*.sources exists"
    say "  Set OVERLAYD_TEST_MIRROR to a Debian archive URL that carries bookworm (one with dists/bookworm/Release), e.g."
    say "    sudo OVERLAYD_TEST_MIRROR=http://MIRROR-HOST/debian make systemd-test"
    exit 1
}
apt_entries_of() { # FILE: its deb entries on one line, or why it has none
    local out
    out=$(APT_SOURCES=("$1"); apt_entries | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')
    echo "${out:-no enabled deb entry}"
}
MIRROR=$(mirror)
[ -n "$MIRROR" ] || no_mirror "no Debian mirror found in apt's sources and OVERLAYD_TEST_MIRROR is not set"

# --- the root image ---------------------------------------------------------

# systemd, with systemd-resolved and libnss-resolve (the host lookups the
# nodes wire their names into; Debian's systemd-resolved enables itself),
# what the operator's commands here use (kill for ExecReload=, useradd,
# runuser, ip for the nodes' TUN interfaces, resolvectl and getent for
# names), and the shared libraries the release binaries load besides libc
# (`ldd`: OpenSSL, SQLite, libsystemd, zlib, libstdc++); the installed
# binaries are checked with ldd inside the container. The image's cache key
# is made from these lists, so a change here makes a new image.
PACKAGES=dbus,iproute2,libgcc-s1,libnss-resolve,libsqlite3-0,libssl3,libstdc++6,libsystemd0,openssl,passwd,procps,systemd,systemd-resolved,util-linux,zlib1g
# Installed with apt inside the new root after debootstrap: polkitd, which
# systemd-resolved asks whether the unprivileged node may set its link's DNS
# (the rule `make install` ships says yes). debootstrap cannot configure it
# in its own base pass ("Failure while configuring base packages").
EXTRA_PACKAGES="polkitd"
KEY=$(printf 'bookworm minbase %s %s %s\n' "$MIRROR" "$PACKAGES" "$EXTRA_PACKAGES" | sha256sum | cut -c1-16)
ROOT=$CACHE/bookworm-$KEY
WORK=$(mktemp -d /tmp/overlayd-systemd-test.XXXXXX)
MACHINE=overlayd-test-$$
NSPAWN=
P=
HOLD=
cleanup() {
    local rc=$?
    mountpoint -q "$ROOT.tmp/proc" 2>/dev/null && umount "$ROOT.tmp/proc"
    if [ -n "$HOLD" ]; then kill "$HOLD" 2>/dev/null || true; fi
    if [ -n "$NSPAWN" ] && kill -0 "$NSPAWN" 2>/dev/null; then
        kill -TERM "$NSPAWN" 2>/dev/null || true
        wait "$NSPAWN" 2>/dev/null || true
    fi
    # nspawn leaves payload/ and supervisor/ below our cgroup: remove them, deepest first.
    for h in systemd unified; do
        [ -d "/sys/fs/cgroup/$h/$MACHINE" ] && find "/sys/fs/cgroup/$h/$MACHINE" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    rm -rf "$WORK"
    exit $rc
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT

if [ ! -e "$ROOT/.complete" ]; then
    curl -fsS -o /dev/null --max-time 20 "$MIRROR/dists/bookworm/Release" 2>"$WORK/curl.err" \
        || no_mirror "the mirror $MIRROR has no bookworm or is not reachable ($(cat "$WORK/curl.err")), so no root image can be made"
    mkdir -p "$CACHE"
    exec 9>"$CACHE/.lock"
    flock 9    # another run may be making the same root
fi
if [ ! -e "$ROOT/.complete" ]; then
    say "making the bookworm root $ROOT (once; packages $PACKAGES, then $EXTRA_PACKAGES) ..."
    for old in "$CACHE"/bookworm-*; do [ -e "$old" ] && [ "$old" != "$ROOT" ] && rm -rf "$old"; done
    rm -rf "$ROOT.tmp"
    t0=$SECONDS
    if ! debootstrap --variant=minbase --include="$PACKAGES" bookworm "$ROOT.tmp" "$MIRROR" >"$WORK/debootstrap.log" 2>&1; then
        tail -n 30 "$WORK/debootstrap.log"
        rm -rf "$ROOT.tmp"
        say "FAIL systemd-test: debootstrap failed (above)"
        exit 1
    fi
    # apt in the new root resolves the mirror with this machine's resolver (the
    # root's own resolv.conf points at a resolved that is not running there).
    mv "$ROOT.tmp/etc/resolv.conf" "$ROOT.tmp/etc/resolv.conf.image"
    cp -L /etc/resolv.conf "$ROOT.tmp/etc/resolv.conf"
    mount -t proc proc "$ROOT.tmp/proc"
    extra_rc=0
    chroot "$ROOT.tmp" /usr/bin/env DEBIAN_FRONTEND=noninteractive /bin/sh -c \
        "apt-get update -q && apt-get install -y -q --no-install-recommends $EXTRA_PACKAGES" \
        >"$WORK/extra.log" 2>&1 || extra_rc=$?
    umount "$ROOT.tmp/proc"
    mv -f "$ROOT.tmp/etc/resolv.conf.image" "$ROOT.tmp/etc/resolv.conf"
    if [ "$extra_rc" != 0 ]; then
        tail -n 30 "$WORK/extra.log"
        rm -rf "$ROOT.tmp"
        say "FAIL systemd-test: installing $EXTRA_PACKAGES into the new root from $MIRROR failed (above)"
        exit 1
    fi
    rm -rf "$ROOT.tmp/var/cache/apt/archives/"*.deb "$ROOT.tmp/var/lib/apt/lists/"*_dists_*
    touch "$ROOT.tmp/.complete"
    mv "$ROOT.tmp" "$ROOT"
    pass "root image made in $((SECONDS - t0)) s"
    exec 9>&-
else
    pass "root image $ROOT (cached)"
fi

# --- the release binaries ---------------------------------------------------

say "building the release binaries (static Swift runtime) ..."
t0=$SECONDS
if ! make -s release >"$WORK/build.log" 2>&1; then
    tail -n 40 "$WORK/build.log"
    say "FAIL systemd-test: the release build failed (above)"
    exit 1
fi
pass "release build ($((SECONDS - t0)) s)"

# --- boot it ----------------------------------------------------------------


# With --keep-unit the container lands in our cgroup; give it its own so that
# another container started at the same time does not share it.
(
    for h in systemd unified; do
        if [ -d "/sys/fs/cgroup/$h" ] && mkdir -p "/sys/fs/cgroup/$h/$MACHINE" 2>/dev/null; then
            echo "$BASHPID" >"/sys/fs/cgroup/$h/$MACHINE/cgroup.procs" 2>/dev/null || true
        fi
    done
    # The nodes' TUN: nspawn already copies /dev/net/tun into the container's
    # /dev and, with --private-network, keeps CAP_NET_ADMIN in its bounding
    # set (otherwise it drops it); both are asked for here anyway, so that the
    # container keeps them whatever the defaults, and alice's unit (its
    # AmbientCapabilities= and DeviceAllow=) is what decides. The container
    # has no user namespace of its own: its network namespace belongs to the
    # initial user namespace, as a host's does.
    exec systemd-nspawn -D "$ROOT" --boot --machine="$MACHINE" --register=no --keep-unit \
        --console=pipe --volatile=overlay --private-network \
        --capability=CAP_NET_ADMIN --bind=/dev/net/tun </dev/null >"$WORK/nspawn.log" 2>&1
) &
NSPAWN=$!

deadline() { echo $((SECONDS + $1)); }
until_ok() { # SECONDS COMMAND...: runs COMMAND until it succeeds; fails after SECONDS
    local end
    end=$(deadline "$1"); shift
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$end" ] || return 1
        sleep 0.2
    done
}

t0=$SECONDS
end=$(deadline 30)
until P=$(pgrep -P "$NSPAWN" -x systemd 2>/dev/null) && [ -n "$P" ]; do
    if ! kill -0 "$NSPAWN" 2>/dev/null || [ "$SECONDS" -ge "$end" ]; then
        cat "$WORK/nspawn.log"
        skip "systemd-nspawn could not boot the container (its output is above)"
    fi
    sleep 0.1
done

# E runs a command inside the container, with a clean environment.
E() { nsenter -t "$P" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        LANG=C.UTF-8 SYSTEMD_COLORS=0 SYSTEMD_PAGER= "$@"; }
booted() { case $(E systemctl is-system-running 2>/dev/null) in running|degraded) return 0 ;; *) return 1 ;; esac; }
if ! until_ok 60 booted; then
    E systemctl --failed --no-pager || true
    cat "$WORK/nspawn.log"
    skip "the container's systemd did not finish booting (state: $(E systemctl is-system-running 2>&1))"
fi
pass "container booted: systemd $(E systemctl --version | head -n1 | cut -d' ' -f2), $(E systemctl is-system-running) in $((SECONDS - t0)) s"

# Fails with what an operator would look at: the unit's status and journal.
fail() { # UNIT MESSAGE
    say "FAIL $2"
    if [ -n "$1" ]; then
        E systemctl status --no-pager -l "$1" || true
        E journalctl -u "$1" --no-pager -n 80 -o short-precise || true
    fi
    if [ -n "${OVERLAYD_TEST_HOLD:-}" ]; then
        say "holding the container for inspection: nsenter -t $P -a; kill $$ to end"
        sleep 3600 &
        HOLD=$!
        wait "$HOLD" || true
    fi
    exit 1
}
show() { E systemctl show -P "$2" "$1"; } # UNIT PROPERTY

# --- systemd-resolved, before any node starts --------------------------------

# The nodes' default `dns-host = "auto"` wires their names into resolved when
# it owns org.freedesktop.resolve1 on the system bus as the node starts.
RESOLVED=systemd-resolved.service
[ "$(E systemctl is-enabled $RESOLVED 2>&1)" = enabled ] \
    || fail $RESOLVED "systemd-resolved is '$(E systemctl is-enabled $RESOLVED 2>&1)' in the image, not enabled (its Debian package enables it)"
resolved_on_bus() {
    [ "$(E busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus NameHasOwner s org.freedesktop.resolve1)" = "b true" ]
}
until_ok 30 resolved_on_bus \
    || fail $RESOLVED "systemd-resolved is $(show $RESOLVED ActiveState) but org.freedesktop.resolve1 has no owner on the system bus"
NSS_HOSTS=$(E awk '$1 == "hosts:"' /etc/nsswitch.conf)
[[ " $NSS_HOSTS " == *" resolve "* ]] \
    || fail "" "libnss-resolve is installed but /etc/nsswitch.conf has '$NSS_HOSTS', without resolve"
pass "systemd-resolved enabled, $(show $RESOLVED ActiveState), owns org.freedesktop.resolve1; nsswitch.conf: $NSS_HOSTS"

# --- make install into it ---------------------------------------------------

DEST=/proc/$P/root
if ! make -s install DESTDIR="$DEST" >"$WORK/install.log" 2>&1; then
    cat "$WORK/install.log"; fail "" "make install DESTDIR=$DEST failed (above)"
fi
grep -q 'systemctl daemon-reload' "$WORK/install.log" || fail "" "make install printed no daemon-reload hint"
pass "make install DESTDIR=/proc/<container>/root (PREFIX=/usr/local)"

E ldd /usr/local/bin/overlayd-node | grep -q 'not found' \
    && { E ldd /usr/local/bin/overlayd-node; fail "" "the installed overlayd-node misses shared libraries in the container"; }
E test ! -e /opt/swift || fail "" "the container has /opt/swift; the static binaries would not be tested"
pass "installed binaries load in a bare bookworm (no Swift runtime installed)"

E systemd-sysusers /usr/local/lib/sysusers.d/overlayd.conf || fail "" "systemd-sysusers could not apply the installed overlayd.conf"
E id overlayd >/dev/null || fail "" "systemd-sysusers made no overlayd user"
pass "systemd-sysusers made the overlayd user: $(E id overlayd)"
E systemd-tmpfiles --create /usr/local/lib/tmpfiles.d/overlayd.conf \
    || fail "" "systemd-tmpfiles could not apply the installed overlayd.conf"
[ "$(E stat -c '%U:%G %a' /run/overlayd)" = "overlayd:overlayd 750" ] \
    || fail "" "/run/overlayd is $(E stat -c '%U:%G %a' /run/overlayd), not overlayd:overlayd 750, after systemd-tmpfiles"
pass "systemd-tmpfiles made /run/overlayd (overlayd:overlayd 750)"
E systemctl daemon-reload
[ "$(show overlayd-node@alice.service FragmentPath)" = /usr/local/lib/systemd/system/overlayd-node@.service ] \
    || fail "" "systemd does not load overlayd-node@.service from /usr/local/lib/systemd/system"
pass "systemd finds the units in /usr/local/lib/systemd/system"

# --- configs and credentials ------------------------------------------------

cat >"$DEST/etc/overlayd/controller.conf" <<'EOF'
# written by systemd-test.sh: everything on the container's loopback
listen = "127.0.0.1:7443"
advertise = ["127.0.0.1:7443"]
network = "100.64.0.0/16"
active-timeout = "5s"
EOF

# The passphrases are made and encrypted inside the container, as the docs
# say; the plain text never reaches its disk. bob uses the documented
# alternative, a plain root-only file through a LoadCredential= drop-in.
plain_credential() { # UNIT
    local f=/etc/overlayd/${1/@/-}.passphrase
    E sh -c "umask 077; head -c 32 /dev/urandom | base64 > $f"
    mkdir -p "$DEST/etc/systemd/system/$1.service.d"
    printf '[Service]\nLoadCredentialEncrypted=\nLoadCredential=passphrase:%s\n' "$f" \
        >"$DEST/etc/systemd/system/$1.service.d/plain-passphrase.conf"
}
make_credential() { # FILE-NAME
    E sh -c "umask 077; head -c 32 /dev/urandom | base64 | systemd-creds encrypt --name=passphrase --with-key=host - /etc/credstore.encrypted/$1" \
        2>"$WORK/creds.err"
}
CRED_MODE=encrypted
if make_credential overlayd-controller.passphrase; then
    make_credential overlayd-node-alice.passphrase \
        || fail "" "systemd-creds encrypt failed for alice: $(cat "$WORK/creds.err")"
    pass "controller and alice passphrases encrypted with systemd-creds --with-key=host into /etc/credstore.encrypted"
else
    CRED_MODE=plain
    say "note: systemd-creds encrypt --with-key=host failed in the container ($(cat "$WORK/creds.err"));"
    say "      falling back to LoadCredential= from plain files through drop-ins"
    plain_credential overlayd-controller
    plain_credential overlayd-node@alice
fi
plain_credential overlayd-node@bob
E systemctl daemon-reload

# --- the controller ---------------------------------------------------------

# `systemctl start` of a Type=notify unit returns once the daemon sent READY=1;
# right then the unit must be running and its socket answer.
start_and_check() { # UNIT OVERLAYCTL-ARGS...
    local unit=$1; shift
    E systemctl start "$unit" || fail "$unit" "systemctl start $unit failed"
    local state
    state="$(show "$unit" ActiveState)/$(show "$unit" SubState)"
    [ "$state" = active/running ] || fail "$unit" "$unit is $state right after systemctl start returned, not active/running"
    E overlayctl status "$@" >/dev/null 2>"$WORK/ctl.err" \
        || fail "$unit" "$unit is READY but its control socket does not answer: $(cat "$WORK/ctl.err")"
    pass "systemctl start $unit returned at READY: active (running), control socket answers"
}
start_and_check overlayd-controller.service --socket /run/overlayd/controller.sock

E test -e /run/credentials/overlayd-controller.service/passphrase \
    || fail overlayd-controller.service "the controller runs without a passphrase credential in /run/credentials"
if [ "$CRED_MODE" = encrypted ]; then
    E systemctl cat overlayd-controller.service | grep -q '^LoadCredentialEncrypted=passphrase:/etc/credstore.encrypted/' \
        || fail overlayd-controller.service "the controller unit has no LoadCredentialEncrypted="
    E sh -c '! grep -rqsE "^[[:space:]]*passphrase-file" /etc/overlayd' || fail "" "a config names a passphrase-file"
    E test ! -e /etc/overlayd/overlayd-controller.passphrase || fail "" "a plain controller passphrase file exists"
    pass "the controller read its CA passphrase through LoadCredentialEncrypted= (no plain passphrase on disk)"
else
    pass "the controller read its CA passphrase through LoadCredential= (fallback, see the note above)"
fi

# An operator in group overlayd may use overlayctl; others may not.
E useradd --no-create-home --no-user-group --groups overlayd ops
E useradd --no-create-home --no-user-group stranger
E runuser -u ops -- overlayctl status --socket /run/overlayd/controller.sock >/dev/null 2>"$WORK/ctl.err" \
    || fail overlayd-controller.service "a member of group overlayd cannot use overlayctl: $(cat "$WORK/ctl.err")"
E runuser -u stranger -- overlayctl status --socket /run/overlayd/controller.sock >/dev/null 2>&1 \
    && fail overlayd-controller.service "a user outside group overlayd can use the controller's control socket"
pass "group overlayd may use the control socket, other users may not"

# --- two nodes --------------------------------------------------------------

TOKEN=$(E overlayctl token create --ttl 10m --uses 2 --name systemd-test 2>/dev/null) \
    || fail overlayd-controller.service "overlayctl token create failed"
node_conf() { # NAME PORT
    cat >"$DEST/etc/overlayd/node/$1.conf" <<EOF
# written by systemd-test.sh: fast intervals so the checks do not wait long
join-token = "$TOKEN"
listen = "127.0.0.1:$2"
advertise = "127.0.0.1:$2"
roster-interval = "1s"
ping-interval = "1s"
ping-timeout = "1s"
EOF
    chmod 0640 "$DEST/etc/overlayd/node/$1.conf"
    E chgrp overlayd "/etc/overlayd/node/$1.conf"
}
node_conf alice 7444
node_conf bob 7445
# alice runs the shipped unit with the default TUN, ovl0, and the default
# resolver (`dns = "on"`, `dns-host = "auto"`). bob is the control-plane-only
# node of docs/operations.md: `tun = "off"` and the drop-in that takes the
# capabilities away, as the docs write it; without CAP_NET_BIND_SERVICE his
# loopback resolver could not have port 53, so `dns = "off"` too. (Two nodes
# in one network namespace could not both have ovl0 anyway.)
[ -n "$SKIP_TUN" ] || printf 'tun = "off"\ndns = "off"\n' >>"$DEST/etc/overlayd/node/bob.conf"
mkdir -p "$DEST/etc/systemd/system/overlayd-node@bob.service.d"
printf '[Service]\nAmbientCapabilities=\nCapabilityBoundingSet=\nPrivateUsers=yes\nBindPaths=\nDeviceAllow=\n' \
    >"$DEST/etc/systemd/system/overlayd-node@bob.service.d/no-tun.conf"
# A short watchdog for alice, so the SIGSTOP check below is quick.
mkdir -p "$DEST/etc/systemd/system/overlayd-node@alice.service.d"
printf '[Service]\nWatchdogSec=3s\n' >"$DEST/etc/systemd/system/overlayd-node@alice.service.d/test-watchdog.conf"
E systemctl daemon-reload

start_and_check overlayd-node@alice.service --node alice
start_and_check overlayd-node@bob.service --node bob

# --- alice's TUN, and what the unit gives her for it ------------------------

ALICE=overlayd-node@alice.service
BOB=overlayd-node@bob.service
caps() { # UNIT: the main process's effective, ambient and bounding capability sets
    E awk '/^Cap(Eff|Amb|Bnd):/ { printf "%s%s", sep, $2; sep = " " }' "/proc/$(show "$1" MainPID)/status"
}
NODE_CAPS=0000000000001400 # 1 << CAP_NET_ADMIN (12) | 1 << CAP_NET_BIND_SERVICE (10)
NONE=0000000000000000
[ "$(caps $ALICE)" = "$NODE_CAPS $NODE_CAPS $NODE_CAPS" ] \
    || fail $ALICE "alice's CapEff/CapAmb/CapBnd are $(caps $ALICE), not CAP_NET_ADMIN and CAP_NET_BIND_SERVICE ($NODE_CAPS) alone in each"
in_alice() { E nsenter -t "$(show $ALICE MainPID)" -m "$@"; } # COMMAND...: in alice's mount namespace
[ "$(in_alice stat -c %d:%i /dev)" != "$(E stat -c %d:%i /dev)" ] \
    || fail $ALICE "alice sees the container's /dev, not one of her own (PrivateDevices=yes)"
in_alice test -c /dev/net/tun || fail $ALICE "alice's own /dev has no /dev/net/tun: BindPaths= did not bring it in"
# The device cgroup itself is not enforced in this container (its devices
# hierarchy is read-only, so systemd inside cannot use it): what systemd would
# apply is checked instead.
[ "$(show $ALICE DevicePolicy)" = closed ] && show $ALICE DeviceAllow | grep -qx '/dev/net/tun rw' \
    || fail $ALICE "alice's device policy is '$(show $ALICE DevicePolicy)' with '$(show $ALICE DeviceAllow)', not closed with /dev/net/tun rw"
pass "alice runs with CAP_NET_ADMIN and CAP_NET_BIND_SERVICE alone (effective, ambient, bounding), /dev/net/tun in a /dev of her own, DevicePolicy=closed + DeviceAllow=/dev/net/tun rw"
[ "$(caps $BOB)" = "$NONE $NONE $NONE" ] \
    || fail $BOB "bob's no-tun drop-in left capabilities: CapEff/CapAmb/CapBnd $(caps $BOB)"
pass "bob (tun = \"off\" and the no-tun drop-in of docs/operations.md) runs with no capability at all"
if [ -z "$SKIP_TUN" ]; then
    dns_off() { E journalctl -u $BOB OVERLAY_EVENT=dns-off -o json --no-pager | jq -se 'length > 0'; }
    until_ok 10 dns_off || fail $BOB "bob has dns = \"off\" but his journal has no OVERLAY_EVENT=dns-off entry"
    pass "bob (dns = \"off\"): journal OVERLAY_EVENT=dns-off \"$(E journalctl -u $BOB OVERLAY_EVENT=dns-off -o cat --no-pager | tail -n1)\""
fi

tuns() { E ip -j link show type tun | jq -r '[.[].ifname] | join(" ")'; }
# ovl0 as `ip` shows it: up, MTU 1420, alice's overlay IP with the network's prefix.
ovl0_ok() {
    E ip -j addr show dev ovl0 | jq -e --arg ip "$ALICE_IP" --argjson prefix "$ALICE_PREFIX" \
        '.[0] | .mtu == 1420 and (.flags | index("UP")) != null
               and any(.addr_info[]; .family == "inet" and .local == $ip and .prefixlen == $prefix)'
}
check_ovl0() { # WHEN
    local shown
    shown=$(E ip addr show dev ovl0 2>&1 | tr -s ' \n' ' ') || true
    ovl0_ok >/dev/null \
        || fail $ALICE "$1, ovl0 is not up with mtu 1420 and $ALICE_IP/$ALICE_PREFIX; ip shows: ${shown:-nothing}"
    [ "$(tuns)" = ovl0 ] || fail $BOB "$1, the TUN interfaces are '$(tuns)', not ovl0 alone (bob has tun = \"off\")"
}
no_ovl0() { ! E ip link show dev ovl0; }
# Her overlay IP and the network's prefix, as her control socket reports them.
ALICE_IP=$(E overlayctl status --node alice --json | jq -r .overlayIP)
ALICE_PREFIX=$(E overlayctl status --node alice --json | jq -r '.network | split("/")[1]')
[[ "$ALICE_IP" =~ ^[0-9]+(\.[0-9]+){3}$ && "$ALICE_PREFIX" =~ ^[0-9]+$ ]] \
    || fail $ALICE "overlayctl status --node alice --json gives overlayIP '$ALICE_IP' and network prefix '$ALICE_PREFIX'"
if [ -n "$SKIP_TUN" ]; then
    say "SKIP ovl0 checks (OVERLAYD_TEST_SKIP_TUN=1): alice's ovl0 with $ALICE_IP/$ALICE_PREFIX after start, after the watchdog restart, gone after stop"
else
    # The node makes its TUN before READY=1, so right after `systemctl start`.
    check_ovl0 "once alice is READY"
    pass "ip addr show ovl0 (alice's TUN): $(E ip -o -4 addr show dev ovl0 | awk '{print $4}'), mtu $(E ip -j link show dev ovl0 | jq -r '.[0].mtu'), UP; no TUN for bob"
fi

status_is() { # UNIT REGEX
    [[ "$(show "$1" StatusText)" =~ $2 ]]
}
until_ok 60 status_is overlayd-node@alice.service '^1/1 peers up, roster v[0-9]+' \
    || fail overlayd-node@alice.service "alice's STATUS is '$(show overlayd-node@alice.service StatusText)', not '1/1 peers up, roster v…'"
until_ok 60 status_is overlayd-controller.service '^2 active / 2 registered nodes, roster v[0-9]+' \
    || fail overlayd-controller.service "the controller's STATUS is '$(show overlayd-controller.service StatusText)', not '2 active / 2 registered nodes, roster v…'"
E systemctl status --no-pager overlayd-node@alice.service | grep -q 'Status: "1/1 peers up, roster v' \
    || fail overlayd-node@alice.service "systemctl status does not show alice's STATUS line"
pass "systemctl status: alice \"$(show overlayd-node@alice.service StatusText)\", controller \"$(show overlayd-controller.service StatusText)\""

bob_up() { E overlayctl peers --node alice --json | jq -e '.peers[] | select(.name == "bob" and .state == "up")'; }
until_ok 60 bob_up || { E overlayctl peers --node alice || true; fail overlayd-node@alice.service "overlayctl peers on alice does not show bob up"; }
pass "overlayctl peers on alice: bob up ($(E overlayctl peers --node alice --json | jq -r '.peers[] | select(.name == "bob") | "rtt \(.rttMs) ms"'))"

pongs() { E journalctl -u overlayd-node@alice.service OVERLAY_PEER=bob OVERLAY_EVENT=pong -o json --no-pager; }
has_pong() { pongs | jq -se 'map(select((.OVERLAY_RTT_USEC // "") | test("^[0-9]+$"))) | length > 0'; }
until_ok 60 has_pong || fail overlayd-node@alice.service "journalctl -u overlayd-node@alice OVERLAY_PEER=bob shows no pong entry with OVERLAY_RTT_USEC"
pongs | jq -se 'all(.[]; .OVERLAY_PEER == "bob" and .OVERLAY_ENDPOINT == "127.0.0.1:7445")' >/dev/null \
    || fail overlayd-node@alice.service "alice's pong entries for bob carry another OVERLAY_PEER or OVERLAY_ENDPOINT"
pass "journalctl -u overlayd-node@alice OVERLAY_PEER=bob: $(pongs | jq -s 'length') pong entries, e.g. $(pongs | jq -rs 'last | "OVERLAY_RTT_USEC=\(.OVERLAY_RTT_USEC) OVERLAY_ENDPOINT=\(.OVERLAY_ENDPOINT) \"\(.MESSAGE)\""')"

for u in overlayd-node@alice overlayd-node@bob; do
    E test -e "/run/credentials/$u.service/passphrase" || fail "$u.service" "$u runs without its passphrase credential"
done
pass "alice read her key passphrase as a credential ($CRED_MODE), bob through the plain-file LoadCredential= drop-in"

# --- names: alice's resolver, wired into systemd-resolved on ovl0 --------------

BOB_IP=$(E overlayctl status --node bob --json | jq -r .overlayIP)
[[ "$BOB_IP" =~ ^[0-9]+(\.[0-9]+){3}$ ]] || fail $BOB "overlayctl status --node bob --json gives overlayIP '$BOB_IP'"
# resolvectl's answers, one line each ("NAME: ADDRESS -- link: ovl0"), and
# whether the name is not found (NXDOMAIN) rather than not answered.
query() { E resolvectl query --legend=no "$@" 2>&1; }
answers() { grep -qwF -- "$2" <<<"$(query "$1")"; } # NAME-OR-IP EXPECTED
fresh_answers() { E resolvectl flush-caches && answers "$@"; }
not_found() { # NAME
    E resolvectl flush-caches
    ! E resolvectl query --legend=no "$1" >/dev/null 2>&1 && grep -q 'not found' <<<"$(query "$1")"
}
host_events() { # EVENT: alice's journal entries for it, as JSON lines
    E journalctl -u $ALICE OVERLAY_EVENT="$1" -o json --no-pager
}
# The wiring is done, or has failed (then its error is what to report), once
# the first roster arrived; the journal has one entry for each change.
wired() { host_events dns-host-wired | jq -se 'any(.[]; .MESSAGE | test("resolved on ovl0"))'; }
if [ -n "$SKIP_TUN" ]; then
    say "SKIP names checks (OVERLAYD_TEST_SKIP_TUN=1): resolved on ovl0, resolvectl and getent for bob.overlay.internal"
else
    if ! until_ok 30 wired; then
        say "alice's dns-host-failed entries: $(host_events dns-host-failed | jq -rs 'map("\(.MESSAGE): \(.OVERLAY_ERROR // "")") | join(" | ")')"
        say "overlayctl status --node alice --json | jq .dns: $(E overlayctl status --node alice --json | jq -c .dns)"
        fail $ALICE "alice's journal has no OVERLAY_EVENT=dns-host-wired through resolved on ovl0"
    fi
    DNS_STATUS=$(E overlayctl status --node alice --json | jq -c .dns)
    jq -e '.host == "resolved on ovl0" and .hostError == null' <<<"$DNS_STATUS" >/dev/null \
        || fail $ALICE "overlayctl status --node alice --json shows .dns $DNS_STATUS, not host \"resolved on ovl0\" without hostError"
    pass "alice's journal: OVERLAY_EVENT=dns-host-wired \"$(host_events dns-host-wired | jq -rs 'last | .MESSAGE')\"; status .dns.host \"resolved on ovl0\", listen $(jq -c .listen <<<"$DNS_STATUS")"

    # What resolved holds for ovl0: alice's overlay IP as its DNS server, the
    # domain and the reverse zone as routing-only domains, no default route.
    LINK_DNS=$(E resolvectl dns ovl0 2>&1) || true
    LINK_DOMAINS=$(E resolvectl domain ovl0 2>&1) || true
    LINK_DEFAULT=$(E resolvectl default-route ovl0 2>&1) || true
    [[ "$LINK_DNS" == *"(ovl0): $ALICE_IP" ]] \
        || fail $ALICE "resolvectl dns ovl0 gives '$LINK_DNS', not alice's overlay IP $ALICE_IP alone"
    # The reverse zone's apex: the network's whole octets, reversed (100.64.0.0/16: 64.100.in-addr.arpa).
    REVERSE_APEX=$(E overlayctl status --node alice --json | jq -r --argjson prefix "$ALICE_PREFIX" \
        '.network | split("/")[0] | split(".")[0:($prefix / 8 | floor)] | reverse | join(".") + ".in-addr.arpa"')
    [[ " ${LINK_DOMAINS#*: } " == *" ~overlay.internal "* && " ${LINK_DOMAINS#*: } " == *" ~$REVERSE_APEX "* ]] \
        || fail $ALICE "resolvectl domain ovl0 gives '$LINK_DOMAINS', not ~overlay.internal and ~$REVERSE_APEX (routing-only)"
    [[ "$LINK_DEFAULT" == *"(ovl0): no" ]] \
        || fail $ALICE "resolvectl default-route ovl0 gives '$LINK_DEFAULT', not no: the overlay's server would get every name"
    pass "resolvectl on ovl0: dns $ALICE_IP, domain '${LINK_DOMAINS#*: }', default-route no"

    until_ok 30 answers bob.overlay.internal "$BOB_IP" \
        || fail $ALICE "resolvectl query bob.overlay.internal gives '$(query bob.overlay.internal)', not bob's overlay IP $BOB_IP"
    pass "resolvectl query bob.overlay.internal: $(query bob.overlay.internal | head -n1)"
    NSS=$(E getent hosts bob.overlay.internal) || true
    [ "$(awk '{ print $1 }' <<<"$NSS")" = "$BOB_IP" ] \
        || fail $ALICE "getent hosts bob.overlay.internal (NSS: $NSS_HOSTS) gives '$NSS', not $BOB_IP"
    pass "getent hosts bob.overlay.internal (NSS): $(tr -s ' \t' ' ' <<<"$NSS")"
    answers "$BOB_IP" bob.overlay.internal \
        || fail $ALICE "resolvectl query $BOB_IP gives '$(query "$BOB_IP")', not bob.overlay.internal"
    pass "resolvectl query $BOB_IP (reverse): $(query "$BOB_IP" | head -n1)"
    not_found nobody.overlay.internal \
        || fail $ALICE "resolvectl query nobody.overlay.internal gives '$(query nobody.overlay.internal)', not 'not found'"
    pass "resolvectl query nobody.overlay.internal fails: $(query nobody.overlay.internal | head -n1)"
    OWN=$(E overlayctl resolve bob --node alice 2>&1) || true
    [ "$(awk -F'\t' '{ sub(/\.$/, "", $1); print $1 " " $3 " " $4 }' <<<"$OWN")" = "bob.overlay.internal A $BOB_IP" ] \
        || fail $ALICE "overlayctl resolve bob --node alice gives '$OWN', not bob.overlay.internal A $BOB_IP"
    pass "overlayctl resolve bob --node alice: $(tr '\t' ' ' <<<"$OWN")"
fi

# --- the watchdog -----------------------------------------------------------

PID_BEFORE=$(show $ALICE MainPID)
RESTARTS_BEFORE=$(show $ALICE NRestarts)
# Alive, she has kept a 3 s watchdog fed through all the checks above.
[ "$RESTARTS_BEFORE" = 0 ] || fail $ALICE "alice was restarted $RESTARTS_BEFORE times before any SIGSTOP: her watchdog is not fed"
pass "alice ran $(( $(E date +%s) - $(E date -d "$(show $ALICE ActiveEnterTimestamp)" +%s) )) s under WatchdogSec=3s without a restart"
E kill -STOP "$PID_BEFORE"
restarted() {
    local pid
    pid=$(show $ALICE MainPID)
    [ "$pid" != 0 ] && [ "$pid" != "$PID_BEFORE" ] && [ "$(show $ALICE ActiveState)" = active ] \
        && [ "$(show $ALICE NRestarts)" -gt "$RESTARTS_BEFORE" ]
}
until_ok 90 restarted || fail $ALICE "alice was stopped with SIGSTOP but the watchdog did not get her restarted"
E journalctl -u $ALICE --no-pager | grep -q 'Watchdog timeout' \
    || fail $ALICE "alice was restarted, but not for a watchdog timeout"
pass "kill -STOP alice (PID $PID_BEFORE): watchdog timeout, restarted as PID $(show $ALICE MainPID), NRestarts=$(show $ALICE NRestarts)"
until_ok 60 status_is $ALICE '^1/1 peers up' || fail $ALICE "alice did not see bob up again after her restart"
pass "alice is back: \"$(show $ALICE StatusText)\""
if [ -z "$SKIP_TUN" ]; then
    check_ovl0 "after the watchdog restart"
    pass "the restarted alice made ovl0 again ($ALICE_IP/$ALICE_PREFIX, mtu 1420)"
    # The killed alice could not revert her link; the new ovl0 is a new link in resolved.
    until_ok 30 fresh_answers bob.overlay.internal "$BOB_IP" \
        || fail $ALICE "after the watchdog restart resolvectl query bob.overlay.internal gives '$(query bob.overlay.internal)' (resolvectl dns ovl0: $(E resolvectl dns ovl0 2>&1))"
    pass "the restarted alice wired the new ovl0 into resolved: $(query bob.overlay.internal | head -n1)"
fi

# --- reload ---------------------------------------------------------------

BOB_PID=$(show $BOB MainPID)
E systemctl reload $BOB || fail $BOB "systemctl reload $BOB failed"
{ [ "$(show $BOB MainPID)" = "$BOB_PID" ] && [ "$(show $BOB ActiveState)" = active ]; } \
    || fail $BOB "bob did not stay up with the same PID across systemctl reload"
until_ok 30 status_is $BOB '^1/1 peers up' || fail $BOB "bob's STATUS after the reload is '$(show $BOB StatusText)'"
pass "systemctl reload bob (SIGHUP): same PID $BOB_PID, active, \"$(show $BOB StatusText)\""

# --- a stopped bob leaves the names ------------------------------------------

if [ -z "$SKIP_TUN" ]; then
    t0=$SECONDS
    E systemctl stop $BOB
    # The controller drops him from the roster, alice's next roster poll from
    # her zone; resolved's cache is flushed before each try.
    until_ok 60 not_found bob.overlay.internal \
        || fail $ALICE "bob is stopped but resolvectl query bob.overlay.internal still gives '$(query bob.overlay.internal)'"
    pass "systemctl stop bob: resolvectl query bob.overlay.internal not found after $((SECONDS - t0)) s: $(query bob.overlay.internal | head -n1)"
fi

# --- stop -------------------------------------------------------------------

t0=$SECONDS
E systemctl stop overlayd-node@alice.service overlayd-node@bob.service overlayd-controller.service
for u in overlayd-node@alice.service overlayd-node@bob.service overlayd-controller.service; do
    [ "$(show $u Result)" = success ] \
        || fail $u "$u did not stop cleanly on SIGTERM: Result=$(show $u Result) (timeout: still running after TimeoutStopSec=, then killed)"
done
pass "systemctl stop: all three exited cleanly on SIGTERM ($((SECONDS - t0)) s)"
if [ -z "$SKIP_TUN" ]; then
    until_ok 10 no_ovl0 || fail $ALICE "alice is stopped but ovl0 is still there: $(E ip -o link show dev ovl0 2>&1)"
    pass "systemctl stop alice: ovl0 is gone"
    resolved_forgot() {
        local links domains
        links=$(E resolvectl status) && domains=$(E resolvectl domain) \
            && ! grep -q '(ovl0)' <<<"$links" && ! grep -q '~overlay\.internal' <<<"$domains"
    }
    until_ok 10 resolved_forgot \
        || fail $ALICE "alice is stopped but resolved still has ovl0 or ~overlay.internal: $(E resolvectl domain 2>&1 | tr '\n' ';')"
    pass "systemctl stop alice: resolvectl status lists no ovl0 and no ~overlay.internal domain"
fi
left=$(E find /run/overlayd -type s 2>/dev/null || true)
[ -z "$left" ] || fail "" "systemctl stop left sockets behind: $left"
pass "systemctl stop: no socket left in /run/overlayd"

# --- socket activation of the controller's control socket --------------------

E systemctl start overlayd-controller.socket || fail overlayd-controller.socket "systemctl start overlayd-controller.socket failed"
case $(show overlayd-controller.service ActiveState) in
    active|activating|reloading) fail overlayd-controller.service "the controller started with its socket unit, before any connection" ;;
esac
E runuser -u ops -- timeout 60 overlayctl status --socket /run/overlayd/controller.sock >/dev/null 2>"$WORK/ctl.err" \
    || fail overlayd-controller.service "overlayctl status (as a member of group overlayd) through the socket unit got no answer: $(cat "$WORK/ctl.err")"
[ "$(show overlayd-controller.service ActiveState)" = active ] \
    || fail overlayd-controller.service "overlayctl answered but the controller is not active"
pass "overlayd-controller.socket: the first overlayctl (user ops) started the controller and got its answer on the passed socket"
E systemctl stop overlayd-controller.service overlayd-controller.socket
E test ! -e /run/overlayd/controller.sock || fail overlayd-controller.socket "stopping the socket unit left /run/overlayd/controller.sock"
pass "stopping overlayd-controller.socket removes the socket"

# --- reinstall keeps configs; uninstall keeps configs and state ---------------

echo '# changed by the operator' >>"$DEST/etc/overlayd/controller.conf"
make -s install DESTDIR="$DEST" >"$WORK/install2.log" 2>&1 || { cat "$WORK/install2.log"; fail "" "the second make install failed"; }
grep -q '^# changed by the operator' "$DEST/etc/overlayd/controller.conf" \
    || fail "" "a second make install overwrote /etc/overlayd/controller.conf"
pass "a second make install keeps the existing /etc/overlayd/controller.conf"
make -s uninstall DESTDIR="$DEST" >"$WORK/uninstall.log" 2>&1 || { cat "$WORK/uninstall.log"; fail "" "make uninstall failed"; }
E test ! -e /usr/local/bin/overlayd-node || fail "" "make uninstall left /usr/local/bin/overlayd-node"
E test ! -e /usr/local/lib/systemd/system/overlayd-node@.service || fail "" "make uninstall left the node unit"
E test -e /etc/overlayd/controller.conf || fail "" "make uninstall removed /etc/overlayd/controller.conf"
E test -e /var/lib/overlayd/controller/ca.key || fail "" "make uninstall removed the controller's state"
pass "make uninstall removes programs and units, keeps /etc/overlayd and /var/lib/overlayd"

say "systemd-test: all checks passed in $((SECONDS - START)) s"
