import { ViewerKind } from '../../entities/enums';

/**
 * The caller, as the policy sees it (DOMAIN §2). `memberOrgId` is the organization through which the viewer has
 * access: set for AGENCY, COORDINATOR and PRIVATE viewers, null for ANONYMOUS ones — including a person whose
 * organization is not (or no longer) endorsed, who keeps only `ownOrgId` to read their own application.
 */
export interface Viewer {
  kind: ViewerKind;
  personId: string | null;
  ownOrgId: string | null;
  memberOrgId: string | null;
}

export const anonymousViewer: Viewer = Object.freeze({ kind: ViewerKind.ANONYMOUS, personId: null, ownOrgId: null, memberOrgId: null });

export function isAgency(v: Viewer): boolean {
  return v.kind === ViewerKind.AGENCY || v.kind === ViewerKind.COORDINATOR;
}

export function isCoordinator(v: Viewer): boolean {
  return v.kind === ViewerKind.COORDINATOR;
}

export function isPrivate(v: Viewer): boolean {
  return v.kind === ViewerKind.PRIVATE;
}

export function isMember(v: Viewer): boolean {
  return isAgency(v) || isPrivate(v);
}
