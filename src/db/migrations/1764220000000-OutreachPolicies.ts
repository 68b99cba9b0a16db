import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outreach areas' write rules as SQL functions (issue: policy by construction): questionnaires (§A.6, §B.4, §C.1),
 * the resource list (§B.2), trainings (§A.3.f, §B.3.b) and education projects (§A.3.e, §A.4). Each condition is one
 * function; the policies call them, and so do the statements that load a row for `viewerCan` and the mutation rules,
 * so that TypeScript never re-decides who may change a row.
 *
 * What the RowLevelSecurity migration's policies for these tables missed, fixed here:
 * - a response could be inserted for a questionnaire not addressed to the viewer's kind of participant (a
 *   private-sector member answering the agencies' OECD questionnaire);
 * - a resource-list entry could name a person of another organization, filed under the viewer's own;
 * - any agency could add hosts to any training session, not only to the ones its agency organizes.
 */
export class OutreachPolicies1764220000000 implements MigrationInterface {
  name = 'OutreachPolicies1764220000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- ---- questionnaires ------------------------------------------------------------------------------------------
      CREATE FUNCTION lap.questionnaire_addressed(audience text) RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT ($1 = 'AGENCIES' AND lap.is_agency()) OR ($1 = 'PRIVATE_SECTOR' AND lap.is_private()) $f$;
      COMMENT ON FUNCTION lap.questionnaire_addressed(text) IS
        'A questionnaire is answered by its audience: the OECD questionnaire by the agencies (§A.6), the private-sector questions by private-sector members (§B.4).';

      CREATE FUNCTION lap.questionnaire_audience(questionnaire_id uuid) RETURNS text
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT qn.audience FROM questionnaire qn WHERE qn.id = $1 $f$;
      COMMENT ON FUNCTION lap.questionnaire_audience(uuid) IS 'The audience of a questionnaire, for the policy on its responses (§A.6, §B.4).';

      CREATE FUNCTION lap.viewer_answered(questionnaire_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.questionnaire_id = $1 AND r.participant_id = lap.viewer_org()) $f$;
      COMMENT ON FUNCTION lap.viewer_answered(uuid) IS 'The viewer''s organization has answered this questionnaire: a participant answers once, for itself (§A.6, §B.4).';

      CREATE FUNCTION lap.questionnaire_respondable(questionnaire_id uuid, audience text) RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.questionnaire_addressed($2) AND NOT lap.viewer_answered($1) $f$;
      COMMENT ON FUNCTION lap.questionnaire_respondable(uuid, text) IS
        'The viewer may submit its organization''s response: a member of the questionnaire''s audience that has not answered yet (§A.6, §B.4).';

      CREATE FUNCTION lap.response_editable(participant_id uuid) RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.is_member() AND $1 = lap.viewer_org() $f$;
      COMMENT ON FUNCTION lap.response_editable(uuid) IS
        'A participant answers for itself (§A.6, §B.4): only its own people submit and change its response; coordinators collect responses (§C.1) but change none.';

      CREATE OR REPLACE FUNCTION lap.questionnaire_response_owned(response_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.id = $1 AND lap.response_editable(r.participant_id)) $f$;
      COMMENT ON FUNCTION lap.questionnaire_response_owned(uuid) IS 'The answers of a response are written by the responding participant''s people (§A.6, §B.4).';

      CREATE FUNCTION lap.questionnaire_outstanding_readable() RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.is_coordinator() $f$;
      COMMENT ON FUNCTION lap.questionnaire_outstanding_readable() IS
        'Who has not answered a questionnaire yet: the coordinators, who collect the responses (§C.1); for anyone else it is no figure they could count.';

      DROP POLICY response_answer ON questionnaire_response;
      CREATE POLICY response_answer ON questionnaire_response FOR INSERT TO lap_viewer WITH CHECK (
        lap.response_editable(participant_id) AND submitted_by_id = (SELECT lap.viewer_person())
        AND lap.questionnaire_addressed(lap.questionnaire_audience(questionnaire_id)));
      DROP POLICY response_change ON questionnaire_response;
      CREATE POLICY response_change ON questionnaire_response FOR UPDATE TO lap_viewer
        USING (lap.response_editable(participant_id)) WITH CHECK (lap.response_editable(participant_id));

