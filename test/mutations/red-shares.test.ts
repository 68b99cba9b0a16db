import { cast, orgId, personId, startTestHub, TestHub } from '../support/hub';
import { withLocker } from '../support/locker';

/**
 * TLP:RED names individuals (DOMAIN §4; FIRST TLP 2.0): a RED case has no share to a whole organization. Each write
 * that could break it is refused on its own (the data layer's checks, the policies' WITH CHECK); these tests are about
 * two such writes at once — the lead agency making a case RED while a share naming nobody is granted (`shareCase`,
 * `grantCaseAccess`) — where each would pass a check of what is committed when it runs. The database decides both under
 * the case row's lock (lap.case_red_named, lap.case_share_red_named): whichever comes second is refused, as bad input,
 * and writes nothing. The interleavings are forced with a second session holding the first write's transaction open
 * (PostgreSQL only: on the embedded database every connection shares one session); the rule itself is checked on both.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const embedded = process.env.LAPHUB_TEST_DB_KIND === 'pglite';
const onPostgres = embedded ? test.skip : test;

const OPEN = `mutation($input: OpenCaseInput!) { openCase(input: $input) { id } }`;
const SHARE = `mutation($input: ShareCaseInput!) { shareCase(input: $input) { id } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { tlp } }`;
const REQUEST = `mutation($c: ID!, $j: String!) { requestCaseAccess(caseId: $c, justification: $j) { id } }`;
const GRANT = `mutation($id: ID!, $scope: CaseAccessScope) { grantCaseAccess(id: $id, scope: $scope) { status } }`;
const REVOKE = `mutation($id: ID!) { revokeShare(id: $id) { id } }`;

/** A GREEN case of the ICO's, shared with nobody yet. */
async function greenCase(reference: string): Promise<string> {
  const r = await hub.gql(OPEN, {
    as: cast.isla,
    variables: { input: { reference, title: 'Spam from a rented range', categories: ['SPAM'], countryCodes: ['GB'], tlp: 'GREEN' } },
  });
  expect(r.body.errors).toBeUndefined();
  return r.body.data.openCase.id;
}

/** The case's TLP, its shares and whom they reach, as the owner reads them. */
async function stateOf(id: string) {
  const [c] = await hub.ds.query(`SELECT tlp FROM enforcement_case WHERE id = $1`, [id]);
  return {
    tlp: c.tlp,
    shares: await hub.ds.query(`SELECT participant_id, recipient_ids FROM case_share WHERE case_id = $1 ORDER BY participant_id`, [id]),
    reach: await hub.ds.query(`SELECT participant_id, person_id FROM case_reach WHERE case_id = $1 ORDER BY participant_id, person_id`, [id]),
  };
}

const refusal = (r: { body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } }) => ({
  data: r.body.data,
  errors: r.body.errors?.map((e) => [e.extensions?.code, e.message]),
});

describe('the rule, in the database (for any writer, the owner included)', () => {
  test('a share naming nobody is not inserted on a RED case, nor a share changed to name nobody', async () => {
    const id = await greenCase('ICO-2031-101');
    await hub.ds.query(`UPDATE enforcement_case SET tlp = 'RED' WHERE id = $1`, [id]);
    const insert = hub.ds.query(`INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, '{}', $3)`, [
      id, orgId('northstar'), personId(cast.isla),
    ]);
    await expect(insert).rejects.toMatchObject({ code: '23514', constraint: 'case_share_red_named' });
    await hub.ds.query(`INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, $3, $4)`, [
      id, orgId('northstar'), [personId(cast.grace)], personId(cast.isla),
    ]);
    const widen = hub.ds.query(`UPDATE case_share SET recipient_ids = '{}' WHERE case_id = $1`, [id]);
    await expect(widen).rejects.toMatchObject({ code: '23514', constraint: 'case_share_red_named' });
    expect(await stateOf(id)).toEqual({
      tlp: 'RED',
      shares: [{ participant_id: orgId('northstar'), recipient_ids: [personId(cast.grace)] }],
      reach: [{ participant_id: orgId('northstar'), person_id: personId(cast.grace) }],
    });
  });

  test('a case shared with a whole organization is not made RED', async () => {
    const id = await greenCase('ICO-2031-102');
    await hub.ds.query(`INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, '{}', $3)`, [
      id, orgId('northstar'), personId(cast.isla),
    ]);
    await expect(hub.ds.query(`UPDATE enforcement_case SET tlp = 'RED' WHERE id = $1`, [id])).rejects.toMatchObject({
      code: '23514', constraint: 'case_red_named',
    });
    // Any other change of the case, and a case that is RED already, are not its business.
    await hub.ds.query(`UPDATE enforcement_case SET tlp = 'AMBER', title = 'Renamed' WHERE id = $1`, [id]);
    expect((await stateOf(id)).tlp).toBe('AMBER');
  });
});

