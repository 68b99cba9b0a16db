import pino from 'pino';
import type { Config } from './config';

/** Structured logs on stdout; never secrets or tokens. */
export function createLogger(config: Pick<Config, 'nodeEnv'>): pino.Logger {
  return pino({
    level: process.env.LOG_LEVEL ?? (config.nodeEnv === 'test' ? 'silent' : 'info'),
    redact: ['req.headers.authorization', 'headers.authorization'],
  });
}
