import type { Logger } from 'pino';
import type { Pool } from 'pg';
import { RateLimiterAbstract, RateLimiterMemory, RateLimiterPostgres, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { Config, ConfigError } from '../config';
import { rateLimited } from '../metrics';
import type { Viewer } from '../policy/viewer';

/** The PostgreSQL store's table (migration 1764600000000-RateLimits), outside the schema viewers can reach. */
export const rateLimitTable = { schema: 'lap_ops', table: 'rate_limit' };

/** A refused request: how long to wait before the next one is accepted. */
export interface Refusal {
  limit: 'ip' | 'viewer';
  retryAfterSeconds: number;
}

export interface RateLimits {
  /** Counts a request from this client address; a refusal when its budget for the minute is spent. */
  byIp(ip: string): Promise<Refusal | null>;
  /** Counts a request of this viewer: person, else the organization itself (an API key), else the client address. */
  byViewer(viewer: Viewer, ip: string): Promise<Refusal | null>;
  /**
   * Takes back one count of `byViewer` under a viewer key (`viewerKey`): a request counted as a viewer it turned out not
   * to be (the known-query path's assumed viewer), counted again as the one it is. Never throws: a count not taken back
   * (the store away) leaves the limit stricter, not looser.
   */
  giveBack(key: string): Promise<void>;
  close(): Promise<void>;
}

/** A refusal's message, for HTTP requests and WebSocket connections alike. */
export function tooManyRequests(refusal: Refusal): string {
  const per = refusal.limit === 'ip' ? 'this address' : 'this viewer';
  return `Too many requests from ${per}: try again in ${refusal.retryAfterSeconds} s.`;
}

/** The key a viewer is counted under: the person, else the organization acting as itself, else the address. */
export function viewerKey(viewer: Viewer & { apiKeyId?: string | null }, ip: string): string {
  if (viewer.personId) return `person:${viewer.personId}`;
  if (viewer.ownOrgId) return `org:${viewer.ownOrgId}`;
  return `ip:${ip}`;
}

interface Store {
  make(prefix: string, points: number): RateLimiterAbstract;
  close(): Promise<void>;
  /** The store did not answer in time: a connection that went silent without closing is let go and made again. */
  stalled?(): void;
}

/**
 * A connection to `REDIS_URL`, checked: connected, its database selected, a PING answered. Every problem is a
 * ConfigError of one line (the hub stops with it). `npm start` calls it before the database is opened
 * (`checkRedis`), so that a bad REDIS_URL stops the hub before migrations run or the demo is loaded.
 */
async function connectRedis(config: Config): Promise<import('ioredis').Redis> {
  // Loaded only for this store.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Redis } = require('ioredis') as typeof import('ioredis');
  const client = new Redis(config.redisUrl!, { enableOfflineQueue: false, maxRetriesPerRequest: 1, lazyConnect: true, commandTimeout: STORE_TIMEOUT_MS });
  // At start-up every problem stops the hub with one line (a refused SELECT of the URL's database comes as an
  // 'error' event, not as a failed connect); once running, Redis going away is a warning and the limits count here.
  let startupError: Error | null = null;
  const onStartupError = (err: Error) => (startupError ??= err);
  client.on('error', onStartupError);
  try {
    await client.connect();
    await client.ping();
    // The SELECT of the URL's database is answered before the PING.
    if (startupError) throw startupError;
  } catch (err) {
    client.disconnect();
    // ioredis's own message for a connection that never opened is "Connection is closed.": the first error event
    // says why (ECONNREFUSED, a name that does not resolve, a refused AUTH or SELECT).
    const message = ((startupError ?? err) as Error).message;
    // Something that is not Redis answered (an HTTP server, say): ioredis's "Protocol error, got "<" as reply type byte.
    // Please report this." asks for a bug report that is not due.
    const why = /^Protocol error/.test(message) ? 'what answers there does not speak the Redis protocol' : message;
    throw new ConfigError(`REDIS_URL: cannot use Redis at ${describeRedis(config.redisUrl!)} (${why})`);
  }
  client.off('error', onStartupError);
  return client;
}

/**
 * ioredis writes a few warnings of its own with `console.warn` as plain text (`[WARN] This Redis server's `default` user
 * does not require a password, but a password was supplied`), among the hub's JSON lines: from the first Redis
 * connection on, they are logged through `logger` as warnings instead (the "[WARN] " dropped). Anything else written with
 * `console.warn` is written as before.
 */
function ioredisWarningsTo(logger: Logger): void {
  warningsLogger = logger;
  if (console.warn === redirected) return;
  const write = console.warn;
  redirected = (...args: unknown[]) => {
    const [first] = args;
    if (args.length === 1 && typeof first === 'string' && /^\[WARN\] .*\bRedis\b/.test(first)) warningsLogger!.warn(`rate limits: ${first.slice('[WARN] '.length)}`);
    else write.apply(console, args);
  };
  console.warn = redirected;
}
let warningsLogger: Logger | null = null;
let redirected: ((...args: unknown[]) => void) | null = null;

/** With `RATE_LIMIT_STORE=redis`: that Redis can be used (`connectRedis`), else a ConfigError. Nothing stays open. */
export async function checkRedis(config: Config, logger: Logger): Promise<void> {
  if (config.rateLimitStore !== 'redis') return;
  ioredisWarningsTo(logger);
  const client = await connectRedis(config);
  await client.quit().catch(() => client.disconnect());
}

async function openStore(config: Config, pool: Pool | null, logger: Logger): Promise<Store> {
  if (config.rateLimitStore === 'redis') {
    ioredisWarningsTo(logger);
    const client = await connectRedis(config);
    // While Redis is away, ioredis reports every reconnection attempt: a warning once when it goes, then at most once
    // a minute while it stays away, and a line when it is back.
    let away = false;
    let lastAway = 0;
    client.on('error', (err: Error) => {
      if (away && Date.now() - lastAway < 60_000) return;
      away = true;
      lastAway = Date.now();
      logger.warn({ err: { message: err.message } }, 'rate limits: Redis is unavailable; counting in memory until it is back');
    });
    client.on('ready', () => {
      if (!away) return;
      away = false;
      logger.info('rate limits: Redis is back');
    });
    return {
      make: (prefix, points) => new RateLimiterRedis({ storeClient: client, keyPrefix: `laphub:${prefix}`, points, duration: 60 }),
      close: async () => {
        await client.quit().catch(() => client.disconnect());
      },
      // ioredis notices a connection that ended, not one gone silent (a firewall's idle timeout): it would be kept.
      stalled: () => client.disconnect(true),
    };
  }
  if (config.rateLimitStore === 'postgres') {
    if (!pool) throw new ConfigError('RATE_LIMIT_STORE=postgres needs DATABASE_URL');
    const made: RateLimiterPostgres[] = [];
    return {
      make(prefix, points) {
        // One table for both limits; keys carry the limit's prefix. Expired rows are deleted by the library hourly.
        const limiter = new RateLimiterPostgres({
          storeClient: pool,
          storeType: 'pool',
          schemaName: rateLimitTable.schema,
          tableName: rateLimitTable.table,
          tableCreated: true,
          keyPrefix: prefix,
          points,
          duration: 60,
        });
        made.push(limiter);
        return limiter;
      },
      close: async () => {
        for (const l of made) {
          const timer = (l as unknown as { _clearExpiredTimeoutId?: NodeJS.Timeout })._clearExpiredTimeoutId;
          if (timer) clearTimeout(timer);
        }
      },
    };
  }
  return { make: (prefix, points) => new RateLimiterMemory({ keyPrefix: prefix, points, duration: 60 }), close: async () => undefined };
}

/**
 * How long a request waits for the shared store's count (Redis, PostgreSQL) before it is counted in memory instead: a
 * store that stops answering without closing its connection held every request, anonymous ones too, for as long.
 */
export const STORE_TIMEOUT_MS = 1000;

/**
 * After the shared store failed or did not answer, how long requests are counted in memory without asking it: a store
 * that stalls would otherwise cost every request its `STORE_TIMEOUT_MS` once per limit (2 s a request, for as long as
 * the stall lasted). Then the next request asks it again.
 */
export const STORE_PAUSE_MS = 5000;

class StoreTimedOut extends Error {
  constructor() {
    super(`the store did not answer within ${STORE_TIMEOUT_MS} ms`);
  }
}

/** `promise`, or a failure once `STORE_TIMEOUT_MS` have passed without its answer. */
function withinStoreTimeout<T>(promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StoreTimedOut()), STORE_TIMEOUT_MS);
    timer.unref();
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/**
 * Rate limits per client address and per viewer (rate-limiter-flexible), counted over fixed one-minute windows, in this
 * process (`memory`) or shared by every instance (`postgres`: a table of the hub's database; `redis`). When the shared
 * store fails, or does not answer within `STORE_TIMEOUT_MS`, counting goes on in memory (logged) rather than refusing or
 * waving every request through.
 */
