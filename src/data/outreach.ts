import DataLoader from 'dataloader';
import { EducationProject } from '../../entities/education-project.entity';
import { ParticipantKind, Sector } from '../../entities/enums';
import { EducationProjectStatus, EducationTheme, QuestionnaireAudience, TrainingAudience } from '../../entities/outreach.enums';
import { Participant } from '../../entities/participant.entity';
import { Person } from '../../entities/person.entity';
import { Question } from '../../entities/question.entity';
import { QuestionnaireAnswer } from '../../entities/questionnaire-answer.entity';
import { Questionnaire } from '../../entities/questionnaire.entity';
import { QuestionnaireResponse } from '../../entities/questionnaire-response.entity';
import { ResourceListEntry } from '../../entities/resource-list-entry.entity';
import { TrainingSession } from '../../entities/training-session.entity';
import { and, join, raw, Sql, sql } from '../db/sql';
import type { ViewerDb } from '../db/viewer-db';
import type { Page } from '../graphql/connection';
import { badInput, forbidden, notFound, refusedByPolicy } from '../graphql/errors';
import { paginate } from '../graphql/paginate';
import { byKey, groupBy, uuidArray } from './batch';
import type { Data } from './index';
import { participantClass, participantColumns } from './participants';

type Row = Record<string, unknown>;

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Answer {
  questionId: string;
  text: string;
}

/** A unique violation: the row is there already (one response per participant, one entry per person). */
function isDuplicate(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '23505';
}

/**
 * Runs a write; a write that row-level security refuses (SQLSTATE 42501) is FORBIDDEN, and the savepoint it ran in
 * is rolled back, so nothing of it stays.
 */
function refusing<T>(db: ViewerDb, write: () => Promise<T>): Promise<T> {
  return db.atomically(write).catch((err) => {
    throw refusedByPolicy(err);
  });
}

/**
 * Questionnaires, the resource list, trainings and education projects (DOMAIN §4): every statement of these areas.
 * Row-level security decides every row (migrations RowLevelSecurity and OutreachPolicies); what the viewer may do
 * with a row comes back with it from the policies' own `lap` functions. Loaders are fresh per request.
 *
 * Writes run in a savepoint. One that the database refuses — an insert failing its `WITH CHECK` policy, or an update
 * or delete that reaches no row of a row the caller found visible — is FORBIDDEN and leaves nothing behind. Callers
 * load the row first, so that a row the viewer cannot see is answered as missing before any write.
 */
export class OutreachData {
  constructor(private readonly data: Data) {}

  private get db(): ViewerDb {
    return this.data.db;
  }

  private rows(query: Sql): Promise<Row[]> {
    return this.db.rows<Row>(query);
  }

  // ---- questionnaires --------------------------------------------------------------------------------------------

  /** A questionnaire row with what the viewer may do with it, from the policy's functions. */
  private questionnaireColumns(alias: string): Sql {
    const q = raw(alias);
    return sql`${q}.*, lap.questionnaire_addressed(${q}.audience) AS __addressed,
      lap.questionnaire_respondable(${q}.id, ${q}.audience) AND (SELECT lap.is_person()) AS __respondable,
      (SELECT lap.questionnaire_outstanding_readable()) AS __outstanding_readable`;
  }

  private hydrateQuestionnaires(rows: Row[]): Questionnaire[] {
    return this.db.hydrate(Questionnaire, rows).map((q, i) => {
      q.addressed = rows[i].__addressed === true;
      q.respondable = rows[i].__respondable === true;
      q.outstandingReadable = rows[i].__outstanding_readable === true;
      return q;
    });
  }

