import { DocumentNode, GraphQLError, Kind, OperationTypeNode, parse, SelectionSetNode } from 'graphql';
import { MAX_QUERY_TOKENS } from './limits';

/** The answer to a subscription whose root field could be skipped (HTTP and WebSocket alike). */
export const CONDITIONAL_ROOT_MESSAGE = 'A subscription’s root field cannot be conditional: @skip and @include are not allowed on its top level';

/**
 * Whether any subscription operation of `document` has `@skip` or `@include` on its root level: on its field, or on an
 * inline fragment or fragment spread that holds it (followed into the fragments). The GraphQL specification (Single
 * Root Field) forbids them there, and the hub depends on it: a skipped root field is never resolved, so its `{}` would
 * be delivered whatever the event — telling the subscriber that something changed which they may not see.
 *
 * Asked before validation: graphql-js 16's own rule for single root fields evaluates these directives without the
 * request's variables, and throws where one takes its value from a variable.
 */
export function conditionalSubscriptionRoot(document: DocumentNode): boolean {
  return document.definitions.some(
    (d) => d.kind === Kind.OPERATION_DEFINITION && d.operation === OperationTypeNode.SUBSCRIPTION && conditionalRoot(d.selectionSet, document, new Set()),
  );
}

/** The refusal of such a document (BAD_USER_INPUT), or null for any other one. */
export function conditionalRootRefusal(document: DocumentNode): GraphQLError | null {
  return conditionalSubscriptionRoot(document) ? new GraphQLError(CONDITIONAL_ROOT_MESSAGE, { extensions: { code: 'BAD_USER_INPUT' } }) : null;
}

/**
 * The same for a query's text, parsed here only when it could hold such a subscription (`subscription` and an `@`: GraphQL
 * allows spaces or a comment between the `@` and the directive's name); null too when it does not parse — that is for
 * whoever validates it next.
 */
export function conditionalRootRefusalOfText(query: unknown): GraphQLError | null {
  if (typeof query !== 'string' || !query.includes('subscription') || !query.includes('@')) return null;
  try {
    return conditionalRootRefusal(parse(query, { maxTokens: MAX_QUERY_TOKENS }));
  } catch {
    return null;
  }
}

function conditionalRoot(selectionSet: SelectionSetNode, document: DocumentNode, seen: Set<string>): boolean {
  for (const selection of selectionSet.selections) {
    if (selection.directives?.some((d) => d.name.value === 'skip' || d.name.value === 'include')) return true;
    if (selection.kind === Kind.INLINE_FRAGMENT && conditionalRoot(selection.selectionSet, document, seen)) return true;
    if (selection.kind === Kind.FRAGMENT_SPREAD && !seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment && fragment.kind === Kind.FRAGMENT_DEFINITION && conditionalRoot(fragment.selectionSet, document, seen)) return true;
    }
  }
  return false;
}
