import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/** Apollo Server's cache interface (`KeyValueCache` of @apollo/utils.keyvaluecache), over lru-cache. */
export class BoundedStore<V extends object | string> {
  private readonly lru: LRUCache<string, V>;
  constructor(options: { max: number } | { maxSize: number; sizeOf: (value: V) => number }) {
    this.lru = 'max' in options ? new LRUCache({ max: options.max }) : new LRUCache({ maxSize: options.maxSize, sizeCalculation: options.sizeOf });
  }
  async get(key: string): Promise<V | undefined> {
    return this.lru.get(key);
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

/** Automatic persisted queries: query texts by credential and hash (src/http/persisted-query.ts), at most ~8 MB of text. */
export function persistedQueryStore(): BoundedStore<string> {
  return new BoundedStore<string>({ maxSize: 4 * 1024 * 1024, sizeOf: (text) => Math.max(1, text.length) });
}
