import { cast, orgId, startTestHub, TestHub } from '../support/hub';
import { tableRows } from '../support/rows';
import { educationProjectId, errorsOf, outreachTables } from './outreach-ids';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

type Viewer = keyof typeof cast | 'anonymous';
const as = (v: Viewer) => (v === 'anonymous' ? null : cast[v]);

const spotThePhish = 'Spot the phish'; // led by Meridian Bank, PLANNED, started 20 days ago
const openRelays = 'Close your open relay'; // led by ACMA, ACTIVE, started 180 days ago

describe('reading education projects (§A.3.e)', () => {
  test.each<[Viewer, string[]]>([
    ['anonymous', []],
    ['paulo', []],
    ['ann', [spotThePhish, openRelays]],
    ['emeka', [spotThePhish, openRelays]],
    ['grace', [spotThePhish, openRelays]],
    ['max', [spotThePhish, openRelays]],
  ])('%s sees %j, newest first', async (viewer, titles) => {
    const r = await hub.gql('{ educationProjects { totalCount nodes { title } } }', { as: as(viewer) });
    expect(r.body).toEqual({ data: { educationProjects: { totalCount: titles.length, nodes: titles.map((title) => ({ title })) } } });
  });

  test.each<[string, string, string[]]>([
    ['theme', '{ theme: OPEN_PROXIES }', [openRelays]],
    ['status', '{ status: PLANNED }', [spotThePhish]],
    ['leading organization', `{ leadOrganizationId: "${orgId('meridian')}" }`, [spotThePhish]],
    ['a theme no project has', '{ theme: MALWARE }', []],
  ])('filters by %s', async (_what, filter, titles) => {
    const r = await hub.gql(`{ educationProjects(filter: ${filter}) { totalCount nodes { title } } }`, { as: cast.isla });
    expect(r.body).toEqual({ data: { educationProjects: { totalCount: titles.length, nodes: titles.map((title) => ({ title })) } } });
  });

  test('an unknown leading organization in the filter is BAD_USER_INPUT', async () => {
    for (const id of ['5b7c3d12-0000-4000-8000-000000000000', '']) {
      const r = await hub.gql(`{ educationProjects(filter: { leadOrganizationId: "${id}" }) { totalCount } }`, { as: cast.isla });
      expect(errorsOf(r.body)).toEqual([{ code: 'BAD_USER_INPUT', argument: 'filter.leadOrganizationId' }]);
    }
  });

  test.each<[Viewer, { update: boolean } | null]>([
    ['anonymous', null],
    ['paulo', null],
    ['liam', { update: true }],
    ['minjun', { update: false }],
    ['ann', { update: false }],
    ['grace', { update: false }],
  ])('%s reads "Close your open relay" whole, may update: %j', async (viewer, viewerCan) => {
    const r = await hub.gql(
      `{ educationProject(id: "${educationProjectId('open-relays')}") {
          title description themes status websiteUrl leadOrganization { name } partners { name } startedBy { email } viewerCan { update } } }`,
      { as: as(viewer) },
    );
    expect(r.body).toEqual({
      data: {
        educationProject: viewerCan && {
          title: openRelays,
          description: 'A guide for small businesses and universities on finding and closing open relays and open proxies.',
          themes: ['OPEN_RELAYS', 'OPEN_PROXIES'],
          status: 'ACTIVE',
          websiteUrl: 'https://education.lap-hub.example/open-relays',
          leadOrganization: { name: 'Australian Communications and Media Authority' },
          partners: [{ name: 'Korea Information Security Agency' }, { name: 'NorthStar Broadband' }],
          startedBy: { email: cast.liam },
          viewerCan,
        },
      },
    });
  });
});

const start = `mutation ($input: StartEducationProjectInput!) {
  startEducationProject(input: $input) { id title themes status websiteUrl leadOrganization { name } partners { name } startedBy { email } viewerCan { update } } }`;
const update = `mutation ($id: ID!, $input: UpdateEducationProjectInput!) {
  updateEducationProject(id: $id, input: $input) { title themes status websiteUrl partners { name } } }`;

