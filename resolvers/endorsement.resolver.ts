import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Endorsement, EndorsementObjection, EndorsementViewerCan } from '../entities/endorsement.entity';
import { ParticipantKind } from '../entities/enums';
import { Agency, Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, forbidden, notFound } from '../src/graphql/errors';
import { isBlank } from '../src/graphql/input-text';
import { required } from '../src/data/batch';
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
    return toConnection(EndorsementConnection, await ctx.data.cooperation.endorsementPage(args.status, args));
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
  viewerCan(@Root() e: Endorsement): EndorsementViewerCan {
    // Loaded with the application, at the request's clock: an agency, while the window is open (lap.objection_window_open).
    return { object: e.canObject };
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
    const c = input.pointOfContact;
    const id = await ctx.data.cooperation.recordApplication({
      kind: input.kind,
      name: input.name,
      countryCode: input.countryCode,
      competences: agency ? [...new Set(input.competences ?? [])] : [],
      sector: input.sector ?? null,
      objectionDays: ctx.config.endorsementObjectionDays,
      contact: { name: c.name, email: c.email, phone: c.phone ?? null, title: c.title ?? null },
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
    // A reason that shows nothing would decide an application unexplained; lengths in characters (an emoji is one), as
    // the input types' checks count them.
    if (isBlank(reason)) throw badInput('reason', 'must not be blank');
    const characters = [...reason.trim()].length;
    if (characters < 3 || [...reason].length > 2000) throw badInput('reason', 'must be 3 to 2000 characters');
    // The window at the request's clock, as the database judged it when it loaded the application; the insert policy
    // (objection_object) judges it again.
    if (!e.objectionOpen) throw badInput('endorsementId', 'the objection window has closed');
    const id = await ctx.data.cooperation.objectTo(e.id, reason);
    return required(await ctx.data.cooperation.objectionById.load(id), 'new objection');
  }

  @Mutation(() => EndorsementObjection, { description: 'Withdraws your agency’s objection before the deadline (the objecting agency only).' })
  async withdrawEndorsementObjection(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<EndorsementObjection> {
    const objection = await ctx.data.cooperation.objectionById.load(id);
    if (!objection) throw notFound('id', 'objection');
    if (objection.withdrawnAt) throw badInput('id', 'this objection is already withdrawn');
    const e = await visibleEndorsement(ctx, 'id', objection.participantId);
    if (!e.objectionOpen) throw badInput('id', 'the objection window has closed');
    // The update policy (objection_withdraw) lets only the objecting agency change it: no row changed is a refusal.
    if (!(await ctx.data.cooperation.withdrawObjection(objection.id))) throw forbidden();
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

