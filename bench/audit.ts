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
 * Two servers of the harness (bench/harness-server.ts), both the hub's own createHub started alike: `audit` as the product
 * runs it, and `noaudit` with the trail's entries dropped unwritten (`HubOptions.skipAuditTrail`, which no configuration
 * reaches). Both answer the case board of an agency's own cases, whose every row carries its confidential tier, so
 * that every answer of the "on" server records one entry per case in `case_access_log` (one INSERT per request, after
 * the response, of one row naming the board's 52 cases). Side-by-side rounds as the other ratios: each round both servers, the order reversed every other
 * round, a warm-up round first; the figure is the median of the per-round ratios of p50s.
 *
 * Two people of the same agency ask, one per server: they see the same board (checked), and the rows of the trail
 * say which server wrote them, so that the phase proves that "on" wrote its entries and "off" none.
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
  /** Starts a harness server with this BENCH_SERVER; the caller stops it on failure too. */
  startHarness(name: string, mode: 'audit' | 'noaudit'): Promise<{ base: string; child: ChildProcess }>;
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
    // A second person of the viewer's agency, for the "off" server.
    const [other] = (
      await owner.query(`SELECT id, email FROM person WHERE organization_id = $1 AND id <> $2 ORDER BY id LIMIT 1`, [viewer.orgId, viewer.personId])
    ).rows as Array<{ id: string; email: string }>;
    if (!other) throw new Error('audit phase: the AGENCY viewer\'s organization has no second person');
    // Entries, one per case and request: a row of the trail names the cases one request read of one lead agency.
    const rowsBy = async (personId: string) =>
      Number((await owner.query(`SELECT coalesce(sum(cardinality(case_ids)), 0)::int AS n FROM case_access_log WHERE person_id = $1`, [personId])).rows[0].n);
    const body = JSON.stringify({ query: LEAD_BOARD, variables: { first: 500, lead: viewer.orgId } });
    const headersOf = async (personId: string, email: string) => ({
      'content-type': 'application/json',
      authorization: `Bearer ${await ctx.sign(personId, email)}`,
    });

    const on = await ctx.startHarness('audit-on', 'audit');
    const off = await ctx.startHarness('audit-off', 'noaudit');
    const targets = {
      on: { url: `${on.base}/graphql`, body, headers: await headersOf(viewer.personId, viewer.email) } as Target,
      off: { url: `${off.base}/graphql`, body, headers: await headersOf(other.id, other.email) } as Target,
    };

    // Both answer the same board, every row with its tier.
    const boards: Record<string, string> = {};
    let boardRows = 0;
    for (const [key, t] of Object.entries(targets)) {
      const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body, signal: AbortSignal.timeout(60_000) });
      const answer = (await res.json()) as { data?: any; errors?: unknown };
      if (res.status !== 200 || answer.errors || !answer.data) throw new Error(`audit phase: the ${key} board answers ${res.status} ${JSON.stringify(answer).slice(0, 300)}`);
      const nodes = answer.data.cases.nodes as Array<{ id: string; confidential: { summary: string } | null }>;
      if (nodes.length === 0 || nodes.some((n) => n.confidential === null)) throw new Error(`audit phase: the ${key} board has no rows or a row without its tier`);
      boards[key] = JSON.stringify(answer.data);
      boardRows = nodes.length;
    }
    if (boards.on !== boards.off) throw new Error('audit phase: the two people of the agency do not see the same board');

    const before = { on: await rowsBy(viewer.personId), off: await rowsBy(other.id) };
    const bounds: Bounds = { connections: ctx.connections, maxRequests: 600, maxSeconds: 3 };
    const p50s = { on: [] as number[], off: [] as number[] };
    const cpu = { on: [] as number[], off: [] as number[] };
    let answered = 0;
    let failures = 0;
    for (let round = 0; round <= ctx.rounds; round++) {
      for (const key of round % 2 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const m = await measure(targets[key], bounds, (key === 'on' ? on : off).child.pid);
        failures += m.failures;
        if (key === 'on') answered += m.requests;
        if (round === 0) continue;
        p50s[key].push(m.p50);
        cpu[key].push(m.cpuMsPerRequest);
      }
    }
    // Stopping a hub waits for its last audit writes (Hub.stop), so the count below is complete.
    await ctx.stop(on);
    await ctx.stop(off);
    const written = { on: (await rowsBy(viewer.personId)) - before.on, off: (await rowsBy(other.id)) - before.off };
    log(
      `audit phase: ${boardRows} rows per board, every one with its tier; case_access_log entries written during the rounds: ` +
        `on ${written.on} (${answered} answered requests × ${boardRows} = ${answered * boardRows}, plus those cut off by the time limit), off ${written.off}`,
    );
    log(`    CPU ms per request (median over the rounds): auditing on ${ms(median(cpu.on))}, off ${ms(median(cpu.off))}`);
    if (failures) throw new Error(`audit phase: ${failures} failed requests`);
    if (written.off !== 0) throw new Error(`audit phase: the server without the audit trail wrote ${written.off} entries`);
    if (written.on < answered * boardRows) throw new Error(`audit phase: the audited server wrote ${written.on} entries, fewer than ${answered * boardRows}`);

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
