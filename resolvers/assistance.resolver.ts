import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { AssistanceRequest, AssistanceRequestDetails, AssistanceRequestViewerCan } from '../entities/assistance-request.entity';
import { Case } from '../entities/case.entity';
import { AssistanceStatus, ParticipantStatus } from '../entities/enums';
import { Agency, Participant, PrivateSectorMember } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { harmScore } from '../src/harm';
import { required } from '../src/data/batch';
import { AnswerRequestArgs, AssistanceRequestsArgs, RequestAssistanceInput } from './types/cooperation.input';

export const AssistanceRequestConnection = Connection(AssistanceRequest, 'AssistanceRequest');
export type AssistanceRequestConnection = InstanceType<typeof AssistanceRequestConnection>;

const unanswered = [AssistanceStatus.OPEN, AssistanceStatus.ACKNOWLEDGED];

/**
 * Moves a request the viewer can see; the database decides whether this viewer may (the update policy request_move).
 * A request the viewer cannot see is answered as one that does not exist.
 */
async function move(ctx: Context, id: string, from: AssistanceStatus[], to: AssistanceStatus, response?: string): Promise<AssistanceRequest> {
  const request = await ctx.data.cooperation.requestById.load(id);
  if (!request) throw notFound('id', 'request');
  await ctx.data.cooperation.moveRequest(request.id, from, to, response);
  return required(await ctx.data.cooperation.requestById.load(request.id), 'request');
}

@Resolver(() => AssistanceRequest)
export class AssistanceRequestResolver {
  @Query(() => AssistanceRequestConnection, {
    description: 'Requests for assistance the viewer may see, highest harm score first, then oldest first (§A.5).',
  })
  async assistanceRequests(@Args() args: AssistanceRequestsArgs, @Ctx() ctx: Context): Promise<AssistanceRequestConnection> {
    return toConnection(AssistanceRequestConnection, await ctx.data.cooperation.requestPage(args.filter, args));
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
  details(@Root() r: AssistanceRequest): AssistanceRequestDetails | null {
    // The row of assistance_request_detail that row-level security returned with the request, or null.
    return r.detail ?? null;
  }

  @FieldResolver(() => AssistanceRequestViewerCan)
  viewerCan(@Root() r: AssistanceRequest): AssistanceRequestViewerCan {
    // Loaded with the row, from the policies' own functions (lap.assistance_party, _recipient, _requester).
    return { readDetails: r.detail != null, answer: r.canAnswer === true, withdraw: r.canWithdraw === true };
  }

  @Mutation(() => AssistanceRequest, { description: 'Requests assistance from another endorsed participant (agencies, §A.5).' })
  async requestAssistance(@Arg('input') input: RequestAssistanceInput, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    const recipient = await ctx.data.participants.participantById.load(input.recipientId);
    if (!recipient || recipient.status !== ParticipantStatus.ENDORSED) throw notFound('input.recipientId', 'endorsed participant');
    if (recipient.id === ctx.viewer.memberOrgId) throw badInput('input.recipientId', 'is your own organization');
    let caseId: string | null = null;
    // Omitted or null: about no case. Any string given names a case, or is refused as naming none ("" too).
    if (input.caseId != null) {
      const c = await ctx.data.cases.caseById.load(input.caseId);
      if (!c) throw notFound('input.caseId', 'case');
      caseId = c.id;
    }
    const categories = [...new Set(input.categories)];
    const { estimatedLossUsd } = input;
    const id = await ctx.data.cooperation.requestAssistance({
      recipientId: recipient.id,
      caseId,
      title: input.title,
      description: input.description,
      categories,
      victimCount: input.victimCount,
      estimatedLossUsd,
      vulnerableVictims: input.vulnerableVictims,
      ongoingHarm: input.ongoingHarm,
      harmScore: harmScore({ ...input, categories, estimatedLossUsd }),
    });
    return required(await ctx.data.cooperation.requestById.load(id), 'new request');
  }

  @Mutation(() => AssistanceRequest, { description: 'Acknowledges receipt of a request (the recipient).' })
  acknowledgeRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return move(ctx, id, [AssistanceStatus.OPEN], AssistanceStatus.ACKNOWLEDGED);
  }

  @Mutation(() => AssistanceRequest, { description: 'Fulfils a request with an answer (the recipient).' })
  fulfilRequest(@Args() args: AnswerRequestArgs, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return move(ctx, args.id, unanswered, AssistanceStatus.FULFILLED, args.response);
  }

  @Mutation(() => AssistanceRequest, { description: 'Declines a request, saying why (the recipient; §D: nothing requires sharing confidential information).' })
  declineRequest(@Args() args: AnswerRequestArgs, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return move(ctx, args.id, unanswered, AssistanceStatus.DECLINED, args.response);
  }

  @Mutation(() => AssistanceRequest, { description: 'Withdraws an unanswered request (the requester).' })
  withdrawRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return move(ctx, id, unanswered, AssistanceStatus.WITHDRAWN);
  }
}
