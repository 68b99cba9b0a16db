import { isAgency, isCoordinator, isPrivate, Viewer } from './viewer';

/**
 * Conference calls (DOMAIN §4 "Conference calls"; §A.3, §B.3, §C.2).
 *
 * Which calls, segments, invitations and exclusions a viewer reads, and which writes it may make, is decided by the
 * database (migration RowLevelSecurity: lap.call_visible, lap.segment_visible, lap.viewer_segment_ids,
 * lap.viewer_segment_participants and the policies of conference_call, call_segment, call_segment_invitation, call_exclusion).
 * What stays here depends on the kind of viewer alone: the rule tree's friendly first answer and `viewerCan`.
 */
export const callPolicy = {
  /** Exclusions are for agencies only — a private-sector member never sees one, not even its own (§B.3, last ¶). */
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
};
