#!/usr/bin/env bash
# make demo: a controller and three nodes (alice, bob, carol) in a fresh
# temporary directory, with short intervals. Waits until every node has PONGs
# from both others, shows the roster and each node's peers, stops bob and shows
# the others see him go, then shuts everything down and removes the directory.
#
# As root, every party runs in its own network namespace (198.18.77.0/24 on a
# bridge, overlay 198.19.0.0/16) and each node has its TUN: the demo also
# pings and moves a file between overlay IPs. As any other user the nodes run
# on 127.0.0.1 with --no-tun (a TUN needs CAP_NET_ADMIN), and it says so.
set -euo pipefail

BIN="${OVERLAYD_BIN:?set OVERLAYD_BIN to the directory holding the overlayd binaries}"
DIR="$(mktemp -d /tmp/overlayd-demo.XXXXXX)"
PIDS=()

NAMESPACES=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    rm -rf "$DIR"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
ctl() { "$BIN/overlayctl" "$@"; }

# Waits up to $1 seconds for the command in the rest of the arguments to succeed.
wait_for() {
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        if (( SECONDS >= deadline )); then echo "demo: timed out waiting for: $*" >&2; return 1; fi
        sleep 0.3
    done
}

head -c 32 /dev/urandom | base64 > "$DIR/passphrase"
chmod 600 "$DIR/passphrase"

# Where each party runs: its namespace (root) or here, its address, and the data-plane flags.
declare -A ADDR NS
if [ "$(id -u)" = 0 ] && command -v ip >/dev/null; then
    DATA=1
    tag=$$
    hub="ovl-demo-$tag-hub"
    ip netns add "$hub"; NAMESPACES+=("$hub")
    ip -n "$hub" link add br0 type bridge; ip -n "$hub" link set br0 up
    i=1
    for party in ctl alice bob carol; do
        ns="ovl-demo-$tag-$party"
        ip netns add "$ns"; NAMESPACES+=("$ns")
        ip -n "$ns" link set lo up
        ip -n "$hub" link add "p$i" type veth peer name eth0 netns "$ns"
        ip -n "$hub" link set "p$i" master br0; ip -n "$hub" link set "p$i" up
        ip -n "$ns" addr add "198.18.77.$i/24" dev eth0; ip -n "$ns" link set eth0 up
        ADDR[$party]="198.18.77.$i"; NS[$party]="ip netns exec $ns"
        i=$((i + 1))
    done
    CPORT=7443; NODE_ARGS=(--tun ovl0); NETWORK=(--network 198.19.0.0/16)
    say "running as root: each party in its own network namespace (198.18.77.0/24), overlay 198.19.0.0/16 on TUN ovl0"
else
    DATA=0
    for party in ctl alice bob carol; do ADDR[$party]=127.0.0.1; NS[$party]=""; done
    CPORT=$(free_port); NODE_ARGS=(--no-tun); NETWORK=()
    say "not root: the nodes run on 127.0.0.1 with --no-tun (a TUN interface needs CAP_NET_ADMIN), so no overlay traffic is shown; run 'sudo make demo' for that"
fi

say "starting overlayd-controller on ${ADDR[ctl]}:$CPORT (state in $DIR/controller)"
${NS[ctl]} "$BIN/overlayd-controller" --state-dir "$DIR/controller" --listen "${ADDR[ctl]}:$CPORT" \
    --socket "$DIR/controller.sock" --passphrase-file "$DIR/passphrase" --active-timeout 6s "${NETWORK[@]}" \
    >"$DIR/controller.log" 2>&1 &
PIDS+=($!)
wait_for 30 ctl status --socket "$DIR/controller.sock"

say "overlayctl token create --uses 3 --ttl 10m"
TOKEN=$(ctl token create --socket "$DIR/controller.sock" --uses 3 --ttl 10m --name demo)
echo "${TOKEN:0:48}…"

declare -A NODE_PID
for name in alice bob carol; do
    if [ "$DATA" = 1 ]; then port=7444; else port=$(free_port); fi
    ${NS[$name]} "$BIN/overlayd-node" --name "$name" --state-dir "$DIR/$name" --join-token "$TOKEN" \
        --listen "${ADDR[$name]}:$port" --socket "$DIR/$name.sock" --passphrase-file "$DIR/passphrase" \
        --roster-interval 1s --ping-interval 2s "${NODE_ARGS[@]}" >"$DIR/$name.log" 2>&1 &
    NODE_PID[$name]=$!
    PIDS+=($!)
    echo "started overlayd-node --name $name --listen ${ADDR[$name]}:$port ${NODE_ARGS[*]}"
