import { cast, orgId, personId, startTestHub, TestHub } from '../support/hub';
import { expectRefused } from '../support/rows';

/**
 * Participant mutations, viewer by viewer (DOMAIN §4 "Participants, people, countries"; §A.1, §A.2, §B.1): a participant
 * designates its own point of contact; the agencies of a country designate its primary contact. Refusals are FORBIDDEN
 * and write nothing; a person the viewer cannot see answers like an unknown id. Expected values come from the seed.
 */

type Viewer = 'anonymous' | keyof typeof cast;
const emailOf = (v: Viewer) => (v === 'anonymous' ? null : cast[v]);
const UNKNOWN = '6b1d2a44-0000-4000-8000-000000000000';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const all = ['anonymous', ...Object.keys(cast)].sort();

// ---- designatePointOfContact ----------------------------------------------------------------------------------------

const POC = `mutation($person: ID!) { designatePointOfContact(personId: $person) { id name pointOfContact { email } } }`;

/** Each viewer designates someone of their own organization (a colleague where there is one). */
const pocTable: Array<[Viewer, Viewer, string, string, 'allowed' | 'FORBIDDEN']> = [
  ['ann', 'ben', 'ftc', 'US Federal Trade Commission', 'allowed'],
  ['ben', 'ben', 'ftc', 'US Federal Trade Commission', 'allowed'],
  ['oliver', 'oliver', 'oft', 'UK Office of Fair Trading', 'allowed'],
  ['isla', 'isla', 'ico', 'UK Information Commissioner’s Office', 'allowed'],
  ['liam', 'liam', 'acma', 'Australian Communications and Media Authority', 'allowed'],
  ['minjun', 'minjun', 'kisa', 'Korea Information Security Agency', 'allowed'],
  ['emeka', 'emeka', 'efcc', 'Economic and Financial Crimes Commission', 'allowed'],
  ['claire', 'claire', 'crtc', 'Canadian Radio-television and Telecommunications Commission', 'allowed'],
  ['grace', 'grace', 'northstar', 'NorthStar Broadband', 'allowed'],
  ['tom', 'priya', 'meridian', 'Meridian Bank', 'allowed'],
  ['priya', 'priya', 'meridian', 'Meridian Bank', 'allowed'],
  ['eva', 'eva', 'sentinel', 'Sentinel Security', 'allowed'],
  ['max', 'max', 'registro', 'Registro Global', 'allowed'],
  // No endorsed organization: no point of contact to designate.
  ['anonymous', 'ann', 'ftc', 'US Federal Trade Commission', 'FORBIDDEN'],
  ['paulo', 'paulo', 'cgi', 'CGI.br Anti-Spam Working Group', 'FORBIDDEN'],
];

describe('designatePointOfContact', () => {
  test('the table covers every demo viewer', () => {
    expect(pocTable.map(([v]) => v).sort()).toEqual(all);
  });

  test.each(pocTable)('%s designates %s for %s: %s', async (v, person, key, name, outcome) => {
    const variables = { person: personId(cast[person as keyof typeof cast]) };
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), POC, variables, { code: 'FORBIDDEN' });
      return;
    }
    const r = await hub.gql(POC, { as: emailOf(v), variables });
    expect(r.body).toEqual({ data: { designatePointOfContact: { id: orgId(key), name, pointOfContact: { email: emailOf(person) } } } });
    expect(await hub.ds.query('SELECT point_of_contact_id FROM participant WHERE id = $1', [orgId(key)])).toEqual([
      { point_of_contact_id: personId(emailOf(person)!) },
    ]);
  });

  test('the new point of contact is what members read next, and still nothing for anonymous callers', async () => {
    await hub.gql(POC, { as: cast.tom, variables: { person: personId(cast.priya) } });
    const q = 'query($id: ID!) { participant(id: $id) { name pointOfContact { email } } }';
    expect((await hub.gql(q, { as: cast.isla, variables: { id: orgId('meridian') } })).body).toEqual({
      data: { participant: { name: 'Meridian Bank', pointOfContact: { email: cast.priya } } },
    });
    expect((await hub.gql(q, { variables: { id: orgId('meridian') } })).body).toEqual({
      data: { participant: { name: 'Meridian Bank', pointOfContact: null } },
      extensions: { redacted: [{ path: 'participant.pointOfContact', code: 'FORBIDDEN', count: 1 }] },
    });
  });

  test.each([
    ['an agency, a person of another agency', 'ann', 'oliver', 'personId: is not a person of your organization'],
    ['an agency, a private-sector person', 'isla', 'tom', 'personId: is not a person of your organization'],
    ['an agency, the applicant’s person (visible to agencies)', 'isla', 'paulo', 'personId: is not a person of your organization'],
    ['a private-sector member, a person of another member', 'grace', 'tom', 'personId: is not a person of your organization'],
    ['a private-sector member, an agency person', 'eva', 'ann', 'personId: is not a person of your organization'],
  ] as Array<[string, Viewer, Viewer, string]>)('someone of another organization (%s) is BAD_USER_INPUT, nothing written', async (_what, v, person, message) => {
    await expectRefused(hub, emailOf(v), POC, { person: personId(emailOf(person)!) }, { code: 'BAD_USER_INPUT', message });
  });

  test('a person the viewer cannot see answers exactly like an unknown id, nothing written', async () => {
    // Private-sector members do not see the applicant's people.
    const hidden = await expectRefused(hub, cast.grace, POC, { person: personId(cast.paulo) }, { code: 'BAD_USER_INPUT', message: 'personId: no person with this id' });
    const unknown = await expectRefused(hub, cast.grace, POC, { person: UNKNOWN }, { code: 'BAD_USER_INPUT' });
    expect(hidden).toEqual(unknown);
  });
});

