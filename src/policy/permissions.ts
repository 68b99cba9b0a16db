import { rule } from 'graphql-shield';
import type { Case } from '../../entities/case.entity';
import type { Country } from '../../entities/country.entity';
import type { Participant } from '../../entities/participant.entity';
import type { Context } from '../context';
import { notFound } from '../graphql/errors';
import { accountabilityPermissions } from './accountability.permissions';
import { callPolicy } from './call.policy';
import { cooperationPermissions } from './cooperation.permissions';
import { federationPermissions } from './federation.permissions';
import { outreachPermissions } from './outreach.permissions';
import { casePolicy } from './case.policy';
import { participantPolicy } from './participant.policy';
import { connectionPermissions, mutationRule, open, PermissionTree, personRef, rowRule, viewerRule } from './rules';
import { isAgency, isMember } from './viewer';

/**
 * The rule tree: every object type and every field of the schema, with the rule that guards it and why.
 * Deny by default: a field missing here is denied at run time (graphql-shield's fallbackRule), and a test fails.
 */

const rowScoped = (type: string) => open(`row-level security (the ${type} policy) decided visibility when the row was loaded`);
const always = (why: string) => open(why);

/**
 * A contact (a person) on a row the viewer sees: what the database returned (person_read decides who sees whom). When
 * it returned nothing for a contact the row names — or for any contact, when the viewer is not a member of the network
 * (so that a missing contact looks the same as a withheld one) — the field is null and noted in `extensions.redacted`.
 * A member reading a row that names no contact gets a plain null.
 */
function contactRule<T>(name: string, contactId: (row: T) => string | null, reason: string) {
  return {
    rule: rule(name, { cache: 'no_cache' })(async (row: T, _args, ctx: Context) => {
      const id = contactId(row);
      if (!id) return participantPolicy.readsContacts(ctx.viewer);
      return (await ctx.data.participants.personById.load(id)) !== null;
    }),
    reason,
  };
}

/**
 * An organization's people on a row the viewer sees: members of the network get the list the database returns
 * (person_read); anyone else gets it only where the database returns some of them (their own person, on their own
 * organization), and null, noted in `extensions.redacted`, everywhere else.
 */
function peopleRule(name: string, reason: string) {
  return {
    rule: rule(name, { cache: 'no_cache' })(async (p: Participant, _args, ctx: Context) =>
      participantPolicy.readsContacts(ctx.viewer) || ctx.data.participants.hasVisiblePeople.load(p.id),
    ),
    reason,
  };
}

const participantFields = (type: string) => ({
  id: open('endorsed participants are public (§C.1 disseminates them); others reach agencies only through the policy'),
  kind: open('public listing field of a visible participant'),
  name: open('public listing field of a visible participant'),
  status: open('public listing field of a visible participant (the endorsement paragraph after §D)'),
  appliedAt: rowRule(
    `${type}.appliedAt`,
    (v, p: Participant) => isMember(v) || (v.ownOrgId != null && v.ownOrgId === p.id),
    'the public listing of an endorsed participant is its name, country, kind, sector or competences and endorsement (§C.1); when it applied is the network’s record of the procedure (the endorsement paragraph after §D): members only, and the applicant’s own people (its endorsement tells them)',
  ),
  endorsedAt: open('public listing field of a visible participant'),
  country: open('public listing field of a visible participant (§A.2)'),
  pointOfContact: contactRule(
    `${type}.pointOfContact`,
    (p: Participant) => p.pointOfContactId,
    'points of contact serve the network’s enforcement communications (§A.1, §B.1): members only (person_read)',
  ),
  people: peopleRule(`${type}.people`, 'contact details are for the network’s members (§A.1, §B.1), and oneself (person_read)'),
});

const caseTree: PermissionTree = {
  Case: {
    id: rowScoped('case'),
    reference: rowScoped('case (TLP)'),
    title: rowScoped('case (TLP)'),
    status: rowScoped('case (TLP)'),
    categories: rowScoped('case (TLP)'),
    countries: rowScoped('case (TLP)'),
    tlp: rowScoped('case (TLP)'),
    leadAgency: rowScoped('case (TLP)'),
    openedAt: rowScoped('case (TLP)'),
    harmScore: open('listing field for prioritising by harm (§A.5), visible with the row'),
    viewerCan: open('tells the viewer only about their own rights'),
    confidential: rowRule<Case>(
      'Case.confidential',
      (v, c) => casePolicy.canReadConfidential(v, c),
      'confidential when requested; originators determine what they share (paragraph after §A.7; §D)',
    ),
  },
  CaseConfidential: Object.fromEntries(
    ['id', 'summary', 'suspects', 'evidence', 'investigatorNotes', 'victimCount', 'estimatedLossUsd', 'vulnerableVictims', 'ongoingHarm', 'shares'].map(
      (f) => [f, open('guarded as a whole by Case.confidential')],
    ),
  ),
  CaseViewerCan: {
    readConfidential: always('the viewer’s own rights'),
    edit: always('the viewer’s own rights'),
    share: always('the viewer’s own rights'),
  },
  CaseShare: {
    id: open('reachable only inside Case.confidential'),
    participant: open('reachable only inside Case.confidential'),
    recipients: open('reachable only inside Case.confidential; people through the person policy'),
    reachesWholeOrganization: open('reachable only inside Case.confidential; read from the share row itself'),
    grantedBy: personRef((s: { grantedById: string }) => s.grantedById, 'reachable only inside Case.confidential'),
    grantedAt: open('reachable only inside Case.confidential'),
  },
  ...connectionPermissions('Case'),
};

