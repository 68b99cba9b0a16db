import { createHash } from 'node:crypto';
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
  /**
   * The list is small (the network's conference calls: a few a quarter): when `totalCount` is asked for, the page and
   * the count come from one scan of the rows in scope (a materialized CTE), so that row-level security decides each row
   * once rather than once for the page and again for the count. Not for large lists: the scan reads every row in scope.
   */
  countInOneScan?: boolean;
  /**
   * More of each row, read in the page's own statement rather than in statements of their own once its rows are in
   * (a case board's lead agencies and countries: `CaseData.page`): the page is then a materialized CTE, `__page` — its
   * rows (first + 1, in order) with `__n`, their place from 1 — and the statement answers `__page.*` and `columns`,
   * `from __page` and `joins`, after `with` (CTEs of their own, which may read `__page`). Not with `countInOneScan`.
   */
  around?: PageAround;
  hydrate: (rows: Record<string, unknown>[]) => T[];
}

export interface PageAround {
  with?: Sql;
  columns: Sql;
  joins?: Sql;
}

/**
 * Keyset pagination over a scoped query: one statement for the page (first + 1 rows, to know whether there is a next
 * page) and, only if `totalCount` is asked for, one count under the same scope and filters. Cursors carry the sort
 * keys as PostgreSQL text, so they are exact to the microsecond.
 */
export async function paginate<T>(db: ViewerDb, q: PageQuery<T>): Promise<Page<T>> {
  const limit = pageSize(q.first);
  const order = q.order.map(bytewise);
  const tag = listTag(q.from, order);
  let after: string[] | undefined;
  // An empty `after` names no position: refused as any other string that is no cursor (not read as "no cursor").
  if (q.after != null) {
    after = decodeCursor(q.after, order.length, tag).map(String);
    order.forEach((k, i) => {
      if (!validKey[k.type](after![i])) throw badInput('after', 'is not a cursor of this list');
    });
  }
  const keys = join(
    order.map((k, i) => raw(`${k.expr}::text AS __o${i}`)),
    ', ',
  );
  const oneScan = q.withCount === true && q.countInOneScan === true;
  if (q.around && q.countInOneScan) throw new Error('paginate: `around` is not read with `countInOneScan`');
  let statement: Sql;
  if (oneScan) {
    // The rows in scope once (each decided once by row-level security), their number, and the page of them.
    const inScope = order.map((k, i) => bytewise({ ...k, expr: `v.__s${i}` }));
    const sortKeys = join(
      order.map((k, i) => raw(`${k.expr} AS __s${i}`)),
      ', ',
    );
    statement = sql`WITH v AS MATERIALIZED (SELECT ${q.select}, ${keys}, ${sortKeys} FROM ${q.from} WHERE ${q.where})
      SELECT v.*, (SELECT count(*)::int FROM v) AS __total FROM v
      WHERE ${after ? keysetAfter(inScope, after) : raw('TRUE')} ORDER BY ${orderBy(inScope)} LIMIT ${limit + 1}`;
  } else {
    const where = join(after ? [q.where, keysetAfter(order, after)] : [q.where], ' AND ');
    if (q.around) {
      // The page's rows, read once as the plain statement below reads them, then what they name, read as the viewer
      // under their own tables' policies; the rows leave in the page's order (`__n`).
      const { with: ctes, columns, joins } = q.around;
      statement = sql`WITH __page AS MATERIALIZED (SELECT ${q.select}, ${keys}, (row_number() OVER (ORDER BY ${orderBy(order)}))::int AS __n
          FROM ${q.from} WHERE ${where} ORDER BY ${orderBy(order)} LIMIT ${limit + 1})${ctes ? sql`, ${ctes}` : raw('')}
        SELECT __page.*, ${columns} FROM __page ${joins ?? raw('')} ORDER BY __page.__n`;
    } else {
      statement = sql`SELECT ${q.select}, ${keys} FROM ${q.from} WHERE ${where} ORDER BY ${orderBy(order)} LIMIT ${limit + 1}`;
    }
  }
  // first + 1 rows (also for first: 0), to know whether there is a next page.
  const pageRows = db.rows(statement).catch((err: { code?: unknown }) => {
    // A cursor whose values pass the shape checks but not PostgreSQL's (an integer or a date out of range):
    // a data exception (SQLSTATE class 22) is bad input, not an internal error.
    if (q.after != null && typeof err.code === 'string' && err.code.startsWith('22')) throw badInput('after', 'is not a cursor of this list');
    throw err;
  });
  const countStatement = () => db.rows(sql`SELECT count(*)::int AS n FROM ${q.from} WHERE ${q.where}`).then((r) => Number(r[0].n));
  // In one scan: the count is on every row of the page; a page with no row after a cursor still needs it counted.
  let counted: Promise<number> | undefined = oneScan
    ? pageRows.then((rows) => (rows.length > 0 ? Number(rows[0].__total) : after ? countStatement() : 0))
    : undefined;
  const count = () => (counted ??= countStatement());
  // Its failure is the field's (or, behind a failed page, nobody's: the page's error answers).
  if (q.withCount) count().catch(() => undefined);
  const rows = await pageRows;
  const hasNextPage = rows.length > limit;
  const shown = rows.slice(0, limit);
  const nodes = q.hydrate(shown);
  const cursor = (n: number) => encodeCursor(tag, order.map((_, i) => shown[n][`__o${i}`] as string));
  return {
    nodes,
    cursor,
    hasNextPage,
    hasPreviousPage: q.after != null,
    count,
  };
}

