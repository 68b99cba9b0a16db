import net from 'node:net';
import pg from 'pg';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/data-source';
import { poolOf } from '../../src/db/viewer-db';
import { LiveClient } from '../support/live';
import { createHub, Hub } from '../../src/server';
import { caseId, cast, personId, startTestHub, TEST_SECRET, TestHub } from '../support/hub';
import { capturingLogger } from '../support/log';
import { untilNoneWaiting, untilWaiting, waitingOn } from '../support/locker';

/** A statement's text, as pg's `query` is given it: a string, or a config object with `text`. */
const textOf = (q: unknown): string | undefined => (typeof q === 'string' ? q : (q as { text?: string } | null)?.text);

/**
 * Failures are named right (ENGINEERING "Errors and production defaults"): a database failure while a graphql-shield
 * rule is evaluated is an INTERNAL_SERVER_ERROR, logged — never a FORBIDDEN; text PostgreSQL cannot store (a NUL
 * character) or would store altered (a lone UTF-16 surrogate), anywhere in the arguments, is BAD_USER_INPUT naming the
 * argument, refused before anything runs, never an INTERNAL_SERVER_ERROR, and writes nothing.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const NUL = '\u0000';

/** Every case row as it is (a case that was opened, renamed or changed shows here). */
async function caseRows(): Promise<unknown> {
  return hub.ds.query(`SELECT * FROM enforcement_case ORDER BY id`);
}

const openCase = `mutation($input: OpenCaseInput!) { openCase(input: $input) { id reference } }`;
const goodCase = { reference: 'ICO-2031-001', title: 'Pharmacy spam', categories: ['SPAM'], countryCodes: ['GB'], tlp: 'AMBER' };

