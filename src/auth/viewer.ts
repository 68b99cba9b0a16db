import type { DataSource } from 'typeorm';
import { ViewerKind } from '../../entities/enums';
import { apiKeyActive, lookupApiKey, lookupViewer, peopleWhoLeft, RequestConnection } from '../db/viewer-db';
import type { StatementCount } from '../db/statement-counter';
import { serviceUnavailable, unauthenticated } from '../graphql/errors';
import { isUuid } from '../data/batch';
import { anonymousViewer, Viewer } from '../policy/viewer';
import { parseApiKey } from './api-keys';
import { IdentityProviderUnavailable, type TokenService } from './tokens';
import { bearerCredential } from '../http/authorization';

/**
 * The viewer of a request from its Authorization header. No header: ANONYMOUS. A header that is malformed, or a token
 * that is expired, wrongly signed or for an unknown person: UNAUTHENTICATED (HTTP 401), never silently anonymous.
 * `Bearer lapk_…` is an API key (DOMAIN §8): its organization as a whole.
 */
export async function viewerFromHeader(header: string | undefined, tokens: TokenService, ds: DataSource, now: Date): Promise<Viewer> {
  return (await credentialFromHeader(header, tokens, ds, now)).viewer;
}

/** The refusal of a token whose person has left the network (`npm run admin -- leave`). */
export const PERSON_LEFT_MESSAGE = 'The token is for a person who has left the network';

/**
 * What a connection that outlives one request (a subscription) keeps of its credential, so that it can be checked
 * again at every delivery (src/live/dispatcher.ts): for a token, the person it names and when it expires; for an API
 * key, the key (revoked, expired, or its organization no longer endorsed: it stops working, DOMAIN §8).
 */
export type Credential =
  | { kind: 'anonymous' }
  | { kind: 'token'; personId: string; expiresAt: Date | null }
  | { kind: 'apiKey'; keyId: string; expiresAt: Date | null };

/**
 * How a credential is looked up in the database: on a connection of its own (`lookupViewer`, `lookupApiKey`), or on the
 * request's connection, beginning its transaction (`RequestConnection`).
 */
export interface CredentialLookups {
  viewerOf(personId: string | null, email: string | null): ReturnType<RequestConnection['lookupViewer']>;
  apiKey(prefix: string, hash: Buffer): ReturnType<RequestConnection['lookupApiKey']>;
}

export function ownLookups(ds: DataSource, now: Date, count: StatementCount | null = null): CredentialLookups {
  return {
    viewerOf: (personId, email) => lookupViewer(ds, personId, email, now, count),
    apiKey: (prefix, hash) => lookupApiKey(ds, prefix, hash, now, count),
  };
}

/** The lookups of a request's connection: the credential's lookup begins the request's transaction. */
export function requestLookups(connection: RequestConnection): CredentialLookups {
  return {
    viewerOf: (personId, email) => connection.lookupViewer(personId, email),
    apiKey: (prefix, hash) => connection.lookupApiKey(prefix, hash),
  };
}

