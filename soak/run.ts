import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BenchDatabase, createBenchDatabase } from '../bench/database';
import { percentile } from '../bench/load';
import { Server, startScriptNodeArgs, startServer, stopServer, tail } from '../bench/processes';
import { killCheck, KillResult } from './kill';
import { malformedCheck, MalformedResult } from './malformed';
import { flatness, Flatness, MAX_GROWTH, RssSeries } from './memory';
import { othersActive, restartCheck, RestartResult, restartPlan } from './restart';
import { bearerTokens, drive, Outcome, send, soakViewers, trafficMix } from './traffic';

/**
 * `npm run soak`: the hub as `npm start` runs it (NODE_ENV=production, the start script's node options), checked for
 * what issue 12 asks of production: a long run under mixed load with no 5xx and flat memory, a PostgreSQL restart under
 * load recovered from within 5 s, no acknowledged write lost to kill -9 of the embedded hub, and no 5xx or
 * INTERNAL_SERVER_ERROR for 1,000+ malformed requests. One table of figures with PASS/FAIL; exit code 1 on any FAIL.
 *
 * Environment:
 *   SOAK_DATABASE_URL    a PostgreSQL server to create (and drop) the soak's database on; unset: the soak and malformed
 *                        checks run on the embedded database, and the restart check is skipped
 *   SOAK_SECONDS         length of the soak (default 600)
 *   SOAK_CONNECTIONS     concurrent requests of the soak (default 64)
 *   SOAK_WRITE_PERCENT   share of writes in the soak's traffic (default 20)
 *   SOAK_KILLS           kill -9 rounds of the embedded hub (default 3)
 *   SOAK_PG_RESTART      the shell command that restarts the PostgreSQL server (default: `pg_ctlcluster
 *                        --skip-systemctl-redirect <version> <cluster> restart` for the cluster of this machine on the
 *                        URL's port, from pg_lsclusters)
 *   SOAK_FORCE_RESTART   1: restart even when other clients (tests, benchmarks) are connected to the server
 *   SOAK_ONLY            some checks only, comma-separated: soak, malformed, kill, restart (default all)
 */

const CHECKS = ['soak', 'malformed', 'kill', 'restart'] as const;
type Check = (typeof CHECKS)[number];

