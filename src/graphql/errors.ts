import { HeaderMap } from '@apollo/server';
import { DocumentNode, GraphQLError, Kind } from 'graphql';

/** Bad input: names the argument and the problem; nothing was written. */
export function badInput(argument: string, problem: string): GraphQLError {
  return new GraphQLError(`${argument}: ${problem}`, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

/** The last year the network's calendar takes: a call's cadence is counted up to it (`callCadence(year:)`). */
export const LAST_YEAR = 2200;

/**
 * `date` must come after `now` (a call or training scheduled, a key's expiry), and no later than the year `LAST_YEAR`
 * (a call in the year 9999 could never be counted in a cadence): BAD_USER_INPUT naming the argument.
 */
export function mustBeInTheFuture(argument: string, date: Date, now: Date): void {
  if (!(date.getTime() > now.getTime())) throw badInput(argument, 'must be in the future');
  if (date.getUTCFullYear() > LAST_YEAR) throw badInput(argument, `must be before ${LAST_YEAR + 1}-01-01T00:00:00Z`);
}

/**
 * A refused mutation (or query field): nothing was written. `why`, when given, is the rule's reason (the rule tree's,
 * citing the plan), said after "Not allowed: ": the same for every row the rule refuses, so it tells nothing of a row.
 */
export function forbidden(why?: string): GraphQLError {
  return new GraphQLError(why ? `Not allowed: ${why}` : 'Not allowed', { extensions: { code: 'FORBIDDEN' } });
}

/** Why an API key is refused every mutation (DOMAIN §8), whatever its organization may do. */
export const API_KEY_READ_ONLY = 'an API key is read-only; a change needs a person’s token (DOMAIN §8)';

/**
 * A write the database's row-level security refused (a `WITH CHECK` or `USING` policy: SQLSTATE 42501) is FORBIDDEN;
 * any other error passes through unchanged (a database failure stays an internal error).
 */
export function refusedByPolicy(err: unknown): unknown {
  return (err as { code?: string } | null)?.code === '42501' ? forbidden() : err;
}

/**
 * A write a database rule refused (a trigger's `check_violation` naming its constraint: a rule decided under a row's
 * lock, where two writes at once could each pass a policy's check) is the answer `answers` gives for that constraint —
 * the bad input the same write gets when the data layer sees the problem first; `detail` is what the trigger named (a
 * person's id). Any other error as `refusedByPolicy`.
 */
export function refusedByRule(err: unknown, answers: Record<string, (detail: string) => GraphQLError>): unknown {
  const e = err as { code?: string; constraint?: string; detail?: string } | null;
  const answer = e?.code === '23514' && e.constraint ? answers[e.constraint] : undefined;
  return answer ? answer(e?.detail ?? '') : refusedByPolicy(err);
}

/**
 * The hub cannot answer for a moment through no fault of the request (HTTP 503 with `Retry-After`): try again.
 * `cause`: what it ran into, for the operator's log (never sent).
 */
export function serviceUnavailable(message: string, retryAfterSeconds: number, cause?: Error): GraphQLError {
  return new GraphQLError(message, {
    originalError: cause,
    extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds, http: { status: 503, headers: new HeaderMap([['retry-after', String(retryAfterSeconds)]]) as never } },
  });
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/**
 * The client closed its connection before the answer was sent: what the request still asks of the database is refused
 * with this. Nobody receives it; it marks the request's remaining work as abandoned, not failed (nothing is logged as
 * an error for it).
 */
export function clientClosedRequest(): GraphQLError {
  return new GraphQLError('The client closed the request', { extensions: { code: 'CLIENT_CLOSED_REQUEST' } });
}

/** An id the viewer cannot see answers exactly like an id that never existed (DOMAIN §3). */
export function notFound(argument: string, what: string): GraphQLError {
  return badInput(argument, `no ${what} with this id`);
}

/**
 * What a document too deeply nested for graphql-js's parser (which reads it by recursion, some thousands of levels
 * before the call stack ends) is told, instead of the parser's "Maximum call stack size exceeded": still 400
 * GRAPHQL_PARSE_FAILED. `deepestQuery`: MAX_QUERY_DEPTH; values written in a query nest at most `deepestLiteral`.
 */
export function tooDeepToParse(deepestQuery: number, deepestLiteral: number): string {
  return `Syntax Error: the document nests too deeply to be read (selections nest at most ${deepestQuery} levels, values written in the query at most ${deepestLiteral})`;
}

/** Whether a parse failed because the document nested deeper than the call stack reaches (`error` or what it wraps). */
export function parsedTooDeep(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 5; e = (e as { originalError?: unknown }).originalError, depth++) {
    if (e instanceof RangeError) return true;
  }
  return false;
}

/**
 * graphql-js's words (and so Apollo's, OPERATION_RESOLUTION_FAILURE) for the operation `operationName` does not pick
 * out of `document`, or null when it picks one: the hub's WebSocket and the gateway name it as Apollo does over HTTP.
 */
export function unresolvedOperation(document: DocumentNode, operationName: string | undefined): string | null {
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (operationName !== undefined) return operations.some((o) => o.name?.value === operationName) ? null : `Unknown operation named "${operationName}".`;
  if (operations.length === 0) return 'Must provide an operation.';
  if (operations.length > 1) return 'Must provide operation name if query contains multiple operations.';
  return null;
}
