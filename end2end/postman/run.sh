#!/usr/bin/env bash
# Runs the Carebase Postman collection with newman against a running server.
#
#   end2end/postman/run.sh http://127.0.0.1:3311 [extra newman options...]
#
# The argument is the server's root URL; "/api" is appended (a URL that already ends in
# /api is used as is). newman comes from end2end/node_modules (cd end2end && npm ci).
# Exits non-zero when any request or assertion fails.
set -euo pipefail

if [[ $# -lt 1 || -z "$1" || "$1" == "-h" || "$1" == "--help" ]]; then
    echo "usage: $0 <base-url, e.g. http://127.0.0.1:3311> [newman options...]" >&2
    exit 2
fi

base="${1%/}"
shift
if [[ "$base" != */api ]]; then
    base="$base/api"
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
end2end="$(dirname "$here")"

if [[ ! -x "$end2end/node_modules/.bin/newman" ]]; then
    echo "newman is not installed: run 'npm ci' in $end2end first" >&2
    exit 2
fi

cd "$end2end"
# newman exits 1 when any assertion or request fails; set -e and exec pass that on.
exec npx --no-install newman run "$here/carebase.postman_collection.json" \
    --env-var "base_url=$base" \
    --reporters cli \
    --timeout-request 30000 \
    "$@"
