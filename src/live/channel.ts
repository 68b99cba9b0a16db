import type { ExecutionResult } from 'graphql';

/**
 * The stream of one subscription: the dispatcher pushes payloads, graphql-ws pulls them (`for await`) and sends them.
 * `return()` — the client completed the subscription, or its socket closed — ends it and unregisters it at once.
 * At most `limit` payloads wait for a slow client; beyond that `overflow` is called (the connection is closed):
 * a subscriber that cannot keep up must not make the hub hold an unbounded queue for it.
 */
export class Channel implements AsyncGenerator<ExecutionResult, undefined, unknown> {
  private readonly queue: ExecutionResult[] = [];
  private waiting: ((r: IteratorResult<ExecutionResult, undefined>) => void) | null = null;
  private done = false;

  constructor(
    private readonly onEnd: () => void,
    private readonly overflow: () => void,
    private readonly limit = 1000,
  ) {}

  get ended(): boolean {
    return this.done;
  }

  push(value: ExecutionResult): void {
    if (this.done) return;
    if (this.waiting) {
      const resolve = this.waiting;
      this.waiting = null;
      resolve({ value, done: false });
      return;
    }
    if (this.queue.length >= this.limit) {
      this.overflow();
      return;
    }
    this.queue.push(value);
  }

  next(): Promise<IteratorResult<ExecutionResult, undefined>> {
    if (this.queue.length) return Promise.resolve({ value: this.queue.shift()!, done: false });
    if (this.done) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  return(): Promise<IteratorResult<ExecutionResult, undefined>> {
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(): Promise<IteratorResult<ExecutionResult, undefined>> {
    return this.return();
  }

  end(): void {
    if (this.done) return;
    this.done = true;
    this.queue.length = 0;
    const resolve = this.waiting;
    this.waiting = null;
    resolve?.({ value: undefined, done: true });
    this.onEnd();
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.end();
  }
}
