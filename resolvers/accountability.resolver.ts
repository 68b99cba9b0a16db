import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ApiKey, CreatedApiKey, ViewerApiKey } from '../entities/api-key.entity';
import { Case } from '../entities/case.entity';
import {
  CaseAccessLogEntry, CaseAccessRequest, CaseAccessRequestViewerCan, CaseConfidentialAccess,
} from '../entities/case-access.entity';
import { CaseAccessRequestStatus, CaseAccessScope } from '../entities/enums';
import { Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { ViewerInfo } from '../entities/viewer.entity';
import type { Context } from '../src/context';
import { required } from '../src/data/batch';
import { Connection, toConnection } from '../src/graphql/connection';
import { ApiKeysArgs, CaseAccessRequestsArgs, CaseAccessRequestsOfCaseArgs } from './types/accountability.input';
import { PageArgs } from './types/common.args';

export const ApiKeyConnection = Connection(ApiKey, 'ApiKey');
export type ApiKeyConnection = InstanceType<typeof ApiKeyConnection>;
export const CaseAccessRequestConnection = Connection(CaseAccessRequest, 'CaseAccessRequest');
export type CaseAccessRequestConnection = InstanceType<typeof CaseAccessRequestConnection>;
export const CaseAccessLogConnection = Connection(CaseAccessLogEntry, 'CaseAccessLogEntry');
export type CaseAccessLogConnection = InstanceType<typeof CaseAccessLogConnection>;

@Resolver(() => ApiKey)
export class ApiKeyResolver {
  @Query(() => ApiKeyConnection, {
    description: 'The API keys of your organization, newest first (its people only; empty for an API key or an anonymous caller).',
  })
  async apiKeys(@Args() args: ApiKeysArgs, @Ctx() ctx: Context): Promise<ApiKeyConnection> {
    return toConnection(ApiKeyConnection, await ctx.data.accountability.apiKeys(args.includeRevoked, args));
  }

  @Mutation(() => CreatedApiKey, {
    description:
      'Creates an API key for your organization (a person of an endorsed participant). The secret is in the answer, ' +
      'this once: the hub keeps only its hash. The key reads as your organization as a whole, read-only.',
  })
  createApiKey(
    @Arg('name', { description: 'What the key is for, 1–100 characters.' }) name: string,
    @Arg('expiresAt', () => Date, { nullable: true, description: 'When the key stops working (in the future); omitted: until revoked.' })
    expiresAt: Date | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<CreatedApiKey> {
    return ctx.data.accountability.createApiKey(name, expiresAt, ctx.now());
  }

  @Mutation(() => ApiKey, { description: 'Revokes an API key of your organization: it is refused from the next request on, open subscriptions included.' })
  revokeApiKey(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<ApiKey> {
    return ctx.data.accountability.revokeApiKey(id);
  }

  @FieldResolver(() => Participant)
  async organization(@Root() k: ApiKey, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(k.organizationId), 'API key organization');
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who created the key.' })
  createdBy(@Root() k: ApiKey, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(k.createdById);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who revoked the key.' })
  revokedBy(@Root() k: ApiKey, @Ctx() ctx: Context): Promise<Person | null> {
    return k.revokedById ? ctx.data.participants.personById.load(k.revokedById) : Promise.resolve(null);
  }
}

@Resolver(() => ViewerInfo)
export class ViewerApiKeyResolver {
  @FieldResolver(() => ViewerApiKey, { nullable: true, description: 'The API key the caller is using; null for people and anonymous callers.' })
  apiKey(@Ctx() ctx: Context): ViewerApiKey | null {
    const key = ctx.viewer.apiKey;
    return key ? Object.assign(new ViewerApiKey(), key) : null;
  }
}

@Resolver(() => CaseAccessRequest)
export class CaseAccessRequestResolver {
  @Query(() => CaseAccessRequestConnection, {
    description:
      'Requests for access to confidential tiers, newest first: those about your agency’s cases (to decide) and your own (to follow).',
  })
  async caseAccessRequests(@Args() args: CaseAccessRequestsArgs, @Ctx() ctx: Context): Promise<CaseAccessRequestConnection> {
    return toConnection(CaseAccessRequestConnection, await ctx.data.accountability.requests({ status: args.status, caseId: args.caseId }, args));
  }

  @Query(() => CaseAccessRequest, { nullable: true, description: 'A request for access by id: the requester and the lead agency see it.' })
  caseAccessRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CaseAccessRequest | null> {
    return ctx.data.accountability.requestById.load(id);
  }

  @Mutation(() => CaseAccessRequest, {
    description:
      'Asks the lead agency for a case’s confidential tier (a person of a member who sees the case but not its tier). ' +
      'A case you cannot see is answered as an id that does not exist.',
  })
  requestCaseAccess(
    @Arg('caseId', () => ID) caseId: string,
    @Arg('justification', { description: 'Why you need it, 1–2,000 characters; the lead agency reads it.' }) justification: string,
    @Ctx() ctx: Context,
  ): Promise<CaseAccessRequest> {
    return ctx.data.accountability.requestAccess(caseId, justification, ctx.now());
  }

  @Mutation(() => CaseAccessRequest, {
    description:
      'Grants a pending request (the lead agency’s people) by sharing the case: with the requester’s organization, or ' +
      'naming the requester. Default: ORGANIZATION, PERSON for TLP:RED (which names persons only).',
  })
  grantCaseAccess(
    @Arg('id', () => ID) id: string,
    @Arg('scope', () => CaseAccessScope, { nullable: true }) scope: CaseAccessScope | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<CaseAccessRequest> {
    return ctx.data.accountability.grant(id, scope, ctx.now());
  }

  @Mutation(() => CaseAccessRequest, { description: 'Declines a pending request with a reason the requester reads (the lead agency’s people).' })
  declineCaseAccess(
    @Arg('id', () => ID) id: string,
    @Arg('reason', { description: '1–2,000 characters.' }) reason: string,
    @Ctx() ctx: Context,
  ): Promise<CaseAccessRequest> {
    return ctx.data.accountability.decline(id, reason, ctx.now());
  }

  @Mutation(() => CaseAccessRequest, {
    description:
      'Withdraws your own pending request for access: it stays on record (WITHDRAWN) for you and the lead agency, who ' +
      'can no longer decide it; you may ask again.',
  })
  withdrawCaseAccessRequest(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<CaseAccessRequest> {
    return ctx.data.accountability.withdraw(id, ctx.now());
  }

  @FieldResolver(() => Case, { nullable: true, description: 'The case; null if you can no longer see it.' })
  case(@Root() r: CaseAccessRequest, @Ctx() ctx: Context): Promise<Case | null> {
    return ctx.data.cases.caseById.load(r.caseId);
  }

  @FieldResolver(() => Person, { nullable: true })
  requester(@Root() r: CaseAccessRequest, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(r.requesterId);
  }

  @FieldResolver(() => Participant, { nullable: true })
  requesterOrganization(@Root() r: CaseAccessRequest, @Ctx() ctx: Context): Promise<Participant | null> {
    return ctx.data.participants.participantById.load(r.requesterOrgId);
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who granted or declined it, or the requester who withdrew it.' })
  decidedBy(@Root() r: CaseAccessRequest, @Ctx() ctx: Context): Promise<Person | null> {
    return r.decidedById ? ctx.data.participants.personById.load(r.decidedById) : Promise.resolve(null);
  }

  @FieldResolver(() => CaseAccessRequestViewerCan)
  viewerCan(@Root() r: CaseAccessRequest): CaseAccessRequestViewerCan {
    // `decides` and `withdraws` came with the row (case_access_request_decide's and _withdraw's conditions, in the
    // statement that loaded it).
    const pending = r.status === CaseAccessRequestStatus.PENDING;
    return { decide: r.decides === true && pending, withdraw: r.withdraws === true && pending };
  }
}

@Resolver(() => CaseAccessLogEntry)
export class CaseAccessLogEntryResolver {
  @FieldResolver(() => Person, { nullable: true, description: 'The person who read; null when it was an API key.' })
  person(@Root() e: CaseAccessLogEntry, @Ctx() ctx: Context): Promise<Person | null> {
    return e.personId ? ctx.data.participants.personById.load(e.personId) : Promise.resolve(null);
  }

  @FieldResolver(() => Participant, { nullable: true, description: 'The organization the reader read for.' })
  organization(@Root() e: CaseAccessLogEntry, @Ctx() ctx: Context): Promise<Participant | null> {
    return e.organizationId ? ctx.data.participants.participantById.load(e.organizationId) : Promise.resolve(null);
  }
}

/** The accountability fields of a case (DOMAIN §9). */
@Resolver(() => Case)
export class CaseAccountabilityResolver {
  @FieldResolver(() => CaseConfidentialAccess, {
    description:
      'Why you can or cannot read `confidential`: LEAD_AGENCY, SHARED_WITH_ORGANIZATION, SHARED_WITH_YOU or NOT_SHARED_WITH_YOU. ' +
      '`allowed` is true exactly when `confidential` is not null.',
  })
  async confidentialAccess(@Root() c: Case, @Ctx() ctx: Context): Promise<CaseConfidentialAccess> {
    const facts = required(await ctx.data.accountability.caseFacts.load(c.id), 'case facts');
    return Object.assign(new CaseConfidentialAccess(), { allowed: c.confidentialTier != null, reason: facts.reason });
  }

  @FieldResolver(() => CaseAccessLogConnection, {
    nullable: true,
    description:
      'Who read this case’s confidential tier (or, for TLP:RED, its row), newest first: one entry per request. The lead ' +
      'agency’s people only; null for anyone else, noted in `extensions.redacted`.',
  })
  async accessLog(@Root() c: Case, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<CaseAccessLogConnection> {
    return toConnection(CaseAccessLogConnection, await ctx.data.accountability.accessLog(c.id, args));
  }

  @FieldResolver(() => CaseAccessRequestConnection, {
    nullable: true,
    description: 'Requests for this case’s confidential tier, newest first: the lead agency’s people only; null for anyone else, noted in `extensions.redacted`.',
  })
  async accessRequests(@Root() c: Case, @Args() args: CaseAccessRequestsOfCaseArgs, @Ctx() ctx: Context): Promise<CaseAccessRequestConnection> {
    return toConnection(CaseAccessRequestConnection, await ctx.data.accountability.requests({ status: args.status, caseId: c.id }, args));
  }

  @FieldResolver(() => CaseAccessRequest, {
    nullable: true,
    description: 'Your own latest request for this case’s confidential tier, if you made one (its state: pending, granted or declined).',
  })
  viewerAccessRequest(@Root() c: Case, @Ctx() ctx: Context): Promise<CaseAccessRequest | null> {
    return ctx.data.accountability.ownLatestRequestByCase.load(c.id);
  }
}
