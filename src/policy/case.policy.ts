import { Tlp } from '../../entities/enums';
import type { Case } from '../../entities/case.entity';
import { FALSE, raw, Sql, sql } from '../db/sql';
import { isAgency, isPrivate, Viewer } from './viewer';

/**
 * Cases (DOMAIN §4 "Cases").
 *
 * Row and listing fields follow the TLP; the confidential tier goes to the lead agency's people and to the people a
 * share reaches. A share reaches a person when it is to that person's organization and names nobody or names them.
 */

/** SQL: a share of case `alias` reaches the viewer. */
export function shareReachesViewer(viewer: Viewer, alias: string): Sql {
  if (!viewer.memberOrgId || !viewer.personId) return FALSE;
  const c = raw(alias);
  return sql`EXISTS (SELECT 1 FROM case_share s WHERE s.case_id = ${c}.id AND s.participant_id = ${viewer.memberOrgId}
    AND (cardinality(s.recipient_ids) = 0 OR ${viewer.personId}::uuid = ANY (s.recipient_ids)))`;
}

export const casePolicy = {
  /**
   * Row scope: the cases whose row the viewer may see.
   * - CLEAR: everyone, anonymous too (TLP:CLEAR has no limit).
   * - GREEN: every AGENCY and PRIVATE viewer (the community).
   * - AMBER, AMBER_STRICT: every AGENCY viewer (need-to-know among the Agencies, §A); a PRIVATE viewer when a share reaches them.
   * - RED: the lead agency's people and the people a share reaches (named persons).
   */
  scope(viewer: Viewer, alias: string): Sql {
    const c = raw(alias);
    if (isAgency(viewer)) {
      return sql`(${c}.tlp <> ${Tlp.RED} OR ${c}.lead_agency_id = ${viewer.memberOrgId} OR ${shareReachesViewer(viewer, alias)})`;
    }
    if (isPrivate(viewer)) {
      return sql`(${c}.tlp IN (${Tlp.CLEAR}, ${Tlp.GREEN}) OR ${shareReachesViewer(viewer, alias)})`;
    }
    return sql`${c}.tlp = ${Tlp.CLEAR}`;
  },

  /** SQL twin of `canReadConfidential`: the cases whose confidential tier the viewer reads. */
  confidentialScope(viewer: Viewer, alias: string): Sql {
    if (!viewer.memberOrgId) return FALSE;
    return sql`(${raw(alias)}.lead_agency_id = ${viewer.memberOrgId} OR ${shareReachesViewer(viewer, alias)})`;
  },

  /**
   * The confidential tier: the lead agency's people and the people a share reaches. Agencies keep shared information
   * confidential when requested and retain the right to determine what they share (paragraph after §A.7).
   * Coordinators get no extra access (§C gives them records, not cases).
   */
  canReadConfidential(viewer: Viewer, c: Case): boolean {
    if (!viewer.memberOrgId) return false;
    return c.leadAgencyId === viewer.memberOrgId || c.reachesViewer === true;
  },

  /** Only the lead agency edits its case (originator control, paragraph after §A.7). */
  canEdit(viewer: Viewer, c: Case): boolean {
    return isAgency(viewer) && c.leadAgencyId === viewer.memberOrgId;
  },

  /** Only the lead agency grants and revokes shares: "the participating Agencies retain the right to determine the information they share". */
  canShare(viewer: Viewer, c: Case): boolean {
    return isAgency(viewer) && c.leadAgencyId === viewer.memberOrgId;
  },

  /** Any AGENCY viewer opens cases, as lead agency (§A.3.a). */
  canOpen(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
};
