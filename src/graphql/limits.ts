import { ApolloArmor } from '@escape.tech/graphql-armor';
import { GraphQLError, ValidationContext, ValidationRule } from 'graphql';
import { pageCostRule } from './cost';
import { literalNestingRule, reservedNamesRule } from './executor';

/** The most tokens a document may have: every path parses with graphql-js's own limit (`parse(…, { maxTokens })`). */
export const MAX_QUERY_TOKENS = 5000;

/** A refusal of graphql-armor, reported as a validation error (GRAPHQL_VALIDATION_FAILED) without its "Syntax Error: " prefix. */
function reportWithoutSyntaxPrefix(context: ValidationContext | null, error: GraphQLError): void {
  const refused = new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { nodes: error.nodes, extensions: { ...error.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } });
  if (context) context.reportError(refused);
  else throw refused;
}

/**
 * The hub's limits on a query, as validation rules (graphql-armor's): its cost (a page counted as at most 1,000 rows,
 * `pageCostRule`; generous enough for a full page of a dashboard's case board, nested pages multiply), then a depth of
 * `maxDepth` (MAX_QUERY_DEPTH), 50 aliases and 50 directives. Refusals are validation errors said plainly (no "Syntax
 * Error:" of a query that parsed). The same rules for HTTP requests and subscriptions, at the hub and at the gateway.
 * The token limit is graphql-js's own (`MAX_QUERY_TOKENS`), where each path parses.
 */
export function queryLimitRules(maxDepth: number): ValidationRule[] {
  const refusal = { propagateOnRejection: false, onReject: [reportWithoutSyntaxPrefix] };
  const armor = new ApolloArmor({
    maxDepth: { n: maxDepth, ...refusal },
    maxAliases: { n: 50, ...refusal },
    maxDirectives: { n: 50, ...refusal },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: false },
  }).protect();
  return [pageCostRule(refusal), ...armor.validationRules];
}

/**
 * Every rule the hub validates a document with besides graphql-js's own: the limits, no reserved `__` names for
 * aliases and variables, values written in the query nested at most 32 levels.
 */
export function hubValidationRules(maxDepth: number): ValidationRule[] {
  return [...queryLimitRules(maxDepth), reservedNamesRule, literalNestingRule];
}
