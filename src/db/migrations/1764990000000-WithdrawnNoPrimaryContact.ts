import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An agency is not withdrawn while one of its people is a country's primary contact (§A.2: the coordinating contact
 * among the country's agencies; `npm run admin -- withdraw` says to designate someone else first). The CLI checked it
 * before its UPDATE, so a designation committed while the withdrawal waited for the agency's row (the designation locks
 * it, lap.primary_contact_agency) still landed. The withdrawal now decides it once it holds the row, by a statement of
 * its own: whichever comes second is refused. For every writer: a withdrawn agency's person as a country's contact is
 * a state no one should build.
 */
export class WithdrawnNoPrimaryContact1764990000000 implements MigrationInterface {
  name = 'WithdrawnNoPrimaryContact1764990000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.withdrawn_no_primary_contact() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          IF NEW.status = 'WITHDRAWN' AND OLD.status IS DISTINCT FROM 'WITHDRAWN'
             AND EXISTS (SELECT 1 FROM country c JOIN person pe ON pe.id = c.primary_contact_id WHERE pe.organization_id = NEW.id) THEN
            RAISE EXCEPTION 'an agency one of whose people is a country''s primary contact is withdrawn only once someone else is designated'
              USING ERRCODE = 'check_violation', CONSTRAINT = 'primary_contact_stays', TABLE = 'participant';
          END IF;
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.withdrawn_no_primary_contact() IS
        'An agency is withdrawn only once none of its people is a country''s primary contact (§A.2), decided under its row''s lock.';
      CREATE TRIGGER participant_withdrawn_no_primary_contact BEFORE UPDATE OF status ON participant
        FOR EACH ROW EXECUTE FUNCTION lap.withdrawn_no_primary_contact();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER participant_withdrawn_no_primary_contact ON participant;
      DROP FUNCTION lap.withdrawn_no_primary_contact();
    `);
  }
}
