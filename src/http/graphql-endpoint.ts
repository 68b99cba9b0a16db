import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApolloServer, BaseContext, HeaderMap } from '@apollo/server';
import type { Step } from './respond';

/**
 * Apollo Server on Node's own request and response: the request's method, headers, query string and parsed body (a
 * JSON body parser runs before) go to `executeHTTPGraphQLRequest`, its status, headers and body come back. This is the
 * whole of an Apollo integration (Apollo's "building an integration"); Express's own (`@as-integrations/express5`) did
 * the same through Express's `res.send`. `context` gives the request's context: built by it, or built already (the
 * known-query path hands Apollo a request it will not answer itself, src/http/known-query.ts).
 */
export function apolloAnswer<TContext extends BaseContext>(apollo: ApolloServer<TContext>) {
  return (req: IncomingMessage, res: ServerResponse, context: () => Promise<TContext>, next: (err?: unknown) => void): void => {
    // Its connection is gone (the client left, or a stopping hub cut it): nobody to answer, and nothing is begun for it
    // (a context already built ends its transaction when the connection closes).
    if (res.destroyed) return;
    const headers = new HeaderMap();
    for (const [key, value] of Object.entries(req.headers)) {
      if (value !== undefined) headers.set(key, Array.isArray(value) ? value.join(', ') : value);
    }
    const url = req.url ?? '';
    const q = url.indexOf('?');
    apollo
      .executeHTTPGraphQLRequest({
        httpGraphQLRequest: { method: (req.method ?? 'GET').toUpperCase(), headers, search: q < 0 ? '' : url.slice(q), body: (req as IncomingMessage & { body?: unknown }).body },
        context,
      })
      .then(async (answer) => {
        // Answered meanwhile (a stopping hub, its grace over, answered it 503: src/server.ts).
        if (res.headersSent) return;
        for (const [key, value] of answer.headers) res.setHeader(key, value);
        res.statusCode = answer.status ?? 200;
        if (answer.body.kind === 'complete') {
          res.setHeader('content-length', Buffer.byteLength(answer.body.string));
          res.end(answer.body.string);
          return;
        }
        // Incremental delivery (not served by this schema's graphql 16, but Apollo's contract): chunks as they come.
        for await (const chunk of answer.body.asyncIterator) res.write(chunk);
        res.end();
      })
      .catch(next);
  };
}

/**
 * Runs steps in order as Express would for one route — each calls `next()` to go on, or answers — with no router, no
 * request and response prototypes swapped per request and no path matching. An error passed to `next(err)` or thrown
 * goes to `onError`, as to Express's error handler.
 */
export function runSteps(steps: Step[], onError: (err: unknown, req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse): void => {
    let at = 0;
    const next = (err?: unknown): void => {
      if (err !== undefined && err !== null) {
        onError(err, req, res);
        return;
      }
      const step = steps[at++];
      if (!step) {
        onError(new Error('no step answered the request'), req, res);
        return;
      }
      try {
        step(req, res, next);
      } catch (thrown) {
        onError(thrown, req, res);
      }
    };
    next();
  };
}

/** A POST to /graphql exactly (with or without a query string): what `runSteps` serves; anything else goes to Express. */
export function isGraphqlPost(req: IncomingMessage): boolean {
  if (req.method !== 'POST') return false;
  const url = req.url ?? '';
  return url === '/graphql' || url.startsWith('/graphql?');
}
