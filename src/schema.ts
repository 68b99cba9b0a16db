import 'reflect-metadata';
import { GraphQLError, GraphQLFieldResolver, GraphQLInterfaceType, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema, lexicographicSortSchema, printSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { allow, deny, shield } from 'graphql-shield';
import { validate as classValidate, ValidationError } from './validation';
import { buildSchema, getMetadataStorage, ResolverData } from 'type-graphql';
import { Case } from '../entities/case.entity';
import { participantTypeName } from '../entities/participant.entity';
import { CallExclusionResolver, CallSegmentResolver, ConferenceCallResolver } from '../resolvers/call.resolver';
import { CaseConfidentialResolver, CaseResolver, CaseShareResolver } from '../resolvers/case.resolver';
import { AgencyResolver, CountryResolver, ParticipantResolver, PersonResolver } from '../resolvers/participant.resolver';
import { ViewerResolver } from '../resolvers/viewer.resolver';
import {
  ApiKeyResolver, CaseAccessLogEntryResolver, CaseAccessRequestResolver, CaseAccountabilityResolver, ViewerApiKeyResolver,
} from '../resolvers/accountability.resolver';
import { AssistanceRequestResolver } from '../resolvers/assistance.resolver';
import { EndorsementObjectionResolver, EndorsementResolver } from '../resolvers/endorsement.resolver';
import { NetworkReportResolver } from '../resolvers/network-report.resolver';
import { SectorReportResolver } from '../resolvers/report.resolver';
import { EducationProjectResolver } from '../resolvers/education.resolver';
import { QuestionnaireAnswerResolver, QuestionnaireResolver, QuestionnaireResponseResolver } from '../resolvers/questionnaire.resolver';
import { ResourceListResolver } from '../resolvers/resource-list.resolver';
import { TrainingSessionResolver } from '../resolvers/training.resolver';
import { LiveResolver } from '../resolvers/live.resolver';
import type { Context } from './context';
import { withFederation } from './federation/subgraph';
import { API_KEY_READ_ONLY, badInput, forbidden } from './graphql/errors';
import { permissions, } from './policy/permissions';
import type { PermissionTree } from './policy/rules';

export const resolvers = [
  ViewerResolver,
  ParticipantResolver,
  AgencyResolver,
  PersonResolver,
  CountryResolver,
  CaseResolver,
  CaseConfidentialResolver,
  CaseShareResolver,
  ConferenceCallResolver,
  CallSegmentResolver,
  CallExclusionResolver,
  EndorsementResolver,
  EndorsementObjectionResolver,
  AssistanceRequestResolver,
  SectorReportResolver,
  NetworkReportResolver,
  QuestionnaireResolver, QuestionnaireResponseResolver, QuestionnaireAnswerResolver, ResourceListResolver, TrainingSessionResolver, EducationProjectResolver,
  ApiKeyResolver, ViewerApiKeyResolver, CaseAccessRequestResolver, CaseAccessLogEntryResolver, CaseAccountabilityResolver,
  LiveResolver,
] as const;

function firstProblem(errors: ValidationError[], prefix: string): { path: string; message: string } | null {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      // A blank value is told so, whatever else it fails ('' is too short as well): one wording for one mistake.
      const failed = Object.keys(e.constraints);
      const message = e.constraints[failed.includes('notBlank') ? 'notBlank' : failed[0]]
        // The path names the property: "each value in topics must …" is said "each value must …" (it was "each value in must").
        .replace(new RegExp(`^(each value in )?${e.property} `), (_m, each?: string) => (each ? 'each value ' : ''))
        // class-validator's own wording of a list's size ("at least 1 elements"), said as a person would.
        .replace(/^must contain at least 1 elements$/, 'must not be empty')
        .replace(/\b(\d+) elements\b/, (_m, n: string) => `${n} ${n === '1' ? 'item' : 'items'}`);
      return { path, message };
    }
    const nested = firstProblem(e.children ?? [], path);
    if (nested) return nested;
  }
  return null;
}

