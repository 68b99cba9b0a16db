import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys for dashboards (DOMAIN §8) and accountability (§9): the audit trail of who read a case's confidential tier
 * or a RED case's row, requests for access to a tier, and the explanation of why a viewer may or may not read it.
 *
 * - A key's viewer is its organization as a whole: `lap.person_id` stays empty (so `lap.share_reaches` admits only
 *   shares naming nobody) and `lap.api_key` names the key. A key is read-only: a RESTRICTIVE policy on every table
 *   refuses its inserts, updates and deletes, whatever the table's own write policies say.
 * - The secret is never stored: `api_key.secret_hash` is its SHA-256, which the viewer role can neither read nor
 *   compare except through `lap.api_key_viewer`, which compares in constant time.
 * - The audit trail is written by the system (the owner), never by a viewer: the viewer role may only read it, and only
 *   the lead agency's.
 */
export class Accountability1764400000000 implements MigrationInterface {
  name = 'Accountability1764400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      -- ---- who the viewer is: an API key -------------------------------------------------------------------------
      CREATE FUNCTION lap.viewer_api_key() RETURNS uuid LANGUAGE sql STABLE
        AS $f$ SELECT nullif(current_setting('lap.api_key', true), '')::uuid $f$;
      COMMENT ON FUNCTION lap.viewer_api_key() IS
        'The API key making the request (DOMAIN §8): a dashboard reading for its organization as a whole; null for people and anonymous callers.';

      CREATE FUNCTION lap.is_person() RETURNS boolean LANGUAGE sql STABLE
        AS $f$ SELECT lap.viewer_person() IS NOT NULL AND lap.viewer_api_key() IS NULL $f$;
      COMMENT ON FUNCTION lap.is_person() IS
        'A person (§A.1, §B.1: contacts are people) rather than an API key or an anonymous caller: only people act for their organization.';

