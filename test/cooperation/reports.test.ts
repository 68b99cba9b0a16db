import { cast, orgId, personId, startTestHub, TestHub } from '../support/hub';
import { demoId } from '../../src/db/seed/demo';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const all = ['Spike in botnet spam from residential ranges', 'Phishing wave against bank customers', 'Mule accounts identified', 'Image spam evades text filters', 'Privacy services hamper registrant tracing', 'How to send requests to US agencies'];
const only = (...keep: string[]) => all.filter((t) => keep.includes(t));
const [spike, wave, mules, image, whois, howto] = all;

describe('reports follow their TLP as cases do (author in the lead’s place, named recipients as the share)', () => {
  beforeAll(() => hub.reset());
  test.each([
    ['anonymous', null, only(image, howto)],
    ['ann (FTC, named on the RED report)', cast.ann, all],
    ['ben (FTC, not named)', cast.ben, only(spike, wave, image, whois, howto)],
    ['isla (ICO)', cast.isla, only(spike, wave, image, whois, howto)],
    ['grace (NorthStar, named on the AMBER report)', cast.grace, only(spike, wave, image, whois, howto)],
    ['tom (Meridian, the author’s organization)', cast.tom, all],
    ['priya (Meridian, the author’s organization)', cast.priya, all],
    ['eva (Sentinel)', cast.eva, only(spike, image, whois, howto)],
    ['paulo (applicant)', cast.paulo, only(image, howto)],
  ])('%s', async (_name, who, expected) => {
    const r = await hub.gql(`{ reports { totalCount nodes { title } } }`, { as: who });
    expect(r.body.data.reports).toEqual({ totalCount: expected.length, nodes: expected.map((title) => ({ title })) });
    const byId = await hub.gql(`{ report(id: "${demoId('report:meridian-mules')}") { title } }`, { as: who });
    expect(byId.body.data.report).toEqual(expected.includes(mules) ? { title: mules } : null);
  });

  test('the early-warning feed', async () => {
    const feed = async (who: string) => (await hub.gql(`{ earlyWarnings { nodes { title kind } } }`, { as: who })).body.data.earlyWarnings.nodes;
    expect(await feed(cast.eva)).toEqual([{ title: spike, kind: 'EARLY_WARNING' }]);
    expect(await feed(cast.grace)).toEqual([{ title: spike, kind: 'EARLY_WARNING' }, { title: wave, kind: 'EARLY_WARNING' }]);
    expect((await hub.gql(`{ reports(kind: OBSTACLE) { nodes { title } } }`, { as: cast.eva })).body.data.reports.nodes).toEqual([{ title: whois }]);
  });

  test('recipients are shown to the author’s organization only', async () => {
    const q = `{ report(id: "${demoId('report:meridian-mules')}") { recipients { name } authorOrganization { name } } }`;
    expect((await hub.gql(q, { as: cast.priya })).body).toEqual({ data: { report: { recipients: [{ name: 'Ann Carter' }], authorOrganization: { name: 'Meridian Bank' } } } });
    expect((await hub.gql(q, { as: cast.ann })).body).toEqual({
      data: { report: { recipients: null, authorOrganization: { name: 'Meridian Bank' } } },
      extensions: { redacted: [{ path: 'report.recipients', code: 'FORBIDDEN', count: 1 }] },
    });
  });

  test('a named recipient the author’s organization may no longer see is left out and noted as redacted, not a RED report that names nobody', async () => {
    const q = `{ report(id: "${demoId('report:meridian-mules')}") { tlp recipients { name } } }`;
    // The FTC withdraws: a private-sector member no longer sees the people of a participant that has withdrawn.
    await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('ftc')]);
    try {
      expect((await hub.gql(q, { as: cast.priya })).body).toEqual({
        data: { report: { tlp: 'RED', recipients: [] } },
        extensions: { redacted: [{ path: 'report.recipients', code: 'FORBIDDEN', count: 1 }] },
      });
    } finally {
      await hub.reset();
    }
    expect((await hub.gql(q, { as: cast.priya })).body).toEqual({ data: { report: { tlp: 'RED', recipients: [{ name: 'Ann Carter' }] } } });
  });

  test('an author the reader may not see is null and noted as redacted, not a report that names nobody', async () => {
    const q = `{ reports { nodes { title author { name } authorOrganization { name } } } }`;
    // Anonymous callers and applicants read the CLEAR reports, not the network's people.
    for (const who of [null, cast.paulo]) {
      expect((await hub.gql(q, { as: who })).body).toEqual({
        data: {
          reports: {
            nodes: [
              { title: image, author: null, authorOrganization: { name: 'Sentinel Security' } },
              { title: howto, author: null, authorOrganization: { name: 'US Federal Trade Commission' } },
            ],
          },
        },
        extensions: { redacted: [{ path: 'reports.nodes.author', code: 'FORBIDDEN', count: 2 }] },
      });
    }
    // A member reads every author, with no redaction.
    const member = await hub.gql(q, { as: cast.eva });
    expect(member.body.extensions).toBeUndefined();
    expect(member.body.data.reports.nodes.every((n: { author: unknown }) => n.author !== null)).toBe(true);
  });
});

