import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ParticipantStatus } from '../entities/enums';
import { Participant } from '../entities/participant.entity';
import { Person } from '../entities/person.entity';
import { Question } from '../entities/question.entity';
import { QuestionnaireAnswer } from '../entities/questionnaire-answer.entity';
import { Questionnaire, QuestionnaireViewerCan } from '../entities/questionnaire.entity';
import { QuestionnaireResponse, QuestionnaireResponseViewerCan } from '../entities/questionnaire-response.entity';
import { QuestionnaireAudience } from '../entities/outreach.enums';
import type { Context } from '../src/context';
import { hydrate } from '../src/db/hydrate';
import { and, Sql, sql } from '../src/db/sql';
import { Connection, toConnection } from '../src/graphql/connection';
import { badInput, notFound } from '../src/graphql/errors';
import { paginate } from '../src/graphql/paginate';
import { required } from '../src/data/batch';
import { participantClass } from '../src/data/participants';
import { participantPolicy } from '../src/policy/participant.policy';
import { audienceKind, questionnairePolicy } from '../src/policy/questionnaire.policy';
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
  ctx.data.outreach.responseById.clear(id);
  ctx.data.outreach.answersByResponse.clear(id);
  return visibleResponse(ctx, 'id', id);
}

@Resolver(() => Questionnaire)
export class QuestionnaireResolver {
  @Query(() => QuestionnaireConnection, { description: 'The built-in questionnaires (§A.6, §B.4). Members of the network only.' })
  async questionnaires(@Args() args: QuestionnairesArgs, @Ctx() ctx: Context): Promise<QuestionnaireConnection> {
    const conditions: Sql[] = [questionnairePolicy.questionnaireScope(ctx.viewer)];
    if (args.audience) conditions.push(sql`q.audience = ${args.audience}`);
    const page = await paginate(ctx.db, {
      from: sql`questionnaire q`,
      select: sql`q.*`,
      where: and(conditions),
      order: [
        { expr: 'q.plan_reference', direction: 'ASC', type: 'text' },
        { expr: 'q.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(Questionnaire, rows),
    });
    return toConnection(QuestionnaireConnection, page);
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
    const page = await paginate(ctx.db, {
      from: sql`questionnaire_response r`,
      select: sql`r.*`,
      where: and([questionnairePolicy.responseScope(ctx.viewer, 'r'), sql`r.questionnaire_id = ${q.id}`]),
      order: [
        { expr: 'r.submitted_at', direction: 'ASC', type: 'timestamptz' },
        { expr: 'r.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(QuestionnaireResponse, rows),
    });
    return toConnection(QuestionnaireResponseConnection, page);
  }

  @FieldResolver(() => ParticipantConnection, {
    nullable: true,
    description:
      'The endorsed participants of the audience that have not answered yet, by name. Coordinators only (§C.1); null for ' +
      'anyone else, noted in `extensions.redacted`.',
  })
  async outstanding(@Root() q: Questionnaire, @Args() args: PageArgs, @Ctx() ctx: Context): Promise<ParticipantConnection> {
    const page = await paginate(ctx.db, {
      from: sql`participant p`,
      select: sql`p.*`,
      where: and([
        participantPolicy.scope(ctx.viewer, 'p'),
        sql`p.status = ${ParticipantStatus.ENDORSED}`,
        sql`p.kind = ${audienceKind(q.audience)}`,
        sql`NOT EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.questionnaire_id = ${q.id} AND r.participant_id = p.id)`,
      ]),
      order: [
        { expr: 'p.name', direction: 'ASC', type: 'text' },
        { expr: 'p.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => ctx.db.hydrate(Participant, rows, participantClass),
    });
    return toConnection(ParticipantConnection, page);
  }

  @FieldResolver(() => QuestionnaireResponse, {
    nullable: true,
    description: 'The response of the viewer’s own organization; null when it has not answered (or the viewer has no organization).',
  })
  viewerResponse(@Root() q: Questionnaire, @Ctx() ctx: Context): Promise<QuestionnaireResponse | null> {
    return ctx.data.outreach.ownResponseByQuestionnaire.load(q.id);
  }

  @FieldResolver(() => QuestionnaireViewerCan)
  async viewerCan(@Root() q: Questionnaire, @Ctx() ctx: Context): Promise<QuestionnaireViewerCan> {
    const audience = questionnairePolicy.isAudience(ctx.viewer, q);
    return {
      respond: audience && !(await ctx.data.outreach.ownResponseByQuestionnaire.load(q.id)),
      readOutstanding: questionnairePolicy.canReadOutstanding(ctx.viewer),
    };
  }

  @Mutation(() => QuestionnaireResponse, {
    description:
      'Submits your organization’s response to a questionnaire addressed to it (§A.6 for agencies, §B.4 for private-sector ' +
      'members), once; change it afterwards with `updateQuestionnaireResponse`.',
  })
  async submitQuestionnaireResponse(@Arg('input') input: SubmitQuestionnaireResponseInput, @Ctx() ctx: Context): Promise<QuestionnaireResponse> {
    const q = await visibleQuestionnaire(ctx, 'input.questionnaireId', input.questionnaireId);
    if (!questionnairePolicy.isAudience(ctx.viewer, q)) {
      throw badInput('input.questionnaireId', `this questionnaire is answered by ${audienceName(q.audience)}, not by your organization`);
    }
    const alreadyAnswered = () =>
      badInput('input.questionnaireId', 'your organization has already answered this questionnaire: change it with updateQuestionnaireResponse');
    if (await ctx.data.outreach.ownResponseByQuestionnaire.load(q.id)) throw alreadyAnswered();
    const answers = await checkedAnswers(ctx, q, input.answers);
    const now = ctx.now();
    const id = await ctx.db
      .transaction(async (m) => {
        const [row] = (await m.query(
          `INSERT INTO questionnaire_response (questionnaire_id, participant_id, submitted_by_id, confidential, submitted_at, updated_at)
           VALUES ($1,$2,$3,$4,$5,$5) RETURNING id`,
          [q.id, ctx.viewer.memberOrgId, ctx.viewer.personId, input.confidential, now],
        )) as Array<{ id: string }>;
        await m.query(
          `INSERT INTO questionnaire_answer (response_id, questionnaire_id, question_id, text) SELECT $1, $2, unnest($3::uuid[]), unnest($4::text[])`,
          [row.id, q.id, answers.map((a) => a.questionId), answers.map((a) => a.text)],
        );
        return row.id;
      })
      .catch((err) => {
        // Two people of one organization answering at the same moment: the unique (questionnaire, participant) decides.
        if ((err as { code?: string }).code === '23505') throw alreadyAnswered();
        throw err;
      });
    ctx.data.outreach.ownResponseByQuestionnaire.clear(q.id);
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
    // The rule has loaded the response through its row scope and checked that it is the viewer's organization's.
    const response = await visibleResponse(ctx, 'id', id);
    const hasAnswers = !!input.answers && input.answers.length > 0;
    const hasConfidential = input.confidential !== undefined && input.confidential !== null;
    if (!hasAnswers && !hasConfidential) throw badInput('input', 'give answers, confidential or both');
    const q = required(await ctx.data.outreach.questionnaireById.load(response.questionnaireId), 'response questionnaire');
    const answers = hasAnswers ? await checkedAnswers(ctx, q, input.answers!) : [];
    await ctx.db.transaction(async (m) => {
      await m.query(`UPDATE questionnaire_response SET confidential = coalesce($2, confidential), updated_at = $3 WHERE id = $1`, [
        response.id,
        hasConfidential ? input.confidential : null,
        ctx.now(),
      ]);
      if (answers.length) {
        await m.query(
          `INSERT INTO questionnaire_answer (response_id, questionnaire_id, question_id, text) SELECT $1, $2, unnest($3::uuid[]), unnest($4::text[])
           ON CONFLICT (response_id, question_id) DO UPDATE SET text = EXCLUDED.text`,
          [response.id, q.id, answers.map((a) => a.questionId), answers.map((a) => a.text)],
        );
      }
    });
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
  viewerCan(@Root() r: QuestionnaireResponse, @Ctx() ctx: Context): QuestionnaireResponseViewerCan {
    return { update: questionnairePolicy.canUpdate(ctx.viewer, r) };
  }
}

@Resolver(() => QuestionnaireAnswer)
export class QuestionnaireAnswerResolver {
  @FieldResolver(() => Question)
  async question(@Root() a: QuestionnaireAnswer, @Ctx() ctx: Context): Promise<Question> {
    return required(await ctx.data.outreach.questionById.load(a.questionId), 'answered question');
  }
}
