import { MigrationInterface, QueryRunner } from 'typeorm';

/** Endorsement objections, assistance requests and sector reports (issue: cooperation workflows). */
export class Cooperation1764050000000 implements MigrationInterface {
  name = 'Cooperation1764050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE participant ADD COLUMN recorded_by_id uuid REFERENCES person(id) DEFERRABLE INITIALLY DEFERRED;
      CREATE INDEX participant_pending_idx ON participant (objection_deadline) WHERE status = 'APPLIED';

      CREATE TABLE endorsement_objection (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        participant_id uuid NOT NULL REFERENCES participant(id) ON DELETE CASCADE,
        agency_id uuid NOT NULL REFERENCES participant(id),
        objected_by_id uuid NOT NULL REFERENCES person(id),
        reason text NOT NULL,
        created_at timestamptz NOT NULL,
        withdrawn_at timestamptz
      );
      CREATE INDEX endorsement_objection_participant_idx ON endorsement_objection (participant_id);
      CREATE UNIQUE INDEX endorsement_objection_standing_idx ON endorsement_objection (participant_id, agency_id) WHERE withdrawn_at IS NULL;

      CREATE TABLE assistance_request (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        requester_id uuid NOT NULL REFERENCES participant(id),
        requested_by_id uuid NOT NULL REFERENCES person(id),
        recipient_id uuid NOT NULL REFERENCES participant(id),
        case_id uuid REFERENCES enforcement_case(id) ON DELETE SET NULL,
        title text NOT NULL,
        description text NOT NULL,
        categories text[] NOT NULL,
        victim_count integer NOT NULL CHECK (victim_count >= 0),
        estimated_loss_usd bigint NOT NULL CHECK (estimated_loss_usd >= 0),
        vulnerable_victims boolean NOT NULL,
        ongoing_harm boolean NOT NULL,
        harm_score integer NOT NULL CHECK (harm_score BETWEEN 0 AND 100),
        status text NOT NULL CHECK (status IN ('OPEN','ACKNOWLEDGED','FULFILLED','DECLINED','WITHDRAWN')),
        response text,
        created_at timestamptz NOT NULL,
        acknowledged_at timestamptz,
        answered_at timestamptz,
        CHECK (requester_id <> recipient_id)
      );
      CREATE INDEX assistance_request_requester_idx ON assistance_request (requester_id);
      CREATE INDEX assistance_request_recipient_idx ON assistance_request (recipient_id);
      CREATE INDEX assistance_request_rank_idx ON assistance_request (harm_score DESC, created_at, id);

      CREATE TABLE sector_report (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        author_org_id uuid NOT NULL REFERENCES participant(id),
        author_id uuid NOT NULL REFERENCES person(id),
        kind text NOT NULL CHECK (kind IN ('CASE','TECHNOLOGY_TREND','COOPERATION','OBSTACLE','EARLY_WARNING')),
        title text NOT NULL,
        body text NOT NULL,
        tlp text NOT NULL CHECK (tlp IN ('CLEAR','GREEN','AMBER','AMBER_STRICT','RED')),
        recipient_ids uuid[] NOT NULL DEFAULT '{}',
        published_at timestamptz NOT NULL,
        CHECK (tlp <> 'RED' OR cardinality(recipient_ids) > 0)
      );
      CREATE INDEX sector_report_published_idx ON sector_report (published_at DESC, id);
      CREATE INDEX sector_report_kind_idx ON sector_report (kind, published_at DESC, id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE sector_report, assistance_request, endorsement_objection;
      DROP INDEX participant_pending_idx;
      ALTER TABLE participant DROP COLUMN recorded_by_id;
    `);
  }
}