describe('two writes at once: the second is refused, as bad input, and writes nothing', () => {
  onPostgres('the case made RED first: a share to the whole organization, waiting for it, is refused', async () => {
    const id = await greenCase('ICO-2031-103');
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(`UPDATE enforcement_case SET tlp = 'RED' WHERE id = $1`, [id]);
      const shared = hub.gql(SHARE, { as: cast.isla, variables: { input: { caseId: id, participantId: orgId('northstar'), recipientIds: [] } } });
      await waiting();
      await locker.query('COMMIT');
      expect(refusal(await shared)).toEqual({
        data: null,
        errors: [['BAD_USER_INPUT', 'input.recipientIds: a TLP:RED case is shared with named persons only: name at least one']],
      });
    });
    expect(await stateOf(id)).toEqual({ tlp: 'RED', shares: [], reach: [] });
  });

  onPostgres('a share to the whole organization first: making the case RED, waiting for it, is refused', async () => {
    const id = await greenCase('ICO-2031-104');
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(`INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, '{}', $3)`, [
        id, orgId('northstar'), personId(cast.isla),
      ]);
      const updated = hub.gql(UPDATE, { as: cast.isla, variables: { id, input: { tlp: 'RED' } } });
      await waiting();
      await locker.query('COMMIT');
      expect(refusal(await updated)).toEqual({
        data: null,
        errors: [['BAD_USER_INPUT', 'input.tlp: TLP:RED is for named persons: narrow or revoke the shares to whole organizations first']],
      });
    });
    expect(await stateOf(id)).toEqual({
      tlp: 'GREEN',
      shares: [{ participant_id: orgId('northstar'), recipient_ids: [] }],
      reach: [{ participant_id: orgId('northstar'), person_id: null }],
    });
  });

  onPostgres('the case made RED first: granting a request for access to the whole organization, waiting for it, is refused and the request stays pending', async () => {
    const id = await greenCase('ICO-2031-105');
    const asked = await hub.gql(REQUEST, { as: cast.claire, variables: { c: id, j: 'Canadian victims reported it.' } });
    expect(asked.body.errors).toBeUndefined();
    const request = asked.body.data.requestCaseAccess.id;
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(`UPDATE enforcement_case SET tlp = 'RED' WHERE id = $1`, [id]);
      const granted = hub.gql(GRANT, { as: cast.isla, variables: { id: request, scope: 'ORGANIZATION' } });
      await waiting();
      await locker.query('COMMIT');
      expect(refusal(await granted)).toEqual({
        data: null,
        errors: [['BAD_USER_INPUT', 'scope: a TLP:RED case is shared with named persons only: grant with scope PERSON']],
      });
    });
    expect(await stateOf(id)).toEqual({ tlp: 'RED', shares: [], reach: [] });
    expect(await hub.ds.query(`SELECT status FROM case_access_request WHERE id = $1`, [request])).toEqual([{ status: 'PENDING' }]);
  });

  onPostgres('both sent at once, ten times over: exactly one stands, never a RED case shared with a whole organization', async () => {
    for (let round = 0; round < 10; round++) {
      const id = await greenCase(`ICO-2031-2${String(round).padStart(2, '0')}`);
      const [updated, shared] = await Promise.all([
        hub.gql(UPDATE, { as: cast.isla, variables: { id, input: { tlp: 'RED' } } }),
        hub.gql(SHARE, { as: cast.isla, variables: { input: { caseId: id, participantId: orgId('northstar'), recipientIds: [] } } }),
      ]);
      const state = await stateOf(id);
      if (state.tlp === 'RED') {
        expect([updated.body.errors, refusal(shared).errors?.[0]?.[0]]).toEqual([undefined, 'BAD_USER_INPUT']);
        expect(state).toEqual({ tlp: 'RED', shares: [], reach: [] });
      } else {
        expect([refusal(updated).errors?.[0]?.[0], shared.body.errors]).toEqual(['BAD_USER_INPUT', undefined]);
        expect(state).toEqual({
          tlp: 'GREEN',
          shares: [{ participant_id: orgId('northstar'), recipient_ids: [] }],
          reach: [{ participant_id: orgId('northstar'), person_id: null }],
        });
      }
    }
  });
});

describe('a share revoked twice at once', () => {
  onPostgres('the revoke that finds it gone is told it does not exist (bad input), not that it is not allowed', async () => {
    const id = await greenCase('ICO-2031-106');
    const shared = await hub.gql(SHARE, { as: cast.isla, variables: { input: { caseId: id, participantId: orgId('northstar'), recipientIds: [] } } });
    expect(shared.body.errors).toBeUndefined();
    const share = shared.body.data.shareCase.id;
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(`DELETE FROM case_share WHERE id = $1`, [share]);
      const revoked = hub.gql(REVOKE, { as: cast.isla, variables: { id: share } });
      await waiting();
      await locker.query('COMMIT');
      expect(refusal(await revoked)).toEqual({ data: null, errors: [['BAD_USER_INPUT', 'id: no share with this id']] });
    });
    expect(await stateOf(id)).toEqual({ tlp: 'GREEN', shares: [], reach: [] });
  });
});
