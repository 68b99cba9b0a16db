import { GraphQLError } from 'graphql';

/** Bad input: names the argument and the problem; nothing was written. */
export function badInput(argument: string, problem: string): GraphQLError {
  return new GraphQLError(`${argument}: ${problem}`, { extensions: { code: 'BAD_USER_INPUT', argument } });
}

/** A refused mutation (or query field): nothing was written. */
export function forbidden(): GraphQLError {
  return new GraphQLError('Not allowed', { extensions: { code: 'FORBIDDEN' } });
}

export function unauthenticated(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

/** An id the viewer cannot see answers exactly like an id that never existed (DOMAIN §3). */
export function notFound(argument: string, what: string): GraphQLError {
  return badInput(argument, `no ${what} with this id`);
}
