import { isUtf8 } from 'node:buffer';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { refuseTooLarge, undecodableBodyMessage } from './body-limit';
import { factsOf, requestLog, timedOut } from './request-log';

/**
 * The steps a request to the hub passes through are connect-style functions on Node's own request and response (no
 * Express helpers), so that Express runs them for every route and the POST /graphql path (src/http/graphql-endpoint.ts)
 * runs the very same functions without Express.
 */
export type Step = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/**
 * What Node answers a request it cannot read — headers over its 16 KB limit (431), the request not sent within
 * REQUEST_TIMEOUT_MS (408), bytes that are not HTTP (400) — with the body every other refusal has: a JSON error saying
 * why (Node's own answers are empty). Node's rules are kept: an answer is written only while the socket is writable and
 * no answer to that request has begun, and the connection is closed with the error (the access log reads a timeout
 * from it). For the `clientError` event of the hub's and the gateway's servers; `refusedBeforeRouting` is told of an
 * answer given before any step saw the request (the hub writes its access line and counts it).
 */
export function answerClientError(err: NodeJS.ErrnoException, socket: Duplex, refusedBeforeRouting?: (refusal: RefusedBeforeRouting) => void): void {
  const inFlight = (socket as { _httpMessage?: { _headerSent?: boolean } | null })._httpMessage;
  if (err.code !== 'ECONNRESET' && socket.writable && !inFlight?._headerSent) {
    const [status, text, message] =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'Request Header Fields Too Large', 'The request’s URL and headers are too large (more than 16 KB in all): a long query goes in a POST body']
        : err.code === 'HPE_CHUNK_EXTENSIONS_OVERFLOW'
          ? [413, 'Payload Too Large', 'The request’s chunk extensions are too large']
          : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? [408, 'Request Timeout', 'The request was not sent in time: the whole request, headers and body, must arrive within the server’s request timeout']
            : [400, 'Bad Request', 'The request is not well-formed HTTP'];
    const body = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    // No request of this connection had reached the steps (a request that had, a body still arriving at its timeout,
    // has its own access line when it ends).
    if (!inFlight) refusedBeforeRouting?.({ status, text, code: typeof err.code === 'string' ? err.code : 'unknown', remoteAddress: (socket as { remoteAddress?: string }).remoteAddress });
  }
  socket.destroy(err);
}

/** A request `answerClientError` answered before any step saw it: its status, Node's code for why, the peer's address. */
export interface RefusedBeforeRouting {
  status: number;
  text: string;
  code: string;
  remoteAddress: string | undefined;
}

/**
 * Whether a request of HTTP/1.1 has no Host header, which HTTP/1.1 requires (RFC 9112 §3.2). Node refuses such a
 * request itself with an empty 400 unless told not to (`requireHostHeader: false`, `SERVER_OPTIONS`); the hub and
 * the gateway refuse it first thing with a JSON error saying why (`refuseHostless`).
 */
export function hostMissing(req: IncomingMessage): boolean {
  // An empty Host (`Host:`) is one: RFC 9112 allows it, and Node serves it.
  return req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && req.headers.host === undefined;
}

export function refuseHostless(res: ServerResponse): void {
  res.setHeader('connection', 'close');
  sendJson(res, 400, { errors: [{ message: 'An HTTP/1.1 request must carry a Host header', extensions: { code: 'BAD_REQUEST' } }] });
}

/** Node's server options the hub's and the gateway's servers add to their timeouts: a request without Host is theirs to refuse. */
export const SERVER_OPTIONS = { requireHostHeader: false } as const;

/**
 * What Node would answer itself with an empty body, or not at all, answered with a JSON error saying why, as every
 * other refusal: an `Expect` header other than `100-continue` (417), and a `CONNECT` (405: neither server is a proxy;
 * Node closed the connection without a word).
 */
