import DataLoader from 'dataloader';
import type { ViewerDb } from '../db/viewer-db';
import { EducationProject } from '../../entities/education-project.entity';
import { Participant } from '../../entities/participant.entity';
import { Question } from '../../entities/question.entity';
import { QuestionnaireAnswer } from '../../entities/questionnaire-answer.entity';
import { Questionnaire } from '../../entities/questionnaire.entity';
import { QuestionnaireResponse } from '../../entities/questionnaire-response.entity';
import { ResourceListEntry } from '../../entities/resource-list-entry.entity';
import { TrainingSession } from '../../entities/training-session.entity';
import { hydrate } from '../db/hydrate';
import { Sql, sql } from '../db/sql';
import { educationPolicy } from '../policy/education.policy';
import { participantPolicy } from '../policy/participant.policy';
import { questionnairePolicy } from '../policy/questionnaire.policy';
import { resourceListPolicy } from '../policy/resource-list.policy';
import { trainingPolicy } from '../policy/training.policy';
import type { Viewer } from '../policy/viewer';
import { byKey, groupBy, uuidArray } from './batch';
import type { Data } from './index';
import { participantClass } from './participants';

/**
 * The request's loaders for questionnaires, the resource list, trainings and education projects: like `Loaders`, a
 * fresh set per request, and every loader applies its type's row scope in SQL.
 */
export class OutreachData {
  constructor(private readonly data: Data) {}

  private get db(): ViewerDb {
    return this.data.db;
  }

  private get viewer(): Viewer {
    return this.data.viewer;
  }

  private rows(query: Sql): Promise<Record<string, unknown>[]> {
    return this.db.rows<Record<string, unknown>>(query);
  }

  // ---- questionnaires --------------------------------------------------------------------------------------------
  readonly questionnaireById = new DataLoader<string, Questionnaire | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT q.* FROM questionnaire q WHERE q.id = ANY (${uuidArray(ids)}) AND ${questionnairePolicy.questionnaireScope(this.viewer)}`,
    );
    return byKey(ids, this.db.hydrate(Questionnaire, rows), (q) => q.id);
  });

  readonly questionsByQuestionnaire = new DataLoader<string, Question[]>(async (questionnaireIds) => {
    const rows = await this.rows(
      sql`SELECT qq.questionnaire_id AS __key, qq.* FROM questionnaire_question qq
          WHERE qq.questionnaire_id = ANY (${uuidArray(questionnaireIds)}) AND ${questionnairePolicy.questionnaireScope(this.viewer)}
          ORDER BY qq.position`,
    );
    return groupBy(questionnaireIds, rows, this.db.hydrate(Question, rows));
  });

  readonly questionById = new DataLoader<string, Question | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT qq.* FROM questionnaire_question qq WHERE qq.id = ANY (${uuidArray(ids)}) AND ${questionnairePolicy.questionnaireScope(this.viewer)}`,
    );
    return byKey(ids, this.db.hydrate(Question, rows), (q) => q.id);
  });

  readonly responseById = new DataLoader<string, QuestionnaireResponse | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT r.* FROM questionnaire_response r WHERE r.id = ANY (${uuidArray(ids)}) AND ${questionnairePolicy.responseScope(this.viewer, 'r')}`,
    );
    return byKey(ids, this.db.hydrate(QuestionnaireResponse, rows), (r) => r.id);
  });

  /** The response of the viewer's own organization to each questionnaire; none for viewers without one. */
  readonly ownResponseByQuestionnaire = new DataLoader<string, QuestionnaireResponse | null>(async (questionnaireIds) => {
    if (!this.viewer.memberOrgId) return questionnaireIds.map(() => null);
    const rows = await this.rows(
      sql`SELECT r.* FROM questionnaire_response r
          WHERE r.questionnaire_id = ANY (${uuidArray(questionnaireIds)}) AND r.participant_id = ${this.viewer.memberOrgId}
            AND ${questionnairePolicy.responseScope(this.viewer, 'r')}`,
    );
    return byKey(questionnaireIds, this.db.hydrate(QuestionnaireResponse, rows), (r) => r.questionnaireId);
  });

  /** The answers of responses, in question order; only of responses the viewer may see. */
  readonly answersByResponse = new DataLoader<string, QuestionnaireAnswer[]>(async (responseIds) => {
    const rows = await this.rows(
      sql`SELECT a.response_id AS __key, a.* FROM questionnaire_answer a
          JOIN questionnaire_response r ON r.id = a.response_id
          JOIN questionnaire_question qq ON qq.id = a.question_id
          WHERE a.response_id = ANY (${uuidArray(responseIds)}) AND ${questionnairePolicy.responseScope(this.viewer, 'r')}
          ORDER BY qq.position`,
    );
    return groupBy(responseIds, rows, this.db.hydrate(QuestionnaireAnswer, rows));
  });

  // ---- resource list ---------------------------------------------------------------------------------------------
  readonly resourceEntryById = new DataLoader<string, ResourceListEntry | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT r.* FROM resource_list_entry r WHERE r.id = ANY (${uuidArray(ids)}) AND ${resourceListPolicy.scope(this.viewer, 'r')}`,
    );
    return byKey(ids, this.db.hydrate(ResourceListEntry, rows), (e) => e.id);
  });

  // ---- trainings and education projects -------------------------------------------------------------------------
  readonly trainingById = new DataLoader<string, TrainingSession | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT t.* FROM training_session t WHERE t.id = ANY (${uuidArray(ids)}) AND ${trainingPolicy.scope(this.viewer, 't')}`,
    );
    return byKey(ids, this.db.hydrate(TrainingSession, rows), (t) => t.id);
  });

  readonly hostsByTraining = new DataLoader<string, Participant[]>(async (trainingIds) => {
    const rows = await this.rows(
      sql`SELECT h.training_id AS __key, p.* FROM training_host h JOIN participant p ON p.id = h.participant_id
          WHERE h.training_id = ANY (${uuidArray(trainingIds)}) AND ${participantPolicy.scope(this.viewer, 'p')} ORDER BY p.name, p.id`,
    );
    return groupBy(trainingIds, rows, this.db.hydrate(Participant, rows, participantClass));
  });

  readonly projectById = new DataLoader<string, EducationProject | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT ep.* FROM education_project ep WHERE ep.id = ANY (${uuidArray(ids)}) AND ${educationPolicy.scope(this.viewer)}`,
    );
    return byKey(ids, this.db.hydrate(EducationProject, rows), (p) => p.id);
  });

  readonly partnersByProject = new DataLoader<string, Participant[]>(async (projectIds) => {
    const rows = await this.rows(
      sql`SELECT pp.project_id AS __key, p.* FROM education_project_partner pp JOIN participant p ON p.id = pp.participant_id
          WHERE pp.project_id = ANY (${uuidArray(projectIds)}) AND ${participantPolicy.scope(this.viewer, 'p')} ORDER BY p.name, p.id`,
    );
    return groupBy(projectIds, rows, this.db.hydrate(Participant, rows, participantClass));
  });
}
