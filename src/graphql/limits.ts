import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, Kind, SelectionNode, ValidationContext, ValidationRule } from 'graphql';
import { limitMessage, pageCostRule } from './cost';
import { literalNestingRule, reservedNamesRule } from './executor';

/** The most tokens a document may have: every path parses with graphql-js's own limit (`parse(…, { maxTokens })`). */
export const MAX_QUERY_TOKENS = 5000;

/** A refusal of graphql-armor, reported as a validation error (GRAPHQL_VALIDATION_FAILED) without its "Syntax Error: " prefix. */
function reportWithoutSyntaxPrefix(context: ValidationContext | null, error: GraphQLError): void {
  const refused = new GraphQLError(limitMessage(error.message), { nodes: error.nodes, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
  if (context) context.reportError(refused);
  else throw refused;
}

/**
 * An operation asks for `__schema` at most once: at most one response path holds it, fragments counted where they are
 * spread (fields of one response key at one place merge into one, as GraphQL runs them). The cost limit counts
 * introspection as nothing (graphql-armor), and 50 aliases of the whole schema, each nested as deep as graphql-js lets
 * introspection go, answered 23 MB in 6 s (the hub's memory doubled), within every other limit.
 */
export const oneSchemaRule: ValidationRule = (context) => {
  // Per fragment, the response paths (relative to where it is spread) that hold __schema.
  const inFragment = new Map<string, Set<string>>();
  const paths = (selections: readonly SelectionNode[], seen: ReadonlySet<string>): Set<string> => {
    const found = new Set<string>();
    const add = (prefix: string, inner: Set<string>) => inner.forEach((p) => found.add(prefix + p));
    for (const s of selections) {
      if (s.kind === Kind.FIELD) {
        const key = s.alias?.value ?? s.name.value;
        if (s.name.value === '__schema') found.add(key);
        if (s.selectionSet) add(`${key}.`, paths(s.selectionSet.selections, seen));
      } else if (s.kind === Kind.INLINE_FRAGMENT) add('', paths(s.selectionSet.selections, seen));
      else if (!seen.has(s.name.value)) {
        let inner = inFragment.get(s.name.value);
        if (inner === undefined) {
          const fragment = context.getFragment(s.name.value);
          inner = fragment ? paths(fragment.selectionSet.selections, new Set([...seen, s.name.value])) : new Set();
          inFragment.set(s.name.value, inner);
        }
        add('', inner);
      }
      if (found.size > 1) break;
    }
    return found;
  };
  return {
    OperationDefinition(operation) {
      const n = paths(operation.selectionSet.selections, new Set()).size;
      if (n > 1) context.reportError(new GraphQLError(`An operation may ask for __schema once, found ${n}.`, { nodes: operation, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }));
    },
  };
};

/**
 * The hub's limits on a query, as validation rules (graphql-armor's): its cost (a page counted as at most 1,000 rows,
 * `pageCostRule`; generous enough for a full page of a dashboard's case board, nested pages multiply), then a depth of
 * `maxDepth` (MAX_QUERY_DEPTH; fields only: a fragment's fields are as deep as where it is spread), 50 aliases and 50
 * directives. Refusals are validation errors said plainly (no "Syntax
 * Error:" of a query that parsed). The same rules for HTTP requests and subscriptions, at the hub and at the gateway.
 * The token limit is graphql-js's own (`MAX_QUERY_TOKENS`), where each path parses.
 */
export function queryLimitRules(maxDepth: number): ValidationRule[] {
  const refusal = { propagateOnRejection: false, onReject: [reportWithoutSyntaxPrefix] };
  const armor = new ApolloArmor({
    // A fragment nests nothing in the answer: its fields are as deep as where it is spread (Relay's and Apollo's
    // fragment-per-component queries were refused a few fragments deep).
    maxDepth: { n: maxDepth, flattenFragments: true, ...refusal },
    // An alias of __typename counts as any other (armor leaves them out by default: 1,500 of them were answered).
    maxAliases: { n: 50, allowList: [], ...refusal },
    maxDirectives: { n: 50, ...refusal },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return [pageCostRule(refusal), oneSchemaRule, ...armor.validationRules];
}

/**
 * Every rule the hub validates a document with besides graphql-js's own: the limits, no reserved `__` names for
 * aliases and variables, values written in the query nested at most 32 levels.
 */
export function hubValidationRules(maxDepth: number): ValidationRule[] {
  return [...queryLimitRules(maxDepth), reservedNamesRule, literalNestingRule];
}
