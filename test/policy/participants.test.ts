import { emailOf, ViewerName, viewers } from '../support/demo-access';
import { orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * Viewer × field tables for participants, people and countries (DOMAIN §4 "Participants, people, countries"):
 * endorsed participants' listing fields are public; the applicant (CGI.br) is for agencies and for its own person;
 * contact details (points of contact, people, a country's primary contact, a member's request guidance) are for
 * AGENCY and PRIVATE viewers — null and noted in `extensions.redacted` for anyone else, never an error.
 * Expectations are written out from the demo seed by hand. Read-only.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

type Group = 'anonymous' | 'applicant' | 'agency' | 'private';
const groupOf: Record<ViewerName, Group> = {
  anonymous: 'anonymous', paulo: 'applicant',
  ann: 'agency', ben: 'agency', oliver: 'agency', isla: 'agency', liam: 'agency', minjun: 'agency', emeka: 'agency', claire: 'agency',
  grace: 'private', tom: 'private', priya: 'private', eva: 'private', max: 'private',
};

interface Org {
  key: string;
  name: string;
  country: string;
  status: 'ENDORSED' | 'APPLIED';
  /** For applicants: how many days before the seed they applied (endorsed participants applied 800 days before). */
  appliedDaysAgo?: number;
  agency?: { competences: string[]; isCoordinator: boolean };
  sector?: string;
  requestGuidance?: string;
  /** The people, by name; the first is the point of contact. */
  people: Array<{ name: string; email: string }>;
}

const orgs: Org[] = [
  { key: 'ftc', name: 'US Federal Trade Commission', country: 'US', status: 'ENDORSED', agency: { competences: ['CONSUMER_PROTECTION'], isCoordinator: true },
    people: [{ name: 'Ann Carter', email: 'ann.carter@ftc.example' }, { name: 'Ben Ortiz', email: 'ben.ortiz@ftc.example' }] },
  { key: 'oft', name: 'UK Office of Fair Trading', country: 'GB', status: 'ENDORSED', agency: { competences: ['CONSUMER_PROTECTION'], isCoordinator: true },
    people: [{ name: 'Oliver Hughes', email: 'oliver.hughes@oft.example' }] },
  { key: 'ico', name: 'UK Information Commissioner’s Office', country: 'GB', status: 'ENDORSED', agency: { competences: ['DATA_PROTECTION'], isCoordinator: false },
    people: [{ name: 'Isla Morgan', email: 'isla.morgan@ico.example' }] },
  { key: 'acma', name: 'Australian Communications and Media Authority', country: 'AU', status: 'ENDORSED',
    agency: { competences: ['TELECOMMUNICATIONS'], isCoordinator: false }, people: [{ name: 'Liam Walsh', email: 'liam.walsh@acma.example' }] },
  { key: 'opta', name: 'OPTA — Independent Post and Telecommunications Authority', country: 'NL', status: 'ENDORSED',
    agency: { competences: ['TELECOMMUNICATIONS'], isCoordinator: false }, people: [{ name: 'Sanne de Vries', email: 'sanne.devries@opta.example' }] },
  { key: 'kisa', name: 'Korea Information Security Agency', country: 'KR', status: 'ENDORSED',
    agency: { competences: ['TELECOMMUNICATIONS', 'OTHER'], isCoordinator: false }, people: [{ name: 'Min-jun Park', email: 'minjun.park@kisa.example' }] },
  { key: 'crtc', name: 'Canadian Radio-television and Telecommunications Commission', country: 'CA', status: 'ENDORSED',
    agency: { competences: ['TELECOMMUNICATIONS'], isCoordinator: false }, people: [{ name: 'Claire Roy', email: 'claire.roy@crtc.example' }] },
  { key: 'efcc', name: 'Economic and Financial Crimes Commission', country: 'NG', status: 'ENDORSED',
    agency: { competences: ['CRIMINAL_LAW'], isCoordinator: false }, people: [{ name: 'Emeka Obi', email: 'emeka.obi@efcc.example' }] },
  { key: 'cnil', name: 'Commission nationale de l’informatique et des libertés', country: 'FR', status: 'ENDORSED',
    agency: { competences: ['DATA_PROTECTION'], isCoordinator: false }, people: [{ name: 'Julien Moreau', email: 'julien.moreau@cnil.example' }] },
  { key: 'bnetza', name: 'Bundesnetzagentur', country: 'DE', status: 'ENDORSED', agency: { competences: ['TELECOMMUNICATIONS'], isCoordinator: false },
    people: [{ name: 'Jonas Weber', email: 'jonas.weber@bnetza.example' }] },
  { key: 'cgi', name: 'CGI.br Anti-Spam Working Group', country: 'BR', status: 'APPLIED', appliedDaysAgo: 4, agency: { competences: ['TELECOMMUNICATIONS'], isCoordinator: false },
    people: [{ name: 'Paulo Souza', email: 'paulo.souza@cgi.example' }] },
  { key: 'northstar', name: 'NorthStar Broadband', country: 'US', status: 'ENDORSED', sector: 'INTERNET_SERVICE_PROVIDER',
    requestGuidance: 'Send requests to the abuse desk contact with the IP addresses, UTC timestamps and the legal basis; subscriber data needs a court order.',
    people: [{ name: 'Grace Lin', email: 'grace.lin@northstar.example' }] },
  { key: 'meridian', name: 'Meridian Bank', country: 'GB', status: 'ENDORSED', sector: 'FINANCIAL_INSTITUTION',
    requestGuidance: 'Requests about accounts go through the fraud liaison office; please reference the case and the transactions concerned.',
    people: [{ name: 'Tom Baker', email: 'tom.baker@meridianbank.example' }, { name: 'Priya Shah', email: 'priya.shah@meridianbank.example' }] },
  { key: 'sentinel', name: 'Sentinel Security', country: 'NL', status: 'ENDORSED', sector: 'SECURITY_SOFTWARE_PROVIDER',
    requestGuidance: 'Malware samples and botnet telemetry on request by e-mail; we answer within two working days.',
    people: [{ name: 'Eva Jansen', email: 'eva.jansen@sentinel.example' }] },
  { key: 'registro', name: 'Registro Global', country: 'DE', status: 'ENDORSED', sector: 'DOMAIN_REGISTRAR_OR_REGISTRY',
    requestGuidance: 'Registrant data requests via the law-enforcement portal, one domain per request.',
    people: [{ name: 'Max Müller', email: 'max.mueller@registro.example' }] },
  // A second applicant, with a standing objection: agencies only (its person is no demo viewer).
  { key: 'quicksend', name: 'QuickSend Marketing Association', country: 'US', status: 'APPLIED', appliedDaysAgo: 9, sector: 'INDUSTRY_MEMBERSHIP_ORGANIZATION',
    requestGuidance: undefined, people: [{ name: 'Rick Vance', email: 'rick.vance@quicksend.example' }] },
];

const byName = <T extends { name: string }>(a: T, b: T) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
/** The participants a viewer sees: endorsed ones for everyone; applicants for agencies; CGI.br also for Paulo, its own person. */
const listedFor = (viewer: ViewerName) =>
  orgs.filter((o) => o.status === 'ENDORSED' || groupOf[viewer] === 'agency' || (groupOf[viewer] === 'applicant' && o.key === 'cgi'));
const daysBefore = (n: number) => new Date(hub.now.getTime() - n * 86_400_000).toISOString();

/** Runs a query as the viewer; `extensions.redacted` comes back sorted by path (the hub lists entries as it meets them). */
async function ask(viewer: ViewerName, query: string, variables?: Record<string, unknown>) {
  const r = await hub.gql(query, { as: emailOf(viewer), variables });
  const redacted = r.body.extensions?.redacted as Array<{ path: string }> | undefined;
  if (redacted) redacted.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return r;
}

/** Participant nodes sorted by name in code-unit order (the hub orders by the database's collation). */
function sortedNodes<T extends { name: string }>(nodes: T[]): T[] {
  return [...nodes].sort(byName);
}

describe('public listing fields', () => {
  test.each(viewers)('%s: the listing fields of every participant they see', async (viewer) => {
    const r = await ask(
      viewer,
      `{ participants { totalCount nodes { id name kind status endorsedAt appliedAt country { code }
          ... on Agency { competences isCoordinator } ... on PrivateSectorMember { sector } } } }`,
    );
    expect(r.body.errors).toBeUndefined();
    // When a participant applied is not in the public listing (DOMAIN §4: name, country, kind, sector or competences,
    // endorsement): members of the network read it, and an applicant's person its own (its endorsement tells it); anyone
    // else gets null, noted once per participant.
    const member = ['agency', 'private'].includes(groupOf[viewer]);
    const own = (o: Org) => groupOf[viewer] === 'applicant' && o.key === 'cgi';
    const hidden = listedFor(viewer).filter((o) => !member && !own(o)).length;
    expect(r.body.extensions).toEqual(member ? undefined : { redacted: [{ path: 'participants.nodes.appliedAt', code: 'FORBIDDEN', count: hidden }] });
    const expected = listedFor(viewer).map((o) => ({
      id: orgId(o.key),
      name: o.name,
      kind: o.agency ? 'AGENCY' : 'PRIVATE_SECTOR',
      status: o.status,
      endorsedAt: o.status === 'ENDORSED' ? daysBefore(780) : null,
      appliedAt: member || own(o) ? daysBefore(o.appliedDaysAgo ?? 800) : null,
      country: { code: o.country },
      ...(o.agency ? o.agency : { sector: o.sector }),
    }));
    expect(r.body.data.participants.totalCount).toBe(expected.length);
    expect(sortedNodes(r.body.data.participants.nodes)).toEqual(sortedNodes(expected));
  });

  test('the listing is ordered by name, pages included', async () => {
    const names: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const r: Awaited<ReturnType<typeof ask>> = await ask('anonymous', 'query ($after: String) { participants(first: 4, after: $after) { nodes { name } pageInfo { hasNextPage endCursor } } }', { after });
      names.push(...r.body.data.participants.nodes.map((n: { name: string }) => n.name));
      if (!r.body.data.participants.pageInfo.hasNextPage) break;
      after = r.body.data.participants.pageInfo.endCursor;
    }
    expect([...names].sort()).toEqual(orgs.filter((o) => o.status === 'ENDORSED').map((o) => o.name).sort());
    expect(new Set(names).size).toBe(14);
    // Page by page gives the same order as one page (the database's collation decides where CGI.br and Canadian go).
    const r = await ask('anonymous', '{ participants(first: 100) { nodes { name } } }');
    expect(r.body.data.participants.nodes.map((n: { name: string }) => n.name)).toEqual(names);
  });

  test.each(viewers)('%s: countries are public', async (viewer) => {
    const r = await ask(viewer, '{ countries { totalCount nodes { code name developing } } country(code: "ng") { code developing } }');
    expect(r.body).toEqual({
      data: {
        countries: {
          totalCount: 10,
          nodes: [
            { code: 'AU', name: 'Australia', developing: false },
            { code: 'BR', name: 'Brazil', developing: true },
            { code: 'CA', name: 'Canada', developing: false },
            { code: 'DE', name: 'Germany', developing: false },
            { code: 'FR', name: 'France', developing: false },
            { code: 'GB', name: 'United Kingdom', developing: false },
            { code: 'KR', name: 'Korea, Republic of', developing: false },
            { code: 'NG', name: 'Nigeria', developing: true },
            { code: 'NL', name: 'Netherlands', developing: false },
            { code: 'US', name: 'United States', developing: false },
          ],
        },
        country: { code: 'NG', developing: true },
      },
    });
  });
});

