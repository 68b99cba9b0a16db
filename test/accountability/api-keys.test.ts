import pg from 'pg';
import { generateApiKey, hashApiKey } from '../../src/auth/api-keys';
import { viewerFromHeader, viewerStillValid } from '../../src/auth/viewer';
import { TokenService } from '../../src/auth/tokens';
import { demoId } from '../../src/db/seed/demo';
import { caseAccess, harmOrder } from '../support/demo-access';
import { cast, caseId, orgId, personId, startSiblingHub, startTestHub, TestHub } from '../support/hub';
import { untilWaiting } from '../support/locker';

/**
 * API keys for dashboards (DOMAIN §8), over HTTP with the demo network: created by a person of an endorsed
 * participant, the secret shown once and stored as a hash, listed to that organization's people, revoked with effect on
 * the next request. A key reads as its organization as a whole (no person: shares naming persons never reach it) and
 * is read-only.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const CREATE = `mutation($name: String!, $expiresAt: DateTimeISO) {
  createApiKey(name: $name, expiresAt: $expiresAt) { secret apiKey { id name prefix createdAt expiresAt revokedAt lastUsedAt createdBy { email } organization { name } } }
}`;

async function createKey(as: string, name = 'NOC dashboard', expiresAt: string | null = null): Promise<{ id: string; secret: string; prefix: string }> {
  const r = await hub.gql(CREATE, { as, variables: { name, expiresAt } });
  expect(r.body.errors).toBeUndefined();
  const created = r.body.data.createApiKey;
  return { id: created.apiKey.id, secret: created.secret, prefix: created.apiKey.prefix };
}

const byHarm = (refs: string[]) => harmOrder.filter((r) => refs.includes(r));
const CASES = `{ cases(first: 100) { totalCount nodes { reference confidential { summary } confidentialAccess { allowed reason } } } }`;

async function keyRows(): Promise<Array<Record<string, unknown>>> {
  return hub.ds.query(`SELECT organization_id, name, prefix, encode(secret_hash, 'hex') AS hash, created_by_id, revoked_at, revoked_by_id FROM api_key ORDER BY created_at`);
}

describe('creating a key', () => {
  test('a person of an endorsed participant creates one for their organization: the secret once, only its hash stored', async () => {
    const r = await hub.gql(CREATE, { as: cast.grace, variables: { name: '  NOC dashboard ', expiresAt: null } });
    expect(r.body.errors).toBeUndefined();
    const { secret, apiKey } = r.body.data.createApiKey;
    expect(secret).toMatch(/^lapk_[a-z2-7]{8}_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toEqual({
      id: expect.any(String), name: 'NOC dashboard', prefix: secret.slice(0, 13), createdAt: expect.any(String), expiresAt: null, revokedAt: null,
      lastUsedAt: null, createdBy: { email: cast.grace }, organization: { name: 'NorthStar Broadband' },
    });
    expect(await keyRows()).toEqual([
      {
        organization_id: orgId('northstar'), name: 'NOC dashboard', prefix: apiKey.prefix, hash: hashApiKey(secret).toString('hex'),
        created_by_id: personId(cast.grace), revoked_at: null, revoked_by_id: null,
      },
    ]);
    // Nothing in the database holds the secret itself.
    const [{ n }] = await hub.ds.query(`SELECT count(*)::int AS n FROM api_key WHERE position($1 in row_to_json(api_key)::text) > 0`, [secret.slice(14)]);
    expect(n).toBe(0);
    // The secret is never shown again: the key's type has no field for it.
    const again = await hub.gql(`{ apiKeys { nodes { secret } } }`, { as: cast.grace });
    expect(again.status).toBe(400);
    expect(again.body.errors![0].extensions!.code).toBe('GRAPHQL_VALIDATION_FAILED');
  });

  test.each([
    ['anonymous', null],
    ['an applicant (anonymous plus their own application)', cast.paulo],
  ])('%s may not: FORBIDDEN, nothing written', async (_who, as) => {
    const r = await hub.gql(CREATE, { as, variables: { name: 'x' } });
    expect(r.body.errors!.map((e) => [e.extensions!.code, e.message])).toEqual([
      ['FORBIDDEN', 'Not allowed: a person of an endorsed participant creates keys for their own organization (DOMAIN §8)'],
    ]);
    expect(r.body.data).toBeNull();
    expect(await keyRows()).toEqual([]);
  });

  test.each([
    ['an empty name', { name: '   ' }, 'name: must not be blank'],
    ['a name over 100 characters', { name: 'x'.repeat(101) }, 'name: must be shorter than or equal to 100 characters'],
    ['a name of 101 emoji (characters, not UTF-16 units, are counted)', { name: '😀'.repeat(101) }, 'name: must be shorter than or equal to 100 characters'],
    ['a name of zero-width spaces', { name: '\u200b\u200b' }, 'name: must not be blank'],
    ['an expiry in the past', { name: 'x', expiresAt: '2001-01-01T00:00:00.000Z' }, 'expiresAt: must be in the future'],
    ['an expiry after the year 2200', { name: 'x', expiresAt: '2201-01-01T00:00:00.000Z' }, 'expiresAt: must be before 2201-01-01T00:00:00Z'],
  ])('%s is BAD_USER_INPUT naming the argument, nothing written', async (_what, variables, message) => {
    const r = await hub.gql(CREATE, { as: cast.ann, variables });
    expect(r.body.errors!.map((e) => [e.extensions!.code, e.message])).toEqual([['BAD_USER_INPUT', message]]);
    expect(await keyRows()).toEqual([]);
  });
});

describe('listing and revoking', () => {
  const LIST = `query($all: Boolean) { apiKeys(includeRevoked: $all) { totalCount nodes { name prefix revokedAt revokedBy { email } } } }`;

  test('the organization’s people list its keys, newest first; other organizations, keys and anonymous callers see none', async () => {
    const first = await createKey(cast.ann, 'first');
    const second = await createKey(cast.ben, 'second');
    await createKey(cast.grace, 'northstar');
    for (const as of [cast.ann, cast.ben]) {
      const r = await hub.gql(LIST, { as });
      expect(r.body.data.apiKeys).toEqual({
        totalCount: 2,
        nodes: [
          { name: 'second', prefix: second.prefix, revokedAt: null, revokedBy: null },
          { name: 'first', prefix: first.prefix, revokedAt: null, revokedBy: null },
        ],
      });
    }
    for (const as of [cast.oliver, cast.isla, cast.tom, null, cast.paulo]) {
      expect((await hub.gql(LIST, { as })).body.data.apiKeys).toEqual({ totalCount: 0, nodes: [] });
    }
    // A key lists no keys, not even its own organization's.
    expect((await hub.gql(LIST, { token: first.secret })).body.data.apiKeys).toEqual({ totalCount: 0, nodes: [] });
  });

  test('a colleague revokes a key: refused from the next request on; listed only with includeRevoked', async () => {
    const key = await createKey(cast.ann);
    expect((await hub.gql(`{ me { kind } }`, { token: key.secret })).body.data).toEqual({ me: { kind: 'COORDINATOR' } });
    const r = await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { name revokedAt revokedBy { email } } }`, { as: cast.ben, variables: { id: key.id } });
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data.revokeApiKey).toEqual({ name: 'NOC dashboard', revokedAt: expect.any(String), revokedBy: { email: cast.ben } });
    const after = await hub.gql(`{ me { kind } }`, { token: key.secret });
    expect(after.status).toBe(401);
    expect(after.body.errors!.map((e) => [e.extensions!.code, e.message])).toEqual([['UNAUTHENTICATED', 'The API key has been revoked']]);
    expect((await hub.gql(LIST, { as: cast.ann })).body.data.apiKeys).toEqual({ totalCount: 0, nodes: [] });
    expect((await hub.gql(LIST, { as: cast.ann, variables: { all: true } })).body.data.apiKeys).toEqual({
      totalCount: 1,
      nodes: [{ name: 'NOC dashboard', prefix: key.prefix, revokedAt: expect.any(String), revokedBy: { email: cast.ben } }],
    });
    const again = await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { name } }`, { as: cast.ann, variables: { id: key.id } });
    expect(again.body.errors!.map((e) => [e.extensions!.code, e.message])).toEqual([['BAD_USER_INPUT', 'id: the API key is already revoked']]);
  });

  // A revocation committed by another session while the requests wait for the key's row: each finds the key revoked at
  // its UPDATE. (On an embedded database every connection shares one session: no other session can hold the row.)
  (process.env.LAPHUB_TEST_DB_KIND === 'pglite' ? test.skip : test)(
    'a key revoked meanwhile by a concurrent request: the requests that find it so are told it is already revoked (not FORBIDDEN)',
    async () => {
      const key = await createKey(cast.ann);
      const other = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
      await other.connect();
      try {
        await other.query('BEGIN');
        await other.query(`UPDATE api_key SET revoked_at = now(), revoked_by_id = $2 WHERE id = $1`, [key.id, personId(cast.ben)]);
        const answers = Promise.all(
          Array.from({ length: 4 }, (_, i) => hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { revokedAt } }`, { as: i % 2 ? cast.ben : cast.ann, variables: { id: key.id } })),
        );
        // Every request's UPDATE waits for the row.
        await untilWaiting(other, 4);
        await other.query('COMMIT');
        const outcomes = (await answers).map((r) => (r.body.errors ?? []).map((e) => `${e.extensions!.code} ${e.message}`).join());
        expect(outcomes).toEqual(Array(4).fill('BAD_USER_INPUT id: the API key is already revoked'));
      } finally {
        await other.query('ROLLBACK').catch(() => undefined);
        await other.end();
      }
    },
  );

  test('another organization’s key is answered as an id that does not exist; nothing changes', async () => {
    const key = await createKey(cast.ann);
    for (const as of [cast.oliver, cast.grace]) {
      const r = await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { name } }`, { as, variables: { id: key.id } });
      expect(r.body.errors!.map((e) => [e.extensions!.code, e.message])).toEqual([['BAD_USER_INPUT', 'id: no API key with this id']]);
    }
    const unknown = await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { name } }`, { as: cast.ann, variables: { id: '00000000-0000-4000-8000-000000000000' } });
    expect(unknown.body.errors!.map((e) => e.message)).toEqual(['id: no API key with this id']);
    expect((await keyRows()).map((k) => k.revoked_at)).toEqual([null]);
    expect((await hub.gql(`{ me { kind } }`, { token: key.secret })).status).toBe(200);
  });

  test('lastUsedAt is recorded after the response, off the request, at most once a minute', async () => {
    let clock = new Date(hub.now.getTime() + 1000);
    const timed = await startSiblingHub(hub, { now: () => clock });
    try {
      const key = await createKey(cast.grace);
      expect((await hub.ds.query(`SELECT last_used_at FROM api_key`))[0].last_used_at).toBeNull();
      await timed.gql(`{ me { kind } }`, { token: key.secret });
      await timed.auditSettled();
      const used = async () => ((await hub.ds.query(`SELECT last_used_at FROM api_key`)) as Array<{ last_used_at: Date }>)[0].last_used_at.toISOString();
      expect(await used()).toBe(clock.toISOString());
      const firstUse = clock.toISOString();
      clock = new Date(clock.getTime() + 30_000);
      await timed.gql(`{ me { kind } }`, { token: key.secret });
      await timed.auditSettled();
      expect(await used()).toBe(firstUse);
      clock = new Date(clock.getTime() + 31_000);
      await timed.gql(`{ me { kind } }`, { token: key.secret });
      await timed.auditSettled();
      expect(await used()).toBe(clock.toISOString());
      expect((await timed.gql(`{ apiKeys { nodes { lastUsedAt } } }`, { as: cast.grace })).body.data.apiKeys.nodes).toEqual([{ lastUsedAt: clock.toISOString() }]);
    } finally {
      await timed.close();
    }
  });
});

describe('a key’s viewer: the organization as a whole, read-only', () => {
  test('me shows the kind, the organization and the key, no person', async () => {
    const key = await createKey(cast.tom, 'fraud desk');
    const r = await hub.gql(`{ me { kind person { id } organization { name } apiKey { name prefix expiresAt } } }`, { token: key.secret });
    expect(r.body).toEqual({
      data: { me: { kind: 'PRIVATE', person: null, organization: { name: 'Meridian Bank' }, apiKey: { name: 'fraud desk', prefix: key.prefix, expiresAt: null } } },
    });
    const person = await hub.gql(`{ me { apiKey { name } } }`, { as: cast.tom });
    expect(person.body.data).toEqual({ me: { apiKey: null } });
    // The scheme in any case (RFC 9110 §11.1).
    const lower = await hub.gql(`{ me { kind apiKey { name } } }`, { headers: { authorization: `bearer ${key.secret}` } });
    expect(lower.body).toEqual({ data: { me: { kind: 'PRIVATE', apiKey: { name: 'fraud desk' } } } });
  });

  test('Meridian’s key sees what Meridian’s people see in common: not the RED case that names Tom', async () => {
    const key = await createKey(cast.tom);
    const asKey = await hub.gql(CASES, { token: key.secret });
    expect(asKey.body.data.cases.nodes.map((n: any) => n.reference)).toEqual(byHarm(caseAccess.priya.sees));
    expect(asKey.body.data.cases.nodes.filter((n: any) => n.confidential).map((n: any) => n.reference)).toEqual(byHarm(caseAccess.priya.confidential));
    // The same answer as Priya's, who is not named on the RED share; Tom sees more.
    expect(asKey.body.data).toEqual((await hub.gql(CASES, { as: cast.priya })).body.data);
    const red = await hub.gql(`query($id: ID!) { case(id: $id) { reference } }`, { token: key.secret, variables: { id: caseId('FTC-2004-021') } });
    expect(red.body).toEqual({ data: { case: null } });
  });

  test('the FTC’s key leads the FTC’s cases: LEAD_AGENCY, its tiers, its RED case', async () => {
    const key = await createKey(cast.ann);
    const r = await hub.gql(CASES, { token: key.secret });
    expect(r.body.data).toEqual((await hub.gql(CASES, { as: cast.ben })).body.data);
    const mine = r.body.data.cases.nodes.filter((n: any) => n.confidentialAccess.allowed);
    expect(mine.map((n: any) => [n.reference, n.confidentialAccess.reason])).toEqual([
      ['FTC-2004-021', 'LEAD_AGENCY'],
      ['FTC-2004-017', 'LEAD_AGENCY'],
    ]);
  });

  test('every mutation is FORBIDDEN for a key, even one its organization’s people may make; nothing is written', async () => {
    const key = await createKey(cast.ann);
    const before = await hub.ds.query(`SELECT (SELECT count(*) FROM enforcement_case)::int AS cases, (SELECT count(*) FROM case_share)::int AS shares,
      (SELECT count(*) FROM api_key)::int AS keys, (SELECT count(*) FROM case_access_request)::int AS requests, (SELECT count(*) FROM case_access_request WHERE status = 'PENDING')::int AS pending, (SELECT title FROM enforcement_case WHERE id = $1) AS title`,
      [caseId('FTC-2004-017')]);
    const mutations: Array<[string, Record<string, unknown>]> = [
      [`mutation { openCase(input: { reference: "FTC-K-1", title: "t", summary: "s", categories: [SPAM], countryCodes: ["US"], tlp: CLEAR }) { id } }`, {}],
      [`mutation($id: ID!) { updateCase(id: $id, input: { title: "changed" }) { id } }`, { id: caseId('FTC-2004-017') }],
      [`mutation($c: ID!, $p: ID!) { shareCase(input: { caseId: $c, participantId: $p }) { id } }`, { c: caseId('FTC-2004-017'), p: orgId('oft') }],
      [`mutation { createApiKey(name: "another") { secret } }`, {}],
      [`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { id: key.id }],
      [`mutation($c: ID!) { requestCaseAccess(caseId: $c, justification: "why") { id } }`, { c: caseId('ACMA-2004-011') }],
      [`mutation($id: ID!) { withdrawCaseAccessRequest(id: $id) { id } }`, { id: demoId('access-request:priya-ftc') }],
    ];
    for (const [query, variables] of mutations) {
      const r = await hub.gql(query, { token: key.secret, variables });
      expect([query, r.body.errors?.map((e) => [e.extensions!.code, e.message])]).toEqual([
        query,
        [['FORBIDDEN', 'Not allowed: an API key is read-only; a change needs a person’s token (DOMAIN §8)']],
      ]);
    }
    const after = await hub.ds.query(`SELECT (SELECT count(*) FROM enforcement_case)::int AS cases, (SELECT count(*) FROM case_share)::int AS shares,
      (SELECT count(*) FROM api_key)::int AS keys, (SELECT count(*) FROM case_access_request)::int AS requests, (SELECT count(*) FROM case_access_request WHERE status = 'PENDING')::int AS pending, (SELECT title FROM enforcement_case WHERE id = $1) AS title`,
      [caseId('FTC-2004-017')]);
    expect(after).toEqual(before);
    expect((await keyRows()).map((k) => k.revoked_at)).toEqual([null]);
  });
  test('viewerCan offers a key no action, on every type that has one; what it may read is told as for its organization', async () => {
    // Every viewerCan type of the schema, by the path that reaches it, with all its fields: a type added later without a
    // path here fails the test.
    const paths: Record<string, (can: string) => string> = {
      CaseViewerCan: (can) => `cases(first: 100) { nodes { viewerCan ${can} } }`,
      ConferenceCallViewerCan: (can) => `calls(first: 100, when: ALL) { nodes { viewerCan ${can} } }`,
      CallSegmentViewerCan: (can) => `calls(first: 100, when: ALL) { nodes { segments { viewerCan ${can} } } }`,
      AssistanceRequestViewerCan: (can) => `assistanceRequests(first: 100) { nodes { viewerCan ${can} } }`,
      CaseAccessRequestViewerCan: (can) => `caseAccessRequests(first: 100) { nodes { viewerCan ${can} } }`,
      EducationProjectViewerCan: (can) => `educationProjects(first: 100) { nodes { viewerCan ${can} } }`,
      EndorsementViewerCan: (can) => `endorsements(first: 100) { nodes { viewerCan ${can} } }`,
      QuestionnaireViewerCan: (can) => `questionnaires(first: 100) { nodes { viewerCan ${can} } }`,
      QuestionnaireResponseViewerCan: (can) => `questionnaires(first: 100) { nodes { viewerResponse { viewerCan ${can} } } }`,
      ResourceListEntryViewerCan: (can) => `resourceList(first: 100) { nodes { viewerCan ${can} } }`,
    };
    const schema = await hub.gql(`{ __schema { types { name fields { name } } } }`, { as: cast.ann });
    const types: Array<{ name: string; fields: Array<{ name: string }> }> = schema.body.data.__schema.types.filter((t: any) => t.name.endsWith('ViewerCan'));
    expect(types.map((t) => t.name).sort()).toEqual(Object.keys(paths).sort());
    /** Every viewerCan object of an answer, by the type's name (the aliases). */
    const found = (data: Record<string, unknown>) => {
      const out: Record<string, Array<Record<string, boolean>>> = {};
      const walk = (v: unknown, type: string) => {
        if (Array.isArray(v)) return v.forEach((x) => walk(x, type));
        if (!v || typeof v !== 'object') return;
        for (const [k, x] of Object.entries(v)) {
          if (k === 'viewerCan' && x) (out[type] ??= []).push(x as Record<string, boolean>);
          else walk(x, type);
        }
      };
      for (const [alias, v] of Object.entries(data)) walk(v, alias);
      return out;
    };
    const query = `{ ${types.map((t) => `${t.name}: ${paths[t.name](`{ ${t.fields.map((f) => f.name).join(' ')} }`)}`).join('\n')} }`;
    // A pending request for the FTC to decide (the FTC leads FTC-2004-017; the ACMA may see the case, not its tier).
    const asked = await hub.gql(`mutation($c: ID!) { requestCaseAccess(caseId: $c, justification: "Australian victims") { status } }`, {
      as: cast.liam,
      variables: { c: caseId('FTC-2004-017') },
    });
    expect(asked.body).toEqual({ data: { requestCaseAccess: { status: 'PENDING' } } });
    const seen = new Map<string, number>();
    const offeredToPeople = new Set<string>();
    for (const person of [cast.ann, cast.isla, cast.tom, cast.grace]) {
      const key = await createKey(person);
      const [asKey, asPerson] = [await hub.gql(query, { token: key.secret }), await hub.gql(query, { as: person })];
      expect(asKey.body.errors).toBeUndefined();
      expect(asPerson.body.errors).toBeUndefined();
      for (const [type, flags] of Object.entries(found(asKey.body.data))) {
        seen.set(type, (seen.get(type) ?? 0) + flags.length);
        for (const can of flags) {
          for (const [field, value] of Object.entries(can)) {
            // Reading is the organization's; acting is a person's.
            if (!field.startsWith('read')) expect([person, type, field, value]).toEqual([person, type, field, false]);
          }
        }
      }
      for (const [type, flags] of Object.entries(found(asPerson.body.data))) {
        for (const can of flags) for (const [field, value] of Object.entries(can)) if (!field.startsWith('read') && value) offeredToPeople.add(`${type}.${field}`);
      }
    }
    // Not vacuous: the keys reached rows of every type, and the people of the same organizations are offered actions of
    // every kind the keys were refused.
    expect(types.map((t) => t.name).filter((t) => !seen.get(t))).toEqual([]);
    expect([...offeredToPeople].sort()).toEqual([
      'AssistanceRequestViewerCan.answer', 'AssistanceRequestViewerCan.withdraw', 'CallSegmentViewerCan.exclude', 'CallSegmentViewerCan.manage',
      'CaseAccessRequestViewerCan.decide', 'CaseAccessRequestViewerCan.withdraw', 'CaseViewerCan.edit', 'CaseViewerCan.share', 'ConferenceCallViewerCan.addSegment', 'ConferenceCallViewerCan.exclude',
      'EducationProjectViewerCan.update', 'EndorsementViewerCan.object', 'QuestionnaireResponseViewerCan.update', 'QuestionnaireViewerCan.respond',
      'ResourceListEntryViewerCan.remove',
    ]);
  });
});

