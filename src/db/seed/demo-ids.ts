import crypto from 'node:crypto';

/** Stable ids for the demo rows, so that links and examples stay the same on every machine. */
export function demoId(key: string): string {
  const h = crypto.createHash('sha256').update(`lap-hub-demo:${key}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
