#!/usr/bin/env bash
# make demo: a controller and three nodes (alice, bob, carol) on 127.0.0.1 in a
# fresh temporary directory, with short intervals. Waits until every node has
# PONGs from both others, shows the roster and each node's peers, stops bob
# and shows the others see him go, then shuts everything down and removes the
# directory.
set -euo pipefail

BIN="${OVERLAYD_BIN:?set OVERLAYD_BIN to the directory holding the overlayd binaries}"
DIR="$(mktemp -d /tmp/overlayd-demo.XXXXXX)"
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
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
CPORT=$(free_port)

say "starting overlayd-controller on 127.0.0.1:$CPORT (state in $DIR/controller)"
"$BIN/overlayd-controller" --state-dir "$DIR/controller" --listen "127.0.0.1:$CPORT" \
    --socket "$DIR/controller.sock" --passphrase-file "$DIR/passphrase" --active-timeout 6s \
    >"$DIR/controller.log" 2>&1 &
PIDS+=($!)
wait_for 30 ctl status --socket "$DIR/controller.sock"

say "overlayctl token create --uses 3 --ttl 10m"
TOKEN=$(ctl token create --socket "$DIR/controller.sock" --uses 3 --ttl 10m --name demo)
echo "${TOKEN:0:48}…"

declare -A NODE_PID
for name in alice bob carol; do
    port=$(free_port)
    "$BIN/overlayd-node" --name "$name" --state-dir "$DIR/$name" --join-token "$TOKEN" \
        --listen "127.0.0.1:$port" --socket "$DIR/$name.sock" --passphrase-file "$DIR/passphrase" \
        --roster-interval 1s --ping-interval 2s >"$DIR/$name.log" 2>&1 &
    NODE_PID[$name]=$!
    PIDS+=($!)
    echo "started overlayd-node --name $name --listen 127.0.0.1:$port"
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