describe('text PostgreSQL cannot store is bad input, naming the argument', () => {
  // A refusal that failed to refuse must not leave its row to the tests after it.
  afterEach(() => hub.reset());
  const nulProblem = 'must not contain a NUL character (U+0000)';
  const surrogateProblem = 'must be well-formed Unicode (it contains a lone surrogate)';

  const cases: Array<{ what: string; query: string; variables?: Record<string, unknown>; argument: string; problem: string }> = [
    { what: 'a variable’s input field', query: openCase, variables: { input: { ...goodCase, title: `Pharmacy${NUL}spam` } }, argument: 'input.title', problem: nulProblem },
    { what: 'an item of a list in a variable', query: openCase, variables: { input: { ...goodCase, suspects: ['ok', `mule${NUL}`] } }, argument: 'input.suspects[1]', problem: nulProblem },
    { what: 'a lone surrogate in a variable', query: openCase, variables: { input: { ...goodCase, summary: 'broken \ud800 text' } }, argument: 'input.summary', problem: surrogateProblem },
    {
      what: 'a literal in the document (an escape sequence)',
      query: `mutation { openCase(input: { reference: "ICO-2031-001", title: "Pharmacy\\u0000spam", categories: [SPAM], countryCodes: ["GB"], tlp: AMBER }) { id } }`,
      argument: 'input.title',
      problem: nulProblem,
    },
    {
      what: 'an item of a list literal',
      query: `mutation { openCase(input: { reference: "ICO-2031-001", title: "Pharmacy spam", categories: [SPAM], countryCodes: ["GB", "N\\u0000L"], tlp: AMBER }) { id } }`,
      argument: 'input.countryCodes[1]',
      problem: nulProblem,
    },
    {
      what: 'a variable inside an input-object literal',
      query: `mutation($title: String!) { openCase(input: { reference: "ICO-2031-001", title: $title, categories: [SPAM], countryCodes: ["GB"], tlp: AMBER }) { id } }`,
      variables: { title: `x${NUL}` },
      argument: 'input.title',
      problem: nulProblem,
    },
    {
      what: 'a variable’s default value',
      query: `mutation($title: String = "x\\u0000y") { openCase(input: { reference: "ICO-2031-001", title: $title, categories: [SPAM], countryCodes: ["GB"], tlp: AMBER }) { id } }`,
      argument: 'input.title',
      problem: nulProblem,
    },
    { what: 'a control character (a bell) in a title', query: openCase, variables: { input: { ...goodCase, title: 'Pharmacy\u0007spam' } }, argument: 'input.title', problem: 'must not contain a control character (U+0007)' },
    { what: 'an escape in a summary', query: openCase, variables: { input: { ...goodCase, summary: 'see \u001b[31mred' } }, argument: 'input.summary', problem: 'must not contain a control character (U+001B)' },
    { what: 'a C1 control character in a suspect', query: openCase, variables: { input: { ...goodCase, suspects: ['mule\u0085'] } }, argument: 'input.suspects[0]', problem: 'must not contain a control character (U+0085)' },
    {
      what: 'a right-to-left override in a title literal',
      query: `mutation { openCase(input: { reference: "ICO-2031-001", title: "invoice\\u202Efdp.exe", categories: [SPAM], countryCodes: ["GB"], tlp: AMBER }) { id } }`,
      argument: 'input.title',
      problem: 'must not contain a bidirectional formatting character (U+202E), which can show the text in another order than it is written',
    },
    {
      what: 'a variable as an item of a list literal',
      query: `mutation($s: String!) { openCase(input: { reference: "ICO-2031-001", title: "Pharmacy spam", categories: [SPAM], countryCodes: ["GB"], tlp: AMBER, suspects: ["a", $s] }) { id } }`,
      variables: { s: 'q\u0007' },
      argument: 'input.suspects[1]',
      problem: 'must not contain a control character (U+0007)',
    },
    // An isolate with a mark shows `invoiceexe.pdf` as the override does.
    { what: 'a right-to-left isolate in a title', query: openCase, variables: { input: { ...goodCase, title: 'invoice\u2067pdf\u200F.exe' } }, argument: 'input.title', problem: 'must not contain a bidirectional formatting character (U+2067), which can show the text in another order than it is written' },
    { what: 'a right-to-left embedding in a summary', query: openCase, variables: { input: { ...goodCase, summary: 'invoice\u202Bpdf\u200F.exe' } }, argument: 'input.summary', problem: 'must not contain a bidirectional formatting character (U+202B), which can show the text in another order than it is written' },
    // The mutation rule looks the case up before the resolver runs: the refusal must come before the rule too.
    { what: 'an id a mutation rule would look up', query: `mutation($id: ID!) { updateCase(id: $id, input: { title: "New title" }) { id } }`, variables: { id: `${caseId('ICO-2004-008')}${NUL}` }, argument: 'id', problem: nulProblem },
    { what: 'a query argument inside a fragment', query: `query($c: String) { ...Board } fragment Board on Query { cases(filter: { countryCode: $c }) { totalCount } }`, variables: { c: `G${NUL}` }, argument: 'filter.countryCode', problem: nulProblem },
  ];

  test.each(cases)('$what: 400 BAD_USER_INPUT naming $argument, nothing run or written', async ({ query, variables, argument, problem }) => {
    const before = await caseRows();
    const r = await hub.gql(query, { as: cast.isla, variables });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 400,
      body: { errors: [{ message: `${argument}: ${problem}`, extensions: { code: 'BAD_USER_INPUT', argument } }] },
    });
    expect(await caseRows()).toEqual(before);
  });

  test('tab, line feed, carriage return, right-to-left text and its direction marks are text like any other: written as sent', async () => {
    const summary = 'Line one\r\nline two\tindented; \u05e9\u05dc\u05d5\u05dd \u200f(RLM) \u0645\u0631\u062d\u0628\u0627 \u061c\u200e';
    const r = await hub.gql(`mutation($input: OpenCaseInput!) { openCase(input: $input) { reference confidential { summary } } }`, {
      as: cast.isla,
      variables: { input: { ...goodCase, summary } },
    });
    expect(r.body).toEqual({ data: { openCase: { reference: 'ICO-2031-001', confidential: { summary } } } });
  });

  test('the same input without the NUL character is accepted and written (the control for the refusals above)', async () => {
    const r = await hub.gql(`mutation($input: OpenCaseInput!) { openCase(input: $input) { reference title confidential { suspects } } }`, {
      as: cast.isla,
      variables: { input: { ...goodCase, suspects: ['ok', 'mule'] } },
    });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 200,
      body: { data: { openCase: { reference: 'ICO-2031-001', title: 'Pharmacy spam', confidential: { suspects: ['ok', 'mule'] } } } },
    });
    expect(await hub.ds.query(`SELECT title FROM enforcement_case WHERE reference = 'ICO-2031-001'`)).toEqual([{ title: 'Pharmacy spam' }]);
  });

  test('a tab and astral-plane emoji are accepted, stored as they are', async () => {
    const title = 'Tab\there and 📧 spam';
    const r = await hub.gql(openCase, { as: cast.isla, variables: { input: { ...goodCase, title } } });
    expect([r.status, r.body.errors]).toEqual([200, undefined]);
    expect(await hub.ds.query(`SELECT title FROM enforcement_case WHERE reference = 'ICO-2031-001'`)).toEqual([{ title }]);
  });
});

