import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { SignJWT } from 'jose';
import WebSocket from 'ws';
import { ComplaintsService, startComplaintsService } from '../../examples/complaints/service';
import { createGateway, Gateway } from '../../src/federation/gateway';
import { RATE_LIMITED_CLOSE, refusalMessage } from '../../src/federation/live';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createHub } from '../../src/server';
import { AUTHORIZATION_NOT_ONE_STRING, misplacedCredentialReason } from '../../src/auth/connection-params';
import { emailOf, ViewerName } from '../support/demo-access';
import { caseId, cast, personId, startTestHub, TEST_SECRET, testHubEnv, TestHub } from '../support/hub';
import { dispatchOf, LiveClient, LiveSubscription, receivedInAll, subscribed, unsubscribedAll } from '../support/live';

/**
 * Subscriptions through Hive Gateway (src/federation/live.ts): a client's graphql-ws connection to the gateway carries
 * its connection_init token to a hub connection of its own, and the hub decides, as for a direct subscriber. Every
 * comparison is with a subscriber connected to the hub directly with the same token, receiving the same event.
 */

let hub: TestHub;
let complaints: ComplaintsService;
let gateway: Gateway;
let gatewayUrl: string;

beforeAll(async () => {
  hub = await startTestHub();
  complaints = await startComplaintsService(0);
  gateway = createGateway({
    supergraph: fs.readFileSync(path.join(__dirname, '../../supergraph.graphql'), 'utf8'),
    subgraphs: { hub: hub.url, complaints: complaints.url },
    logging: false,
  });
  gatewayUrl = `http://127.0.0.1:${await gateway.listen(0, '127.0.0.1')}/graphql`;
});
afterAll(async () => {
  await gateway?.stop();
  await complaints?.stop();
  await hub?.close();
});

const dispatcher = () => hub.hub.live.dispatcher;
const opened = new Set<LiveClient>();
afterEach(async () => {
  for (const client of opened) await client.close();
  opened.clear();
  await unsubscribedAll(dispatcher());
  await hub.hub.live.server.drained();
  await hub.reset();
});

async function paramsOf(viewer: ViewerName): Promise<Record<string, unknown>> {
  const email = emailOf(viewer);
  return email ? { authorization: `Bearer ${await hub.tokenFor(personId(email), email)}` } : {};
}

/** A connection as `viewer`, to the gateway or to the hub directly, acknowledged. */
async function connect(to: 'gateway' | 'hub', viewer: ViewerName): Promise<LiveClient> {
  const { client, acknowledged } = await LiveClient.connect(to === 'gateway' ? gatewayUrl : hub.url, await paramsOf(viewer));
  opened.add(client);
  expect(acknowledged).toBe(true);
  return client;
}

/** Subscribes every client and waits until the hub holds all the subscriptions (a gateway's reach the hub through it). */
async function subscribeAll(clients: LiveClient[], query: string): Promise<LiveSubscription[]> {
  const before = dispatcher().subscribers;
  const subs = clients.map((c) => c.subscribe(query));
  await subscribed(dispatcher(), before + clients.length);
  return subs;
}

const updateCase = `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { id } }`;

/** Renames a case as its lead agency's person and waits until every payload the hub delivered has reached the clients. */
async function rename(ref: string, as: ViewerName, title: string, clients: LiveClient[], subs: LiveSubscription[], expectedArrivals: number) {
  const before = subs.reduce((n, s) => n + s.received.length, 0);
  const report = dispatchOf(dispatcher(), 'case', caseId(ref));
  const r = await hub.gql(updateCase, { as: emailOf(as)!, variables: { id: caseId(ref), input: { title } } });
  expect(r.body.errors).toBeUndefined();
  await report;
  await receivedInAll(clients, subs, before + expectedArrivals);
}

const query = `subscription { caseChanged { reference title tlp confidential { summary } } }`;

test.each<[ViewerName, string, ViewerName]>([
  ['oliver', 'OFT-2004-003', 'oliver'], // the lead agency: the confidential tier
  ['ann', 'OFT-2004-003', 'oliver'], // another agency: the row, the tier redacted
  ['tom', 'FTC-2004-021', 'ann'], // named on the RED share
])('%s: the caseChanged event through the gateway equals a direct subscriber’s, extensions.redacted included (%s)', async (viewer, ref, editor) => {
  const viaGateway = await connect('gateway', viewer);
  const direct = await connect('hub', viewer);
  const [g, d] = await subscribeAll([viaGateway, direct], query);
  await rename(ref, editor, `${ref} renamed`, [viaGateway, direct], [g, d], 2);
  expect(d.received).toHaveLength(1);
  expect(d.received[0].data.caseChanged).toMatchObject({ reference: ref, title: `${ref} renamed` });
  expect(g.received).toEqual(d.received);
  expect(g.errors).toBeNull();
});

