import pino from 'pino';
import type { Config } from './config';

/**
 * Structured logs on stdout; never secrets or tokens. Written synchronously, as Node writes to stdout itself when it is a
 * file or a pipe: a line is out when the call returns (none waits in a buffer for a crash to lose), and each costs one
 * write instead of a hand-off to the thread pool and a wake-up on completion (measured: a tenth of the CPU time of a
 * `{ __typename }` request).
 */
export function createLogger(config: Pick<Config, 'logLevel'>): pino.Logger {
  return pino(
    {
      level: config.logLevel,
      redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'res.headers["set-cookie"]'],
    },
    pino.destination({ dest: 1, sync: true }),
  );
}

/**
 * A report said at most once per `everyMs`: the first at once, the next ones gathered and said with how many came since
 * the line before (the last of them stands for all), the last of a burst said when its second is over. For failures
 * every request meets (the database, the identity provider away), whose line per request would flood the log.
 */
export function onceEvery<T>(say: (last: T, count: number) => void, everyMs = 1000): (item: T) => void {
  let saidAt = 0;
  let pending = 0;
  let last: T | undefined;
  let timer: NodeJS.Timeout | null = null;
  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    if (pending === 0) return;
    saidAt = Date.now();
    const [item, count] = [last as T, pending];
    pending = 0;
    last = undefined;
    say(item, count);
  };
  return (item: T) => {
    pending++;
    last = item;
    const wait = saidAt + everyMs - Date.now();
    if (wait <= 0) flush();
    else timer ??= setTimeout(flush, wait).unref();
  };
}
