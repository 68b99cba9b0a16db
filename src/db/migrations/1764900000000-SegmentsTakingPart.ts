import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The segments a private-sector viewer takes part in are found from the viewer's own invitations, not from everyone's.
 * The rule is unchanged (§B.3, last ¶): a member takes part in a PRIVATE_SECTOR_INVITED segment that invites it, unless
 * a standing objection keeps it out of the whole call or of that segment.
 *
 * Before, `lap.viewer_segment_ids()` read `lap.viewer_segment_participants()`: every member taking part in every segment
 * the viewer is invited to, then the viewer's own rows of it. For a member invited to many segments that is thousands of
 * rows, built again by each statement that reads calls, segments or what they discuss (the call list, its count, the
 * segments and their places, the discussed cases): 6–13 ms each, measured for a member invited to 600 of 2,000
 * segments. Now the viewer's segments are its invitations, joined with their segments and checked against its own
 * standing objections (an index probe on the invitation's member, about 1 ms there), and the participants of those
 * segments are read only for the invitations' policy, which needs them.
 *
 * Both functions answer exactly what they answered before; test/db/segments-taking-part-migration.test.ts compares the
 * two definitions on generated calls, invitations and objections, for every private-sector member.
 */
const BEFORE = `
      CREATE OR REPLACE FUNCTION lap.viewer_segment_participants() RETURNS TABLE (segment_id uuid, member_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$
          WITH invited AS (
            SELECT s.id, s.call_id FROM call_segment s
            JOIN call_segment_invitation mine ON mine.segment_id = s.id AND mine.member_id = lap.viewer_org()
            WHERE lap.is_private() AND s.audience = 'PRIVATE_SECTOR_INVITED'),
          taking_part AS (
            SELECT i.segment_id, i.member_id FROM invited s JOIN call_segment_invitation i ON i.segment_id = s.id
            WHERE NOT EXISTS (SELECT 1 FROM call_exclusion e WHERE e.call_id = s.call_id AND e.member_id = i.member_id
                                AND e.withdrawn_at IS NULL AND (e.segment_id IS NULL OR e.segment_id = s.id)))
          SELECT t.segment_id, t.member_id FROM taking_part t
          WHERE t.segment_id IN (SELECT own.segment_id FROM taking_part own WHERE own.member_id = lap.viewer_org())
        $f$;
      CREATE OR REPLACE FUNCTION lap.viewer_segment_ids() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ SELECT p.segment_id FROM lap.viewer_segment_participants() p WHERE p.member_id = lap.viewer_org() $f$;`;

const AFTER = `
      CREATE OR REPLACE FUNCTION lap.viewer_segment_ids() RETURNS SETOF uuid
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$
          SELECT s.id FROM call_segment_invitation mine JOIN call_segment s ON s.id = mine.segment_id
          WHERE mine.member_id = lap.viewer_org() AND lap.is_private() AND s.audience = 'PRIVATE_SECTOR_INVITED'
            AND NOT EXISTS (SELECT 1 FROM call_exclusion e WHERE e.member_id = mine.member_id AND e.call_id = s.call_id
                              AND e.withdrawn_at IS NULL AND (e.segment_id IS NULL OR e.segment_id = s.id))
        $f$;
      CREATE OR REPLACE FUNCTION lap.viewer_segment_participants() RETURNS TABLE (segment_id uuid, member_id uuid)
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$
          SELECT i.segment_id, i.member_id FROM call_segment s JOIN call_segment_invitation i ON i.segment_id = s.id
          WHERE s.id IN (SELECT lap.viewer_segment_ids())
            AND NOT EXISTS (SELECT 1 FROM call_exclusion e WHERE e.member_id = i.member_id AND e.call_id = s.call_id
                              AND e.withdrawn_at IS NULL AND (e.segment_id IS NULL OR e.segment_id = s.id))
        $f$;`;

/**
 * `CREATE OR REPLACE` keeps a function's comment: `lap.viewer_segment_participants()` keeps its own (its rule is the
 * same), `lap.viewer_segment_ids()` gets one that says how its set is now found.
 */
const COMMENTS_AFTER = `
      COMMENT ON FUNCTION lap.viewer_segment_ids() IS
        'Segments the private-sector viewer takes part in: PRIVATE_SECTOR_INVITED, inviting its organization, no standing exclusion of it from the call or that segment (§B.3, last ¶); read from the viewer''s own invitations.';`;

const COMMENTS_BEFORE = `
      COMMENT ON FUNCTION lap.viewer_segment_ids() IS
        'Segments the private-sector viewer takes part in: PRIVATE_SECTOR_INVITED, inviting its organization, no standing exclusion (§B.3).';`;

export class SegmentsTakingPart1764900000000 implements MigrationInterface {
  name = 'SegmentsTakingPart1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(AFTER + COMMENTS_AFTER);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(BEFORE + COMMENTS_BEFORE);
  }
}
