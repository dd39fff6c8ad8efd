#!/usr/bin/env bash
# Benchmark (not a test): data-plane throughput and latency of overlayd beside its anchors, all in one
# run on the same veth pair between two network namespaces A and B (addresses in 198.18.0.0/24 on the
# veth, overlay addresses in 198.19.0.0/16; RFC 2544's benchmarking range, nothing else, no default
# route: no packet leaves the two namespaces). One system at a time, each fully torn down before the next:
#
#   veth          the veth pair itself (198.18.0.1 -> 198.18.0.2)
#   ceiling       tun-ceiling.c (TUN_CEILING_SRC, default /work/shared/tools/tun-ceiling.c): two TUNs joined
#                 by a plain read/write relay, no crypto; two rows: one packet per read, and IFF_VNET_HDR + TSO
#   wireguard-go  Debian's wireguard-go, one userspace device per namespace
#   nebula        Debian's nebula, lighthouse off, static_host_map, firewall allow any
#   overlayd      overlayd-controller + alice in A, bob in B (OVERLAYD_BIN: the release bin directory)
#
# For each: iperf3 from A to B, one stream and -P 4 (Gbit/s = end.sum_received of iperf3 -J), ping A -> B
# idle (-c 20 -i 0.05, avg) and during the one-stream run; every measurement --runs times, min-max.
# Overlays use MTU 1420. Needs root; installs missing Debian packages with apt-get.
#
#   Benchmarks/dataplane.sh [--runs N] [--time SECONDS] [--only veth,ceiling,wireguard-go,nebula,overlayd]
#   make bench BENCH_ARGS="dataplane --runs 3 --time 5"      (builds release first, sets OVERLAYD_BIN)
#
# Extra overlayd-node flags (e.g. --tun-queues 2) can be given in OVERLAYD_NODE_ARGS.
set -uo pipefail

RUNS=3
TIME=5
ONLY="veth,ceiling,wireguard-go,nebula,overlayd"
ALL_SYSTEMS="veth ceiling wireguard-go nebula overlayd"
TUN_CEILING_SRC="${TUN_CEILING_SRC:-/work/shared/tools/tun-ceiling.c}"

usage() { sed -n '2,21p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --time) TIME=${2:?--time needs seconds}; shift 2 ;;
        --time=*) TIME=${1#*=}; shift ;;
        --only) ONLY=${2:?--only needs a list}; shift 2 ;;
        --only=*) ONLY=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "dataplane.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "dataplane.sh: --runs must be a positive integer" >&2; exit 2; }
[[ $TIME =~ ^[1-9][0-9]*$ ]] && (( TIME >= 2 )) || { echo "dataplane.sh: --time must be an integer >= 2 (seconds)" >&2; exit 2; }
SELECTED=()
for s in ${ONLY//,/ }; do
    case $s in wg|wireguard) s=wireguard-go ;; esac
    [[ " $ALL_SYSTEMS " == *" $s "* ]] || { echo "dataplane.sh: unknown system '$s' in --only (known: ${ALL_SYSTEMS// /, })" >&2; exit 2; }
    SELECTED+=("$s")
done
selected() { [[ " ${SELECTED[*]} " == *" $1 "* ]]; }

if [ "$(id -u)" != 0 ]; then
    echo "dataplane.sh needs root: it creates network namespaces, a veth pair and TUN devices, and installs" >&2
    echo "missing Debian packages with apt-get. Run it as root (e.g. sudo make bench BENCH_ARGS=dataplane)." >&2
    exit 1
fi

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
note() { printf 'dataplane: %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------------------
need=(iperf3 iproute2 iputils-ping python3)
selected ceiling && need+=(gcc libc6-dev)
selected wireguard-go && need+=(wireguard-go wireguard-tools)
selected nebula && need+=(nebula)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    note "installing Debian packages: ${missing[*]}"
    # DPkg::Lock::Timeout: wait for another apt-get/dpkg (up to 10 minutes) instead of failing at once.
    if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
           DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null; }; then
        note "apt-get could not install all of: ${missing[*]} (systems needing them are skipped)"
    fi
fi
for tool in ip iperf3 ping python3; do
    command -v "$tool" >/dev/null || { echo "dataplane.sh: '$tool' is missing and could not be installed" >&2; exit 1; }
