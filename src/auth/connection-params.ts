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
