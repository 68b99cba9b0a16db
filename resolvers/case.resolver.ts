import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Case, CaseConfidential, CaseViewerCan } from '../entities/case.entity';
import { CaseShare } from '../entities/case-share.entity';
import { Country } from '../entities/country.entity';
import { CaseOrder, HarmCategory, ParticipantStatus, Tlp } from '../entities/enums';
import { Agency, Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { and, join, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, forbidden, notFound, refusedByPolicy } from '../src/graphql/errors';
import { OrderKey, paginate } from '../src/graphql/paginate';
import { selectedOnRows } from '../src/graphql/selection';
import { harmScore } from '../src/harm';
import { isUuid, required } from '../src/data/batch';
import { casePolicy } from '../src/policy/case.policy';
import { CaseFilter, CasesArgs, OpenCaseInput, ShareCaseInput, UpdateCaseInput } from './types/case.input';
import { PageArgs } from './types/common.args';

export const CaseConnection = Connection(Case, 'Case');
export type CaseConnection = InstanceType<typeof CaseConnection>;

const caseOrders: Record<CaseOrder, OrderKey[]> = {
  [CaseOrder.HARM]: [
    { expr: 'c.harm_score', direction: 'DESC', type: 'integer' },
    { expr: 'c.id', direction: 'ASC', type: 'uuid' },
  ],
  [CaseOrder.OPENED_AT]: [
    { expr: 'c.opened_at', direction: 'DESC', type: 'timestamptz' },
    { expr: 'c.id', direction: 'ASC', type: 'uuid' },
  ],
};

/** A page of the cases the viewer may see: the row scope and the filters in one statement, counted under both. */
export async function caseConnection(ctx: Context, conditions: Sql[], args: PageArgs, order: CaseOrder, info?: GraphQLResolveInfo): Promise<CaseConnection> {
  const page = await paginate(ctx.db, {
    from: sql`enforcement_case c`,
    select: ctx.data.cases.caseColumns('c'),
    where: and(conditions),
    order: caseOrders[order],
    first: args.first,
    after: args.after,
    hydrate: (rows) => ctx.data.cases.hydrateCases(rows),
  });
  if (info) await prefetchListing(ctx, page.nodes, info);
  return toConnection(CaseConnection, page);
}

/**
 * Loads what the page's rows ask for of their lead agency and countries in one batch each, before the rows resolve,
 * so that each row's field answers from the request's cache without a promise per row. The same loaders, with their
 * row scopes, and the same statements as the rows would issue themselves.
 */
async function prefetchListing(ctx: Context, cases: Case[], info: GraphQLResolveInfo): Promise<void> {
  if (cases.length === 0) return;
  const fields = selectedOnRows(info);
  const tasks: Promise<unknown>[] = [];
  if (fields.has('leadAgency')) {
    const leadCountries = selectedOnRows(info, ['leadAgency']).has('country');
    tasks.push(
      ctx.data.participants.participantById.loadMany([...new Set(cases.map((c) => c.leadAgencyId))]).then((leads) => {
        const codes = leads.flatMap((p) => (p instanceof Participant ? [p.countryCode] : []));
        return leadCountries ? ctx.data.participants.countryByCode.loadMany([...new Set(codes)]) : undefined;
      }),
    );
  }
  if (fields.has('countries')) tasks.push(ctx.data.cases.countriesByCase.loadMany(cases.map((c) => c.id)));
  await Promise.all(tasks);
}

async function filterConditions(ctx: Context, filter: CaseFilter | null | undefined): Promise<Sql[]> {
  if (!filter) return [];
  const conditions: Sql[] = [];
  if (filter.status) conditions.push(sql`c.status = ${filter.status}`);
  if (filter.tlp) conditions.push(sql`c.tlp = ${filter.tlp}`);
  if (filter.category) conditions.push(sql`${filter.category} = ANY (c.categories)`);
  if (filter.countryCode) {
    if (!(await ctx.data.participants.countryByCode.load(filter.countryCode))) throw badInput('filter.countryCode', 'no country with this code');
    conditions.push(sql`EXISTS (SELECT 1 FROM case_country cc WHERE cc.case_id = c.id AND cc.country_code = ${filter.countryCode})`);
  }
  if (filter.leadAgencyId) {
    const lead = await ctx.data.participants.participantById.load(filter.leadAgencyId);
    if (!(lead instanceof Agency)) throw notFound('filter.leadAgencyId', 'agency');
    conditions.push(sql`c.lead_agency_id = ${lead.id}`);
  }
  return conditions;
}

async function visibleCountries(ctx: Context, argument: string, codes: string[]): Promise<string[]> {
  const unique = [...new Set(codes)];
  const found = await ctx.data.participants.countryByCode.loadMany(unique);
  const missing = unique.filter((_, i) => !(found[i] instanceof Country));
  if (missing.length) throw badInput(argument, `no country with code ${missing.join(', ')}`);
  return unique;
}

/** Loads the case a mutation names, as the viewer sees it; a hidden case is answered as a missing one. */
export async function visibleCase(ctx: Context, argument: string, id: string): Promise<Case> {
  const c = await ctx.data.cases.caseById.load(id);
  if (!c) throw notFound(argument, 'case');
  return c;
}

async function reload(ctx: Context, id: string): Promise<Case> {
  ctx.data.cases.caseById.clear(id);
  ctx.data.cases.countriesByCase.clear(id);
  ctx.data.cases.sharesByCase.clear(id);
  return visibleCase(ctx, 'id', id);
}

function uniqueViolation(err: unknown): boolean {
  return (err as { code?: string }).code === '23505';
}

@Resolver(() => Case)
export class CaseResolver {
  @Query(() => CaseConnection, { description: 'The cases the viewer may see, highest harm first by default (§A.5).' })
  async cases(@Args() args: CasesArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<CaseConnection> {
    return caseConnection(ctx, await filterConditions(ctx, args.filter), args, args.orderBy, info);
  }

  @Query(() => Case, { nullable: true, description: 'A case by id; null when it does not exist or the viewer may not see it.' })
  case(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Case | null> {
    return ctx.data.cases.caseById.load(id);
  }

  @FieldResolver(() => [Country])
  countries(@Root() c: Case, @Ctx() ctx: Context): Country[] | Promise<Country[]> {
    return ctx.data.cases.countriesByCase.peek(c.id) ?? ctx.data.cases.countriesByCase.load(c.id);
  }

  @FieldResolver(() => Agency)
  leadAgency(@Root() c: Case, @Ctx() ctx: Context): Participant | Promise<Participant> {
    const lead = ctx.data.participants.participantById.peek(c.leadAgencyId);
    if (lead !== undefined) return required(lead, 'lead agency');
    return ctx.data.participants.participantById.load(c.leadAgencyId).then((p) => required(p, 'lead agency'));
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
  confidential(@Root() c: Case): CaseConfidential | null {
    // The rule has decided; the row's statement applied the same policy in SQL, so a tier is never read past it.
    return c.confidentialTier ?? null;
  }

  @Mutation(() => Case, { description: 'Opens a case with the viewer’s agency as lead agency (AGENCY viewers).' })
  async openCase(@Arg('input') input: OpenCaseInput, @Ctx() ctx: Context): Promise<Case> {
    const countries = await visibleCountries(ctx, 'input.countryCodes', input.countryCodes);
    const id = await ctx.db
      .transaction(async (m) => {
        // The lead agency is the viewer's own; the policy (lap.case_editable) refuses any other.
        const [row] = await m.query<{ id: string; lead_agency_id: string }>(
          `INSERT INTO enforcement_case (reference, title, status, categories, tlp, lead_agency_id, harm_score)
           VALUES ($1,$2,$3,$4,$5,lap.viewer_org(),$6) RETURNING id, lead_agency_id`,
          [input.reference, input.title, input.status, [...new Set(input.categories)], input.tlp, harmScore(input)],
        );
        await m.query(
          `INSERT INTO case_confidential (case_id, lead_agency_id, summary, suspects, evidence, investigator_notes, victim_count,
             estimated_loss_usd, vulnerable_victims, ongoing_harm) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
          [
            row.id, row.lead_agency_id, input.summary, input.suspects, input.evidence ?? null, input.investigatorNotes ?? null, input.victimCount,
            Math.round(input.estimatedLossUsd), input.vulnerableVictims, input.ongoingHarm,
          ],
        );
        await m.query(`INSERT INTO case_country (case_id, country_code) SELECT $1, unnest($2::text[])`, [row.id, countries]);
        return row.id;
      })
      .catch((err) => {
        if (uniqueViolation(err)) throw badInput('input.reference', 'your agency already has a case with this reference');
        throw refusedByPolicy(err);
      });
    return reload(ctx, id);
  }

  @Mutation(() => Case, { description: 'Changes a case (its lead agency only).' })
  async updateCase(@Arg('id', () => ID) id: string, @Arg('input') input: UpdateCaseInput, @Ctx() ctx: Context): Promise<Case> {
    const c = await visibleCase(ctx, 'id', id);
    const countries = input.countryCodes ? await visibleCountries(ctx, 'input.countryCodes', input.countryCodes) : null;
    await ctx.db.transaction(async (m) => {
      // Lock the row and its tier (the UPDATE policy: the lead agency only), then change only the given fields: two
      // editors changing different fields of one case both stick, one after the other.
      const [row] = await m.query<{ title: string; status: string; categories: string[]; tlp: string }>(
        `SELECT title, status, categories, tlp FROM enforcement_case WHERE id = $1 FOR UPDATE`,
        [c.id],
      );
      const [tier] = await m.query<{ victim_count: number; estimated_loss_usd: number; vulnerable_victims: boolean; ongoing_harm: boolean }>(
        `SELECT victim_count, estimated_loss_usd, vulnerable_victims, ongoing_harm FROM case_confidential WHERE case_id = $1 FOR UPDATE`,
        [c.id],
      );
      if (!row || !tier) throw forbidden('only the lead agency edits a case');
      const categories = input.categories ? [...new Set(input.categories)] : (row.categories as HarmCategory[]);
      const tlp = input.tlp ?? (row.tlp as Tlp);
      if (tlp === Tlp.RED && row.tlp !== Tlp.RED) {
        const [{ n }] = await m.query<{ n: number }>(`SELECT count(*)::int AS n FROM case_share WHERE case_id = $1 AND cardinality(recipient_ids) = 0`, [c.id]);
        if (n > 0) throw badInput('input.tlp', 'TLP:RED is for named persons: narrow or revoke the shares to whole organizations first');
      }
      const assessment = {
        victimCount: input.victimCount ?? tier.victim_count,
        estimatedLossUsd: input.estimatedLossUsd !== undefined && input.estimatedLossUsd !== null ? Math.round(input.estimatedLossUsd) : tier.estimated_loss_usd,
        vulnerableVictims: input.vulnerableVictims ?? tier.vulnerable_victims,
        ongoingHarm: input.ongoingHarm ?? tier.ongoing_harm,
        categories,
      };
      const caseSet: Sql[] = [sql`harm_score = ${harmScore(assessment)}`, sql`updated_at = now()`];
      if (input.title !== undefined && input.title !== null) caseSet.push(sql`title = ${input.title}`);
      if (input.status !== undefined && input.status !== null) caseSet.push(sql`status = ${input.status}`);
      if (input.categories) caseSet.push(sql`categories = ${categories}`);
      if (input.tlp !== undefined && input.tlp !== null) caseSet.push(sql`tlp = ${input.tlp}`);
      await m.rows(sql`UPDATE enforcement_case SET ${join(caseSet, ', ')} WHERE id = ${c.id}`);
      const tierSet: Sql[] = [];
      if (input.summary !== undefined && input.summary !== null) tierSet.push(sql`summary = ${input.summary}`);
      if (input.suspects !== undefined && input.suspects !== null) tierSet.push(sql`suspects = ${input.suspects}`);
      if (input.evidence !== undefined) tierSet.push(sql`evidence = ${input.evidence}`);
      if (input.investigatorNotes !== undefined) tierSet.push(sql`investigator_notes = ${input.investigatorNotes}`);
      if (input.victimCount !== undefined && input.victimCount !== null) tierSet.push(sql`victim_count = ${assessment.victimCount}`);
      if (input.estimatedLossUsd !== undefined && input.estimatedLossUsd !== null) tierSet.push(sql`estimated_loss_usd = ${assessment.estimatedLossUsd}`);
      if (input.vulnerableVictims !== undefined && input.vulnerableVictims !== null) tierSet.push(sql`vulnerable_victims = ${assessment.vulnerableVictims}`);
      if (input.ongoingHarm !== undefined && input.ongoingHarm !== null) tierSet.push(sql`ongoing_harm = ${assessment.ongoingHarm}`);
      if (tierSet.length) await m.rows(sql`UPDATE case_confidential SET ${join(tierSet, ', ')} WHERE case_id = ${c.id}`);
      if (countries) {
        await m.query(`DELETE FROM case_country WHERE case_id = $1`, [c.id]);
        await m.query(`INSERT INTO case_country (case_id, country_code) SELECT $1, unnest($2::text[])`, [c.id, countries]);
      }
    }).catch((err) => {
      throw refusedByPolicy(err);
    });
    return reload(ctx, c.id);
  }

  @Mutation(() => CaseShare, {
    description:
      'Grants a case to a participant, or changes whom an existing grant names (the lead agency only). Takes effect on the next query.',
  })
  async shareCase(@Arg('input') input: ShareCaseInput, @Ctx() ctx: Context): Promise<CaseShare> {
    const c = await visibleCase(ctx, 'input.caseId', input.caseId);
    const participant = await ctx.data.participants.participantById.load(input.participantId);
    if (!participant || participant.status !== ParticipantStatus.ENDORSED) throw notFound('input.participantId', 'endorsed participant');
    if (participant.id === c.leadAgencyId) throw badInput('input.participantId', 'the lead agency already reads its own case');
    const recipientIds = [...new Set(input.recipientIds)];
    if (c.tlp === Tlp.RED && recipientIds.length === 0) {
      throw badInput('input.recipientIds', 'a TLP:RED case is shared with named persons only: name at least one');
    }
    const people = await ctx.data.participants.personById.loadMany(recipientIds.filter(isUuid));
    const strangers = recipientIds.filter((rid) => !people.some((p) => p instanceof Person && p.id === rid && p.organizationId === participant.id));
    if (strangers.length) throw badInput('input.recipientIds', `not people of ${participant.name}: ${strangers.join(', ')}`);
    const [row] = (await ctx.db.query(
      `INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, $3::uuid[], $4)
       ON CONFLICT (case_id, participant_id) DO UPDATE SET recipient_ids = EXCLUDED.recipient_ids,
         granted_by_id = EXCLUDED.granted_by_id, granted_at = now()
       RETURNING id`,
      [c.id, participant.id, recipientIds, ctx.viewer.personId],
    )) as Array<{ id: string }>;
    ctx.data.cases.sharesByCase.clear(c.id);
    const shares = await ctx.data.cases.sharesByCase.load(c.id);
    return shares.find((s) => s.id === row.id)!;
  }

  @Mutation(() => Case, { description: 'Revokes a share (the lead agency only); the participant loses access on its next query.' })
  async revokeShare(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Case> {
    // The rule has checked that the share exists and that the viewer leads its case.
    const share = (await ctx.data.cases.shareById.load(id))!;
    await ctx.db.query(`DELETE FROM case_share WHERE id = $1`, [share.id]);
    return reload(ctx, share.caseId);
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

  @FieldResolver(() => [Person], { description: 'The named persons the share reaches; empty when it reaches the whole organization.' })
  async recipients(@Root() s: CaseShare, @Ctx() ctx: Context): Promise<Person[]> {
    const people = await ctx.data.participants.personById.loadMany(s.recipientIds);
    return people.filter((p): p is Person => p instanceof Person);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who granted the share.' })
  grantedBy(@Root() s: CaseShare, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(s.grantedById);
  }
}
