import { Ctx, FieldResolver, Query, Resolver } from 'type-graphql';
import { Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { ViewerInfo } from '../entities/viewer.entity';
import type { Context } from '../src/context';

@Resolver(() => ViewerInfo)
export class ViewerResolver {
  @Query(() => ViewerInfo, { description: 'Who the caller is.' })
  me(@Ctx() ctx: Context): ViewerInfo {
    return { kind: ctx.viewer.kind, personId: ctx.viewer.personId, organizationId: ctx.viewer.ownOrgId };
  }

  @FieldResolver(() => Person, { nullable: true, description: 'The caller; null when anonymous.' })
  person(@Ctx() ctx: Context): Promise<Person | null> {
    return ctx.viewer.personId ? ctx.data.participants.personById.load(ctx.viewer.personId) : Promise.resolve(null);
  }

  @FieldResolver(() => Participant, {
    nullable: true,
    description: 'The caller’s organization (also while its application is pending); null without a token.',
  })
  organization(@Ctx() ctx: Context): Promise<Participant | null> {
    return ctx.viewer.ownOrgId ? ctx.data.participants.participantById.load(ctx.viewer.ownOrgId) : Promise.resolve(null);
  }
}