/** A hub on the test database whose log lines are kept, in production mode. */
async function loggingHub(env: Record<string, string> = {}): Promise<{ hub: Hub; url: string; lines: Array<Record<string, any>> }> {
  const { logger, lines } = capturingLogger();
  const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL, ...env });
  const other = await createHub({ config, ds: hub.ds, logger });
  const port = await other.listen(0, '127.0.0.1');
  return { hub: other, url: `http://127.0.0.1:${port}/graphql`, lines };
}

describe('a database failure inside a shield rule is an internal error, never FORBIDDEN', () => {
  const update = `mutation($id: ID!) { updateCase(id: $id, input: { title: "Renamed" }) { id title } }`;

  test('the rule of updateCase cannot load the case: INTERNAL_SERVER_ERROR, logged, nothing written', async () => {
    const logging = await loggingHub();
    const token = await hub.tokenFor(personId(cast.isla), cast.isla);
    const send = async () => {
      const res = await fetch(logging.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: update, variables: { id: caseId('ICO-2004-008') } }),
      });
      return { status: res.status, body: await res.json() };
    };
    const before = await caseRows();
    try {
      // The rule's lookup is the first statement of the request that reads cases (the viewer and the endorsements are
      // read from other tables): with the table gone, the database fails inside the rule.
      await hub.ds.query(`ALTER TABLE enforcement_case RENAME TO enforcement_case_away`);
      let answer;
      try {
        answer = await send();
      } finally {
        await hub.ds.query(`ALTER TABLE enforcement_case_away RENAME TO enforcement_case`);
      }
      expect(answer).toEqual({
        status: 200,
        body: { data: null, errors: [{ message: 'Internal server error', path: ['updateCase'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
      });
      const logged = logging.lines.filter((l) => l.level === 50);
      expect(logged.map((l) => [l.msg, l.err?.message])).toEqual([
        ['unexpected error in a GraphQL request', 'relation "enforcement_case" does not exist'],
      ]);
      expect(await caseRows()).toEqual(before);
    } finally {
      await logging.hub.stop();
    }
  });

  test('the same rule with the database up: a viewer it refuses gets FORBIDDEN, nothing logged (the control)', async () => {
    const logging = await loggingHub();
    try {
      const token = await hub.tokenFor(personId(cast.liam), cast.liam);
      const before = await caseRows();
      const res = await fetch(logging.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: update, variables: { id: caseId('ICO-2004-008') } }),
      });
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 200,
        body: { data: null, errors: [{ message: 'Not allowed: originator control: only the lead agency edits', locations: [{ line: 1, column: 22 }], path: ['updateCase'], extensions: { code: 'FORBIDDEN' } }] },
      });
      expect(logging.lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(await caseRows()).toEqual(before);
    } finally {
      await logging.hub.stop();
    }
  });
});

