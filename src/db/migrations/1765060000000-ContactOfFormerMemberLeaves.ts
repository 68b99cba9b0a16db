import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The point of contact of an organization that is no longer in the network (withdrawn, or rejected) may leave. The
 * rule that a contact leaves only once someone else is designated keeps a participant answerable; an organization out
 * of the network answers for nothing, and nobody could designate another contact for it: its people are anonymous
 * (`designatePointOfContact` is refused them) and the admin CLI adds no person to it. So its contact could never leave,
 * and their token stayed an anonymous viewer's with their own organization's records, though `leave` is how an
 * operator ends a person's access now. The contact stays named on the record (`Person.leftAt` says when they left).
 * A country's primary contact is an endorsed agency's person (a withdrawal clears it): unchanged.
 */
const STAYS = (exempt: boolean) => `
      CREATE OR REPLACE FUNCTION lap.contact_stays() RETURNS trigger
        LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          IF NEW.left_at IS NOT NULL AND OLD.left_at IS NULL
             AND (EXISTS (SELECT 1 FROM participant p WHERE p.point_of_contact_id = NEW.id${
               exempt ? `
                            AND lap.participant_status(p.status, p.objection_deadline, p.id) NOT IN ('WITHDRAWN', 'REJECTED')` : ''
             })
                  OR EXISTS (SELECT 1 FROM country c WHERE c.primary_contact_id = NEW.id)) THEN
            RAISE EXCEPTION 'a point of contact or a primary contact leaves only once someone else is designated'
              USING ERRCODE = 'check_violation', CONSTRAINT = 'contact_stays', TABLE = 'person';
          END IF;
          RETURN NEW;
        END $f$;`;

export class ContactOfFormerMemberLeaves1765060000000 implements MigrationInterface {
  name = 'ContactOfFormerMemberLeaves1765060000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(STAYS(true));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(STAYS(false));
  }
}
