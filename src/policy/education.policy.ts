import type { EducationProject } from '../../entities/education-project.entity';
import { FALSE, Sql, TRUE } from '../db/sql';
import { isMember, Viewer } from './viewer';

/**
 * Consumer and business education projects (DOMAIN §4 "Reports, trainings, education"; §A.3.e, §A.4).
 */
export const educationPolicy = {
  /**
   * Row scope: every AGENCY and PRIVATE viewer sees every project — they are joint projects of the network, discussed
   * on its calls (§A.3.e) and open to the private sector's own initiatives (§A.4); anonymous callers see none (what a
   * project publishes is on its own website).
   */
  scope(viewer: Viewer): Sql {
    return isMember(viewer) ? TRUE : FALSE;
  },

  /** Members start projects, with their organization as the leading one (§A.3.e; the private sector's initiatives, §A.4). */
  canStart(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** Only the leading organization changes a project. */
  canUpdate(viewer: Viewer, p: EducationProject): boolean {
    return isMember(viewer) && p.leadOrganizationId === viewer.memberOrgId;
  },
};
