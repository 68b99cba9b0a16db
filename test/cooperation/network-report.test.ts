import { networkReportCsv, NetworkReportData, networkReportQuery } from '../../src/http/network-report-csv';
import { cast, caseId, orgId, personId, startTestHub, TestHub } from '../support/hub';

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

const OECD = 'OECD Questionnaire on Cross-border Enforcement of Anti-Spam Laws';
const PRIVATE = 'Private-sector questions on requests for information';

const report = async (who: string | null) => {
  const r = await hub.gql(networkReportQuery, { as: who, variables: { from, to } });
  expect(r.body.errors).toBeUndefined();
  return r.body as { data: { networkReport: NetworkReportData }; extensions?: Record<string, unknown> };
};

const tally = (keys: string[]) => {
  const m = new Map<string, number>();
  keys.forEach((k) => m.set(k, (m.get(k) ?? 0) + 1));
  return [...m].sort(([a], [b]) => (a < b ? -1 : 1)).map(([key, count]) => ({ key, count }));
};

describe('every figure counts what that reader can list (DOMAIN §3, §4)', () => {
  test('an agency (Isla, ICO): the cases, requests, calls and responses she can list; no outstanding figure', async () => {
    const body = await report(cast.isla);
    expect(body.data.networkReport).toMatchObject({
      participantsByKind: [{ key: 'AGENCY', count: 10 }, { key: 'PRIVATE_SECTOR', count: 4 }],
      // Every case but the two RED ones she is not on (FTC-2004-021, EFCC-2004-001): CLEAR, GREEN, AMBER, AMBER_STRICT.
      casesByCategory: [{ key: 'IDENTITY_THEFT', count: 1 }, { key: 'MALWARE', count: 3 }, { key: 'ONLINE_FRAUD', count: 3 }, { key: 'SPAM', count: 4 }],
      casesByStatus: [{ key: 'CLOSED', count: 1 }, { key: 'ENFORCEMENT_ACTION', count: 2 }, { key: 'INVESTIGATING', count: 2 }, { key: 'OPEN', count: 2 }],
      // Her agency's one request (to Meridian), acknowledged, not answered.
      assistanceRequestsByStatus: [{ key: 'ACKNOWLEDGED', count: 1 }],
      medianHoursToAnswer: null,
      callsHeld: 2,
      developingCountriesParticipating: 1,
      // The open responses and her agency's confidential one.
      questionnaires: [
        { title: OECD, audience: 'AGENCIES', responded: 4, outstanding: null },
        { title: PRIVATE, audience: 'PRIVATE_SECTOR', responded: 2, outstanding: null },
      ],
    });
    expect(body.data.networkReport.participantsByCountry).toContainEqual({ country: { code: 'NG', name: 'Nigeria', developing: true }, agencies: 1, privateSectorMembers: 0 });
    expect(body.extensions).toEqual({ redacted: [{ path: 'networkReport.questionnaires.outstanding', code: 'FORBIDDEN', count: 2 }] });
  });

  test('an agency that can list 3 responses to the OECD questionnaire is told 3, not 4 (the ICO’s is confidential)', async () => {
    const listed = await hub.gql(`{ questionnaires(audience: AGENCIES) { nodes { title responses { totalCount } } } }`, { as: cast.liam });
    expect(listed.body.data.questionnaires.nodes).toEqual([{ title: OECD, responses: { totalCount: 3 } }]);
    const body = await report(cast.liam);
    expect(body.data.networkReport.questionnaires).toEqual([
      { title: OECD, audience: 'AGENCIES', responded: 3, outstanding: null },
      { title: PRIVATE, audience: 'PRIVATE_SECTOR', responded: 2, outstanding: null },
    ]);
    expect(body.extensions).toEqual({ redacted: [{ path: 'networkReport.questionnaires.outstanding', code: 'FORBIDDEN', count: 2 }] });
  });

  test('a coordinator (Ann, FTC) is told every response and who has not answered, as numbers, with nothing redacted', async () => {
    const body = await report(cast.ann);
    expect(body.extensions).toBeUndefined();
    expect(body.data.networkReport).toMatchObject({
      // The RED case her agency leads (FTC-2004-021) counts; EFCC-2004-001 does not.
      casesByStatus: [{ key: 'CLOSED', count: 1 }, { key: 'ENFORCEMENT_ACTION', count: 2 }, { key: 'INVESTIGATING', count: 3 }, { key: 'OPEN', count: 2 }],
      // Coordinators see every request (§C.1).
      assistanceRequestsByStatus: [{ key: 'ACKNOWLEDGED', count: 1 }, { key: 'DECLINED', count: 1 }, { key: 'FULFILLED', count: 1 }, { key: 'OPEN', count: 2 }],
      medianHoursToAnswer: 108,
      // Ten agencies, four answered (the ICO confidentially); four private-sector members, two answered.
      questionnaires: [
        { title: OECD, audience: 'AGENCIES', responded: 4, outstanding: 6 },
        { title: PRIVATE, audience: 'PRIVATE_SECTOR', responded: 2, outstanding: 2 },
      ],
    });
  });

  test.each([
    ['ann (coordinator)', cast.ann],
    ['oliver (coordinator)', cast.oliver],
    ['isla', cast.isla],
    ['liam', cast.liam],
    ['emeka', cast.emeka],
    ['claire', cast.claire],
  ])('%s: cases, requests, calls and responses equal what the same reader lists', async (_name, who) => {
    const r = (await report(who)).data.networkReport;
    const listed = await hub.gql(
      `{ cases(first: 1000) { nodes { status categories } }
         assistanceRequests(first: 1000) { totalCount nodes { status } }
         calls(when: PAST, first: 1000) { totalCount }
         questionnaires { nodes { title responses { totalCount } } } }`,
      { as: who },
    );
    expect(listed.body.errors).toBeUndefined();
    const d = listed.body.data;
    const cases = d.cases.nodes as Array<{ status: string; categories: string[] }>;
    expect(r.casesByStatus).toEqual(tally(cases.map((c) => c.status)));
    expect(r.casesByCategory).toEqual(tally(cases.flatMap((c) => c.categories)));
    expect(r.assistanceRequestsByStatus).toEqual(tally((d.assistanceRequests.nodes as Array<{ status: string }>).map((n) => n.status)));
    expect(r.callsHeld).toBe(d.calls.totalCount);
    expect(r.questionnaires.map((q) => [q.title, q.responded])).toEqual(
      (d.questionnaires.nodes as Array<{ title: string; responses: { totalCount: number } }>).map((q) => [q.title, q.responses.totalCount]).sort(),
    );
  });

  test('assistanceRequestsByStatus equals what assistanceRequests lists by status for the same reader', async () => {
    for (const who of [cast.ann, cast.liam, cast.emeka, cast.claire]) {
      const r = (await report(who)).data.networkReport;
      const counts = [];
      for (const status of ['ACKNOWLEDGED', 'DECLINED', 'FULFILLED', 'OPEN', 'WITHDRAWN']) {
        const n = (await hub.gql(`{ assistanceRequests(filter: {status: ${status}}) { totalCount } }`, { as: who })).body.data.assistanceRequests.totalCount;
        if (n > 0) counts.push({ key: status, count: n });
      }
      expect(r.assistanceRequestsByStatus).toEqual(counts);
    }
  });
});

