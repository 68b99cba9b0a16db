import WebSocket from 'ws';
import type { DispatchReport, LiveDispatcher } from '../../src/live/dispatcher';
import type { LiveEvent } from '../../src/live/events';

/**
 * A graphql-ws (`graphql-transport-ws`) client over raw `ws`, so that tests see every message and the exact close
 * code and reason.
 */
export interface LiveSubscription {
  id: string;
  /** The `next` payloads received, in order. */
  received: Array<{ data?: any; errors?: any[]; extensions?: any }>;
  /** The `error` message's errors, if the server refused the subscription. */
  errors: any[] | null;
  completed: boolean;
}

export class LiveClient {
  private nextId = 1;
  readonly subscriptions = new Map<string, LiveSubscription>();
  /** How the socket closed (resolves once it has). */
  readonly closed: Promise<{ code: number; reason: string }>;
  private readonly listeners = new Set<() => void>();

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
    socket.on('message', (raw) => {
      const message = JSON.parse(raw.toString());
      const sub = this.subscriptions.get(message.id);
      if (message.type === 'next' && sub) sub.received.push(message.payload);
      if (message.type === 'error' && sub) sub.errors = message.payload;
      if (message.type === 'complete' && sub) sub.completed = true;
      if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong' }));
      for (const l of [...this.listeners]) l();
    });
    socket.on('close', () => {
      for (const l of [...this.listeners]) l();
    });
  }

  /**
   * Opens a socket on the hub's GraphQL URL and sends `connection_init`; resolves once acknowledged or closed.
   * `text`: the message exactly as written (what a JSON object cannot hold, such as a key named twice), instead.
   */
  static async connect(
    httpUrl: string,
    params: Record<string, unknown> = {},
    text?: string,
    /** Headers of the upgrade request itself. */
    headers?: Record<string, string>,
  ): Promise<{ client: LiveClient; acknowledged: boolean }> {
    const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws', headers ? { headers } : undefined);
    const client = new LiveClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const acknowledged = await new Promise<boolean>((resolve) => {
      const onMessage = (raw: WebSocket.RawData) => {
        if (JSON.parse(raw.toString()).type === 'connection_ack') {
          socket.off('message', onMessage);
          resolve(true);
        }
      };
      socket.on('message', onMessage);
      socket.once('close', () => resolve(false));
      socket.send(text ?? JSON.stringify({ type: 'connection_init', payload: params }));
    });
    return { client, acknowledged };
  }

  subscribe(query: string, variables?: Record<string, unknown>, operationName?: string): LiveSubscription {
    const id = String(this.nextId++);
    const sub: LiveSubscription = { id, received: [], errors: null, completed: false };
    this.subscriptions.set(id, sub);
    this.socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables, operationName } }));
    return sub;
  }

  complete(sub: LiveSubscription): void {
    this.socket.send(JSON.stringify({ id: sub.id, type: 'complete' }));
  }

  /** Resolves when `condition` holds, checked after every message (never a timer: the test's timeout is the limit). */
  until(condition: () => boolean): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (!condition()) return;
        this.listeners.delete(check);
        resolve();
      };
      this.listeners.add(check);
    });
  }

  /** Calls `fn` after every message and at close; returns how to stop. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  close(): Promise<{ code: number; reason: string }> {
    this.socket.close(1000);
    return this.closed;
  }
}

/** Resolves when the dispatcher has `n` active subscriptions (they then receive every later change). */
export function subscribed(dispatcher: LiveDispatcher, n: number): Promise<void> {
  if (dispatcher.subscribers >= n) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (dispatcher.subscribers < n) return;
      dispatcher.off('subscribed', check);
      resolve();
    };
    dispatcher.on('subscribed', check);
  });
}

/** Resolves when the dispatcher has no active subscription left. */
export function unsubscribedAll(dispatcher: LiveDispatcher): Promise<void> {
  if (dispatcher.subscribers === 0) return Promise.resolve();
  return new Promise((resolve) => {
    const check = () => {
      if (dispatcher.subscribers !== 0) return;
      dispatcher.off('unsubscribed', check);
      resolve();
    };
    dispatcher.on('unsubscribed', check);
  });
}

/** The report of the next dispatched event matching `topic` and `id`. Call before causing it. */
export function dispatchOf(dispatcher: LiveDispatcher, topic: LiveEvent['topic'], id?: string): Promise<DispatchReport> {
  return new Promise((resolve) => {
    const check = (report: DispatchReport) => {
      if (report.event.topic !== topic || (id !== undefined && report.event.id !== id)) return;
      dispatcher.off('dispatched', check);
      resolve(report);
    };
    dispatcher.on('dispatched', check);
  });
}

/**
 * The next `count` dispatch reports of one row, in order; after `timeoutMs` those that came (so that a missing event
 * fails an assertion on their number rather than the test's timeout).
 */
export function dispatchesOf(dispatcher: LiveDispatcher, topic: LiveEvent['topic'], id: string, count: number, timeoutMs = 10_000): Promise<DispatchReport[]> {
  return new Promise((resolve) => {
    const reports: DispatchReport[] = [];
    const done = () => {
      clearTimeout(timer);
      dispatcher.off('dispatched', check);
      resolve(reports);
    };
    const check = (report: DispatchReport) => {
      if (report.event.topic !== topic || report.event.id !== id) return;
      reports.push(report);
      if (reports.length === count) done();
    };
    const timer = setTimeout(done, timeoutMs);
    dispatcher.on('dispatched', check);
  });
}

/**
 * Waits until the clients hold `total` payloads in all: after a dispatch report says how many were delivered, this is
 * the moment every delivered payload has arrived, so a subscription that has none did not get one.
 */
export async function receivedInAll(clients: LiveClient[], subs: LiveSubscription[], total: number): Promise<void> {
  const count = () => subs.reduce((n, s) => n + s.received.length, 0);
  if (count() >= total) return;
  await new Promise<void>((resolve) => {
    const stops = clients.map((c) =>
      c.onChange(() => {
        if (count() < total) return;
        stops.forEach((stop) => stop());
        resolve();
      }),
    );
  });
}
