import { caseId, cast, orgId, personId, startSiblingHub, startTestHub, TestHub } from '../support/hub';
import { dispatchOf, LiveClient, LiveSubscription, subscribed, unsubscribedAll } from '../support/live';

/**
 * API keys and the audit trail on live updates (DOMAIN §7, §8, §9): a key subscribes like a token; its deliveries are
 * recorded with the path SUBSCRIPTION; a key revoked gets nothing from then on, and its connection is closed (4403) by
 * the credential sweep, on its own clock, never at the moment of an event.
 */

let hub: TestHub;
beforeAll(async () => {
  // No sweep on a timer here: the tests below call it when they mean it (a sibling hub tests the timer).
  hub = await startTestHub({ liveCredentialSweepMs: 0 });
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const dispatcher = () => hub.hub.live.dispatcher;
const updateCase = `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { id } }`;

async function keyOf(as: string): Promise<{ id: string; secret: string }> {
  const r = await hub.gql(`mutation { createApiKey(name: "live board") { secret apiKey { id } } }`, { as });
  return { id: r.body.data.createApiKey.apiKey.id, secret: r.body.data.createApiKey.secret };
}

test('a key’s subscription receives its organization’s view, and the delivery is in the audit trail as SUBSCRIPTION', async () => {
  const key = await keyOf(cast.ben);
  const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: `Bearer ${key.secret}` });
  expect(acknowledged).toBe(true);
  try {
    const sub = client.subscribe(`subscription($id: ID) { caseChanged(id: $id) { reference title confidential { summary } } }`, { id: caseId('FTC-2004-021') });
    await subscribed(dispatcher(), 1);
    const report = dispatchOf(dispatcher(), 'case', caseId('FTC-2004-021'));
    const r = await hub.gql(updateCase, { as: cast.ann, variables: { id: caseId('FTC-2004-021'), input: { title: 'Phishing kit, seller charged' } } });
    expect(r.body.errors).toBeUndefined();
    expect((await report).delivered).toBe(1);
    await client.until(() => sub.received.length === 1);
    expect(sub.received).toEqual([
      { data: { caseChanged: { reference: 'FTC-2004-021', title: 'Phishing kit, seller charged', confidential: { summary: 'A phishing kit imitating Meridian Bank; the seller is identified.' } } } },
    ]);
    await hub.auditSettled();
    const rows = await hub.ds.query(`SELECT c.case_id, person_id, api_key_id, path, confidential FROM case_access_log, unnest(case_ids) AS c(case_id) ORDER BY path, c.case_id`);
    expect(rows).toEqual([
      // Ann's mutation answered the RED case's row (its id): recorded too, as a request
      { case_id: caseId('FTC-2004-021'), person_id: personId(cast.ann), api_key_id: null, path: 'QUERY', confidential: false },
      { case_id: caseId('FTC-2004-021'), person_id: null, api_key_id: key.id, path: 'SUBSCRIPTION', confidential: true },
    ]);
  } finally {
    await client.close();
    await unsubscribedAll(dispatcher());
  }
});

test('one payload delivered on two connections of one key (a dashboard and a second consumer) is two entries in the audit trail', async () => {
  const key = await keyOf(cast.ben);
  const clients: LiveClient[] = [];
  try {
    const subs: LiveSubscription[] = [];
    for (let i = 0; i < 2; i++) {
      const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: `Bearer ${key.secret}` });
      expect(acknowledged).toBe(true);
      clients.push(client);
      subs.push(client.subscribe(`subscription($id: ID) { caseChanged(id: $id) { title confidential { summary } } }`, { id: caseId('FTC-2004-021') }));
    }
    await subscribed(dispatcher(), 2);
    const report = dispatchOf(dispatcher(), 'case', caseId('FTC-2004-021'));
    const r = await hub.gql(updateCase, { as: cast.ann, variables: { id: caseId('FTC-2004-021'), input: { title: 'Phishing kit, seller charged' } } });
    expect(r.body.errors).toBeUndefined();
    // One group (one viewer, one selection), resolved once, delivered twice.
    expect(await report).toMatchObject({ groups: 1, delivered: 2 });
    await Promise.all(clients.map((c, i) => c.until(() => subs[i].received.length === 1)));
    await hub.auditSettled();
    const rows = await hub.ds.query(
      `SELECT c.case_id, api_key_id, path, confidential FROM case_access_log, unnest(case_ids) AS c(case_id) WHERE path = 'SUBSCRIPTION'`,
    );
    const entry = { case_id: caseId('FTC-2004-021'), api_key_id: key.id, path: 'SUBSCRIPTION', confidential: true };
    expect(rows).toEqual([entry, entry]);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
    await unsubscribedAll(dispatcher());
  }
});

test('a key used only over WebSocket is in use: lastUsedAt is set when it connects', async () => {
  const key = await keyOf(cast.grace);
  const lastUsed = async () => ((await hub.ds.query(`SELECT last_used_at FROM api_key WHERE id = $1`, [key.id])) as Array<{ last_used_at: Date | null }>)[0].last_used_at;
  expect(await lastUsed()).toBeNull();
  const before = Date.now();
  const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: `Bearer ${key.secret}` });
  expect(acknowledged).toBe(true);
  try {
    await hub.auditSettled();
    const at = await lastUsed();
    expect(at).not.toBeNull();
    expect(at!.getTime()).toBeGreaterThanOrEqual(before - 1000);
  } finally {
    await client.close();
  }
});

