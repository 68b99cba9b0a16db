import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { sqlStatements } from '../metrics';

/**
 * Counts the SQL statements sent on behalf of one unit of work (a GraphQL request). The counter rides on
 * AsyncLocalStorage, so concurrent requests never mix their counts. Used by the query-count tests and the benchmark;
 * every statement also counts in the `laphub_sql_statements_total` metric.
 */
const store = new AsyncLocalStorage<{ statements: number }>();
let installed = false;

export function installStatementCounter(): void {
  if (installed) return;
  installed = true;
  const original = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    const counter = store.getStore();
    if (counter) counter.statements++;
    sqlStatements.inc();
    return original.apply(this, args);
  } as typeof pg.Client.prototype.query;
}

export function runCounted<T>(counter: { statements: number }, fn: () => T): T {
  return store.run(counter, fn);
}

/** Runs `fn` outside any request's count: work of the system that a request only started (the audit trail's writes). */
export function uncounted<T>(fn: () => T): T {
  return store.exit(fn);
}
