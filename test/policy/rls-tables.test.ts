import { OECD_QUESTIONNAIRE_ID, oecdQuestionId, PRIVATE_SECTOR_QUESTIONNAIRE_ID, privateSectorQuestionId } from '../../src/db/builtin-questionnaires';
import { demoId } from '../../src/db/seed/demo';
import { attempt, DemoNames, openPolicyDb, PolicyDb } from '../support/as-viewer';
import { caseAccess, emailOf, segmentsSeen, ViewerName, viewers } from '../support/demo-access';

/**
 * Row-level security at the database level, without GraphQL (ENGINEERING "Tests": graphile/starter's `becomeUser`
 * style): for every demo viewer and every table, the rows the viewer's transaction returns — `SELECT` on the table
 * itself, as `lap_viewer` with the viewer's settings, through the product's own `viewerFromHeader` + `withViewer` —
 * equal the lists below, written by hand from the demo seed (src/db/seed/*.ts) and DOMAIN §4 / the README's demo
 * people. Nothing here asks the policy functions what the answer should be.
 *
 * Rows are named by the keys the seed derives their ids from (`case:FTC-2004-017` → `FTC-2004-017`,
 * `segment:past-1/2` → `past-1/2`, `org:ftc` → `ftc` …); rows of link tables as `left:right`.
 */

let db: PolicyDb;
beforeAll(async () => {
  db = await openPolicyDb();
});
afterAll(() => db.close());

// ---- the demo rows, by name -------------------------------------------------------------------------------------------

const ORGS = ['ftc', 'oft', 'ico', 'acma', 'opta', 'kisa', 'crtc', 'efcc', 'cnil', 'bnetza', 'cgi', 'northstar', 'meridian', 'sentinel', 'registro', 'quicksend'];
const ENDORSED = ['ftc', 'oft', 'ico', 'acma', 'opta', 'kisa', 'crtc', 'efcc', 'cnil', 'bnetza', 'northstar', 'meridian', 'sentinel', 'registro'];
const PEOPLE: Record<string, string> = {
  ann: 'ann.carter@ftc.example', ben: 'ben.ortiz@ftc.example', oliver: 'oliver.hughes@oft.example', isla: 'isla.morgan@ico.example',
  liam: 'liam.walsh@acma.example', sanne: 'sanne.devries@opta.example', minjun: 'minjun.park@kisa.example', claire: 'claire.roy@crtc.example',
  emeka: 'emeka.obi@efcc.example', julien: 'julien.moreau@cnil.example', jonas: 'jonas.weber@bnetza.example', paulo: 'paulo.souza@cgi.example',
  grace: 'grace.lin@northstar.example', tom: 'tom.baker@meridianbank.example', priya: 'priya.shah@meridianbank.example',
  eva: 'eva.jansen@sentinel.example', max: 'max.mueller@registro.example', rick: 'rick.vance@quicksend.example',
};
const CASES = ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'FTC-2004-021', 'KISA-2004-002', 'OPTA-2004-005', 'EFCC-2004-001', 'CRTC-2004-004'];
/** The countries each demo case concerns. */
const CASE_COUNTRIES: Record<string, string[]> = {
  'FTC-2004-017': ['US', 'CA'], 'OFT-2004-003': ['GB', 'NL'], 'ACMA-2004-011': ['AU', 'KR', 'US'], 'ICO-2004-008': ['GB'],
  'FTC-2004-021': ['US', 'GB'], 'KISA-2004-002': ['KR'], 'OPTA-2004-005': ['NL', 'DE'], 'EFCC-2004-001': ['NG', 'GB', 'US'], 'CRTC-2004-004': ['CA'],
};
/** The participants each demo case is shared with. */
const CASE_SHARES: Record<string, string[]> = {
  'OFT-2004-003': ['ico'], 'ACMA-2004-011': ['northstar', 'kisa'], 'ICO-2004-008': ['meridian'], 'FTC-2004-021': ['meridian', 'oft'], 'OPTA-2004-005': ['sentinel'],
};
const CALLS = ['past-2', 'past-1', 'next-1', 'next-2'];
const SEGMENTS = ['past-2/1', 'past-2/2', 'past-1/1', 'past-1/2', 'next-1/1', 'next-1/2', 'next-2/1'];
/** Who each PRIVATE_SECTOR_INVITED segment invites. */
const INVITATIONS = ['past-2/2:sentinel', 'past-1/2:northstar', 'past-1/2:meridian', 'past-1/2:registro', 'next-1/2:sentinel', 'next-1/2:northstar', 'next-1/2:meridian'];
/** The cases each segment discusses. */
const SEGMENT_CASES = [
  'past-2/1:OPTA-2004-005', 'past-2/2:OPTA-2004-005', 'past-1/1:FTC-2004-021', 'past-1/1:KISA-2004-002', 'past-1/1:EFCC-2004-001',
  'past-1/2:ACMA-2004-011', 'past-1/2:FTC-2004-017', 'next-1/2:ACMA-2004-011',
];
const EXCLUSIONS = ['registro-past-1', 'sentinel-next-1'];
const REQUESTS = ['ftc-oft-mules', 'acma-northstar-logs', 'ico-meridian-accounts', 'efcc-ftc-payments', 'kisa-acma-proxies'];
const REPORTS = ['northstar-botnet-spike', 'sentinel-image-spam', 'meridian-phishing-wave', 'meridian-mules', 'registro-whois', 'ftc-requests-howto'];
/** The people each demo report names (its distribution list): Meridian's AMBER report Grace, its RED report Ann. */
const REPORT_RECIPIENTS = ['meridian-phishing-wave:grace', 'meridian-mules:ann'];
const RESPONSES = ['oecd:ftc', 'oecd:oft', 'oecd:acma', 'oecd:ico', 'b4:northstar', 'b4:sentinel'];
/** The questions each demo response answers. */
const ANSWERS: Record<string, string[]> = {
  'oecd:ftc': ['oecd/1', 'oecd/2', 'oecd/4', 'oecd/6'], 'oecd:oft': ['oecd/1', 'oecd/4', 'oecd/5'], 'oecd:acma': ['oecd/1', 'oecd/3', 'oecd/6'],
  'oecd:ico': ['oecd/2', 'oecd/6'], 'b4:northstar': ['b4/a', 'b4/b', 'b4/c'], 'b4:sentinel': ['b4/a', 'b4/b', 'b4/c'],
};
const QUESTIONS = ['oecd/1', 'oecd/2', 'oecd/3', 'oecd/4', 'oecd/5', 'oecd/6', 'b4/a', 'b4/b', 'b4/c'];
const TRAINING_HOSTS = ['phishing-kits:ftc', 'phishing-kits:meridian', 'zombie-drones:acma', 'zombie-drones:sentinel', 'zombie-drones:northstar', 'evidence:oft', 'evidence:ftc'];
const COUNTRIES = ['AU', 'BR', 'CA', 'DE', 'FR', 'GB', 'KR', 'NG', 'NL', 'US'];

