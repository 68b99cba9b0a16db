import { Writable } from 'node:stream';
import pino from 'pino';

/** A logger whose lines are kept: parsed (`lines`) and as written (`raw`), for tests that read what the hub logs. */
export function capturingLogger(level = 'info'): { logger: pino.Logger; lines: Array<Record<string, any>>; raw: string[] } {
  const lines: Array<Record<string, any>> = [];
  const raw: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line.trim()) continue;
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { logger: pino({ level }, sink), lines, raw };
}
