import { caseId, cast, orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * A share's `recipients` lists the named persons its reader may see (the person policy), so an empty list alone does
 * not say that a share reaches the whole organization: `reachesWholeOrganization` does, from the share row itself.
 * The demo: OFT-2004-003 is shared with the ICO as a whole; FTC-2004-021 (RED) with Meridian naming Tom Baker and with
 * the OFT naming Oliver Hughes. Once the OFT has withdrawn from the network, a private-sector reader no longer sees
 * Oliver (members see the people of endorsed participants), while agencies still do.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
afterEach(() => hub.reset());

const SHARES = `query($id: ID!) { case(id: $id) { confidential { shares { participant { id } reachesWholeOrganization recipients { id } } } } }`;

async function shares(as: string, reference: string, redacted?: unknown) {
  const r = await hub.gql(SHARES, { as, variables: { id: caseId(reference) } });
  expect(r.body.errors).toBeUndefined();
  expect(r.body.extensions?.redacted).toEqual(redacted);
  return r.body.data.case.confidential.shares;
}

test('a share to a whole organization says so; a share naming persons lists them', async () => {
  expect(await shares(cast.isla, 'OFT-2004-003')).toEqual([{ participant: { id: orgId('ico') }, reachesWholeOrganization: true, recipients: [] }]);
  const named = [
    { participant: { id: orgId('meridian') }, reachesWholeOrganization: false, recipients: [{ id: personId(cast.tom) }] },
    { participant: { id: orgId('oft') }, reachesWholeOrganization: false, recipients: [{ id: personId(cast.oliver) }] },
  ];
  const sort = (s: Array<{ participant: { id: string } }>) => [...s].sort((a, b) => a.participant.id.localeCompare(b.participant.id));
  expect(sort(await shares(cast.ann, 'FTC-2004-021'))).toEqual(sort(named));
  expect(sort(await shares(cast.tom, 'FTC-2004-021'))).toEqual(sort(named));
});

test('a named recipient the reader may not see is left out of `recipients`, noted in extensions.redacted, and the share still does not reach the whole organization', async () => {
  await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('oft')]);
  const oftShare = async (as: string, redacted?: unknown) =>
    (await shares(as, 'FTC-2004-021', redacted)).find((s: { participant: { id: string } }) => s.participant.id === orgId('oft'));
  // Withheld, and said so: `recipients: []` alone would read as a share naming nobody.
  expect(await oftShare(cast.tom, [{ path: 'case.confidential.shares.recipients', code: 'FORBIDDEN', count: 1 }])).toEqual({
    participant: { id: orgId('oft') }, reachesWholeOrganization: false, recipients: [],
  });
  expect(await oftShare(cast.ann)).toEqual({ participant: { id: orgId('oft') }, reachesWholeOrganization: false, recipients: [{ id: personId(cast.oliver) }] });
});
