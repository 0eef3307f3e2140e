#!/usr/bin/env bash
# Property-based API check: schemathesis generates requests from /schema/openapi.json against a
# real server (scratch database, migrated and seeded) and runs ALL its checks: no 5xx, every
# status, header, content type and body as documented, invalid input rejected, valid input
# accepted, credentials never ignored. Run by .ci/run, once per kind of caller: an
# administrator (passes every guard), a ward Front officer (a scoped role, so the 403s and
# the 404s for other wards are exercised too) and a citizen app's API key (then, each in a
# pass of its own, the two operations that end the caller's session).
#   bash scripts/schemathesis.sh [max-examples]
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-10}
PORT=${GIAMSAT_SCHEMATHESIS_PORT:-8877}
SERVER=${GIAMSAT_TEST_DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/postgres}
DB=giamsat_schemathesis_$$
export GIAMSAT_DATABASE_URL="${SERVER%/*}/$DB"
export GIAMSAT_BROKER=stub GIAMSAT_LOG_LEVEL=WARNING GIAMSAT_DATA_DIR="$(mktemp -d)"
REPORTS=${GIAMSAT_SCHEMATHESIS_REPORTS:-$GIAMSAT_DATA_DIR/reports}

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

PASSWORD=schemathesis-password
uv run giamsat migrate >/dev/null
uv run giamsat seed >/dev/null
uv run giamsat create-user st-admin --full-name "Schemathesis" --role admin \
  --password "$PASSWORD" >/dev/null
uv run giamsat create-user st-front --full-name "Schemathesis (MTTQ phường Hoàn Kiếm)" \
  --role front_officer --unit 00070 --password "$PASSWORD" >/dev/null
KEY=$(uv run giamsat create-api-client "Schemathesis app" --rate-limit 100000)
GIAMSAT_ADDRESS_PRELOAD=true uv run giamsat serve --port "$PORT" >"$GIAMSAT_DATA_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 480); do  # up to 4 minutes on a busy machine
  curl -fsS "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then
    echo "the server did not start:"; cat "$GIAMSAT_DATA_DIR/server.log"; exit 1
  fi
  sleep 0.5
done
token() {
  curl -fsS -X POST "http://127.0.0.1:$PORT/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$PASSWORD\"}" \
    | python3 -c 'import json,sys;print(json.load(sys.stdin)["access_token"])'
}

# The document as the server serves it, fetched once (its first build is slow on a busy machine).
SCHEMA="$GIAMSAT_DATA_DIR/openapi.json"
curl -fsS --max-time 120 "http://127.0.0.1:$PORT/schema/openapi.json" -o "$SCHEMA"
INTAKE="POST /api/v1/petitions"
# Logging out ends the caller's session, and so does an administrator's change of their own
# account (a password, a role): every later request of that pass would be a 401, so each has
# a pass of its own, last.
LOGOUT="POST /api/v1/auth/logout"
USER_CHANGE="PATCH /api/v1/admin/users/{user_id}"
status=0
run() {  # run NAME ARGS...: one schemathesis pass, all checks
  local name=$1
  shift
  echo "== schemathesis: $name"
  # filter_too_much: Hypothesis gives up on a random seed when a date path parameter with the
  # year pattern (2000-2100) filters out most generated strings; that says nothing about the API.
  uv run schemathesis --config-file scripts/schemathesis.toml run "$SCHEMA" --url "http://127.0.0.1:$PORT" --checks all \
    -n "$EXAMPLES" --no-color --suppress-health-check filter_too_much \
    --report junit --report-junit-path "$REPORTS/$name.xml" "$@" || status=$?
}
# Each pass logs in just before it starts. Staff and public routes as an administrator (who
# passes every guard)...
run admin -H "Authorization: Bearer $(token st-admin)" --exclude-name "$INTAKE" \
  --exclude-name "$LOGOUT" --exclude-name "$USER_CHANGE"
# ...as a ward Front officer (403 on admin routes, 404 outside ward 00070)...
run front_officer -H "Authorization: Bearer $(token st-front)" --exclude-name "$INTAKE" \
  --exclude-name "$LOGOUT"
# ...the citizen apps' intake route with an API key, once the address tables are built (a
# generated petition without a unit code resolves its address: the first one in a process
# waits for the tables, 8-27 s of CPU on a busy machine, past a generated request's timeout)...
curl -s -o /dev/null --max-time 300 -X POST "http://127.0.0.1:$PORT/api/v1/petitions" \
  -H "X-API-Key: $KEY" -H "Idempotency-Key: schemathesis-address-warm-up" \
  -H 'Content-Type: application/json' -d '{"kind": "feedback",
    "category": "environment_sanitation", "title": "Rác thải để trên vỉa hè",
    "description": "Rác để trước số 5 Hàng Trống nhiều ngày chưa được thu gom.",
    "address_text": "Số 5 phố Hàng Trống, phường Hàng Trống, quận Hoàn Kiếm",
    "consent_to_process": true}' || true
run api_client -H "X-API-Key: $KEY" --include-name "$INTAKE"
# ...and logging out (its first call ends the session: the others are 401, as documented).
run logout -H "Authorization: Bearer $(token st-front)" --include-name "$LOGOUT"
# ...and, last, an administrator changing users (themselves included, whose session it ends).
run user_change -H "Authorization: Bearer $(token st-admin)" --include-name "$USER_CHANGE"
if [ "$status" -ne 0 ]; then
  echo "schemathesis found failures; server log:"; tail -50 "$GIAMSAT_DATA_DIR/server.log"
fi
exit "$status"
