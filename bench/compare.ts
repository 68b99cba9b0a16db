import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { DataSource } from 'typeorm';
import { TokenService } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { AGENDA_QUERY, BOARD_NODE_FIELDS, DETAIL_QUERY } from './board';
import { createBenchDatabase, type BenchDatabase } from './database';
import type { BenchViewer, GeneratedNetwork, Scale } from './generate';
import { measure, median } from './load';
import { startScriptNodeArgs } from '../src/cli/start-options';
import { RssSampler, Server, startServer, stopServer } from './processes';

/**
 * A change measured side by side (ENGINEERING: a change to a code path stays only with a measured gain): the build of
 * an earlier commit and the build of the working tree, each generating the bench network into a database of its own
 * with its own migrations and generator (so a change to the policies is measured too), each hub started as `npm
 * start` of its own commit starts it (that commit's package.json node options), in production. For each operation and viewer asked for, both hubs must give the same answer
 * (data and `extensions.redacted`, timestamps aside); then rounds alternate between them at 4 connections (the order reversed every
 * other round, a warm-up round dropped), and the medians of the per-round ratios (this tree ÷ the earlier commit) are
 * printed for p50 latency and for the hub process's CPU per request; at the end, each hub's peak RSS over the run.
 *
 *   npm run build && BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test BENCH_COMPARE_BASE=<commit> \
 *     node dist/bench/compare.js
 *
 *   BENCH_COMPARE_BASE   the commit to compare with (required); its build is made in a temporary git worktree that
 *                        shares this tree's node_modules, so both must have the same package-lock.json
 *   BENCH_COMPARE_OPS    comma-separated, from board100, board500, board1000, detail, agenda (default board500,detail,agenda),
 *                        and gateway500: the 500-row board through each side's own federation gateway (`npm run gateway`
 *                        of its commit, in production, in front of its hub), the CPU figures then the gateway process's
 *   BENCH_COMPARE_VIEWERS comma-separated, from AGENCY, PRIVATE, COORDINATOR (default AGENCY)
 *   BENCH_ROUNDS         measured rounds after the warm-up (default 7)
 */

const root = path.resolve(__dirname, '..', '..');
const log = (line = '') => process.stdout.write(line + '\n');

const BOARD = `query CaseBoard($first: Int!) { cases(first: $first, orderBy: HARM) { totalCount nodes { ${BOARD_NODE_FIELDS} } } }`;

const OPS: Record<string, { label: string; body: (v: BenchViewer) => string; bounds: { connections: number; maxRequests: number; maxSeconds: number }; viaGateway?: true }> = {
  board100: { label: 'case board, 100 rows', body: () => JSON.stringify({ query: BOARD, variables: { first: 100 } }), bounds: { connections: 4, maxRequests: 600, maxSeconds: 4 } },
  board500: { label: 'case board, 500 rows', body: () => JSON.stringify({ query: BOARD, variables: { first: 500 } }), bounds: { connections: 4, maxRequests: 200, maxSeconds: 5 } },
  board1000: { label: 'case board, 1,000 rows', body: () => JSON.stringify({ query: BOARD, variables: { first: 1000 } }), bounds: { connections: 4, maxRequests: 120, maxSeconds: 5 } },
  detail: { label: 'case detail', body: (v) => JSON.stringify({ query: DETAIL_QUERY, variables: { id: v.detailCaseId } }), bounds: { connections: 4, maxRequests: 1500, maxSeconds: 3 } },
  agenda: { label: 'call agenda, next 20', body: () => JSON.stringify({ query: AGENDA_QUERY }), bounds: { connections: 4, maxRequests: 600, maxSeconds: 4 } },
  gateway500: {
    label: 'board 500, via gateway',
    body: () => JSON.stringify({ query: BOARD, variables: { first: 500 } }),
    bounds: { connections: 4, maxRequests: 200, maxSeconds: 5 },
    viaGateway: true,
  },
};

function list(name: string, fallback: string, allowed: readonly string[]): string[] {
  const values = (process.env[name] || fallback).split(',').map((s) => s.trim()).filter(Boolean);
  for (const v of values) if (!allowed.includes(v)) throw new Error(`${name}: ${v} is not one of ${allowed.join(', ')}`);
  return values;
}

function git(args: string[], cwd = root): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** One side of the comparison: a build (its folder), its database and its hub. */
interface Side {
  name: string;
  dir: string;
  db?: BenchDatabase;
  viewers?: BenchViewer[];
  hub?: Server;
  /** Its federation gateway in front of its hub, when an operation goes through one. */
  gateway?: Server;
  rss?: RssSampler;
}

