import { demoId } from '../../src/db/seed/demo';
import { caseId, cast, orgId, personId, segmentId, startTestHub, TestHub } from '../support/hub';
import { expectRefused } from '../support/rows';

/**
 * Case mutations, viewer by viewer (DOMAIN §3, §4 "Cases"): any agency opens a case as its lead agency; only the lead
 * agency edits, shares and revokes (originator control). A refused mutation is FORBIDDEN; a case the viewer cannot see
 * is answered exactly like an unknown id (BAD_USER_INPUT "no case with this id"); bad input is BAD_USER_INPUT naming
 * the argument. Refusals write nothing. Expected values are written by hand from DOMAIN.md and the demo seed.
 */

type Viewer = 'anonymous' | keyof typeof cast;
const emailOf = (v: Viewer) => (v === 'anonymous' ? null : cast[v]);

const agencyOf: Partial<Record<Viewer, string>> = {
  ann: 'US Federal Trade Commission',
  ben: 'US Federal Trade Commission',
  oliver: 'UK Office of Fair Trading',
  isla: 'UK Information Commissioner’s Office',
  liam: 'Australian Communications and Media Authority',
  minjun: 'Korea Information Security Agency',
  emeka: 'Economic and Financial Crimes Commission',
  claire: 'Canadian Radio-television and Telecommunications Commission',
};
const agencies = Object.keys(agencyOf) as Viewer[];
/** Private-sector people, anonymous callers and the applicant's person: never allowed a case mutation. */
const nonAgencies: Viewer[] = ['anonymous', 'grace', 'tom', 'priya', 'eva', 'max', 'paulo'];

const UNKNOWN = '6b1d2a44-0000-4000-8000-000000000000';
const shareId = (reference: string, org: string) => demoId(`share:${reference}:${org}`);

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

async function caseCount(): Promise<number> {
  const [row] = await hub.ds.query('SELECT count(*)::int AS n FROM enforcement_case');
  return row.n;
}

// ---- openCase -------------------------------------------------------------------------------------------------------

const OPEN = `mutation($input: OpenCaseInput!) {
  openCase(input: $input) {
    reference title status tlp categories countries { code } leadAgency { name } harmScore
    viewerCan { readConfidential edit share }
    confidential { summary suspects victimCount estimatedLossUsd vulnerableVictims ongoingHarm shares { id } }
  }
}`;

const newCase = {
  reference: 'NEW-2005-001',
  title: 'Snowshoe spam from rented address ranges',
  categories: ['SPAM', 'PHISHING'],
  countryCodes: ['US', 'GB'],
  tlp: 'AMBER',
  summary: 'The ranges rotate daily.',
  suspects: ['Range Rentals Ltd'],
  victimCount: 99,
  estimatedLossUsd: 9000,
};

