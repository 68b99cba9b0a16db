import net from 'node:net';
import { loadConfig } from '../../src/config';
import { leavePerson, OwnerQuery, withdrawParticipant } from '../../src/db/bootstrap';
import { payOwedCommits } from '../../src/db/statement-counter';
import { poolOf } from '../../src/db/viewer-db';
import { createHub } from '../../src/server';
import { capturingLogger } from '../support/log';
import { caseId, cast, orgId, personId, startTestHub, testHubEnv, TestHub } from '../support/hub';

/**
 * A query of the known-query path (a text Apollo has accepted before) goes on, while its credential's lookup is under
 * way, as the viewer that credential named last time (src/db/viewer-db.ts, `RequestConnection`): its first statements
 * leave in the lookup's own write, and it answers only once the lookup has found that very viewer again. Found
 * another — the organization withdrawn, made a coordinator, the person gone, the key revoked — the run is thrown away
 * (no row of it was handed out) and the request runs again as the viewer found: the answer is always the one the
 * credential gets now. On a PostgreSQL server only (the embedded database's one session runs everything in turn), but
 * the answers are checked on both.
 */

let hub: TestHub;
let query: OwnerQuery;
const embedded = !process.env.TEST_DATABASE_URL;

beforeAll(async () => {
  hub = await startTestHub();
  query = (text, values) => hub.ds.query(text, values as unknown[]);
});
afterAll(() => hub.close());
afterEach(() => hub.reset());

const WHO = `query Who($id: ID!) { me { kind organization { name } } case(id: $id) { reference confidential { summary } } cases(first: 50) { totalCount } }`;
const ico = caseId('ICO-2004-008');

/** The same query as `as`, three times: the text is known from the second, the viewer assumed from the third. */
async function warmed(as: string) {
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push((await hub.gql(WHO, { as, variables: { id: ico } })).body);
  expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  return answers[0];
}

test('the viewer assumed and found again: the same answer as every request before, for every kind of viewer', async () => {
  const first = await warmed(cast.isla);
  expect(first.data.me).toEqual({ kind: 'AGENCY', organization: { name: 'UK Information Commissioner’s Office' } });
  expect(first.data.case.confidential).not.toBeNull();
  for (const as of [cast.ann, cast.tom, cast.grace, cast.paulo]) {
    const alone = (await hub.gql(WHO, { as, variables: { id: ico } })).body;
    for (let i = 0; i < 3; i++) expect((await hub.gql(WHO, { as, variables: { id: ico } })).body).toEqual(alone);
  }
});

test('the organization withdrawn between two requests: the next answers as anonymous, its tier and its cases as anonymous sees them', async () => {
  await warmed(cast.isla);
  const anonymous = (await hub.gql(WHO, { variables: { id: ico } })).body;
  await withdrawParticipant(query, 'UK Information Commissioner’s Office');
  const after = (await hub.gql(WHO, { as: cast.isla, variables: { id: ico } })).body;
  expect(after).toEqual({ data: { ...anonymous.data, me: { kind: 'ANONYMOUS', organization: { name: 'UK Information Commissioner’s Office' } } } });
  expect(after.data.case).toBeNull();
});

test('the agency made a coordinator between two requests: the next answers as a coordinator', async () => {
  await warmed(cast.isla);
  await hub.ds.query(`UPDATE participant SET is_coordinator = true WHERE id = $1`, [orgId('ico')]);
  const after = (await hub.gql(WHO, { as: cast.isla, variables: { id: ico } })).body;
  expect(after.data.me).toEqual({ kind: 'COORDINATOR', organization: { name: 'UK Information Commissioner’s Office' } });
});

test('the person gone between two requests: the next is refused as for a person who has left, nothing answered', async () => {
  await warmed(cast.priya);
  await leavePerson(query, cast.priya);
  const after = await hub.gql(WHO, { as: cast.priya, variables: { id: ico } });
  expect([after.status, after.body]).toEqual([401, { errors: [{ message: 'The token is for a person who has left the network', extensions: { code: 'UNAUTHENTICATED' } }] }]);
});

test('an API key revoked between two requests: the next is refused, nothing answered', async () => {
  const key = (await hub.gql(`mutation { createApiKey(name: "assumed") { secret apiKey { id } } }`, { as: cast.tom })).body.data.createApiKey;
  const KEY_QUERY = `query Key { me { kind } cases(first: 50) { totalCount } }`;
  const answers = [];
  for (let i = 0; i < 3; i++) answers.push((await hub.gql(KEY_QUERY, { token: key.secret })).body);
  expect(answers[2]).toEqual(answers[0]);
  expect(answers[0].data.me.kind).toBe('PRIVATE');
  expect((await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { as: cast.tom, variables: { id: key.apiKey.id } })).body.errors).toBeUndefined();
  const after = await hub.gql(KEY_QUERY, { token: key.secret });
  expect([after.status, after.body]).toEqual([401, { errors: [{ message: 'The API key has been revoked', extensions: { code: 'UNAUTHENTICATED' } }] }]);
});