describe('startEducationProject / updateEducationProject', () => {
  afterEach(() => hub.reset());

  const input = (extra: Record<string, unknown> = {}) => ({
    title: 'Clean your zombie PC',
    description: 'Consumer guidance on detecting and cleaning botnet infections.',
    themes: ['ZOMBIE_DRONES', 'MALWARE'],
    partnerIds: [orgId('acma')],
    ...extra,
  });

  test.each<[Viewer, string]>([
    ['eva', 'Sentinel Security'],
    ['claire', 'Canadian Radio-television and Telecommunications Commission'],
  ])('%s starts a project led by their organization', async (viewer, lead) => {
    const r = await hub.gql(start, { as: as(viewer), variables: { input: input() } });
    expect(r.body).toEqual({
      data: {
        startEducationProject: {
          id: expect.any(String),
          title: 'Clean your zombie PC',
          themes: ['ZOMBIE_DRONES', 'MALWARE'],
          status: 'PLANNED',
          websiteUrl: null,
          leadOrganization: { name: lead },
          partners: [{ name: 'Australian Communications and Media Authority' }],
          startedBy: { email: cast[viewer as keyof typeof cast] },
          viewerCan: { update: true },
        },
      },
    });
  });

  test('the leading organization moves the project forward and changes its partners', async () => {
    const r = await hub.gql(update, {
      as: cast.priya,
      variables: {
        id: educationProjectId('spot-the-phish'),
        input: { status: 'ACTIVE', partnerIds: [orgId('ico')], websiteUrl: 'https://education.lap-hub.example/phish' },
      },
    });
    expect(r.body).toEqual({
      data: {
        updateEducationProject: {
          title: spotThePhish,
          themes: ['PHISHING', 'ONLINE_FRAUD'],
          status: 'ACTIVE',
          websiteUrl: 'https://education.lap-hub.example/phish',
          partners: [{ name: 'UK Information Commissioner’s Office' }],
        },
      },
    });
  });

  test.each<[string, Viewer, Record<string, unknown>, { code: string; argument?: string }]>([
    ['an anonymous caller', 'anonymous', input(), { code: 'FORBIDDEN' }],
    ['an applicant', 'paulo', input(), { code: 'FORBIDDEN' }],
    ['an unknown partner', 'eva', input({ partnerIds: ['5b7c3d12-0000-4000-8000-000000000000'] }), { code: 'BAD_USER_INPUT', argument: 'input.partnerIds' }],
    ['an applicant as partner', 'eva', input({ partnerIds: [orgId('cgi')] }), { code: 'BAD_USER_INPUT', argument: 'input.partnerIds' }],
    ['the leading organization as its own partner', 'eva', input({ partnerIds: [orgId('sentinel')] }), { code: 'BAD_USER_INPUT', argument: 'input.partnerIds' }],
    ['no theme', 'eva', input({ themes: [] }), { code: 'BAD_USER_INPUT', argument: 'input.themes' }],
    ['an unknown theme', 'eva', input({ themes: ['SPAM'] }), { code: 'BAD_USER_INPUT', argument: 'input.themes[0]' }],
    ['an http:// website', 'eva', input({ websiteUrl: 'http://example.org' }), { code: 'BAD_USER_INPUT', argument: 'input.websiteUrl' }],
    ['a website with a user name and password in it', 'eva', input({ websiteUrl: 'https://user:pw@example.org' }), { code: 'BAD_USER_INPUT', argument: 'input.websiteUrl' }],
    ['a title over 200 characters', 'eva', input({ title: 't'.repeat(201) }), { code: 'BAD_USER_INPUT', argument: 'input.title' }],
    ['a description over 10,000 characters', 'eva', input({ description: 'd'.repeat(10001) }), { code: 'BAD_USER_INPUT', argument: 'input.description' }],
  ])('starting: %s is refused and nothing is written', async (_what, viewer, variables, error) => {
    const before = await tableRows(hub.ds, outreachTables);
    const r = await hub.gql(start, { as: as(viewer), variables: { input: variables } });
    expect(r.body.data ?? null).toBeNull();
    expect(errorsOf(r.body)).toEqual([error]);
    expect(await tableRows(hub.ds, outreachTables)).toEqual(before);
  });

  test.each<[string, Viewer, string, Record<string, unknown>, { code: string; argument?: string }]>([
    ['an anonymous caller', 'anonymous', educationProjectId('open-relays'), { status: 'COMPLETED' }, { code: 'FORBIDDEN' }],
    ['a partner', 'minjun', educationProjectId('open-relays'), { status: 'COMPLETED' }, { code: 'FORBIDDEN' }],
    ['a coordinator', 'ann', educationProjectId('open-relays'), { status: 'COMPLETED' }, { code: 'FORBIDDEN' }],
    ['a private-sector partner', 'grace', educationProjectId('open-relays'), { status: 'COMPLETED' }, { code: 'FORBIDDEN' }],
    ['the lead, moving the status back', 'liam', educationProjectId('open-relays'), { status: 'PLANNED' }, { code: 'BAD_USER_INPUT', argument: 'input.status' }],
    ['the lead, with itself as partner', 'liam', educationProjectId('open-relays'), { partnerIds: [orgId('acma')] }, { code: 'BAD_USER_INPUT', argument: 'input.partnerIds' }],
    ['the lead, with a too-long title', 'liam', educationProjectId('open-relays'), { title: 't'.repeat(201) }, { code: 'BAD_USER_INPUT', argument: 'input.title' }],
    ['an unknown project', 'liam', '5b7c3d12-0000-4000-8000-000000000000', { status: 'COMPLETED' }, { code: 'BAD_USER_INPUT', argument: 'id' }],
  ])('updating: %s is refused and nothing is written', async (_what, viewer, id, variables, error) => {
    const before = await tableRows(hub.ds, outreachTables);
    const r = await hub.gql(update, { as: as(viewer), variables: { id, input: variables } });
    expect(r.body.data ?? null).toBeNull();
    expect(errorsOf(r.body)).toEqual([error]);
    expect(await tableRows(hub.ds, outreachTables)).toEqual(before);
  });

  test('a website whose scheme is written in capitals is the same https:// URL: stored with its scheme in lower case, when started and when changed', async () => {
    const started = await hub.gql(start, { as: cast.eva, variables: { input: input({ websiteUrl: 'HTTPS://Zombie.example/Clean' }) } });
    expect([started.body.errors, started.body.data.startEducationProject.websiteUrl]).toEqual([undefined, 'https://Zombie.example/Clean']);
    const changed = await hub.gql(update, { as: cast.eva, variables: { id: started.body.data.startEducationProject.id, input: { websiteUrl: 'hTtPs://zombie.example/v2' } } });
    expect([changed.body.errors, changed.body.data.updateEducationProject.websiteUrl]).toEqual([undefined, 'https://zombie.example/v2']);
  });

  test('moving a status back says which way it may go, in words', async () => {
    const r = await hub.gql(update, { as: as('liam'), variables: { id: educationProjectId('open-relays'), input: { status: 'PLANNED' } } });
    expect(r.body.errors?.map((e) => e.message)).toEqual(['input.status: an ACTIVE project cannot go back to PLANNED']);
  });
});
