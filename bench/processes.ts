import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { startScriptNodeArgs as startOptions } from '../src/cli/start-options';

/**
 * Processes of the harnesses (`npm run bench`, `npm run soak`): servers started in a clean environment on a free
 * loopback port and waited for on /healthz, stopped with SIGTERM (SIGKILL after 20 s), their memory sampled.
 */

const root = path.resolve(__dirname, '..', '..');

export interface Server {
  name: string;
  base: string;
  child: ChildProcess;
  logPath: string;
  exited: Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export function tail(file: string, lines = 15): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** A line of the goals table a phase adds (bench/run.ts prints them). */
export interface GoalRow {
  id: string;
  what: string;
  goal: string;
  figure: string;
  pass: boolean;
}

/** Starts `node [nodeArgs] script` with exactly `env` (plus PATH, HOME, PORT, HOST) and waits until `health` answers 200. */
export async function startServer(
  name: string,
  script: string,
  env: Record<string, string>,
  logDir: string,
  nodeArgs: string[] = [],
  health = '/healthz',
): Promise<Server> {
  const port = await freePort();
  const logPath = path.join(logDir, `${name}.log`);
  const out = fs.openSync(logPath, 'w');
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, script)], {
    cwd: root,
    // A clean environment: only what the server is given here, never the caller's DATABASE_URL or secrets.
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', TMPDIR: os.tmpdir(), ...env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (dead) throw new Error(`the ${name} server exited during start-up:\n${tail(logPath)}`);
    try {
      const res = await fetch(`${base}${health}`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      // Not left running after the bench: the caller never gets it to stop.
      child.kill('SIGKILL');
      throw new Error(`the ${name} server did not answer ${health} within 120 s:\n${tail(logPath)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return { name, base, child, logPath, exited };
}

export async function stopServer(s: Server): Promise<void> {
  if (s.child.exitCode !== null || s.child.signalCode !== null) return;
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 20_000);
  await s.exited;
  clearTimeout(timer);
}

/** Peak resident memory of a process: the kernel's high-water mark, and the largest VmRSS seen by sampling. */
export class RssSampler {
  private maxRss = 0;
  private readonly timer: NodeJS.Timeout;
  /** The phase the samples are taken in (`phase`), and the highest sample of each phase so far, in the order begun. */
  private current = 'start';
  private readonly byPhase = new Map<string, number>();
  constructor(private readonly pid: number) {
    this.timer = setInterval(() => this.sample(), 200);
    this.timer.unref();
  }
  private read(field: 'VmRSS' | 'VmHWM'): number {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch {
      return 0;
    }
  }
  sample(): void {
    const rss = this.read('VmRSS');
    this.maxRss = Math.max(this.maxRss, rss);
    this.byPhase.set(this.current, Math.max(this.byPhase.get(this.current) ?? 0, rss));
  }
  /** From now on, samples count for `name` (a phase named again adds to its own peak). */
  phase(name: string): void {
    this.sample();
    this.current = name;
  }
  /** Bytes; read before the process exits. */
  peak(): number {
    this.sample();
    return Math.max(this.maxRss, this.read('VmHWM'));
  }
  /**
   * The highest RSS sampled in each phase, in bytes (every 200 ms and at each change of phase): where the peak was.
   * `peak` can be higher than every one of them — the kernel's high-water mark catches what falls between samples.
   */
  phasePeaks(): Array<{ phase: string; bytes: number }> {
    this.sample();
    return [...this.byPhase].map(([phase, bytes]) => ({ phase, bytes }));
  }
  stop(): void {
    clearInterval(this.timer);
  }
}

/** The node options of the `start` script in package.json (`[exec] node <options> dist/src/main.js`). */
export function startScriptNodeArgs(): string[] {
  return startOptions(root);
}
