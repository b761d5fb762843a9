#!/usr/bin/env bash
# Validates FILE as a FHIR R4 searchset Bundle of AuditEvents (see fhir-r4-check.py), with
# fhir.resources from PyPI in target/fhir-venv (installed on first use; `--install` only
# installs). Its own venv: fhir.resources 6.4.0 needs pydantic 1, schemathesis pydantic 2.
#   scripts/fhir-r4-check.sh FILE.json
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/fhir-venv
if ! "$venv/bin/python" -c 'import fhir.resources' 2>/dev/null; then
  python3 -m venv "$venv" || { echo "error: python3 -m venv failed (apt-get install python3-venv)" >&2; exit 1; }
  "$venv/bin/pip" install -q "fhir.resources==6.4.0" "pydantic[email]==1.10.21" ||
    { echo "error: could not install fhir.resources" >&2; exit 1; }
fi
[ "${1:-}" = --install ] && exit 0
exec "$venv/bin/python" scripts/fhir-r4-check.py "${1:?usage: scripts/fhir-r4-check.sh FILE.json}"
