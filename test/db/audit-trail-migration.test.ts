import 'reflect-metadata';
import type { QueryRunner } from 'typeorm';
import { AuditTrailPerRequest1764800000000 } from '../../src/db/migrations/1764800000000-AuditTrailPerRequest';
import { ownerDatabase, rolledBack } from '../support/migration';

/**
 * The migration from one audit row per case to one row per request, lead agency, path and kind of access keeps every
 * entry already written: the rows of one request become one row naming its cases, and going back splits them again.
 * Run inside one transaction that is rolled back, so the worker's database is left as it was.
 */

const database = ownerDatabase();

const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const [leadA, leadB, person, org, key] = [id(1), id(2), id(3), id(4), id(5)];
const [c1, c2, c3] = [id(11), id(12), id(13)];
const t1 = '2026-01-01T10:00:00.000Z';
const t2 = '2026-01-01T10:01:00.000Z';

async function perRequest(q: QueryRunner) {
  const rows = (await q.query(
    `SELECT case_ids, lead_agency_id, person_id, api_key_id, api_key_name, api_key_prefix, organization_id, path, confidential, accessed_at
     FROM case_access_log ORDER BY accessed_at, lead_agency_id, confidential`,
  )) as Array<Record<string, any>>;
  return rows.map((r) => ({ ...r, accessed_at: (r.accessed_at as Date).toISOString() }));
}

async function perCase(q: QueryRunner) {
  const rows = (await q.query(
    `SELECT case_id, lead_agency_id, person_id, api_key_id, path, confidential, accessed_at FROM case_access_log ORDER BY accessed_at, case_id`,
  )) as Array<Record<string, any>>;
  return rows.map((r) => ({ ...r, accessed_at: (r.accessed_at as Date).toISOString() }));
}

test('one row per case and back again: every entry kept, one row per request, lead agency and kind', async () => {
  await rolledBack(database(), async (q) => {
    await q.query(`DELETE FROM case_access_log`);
    const migration = new AuditTrailPerRequest1764800000000();
    // Back to one row per case: a request of a person that read two of A's cases, one of B's and a RED row of A's.
    await migration.down(q);
    await q.query(
      `INSERT INTO case_access_log (case_id, lead_agency_id, person_id, api_key_id, api_key_name, api_key_prefix, organization_id, path, confidential, accessed_at)
       VALUES ($1, $4, $6, NULL, NULL, NULL, $7, 'QUERY', true, $9), ($2, $4, $6, NULL, NULL, NULL, $7, 'QUERY', true, $9),
              ($3, $5, $6, NULL, NULL, NULL, $7, 'QUERY', true, $9), ($3, $5, $6, NULL, NULL, NULL, $7, 'QUERY', false, $10),
              ($1, $4, NULL, $8, 'board', 'lap_abc', $7, 'SUBSCRIPTION', true, $10)`,
      [c1, c2, c3, leadA, leadB, person, org, key, t1, t2],
    );
    await migration.up(q);
    const grouped = [
      { case_ids: [c1, c2], lead_agency_id: leadA, person_id: person, api_key_id: null, api_key_name: null, api_key_prefix: null, organization_id: org, path: 'QUERY', confidential: true, accessed_at: t1 },
      { case_ids: [c3], lead_agency_id: leadB, person_id: person, api_key_id: null, api_key_name: null, api_key_prefix: null, organization_id: org, path: 'QUERY', confidential: true, accessed_at: t1 },
      { case_ids: [c1], lead_agency_id: leadA, person_id: null, api_key_id: key, api_key_name: 'board', api_key_prefix: 'lap_abc', organization_id: org, path: 'SUBSCRIPTION', confidential: true, accessed_at: t2 },
      { case_ids: [c3], lead_agency_id: leadB, person_id: person, api_key_id: null, api_key_name: null, api_key_prefix: null, organization_id: org, path: 'QUERY', confidential: false, accessed_at: t2 },
    ];
    expect(await perRequest(q)).toEqual(grouped);
    // The viewer role reads it under the read policy, as before; it cannot write it.
    expect(await q.query(`SELECT polname, polpermissive, polcmd FROM pg_policy WHERE polrelid = 'case_access_log'::regclass ORDER BY polname`)).toEqual([
      { polname: 'api_key_no_delete', polpermissive: false, polcmd: 'd' },
      { polname: 'api_key_no_insert', polpermissive: false, polcmd: 'a' },
      { polname: 'api_key_no_update', polpermissive: false, polcmd: 'w' },
      { polname: 'case_access_log_read', polpermissive: true, polcmd: 'r' },
    ]);
    // An empty or null-holding list of cases is refused.
    await q.query(`SAVEPOINT bad`);
    await expect(
      q.query(`INSERT INTO case_access_log (case_ids, lead_agency_id, path, confidential, accessed_at) VALUES ('{}', $1, 'QUERY', true, now())`, [leadA]),
    ).rejects.toThrow(/case_access_log_case_ids_check/);
    await q.query(`ROLLBACK TO SAVEPOINT bad`);
    await expect(
      q.query(`INSERT INTO case_access_log (case_ids, lead_agency_id, path, confidential, accessed_at) VALUES (ARRAY[$1::uuid, NULL], $2, 'QUERY', true, now())`, [c1, leadA]),
    ).rejects.toThrow(/case_access_log_case_ids_check/);
    await q.query(`ROLLBACK TO SAVEPOINT bad`);
    // And back: every entry again.
    await migration.down(q);
    expect(await perCase(q)).toEqual([
      { case_id: c1, lead_agency_id: leadA, person_id: person, api_key_id: null, path: 'QUERY', confidential: true, accessed_at: t1 },
      { case_id: c2, lead_agency_id: leadA, person_id: person, api_key_id: null, path: 'QUERY', confidential: true, accessed_at: t1 },
      { case_id: c3, lead_agency_id: leadB, person_id: person, api_key_id: null, path: 'QUERY', confidential: true, accessed_at: t1 },
      { case_id: c1, lead_agency_id: leadA, person_id: null, api_key_id: key, path: 'SUBSCRIPTION', confidential: true, accessed_at: t2 },
      { case_id: c3, lead_agency_id: leadB, person_id: person, api_key_id: null, path: 'QUERY', confidential: false, accessed_at: t2 },
    ]);
  });
});
