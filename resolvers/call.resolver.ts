import { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, Field, FieldResolver, ID, Info, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { CallExclusion } from '../entities/call-exclusion.entity';
import { CallSegment, CallSegmentViewerCan } from '../entities/call-segment.entity';
import { Case } from '../entities/case.entity';
import { SegmentAudience } from '../entities/enums';
import { ConferenceCall, ConferenceCallViewerCan } from '../entities/conference-call.entity';
import { Agency, Participant, PrivateSectorMember } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { required } from '../src/data/batch';
import { listingColumns, listingOnly } from '../src/data/cases';
import { Connection, toConnection } from '../src/graphql/connection';
import { selectedFields, selectedHere, selectedOnRows } from '../src/graphql/selection';
import { callPolicy } from '../src/policy/call.policy';
import { offered } from '../src/policy/viewer';
import { AddSegmentInput, CallsArgs, ExcludeFromCallInput, RecordMinutesArgs, ScheduleCallInput } from './types/call.input';

export const ConferenceCallConnection = Connection(ConferenceCall, 'ConferenceCall');
export type ConferenceCallConnection = InstanceType<typeof ConferenceCallConnection>;

@ObjectType({ description: 'Conference calls per quarter of a year, against the at-least-quarterly cadence of §A.3.' })
export class CallCadence {
  @Field(() => Int)
  year: number;

  @Field(() => [Int], { description: 'Calls held or scheduled in Q1..Q4.' })
  callsPerQuarter: number[];

  @Field(() => [Int], { description: 'The quarters (1–4) with no call held or scheduled, a quarter still to come included (a plan for the year: `networkReport` counts only quarters that ended with none held).' })
  quartersWithoutCall: number[];
}

/**
 * Loads what a page of calls asks for of its organizers, segments and the segments' discussed cases together, before
 * the rows resolve: one round trip after the page rather than one per level, through the same loaders and policies.
 */
async function prefetchCalls(ctx: Context, calls: ConferenceCall[], info: GraphQLResolveInfo): Promise<void> {
  if (calls.length === 0) return;
  const fields = selectedOnRows(info);
  const tasks: Promise<unknown>[] = [];
  if (fields.has('organizer')) tasks.push(ctx.data.participants.participantById.loadMany([...new Set(calls.map((c) => c.organizerId))]));
  const callIds = calls.map((c) => c.id);
  if (selectedOnRows(info, ['segments']).has('discussedCases')) {
    const caseFields = selectedOnRows(info, ['segments', 'discussedCases']);
    tasks.push(ctx.data.calls.prefetchSegmentsWithCases(callIds, listingOnly(caseFields) ? listingColumns(caseFields) : null));
  }
  else if (fields.has('segments')) tasks.push(ctx.data.calls.segmentsByCall.loadMany(callIds));
  await Promise.all(tasks);
}

@Resolver(() => ConferenceCall)
export class ConferenceCallResolver {
  @Query(() => ConferenceCallConnection, {
    description: 'The calls the viewer may see: upcoming ones soonest first by default, past ones latest first.',
  })
  async calls(@Args() args: CallsArgs, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<ConferenceCallConnection> {
    const page = await ctx.data.calls.page(args.when, ctx.now(), args, selectedFields(info, []).has('totalCount'));
    await prefetchCalls(ctx, page.nodes, info);
    return toConnection(ConferenceCallConnection, page);
  }

  @Query(() => ConferenceCall, { nullable: true, description: 'A call by id; null when it does not exist or the viewer may not see it.' })
  call(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ConferenceCall | null> {
    return ctx.data.calls.callById.load(id);
  }

  @Query(() => CallSegment, { nullable: true, description: 'A call segment by id; null when it does not exist or the viewer may not see it.' })
  callSegment(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CallSegment | null> {
    return ctx.data.calls.segmentById.load(id);
  }

  @Query(() => CallExclusion, { nullable: true, description: 'An exclusion by id (agencies only); null otherwise.' })
  callExclusion(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CallExclusion | null> {
    return ctx.data.calls.exclusionById.load(id);
  }

  @Query(() => CallCadence, {
    nullable: true,
    description: 'Calls per quarter of a year and the quarters with none: the plan asks for calls at least quarterly (§A.3). Agencies only.',
  })
  callCadence(@Arg('year', () => Int) year: number, @Ctx() ctx: Context): Promise<CallCadence> {
    return ctx.data.calls.cadence(year);
  }

  @FieldResolver(() => Agency)
  async organizer(@Root() call: ConferenceCall, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(call.organizerId), 'call organizer');
  }

  @FieldResolver(() => String, { nullable: true, description: 'How to join the call.' })
  dialIn(@Root() call: ConferenceCall): string | null {
    return call.dialIn;
  }

  @FieldResolver(() => [CallSegment], { description: 'The segments the viewer may see, in order.' })
  segments(@Root() call: ConferenceCall, @Ctx() ctx: Context): Promise<CallSegment[]> {
    return ctx.data.calls.segmentsByCall.load(call.id);
  }

  @FieldResolver(() => [CallExclusion], {
    nullable: true,
    description: 'Objections keeping private-sector members out of this call or its segments, withdrawn ones included. Agencies only.',
  })
  exclusions(@Root() call: ConferenceCall, @Ctx() ctx: Context): Promise<CallExclusion[]> {
    return ctx.data.calls.exclusionsByCall.load(call.id);
  }

  @FieldResolver(() => ConferenceCallViewerCan)
  viewerCan(@Ctx() ctx: Context): ConferenceCallViewerCan {
    return {
      addSegment: offered(ctx.viewer, callPolicy.canManage(ctx.viewer)),
      exclude: offered(ctx.viewer, callPolicy.canExclude(ctx.viewer)),
      readExclusions: callPolicy.canReadExclusions(ctx.viewer),
    };
  }

  @Mutation(() => ConferenceCall, { description: 'Schedules a conference call organized by the viewer’s agency (coordinators, §C.2).' })
  scheduleCall(@Arg('input') input: ScheduleCallInput, @Ctx() ctx: Context): Promise<ConferenceCall> {
    return ctx.data.calls.schedule(input, ctx.now());
  }

  @Mutation(() => CallSegment, { description: 'Adds a segment to a call (coordinators).' })
  addSegment(@Arg('input') input: AddSegmentInput, @Ctx() ctx: Context): Promise<CallSegment> {
    return ctx.data.calls.addSegment(input);
  }

  @Mutation(() => CallSegment, { description: 'Invites a private-sector member to a PRIVATE_SECTOR_INVITED segment (coordinators, §B.3).' })
  inviteToSegment(
    @Arg('segmentId', () => ID) segmentId: string,
    @Arg('memberId', () => ID) memberId: string,
    @Ctx() ctx: Context,
  ): Promise<CallSegment> {
    return ctx.data.calls.invite(segmentId, memberId);
  }

  @Mutation(() => CallSegment, { description: 'Records (replaces) the minutes of a segment (coordinators). The same minutes again change nothing and announce nothing.' })
  recordMinutes(@Args() args: RecordMinutesArgs, @Ctx() ctx: Context): Promise<CallSegment> {
    return ctx.data.calls.recordMinutes(args.segmentId, args.minutes);
  }

  @Mutation(() => CallSegment, { description: 'Links a case the viewer can see to a segment that discusses it (coordinators, §A.3.a).' })
  linkCaseToSegment(
    @Arg('segmentId', () => ID) segmentId: string,
    @Arg('caseId', () => ID) caseId: string,
    @Ctx() ctx: Context,
  ): Promise<CallSegment> {
    return ctx.data.calls.linkCase(segmentId, caseId);
  }

  @Mutation(() => CallExclusion, {
    description:
      'Objects to a private-sector member’s participation in a whole call or one segment (any agency, §B.3 last ¶). ' +
      'Takes effect at once, hiding the call or segment and its minutes from the member.',
  })
  excludeFromCall(@Arg('input') input: ExcludeFromCallInput, @Ctx() ctx: Context): Promise<CallExclusion> {
    return ctx.data.calls.exclude(input);
  }

  @Mutation(() => CallExclusion, { description: 'Withdraws an objection (the objecting agency only).' })
  withdrawExclusion(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CallExclusion> {
    return ctx.data.calls.withdrawExclusion(id);
  }
}

@Resolver(() => CallSegment)
export class CallSegmentResolver {
  @FieldResolver(() => ConferenceCall)
  async call(@Root() segment: CallSegment, @Ctx() ctx: Context): Promise<ConferenceCall> {
    // A segment the viewer sees makes its call visible to them (lap.call_visible: a call with a segment they see).
    return required(await ctx.data.calls.callById.load(segment.callId), 'segment call');
  }

  @FieldResolver(() => [PrivateSectorMember], {
    description: 'The private-sector members invited to this segment; for a private-sector viewer only those taking part (invited, not excluded, and still an endorsed participant).',
  })
  invited(@Root() segment: CallSegment, @Ctx() ctx: Context): Promise<PrivateSectorMember[]> {
    return ctx.data.calls.invitedBySegment.load(segment.id);
  }

  @FieldResolver(() => [Case], { description: 'Cases discussed in this segment that the viewer may see (the case rules apply).' })
  discussedCases(@Root() segment: CallSegment, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Case[]> {
    // Rows without tier and rights when this field asks for nothing that reads them (the agenda's list of cases).
    // Only the columns its fields read, under a key of their own (`listingColumns`).
    const fields = selectedHere(info);
    const loader = listingOnly(fields) ? ctx.data.calls.discussedListingsBySegment(listingColumns(fields)) : ctx.data.calls.discussedCasesBySegment;
    return loader.load(segment.id);
  }

  @FieldResolver(() => CallSegmentViewerCan)
  viewerCan(@Root() segment: CallSegment, @Ctx() ctx: Context): CallSegmentViewerCan {
    // No private-sector member takes part in a LAW_ENFORCEMENT_ONLY segment: there is nobody to object to (excludeFromCall refuses it).
    const invitesMembers = segment.audience === SegmentAudience.PRIVATE_SECTOR_INVITED;
    return { manage: offered(ctx.viewer, callPolicy.canManage(ctx.viewer)), exclude: offered(ctx.viewer, invitesMembers && callPolicy.canExclude(ctx.viewer)) };
  }
}

@Resolver(() => CallExclusion)
export class CallExclusionResolver {
  @FieldResolver(() => ConferenceCall)
  async call(@Root() e: CallExclusion, @Ctx() ctx: Context): Promise<ConferenceCall> {
    return required(await ctx.data.calls.callById.load(e.callId), 'exclusion call');
  }

  @FieldResolver(() => CallSegment, { nullable: true, description: 'The segment; null when the exclusion covers the whole call.' })
  segment(@Root() e: CallExclusion, @Ctx() ctx: Context): Promise<CallSegment | null> {
    return e.segmentId ? ctx.data.calls.segmentById.load(e.segmentId) : Promise.resolve(null);
  }

  @FieldResolver(() => PrivateSectorMember)
  async member(@Root() e: CallExclusion, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(e.memberId), 'excluded member');
  }

  @FieldResolver(() => Agency)
  async objectingAgency(@Root() e: CallExclusion, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(e.objectingAgencyId), 'objecting agency');
  }

  @FieldResolver(() => Person, { nullable: true })
  objectedBy(@Root() e: CallExclusion, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(e.objectedById);
  }
}
