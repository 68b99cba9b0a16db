import type { CombinedError } from 'urql';

/** A request that failed: the hub's message and code, or the network error. */
export function ErrorNote({ error }: { error: CombinedError }) {
  if (error.networkError && error.graphQLErrors.length === 0) {
    return <p className="error">The hub did not answer: {error.networkError.message}</p>;
  }
  return (
    <ul className="error">
      {error.graphQLErrors.map((e, i) => (
        <li key={i}>
          {e.message}
          {typeof e.extensions?.code === 'string' && <code> {e.extensions.code}</code>}
        </li>
      ))}
    </ul>
  );
}
