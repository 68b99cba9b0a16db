import { useQuery } from 'urql';
import { ErrorNote } from './ErrorNote';
import { formatDate, words } from './format';
import { graphql } from './gql';
import { RedactionNote, Restricted, redactionsOf } from './redactions';

/**
 * Requests for assistance the viewer may see, as the hub ranks them: highest harm score first, then oldest (§A.5).
 * Requester, recipient and coordinators see a request; only requester and recipient read its details.
 */
const AssistanceQueueQuery = graphql(`
  query AssistanceQueue {
    assistanceRequests(first: 50) {
      totalCount
      nodes {
        id
        title
        harmScore
        status
        createdAt
        requester { name }
        recipient { name }
        recipientGuidance
        case { reference }
        details { description response }
      }
    }
  }
`);

export function AssistanceQueue() {
  const [{ data, error, fetching, extensions }, refresh] = useQuery({ query: AssistanceQueueQuery });
  const redactions = redactionsOf(extensions);
  const queue = data?.assistanceRequests;
  return (
    <section aria-labelledby="queue-title" className="wide">
      <header>
        <h2 id="queue-title">Assistance queue</h2>
        <span className="meta">by harm, highest first{queue && ` · ${queue.totalCount} visible to you`}</span>
        <button type="button" onClick={() => refresh({ requestPolicy: 'network-only' })} disabled={fetching}>Refresh</button>
      </header>
      {error && <ErrorNote error={error} />}
      {queue && queue.nodes.length === 0 && <p className="empty">No request for assistance is visible to you.</p>}
      {queue && queue.nodes.length > 0 && (
        <table>
          <thead>
            <tr><th>Harm</th><th>Request</th><th>From → to</th><th>Status</th><th>Details</th></tr>
          </thead>
          <tbody>
            {queue.nodes.map((r) => (
              <tr key={r.id}>
                <td><span className="harm">{r.harmScore}</span></td>
                <td>
                  <strong>{r.title}</strong>
                  <div className="meta">
                    {formatDate(r.createdAt)}
                    {r.case && <> · case {r.case.reference}</>}
                  </div>
                  {r.recipientGuidance && <div className="meta">Recipient's guidance: {r.recipientGuidance}</div>}
                </td>
                <td>{r.requester.name} → {r.recipient.name}</td>
                <td><span className={`status status-${r.status.toLowerCase()}`}>{words(r.status)}</span></td>
                <td>
                  <Restricted value={r.details} path="assistanceRequests.nodes.details" redactions={redactions}>
                    {(d) => (
                      <>
                        <div>{d.description}</div>
                        {d.response && <div className="meta">Answer: {d.response}</div>}
                      </>
                    )}
                  </Restricted>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <RedactionNote redactions={redactions} />
    </section>
  );
}
