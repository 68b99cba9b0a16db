import fs from 'node:fs';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { ConfigError } from '../config';

/**
 * The embedded PostgreSQL: PGlite persisted under the data folder, served on a loopback port through
 * pglite-socket so that the hub reaches it with the same `pg` driver as a real server.
 *
 * PGlite is single-process: two processes opening the same folder corrupt it. A lock file (`hub.lock`: pid and port)
 * guards it. A second process (the token CLI) never opens the folder while the lock is held by a live process;
 * it connects to the holder's port instead.
 */
export interface EmbeddedDatabase {
  url: string;
  /** Tells other processes (the token CLI) that the database is migrated and loaded. */
  markReady(): void;
  stop(): Promise<void>;
}

interface LockInfo {
  pid: number;
  port: number;
  /** Set once the holder has applied the migrations and loaded its data: other processes may read then. */
  ready?: boolean;
}

const lockName = 'hub.lock';

export function ensureWritableDir(dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.accessSync(dir, fs.constants.W_OK);
    const probe = path.join(dir, `.write-probe-${process.pid}`);
    fs.writeFileSync(probe, '');
    fs.unlinkSync(probe);
  } catch (err) {
    throw new ConfigError(`DATA_DIR ${dir} is not a writable folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The live holder of the data folder's lock, if any. */
export function readLiveLock(dataDir: string): LockInfo | null {
  let info: LockInfo;
  try {
    info = JSON.parse(fs.readFileSync(path.join(dataDir, lockName), 'utf8')) as LockInfo;
  } catch {
    return null;
  }
  if (!Number.isInteger(info.pid) || info.pid === process.pid || !processAlive(info.pid)) return null;
  return info;
}

export async function startEmbedded(dataDir: string): Promise<EmbeddedDatabase> {
  ensureWritableDir(dataDir);
  const lockPath = path.join(dataDir, lockName);
  const holder = readLiveLock(dataDir);
  if (holder) {
    throw new ConfigError(`the embedded database in ${dataDir} is in use by process ${holder.pid}; stop it or set DATA_DIR`);
  }
  // Claim the folder before opening it; the port is filled in once the socket listens.
  fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, port: 0 }));
  let db: PGlite | undefined;
  try {
    db = await PGlite.create(path.join(dataDir, 'pgdata'));
    // Connections are multiplexed onto PGlite's single session transaction by transaction.
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 8 });
    await server.start();
    // Listening on port 0 picks a free port; the server object does not record which, its net.Server does.
    const address = (server as unknown as { server?: { address(): { port: number } | null } }).server?.address();
    const port = address?.port ?? Number(server.getServerConn().split(':').pop());
    if (!port) throw new Error('the embedded database did not report its port');
    fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, port }));
    let stopped = false;
    return {
      url: `postgres://postgres@127.0.0.1:${port}/postgres`,
      markReady() {
        fs.writeFileSync(lockPath, JSON.stringify({ pid: process.pid, port, ready: true }));
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        await db!.close();
        fs.rmSync(lockPath, { force: true });
      },
    };
  } catch (err) {
    if (db) await db.close().catch(() => undefined);
    fs.rmSync(lockPath, { force: true });
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot open the embedded database in ${dataDir}: ${(err as Error).message}`);
  }
}