  readonly questionnaireById = new DataLoader<string, Questionnaire | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT ${this.questionnaireColumns('q')} FROM questionnaire q WHERE q.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.hydrateQuestionnaires(rows), (q) => q.id);
  });

  /** The questionnaires, by plan reference. */
  questionnaires(filter: { audience?: QuestionnaireAudience | null }, page: PageRequest): Promise<Page<Questionnaire>> {
    return paginate(this.db, {
      from: sql`questionnaire q`,
      select: this.questionnaireColumns('q'),
      where: and(filter.audience ? [sql`q.audience = ${filter.audience}`] : []),
      order: [
        { expr: 'q.plan_reference', direction: 'ASC', type: 'text' },
        { expr: 'q.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.hydrateQuestionnaires(rows),
    });
  }

  readonly questionsByQuestionnaire = new DataLoader<string, Question[]>(async (questionnaireIds) => {
    const rows = await this.rows(
      sql`SELECT qq.questionnaire_id AS __key, qq.* FROM questionnaire_question qq
          WHERE qq.questionnaire_id = ANY (${uuidArray(questionnaireIds)}) ORDER BY qq.position`,
    );
    return groupBy(questionnaireIds, rows, this.db.hydrate(Question, rows));
  });

  readonly questionById = new DataLoader<string, Question | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT qq.* FROM questionnaire_question qq WHERE qq.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.db.hydrate(Question, rows), (q) => q.id);
  });

  /** A response row with whether the viewer may change it (`lap.response_editable`). */
  private responseColumns(alias: string): Sql {
    const r = raw(alias);
    return sql`${r}.*, lap.response_editable(${r}.participant_id) AND (SELECT lap.is_person()) AS __editable`;
  }

  private hydrateResponses(rows: Row[]): QuestionnaireResponse[] {
    return this.db.hydrate(QuestionnaireResponse, rows).map((r, i) => {
      r.editable = rows[i].__editable === true;
      return r;
    });
  }

  readonly responseById = new DataLoader<string, QuestionnaireResponse | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT ${this.responseColumns('r')} FROM questionnaire_response r WHERE r.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.hydrateResponses(rows), (r) => r.id);
  });

  /** The response of the viewer's own organization to each questionnaire; none for viewers without one. */
  readonly ownResponseByQuestionnaire = new DataLoader<string, QuestionnaireResponse | null>(async (questionnaireIds) => {
    const rows = await this.rows(
      sql`SELECT ${this.responseColumns('r')} FROM questionnaire_response r
          WHERE r.questionnaire_id = ANY (${uuidArray(questionnaireIds)}) AND r.participant_id = (SELECT lap.viewer_org())`,
    );
    return byKey(questionnaireIds, this.hydrateResponses(rows), (r) => r.questionnaireId);
  });

  /** The responses to a questionnaire that the viewer may read, oldest first. */
  responses(questionnaireId: string, page: PageRequest): Promise<Page<QuestionnaireResponse>> {
    return paginate(this.db, {
      from: sql`questionnaire_response r`,
      select: this.responseColumns('r'),
      where: sql`r.questionnaire_id = ${questionnaireId}`,
      order: [
        { expr: 'r.submitted_at', direction: 'ASC', type: 'timestamptz' },
        { expr: 'r.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.hydrateResponses(rows),
    });
  }

  /**
   * The endorsed participants of a questionnaire's audience that have not answered it, by name. The statement itself
   * asks `lap.questionnaire_outstanding_readable()`: for anyone but a coordinator it lists and counts nothing.
   */
  outstanding(q: Questionnaire, page: PageRequest): Promise<Page<Participant>> {
    const kind = q.audience === QuestionnaireAudience.AGENCIES ? ParticipantKind.AGENCY : ParticipantKind.PRIVATE_SECTOR;
    return paginate(this.db, {
      from: sql`participant p`,
      select: participantColumns('p'),
      where: and([
        sql`(SELECT lap.questionnaire_outstanding_readable())`,
        sql`p.kind = ${kind}`,
        sql`lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED'`,
        sql`NOT EXISTS (SELECT 1 FROM questionnaire_response r WHERE r.questionnaire_id = ${q.id} AND r.participant_id = p.id)`,
      ]),
      order: [
        { expr: 'p.name', direction: 'ASC', type: 'text' },
        { expr: 'p.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.db.hydrate(Participant, rows, participantClass),
    });
  }

  /** The answers of responses, in question order; only of responses the viewer may read. */
  readonly answersByResponse = new DataLoader<string, QuestionnaireAnswer[]>(async (responseIds) => {
    const rows = await this.rows(
      sql`SELECT a.response_id AS __key, a.* FROM questionnaire_answer a
          JOIN questionnaire_question qq ON qq.id = a.question_id
          WHERE a.response_id = ANY (${uuidArray(responseIds)})
          ORDER BY qq.position`,
    );
    return groupBy(responseIds, rows, this.db.hydrate(QuestionnaireAnswer, rows));
  });

  /**
   * Submits the viewer's organization's response, as the viewer's organization and person. Null when the organization
   * has answered already (the unique (questionnaire, participant) decides between two people answering at once).
   */
  async submitResponse(questionnaireId: string, confidential: boolean, answers: Answer[], now: Date): Promise<string | null> {
    try {
      return await refusing(this.db, async () => {
        const [row] = await this.db.query<{ id: string }>(
          `INSERT INTO questionnaire_response (questionnaire_id, participant_id, submitted_by_id, confidential, submitted_at, updated_at)
           VALUES ($1, lap.viewer_org(), lap.viewer_person(), $2, $3, $3) RETURNING id`,
          [questionnaireId, confidential, now],
        );
        await this.insertAnswers(row.id, questionnaireId, answers, false);
        return row.id;
      });
    } catch (err) {
      if (isDuplicate(err)) return null;
      throw err;
    } finally {
      this.forgetResponses(questionnaireId);
    }
  }

  /** Changes a response the caller found visible: `confidential` when given, answers replacing earlier ones to their questions. */
  async updateResponse(
    response: QuestionnaireResponse,
    change: { confidential: boolean | null; answers: Answer[] },
    now: Date,
  ): Promise<void> {
    try {
      await refusing(this.db, async () => {
        const updated = await this.db.query(
          `UPDATE questionnaire_response SET confidential = coalesce($2, confidential), updated_at = $3 WHERE id = $1 RETURNING id`,
          [response.id, change.confidential, now],
        );
        // Row-level security (lap.response_editable) left the visible row out of the update.
        if (updated.length === 0) throw forbidden();
        await this.insertAnswers(response.id, response.questionnaireId, change.answers, true);
      });
    } finally {
      this.responseById.clear(response.id);
      this.answersByResponse.clear(response.id);
      this.forgetResponses(response.questionnaireId);
    }
  }

  private async insertAnswers(responseId: string, questionnaireId: string, answers: Answer[], replace: boolean): Promise<void> {
    if (answers.length === 0) return;
    await this.db.query(
      `INSERT INTO questionnaire_answer (response_id, questionnaire_id, question_id, text)
       SELECT $1, $2, unnest($3::uuid[]), unnest($4::text[])
       ${replace ? 'ON CONFLICT (response_id, question_id) DO UPDATE SET text = EXCLUDED.text' : ''}`,
      [responseId, questionnaireId, answers.map((a) => a.questionId), answers.map((a) => a.text)],
    );
  }

  /** What a response written in this request changes: the questionnaire's own-response answers. */
  private forgetResponses(questionnaireId: string): void {
    this.questionnaireById.clear(questionnaireId);
    this.ownResponseByQuestionnaire.clear(questionnaireId);
  }

  // ---- the resource list -----------------------------------------------------------------------------------------

  /** An entry with whether the viewer may take it off the list (`lap.resource_entry_manageable`). */
  private entryColumns(alias: string): Sql {
    const r = raw(alias);
    return sql`${r}.*, lap.resource_entry_manageable(${r}.organization_id) AND (SELECT lap.is_person()) AS __removable`;
  }

  private hydrateEntries(rows: Row[]): ResourceListEntry[] {
    return this.db.hydrate(ResourceListEntry, rows).map((e, i) => {
      e.removable = rows[i].__removable === true;
      return e;
    });
  }

  readonly resourceEntryById = new DataLoader<string, ResourceListEntry | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT ${this.entryColumns('r')} FROM resource_list_entry r WHERE r.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.hydrateEntries(rows), (e) => e.id);
  });

  /** The resource list, by sector, then name. */
  resourceList(filter: { sector?: Sector | null; countryCode?: string | null; language?: string | null }, page: PageRequest): Promise<Page<ResourceListEntry>> {
    const conditions: Sql[] = [];
    if (filter.sector) conditions.push(sql`o.sector = ${filter.sector}`);
    if (filter.countryCode) conditions.push(sql`o.country_code = ${filter.countryCode}`);
    if (filter.language) conditions.push(sql`${filter.language} = ANY (r.languages)`);
    return paginate(this.db, {
      from: sql`resource_list_entry r JOIN participant o ON o.id = r.organization_id JOIN person pe ON pe.id = r.person_id`,
      select: this.entryColumns('r'),
      where: and(conditions),
      order: [
        { expr: 'o.sector', direction: 'ASC', type: 'text' },
        { expr: 'pe.name', direction: 'ASC', type: 'text' },
        { expr: 'r.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.hydrateEntries(rows),
    });
  }

  /**
   * A person the viewer can see, and whether the viewer may put them on the resource list — a person of its own
   * organization, for a private-sector member (`lap.resource_entry_manageable`). Null for a person the viewer cannot see.
   */
  async listablePerson(personId: string): Promise<{ person: Person; listable: boolean } | null> {
    const rows = await this.rows(
      sql`SELECT pe.*, lap.resource_entry_manageable(pe.organization_id) AS __listable FROM person pe WHERE pe.id = ANY (${uuidArray([personId])})`,
    );
    if (rows.length === 0) return null;
    return { person: this.db.hydrate(Person, rows)[0], listable: rows[0].__listable === true };
  }

  /**
   * Puts a person on the resource list, under the person's own organization, added by the viewer. Null when the person
   * is listed already; FORBIDDEN when the policy refuses (a person of another organization, a viewer who is not a
   * private-sector member), or when the person is not one the viewer can see.
   */
  async addResourceListEntry(entry: { personId: string; expertise: string[]; languages: string[] }, now: Date): Promise<string | null> {
    try {
      return await refusing(this.db, async () => {
        const [row] = await this.db.query<{ id: string }>(
          `INSERT INTO resource_list_entry (person_id, organization_id, expertise, languages, added_by_id, added_at)
           SELECT pe.id, pe.organization_id, $2, $3, lap.viewer_person(), $4 FROM person pe WHERE pe.id = $1 RETURNING id`,
          [entry.personId, entry.expertise, entry.languages, now],
        );
        if (!row) throw forbidden();
        return row.id;
      });
    } catch (err) {
      if (isDuplicate(err)) return null;
      throw err;
    }
  }

  /** Takes an entry the caller found visible off the list; FORBIDDEN when the policy (`lap.resource_entry_manageable`) keeps it. */
  async removeResourceListEntry(id: string): Promise<void> {
    try {
      await refusing(this.db, async () => {
        const deleted = await this.db.query(`DELETE FROM resource_list_entry WHERE id = $1 RETURNING id`, [id]);
        if (deleted.length === 0) {
          // Removed meanwhile by another request (two of its organization's people at once): no such entry any more,
          // as a removal after it is told. Still there: the policy refused the removal.
          const still = await this.db.query(`SELECT 1 FROM resource_list_entry WHERE id = $1`, [id]);
          throw still.length === 0 ? notFound('id', 'resource-list entry') : forbidden();
        }
      });
    } finally {
      this.resourceEntryById.clear(id);
    }
  }

  // ---- trainings -------------------------------------------------------------------------------------------------

  readonly trainingById = new DataLoader<string, TrainingSession | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT t.* FROM training_session t WHERE t.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.db.hydrate(TrainingSession, rows), (t) => t.id);
  });

  /** The training sessions, soonest first. */
  trainings(filter: { audience?: TrainingAudience | null; from?: Date | null; to?: Date | null }, page: PageRequest): Promise<Page<TrainingSession>> {
    const conditions: Sql[] = [];
    if (filter.audience) conditions.push(sql`t.audience = ${filter.audience}`);
    // A period that ends before it begins is a mistake, as at the network report: said, not answered with no rows.
    if (filter.from && filter.to && filter.to.getTime() <= filter.from.getTime()) throw badInput('filter.to', 'must be after filter.from');
    if (filter.from) conditions.push(sql`t.scheduled_at >= ${filter.from}`);
    if (filter.to) conditions.push(sql`t.scheduled_at < ${filter.to}`);
    return paginate(this.db, {
      from: sql`training_session t`,
      select: sql`t.*`,
      where: and(conditions),
      order: [
        { expr: 't.scheduled_at', direction: 'ASC', type: 'timestamptz' },
        { expr: 't.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.db.hydrate(TrainingSession, rows),
    });
  }

  readonly hostsByTraining = new DataLoader<string, Participant[]>(async (trainingIds) => {
    const rows = await this.rows(
      sql`SELECT h.training_id AS __key, ${participantColumns('p')} FROM training_host h JOIN participant p ON p.id = h.participant_id
          WHERE h.training_id = ANY (${uuidArray(trainingIds)}) ORDER BY p.name COLLATE "C", p.id`,
    );
    return groupBy(trainingIds, rows, this.db.hydrate(Participant, rows, participantClass));
  });

  /** Schedules a session organized by the viewer's agency, scheduled by the viewer; FORBIDDEN when the policy refuses. */
  scheduleTraining(
    session: { title: string; audience: TrainingAudience; topics: string[]; scheduledAt: Date; durationMinutes: number; materialsUrl: string | null },
    hostIds: string[],
    now: Date,
  ): Promise<string> {
    return refusing(this.db, async () => {
      const [row] = await this.db.query<{ id: string }>(
        `INSERT INTO training_session (title, audience, topics, scheduled_at, duration_minutes, materials_url, organizer_id, scheduled_by_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, lap.viewer_org(), lap.viewer_person(), $7) RETURNING id`,
        [session.title, session.audience, session.topics, session.scheduledAt, session.durationMinutes, session.materialsUrl, now],
      );
      await this.db.query(`INSERT INTO training_host (training_id, participant_id) SELECT $1, unnest($2::uuid[])`, [row.id, hostIds]);
      return row.id;
    });
  }

  // ---- education projects ----------------------------------------------------------------------------------------

  /** A project row with whether the viewer may change it (`lap.education_project_editable`). */
  private projectColumns(alias: string): Sql {
    const ep = raw(alias);
    return sql`${ep}.*, lap.education_project_editable(${ep}.lead_organization_id) AND (SELECT lap.is_person()) AS __editable`;
  }

  private hydrateProjects(rows: Row[]): EducationProject[] {
    return this.db.hydrate(EducationProject, rows).map((p, i) => {
      p.editable = rows[i].__editable === true;
      return p;
    });
  }

  readonly projectById = new DataLoader<string, EducationProject | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT ${this.projectColumns('ep')} FROM education_project ep WHERE ep.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.hydrateProjects(rows), (p) => p.id);
  });

  /** The education projects, newest first. */
  educationProjects(
    filter: { theme?: EducationTheme | null; status?: EducationProjectStatus | null; leadOrganizationId?: string | null },
    page: PageRequest,
  ): Promise<Page<EducationProject>> {
    const conditions: Sql[] = [];
    if (filter.theme) conditions.push(sql`${filter.theme} = ANY (ep.themes)`);
    if (filter.status) conditions.push(sql`ep.status = ${filter.status}`);
    if (filter.leadOrganizationId) conditions.push(sql`ep.lead_organization_id = ${filter.leadOrganizationId}`);
    return paginate(this.db, {
      from: sql`education_project ep`,
      select: this.projectColumns('ep'),
      where: and(conditions),
      order: [
        { expr: 'ep.started_at', direction: 'DESC', type: 'timestamptz' },
        { expr: 'ep.id', direction: 'ASC', type: 'uuid' },
      ],
      first: page.first,
      after: page.after,
      hydrate: (rows) => this.hydrateProjects(rows),
    });
  }

  readonly partnersByProject = new DataLoader<string, Participant[]>(async (projectIds) => {
    const rows = await this.rows(
      sql`SELECT pp.project_id AS __key, ${participantColumns('p')} FROM education_project_partner pp JOIN participant p ON p.id = pp.participant_id
          WHERE pp.project_id = ANY (${uuidArray(projectIds)}) ORDER BY p.name COLLATE "C", p.id`,
    );
    return groupBy(projectIds, rows, this.db.hydrate(Participant, rows, participantClass));
  });

  /** Starts a project led by the viewer's organization, started by the viewer; FORBIDDEN when the policy refuses. */
  startEducationProject(
    project: { title: string; description: string; themes: EducationTheme[]; status: EducationProjectStatus; websiteUrl: string | null },
    partnerIds: string[],
    now: Date,
  ): Promise<string> {
    return refusing(this.db, async () => {
      const [row] = await this.db.query<{ id: string }>(
        `INSERT INTO education_project (title, description, themes, status, website_url, lead_organization_id, started_by_id, started_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, lap.viewer_org(), lap.viewer_person(), $6, $6) RETURNING id`,
        [project.title, project.description, project.themes, project.status, project.websiteUrl, now],
      );
      await this.insertPartners(row.id, partnerIds);
      return row.id;
    });
  }

  /**
   * Changes a project the caller found visible, under a row lock: `check` sees the project as it is now (and may
   * refuse the change), then only the given columns are written, and the partners replaced when given. FORBIDDEN when
   * the policy (`lap.education_project_editable`) keeps the row from the viewer's update.
   */
  async updateEducationProject(
    id: string,
    change: {
      title?: string | null;
      description?: string | null;
      themes?: EducationTheme[] | null;
      status?: EducationProjectStatus | null;
      websiteUrl?: string | null;
      partnerIds?: string[] | null;
    },
    check: (current: EducationProject) => void,
    now: Date,
  ): Promise<void> {
    try {
      await refusing(this.db, async () => {
        // FOR UPDATE passes the update policy too: a row the viewer may read but not change is not returned.
        const locked = await this.rows(sql`SELECT ep.* FROM education_project ep WHERE ep.id = ${id} FOR UPDATE`);
        if (locked.length === 0) throw forbidden();
        check(this.db.hydrate(EducationProject, locked)[0]);
        const set: Sql[] = [sql`updated_at = ${now}`];
        if (change.title != null) set.push(sql`title = ${change.title}`);
        if (change.description != null) set.push(sql`description = ${change.description}`);
        if (change.themes != null) set.push(sql`themes = ${change.themes}`);
        if (change.status != null) set.push(sql`status = ${change.status}`);
        if (change.websiteUrl !== undefined) set.push(sql`website_url = ${change.websiteUrl}`);
        const updated = await this.rows(sql`UPDATE education_project SET ${join(set, ', ')} WHERE id = ${id} RETURNING id`);
        if (updated.length === 0) throw forbidden();
        if (change.partnerIds) {
          await this.db.query(`DELETE FROM education_project_partner WHERE project_id = $1`, [id]);
          await this.insertPartners(id, change.partnerIds);
        }
      });
    } finally {
      this.projectById.clear(id);
      this.partnersByProject.clear(id);
    }
  }

  private async insertPartners(projectId: string, partnerIds: string[]): Promise<void> {
    if (partnerIds.length === 0) return;
    await this.db.query(`INSERT INTO education_project_partner (project_id, participant_id) SELECT $1, unnest($2::uuid[])`, [projectId, partnerIds]);
  }
}