done

# --- namespaces, cleanup ---------------------------------------------------------------------------------
TAG=$(printf '%04x' $((RANDOM % 65536)))
NSA="ovl-dp-$TAG-a"
NSB="ovl-dp-$TAG-b"
A_IP=198.18.0.1
B_IP=198.18.0.2
TMP=$(mktemp -d /tmp/ovl-dp.XXXXXX)
RESULTS="$TMP/results.tsv"
: >"$RESULTS"
PIDS=()          # every process this script started and that may still run
NAMESPACES=()    # namespaces this script created
WG_SOCKETS=()    # wireguard-go UAPI sockets (they live in the file system, not in a namespace)

stop_pids() {    # TERM, a few seconds' grace, then KILL; reaps
    local p live=()
    for p in "$@"; do kill -TERM "$p" 2>/dev/null && live+=("$p"); done
    [ ${#live[@]} -eq 0 ] && return 0
    for _ in $(seq 1 50); do
        local any=0
        for p in "${live[@]}"; do kill -0 "$p" 2>/dev/null && any=1; done
        (( any )) || break
        sleep 0.1
    done
    for p in "${live[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    for p in "${live[@]}"; do wait "$p" 2>/dev/null || true; done
}

cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_pids "${PIDS[@]}"
    local ns p
    # Anything still running inside our own namespaces was started by this script (iperf3, ping, daemons).
    for ns in "${NAMESPACES[@]}"; do
        for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    done
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || note "could not delete namespace $ns"; done
    for p in "${WG_SOCKETS[@]}"; do rm -f "$p"; done
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Refuses any address outside 198.18.0.0/15.
check_addr() { case $1 in 198.18.*|198.19.*) ;; *) echo "dataplane.sh: refusing address $1 (outside 198.18.0.0/15)" >&2; exit 1 ;; esac; }
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
bg_in() {        # bg_in NS LOG CMD...: starts CMD in NS in the background; sets BG_PID
    local ns=$1 log=$2; shift 2
    ip netns exec "$ns" "$@" >"$log" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}
forget_pids() {  # drops stopped pids from PIDS
    local keep=() p q drop
    for p in "${PIDS[@]}"; do
        drop=0; for q in "$@"; do [ "$p" = "$q" ] && drop=1; done
        (( drop )) || keep+=("$p")
    done
    PIDS=("${keep[@]}")
}
wait_for() {     # wait_for SECONDS CMD...: until CMD succeeds
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        (( SECONDS < deadline )) || return 1
        sleep 0.2
    done
}
reaches() { nsx "$NSA" ping -n -q -c 1 -W 1 "$1"; }

check_addr "$A_IP"; check_addr "$B_IP"
for ns in "$NSA" "$NSB"; do
    ip netns add "$ns" || { echo "dataplane.sh: ip netns add $ns failed" >&2; exit 1; }
    NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
done
# Created directly inside the namespaces: no interface ever appears in the root namespace.
ip link add dp0 netns "$NSA" type veth peer name dp0 netns "$NSB" || { echo "dataplane.sh: creating the veth pair failed" >&2; exit 1; }
ip -n "$NSA" addr add "$A_IP/24" dev dp0
ip -n "$NSB" addr add "$B_IP/24" dev dp0
ip -n "$NSA" link set dp0 up
ip -n "$NSB" link set dp0 up
wait_for 10 reaches "$B_IP" || { echo "dataplane.sh: the veth pair does not pass traffic" >&2; exit 1; }

