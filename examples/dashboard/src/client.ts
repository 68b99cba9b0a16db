import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createContext } from 'react';
import { Client, cacheExchange, fetchExchange, subscriptionExchange } from 'urql';

/** Where the hub answers GraphQL: the page is served by the hub itself, so the same origin. */
export const graphqlUrl = new URL('/graphql', window.location.href).toString();

/** The live connection (graphql-ws) as the page shows it. */
export interface LiveState {
  state: 'idle' | 'connecting' | 'live' | 'reconnecting' | 'stopped';
  /** Why the hub closed it (a close code and reason), when it did. */
  reason?: string;
  /** How many times it connected: a reconnection may have missed events, so panels read their lists again. */
  connections: number;
}

export interface LiveStore {
  get(): LiveState;
  subscribe(listener: () => void): () => void;
}

/** The current viewer's live connection, for the panels that subscribe (App provides it). */
export const LiveContext = createContext<LiveStore>({ get: () => ({ state: 'idle', connections: 0 }), subscribe: () => () => {} });

export interface HubConnection {
  client: Client;
  /** The live connection's state, for `useSyncExternalStore`. */
  live: LiveStore;
  /** Closes the live connection. */
  dispose(): void;
}

/** Close codes after which graphql-ws does not reconnect: the hub refused the token or key (4403), or the protocol. */
const fatal = (code: number) => code === 4403 || code === 4401 || code === 4400 || code === 4406 || code === 4409 || code === 4429 || code === 4500 || code === 1002;

/**
 * A urql client for one viewer: every request carries the pasted bearer token or API key — over HTTP in the
 * `Authorization` header, on the graphql-ws socket (same path, `/graphql`) in `connection_init`. A new viewer gets a
 * new client, so nothing one viewer read is ever shown from the cache to the next.
 */
export function connectToHub(token: string | null): HubConnection {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  let live: LiveState = { state: 'idle', connections: 0 };
  const listeners = new Set<() => void>();
  const set = (next: Partial<LiveState>) => {
    live = { ...live, ...next };
    listeners.forEach((l) => l());
  };

  const ws: WsClient = createWsClient({
    url: graphqlUrl.replace(/^http/, 'ws'),
    connectionParams: headers,
    lazy: true,
    // A dashboard runs unattended: after a restart of the hub or a network cut it reconnects, backing off, for good.
    retryAttempts: Infinity,
    shouldRetry: (event) => !(event && typeof event === 'object' && 'code' in event && fatal((event as CloseEvent).code)),
    on: {
      connecting: () => set({ state: live.connections > 0 ? 'reconnecting' : 'connecting' }),
      connected: () => set({ state: 'live', reason: undefined, connections: live.connections + 1 }),
      closed: (event) => {
        const { code, reason } = (event ?? {}) as CloseEvent;
        if (code === 1000) set({ state: 'idle' });
        else if (code && fatal(code)) set({ state: 'stopped', reason: `${code}${reason ? ` ${reason}` : ''}` });
        else if (live.state !== 'stopped') set({ state: 'reconnecting', reason: code ? `${code}${reason ? ` ${reason}` : ''}` : undefined });
      },
    },
  });

  const client = new Client({
    url: graphqlUrl,
    // POST with a JSON body: the hub's CSRF prevention accepts it as is (a GET query would need an extra header).
    preferGetMethod: false,
    fetchOptions: () => ({ headers }),
    exchanges: [
      cacheExchange,
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const operation = { ...request, query: request.query ?? '' };
          return {
            subscribe(sink) {
              return { unsubscribe: ws.subscribe(operation, sink) };
            },
          };
        },
      }),
    ],
  });

  return {
    client,
    live: {
      get: () => live,
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    dispose() {
      void ws.dispose();
    },
  };
}
