import type { ApolloServerOptionsWithGateway, BaseContext } from '@apollo/server';
import { DocumentNode, ExecutionResult, getOperationAST, getVariableValues, GraphQLError, GraphQLSchema, isAbstractType } from 'graphql';
import { CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';

type Gateway = ApolloServerOptionsWithGateway<BaseContext>['gateway'];
type Executor = NonNullable<Awaited<ReturnType<Gateway['load']>>['executor']>;

/**
 * Executes operations with graphql-jit instead of graphql-js's interpreter: each operation document is compiled once
 * into a JavaScript function for this schema, which then runs the same resolvers — the same shield middleware and
 * rules, row scopes and loaders — without graphql-js's per-field bookkeeping (a resolve-info object, an arguments
 * object and a path for every field of every row, default resolvers included). On a 500-row case board that
 * bookkeeping was most of the hub's CPU time and garbage.
 *
 * Apollo Server plugs a custom executor in through its gateway interface: Apollo still parses, validates (with the
 * armor limits), runs the plugins and formats errors; only execution is ours.
 *
 * Variables are coerced by graphql-js first, so that a bad variable gets exactly graphql-js's error (and Apollo's 400 and
 * BAD_USER_INPUT) and input fields get their defaults; graphql-jit then runs on the coerced values.
 */
export function jitGateway(schema: GraphQLSchema, cacheSize = 500): Gateway {
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
    if (!operation) return { errors: [new GraphQLError(operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation.')] };
    const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], request.variables ?? {}, { maxErrors: 50 });
    if (coerced.errors) return { errors: coerced.errors };
    const query = compiled.get(schema, document, operationName);
    if (!isCompiledQuery(query)) return query;
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

/**
 * graphql-jit reports errors as objects of its own that only look like graphql-js's GraphQLError (read-only message, no
 * `nodes`); Apollo's error handling and its plugins expect the real class, as graphql-js's execute returns it.
 */
function asGraphQLError(e: GraphQLError): GraphQLError {
  if (e.constructor === GraphQLError) return e;
  const original = e.originalError ?? undefined;
  const error = new GraphQLError(e.message, { path: e.path, originalError: original, extensions: e.extensions ?? original?.['extensions' as never] });
  if (e.locations) (error as { locations?: GraphQLError['locations'] }).locations = e.locations;
  return error;
}

/** A small LRU of compiled operations; a document that does not compile (it never should, once validated) is not kept. */
class CompiledCache {
  private readonly entries = new Map<DocumentNode, Map<string, CompiledQuery | ExecutionResult>>();
  constructor(private readonly size: number) {}

  get(schema: GraphQLSchema, document: DocumentNode, operationName: string | undefined): CompiledQuery | ExecutionResult {
    const key = operationName ?? '';
    let byName = this.entries.get(document);
    const hit = byName?.get(key);
    if (byName && hit) {
      // Most recently used last.
      this.entries.delete(document);
      this.entries.set(document, byName);
      return hit;
    }
    const result = compileQuery(schema, document, operationName, { disablingCapturingStackErrors: true });
    if (!isCompiledQuery(result)) return result;
    if (!byName) {
      byName = new Map();
      this.entries.set(document, byName);
      if (this.entries.size > this.size) this.entries.delete(this.entries.keys().next().value!);
    }
    byName.set(key, result);
    return result;
  }
}
