import fs from 'node:fs';
import path from 'node:path';
import { getNamedType, getNullableType, GraphQLInputObjectType, GraphQLSchema, isInputObjectType, isListType, isObjectType } from 'graphql';
import { allow } from 'graphql-shield';
import { permissions } from '../../src/policy/permissions';
import { printSubgraphSdl } from '../../src/federation/subgraph';
import { buildBareSchema, buildServedSchema, MAX_INPUT_NESTING, printSchemaFile } from '../../src/schema';

/** The schema the hub serves (the public one plus Federation's `_entities` and `_service`): what the rules must cover. */
let schema: GraphQLSchema;
/** The public schema, as committed in schema.graphql. */
let publicSchema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildServedSchema();
  publicSchema = await buildBareSchema();
});

function objectTypes() {
  return Object.values(schema.getTypeMap()).filter((t) => isObjectType(t) && !t.name.startsWith('__')) as Array<
    ReturnType<GraphQLSchema['getQueryType']> & object
  >;
}

test('every object type and every field of the schema has an explicit rule with a reason', () => {
  const missing: string[] = [];
  for (const type of objectTypes()) {
    for (const field of Object.keys(type.getFields())) {
      const p = permissions[type.name]?.[field];
      if (!p || !p.rule || p.reason.trim().length < 10) missing.push(`${type.name}.${field}`);
    }
  }
  expect(missing).toEqual([]);
});

test('the rule tree names no type or field that the schema lacks', () => {
  const extra: string[] = [];
  for (const [type, fields] of Object.entries(permissions)) {
    const t = schema.getType(type);
    for (const field of Object.keys(fields)) {
      if (!t || !isObjectType(t) || !t.getFields()[field]) extra.push(`${type}.${field}`);
    }
  }
  expect(extra).toEqual([]);
});

test('every reference to a person on a row notes a person the viewer may not see as redacted (personRef), or has its own rule', () => {
  // Person fields that are not a reference from a row to a person row of its own, each with why.
  const own: Record<string, string> = {
    'Query.person': 'a lookup by id: null exactly as for an id that never existed (DOMAIN §3)',
    'Viewer.person': 'the viewer themselves',
    'ResourceListEntry.person': 'non-null: the entry is visible only with its person (resource_read)',
    'Agency.pointOfContact': 'contactRule',
    'PrivateSectorMember.pointOfContact': 'contactRule',
    'Country.primaryContact': 'contactRule',
    'PersonEdge.node': 'a connection of people, each row under person_read',
  };
  const missing: string[] = [];
  for (const type of objectTypes()) {
    for (const [name, field] of Object.entries(type.getFields())) {
      const named = getNamedType(field.type);
      if (named.name !== 'Person' || isListType(getNullableType(field.type))) continue;
      const key = `${type.name}.${name}`;
      if (own[key]) {
        if (own[key] === 'contactRule') expect([key, permissions[type.name][name].rule === allow]).toEqual([key, false]);
        continue;
      }
      if (!permissions[type.name]?.[name]?.references) missing.push(key);
    }
  }
  expect(missing).toEqual([]);
});

test('every mutation has a rule other than allow', () => {
  const mutation = schema.getMutationType()!;
  const open = Object.keys(mutation.getFields()).filter((f) => permissions.Mutation[f].rule === allow);
  expect(open).toEqual([]);
});

test('schema.graphql is what the code generates (run `npm run schema` after changing the API)', () => {
  const committed = fs.readFileSync(path.join(__dirname, '../../schema.graphql'), 'utf8');
  expect(committed).toEqual(printSchemaFile(publicSchema));
});

test('subgraph.graphql is what the code generates (run `npm run schema` after changing the API)', () => {
  const committed = fs.readFileSync(path.join(__dirname, '../../subgraph.graphql'), 'utf8');
  expect(committed).toEqual(printSubgraphSdl(publicSchema));
});

test('the served schema is the public one plus Federation’s fields and types, nothing else', () => {
  const added = (a: GraphQLSchema, b: GraphQLSchema) => Object.keys(a.getTypeMap()).filter((t) => !b.getType(t)).sort();
  expect(added(schema, publicSchema)).toEqual(['_Any', '_Entity', '_Service']);
  expect(added(publicSchema, schema)).toEqual([]);
  const queryFields = (s: GraphQLSchema) => Object.keys(s.getQueryType()!.getFields());
  expect(queryFields(schema).filter((f) => !queryFields(publicSchema).includes(f)).sort()).toEqual(['_entities', '_service']);
});

test('input objects nest within the bound of the walk that asks their rules (MAX_INPUT_NESTING), and none holds itself', () => {
  const depthOf = (type: GraphQLInputObjectType, seen: string[]): number => {
    if (seen.includes(type.name)) throw new Error(`input ${type.name} holds itself: ${[...seen, type.name].join(' → ')}`);
    const inner = Object.values(type.getFields()).map((f) => getNamedType(f.type)).filter(isInputObjectType);
    return 1 + Math.max(0, ...inner.map((t) => depthOf(t, [...seen, type.name])));
  };
  const inputs = Object.values(schema.getTypeMap()).filter(isInputObjectType).filter((t) => !t.name.startsWith('__'));
  const deepest = Math.max(...inputs.map((t) => depthOf(t, [])));
  // The arguments of a field are one level above its input objects.
  expect(deepest + 1).toBeLessThanOrEqual(MAX_INPUT_NESTING);
});