describe('openCase', () => {
  test.each(agencies)('%s (an agency) opens a case as its lead agency', async (v) => {
    const count = await caseCount();
    const r = await hub.gql(OPEN, { as: emailOf(v), variables: { input: newCase } });
    // harm: 12·log10(1+99) = 24, 8·log10(1+9000/1000) = 8, +5 for the second category = 37.
    expect(r.body).toEqual({
      data: {
        openCase: {
          reference: 'NEW-2005-001',
          title: 'Snowshoe spam from rented address ranges',
          status: 'OPEN',
          tlp: 'AMBER',
          categories: ['SPAM', 'PHISHING'],
          countries: [{ code: 'GB' }, { code: 'US' }],
          leadAgency: { name: agencyOf[v] },
          harmScore: 37,
          viewerCan: { readConfidential: true, edit: true, share: true },
          confidential: {
            summary: 'The ranges rotate daily.',
            suspects: ['Range Rentals Ltd'],
            victimCount: 99,
            estimatedLossUsd: 9000,
            vulnerableVictims: false,
            ongoingHarm: false,
            shares: [],
          },
        },
      },
    });
    expect(await caseCount()).toBe(count + 1);
    const rows = await hub.ds.query(
      `SELECT c.lead_agency_id, c.tlp, c.harm_score, array_agg(cc.country_code::text ORDER BY cc.country_code) AS countries
       FROM enforcement_case c JOIN case_country cc ON cc.case_id = c.id WHERE c.reference = 'NEW-2005-001' GROUP BY c.id`,
    );
    const key = { ann: 'ftc', ben: 'ftc', oliver: 'oft', isla: 'ico', liam: 'acma', minjun: 'kisa', emeka: 'efcc', claire: 'crtc' }[v as string]!;
    expect(rows).toEqual([{ lead_agency_id: orgId(key), tlp: 'AMBER', harm_score: 37, countries: ['GB', 'US'] }]);
  });

  test.each(nonAgencies)('%s may not open a case: FORBIDDEN, nothing written', async (v) => {
    await expectRefused(hub, emailOf(v), OPEN, { input: newCase }, { code: 'FORBIDDEN' });
  });

  test.each([
    ['too-long title', { title: 'x'.repeat(201) }, 'input.title: must be shorter than or equal to 200 characters'],
    ['too-short title', { title: 'ab' }, 'input.title: must be longer than or equal to 3 characters'],
    ['a blank title', { title: '     ' }, 'input.title: must not be blank'],
    // '' is too short as well: told that it is blank, as '   ' is.
    ['an empty title', { title: '' }, 'input.title: must not be blank'],
    ['a title of zero-width spaces', { title: '\u200b\u200b\u200b' }, 'input.title: must not be blank'],
    ['a title of invisible characters and spaces', { title: ' \u2060\ufeff\u00ad \u200d\u3164 ' }, 'input.title: must not be blank'],
    ['a title of variation selectors and combining grapheme joiners', { title: '\ufe0f\ufe00\u034f\u180b\u17b4\udb40\udd00' }, 'input.title: must not be blank'],
    ['a blank suspect', { suspects: ['Acme Mailers', ' '] }, 'input.suspects: each value must not be blank'],
    ['wrong TLP', { tlp: 'PURPLE' }, 'input.tlp: Value "PURPLE" does not exist in "Tlp" enum.'],
    ['wrong category', { categories: ['SPAM', 'GOSSIP'] }, 'input.categories[1]: Value "GOSSIP" does not exist in "HarmCategory" enum.'],
    ['no category', { categories: [] }, 'input.categories: must not be empty'],
    ['unknown country code', { countryCodes: ['GB', 'ZZ'] }, 'input.countryCodes: no country with code ZZ'],
    ['malformed country code', { countryCodes: ['gb'] }, 'input.countryCodes: must be ISO 3166-1 alpha-2 codes such as GB'],
    ['negative victim count', { victimCount: -1 }, 'input.victimCount: must not be less than 0'],
    ['negative loss', { estimatedLossUsd: -5 }, 'input.estimatedLossUsd: must not be less than 0'],
    ['a loss in cents', { estimatedLossUsd: 1234.56 }, 'input.estimatedLossUsd: must be a whole number of US dollars'],
    ['a loss past the bound by half a dollar', { estimatedLossUsd: 9999999999999.5 }, 'input.estimatedLossUsd: must be a whole number of US dollars'],
    ['malformed reference', { reference: 'new case' }, 'input.reference: must be 3–40 capital letters, digits and dashes'],
    ['a reference the agency already uses', { reference: 'FTC-2004-017' }, 'input.reference: your agency already has a case with this reference'],
    ['a missing title', { title: undefined }, 'input.title: is required (String!)'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, change, message) => {
    await expectRefused(hub, cast.ann, OPEN, { input: { ...newCase, ...change } }, { code: 'BAD_USER_INPUT', message });
  });

  test('a title whose letters are joined or varied (emoji sequences, a zero-width joiner or non-joiner in a word) is taken as written', async () => {
    const title = 'Takedown 👨‍👩‍👧 🏳️‍🌈 क्‍ م‌ا Muñoz';
    const r = await hub.gql(OPEN, { as: cast.ann, variables: { input: { ...newCase, title } } });
    expect(r.body.errors).toBeUndefined();
    expect(await hub.ds.query(`SELECT title FROM enforcement_case WHERE reference = 'NEW-2005-001'`)).toEqual([{ title }]);
  });

  test('a reference another agency uses — even on a case the viewer cannot see — is free: references are per lead agency', async () => {
    // EFCC-2004-001 is EFCC's RED case, hidden from the FTC: a clash must not reveal it.
    const r = await hub.gql(OPEN, { as: cast.ann, variables: { input: { ...newCase, reference: 'EFCC-2004-001' } } });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.openCase.reference).toBe('EFCC-2004-001');
    const leads = await hub.ds.query(`SELECT lead_agency_id FROM enforcement_case WHERE reference = 'EFCC-2004-001'`);
    expect(leads.map((r: { lead_agency_id: string }) => r.lead_agency_id).sort()).toEqual([orgId('efcc'), orgId('ftc')].sort());
  });
});

