import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { TrainingAudience } from './outreach.enums';

@ObjectType({
  description:
    'A training session of the network (§A.3.f; the private sector assists, §B.3.b). Agencies see every session; ' +
    'private-sector members see JOINT sessions only, never AGENCIES_ONLY ones; anonymous callers none.',
})
@Entity('training_session')
export class TrainingSession {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Field()
  @Column('text')
  title: string;

  @Field(() => TrainingAudience)
  @Column('text')
  audience: TrainingAudience;

  @Field(() => [String], { description: 'What the session covers, e.g. "tracing zombie drones".' })
  @Column('text', { array: true })
  topics: string[];

  @Field(() => Date)
  @Column({ name: 'scheduled_at', type: 'timestamptz' })
  scheduledAt: Date;

  @Field(() => Int)
  @Column({ name: 'duration_minutes', type: 'integer' })
  durationMinutes: number;

  @Field(() => String, { nullable: true, description: 'Where the training materials are (an https URL).' })
  @Column({ name: 'materials_url', type: 'text', nullable: true })
  materialsUrl: string | null;

  @Column({ name: 'organizer_id', type: 'uuid' })
  organizerId: string;

  @Column({ name: 'scheduled_by_id', type: 'uuid' })
  scheduledById: string;

  @Field(() => Date)
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
