#!/usr/bin/env bash
# Builds Carebase in release mode and starts it. With no DATABASE_URL it runs its own
# PostgreSQL cluster in .carebase/ (kept between runs). Ctrl-C stops both.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
source scripts/env.sh
# --precompress: the static files are also written as .br and .gz, served to browsers that take them.
cargo leptos build --release --precompress
exec target/release/server
