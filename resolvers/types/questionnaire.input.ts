import { ArrayMaxSize, ArrayMinSize, IsOptional, Length, ValidateNested } from '../../src/validation';
import { NotBlank } from './not-blank';
import { ArgsType, Field, ID, InputType } from 'type-graphql';
import { QuestionnaireAudience } from '../../entities/outreach.enums';
import { PageArgs } from './common.args';

@ArgsType()
export class QuestionnairesArgs extends PageArgs {
  @Field(() => QuestionnaireAudience, { nullable: true, description: 'Only the questionnaire for this audience.' })
  audience?: QuestionnaireAudience | null;
}

@InputType({ description: 'The answer to one question.' })
export class AnswerInput {
  @Field(() => ID, { description: 'A question of the questionnaire being answered.' })
  questionId: string;

  @Field({ description: '1–20,000 characters.' })
  @Length(1, 20000)
  @NotBlank()
  text: string;
}

@InputType({ description: 'Your organization’s response to a questionnaire addressed to it (§A.6, §B.4).' })
export class SubmitQuestionnaireResponseInput {
  @Field(() => ID)
  questionnaireId: string;

  @Field(() => [AnswerInput], { description: 'At least one answer, at most one per question; questions left out stay unanswered.' })
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  answers: AnswerInput[];

  @Field({
    defaultValue: false,
    description: 'Confidential: only the coordinators and your own organization read the response (paragraph after §A.7).',
  })
  confidential: boolean;
}

@InputType({ description: 'Changes to your organization’s response; answers given replace the earlier answer to their question.' })
export class UpdateQuestionnaireResponseInput {
  @Field(() => [AnswerInput], { nullable: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  answers?: AnswerInput[] | null;

  @Field(() => Boolean, { nullable: true })
  confidential?: boolean | null;
}
