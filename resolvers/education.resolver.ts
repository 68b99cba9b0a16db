import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { EducationProject, EducationProjectViewerCan } from '../entities/education-project.entity';
import { EducationProjectStatus } from '../entities/outreach.enums';
import { Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { and, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { paginate } from '../src/graphql/paginate';
import { required } from '../src/data/batch';
import { educationPolicy } from '../src/policy/education.policy';
import { EducationProjectsArgs, StartEducationProjectInput, UpdateEducationProjectInput } from './types/education.input';
import { endorsedParticipants } from './training.resolver';

export const EducationProjectConnection = Connection(EducationProject, 'EducationProject');
export type EducationProjectConnection = InstanceType<typeof EducationProjectConnection>;

const statusOrder: EducationProjectStatus[] = [EducationProjectStatus.PLANNED, EducationProjectStatus.ACTIVE, EducationProjectStatus.COMPLETED];

/** The partners a mutation names: endorsed participants other than the leading organization. */
async function partnersOf(ctx: Context, ids: string[], leadId: string): Promise<string[]> {
  const partners = await endorsedParticipants(ctx, 'input.partnerIds', ids);
  if (partners.some((p) => p.id === leadId)) throw badInput('input.partnerIds', 'the leading organization is not its own partner');
  return partners.map((p) => p.id);
}

async function reloadProject(ctx: Context, id: string): Promise<EducationProject> {
  ctx.data.outreach.projectById.clear(id);
  ctx.data.outreach.partnersByProject.clear(id);
  return required(await ctx.data.outreach.projectById.load(id), 'education project');
}

@Resolver(() => EducationProject)
export class EducationProjectResolver {
  @Query(() => EducationProjectConnection, {
    description: 'The consumer and business education projects (§A.3.e), newest first. AGENCY and PRIVATE viewers; empty for anonymous callers.',
  })
  async educationProjects(@Args() args: EducationProjectsArgs, @Ctx() ctx: Context): Promise<EducationProjectConnection> {
    const f = args.filter;
    const conditions: Sql[] = [educationPolicy.scope(ctx.viewer)];
    if (f?.theme) conditions.push(sql`${f.theme} = ANY (ep.themes)`);
    if (f?.status) conditions.push(sql`ep.status = ${f.status}`);
    if (f?.leadOrganizationId) {
      const lead = await ctx.data.participants.participantById.load(f.leadOrganizationId);
      if (!lead) throw notFound('filter.leadOrganizationId', 'participant');
      conditions.push(sql`ep.lead_organization_id = ${lead.id}`);
    }
    const page = await paginate(ctx.db, {
      from: sql`education_project ep`,
      select: sql`ep.*`,
      where: and(conditions),
      order: [
        { expr: 'ep.started_at', direction: 'DESC', type: 'timestamptz' },
        { expr: 'ep.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(EducationProject, rows),
    });
    return toConnection(EducationProjectConnection, page);
  }

  @Query(() => EducationProject, { nullable: true, description: 'An education project by id; null when it does not exist or the viewer may not see it.' })
  educationProject(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<EducationProject | null> {
    return ctx.data.outreach.projectById.load(id);
  }

  @FieldResolver(() => Participant, { description: 'The organization leading the project; only it changes the project.' })
  async leadOrganization(@Root() p: EducationProject, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(p.leadOrganizationId), 'project lead');
  }

  @FieldResolver(() => [Participant], { description: 'The participants working on the project with the leading organization.' })
  partners(@Root() p: EducationProject, @Ctx() ctx: Context): Promise<Participant[]> {
    return ctx.data.outreach.partnersByProject.load(p.id);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who started the project.' })
  startedBy(@Root() p: EducationProject, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(p.startedById);
  }

  @FieldResolver(() => EducationProjectViewerCan)
  viewerCan(@Root() p: EducationProject, @Ctx() ctx: Context): EducationProjectViewerCan {
    return { update: educationPolicy.canUpdate(ctx.viewer, p) };
  }

  @Mutation(() => EducationProject, {
    description: 'Starts a consumer and business education project led by your organization (AGENCY and PRIVATE viewers, §A.3.e, §A.4).',
  })
  async startEducationProject(@Arg('input') input: StartEducationProjectInput, @Ctx() ctx: Context): Promise<EducationProject> {
    const lead = ctx.viewer.memberOrgId!;
    const partnerIds = await partnersOf(ctx, input.partnerIds, lead);
    const now = ctx.now();
    const id = await ctx.db.transaction(async (m) => {
      const [row] = (await m.query(
        `INSERT INTO education_project (title, description, themes, status, website_url, lead_organization_id, started_by_id, started_at, updated_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8) RETURNING id`,
        [input.title, input.description, [...new Set(input.themes)], input.status, input.websiteUrl ?? null, lead, ctx.viewer.personId, now],
      )) as Array<{ id: string }>;
      await m.query(`INSERT INTO education_project_partner (project_id, participant_id) SELECT $1, unnest($2::uuid[])`, [row.id, partnerIds]);
      return row.id;
    });
    return reloadProject(ctx, id);
  }

  @Mutation(() => EducationProject, { description: 'Changes an education project (the leading organization only). The status only moves forward.' })
  async updateEducationProject(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateEducationProjectInput,
    @Ctx() ctx: Context,
  ): Promise<EducationProject> {
    // The rule has loaded the project through its row scope and checked that the viewer's organization leads it.
    const project = required(await ctx.data.outreach.projectById.load(id), 'education project');
    if (input.status && statusOrder.indexOf(input.status) < statusOrder.indexOf(project.status)) {
      throw badInput('input.status', `a ${project.status} project cannot go back to ${input.status}`);
    }
    const partnerIds = input.partnerIds ? await partnersOf(ctx, input.partnerIds, project.leadOrganizationId) : null;
    await ctx.db.transaction(async (m) => {
      await m.query(
        `UPDATE education_project SET title = $2, description = $3, themes = $4, status = $5, website_url = $6, updated_at = $7 WHERE id = $1`,
        [
          project.id,
          input.title ?? project.title,
          input.description ?? project.description,
          input.themes ? [...new Set(input.themes)] : project.themes,
          input.status ?? project.status,
          input.websiteUrl !== undefined ? input.websiteUrl : project.websiteUrl,
          ctx.now(),
        ],
      );
      if (partnerIds) {
        await m.query(`DELETE FROM education_project_partner WHERE project_id = $1`, [project.id]);
        await m.query(`INSERT INTO education_project_partner (project_id, participant_id) SELECT $1, unnest($2::uuid[])`, [project.id, partnerIds]);
      }
    });
    return reloadProject(ctx, project.id);
  }
}
