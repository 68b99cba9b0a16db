import type { IncomingMessage } from 'node:http';
import { visit } from 'jsonc-parser';

/** The close reason (4403) of a connection whose `connection_init` names `authorization` twice, or not as a string. */
export const AUTHORIZATION_NOT_ONE_STRING = 'The connection_init payload must name authorization at most once, as a string';

/** A WebSocket close reason of at most 123 bytes of UTF-8 (the protocol's limit; `ws` throws beyond it), cut at a character. */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text) <= 123) return text;
  let cut = text;
  while (Buffer.byteLength(`${cut}…`) > 123) cut = cut.slice(0, -1);
  return `${cut}…`;
}

/** The entries of `o` whose key is `name` in any case. */
const named = (o: Record<string, unknown>, name: string) => Object.entries(o).filter(([k]) => k.toLowerCase() === name);

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/**
 * The credential of a graphql-ws `connection_init` payload: its `authorization` entry, the key in any case (as an HTTP
 * header name), or the `authorization` of its `headers` object (`{ headers: { Authorization: "Bearer …" } }`, as
 * several clients send it). `undefined` for none (anonymous). Refused (`null`) when the payload names it more than
 * once (both places, or one twice) — which one counts must not be a guess: an empty one before a good token would make
 * the connection anonymous — when its value is not a string, or when `headers` is named twice or is not an object.
 */
export function connectionAuthorization(params: unknown): string | undefined | null {
  if (params === undefined || params === null) return undefined;
  if (!isObject(params)) return null;
  const headers = named(params, 'headers');
  if (headers.length > 1 || (headers.length === 1 && headers[0][1] != null && !isObject(headers[0][1]))) return null;
  const inHeaders = headers.length === 1 && isObject(headers[0][1]) ? named(headers[0][1], 'authorization') : [];
  const entries = [...named(params, 'authorization'), ...inHeaders];
  if (entries.length > 1) return null;
  if (entries.length === 0) return undefined;
  const value = entries[0][1];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : null;
}

/** A key that looks like it carries a credential (its letters and digits, in lower case, hold one of these). */
const CREDENTIAL_LIKE = /auth|token|apikey|key$|cookie|session|credential|bearer|jwt|secret|passw/;

/**
 * Where in a `connection_init` payload a credential the hub does not read is given — a key anywhere in it (nested
 * objects and lists included, a wrapper such as `connectionParams` too) that looks like one (`token`, `authToken`,
 * `X-API-Key`, `x-auth-token`, `Authentication`, `sessionToken`, `Cookie`, `authorization ` with a space, …) other than
 * the payload's and its `headers`' `authorization` — or null. A connection with one is refused
 * (`misplacedCredentialReason`) rather than taken as anonymous: a credential given is never silently ignored (DOMAIN §2).
 */
export function misplacedCredential(params: unknown): string | null {
  const walk = (value: unknown, where: string, depth: number, accepted: boolean): string | null => {
    if (depth > 8 || !value || typeof value !== 'object') return null;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
    for (const [key, inner] of entries) {
      const lower = key.toLowerCase();
      if (accepted && lower === 'authorization') continue;
      const path = `${where}${key}`;
      if (!Array.isArray(value) && CREDENTIAL_LIKE.test(lower.replace(/[^a-z0-9]/g, ''))) return path;
      const found = walk(inner, `${path}.`, depth + 1, depth === 0 && lower === 'headers');
      if (found) return found;
    }
    return null;
  };
  return walk(params, '', 0, true);
}

/** The close reason (4403) of a connection whose credential is under a key the hub does not read (`misplacedCredential`). */
export function misplacedCredentialReason(key: string): string {
  return closeReason(`Put the credential in the connection_init payload's authorization ("Bearer <token>"), not in ${key}`);
}

/** The close reason (4403) of a `connection_init` message that cannot be read as its client wrote it (`initMessageProblem`). */
export const INIT_MESSAGE_UNREADABLE = 'The connection_init message could not be read: send a JSON object, nested less deeply';

/**
 * What is wrong with a `connection_init` message as its client sent it, or null: `payload`, its `headers` or their
 * `authorization` (in any case) named more than once — parsing the message keeps the last of two identical keys
 * silently, so `connectionAuthorization` sees one; this reads the text itself — or a text that cannot be read (nested
 * too deeply to walk). `undefined` (no text kept): null.
 */
export function initMessageProblem(text: string | undefined): string | null {
  if (text === undefined) return null;
  let authorizations = 0;
  let payloads = 0;
  let headers = 0;
  try {
    visit(text, {
      onObjectProperty(property, _offset, _length, _line, _column, path) {
        const at = path();
        const name = property.toLowerCase();
        if (at.length === 0 && property === 'payload') payloads++;
        if (at.length === 1 && at[0] === 'payload' && name === 'headers') headers++;
        const inHeaders = at.length === 2 && at[0] === 'payload' && typeof at[1] === 'string' && at[1].toLowerCase() === 'headers';
        if ((at.length === 1 && at[0] === 'payload') || inHeaders) if (name === 'authorization') authorizations++;
      },
    });
  } catch {
    return INIT_MESSAGE_UNREADABLE;
  }
  return authorizations > 1 || payloads > 1 || headers > 1 ? AUTHORIZATION_NOT_ONE_STRING : null;
}

/** A value that is one of the hub's credentials: an API key, or a JWT (its header segment begins `{"`), with or without `Bearer `. */
const HUB_CREDENTIAL = /^(Bearer\s+)?(lapk_[A-Za-z0-9_-]{8,}|eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)$/i;
/** The parameters of a GraphQL GET request, never a credential. */
const GRAPHQL_PARAMETERS = new Set(['query', 'variables', 'operationName', 'extensions']);

/**
 * Where a request without an Authorization header carries one of the hub's credentials instead — another header
 * (`X-API-Key: lapk_…`, `X-Auth-Token: eyJ…`) or a query parameter (`?access_token=…`) — or null. Such a request is
 * refused (401 saying where the credential goes), not answered as anonymous: a credential given is never silently
 * ignored (DOMAIN §2). Only values that are a credential of the hub's count: a proxy's own headers pass.
 */
export function misplacedHttpCredential(req: IncomingMessage): string | null {
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || name === 'cookie') continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string' && HUB_CREDENTIAL.test(v.trim())) return `the ${name} header`;
  }
  const at = (req.url ?? '').indexOf('?');
  if (at >= 0) {
    for (const [name, v] of new URLSearchParams((req.url ?? '').slice(at + 1))) {
      if (!GRAPHQL_PARAMETERS.has(name) && HUB_CREDENTIAL.test(v.trim())) return `the query parameter ${name}`;
    }
  }
  return null;
}

/**
 * The credential a WebSocket client put on its upgrade request rather than in `connection_init` — the upgrade's
 * Authorization header, or one of the hub's credentials in another header or the URL (`misplacedHttpCredential`) — or
 * null. Only asked when `connection_init` names no authorization: such a connection is refused (4403 saying where the
 * credential goes), not taken as anonymous. With an authorization in `connection_init`, that one is the credential.
 */
export function upgradeCredential(request: IncomingMessage | undefined): string | null {
  if (!request) return null;
  if (request.headers.authorization) return "the upgrade request's Authorization header";
  const misplaced = misplacedHttpCredential(request);
  return misplaced === null ? null : `${misplaced} of the upgrade request`;
}
