import { cast, orgId, startTestHub, TestHub } from '../support/hub';
import { tableRows } from '../support/rows';
import { errorsOf, outreachTables, trainingId } from './outreach-ids';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

type Viewer = keyof typeof cast | 'anonymous';
const as = (v: Viewer) => (v === 'anonymous' ? null : cast[v]);
const day = (n: number) => new Date(hub.now.getTime() + n * 86_400_000).toISOString();

const phishingKits = 'Phishing-kit forensics with the banks'; // JOINT, 40 days ago
const zombieDrones = 'Tracing zombie drones'; // JOINT, in 30 days
const evidence = 'Cross-border evidence: formal and informal routes'; // AGENCIES_ONLY, in 60 days

describe('reading trainings (§A.3.f, §B.3.b)', () => {
  test.each<[Viewer, string[]]>([
    ['anonymous', []],
    ['paulo', []],
    ['ann', [phishingKits, zombieDrones, evidence]],
    ['isla', [phishingKits, zombieDrones, evidence]],
    ['emeka', [phishingKits, zombieDrones, evidence]],
    ['grace', [phishingKits, zombieDrones]],
    ['tom', [phishingKits, zombieDrones]],
    ['max', [phishingKits, zombieDrones]],
  ])('%s sees %j, soonest first', async (viewer, titles) => {
    const r = await hub.gql('{ trainings { totalCount nodes { title } } }', { as: as(viewer) });
    expect(r.body).toEqual({ data: { trainings: { totalCount: titles.length, nodes: titles.map((title) => ({ title })) } } });
  });

  test.each<[Viewer, number]>([
    ['liam', 1],
    ['eva', 0],
    ['anonymous', 0],
  ])('filtering on AGENCIES_ONLY shows %s %i session(s): a filter never reveals a hidden one', async (viewer, n) => {
    const r = await hub.gql('{ trainings(filter: { audience: AGENCIES_ONLY }) { totalCount nodes { title } } }', { as: as(viewer) });
    expect(r.body.data.trainings.totalCount).toBe(n);
    expect(r.body.data.trainings.nodes).toHaveLength(n);
  });

  test('filtering by date', async () => {
    const r = await hub.gql('query ($from: DateTimeISO, $to: DateTimeISO) { trainings(filter: { from: $from, to: $to }) { nodes { title } } }', {
      as: cast.claire,
      variables: { from: day(0), to: day(45) },
    });
    expect(r.body).toEqual({ data: { trainings: { nodes: [{ title: zombieDrones }] } } });
  });

  test('a period that ends before it begins (or as it begins) is bad input naming `filter.to`, not an empty page', async () => {
    for (const [from, to] of [[day(45), day(0)], [day(10), day(10)]]) {
      const r = await hub.gql('query ($from: DateTimeISO, $to: DateTimeISO) { trainings(filter: { from: $from, to: $to }) { totalCount } }', {
        as: cast.claire,
        variables: { from, to },
      });
      expect(r.body).toEqual({
        data: null,
        errors: [{ message: 'filter.to: must be after filter.from', path: ['trainings'], locations: expect.any(Array), extensions: { code: 'BAD_USER_INPUT', argument: 'filter.to' } }],
      });
    }
  });

  test.each<[Viewer, boolean]>([
    ['anonymous', false],
    ['paulo', false],
    ['oliver', true],
    ['minjun', true],
    ['grace', false],
    ['priya', false],
  ])('%s looks up the AGENCIES_ONLY session by id: visible %s', async (viewer, visible) => {
    const r = await hub.gql(`{ training(id: "${trainingId('evidence')}") { title } }`, { as: as(viewer) });
    expect(r.body).toEqual({ data: { training: visible ? { title: evidence } : null } });
  });

  test('a JOINT session read whole by a private-sector member', async () => {
    const r = await hub.gql(
      `{ training(id: "${trainingId('zombie-drones')}") {
          title audience topics scheduledAt durationMinutes materialsUrl organizer { name } hosts { name } scheduledBy { email } } }`,
      { as: cast.eva },
    );
    expect(r.body).toEqual({
      data: {
        training: {
          title: zombieDrones,
          audience: 'JOINT',
          topics: ['botnet command servers', 'sinkholing'],
          scheduledAt: day(30),
          durationMinutes: 120,
          materialsUrl: 'https://training.lap-hub.example/zombie-drones',
          organizer: { name: 'Australian Communications and Media Authority' },
          hosts: [{ name: 'Australian Communications and Media Authority' }, { name: 'NorthStar Broadband' }, { name: 'Sentinel Security' }],
          scheduledBy: { email: cast.liam },
        },
      },
    });
  });
});

