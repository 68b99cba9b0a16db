import { Field, ID, ObjectType } from 'type-graphql';
import { Column, Entity, PrimaryColumn } from 'typeorm';
import { QuestionnaireAudience } from './outreach.enums';

@ObjectType({
  description:
    'A built-in questionnaire of the network: the OECD Questionnaire on Cross-border Enforcement of Anti-Spam Laws for ' +
    'the agencies (§A.6) and the private-sector questions of §B.4. The coordinators collect the responses (§C.1). ' +
    'Members of the network only.',
})
@Entity('questionnaire')
export class Questionnaire {
  @Field(() => ID)
  @PrimaryColumn('uuid')
  id: string;

  @Field({ description: 'A stable name, e.g. OECD_CROSS_BORDER_ENFORCEMENT.' })
  @Column('text')
  key: string;

  @Field()
  @Column('text')
  title: string;

  @Field()
  @Column('text')
  description: string;

  @Field(() => QuestionnaireAudience, { description: 'Which participants answer it.' })
  @Column('text')
  audience: QuestionnaireAudience;

  @Field({ description: 'The paragraph of the London Action Plan that asks for it, e.g. §A.6.' })
  @Column({ name: 'plan_reference', type: 'text' })
  planReference: string;

  /** Set by the statement that loaded the row: the questionnaire is addressed to the viewer's kind of participant (`lap.questionnaire_addressed`). */
  addressed?: boolean;

  /** Set by the same statement: the viewer may submit its organization's response (`lap.questionnaire_respondable`). */
  respondable?: boolean;

  /** Set by the same statement: the viewer may see who has not answered yet (`lap.questionnaire_outstanding_readable`). */
  outstandingReadable?: boolean;
}

@ObjectType({ description: 'What the viewer may do with a questionnaire.' })
export class QuestionnaireViewerCan {
  @Field({ description: 'Submit a response for the viewer’s organization (`submitQuestionnaireResponse`): a member of the audience that has not answered yet.' })
  respond: boolean;

  @Field({ description: 'See who has not answered yet (`outstanding`): coordinators (§C.1).' })
  readOutstanding: boolean;
}
