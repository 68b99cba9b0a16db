import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import {
  ArgumentNode, ASTNode, BREAK, DocumentNode, execute, ExecutionResult, getNamedType, getNullableType, getOperationAST, GraphQLError, GraphQLInputType, GraphQLSchema,
  isAbstractType, isListType, isNonNullType, isScalarType, Kind, OperationTypeNode, TypeInfo, ValidationRule, ValueNode, visit, visitWithTypeInfo,
} from 'graphql';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import type { KnownQueries } from '../http/known-query';
import { coercedVariables } from './input-errors';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/**
 * Executes queries with graphql-jit instead of graphql-js's interpreter: each query document is compiled once into a
 * JavaScript function for this schema, which then runs the same resolvers — the same shield middleware and rules, row
 * scopes and loaders — without graphql-js's per-field bookkeeping (a resolve-info object, an arguments object and a
 * path for every field of every row, default resolvers included). On a 500-row case board that bookkeeping was most of
 * the hub's CPU time and garbage.
 *
 * Apollo Server plugs a custom executor in through its gateway interface: Apollo still parses, validates (with the
 * armor limits and `reservedNamesRule`), runs the plugins and formats errors; only execution is ours.
 *
 * - Variables are coerced by graphql-js first, so that a bad variable gets exactly graphql-js's error (and Apollo's 400
 *   and BAD_USER_INPUT) and input fields get their defaults; graphql-jit then runs on the coerced values.
 * - `@skip`/`@include` whose `if` is a variable that is null is refused as bad input (graphql-js fails it as an
 *   internal error, graphql-jit would silently drop the field).
 * - Mutations run on graphql-js: its serial execution stops at the first failed field, where graphql-jit would go on
 *   writing the fields after it. So do documents without a runnable operation (graphql-js's errors for them), and
 *   queries with a variable inside a scalar's literal (`variableInScalarLiteral`), which graphql-jit reads as absent.
 * - A subscription over HTTP is refused with 400 BAD_REQUEST: subscriptions are served over WebSocket (src/live/).
 *
 * `engine: 'graphql-js'` runs everything on graphql-js with the same checks: the tests compare the two engines.
 *
 * Each query text it runs compiled is handed to `known` (src/http/known-query.ts), which answers its next POSTs without
 * Apollo's request pipeline.
 */
export function hubGateway(schema: GraphQLSchema, engine: 'jit' | 'graphql-js' = 'jit', cacheSize = 100, known?: KnownQueries): Gateway {
  // graphql-jit takes the value a type resolver returns as the type name; a promise would fail every abstract field.
  for (const type of Object.values(schema.getTypeMap())) {
    if (isAbstractType(type) && type.resolveType?.constructor.name === 'AsyncFunction') {
      throw new Error(`the type resolver of ${type.name} must be synchronous for the compiled executor`);
    }
  }
  // Compiled operations by document (Apollo hands out the same parsed document for the same query text) and operation name.
  const compiled = new CompiledCache(cacheSize);
  let listener: ((s: { apiSchema: GraphQLSchema; coreSupergraphSdl: string }) => void) | undefined;

  const executor: Executor = async (rc) => {
    const { document, request } = rc;
    const operationName = request.operationName ?? undefined;
    const operation = getOperationAST(document, operationName);
    const interpreted = async () => {
      const result = (await execute({ schema, document, contextValue: rc.context, variableValues: request.variables, operationName })) as ExecutionResult;
      // No data at all: the variables were refused before anything ran (graphql-js's own coercion).
      return result.data === undefined && result.errors ? { errors: result.errors.map(asBadInput) } : result;
    };
    if (operation?.operation === OperationTypeNode.SUBSCRIPTION) {
      return { errors: [new GraphQLError('Subscriptions are served over WebSocket (graphql-transport-ws) at this path, not over HTTP.', { nodes: operation, extensions: { code: 'BAD_REQUEST', http: { status: 400 } } })] };
    }
    if (operation?.operation === OperationTypeNode.MUTATION) {
      // A variable given null is null coerced too (graphql-js coerces a mutation's variables itself, in `execute`).
      const nullArgument = nullIntoNonNull(schema, document, request.variables ?? {});
      if (nullArgument) return { errors: [nullArgument] };
    }
    if (!operation || operation.operation !== OperationTypeNode.QUERY) return interpreted();
    const coerced = coercedVariables(schema, operation, request.variables);
    if (coerced.errors) return { errors: coerced.errors };
    const nullArgument = nullIntoNonNull(schema, document, coerced.coerced);
    if (nullArgument) return { errors: [nullArgument] };
    const nullCondition = nullDirectiveCondition(document, coerced.coerced);
    if (nullCondition) return { errors: [nullCondition] };
    if (engine === 'graphql-js' || variableInScalarLiteral(schema, document)) return interpreted();
    const query = compiled.get(schema, document, operationName);
    if (!isCompiledQuery(query)) return { ...query, errors: query.errors?.map(asGraphQLError) };
    if (known && typeof request.query === 'string') known.remember(request.query, operationName, { document, operation, compiled: query });
    // The coerced values (defaults of input fields filled in, which graphql-jit's own coercion skips for non-null
    // fields); coercing them again is the identity: every enum's value is its name, DateTimeISO takes a Date.
    const result = await query.query(undefined, rc.context, coerced.coerced);
    return result.errors ? { ...result, errors: result.errors.map(asGraphQLError) } : result;
  };

  return {
    onSchemaLoadOrUpdate(callback) {
      listener = callback;
      return () => {
        listener = undefined;
      };
    },
    async load() {
      listener?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor };
    },
    async stop() {
      // nothing to release
    },
  };
}

