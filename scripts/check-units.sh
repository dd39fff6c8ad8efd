#!/bin/sh
# check-units.sh: `systemd-analyze verify` and `systemd-analyze security
# --offline=true` on every unit in systemd/, as `make install` writes them.
# Run by `make check-units` (and so by `make test`); needs no running systemd.
#
# The units are installed with `make install-units` under a temporary PREFIX,
# whose bin/ gets stand-in executables: verify checks that ExecStart= names an
# executable file, and must not depend on what is installed on this host.
# Every service must score at most THRESHOLD (exposure x10; 16 = 1.6). The node
# scores 1.6: 1.5 for what the data plane needs (CAP_NET_ADMIN, the host's
# network, /dev/net/tun) and 0.1 for CAP_NET_BIND_SERVICE, which its resolver
# needs for port 53 (docs/operations.md, "Exposure scores").
set -eu

THRESHOLD=${THRESHOLD:-16}
cd "$(dirname "$0")/.."

command -v systemd-analyze >/dev/null 2>&1 || { echo "check-units: systemd-analyze is missing (Debian: apt-get install systemd)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/overlayd-check-units.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix
make -s install-units PREFIX="$prefix" DESTDIR= >/dev/null
mkdir -p "$prefix/bin"
for p in overlayd-controller overlayd-node; do
    printf '#!/bin/sh\nexit 0\n' >"$prefix/bin/$p"
    chmod 0755 "$prefix/bin/$p"
done

units=$(ls "$prefix/lib/systemd/system")
status=0
for u in $units; do
    if out=$(systemd-analyze verify "$prefix/lib/systemd/system/$u" 2>&1) && [ -z "$out" ]; then
        echo "ok   verify $u"
    else
        echo "FAIL verify $u"
        printf '%s\n' "$out" | sed 's/^/     /'
        status=1
    fi
done
for u in $units; do
    case $u in *.service) ;; *) continue ;; esac
    out=$(systemd-analyze security --offline=true --threshold="$THRESHOLD" "$prefix/lib/systemd/system/$u" 2>&1) && rc=0 || rc=$?
    score=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\) \([A-Z]*\).*/\1 \2/p')
    if [ "$rc" -eq 0 ] && [ -n "$score" ]; then
        echo "ok   security $u: exposure $score (threshold $THRESHOLD/10)"
    else
        echo "FAIL security $u: exposure ${score:-?} above the threshold $THRESHOLD/10; what it found:"
        printf '%s\n' "$out" | grep '✗' | sed 's/^/     /'
        status=1
    fi
done
exit $status
