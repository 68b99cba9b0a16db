import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { BOARD_NODE_FIELDS } from './board';
import type { BenchDatabase } from './database';
import type { BenchViewer } from './generate';
import { Bounds, measure, median, Target } from './load';
import type { GoalRow } from './processes';

/**
 * The audit phase of `npm run bench` (`BENCH_ONLY=audit`): what the audit trail costs (DOMAIN §9).
 *
 * One server of the harness (bench/harness-server.ts, `BENCH_SERVER=audit`): the hub's own createHub as the product
 * runs it, with a loopback control port that switches the trail between written ("on") and dropped unwritten ("off",
 * `skip`, which no configuration reaches) and answers once the writes started so far ended. It answers the case board
 * of an agency's own cases, whose every row carries its confidential tier, so that every "on" answer records one entry
 * per case in `case_access_log` (one row naming the board's 52 cases, written after the response). Side-by-side rounds
 * as the other ratios, but in one process, as one person: each round both settings, the order reversed every other
 * round, a warm-up round first, at least 11 rounds; the figure is the median of the per-round ratios of p50s. (Two
 * processes, one per setting, differed by 3–6 % when both dropped the trail: one process, switched, compares the trail
 * and nothing else.)
 *
 * The trail's entries are counted around every round: each "on" round wrote at least one entry per row and answered
 * request, each "off" round none.
 */

/** The case board of the viewer's agency: the lead agency reads every row's tier. */
const LEAD_BOARD = `query AuditedBoard($first: Int!, $lead: ID!) {
  cases(first: $first, orderBy: HARM, filter: { leadAgencyId: $lead }) {
    totalCount
    nodes {
      ${BOARD_NODE_FIELDS}
    }
  }
}`;

export interface AuditPhaseContext {
  /** The AGENCY viewer of the generated network. */
  viewer: BenchViewer;
  db: BenchDatabase;
  /** Starts the harness's audit server with its control on `controlPort`; the caller stops it on failure too. */
  startHarness(name: string, controlPort: number): Promise<{ base: string; child: ChildProcess }>;
  freePort(): Promise<number>;
  stop(server: { base: string; child: ChildProcess }): Promise<void>;
  /** A bearer token of this person, signed as the hub's token service does. */
  sign(personId: string, email: string): Promise<string>;
  connections: number;
  rounds: number;
  log(line?: string): void;
}

const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) : '—');

export async function auditPhase(ctx: AuditPhaseContext): Promise<GoalRow[]> {
  const { viewer, db, log } = ctx;
  const owner = new pg.Client({ connectionString: db.harnessUrl() });
  await owner.connect();
  try {
    // Entries, one per case and request: a row of the trail names the cases one request read of one lead agency.
    const entries = async () =>
      Number((await owner.query(`SELECT coalesce(sum(cardinality(case_ids)), 0)::int AS n FROM case_access_log WHERE person_id = $1`, [viewer.personId])).rows[0].n);
    const body = JSON.stringify({ query: LEAD_BOARD, variables: { first: 500, lead: viewer.orgId } });
    const controlPort = await ctx.freePort();
    const server = await ctx.startHarness('audit', controlPort);
    const set = async (setting: 'on' | 'off') => {
      const res = await fetch(`http://127.0.0.1:${controlPort}/audit/${setting}`, { method: 'POST', signal: AbortSignal.timeout(60_000) });
      if (res.status !== 204) throw new Error(`audit phase: switching the trail ${setting} answered ${res.status}`);
    };
    const target: Target = {
      url: `${server.base}/graphql`,
      body,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await ctx.sign(viewer.personId, viewer.email)}` },
    };

    // The board: every row with its tier.
    const res = await fetch(target.url, { method: 'POST', headers: target.headers, body: target.body, signal: AbortSignal.timeout(60_000) });
    const answer = (await res.json()) as { data?: any; errors?: unknown };
    if (res.status !== 200 || answer.errors || !answer.data) throw new Error(`audit phase: the board answers ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
    const nodes = answer.data.cases.nodes as Array<{ id: string; confidential: { summary: string } | null }>;
    if (nodes.length === 0 || nodes.some((n) => n.confidential === null)) throw new Error('audit phase: the board has no rows or a row without its tier');
    const boardRows = nodes.length;

    const bounds: Bounds = { connections: ctx.connections, maxRequests: 600, maxSeconds: 3 };
    const p50s = { on: [] as number[], off: [] as number[] };
    const cpu = { on: [] as number[], off: [] as number[] };
    const written = { on: 0, off: 0 };
    let answered = 0;
    let failures = 0;
    // At least 11 rounds: A1 is a ratio near 1 whose goal leaves a tenth, and with 5 the same commit read anywhere from
    // 1.02 to 1.15 a minute apart (7 December 2026, bench/README.md); with 11, 1.04 and 1.05.
    const rounds = Math.max(ctx.rounds, 11);
    for (let round = 0; round <= rounds; round++) {
      for (const key of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        await set(key);
        const before = await entries();
        const m = await measure(target, bounds, server.child.pid);
        // Switching waits for the writes of the round to end (the trail's writer gathers for 20 ms).
        await set(key);
        written[key] += (await entries()) - before;
        failures += m.failures;
        if (key === 'on') answered += m.requests;
        if (round === 0) continue;
        p50s[key].push(m.p50);
        cpu[key].push(m.cpuMsPerRequest);
      }
    }
    await ctx.stop(server);
    log(
      `audit phase: ${boardRows} rows per board, every one with its tier; case_access_log entries written during the rounds: ` +
        `on ${written.on} (${answered} answered requests × ${boardRows} = ${answered * boardRows}, plus those cut off by the time limit), off ${written.off}`,
    );
    log(`    CPU ms per request (median over the ${rounds} rounds): auditing on ${ms(median(cpu.on))}, off ${ms(median(cpu.off))}`);
    if (failures) throw new Error(`audit phase: ${failures} failed requests`);
    if (written.off !== 0) throw new Error(`audit phase: the rounds without the audit trail wrote ${written.off} entries`);
    if (written.on < answered * boardRows) throw new Error(`audit phase: the audited rounds wrote ${written.on} entries, fewer than ${answered * boardRows}`);

    const value = median(p50s.on.map((x, i) => x / p50s.off[i]));
    return [
      {
        id: 'A1',
        what: `case board AGENCY, own ${boardRows} cases, tiers read: audit on / off p50`,
        goal: '≤ 1.1',
        figure: `${Number.isFinite(value) ? value.toFixed(2) : '—'} (${ms(median(p50s.on))} / ${ms(median(p50s.off))} ms)`,
        pass: value <= 1.1,
      },
    ];
  } finally {
    await owner.end();
  }
}
