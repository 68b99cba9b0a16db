import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { embeddedUrl } from '../../src/db/embedded';

/**
 * The embedded database is the hub's alone (ENGINEERING "Errors and production defaults"): PGlite has no passwords, so
 * it is served on a Unix socket in a folder of mode 0700 — never on a TCP port — and its files sit in a folder of mode
 * 0700, so that no other OS user can connect or read them.
 *
 * PGlite cannot be created inside a jest test file (its dynamic import needs --experimental-vm-modules in jest's VM),
 * so `startEmbedded` runs in a child Node process, exactly as the hub calls it, with src/ compiled on the fly by
 * TypeScript's transpiler. It prints "ready" once the database is open and marked ready, and stops when its stdin ends.
 */

const root = path.resolve(__dirname, '..', '..');

const holderScript = `
const fs = require('node:fs');
const ts = require('typescript');
require.extensions['.ts'] = (module, file) => module._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), {
  fileName: file,
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
}).outputText, file);
const { startEmbedded } = require(${JSON.stringify(path.join(root, 'src', 'db', 'embedded.ts'))});
startEmbedded(process.argv[1], process.argv[2] || 'hub').then((db) => {
  db.markReady();
  process.stdin.on('end', () => db.stop().then(() => process.exit(0)));
  process.stdin.resume();
  process.stdout.write('ready\\n');
}, (err) => {
  process.stderr.write(String(err && err.message) + '\\n');
  process.exit(1);
});`;

interface Holder {
  child: ChildProcess;
  stop(): Promise<number | null>;
}

/** Opens the embedded database in `dataDir` in a child process, as the hub does; resolves once it is ready. */
function holdEmbedded(dataDir: string, role: 'hub' | 'command' = 'hub'): Promise<Holder> {
  const child = spawn(process.execPath, ['-e', holderScript, dataDir, role], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('ready\n')) {
        resolve({
          child,
          stop() {
            child.stdin!.end();
            return exited;
          },
        });
      }
    });
    void exited.then((code) => reject(new Error(`the embedded database did not start (exit ${code}): ${stderr}`)));
  });
}

/** The TCP sockets process `pid` listens on (local addresses, hex as in /proc/net/tcp). */
function tcpListeners(pid: number): string[] {
  const inodes = new Set<string>();
  for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
      if (m) inodes.add(m[1]);
    } catch {
      // closed meanwhile
    }
  }
  const listening: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!fs.existsSync(table)) continue;
    for (const line of fs.readFileSync(table, 'utf8').trim().split('\n').slice(1)) {
      // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode …
      const f = line.trim().split(/\s+/);
      if (f[3] === '0A' && inodes.has(f[9])) listening.push(f[1]);
    }
  }
  return listening;
}

const mode = (p: string) => fs.statSync(p).mode & 0o777;

/** Runs a connection attempt to a Unix socket as the OS user `nobody`; answers "connected" or the error code. */
function connectAsNobody(socketPath: string): string {
  const probe = `require('node:net').connect(${JSON.stringify(socketPath)})
    .on('connect', () => { process.stdout.write('connected'); process.exit(0); })
    .on('error', (e) => { process.stdout.write(e.code); process.exit(0); });`;
  return execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', probe], { cwd: '/', encoding: 'utf8' });
}

