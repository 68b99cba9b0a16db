import type { IncomingMessage } from 'node:http';
import { parse } from 'graphql';
import { CONDITIONAL_ROOT_MESSAGE, conditionalSubscriptionRoot } from '../graphql/conditional-root';
import { sendJson, Step } from './respond';

/**
 * A subscription sent over HTTP whose root field carries `@skip` or `@include` (conditionalSubscriptionRoot): 400
 * BAD_USER_INPUT, before Apollo validates it — graphql-js's rule for single root fields throws on such a directive with
 * a variable, which Apollo answers as an internal error. Only a query with `subscription` and an `@` in it is parsed here;
 * anything else, and a query that does not parse, is left to Apollo.
 */
export const conditionalSubscriptionCheck: Step = (req, res, next) => {
  const query =
    req.method === 'GET'
      ? (req as IncomingMessage & { query?: Record<string, unknown> }).query?.query
      : ((req as IncomingMessage & { body?: unknown }).body as { query?: unknown } | undefined)?.query;
  // A directive needs an `@` (GraphQL allows spaces or a comment between it and the name): no `@`, no directive.
  if (typeof query !== 'string' || !query.includes('subscription') || !query.includes('@')) return next();
  let conditional = false;
  try {
    conditional = conditionalSubscriptionRoot(parse(query, { maxTokens: 5000 }));
  } catch {
    return next();
  }
  if (conditional) return sendJson(res, 400, { errors: [{ message: CONDITIONAL_ROOT_MESSAGE, extensions: { code: 'BAD_USER_INPUT' } }] });
  next();
};
