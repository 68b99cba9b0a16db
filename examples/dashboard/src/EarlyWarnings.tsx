import { useQuery } from 'urql';
import { ErrorNote } from './ErrorNote';
import { formatDateTime } from './format';
import { graphql } from './gql';
import { RedactionNote, redactionsOf } from './redactions';

/** The early-warning feed (§B.3.a.v): EARLY_WARNING reports this viewer may read (their TLP and recipients), newest first. */
const EarlyWarningsQuery = graphql(`
  query EarlyWarnings {
    earlyWarnings(first: 20) {
      totalCount
      nodes {
        id
        title
        body
        tlp
        publishedAt
        authorOrganization { name }
      }
    }
  }
`);

export function EarlyWarnings() {
  const [{ data, error, fetching, extensions }, refresh] = useQuery({ query: EarlyWarningsQuery });
  const redactions = redactionsOf(extensions);
  const feed = data?.earlyWarnings;
  return (
    <section aria-labelledby="warnings-title">
      <header>
        <h2 id="warnings-title">Early warnings</h2>
        <span className="meta">newest first{feed && ` · ${feed.totalCount} visible to you`}</span>
        <button type="button" onClick={() => refresh({ requestPolicy: 'network-only' })} disabled={fetching}>Refresh</button>
      </header>
      <p className="disabled-feature" data-disabled="live-feed">
        Live updates are off: they need the hub's subscriptions (<code>earlyWarningPublished</code> over graphql-ws),
        which this hub's schema does not have yet. Refresh to see new warnings.
      </p>
      {error && <ErrorNote error={error} />}
      {feed && feed.nodes.length === 0 && <p className="empty">No early warning is visible to you.</p>}
      <ul className="feed">
        {feed?.nodes.map((w) => (
          <li key={w.id}>
            <span className={`tlp tlp-${w.tlp.toLowerCase()}`}>TLP:{w.tlp}</span> <strong>{w.title}</strong>
            <div className="meta">{w.authorOrganization.name} · {formatDateTime(w.publishedAt)}</div>
            <p>{w.body}</p>
          </li>
        ))}
      </ul>
      <RedactionNote redactions={redactions} />
    </section>
  );
}
