import { SegmentAudience } from '../../entities/enums';
import type { CallExclusion } from '../../entities/call-exclusion.entity';
import { FALSE, raw, Sql, sql, TRUE } from '../db/sql';
import { isAgency, isCoordinator, isPrivate, Viewer } from './viewer';

/**
 * Conference calls (DOMAIN §4 "Conference calls"; §A.3, §B.3, §C.2).
 *
 * Agencies see every call and segment. A private-sector member sees a segment only when it is PRIVATE_SECTOR_INVITED,
 * invites its organization and no standing exclusion keeps it out of that segment or the whole call; it sees a call
 * only through such a segment. Anonymous callers see nothing.
 */

/** SQL: segment `alias` is open to the private-sector viewer. */
function segmentOpenToMember(viewer: Viewer, alias: string): Sql {
  const s = raw(alias);
  return sql`(${s}.audience = ${SegmentAudience.PRIVATE_SECTOR_INVITED}
    AND EXISTS (SELECT 1 FROM call_segment_invitation i WHERE i.segment_id = ${s}.id AND i.member_id = ${viewer.memberOrgId})
    AND NOT EXISTS (SELECT 1 FROM call_exclusion e WHERE e.call_id = ${s}.call_id AND e.member_id = ${viewer.memberOrgId}
      AND e.withdrawn_at IS NULL AND (e.segment_id IS NULL OR e.segment_id = ${s}.id)))`;
}

export const callPolicy = {
  /**
   * Row scope for calls: every call for agencies (§A.3); for a private-sector member only a call with a segment open to
   * it (§B.3: "private sector representatives will participate only in selected calls"), never one it is excluded
   * from as a whole (§B.3, last ¶); nothing for anonymous callers.
   */
  callScope(viewer: Viewer, alias: string): Sql {
    if (isAgency(viewer)) return TRUE;
    if (isPrivate(viewer)) {
      return sql`EXISTS (SELECT 1 FROM call_segment vs WHERE vs.call_id = ${raw(alias)}.id AND ${segmentOpenToMember(viewer, 'vs')})`;
    }
    return FALSE;
  },

  /**
   * Row scope for segments: every segment for agencies; for a private-sector member only PRIVATE_SECTOR_INVITED
   * segments that invite it and exclude it neither alone nor with the whole call (§B.3); LAW_ENFORCEMENT_ONLY never.
   * Minutes and discussed cases live on the segment, so an exclusion also hides minutes recorded before it.
   */
  segmentScope(viewer: Viewer, alias: string): Sql {
    if (isAgency(viewer)) return TRUE;
    if (isPrivate(viewer)) return segmentOpenToMember(viewer, alias);
    return FALSE;
  },

  /** Exclusions are for agencies only — a private-sector member never sees one, not even its own (§B.3, last ¶). */
  exclusionScope(viewer: Viewer): Sql {
    return isAgency(viewer) ? TRUE : FALSE;
  },

  canReadExclusions(viewer: Viewer): boolean {
    return isAgency(viewer);
  },

  /** The dial-in of a call the viewer can see: agencies and invited members (§B.3). Anonymous callers see no call. */
  canReadDialIn(viewer: Viewer): boolean {
    return isAgency(viewer) || isPrivate(viewer);
  },

  /** Coordinators set up the calls: schedule, add segments, invite, record minutes, link cases (§C.2). */
  canManage(viewer: Viewer): boolean {
    return isCoordinator(viewer);
  },

  /** Any agency may object to a private-sector member's participation in a call or a segment (§B.3, last ¶). */
  canExclude(viewer: Viewer): boolean {
    return isAgency(viewer);
  },

  /** Only the objecting agency withdraws its objection. */
  canWithdrawExclusion(viewer: Viewer, e: CallExclusion): boolean {
    return isAgency(viewer) && e.objectingAgencyId === viewer.memberOrgId;
  },
};
