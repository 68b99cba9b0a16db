import { spawn, spawnSync } from 'node:child_process';
import pg from 'pg';
import WebSocket from 'ws';
import { demoId } from '../src/db/seed/demo-ids';
import { Mix, Outcome, drive, send } from './traffic';

/**
 * A PostgreSQL restart under load: requests keep coming while the server is restarted; then the time from the restart
 * command's end until the hub answers every request again, the answers given meanwhile (a code or a 503, never a
 * hang), the hub's pid (no crash), and a live update (`caseChanged`) delivered after the restart — the hub's LISTEN
 * connection must have come back.
 */

export interface RestartPlan {
  /** The shell command, or why the check cannot run. */
  command?: string;
  skip?: string;
}

/**
 * SOAK_PG_RESTART, else `pg_ctlcluster … restart` for the cluster of this machine that listens on the server's port
 * (`pg_lsclusters`, Debian's postgresql-common).
 */
export function restartPlan(serverUrl: string | undefined, configured: string | undefined): RestartPlan {
  if (!serverUrl) return { skip: 'no SOAK_DATABASE_URL: the restart needs a PostgreSQL server' };
  if (configured?.trim()) return { command: configured.trim() };
  const url = new URL(serverUrl);
  if (!['127.0.0.1', 'localhost', '::1', '[::1]', ''].includes(url.hostname)) return { skip: `the server (${url.hostname}) is not on this machine: set SOAK_PG_RESTART` };
  const port = url.port || '5432';
  const listed = spawnSync('pg_lsclusters', ['-h'], { encoding: 'utf8' });
  if (listed.status !== 0) return { skip: 'pg_lsclusters is not available: set SOAK_PG_RESTART' };
  // Lines: version, cluster, port, status, owner, data directory, log file.
  const cluster = listed.stdout
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .find((f) => f[2] === port);
  if (!cluster) return { skip: `no cluster of this machine listens on port ${port}: set SOAK_PG_RESTART` };
  return { command: `pg_ctlcluster --skip-systemctl-redirect ${cluster[0]} ${cluster[1]} restart` };
}

/**
 * Other clients of the server — test runs (laphub_test_…), benchmarks (laphub_bench_…), other soaks, anyone: the
 * restart would cut their connections. The soak's own database (`own`) and this very connection do not count.
 */
export async function othersActive(serverUrl: string, own: string): Promise<string[]> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string; n: number }>(
      `SELECT datname, count(*)::int AS n FROM pg_stat_activity
        WHERE backend_type = 'client backend' AND datname IS NOT NULL AND datname <> $1 AND pid <> pg_backend_pid()
        GROUP BY datname ORDER BY datname`,
      [own],
    );
    return rows.map((r) => `${r.datname}: ${r.n}`);
  } finally {
    await c.end();
  }
}

export interface RestartResult {
  restartSeconds: number;
  /** From the restart command's end to the end of the last failed request sent after it (0: none of them failed). */
  recoverySeconds: number;
  /** From the restart command's end to the first request answered with data. */
  firstSuccessSeconds: number;
  /** Answers that were not data, by `status code`. */
  failures: Map<string, number>;
  /** Failed answers that were neither a 503 nor a GraphQL error with a code, or came as no answer at all. */
  unclean: number;
  slowestMs: number;
  requests: number;
  samePid: boolean;
  /** From the restart command's end to a caseChanged event of an update sent after it; NaN: none came. */
  liveSeconds: number;
  error?: string;
}

const UPDATE = `mutation($id: ID!, $s: String!) { updateCase(id: $id, input: { summary: $s }) { id } }`;
const SUBSCRIBE = `subscription($id: ID) { caseChanged(id: $id) { id confidential { summary } } }`;

