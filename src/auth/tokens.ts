import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createRemoteJWKSet, JWTPayload, JWTVerifyGetKey, jwtVerify, SignJWT } from 'jose';
import { Config, ConfigError } from '../config';
import { makeFolders } from '../folders';

/** Errors of choosing a key from the provider's set that are the token's own doing (its `kid` or `alg`). */
const TOKEN_KEY_ERRORS = new Set(['ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JWS_INVALID']);

/** The algorithms of the keys a JWKS publishes (public keys): RSA, RSA-PSS, ECDSA and EdDSA signatures. */
const PUBLIC_KEY_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** The identity provider's key set (`JWKS_URL`) could not be fetched: no token of its can be checked right now. */
export class IdentityProviderUnavailable extends Error {
  constructor(
    readonly url: string,
    /** What fetching the key set ran into (a connection error, a timeout, a status that is not 200, not a key set). */
    readonly reason: unknown,
  ) {
    super(`the identity provider's keys (JWKS_URL ${url}) cannot be fetched: ${(reason as Error)?.message || (reason as { code?: string })?.code || String(reason)}`);
  }
}

/** How many verified tokens are remembered, and for how long at most (`TokenService.verify`). */
const VERIFIED_TOKENS = 1000;
const VERIFIED_FOR_MS = 60_000;

export interface TokenClaims {
  sub: string;
  email?: string;
  /** The provider's `email_verified` claim, when it has one (an external identity provider's token). */
  emailVerified?: boolean;
  /** When the token stops being valid (seconds since the epoch, the `exp` claim): open subscriptions close then. */
  exp?: number;
}

/**
 * Bearer tokens: HS256 with JWT_SECRET, or an external identity provider's keys through JWKS_URL. Outside production,
 * with neither set, a random secret is generated once and kept in the data folder (`jwt-secret`, mode 600), so
 * `npm run token` and the hub agree without any configuration.
 */
export class TokenService {
  /** The HS256 key, made once: a key given as bytes would be made into a key object again for every token. */
  private readonly secret: crypto.KeyObject | null;
  private readonly jwks: JWTVerifyGetKey | null;
  private readonly verifyOptions: { issuer?: string; audience?: string; requiredClaims: string[] };
  /**
   * Tokens verified in the last minute, by their text, with their claims: a client sends the same token with every
   * request, and checking its signature again (an HMAC, or the provider's key) is a fixed cost of every request. An
   * entry is used only while its token has not expired, for a minute at most (so a key the provider withdraws stops
   * working within a minute more than its own key set's cache), and the oldest goes first once there are
   * `VERIFIED_TOKENS`. Only a token that passed every check is remembered; the text must match exactly.
   */
  private readonly verified = new Map<string, { claims: TokenClaims; until: number }>();

  /**
   * The tokens are an external identity provider's (JWKS_URL): its `sub` is its own naming of the user (a UUID at many
   * providers, never the hub's person id), so the person is the one its `email` claim names.
   */
  get external(): boolean {
    return this.jwks !== null;
  }

  constructor(private readonly config: Config) {
    if (config.jwksUrl) {
      const remote = createRemoteJWKSet(new URL(config.jwksUrl));
      // The key set could not be had (unreachable, timed out, not 200, not a key set): the token may be perfectly good,
      // so this is not the token's fault. A token naming a key the set does not have, or an algorithm no key serves, is.
      this.jwks = async (header, token) => {
        try {
          return await remote(header, token);
        } catch (err) {
          if (TOKEN_KEY_ERRORS.has((err as { code?: string }).code ?? '')) throw err;
          throw new IdentityProviderUnavailable(config.jwksUrl!, err);
        }
      };
      this.secret = null;
    } else {
      this.jwks = null;
      this.secret = crypto.createSecretKey(Buffer.from(config.jwtSecret ?? localSecret(config), 'utf8'));
    }
    this.verifyOptions = { issuer: config.jwtIssuer ?? undefined, audience: config.jwtAudience ?? undefined, requiredClaims: ['sub', 'exp'] };
  }

