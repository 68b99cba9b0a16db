#!/usr/bin/env bash
# Runs the hub the way the README's quick start does (`npm start` on a fresh data folder) and checks what a newcomer
# would: health, GraphiQL, a token from `npm run token` while the hub runs, the request-id header, /metrics, a persisted
# change across a restart, a clean stop when `npm start` itself gets SIGTERM (exit 0, no node left behind), and
# one-line errors for a bad configuration.
set -euo pipefail
cd "$(dirname "$0")/.."
DATA_DIR=$(mktemp -d)
export DATA_DIR
PORT=${SMOKE_PORT:-4617}
export PORT
LOG=$(mktemp)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null || true; rm -rf "$DATA_DIR" "$LOG" "$LOG.key"; }
trap cleanup EXIT
fail() { echo "smoke: FAIL: $*"; echo "--- hub log"; cat "$LOG"; exit 1; }
# `… | has PATTERN`: grep -q on the whole of a command's output. A pipe straight into grep -q fails under pipefail
# whenever grep has matched and exited before the command wrote its last bytes (SIGPIPE, EPIPE).
has() { local text; text=$(cat); grep -q "$@" <<< "$text"; }

start_hub() {
  npm start >"$LOG" 2>&1 &
  pid=$!
  # Up to four minutes: creating the embedded database is CPU-bound, and CI machines are shared.
  for _ in $(seq 1 480); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || fail "the hub exited during start-up"
    sleep 0.5
  done
  fail "the hub did not answer /healthz"
}
stop_hub() {
  # SIGTERM to `npm start` itself, as a service manager or a container runtime sends it: npm passes it on to the hub,
  # which drains and exits 0, and so does npm. The hub's own process (named by the lock file) must be gone.
  local node_pid rc=0
  node_pid=$(sed -E 's/.*"pid":([0-9]+).*/\1/' "$DATA_DIR/hub.lock")
  kill -TERM "$pid"
  wait "$pid" || rc=$?
  pid=""
  [ "$rc" -eq 0 ] || fail "npm start exited with $rc on SIGTERM"
  if kill -0 "$node_pid" 2>/dev/null; then fail "the hub (process $node_pid) kept running after npm start was stopped"; fi
  grep -q "stopped cleanly" "$LOG" || fail "no clean stop in the log"
}
gql() { curl -s -X POST "http://127.0.0.1:$PORT/graphql" -H 'content-type: application/json' ${2:+-H "authorization: Bearer $2"} -d "$1"; }

start_hub
curl -sf "http://127.0.0.1:$PORT/readyz" | has ready || fail "/readyz"
echo "smoke: the embedded database is the hub's alone (a Unix socket in a private folder, no TCP port)"
grep -q '"port"' "$DATA_DIR/hub.lock" && fail "the lock file names a TCP port: $(cat "$DATA_DIR/hub.lock")"
[ -S "$DATA_DIR/socket/.s.PGSQL.5432" ] || fail "no database socket in $DATA_DIR/socket"
for d in socket pgdata; do
  [ "$(stat -c %a "$DATA_DIR/$d")" = 700 ] || fail "$DATA_DIR/$d is mode $(stat -c %a "$DATA_DIR/$d"), not 700"
done
hub_pid=$(sed -E 's/.*"pid":([0-9]+).*/\1/' "$DATA_DIR/hub.lock")
listening=$(ss -Hltnp | grep "pid=$hub_pid," | awk '{print $4}')
[ "$listening" = "0.0.0.0:$PORT" ] || [ "$listening" = "*:$PORT" ] || fail "the hub listens on TCP at: $listening"
PAGE="$DATA_DIR/graphiql.html"
curl -sf -H 'accept: text/html' -o "$PAGE" "http://127.0.0.1:$PORT/graphql" || fail "GraphiQL page"
grep -q 'YogaGraphiQL' "$PAGE" || fail "GraphiQL page"
if grep -Eq '<(script|link)[^>]+(src|href)="https?://' "$PAGE"; then fail "GraphiQL loads from the network"; fi
echo "smoke: the partner dashboard at /dashboard (README: npm run dashboard:build)"
DASH="$DATA_DIR/dashboard.html"
if [ -f examples/dashboard/dist/index.html ]; then
  curl -sf -o "$DASH" "http://127.0.0.1:$PORT/dashboard" || fail "/dashboard (built) did not answer 200"
  if grep -Eq '<(script|link)[^>]+(src|href)="https?://' "$DASH"; then fail "the dashboard loads from the network"; fi
  SCRIPT=$(grep -oE 'src="/dashboard/assets/[^"]+\.js"' "$DASH" | sed -E 's/src="([^"]+)"/\1/')
  [ -n "$SCRIPT" ] || fail "the dashboard page names no script: $(cat "$DASH")"
  curl -sf -D - -o /dev/null "http://127.0.0.1:$PORT$SCRIPT" | has -i '^content-type: text/javascript' || fail "$SCRIPT"
