/**
 * The fields of a row of the case board, as every phase of the bench asks for them: the listing fields, the lead
 * agency and its country, the countries, the confidential tier's summary (where the viewer may read it) and the
 * viewer's rights.
 */
export const BOARD_NODE_FIELDS = `id reference title status categories tlp openedAt harmScore
      leadAgency { name country { code } }
      countries { code }
      confidential { summary }
      viewerCan { readConfidential edit share }`;

/** The case detail as every phase of the bench asks for it: every field, the confidential tier with its shares. */
export const DETAIL_QUERY = `query CaseDetail($id: ID!) {
  case(id: $id) {
    id reference title status categories tlp openedAt harmScore
    countries { code name developing }
    leadAgency { id kind name status appliedAt endorsedAt competences isCoordinator country { code name developing } }
    viewerCan { readConfidential edit share }
    confidential {
      summary suspects evidence investigatorNotes victimCount estimatedLossUsd vulnerableVictims ongoingHarm
      shares {
        id grantedAt
        grantedBy { id name email phone title }
        participant { id kind name status country { code } }
        recipients { id name email phone title }
      }
    }
  }
}`;

/** The call agenda as every phase of the bench asks for it: the next 20 calls with their segments and discussed cases. */
export const AGENDA_QUERY = `query CallAgenda {
  calls(first: 20, when: UPCOMING) {
    totalCount
    nodes {
      id title scheduledAt durationMinutes dialIn
      organizer { name }
      segments {
        order title topic audience minutes
        discussedCases { id reference title tlp harmScore }
      }
    }
  }
}`;