describe('applicants (CGI.br and QuickSend, APPLIED): agencies and their own people only', () => {
  // Which applicants each viewer sees: agencies both; Paulo his own CGI.br; nobody else either.
  const seesApplicants: Record<ViewerName, string[]> = {
    anonymous: [], paulo: ['cgi'],
    ann: ['cgi', 'quicksend'], ben: ['cgi', 'quicksend'], oliver: ['cgi', 'quicksend'], isla: ['cgi', 'quicksend'], liam: ['cgi', 'quicksend'],
    minjun: ['cgi', 'quicksend'], emeka: ['cgi', 'quicksend'], claire: ['cgi', 'quicksend'],
    grace: [], tom: [], priya: [], eva: [], max: [],
  };
  const applicant = {
    cgi: { id: orgId('cgi'), name: 'CGI.br Anti-Spam Working Group', status: 'APPLIED', endorsedAt: null },
    quicksend: { id: orgId('quicksend'), name: 'QuickSend Marketing Association', status: 'APPLIED', endorsedAt: null },
  };

  test.each(viewers)('%s: participant(id), the list, its count, the status filter and the country’s participants', async (viewer) => {
    const sees = seesApplicants[viewer] as Array<keyof typeof applicant>;
    const query = `query ($cgi: ID!, $quicksend: ID!) {
      cgi: participant(id: $cgi) { id name status endorsedAt }
      quicksend: participant(id: $quicksend) { id name status endorsedAt }
      all: participants { totalCount nodes { id } }
      applied: participants(filter: { status: APPLIED }) { totalCount nodes { id name status endorsedAt } }
      brazil: participants(filter: { countryCode: "BR" }) { totalCount nodes { id } }
      country(code: "BR") { participants { totalCount nodes { id name } } }
      us: country(code: "US") { participants { totalCount nodes { name } } }
    }`;
    const r = await ask(viewer, query, { cgi: orgId('cgi'), quicksend: orgId('quicksend') });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.cgi).toEqual(sees.includes('cgi') ? applicant.cgi : null);
    expect(r.body.data.quicksend).toEqual(sees.includes('quicksend') ? applicant.quicksend : null);
    expect(r.body.data.all.totalCount).toBe(14 + sees.length);
    const ids = new Set(r.body.data.all.nodes.map((n: { id: string }) => n.id));
    expect(ids.size).toBe(14 + sees.length);
    expect([orgId('cgi'), orgId('quicksend')].filter((id) => ids.has(id))).toEqual(sees.map((k) => orgId(k)));
    expect(r.body.data.applied).toEqual({ totalCount: sees.length, nodes: sees.map((k) => applicant[k]) });
    const brazil = sees.includes('cgi') ? [applicant.cgi] : [];
    expect(r.body.data.brazil).toEqual({ totalCount: brazil.length, nodes: brazil.map((a) => ({ id: a.id })) });
    expect(r.body.data.country).toEqual({ participants: { totalCount: brazil.length, nodes: brazil.map((a) => ({ id: a.id, name: a.name })) } });
    const us = ['NorthStar Broadband', ...(sees.includes('quicksend') ? ['QuickSend Marketing Association'] : []), 'US Federal Trade Commission'];
    expect(r.body.data.us).toEqual({ participants: { totalCount: us.length, nodes: us.map((name) => ({ name })) } });
  });

  test.each(viewers.flatMap((v) => (['cgi', 'quicksend'] as const).map((k) => [v, k] as [ViewerName, 'cgi' | 'quicksend'])))(
    '%s: participant(id) of %s, when hidden, answers exactly like an id that never existed',
    async (viewer, key) => {
      const query = 'query ($id: ID!) { participant(id: $id) { id name status endorsedAt ... on Agency { cases { totalCount } } } }';
      const r = await ask(viewer, query, { id: orgId(key) });
      if (seesApplicants[viewer].includes(key)) {
        expect(r.body).toEqual({ data: { participant: { ...applicant[key], ...(key === 'cgi' ? { cases: { totalCount: 0 } } : {}) } } });
      } else {
        const unknown = await ask(viewer, query, { id: '5e0c9a57-1b2d-4c3e-8f40-6a7b8c9d0e1f' });
        expect(unknown.body).toEqual({ data: { participant: null } });
        expect(r.body).toEqual(unknown.body);
      }
    },
  );

  test.each(viewers)('%s: me', async (viewer) => {
    const r = await ask(viewer, '{ me { kind person { name } organization { id status } } }');
    const own = orgs.find((o) => o.people.some((p) => p.email === emailOf(viewer)));
    expect(r.body).toEqual({
      data: {
        me: {
          kind: { anonymous: 'ANONYMOUS', applicant: 'ANONYMOUS', agency: expect.stringMatching(/^(AGENCY|COORDINATOR)$/), private: 'PRIVATE' }[groupOf[viewer]],
          person: own ? { name: own.people.find((p) => p.email === emailOf(viewer))!.name } : null,
          organization: own ? { id: orgId(own.key), status: own.status } : null,
        },
      },
    });
  });
});

