import type { ResourceListEntry } from '../../entities/resource-list-entry.entity';
import { isPrivate, Viewer } from './viewer';

/**
 * The resource list (DOMAIN §4 "Participants, people, countries"; §B.2): private-sector representatives list the
 * individuals of their sectors who work on spam enforcement. The rules live in the database: every member sees the
 * entries of organizations endorsed now (`resource_read`, migration ListedPeople), anonymous callers none; each organization lists and unlists its
 * own people only (`lap.resource_entry_manageable`).
 */
export const resourceListPolicy = {
  /** Private-sector representatives establish the list (§B.2): the viewer kind, for the friendly FORBIDDEN. */
  canAdd(viewer: Viewer): boolean {
    return isPrivate(viewer);
  },

  /** Only the listed person's organization takes an entry off the list (`lap.resource_entry_manageable`, with the row). */
  canRemove(_viewer: Viewer, e: ResourceListEntry): boolean {
    return e.removable === true;
  },
};
