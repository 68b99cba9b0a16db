import { MigrationInterface, QueryRunner } from 'typeorm';

const tlp = `('CLEAR','GREEN','AMBER','AMBER_STRICT','RED')`;

/** Countries, participants, people, cases and their shares, conference calls (issue: core hub). */
export class CoreSchema1764000000000 implements MigrationInterface {
  name = 'CoreSchema1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE country (
        code char(2) PRIMARY KEY CHECK (code ~ '^[A-Z]{2}$'),
        name text NOT NULL,
        developing boolean NOT NULL DEFAULT false,
        primary_contact_id uuid
      );

      CREATE TABLE participant (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL CHECK (kind IN ('AGENCY','PRIVATE_SECTOR')),
        name text NOT NULL,
        country_code char(2) NOT NULL REFERENCES country(code),
        status text NOT NULL CHECK (status IN ('APPLIED','ENDORSED','REJECTED','WITHDRAWN')),
        applied_at timestamptz NOT NULL DEFAULT now(),
        endorsed_at timestamptz,
        objection_deadline timestamptz,
        point_of_contact_id uuid,
        competences text[] NOT NULL DEFAULT '{}',
        is_coordinator boolean NOT NULL DEFAULT false,
        sector text,
        request_guidance text,
        CHECK ((kind = 'AGENCY') = (sector IS NULL)),
        CHECK (kind = 'AGENCY' OR (NOT is_coordinator AND competences = '{}'))
      );
      CREATE INDEX participant_country_idx ON participant (country_code);
      CREATE INDEX participant_status_kind_idx ON participant (status, kind);

      CREATE TABLE person (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES participant(id),
        name text NOT NULL,
        email text NOT NULL,
        phone text,
        title text
      );
      CREATE UNIQUE INDEX person_email_idx ON person (lower(email));
      CREATE INDEX person_organization_idx ON person (organization_id);

      ALTER TABLE participant ADD CONSTRAINT participant_point_of_contact_fk
        FOREIGN KEY (point_of_contact_id) REFERENCES person(id) DEFERRABLE INITIALLY DEFERRED;
      ALTER TABLE country ADD CONSTRAINT country_primary_contact_fk
        FOREIGN KEY (primary_contact_id) REFERENCES person(id) DEFERRABLE INITIALLY DEFERRED;

      CREATE TABLE enforcement_case (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        reference text NOT NULL,
        title text NOT NULL,
        status text NOT NULL CHECK (status IN ('OPEN','INVESTIGATING','ENFORCEMENT_ACTION','CLOSED')),
        categories text[] NOT NULL,
        tlp text NOT NULL CHECK (tlp IN ${tlp}),
        lead_agency_id uuid NOT NULL REFERENCES participant(id),
        opened_at timestamptz NOT NULL DEFAULT now(),
        harm_score integer NOT NULL CHECK (harm_score BETWEEN 0 AND 100),
        summary text NOT NULL DEFAULT '',
        suspects text[] NOT NULL DEFAULT '{}',
        evidence text,
        investigator_notes text,
        victim_count integer NOT NULL DEFAULT 0 CHECK (victim_count >= 0),
        estimated_loss_usd bigint NOT NULL DEFAULT 0 CHECK (estimated_loss_usd >= 0),
        vulnerable_victims boolean NOT NULL DEFAULT false,
        ongoing_harm boolean NOT NULL DEFAULT false,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- References are unique per lead agency, so that a clash never reveals another agency's hidden case.
      CREATE UNIQUE INDEX case_reference_idx ON enforcement_case (lead_agency_id, reference);
      CREATE INDEX case_tlp_harm_idx ON enforcement_case (tlp, harm_score DESC, id);
      CREATE INDEX case_harm_idx ON enforcement_case (harm_score DESC, id);
      CREATE INDEX case_opened_idx ON enforcement_case (opened_at DESC, id);

      CREATE TABLE case_country (
        case_id uuid NOT NULL REFERENCES enforcement_case(id) ON DELETE CASCADE,
        country_code char(2) NOT NULL REFERENCES country(code),
        PRIMARY KEY (case_id, country_code)
      );
      CREATE INDEX case_country_country_idx ON case_country (country_code, case_id);

      CREATE TABLE case_share (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL REFERENCES enforcement_case(id) ON DELETE CASCADE,
        participant_id uuid NOT NULL REFERENCES participant(id),
        recipient_ids uuid[] NOT NULL DEFAULT '{}',
        granted_by_id uuid NOT NULL REFERENCES person(id),
        granted_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (case_id, participant_id)
      );
      CREATE INDEX case_share_participant_idx ON case_share (participant_id, case_id);

      CREATE TABLE conference_call (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        scheduled_at timestamptz NOT NULL,
        duration_minutes integer NOT NULL CHECK (duration_minutes BETWEEN 5 AND 480),
        organizer_id uuid NOT NULL REFERENCES participant(id),
        dial_in text
      );
      CREATE INDEX conference_call_scheduled_idx ON conference_call (scheduled_at, id);

      CREATE TABLE call_segment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        call_id uuid NOT NULL REFERENCES conference_call(id) ON DELETE CASCADE,
        position integer NOT NULL CHECK (position >= 1),
        title text NOT NULL,
        topic text NOT NULL CHECK (topic IN ('CASES','LEGISLATIVE_DEVELOPMENTS','INVESTIGATIVE_TECHNIQUES',
          'ENFORCEMENT_OBSTACLES','EDUCATION_PROJECTS','TRAINING','PRIVATE_SECTOR_REPORTS')),
        audience text NOT NULL CHECK (audience IN ('LAW_ENFORCEMENT_ONLY','PRIVATE_SECTOR_INVITED')),
        minutes text,
        minutes_recorded_at timestamptz,
        UNIQUE (call_id, position)
      );

      CREATE TABLE call_segment_invitation (
        segment_id uuid NOT NULL REFERENCES call_segment(id) ON DELETE CASCADE,
        member_id uuid NOT NULL REFERENCES participant(id),
        PRIMARY KEY (segment_id, member_id)
      );
      CREATE INDEX call_segment_invitation_member_idx ON call_segment_invitation (member_id, segment_id);

      CREATE TABLE call_segment_case (
        segment_id uuid NOT NULL REFERENCES call_segment(id) ON DELETE CASCADE,
        case_id uuid NOT NULL REFERENCES enforcement_case(id) ON DELETE CASCADE,
        PRIMARY KEY (segment_id, case_id)
      );

      CREATE TABLE call_exclusion (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        call_id uuid NOT NULL REFERENCES conference_call(id) ON DELETE CASCADE,
        segment_id uuid REFERENCES call_segment(id) ON DELETE CASCADE,
        member_id uuid NOT NULL REFERENCES participant(id),
        objecting_agency_id uuid NOT NULL REFERENCES participant(id),
        objected_by_id uuid NOT NULL REFERENCES person(id),
        reason text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        withdrawn_at timestamptz
      );
      CREATE INDEX call_exclusion_standing_idx ON call_exclusion (member_id, call_id) WHERE withdrawn_at IS NULL;
      CREATE INDEX call_exclusion_call_idx ON call_exclusion (call_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE call_exclusion, call_segment_case, call_segment_invitation, call_segment, conference_call,
        case_share, case_country, enforcement_case;
      ALTER TABLE country DROP CONSTRAINT country_primary_contact_fk;
      ALTER TABLE participant DROP CONSTRAINT participant_point_of_contact_fk;
      DROP TABLE person, participant, country;
    `);
  }
}
