import { cast, personId, startTestHub, TestHub } from '../support/hub';
import { tableRows } from '../support/rows';
import { errorsOf, outreachTables, resourceEntryId } from './outreach-ids';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

type Viewer = keyof typeof cast | 'anonymous';
const as = (v: Viewer) => (v === 'anonymous' ? null : cast[v]);

// The demo list, in its order: by sector, then name.
const max = { person: { email: cast.max }, organization: { name: 'Registro Global' }, sector: 'DOMAIN_REGISTRAR_OR_REGISTRY', country: { code: 'DE' }, expertise: ['domain suspensions', 'registrant data'], languages: ['de', 'en'] };
const tom = { person: { email: cast.tom }, organization: { name: 'Meridian Bank' }, sector: 'FINANCIAL_INSTITUTION', country: { code: 'GB' }, expertise: ['phishing', 'payment fraud'], languages: ['en'] };
const grace = { person: { email: cast.grace }, organization: { name: 'NorthStar Broadband' }, sector: 'INTERNET_SERVICE_PROVIDER', country: { code: 'US' }, expertise: ['abuse desk operations', 'botnet takedowns'], languages: ['en'] };
const eva = { person: { email: cast.eva }, organization: { name: 'Sentinel Security' }, sector: 'SECURITY_SOFTWARE_PROVIDER', country: { code: 'NL' }, expertise: ['malware analysis', 'zombie drones'], languages: ['nl', 'en', 'de'] };

const listQuery = `query ($filter: ResourceListFilter) { resourceList(filter: $filter) { totalCount nodes {
  person { email } organization { name } sector country { code } expertise languages } } }`;

describe('reading the resource list (§B.2)', () => {
  test.each<[Viewer, object[]]>([
    ['anonymous', []],
    ['paulo', []],
    ['ann', [max, tom, grace, eva]],
    ['isla', [max, tom, grace, eva]],
    ['priya', [max, tom, grace, eva]],
    ['max', [max, tom, grace, eva]],
  ])('%s sees %#', async (viewer, entries) => {
    const r = await hub.gql(listQuery, { as: as(viewer) });
    expect(r.body).toEqual({ data: { resourceList: { totalCount: entries.length, nodes: entries } } });
  });

  test.each<[string, Record<string, unknown>, object[]]>([
    ['sector', { sector: 'FINANCIAL_INSTITUTION' }, [tom]],
    ['a sector nobody is listed in', { sector: 'COURIER_SERVICE' }, []],
    ['country', { countryCode: 'NL' }, [eva]],
    ['country and sector', { countryCode: 'US', sector: 'INTERNET_SERVICE_PROVIDER' }, [grace]],
    ['language', { language: 'de' }, [max, eva]],
  ])('filters by %s', async (_what, filter, entries) => {
    const r = await hub.gql(listQuery, { as: cast.liam, variables: { filter } });
    expect(r.body).toEqual({ data: { resourceList: { totalCount: entries.length, nodes: entries } } });
  });

  test('a filter shows an anonymous caller nothing either', async () => {
    const r = await hub.gql(listQuery, { variables: { filter: { sector: 'FINANCIAL_INSTITUTION' } } });
    expect(r.body).toEqual({ data: { resourceList: { totalCount: 0, nodes: [] } } });
  });

  test.each<[Record<string, unknown>, string]>([
    [{ countryCode: 'ZZ' }, 'filter.countryCode'],
    [{ countryCode: 'gb' }, 'filter.countryCode'],
    [{ language: 'english' }, 'filter.language'],
  ])('a bad filter %j is BAD_USER_INPUT naming %s', async (filter, argument) => {
    const r = await hub.gql(listQuery, { as: cast.liam, variables: { filter } });
    expect(r.body.data).toBeNull();
    expect(errorsOf(r.body)).toEqual([{ code: 'BAD_USER_INPUT', argument }]);
  });

  test('pages by cursor keep the order and the count', async () => {
    const first = await hub.gql('{ resourceList(first: 3) { totalCount pageInfo { hasNextPage endCursor } nodes { person { email } } } }', { as: cast.eva });
    const page = first.body.data.resourceList;
    expect(page.totalCount).toBe(4);
    expect(page.nodes.map((n: { person: { email: string } }) => n.person.email)).toEqual([cast.max, cast.tom, cast.grace]);
    expect(page.pageInfo.hasNextPage).toBe(true);
    const next = await hub.gql(`{ resourceList(first: 3, after: "${page.pageInfo.endCursor}") { pageInfo { hasNextPage } nodes { person { email } } } }`, { as: cast.eva });
    expect(next.body.data.resourceList).toEqual({ pageInfo: { hasNextPage: false }, nodes: [{ person: { email: cast.eva } }] });
  });

  test.each<[Viewer, object | null]>([
    ['anonymous', null],
    ['paulo', null],
    ['claire', { person: { email: cast.grace }, addedBy: { email: cast.grace }, viewerCan: { remove: false } }],
    ['tom', { person: { email: cast.grace }, addedBy: { email: cast.grace }, viewerCan: { remove: false } }],
    ['grace', { person: { email: cast.grace }, addedBy: { email: cast.grace }, viewerCan: { remove: true } }],
  ])('%s looks up an entry by id', async (viewer, expected) => {
    const r = await hub.gql(`{ resourceListEntry(id: "${resourceEntryId('grace')}") { person { email } addedBy { email } viewerCan { remove } } }`, {
      as: as(viewer),
    });
    expect(r.body).toEqual({ data: { resourceListEntry: expected } });
  });
});

