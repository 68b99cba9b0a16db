import pg from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { LiveSink, poolOf } from '../db/viewer-db';
import { DatabaseClient } from '../db/data-source';
import { decodeEvents, LIVE_CHANNEL, LiveEvent } from './events';

export type LiveListener = (events: LiveEvent[]) => void;

/**
 * How committed changes reach the subscribers of every instance (DOMAIN §7), ids only:
 *
 * - `postgres`: each transaction NOTIFYs channel `lap_live` before it commits (src/db/viewer-db.ts); PostgreSQL
 *   delivers the notification at commit, to every hub LISTENing on the database, this one included, and never for a
 *   transaction that rolled back. Each hub keeps one dedicated connection for LISTEN, reconnecting when it drops.
 * - `in-process`: the embedded database serves one instance; the events go straight to the listeners of this process
 *   after the commit. Hubs of one process on the same embedded database share one bus.
 */
export interface LiveBus extends LiveSink {
  listen(listener: LiveListener): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** In one process: hubs over the same data source share it (tests run two hubs on one embedded database). */
class InProcessBus implements LiveBus {
  readonly mode = 'in-process' as const;
  private readonly listeners = new Set<LiveListener>();

  committed(events: LiveEvent[]): void {
    for (const listener of [...this.listeners]) setImmediate(() => listener(events));
  }

  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

const inProcessBuses = new WeakMap<DataSource, InProcessBus>();

export function inProcessBus(ds: DataSource): LiveBus {
  let bus = inProcessBuses.get(ds);
  if (!bus) {
    bus = new InProcessBus();
    inProcessBuses.set(ds, bus);
  }
  return bus;
}

/**
 * LISTEN on a connection of its own (the pool's connection settings), reconnecting when it drops: after 250 ms, then
 * with a pause that doubles up to 2 s, so that the events flow again within about 2 s of the server coming back (a
 * PostgreSQL restart). Events committed while no LISTEN is in place are not delivered.
 */
export class PostgresBus implements LiveBus {
  readonly mode = 'postgres' as const;
  private readonly listeners = new Set<LiveListener>();
  private client: pg.Client | null = null;
  private stopped = false;
  private retry: NodeJS.Timeout | null = null;
  private failures = 0;
  private checker: NodeJS.Timeout | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly logger: Logger,
    /**
     * How often the LISTEN connection is asked to answer (its LISTEN again), and how long it has to. A connection that goes
     * silent without closing (a firewall's or NAT's idle timeout, a failover that sends no reset) raises no error and
     * no end: an idle LISTEN sends nothing, and would hear nothing for good while requests went on (a probe). One that
     * does not answer in time is dropped and made again.
     */
    private readonly checks = { everyMs: 10_000, withinMs: 5_000 },
  ) {}

  committed(): void {
    // Delivered by PostgreSQL itself, to this instance's LISTEN too.
  }

  listen(listener: LiveListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new DatabaseClient(poolOf(this.ds).options as pg.ClientConfig);
    client.on('notification', (msg) => {
      if (msg.channel !== LIVE_CHANNEL || !msg.payload) return;
      const events = decodeEvents(msg.payload);
      if (events.length) for (const listener of [...this.listeners]) listener(events);
    });
    client.on('error', (err) => {
      // A warning, without a stack: the database going away (whose requests' 503s are warned of too), not a fault of the
      // hub's; said once per connection lost, and once per attempt while it stays away (at most every 2 s).
      this.logger.warn(briefly(err), 'the live-events connection failed; reconnecting (events committed meanwhile are not delivered)');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    await client.connect();
    // Its LISTEN answered in time too: a connection that goes silent right after it was made (a failover, a firewall)
    // would otherwise keep this wait, and the bus, for good — no check runs before it listens.
    if ((await answeredWithin(client.query(`LISTEN ${LIVE_CHANNEL}`), this.checks.withinMs)) === 'late') {
      client.end().catch(() => undefined);
      (client as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      throw new Error(`the live-events connection did not answer its LISTEN within ${this.checks.withinMs} ms`);
    }
    this.client = client;
    if (this.failures > 0) this.logger.info('listening for live events again');
    this.failures = 0;
    this.checkAnswers(client);
  }

  /** Asks `client` to answer every `checks.everyMs`; one that has not answered within `checks.withinMs` is made again. */
  private checkAnswers(client: pg.Client): void {
    if (this.checker) clearInterval(this.checker);
    let asking = false;
    this.checker = setInterval(() => {
      if (asking || this.client !== client) return;
      asking = true;
      // LISTEN again: a no-op on a channel already listened to, answered like any statement (and the connection's
      // statement in pg_stat_activity stays what it is). A failure is the connection's 'error', handled there.
      void answeredWithin(client.query(`LISTEN ${LIVE_CHANNEL}`).catch(() => undefined), this.checks.withinMs).then((outcome) => {
        asking = false;
        if (outcome !== 'late' || this.client !== client) return;
        this.logger.warn(`the live-events connection did not answer within ${this.checks.withinMs} ms; reconnecting (events committed meanwhile are not delivered)`);
        this.reconnect(client);
      });
    }, this.checks.everyMs);
    this.checker.unref();
  }

  private reconnect(dead: pg.Client): void {
    if (this.stopped || this.client !== dead) return;
    this.client = null;
    if (this.checker) clearInterval(this.checker);
    this.checker = null;
    dead.end().catch(() => undefined);
    // A connection gone silent never ends on its own: its socket is let go (a connection that ended is let go already).
    (dead as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
    const pause = Math.min(2000, 250 * 2 ** this.failures++);
    this.retry = setTimeout(() => {
      this.retry = null;
      this.connect().catch((err) => {
        this.logger.warn(briefly(err), 'cannot listen for live events; retrying');
        // A client that never connected: try again later.
        this.client = new pg.Client();
        this.reconnect(this.client);
      });
    }, pause);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    if (this.checker) clearInterval(this.checker);
    const client = this.client;
    this.client = null;
    if (client) await client.end().catch(() => undefined);
  }
}

/** What a log line says of a connection's failure: its reason and code, not the stack of pg's internals. */
function briefly(err: unknown): { reason: string; code?: string } {
  const e = err as { message?: unknown; code?: unknown } | null;
  return { reason: String(e?.message ?? err), ...(typeof e?.code === 'string' ? { code: e.code } : {}) };
}

/** Whether `promise` settles within `ms` ('answered') or not ('late'); a rejection is passed on. */
async function answeredWithin(promise: Promise<unknown>, ms: number): Promise<'answered' | 'late'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, ms, 'late')));
  return Promise.race([promise.then(() => 'answered' as const), late]).finally(() => clearTimeout(timer));
}
