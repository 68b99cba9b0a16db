import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { describeUrl, openDatabase } from '../src/db/data-source';
import { embeddedUrl, readLiveLock, startEmbedded } from '../src/db/embedded';
import { APPLICATION_NAMES, withApplicationName } from './peer';

/**
 * The benchmark's own fresh database: a new database on BENCH_DATABASE_URL's server (dropped at the end), or an
 * embedded PGlite in a temporary folder that the hub then opens itself, exactly as `npm start` does without
 * DATABASE_URL (removed at the end).
 */
export interface BenchDatabase {
  kind: 'postgres' | 'embedded';
  description: string;
  /** Opens the database for generation (migrations applied); close it before the hub starts. */
  openForGeneration(): Promise<{ ds: DataSource; close(): Promise<void> }>;
  /** What the hub process needs in its environment to find the data. */
  hubEnv: Record<string, string>;
  /** Where the harness-only servers connect, once the hub runs; and how many connections they pool (as the hub does). */
  harnessUrl(): string;
  poolSize: number;
  cleanup(): Promise<void>;
}

/** `prefix`: the new database's name before its random part (the soak script's are laphub_soak_…). */
export async function createBenchDatabase(serverUrl: string | undefined, prefix = 'laphub_bench'): Promise<BenchDatabase> {
  if (serverUrl) return createOnServer(serverUrl, prefix);
  return createEmbedded(prefix);
}

async function createOnServer(serverUrl: string, prefix: string): Promise<BenchDatabase> {
  const name = `${prefix}_${crypto.randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  return {
    kind: 'postgres',
    description: `PostgreSQL, new database ${describeUrl(url)}`,
    async openForGeneration() {
      const ds = await openDatabase(url, 4);
      return { ds, close: () => ds.destroy() };
    },
    // Named, so that the PostGraphile peer phase can find the hub's backends in pg_stat_activity (bench/peer.ts).
    hubEnv: { DATABASE_URL: withApplicationName(url, APPLICATION_NAMES.hub) },
    harnessUrl: () => url,
    // What the hub's own pool holds against a PostgreSQL server (src/db/open.ts).
    poolSize: 10,
    async cleanup() {
      const a = new pg.Client({ connectionString: serverUrl });
      await a.connect();
      try {
        await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await a.end();
      }
    },
  };
}

async function createEmbedded(prefix: string): Promise<BenchDatabase> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix.replace(/_/g, '-')}-`));
  return {
    kind: 'embedded',
    description: 'embedded PGlite in a temporary folder',
    async openForGeneration() {
      const embedded = await startEmbedded(dir);
      try {
        const ds = await openDatabase(embedded.url, 1);
        return {
          ds,
          async close() {
            await ds.destroy();
            await embedded.stop();
          },
        };
      } catch (err) {
        await embedded.stop();
        throw err;
      }
    },
    hubEnv: { DATA_DIR: dir },
    harnessUrl() {
      // The hub holds the folder and serves it on a Unix socket, named in its lock file (src/db/embedded.ts).
      const lock = readLiveLock(dir);
      if (!lock?.socketDir) throw new Error('the hub has not published the socket of its embedded database');
      return embeddedUrl(lock.socketDir);
    },
    // The hub's pool on the embedded database is one connection (src/db/open.ts).
    poolSize: 1,
    async cleanup() {
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