const names = new DemoNames([
  ...ORGS.map((k) => `org:${k}`),
  ...CASES.map((r) => `case:${r}`),
  ...Object.entries(CASE_SHARES).flatMap(([r, to]) => to.map((t) => `share:${r}:${t}`)),
  ...CALLS.map((k) => `call:${k}`),
  ...SEGMENTS.map((k) => `segment:${k}`),
  ...EXCLUSIONS.map((k) => `exclusion:${k}`),
  'objection:quicksend:ico',
  ...REQUESTS.map((k) => `request:${k}`),
  ...REPORTS.map((k) => `report:${k}`),
  ...RESPONSES.map((k) => `response:${k}`),
  ...['grace', 'tom', 'eva', 'max'].map((k) => `resource:${k}`),
  ...['phishing-kits', 'zombie-drones', 'evidence'].map((k) => `training:${k}`),
  ...['open-relays', 'spot-the-phish'].map((k) => `education:${k}`),
  ...['isla-acma', 'priya-ftc'].map((k) => `access-request:${k}`),
])
  .add(OECD_QUESTIONNAIRE_ID, 'oecd')
  .add(PRIVATE_SECTOR_QUESTIONNAIRE_ID, 'b4');
for (const [name, email] of Object.entries(PEOPLE)) names.add(demoId(`person:${email}`), name);
for (const n of [1, 2, 3, 4, 5, 6] as const) names.add(oecdQuestionId(n), `oecd/${n}`);
for (const l of ['a', 'b', 'c'] as const) names.add(privateSectorQuestionId(l), `b4/${l}`);

