import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whom each share reaches, as rows (issue: policy by construction, its benchmark goal R7 on the case detail).
 *
 * Until now the policies of `enforcement_case` and `case_confidential` asked `lap.viewer_shared_case_ids()`, which
 * built the set of every case a share reaches the viewer on (read once per transaction, kept as text in a setting and
 * parsed back by every statement). A request about one case paid for the viewer's whole share set in every statement
 * touching a case or its tier: for an organization with a couple of thousand shares, a few milliseconds a statement.
 *
 * `case_reach` holds the same facts one row per reach: (case, organization) for a share naming nobody, (case,
 * organization, person) for each person a share names. Triggers on `case_share` keep it (SECURITY DEFINER: whoever
 * grants, changes or revokes a share, the reach follows in the same statement); a foreign key removes it with its
 * share. Its own policy shows the viewer exactly the reach rows that reach them (`lap.share_reaches`: to the viewer's
 * organization, naming nobody or naming them; an organization acting as a whole, with no person, only shares naming
 * nobody). The case policies then ask `EXISTS (SELECT 1 FROM case_reach r WHERE r.case_id = …)` under that policy,
 * which PostgreSQL plans either way round as it sees fit: an index probe per row for a page or a single case, or one
 * hashed set of the viewer's reach rows for a scan over many cases.
 */
