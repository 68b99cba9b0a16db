import { join, raw, Sql, sql } from '../db/sql';
import type { ViewerDb } from '../db/viewer-db';
import { badInput } from './errors';
import { decodeCursor, encodeCursor, Page, pageSize } from './connection';

export interface OrderKey {
  /** SQL expression of the sort key, e.g. `c.harm_score`. Code-chosen, never user input. */
  expr: string;
  direction: 'ASC' | 'DESC';
  /** SQL type the cursor's text value is cast to. */
  type: 'integer' | 'timestamptz' | 'uuid' | 'text';
}

export interface PageQuery<T> {
  /** `FROM` clause, aliases included. */
  from: Sql;
  /** `SELECT` list of a row. */
  select: Sql;
  /** Row scope and filters, already combined. */
  where: Sql;
  /** Sort keys; the last one must be unique (the id) so that cursors are exact. */
  order: OrderKey[];
  first?: number | null;
  after?: string | null;
  /**
   * `totalCount` is asked for: the count is sent with the page's statement (one round trip for both on the request's
   * pipelined connection) rather than when the field resolves.
   */
  withCount?: boolean;
  hydrate: (rows: Record<string, unknown>[]) => T[];
}

/**
 * Keyset pagination over a scoped query: one statement for the page (first + 1 rows, to know whether there is a next
 * page) and, only if `totalCount` is asked for, one count under the same scope and filters. Cursors carry the sort
 * keys as PostgreSQL text, so they are exact to the microsecond.
 */
export async function paginate<T>(db: ViewerDb, q: PageQuery<T>): Promise<Page<T>> {
  const limit = pageSize(q.first);
  const conditions = [q.where];
  if (q.after) {
    const values = decodeCursor(q.after, q.order.length).map(String);
    q.order.forEach((k, i) => {
      if (!validKey[k.type](values[i])) throw badInput('after', 'is not a cursor of this list');
    });
    conditions.push(keysetAfter(q.order, values));
  }
  const keys = join(
    q.order.map((k, i) => raw(`${k.expr}::text AS __o${i}`)),
    ', ',
  );
  const orderBy = raw(q.order.map((k) => `${k.expr} ${k.direction}`).join(', '));
  // first + 1 rows (also for first: 0), to know whether there is a next page.
  const pageRows = db
          .rows(sql`SELECT ${q.select}, ${keys} FROM ${q.from} WHERE ${join(conditions, ' AND ')} ORDER BY ${orderBy} LIMIT ${limit + 1}`)
          .catch((err: { code?: unknown }) => {
            // A cursor whose values pass the shape checks but not PostgreSQL's (an integer or a date out of range):
            // a data exception (SQLSTATE class 22) is bad input, not an internal error.
            if (q.after && typeof err.code === 'string' && err.code.startsWith('22')) throw badInput('after', 'is not a cursor of this list');
            throw err;
          });
  let counted: Promise<number> | undefined;
  const count = () =>
    (counted ??= db
      .rows(sql`SELECT count(*)::int AS n FROM ${q.from} WHERE ${q.where}`)
      .then((r) => Number(r[0].n)));
  // Its failure is the field's (or, behind a failed page, nobody's: the page's error answers).
  if (q.withCount) count().catch(() => undefined);
  const rows = await pageRows;
  const hasNextPage = rows.length > limit;
  const shown = rows.slice(0, limit);
  const nodes = q.hydrate(shown);
  const cursor = (n: number) => encodeCursor(q.order.map((_, i) => shown[n][`__o${i}`] as string));
  return {
    nodes,
    cursor,
    hasNextPage,
    hasPreviousPage: !!q.after,
    count,
  };
}

/** Rows strictly after the cursor in the given order: (k1 > v1) OR (k1 = v1 AND k2 > v2) … with > or < per direction. */
function keysetAfter(order: OrderKey[], values: string[]): Sql {
  const disjuncts: Sql[] = order.map((key, i) => {
    const equalities = order.slice(0, i).map((k, j) => sql`${raw(k.expr)} = ${values[j]}::${raw(k.type)}`);
    const op = key.direction === 'ASC' ? '>' : '<';
    const strict = sql`${raw(key.expr)} ${raw(op)} ${values[i]}::${raw(key.type)}`;
    return sql`(${join([...equalities, strict], ' AND ')})`;
  });
  return sql`(${join(disjuncts, ' OR ')})`;
}

const validKey: Record<OrderKey['type'], (v: string) => boolean> = {
  integer: (v) => /^-?\d{1,10}$/.test(v),
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  timestamptz: (v) => /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,6})?[+-]\d{2}(:\d{2})?$/.test(v),
  text: () => true,
};