// ---- updateCase -----------------------------------------------------------------------------------------------------

const UPDATE = `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { reference title tlp status } }`;

/**
 * FTC-2004-021 is FTC's RED case, shared with Tom (Meridian) and Oliver (OFT) by name: FTC people edit it; Oliver and
 * Tom see it but may not edit it; the other agencies cannot see it, so for them it does not exist.
 */
const updateTable: Array<[Viewer, 'allowed' | 'FORBIDDEN' | 'hidden']> = [
  ['ann', 'allowed'],
  ['ben', 'allowed'],
  ['oliver', 'FORBIDDEN'],
  ['isla', 'hidden'],
  ['liam', 'hidden'],
  ['minjun', 'hidden'],
  ['emeka', 'hidden'],
  ['claire', 'hidden'],
  ...nonAgencies.map((v) => [v, 'FORBIDDEN'] as [Viewer, 'FORBIDDEN']),
];

describe('updateCase', () => {
  test('the table covers every demo viewer', () => {
    expect(updateTable.map(([v]) => v).sort()).toEqual(['anonymous', ...Object.keys(cast)].sort());
  });

  test.each(updateTable)('%s on FTC-2004-021 (RED, FTC): %s', async (v, outcome) => {
    const variables = { id: caseId('FTC-2004-021'), input: { title: 'Phishing kit seller arrested', status: 'ENFORCEMENT_ACTION' } };
    if (outcome === 'allowed') {
      const r = await hub.gql(UPDATE, { as: emailOf(v), variables });
      expect(r.body).toEqual({
        data: { updateCase: { reference: 'FTC-2004-021', title: 'Phishing kit seller arrested', tlp: 'RED', status: 'ENFORCEMENT_ACTION' } },
      });
      expect(await hub.ds.query('SELECT title, status, tlp FROM enforcement_case WHERE id = $1', [caseId('FTC-2004-021')])).toEqual([
        { title: 'Phishing kit seller arrested', status: 'ENFORCEMENT_ACTION', tlp: 'RED' },
      ]);
    } else if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), UPDATE, variables, { code: 'FORBIDDEN' });
    } else {
      const hidden = await expectRefused(hub, emailOf(v), UPDATE, variables, { code: 'BAD_USER_INPUT', message: 'id: no case with this id' });
      const unknown = await expectRefused(hub, emailOf(v), UPDATE, { ...variables, id: UNKNOWN }, { code: 'BAD_USER_INPUT' });
      expect(hidden).toEqual(unknown);
    }
  });

  test('two updates in one document: each answer shows the countries and confidential tier it wrote, nothing cached from before', async () => {
    const id = caseId('FTC-2004-021');
    const r = await hub.gql(
      `mutation($id: ID!) {
        first: updateCase(id: $id, input: { countryCodes: ["US", "NG"], victimCount: 7, summary: "First" }) { countries { code } confidential { summary victimCount } }
        second: updateCase(id: $id, input: { countryCodes: ["GB"], victimCount: 9, summary: "Second" }) { countries { code } confidential { summary victimCount } }
      }`,
      { as: cast.ann, variables: { id } },
    );
    expect(r.body).toEqual({
      data: {
        first: { countries: [{ code: 'NG' }, { code: 'US' }], confidential: { summary: 'First', victimCount: 7 } },
        second: { countries: [{ code: 'GB' }], confidential: { summary: 'Second', victimCount: 9 } },
      },
    });
    expect(await hub.ds.query('SELECT country_code FROM case_country WHERE case_id = $1', [id])).toEqual([{ country_code: 'GB' }]);
  });

  test('two people of the lead agency changing different fields at the same time: both changes stick, the harm score counts both', async () => {
    const id = caseId('FTC-2004-021');
    // Sent together: each update locks the row and its tier, so the second reads what the first wrote.
    const [ann, ben] = await Promise.all([
      hub.gql(UPDATE, { as: cast.ann, variables: { id, input: { title: 'Phishing kit seller identified', categories: ['PHISHING', 'IDENTITY_THEFT', 'ONLINE_FRAUD'] } } }),
      hub.gql(UPDATE, { as: cast.ben, variables: { id, input: { status: 'ENFORCEMENT_ACTION', victimCount: 9 } } }),
    ]);
    expect([ann.body.errors, ben.body.errors]).toEqual([undefined, undefined]);
    // harm: 12·log10(1+9) = 12, 8·log10(1+2,500,000/1000) = 27.2 → 39; +10 ongoing harm; +10 for two categories beyond
    // the first = 59 (from stale values it would be 89 or 54).
    expect(
      await hub.ds.query(
        `SELECT c.title, c.status, c.categories, c.harm_score, t.victim_count FROM enforcement_case c JOIN case_confidential t ON t.case_id = c.id WHERE c.id = $1`,
        [id],
      ),
    ).toEqual([
      { title: 'Phishing kit seller identified', status: 'ENFORCEMENT_ACTION', categories: ['PHISHING', 'IDENTITY_THEFT', 'ONLINE_FRAUD'], harm_score: 59, victim_count: 9 },
    ]);
  });

  test('an agency a share reaches may still not edit: ICO on OFT-2004-003 is FORBIDDEN', async () => {
    await expectRefused(hub, cast.isla, UPDATE, { id: caseId('OFT-2004-003'), input: { title: 'Renamed' } }, { code: 'FORBIDDEN' });
  });

  test.each([
    ['too-long title', { title: 'x'.repeat(201) }, 'input.title: must be shorter than or equal to 200 characters'],
    ['wrong status', { status: 'DONE' }, 'input.status: Value "DONE" does not exist in "CaseStatus" enum.'],
    ['wrong TLP', { tlp: 'BLACK' }, 'input.tlp: Value "BLACK" does not exist in "Tlp" enum.'],
    ['unknown country code', { countryCodes: ['ZZ'] }, 'input.countryCodes: no country with code ZZ'],
    ['negative victim count', { victimCount: -3 }, 'input.victimCount: must not be less than 0'],
    ['a loss in cents', { estimatedLossUsd: 0.4 }, 'input.estimatedLossUsd: must be a whole number of US dollars'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, input, message) => {
    await expectRefused(hub, cast.ann, UPDATE, { id: caseId('FTC-2004-021'), input }, { code: 'BAD_USER_INPUT', message });
  });

  test('an unknown id is BAD_USER_INPUT naming the argument', async () => {
    await expectRefused(hub, cast.ann, UPDATE, { id: UNKNOWN, input: { title: 'Renamed' } }, { code: 'BAD_USER_INPUT', message: 'id: no case with this id' });
    await expectRefused(hub, cast.ann, UPDATE, { id: 'not-an-id', input: { title: 'Renamed' } }, { code: 'BAD_USER_INPUT', message: 'id: no case with this id' });
  });

  test('to RED while a share reaches a whole organization: BAD_USER_INPUT on input.tlp, nothing written; allowed once that share is revoked', async () => {
    // OFT-2004-003 (GREEN) is shared with the whole ICO.
    await expectRefused(hub, cast.oliver, UPDATE, { id: caseId('OFT-2004-003'), input: { tlp: 'RED' } }, {
      code: 'BAD_USER_INPUT',
      message: 'input.tlp: TLP:RED is for named persons: narrow or revoke the shares to whole organizations first',
    });
    const revoked = await hub.gql('mutation($id: ID!) { revokeShare(id: $id) { reference } }', { as: cast.oliver, variables: { id: shareId('OFT-2004-003', 'ico') } });
    expect(revoked.body).toEqual({ data: { revokeShare: { reference: 'OFT-2004-003' } } });
    const r = await hub.gql(UPDATE, { as: cast.oliver, variables: { id: caseId('OFT-2004-003'), input: { tlp: 'RED' } } });
    expect(r.body).toEqual({ data: { updateCase: { reference: 'OFT-2004-003', title: 'Lottery-scam mailings', tlp: 'RED', status: 'INVESTIGATING' } } });
    // Now RED: other agencies no longer see it.
    const isla = await hub.gql('query($id: ID!) { case(id: $id) { reference } }', { as: cast.isla, variables: { id: caseId('OFT-2004-003') } });
    expect(isla.body).toEqual({ data: { case: null } });
  });
});

