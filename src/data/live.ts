import type { LiveEvent } from '../live/events';
import type { Data } from './index';

/** What the live-update dispatcher asks of the database, as the subscriber's viewer (row-level security). */
export class LiveData {
  constructor(private readonly data: Data) {}

  /**
   * Whether a restricted part the events name changed for the viewer — any of them (the parts of one row one
   * transaction changed, dispatched together): it can see the part (the case's confidential tier, a call's segment,
   * invitation or exclusion), asked of the same policies as every query, or it has lost the part (the share the event
   * replaced or revoked reached it: `lap.share_reaches`, as the case policies ask it; the segments an exclusion took
   * from its organization). One statement however many parts. Ids that name nothing are simply not seen.
   */
  async partConcerns(events: readonly LiveEvent[]): Promise<boolean> {
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
    const parts = events.map((e) => ({
      tier: e.tier === true, id: e.id, segment: e.segment ?? null, exclusion: e.exclusion ?? null, linked_case: e.linkedCase ?? null,
      member: e.member ?? null, participants: e.participants ?? [], former_participant: e.formerShare?.participant ?? null,
      former_recipients: e.formerShare?.recipients ?? [],
    }));
    const [row] = await this.data.db.query<{ visible: boolean }>(
      `SELECT coalesce(bool_or(
              (p.tier AND EXISTS (SELECT 1 FROM case_confidential WHERE case_id = p.id))
              OR (p.tier AND p.former_participant IS NOT NULL
                  AND lap.share_reaches(p.former_participant, p.former_recipients, (SELECT lap.viewer_org()), (SELECT lap.viewer_person())))
              OR (p.exclusion IS NULL AND p.linked_case IS NULL AND p.member IS NULL AND EXISTS (SELECT 1 FROM call_segment WHERE id = p.segment))
              OR (p.exclusion IS NULL AND p.linked_case IS NOT NULL AND EXISTS (SELECT 1 FROM call_segment WHERE id = p.segment)
                  AND EXISTS (SELECT 1 FROM enforcement_case WHERE id = p.linked_case))
              OR (p.exclusion IS NULL AND p.member IS NOT NULL
                  AND EXISTS (SELECT 1 FROM call_segment_invitation WHERE segment_id = p.segment AND member_id = p.member))
              OR EXISTS (SELECT 1 FROM call_exclusion WHERE id = p.exclusion)
              OR (p.exclusion IS NOT NULL AND EXISTS (SELECT 1 FROM call_segment WHERE id = ANY (p.participants)))
              OR (p.exclusion IS NOT NULL AND cardinality(p.participants) > 0 AND p.member = (SELECT lap.viewer_org())
                  AND EXISTS (SELECT 1 FROM conference_call WHERE id = p.id))), false) AS visible
         FROM jsonb_to_recordset($1::jsonb) AS p(tier boolean, id uuid, segment uuid, exclusion uuid, linked_case uuid, member uuid,
                                                 participants uuid[], former_participant uuid, former_recipients uuid[])`,
      [JSON.stringify(parts)],
    );
    return row.visible === true;
  }
}
