import 'reflect-metadata';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openDatabase } from '../../src/db/data-source';
import { embeddedUrl } from '../../src/db/embedded';

/**
 * One fresh database per test run: a new database on TEST_DATABASE_URL's server (dropped at the end), or an embedded
 * in-memory PGlite served on a Unix socket in a temporary folder of mode 0700, as the hub serves its own. Test files reach it through `pg` like any server (LAPHUB_TEST_DB_URL).
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
    const socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'laphub-test-db-'));
    const socket = new PGLiteSocketServer({ db, path: path.join(socketDir, '.s.PGSQL.5432'), maxConnections: 16 });
    await socket.start();
    url = embeddedUrl(socketDir);
    (globalThis as Record<string, unknown>).__laphubDrop = async () => {
      await socket.stop();
      await db.close();
      fs.rmSync(socketDir, { recursive: true, force: true });
    };
  }
  process.env.LAPHUB_TEST_DB_URL = url;
  process.env.LAPHUB_TEST_DB_KIND = server ? 'postgres' : 'pglite';
  const ds = await openDatabase(url, 1);
  await ds.destroy();
}