/** class-validator on every input object, reported as BAD_USER_INPUT naming the argument (`input.title: …`). */
async function validateArgument(value: unknown, _type: unknown, data: ResolverData<object>): Promise<void> {
  if (value === null || typeof value !== 'object') return;
  // The converted instance, or failing that the raw argument with the same fields (variables arrive as plain objects).
  const keysOf = (v: unknown) => (v && typeof v === 'object' ? Object.keys(v).sort().join(',') : null);
  const entries = Object.entries(data.args);
  const argName = (entries.find(([, v]) => v === value) ?? entries.find(([, v]) => keysOf(v) === keysOf(value)))?.[0];
  const items = Array.isArray(value) ? value : [value];
  for (const item of items) {
    if (item === null || typeof item !== 'object') continue;
    const problem = await problemIn(item as object, argName ?? '', 0);
    if (problem) throw badInput(problem.path, problem.message);
  }
}

/**
 * The first problem class-validator finds in an input object or in the input objects it holds, at any depth (the
 * filter of `cases(filter:)` is an input object inside the field's arguments: its rules were never asked), named by
 * its path (`filter.countryCode`, `input.answers[2].text`). Input objects are the instances type-graphql makes of the
 * input classes; plain objects (a scalar's JSON value, a representation) are values, not inputs with rules.
 */
async function problemIn(item: object, prefix: string, depth: number): Promise<{ path: string; message: string } | null> {
  const problem = firstProblem(await classValidate(item, { skipMissingProperties: true, forbidUnknownValues: false }), prefix);
  if (problem || depth >= MAX_INPUT_NESTING) return problem;
  for (const [key, v] of Object.entries(item)) {
    const at = prefix ? `${prefix}.${key}` : key;
    const nested = Array.isArray(v) ? v.map((x, i) => [x, `${at}[${i}]`] as const) : [[v, at] as const];
    for (const [x, path] of nested) {
      if (!isInputObject(x)) continue;
      const found = await problemIn(x, path, depth + 1);
      if (found) return found;
    }
  }
  return null;
}

/** A bound on the walk: the schema's input types nest two levels below the arguments, and none holds itself. */
export const MAX_INPUT_NESTING = 8;

