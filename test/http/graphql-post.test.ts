import http from 'node:http';
import zlib from 'node:zlib';
import { loadConfig } from '../../src/config';
import { createHub, Hub } from '../../src/server';
import { isGraphqlPost } from '../../src/http/graphql-endpoint';
import { caseId, cast, personId, startTestHub, TEST_SECRET, TestHub } from '../support/hub';
import { notAcceptableMessage } from '../../src/http/accept';
import { capturingLogger } from '../support/log';

/**
 * POST /graphql is served without Express (src/http/graphql-endpoint.ts `runSteps`), by the same steps Express runs for
 * every other request. Express still serves a POST to `/graphql/` or `/GRAPHQL` (its routing ignores a trailing slash
 * and case), so each request below is sent both ways and must get the same answer: status, the headers a client reads,
 * and body — good requests, unreadable bodies, refused origins, rate limits, a stopping hub.
 */

let hub: TestHub;
let token: string;
beforeAll(async () => {
  hub = await startTestHub();
  token = await hub.tokenFor(personId(cast.isla), cast.isla);
});
afterAll(() => hub.close());

interface Answer {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** The headers a client or a cache acts on; the request id is a fresh UUID each time unless the client sent one. */
const compared = ['content-type', 'content-length', 'transfer-encoding', 'vary', 'retry-after', 'connection', 'cache-control', 'access-control-allow-origin', 'access-control-allow-credentials', 'allow'];

function post(port: number, path: string, headers: Record<string, string>, body: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'POST', headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const picked: Record<string, string | undefined> = {};
        for (const name of compared) picked[name] = res.headers[name] as string | undefined;
        const id = res.headers['x-request-id'] as string | undefined;
        picked['x-request-id'] = id === undefined ? 'none' : id === headers['x-request-id'] ? 'echoed' : /^[0-9a-f-]{36}$/.test(id) ? 'uuid' : id;
        resolve({ status: res.statusCode!, headers: picked, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The same request to /graphql (runSteps) and to /graphql/ (Express). */
async function bothWays(port: number, headers: Record<string, string>, body: string | Buffer, query = ''): Promise<[Answer, Answer]> {
  return [await post(port, `/graphql${query}`, headers, body), await post(port, `/graphql/${query}`, headers, body)];
}

const json = { 'content-type': 'application/json' };
const typename = JSON.stringify({ query: '{ __typename }' });

test('which requests skip Express: a POST to /graphql exactly, with or without a query string', () => {
  const req = (method: string, url: string) => ({ method, url }) as http.IncomingMessage;
  expect([
    isGraphqlPost(req('POST', '/graphql')),
    isGraphqlPost(req('POST', '/graphql?x=1')),
    isGraphqlPost(req('POST', '/graphql/')),
    isGraphqlPost(req('POST', '/GRAPHQL')),
    isGraphqlPost(req('POST', '/graphqlx')),
    isGraphqlPost(req('GET', '/graphql')),
    isGraphqlPost(req('OPTIONS', '/graphql')),
  ]).toEqual([true, true, false, false, false, false, false]);
});

describe('every kind of POST is answered as Express answers it', () => {
  const port = () => Number(new URL(hub.url).port);
  const notJson = 'The request body must be a JSON object ({"query": "…", "variables": {…}}) sent with Content-Type: application/json';
  const requests: Array<{ what: string; headers: Record<string, string>; body: () => string | Buffer; query?: string; status: number; code?: string; message?: string; closes?: boolean }> = [
    { what: 'a query as a member', headers: { ...json, authorization: 'Bearer <token>' }, body: () => JSON.stringify({ query: '{ me { kind organization { name } } }' }), status: 200 },
    { what: 'a query without a token', headers: json, body: () => JSON.stringify({ query: '{ me { kind } }' }), status: 200 },
    { what: 'a token that is not one', headers: { ...json, authorization: 'Bearer nope' }, body: () => typename, status: 401, code: 'UNAUTHENTICATED' },
    { what: 'a mutation refused to an anonymous viewer', headers: json, body: () => JSON.stringify({ query: 'mutation { openCase(input: { reference: "X-1", title: "t", categories: [SPAM], countryCodes: ["GB"], tlp: AMBER }) { id } }' }), status: 200, code: 'FORBIDDEN' },
    { what: 'a body that is not JSON', headers: json, body: () => '{"query": ', status: 400, code: 'BAD_REQUEST', message: 'The request body is not valid JSON: it ends before its JSON does (Unexpected end of JSON input)' },
    { what: 'a JSON string instead of an object', headers: json, body: () => '"x"', status: 400, code: 'BAD_REQUEST', message: 'The request body must be a JSON object ({"query": "…", "variables": {…}}), not a string' },
    { what: 'JSON null instead of an object', headers: json, body: () => ' null ', status: 400, code: 'BAD_REQUEST', message: 'The request body must be a JSON object ({"query": "…", "variables": {…}}), not null' },
    { what: 'a JSON number instead of an object', headers: json, body: () => '42', status: 400, code: 'BAD_REQUEST', message: 'The request body must be a JSON object ({"query": "…", "variables": {…}}), not a number' },
    { what: 'JSON true instead of an object', headers: json, body: () => 'true', status: 400, code: 'BAD_REQUEST', message: 'The request body must be a JSON object ({"query": "…", "variables": {…}}), not a boolean' },
    { what: 'an empty body', headers: json, body: () => '', status: 400, code: 'BAD_REQUEST', message: 'The request body is empty: it must be a JSON object with the query in it, {"query": "{ me { kind } }"}' },
    { what: 'an empty JSON object', headers: json, body: () => '{}', status: 400, code: 'BAD_REQUEST', message: 'The request body is an empty JSON object: it must be a JSON object with the query in it, {"query": "{ me { kind } }"}' },
    // Refused by its Content-Length, before it is read (test/http/body-limit.test.ts), the connection closed.
    { what: 'a body over 1 MiB', headers: json, body: () => JSON.stringify({ query: '{ __typename }', variables: { x: 'a'.repeat(1100000) } }), status: 413, code: 'BAD_REQUEST', message: 'The request body is larger than the 1 MiB limit' },
    { what: 'a gzip-compressed body that decompresses past 1 MiB', headers: { ...json, 'content-encoding': 'gzip' }, body: () => zlib.gzipSync(JSON.stringify({ query: '{ __typename }', variables: { x: 'a'.repeat(1100000) } })), status: 413, code: 'BAD_REQUEST', message: 'The request body is larger than the 1 MiB limit' },
    // Refused, not stored with U+FFFD in place of the broken bytes.
    { what: 'a body that is not well-formed UTF-8', headers: json, body: () => Buffer.concat([Buffer.from('{"query":"{ __typename }","variables":{"t":"ab'), Buffer.from([0xff, 0xfe]), Buffer.from('cd"}}')]), status: 400, code: 'BAD_REQUEST' },
    { what: 'a charset other than UTF-8', headers: { 'content-type': 'application/json; charset=latin1' }, body: () => typename, status: 415, code: 'BAD_REQUEST', message: 'unsupported charset "LATIN1"' },
    // body-parser would decode UTF-16: refused as any charset but UTF-8 is, not answered with a garbled parse error.
    { what: 'a UTF-16 body', headers: { 'content-type': 'application/json; charset=utf-16' }, body: () => Buffer.from(typename, 'utf16le'), status: 415, code: 'BAD_REQUEST', message: 'unsupported charset "UTF-16"' },
    { what: 'a UTF-8 body named as such', headers: { 'content-type': 'application/json; charset="UTF-8"' }, body: () => typename, status: 200 },
    { what: 'a gzip-compressed body', headers: { ...json, 'content-encoding': 'gzip' }, body: () => zlib.gzipSync(typename), status: 200 },
    { what: 'an unknown content encoding', headers: { ...json, 'content-encoding': 'zzz' }, body: () => typename, status: 415, code: 'BAD_REQUEST' },
    { what: 'text/plain (CSRF prevention)', headers: { 'content-type': 'text/plain' }, body: () => typename, status: 400, code: 'BAD_REQUEST' },
    { what: 'no content type', headers: {}, body: () => typename, status: 400, code: 'BAD_REQUEST' },
    // A body that is not sent as JSON: 415 naming the type, before the body is read (the connection closed after it).
    { what: 'an XML content type', headers: { 'content-type': 'application/xml' }, body: () => typename, status: 415, code: 'BAD_REQUEST', message: `${notJson}; this request's is application/xml`, closes: true },
    { what: 'application/graphql (the query as the body)', headers: { 'content-type': 'application/graphql' }, body: () => '{ __typename }', status: 415, code: 'BAD_REQUEST', message: `${notJson}; this request's is application/graphql`, closes: true },
    { what: 'text/plain with a preflight header', headers: { 'content-type': 'text/plain', 'apollo-require-preflight': 'true' }, body: () => typename, status: 415, code: 'BAD_REQUEST', message: `${notJson}; this request's is text/plain`, closes: true },
    { what: 'a form with a preflight header', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-apollo-operation-name': 'Q' }, body: () => 'query=%7B__typename%7D', status: 415, code: 'BAD_REQUEST', message: `${notJson}; this request's is application/x-www-form-urlencoded`, closes: true },
    { what: 'no content type with a preflight header', headers: { 'apollo-require-preflight': 'true' }, body: () => typename, status: 415, code: 'BAD_REQUEST', message: `${notJson}; this request has no Content-Type`, closes: true },
    { what: 'an empty content type', headers: { 'content-type': '' }, body: () => typename, status: 415, code: 'BAD_REQUEST', message: `${notJson}; this request's Content-Type is empty`, closes: true },
    { what: 'a batch', headers: json, body: () => `[${typename}]`, status: 400, code: 'BAD_REQUEST' },
    { what: 'a malformed persisted query', headers: json, body: () => JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version: 2, sha256Hash: 'x' } } }), status: 400, code: 'BAD_USER_INPUT' },
    { what: 'an unknown persisted query', headers: json, body: () => JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } } }), status: 200, code: 'PERSISTED_QUERY_NOT_FOUND' },
    { what: 'a syntax error', headers: json, body: () => JSON.stringify({ query: '{ ' }), status: 400, code: 'GRAPHQL_PARSE_FAILED' },
    // graphql-js's validation would throw on it (an internal error): refused before.
    { what: 'a subscription whose root field a variable could skip', headers: json, body: () => JSON.stringify({ query: 'subscription($s: Boolean!) { caseChanged @skip(if: $s) { reference } }', variables: { s: false } }), status: 400, code: 'BAD_USER_INPUT' },
    { what: 'the same, with a comment between @ and the directive', headers: json, body: () => JSON.stringify({ query: 'subscription($s: Boolean = true) { caseChanged @ #\n skip(if: $s) { reference } }' }), status: 400, code: 'BAD_USER_INPUT' },
    { what: 'an unknown field, asking for graphql-response+json', headers: { ...json, accept: 'application/graphql-response+json' }, body: () => JSON.stringify({ query: '{ nope }' }), status: 400, code: 'GRAPHQL_VALIDATION_FAILED' },
    { what: 'an Accept the hub cannot answer', headers: { ...json, accept: 'text/html' }, body: () => typename, status: 406, code: 'BAD_REQUEST' },
    { what: 'a query string', headers: json, body: () => typename, query: '?debug=1', status: 200 },
    { what: 'a request id of the client', headers: { ...json, 'x-request-id': 'probe-42' }, body: () => typename, status: 200 },
    { what: 'an origin (none is configured)', headers: { ...json, origin: 'https://elsewhere.example' }, body: () => typename, status: 200 },
  ];
  test.each(requests)('$what', async ({ headers, body, query, status, code, message, closes }) => {
    const sent = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace('<token>', token)]));
    const [lean, express] = await bothWays(port(), sent, body(), query);
    expect(lean).toEqual(express);
    expect(lean.status).toBe(status);
    const answer = JSON.parse(lean.body) as { errors?: Array<{ message?: string; extensions?: { code?: string } }> };
    expect(answer.errors?.[0]?.extensions?.code).toBe(code);
    if (message) expect(answer.errors?.[0]?.message).toBe(message);
    // A body over the limit, or not sent as JSON: the connection is closed after the answer, the rest of the body unread.
    expect(lean.headers.connection).toBe(status === 413 || closes ? 'close' : 'keep-alive');
  });
});

