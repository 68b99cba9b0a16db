import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The cooperation workflows under row-level security (issue: policy by construction), after RowLevelSecurity:
 *
 * - Endorsement: an application is read through the security-invoker view `endorsement_application` (the applicant's
 *   effective status at the request's clock, whether the objection window is open); objections can be made and
 *   withdrawn only while the window is open, judged against `lap.now()` by the policies themselves.
 * - Assistance requests: the description, the harm assessment and the answer move to `assistance_request_detail`
 *   (1:1, the parties denormalised for its policy), which only the requester and the recipient read. Who moves a
 *   request to which status is a `WITH CHECK` of the request's update policy.
 * - Sector reports: the named recipients move to `sector_report_recipient`, which only the author organization reads;
 *   the report's own policy asks a SECURITY DEFINER function whether the viewer is named (no policy recursion). A RED
 *   report must still name its recipients: a deferred constraint trigger checks it at commit.
 */
export class CooperationParts1764230000000 implements MigrationInterface {
  name = 'CooperationParts1764230000000';

  async up(q: QueryRunner): Promise<void> {
    // As in RowLevelSecurity: each rule is a pure SQL function of facts about the row and the viewer, so that it is
    // inlined into the policy; the policy passes the viewer's facts as one-time sub-selects and sets as hashed
    // sub-plans; SECURITY DEFINER set-returning functions read what the viewer's own policies hide.
    await q.query(`
      -- ---- endorsement (the paragraph after §D) -----------------------------------------------------------------
      CREATE FUNCTION lap.objection_window_open(status text, deadline timestamptz, now timestamptz) RETURNS boolean
        LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 = 'APPLIED' AND $3 < $2 $f$;
      COMMENT ON FUNCTION lap.objection_window_open(text, timestamptz, timestamptz) IS
        'An application can be objected to, and an objection withdrawn, while it is APPLIED and its objection deadline is ahead of the request''s clock, lap.now() (endorsement ¶ after §D).';

      CREATE FUNCTION lap.open_application_ids() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT p.id FROM participant p WHERE p.status = 'APPLIED' AND lap.objection_window_open(p.status, p.objection_deadline, lap.now()) $f$;
      COMMENT ON FUNCTION lap.open_application_ids() IS
        'The applicants whose objection window is open now (endorsement ¶ after §D), for the policies of the objections to them.';

      CREATE FUNCTION lap.application_readable(is_agency boolean, own boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR $2 $f$;
      COMMENT ON FUNCTION lap.application_readable(boolean, boolean) IS
        'An application: agencies, which may object, read every one; the applicant''s own people read theirs (endorsement ¶ after §D, DOMAIN §2).';

      CREATE VIEW endorsement_application WITH (security_invoker = true) AS
        SELECT p.id, p.applied_at, p.objection_deadline, p.recorded_by_id,
          lap.participant_status(p.status, p.objection_deadline, p.id) AS status,
          lap.objection_window_open(p.status, p.objection_deadline, (SELECT lap.now())) AS objection_open
        FROM participant p
        WHERE p.objection_deadline IS NOT NULL AND lap.application_readable((SELECT lap.is_agency()), p.id = (SELECT lap.viewer_own_org()));
      COMMENT ON VIEW endorsement_application IS
        'Applications to endorse the plan, as the viewer may read them: the participant''s policy and lap.application_readable; the status and the objection window at lap.now().';
      GRANT SELECT ON endorsement_application TO lap_viewer;

      DROP POLICY objection_object ON endorsement_objection;
      CREATE POLICY objection_object ON endorsement_objection FOR INSERT TO lap_viewer WITH CHECK (
        (SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()) AND objected_by_id = (SELECT lap.viewer_person())
        AND participant_id IN (SELECT lap.open_application_ids()));
      DROP POLICY objection_withdraw ON endorsement_objection;
      CREATE POLICY objection_withdraw ON endorsement_objection FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()))
        WITH CHECK ((SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()) AND participant_id IN (SELECT lap.open_application_ids()));

      -- ---- requests for assistance (§A.5, §B.4) ----------------------------------------------------------------
      CREATE FUNCTION lap.assistance_party(is_member boolean, viewer_requests boolean, viewer_receives boolean) RETURNS boolean
        LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 AND ($2 OR $3) $f$;
      COMMENT ON FUNCTION lap.assistance_party(boolean, boolean, boolean) IS
        'The requester and the recipient of a request for assistance (§A.5, §B.4): they alone read its description, harm assessment and answer (confidentiality ¶ after §A.7); coordinators see the row only (§C.1).';

      CREATE FUNCTION lap.assistance_recipient(is_member boolean, viewer_receives boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 AND $2 $f$;
      COMMENT ON FUNCTION lap.assistance_recipient(boolean, boolean) IS
        'The recipient acknowledges, fulfils or declines a request and writes the answer (§B.1, §B.4; §D: nothing requires sharing confidential information).';

      CREATE FUNCTION lap.assistance_requester(is_agency boolean, viewer_requests boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 AND $2 $f$;
      COMMENT ON FUNCTION lap.assistance_requester(boolean, boolean) IS 'The requesting agency: it asks for assistance and withdraws its own request (§A.5).';

      CREATE FUNCTION lap.assistance_move_allowed(status text, requester boolean, recipient boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT CASE WHEN $1 = 'WITHDRAWN' THEN $2 WHEN $1 IN ('ACKNOWLEDGED', 'FULFILLED', 'DECLINED') THEN $3 ELSE false END $f$;
      COMMENT ON FUNCTION lap.assistance_move_allowed(text, boolean, boolean) IS
        'Who may move a request to this status: the recipient answers (§B.1, §B.4), the requester withdraws (§A.5); nobody reopens one.';

      CREATE UNIQUE INDEX assistance_request_parties_idx ON assistance_request (id, requester_id, recipient_id);
      CREATE TABLE assistance_request_detail (
        request_id uuid PRIMARY KEY,
        requester_id uuid NOT NULL,
        recipient_id uuid NOT NULL,
        description text NOT NULL,
        victim_count integer NOT NULL CHECK (victim_count >= 0),
        estimated_loss_usd bigint NOT NULL CHECK (estimated_loss_usd >= 0),
        vulnerable_victims boolean NOT NULL,
        ongoing_harm boolean NOT NULL,
        response text,
        FOREIGN KEY (request_id, requester_id, recipient_id) REFERENCES assistance_request (id, requester_id, recipient_id) ON DELETE CASCADE
      );
      CREATE INDEX assistance_request_detail_requester_idx ON assistance_request_detail (requester_id);
      CREATE INDEX assistance_request_detail_recipient_idx ON assistance_request_detail (recipient_id);
      INSERT INTO assistance_request_detail (request_id, requester_id, recipient_id, description, victim_count, estimated_loss_usd,
          vulnerable_victims, ongoing_harm, response)
        SELECT id, requester_id, recipient_id, description, victim_count, estimated_loss_usd, vulnerable_victims, ongoing_harm, response
        FROM assistance_request;
      ALTER TABLE assistance_request DROP COLUMN description, DROP COLUMN victim_count, DROP COLUMN estimated_loss_usd,
        DROP COLUMN vulnerable_victims, DROP COLUMN ongoing_harm, DROP COLUMN response;

      -- the row: requester, recipient and coordinators (request_read, unchanged); a move: by a party (USING), to a
      -- status that party may set (WITH CHECK)
      DROP POLICY request_move ON assistance_request;
      CREATE POLICY request_move ON assistance_request FOR UPDATE TO lap_viewer
        USING (lap.assistance_party((SELECT lap.is_member()), requester_id = (SELECT lap.viewer_org()), recipient_id = (SELECT lap.viewer_org())))
        WITH CHECK (lap.assistance_move_allowed(status,
          lap.assistance_requester((SELECT lap.is_agency()), requester_id = (SELECT lap.viewer_org())),
          lap.assistance_recipient((SELECT lap.is_member()), recipient_id = (SELECT lap.viewer_org()))));

      -- the details: the parties only (§A.5, §B.4, confidentiality ¶ after §A.7); the requester writes them, the
      -- recipient the answer
      GRANT SELECT, INSERT, UPDATE (response) ON assistance_request_detail TO lap_viewer;
      CREATE POLICY request_detail_read ON assistance_request_detail FOR SELECT TO lap_viewer
        USING (lap.assistance_party((SELECT lap.is_member()), requester_id = (SELECT lap.viewer_org()), recipient_id = (SELECT lap.viewer_org())));
      CREATE POLICY request_detail_ask ON assistance_request_detail FOR INSERT TO lap_viewer
        WITH CHECK (lap.assistance_requester((SELECT lap.is_agency()), requester_id = (SELECT lap.viewer_org())));
      CREATE POLICY request_detail_answer ON assistance_request_detail FOR UPDATE TO lap_viewer
        USING (lap.assistance_party((SELECT lap.is_member()), requester_id = (SELECT lap.viewer_org()), recipient_id = (SELECT lap.viewer_org())))
        WITH CHECK (lap.assistance_recipient((SELECT lap.is_member()), recipient_id = (SELECT lap.viewer_org())));
      ALTER TABLE assistance_request_detail ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

      -- ---- sector reports (§B.3.a) -------------------------------------------------------------------------------
      CREATE UNIQUE INDEX sector_report_id_author_idx ON sector_report (id, author_org_id);
      CREATE TABLE sector_report_recipient (
        report_id uuid NOT NULL,
        person_id uuid NOT NULL REFERENCES person(id),
        author_org_id uuid NOT NULL,
        PRIMARY KEY (report_id, person_id),
        FOREIGN KEY (report_id, author_org_id) REFERENCES sector_report (id, author_org_id) ON DELETE CASCADE
      );
      CREATE INDEX sector_report_recipient_person_idx ON sector_report_recipient (person_id);
      CREATE INDEX sector_report_recipient_author_idx ON sector_report_recipient (author_org_id);
      INSERT INTO sector_report_recipient (report_id, person_id, author_org_id)
        SELECT r.id, x.person_id, r.author_org_id FROM sector_report r, unnest(r.recipient_ids) AS x(person_id);

      CREATE FUNCTION lap.viewer_named_report_ids() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT rr.report_id FROM sector_report_recipient rr WHERE rr.person_id = lap.viewer_person() AND lap.is_member() $f$;
      COMMENT ON FUNCTION lap.viewer_named_report_ids() IS
        'The reports that name the viewer among their recipients (§B.3.a; as a share naming persons, ¶ after §A.7). SECURITY DEFINER: the list of recipients is otherwise the author''s alone, and the report''s policy must not recurse into it.';

      CREATE FUNCTION lap.report_recipients_readable(is_member boolean, own boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 AND $2 $f$;
      COMMENT ON FUNCTION lap.report_recipients_readable(boolean, boolean) IS
        'Whom a report was addressed to is the author organization''s business: originators determine what they share and with whom (¶ after §A.7, §B.3.a).';

      -- the report row: its TLP as for cases (lap.report_row_visible), named = a recipient row names the viewer
      DROP POLICY report_read ON sector_report;
      ALTER TABLE sector_report DROP COLUMN recipient_ids;
      CREATE POLICY report_read ON sector_report FOR SELECT TO lap_viewer USING (lap.report_row_visible(
        tlp, (SELECT lap.is_member()), (SELECT lap.is_agency()), author_org_id = (SELECT lap.viewer_org()),
        id IN (SELECT lap.viewer_named_report_ids())));

      GRANT SELECT, INSERT ON sector_report_recipient TO lap_viewer;
      CREATE POLICY report_recipient_read ON sector_report_recipient FOR SELECT TO lap_viewer
        USING (lap.report_recipients_readable((SELECT lap.is_member()), author_org_id = (SELECT lap.viewer_org())));
      CREATE POLICY report_recipient_name ON sector_report_recipient FOR INSERT TO lap_viewer
        WITH CHECK (lap.report_recipients_readable((SELECT lap.is_member()), author_org_id = (SELECT lap.viewer_org())));
      ALTER TABLE sector_report_recipient ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

      -- TLP:RED is for named individuals: a RED report names at least one recipient, checked when the transaction
      -- commits (the report is inserted before its recipients), or earlier with SET CONSTRAINTS … IMMEDIATE.
      CREATE FUNCTION lap.report_red_named() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          IF NEW.tlp = 'RED' AND NOT EXISTS (SELECT 1 FROM sector_report_recipient rr WHERE rr.report_id = NEW.id) THEN
            RAISE EXCEPTION 'a TLP:RED report must name its recipients' USING ERRCODE = 'check_violation';
          END IF;
          RETURN NULL;
        END $f$;
      COMMENT ON FUNCTION lap.report_red_named() IS 'A TLP:RED report names its recipients: TLP:RED is for individuals (§B.3.a, FIRST TLP 2.0).';
      CREATE CONSTRAINT TRIGGER sector_report_red_named AFTER INSERT OR UPDATE OF tlp ON sector_report
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lap.report_red_named();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER sector_report_red_named ON sector_report;
      DROP FUNCTION lap.report_red_named();
      DROP POLICY report_read ON sector_report;
      ALTER TABLE sector_report ADD COLUMN recipient_ids uuid[] NOT NULL DEFAULT '{}';
      UPDATE sector_report r SET recipient_ids = (SELECT array_agg(rr.person_id ORDER BY rr.person_id) FROM sector_report_recipient rr WHERE rr.report_id = r.id)
        WHERE EXISTS (SELECT 1 FROM sector_report_recipient rr WHERE rr.report_id = r.id);
      ALTER TABLE sector_report ADD CHECK (tlp <> 'RED' OR cardinality(recipient_ids) > 0);
      DROP TABLE sector_report_recipient;
      DROP INDEX sector_report_id_author_idx;
      DROP FUNCTION lap.viewer_named_report_ids();
      DROP FUNCTION lap.report_recipients_readable(boolean, boolean);
      CREATE POLICY report_read ON sector_report FOR SELECT TO lap_viewer USING (lap.report_row_visible(
        tlp, (SELECT lap.is_member()), (SELECT lap.is_agency()), author_org_id = (SELECT lap.viewer_org()),
        (SELECT lap.is_member()) AND (SELECT lap.viewer_person()) = ANY (recipient_ids)));

      ALTER TABLE assistance_request ADD COLUMN description text NOT NULL DEFAULT '', ADD COLUMN victim_count integer NOT NULL DEFAULT 0,
        ADD COLUMN estimated_loss_usd bigint NOT NULL DEFAULT 0, ADD COLUMN vulnerable_victims boolean NOT NULL DEFAULT false,
        ADD COLUMN ongoing_harm boolean NOT NULL DEFAULT false, ADD COLUMN response text;
      UPDATE assistance_request r SET description = d.description, victim_count = d.victim_count, estimated_loss_usd = d.estimated_loss_usd,
        vulnerable_victims = d.vulnerable_victims, ongoing_harm = d.ongoing_harm, response = d.response
        FROM assistance_request_detail d WHERE d.request_id = r.id;
      GRANT UPDATE (response) ON assistance_request TO lap_viewer;
      DROP TABLE assistance_request_detail;
      DROP INDEX assistance_request_parties_idx;
      DROP POLICY request_move ON assistance_request;
      CREATE POLICY request_move ON assistance_request FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_member()) AND (requester_id = (SELECT lap.viewer_org()) OR recipient_id = (SELECT lap.viewer_org())))
        WITH CHECK ((SELECT lap.is_member()) AND (requester_id = (SELECT lap.viewer_org()) OR recipient_id = (SELECT lap.viewer_org())));
      DROP FUNCTION lap.assistance_move_allowed(text, boolean, boolean);
      DROP FUNCTION lap.assistance_requester(boolean, boolean);
      DROP FUNCTION lap.assistance_recipient(boolean, boolean);
      DROP FUNCTION lap.assistance_party(boolean, boolean, boolean);

      DROP POLICY objection_object ON endorsement_objection;
      CREATE POLICY objection_object ON endorsement_objection FOR INSERT TO lap_viewer WITH CHECK (
        (SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()) AND objected_by_id = (SELECT lap.viewer_person()));
      DROP POLICY objection_withdraw ON endorsement_objection;
      CREATE POLICY objection_withdraw ON endorsement_objection FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()))
        WITH CHECK ((SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()));
      DROP VIEW endorsement_application;
      DROP FUNCTION lap.application_readable(boolean, boolean);
      DROP FUNCTION lap.open_application_ids();
      DROP FUNCTION lap.objection_window_open(text, timestamptz, timestamptz);
    `);
  }
}
