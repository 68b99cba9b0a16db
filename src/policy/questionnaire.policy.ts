import { ParticipantKind } from '../../entities/enums';
import { QuestionnaireAudience } from '../../entities/outreach.enums';
import type { Questionnaire } from '../../entities/questionnaire.entity';
import type { QuestionnaireResponse } from '../../entities/questionnaire-response.entity';
import { FALSE, raw, Sql, sql, TRUE } from '../db/sql';
import { isAgency, isCoordinator, isMember, isPrivate, Viewer } from './viewer';

/**
 * Questionnaires (DOMAIN §4 "Questionnaires"; §A.6, §B.4, §C.1).
 *
 * The two built-in questionnaires are for the network's members. A participant answers for itself, once, and may mark
 * its response confidential. Coordinators see every response and who has not answered yet; agencies see the responses
 * not marked confidential and their own; private-sector members see their own only; anonymous callers see nothing.
 */

/** The participant kind that answers a questionnaire of this audience. */
export function audienceKind(audience: QuestionnaireAudience): ParticipantKind {
  return audience === QuestionnaireAudience.AGENCIES ? ParticipantKind.AGENCY : ParticipantKind.PRIVATE_SECTOR;
}

export const questionnairePolicy = {
  /** Row scope for questionnaires and their questions: the network's members (§A.6, §B.4); anonymous callers none. */
  questionnaireScope(viewer: Viewer): Sql {
    return isMember(viewer) ? TRUE : FALSE;
  },

  /**
   * Row scope for responses:
   * - COORDINATOR: every response — the coordinators collect and disseminate the responses to questionnaires (§C.1).
   * - AGENCY: responses not marked confidential, and their own agency's (confidential when requested, paragraph after §A.7).
   * - PRIVATE: their own organization's only — §B.4 answers are written for the agencies, not for competitors.
   * - ANONYMOUS: none.
   */
  responseScope(viewer: Viewer, alias: string): Sql {
    const r = raw(alias);
    if (isCoordinator(viewer)) return TRUE;
    if (isAgency(viewer)) return sql`(NOT ${r}.confidential OR ${r}.participant_id = ${viewer.memberOrgId})`;
    if (isPrivate(viewer)) return sql`${r}.participant_id = ${viewer.memberOrgId}`;
    return FALSE;
  },

  /** Who has not answered yet: the coordinators, who collect the responses (§C.1). */
  canReadOutstanding(viewer: Viewer): boolean {
    return isCoordinator(viewer);
  },

  /** Members answer questionnaires for their own organization (§A.6 agencies, §B.4 private-sector members). */
  canRespondAtAll(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** A member may answer a questionnaire addressed to its kind of participant (the audience check of the mutation). */
  isAudience(viewer: Viewer, q: Questionnaire): boolean {
    if (!isMember(viewer)) return false;
    return q.audience === (isAgency(viewer) ? QuestionnaireAudience.AGENCIES : QuestionnaireAudience.PRIVATE_SECTOR);
  },

  /** Only the responding participant's people change its response (a participant answers for itself, §A.6, §B.4). */
  canUpdate(viewer: Viewer, r: QuestionnaireResponse): boolean {
    return isMember(viewer) && r.participantId === viewer.memberOrgId;
  },
};
