#!/usr/bin/env bash
# Runs the composed demo the way the README's federation section does (`npm run gateway` on a fresh data folder) and
# checks it: GraphiQL on the gateway's port, a query that enters through the complaints example and reaches the hub's
# cases under the hub's rules (anonymous, then with a token from `npm run token`, then a forged token: 401), a
# subscription through the gateway, and a clean stop of all three parts.
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
# `… | has PATTERN`: grep -q on the whole of a command's output. A pipe straight into grep -q fails under pipefail
# whenever grep has matched and exited before the command wrote its last bytes (SIGPIPE, EPIPE).
has() { local text; text=$(cat); grep -q "$@" <<< "$text"; }
gql() { curl -s -X POST "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$1"; }

# Until the gateway started as $pid answers (at most a minute); `$1` names the start in the failure.
answering() {
  for _ in $(seq 1 120); do
    gql '{"query":"{ me { kind } }"}' 2>/dev/null | has ANONYMOUS && return 0
    kill -0 "$pid" 2>/dev/null || fail "the gateway exited during $1"
    sleep 0.5
  done
  fail "the gateway did not answer after $1"
}

npm run --silent build
node dist/src/cli/gateway.js >"$LOG" 2>&1 &
pid=$!
answering "start-up"
curl -sf -H 'accept: text/html' "http://127.0.0.1:$PORT/graphql" | has '<title>LAP Hub' || fail "GraphiQL page on the gateway"
curl -sf "http://127.0.0.1:$PORT/readyz" | has '"status":"ready"' || fail "/readyz on the gateway while its hub runs"

Q='{"query":"{ complaints { id case { reference confidential { summary } } } }"}'
anon=$(gql "$Q")
grep -q '"reference":"FTC-2004-017"' <<< "$anon" || fail "anonymous: the CLEAR case through the complaints example: $anon"
grep -q 'FTC-2004-021' <<< "$anon" && fail "anonymous: the RED case leaked: $anon"
grep -q '"path":"complaints.case.confidential"' <<< "$anon" || fail "anonymous: no redaction entry with the composed path: $anon"
TOKEN=$(node dist/src/cli/token.js tom.baker@meridianbank.example | tail -1)
tom=$(gql "$Q" "$TOKEN")
grep -q '"reference":"FTC-2004-021","confidential":{"summary"' <<< "$tom" || fail "tom: the RED case shared with him, tier included: $tom"
# A forged token: the hub refuses it, and so does the gateway, with 401 and no data.
status=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' -H "authorization: Bearer ${TOKEN%????}AAAA" -d "$Q")
[ "$status" = 401 ] || fail "a forged token through the gateway: expected 401, got $status"

# A subscription through the gateway (graphql-ws on its /graphql, the token in connection_init): Tom receives the RED
# case's change with its confidential tier and the complaints example's rows; a bad token is refused with 4403.
ANN=$(node dist/src/cli/token.js ann.carter@ftc.example | tail -1)
SUB=$(mktemp)
TOKEN="$TOKEN" URL="ws://127.0.0.1:$PORT/graphql" node -e '
const { createClient } = require("graphql-ws");
const WebSocket = require("ws");
const client = createClient({ url: process.env.URL, webSocketImpl: WebSocket, retryAttempts: 0,
  connectionParams: { authorization: "Bearer " + process.env.TOKEN } });
const timer = setTimeout(() => { console.log("no event"); process.exit(1); }, 30000);
client.on("connected", () => console.log("connected"));
client.subscribe({ query: "subscription { caseChanged { reference status confidential { summary } complaints { id } } }" }, {
  next: (r) => { console.log(JSON.stringify(r)); clearTimeout(timer); client.dispose().then(() => process.exit(0)); },
  error: (e) => { console.log("error", JSON.stringify(e)); process.exit(1); }, complete: () => undefined });
