import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail is an append-only record written by the system (src/audit.ts), one row per case and request that
 * carried its confidential tier or a TLP:RED row. Its foreign keys cost more than the rows: each inserted row ran
 * three or four referential checks, and the one on `enforcement_case` took a KEY SHARE lock on the case's row, which
 * writes to that row (its xmax, a MultiXact when two requests read the same case at once) — a read of a case wrote to
 * the case. Measured on the bench network, 52 rows in one INSERT: 3.0 ms of PostgreSQL CPU with the keys, 1.7 without.
 *
 * The references need no checking: the writer takes the person, API key and organization from the verified viewer of
 * the request, and the case's id and lead agency from `enforcement_case` itself in the same statement (a JOIN, so an
 * entry cannot name a case that does not exist, nor another lead agency than the case's). Nothing deletes people,
 * organizations, keys or cases; were a case ever removed, its entries stay behind where no one can read them
 * (`Case.accessLog` is reached through the case, and `case_access_log_read` admits its lead agency only).
 */
export class AuditTrailLean1764700000000 implements MigrationInterface {
  name = 'AuditTrailLean1764700000000';

  async up(q: QueryRunner): Promise<void> {
    const keys = (await q.query(
      `SELECT conname FROM pg_constraint WHERE conrelid = 'case_access_log'::regclass AND contype = 'f' ORDER BY conname`,
    )) as Array<{ conname: string }>;
    if (keys.length) await q.query(`ALTER TABLE case_access_log ${keys.map((k) => `DROP CONSTRAINT ${JSON.stringify(k.conname)}`).join(', ')}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_access_log
        ADD FOREIGN KEY (person_id) REFERENCES person(id),
        ADD FOREIGN KEY (api_key_id) REFERENCES api_key(id),
        ADD FOREIGN KEY (organization_id) REFERENCES participant(id),
        ADD FOREIGN KEY (case_id, lead_agency_id) REFERENCES enforcement_case (id, lead_agency_id) ON DELETE CASCADE
    `);
  }
}
