import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { AgendaTopic, SegmentAudience } from './enums';

@ObjectType({
  description:
    'Part of a conference call (§A.3.a–f, §B.3). LAW_ENFORCEMENT_ONLY segments are for agencies; a private-sector ' +
    'member sees a PRIVATE_SECTOR_INVITED segment that invites it unless an agency has excluded it (§B.3, last ¶).',
})
@Entity('call_segment')
export class CallSegment {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'call_id', type: 'uuid' })
  callId: string;

  @Field(() => Int, { description: 'Position in the call, from 1.' })
  @Column({ name: 'position', type: 'integer' })
  order: number;

  @Field()
  @Column('text')
  title: string;

  @Field(() => AgendaTopic)
  @Column('text')
  topic: AgendaTopic;

  @Field(() => SegmentAudience)
  @Column('text')
  audience: SegmentAudience;

  @Field(() => String, { nullable: true, description: 'Minutes of the segment, once recorded.' })
  @Column('text', { nullable: true })
  minutes: string | null;

  @Field(() => Date, { nullable: true, description: 'When the minutes were last changed (recording the same minutes again keeps it).' })
  @Column({ name: 'minutes_recorded_at', type: 'timestamptz', nullable: true })
  minutesRecordedAt: Date | null;
}

@ObjectType({ description: 'What the viewer may do with a call segment.' })
export class CallSegmentViewerCan {
  @Field({ description: 'Record minutes, invite members, link cases: coordinators (§C.2).' })
  manage: boolean;

  @Field({ description: 'Object to a private-sector member’s participation in this segment: agencies (§B.3, last ¶), on a PRIVATE_SECTOR_INVITED segment.' })
  exclude: boolean;
}