// ---- what each viewer sees, table by table ---------------------------------------------------------------------------

const AGENCIES: ViewerName[] = ['ann', 'ben', 'oliver', 'isla', 'liam', 'minjun', 'emeka', 'claire'];
const PRIVATE: ViewerName[] = ['grace', 'tom', 'priya', 'eva', 'max'];

/**
 * A table's expected rows for every viewer: `agencies` for the eight agency people (coordinators included), `private`
 * for the five private-sector people, `anonymous` for the anonymous caller and Paulo (an applicant is anonymous);
 * a viewer named on its own overrides its group. A group left out sees nothing.
 */
function rows(spec: { agencies?: string[]; private?: string[]; anonymous?: string[] } & Partial<Record<ViewerName, string[]>>): Record<ViewerName, string[]> {
  const out = {} as Record<ViewerName, string[]>;
  for (const v of viewers) {
    const group = AGENCIES.includes(v) ? spec.agencies : PRIVATE.includes(v) ? spec.private : spec.anonymous;
    out[v] = [...(spec[v] ?? group ?? [])].sort();
  }
  return out;
}

const per = (f: (v: ViewerName) => string[]) => Object.fromEntries(viewers.map((v) => [v, [...f(v)].sort()])) as Record<ViewerName, string[]>;

/** Every table with a rule, and how to name its rows. */
const KEYS: Record<string, string> = {
  country: `SELECT code AS k FROM country`,
  participant: `SELECT id AS k FROM participant`,
  person: `SELECT id AS k FROM person`,
  enforcement_case: `SELECT id AS k FROM enforcement_case`,
  case_confidential: `SELECT case_id AS k FROM case_confidential`,
  case_share: `SELECT id AS k FROM case_share`,
  case_reach: `SELECT case_id AS k, participant_id AS k2, person_id AS k3 FROM case_reach`,
  case_country: `SELECT case_id AS k, country_code AS k2 FROM case_country`,
  conference_call: `SELECT id AS k FROM conference_call`,
  call_segment: `SELECT id AS k FROM call_segment`,
  call_segment_invitation: `SELECT segment_id AS k, member_id AS k2 FROM call_segment_invitation`,
  call_segment_case: `SELECT segment_id AS k, case_id AS k2 FROM call_segment_case`,
  call_exclusion: `SELECT id AS k FROM call_exclusion`,
  endorsement_objection: `SELECT id AS k FROM endorsement_objection`,
  assistance_request: `SELECT id AS k FROM assistance_request`,
  assistance_request_detail: `SELECT request_id AS k FROM assistance_request_detail`,
  sector_report: `SELECT id AS k FROM sector_report`,
  sector_report_recipient: `SELECT report_id AS k, person_id AS k2 FROM sector_report_recipient`,
  questionnaire: `SELECT id AS k FROM questionnaire`,
  questionnaire_question: `SELECT id AS k FROM questionnaire_question`,
  questionnaire_response: `SELECT id AS k FROM questionnaire_response`,
  questionnaire_answer: `SELECT response_id AS k, question_id AS k2 FROM questionnaire_answer`,
  resource_list_entry: `SELECT id AS k FROM resource_list_entry`,
  training_session: `SELECT id AS k FROM training_session`,
  training_host: `SELECT training_id AS k, participant_id AS k2 FROM training_host`,
  education_project: `SELECT id AS k FROM education_project`,
  education_project_partner: `SELECT project_id AS k, participant_id AS k2 FROM education_project_partner`,
  api_key: `SELECT id AS k FROM api_key`,
  case_access_log: `SELECT id AS k FROM case_access_log`,
  case_access_request: `SELECT id AS k FROM case_access_request`,
  migrations: `SELECT name AS k FROM migrations`,
};

const sharesOf = (refs: string[]) => refs.flatMap((r) => (CASE_SHARES[r] ?? []).map((to) => `${r}:${to}`));
const answersOf = (responses: string[]) => responses.flatMap((r) => ANSWERS[r].map((q) => `${r}:${q}`));
const allPeople = Object.keys(PEOPLE);
/** A statement refused for want of a grant (SQLSTATE 42501 insufficient_privilege). */
const DENIED = 'refused 42501';

/**
 * A segment's discussed cases as rows of their own: DOMAIN §4 filters them by the case rules ("cases filtered by the
 * case rules"), and §3 says a row the viewer may not see does not exist for them. Expected: a link only when both its
 * segment and its case are visible.
 */
