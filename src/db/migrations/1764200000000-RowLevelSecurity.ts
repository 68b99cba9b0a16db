import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The policy moves into the database (issue: policy by construction). Every request runs as `lap_viewer`, a role that
 * owns nothing and cannot bypass row-level security, with the viewer's identity in transaction-local settings
 * (`src/db/viewer-db.ts`). Every table has RLS enabled and forced, and a policy per command that calls the `lap`
 * functions below: one SQL function per condition, each citing the plan. A restricted part with its own rule is its
 * own table (the case's confidential tier: `case_confidential`), so that it is null because the database returned
 * no row.
 *
 * Functions that read across tables whose own policies would hide what they must see (shares, exclusions,
 * objections) are SECURITY DEFINER, owned by the migration's owner (a superuser or a BYPASSRLS role), with a pinned
 * search_path. The rest are plain SQL functions that PostgreSQL inlines into the policies.
 */
export class RowLevelSecurity1764200000000 implements MigrationInterface {
  name = 'RowLevelSecurity1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'lap_viewer') THEN
          CREATE ROLE lap_viewer NOLOGIN NOSUPERUSER NOBYPASSRLS NOINHERIT;
        END IF;
      END $$;
      -- The owner (migrations, the demo seed, the policy functions) must not be subject to the policies it writes;
      -- its login role may switch to the viewer role (a superuser always may).
      DO $$ BEGIN
        IF NOT (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
          RAISE EXCEPTION 'the database role % must be a superuser or have BYPASSRLS: it owns the tables and the policy functions', current_user;
        END IF;
        IF NOT (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
          EXECUTE format('GRANT lap_viewer TO %I', current_user);
        END IF;
      END $$;

      CREATE SCHEMA lap;
      GRANT USAGE ON SCHEMA lap TO lap_viewer;
      GRANT USAGE ON SCHEMA public TO lap_viewer;
      REVOKE CREATE ON SCHEMA public FROM PUBLIC;

      -- ---- the confidential tier of a case becomes its own row (1:1) --------------------------------------------
      CREATE UNIQUE INDEX case_id_lead_idx ON enforcement_case (id, lead_agency_id);
      CREATE TABLE case_confidential (
        case_id uuid PRIMARY KEY,
        lead_agency_id uuid NOT NULL,
        summary text NOT NULL DEFAULT '',
        suspects text[] NOT NULL DEFAULT '{}',
        evidence text,
        investigator_notes text,
        victim_count integer NOT NULL DEFAULT 0 CHECK (victim_count >= 0),
        estimated_loss_usd bigint NOT NULL DEFAULT 0 CHECK (estimated_loss_usd >= 0),
        vulnerable_victims boolean NOT NULL DEFAULT false,
        ongoing_harm boolean NOT NULL DEFAULT false,
        FOREIGN KEY (case_id, lead_agency_id) REFERENCES enforcement_case (id, lead_agency_id) ON DELETE CASCADE
      );
      INSERT INTO case_confidential (case_id, lead_agency_id, summary, suspects, evidence, investigator_notes, victim_count,
          estimated_loss_usd, vulnerable_victims, ongoing_harm)
        SELECT id, lead_agency_id, summary, suspects, evidence, investigator_notes, victim_count, estimated_loss_usd,
          vulnerable_victims, ongoing_harm FROM enforcement_case;
      ALTER TABLE enforcement_case DROP COLUMN summary, DROP COLUMN suspects, DROP COLUMN evidence, DROP COLUMN investigator_notes,
        DROP COLUMN victim_count, DROP COLUMN estimated_loss_usd, DROP COLUMN vulnerable_victims, DROP COLUMN ongoing_harm;
      CREATE INDEX case_confidential_lead_idx ON case_confidential (lead_agency_id);

      -- ---- who the viewer is: transaction-local settings made by withViewer ------------------------------------
      -- current_setting(x, true) is '' (not NULL) once set locally and reset: nullif.
      CREATE FUNCTION lap.viewer_person() RETURNS uuid LANGUAGE sql STABLE
        AS $f$ SELECT nullif(current_setting('lap.person_id', true), '')::uuid $f$;
      COMMENT ON FUNCTION lap.viewer_person() IS 'The person making the request (§A.1, §B.1 contacts are people); null for anonymous callers and API keys.';

      CREATE FUNCTION lap.viewer_org() RETURNS uuid LANGUAGE sql STABLE
        AS $f$ SELECT nullif(current_setting('lap.member_org', true), '')::uuid $f$;
      COMMENT ON FUNCTION lap.viewer_org() IS 'The ENDORSED participant through which the viewer has access (endorsement ¶ after §D); null otherwise.';

      CREATE FUNCTION lap.viewer_own_org() RETURNS uuid LANGUAGE sql STABLE
        AS $f$ SELECT nullif(current_setting('lap.own_org', true), '')::uuid $f$;
      COMMENT ON FUNCTION lap.viewer_own_org() IS 'The viewer''s own organization, endorsed or not: an applicant reads its own application (endorsement ¶).';

      CREATE FUNCTION lap.viewer_kind() RETURNS text LANGUAGE sql STABLE
        AS $f$ SELECT coalesce(nullif(current_setting('lap.kind', true), ''), 'ANONYMOUS') $f$;
      COMMENT ON FUNCTION lap.viewer_kind() IS 'ANONYMOUS, AGENCY, COORDINATOR or PRIVATE (DOMAIN §2).';

      CREATE FUNCTION lap.is_agency() RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.viewer_kind() IN ('AGENCY', 'COORDINATOR') $f$;
      COMMENT ON FUNCTION lap.is_agency() IS 'A person of an endorsed government or public agency (§A).';

      CREATE FUNCTION lap.is_coordinator() RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.viewer_kind() = 'COORDINATOR' $f$;
      COMMENT ON FUNCTION lap.is_coordinator() IS 'A person of a coordinating agency (§C): keeps records and convenes calls, no extra access to confidential tiers.';

      CREATE FUNCTION lap.is_private() RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.viewer_kind() = 'PRIVATE' $f$;
      COMMENT ON FUNCTION lap.is_private() IS 'A person of an endorsed private-sector member (§B).';

      CREATE FUNCTION lap.is_member() RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.viewer_kind() IN ('AGENCY', 'COORDINATOR', 'PRIVATE') $f$;
      COMMENT ON FUNCTION lap.is_member() IS 'A member of the network: agencies and private-sector members (§A.1, §B.1).';

      CREATE FUNCTION lap.now() RETURNS timestamptz LANGUAGE sql STABLE
        AS $f$ SELECT coalesce(nullif(current_setting('lap.now', true), '')::timestamptz, now()) $f$;
      COMMENT ON FUNCTION lap.now() IS 'The request''s clock (the hub''s; tests move it): deadlines are judged against it.';

      -- ---- endorsement: a status is computed when read, never settled by a write --------------------------------
      CREATE FUNCTION lap.settled_status(participant_id uuid, deadline timestamptz) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT CASE WHEN EXISTS (SELECT 1 FROM endorsement_objection o WHERE o.participant_id = $1 AND o.created_at < $2
                    AND (o.withdrawn_at IS NULL OR o.withdrawn_at >= $2)) THEN 'REJECTED' ELSE 'ENDORSED' END $f$;
      COMMENT ON FUNCTION lap.settled_status(uuid, timestamptz) IS
        'An application past its deadline: ENDORSED when no objection stood at the deadline, REJECTED otherwise (endorsement ¶ after §D).';

      CREATE FUNCTION lap.participant_status(status text, deadline timestamptz, participant_id uuid) RETURNS text LANGUAGE sql STABLE
        AS $f$ SELECT CASE WHEN $1 = 'APPLIED' AND $2 <= lap.now() THEN lap.settled_status($3, $2) ELSE $1 END $f$;
      COMMENT ON FUNCTION lap.participant_status(text, timestamptz, uuid) IS
        'A participant''s status at this moment: the silent procedure of the endorsement ¶ after §D decides at the deadline.';

      CREATE FUNCTION lap.participant_endorsed_at(status text, deadline timestamptz, participant_id uuid, endorsed_at timestamptz)
        RETURNS timestamptz LANGUAGE sql STABLE
        AS $f$ SELECT CASE WHEN $1 = 'APPLIED' AND $2 <= lap.now() AND lap.settled_status($3, $2) = 'ENDORSED' THEN $2 ELSE $4 END $f$;
      COMMENT ON FUNCTION lap.participant_endorsed_at(text, timestamptz, uuid, timestamptz) IS 'When the participant was endorsed: its deadline, for the silent procedure.';

      -- The viewer of a token: a person is a member only while their organization is endorsed (DOMAIN §2).
      CREATE FUNCTION lap.viewer_of(person uuid, email text, at timestamptz)
        RETURNS TABLE (person_id uuid, own_org uuid, kind text)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$
          SELECT pe.id, pe.organization_id,
            CASE WHEN CASE WHEN p.status = 'APPLIED' AND p.objection_deadline <= $3 THEN lap.settled_status(p.id, p.objection_deadline)
                           ELSE p.status END <> 'ENDORSED' THEN 'ANONYMOUS'
                 WHEN p.kind = 'AGENCY' AND p.is_coordinator THEN 'COORDINATOR'
                 WHEN p.kind = 'AGENCY' THEN 'AGENCY'
                 ELSE 'PRIVATE' END
          FROM person pe JOIN participant p ON p.id = pe.organization_id
          WHERE ($1 IS NOT NULL AND pe.id = $1) OR ($1 IS NULL AND lower(pe.email) = lower($2))
        $f$;
      COMMENT ON FUNCTION lap.viewer_of(uuid, text, timestamptz) IS 'Who a verified token names, and as which kind of viewer (DOMAIN §2).';

      -- ---- how the rules are written ---------------------------------------------------------------------------
      -- Each rule is a pure SQL function of facts about the row and the viewer, every argument used once, so that
      -- PostgreSQL inlines it into the policy. The policy passes the viewer's facts as one-time sub-selects
      -- ((SELECT lap.is_agency()) is evaluated once per statement, not per row) and sets as hashed sub-plans
      -- (id IN (SELECT lap.viewer_shared_case_ids())). A function holding a sub-select is never inlined and would
      -- run once per row; SECURITY DEFINER set-returning functions read what the viewer's own policies hide.

      CREATE FUNCTION lap.listed_org_ids() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT p.id FROM participant p WHERE lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED' $f$;
      COMMENT ON FUNCTION lap.listed_org_ids() IS 'The participants endorsed now: their people and resource-list entries are the network''s (§A.1, §B.1, §B.2).';

      CREATE FUNCTION lap.participant_visible(is_agency boolean, status_now text, own boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR $2 IN ('ENDORSED', 'WITHDRAWN') OR $3 $f$;
      COMMENT ON FUNCTION lap.participant_visible(boolean, text, boolean) IS
        'Endorsed (and withdrawn) participants are public (§C.1 disseminates the network); applicants and rejected ones are for agencies, which may object (endorsement ¶ after §D), and for their own people.';

      CREATE FUNCTION lap.person_visible(is_agency boolean, self boolean, member_sees_listed boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR $2 OR $3 $f$;
      COMMENT ON FUNCTION lap.person_visible(boolean, boolean, boolean) IS
        'Contact details are for the network (§A.1, §B.1 points of contact): agencies see every person, members the people of endorsed participants, everyone themself; anonymous callers nobody else.';

      -- ---- cases -------------------------------------------------------------------------------------------------
      -- Whether a share reaches a person: to their organization, naming nobody or naming them. Pure: can also be
      -- evaluated for a set of viewers in one statement.
      CREATE FUNCTION lap.share_reaches(participant_id uuid, recipient_ids uuid[], org uuid, person uuid) RETURNS boolean
        LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 = $3 AND (cardinality($2) = 0 OR $4 = ANY ($2)) $f$;
      COMMENT ON FUNCTION lap.share_reaches(uuid, uuid[], uuid, uuid) IS
        'A share reaches a person when it is to their organization and names nobody or names them ("retain the right to determine the information they share", ¶ after §A.7).';

      -- Read once per transaction: the set is kept in a transaction-local setting (gone at COMMIT or ROLLBACK), so the
      -- statements of one request do not each scan the shares again. Within one request the set cannot change: a
      -- share is granted by the lead agency, never to itself.
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

      CREATE FUNCTION lap.case_row_visible(tlp text, is_member boolean, is_agency boolean, viewer_leads boolean, shared boolean)
        RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 = 'CLEAR' OR ($1 = 'GREEN' AND $2) OR ($1 IN ('AMBER', 'AMBER_STRICT') AND $3) OR $4 OR $5 $f$;
      COMMENT ON FUNCTION lap.case_row_visible(text, boolean, boolean, boolean, boolean) IS
        'TLP 2.0 on a case row: CLEAR everyone; GREEN the community; AMBER/AMBER_STRICT every agency (§A need-to-know among agencies) and the private members a share reaches; RED only the lead agency (viewer_leads: only agencies lead cases) and the people a share reaches (§A.3.a, confidentiality ¶ after §A.7).';

      CREATE FUNCTION lap.case_tier_readable(viewer_leads boolean, shared boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR $2 $f$;
      COMMENT ON FUNCTION lap.case_tier_readable(boolean, boolean) IS
        'The confidential tier: the lead agency''s people and the people a share reaches; coordinators get no extra access (¶ after §A.7, §C, §D).';

      CREATE FUNCTION lap.case_editable(viewer_leads boolean, is_agency boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 AND $2 $f$;
      COMMENT ON FUNCTION lap.case_editable(boolean, boolean) IS 'Originator control: only the lead agency edits a case and grants or revokes its shares (¶ after §A.7).';

      CREATE FUNCTION lap.case_lead(case_id uuid) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT c.lead_agency_id FROM enforcement_case c WHERE c.id = $1 $f$;
      COMMENT ON FUNCTION lap.case_lead(uuid) IS 'The lead agency of a case, for the write policies of its parts.';

      CREATE FUNCTION lap.case_tlp(case_id uuid) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT c.tlp FROM enforcement_case c WHERE c.id = $1 $f$;
      COMMENT ON FUNCTION lap.case_tlp(uuid) IS 'The TLP of a case, for the rule that a RED share names persons (TLP:RED is for individuals).';

      -- ---- conference calls ----------------------------------------------------------------------------------------
      -- Who takes part in which segment, for the segments the private-sector viewer takes part in itself: a member
      -- takes part in a PRIVATE_SECTOR_INVITED segment that invites it unless a standing objection keeps it out of the
      -- whole call or of that segment (§B.3, last ¶); a member kept out learns nothing of who else takes part.
      -- Set-based (an anti-join), once per statement.
      CREATE FUNCTION lap.viewer_segment_participants() RETURNS TABLE (segment_id uuid, member_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$
          WITH invited AS (
            SELECT s.id, s.call_id FROM call_segment s
            JOIN call_segment_invitation mine ON mine.segment_id = s.id AND mine.member_id = lap.viewer_org()
            WHERE lap.is_private() AND s.audience = 'PRIVATE_SECTOR_INVITED'),
          taking_part AS (
            SELECT i.segment_id, i.member_id FROM invited s JOIN call_segment_invitation i ON i.segment_id = s.id
            WHERE NOT EXISTS (SELECT 1 FROM call_exclusion e WHERE e.call_id = s.call_id AND e.member_id = i.member_id
                                AND e.withdrawn_at IS NULL AND (e.segment_id IS NULL OR e.segment_id = s.id)))
          SELECT t.segment_id, t.member_id FROM taking_part t
          WHERE t.segment_id IN (SELECT own.segment_id FROM taking_part own WHERE own.member_id = lap.viewer_org())
        $f$;
      COMMENT ON FUNCTION lap.viewer_segment_participants() IS
        'Who takes part in the segments the private-sector viewer takes part in: invited and not excluded by a standing objection — never who was kept out, and nothing for a member kept out itself (§B.3, last ¶).';

      CREATE FUNCTION lap.viewer_segment_ids() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT p.segment_id FROM lap.viewer_segment_participants() p WHERE p.member_id = lap.viewer_org() $f$;
      COMMENT ON FUNCTION lap.viewer_segment_ids() IS
        'Segments the private-sector viewer takes part in: PRIVATE_SECTOR_INVITED, inviting its organization, no standing exclusion (§B.3).';

      CREATE FUNCTION lap.invitation_visible(is_agency boolean, takes_part boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR $2 $f$;
      COMMENT ON FUNCTION lap.invitation_visible(boolean, boolean) IS
        'Agencies see every invitation, excluded members included; a private-sector member sees the members taking part in its segments (§B.3).';

      CREATE FUNCTION lap.viewer_call_ids() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT DISTINCT s.call_id FROM call_segment s WHERE s.id IN (SELECT lap.viewer_segment_ids()) $f$;
      COMMENT ON FUNCTION lap.viewer_call_ids() IS 'Calls with a segment the private-sector viewer takes part in (§B.3: "only in selected calls").';

      CREATE FUNCTION lap.segment_visible(is_agency boolean, takes_part boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR $2 $f$;
      COMMENT ON FUNCTION lap.segment_visible(boolean, boolean) IS
        'Agencies see every segment (§A.3); a private-sector member only the segments it takes part in (§B.3), never LAW_ENFORCEMENT_ONLY ones.';

      CREATE FUNCTION lap.call_visible(is_agency boolean, takes_part boolean) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR $2 $f$;
      COMMENT ON FUNCTION lap.call_visible(boolean, boolean) IS
        'Agencies see every call (§A.3); private-sector members only calls with a segment they take part in (§B.3: "only in selected calls"), never one they are excluded from as a whole.';

      -- ---- cooperation -----------------------------------------------------------------------------------------------
      CREATE FUNCTION lap.report_row_visible(tlp text, is_member boolean, is_agency boolean, own boolean, named boolean)
        RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 = 'CLEAR' OR ($1 = 'GREEN' AND $2) OR ($1 IN ('AMBER', 'AMBER_STRICT') AND $3) OR $4 OR $5 $f$;
      COMMENT ON FUNCTION lap.report_row_visible(text, boolean, boolean, boolean, boolean) IS
        'Sector reports follow the case TLP rules with the author''s organization as lead (own) and the named recipients as the share (named) (§B.3.a).';

      CREATE FUNCTION lap.response_visible(is_coordinator boolean, is_agency boolean, confidential boolean, own boolean) RETURNS boolean
        LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR ($2 AND NOT $3) OR $4 $f$;
      COMMENT ON FUNCTION lap.response_visible(boolean, boolean, boolean, boolean) IS
        'Questionnaire responses: coordinators collect them all (§C.1); agencies the ones not marked confidential (¶ after §A.7); every member its own (§A.6, §B.4).';

      CREATE FUNCTION lap.questionnaire_response_visible(response_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.id = $1
                 AND lap.response_visible(lap.is_coordinator(), lap.is_agency(), r.confidential, lap.is_member() AND r.participant_id = lap.viewer_org())) $f$;
      COMMENT ON FUNCTION lap.questionnaire_response_visible(uuid) IS 'An answer is read with its response (§A.6, §B.4).';

      CREATE FUNCTION lap.questionnaire_response_owned(response_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.id = $1 AND r.participant_id = lap.viewer_org() AND lap.is_member()) $f$;
      COMMENT ON FUNCTION lap.questionnaire_response_owned(uuid) IS 'A participant answers for itself (§A.6, §B.4).';

      CREATE FUNCTION lap.training_visible(is_agency boolean, is_private boolean, audience text) RETURNS boolean LANGUAGE sql IMMUTABLE
        AS $f$ SELECT $1 OR ($2 AND $3 = 'JOINT') $f$;
      COMMENT ON FUNCTION lap.training_visible(boolean, boolean, text) IS
        'Agencies see every training (§A.3.f); private-sector members JOINT sessions only, "with private sector representatives" (§B.3.b).';
    `);

    await q.query(policies);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE enforcement_case ADD COLUMN summary text NOT NULL DEFAULT '', ADD COLUMN suspects text[] NOT NULL DEFAULT '{}',
        ADD COLUMN evidence text, ADD COLUMN investigator_notes text, ADD COLUMN victim_count integer NOT NULL DEFAULT 0,
        ADD COLUMN estimated_loss_usd bigint NOT NULL DEFAULT 0, ADD COLUMN vulnerable_victims boolean NOT NULL DEFAULT false,
        ADD COLUMN ongoing_harm boolean NOT NULL DEFAULT false;
      UPDATE enforcement_case c SET summary = t.summary, suspects = t.suspects, evidence = t.evidence, investigator_notes = t.investigator_notes,
        victim_count = t.victim_count, estimated_loss_usd = t.estimated_loss_usd, vulnerable_victims = t.vulnerable_victims,
        ongoing_harm = t.ongoing_harm FROM case_confidential t WHERE t.case_id = c.id;
      DROP TABLE case_confidential;
      DROP INDEX case_id_lead_idx;
      DROP SCHEMA lap CASCADE;
    `);
    const tables = (await q.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)) as Array<{ tablename: string }>;
    for (const { tablename } of tables) {
      await q.query(`ALTER TABLE ${tablename} NO FORCE ROW LEVEL SECURITY, DISABLE ROW LEVEL SECURITY`);
      await q.query(`REVOKE ALL ON ${tablename} FROM lap_viewer`);
    }
  }
}

/**
 * The policies, table by table. `(SELECT lap.fn())` makes PostgreSQL evaluate a viewer function once per statement
 * (an init plan), not once per row. Each table: RLS enabled and forced, the grants the rules need, one policy per
 * command the viewer may run.
 */
const policies = `
  -- countries are public (§A.2, §A.7); the agencies of a country designate its primary contact (§A.2)
  GRANT SELECT, UPDATE (primary_contact_id) ON country TO lap_viewer;
  CREATE POLICY country_read ON country FOR SELECT TO lap_viewer USING (true);
  CREATE POLICY country_contact ON country FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_agency()) AND code = (SELECT p.country_code FROM participant p WHERE p.id = (SELECT lap.viewer_org())))
    WITH CHECK ((SELECT lap.is_agency()) AND code = (SELECT p.country_code FROM participant p WHERE p.id = (SELECT lap.viewer_org())));

  -- endorsed (and withdrawn) participants are public (§C.1); applicants and rejected ones are for agencies, which may
  -- object (endorsement ¶ after §D), and for their own people
  GRANT SELECT, INSERT, UPDATE (point_of_contact_id) ON participant TO lap_viewer;
  CREATE POLICY participant_read ON participant FOR SELECT TO lap_viewer USING (lap.participant_visible(
    (SELECT lap.is_agency()), lap.participant_status(status, objection_deadline, id), id = (SELECT lap.viewer_own_org())));
  CREATE POLICY participant_apply ON participant FOR INSERT TO lap_viewer
    WITH CHECK ((SELECT lap.is_coordinator()) AND status = 'APPLIED' AND recorded_by_id = (SELECT lap.viewer_person()));
  CREATE POLICY participant_contact ON participant FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_member()) AND id = (SELECT lap.viewer_org())
      OR (SELECT lap.is_coordinator()) AND status = 'APPLIED' AND recorded_by_id = (SELECT lap.viewer_person()))
    WITH CHECK ((SELECT lap.is_member()) AND id = (SELECT lap.viewer_org())
      OR (SELECT lap.is_coordinator()) AND status = 'APPLIED' AND recorded_by_id = (SELECT lap.viewer_person()));

  -- people and their contact details: the network's members (§A.1, §B.1) see the people of endorsed participants,
  -- agencies every person, everyone themself; anonymous callers nobody else
  GRANT SELECT, INSERT ON person TO lap_viewer;
  CREATE POLICY person_read ON person FOR SELECT TO lap_viewer USING (lap.person_visible(
    (SELECT lap.is_agency()), id = (SELECT lap.viewer_person()),
    (SELECT lap.is_member()) AND organization_id IN (SELECT lap.listed_org_ids())));
  CREATE POLICY person_apply ON person FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_coordinator())
    AND EXISTS (SELECT 1 FROM participant p WHERE p.id = organization_id AND p.status = 'APPLIED' AND p.recorded_by_id = (SELECT lap.viewer_person())));

  -- cases (§A.3.a, §A.5, confidentiality ¶ after §A.7)
  GRANT SELECT, INSERT, UPDATE (title, status, categories, tlp, harm_score, updated_at) ON enforcement_case TO lap_viewer;
  CREATE POLICY case_read ON enforcement_case FOR SELECT TO lap_viewer USING (lap.case_row_visible(
    tlp, (SELECT lap.is_member()), (SELECT lap.is_agency()), lead_agency_id = (SELECT lap.viewer_org()),
    id IN (SELECT lap.viewer_shared_case_ids())));
  CREATE POLICY case_open ON enforcement_case FOR INSERT TO lap_viewer
    WITH CHECK (lap.case_editable(lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency())));
  CREATE POLICY case_edit ON enforcement_case FOR UPDATE TO lap_viewer
    USING (lap.case_editable(lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency())))
    WITH CHECK (lap.case_editable(lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency())));

  GRANT SELECT, INSERT, UPDATE (summary, suspects, evidence, investigator_notes, victim_count, estimated_loss_usd, vulnerable_victims, ongoing_harm)
    ON case_confidential TO lap_viewer;
  CREATE POLICY case_confidential_read ON case_confidential FOR SELECT TO lap_viewer USING (lap.case_tier_readable(
    lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency()), case_id IN (SELECT lap.viewer_shared_case_ids())));
  CREATE POLICY case_confidential_open ON case_confidential FOR INSERT TO lap_viewer
    WITH CHECK (lap.case_editable(lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency())));
  CREATE POLICY case_confidential_edit ON case_confidential FOR UPDATE TO lap_viewer
    USING (lap.case_editable(lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency())))
    WITH CHECK (lap.case_editable(lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency())));

  GRANT SELECT, INSERT, DELETE ON case_country TO lap_viewer;
  -- A part of a row is seen with its row. Written as a correlated scalar sub-select (one index probe per row, under the
  -- row's own policy): an EXISTS here would be planned as a hashed set of every case the viewer sees.
  CREATE POLICY case_country_read ON case_country FOR SELECT TO lap_viewer
    USING (coalesce((SELECT true FROM enforcement_case c WHERE c.id = case_country.case_id), false));
  CREATE POLICY case_country_add ON case_country FOR INSERT TO lap_viewer
    WITH CHECK (lap.case_editable(lap.case_lead(case_id) = (SELECT lap.viewer_org()), (SELECT lap.is_agency())));
  CREATE POLICY case_country_remove ON case_country FOR DELETE TO lap_viewer
    USING (lap.case_editable(lap.case_lead(case_id) = (SELECT lap.viewer_org()), (SELECT lap.is_agency())));

  -- shares are part of the confidential tier; only the lead agency grants and revokes them; RED names persons
  GRANT SELECT, INSERT, UPDATE (recipient_ids, granted_by_id, granted_at), DELETE ON case_share TO lap_viewer;
  -- (a share is readable with its case's tier: the tier's own policy decides, through the correlated EXISTS)
  CREATE POLICY case_share_read ON case_share FOR SELECT TO lap_viewer
    USING (coalesce((SELECT true FROM case_confidential t WHERE t.case_id = case_share.case_id), false));
  CREATE POLICY case_share_grant ON case_share FOR INSERT TO lap_viewer WITH CHECK (
    lap.case_editable(lap.case_lead(case_id) = (SELECT lap.viewer_org()), (SELECT lap.is_agency()))
    AND granted_by_id = (SELECT lap.viewer_person())
    AND (lap.case_tlp(case_id) <> 'RED' OR cardinality(recipient_ids) > 0));
  CREATE POLICY case_share_change ON case_share FOR UPDATE TO lap_viewer
    USING (lap.case_editable(lap.case_lead(case_id) = (SELECT lap.viewer_org()), (SELECT lap.is_agency())))
    WITH CHECK (lap.case_editable(lap.case_lead(case_id) = (SELECT lap.viewer_org()), (SELECT lap.is_agency()))
      AND granted_by_id = (SELECT lap.viewer_person())
      AND (lap.case_tlp(case_id) <> 'RED' OR cardinality(recipient_ids) > 0));
  CREATE POLICY case_share_revoke ON case_share FOR DELETE TO lap_viewer
    USING (lap.case_editable(lap.case_lead(case_id) = (SELECT lap.viewer_org()), (SELECT lap.is_agency())));

  -- conference calls (§A.3, §B.3, §C.2): coordinators set them up
  GRANT SELECT, INSERT, UPDATE (title) ON conference_call TO lap_viewer;
  CREATE POLICY call_read ON conference_call FOR SELECT TO lap_viewer
    USING (lap.call_visible((SELECT lap.is_agency()), id IN (SELECT lap.viewer_call_ids())));
  CREATE POLICY call_schedule ON conference_call FOR INSERT TO lap_viewer
    WITH CHECK ((SELECT lap.is_coordinator()) AND organizer_id = (SELECT lap.viewer_org()));
  -- UPDATE only so that a coordinator may lock a call while reordering its segments (SELECT … FOR UPDATE)
  CREATE POLICY call_manage ON conference_call FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_coordinator())) WITH CHECK ((SELECT lap.is_coordinator()));

  GRANT SELECT, INSERT, UPDATE (position, minutes, minutes_recorded_at) ON call_segment TO lap_viewer;
  CREATE POLICY segment_read ON call_segment FOR SELECT TO lap_viewer
    USING (lap.segment_visible((SELECT lap.is_agency()), id IN (SELECT lap.viewer_segment_ids())));
  CREATE POLICY segment_add ON call_segment FOR INSERT TO lap_viewer WITH CHECK ((SELECT lap.is_coordinator()));
  CREATE POLICY segment_manage ON call_segment FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_coordinator())) WITH CHECK ((SELECT lap.is_coordinator()));

  -- who takes part: agencies see every invitation; a member sees the members taking part in its segments (invited
  -- and not excluded), never who was kept out (§B.3, last ¶)
  GRANT SELECT, INSERT ON call_segment_invitation TO lap_viewer;
  CREATE POLICY invitation_read ON call_segment_invitation FOR SELECT TO lap_viewer USING (lap.invitation_visible(
    (SELECT lap.is_agency()), (segment_id, member_id) IN (SELECT p.segment_id, p.member_id FROM lap.viewer_segment_participants() p)));
  CREATE POLICY invitation_add ON call_segment_invitation FOR INSERT TO lap_viewer WITH CHECK ((SELECT lap.is_coordinator()));

  GRANT SELECT, INSERT ON call_segment_case TO lap_viewer;
  -- a link is seen only when both ends are: a visible segment and a case the viewer may see (the case rules)
  CREATE POLICY segment_case_read ON call_segment_case FOR SELECT TO lap_viewer
    USING (coalesce((SELECT true FROM call_segment s WHERE s.id = call_segment_case.segment_id), false)
      AND coalesce((SELECT true FROM enforcement_case c WHERE c.id = call_segment_case.case_id), false));
  CREATE POLICY segment_case_link ON call_segment_case FOR INSERT TO lap_viewer
    WITH CHECK ((SELECT lap.is_coordinator()) AND EXISTS (SELECT 1 FROM enforcement_case c WHERE c.id = case_id));

  -- objections to a member's participation: agencies only, never the member (§B.3, last ¶)
  GRANT SELECT, INSERT, UPDATE (withdrawn_at) ON call_exclusion TO lap_viewer;
  CREATE POLICY exclusion_read ON call_exclusion FOR SELECT TO lap_viewer USING ((SELECT lap.is_agency()));
  CREATE POLICY exclusion_object ON call_exclusion FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_agency()) AND objecting_agency_id = (SELECT lap.viewer_org()) AND objected_by_id = (SELECT lap.viewer_person()));
  CREATE POLICY exclusion_withdraw ON call_exclusion FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_agency()) AND objecting_agency_id = (SELECT lap.viewer_org()))
    WITH CHECK ((SELECT lap.is_agency()) AND objecting_agency_id = (SELECT lap.viewer_org()));

  -- objections to an application: agencies only ("as long as no Agency … objects", endorsement ¶ after §D)
  GRANT SELECT, INSERT, UPDATE (withdrawn_at) ON endorsement_objection TO lap_viewer;
  CREATE POLICY objection_read ON endorsement_objection FOR SELECT TO lap_viewer USING ((SELECT lap.is_agency()));
  CREATE POLICY objection_object ON endorsement_objection FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()) AND objected_by_id = (SELECT lap.viewer_person()));
  CREATE POLICY objection_withdraw ON endorsement_objection FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()))
    WITH CHECK ((SELECT lap.is_agency()) AND agency_id = (SELECT lap.viewer_org()));

  -- requests for assistance (§A.5, §B.4): requester, recipient and the coordinators, who keep the records (§C.1)
  GRANT SELECT, INSERT, UPDATE (status, response, acknowledged_at, answered_at) ON assistance_request TO lap_viewer;
  CREATE POLICY request_read ON assistance_request FOR SELECT TO lap_viewer USING (
    (SELECT lap.is_coordinator())
    OR requester_id = (SELECT lap.viewer_org()) OR recipient_id = (SELECT lap.viewer_org()));
  CREATE POLICY request_ask ON assistance_request FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_agency()) AND requester_id = (SELECT lap.viewer_org()) AND requested_by_id = (SELECT lap.viewer_person()));
  CREATE POLICY request_move ON assistance_request FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_member()) AND (requester_id = (SELECT lap.viewer_org()) OR recipient_id = (SELECT lap.viewer_org())))
    WITH CHECK ((SELECT lap.is_member()) AND (requester_id = (SELECT lap.viewer_org()) OR recipient_id = (SELECT lap.viewer_org())));

  -- sector reports (§B.3.a)
  GRANT SELECT, INSERT ON sector_report TO lap_viewer;
  CREATE POLICY report_read ON sector_report FOR SELECT TO lap_viewer USING (lap.report_row_visible(
    tlp, (SELECT lap.is_member()), (SELECT lap.is_agency()), author_org_id = (SELECT lap.viewer_org()),
    (SELECT lap.is_member()) AND (SELECT lap.viewer_person()) = ANY (recipient_ids)));
  CREATE POLICY report_publish ON sector_report FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_member()) AND author_org_id = (SELECT lap.viewer_org()) AND author_id = (SELECT lap.viewer_person()));

  -- questionnaires (§A.6, §B.4, §C.1): for the network's members
  GRANT SELECT ON questionnaire, questionnaire_question TO lap_viewer;
  CREATE POLICY questionnaire_read ON questionnaire FOR SELECT TO lap_viewer USING ((SELECT lap.is_member()));
  CREATE POLICY question_read ON questionnaire_question FOR SELECT TO lap_viewer USING ((SELECT lap.is_member()));

  GRANT SELECT, INSERT, UPDATE (confidential, updated_at) ON questionnaire_response TO lap_viewer;
  CREATE POLICY response_read ON questionnaire_response FOR SELECT TO lap_viewer USING (lap.response_visible(
    (SELECT lap.is_coordinator()), (SELECT lap.is_agency()), confidential,
    (SELECT lap.is_member()) AND participant_id = (SELECT lap.viewer_org())));
  CREATE POLICY response_answer ON questionnaire_response FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_member()) AND participant_id = (SELECT lap.viewer_org()) AND submitted_by_id = (SELECT lap.viewer_person()));
  CREATE POLICY response_change ON questionnaire_response FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_member()) AND participant_id = (SELECT lap.viewer_org()))
    WITH CHECK ((SELECT lap.is_member()) AND participant_id = (SELECT lap.viewer_org()));

  GRANT SELECT, INSERT, UPDATE (text) ON questionnaire_answer TO lap_viewer;
  CREATE POLICY answer_read ON questionnaire_answer FOR SELECT TO lap_viewer USING (lap.questionnaire_response_visible(response_id));
  CREATE POLICY answer_write ON questionnaire_answer FOR INSERT TO lap_viewer WITH CHECK (lap.questionnaire_response_owned(response_id));
  CREATE POLICY answer_change ON questionnaire_answer FOR UPDATE TO lap_viewer
    USING (lap.questionnaire_response_owned(response_id)) WITH CHECK (lap.questionnaire_response_owned(response_id));

  -- the resource list (§B.2): the network's members see entries of endorsed organizations; private-sector members
  -- list and unlist their own people
  GRANT SELECT, INSERT, DELETE ON resource_list_entry TO lap_viewer;
  CREATE POLICY resource_read ON resource_list_entry FOR SELECT TO lap_viewer
    USING ((SELECT lap.is_member()) AND organization_id IN (SELECT lap.listed_org_ids()));
  CREATE POLICY resource_add ON resource_list_entry FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_private()) AND organization_id = (SELECT lap.viewer_org()) AND added_by_id = (SELECT lap.viewer_person()));
  CREATE POLICY resource_remove ON resource_list_entry FOR DELETE TO lap_viewer
    USING ((SELECT lap.is_private()) AND organization_id = (SELECT lap.viewer_org()));

  -- trainings (§A.3.f, §B.3.b): agencies every session, private-sector members JOINT ones; agencies schedule
  GRANT SELECT, INSERT ON training_session TO lap_viewer;
  CREATE POLICY training_read ON training_session FOR SELECT TO lap_viewer
    USING (lap.training_visible((SELECT lap.is_agency()), (SELECT lap.is_private()), audience));
  CREATE POLICY training_schedule ON training_session FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_agency()) AND organizer_id = (SELECT lap.viewer_org()) AND scheduled_by_id = (SELECT lap.viewer_person()));
  GRANT SELECT, INSERT ON training_host TO lap_viewer;
  CREATE POLICY training_host_read ON training_host FOR SELECT TO lap_viewer
    USING (EXISTS (SELECT 1 FROM training_session t WHERE t.id = training_id));
  CREATE POLICY training_host_add ON training_host FOR INSERT TO lap_viewer WITH CHECK ((SELECT lap.is_agency()));

  -- education projects (§A.3.e, §A.4): every member sees them; the leading organization changes its own
  GRANT SELECT, INSERT, UPDATE (title, description, themes, status, website_url, updated_at) ON education_project TO lap_viewer;
  CREATE POLICY education_read ON education_project FOR SELECT TO lap_viewer USING ((SELECT lap.is_member()));
  CREATE POLICY education_start ON education_project FOR INSERT TO lap_viewer WITH CHECK (
    (SELECT lap.is_member()) AND lead_organization_id = (SELECT lap.viewer_org()) AND started_by_id = (SELECT lap.viewer_person()));
  CREATE POLICY education_change ON education_project FOR UPDATE TO lap_viewer
    USING ((SELECT lap.is_member()) AND lead_organization_id = (SELECT lap.viewer_org()))
    WITH CHECK ((SELECT lap.is_member()) AND lead_organization_id = (SELECT lap.viewer_org()));
  GRANT SELECT, INSERT, DELETE ON education_project_partner TO lap_viewer;
  CREATE POLICY education_partner_read ON education_project_partner FOR SELECT TO lap_viewer USING ((SELECT lap.is_member()));
  CREATE POLICY education_partner_add ON education_project_partner FOR INSERT TO lap_viewer WITH CHECK (
    EXISTS (SELECT 1 FROM education_project ep WHERE ep.id = project_id AND ep.lead_organization_id = (SELECT lap.viewer_org())));
  CREATE POLICY education_partner_remove ON education_project_partner FOR DELETE TO lap_viewer USING (
    EXISTS (SELECT 1 FROM education_project ep WHERE ep.id = project_id AND ep.lead_organization_id = (SELECT lap.viewer_org())));

  -- the migrations table is the owner's alone
  CREATE POLICY migrations_none ON migrations FOR ALL TO lap_viewer USING (false);

  DO $$ DECLARE t text; BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
      EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY', t);
    END LOOP;
  END $$;
`;
