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

step "building the site for the browser tests"
cargo leptos build

step "Playwright (system Chromium)"
(cd end2end && npx playwright test)

step "all tests passed"
