#!/usr/bin/env bash
# Benchmark (not a test): queries per second answered by one overlayd node's resolver, beside dnsmasq
# answering the same names from a hosts file, and systemd-resolved answering a hosts-file name when it runs
# on this machine. Everything is on loopback (127.x addresses only); the overlay network 198.19.0.0/16
# (RFC 2544's benchmarking range) only appears in the answers: no TUN, no route, no packet leaves lo.
# One system at a time, each stopped before the next:
#
#   overlayd          overlayd-controller + alice, bob and carol (--no-tun --dns-host none; OVERLAYD_BIN: the
#                     release bin directory); alice's resolver answers on its loopback address (127.53.X.Y) and
#                     --port, bob and carol run --dns off
#   dnsmasq           Debian's dnsmasq (dnsmasq-base): the same three names and addresses in an --addn-hosts file,
#                     --local for the domain (an unknown name is NXDOMAIN, as on overlayd), TTL 5 as overlayd's
#   systemd-resolved  its stub 127.0.0.53:53 answering a name from /etc/hosts, if resolved runs here (A only;
#                     not pinned: it is a system service); else a "skipped" row
#
# dnsperf (UDP, no EDNS, -c 8 clients, -T 1 thread, no rate limit, -q 100 outstanding) for --time seconds,
# --runs times, over two query files: "A" asks bob, carol and alice (all answers); "A+NX" adds an unknown
# name (a quarter NXDOMAIN). With two or more CPUs the resolvers (and the controller and the other nodes)
# run on CPU 0 and dnsperf on CPU 1 (taskset). Reported: qps min–median–max, average latency (with 100
# queries outstanding, mostly queueing: about 100/qps), lost queries, and the CPU each side used.
# Needs no root; as root it installs missing Debian packages with apt-get, else it says what to install.
#
#   Benchmarks/dns.sh [--runs N] [--time SECONDS] [--port PORT]
#   make bench BENCH_ARGS="dns --runs 3 --time 10"      (builds release first, sets OVERLAYD_BIN)
set -uo pipefail

RUNS=3
TIME=10
PORT=5300
CLIENTS=8
OUTSTANDING=100

