import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { onceEvery } from '../logger';
import net from 'node:net';
import { GraphQLError } from 'graphql';
import pg from 'pg';
import type { DataSource, EntityTarget, ObjectLiteral } from 'typeorm';
import type { Viewer } from '../policy/viewer';
import { encodeEvents, LIVE_CHANNEL, LiveEvent, mergeEvents } from '../live/events';
import { clientClosedRequest, serviceUnavailable } from '../graphql/errors';
import { fromJson, hydrate } from './hydrate';
import { countOn, oweCommit, StatementCount, takeOwedCommit } from './statement-counter';
import type { Sql } from './sql';

type Row = Record<string, any>;

/**
 * Where the live events of a committed transaction go (src/live/bus.ts). `postgres`: NOTIFY in the transaction itself,
 * so that PostgreSQL delivers them to every instance's LISTEN at commit and drops them on rollback. `in-process` (the
 * embedded database, one instance): handed over after the commit.
 */
export interface LiveSink {
  readonly mode: 'postgres' | 'in-process';
  committed(events: LiveEvent[]): void;
}

/** The role every request runs as: owns nothing, cannot bypass row-level security (migration RowLevelSecurity). */
export const VIEWER_ROLE = 'lap_viewer';

/** The pg pool under TypeORM's data source: requests take one client each, for the whole request. */
export function poolOf(ds: DataSource): pg.Pool {
  const pool = (ds.driver as unknown as { master?: pg.Pool }).master;
  if (!pool) throw new Error('the data source is not initialized');
  return pool;
}

/** Whether `err` is the pool's own: every connection stayed taken for its whole wait (pg-pool's `connectionTimeoutMillis`). */
export function poolWaitEnded(err: unknown): boolean {
  return (err as Error | undefined)?.message === 'timeout exceeded when trying to connect';
}

/** How long a request's statement may go unanswered by default (`DATABASE_TIMEOUT_MS`). */
export const DEFAULT_ANSWER_TIMEOUT_MS = 30_000;
const answerTimeouts = new WeakMap<DataSource, number>();

/** `DATABASE_TIMEOUT_MS` for the requests on `ds` (`createHub`). */
export function setAnswerTimeout(ds: DataSource, ms: number): void {
  answerTimeouts.set(ds, ms);
}

/**
 * How long a statement of a request may go unanswered on `ds`: then node-postgres gives up on it and closes its
 * connection (every statement pipelined behind it fails too), and the request is answered 503 (`databaseUnavailable`).
 * A database that stops answering without closing its connections (a host switched off, a network cut) held every
 * request on it, and its connection, for good.
 */
function answerTimeout(ds: DataSource): number {
  return answerTimeouts.get(ds) ?? DEFAULT_ANSWER_TIMEOUT_MS;
}

/**
 * A statement given up after `answerTimeout(ds)` and 2 s more (node-postgres's `query_timeout`, which its types do not
 * name): PostgreSQL itself ends a statement that runs or waits that long (`statementTimeout`), so this one only fires
 * when the database does not answer at all.
 */
function timed(ds: DataSource, query: pg.QueryConfig): pg.QueryConfig {
  return { ...query, query_timeout: answerTimeout(ds) + 2000 } as pg.QueryConfig;
}

/**
 * Sends a statement as `client.query(timed(ds, { text, values, name }))` does, without the copies of its config on the
 * way: node-postgres copies a config object it is given property by property (`Object.defineProperties`, a slow path),
 * after `timed` spread it into another, three times a request. A `pg.Query` made from the text takes the values as
 * they are; its name and read timeout are set on it, where `client.query` reads them, and its callback settles the
 * promise (a query object given to `client.query` is answered through its callback, not a promise).
 */
function send<R = pg.QueryResult>(client: pg.PoolClient, ds: DataSource, text: string, values?: unknown[], name?: string): Promise<R> {
  const query = new pg.Query(text, values) as pg.Query & { name?: string; query_timeout?: number; callback?: (err: Error | null, res: unknown) => void };
  if (name !== undefined) query.name = name;
  query.query_timeout = answerTimeout(ds) + 2000;
  return new Promise<R>((resolve, reject) => {
    query.callback = (err, res) => (err ? reject(err) : resolve(res as R));
    client.query(query as unknown as pg.QueryConfig);
  });
}

/**
 * The transaction's `statement_timeout`, in the `BEGIN` message: a statement of a request that runs, or waits for a
 * lock, longer than `DATABASE_TIMEOUT_MS` is ended by PostgreSQL (57014), its transaction rolled back.
 */
function statementTimeout(ds: DataSource): string {
  return `SET LOCAL statement_timeout = ${answerTimeout(ds)}; `;
}

/** Whether `err` is PostgreSQL ending a statement at its `statement_timeout` (`statementTimeout`). */
export function statementTimedOut(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '57014' && typeof e.message === 'string' && /statement timeout/.test(e.message);
}

/**
 * Whether `err` is PostgreSQL cancelling a statement on request — `pg_cancel_backend` by an administrator, a cancel
 * sent for the session — rather than at its `statement_timeout` (both are 57014). Its transaction is rolled back:
 * nothing of the request was written, and it may be sent again. It was answered as an internal error.
 */
export function statementCancelled(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  return e?.code === '57014' && typeof e.message === 'string' && /due to user request/.test(e.message);
}

/** The message of a request whose statement was cancelled at the database (`statementCancelled`). */
export const STATEMENT_CANCELLED_MESSAGE = 'The database cancelled this request’s statement (an administrator, say): nothing of it was written; send it again';

/** The message of a request whose statement PostgreSQL ended at DATABASE_TIMEOUT_MS. */
export const STATEMENT_TIMED_OUT_MESSAGE = 'The database did not finish this request in time (a lock held long, or a heavy statement): nothing of it was written; send it again';

/**
 * What the client is told of a statement PostgreSQL ended (57014), at its timeout (`statementTimedOut`) or cancelled on
 * request (`statementCancelled`): its transaction rolled back, nothing written. Null for any other error.
 */
export function statementEnded(err: unknown): { message: string; retryAfterSeconds: number } | null {
  if (statementTimedOut(err)) return { message: STATEMENT_TIMED_OUT_MESSAGE, retryAfterSeconds: 5 };
  if (statementCancelled(err)) return { message: STATEMENT_CANCELLED_MESSAGE, retryAfterSeconds: 1 };
  return null;
}

/**
 * A statement node-postgres gave up on (`Query read timeout`) may still run at the server, which did not answer:
 * cancelled, as for a client gone (`cancelRunning`), so that it does not go on holding a session beside the new ones.
 */