/** Generates the network with the side's own build: its migrations, its generator. */
async function generate(side: Side, serverUrl: string): Promise<void> {
  side.db = await createBenchDatabase(serverUrl, 'laphub_compare');
  const { openDatabase } = require(path.join(side.dir, 'dist/src/db/data-source.js')) as { openDatabase(url: string, size: number): Promise<DataSource> };
  const gen = require(path.join(side.dir, 'dist/bench/generate.js')) as { FULL_SCALE: Scale; generateNetwork(ds: DataSource, s: Scale): Promise<GeneratedNetwork> };
  const ds = await openDatabase(side.db.harnessUrl(), 4);
  try {
    side.viewers = (await gen.generateNetwork(ds, gen.FULL_SCALE)).viewers;
  } finally {
    await ds.destroy();
  }
}

/**
 * What both hubs must answer alike: data, errors and redactions, timestamps aside (each side's network is generated
 * relative to the moment it was generated, so the two differ by the seconds between the generations).
 */
function comparable(text: string): string {
  const body = JSON.parse(text) as { data?: unknown; errors?: unknown; extensions?: { redacted?: unknown } };
  return JSON.stringify({ data: body.data, errors: body.errors, redacted: body.extensions?.redacted }).replace(
    /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z/g,
    '<time>',
  );
}

