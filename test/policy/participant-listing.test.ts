import { PARTICIPANT_LISTING_FIELDS, participantListingOnly } from '../../src/data/participants';
import { caseAccess, emailOf, harmOrder, leadOf, ViewerName, viewers, visibleInOrder } from '../support/demo-access';
import { caseId, orgId, startTestHub, TestHub } from '../support/hub';

/**
 * A case's lead agency is read with its listing columns only when its selection asks for nothing but
 * PARTICIPANT_LISTING_FIELDS (a board's `leadAgency { name country { code } }`), and whole otherwise. Whatever a
 * request mixes — listing and whole selections of the same agencies under aliases, fragments, root lookups of the same
 * participants, in either order — every field answers exactly what a request asking for that participant alone
 * answers. Read-only: the demo data stays as loaded.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const WHOLE = '__typename id name kind isCoordinator status appliedAt endorsedAt competences country { code name }';
const LISTING = '__typename id name kind isCoordinator country { code }';

async function ask(viewer: ViewerName, query: string) {
  const r = await hub.gql(query, { as: emailOf(viewer) });
  expect(r.status).toBe(200);
  expect(r.body.errors).toBeUndefined();
  return r.body.data;
}

/** Viewers outside the network (anonymous; Paulo, whose organization has only applied): `appliedAt` is members' only. */
const outsiders: ViewerName[] = ['anonymous', 'paulo'];

/** Each lead agency as `participant(id:)` alone answers it, asked in a request of its own per agency. */
async function truth(viewer: ViewerName): Promise<Record<string, Record<string, unknown>>> {
  const leads = [...new Set(caseAccess[viewer].sees.map((ref) => leadOf[ref]))];
  const out: Record<string, Record<string, unknown>> = {};
  for (const org of leads) {
    const data = await ask(viewer, `{ participant(id: "${orgId(org)}") { ... on Agency { ${WHOLE} } } }`);
    expect(data.participant).not.toBeNull();
    out[org] = data.participant;
  }
  return out;
}

const pick = (row: Record<string, unknown>, fields: string[]) => Object.fromEntries(fields.map((f) => [f, row[f]]));
const listingOf = (row: Record<string, any>) => ({ ...pick(row, ['__typename', 'id', 'name', 'kind', 'isCoordinator']), country: { code: row.country.code } });

test.each(viewers)('%s: listing and whole selections of the same lead agencies in one request, in both orders', async (viewer) => {
  const known = await truth(viewer);
  const refs = visibleInOrder(viewer, harmOrder);
  const leads = [...new Set(refs.map((ref) => leadOf[ref]))];
  const lookups = refs.map((ref, i) => `l${i}: case(id: "${caseId(ref)}") { leadAgency { ${LISTING} } } w${i}: case(id: "${caseId(ref)}") { leadAgency { ...Whole } }`);
  const participants = leads.map((org, i) => `p${i}: participant(id: "${orgId(org)}") { ...Whole }`);
  const lists = {
    listing: `listing: cases(first: 20) { nodes { reference leadAgency { ${LISTING} } } }`,
    whole: `whole: cases(first: 20) { nodes { reference leadAgency { ...Whole } } }`,
    both: `both: cases(first: 20) { edges { node { reference a: leadAgency { name } b: leadAgency { ... on Participant { status appliedAt } ... on Agency { competences } } } } }`,
  };
  const fragment = `fragment Whole on Agency { ${WHOLE} }`;
  const expected: Record<string, unknown> = {
    listing: { nodes: refs.map((ref) => ({ reference: ref, leadAgency: listingOf(known[leadOf[ref]]) })) },
    whole: { nodes: refs.map((ref) => ({ reference: ref, leadAgency: known[leadOf[ref]] })) },
    both: {
      edges: refs.map((ref) => {
        const lead = known[leadOf[ref]];
        return { node: { reference: ref, a: { name: lead.name }, b: pick(lead, ['status', 'appliedAt', 'competences']) } };
      }),
    },
  };
  refs.forEach((ref, i) => {
    expected[`l${i}`] = { leadAgency: listingOf(known[leadOf[ref]]) };
    expected[`w${i}`] = { leadAgency: known[leadOf[ref]] };
  });
  leads.forEach((org, i) => (expected[`p${i}`] = known[org]));

  const listingFirst = await ask(viewer, `{ ${lists.listing} ${lookups.join(' ')} ${lists.both} ${lists.whole} ${participants.join(' ')} } ${fragment}`);
  const wholeFirst = await ask(viewer, `{ ${participants.join(' ')} ${lists.whole} ${lists.both} ${lookups.join(' ')} ${lists.listing} } ${fragment}`);
  expect(listingFirst).toEqual(expected);
  expect(wholeFirst).toEqual(expected);
  // The comparison is of real values: every lead agency the viewer sees has its whole row here.
  for (const org of leads) {
    expect(known[org]).toMatchObject({ __typename: 'Agency', kind: 'AGENCY', status: 'ENDORSED', country: { code: expect.any(String) } });
    if (outsiders.includes(viewer)) expect(known[org].appliedAt).toBeNull();
    else expect(typeof known[org].appliedAt).toBe('string');
    expect((known[org].competences as string[]).length).toBeGreaterThan(0);
  }
});

// A participant read with listing columns first, and asked for whole later in the same request (a share's grantor's
// organization, three round trips down, after the board's lead agencies are in): the later field reads whole rows.
test.each(viewers)('%s: a whole participant asked after its listing was read, in one request', async (viewer) => {
  const late = `late: cases(first: 20) { nodes { reference confidential { shares { grantedBy { organization { ... on Agency { ${WHOLE} } } } } } } }`;
  const alone = await ask(viewer, `{ ${late} }`);
  const both = await ask(viewer, `{ board: cases(first: 20) { nodes { reference leadAgency { name } } } ${late} }`);
  const known = await truth(viewer);
  const refs = visibleInOrder(viewer, harmOrder);
  expect(both).toEqual({ board: { nodes: refs.map((ref) => ({ reference: ref, leadAgency: { name: known[leadOf[ref]].name } })) }, late: alone.late });
  // Not vacuous: the viewers who read a tier with shares get the grantors' organizations, whole.
  const organizations = JSON.stringify(alone).match(/"competences":\[/g) ?? [];
  expect(organizations.length > 0).toBe(READ_SHARES.includes(viewer));
});

/** The demo viewers who read the confidential tier of a case with shares (DOMAIN's table of the demo people). */
const READ_SHARES: ViewerName[] = ['ann', 'ben', 'oliver', 'isla', 'liam', 'minjun', 'grace', 'tom', 'priya', 'eva'];

test('only the listing fields make a listing selection', () => {
  expect([...PARTICIPANT_LISTING_FIELDS].sort()).toEqual(['__typename', 'country', 'id', 'isCoordinator', 'kind', 'name', 'sector']);
  expect(participantListingOnly(new Set(['name', 'country']))).toBe(true);
  expect(participantListingOnly(new Set())).toBe(true);
  for (const field of ['status', 'appliedAt', 'endorsedAt', 'competences', 'pointOfContact', 'people', 'cases', 'requestGuidance', 'somethingNew']) {
    expect(participantListingOnly(new Set(['name', field]))).toBe(false);
  }
});
