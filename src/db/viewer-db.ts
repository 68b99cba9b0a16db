import pg from 'pg';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Viewer } from '../policy/viewer';
import { hydrate } from './hydrate';
import type { Sql } from './sql';

type Row = Record<string, any>;

/** The role every request runs as: owns nothing, cannot bypass row-level security (migration RowLevelSecurity). */
export const VIEWER_ROLE = 'lap_viewer';

/** The pg pool under TypeORM's data source: requests take one client each, for the whole request. */
export function poolOf(ds: DataSource): pg.Pool {
  const pool = (ds.driver as unknown as { master?: pg.Pool }).master;
  if (!pool) throw new Error('the data source is not initialized');
  return pool;
}

/** The transaction-local settings that tell the policies who the viewer is (the `lap.viewer_*()` functions). */
function settings(viewer: Viewer, now: Date): string {
  const set = (name: string, value: string | null) => `set_config(${pg.escapeLiteral(name)}, ${pg.escapeLiteral(value ?? '')}, true)`;
  return `SELECT ${[
    set('lap.kind', viewer.kind),
    set('lap.person_id', viewer.personId),
    set('lap.own_org', viewer.ownOrgId),
    set('lap.member_org', viewer.memberOrgId),
    set('lap.api_key', viewer.apiKey?.id ?? null),
    set('lap.now', now.toISOString()),
  ].join(', ')}`;
}

/**
 * The database as one viewer sees it, for one request (`withViewer`): one transaction on one pooled connection,
 * `SET LOCAL ROLE lap_viewer`, the viewer in transaction-local settings, so that row-level security decides every
 * row of every statement. Queries run read only on one snapshot (pages and counts agree); mutations each run in a
 * savepoint, so a refused or failed mutation writes nothing and leaves the request's transaction usable.
 *
 * The transaction begins with the first statement (a request that reads nothing takes no connection) and ends with
 * `finish`. Nothing else on a request path may reach the database: the context carries this object, not the pool.
 */
export class ViewerDb {
  /** Set before the first statement: a query operation runs in a read-only transaction. */
  readOnly = false;
  private client: pg.PoolClient | null = null;
  private begun: Promise<pg.PoolClient> | null = null;
  private finished = false;
  private savepoints = 0;
  /** Statements go to the connection one after another (resolvers of one request run concurrently). */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly ds: DataSource,
    readonly viewer: Viewer,
    private readonly now: Date,
    /**
     * Benchmark only (R7, the cost of row-level security): stay the pool's owner role, which bypasses RLS. No
     * configuration reaches it; `createHub` passes it only from a harness's `HubOptions`.
     */
    private readonly asOwner = false,
  ) {}

  private begin(): Promise<pg.PoolClient> {
    if (this.finished) return Promise.reject(new Error('the request has finished: no more statements'));
    this.begun ??= (async () => {
      const client = await poolOf(this.ds).connect();
      this.client = client;
      const mode = this.readOnly ? 'ISOLATION LEVEL REPEATABLE READ, READ ONLY' : 'READ WRITE';
      try {
        // One round trip (simple protocol, several statements): the values are escaped literals.
        const role = this.asOwner ? '' : `SET LOCAL ROLE ${VIEWER_ROLE}; `;
        await client.query(`BEGIN ${mode}; ${role}${settings(this.viewer, this.now)}`);
      } catch (err) {
        this.client = null;
        client.release(err as Error);
        throw err;
      }
      return client;
    })();
    return this.begun;
  }

  /** Runs one statement as the viewer; rows as plain objects. */
  async query<T = Row>(text: string, values?: unknown[]): Promise<T[]> {
    const client = await this.begin();
    const run = this.queue.then(() => client.query(text, values as unknown[]));
    this.queue = run.catch(() => undefined);
    return (await run).rows as T[];
  }

  /** Runs a fragment built with `sql` as the viewer. */
  rows<T = Row>(fragment: Sql): Promise<T[]> {
    const { text, values } = fragment.compile();
    return this.query<T>(text, values);
  }

  /**
   * Runs `fn` inside a savepoint: its statements all stick or none does. An error rolls back to the savepoint and is
   * rethrown, and the request's transaction goes on.
   */
  async atomically<T>(fn: () => Promise<T>): Promise<T> {
    const name = `lap_sp_${++this.savepoints}`;
    await this.query(`SAVEPOINT ${name}`);
    try {
      const result = await fn();
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      if (this.client && !this.finished) await this.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
      throw err;
    }
  }

  /** `atomically`, handing `fn` this database (the shape of TypeORM's `transaction` that resolvers used). */
  transaction<T>(fn: (db: ViewerDb) => Promise<T>): Promise<T> {
    return this.atomically(() => fn(this));
  }

  /** TypeORM's column metadata of an entity (no statement). */
  metadata(target: EntityTarget<ObjectLiteral>) {
    return this.ds.getMetadata(target);
  }

  /** Builds entity instances from rows with TypeORM's column metadata (no statement). */
  hydrate<T extends ObjectLiteral>(target: EntityTarget<T>, rows: Row[], pick?: (row: Row) => EntityTarget<T>): T[] {
    return hydrate(this.ds, target, rows, pick);
  }

  /** Ends the request's transaction: commits what the mutations wrote (a query has nothing to commit) and frees the connection. */
  async finish(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.begun) return;
    let client: pg.PoolClient;
    try {
      client = await this.begun;
    } catch {
      return;
    }
    try {
      await this.queue;
      await client.query('COMMIT');
      client.release();
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release(err as Error);
      throw err;
    } finally {
      this.client = null;
    }
  }
}

