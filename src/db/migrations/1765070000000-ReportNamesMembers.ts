import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A report's named recipient is a person of an endorsed participant, as a share's and an invitation's are
 * (`lap.endorsed_named`, NamedWhilePresent), read under the organization's row lock; the refusal names the person. Before, only that the person had
 * not left was asked: a TLP:RED report could name a person of an organization withdrawn or rejected, or of an
 * applicant — who, once the applicant was endorsed, read a report its author had sent before it was a member.
 * Records made before a withdrawal keep naming whom they named (the rule applies to a request's new writes only).
 */
const NAMED = (members: boolean) => `
      CREATE OR REPLACE FUNCTION lap.report_recipient_named() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          -- A request's write (the operator's own, the admin CLI's and the seeds', set no request clock and are not
          -- these rules' business: records made before a withdrawal or a leave may name who is gone).
          IF nullif(current_setting('lap.now', true), '') IS NULL THEN
            RETURN NEW;
          END IF;
          PERFORM lap.present_named(ARRAY[NEW.person_id]);${
            members ? `
          -- As lap.endorsed_named, under the organization's lock, naming the person (the request names people).
          IF (SELECT lap.participant_status(p.status, p.objection_deadline, p.id) FROM participant p
                JOIN person pe ON pe.organization_id = p.id WHERE pe.id = NEW.person_id FOR SHARE OF p) IS DISTINCT FROM 'ENDORSED' THEN
            RAISE EXCEPTION 'a person of a participant that is not endorsed is named'
              USING ERRCODE = 'check_violation', CONSTRAINT = 'endorsed_named', DETAIL = NEW.person_id::text;
          END IF;` : ''
          }
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.report_recipient_named() IS
        ${
          members
            ? `'A report''s named recipient, named by a request, has not left the network and is a person of an endorsed participant, read under their rows'' locks (§B.3.a).'`
            : `'A report''s named recipient, named by a request, has not left the network, read under their row''s lock (§B.3.a).'`
        };`;

export class ReportNamesMembers1765070000000 implements MigrationInterface {
  name = 'ReportNamesMembers1765070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(NAMED(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(NAMED(false));
  }
}
