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
  /** Under federation's `_entities`: by representation index, the paths below the entity and their counts. */
  private readonly byEntity = new Map<number, Map<string, number>>();

  /** Notes `count` values left out or nulled at `path` (a list's hidden members: one each). */
  note(path: Path, count = 1): void {
    const keys: string[] = [];
    // The list index right under the root field (a representation's, under `_entities`).
    let rootIndex: number | undefined;
    for (let p: Path | undefined = path; p; p = p.prev) {
      if (typeof p.key === 'string') keys.push(p.key);
      else if (p.prev !== undefined && p.prev.prev === undefined) rootIndex = p.key;
    }
    keys.reverse();
    const key = keys.join('.');
    this.counts.set(key, (this.counts.get(key) ?? 0) + count);
    if (rootIndex !== undefined && keys[0] === '_entities') {
      const below = keys.slice(1).join('.');
      let paths = this.byEntity.get(rootIndex);
      if (!paths) this.byEntity.set(rootIndex, (paths = new Map()));
      paths.set(below, (paths.get(below) ?? 0) + count);
    }
  }

  get size(): number {
    return this.counts.size;
  }

  /**
   * For a gateway: which of the `_entities` representations had parts redacted, and where below the entity
   * (`extensions.redactedEntities`). A gateway that fetched one entity for several places of its client's response
   * (two complaints linking the same case) gives each place its entry; `redacted`'s collapsed paths cannot say which
   * representation an entry was for. Tells the caller nothing the nulls of its own answer do not.
   */
  entityEntries(): Array<{ index: number; path: string; count: number }> {
    return [...this.byEntity]
      .sort(([a], [b]) => a - b)
      .flatMap(([index, paths]) => [...paths].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, count]) => ({ index, path, count })));
  }

  entries(): RedactionEntry[] {
    // Sorted, so that the same query always gets the same extensions whatever order resolvers finished in.
    return [...this.counts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([path, count]) => ({ path, code: 'FORBIDDEN', count }));
  }
}
