import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import http from 'node:http';
import net from 'node:net';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { ComplaintsService, startComplaintsService } from '../../examples/complaints/service';
import { demoCases } from '../../examples/complaints/store';
import { openDatabase } from '../../src/db/data-source';
import { buildSchema, parse } from 'graphql';
import { DETAIL_QUERY, AGENDA_QUERY } from '../../bench/board';
import { MemoryLogWriter } from '@graphql-hive/gateway-runtime';
import { composeSupergraph, forwardedWhen, createGateway, Gateway, hubUrlsOf, probeHub, scrubbed } from '../../src/federation/gateway';
import { STREAM_NOT_ACCEPTED } from '../../src/federation/request-shape';
import { createLogger } from '../../src/logger';
import { createHub, Hub } from '../../src/server';
import { caseAccess, emailOf, readsConfidential, viewers } from '../support/demo-access';
import { rawExchange, trickledRequest } from '../support/trickle';
import { chunk, head, jsonPieces, lastChunk, sendPaced } from '../support/paced';
import { untilWaiting } from '../support/locker';
import { notAcceptableMessage } from '../../src/http/accept';
import { caseId, cast, orgId, personId, startTestHub, TEST_SECRET, testHubEnv, TestHub } from '../support/hub';
import { SignJWT } from 'jose';
import { ConfigError, connectionTimeoutsOf, loadConfig } from '../../src/config';

/**
 * The composed graph through Hive Gateway, from the committed supergraph: the hub and the complaints example as real
 * HTTP services on free loopback ports. A query that enters through the complaints subgraph and reaches Case fields
 * gets the hub's rules for the caller whose Authorization header the gateway forwarded; `extensions.redacted` reaches
 * the gateway's client with composed paths; several hubs on one database serve one gateway in turn.
 */

let hub: TestHub;
let complaints: ComplaintsService;
let gateway: Gateway;
let url: string;
const supergraph = () => fs.readFileSync(path.join(__dirname, '../../supergraph.graphql'), 'utf8');

beforeAll(async () => {
  hub = await startTestHub();
  complaints = await startComplaintsService(0);
  gateway = createGateway({ supergraph: supergraph(), subgraphs: { hub: hub.url, complaints: complaints.url }, logging: false });
  url = `http://127.0.0.1:${await gateway.listen(0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await gateway?.stop();
  await complaints?.stop();
  await hub?.close();
});

async function post(target: string, query: string, as?: string | null, extraHeaders: Record<string, string> = {}, variables?: unknown, operationName?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...extraHeaders };
  if (as) headers.authorization = `Bearer ${await hub.tokenFor(personId(as), as)}`;
  const res = await fetch(target, { method: 'POST', headers, body: JSON.stringify({ query, variables, operationName }) });
  return { status: res.status, body: (await res.json()) as any };
}
/** Listens on a free loopback port; resolves with it. */
function listening(server: net.Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

/** Closes a server; resolves once it has closed. */
function closing(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** A loopback port nothing listens on (taken, then given back). */
async function closedPort(): Promise<number> {
  const spare = http.createServer();
  const port = await listening(spare);
  await closing(spare);
  return port;
}
const viaGateway = (query: string, as?: string | null, headers?: Record<string, string>) => post(url, query, as, headers);

/** The demo complaints, newest first, and the case each links to (examples/complaints/store.ts). */
const complaintCases: Array<[string, string | null]> = [
  ['c-1005', null],
  ['c-1004', 'OFT-2004-003'],
  ['c-1003', 'FTC-2004-021'],
  ['c-1002', 'FTC-2004-017'],
  ['c-1001', 'FTC-2004-017'],
];

test('the committed supergraph.graphql is the composition of subgraph.graphql and the complaints example (run `npm run compose`)', () => {
  expect(supergraph()).toEqual(composeSupergraph());
});

test('the demo store links complaints to the hub’s demo cases by their ids', () => {
  expect(demoCases).toEqual({ pharmacySpam: caseId('FTC-2004-017'), phishingKit: caseId('FTC-2004-021'), lotteryScam: caseId('OFT-2004-003') });
});

test.each(viewers)('complaints → case: %s gets the hub’s rules for the cases, and the redactions with composed paths', async (viewer) => {
  const res = await viaGateway(`{ complaints { id case { reference confidential { summary } } } }`, emailOf(viewer));
  const sees = (ref: string | null) => ref !== null && caseAccess[viewer].sees.includes(ref);
  expect(res.status).toBe(200);
  expect(res.body.data.complaints).toEqual(
    complaintCases.map(([id, ref]) => ({
      id,
      case: sees(ref) ? { reference: ref, confidential: readsConfidential(viewer, ref!) ? { summary: expect.any(String) } : null } : null,
    })),
  );
  // Counted where the response holds the withheld tiers: the gateway asks the hub once for FTC-2004-017, which two
  // complaints link to, and both places are counted.
  const withheld = complaintCases.filter(([, ref]) => sees(ref) && !readsConfidential(viewer, ref!)).length;
  expect(res.body.extensions?.redacted ?? []).toEqual(withheld ? [{ path: 'complaints.case.confidential', code: 'FORBIDDEN', count: withheld }] : []);
  // A link to a case the hub does not show this caller reads exactly like a link to a case that does not exist, and
  // like the hub's own lookup of it: `case: null`, no error (src/federation/gateway.ts hiddenLinksPlugin).
  expect(res.body.errors).toBeUndefined();
});

test('one case reached in several places (two complaints, two aliases): each place withheld has its entry and count, as the hub would give them', async () => {
  const aliased = await viaGateway(
    `{ a: complaint(id: "c-1001") { case { reference confidential { summary } } } b: complaint(id: "c-1002") { case { reference confidential { summary } } }
       c: complaint(id: "c-1003") { case { reference confidential { summary } } } d: complaint(id: "c-1002") { case { reference } } }`,
    cast.tom,
  );
  expect(aliased.body.data).toEqual({
    a: { case: { reference: 'FTC-2004-017', confidential: null } },
    b: { case: { reference: 'FTC-2004-017', confidential: null } },
    c: { case: { reference: 'FTC-2004-021', confidential: { summary: 'A phishing kit imitating Meridian Bank; the seller is identified.' } } },
    d: { case: { reference: 'FTC-2004-017' } },
  });
  // `d` selected no tier: nothing was withheld there.
  expect(aliased.body.extensions.redacted).toEqual([
    { path: 'a.case.confidential', code: 'FORBIDDEN', count: 1 },
    { path: 'b.case.confidential', code: 'FORBIDDEN', count: 1 },
  ]);
  // A list: one count per complaint whose case's tier is withheld (c-1001 and c-1002 link the same case), and the
  // parts below the tier as the hub counts them for each place.
  const listed = await viaGateway(`{ complaints(category: SPAM) { case { reference confidential { summary } } } all: complaints { case { confidential { summary } } } }`, cast.tom);
  expect(listed.body.extensions.redacted).toEqual([
    { path: 'all.case.confidential', code: 'FORBIDDEN', count: 3 },
    { path: 'complaints.case.confidential', code: 'FORBIDDEN', count: 2 },
  ]);
  const nulls = (list: Array<{ case: { confidential: unknown } | null }>) => list.filter((c) => c.case !== null && c.case.confidential === null).length;
  expect([nulls(listed.body.data.all), nulls(listed.body.data.complaints)]).toEqual([3, 2]);
});

test.each(viewers)('complaints → case: %s gets null for a case the hub does not show, whatever is selected of it: its id alone, nullable fields only, a fragment, nested', async (viewer) => {
  const sees = (ref: string | null) => ref !== null && caseAccess[viewer].sees.includes(ref);
  const as = emailOf(viewer);
  const ids = complaintCases.map(([id, ref]) => ({ id, case: sees(ref) ? { id: caseId(ref!) } : null }));
  for (const query of [
    `{ complaints { id case { id } } }`,
    `{ complaints { id case { ...F } } } fragment F on Case { id }`,
    `{ complaints { id case { ... on Case { id } } } }`,
  ]) {
    const res = await viaGateway(query, as);
    expect(res).toEqual({ status: 200, body: { data: { complaints: ids } } });
  }
  const nullable = await viaGateway(`{ complaints { id case { id confidential { summary } } } }`, as);
  expect(nullable.body.data.complaints.map((c: any) => [c.id, c.case?.id ?? null])).toEqual(ids.map((c) => [c.id, c.case?.id ?? null]));
  expect(nullable.body.errors).toBeUndefined();
  // Through a case the caller sees, to the complaints about it and their case again.
  const nested = await viaGateway(`{ complaints { id case { id complaints { id case { id } } } } }`, as);
  for (const c of nested.body.data.complaints) {
    for (const inner of c.case?.complaints ?? []) expect(inner.case).toEqual(c.case ? { id: c.case.id } : null);
  }
  expect(JSON.stringify(nested.body)).not.toContain('lapHubLink__');
  // A client's own field under the probe's response key is not merged with the probe (which then never reached the
  // hub, and the hidden case's id came back): the probe takes a key the document does not use.
  for (const [query, shape] of [
    [`{ complaints { id case { lapHubLink__: id id } } }`, (ref: string) => ({ lapHubLink__: caseId(ref), id: caseId(ref) })],
    [`{ complaints { id case { lapHubLink__: id x: id } } }`, (ref: string) => ({ lapHubLink__: caseId(ref), x: caseId(ref) })],
    [`{ complaints { id case { ... on Case { lapHubLink__: id } id } } }`, (ref: string) => ({ lapHubLink__: caseId(ref), id: caseId(ref) })],
    [`{ complaints { id case { lapHubLink__: id lapHubLink___: reference } } }`, (ref: string) => ({ lapHubLink__: caseId(ref), lapHubLink___: ref })],
  ] as const) {
    const res = await viaGateway(query, as);
    expect(res).toEqual({ status: 200, body: { data: { complaints: complaintCases.map(([id, ref]) => ({ id, case: sees(ref) ? shape(ref!) : null })) } } });
  }
});

test.each(viewers)('complaints → case: %s, the case’s id under @skip or @include: the cases it sees answered as without the id (every link read null)', async (viewer) => {
  const sees = (ref: string | null) => ref !== null && caseAccess[viewer].sees.includes(ref);
  const as = emailOf(viewer);
  const cases = (shape: (ref: string) => Record<string, unknown>) => ({ status: 200, body: { data: { complaints: complaintCases.map(([id, ref]) => ({ id, case: sees(ref) ? shape(ref!) : null })) } } });
  for (const [query, variables, shape] of [
    [`{ complaints { id case { id @skip(if: true) __typename } } }`, undefined, () => ({ __typename: 'Case' })],
    [`{ complaints { id case { id @include(if: false) reference } } }`, undefined, (ref: string) => ({ reference: ref })],
    [`query($skip: Boolean!) { complaints { id case { id @skip(if: $skip) reference } } }`, { skip: true }, (ref: string) => ({ reference: ref })],
    [`query($skip: Boolean!) { complaints { id case { id @skip(if: $skip) reference } } }`, { skip: false }, (ref: string) => ({ id: caseId(ref), reference: ref })],
    [`query($skip: Boolean = true) { complaints { id case { key: id @skip(if: $skip) reference } } }`, undefined, (ref: string) => ({ reference: ref })],
    [`{ complaints { id case @include(if: true) { id @skip(if: true) @include(if: true) reference } } }`, undefined, (ref: string) => ({ reference: ref })],
    [`{ complaints { id case { id @skip(if: false) reference } } }`, undefined, (ref: string) => ({ id: caseId(ref), reference: ref })],
  ] as const) {
    expect([query, variables, await post(url, query, as, {}, variables)]).toEqual([query, variables, cases(shape)]);
  }
});

test('a link to a case id that does not exist reads as a hidden one: null, no error; with the hub failing on the entity, its error stays', async () => {
  // The complaints example's demo store links no missing id: a stand-in hub answers `_entities` with nulls (as the hub
  // does for a hidden or a missing case), or with an error for the entity (a hub that failed).
  const answers = [
    { data: { _entities: [null, null, null] } },
    { data: { _entities: [null, null, null] }, errors: [{ message: 'the hub failed here', path: ['_entities', 1], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
  ];
  for (const answer of answers) {
    const standIn = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answer)));
    });
    const port = await listening(standIn);
    const logs = new MemoryLogWriter();
    const g = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${port}/graphql`, complaints: complaints.url }, logWriter: logs });
    const gUrl = `http://127.0.0.1:${await g.listen(0, '127.0.0.1')}/graphql`;
    try {
      const r = await post(gUrl, `{ complaints { id case { reference title } } }`, cast.ann);
      expect(r.status).toBe(200);
      expect(r.body.data.complaints.map((c: any) => [c.id, c.case])).toEqual(complaintCases.map(([id]) => [id, null]));
      if (!answer.errors) {
        expect(r.body.errors).toBeUndefined();
        expect(logs.logs.filter((l) => l.level === 'error')).toEqual([]);
      } else {
        // The failed entity's errors are the client's to see (at the complaint that links that case); the links that
        // merely read null still carry none.
        const errors = r.body.errors.map((e: any) => [e.path.slice(0, 3).join('.'), e.extensions?.code]);
        expect(errors.length).toBeGreaterThan(0);
        const failedAt = new Set(errors.map(([p]: [string]) => p));
        expect(failedAt.size).toBe(1);
        // FTC-2004-021 is the second distinct case the gateway asks for (c-1004 OFT-2004-003, c-1003 FTC-2004-021 …).
        expect([...failedAt]).toEqual(['complaints.2.case']);
      }
    } finally {
      await g.stop();
      await closing(standIn);
    }
  }
});

/** Every person of the demo network (src/db/seed), anonymous first: the four agency people and the applicant with an objection
 * that the access table above does not list included. */
const everyDemoViewer: Array<string | null> = [
  null,
  ...Object.values(cast),
  'sanne.devries@opta.example',
  'julien.moreau@cnil.example',
  'jonas.weber@bnetza.example',
  'rick.vance@quicksend.example',
];

test.each(everyDemoViewer.map((email) => [email ?? 'anonymous', email] as const))(
  'complaints → case as %s: each case reached through the gateway equals that viewer’s case(id) at the hub',
  async (_name, email) => {
    const fields = `reference title status tlp categories harmScore leadAgency { name } countries { code } viewerCan { readConfidential edit share } confidential { summary victimCount shares { participant { name } } }`;
    const res = await viaGateway(`{ complaints { id case { ${fields} } } }`, email);
    expect(res.status).toBe(200);
    let withheld = 0;
    for (const [i, [id, ref]] of complaintCases.entries()) {
      expect(res.body.data.complaints[i].id).toBe(id);
      if (ref === null) {
        expect(res.body.data.complaints[i].case).toBeNull();
        continue;
      }
      const direct = await hub.gql(`{ case(id: "${caseId(ref)}") { ${fields} } }`, email ? { as: email } : {});
      expect(direct.body.errors).toBeUndefined();
      // The same object as the root lookup: null where the hub hides the case, the tier null where it withholds it.
      expect(res.body.data.complaints[i].case).toEqual(direct.body.data.case);
      const hiddenTier = direct.body.extensions?.redacted?.some((e: { path: string }) => e.path === 'case.confidential') === true;
      expect(hiddenTier).toBe(direct.body.data.case !== null && direct.body.data.case.confidential === null);
    }
    // The hub's `case.confidential` entries come back re-rooted at `complaints.case.confidential`, counted where the
    // response holds them: once for each complaint whose case's tier is withheld (two link to the same case).
    for (const [, ref] of complaintCases) {
      if (ref === null) continue;
      const direct = await hub.gql(`{ case(id: "${caseId(ref)}") { confidential { summary } } }`, email ? { as: email } : {});
      if (direct.body.data.case !== null && direct.body.data.case.confidential === null) withheld++;
    }
    expect(res.body.extensions?.redacted ?? []).toEqual(withheld ? [{ path: 'complaints.case.confidential', code: 'FORBIDDEN', count: withheld }] : []);
    // A hidden case reads as a missing one, and as the hub's own lookup answers it: null, no error.
    expect(res.body.errors).toBeUndefined();
  },
);

