import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Args, Ctx, FieldResolver, ID, Info, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ReportKind } from '../entities/enums';
import { Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { SectorReport } from '../entities/sector-report.entity';
import type { Context } from '../src/context';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput } from '../src/graphql/errors';
import { isUuid, loadAll, required } from '../src/data/batch';
import { PageArgs } from './types/common.args';
import { PublishReportInput, ReportsArgs } from './types/cooperation.input';

export const SectorReportConnection = Connection(SectorReport, 'SectorReport');
export type SectorReportConnection = InstanceType<typeof SectorReportConnection>;

@Resolver(() => SectorReport)
export class SectorReportResolver {
  @Query(() => SectorReportConnection, { description: 'Reports the viewer may see (their TLP as for cases), newest first.' })
  async reports(@Args() args: ReportsArgs, @Ctx() ctx: Context): Promise<SectorReportConnection> {
    return toConnection(SectorReportConnection, await ctx.data.cooperation.reportPage(args.kind, args));
  }

  @Query(() => SectorReportConnection, { description: 'The early-warning feed: EARLY_WARNING reports, newest first (§B.3.a.v).' })
  async earlyWarnings(@Args() args: PageArgs, @Ctx() ctx: Context): Promise<SectorReportConnection> {
    return toConnection(SectorReportConnection, await ctx.data.cooperation.reportPage(ReportKind.EARLY_WARNING, args));
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

  @FieldResolver(() => [Person], { nullable: true, description: 'The named recipients, by name. The author’s organization only; a named person it may no longer see (of a participant that has withdrawn) is left out and counted in `extensions.redacted`.' })
  async recipients(@Root() r: SectorReport, @Ctx() ctx: Context, @Info() info: GraphQLResolveInfo): Promise<Person[]> {
    const { people, hidden } = await ctx.data.cooperation.recipientsByReport.load(r.id);
    // Named, but a person this viewer may not see: noted in `extensions.redacted` (once each), as a hidden person
    // reference is, so that the list does not read as naming only those listed.
    if (hidden > 0) ctx.redactions.note(info.path, hidden);
    return people;
  }

  @Mutation(() => SectorReport, { description: 'Publishes a report to the network (members, §B.3.a). TLP:RED needs named recipients.' })
  async publishReport(@Arg('input') input: PublishReportInput, @Ctx() ctx: Context): Promise<SectorReport> {
    const recipientIds = [...new Set(input.recipientIds)];
    // A RED report without recipients is refused by the database (sector_report_red_named), as bad input.
    const people = await loadAll(ctx.data.participants.personById, recipientIds.filter(isUuid));
    const unknown = recipientIds.filter((id) => !people.some((p) => p instanceof Person && p.id === id));
    if (unknown.length) throw badInput('input.recipientIds', `no person with id ${unknown.join(', ')}`);
    ctx.data.participants.refuseWhoLeft('input.recipientIds', people);
    // People of endorsed participants only: lap.report_recipient_named decides, under the organizations' locks.
    const id = await ctx.data.cooperation.publishReport({ kind: input.kind, title: input.title, body: input.body, tlp: input.tlp, recipientIds });
    return required(await ctx.data.cooperation.reportById.load(id), 'new report');
  }
}
