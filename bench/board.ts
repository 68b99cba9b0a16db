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
