import { generateApiKey } from '../../src/auth/api-keys';
import { TokenService } from '../../src/auth/tokens';
import { viewerFromHeader } from '../../src/auth/viewer';
import { loadConfig } from '../../src/config';
import { demoId } from '../../src/db/seed/demo';
import type { ViewerDb } from '../../src/db/viewer-db';
import type { Viewer } from '../../src/policy/viewer';
import { asGivenViewer, attempt, openPolicyDb, PolicyDb } from '../support/as-viewer';
import { callId, caseId, cast, orgId, personId, segmentId, TEST_SECRET } from '../support/hub';

/**
 * An API key at the database level (DOMAIN §8), through the product's own path (`viewerFromHeader` → `withViewer`, as
 * `lap_viewer`): its viewer is the organization as a whole — table by table it reads exactly what a person of that
 * organization whom no share names reads, less what is that person's own — and every write is refused by the
 * database itself, where the same statement as a person of the organization writes.
 */

let db: PolicyDb;
type KeyOrg = 'ftc' | 'meridian' | 'acma' | 'ico';
const keys: Record<KeyOrg, { id: string; viewer: Viewer }> = {} as never;
beforeAll(async () => {
  db = await openPolicyDb();
  const tokens = new TokenService(loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL }));
  for (const [org, creator] of [['ftc', cast.ann], ['meridian', cast.tom], ['acma', cast.liam], ['ico', cast.isla]] as const) {
    const key = generateApiKey();
    const [row] = await db.ds.query(
      `INSERT INTO api_key (organization_id, name, prefix, secret_hash, created_by_id) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [orgId(org), `${org} board`, key.prefix, key.hash, personId(creator)],
    );
    keys[org] = { id: row.id, viewer: await viewerFromHeader(`Bearer ${key.secret}`, tokens, db.ds, db.now) };
  }
});
afterAll(() => db.close());

const asKey = <T>(org: KeyOrg, fn: (tx: ViewerDb) => Promise<T>) => asGivenViewer(db.ds, keys[org].viewer, db.now, fn);

/** Every table's row ids (or the first columns of its key), sorted, as the transaction's viewer reads them. */
let tables: Array<{ tablename: string }>;
beforeAll(async () => {
  tables = await db.ds.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' ORDER BY 1`);
});

async function everyTable(tx: ViewerDb): Promise<Record<string, string[]>> {
  const out: Record<string, string[]> = {};
  for (const { tablename } of tables) {
    // (the viewer role may read every column of api_key but its hash)
    const found = await attempt(tx, tablename === 'api_key' ? `SELECT id AS r FROM api_key` : `SELECT to_jsonb(t)::text AS r FROM ${tablename} t`);
    out[tablename] = 'error' in found ? [`refused ${found.error}`] : found.rows.map((r) => String(r.r)).sort();
  }
  return out;
}

test('the key’s viewer: its organization, no person, read-only', () => {
  expect(keys.meridian.viewer).toEqual({
    kind: 'PRIVATE', personId: null, ownOrgId: orgId('meridian'), memberOrgId: orgId('meridian'),
    apiKey: { id: keys.meridian.id, name: 'meridian board', prefix: expect.stringMatching(/^lapk_/), expiresAt: null },
  });
});

test('Meridian’s key reads what Priya reads (no share names her), less her own: not the RED case naming Tom, not the keys, not her request', async () => {
  const priya = await db.asViewer(cast.priya, everyTable);
  const tom = await db.asViewer(cast.tom, everyTable);
  const key = await asKey('meridian', everyTable);
  const own = (rows: string[], column: string, id: string) => rows.filter((r) => JSON.parse(r)[column] !== id);
  expect(key).toEqual({
    ...priya,
    // the organization's keys are listed to its people only
    api_key: [],
    // Priya's own request for the FTC's case is hers, not her organization's
    case_access_request: own(priya.case_access_request, 'requester_id', personId(cast.priya)),
  });
  // The check can fail: Tom, named on the RED share, reads more, and Priya's own rows are there to leave out.
  expect(tom.enforcement_case.length).toBe(priya.enforcement_case.length + 1);
  expect(priya.case_access_request.length).toBe(1);
  expect(priya.api_key.length).toBe(1);
});

test('the FTC’s key reads what Ben reads (no share names him, nothing of his own), less the keys', async () => {
  const ben = await db.asViewer(cast.ben, everyTable);
  const ann = await db.asViewer(cast.ann, everyTable);
  const key = await asKey('ftc', everyTable);
  expect(key).toEqual({ ...ben, api_key: [] });
  // Ann is named on Meridian's RED report; neither Ben nor the key reads it.
  expect(ann.sector_report.length).toBe(ben.sector_report.length + 1);
  expect(ben.api_key.length).toBe(1);
});