usage() { sed -n '2,24p' "$0" | sed 's/^# \{0,1\}//'; }
while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=${2:?--runs needs a number}; shift 2 ;;
        --runs=*) RUNS=${1#*=}; shift ;;
        --time) TIME=${2:?--time needs seconds}; shift 2 ;;
        --time=*) TIME=${1#*=}; shift ;;
        --port) PORT=${2:?--port needs a number}; shift 2 ;;
        --port=*) PORT=${1#*=}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "dns.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
    esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || { echo "dns.sh: --runs must be a positive integer" >&2; exit 2; }
[[ $TIME =~ ^[1-9][0-9]*$ ]] && (( TIME >= 2 )) || { echo "dns.sh: --time must be an integer >= 2 (seconds)" >&2; exit 2; }
[[ $PORT =~ ^[1-9][0-9]*$ ]] && (( PORT >= 1024 && PORT <= 65535 )) ||
    { echo "dns.sh: --port must be in 1024...65535 (no root needed for those)" >&2; exit 2; }

say() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
note() { printf 'dns: %s\n' "$*" >&2; }

# --- Debian packages -------------------------------------------------------------------------------------
PATH="$PATH:/usr/sbin:/sbin"     # dnsmasq lives in /usr/sbin, outside a normal user's PATH
need=(dnsperf dnsmasq-base bind9-dnsutils jq python3 util-linux procps iproute2)
missing=()
for p in "${need[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        note "installing Debian packages: ${missing[*]}"
        # DPkg::Lock::Timeout: wait for another apt-get/dpkg (up to 10 minutes) instead of failing at once.
        if ! { apt-get -o DPkg::Lock::Timeout=600 update -qq &&
               DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${missing[@]}" >/dev/null; }; then
            note "apt-get could not install all of: ${missing[*]} (systems needing them are skipped)"
        fi
    else
        note "missing Debian packages: ${missing[*]} (not root, so not installing them; systems needing them are skipped)"
        note "to install them: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
    fi
fi
for tool in dnsperf dig jq python3 taskset ss; do
    command -v "$tool" >/dev/null || { echo "dns.sh: '$tool' is missing (see above for the package to install)" >&2; exit 1; }
done

# --- processes, cleanup ----------------------------------------------------------------------------------
TMP=$(mktemp -d /tmp/ovl-dns.XXXXXX)
chmod 711 "$TMP"                 # dnsmasq started as root reads its hosts file as 'nobody'
RESULTS="$TMP/results.tsv"
: >"$RESULTS"
PIDS=()          # every process this script started and that may still run

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
forget_pids() {  # drops stopped pids from PIDS
    local keep=() p q drop
    for p in "${PIDS[@]}"; do
        drop=0; for q in "$@"; do [ "$p" = "$q" ] && drop=1; done
        (( drop )) || keep+=("$p")
    done
    PIDS=("${keep[@]}")
}
cleanup() {
    local rc=$?
    trap - EXIT INT TERM HUP
    stop_pids "${PIDS[@]}"
    rm -rf "$TMP"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# --- CPU pinning -----------------------------------------------------------------------------------------
CPUS=$(nproc)
if (( CPUS >= 2 )); then
    SERVER_CPU=(taskset -c 0)
    CLIENT_CPU=(taskset -c 1)
    PINNING="resolvers (and overlayd's controller and other nodes) on CPU 0, dnsperf on CPU 1 (taskset)"
else
    SERVER_CPU=()
    CLIENT_CPU=()
    PINNING="not pinned: one CPU, so resolver and dnsperf share it (the figures are lower bounds)"
fi

bg() {           # bg LOG CMD...: starts CMD on the server CPU in the background; sets BG_PID (the command's own pid)
    local log=$1; shift
    "${SERVER_CPU[@]}" "$@" >"$log" 2>&1 &
    BG_PID=$!
    PIDS+=("$BG_PID")
}
wait_for() {     # wait_for SECONDS CMD...: until CMD succeeds
    local limit=$1; shift
    local deadline=$((SECONDS + limit))
    until "$@" >/dev/null 2>&1; do
        (( SECONDS < deadline )) || return 1
        sleep 0.2
    done
}
# A loopback port free for both TCP and UDP (nodes take TCP for peers and UDP for data on the same port).
free_port() {
    python3 -c '
import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); port = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", port)); print(port); break
    except OSError:
        pass
    finally:
        u.close(); t.close()
'
}
# Whether ADDR:PORT is free for UDP and TCP (any listener on the port and that address or the wildcard counts).
dns_port_free() {
    ! ss -Hlnu "sport = :$2" | awk '{print $4}' | grep -qE "^($1|0\.0\.0\.0|\*|\[::\]):$2\$" &&
    ! ss -Hlnt "sport = :$2" | awk '{print $4}' | grep -qE "^($1|0\.0\.0\.0|\*|\[::\]):$2\$"
}
check_loopback() { case $1 in 127.*) ;; *) echo "dns.sh: refusing address $1 (outside 127.0.0.0/8)" >&2; exit 1 ;; esac; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }   # utime + stime, all threads
cpus_stat() { awk '/^cpu[01] / {printf "%s %d %d ", $1, $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
# cpus_busy "BEFORE" "AFTER": how busy CPU 0 and CPU 1 were in between, by anything (other processes, softirq).
cpus_busy() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, " "); split(b, y, " ")
        for (i = 1; i + 2 <= n; i += 3) { d = y[i+2] - x[i+2]; out = out sprintf("%s%s %.0f%%", out ? ", " : "", x[i], d ? 100 * (y[i+1] - x[i+1]) / d : 0) }
        print out }'
}
CLK=$(getconf CLK_TCK)