/** How the socket closed, or 'open' when it still is after `ms`. */
async function closedWithin(client: LiveClient, ms: number): Promise<{ code: number; reason: string } | 'open'> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([client.closed, new Promise<'open'>((resolve) => (timer = setTimeout(() => resolve('open'), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

test('a key revoked before it connects is refused at connection_init, saying so (4403)', async () => {
  const key = await keyOf(cast.grace);
  const revoked = await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { as: cast.grace, variables: { id: key.id } });
  expect(revoked.body.errors).toBeUndefined();
  const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: `Bearer ${key.secret}` });
  expect(acknowledged).toBe(false);
  expect(await client.closed).toEqual({ code: 4403, reason: 'The API key has been revoked' });
});

test('a key revoked while subscribed gets nothing; an event does not close its connection, the credential sweep does (4403)', async () => {
  const key = await keyOf(cast.grace);
  const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: `Bearer ${key.secret}` });
  expect(acknowledged).toBe(true);
  const sub = client.subscribe(`subscription { caseChanged { reference } }`);
  await subscribed(dispatcher(), 1);
  const revoked = await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { as: cast.grace, variables: { id: key.id } });
  expect(revoked.body.errors).toBeUndefined();
  // A case the key could read (CLEAR) and one it never could (CRTC-2004-004, AMBER, not shared with NorthStar): neither
  // is delivered, and neither closes the socket, which would tell the holder of the key when a hidden case changed.
  for (const ref of ['FTC-2004-017', 'CRTC-2004-004']) {
    const report = dispatchOf(dispatcher(), 'case', caseId(ref));
    const edit = await hub.gql(updateCase, { as: ref === 'FTC-2004-017' ? cast.ann : cast.claire, variables: { id: caseId(ref), input: { title: `${ref}, after the revocation` } } });
    expect(edit.body.errors).toBeUndefined();
    expect((await report).delivered).toBe(0);
    expect(await closedWithin(client, 300)).toBe('open');
  }
  await dispatcher().sweep();
  expect(await client.closed).toEqual({ code: 4403, reason: 'the API key is no longer valid' });
  expect(sub.received).toEqual([]);
  await unsubscribedAll(dispatcher());
  await hub.auditSettled();
  expect(await hub.ds.query(`SELECT count(*)::int AS n FROM case_access_log WHERE person_id = $1 OR api_key_id = $2`, [personId(cast.grace), key.id])).toEqual([{ n: 0 }]);
});

test('the credential sweep runs on its own timer: a revoked key’s connection closes with no event at all', async () => {
  const sibling = await startSiblingHub(hub, { liveCredentialSweepMs: 200 });
  try {
    const key = await keyOf(cast.grace);
    const { client, acknowledged } = await LiveClient.connect(sibling.url, { authorization: `Bearer ${key.secret}` });
    expect(acknowledged).toBe(true);
    client.subscribe(`subscription { caseChanged { reference } }`);
    await subscribed(sibling.hub.live.dispatcher, 1);
    // Still open after several sweeps while the key works.
    expect(await closedWithin(client, 700)).toBe('open');
    const revoked = await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { as: cast.grace, variables: { id: key.id } });
    expect(revoked.body.errors).toBeUndefined();
    expect(await closedWithin(client, 10_000)).toEqual({ code: 4403, reason: 'the API key is no longer valid' });
    await unsubscribedAll(sibling.hub.live.dispatcher);
  } finally {
    await sibling.close();
  }
});

/**
 * The dispatch's own check of every credential (`recheck`) runs once, before the groups are resolved a few at a time:
 * a key revoked or a membership ended after it, with a row written after that, must still reach no one the credential
 * no longer makes. Here the check is made to have run before the change (it is skipped), so only the check inside each
 * group's transaction stands between the new row and the subscriber.
 */
describe('a credential that changes after the dispatch checked it', () => {
  async function withoutRecheck<T>(fn: () => Promise<T>): Promise<T> {
    const d = dispatcher() as unknown as { recheck: (...args: unknown[]) => Promise<Set<unknown>> };
    const original = d.recheck;
    d.recheck = async () => new Set();
    try {
      return await fn();
    } finally {
      d.recheck = original;
    }
  }

  test.each([
    ['the key revoked', 'key'],
    ['the organization withdrawn (a person’s token)', 'member'],
  ])('%s: the row written after it is delivered to no one it no longer makes', async (_what, kind) => {
    const key = await keyOf(cast.grace);
    const authorization = kind === 'key' ? `Bearer ${key.secret}` : `Bearer ${await hub.tokenFor(personId(cast.grace), cast.grace)}`;
    const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization });
    expect(acknowledged).toBe(true);
    try {
      // ACMA's botnet case is shared with NorthStar: Grace and NorthStar's key read its tier.
      const sub = client.subscribe(`subscription($id: ID) { caseChanged(id: $id) { title confidential { summary } } }`, { id: caseId('ACMA-2004-011') });
      await subscribed(dispatcher(), 1);
      await withoutRecheck(async () => {
        if (kind === 'key') await hub.ds.query(`UPDATE api_key SET revoked_at = now(), revoked_by_id = $2 WHERE id = $1`, [key.id, personId(cast.grace)]);
        else await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('northstar')]);
        const report = dispatchOf(dispatcher(), 'case', caseId('ACMA-2004-011'));
        const r = await hub.gql(updateCase, { as: cast.liam, variables: { id: caseId('ACMA-2004-011'), input: { title: 'Written after the change' } } });
        expect(r.body.errors).toBeUndefined();
        expect((await report).delivered).toBe(0);
      });
      expect(sub.received).toEqual([]);
    } finally {
      await client.close();
      await unsubscribedAll(dispatcher());
    }
  });
});