/** Per document: whether a scalar's literal in it holds a variable (`variableInScalarLiteral`), found once. */
const scalarLiteralVariables = new WeakMap<DocumentNode, boolean>();

/**
 * Whether an object or list literal the schema reads as one scalar value holds a variable: federation's `_Any`, as in
 * `_entities(representations: [{ __typename: "Case", id: $id }])`. graphql-js hands the variables to the scalar's
 * `parseLiteral`; graphql-jit parses such a literal when it compiles the query, with no variables, so `$id` would be
 * read as absent. Such documents run on graphql-js (`hubGateway`).
 */
export function variableInScalarLiteral(schema: GraphQLSchema, document: DocumentNode): boolean {
  let found = scalarLiteralVariables.get(document);
  if (found === undefined) {
    found = false;
    const typeInfo = new TypeInfo(schema);
    const holdsVariable = (node: ValueNode): boolean => {
      let holds = false;
      visit(node, {
        Variable() {
          holds = true;
          return BREAK;
        },
      });
      return holds;
    };
    visit(
      document,
      visitWithTypeInfo(typeInfo, {
        enter(node) {
          if (node.kind !== Kind.OBJECT && node.kind !== Kind.LIST) return undefined;
          const type = typeInfo.getInputType();
          // A list of scalars is a list (its items are read one by one, a variable item as a variable): only a literal
          // that is itself the scalar's value.
          if (!type || !isScalarType(getNamedType(type)) || isListType(getNullableType(type))) return undefined;
          if (!holdsVariable(node)) return false;
          found = true;
          return BREAK;
        },
      }),
    );
    scalarLiteralVariables.set(document, found);
  }
  return found;
}

/** Per document: its `@skip(if: $v)` / `@include(if: $v)` conditions, found once (documents are reused by Apollo). */
const conditionsOf = new WeakMap<DocumentNode, Array<{ directive: string; variable: string; node: ArgumentNode }>>();

/** The first `@skip(if: $v)` / `@include(if: $v)` of the document whose variable is null, as a BAD_USER_INPUT error. */
export function nullDirectiveCondition(document: DocumentNode, variables: Record<string, unknown>): GraphQLError | null {
  let conditions = conditionsOf.get(document);
  if (!conditions) {
    const found: Array<{ directive: string; variable: string; node: ArgumentNode }> = [];
    visit(document, {
      Directive(node) {
        if (node.name.value !== 'skip' && node.name.value !== 'include') return;
        const arg = node.arguments?.find((a) => a.name.value === 'if');
        if (arg?.value.kind === Kind.VARIABLE) found.push({ directive: node.name.value, variable: arg.value.name.value, node: arg });
      },
    });
    conditions = found;
    conditionsOf.set(document, conditions);
  }
  const bad = conditions.find((c) => (variables[c.variable] ?? null) === null);
  if (!bad) return null;
  return new GraphQLError(`Argument "if" of @${bad.directive} must not be null (variable "$${bad.variable}").`, {
    nodes: bad.node,
    extensions: { code: 'BAD_USER_INPUT' },
  });
}

/** Per document: the non-null arguments and input fields given a variable of a nullable type (one with a default). */
const nonNullUsesOf = new WeakMap<DocumentNode, Array<{ variable: string; argument: string; type: string; node: ASTNode }>>();

/**
 * A variable of a nullable type with a default may stand where a non-null value is needed (`$id: ID = "x"` in
 * `case(id: $id)`, GraphQL's "variables in allowed positions"); given an explicit null, the field then fails at run
 * time with an error of no code, which would be answered as an INTERNAL_SERVER_ERROR. It is the client's input: the
 * first such use is refused before anything runs, as a variable that does not fit is (`id: must not be null (ID!)`,
 * BAD_USER_INPUT naming the argument).
 */