test('case → complaints: the hub decides the case, the complaints service adds its rows', async () => {
  const query = (id: string) => `{ case(id: "${id}") { reference title confidential { summary } complaints { id category } } }`;
  const tom = await viaGateway(query(caseId('FTC-2004-021')), cast.tom);
  expect(tom.body).toEqual({
    data: { case: { reference: 'FTC-2004-021', title: 'Phishing kit targeting bank customers', confidential: { summary: expect.any(String) }, complaints: [{ id: 'c-1003', category: 'PHISHING' }] } },
  });
  const direct = await hub.gql(`{ case(id: "${caseId('FTC-2004-021')}") { confidential { summary } } }`, { as: cast.tom });
  expect(tom.body.data.case.confidential).toEqual(direct.body.data.case.confidential);

  // Priya (Meridian, not named on the RED share): the case is hidden, exactly as a case that never existed.
  const priya = await viaGateway(query(caseId('FTC-2004-021')), cast.priya);
  const missing = await viaGateway(query('00000000-0000-4000-8000-000000000000'), cast.priya);
  expect(priya.body).toEqual({ data: { case: null } });
  expect(missing.body).toEqual(priya.body);

  // Grace (NorthStar) sees the GREEN lottery case but not its confidential tier.
  const grace = await viaGateway(query(caseId('OFT-2004-003')), cast.grace);
  expect(grace.body).toEqual({
    data: { case: { reference: 'OFT-2004-003', title: 'Lottery-scam mailings', confidential: null, complaints: [{ id: 'c-1004', category: 'ONLINE_FRAUD' }] } },
    extensions: { redacted: [{ path: 'case.confidential', code: 'FORBIDDEN', count: 1 }] },
  });
});

test('a token the hub refuses is refused for the whole request, as at the hub: 401 UNAUTHENTICATED, no data', async () => {
  const secret = new TextEncoder().encode(TEST_SECRET);
  const signed = (exp: number) => new SignJWT({ email: cast.tom }).setProtectedHeader({ alg: 'HS256' }).setSubject(personId(cast.tom)).setIssuedAt().setExpirationTime(exp).sign(secret);
  const now = Math.floor(Date.now() / 1000);
  const forged = (await signed(now + 3600)).slice(0, -4) + 'AAAA';
  const expired = await signed(now - 60);
  const refusal = (message: string) => ({ status: 401, body: { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] } });
  const hubFields = `{ cases(first: 2) { totalCount nodes { reference } } }`;
  const throughComplaints = `{ complaints { id case { reference confidential { summary } } } }`;
  for (const [token, message] of [[forged, 'The token is not valid'], ['not.a.token', 'The token is not valid'], [expired, 'The token has expired']]) {
    const authorization = `Bearer ${token}`;
    // The hub itself, then the gateway: a query of the hub's fields, one entering through the complaints service, a mutation.
    expect(await post(hub.url, hubFields, null, { authorization })).toEqual(refusal(message));
    expect(await viaGateway(hubFields, null, { authorization })).toEqual(refusal(message));
    expect(await viaGateway(throughComplaints, null, { authorization })).toEqual(refusal(message));
    expect(await viaGateway(`mutation { acknowledgeRequest(id: "00000000-0000-4000-8000-000000000000") { id } }`, null, { authorization })).toEqual(refusal(message));
  }
  // A query that reaches no field of the hub: nobody there checks the token, and the complaints service answers it.
  const onlyComplaints = await viaGateway(`{ complaints { id } }`, null, { authorization: `Bearer ${forged}` });
  expect(onlyComplaints).toEqual({ status: 200, body: { data: { complaints: complaintCases.map(([id]) => ({ id })) } } });
  // The same token, good: the gateway answers as before (a refusal is remembered for its own request only).
  expect((await viaGateway(hubFields, cast.tom)).status).toBe(200);
});

test('the gateway keeps an idle client connection 65 s, as the hub does (longer than a load balancer keeps its own)', async () => {
  const agent = new http.Agent({ keepAlive: true });
  try {
    const header = await new Promise<string | undefined>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(String(res.headers['keep-alive'])));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ me { kind } }' }));
    });
    expect(header).toBe('timeout=65');
  } finally {
    agent.destroy();
  }
});

