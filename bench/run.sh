#!/usr/bin/env bash
# Carebase benchmark: builds the release server, runs it against a throwaway PostgreSQL
# cluster, seeds one user with 20 patients, loads two read routes with wrk, measures the
# database's own ceiling with pgbench on the same machine, and prints a summary with
# PASS/FAIL against the targets. See bench/README.md.
#
#   bench/run.sh                      # from the repository root (or anywhere)
#
# Settings (environment variables, all optional):
#   BENCH_DURATION=15       seconds of each measured wrk run and of the pgbench run
#   BENCH_WARMUP=5          seconds of the warm-up run before each measurement
#   BENCH_CONNECTIONS=16    wrk connections and pgbench clients
#   BENCH_THREADS=2         wrk threads and pgbench threads (-j)
#   BENCH_PORT=             port for the server on 127.0.0.1 (default: first free from 3390)
#   BENCH_SKIP_BUILD=1      reuse target/release/server and target/site as they are
#   BENCH_BASELINE=0        skip the informational GET /api/health/ run
#   BENCH_PAGE=0            skip the informational run of the web app's /patients page
#                           (server-side rendered with the 20 patients)
#   BENCH_SQL=1             also run each route's own SQL through pgbench (its DB ceiling)
#   BENCH_SERVER_BIN=       measure another server binary (default target/release/server)
#   BENCH_PERF=1            also profile the whole machine with `perf record -a` during each
#                           measured run: bench/results/<run>/perf-*.txt (symbols need a
#                           binary built with CARGO_PROFILE_RELEASE_STRIP=false)
#   DATABASE_MAX_CONNECTIONS  passed to the server (its default is 16), as is
#   DATABASE_READ_CONNECTIONS (default 2 per CPU); the server also
#                           inherits the rest of the environment (e.g. GLIBC_TUNABLES)
#
# Exit status: 0 when the measurement completed (even if targets were missed);
# 1 when something broke (build, server, non-2xx responses, socket errors); 2 when a
# required tool is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

DURATION=${BENCH_DURATION:-15}
WARMUP=${BENCH_WARMUP:-5}
CONNS=${BENCH_CONNECTIONS:-16}
THREADS=${BENCH_THREADS:-2}
BASELINE=${BENCH_BASELINE:-1}
PAGE=${BENCH_PAGE:-1}
[ "$DURATION" -ge 4 ] 2>/dev/null || { echo "error: BENCH_DURATION must be a whole number >= 4" >&2; exit 2; }
[ "$WARMUP" -ge 1 ] 2>/dev/null || { echo "error: BENCH_WARMUP must be a whole number >= 1" >&2; exit 2; }
PATIENTS=20