' >"$SUB" 2>&1 &
sub_pid=$!
# Until the hub holds the subscription (its metrics, on the hub's loopback port).
for _ in $(seq 1 120); do curl -s "http://127.0.0.1:$HUB_PORT/metrics" | has '^laphub_subscriptions_active 1' && break; sleep 0.5; done
curl -s "http://127.0.0.1:$HUB_PORT/metrics" | has '^laphub_subscriptions_active 1' || fail "the subscription did not reach the hub: $(cat "$SUB")"
gql '{"query":"mutation { updateCase(id: \"85a532e5-40f4-4c5f-8ec2-85973b967105\", input: { status: CLOSED }) { status } }"}' "$ANN" | has CLOSED || fail "ann: updateCase through the gateway"
wait "$sub_pid" || fail "subscription through the gateway: $(cat "$SUB")"
grep -q '"reference":"FTC-2004-021","status":"CLOSED","confidential":{"summary"' "$SUB" || fail "subscription: Tom's event: $(cat "$SUB")"
grep -q '"complaints":\[{"id":"c-1003"}\]' "$SUB" || fail "subscription: the complaints example's rows in the event: $(cat "$SUB")"
bad=$(URL="ws://127.0.0.1:$PORT/graphql" node -e '
const { createClient } = require("graphql-ws");
const client = createClient({ url: process.env.URL, webSocketImpl: require("ws"), retryAttempts: 0, lazy: false,
  connectionParams: { authorization: "Bearer not-a-token" }, onNonLazyError: () => undefined,
  on: { closed: (e) => { console.log(e.code, e.reason); process.exit(0); } } });
')
[ "$bad" = "4403 The token is not valid" ] || fail "subscription with a bad token: expected 4403 The token is not valid, got $bad"
rm -f "$SUB"

hub_pid=$(pgrep -f "$(pwd)/dist/src/main.js" -P "$pid" || true)
[ -n "$hub_pid" ] || fail "no hub process under the gateway"
kill -TERM "$pid"
wait "$pid" || fail "the gateway did not exit cleanly on SIGTERM"
pid=""
kill -0 "$hub_pid" 2>/dev/null && fail "the hub outlived the gateway"
grep -q "stopped cleanly" "$LOG" || fail "the hub did not stop cleanly"
# An operator's mistakes in the ports are one line each, before anything starts (nothing listens on these ports now).
out=$(HUB_URL="http://127.0.0.1:$PORT/graphql" npm run --silent gateway 2>&1) && fail "a HUB_URL naming the gateway itself started"
[ "$out" = "lap-hub gateway: HUB_URL http://127.0.0.1:$PORT/graphql is this gateway's own address (PORT $PORT): HUB_URL names running hubs (e.g. http://127.0.0.1:4001/graphql)" ] || fail "HUB_URL naming the gateway: $out"
out=$(COMPLAINTS_PORT="$PORT" npm run --silent gateway 2>&1) && fail "COMPLAINTS_PORT = PORT started"
[ "$out" = "lap-hub gateway: COMPLAINTS_PORT and PORT are both $PORT: the gateway, the complaints example and the hub it starts each need a port of their own" ] || fail "COMPLAINTS_PORT = PORT: $out"
out=$(MAX_QUERY_DEPTH=abc npm run --silent gateway 2>&1) && fail "MAX_QUERY_DEPTH=abc started"
[ "$out" = 'lap-hub gateway: MAX_QUERY_DEPTH must be a whole number from 3 to 100, got "abc"' ] || fail "MAX_QUERY_DEPTH=abc: $out"

# A hub killed under the gateway (the OOM killer's SIGKILL): the gateway stops and exits 1 naming the signal, so that a
# supervisor restarting on failure restarts it. MAX_QUERY_DEPTH with spaces around it is read as the hub reads it.
MAX_QUERY_DEPTH=" 12 " node dist/src/cli/gateway.js >"$LOG" 2>&1 &
pid=$!
answering "its second start-up"
hub_pid=$(pgrep -f "$(pwd)/dist/src/main.js" -P "$pid" || true)
[ -n "$hub_pid" ] || fail "no hub process under the second gateway"
kill -KILL "$hub_pid"
rc=0
wait "$pid" || rc=$?
pid=""
[ "$rc" = 1 ] || fail "the gateway whose hub was killed exited $rc, not 1"
grep -q "the hub exited (signal SIGKILL); stopping" "$LOG" || fail "the gateway did not say how its hub ended"
echo "gateway smoke: ok"
