import { emailOf, ViewerName } from '../support/demo-access';
import { orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * No filter, order or page behaves differently because of a row the viewer may not see (DOMAIN §3; ENGINEERING "Side
 * channels"): for each list argument of the schema (there is no free-text `search` argument; the filters, `orderBy`,
 * `when`, `kind`, `status`, `after`/`first`), a viewer's answers — totalCount, every row of the full list in order, the
 * first page and the page after its cursor, with their cursors — are identical before and after the owner inserts rows
 * hidden from that viewer that match every filter, tie with visible rows on the sort keys and sit between them.
 *
 * So that the test could fail, a control viewer who does see the inserted rows gets, for the same arguments, exactly as
 * many more rows as the inserted rows that match (counted here from the literal data of the inserted rows).
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterEach(() => hub.reset());
afterAll(() => hub.close());

const DAY = 86_400_000;
const at = (days: number) => new Date(hub.now.getTime() + days * DAY);
const person = (v: Exclude<ViewerName, 'anonymous'>) => personId(emailOf(v)!);

/** One list argument combination, and which inserted rows it matches (for the control viewer). */
interface Probe<Row> {
  field: string;
  args?: string;
  select: string;
  /** The inserted rows the control viewer gains under these arguments; no control check when left out. */
  matches?: (row: Row) => boolean;
}

/** Page size of the paged requests: small, so that pages end between visible rows. */
const PAGE = 2;

/**
 * What a viewer observes through the probes: one request with, per probe, the full list (totalCount and every row, in
 * order) and the first page (with its page info), then one request with the page after each first page's endCursor.
 */
async function observe(as: string | null, probes: Array<Probe<any>>): Promise<unknown> {
  const argsOf = (p: Probe<any>, extra: string) => [extra, p.args].filter(Boolean).join(', ');
  const info = 'pageInfo { startCursor endCursor hasNextPage hasPreviousPage }';
  const first = `query($all: Int!, $page: Int!) {
    ${probes
      .map(
        (p, i) => `all${i}: ${p.field}(${argsOf(p, 'first: $all')}) { totalCount nodes { ${p.select} } }
    page${i}: ${p.field}(${argsOf(p, 'first: $page')}) { totalCount ${info} nodes { ${p.select} } }`,
      )
      .join('\n    ')}
  }`;
  const r1 = await hub.gql(first, { as, variables: { all: 500, page: PAGE } });
  expect(r1.body.errors).toBeUndefined();
  const next = probes.map((_, i) => r1.body.data[`page${i}`].pageInfo as { endCursor: string | null; hasNextPage: boolean });
  const paged = probes.map((p, i) => [p, i] as const).filter(([, i]) => next[i].hasNextPage);
  let second: unknown = null;
  if (paged.length > 0) {
    const doc = `query($page: Int!, ${paged.map(([, i]) => `$after${i}: String`).join(', ')}) {
      ${paged.map(([p, i]) => `next${i}: ${p.field}(${argsOf(p, `first: $page, after: $after${i}`)}) { totalCount ${info} nodes { ${p.select} } }`).join('\n      ')}
    }`;
    const variables: Record<string, unknown> = { page: PAGE };
    for (const [, i] of paged) variables[`after${i}`] = next[i].endCursor;
    const r2 = await hub.gql(doc, { as, variables });
    expect(r2.body.errors).toBeUndefined();
    second = r2.body;
  }
  return { first: r1.body, second };
}

/** Each probe's totalCount for a viewer. */
async function totals(as: string, probes: Array<Probe<any>>): Promise<number[]> {
  const doc = `query { ${probes.map((p, i) => `t${i}: ${p.field}${p.args ? `(${p.args})` : ''} { totalCount }`).join(' ')} }`;
  const r = await hub.gql(doc, { as });
  expect(r.body.errors).toBeUndefined();
  return probes.map((_, i) => r.body.data[`t${i}`].totalCount as number);
}

/**
 * The side-channel check: `viewer`'s observations do not change when `insert` adds `rows` hidden from them, while
 * `control` (who sees them) gains exactly the matching ones.
 */
async function expectNoSideChannel<Row>(
  viewer: string | null,
  probes: Array<Probe<Row>>,
  rows: Row[],
  insert: (rows: Row[]) => Promise<void>,
  control: string | null,
): Promise<void> {
  const checked = probes.filter((p) => p.matches);
  const before = await observe(viewer, probes);
  const controlBefore = control ? await totals(control, checked) : [];
  await insert(rows);
  expect(await observe(viewer, probes)).toEqual(before);
  if (control) {
    const gained = (await totals(control, checked)).map((n, i) => n - controlBefore[i]);
    expect(gained).toEqual(checked.map((p) => rows.filter(p.matches!).length));
    // The control is not vacuous: every checked probe matches at least one inserted row.
    expect(gained.every((n) => n > 0)).toBe(true);
  }
}

// ---- cases -------------------------------------------------------------------------------------------------------------

interface HiddenCase {
  id: string;
  tlp: string;
  status: string;
  categories: string[];
  countries: string[];
  harm: number;
  openedDaysAgo: number;
  shares: Array<{ to: string; names: string[] }>;
}

/**
 * Ten cases led by `lead`, hidden from the viewer under test: TLPs in turn from `tlps`; harm scores and opening dates
 * equal to the demo cases' own (ties on the sort keys), with ids that sort before and after any other; every category,
 * status and country the probes filter on.
 */
function hiddenCases(tlps: string[], shares: (tlp: string) => Array<{ to: string; names: string[] }>): HiddenCase[] {
  const harm = [95, 90, 84, 83, 78, 77, 75, 71, 55, 32];
  const opened = [60, 150, 250, 1, 90, 120, 200, 300, 400, 500];
  const statuses = ['INVESTIGATING', 'OPEN', 'ENFORCEMENT_ACTION', 'CLOSED'];
  const extra = ['MALWARE', 'PHISHING', 'ONLINE_FRAUD', 'IDENTITY_THEFT', 'OTHER'];
  const countries = ['GB', 'NL', 'AU', 'CA', 'KR'];
  return harm.map((h, i) => {
    const tlp = tlps[i % tlps.length];
    return {
      id: i % 2 === 0 ? `00000000-0000-4000-8000-00000000000${i}` : `ffffffff-ffff-4fff-8fff-fffffffffff${i}`,
      tlp,
      status: statuses[i % statuses.length],
      categories: ['SPAM', extra[i % extra.length]],
      countries: ['US', countries[i % countries.length]],
      harm: h,
      openedDaysAgo: opened[i],
      shares: shares(tlp),
    };
  });
}

async function insertCases(lead: string, rows: HiddenCase[]): Promise<void> {
  for (const [i, c] of rows.entries()) {
    await hub.ds.query(
      `INSERT INTO enforcement_case (id, reference, title, status, categories, tlp, lead_agency_id, opened_at, harm_score, updated_at)
       VALUES ($1, $2, 'Open-relay pharmacy spam ring', $3, $4, $5, $6, $7, $8, $7)`,
      [c.id, `HIDDEN-${i}`, c.status, c.categories, c.tlp, orgId(lead), at(-c.openedDaysAgo), c.harm],
    );
    await hub.ds.query(`INSERT INTO case_confidential (case_id, lead_agency_id, summary, victim_count) VALUES ($1, $2, 'hidden', 10)`, [c.id, orgId(lead)]);
    await hub.ds.query(`INSERT INTO case_country (case_id, country_code) SELECT $1, unnest($2::text[])`, [c.id, c.countries]);
    for (const s of c.shares) {
      await hub.ds.query(`INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, $3::uuid[], $4)`, [
        c.id, orgId(s.to), s.names.map((n) => personId(n)), personId(emailOf(leadPerson[lead])!),
      ]);
    }
  }
}

const leadPerson: Record<string, Exclude<ViewerName, 'anonymous'>> = { efcc: 'emeka', acma: 'liam', ico: 'isla', ftc: 'ann', kisa: 'minjun' };

function caseProbes(lead: string, tlps: string[]): Array<Probe<HiddenCase>> {
  const select = 'reference tlp harmScore';
  const all = () => true;
  return [
    { field: 'cases', select, matches: all },
    { field: 'cases', args: 'orderBy: OPENED_AT', select, matches: all },
    { field: 'cases', args: 'filter: { category: SPAM }', select, matches: all },
    { field: 'cases', args: 'filter: { category: MALWARE }, orderBy: OPENED_AT', select, matches: (c) => c.categories.includes('MALWARE') },
    { field: 'cases', args: 'filter: { category: PHISHING }', select, matches: (c) => c.categories.includes('PHISHING') },
    { field: 'cases', args: 'filter: { status: INVESTIGATING }', select, matches: (c) => c.status === 'INVESTIGATING' },
    { field: 'cases', args: 'filter: { status: OPEN }, orderBy: OPENED_AT', select, matches: (c) => c.status === 'OPEN' },
    { field: 'cases', args: 'filter: { countryCode: "US" }', select, matches: all },
    { field: 'cases', args: 'filter: { countryCode: "GB" }', select, matches: (c) => c.countries.includes('GB') },
    { field: 'cases', args: `filter: { leadAgencyId: "${orgId(lead)}" }`, select, matches: all },
    { field: 'cases', args: 'filter: { category: SPAM, countryCode: "US", status: INVESTIGATING }, orderBy: OPENED_AT', select, matches: (c) => c.status === 'INVESTIGATING' },
    ...tlps.map((tlp) => ({ field: 'cases', args: `filter: { tlp: ${tlp} }`, select, matches: (c: HiddenCase) => c.tlp === tlp })),
  ];
}

const email = (v: Exclude<ViewerName, 'anonymous'>) => emailOf(v)!;

/** [viewer, lead agency of the hidden cases, their TLPs, their shares (none of which reaches the viewer)] */
const caseScenarios: Array<[ViewerName, string, string[], (tlp: string) => Array<{ to: string; names: string[] }>]> = [
  ['anonymous', 'efcc', ['GREEN', 'AMBER', 'AMBER_STRICT', 'RED'], (tlp) => (tlp === 'RED' ? [{ to: 'ftc', names: [email('ann')] }] : [{ to: 'meridian', names: [] }])],
  ['paulo', 'efcc', ['GREEN', 'AMBER', 'AMBER_STRICT', 'RED'], () => []],
  ['grace', 'acma', ['AMBER', 'AMBER_STRICT', 'RED'], (tlp) => (tlp === 'RED' ? [{ to: 'meridian', names: [email('tom')] }] : [{ to: 'kisa', names: [] }])],
  ['tom', 'ico', ['AMBER', 'AMBER_STRICT', 'RED'], (tlp) => (tlp === 'RED' ? [{ to: 'meridian', names: [email('priya')] }] : [{ to: 'northstar', names: [] }])],
  ['priya', 'ftc', ['AMBER', 'RED'], (tlp) => (tlp === 'RED' ? [{ to: 'meridian', names: [email('tom')] }] : [{ to: 'sentinel', names: [] }])],
  ['isla', 'efcc', ['RED'], () => [{ to: 'oft', names: [email('oliver')] }, { to: 'meridian', names: [email('tom')] }]],
  ['oliver', 'kisa', ['RED'], () => [{ to: 'ico', names: [email('isla')] }]],
];

describe('cases: filters, orders and pages', () => {
  test.each(caseScenarios)('%s: cases of %s hidden from them change nothing', async (viewer, lead, tlps, shares) => {
    const rows = hiddenCases(tlps, shares);
    await expectNoSideChannel(emailOf(viewer), caseProbes(lead, tlps), rows, (r) => insertCases(lead, r), email(leadPerson[lead]));
  });
});

// ---- participants and applications -----------------------------------------------------------------------------------

interface HiddenParticipant {
  name: string;
  kind: 'AGENCY' | 'PRIVATE_SECTOR';
  country: string;
  sector: string | null;
  /** The status a reader sees now (an APPLIED row past its deadline with a standing objection reads as REJECTED). */
  status: 'APPLIED' | 'REJECTED';
  stored: 'APPLIED' | 'REJECTED';
  deadlineDays: number | null;
  objected: boolean;
}

const hiddenParticipants: HiddenParticipant[] = [
  { name: 'Aardvark Mail Ltd', kind: 'PRIVATE_SECTOR', country: 'US', sector: 'INTERNET_SERVICE_PROVIDER', status: 'APPLIED', stored: 'APPLIED', deadlineDays: 20, objected: false },
  { name: 'Korea Anti-Spam Applicant', kind: 'AGENCY', country: 'GB', sector: null, status: 'APPLIED', stored: 'APPLIED', deadlineDays: 3, objected: true },
  { name: 'Meridian Bank Rejected', kind: 'PRIVATE_SECTOR', country: 'GB', sector: 'FINANCIAL_INSTITUTION', status: 'REJECTED', stored: 'REJECTED', deadlineDays: -5, objected: true },
  { name: 'Zeta Hosting', kind: 'PRIVATE_SECTOR', country: 'US', sector: 'INTERNET_SERVICE_PROVIDER', status: 'REJECTED', stored: 'APPLIED', deadlineDays: -1, objected: true },
];

async function insertParticipants(rows: HiddenParticipant[]): Promise<void> {
  for (const [i, p] of rows.entries()) {
    const id = `00000000-0000-4000-8000-0000000001${i}0`;
    await hub.ds.query(
      `INSERT INTO participant (id, kind, name, country_code, status, applied_at, objection_deadline, competences, sector, recorded_by_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
      [id, p.kind, p.name, p.country, p.stored, at(-30), p.deadlineDays === null ? null : at(p.deadlineDays), p.kind === 'AGENCY' ? ['OTHER'] : [], p.sector, person('ann')],
    );
    if (p.objected) {
      await hub.ds.query(`INSERT INTO endorsement_objection (participant_id, agency_id, objected_by_id, reason, created_at) VALUES ($1, $2, $3, 'no', $4)`, [
        id, orgId('ico'), person('isla'), at(-10),
      ]);
    }
  }
}

/**
 * The control counts rows by kind, country and sector only: which status a filter matches is checked on its own below
 * (an application past its deadline reads as ENDORSED or REJECTED).
 */
const participantProbes: Array<Probe<HiddenParticipant>> = [
  { field: 'participants', select: 'name status', matches: () => true },
  { field: 'participants', args: 'filter: { status: APPLIED }', select: 'name' },
  { field: 'participants', args: 'filter: { status: REJECTED }', select: 'name' },
  { field: 'participants', args: 'filter: { status: ENDORSED }', select: 'name' },
  { field: 'participants', args: 'filter: { countryCode: "US" }', select: 'name', matches: (p) => p.country === 'US' },
  { field: 'participants', args: 'filter: { countryCode: "GB", kind: PRIVATE_SECTOR }', select: 'name', matches: (p) => p.country === 'GB' && p.kind === 'PRIVATE_SECTOR' },
  { field: 'participants', args: 'filter: { kind: AGENCY }', select: 'name', matches: (p) => p.kind === 'AGENCY' },
  { field: 'participants', args: 'filter: { sector: INTERNET_SERVICE_PROVIDER }', select: 'name', matches: (p) => p.sector === 'INTERNET_SERVICE_PROVIDER' },
  { field: 'endorsements', select: 'id status applicant { name }', matches: () => true },
  { field: 'endorsements', args: 'status: APPLIED', select: 'id status' },
  { field: 'endorsements', args: 'status: REJECTED', select: 'id status' },
];

describe('participants and applications', () => {
  test.each(['anonymous', 'grace', 'paulo'] as ViewerName[])('%s: applicants and rejected participants change nothing', async (viewer) => {
    await expectNoSideChannel(emailOf(viewer), participantProbes, hiddenParticipants, insertParticipants, email('isla'));
  });

  test('a status filter matches the status as it reads now: an application past its deadline with a standing objection is REJECTED, not APPLIED', async () => {
    await insertParticipants(hiddenParticipants);
    const r = await hub.gql(
      `{ applied: participants(filter: { status: APPLIED }) { nodes { name status } }
         rejected: participants(filter: { status: REJECTED }) { nodes { name status } }
         appliedApplications: endorsements(status: APPLIED) { nodes { applicant { name } status } }
         rejectedApplications: endorsements(status: REJECTED) { nodes { applicant { name } status } } }`,
      { as: email('isla') },
    );
    // The demo's applicants CGI.br and QuickSend are inside their windows; of the inserted ones, Aardvark and the Korean
    // agency are inside theirs, Meridian Bank Rejected was rejected, and Zeta Hosting's deadline passed with ICO's
    // objection standing.
    const names = (list: Array<{ name?: string; applicant?: { name: string }; status: string }>) =>
      list.map((n) => `${n.name ?? n.applicant!.name}: ${n.status}`).sort();
    expect(r.body.errors).toBeUndefined();
    expect({
      applied: names(r.body.data.applied.nodes),
      rejected: names(r.body.data.rejected.nodes),
      appliedApplications: names(r.body.data.appliedApplications.nodes),
      rejectedApplications: names(r.body.data.rejectedApplications.nodes),
    }).toEqual({
      applied: ['Aardvark Mail Ltd: APPLIED', 'CGI.br Anti-Spam Working Group: APPLIED', 'Korea Anti-Spam Applicant: APPLIED', 'QuickSend Marketing Association: APPLIED'],
      rejected: ['Meridian Bank Rejected: REJECTED', 'Zeta Hosting: REJECTED'],
      appliedApplications: ['Aardvark Mail Ltd: APPLIED', 'CGI.br Anti-Spam Working Group: APPLIED', 'Korea Anti-Spam Applicant: APPLIED', 'QuickSend Marketing Association: APPLIED'],
      rejectedApplications: ['Meridian Bank Rejected: REJECTED', 'Zeta Hosting: REJECTED'],
    });
  });
});

// ---- assistance requests ---------------------------------------------------------------------------------------------

interface HiddenRequest {
  from: string;
  to: string;
  status: string;
  harm: number;
  toPrivate: boolean;
}

const hiddenRequests: HiddenRequest[] = [
  { from: 'ftc', to: 'oft', status: 'OPEN', harm: 99, toPrivate: false },
  { from: 'efcc', to: 'ico', status: 'ACKNOWLEDGED', harm: 50, toPrivate: false },
  { from: 'oft', to: 'sentinel', status: 'DECLINED', harm: 1, toPrivate: true },
  { from: 'ico', to: 'registro', status: 'OPEN', harm: 60, toPrivate: true },
];

async function insertRequests(rows: HiddenRequest[]): Promise<void> {
  const by: Record<string, Exclude<ViewerName, 'anonymous'>> = { ftc: 'ann', efcc: 'emeka', oft: 'oliver', ico: 'isla' };
  for (const [i, r] of rows.entries()) {
    const id = `00000000-0000-4000-8000-0000000002${i}0`;
    // The row, then its description and harm assessment in their own row (requester and recipient only), as the seed does.
    await hub.ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO assistance_request (id, requester_id, requested_by_id, recipient_id, title, categories, harm_score, status, created_at)
         VALUES ($1, $2, $3, $4, 'Trace wire transfers to US accounts', ARRAY['SPAM'], $5, $6, $7)`,
        [id, orgId(r.from), person(by[r.from]), orgId(r.to), r.harm, r.status, at(-i - 1)],
      );
      await m.query(
        `INSERT INTO assistance_request_detail (request_id, requester_id, recipient_id, description, victim_count, estimated_loss_usd,
           vulnerable_victims, ongoing_harm)
         VALUES ($1, $2, $3, 'hidden', 1, 1, false, false)`,
        [id, orgId(r.from), orgId(r.to)],
      );
    });
  }
}

