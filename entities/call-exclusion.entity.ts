import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({
  description:
    'An agency’s objection that keeps one private-sector member out of a whole call or one segment (§B.3, last ¶). ' +
    'Agencies only: a private-sector member never sees an exclusion, not even its own.',
})
@Entity('call_exclusion')
export class CallExclusion {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'call_id', type: 'uuid' })
  callId: string;

  @Column({ name: 'segment_id', type: 'uuid', nullable: true })
  segmentId: string | null;

  @Column({ name: 'member_id', type: 'uuid' })
  memberId: string;

  @Column({ name: 'objecting_agency_id', type: 'uuid' })
  objectingAgencyId: string;

  @Column({ name: 'objected_by_id', type: 'uuid' })
  objectedById: string;

  @Field()
  @Column('text')
  reason: string;

  @Field(() => Date)
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @Field(() => Date, { nullable: true, description: 'Set when the objecting agency withdrew the objection.' })
  @Column({ name: 'withdrawn_at', type: 'timestamptz', nullable: true })
  withdrawnAt: Date | null;
}
