import type { DataSource } from 'typeorm';
import type { GqlResult, TestHub } from './hub';

/** The core tables a mutation of cases, calls or participants may write. */
export const coreTables = [
  'country', 'participant', 'person', 'enforcement_case', 'case_country', 'case_share',
  'conference_call', 'call_segment', 'call_segment_invitation', 'call_segment_case', 'call_exclusion',
] as const;

export type TableRows = Record<string, string[]>;

/**
 * Every row of the given tables, as sorted JSON text: compare a snapshot taken before a refused mutation with one taken
 * after it to show that nothing was written.
 */
export async function tableRows(ds: DataSource, tables: readonly string[] = coreTables): Promise<TableRows> {
  const out: TableRows = {};
  for (const table of tables) {
    const rows = (await ds.query(`SELECT to_jsonb(t)::text AS r FROM ${table} t`)) as Array<{ r: string }>;
    out[table] = rows.map((x) => x.r).sort();
  }
  return out;
}

/** What a refused operation answers: no data, exactly one error with this code (and, when given, this message). */
export interface Refusal {
  code: 'FORBIDDEN' | 'BAD_USER_INPUT';
  message?: string;
}

/**
 * Runs an operation that must be refused and checks the refusal and that no row of the core tables changed.
 * Returns the response, so that two refusals can be compared with each other.
 */
export async function expectRefused(
  hub: TestHub,
  as: string | null,
  query: string,
  variables: Record<string, unknown>,
  refusal: Refusal,
): Promise<GqlResult['body']> {
  const before = await tableRows(hub.ds);
  const r = await hub.gql(query, { as, variables });
  const errors = (r.body.errors ?? []).map((e) => ({ code: e.extensions?.code, ...(refusal.message === undefined ? {} : { message: e.message }) }));
  expect({ data: r.body.data ?? null, errors }).toEqual({ data: null, errors: [refusal] });
  expect(await tableRows(hub.ds)).toEqual(before);
  return r.body;
}