const requestProbes: Array<Probe<HiddenRequest>> = [
  { field: 'assistanceRequests', select: 'id title harmScore', matches: () => true },
  { field: 'assistanceRequests', args: 'filter: { status: OPEN }', select: 'id', matches: (r) => r.status === 'OPEN' },
  { field: 'assistanceRequests', args: 'filter: { status: ACKNOWLEDGED }', select: 'id', matches: (r) => r.status === 'ACKNOWLEDGED' },
  { field: 'assistanceRequests', args: 'filter: { direction: SENT }', select: 'id' },
  { field: 'assistanceRequests', args: 'filter: { direction: RECEIVED }', select: 'id' },
  { field: 'assistanceRequests', args: 'filter: { recipientKind: PRIVATE_SECTOR }', select: 'id', matches: (r) => r.toPrivate },
  { field: 'assistanceRequests', args: 'filter: { recipientKind: AGENCY }', select: 'id', matches: (r) => !r.toPrivate },
];

describe('assistance requests', () => {
  test.each(['liam', 'grace', 'tom'] as ViewerName[])('%s: requests between other parties change nothing', async (viewer) => {
    await expectNoSideChannel(emailOf(viewer), requestProbes, hiddenRequests, insertRequests, email('ben'));
  });
});

// ---- trainings, reports, resource list, calls, education projects ------------------------------------------------------

