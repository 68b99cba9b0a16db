import 'reflect-metadata';
import crypto from 'node:crypto';
import pg from 'pg';
import { openDatabase } from '../../src/db/data-source';

/**
 * One fresh database per test run: a new database on TEST_DATABASE_URL's server (dropped at the end), or an embedded
 * in-memory PGlite served on a loopback port. Test files reach it through `pg` like any server (LAPHUB_TEST_DB_URL).
 */
export default async function globalSetup(): Promise<void> {
  const server = process.env.TEST_DATABASE_URL;
  let url: string;
  if (server) {
    const name = `laphub_test_${crypto.randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: server });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const u = new URL(server);
    u.pathname = `/${name}`;
    url = u.toString();
    (globalThis as Record<string, unknown>).__laphubDrop = async () => {
      const a = new pg.Client({ connectionString: server });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    };
  } else {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    const db = await PGlite.create();
    const socket = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 16 });
    await socket.start();
    url = `postgres://postgres@${socket.getServerConn()}/postgres`;
    (globalThis as Record<string, unknown>).__laphubDrop = async () => {
      await socket.stop();
      await db.close();
    };
  }
  process.env.LAPHUB_TEST_DB_URL = url;
  process.env.LAPHUB_TEST_DB_KIND = server ? 'postgres' : 'pglite';
  const ds = await openDatabase(url, 1);
  await ds.destroy();
}