test('a case counts for exactly the readers who can list it', async () => {
  const before = { isla: (await report(cast.isla)).data.networkReport, emeka: (await report(cast.emeka)).data.networkReport };
  // A RED case of the EFCC with no share: the EFCC's people count it, nobody else.
  await hub.ds.query(
    `INSERT INTO enforcement_case (id, reference, title, status, categories, tlp, lead_agency_id, harm_score) VALUES ($1, 'HIDDEN-RED', 'Hidden', 'CLOSED', '{IDENTITY_THEFT}', 'RED', $2, 50)`,
    [caseId('HIDDEN-RED'), orgId('efcc')],
  );
  expect((await report(cast.isla)).data.networkReport).toEqual(before.isla);
  const emeka = (await report(cast.emeka)).data.networkReport;
  expect(emeka.casesByStatus).toEqual(before.emeka.casesByStatus.map((k) => (k.key === 'CLOSED' ? { key: 'CLOSED', count: k.count + 1 } : k)));
  // Shared with Isla by name: now she counts it too.
  await hub.ds.query(
    `INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, $3::uuid[], $4)`,
    [caseId('HIDDEN-RED'), orgId('ico'), [personId(cast.isla)], personId(cast.emeka)],
  );
  const isla = (await report(cast.isla)).data.networkReport;
  expect(isla.casesByStatus).toEqual(before.isla.casesByStatus.map((k) => (k.key === 'CLOSED' ? { key: 'CLOSED', count: k.count + 1 } : k)));
  expect(isla.casesByCategory).toEqual(before.isla.casesByCategory.map((k) => (k.key === 'IDENTITY_THEFT' ? { key: 'IDENTITY_THEFT', count: k.count + 1 } : k)));
});

