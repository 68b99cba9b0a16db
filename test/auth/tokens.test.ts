import http from 'node:http';
import { SignJWT } from 'jose';
import { cast, orgId, personId, startTestHub, TEST_SECRET, TestHub } from '../support/hub';
import { tableRows } from '../support/rows';

/**
 * Bearer tokens (DOMAIN §2): no token is ANONYMOUS; a token that is present but malformed, expired, wrongly signed or
 * for an unknown person is refused with UNAUTHENTICATED (HTTP 401) — never silently downgraded. A person whose
 * organization is not endorsed (the applicant Paulo) is ANONYMOUS plus read access to their own application.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const secret = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** A token like the hub's own: HS256, the person id as subject, an expiry. `change` varies one thing. */
async function token(change: { sub?: string; exp?: number | null; key?: Uint8Array; alg?: string } = {}): Promise<string> {
  let jwt = new SignJWT({ email: cast.ann })
    .setProtectedHeader({ alg: change.alg ?? 'HS256', typ: 'JWT' })
    .setSubject(change.sub ?? personId(cast.ann))
    .setIssuedAt();
  if (change.exp !== null) jwt = jwt.setExpirationTime(change.exp ?? now() + 3600);
  return jwt.sign(change.key ?? secret);
}

const b64 = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

const ME = '{ me { kind person { email } organization { name } } }';

function unauthenticated(message: string) {
  return { status: 401, body: { errors: [{ message, extensions: { code: 'UNAUTHENTICATED' } }] } };
}

async function withHeader(authorization: string, query = ME) {
  const r = await hub.gql(query, { headers: { authorization } });
  return { status: r.status, body: r.body };
}

test('no token: ANONYMOUS', async () => {
  const r = await hub.gql(ME);
  expect({ status: r.status, body: r.body }).toEqual({ status: 200, body: { data: { me: { kind: 'ANONYMOUS', person: null, organization: null } } } });
});

test('a well-formed token signed with the hub’s secret: the person’s viewer (the control for every refusal below)', async () => {
  const r = await withHeader(`Bearer ${await token()}`);
  expect(r).toEqual({
    status: 200,
    body: { data: { me: { kind: 'COORDINATOR', person: { email: cast.ann }, organization: { name: 'US Federal Trade Commission' } } } },
  });
});

test.each([
  ['lower case', 'bearer'],
  ['upper case', 'BEARER'],
  ['two spaces after it', 'Bearer '],
])('the scheme is case-insensitive and may be followed by several spaces (%s), as RFC 9110 has it', async (_what, scheme) => {
  const r = await withHeader(`${scheme} ${await token()}`);
  expect(r).toEqual({
    status: 200,
    body: { data: { me: { kind: 'COORDINATOR', person: { email: cast.ann }, organization: { name: 'US Federal Trade Commission' } } } },
  });
});

