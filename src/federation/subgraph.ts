import { buildSubgraphSchema, printSubgraphSchema } from '@apollo/subgraph';
import {
  ConstDirectiveNode, DocumentNode, GraphQLFieldConfig, GraphQLFieldResolver, GraphQLList, GraphQLNonNull, GraphQLObjectType,
  GraphQLResolveInfo, GraphQLScalarType, GraphQLSchema, GraphQLString, GraphQLUnionType, Kind, lexicographicSortSchema, parse, printSchema, valueFromASTUntyped, visit,
} from 'graphql';
import { participantTypeName } from '../../entities/participant.entity';
import type { Context } from '../context';
import { badInput } from '../graphql/errors';

/**
 * The hub as an Apollo Federation v2 subgraph (DOMAIN §6).
 *
 * The entities and how each is looked up: a representation is answered by calling the resolver of the root lookup
 * named here, as the schema serves it (its rule included), with the representation's key as the argument — the same
 * loader, the same viewer-bound transaction, row-level security deciding. A row the viewer may not see is therefore
 * `null` exactly as for an id that never existed, and a page of representations costs one statement per type (the
 * loaders batch them). Only the key is read from a representation: any other field in it is ignored.
 */
export interface EntityLookup {
  /** The object type. */
  type: string;
  /** Its key field, and the argument of the root lookup that takes it. */
  key: 'id' | 'code';
  /** The root lookup (a field of Query) that answers the same question for the same viewer. */
  rootField: string;
  /** For a lookup that answers an interface: the row is this entity only when it is of this type (else null, as for another type's id). */
  accepts?: (row: object) => boolean;
}

const participantOfType = (type: 'Agency' | 'PrivateSectorMember') => (row: object) =>
  participantTypeName(row as Parameters<typeof participantTypeName>[0]) === type;

export const entityLookups: readonly EntityLookup[] = [
  { type: 'Case', key: 'id', rootField: 'case' },
  { type: 'Agency', key: 'id', rootField: 'participant', accepts: participantOfType('Agency') },
  { type: 'PrivateSectorMember', key: 'id', rootField: 'participant', accepts: participantOfType('PrivateSectorMember') },
  { type: 'Person', key: 'id', rootField: 'person' },
  { type: 'ConferenceCall', key: 'id', rootField: 'call' },
  { type: 'AssistanceRequest', key: 'id', rootField: 'assistanceRequest' },
  { type: 'SectorReport', key: 'id', rootField: 'report' },
  { type: 'Country', key: 'code', rootField: 'country' },
];

/** The Federation version the subgraph SDL links (`@link`); what both composition and the gateway read. */
export const FEDERATION_SPEC = 'https://specs.apollo.dev/federation/v2.3';

/**
 * The subgraph SDL (`_service { sdl }` and the committed `subgraph.graphql`): the public schema with `@link` and the
 * `@key` of every entity, normalised by @apollo/subgraph's printer. Produced from the same code as `schema.graphql`.
 */
export function printSubgraphSdl(publicSchema: GraphQLSchema): string {
  const keys = new Map(entityLookups.map((e) => [e.type, e.key]));
  const document = visit(parse(printSchema(lexicographicSortSchema(publicSchema))), {
    ObjectTypeDefinition(node) {
      const key = keys.get(node.name.value);
      if (!key) return undefined;
      const directive: ConstDirectiveNode = {
        kind: Kind.DIRECTIVE,
        name: { kind: Kind.NAME, value: 'key' },
        arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'fields' }, value: { kind: Kind.STRING, value: key } }],
      };
      return { ...node, directives: [...(node.directives ?? []), directive] };
    },
  }) as DocumentNode;
  const link = parse(`extend schema @link(url: "${FEDERATION_SPEC}", import: ["@key"])`);
  const typeDefs: DocumentNode = { kind: Kind.DOCUMENT, definitions: [...link.definitions, ...document.definitions] };
  return printSubgraphSchema(buildSubgraphSchema([{ typeDefs }])) + '\n';
}

/** Federation's `_Any`: a representation, taken as it comes (only its `__typename` and key are ever read). */
const AnyType = new GraphQLScalarType({
  name: '_Any',
  description: 'An entity representation: `__typename` and the key of the entity (other fields are ignored).',
  serialize: (value) => value,
  parseValue: (value) => value,
  parseLiteral: (ast, variables) => valueFromASTUntyped(ast, variables ?? undefined),
});

