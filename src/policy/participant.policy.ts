import { isAgency, isMember, Viewer } from './viewer';

/**
 * Participants, people and countries (DOMAIN §4; §A.1, §A.2, §B.1, the endorsement paragraph after §D).
 *
 * Which participants and people a viewer reads, and which designations it may make, is decided by the database
 * (migration RowLevelSecurity: participant_read with lap.participant_status, the participant_contact and country_contact
 * policies; migration ListedPeople: person_read, the people of participants endorsed now). What stays here depends on the kind of viewer alone: the rule
 * tree's friendly first answer.
 */
export const participantPolicy = {
  /** Contact details serve the network's enforcement communications (§A.1, §B.1): its members. */
  readsContacts(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** A participant designates its own point of contact (§A.1, §B.1): the network's members. */
  canDesignatePointOfContact(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** The agencies of a country designate its primary contact (§A.2); which country is the country_contact policy's. */
  canDesignateCountryContact(viewer: Viewer): boolean {
    return isAgency(viewer);
  },
};