  get canSign(): boolean {
    return this.secret !== null;
  }

  async sign(personId: string, email: string): Promise<string> {
    if (!this.secret) throw new ConfigError('tokens come from the identity provider when JWKS_URL is set');
    let jwt = new SignJWT({ email }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).setSubject(personId).setIssuedAt().setExpirationTime(this.config.tokenTtl);
    if (this.config.jwtIssuer) jwt = jwt.setIssuer(this.config.jwtIssuer);
    if (this.config.jwtAudience) jwt = jwt.setAudience(this.config.jwtAudience);
    return jwt.sign(this.secret);
  }

  /** Verifies signature, expiry, issuer and audience; throws on anything wrong. */
  async verify(token: string): Promise<TokenClaims> {
    const now = Date.now();
    const known = this.verified.get(token);
    if (known) {
      if (now < known.until) return known.claims;
      this.verified.delete(token);
    }
    // Shared by every request that sends this token until it is checked again: frozen.
    const claims = Object.freeze(await this.check(token));
    // jose takes a token whose `exp` is this very second as expired; so does `until`.
    const until = Math.min(now + VERIFIED_FOR_MS, claims.exp !== undefined ? Math.floor(claims.exp) * 1000 : now);
    if (until > now) {
      if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
      this.verified.set(token, { claims, until });
    }
    return claims;
  }

  private async check(token: string): Promise<TokenClaims> {
    let payload: JWTPayload;
    if (this.jwks) {
      // Only what a published key can verify: a token signed with a shared secret (HS256) or none at all (`alg: none`)
      // is refused as not valid before the key set is asked for (it was a 503 "the provider cannot be reached", and an
      // error line, for tokens no key could ever verify while the provider was away).
      ({ payload } = await jwtVerify(token, this.jwks, { ...this.verifyOptions, algorithms: PUBLIC_KEY_ALGORITHMS }));
    } else {
      ({ payload } = await jwtVerify(token, this.secret!, { ...this.verifyOptions, algorithms: ['HS256'] }));
    }
    // An expiry no date can hold (past the year 275760: `exp` 1e300) is no expiry a reader of the token can keep to:
    // an open subscription would never close, its timer firing at once forever. Refused as not valid.
    if (payload.exp !== undefined && Number.isNaN(new Date(payload.exp * 1000).getTime())) {
      throw Object.assign(new Error('the token expires at no representable time'), { code: 'ERR_JWT_CLAIM_VALIDATION_FAILED' });
    }
    return {
      sub: String(payload.sub),
      email: typeof payload.email === 'string' ? payload.email : undefined,
      // OpenID Connect's boolean; some providers write it as a string. Anything there but true or "true" is not a
      // verification (a provider's "false" was taken as none at all, and the address as verified).
      emailVerified: payload.email_verified === undefined ? undefined : payload.email_verified === true || payload.email_verified === 'true',
      exp: payload.exp,
    };
  }
}

function localSecret(config: Config): string {
  const file = path.join(config.dataDir, 'jwt-secret');
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // DATA_DIR is a file (or under one): said as the hub says it (src/db/embedded.ts), not as a secret unreadable.
    if (code === 'ENOTDIR') throw new ConfigError(`DATA_DIR ${config.dataDir} is not a writable folder (ENOTDIR)`);
    if (code !== 'ENOENT') throw new ConfigError(`cannot read the token secret ${file}: ${code}`);
  }
  const secret = crypto.randomBytes(48).toString('base64url');
  try {
    makeFolders(config.dataDir, 0o700);
    fs.writeFileSync(file, secret + '\n', { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // Another process may have created it a moment ago: use theirs.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw new ConfigError(`DATA_DIR ${config.dataDir} is not writable: cannot keep the token secret there`);
  }
  return secret;
}
