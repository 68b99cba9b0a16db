import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whom a write names is present in the network when it names them, decided under that row's lock — as RulesAcrossRequests
 * did for contacts. The data layer checks each of these before it writes, on what is committed at that moment, so a
 * write sent while `npm run admin -- leave` or `withdraw` ran passed and landed after it (a probe holding the rows:
 * 1 of 1 each):
 *
 * - a share's recipients and a report's named recipients have not left (README: "nothing can name them anew"): each
 *   person newly named is locked FOR SHARE and refused once they have left (recipients a share named before stay);
 * - a share and a call-segment invitation go to an endorsed participant (a withdrawn one's people are anonymous): its
 *   row is locked FOR SHARE and its status read as it is now (lap.participant_status);
 * - a country's primary contact is a person of an endorsed agency of that country (§A.2, DOMAIN: "the coordinating
 *   contact among the country's agencies"): with lap.contact_present's check that they have not left, their
 *   organization is locked and read too (`npm run admin -- withdraw` refuses an agency one of whose people is a
 *   country's primary contact: someone else is designated first, as before a primary contact leaves).
 *
 * A leave or a withdrawal takes the row's lock by its UPDATE: whichever comes second waits for the first. Naming first
 * is kept (it was made while they were present, and records keep naming who has left); leaving first refuses it. These
 * are rules on what a request names: the operator's own writes (no request clock: the admin CLI, the seeds) are not
 * checked by them.
 */
export class NamedWhilePresent1764980000000 implements MigrationInterface {
  name = 'NamedWhilePresent1764980000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.present_named(person_ids uuid[]) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ DECLARE
          gone uuid;
        BEGIN
          PERFORM 1 FROM person pe WHERE pe.id = ANY (person_ids) ORDER BY pe.id FOR SHARE;
          SELECT pe.id INTO gone FROM person pe WHERE pe.id = ANY (person_ids) AND pe.left_at IS NOT NULL ORDER BY pe.id LIMIT 1;
          IF gone IS NOT NULL THEN
            RAISE EXCEPTION 'a person who has left the network is named anew' USING ERRCODE = 'check_violation', CONSTRAINT = 'named_present', DETAIL = gone::text;
          END IF;
        END $f$;
      COMMENT ON FUNCTION lap.present_named(uuid[]) IS
        'The persons a write names anew have not left the network, read under their rows'' lock (README: nothing can name them anew once they left).';

      CREATE FUNCTION lap.endorsed_named(participant uuid) RETURNS void
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ DECLARE
          now_status text;
        BEGIN
          SELECT lap.participant_status(p.status, p.objection_deadline, p.id) INTO now_status FROM participant p WHERE p.id = participant FOR SHARE;
          IF now_status IS DISTINCT FROM 'ENDORSED' THEN
            RAISE EXCEPTION 'a participant that is not endorsed is named' USING ERRCODE = 'check_violation', CONSTRAINT = 'endorsed_named', DETAIL = participant::text;
          END IF;
        END $f$;
      COMMENT ON FUNCTION lap.endorsed_named(uuid) IS
        'A share or an invitation goes to an endorsed participant, read under its row''s lock (DOMAIN §2: a withdrawn one''s people are anonymous).';

      CREATE FUNCTION lap.case_share_named() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          -- A request's write (the operator's own, the admin CLI's and the seeds', set no request clock and are not
          -- these rules' business: records made before a withdrawal or a leave may name who is gone).
          IF nullif(current_setting('lap.now', true), '') IS NULL THEN
            RETURN NEW;
          END IF;
          IF TG_OP = 'INSERT' OR NEW.participant_id IS DISTINCT FROM OLD.participant_id THEN
            PERFORM lap.endorsed_named(NEW.participant_id);
          END IF;
          PERFORM lap.present_named(ARRAY(SELECT x FROM unnest(NEW.recipient_ids) AS x
            WHERE TG_OP = 'INSERT' OR NOT x = ANY (OLD.recipient_ids)));
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.case_share_named() IS
        'A share made by a request goes to an endorsed participant and names only persons who have not left, read under their rows'' locks (¶ after §A.7).';
      CREATE TRIGGER case_share_named BEFORE INSERT OR UPDATE OF participant_id, recipient_ids ON case_share
        FOR EACH ROW EXECUTE FUNCTION lap.case_share_named();

      CREATE FUNCTION lap.invitation_named() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          -- A request's write (the operator's own, the admin CLI's and the seeds', set no request clock and are not
          -- these rules' business: records made before a withdrawal or a leave may name who is gone).
          IF nullif(current_setting('lap.now', true), '') IS NULL THEN
            RETURN NEW;
          END IF;
          PERFORM lap.endorsed_named(NEW.member_id);
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.invitation_named() IS
        'A call segment''s invitation made by a request goes to an endorsed member, read under its row''s lock (§B.3).';
      CREATE TRIGGER call_segment_invitation_named BEFORE INSERT ON call_segment_invitation
        FOR EACH ROW EXECUTE FUNCTION lap.invitation_named();

      CREATE FUNCTION lap.report_recipient_named() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          -- A request's write (the operator's own, the admin CLI's and the seeds', set no request clock and are not
          -- these rules' business: records made before a withdrawal or a leave may name who is gone).
          IF nullif(current_setting('lap.now', true), '') IS NULL THEN
            RETURN NEW;
          END IF;
          PERFORM lap.present_named(ARRAY[NEW.person_id]);
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.report_recipient_named() IS
        'A report''s named recipient, named by a request, has not left the network, read under their row''s lock (§B.3.a).';
      CREATE TRIGGER sector_report_recipient_named BEFORE INSERT ON sector_report_recipient
        FOR EACH ROW EXECUTE FUNCTION lap.report_recipient_named();

      CREATE FUNCTION lap.primary_contact_agency() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ DECLARE
          agency participant%ROWTYPE;
        BEGIN
          -- A request's write (the operator's own, the admin CLI's and the seeds', set no request clock and are not
          -- these rules' business: records made before a withdrawal or a leave may name who is gone).
          IF nullif(current_setting('lap.now', true), '') IS NULL THEN
            RETURN NEW;
          END IF;
          IF NEW.primary_contact_id IS NOT NULL THEN
            SELECT p.* INTO agency FROM participant p JOIN person pe ON pe.organization_id = p.id WHERE pe.id = NEW.primary_contact_id FOR SHARE OF p;
            IF agency.kind IS DISTINCT FROM 'AGENCY' OR agency.country_code IS DISTINCT FROM NEW.code
               OR lap.participant_status(agency.status, agency.objection_deadline, agency.id) <> 'ENDORSED' THEN
              RAISE EXCEPTION 'a country''s primary contact is a person of an endorsed agency of that country'
                USING ERRCODE = 'check_violation', CONSTRAINT = 'primary_contact_agency', TABLE = 'country';
            END IF;
          END IF;
          RETURN NEW;
        END $f$;
      COMMENT ON FUNCTION lap.primary_contact_agency() IS
        'A country''s primary contact designated by a request is a person of an endorsed agency of that country, read under its row''s lock (§A.2).';
      CREATE TRIGGER country_primary_contact_agency BEFORE INSERT OR UPDATE OF primary_contact_id ON country
        FOR EACH ROW EXECUTE FUNCTION lap.primary_contact_agency();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TRIGGER country_primary_contact_agency ON country;
      DROP FUNCTION lap.primary_contact_agency();
      DROP TRIGGER sector_report_recipient_named ON sector_report_recipient;
      DROP FUNCTION lap.report_recipient_named();
      DROP TRIGGER call_segment_invitation_named ON call_segment_invitation;
      DROP FUNCTION lap.invitation_named();
      DROP TRIGGER case_share_named ON case_share;
      DROP FUNCTION lap.case_share_named();
      DROP FUNCTION lap.endorsed_named(uuid);
      DROP FUNCTION lap.present_named(uuid[]);
    `);
  }
}
