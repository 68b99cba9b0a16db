import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BoundedStore } from '../graphql/bounded-cache';
import { factsOf } from './request-log';
import { sendJson, Step } from './respond';

/** The problem with a request's `extensions` (an automatic persisted query, APQ), or null when it is well formed. */
export function extensionsProblem(extensions: unknown, query: unknown): { argument: string; problem: string } | null {
  if (extensions === undefined || extensions === null) return null;
  if (typeof extensions !== 'object' || Array.isArray(extensions)) return { argument: 'extensions', problem: 'must be a JSON object' };
  const pq = (extensions as Record<string, unknown>).persistedQuery;
  if (pq === undefined || pq === null) return null;
  if (typeof pq !== 'object' || Array.isArray(pq)) {
    return { argument: 'extensions.persistedQuery', problem: 'must be an object { version: 1, sha256Hash: "<64 hex digits>" }' };
  }
  const { version, sha256Hash } = pq as Record<string, unknown>;
  if (version !== 1) return { argument: 'extensions.persistedQuery.version', problem: 'must be 1 (the only version of automatic persisted queries)' };
  if (typeof sha256Hash !== 'string' || !/^[0-9a-f]{64}$/.test(sha256Hash)) {
    return { argument: 'extensions.persistedQuery.sha256Hash', problem: 'must be the SHA-256 of the query, 64 lowercase hexadecimal digits' };
  }
  if (typeof query === 'string' && createHash('sha256').update(query).digest('hex') !== sha256Hash) {
    return { argument: 'extensions.persistedQuery.sha256Hash', problem: 'is not the SHA-256 of the query sent with it' };
  }
  return null;
}

function refuse(res: ServerResponse, { argument, problem }: { argument: string; problem: string }): void {
  sendJson(res, 400, { errors: [{ message: `${argument}: ${problem}`, extensions: { code: 'BAD_USER_INPUT', argument } }] });
}

/**
 * Automatic persisted queries, kept per credential. Apollo Server's own keep one text per hash for every caller: a
 * hash one viewer registered answered any other caller with the query's result instead of PERSISTED_QUERY_NOT_FOUND,
 * so anyone could tell whether someone had run a given text (a search for a suspect's name, a case id written into
 * a query). Here the text is kept under the hash *and* the caller's credential (the `Authorization` header as sent;
 * without one, or an empty one, the client's address, which callers behind one address share): only a request with
 * the same credential finds it. Another token of the same person registers again, once, as the protocol does for any
 * cache miss.
 *
 * A request that sends its query with the hash goes on with the query alone, and the text is kept once it has been
 * answered 200 — parsed, validated, its credential accepted, past CSRF prevention: what Apollo kept, after what Apollo
 * checked — under a hash computed here from the very text kept. One that sends the hash alone gets the text kept for
 * its credential, or Apollo's answer to an unknown hash (200, PERSISTED_QUERY_NOT_FOUND, `cache-control: private,
 * no-cache, must-revalidate`). Either way Apollo Server (whose own persisted queries are off) sees a plain request: the
 * POST's body or the GET's query string carries the query, and `extensions` no `persistedQuery`. A GET's parameters
 * are read here as Apollo reads them (URLSearchParams), and each of `query` and `extensions` may be given once.
 *
 * Malformed extensions (not an object; a `persistedQuery` that is not an object, of another version, with a hash that
 * is not a string or not the query's) are the client's mistake: 400 BAD_USER_INPUT naming the part
 * (`extensionsProblem`). Apollo Server answered them with an error without a code, which became INTERNAL_SERVER_ERROR.
 */
export function persistedQueries(store: BoundedStore<string>, addressOf: (req: IncomingMessage) => string | undefined): Step {
  return (req, res, next) => {
    const isGet = req.method === 'GET';
    let params: URLSearchParams | null = null;
    let extensions: unknown;
    let query: unknown;
    if (isGet) {
      const url = req.url ?? '';
      const at = url.indexOf('?');
      if (at < 0) return next();
      params = new URLSearchParams(url.slice(at + 1));
      if (!params.has('extensions')) return next();
      for (const name of ['query', 'extensions']) {
        if (params.getAll(name).length > 1) return refuse(res, { argument: name, problem: 'is given more than once' });
      }
      try {
        extensions = JSON.parse(params.get('extensions')!);
      } catch {
        return refuse(res, { argument: 'extensions', problem: 'is not valid JSON' });
      }
      query = params.get('query') ?? undefined;
    } else {
      const body = (req as IncomingMessage & { body?: unknown }).body;
      if (!body || typeof body !== 'object' || Array.isArray(body)) return next();
      ({ extensions, query } = body as { extensions?: unknown; query?: unknown });
    }
    const problem = extensionsProblem(extensions, query);
    if (problem) return refuse(res, problem);
    const pq = (extensions as Record<string, unknown> | null | undefined)?.persistedQuery as { sha256Hash: string } | undefined | null;
    if (!pq) return next();
    const authorization = req.headers.authorization?.trim();
    const credential = authorization ? `authorization ${authorization}` : `address ${addressOf(req) ?? 'unknown'}`;
    const scope = createHash('sha256').update(credential).digest('base64url');
    if (query === undefined) {
      const kept = store.peek(`${scope}:${pq.sha256Hash}`);
      if (kept === undefined) {
        factsOf(req).outcome = 'PERSISTED_QUERY_NOT_FOUND';
        res.setHeader('cache-control', 'private, no-cache, must-revalidate');
        return sendJson(res, 200, { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] });
      }
      query = kept;
    } else if (typeof query === 'string' && query !== '') {
      const text = query;
      res.once('finish', () => {
        if (res.statusCode === 200) void store.set(`${scope}:${createHash('sha256').update(text).digest('hex')}`, text);
      });
    }
    // Anything else (an empty query, one that is not a string) goes on without the hash: Apollo refuses it as it would.
    const { persistedQuery: _taken, ...rest } = extensions as Record<string, unknown>;
    if (isGet) {
      if (typeof query === 'string') params!.set('query', query);
      if (Object.keys(rest).length) params!.set('extensions', JSON.stringify(rest));
      else params!.delete('extensions');
      req.url = `${(req.url ?? '').slice(0, (req.url ?? '').indexOf('?'))}?${params!.toString()}`;
    } else {
      const body = (req as IncomingMessage & { body: Record<string, unknown> }).body;
      body.query = query;
      if (Object.keys(rest).length) body.extensions = rest;
      else delete body.extensions;
    }
    next();
  };
}