/** `viewerFromHeader`, with the credential it was derived from. */
export async function credentialFromHeader(
  header: string | undefined,
  tokens: TokenService,
  ds: DataSource,
  now: Date,
  lookups: CredentialLookups = ownLookups(ds, now),
): Promise<{ viewer: Viewer; credential: Credential }> {
  if (header === undefined || header === '') return { viewer: anonymousViewer, credential: { kind: 'anonymous' } };
  const presented = bearerCredential(header);
  // Not one credential after the Bearer scheme (another scheme, none, two): the header's form is wrong.
  if (presented === '' || /\s/.test(presented)) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  if (presented.startsWith('lapk_')) {
    const viewer = await viewerFromApiKey(presented, ds, now, lookups);
    return { viewer, credential: { kind: 'apiKey', keyId: viewer.apiKey!.id, expiresAt: viewer.apiKey!.expiresAt } };
  }
  const match = /^([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(presented);
  // A Bearer credential that is neither a token (three dot-separated parts) nor an API key: the credential is wrong.
  if (!match) throw unauthenticated('The token is not valid');
  let claims;
  try {
    claims = await tokens.verify(match[1]);
  } catch (err) {
    // The provider's keys could not be had: the token may be good, so not UNAUTHENTICATED (a client would drop it).
    if (err instanceof IdentityProviderUnavailable) throw serviceUnavailable('The identity provider cannot be reached to check the token: try again shortly', 5, err);
    const code = (err as { code?: string }).code;
    throw unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'The token has expired' : 'The token is not valid');
  }
  // Our own tokens carry the person id; an external identity provider's name the person by their email only, whatever
  // its `sub` looks like (a provider's UUID subject is no person id of the hub's). The database decides the kind of
  // viewer (lap.viewer_of: a person is a member only while their organization is endorsed at this moment).
  const person = !tokens.external && isUuid(claims.sub) ? claims.sub : null;
  if (!person && !claims.email) throw unauthenticated(tokens.external ? 'The token has no email claim to name its person by' : 'The token is for no known person');
  if (tokens.external) {
    // An address the provider says it has not verified names nobody: at a provider that lets users type their own
    // address, it would name whoever the user typed.
    if (claims.emailVerified === false) throw unauthenticated('The identity provider has not verified the token’s email');
    // Matched case-insensitively in ASCII only: PostgreSQL's lower() folds some other letters into ASCII ones (the
    // dotted capital İ into i), so that another address would name a person of the hub.
    if (!/^[\x21-\x7e]+$/.test(claims.email!)) throw unauthenticated('The token’s email is not an address of the hub’s people (printable ASCII only, no spaces)');
  }
  const email = person ? null : claims.email ?? null;
  const row = await lookups.viewerOf(person, email);
  if (!row) {
    // Why nobody: a person who has left is told so (the token is theirs), not sent looking for a typo.
    const left = (await peopleWhoLeft(ds, person ? [person] : [], email)).size > 0;
    throw unauthenticated(left ? PERSON_LEFT_MESSAGE : 'The token is for no known person');
  }
  return {
    viewer: viewerOfRow(row),
    credential: { kind: 'token', personId: row.person_id, expiresAt: claims.exp === undefined ? null : new Date(claims.exp * 1000) },
  };
}

/** The viewer `lap.viewer_of` describes. */
export function viewerOfRow(row: { person_id: string; own_org: string; kind: string }): Viewer {
  const kind = row.kind as ViewerKind;
  return {
    kind,
    personId: row.person_id,
    ownOrgId: row.own_org,
    memberOrgId: kind === ViewerKind.ANONYMOUS ? null : row.own_org,
  };
}

/**
 * The viewer of an API key, checked on every request: unknown, revoked or expired keys, and keys of an organization
 * that is no longer endorsed, are UNAUTHENTICATED. The viewer has no person.
 */
export async function viewerFromApiKey(presented: string, ds: DataSource, now: Date, lookups: CredentialLookups = ownLookups(ds, now)): Promise<Viewer> {
  const parsed = parseApiKey(presented);
  if (!parsed) throw unauthenticated('The API key is not valid');
  const row = await lookups.apiKey(parsed.prefix, parsed.hash);
  if (!row) throw unauthenticated('The API key is not valid');
  if (row.revoked) throw unauthenticated('The API key has been revoked');
  if (row.expired) throw unauthenticated('The API key has expired');
  if (row.kind === ViewerKind.ANONYMOUS) throw unauthenticated('The API key’s organization is not an endorsed participant');
  return {
    kind: row.kind as ViewerKind,
    personId: null,
    ownOrgId: row.own_org,
    memberOrgId: row.own_org,
    apiKey: { id: row.api_key_id, name: row.name, prefix: row.prefix, expiresAt: row.expires_at },
  };
}

/**
 * Whether a viewer resolved earlier may still read at `now`: always for people and anonymous callers (their tokens'
 * own expiry is checked where they are kept), and for an API key only while it is neither revoked nor expired and its
 * organization is endorsed.
 */
export async function viewerStillValid(viewer: Viewer, ds: DataSource, now: Date): Promise<boolean> {
  if (!viewer.apiKey) return true;
  return (await apiKeyActive(ds, [viewer.apiKey.id], now)).has(viewer.apiKey.id);
}
