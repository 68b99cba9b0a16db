import { ParticipantStatus } from '../../entities/enums';
import type { ResourceListEntry } from '../../entities/resource-list-entry.entity';
import { FALSE, raw, Sql, sql } from '../db/sql';
import { isMember, isPrivate, Viewer } from './viewer';

/**
 * The resource list (DOMAIN §4 "Participants, people, countries"; §B.2): private-sector representatives list the
 * individuals of their sectors who work on spam enforcement.
 */
export const resourceListPolicy = {
  /**
   * Row scope: AGENCY and PRIVATE viewers see every entry of an endorsed organization (contact details are for the
   * network, §B.1–2); anonymous callers none. An organization that is no longer endorsed drops off the list.
   */
  scope(viewer: Viewer, alias: string): Sql {
    if (!isMember(viewer)) return FALSE;
    return sql`EXISTS (SELECT 1 FROM participant ro WHERE ro.id = ${raw(alias)}.organization_id AND ro.status = ${ParticipantStatus.ENDORSED})`;
  },

  /** Private-sector representatives establish the list, each for its own people (§B.2). */
  canAdd(viewer: Viewer): boolean {
    return isPrivate(viewer);
  },

  /** Only the listed person's organization takes an entry off the list (§B.2). */
  canRemove(viewer: Viewer, e: ResourceListEntry): boolean {
    return isPrivate(viewer) && e.organizationId === viewer.memberOrgId;
  },
};
