import type { IncomingHttpHeaders, ServerResponse } from 'node:http';
import { sendJson } from './respond';

/** The content types a browser sends across origins without a preflight (Apollo Server's CSRF prevention). */
export const NON_PREFLIGHTED_CONTENT_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'];

/** The headers that show a request was preflighted (or sent by no browser form): with one, no CSRF refusal. */
export const CSRF_PREVENTION_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight'];

/** A content type's type and subtype, in lower case, without its parameters. */
export function essenceOf(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/** Whether a request carries one of `CSRF_PREVENTION_HEADERS`, not empty. */
function preflighted(headers: IncomingHttpHeaders): boolean {
  return CSRF_PREVENTION_HEADERS.some((h) => String(headers[h] ?? '').length > 0);
}

/**
 * Whether a request could have been sent by a browser across origins without a preflight, as Apollo Server's CSRF
 * prevention decides it: no content type, or one of `NON_PREFLIGHTED_CONTENT_TYPES` (a value that is no content type at
 * all is not one), and none of `CSRF_PREVENTION_HEADERS`. Such a request is refused 400 before anything runs.
 */
export function simpleRequest(headers: IncomingHttpHeaders): boolean {
  const contentType = headers['content-type'];
  if (contentType !== undefined) {
    const essence = essenceOf(contentType);
    if (!/^[^\s/]+\/[^\s/]+$/.test(essence) || !NON_PREFLIGHTED_CONTENT_TYPES.includes(essence)) return false;
  }
  return !preflighted(headers);
}

/** How much of a client's `Content-Type` a refusal repeats. */
const SHOWN = 100;

/**
 * The refusal's words for a POST to the GraphQL path whose body is not sent as JSON, or null when it is: both doors (the
 * hub and the gateway) read a POST's body as a JSON object (`{"query": "…", "variables": {…}}`, `Content-Type:
 * application/json`), and nothing else. Apollo Server answered another type with "POST body missing, invalid
 * Content-Type, or JSON object has no keys." and Hive Gateway with an empty 415 — or, for `application/graphql` and a
 * form, by reading the body its own way. A request Apollo's CSRF prevention refuses (`simpleRequest`) is left to that
 * refusal, said first at both doors.
 */
export function notJsonMessage(headers: IncomingHttpHeaders): string | null {
  const contentType = headers['content-type'];
  if (contentType !== undefined && essenceOf(contentType) === 'application/json') return null;
  if (simpleRequest(headers)) return null;
  const what =
    contentType === undefined
      ? 'this request has no Content-Type'
      : contentType.trim() === ''
        ? "this request's Content-Type is empty"
        : `this request's is ${contentType.trim().length > SHOWN ? `${contentType.trim().slice(0, SHOWN)}…` : contentType.trim()}`;
  return `The request body must be a JSON object ({"query": "…", "variables": {…}}) sent with Content-Type: application/json; ${what}`;
}

/**
 * The 415 of a POST whose body is not JSON (`notJsonMessage`), before anything reads the body; with `Connection: close`
 * when a body follows, so that Node closes the connection after the answer rather than read the body to its end.
 */
export function refuseNotJson(res: ServerResponse, headers: IncomingHttpHeaders, message: string): void {
  const bodyFollows = (headers['content-length'] !== undefined && headers['content-length'] !== '0') || headers['transfer-encoding'] !== undefined;
  if (bodyFollows) res.setHeader('connection', 'close');
  sendJson(res, 415, { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
}
