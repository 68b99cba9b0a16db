import 'reflect-metadata';
import pg from 'pg';
import { DataSource, MigrationExecutor, QueryRunner } from 'typeorm';
import { entities } from '../../entities';
import { ConfigError } from '../config';
import { migrations } from './migrations';
import { installStatementCounter } from './statement-counter';
// Faster readings of timestamps and text arrays, the same values as node-postgres's (src/db/type-parsers.ts).
import './type-parsers';

// bigint columns (money) fit in a double; count(*) too.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    const port = u.port || 5432;
    // A `host` parameter wins over the URL's host (pg-connection-string): a folder is a Unix socket's.
    const host = u.searchParams.get('host');
    if (host?.startsWith('/')) return `the Unix socket ${host.replace(/\/$/, '')}/.s.PGSQL.${port} (database ${decodeURIComponent(u.pathname.replace(/^\//, ''))})`;
    // No host in the URL (postgres:///laphub): node-postgres connects to localhost.
    return `${host || u.hostname || 'localhost'}:${port}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/**
 * The database a URL names, its path read as one percent-encoded name (`postgres://…/lap%2Fhub` names `lap/hub`), or
 * undefined for a URL with no such path. node-postgres reads the path with `decodeURI`, which leaves the escapes of
 * reserved characters as they are (`%2F`, `%40`, `%3A`, `%23`, `%3F` …): it asked for a database named `lap%2Fhub`,
 * though README says those characters are percent-encoded, as they are in the user name and password (which it reads
 * with `decodeURIComponent`).
 */
export function databaseOfUrl(url: string): string | undefined {
  try {
    const u = new URL(url);
    if (!/^postgres(ql)?:$/.test(u.protocol) || u.pathname.length <= 1) return undefined;
    return decodeURIComponent(u.pathname.slice(1));
  } catch {
    return undefined;
  }
}

/** A node-postgres client that reads the database of its connection string as `databaseOfUrl` does. */
export class DatabaseClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    const url = typeof config === 'string' ? config : config?.connectionString;
    const database = url === undefined ? undefined : databaseOfUrl(url);
    if (database !== undefined) {
      const self = this as unknown as { database: string; connectionParameters: { database: string } };
      self.database = database;
      self.connectionParameters.database = database;
    }
  }
}

/**
 * The pool's connections. pg-pool listens for errors only on idle connections: a connection the server ends while a
 * request holds it between two statements (PostgreSQL restarting: `57P01 terminating connection due to administrator
 * command`) emitted an `error` nobody listened to, and that ended the process. Here every connection has a listener for
 * its whole life; the failure still reaches whoever uses the connection next (its statement is refused, the request
 * answers with an error), and a connection that failed is discarded when it is released (`release(err)`).
 */
export class PoolConnection extends DatabaseClient {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => undefined);
  }
}

/** `disableJit`: PostgreSQL's JIT compiles the scoped count queries on every request, costing more than it saves. */
export function createDataSource(url: string, poolSize: number, disableJit = false): DataSource {
  installStatementCounter();
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    // Pipeline mode: a request's statements are written as soon as they are asked for, without waiting for the answer
    // to the one before (src/db/viewer-db.ts); PostgreSQL answers them in order.
    extra: { max: poolSize, connectionTimeoutMillis: 10000, Client: PoolConnection, pipeline: true, ...(disableJit ? { options: '-c jit=off' } : {}) },
  });
}

