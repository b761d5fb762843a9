#!/usr/bin/env bash
# Installs everything Carebase needs to build, run and test, on a fresh Debian 12 machine.
# Each step is skipped when already done; each failure says what is missing.
#   scripts/setup.sh            build and run tools
#   scripts/setup.sh --browser  also Chromium for the Playwright suite
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_LEPTOS_VERSION=0.3.10
# Must equal the wasm-bindgen crate pinned in Cargo.toml / Cargo.lock.
WASM_BINDGEN_VERSION=0.2.130

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

apt_updated=
apt_install() {
  command -v apt-get >/dev/null || die "$1 is missing and apt-get is not available: install $* by hand"
  [ "$(id -u)" = 0 ] || die "$1 is missing: run 'sudo apt-get install -y $*' (or run this script as root)"
  if [ -z "$apt_updated" ]; then
    apt-get update -qq || die "apt-get update failed"
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}

export PATH="$HOME/.cargo/bin:$PATH"
command -v cargo >/dev/null || die "cargo is not installed (install Rust with rustup first)"
command -v rustup >/dev/null || die "rustup is not installed (needed to add the wasm32 target)"

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown || die "rustup could not add wasm32-unknown-unknown"
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  step "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 20 minutes on 2 cores, once)"
  # no_downloads: cargo-leptos must use the tools installed here, never fetch binaries.
  cargo install cargo-leptos --version "$CARGO_LEPTOS_VERSION" --locked --features no_downloads \
    || die "could not install cargo-leptos"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then
  step "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 6 minutes, once)"
  # Not --locked: that lock file names a crate version the registry no longer serves.
  cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force \
    || die "could not install wasm-bindgen-cli"
fi

if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && ! command -v initdb >/dev/null \
   && [ -z "${PG_BIN_DIR:-}" ] && [ -z "${DATABASE_URL:-}" ]; then
  step "installing PostgreSQL"
  apt_install postgresql
fi

command -v npm >/dev/null || { step "installing Node.js"; apt_install nodejs npm; }

# Playwright and binaryen (wasm-opt for release builds; Debian's is too old).
if [ ! -d end2end/node_modules ] || [ end2end/package-lock.json -nt end2end/node_modules/.package-lock.json ]; then
  step "installing the end2end Node packages"
  (cd end2end && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error) \
    || die "npm ci failed in end2end/"
fi

if [ "${1:-}" = "--browser" ] && [ ! -x /usr/bin/chromium ]; then
  step "installing Chromium for the Playwright suite"
  apt_install chromium
fi
exit 0