test.each([[null], [cast.grace], [cast.paulo]])('%s gets no network report (null, redacted)', async (who) => {
  const r = await hub.gql(`query($from: DateTimeISO!, $to: DateTimeISO!) { networkReport(from: $from, to: $to) { callsHeld } }`, { as: who, variables: { from, to } });
  expect(r.body).toEqual({ data: { networkReport: null }, extensions: { redacted: [{ path: 'networkReport', code: 'FORBIDDEN', count: 1 }] } });
});

test('bad periods are bad input', async () => {
  const r = await hub.gql(`{ networkReport(from: "2026-01-01T00:00:00Z", to: "2025-01-01T00:00:00Z") { callsHeld } }`, { as: cast.isla });
  expect(r.body.errors?.[0]).toMatchObject({ message: 'to: must be after from (got from 2026-01-01T00:00:00.000Z, to 2025-01-01T00:00:00.000Z)', extensions: { code: 'BAD_USER_INPUT' } });
  // Years of four digits from 1900: a year 0000 was labelled "-1-Q1".
  for (const [f, t, message] of [
    ['0000-01-01T00:00:00Z', '0001-01-01T00:00:00Z', 'from: must be from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (got 0000-01-01T00:00:00.000Z)'],
    ['1899-12-31T00:00:00Z', '1900-06-01T00:00:00Z', 'from: must be from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (got 1899-12-31T00:00:00.000Z)'],
    // 1900 as written, 1899 in UTC: the bound is said in UTC.
    ['1900-01-01T00:30:00+01:00', '1900-06-01T00:00:00Z', 'from: must be from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (got 1899-12-31T23:30:00.000Z)'],
    ['9999-01-01T00:00:00Z', '9999-12-31T23:30:00-02:00', 'to: must be from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (got the year 10000 in UTC)'],
    // At most ten years, said with the period received: ten calendar years to the second, not 3,660 days.
    ['2000-01-01T00:00:00Z', '2100-01-01T00:00:00Z', 'to: the period may span at most ten years: 2000-01-01T00:00:00.000Z to 2100-01-01T00:00:00.000Z is longer'],
    ['2000-01-01T00:00:00Z', '2010-01-01T00:00:01Z', 'to: the period may span at most ten years: 2000-01-01T00:00:00.000Z to 2010-01-01T00:00:01.000Z is longer'],
  ]) {
    const bad = await hub.gql(`query($f: DateTimeISO!, $t: DateTimeISO!) { networkReport(from: $f, to: $t) { callsHeld } }`, { as: cast.isla, variables: { f, t } });
    expect(bad.body.errors?.map((e: any) => [e.message, e.extensions.code])).toEqual([[message, 'BAD_USER_INPUT']]);
  }
  // Exactly ten years is taken.
  const ten = await hub.gql(`{ networkReport(from: "2000-01-01T00:00:00Z", to: "2010-01-01T00:00:00Z") { callsHeld } }`, { as: cast.isla });
  expect(ten.body.errors).toBeUndefined();
});

