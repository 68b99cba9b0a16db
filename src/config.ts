import proxyAddr from 'proxy-addr';
import path from 'node:path';
import fs from 'node:fs';

/** A configuration problem: start-up stops with this one line, never a stack. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export type NodeEnv = 'development' | 'production' | 'test';

export interface Config {
  nodeEnv: NodeEnv;
  port: number;
  host: string;
  /** Real PostgreSQL; when unset the hub embeds PGlite under dataDir. */
  databaseUrl: string | null;
  dataDir: string;
  /** Load the demo network into an empty database. */
  seedDemo: boolean;
  jwtSecret: string | null;
  jwksUrl: string | null;
  jwtIssuer: string | null;
  jwtAudience: string | null;
  tokenTtl: string;
  /** Add an `X-SQL-Statements` header to GraphQL responses (tests and the benchmark). */
  reportSqlStatements: boolean;
  /** Largest page a connection serves. */
  maxPageSize: number;
  /** Deepest selection a query may nest. */
  maxQueryDepth: number;
  shutdownGraceMs: number;
  /** How long a request's statement may go unanswered by the database before the request is answered 503 (`DATABASE_TIMEOUT_MS`). */
  databaseTimeoutMs: number;
  /** How many connections the hub keeps to a PostgreSQL server (`DATABASE_POOL_SIZE`); the embedded database has one. */
  databasePoolSize: number;
  /**
   * How long an idle keep-alive connection is kept open. Longer than the idle timeout of whatever sits in front (a load
   * balancer or reverse proxy keeps idle connections 60 s and more): the side that closes an idle connection first must
   * be the client, or a request it sends at that moment meets a closed socket.
   */
  keepAliveTimeoutMs: number;
  /** How long a client may take to send a whole request, headers and body (Node's `requestTimeout`). */
  requestTimeoutMs: number;
  /** Days agencies have to object to an application (the paragraph after §D). */
  endorsementObjectionDays: number;
  /** pino's level. */
  logLevel: LogLevel;
  /** Who may introspect the schema (`__schema`, `__type`, `_service`): everyone, or signed-in members only. */
  introspection: 'everyone' | 'members';
  /** Serve the GraphiQL page on `GET /graphql` from a browser. */
  graphiql: boolean;
  /** Browser origins allowed to call the hub (CORS), exactly as a browser sends them (`https://dash.example.org`). */
  corsOrigins: string[];
  /** When set, `GET /metrics` needs `Authorization: Bearer <this>`. */
  metricsToken: string | null;
  /** Requests per minute per viewer (person, else organization, else IP); 0: no limit. */
  rateLimitPerViewer: number;
  /** Requests per minute per client IP address; 0: no limit. */
  rateLimitPerIp: number;
  /** Where the rate limits count: in this process, or shared by every instance in PostgreSQL or Redis. */
  rateLimitStore: 'memory' | 'postgres' | 'redis';
  redisUrl: string | null;
  /** Express's `trust proxy`: which proxies' `X-Forwarded-For` names the client (false: none). */
  trustProxy: boolean | number | string;
}

export const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof logLevels)[number];

type Env = Record<string, string | undefined>;

function nonEmpty(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v.trim() === '' ? null : v.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === null) return fallback;
  // A negative whole number is out of range (every range here starts at 0 or above), said so.
  if (!/^-?\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number from ${min} to ${max}, got "${raw}"`);
  const n = Number(raw);
  // -0 is a negative whole number as written (Number reads it as 0).
  if (n < min || n > max || raw.startsWith('-')) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${raw}`);
  return n;
}

