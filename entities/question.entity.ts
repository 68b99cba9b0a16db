import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({ description: 'One question of a questionnaire.' })
@Entity('questionnaire_question')
export class Question {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'questionnaire_id', type: 'uuid' })
  questionnaireId: string;

  @Field(() => Int, { description: 'Position in the questionnaire, from 1.' })
  @Column({ name: 'position', type: 'integer' })
  order: number;

  @Field({ description: 'How the plan or the questionnaire numbers it, e.g. B.4.a or Q3.' })
  @Column('text')
  label: string;

  @Field()
  @Column('text')
  text: string;
}
