import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { CaseAccessPath, CaseAccessRequestStatus, CaseAccessScope, ConfidentialAccessReason } from './enums';

@ObjectType({
  description:
    'A request for a case’s confidential tier (DOMAIN §9): made by a person who sees the case’s row but not its tier, ' +
    'decided by the lead agency’s people, or withdrawn by the requester while pending. The requester and the lead agency see it.',
})
@Entity('case_access_request')
export class CaseAccessRequest {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ name: 'lead_agency_id', type: 'uuid' })
  leadAgencyId: string;

  @Column({ name: 'requester_id', type: 'uuid' })
  requesterId: string;

  @Column({ name: 'requester_org_id', type: 'uuid' })
  requesterOrgId: string;

  @Field({ description: 'Why the requester needs the tier.' })
  @Column('text')
  justification: string;

  @Field(() => CaseAccessRequestStatus)
  @Column('text')
  status: CaseAccessRequestStatus;

  @Field(() => Date)
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'decided_at', type: 'timestamptz', nullable: true })
  decidedAt: Date | null;

  @Column({ name: 'decided_by_id', type: 'uuid', nullable: true })
  decidedById: string | null;

  @Field(() => String, { nullable: true, description: 'Why the lead agency declined (DECLINED only).' })
  @Column({ name: 'decline_reason', type: 'text', nullable: true })
  declineReason: string | null;

  @Field(() => CaseAccessScope, { nullable: true, description: 'What the grant shared (GRANTED only).' })
  @Column({ name: 'granted_scope', type: 'text', nullable: true })
  grantedScope: CaseAccessScope | null;

  /** Set by the statement that loaded the request: the viewer is a person of the lead agency (case_access_request_decide). */
  decides?: boolean;

  /** Set by the statement that loaded the request: the viewer is its requester, a person of a member (case_access_request_withdraw). */
  withdraws?: boolean;
}

@ObjectType({ description: 'What the viewer may do with a request for access.' })
export class CaseAccessRequestViewerCan {
  @Field({ description: 'Grant or decline it (`grantCaseAccess`, `declineCaseAccess`): the lead agency’s people, while it is pending.' })
  decide: boolean;

  @Field({ description: 'Withdraw it (`withdrawCaseAccessRequest`): the requester, while it is pending.' })
  withdraw: boolean;
}

@ObjectType({
  description:
    'One response that carried a case’s confidential tier, or a TLP:RED case’s row (DOMAIN §9): who, for which ' +
    'organization, when and through which path. One entry per case and request.',
})
@Entity('case_access_log')
export class CaseAccessLogEntry {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  // The table's `case_ids` (the cases one request read of one lead agency) and `lead_agency_id` are not loaded: an
  // entry is read through its case (`Case.accessLog`), and the read policy decides on the lead agency.

  @Column({ name: 'person_id', type: 'uuid', nullable: true })
  personId: string | null;

  @Column({ name: 'api_key_id', type: 'uuid', nullable: true })
  apiKeyId: string | null;

  @Field(() => String, { nullable: true, description: 'The API key that read, when it was a key (its name when it read).' })
  @Column({ name: 'api_key_name', type: 'text', nullable: true })
  apiKeyName: string | null;

  @Field(() => String, { nullable: true, description: 'The visible prefix of that key.' })
  @Column({ name: 'api_key_prefix', type: 'text', nullable: true })
  apiKeyPrefix: string | null;

  @Column({ name: 'organization_id', type: 'uuid', nullable: true })
  organizationId: string | null;

  @Field(() => CaseAccessPath)
  @Column('text')
  path: CaseAccessPath;

  @Field({ description: 'Whether the response carried the confidential tier (false: the TLP:RED row only).' })
  @Column('boolean')
  confidential: boolean;

  @Field(() => Date)
  @Column({ name: 'accessed_at', type: 'timestamptz' })
  accessedAt: Date;
}

@ObjectType({
  description:
    'Why the viewer can or cannot read a case’s confidential tier (DOMAIN §9), from the same facts as the tier’s own ' +
    'policy: `allowed` is true exactly when `confidential` is not null.',
})
export class CaseConfidentialAccess {
  @Field()
  allowed: boolean;

  @Field(() => ConfidentialAccessReason)
  reason: ConfidentialAccessReason;
}
