#!/usr/bin/env bash
# Runs every check and test of Carebase: format, lints, Rust unit and integration tests
# (against a throwaway PostgreSQL cluster), then the Playwright suite in system Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
source scripts/env.sh
source scripts/throwaway-pg.sh

step() { printf '\033[1m==> %s\033[0m (at %ss)\n' "$*" "$SECONDS"; }

step "formatting"
cargo fmt --all -- --check

step "starting a throwaway PostgreSQL cluster"
throwaway_pg_start
echo "    $DATABASE_URL"

step "clippy (server, tests included), checking every query against the database"
# The query macros run against a database with the migrations applied and write what they
# learn to a fresh directory; it must equal the committed .sqlx/, or offline builds would
# check SQL against stale data. (Touching the crates makes every macro run again.)
psql "$DATABASE_URL" -qc 'create database prepare'
prepare_url="${DATABASE_URL/\/postgres?//prepare?}"
for migration in migrations/*.sql; do
  psql "$prepare_url" -q -v ON_ERROR_STOP=1 -f "$migration"
done
fresh_sqlx=$(mktemp -d)
touch app/src/lib.rs server/src/lib.rs
SQLX_OFFLINE=false DATABASE_URL="$prepare_url" SQLX_OFFLINE_DIR="$fresh_sqlx" \
  cargo clippy -p server -p app --features app/ssr --all-targets -- -D warnings
if ! diff -r .sqlx "$fresh_sqlx" >/dev/null; then
  diff -r .sqlx "$fresh_sqlx" | head -20 >&2
  echo "error: .sqlx/ is stale: run scripts/sqlx-prepare.sh and commit .sqlx/" >&2
  exit 1
fi
rm -rf "$fresh_sqlx"
step "clippy (front end, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "Rust unit and integration tests"
cargo test -p server -p app --features app/ssr

step "building the site for the black-box tests"
cargo leptos build

port="${E2E_PORT:-3310}"
export E2E_BASE_URL="http://127.0.0.1:$port"
step "starting the server at $E2E_BASE_URL (log: target/e2e-server.log)"
psql "$DATABASE_URL" -qc 'create database e2e'
# Every test client is one address (127.0.0.1), and the suites sign up hundreds of users:
# the per-address throttles are raised for them (the integration tests cover the limits).
DATABASE_URL="${DATABASE_URL/\/postgres?//e2e?}" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  THROTTLE_SIGNUP=100000/hour THROTTLE_LOGIN_ADDRESS=100000/15m THROTTLE_REFRESH=100000/min \
  target/debug/server >target/e2e-server.log 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; throwaway_pg_stop' EXIT
for _ in $(seq 1 300); do
  curl -fsS "$E2E_BASE_URL/api/health/ready/" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat target/e2e-server.log >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$E2E_BASE_URL/api/health/ready/" >/dev/null || {
  echo "the server did not become ready in 60 s" >&2
  cat target/e2e-server.log >&2
  exit 1
}

step "Postman collection (newman): the specification's test order"
end2end/postman/run.sh "$E2E_BASE_URL"

step "OpenAPI conformance (schemathesis)"
SCHEMATHESIS_DATABASE_URL="${DATABASE_URL/\/postgres?//e2e?}" scripts/schemathesis.sh "$E2E_BASE_URL"

step "Playwright (system Chromium)"
# The FHIR R4 validator the audit spec runs (fhir.resources from PyPI, into its own venv).
scripts/fhir-r4-check.sh --install
# E2E_DATABASE_URL: the server's database, for the specs that set up what no page can (psql).
(cd end2end && E2E_DATABASE_URL="${DATABASE_URL/\/postgres?//e2e?}" npx playwright test)

step "all tests passed"
