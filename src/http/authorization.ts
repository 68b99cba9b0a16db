import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from './respond';

/**
 * Whether a request carries several Authorization headers. Node keeps the first and drops the others, so which
 * credential counts would be a guess (an empty first one would make a request with a good token anonymous): the hub
 * and the gateway refuse such a request (`refuseSeveralAuthorizations`).
 */
export function severalAuthorizations(req: IncomingMessage): boolean {
  let seen = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'authorization' && ++seen > 1) return true;
  return false;
}

export function refuseSeveralAuthorizations(res: ServerResponse): void {
  sendJson(res, 400, { errors: [{ message: 'Send one Authorization header, not several', extensions: { code: 'BAD_REQUEST' } }] });
}

/** What follows the `Bearer` scheme (in any case, then one or more spaces: RFC 9110 §11.1, §11.4), or '' for none. */
export function bearerCredential(header: string | undefined): string {
  const trimmed = header?.trim() ?? '';
  const scheme = /^bearer +/i.exec(trimmed);
  return scheme ? trimmed.slice(scheme[0].length) : '';
}
