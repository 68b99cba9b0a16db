import net from 'node:net';
import pg from 'pg';
import { parse, validate } from 'graphql';
import type { DataSource } from 'typeorm';
import { loadConfig, NodeEnv } from '../../src/config';
import { createLogger } from '../../src/logger';
import { buildBareSchema } from '../../src/schema';
import { createHub, Hub } from '../../src/server';
import { TokenService } from '../../src/auth/tokens';
import { forgedCursor } from '../support/cursor';
import { caseId, cast, personId, startTestHub, TEST_SECRET, TestHub } from '../support/hub';

/**
 * The hub over HTTP (ENGINEERING "Errors and safety defaults"): health endpoints, the self-contained GraphiQL page,
 * GraphQL over GET with Apollo's CSRF prevention, mutations over POST only, and error responses that never carry a
 * stack trace, SQL text or a "Did you mean" suggestion — in the test configuration and in production.
 */

let hub: TestHub;
let base: string;
beforeAll(async () => {
  hub = await startTestHub();
  base = hub.url.replace(/\/graphql$/, '');
});
afterAll(() => hub.close());

/** Another hub on the test database in the given NODE_ENV; `ds` may be a stand-in whose queries fail. */
async function otherHub(nodeEnv: NodeEnv, ds: DataSource = hub.ds): Promise<{ url: string; hub: Hub }> {
  const config = loadConfig({ NODE_ENV: nodeEnv, JWT_SECRET: TEST_SECRET, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL });
  const other = await createHub({ config, ds, logger: createLogger({ logLevel: 'silent' }) });
  const port = await other.listen(0, '127.0.0.1');
  return { url: `http://127.0.0.1:${port}/graphql`, hub: other };
}

/**
 * The test database, except that every statement reading `enforcement_case` names a table that does not exist: a real
 * PostgreSQL error, with the SQL text in it, on every path to cases.
 */
function brokenCases(ds: DataSource): DataSource {
  // Every statement a request sends goes through a client of the data source's pool: rename the cases table in them.
  const pool = (ds.driver as unknown as { master: pg.Pool }).master;
  const brokenPool = new Proxy(pool, {
    get(target, property, receiver) {
      if (property !== 'connect') return Reflect.get(target, property, receiver);
      return async () => {
        const client = await target.connect();
        return new Proxy(client, {
          get(c, p, r) {
            if (p !== 'query') return Reflect.get(c, p, r);
            const rename = (text: string) => text.replace(/\benforcement_case\b/g, 'enforcement_case_gone');
            // a statement as text, or as a query config ({ text, values, name }: a prepared statement, renamed too)
            return (query: string | { text: string; name?: string }, ...rest: unknown[]) =>
              (c.query as (...a: unknown[]) => unknown)(
                typeof query === 'string' ? rename(query) : { ...query, text: rename(query.text), name: query.name && `${query.name}_gone` },
                ...rest,
              );
          },
        });
      };
    },
  });
  const driver = new Proxy(ds.driver, { get: (t, p, r) => (p === 'master' ? brokenPool : Reflect.get(t, p, r)) });
  return new Proxy(ds, { get: (t, p, r) => (p === 'driver' ? driver : Reflect.get(t, p, r)) });
}

function tokenFor(email: string): Promise<string> {
  return new TokenService(hub.config).sign(personId(email), email);
}

async function post(url: string, query: string, variables?: Record<string, unknown>) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) });
  return { status: res.status, text: await res.text() };
}

describe('health', () => {
  test('GET /healthz: the process is up', async () => {
    const res = await fetch(`${base}/healthz`);
    expect([res.status, res.headers.get('content-type'), await res.json()]).toEqual([200, 'application/json; charset=utf-8', { status: 'ok' }]);
  });

  test('GET /readyz: the database answers', async () => {
    const res = await fetch(`${base}/readyz`);
    expect([res.status, await res.json()]).toEqual([200, { status: 'ready' }]);
  });

  test('GET /readyz: 503 when the database fails, without the database’s error', async () => {
    const failing = new Proxy(hub.ds, {
      get: (target, property, receiver) =>
        property === 'query' ? () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432')) : Reflect.get(target, property, receiver),
    });
    const other = await otherHub('production', failing);
    try {
      const res = await fetch(other.url.replace(/\/graphql$/, '/readyz'));
      expect([res.status, await res.json()]).toEqual([503, { status: 'database unavailable' }]);
    } finally {
      await other.hub.stop();
    }
  });

  test('an unknown route is a 404 in JSON', async () => {
    for (const [method, path] of [['GET', '/nope'], ['POST', '/graphiql'], ['GET', '/']]) {
      const res = await fetch(`${base}${path}`, { method, headers: { 'content-type': 'application/json' }, body: method === 'POST' ? '{}' : undefined });
      expect({ path, status: res.status, type: res.headers.get('content-type'), body: await res.json() }).toEqual({
        path,
        status: 404,
        type: 'application/json; charset=utf-8',
        body: { error: 'not found' },
      });
    }
  });
});

