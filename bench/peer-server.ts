import http from 'node:http';
import { createRequire } from 'node:module';
import path from 'node:path';
import { TokenService } from '../src/auth/tokens';
import { loadConfig } from '../src/config';

/**
 * The benchmark's PostGraphile 4 peer (R10, bench/peer.ts). Harness-only: started by `npm run bench` in its own
 * process on loopback, never part of the product (nothing under src/ imports this file).
 *
 * PostGraphile 4 in library mode — its HTTP handler on a plain `http` server — over the bench database, exposing the
 * `public` schema. Every request runs as the hub's viewer role with the hub's transaction-local settings (pgSettings:
 * `role`, `lap.kind`, `lap.person_id`, `lap.own_org`, `lap.member_org`, `lap.api_key`, `lap.now`, as `ViewerDb` sets
 * them in src/db/viewer-db.ts), the viewer derived from the same bearer token the hub gets: verified with the run's
 * JWT_SECRET by the hub's own TokenService, looked up with `lap.viewer_of` as the viewer role in one round trip, as the
 * hub does (`lookupViewer`). So row-level security gives it exactly the hub's visibility.
 *
 * PostGraphile needs graphql 14 or 15 while the hub runs graphql 16, so it lives in a package of its own,
 * bench/postgraphile (its own package.json and lock, installed by the bench on first use), and is loaded from there.
 *
 * The few fields of the hub's operations that plain introspection does not give are added with graphile-utils, each
 * compiled into PostGraphile's one SQL statement (no resolver of its own, no extra round trip):
 *   EnforcementCase.confidential     the case_confidential row (its foreign key is (case_id, lead_agency_id), so the
 *                                    generated relation would be a list); NULL where its policy hides it
 *   EnforcementCase.viewerCanEdit    lap.case_editable(lead = viewer's organization, viewer is an agency), as the hub
 *   Participant.statusNow, endorsedAtNow   lap.participant_status / lap.participant_endorsed_at, as the hub
 *   CaseShare.recipients             the people named in recipient_ids, in that order (an array is no foreign key)
 *   CallSegment.order                the segment's place among the segments of its call the viewer sees, as the hub
 *   CallSegment.discussedCases       the cases linked to the segment, highest harm first
 *   ConferenceCall condition `upcoming`   scheduled_at >= lap.now(), the hub's `when: UPCOMING`
 *
 * Environment: DATABASE_URL (the owner: introspection), PORT, JWT_SECRET, BENCH_POOL_SIZE.
 */

const root = path.resolve(__dirname, '..', '..');
const port = Number(process.env.PORT);
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? '10');
const databaseUrl = process.env.DATABASE_URL;

/** The viewer role of the hub (src/db/viewer-db.ts VIEWER_ROLE). */
const VIEWER_ROLE = 'lap_viewer';

// The peer's own dependency tree (bench/postgraphile/node_modules): PostGraphile 4 with graphql 15.
const peerRequire = createRequire(path.join(root, 'bench', 'postgraphile', 'package.json'));
/* eslint-disable @typescript-eslint/no-explicit-any */
const { postgraphile } = peerRequire('postgraphile') as { postgraphile: (pool: unknown, schemas: string[], options: Record<string, unknown>) => any };
const utils = peerRequire('graphile-utils') as {
  makeExtendSchemaPlugin: (fn: (build: any) => { typeDefs: unknown }) => unknown;
  makeAddPgTableConditionPlugin: (schema: string, table: string, field: string, spec: (build: any) => unknown, gen: (value: unknown, helpers: any) => unknown) => unknown;
  gql: (strings: TemplateStringsArray, ...values: unknown[]) => unknown;
  embed: (value: unknown) => unknown;
};
const pg = peerRequire('pg') as typeof import('pg');

type Qb = { getTableAlias(): unknown; parentQueryBuilder: Qb; where(f: unknown): void; orderBy(f: unknown, asc: boolean): void };

const FieldsPlugin = utils.makeExtendSchemaPlugin((build) => {
  const sql = build.pgSql;
  const { gql, embed } = utils;
  const alias = (qb: Qb) => qb.getTableAlias();
  return {
    typeDefs: gql`
      extend type EnforcementCase {
        confidential: CaseConfidential @pgQuery(
          source: ${embed(sql.fragment`public.case_confidential`)}
          withQueryBuilder: ${embed((qb: Qb) => qb.where(sql.fragment`${alias(qb)}.case_id = ${alias(qb.parentQueryBuilder)}.id`))}
        )
        viewerCanEdit: Boolean! @pgQuery(
          fragment: ${embed((qb: Qb) => sql.fragment`(coalesce(lap.case_editable(${alias(qb)}.lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency()))
            AND (SELECT lap.viewer_api_key()) IS NULL, false))`)}
        )
      }
      extend type Participant {
        statusNow: String! @pgQuery(
          fragment: ${embed((qb: Qb) => sql.fragment`lap.participant_status(${alias(qb)}.status, ${alias(qb)}.objection_deadline, ${alias(qb)}.id)`)}
        )
        endorsedAtNow: Datetime @pgQuery(
          fragment: ${embed((qb: Qb) => sql.fragment`lap.participant_endorsed_at(${alias(qb)}.status, ${alias(qb)}.objection_deadline, ${alias(qb)}.id, ${alias(qb)}.endorsed_at)`)}
        )
      }
      extend type CaseShare {
        recipients: [Person!]! @pgQuery(
          source: ${embed(sql.fragment`public.person`)}
          withQueryBuilder: ${embed((qb: Qb) => {
            qb.where(sql.fragment`${alias(qb)}.id = ANY (${alias(qb.parentQueryBuilder)}.recipient_ids)`);
            qb.orderBy(sql.fragment`array_position(${alias(qb.parentQueryBuilder)}.recipient_ids, ${alias(qb)}.id)`, true);
          })}
        )
      }
      extend type CallSegment {
        order: Int! @pgQuery(
          fragment: ${embed((qb: Qb) => sql.fragment`(SELECT count(*)::int FROM public.call_segment o WHERE o.call_id = ${alias(qb)}.call_id AND o.position <= ${alias(qb)}.position)`)}
        )
        discussedCases: [EnforcementCase!]! @pgQuery(
          source: ${embed(sql.fragment`public.enforcement_case`)}
          withQueryBuilder: ${embed((qb: Qb) => {
            qb.where(sql.fragment`${alias(qb)}.id IN (SELECT sc.case_id FROM public.call_segment_case sc WHERE sc.segment_id = ${alias(qb.parentQueryBuilder)}.id)`);
            qb.orderBy(sql.fragment`${alias(qb)}.harm_score`, false);
            qb.orderBy(sql.fragment`${alias(qb)}.id`, true);
          })}
        )
      }
    `,
  };
});

