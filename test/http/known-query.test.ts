import http from 'node:http';
import { forgedCursor } from '../support/cursor';
import { emailOf, ViewerName } from '../support/demo-access';
import { caseId, orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * A query text Apollo has accepted once is answered again without Apollo's request pipeline (src/http/known-query.ts).
 * Each request here is sent twice: its text as a known query, and the same text made new by a trailing comment (a text
 * Apollo has never seen, so Apollo answers it), as the same viewer. The two answers must be the same bytes with the same
 * status, content type and statement count — rows, redactions, errors and all — and the known path must have been taken
 * (its hit count), or refused where Apollo must answer (bad variables, introspection, other Accept headers).
 * test/perf/executor-parity.test.ts runs its whole corpus through it too: from the second viewer of each document on,
 * the compiled hub answers from its known queries.
 */
let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

let fresh = 0;
interface Sent {
  status: number;
  type: string | null;
  statements: string | null;
  text: string;
}

/** The hub's `X-Answer-Parts` of the last answer `send` received (set on the known path's own answers only). */
let lastParts: string | null = null;

async function send(viewer: ViewerName | { token: string }, query: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Sent> {
  const auth: Record<string, string> = {};
  if (typeof viewer === 'object') auth.authorization = `Bearer ${viewer.token}`;
  else if (emailOf(viewer)) auth.authorization = `Bearer ${await hub.tokenFor(personId(emailOf(viewer)!), emailOf(viewer)!)}`;
  const res = await fetch(hub.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...auth, ...headers },
    body: JSON.stringify({ query, ...extra }),
  });
  lastParts = res.headers.get('x-answer-parts');
  return { status: res.status, type: res.headers.get('content-type'), statements: res.headers.get('x-sql-statements'), text: await res.text() };
}

/** The same request answered by Apollo (a text it has never seen) and as a known query; whether the known path took it. */
async function both(viewer: ViewerName | { token: string }, query: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  await send('ann', query, extra); // Apollo accepts the text once (as any viewer): it is known from now on.
  const before = hub.hub.knownQueries.hits;
  const known = await send(viewer, query, extra, headers);
  const knownParts = lastParts;
  const taken = hub.hub.knownQueries.hits - before;
  const apollo = await send(viewer, `${query}\n# ${++fresh}`, extra, headers);
  return { known, apollo, taken, parts: { known: knownParts, apollo: lastParts } };
}

const DETAIL = `query Detail($id: ID!) { case(id: $id) { reference title tlp countries { code } leadAgency { name }
  viewerCan { readConfidential edit share } confidential { summary victimCount shares { participant { name } grantedBy { name } recipients { name } } } } }`;
const BOARD = `{ cases(first: 50) { totalCount edges { cursor node { reference harmScore leadAgency { name country { code } } confidential { summary } } } pageInfo { hasNextPage endCursor } } }`;
const PARTICIPANTS = `{ participants(first: 30) { totalCount nodes { name status appliedAt endorsedAt pointOfContact { name } ... on PrivateSectorMember { requestGuidance } } } }`;