describe('GET /reports/network.csv', () => {
  const csv = async (who: string | null, token?: string) => {
    const bearer = token ?? (who ? await hub.tokenFor(personId(who), who) : undefined);
    return fetch(`${hub.url.replace('/graphql', '')}/reports/network.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`, {
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
  };

  test.each([
    ['isla (agency)', cast.isla],
    ['liam (agency)', cast.liam],
    ['ann (coordinator)', cast.ann],
  ])('%s downloads the same report as GraphQL gives her, row for row', async (_name, who) => {
    const res = await csv(who);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = await res.text();
    expect(text).toBe(networkReportCsv((await report(who)).data.networkReport));
    expect(text.split('\r\n')[0]).toBe('section,key,detail,value');
  });

  test('a non-coordinator’s outstanding cells are empty and named in X-Redacted; a coordinator’s are numbers', async () => {
    const liam = await csv(cast.liam);
    const lines = (await liam.text()).trim().split('\r\n');
    expect(liam.headers.get('x-redacted')).toBe('networkReport.questionnaires.outstanding');
    expect(lines).toContain(`questionnaires,${OECD},AGENCIES responded,3`);
    expect(lines).toContain(`questionnaires,${OECD},AGENCIES outstanding,`);
    expect(lines).toContain(`questionnaires,${PRIVATE},PRIVATE_SECTOR outstanding,`);
    expect(lines).toContain('participants_by_kind,AGENCY,,10');
    expect(lines).toContain('participants_by_country,NG,agencies (developing),1');

    const ann = await csv(cast.ann);
    const annLines = (await ann.text()).trim().split('\r\n');
    expect(ann.headers.get('x-redacted')).toBeNull();
    expect(annLines).toContain(`questionnaires,${OECD},AGENCIES responded,4`);
    expect(annLines).toContain(`questionnaires,${OECD},AGENCIES outstanding,6`);
    expect(annLines).toContain(`questionnaires,${PRIVATE},PRIVATE_SECTOR outstanding,2`);
    expect(annLines).toContain('assistance_requests,median_hours_to_answer,,108');
  });

  test('a period that ends before it begins: 400 BAD_USER_INPUT with the message and code only (no GraphQL locations or path)', async () => {
    const token = await hub.tokenFor(personId(cast.isla), cast.isla);
    const res = await fetch(`${hub.url.replace('/graphql', '')}/reports/network.csv?from=2025-01-01&to=2024-01-01`, { headers: { authorization: `Bearer ${token}` } });
    expect([res.status, await res.json()]).toEqual([400, { errors: [{ message: 'to: must be after from (got from 2025-01-01T00:00:00.000Z, to 2024-01-01T00:00:00.000Z)', extensions: { code: 'BAD_USER_INPUT', argument: 'to' } }] }]);
    const year0 = await fetch(`${hub.url.replace('/graphql', '')}/reports/network.csv?from=0000-01-01&to=0001-01-01`, { headers: { authorization: `Bearer ${token}` } });
    expect([year0.status, await year0.json()]).toEqual([400, { errors: [{ message: 'from: must be from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (got 0000-01-01)', extensions: { code: 'BAD_USER_INPUT', argument: 'from' } }] }]);
    // A time of 9999 whose zone puts it in 10000: the bound said with the value as written, not an ISO string of six digits.
    const late = await fetch(`${hub.url.replace('/graphql', '')}/reports/network.csv?from=9999-12-31T00:00:00Z&to=9999-12-31T23:30:00-02:00`, { headers: { authorization: `Bearer ${token}` } });
    expect([late.status, await late.json()]).toEqual([400, { errors: [{ message: 'to: must be from 1900-01-01T00:00:00Z to 9999-12-31T23:59:59.999Z (got 9999-12-31T23:30:00-02:00)', extensions: { code: 'BAD_USER_INPUT', argument: 'to' } }] }]);
    const century = await fetch(`${hub.url.replace('/graphql', '')}/reports/network.csv?from=2000-01-01&to=2100-01-01`, { headers: { authorization: `Bearer ${token}` } });
    expect([century.status, await century.json()]).toEqual([400, {
      errors: [{ message: 'to: the period may span at most ten years: 2000-01-01T00:00:00.000Z to 2100-01-01T00:00:00.000Z is longer', extensions: { code: 'BAD_USER_INPUT', argument: 'to' } }],
    }]);
  });

  test('others are refused: 403 for a private-sector member or anonymous, 401 for a bad token', async () => {
    expect((await csv(cast.grace)).status).toBe(403);
    expect((await csv(null)).status).toBe(403);
    expect((await csv(null, 'not.a.token')).status).toBe(401);
  });
});