describe('GraphiQL', () => {
  test('GET /graphql asking for HTML serves a self-contained GraphiQL page: no script or stylesheet from the network', async () => {
    const res = await fetch(hub.url, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await res.text();
    expect(html).toContain('<title>LAP Hub — GraphiQL</title>');
    expect(html).toContain('<div id="root"></div>');
    expect(html.length).toBeGreaterThan(100_000); // the bundle is inlined
    expect(html).not.toMatch(/<script\b[^>]*\bsrc\s*=/i);
    const links = html.match(/<link\b[^>]*>/gi) ?? [];
    expect(links.filter((l) => !/\bhref\s*=\s*["']?data:/i.test(l))).toEqual([]);
    expect(html).not.toMatch(/@import\s+(url\()?["']?(https?:)?\/\//i);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh|googleapis/i);
    // Subscriptions go over graphql-ws at the same URL, with the Headers tab's token added to connection_init.
    expect(html).toContain('"subscriptionsProtocol":"WS"');
    expect(html).toContain("message.type === 'connection_init'");
  });

  test('the page is served compressed when the browser accepts gzip', async () => {
    const res = await fetch(hub.url, { headers: { accept: 'text/html', 'accept-encoding': 'gzip' } });
    expect([res.status, res.headers.get('content-encoding')]).toEqual([200, 'gzip']);
    expect(await res.text()).toContain('<title>LAP Hub — GraphiQL</title>');
  });

  test('a browser that has the page already is answered 304 Not Modified: its megabytes are not sent again', async () => {
    const first = await fetch(hub.url, { headers: { accept: 'text/html' } });
    const etag = first.headers.get('etag');
    expect([first.status, first.headers.get('cache-control'), etag]).toEqual([200, 'no-cache', expect.stringMatching(/^"[A-Za-z0-9_-]{27}"$/)]);
    await first.arrayBuffer();
    const again = await fetch(hub.url, { headers: { accept: 'text/html', 'if-none-match': etag! } });
    expect([again.status, again.headers.get('etag'), (await again.arrayBuffer()).byteLength]).toEqual([304, etag, 0]);
    const other = await fetch(hub.url, { headers: { accept: 'text/html', 'if-none-match': '"another"' } });
    expect(other.status).toBe(200);
    await other.arrayBuffer();
  });
});

test.each(['PUT', 'PATCH', 'DELETE'])('%s on /graphql is 405 with Allow: GET, POST, and nothing runs', async (method) => {
  const res = await fetch(hub.url, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'mutation { scheduleCall(input: { title: "t", scheduledAt: "2031-01-01T00:00:00Z" }) { id } }' }) });
  expect([res.status, res.headers.get('allow'), await res.json()]).toEqual([
    405,
    'GET, POST',
    { errors: [{ message: `${method} is not a method of /graphql: use GET or POST`, extensions: { code: 'BAD_REQUEST' } }] },
  ]);
});

describe('GraphQL over GET', () => {
  const query = encodeURIComponent('{ me { kind } cases { totalCount } }');

  test.each([
    ['apollo-require-preflight', { 'apollo-require-preflight': 'true' }],
    ['a JSON content type', { 'content-type': 'application/json' }],
    ['x-apollo-operation-name', { 'x-apollo-operation-name': 'Board' }],
  ])('a query over GET with a non-simple header (%s) runs', async (_what, headers) => {
    const res = await fetch(`${hub.url}?query=${query}`, { headers });
    expect([res.status, await res.json()]).toEqual([200, { data: { me: { kind: 'ANONYMOUS' }, cases: { totalCount: 1 } } }]);
  });

  test('a subscription whose root field a variable could skip is refused over GET too: 400 BAD_USER_INPUT, not an internal error', async () => {
    const subscription = encodeURIComponent('subscription($s: Boolean!) { caseChanged @include(if: $s) { reference } }');
    const res = await fetch(`${hub.url}?query=${subscription}&variables=${encodeURIComponent('{"s":true}')}`, { headers: { 'apollo-require-preflight': 'true' } });
    expect([res.status, await res.json()]).toEqual([
      400,
      { errors: [{ message: 'A subscription’s root field cannot be conditional: @skip and @include are not allowed on its top level', extensions: { code: 'BAD_USER_INPUT' } }] },
    ]);
  });

  test('a query string that is not well-formed UTF-8 once percent-decoded is refused 400, not read with U+FFFD in its place; well-formed escapes and a lone % are read', async () => {
    const get = async (search: string) => {
      const res = await fetch(`${hub.url}?${search}`, { headers: { 'apollo-require-preflight': 'true' } });
      return [res.status, await res.json()];
    };
    const refused = [400, { errors: [{ message: 'The query string is not well-formed UTF-8 once percent-decoded', extensions: { code: 'BAD_REQUEST' } }] }];
    const typename = encodeURIComponent('{ __typename }');
    expect(await get(`query=%7B%20__typename%20%FF%7D`)).toEqual(refused);
    expect(await get(`query=${typename}&operationName=%C3`)).toEqual(refused);
    expect(await get(`query=${typename}&variables=%7B%22n%22%3A%22%ED%A0%80%22%7D`)).toEqual(refused); // a surrogate's bytes
    expect(await get(`query=${encodeURIComponent('# café, 100%\n{ __typename }')}&x=100%`)).toEqual([200, { data: { __typename: 'Query' } }]);
  });

  test('a query over GET runs as the token’s viewer (a bearer token travels in a header, which a cross-site form cannot set)', async () => {
    const res = await fetch(`${hub.url}?query=${encodeURIComponent('{ me { kind } }')}`, {
      headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${await tokenFor(cast.ann)}` },
    });
    expect([res.status, await res.json()]).toEqual([200, { data: { me: { kind: 'COORDINATOR' } } }]);
  });

  test.each([
    ['no header at all', {}],
    ['a simple content type', { 'content-type': 'text/plain' }],
  ])('a simple GET (%s) is refused as a potential CSRF, nothing run', async (_what, headers) => {
    const res = await fetch(`${hub.url}?query=${query}`, { headers });
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(body.data).toBeUndefined();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(body.errors[0].message).toMatch(/^This operation has been blocked as a potential Cross-Site Request Forgery \(CSRF\)/);
  });

  test('a simple cross-site POST (text/plain) is refused as well', async () => {
    const before = await hub.ds.query('SELECT count(*)::int AS n FROM conference_call');
    const res = await fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: 'mutation { scheduleCall(input: { title: "CSRF", scheduledAt: "2031-01-01T00:00:00Z" }) { id } }' }),
    });
    expect(res.status).toBe(400);
    expect((await res.json()).errors[0].extensions).toEqual({ code: 'BAD_REQUEST' });
    expect(await hub.ds.query('SELECT count(*)::int AS n FROM conference_call')).toEqual(before);
  });

  test('a mutation over GET is refused (405), nothing written — even with a good token', async () => {
    const before = await hub.ds.query('SELECT count(*)::int AS n FROM conference_call');
    const token = await tokenFor(cast.ann);
    const mutation = encodeURIComponent('mutation { scheduleCall(input: { title: "Over GET", scheduledAt: "2031-01-01T00:00:00Z" }) { id } }');
    const res = await fetch(`${hub.url}?query=${mutation}`, { headers: { 'apollo-require-preflight': 'true', authorization: `Bearer ${token}` } });
    expect([res.status, await res.json()]).toEqual([
      405,
      { errors: [{ message: 'GET requests only support query operations, not mutation operations', extensions: { code: 'BAD_REQUEST' } }] },
    ]);
    expect(await hub.ds.query('SELECT count(*)::int AS n FROM conference_call')).toEqual(before);
  });
});

/** A document deeper than graphql-js's parser reads, told so (the test hubs' MAX_QUERY_DEPTH is the default, 12). */
const TOO_DEEP = 'Syntax Error: the document nests too deeply to be read (selections nest at most 12 levels, values written in the query at most 32)';

describe('error responses', () => {
  const noLeak = (text: string) => {
    expect(text).not.toMatch(/Did you mean|Suggestion/i);
    expect(text).not.toMatch(/stacktrace|\bat \S+ \(|\.ts:\d+|\.js:\d+/i);
    expect(text).not.toMatch(/\bSELECT\b|\bFROM\b|enforcement_case|relation "|QueryFailedError/);
  };

  /** Misspellings whose plain graphql-js messages would suggest the right name. */
  const misspellings: Array<[string, string, Record<string, unknown> | undefined, number, string]> = [
    ['field', '{ caess { totalCount } }', undefined, 400, 'Cannot query field "caess" on type "Query".'],
    ['nested field', '{ cases { nodes { refrence } } }', undefined, 400, 'Cannot query field "refrence" on type "Case".'],
    ['argument', '{ cases(frist: 1) { totalCount } }', undefined, 400, 'Unknown argument "frist" on field "Query.cases".'],
    ['enum value', '{ cases(orderBy: HARMM) { totalCount } }', undefined, 400, 'orderBy: Value "HARMM" does not exist in "CaseOrder" enum.'],
    ['input field', '{ cases(filter: { tlpp: RED }) { totalCount } }', undefined, 400, 'filter: Field "tlpp" is not defined by type "CaseFilter".'],
    ['type in a fragment', '{ cases { nodes { ... on Cas { id } } } }', undefined, 400, 'Unknown type "Cas".'],
    ['enum value in a variable', 'query($o: CaseOrder!) { cases(orderBy: $o) { totalCount } }', { o: 'HARMM' }, 400,
      'orderBy: Value "HARMM" does not exist in "CaseOrder" enum.'],
    ['input field in a variable', 'query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { tlpp: 'RED' } }, 400,
      'filter: Field "tlpp" is not defined by type "CaseFilter".'],
  ];

  test('graphql-js itself would suggest names for these misspellings (the control for the tests below)', async () => {
    const schema = await buildBareSchema();
    const suggested = misspellings
      .filter(([, , variables]) => !variables)
      .map(([, query]) => validate(schema, parse(query)).map((e) => e.message).join(' '));
    expect(suggested.every((m) => /Did you mean/.test(m))).toBe(true);
  });

  test('NODE_ENV=development: the stack traces it shows carry no suggestion either (their first line is the message)', async () => {
    const { url, hub: dev } = await otherHub('development');
    try {
      for (const [, query, variables, status, message] of misspellings) {
        const r = await post(url, query, variables);
        const body = JSON.parse(r.text) as { errors: Array<{ message: string; extensions: { stacktrace?: string[] } }> };
        expect([r.status, body.errors.map((e) => e.message)]).toEqual([status, [message]]);
        expect(r.text).not.toMatch(/Did you mean|Suggestion/i);
        // Not vacuous: the stack traces are there, beginning with the message.
        expect(body.errors.every((e) => Array.isArray(e.extensions.stacktrace) && e.extensions.stacktrace[0].includes(message.replace(/^[\w.]+: /, '').slice(0, 20)))).toBe(true);
      }
    } finally {
      await dev.stop();
    }
  });

  for (const nodeEnv of ['test', 'production'] as const) {
    describe(`NODE_ENV=${nodeEnv}`, () => {
      let url: string;
      let other: Hub | undefined;
      beforeAll(async () => {
        if (nodeEnv === 'test') {
          url = hub.url;
        } else {
          ({ url, hub: other } = await otherHub('production'));
        }
      });
      afterAll(async () => {
        await other?.stop();
      });

      test.each(misspellings)('a misspelled %s: the error names the problem, with no suggestion', async (_what, query, variables, status, message) => {
        const r = await post(url, query, variables);
        noLeak(r.text);
        const body = JSON.parse(r.text);
        expect({ status: r.status, messages: body.errors.map((e: { message: string }) => e.message), data: body.data }).toEqual({
          status,
          messages: [message],
          data: undefined,
        });
      });

      test('a literal that does not fit its argument is 400 BAD_USER_INPUT naming the argument, as the same value in a variable', async () => {
        const literals: Array<[string, string, string]> = [
          ['{ networkReport(from: "notadate", to: "2026-01-01T00:00:00Z") { callsHeld } }', 'from', 'from: DateTime cannot represent an invalid date-time-string notadate.'],
          ['{ cases(first: "x") { totalCount } }', 'first', 'first: Int cannot represent non-integer value: "x"'],
          ['{ cases(filter: { tlp: PURPLE }) { totalCount } }', 'filter.tlp', 'filter.tlp: Value "PURPLE" does not exist in "Tlp" enum.'],
          ['mutation { openCase(input: { reference: "X-1", title: "abc", tlp: GREEN, countryCodes: ["GB"] }) { id } }', 'input.categories', 'input.categories: is required ([HarmCategory!]!)'],
          ['mutation { openCase(input: { reference: "X-1", title: "abc", tlp: GREEN, countryCodes: ["GB"], categories: [SPAM, GOSSIP] }) { id } }', 'input.categories[1]', 'input.categories[1]: Value "GOSSIP" does not exist in "HarmCategory" enum.'],
          ['{ cases { nodes { id @include(if: "yes") } } }', 'if', 'if: Boolean cannot represent a non boolean value: "yes"'],
        ];
        for (const [query, argument, message] of literals) {
          const r = await post(url, query);
          noLeak(r.text);
          expect({ status: r.status, body: JSON.parse(r.text) }).toEqual({
            status: 400,
            body: { errors: [{ message, locations: [expect.any(Object)], extensions: { code: 'BAD_USER_INPUT', argument } }] },
          });
        }
        // The same mistakes in variables are named the same way.
        const variables: Array<[string, Record<string, unknown>, string, string]> = [
          ['mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { reference: 'X-1', title: 'abc', tlp: 'GREEN', countryCodes: ['GB'] } }, 'input.categories', 'input.categories: is required ([HarmCategory!]!)'],
          ['mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { reference: 'X-1', title: 'abc', tlp: 'GREEN', countryCodes: ['GB'], categories: ['SPAM', 'GOSSIP'] } }, 'input.categories[1]', 'input.categories[1]: Value "GOSSIP" does not exist in "HarmCategory" enum.'],
          ['query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { tlp: 'PURPLE' } }, 'filter.tlp', 'filter.tlp: Value "PURPLE" does not exist in "Tlp" enum.'],
        ];
        for (const [query, values, argument, message] of variables) {
          const r = await post(url, query, values);
          noLeak(r.text);
          expect({ status: r.status, body: JSON.parse(r.text) }).toEqual({
            status: 400,
            body: { errors: [{ message, locations: [expect.any(Object)], extensions: { code: 'BAD_USER_INPUT', argument } }] },
          });
        }
        // Any other validation error stays GRAPHQL_VALIDATION_FAILED.
        const unknown = await post(url, '{ cases(frist: 1) { totalCount } }');
        expect(JSON.parse(unknown.text).errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['GRAPHQL_VALIDATION_FAILED']);
      });

      test('a document nested deeper than graphql-js\'s parser reads (its call stack ends) is 400 GRAPHQL_PARSE_FAILED saying so, not "Maximum call stack size exceeded"', async () => {
        // A list written in the query 2,490 levels deep, within the 5,000 tokens (selections or list types deep enough
        // are over them).
        const r = await post(url, `{ case(id: ${'['.repeat(2490)}"x"${']'.repeat(2490)}) { id } }`);
        noLeak(r.text);
        const body = JSON.parse(r.text);
        expect([r.status, body.data, body.errors.map((e: { message: string; extensions: { code: string } }) => [e.message, e.extensions.code])]).toEqual([
          400, undefined, [[TOO_DEEP, 'GRAPHQL_PARSE_FAILED']],
        ]);
      });

      test('a syntax error and a document over 5,000 tokens are 400 GRAPHQL_PARSE_FAILED, never a server error', async () => {
        const answers = [];
        for (const query of ['{ cases { nodes { reference }', `{ me { ${'kind '.repeat(5000)}} }`]) {
          const r = await post(url, query);
          noLeak(r.text);
          const body = JSON.parse(r.text);
          answers.push({ status: r.status, codes: body.errors.map((e: { extensions: { code: string } }) => e.extensions.code), data: body.data, message: body.errors[0].message });
        }
        expect(answers).toEqual([
          { status: 400, codes: ['GRAPHQL_PARSE_FAILED'], data: undefined, message: 'Syntax Error: Expected Name, found <EOF>.' },
          // graphql-js's "more that 5000 tokens", mended.
          { status: 400, codes: ['GRAPHQL_PARSE_FAILED'], data: undefined, message: 'Syntax Error: Document contains more than 5000 tokens. Parsing aborted.' },
        ]);
      });

      test('variables and aliases named with a leading __ are refused before execution', async () => {
        const r1 = await post(url, 'query($__proto__: ID!) { case(id: $__proto__) { id } }', { __proto__: 'x' });
        const r2 = await post(url, '{ __proto__: me { kind } }');
        expect([r1.status, r2.status]).toEqual([400, 400]);
        expect([JSON.parse(r1.text).errors[0].extensions.code, JSON.parse(r2.text).errors[0].extensions.code]).toEqual([
          'GRAPHQL_VALIDATION_FAILED',
          'GRAPHQL_VALIDATION_FAILED',
        ]);
      });

      test('a database error is an opaque internal error: no SQL text, no stack trace', async () => {
        const broken = await otherHub(nodeEnv, brokenCases(hub.ds));
        try {
          const r = await post(broken.url, '{ me { kind } cases { totalCount } }');
          noLeak(r.text);
          expect({ status: r.status, body: JSON.parse(r.text) }).toEqual({
            status: 200,
            body: { data: null, errors: [{ message: 'Internal server error', path: ['cases'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
          });
        } finally {
          await broken.hub.stop();
        }
      });

      test('a forged cursor is bad input, never an error from the database', async () => {
        const id = '00000000-0000-4000-8000-000000000000';
        for (const keys of [['9999999999', id], ['2024-02-30 00:00:00+00', id]]) {
          const orderBy = keys[0].includes('-') ? 'OPENED_AT' : 'HARM';
          const real = JSON.parse((await post(url, `{ cases(orderBy: ${orderBy}, first: 1) { pageInfo { endCursor } } }`)).text).data.cases.pageInfo.endCursor;
          const after = forgedCursor(real, keys);
          const r = await post(url, `query($after: String) { cases(orderBy: ${orderBy}, after: $after) { totalCount } }`, { after });
          noLeak(r.text);
          const body = JSON.parse(r.text);
          expect(body.errors.map((e: { message: string; extensions: { code: string } }) => [e.message, e.extensions.code])).toEqual([
            ['after: is not a cursor of this list', 'BAD_USER_INPUT'],
          ]);
        }
      });

      test('an explicit null for a variable with a default, where a non-null value is needed: bad input, before anything runs', async () => {
        const token = await tokenFor('tom.baker@meridianbank.example');
        const ask = async (query: string, variables: Record<string, unknown>) => {
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query, variables }) });
          return { status: res.status, body: await res.json() };
        };
        const contact = async () => (await hub.ds.query(`SELECT point_of_contact_id FROM participant WHERE name = 'Meridian Bank'`))[0];
        const before = await contact();
        const asked: Array<[string, string]> = [
          ['query($id: ID = "x") { me { kind } case(id: $id) { id } }', 'id: must not be null (ID!)'],
          ['query($c: String = "GB") { country(code: $c) { name } }', 'code: must not be null (String!)'],
          ['mutation($p: ID = "x") { designatePointOfContact(personId: $p) { id } }', 'personId: must not be null (ID!)'],
          ['query($t: Tlp = RED) { cases(first: 1, filter: { tlp: $t }) { totalCount } }', ''],
          ['mutation($t: String = "x") { openCase(input: { reference: "N-1", title: $t, categories: [SPAM], countryCodes: ["GB"], tlp: GREEN }) { id } }', 'input.title: must not be null (String!)'],
        ];
        for (const [query, message] of asked) {
          for (let i = 0; i < 2; i++) {
            // Twice: the second time a query is a known query (src/http/known-query.ts), which leaves it to Apollo.
            const r = await ask(query, { id: null, c: null, p: null, t: null });
            noLeak(JSON.stringify(r.body));
            if (!message) {
              // A nullable input field given null: no error, the filter is off.
              expect(r.body.errors).toBeUndefined();
              continue;
            }
            expect(r.status).toBe(400);
            expect(r.body.errors.map((e: { message: string; extensions: { code: string; argument: string } }) => [e.message, e.extensions.code, e.extensions.argument]))
              .toEqual([[message, 'BAD_USER_INPUT', message.slice(0, message.indexOf(':'))]]);
            expect(r.body.data).toBeUndefined();
          }
        }
        expect(await contact()).toEqual(before);
      });

      test('a variable nested thousands of levels deep is read as any other: bad input where its type refuses it, never an internal error', async () => {
        // The body written out by hand: JSON.stringify itself recurses, and gives up long before a JSON body must.
        const ask = async (query: string, variables: string) => {
          const body = `{"query":${JSON.stringify(query)},"variables":${variables}}`;
          const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
          return { status: res.status, body: await res.json() };
        };
        const nested = (depth: number, inner: string): string => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
        for (let i = 0; i < 2; i++) {
          // Twice: the second time a query is a known query (src/http/known-query.ts).
          const text = await ask('query($c: String!) { country(code: $c) { name } }', `{"c":${nested(4000, '[]')}}`);
          expect([text.status, text.body.errors.map((e: { extensions: { code: string } }) => e.extensions.code)]).toEqual([400, ['BAD_USER_INPUT']]);
          // A representation is taken as it comes (`_Any`): only its __typename and key are read.
          const entities = 'query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Country { name } } }';
          const deep = await ask(entities, `{"r":[{"__typename":"Country","code":"GB","deep":${nested(20000, '"x"')}}]}`);
          expect([deep.status, deep.body]).toEqual([200, { data: { _entities: [{ __typename: 'Country', name: 'United Kingdom' }] } }]);
          // Text PostgreSQL cannot store is found at any depth, and named.
          const bad = await ask(entities, `{"r":[{"__typename":"Country","code":"GB","deep":${nested(20000, '"a\\u0000b"')}}]}`);
          expect(bad.status).toBe(400);
          expect(bad.body.errors.map((e: { message: string; extensions: { code: string; argument: string } }) => [e.message, e.extensions.code, e.extensions.argument]))
            .toEqual([[`representations[0].deep${'[0]'.repeat(20000)}: must not contain a NUL character (U+0000)`, 'BAD_USER_INPUT', `representations[0].deep${'[0]'.repeat(20000)}`]]);
        }
      });

      test('a value written in the query is nested at most 32 levels deep: deeper is bad input naming where, at any depth the parser takes', async () => {
        const entities = (depth: number) =>
          `{ _entities(representations: [{ __typename: "Country", code: "GB", deep: ${'['.repeat(depth)}1${']'.repeat(depth)} }]) { __typename } }`;
        // The representation's object and list count as two levels.
        const fits = await post(url, entities(30));
        expect([fits.status, JSON.parse(fits.text)]).toEqual([200, { data: { _entities: [{ __typename: 'Country' }] } }]);
        for (const depth of [31, 100, 1000, 2000, 2400]) {
          const r = await post(url, entities(depth));
          const body = JSON.parse(r.text);
          expect([depth, r.status, body.data]).toEqual([depth, 400, undefined]);
          // Below the depth at which graphql-js's own parser gives up (a parse error, 400), the rule names the limit and,
          // as for any literal that does not fit, the argument: where the 33rd level begins.
          const [error] = body.errors;
          const argument = `representations[0].deep${'[0]'.repeat(30)}`;
          if (error.extensions.code === 'GRAPHQL_PARSE_FAILED') {
            expect(depth).toBeGreaterThanOrEqual(1000);
            expect(error.message).toBe(TOO_DEEP);
          }
          else {
            expect([error.message, error.extensions.code, error.extensions.argument]).toEqual([
              `${argument}: A value written in the query is nested more than 32 levels deep: send a value so deep as a variable.`, 'BAD_USER_INPUT', argument,
            ]);
          }
          expect(body.errors).toHaveLength(1);
        }
      });

      test('a forged cursor out of its key\'s range fails its own field only: it never reaches the database, whose error would abort the request\'s transaction', async () => {
        for (const [key, order] of [['9999999999', 'HARM'], ['2024-02-30 00:00:00+00', 'OPENED_AT'], ['0000-01-01 00:00:00+00', 'OPENED_AT']]) {
          const real = JSON.parse((await post(url, `{ cases(orderBy: ${order}, first: 1) { pageInfo { endCursor } } }`)).text).data.cases.pageInfo.endCursor;
          const after = forgedCursor(real, [key, '00000000-0000-4000-8000-000000000000']);
          const asked = `query($after: String) { me { kind person { name } } page: cases(first: 1, after: $after, orderBy: ${order}) { totalCount } countries(first: 2) { totalCount } }`;
          const res = await fetch(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${await tokenFor('isla.morgan@ico.example')}` },
            body: JSON.stringify({ query: asked, variables: { after } }),
          });
          const body = await res.json();
          expect([key, body.errors.map((e: { message: string; path: string[]; extensions: { code: string } }) => [e.message, e.path, e.extensions.code])]).toEqual([key, [
            ['after: is not a cursor of this list', ['page'], 'BAD_USER_INPUT'],
          ]]);
        }
      });
    });
  }

  test('in development the same database error shows its details: the failure the tests above hide is real', async () => {
    const broken = await otherHub('development', brokenCases(hub.ds));
    try {
      const r = await post(broken.url, '{ cases { totalCount } }');
      expect(r.text).toContain('relation \\"enforcement_case_gone\\" does not exist');
      expect(r.text).toContain('stacktrace');
    } finally {
      await broken.hub.stop();
    }
  });
});