describe('answered as Apollo answers it, from the known path', () => {
  test.each<[string, ViewerName, string, Record<string, unknown>]>([
    ['a case detail read in full (its tier, shares and named recipients)', 'liam', DETAIL, { variables: { id: caseId('ACMA-2004-011') } }],
    ['the RED case as the person it names', 'tom', DETAIL, { variables: { id: caseId('FTC-2004-021') } }],
    ['the RED case as the colleague it does not name (no row)', 'priya', DETAIL, { variables: { id: caseId('FTC-2004-021') } }],
    ['a case detail anonymously (the CLEAR case, its tier redacted)', 'anonymous', DETAIL, { variables: { id: caseId('FTC-2004-017') } }],
    ['the case board of a private-sector member', 'grace', BOARD, {}],
    ['the case board anonymously', 'anonymous', BOARD, {}],
    ['participants with redacted contacts, guidance and application dates', 'anonymous', PARTICIPANTS, {}],
    ['participants as a member', 'eva', PARTICIPANTS, {}],
    ['a chosen operation of two', 'oliver', `query A { me { kind } } query B { me { person { name } organization { name } } }`, { operationName: 'B' }],
    ['a field error (a page too large): Apollo runs it again', 'ann', `{ cases(first: 5000) { totalCount } me { kind } }`, {}],
    ['a hidden case by id: null', 'max', DETAIL, { variables: { id: caseId('EFCC-2004-001') } }],
    ['federation entities', 'isla', `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { reference confidential { summary } } } }`,
      { variables: { r: [{ __typename: 'Case', id: caseId('OFT-2004-003') }, { __typename: 'Case', id: caseId('FTC-2004-021') }] } }],
  ])('%s', async (_what, viewer, query, extra) => {
    const { known, apollo, taken, parts } = await both(viewer, query, extra);
    expect(taken).toBe(1);
    expect(known).toEqual(apollo);
    expect(known.status).toBe(200);
    expect(known.type).toBe('application/json; charset=utf-8');
    // The members of its own answers, for the gateway (`passedOn`); an answer with errors is Apollo's, and has none.
    const members = Object.keys(JSON.parse(known.text));
    expect(parts).toEqual({ known: members.includes('errors') ? null : members.join(','), apollo: null });
  });

  test.each([
    'application/graphql-response+json',
    // The federation gateway's, on every request it sends a hub.
    'application/graphql-response+json, application/json;q=0.9',
    'application/graphql-response+json, application/json',
    'application/json;q=0.5, application/graphql-response+json',
    'application/json, application/graphql-response+json',
    'text/html, */*;q=0.1',
    '',
  ])('in the type Apollo negotiates for Accept: %j', async (accept) => {
    const { known, apollo, taken, parts } = await both('tom', DETAIL, { variables: { id: caseId('FTC-2004-021') } }, { accept });
    expect(taken).toBe(1);
    expect(known).toEqual(apollo);
    expect([known.status, parts]).toEqual([200, { known: 'data', apollo: null }]);
  });

  test('a known text answers each viewer as that viewer: one text, read by everyone in turn', async () => {
    const id = caseId('ICO-2004-008');
    for (const viewer of ['ann', 'tom', 'priya', 'grace', 'anonymous', 'paulo', 'max', 'claire'] as ViewerName[]) {
      const { known, apollo, taken } = await both(viewer, DETAIL, { variables: { id } });
      expect([viewer, taken]).toEqual([viewer, 1]);
      expect([viewer, known]).toEqual([viewer, apollo]);
    }
  });

  test('statements counted alike, also when Apollo runs the request again after an error', async () => {
    const q = `query($id: ID!) { case(id: $id) { reference confidential { summary } } cases(first: 5000) { totalCount } }`;
    const { known, apollo, taken } = await both('liam', q, { variables: { id: caseId('ACMA-2004-011') } });
    expect(taken).toBe(1);
    expect(known).toEqual(apollo);
    expect(Number(known.statements)).toBeGreaterThan(0);
    expect(JSON.parse(known.text).errors).toEqual([expect.objectContaining({ extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  });

  test('a statement that fails in the first run (an overflowing cursor): Apollo runs it again on a transaction begun again', async () => {
    // A cursor of the right shape whose harm score overflows PostgreSQL's integer: the statement fails and aborts the
    // transaction; answered alone, Apollo says BAD_USER_INPUT, and so must the known path's second run.
    const real = JSON.parse((await send('isla', '{ cases(first: 1) { pageInfo { endCursor } } }')).text).data.cases.pageInfo.endCursor;
    const cursor = forgedCursor(real, ['9999999999', caseId('ACMA-2004-011')]);
    const q = `query P($c: String) { cases(first: 1, after: $c) { totalCount nodes { reference } } countries(first: 2) { totalCount } me { kind } }`;
    const { known, apollo, taken } = await both('isla', q, { variables: { c: cursor } });
    expect(taken).toBe(1);
    expect(known).toEqual(apollo);
    expect(JSON.parse(known.text).errors.map((e: { extensions: { code: string } }) => e.extensions.code)).toEqual(['BAD_USER_INPUT']);
  });

  test('the audit trail records a known query’s reads as Apollo’s: the same rows, the same path', async () => {
    await hub.reset();
    const id = caseId('ACMA-2004-011');
    const rows = async () => hub.ds.query(`SELECT case_ids, lead_agency_id, person_id, path, confidential FROM case_access_log WHERE $1 = ANY (case_ids) ORDER BY accessed_at, path`, [id]);
    await send('liam', DETAIL, { variables: { id } });
    await hub.auditSettled();
    const afterApollo = await rows();
    const before = hub.hub.knownQueries.hits;
    await send('liam', DETAIL, { variables: { id } });
    expect(hub.hub.knownQueries.hits).toBe(before + 1);
    await hub.auditSettled();
    const afterKnown = await rows();
    expect(afterApollo.length).toBeGreaterThan(0);
    expect(afterKnown).toEqual([...afterApollo, ...afterApollo]);
    const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { confidential { summary } } } }`;
    await send('liam', entities, { variables: { r: [{ __typename: 'Case', id }] } });
    await send('liam', entities, { variables: { r: [{ __typename: 'Case', id }] } });
    await hub.auditSettled();
    expect((await rows()).slice(afterKnown.length).map((r: { path: string }) => r.path)).toEqual(['ENTITIES', 'ENTITIES']);
  });
});

describe('left to Apollo', () => {
  test.each<[string, ViewerName | { token: string }, string, Record<string, unknown>, Record<string, string>]>([
    ['variables of the wrong type', 'ann', DETAIL, { variables: { id: { not: 'an id' } } }, {}],
    ['a missing variable', 'ann', DETAIL, {}, {}],
    ['text PostgreSQL cannot store', 'ann', `query($c: String!) { country(code: $c) { name } }`, { variables: { c: 'a\u0000b' } }, {}],
    ['a null @skip condition', 'ann', `query($s: Boolean) { me { kind @skip(if: $s) } }`, { variables: { s: null } }, {}],
    ['an Accept header that accepts no JSON', 'ann', `{ me { kind } }`, {}, { accept: 'text/html' }],
    ['an Accept header asking for the callback type of incremental delivery', 'ann', `{ me { kind } }`, {}, { accept: 'application/json; callbackSpec=1.0' }],
    ['extensions in the body', 'ann', `{ me { kind } }`, { extensions: { anything: true } }, {}],
    ['introspection (whether a viewer may introspect depends on the viewer)', 'anonymous', `{ __schema { queryType { name } } }`, {}, {}],
  ])('%s', async (_what, viewer, query, extra, headers) => {
    const { known, apollo, taken } = await both(viewer, query, extra, headers);
    expect(taken).toBe(0);
    expect(known).toEqual(apollo);
  });

  test('an empty operation name names no operation', async () => {
    await send('ann', `query Q { me { kind } }`); // known without a name, the only operation
    const { known, apollo, taken } = await both('ann', `query Q { me { kind } }`, { operationName: '' });
    expect(taken).toBe(0);
    expect(known).toEqual(apollo);
    expect(known.status).toBe(400);
  });

  test.each(['GET', 'HEAD'])('%s with a JSON body is never answered from the body', async (method) => {
    const query = `{ me { kind } }`;
    await send('ann', query);
    const token = await hub.tokenFor(personId(emailOf('ann')!), emailOf('ann')!);
    const ask = (text: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const url = new URL(`${hub.url}?query=${encodeURIComponent('{ __typename }')}`);
        const body = JSON.stringify({ query: text });
        const headers = { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)), authorization: `Bearer ${token}`, connection: 'close' };
        const req = http.request(url, { method, headers, agent: false }, (res) => {
          let answer = '';
          res.on('data', (c) => (answer += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: answer }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const before = hub.hub.knownQueries.hits;
    const known = await ask(query);
    const apollo = await ask(`${query}\n# ${++fresh}`);
    expect(hub.hub.knownQueries.hits).toBe(before);
    expect(known).toEqual(apollo);
    expect(known.status).toBe(method === 'GET' ? 200 : 405);
    if (method === 'GET') expect(JSON.parse(known.body)).toEqual({ data: { __typename: 'Query' } });
  });

  test('a credential that is refused: the known path built the context, Apollo answers its error', async () => {
    for (const token of ['not-a-token', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad']) {
      const { known, apollo, taken } = await both({ token }, `{ me { kind } }`);
      expect(taken).toBe(1);
      expect(known).toEqual(apollo);
      expect(known.status).toBe(401);
    }
  });

  test('a mutation is never a known query', async () => {
    await hub.reset();
    const size = hub.hub.knownQueries.size;
    const before = hub.hub.knownQueries.hits;
    const m = `mutation($id: ID!) { designatePointOfContact(personId: $id) { id } }`;
    for (let i = 0; i < 2; i++) {
      const r = await send('tom', m, { variables: { id: personId('priya.shah@meridianbank.example') } });
      expect(JSON.parse(r.text)).toEqual({ data: { designatePointOfContact: { id: orgId('meridian') } } });
    }
    expect(hub.hub.knownQueries.hits).toBe(before);
    expect(hub.hub.knownQueries.size).toBe(size);
  });
});