// Apollo Server chooses the answer's type once the operation has run: a mutation sent with an Accept it cannot answer in
// was written, then answered 406 as if refused, and a confidential read recorded in the audit trail.
test('a mutation or a confidential read with an Accept the hub cannot answer in is refused 406 before it runs: nothing written, nothing recorded', async () => {
  const id = caseId('ICO-2004-008');
  const isla = await hub.tokenFor(personId(cast.isla), cast.isla);
  const state = async () => [
    (await hub.ds.query(`SELECT investigator_notes FROM case_confidential WHERE case_id = $1`, [id]))[0].investigator_notes,
    (await hub.ds.query(`SELECT count(*)::int AS n FROM case_access_log`))[0].n,
  ];
  const before = await state();
  const port = Number(new URL(hub.url).port);
  const queries = [`mutation { updateCase(id: "${id}", input: { investigatorNotes: "written, then refused" }) { id } }`, `{ case(id: "${id}") { confidential { summary } } }`];
  for (const accept of ['application/xml', 'text/html', 'text/event-stream', 'multipart/mixed', 'application/json; charset=latin1', 'application/json;q=0, text/plain']) {
    for (const query of queries) {
      const res = await post(port, '/graphql', { ...json, authorization: `Bearer ${isla}`, accept }, JSON.stringify({ query }));
      expect([accept, res.status, JSON.parse(res.body)]).toEqual([accept, 406, { errors: [{ message: notAcceptableMessage('hub'), extensions: { code: 'BAD_REQUEST' } }] }]);
    }
  }
  // As a GET, the read too.
  const get = await fetch(`${hub.url}?query=${encodeURIComponent(queries[1])}`, { headers: { authorization: `Bearer ${isla}`, accept: 'text/html', 'apollo-require-preflight': 'true' } });
  expect(get.status).toBe(406);
  await hub.auditSettled();
  expect(await state()).toEqual(before);
  // What Apollo takes is taken: JSON, either GraphQL type, any type, no header.
  for (const accept of ['application/json', 'application/graphql-response+json', '*/*', 'application/*', 'text/html, application/json;q=0.1']) {
    const res = await post(port, '/graphql', { ...json, authorization: `Bearer ${isla}`, accept }, JSON.stringify({ query: queries[1] }));
    expect([accept, res.status]).toEqual([accept, 200]);
  }
});

