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

/**
 * The credential of a graphql-ws `connection_init` payload: its `authorization` entry, the key in any case (as an HTTP
 * header name). `undefined` for none (anonymous). Refused (`null`) when the payload names it more than once — which
 * one counts must not be a guess: an empty one before a good token would make the connection anonymous — or when its
 * value is not a string.
 */
export function connectionAuthorization(params: unknown): string | undefined | null {
  if (params === undefined || params === null) return undefined;
  if (typeof params !== 'object' || Array.isArray(params)) return null;
  const entries = Object.entries(params as Record<string, unknown>).filter(([k]) => k.toLowerCase() === 'authorization');
  if (entries.length > 1) return null;
  if (entries.length === 0) return undefined;
  const value = entries[0][1];
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' ? value : null;
}

/**
 * Whether a `connection_init` message, as its client sent it, names `authorization` (in any case) more than once in
 * its payload: parsing the message keeps the last of two identical keys silently, so `connectionAuthorization` sees
 * one; this reads the text itself. `undefined` (no text kept): false.
 */
export function authorizationNamedTwice(text: string | undefined): boolean {
  if (text === undefined) return false;
  let named = 0;
  visit(text, {
    onObjectProperty(property, _offset, _length, _line, _column, path) {
      const at = path();
      if (at.length === 1 && at[0] === 'payload' && property.toLowerCase() === 'authorization') named++;
    },
  });
  return named > 1;
}