/** MAX_QUERY_DEPTH, as the hub reads it: the gateway (`npm run gateway`) refuses deeper queries too, read the same way. */
export function maxQueryDepthOf(env: Env): number {
  return integer(env, 'MAX_QUERY_DEPTH', 12, 3, 100);
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env, name);
  if (raw === null) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false (or 1/0, yes/no, on/off), got "${raw}"`);
}

function url(env: Env, name: string, protocols: string[]): string | null {
  const raw = nonEmpty(env, name);
  if (raw === null) return null;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new ConfigError(`${name} is not a valid URL`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(`${name} must start with ${protocols.map((p) => p + '//').join(' or ')}`);
  }
  // A % that begins no escape (two hexadecimal digits) passed here and failed later, unnamed ("URI malformed"), or
  // was read as another user or database than the one written.
  for (const [part, value] of [['user name', parsed.username], ['password', parsed.password], ['path', parsed.pathname]] as const) {
    try {
      decodeURIComponent(value);
    } catch {
      throw new ConfigError(`${name}: the ${part} holds a % that begins no escape (write a % itself as %25)`);
    }
  }
  return raw;
}

/**
 * The files DATABASE_URL names for TLS (`sslrootcert`, `sslcert`, `sslkey`), read by the driver when it connects:
 * one that cannot be read is named here, not reported later as the database being unreachable.
 */
function checkTlsFiles(databaseUrl: string): void {
  const params = new URL(databaseUrl).searchParams;
  for (const param of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = params.get(param);
    if (file === null) continue;
    try {
      fs.accessSync(file, fs.constants.R_OK);
    } catch (err) {
      throw new ConfigError(`DATABASE_URL: ${param} names ${file}, which cannot be read (${(err as { code?: string }).code ?? 'unreadable'})`);
    }
  }
}

/** The `sslmode` values of DATABASE_URL that node-postgres knows. */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = nonEmpty(env, name);
  if (raw === null) return fallback;
  if (!(allowed as readonly string[]).includes(raw)) throw new ConfigError(`${name} must be one of ${allowed.join(', ')}, got "${raw}"`);
  return raw as T;
}

/**
 * KEEP_ALIVE_TIMEOUT_MS and REQUEST_TIMEOUT_MS, read and checked as the hub reads them: `npm run gateway`'s gateway
 * keeps its client connections by the same rules.
 */
export function connectionTimeoutsOf(env: Env): { keepAliveTimeoutMs: number; requestTimeoutMs: number; shutdownGraceMs: number } {
  return {
    keepAliveTimeoutMs: integer(env, 'KEEP_ALIVE_TIMEOUT_MS', 65000, 1000, 3600000),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 60000, 1000, 600000),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000),
  };
}

/**
 * Node's `http.createServer` options for a request timeout: the whole request, headers and body, within
 * `requestTimeoutMs` (Node's default: 300 s, during which a client trickling a body holds its connection, and a stop
 * for its whole grace), then 408 and the connection closed; checked at a quarter of that (Node's default checks every
 * 30 s), so that the answer sent in time does not wait.
 */
export function requestTimeoutOptions(requestTimeoutMs: number): { requestTimeout: number; headersTimeout: number; connectionsCheckingInterval: number } {
  return {
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(60_000, requestTimeoutMs),
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, Math.floor(requestTimeoutMs / 4))),
  };
}

/**
 * HUB_TIMEOUT_MS (`npm run gateway` only): how long the gateway waits for a hub's answer before it answers its client
 * 504 — a hub, or a proxy before it, that takes a request and never answers.
 */
export function hubTimeoutOf(env: Env): number {
  return integer(env, 'HUB_TIMEOUT_MS', 60000, 1000, 600000);
}

/** A comma-separated list of browser origins (`scheme://host[:port]`, nothing after it): CORS_ORIGINS, checked (the gateway reads it too). */
export function corsOriginsOf(env: Env): string[] {
  return origins(env, 'CORS_ORIGINS');
}

function origins(env: Env, name: string): string[] {
  const raw = nonEmpty(env, name);
  if (raw === null) return [];
  return raw.split(',').map((item) => {
    const origin = item.trim();
    if (origin === '*') throw new ConfigError(`${name} lists origins one by one; "*" is not accepted`);
    let parsed: URL | null = null;
    try {
      parsed = new URL(origin);
    } catch {
      // reported below
    }
    if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.origin !== origin) {
      throw new ConfigError(`${name}: "${origin}" is not an origin like https://dashboard.example.org (scheme, host and port only)`);
    }
    return origin;
  });
}

