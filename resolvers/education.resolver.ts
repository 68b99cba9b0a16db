import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { EducationProject, EducationProjectViewerCan } from '../entities/education-project.entity';
import { EducationProjectStatus } from '../entities/outreach.enums';
import { Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import type { Context } from '../src/context';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { required } from '../src/data/batch';
import { EducationProjectFilter, EducationProjectsArgs, StartEducationProjectInput, UpdateEducationProjectInput } from './types/education.input';
import { storedHttpsUrl } from './types/training.input';
import { endorsedParticipants } from './training.resolver';

export const EducationProjectConnection = Connection(EducationProject, 'EducationProject');
export type EducationProjectConnection = InstanceType<typeof EducationProjectConnection>;

const statusOrder: EducationProjectStatus[] = [EducationProjectStatus.PLANNED, EducationProjectStatus.ACTIVE, EducationProjectStatus.COMPLETED];

/** The partners a mutation names: endorsed participants other than the leading organization. */
async function partnersOf(ctx: Context, ids: string[], leadId: string | null): Promise<string[]> {
  const partners = await endorsedParticipants(ctx, 'input.partnerIds', ids);
  if (partners.some((p) => p.id === leadId)) throw badInput('input.partnerIds', 'the leading organization is not its own partner');
  return partners.map((p) => p.id);
}

async function reloadProject(ctx: Context, id: string): Promise<EducationProject> {
  return required(await ctx.data.outreach.projectById.load(id), 'education project');
}

@Resolver(() => EducationProject)
export class EducationProjectResolver {
  @Query(() => EducationProjectConnection, {
    description: 'The consumer and business education projects (§A.3.e), newest first. AGENCY and PRIVATE viewers; empty for anonymous callers.',
  })
  async educationProjects(@Args() args: EducationProjectsArgs, @Ctx() ctx: Context): Promise<EducationProjectConnection> {
    const f: EducationProjectFilter = args.filter ?? {};
    let leadOrganizationId: string | null = null;
    if (f.leadOrganizationId != null) {
      const lead = await ctx.data.participants.participantById.load(f.leadOrganizationId);
      if (!lead) throw notFound('filter.leadOrganizationId', 'participant');
      leadOrganizationId = lead.id;
    }
    const page = await ctx.data.outreach.educationProjects({ theme: f.theme, status: f.status, leadOrganizationId }, args);
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
  viewerCan(@Root() p: EducationProject): EducationProjectViewerCan {
    // Came with the row, from the policy's function (lap.education_project_editable).
    return { update: p.editable === true };
  }

  @Mutation(() => EducationProject, {
    description: 'Starts a consumer and business education project led by your organization (AGENCY and PRIVATE viewers, §A.3.e, §A.4).',
  })
  async startEducationProject(@Arg('input') input: StartEducationProjectInput, @Ctx() ctx: Context): Promise<EducationProject> {
    // Led by the viewer's organization, started by the viewer: the database decides (lap.education_project_editable).
    const partnerIds = await partnersOf(ctx, input.partnerIds, ctx.viewer.memberOrgId);
    const id = await ctx.data.outreach.startEducationProject(
      {
        title: input.title,
        description: input.description,
        themes: [...new Set(input.themes)],
        status: input.status,
        websiteUrl: storedHttpsUrl(input.websiteUrl ?? null),
      },
      partnerIds,
      ctx.now(),
    );
    return reloadProject(ctx, id);
  }

  @Mutation(() => EducationProject, { description: 'Changes an education project (the leading organization only). The status only moves forward.' })
  async updateEducationProject(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateEducationProjectInput,
    @Ctx() ctx: Context,
  ): Promise<EducationProject> {
    const project = await ctx.data.outreach.projectById.load(id);
    if (!project) throw notFound('id', 'education project');
    const partnerIds = input.partnerIds ? await partnersOf(ctx, input.partnerIds, project.leadOrganizationId) : null;
    // Under a row lock; the database decides whether the viewer may change it (lap.education_project_editable).
    await ctx.data.outreach.updateEducationProject(
      project.id,
      {
        title: input.title,
        description: input.description,
        themes: input.themes ? [...new Set(input.themes)] : null,
        status: input.status,
        websiteUrl: storedHttpsUrl(input.websiteUrl),
        partnerIds,
      },
      (current) => {
        if (input.status && statusOrder.indexOf(input.status) < statusOrder.indexOf(current.status)) {
          throw badInput('input.status', `${/^[AEIOU]/.test(current.status) ? 'an' : 'a'} ${current.status} project cannot go back to ${input.status}`);
        }
      },
      ctx.now(),
    );
    return reloadProject(ctx, project.id);
  }
}
