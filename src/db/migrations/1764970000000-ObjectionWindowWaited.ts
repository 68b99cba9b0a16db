import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The objection window checked at commit (RulesAcrossRequests) counted the time since the request's transaction
 * began, not since the request's clock was read: a request that arrived before the deadline and waited for a
 * connection of the pool (every connection busy: slow statements, lock waits, load) was judged at its arrival and
 * committed after the deadline — a status readers had been told changed after it (found by a probe holding the pool
 * with blocked reads: 3 of 3). A read-write transaction now says how long it waited before it began
 * (`lap.waited_ms`, measured by the hub on its monotonic clock: no clock of another host enters it), and the check adds it.
 */
const check = (waited: string) => `
  CREATE OR REPLACE FUNCTION lap.objection_in_window() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $f$ DECLARE
      application participant%ROWTYPE;
    BEGIN
      IF nullif(current_setting('lap.now', true), '') IS NULL THEN
        RETURN NULL;
      END IF;
      SELECT * INTO application FROM participant p WHERE p.id = NEW.participant_id;
      -- The request's clock as it stands at commit: when it was read (lap.now()), plus the time until its transaction
      -- began${waited ? ' (lap.waited_ms)' : ''}, plus the time the transaction took.
      IF NOT lap.objection_window_open(application.status, application.objection_deadline,
          lap.now()${waited} + (clock_timestamp() - now())) THEN
        RAISE EXCEPTION 'The objection window closed before this could be recorded: the application''s status was settled at its deadline'
          USING ERRCODE = 'check_violation', CONSTRAINT = 'objection_in_window', TABLE = 'endorsement_objection';
      END IF;
      RETURN NULL;
    END $f$;
`;

export class ObjectionWindowWaited1764970000000 implements MigrationInterface {
  name = 'ObjectionWindowWaited1764970000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(check(` + make_interval(secs => coalesce(nullif(current_setting('lap.waited_ms', true), '')::numeric, 0) / 1000)`));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(check(''));
  }
}