test('a private member gets no event for a case they cannot see, and the next one they can see', async () => {
  // Priya (Meridian, not named on the RED share of FTC-2004-021); Tom, of the same organization, is named on it.
  const priya = await connect('gateway', 'priya');
  const tom = await connect('gateway', 'tom');
  const [p, t] = await subscribeAll([priya, tom], `subscription { caseChanged { reference title } }`);
  await rename('FTC-2004-021', 'ann', 'Red renamed', [priya, tom], [p, t], 1);
  await rename('FTC-2004-017', 'ann', 'Clear renamed', [priya, tom], [p, t], 2);
  expect(t.received).toEqual([
    { data: { caseChanged: { reference: 'FTC-2004-021', title: 'Red renamed' } } },
    { data: { caseChanged: { reference: 'FTC-2004-017', title: 'Clear renamed' } } },
  ]);
  // On one connection events arrive in order: the CLEAR one arrived, so the RED one was never sent.
  expect(p.received).toEqual([{ data: { caseChanged: { reference: 'FTC-2004-017', title: 'Clear renamed' } } }]);
});

test('anonymous (no token in connection_init) gets CLEAR cases only', async () => {
  const anonymous = await connect('gateway', 'anonymous');
  const [a] = await subscribeAll([anonymous], `subscription { caseChanged { reference confidential { summary } } }`);
  await rename('OFT-2004-003', 'oliver', 'Green renamed', [anonymous], [a], 0);
  await rename('FTC-2004-017', 'ann', 'Clear renamed', [anonymous], [a], 1);
  expect(a.received).toEqual([
    {
      data: { caseChanged: { reference: 'FTC-2004-017', confidential: null } },
      extensions: { redacted: [{ path: 'caseChanged.confidential', code: 'FORBIDDEN', count: 1 }] },
    },
  ]);
});

test('the upgrade request’s Authorization header is no identity: alone it is refused, never taken as anonymous; beside connection_init’s, that one counts, for the fields of its events fetched over HTTP too', async () => {
  const ann = await hub.tokenFor(personId(cast.ann), cast.ann);
  const tom = await hub.tokenFor(personId(cast.tom), cast.tom);
  // Ann's token on the upgrade and no payload in connection_init: refused, at the gateway as at the hub.
  for (const url of [gatewayUrl, hub.url]) {
    const alone = await LiveClient.connect(url, undefined, JSON.stringify({ type: 'connection_init' }), { authorization: `Bearer ${ann}` });
    expect(alone.acknowledged).toBe(false);
    expect(await alone.client.closed).toEqual({ code: 4403, reason: misplacedCredentialReason("the upgrade's Authorization header") });
  }
  // Ann's token on the upgrade, Tom's in connection_init: Tom, who does not read FTC-2004-017's tier (Ann's agency leads it).
  const ws = new WebSocket(gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', { headers: { authorization: `Bearer ${ann}` } });
  const messages: Array<{ id?: string; type: string; payload?: any }> = [];
  ws.on('message', (m) => messages.push(JSON.parse(String(m))));
  const until = async (done: () => boolean) => {
    for (const start = Date.now(); !done(); await new Promise((r) => setTimeout(r, 10))) {
      if (Date.now() - start > 10000) throw new Error(`timed out: ${JSON.stringify(messages)}`);
    }
  };
  try {
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${tom}` } }));
    await until(() => messages.some((m) => m.type === 'connection_ack'));
    // A query over WebSocket is refused as at the hub (queries and mutations go over HTTP).
    ws.send(JSON.stringify({ id: 'me', type: 'subscribe', payload: { query: '{ me { kind } }' } }));
    await until(() => messages.some((m) => m.id === 'me' && m.type === 'error'));
    expect(messages.find((m) => m.id === 'me' && m.type === 'error')!.payload).toEqual([
      { message: 'Over WebSocket this hub serves subscriptions only: send queries and mutations over HTTP.', extensions: { code: 'BAD_REQUEST' } },
    ]);
    ws.send(JSON.stringify({ id: 'write', type: 'subscribe', payload: { query: 'mutation { scheduleCall(input: { title: "Over a socket", scheduledAt: "2031-01-01T00:00:00Z" }) { id } }' } }));
    await until(() => messages.some((m) => m.id === 'write' && m.type === 'error'));
    expect(messages.find((m) => m.id === 'write' && m.type === 'error')!.payload[0].extensions).toEqual({ code: 'BAD_REQUEST' });

    const before = dispatcher().subscribers;
    ws.send(JSON.stringify({
      id: 'live',
      type: 'subscribe',
      payload: { query: 'subscription { caseChanged { reference confidential { summary } complaints { id case { reference confidential { summary } } } } }' },
    }));
    await subscribed(dispatcher(), before + 1);
    const report = dispatchOf(dispatcher(), 'case', caseId('FTC-2004-017'));
    const r = await hub.gql(updateCase, { as: cast.ann, variables: { id: caseId('FTC-2004-017'), input: { title: 'Clear renamed' } } });
    expect(r.body.errors).toBeUndefined();
    await report;
    await until(() => messages.some((m) => m.id === 'live' && m.type === 'next'));
    const event = messages.find((m) => m.id === 'live' && m.type === 'next')!.payload.data.caseChanged;
    // One viewer in one event: Tom, in the hub's part and in the complaints' own fetch of the case.
    expect(event.confidential).toBeNull();
    expect(event.complaints.length).toBeGreaterThan(0);
    expect(event.complaints.map((c: { case: { confidential: unknown } }) => c.case.confidential)).toEqual(event.complaints.map(() => null));
  } finally {
    ws.close();
  }
});

describe('the hub’s per-address limit, through the gateway', () => {
  test('a connection the hub refuses for its rate limit (its upgrade answered 429) is closed 4429 saying so, not 1013 "the hub is unavailable" (on which clients connect again at once)', async () => {
    const config = loadConfig({ ...testHubEnv(), TRUST_PROXY: 'loopback', RATE_LIMIT_PER_IP: '1' });
    const limited = await createHub({ config, ds: hub.ds, logger: createLogger(config) });
    const limitedUrl = `http://127.0.0.1:${await limited.listen(0, '127.0.0.1')}/graphql`;
    // Two instances of the hub, each counting alone (in memory): both have the address's budget spent below.
    const second = await createHub({ config, ds: hub.ds, logger: createLogger(config) });
    const secondUrl = `http://127.0.0.1:${await second.listen(0, '127.0.0.1')}/graphql`;
    const front = createGateway({
      supergraph: fs.readFileSync(path.join(__dirname, '../../supergraph.graphql'), 'utf8'),
      subgraphs: { hub: [limitedUrl, secondUrl], complaints: complaints.url },
      logging: false,
    });
    const frontUrl = `http://127.0.0.1:${await front.listen(0, '127.0.0.1')}/graphql`;
    try {
      // Each hub's one request a minute for this address, spent over HTTP.
      for (let i = 0; i < 2; i++) {
        const res = await fetch(frontUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { kind } }' }) });
        expect(res.status).toBe(200);
      }
      const refused = await LiveClient.connect(frontUrl, {});
      expect(refused.acknowledged).toBe(false);
      expect(await refused.client.closed).toEqual(RATE_LIMITED_CLOSE);
      expect(RATE_LIMITED_CLOSE).toEqual({ code: 4429, reason: 'Too many requests from this address: try again later' });
    } finally {
      await front.stop();
      await second.stop();
      await limited.stop();
    }
  });
});

