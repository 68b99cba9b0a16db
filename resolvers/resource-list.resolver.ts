import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Country } from '../entities/country.entity';
import { Sector } from '../entities/enums';
import { Participant, PrivateSectorMember } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { ResourceListEntry, ResourceListEntryViewerCan } from '../entities/resource-list-entry.entity';
import type { Context } from '../src/context';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { required } from '../src/data/batch';
import { AddResourceListEntryInput, ResourceListArgs, ResourceListFilter } from './types/resource-list.input';

export const ResourceListEntryConnection = Connection(ResourceListEntry, 'ResourceListEntry');
export type ResourceListEntryConnection = InstanceType<typeof ResourceListEntryConnection>;

async function organizationOf(ctx: Context, e: ResourceListEntry): Promise<PrivateSectorMember> {
  // Row-level security admits entries of organizations endorsed now only (resource_read), which are public.
  return required(await ctx.data.participants.participantById.load(e.organizationId), 'resource-list organization') as PrivateSectorMember;
}

@Resolver(() => ResourceListEntry)
export class ResourceListResolver {
  @Query(() => ResourceListEntryConnection, {
    description:
      'The resource list of individuals working on spam enforcement, by sector (§B.2), then name. AGENCY and PRIVATE viewers; ' +
      'empty for anonymous callers.',
  })
  async resourceList(@Args() args: ResourceListArgs, @Ctx() ctx: Context): Promise<ResourceListEntryConnection> {
    const f: ResourceListFilter = args.filter ?? {};
    if (f.countryCode && !(await ctx.data.participants.countryByCode.load(f.countryCode))) {
      throw badInput('filter.countryCode', 'no country with this code');
    }
    return toConnection(ResourceListEntryConnection, await ctx.data.outreach.resourceList(f, args));
  }

  @Query(() => ResourceListEntry, { nullable: true, description: 'A resource-list entry by id; null when it does not exist or the viewer may not see it.' })
  resourceListEntry(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ResourceListEntry | null> {
    return ctx.data.outreach.resourceEntryById.load(id);
  }

  @FieldResolver(() => Person, { description: 'The listed person.' })
  async person(@Root() e: ResourceListEntry, @Ctx() ctx: Context): Promise<Person> {
    return required(await ctx.data.participants.personById.load(e.personId), 'listed person');
  }

  @FieldResolver(() => PrivateSectorMember, { description: 'The listed person’s organization.' })
  organization(@Root() e: ResourceListEntry, @Ctx() ctx: Context): Promise<Participant> {
    return organizationOf(ctx, e);
  }

  @FieldResolver(() => Sector, { description: 'The sector the person works in: their organization’s (§B.2 "within particular sectors").' })
  async sector(@Root() e: ResourceListEntry, @Ctx() ctx: Context): Promise<Sector> {
    return (await organizationOf(ctx, e)).sector;
  }

  @FieldResolver(() => Country, { description: 'Their organization’s country.' })
  async country(@Root() e: ResourceListEntry, @Ctx() ctx: Context): Promise<Country> {
    const org = await organizationOf(ctx, e);
    return required(await ctx.data.participants.countryByCode.load(org.countryCode), 'organization country');
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who put the person on the list.' })
  addedBy(@Root() e: ResourceListEntry, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(e.addedById);
  }

  @FieldResolver(() => ResourceListEntryViewerCan)
  viewerCan(@Root() e: ResourceListEntry): ResourceListEntryViewerCan {
    // Came with the row, from the policy's function (lap.resource_entry_manageable).
    return { remove: e.removable === true };
  }

  @Mutation(() => ResourceListEntry, {
    description: 'Puts a person of your organization on the resource list (private-sector members, §B.2); once per person.',
  })
  async addResourceListEntry(@Arg('input') input: AddResourceListEntryInput, @Ctx() ctx: Context): Promise<ResourceListEntry> {
    const found = await ctx.data.outreach.listablePerson(input.personId);
    if (!found) throw notFound('input.personId', 'person');
    // Whether the person is one of the viewer's organization's came from the policy's function (lap.resource_entry_manageable).
    if (!found.listable) throw badInput('input.personId', 'is not a person of your organization');
    if (found.person.leftAt) throw badInput('input.personId', `${found.person.name} has left the network`);
    const id = await ctx.data.outreach.addResourceListEntry(
      { personId: found.person.id, expertise: [...new Set(input.expertise)], languages: [...new Set(input.languages)] },
      ctx.now(),
    );
    if (!id) throw badInput('input.personId', 'is already on the resource list');
    return required(await ctx.data.outreach.resourceEntryById.load(id), 'new resource-list entry');
  }

  @Mutation(() => ID, { description: 'Takes an entry off the resource list (the listed person’s organization only); returns its id.' })
  async removeResourceListEntry(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<string> {
    const entry = await ctx.data.outreach.resourceEntryById.load(id);
    if (!entry) throw notFound('id', 'resource-list entry');
    // The database decides (lap.resource_entry_manageable): FORBIDDEN, nothing written, if the entry is not the viewer's organization's.
    await ctx.data.outreach.removeResourceListEntry(entry.id);
    return entry.id;
  }
}
