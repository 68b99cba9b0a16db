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

  note(path: Path): void {
    const keys: Array<string | number> = [];
    for (let p: Path | undefined = path; p; p = p.prev) keys.push(p.key);
    keys.reverse();
    const key = keys.filter((k): k is string => typeof k === 'string').join('.');
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (keys[0] === '_entities' && typeof keys[1] === 'number') {
      const below = keys.slice(2).filter((k): k is string => typeof k === 'string').join('.');
      let paths = this.byEntity.get(keys[1]);
      if (!paths) this.byEntity.set(keys[1], (paths = new Map()));
      paths.set(below, (paths.get(below) ?? 0) + 1);
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
