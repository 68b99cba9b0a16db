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
  /**
   * Set when the caller is an API key (DOMAIN §8): the viewer is then the key's organization as a whole — no person,
   * so shares naming persons never reach it — and read-only. Absent or null for people and anonymous callers.
   */
  apiKey?: ApiKeyIdentity | null;
}

/** The API key a request came with, as `lap.api_key_viewer` answered for it. */
export interface ApiKeyIdentity {
  id: string;
  name: string;
  prefix: string;
  expiresAt: Date | null;
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

/** A person of an endorsed participant, acting for it (not an API key): only people write (DOMAIN §8: keys are read-only). */
export function isMemberPerson(v: Viewer): boolean {
  return isMember(v) && v.personId !== null && !v.apiKey;
}

/**
 * An action `viewerCan` offers from the viewer's kind alone (a call's `addSegment`, `exclude`): none to an API key,
 * which is read-only (DOMAIN §8) — every mutation refuses it (`mutationRule`, the `api_key_no_*` policies), so a
 * frontend must not be told it may. Actions answered with the row come from its statement, where the same holds in
 * SQL (`lap.is_person()`, `lap.viewer_api_key() IS NULL`); flags that say what the viewer may read are not actions.
 */
export function offered(v: Viewer, allowed: boolean): boolean {
  return allowed && !v.apiKey;
}

/** The caller is an API key: its organization as a whole, read-only (DOMAIN §8). */
export function isApiKey(v: Viewer): boolean {
  return !!v.apiKey;
}
