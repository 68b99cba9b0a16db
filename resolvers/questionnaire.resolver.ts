import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { Question } from '../entities/question.entity';
import { QuestionnaireAnswer } from '../entities/questionnaire-answer.entity';
import { Questionnaire, QuestionnaireViewerCan } from '../entities/questionnaire.entity';
import { QuestionnaireResponse, QuestionnaireResponseViewerCan } from '../entities/questionnaire-response.entity';
import { QuestionnaireAudience } from '../entities/outreach.enums';
import type { Context } from '../src/context';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { required } from '../src/data/batch';
import { ParticipantConnection } from './participant.resolver';
import { PageArgs } from './types/common.args';
import { AnswerInput, QuestionnairesArgs, SubmitQuestionnaireResponseInput, UpdateQuestionnaireResponseInput } from './types/questionnaire.input';

export const QuestionnaireConnection = Connection(Questionnaire, 'Questionnaire');
export type QuestionnaireConnection = InstanceType<typeof QuestionnaireConnection>;
export const QuestionnaireResponseConnection = Connection(QuestionnaireResponse, 'QuestionnaireResponse');
export type QuestionnaireResponseConnection = InstanceType<typeof QuestionnaireResponseConnection>;

async function visibleQuestionnaire(ctx: Context, argument: string, id: string): Promise<Questionnaire> {
  const q = await ctx.data.outreach.questionnaireById.load(id);
  if (!q) throw notFound(argument, 'questionnaire');
  return q;
}

async function visibleResponse(ctx: Context, argument: string, id: string): Promise<QuestionnaireResponse> {
  const r = await ctx.data.outreach.responseById.load(id);
  if (!r) throw notFound(argument, 'questionnaire response');
  return r;
}

/** The answers as given, checked against the questionnaire's questions: each question once, each of this questionnaire. */
async function checkedAnswers(ctx: Context, q: Questionnaire, answers: AnswerInput[]): Promise<AnswerInput[]> {
  const questions = await ctx.data.outreach.questionsByQuestionnaire.load(q.id);
  const seen = new Set<string>();
  for (const a of answers) {
    if (!questions.some((question) => question.id === a.questionId)) {
      throw badInput('input.answers', `${a.questionId} is not a question of this questionnaire`);
    }
    if (seen.has(a.questionId)) throw badInput('input.answers', `question ${a.questionId} is answered twice`);
    seen.add(a.questionId);
  }
  return answers;
}

function audienceName(audience: QuestionnaireAudience): string {
  return audience === QuestionnaireAudience.AGENCIES ? 'the agencies' : 'private-sector members';
}

async function reloadResponse(ctx: Context, id: string): Promise<QuestionnaireResponse> {
  return required(await ctx.data.outreach.responseById.load(id), 'written questionnaire response');
}

@Resolver(() => Questionnaire)
export class QuestionnaireResolver {
  @Query(() => QuestionnaireConnection, { description: 'The built-in questionnaires (§A.6, §B.4). Members of the network only.' })
  async questionnaires(@Args() args: QuestionnairesArgs, @Ctx() ctx: Context): Promise<QuestionnaireConnection> {
    return toConnection(QuestionnaireConnection, await ctx.data.outreach.questionnaires({ audience: args.audience }, args));
  }