interface Dated {
  days: number;
}

async function insertAgencyTrainings(rows: Dated[]): Promise<void> {
  for (const [i, t] of rows.entries()) {
    await hub.ds.query(
      `INSERT INTO training_session (id, title, audience, topics, scheduled_at, duration_minutes, organizer_id, scheduled_by_id, created_at)
       VALUES ($1, 'Tracing zombie drones', 'AGENCIES_ONLY', ARRAY['botnets'], $2, 60, $3, $4, $5)`,
      [`00000000-0000-4000-8000-0000000003${i}0`, at(t.days), orgId('acma'), person('liam'), at(-100)],
    );
  }
}

const trainingProbes = (): Array<Probe<Dated>> => [
  { field: 'trainings', select: 'id title scheduledAt', matches: () => true },
  { field: 'trainings', args: 'filter: { audience: AGENCIES_ONLY }', select: 'id', matches: () => true },
  { field: 'trainings', args: 'filter: { audience: JOINT }', select: 'id' },
  { field: 'trainings', args: `filter: { from: "${at(0).toISOString()}" }`, select: 'id', matches: (t) => t.days >= 0 },
  { field: 'trainings', args: `filter: { to: "${at(0).toISOString()}" }`, select: 'id', matches: (t) => t.days < 0 },
  { field: 'trainings', args: `filter: { from: "${at(-60).toISOString()}", to: "${at(60).toISOString()}" }`, select: 'id', matches: (t) => t.days >= -60 && t.days < 60 },
];

