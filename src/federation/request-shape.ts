import { GraphQLError, Kind, parse } from 'graphql';
import type { GatewayPlugin } from '@graphql-hive/gateway-runtime';
import { extensionsProblem } from '../http/persisted-query';
import { unresolvedOperation } from '../graphql/errors';
import { MAX_QUERY_TOKENS } from '../graphql/limits';
import { bodyWithoutQueryMessage, unreadableBodyMessage } from '../http/respond';
import { isWebSocketContext } from './live';

/**
 * A POST's JSON body at the gateway's front door, answered as the hub answers it before any GraphQL runs.
 *
 * The hub reads a body with Express's JSON parser (body-parser, strict: an object or a list), then its persisted-query
 * step (`extensionsProblem`), then Apollo Server's checks of the request's shape; Hive Gateway has its own parser and
 * checks with other words and, for some, another status: `{}` was 200 "Must provide query string.", a truncated body
 * "POST body sent invalid JSON." with the parser's error (and the client's text) under `extensions.originalError`,
 * `"query": ""` a 200 syntax error, `"operationName": 5` "Could not determine what operation to execute.", a key
 * other than the four of the protocol 400 (the hub ignores it). A client's mistake is now named the same at both doors.
 *
 * Automatic persisted queries are the hub's alone: a body with a `persistedQuery` extension and no query is answered
 * `PERSISTED_QUERY_NOT_SUPPORTED`, Apollo Server's answer when they are off, on which Apollo Client and urql send the
 * query itself from then on (Hive Gateway said "Must provide query string.", which they take as a failed request).
 */
export type BodyAnswer =
  /** Refused: this status and error, nothing sent to a subgraph. */
  | { status: number; message: string; extensions: Record<string, unknown>; headers?: Record<string, string> }
  /** Goes on as this text (the keys the protocol does not know left out, as the hub ignores them). */
  | { body: string }
  /** Goes on as it is. */
  | null;

/** The request parameters of GraphQL over HTTP: anything else in a body is ignored, as at the hub. */
const PARAMETERS = new Set(['query', 'variables', 'operationName', 'extensions']);

/** `body` is the whole POST body of content type application/json, as UTF-8 text. */
export function bodyAnswer(body: string): BodyAnswer {
  const bad = (message: string): BodyAnswer => ({ status: 400, message, extensions: { code: 'BAD_REQUEST' } });
  let value: unknown;
  try {
    value = parsedAsTheHubParses(body);
  } catch (err) {
    return bad(unreadableBodyMessage(body, (err as Error).message));
  }
  if (Array.isArray(value)) return bad('Operation batching disabled.');
  const request = value as Record<string, unknown>;
  const persisted = persistedQueryAnswer(request.extensions, request.query);
  if (persisted) return persisted;
  // Apollo Server's checks of a POST body, in its order and words.
  if (Object.keys(request).length === 0) return bad(bodyWithoutQueryMessage(body.length === 0 ? 'empty' : 'no keys'));
  const { query, variables, operationName } = request;
  if (query && typeof query !== 'string') {
    return bad(
      (query as { kind?: unknown }).kind === Kind.DOCUMENT
        ? "GraphQL queries must be strings. It looks like you're sending the internal graphql-js representation of a parsed query in your " +
            'request instead of a request in the GraphQL query language. You can convert an AST to a string using the `print` function from ' +
            '`graphql`, or use a client like `apollo-client` which converts the internal representation to a string for you.'
        : 'GraphQL queries must be strings.',
    );
  }
  if (typeof variables === 'string') return bad('`variables` in a POST body should be provided as an object, not a recursively JSON-encoded string.');
  if ('variables' in request && variables !== null && (typeof variables !== 'object' || Array.isArray(variables))) {
    return bad('`variables` in a POST body must be an object if provided.');
  }
  if ('operationName' in request && operationName !== null && typeof operationName !== 'string') {
    return bad('`operationName` in a POST body must be a string if provided.');
  }
  if (!query) return bad('GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.');
  if (Object.keys(request).every((key) => PARAMETERS.has(key))) return null;
  return { body: JSON.stringify({ query, variables, operationName, extensions: request.extensions }) };
}

/**
 * A request's `extensions` (a POST body's, a GET's search parameter, parsed) as the hub's persisted-query step answers
 * them: a malformed `persistedQuery` is bad input naming the part; a hash without its query is
 * `PERSISTED_QUERY_NOT_SUPPORTED` (the gateway keeps no persisted queries), on which Apollo Client and urql send the
 * query itself, over POST or GET alike. Null: the request goes on.
 */
export function persistedQueryAnswer(extensions: unknown, query: unknown): Exclude<BodyAnswer, { body: string } | null> | null {
  const problem = extensionsProblem(extensions, query);
  if (problem) return { status: 400, message: `${problem.argument}: ${problem.problem}`, extensions: { code: 'BAD_USER_INPUT', argument: problem.argument } };
  const persisted = (extensions as Record<string, unknown> | null | undefined)?.persistedQuery;
  if (persisted !== undefined && persisted !== null && query === undefined) {
    return {
      status: 200,
      message: 'PersistedQueryNotSupported',
      extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' },
      headers: { 'cache-control': 'private, no-cache, must-revalidate' },
    };
  }
  return null;
}