const schedule = `mutation ($input: ScheduleTrainingInput!) {
  scheduleTraining(input: $input) { id title audience topics scheduledAt durationMinutes materialsUrl organizer { name } hosts { name } scheduledBy { email } } }`;

describe('scheduleTraining', () => {
  afterEach(() => hub.reset());

  const inNinetyDays = new Date(Date.now() + 90 * 86_400_000).toISOString();

  const input = (extra: Record<string, unknown> = {}) => ({
    title: 'Investigating spam-advertised websites',
    audience: 'JOINT',
    hostIds: [orgId('ico'), orgId('registro')],
    topics: ['WHOIS data', 'hosting records'],
    scheduledAt: inNinetyDays,
    materialsUrl: 'https://training.lap-hub.example/websites',
    ...extra,
  });

  test('a list value that is too short is said with the list’s name in the path and "each value" in the message', async () => {
    const r = await hub.gql(schedule, { as: cast.isla, variables: { input: input({ topics: ['x'] }) } });
    expect(r.body.errors?.map((e: { message: string }) => e.message)).toEqual(['input.topics: each value must be longer than or equal to 2 characters']);
  });

  test.each([
    [['x'.repeat(201)]],
    [['WHOIS data', 'x'.repeat(201)]],
  ])('a list value that is too long is said to be too long (not too short), however many values: %#', async (topics) => {
    const r = await hub.gql(schedule, { as: cast.isla, variables: { input: input({ topics }) } });
    expect(r.body.errors?.map((e: { message: string }) => e.message)).toEqual(['input.topics: each value must be shorter than or equal to 200 characters']);
  });

  test('an agency schedules a JOINT session; private-sector members then see it', async () => {
    const r = await hub.gql(schedule, { as: cast.isla, variables: { input: input() } });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.scheduleTraining).toEqual({
      id: expect.any(String),
      title: 'Investigating spam-advertised websites',
      audience: 'JOINT',
      topics: ['WHOIS data', 'hosting records'],
      scheduledAt: inNinetyDays,
      durationMinutes: 120,
      materialsUrl: 'https://training.lap-hub.example/websites',
      organizer: { name: 'UK Information Commissioner’s Office' },
      hosts: [{ name: 'Registro Global' }, { name: 'UK Information Commissioner’s Office' }],
      scheduledBy: { email: cast.isla },
    });
    const seen = await hub.gql(`{ training(id: "${r.body.data.scheduleTraining.id}") { title } }`, { as: cast.max });
    expect(seen.body.data.training).toEqual({ title: 'Investigating spam-advertised websites' });
  });

  test('a materials link whose scheme is written in capitals is the same https:// URL: stored with its scheme in lower case', async () => {
    const r = await hub.gql(schedule, { as: cast.isla, variables: { input: input({ materialsUrl: 'HTTPS://Training.lap-hub.example/Websites' }) } });
    expect([r.body.errors, r.body.data.scheduleTraining.materialsUrl]).toEqual([undefined, 'https://Training.lap-hub.example/Websites']);
  });

  test('a materials link with a user name or password is refused saying so; an @ in its path is not one', async () => {
    // xn--a.example: a host the WHATWG URL parser refuses and the URL check takes.
    for (const url of ['https://trainer:secret@training.lap-hub.example/x', 'HTTPS://trainer@training.lap-hub.example/x', 'https://:secret@training.lap-hub.example/x', 'https://user:secret@xn--a.example/']) {
      const r = await hub.gql(schedule, { as: cast.isla, variables: { input: input({ materialsUrl: url }) } });
      expect([url, r.body.errors?.map((e: { message: string }) => e.message)]).toEqual([url, ['input.materialsUrl: must not carry a user name or password']]);
    }
    const r = await hub.gql(schedule, { as: cast.isla, variables: { input: input({ materialsUrl: 'https://training.lap-hub.example/people/@isla' }) } });
    expect([r.body.errors, r.body.data.scheduleTraining.materialsUrl]).toEqual([undefined, 'https://training.lap-hub.example/people/@isla']);
  });

  test('an AGENCIES_ONLY session stays hidden from private-sector members', async () => {
    const r = await hub.gql(schedule, {
      as: cast.claire,
      variables: { input: input({ audience: 'AGENCIES_ONLY', hostIds: [orgId('crtc')], materialsUrl: null }) },
    });
    expect(r.body.errors).toBeUndefined();
    const id = r.body.data.scheduleTraining.id;
    expect((await hub.gql(`{ training(id: "${id}") { id } }`, { as: cast.grace })).body.data.training).toBeNull();
    expect((await hub.gql(`{ training(id: "${id}") { id } }`, { as: cast.minjun })).body.data.training).toEqual({ id });
    expect((await hub.gql('{ trainings { totalCount } }', { as: cast.grace })).body.data.trainings.totalCount).toBe(2);
  });

  test.each<[string, Viewer, Record<string, unknown>, { code: string; argument?: string }]>([
    ['an anonymous caller', 'anonymous', input(), { code: 'FORBIDDEN' }],
    ['an applicant', 'paulo', input(), { code: 'FORBIDDEN' }],
    ['a private-sector member (it assists, §B.3.b)', 'eva', input(), { code: 'FORBIDDEN' }],
    ['an AGENCIES_ONLY session with a private-sector host', 'isla', input({ audience: 'AGENCIES_ONLY' }), { code: 'BAD_USER_INPUT', argument: 'input.hostIds' }],
    ['an unknown host', 'isla', input({ hostIds: ['5b7c3d12-0000-4000-8000-000000000000'] }), { code: 'BAD_USER_INPUT', argument: 'input.hostIds' }],
    ['an applicant as host', 'isla', input({ hostIds: [orgId('cgi')] }), { code: 'BAD_USER_INPUT', argument: 'input.hostIds' }],
    ['no host', 'isla', input({ hostIds: [] }), { code: 'BAD_USER_INPUT', argument: 'input.hostIds' }],
    ['an http:// materials link', 'isla', input({ materialsUrl: 'http://training.lap-hub.example/websites' }), { code: 'BAD_USER_INPUT', argument: 'input.materialsUrl' }],
    ['a materials link that is no URL', 'isla', input({ materialsUrl: 'see the wiki' }), { code: 'BAD_USER_INPUT', argument: 'input.materialsUrl' }],
    ['a materials link with a user name and password in it', 'isla', input({ materialsUrl: 'https://trainer:secret@training.lap-hub.example/websites' }), { code: 'BAD_USER_INPUT', argument: 'input.materialsUrl' }],
    ['a title over 200 characters', 'isla', input({ title: 'x'.repeat(201) }), { code: 'BAD_USER_INPUT', argument: 'input.title' }],
    ['a topic over 200 characters', 'isla', input({ topics: ['y'.repeat(201)] }), { code: 'BAD_USER_INPUT', argument: 'input.topics' }],
    ['a duration under 15 minutes', 'isla', input({ durationMinutes: 5 }), { code: 'BAD_USER_INPUT', argument: 'input.durationMinutes' }],
    ['a malformed date', 'isla', input({ scheduledAt: 'next Tuesday' }), { code: 'BAD_USER_INPUT', argument: 'input.scheduledAt' }],
    ['a date in the past', 'isla', input({ scheduledAt: '2020-01-01T00:00:00Z' }), { code: 'BAD_USER_INPUT', argument: 'input.scheduledAt' }],
    ['a date after the year 2200', 'isla', input({ scheduledAt: '9999-01-01T00:00:00Z' }), { code: 'BAD_USER_INPUT', argument: 'input.scheduledAt' }],
  ])('%s is refused and nothing is written', async (_what, viewer, variables, error) => {
    const before = await tableRows(hub.ds, outreachTables);
    const r = await hub.gql(schedule, { as: as(viewer), variables: { input: variables } });
    expect(r.body.data ?? null).toBeNull();
    expect(errorsOf(r.body)).toEqual([error]);
    expect(await tableRows(hub.ds, outreachTables)).toEqual(before);
  });
});

test('listing sessions with hosts, organizer and people costs the same statements for 1 or 3 sessions', async () => {
  const q = (first: number) => `{ trainings(first: ${first}) { nodes { title hosts { name } organizer { name } scheduledBy { email } } } }`;
  const one = await hub.gql(q(1), { as: cast.ann });
  const all = await hub.gql(q(3), { as: cast.ann });
  expect(all.body.data.trainings.nodes).toHaveLength(3);
  expect(all.statements).toBe(one.statements);
});
