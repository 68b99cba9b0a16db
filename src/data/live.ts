import type { LiveEvent } from '../live/events';
import type { Data } from './index';

/** What the live-update dispatcher asks of the database, as the subscriber's viewer (row-level security). */
export class LiveData {
  constructor(private readonly data: Data) {}

  /**
   * Whether the restricted part an event names changed for the viewer: it can see the part (the case's confidential
   * tier, a call's segment or exclusion), asked of the same policies as every query, or it has lost the tier (the share
   * the event replaced or revoked reached it: `lap.share_reaches`, as the case policies ask it). One statement. Ids
   * that name nothing are simply not seen.
   */
  async partConcerns(event: LiveEvent): Promise<boolean> {
    // - a tier: who reads it, and whom the share it replaced or revoked reached;
    // - a segment's own change (added, an invitation, minutes): who sees the segment;
    // - a case linked to a segment: who sees the segment and the case (the segment's discussed cases are filtered by
    //   the case rules: a hidden case linked changes nothing a viewer sees);
    // - an exclusion (or its withdrawal): who sees exclusions (agencies); the member it excludes, once the segment (or,
    //   for the whole call, the call) is back in its view; and, when the member is invited there, who sees the segment
    //   (the whole call: the call), whose invited list changes — never the others who merely see the segment; and the
    //   member it excludes when invited there, who has lost (or regained) that segment while still seeing the call;
    const [row] = await this.data.db.query<{ visible: boolean }>(
      `SELECT (($1::boolean AND EXISTS (SELECT 1 FROM case_confidential WHERE case_id = $2::uuid))
            OR ($4::uuid IS NULL AND $5::uuid IS NULL AND EXISTS (SELECT 1 FROM call_segment WHERE id = $3::uuid))
            OR ($4::uuid IS NULL AND $5::uuid IS NOT NULL AND EXISTS (SELECT 1 FROM call_segment WHERE id = $3::uuid)
                AND EXISTS (SELECT 1 FROM enforcement_case WHERE id = $5::uuid))
            OR EXISTS (SELECT 1 FROM call_exclusion WHERE id = $4::uuid)
            OR ($4::uuid IS NOT NULL AND ($6::uuid = (SELECT lap.viewer_org()) OR $7::boolean)
                AND CASE WHEN $3::uuid IS NULL THEN EXISTS (SELECT 1 FROM conference_call WHERE id = $2::uuid)
                         ELSE EXISTS (SELECT 1 FROM call_segment WHERE id = $3::uuid) END)
            OR ($4::uuid IS NOT NULL AND $7::boolean AND $6::uuid = (SELECT lap.viewer_org()))
            OR ($1::boolean AND $8::uuid IS NOT NULL
                AND lap.share_reaches($8::uuid, $9::uuid[], (SELECT lap.viewer_org()), (SELECT lap.viewer_person())))) AS visible`,
      [
        event.tier === true, event.id, event.segment ?? null, event.exclusion ?? null, event.linkedCase ?? null, event.member ?? null,
        event.invited === true, event.formerShare?.participant ?? null, event.formerShare?.recipients ?? [],
      ],
    );
    return row.visible === true;
  }
}
