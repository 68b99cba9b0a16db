import path from 'node:path';

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
  /** Days agencies have to object to an application (the paragraph after §D). */
  endorsementObjectionDays: number;
}

type Env = Record<string, string | undefined>;

function nonEmpty(env: Env, name: string): string | null {
  const v = env[name];
  return v === undefined || v.trim() === '' ? null : v.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = nonEmpty(env, name);
  if (raw === null) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${n}`);
  return n;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = nonEmpty(env, name);
  if (raw === null) return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
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
  const tokenTtl = nonEmpty(env, 'TOKEN_TTL') ?? '12h';
  if (!/^\d+[smhd]$/.test(tokenTtl)) throw new ConfigError(`TOKEN_TTL must look like 30m, 12h or 7d, got "${tokenTtl}"`);
  return {
    nodeEnv,
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: nonEmpty(env, 'HOST') ?? '0.0.0.0',
    databaseUrl: url(env, 'DATABASE_URL', ['postgres:', 'postgresql:']),
    dataDir: path.resolve(nonEmpty(env, 'DATA_DIR') ?? '.data'),
    seedDemo: boolean(env, 'SEED_DEMO', true),
    jwtSecret,
    jwksUrl,
    jwtIssuer: nonEmpty(env, 'JWT_ISSUER'),
    jwtAudience: nonEmpty(env, 'JWT_AUDIENCE'),
    tokenTtl,
    reportSqlStatements: boolean(env, 'REPORT_SQL_STATEMENTS', false),
    maxPageSize: 1000,
    maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', 12, 3, 100),
    shutdownGraceMs: integer(env, 'SHUTDOWN_GRACE_MS', 10000, 0, 600000),
    endorsementObjectionDays: integer(env, 'ENDORSEMENT_OBJECTION_DAYS', 14, 1, 365),
  };
}