describe('identity is the hub’s decision, closed as the hub closes it', () => {
  test.each([
    ['a malformed token', { authorization: 'Bearer not-a-token' }, 'The token is not valid'],
    ['an authorization that is not a string', { authorization: 42 }, AUTHORIZATION_NOT_ONE_STRING],
    ['a token under a key the hub does not read', { authToken: 'Bearer not-a-token' }, misplacedCredentialReason('authToken')],
  ])('%s: the gateway refuses the connection as the hub does, 4403 with the hub’s reason after connection_init', async (_what, params, reason) => {
    const direct = await LiveClient.connect(hub.url, params);
    const through = await LiveClient.connect(gatewayUrl, params);
    expect(direct.acknowledged).toBe(false);
    expect(through.acknowledged).toBe(false);
    expect(await through.client.closed).toEqual({ code: 4403, reason });
    expect(await through.client.closed).toEqual(await direct.client.closed);
    await hub.hub.live.server.drained();
    expect(hub.hub.live.server.connections).toBe(0);
  });

  test('a connection_init naming authorization twice as written (parsing keeps the last) is refused as at the hub, 4403', async () => {
    const [grace, tom] = [(await paramsOf('grace')).authorization, (await paramsOf('tom')).authorization];
    const text = `{"type":"connection_init","payload":{"authorization":"${grace}","authorization":"${tom}"}}`;
    const direct = await LiveClient.connect(hub.url, {}, text);
    const through = await LiveClient.connect(gatewayUrl, {}, text);
    expect([direct.acknowledged, through.acknowledged]).toEqual([false, false]);
    expect(await through.client.closed).toEqual({ code: 4403, reason: AUTHORIZATION_NOT_ONE_STRING });
    expect(await direct.client.closed).toEqual({ code: 4403, reason: AUTHORIZATION_NOT_ONE_STRING });
  });

  test('a token signed with another secret is refused the same way', async () => {
    const forged = await new SignJWT({ email: cast.ann })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(personId(cast.ann))
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    const through = await LiveClient.connect(gatewayUrl, { authorization: `Bearer ${forged}` });
    expect(through.acknowledged).toBe(false);
    expect(await through.client.closed).toEqual({ code: 4403, reason: 'The token is not valid' });
  });

  test('when the token expires the hub closes its connection and the gateway closes the client’s: 4403 "token expired"', async () => {
    const token = await new SignJWT({ email: cast.grace })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(personId(cast.grace))
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(TEST_SECRET));
    const { client, acknowledged } = await LiveClient.connect(gatewayUrl, { authorization: `Bearer ${token}` });
    expect(acknowledged).toBe(true);
    client.subscribe(`subscription { caseChanged { reference } }`);
    await subscribed(dispatcher(), 1);
    expect(await client.closed).toEqual({ code: 4403, reason: 'token expired' });
    await unsubscribedAll(dispatcher());
    await hub.hub.live.server.drained();
    expect(hub.hub.live.server.connections).toBe(0);
  });

  test('a client that closes its socket closes its hub connection; nothing is left at the hub', async () => {
    const clients = [await connect('gateway', 'grace'), await connect('gateway', 'grace'), await connect('gateway', 'anonymous')];
    // One hub connection per client connection, never shared between clients.
    expect(hub.hub.live.server.connections).toBe(3);
    await subscribeAll(clients, `subscription { caseChanged { reference } }`);
    for (const c of clients) await c.close();
    await unsubscribedAll(dispatcher());
    await hub.hub.live.server.drained();
    expect(hub.hub.live.server.connections).toBe(0);
  });

  test('connectionParams a client puts in a subscription’s extensions do not change who it is', async () => {
    const anonymous = await connect('gateway', 'anonymous');
    const sub: LiveSubscription = { id: '9', received: [], errors: null, completed: false };
    anonymous.subscriptions.set(sub.id, sub);
    const before = dispatcher().subscribers;
    anonymous.socket.send(
      JSON.stringify({
        id: sub.id,
        type: 'subscribe',
        payload: { query: `subscription { caseChanged { reference } }`, extensions: { connectionParams: await paramsOf('ann') } },
      }),
    );
    await subscribed(dispatcher(), before + 1);
    await rename('OFT-2004-003', 'oliver', 'Green renamed', [anonymous], [sub], 0);
    await rename('FTC-2004-017', 'ann', 'Clear renamed', [anonymous], [sub], 1);
    expect(sub.received).toEqual([{ data: { caseChanged: { reference: 'FTC-2004-017' } } }]);
  });
});