# --- measuring -------------------------------------------------------------------------------------------
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }   # label metric value
ping_avg() { awk -F'/' '/^(rtt|round-trip)/ {print $5}'; }       # avg of "rtt min/avg/max/mdev = a/b/c/d ms"
iperf_gbps() {
    python3 -c '
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    if d.get("error"): print("error: " + d["error"], file=sys.stderr); sys.exit(1)
    print("%.3f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9))
except Exception as e:
    print("no result: %s" % e, file=sys.stderr); sys.exit(1)
' "$1"
}

IPERF_PID=""
start_iperf_server() {
    bg_in "$NSB" "$TMP/iperf3-server.log" iperf3 -s -p 5201
    IPERF_PID=$BG_PID
    wait_for 10 sh -c "ip netns exec $NSB ss -ltnH 'sport = :5201' | grep -q ."
}
stop_iperf_server() { [ -n "$IPERF_PID" ] && { stop_pids "$IPERF_PID"; forget_pids "$IPERF_PID"; IPERF_PID=""; }; }

iperf_client() { # iperf_client TARGET JSON [iperf3 args]
    local target=$1 json=$2; shift 2
    nsx "$NSA" timeout $((TIME + 30)) iperf3 -c "$target" -p 5201 -t "$TIME" -J --connect-timeout 5000 "$@" >"$json" 2>&1
}

# measure LABEL TARGET: RUNS rounds of idle ping, one stream (with ping under load), four streams.
measure() {
    local label=$1 target=$2 r g1 g4 idle load n ipid
    check_addr "$target"
    start_iperf_server || { note "$label: iperf3 server did not start"; record "$label" note "iperf3 server did not start"; return 1; }
    nsx "$NSA" timeout 20 iperf3 -c "$target" -p 5201 -t 1 --connect-timeout 5000 >/dev/null 2>&1   # warm-up: ARP, keys, caches
    for r in $(seq 1 "$RUNS"); do
        idle=$(nsx "$NSA" ping -n -q -c 20 -i 0.05 -W 1 "$target" | ping_avg)
        [ -n "$idle" ] && record "$label" idle "$idle"

        iperf_client "$target" "$TMP/one.json" &
        ipid=$!
        sleep 1
        n=$(( TIME * 20 - 30 )); (( n < 10 )) && n=10       # ends about half a second before iperf3
        load=$(nsx "$NSA" ping -n -q -c "$n" -i 0.05 -W 1 "$target" | ping_avg)
        wait "$ipid"
        [ -n "$load" ] && record "$label" load "$load"
        if g1=$(iperf_gbps "$TMP/one.json" 2>"$TMP/err"); then record "$label" one "$g1"
        else g1="failed ($(cat "$TMP/err"))"; fi

        iperf_client "$target" "$TMP/four.json" -P 4
        if g4=$(iperf_gbps "$TMP/four.json" 2>"$TMP/err"); then record "$label" four "$g4"
        else g4="failed ($(cat "$TMP/err"))"; fi
        printf '  %-28s run %d/%d: 1 stream %s Gbit/s, 4 streams %s Gbit/s, ping idle %s ms, under load %s ms\n' \
            "$label" "$r" "$RUNS" "$g1" "$g4" "${idle:-lost}" "${load:-lost}" >&2
    done
    stop_iperf_server
}

# --- the systems -----------------------------------------------------------------------------------------
run_veth() {
    say "plain veth ($A_IP -> $B_IP)"
    measure "plain veth" "$B_IP"
}

run_ceiling() {
    if [ ! -r "$TUN_CEILING_SRC" ]; then
        note "tun-ceiling: $TUN_CEILING_SRC not found (set TUN_CEILING_SRC); skipped"
        record "TUN relay (tun-ceiling.c)" note "skipped: source not found"; return 0
    fi
    if ! gcc -O2 -pthread -o "$TMP/tun-ceiling" "$TUN_CEILING_SRC" 2>"$TMP/tun-ceiling.build.log"; then
        note "tun-ceiling: does not build; skipped"; sed 's/^/  /' "$TMP/tun-ceiling.build.log" >&2
        record "TUN relay (tun-ceiling.c)" note "skipped: does not build"; return 0
    fi
    local off label pid
    for off in 0 1; do
        if [ "$off" = 0 ]; then label="TUN relay, one packet per read"; else label="TUN relay, IFF_VNET_HDR + TSO"; fi
        say "$label (tun-ceiling.c OFFLOAD=$off, no crypto, MTU 1420)"
        # Both TUNs are made inside A (nothing in the root namespace), then one moves to B.
        bg_in "$NSA" "$TMP/tun-ceiling-$off.log" "$TMP/tun-ceiling" dpta dptb "$off"
        pid=$BG_PID
        if wait_for 10 grep -q "relay up" "$TMP/tun-ceiling-$off.log" &&
           ip -n "$NSA" link set dptb netns "$NSB" &&
           ip -n "$NSA" addr add 198.19.1.1/24 dev dpta && ip -n "$NSB" addr add 198.19.1.2/24 dev dptb &&
           ip -n "$NSA" link set dpta mtu 1420 up && ip -n "$NSB" link set dptb mtu 1420 up &&
           wait_for 10 reaches 198.19.1.2; then
            measure "$label" 198.19.1.2
        else
            note "$label: relay did not come up; skipped"; sed 's/^/  /' "$TMP/tun-ceiling-$off.log" | tail -5 >&2
            record "$label" note "did not come up"
        fi
        stop_pids "$pid"; forget_pids "$pid"     # its TUNs go with it
    done
}

run_wireguard() {
    local label="wireguard-go" ifa="wgdp${TAG}a" ifb="wgdp${TAG}b" d="$TMP/wg" pa pb v
    if ! command -v wireguard-go >/dev/null || ! command -v wg >/dev/null; then
        note "wireguard-go: not installed; skipped"; record "$label" note "skipped: not installed"; return 0
    fi
    v=$(dpkg-query -W -f='${Version}' wireguard-go 2>/dev/null)
    label="wireguard-go ${v%%-*}"
    say "$label (userspace, one device per namespace, MTU 1420)"
    mkdir -p "$d" && chmod 700 "$d"
    (umask 077; wg genkey >"$d/a.key"; wg genkey >"$d/b.key")
    wg pubkey <"$d/a.key" >"$d/a.pub"; wg pubkey <"$d/b.key" >"$d/b.pub"
    WG_SOCKETS+=("/var/run/wireguard/$ifa.sock" "/var/run/wireguard/$ifb.sock")
    # -f: stay in the foreground (so the pid is the daemon's); the variable silences the kernel-module nag of old builds.
    bg_in "$NSA" "$d/a.log" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 LOG_LEVEL=error wireguard-go -f "$ifa"; pa=$BG_PID
    bg_in "$NSB" "$d/b.log" env WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1 LOG_LEVEL=error wireguard-go -f "$ifb"; pb=$BG_PID
    if wait_for 10 test -S "/var/run/wireguard/$ifa.sock" && wait_for 10 test -S "/var/run/wireguard/$ifb.sock" &&
       nsx "$NSA" wg set "$ifa" listen-port 51820 private-key "$d/a.key" \
           peer "$(cat "$d/b.pub")" allowed-ips 198.19.2.2/32 endpoint "$B_IP:51820" &&
       nsx "$NSB" wg set "$ifb" listen-port 51820 private-key "$d/b.key" \
           peer "$(cat "$d/a.pub")" allowed-ips 198.19.2.1/32 endpoint "$A_IP:51820" &&
       ip -n "$NSA" addr add 198.19.2.1/24 dev "$ifa" && ip -n "$NSB" addr add 198.19.2.2/24 dev "$ifb" &&
       ip -n "$NSA" link set "$ifa" mtu 1420 up && ip -n "$NSB" link set "$ifb" mtu 1420 up &&
       wait_for 20 reaches 198.19.2.2; then
        measure "$label" 198.19.2.2
    else
        note "wireguard-go: tunnel did not come up; skipped"; tail -5 "$d/a.log" "$d/b.log" >&2
        record "$label" note "did not come up"
    fi
    stop_pids "$pa" "$pb"; forget_pids "$pa" "$pb"
}

nebula_config() { # nebula_config NAME LISTEN_IP PEER_OVERLAY PEER_IP
    cat <<EOF
pki:
  ca: $TMP/nebula/ca.crt
  cert: $TMP/nebula/$1.crt
  key: $TMP/nebula/$1.key
static_host_map:
  "$3": ["$4:4242"]
lighthouse:
  am_lighthouse: false
  interval: 60
  hosts: []
listen:
  host: $2
  port: 4242
punchy:
  punch: false
tun:
  disabled: false
  dev: neb0
  drop_local_broadcast: false
  drop_multicast: false
  tx_queue: 500
  mtu: 1420
logging:
  level: info
  format: text
firewall:
  conntrack:
    tcp_timeout: 12m
    udp_timeout: 3m
    default_timeout: 10m
  outbound:
    - port: any
      proto: any
      host: any
  inbound:
    - port: any
      proto: any
      host: any
EOF
}

run_nebula() {
    local label="nebula" d="$TMP/nebula" pa pb v
    if ! command -v nebula >/dev/null || ! command -v nebula-cert >/dev/null; then
        note "nebula: not installed; skipped"; record "$label" note "skipped: not installed"; return 0
    fi
    v=$(dpkg-query -W -f='${Version}' nebula 2>/dev/null); v=${v%%-*}; label="nebula ${v%%+*}"
    say "$label (lighthouse off, static_host_map, MTU 1420)"
    mkdir -p "$d" && chmod 700 "$d"
    if ! ( cd "$d" &&
           nebula-cert ca -name "overlayd dataplane bench" -out-crt ca.crt -out-key ca.key &&
           nebula-cert sign -ca-crt ca.crt -ca-key ca.key -name a -ip 198.19.3.1/24 -out-crt a.crt -out-key a.key &&
           nebula-cert sign -ca-crt ca.crt -ca-key ca.key -name b -ip 198.19.3.2/24 -out-crt b.crt -out-key b.key ) >"$d/cert.log" 2>&1; then
        note "nebula: nebula-cert failed; skipped"; cat "$d/cert.log" >&2; record "$label" note "nebula-cert failed"; return 0
    fi
    nebula_config a "$A_IP" 198.19.3.2 "$B_IP" >"$d/a.yml"
    nebula_config b "$B_IP" 198.19.3.1 "$A_IP" >"$d/b.yml"
    bg_in "$NSA" "$d/a.log" nebula -config "$d/a.yml"; pa=$BG_PID
    bg_in "$NSB" "$d/b.log" nebula -config "$d/b.yml"; pb=$BG_PID
    if wait_for 20 sh -c "ip -n $NSB -4 addr show neb0 | grep -q 198.19.3.2" && wait_for 20 reaches 198.19.3.2; then
        measure "$label" 198.19.3.2
    else
        note "nebula: tunnel did not come up; skipped"; tail -5 "$d/a.log" "$d/b.log" >&2
        record "$label" note "did not come up"
    fi
    stop_pids "$pa" "$pb"; forget_pids "$pa" "$pb"
}

run_overlayd() {
    local label="overlayd" bin="${OVERLAYD_BIN:-}" d="$TMP/overlayd" pc pa pb token bob_ip
    if [ -z "$bin" ] || [ ! -x "$bin/overlayd-node" ]; then
        note "overlayd: set OVERLAYD_BIN to the release bin directory (make bench BENCH_ARGS=dataplane does); skipped"
        record "$label" note "skipped: OVERLAYD_BIN not set"; return 0
    fi
    local help; help=$("$bin/overlayd-node" --help 2>&1)
    if ! grep -q -- '--tun' <<<"$help"; then
        note "overlayd: this overlayd-node has no --tun (no data plane yet); skipped"
        record "$label" note "skipped: overlayd-node has no data plane (--tun)"; return 0
    fi
    local ctl="$bin/overlayctl"
    note "overlayd: $bin/overlayd-node, built $(date -u -r "$bin/overlayd-node" '+%Y-%m-%d %H:%M UTC')"
    say "overlayd (controller + alice in A, bob in B, MTU 1420${OVERLAYD_NODE_ARGS:+, $OVERLAYD_NODE_ARGS})"
    mkdir -p "$d" && chmod 700 "$d"
    head -c 32 /dev/urandom | base64 >"$d/passphrase"; chmod 600 "$d/passphrase"
    bg_in "$NSA" "$d/controller.log" "$bin/overlayd-controller" --state-dir "$d/controller" \
        --listen "$A_IP:7443" --advertise "$A_IP:7443" --socket "$d/c.sock" \
        --passphrase-file "$d/passphrase" --network 198.19.0.0/16; pc=$BG_PID
    local ok=0
    if wait_for 30 "$ctl" status --socket "$d/c.sock" &&
       token=$("$ctl" token create --socket "$d/c.sock" --uses 2 --ttl 10m 2>/dev/null) && [ -n "$token" ]; then
        # shellcheck disable=SC2086  # OVERLAYD_NODE_ARGS is a list of flags
        bg_in "$NSA" "$d/alice.log" "$bin/overlayd-node" --name alice --state-dir "$d/alice" --join-token "$token" \
            --listen "$A_IP:7444" --socket "$d/alice.sock" --passphrase-file "$d/passphrase" \
            --roster-interval 1s --ping-interval 2s --tun ovl0 --mtu 1420 ${OVERLAYD_NODE_ARGS:-}; pa=$BG_PID
        # shellcheck disable=SC2086
        bg_in "$NSB" "$d/bob.log" "$bin/overlayd-node" --name bob --state-dir "$d/bob" --join-token "$token" \
            --listen "$B_IP:7444" --socket "$d/bob.sock" --passphrase-file "$d/passphrase" \
            --roster-interval 1s --ping-interval 2s --tun ovl0 --mtu 1420 ${OVERLAYD_NODE_ARGS:-}; pb=$BG_PID
        if wait_for 60 sh -c "ip -n $NSB -4 addr show ovl0 | grep -q inet" &&
           bob_ip=$("$ctl" status --json --socket "$d/bob.sock" | python3 -c 'import json,sys; print(json.load(sys.stdin)["overlayIP"])') &&
           [ -n "$bob_ip" ] && wait_for 60 reaches "$bob_ip"; then
            ok=1
            measure "$label" "$bob_ip"
            note "overlayd: alice's data plane afterwards:"
            "$ctl" status --json --socket "$d/alice.sock" |
                python3 -c 'import json,sys; print("  ", json.dumps(json.load(sys.stdin).get("dataPlane")))' >&2 || true
        fi
    fi
    if (( ! ok )); then
        note "overlayd: the overlay did not come up; skipped. Log tails:"
        for f in controller alice bob; do [ -f "$d/$f.log" ] && { echo "  -- $f" >&2; tail -8 "$d/$f.log" | sed 's/^/  /' >&2; }; done
        record "$label" note "did not come up"
    fi
    stop_pids ${pa:+"$pa"} ${pb:+"$pb"}; stop_pids "$pc"
    forget_pids ${pa:+"$pa"} ${pb:+"$pb"} "$pc"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "data plane benchmark: namespaces $NSA, $NSB; $RUNS run(s) of iperf3 -t $TIME; $(nproc) cores, Linux $(uname -r)"
for s in "${SELECTED[@]}"; do
    case $s in
        veth) run_veth ;;
        ceiling) run_ceiling ;;
        wireguard-go) run_wireguard ;;
        nebula) run_nebula ;;
        overlayd) run_overlayd ;;
    esac
