import { caseId, cast, GqlResult, orgId, personId, segmentId, startTestHub, TestHub } from '../support/hub';

/**
 * SQL statements per request do not grow with the size of a list (ENGINEERING "Tests"): the hub reports them in the
 * `x-sql-statements` header (REPORT_SQL_STATEMENTS, on in tests). Each nested field is batched per request by the
 * loaders, so a page of 200 costs the same statements as a page of 10. Page sizes go through variables: the query
 * cost limit multiplies literal `first` arguments, and the statement count is what is measured here.
 *
 * The header counts the messages sent to the database (calls of `pg`'s `query`), not SQL statements and not round
 * trips: the request's connection is pipelined, so the statements asked for together share one round trip
 * (src/db/viewer-db.ts). Since every request runs in a transaction of its own as the viewer, a signed-in request sends
 * two messages besides its data statements — the viewer lookup (`lap.viewer_of`), which begins the transaction with
 * `SET LOCAL ROLE` and the viewer's settings in the same message, and `COMMIT`. (An anonymous request has no lookup:
 * its `BEGIN` is a message of its own, sent with its first statement.) The budgets below are the data statements plus
 * those two.
 */

/** Messages of a signed-in request that reads something, besides its data statements. */
const REQUEST_OVERHEAD = 2;
/** Data statements a nested list may take: a handful, not one per row. */
const DATA_BUDGET = 12;

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
beforeEach(() => hub.reset());
afterAll(async () => {
  // Leave the demo network as it was for whatever runs next.
  await hub.reset();
  await hub.close();
});

const LIAM = 'liam.walsh@acma.example';

/**
 * `n` cases QC-0001… led by ACMA (Liam's agency), category OTHER (no demo case has it), TLP CLEAR, GREEN, AMBER,
 * AMBER_STRICT, RED in turn, two countries each, shared with KISA as a whole (except RED ones) and with Meridian
 * naming Tom on even numbers and Priya on odd ones.
 */
async function insertAcmaCases(n: number): Promise<void> {
  await hub.ds.query(
    `INSERT INTO enforcement_case (reference, title, status, categories, tlp, lead_agency_id, harm_score)
     SELECT 'QC-' || lpad(i::text, 4, '0'), 'Query-count case ' || i, 'OPEN', ARRAY['OTHER'],
            (ARRAY['CLEAR','GREEN','AMBER','AMBER_STRICT','RED'])[1 + i % 5], $1, i % 101
     FROM generate_series(1, $2::int) AS i`,
    [orgId('acma'), n],
  );
  // The confidential tier is a row of its own (case_confidential).
  await hub.ds.query(
    `INSERT INTO case_confidential (case_id, lead_agency_id, summary)
     SELECT c.id, c.lead_agency_id, 'summary ' || substring(c.reference FROM 4)::int FROM enforcement_case c WHERE c.reference LIKE 'QC-%'`,
  );
  await hub.ds.query(
    `INSERT INTO case_country (case_id, country_code)
     SELECT c.id, x.code FROM enforcement_case c CROSS JOIN (VALUES ('AU'), ('KR')) AS x(code) WHERE c.reference LIKE 'QC-%'`,
  );
  await hub.ds.query(
    `INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id)
     SELECT c.id, $1::uuid, '{}'::uuid[], $3::uuid FROM enforcement_case c WHERE c.reference LIKE 'QC-%' AND c.tlp <> 'RED'
     UNION ALL
     SELECT c.id, $2::uuid, CASE WHEN substring(c.reference FROM 4)::int % 2 = 0 THEN ARRAY[$4::uuid] ELSE ARRAY[$5::uuid] END, $3::uuid
     FROM enforcement_case c WHERE c.reference LIKE 'QC-%'`,
    [orgId('kisa'), orgId('meridian'), personId(LIAM), personId('tom.baker@meridianbank.example'), personId('priya.shah@meridianbank.example')],
  );
}

const caseList = `query ($first: Int!) {
  cases(first: $first, filter: { category: OTHER }) {
    totalCount
    nodes {
      reference
      leadAgency { name country { code } }
      countries { code }
      confidential { summary shares { participant { name } recipients { name } grantedBy { name } } }
      viewerCan { readConfidential edit share }
    }
  }
}`;

function expectClean(r: GqlResult): void {
  expect(r.status).toBe(200);
  expect(r.body.errors).toBeUndefined();
  expect(Number.isInteger(r.statements)).toBe(true);
}

