import type { ReactNode } from 'react';

/**
 * One entry of the hub's `extensions.redacted` (DOMAIN.md §3): a part of rows the viewer may see that the viewer may
 * not read. The part is `null` in `data`, without an entry in `errors`; the response names the path once, list indexes
 * collapsed (`cases.nodes.confidential`), with how many values were withheld there.
 */
export interface Redaction {
  path: string;
  code: string;
  count: number;
}

/** The redactions of one urql result (`result.extensions`), by path. */
export function redactionsOf(extensions: Record<string, unknown> | undefined): Map<string, Redaction> {
  const byPath = new Map<string, Redaction>();
  const list = extensions?.redacted;
  if (!Array.isArray(list)) return byPath;
  for (const entry of list as unknown[]) {
    if (!entry || typeof entry !== 'object') continue;
    const { path, code, count } = entry as Record<string, unknown>;
    if (typeof path !== 'string') continue;
    byPath.set(path, { path, code: typeof code === 'string' ? code : 'FORBIDDEN', count: typeof count === 'number' ? count : 0 });
  }
  return byPath;
}

/** How a withheld part shows: never as an empty value, always as "redacted: <reason>". */
export function RedactedMark({ reason }: { reason: string }) {
  return (
    <span className="redacted" data-redacted={reason} title="The hub withheld this part from you">
      redacted: {reason}
    </span>
  );
}

/**
 * A part of a row that the hub may withhold. `value` non-null: rendered by `children`. Null where the response's
 * `extensions.redacted` names `path`: shown as redacted, with `reason` when the row says why (else the entry's code).
 * Null anywhere else: the part is simply empty.
 *
 * An entry names a path, not a row: use this for parts that are never null when readable (a case's confidential tier,
 * a request's details, a call's exclusions), so that a null there is a withheld one.
 */
export function Restricted<T>(props: {
  value: T | null | undefined;
  path: string;
  redactions: Map<string, Redaction>;
  reason?: string | null;
  children: (value: T) => ReactNode;
}) {
  const { value, path, redactions, reason, children } = props;
  if (value !== null && value !== undefined) return <>{children(value)}</>;
  const entry = redactions.get(path);
  if (entry) return <RedactedMark reason={reason ?? entry.code} />;
  return <span className="empty">—</span>;
}

/** The response's redactions, listed under a panel: what was withheld from this viewer there and how often. */
export function RedactionNote({ redactions }: { redactions: Map<string, Redaction> }) {
  if (redactions.size === 0) return null;
  return (
    <p className="redaction-note">
      Withheld from you in this panel (the response's <code>extensions.redacted</code>):{' '}
      {[...redactions.values()].map((r, i) => (
        <span key={r.path}>
          {i > 0 && ', '}
          <code>{r.path}</code> ×{r.count} ({r.code})
        </span>
      ))}
    </p>
  );
}