function intEnv(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name} must be a whole number from ${min} to ${max}`);
  return n;
}

const soakSeconds = intEnv('SOAK_SECONDS', 600, 5, 86_400);
const connections = intEnv('SOAK_CONNECTIONS', 64, 1, 512);
const writeShare = intEnv('SOAK_WRITE_PERCENT', 20, 0, 100) / 100;
const kills = intEnv('SOAK_KILLS', 3, 1, 50);
const only = (process.env.SOAK_ONLY ?? '')
  .split(',')
  .map((s) => s.trim().toLowerCase())
  .filter(Boolean);
for (const c of only) if (!(CHECKS as readonly string[]).includes(c)) throw new Error(`SOAK_ONLY: unknown check ${c} (${CHECKS.join(', ')})`);
const runs = (c: Check) => only.length === 0 || only.includes(c);
/** Shorter soaks cannot tell a leak from warm-up: memory is reported but not judged. */
const MIN_SECONDS_FOR_MEMORY = 120;
/** The restart's recovery goal. */
const RECOVERY_SECONDS = 5;

const log = (line = '') => process.stdout.write(line + '\n');
const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));

interface Row {
  check: string;
  figure: string;
  goal: string;
  measured: string;
  result: 'PASS' | 'FAIL' | 'SKIPPED' | 'INFO';
}

async function main(): Promise<void> {
  const serverUrl = process.env.SOAK_DATABASE_URL?.trim() || undefined;
  const started = performance.now();
  log(`LAP Hub soak — ${new Date().toISOString()}`);
  log(`machine: ${os.cpus().length} cores, Node ${process.version}; 1-min load average ${os.loadavg()[0].toFixed(1)}`);
  log(`checks: ${CHECKS.filter(runs).join(', ')}`);
  const rows: Row[] = [];
  const servers: Server[] = [];
  const databases: BenchDatabase[] = [];
  const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'laphub-soak-logs-'));
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const s of [...servers].reverse()) await stopServer(s).catch(() => undefined);
      for (const db of databases) await db.cleanup().catch((err: Error) => log(`could not remove the soak database: ${err.message}`));
    })());
  const onSignal = () => {
    log('interrupted: stopping the hubs and removing the soak databases');
    void cleanup().then(() => {
      fs.rmSync(logDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const s of servers) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
  });

  const secret = crypto.randomBytes(36).toString('base64url');
  // The load comes from one address and five people: the limits stay on (counted in memory, as by default) but high
  // enough that this is not a test of 429s.
  const hubEnv = {
    NODE_ENV: 'production',
    JWT_SECRET: secret,
    RATE_LIMIT_PER_IP: '1000000',
    RATE_LIMIT_PER_VIEWER: '1000000',
    LOG_LEVEL: 'info',
  };
  const nodeArgs = startScriptNodeArgs();
  log(`hub: dist/src/main.js as npm start runs it (node ${nodeArgs.join(' ')}), ${Object.entries(hubEnv).filter(([k]) => k !== 'JWT_SECRET').map(([k, v]) => `${k}=${v}`).join(' ')}`);
  log();
  let failed = false;
  try {
    // The kill -9 check first: it needs its own embedded hubs, and the restart check must come last.
    if (runs('kill')) {
      log(`kill -9 of the embedded hub, ${kills} times, 8 writers opening cases`);
      const k = await killCheck({ kills, writeSeconds: 4, env: hubEnv, nodeArgs, logDir, secret, track: (s) => servers.push(s), log });
      rows.push(...killRows(k));
    }

    let hub: Server | null = null;
    let db: BenchDatabase | null = null;
    const viewers = soakViewers(`R${Date.now().toString(36).toUpperCase()}`);
    const auth = await bearerTokens(secret, viewers);
    if (runs('soak') || runs('malformed') || runs('restart')) {
      // Restart alone without a server: nothing to start, the check is skipped below.
      if (serverUrl || runs('soak') || runs('malformed')) {
        db = await createBenchDatabase(serverUrl, 'laphub_soak');
        databases.push(db);
        log(`the production hub on ${db.description}, demo network (SEED_DEMO=true)`);
        hub = await startServer('hub', 'dist/src/main.js', { ...hubEnv, SEED_DEMO: 'true', ...db!.hubEnv }, logDir, nodeArgs);
        servers.push(hub);
      }
    }
    const mix = hub ? trafficMix(hub.base, viewers, auth, writeShare) : null;
    if (hub && mix) {
      // Pre-flight: every request of the mix answers with data for every viewer.
      for (const r of mix.all()) {
        const o = await send(r);
        if (!o.ok) throw new Error(`pre-flight: ${r.op} answered ${o.status} ${o.code ?? o.failure ?? ''}: ${r.body.slice(0, 200)}`);
      }
    }

    if (runs('soak') && hub && mix) {
      log(`soak: ${connections} connections for ${soakSeconds} s, ${Math.round(writeShare * 100)} % writes, ${viewers.length} demo people`);
      rows.push(...(await soak(hub, mix)));
    }
    if (runs('malformed') && hub) {
      log('malformed requests …');
      const ann = viewers[0];
      const grace = viewers.find((v) => v.email === 'grace.lin@northstar.example')!;
      const m = await malformedCheck({ base: hub.base, auth: auth.get(ann.email)!, privateAuth: auth.get(grace.email)!, secret, personId: ann.personId, concurrency: 8 });
      const alive = await send(mix!.all()[3]);
      rows.push(...malformedRows(m, alive.ok));
    }
    if (runs('restart')) {
      const plan = restartPlan(serverUrl, process.env.SOAK_PG_RESTART);
      let skip = plan.skip;
      if (!skip && db?.kind === 'postgres') {
        const own = new URL(db.hubEnv.DATABASE_URL).pathname.slice(1);
        const others = await othersActive(serverUrl!, own);
        if (others.length && process.env.SOAK_FORCE_RESTART !== '1') skip = `other clients are connected (${others.join(', ')}): the restart would cut them; SOAK_FORCE_RESTART=1 to restart anyway`;
      }
      if (skip || !hub || !mix) {
        rows.push({ check: 'restart', figure: 'PostgreSQL restart under load', goal: '', measured: skip ?? 'no hub', result: 'SKIPPED' });
      } else {
        log(`PostgreSQL restart under load (${Math.min(connections, 16)} connections)`);
        const r = await restartCheck({ command: plan.command!, base: hub.base, pid: hub.child.pid!, mix, connections: Math.min(connections, 16), annAuth: auth.get(viewers[0].email)!, log });
        rows.push(...restartRows(r, hub));
      }
    }
  } catch (err) {
    failed = true;
    log(`soak failed: ${(err as Error).message}`);
    for (const s of servers) log(`--- ${s.name} log (last lines)\n${tail(s.logPath)}`);
  } finally {
    await cleanup();
    fs.rmSync(logDir, { recursive: true, force: true });
  }

  log();
  log(`${pad('check', 10)}${pad('figure', 58)}${pad('goal', 20)}${pad('measured', 44)}result`);
  for (const r of rows) {
    log(`${pad(r.check, 10)}${pad(r.figure, 58)}${pad(r.goal, 20)}${pad(r.measured, 44)}${r.result}`);
    if (r.result === 'FAIL') failed = true;
  }
  log();
  log(`run: ${((performance.now() - started) / 1000).toFixed(0)} s; 1-min load average at the end ${os.loadavg()[0].toFixed(1)}; ${rows.filter((r) => r.result === 'FAIL').length} FAIL`);
  process.exit(failed ? 1 : 0);
}

// ---- the soak ---------------------------------------------------------------------------------------------------------

async function soak(hub: Server, mix: NonNullable<ReturnType<typeof trafficMix>>): Promise<Row[]> {
  const interval = Math.max(500, Math.min(5000, (soakSeconds * 1000) / 300));
  const rss = new RssSeries(hub.child.pid!, interval);
  const outcomes: Outcome[] = [];
  const byOp = new Map<string, { n: number; ok: number; latencies: number[] }>();
  const deadline = performance.now() + soakSeconds * 1000;
  let progressAt = performance.now() + 60_000;
  await drive(
    connections,
    () => mix.next(),
    () => performance.now() >= deadline,
    (o) => {
      const s = byOp.get(o.op) ?? { n: 0, ok: 0, latencies: [] };
      byOp.set(o.op, s);
      s.n++;
      if (o.ok) {
        s.ok++;
        s.latencies.push(o.ended - o.started);
      } else outcomes.push(o);
      if (performance.now() >= progressAt) {
        progressAt += 60_000;
        const done = [...byOp.values()].reduce((a, b) => a + b.n, 0);
        log(`  ${Math.round((performance.now() - (deadline - soakSeconds * 1000)) / 1000)} s: ${done} requests, ${outcomes.length} failed, hub RSS ${mb(rss.samples.at(-1)?.bytes ?? 0)}, load ${os.loadavg()[0].toFixed(1)}`);
      }
    },
  );
  rss.stop();
  const alive = hub.child.exitCode === null && hub.child.signalCode === null;
  const total = [...byOp.values()].reduce((a, b) => a + b.n, 0);
  const writes = [...byOp.entries()].filter(([op]) => !['case board', 'case detail', 'calls', 'me'].includes(op)).reduce((a, [, b]) => a + b.n, 0);
  const server = outcomes.filter((o) => o.status >= 500).length;
  const internal = outcomes.filter((o) => o.internal).length;
  const connection = outcomes.filter((o) => o.failure).length;
  const other = outcomes.filter((o) => !o.failure && o.status < 500 && !o.internal);
  log(`  per operation (requests, answered with data, p50 / p99 ms):`);
  for (const [op, s] of [...byOp.entries()].sort()) {
    const sorted = s.latencies.sort((a, b) => a - b);
    log(`    ${pad(op, 20)}${String(s.n).padStart(8)}${String(s.ok).padStart(8)}   ${percentile(sorted, 0.5).toFixed(1)} / ${percentile(sorted, 0.99).toFixed(1)}`);
  }
  const kinds = new Map<string, number>();
  for (const o of outcomes) kinds.set(`${o.op}: ${o.failure ?? `${o.status} ${o.code ?? ''}`}`, (kinds.get(`${o.op}: ${o.failure ?? `${o.status} ${o.code ?? ''}`}`) ?? 0) + 1);
  if (kinds.size) log(`  failed requests: ${[...kinds.entries()].map(([k, n]) => `${k} ×${n}`).join('; ')}`);
  const f: Flatness = flatness(rss.samples);
  log(
    `  hub RSS: ${rss.samples.length} samples every ${(interval / 1000).toFixed(1)} s; median per fifth of the run ${f.fifths.map(mb).join(' / ')}; ` +
      `min ${mb(f.min)}, max ${mb(f.max)}; last fifth vs second ${(f.growth * 100).toFixed(1)} %${f.climbing ? ', climbing at every step' : ''}`,
  );
  const judged = soakSeconds >= MIN_SECONDS_FOR_MEMORY;
  return [
    { check: 'soak', figure: `requests in ${soakSeconds} s at ${connections} connections (writes)`, goal: '', measured: `${total} (${writes}, ${((writes / total) * 100).toFixed(1)} %), ${(total / soakSeconds).toFixed(0)}/s`, result: 'INFO' },
    { check: 'soak', figure: 'responses with status ≥ 500', goal: '0', measured: String(server), result: server === 0 ? 'PASS' : 'FAIL' },
    { check: 'soak', figure: 'bodies naming INTERNAL_SERVER_ERROR', goal: '0', measured: String(internal), result: internal === 0 ? 'PASS' : 'FAIL' },
    { check: 'soak', figure: 'connection errors and timeouts (30 s)', goal: '0', measured: String(connection), result: connection === 0 ? 'PASS' : 'FAIL' },
    { check: 'soak', figure: 'other answers without data (4xx, GraphQL errors)', goal: '0', measured: String(other.length), result: other.length === 0 ? 'PASS' : 'FAIL' },
    { check: 'soak', figure: 'hub still running', goal: 'yes', measured: alive ? 'yes' : 'no', result: alive ? 'PASS' : 'FAIL' },
    {
      check: 'soak',
      figure: 'hub RSS, median last fifth / second fifth',
      goal: `≤ +${MAX_GROWTH * 100} %, no climb`,
      measured: `${mb(f.fifths[1])} → ${mb(f.fifths[4])} (${f.growth >= 0 ? '+' : ''}${(f.growth * 100).toFixed(1)} %)${f.climbing ? ', climbing' : ''}`,
      result: !judged ? 'INFO' : f.flat ? 'PASS' : 'FAIL',
    },
  ];
}

// ---- the other checks' rows ------------------------------------------------------------------------------------------

function killRows(k: KillResult): Row[] {
  if (k.error) return [{ check: 'kill', figure: 'kill -9 of the embedded hub', goal: '', measured: k.error.slice(0, 200), result: 'FAIL' }];
  const inDoubt = k.rounds.reduce((a, r) => a + r.inDoubt, 0);
  const committed = k.rounds.reduce((a, r) => a + r.inDoubtPresent, 0);
  return [
    { check: 'kill', figure: `acknowledged openCase lost over ${k.rounds.length} kill -9 + restart`, goal: '0', measured: `${k.lost} of ${k.acknowledged}`, result: k.lost === 0 && k.acknowledged > 0 ? 'PASS' : 'FAIL' },
    { check: 'kill', figure: 'writes in flight at the kill (committed anyway)', goal: '', measured: `${inDoubt} (${committed})`, result: 'INFO' },
    { check: 'kill', figure: 'restart after kill -9 to answering, slowest', goal: '', measured: `${Math.max(...k.rounds.map((r) => r.restartSeconds)).toFixed(1)} s`, result: 'INFO' },
  ];
}

function malformedRows(m: MalformedResult, alive: boolean): Row[] {
  for (const [kind, statuses] of m.byKind) {
    log(`  ${pad(kind, 20)}${String([...statuses.values()].reduce((a, b) => a + b, 0)).padStart(5)}   ${[...statuses.entries()].sort().map(([s, n]) => `${s} ×${n}`).join(', ')}`);
  }
  if (m.unsendable) log(`  (${m.unsendable} probes Node's HTTP client would not send; not counted)`);
  for (const e of m.examples) log(`  ! ${e}`);
  return [
    { check: 'malformed', figure: `malformed requests of ${m.byKind.size} kinds`, goal: '≥ 1,000', measured: String(m.requests), result: m.requests >= 1000 ? 'PASS' : 'FAIL' },
    { check: 'malformed', figure: 'responses with status ≥ 500', goal: '0', measured: String(m.serverErrors), result: m.serverErrors === 0 ? 'PASS' : 'FAIL' },
    { check: 'malformed', figure: 'bodies naming INTERNAL_SERVER_ERROR', goal: '0', measured: String(m.internal), result: m.internal === 0 ? 'PASS' : 'FAIL' },
    { check: 'malformed', figure: 'requests left unanswered (30 s)', goal: '0', measured: String(m.noAnswer), result: m.noAnswer === 0 ? 'PASS' : 'FAIL' },
    { check: 'malformed', figure: 'the hub answers a good request afterwards', goal: 'yes', measured: alive ? 'yes' : 'no', result: alive ? 'PASS' : 'FAIL' },
  ];
}