test('a nested case list of 10 and of 200 costs the same statements (an agency that leads them)', async () => {
  await insertAcmaCases(200);
  const small = await hub.gql(caseList, { as: LIAM, variables: { first: 10 } });
  const large = await hub.gql(caseList, { as: LIAM, variables: { first: 200 } });
  expectClean(small);
  expectClean(large);
  expect(small.body.data.cases.nodes).toHaveLength(10);
  expect(large.body.data.cases.nodes).toHaveLength(200);
  expect(large.body.data.cases.totalCount).toBe(200);
  // Every nested part really was resolved on every row: the lead agency reads all 200 tiers with their shares.
  for (const c of large.body.data.cases.nodes) {
    expect(c.leadAgency).toEqual({ name: 'Australian Communications and Media Authority', country: { code: 'AU' } });
    expect(c.countries).toEqual([{ code: 'AU' }, { code: 'KR' }]);
    expect(c.viewerCan).toEqual({ readConfidential: true, edit: true, share: true });
    const red = Number(c.reference.slice(3)) % 5 === 4;
    expect(c.confidential.shares.map((s: { participant: { name: string } }) => s.participant.name).sort()).toEqual(
      red ? ['Meridian Bank'] : ['Korea Information Security Agency', 'Meridian Bank'],
    );
    for (const s of c.confidential.shares) expect(s.grantedBy).toEqual({ name: 'Liam Walsh' });
  }
  expect(large.statements).toBe(small.statements);
  // A handful of statements, not one per row.
  expect(large.statements).toBeLessThanOrEqual(REQUEST_OVERHEAD + DATA_BUDGET);
});

test('a case board reads what its rows ask of their lead agency and countries in the page’s own statement: no statement more than the rows alone', async () => {
  await insertAcmaCases(60);
  const board = (row: string) => `query ($first: Int!) { cases(first: $first, filter: { category: OTHER }) { totalCount nodes { reference ${row} } } }`;
  const listing = board('leadAgency { name country { code } } countries { code }');
  // Whole lead agency rows (fields beyond the listing ones), and the countries' other columns.
  const whole = board('leadAgency { id name status competences country { code name developing } } countries { code name developing }');
  for (const as of [LIAM, 'tom.baker@meridianbank.example']) {
    // What the viewer reads of ACMA and of the two countries when asking for them alone.
    const acma = await hub.gql(`{ participant(id: "${orgId('acma')}") { ... on Agency { id name status competences country { code name developing } } } }`, { as });
    const countries = await hub.gql('{ au: country(code: "AU") { code name developing } kr: country(code: "KR") { code name developing } }', { as });
    expect(acma.body.data.participant.name).toBe('Australian Communications and Media Authority');
    expect(countries.body.data.kr.name).toBeTruthy();
    const rows = await hub.gql(board(''), { as, variables: { first: 60 } });
    const a = await hub.gql(listing, { as, variables: { first: 60 } });
    const b = await hub.gql(whole, { as, variables: { first: 60 } });
    for (const r of [rows, a, b]) expectClean(r);
    // The viewer's lookup and COMMIT, the page and its count: nothing per part, nothing per row.
    expect([rows.statements, a.statements, b.statements]).toEqual([REQUEST_OVERHEAD + 2, REQUEST_OVERHEAD + 2, REQUEST_OVERHEAD + 2]);
    const refs = rows.body.data.cases.nodes.map((c: { reference: string }) => c.reference);
    expect(refs).toHaveLength(as === LIAM ? 60 : 42);
    expect(a.body.data.cases.nodes).toEqual(refs.map((reference: string) => ({ reference, leadAgency: { name: acma.body.data.participant.name, country: { code: 'AU' } }, countries: [{ code: 'AU' }, { code: 'KR' }] })));
    expect(b.body.data.cases.nodes).toEqual(refs.map((reference: string) => ({ reference, leadAgency: acma.body.data.participant, countries: [countries.body.data.au, countries.body.data.kr] })));
  }
});

