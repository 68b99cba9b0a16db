import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { TokenService } from '../../src/auth/tokens';
import { Config, loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/data-source';
import { demoId, loadDemo } from '../../src/db/seed/demo';
import { createLogger } from '../../src/logger';
import { createHub, Hub, HubOptions } from '../../src/server';

export const TEST_SECRET = 'test-secret-for-lap-hub-tests-only-0123456789';

/** The environment of a test hub on the run's database; tests add or override variables. */
export function testHubEnv(dbUrl = process.env.LAPHUB_TEST_DB_URL): Record<string, string | undefined> {
  return { NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATABASE_URL: dbUrl, RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_VIEWER: '0' };
}

export interface GqlResult<T = any> {
  status: number;
  body: { data?: T; errors?: Array<{ message: string; path?: string[]; extensions?: Record<string, any> }>; extensions?: Record<string, any> };
  statements: number;
}

export interface TestHub {
  ds: DataSource;
  config: Config;
  url: string;
  /** Runs a GraphQL operation over HTTP, as the demo person with this email (or anonymously). */
  gql<T = any>(query: string, options?: { as?: string | null; variables?: Record<string, unknown>; token?: string; headers?: Record<string, string> }): Promise<GqlResult<T>>;
  /** A bearer token for any person by id (people created during a test). */
  tokenFor(personId: string, email: string): Promise<string>;
  /** Empties the database and loads the demo network again. */
  reset(): Promise<void>;
  /** Resolves once the audit trail and API keys' last-use writes of every request answered so far are written. */
  auditSettled(): Promise<void>;
  close(): Promise<void>;
  now: Date;
  /** The hub itself (its live-update dispatcher and WebSocket server). */
  hub: Hub;
}

export function personId(email: string): string {
  return demoId(`person:${email}`);
}

export function orgId(key: string): string {
  return demoId(`org:${key}`);
}

export function caseId(reference: string): string {
  return demoId(`case:${reference}`);
}

export function callId(key: string): string {
  return demoId(`call:${key}`);
}

export function segmentId(key: string): string {
  return demoId(`segment:${key}`);
}

export function exclusionId(key: string): string {
  return demoId(`exclusion:${key}`);
}

/** The hub's tables (the migrations table aside), quoted, by name. */
async function hubTables(ds: DataSource): Promise<string[]> {
  const rows = (await ds.query(
    `SELECT quote_ident(tablename) AS t FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'migrations' ORDER BY tablename`,
  )) as Array<{ t: string }>;
  return rows.map((r) => r.t);
}

/**
 * Empties every table of the hub (the migrations table stays), in one transaction and one round trip. DELETE with the
 * foreign-key triggers off (replica mode), not TRUNCATE: on these small tables TRUNCATE costs a new file per table and
 * index (measured here: a demo reset took ~120 ms on PGlite and ~400–600 ms on PostgreSQL with TRUNCATE, ~15 ms with
 * DELETE).
 */
export async function truncateAll(ds: DataSource): Promise<void> {
  const tables = await hubTables(ds);
  await ds.transaction(async (m) => {
    await m.query(`SET LOCAL session_replication_role = replica`);
    await m.query(tables.map((t) => `DELETE FROM ${t};`).join('\n'));
  });
}

/** Copies every hub table into the `demo_snapshot` schema; returns the table names. */
async function snapshot(ds: DataSource): Promise<string[]> {
  const tables = await hubTables(ds);
  await ds.query(`DROP SCHEMA IF EXISTS demo_snapshot CASCADE`);
  await ds.query(`CREATE SCHEMA demo_snapshot`);
  await ds.query(tables.map((t) => `CREATE TABLE demo_snapshot.${t} AS TABLE ${t};`).join('\n'));
  return tables;
}

/** Resets between vacuums: DELETE leaves dead rows behind, and PGlite has no autovacuum. */
const RESETS_PER_VACUUM = 50;

export type ExecutorKind = NonNullable<HubOptions['executor']>;

/** A hub on the run's test database, listening on a free loopback port, with the demo network loaded. */
export async function startTestHub(
  options: { now?: () => Date; executor?: ExecutorKind; liveCredentialSweepMs?: number } = {},
): Promise<TestHub> {
  const dbUrl = process.env.LAPHUB_TEST_DB_URL;
  if (!dbUrl) throw new Error('LAPHUB_TEST_DB_URL is not set: run the tests with jest (globalSetup)');
  // No rate limits: the permission tables send hundreds of requests a minute as one person (test/http/operations.test.ts
  // checks the limits themselves).
  const config = loadConfig({ ...testHubEnv(dbUrl), REPORT_SQL_STATEMENTS: 'true' });
  const pglite = process.env.LAPHUB_TEST_DB_KIND === 'pglite';
  const ds = await openDatabase(dbUrl, pglite ? 1 : 4, !pglite);
  const seededAt = new Date();
  // The demo network is loaded once per file and kept in a snapshot schema; a reset copies it back in one transaction.
  await truncateAll(ds);
  await loadDemo(ds, seededAt);
  const tables = await snapshot(ds);
  let resets = 0;
  const reset = async () => {
    await ds.transaction(async (m) => {
      await m.query(`SET LOCAL session_replication_role = replica`);
      await m.query(
        [...tables.map((t) => `DELETE FROM ${t};`), ...tables.map((t) => `INSERT INTO ${t} SELECT * FROM demo_snapshot.${t};`)].join('\n'),
      );
    });
    if (++resets % RESETS_PER_VACUUM === 0) await ds.query(`VACUUM ${tables.join(', ')}`);
  };
  const hub: Hub = await createHub({
    config, ds, logger: createLogger(config), now: options.now, executor: options.executor, liveEvents: liveEventsOf(),
    liveCredentialSweepMs: options.liveCredentialSweepMs,
  });
  const client = await listening(hub, config);
  return {
    ds,
    config,
    now: seededAt,
    reset,
    auditSettled: () => hub.audit.settled(),
    hub,
    ...client,
    async close() {
      await hub.stop();
      await ds.destroy();
    },
  };
}

/**
 * A second hub over the same database and data as `base` (no truncation, no seeding: the demo data and its
 * timestamps stay exactly as `base` loaded them), e.g. with the other executor or rule tree. `reset` is `base`'s; `close` stops
 * only this hub and leaves the data source to `base`.
 */
export async function startSiblingHub(
  base: TestHub,
  options: Pick<HubOptions, 'now' | 'executor' | 'schema' | 'liveEvents' | 'liveCredentialSweepMs'> & Partial<Pick<HubOptions, 'logger'>> = {},
): Promise<TestHub> {
  const hub: Hub = await createHub({
    config: base.config, ds: base.ds, liveEvents: liveEventsOf(), ...options, logger: options.logger ?? createLogger(base.config),
  });
  const client = await listening(hub, base.config);
  return {
    ds: base.ds,
    config: base.config,
    now: base.now,
    reset: base.reset,
    auditSettled: () => hub.audit.settled(),
    hub,
    ...client,
    async close() {
      await hub.stop();
    },
  };
}

/** Live events between hubs: PostgreSQL's NOTIFY on a server, in process on the embedded database (as `npm start`). */
function liveEventsOf(): 'postgres' | 'in-process' {
  return process.env.LAPHUB_TEST_DB_KIND === 'pglite' ? 'in-process' : 'postgres';
}

/** Starts `hub` on a free loopback port; returns its URL and an HTTP client for it. */
async function listening(hub: Hub, config: Config): Promise<Pick<TestHub, 'url' | 'gql' | 'tokenFor'>> {
  const port = await hub.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${port}/graphql`;
  const tokens = new TokenService(config);
  const tokenCache = new Map<string, string>();
  return {
    url,
    tokenFor: (id, email) => tokens.sign(id, email),
    async gql(query, opts = {}) {
      const headers: Record<string, string> = { 'content-type': 'application/json', ...(opts.headers ?? {}) };
      let token = opts.token;
      if (!token && opts.as) {
        token = tokenCache.get(opts.as) ?? (await tokens.sign(personId(opts.as), opts.as));
        tokenCache.set(opts.as, token);
      }
      if (token) headers.authorization = `Bearer ${token}`;
      const res = await fetch(url, { method: 'POST', headers, body: JSON.stringify({ query, variables: opts.variables }) });
      const body = (await res.json()) as GqlResult['body'];
      return { status: res.status, body, statements: Number(res.headers.get('x-sql-statements') ?? NaN) };
    },
  };
}

/** The demo people by role, as the README lists them. */
export const cast = {
  ann: 'ann.carter@ftc.example', // FTC, coordinator
  ben: 'ben.ortiz@ftc.example', // FTC, coordinator
  oliver: 'oliver.hughes@oft.example', // OFT, coordinator
  isla: 'isla.morgan@ico.example', // ICO, agency
  liam: 'liam.walsh@acma.example', // ACMA, agency
  minjun: 'minjun.park@kisa.example', // KISA, agency
  emeka: 'emeka.obi@efcc.example', // EFCC (Nigeria), agency
  claire: 'claire.roy@crtc.example', // CRTC, agency
  grace: 'grace.lin@northstar.example', // NorthStar Broadband, private
  tom: 'tom.baker@meridianbank.example', // Meridian Bank, private (named on the RED phishing-kit share)
  priya: 'priya.shah@meridianbank.example', // Meridian Bank, private (not named)
  eva: 'eva.jansen@sentinel.example', // Sentinel Security, private
  max: 'max.mueller@registro.example', // Registro Global, private (excluded from a segment)
  paulo: 'paulo.souza@cgi.example', // CGI.br, applicant: anonymous plus own application
} as const;