const FIRST_NON_WHITESPACE = /^[\x20\x09\x0a\x0d]*([^\x20\x09\x0a\x0d]|$)/;

/**
 * JSON as the hub's parser reads a body (body-parser's strict mode, which `express.json()` uses): empty is `{}`; text
 * that does not begin with `{` or `[` is refused with the syntax error JSON.parse gives at that character; anything
 * else is JSON.parse's. Its errors carry the parser's own words, which the hub sends.
 */
function parsedAsTheHubParses(text: string): unknown {
  if (text.length === 0) return {};
  if (text[0] !== '{' && text[0] !== '[') {
    const first = FIRST_NON_WHITESPACE.exec(text)?.[1] || undefined;
    if (first !== '{' && first !== '[') {
      // The parser's own trick: everything from that character on replaced by '#', parsed, and the '#'s of the error's
      // message given back their characters (so the message quotes the client's text as JSON.parse would).
      const index = text.indexOf(String(first));
      const partial = index === -1 ? '' : text.slice(0, index) + '#'.repeat(text.length - index);
      try {
        JSON.parse(partial);
      } catch (err) {
        throw new SyntaxError((err as Error).message.replace(/#+/g, (placeholder) => text.substring(index, index + placeholder.length)));
      }
      throw new SyntaxError('strict violation');
    }
  }
  return JSON.parse(text);
}

const UNRESOLVED = 'Could not determine what operation to execute.';

/** What a subscription asked for over HTTP without accepting a stream is told (with 406 and `Accept: text/event-stream`). */
export const STREAM_NOT_ACCEPTED =
  'A subscription is answered as a stream: over WebSocket (graphql-transport-ws) at this path, or over HTTP to a request that accepts text/event-stream (server-sent events)';

/**
 * Two answers of Hive Gateway's, said as the hub says them or said at all:
 *
 * - Which operation a request names, refused in graphql-js's words as at the hub (`Unknown operation named "B".`, `Must
 *   provide operation name if query contains multiple operations.`, `Must provide an operation.`) with
 *   OPERATION_RESOLUTION_FAILURE and 400. Hive Gateway said "Could not determine what operation to execute." for
 *   every one of them, a misspelt name included. Only that answer is reworded: the document is parsed again here, on
 *   that path alone. (Hive Gateway decides the operation before it validates the document, the hub after: a document
 *   that both fails validation and names no operation of its own is told the latter here, the former at the hub.)
 * - A subscription asked for over HTTP by a client that does not accept a stream (`Accept: application/json`): Hive
 *   Gateway began the subscription (a connection to the hub), then answered 406 with an empty body. The hub serves
 *   subscriptions over WebSocket only (400, its own words); the gateway serves them over WebSocket and as server-sent
 *   events, so its 406 stays, says so (`STREAM_NOT_ACCEPTED`, with `Accept: text/event-stream`), and comes before
 *   anything is subscribed. The gateway's WebSocket subscriptions (src/federation/live.ts) are not HTTP requests.
 */
export function requestShapePlugin(): GatewayPlugin {
  const asked = new WeakMap<Request, { query?: unknown; operationName?: unknown }>();
  return {
    onParams({ params, request }) {
      asked.set(request, params);
    },
    onSubscribe({ args, setResultAndStopExecution }) {
      const context = args.contextValue as { request?: Request } | undefined;
      if (!context?.request || isWebSocketContext(context) || acceptsStream(context.request.headers.get('accept'))) return;
      setResultAndStopExecution({
        errors: [new GraphQLError(STREAM_NOT_ACCEPTED, { extensions: { code: 'BAD_REQUEST', http: { status: 406, headers: { accept: 'text/event-stream' } } } })],
      });
    },
    onResultProcess({ request, result, setResult }) {
      if (!result || typeof result !== 'object' || Array.isArray(result) || Symbol.asyncIterator in result) return;
      const errors = (result as { errors?: readonly GraphQLError[] }).errors;
      if (errors?.length !== 1 || errors[0].message !== UNRESOLVED) return;
      const params = asked.get(request);
      const message = params ? unresolvedOperationOf(params.query, params.operationName) : null;
      if (message) setResult({ errors: [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE', http: { status: 400 } } })] });
    },
  };
}

/** Whether an Accept header lets a subscription be answered as server-sent events (no header: anything goes). */
function acceptsStream(accept: string | null): boolean {
  if (accept === null || accept.trim() === '') return true;
  return accept.split(',').some((range) => ['*/*', 'text/*', 'text/event-stream'].includes(range.split(';')[0].trim().toLowerCase()));
}

/** `unresolvedOperation` of the request's text (parsed again: this is the error path alone), or null. */
function unresolvedOperationOf(query: unknown, operationName: unknown): string | null {
  if (typeof query !== 'string') return null;
  try {
    return unresolvedOperation(parse(query, { noLocation: true, maxTokens: MAX_QUERY_TOKENS }), typeof operationName === 'string' ? operationName : undefined);
  } catch {
    return null;
  }
}