const add = `mutation ($input: AddResourceListEntryInput!) {
  addResourceListEntry(input: $input) { person { email } organization { name } sector country { code } expertise languages addedBy { email } viewerCan { remove } } }`;
const remove = `mutation ($id: ID!) { removeResourceListEntry(id: $id) }`;

describe('addResourceListEntry / removeResourceListEntry', () => {
  afterEach(() => hub.reset());

  test('a private-sector member lists one of its own people; every member then sees the entry', async () => {
    const r = await hub.gql(add, {
      as: cast.tom,
      variables: { input: { personId: personId(cast.priya), expertise: ['phishing kits', 'phishing kits'], languages: ['en', 'hi'] } },
    });
    expect(r.body).toEqual({
      data: {
        addResourceListEntry: {
          person: { email: cast.priya },
          organization: { name: 'Meridian Bank' },
          sector: 'FINANCIAL_INSTITUTION',
          country: { code: 'GB' },
          expertise: ['phishing kits'],
          languages: ['en', 'hi'],
          addedBy: { email: cast.tom },
          viewerCan: { remove: true },
        },
      },
    });
    const list = await hub.gql('{ resourceList(filter: { sector: FINANCIAL_INSTITUTION }) { nodes { person { email } } } }', { as: cast.minjun });
    expect(list.body.data.resourceList.nodes).toEqual([{ person: { email: cast.priya } }, { person: { email: cast.tom } }]);
  });

  test('the listed person’s organization removes the entry', async () => {
    const r = await hub.gql(remove, { as: cast.grace, variables: { id: resourceEntryId('grace') } });
    expect(r.body).toEqual({ data: { removeResourceListEntry: resourceEntryId('grace') } });
    expect(await hub.ds.query(`SELECT id FROM resource_list_entry WHERE id = $1`, [resourceEntryId('grace')])).toEqual([]);
  });

  const input = (email: string, extra: Record<string, unknown> = {}) => ({ personId: personId(email), expertise: ['fraud'], languages: ['en'], ...extra });
  test.each<[string, Viewer, Record<string, unknown>, { code: string; argument?: string }]>([
    ['an anonymous caller', 'anonymous', input(cast.priya), { code: 'FORBIDDEN' }],
    ['an applicant', 'paulo', input(cast.paulo), { code: 'FORBIDDEN' }],
    ['an agency (the list is the private sector’s, §B.2)', 'isla', input(cast.isla), { code: 'FORBIDDEN' }],
    ['a coordinator', 'ann', input(cast.ben), { code: 'FORBIDDEN' }],
    ['a member listing another organization’s person', 'grace', input(cast.priya), { code: 'BAD_USER_INPUT', argument: 'input.personId' }],
    ['a member listing a person already listed', 'priya', input(cast.tom), { code: 'BAD_USER_INPUT', argument: 'input.personId' }],
    ['an unknown person', 'tom', { ...input(cast.tom), personId: '5b7c3d12-0000-4000-8000-000000000000' }, { code: 'BAD_USER_INPUT', argument: 'input.personId' }],
    ['an expertise over 100 characters', 'tom', input(cast.priya, { expertise: ['x'.repeat(101)] }), { code: 'BAD_USER_INPUT', argument: 'input.expertise' }],
    ['no expertise', 'tom', input(cast.priya, { expertise: [] }), { code: 'BAD_USER_INPUT', argument: 'input.expertise' }],
    ['a language that is not an ISO 639-1 code', 'tom', input(cast.priya, { languages: ['english'] }), { code: 'BAD_USER_INPUT', argument: 'input.languages' }],
  ])('adding: %s is refused and nothing is written', async (_what, viewer, variables, error) => {
    const before = await tableRows(hub.ds, outreachTables);
    const r = await hub.gql(add, { as: as(viewer), variables: { input: variables } });
    expect(r.body.data).toBeNull();
    expect(errorsOf(r.body)).toEqual([error]);
    expect(await tableRows(hub.ds, outreachTables)).toEqual(before);
  });

  test.each<[string, Viewer, string, { code: string; argument?: string }]>([
    ['an anonymous caller', 'anonymous', resourceEntryId('grace'), { code: 'FORBIDDEN' }],
    ['an agency', 'liam', resourceEntryId('grace'), { code: 'FORBIDDEN' }],
    ['another private-sector member', 'tom', resourceEntryId('grace'), { code: 'FORBIDDEN' }],
    ['an unknown entry', 'grace', '5b7c3d12-0000-4000-8000-000000000000', { code: 'BAD_USER_INPUT', argument: 'id' }],
  ])('removing: %s is refused and nothing is written', async (_what, viewer, id, error) => {
    const before = await tableRows(hub.ds, outreachTables);
    const r = await hub.gql(remove, { as: as(viewer), variables: { id } });
    expect(r.body.data).toBeNull();
    expect(errorsOf(r.body)).toEqual([error]);
    expect(await tableRows(hub.ds, outreachTables)).toEqual(before);
  });
});

test('listing entries with their people, organizations and countries costs the same statements for 1 or 4 entries', async () => {
  const q = (first: number) => `{ resourceList(first: ${first}) { nodes { person { email } organization { name } sector country { code } addedBy { name } } } }`;
  const one = await hub.gql(q(1), { as: cast.isla });
  const all = await hub.gql(q(4), { as: cast.isla });
  expect(all.body.data.resourceList.nodes).toHaveLength(4);
  expect(all.statements).toBe(one.statements);
});