describe('keys that do not work', () => {
  test.each([
    ['a malformed key', 'lapk_nothing', 'The API key is not valid'],
    ['an unknown key of the right shape', generateApiKey().secret, 'The API key is not valid'],
  ])('%s is UNAUTHENTICATED, never anonymous', async (_what, token, message) => {
    const r = await hub.gql(`{ me { kind } }`, { token });
    expect(r.status).toBe(401);
    expect(r.body.errors!.map((e) => [e.extensions!.code, e.message])).toEqual([['UNAUTHENTICATED', message]]);
  });

  test('a credential of the hub’s in another header or a query parameter is refused, saying where it goes, never anonymous', async () => {
    const key = await createKey(cast.ann);
    const token = await hub.tokenFor(personId(cast.ann), cast.ann);
    const where = (what: string) => `Put the credential in the Authorization header ("Bearer <token>"), not in ${what}`;
    const refusedAs = async (headers: Record<string, string>, path = '/graphql') => {
      const res = await fetch(hub.url.replace(/\/graphql$/, path), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: '{"query":"{ me { kind } }"}' });
      return [res.status, ((await res.json()) as { errors?: Array<{ message: string; extensions: { code: string } }> }).errors?.map((e) => [e.extensions.code, e.message])];
    };
    expect(await refusedAs({ 'x-api-key': key.secret })).toEqual([401, [['UNAUTHENTICATED', where('the x-api-key header')]]]);
    expect(await refusedAs({ 'x-auth-token': token })).toEqual([401, [['UNAUTHENTICATED', where('the x-auth-token header')]]]);
    expect(await refusedAs({ token: `Bearer ${token}` })).toEqual([401, [['UNAUTHENTICATED', where('the token header')]]]);
    expect(await refusedAs({}, `/graphql?access_token=${token}`)).toEqual([401, [['UNAUTHENTICATED', where('the query parameter access_token')]]]);
    expect(await refusedAs({ 'x-api-key': `ApiKey ${key.secret}` })).toEqual([401, [['UNAUTHENTICATED', where('the x-api-key header')]]]);
    // Authorization under another name or in the URL, and one of the hub's API keys under any name (a probe: each was
    // answered as anonymous).
    expect(await refusedAs({ 'x-authorization': `Bearer ${token}` })).toEqual([401, [['UNAUTHENTICATED', where('the x-authorization header')]]]);
    expect(await refusedAs({ authorisation: `Bearer ${token}` })).toEqual([401, [['UNAUTHENTICATED', where('the authorisation header')]]]);
    expect(await refusedAs({ 'x-forwarded-authorization': `Bearer ${token}` })).toEqual([401, [['UNAUTHENTICATED', where('the x-forwarded-authorization header')]]]);
    expect(await refusedAs({}, `/graphql?authorization=${encodeURIComponent(`Bearer ${token}`)}`)).toEqual([401, [['UNAUTHENTICATED', where('the query parameter authorization')]]]);
    expect(await refusedAs({ 'x-key': key.secret })).toEqual([401, [['UNAUTHENTICATED', where('the x-key header')]]]);
    expect(await refusedAs({ 'proxy-authorization': `Bearer ${token}` })).toEqual([401, [['UNAUTHENTICATED', where('the proxy-authorization header')]]]);
    expect(await refusedAs({ 'x-auth': `Bearer ${token}` })).toEqual([401, [['UNAUTHENTICATED', where('the x-auth header')]]]);
    expect(await refusedAs({ 'x-session-token': token })).toEqual([401, [['UNAUTHENTICATED', where('the x-session-token header')]]]);
    expect(await refusedAs({}, `/graphql?id_token=${token}`)).toEqual([401, [['UNAUTHENTICATED', where('the query parameter id_token')]]]);
    expect(await refusedAs({}, `/graphql?auth=${encodeURIComponent(`Bearer ${token}`)}`)).toEqual([401, [['UNAUTHENTICATED', where('the query parameter auth')]]]);
    expect(await refusedAs({}, `/graphql?k=${key.secret}`)).toEqual([401, [['UNAUTHENTICATED', where('the query parameter k')]]]);
    // Sent twice (Node joins the values with a comma): each value is looked at.
    const twice = await fetch(hub.url, { method: 'POST', headers: [['content-type', 'application/json'], ['x-key', key.secret], ['x-key', key.secret]], body: '{"query":"{ me { kind } }"}' });
    expect([twice.status, ((await twice.json()) as any).errors?.map((e: any) => e.message)]).toEqual([401, [where('the x-key header')]]);
    // Under a header that names no credential, a key's public prefix, or a label that starts like one, is no credential:
    // anonymous.
    expect(await refusedAs({ 'x-client': 'lapk_dashboard', 'x-key-prefix': key.prefix }, `/graphql?prefix=${key.prefix}`)).toEqual([200, undefined]);
    // In a cookie when it is the hub's beyond doubt (percent-encoded or not), among a browser's other cookies: one of its
    // API keys under any name, a credential in a cookie named Authorization.
    expect(await refusedAs({ cookie: `theme=dark; api_key=${key.secret}` })).toEqual([401, [['UNAUTHENTICATED', where('the cookie api_key')]]]);
    expect(await refusedAs({ cookie: `k=Bearer%20${key.secret}` })).toEqual([401, [['UNAUTHENTICATED', where('the cookie k')]]]);
    expect(await refusedAs({ cookie: `Authorization=Bearer%20${token}` })).toEqual([401, [['UNAUTHENTICATED', where('the cookie Authorization')]]]);
    // Other headers a proxy adds — an API gateway's own key, an identity-aware proxy's own JWT — and no credential at all:
    // anonymous, as before.
    expect(await refusedAs({ 'x-api-key': 'a-proxy-key-of-its-own', 'x-client-version': '1.2.3', 'cf-access-jwt-assertion': token, 'x-amzn-oidc-data': token })).toEqual([200, undefined]);
    // Another app's cookies on the same host (a browser sends them whatever the port): its JWT under `token`,
    // `access_token` or `session`, a token cookie that holds no credential, a malformed pair.
    expect(await refusedAs({ cookie: `session=${token}; token=${token}; access_token=${token}; csrf=%E0%A4%A; =x; flag` })).toEqual([200, undefined]);
    // With the Authorization header, the credential is that one.
    expect(await refusedAs({ authorization: `Bearer ${token}`, 'x-api-key': key.secret })).toEqual([200, undefined]);
  });

  test('a right prefix with a wrong secret is UNAUTHENTICATED', async () => {
    const key = await createKey(cast.ann);
    const wrong = `${key.prefix}_${'A'.repeat(43)}`;
    const r = await hub.gql(`{ me { kind } }`, { token: wrong });
    expect(r.status).toBe(401);
    expect(r.body.errors!.map((e) => e.message)).toEqual(['The API key is not valid']);
  });

  test('an expired key is UNAUTHENTICATED', async () => {
    const key = await createKey(cast.ann, 'short-lived', new Date(hub.now.getTime() + 60 * 60_000).toISOString());
    await hub.ds.query(`UPDATE api_key SET expires_at = now() - interval '1 second' WHERE id = $1`, [key.id]);
    const r = await hub.gql(`{ me { kind } }`, { token: key.secret });
    expect(r.status).toBe(401);
    expect(r.body.errors!.map((e) => e.message)).toEqual(['The API key has expired']);
  });

  test('a key of a participant that is no longer endorsed stops working', async () => {
    const key = await createKey(cast.eva);
    expect((await hub.gql(`{ me { kind } }`, { token: key.secret })).body.data).toEqual({ me: { kind: 'PRIVATE' } });
    await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('sentinel')]);
    const r = await hub.gql(`{ me { kind } }`, { token: key.secret });
    expect(r.status).toBe(401);
    expect(r.body.errors!.map((e) => e.message)).toEqual(['The API key’s organization is not an endorsed participant']);
  });
});

