import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { pinoHttp, HttpLogger } from 'pino-http';

/** What the GraphQL layer learned about a request, for its access-log line and its metrics. */
export interface RequestFacts {
  /** `query` or `mutation` once known. */
  type?: string;
  /** A stopping hub's grace ended with the request under way: answered 503 (or its connection cut), rolled back. */
  cutAtStop?: boolean;
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

/**
 * Whether Node answered this request `408 Request Timeout` itself (its client still sending it after
 * REQUEST_TIMEOUT_MS) and closed its connection: the steps reading its body then fail on the closed connection.
 */
export function timedOut(req: IncomingMessage): boolean {
  return (req.socket as { errored?: { code?: unknown } | null } | null)?.errored?.code === 'ERR_HTTP_REQUEST_TIMEOUT';
}

/** The outcome of a request that ended before the GraphQL layer ran (its context could not be built), by status. */
export function outcomeOfStatus(status: number): string {
  if (status === 401) return 'UNAUTHENTICATED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 429) return 'RATE_LIMITED';
  if (status === 503) return 'SERVICE_UNAVAILABLE';
  if (status >= 500) return 'INTERNAL_SERVER_ERROR';
  if (status >= 400) return 'BAD_REQUEST';
  return 'ok';
}

/**
 * A request id a client or proxy sent (`X-Request-Id`) is kept when it is short and plain; otherwise a new UUID. The
 * gateway holds a client's id to the same rule (src/federation/gateway.ts), so the id it answers is the hub's too.
 */
export const acceptableId = /^[A-Za-z0-9._:-]{1,128}$/;

/** The logger of the request an error arose in (its lines carry the request id), noted where the request is at hand. */
const loggerOfError = new WeakMap<object, Logger | (() => Logger)>();

/**
 * Notes that `error` arose in the request whose logger is `log` (for the error formatter, which has no request): the
 * logger, or the function that gives it (`requestLog`, made only if the error is logged).
 */
export function noteErrorRequest(error: unknown, log: Logger | (() => Logger) | undefined): void {
  if (log && typeof error === 'object' && error !== null) loggerOfError.set(error, log);
}

/** The logger of the request `error` (or an error it wraps) arose in, or `fallback`. */
export function requestLoggerOf(error: unknown, fallback: Logger): Logger {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { originalError?: unknown }).originalError, depth++) {
    const log = loggerOfError.get(e);
    if (log) return typeof log === 'function' ? log() : log;
  }
  return fallback;
}

/** The client's address of each request, as the access log read it when the request arrived. */
const clientAddress = new WeakMap<IncomingMessage, string | undefined>();
/** The loggers `requestLog` made, by request. */
const boundLoggers = new WeakMap<IncomingMessage, Logger>();

/**
 * The logger of a request the access log has seen (undefined for any other): its lines carry the request (its id,
 * method, path) and the client's address, as the access line does. Made the first time it is asked for, which most
 * requests never do (they log nothing but their access line). pino-http made one for every request (`customProps`):
 * a few per cent of the hub's CPU per case detail, measured side by side (bench/README.md, 7 December).
 */
export function requestLog(req: IncomingMessage): Logger | undefined {
  let log = boundLoggers.get(req);
  if (log) return log;
  const base = (req as IncomingMessage & { log?: Logger }).log;
  if (!base || !clientAddress.has(req)) return base;
  log = base.child({ clientIp: clientAddress.get(req) });
  boundLoggers.set(req, log);
  return log;
}

/**
 * Answers whose headers were written after the client's connection had closed (or was ending): nothing of them reached
 * the client. A body the client stopped sending part way is refused by the body parser (400, or 413 for one declared
 * over the limit) once its connection has closed: written to a closed socket, that status was never an answer.
 */
const unheard = new WeakSet<ServerResponse>();

/** Notes, when `res`'s headers are written, whether the client's connection was still open to take them. */
function noteUnheard(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (req.socket && !req.socket.writable) unheard.add(res);
    return writeHead.apply(this, args);
  } as typeof writeHead;
}

/**
 * Whether the client closed its connection before any answer reached it: none was sent, or the one sent was written
 * after the connection had closed. Not a request Node answered 408 itself (`timedOut`): that answer was sent.
 */
