import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A request for access can be withdrawn by the person who made it, while it is pending (DOMAIN §9: the requester
 * follows their own requests; every other request of the network — assistance, objections, exclusions — is withdrawn
 * by whoever made it). A withdrawn request stays on record for the requester and the lead agency (`decided_at` is
 * when it was withdrawn, `decided_by_id` the requester), is no longer decidable, and frees the requester to ask again
 * (the pending-request index counts PENDING rows only).
 *
 * `case_access_request_withdraw` admits the requester — a person of a member, never an API key (`api_key_no_update`) —
 * on their own pending row only, and only to make it WITHDRAWN, by themselves, at the request's clock (`lap.now()`),
 * with no decline reason or granted scope. Permissive UPDATE policies are ORed: the lead agency's
 * `case_access_request_decide` check never admits the requester (who cannot be a person of the lead agency: those
 * read the tier), and this check never admits a decision.
 *
 * `case_access_request_decide` now admits pending rows only, and a decision at the request's clock: before, the lead
 * agency's people could, in SQL, decide again a request already granted or declined — or one its requester withdrew,
 * which this migration would otherwise have left decidable at the database (the data layer's UPDATEs always asked
 * `status = 'PENDING'`; the rule now holds whatever the statement).
 */
export class AccessRequestWithdrawn1765040000000 implements MigrationInterface {
  name = 'AccessRequestWithdrawn1765040000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE case_access_request DROP CONSTRAINT case_access_request_status_check;
      ALTER TABLE case_access_request ADD CONSTRAINT case_access_request_status_check
        CHECK (status IN ('PENDING', 'GRANTED', 'DECLINED', 'WITHDRAWN'));
      ALTER TABLE case_access_request ADD CONSTRAINT case_access_request_withdrawn_by_requester
        CHECK (status <> 'WITHDRAWN' OR decided_by_id = requester_id);
      CREATE POLICY case_access_request_withdraw ON case_access_request FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_member()) AND (SELECT lap.is_person()) AND requester_id = (SELECT lap.viewer_person()) AND status = 'PENDING')
        WITH CHECK ((SELECT lap.is_member()) AND (SELECT lap.is_person()) AND requester_id = (SELECT lap.viewer_person())
          AND status = 'WITHDRAWN' AND decided_by_id = (SELECT lap.viewer_person()) AND decided_at = (SELECT lap.now())
          AND decline_reason IS NULL AND granted_scope IS NULL);
      COMMENT ON POLICY case_access_request_withdraw ON case_access_request IS
        'The requester withdraws their own pending request for access (DOMAIN §9), now, and does nothing else with it.';
      DROP POLICY case_access_request_decide ON case_access_request;
      CREATE POLICY case_access_request_decide ON case_access_request FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_agency()) AND (SELECT lap.is_person()) AND lead_agency_id = (SELECT lap.viewer_org()) AND status = 'PENDING')
        WITH CHECK ((SELECT lap.is_agency()) AND (SELECT lap.is_person()) AND lead_agency_id = (SELECT lap.viewer_org())
          AND decided_by_id = (SELECT lap.viewer_person()) AND decided_at = (SELECT lap.now()));
      COMMENT ON POLICY case_access_request_decide ON case_access_request IS
        'The lead agency''s people decide a pending request for access, now (¶ after §A.7: originators determine what they share); a decision is final.';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP POLICY case_access_request_withdraw ON case_access_request;
      DROP POLICY case_access_request_decide ON case_access_request;
      CREATE POLICY case_access_request_decide ON case_access_request FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_agency()) AND (SELECT lap.is_person()) AND lead_agency_id = (SELECT lap.viewer_org()))
        WITH CHECK ((SELECT lap.is_agency()) AND (SELECT lap.is_person()) AND lead_agency_id = (SELECT lap.viewer_org())
          AND decided_by_id = (SELECT lap.viewer_person()));
      DELETE FROM case_access_request WHERE status = 'WITHDRAWN';
      ALTER TABLE case_access_request DROP CONSTRAINT case_access_request_withdrawn_by_requester;
      ALTER TABLE case_access_request DROP CONSTRAINT case_access_request_status_check;
      ALTER TABLE case_access_request ADD CONSTRAINT case_access_request_status_check CHECK (status IN ('PENDING', 'GRANTED', 'DECLINED'));
    `);
  }
}