// ---- designateCountryPrimaryContact ---------------------------------------------------------------------------------

const PRIMARY = `mutation($code: String!, $person: ID!) { designateCountryPrimaryContact(countryCode: $code, personId: $person) { code name primaryContact { email } } }`;

describe('designateCountryPrimaryContact', () => {
  /** Isla (ICO) as the United Kingdom's primary contact: the UK agencies (OFT, ICO) may designate her; nobody else. */
  const gbTable: Array<[Viewer, 'allowed' | 'FORBIDDEN']> = [
    ['oliver', 'allowed'],
    ['isla', 'allowed'],
    ...(['ann', 'ben', 'liam', 'minjun', 'emeka', 'claire'] as Viewer[]).map((v) => [v, 'FORBIDDEN'] as [Viewer, 'FORBIDDEN']),
    // Meridian is British, but not an agency.
    ...(['tom', 'priya', 'grace', 'eva', 'max', 'anonymous', 'paulo'] as Viewer[]).map((v) => [v, 'FORBIDDEN'] as [Viewer, 'FORBIDDEN']),
  ];

  test('the table covers every demo viewer', () => {
    expect(gbTable.map(([v]) => v).sort()).toEqual(all);
  });

  test.each(gbTable)('%s designates Isla for GB: %s', async (v, outcome) => {
    const variables = { code: 'GB', person: personId(cast.isla) };
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), PRIMARY, variables, { code: 'FORBIDDEN' });
      return;
    }
    const r = await hub.gql(PRIMARY, { as: emailOf(v), variables });
    expect(r.body).toEqual({ data: { designateCountryPrimaryContact: { code: 'GB', name: 'United Kingdom', primaryContact: { email: cast.isla } } } });
    expect(await hub.ds.query(`SELECT code, primary_contact_id FROM country WHERE primary_contact_id IS NOT NULL ORDER BY code`)).toEqual([
      { code: 'GB', primary_contact_id: personId(cast.isla) },
      { code: 'US', primary_contact_id: personId(cast.ann) },
    ]);
  });

  test.each([
    ['ann', 'US', 'United States'],
    ['ben', 'US', 'United States'],
    ['oliver', 'GB', 'United Kingdom'],
    ['isla', 'GB', 'United Kingdom'],
    ['liam', 'AU', 'Australia'],
    ['minjun', 'KR', 'Korea, Republic of'],
    ['emeka', 'NG', 'Nigeria'],
    ['claire', 'CA', 'Canada'],
  ] as Array<[Viewer, string, string]>)('%s designates themself for their own country (%s)', async (v, code, name) => {
    const r = await hub.gql(PRIMARY, { as: emailOf(v), variables: { code, person: personId(emailOf(v)!) } });
    expect(r.body).toEqual({ data: { designateCountryPrimaryContact: { code, name, primaryContact: { email: emailOf(v) } } } });
    expect(await hub.ds.query('SELECT primary_contact_id FROM country WHERE code = $1', [code])).toEqual([{ primary_contact_id: personId(emailOf(v)!) }]);
  });

  test.each([
    ['an unknown country', { code: 'ZZ' }, 'countryCode: no country with this code'],
    ['a code in lower case', { code: 'gb' }, 'countryCode: must be an ISO 3166-1 alpha-2 code such as GB'],
    ['not a code at all', { code: 'G' }, 'countryCode: must be an ISO 3166-1 alpha-2 code such as GB'],
    ['a person of another country’s agency', { person: personId(cast.ann) }, 'personId: is not a person of an endorsed agency of GB'],
    ['a private-sector person of the country', { person: personId(cast.tom) }, 'personId: is not a person of an endorsed agency of GB'],
    ['the applicant’s person', { person: personId(cast.paulo) }, 'personId: is not a person of an endorsed agency of GB'],
    ['an unknown person', { person: UNKNOWN }, 'personId: no person with this id'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, change, message) => {
    await expectRefused(hub, cast.oliver, PRIMARY, { code: 'GB', person: personId(cast.isla), ...change }, { code: 'BAD_USER_INPUT', message });
  });

  test('the primary contact is for members: anonymous callers get null, redacted', async () => {
    const q = '{ country(code: "US") { code primaryContact { email } } }';
    expect((await hub.gql(q, { as: cast.grace })).body).toEqual({ data: { country: { code: 'US', primaryContact: { email: cast.ann } } } });
    expect((await hub.gql(q)).body).toEqual({
      data: { country: { code: 'US', primaryContact: null } },
      extensions: { redacted: [{ path: 'country.primaryContact', code: 'FORBIDDEN', count: 1 }] },
    });
  });
});
