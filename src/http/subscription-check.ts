import type { IncomingMessage } from 'node:http';
import { conditionalRootRefusalOfText } from '../graphql/conditional-root';
import { sendJson, Step } from './respond';

/**
 * A subscription sent over HTTP whose root field carries `@skip` or `@include` (conditionalSubscriptionRoot): 400
 * BAD_USER_INPUT, before Apollo validates it — graphql-js's rule for single root fields throws on such a directive with
 * a variable, which Apollo answers as an internal error. Anything else, and a query that does not parse, is left to Apollo.
 */
export const conditionalSubscriptionCheck: Step = (req, res, next) => {
  const query =
    req.method === 'GET'
      ? (req as IncomingMessage & { query?: Record<string, unknown> }).query?.query
      : ((req as IncomingMessage & { body?: unknown }).body as { query?: unknown } | undefined)?.query;
  const refusal = conditionalRootRefusalOfText(query);
  if (!refusal) return next();
  sendJson(res, 400, { errors: [{ message: refusal.message, extensions: refusal.extensions }] });
};
