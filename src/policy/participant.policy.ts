import { ParticipantStatus } from '../../entities/enums';
import type { Participant } from '../../entities/participant.entity';
import { FALSE, raw, Sql, sql, TRUE } from '../db/sql';
import { isAgency, isMember, Viewer } from './viewer';

/** Participants, people and countries (DOMAIN §4; §A.1, §A.2, §B.1, the endorsement paragraph after §D). */
export const participantPolicy = {
  /**
   * Row scope for participants: endorsed participants are public (the plan is open for endorsement and the network is
   * published, §C.1), and so are withdrawn ones, which stay on the public record of the cases they led; applicants and
   * rejected participants are for agencies only, since only agencies may object to an endorsement (paragraph after
   * §D); a person of a non-endorsed organization still reads their own.
   */
  scope(viewer: Viewer, alias: string): Sql {
    if (isAgency(viewer)) return TRUE;
    const p = raw(alias);
    const listed = sql`${p}.status IN (${ParticipantStatus.ENDORSED}, ${ParticipantStatus.WITHDRAWN})`;
    if (viewer.ownOrgId) return sql`(${listed} OR ${p}.id = ${viewer.ownOrgId})`;
    return listed;
  },

  /**
   * Row scope for people: contact details are for the network — AGENCY and PRIVATE viewers see the people of endorsed
   * participants (§A.1, §B.1 points of contact), agencies also applicants' people; everyone sees themself; anonymous
   * callers see nobody else.
   */
  personScope(viewer: Viewer, alias: string): Sql {
    if (isAgency(viewer)) return TRUE;
    const p = raw(alias);
    const self = viewer.personId ? sql`${p}.id = ${viewer.personId}` : FALSE;
    if (isMember(viewer)) {
      return sql`(${self} OR EXISTS (SELECT 1 FROM participant o WHERE o.id = ${p}.organization_id AND o.status = ${ParticipantStatus.ENDORSED}))`;
    }
    return self;
  },

  /** Points of contact, a participant's people and a country's primary contact: the network's members (§A.1, §A.2, §B.1), and a participant's own people. */
  canReadContacts(viewer: Viewer, participant?: Participant): boolean {
    return isMember(viewer) || (!!participant && !!viewer.ownOrgId && participant.id === viewer.ownOrgId);
  },

  /** A participant designates its own point of contact (§A.1, §B.1). */
  canDesignatePointOfContact(viewer: Viewer): boolean {
    return isMember(viewer);
  },

  /** The agencies of a country designate its primary contact (§A.2). */
  canDesignateCountryContact(viewer: Viewer, viewerOrgCountry: string | null, countryCode: string): boolean {
    return isAgency(viewer) && viewerOrgCountry === countryCode;
  },
};
