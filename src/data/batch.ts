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

  constructor(batch: (keys: readonly K[]) => Promise<V[]>) {
    const loaded = new Map<K, V>();
    super(async (keys) => {
      const values = await batch(keys);
      keys.forEach((k, i) => loaded.set(k, values[i]));
      return values;
    });
    this.loaded = loaded;
  }

  /** The value loaded for this key in this request, or undefined when it has not been loaded (yet). */
  peek(key: K): V | undefined {
    return this.loaded.get(key);
  }

  clear(key: K): this {
    this.loaded.delete(key);
    return super.clear(key);
  }

  clearAll(): this {
    this.loaded.clear();
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
