import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ParticipantKind, ParticipantStatus } from '../entities/enums';
import { TrainingAudience } from '../entities/outreach.enums';
import { Agency, Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { TrainingSession } from '../entities/training-session.entity';
import type { Context } from '../src/context';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, mustBeInTheFuture } from '../src/graphql/errors';
import { isUuid, loadAll, required } from '../src/data/batch';
import { ScheduleTrainingInput, storedHttpsUrl, TrainingFilter, TrainingsArgs } from './types/training.input';

export const TrainingSessionConnection = Connection(TrainingSession, 'TrainingSession');
export type TrainingSessionConnection = InstanceType<typeof TrainingSessionConnection>;

/**
 * The endorsed participants a mutation names, as the viewer sees them; an id the viewer cannot see, or of a participant
 * that is not endorsed, is answered like an unknown one.
 */
export async function endorsedParticipants(ctx: Context, argument: string, ids: string[]): Promise<Participant[]> {
  const unique = [...new Set(ids)];
  const found = await loadAll(ctx.data.participants.participantById, unique.filter(isUuid));
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
    const f: TrainingFilter = args.filter ?? {};
    validDate('filter.from', f.from);
    validDate('filter.to', f.to);
    return toConnection(TrainingSessionConnection, await ctx.data.outreach.trainings(f, args));
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
    // Scheduled before it is held, as a call is.
    mustBeInTheFuture('input.scheduledAt', input.scheduledAt, ctx.now());
    const hosts = await endorsedParticipants(ctx, 'input.hostIds', input.hostIds);
    if (input.audience === TrainingAudience.AGENCIES_ONLY) {
      const privateHosts = hosts.filter((h) => h.kind !== ParticipantKind.AGENCY);
      if (privateHosts.length) {
        throw badInput('input.hostIds', `an AGENCIES_ONLY session is hosted by agencies only, not ${privateHosts.map((h) => h.name).join(', ')}`);
      }
    }
    // Organized by the viewer's agency, scheduled by the viewer: the database decides (lap.training_schedulable).
    const id = await ctx.data.outreach.scheduleTraining(
      {
        title: input.title,
        audience: input.audience,
        topics: [...new Set(input.topics)],
        scheduledAt: input.scheduledAt,
        durationMinutes: input.durationMinutes,
        materialsUrl: storedHttpsUrl(input.materialsUrl ?? null),
      },
      hosts.map((h) => h.id),
      ctx.now(),
    );
    return required(await ctx.data.outreach.trainingById.load(id), 'new training session');
  }
}