function isInputObject(v: unknown): v is object {
  if (v === null || typeof v !== 'object' || v instanceof Date || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto !== null && proto !== Object.prototype;
}

/** The schema without authorization: what type-graphql builds from the entities and resolvers. */
export async function buildBareSchema(): Promise<GraphQLSchema> {
  simpleFieldResolvers();
  const schema = await buildSchema({
    resolvers,
    validateFn: validateArgument,
    // type-graphql insists on a PubSub once there are subscriptions; the hub's are served by its own dispatcher
    // (src/live/), which resolves each subscription field per group of subscribers, so this one is never used.
    pubSub: {
      publish() {
        throw new Error('live events are published by committed transactions (src/live/bus.ts)');
      },
      subscribe() {
        throw new Error('subscriptions are served over graphql-ws by the live-update dispatcher');
      },
    },
  });
  // type-graphql wraps `resolveType` in an async function; graphql-jit (src/graphql/executor.ts) needs the type name
  // itself, so the interface gets its synchronous resolver back.
  (schema.getType('Participant') as GraphQLInterfaceType).resolveType = participantTypeName;
  (schema.getType('Case') as GraphQLObjectType).isTypeOf = caseIsTypeOf;
  directFieldResolvers(schema);
  return schema;
}

/** Marks a field resolver `directFieldResolvers` made (the tests read it). */
export const DIRECT_RESOLVER = Symbol('direct field resolver');

/**
 * The field resolvers of the resolver classes (`@FieldResolver` in `resolvers/`) whose parameters are only `@Root`,
 * `@Ctx` and `@Info` call their method directly. type-graphql's own resolver for them, on every call: a request-data
 * object, the resolver class's instance looked up in its container's list, the parameter list sorted and mapped into a
 * new array, a check of each for a promise, the middleware chain (none is set), then the method. A list's rows call
 * these once per row and field (a case board's rows: lead agency, countries, rights, tier). The same method runs, on
 * the same values: the root when it is an instance of the parameter's type (type-graphql would hand it over as it is),
 * the context or one of its properties, the info. A root of any other kind, which type-graphql would convert, takes
 * type-graphql's own resolver. Fields with arguments (validated by type-graphql), custom parameters, middlewares or roles,
 * and fields a type takes from a parent class, keep theirs. Rules are untouched: graphql-shield wraps the
 * fields after this.
 */
function directFieldResolvers(schema: GraphQLSchema): void {
  const storage = getMetadataStorage();
  const instances = new Map<Function, Record<string, (...params: unknown[]) => unknown>>();
  for (const objectType of storage.objectTypes) {
    const type = schema.getType(objectType.name);
    if (!(type instanceof GraphQLObjectType)) continue;
    const fields = type.getFields();
    // The field metadata type-graphql made each field from: its interfaces' first, the type's own overriding them.
    const interfaces = storage.interfaceTypes.filter((i) => objectType.interfaceClasses?.includes(i.target));
    const made = new Map([...interfaces.flatMap((i) => i.fields ?? []), ...(objectType.fields ?? [])].map((f) => [f.schemaName, f]));
    for (const field of made.values()) {
      if (!fields[field.schemaName]) continue;
      // Its resolver, found as type-graphql found it.
      const meta = storage.fieldResolvers.find(
        (r) => (r.kind === 'internal' || (resolvers as readonly Function[]).includes(r.target)) && r.getObjectType?.() === field.target && r.methodName === field.name,
      );
      if (!meta || meta.kind !== 'external' || meta.middlewares?.length || meta.roles?.length) continue;
      const params = [...(meta.params ?? [])].sort((a, b) => a.index - b.index);
      if (!params.every((p) => p.kind === 'root' || p.kind === 'context' || p.kind === 'info')) continue;
      // One instance per resolver class, as type-graphql's default container keeps (the classes hold no state).
      let instance = instances.get(meta.target);
      if (!instance) instances.set(meta.target, (instance = new (meta.target as new () => Record<string, (...params: unknown[]) => unknown>)()));
      const method = instance[meta.methodName];
      const original = fields[field.schemaName].resolve!;
      const pick = params.map((p) => {
        if (p.kind === 'info') return (_root: unknown, _ctx: unknown, info: unknown) => info;
        const name = (p as { propertyName?: string }).propertyName;
        if (p.kind === 'context') return name ? (_root: unknown, ctx: unknown) => (ctx as Record<string, unknown>)[name] : (_root: unknown, ctx: unknown) => ctx;
        return name ? (root: unknown) => (root as Record<string, unknown>)[name] : (root: unknown) => root;
      });
      const rootTypes = params.flatMap((p) => {
        if (p.kind !== 'root') return [];
        const target = (p as { getType?: () => unknown }).getType?.();
        return typeof target === 'function' ? [{ name: (p as { propertyName?: string }).propertyName, target: target as Function }] : [];
      });
      const direct: GraphQLFieldResolver<unknown, unknown> = (root, args, ctx, info) => {
        for (const r of rootTypes) {
          const value = r.name ? (root as Record<string, unknown> | null)?.[r.name] : root;
          if (value != null && !(value instanceof r.target)) return original(root, args, ctx, info);
        }
        return method.apply(instance, pick.map((f) => f(root, ctx, info)));
      };
      (direct as unknown as Record<symbol, unknown>)[DIRECT_RESOLVER] = original;
      fields[field.schemaName].resolve = direct;
    }
  }
}

/**
 * Every object type's plain fields (a `@Field` property with no field resolver) are read as graphql's default resolver
 * reads them, `value[fieldName]`: type-graphql's `simpleResolvers`, for every object type that does not set it. Its
 * own resolver for such a field built a request-data object and a closure and went through its middleware chain on
 * every read, for the same answer (the hub sets no type-graphql middleware, no `@Authorized`, and no field's schema name
 * differs from its property's); graphql-jit reads a default-resolved field inline. Field resolvers (`@FieldResolver`)
 * are untouched, and so is every rule: graphql-shield wraps the schema's fields after this, as before.
 */
function simpleFieldResolvers(): void {
  for (const type of getMetadataStorage().objectTypes) type.simpleResolvers ??= true;
}

/**
 * Called by both executors for every `Case` value a response carries (graphql-jit passes the value only): a TLP:RED row
 * is recorded in its request's audit trail (DOMAIN §9), which the statement that loaded it attached. Sync and cheap:
 * one call per row, not per field. A value of another type (by `__typename`) is not a Case.
 */
function caseIsTypeOf(value: unknown): boolean {
  if (value instanceof Case) {
    value.auditTrail?.row(value);
    return true;
  }
  const typename = (value as { __typename?: unknown } | null)?.__typename;
  return typename === undefined || typename === 'Case';
}

/** The committed `schema.graphql`: sorted, so that it changes only when the API does. */
export function printSchemaFile(schema: GraphQLSchema): string {
  return printSchema(lexicographicSortSchema(schema)) + '\n';
}

/**
 * What a denied rule answers. On a mutation: a FORBIDDEN error saying the rule's reason (`reasons`, by mutation; an API
 * key's own for a key), nothing written. On any other field (a part of a visible row, or a root query field): null,
 * counted in `extensions.redacted` — never an entry in `errors`.
 * Only a rule that answered "no" gets here: an error thrown while a rule is evaluated is not a denial (see below).
 */
function deniedWith(reasons: Record<string, string>) {
  return (_err: unknown, _parent: unknown, _args: unknown, ctx: Context, info: GraphQLResolveInfo): unknown => {
    if (info.parentType.name === 'Mutation') return forbidden(ctx.viewer.apiKey ? API_KEY_READ_ONLY : reasons[info.fieldName]);
    ctx.redactions.note(info.path);
    return null;
  };
}

type FieldMiddleware = Record<string, Record<string, unknown>>;

/** The root types: their fields resolve once per request, and keep graphql-shield's own evaluation of every rule. */
const ROOT_TYPES = new Set(['Query', 'Mutation', 'Subscription']);

/**
 * A rule that reads only the viewer and the row (`Permission.check`), applied synchronously: the resolver when it holds,
 * the denial (`denied`, as graphql-shield's fallbackError gives it) when it does not.
 */
function checked(check: NonNullable<PermissionTree[string][string]['check']>) {
  return (resolve: GraphQLFieldResolver<unknown, Context>, parent: unknown, args: Record<string, unknown>, ctx: Context, info: GraphQLResolveInfo) =>
    check(parent, ctx) ? resolve(parent, args, ctx, info) : notRoot(undefined, parent, args, ctx, info);
}

/** `deniedWith` for a field that is not a mutation's (`checked` guards no root field): null, counted. */
const notRoot = deniedWith({});

/**
 * A reference to a row of its own (`personRef`) that the row sets but that resolves to null: row-level security hid the
 * row it names, and the null is noted in `extensions.redacted`, as a denial is.
 */
function redactedWhenHidden(references: NonNullable<PermissionTree[string][string]['references']>) {
  return (resolve: GraphQLFieldResolver<unknown, Context>, parent: unknown, args: Record<string, unknown>, ctx: Context, info: GraphQLResolveInfo) => {
    const noted = (value: unknown) => {
      if (value == null && references(parent)) ctx.redactions.note(info.path);
      return value;
    };
    const value: unknown = resolve(parent, args, ctx, info);
    return typeof (value as PromiseLike<unknown> | null)?.then === 'function' ? (value as PromiseLike<unknown>).then(noted) : noted(value);
  };
}

/**
 * Applies the rule tree with graphql-shield, deny by default. Fields whose rule is plain `allow` are left unwrapped:
 * their visibility was decided by row-level security, and an async middleware call per field is the main cost of shield.
 * Fields of object types whose rule reads only the viewer and the row (`Permission.check`: `viewerRule`, `rowRule`)
 * are guarded by that predicate synchronously, in place of shield's middleware: a list's rows each call it.
 */
export function applyPermissions(schema: GraphQLSchema, tree: PermissionTree = permissions): GraphQLSchema {
  const sync = (type: string, p: PermissionTree[string][string]) => p.check !== undefined && !ROOT_TYPES.has(type);
  const rules = Object.fromEntries(
    Object.entries(tree).map(([type, fields]) => [
      type,
      Object.fromEntries(Object.entries(fields).filter(([, p]) => p.rule !== allow && !sync(type, p)).map(([f, p]) => [f, p.rule])),
    ]),
  );
  const generator = shield(rules, {
    fallbackRule: deny,
    fallbackError: deniedWith(Object.fromEntries(Object.entries(tree.Mutation ?? {}).map(([f, p]) => [f, p.reason]))) as never,
    // graphql-shield turns an error thrown inside a rule (the database failing while a mutation rule loads its row)
    // into `false`, a FORBIDDEN or a redaction. `debug: true` is its only switch that rethrows it instead (it also
    // rethrows the resolver's own errors rather than returning them: the same field error for graphql-js and
    // graphql-jit). The error then reaches formatError like any other: logged, INTERNAL_SERVER_ERROR. A rule that
    // answers false or returns an error it made (`notFound`, `badInput`) is unaffected.
    debug: true,
  });
  const generated = (generator as unknown as { generate(s: GraphQLSchema): FieldMiddleware }).generate(schema);
  const wrapped: FieldMiddleware = {};
  for (const [type, fields] of Object.entries(generated)) {
    for (const [field, middleware] of Object.entries(fields)) {
      const p = tree[type]?.[field];
      if (p?.rule === allow) {
        if (p.references) (wrapped[type] ??= {})[field] = redactedWhenHidden(p.references);
        continue;
      }
      (wrapped[type] ??= {})[field] = p && sync(type, p) ? checked(p.check!) : middleware;
    }
  }
  return applyMiddleware(schema, wrapped as never);
}

/**
 * Runs every mutation field in a savepoint of the request's transaction (`ViewerDb.atomically`), around its rule and
 * its resolver: a mutation that is refused (a policy's 42501, a write that changed no row) or fails writes nothing,
 * and the transaction stays usable for the document's next mutation. Its answer's fields resolve after it, as reads.
 */
export function applyMutationSavepoints(schema: GraphQLSchema, tree: PermissionTree = permissions): GraphQLSchema {
  const mutation = schema.getMutationType();
  if (!mutation) return schema;
  // A refusal without a reason of its own (row-level security changed no row, a policy's 42501: `forbidden()`) says
  // the mutation's rule, as the rule tree's denial does: an agency the database refuses is told the same rule as a
  // private member the rule tree refuses, not a bare "Not allowed". The same words for every row (DOMAIN §3).
  const withReason = (err: unknown, field: string): unknown => {
    const reason = tree.Mutation?.[field]?.reason;
    const bare = err instanceof GraphQLError && err.extensions.code === 'FORBIDDEN' && err.message === forbidden().message;
    return bare && reason ? forbidden(reason) : err;
  };
  const inSavepoint = (resolve: GraphQLFieldResolver<unknown, Context>, parent: unknown, args: unknown, ctx: Context, info: GraphQLResolveInfo) =>
    ctx.db.atomically(async () => {
      let result: unknown;
      try {
        result = await resolve(parent, args as Record<string, unknown>, ctx, info);
      } catch (err) {
        throw withReason(err, info.fieldName);
      }
      // graphql-shield returns (not throws) a resolver's error and a denied rule's: a failure all the same.
      if (result instanceof Error) throw withReason(result, info.fieldName);
      return result;
    });
  const fields = Object.fromEntries(Object.keys(mutation.getFields()).map((f) => [f, inSavepoint]));
  return applyMiddleware(schema, { [mutation.name]: fields } as never);
}

/** The schema the hub serves, before its rules: the public schema and the Federation fields (src/federation/subgraph.ts). */
export async function buildServedSchema(): Promise<GraphQLSchema> {
  return withFederation(await buildBareSchema());
}

export async function buildHubSchema(): Promise<GraphQLSchema> {
  return applyMutationSavepoints(applyPermissions(await buildServedSchema()));
}
