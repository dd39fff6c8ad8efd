#!/usr/bin/env bash
# Benchmark (not a test): what flow 3 costs one node, for each peer-connection
# mode. Starts a controller and N nodes on 127.0.0.1 (release build), waits until
# every node sees every peer up, then measures over a window: CPU time and RSS
# per node process (from /proc) and TLS handshakes per minute per node (from the
# node's own dial/accept counters).
#
#   Benchmarks/peer-cost.sh [-n NODES] [-i PING_INTERVAL] [-w WINDOW_SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."

NODES=10; INTERVAL=1s; WINDOW=30
while getopts "n:i:w:h" opt; do
    case $opt in
        n) NODES=$OPTARG ;; i) INTERVAL=$OPTARG ;; w) WINDOW=$OPTARG ;;
        *) sed -n '2,9p' "$0"; exit 0 ;;
    esac
done

swift build -c release --product overlayd-controller >/dev/null
swift build -c release --product overlayd-node >/dev/null
swift build -c release --product overlayctl >/dev/null
BIN=$(swift build -c release --show-bin-path)
CLK=$(getconf CLK_TCK)

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
rss_kib() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
conns() { "$BIN/overlayctl" status --json --socket "$1" | python3 -c 'import json,sys; s=json.load(sys.stdin); print(s["peerConnectionsDialed"] + s["peerConnectionsAccepted"])'; }
up_count() { "$BIN/overlayctl" peers --json --socket "$1" | python3 -c 'import json,sys; print(sum(1 for p in json.load(sys.stdin)["peers"] if p["state"]=="up"))'; }

run_mode() {
    local mode=$1 dir pids=() node_pids=() i
    dir=$(mktemp -d /tmp/overlayd-peercost.XXXXXX)
    head -c 32 /dev/urandom | base64 >"$dir/pass"; chmod 600 "$dir/pass"
    local cport; cport=$(free_port)
    "$BIN/overlayd-controller" --state-dir "$dir/c" --listen "127.0.0.1:$cport" --socket "$dir/c.sock" \
        --passphrase-file "$dir/pass" --log-level warning >"$dir/c.log" 2>&1 &
    pids+=($!)
    until "$BIN/overlayctl" status --socket "$dir/c.sock" >/dev/null 2>&1; do sleep 0.2; done
    local token; token=$("$BIN/overlayctl" token create --socket "$dir/c.sock" --uses "$NODES" 2>/dev/null)
    for i in $(seq 1 "$NODES"); do
        "$BIN/overlayd-node" --name "n$i" --state-dir "$dir/n$i" --join-token "$token" --listen "127.0.0.1:$(free_port)" \
            --socket "$dir/n$i.sock" --passphrase-file "$dir/pass" --roster-interval 2s --ping-interval "$INTERVAL" \
            --peer-connections "$mode" --log-level warning >"$dir/n$i.log" 2>&1 &
        pids+=($!); node_pids+=($!)
    done
    for i in $(seq 1 "$NODES"); do
        local limit=$((SECONDS + 120))
        until [ "$(up_count "$dir/n$i.sock" 2>/dev/null || echo 0)" = $((NODES - 1)) ]; do
            (( SECONDS < limit )) || { echo "nodes did not come up" >&2; exit 1; }
            sleep 0.5
        done
    done
    sleep 3   # let the first rounds' handshakes settle
    local t0=() c0=() t1=() c1=() rss=()
    for i in $(seq 1 "$NODES"); do t0+=("$(cpu_ticks "${node_pids[$((i-1))]}")"); c0+=("$(conns "$dir/n$i.sock")"); done
    sleep "$WINDOW"
    for i in $(seq 1 "$NODES"); do
        t1+=("$(cpu_ticks "${node_pids[$((i-1))]}")"); c1+=("$(conns "$dir/n$i.sock")"); rss+=("$(rss_kib "${node_pids[$((i-1))]}")")
    done
    for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
    for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
    rm -rf "$dir"
    python3 - "$mode" "$NODES" "$WINDOW" "$CLK" "$INTERVAL" "${t0[*]}" "${t1[*]}" "${c0[*]}" "${c1[*]}" "${rss[*]}" <<'PY'
import sys, statistics as st
mode, n, window, clk, interval = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
t0, t1, c0, c1, rss = ([float(x) for x in a.split()] for a in sys.argv[6:11])
cpu = [(b - a) / clk for a, b in zip(t0, t1)]                # CPU seconds in the window
cpu_pct = [100 * c / window for c in cpu]
hs = [(b - a) * 60 / window for a, b in zip(c0, c1)]           # TLS handshakes per minute (dialed + accepted)
mib = [r / 1024 for r in rss]
def mmm(v, f="{:.2f}"): return "/".join(f.format(x) for x in (min(v), st.median(v), max(v)))
print(f"{mode:10} nodes={n} ping-interval={interval} window={window:.0f}s  "
      f"CPU% per node (min/median/max) {mmm(cpu_pct)}  "
      f"RSS MiB {mmm(mib, '{:.1f}')}  handshakes/min per node {mmm(hs, '{:.0f}')}")
PY
}

echo "peer-cost: $NODES nodes on 127.0.0.1, ping every $INTERVAL, $(nproc) cores"
run_mode persistent
run_mode per-round