export function answerWhatNodeRefuses(server: Server): void {
  server.on('checkExpectation', (_req: IncomingMessage, res: ServerResponse) => {
    res.setHeader('connection', 'close');
    sendJson(res, 417, { errors: [{ message: 'The request’s Expect header cannot be met: only "100-continue" is', extensions: { code: 'BAD_REQUEST' } }] });
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    socket.on('error', () => undefined);
    const body = JSON.stringify({ errors: [{ message: 'CONNECT is not served here: this is not a proxy', extensions: { code: 'BAD_REQUEST' } }] });
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD, POST, OPTIONS\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
}

/** A JSON answer, as Express's `res.status(status).json(body)` writes it. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.setHeader('content-length', Buffer.byteLength(text));
  res.end(text);
}

/**
 * The answer to an error no step handled: a client's mistake that says its status (an unreadable body: 400, too large:
 * 413 naming the limit, with `Connection: close`, an unsupported charset or encoding: 415) as BAD_REQUEST with its message; anything else logged with the request
 * id and answered 500 without internals.
 */
export function respondToError(logger: Logger) {
  return (err: unknown, req: IncomingMessage, res: ServerResponse): void => {
    if (timedOut(req)) {
      // Node has answered 408 and closed the connection (REQUEST_TIMEOUT_MS): the body's read failed on it. Said so in
      // the access line, which would otherwise give the body parser's 400.
      res.statusCode = 408;
      factsOf(req).outcome = 'REQUEST_TIMEOUT';
      res.destroy();
      return;
    }
    const e = (err ?? {}) as { status?: number; message?: string; type?: string; limit?: number };
    const status = typeof e.status === 'number' && e.status >= 400 && e.status < 500 ? e.status : 500;
    if (status === 500) (requestLog(req) ?? logger).error({ err }, 'unexpected error');
    if (res.headersSent) {
      // Answered already (a stopping hub answered it, src/server.ts): nothing to add, and the connection may still owe
      // the answers of requests pipelined behind it. Part of an answer out: it cannot become an error answer any more;
      // the client sees the connection end.
      if (!res.writableEnded) res.destroy();
      return;
    }
    // Over the body limit: told the limit, and the connection closed (src/http/body-limit.ts refuses most such bodies
    // before the body parser gets this far; a compressed one may reach its limit there first).
    if (e.type === 'entity.too.large' && typeof e.limit === 'number') return refuseTooLarge(res, e.limit);
    const message = status === 500 ? 'Internal server error' : messageOf(e, req);
    sendJson(res, status, { errors: [{ message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  };
}

/**
 * What a client's mistake is called: the body parser's own message, except for JSON that is not an object or a list
 * (`null`, `42`, `"x"`), which it refuses with the wording of a syntax error ("… is not valid JSON"): said as it is.
 */
function messageOf(e: { message?: string; type?: string; body?: unknown; code?: unknown }, req: IncomingMessage): string {
  if (e.type === 'entity.parse.failed' && typeof e.body === 'string') return unreadableBodyMessage(e.body, String(e.message));
  // zlib's own words ("incorrect header check", Brotli's "Decompression failed") name nothing a client would recognise.
  if (typeof e.code === 'string' && /^(Z_|ERR__ERROR_)/.test(e.code)) return undecodableBodyMessage(String(req.headers['content-encoding'] ?? ''));
  return String(e.message);
}


/**
 * How a JSON body the body parser refused (`parserMessage`, its own words) is named to the client: JSON that is not an
 * object or a list is said as it is; anything else keeps the parser's words. The gateway names a body as the hub does.
 */
export function unreadableBodyMessage(body: string, parserMessage: string): string {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    // A GraphQL document sent as the body itself (curl -d '{ me { kind } }'), not inside a JSON object.
    if (/^\s*(\{\s*[_A-Za-z]|(query|mutation|subscription)\b)/.test(body)) {
      return `${parserMessage}: the request body must be a JSON object with the query in it, {"query": "{ me { kind } }"}`;
    }
    // A body cut short, or only white space: said to be the body's JSON ("Unexpected end of JSON input" alone names nothing).
    if (/^Unexpected end of JSON input$/.test(parserMessage)) return 'The request body is not valid JSON: it ends before its JSON does (Unexpected end of JSON input)';
    return parserMessage;
  }
  const kind = value === null ? 'null' : typeof value === 'number' ? 'a number' : typeof value === 'string' ? 'a string' : typeof value === 'boolean' ? 'a boolean' : null;
  return kind ? `The request body must be a JSON object ({"query": "…", "variables": {…}}), not ${kind}` : parserMessage;
}

/**
 * What a POST whose JSON body holds nothing is told (400), at the hub and the gateway: no body at all (`empty`), or
 * `{}` (`no keys`). Apollo Server said "POST body missing, invalid Content-Type, or JSON object has no keys." to both.
 */
export function bodyWithoutQueryMessage(what: 'empty' | 'no keys'): string {
  const shape = 'it must be a JSON object with the query in it, {"query": "{ me { kind } }"}';
  return what === 'empty' ? `The request body is empty: ${shape}` : `The request body is an empty JSON object: ${shape}`;
}

/** Whether a body begins with UTF-8's byte-order mark (EF BB BF), which the hub's body parser reads past. */
export function startsWithBom(body: Buffer): boolean {
  return body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf;
}

/**
 * Whether the query string of `url` (a request's target as Node gives it) is well-formed UTF-8 once percent-decoded.
 * A GET's `query`, `variables` and `operationName` would otherwise be read with U+FFFD in place of the broken bytes
 * (URLSearchParams' decoding), and answered with a syntax error about a character the client never sent. A `%` that
 * begins no escape is taken as itself, as URLSearchParams takes it.
 */
export function wellFormedQueryString(url: string): boolean {
  const at = url.indexOf('?');
  if (at === -1) return true;
  const search = url.slice(at + 1);
  if (!/%[89a-fA-F][0-9a-fA-F]|[^\x00-\x7f]/.test(search)) return true;
  // Node gives the target's bytes as Latin-1 characters: each escape and each such character back to its byte.
  return isUtf8(Buffer.from(search.replace(/%([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1'));
}

/** What a GET whose query string is not well-formed UTF-8 is told (400), at the hub and the gateway. */
export const MALFORMED_QUERY_STRING = 'The query string is not well-formed UTF-8 once percent-decoded';

/**
 * The charset a `Content-Type` names when it is not UTF-8 (upper case, as body-parser names one it cannot decode), or
 * null: JSON between systems is UTF-8 (RFC 8259 §8.1), and the hub and the gateway take nothing else — a UTF-16 body,
 * which body-parser would decode, is refused 415 as a Latin-1 one is. Its registered name only (`utf-8`, any case):
 * body-parser refuses the alias `utf8`, so the gateway does too.
 */
export function notUtf8Charset(contentType: string | undefined): string | null {
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType ?? '')?.[1];
  return charset !== undefined && !/^utf-8$/i.test(charset) ? charset.toUpperCase() : null;
}
