import 'reflect-metadata';
import type { QueryRunner } from 'typeorm';
import { DEFINER_HELPERS, DefinerPlansKept1764920000000 } from '../../src/db/migrations/1764920000000-DefinerPlansKept';
import { openPolicyDb, PolicyDb } from '../support/as-viewer';
import { rolledBack } from '../support/migration';

/**
 * DefinerPlansKept changes the language of the SECURITY DEFINER helpers of `lap` (SQL → PL/pgSQL), not what they
 * answer. On the demo network, every helper is asked, with the settings of every demo person and of an anonymous
 * caller, for every row it can be asked about, once as the migration left it and once with its `down` applied; the
 * answers must be the same. `down` then `up` must give back exactly the definitions the migrations made.
 */

let pdb: PolicyDb;
beforeAll(async () => {
  pdb = await openPolicyDb();
});
afterAll(async () => {
  await pdb?.close();
});

/** Each helper's language and whole definition, by signature. */
async function definitions(q: QueryRunner): Promise<Record<string, { language: string; definition: string }>> {
  const out: Record<string, { language: string; definition: string }> = {};
  for (const fn of DEFINER_HELPERS) {
    const [row] = await q.query(
      `SELECT l.lanname AS language, pg_get_functiondef(p.oid) AS definition FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
        WHERE p.oid = $1::regprocedure`,
      [fn],
    );
    out[fn] = row;
  }
  return out;
}

/** Every question each helper can be asked on the demo network (each column named: a row's values are compared in order). */
const QUESTIONS: Record<string, string> = {
  'lap.settled_status(uuid, timestamptz)': `SELECT p.id, d, lap.settled_status(p.id, d) FROM participant p,
    unnest(ARRAY[p.objection_deadline, p.objection_deadline - interval '1 day', p.objection_deadline + interval '1 day', now()]) d WHERE d IS NOT NULL`,
  'lap.questionnaire_response_owned(uuid)': `SELECT r.id, lap.questionnaire_response_owned(r.id) FROM questionnaire_response r`,
  'lap.person_organization(uuid)': `SELECT pe.id, lap.person_organization(pe.id) FROM person pe`,
  'lap.training_organizer(uuid)': `SELECT t.id, lap.training_organizer(t.id) FROM training_session t`,
  'lap.education_project_lead(uuid)': `SELECT ep.id, lap.education_project_lead(ep.id) FROM education_project ep`,
  'lap.open_application_ids()': `SELECT * FROM lap.open_application_ids()`,
  'lap.viewer_of(uuid, text, timestamptz)': `SELECT pe.id, v.person_id AS by_id, v.own_org AS org_by_id, v.kind AS kind_by_id,
    w.person_id AS by_email, w.own_org AS org_by_email, w.kind AS kind_by_email FROM person pe,
    LATERAL lap.viewer_of(pe.id, NULL, now()) v, LATERAL lap.viewer_of(NULL, upper(pe.email), now() + interval '400 days') w`,
  'lap.case_lead(uuid)': `SELECT c.id, lap.case_lead(c.id) FROM enforcement_case c`,
  'lap.case_tlp(uuid)': `SELECT c.id, lap.case_tlp(c.id) FROM enforcement_case c`,
  'lap.viewer_named_report_ids()': `SELECT * FROM lap.viewer_named_report_ids()`,
  'lap.viewer_call_ids()': `SELECT * FROM lap.viewer_call_ids()`,
  'lap.questionnaire_response_visible(uuid)': `SELECT r.id, lap.questionnaire_response_visible(r.id) FROM questionnaire_response r`,
  'lap.questionnaire_audience(uuid)': `SELECT qn.id, lap.questionnaire_audience(qn.id) FROM questionnaire qn`,
  'lap.viewer_answered(uuid)': `SELECT qn.id, lap.viewer_answered(qn.id) FROM questionnaire qn`,
  'lap.api_key_active(uuid, timestamptz)': `SELECT k.id, lap.api_key_active(k.id, now()) AS active_now, lap.api_key_active(k.id, now() + interval '400 days') AS active_later FROM api_key k`,
  'lap.viewer_segment_ids()': `SELECT * FROM lap.viewer_segment_ids()`,
  'lap.viewer_segment_participants()': `SELECT * FROM lap.viewer_segment_participants()`,
};

type Answers = Record<string, Record<string, string[]>>;