test('the same list as a private-sector viewer with mixed access costs the same statements for 10 and 200 rows', async () => {
  await insertAcmaCases(200);
  const tom = 'tom.baker@meridianbank.example';
  const small = await hub.gql(caseList, { as: tom, variables: { first: 10 } });
  const large = await hub.gql(caseList, { as: tom, variables: { first: 200 } });
  expectClean(small);
  expectClean(large);
  expect(small.body.data.cases.nodes).toHaveLength(10);
  // Tom sees the 80 CLEAR and GREEN rows and, of the 120 others, the 60 even-numbered ones whose share names him;
  // he reads the tier of the 100 even-numbered rows.
  expect(large.body.data.cases.totalCount).toBe(140);
  expect(large.body.data.cases.nodes).toHaveLength(140);
  for (const c of large.body.data.cases.nodes) {
    const even = Number(c.reference.slice(3)) % 2 === 0;
    expect(c.viewerCan).toEqual({ readConfidential: even, edit: false, share: false });
    expect(c.confidential === null).toBe(!even);
  }
  expect(large.body.extensions).toEqual({ redacted: [{ path: 'cases.nodes.confidential', code: 'FORBIDDEN', count: 40 }] });
  expect(large.statements).toBe(small.statements);
  expect(large.statements).toBeLessThanOrEqual(REQUEST_OVERHEAD + DATA_BUDGET);
});

test('the accountability fields of a case list (why a tier is readable, one’s own request) cost the same statements for 10 and 200 rows', async () => {
  await insertAcmaCases(200);
  const list = `query ($first: Int!) {
    cases(first: $first, filter: { category: OTHER }) { nodes { reference confidentialAccess { allowed reason } viewerAccessRequest { status } } }
  }`;
  const tom = 'tom.baker@meridianbank.example';
  const small = await hub.gql(list, { as: tom, variables: { first: 10 } });
  const large = await hub.gql(list, { as: tom, variables: { first: 200 } });
  expectClean(small);
  expectClean(large);
  expect(large.body.data.cases.nodes).toHaveLength(140);
  for (const c of large.body.data.cases.nodes) {
    const even = Number(c.reference.slice(3)) % 2 === 0;
    const tlp = Number(c.reference.slice(3)) % 5;
    // the tier through the share naming Tom (even numbers); the rows he sees without it are not shared with him
    expect([c.reference, c.confidentialAccess]).toEqual([c.reference, { allowed: even, reason: even ? 'SHARED_WITH_YOU' : 'NOT_SHARED_WITH_YOU' }]);
    expect(tlp <= 1 || even).toBe(true);
    expect(c.viewerAccessRequest).toBeNull();
  }
  expect(large.statements).toBe(small.statements);
  expect(large.statements).toBeLessThanOrEqual(REQUEST_OVERHEAD + DATA_BUDGET);
});

const callList = `query ($first: Int!) {
  calls(when: ALL, first: $first) {
    totalCount
    nodes {
      title
      organizer { name }
      segments { title invited { name } discussedCases { reference leadAgency { name } confidential { summary } } }
    }
  }
}`;

/** `n` extra calls in the future, each with a LAW_ENFORCEMENT_ONLY segment and a PRIVATE_SECTOR_INVITED one inviting NorthStar and Meridian. */
async function insertCalls(n: number): Promise<void> {
  await hub.ds.query(
    `INSERT INTO conference_call (title, scheduled_at, duration_minutes, organizer_id, dial_in)
     SELECT 'Extra call ' || lpad(i::text, 3, '0'), now() + make_interval(days => 200 + i), 60, $1, 'dial ' || i FROM generate_series(1, $2::int) AS i`,
    [orgId('oft'), n],
  );
  await hub.ds.query(
    `INSERT INTO call_segment (call_id, position, title, topic, audience)
     SELECT c.id, x.position, c.title || ' / ' || x.position, x.topic, x.audience FROM conference_call c
     CROSS JOIN (VALUES (1, 'CASES', 'LAW_ENFORCEMENT_ONLY'), (2, 'PRIVATE_SECTOR_REPORTS', 'PRIVATE_SECTOR_INVITED')) AS x(position, topic, audience)
     WHERE c.title LIKE 'Extra call %'`,
  );
  await hub.ds.query(
    `INSERT INTO call_segment_invitation (segment_id, member_id)
     SELECT s.id, m.id FROM call_segment s JOIN conference_call c ON c.id = s.call_id CROSS JOIN (VALUES ($1::uuid), ($2::uuid)) AS m(id)
     WHERE c.title LIKE 'Extra call %' AND s.audience = 'PRIVATE_SECTOR_INVITED'`,
    [orgId('northstar'), orgId('meridian')],
  );
  // Every extra segment discusses three demo cases: the botnet (AMBER, shared with NorthStar), the phishing kit (RED)
  // and the open-relay case (CLEAR).
  await hub.ds.query(
    `INSERT INTO call_segment_case (segment_id, case_id)
     SELECT s.id, k.id FROM call_segment s JOIN conference_call c ON c.id = s.call_id
     CROSS JOIN (SELECT id FROM enforcement_case WHERE reference IN ('ACMA-2004-011', 'FTC-2004-021', 'FTC-2004-017')) AS k
     WHERE c.title LIKE 'Extra call %'`,
  );
}

