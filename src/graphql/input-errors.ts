import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLDateTimeISO } from 'graphql-scalars';
import { ASTNode, DocumentNode, getVariableValues, GraphQLError, GraphQLSchema, isScalarType, Kind, OperationDefinitionNode, ValueNode, visit } from 'graphql';

/**
 * The argument path (`input`, `input.title`) where an operation passes variable `name`, or null when it does not.
 * A variable inside an input-object literal maps to the literal's field path.
 */
export function argumentPathOfVariable(operation: OperationDefinitionNode, name: string): string | null {
  let found: string | null = null;
  const path: string[] = [];
  visit(operation, {
    Argument: {
      enter(node) {
        path.push(node.name.value);
      },
      leave() {
        path.pop();
      },
    },
    ObjectField: {
      enter(node) {
        path.push(node.name.value);
      },
      leave() {
        path.pop();
      },
    },
    // An item of a list value: its index (`input.suspects[1]`), as for a literal there.
    ObjectValue: {
      enter(_node, key) {
        if (typeof key === 'number') path.push(`[${key}]`);
      },
      leave(_node, key) {
        if (typeof key === 'number') path.pop();
      },
    },
    ListValue: {
      enter(_node, key) {
        if (typeof key === 'number') path.push(`[${key}]`);
      },
      leave(_node, key) {
        if (typeof key === 'number') path.pop();
      },
    },
    Variable(node, key) {
      // Only variables used as (part of) an argument: the operation's own variable definitions sit outside any argument.
      if (found === null && node.name.value === name && path.length > 0) found = [...path, ...(typeof key === 'number' ? [`[${key}]`] : [])].join('.').replace(/\.\[/g, '[');
    },
  });
  return found;
}

const suggestion = /\s*(Did you mean\b[^?]*\?|\[Suggestion hidden\]\??)/g;

/**
 * DOMAIN §3: bad input is BAD_USER_INPUT "naming the argument and the problem". GraphQL reports a variable whose value
 * does not fit its type (a wrong enum value, a malformed date) by the variable's name (`Variable "$i" got invalid value
 * … at "i.tlp"; …`); this rewrites such an error (BAD_USER_INPUT, at the variable's definition) as `input.tlp:
 * <problem>`, like the hub's own input errors, with the argument in `extensions.argument`. Any other error is left as
 * it is.
 */
export function nameArgumentOf(error: GraphQLError, operation: OperationDefinitionNode | null | undefined): void {
  const definition = error.nodes?.[0];
  if (!operation || error.extensions?.code !== 'BAD_USER_INPUT' || definition?.kind !== Kind.VARIABLE_DEFINITION) return;
  const variable = definition.variable.name.value;
  const argument = argumentPathOfVariable(operation, variable);
  if (!argument) return;
  // Variable names are [_A-Za-z][_0-9A-Za-z]*: nothing to escape.
  const invalid =
    new RegExp(`^Variable "\\$${variable}" got invalid value [\\s\\S]*? at "${variable}((?:[.[][^"]*)?)"; ([\\s\\S]*)$`).exec(error.message) ??
    new RegExp(`^Variable "\\$${variable}" got invalid value [\\s\\S]*?; ()([\\s\\S]*)$`).exec(error.message);
  const missing = new RegExp(`^Variable "\\$${variable}" of (?:required|non-null) type "([^"]+)" (was not provided|must not be null)\\.$`).exec(error.message);
  if (invalid) {
    // A field of an input object left out is named by its own path, as in a literal (`input.categories: is required
    // ([HarmCategory!]!)`), not as the object's problem (`input: Field "categories" of required type … was not provided.`).
    const field = /^Field "([_A-Za-z][_0-9A-Za-z]*)" of required type "([^"]+)" was not provided\.$/.exec(invalid[2]);
    const at = `${argument}${invalid[1]}${field ? `.${field[1]}` : ''}`;
    error.message = field ? `${at}: is required (${field[2]})` : `${at}: ${invalid[2]}`;
    error.extensions.argument = at;
  } else if (missing) {
    error.message = `${argument}: ${missing[2] === 'was not provided' ? 'is required' : missing[2]} (${missing[1]})`;
    error.extensions.argument = argument;
  }
}

/** The kinds of a literal value in a document (not a variable). */
export const LITERAL_KINDS: ReadonlySet<Kind> = new Set<Kind>([Kind.STRING, Kind.INT, Kind.FLOAT, Kind.BOOLEAN, Kind.ENUM, Kind.LIST, Kind.OBJECT, Kind.NULL]);

/**
 * Where `target` (a value, or a field of an input-object value) is written in the document's arguments: `from`,
 * `input.categories[1]`; for an input object's field, the object that has it (`filter`, as graphql-js reports a
 * variable's unknown field). Null when it is no argument's.
 */