/**
 * A text key compared by its bytes (`COLLATE "C"`: code-point order), as the network report orders its keys: the same
 * order, and so the same pages and cursors, on the embedded database and on any PostgreSQL, whatever its collation
 * (an en-US one puts `Canadian…` before `CGI.br`, code-point order after it).
 */
function bytewise(key: OrderKey): OrderKey {
  return key.type === 'text' ? { ...key, expr: `(${key.expr} COLLATE "C")` } : key;
}

/** The tags of the lists paginated so far, by the list's tables and order (code-chosen: a handful of entries). */
const listTags = new Map<string, string>();

/**
 * What a cursor says of its list: the tables it pages and the order it pages them in, as a short hash. A cursor of
 * another list or another order (of `reports` given to `cases`, of past calls given to upcoming ones) is then bad
 * input, as a malformed one is, instead of a position read in an order it was not made in.
 */
function listTag(from: Sql, order: OrderKey[]): string {
  const key = `${from.compile().text}|${order.map((k) => `${k.expr} ${k.direction}`).join(',')}`;
  let tag = listTags.get(key);
  if (tag === undefined) {
    tag = createHash('sha256').update(key).digest('base64url').slice(0, 8);
    listTags.set(key, tag);
  }
  return tag;
}

function orderBy(order: OrderKey[]): Sql {
  return raw(order.map((k) => `${k.expr} ${k.direction}`).join(', '));
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

/**
 * Whether a cursor's value can be cast to its key's type. Checked before the statement is sent: a value PostgreSQL
 * refuses would fail the statement and abort the request's transaction, failing every other field of the request too.
 * (`paginate`'s catch still answers a value PostgreSQL refuses as bad input, should one get past these.)
 */
const validKey: Record<OrderKey['type'], (v: string) => boolean> = {
  integer: (v) => /^-?\d{1,10}$/.test(v) && Number(v) >= -2147483648 && Number(v) <= 2147483647,
  uuid: (v) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
  timestamptz: (v) => {
    const m = /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]) ([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,6})?[+-](0\d|1[0-5])(:[0-5]\d)?$/.exec(v);
    // A day the month has (no 30 February); years 0001–9999, PostgreSQL's range for these.
    return !!m && Number(m[1]) >= 1 && new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDate() === Number(m[3]);
  },
  text: () => true,
};