      -- ---- the resource list ---------------------------------------------------------------------------------------
      CREATE FUNCTION lap.resource_entry_manageable(organization_id uuid) RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.is_private() AND $1 = lap.viewer_org() $f$;
      COMMENT ON FUNCTION lap.resource_entry_manageable(uuid) IS
        'Private-sector representatives establish the resource list (§B.2): each organization lists and unlists its own people only.';

      CREATE FUNCTION lap.person_organization(person_id uuid) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT pe.organization_id FROM person pe WHERE pe.id = $1 $f$;
      COMMENT ON FUNCTION lap.person_organization(uuid) IS 'The organization a person belongs to (§A.1, §B.1), for the policies of rows that name a person.';

      DROP POLICY resource_add ON resource_list_entry;
      CREATE POLICY resource_add ON resource_list_entry FOR INSERT TO lap_viewer WITH CHECK (
        lap.resource_entry_manageable(organization_id) AND lap.person_organization(person_id) = organization_id
        AND added_by_id = (SELECT lap.viewer_person()));
      DROP POLICY resource_remove ON resource_list_entry;
      CREATE POLICY resource_remove ON resource_list_entry FOR DELETE TO lap_viewer USING (lap.resource_entry_manageable(organization_id));

      -- ---- trainings -----------------------------------------------------------------------------------------------
      CREATE FUNCTION lap.training_schedulable(organizer_id uuid) RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.is_agency() AND $1 = lap.viewer_org() $f$;
      COMMENT ON FUNCTION lap.training_schedulable(uuid) IS
        'Agencies take part in joint training sessions (§A.3.f) and schedule them for their own agency; the private sector assists (§B.3.b).';

      CREATE FUNCTION lap.training_organizer(training_id uuid) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT t.organizer_id FROM training_session t WHERE t.id = $1 $f$;
      COMMENT ON FUNCTION lap.training_organizer(uuid) IS 'The agency that organizes a training session, for the policy on its hosts (§A.3.f).';

      DROP POLICY training_schedule ON training_session;
      CREATE POLICY training_schedule ON training_session FOR INSERT TO lap_viewer WITH CHECK (
        lap.training_schedulable(organizer_id) AND scheduled_by_id = (SELECT lap.viewer_person()));
      DROP POLICY training_host_add ON training_host;
      CREATE POLICY training_host_add ON training_host FOR INSERT TO lap_viewer
        WITH CHECK (lap.training_schedulable(lap.training_organizer(training_id)));

      -- ---- education projects --------------------------------------------------------------------------------------
      CREATE FUNCTION lap.education_project_editable(lead_organization_id uuid) RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.is_member() AND $1 = lap.viewer_org() $f$;
      COMMENT ON FUNCTION lap.education_project_editable(uuid) IS
        'Members undertake education projects (§A.3.e; the private sector''s own initiatives, §A.4); only the leading organization changes a project and its partners.';

      CREATE FUNCTION lap.education_project_lead(project_id uuid) RETURNS uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT ep.lead_organization_id FROM education_project ep WHERE ep.id = $1 $f$;
      COMMENT ON FUNCTION lap.education_project_lead(uuid) IS 'The organization leading an education project, for the policy on its partners (§A.3.e).';

