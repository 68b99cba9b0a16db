import cors from 'cors';
import vary from 'vary';
import { sendJson, Step } from './respond';

/** Headers a browser client may send (Apollo Client's and the CSRF-prevention ones included). */
const allowedHeaders = ['authorization', 'content-type', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-request-id'];
/** Headers a browser client may read. */
const exposedHeaders = ['x-request-id', 'x-redacted', 'retry-after', 'content-disposition'];

/**
 * CORS for the configured origins only (ENGINEERING "Errors and production defaults"): a listed origin gets its own
 * origin back with `Access-Control-Allow-Credentials: true`, and its preflight (`OPTIONS`) is answered 204 with the
 * methods and headers GraphQL needs. Any other origin gets no CORS header — the browser keeps the answer from the page —
 * and its preflight a 403. Every answer varies by `Origin`, so a cache never hands one origin's answer to another.
 * With no origin configured, a preflight is refused plainly rather than reaching GraphQL as an odd request.
 */
export function corsFor(origins: string[]): Step {
  const allowed = new Set(origins);
  const listed = cors({
    origin: (origin, callback) => callback(null, origin !== undefined && allowed.has(origin)),
    credentials: true,
    methods: ['GET', 'POST'],
    allowedHeaders,
    exposedHeaders,
    maxAge: 600,
  });
  return (req, res, next) => {
    if (allowed.size > 0) vary(res, 'Origin');
    const origin = req.headers.origin;
    if (origin !== undefined && allowed.has(origin)) return listed(req, res, next);
    if (req.method === 'OPTIONS') {
      // A preflight from an origin that is not listed, or an OPTIONS request that is no preflight at all.
      if (allowed.size === 0 || origin === undefined) res.setHeader('allow', 'GET, POST, OPTIONS');
      if (origin !== undefined) {
        sendJson(res, 403, { errors: [{ message: `Origin ${origin} is not allowed (CORS_ORIGINS)`, extensions: { code: 'FORBIDDEN' } }] });
        return;
      }
      res.statusCode = 204;
      res.end();
      return;
    }
    next();
  };
}
