import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, KeyLike, SignJWT } from 'jose';
import WebSocket from 'ws';
import { loadConfig } from '../../src/config';
import { createHub, Hub } from '../../src/server';
import { randomUUID } from 'node:crypto';
import { cast, personId, startTestHub, TestHub } from '../support/hub';
import { capturingLogger } from '../support/log';

/**
 * Tokens of an external identity provider (JWKS_URL): a good token is answered as its person; when the provider's key
 * set cannot be fetched, the token is not to blame — 503 SERVICE_UNAVAILABLE with Retry-After (not 401, which a client
 * takes as "drop this token"), and the operator gets an error line naming JWKS_URL.
 */

let base: TestHub;
beforeAll(async () => {
  base = await startTestHub();
});
afterAll(() => base.close());

async function keyPair(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } };
}

function token(privateKey: KeyLike, kid: string, email: string): Promise<string> {
  return new SignJWT({ email }).setProtectedHeader({ alg: 'RS256', kid }).setSubject(`idp|${email}`).setIssuedAt().setExpirationTime('10m').sign(privateKey);
}

/** A server for the key set; `up` decides whether it answers (down: it closes every connection at once). */
async function keyServer(keys: object[]) {
  const state = { up: false };
  const server = http.createServer((req, res) => {
    if (!state.up) return void req.socket.destroy();
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { state, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

async function jwksHub(jwksUrl: string): Promise<{ hub: Hub; url: string; lines: Array<Record<string, any>> }> {
  const { logger, lines } = capturingLogger();
  const config = loadConfig({ NODE_ENV: 'production', JWKS_URL: jwksUrl, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL });
  const hub = await createHub({ config, ds: base.ds, logger });
  const port = await hub.listen(0, '127.0.0.1');
  return { hub, url: `http://127.0.0.1:${port}/graphql`, lines };
}

async function me(url: string, bearer: string) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` }, body: '{"query":"{ me { kind person { email } } }"}' });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json() };
}

test('the provider away: 503 SERVICE_UNAVAILABLE with Retry-After and an error line; back: the same token is answered; a key it does not have: 401', async () => {
  const good = await keyPair('k1');
  const keys = await keyServer([good.jwk]);
  const { hub, url, lines } = await jwksHub(keys.url);
  try {
    const isla = await token(good.privateKey, 'k1', cast.isla);

    expect(await me(url, isla)).toEqual({
      status: 503,
      retryAfter: '5',
      body: { errors: [{ message: 'The identity provider cannot be reached to check the token: try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 } }] },
    });
    const errors = lines.filter((l) => l.level === 50);
    expect(errors).toHaveLength(1);
    // Tokens no published key could verify (a shared secret's HS256, alg none) are not valid, provider away or not:
    // 401 without asking for the keys, and no error line.
    const hs256 = await new SignJWT({ email: cast.isla }).setProtectedHeader({ alg: 'HS256' }).setSubject('x').setIssuedAt().setExpirationTime('10m').sign(new TextEncoder().encode('s'.repeat(32)));
    const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', email: cast.isla, exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')}.`;
    for (const bad of [hs256, none]) {
      expect(await me(url, bad)).toEqual({ status: 401, retryAfter: null, body: { errors: [{ message: 'The token is not valid', extensions: { code: 'UNAUTHENTICATED' } }] } });
    }
    expect(lines.filter((l) => l.level === 50)).toHaveLength(1);
    // Tokens a client makes up in the provider's form, many at once: at most one error line a second, counting them.
    for (let i = 0; i < 20; i++) expect((await me(url, await token(good.privateKey, `made-up-${i}`, cast.isla))).status).toBe(503);
    const provider = lines.filter((l) => l.level === 50);
    expect(provider.length).toBeLessThan(1 + 20);
    expect(provider[0].requestsAnswered503).toBe(1);
    expect(errors[0].msg).toMatch(new RegExp(`^the identity provider's keys \\(JWKS_URL ${keys.url.replace(/[.]/g, '\\.')}\\) cannot be fetched: `));
    expect(errors[0].req?.id).toEqual(expect.any(String));
    // The access line: a warning with its outcome, not a second error.
    expect(lines.filter((l) => l.req?.id === errors[0].req.id && l.res).map((l) => [l.level, l.graphql?.outcome, l.res.statusCode])).toEqual([[40, 'SERVICE_UNAVAILABLE', 503]]);

    // Subscriptions: closed with 1013 (try again later), not 4401 (unauthorized).
    const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
    ws.on('open', () => ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${isla}` } })));
    const [code] = await new Promise<[number, string]>((resolve) => ws.on('close', (c, r) => resolve([c, r.toString()])));
    expect(code).toBe(1013);

    // The CSV report, the same.
    const csv = await fetch(url.replace('/graphql', '/reports/network.csv?from=2024-01-01&to=2025-01-01'), { headers: { authorization: `Bearer ${isla}` } });
    expect([csv.status, csv.headers.get('retry-after'), await csv.json()]).toEqual([
      503,
      '5',
      { errors: [{ message: 'The identity provider cannot be reached to check the token: try again shortly', extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 } }] },
    ]);

    keys.state.up = true;
    expect(await me(url, isla)).toEqual({ status: 200, retryAfter: null, body: { data: { me: { kind: 'AGENCY', person: { email: cast.isla } } } } });

    // A token signed with a key the provider does not publish is the token's fault.
    const stranger = await keyPair('k2');
    expect(await me(url, await token(stranger.privateKey, 'k2', cast.isla))).toEqual({
      status: 401,
      retryAfter: null,
      body: { errors: [{ message: 'The token is not valid', extensions: { code: 'UNAUTHENTICATED' } }] },
    });
  } finally {
    await hub.stop();
    await keys.close();
  }
});

test('a provider’s token names its person by the email claim, whatever its sub: a UUID subject is no person id of the hub', async () => {
  const good = await keyPair('k1');
  const keys = await keyServer([good.jwk]);
  keys.state.up = true;
  const { hub, url } = await jwksHub(keys.url);
  const signed = (claims: Record<string, unknown>, sub: string) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setSubject(sub).setIssuedAt().setExpirationTime('10m').sign(good.privateKey);
  try {
    // A provider whose subjects are UUIDs (Keycloak, Cognito): the person is the one the email names.
    expect(await me(url, await signed({ email: cast.isla }, randomUUID()))).toEqual({ status: 200, retryAfter: null, body: { data: { me: { kind: 'AGENCY', person: { email: cast.isla } } } } });
    // A subject that is another person's id of the hub names nobody: the email decides.
    expect(await me(url, await signed({ email: cast.grace }, personId(cast.ann)))).toEqual({
      status: 200,
      retryAfter: null,
      body: { data: { me: { kind: 'PRIVATE', person: { email: cast.grace } } } },
    });
    // An address the provider has not verified names nobody; a verified one names its person.
    expect(await me(url, await signed({ email: cast.isla, email_verified: false }, randomUUID()))).toEqual({
      status: 401,
      retryAfter: null,
      body: { errors: [{ message: 'The identity provider has not verified the token’s email', extensions: { code: 'UNAUTHENTICATED' } }] },
    });
    expect(await me(url, await signed({ email: cast.isla, email_verified: true }, randomUUID()))).toEqual({ status: 200, retryAfter: null, body: { data: { me: { kind: 'AGENCY', person: { email: cast.isla } } } } });
    // Written as a string, as some providers do: "true" is a verification; "false", or anything else, is none.
    for (const unverified of ['false', 'no', 0, null]) {
      expect(await me(url, await signed({ email: cast.isla, email_verified: unverified }, randomUUID()))).toEqual({
        status: 401,
        retryAfter: null,
        body: { errors: [{ message: 'The identity provider has not verified the token’s email', extensions: { code: 'UNAUTHENTICATED' } }] },
      });
    }
    expect(await me(url, await signed({ email: cast.isla, email_verified: 'true' }, randomUUID()))).toMatchObject({ status: 200, body: { data: { me: { kind: 'AGENCY' } } } });
    // Another address that PostgreSQL's lower() would fold into hers (the dotted capital İ): nobody.
    expect(await me(url, await signed({ email: 'İsla.morgan@ico.example' }, randomUUID()))).toEqual({
      status: 401,
      retryAfter: null,
      body: { errors: [{ message: 'The token’s email is not an address of the hub’s people (printable ASCII only, no spaces)', extensions: { code: 'UNAUTHENTICATED' } }] },
    });
    // A space is ASCII, and refused all the same: the words say so.
    expect(await me(url, await signed({ email: ` ${cast.isla}` }, randomUUID()))).toEqual({
      status: 401,
      retryAfter: null,
      body: { errors: [{ message: 'The token’s email is not an address of the hub’s people (printable ASCII only, no spaces)', extensions: { code: 'UNAUTHENTICATED' } }] },
    });
    // In another case, in ASCII: the same person (addresses are matched case-insensitively).
    expect(await me(url, await signed({ email: cast.isla.toUpperCase() }, randomUUID()))).toMatchObject({ status: 200, body: { data: { me: { kind: 'AGENCY' } } } });
    // No email: nobody, and the answer says what is missing.
    expect(await me(url, await signed({}, personId(cast.ann)))).toEqual({
      status: 401,
      retryAfter: null,
      body: { errors: [{ message: 'The token has no email claim to name its person by', extensions: { code: 'UNAUTHENTICATED' } }] },
    });
  } finally {
    await hub.stop();
    await keys.close();
  }
});
