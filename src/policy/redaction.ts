import type { Path } from 'graphql/jsutils/Path';

export interface RedactionEntry {
  path: string;
  code: 'FORBIDDEN';
  count: number;
}

/**
 * The parts of visible rows that a request was not allowed to read (DOMAIN §3): each resolves to null without an entry
 * in `errors`; the response carries one `extensions.redacted` entry per path, list indexes collapsed
 * (`cases.nodes.confidential`), with how many values were redacted there.
 */
export class Redactions {
  private readonly counts = new Map<string, number>();

  note(path: Path): void {
    const keys: string[] = [];
    for (let p: Path | undefined = path; p; p = p.prev) {
      if (typeof p.key === 'string') keys.push(p.key);
    }
    const key = keys.reverse().join('.');
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  get size(): number {
    return this.counts.size;
  }

  entries(): RedactionEntry[] {
    // Sorted, so that the same query always gets the same extensions whatever order resolvers finished in.
    return [...this.counts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, count]) => ({ path, code: 'FORBIDDEN', count }));
  }
}