// ---- shareCase ------------------------------------------------------------------------------------------------------

const SHARE = `mutation($input: ShareCaseInput!) {
  shareCase(input: $input) { participant { name } recipients { email } grantedBy { email } }
}`;

describe('shareCase', () => {
  const variables = { input: { caseId: caseId('FTC-2004-021'), participantId: orgId('ico'), recipientIds: [personId(cast.isla)] } };

  test.each(updateTable)('%s shares FTC-2004-021 (RED, FTC) with Isla of the ICO: %s', async (v, outcome) => {
    if (outcome === 'allowed') {
      const before = await hub.gql('query($id: ID!) { case(id: $id) { reference } }', { as: cast.isla, variables: { id: caseId('FTC-2004-021') } });
      expect(before.body).toEqual({ data: { case: null } });
      const r = await hub.gql(SHARE, { as: emailOf(v), variables });
      expect(r.body).toEqual({
        data: { shareCase: { participant: { name: 'UK Information Commissioner’s Office' }, recipients: [{ email: cast.isla }], grantedBy: { email: emailOf(v) } } },
      });
      expect(await hub.ds.query('SELECT recipient_ids, granted_by_id FROM case_share WHERE case_id = $1 AND participant_id = $2', [caseId('FTC-2004-021'), orgId('ico')])).toEqual([
        { recipient_ids: [personId(cast.isla)], granted_by_id: personId(emailOf(v)!) },
      ]);
      // Isla's very next query reads the case, confidential tier included.
      const after = await hub.gql('query($id: ID!) { case(id: $id) { reference confidential { summary } } }', { as: cast.isla, variables: { id: caseId('FTC-2004-021') } });
      expect(after.body).toEqual({ data: { case: { reference: 'FTC-2004-021', confidential: { summary: 'A phishing kit imitating Meridian Bank; the seller is identified.' } } } });
    } else if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), SHARE, variables, { code: 'FORBIDDEN' });
    } else {
      const hidden = await expectRefused(hub, emailOf(v), SHARE, variables, { code: 'BAD_USER_INPUT', message: 'input.caseId: no case with this id' });
      const unknown = await expectRefused(hub, emailOf(v), SHARE, { input: { ...variables.input, caseId: UNKNOWN } }, { code: 'BAD_USER_INPUT' });
      expect(hidden).toEqual(unknown);
    }
  });

  test('an agency a share reaches may not share further: OFT on FTC-2004-021 and ICO on OFT-2004-003 are FORBIDDEN', async () => {
    await expectRefused(hub, cast.oliver, SHARE, { input: { caseId: caseId('FTC-2004-021'), participantId: orgId('acma'), recipientIds: [personId(cast.liam)] } }, { code: 'FORBIDDEN' });
    await expectRefused(hub, cast.isla, SHARE, { input: { caseId: caseId('OFT-2004-003'), participantId: orgId('acma') } }, { code: 'FORBIDDEN' });
  });

  test('an AMBER_STRICT case shared with a whole private-sector organization reaches its people on their next query', async () => {
    const grace = () => hub.gql('query($id: ID!) { case(id: $id) { reference tlp } }', { as: cast.grace, variables: { id: caseId('ICO-2004-008') } });
    expect((await grace()).body).toEqual({ data: { case: null } });
    const r = await hub.gql(SHARE, { as: cast.isla, variables: { input: { caseId: caseId('ICO-2004-008'), participantId: orgId('northstar') } } });
    expect(r.body).toEqual({ data: { shareCase: { participant: { name: 'NorthStar Broadband' }, recipients: [], grantedBy: { email: cast.isla } } } });
    expect((await grace()).body).toEqual({ data: { case: { reference: 'ICO-2004-008', tlp: 'AMBER_STRICT' } } });
  });

  test('an AMBER_STRICT share may name people of the recipient organization: it reaches them, not the organization as a whole (its key)', async () => {
    const key = await hub.gql(`mutation { createApiKey(name: "NOC") { secret } }`, { as: cast.grace });
    const token = key.body.data.createApiKey.secret as string;
    const read = (who: { as?: string; token?: string }) => hub.gql('query($id: ID!) { case(id: $id) { reference tlp } }', { ...who, variables: { id: caseId('ICO-2004-008') } });
    const r = await hub.gql(SHARE, { as: cast.isla, variables: { input: { caseId: caseId('ICO-2004-008'), participantId: orgId('northstar'), recipientIds: [personId(cast.grace)] } } });
    expect(r.body).toEqual({ data: { shareCase: { participant: { name: 'NorthStar Broadband' }, recipients: [{ email: cast.grace }], grantedBy: { email: cast.isla } } } });
    expect((await read({ as: cast.grace })).body).toEqual({ data: { case: { reference: 'ICO-2004-008', tlp: 'AMBER_STRICT' } } });
    // The key reads as NorthStar as a whole, which a share naming persons does not reach. Meridian's own share (to the
    // whole organization) is unchanged; Sentinel has none.
    expect((await read({ token })).body).toEqual({ data: { case: null } });
    expect((await read({ as: cast.tom })).body).toEqual({ data: { case: { reference: 'ICO-2004-008', tlp: 'AMBER_STRICT' } } });
    expect((await read({ as: cast.eva })).body).toEqual({ data: { case: null } });
  });

  test('re-sharing with other named persons replaces the grant: the person no longer named loses the case on the next query', async () => {
    const read = (as: string) => hub.gql('query($id: ID!) { case(id: $id) { reference } }', { as, variables: { id: caseId('FTC-2004-021') } });
    expect((await read(cast.tom)).body).toEqual({ data: { case: { reference: 'FTC-2004-021' } } });
    expect((await read(cast.priya)).body).toEqual({ data: { case: null } });
    const r = await hub.gql(SHARE, { as: cast.ann, variables: { input: { caseId: caseId('FTC-2004-021'), participantId: orgId('meridian'), recipientIds: [personId(cast.priya)] } } });
    expect(r.body).toEqual({ data: { shareCase: { participant: { name: 'Meridian Bank' }, recipients: [{ email: cast.priya }], grantedBy: { email: cast.ann } } } });
    expect((await read(cast.tom)).body).toEqual({ data: { case: null } });
    expect((await read(cast.priya)).body).toEqual({ data: { case: { reference: 'FTC-2004-021' } } });
    expect(await hub.ds.query('SELECT count(*)::int AS n FROM case_share WHERE case_id = $1', [caseId('FTC-2004-021')])).toEqual([{ n: 2 }]);
  });

  test.each([
    ['a RED share without recipients', { recipientIds: [] }, 'input.recipientIds: a TLP:RED case is shared with named persons only: name at least one'],
    ['a recipient who is not of the participant', { recipientIds: [personId(cast.isla), personId(cast.liam)] },
      `input.recipientIds: not people of UK Information Commissioner’s Office: ${personId(cast.liam)}`],
    ['a recipient id that is no person', { recipientIds: ['nobody'] }, 'input.recipientIds: not people of UK Information Commissioner’s Office: nobody'],
    ['an unknown participant', { participantId: UNKNOWN }, 'input.participantId: no endorsed participant with this id'],
    ['an applicant, not endorsed', { participantId: orgId('cgi'), recipientIds: [personId(cast.paulo)] }, 'input.participantId: no endorsed participant with this id'],
    ['the lead agency itself', { participantId: orgId('ftc'), recipientIds: [personId(cast.ben)] }, 'input.participantId: the lead agency already reads its own case'],
    ['an unknown case', { caseId: UNKNOWN }, 'input.caseId: no case with this id'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, change, message) => {
    await expectRefused(hub, cast.ann, SHARE, { input: { ...variables.input, ...change } }, { code: 'BAD_USER_INPUT', message });
  });
});