/** TRUST_PROXY, read and checked as the hub reads it: the gateway reads it for the proxies in front of itself. */
export function trustProxyOf(env: Env): boolean | number | string {
  return trustProxy(env, 'TRUST_PROXY');
}

/** Express's `trust proxy`: true/false, a number of hops, or addresses and subnets (`loopback`, `10.0.0.0/8`, …). */
function trustProxy(env: Env, name: string): boolean | number | string {
  const raw = nonEmpty(env, name);
  if (raw === null) return false;
  if (/^(1|true|yes|on)$/i.test(raw) && raw !== '1') return true;
  if (/^(0|false|no|off)$/i.test(raw) && raw !== '0') return false;
  if (/^\d+$/.test(raw)) return Number(raw);
  const names = /^(loopback|linklocal|uniquelocal)$/;
  const address = /^[0-9a-fA-F:.]+(\/\d{1,3})?$/;
  const refuse = () => new ConfigError(`${name} must be true, false, a number of proxies or addresses/subnets (loopback, 10.0.0.0/8), got "${raw}"`);
  if (!raw.split(',').every((p) => names.test(p.trim()) || address.test(p.trim()))) throw refuse();
  // What passes the shape above may still not be an address (999.999.999.999, 10.0.0.0/99): Express compiles the
  // list with proxy-addr at start-up; compiled here first, a bad value is named by its variable.
  try {
    proxyAddr.compile(raw.split(',').map((p) => p.trim()));
  } catch {
    throw refuse();
  }
  return raw;
}