describe('stopping', () => {
  const OPEN = 'mutation($input: OpenCaseInput!) { openCase(input: $input) { reference } }';
  const input = (reference: string) => ({ reference, title: 'Opened while the hub stops', categories: ['SPAM'], countryCodes: ['GB'], tlp: 'GREEN' });

  /** A raw HTTP/1.1 POST of `body` to /graphql on a keep-alive connection, as its head and its body. */
  function request(port: number, body: string, token: string): { head: string; body: string } {
    return {
      head:
        `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\n` +
        `Connection: keep-alive\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n`,
      body,
    };
  }

  /** A client connection that collects what the server sends and notes when the server ends or closes it. */
  async function connection(port: number) {
    const socket = net.connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', () => resolve()).once('error', reject));
    const state = { received: '', ended: false };
    socket.on('data', (d) => (state.received += d.toString('utf8')));
    socket.on('end', () => (state.ended = true));
    socket.on('close', () => (state.ended = true));
    socket.on('error', () => (state.ended = true));
    const until = async (done: () => boolean, ms = 10000) => {
      for (const start = Date.now(); !done(); ) {
        if (Date.now() - start > ms) throw new Error(`timed out; received: ${state.received}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    return { socket, state, until };
  }

  /** A hub in production on its own port, and a token of Isla Morgan (ICO, an agency: she may open cases). */
  async function productionHub() {
    const other = await otherHub('production');
    const token = await new TokenService(loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET })).sign(personId(cast.isla), cast.isla);
    return { other, port: Number(new URL(other.url).port), token };
  }

  async function referencesLike(prefix: string): Promise<string[]> {
    const rows = (await hub.ds.query(`SELECT reference FROM enforcement_case WHERE reference LIKE $1 ORDER BY reference`, [`${prefix}%`])) as Array<{ reference: string }>;
    return rows.map((r) => r.reference);
  }

  test('a request under way is answered and committed; a request arriving after the stop began is answered 503 or never run', async () => {
    const { other, port, token } = await productionHub();
    try {
      // A: its head sent (the request has begun), half its body still to come when the stop begins.
      const a = await connection(port);
      const reqA = request(port, JSON.stringify({ query: OPEN, variables: { input: input('STOP-A') } }), token);
      a.socket.write(reqA.head + reqA.body.slice(0, 20));
      // B: a keep-alive connection that has had its answer and is idle when the stop begins.
      const b = await connection(port);
      const first = request(port, JSON.stringify({ query: '{ __typename }' }), token);
      b.socket.write(first.head + first.body);
      await b.until(() => /\r\n\r\n\{"data":\{"__typename":"Query"\}\}/.test(b.state.received));
      b.state.received = '';
      await new Promise((r) => setTimeout(r, 50));

      const stopped = other.hub.stop();
      // The idle connection is closed at once; a request sent on it then is never run.
      await b.until(() => b.state.ended);
      const late = request(port, JSON.stringify({ query: OPEN, variables: { input: input('STOP-B') } }), token);
      b.socket.write(late.head + late.body, () => undefined);
      // A's body completes: it is run, committed and answered, and its connection closes after the answer.
      a.socket.write(reqA.body.slice(20));
      await a.until(() => a.state.ended);
      await stopped;

      expect(a.state.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(a.state.received.toLowerCase()).toContain('\r\nconnection: close\r\n');
      expect(a.state.received).toContain('{"data":{"openCase":{"reference":"STOP-A"}}}');
      // B: no answer but a 503 (never anything else: its request was not run).
      expect(b.state.received === '' || /^HTTP\/1\.1 503 /.test(b.state.received)).toBe(true);
      expect(await referencesLike('STOP-')).toEqual(['STOP-A']);
    } finally {
      await other.hub.stop().catch(() => undefined);
      await hub.ds.query(`DELETE FROM enforcement_case WHERE reference LIKE 'STOP-%'`);
    }
  });

  test('a request arriving on an open connection once the stop has begun is answered 503 SERVICE_UNAVAILABLE, and not run', async () => {
    const { other, port, token } = await productionHub();
    try {
      // A keeps the hub stopping (its request is under way); C's connection is busy with its own slow request's head.
      const a = await connection(port);
      const reqA = request(port, JSON.stringify({ query: '{ __typename }' }), token);
      a.socket.write(reqA.head);
      const c = await connection(port);
      const reqC = request(port, JSON.stringify({ query: OPEN, variables: { input: input('STOP-C') } }), token);
      // Its head is not complete yet: the connection is not idle, the request has not begun.
      c.socket.write(reqC.head.slice(0, 30));
      await new Promise((r) => setTimeout(r, 50));
      const stopped = other.hub.stop();
      await new Promise((r) => setTimeout(r, 50));
      c.socket.write(reqC.head.slice(30) + reqC.body);
      await c.until(() => c.state.received.includes('SERVICE_UNAVAILABLE') || c.state.ended);
      a.socket.write(reqA.body);
      await stopped;
      // Its head was not complete when the stop began: the connection was not idle, so it stays open for the answer.
      expect(c.state.received).toMatch(/^HTTP\/1\.1 503 Service Unavailable\r\n/);
      expect(c.state.received.toLowerCase()).toContain('\r\nconnection: close\r\n');
      expect(c.state.received.toLowerCase()).toContain('\r\nretry-after: 1\r\n');
      expect(c.state.received).toContain('"extensions":{"code":"SERVICE_UNAVAILABLE"}');
      expect(await referencesLike('STOP-')).toEqual([]);
      expect(a.state.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    } finally {
      await other.hub.stop().catch(() => undefined);
      await hub.ds.query(`DELETE FROM enforcement_case WHERE reference LIKE 'STOP-%'`);
    }
  });
});

describe('query limits (graphql-armor)', () => {
  test('too many aliases, too deep, too costly: 400 GRAPHQL_VALIDATION_FAILED, said plainly (no "Syntax Error:" of a query that parsed)', async () => {
    const deep = `{ me { person { organization { people(first: 1) { nodes { organization { people(first: 1) { nodes { organization { people(first: 1) { nodes { organization { name } } } } } } } } } } } } }`;
    const cases: Array<[string, string]> = [
      [`{ ${Array.from({ length: 60 }, (_, i) => `a${i}: me { kind }`).join(' ')} }`, 'Aliases limit of 50 exceeded, found 60.'],
      // Aliases of __typename count as any other.
      [`{ ${Array.from({ length: 1500 }, (_, i) => `t${i}: __typename`).join(' ')} }`, 'Aliases limit of 50 exceeded, found 1500.'],
      [deep, `Query depth limit of ${hub.config.maxQueryDepth} exceeded, found 13.`],
      ['{ cases(first: 1000) { nodes { countries { participants(first: 1000) { nodes { name } } } } } }', 'Query Cost limit of 250000 exceeded, found 24478250. Ask for smaller pages: give each list a first (one without it counts as 50 rows).'],
      // Armor's cost of this one is 610146218.75: said as the whole number above it.
      [
        '{ cases(first: 1000) { nodes { countries { participants(first: 1000) { nodes { country { participants(first: 7) { nodes { name } } } } } } } } }',
        'Query Cost limit of 250000 exceeded, found 610146219. Ask for smaller pages: give each list a first (one without it counts as 50 rows).',
      ],
      // Introspection costs nothing to armor: the whole schema once per operation, however it is aliased or spread.
      ['{ a: __schema { queryType { name } } b: __schema { queryType { name } } }', 'An operation may ask for __schema once, found 2.'],
      ['{ a: __typename ...F } fragment F on Query { s: __schema { types { name } } ... on Query { t: __schema { types { name } } } }', 'An operation may ask for __schema once, found 2.'],
    ];
    for (const [query, message] of cases) {
      const res = await post(hub.url, query);
      const body = JSON.parse(res.text) as { errors: Array<{ message: string; extensions: { code: string } }> };
      expect([res.status, body.errors.map((e) => [e.message, e.extensions.code])]).toEqual([400, [[message, 'GRAPHQL_VALIDATION_FAILED']]]);
    }
  });

  test('fragments add neither depth nor cost: a query split into fragments (as Relay and Apollo clients write it) is answered as the same query written out', async () => {
    const token = await tokenFor(cast.ann);
    const answer = async (query: string) => {
      const response = await fetch(hub.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
      const res = { status: response.status, text: await response.text() };
      const body = JSON.parse(res.text) as { data?: any; errors?: Array<{ message: string; extensions: { code: string } }> };
      return [res.status, body.errors?.map((e) => [e.message, e.extensions.code]) ?? body.data];
    };
    // Five levels of fields, in four nested fragments (refused before: "Query depth limit of 12 exceeded, found 13").
    const written = await answer(`{ cases(first: 2) { edges { node { id reference leadAgency { id name } } } } }`);
    expect(written[0]).toBe(200);
    const split = `{ cases(first: 2) { ...L } }
      fragment L on CaseConnection { edges { node { ...I } } }
      fragment I on Case { id reference leadAgency { ...O } }
      fragment O on Agency { ...N }
      fragment N on Agency { id name }`;
    expect(await answer(split)).toEqual(written);
    // A chain of fragments on Query around one field, and inline fragments: as deep as the field.
    const chain = `{ ...F0 } ${Array.from({ length: 12 }, (_, i) => `fragment F${i} on Query { ${i < 11 ? `...F${i + 1}` : 'me { kind }'} }`).join(' ')}`;
    expect(await answer(chain)).toEqual([200, { me: { kind: 'COORDINATOR' } }]);
    expect(await answer(`{ ... on Query { ... on Query { ... on Query { me { kind } } } } }`)).toEqual([200, { me: { kind: 'COORDINATOR' } }]);
    // Still refused when the fields themselves nest too deep, fragments or not: the same figure.
    const deepFields = `me { person { organization { people(first: 1) { nodes { organization { people(first: 1) { nodes { organization { people(first: 1) { nodes { organization { name } } } } } } } } } } } }`;
    const tooDeep = [400, [[`Query depth limit of ${hub.config.maxQueryDepth} exceeded, found 13.`, 'GRAPHQL_VALIDATION_FAILED']]];
    expect(await answer(`{ ${deepFields} }`)).toEqual(tooDeep);
    expect(await answer(`{ ...A } fragment A on Query { ...B } fragment B on Query { ${deepFields} }`)).toEqual(tooDeep);
    // The cost: a full page of the board in three fragments costs what it does written out, and is answered alike.
    const board = `cases(first: 1000) { totalCount edges { node { id reference countries { code } leadAgency { id name } } } }`;
    const boardWritten = await answer(`{ ${board} }`);
    expect(boardWritten[0]).toBe(200);
    expect(await answer(`{ ...A } fragment A on Query { ...B } fragment B on Query { ...C } fragment C on Query { ${board} }`)).toEqual(boardWritten);
  });

  test('the cost counts the variables’ values: page sizes given as variables (or their defaults) and _entities’ representations, as if written in the query', async () => {
    const answer = async (query: string, variables?: Record<string, unknown>) => {
      const res = await post(hub.url, query, variables);
      const body = JSON.parse(res.text) as { data?: any; errors?: Array<{ message: string; extensions: { code: string } }> };
      return [res.status, body.errors?.map((e) => [e.message, e.extensions.code]) ?? body.data];
    };
    const refused = (found: string) => [400, [[`Query Cost limit of 250000 exceeded, found ${found}. Ask for smaller pages: give each list a first (one without it counts as 50 rows).`, 'GRAPHQL_VALIDATION_FAILED']]];
    const nested = (a: string, b: string) => `{ cases(first: ${a}) { nodes { countries { participants(first: ${b}) { nodes { name } } } } } }`;
    expect(await answer(nested('1000', '1000'))).toEqual(refused('24478250'));
    // As variables, as defaults, in a fragment; sent twice (the second time the hub answers a query text it knows).
    for (let i = 0; i < 2; i++) {
      expect(await answer(`query($a: Int, $b: Int) ${nested('$a', '$b')}`, { a: 1000, b: 1000 })).toEqual(refused('24478250'));
      expect(await answer(`query($a: Int = 1000, $b: Int = 1000) ${nested('$a', '$b')}`)).toEqual(refused('24478250'));
      // In a fragment: a fragment costs what its fields do, so the same figure as written in the operation.
      expect(await answer(`{ ...F } fragment F on Query ${nested('1000', '1000')}`)).toEqual(refused('24478250'));
      expect(await answer(`query($a: Int, $b: Int) { ...F } fragment F on Query ${nested('$a', '$b')}`, { a: 1000, b: 1000 })).toEqual(refused('24478250'));
    }
    // The same query with small pages is answered.
    // A page size not given (a variable left out or null, or no first at all) counts as the default page, 50, which
    // the page returns: three such pages nested cost what three pages of 50 written in do.
    const deepest = (size: string) => `{ cases${size} { nodes { leadAgency { ... on Agency { cases${size} { nodes { leadAgency { ... on Agency { cases${size} { nodes { id title } } } } } } } } } } }`;
    const [status, fifty] = (await answer(deepest('(first: 50)'))) as [number, Array<[string, string]>];
    expect([status, fifty[0][1]]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
    expect(await answer(deepest(''))).toEqual([400, fifty]);
    expect(await answer(deepest('(first: null)'))).toEqual([400, fifty]);
    expect(await answer(`query($n: Int) ${deepest('(first: $n)')}`, { n: null })).toEqual([400, fifty]);
    expect(await answer(`query($n: Int) ${deepest('(first: $n)')}`)).toEqual([400, fifty]);
    const small = await answer(`query($a: Int, $b: Int) ${nested('$a', '$b')}`, { a: 2, b: 2 });
    expect(small).toEqual([200, { cases: { nodes: [{ countries: expect.any(Array) }] } }]);
    // _entities: its selection once per representation, given in the query or as a variable.
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { countries { participants(first: 1000) { nodes { name } } } } } }`;
    const rep = { __typename: 'Case', id: caseId('FTC-2004-017') };
    expect(await answer(entities, { r: Array.from({ length: 1000 }, () => rep) })).toEqual(refused('16319500'));
    const few = await answer(entities, { r: [rep, rep] });
    expect(few[0]).toBe(200);
    expect((few[1] as any)._entities).toHaveLength(2);
    // Written in the query (200 of them: the token limit allows no more).
    const written = `{ _entities(representations: [${Array.from({ length: 200 }, () => `{ __typename: "Case", id: "${rep.id}" }`).join(', ')}]) { ... on Case { countries { participants(first: 1000) { nodes { name } } } } } }`;
    expect(await answer(written)).toEqual(refused('3263900'));
  });

  test('a page counts at most 1,000 rows in the cost: a larger first is the page\'s own bad input however large, never a cost refusal', async () => {
    const answer = async (query: string, variables?: Record<string, unknown>) => {
      const res = await post(hub.url, query, variables);
      const body = JSON.parse(res.text) as { data?: unknown; errors: Array<{ message: string; extensions: { code: string; argument?: string } }> };
      return [res.status, body.data, body.errors.map((e) => [e.message, e.extensions.code, e.extensions.argument])];
    };
    const tooLarge = [200, null, [['first: must be a whole number from 0 to 1000', 'BAD_USER_INPUT', 'first']]];
    // Written in the query, small or large (armor multiplied the cost by 71,429 and refused it), or as a variable: alike.
    expect(await answer('{ cases(first: 5000) { totalCount } }')).toEqual(tooLarge);
    expect(await answer('{ cases(first: 71429) { totalCount } }')).toEqual(tooLarge);
    expect(await answer('{ cases(first: 2147483647) { totalCount } }')).toEqual(tooLarge);
    expect(await answer('query($f: Int) { cases(first: $f) { totalCount } }', { f: 100000 })).toEqual(tooLarge);
    // Also in a fragment.
    expect(await answer('{ ...F } fragment F on Query { cases(first: 100000) { nodes { countries { name } } } }')).toEqual(tooLarge);
    // Beyond 32 bits: only the value's own error (the cost error came first).
    expect(await answer('{ cases(first: 2147483648) { totalCount } }')).toEqual([
      400, undefined, [['first: Int cannot represent non 32-bit signed integer value: 2147483648', 'BAD_USER_INPUT', 'first']],
    ]);
    // Pages of 1,000 nested in pages of 1,000 still cost what they cost, written as 1,000 or as more.
    for (const first of [1000, 5000]) {
      expect(await answer(`{ cases(first: ${first}) { nodes { countries { participants(first: ${first}) { nodes { name } } } } } }`)).toEqual([
        400, undefined, [['Query Cost limit of 250000 exceeded, found 24478250. Ask for smaller pages: give each list a first (one without it counts as 50 rows).', 'GRAPHQL_VALIDATION_FAILED', undefined]],
      ]);
    }
  });
});
