import type { LiveEvent } from '../live/events';
import type { Data } from './index';

/** What the live-update dispatcher asks of the database, as the subscriber's viewer (row-level security). */
export class LiveData {
  constructor(private readonly data: Data) {}

  /**
   * Whether the restricted part an event names changed for the viewer: it can see the part (the case's confidential
   * tier, a call's segment, invitation or exclusion), asked of the same policies as every query, or it has lost the
   * part (the share the event replaced or revoked reached it: `lap.share_reaches`, as the case policies ask it; the
   * segments an exclusion took from its organization). One statement. Ids that name nothing are simply not seen.
   */
  async partConcerns(event: LiveEvent): Promise<boolean> {
    // One rule per line, in order:
    // - a tier: who reads it; and whom the share it replaced or revoked reached;
    // - a segment's own change (added, minutes): who sees the segment;
    // - a case linked to a segment: who sees the segment and the case (the segment's discussed cases are filtered by
    //   the case rules: a hidden case linked changes nothing a viewer sees);
    // - a member invited to a segment: who sees that invitation (agencies; the members taking part in the segment,
    //   the new one included, when it takes part — not when an exclusion keeps it out);
    // - an exclusion (or its withdrawal): who sees exclusions (agencies); who sees a segment whose participants it
    //   changed (their invited list; the member itself, once it has regained one); and the member, while it still
    //   sees the call, when it lost or regained segments. An exclusion that changed no one's participation (the
    //   member is not invited there, or another standing exclusion already kept it out) names no such segments.
    const [row] = await this.data.db.query<{ visible: boolean }>(
      `SELECT (($1::boolean AND EXISTS (SELECT 1 FROM case_confidential WHERE case_id = $2::uuid))
            OR ($1::boolean AND $8::uuid IS NOT NULL
                AND lap.share_reaches($8::uuid, $9::uuid[], (SELECT lap.viewer_org()), (SELECT lap.viewer_person())))
            OR ($4::uuid IS NULL AND $5::uuid IS NULL AND $6::uuid IS NULL AND EXISTS (SELECT 1 FROM call_segment WHERE id = $3::uuid))
            OR ($4::uuid IS NULL AND $5::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM call_segment WHERE id = $3::uuid)
                AND EXISTS (SELECT 1 FROM enforcement_case WHERE id = $5::uuid))
            OR ($4::uuid IS NULL AND $6::uuid IS NOT NULL
                AND EXISTS (SELECT 1 FROM call_segment_invitation WHERE segment_id = $3::uuid AND member_id = $6::uuid))
            OR EXISTS (SELECT 1 FROM call_exclusion WHERE id = $4::uuid)
            OR ($4::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM call_segment WHERE id = ANY ($7::uuid[])))
            OR ($4::uuid IS NOT NULL AND cardinality($7::uuid[]) > 0 AND $6::uuid = (SELECT lap.viewer_org())
                AND EXISTS (SELECT 1 FROM conference_call WHERE id = $2::uuid))) AS visible`,
      [
        event.tier === true, event.id, event.segment ?? null, event.exclusion ?? null, event.linkedCase ?? null, event.member ?? null,
        event.participants ?? [], event.formerShare?.participant ?? null, event.formerShare?.recipients ?? [],
      ],
    );
    return row.visible === true;
  }
}
