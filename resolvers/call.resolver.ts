import { Arg, Args, Ctx, Field, FieldResolver, ID, Int, Mutation, ObjectType, Query, Resolver, Root } from 'type-graphql';
import { CallExclusion } from '../entities/call-exclusion.entity';
import { CallSegment, CallSegmentViewerCan } from '../entities/call-segment.entity';
import { Case } from '../entities/case.entity';
import { ConferenceCall, ConferenceCallViewerCan } from '../entities/conference-call.entity';
import { CallWindow, ParticipantKind, ParticipantStatus, SegmentAudience } from '../entities/enums';
import { Agency, Participant, PrivateSectorMember } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { and, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { OrderKey, paginate } from '../src/graphql/paginate';
import { required } from '../src/data/batch';
import { callPolicy } from '../src/policy/call.policy';
import { visibleCase } from './case.resolver';
import { AddSegmentInput, CallsArgs, ExcludeFromCallInput, RecordMinutesArgs, ScheduleCallInput } from './types/call.input';

export const ConferenceCallConnection = Connection(ConferenceCall, 'ConferenceCall');
export type ConferenceCallConnection = InstanceType<typeof ConferenceCallConnection>;

@ObjectType({ description: 'Conference calls per quarter of a year, against the at-least-quarterly cadence of §A.3.' })
export class CallCadence {
  @Field(() => Int)
  year: number;

  @Field(() => [Int], { description: 'Calls held or scheduled in Q1..Q4.' })
  callsPerQuarter: number[];

  @Field(() => [Int], { description: 'The quarters (1–4) with no call.' })
  quartersWithoutCall: number[];
}

async function visibleCall(ctx: Context, argument: string, id: string): Promise<ConferenceCall> {
  const call = await ctx.data.calls.callById.load(id);
  if (!call) throw notFound(argument, 'call');
  return call;
}

async function visibleSegment(ctx: Context, argument: string, id: string): Promise<CallSegment> {
  const segment = await ctx.data.calls.segmentById.load(id);
  if (!segment) throw notFound(argument, 'segment');
  return segment;
}

async function endorsedMember(ctx: Context, argument: string, id: string): Promise<PrivateSectorMember> {
  const p = await ctx.data.participants.participantById.load(id);
  if (!p || p.kind !== ParticipantKind.PRIVATE_SECTOR || p.status !== ParticipantStatus.ENDORSED) {
    throw notFound(argument, 'endorsed private-sector member');
  }
  return p as PrivateSectorMember;
}

async function reloadSegment(ctx: Context, id: string): Promise<CallSegment> {
  ctx.data.calls.segmentById.clear(id);
  ctx.data.calls.invitedBySegment.clear(id);
  ctx.data.calls.discussedCasesBySegment.clear(id);
  return visibleSegment(ctx, 'segmentId', id);
}

@Resolver(() => ConferenceCall)
export class ConferenceCallResolver {
  @Query(() => ConferenceCallConnection, {
    description: 'The calls the viewer may see: upcoming ones soonest first by default, past ones latest first.',
  })
  async calls(@Args() args: CallsArgs, @Ctx() ctx: Context): Promise<ConferenceCallConnection> {
    const now = ctx.now();
    const window =
      args.when === CallWindow.UPCOMING ? sql`c.scheduled_at >= ${now}` : args.when === CallWindow.PAST ? sql`c.scheduled_at < ${now}` : sql`TRUE`;
    const direction = args.when === CallWindow.PAST ? 'DESC' : 'ASC';
    const order: OrderKey[] = [
      { expr: 'c.scheduled_at', direction, type: 'timestamptz' },
      { expr: 'c.id', direction: 'ASC', type: 'uuid' },
    ];
    const page = await paginate(ctx.db, {
      from: sql`conference_call c`,
      select: sql`c.*`,
      where: and([callPolicy.callScope(ctx.viewer, 'c'), window]),
      order,
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(ConferenceCall, rows),
    });
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
  async callCadence(@Arg('year', () => Int) year: number, @Ctx() ctx: Context): Promise<CallCadence> {
    if (!Number.isInteger(year) || year < 2004 || year > 2200) throw badInput('year', 'must be a year from 2004 to 2200');
    const rows = await ctx.db.rows(
      sql`SELECT extract(quarter FROM c.scheduled_at AT TIME ZONE 'UTC')::int AS q, count(*)::int AS n FROM conference_call c
          WHERE ${callPolicy.callScope(ctx.viewer, 'c')} AND extract(year FROM c.scheduled_at AT TIME ZONE 'UTC') = ${year}
          GROUP BY 1`,
    );
    const callsPerQuarter = [1, 2, 3, 4].map((q) => Number(rows.find((r) => r.q === q)?.n ?? 0));
    return {
      year,
      callsPerQuarter,
      quartersWithoutCall: callsPerQuarter.flatMap((n, i) => (n === 0 ? [i + 1] : [])),
    };
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
      addSegment: callPolicy.canManage(ctx.viewer),
      exclude: callPolicy.canExclude(ctx.viewer),
      readExclusions: callPolicy.canReadExclusions(ctx.viewer),
    };
  }

  @Mutation(() => ConferenceCall, { description: 'Schedules a conference call organized by the viewer’s agency (coordinators, §C.2).' })
  async scheduleCall(@Arg('input') input: ScheduleCallInput, @Ctx() ctx: Context): Promise<ConferenceCall> {
    if (Number.isNaN(input.scheduledAt.getTime())) throw badInput('input.scheduledAt', 'is not a date');
    const [row] = (await ctx.db.query(
      `INSERT INTO conference_call (title, scheduled_at, duration_minutes, organizer_id, dial_in) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
      [input.title, input.scheduledAt, input.durationMinutes, ctx.viewer.memberOrgId, input.dialIn ?? null],
    )) as Array<{ id: string }>;
    return visibleCall(ctx, 'id', row.id);
  }

  @Mutation(() => CallSegment, { description: 'Adds a segment to a call (coordinators).' })
  async addSegment(@Arg('input') input: AddSegmentInput, @Ctx() ctx: Context): Promise<CallSegment> {
    const call = await visibleCall(ctx, 'input.callId', input.callId);
    const id = await ctx.db.transaction(async (m) => {
      // Serialise position changes on one call.
      await m.query(`SELECT 1 FROM conference_call WHERE id = $1 FOR UPDATE`, [call.id]);
      const [{ last }] = (await m.query(`SELECT coalesce(max(position), 0)::int AS last FROM call_segment WHERE call_id = $1`, [call.id])) as Array<{ last: number }>;
      const position = input.order ?? last + 1;
      if (position > last + 1) throw badInput('input.order', `must be from 1 to ${last + 1}`);
      // Shift later segments down in two steps, through positions above the last one, so that neither the unique
      // (call, position) nor the check position >= 1 fails midway.
      await m.query(`UPDATE call_segment SET position = position + $3 WHERE call_id = $1 AND position >= $2`, [call.id, position, last + 1]);
      await m.query(`UPDATE call_segment SET position = position - $2 WHERE call_id = $1 AND position > $2`, [call.id, last]);
      const [row] = (await m.query(
        `INSERT INTO call_segment (call_id, position, title, topic, audience) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
        [call.id, position, input.title, input.topic, input.audience],
      )) as Array<{ id: string }>;
      return row.id;
    });
    return reloadSegment(ctx, id);
  }

  @Mutation(() => CallSegment, { description: 'Invites a private-sector member to a PRIVATE_SECTOR_INVITED segment (coordinators, §B.3).' })
  async inviteToSegment(
    @Arg('segmentId', () => ID) segmentId: string,
    @Arg('memberId', () => ID) memberId: string,
    @Ctx() ctx: Context,
  ): Promise<CallSegment> {
    const segment = await visibleSegment(ctx, 'segmentId', segmentId);
    if (segment.audience !== SegmentAudience.PRIVATE_SECTOR_INVITED) {
      throw badInput('segmentId', 'is a LAW_ENFORCEMENT_ONLY segment: private-sector members cannot be invited');
    }
    const member = await endorsedMember(ctx, 'memberId', memberId);
    await ctx.db.query(`INSERT INTO call_segment_invitation (segment_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [segment.id, member.id]);
    return reloadSegment(ctx, segment.id);
  }

  @Mutation(() => CallSegment, { description: 'Records (replaces) the minutes of a segment (coordinators).' })
  async recordMinutes(@Args() args: RecordMinutesArgs, @Ctx() ctx: Context): Promise<CallSegment> {
    const segment = await visibleSegment(ctx, 'segmentId', args.segmentId);
    await ctx.db.query(`UPDATE call_segment SET minutes = $2, minutes_recorded_at = now() WHERE id = $1`, [segment.id, args.minutes]);
    return reloadSegment(ctx, segment.id);
  }

  @Mutation(() => CallSegment, { description: 'Links a case the viewer can see to a segment that discusses it (coordinators, §A.3.a).' })
  async linkCaseToSegment(
    @Arg('segmentId', () => ID) segmentId: string,
    @Arg('caseId', () => ID) caseId: string,
    @Ctx() ctx: Context,
  ): Promise<CallSegment> {
    const segment = await visibleSegment(ctx, 'segmentId', segmentId);
    const c = await visibleCase(ctx, 'caseId', caseId);
    await ctx.db.query(`INSERT INTO call_segment_case (segment_id, case_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [segment.id, c.id]);
    return reloadSegment(ctx, segment.id);
  }

  @Mutation(() => CallExclusion, {
    description:
      'Objects to a private-sector member’s participation in a whole call or one segment (any agency, §B.3 last ¶). ' +
      'Takes effect at once, hiding the call or segment and its minutes from the member.',
  })
  async excludeFromCall(@Arg('input') input: ExcludeFromCallInput, @Ctx() ctx: Context): Promise<CallExclusion> {
    const call = await visibleCall(ctx, 'input.callId', input.callId);
    let segmentId: string | null = null;
    if (input.segmentId) {
      const segment = await visibleSegment(ctx, 'input.segmentId', input.segmentId);
      if (segment.callId !== call.id) throw badInput('input.segmentId', 'is not a segment of this call');
      segmentId = segment.id;
    }
    const member = await endorsedMember(ctx, 'input.memberId', input.memberId);
    const [row] = (await ctx.db.query(
      `INSERT INTO call_exclusion (call_id, segment_id, member_id, objecting_agency_id, objected_by_id, reason)
       VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
      [call.id, segmentId, member.id, ctx.viewer.memberOrgId, ctx.viewer.personId, input.reason],
    )) as Array<{ id: string }>;
    return required(await ctx.data.calls.exclusionById.load(row.id), 'new exclusion');
  }

  @Mutation(() => CallExclusion, { description: 'Withdraws an objection (the objecting agency only).' })
  async withdrawExclusion(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CallExclusion> {
    // The rule has loaded the exclusion and checked that the viewer's agency made it.
    const exclusion = (await ctx.data.calls.exclusionById.load(id))!;
    if (exclusion.withdrawnAt) throw badInput('id', 'this objection is already withdrawn');
    await ctx.db.query(`UPDATE call_exclusion SET withdrawn_at = now() WHERE id = $1`, [exclusion.id]);
    ctx.data.calls.exclusionById.clear(exclusion.id);
    return required(await ctx.data.calls.exclusionById.load(exclusion.id), 'exclusion');
  }
}

@Resolver(() => CallSegment)
export class CallSegmentResolver {
  @FieldResolver(() => ConferenceCall)
  async call(@Root() segment: CallSegment, @Ctx() ctx: Context): Promise<ConferenceCall> {
    // A segment the viewer sees makes its call visible to them (the call scope is the union of visible segments).
    return required(await ctx.data.calls.callById.load(segment.callId), 'segment call');
  }

  @FieldResolver(() => [PrivateSectorMember], { description: 'The private-sector members invited to this segment.' })
  invited(@Root() segment: CallSegment, @Ctx() ctx: Context): Promise<PrivateSectorMember[]> {
    return ctx.data.calls.invitedBySegment.load(segment.id);
  }

  @FieldResolver(() => [Case], { description: 'Cases discussed in this segment that the viewer may see (the case rules apply).' })
  discussedCases(@Root() segment: CallSegment, @Ctx() ctx: Context): Promise<Case[]> {
    return ctx.data.calls.discussedCasesBySegment.load(segment.id);
  }

  @FieldResolver(() => CallSegmentViewerCan)
  viewerCan(@Ctx() ctx: Context): CallSegmentViewerCan {
    return { manage: callPolicy.canManage(ctx.viewer), exclude: callPolicy.canExclude(ctx.viewer) };
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
