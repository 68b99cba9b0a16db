import { useQuery } from 'urql';
import { ErrorNote } from './ErrorNote';
import { formatDateTime, words } from './format';
import { graphql } from './gql';
import { RedactionNote, Restricted, redactionsOf } from './redactions';

/**
 * The next conference calls (§A.3) with the segments the hub lets this viewer see: a private-sector member gets only
 * the segments it is invited to and not excluded from — the others are not in the answer at all, not even counted.
 */
const UpcomingCallsQuery = graphql(`
  query UpcomingCalls {
    calls(when: UPCOMING, first: 10) {
      totalCount
      nodes {
        id
        title
        scheduledAt
        durationMinutes
        dialIn
        organizer { name }
        segments {
          id
          title
          topic
          audience
          invited { name }
          discussedCases { reference title }
        }
        exclusions {
          id
          member { name }
          segment { title }
          reason
          withdrawnAt
        }
      }
    }
  }
`);

export function UpcomingCalls() {
  const [{ data, error, fetching, extensions }, refresh] = useQuery({ query: UpcomingCallsQuery });
  const redactions = redactionsOf(extensions);
  const calls = data?.calls;
  return (
    <section aria-labelledby="calls-title">
      <header>
        <h2 id="calls-title">Upcoming calls</h2>
        <span className="meta">soonest first{calls && ` · ${calls.totalCount} visible to you`}</span>
        <button type="button" onClick={() => refresh({ requestPolicy: 'network-only' })} disabled={fetching}>Refresh</button>
      </header>
      {error && <ErrorNote error={error} />}
      {calls && calls.nodes.length === 0 && <p className="empty">No upcoming call is visible to you.</p>}
      {calls?.nodes.map((call) => (
        <article key={call.id} className="call">
          <h3>{call.title}</h3>
          <p className="meta">
            {formatDateTime(call.scheduledAt)} · {call.durationMinutes} min · convened by {call.organizer.name}
            {call.dialIn && <> · dial-in {call.dialIn}</>}
          </p>
          <ol className="segments">
            {call.segments.map((s) => (
              <li key={s.id}>
                <strong>{s.title}</strong> <span className={`audience audience-${s.audience.toLowerCase()}`}>{words(s.audience)}</span>
                <div className="meta">
                  {words(s.topic)}
                  {s.invited.length > 0 && <> · invited: {s.invited.map((m) => m.name).join(', ')}</>}
                  {s.discussedCases.length > 0 && <> · cases: {s.discussedCases.map((c) => c.reference).join(', ')}</>}
                </div>
              </li>
            ))}
          </ol>
          <div className="exclusions">
            Exclusions:{' '}
            <Restricted value={call.exclusions} path="calls.nodes.exclusions" redactions={redactions}>
              {(exclusions) =>
                exclusions.length === 0 ? (
                  <span className="empty">none</span>
                ) : (
                  <ul>
                    {exclusions.map((x) => (
                      <li key={x.id} className={x.withdrawnAt ? 'withdrawn' : undefined}>
                        {x.member.name} from {x.segment ? `“${x.segment.title}”` : 'the whole call'}: {x.reason}
                        {x.withdrawnAt && ' (withdrawn)'}
                      </li>
                    ))}
                  </ul>
                )
              }
            </Restricted>
          </div>
        </article>
      ))}
      <RedactionNote redactions={redactions} />
    </section>
  );
}
