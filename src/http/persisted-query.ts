import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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

/**
 * Apollo Server answers a malformed `extensions.persistedQuery` (not an object, another version, a hash that is not a
 * string or does not match the query) with an error that has no code, which becomes INTERNAL_SERVER_ERROR. Such input is
 * the client's mistake: 400 BAD_USER_INPUT naming the part, before Apollo sees it. A well-formed hash Apollo does not
 * know stays Apollo's PERSISTED_QUERY_NOT_FOUND, which is how a client learns to send the query with it.
 */
export const persistedQueryCheck: Step = (req, res, next) => {
  let extensions: unknown;
  let query: unknown;
  const { body } = req as IncomingMessage & { body?: unknown };
  if (req.method === 'GET') {
    // Express parses a GET's query string (GET is served through Express: src/server.ts).
    const params = (req as IncomingMessage & { query?: Record<string, unknown> }).query ?? {};
    const raw = params.extensions;
    query = params.query;
    if (raw === undefined) return next();
    if (typeof raw !== 'string') {
      extensions = raw;
    } else {
      try {
        extensions = JSON.parse(raw);
      } catch {
        return refuse(res, { argument: 'extensions', problem: 'is not valid JSON' });
      }
    }
  } else if (body && typeof body === 'object' && !Array.isArray(body)) {
    ({ extensions, query } = body as { extensions?: unknown; query?: unknown });
  } else {
    return next();
  }
  const problem = extensionsProblem(extensions, query);
  if (problem) return refuse(res, problem);
  next();
};

function refuse(res: ServerResponse, { argument, problem }: { argument: string; problem: string }): void {
  sendJson(res, 400, { errors: [{ message: `${argument}: ${problem}`, extensions: { code: 'BAD_USER_INPUT', argument } }] });
}
