import { useState } from 'react';
import { useQuery } from 'urql';
import { ErrorNote } from './ErrorNote';
import { formatUsd, words } from './format';
import { graphql } from './gql';
import { RedactionNote, Restricted, redactionsOf } from './redactions';
import { RequestAccess } from './RequestAccess';

/**
 * The case board: every case this viewer may see (TLP and shares decide), highest harm first. The confidential tier
 * comes only to the lead agency's people and those a share reaches; for anyone else it is null and the response's
 * `extensions.redacted` names `cases.nodes.confidential`: the board shows it as redacted, never as empty.
 */
const CaseBoardQuery = graphql(`
  query CaseBoard($first: Int!) {
    cases(first: $first, orderBy: HARM) {
      totalCount
      nodes {
        id
        reference
        title
        tlp
        status
        harmScore
        leadAgency { name }
        countries { code }
        viewerCan { readConfidential }
        confidentialAccess { allowed reason }
        viewerAccessRequest { id status createdAt declineReason }
        confidential {
          summary
          suspects
          victimCount
          estimatedLossUsd
        }
      }
    }
  }
`);

const PAGE = 100;
const MAX_PAGE = 1000;

/** `canAskForAccess`: the viewer is a person of the network (anonymous callers and read-only API keys cannot ask). */
export function CaseBoard({ canAskForAccess }: { canAskForAccess: boolean }) {
  // A longer page on "Show more" (the hub answers up to 1,000 rows a page): one query, one snapshot, one redaction list.
  const [first, setFirst] = useState(PAGE);
  const [{ data, error, fetching, extensions }, refresh] = useQuery({ query: CaseBoardQuery, variables: { first } });
  const redactions = redactionsOf(extensions);
  const board = data?.cases;
  return (
    <section aria-labelledby="board-title" className="wide">
      <header>
        <h2 id="board-title">Case board</h2>
        <span className="meta">
          by harm, highest first
          {board && ` · ${board.nodes.length < board.totalCount ? `the first ${board.nodes.length} of ` : ''}${board.totalCount} visible to you`}
        </span>
        <button type="button" onClick={() => refresh({ requestPolicy: 'network-only' })} disabled={fetching}>Refresh</button>
      </header>
      {error && <ErrorNote error={error} />}
      {board && board.nodes.length === 0 && <p className="empty">No case is visible to you.</p>}
      {board && board.nodes.length > 0 && (
        <table>
          <thead>
            <tr><th>Harm</th><th>Case</th><th>TLP</th><th>Status</th><th>Lead agency</th><th>Confidential tier</th></tr>
          </thead>
          <tbody>
            {board.nodes.map((c) => (
              <tr key={c.id} data-case={c.reference}>
                <td><span className="harm">{c.harmScore}</span></td>
                <td>
                  <strong>{c.reference}</strong> {c.title}
                  <div className="meta">{c.countries.map((country) => country.code).join(' · ')}</div>
                </td>
                <td><span className={`tlp tlp-${c.tlp.toLowerCase()}`}>{c.tlp}</span></td>
                <td>{words(c.status)}</td>
                <td>{c.leadAgency.name}</td>
                <td className="confidential">
                  <div className="tier">
                    <Restricted
                      value={c.confidential}
                      path="cases.nodes.confidential"
                      redactions={redactions}
                      reason={c.confidentialAccess.allowed ? null : c.confidentialAccess.reason}
                    >
                      {(tier) => (
                        <>
                          <div>{tier.summary}</div>
                          <div className="meta">
                            {tier.victimCount.toLocaleString()} victims · {formatUsd(tier.estimatedLossUsd)} lost
                            {tier.suspects.length > 0 && <> · suspects: {tier.suspects.join(', ')}</>}
                          </div>
                        </>
                      )}
                    </Restricted>
                  </div>
                  {canAskForAccess && !c.confidentialAccess.allowed && (
                    <RequestAccess caseId={c.id} reference={c.reference} latest={c.viewerAccessRequest} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {board && board.nodes.length < board.totalCount && first < MAX_PAGE && (
        <button type="button" onClick={() => setFirst(Math.min(first + PAGE, MAX_PAGE))} disabled={fetching}>
          Show more
        </button>
      )}
      <RedactionNote redactions={redactions} />
    </section>
  );
}