/** One subscriber of `caseChanged` on a case; resolves once the subscription is in place. */
function subscribe(base: string, authorization: string, caseId: string, onSummary: (summary: string) => void): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/graphql`, 'graphql-transport-ws');
    socket.once('error', reject);
    socket.once('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization } })));
    socket.on('message', (raw) => {
      const m = JSON.parse(raw.toString());
      if (m.type === 'connection_ack') {
        socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIBE, variables: { id: caseId } } }));
        // The subscription is registered once the server has read the message; a short pause covers it.
        setTimeout(() => resolve(socket), 500);
      } else if (m.type === 'next') {
        const summary = m.payload?.data?.caseChanged?.confidential?.summary;
        if (typeof summary === 'string') onSummary(summary);
      } else if (m.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      }
    });
  });
}

export async function restartCheck(options: {
  command: string;
  base: string;
  pid: number;
  mix: Mix;
  connections: number;
  /** Ann Carter's bearer header: FTC's lead counsel, who may change FTC-2004-017 and read its confidential tier. */
  annAuth: string;
  log: (line: string) => void;
}): Promise<RestartResult> {
  const caseId = demoId('case:FTC-2004-017');
  const summaries = new Map<string, number>();
  const socket = await subscribe(options.base, options.annAuth, caseId, (s) => summaries.set(s, performance.now()));
  const outcomes: Outcome[] = [];
  let stop = false;
  const load = drive(options.connections, () => options.mix.next(), () => stop, (o) => outcomes.push(o), 15_000);
  const result: RestartResult = {
    restartSeconds: NaN,
    recoverySeconds: NaN,
    firstSuccessSeconds: NaN,
    failures: new Map(),
    unclean: 0,
    slowestMs: 0,
    requests: 0,
    samePid: false,
    liveSeconds: NaN,
  };
  try {
    await new Promise((r) => setTimeout(r, 5000));
    const before = outcomes.filter((o) => !o.ok);
    if (before.length) throw new Error(`${before.length} requests failed before the restart (${before[0].status} ${before[0].code ?? before[0].failure})`);
    options.log(`  restarting PostgreSQL: ${options.command}`);
    const restartStarted = performance.now();
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('sh', ['-c', options.command], { stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.on('data', (d) => (output += d));
      child.stderr.on('data', (d) => (output += d));
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.once('error', reject);
      child.once('exit', (c) => {
        clearTimeout(timer);
        if (c !== 0) options.log(`  the restart command exited with ${c}: ${output.trim()}`);
        resolve(c);
      });
    });
    const restarted = performance.now();
    result.restartSeconds = (restarted - restartStarted) / 1000;
    if (code !== 0) throw new Error(`the restart command failed (exit ${code})`);
    // Live updates: an update every half second after the restart until one comes back through LISTEN (10 s at most).
    let rev = 0;
    while (performance.now() - restarted < 10_000 && Number.isNaN(result.liveSeconds)) {
      const summary = `After the restart ${++rev}`;
      const o = await send({ op: 'updateCase', write: true, url: `${options.base}/graphql`, headers: { 'content-type': 'application/json', authorization: options.annAuth }, body: JSON.stringify({ query: UPDATE, variables: { id: caseId, s: summary } }) }, 5000);
      if (o.ok) {
        await new Promise((r) => setTimeout(r, 500));
        // Any of these updates delivered will do: a concurrent update of the case by the load may be what an event
        // carries (each subscriber reads the row again at delivery).
        const at = [...summaries].filter(([s]) => s.startsWith('After the restart')).map(([, t]) => t);
        if (at.length) result.liveSeconds = (Math.min(...at) - restarted) / 1000;
      } else {
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    // Load goes on for 15 s after the restart.
    const rest = 15_000 - (performance.now() - restarted);
    if (rest > 0) await new Promise((r) => setTimeout(r, rest));
    stop = true;
    await load;
    result.requests = outcomes.length;
    const failed = outcomes.filter((o) => !o.ok);
    for (const o of failed) {
      const key = o.failure ? `no answer (${o.failure})` : `${o.status} ${o.code ?? '(no code)'}`;
      result.failures.set(key, (result.failures.get(key) ?? 0) + 1);
      if (o.failure || !(o.status === 503 || (o.code && o.code !== '(not JSON)'))) result.unclean++;
    }
    result.slowestMs = Math.max(...outcomes.map((o) => o.ended - o.started));
    const after = failed.filter((o) => o.started > restarted);
    result.recoverySeconds = after.length ? (Math.max(...after.map((o) => o.ended)) - restarted) / 1000 : 0;
    const firstOk = outcomes.filter((o) => o.ok && o.started > restarted).map((o) => o.ended);
    result.firstSuccessSeconds = firstOk.length ? (Math.min(...firstOk) - restarted) / 1000 : NaN;
    result.samePid = isAlive(options.pid);
  } catch (err) {
    result.error = (err as Error).message;
    stop = true;
    await load;
  } finally {
    socket.close();
  }
  return result;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