const callTree: PermissionTree = {
  ConferenceCall: {
    id: rowScoped('call'),
    title: rowScoped('call'),
    scheduledAt: rowScoped('call'),
    durationMinutes: rowScoped('call'),
    organizer: rowScoped('call'),
    dialIn: viewerRule('ConferenceCall.dialIn', (v) => callPolicy.canReadDialIn(v), 'how to join: only on calls the viewer takes part in (§A.3, §B.3)'),
    segments: open('each segment passes the segment policy (lap.segment_visible, §B.3); `order` counts only those'),
    exclusions: viewerRule(
      'ConferenceCall.exclusions',
      (v) => callPolicy.canReadExclusions(v),
      'objections are the agencies’ business; a member never sees one, not even its own (§B.3, last ¶)',
    ),
    viewerCan: always('the viewer’s own rights'),
  },
  ConferenceCallViewerCan: {
    addSegment: always('the viewer’s own rights'),
    exclude: always('the viewer’s own rights'),
    readExclusions: always('the viewer’s own rights'),
  },
  CallSegment: {
    id: rowScoped('segment'),
    order: rowScoped('segment'),
    title: rowScoped('segment'),
    topic: rowScoped('segment'),
    audience: rowScoped('segment'),
    minutes: rowScoped('segment (an exclusion hides the segment, minutes included)'),
    minutesRecordedAt: rowScoped('segment'),
    call: rowScoped('segment'),
    invited: open('the invitation policy: every invited member for agencies, only the members taking part for a private-sector member (§B.3)'),
    discussedCases: open('each case passes the case policy'),
    viewerCan: always('the viewer’s own rights'),
  },
  CallSegmentViewerCan: {
    manage: always('the viewer’s own rights'),
    exclude: always('the viewer’s own rights'),
  },
  CallExclusion: {
    ...Object.fromEntries(
      ['id', 'call', 'segment', 'member', 'objectingAgency', 'reason', 'createdAt', 'withdrawnAt'].map((f) => [f, open('the exclusion policy admits agencies only (§B.3, last ¶)')]),
    ),
    objectedBy: personRef((e: { objectedById: string }) => e.objectedById, 'the exclusion policy admits agencies only (§B.3, last ¶)'),
  },
  CallCadence: {
    year: always('computed under the call policy'),
    callsPerQuarter: always('computed under the call policy'),
    quartersWithoutCall: always('computed under the call policy'),
  },
  ...connectionPermissions('ConferenceCall'),
};

const participantTree: PermissionTree = {
  Agency: {
    ...participantFields('Agency'),
    competences: open('public listing field of an agency (§A)'),
    isCoordinator: open('public: the coordinators convene the network (§C)'),
    cases: open('each case passes the case policy'),
  },
  PrivateSectorMember: {
    ...participantFields('PrivateSectorMember'),
    sector: open('public listing field of a private-sector member (the plan’s closing list of sectors)'),
    requestGuidance: viewerRule(
      'PrivateSectorMember.requestGuidance',
      (v) => isMember(v),
      'how agencies should frame requests (§B.4.c): for the network’s members',
    ),
  },
  Person: Object.fromEntries(
    ['id', 'name', 'email', 'phone', 'title', 'organization', 'leftAt'].map((f) => [f, open('the person policy admits members of the network and oneself')]),
  ),
  Country: {
    code: open('countries are public (§A.2, §A.7)'),
    name: open('countries are public'),
    developing: open('public: the plan encourages less developed countries’ involvement (§A.7)'),
    primaryContact: contactRule(
      'Country.primaryContact',
      (c: Country) => c.primaryContactId,
      'the coordinating contact of a country’s agencies (§A.2): for the network’s members (person_read)',
    ),
    participants: open('each participant passes the participant policy'),
  },
  Viewer: {
    kind: always('the caller’s own identity'),
    person: always('the caller’s own identity'),
    organization: always('the caller’s own organization, also while its application is pending'),
  },
  PageInfo: {
    hasNextPage: always('page structure'),
    hasPreviousPage: always('page structure'),
    startCursor: always('page structure'),
    endCursor: always('page structure'),
  },
  ...connectionPermissions('Participant'),
  ...connectionPermissions('Person'),
  ...connectionPermissions('Country'),
};

const query: PermissionTree = {
  Query: {
    me: always('who the caller is'),
    participants: open('rows pass the participant policy'),
    participant: open('the row passes the participant policy'),
    person: open('the row passes the person policy'),
    countries: open('countries are public'),
    country: open('countries are public'),
    cases: open('rows pass the case policy; filters apply inside it'),
    case: open('the row passes the case policy'),
    calls: open('rows pass the call policy'),
    call: open('the row passes the call policy'),
    callSegment: open('the row passes the segment policy'),
    callExclusion: open('the row passes the exclusion policy'),
    callCadence: viewerRule('Query.callCadence', (v) => isAgency(v), 'calls are due at least quarterly (§A.3); the agencies’ record'),
  },
};