# Targets.
DETAIL_MIN_RATIO=0.35
DETAIL_MAX_P99_MS=5
LIST_MIN_RATIO=0.15
MAX_RSS_MB=64
MAX_WASM_GZIP_BYTES=250000 # the web app's WASM bundle, gzip -9 (issue: "under 250 KB gzip")
MAX_FIRST_VISIT_BYTES=260000 # what a first visit to /patients downloads with br or gzip

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
fail() { printf '\033[31merror:\033[0m %s\n' "$*" >&2; exit 1; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/$STAMP"
mkdir -p "$OUT"
ln -sfn "$STAMP" "$ROOT/bench/results/latest"

# ---------------------------------------------------------------------------- tools
need() { command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is required ($2)" >&2; exit 2; }; }
need curl "apt-get install -y curl"
need awk "apt-get install -y gawk"
if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    step "installing wrk (apt-get)"
    DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >"$OUT/apt-wrk.log" 2>&1 \
      || { apt-get update >>"$OUT/apt-wrk.log" 2>&1 \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y wrk >>"$OUT/apt-wrk.log" 2>&1; } \
      || { cat "$OUT/apt-wrk.log" >&2; echo "error: could not install wrk" >&2; exit 2; }
  else
    echo "error: wrk is required (sudo apt-get install -y wrk)" >&2; exit 2
  fi
fi

# ---------------------------------------------------------------------------- build
source scripts/env.sh
if [ "${BENCH_SKIP_BUILD:-0}" = 1 ]; then
  step "skipping the build (BENCH_SKIP_BUILD=1)"
else
  step "building in release mode (log: ${OUT#"$ROOT"/}/build.log; may wait for cargo's lock)"
  cargo leptos build --release --precompress >"$OUT/build.log" 2>&1 \
    || { tail -n 40 "$OUT/build.log" >&2; fail "the release build failed"; }
  tail -n 2 "$OUT/build.log" | sed 's/^/    /'
fi
SERVER_BIN=${BENCH_SERVER_BIN:-"$ROOT/target/release/server"}
[ -x "$SERVER_BIN" ] || fail "$SERVER_BIN is missing: build it (run without BENCH_SKIP_BUILD)"
[ -d "$ROOT/target/site" ] || fail "target/site is missing: build it (run without BENCH_SKIP_BUILD)"

# ---------------------------------------------------------------------------- cleanup
server_pid=""
sampler_pid=""
load_pid="" # the wrk or pgbench running in the background, if any
RUN_TMP=$(mktemp -d /tmp/carebase-bench.XXXXXX)
cleanup() {
  set +eu
  [ -n "$sampler_pid" ] && kill "$sampler_pid" 2>/dev/null && wait "$sampler_pid" 2>/dev/null
  [ -n "$load_pid" ] && kill "$load_pid" 2>/dev/null && wait "$load_pid" 2>/dev/null
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    kill -TERM "$server_pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$server_pid" 2>/dev/null
    wait "$server_pid" 2>/dev/null
  fi
  if declare -F throwaway_pg_stop >/dev/null; then throwaway_pg_stop; fi
  rm -rf "$RUN_TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------- database
step "starting a throwaway PostgreSQL cluster"
source scripts/throwaway-pg.sh
throwaway_pg_start
trap cleanup EXIT # throwaway_pg_start installs its own EXIT trap; ours also stops it
PGBENCH="$PG_BIN/pgbench"
[ -x "$PGBENCH" ] || PGBENCH=$(command -v pgbench || true)
[ -n "$PGBENCH" ] && [ -x "$PGBENCH" ] || { echo "error: pgbench is required (postgresql-contrib)" >&2; exit 2; }
PSQL="$PG_BIN/psql"
[ -x "$PSQL" ] || PSQL=psql
"$PSQL" "$DATABASE_URL" -qc 'create database carebase_bench' -c 'create database pgbench'
APP_DB_URL="${DATABASE_URL/\/postgres?//carebase_bench?}"
PG_VERSION=$("$PSQL" "$DATABASE_URL" -Atc 'show server_version')
echo "    PostgreSQL $PG_VERSION, socket in $PG_TMP"

# ---------------------------------------------------------------------------- server
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
PORT=${BENCH_PORT:-}
if [ -z "$PORT" ]; then
  for p in $(seq 3390 3489); do port_free "$p" && { PORT=$p; break; }; done
  [ -n "$PORT" ] || fail "no free port in 3390-3489 (set BENCH_PORT)"
fi
BASE="http://127.0.0.1:$PORT"
JWT=$(head -c 20 /dev/urandom | od -An -tx1 | tr -d ' \n') # 40 hex characters
POOL_DESC="${DATABASE_MAX_CONNECTIONS:-"16 (server default)"}, read connections ${DATABASE_READ_CONNECTIONS:-"$((2 * $(nproc))) (server default: 2 per CPU)"}"
step "starting ${SERVER_BIN#"$ROOT"/} at $BASE (pool: $POOL_DESC; log: ${OUT#"$ROOT"/}/server.log)"
# Run from an empty directory so a developer's .env (read by dotenvy) cannot change the
# configuration being measured; everything the server needs is given here.
(
  cd "$RUN_TMP"
  exec env DATABASE_URL="$APP_DB_URL" LEPTOS_SITE_ADDR="127.0.0.1:$PORT" RUST_LOG=warn \
    JWT_SECRET="$JWT" CAREBASE_ENV=development CAREBASE_DATA_DIR="$RUN_TMP/data" \
    THROTTLE_SIGNUP=100000/hour THROTTLE_LOGIN_ADDRESS=100000/15m THROTTLE_REFRESH=100000/min \
    LEPTOS_SITE_ROOT="$ROOT/target/site" LEPTOS_OUTPUT_NAME=carebase \
    "$SERVER_BIN"
) >"$OUT/server.log" 2>&1 &
server_pid=$!
ready=0
for _ in $(seq 1 150); do
  if curl -fsS -o /dev/null "$BASE/api/health/ready/" 2>/dev/null; then ready=1; break; fi
  kill -0 "$server_pid" 2>/dev/null || { cat "$OUT/server.log" >&2; fail "the server exited"; }
  sleep 0.2
done
[ "$ready" = 1 ] || { cat "$OUT/server.log" >&2; fail "the server was not ready after 30 s"; }

START_RSS_KB=$(awk '/^VmRSS:/{print $2}' "/proc/$server_pid/status")
server_alive() { kill -0 "$server_pid" 2>/dev/null || { tail -n 40 "$OUT/server.log" >&2; fail "the server died"; }; }

# ---------------------------------------------------------------------------- seed
step "seeding: one user, $PATIENTS patients, 3 doctors, 3 mappings"
# api METHOD PATH JSON|'' EXPECTED_STATUS: the response body on stdout
api() {
  local method=$1 path=$2 body=$3 expect=$4 status args=()
  [ -n "$TOKEN" ] && args+=(-H "Authorization: Bearer $TOKEN")
  [ -n "$body" ] && args+=(-H 'Content-Type: application/json' --data "$body")
  status=$(curl -sS -o "$RUN_TMP/resp" -w '%{http_code}' -X "$method" "${args[@]}" "$BASE$path") \
    || fail "$method $path: curl failed"
  if [ "$status" != "$expect" ]; then
    echo "$method $path: expected $expect, got $status:" >&2; cat "$RUN_TMP/resp" >&2; echo >&2
    exit 1
  fi
  cat "$RUN_TMP/resp"
}
TOKEN=""
EMAIL="bench.user.$STAMP@example.com"
PASSWORD="Quiet-Harbor-7421-lantern"
api POST /api/auth/register/ \
  "{\"name\":\"Bench User\",\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"password2\":\"$PASSWORD\"}" \
  201 >"$OUT/seed-register.json"
USER_ID=$(sed -n 's/.*"user":{"id":\([0-9]*\).*/\1/p' "$OUT/seed-register.json")
api POST /api/auth/login/ "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\"}" 200 \
  >"$RUN_TMP/login.json"
TOKEN=$(sed -n 's/.*"access":"\([^"]*\)".*/\1/p' "$RUN_TMP/login.json")
[ -n "$TOKEN" ] || { cat "$RUN_TMP/login.json" >&2; fail "no access token in the login response"; }

groups=("A+" "A-" "B+" "B-" "AB+" "AB-" "O+" "O-")
: >"$OUT/seed-patients.json"
for i in $(seq 1 "$PATIENTS"); do
  dob=$(printf '19%02d-%02d-%02d' $((40 + i * 2)) $((1 + i % 12)) $((1 + i % 28)))
  body=$(printf '{"name":"Patient %02d Example","email":"patient%02d@example.com","phone_number":"+4479460%05d","address":"%d Bench Street, Testville","date_of_birth":"%s","blood_group":"%s","medical_history":"Seasonal allergies. Appendectomy in 2009. No known drug allergies. Patient %d."}' \
    "$i" "$i" "$i" "$i" "$dob" "${groups[$((i % 8))]}" "$i")
  api POST /api/patients/ "$body" 201 >>"$OUT/seed-patients.json"
  echo >>"$OUT/seed-patients.json"
done
PATIENT_ID=$(sed -n '1s/.*"patient":{"id":\([0-9]*\).*/\1/p' "$OUT/seed-patients.json")
[ -n "$PATIENT_ID" ] || fail "could not read a patient id from the create response"
for d in 1 2 3; do
  doc=$(api POST /api/doctors/ "{\"name\":\"Dr Bench $d\",\"email\":\"doctor$d.$STAMP@example.com\",\"specialization\":\"Cardiology\",\"license_number\":\"LIC-$STAMP-$d\",\"experience_years\":$((5 * d)),\"consultation_fee\":\"150.00\"}" 201)
  doc_id=$(printf '%s' "$doc" | sed -n 's/.*"doctor":{"id":\([0-9]*\).*/\1/p')
  api POST /api/mappings/ "{\"patient\":$PATIENT_ID,\"doctor\":$doc_id}" 201 >/dev/null
done

# What a browser downloads on its first visit to /patients, signed in and taking br or gzip:
# the page and each file it links to (stylesheet, script, WASM, icon), in bytes on the wire.
FIRST_VISIT_PAGE="$RUN_TMP/first-visit.html"
FIRST_VISIT_BYTES=$(curl -fsS --compressed -H 'Accept-Encoding: br, gzip' -H "Authorization: Bearer $TOKEN" \
  -o "$FIRST_VISIT_PAGE" -w '%{size_download}' "$BASE/patients") || fail "GET /patients failed"
FIRST_VISIT_FILES=$(grep -oE '(href|src)="/[^"]+\.(css|js|wasm|svg)"' "$FIRST_VISIT_PAGE" | sed 's/^[a-z]*="//; s/"$//' | sort -u)
for f in $FIRST_VISIT_FILES; do
  n=$(curl -fsS --compressed -H 'Accept-Encoding: br, gzip' -o /dev/null -w '%{size_download}' "$BASE$f") \
    || fail "GET $f failed"
  FIRST_VISIT_BYTES=$((FIRST_VISIT_BYTES + n))
done

DETAIL_PATH="/api/patients/$PATIENT_ID/"
# The detail run asks for the seeded patients in turn, as pgbench -S reads random rows:
# not one row over and over.
PATIENT_IDS=$(sed -n 's/.*"patient":{"id":\([0-9]*\).*/\1/p' "$OUT/seed-patients.json" | paste -sd, -)
[ "$(printf '%s' "$PATIENT_IDS" | tr ',' '\n' | grep -c .)" = "$PATIENTS" ] \
  || fail "could not read the $PATIENTS patient ids from $OUT/seed-patients.json"
# Each request is built once, when a wrk thread starts (its headers, the token included,
# are set by then): building it for every request cost wrk CPU the server needs.
cat >"$OUT/detail.lua" <<LUA
local ids = { $PATIENT_IDS }
local requests = {}
local n = 0
init = function(args)
  for i, id in ipairs(ids) do
    requests[i] = wrk.format(nil, "/api/patients/" .. id .. "/")
  end
end
request = function()
  n = n % #requests + 1
  return requests[n]
end
LUA
LIST_PATH="/api/patients/"
api GET "$DETAIL_PATH" "" 200 >"$OUT/sample-detail.json"
api GET "$LIST_PATH" "" 200 >"$OUT/sample-list.json"
grep -q "\"count\":$PATIENTS[,}]" "$OUT/sample-list.json" \
  || fail "the patient list does not report count $PATIENTS (see $OUT/sample-list.json)"
items=$(grep -o '"created_by_name"' "$OUT/sample-list.json" | wc -l)
[ "$items" = "$PATIENTS" ] || fail "the patient list returned $items items, expected $PATIENTS"
if [ "$PAGE" = 1 ]; then
  # The web app's list page accepts the same Bearer token as the API.
  api GET /patients "" 200 >"$OUT/sample-page.html"
  rows=$(grep -o 'Patient [0-9][0-9] Example' "$OUT/sample-page.html" | sort -u | wc -l)
  [ "$rows" = "$PATIENTS" ] || fail "the /patients page shows $rows patients, expected $PATIENTS"
fi
echo "    patient id $PATIENT_ID; detail $(wc -c <"$OUT/sample-detail.json") bytes, list $(wc -c <"$OUT/sample-list.json") bytes"

# ---------------------------------------------------------------------------- helpers
CLK_TCK=$(getconf CLK_TCK)
# CPU ticks (user + system) used so far by the given pids (one awk for all: cheap).
cpu_ticks() {
  local files=() pid
  for pid in "$@"; do files+=("/proc/$pid/stat"); done
  cat "${files[@]}" 2>/dev/null | awk '{ sub(/.*\) /, ""); t += $12 + $13 } END { print t + 0 }'
}
pg_pids() {
  local pm; pm=$(head -n 1 "$PG_TMP/data/postmaster.pid")
  echo "$pm"; pgrep -P "$pm" || true
}
NCPU=$(nproc)
# A snapshot of CPU ticks: machine busy, machine total, server, PostgreSQL ($PG_PIDS),
# load generator (pid $1).
cpu_snap() {
  local machine srv pg gen
  machine=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat)
  srv=$(cpu_ticks "$server_pid"); pg=$(cpu_ticks $PG_PIDS); gen=$(cpu_ticks "$1")
  echo "$machine $srv $pg $gen"
}
# cpu_window LABEL GEN_PID: while a load generator runs (started just before), measures
# the CPU split from its second 1 to 1 s before its end, as % of all CPUs; appended to
# $OUT/cpu.txt. Sets C_SRV_FRAC and C_PG_FRAC (fractions of the whole machine).
CPU_ROWS=()
cpu_window() {
  local b0 t0 s0 p0 g0 b1 t1 s1 p1 g1 row
  sleep 1
  PG_PIDS=$(pg_pids) # the postmaster and all its children, pgbench's backends included
  read -r b0 t0 s0 p0 g0 <<<"$(cpu_snap "$2")"
  sleep $((DURATION - 2))
  read -r b1 t1 s1 p1 g1 <<<"$(cpu_snap "$2")"
  if ! kill -0 "$2" 2>/dev/null; then
    echo "warning: $1 ended before its CPU window did; its CPU split is not valid" >&2
    echo "$1: CPU window overran the run" >>"$OUT/cpu.txt"
  fi
  read -r C_SRV_FRAC C_PG_FRAC <<<"$(awk -v t=$((t1 - t0)) -v s=$((s1 - s0)) -v p=$((p1 - p0)) \
    'BEGIN { if (t <= 0) t = 1; printf "%.6f %.6f", s / t, p / t }')"
  row=$(awk -v l="$1" -v b=$((b1 - b0)) -v t=$((t1 - t0)) -v s=$((s1 - s0)) -v p=$((p1 - p0)) -v g=$((g1 - g0)) \
    'BEGIN { if (t <= 0) t = 1; o = b - s - p - g; if (o < 0) o = 0
             printf "%-10s %8.1f %9.1f %9.1f %7.1f %7.1f", l, 100*s/t, 100*p/t, 100*g/t, 100*o/t, 100*(t-b)/t }')
  CPU_ROWS+=("$row")
  echo "$row" >>"$OUT/cpu.txt"
}
other_cpu_pct() { printf '%s\n' "${CPU_ROWS[@]}" | awk '{ if ($5 > m) m = $5 } END { printf "%.1f", m }'; }

rss_kb() { awk '/^VmRSS:/{print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0; }
hwm_kb() { awk '/^VmHWM:/{print $2}' "/proc/$server_pid/status" 2>/dev/null || echo 0; }

# Samples the server's VmRSS every 0.5 s into $1; bounded to 10 minutes.
sample_rss() {
  local out=$1 n=0
  while [ "$n" -lt 1200 ] && [ -r "/proc/$server_pid/status" ]; do
    awk '/^VmRSS:/{print $2}' "/proc/$server_pid/status" >>"$out" 2>/dev/null || true
    sleep 0.5
    n=$((n + 1))
  done
}

# to_ms VALUE_WITH_UNIT (wrk prints us, ms or s)
to_ms() {
  awk -v v="$1" 'BEGIN {
    if (v ~ /us$/) { sub(/us$/, "", v); printf "%.3f", v / 1000 }
    else if (v ~ /ms$/) { sub(/ms$/, "", v); printf "%.3f", v }
    else if (v ~ /m$/) { sub(/m$/, "", v); printf "%.3f", v * 60000 }
    else if (v ~ /s$/) { sub(/s$/, "", v); printf "%.3f", v * 1000 }
    else printf "nan" }'
}

# bench_route NAME PATH [WRK_SCRIPT]: warm-up, then a measured run with RSS and CPU
# sampling. A wrk Lua script, if given, chooses each request's path.
# Sets R_RPS, R_P50, R_P99, R_RSS_MAX_KB, R_SRV_US, R_PG_US.
bench_route() {
  local name=$1 path=$2 raw="$OUT/wrk-$1.txt"
  local url="$BASE$path"
  local script=()
  [ -n "${3:-}" ] && script=(-s "$3")
  step "wrk $path: ${WARMUP}s warm-up, then ${DURATION}s measured ($CONNS connections, $THREADS threads)"
  wrk -t"$THREADS" -c"$CONNS" -d"${WARMUP}s" "${script[@]}" -H "Authorization: Bearer $TOKEN" "$url" \
    >"$OUT/wrk-$name-warmup.txt" 2>&1 || fail "wrk warm-up failed: $(cat "$OUT/wrk-$name-warmup.txt")"
  server_alive
  check_wrk "$OUT/wrk-$name-warmup.txt"

  local rss_file="$OUT/rss-$name.txt"
  : >"$rss_file"
  sample_rss "$rss_file" &
  sampler_pid=$!
  wrk -t"$THREADS" -c"$CONNS" -d"${DURATION}s" --latency "${script[@]}" -H "Authorization: Bearer $TOKEN" "$url" \
    >"$raw" 2>&1 &
  local wrk_pid=$! perf_pid=""
  load_pid=$wrk_pid
  if [ "${BENCH_PERF:-0}" = 1 ]; then
    # System-wide samples (server, PostgreSQL, wrk, kernel) over the same window.
    (sleep 1; exec perf record -a -F 499 -o "$OUT/perf-$name.data" -- sleep $((DURATION - 2))) \
      >"$OUT/perf-$name.log" 2>&1 &
    perf_pid=$!
    # Syscalls and context switches of the server and of PostgreSQL, over the same window.
    local ev=raw_syscalls:sys_enter,context-switches,cpu-migrations
    (sleep 1; exec perf stat -x, -e "$ev" -p "$server_pid" -o "$OUT/perfstat-$name-server.csv" \
      -- sleep $((DURATION - 2))) >/dev/null 2>&1 &
    (sleep 1; exec perf stat -x, -e "$ev" -p "$(pg_pids | paste -sd, -)" \
      -o "$OUT/perfstat-$name-postgres.csv" -- sleep $((DURATION - 2))) >/dev/null 2>&1 &
  fi
  cpu_window "$name" "$wrk_pid"
  if [ -n "$perf_pid" ]; then
    wait "$perf_pid" || true
    sleep 0.5
    perf report -i "$OUT/perf-$name.data" --no-children --sort comm,dso,sym --stdio 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | head -n 120 >"$OUT/perf-$name.txt" || true
    perf report -i "$OUT/perf-$name.data" --no-children --sort comm,dso --stdio 2>/dev/null \
      | grep -v '^#' | grep -v '^$' | head -n 30 >"$OUT/perf-$name-by-dso.txt" || true
  fi
  wait "$wrk_pid" || fail "wrk failed: $(cat "$raw")"
  load_pid=""
  kill "$sampler_pid" 2>/dev/null || true
  wait "$sampler_pid" 2>/dev/null || true
  sampler_pid=""
  rss_kb >>"$rss_file"
  server_alive
  check_wrk "$raw"
  sed 's/^/    /' "$raw"

  R_RPS=$(awk '/^Requests\/sec:/{print $2}' "$raw")
  R_P50=$(to_ms "$(awk '/Latency Distribution/{f=1} f && $1=="50%"{print $2; exit}' "$raw")")
  R_P99=$(to_ms "$(awk '/Latency Distribution/{f=1} f && $1=="99%"{print $2; exit}' "$raw")")
  local reqs; reqs=$(awk '/requests in/{print $1; exit}' "$raw")
  [ -n "$R_RPS" ] && [ -n "$reqs" ] && [ "$reqs" -gt 0 ] || fail "could not parse $raw"
  R_RSS_MAX_KB=$(sort -n "$rss_file" | tail -n 1)
  if [ "${BENCH_PERF:-0}" = 1 ]; then
    local who
    for who in server postgres; do
      awk -F, -v r="$R_RPS" -v w=$((DURATION - 2)) -v who="$who" -v l="$name" \
        '$3 ~ /sys_enter/ { s = $1 } $3 == "context-switches" { c = $1 } $3 == "cpu-migrations" { m = $1 }
         END { printf "%-10s %-9s syscalls/req %6.2f  context switches/req %6.2f  migrations/req %6.3f\n", l, who, s / (w * r), c / (w * r), m / (w * r) }' \
        "$OUT/perfstat-$name-$who.csv" >>"$OUT/perfstat.txt" 2>/dev/null || true
    done
  fi
  # CPU time per request: the share of the machine times its CPUs, over the request rate.
  R_SRV_US=$(awk -v f="$C_SRV_FRAC" -v c="$NCPU" -v r="$R_RPS" 'BEGIN{printf "%.0f", f * c / r * 1e6}')
  R_PG_US=$(awk -v f="$C_PG_FRAC" -v c="$NCPU" -v r="$R_RPS" 'BEGIN{printf "%.0f", f * c / r * 1e6}')
}

# A run that saw error statuses or socket errors did not measure the route: stop.
check_wrk() {
  if grep -q 'Non-2xx or 3xx responses' "$1"; then
    cat "$1" >&2; fail "non-2xx responses under load (see $1 and $OUT/server.log)"
  fi
  if grep -q 'Socket errors' "$1"; then
    cat "$1" >&2; fail "socket errors under load (see $1)"
  fi
}

# ---------------------------------------------------------------------------- pgbench
step "pgbench: initialising scale 10 in database pgbench"
PGB_CONN=(-h "$PG_TMP" -U carebase)
"$PGBENCH" "${PGB_CONN[@]}" -i -s 10 -q pgbench >"$OUT/pgbench-init.txt" 2>&1 \
  || { cat "$OUT/pgbench-init.txt" >&2; fail "pgbench -i failed"; }
step "pgbench -S -M prepared -c $CONNS -j $THREADS: ${WARMUP}s warm-up, then ${DURATION}s measured"
"$PGBENCH" "${PGB_CONN[@]}" -S -M prepared -c "$CONNS" -j "$THREADS" -T "$WARMUP" pgbench \
  >"$OUT/pgbench-warmup.txt" 2>&1 || { cat "$OUT/pgbench-warmup.txt" >&2; fail "pgbench failed"; }
"$PGBENCH" "${PGB_CONN[@]}" -S -M prepared -c "$CONNS" -j "$THREADS" -T "$DURATION" pgbench \
  >"$OUT/pgbench.txt" 2>&1 &
pgbench_pid=$!
load_pid=$pgbench_pid
cpu_window pgbench "$pgbench_pid"
wait "$pgbench_pid" || { cat "$OUT/pgbench.txt" >&2; fail "pgbench failed"; }
load_pid=""
grep -E '^(tps|latency|number of (transactions|failed))' "$OUT/pgbench.txt" | sed 's/^/    /'
PG_TPS=$(awk '/^tps = /{ if ($0 ~ /without initial connection|excluding connection/) { print $3; f=1; exit } if (!t) t=$3 }
              END { if (!f && t) print t }' "$OUT/pgbench.txt")
[ -n "$PG_TPS" ] || fail "could not parse the tps from $OUT/pgbench.txt"

# ------------------------------------------------------------------ SQL-only ceilings
# BENCH_SQL=1: each route's own query through pgbench (prepared, same clients) against the
# seeded database: what PostgreSQL alone can do for that route.
SQL_ROWS=()
if [ "${BENCH_SQL:-0}" = 1 ]; then
  cat >"$OUT/sql-detail.sql" <<SQL
\set id $PATIENT_ID
\set uid $USER_ID
select p.id, p.name, p.email, p.phone_number, p.address, p.date_of_birth, p.blood_group,
       p.medical_history, p.created_by, p.created_at, p.updated_at,
       u.name as owner_name, u.email as owner_email, u.date_joined as owner_joined
from unnest(array[:id]::int8[], array[:uid]::int8[]) as k(id, owner)
join patients p on p.id = k.id and p.created_by = k.owner
join users u on u.id = p.created_by;
SQL
  cat >"$OUT/sql-list.sql" <<SQL
\set uid $USER_ID
select p.id, p.name, p.email, p.phone_number, p.blood_group, u.name as created_by_name,
       p.created_at, count(*) over () as total
from patients p join users u on u.id = p.created_by where p.created_by = :uid
order by p.created_at desc, p.id desc limit 20 offset 0;
SQL
  for q in detail list; do
    step "pgbench -f sql-$q.sql (the $q route's query alone): ${WARMUP}s warm-up, then ${DURATION}s measured"
    "$PGBENCH" "${PGB_CONN[@]}" -n -M prepared -f "$OUT/sql-$q.sql" -c "$CONNS" -j "$THREADS" \
      -T "$WARMUP" carebase_bench >"$OUT/pgbench-sql-$q-warmup.txt" 2>&1 \
      || { cat "$OUT/pgbench-sql-$q-warmup.txt" >&2; fail "pgbench failed"; }
    "$PGBENCH" "${PGB_CONN[@]}" -n -M prepared -f "$OUT/sql-$q.sql" -c "$CONNS" -j "$THREADS" \
      -T "$DURATION" carebase_bench >"$OUT/pgbench-sql-$q.txt" 2>&1 &
    pgbench_pid=$!
    load_pid=$pgbench_pid
    cpu_window "sql-$q" "$pgbench_pid"
    wait "$pgbench_pid" || { cat "$OUT/pgbench-sql-$q.txt" >&2; fail "pgbench failed"; }
    load_pid=""
    tps=$(awk '/^tps = / && /without initial connection|excluding connection/ { print $3; exit }' \
      "$OUT/pgbench-sql-$q.txt")
    [ -n "$tps" ] || fail "could not parse the tps from $OUT/pgbench-sql-$q.txt"
    SQL_ROWS+=("$(printf '%-34s %9.0f %8s %8s %10s %9s %9.0f' "SQL of $q alone (pgbench -f)" "$tps" - - \
      "$(awk -v a="$tps" -v b="$PG_TPS" 'BEGIN{printf "%.3f", a / b}')" - \
      "$(awk -v f="$C_PG_FRAC" -v c="$NCPU" -v r="$tps" 'BEGIN{printf "%.0f", f * c / r * 1e6}')")")
  done
fi

# ---------------------------------------------------------------------------- load
IDLE_RSS_KB=$(rss_kb)
bench_route detail "$DETAIL_PATH" "$OUT/detail.lua"
D_RPS=$R_RPS D_P50=$R_P50 D_P99=$R_P99 D_RSS=$R_RSS_MAX_KB D_SRV=$R_SRV_US D_PG=$R_PG_US
bench_route list "$LIST_PATH"
L_RPS=$R_RPS L_P50=$R_P50 L_P99=$R_P99 L_RSS=$R_RSS_MAX_KB L_SRV=$R_SRV_US L_PG=$R_PG_US
if [ "$BASELINE" = 1 ]; then
  bench_route health /api/health/
  H_RPS=$R_RPS H_P50=$R_P50 H_P99=$R_P99 H_RSS=$R_RSS_MAX_KB H_SRV=$R_SRV_US H_PG=$R_PG_US
fi
if [ "$PAGE" = 1 ]; then
  bench_route page /patients
  P_RPS=$R_RPS P_P50=$R_P50 P_P99=$R_P99 P_RSS=$R_RSS_MAX_KB P_SRV=$R_SRV_US P_PG=$R_PG_US
fi
HWM_KB=$(hwm_kb)
MAX_RSS_KB=$(printf '%s\n' "$D_RSS" "$L_RSS" ${H_RSS:+"$H_RSS"} ${P_RSS:+"$P_RSS"} | sort -n | tail -n 1)

# The web app's WASM as the release build left it (after wasm-opt), raw and gzipped. Its
# name carries a content hash (carebase.<hash>.wasm); .br and .gz are its precompressed copies.
WASM_FILE=$(ls "$ROOT"/target/site/pkg/carebase*.wasm 2>/dev/null | head -n 1)
WASM_RAW=$(stat -c %s "$WASM_FILE" 2>/dev/null || echo 0)
WASM_GZIP=$( { gzip -9 -c "$WASM_FILE" 2>/dev/null || true; } | wc -c)

# ---------------------------------------------------------------------------- summary
mb() { awk -v k="$1" 'BEGIN{printf "%.1f", k / 1024}'; }
ratio() { awk -v a="$1" -v b="$PG_TPS" 'BEGIN{printf "%.3f", a / b}'; }
ge() { awk -v a="$1" -v b="$2" 'BEGIN{exit !(a >= b)}'; }
missed=()
verdict() { # verdict OK? DESCRIPTION
  if [ "$1" = 1 ]; then printf '  PASS  %s\n' "$2"; else printf '  FAIL  %s\n' "$2"; missed+=("$2"); fi
}
row() {
  printf '%-34s %9.0f %8.2f %8.2f %10s %9s %9s %9s\n' "$1" "$2" "$3" "$4" "$(ratio "$2")" "$5" "$6" "$(mb "$7")"
}
{
  echo
  echo "Carebase benchmark, $STAMP"
  echo "  commit $(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet HEAD 2>/dev/null || echo ' (uncommitted changes)'), $(nproc) CPUs, $(awk '/MemTotal/{printf "%.0f", $2/1048576}' /proc/meminfo) GB RAM, PostgreSQL $PG_VERSION"
  echo "  wrk: $CONNS connections, $THREADS threads, ${DURATION}s measured after ${WARMUP}s warm-up; server pool: $POOL_DESC"
  [ -n "${BENCH_SERVER_BIN:-}" ] && echo "  server binary: $SERVER_BIN"
  [ -n "${GLIBC_TUNABLES:-}${MALLOC_ARENA_MAX:-}" ] && echo "  malloc settings: GLIBC_TUNABLES=${GLIBC_TUNABLES:-} MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-}"
  echo
  printf 'Database ceiling: pgbench -S -M prepared -c %s -j %s -T %s (scale 10): %.0f tps\n' \
    "$CONNS" "$THREADS" "$DURATION" "$PG_TPS"
  echo
  printf '%-34s %9s %8s %8s %10s %9s %9s %9s\n' route rps 'p50 ms' 'p99 ms' rps/pgbench \
    'srv us/r' 'pg us/r' 'RSS MB'
  row "GET /api/patients/{id}/ ($PATIENTS ids)" "$D_RPS" "$D_P50" "$D_P99" "$D_SRV" "$D_PG" "$D_RSS"
  row "GET /api/patients/ ($PATIENTS items)" "$L_RPS" "$L_P50" "$L_P99" "$L_SRV" "$L_PG" "$L_RSS"
  if [ "$BASELINE" = 1 ]; then
    row "GET /api/health/ (baseline, no DB)" "$H_RPS" "$H_P50" "$H_P99" "$H_SRV" "$H_PG" "$H_RSS"
  fi
  if [ "$PAGE" = 1 ]; then
    row "GET /patients (web page, SSR)" "$P_RPS" "$P_P50" "$P_P99" "$P_SRV" "$P_PG" "$P_RSS"
  fi
  [ "${#SQL_ROWS[@]}" -gt 0 ] && printf '%s\n' "${SQL_ROWS[@]}"
  echo "  (srv/pg us/r: CPU time of the server / of all PostgreSQL processes per request; RSS MB: max sampled VmRSS)"
  echo
  echo "CPU use in the measured runs, % of all $NCPU CPUs (load gen: wrk or pgbench; other: processes outside this benchmark):"
  printf '%-10s %8s %9s %9s %7s %7s\n' run server postgres 'load gen' other idle
  printf '%s\n' "${CPU_ROWS[@]}"
  if [ -s "$OUT/perfstat.txt" ]; then
    echo "perf stat (BENCH_PERF=1), per request over the CPU window:"
    sed 's/^/  /' "$OUT/perfstat.txt"
  fi
  other=$(other_cpu_pct)
  if awk -v o="$other" 'BEGIN{exit !(o > 10)}'; then
    echo "WARNING: other processes took up to $other% of the machine during a measured run: the figures are noisy (lower than on an idle machine)."
  fi
  echo
  echo "Web app WASM (${WASM_FILE#"$ROOT"/}${BENCH_SERVER_BIN:+, this tree's build, not BENCH_SERVER_BIN's}): $WASM_RAW bytes, $WASM_GZIP bytes gzip -9"
  echo "First visit to /patients (page and $(echo "$FIRST_VISIT_FILES" | wc -w) files, br or gzip accepted): $FIRST_VISIT_BYTES bytes"
  echo "Server memory: ready $(mb "$START_RSS_KB") MB; idle after seeding $(mb "$IDLE_RSS_KB") MB; max VmRSS under load $(mb "$MAX_RSS_KB") MB; VmHWM at end $(mb "$HWM_KB") MB"
  echo
  echo "Targets:"
  d_min=$(awk -v t="$PG_TPS" -v r="$DETAIL_MIN_RATIO" 'BEGIN{printf "%.0f", t * r}')
  l_min=$(awk -v t="$PG_TPS" -v r="$LIST_MIN_RATIO" 'BEGIN{printf "%.0f", t * r}')
  verdict "$(ge "$D_RPS" "$d_min" && echo 1 || echo 0)" \
    "$(printf 'detail rps >= %s x ceiling: %.0f vs %s (ratio %s)' "$DETAIL_MIN_RATIO" "$D_RPS" "$d_min" "$(ratio "$D_RPS")")"
  verdict "$(ge "$DETAIL_MAX_P99_MS" "$D_P99" && echo 1 || echo 0)" \
    "$(printf 'detail p99 <= %s ms: %.2f ms' "$DETAIL_MAX_P99_MS" "$D_P99")"
  verdict "$(ge "$L_RPS" "$l_min" && echo 1 || echo 0)" \
    "$(printf 'list rps >= %s x ceiling: %.0f vs %s (ratio %s)' "$LIST_MIN_RATIO" "$L_RPS" "$l_min" "$(ratio "$L_RPS")")"
  verdict "$(ge "$MAX_RSS_MB" "$(mb "$MAX_RSS_KB")" && echo 1 || echo 0)" \
    "$(printf 'server RSS under load <= %s MB: %s MB' "$MAX_RSS_MB" "$(mb "$MAX_RSS_KB")")"
  verdict "$([ "$WASM_GZIP" -gt 0 ] && [ "$WASM_GZIP" -le "$MAX_WASM_GZIP_BYTES" ] && echo 1 || echo 0)" \
    "$(printf 'web app WASM <= %s bytes gzip: %s bytes' "$MAX_WASM_GZIP_BYTES" "$WASM_GZIP")"
  verdict "$([ "$FIRST_VISIT_BYTES" -le "$MAX_FIRST_VISIT_BYTES" ] && echo 1 || echo 0)" \
    "$(printf 'first visit to /patients <= %s bytes: %s bytes' "$MAX_FIRST_VISIT_BYTES" "$FIRST_VISIT_BYTES")"
  echo
  if [ "${#missed[@]}" = 0 ]; then
    echo "Result: all targets met."
  else
    echo "Result: ${#missed[@]} target(s) missed:"
    printf '  - %s\n' "${missed[@]}"
  fi
  echo "Raw outputs: bench/results/$STAMP/ (also bench/results/latest/)"
} | tee "$OUT/summary.txt"
