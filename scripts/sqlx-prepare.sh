#!/usr/bin/env bash
# Regenerates .sqlx/, the offline data that lets builds check SQL without a database.
# Run it after changing a migration or a sqlx::query!/query_as! macro, and commit .sqlx/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
source scripts/throwaway-pg.sh
throwaway_pg_start
psql "$DATABASE_URL" -qc 'create database prepare'
url="${DATABASE_URL/\/postgres?//prepare?}"
for migration in migrations/*.sql; do
  psql "$url" -q -v ON_ERROR_STOP=1 -f "$migration"
done
rm -rf .sqlx && mkdir .sqlx
# Touch the crates so every query macro runs again and writes its data.
touch app/src/lib.rs server/src/lib.rs
SQLX_OFFLINE=false DATABASE_URL="$url" SQLX_OFFLINE_DIR="$PWD/.sqlx" \
  cargo check -p server --all-targets --features app/ssr -p app
echo "wrote $(ls .sqlx | wc -l) query files to .sqlx/"