done

all_up() {
    local sock=$1
    [ "$(ctl peers --json --socket "$sock" | python3 -c 'import json,sys; p=json.load(sys.stdin)["peers"]; print(sum(1 for x in p if x["state"]=="up"))')" = 2 ]
}
for name in alice bob carol; do wait_for 60 all_up "$DIR/$name.sock"; done

say "overlayctl roster (controller)"
ctl roster --socket "$DIR/controller.sock"
for name in alice bob carol; do
    say "overlayctl peers (on $name)"
    ctl peers --socket "$DIR/$name.sock"
done

mesh_up() {
    [ "$(ctl mesh --json --socket "$DIR/controller.sock" | python3 -c 'import json,sys; print(sum(1 for x in json.load(sys.stdin)["pairs"] if x["state"]=="up"))')" = 6 ]
}
wait_for 60 mesh_up
say "overlayctl mesh --rtt (controller): what every node reports about every peer"
ctl mesh --rtt --socket "$DIR/controller.sock"

say "overlayctl ping bob --count 3 (from alice)"
ctl ping bob --count 3 --socket "$DIR/alice.sock"

if [ "$DATA" = 1 ]; then
    overlay_ip() { ctl status --json --socket "$DIR/$1.sock" | python3 -c 'import json,sys; print(json.load(sys.stdin)["overlayIP"])'; }
    BOB_IP=$(overlay_ip bob); CAROL_IP=$(overlay_ip carol)
    say "ping over the overlay: alice -> bob ($BOB_IP) and carol ($CAROL_IP), on ovl0"
    ${NS[alice]} ip -brief addr show ovl0
    wait_for 30 ${NS[alice]} ping -c 1 -W 1 "$BOB_IP"
    ${NS[alice]} ping -c 3 -i 0.3 "$BOB_IP"
    ${NS[alice]} ping -c 3 -i 0.3 "$CAROL_IP"
    say "a 20 MiB file from bob's web server to alice over the overlay (python3 http.server, curl)"
    head -c $((20 << 20)) /dev/urandom > "$DIR/file"
    ${NS[bob]} python3 -m http.server 8080 --bind "$BOB_IP" --directory "$DIR" >/dev/null 2>&1 &
    PIDS+=($!)
    wait_for 30 ${NS[alice]} curl -sf -o /dev/null "http://$BOB_IP:8080/"
    ${NS[alice]} curl -s -o "$DIR/fetched" -w 'fetched %{size_download} bytes at %{speed_download} bytes/s\n' "http://$BOB_IP:8080/file"
    echo "sha256 sent:     $(sha256sum < "$DIR/file" | cut -c1-64)"
    echo "sha256 received: $(sha256sum < "$DIR/fetched" | cut -c1-64)"
    say "overlayctl peers (on alice): data packets and bytes per peer, key age"
    ctl peers --socket "$DIR/alice.sock"
    say "overlayctl status (on alice)"
    ctl status --socket "$DIR/alice.sock" | grep -E "node|overlay IP|data plane"
fi

say "stopping bob (SIGTERM): he leaves the roster at once"
kill -TERM "${NODE_PID[bob]}"
wait "${NODE_PID[bob]}" || true
bob_down() {
    ctl peers --json --socket "$1" | python3 -c 'import json,sys; p={x["name"]:x for x in json.load(sys.stdin)["peers"]}; sys.exit(0 if p["bob"]["state"]=="down" else 1)'
}
wait_for 30 bob_down "$DIR/alice.sock"
wait_for 30 bob_down "$DIR/carol.sock"
ctl roster --socket "$DIR/controller.sock"
for name in alice carol; do
    say "overlayctl peers (on $name)"
    ctl peers --socket "$DIR/$name.sock"
done

say "one PING/PONG log line per exchange (alice's log, last 3 lines)"
grep -E "PONG|PING failed" "$DIR/alice.log" | tail -3

say "shutting down; removing $DIR"
