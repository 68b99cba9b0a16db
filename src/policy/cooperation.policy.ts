import type { AssistanceRequest } from '../../entities/assistance-request.entity';
import type { Endorsement } from '../../entities/endorsement.entity';
import type { SectorReport } from '../../entities/sector-report.entity';
import { isAgency, isCoordinator, isMember, Viewer } from './viewer';

/**
 * The cooperation workflows (DOMAIN §4 "Endorsement", "Assistance requests", "Reports … the network report"). The rules
 * live in the database (migrations RowLevelSecurity and CooperationParts): row-level security decides every row and
 * every restricted part, and the statement that loads a row carries the policies' answers for it (from the same `lap`
 * functions). What is left here is the kind of viewer a mutation is for — graphql-shield's friendly FORBIDDEN before
 * the database is asked — and readers of those answers for the rule tree.
 */

/** Endorsement (the paragraph after §D). */
export const endorsementPolicy = {
  /** Objections and their reasons are the agencies' business: the objections' policy (objection_read), loaded with the application. */
  canReadObjections(_viewer: Viewer, e: Endorsement): boolean {
    return e.objectionsReadable === true;
  },

  /** Coordinators collect notifications from new participants (§C.1); the policy participant_apply checks the same. */
  canRecordApplication(viewer: Viewer): boolean {
    return isCoordinator(viewer);
  },

  /** Agencies — never a private-sector member — object, and withdraw their own objections (objection_object, objection_withdraw). */
  canObject(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
};

/** Requests for assistance (§A.5, §B.4). */
export const assistancePolicy = {
  /** The details came back from `assistance_request_detail`: the viewer is the requester or the recipient (lap.assistance_party). */
  canReadDetails(_viewer: Viewer, r: AssistanceRequest): boolean {
    return r.detail != null;
  },

  /** Agencies request assistance (§A.5); the policy request_ask checks the same. */
  canRequest(viewer: Viewer): boolean {
    return isAgency(viewer);
  },

  /** Members answer requests addressed to them (§B.1, §B.4); which requests, the update policy decides. */
  canAnswerAtAll(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** Agencies withdraw their own requests; which requests, the update policy decides. */
  canWithdrawAtAll(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
};

/** Sector reports (§B.3.a). */
export const reportPolicy = {
  /** Whom the report was addressed to: lap.report_recipients_readable, loaded with the row (the author organization). */
  canReadRecipients(_viewer: Viewer, r: SectorReport): boolean {
    return r.recipientsReadable === true;
  },

  /** Private-sector members report to the agencies (§B.3.a); agencies may publish to the network too (report_publish). */
  canPublish(viewer: Viewer): boolean {
    return isMember(viewer);
  },
};

/**
 * The network report (§C.1, §D: the agencies' findings for the OECD Spam Task Force). Its figures are counted under the
 * reader's row-level security (src/data/network-report.ts).
 */
export const networkReportPolicy = {
  canRead(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
};
