import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Country } from '../entities/country.entity';
import { ParticipantKind, ParticipantStatus } from '../entities/enums';
import { Agency, Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { and, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { paginate } from '../src/graphql/paginate';
import { required } from '../src/data/batch';
import { participantClass } from '../src/data/participants';
import { participantPolicy } from '../src/policy/participant.policy';
import { CaseConnection, caseConnection } from './case.resolver';
import { PageArgs } from './types/common.args';
import { CaseOrder } from '../entities/enums';
import { ParticipantsArgs } from './types/participant.input';

export const ParticipantConnection = Connection(Participant, 'Participant');
export type ParticipantConnection = InstanceType<typeof ParticipantConnection>;
export const PersonConnection = Connection(Person, 'Person');
export type PersonConnection = InstanceType<typeof PersonConnection>;
export const CountryConnection = Connection(Country, 'Country');
export type CountryConnection = InstanceType<typeof CountryConnection>;

async function participantConnection(ctx: Context, conditions: Sql[], args: PageArgs): Promise<ParticipantConnection> {
  const page = await paginate(ctx.db, {
    from: sql`participant p`,
    select: sql`p.*`,
    where: and([participantPolicy.scope(ctx.viewer, 'p'), ...conditions]),
    order: [
      { expr: 'p.name', direction: 'ASC', type: 'text' },
      { expr: 'p.id', direction: 'ASC', type: 'uuid' },
    ],
    first: args.first,
    after: args.after,
    hydrate: (rows) => ctx.db.hydrate(Participant, rows, participantClass),
  });
  return toConnection(ParticipantConnection, page);
}

async function visiblePerson(ctx: Context, argument: string, id: string): Promise<Person> {
  const person = await ctx.data.participants.personById.load(id);
  if (!person) throw notFound(argument, 'person');
  return person;
}

@Resolver(() => Participant)
export class ParticipantResolver {
  @Query(() => ParticipantConnection, {
    description: 'Participants the viewer may see, by name: endorsed (and withdrawn) ones for everyone; applicants and rejected ones for agencies.',
  })
  async participants(@Args() args: ParticipantsArgs, @Ctx() ctx: Context): Promise<ParticipantConnection> {
    const f = args.filter;
    const conditions: Sql[] = [];
    if (f?.kind) conditions.push(sql`p.kind = ${f.kind}`);
    if (f?.status) conditions.push(sql`p.status = ${f.status}`);
    if (f?.sector) conditions.push(sql`p.sector = ${f.sector}`);
    if (f?.countryCode) {
      if (!(await ctx.data.participants.countryByCode.load(f.countryCode))) throw badInput('filter.countryCode', 'no country with this code');
      conditions.push(sql`p.country_code = ${f.countryCode}`);
    }
    return participantConnection(ctx, conditions, args);
  }

  @Query(() => Participant, { nullable: true, description: 'A participant by id; null when it does not exist or the viewer may not see it.' })
  participant(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Participant | null> {
    return ctx.data.participants.participantById.load(id);
  }

  @Query(() => Person, { nullable: true, description: 'A person by id; null when it does not exist or the viewer may not see them.' })
  person(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(id);
  }

  @FieldResolver(() => Country)
  country(@Root() p: Participant, @Ctx() ctx: Context): Country | Promise<Country> {
    const country = ctx.data.participants.countryByCode.peek(p.countryCode);
    if (country !== undefined) return required(country, 'participant country');
    return ctx.data.participants.countryByCode.load(p.countryCode).then((c) => required(c, 'participant country'));
  }

  @FieldResolver(() => Person, {
    nullable: true,
    description: 'The single contact for enforcement communications (§A.1, §B.1). Members of the network only.',
  })
  pointOfContact(@Root() p: Participant, @Ctx() ctx: Context): Promise<Person | null> {
    return p.pointOfContactId ? ctx.data.participants.personById.load(p.pointOfContactId) : Promise.resolve(null);
  }

  @FieldResolver(() => PersonConnection, { nullable: true, description: 'The participant’s people. Members of the network only.' })
  async people(@Root() p: Participant, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<PersonConnection> {
    const page = await paginate(ctx.db, {
      from: sql`person pe`,
      select: sql`pe.*`,
      where: and([participantPolicy.personScope(ctx.viewer, 'pe'), sql`pe.organization_id = ${p.id}`]),
      order: [
        { expr: 'pe.name', direction: 'ASC', type: 'text' },
        { expr: 'pe.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(Person, rows),
    });
    return toConnection(PersonConnection, page);
  }

  @Mutation(() => Participant, { description: 'Designates one of your organization’s people as its point of contact (§A.1, §B.1).' })
  async designatePointOfContact(@Arg('personId', () => ID) personId: string, @Ctx() ctx: Context): Promise<Participant> {
    const person = await visiblePerson(ctx, 'personId', personId);
    if (person.organizationId !== ctx.viewer.memberOrgId) throw badInput('personId', 'is not a person of your organization');
    await ctx.db.query(`UPDATE participant SET point_of_contact_id = $2 WHERE id = $1`, [person.organizationId, person.id]);
    ctx.data.participants.participantById.clear(person.organizationId);
    return required(await ctx.data.participants.participantById.load(person.organizationId), 'own organization');
  }

  @Mutation(() => Country, {
    description: 'Designates the primary contact coordinating a country’s agencies (§A.2): agencies of that country, one of their people.',
  })
  async designateCountryPrimaryContact(
    @Arg('countryCode') countryCode: string,
    @Arg('personId', () => ID) personId: string,
    @Ctx() ctx: Context,
  ): Promise<Country> {
    // The rule has checked that the country exists and that the viewer's agency is in it.
    const person = await visiblePerson(ctx, 'personId', personId);
    const org = await ctx.data.participants.participantById.load(person.organizationId);
    if (!org || org.kind !== ParticipantKind.AGENCY || org.status !== ParticipantStatus.ENDORSED || org.countryCode !== countryCode) {
      throw badInput('personId', `is not a person of an endorsed agency of ${countryCode}`);
    }
    await ctx.db.query(`UPDATE country SET primary_contact_id = $2 WHERE code = $1`, [countryCode, person.id]);
    ctx.data.participants.countryByCode.clear(countryCode);
    return required(await ctx.data.participants.countryByCode.load(countryCode), 'country');
  }
}

@Resolver(() => Agency)
export class AgencyResolver {
  @FieldResolver(() => CaseConnection, { description: 'Cases this agency leads that the viewer may see.' })
  cases(@Root() agency: Agency, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<CaseConnection> {
    return caseConnection(ctx, [sql`c.lead_agency_id = ${agency.id}`], args, CaseOrder.HARM);
  }
}

@Resolver(() => Person)
export class PersonResolver {
  @FieldResolver(() => Participant)
  async organization(@Root() person: Person, @Ctx() ctx: Context): Promise<Participant> {
    // A visible person's organization is visible: people of endorsed participants, and agencies see every participant.
    return required(await ctx.data.participants.participantById.load(person.organizationId), 'person organization');
  }
}

@Resolver(() => Country)
export class CountryResolver {
  @Query(() => CountryConnection, { description: 'The countries of the network, by code.' })
  async countries(@Args() args: PageArgs, @Ctx() ctx: Context): Promise<CountryConnection> {
    const page = await paginate(ctx.db, {
      from: sql`country co`,
      select: sql`co.*`,
      where: sql`TRUE`,
      order: [{ expr: 'co.code', direction: 'ASC', type: 'text' }],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(Country, rows),
    });
    return toConnection(CountryConnection, page);
  }

  @Query(() => Country, { nullable: true, description: 'A country by ISO 3166-1 alpha-2 code.' })
  country(@Arg('code') code: string, @Ctx() ctx: Context): Promise<Country | null> {
    return ctx.data.participants.countryByCode.load(code.toUpperCase());
  }

  @FieldResolver(() => Person, {
    nullable: true,
    description: 'The primary contact coordinating enforcement cooperation among the country’s agencies (§A.2). Members only.',
  })
  primaryContact(@Root() country: Country, @Ctx() ctx: Context): Promise<Person | null> {
    return country.primaryContactId ? ctx.data.participants.personById.load(country.primaryContactId) : Promise.resolve(null);
  }

  @FieldResolver(() => ParticipantConnection, { description: 'The participants of this country the viewer may see.' })
  participants(@Root() country: Country, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<ParticipantConnection> {
    return participantConnection(ctx, [sql`p.country_code = ${country.code}`], args);
  }
}