describe('publishing', () => {
  beforeEach(() => hub.reset());
  const publish = `mutation($input: PublishReportInput!) { publishReport(input: $input) { title tlp kind } }`;
  const count = async () => Number((await hub.ds.query(`SELECT count(*)::int AS n FROM sector_report`))[0].n);

  test('a private-sector member publishes an early warning that reaches the network', async () => {
    const r = await hub.gql(publish, { as: cast.eva, variables: { input: { kind: 'EARLY_WARNING', title: 'New dialer strain', body: 'Seen in NL and DE.', tlp: 'GREEN' } } });
    expect(r.body).toEqual({ data: { publishReport: { title: 'New dialer strain', tlp: 'GREEN', kind: 'EARLY_WARNING' } } });
    const feed = await hub.gql(`{ earlyWarnings { nodes { title } } }`, { as: cast.max });
    expect(feed.body.data.earlyWarnings.nodes[0]).toEqual({ title: 'New dialer strain' });
  });

  test.each([[null], [cast.paulo]])('%s may not publish (FORBIDDEN, nothing written)', async (who) => {
    const before = await count();
    const r = await hub.gql(publish, { as: who, variables: { input: { kind: 'CASE', title: 'Anything', body: 'x', tlp: 'CLEAR' } } });
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await count()).toBe(before);
  });

  test('bad input: a RED report without recipients, unknown recipients, too-long text', async () => {
    const before = await count();
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ kind: 'CASE', title: 'Secret', body: 'x', tlp: 'RED' }, 'input.recipientIds: a TLP:RED report must name its recipients'],
      [{ kind: 'CASE', title: 'Secret', body: 'x', tlp: 'RED', recipientIds: ['00000000-0000-4000-8000-000000000000'] }, 'input.recipientIds: no person with id'],
      [{ kind: 'CASE', title: 'x'.repeat(201), body: 'x', tlp: 'GREEN' }, 'input.title:'],
      [{ kind: 'CASE', title: 'Fine', body: 'x'.repeat(20001), tlp: 'GREEN' }, 'input.body:'],
    ];
    for (const [input, message] of bad) {
      const r = await hub.gql(publish, { as: cast.tom, variables: { input } });
      expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0].message.slice(0, message.length)).toBe(message);
    }
    expect(await count()).toBe(before);
  });

  test('a report names people of endorsed participants only: not an applicant’s (who would read it once endorsed), not a withdrawn one’s; nothing written', async () => {
    const before = await count();
    const red = (recipientIds: string[]) => ({ input: { kind: 'CASE', title: 'Secret', body: 'x', tlp: 'RED', recipientIds } });
    // Isla (an agency) sees the people of applicants and of withdrawn organizations.
    const applicant = await hub.gql(publish, { as: cast.isla, variables: red([personId(cast.oliver), personId(cast.paulo)]) });
    expect(applicant.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['BAD_USER_INPUT', `input.recipientIds: are not people of an endorsed participant: ${personId(cast.paulo)}`],
    ]);
    await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('sentinel')]);
    const withdrawn = await hub.gql(publish, { as: cast.isla, variables: red([personId(cast.eva)]) });
    expect(withdrawn.body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['BAD_USER_INPUT', `input.recipientIds: are not people of an endorsed participant: ${personId(cast.eva)}`],
    ]);
    expect(await count()).toBe(before);
  });

  test('the named recipients are written to their own table, read back by name by the author organization only', async () => {
    const r = await hub.gql(`mutation($input: PublishReportInput!) { publishReport(input: $input) { id recipients { name } } }`, {
      as: cast.tom,
      variables: { input: { kind: 'CASE', title: 'For two', body: 'x', tlp: 'RED', recipientIds: [personId(cast.oliver), personId(cast.isla)] } },
    });
    const { id, recipients } = r.body.data.publishReport;
    expect(recipients).toEqual([{ name: 'Isla Morgan' }, { name: 'Oliver Hughes' }]);
    expect(await hub.ds.query(`SELECT person_id, author_org_id FROM sector_report_recipient WHERE report_id = $1 ORDER BY person_id`, [id])).toEqual(
      [personId(cast.isla), personId(cast.oliver)].sort().map((p) => ({ person_id: p, author_org_id: demoId('org:meridian') })),
    );
    expect((await hub.gql(`{ report(id: "${id}") { title recipients { name } } }`, { as: cast.isla })).body).toEqual({
      data: { report: { title: 'For two', recipients: null } },
      extensions: { redacted: [{ path: 'report.recipients', code: 'FORBIDDEN', count: 1 }] },
    });
  });

  test('a RED report reaches exactly its named recipients', async () => {
    await hub.gql(publish, { as: cast.tom, variables: { input: { kind: 'CASE', title: 'For Isla', body: 'x', tlp: 'RED', recipientIds: [personId(cast.isla)] } } });
    const sees = async (who: string) => (await hub.gql(`{ reports { nodes { title } } }`, { as: who })).body.data.reports.nodes.some((n: { title: string }) => n.title === 'For Isla');
    expect([await sees(cast.isla), await sees(cast.ann), await sees(cast.priya), await sees(cast.grace)]).toEqual([true, false, true, false]);
  });
});