async function main(): Promise<void> {
  const serverUrl = process.env.BENCH_DATABASE_URL;
  if (!serverUrl) throw new Error('BENCH_DATABASE_URL must name a PostgreSQL server (each side generates its own database there)');
  const rev = process.env.BENCH_COMPARE_BASE;
  if (!rev) throw new Error('BENCH_COMPARE_BASE must name the commit to compare with');
  const ops = list('BENCH_COMPARE_OPS', 'board500,detail,agenda', Object.keys(OPS));
  const kinds = list('BENCH_COMPARE_VIEWERS', 'AGENCY', ['AGENCY', 'PRIVATE', 'COORDINATOR']);
  const rounds = Number(process.env.BENCH_ROUNDS || 7);
  if (!Number.isInteger(rounds) || rounds < 1 || rounds > 50) throw new Error('BENCH_ROUNDS must be a whole number from 1 to 50');
  const commit = git(['rev-parse', '--verify', `${rev}^{commit}`]);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'laphub-compare-'));
  const baseDir = path.join(work, 'base');
  const sides: Side[] = [
    { name: `base ${commit.slice(0, 7)}`, dir: baseDir },
    { name: 'this tree', dir: root },
  ];
  let worktree = false;
  /** Stops both hubs and removes both databases, the worktree and the folder: once, at the end or on Ctrl-C. */
  let cleaning: Promise<void> | null = null;
  const cleanup = () =>
    (cleaning ??= (async () => {
      for (const side of sides) side.rss?.stop();
      for (const side of sides) if (side.gateway) await stopServer(side.gateway);
      for (const side of sides) if (side.hub) await stopServer(side.hub);
      for (const side of sides) await side.db?.cleanup().catch(() => undefined);
      if (worktree) {
        try {
          git(['worktree', 'remove', '--force', baseDir]);
        } catch {
          // removed below with the folder; `git worktree prune` forgets it
        }
      }
      fs.rmSync(work, { recursive: true, force: true });
      if (worktree) git(['worktree', 'prune']);
    })());
  const onSignal = () => {
    log('interrupted: stopping both hubs, removing both databases and the worktree');
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    git(['worktree', 'add', '--detach', '--quiet', baseDir, commit]);
    worktree = true;
    if (fs.readFileSync(path.join(baseDir, 'package-lock.json'), 'utf8') !== fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) {
      throw new Error(`${commit.slice(0, 7)} has another package-lock.json: its build cannot share this tree's node_modules`);
    }
    fs.symlinkSync(path.join(root, 'node_modules'), path.join(baseDir, 'node_modules'), 'dir');
    execFileSync(path.join(root, 'node_modules/.bin/tsc'), ['-b', 'tsconfig.build.json'], { cwd: baseDir, stdio: 'inherit' });
    log(`comparing ${commit.slice(0, 7)} (${git(['log', '-1', '--format=%s', commit]).slice(0, 80)}) with this tree`);

    for (const side of sides) {
      const t = performance.now();
      await generate(side, serverUrl);
      log(`${side.name}: network generated with its own migrations in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }
    const secret = crypto.randomBytes(36).toString('base64url');
    const env = { NODE_ENV: 'production', JWT_SECRET: secret, RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_VIEWER: '0', SEED_DEMO: 'false' };
    for (const side of sides) {
      const script = path.relative(root, path.join(side.dir, 'dist/src/main.js'));
      // Each side as its own commit's `npm start` runs it: a change to the node options is measured like any other.
      const nodeArgs = startScriptNodeArgs(side.dir);
      side.hub = await startServer(`hub-${side === sides[0] ? 'base' : 'tree'}`, script, { ...env, ...side.db!.hubEnv }, work, nodeArgs);
      side.rss = new RssSampler(side.hub.child.pid!);
      log(`${side.name}: node ${nodeArgs.join(' ')}`);
    }
    if (ops.some((op) => OPS[op].viaGateway)) {
      for (const side of sides) {
        const script = path.relative(root, path.join(side.dir, 'dist/src/cli/gateway.js'));
        const env = { NODE_ENV: 'production', HUB_URL: `${side.hub!.base}/graphql`, COMPLAINTS_PORT: '0' };
        side.gateway = await startServer(`gateway-${side === sides[0] ? 'base' : 'tree'}`, script, env, work, []);
      }
      log('gateways: each side\'s `npm run gateway` in production, in front of its own hub');
    }
    const tokens = new TokenService(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }));
    log(`rounds: ${rounds} after a warm-up, alternating, 4 connections; ratios are this tree ÷ ${commit.slice(0, 7)}, medians of the per-round ratios`);
    log('operation               viewer       p50 base   p50 tree   ratio   CPU base   CPU tree   ratio');
    for (const kind of kinds) {
      const [vBase, vTree] = sides.map((s) => s.viewers!.find((v) => v.kind === kind)!);
      if (vBase.personId !== vTree.personId || vBase.detailCaseId !== vTree.detailCaseId) throw new Error(`the two generators made different ${kind} viewers`);
      const headers = { 'content-type': 'application/json', authorization: `Bearer ${await tokens.sign(vTree.personId, vTree.email)}` };
      for (const op of ops) {
        const served = (s: Side) => (OPS[op].viaGateway ? s.gateway! : s.hub!);
        const targets = sides.map((s) => ({ url: `${served(s).base}/graphql`, body: OPS[op].body(vTree), headers }));
        const answers = await Promise.all(targets.map(async (t) => (await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body })).text()));
        const [a, b] = answers.map(comparable);
        if (a !== b) {
          let at = 0;
          while (at < a.length && a[at] === b[at]) at++;
          throw new Error(`${OPS[op].label} as ${kind}: the two builds answer differently, first at …${a.slice(Math.max(0, at - 120), at + 40)}… against …${b.slice(Math.max(0, at - 120), at + 40)}…`);
        }
        if (JSON.parse(answers[1]).errors) throw new Error(`${OPS[op].label} as ${kind}: ${answers[1].slice(0, 300)}`);
        const p50: number[][] = [[], []];
        const cpu: number[][] = [[], []];
        for (let r = 0; r <= rounds; r++) {
          for (const i of r % 2 ? [1, 0] : [0, 1]) {
            const m = await measure(targets[i], OPS[op].bounds, served(sides[i]).child.pid);
            if (m.failures > 0) throw new Error(`${OPS[op].label} as ${kind}: ${m.failures} failed requests on ${sides[i].name}`);
            if (r > 0) {
              p50[i].push(m.p50);
              cpu[i].push(m.cpuMsPerRequest);
            }
          }
        }
        const ratio = (a: number[], b: number[]) => median(a.map((x, i) => b[i] / x));
        const f = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2)).padStart(9);
        log(
          `${OPS[op].label.padEnd(24)}${kind.padEnd(12)}${f(median(p50[0]))}  ${f(median(p50[1]))}  ${ratio(p50[0], p50[1]).toFixed(3).padStart(6)}` +
            `  ${f(median(cpu[0]))}  ${f(median(cpu[1]))}  ${ratio(cpu[0], cpu[1]).toFixed(3).padStart(6)}`,
        );
      }
    }
    log(`peak RSS over the run (both hubs served the same requests): ${sides.map((s) => `${s.name} ${(s.rss!.peak() / 2 ** 20).toFixed(0)} MB`).join(', ')}`);
  } finally {
    await cleanup();
  }
}

main().catch((err) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
