import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A withdrawn agency's people stop being countries' primary contacts, in the withdrawal itself (§A.2: the coordinating
 * contact among the country's agencies; the field is nullable). WithdrawnNoPrimaryContact refused the withdrawal
 * instead, which left no way out for a country's only agency: "designate someone else first" could name only another
 * person of that same agency, and nothing clears a primary contact (a probe: `withdraw "US Federal Trade Commission"`
 * on the demo network). The country has no primary contact until one of its agencies designates one. Cleared by a
 * statement of its own once the agency's row is held, so a designation committed while the withdrawal waited for that
 * row is cleared too; one sent after is refused (lap.primary_contact_agency).
 */
export class WithdrawnContactsCleared1765000000000 implements MigrationInterface {
  name = 'WithdrawnContactsCleared1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER participant_withdrawn_no_primary_contact ON participant;
      DROP FUNCTION lap.withdrawn_no_primary_contact();
      CREATE FUNCTION lap.withdrawn_contacts_cleared() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          IF NEW.status = 'WITHDRAWN' AND OLD.status IS DISTINCT FROM 'WITHDRAWN' THEN
            UPDATE country c SET primary_contact_id = NULL
              WHERE c.primary_contact_id IN (SELECT pe.id FROM person pe WHERE pe.organization_id = NEW.id);
          END IF;
          RETURN NULL;
        END $f$;
      COMMENT ON FUNCTION lap.withdrawn_contacts_cleared() IS
        'A withdrawn agency''s people are no country''s primary contact any more (§A.2), cleared in the withdrawal under its row''s lock.';
      CREATE TRIGGER participant_withdrawn_contacts_cleared AFTER UPDATE OF status ON participant
        FOR EACH ROW EXECUTE FUNCTION lap.withdrawn_contacts_cleared();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER participant_withdrawn_contacts_cleared ON participant;
      DROP FUNCTION lap.withdrawn_contacts_cleared();
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
}
