import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';

declare module 'http' {
  interface IncomingMessage {
    /** The request id (X-Request-Id), set by the access log before anything else runs. */
    id: string;
    /** The request's logger: its lines carry the request (`req.id`, method, path) and the client address. */
    log: Logger;
  }
}

/** What the GraphQL layer learned about a request, for its access-log line and its metrics. */
export interface RequestFacts {
  /** `query` or `mutation` once known. */
  type?: string;
  operation?: string;
  /** `ok`, or the code of the answer's first error. */
  outcome?: string;
  viewer?: { kind: string; person: string | null; organization: string | null };
}

/** The facts of a request, filled in by the GraphQL plugin and read when the response is logged. */
export function factsOf(req: IncomingMessage): RequestFacts {
  const r = req as IncomingMessage & { lapHub?: RequestFacts };
  r.lapHub ??= {};
  return r.lapHub;
}

/** The outcome of a request that ended before the GraphQL layer ran (its context could not be built), by status. */
export function outcomeOfStatus(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 429) return 'RATE_LIMITED';
  if (status >= 500) return 'INTERNAL_SERVER_ERROR';
  if (status >= 400) return 'BAD_REQUEST';
  return 'ok';
}

/** A request id a client or proxy sent (`X-Request-Id`) is kept when it is short and plain; otherwise a new UUID. */
const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The logger of the request an error arose in (its lines carry the request id), noted where the request is at hand. */
const loggerOfError = new WeakMap<object, Logger>();

/** Notes that `error` arose in the request whose logger is `log` (for the error formatter, which has no request). */
export function noteErrorRequest(error: unknown, log: Logger | undefined): void {
  if (log && typeof error === 'object' && error !== null) loggerOfError.set(error, log);
}

/** The logger of the request `error` (or an error it wraps) arose in, or `fallback`. */
export function requestLoggerOf(error: unknown, fallback: Logger): Logger {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { originalError?: unknown }).originalError, depth++) {
    const log = loggerOfError.get(e);
    if (log) return log;
  }
  return fallback;
}

/** Routes whose every request is not worth a log line: probes and scrapes. */
const quiet = new Set(['/healthz', '/readyz', '/metrics']);

/** A request as its log lines show it: never the query string (a GET query's text, anything a client put there). */
function describeRequest(req: IncomingMessage & { id: string }) {
  return {
    id: req.id,
    method: req.method,
    path: (req.url ?? '').split('?')[0],
    remoteAddress: req.socket?.remoteAddress,
    userAgent: req.headers['user-agent'],
  };
}

type LoggedRequest = IncomingMessage & { ip?: string; lapHub?: RequestFacts };

/**
 * The access log: one line per request with its id, method, path, status, time, and for GraphQL the operation, its
 * outcome and the viewer (kind, person, organization — never the token). The id is echoed in the `X-Request-Id`
 * response header and is on every line logged while the request is handled (`req.log`, a child logger made the first
 * time something logs: most requests log nothing but their access line, written once when the response ends).
 */
export function accessLog(logger: Logger) {
  return function accessLogMiddleware(request: IncomingMessage, res: ServerResponse, next: () => void): void {
    const req = request as LoggedRequest;
    const started = Date.now();
    const sent = req.headers['x-request-id'];
    req.id = typeof sent === 'string' && acceptableId.test(sent) ? sent : randomUUID();
    res.setHeader('x-request-id', req.id);
    let child: Logger | undefined;
    Object.defineProperty(req, 'log', {
      configurable: true,
      enumerable: false,
      // Express's client address: the socket's peer, or with TRUST_PROXY the address the trusted proxies name.
      get: () => (child ??= logger.child({ req: describeRequest(req), clientIp: req.ip })),
    });
    if (quiet.has((req.url ?? '').split('?')[0])) return next();

    let logged = false;
    const done = () => {
      if (logged) return;
      logged = true;
      const status = res.statusCode;
      const facts = req.lapHub;
      const line: Record<string, unknown> = { req: describeRequest(req), clientIp: req.ip, res: { statusCode: status }, responseTime: Date.now() - started };
      if (facts) {
        // A response never finished: the client closed its connection first (the status is then the default, never sent).
        const outcome = !res.writableFinished ? 'CLIENT_CLOSED_REQUEST' : facts.outcome ?? outcomeOfStatus(status);
        line.graphql = { type: facts.type, operation: facts.operation, outcome };
        line.viewer = facts.viewer;
      }
      const msg = `${req.method} ${(req.url ?? '').split('?')[0]} ${status}`;
      if (status >= 500) logger.error({ ...line, err: new Error(`failed with status code ${status}`) }, msg);
      else if (status === 429) logger.warn(line, msg);
      else logger.info(line, msg);
    };
    res.once('finish', done);
    res.once('close', done);
    next();
  };
}
