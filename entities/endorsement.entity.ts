import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { ParticipantStatus } from './enums';

@ObjectType({
  description:
    'An application to endorse the plan (the paragraph after §D): the applicant is ENDORSED once the objection deadline ' +
    'passes with no standing objection, REJECTED if an agency’s objection stands at the deadline. Agencies see every ' +
    'application; an applicant’s own people see theirs (without the objections).',
})
export class Endorsement {
  @Field(() => ID, { description: 'The applicant participant’s id.' })
  id: string;

  @Field(() => ParticipantStatus, { description: 'Right at the moment it is read.' })
  status: ParticipantStatus;

  @Field(() => Date)
  appliedAt: Date;

  @Field(() => Date)
  objectionDeadline: Date;

  recordedById: string | null;

  /**
   * Set by the statement that loaded the application (view `endorsement_application`), at the request's clock: whether
   * the objection window is open (lap.objection_window_open), whether the viewer may read the objections (the
   * objections' own policy: agencies) and may object now.
   */
  objectionOpen: boolean;
  objectionsReadable: boolean;
  canObject: boolean;
}

@ObjectType({ description: 'An agency’s objection to an application (only agencies object; a standing objection at the deadline rejects).' })
@Entity('endorsement_objection')
export class EndorsementObjection {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'participant_id', type: 'uuid' })
  participantId: string;

  @Column({ name: 'agency_id', type: 'uuid' })
  agencyId: string;

  @Column({ name: 'objected_by_id', type: 'uuid' })
  objectedById: string;

  @Field()
  @Column('text')
  reason: string;

  @Field(() => Date)
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;
}

@ObjectType({ description: 'What the viewer may do with an application.' })
export class EndorsementViewerCan {
  @Field({ description: 'Object to it now: agencies, while the objection window is open and their agency has no standing objection to it.' })
  object: boolean;
}