// ---- revokeShare ----------------------------------------------------------------------------------------------------

const REVOKE = `mutation($id: ID!) { revokeShare(id: $id) { reference confidential { shares { participant { name } recipients { email } } } } }`;

describe('revokeShare', () => {
  test.each(updateTable)('%s revokes Meridian’s share of FTC-2004-021 (RED, FTC): %s', async (v, outcome) => {
    const variables = { id: shareId('FTC-2004-021', 'meridian') };
    if (outcome === 'allowed') {
      const r = await hub.gql(REVOKE, { as: emailOf(v), variables });
      expect(r.body).toEqual({
        data: {
          revokeShare: {
            reference: 'FTC-2004-021',
            confidential: { shares: [{ participant: { name: 'UK Office of Fair Trading' }, recipients: [{ email: cast.oliver }] }] },
          },
        },
      });
      expect(await hub.ds.query('SELECT participant_id FROM case_share WHERE case_id = $1', [caseId('FTC-2004-021')])).toEqual([{ participant_id: orgId('oft') }]);
    } else if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), REVOKE, variables, { code: 'FORBIDDEN' });
    } else {
      const hidden = await expectRefused(hub, emailOf(v), REVOKE, variables, { code: 'BAD_USER_INPUT', message: 'id: no share with this id' });
      const unknown = await expectRefused(hub, emailOf(v), REVOKE, { id: UNKNOWN }, { code: 'BAD_USER_INPUT' });
      expect(hidden).toEqual(unknown);
    }
  });

  test('a share on a case whose row is visible but whose confidential tier is not does not exist for the viewer', async () => {
    // OFT-2004-003 is GREEN: ACMA sees the row, not the confidential tier its shares belong to.
    await expectRefused(hub, cast.liam, REVOKE, { id: shareId('OFT-2004-003', 'ico') }, { code: 'BAD_USER_INPUT', message: 'id: no share with this id' });
    // ICO, which the share reaches, reads the tier but may not revoke.
    await expectRefused(hub, cast.isla, REVOKE, { id: shareId('OFT-2004-003', 'ico') }, { code: 'FORBIDDEN' });
  });

  test('revoking takes effect on the former recipient’s very next query: a named person (RED)', async () => {
    const tom = () =>
      hub.gql('query($id: ID!) { case(id: $id) { reference } cases { totalCount } }', { as: cast.tom, variables: { id: caseId('FTC-2004-021') } });
    // Tom: FTC-2004-017 (CLEAR), OFT-2004-003 and OPTA-2004-005 (GREEN), ICO-2004-008 (shared with Meridian), FTC-2004-021 (named).
    expect((await tom()).body).toEqual({ data: { case: { reference: 'FTC-2004-021' }, cases: { totalCount: 5 } } });
    const r = await hub.gql(REVOKE, { as: cast.ann, variables: { id: shareId('FTC-2004-021', 'meridian') } });
    expect(r.body.errors).toBeUndefined();
    expect((await tom()).body).toEqual({ data: { case: null, cases: { totalCount: 4 } } });
  });

  test('revoking takes effect on the former recipient’s very next query: a whole private-sector organization (AMBER), on every path', async () => {
    const grace = () =>
      hub.gql(
        `query($id: ID!, $segment: ID!) {
           case(id: $id) { reference }
           cases(filter: { tlp: AMBER }) { totalCount nodes { reference } }
           callSegment(id: $segment) { discussedCases { reference } }
         }`,
        { as: cast.grace, variables: { id: caseId('ACMA-2004-011'), segment: segmentId('past-1/2') } },
      );
    expect((await grace()).body).toEqual({
      data: {
        case: { reference: 'ACMA-2004-011' },
        cases: { totalCount: 1, nodes: [{ reference: 'ACMA-2004-011' }] },
        callSegment: { discussedCases: [{ reference: 'ACMA-2004-011' }, { reference: 'FTC-2004-017' }] },
      },
    });
    const r = await hub.gql(REVOKE, { as: cast.liam, variables: { id: shareId('ACMA-2004-011', 'northstar') } });
    expect(r.body).toEqual({
      data: { revokeShare: { reference: 'ACMA-2004-011', confidential: { shares: [{ participant: { name: 'Korea Information Security Agency' }, recipients: [] }] } } },
    });
    expect((await grace()).body).toEqual({
      data: { case: null, cases: { totalCount: 0, nodes: [] }, callSegment: { discussedCases: [{ reference: 'FTC-2004-017' }] } },
    });
  });

  test('an unknown id is BAD_USER_INPUT naming the argument', async () => {
    await expectRefused(hub, cast.ann, REVOKE, { id: UNKNOWN }, { code: 'BAD_USER_INPUT', message: 'id: no share with this id' });
  });
});