/**
 * Runs `fn` with the database as `viewer` sees it, in one transaction, and ends it: the way every path that is not a
 * GraphQL request over HTTP (the CSV report, the token CLI's reads, tests) reaches the data.
 */
export async function withViewer<T>(ds: DataSource, viewer: Viewer, now: Date, fn: (db: ViewerDb) => Promise<T>, readOnly = true): Promise<T> {
  const db = new ViewerDb(ds, viewer, now);
  db.readOnly = readOnly;
  try {
    return await fn(db);
  } finally {
    await db.finish();
  }
}

/**
 * Who a verified token names, and as which kind of viewer: asked of the database (`lap.viewer_of`) as the viewer role
 * with no viewer yet, in one round trip of its own.
 */
export async function lookupViewer(
  ds: DataSource,
  personId: string | null,
  email: string | null,
  now: Date,
): Promise<{ person_id: string; own_org: string; kind: string } | null> {
  const client = await poolOf(ds).connect();
  try {
    const lit = (v: string | null) => (v === null ? 'NULL' : pg.escapeLiteral(v));
    const results = (await client.query(
      `BEGIN READ ONLY; SET LOCAL ROLE ${VIEWER_ROLE};
       SELECT person_id, own_org, kind FROM lap.viewer_of(${lit(personId)}::uuid, ${lit(email)}, ${lit(now.toISOString())}::timestamptz);
       COMMIT`,
    )) as unknown as pg.QueryResult[];
    client.release();
    return (results[2].rows[0] as { person_id: string; own_org: string; kind: string } | undefined) ?? null;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(err as Error);
    throw err;
  }
}

/**
 * Who an API key names (its prefix and the SHA-256 of the whole key), asked of the database (`lap.api_key_viewer`,
 * which compares the hash in constant time and never hands it out) as the viewer role with no viewer yet.
 */
export async function lookupApiKey(
  ds: DataSource,
  prefix: string,
  hash: Buffer,
  now: Date,
): Promise<{ api_key_id: string; name: string; prefix: string; expires_at: Date | null; own_org: string; kind: string; revoked: boolean; expired: boolean } | null> {
  const client = await poolOf(ds).connect();
  try {
    const results = (await client.query(
      `BEGIN READ ONLY; SET LOCAL ROLE ${VIEWER_ROLE};
       SELECT api_key_id, name, prefix, expires_at, own_org, kind, revoked, expired
         FROM lap.api_key_viewer(${pg.escapeLiteral(prefix)}, '\\x${hash.toString('hex')}'::bytea, ${pg.escapeLiteral(now.toISOString())}::timestamptz);
       COMMIT`,
    )) as unknown as pg.QueryResult[];
    client.release();
    return (results[2].rows[0] as any) ?? null;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(err as Error);
    throw err;
  }
}

/**
 * Whether an API key checked earlier still works at `now` (not revoked, not expired, its organization still endorsed):
 * `lap.api_key_active`, as the viewer role, in one round trip. For paths that keep a viewer beyond one request, such
 * as an open subscription, which must check its key again before each delivery (DOMAIN §7, §8).
 */
export async function apiKeyActive(ds: DataSource, keyId: string, now: Date): Promise<boolean> {
  const client = await poolOf(ds).connect();
  try {
    const results = (await client.query(
      `BEGIN READ ONLY; SET LOCAL ROLE ${VIEWER_ROLE};
       SELECT lap.api_key_active(${pg.escapeLiteral(keyId)}::uuid, ${pg.escapeLiteral(now.toISOString())}::timestamptz) AS active;
       COMMIT`,
    )) as unknown as pg.QueryResult[];
    client.release();
    return results[2].rows[0]?.active === true;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    client.release(err as Error);
    throw err;
  }
}
