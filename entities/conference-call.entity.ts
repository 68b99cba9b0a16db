import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({
  description:
    'A periodic conference call of the network, due at least quarterly (§A.3, §C.2). Agencies see every call; a ' +
    'private-sector member sees a call only when a segment invites it and no standing exclusion keeps it out (§B.3).',
})
@Entity('conference_call')
export class ConferenceCall {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Field()
  @Column('text')
  title: string;

  @Field(() => Date)
  @Column({ name: 'scheduled_at', type: 'timestamptz' })
  scheduledAt: Date;

  @Field(() => Int)
  @Column({ name: 'duration_minutes', type: 'integer' })
  durationMinutes: number;

  @Column({ name: 'organizer_id', type: 'uuid' })
  organizerId: string;

  @Column({ name: 'dial_in', type: 'text', nullable: true })
  dialIn: string | null;
}

@ObjectType({ description: 'What the viewer may do with a conference call.' })
export class ConferenceCallViewerCan {
  @Field({ description: 'Add segments (`addSegment`): coordinators (§C.2).' })
  addSegment: boolean;

  @Field({ description: 'Object to a private-sector member’s participation (`excludeFromCall`): agencies (§B.3, last ¶).' })
  exclude: boolean;

  @Field({ description: 'See who is excluded from the call: agencies.' })
  readExclusions: boolean;
}
