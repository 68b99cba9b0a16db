import 'reflect-metadata';
import type { DataSource, QueryRunner } from 'typeorm';
import { openDatabase } from '../../src/db/data-source';

/**
 * The policy's shape, read from the database's own catalog (ENGINEERING "The policy lives in the database, once"; the
 * SQL form of GitLab's "every type declares authorize"): every table of the hub has row-level security enabled and
 * forced and at least one policy; nothing the viewer role can read bypasses the policies (views run as the invoker);
 * the viewer role has exactly the grants written below and nothing else; the policy functions are not LEAKPROOF,
 * SECURITY DEFINER ones pin their search_path, and each carries a comment citing the plan.
 *
 * A new table, view, grant or function therefore fails this test until its policy is written and its grants are added
 * to the list below — on purpose. Each check is shown to fail on a probe object created in a transaction that is rolled
 * back.
 */

type Query = (text: string) => Promise<Array<Record<string, any>>>;

/** The viewer role's grants, table by table: table-wide privileges, and the columns of column-level ones. */
interface TableGrant {
  table: Array<'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE' | 'TRUNCATE' | 'REFERENCES' | 'TRIGGER'>;
  /** Columns the viewer may UPDATE (no table-wide UPDATE anywhere: a write names the columns it may change). */
  update?: string[];
  /** Columns the viewer may SELECT, where it may not read the whole row (api_key: never its hash). */
  select?: string[];
  /** Columns the viewer may INSERT, where it may not write the whole row. */
  insert?: string[];
}

const GRANTS: Record<string, TableGrant> = {
  country: { table: ['SELECT'], update: ['primary_contact_id'] },
  participant: { table: ['SELECT', 'INSERT'], update: ['point_of_contact_id'] },
  person: { table: ['SELECT', 'INSERT'] },
  enforcement_case: { table: ['SELECT', 'INSERT'], update: ['title', 'status', 'categories', 'tlp', 'harm_score', 'updated_at'] },
  case_confidential: {
    table: ['SELECT', 'INSERT'],
    update: ['summary', 'suspects', 'evidence', 'investigator_notes', 'victim_count', 'estimated_loss_usd', 'vulnerable_victims', 'ongoing_harm'],
  },
  case_country: { table: ['SELECT', 'INSERT', 'DELETE'] },
  case_share: { table: ['SELECT', 'INSERT', 'DELETE'], update: ['recipient_ids', 'granted_by_id', 'granted_at'] },
  // whom each share reaches: kept by triggers on case_share, read (under its own policy) by the case policies
  case_reach: { table: ['SELECT'] },
  conference_call: { table: ['SELECT', 'INSERT'], update: ['title'] },
  call_segment: { table: ['SELECT', 'INSERT'], update: ['position', 'minutes', 'minutes_recorded_at'] },
  call_segment_invitation: { table: ['SELECT', 'INSERT'] },
  call_segment_case: { table: ['SELECT', 'INSERT'] },
  call_exclusion: { table: ['SELECT', 'INSERT'], update: ['withdrawn_at'] },
  endorsement_objection: { table: ['SELECT', 'INSERT'], update: ['withdrawn_at'] },
  assistance_request: { table: ['SELECT', 'INSERT'], update: ['status', 'acknowledged_at', 'answered_at'] },
  assistance_request_detail: { table: ['SELECT', 'INSERT'], update: ['response'] },
  // a security-invoker view: the applications at the request's clock, under participant's own policy
  endorsement_application: { table: ['SELECT'] },
  sector_report: { table: ['SELECT', 'INSERT'] },
  sector_report_recipient: { table: ['SELECT', 'INSERT'] },
  questionnaire: { table: ['SELECT'] },
  questionnaire_question: { table: ['SELECT'] },
  questionnaire_response: { table: ['SELECT', 'INSERT'], update: ['confidential', 'updated_at'] },
  questionnaire_answer: { table: ['SELECT', 'INSERT'], update: ['text'] },
  resource_list_entry: { table: ['SELECT', 'INSERT', 'DELETE'] },
  training_session: { table: ['SELECT', 'INSERT'] },
  training_host: { table: ['SELECT', 'INSERT'] },
  education_project: { table: ['SELECT', 'INSERT'], update: ['title', 'description', 'themes', 'status', 'website_url', 'updated_at'] },
  education_project_partner: { table: ['SELECT', 'INSERT', 'DELETE'] },
  // API keys (DOMAIN §8): every column but the secret's hash is readable; the hash is written once and never read back
  api_key: {
    table: [],
    select: ['id', 'organization_id', 'name', 'prefix', 'created_by_id', 'created_at', 'expires_at', 'revoked_at', 'revoked_by_id', 'last_used_at'],
    insert: ['organization_id', 'name', 'prefix', 'secret_hash', 'created_by_id', 'expires_at'],
    update: ['revoked_at', 'revoked_by_id'],
  },
  // the audit trail is written by the system only; the lead agency reads it (DOMAIN §9)
  case_access_log: { table: ['SELECT'] },
  case_access_request: { table: ['SELECT', 'INSERT'], update: ['status', 'decided_at', 'decided_by_id', 'decline_reason', 'granted_scope'] },
};