function cancelIfTimedOut(err: unknown, client: pg.PoolClient, ds: DataSource): void {
  if ((err as { message?: unknown } | null)?.message === 'Query read timeout') void cancelRunning(client, ds);
}

/** Connection errors of Node (the socket) and node-postgres's words for a connection that ended. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const ENDED = /^(Connection terminated|Client has encountered a connection error and is not queryable|Client was closed and is not queryable|Query read timeout)/;

/** The message of a request whose database did not answer in time, or could not be reached. */
export const DATABASE_UNAVAILABLE_MESSAGE = 'The database cannot be reached at the moment: send the request again shortly';

/**
 * The error a request is answered with when its database cannot be reached, or stopped answering: 503
 * SERVICE_UNAVAILABLE with Retry-After (the request's fault it is not, nor the hub's), or null for any other failure.
 * PostgreSQL refusing connections (starting, shutting down, too many clients: SQLSTATE 57P01–57P03, 53300, class 08),
 * the socket failing, a connection that ended or a statement unanswered for `DATABASE_TIMEOUT_MS`.
 */
export function databaseUnavailable(err: unknown): GraphQLError | null {
  const ended = statementEnded(err);
  if (ended) return serviceUnavailable(ended.message, ended.retryAfterSeconds, err as Error);
  if (!unreachable(err)) return null;
  return unavailable(err as Error);
}

/** The 503 of a database that cannot be used now, noted for the once-a-second warning (`reportUnavailableTo`). */
function unavailable(err: Error): GraphQLError {
  noteUnavailable(err);
  return serviceUnavailable(DATABASE_UNAVAILABLE_MESSAGE, 5, err);
}

/** Whether `err` says the database cannot be reached or stopped answering (`databaseUnavailable`). */
function unreachable(err: unknown): boolean {
  if (err instanceof GraphQLError) return false;
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  const message = typeof e?.message === 'string' ? e.message : '';
  return UNREACHABLE_CODES.has(code) || code.startsWith('08') || ['57P01', '57P02', '57P03', '53300'].includes(code) || ENDED.test(message);
}

/** Where the database's unavailability is reported (`reportUnavailableTo`); nowhere until a hub says. */
let noteUnavailable: (err: Error) => void = () => undefined;

/** Reports the database's unavailability to `log`: one line a second at most, with the number of requests refused meanwhile. */
export function reportUnavailableTo(log: (err: Error, refused: number) => void): void {
  noteUnavailable = onceEvery(log);
}

/** The message of a request refused because every connection of the pool stayed taken (`requestConnection`). */
export const POOL_BUSY_MESSAGE = 'The hub is busy: every database connection stayed in use; send the request again';

/**
 * A connection of the pool for a request. When every connection stays taken for the pool's wait (10 s: requests
 * waiting for a lock another session holds, say), the request is refused as one the hub cannot serve for a moment —
 * 503 SERVICE_UNAVAILABLE with Retry-After, a WebSocket connection 1013 — not an internal error whose log line
 * ("timeout exceeded when trying to connect") reads as a database that cannot be reached.
 */
export async function requestConnection(ds: DataSource): Promise<pg.PoolClient> {
  const pool = poolOf(ds);
  try {
    return await pool.connect();
  } catch (err) {
    if (poolWaitEnded(err)) {
      // The pool's places held by connections still being made (the database not answering new ones, which a request
      // then waits 10 s for): the database cannot be reached, not a busy hub.
      const clients = (pool as unknown as { _clients?: Array<{ _connected?: unknown }> })._clients;
      if (Array.isArray(clients) && clients.some((c) => c._connected === false)) {
        throw unavailable(Object.assign(new Error('every connection of the database pool is still being made: the database does not answer new connections'), { cause: err }));
      }
      throw serviceUnavailable(POOL_BUSY_MESSAGE, 1, Object.assign(new Error(`every connection of the database pool (${pool.options.max ?? '?'}) stayed in use while a request waited for one`), { cause: err }));
    }
    // The database refused a new connection, whatever its reason (not accepting connections, SQLSTATE 55000; the
    // database gone, 3D000; the hub's role refused, 28000/28P01): the hub cannot serve for now, not the request's fault.
    throw databaseUnavailable(err) ?? (err instanceof Error && !(err instanceof GraphQLError) ? unavailable(err) : err);
  }
}

/**
 * Statements are prepared once per connection under a name derived from their text, so that PostgreSQL parses,
 * rewrites (the policies of every table a statement reads are expanded there) and, once it has seen the statement a
 * few times, plans it once per connection rather than once per request: a policy-laden statement costs much more to
 * plan than to run. The plans read the viewer from the transaction's settings when they run, never when they are made,
 * so one plan serves every viewer. At most this many per connection (the data layer's statements are a fixed set;
 * anything beyond them runs unnamed).
 */
const PREPARED_PER_CONNECTION = 400;
const prepared = new WeakMap<pg.PoolClient, Set<string>>();
const nameCache = new Map<string, string>();
/**
 * Connections to an embedded PGlite: it serves every connection from its one session, where the statements one
 * connection prepared would collide with another's. They run unnamed. Learnt with a connection's first BEGIN.
 */
const sharedSession = new WeakMap<pg.PoolClient, boolean>();
/** True on an embedded PGlite (one session for every connection): no prepared statements there. */
export const SHARED_SESSION_PROBE = `strpos(version(), 'PGlite') > 0`;

/** The prepared statement's name for this text on this connection, or undefined to run it unnamed. */
function statementName(client: pg.PoolClient, text: string): string | undefined {
  if (sharedSession.get(client) !== false) return undefined;
  if (/^\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN|COMMIT)\b/i.test(text)) return undefined;
  let name = nameCache.get(text);
  if (name === undefined) {
    name = `lap_${createHash('sha1').update(text).digest('base64url').slice(0, 22)}`;
    if (nameCache.size < 4 * PREPARED_PER_CONNECTION) nameCache.set(text, name);
  }
  let names = prepared.get(client);
  if (!names) prepared.set(client, (names = new Set()));
  if (names.has(name)) return name;
  if (names.size >= PREPARED_PER_CONNECTION) return undefined;
  names.add(name);
  return name;
}

/**
 * The prepared statements run on their generic plan, made once per connection, never on a plan made for the values
 * of one call. PostgreSQL's default (`auto`) plans the first five runs for their values, then keeps planning per call
 * whenever the generic plan's estimate is not below the custom plans' average; under row-level security it almost
 * never is (every policy's sub-plans are costed in), so every call paid the planning of the statement with all its
 * policies expanded: for the case detail's lookups by id, 0.2–0.4 ms of planning per statement against 0.1 ms of
 * running it, most of what row-level security cost there. The data layer's statements put every varying value in a
 * parameter (`= ANY($1)`, `LIMIT $n`) with no optional-filter patterns, which is what a generic plan serves well.
 * Transaction-local: it ends with the request.
 */
