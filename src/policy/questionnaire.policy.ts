import type { Questionnaire } from '../../entities/questionnaire.entity';
import type { QuestionnaireResponse } from '../../entities/questionnaire-response.entity';
import { isMember, Viewer } from './viewer';

/**
 * Questionnaires (DOMAIN §4 "Questionnaires"; §A.6, §B.4, §C.1). The rules live in the database (migrations
 * RowLevelSecurity and OutreachPolicies): questionnaires are for the network's members; `lap.response_visible` decides
 * the responses (coordinators all, agencies those not marked confidential and their own, private-sector members their
 * own, anonymous callers none); `lap.questionnaire_respondable` whether the viewer may answer, `lap.response_editable`
 * who changes a response (its participant's people), `lap.questionnaire_outstanding_readable` who sees who has not
 * answered yet (the coordinators). The statement that loads a row carries their answers; these functions only read
 * them, for the rule tree.
 */
export const questionnairePolicy = {
  /** Who has not answered yet: the coordinators, who collect the responses (§C.1) — as the database answered with the row. */
  canReadOutstanding(_viewer: Viewer, q: Questionnaire): boolean {
    return q.outstandingReadable === true;
  },

  /** Members answer questionnaires for their own organization (§A.6 agencies, §B.4 private-sector members): the viewer kind, for the friendly FORBIDDEN. */
  canRespondAtAll(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** Only the responding participant's people change its response (`lap.response_editable`, with the row). */
  canUpdate(_viewer: Viewer, r: QuestionnaireResponse): boolean {
    return r.editable === true;
  },
};
