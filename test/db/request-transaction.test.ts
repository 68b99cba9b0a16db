import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { OWED_COMMIT_IDLE_MS, owedCommits, owesCommit, payOwedCommits } from '../../src/db/statement-counter';
import { lookupViewer, poolOf, RequestConnection, ViewerDb } from '../../src/db/viewer-db';
import { ViewerKind } from '../../entities/enums';
import { caseId, personId, startTestHub, TestHub } from '../support/hub';

/** A statement's text, as pg's `query` is given it: a string, or a config object with `text`. */
const textOf = (q: unknown): string | undefined => (typeof q === 'string' ? q : (q as { text?: string } | null)?.text);

/**
 * The request's transaction (src/db/viewer-db.ts): a signed-in request's credential lookup begins it — read only, as
 * `lap_viewer`, the viewer's settings made from the row the lookup found — and a mutation's first statement replaces it
 * with a read-write one. A credential the lookup refuses ends the transaction and gives the connection back. A query's
 * `COMMIT` is owed by its connection, sent in front of the next statement on it or on its own a few milliseconds later.
 * The messages sent to the database are recorded here by wrapping `pg`'s `query`.
 */

let hub: TestHub;
let messages: string[] | null = null;
/** The values of each message recorded (`messages`), by index. */
let valuesSent: unknown[][] = [];
let original: typeof pg.Client.prototype.query;

