import { MigrationInterface, QueryRunner } from 'typeorm';
import { insertBuiltInQuestionnaires } from '../builtin-questionnaires';

const themes = `ARRAY['OPEN_RELAYS','OPEN_PROXIES','ZOMBIE_DRONES','PHISHING','ONLINE_FRAUD','MALWARE']::text[]`;

/**
 * Questionnaires with the two built-in ones, the resource list, training sessions and education projects (issue:
 * cooperation workflows, §A.3.e–f, §A.6, §B.2, §B.3.b, §B.4).
 */
export class Outreach1764100000000 implements MigrationInterface {
  name = 'Outreach1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE questionnaire (
        id uuid PRIMARY KEY,
        key text NOT NULL UNIQUE,
        title text NOT NULL,
        description text NOT NULL,
        audience text NOT NULL CHECK (audience IN ('AGENCIES','PRIVATE_SECTOR')),
        plan_reference text NOT NULL
      );

      CREATE TABLE questionnaire_question (
        id uuid PRIMARY KEY,
        questionnaire_id uuid NOT NULL REFERENCES questionnaire(id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 1),
        label text NOT NULL,
        text text NOT NULL,
        UNIQUE (questionnaire_id, position),
        UNIQUE (questionnaire_id, id)
      );

      CREATE TABLE questionnaire_response (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        questionnaire_id uuid NOT NULL REFERENCES questionnaire(id),
        participant_id uuid NOT NULL REFERENCES participant(id),
        submitted_by_id uuid NOT NULL REFERENCES person(id),
        confidential boolean NOT NULL DEFAULT false,
        submitted_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        -- One response per participant and questionnaire (§A.6, §B.4: a participant answers for itself).
        UNIQUE (questionnaire_id, participant_id),
        UNIQUE (questionnaire_id, id)
      );
      CREATE INDEX questionnaire_response_participant_idx ON questionnaire_response (participant_id);
      CREATE INDEX questionnaire_response_submitted_idx ON questionnaire_response (questionnaire_id, submitted_at, id);

      -- An answer's question belongs to its response's questionnaire: both foreign keys carry the questionnaire.
      CREATE TABLE questionnaire_answer (
        response_id uuid NOT NULL,
        questionnaire_id uuid NOT NULL,
        question_id uuid NOT NULL,
        text text NOT NULL,
        PRIMARY KEY (response_id, question_id),
        FOREIGN KEY (questionnaire_id, response_id) REFERENCES questionnaire_response (questionnaire_id, id) ON DELETE CASCADE,
        FOREIGN KEY (questionnaire_id, question_id) REFERENCES questionnaire_question (questionnaire_id, id)
      );

      CREATE TABLE resource_list_entry (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        person_id uuid NOT NULL UNIQUE REFERENCES person(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES participant(id),
        expertise text[] NOT NULL,
        languages text[] NOT NULL,
        added_by_id uuid NOT NULL REFERENCES person(id),
        added_at timestamptz NOT NULL
      );
      CREATE INDEX resource_list_entry_organization_idx ON resource_list_entry (organization_id);

      CREATE TABLE training_session (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        audience text NOT NULL CHECK (audience IN ('AGENCIES_ONLY','JOINT')),
        topics text[] NOT NULL CHECK (cardinality(topics) > 0),
        scheduled_at timestamptz NOT NULL,
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 15 AND 1440),
        materials_url text CHECK (materials_url LIKE 'https://%'),
        organizer_id uuid NOT NULL REFERENCES participant(id),
        scheduled_by_id uuid NOT NULL REFERENCES person(id),
        created_at timestamptz NOT NULL
      );
      CREATE INDEX training_session_scheduled_idx ON training_session (scheduled_at, id);

      CREATE TABLE training_host (
        training_id uuid NOT NULL REFERENCES training_session(id) ON DELETE CASCADE,
        participant_id uuid NOT NULL REFERENCES participant(id),
        PRIMARY KEY (training_id, participant_id)
      );
      CREATE INDEX training_host_participant_idx ON training_host (participant_id, training_id);

      CREATE TABLE education_project (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        description text NOT NULL,
        themes text[] NOT NULL CHECK (cardinality(themes) > 0 AND themes <@ ${themes}),
        status text NOT NULL CHECK (status IN ('PLANNED','ACTIVE','COMPLETED')),
        website_url text CHECK (website_url LIKE 'https://%'),
        lead_organization_id uuid NOT NULL REFERENCES participant(id),
        started_by_id uuid NOT NULL REFERENCES person(id),
        started_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL
      );
      CREATE INDEX education_project_started_idx ON education_project (started_at DESC, id);
      CREATE INDEX education_project_lead_idx ON education_project (lead_organization_id);

      CREATE TABLE education_project_partner (
        project_id uuid NOT NULL REFERENCES education_project(id) ON DELETE CASCADE,
        participant_id uuid NOT NULL REFERENCES participant(id),
        PRIMARY KEY (project_id, participant_id)
      );
      CREATE INDEX education_project_partner_participant_idx ON education_project_partner (participant_id, project_id);
    `);
    await insertBuiltInQuestionnaires(q);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE education_project_partner, education_project, training_host, training_session, resource_list_entry,
        questionnaire_answer, questionnaire_response, questionnaire_question, questionnaire;
    `);
  }
}