/** [what, the organization's person, statement, values]: a write that person may make, which its key may not. */
const writes: Array<[string, KeyOrg, string, string, unknown[]]> = [
  ['edit the lead agency’s case', 'ftc', cast.ann, `UPDATE enforcement_case SET title = 'changed' WHERE id = $1 RETURNING id`, [caseId('FTC-2004-017')]],
  ['edit its confidential tier', 'ftc', cast.ann, `UPDATE case_confidential SET summary = 'changed' WHERE case_id = $1 RETURNING case_id`, [caseId('FTC-2004-017')]],
  ['add a country to its case', 'ftc', cast.ann, `INSERT INTO case_country (case_id, country_code) VALUES ($1, 'FR') RETURNING case_id`, [caseId('FTC-2004-017')]],
  ['remove a country of its case', 'ftc', cast.ann, `DELETE FROM case_country WHERE case_id = $1 AND country_code = 'CA' RETURNING case_id`, [caseId('FTC-2004-017')]],
  ['revoke a share of its case', 'ftc', cast.ann, `DELETE FROM case_share WHERE id = $1 RETURNING id`, [demoId('share:FTC-2004-021:oft')]],
  ['renew a share of its case', 'ftc', cast.ann, `UPDATE case_share SET granted_at = now() WHERE id = $1 RETURNING id`, [demoId('share:FTC-2004-021:oft')]],
  ['record minutes (a coordinator’s)', 'ftc', cast.ann, `UPDATE call_segment SET minutes = 'x' WHERE id = $1 RETURNING id`, [segmentId('next-1/1')]],
  ['lock a call (a coordinator’s)', 'ftc', cast.ann, `UPDATE conference_call SET title = 'x' WHERE id = $1 RETURNING id`, [callId('next-1')]],
  ['move its request for assistance', 'ftc', cast.ann, `UPDATE assistance_request SET status = 'WITHDRAWN' WHERE id = $1 RETURNING id`, [demoId('request:ftc-oft-mules')]],
  ['decide a pending request for access to its case', 'acma', cast.liam,
    `UPDATE case_access_request SET status = 'DECLINED', decided_at = lap.now(), decided_by_id = $2, decline_reason = 'no' WHERE id = $1 RETURNING id`,
    [demoId('access-request:isla-acma'), personId(cast.liam)]],
  ['withdraw its own pending request for access', 'ico', cast.isla,
    `UPDATE case_access_request SET status = 'WITHDRAWN', decided_at = lap.now(), decided_by_id = $2 WHERE id = $1 RETURNING id`,
    [demoId('access-request:isla-acma'), personId(cast.isla)]],
  ['revoke its organization’s key', 'ftc', cast.ann, `UPDATE api_key SET revoked_at = now(), revoked_by_id = $2 WHERE organization_id = $1 RETURNING id`, [orgId('ftc'), personId(cast.ann)]],
  ['answer a request for assistance', 'meridian', cast.tom, `UPDATE assistance_request SET status = 'ACKNOWLEDGED' WHERE id = $1 RETURNING id`, [demoId('request:ico-meridian-accounts')]],
];

test.each(writes)('%s: the person writes, the key is refused by the database', async (_what, org, email, text, values) => {
  const person = await db.asViewer(email, (tx) => attempt(tx, text, values));
  expect('rows' in person && person.rows.length).toBe(1);
  const key = await asKey(org, (tx) => attempt(tx, text, values));
  // An UPDATE or DELETE finds no row it may change; an INSERT is refused outright.
  expect(key).toEqual(text.startsWith('INSERT') ? { error: '42501' } : { rows: [] });
});

test('an insert the organization’s people may make is refused for its key (42501), whatever the columns say', async () => {
  // The key sets the person columns to a person of its organization, which a person's own write would have to match.
  const text = `INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, '{}', $3) RETURNING id`;
  const values = [caseId('FTC-2004-017'), orgId('oft'), personId(cast.ann)];
  expect(await db.asViewer(cast.ann, (tx) => attempt(tx, text, values))).toEqual({ rows: [{ id: expect.any(String) }] });
  expect(await asKey('ftc', (tx) => attempt(tx, text, values))).toEqual({ error: '42501' });
  const open = `INSERT INTO enforcement_case (reference, title, status, categories, tlp, lead_agency_id, harm_score)
    VALUES ('KEY-1', 't', 'OPEN', ARRAY['SPAM'], 'AMBER', $1, 10) RETURNING id`;
  expect(await db.asViewer(cast.ann, (tx) => attempt(tx, open, [orgId('ftc')]))).toEqual({ rows: [{ id: expect.any(String) }] });
  expect(await asKey('ftc', (tx) => attempt(tx, open, [orgId('ftc')]))).toEqual({ error: '42501' });
});

test('the key’s hash is not readable by the viewer role, not even by the organization’s people', async () => {
  expect(await db.asViewer(cast.ann, (tx) => attempt(tx, `SELECT secret_hash FROM api_key`))).toEqual({ error: '42501' });
  expect(await db.asViewer(cast.ann, (tx) => attempt(tx, `SELECT * FROM api_key`))).toEqual({ error: '42501' });
});
