import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The audit trail keeps one row per request, lead agency, path and kind of access, with the cases it carried in an
 * array (`case_ids`), instead of one row per case. DOMAIN §9 asks that each response be recorded once per request and
 * case; a case appears in one row of its request at most (src/audit.ts groups a request's cases), so every
 * (request, case) is still recorded exactly once and `Case.accessLog` still lists one entry per request.
 *
 * Why: the case board of an agency's own cases records every row it shows. One row per case cost 52 heap tuples and
 * 104 index entries for a 52-row board: about 1 ms of PostgreSQL CPU and 18 KB of WAL per request, measured on a
 * table of 12,000 such writes. One row per request costs one heap tuple, its primary key and a GIN entry per case,
 * which the GIN index's pending list takes in cheaply: about a third of the CPU and a fifth of the WAL.
 *
 * The writer takes each case's lead agency from the case's row as the request loaded it (the row it answered), so the
 * statement needs no join with `enforcement_case`.
 *
 * Reading: `Case.accessLog` finds a case's rows with the GIN index (`case_ids @> ARRAY[id]`): its cost grows with how
 * often that case was read, as its `totalCount` does; other agencies' reads and the lead agency's reads of other
 * cases do not slow it. (A B-tree on the lead agency would serve a case read on every request of its agency better and
 * a case read rarely much worse; one plan cannot tell them apart, so there is none.)
 *
 * The rows already written are kept: the rows of one request (same reader, path, kind and instant) become one row.
 */
/** The columns both shapes of the trail share, after its case (`case_ids` here, `case_id` before). */
const COLUMNS = `lead_agency_id uuid NOT NULL,
        person_id uuid,
        api_key_id uuid,
        api_key_name text,
        api_key_prefix text,
        organization_id uuid,
        path text NOT NULL CHECK (path IN ('QUERY', 'SUBSCRIPTION', 'ENTITIES', 'CSV')),
        confidential boolean NOT NULL,
        accessed_at timestamptz NOT NULL`;

/**
 * The trail's policies, as either shape has them: the lead agency reads who read its case (confidentiality ¶ after
 * §A.7); only the system writes (an API key's restrictive policies, as on every table).
 */
const POLICIES = `GRANT SELECT ON case_access_log TO lap_viewer;
      CREATE POLICY case_access_log_read ON case_access_log FOR SELECT TO lap_viewer
        USING (lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency()));
      CREATE POLICY api_key_no_insert ON case_access_log AS RESTRICTIVE FOR INSERT TO lap_viewer WITH CHECK ((SELECT lap.viewer_api_key()) IS NULL);
      CREATE POLICY api_key_no_update ON case_access_log AS RESTRICTIVE FOR UPDATE TO lap_viewer
        USING ((SELECT lap.viewer_api_key()) IS NULL) WITH CHECK ((SELECT lap.viewer_api_key()) IS NULL);
      CREATE POLICY api_key_no_delete ON case_access_log AS RESTRICTIVE FOR DELETE TO lap_viewer USING ((SELECT lap.viewer_api_key()) IS NULL);
      ALTER TABLE case_access_log ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;`;

export class AuditTrailPerRequest1764800000000 implements MigrationInterface {
  name = 'AuditTrailPerRequest1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_access_log RENAME TO case_access_log_per_case;
      ALTER INDEX case_access_log_pkey RENAME TO case_access_log_per_case_pkey;
      DROP POLICY case_access_log_read ON case_access_log_per_case;

      CREATE TABLE case_access_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_ids uuid[] NOT NULL CHECK (cardinality(case_ids) > 0 AND array_position(case_ids, NULL) IS NULL),
        ${COLUMNS}
      );
      COMMENT ON TABLE case_access_log IS
        'The audit trail (DOMAIN §9): one row per request, lead agency, path and kind of access, naming every case it carried; written by the system only.';
      INSERT INTO case_access_log (case_ids, lead_agency_id, person_id, api_key_id, api_key_name, api_key_prefix, organization_id, path, confidential, accessed_at)
        SELECT array_agg(case_id ORDER BY case_id), lead_agency_id, person_id, api_key_id, api_key_name, api_key_prefix, organization_id, path, confidential, accessed_at
        FROM case_access_log_per_case
        GROUP BY lead_agency_id, person_id, api_key_id, api_key_name, api_key_prefix, organization_id, path, confidential, accessed_at;
      DROP TABLE case_access_log_per_case;

      CREATE INDEX case_access_log_cases_idx ON case_access_log USING gin (case_ids);

      ${POLICIES}
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_access_log RENAME TO case_access_log_per_request;
      ALTER INDEX case_access_log_pkey RENAME TO case_access_log_per_request_pkey;
      DROP POLICY case_access_log_read ON case_access_log_per_request;

      CREATE TABLE case_access_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        ${COLUMNS}
      );
      INSERT INTO case_access_log (case_id, lead_agency_id, person_id, api_key_id, api_key_name, api_key_prefix, organization_id, path, confidential, accessed_at)
        SELECT c.case_id, l.lead_agency_id, l.person_id, l.api_key_id, l.api_key_name, l.api_key_prefix, l.organization_id, l.path, l.confidential, l.accessed_at
        FROM case_access_log_per_request l, unnest(l.case_ids) AS c(case_id);
      DROP TABLE case_access_log_per_request;
      CREATE INDEX case_access_log_case_idx ON case_access_log (case_id, accessed_at DESC, id);

      ${POLICIES}
    `);
  }
}
