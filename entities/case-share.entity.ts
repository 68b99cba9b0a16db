import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({
  description:
    'The lead agency’s grant of a case to one participant ("the participating Agencies retain the right to determine the ' +
    'information they share"). It reaches the participant’s people named in `recipients`, or all of them when none are named.',
})
@Entity('case_share')
export class CaseShare {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'case_id', type: 'uuid' })
  caseId: string;

  @Column({ name: 'participant_id', type: 'uuid' })
  participantId: string;

  @Column({ name: 'recipient_ids', type: 'uuid', array: true })
  recipientIds: string[];

  @Column({ name: 'granted_by_id', type: 'uuid' })
  grantedById: string;

  @Field(() => Date)
  @Column({ name: 'granted_at', type: 'timestamptz' })
  grantedAt: Date;
}
