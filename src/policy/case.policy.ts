import type { Case } from '../../entities/case.entity';
import { isAgency, Viewer } from './viewer';

/**
 * Cases (DOMAIN §4 "Cases"). The rules live in the database (migration RowLevelSecurity): `lap.case_row_visible`
 * decides the row by TLP, `lap.case_tier_readable` the confidential tier (the lead agency's people and the people a
 * share reaches), `lap.case_editable` who edits and shares (the lead agency). The statement that loads a case row
 * carries their answers; these functions only read them, for the rule tree and `viewerCan`.
 */
export const casePolicy = {
  /** The tier came back from `case_confidential`: row-level security let the viewer read it. */
  canReadConfidential(_viewer: Viewer, c: Case): boolean {
    return c.confidentialTier != null;
  },

  /** Only the lead agency edits its case (originator control, paragraph after §A.7): `lap.case_editable`. */
  canEdit(_viewer: Viewer, c: Case): boolean {
    return c.editable === true;
  },

  /** Only the lead agency grants and revokes shares: "the participating Agencies retain the right to determine the information they share". */
  canShare(_viewer: Viewer, c: Case): boolean {
    return c.editable === true;
  },

  /** Any AGENCY viewer opens cases, as lead agency (§A.3.a); the insert policy checks the same. */
  canOpen(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
};
