import type { EducationProject } from '../../entities/education-project.entity';
import { isMember, Viewer } from './viewer';

/**
 * Consumer and business education projects (DOMAIN §4 "Reports, trainings, education"; §A.3.e, §A.4). The rules live in
 * the database: every AGENCY and PRIVATE viewer sees every project, anonymous callers none; only the leading
 * organization changes a project and its partners (`lap.education_project_editable`).
 */
export const educationPolicy = {
  /** Members start projects, led by their organization (§A.3.e; §A.4): the viewer kind, for the friendly FORBIDDEN. */
  canStart(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** Only the leading organization changes a project (`lap.education_project_editable`, with the row). */
  canUpdate(_viewer: Viewer, p: EducationProject): boolean {
    return p.editable === true;
  },
};
