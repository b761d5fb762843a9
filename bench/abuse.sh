#!/usr/bin/env bash
# Carebase under abuse: the release server against a throwaway PostgreSQL cluster, started
# with an open-file soft limit of 1024 as a default systemd or shell would give it, then
#
#   1. login storm: the patient-detail p99 of 16 connections, alone and while 32 other
#      connections sign in as fast as they can (target: p99 with the storm <= 3x without);
#   2. idle and slow connections: 1,000 connections that send nothing and 200 that send a
#      request head one byte at a time are held open, and health and patient reads are
#      timed meanwhile (target: every one answered within 1 s); then whether the server
#      closed them after HEADER_READ_TIMEOUT.
#
#   bench/abuse.sh                     # from the repository root (or anywhere)
#
# Settings (environment variables, all optional):
#   BENCH_DURATION=10      seconds of each measured wrk run
#   BENCH_SKIP_BUILD=1     reuse target/release/server and target/site as they are
#   BENCH_SERVER_BIN=      measure another server binary
#
# Exit status: 0 when the measurement completed (even if targets were missed); 1 when
# something broke; 2 when a tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DURATION=${BENCH_DURATION:-10}
STORM_MAX_RATIO=3
IDLE_MAX_MS=1000
IDLE=1000
SLOW=200
HEADER_READ_TIMEOUT=10

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }
need() { command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is required ($2)" >&2; exit 2; }; }
need curl "apt-get install -y curl"
need wrk "apt-get install -y wrk"
need python3 "apt-get install -y python3"

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/abuse-$STAMP"
mkdir -p "$OUT"

source scripts/env.sh
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then
  step "skipping the build (BENCH_SKIP_BUILD=1)"
else
  step "building in release mode (log: ${OUT#"$ROOT"/}/build.log)"
  cargo leptos build --release --precompress >"$OUT/build.log" 2>&1 \
    || { tail -n 40 "$OUT/build.log" >&2; fail "the release build failed"; }
fi
SERVER_BIN=${BENCH_SERVER_BIN:-"$ROOT/target/release/server"}
[ -x "$SERVER_BIN" ] || fail "$SERVER_BIN is missing: build it (run without BENCH_SKIP_BUILD)"

server_pid="" storm_pid="" holder_pid=""
RUN_TMP=$(mktemp -d /tmp/carebase-abuse.XXXXXX)
cleanup() {
  set +eu
  for pid in "$storm_pid" "$holder_pid"; do [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; done
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid"; for _ in $(seq 1 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null
  fi
  if declare -F throwaway_pg_stop >/dev/null; then throwaway_pg_stop; fi
  rm -rf "$RUN_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "starting a throwaway PostgreSQL cluster"
source scripts/throwaway-pg.sh
throwaway_pg_start
trap cleanup EXIT
PSQL="$PG_BIN/psql"; [ -x "$PSQL" ] || PSQL=psql
"$PSQL" "$DATABASE_URL" -qc 'create database carebase_abuse'
APP_DB_URL="${DATABASE_URL/\/postgres?//carebase_abuse?}"

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=""
for p in $(seq 3490 3589); do port_free "$p" && { PORT=$p; break; }; done
[ -n "$PORT" ] || fail "no free port in 3490-3589"
BASE="http://127.0.0.1:$PORT"
JWT=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n')
step "starting ${SERVER_BIN#"$ROOT"/} at $BASE with an open-file soft limit of 1024 (log: ${OUT#"$ROOT"/}/server.log)"
(
  cd "$RUN_TMP"
  ulimit -Sn 1024
  # Every client here is 127.0.0.1: the per-address throttles would stop the storm itself.
  exec env DATABASE_URL="$APP_DB_URL" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=info \
    JWT_SECRET="$JWT" CAREBASE_ENV=development CAREBASE_DATA_DIR="$RUN_TMP/data" \
    LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_OUTPUT_NAME=carebase \
    HEADER_READ_TIMEOUT="${HEADER_READ_TIMEOUT}s" ${PASSWORD_HASH_THREADS:+PASSWORD_HASH_THREADS=$PASSWORD_HASH_THREADS} \
    THROTTLE_SIGNUP=100000/hour THROTTLE_LOGIN_ADDRESS=1000000/15m THROTTLE_REFRESH=100000/min \
    "$SERVER_BIN"
) >"$OUT/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 150); do
  curl -fsS -o /dev/null "$BASE/api/health/ready/" 2>/dev/null && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$OUT/server.log" >&2; fail "the server exited"; }
  sleep 0.2
done
grep -m1 'open-file limit' "$OUT/server.log" | sed 's/^/    /' || true

step "seeding: one user with 20 patients"
EMAIL="abuse.$STAMP@example.com" PASSWORD="Quiet-Harbor-7421-lantern"
curl -fsS -o /dev/null -H 'Content-Type: application/json' \
  -d "{\"name\":\"Abuse Bench\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"password2\":\"$PASSWORD\"}" \
  "$BASE/api/auth/register/" || fail "register failed"
TOKEN=$(curl -fsS -H 'Content-Type: application/json' -d "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" \
  "$BASE/api/auth/login/" | sed -n 's/.*"access":"\([^"]*\)".*/\1/p')
[ -n "$TOKEN" ] || fail "no token"
IDS=""
for i in $(seq 1 20); do
  id=$(curl -fsS -H 'Content-Type: application/json' -H "Authorization: Bearer $TOKEN" \
    -d "{\"name\":\"Patient $i\",\"email\":\"p$i@example.com\"}" "$BASE/api/patients/" \
    | sed -n 's/.*"patient":{"id":\([0-9]*\).*/\1/p')
  IDS="$IDS${IDS:+,}$id"
done
cat >"$OUT/detail.lua" <<LUA
local ids = { $IDS }
local n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "/api/patients/" .. ids[n % #ids + 1] .. "/")
end
LUA
# The storm signs in 32 accounts in turn (so no account reaches its own throttle), counting
# the answers by status.
STORM_USERS=32
for i in $(seq 0 $((STORM_USERS - 1))); do
  curl -fsS -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"name\":\"Storm $i\",\"email\":\"storm$i.$STAMP@example.com\",\"password\":\"$PASSWORD\",\"password2\":\"$PASSWORD\"}" \
    "$BASE/api/auth/register/" || fail "registering storm user $i failed"
done
cat >"$OUT/login.lua" <<LUA
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) n = 0; ok = 0; busy = 0; throttled = 0; other = 0 end
request = function()
  n = n + 1
  local body = string.format('{"email":"storm%d.$STAMP@example.com","password":"$PASSWORD"}', n % $STORM_USERS)
  return wrk.format("POST", "/api/auth/login/", { ["Content-Type"] = "application/json" }, body)
end
response = function(status, headers, body)
  if status == 200 then ok = ok + 1 elseif status == 503 then busy = busy + 1
  elseif status == 429 then throttled = throttled + 1 else other = other + 1 end
end
done = function(summary, latency, requests)
  local o, b, t, x = 0, 0, 0, 0
  for _, th in ipairs(threads) do
    o = o + th:get("ok"); b = b + th:get("busy"); t = t + th:get("throttled"); x = x + th:get("other")
  end
  io.write(string.format("statuses: 200=%d 503=%d 429=%d other=%d\n", o, b, t, x))
end
LUA

# p99 in ms from wrk --latency output.
p99_ms() {
  awk '/^ +99%/ { v = $2; if (v ~ /us$/) { sub(/us/, "", v); v /= 1000 } else if (v ~ /ms$/) { sub(/ms/, "", v) } else if (v ~ /s$/) { sub(/s/, "", v); v *= 1000 } printf "%.2f", v }' "$1"
}
rps() { awk '/^Requests\/sec:/ { printf "%.0f", $2 }' "$1"; }
detail_run() { # detail_run NAME
  wrk -t2 -c16 -d"${DURATION}s" --latency -s "$OUT/detail.lua" -H "Authorization: Bearer $TOKEN" "$BASE" \
    >"$OUT/wrk-$1.txt" 2>&1 || fail "wrk failed: $(cat "$OUT/wrk-$1.txt")"
}

# ---------------------------------------------------------------------------- 1. storm
step "patient detail, 16 connections, ${DURATION}s: warm-up, then alone"
wrk -t2 -c16 -d3s -s "$OUT/detail.lua" -H "Authorization: Bearer $TOKEN" "$BASE" >/dev/null 2>&1
detail_run detail-alone
step "the same while 32 other connections sign in without pause"
wrk -t1 -c32 -d"$((DURATION + 4))s" --latency -s "$OUT/login.lua" "$BASE" \
  >"$OUT/wrk-login-storm.txt" 2>&1 &
storm_pid=$!
sleep 2
detail_run detail-storm
wait "$storm_pid" || true
storm_pid=""
ALONE_P99=$(p99_ms "$OUT/wrk-detail-alone.txt")
STORM_P99=$(p99_ms "$OUT/wrk-detail-storm.txt")
STORM_RATIO=$(awk -v a="$STORM_P99" -v b="$ALONE_P99" 'BEGIN { printf "%.2f", a / b }')
LOGIN_RPS=$(rps "$OUT/wrk-login-storm.txt")
LOGIN_STATUSES=$(grep -m1 '^statuses:' "$OUT/wrk-login-storm.txt" | sed 's/^statuses: //')
LOGIN_OK_RPS=$(awk -v d="$((DURATION + 4))" '/^statuses:/ { split($2, a, "="); printf "%.0f", a[2] / d }' "$OUT/wrk-login-storm.txt")
kill -0 "$server_pid" 2>/dev/null || fail "the server died during the storm"

# ---------------------------------------------------------------------------- 2. idle
step "holding $IDLE idle and $SLOW slowly-sent connections; timing health and patient reads"
cat >"$RUN_TMP/hold.py" <<'PY'
import socket, sys, time
host, port, idle, slow, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
conns, opened, failed = [], 0, 0
for i in range(idle + slow):
    try:
        s = socket.create_connection((host, port), timeout=5)
        conns.append(s)
        opened += 1
    except OSError:
        failed += 1
slow_conns = conns[idle:]
head = b"GET /api/health/ HTTP/1.1\r\nHost: localhost\r\nX-Padding: " + b"a" * 4000
sent = 0
print(f"opened {opened} failed {failed}", flush=True)
start = time.time()
while time.time() - start < hold:
    for s in slow_conns:
        try:
            s.send(head[sent:sent + 1])
        except OSError:
            pass
    sent += 1
    time.sleep(1)
closed = 0
for s in conns:
    s.setblocking(False)
    try:
        if s.recv(1) == b"":
            closed += 1
    except BlockingIOError:
        pass
    except OSError:
        closed += 1
print(f"closed by the server after {hold:.0f}s: {closed} of {opened}", flush=True)
PY
HOLD=$((HEADER_READ_TIMEOUT + 5))
python3 "$RUN_TMP/hold.py" 127.0.0.1 "$PORT" "$IDLE" "$SLOW" "$HOLD" >"$OUT/hold.txt" 2>&1 &
holder_pid=$!
for _ in $(seq 1 100); do grep -q '^opened' "$OUT/hold.txt" 2>/dev/null && break; sleep 0.1; done
sed 's/^/    /' "$OUT/hold.txt"
: >"$OUT/idle-times.txt"
for i in 1 2 3 4 5; do
  for path in /api/health/ "/api/patients/${IDS%%,*}/"; do
    t=$(curl -sS -o /dev/null -m 5 -w '%{http_code} %{time_total}' -H "Authorization: Bearer $TOKEN" "$BASE$path" || echo "000 5")
    echo "$path $t" >>"$OUT/idle-times.txt"
  done
  sleep 1
done
IDLE_WORST_MS=$(awk '{ if ($2 != 200) bad = 1; ms = $3 * 1000; if (ms > m) m = ms } END { printf "%.1f", bad ? 99999 : m }' "$OUT/idle-times.txt")
IDLE_FAILED=$(awk '$2 != 200' "$OUT/idle-times.txt" | wc -l)
wait "$holder_pid" || true
holder_pid=""
CLOSED_LINE=$(grep 'closed by the server' "$OUT/hold.txt" || echo "closed by the server: unknown")
kill -0 "$server_pid" 2>/dev/null || fail "the server died while connections were held"

# ---------------------------------------------------------------------------- summary
verdict() { if [ "$1" = 1 ]; then printf 'PASS'; else printf 'FAIL'; fi; }
storm_ok=$(awk -v r="$STORM_RATIO" -v m="$STORM_MAX_RATIO" 'BEGIN { print (r <= m) ? 1 : 0 }')
idle_ok=$(awk -v w="$IDLE_WORST_MS" -v m="$IDLE_MAX_MS" 'BEGIN { print (w <= m) ? 1 : 0 }')
{
  echo
  echo "Carebase under abuse ($(date -u +%FT%TZ), $(nproc) CPUs; results in ${OUT#"$ROOT"/})"
  echo "  open files: $(sed 's/\x1b\[[0-9;]*m//g' "$OUT/server.log" | grep -m1 -o 'before=[0-9]* now=[0-9]*' || echo 'see server.log')"
  printf '  %-44s %s\n' "login storm: detail p99 alone" "$ALONE_P99 ms"
  printf '  %-44s %s\n' "login storm: detail p99 with 32 sign-ins" "$STORM_P99 ms (x$STORM_RATIO, target <= x$STORM_MAX_RATIO) $(verdict "$storm_ok")"
  printf '  %-44s %s\n' "login storm: answers" "$LOGIN_RPS/s ($LOGIN_STATUSES); $LOGIN_OK_RPS sign-ins/s succeeded"
  printf '  %-44s %s\n' "idle+slow: worst health/patient read" "$IDLE_WORST_MS ms over 10 reads, $IDLE_FAILED failed (target <= $IDLE_MAX_MS ms) $(verdict "$idle_ok")"
  printf '  %-44s %s\n' "idle+slow: $(head -1 "$OUT/hold.txt")" "$CLOSED_LINE"
} | tee "$OUT/summary.txt"