# --- measuring -------------------------------------------------------------------------------------------
record() { printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"; }   # label metric value
DOMAIN=overlay.internal
write_queries() {  # the two query files, for DOMAIN
    printf '%s A\n' "bob.$DOMAIN" "carol.$DOMAIN" "alice.$DOMAIN" >"$TMP/queries-a"
    { cat "$TMP/queries-a"; printf '%s A\n' "nobody.$DOMAIN"; } >"$TMP/queries-mix"
}

# dnsperf_run ADDR PORT QUERYFILE SECONDS OUT: dnsperf on the client CPU; its CPU seconds (user + sys) go to OUT.cpu.
dnsperf_run() {
    local addr=$1 port=$2 file=$3 secs=$4 out=$5 TIMEFORMAT='%U %S'
    { time timeout $((secs + 30)) "${CLIENT_CPU[@]}" dnsperf -s "$addr" -p "$port" -d "$file" -l "$secs" \
          -c "$CLIENTS" -T 1 -q "$OUTSTANDING" >"$out" 2>"$out.err"; } 2>"$out.cpu"
}
# Prints "qps latency_ms sent lost" and the response codes on a second line, from dnsperf's statistics.
dnsperf_parse() {
    awk '
        /Queries sent:/ { sent = $3 }
        /Queries lost:/ { lost = $3 }
        /Queries per second:/ { qps = $4 }
        /Average Latency \(s\):/ { lat = $4 * 1000 }
        /Response codes:/ { sub(/^[ \t]*Response codes:[ \t]*/, ""); codes = $0 }
        END { if (qps == "") exit 1; printf "%.0f %.3f %d %d\n%s\n", qps, lat, sent, lost, codes }
    ' "$1"
}

# measure LABEL ADDR PORT QUERYFILE SERVER_PID: a one-second warm-up, then RUNS runs of dnsperf.
measure() {
    local label=$1 addr=$2 port=$3 file=$4 spid=$5 r out t0 t1 c0 c1 stats qps lat sent lost codes rcpu pcpu
    check_loopback "$addr"
    dnsperf_run "$addr" "$port" "$file" 1 "$TMP/warmup"
    for r in $(seq 1 "$RUNS"); do
        out="$TMP/dnsperf.out"
        t0=$( [ -n "$spid" ] && cpu_ticks "$spid" || echo 0 ); c0=$(cpus_stat)
        dnsperf_run "$addr" "$port" "$file" "$TIME" "$out"
        t1=$( [ -n "$spid" ] && cpu_ticks "$spid" || echo 0 ); c1=$(cpus_stat)
        if ! stats=$(dnsperf_parse "$out"); then
            note "$label run $r/$RUNS: dnsperf gave no statistics:"; tail -5 "$out" "$out.err" | sed 's/^/  /' >&2
            record "$label" note "dnsperf failed"; continue
        fi
        read -r qps lat sent lost <<<"$(head -1 <<<"$stats")"
        codes=$(tail -n +2 <<<"$stats")
        pcpu=$(awk -v t="$TIME" '{printf "%.0f", ($1 + $2) * 100 / t}' "$out.cpu")
        record "$label" qps "$qps"; record "$label" lat "$lat"; record "$label" sent "$sent"; record "$label" lost "$lost"
        record "$label" codes "$codes"; record "$label" pcpu "$pcpu"
        if [ -n "$spid" ]; then
            rcpu=$(( (t1 - t0) * 100 / CLK / TIME )); record "$label" rcpu "$rcpu"
        else
            rcpu="?"
        fi
        printf '  %-32s run %d/%d: %s qps, avg latency %s ms, lost %s of %s; %s; CPU resolver %s%%, dnsperf %s%%; busy %s\n' \
            "$label" "$r" "$RUNS" "$qps" "$lat" "$lost" "$sent" "${codes:-no responses}" "$rcpu" "$pcpu" "$(cpus_busy "$c0" "$c1")" >&2
        [ -s "$out.err" ] && { note "$label run $r: dnsperf said:"; sort "$out.err" | uniq -c | sort -rn | head -5 | sed 's/^/  /' >&2; }
    done
}

# check_answers ADDR PORT: what the server says for bob (an answer) and nobody (NXDOMAIN), before measuring.
check_answers() {
    local addr=$1 port=$2 name
    for name in "bob.$DOMAIN" "nobody.$DOMAIN"; do
        printf '  dig %s: %s\n' "$name" \
            "$(dig @"$addr" -p "$port" +time=1 +tries=2 +noall +comments +answer "$name" A |
               awk '/->>HEADER<</ {sub(/,.*/, "", $6); s = $6} /^[^;]/ && NF {a = a " " $NF} END {print s (a ? " ->" a : "")}')" >&2
    done
}

# --- the systems -----------------------------------------------------------------------------------------
BOB_IP=198.19.0.3; CAROL_IP=198.19.0.4; ALICE_IP=198.19.0.2   # replaced by overlayd's own, once it ran

