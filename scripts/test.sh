#!/usr/bin/env bash
# Runs every check and test of Carebase: format, lints, Rust unit and integration tests
# (against a throwaway PostgreSQL cluster), then the Playwright suite in system Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --browser
source scripts/env.sh
source scripts/throwaway-pg.sh

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

step "formatting"
cargo fmt --all -- --check

step "clippy (server, tests included)"
cargo clippy -p server -p app --features app/ssr --all-targets -- -D warnings
step "clippy (front end, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "starting a throwaway PostgreSQL cluster"
throwaway_pg_start
echo "    $DATABASE_URL"

step "Rust unit and integration tests"
cargo test -p server -p app --features app/ssr

step "building the site for the black-box tests"
cargo leptos build

port="${E2E_PORT:-3310}"
export E2E_BASE_URL="http://127.0.0.1:$port"
step "starting the server at $E2E_BASE_URL (log: target/e2e-server.log)"
psql "$DATABASE_URL" -qc 'create database e2e'
DATABASE_URL="${DATABASE_URL/\/postgres?//e2e?}" LEPTOS_SITE_ADDR="127.0.0.1:$port" RUST_LOG=warn \
  target/debug/server >target/e2e-server.log 2>&1 &
server_pid=$!
trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null; throwaway_pg_stop' EXIT
for _ in $(seq 1 100); do
  curl -fsS "$E2E_BASE_URL/api/health/ready/" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat target/e2e-server.log >&2; exit 1; }
  sleep 0.2
done

step "Postman collection (newman): the specification's test order"
end2end/postman/run.sh "$E2E_BASE_URL"

step "OpenAPI conformance (schemathesis)"
scripts/schemathesis.sh "$E2E_BASE_URL"

step "Playwright (system Chromium)"
(cd end2end && npx playwright test)

step "all tests passed"
