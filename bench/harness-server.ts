import 'reflect-metadata';
import http from 'node:http';
import type { GraphQLSchema } from 'graphql';
import pg from 'pg';
import { credentialFromHeader, requestLookups } from '../src/auth/viewer';
import { TokenService } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/data-source';
import { RequestConnection, ViewerDb } from '../src/db/viewer-db';
import { Data } from '../src/data';
import type { Agency, Participant } from '../entities/participant.entity';
import type { Person } from '../entities/person.entity';
import { createLogger } from '../src/logger';
import { applyPermissions, buildBareSchema, buildHubSchema } from '../src/schema';
import { withFederation } from '../src/federation/subgraph';
import { createHub } from '../src/server';
import { APPLICATION_NAMES, withApplicationName } from './peer';

/**
 * The benchmark's comparison servers. Harness-only: started by `npm run bench` in their own process, on loopback,
 * never part of the product (nothing under src/ imports this file).
 *
 *   BENCH_SERVER=bare  the hub's own createHub — same Apollo setup, context, loaders and resolvers — with the schema
 *                      built WITHOUT the graphql-shield middleware (`buildBareSchema`). The R1 baseline.
 *   BENCH_SERVER=raw   a plain HTTP endpoint, POST /cases {"first": n}, that verifies the same bearer token, runs
 *                      hand-written SQL for the case board of that viewer (same row scope, columns, lead agency, countries,
 *                      confidential summary where readable, viewerCan, totalCount) and JSON.stringify's it. The R2 floor.
 *                      And POST /case {"id": …}: the case detail (bench/board.ts DETAIL_QUERY) with the hub's own data layer
 *                      and no GraphQL: the credential looked up as the hub looks it up (the lookup begins the request's
 *                      transaction as the viewer, row-level security deciding every row), the case, its countries, its
 *                      shares and the participants and people they name read as the hub's `case` field reads them (one
 *                      statement, `CaseData.detail`, into the hub's own loaders), the answer put together by hand,
 *                      the transaction ended as the hub ends a query's. No audit entry is written. The R10 detail's floor: what
 *                      the hub's statements cost without the layers above them.
 *
 *   BENCH_SERVER=owner the hub itself (with its rule tree), but every request runs as the database owner, so that
 *                      row-level security is bypassed: the R7 baseline, what the policies cost.
 *
 *   BENCH_SERVER=audit    the hub's own createHub, exactly as the product runs it (the audit trail written). With
 *                         BENCH_CONTROL_PORT, a loopback port where `POST /audit/off` drops the trail's entries unwritten
 *                         and `POST /audit/on` writes them again: the audit phase (bench/audit.ts) measures both in one
 *                         process.
 *   BENCH_SERVER=noaudit  the same, with the audit trail's entries dropped unwritten (`skipAuditTrail`): its "off"
 *                         side, what the trail costs.
 *
 * Environment: DATABASE_URL, PORT, JWT_SECRET, BENCH_POOL_SIZE (the hub's pool size for this kind of database).
 */

const mode = process.env.BENCH_SERVER;
const port = Number(process.env.PORT);
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? '10');
const databaseUrl = process.env.DATABASE_URL;
// As the hub does: JIT off on a real server (pool > 1), untouched on the embedded one.
const disableJit = poolSize > 1;

/**
 * The schema of the bare server (BENCH_BARE_SCHEMA): `bare`, R1's baseline, without the rules and without the
 * Federation fields; `served`, with the Federation fields; `rules`, with the rules; `hub`, the hub's own (what `npm start`
 * serves), which makes R1 an A/A check of the measurement itself.
 */
async function bareSchema(): Promise<GraphQLSchema> {
  const variant = process.env.BENCH_BARE_SCHEMA || 'bare';
  switch (variant) {
    case 'bare':
      return buildBareSchema();
    case 'served':
      return withFederation(await buildBareSchema());
    case 'rules':
      return applyPermissions(await buildBareSchema());
    case 'hub':
      return buildHubSchema();
    default:
      throw new Error(`BENCH_BARE_SCHEMA: unknown schema ${variant} (bare, served, rules, hub)`);
  }
}