export class CaseReach1764300000000 implements MigrationInterface {
  name = 'CaseReach1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE case_reach (
        case_id uuid NOT NULL,
        participant_id uuid NOT NULL,
        -- null: the share names nobody and reaches the whole organization
        person_id uuid,
        FOREIGN KEY (case_id, participant_id) REFERENCES case_share (case_id, participant_id) ON DELETE CASCADE ON UPDATE CASCADE
      );
      COMMENT ON TABLE case_reach IS
        'Whom each share reaches (¶ after §A.7: originators decide what they share and with whom): one row per share naming nobody (person_id null: the whole organization), one per person a share names. Kept by the triggers on case_share; read through its policy only.';
      -- one probe per case (the case policies), and the viewer's whole reach read by organization (a hashed set)
      CREATE UNIQUE INDEX case_reach_case_idx ON case_reach (case_id, participant_id, person_id) NULLS NOT DISTINCT;
      CREATE INDEX case_reach_participant_idx ON case_reach (participant_id, case_id, person_id);

      -- the reach of a set of shares (a transition table's rows): a share naming nobody reaches its organization as a
      -- whole, one naming persons reaches those persons (lap.share_reaches)
      CREATE FUNCTION lap.case_reach_follow() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            DELETE FROM case_reach r USING old_shares o WHERE r.case_id = o.case_id AND r.participant_id = o.participant_id;
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            DELETE FROM case_reach r USING new_shares n WHERE r.case_id = n.case_id AND r.participant_id = n.participant_id;
            INSERT INTO case_reach (case_id, participant_id, person_id)
              SELECT n.case_id, n.participant_id, NULL FROM new_shares n WHERE cardinality(n.recipient_ids) = 0
              UNION
              SELECT n.case_id, n.participant_id, x.person_id FROM new_shares n, unnest(n.recipient_ids) AS x(person_id);
          END IF;
          RETURN NULL;
        END $f$;
      COMMENT ON FUNCTION lap.case_reach_follow() IS
        'Keeps case_reach equal to what the shares say, in the statement that grants, changes or revokes them: a share reaches its organization as a whole when it names nobody, else the persons it names (¶ after §A.7; TLP:RED names individuals).';
      CREATE TRIGGER case_share_reach_granted AFTER INSERT ON case_share
        REFERENCING NEW TABLE AS new_shares FOR EACH STATEMENT EXECUTE FUNCTION lap.case_reach_follow();
      CREATE TRIGGER case_share_reach_changed AFTER UPDATE ON case_share
        REFERENCING OLD TABLE AS old_shares NEW TABLE AS new_shares FOR EACH STATEMENT EXECUTE FUNCTION lap.case_reach_follow();
      -- (a revoked share takes its reach with it: the foreign key's ON DELETE CASCADE)

      INSERT INTO case_reach (case_id, participant_id, person_id)
        SELECT s.case_id, s.participant_id, NULL FROM case_share s WHERE cardinality(s.recipient_ids) = 0
        UNION
        SELECT s.case_id, s.participant_id, x.person_id FROM case_share s, unnest(s.recipient_ids) AS x(person_id);

      -- Plans are made for a viewer PostgreSQL does not know yet (the organization is a parameter), so by default it
      -- assumes the reach of an average organization (a few dozen rows) and may hash the whole reach even to look at a
      -- single case. Plan for a large reach instead: a twentieth of all reach rows for one organization. For a small
      -- reach either plan is cheap; for a large one this keeps the single-case statements on an index probe and still
      -- hashes the reach for a scan over many cases.
      ALTER TABLE case_reach ALTER COLUMN participant_id SET (n_distinct = 20);
      ANALYZE case_reach;

      -- The viewer reads the reach rows that reach them, and nothing else: the same rule as lap.share_reaches, by rows.
      -- A viewer with no person (an organization acting as a whole) matches only rows naming nobody.
      GRANT SELECT ON case_reach TO lap_viewer;
      CREATE POLICY case_reach_read ON case_reach FOR SELECT TO lap_viewer
        USING (participant_id = (SELECT lap.viewer_org()) AND (person_id IS NULL OR person_id = (SELECT lap.viewer_person())));
      ALTER TABLE case_reach ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

      -- The case rules ask for the one case's reach under that policy (EXISTS: PostgreSQL probes the index per row, or
      -- hashes the viewer's reach rows once for a scan over many cases).
      DROP POLICY case_read ON enforcement_case;
      CREATE POLICY case_read ON enforcement_case FOR SELECT TO lap_viewer USING (lap.case_row_visible(
        tlp, (SELECT lap.is_member()), (SELECT lap.is_agency()), lead_agency_id = (SELECT lap.viewer_org()),
        EXISTS (SELECT 1 FROM case_reach r WHERE r.case_id = enforcement_case.id)));
      DROP POLICY case_confidential_read ON case_confidential;
      CREATE POLICY case_confidential_read ON case_confidential FOR SELECT TO lap_viewer USING (lap.case_tier_readable(
        lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency()),
        EXISTS (SELECT 1 FROM case_reach r WHERE r.case_id = case_confidential.case_id)));
      DROP FUNCTION lap.viewer_shared_case_ids();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.viewer_shared_case_ids() RETURNS SETOF uuid
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$
        DECLARE
          cached text := current_setting('lap.shared_case_ids', true);
        BEGIN
          IF cached IS NULL OR cached = '' THEN
            SELECT coalesce(array_agg(s.case_id)::text, '{}') INTO cached FROM case_share s
              WHERE s.participant_id = lap.viewer_org() AND lap.share_reaches(s.participant_id, s.recipient_ids, lap.viewer_org(), lap.viewer_person());
            PERFORM set_config('lap.shared_case_ids', cached, true);
          END IF;
          RETURN QUERY SELECT unnest(cached::uuid[]);
        END
        $f$;
      COMMENT ON FUNCTION lap.viewer_shared_case_ids() IS 'The cases a share reaches the viewer on (¶ after §A.7: originators decide what they share).';
      DROP POLICY case_read ON enforcement_case;
      CREATE POLICY case_read ON enforcement_case FOR SELECT TO lap_viewer USING (lap.case_row_visible(
        tlp, (SELECT lap.is_member()), (SELECT lap.is_agency()), lead_agency_id = (SELECT lap.viewer_org()),
        id IN (SELECT lap.viewer_shared_case_ids())));
      DROP POLICY case_confidential_read ON case_confidential;
      CREATE POLICY case_confidential_read ON case_confidential FOR SELECT TO lap_viewer USING (lap.case_tier_readable(
        lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency()), case_id IN (SELECT lap.viewer_shared_case_ids())));
      DROP TABLE case_reach;
      DROP FUNCTION lap.case_reach_follow();
    `);
  }
}