function closedBeforeAnswer(req: IncomingMessage, res: ServerResponse): boolean {
  if (timedOut(req)) return false;
  return res.headersSent ? unheard.has(res) : !res.writableFinished;
}

/**
 * A GraphQL request's outcome as its access line and its metrics give it. A response never finished, or written when
 * its connection had closed: the client closed its connection first (the status is then the default, never sent, or
 * one nobody received), unless Node answered it 408 itself (`timedOut`).
 */
export function outcomeOf(req: IncomingMessage, res: ServerResponse): string {
  const facts = factsOf(req);
  return facts.cutAtStop
    ? 'CUT_AT_STOP'
    : facts.outcome === 'REQUEST_TIMEOUT'
      ? facts.outcome
      : !res.writableFinished || closedBeforeAnswer(req, res)
        ? 'CLIENT_CLOSED_REQUEST'
        : facts.outcome ?? outcomeOfStatus(res.statusCode);
}

/**
 * Calls `ended` once, when a request has ended: answered, or its connection closed before (a client gone, a body
 * timed out) — with the status its access line gives (`loggedStatus`: 499 for a client gone). A request whose
 * connection closed first is counted once its error path has run (the body parser's failure sets a 408 then), on the
 * next turn. Counting on `finish` alone left every such request out of the metrics.
 */
export function whenEnded(req: IncomingMessage, res: ServerResponse, ended: (status: number) => void): void {
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    ended(endedStatus(req, res));
  };
  res.once('finish', end);
  res.once('close', () => setImmediate(end));
}

/** A request's facts if it has any (its access line then has a GraphQL part), without making them. */
export function graphqlFactsOf(req: IncomingMessage): RequestFacts | undefined {
  return (req as IncomingMessage & { lapHub?: RequestFacts }).lapHub;
}

/** The GraphQL part of an access line. */
interface LineGraphql {
  type?: string;
  operation?: string;
  outcome: string;
}

/**
 * What a request's access line said, once it is written: its status and its GraphQL part. The metrics count a request
 * as its line gives it (README): they are counted later (a connection closed first is counted on the next turn), by
 * when the answer may have been written after all — a cancelled request logged 499 was counted 200 `ok`.
 */
const said = new WeakMap<ServerResponse, { status?: number; graphql?: LineGraphql | null }>();

function note(res: ServerResponse, part: { status?: number; graphql?: LineGraphql | null }): void {
  const before = said.get(res);
  if (before) Object.assign(before, part);
  else said.set(res, { ...part });
}

/** The status a request's metrics count: its access line's, or (no line: probes, scrapes) as that line would give it. */
export function endedStatus(req: IncomingMessage, res: ServerResponse): number {
  return said.get(res)?.status ?? loggedStatus(req, res);
}

/**
 * The GraphQL part a request's metrics count (its type, operation and outcome), or null: its access line's — none if
 * the line had none (the connection closed before the operation was read, though it was read after) — or, with no
 * line, as that line would give it.
 */
export function endedGraphql(req: IncomingMessage, res: ServerResponse): LineGraphql | null {
  const line = said.get(res);
  if (line && line.graphql !== undefined) return line.graphql;
  const facts = graphqlFactsOf(req);
  return facts ? { type: facts.type, operation: facts.operation, outcome: outcomeOf(req, res) } : null;
}

/** The access line's fields plus, for GraphQL, the operation, its outcome and the viewer. */
function withGraphqlFacts(req: IncomingMessage, res: ServerResponse, line: Record<string, unknown>): Record<string, unknown> {
  const facts = graphqlFactsOf(req);
  if (!facts) {
    note(res, { graphql: null });
    return line;
  }
  const graphql = { type: facts.type, operation: facts.operation, outcome: outcomeOf(req, res) };
  note(res, { graphql });
  // The line is the access log's own object (made for it in `customSuccessObject`, `customErrorObject`): completed.
  line.graphql = graphql;
  line.viewer = facts.viewer;
  return line;
}

/**
 * The status the access line gives: what was sent, or 499 (nginx's "client closed request") for a request whose client
 * closed its connection before any answer reached it — its status was never sent (its default, 200, would read as an
 * answer), or was written to the closed connection (the body parser's 400 for a body cut short would read as the
 * client's mistake).
 */
function loggedStatus(req: IncomingMessage, res: ServerResponse): number {
  return closedBeforeAnswer(req, res) ? 499 : res.statusCode;
}