/** A hub of createHub: with the options of this mode (bare: the schema without the shield). */
async function startHub(mode: 'bare' | 'owner' | 'audit' | 'noaudit'): Promise<() => Promise<void>> {
  const config = loadConfig(process.env);
  const logger = createLogger(config);
  const ds = await openDatabase(databaseUrl!, poolSize, disableJit);
  const options =
    mode === 'bare' ? { schema: await bareSchema() } : mode === 'owner' ? { bypassRowSecurity: true } : mode === 'noaudit' ? { skipAuditTrail: true } : {};
  // As the hub does on the embedded database (one connection, src/main.ts): live events in process, so that no server
  // of the harness holds a LISTEN connection of the database socket's few.
  const hub = await createHub({ config, ds, logger, liveEvents: poolSize > 1 ? 'postgres' : 'in-process', ...options });
  await hub.listen(port, '127.0.0.1');
  // The audit phase (bench/audit.ts) measures the trail written and dropped in this one process, switched between
  // rounds on a loopback port of its own: `POST /audit/on` or `/audit/off` answers once the writes started so far ended.
  const controlPort = Number(process.env.BENCH_CONTROL_PORT);
  let control: http.Server | null = null;
  if (mode === 'audit' && Number.isInteger(controlPort) && controlPort > 0) {
    control = http.createServer((req, res) => {
      const m = req.method === 'POST' ? /^\/audit\/(on|off)$/.exec(req.url ?? '') : null;
      if (!m) {
        res.writeHead(404).end();
        return;
      }
      hub.audit.skip = m[1] === 'off';
      hub.audit.settled().then(
        () => res.writeHead(204).end(),
        () => res.writeHead(500).end(),
      );
    });
    await new Promise<void>((resolve) => control!.listen(controlPort, '127.0.0.1', resolve));
  }
  return async () => {
    if (control) await new Promise<void>((resolve) => control!.close(() => resolve()));
    await hub.stop();
    await ds.destroy();
  };
}

// ---- the raw SQL endpoint ----------------------------------------------------------------------------------------

interface RawViewer {
  kind: 'AGENCY' | 'PRIVATE' | 'ANONYMOUS';
  personId: string | null;
  orgId: string | null;
}

/** The SQL a database expert would write for one viewer's case board: scope, top-N by harm, then the page's details. */
function boardSql(kind: RawViewer['kind']): { page: string; count: string } {
  // $1 viewer organization, $2 viewer person, $3 page size.
  const reaches = (alias: string) => `EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = ${alias}.id AND s.participant_id = $1::uuid
      AND (cardinality(s.recipient_ids) = 0 OR $2::uuid = ANY (s.recipient_ids)))`;
  const scope =
    kind === 'AGENCY'
      ? `(c.tlp <> 'RED' OR c.lead_agency_id = $1::uuid OR ${reaches('c')})`
      : kind === 'PRIVATE'
        ? `(c.tlp IN ('CLEAR', 'GREEN') OR ${reaches('c')})`
        : `(c.tlp = 'CLEAR' AND $1::uuid IS NULL AND $2::uuid IS NULL)`; // every statement takes the same parameters
  const page = `SELECT c.id, c.reference, c.title, c.status, c.categories, c.tlp, c.opened_at, c.harm_score, c.lead_agency_id
      FROM enforcement_case c WHERE ${scope} ORDER BY c.harm_score DESC, c.id LIMIT $3`;
  const readable = `(p.lead_agency_id = $1::uuid OR ${reaches('p')})`;
  return {
    page: `WITH p AS (${page})
      SELECT p.id, p.reference, p.title, p.status, p.categories, p.tlp, p.opened_at, p.harm_score, p.lead_agency_id,
        la.name AS lead_name, la.country_code::text AS lead_country,
        ARRAY(SELECT cc.country_code::text FROM case_country cc WHERE cc.case_id = p.id ORDER BY cc.country_code) AS countries,
        ${readable} AS readable, t.summary
      FROM p JOIN participant la ON la.id = p.lead_agency_id JOIN case_confidential t ON t.case_id = p.id
      ORDER BY p.harm_score DESC, p.id`,
    count: `SELECT count(*)::int AS n FROM enforcement_case c WHERE ${scope}`,
  };
}

const statements = { AGENCY: boardSql('AGENCY'), PRIVATE: boardSql('PRIVATE'), ANONYMOUS: boardSql('ANONYMOUS') };

interface BoardRow {
  id: string;
  reference: string;
  title: string;
  status: string;
  categories: string[];
  tlp: string;
  opened_at: Date;
  harm_score: number;
  lead_agency_id: string;
  lead_name: string;
  lead_country: string;
  countries: string[];
  readable: boolean;
  summary: string;
}

