import 'reflect-metadata';
import crypto from 'node:crypto';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { migrations } from '../../src/db/migrations';
import { openDatabase, withMigrationLock } from '../../src/db/data-source';
import { isEmpty, loadDemo } from '../../src/db/seed/demo';

/**
 * Instances started at once on one new database (replicas of a deployment): the migrations and the demo network's load
 * run under an advisory lock (src/db/data-source.ts), so every instance starts and the database holds each once.
 * Without it the second failed on objects the first had just made (`relation "migrations" already exists`, then
 * `duplicate key value violates unique constraint "country_pkey"` for the demo). A server only: an embedded database
 * serves one process.
 */
const server = process.env.LAPHUB_TEST_DB_KIND === 'postgres' ? process.env.LAPHUB_TEST_DB_URL : undefined;

(server ? test : test.skip)('three instances opening one new database at once: all start, each migration applied once, the demo loaded once', async () => {
  const name = `laphub_concurrent_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: server });
  await admin.connect();
  const url = new URL(server!);
  url.pathname = `/${name}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const opened: DataSource[] = [];
  try {
    const instances = await Promise.allSettled(
      [0, 1, 2].map(async () => {
        const ds = await openDatabase(url.toString(), 3, true);
        opened.push(ds);
        await withMigrationLock(ds, async () => {
          if (await isEmpty(ds)) await loadDemo(ds);
        });
        return ds;
      }),
    );
    expect(instances.map((i) => i.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    const ds = opened[0];
    expect(await ds.query(`SELECT count(*)::int AS n, count(DISTINCT name)::int AS distinct FROM migrations`)).toEqual([{ n: migrations.length, distinct: migrations.length }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM person`)).toEqual([{ n: 18 }]);
    expect(await ds.query(`SELECT count(*)::int AS n FROM enforcement_case WHERE reference = 'FTC-2004-021'`)).toEqual([{ n: 1 }]);
    // Nothing keeps the lock once they are up.
    expect(
      await ds.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`),
    ).toEqual([{ n: 0 }]);
  } finally {
    for (const ds of opened) await ds.destroy().catch(() => undefined);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
});
