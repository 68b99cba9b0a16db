import { cast, orgId, startTestHub, TestHub } from '../support/hub';

let hub: TestHub;
let from: string;
let to: string;
beforeAll(async () => {
  hub = await startTestHub();
  from = new Date(hub.now.getTime() - 1000 * 86_400_000).toISOString();
  to = new Date(hub.now.getTime() + 86_400_000).toISOString();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const query = `query($from: DateTimeISO!, $to: DateTimeISO!) { networkReport(from: $from, to: $to) {
  participantsByKind { key count } casesByCategory { key count } casesByStatus { key count }
  assistanceRequestsByStatus { key count } medianHoursToAnswer callsHeld developingCountriesParticipating
  participantsByCountry { country { code developing } agencies privateSectorMembers } } }`;

test('agencies get counts of GREEN-or-lower data only', async () => {
  const r = await hub.gql(query, { as: cast.isla, variables: { from, to } });
  expect(r.body.errors).toBeUndefined();
  const report = r.body.data.networkReport;
  expect(report).toMatchObject({
    participantsByKind: [{ key: 'AGENCY', count: 10 }, { key: 'PRIVATE_SECTOR', count: 4 }],
    // CLEAR and GREEN cases only: FTC-2004-017, OFT-2004-003, OPTA-2004-005.
    casesByCategory: [{ key: 'MALWARE', count: 1 }, { key: 'ONLINE_FRAUD', count: 3 }, { key: 'SPAM', count: 1 }],
    casesByStatus: [{ key: 'ENFORCEMENT_ACTION', count: 2 }, { key: 'INVESTIGATING', count: 1 }],
    // Requests about AMBER, AMBER_STRICT and RED cases are left out.
    assistanceRequestsByStatus: [{ key: 'DECLINED', count: 1 }, { key: 'OPEN', count: 1 }],
    medianHoursToAnswer: 144,
    callsHeld: 2,
    developingCountriesParticipating: 1,
  });
  expect(report.participantsByCountry).toContainEqual({ country: { code: 'NG', developing: true }, agencies: 1, privateSectorMembers: 0 });
});

test('adding RED, AMBER and AMBER_STRICT cases changes nothing; a GREEN one does', async () => {
  const before = (await hub.gql(query, { as: cast.isla, variables: { from, to } })).body.data.networkReport;
  for (const tlp of ['RED', 'AMBER', 'AMBER_STRICT']) {
    await hub.ds.query(
      `INSERT INTO enforcement_case (reference, title, status, categories, tlp, lead_agency_id, harm_score) VALUES ($1, 'Hidden', 'CLOSED', '{IDENTITY_THEFT}', $2, $3, 50)`,
      [`HIDDEN-${tlp}`, tlp, orgId('efcc')],
    );
  }
  expect((await hub.gql(query, { as: cast.isla, variables: { from, to } })).body.data.networkReport).toEqual(before);
  await hub.ds.query(
    `INSERT INTO enforcement_case (reference, title, status, categories, tlp, lead_agency_id, harm_score) VALUES ('SEEN-1', 'Seen', 'CLOSED', '{IDENTITY_THEFT}', 'GREEN', $1, 50)`,
    [orgId('efcc')],
  );
  const after = (await hub.gql(query, { as: cast.isla, variables: { from, to } })).body.data.networkReport;
  expect(after.casesByStatus).toEqual([{ key: 'CLOSED', count: 1 }, ...before.casesByStatus]);
});

test.each([[null], [cast.grace], [cast.paulo]])('%s gets no network report (null, redacted)', async (who) => {
  const r = await hub.gql(`query($from: DateTimeISO!, $to: DateTimeISO!) { networkReport(from: $from, to: $to) { callsHeld } }`, { as: who, variables: { from, to } });
  expect(r.body).toEqual({ data: { networkReport: null }, extensions: { redacted: [{ path: 'networkReport', code: 'FORBIDDEN', count: 1 }] } });
});

test('bad periods are bad input', async () => {
  const r = await hub.gql(`{ networkReport(from: "2026-01-01T00:00:00Z", to: "2025-01-01T00:00:00Z") { callsHeld } }`, { as: cast.isla });
  expect(r.body.errors?.[0]).toMatchObject({ message: 'to: must be after from', extensions: { code: 'BAD_USER_INPUT' } });
});

describe('GET /reports/network.csv', () => {
  const csv = (token?: string) =>
    fetch(`${hub.url.replace('/graphql', '')}/reports/network.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      headers: token ? { authorization: `Bearer ${token}` } : {},
    });

  test('an agency downloads the same figures as CSV', async () => {
    const res = await csv(await hub.tokenFor((await hub.ds.query(`SELECT id FROM person WHERE email = $1`, [cast.isla]))[0].id, cast.isla));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('section,key,detail,value');
    expect(lines).toContain('participants_by_kind,AGENCY,,10');
    expect(lines).toContain('cases_by_status,INVESTIGATING,,1');
    expect(lines).toContain('assistance_requests,median_hours_to_answer,,144');
    expect(lines).toContain('participants_by_country,NG,agencies (developing),1');
  });

  test('others are refused: 403 for a private-sector member or anonymous, 401 for a bad token', async () => {
    const grace = await hub.tokenFor((await hub.ds.query(`SELECT id FROM person WHERE email = $1`, [cast.grace]))[0].id, cast.grace);
    expect((await csv(grace)).status).toBe(403);
    expect((await csv()).status).toBe(403);
    expect((await csv('not.a.token')).status).toBe(401);
  });
});