const UpcomingPlugin = utils.makeAddPgTableConditionPlugin(
  'public',
  'conference_call',
  'upcoming',
  (build) => ({ description: 'Calls at or after the request’s clock (lap.now()); false: before it.', type: build.graphql.GraphQLBoolean }),
  (value, { sql, sqlTableAlias }) => {
    if (value === null || value === undefined) return null;
    return value ? sql.fragment`${sqlTableAlias}.scheduled_at >= (SELECT lap.now())` : sql.fragment`${sqlTableAlias}.scheduled_at < (SELECT lap.now())`;
  },
);

class HttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

async function main(): Promise<void> {
  if (!databaseUrl || !Number.isInteger(port) || port <= 0) throw new Error('DATABASE_URL and PORT are required');
  const config = loadConfig(process.env);
  const tokens = new TokenService(config);
  // The hub's pool settings on a PostgreSQL server (src/db/data-source.ts): its size, JIT off; named, so that the
  // bench can find its backends in pg_stat_activity.
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: poolSize,
    connectionTimeoutMillis: 10000,
    application_name: process.env.BENCH_APPLICATION_NAME ?? 'laphub_bench_postgraphile',
    options: '-c jit=off',
  });

  /** `lookupViewer` of src/db/viewer-db.ts: `lap.viewer_of` as the viewer role with no viewer set, one round trip. */
  async function lookup(personId: string, now: Date): Promise<{ person_id: string; own_org: string; kind: string } | null> {
    const client = await pool.connect();
    try {
      const results = (await client.query(
        `BEGIN READ ONLY; SET LOCAL ROLE ${VIEWER_ROLE};\n` +
          `SELECT person_id, own_org, kind FROM lap.viewer_of(${pg.escapeLiteral(personId)}::uuid, NULL, ${pg.escapeLiteral(now.toISOString())}::timestamptz);\nCOMMIT`,
      )) as unknown as Array<{ rows: Array<{ person_id: string; own_org: string; kind: string }> }>;
      client.release();
      return results[2].rows[0] ?? null;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(err as Error);
      throw err;
    }
  }

  /** The settings `ViewerDb` makes for a viewer (src/db/viewer-db.ts `settings`), and the role. */
  async function pgSettings(req: http.IncomingMessage): Promise<Record<string, string>> {
    const now = new Date();
    const settings = (kind: string, personId: string | null, ownOrg: string | null, memberOrg: string | null) => ({
      role: VIEWER_ROLE,
      'lap.kind': kind,
      'lap.person_id': personId ?? '',
      'lap.own_org': ownOrg ?? '',
      'lap.member_org': memberOrg ?? '',
      'lap.api_key': '',
      'lap.now': now.toISOString(),
    });
    const header = req.headers.authorization;
    if (!header) return settings('ANONYMOUS', null, null, null);
    const m = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header.trim());
    if (!m) throw new HttpError(401, 'The Authorization header must be "Bearer <token>"');
    let sub: string;
    try {
      sub = (await tokens.verify(m[1])).sub;
    } catch {
      throw new HttpError(401, 'The token is not valid');
    }
    const row = await lookup(sub, now);
    if (!row) throw new HttpError(401, 'The token is for no known person');
    return settings(row.kind, row.person_id, row.own_org, row.kind === 'ANONYMOUS' ? null : row.own_org);
  }

  const handler = postgraphile(pool, ['public'], {
    // Introspection runs on this pool, as the database owner (see bench/README.md, "PostGraphile peer").
    ignoreRBAC: false,
    watchPg: false,
    graphiql: false,
    enhanceGraphiql: false,
    disableDefaultMutations: true,
    dynamicJson: true,
    setofFunctionsContainNulls: false,
    legacyRelations: 'omit',
    disableQueryLog: true,
    enableQueryBatching: false,
    allowExplain: false,
    showErrorStack: false,
    extendedErrors: [],
    retryOnInitFail: false,
    appendPlugins: [FieldsPlugin, UpcomingPlugin],
    pgSettings,
  });
  await handler.getGraphQLSchema();

  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  process.stdout.write(`bench PostGraphile peer listening on 127.0.0.1:${port}\n`);
  const onSignal = () => {
    const force = setTimeout(() => process.exit(1), 10000);
    force.unref();
    server.close(() => {
      void Promise.resolve(handler.release?.())
        .then(() => pool.end())
        .then(
          () => process.exit(0),
          () => process.exit(1),
        );
    });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench PostGraphile peer: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
