import DataLoader from 'dataloader';
import type { Sql } from '../db/sql';
import { sql } from '../db/sql';

type Row = Record<string, unknown>;

/**
 * A DataLoader that also answers synchronously for keys it has already loaded (`peek`), so that a list whose rows were
 * prefetched in one batch resolves each row's field without a promise per row. Same request-scoped cache, same
 * clearing: a cleared key is forgotten by both.
 */
export class PeekLoader<K, V> extends DataLoader<K, V> {
  private readonly loaded: Map<K, V>;
  private readonly batchValues: (keys: readonly K[]) => Promise<V[]>;
  /** Keys a `prefetch` is reading, each with that read. */
  private readonly reading = new Map<K, Promise<void>>();

  constructor(batch: (keys: readonly K[]) => Promise<V[]>) {
    const loaded = new Map<K, V>();
    super(async (keys) => {
      const values = await batch(keys);
      // An Error for a key is DataLoader's to reject with, never a value to peek (as in `prefetch` and `prime`).
      keys.forEach((k, i) => {
        if (!(values[i] instanceof Error)) loaded.set(k, values[i]);
      });
      return values;
    });
    this.loaded = loaded;
    this.batchValues = batch;
  }

  /** The value loaded for this key in this request, or undefined when it has not been loaded (yet). */
  peek(key: K): V | undefined {
    return this.loaded.get(key);
  }

  /**
   * Loads the keys not loaded yet, in one batch sent at once, for the rows of a list to `peek`. Unlike `loadMany`, it
   * makes no promise per key: DataLoader makes two for each key and keeps them for the request's life, and a request's
   * page holds hundreds of keys across its round trips, where the garbage collector copies whatever it holds. A key
   * another `prefetch` is reading is waited for, not read again. A failed read is left to the fields: they find nothing
   * to peek and `load` their key themselves, which answers with the error.
   */
  prefetch(keys: Iterable<K>): Promise<void> {
    const missing = new Set<K>();
    const waits = new Set<Promise<void>>();
    for (const k of keys) {
      if (this.loaded.has(k) || missing.has(k)) continue;
      const other = this.reading.get(k);
      if (other) waits.add(other);
      else missing.add(k);
    }
    if (missing.size > 0) {
      const list = [...missing];
      const read: Promise<void> = this.batchValues(list).then(
        (values) => {
          list.forEach((k, i) => {
            // A key cleared meanwhile (`clear`) is not this read's to fill in.
            if (this.reading.get(k) !== read) return;
            this.reading.delete(k);
            if (!this.loaded.has(k) && !(values[i] instanceof Error)) this.loaded.set(k, values[i]);
          });
        },
        () => {
          for (const k of list) if (this.reading.get(k) === read) this.reading.delete(k);
        },
      );
      for (const k of list) this.reading.set(k, read);
      waits.add(read);
    }
    return waits.size === 0 ? Promise.resolve() : Promise.all(waits).then(() => undefined);
  }

  /**
   * What another statement of this request read for this key (a list's own statement read what its rows name:
   * `CaseData.page`), kept as `prefetch` keeps what it reads — for `peek` and `load`, with no promise per key — null
   * included (the statement looked for the key and did not find it). A key already loaded keeps its value.
   */
  fill(key: K, value: V): void {
    if (!this.loaded.has(key)) this.loaded.set(key, value);
  }

  /** What `prefetch` read (or a `prime` gave) answers from the request's cache; anything else is DataLoader's. */
  load(key: K): Promise<V> {
    if (this.loaded.has(key)) return Promise.resolve(this.loaded.get(key) as V);
    const read = this.reading.get(key);
    if (read) return read.then(() => this.load(key));
    return super.load(key);
  }

  clear(key: K): this {
    this.loaded.delete(key);
    this.reading.delete(key);
    return super.clear(key);
  }

  clearAll(): this {
    this.loaded.clear();
    this.reading.clear();
    return super.clearAll();
  }

  prime(key: K, value: V | PromiseLike<V> | Error): this {
    if (!this.loaded.has(key) && !(value instanceof Error) && !isThenable(value)) this.loaded.set(key, value);
    return super.prime(key, value);
  }
}

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return typeof (v as { then?: unknown } | null)?.then === 'function';
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A row the data model guarantees the viewer can see (a visible case's lead agency, a share's participant): endorsed
 * and withdrawn participants are public. Missing means broken data, reported as an internal error, never as null.
 */
/**
 * `loader.loadMany(keys)`, failing as `load` does: DataLoader's `loadMany` resolves with an Error in place of a value
 * whose read failed (the database gone, a statement refused), which its callers took for a row not found — a mutation
 * told its client "no country with code US" when the database had failed, a share's recipients listed without those
 * whose read failed. The first such error is thrown.
 */
export async function loadAll<K, V>(loader: DataLoader<K, V>, keys: readonly K[]): Promise<V[]> {
  const values = await loader.loadMany(keys);
  const failed = values.find((v): v is Error => v instanceof Error);
  if (failed) throw failed;
  return values as V[];
}

export function required<T>(value: T | null, what: string): T {
  if (value === null || value === undefined) throw new Error(`integrity: ${what} not found`);
  return value;
}

export function isUuid(id: string): boolean {
  return uuidPattern.test(id);
}

/** Keys as a uuid[] parameter; keys that are not UUIDs match nothing (an unknown id, never an SQL error). */
export function uuidArray(ids: readonly string[]): Sql {
  // As the array's text (`{id,id,…}`): a UUID needs no quoting, and node-postgres would otherwise quote and escape
  // every element of a 500-id array, character by character, each time it is sent.
  let text = '';
  for (const id of ids) if (isUuid(id)) text += text ? `,${id}` : id;
  return sql`${`{${text}}`}::uuid[]`;
}

/** Values in the order of their keys; keys compare case-insensitively (an upper-case UUID is the same id). */
export function byKey<K, V>(keys: readonly K[], values: V[], key: (v: V) => K): (V | null)[] {
  const map = new Map<string, V>();
  for (const v of values) map.set(String(key(v)).toLowerCase(), v);
  return keys.map((k) => map.get(String(k).toLowerCase()) ?? null);
}

export function groupBy<V>(keys: readonly string[], rows: Row[], values: V[]): V[][] {
  const map = new Map<string, V[]>();
  for (const k of keys) map.set(k, []);
  rows.forEach((row, i) => map.get(String(row.__key))?.push(values[i]));
  return keys.map((k) => map.get(k) ?? []);
}