function literalPath(document: DocumentNode, target: ASTNode): string | null {
  let found: string | null = null;
  const within = (value: ValueNode, at: string): boolean => {
    if (value === target) return (found = at), true;
    if (value.kind === Kind.OBJECT) return value.fields.some((f) => (f === target ? ((found = at), true) : within(f.value, `${at}.${f.name.value}`)));
    if (value.kind === Kind.LIST) return value.values.some((v, i) => within(v, `${at}[${i}]`));
    return false;
  };
  visit(document, {
    Argument(node) {
      if (found === null) within(node.value, node.name.value);
    },
  });
  return found;
}

/**
 * A literal of the document that does not fit its argument's type (`networkReport(from: "notadate")`, `cases(orderBy:
 * HARMM)`, an input object without a required field) is bad input as much as the same value in a variable: this makes
 * graphql-js's validation error about it (at the value, inside an argument) BAD_USER_INPUT naming the argument and the
 * problem (`from: DateTime cannot represent an invalid date-time-string notadate.`, `input.categories: is required
 * ([HarmCategory!]!)`), worded as for a variable. Any other error is left as it is.
 */
export function nameLiteralArgumentOf(error: GraphQLError, document: DocumentNode | null | undefined): void {
  const target = error.nodes?.[0];
  if (!document || error.extensions?.code !== 'GRAPHQL_VALIDATION_FAILED' || !target) return;
  if (!LITERAL_KINDS.has(target.kind) && target.kind !== Kind.OBJECT_FIELD) return;
  const at = literalPath(document, target);
  if (at === null) return;
  const required = /^Field "[^"]+\.([_A-Za-z][_0-9A-Za-z]*)" of required type "([^"]+)" was not provided\.$/.exec(error.message);
  const argument = required ? `${at}.${required[1]}` : at;
  error.message = required ? `${argument}: is required (${required[2]})` : `${at}: ${error.message}`;
  error.extensions.code = 'BAD_USER_INPUT';
  error.extensions.argument = argument;
}

/**
 * A validation error as every path answers it: GRAPHQL_VALIDATION_FAILED (unless it has a code), without suggestions,
 * and a literal that does not fit its argument BAD_USER_INPUT naming it (`nameLiteralArgumentOf`).
 */
export function asValidationError(e: GraphQLError, document: DocumentNode): GraphQLError {
  const error = new GraphQLError(withoutSuggestion(e.message), {
    nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError,
    extensions: { ...e.extensions, code: e.extensions?.code ?? 'GRAPHQL_VALIDATION_FAILED' },
  });
  nameLiteralArgumentOf(error, document);
  return error;
}

/** Every error without "Did you mean" suggestions (ENGINEERING: no suggestions in responses). */
export function withoutSuggestion(message: string): string {
  return message.replace(suggestion, '');
}

/**
 * The variables coerced to the operation's variable types (graphql-js's own coercion, as execution runs it), or the
 * errors of those that do not fit, each BAD_USER_INPUT naming the argument (`nameArgumentOf`): what the hub answers
 * over HTTP (src/graphql/executor.ts, then `inputErrorsPlugin`), for the paths that coerce the variables themselves
 * (a subscription over WebSocket, the gateway).
 */
export function coercedVariables(
  schema: GraphQLSchema,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): { coerced: Record<string, unknown>; errors?: never } | { errors: GraphQLError[] } {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {}, { maxErrors: 50 });
  if (!coerced.errors) return { coerced: coerced.coerced };
  return {
    errors: coerced.errors.map((e) => {
      const error = new GraphQLError(withoutSuggestion(e.message), { nodes: e.nodes, extensions: { code: 'BAD_USER_INPUT' } });
      nameArgumentOf(error, operation);
      return error;
    }),
  };
}

/** `withoutSuggestion`, `nameArgumentOf` and `nameLiteralArgumentOf` on every error of a request. */
export function inputErrorsPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors, operation, document }) {
          for (const error of errors as GraphQLError[]) {
            error.message = withoutSuggestion(error.message);
            nameArgumentOf(error, operation);
            nameLiteralArgumentOf(error, document);
          }
        },
      };
    },
  };
}

/** Schemas whose DateTimeISO checks its values (`checkingDateTimes`). */
const dateTimesChecked = new WeakSet<GraphQLSchema>();

/**
 * The gateway's supergraph DateTimeISO is a scalar it passes on unread: a value that is no date-time reached the hub
 * field by field (a mutation's first field committed before its second was refused). Here it is checked as the hub
 * checks it (graphql-scalars' DateTimeISO, the hub's), in validation (a literal) and in the variables' coercion, and
 * passed on unchanged.
 */
export function checkingDateTimes(schema: GraphQLSchema): void {
  if (dateTimesChecked.has(schema)) return;
  dateTimesChecked.add(schema);
  const type = schema.getType('DateTimeISO');
  if (!type || !isScalarType(type)) return;
  const parseValue = type.parseValue.bind(type);
  const parseLiteral = type.parseLiteral.bind(type);
  type.parseValue = (value) => {
    GraphQLDateTimeISO.parseValue(value);
    return parseValue(value);
  };
  type.parseLiteral = (node, variables) => {
    GraphQLDateTimeISO.parseLiteral(node, variables);
    return parseLiteral(node, variables);
  };
}
