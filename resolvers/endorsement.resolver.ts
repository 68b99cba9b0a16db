import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Endorsement, EndorsementObjection, EndorsementViewerCan } from '../entities/endorsement.entity';
import { ParticipantKind } from '../entities/enums';
import { Agency, Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { and, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { paginate } from '../src/graphql/paginate';
import { CooperationData } from '../src/data/cooperation';
import { required } from '../src/data/batch';
import { endorsementPolicy } from '../src/policy/cooperation.policy';
import { EndorsementsArgs, RecordApplicationInput } from './types/cooperation.input';

export const EndorsementConnection = Connection(Endorsement, 'Endorsement');
export type EndorsementConnection = InstanceType<typeof EndorsementConnection>;

async function visibleEndorsement(ctx: Context, argument: string, id: string): Promise<Endorsement> {
  const e = await ctx.data.cooperation.endorsementById.load(id);
  if (!e) throw notFound(argument, 'application');
  return e;
}

@Resolver(() => Endorsement)
export class EndorsementResolver {
  @Query(() => EndorsementConnection, {
    description: 'Applications to endorse the plan, newest first: all of them for agencies, your own for an applicant.',
  })
  async endorsements(@Args() args: EndorsementsArgs, @Ctx() ctx: Context): Promise<EndorsementConnection> {
    const conditions: Sql[] = [endorsementPolicy.scope(ctx.viewer, 'p')];
    if (args.status) conditions.push(sql`p.status = ${args.status}`);
    const page = await paginate(ctx.db, {
      from: sql`participant p`,
      select: sql`p.*`,
      where: and(conditions),
      order: [
        { expr: 'p.applied_at', direction: 'DESC', type: 'timestamptz' },
        { expr: 'p.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => rows.map(CooperationData.endorsementFromRow),
    });
    return toConnection(EndorsementConnection, page);
  }

  @Query(() => Endorsement, { nullable: true, description: 'An application by its applicant’s id; null when the viewer may not see it.' })
  endorsement(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Endorsement | null> {
    return ctx.data.cooperation.endorsementById.load(id);
  }

  @FieldResolver(() => Participant)
  async applicant(@Root() e: Endorsement, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(e.id), 'applicant');
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The coordinator who recorded the application.' })
  recordedBy(@Root() e: Endorsement, @Ctx() ctx: Context): Promise<Person | null> {
    return e.recordedById ? ctx.data.participants.personById.load(e.recordedById) : Promise.resolve(null);
  }

  @FieldResolver(() => [EndorsementObjection], {
    nullable: true,
    description: 'Objections, withdrawn ones included, with their reasons. Agencies only.',
  })
  objections(@Root() e: Endorsement, @Ctx() ctx: Context): Promise<EndorsementObjection[]> {
    return ctx.data.cooperation.objectionsByParticipant.load(e.id);
  }

  @FieldResolver(() => EndorsementViewerCan)
  viewerCan(@Root() e: Endorsement, @Ctx() ctx: Context): EndorsementViewerCan {
    return { object: endorsementPolicy.canObject(ctx.viewer) && endorsementPolicy.windowOpen(e.status, e.objectionDeadline, ctx.now()) };
  }

  @Mutation(() => Endorsement, {
    description:
      'Records an application (coordinators, §C.1): the applicant and its point of contact, with an objection deadline ' +
      'ENDORSEMENT_OBJECTION_DAYS ahead.',
  })
  async recordApplication(@Arg('input') input: RecordApplicationInput, @Ctx() ctx: Context): Promise<Endorsement> {
    if (!(await ctx.data.participants.countryByCode.load(input.countryCode))) throw badInput('input.countryCode', 'no country with this code');
    const agency = input.kind === ParticipantKind.AGENCY;
    if (agency && input.sector) throw badInput('input.sector', 'an agency has competences, not a sector');
    if (!agency && !input.sector) throw badInput('input.sector', 'a private-sector applicant needs a sector');
    if (!agency && input.competences?.length) throw badInput('input.competences', 'only agencies have competences');
    const now = ctx.now();
    const deadline = new Date(now.getTime() + ctx.config.endorsementObjectionDays * 86_400_000);
    const id = await ctx.db
      .transaction(async (m) => {
        const [{ id: participantId }] = (await m.query(
          `INSERT INTO participant (kind, name, country_code, status, applied_at, objection_deadline, competences, is_coordinator, sector, recorded_by_id)
           VALUES ($1,$2,$3,'APPLIED',$4,$5,$6,false,$7,$8) RETURNING id`,
          [input.kind, input.name, input.countryCode, now, deadline, agency ? [...new Set(input.competences ?? [])] : [], input.sector ?? null, ctx.viewer.personId],
        )) as Array<{ id: string }>;
        const c = input.pointOfContact;
        const [{ id: personId }] = (await m.query(
          `INSERT INTO person (organization_id, name, email, phone, title) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
          [participantId, c.name, c.email, c.phone ?? null, c.title ?? null],
        )) as Array<{ id: string }>;
        await m.query(`UPDATE participant SET point_of_contact_id = $2 WHERE id = $1`, [participantId, personId]);
        return participantId;
      })
      .catch((err: { code?: string }) => {
        if (err.code === '23505') throw badInput('input.pointOfContact.email', 'a person with this e-mail already exists');
        throw err;
      });
    return visibleEndorsement(ctx, 'id', id);
  }

  @Mutation(() => EndorsementObjection, { description: 'Objects to an application before its deadline (agencies only).' })
  async objectToEndorsement(
    @Arg('endorsementId', () => ID) endorsementId: string,
    @Arg('reason') reason: string,
    @Ctx() ctx: Context,
  ): Promise<EndorsementObjection> {
    const e = await visibleEndorsement(ctx, 'endorsementId', endorsementId);
    if (reason.trim().length < 3 || reason.length > 2000) throw badInput('reason', 'must be 3 to 2000 characters');
    const now = ctx.now();
    if (!endorsementPolicy.windowOpen(e.status, e.objectionDeadline, now)) throw badInput('endorsementId', 'the objection window has closed');
    const standing = (await ctx.data.cooperation.objectionsByParticipant.load(e.id)).some((o) => o.agencyId === ctx.viewer.memberOrgId && !o.withdrawnAt);
    if (standing) throw badInput('endorsementId', 'your agency already objects to this application');
    const [{ id }] = (await ctx.db.query(
      `INSERT INTO endorsement_objection (participant_id, agency_id, objected_by_id, reason, created_at) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
      [e.id, ctx.viewer.memberOrgId, ctx.viewer.personId, reason, now],
    )) as Array<{ id: string }>;
    return required(await ctx.data.cooperation.objectionById.load(id), 'new objection');
  }

  @Mutation(() => EndorsementObjection, { description: 'Withdraws your agency’s objection before the deadline (the objecting agency only).' })
  async withdrawEndorsementObjection(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<EndorsementObjection> {
    // The rule has loaded the objection and checked that the viewer's agency made it.
    const objection = (await ctx.data.cooperation.objectionById.load(id))!;
    if (objection.withdrawnAt) throw badInput('id', 'this objection is already withdrawn');
    const e = await visibleEndorsement(ctx, 'id', objection.participantId);
    const now = ctx.now();
    if (!endorsementPolicy.windowOpen(e.status, e.objectionDeadline, now)) throw badInput('id', 'the objection window has closed');
    await ctx.db.query(`UPDATE endorsement_objection SET withdrawn_at = $2 WHERE id = $1`, [objection.id, now]);
    ctx.data.cooperation.objectionById.clear(objection.id);
    return required(await ctx.data.cooperation.objectionById.load(objection.id), 'objection');
  }
}

@Resolver(() => EndorsementObjection)
export class EndorsementObjectionResolver {
  @FieldResolver(() => Agency)
  async agency(@Root() o: EndorsementObjection, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(o.agencyId), 'objecting agency');
  }

  @FieldResolver(() => Person, { nullable: true })
  objectedBy(@Root() o: EndorsementObjection, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(o.objectedById);
  }

  @FieldResolver(() => Endorsement, { nullable: true })
  endorsement(@Root() o: EndorsementObjection, @Ctx() ctx: Context): Promise<Endorsement | null> {
    return ctx.data.cooperation.endorsementById.load(o.participantId);
  }
}

