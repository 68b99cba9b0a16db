import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A request for access is read by its requester while the requester's organization is a member of the network, and by
 * the lead agency (DOMAIN §9). A person whose organization is no longer endorsed (withdrawn, rejected) is ANONYMOUS,
 * with read access to their own application only (DOMAIN §2): before, `case_access_request_read` let the requester
 * read their requests on the person alone (`requester_id = lap.viewer_person()`), so such a person still read the
 * lead agency's decisions and decline reasons. The requester's branch now asks `lap.is_member()` too, as the policy
 * that lets a request be made always did. test/accountability/access-requests.test.ts reads it as a requester whose
 * organization was withdrawn, on every path to a request.
 */
export class AccessRequestsMembersOnly1764930000000 implements MigrationInterface {
  name = 'AccessRequestsMembersOnly1764930000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP POLICY case_access_request_read ON case_access_request;
      CREATE POLICY case_access_request_read ON case_access_request FOR SELECT TO lap_viewer
        USING (((SELECT lap.is_member()) AND requester_id = (SELECT lap.viewer_person()))
          OR (lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency())));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP POLICY case_access_request_read ON case_access_request;
      CREATE POLICY case_access_request_read ON case_access_request FOR SELECT TO lap_viewer
        USING (requester_id = (SELECT lap.viewer_person()) OR (lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency())));
    `);
  }
}