const SEGMENT_CASES_EXPECTED = per((v) =>
  SEGMENT_CASES.filter((link) => {
    const [segment, ref] = link.split(':');
    return segmentsSeen[v].includes(segment) && caseAccess[v].sees.includes(ref);
  }),
);

const EXPECTED: Record<string, Record<ViewerName, string[]>> = {
  // Countries are public (§A.2, §A.7).
  country: rows({ agencies: COUNTRIES, private: COUNTRIES, anonymous: COUNTRIES }),
  // Endorsed participants are public; applicants (CGI.br, QuickSend) for agencies and for their own people.
  participant: rows({ agencies: ORGS, private: ENDORSED, anonymous: ENDORSED, paulo: [...ENDORSED, 'cgi'] }),
  // Agencies see every person; private-sector members the people of endorsed participants; anonymous callers nobody,
  // an applicant's person only themself.
  person: rows({ agencies: allPeople, private: allPeople.filter((p) => p !== 'paulo' && p !== 'rick'), paulo: ['paulo'] }),
  // The case table of test/support/demo-access.ts, itself derived by hand from the TLP table of DOMAIN §4.
  enforcement_case: per((v) => caseAccess[v].sees),
  case_confidential: per((v) => caseAccess[v].confidential),
  // Shares are part of the confidential tier: whoever reads a case's tier sees all its shares.
  case_share: per((v) => sharesOf(caseAccess[v].confidential)),
  // Whom a share reaches: a viewer reads only the reach rows that reach them — a share to their organization naming
  // nobody (case:organization), or naming them (case:organization:person). Isla (ICO) the OFT case, Minjun (KISA) and
  // Grace (NorthStar) the ACMA one, Eva (Sentinel) the OPTA one; Meridian's Tom and Priya the ICO case shared with
  // their whole organization, and only Tom the RED FTC case that names him; Oliver the RED FTC case that names him.
  // Nobody sees another organization's reach, nor a reach naming a colleague.
  case_reach: rows({
    isla: ['OFT-2004-003:ico'], minjun: ['ACMA-2004-011:kisa'], grace: ['ACMA-2004-011:northstar'], eva: ['OPTA-2004-005:sentinel'],
    tom: ['ICO-2004-008:meridian', 'FTC-2004-021:meridian:tom'], priya: ['ICO-2004-008:meridian'], oliver: ['FTC-2004-021:oft:oliver'],
  }),
  case_country: per((v) => caseAccess[v].sees.flatMap((r) => CASE_COUNTRIES[r].map((c) => `${r}:${c}`))),
  // Calls: agencies all; a private-sector member the calls with a segment it takes part in (§B.3): NorthStar and
  // Meridian past-1 and next-1, Sentinel past-2 and next-1 (its exclusion from next-1 was withdrawn), Registro none
  // (excluded from the one segment that invited it).
  conference_call: rows({ agencies: CALLS, grace: ['past-1', 'next-1'], tom: ['past-1', 'next-1'], priya: ['past-1', 'next-1'], eva: ['past-2', 'next-1'] }),
  call_segment: per((v) => segmentsSeen[v]),
  // Agencies see every invitation; a member the members taking part in its segments, never one kept out (§B.3).
  call_segment_invitation: rows({
    agencies: INVITATIONS,
    grace: ['past-1/2:northstar', 'past-1/2:meridian', 'next-1/2:sentinel', 'next-1/2:northstar', 'next-1/2:meridian'],
    tom: ['past-1/2:northstar', 'past-1/2:meridian', 'next-1/2:sentinel', 'next-1/2:northstar', 'next-1/2:meridian'],
    priya: ['past-1/2:northstar', 'past-1/2:meridian', 'next-1/2:sentinel', 'next-1/2:northstar', 'next-1/2:meridian'],
    eva: ['past-2/2:sentinel', 'next-1/2:sentinel', 'next-1/2:northstar', 'next-1/2:meridian'],
  }),
  // A segment's discussed cases: a link only when both its segment and its case are visible (above).
  call_segment_case: SEGMENT_CASES_EXPECTED,
  // Exclusions: agencies only, withdrawn ones too; never the member (§B.3, last ¶).
  call_exclusion: rows({ agencies: EXCLUSIONS }),
  // Objections to applications: agencies only.
  endorsement_objection: rows({ agencies: ['quicksend:ico'] }),
  // Requests: requester, recipient and the coordinators (§A.5, §B.4, §C.1).
  assistance_request: rows({
    ann: REQUESTS, ben: REQUESTS, oliver: REQUESTS,
    isla: ['ico-meridian-accounts'], liam: ['acma-northstar-logs', 'kisa-acma-proxies'], minjun: ['kisa-acma-proxies'], emeka: ['efcc-ftc-payments'],
    grace: ['acma-northstar-logs'], tom: ['ico-meridian-accounts'], priya: ['ico-meridian-accounts'],
  }),
  // A request's description, harm assessment and answer: requester and recipient only — the coordinators keep the
  // row, not its contents (confidentiality ¶ after §A.7, §C.1). FTC (Ann, Ben) asked the OFT and was asked by the
  // EFCC; the OFT (Oliver) was asked by the FTC; ACMA asked NorthStar and was asked by KISA; ICO asked Meridian.
  assistance_request_detail: rows({
    ann: ['ftc-oft-mules', 'efcc-ftc-payments'], ben: ['ftc-oft-mules', 'efcc-ftc-payments'], oliver: ['ftc-oft-mules'],
    isla: ['ico-meridian-accounts'], liam: ['acma-northstar-logs', 'kisa-acma-proxies'], minjun: ['kisa-acma-proxies'], emeka: ['efcc-ftc-payments'],
    grace: ['acma-northstar-logs'], tom: ['ico-meridian-accounts'], priya: ['ico-meridian-accounts'],
  }),
  // Reports follow the TLP with the author's organization as lead and the named recipients as the share (§B.3.a):
  // CLEAR Sentinel and FTC; GREEN NorthStar and Registro; AMBER Meridian naming Grace; RED Meridian naming Ann.
  sector_report: rows({
    agencies: ['northstar-botnet-spike', 'sentinel-image-spam', 'meridian-phishing-wave', 'registro-whois', 'ftc-requests-howto'],
    ann: ['northstar-botnet-spike', 'sentinel-image-spam', 'meridian-phishing-wave', 'meridian-mules', 'registro-whois', 'ftc-requests-howto'],
    private: ['northstar-botnet-spike', 'sentinel-image-spam', 'registro-whois', 'ftc-requests-howto'],
    grace: ['northstar-botnet-spike', 'sentinel-image-spam', 'meridian-phishing-wave', 'registro-whois', 'ftc-requests-howto'],
    tom: REPORTS,
    priya: REPORTS,
    anonymous: ['sentinel-image-spam', 'ftc-requests-howto'],
  }),
  // Whom a report names is the author organization's business (¶ after §A.7): Meridian's people see both of its
  // lists; a named person does not see the list (Grace, Ann), nor does anyone else.
  sector_report_recipient: rows({ tom: REPORT_RECIPIENTS, priya: REPORT_RECIPIENTS }),
  // Questionnaires are for the network's members.
  questionnaire: rows({ agencies: ['oecd', 'b4'], private: ['oecd', 'b4'] }),
  questionnaire_question: rows({ agencies: QUESTIONS, private: QUESTIONS }),
  // Coordinators every response; agencies the open ones (the ICO its own confidential one too); a member its own.
  questionnaire_response: rows({
    agencies: ['oecd:ftc', 'oecd:oft', 'oecd:acma', 'b4:northstar', 'b4:sentinel'],
    ann: RESPONSES, ben: RESPONSES, oliver: RESPONSES, isla: RESPONSES,
    grace: ['b4:northstar'], eva: ['b4:sentinel'], tom: [], priya: [], max: [],
  }),
  questionnaire_answer: rows({
    agencies: answersOf(['oecd:ftc', 'oecd:oft', 'oecd:acma', 'b4:northstar', 'b4:sentinel']),
    ann: answersOf(RESPONSES), ben: answersOf(RESPONSES), oliver: answersOf(RESPONSES), isla: answersOf(RESPONSES),
    grace: answersOf(['b4:northstar']), eva: answersOf(['b4:sentinel']),
  }),
  // The resource list (§B.2): members, entries of endorsed organizations.
  resource_list_entry: rows({ agencies: ['grace', 'tom', 'eva', 'max'], private: ['grace', 'tom', 'eva', 'max'] }),
  // Trainings: agencies all three; private-sector members the two JOINT ones.
  training_session: rows({ agencies: ['phishing-kits', 'zombie-drones', 'evidence'], private: ['phishing-kits', 'zombie-drones'] }),
  training_host: rows({ agencies: TRAINING_HOSTS, private: TRAINING_HOSTS.filter((h) => !h.startsWith('evidence:')) }),
  // Education projects: every member.
  education_project: rows({ agencies: ['open-relays', 'spot-the-phish'], private: ['open-relays', 'spot-the-phish'] }),
  education_project_partner: rows({
    agencies: ['open-relays:kisa', 'open-relays:northstar', 'spot-the-phish:ftc', 'spot-the-phish:oft'],
    private: ['open-relays:kisa', 'open-relays:northstar', 'spot-the-phish:ftc', 'spot-the-phish:oft'],
  }),
  // API keys and the audit trail start empty (test/accountability covers them with rows of their own).
  api_key: rows({}),
  case_access_log: rows({}),
  // Requests for access: the requester (Isla, Priya) and the lead agency's people (ACMA: Liam; FTC: Ann, Ben).
  case_access_request: rows({ isla: ['isla-acma'], liam: ['isla-acma'], priya: ['priya-ftc'], ann: ['priya-ftc'], ben: ['priya-ftc'] }),
  // The migrations table is the owner's alone: no grant, so even reading it is refused.
  migrations: per(() => [DENIED]),
};