test('the lookup and the first statement of the known query leave in one write to the database; the request before took two', async () => {
  if (embedded) return; // one session for every connection there: nothing is assumed
  // Only the writes of the request pool's connections (a connection the pool opens meanwhile included: pg-pool lists
  // it before it connects). The live-events connection asks its LISTEN again every 10 s on a client of its own, and
  // such a check falling inside a request was counted once as one of that request's writes.
  const pool = poolOf(hub.ds) as unknown as { _clients: Array<{ connection: { stream: net.Socket } }>; totalCount: number; idleCount: number };
  const ofThePool = (socket: net.Socket) => pool._clients.some((c) => c.connection.stream === socket);
  const writes: number[] = [];
  const underneath = { write: net.Socket.prototype._write, writev: net.Socket.prototype._writev };
  let counting = false;
  const counted = (socket: net.Socket, n: number) => {
    if (counting && ofThePool(socket)) writes.push(n);
  };
  // A read-only transaction's COMMIT is owed, and sent alone by its 5 ms timer when no request takes the connection
  // (src/db/statement-counter.ts): on a loaded machine that falls before the answer reaches this client. It ends the
  // request after its statements; it is not one of the writes this test counts.
  const commitAlone = Buffer.concat([Buffer.from('Q'), Buffer.from([0, 0, 0, 11]), Buffer.from('COMMIT\0')]);
  net.Socket.prototype._write = function (this: net.Socket, ...args: Parameters<net.Socket['_write']>) {
    if (!(Buffer.isBuffer(args[0]) && args[0].equals(commitAlone))) counted(this, 1);
    return underneath.write.apply(this, args);
  };
  net.Socket.prototype._writev = function (this: net.Socket, ...args: Parameters<NonNullable<net.Socket['_writev']>>) {
    counted(this, args[0].length);
    return underneath.writev!.apply(this, args);
  };
  try {
    const variables = { id: caseId('FTC-2004-017') };
    const DETAIL = `query Detail($id: ID!) { case(id: $id) { reference title tlp } }`;
    const run = async () => {
      await hub.auditSettled();
      // The request before may end its transaction (and owe its COMMIT) just after its answer: every connection back
      // in the pool first, then what is owed paid, outside the count (a COMMIT its timer sent during the next request
      // was counted once as one of that request's writes).
      for (let i = 0; i < 400 && pool.idleCount !== pool.totalCount; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      await payOwedCommits();
      writes.length = 0;
      counting = true;
      const r = await hub.gql(DETAIL, { as: cast.ann, variables });
      counting = false;
      expect(r.body).toEqual({ data: { case: { reference: 'FTC-2004-017', title: expect.any(String), tlp: 'CLEAR' } } });
      return writes.length;
    };
    // Apollo's first (its text not known yet): the lookup, then the statement; then the known-query path, the viewer
    // assumed (Ann's lookups before this test named her already).
    const counts = [await run(), await run(), await run(), await run()];
    expect(counts).toEqual([2, 1, 1, 1]);
  } finally {
    net.Socket.prototype._write = underneath.write;
    net.Socket.prototype._writev = underneath.writev;
  }
});

describe('a refusal worked out on the assumed viewer is said only if the lookup finds that viewer again', () => {
  /** A hub on the same database allowing 3 requests a minute per viewer, its access log captured. */
  async function limited() {
    const { logger, lines } = capturingLogger();
    const other = await createHub({ config: loadConfig({ ...testHubEnv(), RATE_LIMIT_PER_VIEWER: '3' }), ds: hub.ds, logger });
    const url = `http://127.0.0.1:${await other.listen(0, '127.0.0.1')}/graphql`;
    /** `fresh`: the query with a comment of its own, a text the hub has not seen (no viewer assumed for it). */
    const post = async (token: string, fresh = false) => {
      const text = fresh ? `${WHO} # ${Math.random()}` : WHO;
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query: text, variables: { id: ico } }) });
      return { status: res.status, body: (await res.json()) as any };
    };
    return { other, post, lines };
  }

  test('a person who has left, past their rate limit: 401 as a person who has left, not 429; their access line names no viewer', async () => {
    const { other, post, lines } = await limited();
    try {
      const token = await hub.tokenFor(personId(cast.priya), cast.priya);
      for (let i = 0; i < 3; i++) expect((await post(token)).status).toBe(200);
      expect((await post(token)).status).toBe(429);
      await leavePerson(query, cast.priya);
      expect(await post(token)).toEqual({ status: 401, body: { errors: [{ message: 'The token is for a person who has left the network', extensions: { code: 'UNAUTHENTICATED' } }] } });
      const refused = lines.filter((l) => l.res?.statusCode === 401);
      expect(refused.map((l) => l.viewer)).toEqual([undefined]);
    } finally {
      await other.stop();
    }
  });

  test('a viewer changed past its rate limit stays refused (429, the same person), and a request run again is counted once', async () => {
    const { other, post } = await limited();
    try {
      const token = await hub.tokenFor(personId(cast.liam), cast.liam);
      const coordinator = (on: boolean) => hub.ds.query(`UPDATE participant SET is_coordinator = $2 WHERE id = $1`, [orgId('acma'), on]);
      // Two answered, then the agency made a coordinator: the third is run again as a coordinator, counted once (a
      // second count would have refused it), and the fourth is past the limit of 3.
      expect([(await post(token)).status, (await post(token)).status]).toEqual([200, 200]);
      await coordinator(true);
      const third = await post(token);
      expect([third.status, third.body.data?.me?.kind]).toEqual([200, 'COORDINATOR']);
      expect((await post(token)).status).toBe(429);
      // Past the limit, the viewer changed again: still refused, as the same person.
      await coordinator(false);
      const after = await post(token);
      expect([after.status, after.body.errors?.[0]?.extensions?.code]).toEqual([429, 'RATE_LIMITED']);
    } finally {
      await other.stop();
    }
  });

  test('a burst as a viewer that changed meanwhile: exactly the limit answered, the rest refused (each counted once, its answer kept)', async () => {
    const { other, post } = await limited();
    try {
      const token = await hub.tokenFor(personId(cast.claire), cast.claire);
      expect((await post(token)).status).toBe(200);
      await hub.ds.query(`UPDATE participant SET is_coordinator = true WHERE id = $1`, [orgId('crtc')]);
      const statuses = (await Promise.all(Array.from({ length: 8 }, () => post(token)))).map((r) => r.status).sort();
      expect(statuses).toEqual([200, 200, 429, 429, 429, 429, 429, 429]);
    } finally {
      await other.stop();
    }
  });

  test('a person who has left after a request answered: the 401 of the request run again has the access line of a first request (no viewer, no operation)', async () => {
    const { other, post, lines } = await limited();
    try {
      const token = await hub.tokenFor(personId(cast.ben), cast.ben);
      expect((await post(token)).status).toBe(200);
      await leavePerson(query, cast.ben);
      expect((await post(token)).status).toBe(401);
      expect((await post(token, true)).status).toBe(401);
      const refused = lines.filter((l) => l.res?.statusCode === 401);
      // The run as the assumed viewer, thrown away, leaves nothing in the line: the same as a text the hub never saw.
      expect(refused.map((l) => [l.graphql, l.viewer])).toEqual([
        [{ outcome: 'UNAUTHENTICATED' }, undefined],
        [{ outcome: 'UNAUTHENTICATED' }, undefined],
      ]);
    } finally {
      await other.stop();
    }
  });

  test('a revoked API key past its organization’s rate limit: 401 revoked, not 429', async () => {
    const { other, post } = await limited();
    try {
      const key = (await hub.gql(`mutation { createApiKey(name: "limited") { secret apiKey { id } } }`, { as: cast.tom })).body.data.createApiKey;
      for (let i = 0; i < 3; i++) expect((await post(key.secret)).status).toBe(200);
      expect((await post(key.secret)).status).toBe(429);
      await hub.ds.query(`UPDATE api_key SET revoked_at = now(), revoked_by_id = created_by_id WHERE id = $1`, [key.apiKey.id]);
      expect(await post(key.secret)).toEqual({ status: 401, body: { errors: [{ message: 'The API key has been revoked', extensions: { code: 'UNAUTHENTICATED' } }] } });
    } finally {
      await other.stop();
    }
  });

  test('a key revoked after two answers: its refused request costs its organization’s other keys nothing', async () => {
    const { other, post } = await limited();
    try {
      const mint = async (name: string) => (await hub.gql(`mutation($n: String!) { createApiKey(name: $n) { secret apiKey { id } } }`, { as: cast.tom, variables: { n: name } })).body.data.createApiKey;
      const [first, second] = [await mint('first'), await mint('second')];
      expect([(await post(first.secret)).status, (await post(first.secret)).status]).toEqual([200, 200]);
      await hub.ds.query(`UPDATE api_key SET revoked_at = now(), revoked_by_id = created_by_id WHERE id = $1`, [first.apiKey.id]);
      expect((await post(first.secret)).status).toBe(401);
      // The organization's third request of the minute, then its fourth: as if the refused one had never been assumed.
      expect([(await post(second.secret)).status, (await post(second.secret)).status]).toEqual([200, 429]);
    } finally {
      await other.stop();
    }
  });

  test('a key found expired last time and no longer expired: answered, not refused as it was', async () => {
    const key = (await hub.gql(`mutation { createApiKey(name: "expiring") { secret apiKey { id } } }`, { as: cast.isla })).body.data.createApiKey;
    expect((await hub.gql(WHO, { token: key.secret, variables: { id: ico } })).status).toBe(200);
    await hub.ds.query(`UPDATE api_key SET expires_at = now() - interval '1 minute' WHERE id = $1`, [key.apiKey.id]);
    for (let i = 0; i < 2; i++) {
      expect(await hub.gql(WHO, { token: key.secret, variables: { id: ico } })).toMatchObject({ status: 401, body: { errors: [{ message: 'The API key has expired' }] } });
    }
    await hub.ds.query(`UPDATE api_key SET expires_at = NULL WHERE id = $1`, [key.apiKey.id]);
    const after = await hub.gql(WHO, { token: key.secret, variables: { id: ico } });
    expect([after.status, after.body.data?.me?.kind]).toEqual([200, 'AGENCY']);
  });
});