/** A GraphQL POST with a bearer token: its status and JSON body. */
async function postGraphql(url: string, token: string, query: string, variables: Record<string, unknown>): Promise<{ status: number; body: any }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, body: await res.json() };
}


/**
 * Renames cases with requests written at once on one connection (HTTP pipelining), each `[token, case id, title]`;
 * resolves, once the hub closes the connection, with each answer's status and title (or error message), in order.
 */
function pipelined(url: string, renames: Array<[string, string, string]>): Promise<Array<[string, string | undefined]>> {
  const { hostname, port } = new URL(url);
  const request = ([token, id, title]: [string, string, string]) => {
    const body = JSON.stringify({ query: `mutation($id: ID!, $t: String!) { updateCase(id: $id, input: { title: $t }) { title } }`, variables: { id, t: title } });
    return `POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  };
  const socket = net.connect(Number(port), hostname);
  let received = '';
  socket.on('data', (chunk) => (received += chunk.toString()));
  socket.write(renames.map(request).join(''));
  return new Promise((resolve) =>
    socket.on('close', () =>
      resolve(received.split('HTTP/1.1 ').slice(1).map((a) => [a.slice(0, 3), /"title":"([^"]*)"|"message":"([^"]*)"/.exec(a)?.slice(1).find(Boolean)])),
    ),
  );
}

describe('a client that closes its connection before the answer', () => {
  const embedded = process.env.LAPHUB_TEST_DB_KIND === 'pglite';
  afterEach(() => hub.reset());

  /**
   * A mutation of two fields whose first (openCase) has written and whose second (scheduleCall) waits for a lock
   * another session holds on conference_call; then its connection closes unanswered, by `cut`. Nothing of it is kept.
   */
  async function unansweredMutation(cut: (request: { controller: AbortController; hub: Hub }) => Promise<unknown>, env: Record<string, string> = {}) {
    const logging = await loggingHub(env);
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    const casesBefore = await caseRows();
    const callsBefore = await hub.ds.query(`SELECT count(*)::int AS n FROM conference_call`);
    let stopping: Promise<unknown> | null = null;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE conference_call IN ACCESS EXCLUSIVE MODE');
      const token = await hub.tokenFor(personId(cast.ann), cast.ann);
      const controller = new AbortController();
      const request = fetch(logging.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({
          query: `mutation($input: OpenCaseInput!) { a: openCase(input: $input) { id } b: scheduleCall(input: { title: "Unanswered", scheduledAt: "2031-01-01T00:00:00Z" }) { id } }`,
          variables: { input: { reference: 'FTC-2031-077', title: 'Written, never answered', categories: ['SPAM'], countryCodes: ['US'], tlp: 'GREEN' } },
        }),
        signal: controller.signal,
      });
      // The case is written (in the request's transaction) and the call's statement waits for the lock.
      await untilWaiting(locker);
      const cutting = cut({ controller, hub: logging.hub });
      if (env.SHUTDOWN_GRACE_MS !== undefined) {
        stopping = cutting;
        // A stopping hub, its grace over, answers it rather than cutting it: nothing of it was written.
        const answered = await request;
        expect({ status: answered.status, retryAfter: answered.headers.get('retry-after'), body: await answered.json() }).toEqual({
          status: 503,
          retryAfter: '1',
          body: { errors: [{ message: 'The hub stopped before this request was done: nothing of it was written; send it again', extensions: { code: 'SERVICE_UNAVAILABLE' } }] },
        });
      } else await expect(request).rejects.toThrow();
      // The call's statement, which nobody will read, is cancelled while the lock is still held: the connection is
      // not kept waiting (nor a stopping hub's database, whose close waits for every connection).
      await untilNoneWaiting(locker);
      expect(await waitingOn(locker)).toBe(0);
      await locker.query('COMMIT');
      // Whatever the request still does after the lock is gone, nothing of it is committed.
      for (let i = 0; i < 50; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(await caseRows()).toEqual(casesBefore);
      expect(await hub.ds.query(`SELECT count(*)::int AS n FROM conference_call`)).toEqual(callsBefore);
      expect(await hub.ds.query(`SELECT count(*)::int AS n FROM enforcement_case WHERE reference = 'FTC-2031-077'`)).toEqual([{ n: 0 }]);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await (stopping ?? logging.hub.stop());
    }
    return logging.lines;
  }

  (embedded ? test.skip : test)('a mutation whose client went away is rolled back: a request is either answered or never run', async () => {
    await unansweredMutation(async ({ controller }) => controller.abort());
  });

  (embedded ? test.skip : test)('a mutation still running when a stopping hub’s grace ends (SHUTDOWN_GRACE_MS) is answered 503 and rolled back', async () => {
    const lines = await unansweredMutation(({ hub: other }) => other.stop(), { SHUTDOWN_GRACE_MS: '0' });
    // Said so in the access line (the hub cut it; the client got nothing), and nothing of its abandoned work is an error.
    const line = lines.find((l) => l.req?.path === '/graphql');
    expect([line?.res?.statusCode, line?.graphql?.outcome]).toEqual([503, 'CUT_AT_STOP']);
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
  });

  (embedded ? test.skip : test)('a mutation whose writes are being committed when a stopping hub’s grace ends is answered, not cut: its client hears it was done', async () => {
    const logging = await loggingHub({ SHUTDOWN_GRACE_MS: '0' });
    const original = pg.Client.prototype.query;
    let held: (() => void) | null = null;
    const commitHeld = new Promise<void>((resolve) => (held = resolve));
    // The request's COMMIT is held back half a second; the stop, with no grace, begins meanwhile.
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      if (textOf(args[0]) === 'COMMIT' && held) {
        const began = held;
        held = null;
        began();
        return new Promise((resolve) => setTimeout(resolve, 500)).then(() => (original as (...a: unknown[]) => unknown).apply(this, args));
      }
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as never;
    let stopping: Promise<void> | null = null;
    try {
      const token = await hub.tokenFor(personId(cast.ann), cast.ann);
      const answer = postGraphql(logging.url, token, `mutation($input: OpenCaseInput!) { openCase(input: $input) { reference } }`, {
        input: { reference: 'FTC-2031-078', title: 'Committed while the hub stopped', categories: ['SPAM'], countryCodes: ['US'], tlp: 'GREEN' },
      });
      await commitHeld;
      stopping = logging.hub.stop();
      expect(await answer).toEqual({ status: 200, body: { data: { openCase: { reference: 'FTC-2031-078' } } } });
      expect(await hub.ds.query(`SELECT count(*)::int AS n FROM enforcement_case WHERE reference = 'FTC-2031-078'`)).toEqual([{ n: 1 }]);
    } finally {
      pg.Client.prototype.query = original;
      await (stopping ?? logging.hub.stop());
    }
  });

  (embedded ? test.skip : test)('a stopping hub answers every request a client pipelined on one connection before closing it: none is done unanswered', async () => {
    const logging = await loggingHub();
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    const id = caseId('ICO-2004-008');
    const before = await hub.ds.query(`SELECT title FROM enforcement_case WHERE id = $1`, [id]);
    let stopping: Promise<void> | null = null;
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM enforcement_case WHERE id = $1 FOR UPDATE`, [id]);
      const token = await hub.tokenFor(personId(cast.isla), cast.isla);
      // Two requests at once on one connection; the first waits for the lock, the second behind it.
      const connection = pipelined(logging.url, [[token, id, 'Pipelined one'], [token, id, 'Pipelined two']]);
      await untilWaiting(locker);
      stopping = logging.hub.stop();
      await new Promise((resolve) => setTimeout(resolve, 200));
      await locker.query('COMMIT');
      expect(await connection).toEqual([['200', 'Pipelined one'], ['200', 'Pipelined two']]);
      expect(await hub.ds.query(`SELECT title FROM enforcement_case WHERE id = $1`, [id])).toEqual([{ title: 'Pipelined two' }]);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await (stopping ?? logging.hub.stop());
      await hub.ds.query(`UPDATE enforcement_case SET title = $2 WHERE id = $1`, [id, before[0].title]);
    }
  });

  (embedded ? test.skip : test)('the grace over, a request still waiting is answered 503 (not written) and one pipelined behind it that was done is answered too', async () => {
    const logging = await loggingHub({ SHUTDOWN_GRACE_MS: '300' });
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    const [waits, done] = [caseId('ICO-2004-008'), caseId('FTC-2004-017')];
    const before = await hub.ds.query(`SELECT id, title FROM enforcement_case WHERE id = ANY($1) ORDER BY id`, [[waits, done]]);
    let stopping: Promise<void> | null = null;
    try {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM enforcement_case WHERE id = $1 FOR UPDATE`, [waits]);
      const token = await hub.tokenFor(personId(cast.ann), cast.ann);
      const isla = await hub.tokenFor(personId(cast.isla), cast.isla);
      // The first waits for the lock; the second (another case, its lead agency's) is done at once, its answer owed after the first's.
      const connection = pipelined(logging.url, [[isla, waits, 'Waited past the grace'], [token, done, 'Done behind it']]);
      await untilWaiting(locker);
      await new Promise((resolve) => setTimeout(resolve, 200));
      stopping = logging.hub.stop();
      const answers = await connection;
      await locker.query('COMMIT');
      expect(answers).toEqual([
        ['503', 'The hub stopped before this request was done: nothing of it was written; send it again'],
        ['200', 'Done behind it'],
      ]);
      await stopping;
      await new Promise((resolve) => setTimeout(resolve, 300));
      const after = new Map((await hub.ds.query(`SELECT id, title FROM enforcement_case WHERE id = ANY($1)`, [[waits, done]])).map((r: any) => [r.id, r.title]));
      expect([after.get(waits), after.get(done)]).toEqual([before.find((r: any) => r.id === waits).title, 'Done behind it']);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await (stopping ?? logging.hub.stop());
      for (const r of before) await hub.ds.query(`UPDATE enforcement_case SET title = $2 WHERE id = $1`, [r.id, r.title]);
    }
  });

  (embedded ? test.skip : test)('the grace over, a commit that still waits (a deferred check on a row another session holds) is cancelled: answered 503, nothing written', async () => {
    const logging = await loggingHub({ SHUTDOWN_GRACE_MS: '200' });
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    const applicants = async () => (await hub.ds.query(`SELECT count(*)::int AS n FROM participant WHERE name = 'Held Applicant'`))[0].n;
    let stopping: Promise<void> | null = null;
    try {
      // recordApplication's recorded_by_id is a deferred foreign key to Ann: checked at COMMIT, which waits for her row.
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM person WHERE id = $1 FOR UPDATE`, [personId(cast.ann)]);
      const token = await hub.tokenFor(personId(cast.ann), cast.ann);
      const answer = postGraphql(logging.url, token, `mutation($input: RecordApplicationInput!) { recordApplication(input: $input) { id } }`, {
        input: { name: 'Held Applicant', kind: 'PRIVATE_SECTOR', sector: 'INTERNET_SERVICE_PROVIDER', countryCode: 'US', pointOfContact: { name: 'Held Contact', email: 'held@applicant.example' } },
      });
      await untilWaiting(locker);
      stopping = logging.hub.stop();
      expect(await answer).toEqual({
        status: 503,
        body: { errors: [{ message: 'The hub stopped before this request was done: nothing of it was written; send it again', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 } }], data: null },
      });
      await locker.query('COMMIT');
      await stopping;
      expect(await applicants()).toBe(0);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await (stopping ?? logging.hub.stop());
      await hub.ds.query(`DELETE FROM person WHERE email = 'held@applicant.example'`).catch(() => undefined);
      await hub.ds.query(`DELETE FROM participant WHERE name = 'Held Applicant'`).catch(() => undefined);
    }
  });

  (embedded ? test.skip : test)('every database connection in use: a request is refused 503 with Retry-After (not an internal error), a WebSocket 1013, /readyz 503 after its 2 s; served again once one is free', async () => {
    const ds = await openDatabase(process.env.LAPHUB_TEST_DB_URL!, 1);
    // The pool's wait, 10 s in the hub, shortened for the test.
    poolOf(ds).options.connectionTimeoutMillis = 300;
    const { logger, lines } = capturingLogger();
    const other = await createHub({ config: loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL }), ds, logger });
    const base = `http://127.0.0.1:${await other.listen(0, '127.0.0.1')}`;
    let held: { release(): void } | null = await poolOf(ds).connect();
    const token = await hub.tokenFor(personId(cast.ann), cast.ann);
    const me = () =>
      fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: '{ me { kind } }' }) }).then(
        async (res) => ({ status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() }),
      );
    try {
      const refused = await me();
      expect([refused.status, refused.retryAfter, refused.body.data ?? null, refused.body.errors.map((e: any) => [e.message, e.extensions.code])]).toEqual([
        503, '1', null, [['The hub is busy: every database connection stayed in use; send the request again', 'SERVICE_UNAVAILABLE']],
      ]);
      const live = await LiveClient.connect(base + '/graphql', { authorization: `Bearer ${token}` });
      expect(live.acknowledged).toBe(false);
      expect(await live.client.closed).toEqual({ code: 1013, reason: 'Try again later: the hub is busy' });
      const ready = await fetch(`${base}/readyz`);
      expect([ready.status, await ready.json()]).toEqual([503, { status: 'every database connection stayed in use for 2 s, none given back (statements waiting for a lock, or a database that does not answer)' }]);
      // With requests waiting for a connection for longer than /readyz's own 2 s (the pool's wait is a minute now): said by its 2 s timer.
      poolOf(ds).options.connectionTimeoutMillis = 60_000;
      const queued = me();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const late = await fetch(`${base}/readyz`);
      expect([late.status, await late.json()]).toEqual([503, { status: 'every database connection stayed in use for 2 s, none given back (statements waiting for a lock, or a database that does not answer)' }]);
      // Said to the operator as what it is, never as an internal error.
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(lines.some((l) => l.level === 40 && /every connection of the database pool \(1\) stayed in use/.test(l.msg))).toBe(true);
      held.release();
      held = null;
      expect((await queued).body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
      expect((await me()).body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
      expect((await fetch(`${base}/readyz`)).status).toBe(200);
      // Busy, not stuck: every connection taken and a request queued, the connection free again within the 2 s. Ready:
      // the probe waits its turn (it used to be 503 at once, taking a loaded hub that served out of service).
      held = await poolOf(ds).connect();
      const waiting = me();
      await new Promise((resolve) => setTimeout(resolve, 50));
      const probe = fetch(`${base}/readyz`).then(async (res) => [res.status, await res.json()]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      held.release();
      held = null;
      expect(await probe).toEqual([200, { status: 'ready' }]);
      expect((await waiting).body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
      // Loaded: requests queued ahead of the probe that each hold the connection a second, so the probe's own turn comes
      // long after its 2 s. A connection given back meanwhile is the hub serving: ready at once (it said 503 after 2 s).
      held = await poolOf(ds).connect();
      const ahead = Array.from({ length: 4 }, () => poolOf(ds).connect().then(async (c) => {
        await new Promise((resolve) => setTimeout(resolve, 1000));
        c.release();
      }));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const loaded = fetch(`${base}/readyz`).then(async (res) => [res.status, await res.json()]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      held.release();
      held = null;
      expect(await loaded).toEqual([200, { status: 'ready' }]);
      await Promise.all(ahead);
    } finally {
      held?.release();
      await other.stop();
      await ds.destroy();
    }
  });

  // A lock on `person` keeps the credential's lookup (which begins the request's transaction) waiting while the client
  // goes away; the request is one Apollo refuses before running anything, so no plugin of the hub ends its transaction.
  (embedded ? test.skip : test)('a client gone while its credential is looked up, with a body refused before anything runs: the transaction is ended, the pool stays whole', async () => {
    const logging = await loggingHub();
    const { lines } = logging;
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    const others = `datname = current_database() AND pid <> pg_backend_pid()`;
    const count = async (where: string) => (await locker.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE ${others} AND ${where}`)).rows[0].n as number;
    const waiting = () => waitingOn(locker);
    const token = await hub.tokenFor(personId(cast.tom), cast.tom);
    const bodies = ['{"query":5}', '{"query":"{ me { kind } }","variables":"x"}', '[{"query":"{ me { kind } }"}]'];
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE person IN ACCESS EXCLUSIVE MODE');
      for (const [i, body] of bodies.entries()) {
        const controller = new AbortController();
        const request = fetch(logging.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': `gone-early-${i}` },
          body,
          signal: controller.signal,
        });
        // Its lookup waits for the lock.
        for (let n = 0; n < 300 && (await waiting()) < i + 1; n++) await new Promise((resolve) => setTimeout(resolve, 10));
        expect(await waiting()).toBe(i + 1);
        controller.abort();
        await expect(request).rejects.toThrow();
      }
      // The hub has seen every client go (each request's access line is written when its connection closes)…
      const gone = () => bodies.every((_b, i) => lines.some((l) => l.req?.id === `gone-early-${i}`));
      for (let n = 0; n < 300 && !gone(); n++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(gone()).toBe(true);
      // …before their lookups end, which they do when the lock goes: then each transaction is ended at once.
      await locker.query('COMMIT');
      // Every connection of the hub back to idle (a lookup still running is 'active'; a transaction left open is 'idle in
      // transaction' for good).
      const busy = () => count(`state <> 'idle'`);
      for (let n = 0; n < 300 && (await busy()) > 0; n++) await new Promise((resolve) => setTimeout(resolve, 10));
      expect(await count(`state <> 'idle'`)).toBe(0);
      const next = await fetch(logging.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"query":"{ me { kind } }"}' });
      expect([next.status, await next.json()]).toEqual([200, { data: { me: { kind: 'PRIVATE' } } }]);
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await logging.hub.stop();
    }
  });

  // A lock held by another session keeps the request's first statement waiting (on an embedded database every
  // connection shares one session: no other session can hold it).
  (embedded ? test.skip : test)('its remaining statements are refused as abandoned work: no error logged, the access log says CLIENT_CLOSED_REQUEST, the pool stays whole', async () => {
    const logging = await loggingHub();
    const { lines } = logging;
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE enforcement_case IN ACCESS EXCLUSIVE MODE');
      const token = await hub.tokenFor(personId(cast.ann), cast.ann);
      const controller = new AbortController();
      const request = fetch(logging.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'x-request-id': 'gone-1' },
        body: JSON.stringify({
          query: `query($id: ID!) { case(id: $id) { reference countries { code } leadAgency { name } confidential { summary shares { participant { name } } } } }`,
          variables: { id: caseId('FTC-2004-021') },
        }),
        signal: controller.signal,
      });
      // The request's case statement waits for the lock.
      await untilWaiting(locker);
      controller.abort();
      await expect(request).rejects.toThrow();
      const access = async () => lines.find((l) => l.req?.id === 'gone-1' && l.graphql);
      for (let i = 0; i < 200 && !(await access()); i++) await new Promise((resolve) => setTimeout(resolve, 10));
      // The statement nobody will read is cancelled while the lock is still held: it waits no more.
      await untilNoneWaiting(locker);
      expect(await waitingOn(locker)).toBe(0);
      await locker.query('COMMIT');
      // The case statement answers; the resolvers' next statements are refused. Then the hub answers others as before.
      const next = await hub.gql(`{ me { kind } }`, { as: cast.ann });
      expect(next.body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(await access()).toMatchObject({ level: 30, msg: 'POST /graphql 499', res: { statusCode: 499 }, graphql: { type: 'query', outcome: 'CLIENT_CLOSED_REQUEST' } });
      expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
      await logging.hub.stop();
    }
  });
});