test('a client still sending its request after the request timeout is answered 408, as at the hub (REQUEST_TIMEOUT_MS)', async () => {
  // npm run gateway reads these variables as the hub does, with the same defaults and ranges.
  expect(connectionTimeoutsOf({})).toEqual({ keepAliveTimeoutMs: 65000, requestTimeoutMs: 60000, shutdownGraceMs: 10000 });
  expect(connectionTimeoutsOf({ REQUEST_TIMEOUT_MS: '1000', KEEP_ALIVE_TIMEOUT_MS: '2000', SHUTDOWN_GRACE_MS: '0' })).toEqual({ keepAliveTimeoutMs: 2000, requestTimeoutMs: 1000, shutdownGraceMs: 0 });
  expect(() => connectionTimeoutsOf({ REQUEST_TIMEOUT_MS: '999' })).toThrow(new ConfigError('REQUEST_TIMEOUT_MS must be between 1000 and 600000, got 999'));
  const short = createGateway({ supergraph: supergraph(), subgraphs: { hub: hub.url, complaints: complaints.url }, logging: false, requestTimeoutMs: 1000 });
  const port = await short.listen(0, '127.0.0.1');
  try {
    // Headers and a tenth of the body announced, then nothing more.
    const answer = await trickledRequest(port, '127.0.0.1');
    expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
    // The timeout, then at most one check of Node's (a quarter of it) and a little time for the test's own work.
    expect(answer.ms).toBeGreaterThanOrEqual(1000);
    expect(answer.ms).toBeLessThan(4000);
    // A request sent in time on another connection is answered as usual.
    expect((await post(`http://127.0.0.1:${port}/graphql`, `{ me { kind } }`, cast.ann)).body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
  } finally {
    await short.stop();
  }
});

test('redactions of a root field keep the client’s alias; entries of several fetches are summed per path', async () => {
  const res = await viaGateway(
    `{ mine: case(id: "${caseId('OFT-2004-003')}") { confidential { summary } } list: cases(first: 50) { nodes { reference confidential { summary } } } }`,
    cast.grace,
  );
  const direct = await hub.gql(
    `{ mine: case(id: "${caseId('OFT-2004-003')}") { confidential { summary } } list: cases(first: 50) { nodes { reference confidential { summary } } } }`,
    { as: cast.grace },
  );
  expect(res.body.data).toEqual(direct.body.data);
  expect(res.body.extensions.redacted).toEqual(direct.body.extensions!.redacted);
  expect(res.body.extensions.redacted).toEqual([
    { path: 'list.nodes.confidential', code: 'FORBIDDEN', count: caseAccess.grace.sees.filter((r) => !readsConfidential('grace', r)).length },
    { path: 'mine.confidential', code: 'FORBIDDEN', count: 1 },
  ]);
});

describe('queries the hub alone answers are forwarded to a hub whole', () => {
  test('which operations are forwarded: queries and mutations whose every field the hub resolves; never a subscription, introspection or a field of another subgraph', () => {
    const schema = buildSchema(supergraph(), { assumeValidSDL: true });
    const forwards = (source: string, operationName?: string) => forwardedWhen(supergraph())({ schema, document: parse(source), operationName });
    expect(forwards(`{ cases(first: 5) { totalCount nodes { reference leadAgency { name } } } }`)).toBe(true);
    expect(forwards(`query Q { case(id: "x") { ...F } } fragment F on Case { reference confidential { summary } }`)).toBe(true);
    expect(forwards(`{ __typename me { __typename kind } }`)).toBe(true);
    expect(forwards(`{ networkReport(from: "2026-01-01T00:00:00Z", to: "2026-04-01T00:00:00Z") { callsHeld } }`)).toBe(true);
    // The composed graph's introspection is the gateway's own.
    expect(forwards(`{ __schema { queryType { name } } }`)).toBe(false);
    expect(forwards(`{ me { kind } t: __type(name: "Case") { name } }`)).toBe(false);
    expect(forwards(`mutation { updateCase(input: { id: "x", title: "t" }) { reference } }`)).toBe(true);
    expect(forwards(`mutation { updateCase(input: { id: "x", title: "t" }) { reference complaints { id } } }`)).toBe(false);
    expect(forwards(`subscription { caseChanged { reference } }`)).toBe(false);
    expect(forwards(`{ complaints { id } }`)).toBe(false);
    expect(forwards(`{ case(id: "x") { reference complaints { id } } }`)).toBe(false);
    // Through a fragment, an inline fragment, an alias: still another subgraph's field.
    expect(forwards(`{ case(id: "x") { ...F } } fragment F on Case { c: complaints { id } }`)).toBe(false);
    expect(forwards(`{ case(id: "x") { ... on Case { complaints { id } } } }`)).toBe(false);
    // A document of several operations: decided for the operation named, the whole document's fields considered.
    expect(forwards(`query A { me { kind } } query B { cases(first: 1) { totalCount } }`, 'A')).toBe(true);
    expect(forwards(`query A { me { kind } } query B { cases(first: 1) { totalCount } }`, 'B')).toBe(true);
    expect(forwards(`query A { me { kind } } query B { complaints { id } }`, 'A')).toBe(false);
    expect(forwards(`query A { me { kind } } mutation B { revokeApiKey(id: "x") { id } }`, 'A')).toBe(true);
    expect(forwards(`query A { me { kind } } mutation B { revokeApiKey(id: "x") { id } }`, 'B')).toBe(true);
    expect(forwards(`query A { complaints { id } } mutation B { revokeApiKey(id: "x") { id } }`, 'B')).toBe(false);
    expect(forwards(`query A { me { kind } } subscription B { caseChanged { reference } }`, 'A')).toBe(true);
  });

  test('a literal of a scalar of the supergraph (DateTimeISO) is answered as at the hub', async () => {
    const query = `{ networkReport(from: "2004-01-01T00:00:00Z", to: "2005-01-01T00:00:00Z") { callsHeld } }`;
    const [atHub, atGateway] = [await post(hub.url, query, 'ann.carter@ftc.example'), await post(url, query, 'ann.carter@ftc.example')];
    expect(atGateway).toEqual({ status: 200, body: { data: { networkReport: { callsHeld: expect.any(Number) } } } });
    expect(atGateway).toEqual(atHub);
  });

  test('a forwarded query is one hub request, whatever its root fields, with the client’s token, address chain and request id', async () => {
    // A recording proxy in front of the hub, and a gateway of its own sending to it.
    const seen: Array<{ body: string; authorization?: string; forwardedFor?: string; requestId?: string }> = [];
    const proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ body, authorization: req.headers.authorization, forwardedFor: req.headers['x-forwarded-for'] as string | undefined, requestId: req.headers['x-request-id'] as string | undefined });
        const headers = Object.fromEntries(['content-type', 'accept', 'authorization', 'x-forwarded-for', 'x-request-id'].flatMap((h) => (req.headers[h] ? [[h, String(req.headers[h])]] : [])));
        const answer = await fetch(hub.url, { method: 'POST', headers, body });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
      });
    });
    const proxyPort = await listening(proxy);
    const recorded = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${proxyPort}/graphql`, complaints: complaints.url }, logging: false });
    const recordedUrl = `http://127.0.0.1:${await recorded.listen(0, '127.0.0.1')}/graphql`;
    try {
      const query = `query Two($id: ID!) { me { kind } mine: cases(first: 1) { totalCount } ...C } fragment C on Query { case(id: $id) { reference } }`;
      const res = await fetch(recordedUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.tokenFor(personId(cast.oliver), cast.oliver)}`, 'x-request-id': 'req-forwarded-1', 'x-forwarded-for': '203.0.113.9' },
        // A variable the operation does not declare is no part of the request: not sent on.
        body: JSON.stringify({ query, variables: { id: caseId('OFT-2004-003'), junk: [1e20, 'x'] }, operationName: 'Two' }),
      });
      expect([res.status, res.headers.get('x-request-id')]).toEqual([200, 'req-forwarded-1']);
      expect(await res.json()).toEqual({ data: { me: { kind: 'COORDINATOR' }, mine: { totalCount: caseAccess.oliver.sees.length }, case: { reference: 'OFT-2004-003' } } });
      expect(seen.map((r) => [JSON.parse(r.body), r.authorization?.startsWith('Bearer '), r.forwardedFor, r.requestId])).toEqual([
        // The client's own X-Forwarded-For is not passed on: the gateway trusts no proxy in front of it (TRUST_PROXY
        // unset), so the client is the connection's address.
        [{ query, operationName: 'Two', variables: { id: caseId('OFT-2004-003') } }, true, '127.0.0.1', 'req-forwarded-1'],
      ]);
      // A request id the hub would not keep is replaced at the gateway, as the hub replaces it: the id the client is
      // answered is the one the hub got.
      seen.length = 0;
      for (const sent of ['bad id with spaces!!', 'x'.repeat(129)]) {
        const replaced = await fetch(recordedUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': sent }, body: JSON.stringify({ query: '{ me { kind } }' }) });
        expect(await replaced.json()).toEqual({ data: { me: { kind: 'ANONYMOUS' } } });
        const answered = replaced.headers.get('x-request-id');
        expect(answered).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(seen.pop()?.requestId).toBe(answered);
      }
    } finally {
      await recorded.stop();
      await closing(proxy);
    }
  });

  test('a forwarded answer the gateway passes on whole is sent as the hub wrote it; one it changes is written from what it holds', async () => {
    // A hub stand-in answering each request with the next of these texts.
    const texts = [
      // An escape the hub's JSON may hold (written again, it would be the letter): the text as it came.
      '{"data":{"me":{"kind":"AG\\u0045NCY"}}}',
      '{"data":{"case":{"reference":"X","confidential":null}},"extensions":{"redacted":[{"path":"case.confidential","code":"FORBIDDEN","count":1}]}}',
      // Another extension, which the gateway does not pass on: not the hub's text.
      '{"data":{"me":{"kind":"AGENCY"}},"extensions":{"redacted":[{"path":"me.x","code":"FORBIDDEN","count":1}],"other":1}}',
      // Spaced out (a proxy's pretty-printing): the same value, written compact.
      '{ "data": { "me": { "kind": "AGENCY" } } }',
      // An error: in the gateway's form.
      '{"errors":[{"message":"Not allowed","path":["me"],"extensions":{"code":"FORBIDDEN"}}],"data":{"me":null}}',
      // Characters of two, three and four bytes: the answer's bytes are the hub's, and its Content-Length theirs.
      '{"data":{"case":{"reference":"Ü-日本-😀","confidential":null}},"extensions":{"redacted":[{"path":"case.confidential","code":"FORBIDDEN","count":1}]}}',
      // Not UTF-8 (a byte 0xFF in a string): read as U+FFFD, and the answer is that text's UTF-8, never the hub's bytes.
      Buffer.concat([Buffer.from('{"data":{"me":{"kind":"A'), Buffer.from([0xff]), Buffer.from('"}}}')]),
    ];
    let next = 0;
    const stand = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(texts[next++]));
    });
    const standPort = await listening(stand);
    const gw = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${standPort}/graphql`, complaints: complaints.url }, logging: false });
    const gwUrl = `http://127.0.0.1:${await gw.listen(0, '127.0.0.1')}/graphql`;
    try {
      const answered = (query: string) => fetch(gwUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
      const ask = async (query: string) => (await answered(query)).text();
      expect(await ask('{ me { kind } }')).toBe(texts[0]);
      expect(await ask('{ case(id: "x") { reference confidential { summary } } }')).toBe(texts[1]);
      expect(await ask('{ me { kind } }')).toBe('{"data":{"me":{"kind":"AGENCY"}},"extensions":{"redacted":[{"path":"me.x","code":"FORBIDDEN","count":1}]}}');
      expect(await ask('{ me { kind } }')).toBe('{"data":{"me":{"kind":"AGENCY"}}}');
      expect(JSON.parse(await ask('{ me { kind } }'))).toEqual({
        errors: [{ message: 'Not allowed', path: ['me'], extensions: { code: 'FORBIDDEN', serviceName: 'hub' } }], data: { me: null },
      });
      for (const expected of [Buffer.from(texts[5] as string), Buffer.from('{"data":{"me":{"kind":"A\uFFFD"}}}')]) {
        const res = await answered('{ case(id: "x") { reference confidential { summary } } }');
        const bytes = Buffer.from(await res.arrayBuffer());
        expect([bytes.equals(expected), res.headers.get('content-length'), res.headers.get('content-type')]).toEqual([true, String(expected.length), 'application/json; charset=utf-8']);
      }
    } finally {
      await gw.stop();
      await closing(stand);
    }
  });

  test('an answer the hub says holds data, or data and extensions, is passed on without its data parsed; any other is parsed and checked', async () => {
    // A hub stand-in answering each request with the next of these, with the hub's X-Answer-Parts where given.
    const answers: Array<{ text: string; parts?: string; passed: boolean; sent?: string }> = [
      { text: '{"data":{"me":{"kind":"AG\\u0045NCY"}}}', parts: 'data', passed: true },
      {
        text: '{"data":{"case":{"reference":"X","extensions":{"a":1},"confidential":null}},"extensions":{"redacted":[{"path":"case.confidential","code":"FORBIDDEN","count":1}]}}',
        parts: 'data,extensions',
        passed: true,
      },
      // Another extension: parsed, and the extension not passed on.
      {
        text: '{"data":{"me":{"kind":"AGENCY"}},"extensions":{"redacted":[{"path":"me.x","code":"FORBIDDEN","count":1}],"other":{"b":1,"extensions":{"redacted":[]}}}}',
        parts: 'data,extensions',
        passed: false,
        sent: '{"data":{"me":{"kind":"AGENCY"}},"extensions":{"redacted":[{"path":"me.x","code":"FORBIDDEN","count":1}]}}',
      },
      // Extensions said, none there (its data holds a member of that name): parsed.
      { text: '{"data":{"me":{"extensions":{"redacted":[1]}}}}', parts: 'data,extensions', passed: false, sent: '{"data":{"me":{"extensions":{"redacted":[1]}}}}' },
      // Errors: parsed, in the gateway's form.
      { text: '{"errors":[{"message":"Not allowed","path":["me"],"extensions":{"code":"FORBIDDEN"}}],"data":{"me":null}}', parts: 'errors,data', passed: false },
      // No parts said (an answer Apollo wrote): parsed.
      { text: '{"data":{"me":{"kind":"AGENCY"}}}', passed: false, sent: '{"data":{"me":{"kind":"AGENCY"}}}' },
      // Parts said, but not the hub's compact text (a proxy's pretty-printing): parsed, written compact.
      { text: '{ "data": { "me": { "kind": "AGENCY" } } }', parts: 'data', passed: false, sent: '{"data":{"me":{"kind":"AGENCY"}}}' },
    ];
    let next = 0;
    const stand = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const answer = answers[next++];
        res.writeHead(200, { 'content-type': 'application/json', ...(answer.parts ? { 'x-answer-parts': answer.parts } : {}) }).end(answer.text);
      });
    });
    const standPort = await listening(stand);
    const gw = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${standPort}/graphql`, complaints: complaints.url }, logging: false });
    const gwUrl = `http://127.0.0.1:${await gw.listen(0, '127.0.0.1')}/graphql`;
    const parse = jest.spyOn(JSON, 'parse');
    try {
      for (const answer of answers) {
        parse.mockClear();
        const res = await fetch(gwUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { kind } }' }) });
        const text = await res.text();
        const parsed = parse.mock.calls.some(([arg]) => arg === answer.text);
        if (answer.parts === 'errors,data') {
          expect([res.status, JSON.parse(text), parsed]).toEqual([
            200, { errors: [{ message: 'Not allowed', path: ['me'], extensions: { code: 'FORBIDDEN', serviceName: 'hub' } }], data: { me: null } }, true,
          ]);
        } else {
          expect({ status: res.status, text, parsed }).toEqual({ status: 200, text: answer.sent ?? answer.text, parsed: !answer.passed });
        }
      }
    } finally {
      parse.mockRestore();
      await gw.stop();
      await closing(stand);
    }
  });

  test('a document whose only field of the hub is skipped, or that asks only for __typename, is the gateway’s own to answer: no hub request', async () => {
    const away = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${await closedPort()}/graphql`, complaints: complaints.url }, logging: false });
    const awayUrl = `http://127.0.0.1:${await away.listen(0, '127.0.0.1')}/graphql`;
    try {
      const cases: Array<[string, Record<string, unknown> | undefined, unknown]> = [
        ['{ __typename }', undefined, { __typename: 'Query' }],
        ['{ t: __typename }', undefined, { t: 'Query' }],
        ['query($s: Boolean!) { me @skip(if: $s) { kind } __typename }', { s: true }, { __typename: 'Query' }],
        ['{ ... on Query { me @include(if: false) { kind } } }', undefined, {}],
        // A variable's default decides as execution decides it.
        ['query($s: Boolean = true) { me @skip(if: $s) { kind } __typename }', undefined, { __typename: 'Query' }],
      ];
      for (const [query, variables, data] of cases) {
        // With no hub reachable, and with a token no hub would take (only the hub checks tokens).
        expect(await post(awayUrl, query, null, { authorization: 'Bearer not-a-token' }, variables)).toEqual({ status: 200, body: { data } });
      }
      // A field of the hub: 503, every root field that would run named.
      expect(await post(awayUrl, 'query($s: Boolean!) { me @skip(if: $s) { kind } a: cases(first: 1) { totalCount } __typename }', null, {}, { s: false })).toEqual({
        status: 503,
        body: {
          data: null,
          errors: ['me', 'a'].map((key) => ({ message: 'The hub is unavailable: send the request again', path: [key], extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' } })),
        },
      });
    } finally {
      await away.stop();
    }
  });

  test('a document of several mutations is all or nothing through the gateway, as at the hub: a refused later field leaves the earlier one unwritten', async () => {
    await hub.reset();
    const id = caseId('FTC-2004-017');
    const notes = async () => (await hub.ds.query(`SELECT investigator_notes FROM case_confidential WHERE case_id = $1`, [id]))[0].investigator_notes;
    const before = await notes();
    const document = `mutation($id: ID!, $other: ID!) { first: updateCase(id: $id, input: { investigatorNotes: "written by the first field" }) { id } second: updateCase(id: $other, input: { title: "Not Ann's case" }) { id } }`;
    const variables = { id, other: caseId('OFT-2004-003') };
    const atHub = await post(hub.url, document, cast.ann, {}, variables);
    expect(atHub.body.data).toBeNull();
    expect(atHub.body.errors.map((e: any) => e.path)).toEqual([['second']]);
    expect(await notes()).toBe(before);
    const atGateway = await post(url, document, cast.ann, {}, variables);
    expect(await notes()).toBe(before);
    expect(atGateway.status).toBe(atHub.status);
    expect(atGateway.body).toEqual({ ...atHub.body, errors: atHub.body.errors.map((e: any) => ({ message: e.message, path: e.path, extensions: { ...e.extensions, serviceName: 'hub' } })) });
    // Both fields allowed: both written, one answer.
    const both = await post(url, `mutation($id: ID!) { first: updateCase(id: $id, input: { investigatorNotes: "written by the first field" }) { id } second: updateCase(id: $id, input: { title: "Both written" }) { id } }`, cast.ann, {}, { id });
    expect(both.body).toEqual({ data: { first: { id }, second: { id } } });
    expect(await notes()).toBe('written by the first field');
    await hub.reset();
  });

  let plain: Gateway;
  let plainUrl: string;
  beforeAll(async () => {
    plain = createGateway({ supergraph: supergraph(), subgraphs: { hub: hub.url, complaints: complaints.url }, logging: false, forward: false });
    plainUrl = `http://127.0.0.1:${await plain.listen(0, '127.0.0.1')}/graphql`;
  });
  afterAll(() => plain?.stop());

  test('a document of several queries: each request is answered with the operation it names', async () => {
    const document = `query Me { me { kind } } query Count { cases(first: 1) { totalCount } }`;
    const expected = { Me: { me: { kind: 'AGENCY' } }, Count: { cases: { totalCount: caseAccess.isla.sees.length } } };
    for (const operationName of ['Me', 'Count', 'Me', 'Count'] as const) {
      expect((await post(url, document, cast.isla, {}, undefined, operationName)).body).toEqual({ data: expected[operationName] });
    }
  });

  const BOARD = `query Board($n: Int!, $tier: Boolean!, $skipCountries: Boolean!) {
    me { kind organization { name } }
    first: cases(first: $n) { totalCount pageInfo { hasNextPage endCursor } nodes { ...Row confidential @include(if: $tier) { summary victimCount shares { participant { name } recipients { name } } } } }
    red: cases(first: 3, filter: { tlp: RED }) { totalCount edges { cursor node { reference countries @skip(if: $skipCountries) { code } ... on Case { viewerCan { readConfidential } } } } }
  }
  fragment Row on Case { id reference title status tlp harmScore openedAt categories leadAgency { name country { code } } countries { code } viewerCan { readConfidential edit share } }`;

  test.each(everyDemoViewer.map((email) => [email ?? 'anonymous', email] as const))(
    'as %s, a forwarded query is answered exactly as the gateway’s own execution answers it: status, data, errors, redactions',
    async (_name, email) => {
      const cases: Array<[string, Record<string, unknown>?]> = [
        [BOARD, { n: 20, tier: true, skipCountries: false }],
        [BOARD, { n: 2, tier: false, skipCountries: true }],
        [AGENDA_QUERY],
        [DETAIL_QUERY, { id: caseId('OFT-2004-003') }],
        [DETAIL_QUERY, { id: caseId('FTC-2004-021') }],
        // A case no one has, and an id that is not one: the hub's errors, as they reach the client.
        [DETAIL_QUERY, { id: '00000000-0000-4000-8000-000000000000' }],
        [`{ case(id: "not-a-uuid") { reference } cases(first: 1) { nodes { reference } } }`],
        [`{ cases(first: 1001) { totalCount } }`],
        // Variables' defaults, in the directives that decide which root fields run too.
        [`query($s: Boolean = true, $n: Int = 2) { me @skip(if: $s) { kind } cases(first: $n) { totalCount } }`],
        [`query($s: Boolean = true, $n: Int = 2) { me @skip(if: $s) { kind } cases(first: $n) { totalCount } }`, { s: false }],
        // Introspection (GraphiQL's, outside production) is the gateway's own, whichever way.
        [`{ __typename __schema { queryType { name } types { name kind fields { name type { name kind ofType { name } } } } } }`],
        [`{ __type(name: "Case") { name fields { name args { name defaultValue } } } }`],
      ];
      for (const [query, variables] of cases) {
        const [forwarded, executed] = await Promise.all([post(url, query, email, {}, variables), post(plainUrl, query, email, {}, variables)]);
        expect(forwarded.status).toBe(executed.status);
        expect(forwarded.body).toEqual(executed.body);
      }
    },
  );
});

test('the viewer is the one the forwarded Authorization header names; the gateway has none of its own', async () => {
  const me = `{ me { kind person { id } organization { id } } }`;
  expect((await viaGateway(me, cast.ann)).body).toEqual({ data: { me: { kind: 'COORDINATOR', person: { id: personId(cast.ann) }, organization: { id: orgId('ftc') } } } });
  expect((await viaGateway(me)).body).toEqual({ data: { me: { kind: 'ANONYMOUS', person: null, organization: null } } });
  // A bad token is refused by the hub; the gateway answers its refusal and no data.
  const bad = await viaGateway(me, null, { authorization: 'Bearer not-a-token' });
  expect(bad).toEqual({ status: 401, body: { errors: [{ message: 'The token is not valid', extensions: { code: 'UNAUTHENTICATED' } }] } });
  // Other client headers are not forwarded as an identity.
  expect((await viaGateway(me, null, { 'x-forwarded-user': personId(cast.ann), cookie: 'session=ann' })).body.data.me.kind).toBe('ANONYMOUS');
});

test('the gateway’s GraphiQL is the hub’s self-contained page, for the composed graph: nothing loaded from a CDN; 304 for a browser that has it', async () => {
  const withPage = createGateway({ supergraph: supergraph(), subgraphs: { hub: hub.url, complaints: complaints.url }, logging: false, graphiql: true });
  const pageUrl = `http://127.0.0.1:${await withPage.listen(0, '127.0.0.1')}/graphql`;
  try {
    const res = await fetch(pageUrl, { headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    const html = await res.text();
    expect(html).toContain('<title>LAP Hub — composed graph</title>');
    expect(html).not.toMatch(/<script\b[^>]*\bsrc\s*=/i);
    expect(html).not.toMatch(/unpkg\.com|jsdelivr|cdnjs|esm\.sh|googleapis/i);
    expect(html).toContain("message.type === 'connection_init'");
    const again = await fetch(pageUrl, { headers: { accept: 'text/html', 'if-none-match': res.headers.get('etag')! } });
    expect(again.status).toBe(304);
    // A GET query, and a client preferring JSON, are GraphQL requests as before.
    expect((await fetch(`${pageUrl}?query=${encodeURIComponent('{ me { kind } }')}`, { headers: { accept: 'text/html, application/json', 'apollo-require-preflight': 'true' } })).status).toBe(200);
    expect((await fetch(pageUrl, { headers: { accept: '*/*' } })).headers.get('content-type')).not.toContain('text/html');
    // Without GRAPHIQL (the default gateway here), no page.
    expect((await fetch(url, { headers: { accept: 'text/html' } })).headers.get('content-type') ?? '').not.toContain('text/html');
  } finally {
    await withPage.stop();
  }
});

test('a request Node cannot read is answered by the gateway with a JSON error saying why, as at the hub', async () => {
  const { hostname, port } = new URL(url);
  const error = (message: string) => JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
  const large = await rawExchange(Number(port), hostname, `POST /graphql HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
  expect([large.statusLine, large.headers['content-type'], large.body]).toEqual([
    'HTTP/1.1 431 Request Header Fields Too Large', 'application/json; charset=utf-8', error('The request’s URL and headers are too large (more than 16 KB in all): a long query goes in a POST body'),
  ]);
  const garbage = await rawExchange(Number(port), hostname, 'HELLO THERE\r\n\r\n');
  expect([garbage.statusLine, garbage.body]).toEqual(['HTTP/1.1 400 Bad Request', error('The request is not well-formed HTTP')]);

  // What Node answered itself with an empty body (a request of HTTP/1.1 without Host, an Expect it cannot meet) or
  // not at all (CONNECT: the connection closed without a word).
  const hostless = await rawExchange(Number(port), hostname, 'GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
  expect([hostless.statusLine, hostless.body]).toEqual(['HTTP/1.1 400 Bad Request', error('An HTTP/1.1 request must carry a Host header')]);
  const teapot = await rawExchange(Number(port), hostname, 'GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n');
  expect([teapot.statusLine, teapot.body]).toEqual(['HTTP/1.1 417 Expectation Failed', error('The request’s Expect header cannot be met: only "100-continue" is')]);
  const tunnel = await rawExchange(Number(port), hostname, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n');
  expect([tunnel.statusLine, tunnel.body]).toEqual(['HTTP/1.1 405 Method Not Allowed', error('CONNECT is not served here: this is not a proxy')]);
  // HTTP/1.0 has no Host to require.
  expect((await rawExchange(Number(port), hostname, 'GET /healthz HTTP/1.0\r\n\r\n')).statusLine).toBe('HTTP/1.1 200 OK');
});

test('the gateway answers the hub’s health paths itself, and says that the hub’s other endpoints are the hub’s', async () => {
  const base = url.replace(/\/graphql$/, '');
  const answer = async (res: Response) => [res.status, await res.json(), res.headers.get('x-request-id')];
  const uuid = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  expect(await answer(await fetch(`${base}/healthz`))).toEqual([200, { status: 'ok' }, uuid]);
  expect(await answer(await fetch(`${base}/readyz`, { headers: { 'x-request-id': 'probe-1' } }))).toEqual([200, { status: 'ready' }, 'probe-1']);
  expect((await fetch(`${base}/readyz`, { method: 'HEAD' })).status).toBe(200);
  const posted = await fetch(`${base}/readyz`, { method: 'POST', body: '{}' });
  expect([posted.status, posted.headers.get('allow'), await posted.json()]).toEqual([405, 'GET, HEAD', { errors: [{ message: 'POST is not a method of /readyz: use GET', extensions: { code: 'BAD_REQUEST' } }] }]);
  for (const p of ['/metrics', '/dashboard', '/dashboard/assets/x.js', '/reports/network.csv?from=2025-01-01&to=2026-01-01']) {
    const res = await fetch(`${base}${p}`, { headers: { 'x-request-id': 'not a request id!' } });
    expect(await answer(res)).toEqual([404, { errors: [{
      message: `${p.split('?')[0]} is the hub's, not the gateway's: the gateway serves GraphQL at /graphql (and /healthz, /readyz); ask a hub for the rest`,
      extensions: { code: 'NOT_FOUND' },
    }] }, uuid]);
  }
});

test('the gateway is ready while a hub is: /readyz is 503 when no hub answers its own /readyz with 200, and 200 again once one does', async () => {
  // A hub whose database does not answer (its /readyz is 503), one that is not running, one that is not a hub: none ready.
  let hubReady = false;
  const fake = http.createServer((req, res) => {
    const ready = req.url === '/readyz' && hubReady;
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ready ? 'ready' : 'database unavailable' }));
  });
  const fakePort = await listening(fake);
  const down = await closedPort();
  const behind = createGateway({ supergraph: supergraph(), subgraphs: { hub: [`http://127.0.0.1:${down}/graphql`, `http://127.0.0.1:${fakePort}/graphql`], complaints: complaints.url }, logging: false });
  const base = `http://127.0.0.1:${await behind.listen(0, '127.0.0.1')}`;
  try {
    const first = await fetch(`${base}/readyz`);
    expect([first.status, await first.json()]).toEqual([503, { status: 'none of the 2 hubs is ready' }]);
    // The process itself is up.
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    hubReady = true;
    // One check serves the probes of the next second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await fetch(`${base}/readyz`);
    expect([again.status, await again.json()]).toEqual([200, { status: 'ready' }]);
  } finally {
    await behind.stop();
    await closing(fake);
  }
  // A single hub that is down.
  const alone = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${down}/graphql`, complaints: complaints.url }, logging: false });
  const aloneBase = `http://127.0.0.1:${await alone.listen(0, '127.0.0.1')}`;
  try {
    const res = await fetch(`${aloneBase}/readyz`);
    expect([res.status, await res.json()]).toEqual([503, { status: 'the hub is not ready' }]);
  } finally {
    await alone.stop();
  }
});

test('the gateway does not expose the subgraphs’ _entities or _service', async () => {
  for (const query of [`{ _service { sdl } }`, `{ _entities(representations: [{ __typename: "Case", id: "${caseId('FTC-2004-021')}" }]) { __typename } }`]) {
    const res = await viaGateway(query, cast.ann);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors[0].message).toMatch(/^Cannot query field "_(service|entities)" on type "Query"\.$/);
  }
});

// Another session holds a case's row, so that a mutation through the gateway waits at the hub. (On an embedded database
// every connection shares one session: no other session can hold the row.)
(process.env.LAPHUB_TEST_DB_KIND === 'pglite' ? describe.skip : describe)('a request is either answered or never run, through the gateway as at the hub', () => {
  const id = caseId('ICO-2004-008');
  const title = async () => (await hub.ds.query(`SELECT title FROM enforcement_case WHERE id = $1`, [id]))[0].title as string;
  let original: string;
  let locker: pg.Client;
  beforeEach(async () => {
    original = await title();
    locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM enforcement_case WHERE id = $1 FOR UPDATE`, [id]);
  });
  afterEach(async () => {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
    await hub.ds.query(`UPDATE enforcement_case SET title = $2 WHERE id = $1`, [id, original]);
  });
  const waiting = () => untilWaiting(locker);
  const rename = async (target: string, to: string, signal?: AbortSignal) =>
    fetch(target, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await hub.tokenFor(personId(cast.isla), cast.isla)}` },
      body: JSON.stringify({ query: `mutation($id: ID!, $t: String!) { updateCase(id: $id, input: { title: $t }) { title } }`, variables: { id, t: to } }),
      signal,
    }).then(async (res) => ({ status: res.status, body: await res.json() }));

  test('a client that goes away while its mutation runs: the gateway gives up its hub request, and the hub writes nothing', async () => {
    const controller = new AbortController();
    const answer = rename(url, 'Renamed by a client that left', controller.signal);
    await waiting();
    controller.abort();
    await expect(answer).rejects.toThrow();
    await new Promise((resolve) => setTimeout(resolve, 300));
    await locker.query('COMMIT');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await title()).toBe(original);
  });

  /** A gateway of this grace, a rename through it waiting at the hub for the row, and the gateway's stop begun. */
  const stopWhileRenaming = async (shutdownGraceMs: number, to: string) => {
    const stopping = createGateway({ supergraph: supergraph(), subgraphs: { hub: hub.url, complaints: complaints.url }, logging: false, shutdownGraceMs });
    const answer = rename(`http://127.0.0.1:${await stopping.listen(0, '127.0.0.1')}/graphql`, to);
    await waiting();
    return { answer, stopped: stopping.stop() };
  };

  test('Hive Gateway’s own SIGINT/SIGTERM handlers, which would break off every request under way at the signal, are taken out', () => {
    // In a process of its own: Hive registers them once per process, with the first gateway.
    const root = path.join(__dirname, '../..');
    const script = `
      const fs = require('node:fs');
      const ts = require('typescript');
      require.extensions['.ts'] = (module, file) => module._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'), {
        fileName: file,
        compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, experimentalDecorators: true, emitDecoratorMetadata: true },
      }).outputText, file);
      require('reflect-metadata');
      const { createGateway } = require(${JSON.stringify(path.join(root, 'src/federation/gateway.ts'))});
      const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
      const g = createGateway({ supergraph: fs.readFileSync(${JSON.stringify(path.join(root, 'supergraph.graphql'))}, 'utf8'), subgraphs: { hub: 'http://127.0.0.1:9/graphql', complaints: 'http://127.0.0.1:9/graphql' }, logging: false });
      process.stdout.write(JSON.stringify([before, [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]]));
      g.stop().then(() => process.exit(0));`;
    const out = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    expect(JSON.parse(out)).toEqual([[0, 0], [0, 0]]);
  });

  test('a stopping gateway answers the requests under way before it closes (SHUTDOWN_GRACE_MS), and refuses none of them', async () => {
    const { answer, stopped } = await stopWhileRenaming(10_000, 'Renamed while the gateway stopped');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await locker.query('COMMIT');
    expect(await answer).toEqual({ status: 200, body: { data: { updateCase: { title: 'Renamed while the gateway stopped' } } } });
    await stopped;
    expect(await title()).toBe('Renamed while the gateway stopped');
  });

  test('a request still under way when a stopping gateway’s grace ends gives up its hub request (the hub rolls it back) and is answered so', async () => {
    const { answer, stopped } = await stopWhileRenaming(0, 'Renamed and cut');
    const answered = await answer;
    expect([answered.status, answered.body.errors.map((e: any) => [e.message, e.extensions.code])]).toEqual([
      503, [['The gateway stopped before the hub answered: whether the mutation was applied is not known; read before sending it again', 'SERVICE_UNAVAILABLE']],
    ]);
    await new Promise((resolve) => setTimeout(resolve, 300));
    await locker.query('COMMIT');
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await title()).toBe(original);
  });
});