test.each([
  ['an empty one, then a good token', (good: string) => ['', `Bearer ${good}`]],
  ['a good token, then another', (good: string) => [`Bearer ${good}`, 'Bearer nonsense']],
])('several Authorization headers (%s): 400 BAD_REQUEST, never the first one alone', async (_what, values) => {
  // Raw headers (an array) get no Host of Node's: it is given here.
  const headers = ['host', new URL(hub.url).host, 'content-type', 'application/json', ...values(await token()).flatMap((v) => ['authorization', v])];
  const answer = await new Promise<{ status: number; body: unknown }>((resolve, reject) => {
    const req = http.request(hub.url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(JSON.stringify({ query: ME }));
  });
  expect(answer).toEqual({ status: 400, body: { errors: [{ message: 'Send one Authorization header, not several', extensions: { code: 'BAD_REQUEST' } }] } });
});

describe('a token that is present but not good: HTTP 401, UNAUTHENTICATED, no data', () => {
  test.each([
    ['another scheme', async () => `Token ${await token()}`],
    ['Basic credentials', async () => 'Basic YW5uOnNlY3JldA=='],
    ['"Bearer" alone', async () => 'Bearer'],
    ['two tokens', async () => `Bearer ${await token()} ${await token()}`],
  ])('a malformed header (%s)', async (_what, header) => {
    expect(await withHeader(await header())).toEqual(unauthenticated('The Authorization header must be "Bearer <token>"'));
  });

  test.each([
    ['a token that is not a JWT', 'Bearer not-a-token'],
    ['an API key with its prefix in capitals', 'Bearer LAPK_abcdefgh_' + 'A'.repeat(43)],
  ])('a Bearer header whose credential is no token (%s): the token is not valid', async (_what, header) => {
    expect(await withHeader(header)).toEqual(unauthenticated('The token is not valid'));
  });

  test.each([
    ['three segments of nonsense', async () => 'abc.def.ghi'],
    ['a truncated signature', async () => (await token()).slice(0, -4)],
    ['a tampered payload', async () => {
      const [h, , s] = (await token()).split('.');
      return `${h}.${b64({ sub: personId(cast.isla), exp: now() + 3600 })}.${s}`;
    }],
    ['signed with another secret (forged)', async () => token({ key: new TextEncoder().encode('another-secret-that-is-long-enough-0123456789') })],
    ['signed with another algorithm', async () => token({ alg: 'HS512' })],
    ['alg "none"', async () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: personId(cast.ann), exp: now() + 3600 })}.`],
    ['no expiry', async () => token({ exp: null })],
    // No date holds it: an open subscription's timer fired at once, forever, and the connection never closed.
    ['an expiry past any date (exp 1e300)', async () => token({ exp: 1e300 })],
    ['an expiry just past the last date (8.64e12 s + 1)', async () => token({ exp: 8.64e12 + 1 })],
  ])('an invalid token (%s)', async (_what, make) => {
    expect(await withHeader(`Bearer ${await make()}`)).toEqual(unauthenticated('The token is not valid'));
  });

  test('an expired token', async () => {
    expect(await withHeader(`Bearer ${await token({ exp: now() - 60 })}`)).toEqual(unauthenticated('The token has expired'));
  });

  test.each([
    ['an unknown person id', '6b1d2a44-0000-4000-8000-000000000000'],
    ['a subject that is no person id, without an email', 'someone'],
  ])('a good token for no known person (%s)', async (_what, sub) => {
    const t = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(sub).setIssuedAt().setExpirationTime(now() + 3600).sign(secret);
    expect(await withHeader(`Bearer ${t}`)).toEqual(unauthenticated('The token is for no known person'));
  });

  test('a mutation with a bad token is refused as UNAUTHENTICATED before anything runs: nothing written', async () => {
    const before = await tableRows(hub.ds);
    const forged = await token({ key: new TextEncoder().encode('another-secret-that-is-long-enough-0123456789') });
    const r = await withHeader(
      `Bearer ${forged}`,
      'mutation { scheduleCall(input: { title: "Forged call", scheduledAt: "2031-01-01T00:00:00Z" }) { id } }',
    );
    expect(r).toEqual(unauthenticated('The token is not valid'));
    expect(await tableRows(hub.ds)).toEqual(before);
  });
});

describe('the applicant’s person (CGI.br, APPLIED)', () => {
  const OWN = `query($org: ID!, $person: ID!) {
    me { kind person { email } organization { id name status } }
    participant(id: $org) { name status pointOfContact { email } }
    person(id: $person) { email }
    applicants: participants(filter: { status: APPLIED }) { totalCount nodes { name } }
    cases { totalCount }
  }`;
  const variables = { org: orgId('cgi'), person: personId(cast.paulo) };

  test('is ANONYMOUS, yet reads its own organization through me.organization and participant(id)', async () => {
    const r = await hub.gql(OWN, { as: cast.paulo, variables });
    expect({ status: r.status, body: r.body }).toEqual({
      status: 200,
      body: {
        data: {
          me: {
            kind: 'ANONYMOUS',
            person: { email: cast.paulo },
            organization: { id: orgId('cgi'), name: 'CGI.br Anti-Spam Working Group', status: 'APPLIED' },
          },
          participant: { name: 'CGI.br Anti-Spam Working Group', status: 'APPLIED', pointOfContact: { email: cast.paulo } },
          person: { email: cast.paulo },
          applicants: { totalCount: 1, nodes: [{ name: 'CGI.br Anti-Spam Working Group' }] },
          // Otherwise anonymous: the CLEAR case only.
          cases: { totalCount: 1 },
        },
      },
    });
  });

  test('an anonymous caller without a token reads none of it', async () => {
    const r = await hub.gql(OWN, { variables });
    expect(r.body).toEqual({
      data: {
        me: { kind: 'ANONYMOUS', person: null, organization: null },
        participant: null,
        person: null,
        applicants: { totalCount: 0, nodes: [] },
        cases: { totalCount: 1 },
      },
    });
  });

  test('the applicant sees no member’s contacts', async () => {
    const r = await hub.gql('query($id: ID!, $org: ID!) { person(id: $id) { email } participant(id: $org) { name pointOfContact { email } } }', {
      as: cast.paulo,
      variables: { id: personId(cast.ann), org: orgId('ftc') },
    });
    expect(r.body).toEqual({
      data: { person: null, participant: { name: 'US Federal Trade Commission', pointOfContact: null } },
      extensions: { redacted: [{ path: 'participant.pointOfContact', code: 'FORBIDDEN', count: 1 }] },
    });
  });
});