describe('contact details: AGENCY and PRIVATE viewers only', () => {
  test.each(viewers)('%s: pointOfContact, people and requestGuidance of every participant', async (viewer) => {
    const r = await ask(
      viewer,
      `{ participants { nodes { name pointOfContact { name email } people { totalCount nodes { name email } }
          ... on PrivateSectorMember { requestGuidance } } } }`,
    );
    const group = groupOf[viewer];
    const member = group === 'agency' || group === 'private';
    const listed = listedFor(viewer);
    const expected = listed.map((o) => {
      // A member reads everyone's contacts; Paulo reads his own organization's (his own application).
      const reads = member || (group === 'applicant' && o.key === 'cgi');
      return {
        name: o.name,
        pointOfContact: reads ? o.people[0] : null,
        people: reads ? { totalCount: o.people.length, nodes: [...o.people].sort(byName) } : null,
        ...(o.sector ? { requestGuidance: member ? o.requestGuidance ?? null : null } : {}),
      };
    });
    expect(r.body.errors).toBeUndefined();
    expect(sortedNodes(r.body.data.participants.nodes)).toEqual(sortedNodes(expected));
    const redacted = member
      ? undefined
      : {
          redacted: [
            { path: 'participants.nodes.people', code: 'FORBIDDEN', count: 14 },
            { path: 'participants.nodes.pointOfContact', code: 'FORBIDDEN', count: 14 },
            { path: 'participants.nodes.requestGuidance', code: 'FORBIDDEN', count: 4 },
          ],
        };
    expect(r.body.extensions).toEqual(redacted);
  });

  test.each(viewers)('%s: a country’s primaryContact', async (viewer) => {
    const r = await ask(viewer, '{ countries { nodes { code primaryContact { name email } } } us: country(code: "US") { primaryContact { name } } }');
    const member = ['agency', 'private'].includes(groupOf[viewer]);
    const contact: Record<string, { name: string; email: string }> = {
      US: { name: 'Ann Carter', email: 'ann.carter@ftc.example' },
      GB: { name: 'Oliver Hughes', email: 'oliver.hughes@oft.example' },
    };
    const codes = ['AU', 'BR', 'CA', 'DE', 'FR', 'GB', 'KR', 'NG', 'NL', 'US'];
    expect(r.body).toEqual({
      data: {
        countries: { nodes: codes.map((code) => ({ code, primaryContact: member ? contact[code] ?? null : null })) },
        us: { primaryContact: member ? { name: 'Ann Carter' } : null },
      },
      ...(member
        ? {}
        : {
            extensions: {
              redacted: [
                { path: 'countries.nodes.primaryContact', code: 'FORBIDDEN', count: 10 },
                { path: 'us.primaryContact', code: 'FORBIDDEN', count: 1 },
              ],
            },
          }),
    });
  });

  test.each(viewers)('%s: requestGuidance through participant(id) and an inline fragment', async (viewer) => {
    const r = await ask(viewer, `{ participant(id: "${orgId('meridian')}") { name ... on PrivateSectorMember { sector requestGuidance } } }`);
    const member = ['agency', 'private'].includes(groupOf[viewer]);
    expect(r.body).toEqual({
      data: {
        participant: {
          name: 'Meridian Bank',
          sector: 'FINANCIAL_INSTITUTION',
          requestGuidance: member ? orgs.find((o) => o.key === 'meridian')!.requestGuidance : null,
        },
      },
      ...(member ? {} : { extensions: { redacted: [{ path: 'participant.requestGuidance', code: 'FORBIDDEN', count: 1 }] } }),
    });
  });

  // person(id): members see the people of endorsed participants; agencies also the applicants'; everyone sees themself.
  const people: Array<[string, string, string]> = [
    ['Ann Carter', 'ann.carter@ftc.example', 'ftc'],
    ['Grace Lin', 'grace.lin@northstar.example', 'northstar'],
    ['Paulo Souza', 'paulo.souza@cgi.example', 'cgi'],
    ['Rick Vance', 'rick.vance@quicksend.example', 'quicksend'],
  ];
  const seesPerson = (viewer: ViewerName, email: string): boolean => {
    const group = groupOf[viewer];
    if (group === 'agency') return true;
    if (group === 'private') return !['paulo.souza@cgi.example', 'rick.vance@quicksend.example'].includes(email);
    return emailOf(viewer) === email;
  };
  const pairs = viewers.flatMap((viewer) => people.map((p) => [viewer, ...p] as [ViewerName, string, string, string]));
  test.each(pairs)('%s: person(id) of %s', async (viewer, name, email, org) => {
    const query = 'query ($id: ID!) { person(id: $id) { name email phone title organization { id } } }';
    const r = await ask(viewer, query, { id: personId(email) });
    if (seesPerson(viewer, email)) {
      expect(r.body).toEqual({ data: { person: { name, email, phone: expect.any(String), title: expect.any(String), organization: { id: orgId(org) } } } });
    } else {
      const unknown = await ask(viewer, query, { id: 'c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f' });
      expect(unknown.body).toEqual({ data: { person: null } });
      expect(r.body).toEqual(unknown.body);
    }
  });
});