      -- ---- API keys ----------------------------------------------------------------------------------------------
      CREATE TABLE api_key (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES participant(id),
        name text NOT NULL CHECK (length(btrim(name)) BETWEEN 1 AND 100),
        prefix text NOT NULL UNIQUE CHECK (prefix ~ '^lapk_[a-z2-7]{8}$'),
        secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
        created_by_id uuid NOT NULL REFERENCES person(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz,
        revoked_at timestamptz,
        revoked_by_id uuid REFERENCES person(id),
        last_used_at timestamptz,
        CHECK ((revoked_at IS NULL) = (revoked_by_id IS NULL))
      );
      CREATE INDEX api_key_organization_idx ON api_key (organization_id, created_at DESC, id);

      CREATE FUNCTION lap.api_key_viewer(key_prefix text, key_hash bytea, at timestamptz)
        RETURNS TABLE (api_key_id uuid, name text, prefix text, expires_at timestamptz, own_org uuid, kind text, revoked boolean, expired boolean)
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$
        DECLARE
          k api_key%ROWTYPE;
          diff integer := 0;
        BEGIN
          SELECT * INTO k FROM api_key a WHERE a.prefix = key_prefix;
          IF NOT FOUND OR length(key_hash) <> 32 THEN RETURN; END IF;
          -- Every byte is compared, whatever the first difference: no timing tells how much of a guess was right.
          FOR i IN 0 .. 31 LOOP
            diff := diff | (get_byte(k.secret_hash, i) # get_byte(key_hash, i));
          END LOOP;
          IF diff <> 0 THEN RETURN; END IF;
          RETURN QUERY
            SELECT k.id, k.name, k.prefix, k.expires_at, p.id,
              CASE WHEN CASE WHEN p.status = 'APPLIED' AND p.objection_deadline <= at THEN lap.settled_status(p.id, p.objection_deadline)
                             ELSE p.status END <> 'ENDORSED' THEN 'ANONYMOUS'
                   WHEN p.kind = 'AGENCY' AND p.is_coordinator THEN 'COORDINATOR'
                   WHEN p.kind = 'AGENCY' THEN 'AGENCY'
                   ELSE 'PRIVATE' END,
              k.revoked_at IS NOT NULL, k.expires_at IS NOT NULL AND k.expires_at <= at
            FROM participant p WHERE p.id = k.organization_id;
        END
        $f$;
      COMMENT ON FUNCTION lap.api_key_viewer(text, bytea, timestamptz) IS
        'The viewer of an API key (DOMAIN §8): its organization as a whole, and as which kind of viewer while that organization is endorsed (endorsement ¶ after §D); nothing unless the secret''s hash matches.';

      CREATE FUNCTION lap.api_key_active(key_id uuid, at timestamptz) RETURNS boolean
        LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$
          SELECT coalesce((SELECT k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > $2)
                             AND CASE WHEN p.status = 'APPLIED' AND p.objection_deadline <= $2 THEN lap.settled_status(p.id, p.objection_deadline)
                                      ELSE p.status END = 'ENDORSED'
                           FROM api_key k JOIN participant p ON p.id = k.organization_id WHERE k.id = $1), false)
        $f$;
      COMMENT ON FUNCTION lap.api_key_active(uuid, timestamptz) IS
        'Whether a key already checked still works (DOMAIN §8: revocation, expiry and the end of endorsement take effect on open subscriptions too).';

      -- ---- the audit trail ---------------------------------------------------------------------------------------
      CREATE TABLE case_access_log (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        lead_agency_id uuid NOT NULL,
        person_id uuid REFERENCES person(id),
        api_key_id uuid REFERENCES api_key(id),
        api_key_name text,
        api_key_prefix text,
        organization_id uuid REFERENCES participant(id),
        path text NOT NULL CHECK (path IN ('QUERY', 'SUBSCRIPTION', 'ENTITIES', 'CSV')),
        confidential boolean NOT NULL,
        accessed_at timestamptz NOT NULL,
        FOREIGN KEY (case_id, lead_agency_id) REFERENCES enforcement_case (id, lead_agency_id) ON DELETE CASCADE
      );
      CREATE INDEX case_access_log_case_idx ON case_access_log (case_id, accessed_at DESC, id);

      -- ---- requests for access to a confidential tier ------------------------------------------------------------
      CREATE TABLE case_access_request (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        case_id uuid NOT NULL,
        lead_agency_id uuid NOT NULL,
        requester_id uuid NOT NULL REFERENCES person(id),
        requester_org_id uuid NOT NULL REFERENCES participant(id),
        justification text NOT NULL CHECK (length(btrim(justification)) BETWEEN 1 AND 2000),
        status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'GRANTED', 'DECLINED')),
        created_at timestamptz NOT NULL DEFAULT now(),
        decided_at timestamptz,
        decided_by_id uuid REFERENCES person(id),
        decline_reason text CHECK (decline_reason IS NULL OR length(btrim(decline_reason)) BETWEEN 1 AND 2000),
        granted_scope text CHECK (granted_scope IN ('ORGANIZATION', 'PERSON')),
        FOREIGN KEY (case_id, lead_agency_id) REFERENCES enforcement_case (id, lead_agency_id) ON DELETE CASCADE,
        CHECK ((status = 'PENDING') = (decided_at IS NULL) AND (decided_at IS NULL) = (decided_by_id IS NULL)),
        CHECK ((status = 'DECLINED') = (decline_reason IS NOT NULL)),
        CHECK ((status = 'GRANTED') = (granted_scope IS NOT NULL))
      );
      -- One pending request per person and case: asking again while one waits is bad input.
      CREATE UNIQUE INDEX case_access_request_pending_idx ON case_access_request (case_id, requester_id) WHERE status = 'PENDING';
      CREATE INDEX case_access_request_lead_idx ON case_access_request (lead_agency_id, created_at DESC, id);
      CREATE INDEX case_access_request_requester_idx ON case_access_request (requester_id, created_at DESC, id);
      CREATE INDEX case_access_request_case_idx ON case_access_request (case_id, created_at DESC, id);

      -- ---- explaining ---------------------------------------------------------------------------------------------
      CREATE FUNCTION lap.case_confidential_reason(tier_readable boolean, viewer_leads boolean, shared_naming_viewer boolean, shared_to_organization boolean)
        RETURNS text LANGUAGE sql IMMUTABLE
        AS $f$ SELECT CASE WHEN NOT coalesce($1, false) THEN 'NOT_SHARED_WITH_YOU' WHEN $2 THEN 'LEAD_AGENCY'
                           WHEN $3 THEN 'SHARED_WITH_YOU' WHEN $4 THEN 'SHARED_WITH_ORGANIZATION' END $f$;
      COMMENT ON FUNCTION lap.case_confidential_reason(boolean, boolean, boolean, boolean) IS
        'Why the viewer reads a case''s confidential tier (lap.case_tier_readable: the lead agency, or a share reaching them, ¶ after §A.7), or that no share reaches them; the shares are read under their own policy, so nothing is said about shares to others.';

      -- ---- policies ----------------------------------------------------------------------------------------------
      -- API keys: listed, created and revoked by their organization's people (never by a key, never another organization's).
      GRANT SELECT (id, organization_id, name, prefix, created_by_id, created_at, expires_at, revoked_at, revoked_by_id, last_used_at)
        ON api_key TO lap_viewer;
      GRANT INSERT (organization_id, name, prefix, secret_hash, created_by_id, expires_at) ON api_key TO lap_viewer;
      GRANT UPDATE (revoked_at, revoked_by_id) ON api_key TO lap_viewer;
      CREATE POLICY api_key_read ON api_key FOR SELECT TO lap_viewer
        USING ((SELECT lap.is_member()) AND (SELECT lap.is_person()) AND organization_id = (SELECT lap.viewer_org()));
      CREATE POLICY api_key_create ON api_key FOR INSERT TO lap_viewer WITH CHECK (
        (SELECT lap.is_member()) AND (SELECT lap.is_person()) AND organization_id = (SELECT lap.viewer_org())
        AND created_by_id = (SELECT lap.viewer_person()) AND revoked_at IS NULL AND last_used_at IS NULL);
      CREATE POLICY api_key_revoke ON api_key FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_member()) AND (SELECT lap.is_person()) AND organization_id = (SELECT lap.viewer_org()))
        WITH CHECK ((SELECT lap.is_member()) AND (SELECT lap.is_person()) AND organization_id = (SELECT lap.viewer_org())
          AND revoked_by_id = (SELECT lap.viewer_person()));

      -- The audit trail: the lead agency reads who read its case (confidentiality ¶ after §A.7); only the system writes.
      GRANT SELECT ON case_access_log TO lap_viewer;
      CREATE POLICY case_access_log_read ON case_access_log FOR SELECT TO lap_viewer
        USING (lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency()));

      -- Requests for access: the requester (a person who sees the row but not the tier) and the lead agency.
      GRANT SELECT, INSERT ON case_access_request TO lap_viewer;
      GRANT UPDATE (status, decided_at, decided_by_id, decline_reason, granted_scope) ON case_access_request TO lap_viewer;
      CREATE POLICY case_access_request_read ON case_access_request FOR SELECT TO lap_viewer
        USING (requester_id = (SELECT lap.viewer_person()) OR (lead_agency_id = (SELECT lap.viewer_org()) AND (SELECT lap.is_agency())));
      CREATE POLICY case_access_request_ask ON case_access_request FOR INSERT TO lap_viewer WITH CHECK (
        (SELECT lap.is_member()) AND (SELECT lap.is_person())
        AND requester_id = (SELECT lap.viewer_person()) AND requester_org_id = (SELECT lap.viewer_org())
        AND status = 'PENDING' AND lead_agency_id = lap.case_lead(case_access_request.case_id)
        -- the row is visible to the requester and its tier is not (both under their own policies)
        AND EXISTS (SELECT 1 FROM enforcement_case c WHERE c.id = case_access_request.case_id)
        AND NOT EXISTS (SELECT 1 FROM case_confidential t WHERE t.case_id = case_access_request.case_id));
      CREATE POLICY case_access_request_decide ON case_access_request FOR UPDATE TO lap_viewer
        USING ((SELECT lap.is_agency()) AND (SELECT lap.is_person()) AND lead_agency_id = (SELECT lap.viewer_org()))
        WITH CHECK ((SELECT lap.is_agency()) AND (SELECT lap.is_person()) AND lead_agency_id = (SELECT lap.viewer_org())
          AND decided_by_id = (SELECT lap.viewer_person()));

      ALTER TABLE api_key ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
      ALTER TABLE case_access_log ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
      ALTER TABLE case_access_request ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;

      -- An API key is read-only (DOMAIN §8): on every table, a restrictive policy refuses its writes, whatever the
      -- table's own write policies admit (they are ANDed with these).
      DO $$ DECLARE t text; BEGIN
        FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' LOOP
          EXECUTE format('CREATE POLICY api_key_no_insert ON %I AS RESTRICTIVE FOR INSERT TO lap_viewer WITH CHECK ((SELECT lap.viewer_api_key()) IS NULL)', t);
          EXECUTE format('CREATE POLICY api_key_no_update ON %I AS RESTRICTIVE FOR UPDATE TO lap_viewer USING ((SELECT lap.viewer_api_key()) IS NULL) WITH CHECK ((SELECT lap.viewer_api_key()) IS NULL)', t);
          EXECUTE format('CREATE POLICY api_key_no_delete ON %I AS RESTRICTIVE FOR DELETE TO lap_viewer USING ((SELECT lap.viewer_api_key()) IS NULL)', t);
        END LOOP;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$ DECLARE t text; BEGIN
        FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'migrations' LOOP
          EXECUTE format('DROP POLICY IF EXISTS api_key_no_insert ON %I', t);
          EXECUTE format('DROP POLICY IF EXISTS api_key_no_update ON %I', t);
          EXECUTE format('DROP POLICY IF EXISTS api_key_no_delete ON %I', t);
        END LOOP;
      END $$;
      DROP TABLE case_access_request;
      DROP TABLE case_access_log;
      DROP FUNCTION lap.case_confidential_reason(boolean, boolean, boolean, boolean);
      DROP FUNCTION lap.api_key_active(uuid, timestamptz);
      DROP FUNCTION lap.api_key_viewer(text, bytea, timestamptz);
      DROP TABLE api_key;
      DROP FUNCTION lap.is_person();
      DROP FUNCTION lap.viewer_api_key();
    `);
  }
}