test('an event joins the complaints subgraph: the case from the hub, its complaints from the example', async () => {
  const grace = await connect('gateway', 'grace');
  const [g] = await subscribeAll([grace], `subscription { caseChanged(id: "${caseId('OFT-2004-003')}") { reference title complaints { id category case { id } } } }`);
  await rename('OFT-2004-003', 'oliver', 'Green renamed', [grace], [g], 1);
  // The complaint's link back to the case is asked of the hub too (the gateway's probe field), and not in the event.
  expect(g.received).toEqual([
    { data: { caseChanged: { reference: 'OFT-2004-003', title: 'Green renamed', complaints: [{ id: 'c-1004', category: 'ONLINE_FRAUD', case: { id: caseId('OFT-2004-003') } }] } } },
  ]);
});

test('a client’s field under the probe’s response key is the client’s: kept in the event, not merged with the probe', async () => {
  const grace = await connect('gateway', 'grace');
  const [g] = await subscribeAll([grace], `subscription { caseChanged(id: "${caseId('OFT-2004-003')}") { reference title complaints { id case { lapHubLink__: id } } } }`);
  await rename('OFT-2004-003', 'oliver', 'Green renamed again', [grace], [g], 1);
  expect(g.received).toEqual([{ data: { caseChanged: { reference: 'OFT-2004-003', title: 'Green renamed again', complaints: [{ id: 'c-1004', case: { lapHubLink__: caseId('OFT-2004-003') } }] } } }]);
});

