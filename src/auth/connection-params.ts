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

/** The `headers` object of a payload (`{ headers: { Authorization } }`, as some clients send it), the key in any case. */
function headersOf(params: Record<string, unknown>): Record<string, unknown> | undefined {
  const found = Object.entries(params).filter(([k]) => k.toLowerCase() === 'headers');
  const value = found.length === 1 ? found[0][1] : undefined;
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * The credential of a graphql-ws `connection_init` payload: its `authorization` entry, the key in any case (as an HTTP
 * header name), or the `authorization` of its `headers` object (`{ headers: { Authorization: "Bearer …" } }`, as
 * several clients send it). `undefined` for none (anonymous). Refused (`null`) when the payload names it more than
 * once (both places, or one twice) — which one counts must not be a guess: an empty one before a good token would make
 * the connection anonymous — or when its value is not a string.
 */
export function connectionAuthorization(params: unknown): string | undefined | null {
  if (params === undefined || params === null) return undefined;
  if (typeof params !== 'object' || Array.isArray(params)) return null;
  const named = (o: Record<string, unknown>) => Object.entries(o).filter(([k]) => k.toLowerCase() === 'authorization');
  const headers = headersOf(params as Record<string, unknown>);
  const entries = [...named(params as Record<string, unknown>), ...(headers ? named(headers) : [])];
  if (entries.length > 1) return null;
  if (entries.length === 0) return undefined;
  const value = entries[0][1];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : null;
}

/** Keys (lower case, letters and digits only) under which clients put a credential the hub does not read there. */
const CREDENTIAL_LIKE = new Set(['token', 'accesstoken', 'authtoken', 'idtoken', 'bearer', 'bearertoken', 'jwt', 'apikey', 'xapikey', 'auth', 'credential', 'credentials']);

/**
 * The key of a `connection_init` payload (or of its `headers`) that looks like a credential the hub does not read —
 * `token`, `authToken`, `apiKey`, `Bearer`, … — or null. A connection with one is refused (`misplacedCredentialReason`)
 * rather than taken as anonymous: a credential given is never silently ignored (DOMAIN §2).
 */
export function misplacedCredential(params: unknown): string | null {
  if (!params || typeof params !== 'object' || Array.isArray(params)) return null;
  const look = (o: Record<string, unknown>, where: string) => {
    const key = Object.keys(o).find((k) => CREDENTIAL_LIKE.has(k.toLowerCase().replace(/[^a-z0-9]/g, '')));
    return key === undefined ? null : `${where}${key}`;
  };
  const headers = headersOf(params as Record<string, unknown>);
  return look(params as Record<string, unknown>, '') ?? (headers ? look(headers, 'headers.') : null);
}

/** The close reason (4403) of a connection whose credential is under a key the hub does not read (`misplacedCredential`). */
export function misplacedCredentialReason(key: string): string {
  return closeReason(`Put the credential in the connection_init payload's authorization ("Bearer <token>"), not in ${key}`);
}

/**
 * Whether a `connection_init` message, as its client sent it, names `authorization` (in any case) more than once in
 * its payload (or its payload's `headers`): parsing the message keeps the last of two identical keys silently, so `connectionAuthorization` sees
 * one; this reads the text itself. `undefined` (no text kept): false.
 */
export function authorizationNamedTwice(text: string | undefined): boolean {
  if (text === undefined) return false;
  let named = 0;
  visit(text, {
    onObjectProperty(property, _offset, _length, _line, _column, path) {
      const at = path();
      const inHeaders = at.length === 2 && at[0] === 'payload' && typeof at[1] === 'string' && at[1].toLowerCase() === 'headers';
      if ((at.length === 1 && at[0] === 'payload') || inHeaders) if (property.toLowerCase() === 'authorization') named++;
    },
  });
  return named > 1;
}
