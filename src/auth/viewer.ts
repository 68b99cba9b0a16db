import type { DataSource } from 'typeorm';
import { ViewerKind } from '../../entities/enums';
import { lookupViewer } from '../db/viewer-db';
import { unauthenticated } from '../graphql/errors';
import { isUuid } from '../data/batch';
import { anonymousViewer, Viewer } from '../policy/viewer';
import type { TokenService } from './tokens';

/**
 * The viewer of a request from its Authorization header. No header: ANONYMOUS. A header that is malformed, or a token
 * that is expired, wrongly signed or for an unknown person: UNAUTHENTICATED (HTTP 401), never silently anonymous.
 */
export async function viewerFromHeader(header: string | undefined, tokens: TokenService, ds: DataSource, now: Date): Promise<Viewer> {
  return (await credentialFromHeader(header, tokens, ds, now)).viewer;
}

/**
 * What a connection that outlives one request (a subscription) keeps of its credential, so that it can be checked
 * again at every delivery (src/live/dispatcher.ts): for a token, the person it names and when it expires.
 */
export type Credential =
  | { kind: 'anonymous' }
  | { kind: 'token'; personId: string; expiresAt: Date | null };

/** `viewerFromHeader`, with the credential it was derived from. */
export async function credentialFromHeader(
  header: string | undefined,
  tokens: TokenService,
  ds: DataSource,
  now: Date,
): Promise<{ viewer: Viewer; credential: Credential }> {
  if (header === undefined || header === '') return { viewer: anonymousViewer, credential: { kind: 'anonymous' } };
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header.trim());
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  let claims;
  try {
    claims = await tokens.verify(match[1]);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'The token has expired' : 'The token is not valid');
  }
  // Our own tokens carry the person id; an external identity provider's carry the email. The database decides the
  // kind of viewer (lap.viewer_of: a person is a member only while their organization is endorsed at this moment).
  const person = isUuid(claims.sub) ? claims.sub : null;
  if (!person && !claims.email) throw unauthenticated('The token is for no known person');
  const row = await lookupViewer(ds, person, person ? null : claims.email ?? null, now);
  if (!row) throw unauthenticated('The token is for no known person');
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
