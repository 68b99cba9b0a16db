import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ESTIMATED_LOSS_DESCRIPTION } from './case.entity';
import { AssistanceStatus, HarmCategory } from './enums';

@ObjectType({
  description:
    'An international request for assistance, ranked by harm to victims (§A.5, §B.4). Requester, recipient and ' +
    'coordinators see the row; only requester and recipient see `details`.',
})
@Entity('assistance_request')
export class AssistanceRequest {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'requester_id', type: 'uuid' })
  requesterId: string;

  @Column({ name: 'requested_by_id', type: 'uuid' })
  requestedById: string;

  @Column({ name: 'recipient_id', type: 'uuid' })
  recipientId: string;

  @Column({ name: 'case_id', type: 'uuid', nullable: true })
  caseId: string | null;

  @Field()
  @Column('text')
  title: string;

  @Field(() => [HarmCategory])
  @Column('text', { array: true })
  categories: HarmCategory[];

  @Field(() => Int, {
    description:
      'Harm to victims, 0–100 (§A.5): min(100, round(12·log10(1+victims) + 8·log10(1+lossUsd/1000)) + 15 if victims are ' +
      'vulnerable + 10 if harm is ongoing + 5 per category beyond the first). Lists rank by it, highest first.',
  })
  @Column({ name: 'harm_score', type: 'integer' })
  harmScore: number;

  @Field(() => AssistanceStatus)
  @Column('text')
  status: AssistanceStatus;

  @Field(() => Date)
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'acknowledged_at', type: 'timestamptz', nullable: true })
  acknowledgedAt: Date | null;

  @Field(() => Date, { nullable: true, description: 'When the recipient fulfilled or declined it.' })
  @Column({ name: 'answered_at', type: 'timestamptz', nullable: true })
  answeredAt: Date | null;

  /**
   * Set by the statement that loaded the row: the request's `assistance_request_detail` row, which row-level security
   * returns to the requester and the recipient only (lap.assistance_party) — null for anyone else.
   */
  detail?: AssistanceRequestDetails | null;

  /** Set by the same statement: whether the viewer may answer / withdraw it now (lap.assistance_move_allowed, open requests only). */
  canAnswer?: boolean;
  canWithdraw?: boolean;
}

@ObjectType({
  description:
    'The parts of a request for the requester and the recipient only: its own row (`assistance_request_detail`), which ' +
    'the database returns to nobody else.',
})
export class AssistanceRequestDetails {
  @Field()
  description: string;

  @Field(() => String, { nullable: true, description: 'The recipient’s answer, once fulfilled or declined.' })
  response: string | null;

  @Field(() => Int)
  victimCount: number;

  @Field({ description: ESTIMATED_LOSS_DESCRIPTION })
  estimatedLossUsd: number;

  @Field()
  vulnerableVictims: boolean;

  @Field()
  ongoingHarm: boolean;
}

@ObjectType({ description: 'What the viewer may do with a request.' })
export class AssistanceRequestViewerCan {
  @Field({ description: 'Read `details`: requester and recipient.' })
  readDetails: boolean;

  @Field({ description: 'Acknowledge, fulfil or decline: the recipient, while unanswered.' })
  answer: boolean;

  @Field({ description: 'Withdraw: the requester, while unanswered.' })
  withdraw: boolean;
}