/** Another hub on the test database, in production, with these settings; its log lines are kept. */
async function productionHub(env: Record<string, string>) {
  const captured = capturingLogger();
  const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL, ...env });
  const other = await createHub({ config, ds: hub.ds, logger: captured.logger });
  return { other, port: await other.listen(0, '127.0.0.1'), lines: captured.lines };
}

describe('with origins configured', () => {
  let other: Hub;
  let port: number;
  let lines: Array<Record<string, any>>;
  beforeAll(async () => {
    ({ other, port, lines } = await productionHub({ CORS_ORIGINS: 'https://dashboard.example' }));
  });
  afterAll(() => other.stop());

  test('a listed origin gets its CORS headers, another none; both vary by Origin', async () => {
    const [listed, listedExpress] = await bothWays(port, { ...json, origin: 'https://dashboard.example' }, typename);
    expect(listed).toEqual(listedExpress);
    expect([listed.status, listed.headers['access-control-allow-origin'], listed.headers['access-control-allow-credentials'], listed.headers.vary]).toEqual([
      200, 'https://dashboard.example', 'true', 'Origin',
    ]);
    const [unlisted, unlistedExpress] = await bothWays(port, { ...json, origin: 'https://elsewhere.example' }, typename);
    expect(unlisted).toEqual(unlistedExpress);
    expect([unlisted.status, unlisted.headers['access-control-allow-origin'], unlisted.headers.vary]).toEqual([200, undefined, 'Origin']);
  });

  test('the access line of a POST served without Express says what Express’s said', async () => {
    await post(port, '/graphql', { ...json, 'x-request-id': 'lean-1' }, JSON.stringify({ query: 'query Probe { __typename }' }));
    await post(port, '/graphql/', { ...json, 'x-request-id': 'express-1' }, JSON.stringify({ query: 'query Probe { __typename }' }));
    const line = (id: string) => {
      const found = lines.find((l) => l.req?.id === id && l.res)!;
      const { time, responseTime, pid, hostname, ...rest } = found;
      expect([typeof time, typeof responseTime]).toEqual(['number', 'number']);
      // The path and the message name the path each was sent to.
      return { ...rest, msg: rest.msg.replace('/graphql/', '/graphql'), req: { ...rest.req, id: undefined, path: rest.req.path.replace(/\/$/, '') } };
    };
    expect(line('lean-1')).toEqual(line('express-1'));
    expect([line('lean-1').msg, line('lean-1').req.path]).toEqual(['POST /graphql 200', '/graphql']);
    expect(line('lean-1')).toMatchObject({ level: 30, res: { statusCode: 200 }, graphql: { type: 'query', operation: 'Probe', outcome: 'ok' }, viewer: { kind: 'ANONYMOUS' } });
  });

});

test('the per-address limit refuses the same way on both paths (429, Retry-After)', async () => {
  const { other, port } = await productionHub({ RATE_LIMIT_PER_IP: '4', RATE_LIMIT_STORE: 'memory' });
  try {
    const answers: Answer[] = [];
    for (let i = 0; i < 8; i++) answers.push(await post(port, i % 2 ? '/graphql/' : '/graphql', json, typename));
    const refused = answers.filter((a) => a.status === 429);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    const lean = answers.find((a, i) => a.status === 429 && i % 2 === 0)!;
    const express = answers.find((a, i) => a.status === 429 && i % 2 === 1)!;
    expect([lean.body, Number(lean.headers['retry-after']) > 0]).toEqual([express.body, true]);
    expect(JSON.parse(lean.body).errors[0].extensions.code).toBe('RATE_LIMITED');
  } finally {
    await other.stop();
  }
});
