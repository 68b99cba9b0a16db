import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The network keeps an endorsed coordinator: one who schedules the calls and records applications (§C.1, §C.2). A
 * coordinator is withdrawn only while another endorsed coordinator remains, decided in the withdrawal itself: one
 * withdrawal of a coordinator at a time (a transaction-scoped advisory lock), each asking afresh once it holds the
 * lock. `npm run admin -- withdraw` checked it in its statement's snapshot, where two withdrawals at once each saw the
 * other's coordinator endorsed and both went through (a probe, on its fourth try).
 */
export class LastCoordinatorStays1765020000000 implements MigrationInterface {
  name = 'LastCoordinatorStays1765020000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.last_coordinator_stays() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          IF NEW.status = 'WITHDRAWN' AND OLD.status IS DISTINCT FROM 'WITHDRAWN' AND OLD.is_coordinator THEN
            PERFORM pg_advisory_xact_lock(hashtext('lap.last_coordinator_stays'));
            -- A statement of its own (READ COMMITTED): it sees a withdrawal that committed while this one waited.
            IF NOT EXISTS (SELECT 1 FROM participant o WHERE o.id <> NEW.id AND o.is_coordinator
                             AND lap.participant_status(o.status, o.objection_deadline, o.id) = 'ENDORSED') THEN
              RAISE EXCEPTION 'the network''s last coordinator is not withdrawn'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'last_coordinator_stays', TABLE = 'participant';
            END IF;
          END IF;
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.last_coordinator_stays() IS
        'A coordinator is withdrawn only while another endorsed coordinator remains: someone schedules the calls and records applications (§C.1, §C.2); one such withdrawal at a time.';
      CREATE TRIGGER participant_last_coordinator_stays BEFORE UPDATE OF status ON participant
        FOR EACH ROW EXECUTE FUNCTION lap.last_coordinator_stays();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER participant_last_coordinator_stays ON participant;
      DROP FUNCTION lap.last_coordinator_stays();
    `);
  }
}
