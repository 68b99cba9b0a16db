#!/usr/bin/env bash
# Runs the composed demo the way the README's federation section does (`npm run gateway` on a fresh data folder) and
# checks it: GraphiQL on the gateway's port, a query that enters through the complaints example and reaches the hub's
# cases under the hub's rules (anonymous, then with a token from `npm run token`), and a clean stop of all three parts.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR=$(mktemp -d)
export DATA_DIR
PORT=${GATEWAY_SMOKE_PORT:-4627}
HUB_PORT=$((PORT + 1))
COMPLAINTS_PORT=$((PORT + 2))
export PORT HUB_PORT COMPLAINTS_PORT
LOG=$(mktemp)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$DATA_DIR" "$LOG"; }
trap cleanup EXIT
fail() { echo "gateway smoke: FAIL: $*"; echo "--- log"; cat "$LOG"; exit 1; }
gql() { curl -s -X POST "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$1"; }

npm run --silent build
node dist/src/cli/gateway.js >"$LOG" 2>&1 &
pid=$!
for _ in $(seq 1 120); do
  gql '{"query":"{ me { kind } }"}' 2>/dev/null | grep -q ANONYMOUS && break
  kill -0 "$pid" 2>/dev/null || fail "the gateway exited during start-up"
  sleep 0.5
done
gql '{"query":"{ me { kind } }"}' | grep -q ANONYMOUS || fail "the gateway did not answer"
curl -sf -H 'accept: text/html' "http://127.0.0.1:$PORT/graphql" | grep -q '<title>LAP Hub' || fail "GraphiQL page on the gateway"

Q='{"query":"{ complaints { id case { reference confidential { summary } } } }"}'
anon=$(gql "$Q")
echo "$anon" | grep -q '"reference":"FTC-2004-017"' || fail "anonymous: the CLEAR case through the complaints example: $anon"
echo "$anon" | grep -q 'FTC-2004-021' && fail "anonymous: the RED case leaked: $anon"
echo "$anon" | grep -q '"path":"complaints.case.confidential"' || fail "anonymous: no redaction entry with the composed path: $anon"
TOKEN=$(node dist/src/cli/token.js tom.baker@meridianbank.example | tail -1)
tom=$(gql "$Q" "$TOKEN")
echo "$tom" | grep -q '"reference":"FTC-2004-021","confidential":{"summary"' || fail "tom: the RED case shared with him, tier included: $tom"

hub_pid=$(pgrep -f "$(pwd)/dist/src/main.js" -P "$pid" || true)
[ -n "$hub_pid" ] || fail "no hub process under the gateway"
kill -TERM "$pid"
wait "$pid" || fail "the gateway did not exit cleanly on SIGTERM"
pid=""
kill -0 "$hub_pid" 2>/dev/null && fail "the hub outlived the gateway"
grep -q "stopped cleanly" "$LOG" || fail "the hub did not stop cleanly"
echo "gateway smoke: ok"