export async function createRateLimits(config: Config, pool: Pool | null, logger: Logger): Promise<RateLimits> {
  const store = await openStore(config, pool, logger);
  let lastWarning = 0;
  /** Until when requests are counted in memory without asking the shared store (`STORE_PAUSE_MS`), for both limits. */
  let pausedUntil = 0;

  function limiter(prefix: 'ip' | 'viewer', points: number) {
    if (points === 0) return null;
    const shared = store.make(prefix, points);
    const fallback = config.rateLimitStore === 'memory' ? null : new RateLimiterMemory({ keyPrefix: prefix, points, duration: 60 });
    /** A count's answer: admitted (null), or refused with when to try again. */
    const consumed = async (limiter: RateLimiterAbstract, key: string): Promise<Refusal | null> => {
      try {
        await limiter.consume(key);
        return null;
      } catch (res) {
        if (!(res instanceof RateLimiterRes)) throw res;
        rateLimited.inc({ limit: prefix });
        return { limit: prefix, retryAfterSeconds: Math.max(1, Math.ceil(res.msBeforeNext / 1000)) };
      }
    };
    const count = async (key: string): Promise<Refusal | null> => {
      if (!fallback) return consumed(shared, key);
      if (Date.now() < pausedUntil) return consumed(fallback, key);
      try {
        return await withinStoreTimeout(consumed(shared, key));
      } catch (err) {
        // The first failure of a pause (requests already waiting fail too): the connection may have gone silent when it
        // went unanswered (the hub's deadline, or ioredis's own command timeout), and is made again once.
        if (Date.now() >= pausedUntil) {
          pausedUntil = Date.now() + STORE_PAUSE_MS;
          if (err instanceof StoreTimedOut || (err as Error).message === 'Command timed out') store.stalled?.();
        }
        if (Date.now() - lastWarning > 60_000) {
          lastWarning = Date.now();
          logger.warn({ err: { message: (err as Error).message } }, `rate limits: the ${config.rateLimitStore} store failed; counting in memory`);
        }
        return consumed(fallback, key);
      }
    };
    /** One count taken back, where counts go now (the shared store, or memory while it is paused). */
    const giveBack = async (key: string): Promise<void> => {
      const target = fallback && Date.now() < pausedUntil ? fallback : shared;
      await withinStoreTimeout(target.reward(key, 1)).catch(() => undefined);
    };
    return { count, giveBack };
  }

  const ip = limiter('ip', config.rateLimitPerIp);
  const viewer = limiter('viewer', config.rateLimitPerViewer);
  return {
    byIp: async (address) => (ip ? ip.count(address) : null),
    byViewer: async (v, address) => (viewer ? viewer.count(viewerKey(v, address)) : null),
    giveBack: async (key) => viewer?.giveBack(key),
    close: () => store.close(),
  };
}

/** A Redis URL for a message: its host, port and database, never its password. */
function describeRedis(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '6379'}${u.pathname && u.pathname !== '/' ? u.pathname : ''}`;
  } catch {
    return 'REDIS_URL';
  }
}