describe('several hubs on one database behind the gateway', () => {
  const counted: Array<{ hub: Hub; ds: DataSource | null; requests: number }> = [];
  let scaled: Gateway;
  let scaledUrl: string;

  beforeAll(async () => {
    // On PostgreSQL each hub has its own connection pool, as separate processes would; the embedded test database
    // serves one connection, so there the hubs share it (the embedded database is for one instance in production).
    const pglite = process.env.LAPHUB_TEST_DB_KIND === 'pglite';
    for (let i = 0; i < 2; i++) {
      const ds = pglite ? null : await openDatabase(process.env.LAPHUB_TEST_DB_URL!, 2, true);
      const h = await createHub({ config: hub.config, ds: ds ?? hub.ds, logger: createLogger(hub.config) });
      const entry = { hub: h, ds, requests: 0 };
      h.httpServer.on('request', (req) => {
        if (req.method === 'POST') entry.requests++;
      });
      counted.push(entry);
    }
    const urls = await Promise.all(counted.map(async (c) => `http://127.0.0.1:${await c.hub.listen(0, '127.0.0.1')}/graphql`));
    scaled = createGateway({ supergraph: supergraph(), subgraphs: { hub: urls, complaints: complaints.url }, logging: false });
    scaledUrl = `http://127.0.0.1:${await scaled.listen(0, '127.0.0.1')}/graphql`;
  });
  afterAll(async () => {
    await scaled?.stop();
    for (const c of counted) {
      await c.hub.stop();
      await c.ds?.destroy();
    }
    await hub.reset();
  });

  test('requests go to each hub in turn, and a write through one is read through the other', async () => {
    const grant = await post(
      scaledUrl,
      `mutation($input: ShareCaseInput!) { shareCase(input: $input) { participant { id } } }`,
      cast.isla,
      {},
      { input: { caseId: caseId('ICO-2004-008'), participantId: orgId('sentinel') } },
    );
    expect(grant.body).toEqual({ data: { shareCase: { participant: { id: orgId('sentinel') } } } });
    const read = await post(scaledUrl, `{ case(id: "${caseId('ICO-2004-008')}") { reference confidential { summary } } }`, cast.eva);
    expect(read.body).toEqual({ data: { case: { reference: 'ICO-2004-008', confidential: { summary: expect.any(String) } } } });
    expect(counted.map((c) => c.requests)).toEqual([1, 1]);
    for (let i = 0; i < 4; i++) await post(scaledUrl, `{ me { kind } }`, cast.eva);
    expect(counted.map((c) => c.requests)).toEqual([3, 3]);
  });
});

test('with introspection off (npm run gateway in production) the gateway refuses __schema; queries still run', async () => {
  const closed = createGateway({ supergraph: supergraph(), subgraphs: { hub: hub.url, complaints: complaints.url }, introspection: false, logging: false });
  const closedUrl = `http://127.0.0.1:${await closed.listen(0, '127.0.0.1')}/graphql`;
  try {
    const intro = await post(closedUrl, `{ __schema { queryType { name } } }`, cast.ann);
    expect(intro.body.data).toBeUndefined();
    expect(intro.body.errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect((await post(closedUrl, `{ me { kind } }`, cast.ann)).body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
  } finally {
    await closed.stop();
  }
});

describe('the client’s address reaches the hub', () => {
  test('X-Forwarded-For: a hub that trusts the gateway (TRUST_PROXY=loopback) counts its per-address limit per client, not per gateway', async () => {
    const config = loadConfig({ ...testHubEnv(), TRUST_PROXY: 'loopback', RATE_LIMIT_PER_IP: '2' });
    const limited = await createHub({ config, ds: hub.ds, logger: createLogger(config) });
    const limitedUrl = `http://127.0.0.1:${await limited.listen(0, '127.0.0.1')}/graphql`;
    // The proxy in front of the gateway is on loopback, and the gateway is told to trust it (TRUST_PROXY).
    const front = createGateway({ supergraph: supergraph(), subgraphs: { hub: limitedUrl, complaints: complaints.url }, logging: false, trustProxy: 'loopback' });
    const frontUrl = `http://127.0.0.1:${await front.listen(0, '127.0.0.1')}/graphql`;
    try {
      // Two clients behind a proxy in front of the gateway: each has its own budget of 2 requests a minute at the hub.
      const from = (address: string) => post(frontUrl, `{ me { kind } }`, null, { 'x-forwarded-for': address });
      const a = [await from('203.0.113.1'), await from('203.0.113.1')];
      expect(a.map((r) => [r.status, r.body.data?.me?.kind ?? null])).toEqual([[200, 'ANONYMOUS'], [200, 'ANONYMOUS']]);
      // The third is refused as the hub refuses it: 429 with Retry-After, the hub's RATE_LIMITED error and no data.
      const third = await fetch(frontUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': '203.0.113.1' },
        body: JSON.stringify({ query: '{ me { kind } }' }),
      });
      const body = (await third.json()) as any;
      expect([third.status, Number(third.headers.get('retry-after')) > 0, body.data ?? null]).toEqual([429, true, null]);
      expect(body.errors.map((e: any) => [e.message, e.extensions.code, e.extensions.retryAfterSeconds])).toEqual([
        [expect.stringMatching(/^Too many requests from this address: try again in \d+ s\.$/), 'RATE_LIMITED', Number(third.headers.get('retry-after'))],
      ]);
      const b = await from('203.0.113.2');
      expect([b.status, b.body.data.me.kind]).toEqual([200, 'ANONYMOUS']);
    } finally {
      await front.stop();
      await limited.stop();
    }
  });

  test('a client cannot name its own address through the gateway: without TRUST_PROXY its X-Forwarded-For is not passed on, and every request counts against its connection’s address', async () => {
    const config = loadConfig({ ...testHubEnv(), TRUST_PROXY: 'loopback', RATE_LIMIT_PER_IP: '2' });
    const limited = await createHub({ config, ds: hub.ds, logger: createLogger(config) });
    const limitedUrl = `http://127.0.0.1:${await limited.listen(0, '127.0.0.1')}/graphql`;
    const seen: Array<string | undefined> = [];
    const recorder = http.createServer((req, res) => {
      seen.push(req.headers['x-forwarded-for'] as string | undefined);
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', async () => {
        const headers = Object.fromEntries(['content-type', 'accept', 'authorization', 'x-forwarded-for'].flatMap((h) => (req.headers[h] ? [[h, String(req.headers[h])]] : [])));
        const answer = await fetch(limitedUrl, { method: 'POST', headers, body: Buffer.concat(chunks) });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json' }).end(await answer.text());
      });
    });
    const recorderPort = await listening(recorder);
    const front = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${recorderPort}/graphql`, complaints: complaints.url }, logging: false });
    const frontUrl = `http://127.0.0.1:${await front.listen(0, '127.0.0.1')}/graphql`;
    try {
      // A new made-up address on every request (the probe's reproduction: all twelve were answered before).
      const statuses: number[] = [];
      for (let i = 1; i <= 4; i++) statuses.push((await post(frontUrl, `{ me { kind } }`, null, { 'x-forwarded-for': `10.9.${i}.1`, forwarded: `for=10.8.${i}.1` })).status);
      expect(statuses).toEqual([200, 200, 429, 429]);
      expect(seen).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1', '127.0.0.1']);
    } finally {
      await front.stop();
      await closing(recorder);
      await limited.stop();
    }
  });
});

