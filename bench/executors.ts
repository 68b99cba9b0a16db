import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TokenService } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { createLogger } from '../src/logger';
import { createHub } from '../src/server';
import { createBenchDatabase } from './database';
import { FULL_SCALE, generateNetwork } from './generate';
import { measure, median } from './load';

/**
 * graphql-jit against graphql-js on the 500-row case board (ENGINEERING: a second executor stays only with a measured
 * gain of at least 10 %). Generates the bench network once, starts the hub twice on it, each in its own process with
 * `npm start`'s node options — `executor: 'jit'` and `executor: 'graphql-js'`, nothing else different — and alternates
 * rounds of the case board as the AGENCY viewer (order reversed every other round, one warm-up round), printing each
 * round's p50 and CPU ms per request and the medians of the per-round ratios.
 *
 *   BENCH_DATABASE_URL=postgres://… node dist/bench/executors.js      (EXECUTOR_ROUNDS, default 8)
 */

const root = path.resolve(__dirname, '..', '..');
const log = (line = '') => process.stdout.write(line + '\n');

async function serve(): Promise<void> {
  const executor = process.env.EXECUTOR_SERVER as 'jit' | 'graphql-js';
  const config = loadConfig(process.env);
  const ds = await openDatabase(process.env.DATABASE_URL!, 10, true);
  const hub = await createHub({ config, ds, logger: createLogger(config), executor });
  await hub.listen(Number(process.env.PORT), '127.0.0.1');
  process.on('SIGTERM', () => void hub.stop().then(() => ds.destroy()).then(() => process.exit(0)));
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function start(executor: string, env: Record<string, string>): Promise<{ child: ChildProcess; base: string }> {
  const port = await freePort();
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const nodeArgs = /^node\s+(.*?)\s*dist\/src\/main\.js$/.exec(pkg.scripts.start)![1].split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, __filename], {
    env: { PATH: process.env.PATH ?? '', ...env, EXECUTOR_SERVER: executor, PORT: String(port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { child, base };
    } catch {
      // not yet listening
    }
    if (i > 600 || child.exitCode !== null) throw new Error(`the ${executor} hub did not start`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<void> {
  const serverUrl = process.env.BENCH_DATABASE_URL?.trim() || undefined;
  if (!serverUrl) throw new Error('set BENCH_DATABASE_URL: both hubs share one PostgreSQL database');
  const rounds = Number(process.env.EXECUTOR_ROUNDS ?? '8');
  const db = await createBenchDatabase(serverUrl);
  const children: ChildProcess[] = [];
  try {
    const gen = await db.openForGeneration();
    const network = await generateNetwork(gen.ds, FULL_SCALE);
    await gen.close();
    const secret = crypto.randomBytes(36).toString('base64url');
    const env = { NODE_ENV: 'production', JWT_SECRET: secret, SEED_DEMO: 'false', DATABASE_URL: db.harnessUrl(), RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_VIEWER: '0' };
    const hubs: Record<string, { child: ChildProcess; base: string }> = {};
    for (const executor of ['jit', 'graphql-js']) {
      hubs[executor] = await start(executor, env);
      children.push(hubs[executor].child);
    }
    const viewer = network.viewers.find((v) => v.kind === 'AGENCY')!;
    const token = await new TokenService(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret })).sign(viewer.personId, viewer.email);
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
    const body = JSON.stringify({
      query: `query CaseBoard($first: Int!) { cases(first: $first, orderBy: HARM) { totalCount nodes {
        id reference title status categories tlp openedAt harmScore leadAgency { name country { code } } countries { code }
        confidential { summary } viewerCan { readConfidential edit share } } } }`,
      variables: { first: 500 },
    });
    const answers = await Promise.all(
      Object.values(hubs).map(async (h) => (await fetch(`${h.base}/graphql`, { method: 'POST', headers, body })).text()),
    );
    if (answers[0] !== answers[1] || !answers[0].includes('"totalCount"') || answers[0].includes('"errors"')) {
      throw new Error(`the two hubs answer the board differently:\n${answers[0].slice(0, 300)}\n${answers[1].slice(0, 300)}`);
    }
    const bounds = { connections: 4, maxRequests: 160, maxSeconds: 5 };
    log(`case board (500 rows, AGENCY), 4 connections, ${rounds} rounds after a warm-up; load average ${os.loadavg()[0].toFixed(1)}`);
    log('round  jit p50  js p50  jit CPU  js CPU  p50 jit/js  CPU jit/js');
    const p50 = { jit: [] as number[], js: [] as number[] };
    const cpu = { jit: [] as number[], js: [] as number[] };
    for (let round = 0; round <= rounds; round++) {
      const order = round % 2 ? ['graphql-js', 'jit'] : ['jit', 'graphql-js'];
      const m: Record<string, Awaited<ReturnType<typeof measure>>> = {};
      for (const executor of order) {
        m[executor] = await measure({ url: `${hubs[executor].base}/graphql`, headers, body }, bounds, hubs[executor].child.pid);
      }
      if (round === 0) continue;
      const [j, g] = [m.jit, m['graphql-js']];
      p50.jit.push(j.p50);
      p50.js.push(g.p50);
      cpu.jit.push(j.cpuMsPerRequest);
      cpu.js.push(g.cpuMsPerRequest);
      log(
        `${String(round).padStart(5)}  ${j.p50.toFixed(1).padStart(7)}  ${g.p50.toFixed(1).padStart(6)}  ${j.cpuMsPerRequest.toFixed(1).padStart(7)}` +
          `  ${g.cpuMsPerRequest.toFixed(1).padStart(6)}  ${(j.p50 / g.p50).toFixed(3).padStart(10)}  ${(j.cpuMsPerRequest / g.cpuMsPerRequest).toFixed(3).padStart(10)}`,
      );
    }
    const ratio = (a: number[], b: number[]) => median(a.map((x, i) => x / b[i]));
    log(
      `median  ${median(p50.jit).toFixed(1).padStart(6)}  ${median(p50.js).toFixed(1).padStart(6)}  ${median(cpu.jit).toFixed(1).padStart(7)}` +
        `  ${median(cpu.js).toFixed(1).padStart(6)}  ${ratio(p50.jit, p50.js).toFixed(3).padStart(10)}  ${ratio(cpu.jit, cpu.js).toFixed(3).padStart(10)}`,
    );
  } finally {
    for (const c of children) {
      c.kill('SIGTERM');
      await new Promise((r) => (c.exitCode !== null ? r(null) : c.once('exit', r)));
    }
    await db.cleanup();
  }
}

if (process.env.EXECUTOR_SERVER) {
  serve().catch((err: unknown) => {
    process.stderr.write(`executor hub: ${(err as Error).message}\n`);
    process.exit(1);
  });
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