describe('over HTTP (server-sent events, as GraphiQL subscribes)', () => {
  /** Reads `event: next` payloads of a text/event-stream response until `count` arrived or the stream ended. */
  async function sse(as: ViewerName | 'bad' | { authorization: string }, subscription: string, count: number, started: () => Promise<void>) {
    const headers: Record<string, string> = { accept: 'text/event-stream', 'content-type': 'application/json' };
    if (as === 'bad') headers.authorization = 'Bearer not-a-token';
    else if (typeof as === 'object') Object.assign(headers, as);
    else Object.assign(headers, await paramsOf(as));
    const controller = new AbortController();
    const res = await fetch(gatewayUrl, { method: 'POST', headers, body: JSON.stringify({ query: subscription }), signal: controller.signal });
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const events: unknown[] = [];
    const reader = res.body!.getReader();
    let buffer = '';
    // What the test does once the stream is open; awaited (and its failures thrown) before the events are returned,
    // since the stream's event can arrive before `started` has seen the direct subscriber's.
    let starting: Promise<unknown> | null = null;
    for (;;) {
      if (!starting && typeof as === 'string' && as !== 'bad') starting = started().then(() => null, (failure: unknown) => failure ?? new Error('started failed'));
      const { value, done } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString('utf8');
      for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const data = /^event: next\ndata: (.*)$/m.exec(block);
        if (data) events.push(JSON.parse(data[1]));
      }
      if (events.length >= count) break;
    }
    controller.abort();
    const failure = await starting;
    if (failure) throw failure;
    return events;
  }

  test('the hub’s refusal of a subscription is the stream’s one event, with the hub’s message and code', async () => {
    const events = await sse('ann', `subscription { caseChanged { __type: reference } }`, 1, async () => undefined);
    expect(events.map((e: any) => [e.data ?? null, e.errors.map((x: any) => [x.message, x.extensions?.code, x.path])])).toEqual([
      [null, [['Alias "__type": names starting with "__" are reserved.', 'GRAPHQL_VALIDATION_FAILED', ['caseChanged']]]],
    ]);
  });

  test('an agency person’s event equals a direct subscriber’s', async () => {
    const direct = await connect('hub', 'ann');
    const [d] = await subscribeAll([direct], query);
    const before = dispatcher().subscribers;
    const events = await sse('ann', query, 1, async () => {
      await subscribed(dispatcher(), before + 1);
      await rename('OFT-2004-003', 'oliver', 'Green renamed', [direct], [d], 1);
    });
    expect(d.received).toHaveLength(1);
    expect(events).toEqual(d.received);
  });

  test('a bad token ends the subscription with UNAUTHENTICATED and no event', async () => {
    const events = await sse('bad', `subscription { caseChanged { reference } }`, 1, async () => undefined);
    expect(events).toEqual([{ errors: [{ message: 'The token is not valid', locations: [{ line: 1, column: 1 }], extensions: { code: 'UNAUTHENTICATED' } }] }]);
  });

  test('the hub’s reason for refusing a credential reaches an SSE client in the words the hub answers over HTTP', async () => {
    const expired = await new SignJWT({ email: cast.grace })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(personId(cast.grace))
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(TEST_SECRET));
    for (const [authorization, message] of [[`Bearer ${expired}`, 'The token has expired'], ['Bearer lapk_notakey', 'The API key is not valid']]) {
      const events = await sse({ authorization }, `subscription { caseChanged { reference } }`, 1, async () => undefined);
      expect(events).toEqual([{ errors: [{ message, locations: [{ line: 1, column: 1 }], extensions: { code: 'UNAUTHENTICATED' } }] }]);
    }
    expect(refusalMessage('The API key has been revoked')).toBe('The API key has been revoked');
    // A credential that stops working while subscribed: the hub's close reasons (src/live/dispatcher.ts, src/live/websocket.ts).
    expect(['token expired', 'API key expired', 'the API key is no longer valid', 'the token is for no known person', 'the person has left the network'].map(refusalMessage)).toEqual([
      'The token has expired', 'The API key has expired', 'The API key is no longer valid', 'The token is for no known person', 'The token is for a person who has left the network',
    ]);
    // Anything else is a refused credential, never a text of the hub's passed on as it came.
    expect(['Forbidden', '', 'internal detail', undefined].map(refusalMessage)).toEqual(Array(4).fill('The hub refused the token'));
  });

  test('clients with a bad token that go away at once (a stream aborted, a socket closed after connection_init) leave the gateway serving', async () => {
    // The hub refuses each of their hub connections (4403) after the client has gone; the gateway's closing of such a
    // connection used to reject unhandled there, which ends a Node process: two requests took the gateway down.
    const body = JSON.stringify({ query: 'subscription { caseChanged { reference } }' });
    for (let i = 0; i < 3; i++) {
      const stop = new AbortController();
      const res = await fetch(gatewayUrl, { method: 'POST', headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: 'Bearer not-a-token' }, body, signal: stop.signal });
      expect(res.status).toBe(200);
      stop.abort();
      const socket = new WebSocket(gatewayUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => {
          socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: 'Bearer not-a-token' } }), () => {
            socket.close(1000);
            resolve();
          });
        });
        socket.once('error', reject);
      });
    }
    // Every hub connection they opened has been refused and closed.
    await hub.hub.live.server.drained();
    expect(hub.hub.live.server.connections).toBe(0);
    const after = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ me { kind } }' }) });
    expect([after.status, await after.json()]).toEqual([200, { data: { me: { kind: 'ANONYMOUS' } } }]);
  });
});

