/**
 * A stop asked for (SIGINT, SIGTERM) while the hub's modules are still loading, before `main` can handle it: kept here,
 * and handed to `main`'s handler once it is set (src/main.ts). Imported first by the entry point, so that no signal
 * finds Node's default (the process dying without a line). A second signal before `main` takes over exits at once (one within `SAME_SIGNAL_MS` of the first is that same one).
 */
export const earlySignals: { asked: string | null; handler: ((signal: string) => void) | null } = { asked: null, handler: null };

/**
 * How close behind the first a signal is taken for that same one: one Ctrl-C under `npm start` arrives twice, a few
 * milliseconds apart (the terminal's, sent to the whole process group, and npm's, which forwards the one it got).
 */
export const SAME_SIGNAL_MS = 1000;

/** When the first signal came: one within `SAME_SIGNAL_MS` of it is that same one, whoever handles signals by then. */
let firstAt: number | null = null;

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    const now = Date.now();
    if (firstAt !== null && now - firstAt < SAME_SIGNAL_MS) return;
    firstAt ??= now;
    if (earlySignals.handler) return earlySignals.handler(signal);
    if (earlySignals.asked) process.exit(1);
    earlySignals.asked = signal;
  });
}