const GENERIC_PLANS = 'SET LOCAL plan_cache_mode = force_generic_plan; ';

/** The transaction-local settings that tell the policies who the viewer is (the `lap.viewer_*()` functions), by name. */
function settingValues(viewer: Viewer, now: Date): Array<[string, string]> {
  return [
    ['lap.kind', viewer.kind],
    ['lap.person_id', viewer.personId ?? ''],
    ['lap.own_org', viewer.ownOrgId ?? ''],
    ['lap.member_org', viewer.memberOrgId ?? ''],
    ['lap.api_key', viewer.apiKey?.id ?? ''],
    ['lap.now', now.toISOString()],
  ];
}

/** The statement that sets them for the transaction. */
function settings(viewer: Viewer, now: Date): string {
  return `SELECT ${settingValues(viewer, now)
    .map(([name, value]) => `set_config(${pg.escapeLiteral(name)}, ${pg.escapeLiteral(value)}, true)`)
    .join(', ')}`;
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
  /** The connection, once taken, and the answer to the transaction's `BEGIN` (which may still be on its way). */
  private opened: Promise<{ client: pg.PoolClient; begun: Promise<unknown> }> | null = null;
  private finished = false;
  /** The client went away before the answer was sent (`abandon`). */
  private abandoned = false;
  /** The answer reports none of the request's writes (`discard`). */
  private discarded = false;
  private savepoints = 0;
  /** Where the events of this transaction go once it commits; none: they are dropped (scripts, tests of the data layer). */
  live: LiveSink | null = null;
  /** The live events of the changes made so far (a savepoint rolled back drops its own). */
  private events: LiveEvent[] = [];
  /** Settles once the last statement sent so far has been answered (the connection answers in the order of sending). */
  private last: Promise<unknown> = Promise.resolve();
  /** The connection's socket is corked until the end of this tick: statements asked for together leave in one write. */
  private corked = false;
  /**
   * The transaction was begun read only by the credential's lookup (`RequestConnection`), before the operation was
   * known: a mutation's first statement begins a read-write one in its place.
   */
  private begunReadOnly = false;
  /** The transaction on the connection was begun read-write (set with its `BEGIN`): it may hold changes to commit. */
  private writable = false;
  /** Where the statements of this transaction are counted (`X-SQL-Statements`), if anywhere. */
  count: StatementCount | null = null;
  /**
   * When the request's clock (`now`) was read, on this process's monotonic clock: a read-write transaction tells the
   * database how long it waited since (`lap.waited_ms`: for a connection of the pool, for the credential's lookup), so
   * that a rule checked at commit at the request's clock (lap.objection_in_window) counts that time too.
   */
  clockReadAt = performance.now();

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

  /**
   * Takes the connection and sends the transaction's `BEGIN` with the role and the viewer's settings (one message,
   * simple protocol, several statements: the values are escaped literals).
   *
   * The connection is pipelined (src/db/data-source.ts): a read-only transaction does not wait for the answer to its
   * `BEGIN`: its first statements leave in the same write and reach PostgreSQL right behind it, one round trip for
   * all. Every statement's rows are handed out only once the `BEGIN` has succeeded (`query`), so a statement that ran
   * without the transaction (a `BEGIN` message PostgreSQL refused as a whole) is never read; if any part of the `BEGIN`
   * message failed inside the transaction, the transaction is aborted and refuses every statement behind it. A
   * read-write transaction waits for its `BEGIN` before it sends anything.
   */
  private open(): Promise<{ client: pg.PoolClient; begun: Promise<unknown> }> {
    if (this.finished) return Promise.reject(this.finishedError());
    if (this.begunReadOnly && !this.readOnly) {
      this.begunReadOnly = false;
      const adopted = this.opened!;
      this.opened = adopted.then(({ client }) => this.begin(client, 'COMMIT; '));
    }
    this.opened ??= requestConnection(this.ds)
      .then((client) => {
        this.client = client;
        countOn(client, this.count);
        return this.begin(client, '');
      });
    return this.opened;
  }

  /** Sends the `BEGIN` message (after `before`, a `COMMIT` of the lookup's transaction); waits for it when read-write. */
  private async begin(client: pg.PoolClient, before: string): Promise<{ client: pg.PoolClient; begun: Promise<unknown> }> {
    const mode = this.readOnly ? 'ISOLATION LEVEL REPEATABLE READ, READ ONLY' : 'READ WRITE';
    this.writable = !this.readOnly;
    const role = this.asOwner ? '' : `SET LOCAL ROLE ${VIEWER_ROLE}; `;
    const probe = sharedSession.has(client) ? '' : `; SELECT ${SHARED_SESSION_PROBE} AS shared`;
    this.cork(client);
    // Read-write only (writes are what a rule at commit judges; a read's BEGIN stays as short as it was).
    const waited = this.readOnly ? '' : `, set_config('lap.waited_ms', '${Math.max(0, Math.round(performance.now() - this.clockReadAt))}', true)`;
    const begun = send(client, this.ds, `${before || takeOwedCommit(client)}BEGIN ${mode}; ${role}${statementTimeout(this.ds)}${GENERIC_PLANS}${settings(this.viewer, this.now)}${waited}${probe}`).then(
      (results) => {
        if (probe) sharedSession.set(client, Boolean((results as unknown as pg.QueryResult[]).at(-1)?.rows[0]?.shared));
      },
      (err) => {
        this.client = null;
        countOn(client, null);
        cancelIfTimedOut(err, client, this.ds);
        client.release(err as Error);
        throw databaseUnavailable(err) ?? err;
      },
    );
    this.last = begun.catch(() => undefined);
    if (!this.readOnly) await begun;
    return { client, begun };
  }

  /**
   * A ViewerDb on a connection whose transaction a credential's lookup began (`RequestConnection.viewerDb`): read only,
   * as `viewer`, its settings already checked against the viewer's.
   */
  static adopt(
    ds: DataSource,
    viewer: Viewer,
    now: Date,
    client: pg.PoolClient,
    count: StatementCount | null,
    clockReadAt: number,
    verdict: Promise<LookupVerdict> | null = null,
  ): ViewerDb {
    const db = new ViewerDb(ds, viewer, now);
    db.count = count;
    db.clockReadAt = clockReadAt;
    db.client = client;
    let begun: Promise<unknown> = Promise.resolve();
    if (verdict) {
      // A lookup still under way, sent on the assumption that the credential names the viewer it named last time
      // (`RequestConnection`): no row of any statement is handed out before the lookup has answered that it does
      // (`query` waits for `begun`). Otherwise the connection is given back here, its transaction rolled back, and
      // every statement of this object refused (`confirmed()` false): the request runs again as the viewer found.
      begun = verdict.then((v) => {
        if (v.same) return;
        if (db.client === client) db.client = null;
        countOn(client, null);
        if (v.failure) {
          client.release(v.failure);
          // The lookup failed as it would have without the assumption: the request is answered so (`confirmed`).
          throw v.answer;
        }
        void rollBack(client);
        throw new Error('the credential names another viewer than the one it named last time: the request runs again');
      });
      db.speculation = verdict.then(async (v) => {
        await begun.catch(() => undefined);
        if (v.failure) throw v.answer;
        return v.same;
      });
    }
    db.opened = Promise.resolve({ client, begun });
    db.begunReadOnly = true;
    return db;
  }

  /** Set when this object was adopted on a lookup still under way (`adopt`): whether it named the assumed viewer. */
  private speculation: Promise<boolean> | null = null;

  /**
   * Whether the request's viewer is the one its credential's lookup found: always, unless the transaction was adopted
   * on a lookup still under way that has found another (`adopt`, `RequestConnection`). A request answers only once
   * this is true; false, it is run again from its credential. Rejects with the lookup's own failure (the database
   * unavailable: a 503, as the lookup's failure is without the assumption).
   */
  confirmed(): Promise<boolean> {
    return this.speculation ?? Promise.resolve(true);
  }

  /** Corks the connection's socket until the end of the tick, so that the statements asked for together leave in one write. */
  private cork(client: pg.PoolClient): void {
    const stream = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;
    if (this.corked || typeof stream?.cork !== 'function' || typeof stream.uncork !== 'function') return;
    stream.cork();
    this.corked = true;
    process.nextTick(() => {
      this.corked = false;
      stream.uncork!();
    });
  }

  /**
   * Begins the request's read-only transaction again on its connection (`ROLLBACK`, then the same `BEGIN` message): a
   * new snapshot, no statement of the first run behind it, and a transaction a failed statement had aborted usable
   * again. For the known-query path (src/http/known-query.ts), which hands a query whose answer has errors to Apollo to
   * run again. Nothing to do when nothing has begun yet.
   */
  async restart(): Promise<void> {
    if (this.finished || !this.opened || !this.readOnly) return;
    let opened;
    try {
      opened = await this.opened;
    } catch {
      // No connection was had (the database cannot be reached): nothing began; the run again fails as this one did.
      return;
    }
    const { client, begun } = opened;
    await begun.catch(() => undefined);
    await this.last;
    if (this.client !== client) return;
    this.begunReadOnly = false;
    this.opened = this.begin(client, 'ROLLBACK; ');
    await this.opened;
  }

  /**
   * The request's writes are being committed (or have been): `finish` has begun on a read-write transaction that was
   * neither abandoned nor discarded. A stopping hub answers such a request before it cuts its connection (src/server.ts).
   */
  get committing(): boolean {
    return this.finished && this.writable && !this.abandoned && !this.discarded;
  }

  /** The request's commit was cancelled by a stopping hub (`cancelCommit`): it was not written. */
  cancelledAtStop = false;

  /**
   * A stopping hub whose grace, and the time it gave the commits under way after it, are over: a commit still waiting
   * (for a lock its deferred checks need) is cancelled, so that it fails and writes nothing, and the request is answered
   * so, rather than its connection cut while the commit could still succeed. Not on an embedded database (one session,
   * nothing there waits for another).
   */
  async cancelCommit(): Promise<void> {
    const client = this.client;
    if (!this.committing || !client || sharedSession.get(client) !== false) return;
    this.cancelledAtStop = true;
    await cancelRunning(client, this.ds);
  }

  /** Runs one statement as the viewer; rows as plain objects. */
  async query<T = Row>(text: string, values?: unknown[]): Promise<T[]> {
    const { client, begun } = await this.open();
    if (this.client !== client) {
      // The BEGIN failed (and the connection went back to the pool) or the request has finished.
      await begun;
      throw this.finishedError();
    }
    const name = statementName(client, text);
    this.cork(client);
    const run = send(client, this.ds, text, values, name);
    this.last = run.catch(() => undefined);
    // Never read before the transaction is known to have begun (`open`).
    await begun;
    try {
      return (await run).rows as T[];
    } catch (err) {
      // Cancelled because the client went away (`finish`): abandoned work, not a failure.
      if (this.abandoned) throw this.finishedError();
      // Two requests that each held a row the other wanted (a deadlock: PostgreSQL undoes one of them), or a
      // serialization failure: nothing of this one is written (its document is answered with data null and rolled
      // back), and sent again it goes through. Not an internal error: 503 with Retry-After, as when the hub cannot
      // answer for a moment.
      const code = (err as { code?: unknown }).code;
      if (code === '40P01' || code === '40001') {
        throw serviceUnavailable('Another request changed the same rows at this moment: this one was undone and nothing of it was written; send it again', 1, err as Error);
      }
      cancelIfTimedOut(err, client, this.ds);
      throw databaseUnavailable(err) ?? err;
    }
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
    const eventsBefore = this.events.length;
    try {
      const result = await fn();
      await this.query(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (err) {
      this.events.length = Math.min(this.events.length, eventsBefore);
      if (this.client && !this.finished) await this.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
      throw err;
    }
  }

  /**
   * Announces a change to subscribers (DOMAIN §7) once the transaction commits: nothing if it, or the savepoint the
   * change was made in, rolls back. Ids only; each subscriber reads the row again under its own viewer.
   */
  emit(event: LiveEvent): void {
    // After `abandon` (the client gone, or cut by a stopping hub): abandoned work, not an error to log.
    if (this.finished) throw this.abandoned ? this.finishedError() : new Error('the request has finished: no more changes');
    this.events.push(event);
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

  /** Rows read as JSON made what the driver makes of rows (`fromJson`, no statement). */
  fromJson<T extends ObjectLiteral>(target: EntityTarget<T>, rows: Row[]): Row[] {
    return fromJson(this.ds, target, rows);
  }

  /** Why a statement asked for after `finish` is refused. */
  private finishedError(): Error {
    return this.abandoned ? clientClosedRequest() : new Error('the request has finished: no more statements');
  }

  /**
   * Ends the transaction of a request whose connection closed before the answer was sent (the client went away, or a
   * stopping hub cut it after SHUTDOWN_GRACE_MS): rolled back, so that nothing is committed behind a connection that
   * closes unanswered (a request is either answered or never run), and the statements its resolvers still ask for are
   * refused as CLIENT_CLOSED_REQUEST (abandoned work, not a failure). Its live events are dropped with it. A commit
   * already under way (the answer being computed after it) is not undone.
   */
  abandon(): Promise<void> {
    if (!this.finished) this.abandoned = true;
    return this.finish();
  }

  /**
   * Ends the transaction of a request whose answer reports none of what it wrote — a mutation document answered with
   * `data: null`, because a later field was refused or failed and its non-null type nulled the whole answer: rolled
   * back, so that an answer that shows no write leaves none behind (the client could not tell which fields had run).
   * Its live events are dropped with it.
   */
  discard(): Promise<void> {
    if (!this.finished) this.discarded = true;
    return this.finish();
  }

  /**
   * Ends the request's transaction: commits what the mutations wrote (a query has nothing to commit) and frees the
   * connection.
   *
   * `answerBeforeReadOnlyCommit` (a GraphQL request over HTTP, `src/server.ts`): a read-only transaction's `COMMIT` is
   * not waited for, so that the answer leaves one round trip sooner: the connection goes back to the pool at once,
   * owing the `COMMIT`, which it sends in front of whatever is sent on it next (`oweCommit`: the next request's first
   * statement, in the same write), and a failure then (the connection lost) is handed to the callback to be logged. On
   * an embedded database (one session for every connection) it is sent now, and the connection goes back to the pool
   * once it is acknowledged. Nothing is lost by not waiting: the transaction wrote nothing, and every row the answer
   * carries was read on its snapshot before `finish` was called. A transaction begun read-write, or one with live
   * events, is always committed before `finish` resolves: a write the database refuses at commit must not be answered
   * as done.
   */
  async finish(answerBeforeReadOnlyCommit?: (lateFailure: Error) => void): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (!this.opened) return;
    let client: pg.PoolClient;
    try {
      const opened = await this.opened;
      await opened.begun;
      client = opened.client;
    } catch {
      return;
    }
    if (this.abandoned || this.discarded) {
      // Nobody will hear the answer, or it reports nothing done: nothing of the request is kept.
      this.events = [];
      this.client = null;
      if (this.abandoned && sharedSession.get(client) === false && !(await settlesWithin(this.last, CANCEL_ABANDONED_AFTER_MS))) {
        // Still running: cancelled, and the connection closed rather than reused (its transaction ends with it), so
        // that a cancel reaching the server late can never land on another request's statement.
        await cancelRunning(client, this.ds);
        countOn(client, null);
        client.release(new Error('the request’s client went away while a statement ran: the statement was cancelled and the connection closed'));
        return;
      }
      await this.last;
      await rollBack(client);
      return;
    }
    const events = this.live && this.events.length ? mergeEvents(this.events) : [];
    this.events = [];
    if (answerBeforeReadOnlyCommit && !this.writable && events.length === 0) {
      this.client = null;
      if (sharedSession.get(client) === false) {
        // Sent in front of the next statement on this connection, whoever sends it (`oweCommit`). A connection that
        // ended meanwhile took the transaction with it (nothing to lose): the next statement's failure says so.
        oweCommit(client, (err) => {
          if (!unreachable(err)) answerBeforeReadOnlyCommit(err);
        });
        countOn(client, null);
        client.release();
        return;
      }
      void client.query('COMMIT').then(
        () => {
          countOn(client, null);
          client.release();
        },
        (err: Error) => {
          countOn(client, null);
          client.release(err);
          answerBeforeReadOnlyCommit(err);
        },
      );
      return;
    }
    try {
      await this.last;
      if (events.length && this.live?.mode === 'postgres') {
        // Delivered by PostgreSQL at commit to every instance listening (this one too), dropped on rollback.
        for (const payload of encodeEvents(events)) await client.query(timed(this.ds, { text: `SELECT pg_notify($1, $2)`, values: [LIVE_CHANNEL, payload] }));
      }
      await client.query(timed(this.ds, { text: 'COMMIT' }));
      countOn(client, null);
      // A connection a stop's cancel may still reach (`cancelCommit`) is closed, never handed to another request.
      if (this.cancelledAtStop) client.release(new Error('a stopping hub cancelled this connection’s commit'));
      else client.release();
      if (events.length && this.live?.mode === 'in-process') this.live.committed(events);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      countOn(client, null);
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
export async function withViewer<T>(
  ds: DataSource,
  viewer: Viewer,
  now: Date,
  fn: (db: ViewerDb) => Promise<T>,
  readOnly = true,
  count: StatementCount | null = null,
): Promise<T> {
  const db = new ViewerDb(ds, viewer, now);
  db.readOnly = readOnly;
  db.count = count;
  try {
    return await fn(db);
  } finally {
    await db.finish();
  }
}

type ViewerRow = { person_id: string; own_org: string; kind: string };
type ApiKeyRow = { api_key_id: string; name: string; prefix: string; expires_at: Date | null; own_org: string; kind: string; revoked: boolean; expired: boolean };

/** The call of `lap.viewer_of` that decides who a token's person is at `now` (values as escaped literals). */
function viewerOfCall(personId: string | null, email: string | null, now: Date): string {
  const lit = (v: string | null) => (v === null ? 'NULL' : pg.escapeLiteral(v));
  return `lap.viewer_of(${lit(personId)}::uuid, ${lit(email)}, ${lit(now.toISOString())}::timestamptz)`;
}

/** The call of `lap.api_key_viewer` that decides whose a presented key is at `now`. */
function apiKeyViewerCall(prefix: string, hash: Buffer, now: Date): string {
  return `lap.api_key_viewer(${pg.escapeLiteral(prefix)}, '\\x${hash.toString('hex')}'::bytea, ${pg.escapeLiteral(now.toISOString())}::timestamptz)`;
}

/**
 * The connection of one request whose credential is still to be looked up: the lookup (`lap.viewer_of`,
 * `lap.api_key_viewer`) begins the request's transaction — read only, as the viewer role, the settings still empty while
 * the lookup runs — and sets the viewer's settings from the row it found, in the same statement: one round trip for the
 * credential and the `BEGIN`, where `lookupViewer` and the `BEGIN` of `ViewerDb` take one each. The viewer that the
 * caller derives from the row (`src/auth/viewer.ts`) is checked against the settings the statement made (`viewerDb`).
 *
 * The operation is not known yet when the credential is looked up: a mutation's first statement ends this read-only
 * transaction and begins a read-write one (`ViewerDb.open`), which costs it the round trip it saves here.
 */
export class RequestConnection {
  private client: pg.PoolClient | null = null;
  /** The values the lookup's statement set, by setting name. */
  private set: Map<string, string> | null = null;
  /** The verdict of a lookup sent on an assumption (`speculate`), once it answers. */
  private verdict: Promise<LookupVerdict> | null = null;

  /** Whether a credential was looked up and found (the transaction is begun, as its viewer). */
  get looked(): boolean {
    return this.client !== null && this.set !== null;
  }

  constructor(
    private readonly ds: DataSource,
    private readonly now: Date,
    /** Where the request's statements are counted (`X-SQL-Statements`), if anywhere. */
    private readonly count: StatementCount | null = null,
    /** When `now` was read (`ViewerDb.clockReadAt`): right before this was made, by default. */
    private readonly clockReadAt = performance.now(),
    /**
     * Whether the request may go on, while its lookup is under way, as the viewer its credential named last time
     * (`lastLookups`): a query of the known-query path, which answers only once `ViewerDb.confirmed()` and otherwise
     * runs again from its credential. Its first statements then leave in the lookup's own write.
     */
    private readonly speculate = false,
  ) {}

  /** `lookupViewer`, beginning the request's transaction. */
  async lookupViewer(personId: string | null, email: string | null): Promise<ViewerRow | null> {
    return this.lookup<ViewerRow>(VIEWER_LOOKUP, [personId, email]);
  }

  /** `lookupApiKey`, beginning the request's transaction. */
  async lookupApiKey(prefix: string, hash: Buffer): Promise<ApiKeyRow | null> {
    return this.lookup<ApiKeyRow>(API_KEY_LOOKUP, [prefix, hash]);
  }

  /**
   * Sends the lookup: the `BEGIN` (with the role, and the generic plans) as one message of the simple protocol, and the
   * lookup's statement behind it in the same write — prepared once per connection (`statementName`), its values as
   * parameters (`$1`, `$2`, the clock as `$3`, and as text for `lap.now`, `$4`), so that PostgreSQL does not parse and
   * plan it again for every request. Its row is used only if both succeeded: a statement that ran without the
   * transaction (a `BEGIN` PostgreSQL refused) is never read.
   */
  private async lookup<T extends Row>(statement: LookupStatement, args: unknown[]): Promise<T | null> {
    if (this.client) throw new Error('the request’s credential has been looked up already');
    const client = await requestConnection(this.ds);
    this.client = client;
    const { text, from, settingNames } = statement;
    const probe = !sharedSession.has(client);
    const key = `${from}\u0000${JSON.stringify(args.map((a) => (Buffer.isBuffer(a) ? a.toString('hex') : a)))}`;
    // On a PostgreSQL server (not the embedded one, whose one session every connection shares), a credential looked up
    // before: assumed to name the same viewer again, its lookup answered later (`speculation`).
    const last = this.speculate && sharedSession.get(client) === false ? lastLookups(this.ds).get(key) : undefined;
    const stream = (client as unknown as { connection?: { stream?: { cork?(): void; uncork?(): void } } }).connection?.stream;
    const corks = typeof stream?.cork === 'function' && typeof stream.uncork === 'function';
    if (corks) stream!.cork!();
    let begun: Promise<pg.QueryResult[]>;
    let looked: Promise<pg.QueryResult>;
    try {
      // The two count as one statement (`X-SQL-Statements`), the lookup: one write, one answer.
      countOn(client, null);
      begun = send<pg.QueryResult[]>(
        client,
        this.ds,
        `${takeOwedCommit(client)}BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL ROLE ${VIEWER_ROLE}; ${statementTimeout(this.ds)}${GENERIC_PLANS}${probe ? `SELECT ${SHARED_SESSION_PROBE} AS shared` : ''}`,
      );
      countOn(client, this.count);
      const now = this.now.toISOString();
      looked = send(client, this.ds, text, [...args, now, now], statementName(client, text));
    } finally {
      // Assumed: the socket stays corked to the end of this turn of the event loop, so that the statements the request
      // asks for meanwhile (its first, as the viewer assumed) leave in the same write as the lookup.
      if (corks && last) setImmediate(() => stream!.uncork!());
      else if (corks) stream!.uncork!();
    }
    const settled = Promise.allSettled([begun, looked]);
    if (last) return this.speculation(settled, key, last, settingNames, client);
    const [b, l] = await settled;
    if (b.status === 'rejected' || l.status === 'rejected') {
      const err = (b.status === 'rejected' ? b.reason : (l as PromiseRejectedResult).reason) as Error;
      this.client = null;
      cancelIfTimedOut(err, client, this.ds);
      await client.query('ROLLBACK').catch(() => undefined);
      countOn(client, null);
      client.release(err);
      throw databaseUnavailable(err) ?? err;
    }
    if (probe) sharedSession.set(client, Boolean(b.value.at(-1)?.rows[0]?.shared));
    // At most one row (a person's email is unique; a key's prefix too), as `lookupViewer` takes the first: LIMIT 1 makes
    // sure the settings are the ones of the row handed back.
    const found = foundBy(l.value.rows[0], settingNames);
    if (!found) {
      lastLookups(this.ds).delete(key);
      await this.release();
      return null;
    }
    remember(this.ds, key, found);
    this.set = found.set;
    return { ...found.row } as T;
  }

  /**
   * The lookup sent, assumed to find what it found last time (`last`): answers that row at once, its settings taken
   * as the ones the statement makes, and keeps the verdict for `viewerDb` — the same row and settings, or not (another
   * row, none, or a failure: the connection is then given back and the request runs again, `ViewerDb.adopt`).
   */
  private speculation<T>(
    settled: Promise<[PromiseSettledResult<pg.QueryResult[]>, PromiseSettledResult<pg.QueryResult>]>,
    key: string,
    last: FoundLookup,
    names: string[],
    client: pg.PoolClient,
  ): T {
    const now = this.now.toISOString();
    this.set = new Map([...last.set, ['lap.now', now]]);
    this.verdict = settled.then(([b, l]): LookupVerdict => {
      if (b.status === 'rejected' || l.status === 'rejected') {
        const err = (b.status === 'rejected' ? b.reason : (l as PromiseRejectedResult).reason) as Error;
        cancelIfTimedOut(err, client, this.ds);
        // Made once, here: a database that cannot be reached is noted once per request for the warning's count.
        return { same: false, failure: err, answer: databaseUnavailable(err) ?? err };
      }
      const found = foundBy(l.value.rows[0], names);
      if (!found) {
        lastLookups(this.ds).delete(key);
        return { same: false };
      }
      remember(this.ds, key, found);
      const same = JSON.stringify(found.row) === JSON.stringify(last.row) && found.set.size === last.set.size + 1 && [...found.set].every(([name, value]) => (name === 'lap.now' ? value === now : last.set.get(name) === value));
      return { same };
    });
    return { ...last.row } as T;
  }

  /**
   * The request's database as `viewer`, on the transaction the lookup began. `viewer` is what the caller made of the
   * row; the settings the statement made must be exactly the ones `ViewerDb` would make for it, or nothing runs.
   */
  async viewerDb(viewer: Viewer): Promise<ViewerDb> {
    const client = this.client;
    if (!client || !this.set) throw new Error('no credential has been looked up on this connection');
    const mismatch = settingValues(viewer, this.now).find(([name, value]) => this.set!.get(name) !== value);
    if (mismatch) {
      await this.release();
      throw new Error(`the viewer's settings do not match the credential's lookup (${mismatch[0]})`);
    }
    this.client = null;
    return ViewerDb.adopt(this.ds, viewer, this.now, client, this.count, this.clockReadAt, this.verdict);
  }

  /**
   * Whether the viewer this request went on as is the one its credential's lookup found: true when nothing was assumed
   * (`speculate`) or the lookup found that very viewer again, false when it found another or none; rejects with the
   * lookup's failure. A refusal worked out on the assumed viewer (a rate limit, a key found expired last time) is said
   * only when this is true.
   */
  async assumedRight(): Promise<boolean> {
    const verdict = await this.verdict;
    if (verdict?.failure) throw verdict.answer;
    return verdict?.same ?? true;
  }

  /** Ends the lookup's transaction and gives the connection back (a credential refused, or a request refused before it ran). */
  async release(): Promise<void> {
    const client = this.client;
    if (!client) return;
    this.client = null;
    const verdict = await this.verdict;
    if (verdict?.failure) {
      countOn(client, null);
      client.release(verdict.failure);
    } else await rollBack(client);
  }
}

/** What a lookup answered once `RequestConnection.speculation` assumed it: the same row and settings, or not. */
interface LookupVerdict {
  same: boolean;
  /** The lookup failed (the connection is given back as failed). */
  failure?: Error;
  /** What the request is answered when the lookup failed: the error its failure makes without the assumption. */
  answer?: unknown;
}

/** A lookup's row, without its settings' columns, and the settings it made (but `lap.now`, the request's own). */
interface FoundLookup {
  row: Row;
  set: Map<string, string>;
}

/** A lookup's statement, the function it reads (`from`), and the settings' names in the order of its `__s` columns. */
interface LookupStatement {
  text: string;
  from: string;
  settingNames: string[];
}

/**
 * A lookup's statement: the function's columns, then the settings it makes from them (`values`: each setting's SQL
 * expression) and `lap.now` from the clock's text (`$4`).
 */
function lookupStatement(columns: string, from: string, values: Record<string, string>): LookupStatement {
  const all: Record<string, string> = { ...values, 'lap.now': `$4::text` };
  const sets = Object.entries(all).map(([name, value], i) => `set_config(${pg.escapeLiteral(name)}, ${value}, true) AS __s${i}`);
  // The lookup runs before the settings are made: the function in FROM (SECURITY DEFINER, never inlined) returns its
  // rows first, then the SELECT list is evaluated for the one row kept.
  return { text: `SELECT ${columns}, ${sets.join(', ')} FROM ${from} LIMIT 1`, from, settingNames: Object.keys(all) };
}

/** A person's token: who its person is at the request's time (`lap.viewer_of`), made once. */
const VIEWER_LOOKUP = lookupStatement(`v.person_id, v.own_org, v.kind`, `lap.viewer_of($1::uuid, $2::text, $3::timestamptz) AS v`, {
  'lap.kind': `v.kind`,
  'lap.person_id': `coalesce(v.person_id::text, '')`,
  'lap.own_org': `coalesce(v.own_org::text, '')`,
  'lap.member_org': `CASE WHEN v.kind = 'ANONYMOUS' THEN '' ELSE coalesce(v.own_org::text, '') END`,
  'lap.api_key': `''`,
});

/** An API key: the key and its organization at the request's time (`lap.api_key_viewer`), made once. */
const API_KEY_LOOKUP = lookupStatement(
  `v.api_key_id, v.name, v.prefix, v.expires_at, v.own_org, v.kind, v.revoked, v.expired`,
  `lap.api_key_viewer($1::text, $2::bytea, $3::timestamptz) AS v`,
  {
    'lap.kind': `v.kind`,
    'lap.person_id': `''`,
    'lap.own_org': `coalesce(v.own_org::text, '')`,
    'lap.member_org': `coalesce(v.own_org::text, '')`,
    'lap.api_key': `coalesce(v.api_key_id::text, '')`,
  },
);

/** A lookup's row taken apart: its own columns, and the settings it made (`__s0`, … by `names`). */
function foundBy(raw: Row | undefined, settingNames: string[]): FoundLookup | null {
  if (!raw) return null;
  const row: Row = { ...raw };
  const set = new Map<string, string>();
  settingNames.forEach((name, i) => {
    set.set(name, String(row[`__s${i}`]));
    delete row[`__s${i}`];
  });
  return { row, set };
}

/**
 * The last row each credential's lookup found on a database (by the lookup and its arguments: a person, an email, a
 * key's prefix and hash), for `RequestConnection.speculate`: at most 10,000 a database, the least recently used
 * dropped. Only ever what that database answered; a lookup that finds nothing drops its entry.
 */
const lastLookupsOf = new WeakMap<DataSource, LRUCache<string, FoundLookup>>();
function lastLookups(ds: DataSource): LRUCache<string, FoundLookup> {
  let cache = lastLookupsOf.get(ds);
  if (!cache) lastLookupsOf.set(ds, (cache = new LRUCache<string, FoundLookup>({ max: 10_000 })));
  return cache;
}

/** Keeps what a lookup found for the next request of the same credential (without `lap.now`, the request's own). */
function remember(ds: DataSource, key: string, found: FoundLookup): void {
  const set = new Map(found.set);
  set.delete('lap.now');
  lastLookups(ds).set(key, { row: { ...found.row }, set });
}

/** How long the statement of a request whose client went away may go on before it is cancelled. */
const CANCEL_ABANDONED_AFTER_MS = 100;

/** Whether `promise` (one that never rejects) settles within `ms`. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const settled = await Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => (timer = setTimeout(resolve, ms, false)))]);
  clearTimeout(timer);
  return settled;
}

/**
 * Cancels what a connection is running, for a request whose client went away (or a stopping hub cut it after
 * SHUTDOWN_GRACE_MS) while one of its statements still ran 100 ms later — a long scan, a write waiting for another
 * session's lock: nobody will read its answer. Without it the connection stayed taken until the statement ended on its
 * own, and a stopping hub waited for it past its grace. The connection is closed afterwards, never reused (`finish`).
 * Not on an embedded database (one session serves every connection: nothing there waits for another).
 *
 * On a connection without TLS, the protocol's CancelRequest on a socket of its own (no pool connection is needed: it
 * works while the hub stops with every pool connection taken). On one with TLS, whose CancelRequest would go in
 * clear text, `pg_cancel_backend` through the pool (the same login may cancel its own sessions), given up after 2 s.
 * Settles, never rejects: a cancel that cannot be sent leaves the statement to end on its own (its connection is
 * closed all the same, and its transaction with it).
 */
function cancelRunning(client: pg.PoolClient, ds: DataSource): Promise<void> {
  const c = client as unknown as { processID?: number | null; secretKey?: number | null; host?: string; port?: number; ssl?: unknown };
  if (typeof c.processID !== 'number') return Promise.resolve();
  const pid = c.processID;
  if (c.ssl) {
    let timer: NodeJS.Timeout | undefined;
    const cancelled = poolOf(ds)
      .query('SELECT pg_cancel_backend($1)', [pid])
      .then(
        () => undefined,
        () => undefined,
      );
    return Promise.race([cancelled, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))]).finally(() => clearTimeout(timer));
  }
  if (typeof c.secretKey !== 'number' || !c.host || !c.port) return Promise.resolve();
  const message = Buffer.alloc(16);
  message.writeInt32BE(16, 0);
  message.writeInt32BE(80877102, 4); // the CancelRequest code
  message.writeInt32BE(pid, 8);
  message.writeInt32BE(c.secretKey, 12);
  return new Promise((resolve) => {
    const socket = c.host!.startsWith('/') ? net.connect(`${c.host}/.s.PGSQL.${c.port}`) : net.connect(c.port!, c.host);
    socket.setTimeout(2000, () => socket.destroy());
    socket.once('connect', () => socket.end(message));
    socket.once('error', () => undefined);
    socket.once('close', () => resolve());
  });
}

/** Rolls the connection's transaction back and gives the connection to the pool (discarded if the rollback failed). */
async function rollBack(client: pg.PoolClient): Promise<void> {
  try {
    await client.query('ROLLBACK');
    countOn(client, null);
    client.release();
  } catch (err) {
    countOn(client, null);
    client.release(err as Error);
  }
}

/**
 * One read-only statement as the viewer role with no viewer set (the settings empty): the SECURITY DEFINER lookups
 * that decide who a credential is. One round trip of its own (`BEGIN READ ONLY; SET LOCAL ROLE …; <sql>; COMMIT`).
 */
async function readAsViewerRole<T>(ds: DataSource, sql: string, count: StatementCount | null): Promise<T[]> {
  const client = await requestConnection(ds);
  countOn(client, count);
  try {
    const results = (await client.query(`BEGIN READ ONLY; SET LOCAL ROLE ${VIEWER_ROLE};\n${sql};\nCOMMIT`)) as unknown as pg.QueryResult[];
    countOn(client, null);
    client.release();
    return results[2].rows as T[];
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    countOn(client, null);
    client.release(err as Error);
    throw err;
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
  count: StatementCount | null = null,
): Promise<ViewerRow | null> {
  const rows = await readAsViewerRole<ViewerRow>(ds, `SELECT person_id, own_org, kind FROM ${viewerOfCall(personId, email, now)}`, count);
  return rows[0] ?? null;
}

/**
 * `lookupViewer` for many people at once (the live-update dispatcher checks every subscriber's token again at each
 * delivery): one round trip however many. People who no longer exist are missing from the answer.
 */
export async function lookupViewers(
  ds: DataSource,
  personIds: readonly string[],
  now: Date,
  count: StatementCount | null = null,
): Promise<Map<string, { person_id: string; own_org: string; kind: string }>> {
  const found = new Map<string, { person_id: string; own_org: string; kind: string }>();
  if (personIds.length === 0) return found;
  const ids = `ARRAY[${personIds.map((id) => pg.escapeLiteral(id)).join(', ')}]::uuid[]`;
  const rows = await readAsViewerRole<{ person_id: string; own_org: string; kind: string }>(
    ds,
    `SELECT v.person_id, v.own_org, v.kind FROM unnest(${ids}) AS p(id), lap.viewer_of(p.id, NULL, ${pg.escapeLiteral(now.toISOString())}::timestamptz) AS v`,
    count,
  );
  for (const row of rows) found.set(row.person_id, row);
  return found;
}

/**
 * Which of these people (by id; or the one `email` names, for an identity provider's token) had left the network when
 * `lap.viewer_of` found nobody for them: the ones the hub knows at all (`lap.person_known`; a person who has not left
 * is always found, and people are never deleted), as the viewer role, one round trip however many. Asked only of the
 * subjects of tokens that the lookup found nobody for, so that their refusal says why — in the lookup's terms, not in
 * those of a later read (a person reinstated in between had left at the lookup's moment).
 */
export async function peopleWhoLeft(ds: DataSource, personIds: readonly string[], email: string | null = null, count: StatementCount | null = null): Promise<Set<string>> {
  const left = new Set<string>();
  if (personIds.length === 0 && email === null) return left;
  const ids = personIds.length ? `ARRAY[${personIds.map((id) => pg.escapeLiteral(id)).join(', ')}]::uuid[]` : `ARRAY[NULL]::uuid[]`;
  const rows = await readAsViewerRole<{ id: string | null }>(
    ds,
    `SELECT p.id FROM unnest(${ids}) AS p(id) WHERE lap.person_known(p.id, ${email === null ? 'NULL' : pg.escapeLiteral(email)})`,
    count,
  );
  for (const row of rows) left.add(row.id ?? email!);
  return left;
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
  count: StatementCount | null = null,
): Promise<ApiKeyRow | null> {
  const rows = await readAsViewerRole<ApiKeyRow>(
    ds,
    `SELECT api_key_id, name, prefix, expires_at, own_org, kind, revoked, expired FROM ${apiKeyViewerCall(prefix, hash, now)}`,
    count,
  );
  return rows[0] ?? null;
}

/**
 * Which of these API keys, checked earlier, still work at `now` (not revoked, not expired, their organization still
 * endorsed): `lap.api_key_active`, as the viewer role, one round trip however many. For connections that outlive one
 * request (a subscription checks its key again at every delivery, DOMAIN §7, §8).
 */
export async function apiKeyActive(ds: DataSource, keyIds: readonly string[], now: Date, count: StatementCount | null = null): Promise<Set<string>> {
  const active = new Set<string>();
  if (keyIds.length === 0) return active;
  const ids = `ARRAY[${keyIds.map((id) => pg.escapeLiteral(id)).join(', ')}]::uuid[]`;
  const rows = await readAsViewerRole<{ id: string }>(
    ds,
    `SELECT k.id FROM unnest(${ids}) AS k(id) WHERE lap.api_key_active(k.id, ${pg.escapeLiteral(now.toISOString())}::timestamptz)`,
    count,
  );
  for (const row of rows) active.add(row.id);
  return active;
}
