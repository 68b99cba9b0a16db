import type { AssistanceRequest } from '../../entities/assistance-request.entity';
import type { EndorsementObjection } from '../../entities/endorsement.entity';
import { ParticipantStatus, Tlp } from '../../entities/enums';
import type { SectorReport } from '../../entities/sector-report.entity';
import { FALSE, raw, Sql, sql, TRUE } from '../db/sql';
import { isAgency, isCoordinator, isMember, isPrivate, Viewer } from './viewer';

/** Endorsement (the paragraph after §D). */
export const endorsementPolicy = {
  /** Row scope for applications: agencies see every one (they may object); an applicant's people see their own. */
  scope(viewer: Viewer, alias: string): Sql {
    const p = raw(alias);
    const procedure = sql`${p}.objection_deadline IS NOT NULL`;
    if (isAgency(viewer)) return procedure;
    if (viewer.ownOrgId) return sql`(${procedure} AND ${p}.id = ${viewer.ownOrgId})`;
    return FALSE;
  },

  /** Objections and their reasons are the agencies' business ("as long as no Agency … objects"). */
  canReadObjections(viewer: Viewer): boolean {
    return isAgency(viewer);
  },

  /** Coordinators collect notifications from new participants (§C.1). */
  canRecordApplication(viewer: Viewer): boolean {
    return isCoordinator(viewer);
  },

  /** Any endorsing agency — never a private-sector member — may object before the deadline. */
  canObject(viewer: Viewer): boolean {
    return isAgency(viewer);
  },

  /** Only the objecting agency withdraws its objection. */
  canWithdrawObjection(viewer: Viewer, o: EndorsementObjection): boolean {
    return isAgency(viewer) && o.agencyId === viewer.memberOrgId;
  },

  /** The objection window: open while the applicant is APPLIED and the deadline is ahead. */
  windowOpen(status: ParticipantStatus, deadline: Date, now: Date): boolean {
    return status === ParticipantStatus.APPLIED && now.getTime() < deadline.getTime();
  },
};

/** Requests for assistance (§A.5, §B.4). */
export const assistancePolicy = {
  /** Row scope: requester, recipient and the coordinators, who keep the network's records (§C.1). */
  scope(viewer: Viewer, alias: string): Sql {
    if (!viewer.memberOrgId) return FALSE;
    if (isCoordinator(viewer)) return TRUE;
    const r = raw(alias);
    return sql`(${r}.requester_id = ${viewer.memberOrgId} OR ${r}.recipient_id = ${viewer.memberOrgId})`;
  },

  /** The description, the harm assessment and the answer: requester and recipient only (confidential when requested, ¶ after §A.7). */
  canReadDetails(viewer: Viewer, r: AssistanceRequest): boolean {
    return !!viewer.memberOrgId && (r.requesterId === viewer.memberOrgId || r.recipientId === viewer.memberOrgId);
  },

  /** Agencies request assistance (§A.5); private-sector members answer them (§B.1, §B.4). */
  canRequest(viewer: Viewer): boolean {
    return isAgency(viewer);
  },

  canAnswer(viewer: Viewer, r: AssistanceRequest): boolean {
    return isMember(viewer) && r.recipientId === viewer.memberOrgId;
  },

  canWithdraw(viewer: Viewer, r: AssistanceRequest): boolean {
    return isAgency(viewer) && r.requesterId === viewer.memberOrgId;
  },
};

/**
 * Sector reports (§B.3.a): the case rules, with the author's organization in the lead agency's place and the named
 * recipients as the share.
 */
export const reportPolicy = {
  scope(viewer: Viewer, alias: string): Sql {
    const r = raw(alias);
    if (!viewer.memberOrgId || !viewer.personId) return sql`${r}.tlp = ${Tlp.CLEAR}`;
    const ownOrNamed = sql`(${r}.author_org_id = ${viewer.memberOrgId} OR ${viewer.personId}::uuid = ANY (${r}.recipient_ids))`;
    if (isAgency(viewer)) return sql`(${r}.tlp <> ${Tlp.RED} OR ${ownOrNamed})`;
    if (isPrivate(viewer)) return sql`(${r}.tlp IN (${Tlp.CLEAR}, ${Tlp.GREEN}) OR ${ownOrNamed})`;
    return sql`${r}.tlp = ${Tlp.CLEAR}`;
  },

  /** Whom the report was addressed to: the author's organization keeps its distribution list. */
  canReadRecipients(viewer: Viewer, report: SectorReport): boolean {
    return !!viewer.memberOrgId && report.authorOrgId === viewer.memberOrgId;
  },

  /** Private-sector members report to the agencies (§B.3.a); agencies may publish to the network too. */
  canPublish(viewer: Viewer): boolean {
    return isMember(viewer);
  },
};

/** The network report (§C.1, §D): for agencies, counting only what a GREEN reader could see. */
export const networkReportPolicy = {
  canRead(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
  /** TLP levels a GREEN-or-lower reader sees: nothing above GREEN is counted, not even its existence. */
  countedTlp: [Tlp.CLEAR, Tlp.GREEN] as Tlp[],
};
