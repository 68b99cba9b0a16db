import type pg from 'pg';
import { loadConfig } from '../../src/config';
import { openConfiguredDatabase, OpenedDatabase } from '../../src/db/open';
import { poolOf } from '../../src/db/viewer-db';
import { TEST_SECRET } from '../support/hub';

/**
 * `DATABASE_POOL_SIZE`: how many connections the hub keeps to a PostgreSQL server (10 by default). On a PostgreSQL server
 * only: the embedded database always has one.
 */
const onServer = process.env.LAPHUB_TEST_DB_KIND !== 'pglite';

(onServer ? describe : describe.skip)('DATABASE_POOL_SIZE', () => {
  const opened: OpenedDatabase[] = [];
  afterAll(async () => {
    for (const db of opened) await db.close();
  });

  async function open(env: Record<string, string>): Promise<OpenedDatabase> {
    const db = await openConfiguredDatabase(loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL!, ...env }));
    opened.push(db);
    return db;
  }

  test('the pool holds at most DATABASE_POOL_SIZE connections: the next request for one waits until one is given back', async () => {
    const db = await open({ DATABASE_POOL_SIZE: '3' });
    const pool = poolOf(db.ds);
    const taken: pg.PoolClient[] = [];
    for (let i = 0; i < 3; i++) taken.push(await pool.connect());
    expect(pool.totalCount).toBe(3);
    let fourth: pg.PoolClient | null = null;
    const waiting = pool.connect().then((c) => (fourth = c));
    await new Promise((resolve) => setImmediate(resolve));
    expect(pool.waitingCount).toBe(1);
    expect(fourth).toBeNull();
    taken.pop()!.release();
    await waiting;
    expect(pool.totalCount).toBe(3);
    expect(pool.waitingCount).toBe(0);
    fourth!.release();
    for (const c of taken) c.release();
  });

  test('10 by default', async () => {
    expect(loadConfig({}).databasePoolSize).toBe(10);
    const db = await open({});
    expect(poolOf(db.ds).options.max).toBe(10);
  });
});
