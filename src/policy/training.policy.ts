import { isAgency, Viewer } from './viewer';

/**
 * Training sessions (DOMAIN §4 "Reports, trainings, education"; §A.3.f, §B.3.b). The rules live in the database:
 * agencies see every session, private-sector members JOINT ones only (never AGENCIES_ONLY ones), anonymous callers none;
 * an agency schedules sessions for itself (`lap.training_schedulable`).
 */
export const trainingPolicy = {
  /** Agencies schedule trainings (§A.3.f); the private sector assists (§B.3.b): the viewer kind, for the friendly FORBIDDEN. */
  canSchedule(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
};
