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

/** Keys of a `connection_init` payload that name a credential (letters and digits, lower case): refused whatever they hold. */
const CREDENTIAL_KEYS = new Set([
  'token', 'accesstoken', 'authtoken', 'idtoken', 'sessiontoken', 'apitoken', 'bearer', 'bearertoken', 'jwt', 'xauthtoken',
  'xaccesstoken', 'authentication', 'credential', 'credentials', 'cookie', 'password', 'secret',
]);

/**
 * Where in a `connection_init` payload a credential the hub does not read is given — a key that names one (`token`,
 * `authToken`, `X-API-Key`, `x-auth-token`, `Authentication`, `Cookie`, `authorization ` with a space, …), or a value
 * anywhere that looks like one (`lapk_…`, a JWT, `Bearer …`: under any key, in a list, in a wrapper such as
 * `connectionParams`) — other than the payload's and its `headers`' `authorization` — or null. A connection with one is
 * refused (`misplacedCredentialReason`) rather than taken as anonymous: a credential given is never silently ignored
 * (DOMAIN §2). Other keys (`author`, `sessionLocale`, `cacheKey`, an API gateway's own `x-api-key` value) pass.
 */
export function misplacedCredential(params: unknown): string | null {
  const walk = (value: unknown, where: string, depth: number, accepted: boolean): string | null => {
    if (depth > 32) return where.replace(/\.$/, '') || 'the payload';
    if (typeof value === 'string') return CREDENTIAL_VALUE.test(value) ? where.replace(/\.$/, '') : null;
    if (!value || typeof value !== 'object') return null;
    const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value as Record<string, unknown>);
    for (const [key, inner] of entries) {
      const name = key.toLowerCase();
      if (accepted && name === 'authorization') continue;
      const path = `${where}${key}`;
      const normal = normalName(key);
      // A key that names a credential; with a space or another character around `authorization`, it is a mistake too.
      if (!Array.isArray(value) && (CREDENTIAL_KEYS.has(normal) || (normal === 'authorization' && name !== 'authorization'))) return path;
      const found = walk(inner, `${path}.`, depth + 1, depth === 0 && name === 'headers');
      if (found) return found;
    }
    return null;
  };
  return walk(params, '', 0, true);
}

/**
 * The close reason (4403) of a connection whose credential is under a key the hub does not read (`misplacedCredential`).
 * A close reason holds 123 bytes: the instruction is kept whole, a long key shortened (it was the end of the sentence,
 * and the word a user needed, that was cut).
 */
export function misplacedCredentialReason(key: string): string {
  const instruction = `Put the credential in connection_init's payload.authorization ("Bearer <token>"), not in `;
  return closeReason(`${instruction}${key}`);
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

/**
 * A value that looks like a credential of the hub's: an API key (`lapk_…`), a JWT, or a `Bearer`/`Token`/`ApiKey`
 * credential, quoted or not.
 */
const CREDENTIAL_VALUE = /^\s*"?((Bearer|Token|ApiKey)\s+\S+|lapk_[A-Za-z0-9_-]{8,}|eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*)"?\s*$/i;
/**
 * Header and query parameter names under which clients send a credential instead of in `Authorization` (letters and
 * digits only, lower case). Names only: a proxy's or a CDN's own headers (an identity-aware proxy's JWT in
 * `cf-access-jwt-assertion`, `x-goog-iap-jwt-assertion`, `x-amzn-oidc-data`) pass as they are.
 */
const CREDENTIAL_NAMES = new Set([
  'xapikey', 'apikey', 'xauthtoken', 'authtoken', 'xaccesstoken', 'accesstoken', 'token', 'xtoken', 'apitoken', 'xapitoken', 'bearer', 'jwt', 'xjwt',
  // Authorization under another name or spelling, or in the URL (`?authorization=Bearer …`); a proxy that moved the
  // client's header aside (`X-Forwarded-Authorization`) without putting one back.
  'authorization', 'xauthorization', 'authorisation', 'xauthorisation', 'xforwardedauthorization', 'key', 'xkey',
  // Other names clients give a bearer token: a proxy's own header, a short one, an OpenID Connect token, a session's.
  'proxyauthorization', 'auth', 'xauth', 'idtoken', 'xidtoken', 'sessiontoken', 'xsessiontoken',
]);

const normalName = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/**
 * Where a request without an Authorization header carries a credential instead — a header or query parameter named as
 * one (`X-API-Key: eyJ…`, `X-Authorization: Bearer …`, `?access_token=…`) whose value looks like one, one of the hub's
 * API keys (`lapk_…`) under any name, or a cookie that is the hub's beyond doubt (below) — or null. Such a
 * request is refused (401 saying where the credential goes), not answered as anonymous: a credential given is never
 * silently ignored (DOMAIN §2). An API gateway's own key (`x-api-key: d41d8…`) and a proxy's own JWT headers pass.
 */
export function misplacedHttpCredential(req: IncomingMessage): string | null {
  // One of the hub's API keys is the hub's under any name; another value only under a credential's name. A header sent
  // more than once arrives as its values joined by commas: each is looked at.
  const misplaced = (name: string, value: string) =>
    value.split(',').some((part) => HUB_API_KEY.test(part) || (CREDENTIAL_NAMES.has(normalName(name)) && CREDENTIAL_VALUE.test(part)));
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || name === 'cookie') continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === 'string' && misplaced(name, v)) return `the ${name} header`;
  }
  const at = (req.url ?? '').indexOf('?');
  if (at >= 0) {
    for (const [name, v] of new URLSearchParams((req.url ?? '').slice(at + 1))) {
      if (misplaced(name, v)) return `the query parameter ${name}`;
    }
  }
  // Cookies: a browser sends every app's cookies of the host, whatever its port, so a `token` cookie holding a JWT may
  // well be another app's session. Only what is the hub's beyond doubt is refused: one of its API keys (`lapk_…`)
  // under any name, or a credential in a cookie named `Authorization`.
  for (const [name, v] of cookies(req.headers.cookie)) {
    if (HUB_API_KEY.test(v) || (normalName(name) === 'authorization' && CREDENTIAL_VALUE.test(v))) return `the cookie ${name}`;
  }
  return null;
}