interface HiddenReport {
  org: string;
  by: Exclude<ViewerName, 'anonymous'>;
  kind: string;
  tlp: string;
  recipients: Array<Exclude<ViewerName, 'anonymous'>>;
  days: number;
}

const hiddenReports: HiddenReport[] = [
  { org: 'sentinel', by: 'eva', kind: 'TECHNOLOGY_TREND', tlp: 'AMBER', recipients: [], days: -4 },
  { org: 'registro', by: 'max', kind: 'EARLY_WARNING', tlp: 'AMBER_STRICT', recipients: [], days: -5 },
  { org: 'meridian', by: 'tom', kind: 'EARLY_WARNING', tlp: 'RED', recipients: ['ann'], days: -3 },
  { org: 'ftc', by: 'ann', kind: 'CASE', tlp: 'RED', recipients: ['oliver'], days: -90 },
];

async function insertReports(rows: HiddenReport[]): Promise<void> {
  for (const [i, r] of rows.entries()) {
    const id = `00000000-0000-4000-8000-0000000004${i}0`;
    // One transaction: a RED report must name its recipients by the time it commits.
    await hub.ds.transaction(async (m) => {
      await m.query(
        `INSERT INTO sector_report (id, author_org_id, author_id, kind, title, body, tlp, published_at)
         VALUES ($1, $2, $3, $4, 'Spike in botnet spam from residential ranges', 'hidden', $5, $6)`,
        [id, orgId(r.org), person(r.by), r.kind, r.tlp, at(r.days)],
      );
      for (const who of r.recipients) {
        await m.query(`INSERT INTO sector_report_recipient (report_id, person_id, author_org_id) VALUES ($1, $2, $3)`, [id, person(who), orgId(r.org)]);
      }
    });
  }
}