done

say "results"
python3 - "$RESULTS" "$(nproc)" "$(uname -r)" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$RUNS" "$TIME" "$LOAD0" "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import sys
path, cores, kernel, date, runs, t, load0, load1 = sys.argv[1:9]
rows, order = {}, []
for line in open(path):
    label, metric, value = line.rstrip("\n").split("\t")
    if label not in rows: rows[label] = {}; order.append(label)
    rows[label].setdefault(metric, []).append(value)
def span(vals, ms=False):
    if not vals: return "–"
    v = [float(x) for x in vals]
    f = (lambda x: "%.3f" % x if x < 1 else "%.2f" % x) if ms else (lambda x: "%.2f" % x if x < 10 else "%.1f" % x)
    lo, hi = f(min(v)), f(max(v))
    return lo if lo == hi else f"{lo}–{hi}"
print(f"{cores} cores (nproc), Linux {kernel}, {date}; iperf3 -t {t}, {runs} run(s) each, min–max; A → B;")
print(f"load average {load0} at the start, {load1} at the end\n")
print("| path | single stream Gbit/s | 4 streams Gbit/s | ping idle ms | ping under load ms |")
print("|---|---|---|---|---|")
for label in order:
    m = rows[label]
    if "note" in m and not any(k in m for k in ("one", "four", "idle", "load")):
        print(f"| {label} | {'; '.join(m['note'])} | | | |"); continue
    print(f"| {label} | {span(m.get('one', []))} | {span(m.get('four', []))} | {span(m.get('idle', []), True)} | {span(m.get('load', []), True)} |")
PY
