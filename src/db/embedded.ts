import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { ConfigError } from '../config';
import { makeFolders } from '../folders';

/**
 * The embedded PostgreSQL: PGlite persisted under the data folder, served through pglite-socket so that the hub reaches
 * it with the same `pg` driver as a real server — on a Unix socket in a folder of mode 0700, never on a TCP port: PGlite
 * has no passwords, so whoever can connect can read everything, and only the hub's own OS user may enter that folder.
 * The database files (`pgdata/`, which PGlite writes world-readable) are kept in a folder of mode 0700 too.
 *
 * PGlite is single-process: two processes opening the same folder corrupt it. A lock file (`hub.lock`: pid and socket
 * folder) guards it. A second process (the token CLI) never opens the folder while the lock is held by a live process;
 * it connects to the holder's socket instead.
 */
export interface EmbeddedDatabase {
  url: string;
  /** Tells other processes (the token CLI) that the database is migrated and loaded. */
  markReady(): void;
  stop(): Promise<void>;
}

interface LockInfo {
  pid: number;
  /** The folder (mode 0700) holding the database's Unix socket; set once it listens. */
  socketDir?: string;
  /** Set once the holder has applied the migrations and loaded its data: other processes may read then. */
  ready?: boolean;
  /**
   * When the holder process started (Linux: /proc/<pid>/stat, in clock ticks since boot): a lock whose pid now belongs
   * to a process that started at another time was left by a process that died, and its pid was given to another.
   */
  started?: string;
  /** Who holds it: the hub, or a command that opens the folder for a moment (`npm run token` with no hub running). */
  role?: 'hub' | 'command';
}

const lockName = 'hub.lock';
/** The socket's file name: `pg`, like libpq, connects to `<host folder>/.s.PGSQL.<port>`, and the port is 5432. */
const socketFile = '.s.PGSQL.5432';
/** The longest Unix socket path every platform takes (`sun_path` is 108 bytes on Linux, 104 on macOS, NUL included). */
const maxSocketPath = 103;

/** The `pg` connection URL of an embedded database listening in `socketDir`. */
/** Where the embedded database's files are kept in a data folder. */
function pgdataOf(dataDir: string): string {
  return path.join(path.resolve(dataDir), 'pgdata');
}

/** Whether a data folder holds an embedded database already (a hub or a command has made one there). */
export function holdsDatabase(dataDir: string): boolean {
  return fs.existsSync(pgdataOf(dataDir));
}

export function embeddedUrl(socketDir: string): string {
  return `postgres:///postgres?host=${encodeURIComponent(socketDir)}&user=postgres`;
}

/** Makes `dir` a folder of mode 0700 owned by this process's user, or refuses to go on. */
function privateDir(dir: string): void {
  try {
    makeFolders(dir, 0o700);
    const stat = fs.lstatSync(dir);
    if (!stat.isDirectory() || (process.getuid && stat.uid !== process.getuid())) {
      throw Object.assign(new Error(), { code: 'not a folder of this user' });
    }
    fs.chmodSync(dir, 0o700);
  } catch (err) {
    throw new ConfigError(`cannot make ${dir} a private folder (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

export function ensureWritableDir(dir: string): void {
  try {
    // A new data folder is the hub's alone; an existing one keeps its mode (its database parts are made private below).
    makeFolders(dir, 0o700);
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

/** When process `pid` started (field 22 of /proc/<pid>/stat), or null where that cannot be read. */
function processStarted(pid: number): string | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
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
  // The pid lives, but it is another process than the one that took the lock (the holder died; the pid was reused).
  if (info.started !== undefined) {
    const started = processStarted(info.pid);
    if (started !== null && started !== info.started) return null;
  }
  return info;
}

/**
 * Opens the embedded database in `dataDir`, holding its lock. `role`: the hub, or a command that holds the folder
 * only for a moment (`npm run token` while no hub runs); a hub that finds such a command there waits for it (up to
 * 30 s) instead of refusing to start.
 */
export async function startEmbedded(dataDir: string, role: 'hub' | 'command' = 'hub'): Promise<EmbeddedDatabase> {
  ensureWritableDir(dataDir);
  const lockPath = path.join(dataDir, lockName);
  let holder = readLiveLock(dataDir);
  for (let waited = 0; holder?.role === 'command' && role === 'hub' && waited < 30_000; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    holder = readLiveLock(dataDir);
  }
  if (holder) {
    throw new ConfigError(`the embedded database in ${dataDir} is in use by process ${holder.pid}; stop it or set DATA_DIR`);
  }
  const own = { pid: process.pid, started: processStarted(process.pid) ?? undefined, role };
  // Claim the folder before opening it; the socket folder is filled in once the socket listens.
  fs.writeFileSync(lockPath, JSON.stringify(own));
  let db: PGlite | undefined;
  let socketDir: string | undefined;
  let temporarySocketDir = false;
  try {
    const pgdata = pgdataOf(dataDir);
    privateDir(pgdata);
    // Loaded here, not at the top: the token CLI reads the lock through this module without ever opening a database.
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    const { PGLiteSocketServer } = require('@electric-sql/pglite-socket') as typeof import('@electric-sql/pglite-socket');
    /* eslint-enable @typescript-eslint/no-require-imports */
    db = await PGlite.create(pgdata);
    // The socket lives in the data folder; where that path is too long for a Unix socket, in a private temporary folder.
    socketDir = path.join(path.resolve(dataDir), 'socket');
    if (Buffer.byteLength(path.join(socketDir, socketFile)) > maxSocketPath) {
      socketDir = fs.mkdtempSync(path.join(os.tmpdir(), 'laphub-db-'));
      temporarySocketDir = true;
    }
    privateDir(socketDir);
    const socketPath = path.join(socketDir, socketFile);
    // We hold the lock: a socket file left there belongs to a hub that was killed.
    fs.rmSync(socketPath, { force: true });
    // Connections are multiplexed onto PGlite's single session transaction by transaction.
    const server = new PGLiteSocketServer({ db, path: socketPath, maxConnections: 8 });
    await server.start();
    fs.writeFileSync(lockPath, JSON.stringify({ ...own, socketDir }));
    let stopped = false;
    return {
      url: embeddedUrl(socketDir),
      markReady() {
        fs.writeFileSync(lockPath, JSON.stringify({ ...own, socketDir, ready: true }));
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        await db!.close();
        fs.rmSync(temporarySocketDir ? socketDir! : socketPath, { recursive: true, force: true });
        fs.rmSync(lockPath, { force: true });
      },
    };
  } catch (err) {
    if (db) await db.close().catch(() => undefined);
    if (temporarySocketDir) fs.rmSync(socketDir!, { recursive: true, force: true });
    fs.rmSync(lockPath, { force: true });
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot open the embedded database in ${dataDir}: ${(err as Error).message}`);
  }
}