/** Routes whose every request is not worth a log line: probes and scrapes. */
const quiet = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * A request's path as its access line gives it: without the query string, and of a request in absolute form
 * (`GET http://host/healthz HTTP/1.1`, as a client speaking to a proxy sends it) its path alone, as Node routes it.
 */
function pathOf(url: string | undefined): string {
  // The usual form (`/graphql`, `/healthz?x`): nothing to look for beyond the query string.
  if (url !== undefined && url.charCodeAt(0) === 47) {
    const query = url.indexOf('?');
    return query < 0 ? url : url.slice(0, query);
  }
  const path = (url ?? '').split('?')[0];
  const absolute = /^[a-z][a-z0-9+.-]*:\/\/[^/]*/i.exec(path);
  return absolute ? path.slice(absolute[0].length) || '/' : path;
}

/**
 * The access log (pino-http): one line per request with its id, method, path, status, time, and for GraphQL the
 * operation, its outcome and the viewer (kind, person, organization — never the token). The id is echoed in the
 * `X-Request-Id` response header and is on every line logged while the request is handled (`req.log`).
 */
export function accessLog(logger: Logger, clientIp: (req: IncomingMessage) => string | undefined): HttpLogger {
  const log = pinoHttp({
    logger,
    genReqId(req: IncomingMessage, res: ServerResponse) {
      const sent = req.headers['x-request-id'];
      const id = typeof sent === 'string' && acceptableId.test(sent) ? sent : randomUUID();
      res.setHeader('x-request-id', id);
      return id;
    },
    autoLogging: { ignore: (req) => quiet.has(pathOf(req.url)) },
    customLogLevel(_req, res, err) {
      // A request refused because the hub is stopping is part of a normal stop, not an error of the hub.
      // So is one the hub could not answer for a moment (the identity provider away: that has an error line of its own).
      if (!err && res.statusCode === 503) return 'warn';
      if (err || res.statusCode >= 500) return 'error';
      if (res.statusCode === 429) return 'warn';
      return 'info';
    },
    customSuccessMessage: (req, res) => `${req.method} ${pathOf(req.url)} ${loggedStatus(req, res)}`,
    customErrorMessage: (req, res) => `${req.method} ${pathOf(req.url)} ${loggedStatus(req, res)}`,
    // The client's address is not bound to the request's logger (no `customProps`: pino-http would make a logger more
    // per request for it): the access line carries it right after the request, where the binding put it, and the other
    // lines of the request carry it through `requestLog`, which binds it when something is logged.
    // What the GraphQL layer learned, added to the access line itself (no logger is made for it).
    customSuccessObject: (req, res, line) => withGraphqlFacts(req, res, { clientIp: clientAddress.get(req), ...line }),
    // A 5xx answer is an "error" to pino-http, which then adds one it makes itself (`failed with status code 503`, with a
    // stack of its own code): it says nothing the status does not, and a line per request of an outage carried it.
    customErrorObject: (req, res, err, line) => {
      const { err: made, ...rest } = line;
      const fields = { clientIp: clientAddress.get(req), ...rest };
      return withGraphqlFacts(req, res, err && /^failed with status code \d+$/.test(err.message) ? fields : { ...fields, err: made });
    },
    // The request and response as they are (not copied into pino-std-serializers' objects first): only these fields.
    wrapSerializers: false,
    serializers: {
      req: (req: IncomingMessage & { id: string; originalUrl?: string }) => ({
        id: req.id,
        method: req.method,
        // Without the query string: a GET query's text (and anything a client put there) stays out of the log.
        path: pathOf(req.originalUrl ?? req.url),
        remoteAddress: req.socket?.remoteAddress,
        userAgent: req.headers['user-agent'],
      }),
      res: (res: ServerResponse) => {
        const statusCode = res.req ? loggedStatus(res.req, res) : res.statusCode;
        note(res, { status: statusCode });
        return { statusCode };
      },
    },
  });
  const step = ((req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => {
    noteUnheard(req, res);
    // The client's address when the request arrives (its socket may be gone by the time a line is written): the
    // socket's peer, or with TRUST_PROXY the address the trusted proxies name.
    clientAddress.set(req, clientIp(req));
    log(req, res, next);
  }) as HttpLogger;
  step.logger = log.logger;
  return step;
}