const canSwitchUser = process.getuid?.() === 0 && fs.existsSync('/usr/sbin/runuser');

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'laphub-embedded-test-'));
  // Open to everyone, like a data folder made with the usual umask, so that only the hub's own folders keep others out.
  fs.chmodSync(tmp, 0o755);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the control: tcpListeners sees a TCP server of this process', async () => {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const port = (server.address() as net.AddressInfo).port;
    expect(tcpListeners(process.pid)).toContain(`0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

(canSwitchUser ? test : test.skip)('the control: nobody can connect to a Unix socket that is open to everyone', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'open-'));
  fs.chmodSync(dir, 0o755);
  const socketPath = path.join(dir, 'open.sock');
  const server = net.createServer((c) => c.end());
  await new Promise<void>((resolve) => server.listen(socketPath, resolve));
  try {
    fs.chmodSync(socketPath, 0o777);
    expect(connectAsNobody(socketPath)).toBe('connected');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
});

describe('a data folder as npm start opens it', () => {
  let dataDir: string;
  let holder: Holder;
  beforeAll(async () => {
    dataDir = path.join(tmp, 'data');
    fs.mkdirSync(dataDir, { mode: 0o755 });
    fs.chmodSync(dataDir, 0o755);
    holder = await holdEmbedded(dataDir);
  });
  afterAll(async () => {
    if (holder) await holder.stop();
  });

  test('the lock file names the process and a socket folder, and no TCP port', () => {
    const lock = JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.lock'), 'utf8'));
    expect(lock).toEqual({ pid: holder.child.pid, started: expect.stringMatching(/^\d+$/), role: 'hub', socketDir: path.join(dataDir, 'socket'), ready: true });
  });

  test('the process listens on no TCP port', () => {
    expect(tcpListeners(holder.child.pid!)).toEqual([]);
  });

  test('the socket and the database files are in folders of mode 0700', () => {
    const socketDir = path.join(dataDir, 'socket');
    expect(fs.statSync(path.join(socketDir, '.s.PGSQL.5432')).isSocket()).toBe(true);
    expect({ socket: mode(socketDir), pgdata: mode(path.join(dataDir, 'pgdata')) }).toEqual({ socket: 0o700, pgdata: 0o700 });
  });

  test('the hub’s own user connects through the socket (as the token CLI does)', async () => {
    const client = new pg.Client({ connectionString: embeddedUrl(path.join(dataDir, 'socket')) });
    await client.connect();
    try {
      expect((await client.query(`SELECT 1 + 1 AS two`)).rows).toEqual([{ two: 2 }]);
    } finally {
      await client.end();
    }
  });

  (canSwitchUser ? test : test.skip)('another OS user cannot connect, nor read the database files', () => {
    expect(connectAsNobody(path.join(dataDir, 'socket', '.s.PGSQL.5432'))).toBe('EACCES');
    const read = `try { require('node:fs').readFileSync(${JSON.stringify(path.join(dataDir, 'pgdata', 'PG_VERSION'))}); process.stdout.write('read'); }
      catch (e) { process.stdout.write(e.code); }`;
    expect(execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', read], { cwd: '/', encoding: 'utf8' })).toBe('EACCES');
  });

  test('a second holder of the same folder is refused while the first runs', async () => {
    await expect(holdEmbedded(dataDir)).rejects.toThrow(`the embedded database in ${dataDir} is in use by process ${holder.child.pid}`);
  });

  test('stopping removes the socket and the lock', async () => {
    const code = await holder.stop();
    holder = undefined as unknown as Holder;
    expect({
      code,
      lock: fs.existsSync(path.join(dataDir, 'hub.lock')),
      socket: fs.existsSync(path.join(dataDir, 'socket', '.s.PGSQL.5432')),
    }).toEqual({ code: 0, lock: false, socket: false });
  });
});

test('a data folder whose socket path would be too long: the socket goes to a private temporary folder, removed at the end', async () => {
  const dataDir = path.join(tmp, 'a-data-folder-with-a-long-name-'.padEnd(110, 'x'));
  fs.mkdirSync(dataDir, { mode: 0o755 });
  const holder = await holdEmbedded(dataDir);
  let socketDir: string;
  try {
    socketDir = JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.lock'), 'utf8')).socketDir;
    expect(path.dirname(socketDir)).toBe(os.tmpdir());
    expect(path.basename(socketDir)).toMatch(/^laphub-db-/);
    expect(mode(socketDir)).toBe(0o700);
    expect(tcpListeners(holder.child.pid!)).toEqual([]);
    const client = new pg.Client({ connectionString: embeddedUrl(socketDir) });
    await client.connect();
    await client.end();
  } finally {
    expect(await holder.stop()).toBe(0);
  }
  expect(fs.existsSync(socketDir)).toBe(false);
});

describe('a lock that is not what it seems', () => {
  test('a lock whose pid now belongs to another process (the holder died, the pid was reused) does not block; one of a live holder does', async () => {
    const dataDir = path.join(tmp, 'reused-pid');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    const other = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      // The lock names a live process, but one that started at another moment than the lock's holder did.
      fs.writeFileSync(path.join(dataDir, 'hub.lock'), JSON.stringify({ pid: other.pid, started: '1', role: 'hub', ready: true }));
      const holder = await holdEmbedded(dataDir);
      expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.lock'), 'utf8')).pid).toBe(holder.child.pid);
      expect(await holder.stop()).toBe(0);
      // The same process named with its true start time (or a lock of an older hub, without one) is a live holder.
      const started = fs.readFileSync(`/proc/${other.pid}/stat`, 'utf8').split(') ')[1].split(' ')[19];
      for (const lock of [{ pid: other.pid, started, role: 'hub' }, { pid: other.pid }]) {
        fs.writeFileSync(path.join(dataDir, 'hub.lock'), JSON.stringify(lock));
        await expect(holdEmbedded(dataDir)).rejects.toThrow(`the embedded database in ${dataDir} is in use by process ${other.pid}`);
      }
    } finally {
      other.kill();
    }
  });

  test('a hub that finds a command holding the folder for a moment (npm run token with no hub running) waits for it', async () => {
    const dataDir = path.join(tmp, 'command-holds');
    fs.mkdirSync(dataDir, { mode: 0o700 });
    const command = await holdEmbedded(dataDir, 'command');
    let hubStarted = false;
    const hub = holdEmbedded(dataDir).then((h) => ((hubStarted = true), h));
    await new Promise((r) => setTimeout(r, 1000));
    // Still waiting, not refused: the command holds the folder.
    expect(hubStarted).toBe(false);
    expect(await command.stop()).toBe(0);
    const holder = await hub;
    expect(JSON.parse(fs.readFileSync(path.join(dataDir, 'hub.lock'), 'utf8'))).toMatchObject({ pid: holder.child.pid, role: 'hub', ready: true });
    expect(await holder.stop()).toBe(0);
  });
});
