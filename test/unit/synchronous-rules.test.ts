import 'reflect-metadata';
import { buildSchema, execute, GraphQLFieldResolver, GraphQLObjectType, parse } from 'graphql';
import { applyPermissions } from '../../src/schema';
import { Redactions } from '../../src/policy/redaction';
import { open, PermissionTree, rowRule, viewerRule } from '../../src/policy/rules';
import type { Viewer } from '../../src/policy/viewer';

/**
 * `applyPermissions` (src/schema.ts): a rule that reads only the viewer and the row (`viewerRule`, `rowRule`) is applied
 * on an object type as its predicate, synchronously; on a root type, and for any other rule or a field missing from the
 * tree (the fallback `deny`), graphql-shield decides. Either way a denied part is null plus one `extensions.redacted`
 * entry, and its resolver never runs.
 */

const typeDefs = `
  type Query { items: [Item!]! agencyOnly: String unlisted: String }
  type Item { id: ID! secret: String note: String hidden: String }
`;

let resolved: string[] = [];
const rows = [
  { id: 'a', readable: true },
  { id: 'b', readable: false },
];
const resolvers: Record<string, Record<string, GraphQLFieldResolver<any, unknown>>> = {
  Query: { items: () => rows, agencyOnly: () => 'for agencies', unlisted: () => 'never' },
  Item: {
    secret: (row: { id: string }) => {
      resolved.push(`secret ${row.id}`);
      return `secret of ${row.id}`;
    },
    note: (row: { id: string }) => {
      resolved.push(`note ${row.id}`);
      return `note of ${row.id}`;
    },
    hidden: () => {
      resolved.push('hidden');
      return 'hidden';
    },
  },
};
const schema = buildSchema(typeDefs);
for (const [type, fields] of Object.entries(resolvers)) {
  const object = schema.getType(type) as GraphQLObjectType;
  for (const [field, resolve] of Object.entries(fields)) object.getFields()[field].resolve = resolve;
}

const tree: PermissionTree = {
  Query: {
    items: open('the test rows'),
    agencyOnly: viewerRule('Query.agencyOnly', (v) => v.kind === 'AGENCY', 'a root field on the viewer: graphql-shield decides'),
  },
  Item: {
    id: open('the row'),
    secret: rowRule<{ readable: boolean }>('Item.secret', (_v, row) => row.readable, 'the row says whether its secret is readable'),
    note: viewerRule('Item.note', (v) => v.kind === 'AGENCY', 'agencies read notes'),
    // `hidden` has no rule: denied by default.
  },
};
const guarded = applyPermissions(schema, tree);

async function run(kind: string) {
  resolved = [];
  const redactions = new Redactions();
  const ctx = { viewer: { kind } as unknown as Viewer, redactions };
  const result = await execute({ schema: guarded, document: parse(`{ items { id secret note hidden } agencyOnly unlisted }`), contextValue: ctx });
  return { result: JSON.parse(JSON.stringify(result)), redacted: redactions.entries(), resolved: [...resolved].sort() };
}

test('an agency: each row’s secret by its own row, notes for every row, the unlisted fields denied', async () => {
  expect(await run('AGENCY')).toEqual({
    result: {
      data: {
        items: [
          { id: 'a', secret: 'secret of a', note: 'note of a', hidden: null },
          { id: 'b', secret: null, note: 'note of b', hidden: null },
        ],
        agencyOnly: 'for agencies',
        unlisted: null,
      },
    },
    redacted: [
      { path: 'items.hidden', code: 'FORBIDDEN', count: 2 },
      { path: 'items.secret', code: 'FORBIDDEN', count: 1 },
      { path: 'unlisted', code: 'FORBIDDEN', count: 1 },
    ],
    resolved: ['note a', 'note b', 'secret a'],
  });
});

test('a private member: no notes, no root field for agencies; the readable secret still read', async () => {
  expect(await run('PRIVATE')).toEqual({
    result: {
      data: {
        items: [
          { id: 'a', secret: 'secret of a', note: null, hidden: null },
          { id: 'b', secret: null, note: null, hidden: null },
        ],
        agencyOnly: null,
        unlisted: null,
      },
    },
    redacted: [
      { path: 'agencyOnly', code: 'FORBIDDEN', count: 1 },
      { path: 'items.hidden', code: 'FORBIDDEN', count: 2 },
      { path: 'items.note', code: 'FORBIDDEN', count: 2 },
      { path: 'items.secret', code: 'FORBIDDEN', count: 1 },
      { path: 'unlisted', code: 'FORBIDDEN', count: 1 },
    ],
    resolved: ['secret a'],
  });
});
