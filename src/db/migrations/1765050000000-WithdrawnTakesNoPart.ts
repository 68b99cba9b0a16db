import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A member that is no longer an endorsed participant (withdrawn from the network, DOMAIN §2) takes part in no segment.
 * DOMAIN's rule for what a private-sector viewer reads of a segment's `invited` is "only the members taking part:
 * invited and not excluded"; a withdrawn member is still invited (its invitation is a record of the call) but its
 * people are anonymous and see no call: it takes part in nothing. `lap.viewer_segment_participants()` listed it all
 * the same, to every other member invited to the segment, on every path (`invited`, the call's segments, `_entities`,
 * subscriptions), and no agency could take it out (an exclusion or an invitation names an endorsed member only).
 *
 * Agencies still read every invited member, excluded and withdrawn ones too (their own branch of the invitations'
 * policy). The set is read with the status as the hub tells it now (`lap.participant_status`: an applicant whose
 * deadline passed unopposed is endorsed), and as PL/pgSQL, as every SECURITY DEFINER helper is, in the very form DefinerPlansKept gives it (its statement trimmed).
 */
const BEFORE = `
          SELECT i.segment_id, i.member_id FROM call_segment s JOIN call_segment_invitation i ON i.segment_id = s.id
          WHERE s.id IN (SELECT lap.viewer_segment_ids())
            AND NOT EXISTS (SELECT 1 FROM call_exclusion e WHERE e.member_id = i.member_id AND e.call_id = s.call_id
                              AND e.withdrawn_at IS NULL AND (e.segment_id IS NULL OR e.segment_id = s.id))`;

const AFTER = `${BEFORE}
            AND EXISTS (SELECT 1 FROM participant p WHERE p.id = i.member_id
                          AND lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED')`;

const define = (body: string) => `
      CREATE OR REPLACE FUNCTION lap.viewer_segment_participants() RETURNS TABLE (segment_id uuid, member_id uuid)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $lap_body$BEGIN RETURN QUERY ${body.trim()}; END$lap_body$;`;

export class WithdrawnTakesNoPart1765050000000 implements MigrationInterface {
  name = 'WithdrawnTakesNoPart1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(define(AFTER));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(define(BEFORE));
  }
}
