import { TrainingAudience } from '../../entities/outreach.enums';
import { FALSE, raw, Sql, sql, TRUE } from '../db/sql';
import { isAgency, isPrivate, Viewer } from './viewer';

/**
 * Training sessions (DOMAIN §4 "Reports, trainings, education"; §A.3.f, §B.3.b).
 */
export const trainingPolicy = {
  /**
   * Row scope: agencies see every session; private-sector members see JOINT sessions only — sessions "with private
   * sector representatives" (§A.3.f, §B.3.b) — and never AGENCIES_ONLY ones; anonymous callers none.
   */
  scope(viewer: Viewer, alias: string): Sql {
    if (isAgency(viewer)) return TRUE;
    if (isPrivate(viewer)) return sql`${raw(alias)}.audience = ${TrainingAudience.JOINT}`;
    return FALSE;
  },

  /** Agencies schedule trainings, as participants in joint training sessions (§A.3.f); the private sector assists (§B.3.b). */
  canSchedule(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
};
