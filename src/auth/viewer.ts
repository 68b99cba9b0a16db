import type { DataSource } from 'typeorm';
import { ParticipantKind, ParticipantStatus, ViewerKind } from '../../entities/enums';
import { unauthenticated } from '../graphql/errors';
import { isUuid } from '../loaders';
import { anonymousViewer, Viewer } from '../policy/viewer';
import type { TokenService } from './tokens';

interface PersonRow {
  id: string;
  organization_id: string;
  kind: ParticipantKind;
  status: ParticipantStatus;
  is_coordinator: boolean;
}

/** The viewer kind of a person (DOMAIN §2): their organization must be endorsed for any access beyond their own application. */
export function viewerKindOf(row: Pick<PersonRow, 'kind' | 'status' | 'is_coordinator'>): ViewerKind {
  if (row.status !== ParticipantStatus.ENDORSED) return ViewerKind.ANONYMOUS;
  if (row.kind === ParticipantKind.AGENCY) return row.is_coordinator ? ViewerKind.COORDINATOR : ViewerKind.AGENCY;
  return ViewerKind.PRIVATE;
}

const personQuery = `SELECT pe.id, pe.organization_id, p.kind, p.status, p.is_coordinator
  FROM person pe JOIN participant p ON p.id = pe.organization_id`;

/**
 * The viewer of a request from its Authorization header. No header: ANONYMOUS. A header that is malformed, or a token
 * that is expired, wrongly signed or for an unknown person: UNAUTHENTICATED (HTTP 401), never silently anonymous.
 */
export async function viewerFromHeader(header: string | undefined, tokens: TokenService, ds: DataSource): Promise<Viewer> {
  if (header === undefined || header === '') return anonymousViewer;
  const match = /^Bearer ([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*)$/.exec(header.trim());
  if (!match) throw unauthenticated('The Authorization header must be "Bearer <token>"');
  let claims;
  try {
    claims = await tokens.verify(match[1]);
  } catch (err) {
    const code = (err as { code?: string }).code;
    throw unauthenticated(code === 'ERR_JWT_EXPIRED' ? 'The token has expired' : 'The token is not valid');
  }
  // Our own tokens carry the person id; an external identity provider's carry the email.
  const rows = (isUuid(claims.sub)
    ? await ds.query(`${personQuery} WHERE pe.id = $1`, [claims.sub])
    : claims.email
      ? await ds.query(`${personQuery} WHERE lower(pe.email) = lower($1)`, [claims.email])
      : []) as PersonRow[];
  if (rows.length === 0) throw unauthenticated('The token is for no known person');
  const row = rows[0];
  const kind = viewerKindOf(row);
  return {
    kind,
    personId: row.id,
    ownOrgId: row.organization_id,
    memberOrgId: kind === ViewerKind.ANONYMOUS ? null : row.organization_id,
  };
}
