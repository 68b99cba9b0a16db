import { useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import { useQuery, useSubscription } from 'urql';
import { LiveContext, type LiveState } from './client';
import { ErrorNote } from './ErrorNote';
import { formatDateTime } from './format';
import { graphql } from './gql';
import type { EarlyWarningPublishedSubscription } from './gql/graphql';
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

/**
 * New early warnings as they are published (graphql-ws, DOMAIN.md §7): the hub checks at each delivery that this
 * viewer may read the report, and sends nothing otherwise.
 */
const PublishedWarnings = graphql(`
  subscription EarlyWarningPublished {
    earlyWarningPublished {
      id
      title
      body
      tlp
      publishedAt
      authorOrganization { name }
    }
  }
`);

type Warning = EarlyWarningPublishedSubscription['earlyWarningPublished'];

function liveText(live: LiveState): string {
  switch (live.state) {
    case 'live':
      return 'live';
    case 'idle':
    case 'connecting':
      return 'connecting…';
    case 'reconnecting':
      return `reconnecting…${live.reason ? ` (${live.reason})` : ''}`;
    case 'stopped':
      return `live updates stopped: the hub closed the connection (${live.reason}); sign in again`;
  }
}

export function EarlyWarnings() {
  const [{ data, error, fetching, extensions }, refresh] = useQuery({ query: EarlyWarningsQuery });
  const feed = data?.earlyWarnings;
  const store = useContext(LiveContext);
  const live = useSyncExternalStore(store.subscribe, store.get);
  // Every warning received since the page opened, newest first.
  const [{ data: received, error: liveError }] = useSubscription(
    { query: PublishedWarnings },
    (seen: Warning[] = [], event: EarlyWarningPublishedSubscription): Warning[] => [event.earlyWarningPublished, ...seen.filter((w) => w.id !== event.earlyWarningPublished.id)],
  );
  // After a reconnection, read the list again: warnings published while the socket was down were not delivered.
  const connections = useRef(live.connections);
  useEffect(() => {
    if (live.connections > 1 && live.connections !== connections.current) refresh({ requestPolicy: 'network-only' });
    connections.current = live.connections;
  }, [live.connections, refresh]);

  const redactions = redactionsOf(extensions);
  const listed = feed?.nodes ?? [];
  const fresh = (received ?? []).filter((w) => !listed.some((l) => l.id === w.id));
  const warnings = [...fresh, ...listed];
  return (
    <section aria-labelledby="warnings-title">
      <header>
        <h2 id="warnings-title">Early warnings</h2>
        <span className="meta">
          newest first{feed && ` · ${feed.totalCount + fresh.length} visible to you`} ·{' '}
          <span className={`live live-${live.state}`} data-live={live.state}>{liveText(live)}</span>
        </span>
        <button type="button" onClick={() => refresh({ requestPolicy: 'network-only' })} disabled={fetching}>Refresh</button>
      </header>
      {error && <ErrorNote error={error} />}
      {liveError && live.state !== 'stopped' && <ErrorNote error={liveError} />}
      {feed && warnings.length === 0 && <p className="empty">No early warning is visible to you.</p>}
      <ul className="feed">
        {warnings.map((w) => (
          <li key={w.id} data-warning={w.id} className={fresh.includes(w) ? 'fresh' : undefined}>
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
