import { demoId } from '../../src/db/seed/demo';
import { withViewer } from '../../src/db/viewer-db';
import { ViewerKind } from '../../entities/enums';
import type { Viewer } from '../../src/policy/viewer';
import { DemoNames, openPolicyDb, PolicyDb, viewerOf } from '../support/as-viewer';
import { emailOf, ViewerName } from '../support/demo-access';
import { caseId, orgId, personId } from '../support/hub';

/**
 * `case_reach`, whom each share reaches (migration CaseReach), follows the shares in the statement that changes them:
 * each write below runs as the lead agency's person through the product's `withViewer` (as `lap_viewer`, committed),
 * and the whole table, read as the owner, is then exactly the rows written here by hand — (case, organization) for a
 * share naming nobody, (case, organization, person) for each person it names. The recipients' own transactions then
 * read the case's confidential tier exactly when a row reaches them. The demo shares are in `demo-access.ts`.
 */

let db: PolicyDb;
beforeAll(async () => {
  db = await openPolicyDb();
});
afterAll(() => db.close());

const names = new DemoNames([
  ...['ftc', 'oft', 'ico', 'acma', 'kisa', 'northstar', 'meridian', 'sentinel'].map((k) => `org:${k}`),
  ...['OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'FTC-2004-021', 'OPTA-2004-005'].map((r) => `case:${r}`),
]);
for (const v of ['isla', 'tom', 'priya', 'oliver', 'grace'] as const) names.add(personId(emailOf(v)!), v);

const person = (v: Exclude<ViewerName, 'anonymous'>) => personId(emailOf(v)!);

/** The whole reach table as the owner reads it, named: `case:organization` or `case:organization:person`. */
async function reach(): Promise<string[]> {
  const rows = (await db.ds.query(`SELECT case_id, participant_id, person_id FROM case_reach`)) as Array<Record<string, string | null>>;
  return rows.map((r) => [r.case_id, r.participant_id, r.person_id].filter((k) => k !== null).map((k) => names.of(k)).join(':')).sort();
}

/** Runs one statement as the demo person, committed; its rows. */
async function as(v: ViewerName, text: string, values: unknown[]): Promise<unknown[]> {
  const viewer = await viewerOf(db.ds, emailOf(v), db.now);
  return withViewer(db.ds, viewer, db.now, (tx) => tx.query(text, values), false);
}

/** Whether the viewer's transaction reads the case's confidential tier, and the reach rows it sees. */
async function seenBy(viewer: Viewer, ref: string): Promise<{ tier: boolean; reach: string[] }> {
  return withViewer(db.ds, viewer, db.now, async (tx) => {
    const tier = await tx.query(`SELECT 1 FROM case_confidential WHERE case_id = $1`, [caseId(ref)]);
    const rows = await tx.query<Record<string, string | null>>(`SELECT case_id, participant_id, person_id FROM case_reach`);
    return {
      tier: tier.length === 1,
      reach: rows.map((r) => [r.case_id, r.participant_id, r.person_id].filter((k) => k !== null).map((k) => names.of(k)).join(':')).sort(),
    };
  });
}
const demoViewer = async (v: ViewerName) => viewerOf(db.ds, emailOf(v), db.now);

const DEMO_REACH = [
  'ACMA-2004-011:kisa', 'ACMA-2004-011:northstar', 'FTC-2004-021:meridian:tom', 'FTC-2004-021:oft:oliver', 'ICO-2004-008:meridian',
  'OFT-2004-003:ico', 'OPTA-2004-005:sentinel',
].sort();

/** The upsert the data layer's `share` runs (src/data/cases.ts): a grant, or new recipients for an existing one. */
const SHARE = `INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, $3::uuid[], lap.viewer_person())
  ON CONFLICT (case_id, participant_id) DO UPDATE SET recipient_ids = EXCLUDED.recipient_ids, granted_by_id = EXCLUDED.granted_by_id, granted_at = now()
  RETURNING id`;

test('the demo shares reach exactly their organizations and named persons', async () => {
  expect(await reach()).toEqual(DEMO_REACH);
});

test('a grant, a change of recipients and a revocation each leave the reach equal to the shares', async () => {
  // ICO-2004-008 (AMBER_STRICT, led by the ICO) is shared with Meridian as a whole: Tom and Priya read its tier.
  expect(await seenBy(await demoViewer('tom'), 'ICO-2004-008')).toEqual({ tier: true, reach: ['FTC-2004-021:meridian:tom', 'ICO-2004-008:meridian'] });
  expect((await seenBy(await demoViewer('priya'), 'ICO-2004-008')).tier).toBe(true);

  // Isla narrows it to Priya (an UPDATE of recipient_ids): the whole-organization row goes, Priya's comes.
  await as('isla', `UPDATE case_share SET recipient_ids = $2::uuid[] WHERE id = $1 RETURNING id`, [demoId('share:ICO-2004-008:meridian'), [person('priya')]]);
  expect(await reach()).toEqual([...DEMO_REACH.filter((r) => r !== 'ICO-2004-008:meridian'), 'ICO-2004-008:meridian:priya'].sort());
  expect(await seenBy(await demoViewer('tom'), 'ICO-2004-008')).toEqual({ tier: false, reach: ['FTC-2004-021:meridian:tom'] });
  expect(await seenBy(await demoViewer('priya'), 'ICO-2004-008')).toEqual({ tier: true, reach: ['ICO-2004-008:meridian:priya'] });

  // Through the data layer's upsert, naming both (the grant exists: ON CONFLICT … DO UPDATE).
  await as('isla', SHARE, [caseId('ICO-2004-008'), orgId('meridian'), [person('tom'), person('priya'), person('tom')]]);
  expect(await reach()).toEqual(
    [...DEMO_REACH.filter((r) => r !== 'ICO-2004-008:meridian'), 'ICO-2004-008:meridian:priya', 'ICO-2004-008:meridian:tom'].sort(),
  );
  expect((await seenBy(await demoViewer('tom'), 'ICO-2004-008')).tier).toBe(true);

  // A new grant: Liam (ACMA) shares ACMA-2004-011 (AMBER) with the ICO naming Isla. Isla, an agency, sees the case
  // row anyway; its tier only now.
  expect((await seenBy(await demoViewer('isla'), 'ACMA-2004-011')).tier).toBe(false);
  await as('liam', SHARE, [caseId('ACMA-2004-011'), orgId('ico'), [person('isla')]]);
  expect(await reach()).toEqual(
    [...DEMO_REACH.filter((r) => r !== 'ICO-2004-008:meridian'), 'ICO-2004-008:meridian:priya', 'ICO-2004-008:meridian:tom', 'ACMA-2004-011:ico:isla'].sort(),
  );
  expect(await seenBy(await demoViewer('isla'), 'ACMA-2004-011')).toEqual({ tier: true, reach: ['ACMA-2004-011:ico:isla', 'OFT-2004-003:ico'] });

  // Revocations: the reach goes with the share, and with it the tier.
  await as('isla', `DELETE FROM case_share WHERE id = $1 RETURNING id`, [demoId('share:ICO-2004-008:meridian')]);
  await as('liam', `DELETE FROM case_share WHERE case_id = $1 AND participant_id = $2 RETURNING id`, [caseId('ACMA-2004-011'), orgId('ico')]);
  expect(await reach()).toEqual(DEMO_REACH.filter((r) => r !== 'ICO-2004-008:meridian'));
  expect(await seenBy(await demoViewer('priya'), 'ICO-2004-008')).toEqual({ tier: false, reach: [] });
  expect((await seenBy(await demoViewer('isla'), 'ACMA-2004-011')).tier).toBe(false);

  // Grant it back as it was: the demo's reach again.
  await as('isla', SHARE, [caseId('ICO-2004-008'), orgId('meridian'), []]);
  expect(await reach()).toEqual(DEMO_REACH);
});

test('a refused write changes no reach', async () => {
  // Tom (Meridian) may not re-share the case shared with him, nor Isla widen the RED share of the FTC.
  await expect(as('tom', SHARE, [caseId('ICO-2004-008'), orgId('northstar'), []])).rejects.toMatchObject({ code: '42501' });
  await expect(
    as('isla', `UPDATE case_share SET recipient_ids = '{}' WHERE id = $1 RETURNING id`, [demoId('share:FTC-2004-021:oft')]),
  ).resolves.toEqual([]);
  expect(await reach()).toEqual(DEMO_REACH);
});

test('an organization acting as a whole, with no person, is reached only by shares naming nobody', async () => {
  // Meridian without a person (as an API key acts): the share of ICO-2004-008 to the whole organization reaches it; the
  // RED share of FTC-2004-021 naming Tom does not.
  const meridian: Viewer = { kind: ViewerKind.PRIVATE, personId: null, ownOrgId: orgId('meridian'), memberOrgId: orgId('meridian') };
  expect(await seenBy(meridian, 'ICO-2004-008')).toEqual({ tier: true, reach: ['ICO-2004-008:meridian'] });
  expect((await seenBy(meridian, 'FTC-2004-021')).tier).toBe(false);
  const cases = await withViewer(db.ds, meridian, db.now, (tx) =>
    tx.query<{ id: string }>(`SELECT id FROM enforcement_case WHERE id = ANY ($1::uuid[])`, [[caseId('ICO-2004-008'), caseId('FTC-2004-021')]]),
  );
  expect(cases.map((c) => names.of(c.id))).toEqual(['ICO-2004-008']);
});