const reportProbes: Array<Probe<HiddenReport>> = [
  { field: 'reports', select: 'id title tlp', matches: () => true },
  { field: 'reports', args: 'kind: EARLY_WARNING', select: 'id', matches: (r) => r.kind === 'EARLY_WARNING' },
  { field: 'reports', args: 'kind: TECHNOLOGY_TREND', select: 'id', matches: (r) => r.kind === 'TECHNOLOGY_TREND' },
  { field: 'reports', args: 'kind: CASE', select: 'id', matches: (r) => r.kind === 'CASE' },
  { field: 'earlyWarnings', select: 'id title', matches: (r) => r.kind === 'EARLY_WARNING' },
];

/** People of organizations that are not endorsed, listed on the resource list: hidden from every reader. */
async function insertUnlistedEntries(): Promise<void> {
  await hub.ds.query(
    `INSERT INTO participant (id, kind, name, country_code, status, applied_at, sector) VALUES ($1, 'PRIVATE_SECTOR', 'Registro Rejected', 'BR', 'REJECTED', $2, 'DOMAIN_REGISTRAR_OR_REGISTRY')`,
    ['00000000-0000-4000-8000-000000000500', at(-40)],
  );
  await hub.ds.query(`INSERT INTO person (id, organization_id, name, email) VALUES ($1, $2, 'Rui Costa', 'rui.costa@registro-rejected.example')`, [
    '00000000-0000-4000-8000-000000000501', '00000000-0000-4000-8000-000000000500',
  ]);
  for (const [id, who, org, languages] of [
    ['00000000-0000-4000-8000-000000000510', '00000000-0000-4000-8000-000000000501', '00000000-0000-4000-8000-000000000500', ['pt', 'en']],
    ['00000000-0000-4000-8000-000000000520', personId('rick.vance@quicksend.example'), orgId('quicksend'), ['en', 'de']],
  ] as const) {
    await hub.ds.query(
      `INSERT INTO resource_list_entry (id, person_id, organization_id, expertise, languages, added_by_id, added_at) VALUES ($1, $2, $3, ARRAY['spam'], $4, $2, $5)`,
      [id, who, org, languages, at(-1)],
    );
  }
  const [{ n }] = (await hub.ds.query(`SELECT count(*)::int AS n FROM resource_list_entry WHERE id::text LIKE '00000000-0000-4000-8000-0000000005%'`)) as Array<{ n: number }>;
  expect(n).toBe(2);
}