else
  [ "$(curl -s -o "$DASH" -w '%{http_code}' "http://127.0.0.1:$PORT/dashboard")" = 404 ] || fail "/dashboard (not built) is not a 404"
  grep -q 'npm run dashboard:build' "$DASH" || fail "/dashboard (not built) does not say how to build it"
fi

echo "smoke: request ids and metrics"
curl -s -D - -o /dev/null -H 'x-request-id: smoke-request-1' -H 'content-type: application/json' -X POST \
  -d '{"query":"query SmokeProbe { me { kind } }"}' "http://127.0.0.1:$PORT/graphql" | tr -d '\r' | has -i '^x-request-id: smoke-request-1$' ||
  fail "the request id is not echoed"
grep -q '"id":"smoke-request-1"' "$LOG" || fail "no access-log line with the request id"
METRICS=$(curl -sf "http://127.0.0.1:$PORT/metrics") || fail "/metrics"
grep -q '^laphub_graphql_requests_total{operation="SmokeProbe",outcome="ok"} 1$' <<< "$METRICS" || fail "/metrics does not count the probe"
grep -q '^laphub_db_pool_connections ' <<< "$METRICS" || fail "/metrics has no pool gauge"
echo "smoke: a port in use is named before anything starts"
out=$(DATA_DIR=$(mktemp -d) timeout 30 node dist/src/main.js 2>&1 || true)
[ "$out" = "lap-hub: PORT $PORT on 0.0.0.0 is in use by another process" ] || fail "port in use gave: $out"

LIST=$(npm run --silent token -- --list)
grep -Eq '^ann.carter@ftc.example +US Federal Trade Commission +COORDINATOR$' <<< "$LIST" || fail "token --list while running: $LIST"
TOKEN=$(npm run --silent token -- isla.morgan@ico.example)
gql '{"query":"{ me { kind } }"}' "$TOKEN" | has '"kind":"AGENCY"' || fail "token for Isla Morgan"
gql '{"query":"mutation { designatePointOfContact(personId: \"x\") { id } }"}' "$TOKEN" | has BAD_USER_INPUT || fail "bad input"
echo "smoke: an API key from npm run token reads as its organization, read-only"
KEY=$(npm run --silent token -- --api-key grace.lin@northstar.example --name "smoke dashboard" 2>"$LOG.key")
grep -Eq '^lapk_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$' <<< "$KEY" || fail "token --api-key: $KEY"
# It says where the key is: the running hub's own database, reached through the hub's socket.
grep -Eq '^API key "smoke dashboard" of NorthStar Broadband, kept in the embedded database of process [0-9]+: ' "$LOG.key" \
  || fail "token --api-key on stderr: $(cat "$LOG.key")"
gql '{"query":"{ me { kind person { id } organization { name } apiKey { name } } }"}' "$KEY" \
  | has '"me":{"kind":"PRIVATE","person":null,"organization":{"name":"NorthStar Broadband"},"apiKey":{"name":"smoke dashboard"}}' \
  || fail "me with the API key: $(gql '{"query":"{ me { kind } }"}' "$KEY")"
gql '{"query":"mutation { createApiKey(name: \"x\") { secret } }"}' "$KEY" | has FORBIDDEN || fail "an API key's mutation is not FORBIDDEN"
PERSON=$(gql '{"query":"{ me { person { id } } }"}' "$TOKEN" | sed -E 's/.*"id":"([^"]+)".*/\1/')
CALL=$(gql '{"query":"{ calls(first: 1) { nodes { id } } }"}' "$TOKEN" | sed -E 's/.*"id":"([^"]+)".*/\1/')
MEMBER=$(gql '{"query":"{ participants(filter: {kind: PRIVATE_SECTOR}, first: 1) { nodes { id } } }"}' "$TOKEN" | sed -E 's/.*"id":"([^"]+)".*/\1/')
gql "{\"query\":\"mutation { excludeFromCall(input: {callId: \\\"$CALL\\\", memberId: \\\"$MEMBER\\\", reason: \\\"smoke test objection\\\"}) { id } }\"}" "$TOKEN" | has '"excludeFromCall":{"id"' || fail "excludeFromCall"
echo "smoke: npm run admin founds an agency whose person signs in, through the running hub's database"
npm run --silent admin -- country FI Finland | has '^country FI Finland added to the embedded database of process ' || fail "admin country"
# An option that takes one value given twice is refused, naming it (parseArgs kept the last without a word); an empty email is named.
out=$(npm run --silent admin -- member "Twice Telecom" --country FI --sector INTERNET_SERVICE_PROVIDER --sector FINANCIAL_INSTITUTION 2>&1 | head -1 || true)
[ "$out" = '--sector is given 2 times ("INTERNET_SERVICE_PROVIDER", "FINANCIAL_INSTITUTION"): give it once' ] || fail "admin member with two sectors: $out"
out=$(npm run --silent token -- "" 2>&1 | head -1 || true)
[ "$out" = "the person's email is empty; see npm run token -- --list" ] || fail "token of an empty email: $out"
# A line the command cannot run says what is wrong before its usage (it used to print the usage alone).
out=$(npm run --silent token -- --name x grace.lin@northstar.example 2>&1 | head -1 || true)
[ "$out" = '--name names an API key: it goes with --api-key' ] || fail "token --name without --api-key: $out"
out=$(npm run --silent token -- --api-key 2>&1 | head -1 || true)
[ "$out" = '--api-key needs the email of the person whose organization the key is for' ] || fail "token --api-key without an email: $out"
out=$(npm run --silent admin -- country FI Again 2>&1 || true)
[ "$out" = 'admin: the country FI exists already (Finland)' ] || fail "admin country twice: $out"
npm run --silent admin -- agency "Smoke Agency" --country FI --competence TELECOMMUNICATIONS | has '^agency Smoke Agency (FI) endorsed' || fail "admin agency"
npm run --silent admin -- person aino@smoke.example --name "Aino Smoke" --organization "smoke agency" --point-of-contact | has '^aino@smoke.example added to Smoke Agency as its point of contact' || fail "admin person"
npm run --silent admin -- list | has -E '^Smoke Agency +FI +AGENCY +ENDORSED +1 person, contact aino@smoke.example$' || fail "admin list: $(npm run --silent admin -- list)"
# Its output read by a program that stops early (head): no stack trace about the closed pipe, exit 0.
for _ in 1 2 3; do
  err=$( { npm run --silent admin -- list | head -1 >/dev/null; } 2>&1 ) || fail "admin list | head -1 exited non-zero: $err"
  [ -z "$err" ] || fail "admin list | head -1: $err"
done
AINO=$(npm run --silent token -- aino@smoke.example)
gql '{"query":"{ me { kind organization { name } } }"}' "$AINO" | has '"me":{"kind":"AGENCY","organization":{"name":"Smoke Agency"}}' || fail "the founded agency's person"
npm run --silent admin -- person eero@smoke.example --name "Eero Smoke" --organization "Smoke Agency" | has '^eero@smoke.example added to Smoke Agency in ' || fail "admin second person"
EERO=$(npm run --silent token -- eero@smoke.example)
npm run --silent admin -- leave eero@smoke.example | has '^eero@smoke.example (Eero Smoke) has left Smoke Agency in ' || fail "admin leave"
gql '{"query":"{ me { kind } }"}' "$EERO" | has '"The token is for a person who has left the network"' || fail "a person who left still signs in"
out=$(npm run --silent token -- eero@smoke.example 2>&1 || true)
[ "$out" = 'eero@smoke.example has left the network: the hub refuses their tokens (npm run admin -- reinstate eero@smoke.example)' ] || fail "token for a person who left: $out"
out=$(npm run --silent admin -- leave aino@smoke.example 2>&1 || true)
has '^admin: aino@smoke.example is the point of contact of Smoke Agency: designate someone else first' <<< "$out" || fail "admin leave of a point of contact: $out"
npm run --silent admin -- list | has -E '^Smoke Agency +FI +AGENCY +ENDORSED +1 person \(1 left\), contact aino@smoke.example$' || fail "admin list after leave: $(npm run --silent admin -- list)"
npm run --silent admin -- reinstate eero@smoke.example | has '^eero@smoke.example (Eero Smoke) of Smoke Agency reinstated in ' || fail "admin reinstate"
gql '{"query":"{ me { kind } }"}' "$EERO" | has '"me":{"kind":"AGENCY"}' || fail "a reinstated person"

echo "smoke: a command given a DATA_DIR with no database says it makes one (a mistyped DATA_DIR is not silent)"
other=$(mktemp -d)/typo
list=$(DATA_DIR="$other" npm run --silent token -- --list 2>"$LOG.key")
[ "$(wc -l <<< "$list")" = 18 ] || fail "token --list on a new DATA_DIR: $list"
[ "$(cat "$LOG.key")" = "note: DATA_DIR $other held no database: a new one was made there, as npm start would (if you meant a hub's existing database, check DATA_DIR)" ] \
  || fail "token --list on a new DATA_DIR, stderr: $(cat "$LOG.key")"
DATA_DIR="$other" npm run --silent token -- --list 2>"$LOG.key" >/dev/null
[ ! -s "$LOG.key" ] || fail "token --list on that DATA_DIR the second time, stderr: $(cat "$LOG.key")"
rm -rf "$(dirname "$other")"
# A DATA_DIR that cannot hold a database (a file) is refused in one line, with no note that one was made.
afile=$(mktemp)
if DATA_DIR="$afile" npm run --silent token -- --list >/dev/null 2>"$LOG.key"; then fail "token --list on a DATA_DIR that is a file succeeded"; fi
[ "$(cat "$LOG.key")" = "token: DATA_DIR $afile is not a writable folder (ENOTDIR)" ] || fail "token --list on a DATA_DIR that is a file, stderr: $(cat "$LOG.key")"
rm -f "$afile"
stop_hub

echo "smoke: restart keeps the change"
start_hub
gql "{\"query\":\"{ call(id: \\\"$CALL\\\") { exclusions { reason } } }\"}" "$TOKEN" | has 'smoke test objection' || fail "the exclusion did not survive a restart"
echo "smoke: a second hub on the same data folder is refused"
out=$(PORT=$((PORT + 1)) node dist/src/main.js 2>&1 || true)
[ "$(echo "$out" | wc -l)" -eq 1 ] && grep -q 'in use by process' <<< "$out" || fail "second hub: $out"
stop_hub

echo "smoke: bad configuration stops start-up with one line"
for bad in "DATABASE_URL=mysql://x" "DATABASE_URL=postgres://postgres@127.0.0.1:1/none" "DATA_DIR=/etc/hostname/lap-hub" "PORT=http" \
  "NODE_ENV=production" "LOG_LEVEL=loud" "DATA_DIR=/proc/lap-hub" "CORS_ORIGINS=*" "RATE_LIMIT_STORE=redis" \
  "DATABASE_URL=postgres://postgres@127.0.0.1:5432/lap_hub_smoke_missing"; do
  # Each must fail at once with one line (a DATA_DIR under /proc used to spin for ever: the timeout catches that).
  out=$(env $bad timeout 60 node dist/src/main.js 2>&1 || true)
  [ "$(echo "$out" | wc -l)" -eq 1 ] && grep -q '^lap-hub: ' <<< "$out" || fail "$bad gave: $out"
  echo "  $bad -> $out"
done
echo "smoke: an unreachable Redis stops start-up before anything is written (no data folder, token secret or database)"
fresh=$(mktemp -d)
out=$(DATA_DIR="$fresh/data" RATE_LIMIT_STORE=redis REDIS_URL=redis://127.0.0.1:1 timeout 60 node dist/src/main.js 2>&1 || true)
[ "$(echo "$out" | wc -l)" -eq 1 ] && grep -q '^lap-hub: REDIS_URL: cannot use Redis at 127.0.0.1:1 ' <<< "$out" || fail "unreachable Redis gave: $out"
[ ! -e "$fresh/data" ] || fail "the data folder was written before Redis was checked: $(ls -A "$fresh/data")"
rm -rf "$fresh"
echo "smoke: a stop during start-up waits for a point where nothing is half done, exits 0, and the next start serves"
fresh=$(mktemp -d)
DATA_DIR="$fresh" PORT=$((PORT + 2)) SHUTDOWN_GRACE_MS=120000 node dist/src/main.js >"$LOG" 2>&1 &
early=$!
sleep 1
kill -TERM "$early"
rc=0
wait "$early" || rc=$?
[ "$rc" -eq 0 ] || fail "a stop during start-up exited with $rc"
grep -q "stopped during start-up" "$LOG" || fail "no line saying the hub stopped during start-up"
DATA_DIR="$fresh" PORT=$((PORT + 2)) node dist/src/main.js >"$LOG" 2>&1 &
pid=$!
for _ in $(seq 1 480); do curl -sf "http://127.0.0.1:$((PORT + 2))/readyz" >/dev/null 2>&1 && break; kill -0 "$pid" 2>/dev/null || fail "the hub exited when started after a stop during start-up"; sleep 0.5; done
gql_other() { curl -s -X POST "http://127.0.0.1:$((PORT + 2))/graphql" -H 'content-type: application/json' -d "$1"; }
gql_other '{"query":"{ cases { totalCount } }"}' | has '"totalCount":1' || fail "after a stop during start-up, the next start has no demo network: $(gql_other '{"query":"{ cases { totalCount } }"}')"
kill -TERM "$pid"; wait "$pid" || true; pid=""
rm -rf "$fresh"
echo "smoke: ok"
