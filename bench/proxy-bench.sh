#!/usr/bin/env bash
# Airlock proxy benchmark: Airlock (gateway and forward mode) against squid and tinyproxy,
# all in front of one nginx serving a 1 KiB JSON file, measured with wrk; nginx itself as a
# reverse proxy (nginx-proxy) shows what any proxy can reach on the same cores. Then the response
# firewall: a 2 KB and a 200 KB JSON response through Airlock without and with JSON Schema
# validation (plus canonical re-serialization), the direct figures beside them.
#
# Everything runs on 127.0.0.1 only, from throwaway configs in a temp dir, on free high ports;
# no system service is used or touched. Every process started here is stopped at exit.
#
# Usage:  bench/proxy-bench.sh            (from the repo root; `make bench` builds first)
# Env:    AIRLOCK=path        Airlock binary (default .build/release/airlock)
#         AIRLOCK_ARGS="..."  extra `airlock serve` arguments (e.g. "--threads 1")
#         DURATION=10         seconds per measured wrk run
#         WARMUP=2            seconds of warm-up per target (not counted)
#         SOAK=60             seconds of the memory soak against Airlock gateway (0 = skip)
#         THREADS=2 CONNS=64  wrk threads and connections
#         KEEP_TMP=1          keep the temp dir (configs, logs, wrk output) for inspection
#         PARTS="proxies floor responses slow"   which parts to run (see below)
#         SIZES="2k 200k"     response documents measured in the responses part
#         ROUNDS=3            buffered and checked are measured alternately this many times (medians)
#         CANNED=path         the NIO floor server (default .build/release/airlock-canned-bench)
#         TRANSFERS=100000    transfers of the libcurl floor loop (bench/curl-multi-bench.c)
#         AIRLOCK_B=path      with PARTS=ab: a second Airlock binary to compare with AIRLOCK
#         SLOW_CLIENTS=16 SLOW_MIB=32 SLOW_HOLD=4   the slow part: clients, relayed file size, seconds unread
#
# Parts: "proxies" (the table above), "responses" (the firewall's cost), "floor": what the
# building blocks cost alone on the same cores: the same SwiftNIO server pipeline answering a
# canned 1 KiB (no upstream, no policy, no audit) and one thread driving libcurl's multi interface
# the way Airlock does (no server). With the CPU each server spends per request (from
# /proc/PID/stat, every process and thread of it), a simple model predicts each proxy's ratio to
# direct: wrk and nginx cost D = cores / direct req/s per request, a proxy adds P, so
# ratio = D / (D + P). nginx-proxy checks the model; NIO floor + libcurl floor is the best ratio
# a proxy made of those two parts can reach here. "ab": two Airlock builds side by side (AIRLOCK
# and AIRLOCK_B, each its own process on the same policy), measured in gateway mode alternately
# ROUNDS times; medians of req/s and CPU per request, and in how many rounds B was ahead. This is
# how a change to the proxy is judged here: one pair of runs is within the machine's noise.
# "slow": SLOW_CLIENTS clients ask Airlock for a SLOW_MIB file it relays (no rule inspects it) and
# read nothing for SLOW_HOLD seconds (bench/slow-clients.py): Airlock's RSS growth meanwhile,
# against what a relay that buffers would hold (clients x file size), then every answer read whole.
# With AIRLOCK_B set, B is measured the same way.
#
# The machine this runs on has 2 cores shared by wrk, nginx and the proxy under test, so the
# absolute numbers are low and noisy; the ratios between proxies are what this is for.
set -euo pipefail

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
SOAK=${SOAK:-60}
THREADS=${THREADS:-2}
CONNS=${CONNS:-64}
AIRLOCK=${AIRLOCK:-.build/release/airlock}
AIRLOCK_ARGS=${AIRLOCK_ARGS:-}
CANNED=${CANNED:-.build/release/airlock-canned-bench}
HOST=127.0.0.1          # the only address anything here listens on or connects to
ITEM_PATH=/v1/item.json

# A proxy variable in the environment would send curl's sanity checks somewhere else.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY no_proxy NO_PROXY

