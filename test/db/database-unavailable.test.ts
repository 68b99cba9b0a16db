import pg from 'pg';
import type { DataSource } from 'typeorm';
import { loadConfig } from '../../src/config';
import { createDataSource } from '../../src/db/data-source';
import { DATABASE_UNAVAILABLE_MESSAGE, poolOf } from '../../src/db/viewer-db';
import { createHub, Hub } from '../../src/server';
import { caseId, cast, personId, startTestHub, TEST_SECRET, TestHub } from '../support/hub';
import { capturingLogger } from '../support/log';
import { LiveClient } from '../support/live';
import { TcpProxy, testDatabaseThroughProxy } from '../support/tcp-proxy';
import { untilWaiting, waitingOn } from '../support/locker';

/**
 * A PostgreSQL server that stops answering without closing its connections (a host switched off, a network cut), or
 * that refuses them: every request is answered — 503 SERVICE_UNAVAILABLE with Retry-After within DATABASE_TIMEOUT_MS —
 * and the hub serves again once the database answers. The hub reaches the test database through a proxy of the test's
 * that forwards, swallows (`blackhole`) or refuses. On a PostgreSQL server only (the embedded database is in process).
 */

const onServer = process.env.LAPHUB_TEST_DB_KIND !== 'pglite';

(onServer ? describe : describe.skip)('a database that cannot be reached', () => {
  let base: TestHub;
  let proxy: TcpProxy;
  let ds: DataSource;
  let hub: Hub;
  let url: string;
  let lines: Array<Record<string, any>>;
  let ann: string;

  beforeAll(async () => {
    base = await startTestHub();
    ann = await base.tokenFor(personId(cast.ann), cast.ann);
    const proxied = await testDatabaseThroughProxy();
    proxy = proxied.proxy;
    ds = createDataSource(proxied.through, 4);
    await ds.initialize();
    const captured = capturingLogger();
    lines = captured.lines;
    const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATABASE_URL: proxied.through, DATABASE_TIMEOUT_MS: '1000', RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_VIEWER: '0' });
    hub = await createHub({ config, ds, logger: captured.logger });
    url = `http://127.0.0.1:${await hub.listen(0, '127.0.0.1')}/graphql`;
  });
  afterAll(async () => {
    proxy.mode('pass');
    await hub.stop().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
    await proxy.close();
    await base.close();
  });

  async function ask(query: string, token?: string) {
    const started = Date.now();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    const body = (await res.json()) as { data?: unknown; errors?: Array<{ message: string; extensions: { code: string } }> };
    return { status: res.status, retryAfter: res.headers.get('retry-after'), errors: body.errors?.map((e) => [e.message, e.extensions.code]), data: body.data, ms: Date.now() - started };
  }
  const unavailable = { status: 503, retryAfter: '5', errors: [[DATABASE_UNAVAILABLE_MESSAGE, 'SERVICE_UNAVAILABLE']] };

  test('a database that stops answering: each request is answered 503 within DATABASE_TIMEOUT_MS, and served again once it answers', async () => {
    const query = `{ me { kind } cases(first: 1) { totalCount } }`;
    expect(await ask(query, ann)).toMatchObject({ status: 200, data: { me: { kind: 'COORDINATOR' } } });
    expect(await ask(query)).toMatchObject({ status: 200, data: { me: { kind: 'ANONYMOUS' } } });
    proxy.mode('blackhole');
    for (const token of [ann, undefined]) {
      const answer = await ask(query, token);
      expect(answer).toMatchObject(unavailable);
      // DATABASE_TIMEOUT_MS for a statement on a connection the hub has; a new connection is given up after 10 s.
      expect(answer.ms).toBeLessThan(token ? 5000 : 12000);
    }
    // A mutation: its credential's lookup is not answered either; nothing was sent to be written.
    expect(await ask(`mutation { updateCase(id: "${personId(cast.ann)}", input: { title: "x" }) { title } }`, ann)).toMatchObject(unavailable);
    proxy.mode('pass');
    expect(await ask(query, ann)).toMatchObject({ status: 200, data: { me: { kind: 'COORDINATOR' } } });
    expect(await ask(query)).toMatchObject({ status: 200, data: { me: { kind: 'ANONYMOUS' } } });
    // The lines say what happened, as warnings (not errors with stacks for every request).
    expect(lines.filter((l) => l.level >= 50)).toEqual([]);
    expect(lines.filter((l) => /^the database cannot be reached: \d+ request\(s\) answered 503/.test(l.msg)).length).toBeGreaterThan(0);
  });

  test('a statement that waits for a lock longer than DATABASE_TIMEOUT_MS: ended by PostgreSQL, 503 "nothing written", no session left behind; the CSV report alike', async () => {
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE conference_call IN ACCESS EXCLUSIVE MODE');
      const answer = await ask(`{ calls(when: ALL) { nodes { title } } }`, ann);
      expect(answer).toMatchObject({
        status: 503,
        retryAfter: '5',
        errors: [['The database did not finish this request in time (a lock held long, or a heavy statement): nothing of it was written; send it again', 'SERVICE_UNAVAILABLE']],
      });
      expect(answer.ms).toBeLessThan(3000);
      const csv = await fetch(url.replace('/graphql', '/reports/network.csv?from=2004-01-01&to=2005-01-01'), { headers: { authorization: `Bearer ${ann}` } });
      expect([csv.status, csv.headers.get('retry-after'), ((await csv.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0].extensions.code]).toEqual([503, '5', 'SERVICE_UNAVAILABLE']);
      // Nothing of the hub's still waits for the lock.
      expect(await waitingOn(locker)).toBe(0);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    expect(await ask(`{ calls(when: ALL) { nodes { title } } }`, ann)).toMatchObject({ status: 200 });
  });

  test('a statement cancelled at the database (pg_cancel_backend) while it waits for a lock: 503 "nothing written", not an internal error; a mutation\'s too, and it wrote nothing', async () => {
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    // The sessions waiting for the locker's locks, cancelled as an administrator would.
    const cancelWaiting = async () => {
      await untilWaiting(locker);
      await locker.query(`SELECT pg_cancel_backend(l.pid) FROM pg_locks l WHERE NOT l.granted AND pg_backend_pid() = ANY (pg_blocking_pids(l.pid))`);
    };
    // On the test hub (its statements may wait 30 s: this suite's own hub ends them at 1 s, before they are cancelled).
    const askBase = async (query: string) => {
      const res = await fetch(base.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${ann}` }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> };
      return { status: res.status, retryAfter: res.headers.get('retry-after'), errors: body.errors?.map((e) => [e.message, e.extensions.code]) };
    };
    const cancelled = { status: 503, retryAfter: '1', errors: [['The database cancelled this request’s statement (an administrator, say): nothing of it was written; send it again', 'SERVICE_UNAVAILABLE']] };
    const ftc = caseId('FTC-2004-017');
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE conference_call IN ACCESS EXCLUSIVE MODE');
      const [read] = await Promise.all([askBase(`{ calls(when: ALL) { nodes { title } } }`), cancelWaiting()]);
      expect(read).toMatchObject(cancelled);
      await locker.query('ROLLBACK');
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM enforcement_case WHERE id = $1 FOR UPDATE`, [ftc]);
      const [write] = await Promise.all([askBase(`mutation { updateCase(id: "${ftc}", input: { title: "Cancelled title" }) { title } }`), cancelWaiting()]);
      expect(write).toMatchObject(cancelled);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    expect((await base.ds.query(`SELECT title FROM enforcement_case WHERE id = $1`, [ftc]))[0].title).not.toBe('Cancelled title');
    expect(await askBase(`{ calls(when: ALL) { nodes { title } } }`)).toMatchObject({ status: 200 });
  });

  test('a subscriber whose credential lookup is cancelled at the database (pg_cancel_backend): closed 1013 "the database cannot be reached", as when it times out, and no error logged — not told the identity provider is away', async () => {
    const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    const before = lines.length;
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE person IN ACCESS EXCLUSIVE MODE');
      const connecting = LiveClient.connect(url, { authorization: `Bearer ${ann}` });
      await untilWaiting(locker);
      await locker.query(`SELECT pg_cancel_backend(l.pid) FROM pg_locks l WHERE NOT l.granted AND pg_backend_pid() = ANY (pg_blocking_pids(l.pid))`);
      const live = await connecting;
      expect(live.acknowledged).toBe(false);
      expect(await live.client.closed).toEqual({ code: 1013, reason: 'Try again later: the database cannot be reached' });
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }
    expect(lines.slice(before).filter((l) => l.level >= 50)).toEqual([]);
    const again = await LiveClient.connect(url, { authorization: `Bearer ${ann}` });
    expect(again.acknowledged).toBe(true);
    await again.client.close();
  });

  test('a database that does not answer new connections: a request waiting for a place in the pool is told the database cannot be reached, not that the hub is busy', async () => {
    const options = poolOf(ds).options;
    const before = { idle: options.idleTimeoutMillis, connect: options.connectionTimeoutMillis };
    try {
      // Connections closed as soon as they are idle, and a new one waited for 1.5 s (the hub's pool: 10 s).
      options.idleTimeoutMillis = 20;
      options.connectionTimeoutMillis = 1500;
      expect(await ask('{ me { kind } }', ann)).toMatchObject({ status: 200 });
      for (let i = 0; i < 100 && poolOf(ds).totalCount > 0; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(poolOf(ds).totalCount).toBe(0);
      // The database answering no new connection: the pool's 4 places taken by connections being made, 2 requests
      // waiting behind them.
      proxy.mode('blackhole');
      const answers = await Promise.all(Array.from({ length: 6 }, () => ask('{ me { kind } }', ann)));
      expect(answers.map((a) => [a.status, a.errors])).toEqual(Array.from({ length: 6 }, () => [503, unavailable.errors]));
    } finally {
      proxy.mode('pass');
      options.idleTimeoutMillis = before.idle;
      options.connectionTimeoutMillis = before.connect;
    }
    expect(await ask('{ me { kind } }', ann)).toMatchObject({ status: 200 });
    // The outage's warning, said at most once a second, said before the next test counts its own.
    await new Promise((resolve) => setTimeout(resolve, 1100));
  });

  test('a database that does not accept connections (ALLOW_CONNECTIONS false: SQLSTATE 55000), or refuses the hub in any other way when it connects: 503, as when it cannot be reached', async () => {
    const query = `{ me { kind } cases(first: 1) { totalCount } }`;
    expect(await ask(query, ann)).toMatchObject({ status: 200 });
    const upstream = new URL(process.env.LAPHUB_TEST_DB_URL!);
    const database = decodeURIComponent(upstream.pathname.slice(1));
    upstream.pathname = '/postgres';
    const admin = new pg.Client({ connectionString: upstream.href });
    await admin.connect();
    const before = lines.length;
    try {
      await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()`, [database]);
      for (let i = 0; i < 4; i++) expect(await ask(query, i % 2 ? ann : undefined)).toMatchObject(unavailable);
      const csv = await fetch(url.replace('/graphql', '/reports/network.csv?from=2004-01-01&to=2005-01-01'), { headers: { authorization: `Bearer ${ann}` } });
      expect([csv.status, csv.headers.get('retry-after'), await csv.json()]).toEqual([503, '5', { errors: [{ message: DATABASE_UNAVAILABLE_MESSAGE, extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 } }] }]);
      // A subscriber's connection: "try again later", saying why (the token's person cannot be looked up).
      const live = await LiveClient.connect(url, { authorization: `Bearer ${ann}` });
      expect(live.acknowledged).toBe(false);
      expect(await live.client.closed).toEqual({ code: 1013, reason: 'Try again later: the database cannot be reached' });
      // Said as the other outages are: a warning a second at most with the count, no error line per request.
      await new Promise((resolve) => setTimeout(resolve, 1100));
      const said = lines.slice(before);
      expect(said.filter((l) => l.level >= 50 && !/live[- ]events/.test(l.msg))).toEqual([]);
      expect(said.filter((l) => /^the database cannot be reached/.test(l.msg)).map((l) => l.refused).reduce((a, b) => a + b, 0)).toBe(6);
    } finally {
      await admin.query(`ALTER DATABASE ${pg.escapeIdentifier(database)} ALLOW_CONNECTIONS true`);
      await admin.end();
    }
    expect(await ask(query, ann)).toMatchObject({ status: 200, data: { me: { kind: 'COORDINATOR' } } });
  });

  test('a database that refuses connections: 503, and one line a second at most however many requests', async () => {
    const query = `{ me { kind } cases(first: 1) { totalCount } }`;
    expect(await ask(query, ann)).toMatchObject({ status: 200 });
    const before = lines.length;
    proxy.mode('refuse');
    for (let i = 0; i < 12; i++) expect(await ask(query, i % 2 ? ann : undefined)).toMatchObject(unavailable);
    // Those of the last second are counted in a line at its end.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const said = lines.slice(before);
    // No error line per request (the live-events connection, of its own, says when it loses the database and while it
    // cannot have it back, every 2 s at most).
    expect(said.filter((l) => l.level >= 50 && !/live[- ]events/.test(l.msg))).toEqual([]);
    const outages = said.filter((l) => /^the database cannot be reached/.test(l.msg));
    expect(outages.length).toBeGreaterThanOrEqual(1);
    expect(outages.length).toBeLessThanOrEqual(3);
    expect(outages.map((l) => l.refused).reduce((a, b) => a + b, 0)).toBe(12);
    proxy.mode('pass');
    expect(await ask(query, ann)).toMatchObject({ status: 200, data: { me: { kind: 'COORDINATOR' } } });
  });
});
