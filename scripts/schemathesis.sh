#!/usr/bin/env bash
# Property-based API check: schemathesis generates requests from /schema/openapi.json against a
# real server (scratch database, migrated and seeded) and fails on any 5xx. Run by .ci/run.
#   bash scripts/schemathesis.sh [max-examples]
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-10}
PORT=${GIAMSAT_SCHEMATHESIS_PORT:-8877}
SERVER=${GIAMSAT_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
DB=giamsat_schemathesis_$$
export GIAMSAT_DATABASE_URL="${SERVER%/*}/$DB"
export GIAMSAT_BROKER=stub GIAMSAT_LOG_LEVEL=WARNING GIAMSAT_DATA_DIR="$(mktemp -d)"

psql "$SERVER" -qc "CREATE DATABASE $DB"
cleanup() {
  if [ -n "${SERVER_PID:-}" ]; then
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  psql "$SERVER" -qc "DROP DATABASE IF EXISTS $DB WITH (FORCE)" || true
  rm -rf "$GIAMSAT_DATA_DIR"
}
trap cleanup EXIT

uv run giamsat migrate >/dev/null
uv run giamsat seed >/dev/null
uv run giamsat create-user st-admin --full-name "Schemathesis" --role admin \
  --password schemathesis-password >/dev/null
KEY=$(uv run giamsat create-api-client "Schemathesis app" --rate-limit 100000)
uv run giamsat serve --port "$PORT" >"$GIAMSAT_DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.5; done
TOKEN=$(curl -fsS -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"st-admin","password":"schemathesis-password"}' \
  | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])')

SCHEMA="http://127.0.0.1:$PORT/schema/openapi.json"
status=0
# Staff routes as an administrator (who passes every guard)...
uv run schemathesis run "$SCHEMA" -c not_a_server_error -n "$EXAMPLES" \
  -H "Authorization: Bearer $TOKEN" --exclude-name "POST /api/v1/petitions" \
  --no-color || status=$?
# ...and the citizen apps' intake route with an API key.
uv run schemathesis run "$SCHEMA" -c not_a_server_error -n "$EXAMPLES" \
  -H "X-API-Key: $KEY" --include-name "POST /api/v1/petitions" \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "schemathesis found failures; server log:"; tail -50 "$GIAMSAT_DATA_DIR/server.log"
fi
exit "$status"