/**
 * Which entity type a row answered by `_entities` is: recorded by the resolver that looked it up (the row objects come
 * from the loaders, shared with the rest of the request, so the name is kept beside them, not written on them).
 */
const entityTypeOf = new WeakMap<object, string>();

/** Reads a representation's key, refusing what no gateway sends (BAD_USER_INPUT naming the argument). */
function keyOf(representation: unknown, index: number, lookups: Map<string, EntityLookup>): { lookup: EntityLookup; key: string } {
  const where = `representations[${index}]`;
  if (representation === null || typeof representation !== 'object' || Array.isArray(representation)) {
    throw badInput(where, 'must be an object with __typename and the key of an entity');
  }
  const { __typename: typename } = representation as { __typename?: unknown };
  if (typeof typename !== 'string') throw badInput(`${where}.__typename`, 'must be the name of an entity type');
  const lookup = lookups.get(typename);
  if (!lookup) throw badInput(`${where}.__typename`, `${typename} is not an entity of this subgraph`);
  const key = (representation as Record<string, unknown>)[lookup.key];
  if (typeof key !== 'string') throw badInput(`${where}.${lookup.key}`, `must be the ${lookup.key} of the ${typename}, a string`);
  return { lookup, key };
}

/**
 * The schema the hub serves: the public schema plus Federation's `_entities`, `_service` and their types. The public
 * types and resolvers are the ones type-graphql built, untouched; `schema.graphql` stays the public API without them.
 */
export function withFederation(publicSchema: GraphQLSchema): GraphQLSchema {
  const sdl = printSubgraphSdl(publicSchema);
  const lookups = new Map(entityLookups.map((e) => [e.type, e]));
  const config = publicSchema.toConfig();
  const query = publicSchema.getQueryType()!;
  for (const e of entityLookups) {
    if (!query.getFields()[e.rootField]) throw new Error(`the root lookup Query.${e.rootField} of ${e.type} does not exist`);
    if (!publicSchema.getType(e.type)) throw new Error(`the entity type ${e.type} does not exist`);
  }

  const entityUnion = new GraphQLUnionType({
    name: '_Entity',
    types: () => entityLookups.map((e) => publicSchema.getType(e.type) as GraphQLObjectType),
    // Synchronous: graphql-jit takes the returned value as the type name (src/graphql/executor.ts).
    resolveType: (row: object) => entityTypeOf.get(row),
  });
  const serviceType = new GraphQLObjectType({
    name: '_Service',
    fields: { sdl: { type: GraphQLString, description: 'The subgraph SDL (Federation v2), as committed in subgraph.graphql.' } },
  });

  const resolveEntities: GraphQLFieldResolver<unknown, Context, { representations: unknown[] }> = (_root, { representations }, ctx, info) => {
    // Every representation is checked before any is looked up: a malformed one fails the request, nothing is read.
    const wanted = representations.map((r, i) => keyOf(r, i, lookups));
    const rootFields = (info.schema.getQueryType() ?? query).getFields();
    return wanted.map(async ({ lookup, key }) => {
      const root = rootFields[lookup.rootField];
      const row = (await root.resolve!(undefined, { [lookup.key]: key }, ctx, info as GraphQLResolveInfo)) as object | null | Error;
      if (row instanceof Error) throw row;
      if (!row || (lookup.accepts && !lookup.accepts(row))) return null;
      entityTypeOf.set(row, lookup.type);
      return row;
    });
  };

  const entitiesField: GraphQLFieldConfig<unknown, Context, any> = {
    type: new GraphQLNonNull(new GraphQLList(entityUnion)),
    description: 'Federation: the entities these representations name, each exactly as its root lookup answers it for this viewer (null when hidden or missing).',
    args: { representations: { type: new GraphQLNonNull(new GraphQLList(new GraphQLNonNull(AnyType))) } },
    resolve: resolveEntities,
  };
  const serviceField: GraphQLFieldConfig<unknown, Context> = {
    type: new GraphQLNonNull(serviceType),
    description: 'Federation: the subgraph SDL. Introspection, with the same policy (its rule: src/policy/federation.permissions.ts).',
    resolve: () => ({ sdl }),
  };

  const queryConfig = query.toConfig();
  const federatedQuery = new GraphQLObjectType({
    ...queryConfig,
    fields: { ...queryConfig.fields, _entities: entitiesField, _service: serviceField },
  });
  return new GraphQLSchema({
    ...config,
    query: federatedQuery,
    types: [...config.types.filter((t) => t !== query), federatedQuery, AnyType, entityUnion, serviceType],
  });
}
