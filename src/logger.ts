import pino from 'pino';
import type { Config } from './config';

/** Structured logs on stdout; never secrets or tokens. */
export function createLogger(config: Pick<Config, 'logLevel'>): pino.Logger {
  return pino({
    level: config.logLevel,
    redact: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'res.headers["set-cookie"]'],
  });
}
