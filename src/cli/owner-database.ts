import pg from 'pg';
import { Config, ConfigError } from '../config';
import { embeddedUrl, readLiveLock, startEmbedded } from '../db/embedded';

import type { OwnerQuery } from '../db/bootstrap';

/**
 * Runs `fn` on the database this environment names, as its owner (the commands' own writes: `npm run token -- --api-key`,
 * `npm run admin`), and tells it which database that is. `DATABASE_URL`: that server. Otherwise the embedded database
 * in `DATA_DIR`: through the socket of the hub that holds it when one runs (never opened by a second process), else
 * opened here under the same lock, its migrations applied (and no demo network loaded).
 */
export async function withDatabase<T>(config: Config, fn: (query: OwnerQuery, description: string) => Promise<T>): Promise<T> {
  const viaUrl = async (url: string, description: string) => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10000 });
    try {
      await client.connect();
    } catch (err) {
      throw new ConfigError(`cannot reach ${description}: ${(err as Error).message || (err as NodeJS.ErrnoException).code}`);
    }
    try {
      return await fn(async (text, values) => (await client.query(text, values as unknown[])).rows, description);
    } finally {
      await client.end();
    }
  };
  if (config.databaseUrl) return viaUrl(config.databaseUrl, `the database at ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`);
  const holder = readLiveLock(config.dataDir);
  if (holder) {
    if (!holder.ready || !holder.socketDir) throw new ConfigError('the hub is still starting; try again in a moment');
    return viaUrl(embeddedUrl(holder.socketDir), `the embedded database of process ${holder.pid}`);
  }
  /* eslint-disable-next-line @typescript-eslint/no-require-imports */
  const { openDatabase } = require('../db/data-source') as typeof import('../db/data-source');
  const embedded = await startEmbedded(config.dataDir, 'command');
  try {
    const ds = await openDatabase(embedded.url, 1);
    try {
      return await fn((text, values) => ds.query(text, values), `the embedded database in ${config.dataDir}`);
    } finally {
      await ds.destroy();
    }
  } finally {
    await embedded.stop();
  }
}

