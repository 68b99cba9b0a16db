import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ReportKind, Tlp } from '../entities/enums';
import { Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { SectorReport } from '../entities/sector-report.entity';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { and, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput } from '../src/graphql/errors';
import { paginate } from '../src/graphql/paginate';
import { isUuid, required } from '../src/data/batch';
import { reportPolicy } from '../src/policy/cooperation.policy';
import { PageArgs } from './types/common.args';
import { PublishReportInput, ReportsArgs } from './types/cooperation.input';

export const SectorReportConnection = Connection(SectorReport, 'SectorReport');
export type SectorReportConnection = InstanceType<typeof SectorReportConnection>;

async function reportConnection(ctx: Context, conditions: Sql[], args: PageArgs): Promise<SectorReportConnection> {
  const page = await paginate(ctx.db, {
    from: sql`sector_report r`,
    select: sql`r.*`,
    where: and([reportPolicy.scope(ctx.viewer, 'r'), ...conditions]),
    order: [
      { expr: 'r.published_at', direction: 'DESC', type: 'timestamptz' },
      { expr: 'r.id', direction: 'ASC', type: 'uuid' },
    ],
    first: args.first,
    after: args.after,
    hydrate: (rows) => ctx.db.hydrate(SectorReport, rows),
  });
  return toConnection(SectorReportConnection, page);
}

@Resolver(() => SectorReport)
export class SectorReportResolver {
  @Query(() => SectorReportConnection, { description: 'Reports the viewer may see (their TLP as for cases), newest first.' })
  reports(@Args() args: ReportsArgs, @Ctx() ctx: Context): Promise<SectorReportConnection> {
    return reportConnection(ctx, args.kind ? [sql`r.kind = ${args.kind}`] : [], args);
  }

  @Query(() => SectorReportConnection, { description: 'The early-warning feed: EARLY_WARNING reports, newest first (§B.3.a.v).' })
  earlyWarnings(@Args() args: PageArgs, @Ctx() ctx: Context): Promise<SectorReportConnection> {
    return reportConnection(ctx, [sql`r.kind = ${ReportKind.EARLY_WARNING}`], args);
  }

  @Query(() => SectorReport, { nullable: true, description: 'A report by id; null when the viewer may not see it.' })
  report(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<SectorReport | null> {
    return ctx.data.cooperation.reportById.load(id);
  }

  @FieldResolver(() => Participant, { description: 'The author’s organization.' })
  async authorOrganization(@Root() r: SectorReport, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(r.authorOrgId), 'report author organization');
  }

  @FieldResolver(() => Person, { nullable: true })
  author(@Root() r: SectorReport, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(r.authorId);
  }

  @FieldResolver(() => [Person], { nullable: true, description: 'The named recipients. The author’s organization only.' })
  async recipients(@Root() r: SectorReport, @Ctx() ctx: Context): Promise<Person[]> {
    const people = await ctx.data.participants.personById.loadMany(r.recipientIds);
    return people.filter((p): p is Person => p instanceof Person);
  }

  @Mutation(() => SectorReport, { description: 'Publishes a report to the network (members, §B.3.a). TLP:RED needs named recipients.' })
  async publishReport(@Arg('input') input: PublishReportInput, @Ctx() ctx: Context): Promise<SectorReport> {
    const recipientIds = [...new Set(input.recipientIds)];
    if (input.tlp === Tlp.RED && recipientIds.length === 0) throw badInput('input.recipientIds', 'a TLP:RED report must name its recipients');
    const people = await ctx.data.participants.personById.loadMany(recipientIds.filter(isUuid));
    const unknown = recipientIds.filter((id) => !people.some((p) => p instanceof Person && p.id === id));
    if (unknown.length) throw badInput('input.recipientIds', `no person with id ${unknown.join(', ')}`);
    const [{ id }] = (await ctx.db.query(
      `INSERT INTO sector_report (author_org_id, author_id, kind, title, body, tlp, recipient_ids, published_at)
       VALUES ($1,$2,$3,$4,$5,$6,$7::uuid[],$8) RETURNING id`,
      [ctx.viewer.memberOrgId, ctx.viewer.personId, input.kind, input.title, input.body, input.tlp, recipientIds, ctx.now()],
    )) as Array<{ id: string }>;
    return required(await ctx.data.cooperation.reportById.load(id), 'new report');
  }
}