/**
 * Live updates (DOMAIN §7): each payload is resolved at delivery under the subscriber's viewer, through the same
 * loaders (row-level security) and the same rules on every nested field as the root lookups; a row the viewer cannot
 * see delivers nothing (src/live/dispatcher.ts).
 */
const subscription: PermissionTree = {
  Subscription: {
    caseChanged: open('delivered only when the case row passes the case policy for the subscriber at delivery time'),
    earlyWarningPublished: open('delivered only when the report passes the report policy (its TLP and recipients) at delivery time'),
    callChanged: open('delivered only when the call passes the call policy at delivery time; segments filtered as in a query'),
    assistanceRequestChanged: open('delivered only when the request passes the request policy (requester, recipient, coordinators)'),
  },
};

/** A check on the case a mutation names, loaded through the case policy: a hidden case answers like a missing one. */
async function onCase(ctx: Context, argument: string, id: string, check: (c: Case) => boolean): Promise<boolean | Error> {
  const c = await ctx.data.cases.caseById.load(id);
  return c ? check(c) : notFound(argument, 'case');
}

const mutation: PermissionTree = {
  Mutation: {
    openCase: mutationRule('openCase', casePolicy.canOpen, null, 'agencies bring cases to the network (§A.3.a)'),
    updateCase: mutationRule('updateCase', isAgency, (v, a, ctx) => onCase(ctx, 'id', a.id, (c) => casePolicy.canEdit(v, c)), 'originator control: only the lead agency edits'),
    shareCase: mutationRule(
      'shareCase',
      isAgency,
      (v, a, ctx) => onCase(ctx, 'input.caseId', a.input.caseId, (c) => casePolicy.canShare(v, c)),
      'agencies retain the right to determine the information they share (paragraph after §A.7)',
    ),
    revokeShare: mutationRule(
      'revokeShare',
      isAgency,
      async (v, a, ctx) => {
        // A share is part of the confidential tier: row-level security returns it only to whoever reads that tier.
        const share = await ctx.data.cases.shareById.load(a.id);
        const c = share ? await ctx.data.cases.caseById.load(share.caseId) : null;
        if (!c) return notFound('id', 'share');
        return casePolicy.canShare(v, c);
      },
      'only the lead agency withdraws what it shared (paragraph after §A.7)',
    ),
    scheduleCall: mutationRule('scheduleCall', callPolicy.canManage, null, 'the coordinators set up the calls (§C.2)'),
    addSegment: mutationRule('addSegment', callPolicy.canManage, null, 'the coordinators set up the calls (§C.2)'),
    inviteToSegment: mutationRule('inviteToSegment', callPolicy.canManage, null, 'private-sector members take part as requested (§B.3; §C.2)'),
    recordMinutes: mutationRule('recordMinutes', callPolicy.canManage, null, 'the coordinators keep the network’s records (§C.1, §C.2)'),
    linkCaseToSegment: mutationRule('linkCaseToSegment', callPolicy.canManage, null, 'calls discuss cases (§A.3.a); coordinators set the agenda (§C.2)'),
    excludeFromCall: mutationRule('excludeFromCall', callPolicy.canExclude, null, 'any agency may object to a private-sector member’s participation (§B.3, last ¶)'),
    withdrawExclusion: mutationRule(
      'withdrawExclusion',
      isAgency,
      async (_v, a, ctx) => {
        // Whether the viewer's agency made the objection is the exclusion_withdraw policy's to decide, at the write.
        const e = await ctx.data.calls.exclusionById.load(a.id);
        return e ? true : notFound('id', 'exclusion');
      },
      'only the objecting agency withdraws its objection (§B.3, last ¶)',
    ),
    designatePointOfContact: mutationRule(
      'designatePointOfContact',
      participantPolicy.canDesignatePointOfContact,
      null,
      'each participant designates its own point of contact (§A.1, §B.1)',
    ),
    designateCountryPrimaryContact: mutationRule(
      'designateCountryPrimaryContact',
      participantPolicy.canDesignateCountryContact,
      null,
      'the agencies of a country designate its primary contact (§A.2)',
    ),
  },
};

/** Merges the areas' trees type by type; a field given two rules is a programming error. */
export function mergeTrees(...trees: PermissionTree[]): PermissionTree {
  const merged: PermissionTree = {};
  for (const tree of trees) {
    for (const [type, fields] of Object.entries(tree)) {
      for (const [field, permission] of Object.entries(fields)) {
        if (merged[type]?.[field]) throw new Error(`two rules for ${type}.${field}`);
        (merged[type] ??= {})[field] = permission;
      }
    }
  }
  return merged;
}

export const permissions: PermissionTree = mergeTrees(
  query,
  mutation,
  subscription,
  caseTree,
  callTree,
  participantTree,
  cooperationPermissions,
  outreachPermissions,
  federationPermissions,
  accountabilityPermissions,
);