run_overlayd() {
    local label="overlayd" bin="${OVERLAYD_BIN:-}" d="$TMP/overlayd" pc pa pb pcar token cport ctl listen addr port
    if [ -z "$bin" ] || [ ! -x "$bin/overlayd-node" ]; then
        note "overlayd: set OVERLAYD_BIN to the release bin directory (make bench BENCH_ARGS=dns does); skipped"
        record "$label" note "skipped: OVERLAYD_BIN not set"; return 0
    fi
    if ! "$bin/overlayd-node" --help 2>&1 | grep -q -- '--dns-port'; then
        note "overlayd: this overlayd-node has no resolver (--dns-port); skipped"
        record "$label" note "skipped: overlayd-node has no resolver (--dns-port)"; return 0
    fi
    ctl="$bin/overlayctl"
    note "overlayd: $bin/overlayd-node, built $(date -u -r "$bin/overlayd-node" '+%Y-%m-%d %H:%M UTC')"
    say "overlayd (controller + alice, bob, carol on loopback, --no-tun; alice's resolver on port $PORT)"
    mkdir -p "$d" && chmod 700 "$d"
    head -c 32 /dev/urandom | base64 >"$d/passphrase"; chmod 600 "$d/passphrase"
    cport=$(free_port)
    bg "$d/controller.log" "$bin/overlayd-controller" --state-dir "$d/controller" \
        --listen "127.0.0.1:$cport" --advertise "127.0.0.1:$cport" --socket "$d/c.sock" \
        --passphrase-file "$d/passphrase" --network 198.19.0.0/16 --log-level warning; pc=$BG_PID
    local ok=0 name
    if wait_for 30 "$ctl" status --socket "$d/c.sock" &&
       token=$("$ctl" token create --socket "$d/c.sock" --uses 3 --ttl 10m 2>/dev/null) && [ -n "$token" ]; then
        bg "$d/alice.log" "$bin/overlayd-node" --name alice --state-dir "$d/alice" --join-token "$token" \
            --listen "127.0.0.1:$(free_port)" --socket "$d/alice.sock" --passphrase-file "$d/passphrase" \
            --roster-interval 1s --ping-interval 5s --log-level warning \
            --no-tun --dns on --dns-host none --dns-port "$PORT"; pa=$BG_PID
        for name in bob carol; do
            bg "$d/$name.log" "$bin/overlayd-node" --name "$name" --state-dir "$d/$name" --join-token "$token" \
                --listen "127.0.0.1:$(free_port)" --socket "$d/$name.sock" --passphrase-file "$d/passphrase" \
                --roster-interval 1s --ping-interval 5s --log-level warning --no-tun --dns off
            if [ "$name" = bob ]; then pb=$BG_PID; else pcar=$BG_PID; fi
        done
        # alice's loopback resolver, from her status (the loopback address is listed last)
        if wait_for 60 sh -c "'$ctl' status --socket '$d/alice.sock' --json | jq -e '.dns.listen | map(select(startswith(\"127.\"))) | length > 0'" &&
           listen=$("$ctl" status --socket "$d/alice.sock" --json | jq -r '.dns.listen | map(select(startswith("127."))) | last') &&
           addr=${listen%:*} && port=${listen##*:} && [ "$port" = "$PORT" ] &&
           wait_for 60 sh -c "'$ctl' status --socket '$d/alice.sock' --json | jq -e '.dns.domain != null'"; then
            DOMAIN=$("$ctl" status --socket "$d/alice.sock" --json | jq -r '.dns.domain')
            write_queries
            note "overlayd: alice answers on $addr:$port (all of .dns.listen: $("$ctl" status --socket "$d/alice.sock" --json | jq -c .dns.listen)), domain $DOMAIN"
            if wait_for 60 sh -c "dig @$addr -p $port +time=1 +tries=1 +short bob.$DOMAIN A | grep -q ." &&
               wait_for 30 sh -c "dig @$addr -p $port +time=1 +tries=1 +short carol.$DOMAIN A | grep -q ." &&
               wait_for 30 sh -c "dig @$addr -p $port +time=1 +tries=1 +short alice.$DOMAIN A | grep -q ."; then
                ok=1
                BOB_IP=$(dig @"$addr" -p "$port" +short "bob.$DOMAIN" A)
                CAROL_IP=$(dig @"$addr" -p "$port" +short "carol.$DOMAIN" A)
                ALICE_IP=$(dig @"$addr" -p "$port" +short "alice.$DOMAIN" A)
                check_answers "$addr" "$port"
                measure "overlayd (A)" "$addr" "$port" "$TMP/queries-a" "$pa"
                measure "overlayd (A+NX)" "$addr" "$port" "$TMP/queries-mix" "$pa"
                note "overlayd: alice's resolver counters afterwards: $("$ctl" status --socket "$d/alice.sock" --json | jq -c .dns.queries)"
            fi
        fi
    fi
    if (( ! ok )); then
        note "overlayd: alice's resolver did not answer bob.$DOMAIN; skipped. Log tails:"
        for name in controller alice bob carol; do
            [ -f "$d/$name.log" ] && { echo "  -- $name" >&2; tail -8 "$d/$name.log" | sed 's/^/  /' >&2; }
        done
        record "$label" note "did not come up"
    fi
    stop_pids ${pa:+"$pa"} ${pb:+"$pb"} ${pcar:+"$pcar"}; stop_pids "$pc"
    forget_pids ${pa:+"$pa"} ${pb:+"$pb"} ${pcar:+"$pcar"} "$pc"
}

run_dnsmasq() {
    local label="dnsmasq" d="$TMP/dnsmasq" addr pid v
    if ! command -v dnsmasq >/dev/null; then
        note "dnsmasq: not installed (Debian dnsmasq-base); skipped"; record "$label" note "skipped: not installed"; return 0
    fi
    v=$(dnsmasq --version | awk 'NR == 1 {print $3}'); label="dnsmasq $v"
    # A loopback address of its own, with the port free on it.
    for _ in $(seq 1 20); do
        addr="127.0.0.$((100 + RANDOM % 150))"
        dns_port_free "$addr" "$PORT" && break
        addr=""
    done
    [ -n "$addr" ] || { note "dnsmasq: port $PORT is taken on every 127.0.0.x tried; skipped"; record "$label" note "skipped: port $PORT taken"; return 0; }
    check_loopback "$addr"
    say "$label (hosts file, $addr:$PORT)"
    mkdir -p "$d" && chmod 755 "$d"
    [ -f "$TMP/queries-a" ] || write_queries
    printf '%s\t%s\n' "$ALICE_IP" "alice.$DOMAIN" "$BOB_IP" "bob.$DOMAIN" "$CAROL_IP" "carol.$DOMAIN" >"$d/hosts"
    chmod 644 "$d/hosts"
    # --conf-file=/dev/null: no /etc/dnsmasq.conf; --pid-file=: none; --log-facility=-: its log to stderr.
    bg "$d/dnsmasq.log" dnsmasq --keep-in-foreground --conf-file=/dev/null --pid-file= --log-facility=- \
        --port="$PORT" --listen-address="$addr" --bind-interfaces --no-resolv --no-hosts --addn-hosts="$d/hosts" \
        --cache-size=1000 --local="/$DOMAIN/" --local-ttl=5; pid=$BG_PID
    if wait_for 10 sh -c "dig @$addr -p $PORT +time=1 +tries=1 +short bob.$DOMAIN A | grep -q ."; then
        check_answers "$addr" "$PORT"
        measure "$label (A)" "$addr" "$PORT" "$TMP/queries-a" "$pid"
        measure "$label (A+NX)" "$addr" "$PORT" "$TMP/queries-mix" "$pid"
    else
        note "dnsmasq: did not answer bob.$DOMAIN; skipped. Its log:"; tail -8 "$d/dnsmasq.log" | sed 's/^/  /' >&2
        record "$label" note "did not come up"
    fi
    stop_pids "$pid"; forget_pids "$pid"
}

run_resolved() {
    local label="systemd-resolved" why="" name d="$TMP/resolved" pid
    if busctl status org.freedesktop.resolve1 >/dev/null 2>&1; then
        :
    elif [ -e /run/systemd/resolve/stub-resolv.conf ]; then
        :
    else
        why="systemd-resolved does not run here (PID 1 is '$(cat /proc/1/comm 2>/dev/null)'"
        [ "$(cat /proc/1/comm 2>/dev/null)" = systemd ] || why+=", not systemd"
        why+="; no org.freedesktop.resolve1 on the system bus, no /run/systemd/resolve/stub-resolv.conf)"
        note "$label: skipped: $why"; record "$label" note "skipped: $why"; return 0
    fi
    # A name /etc/hosts gives a non-loopback IPv4 address; resolved answers those from the file itself.
    name=$(awk '$1 ~ /^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$/ && $1 !~ /^127\./ && NF >= 2 {print $2; exit}' /etc/hosts)
    if [ -z "$name" ]; then
        note "$label: /etc/hosts names no non-loopback IPv4 address to ask for; skipped"
        record "$label" note "skipped: no IPv4 name in /etc/hosts"; return 0
    fi
    if ! dig @127.0.0.53 +time=1 +tries=2 +short "$name" A | grep -q .; then
        note "$label: the stub 127.0.0.53:53 does not answer $name; skipped"
        record "$label" note "skipped: stub 127.0.0.53 does not answer $name"; return 0
    fi
    say "$label (stub 127.0.0.53:53, /etc/hosts name $name; not pinned: a system service)"
    mkdir -p "$d"
    printf '%s A\n' "$name" >"$d/queries"
    pid=$(busctl call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetConnectionUnixProcessID s org.freedesktop.resolve1 2>/dev/null | awk '{print $2}')
    [ -r "/proc/${pid:-none}/stat" ] || pid=""
    measure "$label (hosts name, A)" 127.0.0.53 53 "$d/queries" "$pid"
}

LOAD0=$(cut -d' ' -f1-3 /proc/loadavg)
say "DNS resolver benchmark: $RUNS run(s) of dnsperf -l $TIME -c $CLIENTS -T 1 -q $OUTSTANDING; $CPUS cores, Linux $(uname -r)"
note "pinning: $PINNING"
run_overlayd
run_dnsmasq
run_resolved

say "results"
python3 - "$RESULTS" "$CPUS" "$(uname -r)" "$(date -u '+%Y-%m-%d %H:%M UTC')" "$RUNS" "$TIME" "$LOAD0" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$PINNING" "$(dnsperf -h 2>&1 | awk '/^Version/ {print $2}')" "$CLIENTS" "$OUTSTANDING" <<'PY'
import statistics, sys
path, cores, kernel, date, runs, t, load0, load1, pinning, dnsperf, clients, outstanding = sys.argv[1:13]
rows, order = {}, []
for line in open(path):
    label, metric, value = line.rstrip("\n").split("\t")
    if label not in rows: rows[label] = {}; order.append(label)
    rows[label].setdefault(metric, []).append(value)
def spread(vals, fmt):
    if not vals: return "–"
    v = sorted(float(x) for x in vals)
    if len(v) == 1: return fmt(v[0])
    return "–".join(fmt(x) for x in (v[0], statistics.median(v), v[-1]))
def span(vals, fmt):
    if not vals: return "–"
    v = [float(x) for x in vals]
    lo, hi = fmt(min(v)), fmt(max(v))
    return lo if lo == hi else f"{lo}–{hi}"
def lost(m):
    sent = sum(int(x) for x in m.get("sent", [])); n = sum(int(x) for x in m.get("lost", []))
    if not sent: return "–"
    return "0" if n == 0 else f"{n} of {sent} ({100 * n / sent:.3f}%)"
print(f"{cores} cores (nproc), Linux {kernel}, {date}; dnsperf {dnsperf}, UDP, -c {clients} -T 1 -q {outstanding}, "
      f"-l {t}, {runs} run(s) each; {pinning};")
print(f"load average {load0} at the start, {load1} at the end. A: bob, carol, alice (A records); "
      f"A+NX: those and an unknown name (a quarter NXDOMAIN). CPU: the process's own user + system time "
      f"per second (loopback delivery, in softirq, is partly counted elsewhere).")
busy = max(float(load0.split()[0]), float(load1.split()[0]))
if busy >= 0.5:
    print(f"Note: the machine was not idle (1-minute load up to {busy:.2f}): other processes shared both CPUs, "
          f"so the figures are noisy; compare rows of one run only.")
print()
print("| system | qps min–median–max | avg latency ms | lost | responses | CPU resolver | CPU dnsperf |")
print("|---|---|---|---|---|---|---|")
for label in order:
    m = rows[label]
    if "qps" not in m:
        print(f"| {label} | {'; '.join(m.get('note', ['no result']))} | | | | | |"); continue
    qps = spread(m["qps"], lambda x: f"{x:,.0f}")
    lat = span(m.get("lat", []), lambda x: f"{x:.3f}")
    codes = m.get("codes", ["–"])[-1] or "none"
    rcpu = span(m.get("rcpu", []), lambda x: f"{x:.0f}%")
    pcpu = span(m.get("pcpu", []), lambda x: f"{x:.0f}%")
    extra = f" ({'; '.join(m['note'])})" if "note" in m else ""
    print(f"| {label}{extra} | {qps} | {lat} | {lost(m)} | {codes} | {rcpu} | {pcpu} |")
PY
