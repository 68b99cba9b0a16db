import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The people (§A.1, §B.1 points of contact) and the resource-list entries (§B.2) of endorsed participants are the
 * network's: a member of the network reads them. The rule is unchanged; how a policy asks whether a row's organization
 * is endorsed now changes.
 *
 * Before, both policies asked `organization_id IN (SELECT lap.listed_org_ids())`: every participant, its status computed
 * now, hashed, for each statement that reads a person as a member of the network — about 2 ms for 2,000 participants,
 * for a statement that looks up the three people of a case's shares. Now each policy asks for the row's own organization
 * (`EXISTS` on `participant`): PostgreSQL probes the primary key for a few rows, or hashes the endorsed participants once
 * for a scan over many, as it chooses for the case policies (migration CaseReach).
 *
 * The participant is read under its own policy. That policy shows every participant endorsed now to every member
 * (`lap.participant_visible`), so it hides nothing this question asks about: the answer is the one of
 * `lap.listed_org_ids()`, which is dropped. test/db/listed-people-migration.test.ts compares both definitions on
 * generated participants of every status, as every kind of viewer.
 */
const LISTED = (orgColumn: string) =>
  `EXISTS (SELECT 1 FROM participant p WHERE p.id = ${orgColumn} AND lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED')`;

export class ListedPeople1764910000000 implements MigrationInterface {
  name = 'ListedPeople1764910000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP POLICY person_read ON person;
      CREATE POLICY person_read ON person FOR SELECT TO lap_viewer USING (lap.person_visible(
        (SELECT lap.is_agency()), id = (SELECT lap.viewer_person()),
        (SELECT lap.is_member()) AND ${LISTED('person.organization_id')}));
      DROP POLICY resource_read ON resource_list_entry;
      CREATE POLICY resource_read ON resource_list_entry FOR SELECT TO lap_viewer
        USING ((SELECT lap.is_member()) AND ${LISTED('resource_list_entry.organization_id')});
      DROP FUNCTION lap.listed_org_ids();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.listed_org_ids() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT p.id FROM participant p WHERE lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED' $f$;
      COMMENT ON FUNCTION lap.listed_org_ids() IS 'The participants endorsed now: their people and resource-list entries are the network''s (§A.1, §B.1, §B.2).';
      DROP POLICY person_read ON person;
      CREATE POLICY person_read ON person FOR SELECT TO lap_viewer USING (lap.person_visible(
        (SELECT lap.is_agency()), id = (SELECT lap.viewer_person()),
        (SELECT lap.is_member()) AND organization_id IN (SELECT lap.listed_org_ids())));
      DROP POLICY resource_read ON resource_list_entry;
      CREATE POLICY resource_read ON resource_list_entry FOR SELECT TO lap_viewer
        USING ((SELECT lap.is_member()) AND organization_id IN (SELECT lap.listed_org_ids()));
    `);
  }
}
