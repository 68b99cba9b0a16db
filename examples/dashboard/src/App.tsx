import { useState } from 'react';
import { Provider, useQuery } from 'urql';
import { AssistanceQueue } from './AssistanceQueue';
import { CaseBoard } from './CaseBoard';
import { connectToHub, LiveContext } from './client';
import { EarlyWarnings } from './EarlyWarnings';
import { ErrorNote } from './ErrorNote';
import { words } from './format';
import { graphql } from './gql';
import { SignIn } from './SignIn';
import { UpcomingCalls } from './UpcomingCalls';

/** The token stays in this browser tab only (sessionStorage): closing the tab signs out. */
const TOKEN_KEY = 'lap-hub-dashboard-token';

const ViewerQuery = graphql(`
  query Viewer {
    me {
      kind
      person { name }
      organization { name }
      apiKey { name prefix }
    }
  }
`);

export function App() {
  const [token, setToken] = useState<string | null>(() => sessionStorage.getItem(TOKEN_KEY));
  // One connection per viewer: signing in or out closes the old one and starts from an empty cache.
  const [hub, setHub] = useState(() => connectToHub(token));

  function changeToken(next: string | null) {
    if (next) sessionStorage.setItem(TOKEN_KEY, next);
    else sessionStorage.removeItem(TOKEN_KEY);
    hub.dispose();
    setHub(connectToHub(next));
    setToken(next);
  }

  return (
    <Provider value={hub.client}>
      <LiveContext.Provider value={hub.live}>
        <Dashboard key={token ?? ''} signedIn={token !== null} onToken={changeToken} />
      </LiveContext.Provider>
    </Provider>
  );
}

function Dashboard({ signedIn, onToken }: { signedIn: boolean; onToken: (token: string | null) => void }) {
  const [{ data, error }] = useQuery({ query: ViewerQuery });
  const refused = error?.graphQLErrors.some((e) => e.extensions?.code === 'UNAUTHENTICATED') ?? false;
  const me = data?.me;
  return (
    <>
      <header className="top">
        <h1>LAP Hub · partner dashboard</h1>
        <div className="viewer" data-viewer-kind={me?.kind}>
          {me && (
            <>
              <strong>{me.person?.name ?? me.organization?.name ?? 'Anonymous'}</strong>
              {me.person && me.organization && <> · {me.organization.name}</>}
              {me.apiKey && (
                <span className="api-key">
                  {' '}· API key “{me.apiKey.name}” ({me.apiKey.prefix}…), read-only
                </span>
              )}
              <span className="kind">{words(me.kind)}</span>
            </>
          )}
        </div>
        <SignIn signedIn={signedIn} onToken={onToken} />
      </header>
      {refused ? (
        <p className="error" role="alert">
          The hub refused this token (expired, wrongly signed, revoked or for an unknown person). Sign out and paste a
          new one.
        </p>
      ) : error ? (
        <ErrorNote error={error} />
      ) : (
        me && (
          <main>
            {me.kind === 'ANONYMOUS' && (
              <p className="hint">
                You are anonymous: only TLP:CLEAR cases are visible. Sign in with a demo person's token or an API key.
              </p>
            )}
            <div className="grid">
              <AssistanceQueue />
              <UpcomingCalls />
              <EarlyWarnings />
              <CaseBoard canAskForAccess={me.kind !== 'ANONYMOUS' && me.person !== null && me.person !== undefined} />
            </div>
          </main>
        )
      )}
    </>
  );
}
