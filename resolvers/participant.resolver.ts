import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Country } from '../entities/country.entity';
import { CaseOrder } from '../entities/enums';
import { Agency, Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { required } from '../src/data/batch';
import { Connection, toConnection } from '../src/graphql/connection';
import { CaseConnection, caseConnection } from './case.resolver';
import { PageArgs } from './types/common.args';
import { DesignateCountryPrimaryContactArgs, ParticipantsArgs } from './types/participant.input';

export const ParticipantConnection = Connection(Participant, 'Participant');
export type ParticipantConnection = InstanceType<typeof ParticipantConnection>;
export const PersonConnection = Connection(Person, 'Person');
export type PersonConnection = InstanceType<typeof PersonConnection>;
export const CountryConnection = Connection(Country, 'Country');
export type CountryConnection = InstanceType<typeof CountryConnection>;

@Resolver(() => Participant)
export class ParticipantResolver {
  @Query(() => ParticipantConnection, {
    description: 'Participants the viewer may see, by name: endorsed (and withdrawn) ones for everyone; applicants and rejected ones for agencies.',
  })
  async participants(@Args() args: ParticipantsArgs, @Ctx() ctx: Context): Promise<ParticipantConnection> {
    return toConnection(ParticipantConnection, await ctx.data.participants.page(args.filter, args));
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
    return toConnection(PersonConnection, await ctx.data.participants.people(p.id, args));
  }

  @Mutation(() => Participant, { description: 'Designates one of your organization’s people as its point of contact (§A.1, §B.1).' })
  designatePointOfContact(@Arg('personId', () => ID) personId: string, @Ctx() ctx: Context): Promise<Participant> {
    return ctx.data.participants.designatePointOfContact(personId);
  }

  @Mutation(() => Country, {
    description: 'Designates the primary contact coordinating a country’s agencies (§A.2): agencies of that country, one of their people.',
  })
  designateCountryPrimaryContact(@Args() { countryCode, personId }: DesignateCountryPrimaryContactArgs, @Ctx() ctx: Context): Promise<Country> {
    return ctx.data.participants.designateCountryPrimaryContact(countryCode, personId);
  }
}

@Resolver(() => Agency)
export class AgencyResolver {
  @FieldResolver(() => CaseConnection, { description: 'Cases this agency leads that the viewer may see.' })
  cases(@Root() agency: Agency, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<CaseConnection> {
    return caseConnection(ctx, { leadAgencyId: agency.id }, args, CaseOrder.HARM);
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
    return toConnection(CountryConnection, await ctx.data.participants.countries(args));
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
  async participants(@Root() country: Country, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<ParticipantConnection> {
    return toConnection(ParticipantConnection, await ctx.data.participants.ofCountry(country.code, args));
  }
}