log() { printf '%s\n' "$*" >&2; }
die() { log ""; log "proxy-bench: FAILED: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------
# Processes and temp dir: everything is recorded so the EXIT trap can stop it.

TMP=""
declare -A PIDS=()      # name -> pid of each server started here
WRK_BG_PID=""           # the soak's background wrk, if running

cleanup() {
    local rc=$?
    trap - EXIT INT TERM
    if [[ -n "$WRK_BG_PID" ]] && kill -0 "$WRK_BG_PID" 2>/dev/null; then
        kill "$WRK_BG_PID" 2>/dev/null || true
    fi
    local name pid
    for name in "${!PIDS[@]}"; do
        pid=${PIDS[$name]}
        kill -TERM "$pid" 2>/dev/null || true
    done
    # Give each a few seconds to stop cleanly (Airlock flushes its audit log), then force it.
    for name in "${!PIDS[@]}"; do
        pid=${PIDS[$name]}
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            log "proxy-bench: $name (pid $pid) did not stop on SIGTERM; killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
        wait "$pid" 2>/dev/null || true
    done
    if [[ -n "$TMP" && -d "$TMP" ]]; then
        if [[ "${KEEP_TMP:-0}" == 1 ]]; then log "proxy-bench: kept $TMP"; else rm -rf "$TMP"; fi
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------------
# Tools

# Installs the missing tools from Debian's packages; `apt-get update` only when needed.
ensure_tools() {
    local missing=()
    command -v nginx     >/dev/null || missing+=(nginx-light)
    command -v wrk       >/dev/null || missing+=(wrk)
    command -v squid     >/dev/null || missing+=(squid)
    command -v tinyproxy >/dev/null || missing+=(tinyproxy)
    command -v curl      >/dev/null || missing+=(curl)
    command -v ss        >/dev/null || missing+=(iproute2)
    ((${#missing[@]} == 0)) && return 0
    log "proxy-bench: installing ${missing[*]}"
    local sudo=""
    [[ $EUID -ne 0 ]] && sudo=sudo
    $sudo apt-get update -qq || die "apt-get update failed"
    # nginx-light is gone from newer Debian releases: fall back to nginx.
    if ! DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; then
        missing=("${missing[@]/nginx-light/nginx}")
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null \
            || die "apt-get install ${missing[*]} failed"
    fi
    # The packages' own services (if the package started any) are not used: ours run apart.
    for t in nginx wrk squid tinyproxy curl; do
        command -v "$t" >/dev/null || die "$t is still missing after apt-get install"
    done
}

# ---------------------------------------------------------------------------------------------
# Ports and readiness

USED_PORTS=" "
# A free TCP port below the ephemeral range (32768+), so wrk's and the proxies' own outgoing
# connections cannot take it between the check and the bind.
free_port() {
    local p listening
    listening=$(ss -Htln 2>/dev/null | awk '{print $4}' | sed 's/.*://' | tr '\n' ' ')
    for _ in $(seq 200); do
        p=$((20000 + RANDOM % 12000))
        [[ " $listening " == *" $p "* || "$USED_PORTS" == *" $p "* ]] && continue
        USED_PORTS+="$p "
        echo "$p"; return 0
    done
    die "no free port found"
}

# Waits until NAME (pid PID) accepts connections on PORT; on failure shows its log and dies.
wait_listening() {
    local name=$1 pid=$2 port=$3 logfile=$4
    for _ in $(seq 150); do
        if ! kill -0 "$pid" 2>/dev/null; then
            log "--- $logfile"; tail -n 30 "$logfile" >&2 || true
            die "$name exited during startup (see its log above)"
        fi
        if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then return 0; fi
        sleep 0.1
    done
    log "--- $logfile"; tail -n 30 "$logfile" >&2 || true
    die "$name did not listen on $HOST:$port within 15 s"
}

# ---------------------------------------------------------------------------------------------
# Servers. Each gets a config in $TMP, runs in the foreground as our child, logs to $TMP.

start_nginx() {
    NGINX_PORT=$(free_port)
    NGINX_PROXY_PORT=$(free_port)
    local d=$TMP/nginx
    mkdir -p "$d/www/v1" "$d/logs" "$d/temp"
    # A 1024-byte JSON document: a fixed head, padded to exactly 1 KiB inside a string.
    local head='{"id":42,"name":"bench item","tags":["egress","proxy","benchmark"],"padding":"'
    local tail='"}'
    local pad=$((1024 - ${#head} - ${#tail}))
    { printf '%s' "$head"; head -c "$pad" /dev/zero | tr '\0' 'x'; printf '%s' "$tail"; } \
        > "$d/www/v1/item.json"
    [[ $(stat -c %s "$d/www/v1/item.json") == 1024 ]] || die "item.json is not 1024 bytes"
    make_documents "$d/www/v1"

    cat > "$d/nginx.conf" <<EOF
daemon off;
master_process on;
worker_processes auto;
pid $d/nginx.pid;
error_log $d/logs/error.log warn;
events { worker_connections 4096; }
http {
    access_log off;
    default_type application/json;
    types { application/json json; }
    keepalive_requests 100000;
    keepalive_timeout 65s;
    client_body_temp_path $d/temp/body;
    proxy_temp_path $d/temp/proxy;
    fastcgi_temp_path $d/temp/fastcgi;
    uwsgi_temp_path $d/temp/uwsgi;
    scgi_temp_path $d/temp/scgi;
    server {
        listen $HOST:$NGINX_PORT;
        root $d/www;
        location / { try_files \$uri =404; }
    }
    # The reference for what a proxy can reach on this machine: nginx itself as a reverse proxy
    # (same workers, keep-alive to the origin), the fastest C proxy at hand. No checks, no log.
    upstream origin {
        server $HOST:$NGINX_PORT;
        keepalive 64;
    }
    server {
        listen $HOST:$NGINX_PROXY_PORT;
        location / {
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffering on;
        }
    }
}
EOF
    # -e: the error log before the config is read (else nginx opens /var/log/nginx/error.log).
    nginx -p "$d" -e "$d/logs/error.log" -c "$d/nginx.conf" > "$d/logs/stdout.log" 2>&1 &
    PIDS[nginx]=$!
    wait_listening nginx "${PIDS[nginx]}" "$NGINX_PORT" "$d/logs/error.log"
}

# A ~2 KB and a ~200 KB list of charges, in canonical form (what Airlock re-serializes to, so
# the sanity check can compare bytes), and the JSON Schema the checked upstream validates with.
make_documents() {
    local dir=$1
    python3 - "$dir" "$TMP/charges.schema.json" <<'PY'
import json, sys
out, schema_path = sys.argv[1], sys.argv[2]
def charge(i):
    return {"id": "ch_%024d" % i, "object": "charge", "amount": 1000 + i, "currency": "usd",
            "captured": i % 2 == 0, "status": "succeeded", "description": "Order %d" % i,
            "metadata": {"order": str(i)}}
def doc(n):
    return {"object": "list", "url": "/v1/charges", "has_more": False, "data": [charge(i) for i in range(n)]}
for name, target in (("doc-2k.json", 2000), ("doc-200k.json", 200000)):
    n = 1
    while len(json.dumps(doc(n + 1), separators=(",", ":"))) <= target: n += 1
    open(out + "/" + name, "w").write(json.dumps(doc(n), separators=(",", ":")))
schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
  "required": ["object", "data", "has_more"],
  "properties": {"object": {"const": "list"}, "url": {"type": "string"}, "has_more": {"type": "boolean"},
    "data": {"type": "array", "items": {"$ref": "#/$defs/charge"}}},
  "$defs": {"charge": {"type": "object", "required": ["id", "object", "amount", "currency", "status"],
    "properties": {"id": {"type": "string", "pattern": "^ch_[0-9a-zA-Z]+$"}, "object": {"const": "charge"},
      "amount": {"type": "integer", "minimum": 0}, "currency": {"type": "string", "minLength": 3, "maxLength": 3},
      "captured": {"type": "boolean"}, "status": {"enum": ["succeeded", "pending", "failed"]},
      "description": {"type": ["string", "null"]},
      "metadata": {"type": "object", "additionalProperties": {"type": "string"}}}}}}
open(schema_path, "w").write(json.dumps(schema))
PY
}

start_squid() {
    SQUID_PORT=$(free_port)
    local d=$TMP/squid
    mkdir -p "$d"
    # Run as root, squid drops to its effective user (proxy), which must write here.
    chmod 1777 "$d"
    cat > "$d/squid.conf" <<EOF
http_port $HOST:$SQUID_PORT
acl bench_client src 127.0.0.1/32
http_access allow bench_client
http_access deny all
# A pure forwarding proxy: nothing cached, nothing logged per request.
cache deny all
cache_mem 8 MB
access_log none
cache_store_log none
cache_log $d/cache.log
pid_filename $d/squid.pid
coredump_dir $d
netdb_filename none
# Any name lookup squid makes stays on this machine (targets are IP literals anyway).
dns_nameservers 127.0.0.1
forwarded_for delete
# Stop at once on SIGTERM instead of the default 30 s drain.
shutdown_lifetime 0 seconds
max_filedescriptors 8192
EOF
    squid -k parse -f "$d/squid.conf" > "$d/parse.log" 2>&1 \
        || { cat "$d/parse.log" >&2; die "squid rejects its config"; }
    # -N: foreground, no daemon and no kid processes; -d1: startup errors to stderr.
    squid -N -d1 -f "$d/squid.conf" > "$d/stdout.log" 2>&1 &
    PIDS[squid]=$!
    wait_listening squid "${PIDS[squid]}" "$SQUID_PORT" "$d/stdout.log"
}

start_tinyproxy() {
    TINY_PORT=$(free_port)
    local d=$TMP/tinyproxy
    mkdir -p "$d"
    chmod 1777 "$d"
    local user_lines=""
    # Running as root, tinyproxy wants a user to drop to.
    if [[ $EUID -eq 0 ]]; then
        if id nobody >/dev/null 2>&1; then user_lines=$'User nobody\nGroup nogroup'; fi
    fi
    cat > "$d/tinyproxy.conf" <<EOF
$user_lines
Port $TINY_PORT
Listen $HOST
Allow 127.0.0.1
Timeout 600
MaxClients 1000
LogLevel Critical
LogFile "$d/tinyproxy.log"
PidFile "$d/tinyproxy.pid"
DisableViaHeader Yes
EOF
    tinyproxy -d -c "$d/tinyproxy.conf" > "$d/stdout.log" 2>&1 &
    PIDS[tinyproxy]=$!
    wait_listening tinyproxy "${PIDS[tinyproxy]}" "$TINY_PORT" "$d/stdout.log"
}

# start_airlock [NAME BINARY]: NAME is its PIDS entry and folder (default airlock, $AIRLOCK);
# sets AIRLOCK_PORT and AUDIT_FILE for the default one, AIRLOCK_B_PORT for any other.
start_airlock() {
    local name=${1:-airlock} binary=${2:-$AIRLOCK} port
    port=$(free_port)
    local d=$TMP/$name
    mkdir -p "$d"
    if [[ $name == airlock ]]; then AIRLOCK_PORT=$port; AUDIT_FILE=$d/audit.jsonl; else AIRLOCK_B_PORT=$port; fi
    cat > "$d/policy.yaml" <<EOF
listen: $HOST:$port
audit:
  file: $d/audit.jsonl
upstreams:
  bench:
    url: http://$HOST:$NGINX_PORT
    methods: [GET]
    paths: ["/v1/**"]
    allow_addresses: [127.0.0.1/32]
  buffered:
    url: http://$HOST:$NGINX_PORT
    methods: [GET]
    paths: ["/v1/**"]
    allow_addresses: [127.0.0.1/32]
    responses:
      - match: { path: "/v1/**" }   # a rule without body checks: buffered and passed, not validated
  bulk:                             # the slow part: a large relayed file
    url: http://$HOST:$NGINX_PORT
    methods: [GET]
    paths: ["/v1/**"]
    allow_addresses: [127.0.0.1/32]
    limits: { response_bytes: 1GiB, timeout: 120s }
  checked:
    url: http://$HOST:$NGINX_PORT
    methods: [GET]
    paths: ["/v1/**"]
    allow_addresses: [127.0.0.1/32]
    responses:
      - match: { path: "/v1/**", status: [200] }
        content_type: application/json
        schema: $TMP/charges.schema.json
EOF
    # shellcheck disable=SC2086  # AIRLOCK_ARGS is a list of words on purpose
    "$binary" serve --policy "$d/policy.yaml" $AIRLOCK_ARGS > "$d/stdout.log" 2>&1 &
    PIDS[$name]=$!
    wait_listening "$name" "${PIDS[$name]}" "$port" "$d/stdout.log"
    # Listening is not the same as answering: poll with curl until an HTTP answer comes back.
    for _ in $(seq 50); do
        curl -s -o /dev/null --max-time 2 "http://$HOST:$port/" && return 0
        sleep 0.1
    done
    die "$name ($binary) listens on $HOST:$port but gives no HTTP answer"
}

# ---------------------------------------------------------------------------------------------
# Targets and measurement

NGINX_URL() { echo "http://$HOST:$NGINX_PORT${1:-$ITEM_PATH}"; }

# Writes the wrk Lua script for a target. Forward-proxy mode is a request whose request line
# carries the absolute URL; wrk sends wrk.path verbatim, so pointing wrk at the proxy with
# path = the absolute URL is exactly what an HTTP_PROXY client sends. done() prints the
# numbers in one machine-readable line, so nothing depends on the layout of wrk's report.
write_lua() {
    local file=$1 path=$2 host_header=$3
    cat > "$file" <<EOF
wrk.method = "GET"
wrk.path = "$path"
wrk.headers["Host"] = "$host_header"

function done(summary, latency, requests)
    local e = summary.errors
    io.write(string.format(
        "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d connect=%d read=%d write=%d status=%d timeout=%d\n",
        summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
        e.connect, e.read, e.write, e.status, e.timeout))
end
EOF
}

# target name -> connect URL, lua file, sanity curl args, the file its answer must equal
declare -A T_URL=() T_LUA=() T_CURL=() T_EXPECT=()
ORDER=()

add_target() {
    local name=$1 port=$2 mode=$3     # mode: direct | reverse | forward | gateway | checked | buffered
    local path=${4:-$ITEM_PATH}
    T_SERVER[$name]=${5:-nginx}
    local lua=$TMP/wrk-$name.lua
    case $mode in
        direct)
            write_lua "$lua" "$path" "$HOST:$NGINX_PORT"
            T_CURL[$name]="$(NGINX_URL "$path")" ;;
        reverse)
            write_lua "$lua" "$path" "$HOST:$port"
            T_CURL[$name]="http://$HOST:$port$path" ;;
        forward)
            write_lua "$lua" "$(NGINX_URL "$path")" "$HOST:$NGINX_PORT"
            T_CURL[$name]="-x http://$HOST:$port $(NGINX_URL "$path")" ;;
        gateway|checked|buffered)
            local upstream=bench; [[ $mode != gateway ]] && upstream=$mode
            write_lua "$lua" "/$upstream$path" "$HOST:$port"
            T_CURL[$name]="http://$HOST:$port/$upstream$path" ;;
    esac
    T_EXPECT[$name]=$TMP/nginx/www$path
    T_URL[$name]="http://$HOST:$port"
    T_LUA[$name]=$lua
    ORDER+=("$name")
}

# One request with curl: must be 200 with exactly our JSON, else the numbers would be for errors.
sanity_check() {
    local name=$1 body=$TMP/sanity-$1.body code
    # shellcheck disable=SC2086  # T_CURL holds separate arguments on purpose
    code=$(curl -sS --max-time 10 -o "$body" -w '%{http_code}' ${T_CURL[$name]} 2>"$TMP/sanity-$name.err") \
        || { cat "$TMP/sanity-$name.err" >&2; die "$name: sanity request failed (curl ${T_CURL[$name]})"; }
    if [[ "$code" != 200 ]] || ! cmp -s "$body" "${T_EXPECT[$name]}"; then
        log "--- $name answered HTTP $code with:"; head -c 600 "$body" >&2; log ""
        die "$name: sanity request did not return 200 and the JSON (curl ${T_CURL[$name]})"
    fi
}

# Runs wrk against a target; the raw report goes to $TMP/wrk-NAME-TAG.txt, the BENCH line to stdout.
run_wrk() {
    local name=$1 secs=$2 tag=$3
    local out=$TMP/wrk-$name-$tag.txt
    wrk -t"$THREADS" -c"$CONNS" -d"${secs}s" --latency -s "${T_LUA[$name]}" "${T_URL[$name]}" \
        > "$out" 2>&1 || { cat "$out" >&2; die "wrk failed against $name"; }
    grep '^BENCH ' "$out" || { cat "$out" >&2; die "no result line from wrk for $name"; }
}

# Extracts key=value from a BENCH line.
field() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" <<<"$1"; }

audit_lines() { if [[ -f "${AUDIT_FILE:-}" ]]; then wc -l < "$AUDIT_FILE"; else echo 0; fi; }

declare -A R_RPS=() R_P50=() R_P99=() R_ERR=() R_REQ=() R_AUDIT=() R_CPU=() R_ORIGIN_CPU=()
declare -A T_SERVER=()  # target name -> the PIDS entry of the server that answers it

# CPU clock ticks (user + system) of PID and every process below it, all threads included.
tree_ticks() {
    local pid=$1 total=0 child
    [[ -r /proc/$pid/stat ]] || { echo 0; return; }
    # Fields after the ")" that ends the command name: utime and stime are the 12th and 13th.
    total=$(sed 's/.*) //' "/proc/$pid/stat" | awk '{ print $12 + $13 }')
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
        total=$((total + $(tree_ticks "$child")))
    done
    echo "$total"
}
TICKS=$(getconf CLK_TCK)

# CPU microseconds per request from two tick counts.
per_request_us() { awk -v a="$1" -v b="$2" -v n="$3" -v t="$TICKS" 'BEGIN { if (n > 0) printf "%.1f", (b - a) * 1e6 / t / n; else print "-" }'; }

measure() {
    local name=$1 line req dur a0 a1
    sanity_check "$name"
    run_wrk "$name" "$WARMUP" warmup >/dev/null
    local server=${T_SERVER[$name]:-nginx} c0 c1 o0 o1
    a0=$(audit_lines)
    c0=$(tree_ticks "${PIDS[$server]}"); o0=$(tree_ticks "${PIDS[nginx]}")
    line=$(run_wrk "$name" "$DURATION" run)
    c1=$(tree_ticks "${PIDS[$server]}"); o1=$(tree_ticks "${PIDS[nginx]}")
    sleep 0.5   # requests wrk abandoned at its deadline may still be finishing
    a1=$(audit_lines)
    req=$(field "$line" requests); dur=$(field "$line" duration_us)
    R_REQ[$name]=$req
    R_CPU[$name]=$(per_request_us "$c0" "$c1" "$req")
    R_ORIGIN_CPU[$name]=$(per_request_us "$o0" "$o1" "$req")
    R_RPS[$name]=$(awk -v r="$req" -v d="$dur" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
    R_P50[$name]=$(awk -v u="$(field "$line" p50_us)" 'BEGIN { printf "%.2fms", u / 1000 }')
    R_P99[$name]=$(awk -v u="$(field "$line" p99_us)" 'BEGIN { printf "%.2fms", u / 1000 }')
    local e="" k v
    for k in connect read write timeout status; do
        v=$(field "$line" "$k"); [[ "$v" != 0 ]] && e+="${e:+ }$k=$v"
    done
    [[ "$(field "$line" status)" != 0 ]] && e="${e/status=/non2xx=}"
    # A server that closes the connection after every response without saying
    # "Connection: close" (tinyproxy has no client keep-alive) makes wrk count one read error
    # per response as it finds the socket closed and reconnects; the responses were fine.
    local reads; reads=$(field "$line" read)
    if ((reads > 0 && reads >= req - 2 * CONNS && reads <= req + 2 * CONNS)); then
        e="${e/read=$reads/read=$reads*}"; CLOSE_NOTE=1
    fi
    R_ERR[$name]=${e:-0}
    R_AUDIT[$name]=$((a1 - a0))
    log "  $name: ${R_RPS[$name]} req/s, p50 ${R_P50[$name]}, p99 ${R_P99[$name]}, errors ${R_ERR[$name]}, ${R_CPU[$name]} µs CPU/request ($server)"
}

median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# A small difference between two noisy numbers (the validation cost, two builds): the pair is
# measured alternately ROUNDS times and the medians kept, so a burst of noise cannot land on one
# side only. R_WINS[second] counts the rounds in which the second had more req/s; R_PAIRED[second]
# is the median (and range) of the per-round ratios second/first, req/s and CPU per request: the
# two runs of a round share the machine's state of the moment, so their ratio is steadier than
# the ratio of the medians when the machine drifts between rounds.
declare -A R_WINS=() R_PAIRED=()
alternate() {
    local first=$1 second=$2 r name
    declare -A runs=()
    local rps_ratios="" cpu_ratios=""
    R_WINS[$second]=0
    for ((r = 0; r < ${ROUNDS:-3}; r++)); do
        for name in "$first" "$second"; do
            measure "$name"
            runs[$name]+="${R_RPS[$name]} "
            runs[$name-p99]+="${R_P99[$name]%ms} "
            runs[$name-cpu]+="${R_CPU[$name]} "
        done
        ((R_RPS[$second] > R_RPS[$first])) && R_WINS[$second]=$((R_WINS[$second] + 1))
        rps_ratios+="$(ratio3 "${R_RPS[$second]}" "${R_RPS[$first]}") "
        cpu_ratios+="$(ratio3 "${R_CPU[$second]}" "${R_CPU[$first]}") "
    done
    R_PAIRED[$second]="req/s $(spread $rps_ratios), CPU per request $(spread $cpu_ratios)"
    for name in "$first" "$second"; do
        R_RPS[$name]=$(median ${runs[$name]})
        R_P99[$name]=$(median ${runs[$name-p99]})ms
        R_CPU[$name]=$(median ${runs[$name-cpu]})
        log "  $name: median of ${ROUNDS:-3}: ${R_RPS[$name]} req/s, ${R_CPU[$name]} µs CPU/request (runs: ${runs[$name]})"
    done
}

print_ab() {
    echo
    echo "A/B: Airlock gateway, wrk -t$THREADS -c$CONNS -d${DURATION}s, ${ROUNDS:-3} alternating rounds (medians)"
    printf '%-4s %10s %10s %12s  %s\n' build req/s p99 "cpu-us/req" binary
    printf '%-4s %10s %10s %12s  %s\n' A "${R_RPS[ab-a]}" "${R_P99[ab-a]}" "${R_CPU[ab-a]}" "$AIRLOCK"
    printf '%-4s %10s %10s %12s  %s\n' B "${R_RPS[ab-b]}" "${R_P99[ab-b]}" "${R_CPU[ab-b]}" "$AIRLOCK_B"
    echo "B/A req/s = $(ratio "${R_RPS[ab-b]}" "${R_RPS[ab-a]}"), CPU per request B/A = $(ratio "${R_CPU[ab-b]}" "${R_CPU[ab-a]}"); B ahead in ${R_WINS[ab-b]} of ${ROUNDS:-3} rounds"
    echo "B/A per round (median, range): ${R_PAIRED[ab-b]}"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
ratio3() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.3f", a / b; else print "-" }'; }
# "median (min-max)" of numbers.
spread() { printf '%s (%s-%s)' "$(median "$@")" "$(printf '%s\n' "$@" | sort -g | head -1)" "$(printf '%s\n' "$@" | sort -g | tail -1)"; }

print_table() {
    echo
    echo "Results: wrk -t$THREADS -c$CONNS -d${DURATION}s, 1 KiB JSON from nginx, all on $HOST ($(nproc) cores shared)"
    printf '%-18s %10s %10s %10s  %-24s %8s %12s\n' target req/s p50 p99 errors vs-direct "cpu-us/req"
    printf '%-18s %10s %10s %10s  %-24s %8s %12s\n' ------ ----- --- --- ------ --------- ----------
    local name
    for name in "${ORDER[@]}"; do
        printf '%-18s %10s %10s %10s  %-24s %8s %12s\n' "$name" "${R_RPS[$name]}" "${R_P50[$name]}" \
            "${R_P99[$name]}" "${R_ERR[$name]}" "$(ratio "${R_RPS[$name]}" "${R_RPS[direct]}")" "$(proxy_cpu "$name")"
    done
    echo "(cpu-us/req: CPU the answering server spent per request, all its processes and threads;"
    echo " for direct, nginx's; for nginx-proxy, nginx's beyond what direct cost it, so the proxying)"
    if [[ "${CLOSE_NOTE:-0}" == 1 ]]; then
        echo "* read errors ~ requests: that server closes the connection after every response"
        echo "  without announcing it (no client keep-alive); wrk counts each close as a read"
        echo "  error and reconnects. The responses themselves were complete."
    fi
    if [[ -n "${R_RPS[airlock-gateway]:-}" && -n "${R_RPS[squid]:-}" ]]; then
        echo
        echo "req/s ratios: Airlock gateway / squid     = $(ratio "${R_RPS[airlock-gateway]}" "${R_RPS[squid]}")"
        echo "              Airlock gateway / tinyproxy = $(ratio "${R_RPS[airlock-gateway]}" "${R_RPS[tinyproxy]}")"
        echo "              Airlock forward / squid     = $(ratio "${R_RPS[airlock-forward]}" "${R_RPS[squid]}")"
        echo "              Airlock gateway / nginx-proxy = $(ratio "${R_RPS[airlock-gateway]}" "${R_RPS[nginx-proxy]}")"
        echo "              nginx-proxy / direct        = $(ratio "${R_RPS[nginx-proxy]}" "${R_RPS[direct]}")  (the ceiling a proxy meets here)"
        echo
        echo "Audit lines written vs requests wrk completed (measured runs; wrk does not count the"
        echo "requests still in flight at its deadline, so audit may exceed wrk by up to $CONNS):"
        for name in airlock-gateway airlock-forward; do
            printf '  %-16s audit %8d   wrk %8d   diff %+d\n' "$name" "${R_AUDIT[$name]}" \
                "${R_REQ[$name]}" $(( R_AUDIT[$name] - R_REQ[$name] ))
        done
    fi
}

# The CPU a target's proxy spends per request (nginx-proxy shares its processes with the origin).
proxy_cpu() {
    local name=$1
    case $name in
        nginx-proxy) awk -v a="${R_CPU[nginx-proxy]}" -v b="${R_CPU[direct]}" 'BEGIN { printf "%.1f", a - b }' ;;
        *) echo "${R_CPU[$name]:--}" ;;
    esac
}

# ratio = D / (D + P): D = CPU per request of wrk + nginx (the cores over direct's req/s), P = the proxy's.
predicted() { awk -v p="$1" -v d="$2" 'BEGIN { if (p + d > 0) printf "%.2f", d / (d + p); else print "-" }'; }

# The building blocks alone: the NIO server pipeline with a canned answer, and the libcurl loop.
print_floor() {
    local cores d name
    cores=$(nproc)
    d=$(awk -v c="$cores" -v r="${R_RPS[direct]}" 'BEGIN { printf "%.1f", c * 1e6 / r }')
    echo
    echo "Floor: what the building blocks cost alone (CPU per request) and the ratio to direct the"
    echo "model predicts, ratio = D / (D + P), D = $cores cores / direct req/s = $d us (wrk + nginx per request)"
    printf '  %-44s %10s %10s %10s\n' "" "P us/req" predicted measured
    for name in nginx-proxy squid airlock-gateway airlock-forward; do
        [[ -n "${R_CPU[$name]:-}" ]] || continue
        printf '  %-44s %10s %10s %10s\n' "$name" "$(proxy_cpu "$name")" "$(predicted "$(proxy_cpu "$name")" "$d")" \
            "$(ratio "${R_RPS[$name]}" "${R_RPS[direct]}")"
    done
    printf '  %-44s %10s %10s %10s\n' "NIO server, canned 1 KiB (airlock-canned-bench)" "${R_CPU[nio-canned]}" "" \
        "$(ratio "${R_RPS[nio-canned]}" "${R_RPS[direct]}")"
    printf '  %-44s %10s\n' "libcurl multi loop, one thread (curl-multi-bench)" "$CURL_FLOOR_US"
    local floor
    floor=$(awk -v a="${R_CPU[nio-canned]}" -v b="$CURL_FLOOR_US" 'BEGIN { printf "%.1f", a + b }')
    printf '  %-44s %10s %10s\n' "NIO server + libcurl, nothing else" "$floor" "$(predicted "$floor" "$d")"
    echo "  (the last line is the best ratio to direct any proxy built from these two parts reaches"
    echo "   on these cores: no policy, no audit log, no hand-off between threads)"
}

# Runs the libcurl floor loop against nginx; sets CURL_FLOOR_US.
curl_floor() {
    local bin=$TMP/curl-multi-bench out
    cc -O2 -o "$bin" bench/curl-multi-bench.c -lcurl 2>"$TMP/curl-multi-bench.err" \
        || { cat "$TMP/curl-multi-bench.err" >&2; die "cannot build bench/curl-multi-bench.c (libcurl4-openssl-dev?)"; }
    "$bin" "$(NGINX_URL)" "${TRANSFERS:-100000}" 64 >/dev/null || die "curl-multi-bench warm-up failed"
    out=$("$bin" "$(NGINX_URL)" "${TRANSFERS:-100000}" 64) || die "curl-multi-bench failed: $out"
    CURL_FLOOR_US=$(sed -n 's/.*cpu_us_per_transfer=\([0-9.]*\).*/\1/p' <<<"$out")
    log "  curl-multi-bench: $out"
}

start_canned() {
    CANNED_PORT=$(free_port)
    "$CANNED" "$CANNED_PORT" > "$TMP/canned.log" 2>&1 &
    PIDS[canned]=$!
    wait_listening airlock-canned-bench "${PIDS[canned]}" "$CANNED_PORT" "$TMP/canned.log"
}

# The response firewall's cost: the same document through Airlock without and with a schema.
print_response_table() {
    echo
    echo "Response firewall: wrk -t$THREADS -c$CONNS -d${DURATION}s through Airlock gateway"
    echo "  relayed  = no rule: passed on as it arrives (whole when it announces <= 16 KiB)"
    echo "  buffered = a rule without body checks: buffered, passed as is"
    echo "  checked  = JSON Schema rule: buffered, parsed, validated, re-serialized"
    printf '%-9s %9s %9s %9s %9s %10s %10s %10s %11s\n' document direct relayed buffered checked p99-buf p99-chk chk/direct "check-cost"
    local size
    for size in ${SIZES:-2k 200k}; do
        local d=${R_RPS[direct-$size]} r=${R_RPS[airlock-$size]} b=${R_RPS[airlock-$size-buffered]} c=${R_RPS[airlock-$size-checked]}
        printf '%-9s %9s %9s %9s %9s %10s %10s %10s %10s%%\n' "$size" "$d" "$r" "$b" "$c" "${R_P99[airlock-$size-buffered]}" \
            "${R_P99[airlock-$size-checked]}" "$(ratio "$c" "$d")" \
            "$(awk -v p="$b" -v c="$c" 'BEGIN { printf "%.1f", (p - c) * 100 / p }')"
    done
    echo "(check-cost = throughput lost to validation: 1 - checked/buffered; target <= 15% for 2 KB)"
    local name
    for name in "${ORDER[@]}"; do
        [[ "$name" == direct-* || "$name" == airlock-2* ]] || continue
        [[ "${R_ERR[$name]}" == 0 ]] || echo "  errors in $name: ${R_ERR[$name]}"
    done
}

# Slow clients (PARTS=slow): see the header. One line per Airlock build.
slow_clients() {
    local n=${SLOW_CLIENTS:-16} mib=${SLOW_MIB:-32} hold=${SLOW_HOLD:-4} which port line
    local file=$TMP/nginx/www/v1/big.bin
    head -c $((mib << 20)) /dev/urandom > "$file"
    echo
    echo "Slow clients: $n clients ask for a ${mib} MiB relayed file and read nothing for ${hold}s, then all of it"
    for which in airlock airlock-b; do
        [[ -n "${PIDS[$which]:-}" ]] || continue
        if [[ $which == airlock ]]; then port=$AIRLOCK_PORT; else port=$AIRLOCK_B_PORT; fi
        line=$(python3 bench/slow-clients.py "$port" /bulk/v1/big.bin "$n" "$hold" $((mib << 20)) "${PIDS[$which]}") \
            || die "slow clients against $which failed"
        awk -v line="$line" -v n="$n" -v mib="$mib" -v name="$which" 'BEGIN {
            split(line, f, " "); for (i in f) { split(f[i], kv, "="); v[kv[1]] = kv[2] }
            grown = (v["rss_stalled_kib"] - v["rss_before_kib"]) / 1024; held = n * mib
            printf "  %-9s RSS %.1f MiB before, +%.1f MiB while stalled (%.3f of the %d MiB a buffering relay holds, %.2f MiB per client); %d/%d answers complete, RSS after %.1f MiB\n",
                name, v["rss_before_kib"] / 1024, grown, grown / held, held, grown / n, v["complete"], n, v["rss_after_kib"] / 1024 }'
    done
    rm -f "$file"
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# Memory soak: load on the gateway for SOAK seconds, Airlock's RSS sampled every 5 s.
# Growth past 20% between the 10 s sample (after warm-up allocations) and the last is flagged.
soak() {
    ((SOAK > 0)) || { echo; echo "Memory soak skipped (SOAK=0)"; return 0; }
    local pid=${PIDS[airlock]} name=airlock-gateway out=$TMP/wrk-soak.txt
    local t=0 rss series="" first="" last="" max=0 at10="" a0 a1 line
    echo
    echo "Memory soak: wrk against Airlock gateway for ${SOAK}s, VmRSS every 5 s"
    a0=$(audit_lines)
    wrk -t"$THREADS" -c"$CONNS" -d"${SOAK}s" -s "${T_LUA[$name]}" "${T_URL[$name]}" > "$out" 2>&1 &
    WRK_BG_PID=$!
    local start=$SECONDS
    while :; do
        kill -0 "$pid" 2>/dev/null || die "Airlock (pid $pid) died during the soak"
        rss=$(rss_kib "$pid")
        printf '  t=%3ds  RSS %7.1f MiB\n' "$t" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
        series+="$rss "
        [[ -z "$first" ]] && first=$rss
        ((t == 10)) && at10=$rss
        ((rss > max)) && max=$rss
        last=$rss
        ((t >= SOAK)) && break
        t=$((t + 5)); ((t > SOAK)) && t=$SOAK
        while ((SECONDS - start < t)); do sleep 0.2; done
    done
    wait "$WRK_BG_PID" || { cat "$out" >&2; die "soak wrk failed"; }
    WRK_BG_PID=""
    sleep 0.5
    a1=$(audit_lines)
    line=$(grep '^BENCH ' "$out") || { cat "$out" >&2; die "no result line from the soak wrk"; }
    mib() { awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }'; }
    echo "  RSS first $(mib "$first"), last $(mib "$last"), max $(mib "$max")"
    echo "  soak load: $(field "$line" requests) requests, errors: connect=$(field "$line" connect)" \
         "read=$(field "$line" read) write=$(field "$line" write) timeout=$(field "$line" timeout)" \
         "non2xx=$(field "$line" status); audit lines written: $((a1 - a0))"
    if [[ -n "$at10" ]] && ((at10 > 0)); then
        local growth
        growth=$(awk -v a="$at10" -v b="$last" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
        if awk -v g="$growth" 'BEGIN { exit !(g > 20) }'; then
            echo "  WARNING: RSS grew ${growth}% from t=10s to the end (> 20%): possible leak"
            SOAK_FLAG=1
        else
            echo "  RSS change from t=10s to the end: ${growth}% (threshold 20%)"
        fi
    else
        echo "  (soak shorter than 10 s: no growth check)"
    fi
}

# ---------------------------------------------------------------------------------------------

main() {
    cd "$(dirname "$0")/.."           # AIRLOCK's default path is relative to the repo root
    ensure_tools
    TMP=$(mktemp -d /tmp/airlock-bench.XXXXXX)
    chmod 755 "$TMP"                  # nginx workers and squid run as unprivileged users
    [[ "$AIRLOCK" == /* ]] || AIRLOCK=$PWD/$AIRLOCK
    [[ "$CANNED" == /* ]] || CANNED=$PWD/$CANNED
    if [[ "${SKIP_AIRLOCK:-0}" != 1 && ! -x "$AIRLOCK" ]]; then
        die "no Airlock binary at $AIRLOCK (run 'make release', or set AIRLOCK=; SKIP_AIRLOCK=1 runs the others alone)"
    fi

    log "proxy-bench: starting servers (temp dir $TMP)"
    start_nginx
    start_squid
    start_tinyproxy
    if [[ "${SKIP_AIRLOCK:-0}" != 1 ]]; then start_airlock; fi
    log "  nginx $NGINX_PORT, squid $SQUID_PORT, tinyproxy $TINY_PORT${AIRLOCK_PORT:+, airlock $AIRLOCK_PORT}"

    local parts=${PARTS:-proxies floor responses slow}
    if [[ " $parts " == *" proxies "* ]]; then
        add_target direct          "$NGINX_PORT" direct
        add_target nginx-proxy     "$NGINX_PROXY_PORT" reverse
        add_target squid           "$SQUID_PORT" forward "$ITEM_PATH" squid
        add_target tinyproxy       "$TINY_PORT"  forward "$ITEM_PATH" tinyproxy
        if [[ "${SKIP_AIRLOCK:-0}" != 1 ]]; then
            add_target airlock-gateway "$AIRLOCK_PORT" gateway "$ITEM_PATH" airlock
            add_target airlock-forward "$AIRLOCK_PORT" forward "$ITEM_PATH" airlock
        fi
    fi
    if [[ " $parts " == *" floor "* ]]; then
        [[ " $parts " == *" proxies "* ]] || die "the floor part needs the proxies part (PARTS=\"proxies floor\")"
        [[ -x "$CANNED" ]] || die "no $CANNED (make bench builds it: swift build -c release --product airlock-canned-bench)"
        start_canned
        add_target nio-canned "$CANNED_PORT" reverse "$ITEM_PATH" canned
    fi
    local first_response=${#ORDER[@]}
    if [[ " $parts " == *" responses "* && "${SKIP_AIRLOCK:-0}" != 1 ]]; then
        local size
        for size in ${SIZES:-2k 200k}; do
            add_target "direct-$size"          "$NGINX_PORT"   direct  "/v1/doc-$size.json"
            add_target "airlock-$size"         "$AIRLOCK_PORT" gateway  "/v1/doc-$size.json" airlock
            add_target "airlock-$size-buffered" "$AIRLOCK_PORT" buffered "/v1/doc-$size.json" airlock
            add_target "airlock-$size-checked" "$AIRLOCK_PORT" checked  "/v1/doc-$size.json" airlock
        done
    fi
    local first_ab=${#ORDER[@]}
    if [[ " $parts " == *" ab "* ]]; then
        [[ "${SKIP_AIRLOCK:-0}" != 1 ]] || die "the ab part compares two Airlock builds; SKIP_AIRLOCK=1 leaves none"
        [[ -n "${AIRLOCK_B:-}" ]] || die "the ab part needs AIRLOCK_B=path (the build to compare with AIRLOCK)"
        [[ "$AIRLOCK_B" == /* ]] || AIRLOCK_B=$PWD/$AIRLOCK_B
        [[ -x "$AIRLOCK_B" ]] || die "no Airlock binary at AIRLOCK_B=$AIRLOCK_B"
        start_airlock airlock-b "$AIRLOCK_B"
        add_target ab-a "$AIRLOCK_PORT" gateway "$ITEM_PATH" airlock
        add_target ab-b "$AIRLOCK_B_PORT" gateway "$ITEM_PATH" airlock-b
    fi

    log "proxy-bench: sanity checks, then ${WARMUP}s warm-up + ${DURATION}s per target"
    local name
    for name in "${ORDER[@]}"; do sanity_check "$name"; done
    for name in "${ORDER[@]}"; do
        [[ "$name" == *-buffered || "$name" == *-checked || "$name" == ab-* ]] || measure "$name"
    done
    if ((first_ab > first_response)); then
        local size
        for size in ${SIZES:-2k 200k}; do alternate "airlock-$size-buffered" "airlock-$size-checked"; done
    fi
    if [[ " $parts " == *" ab "* ]]; then alternate ab-a ab-b; fi

    if ((first_response > 0)); then
        local all=("${ORDER[@]}")
        ORDER=("${all[@]:0:first_response}")
        print_table
        ORDER=("${all[@]}")
    fi
    if [[ -n "${R_CPU[nio-canned]:-}" ]]; then curl_floor; print_floor; fi
    if ((first_ab > first_response)); then print_response_table; fi
    if [[ " $parts " == *" ab "* ]]; then print_ab; fi
    if [[ " $parts " == *" slow "* && "${SKIP_AIRLOCK:-0}" != 1 ]]; then
        if [[ -n "${AIRLOCK_B:-}" && -z "${PIDS[airlock-b]:-}" ]]; then
            [[ "$AIRLOCK_B" == /* ]] || AIRLOCK_B=$PWD/$AIRLOCK_B
            start_airlock airlock-b "$AIRLOCK_B"
        fi
        slow_clients
    fi
    SOAK_FLAG=0
    if [[ "${SKIP_AIRLOCK:-0}" != 1 && -n "${T_LUA[airlock-gateway]:-}" ]]; then soak; fi
    if [[ -n "${PIDS[airlock]:-}" ]] && ! kill -0 "${PIDS[airlock]}" 2>/dev/null; then
        die "Airlock exited during the benchmark (log: $TMP/airlock/stdout.log)"
    fi
    if [[ "${SKIP_AIRLOCK:-0}" != 1 ]]; then
        # A clean stop after sustained load is part of the result: exit 0, nothing on stderr
        # about the heap (a start/load/SIGTERM loop is how a heap bug was once found).
        local which apid arc
        for which in airlock airlock-b; do
            [[ -n "${PIDS[$which]:-}" ]] || continue
            apid=${PIDS[$which]} arc=0
            kill -TERM "$apid"
            wait "$apid" || arc=$?
            unset "PIDS[$which]"
            [[ $arc -eq 0 ]] || die "$which exited with status $arc on SIGTERM (log: $TMP/$which/stdout.log)"
            echo "$which stopped cleanly on SIGTERM after the load (exit 0)"
        done
    fi
    echo
    if [[ "$SOAK_FLAG" == 1 ]]; then echo "done (WARNING: Airlock's memory grew > 20% in the soak)"
    else echo "done"; fi
}

main "$@"