  @Query(() => Questionnaire, { nullable: true, description: 'A questionnaire by id; null when it does not exist or the viewer may not see it.' })
  questionnaire(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<Questionnaire | null> {
    return ctx.data.outreach.questionnaireById.load(id);
  }

  @Query(() => QuestionnaireResponse, {
    nullable: true,
    description: 'A questionnaire response by id; null when it does not exist or the viewer may not see it.',
  })
  questionnaireResponse(@Arg('id', () => ID) id: string, @Ctx() ctx: Context): Promise<QuestionnaireResponse | null> {
    return ctx.data.outreach.responseById.load(id);
  }

  @FieldResolver(() => [Question], { description: 'The questions, in order.' })
  questions(@Root() q: Questionnaire, @Ctx() ctx: Context): Promise<Question[]> {
    return ctx.data.outreach.questionsByQuestionnaire.load(q.id);
  }

  @FieldResolver(() => QuestionnaireResponseConnection, {
    description:
      'The responses the viewer may see, oldest first: all for coordinators (§C.1); those not marked confidential and their ' +
      'own for agencies; their own for private-sector members.',
  })
  async responses(@Root() q: Questionnaire, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<QuestionnaireResponseConnection> {
    return toConnection(QuestionnaireResponseConnection, await ctx.data.outreach.responses(q.id, args));
  }

  @FieldResolver(() => ParticipantConnection, {
    nullable: true,
    description:
      'The endorsed participants of the audience that have not answered yet, by name. Coordinators only (§C.1); null for ' +
      'anyone else, noted in `extensions.redacted`.',
  })
  async outstanding(@Root() q: Questionnaire, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<ParticipantConnection> {
    return toConnection(ParticipantConnection, await ctx.data.outreach.outstanding(q, args));
  }

  @FieldResolver(() => QuestionnaireResponse, {
    nullable: true,
    description: 'The response of the viewer’s own organization; null when it has not answered (or the viewer has no organization).',
  })
  viewerResponse(@Root() q: Questionnaire, @Ctx() ctx: Context): Promise<QuestionnaireResponse | null> {
    return ctx.data.outreach.ownResponseByQuestionnaire.load(q.id);
  }

  @FieldResolver(() => QuestionnaireViewerCan)
  viewerCan(@Root() q: Questionnaire): QuestionnaireViewerCan {
    // Both answers came with the row, from the policy's functions (lap.questionnaire_respondable, lap.questionnaire_outstanding_readable).
    return { respond: q.respondable === true, readOutstanding: q.outstandingReadable === true };
  }

  @Mutation(() => QuestionnaireResponse, {
    description:
      'Submits your organization’s response to a questionnaire addressed to it (§A.6 for agencies, §B.4 for private-sector ' +
      'members), once; change it afterwards with `updateQuestionnaireResponse`.',
  })
  async submitQuestionnaireResponse(@Arg('input') input: SubmitQuestionnaireResponseInput, @Ctx() ctx: Context): Promise<QuestionnaireResponse> {
    const q = await visibleQuestionnaire(ctx, 'input.questionnaireId', input.questionnaireId);
    if (!q.addressed) {
      throw badInput('input.questionnaireId', `this questionnaire is answered by ${audienceName(q.audience)}, not by your organization`);
    }
    const alreadyAnswered = () =>
      badInput('input.questionnaireId', 'your organization has already answered this questionnaire: change it with updateQuestionnaireResponse');
    if (!q.respondable) throw alreadyAnswered();
    const answers = await checkedAnswers(ctx, q, input.answers);
    // Two people of one organization answering at the same moment: the unique (questionnaire, participant) decides.
    const id = await ctx.data.outreach.submitResponse(q.id, input.confidential, answers, ctx.now());
    if (!id) throw alreadyAnswered();
    return reloadResponse(ctx, id);
  }

  @Mutation(() => QuestionnaireResponse, {
    description: 'Changes your organization’s response: answers given replace earlier ones to the same questions; `confidential` as given.',
  })
  async updateQuestionnaireResponse(
    @Arg('id', () => ID) id: string,
    @Arg('input') input: UpdateQuestionnaireResponseInput,
    @Ctx() ctx: Context,
  ): Promise<QuestionnaireResponse> {
    const response = await visibleResponse(ctx, 'id', id);
    const given = input.answers ?? [];
    const confidential = input.confidential ?? null;
    if (given.length === 0 && confidential === null) throw badInput('input', 'give answers, confidential or both');
    const q = required(await ctx.data.outreach.questionnaireById.load(response.questionnaireId), 'response questionnaire');
    const answers = given.length ? await checkedAnswers(ctx, q, given) : [];
    // The database decides whether the viewer may change it (lap.response_editable): FORBIDDEN, nothing written, if not.
    await ctx.data.outreach.updateResponse(response, { confidential, answers }, ctx.now());
    return reloadResponse(ctx, response.id);
  }
}

@Resolver(() => QuestionnaireResponse)
export class QuestionnaireResponseResolver {
  @FieldResolver(() => Questionnaire)
  async questionnaire(@Root() r: QuestionnaireResponse, @Ctx() ctx: Context): Promise<Questionnaire> {
    // A visible response belongs to a member viewer, who sees both questionnaires.
    return required(await ctx.data.outreach.questionnaireById.load(r.questionnaireId), 'response questionnaire');
  }

  @FieldResolver(() => Participant, { description: 'The participant that answered.' })
  async participant(@Root() r: QuestionnaireResponse, @Ctx() ctx: Context): Promise<Participant> {
    return required(await ctx.data.participants.participantById.load(r.participantId), 'responding participant');
  }

  @FieldResolver(() => Person, { nullable: true, description: 'Who submitted the response.' })
  submittedBy(@Root() r: QuestionnaireResponse, @Ctx() ctx: Context): Promise<Person | null> {
    return ctx.data.participants.personById.load(r.submittedById);
  }

  @FieldResolver(() => [QuestionnaireAnswer], { description: 'The answers, in question order.' })
  answers(@Root() r: QuestionnaireResponse, @Ctx() ctx: Context): Promise<QuestionnaireAnswer[]> {
    return ctx.data.outreach.answersByResponse.load(r.id);
  }

  @FieldResolver(() => QuestionnaireResponseViewerCan)
  viewerCan(@Root() r: QuestionnaireResponse): QuestionnaireResponseViewerCan {
    // Came with the row, from the policy's function (lap.response_editable).
    return { update: r.editable === true };
  }
}

@Resolver(() => QuestionnaireAnswer)
export class QuestionnaireAnswerResolver {
  @FieldResolver(() => Question)
  async question(@Root() a: QuestionnaireAnswer, @Ctx() ctx: Context): Promise<Question> {
    return required(await ctx.data.outreach.questionById.load(a.questionId), 'answered question');
  }
}
