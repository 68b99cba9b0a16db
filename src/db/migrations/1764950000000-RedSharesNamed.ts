import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TLP:RED is for named individuals (FIRST TLP 2.0; the originator decides with whom it shares, ¶ after §A.7): a case
 * that is TLP:RED has no share to a whole organization (a share naming nobody). The policies check each write against
 * what is committed when it runs, so two writes at once — the lead agency making a case RED while a share to a whole
 * organization of it is granted (`shareCase`, `grantCaseAccess`) — each passed, and together they left a RED case that
 * whole organizations and their API keys read. Both writes now take the case's row lock before they decide:
 *
 * - a share naming nobody (inserted, or a share changed to name nobody) locks its case's row FOR SHARE and is refused
 *   when the case is RED as it stands once the lock is held (the latest committed version, in READ COMMITTED);
 * - a case made RED holds its row's lock by its UPDATE, and is refused while a share of it names nobody (the shares
 *   read by a statement of their own, which sees every share committed before the lock was granted).
 *
 * Whichever comes second waits for the first to commit and is refused. Both raise `check_violation` naming the rule
 * (`case_share_red_named`, `case_red_named`); the data layer answers them as the bad input the same write is answered
 * with when it comes alone.
 */
export class RedSharesNamed1764950000000 implements MigrationInterface {
  name = 'RedSharesNamed1764950000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.case_share_red_named() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ DECLARE
          tlp text;
        BEGIN
          IF cardinality(NEW.recipient_ids) = 0 THEN
            SELECT c.tlp INTO tlp FROM enforcement_case c WHERE c.id = NEW.case_id FOR SHARE;
            IF tlp = 'RED' THEN
              RAISE EXCEPTION 'a TLP:RED case is shared with named persons only'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'case_share_red_named', TABLE = 'case_share';
            END IF;
          END IF;
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.case_share_red_named() IS
        'A share naming nobody (a whole organization) is not granted on a TLP:RED case, decided under the case row''s lock (TLP:RED is for individuals; ¶ after §A.7).';
      CREATE TRIGGER case_share_red_named BEFORE INSERT OR UPDATE OF case_id, recipient_ids ON case_share
        FOR EACH ROW EXECUTE FUNCTION lap.case_share_red_named();

      CREATE FUNCTION lap.case_red_named() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          IF NEW.tlp = 'RED' AND OLD.tlp IS DISTINCT FROM 'RED'
             AND EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = NEW.id AND cardinality(s.recipient_ids) = 0) THEN
            RAISE EXCEPTION 'a case shared with a whole organization is not made TLP:RED'
              USING ERRCODE = 'check_violation', CONSTRAINT = 'case_red_named', TABLE = 'enforcement_case';
          END IF;
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.case_red_named() IS
        'A case is not made TLP:RED while a share of it names nobody (a whole organization), decided under the case row''s lock (TLP:RED is for individuals; ¶ after §A.7).';
      CREATE TRIGGER case_red_named BEFORE UPDATE OF tlp ON enforcement_case
        FOR EACH ROW EXECUTE FUNCTION lap.case_red_named();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER case_red_named ON enforcement_case;
      DROP FUNCTION lap.case_red_named();
      DROP TRIGGER case_share_red_named ON case_share;
      DROP FUNCTION lap.case_share_red_named();
    `);
  }
}