/** The views the viewer reads, and how to name their rows. */
const VIEWS: Record<string, string> = {
  endorsement_application: `SELECT id AS k FROM endorsement_application`,
};

const VIEWS_EXPECTED: Record<string, Record<ViewerName, string[]>> = {
  // Applications (the two applicants, CGI.br and QuickSend): agencies, which may object, read every one; the
  // applicant's own people theirs (Paulo, CGI.br); nobody else (endorsement ¶ after §D).
  endorsement_application: rows({ agencies: ['cgi', 'quicksend'], paulo: ['cgi'] }),
};

/**
 * Every row of every table as the viewer sees it, named (or `DENIED` when the statement is refused); one transaction
 * as that viewer, rolled back.
 */
async function seen(v: ViewerName, tables: Record<string, string>): Promise<Record<string, string[]>> {
  return db.asViewer(emailOf(v), async (tx) => {
    const out: Record<string, string[]> = {};
    for (const [table, text] of Object.entries(tables)) {
      const found = await attempt(tx, text);
      out[table] =
        'error' in found
          ? [`refused ${found.error}`]
          : found.rows
              .map((r) => [r.k, r.k2, r.k3].filter((k) => k !== undefined && k !== null).map((k) => names.of(k)).join(':'))
              .sort();
    }
    return out;
  });
}