/** Schemas the viewer role may use (`public` also through PUBLIC's default USAGE); CREATE nowhere. */
const SCHEMA_PRIVILEGES = ['lap: USAGE', 'public: USAGE'];

/** Schemas whose objects are PostgreSQL's own. */
const SYSTEM_SCHEMAS = `('pg_catalog', 'information_schema', 'pg_toast')`;

// ---- the checks: each returns what violates its rule (empty when the catalog is as it should be) --------------------

/** Tables of `public` without row-level security enabled AND forced. */
async function tablesWithoutForcedRls(q: Query): Promise<string[]> {
  const rows = await q(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT (c.relrowsecurity AND c.relforcerowsecurity)
     ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Tables of `public` with no policy at all (RLS on and no policy hides everything: the rule was never written). */
async function tablesWithoutPolicy(q: Query): Promise<string[]> {
  const rows = await q(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid)
     ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Policies that apply to PUBLIC (every role) rather than to the viewer role. */
async function policiesForPublic(q: Query): Promise<string[]> {
  const rows = await q(
    `SELECT c.relname || '.' || p.polname AS name FROM pg_policy p JOIN pg_class c ON c.oid = p.polrelid
     WHERE 0 = ANY (p.polroles) ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/**
 * Views the viewer role can read that run with their owner's rights (not `security_invoker`), and materialized views
 * it can read at all (they cannot carry row-level security).
 */
async function viewsBypassingPolicies(q: Query): Promise<string[]> {
  const rows = await q(
    `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind IN ('v', 'm') AND n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
       AND has_schema_privilege('lap_viewer', n.oid, 'USAGE')
       AND (has_table_privilege('lap_viewer', c.oid, 'SELECT')
            OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                       AND has_column_privilege('lap_viewer', c.oid, a.attnum, 'SELECT')))
       AND (c.relkind = 'm' OR NOT coalesce(c.reloptions && ARRAY['security_invoker=true', 'security_invoker=on', 'security_invoker=1'], false))
     ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/**
 * Every privilege the viewer role holds on a table, view or sequence outside PostgreSQL's own schemas, as
 * `table: PRIVILEGE` and `table.column: PRIVILEGE` (a column privilege the table-wide one does not already give),
 * whether granted to the role itself or to PUBLIC.
 */
async function relationPrivileges(q: Query): Promise<string[]> {
  const rows = await q(
    `WITH rel AS (
       SELECT c.oid, c.relkind, CASE WHEN n.nspname = 'public' THEN '' ELSE n.nspname || '.' END || c.relname AS name
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f', 'S') AND n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg_temp%'
         AND n.nspname NOT LIKE 'pg_toast_temp%'
     ), priv(p) AS (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('DELETE'), ('TRUNCATE'), ('REFERENCES'), ('TRIGGER'))
     SELECT rel.name || ': ' || priv.p AS grant FROM rel CROSS JOIN priv
       WHERE rel.relkind <> 'S' AND has_table_privilege('lap_viewer', rel.oid, priv.p)
     UNION ALL
     SELECT rel.name || ': ' || s.p FROM rel CROSS JOIN (VALUES ('USAGE'), ('SELECT'), ('UPDATE')) AS s(p)
       WHERE rel.relkind = 'S' AND has_sequence_privilege('lap_viewer', rel.oid, s.p)
     UNION ALL
     SELECT rel.name || '.' || a.attname || ': ' || cp.p FROM rel
       JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped
       CROSS JOIN (VALUES ('SELECT'), ('INSERT'), ('UPDATE'), ('REFERENCES')) AS cp(p)
       WHERE rel.relkind <> 'S' AND has_column_privilege('lap_viewer', rel.oid, a.attnum, cp.p)
         AND NOT has_table_privilege('lap_viewer', rel.oid, cp.p)
     ORDER BY 1`,
  );
  return rows.map((r) => r.grant);
}

/** The schemas the viewer role may use or create in (outside PostgreSQL's own). */
async function schemaPrivileges(q: Query): Promise<string[]> {
  const rows = await q(
    `SELECT n.nspname || ': ' || p AS grant FROM pg_namespace n CROSS JOIN (VALUES ('USAGE'), ('CREATE')) AS x(p)
     WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND n.nspname NOT LIKE 'pg_temp%' AND n.nspname NOT LIKE 'pg_toast_temp%'
       AND has_schema_privilege('lap_viewer', n.oid, p)
     ORDER BY 1`,
  );
  return rows.map((r) => r.grant);
}

/**
 * Grants to the viewer role beyond PUBLIC's defaults on functions, the database, other roles: explicit ACL entries for
 * it on functions and on the database, roles it is a member of, and anything it owns. (Every function is executable by
 * PUBLIC by default; the policy functions are meant to be.)
 */
async function otherGrants(q: Query): Promise<string[]> {
  const rows = await q(
    `WITH v AS (SELECT oid FROM pg_roles WHERE rolname = 'lap_viewer')
     SELECT 'function ' || p.oid::regprocedure::text || ': ' || a.privilege_type AS grant
       FROM pg_proc p CROSS JOIN LATERAL aclexplode(p.proacl) a, v WHERE a.grantee = v.oid
     UNION ALL
     SELECT 'database ' || d.datname || ': ' || a.privilege_type FROM pg_database d CROSS JOIN LATERAL aclexplode(d.datacl) a, v
       WHERE a.grantee = v.oid AND d.datname = current_database()
     UNION ALL
     SELECT 'member of ' || r.rolname FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.roleid, v WHERE m.member = v.oid
     UNION ALL
     SELECT 'owns ' || c.oid::regclass::text FROM pg_class c, v WHERE c.relowner = v.oid
     UNION ALL
     SELECT 'owns schema ' || n.nspname FROM pg_namespace n, v WHERE n.nspowner = v.oid
     UNION ALL
     SELECT 'owns function ' || p.oid::regprocedure::text FROM pg_proc p, v WHERE p.proowner = v.oid
     UNION ALL
     SELECT 'role attribute ' || x FROM pg_roles r CROSS JOIN LATERAL (VALUES
         (CASE WHEN r.rolsuper THEN 'SUPERUSER' END), (CASE WHEN r.rolbypassrls THEN 'BYPASSRLS' END),
         (CASE WHEN r.rolcanlogin THEN 'LOGIN' END), (CASE WHEN r.rolinherit THEN 'INHERIT' END),
         (CASE WHEN r.rolcreaterole THEN 'CREATEROLE' END), (CASE WHEN r.rolcreatedb THEN 'CREATEDB' END)) AS t(x)
       WHERE r.rolname = 'lap_viewer' AND x IS NOT NULL
     ORDER BY 1`,
  );
  return rows.map((r) => r.grant);
}

/**
 * Functions of `lap` (or any other schema of ours) declared LEAKPROOF: a policy function must never claim it, since
 * PostgreSQL would then run it before the policies and its errors could leak rows.
 */
async function leakproofFunctions(q: Query): Promise<string[]> {
  const rows = await q(
    `SELECT p.oid::regprocedure::text AS name FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND p.proleakproof ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/**
 * SECURITY DEFINER functions of `lap` (or any other schema of ours: such a function outside `lap` would be a way round
 * the policies just the same) that do not pin a search_path ending in pg_temp, pin one with a schema the viewer
 * role may create objects in, or are owned by a role that is itself subject to the policies (neither superuser nor
 * BYPASSRLS: the function would then see the rows its caller sees, not the rows it must read).
 */
async function unsafeDefinerFunctions(q: Query): Promise<string[]> {
  const rows = await q(
    `WITH f AS (
       SELECT p.oid::regprocedure::text AS name, o.rolsuper OR o.rolbypassrls AS owner_bypasses,
         (SELECT string_to_array(replace(substr(c, length('search_path=') + 1), ' ', ''), ',') FROM unnest(p.proconfig) AS c
          WHERE c LIKE 'search_path=%') AS path
       FROM pg_proc p JOIN pg_roles o ON o.oid = p.proowner JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname NOT IN ${SYSTEM_SCHEMAS} AND p.prosecdef
     )
     SELECT name || ': no search_path' AS problem FROM f WHERE path IS NULL
     UNION ALL
     SELECT name || ': search_path does not end in pg_temp' FROM f WHERE path IS NOT NULL AND path[cardinality(path)] <> 'pg_temp'
     UNION ALL
     SELECT name || ': search_path has ' || s || ', writable by lap_viewer' FROM f CROSS JOIN LATERAL unnest(f.path) AS s
       WHERE s <> 'pg_temp' AND EXISTS (SELECT 1 FROM pg_namespace n WHERE n.nspname = s AND has_schema_privilege('lap_viewer', n.oid, 'CREATE'))
     UNION ALL
     SELECT name || ': owned by a role subject to the policies' FROM f WHERE NOT owner_bypasses
     ORDER BY 1`,
  );
  return rows.map((r) => r.problem);
}

/**
 * SECURITY DEFINER functions of `lap` written in SQL: such a function is never inlined, and PostgreSQL parses and plans
 * its statement again at every execution of every statement that calls it, where PL/pgSQL keeps the plan for the
 * connection (migration DefinerPlansKept: the credential's lookup and the segments a member takes part in are asked at
 * every request).
 */
async function sqlDefinerFunctions(q: Query): Promise<string[]> {
  const rows = await q(
    `SELECT p.oid::regprocedure::text AS name FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
     WHERE p.pronamespace = 'lap'::regnamespace AND p.prosecdef AND l.lanname = 'sql' ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** Functions of `lap` without a comment (the comment cites the plan's paragraph the condition comes from). */
async function uncommentedFunctions(q: Query): Promise<string[]> {
  const rows = await q(
    `SELECT p.oid::regprocedure::text AS name FROM pg_proc p
     WHERE p.pronamespace = 'lap'::regnamespace AND coalesce(btrim(obj_description(p.oid, 'pg_proc')), '') = ''
     ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

/** The grants the list above allows, in the form `relationPrivileges` reports them. */
function allowedRelationPrivileges(): string[] {
  const out: string[] = [];
  for (const [table, grant] of Object.entries(GRANTS)) {
    for (const p of grant.table) out.push(`${table}: ${p}`);
    for (const column of grant.update ?? []) out.push(`${table}.${column}: UPDATE`);
    for (const column of grant.select ?? []) out.push(`${table}.${column}: SELECT`);
    for (const column of grant.insert ?? []) out.push(`${table}.${column}: INSERT`);
  }
  return out.sort();
}

// ---- the database's catalog ------------------------------------------------------------------------------------------

let ds: DataSource;
let q: Query;
beforeAll(async () => {
  const url = process.env.LAPHUB_TEST_DB_URL;
  if (!url) throw new Error('LAPHUB_TEST_DB_URL is not set: run the tests with jest (globalSetup)');
  ds = await openDatabase(url, 1);
  q = (text) => ds.query(text);
});
afterAll(() => ds.destroy());

/** Runs `fn` on one connection inside a transaction that is rolled back, whatever happens. */
async function rolledBack(fn: (q: Query, runner: QueryRunner) => Promise<void>): Promise<void> {
  const runner = ds.createQueryRunner();
  await runner.connect();
  await runner.startTransaction();
  try {
    await fn((text) => runner.query(text), runner);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

describe('tables', () => {
  test('every table of public has row-level security enabled and forced', async () => {
    const tables = await q(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    // The check looks at the hub's tables, not at an empty list.
    // Every listed grant but the one view is on a table, and the migrations table has none.
    expect(tables[0].n).toBeGreaterThanOrEqual(Object.keys(GRANTS).length);
    expect(await tablesWithoutForcedRls(q)).toEqual([]);
  });

  test('every table of public has at least one policy, and no policy applies to PUBLIC', async () => {
    expect(await tablesWithoutPolicy(q)).toEqual([]);
    expect(await policiesForPublic(q)).toEqual([]);
  });

  test('a table added without row-level security, or with it enabled but not forced, or without a policy, is flagged', async () => {
    await rolledBack(async (tx) => {
      await tx(`CREATE TABLE public.catalog_probe_plain (id int)`);
      await tx(`CREATE TABLE public.catalog_probe_unforced (id int)`);
      await tx(`ALTER TABLE public.catalog_probe_unforced ENABLE ROW LEVEL SECURITY`);
      await tx(`CREATE TABLE public.catalog_probe_no_policy (id int)`);
      await tx(`ALTER TABLE public.catalog_probe_no_policy ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
      await tx(`CREATE TABLE public.catalog_probe_public_policy (id int)`);
      await tx(`ALTER TABLE public.catalog_probe_public_policy ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY`);
      await tx(`CREATE POLICY everyone ON public.catalog_probe_public_policy USING (true)`);
      expect(await tablesWithoutForcedRls(tx)).toEqual(['catalog_probe_plain', 'catalog_probe_unforced']);
      expect(await tablesWithoutPolicy(tx)).toEqual(['catalog_probe_no_policy', 'catalog_probe_plain', 'catalog_probe_unforced']);
      expect(await policiesForPublic(tx)).toEqual(['catalog_probe_public_policy.everyone']);
    });
    // Rolled back: nothing of the probe is left.
    expect(await tablesWithoutForcedRls(q)).toEqual([]);
  });
});

describe('views', () => {
  test('no view the viewer role can read runs with its owner’s rights, and no materialized view is readable', async () => {
    expect(await viewsBypassingPolicies(q)).toEqual([]);
  });

  test('a readable view without security_invoker, or a readable materialized view, is flagged; an invoker’s view is not', async () => {
    await rolledBack(async (tx) => {
      await tx(`CREATE VIEW public.catalog_probe_definer AS SELECT id, title FROM enforcement_case`);
      await tx(`CREATE VIEW public.catalog_probe_invoker WITH (security_invoker = true) AS SELECT id, title FROM enforcement_case`);
      await tx(`CREATE MATERIALIZED VIEW public.catalog_probe_materialized AS SELECT id FROM enforcement_case WITH NO DATA`);
      await tx(`CREATE VIEW public.catalog_probe_unreadable AS SELECT id FROM enforcement_case`);
      await tx(`GRANT SELECT ON public.catalog_probe_definer, public.catalog_probe_invoker, public.catalog_probe_materialized TO lap_viewer`);
      expect(await viewsBypassingPolicies(tx)).toEqual(['public.catalog_probe_definer', 'public.catalog_probe_materialized']);
    });
  });
});

describe('grants to lap_viewer', () => {
  test('table and column privileges are exactly the listed ones', async () => {
    expect(await relationPrivileges(q)).toEqual(allowedRelationPrivileges());
  });

  test('the role uses the lap and public schemas and creates in none', async () => {
    expect(await schemaPrivileges(q)).toEqual(SCHEMA_PRIVILEGES);
  });

  test('no grant on functions or the database beyond PUBLIC’s defaults, no role membership, nothing owned, no power', async () => {
    expect(await otherGrants(q)).toEqual([]);
  });

  test('a grant beyond the list — table-wide, on a column, to PUBLIC, on a schema, a function or a role — is flagged', async () => {
    await rolledBack(async (tx) => {
      await tx(`GRANT UPDATE ON person TO lap_viewer`);
      await tx(`GRANT UPDATE (lead_agency_id) ON enforcement_case TO lap_viewer`);
      await tx(`GRANT SELECT ON migrations TO PUBLIC`);
      await tx(`GRANT CREATE ON SCHEMA lap TO lap_viewer`);
      await tx(`CREATE FUNCTION lap.catalog_probe() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
      await tx(`GRANT EXECUTE ON FUNCTION lap.catalog_probe() TO lap_viewer`);
      // Roles are the server's, not the database's: a name of its own, in case another run probes at the same time.
      const role = `catalog_probe_${process.pid}_${Date.now()}`;
      await tx(`CREATE ROLE ${role} NOLOGIN`);
      await tx(`GRANT ${role} TO lap_viewer`);
      const relations = await relationPrivileges(tx);
      expect(relations.filter((g) => !allowedRelationPrivileges().includes(g))).toEqual([
        'enforcement_case.lead_agency_id: UPDATE',
        'migrations: SELECT',
        'person: UPDATE',
      ]);
      expect(await schemaPrivileges(tx)).toEqual(['lap: CREATE', ...SCHEMA_PRIVILEGES]);
      expect(await otherGrants(tx)).toEqual(['function lap.catalog_probe(): EXECUTE', `member of ${role}`]);
    });
  });
});

describe('the policy functions of schema lap', () => {
  test('there are policy functions to check', async () => {
    const rows = await q(`SELECT count(*)::int AS n, count(*) FILTER (WHERE prosecdef)::int AS definer FROM pg_proc WHERE pronamespace = 'lap'::regnamespace`);
    expect(rows[0].n).toBeGreaterThanOrEqual(20);
    expect(rows[0].definer).toBeGreaterThanOrEqual(5);
  });

  test('none is LEAKPROOF', async () => {
    expect(await leakproofFunctions(q)).toEqual([]);
  });

  test('every SECURITY DEFINER one pins a safe search_path and is owned by a role the policies do not apply to', async () => {
    expect(await unsafeDefinerFunctions(q)).toEqual([]);
  });

  test('every SECURITY DEFINER one is PL/pgSQL, whose plans are kept', async () => {
    expect(await sqlDefinerFunctions(q)).toEqual([]);
  });

  test('every one carries a comment (the plan citation)', async () => {
    expect(await uncommentedFunctions(q)).toEqual([]);
  });

  test('a LEAKPROOF function, a SECURITY DEFINER one with no or an unsafe search_path or in SQL, and one without a comment are flagged', async () => {
    await rolledBack(async (tx) => {
      await tx(`CREATE FUNCTION lap.catalog_probe_leaky(a int) RETURNS boolean LANGUAGE sql IMMUTABLE LEAKPROOF AS 'SELECT a > 0'`);
      await tx(`COMMENT ON FUNCTION lap.catalog_probe_leaky(int) IS 'probe'`);
      await tx(`CREATE FUNCTION lap.catalog_probe_definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'`);
      await tx(`COMMENT ON FUNCTION lap.catalog_probe_definer() IS 'probe'`);
      await tx(`CREATE FUNCTION lap.catalog_probe_temp_first() RETURNS int LANGUAGE sql SECURITY DEFINER SET search_path = pg_temp, public AS 'SELECT 1'`);
      await tx(`COMMENT ON FUNCTION lap.catalog_probe_temp_first() IS 'probe'`);
      await tx(`CREATE FUNCTION lap.catalog_probe_silent() RETURNS int LANGUAGE sql AS 'SELECT 1'`);
      await tx(`CREATE FUNCTION public.catalog_probe_public_definer() RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT 1'`);
      expect(await leakproofFunctions(tx)).toEqual(['lap.catalog_probe_leaky(integer)']);
      expect(await unsafeDefinerFunctions(tx)).toEqual([
        'catalog_probe_public_definer(): no search_path',
        'lap.catalog_probe_definer(): no search_path',
        'lap.catalog_probe_temp_first(): search_path does not end in pg_temp',
      ]);
      expect(await uncommentedFunctions(tx)).toEqual(['lap.catalog_probe_silent()']);
      expect(await sqlDefinerFunctions(tx)).toEqual(['lap.catalog_probe_definer()', 'lap.catalog_probe_temp_first()']);
    });
  });
});

/**
 * Tables the viewer role may write (INSERT, UPDATE or DELETE, on the table or on a column) without the restrictive
 * policies that refuse an API key's writes (DOMAIN §8: a key is read-only), named `table: COMMAND`.
 */
async function writableWithoutKeyRefusal(q: Query): Promise<string[]> {
  const rows = await q(
    `WITH cmd(p, polcmd, name) AS (VALUES ('INSERT', 'a', 'api_key_no_insert'), ('UPDATE', 'w', 'api_key_no_update'), ('DELETE', 'd', 'api_key_no_delete'))
     SELECT c.relname || ': ' || cmd.p AS problem FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace CROSS JOIN cmd
     WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
       AND (has_table_privilege('lap_viewer', c.oid, cmd.p)
            OR (cmd.p <> 'DELETE' AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                                             AND has_column_privilege('lap_viewer', c.oid, a.attnum, cmd.p))))
       AND NOT EXISTS (SELECT 1 FROM pg_policy pol WHERE pol.polrelid = c.oid AND NOT pol.polpermissive AND pol.polcmd = cmd.polcmd
                         AND pol.polname = cmd.name AND 'lap_viewer'::regrole = ANY (pol.polroles)
                         AND pg_get_expr(pol.polqual, pol.polrelid) IS NOT DISTINCT FROM CASE WHEN cmd.p = 'INSERT' THEN NULL ELSE '(( SELECT lap.viewer_api_key() AS viewer_api_key) IS NULL)' END
                         AND pg_get_expr(pol.polwithcheck, pol.polrelid) IS NOT DISTINCT FROM CASE WHEN cmd.p = 'DELETE' THEN NULL ELSE '(( SELECT lap.viewer_api_key() AS viewer_api_key) IS NULL)' END)
     ORDER BY 1`,
  );
  return rows.map((r) => r.problem);
}

describe('API keys are read-only in the database too (DOMAIN §8)', () => {
  test('every table the viewer role may write refuses an API key’s inserts, updates and deletes (restrictive policies)', async () => {
    const writable = await q(
      `SELECT count(*)::int AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind = 'r' AND has_table_privilege('lap_viewer', c.oid, 'INSERT')`,
    );
    expect(writable[0].n).toBeGreaterThanOrEqual(20);
    expect(await writableWithoutKeyRefusal(q)).toEqual([]);
  });

  test('a writable table without them, or with a different condition, is flagged', async () => {
    await rolledBack(async (tx) => {
      await tx(`CREATE TABLE public.catalog_probe_writable (id int)`);
      await tx(`GRANT INSERT ON public.catalog_probe_writable TO lap_viewer`);
      await tx(`DROP POLICY api_key_no_delete ON case_share`);
      await tx(`CREATE POLICY api_key_no_delete ON case_share AS RESTRICTIVE FOR DELETE TO lap_viewer USING (true)`);
      expect(await writableWithoutKeyRefusal(tx)).toEqual(['case_share: DELETE', 'catalog_probe_writable: INSERT']);
    });
  });
});