export function nullIntoNonNull(schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>): GraphQLError | null {
  let uses = nonNullUsesOf.get(document);
  if (!uses) {
    const nullable = new Set<string>();
    for (const def of document.definitions) {
      if (def.kind !== Kind.OPERATION_DEFINITION) continue;
      for (const v of def.variableDefinitions ?? []) if (v.type.kind !== Kind.NON_NULL_TYPE) nullable.add(v.variable.name.value);
    }
    const found: Array<{ variable: string; argument: string; type: string; node: ASTNode }> = [];
    if (nullable.size > 0) {
      const typeInfo = new TypeInfo(schema);
      const path: string[] = [];
      const note = (value: ValueNode, type: GraphQLInputType | null | undefined, node: ASTNode) => {
        if (value.kind === Kind.VARIABLE && isNonNullType(type) && nullable.has(value.name.value)) {
          found.push({ variable: value.name.value, argument: path.join('.'), type: String(type), node });
        }
      };
      visit(document, visitWithTypeInfo(typeInfo, {
        Argument: {
          enter(node) {
            path.push(node.name.value);
            note(node.value, typeInfo.getArgument()?.type, node);
          },
          leave() {
            path.pop();
          },
        },
        ObjectField: {
          enter(node) {
            path.push(node.name.value);
            note(node.value, typeInfo.getInputType(), node);
          },
          leave() {
            path.pop();
          },
        },
      }));
    }
    uses = found;
    nonNullUsesOf.set(document, uses);
  }
  const bad = uses.find((u) => Object.prototype.hasOwnProperty.call(variables, u.variable) && variables[u.variable] === null);
  if (!bad) return null;
  return new GraphQLError(`${bad.argument}: must not be null (${bad.type})`, {
    nodes: bad.node,
    extensions: { code: 'BAD_USER_INPUT', argument: bad.argument },
  });
}

/**
 * Variables and aliases whose names start with `__` are refused: names with two leading underscores are reserved for
 * introspection (GraphQL spec §2.1.9), and `$__proto__` or an alias `__proto__` would only meet JavaScript's object
 * machinery in the executors.
 */
export const reservedNamesRule: ValidationRule = (context) => ({
  VariableDefinition(node) {
    if (node.variable.name.value.startsWith('__')) {
      context.reportError(new GraphQLError(`Variable "$${node.variable.name.value}": names starting with "__" are reserved.`, { nodes: node }));
    }
  },
  Field(node) {
    if (node.alias?.value.startsWith('__')) {
      context.reportError(new GraphQLError(`Alias "${node.alias.value}": names starting with "__" are reserved.`, { nodes: node.alias }));
    }
  },
});

/** How deep a value written in a query (lists and objects inside one another) may be nested. */
export const MAX_LITERAL_NESTING = 32;

/**
 * Values written in the query are nested at most `MAX_LITERAL_NESTING` levels deep (a representation written into
 * `_entities`, an input object, a list): the steps after validation read a literal by recursion (graphql-jit compiles
 * it into its query with `JSON.stringify`), and a literal a few thousand levels deep, which the token limit still lets
 * through, overflowed the call stack there — an internal error. No argument of this schema needs more than a few
 * levels; a deeper value can be sent as a variable, whose JSON is read without recursion.
 */
export const literalNestingRule: ValidationRule = (context) => {
  let depth = 0;
  const enter = (node: ASTNode): false | undefined => {
    depth++;
    if (depth <= MAX_LITERAL_NESTING) return undefined;
    context.reportError(
      new GraphQLError(`A value written in the query is nested more than ${MAX_LITERAL_NESTING} levels deep: send a value so deep as a variable.`, { nodes: node }),
    );
    depth--;
    // Not walked further (its own depth is known to be too much); the walk goes on after it.
    return false;
  };
  const leave = (): void => {
    depth--;
  };
  return { ListValue: { enter, leave }, ObjectValue: { enter, leave } };
};

/**
 * graphql-jit reports errors as objects of its own that only look like graphql-js's GraphQLError (read-only message, no
 * `nodes`); Apollo's error handling and its plugins expect the real class, as graphql-js's execute returns it.
 */
function asGraphQLError(e: GraphQLError): GraphQLError {
  if (e.constructor === GraphQLError) return e;
  // graphql-jit's error already carries its original error's extensions (a resolver's code, such as BAD_USER_INPUT).
  const error = new GraphQLError(e.message, { path: e.path, originalError: e.originalError ?? undefined, extensions: e.extensions });
  if (e.locations) (error as { locations?: GraphQLError['locations'] }).locations = e.locations;
  return error;
}

/**
 * A variable error without a code: graphql-js stops after 50 variable errors with one more error ("Too many errors
 * processing variables") that has none, which would be answered as an INTERNAL_SERVER_ERROR. Every error of variable
 * coercion is the client's input: BAD_USER_INPUT.
 */
function asBadInput(error: GraphQLError): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { ...error.extensions, code: 'BAD_USER_INPUT' } });
}

/**
 * An LRU (lru-cache) of compiled operations, by parsed document and operation name: a stream of distinct queries
 * replaces entries instead of adding to them. A document that does not compile (it never should, once validated) is
 * not kept.
 */
export class CompiledCache {
  private readonly entries: LRUCache<DocumentNode, Map<string, CompiledQuery>>;
  constructor(size: number) {
    this.entries = new LRUCache({ max: size });
  }

  get(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult {
    const key = operationName ?? '';
    let byName = this.entries.get(document);
    const hit = byName?.get(key);
    if (hit) return hit;
    const result = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
    if (!isCompiledQuery(result)) return result;
    if (!byName) {
      byName = new Map();
      this.entries.set(document, byName);
    }
    byName.set(key, result);
    return result;
  }

  get size(): number {
    return this.entries.size;
  }
}
