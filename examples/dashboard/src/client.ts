import { Client, cacheExchange, fetchExchange } from 'urql';

/** Where the hub answers GraphQL: the page is served by the hub itself, so the same origin. */
export const graphqlUrl = new URL('/graphql', window.location.href).toString();

export interface HubConnection {
  client: Client;
  /** Closes what the connection holds open (nothing yet over plain HTTP). */
  dispose(): void;
}

/**
 * A urql client for one viewer: every request carries the pasted bearer token or API key. A new viewer gets a new
 * client, so nothing one viewer read is ever shown from the cache to the next.
 */
export function connectToHub(token: string | null): HubConnection {
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const client = new Client({
    url: graphqlUrl,
    // POST with a JSON body: the hub's CSRF prevention accepts it as is (a GET query would need an extra header).
    preferGetMethod: false,
    fetchOptions: () => ({ headers }),
    exchanges: [cacheExchange, fetchExchange],
  });
  return { client, dispose() {} };
}
