import { FieldNode, GraphQLFieldResolver, GraphQLObjectType, GraphQLResolveInfo, GraphQLSchema, OperationDefinitionNode, parse } from 'graphql';
import { Case } from '../../entities/case.entity';
import { buildBareSchema, DIRECT_RESOLVER } from '../../src/schema';

/** Field resolvers with only @Root, @Ctx and @Info parameters call their method directly, with type-graphql's values. */
describe('direct field resolvers', () => {
  let schema: GraphQLSchema;
  beforeAll(async () => {
    schema = await buildBareSchema();
  });

  const field = (type: string, name: string) => (schema.getType(type) as GraphQLObjectType).getFields()[name];
  const original = (type: string, name: string) =>
    (field(type, name).resolve as unknown as Record<symbol, GraphQLFieldResolver<unknown, unknown> | undefined>)[DIRECT_RESOLVER];

  test('the fields a list row resolves call their method directly; fields with arguments keep type-graphql’s resolver', () => {
    const direct = ['Case.leadAgency', 'Case.countries', 'Case.viewerCan', 'Case.confidential', 'Agency.country', 'PrivateSectorMember.country', 'CallSegment.discussedCases'];
    expect(direct.filter((f) => !original(...(f.split('.') as [string, string])))).toEqual([]);
    // Arguments are converted and validated by type-graphql.
    expect(['Agency.cases', 'Query.cases', 'Query.case'].filter((f) => original(...(f.split('.') as [string, string])))).toEqual([]);
  });

  test('a root of the parameter’s type goes to the method as it is; any other root to type-graphql’s resolver, which converts it', () => {
    const resolve = field('Case', 'viewerCan').resolve!;
    const info = {} as GraphQLResolveInfo;
    const row = Object.assign(Object.create(Case.prototype) as Case, { confidentialTier: { summary: 's' }, editable: true });
    expect(resolve(row, {}, {}, info)).toEqual({ readConfidential: true, edit: true, share: true });
    const plain = { confidentialTier: null, editable: false };
    expect(resolve(plain, {}, {}, info)).toEqual({ readConfidential: false, edit: false, share: false });
    expect(resolve(plain, {}, {}, info)).toEqual(original('Case', 'viewerCan')!(plain, {}, {}, info));
  });

  test('the context and the info reach the method as type-graphql hands them over', () => {
    const resolve = field('Case', 'leadAgency').resolve!;
    const lead = { id: 'lead' };
    const asked: Array<ReadonlySet<string>> = [];
    const loader = { peek: (id: string) => (id === 'L1' ? lead : undefined) };
    const ctx = { data: { participants: { participantLoader: (fields: ReadonlySet<string>) => (asked.push(fields), loader) } } };
    const operation = parse('{ leadAgency { name country { code } } }').definitions[0] as OperationDefinitionNode;
    const info = { fieldNodes: [operation.selectionSet.selections[0] as FieldNode], fragments: {} } as unknown as GraphQLResolveInfo;
    const row = Object.assign(Object.create(Case.prototype) as Case, { leadAgencyId: 'L1' });
    expect(resolve(row, {}, ctx, info)).toBe(lead);
    // The loader is chosen by the field's own selection, which only the info carries.
    expect(asked).toEqual([new Set(['name', 'country'])]);
  });
});