describe('a subscription whose root field could be skipped is refused at the gateway as at the hub', () => {
  const conditional = [
    `subscription { caseChanged @skip(if: true) { reference } }`,
    `subscription { ... on Subscription @include(if: false) { caseChanged { reference } } }`,
    `subscription($s: Boolean = true) { caseChanged @ skip(if: $s) { reference } }`,
  ];

  test.each(conditional)('over WebSocket: %s', async (query) => {
    const { client, acknowledged } = await LiveClient.connect(gatewayUrl, {});
    try {
      expect(acknowledged).toBe(true);
      const sub = client.subscribe(query);
      await client.until(() => sub.errors !== null);
      expect(sub.errors).toEqual([
        expect.objectContaining({ message: 'A subscription’s root field cannot be conditional: @skip and @include are not allowed on its top level', extensions: { code: 'BAD_USER_INPUT' } }),
      ]);
    } finally {
      await client.close();
    }
  });

  test.each(conditional)('over HTTP (server-sent events): %s', async (query) => {
    const res = await fetch(gatewayUrl, { method: 'POST', headers: { accept: 'application/graphql-response+json', 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const body = (await res.json()) as { errors?: Array<{ message: string; extensions?: { code?: string } }> };
    expect(res.status).toBe(400);
    expect(body.errors?.map((e) => [e.extensions?.code, e.message])).toEqual([
      ['BAD_USER_INPUT', 'A subscription’s root field cannot be conditional: @skip and @include are not allowed on its top level'],
    ]);
  });
});

describe('a subscription whose variables do not fit is refused at the gateway as at the hub: BAD_USER_INPUT naming the argument', () => {
  const bad: Array<[string, Record<string, unknown>, string]> = [
    [`subscription($id: ID) { caseChanged(id: $id) { reference } }`, { id: { not: 'an id' } }, 'id: ID cannot represent value: { not: "an id" }'],
    [`subscription($id: ID!) { caseChanged(id: $id) { reference } }`, {}, 'id: is required (ID!)'],
  ];

  test.each(bad)('over WebSocket: %s %j', async (query, variables, message) => {
    const refusal = [{ message, locations: [{ line: 1, column: 14 }], extensions: { code: 'BAD_USER_INPUT', argument: 'id' } }];
    for (const target of [hub.url, gatewayUrl]) {
      const { client, acknowledged } = await LiveClient.connect(target, {});
      try {
        expect(acknowledged).toBe(true);
        const sub = client.subscribe(query, variables);
        // An error message, not events: a subscription that ran would send its errors as an event and complete.
        await client.until(() => sub.errors !== null || sub.completed);
        expect(sub).toMatchObject({ errors: refusal, received: [] });
      } finally {
        await client.close();
      }
    }
    expect(dispatcher().subscribers).toBe(0);
  });

  test('a subscription that does not validate, or carries a NUL: the same error message at the gateway as at the hub, no suggestion, not an event', async () => {
    const refused: Array<[string, Record<string, unknown>, string?]> = [
      [`subscription { caseChanged { referenc } }`, {}],
      [`subscription($id: ID) { caseChanged(id: $id) { reference } }`, { id: 'a\u0000b' }],
      // The hub's limits on a query, a document that does not parse, an operation that cannot be told, a reserved name:
      // refused by the gateway as by the hub (they were answered as an event, then complete).
      [`subscription { caseChanged { leadAgency { cases { nodes { leadAgency { cases { nodes { leadAgency { cases { nodes { leadAgency { cases { nodes { id } } } } } } } } } } } } } }`, {}],
      [`subscription { ${Array.from({ length: 51 }, (_, i) => `a${i}: caseChanged { id }`).join(' ')} }`, {}],
      [`subscription { caseChanged { reference }`, {}],
      [`subscription { caseChanged(id: ${'['.repeat(2490)}"x"${']'.repeat(2490)}) { id } }`, {}],
      [`subscription A { caseChanged { id } } subscription B { callChanged { id } }`, {}],
      [`subscription A { caseChanged { id } }`, {}, 'B'],
      [`subscription { __type: caseChanged { id } }`, {}],
    ];
    for (const [query, variables, operationName] of refused) {
      const answers = [];
      for (const target of [hub.url, gatewayUrl]) {
        const { client } = await LiveClient.connect(target, {});
        try {
          const sub = client.subscribe(query, variables, operationName);
          await client.until(() => sub.errors !== null || sub.completed);
          answers.push({ errors: sub.errors, received: sub.received });
        } finally {
          await client.close();
        }
      }
      expect(answers[0].errors).not.toBeNull();
      expect(answers[0].errors!.length).toBeGreaterThan(0);
      expect(answers[0].received).toEqual([]);
      expect(JSON.stringify(answers)).not.toMatch(/Did you mean|Suggestion|"http"/);
      expect(answers[1]).toEqual(answers[0]);
    }
  });

  test.each(bad)('over HTTP (server-sent events): %s %j', async (query, variables, message) => {
    const res = await fetch(gatewayUrl, { method: 'POST', headers: { accept: 'application/graphql-response+json', 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }), signal: AbortSignal.timeout(10_000) });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ errors: [{ message, locations: [{ line: 1, column: 14 }], extensions: { code: 'BAD_USER_INPUT', argument: 'id' } }] });
  });
});

