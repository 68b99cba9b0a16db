import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The SECURITY DEFINER helpers of `lap` run as PL/pgSQL: same signatures, same SQL, same rights; only the language that
 * runs their one statement changes, so that PostgreSQL keeps its plan.
 *
 * A SECURITY DEFINER function is never inlined into the statement that calls it. Written in SQL, its statement is parsed
 * and planned again at every execution of every statement that calls it — the credential's lookup
 * (`lap.viewer_of`) at every request, the segments a member takes part in (`lap.viewer_segment_ids`) at every statement
 * of a call, a case's lead (`lap.case_lead`) in the share and country policies. PL/pgSQL keeps the plan of its
 * statement for the connection (a generic one once it is no dearer than the custom plans; the hub's connections live
 * long). Measured on the bench network side by side (two hubs on two copies of one database, 2-second rounds
 * alternating): a private member's call agenda ×1.5 requests per second, `me` ×1.17, the case detail ×1.10, the
 * 100- and 500-row boards unchanged; PostgreSQL's CPU per request 0.5–0.9 of what it was.
 *
 * The bodies are read from the catalog and wrapped, not written out again here: `RETURN (<statement>)` for a value
 * (each of these statements returns at most one row), `RETURN QUERY <statement>` for a set. Their parameters are
 * referred to by position and their columns qualified, so no name in them can be taken for a PL/pgSQL variable.
 * test/policy/catalog.test.ts fails on any SECURITY DEFINER function of `lap` written in SQL.
 */
export const DEFINER_HELPERS = [
  'lap.settled_status(uuid, timestamptz)',
  'lap.questionnaire_response_owned(uuid)',
  'lap.person_organization(uuid)',
  'lap.training_organizer(uuid)',
  'lap.education_project_lead(uuid)',
  'lap.open_application_ids()',
  'lap.viewer_of(uuid, text, timestamptz)',
  'lap.case_lead(uuid)',
  'lap.case_tlp(uuid)',
  'lap.viewer_named_report_ids()',
  'lap.viewer_call_ids()',
  'lap.questionnaire_response_visible(uuid)',
  'lap.questionnaire_audience(uuid)',
  'lap.viewer_answered(uuid)',
  'lap.api_key_active(uuid, timestamptz)',
  'lap.viewer_segment_ids()',
  'lap.viewer_segment_participants()',
];

type Definition = { args: string; result: string; body: string; language: string; retset: boolean; volatility: string; config: string[] | null };

async function definition(q: QueryRunner, fn: string): Promise<Definition> {
  const [row] = (await q.query(
    `SELECT pg_get_function_arguments(p.oid) AS args, pg_get_function_result(p.oid) AS result, p.prosrc AS body,
            l.lanname AS language, p.proretset AS retset, p.provolatile AS volatility, p.proconfig AS config
       FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang WHERE p.oid = $1::regprocedure AND p.prosecdef`,
    [fn],
  )) as Definition[];
  if (!row) throw new Error(`${fn}: no such SECURITY DEFINER function`);
  return row;
}

/** `CREATE OR REPLACE` of `fn` with its own signature, volatility, rights and settings, in `language`, with `body`. */
function recreate(fn: string, d: Definition, language: 'sql' | 'plpgsql', body: string): string {
  const name = fn.slice(0, fn.indexOf('('));
  const volatility = { i: 'IMMUTABLE', s: 'STABLE', v: 'VOLATILE' }[d.volatility];
  const settings = (d.config ?? []).map((c) => {
    const [setting, value] = [c.slice(0, c.indexOf('=')), c.slice(c.indexOf('=') + 1)];
    return ` SET ${setting} = ${value.split(',').map((v) => `'${v.trim().replace(/'/g, "''")}'`).join(', ')}`;
  });
  if (body.includes('$lap_body$')) throw new Error(`${fn}: its body cannot be quoted`);
  return `CREATE OR REPLACE FUNCTION ${name}(${d.args}) RETURNS ${d.result} LANGUAGE ${language} ${volatility} SECURITY DEFINER${settings.join('')}
    AS $lap_body$${body}$lap_body$`;
}

/** What `up` made of a set's statement, and of a value's. */
const WRAPPED_SET = /^BEGIN RETURN QUERY ([\s\S]*); END$/;
const WRAPPED_VALUE = /^BEGIN RETURN \(([\s\S]*)\); END$/;

export class DefinerPlansKept1764920000000 implements MigrationInterface {
  name = 'DefinerPlansKept1764920000000';

  async up(q: QueryRunner): Promise<void> {
    for (const fn of DEFINER_HELPERS) {
      const d = await definition(q, fn);
      if (d.language !== 'sql') throw new Error(`${fn}: written in ${d.language}, not SQL`);
      const statement = d.body.trim().replace(/;$/, '');
      await q.query(recreate(fn, d, 'plpgsql', d.retset ? `BEGIN RETURN QUERY ${statement}; END` : `BEGIN RETURN (${statement}); END`));
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const fn of DEFINER_HELPERS) {
      const d = await definition(q, fn);
      const m = d.language === 'plpgsql' ? (d.retset ? WRAPPED_SET : WRAPPED_VALUE).exec(d.body) : null;
      if (!m) throw new Error(`${fn}: not a statement this migration wrapped`);
      await q.query(recreate(fn, d, 'sql', ` ${m[1]} `));
    }
  }
}
