import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/** Apollo Server's cache interface (`KeyValueCache` of @apollo/utils.keyvaluecache), over lru-cache. */
export class BoundedStore<V extends object | string> {
  private readonly lru: LRUCache<string, V>;
  constructor(options: { max: number; maxSize?: number; sizeOf?: (value: V, key: string) => number }) {
    this.lru = options.maxSize
      ? new LRUCache({ max: options.max, maxSize: options.maxSize, sizeCalculation: options.sizeOf ?? (() => 1) })
      : new LRUCache({ max: options.max });
  }
  async get(key: string): Promise<V | undefined> {
    return this.peek(key);
  }
  async set(key: string, value: V): Promise<void> {
    this.lru.set(key, value);
  }
  /** The value now, without waiting (what `get` resolves to). */
  peek(key: string): V | undefined {
    return this.lru.get(key);
  }
  async delete(key: string): Promise<boolean> {
    return this.lru.delete(key);
  }
  get size(): number {
    return this.lru.size;
  }
}

/**
 * Parsed and validated documents by query hash. Apollo's default store is bounded at ~30 MB as JSON, but a parsed
 * document (its locations and tokens included) takes about four to five times its JSON size on the heap: a stream of
 * distinct queries grew the hub by hundreds of megabytes before it stopped. Counted by entries instead: 500 documents of
 * a typical dashboard query (~20 kB each on the heap) are ~10 MB.
 */
export function documentStore(): BoundedStore<DocumentNode> {
  return new BoundedStore<DocumentNode>({ max: 500 });
}

/**
 * Automatic persisted queries: query texts by credential and hash (src/http/persisted-query.ts), at most 20,000 of them
 * and ~4 M characters of keys and texts with an allowance per entry (~8–16 MB of heap): a stream of tiny texts under
 * ever new credentials stops at the entry count.
 */
export function persistedQueryStore(): BoundedStore<string> {
  return new BoundedStore<string>({ max: 20_000, maxSize: 4 * 1024 * 1024, sizeOf: (text, key) => text.length + key.length + 64 });
}
