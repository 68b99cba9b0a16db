import { rule } from 'graphql-shield';
import type { Case } from '../../entities/case.entity';
import type { Context } from '../context';
import { notFound } from '../graphql/errors';
import { connectionPermissions, mutationRule, open, PermissionTree, personRef } from './rules';
import { isAgency, isMemberPerson } from './viewer';

/**
 * API keys (DOMAIN §8) and accountability (§9): the audit trail, requests for access, the explanation of access.
 * Rows come from row-level security (api_key_read, case_access_log_read, case_access_request_read); the parts that
 * are the lead agency's alone are null plus `extensions.redacted` for anyone else, from the SQL's own answer.
 */

const fields = (names: string[], why: string) => Object.fromEntries(names.map((f) => [f, open(why)]));

/** A part of a case that only its lead agency reads: whether the viewer's agency leads it came from SQL (caseFacts). */
function leadAgencyOnly(name: string, reason: string) {
  return {
    rule: rule(name, { cache: 'no_cache' })(async (c: Case, _args, ctx: Context) => (await ctx.data.accountability.caseFacts.load(c.id))?.leads === true),
    reason,
  };
}

export const accountabilityPermissions: PermissionTree = {
  Query: {
    apiKeys: open('rows pass row-level security (api_key_read: the organization’s own people, DOMAIN §8)'),
    caseAccessRequests: open('rows pass row-level security (case_access_request_read: the requester and the lead agency)'),
    caseAccessRequest: open('the row passes row-level security (case_access_request_read)'),
  },
  Mutation: {
    createApiKey: mutationRule(
      'createApiKey',
      isMemberPerson,
      null,
      'a person of an endorsed participant creates keys for their own organization (DOMAIN §8)',
    ),
    revokeApiKey: mutationRule(
      'revokeApiKey',
      isMemberPerson,
      async (_v, a, ctx) => ((await ctx.data.accountability.apiKeyById.load(a.id)) ? true : notFound('id', 'API key')),
      'the organization’s people revoke its keys (DOMAIN §8)',
    ),
    requestCaseAccess: mutationRule(
      'requestCaseAccess',
      isMemberPerson,
      async (_v, a, ctx) => ((await ctx.data.cases.caseById.load(a.caseId)) ? true : notFound('caseId', 'case')),
      'a member may ask the originator for what it did not share (confidentiality ¶ after §A.7; DOMAIN §9)',
    ),
    grantCaseAccess: mutationRule(
      'grantCaseAccess',
      (v) => isAgency(v) && isMemberPerson(v),
      async (_v, a, ctx) => {
        const r = await ctx.data.accountability.requestById.load(a.id);
        return r ? r.decides === true : notFound('id', 'access request');
      },
      'originators determine what they share (¶ after §A.7): the lead agency’s people decide',
    ),
    declineCaseAccess: mutationRule(
      'declineCaseAccess',
      (v) => isAgency(v) && isMemberPerson(v),
      async (_v, a, ctx) => {
        const r = await ctx.data.accountability.requestById.load(a.id);
        return r ? r.decides === true : notFound('id', 'access request');
      },
      'nothing requires sharing confidential information (§D): the lead agency’s people decide',
    ),
    withdrawCaseAccessRequest: mutationRule(
      'withdrawCaseAccessRequest',
      isMemberPerson,
      async (_v, a, ctx) => {
        const r = await ctx.data.accountability.requestById.load(a.id);
        return r ? r.withdraws === true : notFound('id', 'access request');
      },
      'the requester follows and withdraws their own request (DOMAIN §9); row-level security admits them alone (case_access_request_withdraw)',
    ),
  },
  Case: {
    confidentialAccess: open('explains only the viewer’s own access, from the tier’s own policy facts; shares to others stay unread'),
    accessLog: leadAgencyOnly('Case.accessLog', 'who read a case is the lead agency’s record (DOMAIN §9; case_access_log_read)'),
    accessRequests: leadAgencyOnly('Case.accessRequests', 'the lead agency decides requests for its case (DOMAIN §9; case_access_request_read)'),
    viewerAccessRequest: open('the viewer’s own request: rows pass case_access_request_read'),
  },
  Viewer: {
    apiKey: open('the caller’s own identity'),
  },
  ApiKey: {
    ...fields(
      ['id', 'name', 'prefix', 'createdAt', 'expiresAt', 'revokedAt', 'lastUsedAt', 'organization'],
      'api_key_read admits the organization’s own people; the hash is not a field',
    ),
    createdBy: personRef((k: { createdById: string | null }) => k.createdById, 'api_key_read admits the organization’s own people'),
    revokedBy: personRef((k: { revokedById: string | null }) => k.revokedById, 'api_key_read admits the organization’s own people'),
  },
  CreatedApiKey: fields(['apiKey', 'secret'], 'answered once, to the person who created the key'),
  ViewerApiKey: fields(['id', 'name', 'prefix', 'expiresAt'], 'the caller’s own key'),
  CaseAccessRequest: {
    ...fields(
      ['id', 'justification', 'status', 'createdAt', 'decidedAt', 'declineReason', 'grantedScope', 'requesterOrganization'],
      'case_access_request_read admits the requester and the lead agency',
    ),
    requester: personRef((r: { requesterId: string | null }) => r.requesterId, 'case_access_request_read admits the requester and the lead agency'),
    decidedBy: personRef((r: { decidedById: string | null }) => r.decidedById, 'case_access_request_read admits the requester and the lead agency'),
    case: open('the case passes the case policy'),
    viewerCan: open('the viewer’s own rights'),
  },
  CaseAccessRequestViewerCan: { decide: open('the viewer’s own rights'), withdraw: open('the viewer’s own rights') },
  CaseAccessLogEntry: {
    ...fields(['id', 'apiKeyName', 'apiKeyPrefix', 'path', 'confidential', 'accessedAt', 'organization'], 'case_access_log_read admits the lead agency only'),
    person: personRef((e: { personId: string | null }) => e.personId, 'case_access_log_read admits the lead agency only; null for a read by an API key'),
  },
  CaseConfidentialAccess: fields(['allowed', 'reason'], 'the viewer’s own access'),
  ...connectionPermissions('ApiKey'),
  ...connectionPermissions('CaseAccessRequest'),
  ...connectionPermissions('CaseAccessLogEntry'),
};