beforeAll(async () => {
  hub = await startTestHub();
  // Wrapped after the hub's statement counter (src/db/statement-counter.ts), which stays in place underneath.
  original = pg.Client.prototype.query;
  pg.Client.prototype.query = function recorded(this: pg.Client, ...args: unknown[]) {
    const first = args[0] as string | { text?: string; values?: unknown[] };
    messages?.push(typeof first === 'string' ? first : String(first?.text));
    if (messages) valuesSent[messages.length - 1] = typeof first === 'string' ? ((args[1] as unknown[]) ?? []) : (first?.values ?? []);
    return (original as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof pg.Client.prototype.query;
});
afterAll(async () => {
  pg.Client.prototype.query = original;
  await hub.reset();
  await hub.close();
});

/** The audit trail's own statements, written on a connection of their own after the response (src/audit.ts). */
const auditStatement = /^\s*(INSERT INTO case_access_log|UPDATE api_key SET last_used_at|SELECT strpos\(version\(\), 'PGlite'\) > 0 AS shared$)/;

/** Until no connection owes a `COMMIT` (each sends it on its own `OWED_COMMIT_IDLE_MS` after it was owed). */
async function owedCommitsSent(): Promise<void> {
  for (let i = 0; i < 200 && owedCommits() > 0; i++) await new Promise((r) => setTimeout(r, OWED_COMMIT_IDLE_MS));
  expect(owedCommits()).toBe(0);
}

/**
 * The messages a request sent for its own transaction (the audit trail's, written after the response, are left out),
 * up to its `COMMIT`, which its connection sends on its own when nothing else is sent on it (`owedCommitsSent`).
 */
async function recording<T>(fn: () => Promise<T>): Promise<{ result: T; sent: string[]; values: unknown[][] }> {
  await hub.auditSettled();
  await payOwedCommits();
  messages = [];
  valuesSent = [];
  try {
    const result = await fn();
    await owedCommitsSent();
    const kept = messages.map((m, i) => [m, i] as const).filter(([m]) => !auditStatement.test(m));
    return { result, sent: kept.map(([m]) => m), values: kept.map(([, i]) => valuesSent[i] ?? []) };
  } finally {
    messages = null;
  }
}

const ANN = 'ann.carter@ftc.example';
/** The embedded PGlite (no TEST_DATABASE_URL): one session for every connection, where a COMMIT is never owed. */
const embedded = !process.env.TEST_DATABASE_URL;

/** Until every connection of the pool is back (a query's COMMIT is acknowledged after its answer has left). */
async function allIdle(pool: pg.Pool): Promise<void> {
  for (let i = 0; i < 200 && pool.idleCount < pool.totalCount; i++) await new Promise((r) => setTimeout(r, 10));
}

/** The pool once nothing of an earlier request is under way: its audit written, its COMMITs sent, every connection back. */
async function quietPool(): Promise<pg.Pool> {
  const pool = poolOf(hub.ds);
  await hub.auditSettled();
  await payOwedCommits();
  await allIdle(pool);
  return pool;
}

/**
 * Holds back PostgreSQL's acknowledgement of every `COMMIT` sent while `held` runs, until it returns: the statement
 * itself leaves and is done at once, only its answer reaches the hub late.
 */
async function commitsHeld<T>(fn: (release: () => void) => Promise<T>): Promise<T> {
  const underneath = pg.Client.prototype.query;
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  pg.Client.prototype.query = function held(this: pg.Client, ...args: unknown[]) {
    const answer = (underneath as (...a: unknown[]) => unknown).apply(this, args);
    return textOf(args[0]) === 'COMMIT' ? gate.then(() => answer) : answer;
  } as typeof pg.Client.prototype.query;
  try {
    return await fn(open);
  } finally {
    open();
    pg.Client.prototype.query = underneath;
  }
}

test('a signed-in query: the lookup begins the read-only transaction, as the viewer role, in the same write', async () => {
  const { result, sent, values } = await recording(() => hub.gql(`query($id: ID!) { case(id: $id) { reference countries { code } } }`, { as: ANN, variables: { id: caseId('FTC-2004-021') } }));
  expect(result.body.errors).toBeUndefined();
  expect(result.body.data.case.reference).toBe('FTC-2004-021');
  expect(sent[0]).toMatch(/^BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL ROLE lap_viewer; SET LOCAL statement_timeout = 30000; SET LOCAL plan_cache_mode = force_generic_plan; /);
  // The lookup, its values as parameters (a prepared statement): the person, no email, the request's clock twice.
  expect(sent[1]).toMatch(/^SELECT v\.person_id, v\.own_org, v\.kind, set_config\('lap\.kind', v\.kind, true\).* FROM lap\.viewer_of\(\$1::uuid, \$2::text, \$3::timestamptz\) AS v LIMIT 1$/s);
  expect(values[1]).toEqual([personId(ANN), null, expect.stringMatching(/^\d{4}-\d\d-\d\dT/), values[1][2]]);
  // No other BEGIN, no other lookup: the data statements, then COMMIT.
  expect(sent.slice(2).filter((m) => /\bBEGIN\b|viewer_of/.test(m))).toEqual([]);
  expect(sent.at(-1)).toBe('COMMIT');
  // The BEGIN and the lookup count as one statement (X-SQL-Statements), as they were one message before.
  expect(result.statements).toBe(sent.length - 1);
});

test('a signed-in mutation: its first statement ends the lookup’s read-only transaction and begins a read-write one as the same viewer', async () => {
  const { result, sent } = await recording(() =>
    hub.gql(`mutation($id: ID!) { updateCase(id: $id, input: { title: "Renamed in a read-write transaction" }) { title } }`, {
      as: ANN,
      variables: { id: caseId('FTC-2004-017') },
    }),
  );
  expect(result.body).toEqual({ data: { updateCase: { title: 'Renamed in a read-write transaction' } } });
  expect(sent[0]).toMatch(/^BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; /);
  expect(sent[1]).toMatch(/lap\.viewer_of\(/);
  expect(sent[2]).toMatch(/^COMMIT; BEGIN READ WRITE; SET LOCAL ROLE lap_viewer; .*set_config\('lap\.person_id', '[0-9a-f-]{36}', true\)/s);
  expect(sent[2]).toContain(`'${personId(ANN)}'`);
  expect(sent.slice(3).filter((m) => /\bBEGIN\b/.test(m))).toEqual([]);
  expect(sent.at(-1)).toBe('COMMIT');
  const [row] = await hub.ds.query(`SELECT title FROM enforcement_case WHERE id = $1`, [caseId('FTC-2004-017')]);
  expect(row.title).toBe('Renamed in a read-write transaction');
  await hub.reset();
});

test('an unknown person’s token: UNAUTHENTICATED as before, the lookup’s transaction rolled back and its connection given back', async () => {
  const token = await hub.tokenFor(randomUUID(), 'nobody@example.org');
  // More refused requests than the pool has connections: a connection kept by a refused request would starve the next.
  for (let i = 0; i < 6; i++) {
    const { result, sent } = await recording(() => hub.gql(`{ me { kind } }`, { token }));
    expect(result.status).toBe(401);
    expect(result.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['The token is for no known person', 'UNAUTHENTICATED']]);
    // The lookup, rolled back; then, on a connection of its own, whether that person has left (for the message).
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatch(/^BEGIN /);
    expect(sent[1]).toMatch(/lap\.viewer_of\(/);
    expect(sent[2]).toBe('ROLLBACK');
    expect(sent[3]).toMatch(/lap\.person_known\(p\.id, NULL\);\nCOMMIT$/);
  }
  const ok = await hub.gql(`{ me { kind } }`, { as: ANN });
  expect(ok.body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
});

test('an API key the lookup does not find: UNAUTHENTICATED as before, and its connection given back', async () => {
  const key = `lapk_abcdefgh_${'A'.repeat(43)}`;
  for (let i = 0; i < 6; i++) {
    const { result, sent } = await recording(() => hub.gql(`{ me { kind } }`, { token: key }));
    expect(result.status).toBe(401);
    expect(result.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['The API key is not valid', 'UNAUTHENTICATED']]);
    expect(sent).toHaveLength(3);
    expect(sent[1]).toMatch(/lap\.api_key_viewer\(\$1::text, \$2::bytea, \$3::timestamptz\)/);
    expect(sent[2]).toBe('ROLLBACK');
  }
  const ok = await hub.gql(`{ me { kind } }`, { as: ANN });
  expect(ok.body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
});

test('an anonymous request has no lookup: its BEGIN leaves with its first statement', async () => {
  const { result, sent } = await recording(() => hub.gql(`{ cases(first: 1) { totalCount nodes { reference } } }`));
  expect(result.body.errors).toBeUndefined();
  expect(sent[0]).toMatch(/^BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL ROLE lap_viewer; .*set_config\('lap\.kind', 'ANONYMOUS', true\)/s);
  expect(sent.filter((m) => /viewer_of|api_key_viewer/.test(m))).toEqual([]);
  expect(sent.at(-1)).toBe('COMMIT');
});

test('viewers in turn on the pool’s connections: each gets its own answer, and every connection goes back with nothing of a request left on it', async () => {
  const pool = poolOf(hub.ds);
  const TOM = 'tom.baker@meridianbank.example';
  // A coordinator and a private-sector member in turn, more requests than the pool holds: a connection handed on with
  // the last viewer's role, settings or transaction still on it would answer the next request as the wrong viewer.
  const query = `query($id: ID!) { me { kind } case(id: $id) { reference confidential { summary } } cases(first: 100) { totalCount } }`;
  const variables = { id: caseId('FTC-2004-017') };
  const alone = { [ANN]: await hub.gql(query, { as: ANN, variables }), [TOM]: await hub.gql(query, { as: TOM, variables }) };
  expect(alone[ANN].body.data.me.kind).toBe('COORDINATOR');
  expect(alone[TOM].body.data.me.kind).toBe('PRIVATE');
  expect(alone[ANN].body).not.toEqual(alone[TOM].body);
  for (let i = 0; i < 12; i++) {
    const as = i % 2 ? TOM : ANN;
    const { result, sent } = await recording(() => hub.gql(query, { as, variables }));
    expect(result.body).toEqual(alone[as].body);
    expect(sent.at(-1)).toBe('COMMIT');
  }
  // Every connection is back and idle (the audit trail's writes, after the responses, done too; a query's COMMIT is
  // acknowledged after its answer), outside any transaction, as the pool's own role with no viewer set.
  await hub.auditSettled();
  await allIdle(pool);
  expect(pool.idleCount).toBe(pool.totalCount);
  const clients = await Promise.all(Array.from({ length: pool.totalCount }, () => pool.connect()));
  try {
    for (const client of clients) {
      const { rows } = await client.query(
        `SELECT current_user = session_user AS own_role, coalesce(current_setting('lap.kind', true), '') AS kind, coalesce(current_setting('lap.person_id', true), '') AS person, current_setting('transaction_read_only') AS read_only`,
      );
      expect(rows).toEqual([{ own_role: true, kind: '', person: '', read_only: 'off' }]);
    }
  } finally {
    for (const client of clients) client.release();
  }
});

test('a query is answered before its read-only COMMIT is sent; its connection goes back at once and sends the COMMIT on its own', async () => {
  const pool = await quietPool();
  // A CLEAR case without its tier: nothing for the audit trail, whose write would take a connection of the pool
  // 20 ms after the answer (on a slow machine, before the count below).
  const query = `query($id: ID!) { case(id: $id) { reference title } }`;
  const variables = { id: caseId('FTC-2004-017') };
  const expected = await hub.gql(query, { as: ANN, variables });
  expect(expected.body.data.case.reference).toBe('FTC-2004-017');
  await allIdle(pool);
  await commitsHeld(async (release) => {
    const result = await hub.gql(query, { as: ANN, variables });
    expect(result.status).toBe(200);
    expect(result.body).toEqual(expected.body);
    // Answered while the COMMIT's acknowledgement is held back (on an embedded database, where it is sent before the
    // answer, its connection is out until it arrives; on a server the connection went back owing it, then sent it).
    if (embedded) expect(pool.totalCount - pool.idleCount).toBe(1);
    else {
      expect(pool.idleCount).toBe(pool.totalCount);
      await owedCommitsSent();
    }
    release();
    await allIdle(pool);
    expect(pool.idleCount).toBe(pool.totalCount);
  });
  const client = await pool.connect();
  try {
    const { rows } = await client.query(
      `SELECT current_user = session_user AS own_role, coalesce(current_setting('lap.person_id', true), '') AS person, pg_current_xact_id_if_assigned() IS NULL AS nothing_written, now() = statement_timestamp() AS own_transaction`,
    );
    expect(rows).toEqual([{ own_role: true, person: '', nothing_written: true, own_transaction: true }]);
  } finally {
    client.release();
  }
});

test('a connection taken while it owes a read-only COMMIT: what is sent on it next runs after the COMMIT, as the pool’s own role with no viewer', async () => {
  if (embedded) return; // one session for every connection: the COMMIT is sent at once there, never owed
  const pool = await quietPool();
  const row = (await lookupViewer(hub.ds, personId(ANN), null, new Date()))!;
  const viewer = { kind: row.kind as ViewerKind, personId: row.person_id, ownOrgId: row.own_org, memberOrgId: row.own_org };
  for (const via of ['client', 'pool'] as const) {
    const db = new ViewerDb(hub.ds, viewer, new Date());
    db.readOnly = true;
    const [seen] = await db.query<{ person: string; role: string }>(`SELECT current_setting('lap.person_id') AS person, current_user AS role`);
    expect(seen).toEqual({ person: personId(ANN), role: 'lap_viewer' });
    const failures: Error[] = [];
    await db.finish((err) => failures.push(err));
    // Taken again at once (the pool hands out the connection given back last), before it sends the COMMIT itself.
    const client = await pool.connect();
    try {
      expect(owesCommit(client)).toBe(true);
      const probe = `SELECT current_user = session_user AS own_role, coalesce(current_setting('lap.person_id', true), '') AS person, now() = statement_timestamp() AS own_transaction, current_setting('transaction_read_only') AS read_only`;
      const { rows } = via === 'client' ? await client.query(probe) : await (client.release(), pool.query(probe));
      expect(rows).toEqual([{ own_role: true, person: '', own_transaction: true, read_only: 'off' }]);
      expect(owesCommit(client)).toBe(false);
    } finally {
      if (via === 'client') client.release();
    }
    expect(failures).toEqual([]);
  }
  await owedCommitsSent();
});

test('the next request on a connection that owes a COMMIT sends it in its own BEGIN message: one message, the new transaction its own', async () => {
  if (embedded) return; // one session for every connection: the COMMIT is sent at once there, never owed
  const pool = await quietPool();
  const ann = (await lookupViewer(hub.ds, personId(ANN), null, new Date()))!;
  const tom = (await lookupViewer(hub.ds, personId('tom.baker@meridianbank.example'), null, new Date()))!;
  const viewerOf = (row: typeof ann) => ({ kind: row.kind as ViewerKind, personId: row.person_id, ownOrgId: row.own_org, memberOrgId: row.own_org });
  const seen = `SELECT current_setting('lap.person_id') AS person, current_user AS role, (extract(epoch FROM now()) * 1000000)::bigint AS begun, pg_current_xact_id_if_assigned() IS NULL AS nothing_written`;
  // `now()` in microseconds (an int8, read as a number: exact below 2^53): two transactions begun within one millisecond
  // have the same Date.
  for (const next of ['read', 'lookup'] as const) {
    const first = new ViewerDb(hub.ds, viewerOf(ann), new Date());
    first.readOnly = true;
    const [before] = await first.query<{ begun: number }>(seen);
    expect(before).toEqual({ person: personId(ANN), role: 'lap_viewer', begun: expect.any(Number), nothing_written: true });
    const failures: Error[] = [];
    await first.finish((err) => failures.push(err));
    expect(owedCommits()).toBe(1);
    messages = [];
    try {
      // Taken again at once (the pool hands out the connection given back last), before it sends the COMMIT itself:
      // Tom's transaction, begun by the message that ends Ann's.
      let rows: { begun: number }[];
      if (next === 'read') {
        const second = new ViewerDb(hub.ds, viewerOf(tom), new Date());
        second.readOnly = true;
        rows = await second.query<{ begun: number }>(seen);
        await second.finish();
      } else {
        const connection = new RequestConnection(hub.ds, new Date());
        expect(await connection.lookupViewer(personId('tom.baker@meridianbank.example'), null)).toMatchObject({ person_id: tom.person_id });
        const second = await connection.viewerDb(viewerOf(tom));
        rows = await second.query<{ begun: number }>(seen);
        await second.finish();
      }
      // A transaction of its own, begun after Ann's (which is over): not Ann's with Tom's settings on top.
      expect(rows).toEqual([{ person: tom.person_id, role: 'lap_viewer', begun: expect.any(Number), nothing_written: true }]);
      expect(rows[0].begun).toBeGreaterThan(before.begun);
      expect(messages[0]).toMatch(next === 'read' ? /^COMMIT; BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL ROLE lap_viewer; / : /^COMMIT; BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL ROLE lap_viewer; SET LOCAL statement_timeout/);
      // Ann's COMMIT went in that message, not in one of its own.
      expect(messages.filter((m) => m === 'COMMIT')).toEqual(['COMMIT']);
      expect(messages.at(-1)).toBe('COMMIT');
    } finally {
      messages = null;
    }
    expect(failures).toEqual([]);
    await owedCommitsSent();
    await allIdle(pool);
  }
});

test('viewers at once on the pool’s connections, reused while they owe their COMMIT: every answer is its own viewer’s', async () => {
  const TOM = 'tom.baker@meridianbank.example';
  const ISLA = 'isla.morgan@ico.example';
  const query = `query($id: ID!) { me { kind person { email } } case(id: $id) { reference confidential { summary } } cases(first: 50) { totalCount nodes { reference confidential { summary } } } }`;
  const variables = { id: caseId('FTC-2004-021') };
  const viewers = [ANN, TOM, ISLA, null] as const;
  const alone = new Map<string | null, unknown>();
  for (const as of viewers) alone.set(as, (await hub.gql(query, { as, variables })).body);
  expect(new Set([...alone.values()].map((b) => JSON.stringify(b))).size).toBe(viewers.length);
  // Many at once, in a shuffled order, more than the pool has connections: each connection is handed from viewer to
  // viewer while it still owes the last one's COMMIT.
  for (let round = 0; round < 5; round++) {
    const order = Array.from({ length: 40 }, (_, i) => viewers[(i * 7 + round) % viewers.length]);
    const answers = await Promise.all(order.map((as) => hub.gql(query, { as, variables })));
    answers.forEach((answer, i) => expect([order[i], answer.body]).toEqual([order[i], alone.get(order[i])]));
  }
  await owedCommitsSent();
});

test('no connection stays in a transaction: a connection nobody takes sends its owed COMMIT on its own', async () => {
  const pool = poolOf(hub.ds);
  await hub.auditSettled();
  for (let i = 0; i < 8; i++) await Promise.all([hub.gql(`{ me { kind } }`, { as: ANN }), hub.gql(`{ cases(first: 3) { totalCount } }`)]);
  await hub.auditSettled();
  await owedCommitsSent();
  await allIdle(pool);
  if (embedded) return;
  const pids = (pool as unknown as { _clients: Array<{ processID: number }> })._clients.map((c) => c.processID);
  const states = await hub.ds.query(`SELECT state FROM pg_stat_activity WHERE pid = ANY ($1) AND pid <> pg_backend_pid()`, [pids]);
  expect(states.length).toBeGreaterThan(0);
  expect(states.filter((r: { state: string }) => r.state !== 'idle')).toEqual([]);
});

test('a mutation is answered only once its COMMIT is acknowledged', async () => {
  const pool = poolOf(hub.ds);
  await hub.auditSettled();
  await allIdle(pool);
  await commitsHeld(async (release) => {
    let answered = false;
    const pending = hub
      .gql(`mutation($id: ID!) { updateCase(id: $id, input: { title: "Committed before it is answered" }) { title } }`, {
        as: ANN,
        variables: { id: caseId('FTC-2004-017') },
      })
      .then((r) => {
        answered = true;
        return r;
      });
    // Long enough for the answer to arrive had it not waited (a query's takes a few milliseconds here).
    await new Promise((r) => setTimeout(r, 300));
    expect(answered).toBe(false);
    release();
    const result = await pending;
    expect(result.body).toEqual({ data: { updateCase: { title: 'Committed before it is answered' } } });
  });
  const [row] = await hub.ds.query(`SELECT title FROM enforcement_case WHERE id = $1`, [caseId('FTC-2004-017')]);
  expect(row.title).toBe('Committed before it is answered');
  await hub.reset();
});