const resourceProbes: Array<Probe<never>> = [
  { field: 'resourceList', select: 'id person { name }' },
  { field: 'resourceList', args: 'filter: { countryCode: "BR" }', select: 'id' },
  { field: 'resourceList', args: 'filter: { countryCode: "US" }', select: 'id' },
  { field: 'resourceList', args: 'filter: { language: "pt" }', select: 'id' },
  { field: 'resourceList', args: 'filter: { language: "de" }', select: 'id' },
  { field: 'resourceList', args: 'filter: { sector: INDUSTRY_MEMBERSHIP_ORGANIZATION }', select: 'id' },
  { field: 'resourceList', args: 'filter: { sector: DOMAIN_REGISTRAR_OR_REGISTRY }', select: 'id' },
];

interface HiddenCall {
  days: number;
  /** LEO: a law-enforcement-only segment; OTHER: invites NorthStar only; EXCLUDED: invites Sentinel, which is excluded from the call. */
  kind: 'LEO' | 'OTHER' | 'EXCLUDED';
}

const hiddenCalls: HiddenCall[] = [
  { days: 50, kind: 'LEO' },
  { days: -20, kind: 'OTHER' },
  { days: 70, kind: 'EXCLUDED' },
  { days: -140, kind: 'LEO' },
];

async function insertCalls(rows: HiddenCall[]): Promise<void> {
  for (const [i, c] of rows.entries()) {
    const call = `00000000-0000-4000-8000-0000000006${i}0`;
    const segment = `00000000-0000-4000-8000-0000000006${i}1`;
    await hub.ds.query(
      `INSERT INTO conference_call (id, title, scheduled_at, duration_minutes, organizer_id, dial_in) VALUES ($1, 'Quarterly enforcement call', $2, 90, $3, 'dial')`,
      [call, at(c.days), orgId('oft')],
    );
    await hub.ds.query(`INSERT INTO call_segment (id, call_id, position, title, topic, audience) VALUES ($1, $2, 1, 'Industry reports', 'PRIVATE_SECTOR_REPORTS', $3)`, [
      segment, call, c.kind === 'LEO' ? 'LAW_ENFORCEMENT_ONLY' : 'PRIVATE_SECTOR_INVITED',
    ]);
    if (c.kind !== 'LEO') {
      await hub.ds.query(`INSERT INTO call_segment_invitation (segment_id, member_id) VALUES ($1, $2)`, [segment, orgId(c.kind === 'OTHER' ? 'northstar' : 'sentinel')]);
    }
    if (c.kind === 'EXCLUDED') {
      await hub.ds.query(
        `INSERT INTO call_exclusion (call_id, segment_id, member_id, objecting_agency_id, objected_by_id, reason, created_at) VALUES ($1, NULL, $2, $3, $4, 'no', $5)`,
        [call, orgId('sentinel'), orgId('ico'), person('isla'), at(-1)],
      );
    }
  }
}

