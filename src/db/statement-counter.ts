import pg from 'pg';
import { sqlStatements } from '../metrics';

/**
 * Counts the SQL statements sent on behalf of one unit of work (a GraphQL request, a live event's delivery): the
 * `X-SQL-Statements` header the query-count tests and the benchmark read. A count rides on the connections the unit of
 * work takes (`countOn` when it takes one, `countOn(client, null)` when it gives it back), so concurrent requests never
 * mix their counts and a statement is counted where it is sent. Every statement also counts in the
 * `laphub_sql_statements_total` metric.
 *
 * Not AsyncLocalStorage: on Node 20 an active store puts a hook on every promise the process makes, which cost the
 * hub about a fifth of its CPU per request (measured with `npm run bench`, the case detail).
 */
export interface StatementCount {
  statements: number;
}

const COUNT = Symbol('lap.statementCount');
type Counted = pg.Client & { [COUNT]?: StatementCount | null };
let installed = false;

export function installStatementCounter(): void {
  if (installed) return;
  installed = true;
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function countedQuery(this: Counted, ...args: unknown[]) {
    const count = this[COUNT];
    if (count) count.statements++;
    sqlStatements.inc();
    return original.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

/** Counts the statements sent on `client` from now on in `count` (none: no longer counted). */
export function countOn(client: pg.Client, count: StatementCount | null | undefined): void {
  (client as Counted)[COUNT] = count ?? null;
}
