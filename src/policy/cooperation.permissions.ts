import type { AssistanceRequest } from '../../entities/assistance-request.entity';
import type { Endorsement } from '../../entities/endorsement.entity';
import type { SectorReport } from '../../entities/sector-report.entity';
import { assistancePolicy, endorsementPolicy, networkReportPolicy, reportPolicy } from './cooperation.policy';
import { connectionPermissions, mutationRule, open, PermissionTree, personRef, rowRule, viewerRule } from './rules';

/**
 * The cooperation workflows' part of the rule tree: endorsement, assistance requests, sector reports, network report.
 * Rows come from row-level security; a restricted part is null when the database returned nothing for it (or said, in
 * the row's own statement, that the viewer may not read it). Mutation rules check the kind of viewer only: which rows a
 * viewer may change, the database decides when it is asked to change them.
 */

const fields = (names: string[], why: string) => Object.fromEntries(names.map((f) => [f, open(why)]));

/** A figure of the network report that the database returned as NULL for this reader: coordinators' only. */
interface OutstandingFigure {
  outstanding: number | null;
}

export const cooperationPermissions: PermissionTree = {
  Query: {
    endorsements: open('rows come from endorsement_application under row-level security (agencies; an applicant its own)'),
    endorsement: open('the row comes from endorsement_application under row-level security'),
    assistanceRequests: open('rows come from row-level security (request_read: requester, recipient, coordinators)'),
    assistanceRequest: open('the row comes from row-level security (request_read)'),
    reports: open('rows come from row-level security (report_read: TLP, as for cases)'),
    earlyWarnings: open('rows come from row-level security (report_read: TLP, as for cases)'),
    report: open('the row comes from row-level security (report_read)'),
    networkReport: viewerRule('Query.networkReport', networkReportPolicy.canRead, 'findings shared with the OECD Spam Task Force by the agencies (§C.1, §D)'),
  },
  Mutation: {
    recordApplication: mutationRule('recordApplication', endorsementPolicy.canRecordApplication, null, 'coordinators collect notifications from new participants (§C.1)'),
    objectToEndorsement: mutationRule('objectToEndorsement', endorsementPolicy.canObject, null, 'endorsement stands "as long as no Agency … objects" (paragraph after §D)'),
    withdrawEndorsementObjection: mutationRule(
      'withdrawEndorsementObjection',
      endorsementPolicy.canObject,
      null,
      'only the objecting agency withdraws its objection',
    ),
    requestAssistance: mutationRule('requestAssistance', assistancePolicy.canRequest, null, 'agencies request international assistance, prioritised by harm (§A.5)'),
    acknowledgeRequest: mutationRule('acknowledgeRequest', assistancePolicy.canAnswerAtAll, null, 'the recipient answers requests (§B.1, §B.4)'),
    fulfilRequest: mutationRule('fulfilRequest', assistancePolicy.canAnswerAtAll, null, 'the recipient answers requests (§B.1, §B.4)'),
    declineRequest: mutationRule('declineRequest', assistancePolicy.canAnswerAtAll, null, 'nothing requires sharing confidential information (§D): the recipient decides'),
    withdrawRequest: mutationRule('withdrawRequest', assistancePolicy.canWithdrawAtAll, null, 'the requester withdraws its own request'),
    publishReport: mutationRule('publishReport', reportPolicy.canPublish, null, 'private-sector members report to the agencies (§B.3.a)'),
  },
  Endorsement: {
    ...fields(['id', 'status', 'appliedAt', 'objectionDeadline', 'applicant'], 'endorsement_application admits agencies and the applicant'),
    recordedBy: personRef((e: Endorsement) => e.recordedById, 'endorsement_application admits agencies and the applicant'),
    viewerCan: open('the viewer’s own rights'),
    objections: rowRule<Endorsement>(
      'Endorsement.objections',
      (v, e) => endorsementPolicy.canReadObjections(v, e),
      'objections and their reasons are for agencies only (paragraph after §D; policy objection_read)',
    ),
  },
  EndorsementViewerCan: { object: open('the viewer’s own rights') },
  EndorsementObjection: {
    ...fields(['id', 'reason', 'createdAt', 'withdrawnAt', 'agency', 'endorsement'], 'objections load for agencies only (policy objection_read)'),
    objectedBy: personRef((o: { objectedById: string }) => o.objectedById, 'objections load for agencies only (policy objection_read)'),
  },
  AssistanceRequest: {
    ...fields(
      ['id', 'title', 'categories', 'harmScore', 'status', 'createdAt', 'acknowledgedAt', 'answeredAt', 'requester', 'recipient'],
      'request_read admits requester, recipient and coordinators (§A.5, §C.1)',
    ),
    requestedBy: personRef((r: AssistanceRequest) => r.requestedById, 'request_read admits requester, recipient and coordinators (§A.5, §C.1)'),
    recipientGuidance: open('how to frame requests to this member (§B.4.c), for those who see the request'),
    case: open('the case passes the row-level security of cases'),
    viewerCan: open('the viewer’s own rights'),
    details: rowRule<AssistanceRequest>(
      'AssistanceRequest.details',
      (v, r) => assistancePolicy.canReadDetails(v, r),
      'description, harm assessment and answer stay between requester and recipient (confidentiality ¶ after §A.7; policy request_detail_read)',
    ),
  },
  AssistanceRequestDetails: fields(
    ['description', 'response', 'victimCount', 'estimatedLossUsd', 'vulnerableVictims', 'ongoingHarm'],
    'guarded as a whole by AssistanceRequest.details',
  ),
  AssistanceRequestViewerCan: fields(['readDetails', 'answer', 'withdraw'], 'the viewer’s own rights'),
  SectorReport: {
    ...fields(['id', 'kind', 'title', 'body', 'tlp', 'publishedAt', 'authorOrganization'], 'report_read applies its TLP (§B.3.a)'),
    author: personRef((r: SectorReport) => r.authorId, 'report_read applies its TLP (§B.3.a)'),
    recipients: rowRule<SectorReport>(
      'SectorReport.recipients',
      (v, r) => reportPolicy.canReadRecipients(v, r),
      'the author’s distribution list stays with the author (policy report_recipient_read)',
    ),
  },
  NetworkReport: fields(
    [
      'from', 'to', 'participantsByKind', 'participantsBySector', 'participantsByCountry', 'developingCountriesParticipating', 'callsHeld',
      'callsPerQuarter', 'quartersWithoutCall', 'casesByCategory', 'casesByStatus', 'assistanceRequestsByStatus', 'medianHoursToAnswer', 'questionnaires',
    ],
    'each figure counts what the reader can list, under row-level security (§C.1, §D; DOMAIN §3)',
  ),
  KeyCount: fields(['key', 'count'], 'part of the network report'),
  CountryParticipation: fields(['country', 'agencies', 'privateSectorMembers'], 'part of the network report (§A.7)'),
  QuarterCalls: fields(['year', 'quarter', 'calls'], 'part of the network report (§A.3)'),
  QuestionnaireCompletion: {
    ...fields(['title', 'audience', 'responded'], 'part of the network report (§C.1): responses the reader can list'),
    outstanding: rowRule<OutstandingFigure>(
      'QuestionnaireCompletion.outstanding',
      (_v, q) => q.outstanding !== null,
      'who has not answered is the coordinators’ (§C.1): the database returns no figure to anyone else',
    ),
  },
  ...connectionPermissions('Endorsement'),
  ...connectionPermissions('AssistanceRequest'),
  ...connectionPermissions('SectorReport'),
};
