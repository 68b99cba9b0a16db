import { GraphQLError } from 'graphql';
import { Arg, Ctx, ID, Resolver, Root, Subscription } from 'type-graphql';
import { AssistanceRequest } from '../entities/assistance-request.entity';
import { Case } from '../entities/case.entity';
import { ConferenceCall } from '../entities/conference-call.entity';
import { ReportKind } from '../entities/enums';
import { SectorReport } from '../entities/sector-report.entity';
import type { Context } from '../src/context';
import type { LiveEvent } from '../src/live/events';
import { NOT_VISIBLE } from '../src/live/dispatcher';

/**
 * The live updates (DOMAIN §7), served over graphql-ws at the same path as queries (src/live/websocket.ts). Each
 * field is resolved at delivery time, for each group of subscribers under their own viewer, from the event the
 * dispatcher hands in as the root value (ids only): the row is loaded exactly as the root lookup loads it, so the
 * payload is what `case(id)`, `call(id)` … would answer. A row the viewer cannot see delivers nothing.
 */
function visible<T>(row: T | null): T {
  if (row === null) throw new GraphQLError('not visible', { extensions: { code: NOT_VISIBLE } });
  return row;
}

/** graphql-js's own `subscribe` is not the way in: the dispatcher groups subscribers and resolves once per group. */
function servedByDispatcher(): never {
  throw new Error('subscriptions are served over graphql-ws by the live-update dispatcher');
}

@Resolver()
export class LiveResolver {
  @Subscription(() => Case, {
    subscribe: servedByDispatcher,
    description:
      'A case after it was opened, edited, shared or revoked: the case as `case(id)` answers you at that moment, sent only ' +
      'when what you can see of it changed. With `id`, that case only (an id you cannot see yet is accepted and ' +
      'delivers once the case becomes visible to you).',
  })
  async caseChanged(@Root() event: LiveEvent, @Ctx() ctx: Context, @Arg('id', () => ID, { nullable: true }) _id?: string): Promise<Case> {
    return visible(await ctx.data.cases.caseById.load(event.id));
  }

  @Subscription(() => SectorReport, {
    subscribe: servedByDispatcher,
    description: 'A new EARLY_WARNING report you may see (its TLP and named recipients), as `report(id)` answers you (§B.3.a.v).',
  })
  async earlyWarningPublished(@Root() event: LiveEvent, @Ctx() ctx: Context): Promise<SectorReport> {
    const report = await ctx.data.cooperation.reportById.load(event.id);
    return visible(report && report.kind === ReportKind.EARLY_WARNING ? report : null);
  }

  @Subscription(() => ConferenceCall, {
    subscribe: servedByDispatcher,
    description:
      'A call after it was scheduled or a segment, its minutes, an invitation or an exclusion changed, as `call(id)` ' +
      'answers you (segments filtered as in a query); sent only when what you can see of it changed.',
  })
  async callChanged(@Root() event: LiveEvent, @Ctx() ctx: Context, @Arg('id', () => ID, { nullable: true }) _id?: string): Promise<ConferenceCall> {
    return visible(await ctx.data.calls.callById.load(event.id));
  }

  @Subscription(() => AssistanceRequest, {
    subscribe: servedByDispatcher,
    description: 'An assistance request after any change, to its requester, its recipient and the coordinators, with their parts (§A.5, §B.4).',
  })
  async assistanceRequestChanged(@Root() event: LiveEvent, @Ctx() ctx: Context): Promise<AssistanceRequest> {
    return visible(await ctx.data.cooperation.requestById.load(event.id));
  }
}
