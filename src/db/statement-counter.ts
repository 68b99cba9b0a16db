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
const OWED = Symbol('lap.owedCommit');
/** A `COMMIT` a connection owes (`oweCommit`): the timer that sends it if nobody else does first, and who hears of its failure. */
interface Owed {
  timer: NodeJS.Timeout;
  failed: (err: Error) => void;
}
type Stream = { cork?(): void; uncork?(): void };
type Counted = pg.Client & { [COUNT]?: StatementCount | null; [OWED]?: Owed | null; connection?: { stream?: Stream } };
type Query = (this: pg.Client, ...args: unknown[]) => Promise<unknown>;
let installed = false;
/** An owed `COMMIT` is being sent (`payOwedCommit`): counted already, when it was owed. */
let paying = false;
/** The connections that owe a `COMMIT` now. */
const owing = new Set<Counted>();

/**
 * Wraps `pg.Client.prototype.query`, the one way a statement reaches a connection (the data layer, the pool's own
 * `query`, TypeORM's query runners): each statement is counted, and a connection that owes a `COMMIT` (`oweCommit`)
 * sends it first, in the same write, before anything else it is asked to send.
 */
export function installStatementCounter(): void {
  if (installed) return;
  installed = true;
  const send = pg.Client.prototype.query as unknown as Query;
  pg.Client.prototype.query = function countedQuery(this: Counted, ...args: unknown[]) {
    if (paying) return send.apply(this, args);
    const count = this[COUNT];
    if (count) count.statements++;
    sqlStatements.inc();
    if (!this[OWED]) return send.apply(this, args);
    const stream = this.connection?.stream;
    const corks = typeof stream?.cork === 'function' && typeof stream.uncork === 'function';
    if (corks) stream.cork!();
    try {
      payOwedCommit(this);
      return send.apply(this, args);
    } finally {
      if (corks) stream.uncork!();
    }
  } as unknown as typeof pg.Client.prototype.query;
}

/**
 * How long a connection back in the pool keeps a read-only transaction's `COMMIT` to itself (`oweCommit`) before it
 * sends it on its own: long enough for the next request to take the connection under load, far too short to hold back
 * anything (a read-only transaction holds no row lock; its table locks only make a schema change wait that long).
 */
export const OWED_COMMIT_IDLE_MS = 5;

/**
 * Ends a read-only transaction by owing its `COMMIT` instead of sending it: the statement any code next sends on this
 * connection is preceded by the `COMMIT`, in the same write (`installStatementCounter`), and a connection nobody takes
 * sends it after `OWED_COMMIT_IDLE_MS`. So under load the `COMMIT` travels with the next request's first statement:
 * one write of the hub and one wake-up of PostgreSQL fewer per request. Whatever runs next on the connection runs
 * after the `COMMIT`, never inside the transaction (nor as its role, nor with its settings, which end with it). Only
 * for a transaction that wrote nothing (its `COMMIT` has nothing to lose or refuse) on a connection of its own
 * session (not an embedded PGlite, whose one session every connection shares). Counted as sent now, where it belongs.
 * `failed` hears of a `COMMIT` that failed (the connection lost): the next statement on it fails as well.
 */
export function oweCommit(client: pg.Client, failed: (err: Error) => void): void {
  const c = client as Counted;
  if (c[OWED]) payOwedCommit(c);
  const count = c[COUNT];
  if (count) count.statements++;
  sqlStatements.inc();
  const timer = setTimeout(() => {
    if (c[OWED]?.timer === timer) payOwedCommit(c);
  }, OWED_COMMIT_IDLE_MS);
  timer.unref();
  c[OWED] = { timer, failed };
  owing.add(c);
}

/**
 * The `COMMIT` the connection owes (`oweCommit`), taken by a caller that sends it itself as the first statement of its
 * own simple-protocol message (`COMMIT; BEGIN …`: one answer of PostgreSQL instead of two): `'COMMIT; '`, or `''` when
 * nothing is owed. The transaction it ends read nothing it could lose; a failure of that message is its sender's
 * (the connection lost, the next transaction not begun), so the owed one's `failed` is not called.
 */
export function takeOwedCommit(client: pg.Client): string {
  const c = client as Counted;
  const owed = c[OWED];
  if (!owed) return '';
  c[OWED] = null;
  owing.delete(c);
  clearTimeout(owed.timer);
  return 'COMMIT; ';
}

/** Whether `client` owes a `COMMIT` (`oweCommit`) it has not sent yet. */
export function owesCommit(client: pg.Client): boolean {
  return Boolean((client as Counted)[OWED]);
}

/** How many connections owe a `COMMIT` now. */
export function owedCommits(): number {
  return owing.size;
}

/** Sends every owed `COMMIT` now (a stopping hub, before it closes its connections); resolves once each is answered. */
export async function payOwedCommits(): Promise<void> {
  await Promise.all([...owing].map((c) => payOwedCommit(c)));
}

/** Sends the connection's owed `COMMIT` through `query` (uncounted: it was counted when owed); settles when answered. */
function payOwedCommit(c: Counted): Promise<void> {
  const owed = c[OWED];
  if (!owed) return Promise.resolve();
  c[OWED] = null;
  owing.delete(c);
  clearTimeout(owed.timer);
  paying = true;
  let sent: Promise<unknown>;
  try {
    sent = c.query('COMMIT');
  } finally {
    paying = false;
  }
  return sent.then(
    () => undefined,
    (err: Error) => owed.failed(err),
  );
}

/** Counts the statements sent on `client` from now on in `count` (none: no longer counted). */
export function countOn(client: pg.Client, count: StatementCount | null | undefined): void {
  (client as Counted)[COUNT] = count ?? null;
}
