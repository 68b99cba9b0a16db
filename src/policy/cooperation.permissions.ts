import type { AssistanceRequest } from '../../entities/assistance-request.entity';
import type { SectorReport } from '../../entities/sector-report.entity';
import type { Context } from '../context';
import { notFound } from '../graphql/errors';
import { assistancePolicy, endorsementPolicy, networkReportPolicy, reportPolicy } from './cooperation.policy';
import { connectionPermissions, mutationRule, open, PermissionTree, rowRule, viewerRule } from './rules';
import { isAgency, isMember, Viewer } from './viewer';

/** The cooperation workflows' part of the rule tree: endorsement, assistance requests, sector reports, network report. */

const fields = (names: string[], why: string) => Object.fromEntries(names.map((f) => [f, open(why)]));

async function requestFor(
  v: Viewer,
  ctx: Context,
  id: string,
  check: (v: Viewer, r: AssistanceRequest) => boolean,
): Promise<boolean | Error> {
  const r = await ctx.data.cooperation.requestById.load(id);
  if (!r) return notFound('id', 'request');
  return check(v, r);
}

export const cooperationPermissions: PermissionTree = {
  Query: {
    endorsements: open('rows pass the application row scope (agencies; an applicant its own)'),
    endorsement: open('the row passes the application row scope'),
    assistanceRequests: open('rows pass the request row scope (requester, recipient, coordinators)'),
    assistanceRequest: open('the row passes the request row scope'),
    reports: open('rows pass the report row scope (TLP, as for cases)'),
    earlyWarnings: open('rows pass the report row scope (TLP, as for cases)'),
    report: open('the row passes the report row scope'),
    networkReport: viewerRule('Query.networkReport', networkReportPolicy.canRead, 'findings shared with the OECD Spam Task Force by the agencies (§C.1, §D)'),
  },
  Mutation: {
    recordApplication: mutationRule('recordApplication', endorsementPolicy.canRecordApplication, null, 'coordinators collect notifications from new participants (§C.1)'),
    objectToEndorsement: mutationRule('objectToEndorsement', endorsementPolicy.canObject, null, 'endorsement stands "as long as no Agency … objects" (paragraph after §D)'),
    withdrawEndorsementObjection: mutationRule(
      'withdrawEndorsementObjection',
      isAgency,
      async (v, a, ctx) => {
        const o = await ctx.data.cooperation.objectionById.load(a.id);
        if (!o) return notFound('id', 'objection');
        return endorsementPolicy.canWithdrawObjection(v, o);
      },
      'only the objecting agency withdraws its objection',
    ),
    requestAssistance: mutationRule('requestAssistance', assistancePolicy.canRequest, null, 'agencies request international assistance, prioritised by harm (§A.5)'),
    acknowledgeRequest: mutationRule('acknowledgeRequest', isMember, (v, a, ctx) => requestFor(v, ctx, a.id, assistancePolicy.canAnswer), 'the recipient answers requests (§B.1, §B.4)'),
    fulfilRequest: mutationRule('fulfilRequest', isMember, (v, a, ctx) => requestFor(v, ctx, a.id, assistancePolicy.canAnswer), 'the recipient answers requests (§B.1, §B.4)'),
    declineRequest: mutationRule('declineRequest', isMember, (v, a, ctx) => requestFor(v, ctx, a.id, assistancePolicy.canAnswer), 'nothing requires sharing confidential information (§D)'),
    withdrawRequest: mutationRule('withdrawRequest', isAgency, (v, a, ctx) => requestFor(v, ctx, a.id, assistancePolicy.canWithdraw), 'the requester withdraws its own request'),
    publishReport: mutationRule('publishReport', reportPolicy.canPublish, null, 'private-sector members report to the agencies (§B.3.a)'),
  },
  Endorsement: {
    ...fields(['id', 'status', 'appliedAt', 'objectionDeadline', 'applicant', 'recordedBy'], 'the application row scope admits agencies and the applicant'),
    viewerCan: open('the viewer’s own rights'),
    objections: viewerRule('Endorsement.objections', endorsementPolicy.canReadObjections, 'objections and their reasons are for agencies only (paragraph after §D)'),
  },
  EndorsementViewerCan: { object: open('the viewer’s own rights') },
  EndorsementObjection: fields(['id', 'reason', 'createdAt', 'withdrawnAt', 'agency', 'objectedBy', 'endorsement'], 'objections load for agencies only'),
  AssistanceRequest: {
    ...fields(
      ['id', 'title', 'categories', 'harmScore', 'status', 'createdAt', 'acknowledgedAt', 'answeredAt', 'requester', 'requestedBy', 'recipient'],
      'the request row scope admits requester, recipient and coordinators (§A.5, §C.1)',
    ),
    recipientGuidance: open('how to frame requests to this member (§B.4.c), for those who see the request'),
    case: open('the case passes the case row scope'),
    viewerCan: open('the viewer’s own rights'),
    details: rowRule<AssistanceRequest>(
      'AssistanceRequest.details',
      (v, r) => assistancePolicy.canReadDetails(v, r),
      'description and answer stay between requester and recipient (confidentiality ¶ after §A.7)',
    ),
  },
  AssistanceRequestDetails: fields(
    ['description', 'response', 'victimCount', 'estimatedLossUsd', 'vulnerableVictims', 'ongoingHarm'],
    'guarded as a whole by AssistanceRequest.details',
  ),
  AssistanceRequestViewerCan: fields(['readDetails', 'answer', 'withdraw'], 'the viewer’s own rights'),
  SectorReport: {
    ...fields(['id', 'kind', 'title', 'body', 'tlp', 'publishedAt', 'authorOrganization', 'author'], 'the report row scope applies its TLP (§B.3.a)'),
    recipients: rowRule<SectorReport>('SectorReport.recipients', (v, r) => reportPolicy.canReadRecipients(v, r), 'the author’s distribution list stays with the author'),
  },
  NetworkReport: fields(
    [
      'from', 'to', 'participantsByKind', 'participantsBySector', 'participantsByCountry', 'developingCountriesParticipating', 'callsHeld',
      'callsPerQuarter', 'quartersWithoutCall', 'casesByCategory', 'casesByStatus', 'assistanceRequestsByStatus', 'medianHoursToAnswer', 'questionnaires',
    ],
    'computed for agencies from GREEN-or-lower data only (§C.1, §D)',
  ),
  KeyCount: fields(['key', 'count'], 'part of the network report'),
  CountryParticipation: fields(['country', 'agencies', 'privateSectorMembers'], 'part of the network report (§A.7)'),
  QuarterCalls: fields(['year', 'quarter', 'calls'], 'part of the network report (§A.3)'),
  QuestionnaireCompletion: fields(['title', 'audience', 'responded', 'outstanding'], 'part of the network report (§C.1)'),
  ...connectionPermissions('Endorsement'),
  ...connectionPermissions('AssistanceRequest'),
  ...connectionPermissions('SectorReport'),
};
