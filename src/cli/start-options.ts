import fs from 'node:fs';
import path from 'node:path';

/**
 * Set (to `1`) in the environment of a hub that `npm run gateway` starts and stops: the hub also stops when that
 * gateway's IPC channel closes (src/early-signals.ts).
 */
export const STOP_WITH_PARENT = 'LAPHUB_STOP_WITH_PARENT';

/**
 * How close behind the first a stop signal is taken for that same one: one Ctrl-C under npm arrives twice, a few
 * milliseconds apart (the terminal's, sent to the whole process group, and npm's, which forwards the one it got).
 */
export const SAME_SIGNAL_MS = 1000;

/**
 * The node options of `npm start` (package.json's start script, `exec node <options> dist/src/main.js`), so that a hub
 * started by another command (`npm run gateway`, the bench, the soak) runs as `npm start` runs it.
 */
export function startScriptNodeArgs(root: string): string[] {
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  const m = /^(?:exec\s+)?node\s+(.*?)\s*dist\/src\/main\.js$/.exec(pkg.scripts.start.trim());
  if (!m) throw new Error(`cannot read the node options of the start script: ${pkg.scripts.start}`);
  return m[1].split(/\s+/).filter(Boolean);
}
