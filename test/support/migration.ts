import 'reflect-metadata';
import type { DataSource, QueryRunner } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';

/**
 * The worker's database as its owner (the role the migrations run as), opened before the file's tests and closed after
 * them: for tests that run a migration's `up` and `down` inside a transaction they roll back.
 */
export function ownerDatabase(): () => DataSource {
  let ds: DataSource | undefined;
  beforeAll(async () => {
    const url = process.env.LAPHUB_TEST_DB_URL;
    if (!url) throw new Error('LAPHUB_TEST_DB_URL is not set: run the tests with jest (globalSetup)');
    ds = await openDatabase(url, 1, process.env.LAPHUB_TEST_DB_KIND !== 'pglite');
  });
  afterAll(async () => {
    await ds?.destroy();
  });
  return () => {
    if (!ds) throw new Error('the database opens before the tests (beforeAll)');
    return ds;
  };
}

/** Runs `fn` in a transaction of its own connection and rolls it back, whatever `fn` did: the database is left as it was. */
export async function rolledBack<T>(ds: DataSource, fn: (q: QueryRunner) => Promise<T>): Promise<T> {
  const q = ds.createQueryRunner();
  await q.connect();
  await q.startTransaction();
  try {
    return await fn(q);
  } finally {
    await q.rollbackTransaction();
    await q.release();
  }
}