/**
 * One of the hub's API keys as the hub makes them (`API_KEY_PATTERN`: `lapk_`, its eight-letter prefix, `_`, 43
 * characters of secret), alone or after a scheme: no other app's credential looks so. A key's prefix alone, or a label
 * such as `lapk_dashboard`, is no credential.
 */
const HUB_API_KEY = /^\s*"?((Bearer|Token|ApiKey)\s+)?lapk_[a-z2-7]{8}_[A-Za-z0-9_-]{43}"?\s*$/i;

/** The cookies of a `Cookie` header (`a=1; b=2`), values percent-decoded where they can be; none for no header. */
function cookies(header: string | undefined): Array<[string, string]> {
  if (!header) return [];
  return header.split(';').flatMap((pair): Array<[string, string]> => {
    const eq = pair.indexOf('=');
    if (eq < 0) return [];
    const value = pair.slice(eq + 1).trim();
    try {
      return [[pair.slice(0, eq).trim(), decodeURIComponent(value)]];
    } catch {
      return [[pair.slice(0, eq).trim(), value]];
    }
  });
}

/**
 * The credential a WebSocket client put on its upgrade request rather than in `connection_init` — the upgrade's
 * Authorization header, or one of the hub's credentials in another header or the URL (`misplacedHttpCredential`) — or
 * null. Only asked when `connection_init` names no authorization: such a connection is refused (4403 saying where the
 * credential goes), not taken as anonymous. With an authorization in `connection_init`, that one is the credential.
 */
export function upgradeCredential(request: IncomingMessage | undefined): string | null {
  if (!request) return null;
  if (request.headers.authorization?.trim()) return "the upgrade's Authorization header";
  const misplaced = misplacedHttpCredential(request);
  // "the upgrade's x-api-key header": short enough that the close reason holds it whole (123 bytes).
  return misplaced === null ? null : misplaced.replace(/^the /, "the upgrade's ");
}

/**
 * How a `connection_init` is refused before its credential is checked, at the hub and the gateway alike: its
 * authorization (the credential, or `undefined` for none), or the 4403 close reason — authorization not one string,
 * the message not readable as written (`initMessageProblem`), a credential elsewhere in the payload
 * (`misplacedCredential`) or, with none in the payload, on the upgrade request (`upgradeCredential`).
 */
export function connectionInitCredential(
  params: unknown,
  text: string | undefined,
  request: IncomingMessage | undefined,
): { authorization: string | undefined } | { refused: string } {
  const authorization = connectionAuthorization(params);
  if (authorization === null) return { refused: AUTHORIZATION_NOT_ONE_STRING };
  const problem = initMessageProblem(text);
  if (problem !== null) return { refused: problem };
  const misplaced = misplacedCredential(params) ?? (authorization ? null : upgradeCredential(request));
  return misplaced === null ? { authorization } : { refused: misplacedCredentialReason(misplaced) };
}

/** The 401 message of a request that carries its credential elsewhere than in Authorization (`misplacedHttpCredential`), or null. */
export function misplacedHttpCredentialMessage(req: IncomingMessage): string | null {
  const misplaced = req.headers.authorization ? null : misplacedHttpCredential(req);
  return misplaced === null ? null : `Put the credential in the Authorization header ("Bearer <token>"), not in ${misplaced}`;
}