test.each([
  ['an agency', 'ann.carter@ftc.example', 44],
  ['a private-sector member', 'grace.lin@northstar.example', 42],
])('a nested calls list of 2 and of all calls costs the same statements for %s', async (_label, as, total) => {
  await insertCalls(40);
  const small = await hub.gql(callList, { as, variables: { first: 2 } });
  const large = await hub.gql(callList, { as, variables: { first: 100 } });
  expectClean(small);
  expectClean(large);
  expect(small.body.data.calls.nodes).toHaveLength(2);
  // Agencies: the 4 demo calls and 40 extra ones; NorthStar: the 2 demo calls that invite it and the 40 extra ones.
  expect(large.body.data.calls.totalCount).toBe(total);
  expect(large.body.data.calls.nodes).toHaveLength(total);
  const extra = large.body.data.calls.nodes.filter((c: { title: string }) => c.title.startsWith('Extra call'));
  expect(extra).toHaveLength(40);
  for (const call of extra) {
    const segments = call.segments as Array<{ title: string; invited: unknown; discussedCases: Array<{ reference: string }> }>;
    expect(segments.map((s) => s.title.slice(-1))).toEqual(total === 44 ? ['1', '2'] : ['2']);
    for (const s of segments) expect(s.discussedCases.length).toBeGreaterThan(0);
  }
  expect(large.statements).toBe(small.statements);
  expect(large.statements).toBeLessThanOrEqual(REQUEST_OVERHEAD + DATA_BUDGET);
});

test('the statement header counts what the request ran (a sanity check of the measure)', async () => {
  const ann = 'ann.carter@ftc.example';
  const anonymous = await hub.gql('{ me { kind } }');
  const base = await hub.gql('{ me { kind } }', { as: ann });
  const more = await hub.gql(`{ me { kind } callSegment(id: "${segmentId('past-1/1')}") { discussedCases { reference } } }`, { as: ann });
  expectClean(anonymous);
  expectClean(base);
  expectClean(more);
  expect(more.body.data.callSegment.discussedCases).toEqual([{ reference: 'FTC-2004-021' }, { reference: 'KISA-2004-002' }]);
  // An anonymous request that reads nothing reaches the database not at all: no lookup, and the transaction begins
  // with the first statement.
  expect(anonymous.statements).toBe(0);
  // A signed-in one that reads nothing: the viewer lookup, which begins the request's transaction, and its COMMIT.
  expect(base.statements).toBe(REQUEST_OVERHEAD);
  // Reading adds only the data statements: the segment, then its discussed cases.
  expect(more.statements - base.statements).toBe(2);
});

test('a case’s detail is one data statement, and the cases of one request share it (aliases, as a gateway’s _entities)', async () => {
  const DETAIL = `id reference countries { code } leadAgency { name status country { code } }
    confidential { summary shares { id grantedBy { name } participant { name status } recipients { name } } }`;
  const one = await hub.gql(`{ case(id: "${caseId('FTC-2004-021')}") { ${DETAIL} } }`, { as: cast.ann });
  expect(one.body.errors).toBeUndefined();
  // The case, its countries, its shares, the participants and the people they name: one statement.
  expect(one.statements).toBe(REQUEST_OVERHEAD + 1);
  expect(one.body.data.case.confidential.shares.length).toBeGreaterThan(0);
  const refs = ['FTC-2004-021', 'FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'KISA-2004-002'];
  const many = await hub.gql(`{ ${refs.map((ref, i) => `c${i}: case(id: "${caseId(ref)}") { ${DETAIL} }`).join(' ')} }`, { as: cast.ann });
  expect(many.body.errors).toBeUndefined();
  expect(many.statements).toBe(one.statements);
  expect(many.body.data.c0).toEqual(one.body.data.case);
});