async function answers(q: QueryRunner, people: Array<string | null>): Promise<Answers> {
  const out: Answers = {};
  for (const person of people) {
    await q.query(`SAVEPOINT ask`);
    // The settings a request of this person makes (src/db/viewer-db.ts), from the lookup itself.
    await q.query(
      `SELECT set_config('lap.kind', coalesce(v.kind, 'ANONYMOUS'), true), set_config('lap.person_id', coalesce(v.person_id::text, ''), true),
              set_config('lap.own_org', coalesce(v.own_org::text, ''), true),
              set_config('lap.member_org', CASE WHEN coalesce(v.kind, 'ANONYMOUS') = 'ANONYMOUS' THEN '' ELSE coalesce(v.own_org::text, '') END, true),
              set_config('lap.api_key', '', true), set_config('lap.now', now()::text, true)
         FROM (SELECT 1) one LEFT JOIN lap.viewer_of($1::uuid, NULL, now()) v ON true`,
      [person],
    );
    const mine: Record<string, string[]> = {};
    for (const [fn, question] of Object.entries(QUESTIONS)) {
      const rows = (await q.query(question)) as Array<Record<string, unknown>>;
      mine[fn] = rows.map((r) => JSON.stringify(Object.values(r))).sort();
    }
    await q.query(`ROLLBACK TO SAVEPOINT ask`);
    out[person ?? 'anonymous'] = mine;
  }
  return out;
}

test('the helpers are PL/pgSQL, answer as their SQL did for every demo viewer, and down then up restores them exactly', async () => {
  await rolledBack(pdb.ds, async (q) => {
    expect(Object.keys(QUESTIONS).sort()).toEqual([...DEFINER_HELPERS].sort());
    // The demo has no API keys: one working, one revoked, one that expires within the 400 days asked about, for every
    // organization (whose status decides too).
    await q.query(
      `INSERT INTO api_key (organization_id, name, prefix, secret_hash, created_by_id, expires_at, revoked_at, revoked_by_id)
       SELECT pe.organization_id, k.name, 'lapk_' || translate(left(md5(pe.id::text || k.name), 8), '0189', 'wxyz'),
              decode(md5(pe.id::text) || md5(k.name), 'hex'), pe.id, now() + k.expires, k.revoked, CASE WHEN k.revoked IS NOT NULL THEN pe.id END
         FROM (SELECT DISTINCT ON (organization_id) id, organization_id FROM person ORDER BY organization_id, id) pe,
              (VALUES ('working', NULL::interval, NULL::timestamptz), ('revoked', NULL, now()), ('expiring', interval '30 days', NULL)) k(name, expires, revoked)`,
    );
    const people = [null, ...((await q.query(`SELECT id FROM person ORDER BY id`)) as Array<{ id: string }>).map((r) => r.id)];
    const made = await definitions(q);
    for (const fn of DEFINER_HELPERS) expect([fn, made[fn].language]).toEqual([fn, 'plpgsql']);
    const after = await answers(q, people);

    const migration = new DefinerPlansKept1764920000000();
    await migration.down(q);
    const sql = await definitions(q);
    for (const fn of DEFINER_HELPERS) expect([fn, sql[fn].language]).toEqual([fn, 'sql']);
    const before = await answers(q, people);
    await migration.up(q);

    expect(after).toEqual(before);
    expect(await definitions(q)).toEqual(made);
    // Not an agreement on nothing: the demo network gives every helper something to answer, for someone.
    for (const fn of DEFINER_HELPERS) {
      expect([fn, Object.values(after).some((mine) => mine[fn].length > 0)]).toEqual([fn, true]);
    }
    // Answers that differ by viewer and by row: some members take part in segments and some not; keys work and do not.
    const segments = Object.values(after).map((mine) => mine['lap.viewer_segment_ids()'].length);
    expect(Math.min(...segments)).toBe(0);
    expect(Math.max(...segments)).toBeGreaterThan(0);
    const keys = after.anonymous['lap.api_key_active(uuid, timestamptz)'].join();
    expect(keys).toContain('true,true');
    expect(keys).toContain('true,false');
    expect(keys).toContain('false,false');
  });
});

test('the migration refuses a helper it did not expect: one already rewritten, or one that no longer exists', async () => {
  await rolledBack(pdb.ds, async (q) => {
    await expect(new DefinerPlansKept1764920000000().up(q)).rejects.toThrow('lap.settled_status(uuid, timestamptz): written in plpgsql, not SQL');
  });
  await rolledBack(pdb.ds, async (q) => {
    await q.query(`DROP FUNCTION lap.case_tlp(uuid) CASCADE`);
    await expect(new DefinerPlansKept1764920000000().down(q)).rejects.toThrow();
  });
});
