import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Rules that two requests at once could each pass and together break, decided where both must meet (as
 * RedSharesNamed did for TLP:RED and whole-organization shares):
 *
 * - **Contacts who leave.** A participant's point of contact (§A.1, §B.1) and a country's primary contact (§A.2) is
 *   someone who has not left the network; `npm run admin -- leave` refuses a person who is one. Designating a person
 *   while they left (the leave's check read before the designation committed, the designation's before the leave did)
 *   named as the network's contact someone whose credentials are refused. A designation now locks the person's row
 *   (FOR SHARE) and is refused when they have left; a leave, which locks the row by its UPDATE, is refused while they
 *   are anyone's contact, read by a statement of its own once the lock is held. Whichever comes second waits and is
 *   refused.
 * - **The objection window** (endorsement ¶ after §D): an objection, or its withdrawal, is made while the application's
 *   window is open at the request's clock (the policies, at `lap.now()`, when the transaction began). One that waited
 *   (for another agency's objection, for a lock) and committed after the deadline changed, after the fact, a status
 *   readers had already been told (ENDORSED, then REJECTED: a member meanwhile, then never one). It is now checked
 *   again when the transaction commits, at the request's clock plus the time it took: an objection or withdrawal that
 *   would land after the deadline is refused, and the status stays what it was at the deadline. Writes outside a
 *   request (the demo seed, tests' fixtures: no request clock) are not the window's business.
 */
export class RulesAcrossRequests1764960000000 implements MigrationInterface {
  name = 'RulesAcrossRequests1764960000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.contact_present() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ DECLARE
          contact uuid := (to_jsonb(NEW) ->> TG_ARGV[0])::uuid;
          gone timestamptz;
        BEGIN
          IF contact IS NOT NULL THEN
            SELECT pe.left_at INTO gone FROM person pe WHERE pe.id = contact FOR SHARE;
            IF gone IS NOT NULL THEN
              RAISE EXCEPTION 'a person who has left the network is nobody''s contact'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'contact_present', TABLE = TG_TABLE_NAME;
            END IF;
          END IF;
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.contact_present() IS
        'A point of contact (§A.1, §B.1) or a country''s primary contact (§A.2) has not left the network, decided under the person row''s lock.';
      CREATE TRIGGER participant_contact_present BEFORE INSERT OR UPDATE OF point_of_contact_id ON participant
        FOR EACH ROW EXECUTE FUNCTION lap.contact_present('point_of_contact_id');
      CREATE TRIGGER country_contact_present BEFORE INSERT OR UPDATE OF primary_contact_id ON country
        FOR EACH ROW EXECUTE FUNCTION lap.contact_present('primary_contact_id');

      CREATE FUNCTION lap.contact_stays() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          IF NEW.left_at IS NOT NULL AND OLD.left_at IS NULL
             AND (EXISTS (SELECT 1 FROM participant p WHERE p.point_of_contact_id = NEW.id)
                  OR EXISTS (SELECT 1 FROM country c WHERE c.primary_contact_id = NEW.id)) THEN
            RAISE EXCEPTION 'a point of contact or a primary contact leaves only once someone else is designated'
              USING ERRCODE = 'check_violation', CONSTRAINT = 'contact_stays', TABLE = 'person';
          END IF;
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.contact_stays() IS
        'A point of contact or a country''s primary contact leaves the network only once someone else is designated, decided under the person row''s lock.';
      CREATE TRIGGER person_contact_stays BEFORE UPDATE OF left_at ON person
        FOR EACH ROW EXECUTE FUNCTION lap.contact_stays();

      CREATE FUNCTION lap.objection_in_window() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ DECLARE
          application participant%ROWTYPE;
        BEGIN
          IF nullif(current_setting('lap.now', true), '') IS NULL THEN
            RETURN NULL;
          END IF;
          SELECT * INTO application FROM participant p WHERE p.id = NEW.participant_id;
          -- The request's clock as it stands at commit: when it began (lap.now()), plus the time its transaction took.
          IF NOT lap.objection_window_open(application.status, application.objection_deadline, lap.now() + (clock_timestamp() - now())) THEN
            RAISE EXCEPTION 'The objection window closed before this could be recorded: the application''s status was settled at its deadline'
              USING ERRCODE = 'check_violation', CONSTRAINT = 'objection_in_window', TABLE = 'endorsement_objection';
          END IF;
          RETURN NULL;
        END $f$;
      COMMENT ON FUNCTION lap.objection_in_window() IS
        'An objection, or its withdrawal, lands while the objection window is open (endorsement ¶ after §D): checked when the request''s transaction commits.';
      CREATE CONSTRAINT TRIGGER endorsement_objection_in_window AFTER INSERT OR UPDATE OF withdrawn_at ON endorsement_objection
        DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION lap.objection_in_window();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER endorsement_objection_in_window ON endorsement_objection;
      DROP FUNCTION lap.objection_in_window();
      DROP TRIGGER person_contact_stays ON person;
      DROP FUNCTION lap.contact_stays();
      DROP TRIGGER country_contact_present ON country;
      DROP TRIGGER participant_contact_present ON participant;
      DROP FUNCTION lap.contact_present();
    `);
  }
}