      DROP POLICY education_start ON education_project;
      CREATE POLICY education_start ON education_project FOR INSERT TO lap_viewer WITH CHECK (
        lap.education_project_editable(lead_organization_id) AND started_by_id = (SELECT lap.viewer_person()));
      DROP POLICY education_change ON education_project;
      CREATE POLICY education_change ON education_project FOR UPDATE TO lap_viewer
        USING (lap.education_project_editable(lead_organization_id)) WITH CHECK (lap.education_project_editable(lead_organization_id));
      DROP POLICY education_partner_add ON education_project_partner;
      CREATE POLICY education_partner_add ON education_project_partner FOR INSERT TO lap_viewer
        WITH CHECK (lap.education_project_editable(lap.education_project_lead(project_id)));
      DROP POLICY education_partner_remove ON education_project_partner;
      CREATE POLICY education_partner_remove ON education_project_partner FOR DELETE TO lap_viewer
        USING (lap.education_project_editable(lap.education_project_lead(project_id)));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    // The RowLevelSecurity migration's policies and functions, as they were.
    await q.query(`
      DROP POLICY response_answer ON questionnaire_response;
      CREATE POLICY response_answer ON questionnaire_response FOR INSERT TO lap_viewer WITH CHECK (
        (SELECT lap.is_member()) AND participant_id = (SELECT lap.viewer_org()) AND submitted_by_id = (SELECT lap.viewer_person()));
      DROP POLICY response_change ON questionnaire_response;
      CREATE POLICY response_change ON questionnaire_response FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_member()) AND participant_id = (SELECT lap.viewer_org()))
        WITH CHECK ((SELECT lap.is_member()) AND participant_id = (SELECT lap.viewer_org()));
      CREATE OR REPLACE FUNCTION lap.questionnaire_response_owned(response_id uuid) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.id = $1 AND r.participant_id = lap.viewer_org() AND lap.is_member()) $f$;
      COMMENT ON FUNCTION lap.questionnaire_response_owned(uuid) IS 'A participant answers for itself (§A.6, §B.4).';

      DROP POLICY resource_add ON resource_list_entry;
      CREATE POLICY resource_add ON resource_list_entry FOR INSERT TO lap_viewer WITH CHECK (
        (SELECT lap.is_private()) AND organization_id = (SELECT lap.viewer_org()) AND added_by_id = (SELECT lap.viewer_person()));
      DROP POLICY resource_remove ON resource_list_entry;
      CREATE POLICY resource_remove ON resource_list_entry FOR DELETE TO lap_viewer
        USING ((SELECT lap.is_private()) AND organization_id = (SELECT lap.viewer_org()));

      DROP POLICY training_schedule ON training_session;
      CREATE POLICY training_schedule ON training_session FOR INSERT TO lap_viewer WITH CHECK (
        (SELECT lap.is_agency()) AND organizer_id = (SELECT lap.viewer_org()) AND scheduled_by_id = (SELECT lap.viewer_person()));
      DROP POLICY training_host_add ON training_host;
      CREATE POLICY training_host_add ON training_host FOR INSERT TO lap_viewer WITH CHECK ((SELECT lap.is_agency()));

      DROP POLICY education_start ON education_project;
      CREATE POLICY education_start ON education_project FOR INSERT TO lap_viewer WITH CHECK (
        (SELECT lap.is_member()) AND lead_organization_id = (SELECT lap.viewer_org()) AND started_by_id = (SELECT lap.viewer_person()));
      DROP POLICY education_change ON education_project;
      CREATE POLICY education_change ON education_project FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_member()) AND lead_organization_id = (SELECT lap.viewer_org()))
        WITH CHECK ((SELECT lap.is_member()) AND lead_organization_id = (SELECT lap.viewer_org()));
      DROP POLICY education_partner_add ON education_project_partner;
      CREATE POLICY education_partner_add ON education_project_partner FOR INSERT TO lap_viewer WITH CHECK (
        EXISTS (SELECT 1 FROM education_project ep WHERE ep.id = project_id AND ep.lead_organization_id = (SELECT lap.viewer_org())));
      DROP POLICY education_partner_remove ON education_project_partner;
      CREATE POLICY education_partner_remove ON education_project_partner FOR DELETE TO lap_viewer USING (
        EXISTS (SELECT 1 FROM education_project ep WHERE ep.id = project_id AND ep.lead_organization_id = (SELECT lap.viewer_org())));

      DROP FUNCTION lap.questionnaire_outstanding_readable(), lap.questionnaire_respondable(uuid, text), lap.viewer_answered(uuid),
        lap.questionnaire_audience(uuid), lap.questionnaire_addressed(text), lap.response_editable(uuid),
        lap.resource_entry_manageable(uuid), lap.person_organization(uuid), lap.training_schedulable(uuid), lap.training_organizer(uuid),
        lap.education_project_editable(uuid), lap.education_project_lead(uuid);
    `);
  }
}