test('a message larger than 1 MiB closes the gateway’s socket with 1009, as at the hub', async () => {
  const { client, acknowledged } = await LiveClient.connect(gatewayUrl, {});
  opened.add(client);
  expect(acknowledged).toBe(true);
  const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    client.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { earlyWarningPublished { id } } # ${'x'.repeat(1024 * 1024)}` } }));
    expect(await client.closed).toEqual({ code: 1009, reason: '' });
    // ws's own refusal, not printed as an internal error on standard error.
    expect(printed).not.toHaveBeenCalled();
  } finally {
    printed.mockRestore();
  }
});

test('of several hubs, one that cannot be reached is passed over for a WebSocket client too: every connection is acknowledged and its events arrive', async () => {
  const spare = http.createServer();
  const port = await new Promise<number>((resolve) => spare.listen(0, '127.0.0.1', () => resolve((spare.address() as { port: number }).port)));
  await new Promise<void>((resolve) => spare.close(() => resolve()));
  const pair = createGateway({
    supergraph: fs.readFileSync(path.join(__dirname, '../../supergraph.graphql'), 'utf8'),
    subgraphs: { hub: [`http://127.0.0.1:${port}/graphql`, hub.url], complaints: complaints.url },
    logging: false,
  });
  const pairUrl = `http://127.0.0.1:${await pair.listen(0, '127.0.0.1')}/graphql`;
  try {
    // Two connections: one is first sent to the stopped hub, whichever order the gateway takes them in.
    const clients: LiveClient[] = [];
    for (let i = 0; i < 2; i++) {
      const { client, acknowledged } = await LiveClient.connect(pairUrl, await paramsOf('ann'));
      opened.add(client);
      expect(acknowledged).toBe(true);
      clients.push(client);
    }
    const subs = clients.map((c) => c.subscribe(`subscription($id: ID) { caseChanged(id: $id) { title } }`, { id: caseId('FTC-2004-017') }));
    await subscribed(dispatcher(), 2);
    const report = dispatchOf(dispatcher(), 'case', caseId('FTC-2004-017'));
    const r = await hub.gql(updateCase, { as: cast.ann, variables: { id: caseId('FTC-2004-017'), input: { title: 'Reached past a stopped hub' } } });
    expect(r.body.errors).toBeUndefined();
    await report;
    for (const [i, c] of clients.entries()) await c.until(() => subs[i].received.length === 1);
    expect(subs.map((s) => s.received)).toEqual([0, 1].map(() => [{ data: { caseChanged: { title: 'Reached past a stopped hub' } } }]));
  } finally {
    await pair.stop();
  }
});

test('the hub’s refusal of a subscription reaches the gateway’s client with the hub’s message and code, not as an internal error', async () => {
  const client = await connect('gateway', 'ann');
  const direct = await connect('hub', 'ann');
  const query = `subscription { caseChanged { __type: reference } }`;
  const [viaGateway, atHub] = [client.subscribe(query), direct.subscribe(query)];
  await client.until(() => viaGateway.errors !== null || viaGateway.received.length > 0);
  await direct.until(() => atHub.errors !== null);
  const shape = (errors: any[] | null | undefined, received: any[]) => (errors ?? received.flatMap((r) => r.errors ?? [])).map((e: any) => [e.message, e.extensions?.code]);
  expect(shape(atHub.errors, [])).toEqual([['Alias "__type": names starting with "__" are reserved.', 'GRAPHQL_VALIDATION_FAILED']]);
  expect(shape(viaGateway.errors, viaGateway.received)).toEqual(shape(atHub.errors, []));
});

