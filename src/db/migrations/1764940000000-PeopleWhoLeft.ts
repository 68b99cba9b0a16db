import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A person can leave the network without their organization leaving it (`npm run admin -- leave <email>`): `left_at`
 * records when. From that moment the credential's lookup (`lap.viewer_of`) no longer finds them, so a token naming
 * them — the hub's own (by person id) or an identity provider's (by email) — is refused on its next request, and their
 * open subscriptions are closed at the next delivery (the dispatcher asks the same function). The row stays: shares
 * they granted, minutes, reports and requests keep naming them, and readers of those records still read them under
 * person_read. Their resource-list entry (§B.2: whom to ask) is withheld while they are gone: resource_read admits an
 * entry only while its person has not left. `npm run admin -- reinstate <email>` clears `left_at`, and all of it is back.
 *
 * `lap.viewer_of` is the PL/pgSQL wrapper DefinerPlansKept made of it, with the one condition added.
 */
const viewerOf = (condition: string) => `
  CREATE OR REPLACE FUNCTION lap.viewer_of(person uuid, email text, at timestamptz)
    RETURNS TABLE (person_id uuid, own_org uuid, kind text)
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    AS $lap_body$BEGIN RETURN QUERY SELECT pe.id, pe.organization_id,
            CASE WHEN CASE WHEN p.status = 'APPLIED' AND p.objection_deadline <= $3 THEN lap.settled_status(p.id, p.objection_deadline)
                           ELSE p.status END <> 'ENDORSED' THEN 'ANONYMOUS'
                 WHEN p.kind = 'AGENCY' AND p.is_coordinator THEN 'COORDINATOR'
                 WHEN p.kind = 'AGENCY' THEN 'AGENCY'
                 ELSE 'PRIVATE' END
          FROM person pe JOIN participant p ON p.id = pe.organization_id
          WHERE (($1 IS NOT NULL AND pe.id = $1) OR ($1 IS NULL AND lower(pe.email) = lower($2)))${condition}; END$lap_body$;
  COMMENT ON FUNCTION lap.viewer_of(uuid, text, timestamptz) IS
    'Who a verified token names, and as which kind of viewer (DOMAIN §2); nobody for a person who has left the network.';
`;

const LISTED = `EXISTS (SELECT 1 FROM participant p WHERE p.id = resource_list_entry.organization_id AND lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED')`;

export class PeopleWhoLeft1764940000000 implements MigrationInterface {
  name = 'PeopleWhoLeft1764940000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE person ADD COLUMN left_at timestamptz`);
    await q.query(viewerOf(' AND pe.left_at IS NULL'));
    await q.query(`
      DROP POLICY resource_read ON resource_list_entry;
      CREATE POLICY resource_read ON resource_list_entry FOR SELECT TO lap_viewer
        USING ((SELECT lap.is_member()) AND ${LISTED}
          AND EXISTS (SELECT 1 FROM person pe WHERE pe.id = resource_list_entry.person_id AND pe.left_at IS NULL));
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP POLICY resource_read ON resource_list_entry;
      CREATE POLICY resource_read ON resource_list_entry FOR SELECT TO lap_viewer USING ((SELECT lap.is_member()) AND ${LISTED});
    `);
    await q.query(viewerOf(''));
    await q.query(`COMMENT ON FUNCTION lap.viewer_of(uuid, text, timestamptz) IS 'Who a verified token names, and as which kind of viewer (DOMAIN §2).'`);
    await q.query(`ALTER TABLE person DROP COLUMN left_at`);
  }
}
