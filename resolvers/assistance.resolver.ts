import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AssistanceRequest, AssistanceRequestDetails, AssistanceRequestViewerCan } from '../entities/assistance-request.entity';
import { Case } from '../entities/case.entity';
import { AssistanceStatus, ParticipantStatus, RequestDirection } from '../entities/enums';
import { Agency, Participant, PrivateSectorMember } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { and, FALSE, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { paginate } from '../src/graphql/paginate';
import { harmScore } from '../src/harm';
import { required } from '../src/data/batch';
import { assistancePolicy } from '../src/policy/cooperation.policy';
import { AnswerRequestArgs, AssistanceRequestsArgs, RequestAssistanceInput } from './types/cooperation.input';

export const AssistanceRequestConnection = Connection(AssistanceRequest, 'AssistanceRequest');
export type AssistanceRequestConnection = InstanceType<typeof AssistanceRequestConnection>;

const unanswered = [AssistanceStatus.OPEN, AssistanceStatus.ACKNOWLEDGED];

async function move(ctx: Context, id: string, from: AssistanceStatus[], set: Sql): Promise<AssistanceRequest> {
  // The rule has checked that the viewer may act on this request.
  const request = (await ctx.data.cooperation.requestById.load(id))!;
  if (!from.includes(request.status)) throw badInput('id', `the request is ${request.status}`);
  // The status guard in SQL keeps two concurrent answers from both succeeding.
  const { text, values } = sql`UPDATE assistance_request SET ${set} WHERE id = ${request.id} AND status = ANY (${from}::text[]) RETURNING id`.compile();
  const rows = (await ctx.db.query(text, values)) as unknown[];
  if (rows.length === 0) throw badInput('id', 'the request changed meanwhile; reload it');
  ctx.data.cooperation.requestById.clear(request.id);
  return required(await ctx.data.cooperation.requestById.load(request.id), 'request');
}

@Resolver(() => AssistanceRequest)
export class AssistanceRequestResolver {
  @Query(() => AssistanceRequestConnection, {
    description: 'Requests for assistance the viewer may see, highest harm score first, then oldest first (§A.5).',
  })
  async assistanceRequests(@Args() args: AssistanceRequestsArgs, @Ctx() ctx: Context): Promise<AssistanceRequestConnection> {
    const f = args.filter;
    const conditions: Sql[] = [assistancePolicy.scope(ctx.viewer, 'r')];
    if (f?.status) conditions.push(sql`r.status = ${f.status}`);
    if (f?.direction) {
      const org = ctx.viewer.memberOrgId;
      conditions.push(!org ? FALSE : f.direction === RequestDirection.SENT ? sql`r.requester_id = ${org}` : sql`r.recipient_id = ${org}`);
    }
    if (f?.recipientKind) conditions.push(sql`EXISTS (SELECT 1 FROM participant rp WHERE rp.id = r.recipient_id AND rp.kind = ${f.recipientKind})`);
    const page = await paginate(ctx.db, {
      from: sql`assistance_request r`,
      select: sql`r.*`,
      where: and(conditions),
      order: [
        { expr: 'r.harm_score', direction: 'DESC', type: 'integer' },
        { expr: 'r.created_at', direction: 'ASC', type: 'timestamptz' },
        { expr: 'r.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(AssistanceRequest, rows),
    });
    return toConnection(AssistanceRequestConnection, page);
  }

  @Query(() => AssistanceRequest, { nullable: true, description: 'A request by id; null when the viewer may not see it.' })
  assistanceRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<AssistanceRequest | null> {
    return ctx.data.cooperation.requestById.load(id);
  }

  @FieldResolver(() => Agency)
  async requester(@Root() r: AssistanceRequest, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(r.requesterId), 'requester');
  }

  @FieldResolver(() => Person, { nullable: true })
  requestedBy(@Root() r: AssistanceRequest, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(r.requestedById);
  }

  @FieldResolver(() => Participant)
  async recipient(@Root() r: AssistanceRequest, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(r.recipientId), 'recipient');
  }

  @FieldResolver(() => String, {
    nullable: true,
    description: 'How the recipient asks to receive requests (§B.4.c), on requests to private-sector members.',
  })
  async recipientGuidance(@Root() r: AssistanceRequest, @Ctx() ctx: Context): Promise<string | null> {
    const recipient = await ctx.data.participants.participantById.load(r.recipientId);
    return recipient instanceof PrivateSectorMember ? recipient.requestGuidance : null;
  }

  @FieldResolver(() => Case, { nullable: true, description: 'The case the request is about, when the viewer may see it (the case rules apply).' })
  case(@Root() r: AssistanceRequest, @Ctx() ctx: Context): Promise<Case | null> {
    return r.caseId ? ctx.data.cases.caseById.load(r.caseId) : Promise.resolve(null);
  }

  @FieldResolver(() => AssistanceRequestDetails, {
    nullable: true,
    description: 'Description, harm assessment and answer: requester and recipient only; null (redacted) for coordinators.',
  })
  details(@Root() r: AssistanceRequest): AssistanceRequestDetails {
    return {
      description: r.description,
      response: r.response,
      victimCount: r.victimCount,
      estimatedLossUsd: r.estimatedLossUsd,
      vulnerableVictims: r.vulnerableVictims,
      ongoingHarm: r.ongoingHarm,
    };
  }

  @FieldResolver(() => AssistanceRequestViewerCan)
  viewerCan(@Root() r: AssistanceRequest, @Ctx() ctx: Context): AssistanceRequestViewerCan {
    const open = unanswered.includes(r.status);
    return {
      readDetails: assistancePolicy.canReadDetails(ctx.viewer, r),
      answer: open && assistancePolicy.canAnswer(ctx.viewer, r),
      withdraw: open && assistancePolicy.canWithdraw(ctx.viewer, r),
    };
  }

  @Mutation(() => AssistanceRequest, { description: 'Requests assistance from another endorsed participant (agencies, §A.5).' })
  async requestAssistance(@Arg('input') input: RequestAssistanceInput, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    const recipient = await ctx.data.participants.participantById.load(input.recipientId);
    if (!recipient || recipient.status !== ParticipantStatus.ENDORSED) throw notFound('input.recipientId', 'endorsed participant');
    if (recipient.id === ctx.viewer.memberOrgId) throw badInput('input.recipientId', 'is your own organization');
    let caseId: string | null = null;
    if (input.caseId) {
      const c = await ctx.data.cases.caseById.load(input.caseId);
      if (!c) throw notFound('input.caseId', 'case');
      caseId = c.id;
    }
    const assessment = { ...input, categories: [...new Set(input.categories)], estimatedLossUsd: Math.round(input.estimatedLossUsd) };
    const [{ id }] = (await ctx.db.query(
      `INSERT INTO assistance_request (requester_id, requested_by_id, recipient_id, case_id, title, description, categories, victim_count,
         estimated_loss_usd, vulnerable_victims, ongoing_harm, harm_score, status, created_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,'OPEN',$13) RETURNING id`,
      [
        ctx.viewer.memberOrgId, ctx.viewer.personId, recipient.id, caseId, input.title, input.description, assessment.categories,
        input.victimCount, assessment.estimatedLossUsd, input.vulnerableVictims, input.ongoingHarm, harmScore(assessment), ctx.now(),
      ],
    )) as Array<{ id: string }>;
    return required(await ctx.data.cooperation.requestById.load(id), 'new request');
  }

  @Mutation(() => AssistanceRequest, { description: 'Acknowledges receipt of a request (the recipient).' })
  acknowledgeRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return move(ctx, id, [AssistanceStatus.OPEN], sql`status = ${AssistanceStatus.ACKNOWLEDGED}, acknowledged_at = ${ctx.now()}`);
  }

  @Mutation(() => AssistanceRequest, { description: 'Fulfils a request with an answer (the recipient).' })
  fulfilRequest(@Args() args: AnswerRequestArgs, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return move(ctx, args.id, unanswered, sql`status = ${AssistanceStatus.FULFILLED}, response = ${args.response}, answered_at = ${ctx.now()}`);
  }

  @Mutation(() => AssistanceRequest, { description: 'Declines a request, saying why (the recipient; §D: nothing requires sharing confidential information).' })
  declineRequest(@Args() args: AnswerRequestArgs, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return move(ctx, args.id, unanswered, sql`status = ${AssistanceStatus.DECLINED}, response = ${args.response}, answered_at = ${ctx.now()}`);
  }

  @Mutation(() => AssistanceRequest, { description: 'Withdraws an unanswered request (the requester).' })
  withdrawRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return move(ctx, id, unanswered, sql`status = ${AssistanceStatus.WITHDRAWN}`);
  }
}