const callProbes: Array<Probe<HiddenCall>> = [
  { field: 'calls', args: 'when: ALL', select: 'id title segments { id order title }', matches: () => true },
  { field: 'calls', args: 'when: UPCOMING', select: 'id', matches: (c) => c.days > 0 },
  { field: 'calls', args: 'when: PAST', select: 'id', matches: (c) => c.days < 0 },
];

async function insertProjects(rows: Array<{ status: string; theme: string }>): Promise<void> {
  for (const [i, p] of rows.entries()) {
    await hub.ds.query(
      `INSERT INTO education_project (id, title, description, themes, status, lead_organization_id, started_by_id, started_at, updated_at)
       VALUES ($1, 'Close your open relay', 'hidden', $2, $3, $4, $5, $6, $6)`,
      [`00000000-0000-4000-8000-0000000007${i}0`, [p.theme], p.status, orgId('acma'), person('liam'), at(-i)],
    );
  }
}

describe('other lists', () => {
  test('grace: AGENCIES_ONLY trainings before, between and after the JOINT ones change nothing', async () => {
    await expectNoSideChannel(email('grace'), trainingProbes(), [{ days: -50 }, { days: 5 }, { days: 45 }, { days: 90 }], insertAgencyTrainings, email('isla'));
  });

  test('grace: AMBER, AMBER_STRICT and RED reports that do not name her change nothing', async () => {
    await expectNoSideChannel(email('grace'), reportProbes, hiddenReports, insertReports, email('ann'));
  });

  test('anonymous: reports above CLEAR change nothing', async () => {
    await expectNoSideChannel(null, reportProbes, hiddenReports, insertReports, email('ann'));
  });

  test('grace: resource-list entries of organizations that are not endorsed change nothing', async () => {
    await expectNoSideChannel(email('grace'), resourceProbes, [], insertUnlistedEntries, null);
  });

  test('eva: calls she does not take part in change nothing, nor do their segments’ positions', async () => {
    await expectNoSideChannel(email('eva'), callProbes, hiddenCalls, insertCalls, email('ann'));
  });

  test('anonymous: education projects (members only) change nothing', async () => {
    const projects = [
      { status: 'ACTIVE', theme: 'OPEN_RELAYS' },
      { status: 'PLANNED', theme: 'PHISHING' },
    ];
    const probes: Array<Probe<{ status: string; theme: string }>> = [
      { field: 'educationProjects', select: 'id title', matches: () => true },
      { field: 'educationProjects', args: 'filter: { status: ACTIVE }', select: 'id', matches: (p) => p.status === 'ACTIVE' },
      { field: 'educationProjects', args: 'filter: { theme: PHISHING }', select: 'id', matches: (p) => p.theme === 'PHISHING' },
      { field: 'educationProjects', args: `filter: { leadOrganizationId: "${orgId('acma')}" }`, select: 'id', matches: () => true },
    ];
    await expectNoSideChannel(null, probes, projects, insertProjects, email('grace'));
  });
});
