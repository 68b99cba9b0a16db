import { SAME_SIGNAL_MS, STOP_WITH_PARENT } from './cli/start-options';

/**
 * A stop asked for (SIGINT, SIGTERM, SIGHUP) while the hub's modules are still loading, before `main` can handle it: kept here,
 * and handed to `main`'s handler once it is set (src/main.ts). Imported first by the entry point, so that no signal
 * finds Node's default (the process dying without a line). A second signal before `main` takes over exits at once (one within `SAME_SIGNAL_MS` of the first is that same one).
 */
export const earlySignals: { asked: string | null; handler: ((signal: string) => void) | null } = { asked: null, handler: null };


/** When the first signal came: one within `SAME_SIGNAL_MS` of it is that same one, whoever handles signals by then. */
let firstAt: number | null = null;

/** A stop asked for by `signal` (or by the supervising gateway going away): to `main`'s handler, or kept for it. */
function asked(signal: string): void {
  const now = Date.now();
  if (firstAt !== null && now - firstAt < SAME_SIGNAL_MS) return;
  firstAt ??= now;
  if (earlySignals.handler) return earlySignals.handler(signal);
  if (earlySignals.asked) process.exit(1);
  earlySignals.asked = signal;
}

// SIGHUP too: what a hub started in a terminal gets when its terminal or ssh session closes. It stops as for SIGTERM,
// draining what is under way (Node's default was to die at once, as with kill -9).
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => asked(signal));

/**
 * Started by `npm run gateway` (src/cli/gateway.ts), which stops the hub itself once the gateway has answered what it
 * took: the hub runs in a process group of its own, out of reach of the terminal's Ctrl-C, and stops when the gateway
 * asks (SIGTERM) — or when the gateway is gone (its IPC channel closed: killed with -9, say), so that no hub is left
 * running without it.
 */
if (process.env[STOP_WITH_PARENT] === '1' && process.channel) {
  process.channel.unref();
  process.once('disconnect', () => asked('the gateway that started the hub is gone'));
}