describe('hubs that cannot be reached, or are lost', () => {
  const supergraphText = () => fs.readFileSync(path.join(__dirname, '../../supergraph.graphql'), 'utf8');
  /** A loopback port nothing listens on (taken, then given back). */
  async function closedPort(): Promise<number> {
    const spare = http.createServer();
    const port = await new Promise<number>((resolve) => spare.listen(0, '127.0.0.1', () => resolve((spare.address() as { port: number }).port)));
    await new Promise<void>((resolve) => spare.close(() => resolve()));
    return port;
  }
  async function gatewayOver(hubs: string[]): Promise<{ url: string; stop: () => Promise<void> }> {
    const g = createGateway({ supergraph: supergraphText(), subgraphs: { hub: hubs, complaints: complaints.url }, logging: false });
    return { url: `http://127.0.0.1:${await g.listen(0, '127.0.0.1')}/graphql`, stop: () => g.stop() };
  }
  /** The `next` payloads of an SSE subscription until `count` arrived or the stream ended (then what it carried). */
  async function sseEvents(target: string, subscription: string, count: number, started: () => Promise<void> = async () => undefined): Promise<unknown[]> {
    const controller = new AbortController();
    const res = await fetch(target, {
      method: 'POST',
      headers: { accept: 'text/event-stream', 'content-type': 'application/json', ...((await paramsOf('ann')) as Record<string, string>) },
      body: JSON.stringify({ query: subscription }),
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    const events: unknown[] = [];
    let buffer = '';
    let starting: Promise<void> | null = null;
    for (;;) {
      starting ??= started();
      const { value, done } = await reader.read();
      if (done) break;
      buffer += Buffer.from(value).toString('utf8');
      for (let at = buffer.indexOf('\n\n'); at >= 0; at = buffer.indexOf('\n\n')) {
        const data = /^event: next\ndata: (.*)$/m.exec(buffer.slice(0, at));
        buffer = buffer.slice(at + 2);
        if (data) events.push(JSON.parse(data[1]));
      }
      if (events.length >= count) break;
    }
    controller.abort();
    await starting;
    return events;
  }

  test('over SSE, a hub that cannot be reached is passed over, as for WebSocket clients and HTTP requests: both streams get their event', async () => {
    const pair = await gatewayOver([`http://127.0.0.1:${await closedPort()}/graphql`, hub.url]);
    try {
      const sub = `subscription { caseChanged(id: "${caseId('FTC-2004-017')}") { title } }`;
      // Two streams: one is first sent to the stopped hub, whichever order the gateway takes them in.
      const before = dispatcher().subscribers;
      let rename: Promise<unknown> | null = null;
      const started = async () => {
        for (let i = 0; i < 500 && dispatcher().subscribers < before + 2; i++) await new Promise((resolve) => setTimeout(resolve, 10));
        rename ??= hub.gql(updateCase, { as: cast.ann, variables: { id: caseId('FTC-2004-017'), input: { title: 'Reached past a stopped hub, over SSE' } } });
        await rename;
      };
      const streams = await Promise.all([sseEvents(pair.url, sub, 1, started), sseEvents(pair.url, sub, 1, started)]);
      expect(streams).toEqual([0, 1].map(() => [{ data: { caseChanged: { title: 'Reached past a stopped hub, over SSE' } } }]));
    } finally {
      await pair.stop();
    }
  });

  test('over SSE, no hub reachable: the stream’s one event says the hub is unavailable (SERVICE_UNAVAILABLE), not the connection’s error naming its address', async () => {
    const port = await closedPort();
    const alone = await gatewayOver([`http://127.0.0.1:${port}/graphql`]);
    try {
      const events = await sseEvents(alone.url, `subscription { caseChanged { title } }`, 1);
      expect(events).toEqual([{ errors: [expect.objectContaining({ message: 'The hub is unavailable: send the request again', extensions: expect.objectContaining({ code: 'SERVICE_UNAVAILABLE' }) })] }]);
      expect(JSON.stringify(events)).not.toContain(String(port));
    } finally {
      await alone.stop();
    }
  });

  test('over WebSocket, no hub reachable, or the hub lost after it acknowledged: 1013 "try again later", on which graphql-ws clients connect again (on 1011 they gave up)', async () => {
    const alone = await gatewayOver([`http://127.0.0.1:${await closedPort()}/graphql`]);
    // A "hub" that acknowledges the connection and then dies (its socket torn down, as by kill -9).
    const dying = new WebSocket.Server({ port: 0, host: '127.0.0.1', path: '/graphql' });
    dying.on('connection', (socket) => {
      socket.on('message', (raw) => {
        if (JSON.parse(raw.toString()).type === 'connection_init') {
          socket.send(JSON.stringify({ type: 'connection_ack' }));
          setTimeout(() => socket.terminate(), 50);
        }
      });
    });
    await new Promise<void>((resolve) => dying.once('listening', () => resolve()));
    const lost = await gatewayOver([`http://127.0.0.1:${(dying.address() as { port: number }).port}/graphql`]);
    try {
      const unavailable = await LiveClient.connect(alone.url, await paramsOf('ann'));
      opened.add(unavailable.client);
      expect(unavailable.acknowledged).toBe(false);
      expect(await unavailable.client.closed).toEqual({ code: 1013, reason: 'Try again later: the hub is unavailable' });
      const dropped = await LiveClient.connect(lost.url, await paramsOf('ann'));
      opened.add(dropped.client);
      expect(dropped.acknowledged).toBe(true);
      expect(await dropped.client.closed).toEqual({ code: 1013, reason: 'Try again later: the hub closed the connection' });
    } finally {
      await alone.stop();
      await lost.stop();
      await new Promise<void>((resolve) => dying.close(() => resolve()));
    }
  });
});
