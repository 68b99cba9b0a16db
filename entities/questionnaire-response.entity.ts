import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';

@ObjectType({
  description:
    'A participant’s response to a questionnaire (§A.6, §B.4), one per participant and questionnaire. Coordinators see ' +
    'every response (§C.1); agencies see the responses not marked confidential and their own; private-sector members see ' +
    'their own only; anonymous callers none.',
})
@Entity('questionnaire_response')
export class QuestionnaireResponse {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Column({ name: 'questionnaire_id', type: 'uuid' })
  questionnaireId: string;

  @Column({ name: 'participant_id', type: 'uuid' })
  participantId: string;

  @Column({ name: 'submitted_by_id', type: 'uuid' })
  submittedById: string;

  @Field({
    description:
      'Set by the participant: only the coordinators and the participant itself read a confidential response (confidential ' +
      'when requested, the paragraph after §A.7).',
  })
  @Column('boolean')
  confidential: boolean;

  @Field(() => Date)
  @Column({ name: 'submitted_at', type: 'timestamptz' })
  submittedAt: Date;

  @Field(() => Date)
  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;

  /** Set by the statement that loaded the row: the viewer may change it (`lap.response_editable`). */
  editable?: boolean;
}

@ObjectType({ description: 'What the viewer may do with a questionnaire response.' })
export class QuestionnaireResponseViewerCan {
  @Field({ description: 'Change it (`updateQuestionnaireResponse`): the responding participant’s people only.' })
  update: boolean;
}
