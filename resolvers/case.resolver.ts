import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Case, CaseConfidential, CaseViewerCan } from '../entities/case.entity';
import { CaseShare } from '../entities/case-share.entity';
import { Country } from '../entities/country.entity';
import { CaseOrder } from '../entities/enums';
import { Agency, Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { isUuid, loadAll, required } from '../src/data/batch';
import type { CasePageParts, CaseQuery, DetailPart } from '../src/data/cases';
import { Connection, toConnection } from '../src/graphql/connection';
import { selectedFields, selectedHere, selectedOnRows } from '../src/graphql/selection';
import { CasesArgs, OpenCaseInput, ShareCaseInput, UpdateCaseInput } from './types/case.input';
import { PageArgs } from './types/common.args';

export const CaseConnection = Connection(Case, 'Case');
export type CaseConnection = InstanceType<typeof CaseConnection>;

/**
 * A page of the cases the viewer may see (row-level security) that `query` asks for (filters, a lead agency), as a
 * connection. What the rows ask for of their lead agency and countries is read with the page, in its statement
 * (`CaseData.page`), so that each row's field answers from the request's cache without a statement or a promise per
 * row: the lead agencies as the rows' selection reads them (listing rows when it asks for no more, Case.leadAgency).
 */
export async function caseConnection(ctx: Context, query: CaseQuery, args: PageArgs, order: CaseOrder, info?: GraphQLResolveInfo): Promise<CaseConnection> {
  const parts: CasePageParts = {};
  if (info) {
    const fields = selectedOnRows(info);
    if (fields.has('leadAgency')) parts.leadAgencyFields = selectedOnRows(info, ['leadAgency']);
    if (fields.has('countries')) parts.countries = true;
  }
  const page = await ctx.data.cases.page(query, args, order, info ? selectedFields(info, []).has('totalCount') : false, parts);
  return toConnection(CaseConnection, page);
}

/**
 * What a case's detail asks for, loaded in one statement (`CaseData.detail`): the case, and as the selection asks, its
 * countries, its shares, the participants it names (its lead agency, its shares' participants) and the people its shares
 * name (grantors, recipients), each part the statement its loader runs, into that loader's cache — so the fields find
 * them there, with the same policies applied, as the viewer. Then whatever of those was not found is asked of the
 * loaders by id, as the fields would: a lead agency the selection reads as a listing row, a participant or person the
 * statement did not return. Every load is read under its table's own policy; what a case the viewer cannot see (or
 * whose tier they cannot read) fetched is found empty or never used. Should the statement fail, each field loads what
 * it needs itself and answers with that failure.
 */
function prefetchCase(ctx: Context, id: string, info: GraphQLResolveInfo): Promise<Case | null> {
  const cases = ctx.data.cases;
  if (!isUuid(id)) return cases.caseById.load(id);
  const fields = selectedFields(info, []);
  const shareFields = selectedFields(info, ['confidential', 'shares']);
  const sharesAsked = selectedFields(info, ['confidential']).has('shares');
  // The lead agency by the loader its field will use (Case.leadAgency): whole rows, or listing rows (below).
  const leads = fields.has('leadAgency') ? ctx.data.participants.participantLoader(selectedFields(info, ['leadAgency'])) : null;
  const whole = ctx.data.participants.participantById;
  const parts: DetailPart[] = [];
  if (fields.has('countries')) parts.push('countries');
  if (sharesAsked) parts.push('shares');
  if (leads === whole || (sharesAsked && shareFields.has('participant'))) parts.push('participants');
  if (sharesAsked && (shareFields.has('grantedBy') || shareFields.has('recipients'))) parts.push('people');
  return cases
    .detail(id, parts)
    .catch(() => undefined)
    .then(() => cases.caseById.load(id))
    .then(async (c) => {
      if (!c) return c;
      const readable = c.confidentialTier && sharesAsked ? await cases.sharesByCase.load(c.id).catch(() => []) : [];
      if (leads && leads !== whole) leads.load(c.leadAgencyId).catch(() => undefined);
      const participants = [
        ...(leads === whole ? [c.leadAgencyId] : []),
        ...(shareFields.has('participant') ? readable.map((s) => s.participantId) : []),
      ];
      const people = [
        ...(shareFields.has('grantedBy') ? readable.map((s) => s.grantedById) : []),
        ...(shareFields.has('recipients') ? readable.flatMap((s) => s.recipientIds) : []),
      ];
      if (participants.length) ctx.data.participants.participantById.loadMany([...new Set(participants)]).catch(() => undefined);
      if (people.length) ctx.data.participants.personById.loadMany([...new Set(people)]).catch(() => undefined);
      return c;
    });
}

/** Loads the case a mutation names, as the viewer sees it; a hidden case is answered as a missing one. */
export function visibleCase(ctx: Context, argument: string, id: string): Promise<Case> {
  return ctx.data.cases.visible(argument, id);
}

@Resolver(() => Case)
export class CaseResolver {
  @Query(() => CaseConnection, { description: 'The cases the viewer may see, highest harm first by default (§A.5).' })
  async cases(@Args() args: CasesArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<CaseConnection> {
    return caseConnection(ctx, { filter: args.filter }, args, args.orderBy, info);
  }

  @Query(() => Case, { nullable: true, description: 'A case by id; null when it does not exist or the viewer may not see it.' })
  case(@Arg('id', () => ID) id: string, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Case | null> {
    return prefetchCase(ctx, id, info);
  }

  @FieldResolver(() => [Country])
  countries(@Root() c: Case, @Ctx() ctx: Context): Country[] | Promise<Country[]> {
    return ctx.data.cases.countriesByCase.peek(c.id) ?? ctx.data.cases.countriesByCase.load(c.id);
  }

  @FieldResolver(() => Agency)
  leadAgency(@Root() c: Case, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Participant | Promise<Participant> {
    // Listing rows when the selection asks for no more (a board's `leadAgency { name country { code } }`), whole ones otherwise.
    const loader = ctx.data.participants.participantLoader(selectedHere(info));
    const lead = loader.peek(c.leadAgencyId);
    if (lead !== undefined) return required(lead, 'lead agency');
    return loader.load(c.leadAgencyId).then((p) => required(p, 'lead agency'));
  }

  @FieldResolver(() => CaseViewerCan)
  viewerCan(@Root() c: Case): CaseViewerCan {
    // Both answers came with the row, from the policy's own SQL functions (lap.case_tier_readable, lap.case_editable).
    return { readConfidential: c.confidentialTier != null, edit: c.editable === true, share: c.editable === true };
  }

  @FieldResolver(() => CaseConfidential, {
    nullable: true,
    description:
      'The confidential tier: the lead agency’s people and the people a share reaches. Null for anyone else, noted in ' +
      '`extensions.redacted` (never an error).',
  })
  confidential(@Root() c: Case, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): CaseConfidential | null {
    // Row-level security on case_confidential returned the tier with the row, or nothing (then the rule redacts).
    // The response carries it: the audit trail records it (DOMAIN §9).
    if (c.confidentialTier) ctx.audit?.tier(c, info);
    return c.confidentialTier ?? null;
  }

  @Mutation(() => Case, { description: 'Opens a case with the viewer’s agency as lead agency (AGENCY viewers).' })
  openCase(@Arg('input') input: OpenCaseInput, @Ctx() ctx: Context): Promise<Case> {
    return ctx.data.cases.open(input);
  }

  @Mutation(() => Case, { description: 'Changes a case (its lead agency only).' })
  updateCase(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateCaseInput, @Ctx() ctx: Context): Promise<Case> {
    return ctx.data.cases.update(id, input);
  }

  @Mutation(() => CaseShare, {
    description:
      'Grants a case to a participant, or changes whom an existing grant names (the lead agency only). Takes effect on the next query.',
  })
  shareCase(@Arg('input') input: ShareCaseInput, @Ctx() ctx: Context): Promise<CaseShare> {
    return ctx.data.cases.share(input);
  }

  @Mutation(() => Case, { description: 'Revokes a share (the lead agency only); the participant loses access on its next query.' })
  revokeShare(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Case> {
    return ctx.data.cases.revokeShare(id);
  }
}

@Resolver(() => CaseConfidential)
export class CaseConfidentialResolver {
  @FieldResolver(() => [CaseShare], { description: 'Whom the lead agency has granted the case to.' })
  shares(@Root() c: CaseConfidential, @Ctx() ctx: Context): Promise<CaseShare[]> {
    return ctx.data.cases.sharesByCase.load(c.caseId);
  }
}

@Resolver(() => CaseShare)
export class CaseShareResolver {
  @FieldResolver(() => Participant)
  async participant(@Root() s: CaseShare, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(s.participantId), 'share participant');
  }

  @FieldResolver(() => Boolean, {
    description: 'Whether the share reaches every person of the participant: true when it names nobody.',
  })
  reachesWholeOrganization(@Root() s: CaseShare): boolean {
    return s.recipientIds.length === 0;
  }

  @FieldResolver(() => [Person], {
    description:
      'The named persons the share reaches, those the viewer may see: an agency sees every person; a private-sector member ' +
      'the people of endorsed participants (not those of a participant that has withdrawn); each one left out is counted ' +
      'in `extensions.redacted`. Empty when the share names nobody: `reachesWholeOrganization` says which.',
  })
  async recipients(@Root() s: CaseShare, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Person[]> {
    const people = await loadAll(ctx.data.participants.personById, s.recipientIds);
    const seen = people.filter((p): p is Person => p instanceof Person);
    // Named, but a person this viewer may not see: noted in `extensions.redacted` (once each), as a hidden person
    // reference is: `recipients: []` beside `reachesWholeOrganization: false` would otherwise read as naming nobody.
    const hidden = s.recipientIds.length - seen.length;
    if (hidden > 0) ctx.redactions.note(info.path, hidden);
    return seen;
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who granted the share.' })
  grantedBy(@Root() s: CaseShare, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(s.grantedById);
  }
}