function restartRows(r: RestartResult, hub: Server): Row[] {
  if (r.error) return [{ check: 'restart', figure: 'PostgreSQL restart under load', goal: '', measured: r.error.slice(0, 200), result: 'FAIL' }];
  if (r.failures.size) log(`  answers without data around the restart: ${[...r.failures.entries()].map(([k, n]) => `${k} ×${n}`).join('; ')}`);
  const alive = r.samePid && hub.child.exitCode === null && hub.child.signalCode === null;
  if (!alive) log(`--- the hub exited (${hub.child.exitCode ?? hub.child.signalCode}); its log:\n${tail(hub.logPath, 30)}`);
  return [
    { check: 'restart', figure: 'restart command took', goal: '', measured: `${r.restartSeconds.toFixed(1)} s`, result: 'INFO' },
    { check: 'restart', figure: 'restart done → every request answered with data', goal: `≤ ${RECOVERY_SECONDS} s`, measured: `${r.recoverySeconds.toFixed(2)} s (first ${r.firstSuccessSeconds.toFixed(2)} s)`, result: r.recoverySeconds <= RECOVERY_SECONDS ? 'PASS' : 'FAIL' },
    { check: 'restart', figure: 'restart done → caseChanged delivered (LISTEN back)', goal: `≤ ${RECOVERY_SECONDS} s`, measured: Number.isNaN(r.liveSeconds) ? 'never (10 s)' : `${r.liveSeconds.toFixed(2)} s`, result: r.liveSeconds <= RECOVERY_SECONDS ? 'PASS' : 'FAIL' },
    { check: 'restart', figure: 'answers without data: 503 or a GraphQL error code', goal: 'all', measured: `${[...r.failures.values()].reduce((a, b) => a + b, 0) - r.unclean} of ${[...r.failures.values()].reduce((a, b) => a + b, 0)} (of ${r.requests})`, result: r.unclean === 0 ? 'PASS' : 'FAIL' },
    { check: 'restart', figure: 'slowest answer during the run', goal: '< 15 s', measured: `${(r.slowestMs / 1000).toFixed(2)} s`, result: r.slowestMs < 15_000 ? 'PASS' : 'FAIL' },
    { check: 'restart', figure: 'hub process (same pid, running)', goal: 'yes', measured: alive ? `yes (pid ${hub.child.pid})` : 'no: it exited', result: alive ? 'PASS' : 'FAIL' },
  ];
}

void main();
