import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ParticipantKind, ParticipantStatus } from '../entities/enums';
import { TrainingAudience } from '../entities/outreach.enums';
import { Agency, Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { TrainingSession } from '../entities/training-session.entity';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { and, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput } from '../src/graphql/errors';
import { paginate } from '../src/graphql/paginate';
import { isUuid, required } from '../src/data/batch';
import { trainingPolicy } from '../src/policy/training.policy';
import { ScheduleTrainingInput, TrainingsArgs } from './types/training.input';

export const TrainingSessionConnection = Connection(TrainingSession, 'TrainingSession');
export type TrainingSessionConnection = InstanceType<typeof TrainingSessionConnection>;

/**
 * The endorsed participants a mutation names, as the viewer sees them; an id the viewer cannot see, or of a participant
 * that is not endorsed, is answered like an unknown one.
 */
export async function endorsedParticipants(ctx: Context, argument: string, ids: string[]): Promise<Participant[]> {
  const unique = [...new Set(ids)];
  const found = await ctx.data.participants.participantById.loadMany(unique.filter(isUuid));
  const byId = new Map<string, Participant>();
  for (const p of found) if (p instanceof Participant && p.status === ParticipantStatus.ENDORSED) byId.set(p.id, p);
  const missing = unique.filter((id) => !byId.has(id));
  if (missing.length) throw badInput(argument, `no endorsed participant with id ${missing.join(', ')}`);
  return unique.map((id) => byId.get(id)!);
}

function validDate(argument: string, d: Date | null | undefined): void {
  if (d && Number.isNaN(d.getTime())) throw badInput(argument, 'is not a date');
}

@Resolver(() => TrainingSession)
export class TrainingSessionResolver {
  @Query(() => TrainingSessionConnection, {
    description:
      'The training sessions the viewer may see, soonest first (§A.3.f, §B.3.b): all for agencies, JOINT ones for private-sector ' +
      'members, none for anonymous callers.',
  })
  async trainings(@Args() args: TrainingsArgs, @Ctx() ctx: Context): Promise<TrainingSessionConnection> {
    const f = args.filter;
    validDate('filter.from', f?.from);
    validDate('filter.to', f?.to);
    const conditions: Sql[] = [trainingPolicy.scope(ctx.viewer, 't')];
    if (f?.audience) conditions.push(sql`t.audience = ${f.audience}`);
    if (f?.from) conditions.push(sql`t.scheduled_at >= ${f.from}`);
    if (f?.to) conditions.push(sql`t.scheduled_at < ${f.to}`);
    const page = await paginate(ctx.db, {
      from: sql`training_session t`,
      select: sql`t.*`,
      where: and(conditions),
      order: [
        { expr: 't.scheduled_at', direction: 'ASC', type: 'timestamptz' },
        { expr: 't.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(TrainingSession, rows),
    });
    return toConnection(TrainingSessionConnection, page);
  }

  @Query(() => TrainingSession, { nullable: true, description: 'A training session by id; null when it does not exist or the viewer may not see it.' })
  training(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<TrainingSession | null> {
    return ctx.data.outreach.trainingById.load(id);
  }

  @FieldResolver(() => Agency, { description: 'The agency that scheduled the session.' })
  async organizer(@Root() t: TrainingSession, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(t.organizerId), 'training organizer');
  }

  @FieldResolver(() => [Participant], { description: 'The participants hosting the session.' })
  hosts(@Root() t: TrainingSession, @Ctx() ctx: Context): Promise<Participant[]> {
    return ctx.data.outreach.hostsByTraining.load(t.id);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who scheduled the session.' })
  scheduledBy(@Root() t: TrainingSession, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(t.scheduledById);
  }

  @Mutation(() => TrainingSession, {
    description:
      'Schedules a training session organized by the viewer’s agency (AGENCY viewers, §A.3.f). JOINT sessions are open to ' +
      'private-sector members, who may host them (§B.3.b); AGENCIES_ONLY sessions are hosted by agencies.',
  })
  async scheduleTraining(@Arg('input') input: ScheduleTrainingInput, @Ctx() ctx: Context): Promise<TrainingSession> {
    validDate('input.scheduledAt', input.scheduledAt);
    const hosts = await endorsedParticipants(ctx, 'input.hostIds', input.hostIds);
    if (input.audience === TrainingAudience.AGENCIES_ONLY) {
      const privateHosts = hosts.filter((h) => h.kind !== ParticipantKind.AGENCY);
      if (privateHosts.length) {
        throw badInput('input.hostIds', `an AGENCIES_ONLY session is hosted by agencies only, not ${privateHosts.map((h) => h.name).join(', ')}`);
      }
    }
    const id = await ctx.db.transaction(async (m) => {
      const [row] = (await m.query(
        `INSERT INTO training_session (title, audience, topics, scheduled_at, duration_minutes, materials_url, organizer_id, scheduled_by_id, created_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`,
        [
          input.title, input.audience, [...new Set(input.topics)], input.scheduledAt, input.durationMinutes, input.materialsUrl ?? null,
          ctx.viewer.memberOrgId, ctx.viewer.personId, ctx.now(),
        ],
      )) as Array<{ id: string }>;
      await m.query(`INSERT INTO training_host (training_id, participant_id) SELECT $1, unnest($2::uuid[])`, [row.id, hosts.map((h) => h.id)]);
      return row.id;
    });
    return required(await ctx.data.outreach.trainingById.load(id), 'new training session');
  }
}
