import 'reflect-metadata';
import crypto from 'node:crypto';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import pg from 'pg';
import { openDatabase } from '../../src/db/data-source';

/**
 * Fresh databases for a test run, one per jest worker, so that test files run in parallel without seeing each other's
 * rows: each file starts from the demo network it loads (startTestHub) and resets what it changes, within its
 * worker's database.
 *
 * - TEST_DATABASE_URL set: a migrated template database on that server, and one `CREATE DATABASE … TEMPLATE` copy of
 *   it per worker (the migrations run once). All of them are dropped at the end.
 * - unset: one embedded in-memory PGlite per worker, each in a worker thread of its own served on a loopback port
 *   (test/support/pglite-server.mjs), migrated in parallel.
 *
 * Worker n reaches its database as LAPHUB_TEST_DB_URL (test/support/worker-database.ts picks LAPHUB_TEST_DB_URL_<n>),
 * through `pg` like any server.
 */
export default async function globalSetup(globalConfig: { maxWorkers?: number }): Promise<void> {
  const workers = Math.max(1, globalConfig.maxWorkers ?? 1);
  const server = process.env.TEST_DATABASE_URL;
  const urls = server ? await serverDatabases(server, workers) : await embeddedDatabases(workers);
  urls.forEach((url, i) => {
    process.env[`LAPHUB_TEST_DB_URL_${i + 1}`] = url;
  });
  process.env.LAPHUB_TEST_DB_KIND = server ? 'postgres' : 'pglite';
}

function setDrop(drop: () => Promise<void>): void {
  (globalThis as Record<string, unknown>).__laphubDrop = drop;
}

async function admin<T>(server: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: server });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function serverDatabases(server: string, workers: number): Promise<string[]> {
  const run = `laphub_test_${crypto.randomBytes(6).toString('hex')}`;
  const template = `${run}_template`;
  const names = Array.from({ length: workers }, (_, i) => `${run}_${i + 1}`);
  const urlOf = (name: string) => {
    const u = new URL(server);
    u.pathname = `/${name}`;
    return u.toString();
  };
  setDrop(() =>
    admin(server, async (c) => {
      for (const name of [...names, template]) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }),
  );
  await admin(server, (c) => c.query(`CREATE DATABASE ${template}`));
  const ds = await openDatabase(urlOf(template), 1);
  await ds.destroy();
  // A template may have no other session while it is copied: one after another, on one admin connection. A test
  // database need not wait for the disk at each commit (every request and every reset commits): these databases only.
  await admin(server, async (c) => {
    for (const name of names) {
      await c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`);
      await c.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
    }
  });
  return names.map(urlOf);
}

async function embeddedDatabases(workers: number): Promise<string[]> {
  const threads: Worker[] = [];
  setDrop(async () => {
    await Promise.all(
      threads.map(
        (t) =>
          new Promise<void>((resolve) => {
            t.once('exit', () => resolve());
            t.once('message', () => void t.terminate());
            t.postMessage('stop');
          }),
      ),
    );
  });
  return Promise.all(
    Array.from({ length: workers }, async () => {
      const thread = new Worker(path.join(__dirname, 'pglite-server.mjs'));
      threads.push(thread);
      const conn = await new Promise<string>((resolve, reject) => {
        thread.once('message', (m: { conn: string }) => resolve(m.conn));
        thread.once('error', reject);
      });
      const url = `postgres://postgres@${conn}/postgres`;
      const ds = await openDatabase(url, 1);
      await ds.destroy();
      return url;
    }),
  );
}