/** Why a connection to `url` failed, in words an operator can act on. */
export function connectionProblem(url: string, err: unknown): string {
  const e = err as NodeJS.ErrnoException & { code?: string };
  let database = 'postgres';
  let user = 'postgres';
  try {
    const u = new URL(url);
    database = decodeURIComponent(u.pathname.replace(/^\//, '')) || database;
    user = decodeURIComponent(u.username) || user;
  } catch {
    // keep the defaults
  }
  const where = describeUrl(url);
  switch (e.code) {
    case '3D000':
      return `the database "${database}" does not exist at ${where}: create it first (createdb "${database}") or fix DATABASE_URL`;
    case '28P01':
      return `password authentication failed for user "${user}" at ${where}: check DATABASE_URL`;
    case '28000':
      return `the server at ${where} does not let user "${user}" in (pg_hba.conf or the role): check DATABASE_URL`;
    case 'ECONNREFUSED':
      return `nothing answers at ${where}: is PostgreSQL running there? (DATABASE_URL)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host of DATABASE_URL (${where}) is not known`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return `the TLS certificate of the server at ${where} does not name that host: use the host name the certificate names in DATABASE_URL`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_UNTRUSTED':
      return `the TLS certificate of the server at ${where} is not signed by a known authority (${e.code}): name its CA file in DATABASE_URL (sslmode=verify-full&sslrootcert=/path/to/ca.pem)`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `the TLS certificate of the server at ${where} is not valid now (${e.code})`;
    default:
      // node-postgres says so in words, without a code, when DATABASE_URL asks for TLS (sslmode) and the server has none.
      if (/does not support SSL/i.test(e.message ?? '')) {
        return `the server at ${where} does not accept TLS connections, and DATABASE_URL asks for TLS (sslmode): enable ssl on the server, or remove sslmode`;
      }
      // PostgreSQL's own refusal (an SQLSTATE, e.g. 57014 when DATABASE_URL's options set a statement_timeout too short
      // for the migrations): its words with the code, not the code alone.
      const state = sqlStateOf(e);
      if (state && e.message) return `the database at ${where} refused the hub: ${e.message} (SQLSTATE ${state})`;
      return `cannot reach the database at ${where}: ${e.code ?? e.message}`;
  }
}

/**
 * The SQLSTATE of an error PostgreSQL sent (an ErrorResponse: it carries its severity), or undefined for any other —
 * a socket's failure above all, whose code (`EPIPE`, `ECONNRESET`) can have the shape of an SQLSTATE too.
 */
export function sqlStateOf(err: unknown): string | undefined {
  const e = err as { code?: unknown; severity?: unknown } | null;
  return e && typeof e.code === 'string' && typeof e.severity === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
}

/** The advisory lock the migrations are applied under (any bigint the hub alone uses: "LAPHUBMG" in ASCII). */
export const MIGRATION_LOCK = '5494761291966991687';

/**
 * Runs `fn` holding the hub's advisory lock on a connection of its own, handed to `fn`: several instances started at
 * once on one database (replicas of a deployment) take turns. The migrations run on that connection (`openDatabase`);
 * the demo network's load into an empty database (`npm start`) runs beside it on the pool's others — not on an
 * embedded database, whose one connection the lock holds.
 */
export async function withMigrationLock<T>(ds: DataSource, fn: (runner: QueryRunner) => Promise<T>): Promise<T> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  try {
    await runner.query(`SELECT pg_advisory_lock(${MIGRATION_LOCK})`);
    try {
      return await fn(runner);
    } finally {
      await runner.query(`SELECT pg_advisory_unlock(${MIGRATION_LOCK})`).catch(() => undefined);
    }
  } finally {
    await runner.release();
  }
}

/**
 * Applies the pending migrations, each in its own transaction, under the advisory lock: each instance after the first
 * finds them applied. Without it the second failed on objects the first had just made (`relation "migrations" already
 * exists`) and stopped. On an embedded database (one session, one process by DATA_DIR's lock) the lock is never
 * waited for.
 */
function migrateLocked(ds: DataSource): Promise<unknown> {
  return withMigrationLock(ds, (runner) => {
    const executor = new MigrationExecutor(ds, runner);
    executor.transaction = 'each';
    return executor.executePendingMigrations();
  });
}

/** Connects and applies the migrations; a database that cannot be reached is a configuration error. */
export async function openDatabase(url: string, poolSize: number, disableJit = false): Promise<DataSource> {
  const ds = createDataSource(url, poolSize, disableJit);
  try {
    await ds.initialize();
  } catch (err) {
    throw new ConfigError(connectionProblem(url, err));
  }
  try {
    await migrateLocked(ds);
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw new ConfigError(`cannot apply the migrations to ${describeUrl(url)}: ${(err as Error).message}`);
  }
  return ds;
}