test('a hub the gateway cannot reach: the error is logged, without what the client sent (a confidential summary in a mutation’s variables)', async () => {
  const port = await closedPort();
  const logs = new MemoryLogWriter();
  const lonely = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${port}/graphql`, complaints: complaints.url }, logWriter: logs });
  const lonelyUrl = `http://127.0.0.1:${await lonely.listen(0, '127.0.0.1')}/graphql`;
  try {
    const r = await post(
      lonelyUrl,
      `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { id } }`,
      cast.liam,
      { 'x-request-id': 'unreachable-1' },
      { id: caseId('ACMA-2004-011'), input: { summary: 'SECRET-SUMMARY the suspect lives at 12 Elm St', investigatorNotes: 'SECRET-NOTE informant J. Doe' } },
    );
    expect(r.body.data?.updateCase ?? null).toBeNull();
    expect(r.body.errors.length).toBeGreaterThan(0);
    // Logged: the failure, at error level, with the request's id…
    expect(logs.logs.filter((l) => l.level === 'error').length).toBeGreaterThan(0);
    expect(logs.logs.find((l) => l.level === 'error' && l.msg === 'every instance of the hub subgraph refused the connection')?.attrs).toMatchObject({ requestId: 'unreachable-1' });
    // …and nothing the client sent.
    const written = JSON.stringify(logs.logs);
    expect(written).not.toContain('SECRET-');
    expect(written).not.toContain('12 Elm St');
    // While it lasts, one line a second, not one a request: the requests refused in between are counted in the next.
    const lines = () => logs.logs.filter((l) => l.msg === 'every instance of the hub subgraph refused the connection');
    for (let i = 0; i < 20; i++) await post(lonelyUrl, '{ me { kind } }', null);
    expect(lines()).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await post(lonelyUrl, '{ me { kind } }', null, { 'x-request-id': 'unreachable-2' });
    expect(lines().map((l) => [(l.attrs as Record<string, unknown> | undefined)?.requestId, (l.attrs as Record<string, unknown> | undefined)?.alsoRefusedSinceLastLine])).toEqual([['unreachable-1', undefined], ['unreachable-2', 20]]);
  } finally {
    await lonely.stop();
  }
});

