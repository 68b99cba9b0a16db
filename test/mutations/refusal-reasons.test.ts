import { permissions } from '../../src/policy/permissions';
import { cast, exclusionId, orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * A mutation refused says its rule (`Not allowed: <the rule's reason>`), whoever refuses it: the rule tree (a viewer of
 * the wrong kind) or the database (row-level security changing no row, for a viewer of the right kind but not the
 * right one). The words are the mutation's, the same for every row: a refusal tells nothing of the row.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const reason = (mutation: string) => `Not allowed: ${permissions.Mutation?.[mutation]?.reason}`;

test.each([
  ['withdrawExclusion', 'ICO’s exclusion of Registro', `mutation($id: ID!) { withdrawExclusion(id: $id) { id } }`, () => ({ id: exclusionId('registro-past-1') }), `SELECT withdrawn_at FROM call_exclusion ORDER BY id`],
  [
    'withdrawEndorsementObjection',
    'ICO’s objection to QuickSend',
    `mutation($id: ID!) { withdrawEndorsementObjection(id: $id) { id } }`,
    () => ({ id: null as string | null }),
    `SELECT withdrawn_at FROM endorsement_objection ORDER BY id`,
  ],
  [
    'designateCountryPrimaryContact',
    'the United Kingdom’s primary contact',
    `mutation($id: ID!) { designateCountryPrimaryContact(countryCode: "GB", personId: $id) { code } }`,
    () => ({ id: personId(cast.isla) }),
    `SELECT code, primary_contact_id FROM country ORDER BY code`,
  ],
])('%s (%s): an agency the database refuses is told the rule, as a private member the rule tree refuses; nothing written', async (mutation, _what, query, variablesOf, state) => {
  const variables = variablesOf();
  if (mutation === 'withdrawEndorsementObjection') {
    const [objection] = await hub.ds.query(`SELECT id FROM endorsement_objection WHERE participant_id = $1`, [orgId('quicksend')]);
    variables.id = objection.id;
  }
  const before = await hub.ds.query(state);
  for (const as of [cast.liam, cast.grace]) {
    const r = await hub.gql(query, { as, variables });
    expect([as, r.body.data, r.body.errors?.map((e) => [e.extensions?.code, e.message])]).toEqual([
      as,
      null,
      [['FORBIDDEN', reason(mutation)]],
    ]);
  }
  expect(await hub.ds.query(state)).toEqual(before);
});

test('every mutation has a reason to say', () => {
  const missing = Object.entries(permissions.Mutation ?? {}).filter(([, p]) => !p.reason?.trim());
  expect(missing).toEqual([]);
});
