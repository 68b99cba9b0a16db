/**
 * A stop asked for (SIGINT, SIGTERM) while the hub's modules are still loading, before `main` can handle it: kept here,
 * and handed to `main`'s handler once it is set (src/main.ts). Imported first by the entry point, so that no signal
 * finds Node's default (the process dying without a line). A second signal before `main` takes over exits at once.
 */
export const earlySignals: { asked: string | null; handler: ((signal: string) => void) | null } = { asked: null, handler: null };

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (earlySignals.handler) return earlySignals.handler(signal);
    if (earlySignals.asked) process.exit(1);
    earlySignals.asked = signal;
  });
}
