import { loadConfig } from '../../src/config';
import { TokenService } from '../../src/auth/tokens';

const SECRET = 'a-test-secret-of-at-least-thirty-two-characters';

/**
 * TokenService remembers the tokens it verified, for a minute at most and never past their expiry: a cached token is
 * still refused once it expires, a token that differs in any character is checked in full, and after a minute the
 * signature is checked again.
 */
describe('TokenService: verified tokens remembered', () => {
  const T0 = Date.parse('2026-12-02T12:00:00Z');
  const service = (ttl = '1h') => new TokenService(loadConfig({ NODE_ENV: 'production', JWT_SECRET: SECRET, TOKEN_TTL: ttl }));
  /** Counts the full checks (signature, claims) behind `verify`. */
  const countChecks = (s: TokenService) => jest.spyOn(s as unknown as { check(t: string): Promise<unknown> }, 'check');
  const code = (p: Promise<unknown>) => p.then(() => 'accepted', (e: { code?: string }) => e.code);

  beforeEach(() => jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] }));
  afterEach(() => jest.useRealTimers());

  test('the same token within a minute is checked once, with the same claims; after a minute it is checked again', async () => {
    const s = service();
    const token = await s.sign('4b1c2f9e-0d7a-4f43-9a55-2f3b7c1d9e01', 'ana@example.org');
    const checks = countChecks(s);
    const first = await s.verify(token);
    expect(first).toEqual({ sub: '4b1c2f9e-0d7a-4f43-9a55-2f3b7c1d9e01', email: 'ana@example.org', exp: T0 / 1000 + 3600 });
    jest.setSystemTime(T0 + 59_999);
    expect(await s.verify(token)).toEqual(first);
    expect(checks).toHaveBeenCalledTimes(1);
    jest.setSystemTime(T0 + 60_000);
    expect(await s.verify(token)).toEqual(first);
    expect(checks).toHaveBeenCalledTimes(2);
  });

  test('a remembered token is refused from the second it expires, as jose refuses it', async () => {
    const s = service('30s');
    const token = await s.sign('4b1c2f9e-0d7a-4f43-9a55-2f3b7c1d9e01', 'ana@example.org');
    await s.verify(token);
    jest.setSystemTime(T0 + 29_999);
    expect(await code(s.verify(token))).toBe('accepted');
    jest.setSystemTime(T0 + 30_000);
    expect(await code(s.verify(token))).toBe('ERR_JWT_EXPIRED');
    // and jose alone says the same of it at that second
    expect(await code(service('30s').verify(token))).toBe('ERR_JWT_EXPIRED');
  });

  test('a token differing from a remembered one in its signature or its payload is checked and refused', async () => {
    const s = service();
    const token = await s.sign('4b1c2f9e-0d7a-4f43-9a55-2f3b7c1d9e01', 'ana@example.org');
    await s.verify(token);
    const [header, payload, signature] = token.split('.');
    const otherSignature = `${header}.${payload}.${signature.slice(0, -2)}${signature.endsWith('AA') ? 'BA' : 'AA'}`;
    const otherPayload = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: 'someone-else' })).toString('base64url')}.${signature}`;
    const checks = countChecks(s);
    expect(await code(s.verify(otherSignature))).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    expect(await code(s.verify(otherPayload))).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    expect(checks).toHaveBeenCalledTimes(2);
    expect(await code(s.verify(token))).toBe('accepted');
  });

  test('a refused token is not remembered: it is checked, and refused, every time', async () => {
    const s = service();
    const token = await s.sign('4b1c2f9e-0d7a-4f43-9a55-2f3b7c1d9e01', 'ana@example.org');
    const forged = token.slice(0, -3) + (token.endsWith('xyz') ? 'abc' : 'xyz');
    const checks = countChecks(s);
    expect(await code(s.verify(forged))).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    expect(await code(s.verify(forged))).toBe('ERR_JWS_SIGNATURE_VERIFICATION_FAILED');
    expect(checks).toHaveBeenCalledTimes(2);
  });

  test('at most 1,000 tokens are remembered, the oldest forgotten first', async () => {
    const s = service();
    const tokens: string[] = [];
    for (let i = 0; i < 1001; i++) tokens.push(await s.sign(`4b1c2f9e-0d7a-4f43-9a55-${String(i).padStart(12, '0')}`, `p${i}@example.org`));
    for (const t of tokens) await s.verify(t);
    const checks = countChecks(s);
    await s.verify(tokens[1000]);
    await s.verify(tokens[1]);
    expect(checks).toHaveBeenCalledTimes(0);
    await s.verify(tokens[0]);
    expect(checks).toHaveBeenCalledTimes(1);
  });
});