test('the tables cover every table and view of the database, and every demo viewer', async () => {
  const tables = (await db.ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)) as Array<{ tablename: string }>;
  expect(tables.map((t) => t.tablename).sort()).toEqual(Object.keys(KEYS).sort());
  const views = (await db.ds.query(`SELECT viewname FROM pg_views WHERE schemaname = 'public' ORDER BY 1`)) as Array<{ viewname: string }>;
  expect(views.map((t) => t.viewname).sort()).toEqual(Object.keys(VIEWS).sort());
  expect(viewers).toEqual(['anonymous', 'ann', 'ben', 'oliver', 'isla', 'liam', 'minjun', 'emeka', 'claire', 'grace', 'tom', 'priya', 'eva', 'max', 'paulo']);
  // The owner sees every demo row, so a name that fails to resolve would show in the tables above.
  const owner = (await db.ds.query(`SELECT count(*)::int AS n FROM enforcement_case`)) as Array<{ n: number }>;
  expect(owner[0].n).toBe(CASES.length);
});

test.each(viewers)('%s sees exactly the hand-derived rows of every table', async (v) => {
  const expected = Object.fromEntries(Object.keys(KEYS).map((t) => [t, EXPECTED[t][v]]));
  expect(await seen(v, KEYS)).toEqual(expected);
});

test.each(viewers)('%s sees exactly the hand-derived rows of every view', async (v) => {
  const expected = Object.fromEntries(Object.keys(VIEWS).map((t) => [t, VIEWS_EXPECTED[t][v]]));
  expect(await seen(v, VIEWS)).toEqual(expected);
});
