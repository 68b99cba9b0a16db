import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Country } from '../entities/country.entity';
import { Sector } from '../entities/enums';
import { Participant, PrivateSectorMember } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { ResourceListEntry, ResourceListEntryViewerCan } from '../entities/resource-list-entry.entity';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { and, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { paginate } from '../src/graphql/paginate';
import { required } from '../src/data/batch';
import { resourceListPolicy } from '../src/policy/resource-list.policy';
import { AddResourceListEntryInput, ResourceListArgs } from './types/resource-list.input';

export const ResourceListEntryConnection = Connection(ResourceListEntry, 'ResourceListEntry');
export type ResourceListEntryConnection = InstanceType<typeof ResourceListEntryConnection>;

async function organizationOf(ctx: Context, e: ResourceListEntry): Promise<PrivateSectorMember> {
  // The entry scope admits entries of endorsed organizations only, which are public.
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
    const f = args.filter;
    const conditions: Sql[] = [resourceListPolicy.scope(ctx.viewer, 'r')];
    if (f?.sector) conditions.push(sql`o.sector = ${f.sector}`);
    if (f?.countryCode) {
      if (!(await ctx.data.participants.countryByCode.load(f.countryCode))) throw badInput('filter.countryCode', 'no country with this code');
      conditions.push(sql`o.country_code = ${f.countryCode}`);
    }
    if (f?.language) conditions.push(sql`${f.language} = ANY (r.languages)`);
    const page = await paginate(ctx.db, {
      from: sql`resource_list_entry r JOIN participant o ON o.id = r.organization_id JOIN person pe ON pe.id = r.person_id`,
      select: sql`r.*`,
      where: and(conditions),
      order: [
        { expr: 'o.sector', direction: 'ASC', type: 'text' },
        { expr: 'pe.name', direction: 'ASC', type: 'text' },
        { expr: 'r.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(ResourceListEntry, rows),
    });
    return toConnection(ResourceListEntryConnection, page);
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
  viewerCan(@Root() e: ResourceListEntry, @Ctx() ctx: Context): ResourceListEntryViewerCan {
    return { remove: resourceListPolicy.canRemove(ctx.viewer, e) };
  }

  @Mutation(() => ResourceListEntry, {
    description: 'Puts a person of your organization on the resource list (private-sector members, §B.2); once per person.',
  })
  async addResourceListEntry(@Arg('input') input: AddResourceListEntryInput, @Ctx() ctx: Context): Promise<ResourceListEntry> {
    const person = await ctx.data.participants.personById.load(input.personId);
    if (!person) throw notFound('input.personId', 'person');
    if (person.organizationId !== ctx.viewer.memberOrgId) throw badInput('input.personId', 'is not a person of your organization');
    const duplicate = () => badInput('input.personId', 'is already on the resource list');
    const [row] = (await ctx.db
      .query(
        `INSERT INTO resource_list_entry (person_id, organization_id, expertise, languages, added_by_id, added_at)
         VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
        [person.id, person.organizationId, [...new Set(input.expertise)], [...new Set(input.languages)], ctx.viewer.personId, ctx.now()],
      )
      .catch((err) => {
        if ((err as { code?: string }).code === '23505') throw duplicate();
        throw err;
      })) as Array<{ id: string }>;
    return required(await ctx.data.outreach.resourceEntryById.load(row.id), 'new resource-list entry');
  }

  @Mutation(() => ID, { description: 'Takes an entry off the resource list (the listed person’s organization only); returns its id.' })
  async removeResourceListEntry(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<string> {
    // The rule has loaded the entry through its row scope and checked that it is of the viewer's organization.
    const entry = (await ctx.data.outreach.resourceEntryById.load(id))!;
    await ctx.db.query(`DELETE FROM resource_list_entry WHERE id = $1`, [entry.id]);
    ctx.data.outreach.resourceEntryById.clear(entry.id);
    return entry.id;
  }
}