describe('a key kept open (a subscription) is checked again', () => {
  test('viewerStillValid: true until the key is revoked, expires or its organization stops being endorsed', async () => {
    const tokens = new TokenService(hub.config);
    const key = await createKey(cast.eva);
    const viewer = await viewerFromHeader(`Bearer ${key.secret}`, tokens, hub.ds, new Date());
    const person = await viewerFromHeader(`Bearer ${await hub.tokenFor(personId(cast.eva), cast.eva)}`, tokens, hub.ds, new Date());
    const now = new Date();
    expect(await viewerStillValid(viewer, hub.ds, now)).toBe(true);
    expect(await viewerStillValid(person, hub.ds, now)).toBe(true);
    await hub.ds.query(`UPDATE api_key SET expires_at = $2 WHERE id = $1`, [key.id, new Date(now.getTime() + 60_000)]);
    expect(await viewerStillValid(viewer, hub.ds, now)).toBe(true);
    expect(await viewerStillValid(viewer, hub.ds, new Date(now.getTime() + 60_000))).toBe(false);
    await hub.ds.query(`UPDATE api_key SET expires_at = NULL WHERE id = $1`, [key.id]);
    await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('sentinel')]);
    expect(await viewerStillValid(viewer, hub.ds, now)).toBe(false);
    await hub.ds.query(`UPDATE participant SET status = 'ENDORSED' WHERE id = $1`, [orgId('sentinel')]);
    expect(await viewerStillValid(viewer, hub.ds, now)).toBe(true);
    await hub.gql(`mutation($id: ID!) { revokeApiKey(id: $id) { id } }`, { as: cast.eva, variables: { id: key.id } });
    expect(await viewerStillValid(viewer, hub.ds, now)).toBe(false);
  });
});