/** Reads and validates every environment variable the hub uses, once. */
export function loadConfig(env: Env = process.env): Config {
  const rawEnv = nonEmpty(env, 'NODE_ENV') ?? 'development';
  if (!['development', 'production', 'test'].includes(rawEnv)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${rawEnv}"`);
  }
  const nodeEnv = rawEnv as NodeEnv;
  const jwtSecret = nonEmpty(env, 'JWT_SECRET');
  if (jwtSecret !== null && jwtSecret.length < 32) {
    throw new ConfigError('JWT_SECRET must be at least 32 characters');
  }
  const jwksUrl = url(env, 'JWKS_URL', ['https:', 'http:']);
  if (jwtSecret && jwksUrl) throw new ConfigError('set JWT_SECRET or JWKS_URL, not both');
  if (nodeEnv === 'production' && !jwtSecret && !jwksUrl) {
    throw new ConfigError('NODE_ENV=production needs JWT_SECRET or JWKS_URL');
  }
  const production = nodeEnv === 'production';
  const metricsToken = nonEmpty(env, 'METRICS_TOKEN');
  if (metricsToken !== null && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  const databaseUrl = url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']);
  // node-postgres takes any other sslmode silently (a misspelt `verify-full` connected with TLS unverified, or without
  // TLS the server then refused, reported as the server's fault): named here.
  const sslmode = databaseUrl === null ? null : new URL(databaseUrl).searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode)) {
    throw new ConfigError(`DATABASE_URL: sslmode must be one of ${SSL_MODES.join(', ')}, got "${sslmode}"`);
  }
  // node-postgres connects to the database named after the user when the URL names none: the hub would migrate (and
  // load the demo into) whatever database that is.
  if (databaseUrl !== null && /^\/?$/.test(new URL(databaseUrl).pathname)) {
    throw new ConfigError('DATABASE_URL names no database: postgres://user@host:5432/<database>');
  }
  if (databaseUrl !== null) checkTlsFiles(databaseUrl);
  const rateLimitStore = oneOf(env, 'RATE_LIMIT_STORE', ['memory', 'postgres', 'redis'] as const, 'memory');
  const redisUrl = url(env, 'REDIS_URL', ['redis:', 'rediss:']);
  // Its path names a database by number (redis://host:6379/2), or none (database 0): anything else would reach Redis as
  // `SELECT NaN`.
  // A URL that names no host (`redis://`, `redis:///2`) would reach Redis on 127.0.0.1:6379 unsaid.
  if (redisUrl && new URL(redisUrl).hostname === '') throw new ConfigError('REDIS_URL names no host: redis://host:6379 (or rediss:// for TLS)');
  const redisPath = redisUrl ? new URL(redisUrl).pathname : '';
  if (!/^\/?(\d+)?$/.test(redisPath)) {
    throw new ConfigError(`REDIS_URL: the path names a Redis database by its number (redis://host:6379/2), got "${redisPath}"`);
  }
  if (rateLimitStore === 'redis' && !redisUrl) throw new ConfigError('RATE_LIMIT_STORE=redis needs REDIS_URL');
  if (rateLimitStore === 'postgres' && !databaseUrl) {
    throw new ConfigError('RATE_LIMIT_STORE=postgres needs DATABASE_URL (the embedded database serves one instance: use memory)');
  }
  const tokenTtl = nonEmpty(env, 'TOKEN_TTL') ?? '12h';
  if (/^0+$/.test(tokenTtl)) throw new ConfigError(`TOKEN_TTL must be more than zero, got "${tokenTtl}"`);
  if (!/^\d+[smhd]$/.test(tokenTtl)) throw new ConfigError(`TOKEN_TTL must look like 30m, 12h or 7d, got "${tokenTtl}"`);
  // A token expired when printed is a mistake, not a setting (short ones are not: a test of expiry uses seconds).
  if (Number(tokenTtl.slice(0, -1)) === 0) throw new ConfigError(`TOKEN_TTL must be more than zero, got "${tokenTtl}"`);
  // A token is a credential: one that outlives a year is a mistake too (and a huge number an `exp` no clock reaches).
  const ttlSeconds = Number(tokenTtl.slice(0, -1)) * { s: 1, m: 60, h: 3600, d: 86400 }[tokenTtl.slice(-1) as 's' | 'm' | 'h' | 'd'];
  if (ttlSeconds > 366 * 86400) throw new ConfigError(`TOKEN_TTL must be at most 366d, got "${tokenTtl}"`);
  return {
    nodeEnv,
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: nonEmpty(env, 'HOST') ?? '0.0.0.0',
    databaseUrl,
    dataDir: path.resolve(nonEmpty(env, 'DATA_DIR') ?? '.data'),
    // The demo network is for trying the hub out: never loaded in production unless asked for.
    seedDemo: boolean(env, 'SEED_DEMO', !production),
    jwtSecret,
    jwksUrl,
    jwtIssuer: nonEmpty(env, 'JWT_ISSUER'),
    jwtAudience: nonEmpty(env, 'JWT_AUDIENCE'),
    tokenTtl,
    reportSqlStatements: boolean(env, 'REPORT_SQL_STATEMENTS', false),
    maxPageSize: 1000,
    maxQueryDepth: maxQueryDepthOf(env),
    databaseTimeoutMs: integer(env, 'DATABASE_TIMEOUT_MS', 30000, 1000, 600000),
    databasePoolSize: integer(env, 'DATABASE_POOL_SIZE', 10, 2, 500),
    ...connectionTimeoutsOf(env),
    endorsementObjectionDays: integer(env, 'ENDORSEMENT_OBJECTION_DAYS', 14, 1, 365),
    logLevel: oneOf(env, 'LOG_LEVEL', logLevels, nodeEnv === 'test' ? 'silent' : 'info'),
    introspection: oneOf(env, 'INTROSPECTION', ['everyone', 'members'] as const, production ? 'members' : 'everyone'),
    graphiql: boolean(env, 'GRAPHIQL', !production),
    corsOrigins: origins(env, 'CORS_ORIGINS'),
    metricsToken,
    rateLimitPerViewer: integer(env, 'RATE_LIMIT_PER_VIEWER', 600, 0, 1_000_000),
    rateLimitPerIp: integer(env, 'RATE_LIMIT_PER_IP', 1200, 0, 1_000_000),
    rateLimitStore,
    redisUrl,
    trustProxy: trustProxyOf(env),
  };
}
