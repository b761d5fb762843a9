#!/usr/bin/env bash
# Checks the running server's real responses against its own OpenAPI document with
# schemathesis (from PyPI, installed into target/tools-venv on first use): no server
# errors, no undocumented status codes, no bodies or content types that break the schema.
#   scripts/schemathesis.sh http://127.0.0.1:3310
set -euo pipefail
cd "$(dirname "$0")/.."
base="${1:?usage: scripts/schemathesis.sh BASE_URL}"
venv=target/tools-venv
version=4.32.5
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$version"; then
  python3 -m venv "$venv" || { echo "error: python3 -m venv failed (apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install -q "schemathesis==$version" || { echo "error: could not install schemathesis" >&2; exit 1; }
fi

# A user of its own, so the run exercises authenticated operations. Given the server's
# database (SCHEMATHESIS_DATABASE_URL), an administrator made with the server's own
# `createsuperuser --no-input`, so the admin operations are exercised too.
email="schemathesis-$(date +%s)-$RANDOM@example.com"
if [ -n "${SCHEMATHESIS_DATABASE_URL:-}" ]; then
  DATABASE_URL="$SCHEMATHESIS_DATABASE_URL" CAREBASE_SUPERUSER_PASSWORD='SecurePass123!' RUST_LOG=error \
    target/debug/server createsuperuser --no-input --name "Schema Checker" --email "$email" >/dev/null
else
  curl -fsS -X POST "$base/api/auth/register/" -H 'Content-Type: application/json' \
    -d "{\"name\":\"Schema Checker\",\"email\":\"$email\",\"password\":\"SecurePass123!\",\"password2\":\"SecurePass123!\"}" >/dev/null
fi
token=$(curl -fsS -X POST "$base/api/auth/login/" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"SecurePass123!\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access"])')

"$venv/bin/st" run "$base/api/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
  --generation-deterministic