test('of several hubs, one that refuses connections (stopped) is passed over: every request is answered by the other, a mutation once', async () => {
  const port = await closedPort();
  const down = `http://127.0.0.1:${port}/graphql`;
  for (const order of [[down, hub.url], [hub.url, down]]) {
    const pair = createGateway({ supergraph: supergraph(), subgraphs: { hub: order, complaints: complaints.url }, logging: false });
    const pairUrl = `http://127.0.0.1:${await pair.listen(0, '127.0.0.1')}/graphql`;
    try {
      for (let i = 0; i < 4; i++) expect((await post(pairUrl, `{ me { kind } }`, cast.ann)).body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
      const grant = await post(
        pairUrl,
        `mutation($input: ShareCaseInput!) { shareCase(input: $input) { participant { id } } }`,
        cast.isla,
        {},
        { input: { caseId: caseId('ICO-2004-008'), participantId: orgId('sentinel') } },
      );
      expect(grant.body).toEqual({ data: { shareCase: { participant: { id: orgId('sentinel') } } } });
      expect(await hub.ds.query(`SELECT count(*)::int AS n FROM case_share WHERE case_id = $1 AND participant_id = $2`, [caseId('ICO-2004-008'), orgId('sentinel')])).toEqual([{ n: 1 }]);
    } finally {
      await pair.stop();
      await hub.reset();
    }
  }
});

test('an instance that closes the connection without answering (a hub stopping as the request arrives): a read goes to the next one, a mutation is not sent again and the client is told', async () => {
  // Reads each request whole, then closes its connection without a word.
  let hungUp = 0;
  const silent = http.createServer((req) => {
    req.resume();
    req.on('end', () => {
      hungUp++;
      req.socket.destroy();
    });
  });
  const silentUrl = `http://127.0.0.1:${await listening(silent)}/graphql`;
  const pair = createGateway({ supergraph: supergraph(), subgraphs: { hub: [silentUrl, hub.url], complaints: complaints.url }, logging: false });
  const alone = createGateway({ supergraph: supergraph(), subgraphs: { hub: [silentUrl], complaints: complaints.url }, logging: false });
  const pairUrl = `http://127.0.0.1:${await pair.listen(0, '127.0.0.1')}/graphql`;
  const aloneUrl = `http://127.0.0.1:${await alone.listen(0, '127.0.0.1')}/graphql`;
  const schedule = 'mutation { scheduleCall(input: { title: "Lost on its way", scheduledAt: "2031-01-01T00:00:00Z" }) { id } }';
  try {
    // The first read is sent to the silent instance, then to the hub; the second goes to the hub.
    for (let i = 0; i < 2; i++) expect((await post(pairUrl, `{ me { kind } }`, cast.ann)).body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
    expect(hungUp).toBe(1);
    const lost = (message: string, field: string) => ({ status: 502, body: { data: null, errors: [{ message, path: [field], extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' } }] } });
    // A mutation is sent once; a read twice, then told to send the request again.
    expect(await post(aloneUrl, schedule, cast.ann)).toEqual(
      lost('The hub closed the connection without answering: whether the mutation was applied is not known; read before sending it again', 'scheduleCall'),
    );
    expect(hungUp).toBe(2);
    expect(await post(aloneUrl, `{ me { kind } }`, cast.ann)).toEqual(lost('The hub closed the connection without answering: send the request again', 'me'));
    expect(hungUp).toBe(4);
  } finally {
    await pair.stop();
    await alone.stop();
    await closing(silent);
  }
});

test('a hub whose connection is cut while its answer arrives: a forwarded read is sent once more, a mutation is not; the client is told, not "Unexpected error."', async () => {
  let requests = 0;
  const cut = http.createServer((req, res) => {
    requests++;
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
      res.write('{"data":{"updateCase":{"title":"par');
      setTimeout(() => res.socket?.destroy(), 20);
    });
  });
  const port = await listening(cut);
  const logs = new MemoryLogWriter();
  const cutOff = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${port}/graphql`, complaints: complaints.url }, logging: 'warn', logWriter: logs });
  const cutUrl = `http://127.0.0.1:${await cutOff.listen(0, '127.0.0.1')}/graphql`;
  const lost = (message: string, ...keys: string[]) => ({
    status: 502,
    body: { data: null, errors: keys.map((key) => ({ message, path: [key], extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' } })) },
  });
  try {
    expect(await post(cutUrl, `{ me { kind } n: cases(first: 1) { totalCount } }`, null)).toEqual(lost('The hub closed the connection without answering: send the request again', 'me', 'n'));
    expect(requests).toBe(2);
    expect(await post(cutUrl, `mutation { updateCase(id: "${caseId('FTC-2004-017')}", input: { title: "x" }) { title } }`, cast.ann)).toEqual(
      lost('The hub closed the connection without answering: whether the mutation was applied is not known; read before sending it again', 'updateCase'),
    );
    expect(requests).toBe(3);
    expect(logs.logs.map((l) => [l.level, l.msg])).toEqual([
      ['warn', 'a hub closed the connection while answering: the read is sent again'],
      ['error', 'a hub closed the connection while answering'],
      ['error', 'a hub closed the connection while answering'],
    ]);
  } finally {
    await cutOff.stop();
    await closing(cut);
  }
});

test('a hub that answers something other than a GraphQL result over HTTP: 502, one line naming its code and none of its bytes; a hub whose name does not resolve is passed over', async () => {
  // A broken hub (or a proxy before it), told what to do by the request id the gateway forwards.
  const broken = net.createServer((socket) => {
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      const mode = /x-request-id: ([a-z]+)/i.exec(head)?.[1];
      if (!mode || !head.includes('\r\n\r\n')) return;
      const json = (body: string, extra = '') => `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}\r\n${body}`;
      const answers: Record<string, string> = {
        // Not HTTP at all, with the request echoed (its variables) in what Node quotes of it.
        garbage: `HELLO WORLD ${head.replace(/\r\n/g, ' ')}\r\n\r\n`,
        // gzip that is not.
        badgzip: json('{"data":{"me":{"kind":"ANONYMOUS"}}}', 'content-encoding: gzip\r\n'),
        // JSON that is no GraphQL result.
        notresult: json('{"data":5}'),
        // An error whose extensions would set the gateway's status.
        theirhttp: json('{"data":null,"errors":[{"message":"x","path":["me"],"extensions":{"code":"INTERNAL_SERVER_ERROR","http":{"status":999}}}]}'),
      };
      socket.end(answers[mode] ?? json('{"data":null}'));
    });
    socket.on('error', () => undefined);
  });
  const port = await listening(broken);
  const logs = new MemoryLogWriter();
  const fooled = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${port}/graphql`, complaints: complaints.url }, logWriter: logs });
  const fooledUrl = `http://127.0.0.1:${await fooled.listen(0, '127.0.0.1')}/graphql`;
  // The first hub's name does not resolve: the second answers every request.
  const unresolved = createGateway({ supergraph: supergraph(), subgraphs: { hub: ['http://nohub.invalid:4601/graphql', hub.url], complaints: complaints.url }, logging: false });
  const unresolvedUrl = `http://127.0.0.1:${await unresolved.listen(0, '127.0.0.1')}/graphql`;
  const ask = async (mode: string, query: string, variables?: unknown) => {
    const res = await fetch(fooledUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': mode }, body: JSON.stringify({ query, variables }) });
    return { status: res.status, body: await res.json() };
  };
  const unreadable = (message: string, key: string) => ({
    status: 502,
    body: { data: null, errors: [{ message, path: [key], extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' } }] },
  });
  try {
    const read = 'The hub answered with something that is not a readable HTTP answer: send the request again';
    expect(await ask('garbage', 'query($v: ID!) { me { kind } c: case(id: $v) { reference } }', { v: 'SECRET-VARIABLE' })).toEqual({
      status: 502,
      body: { data: null, errors: ['me', 'c'].map((key) => ({ message: read, path: [key], extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' } })) },
    });
    expect(await ask('garbage', `mutation { updateCase(id: "${caseId('FTC-2004-017')}", input: { title: "x" }) { title } }`)).toEqual(
      unreadable('The hub answered with something that is not a readable HTTP answer: whether the mutation was applied is not known; read before sending it again', 'updateCase'),
    );
    expect(await ask('badgzip', '{ me { kind } }')).toEqual(unreadable(read, 'me'));
    expect(await ask('notresult', '{ me { kind } }')).toEqual(unreadable('The hub answered 200 without a GraphQL result: send the request again', 'me'));
    // The hub's own `http` in an error's extensions sets nothing.
    expect(await ask('theirhttp', '{ me { kind } }')).toEqual({ status: 200, body: { data: null, errors: [{ message: 'x', path: ['me'], extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName: 'hub' } }] } });
    const written = JSON.stringify(logs.logs);
    expect(written).not.toContain('SECRET-VARIABLE');
    expect(written).not.toContain('rawPacket');
    expect(logs.logs.filter((l) => l.level === 'error').map((l) => [l.msg, (l.attrs as any)?.code])).toEqual([
      ['an instance of the hub subgraph answered with something that is not a readable HTTP answer', 'HPE_INVALID_CONSTANT'],
      ['an instance of the hub subgraph answered with something that is not a readable HTTP answer', 'HPE_INVALID_CONSTANT'],
      ['a hub answered with something that is not a readable HTTP answer', 'Z_DATA_ERROR'],
      ['a hub answered without a GraphQL result', undefined],
    ]);
    for (let i = 0; i < 4; i++) expect(await post(unresolvedUrl, '{ me { kind } }', cast.ann)).toEqual({ status: 200, body: { data: { me: { kind: 'COORDINATOR' } } } });
  } finally {
    await fooled.stop();
    await unresolved.stop();
    await closing(broken);
  }
});

test('a hub that takes a request and does not answer in time (HUB_TIMEOUT_MS): 504, a read not sent again, a mutation told to read first', async () => {
  let requests = 0;
  const silent = http.createServer((req, res) => {
    requests++;
    req.resume();
    // "stall": the headers and half the answer, then nothing; otherwise nothing at all.
    if (req.headers['x-request-id'] === 'stall') req.on('end', () => res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' }).write('{"data":'));
  });
  const port = await listening(silent);
  const slow = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${port}/graphql`, complaints: complaints.url }, logging: false, hubTimeoutMs: 400 });
  const slowUrl = `http://127.0.0.1:${await slow.listen(0, '127.0.0.1')}/graphql`;
  const late = (message: string, key: string) => ({ status: 504, body: { data: null, errors: [{ message, path: [key], extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' } }] } });
  try {
    expect(await post(slowUrl, '{ me { kind } }', null)).toEqual(late('The hub did not answer within 0.4 s: send the request again', 'me'));
    expect(await post(slowUrl, '{ me { kind } }', null, { 'x-request-id': 'stall' })).toEqual(late('The hub did not answer within 0.4 s: send the request again', 'me'));
    expect(await post(slowUrl, `mutation { updateCase(id: "${caseId('FTC-2004-017')}", input: { title: "x" }) { title } }`, cast.ann)).toEqual(
      late('The hub did not answer within 0.4 s: whether the mutation was applied is not known; read before sending it again', 'updateCase'),
    );
    // Not forwarded (a field of the complaints service beside it): the same limit at the hub's field.
    const mixed = await post(slowUrl, `{ c: case(id: "${caseId('FTC-2004-017')}") { id } complaints { id } }`, null);
    expect([mixed.status, mixed.body.data?.c, mixed.body.data?.complaints?.length > 0, mixed.body.errors]).toEqual([
      200, null, true, [{ message: 'The hub did not answer within 0.4 s: send the request again', path: ['c'], extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' } }],
    ]);
    expect(requests).toBe(4);
  } finally {
    await slow.stop();
    silent.closeAllConnections();
    await closing(silent);
  }
});

test('several Authorization headers are refused at the gateway as at the hub: 400 BAD_REQUEST, never the first one alone', async () => {
  const good = `Bearer ${await hub.tokenFor(personId(cast.tom), cast.tom)}`;
  for (const values of [['', good], [good, 'Bearer garbage']]) {
    const headers = ['host', new URL(url).host, 'content-type', 'application/json', ...values.flatMap((v) => ['authorization', v])];
    const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
      const req = http.request(url, { method: 'POST', headers }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ query: '{ me { kind } }' }));
    });
    expect(answer).toEqual({ status: 400, body: { errors: [{ message: 'Send one Authorization header, not several', extensions: { code: 'BAD_REQUEST' } }] } });
  }
});

test('a credential sent in another header or a query parameter is refused at the gateway as at the hub: 401 saying where it goes', async () => {
  const token = await hub.tokenFor(personId(cast.tom), cast.tom);
  const ask = async (base: string, headers: Record<string, string>, query = '') => {
    const res = await fetch(`${base}${query}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query: '{ me { kind } }' }) });
    return [res.status, await res.json()];
  };
  for (const [headers, query, where] of [
    [{ 'x-api-key': `Bearer ${token}` }, '', 'the x-api-key header'],
    [{}, `?access_token=${token}`, 'the query parameter access_token'],
  ] as const) {
    const expected = [401, { errors: [{ message: `Put the credential in the Authorization header ("Bearer <token>"), not in ${where}`, extensions: { code: 'UNAUTHENTICATED' } }] }];
    expect(await ask(url, headers, query)).toEqual(expected);
    expect(await ask(hub.url, headers, query)).toEqual(expected);
  }
  // A proxy's own headers pass, at both.
  for (const base of [url, hub.url]) expect(await ask(base, { 'x-api-key': 'd41d8cd98f00b204e9800998ecf8427e', 'cf-access-jwt-assertion': token })).toEqual([200, { data: { me: { kind: 'ANONYMOUS' } } }]);
});

test('a subgraph answer that echoes the request (a proxy in front of a hub) is logged without it: no variables, no token', async () => {
  const echo = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/plain' }).end(`not json: ${body} auth=${req.headers.authorization ?? ''}`));
  });
  const port = await listening(echo);
  const logs = new MemoryLogWriter();
  const fooled = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${port}/graphql`, complaints: complaints.url }, logWriter: logs });
  const fooledUrl = `http://127.0.0.1:${await fooled.listen(0, '127.0.0.1')}/graphql`;
  try {
    const token = await hub.tokenFor(personId(cast.liam), cast.liam);
    const r = await post(
      fooledUrl,
      `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { id } }`,
      cast.liam,
      {},
      { id: caseId('ACMA-2004-011'), input: { summary: 'SECRET-SUMMARY echoed' } },
    );
    // The client is told the hub's answer was none, and, for a mutation, to read before sending it again.
    expect(r).toEqual({
      status: 502,
      body: {
        data: null,
        errors: [{
          message: 'The hub answered 200 without a GraphQL result: send the request again once you have read whether it was applied',
          path: ['updateCase'],
          extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' },
        }],
      },
    });
    expect(logs.logs.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual(['a hub answered without a GraphQL result']);
    const written = JSON.stringify(logs.logs);
    expect(written).not.toContain('SECRET-');
    expect(written).not.toContain(token.slice(0, 20));
  } finally {
    await fooled.stop();
    await closing(echo);
  }
});

test('the hub’s limits hold at the gateway: aliases, depth and tokens refused before any hub request; no field suggestions; a body over 1 MiB: 413', async () => {
  let hubRequests = 0;
  const counting = () => hubRequests++;
  hub.hub.httpServer.on('request', counting);
  const aliases = await post(url, `{ ${Array.from({ length: 51 }, (_, i) => `a${i}: case(id: "00000000-0000-4000-8000-00000000000${i % 10}") { id }`).join(' ')} }`, null);
  expect(aliases.body).toEqual({ errors: [{ message: 'Aliases limit of 50 exceeded, found 51.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  const deep = await post(url, `{ cases(first: 1) { nodes { leadAgency { cases(first: 1) { nodes { leadAgency { cases(first: 1) { nodes { leadAgency { cases(first: 1) { nodes { leadAgency { name } } } } } } } } } } } } }`, cast.ann);
  expect(deep.body).toEqual({ errors: [{ message: 'Query depth limit of 12 exceeded, found 13.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] });
  const tokens = await post(url, `{ ${'__typename '.repeat(6000)}}`, null);
  // In the hub's words (graphql-js's parser), not graphql-armor's ("Token limit of 5000 exceeded.").
  expect(tokens.body.errors.map((e: any) => [e.extensions?.code, e.message])).toEqual([['GRAPHQL_PARSE_FAILED', 'Syntax Error: Document contains more than 5000 tokens. Parsing aborted.']]);
  expect(tokens.body.data).toBeUndefined();
  // Deeper than graphql-js's parser reads, within the token limit: a parse failure told so, as at the hub (it was a 500).
  const tooDeep = await post(url, `{ case(id: ${'['.repeat(2490)}"x"${']'.repeat(2490)}) { id } }`, null);
  expect([tooDeep.status, tooDeep.body]).toEqual([200, { errors: [{
    message: 'Syntax Error: the document nests too deeply to be read (selections nest at most 12 levels, values written in the query at most 32)',
    extensions: { code: 'GRAPHQL_PARSE_FAILED' },
  }] }]);
  // None of them reached the hub.
  expect(hubRequests).toBe(0);
  hub.hub.httpServer.off('request', counting);
  // A page counts at most 1,000 rows in the cost, as at the hub: a larger first is the page's own bad input.
  const large = await post(url, `{ cases(first: 71429) { totalCount } }`, null);
  expect(large.body.errors.map((e: any) => [e.message, e.extensions.code])).toEqual([['first: must be a whole number from 0 to 1000', 'BAD_USER_INPUT']]);
  const typo = await post(url, `{ caes { id } }`, null);
  // No suggestion, and no trace of one: the hub's words.
  expect(typo.body.errors.map((e: any) => e.message)).toEqual(['Cannot query field "caes" on type "Query".']);
  expect(typo.body).toEqual((await post(hub.url, `{ caes { id } }`, null)).body);
  const big = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: `{ me { kind } } # ${'x'.repeat(1024 * 1024)}` }) });
  expect(big.status).toBe(413);
  expect(await big.json()).toEqual({ errors: [{ message: 'The request body is larger than the 1 MiB limit', extensions: { code: 'BAD_REQUEST' } }] });
  // A body just under the limit is served.
  const under = await post(url, `{ me { kind } } # ${'x'.repeat(1000 * 1000)}`, cast.ann);
  expect(under.body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
});

test('a body over 1 MiB is refused at the gateway as at the hub while it is still arriving — by its Content-Length, or once a chunked one passes the limit (a compressed one, by what it decompresses to): 413 naming the limit, Connection: close, the connection closed', async () => {
  const gatewayPort = Number(new URL(url).port);
  const hubPort = Number(new URL(hub.url).port);
  const kinds = {
    // Each client stops partway and waits, its body unfinished: an answer is one given from what had arrived, however
    // slowly a loaded machine runs the gateway. 60 MB announced, none of it sent.
    declared: (port: number) => sendPaced(port, head('Content-Length: 60000000\r\n'), jsonPieces(2_000_000, 64 * 1024), { everyMs: 5, stallAfter: 0 }),
    // 16 MiB meant, chunked; the client stops at 2 MiB.
    chunked: (port: number) => sendPaced(port, head('Transfer-Encoding: chunked\r\n'), jsonPieces(16 * 1024 * 1024, 64 * 1024), { everyMs: 5, framing: chunk, last: lastChunk, stallAfter: 2 * 1024 * 1024 }),
    // Gzip that unpacks to 64 MiB, chunked; the client stops after 8 kB of its 64 kB (8 MiB unpacked): refused by what it decompresses to.
    gzipChunked: (port: number) => {
      const packed = zlib.gzipSync(Buffer.concat(jsonPieces(64 * 1024 * 1024, 1024 * 1024)));
      const pieces = Array.from({ length: Math.ceil(packed.length / 4096) }, (_, i) => packed.subarray(i * 4096, (i + 1) * 4096));
      return sendPaced(port, head('Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n'), pieces, { everyMs: 5, framing: chunk, stallAfter: 8 * 1024 });
    },
  };
  for (const [kind, send] of Object.entries(kinds)) {
    const [atHub, atGateway] = [await send(hubPort), await send(gatewayPort)];
    for (const outcome of [atHub, atGateway]) {
      expect([kind, outcome.status, outcome.headers.connection, outcome.body]).toEqual([kind, 413, 'close', { errors: [{ message: 'The request body is larger than the 1 MiB limit', extensions: { code: 'BAD_REQUEST' } }] }]);
      expect(outcome.sentAtAnswer).toBeLessThanOrEqual(2 * 1024 * 1024);
      expect([outcome.finishedSending, outcome.closedByServer]).toEqual([false, true]);
    }
  }
});

test('a HUB_URL that names a gateway (this one) is refused at the first hop: 508, not a request sent back to itself until its headers grow too large', async () => {
  const port = await closedPort();
  const logs = new MemoryLogWriter();
  const looped = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${port}/graphql`, complaints: complaints.url }, logging: 'error', logWriter: logs });
  await looped.listen(port, '127.0.0.1');
  try {
    const answer = await post(`http://127.0.0.1:${port}/graphql`, '{ me { kind } }', null);
    expect(answer).toEqual({
      status: 508,
      body: { errors: [{ message: 'This request came from a gateway: a HUB_URL of that gateway names a gateway, not a hub', extensions: { code: 'LOOP_DETECTED' } }] },
    });
    expect(logs.logs.filter((l) => l.msg?.startsWith('a request came from a gateway')).length).toBe(1);
  } finally {
    await looped.stop();
  }
});

test('HUB_URL: http(s) URLs, comma-separated; anything else is refused naming the variable', () => {
  expect(hubUrlsOf(undefined)).toEqual([]);
  expect(hubUrlsOf(' http://a:4001/graphql , https://b.example/graphql ')).toEqual(['http://a:4001/graphql', 'https://b.example/graphql']);
  for (const bad of ['notaurl', 'ftp://a/graphql', 'http://a/graphql,localhost:4001']) {
    expect(() => hubUrlsOf(bad)).toThrow(/^HUB_URL must be http:\/\/ or https:\/\/ URLs of hubs' GraphQL endpoints, comma-separated; got "/);
  }
  // fetch refuses such a URL on every request: refused at start-up, the password not repeated.
  expect(() => hubUrlsOf('http://a:4001/graphql, http://u:s3cret@127.0.0.1:4001/graphql')).toThrow(
    new Error("HUB_URL http://127.0.0.1:4001/graphql carries credentials (a user name or password): the gateway sends each request with its client's own credential, none of its own; give the hub's URL without them"),
  );
  expect(() => hubUrlsOf('http://u@127.0.0.1:4001/graphql')).toThrow(
    new Error("HUB_URL http://127.0.0.1:4001/graphql carries credentials (a user name or password): the gateway sends each request with its client's own credential, none of its own; give the hub's URL without them"),
  );
});

test('a HUB_URL on a port fetch never connects to is not a hub to wait for', async () => {
  expect(await probeHub('http://127.0.0.1:10080/graphql', 1000)).toEqual({
    kind: 'unusable',
    why: 'fetch never connects to port 10080 (one of the ports it blocks, as browsers do): run the hub on another port',
  });
});

test('the same query sent at once by one viewer is one hub request per client request: each response carrying a tier is in the audit trail', async () => {
  await hub.reset();
  const query = `query($id: ID!) { case(id: $id) { reference confidential { summary } } }`;
  const answers = await Promise.all(Array.from({ length: 10 }, () => post(url, query, cast.oliver, {}, { id: caseId('FTC-2004-021') })));
  expect(answers.map((a) => [a.status, a.body.data?.case?.confidential?.summary ?? null])).toEqual(
    Array.from({ length: 10 }, () => [200, 'A phishing kit imitating Meridian Bank; the seller is identified.']),
  );
  await hub.auditSettled();
  const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM case_access_log WHERE person_id = $1 AND confidential`, [personId(cast.oliver)]);
  expect(n).toBe(10);
});

test('a HUB_URL is asked once at start-up: a hub, one not answering yet, and an address that is not a hub’s endpoint', async () => {
  const hubUrl = hub.url;
  expect(await probeHub(hubUrl)).toEqual({ kind: 'hub' });
  // The hub's address without /graphql (an easy mistake): it answers, but 404.
  expect(await probeHub(hubUrl.replace(/\/graphql$/, ''))).toEqual({ kind: 'not a hub', why: 'it answered 404 application/json, not a GraphQL answer to { __typename }' });
  expect(await probeHub(`http://127.0.0.1:${await closedPort()}/graphql`)).toEqual({ kind: 'unreachable', why: 'ECONNREFUSED' });
});

test('a hub that refuses every connection (stopped): 503 SERVICE_UNAVAILABLE with Retry-After when nothing was answered, 200 with the errors at the fields when something was', async () => {
  const port = await closedPort();
  const lonely = createGateway({ supergraph: supergraph(), subgraphs: { hub: `http://127.0.0.1:${port}/graphql`, complaints: complaints.url }, logging: false });
  const lonelyUrl = `http://127.0.0.1:${await lonely.listen(0, '127.0.0.1')}/graphql`;
  const ask = async (query: string) => {
    const res = await fetch(lonelyUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
  };
  try {
    const unavailable = { message: 'The hub is unavailable: send the request again', extensions: { code: 'SERVICE_UNAVAILABLE', serviceName: 'hub' } };
    for (const [query, field] of [['{ me { kind } }', 'me'], ['mutation { scheduleCall(input: { title: "Never sent", scheduledAt: "2031-01-01T00:00:00Z" }) { id } }', 'scheduleCall']]) {
      const r = await ask(query);
      expect(r).toEqual({ status: 503, retryAfter: '1', body: { data: null, errors: [{ ...unavailable, path: [field] }] } });
    }
    const partial = await ask('{ complaints { id case { reference } } }');
    expect(partial.status).toBe(200);
    expect(partial.body.data.complaints.map((c: any) => [c.id, c.case])).toEqual(complaintCases.map(([id]) => [id, null]));
    expect(partial.body.errors.map((e: any) => [e.path.join('.'), e.extensions.code])).toEqual(
      complaintCases.flatMap(([, ref], i) => (ref ? [[`complaints.${i}.case.reference`, 'SERVICE_UNAVAILABLE']] : [])),
    );
  } finally {
    await lonely.stop();
  }
});

test('CSRF prevention as at the hub: a request a browser could send across sites without a preflight is refused (400, the hub’s message) unless it names a preflight header', async () => {
  const send = async (target: string, init: { method: string; headers: Record<string, string>; body?: string; search?: string }) => {
    const res = await fetch(`${target}${init.search ?? ''}`, { method: init.method, headers: init.headers, body: init.body });
    return { status: res.status, body: await res.json() };
  };
  const query = '{ me { kind } }';
  const refused: Array<{ method: string; headers: Record<string, string>; body?: string; search?: string }> = [
    { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `query=${encodeURIComponent(query)}` },
    { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query }) },
    { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=x' }, body: '--x--' },
    { method: 'GET', headers: {}, search: `?query=${encodeURIComponent(query)}` },
  ];
  for (const init of refused) {
    const [atHub, atGateway] = [await send(hub.url, init), await send(url, init)];
    expect(atGateway.status).toBe(400);
    expect(atGateway).toEqual(atHub);
  }
  // With a preflight header, or as JSON, it runs.
  const get = await send(url, { method: 'GET', headers: { 'apollo-require-preflight': 'true' }, search: `?query=${encodeURIComponent(query)}` });
  expect(get).toEqual({ status: 200, body: { data: { me: { kind: 'ANONYMOUS' } } } });
  expect(await send(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) })).toEqual({ status: 200, body: { data: { me: { kind: 'ANONYMOUS' } } } });
  // A page request is not a GraphQL request: not refused as CSRF (this gateway serves no GraphiQL, hence 406;
  // scripts/gateway-smoke.sh opens the page of `npm run gateway`).
  const page = await fetch(url, { headers: { accept: 'text/html' } });
  expect(page.status).toBe(406);
});

test('variables that do not fit their types are refused as at the hub: 400, BAD_USER_INPUT naming the argument, the same answer as the hub’s', async () => {
  const cases: Array<[string, unknown]> = [
    ['query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { tlp: 'PURPLE' } }],
    ['query($n: Int) { cases(first: $n) { totalCount } }', { n: 'x' }],
    ['query($n: Int) { cases(first: $n) { totalCount } }', { n: 2 ** 40 }],
    ['query($i: ID!) { case(id: $i) { id } }', undefined],
    ['query($i: ID!) { case(id: $i) { id } }', { i: null }],
    ['query($i: ID = "x") { case(id: $i) { id } }', { i: null }],
    ['query($i: ID!, $f: CaseFilter) { case(id: $i) { id } cases(filter: $f) { totalCount } }', { f: { tlp: 'PURPLE', nope: 1 } }],
  ];
  for (const [query, variables] of cases) {
    const [atHub, atGateway] = [await post(hub.url, query, 'isla.morgan@ico.example', {}, variables), await post(url, query, 'isla.morgan@ico.example', {}, variables)];
    expect(atGateway.status).toBe(400);
    expect(atGateway.body.data).toBeUndefined();
    expect(atGateway.body.errors.length).toBeGreaterThan(0);
    for (const e of atGateway.body.errors) expect(e.extensions).toEqual({ code: 'BAD_USER_INPUT', argument: expect.any(String) });
    expect(atGateway).toEqual(atHub);
  }
  const [first] = (await post(url, cases[0][0], 'isla.morgan@ico.example', {}, cases[0][1])).body.errors;
  expect(first).toEqual({ message: 'filter.tlp: Value "PURPLE" does not exist in "Tlp" enum.', locations: [{ line: 1, column: 7 }], extensions: { code: 'BAD_USER_INPUT', argument: 'filter.tlp' } });
  // Variables that fit run.
  expect(await post(url, cases[1][0], 'isla.morgan@ico.example', {}, { n: 1 })).toEqual({ status: 200, body: { data: { cases: { totalCount: expect.any(Number) } } } });
});

test('a literal that does not fit its argument is BAD_USER_INPUT naming it, with no suggestion, as at the hub', async () => {
  const queries = [
    '{ cases(orderBy: HARMM) { totalCount } }',
    '{ cases(filter: { tlpp: RED, tlp: PURPLE }) { totalCount } }',
    '{ cases(first: "x") { totalCount } }',
    'mutation { openCase(input: { reference: "X-1", title: "abc", tlp: GREEN, countryCodes: ["GB"], categories: [SPAM, GOSSIP] }) { id } }',
    '{ caess { totalCount } }',
  ];
  for (const query of queries) {
    const [atHub, atGateway] = [await post(hub.url, query, 'isla.morgan@ico.example'), await post(url, query, 'isla.morgan@ico.example')];
    expect(JSON.stringify(atGateway.body)).not.toMatch(/Did you mean|Suggestion/);
    // The body is the hub's; the status is Hive Gateway's for a request error answered as application/json (200).
    expect(atGateway.body).toEqual(atHub.body);
  }
  expect((await post(url, queries[0], 'isla.morgan@ico.example')).body).toEqual({
    errors: [{ message: 'orderBy: Value "HARMM" does not exist in "CaseOrder" enum.', locations: [{ line: 1, column: 18 }], extensions: { code: 'BAD_USER_INPUT', argument: 'orderBy' } }],
  });
});

describe('the gateway’s front door is the hub’s', () => {
  type Raw = { method?: string; headers?: Record<string, string>; body?: Buffer | string; search?: string };
  const raw = async (target: string, init: Raw) => {
    const res = await fetch(`${target}${init.search ?? ''}`, { method: init.method ?? 'POST', headers: init.headers, body: init.body as BodyInit | undefined });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null, allowOrigin: res.headers.get('access-control-allow-origin'), credentials: res.headers.get('access-control-allow-credentials') };
  };

  test('CORS: no origin is allowed unless listed (a preflight from another is 403, as at the hub); a listed one gets its own origin back with credentials', async () => {
    const preflight = { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } };
    const [atHub, atGateway] = [await raw(hub.url, preflight), await raw(url, preflight)];
    expect(atGateway).toEqual({ status: 403, body: { errors: [{ message: 'Origin https://evil.example is not allowed (CORS_ORIGINS)', extensions: { code: 'FORBIDDEN' } }] }, allowOrigin: null, credentials: null });
    expect(atGateway).toEqual(atHub);
    const post = await raw(url, { headers: { origin: 'https://evil.example', 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { kind } }' }) });
    expect(post).toMatchObject({ status: 200, allowOrigin: null, credentials: null });
    const listed = createGateway({ supergraph: supergraph(), subgraphs: { hub: hub.url, complaints: complaints.url }, logging: false, corsOrigins: ['https://dash.example.org'] });
    const listedUrl = `http://127.0.0.1:${await listed.listen(0, '127.0.0.1')}/graphql`;
    try {
      const ok = await raw(listedUrl, { method: 'OPTIONS', headers: { ...preflight.headers, origin: 'https://dash.example.org' } });
      expect(ok).toEqual({ status: 204, body: null, allowOrigin: 'https://dash.example.org', credentials: 'true' });
      expect((await raw(listedUrl, preflight)).status).toBe(403);
    } finally {
      await listed.stop();
    }
  });

  test('a body that is not well-formed UTF-8, another charset, and GET parameters that are not JSON: refused as at the hub, nothing run', async () => {
    const before = await hub.ds.query(`SELECT investigator_notes FROM case_confidential WHERE case_id = $1`, [caseId('FTC-2004-017')]);
    const mutation = `mutation($n: String) { updateCase(id: "${caseId('FTC-2004-017')}", input: { investigatorNotes: $n }) { id } }`;
    const token = await hub.tokenFor(personId(cast.ann), cast.ann);
    const requests: Raw[] = [
      { headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: Buffer.concat([Buffer.from(JSON.stringify({ query: mutation, variables: { n: 'x' } }).replace('"x"', '"x')), Buffer.from([0xff, 0xfe]), Buffer.from('"}}')]) },
      { headers: { 'content-type': 'application/json; charset=iso-8859-1', authorization: `Bearer ${token}` }, body: Buffer.from(JSON.stringify({ query: mutation, variables: { n: 'caf\u00e9' } }), 'latin1') },
      // UTF-16, which the hub's body parser would decode, and the alias utf8, which it refuses: alike at both.
      { headers: { 'content-type': 'application/json; charset=utf-16', authorization: `Bearer ${token}` }, body: Buffer.from(JSON.stringify({ query: mutation, variables: { n: 'x' } }), 'utf16le') },
      { headers: { 'content-type': 'application/json; charset=utf8', authorization: `Bearer ${token}` }, body: Buffer.from(JSON.stringify({ query: mutation, variables: { n: 'x' } })) },
      { method: 'GET', headers: { 'apollo-require-preflight': 'true' }, search: `?query=${encodeURIComponent('query($n: Int) { cases(first: $n) { totalCount } }')}&variables=${encodeURIComponent('{n:1')}` },
      { method: 'GET', headers: { 'apollo-require-preflight': 'true' }, search: `?query=${encodeURIComponent('{ me { kind } }')}&extensions=${encodeURIComponent('{x')}` },
      // Broken UTF-8 in a GET's query string: refused at both, not read with U+FFFD in its place.
      { method: 'GET', headers: { 'apollo-require-preflight': 'true' }, search: `?query=${encodeURIComponent('{ me { kind } }')}%FF` },
      { method: 'GET', headers: { 'apollo-require-preflight': 'true' }, search: `?query=${encodeURIComponent('query($n: String) { cases(filter: { search: $n }) { totalCount } }')}&variables=%7B%22n%22%3A%22%E2%82%22%7D` },
    ];
    for (const request of requests) {
      const [atHub, atGateway] = [await raw(hub.url, request), await raw(url, request)];
      if (request.search?.includes('%FF') || request.search?.includes('%E2%82%22')) {
        expect(atGateway).toEqual({ status: 400, body: { errors: [{ message: 'The query string is not well-formed UTF-8 once percent-decoded', extensions: { code: 'BAD_REQUEST' } }] }, allowOrigin: null, credentials: null });
      }
      expect(atGateway.status).toBeGreaterThanOrEqual(400);
      expect(atGateway.status).toBeLessThan(500);
      expect(atGateway).toEqual(atHub);
    }
    expect(await hub.ds.query(`SELECT investigator_notes FROM case_confidential WHERE case_id = $1`, [caseId('FTC-2004-017')])).toEqual(before);
  });

  test('a compressed body (gzip, deflate, br) is read as at the hub; another encoding, a body that does not decompress, one that decompresses past the limit: refused as at the hub', async () => {
    const token = await hub.tokenFor(personId(cast.ann), cast.ann);
    const text = JSON.stringify({ query: '# caf\u00e9, compressed\n{ me { kind } }' });
    const headers = (encoding: string) => ({ 'content-type': 'application/json', 'content-encoding': encoding, authorization: `Bearer ${token}` });
    const read: Raw[] = [
      { headers: headers('gzip'), body: zlib.gzipSync(text) },
      { headers: headers('deflate'), body: zlib.deflateSync(text) },
      { headers: headers('br'), body: zlib.brotliCompressSync(text) },
      { headers: headers('GZIP'), body: zlib.gzipSync(text) },
    ];
    for (const request of read) {
      const [atHub, atGateway] = [await raw(hub.url, request), await raw(url, request)];
      expect(atGateway).toEqual(atHub);
      expect(atGateway.status).toBe(200);
      expect(atGateway.body).toEqual({ data: { me: { kind: 'COORDINATOR' } } });
    }
    const refused: Raw[] = [
      { headers: headers('compress'), body: Buffer.from(text) },
      { headers: headers('gzip'), body: Buffer.from(text) },
      { headers: headers('deflate'), body: zlib.gzipSync(text) },
      { headers: headers('br'), body: Buffer.from(text) },
      // 4 MB of spaces around the query: 4 kB compressed.
      { headers: headers('gzip'), body: zlib.gzipSync(`${' '.repeat(4_000_000)}${text}`) },
    ];
    const answers = [];
    for (const request of refused) {
      const [atHub, atGateway] = [await raw(hub.url, request), await raw(url, request)];
      expect(atGateway).toEqual(atHub);
      answers.push([atGateway.status, atGateway.body.errors[0].message]);
    }
    expect(answers).toEqual([
      [415, 'unsupported content encoding "compress"'],
      [400, 'The request body is not gzip-encoded data, as its Content-Encoding says'],
      [400, 'The request body is not deflate-encoded data, as its Content-Encoding says'],
      [400, 'The request body is not br-encoded data, as its Content-Encoding says'],
      [413, 'The request body is larger than the 1 MiB limit'],
    ]);
  });

  test('a mutation document with text the hub cannot store, or a value that is no date-time, in its second field: 400 for the whole request, its first field not run', async () => {
    const before = await hub.ds.query(`SELECT title, investigator_notes FROM enforcement_case e JOIN case_confidential c ON c.case_id = e.id WHERE e.id = $1`, [caseId('FTC-2004-017')]);
    const keysBefore = await hub.ds.query(`SELECT count(*)::int AS n FROM api_key`);
    const id = caseId('FTC-2004-017');
    const cases: Array<[string, Record<string, unknown> | undefined, string]> = [
      [`mutation($a: String!, $b: String!) { a: updateCase(id: "${id}", input: { investigatorNotes: $a }) { id } b: updateCase(id: "${id}", input: { title: $b }) { id } }`, { a: 'via the gateway', b: 'bad\u0000title' }, 'input.title'],
      [`mutation { a: updateCase(id: "${id}", input: { investigatorNotes: "via the gateway" }) { id } b: updateCase(id: "${id}", input: { title: "bad\\u0000title" }) { id } }`, undefined, 'input.title'],
      [`mutation($e: DateTimeISO) { a: updateCase(id: "${id}", input: { investigatorNotes: "via the gateway" }) { id } b: createApiKey(name: "probe", expiresAt: $e) { apiKey { id } } }`, { e: 'notadate' }, 'expiresAt'],
      [`mutation { a: updateCase(id: "${id}", input: { investigatorNotes: "via the gateway" }) { id } b: createApiKey(name: "probe", expiresAt: "notadate") { apiKey { id } } }`, undefined, 'expiresAt'],
    ];
    for (const [query, variables, argument] of cases) {
      const [atHub, atGateway] = [await post(hub.url, query, cast.ann, {}, variables), await post(url, query, cast.ann, {}, variables)];
      expect(atHub.status).toBe(400);
      expect(atGateway.body.data).toBeUndefined();
      expect(atGateway.body.errors.map((e: any) => [e.extensions.code, e.extensions.argument])).toEqual([['BAD_USER_INPUT', argument]]);
      expect(atGateway.body.errors[0].message).toBe(atHub.body.errors[0].message);
    }
    expect(await hub.ds.query(`SELECT title, investigator_notes FROM enforcement_case e JOIN case_confidential c ON c.case_id = e.id WHERE e.id = $1`, [id])).toEqual(before);
    expect(await hub.ds.query(`SELECT count(*)::int AS n FROM api_key`)).toEqual(keysBefore);
  });

  test('a mutation with an Accept the gateway cannot answer in is refused 406 before it runs (Yoga would run it first): nothing written', async () => {
    const id = caseId('FTC-2004-017');
    const notes = async () => (await hub.ds.query(`SELECT investigator_notes FROM case_confidential WHERE case_id = $1`, [id]))[0].investigator_notes;
    const before = await notes();
    const mutation = `mutation { updateCase(id: "${id}", input: { investigatorNotes: "written, then refused" }) { id } }`;
    for (const accept of ['application/xml', 'text/html', 'application/json; charset=latin1']) {
      expect(await post(url, mutation, cast.ann, { accept })).toEqual({ status: 406, body: { errors: [{ message: notAcceptableMessage('gateway'), extensions: { code: 'BAD_REQUEST' } }] } });
    }
    expect(await notes()).toBe(before);
    // The types Yoga answers in are taken: an event stream carries the answer.
    const streamed = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${await hub.tokenFor(personId(cast.ann), cast.ann)}` },
      body: JSON.stringify({ query: `{ case(id: "${id}") { reference } }` }),
    });
    expect([streamed.status, (await streamed.text()).includes('data: {"data":{"case":{"reference":"FTC-2004-017"}}}')]).toEqual([200, true]);
  });

  test('a document the gateway lets through and the hub refuses as a whole is answered as the hub answers it, with the places in the client’s text (locations)', async () => {
    for (const query of [
      '{\r\n  __proto__: cases(first: 1) { totalCount } }',
      'query Board {\n  cases(first: 1) { totalCount }\n\n    __proto__: me { kind }\n}',
      '{ __proto__: me { kind } }',
    ]) {
      const [atHub, atGateway] = [await post(hub.url, query, cast.ann), await post(url, query, cast.ann)];
      expect(atHub.status).toBe(400);
      expect(atHub.body.errors[0].locations).toHaveLength(1);
      expect(atGateway).toEqual(atHub);
    }
  });

  test('a body the hub refuses before any GraphQL runs is refused in its words and status: its JSON, its shape, the operation it names', async () => {
    const json = { 'content-type': 'application/json' };
    const bodies: Array<[string, number, string, string]> = [
      ['{"query":', 400, 'BAD_REQUEST', 'The request body is not valid JSON: it ends before its JSON does (Unexpected end of JSON input)'],
      ['', 400, 'BAD_REQUEST', 'The request body is empty: it must be a JSON object with the query in it, {"query": "{ me { kind } }"}'],
      ['{}', 400, 'BAD_REQUEST', 'The request body is an empty JSON object: it must be a JSON object with the query in it, {"query": "{ me { kind } }"}'],
      ['   ', 400, 'BAD_REQUEST', 'The request body is not valid JSON: it ends before its JSON does (Unexpected end of JSON input)'],
      ['null', 400, 'BAD_REQUEST', 'The request body must be a JSON object ({"query": "…", "variables": {…}}), not null'],
      ['42', 400, 'BAD_REQUEST', 'The request body must be a JSON object ({"query": "…", "variables": {…}}), not a number'],
      ['"x"', 400, 'BAD_REQUEST', 'The request body must be a JSON object ({"query": "…", "variables": {…}}), not a string'],
      ['  nope', 400, 'BAD_REQUEST', 'Unexpected token \'n\', "  nope" is not valid JSON'],
      ['{x}', 400, 'BAD_REQUEST', `Expected property name or '}' in JSON at position 1: the request body must be a JSON object with the query in it, {"query": "{ me { kind } }"}`],
      ['query { me { kind } }', 400, 'BAD_REQUEST', `Unexpected token 'q', "query { me"... is not valid JSON: the request body must be a JSON object with the query in it, {"query": "{ me { kind } }"}`],
      ['{"x": 1', 400, 'BAD_REQUEST', `Expected ',' or '}' after property value in JSON at position 7`],
      ['[{"query":"{ __typename }"}]', 400, 'BAD_REQUEST', 'Operation batching disabled.'],
      ['{"query":5}', 400, 'BAD_REQUEST', 'GraphQL queries must be strings.'],
      ['{"query":""}', 400, 'BAD_REQUEST', 'GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.'],
      ['{"variables":{}}', 400, 'BAD_REQUEST', 'GraphQL operations must contain a non-empty `query` or a `persistedQuery` extension.'],
      ['{"query":"{ __typename }","variables":"{}"}', 400, 'BAD_REQUEST', '`variables` in a POST body should be provided as an object, not a recursively JSON-encoded string.'],
      ['{"query":"{ __typename }","variables":[]}', 400, 'BAD_REQUEST', '`variables` in a POST body must be an object if provided.'],
      ['{"query":"{ __typename }","operationName":5}', 400, 'BAD_REQUEST', '`operationName` in a POST body must be a string if provided.'],
      ['{"query":"{ __typename }","extensions":"x"}', 400, 'BAD_USER_INPUT', 'extensions: must be a JSON object'],
      ['{"query":"query A { __typename } query B { __typename }"}', 400, 'OPERATION_RESOLUTION_FAILURE', 'Must provide operation name if query contains multiple operations.'],
      ['{"query":"query A { __typename }","operationName":"B"}', 400, 'OPERATION_RESOLUTION_FAILURE', 'Unknown operation named "B".'],
      ['{"query":"query A { __typename }","operationName":""}', 400, 'OPERATION_RESOLUTION_FAILURE', 'Unknown operation named "".'],
    ];
    for (const [body, status, code, message] of bodies) {
      const [atHub, atGateway] = [await raw(hub.url, { headers: json, body }), await raw(url, { headers: json, body })];
      const extensions = code === 'BAD_USER_INPUT' ? { code, argument: 'extensions' } : { code };
      expect([body, atGateway]).toEqual([body, { status, body: { errors: [{ message, extensions }] }, allowOrigin: null, credentials: null }]);
      expect([body, atGateway]).toEqual([body, atHub]);
    }
    // A body not sent as JSON: 415 naming its type at both doors (Hive Gateway read application/graphql and forms its own
    // way, and answered other types with an empty 415); a simple cross-origin request is the CSRF refusal at both.
    const notJson = 'The request body must be a JSON object ({"query": "…", "variables": {…}}) sent with Content-Type: application/json';
    const typed: Array<[Record<string, string>, number, string]> = [
      [{ 'content-type': 'application/xml', 'apollo-require-preflight': 'true' }, 415, `${notJson}; this request's is application/xml`],
      [{ 'content-type': 'application/graphql', 'apollo-require-preflight': 'true' }, 415, `${notJson}; this request's is application/graphql`],
      [{ 'content-type': 'application/x-www-form-urlencoded', 'apollo-require-preflight': 'true' }, 415, `${notJson}; this request's is application/x-www-form-urlencoded`],
      [{ 'apollo-require-preflight': 'true' }, 415, `${notJson}; this request has no Content-Type`],
      [{ 'content-type': 'text/plain' }, 400, 'This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a \'content-type\' header (with a type that is not one of application/x-www-form-urlencoded, multipart/form-data, text/plain) or provide a non-empty value for one of the following headers: x-apollo-operation-name, apollo-require-preflight\n'],
    ];
    for (const [headers, status, message] of typed) {
      // A Buffer: fetch gives a string body a text/plain content type of its own.
      const body = Buffer.from('{ __typename }');
      const [atHub, atGateway] = [await raw(hub.url, { headers, body }), await raw(url, { headers, body })];
      expect([headers, atGateway]).toEqual([headers, { status, body: { errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }, allowOrigin: null, credentials: null }]);
      expect([headers, atGateway]).toEqual([headers, atHub]);
    }
    // A media type is case-insensitive; a byte-order mark before the JSON is read past; a body of a mark alone is empty.
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const alike: Array<[Record<string, string>, Buffer, number]> = [
      [{ 'content-type': 'Application/JSON' }, Buffer.from('{"query":"{ __typename }"}'), 200],
      [{ 'content-type': 'APPLICATION/JSON; charset=UTF-8' }, Buffer.from('{"query":"{ __typename }"}'), 200],
      [json, Buffer.concat([bom, Buffer.from('{"query":"{ __typename }"}')]), 200],
      [json, bom, 400],
    ];
    for (const [headers, body, status] of alike) {
      const [atHub, atGateway] = [await raw(hub.url, { headers, body }), await raw(url, { headers, body })];
      expect([headers, body, atGateway.status]).toEqual([headers, body, status]);
      expect([headers, body, atGateway]).toEqual([headers, body, atHub]);
    }
    // A key the protocol does not know is ignored at both doors; a name of the document picks its operation.
    for (const body of ['{"query":"{ __typename }","id":"x"}', '{"query":"query A { a: __typename } query B { b: __typename }","operationName":"B"}']) {
      const [atHub, atGateway] = [await raw(hub.url, { headers: json, body }), await raw(url, { headers: json, body })];
      expect(atGateway.status).toBe(200);
      expect(atGateway).toEqual(atHub);
    }
  });

  test('GraphQL is served at its path alone (with a trailing slash, as at the hub), every check of the front door applying there; any other path is 404', async () => {
    const form = { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B__typename%7D' };
    // Hive Gateway served /graphql/ and //graphql without the front door's checks: a form's POST ran, unpreflighted.
    const atHub = await raw(`${hub.url}/`, form);
    expect(atHub.status).toBe(400);
    expect(await raw(`${url}/`, form)).toEqual(atHub);
    const badVariables = { method: 'GET', headers: { 'apollo-require-preflight': 'true' }, search: '?query=%7B__typename%7D&variables=notjson' };
    expect(await raw(`${url}/`, badVariables)).toEqual(await raw(`${hub.url}/`, badVariables));
    expect((await raw(`${url}/`, { headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' })).body).toEqual({ data: { __typename: 'Query' } });
    const base = url.replace(/\/graphql$/, '');
    // A target in absolute form, which a server must accept (RFC 9112 §3.2.2): answered as /graphql, as at the hub.
    const absolute = async (target: string) => {
      const { hostname, port } = new URL(target);
      const socket = net.connect(Number(port), hostname);
      const body = '{"query":"{ __typename }"}';
      socket.write(`POST ${target} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
      let text = '';
      for await (const chunk of socket) text += chunk.toString();
      return [text.split('\r\n')[0], text.slice(text.indexOf('\r\n\r\n') + 4)];
    };
    expect(await absolute(url)).toEqual(['HTTP/1.1 200 OK', '{"data":{"__typename":"Query"}}']);
    expect((await absolute(hub.url))[0]).toBe('HTTP/1.1 200 OK');
    for (const path of ['//graphql', '/graphql/x', '/GRAPHQL', '/nothing']) {
      expect([path, await raw(`${base}${path}`, { headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true' }, body: '{"query":"{ __typename }"}' })]).toEqual([
        path,
        { status: 404, body: { errors: [{ message: `Nothing is served at ${path}: the gateway serves GraphQL at /graphql (and /healthz, /readyz)`, extensions: { code: 'NOT_FOUND' } }] }, allowOrigin: null, credentials: null },
      ]);
    }
  });

  test('automatic persisted queries are the hub’s alone: a hash without its query is PERSISTED_QUERY_NOT_SUPPORTED at the gateway, so a client sends the query itself', async () => {
    const query = '{ me { kind } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    const hashOnly = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ extensions: { persistedQuery } }) });
    expect(hashOnly.status).toBe(200);
    expect(hashOnly.headers.get('cache-control')).toBe('private, no-cache, must-revalidate');
    expect(await hashOnly.json()).toEqual({ errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }] });
    // The same by GET (Apollo's persisted-query link with useGETForHashedQueries), and a malformed hash as at the hub.
    const byGet = async (extensions: unknown) => {
      const res = await fetch(`${url}?extensions=${encodeURIComponent(JSON.stringify(extensions))}`, { headers: { 'apollo-require-preflight': 'true' } });
      return { status: res.status, cacheControl: res.headers.get('cache-control'), body: await res.json() };
    };
    expect(await byGet({ persistedQuery })).toEqual({
      status: 200,
      cacheControl: 'private, no-cache, must-revalidate',
      body: { errors: [{ message: 'PersistedQueryNotSupported', extensions: { code: 'PERSISTED_QUERY_NOT_SUPPORTED' } }] },
    });
    expect((await byGet({ persistedQuery: { version: 1, sha256Hash: 'nope' } })).body).toEqual(
      (await (await fetch(`${hub.url}?extensions=${encodeURIComponent(JSON.stringify({ persistedQuery: { version: 1, sha256Hash: 'nope' } }))}`, { headers: { 'apollo-require-preflight': 'true' } })).json()),
    );
    // What Apollo Client does next: the query with its hash; and a hash that is not the query's is the hub's 400.
    expect(await raw(url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, extensions: { persistedQuery } }) })).toMatchObject({
      status: 200,
      body: { data: { me: { kind: 'ANONYMOUS' } } },
    });
    const wrong = { query: '{ __typename }', extensions: { persistedQuery } };
    const [atHub, atGateway] = [await raw(hub.url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(wrong) }), await raw(url, { headers: { 'content-type': 'application/json' }, body: JSON.stringify(wrong) })];
    expect(atGateway).toEqual({
      status: 400,
      body: { errors: [{ message: 'extensions.persistedQuery.sha256Hash: is not the SHA-256 of the query sent with it', extensions: { code: 'BAD_USER_INPUT', argument: 'extensions.persistedQuery.sha256Hash' } }] },
      allowOrigin: null,
      credentials: null,
    });
    expect(atGateway).toEqual(atHub);
  });

  test('a subscription POSTed by a client that accepts only JSON: 406 saying how subscriptions are served, before anything is subscribed at the hub', async () => {
    const body = JSON.stringify({ query: 'subscription { caseChanged { id } }' });
    let upgrades = 0;
    const counted = () => upgrades++;
    hub.hub.httpServer.on('upgrade', counted);
    try {
      for (const accept of ['application/json', 'application/graphql-response+json']) {
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept }, body });
        expect([res.status, res.headers.get('accept'), res.headers.get('content-type')]).toEqual([406, 'text/event-stream', `${accept}; charset=utf-8`]);
        expect(await res.json()).toEqual({ errors: [{ message: STREAM_NOT_ACCEPTED, extensions: { code: 'BAD_REQUEST' } }] });
      }
      // The same subscription as server-sent events is subscribed at the hub (a connection of its own): only that one.
      const upgraded = once(hub.hub.httpServer, 'upgrade');
      const stop = new AbortController();
      const streamed = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body, signal: stop.signal });
      expect([streamed.status, streamed.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
      await upgraded;
      stop.abort();
      expect(upgrades).toBe(1);
    } finally {
      hub.hub.httpServer.off('upgrade', counted);
    }
  });
});

test('the gateway’s log lines keep no stack and no JSON a client sent (a parse error quotes it)', () => {
  expect(scrubbed({ stack: 'SyntaxError: x\n    at JSON.parse', message: 'Unexpected token \'S\', "SECRET-sus"... is not valid JSON' })).toEqual({
    stack: '[not logged]',
    message: 'invalid JSON [not logged]',
  });
  expect(scrubbed(new SyntaxError('Unexpected token S in JSON at position 0'))).toEqual({ class: 'SyntaxError', message: 'Unexpected token [not logged]' });
  expect(scrubbed(new SyntaxError('Unexpected end of JSON input'))).toEqual({ class: 'SyntaxError', message: 'Unexpected end of JSON input [not logged]' });
});

test('a fresh gateway checks DateTimeISO from its first request: a literal that is no date-time writes nothing', async () => {
  const fresh = createGateway({ supergraph: supergraph(), subgraphs: { hub: hub.url, complaints: complaints.url }, logging: false });
  const freshUrl = `http://127.0.0.1:${await fresh.listen(0, '127.0.0.1')}/graphql`;
  const id = caseId('FTC-2004-017');
  const before = await hub.ds.query(`SELECT investigator_notes FROM case_confidential WHERE case_id = $1`, [id]);
  try {
    const r = await post(freshUrl, `mutation { a: updateCase(id: "${id}", input: { investigatorNotes: "first request" }) { id } b: createApiKey(name: "probe", expiresAt: "notadate") { apiKey { id } } }`, cast.ann);
    expect(r.body).toEqual({
      errors: [{ message: 'expiresAt: DateTime cannot represent an invalid date-time-string notadate.', locations: [expect.any(Object)], extensions: { code: 'BAD_USER_INPUT', argument: 'expiresAt' } }],
    });
  } finally {
    await fresh.stop();
  }
  expect(await hub.ds.query(`SELECT investigator_notes FROM case_confidential WHERE case_id = $1`, [id])).toEqual(before);
});