async function startRaw(): Promise<() => Promise<void>> {
  const config = loadConfig(process.env);
  const tokens = new TokenService(config);
  // Named, so that the PostGraphile peer phase can find this pool's backends in pg_stat_activity (bench/peer.ts).
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSize, application_name: 'laphub_bench_raw', ...(disableJit ? { options: '-c jit=off' } : {}) });

  async function viewerOf(header: string | undefined): Promise<RawViewer | null> {
    if (!header) return { kind: 'ANONYMOUS', personId: null, orgId: null };
    const m = /^Bearer (\S+)$/.exec(header);
    if (!m) return null;
    let sub: string;
    try {
      sub = (await tokens.verify(m[1])).sub;
    } catch {
      return null;
    }
    const { rows } = await pool.query(
      `SELECT pe.id, pe.organization_id, p.kind, p.status FROM person pe JOIN participant p ON p.id = pe.organization_id WHERE pe.id = $1`,
      [sub],
    );
    if (rows.length === 0) return null;
    const r = rows[0] as { id: string; organization_id: string; kind: string; status: string };
    if (r.status !== 'ENDORSED') return { kind: 'ANONYMOUS', personId: null, orgId: null };
    return { kind: r.kind === 'AGENCY' ? 'AGENCY' : 'PRIVATE', personId: r.id, orgId: r.organization_id };
  }

  async function board(viewer: RawViewer, first: number): Promise<string> {
    const sqlOf = statements[viewer.kind];
    const params = [viewer.orgId, viewer.personId, first];
    const [page, count] = await Promise.all([
      pool.query(sqlOf.page, params),
      pool.query(sqlOf.count, params.slice(0, 2)),
    ]);
    const nodes = (page.rows as BoardRow[]).map((r) => {
      const lead = viewer.kind === 'AGENCY' && r.lead_agency_id === viewer.orgId;
      return {
        id: r.id,
        reference: r.reference,
        title: r.title,
        status: r.status,
        categories: r.categories,
        tlp: r.tlp,
        openedAt: r.opened_at,
        harmScore: r.harm_score,
        leadAgency: { name: r.lead_name, country: { code: r.lead_country } },
        countries: r.countries.map((code) => ({ code })),
        confidential: r.readable === true ? { summary: r.summary } : null,
        viewerCan: { readConfidential: r.readable === true, edit: lead, share: lead },
      };
    });
    return JSON.stringify({ data: { cases: { totalCount: (count.rows[0] as { n: number }).n, nodes } } });
  }

  // The detail's floor (POST /case): the hub's own lookup and loaders, on a data source of the hub's kind.
  const ds = await openDatabase(withApplicationName(databaseUrl!, APPLICATION_NAMES.raw), poolSize, disableJit);
  const iso = (d: Date | null | undefined) => (d ? d.toISOString() : null);
  const person = (p: Person | null | undefined) => (p ? { id: p.id, name: p.name, email: p.email, phone: p.phone, title: p.title } : null);

  /** The case detail as the hub answers DETAIL_QUERY (`data.case`), or null where the viewer does not see the case. */
  async function detail(header: string | undefined, id: string): Promise<unknown> {
    const at = new Date();
    const connection = new RequestConnection(ds, at, null);
    let db: ViewerDb;
    try {
      const { viewer } = await credentialFromHeader(header, tokens, ds, at, requestLookups(connection));
      db = connection.looked ? await connection.viewerDb(viewer) : new ViewerDb(ds, viewer, at);
      const data = new Data(db, viewer);
      const key = id.toLowerCase();
      // The hub's one statement for a case's detail, as its `case` field asks for DETAIL_QUERY; then its caches.
      await data.cases.detail(key, ['countries', 'shares', 'participants', 'people']);
      const c = await data.cases.caseById.load(key);
      if (!c) return null;
      const [countries, shares] = await Promise.all([data.cases.countriesByCase.load(key), data.cases.sharesByCase.load(key)]);
      const participant = (pid: string) => data.participants.participantById.peek(pid) as Participant | null | undefined;
      const countryOf = (code: string) => {
        const co = data.participants.countryByCode.peek(code);
        return co ? { code: co.code, name: co.name, developing: co.developing } : null;
      };
      const lead = participant(c.leadAgencyId) as Agency;
      const tier = c.confidentialTier ?? null;
      // Already read with the case (`CaseData.detail` primed the loader): no statement here.
      const named = [...new Set(shares.flatMap((s) => [s.grantedById, ...s.recipientIds]))];
      const people = new Map((tier ? await data.participants.personById.loadMany(named) : []).map((p, i) => [named[i], p instanceof Error ? null : p]));
      return {
        id: c.id, reference: c.reference, title: c.title, status: c.status, categories: c.categories, tlp: c.tlp,
        openedAt: iso(c.openedAt), harmScore: c.harmScore,
        countries: countries.map((co) => ({ code: co.code, name: co.name, developing: co.developing })),
        leadAgency: {
          id: lead.id, kind: lead.kind, name: lead.name, status: lead.status, appliedAt: iso(lead.appliedAt), endorsedAt: iso(lead.endorsedAt),
          competences: lead.competences, isCoordinator: lead.isCoordinator, country: countryOf(lead.countryCode),
        },
        viewerCan: { readConfidential: tier !== null, edit: c.editable === true, share: c.editable === true },
        confidential: tier && {
          summary: tier.summary, suspects: tier.suspects, evidence: tier.evidence, investigatorNotes: tier.investigatorNotes,
          victimCount: tier.victimCount, estimatedLossUsd: tier.estimatedLossUsd, vulnerableVictims: tier.vulnerableVictims, ongoingHarm: tier.ongoingHarm,
          shares: shares.map((s) => {
            const p = participant(s.participantId)!;
            return {
              id: s.id, grantedAt: iso(s.grantedAt), grantedBy: person(people.get(s.grantedById)),
              participant: { id: p.id, kind: p.kind, name: p.name, status: p.status, country: { code: p.countryCode } },
              recipients: s.recipientIds.map((r) => person(people.get(r))),
            };
          }),
        },
      };
    } catch (err) {
      await connection.release();
      throw err;
    } finally {
      // As the hub ends a query's transaction once its answer is made.
      await db!?.finish();
    }
  }

  /**
   * A POST's JSON body handed to `answer`, whose string is the 200 answer (or a status and message of its own); a failure
   * is a 500, written to standard error.
   */
  function jsonPost(req: http.IncomingMessage, res: http.ServerResponse, answer: (body: Record<string, unknown>) => Promise<string | [number, string]>): void {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        try {
          const result = await answer(JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>);
          if (Array.isArray(result)) {
            res.writeHead(result[0], { 'content-type': 'application/json' }).end(JSON.stringify({ error: result[1] }));
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(result) });
          res.end(result);
        } catch (err) {
          process.stderr.write(`raw endpoint: ${(err as Error).message}\n`);
          res.writeHead(500).end();
        }
      })();
    });
  }

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method === 'POST' && req.url === '/case') {
      jsonPost(req, res, async (body) => {
        if (typeof body.id !== 'string') return [400, 'id is required'];
        return JSON.stringify({ data: { case: await detail(req.headers.authorization, body.id) } });
      });
      return;
    }
    if (req.method !== 'POST' || req.url !== '/cases') {
      res.writeHead(404).end();
      return;
    }
    jsonPost(req, res, async (body) => {
      const first = Math.min(Math.max(Number(body.first ?? 50), 0), 1000);
      const viewer = await viewerOf(req.headers.authorization);
      if (!viewer) return [401, 'unauthenticated'];
      return board(viewer, first);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await pool.end();
    await ds.destroy();
  };
}

async function main(): Promise<void> {
  if (!databaseUrl || !Number.isInteger(port) || port <= 0) throw new Error('DATABASE_URL and PORT are required');
  const hubModes = ['bare', 'owner', 'audit', 'noaudit'] as const;
  const stop = (hubModes as readonly (string | undefined)[]).includes(mode)
    ? await startHub(mode as (typeof hubModes)[number])
    : mode === 'raw'
      ? await startRaw()
      : null;
  if (!stop) throw new Error('BENCH_SERVER must be bare, owner, audit, noaudit or raw');
  process.stdout.write(`bench ${mode} server listening on 127.0.0.1:${port}\n`);
  const onSignal = () => {
    const force = setTimeout(() => process.exit(1), 10000);
    force.unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench ${mode} server: ${(err as Error)?.message ?? String(err)}\n`);
  process.exit(1);
});
