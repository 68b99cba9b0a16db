import { Field, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({ description: 'The answer of a response to one question; it goes with the response it belongs to.' })
@Entity('questionnaire_answer')
export class QuestionnaireAnswer {
  @PrimaryColumn({ name: 'response_id', type: 'uuid' })
  responseId: string;

  @PrimaryColumn({ name: 'question_id', type: 'uuid' })
  questionId: string;

  @Column({ name: 'questionnaire_id', type: 'uuid' })
  questionnaireId: string;

  @Field({ description: 'The written answer.' })
  @Column('text')
  text: string;
}
