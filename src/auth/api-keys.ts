import crypto from 'node:crypto';

/**
 * API keys for dashboards (DOMAIN §8): `lapk_<8 characters>_<43 characters>`. The first part is the key's prefix,
 * shown in listings and logs so a person can tell keys apart; the rest is 32 random bytes (256 bits). Only the
 * SHA-256 of the whole key is stored: with a secret of that entropy a plain hash is as strong as a slow one, and it
 * lets every request check its key with one hash and one indexed lookup.
 */
export const API_KEY_PATTERN = /^(lapk_[a-z2-7]{8})_([A-Za-z0-9_-]{43})$/;

const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

export interface NewApiKey {
  /** The whole key: shown once, to the person who created it, and never again. */
  secret: string;
  prefix: string;
  hash: Buffer;
}

export function generateApiKey(): NewApiKey {
  const prefixBytes = crypto.randomBytes(8);
  const prefix = 'lapk_' + [...prefixBytes].map((b) => BASE32[b & 31]).join('');
  const secret = `${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
  return { secret, prefix, hash: hashApiKey(secret) };
}

export function hashApiKey(secret: string): Buffer {
  return crypto.createHash('sha256').update(secret, 'utf8').digest();
}

/** The prefix and hash of a presented key, or null when it does not have the shape of one. */
export function parseApiKey(presented: string): { prefix: string; hash: Buffer } | null {
  const match = API_KEY_PATTERN.exec(presented);
  if (!match) return null;
  return { prefix: match[1], hash: hashApiKey(presented) };
}
