import { randomUUID } from 'node:crypto';
import type { GraphQLResolveInfo } from 'graphql';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { CaseAccessPath } from '../entities/enums';
import { sqlStateOf } from './db/data-source';
import { auditEntriesLost } from './metrics';
import { poolOf, SHARED_SESSION_PROBE } from './db/viewer-db';
import type { Viewer } from './policy/viewer';
import { responsePath, valueAt } from './graphql/response-path';

/**
 * The audit trail (DOMAIN §9): every response that carries a case's confidential tier, or a TLP:RED case's row, is
 * recorded once per request and case — who (person or API key), organization, case, when, and through which path.
 *
 * `AuditTrail` collects during one request (the resolvers of `Case` and its tier note what they hand out, so
 * `_entities` and subscription payloads, which resolve `Case` through the same resolvers, are recorded by the same
 * code); `AuditWriter` writes a request's entries in one statement after the response is computed, on a connection
 * of its own, as the system (the owner role: the viewer role cannot write the trail), off the response's critical
 * path. A write whose connection failed is sent again (each row carries its id, so a row that was written is never
 * written twice); one that still fails is logged as an error naming every lost entry, never surfaced to the reader.
 */
interface Entry {
  leadAgencyId: string;
  confidential: boolean;
  path: CaseAccessPath;
  /** The response paths where the tier was handed out (its `confidential` field), where known. */
  tierAt: Array<ReadonlyArray<string | number>>;
  /** The row was noted as a TLP:RED row (`row`), at a place of the response not known. */
  rowNoted: boolean;
}

export class AuditTrail {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly viewer: Viewer,
    readonly at: Date,
    /** The path of this request when no resolver info says otherwise: CSV for the CSV report. */
    public path: CaseAccessPath = CaseAccessPath.QUERY,
  ) {}

  /** The response carries this case's confidential tier (the case as the request loaded it: its id and lead agency). */
  tier(c: AuditedCase, info?: GraphQLResolveInfo): void {
    this.note(c, true, info);
  }

  /** The response carries this (TLP:RED) case's row. */
  row(c: AuditedCase, info?: GraphQLResolveInfo): void {
    this.note(c, false, info);
  }

  private note(c: AuditedCase, confidential: boolean, info?: GraphQLResolveInfo): void {
    let entry = this.entries.get(c.id);
    if (!entry) this.entries.set(c.id, (entry = { leadAgencyId: c.leadAgencyId, confidential: false, path: this.pathOf(info), tierAt: [], rowNoted: false }));
    if (confidential) {
      entry.confidential = true;
      if (info) entry.tierAt.push(responsePath(info));
    } else entry.rowNoted = true;
  }

  /**
   * For a response with errors, whose data may have lost what was handed out (a non-null field below a case that
   * failed nulls the case, its tier with it): a tier noted only at places the response's data no longer holds is not
   * recorded as read. The case stays recorded as a TLP:RED row when it was noted as one (the row's place is not known,
   * and a trail must not leave out a read). Entries noted without a place (a path with no resolver info) stay as they are.
   */
  keepCarried(data: unknown): void {
    for (const [caseId, entry] of this.entries) {
      if (!entry.confidential || entry.tierAt.length === 0) continue;
      if (entry.tierAt.some((at) => valueAt(data, at) != null)) continue;
      if (entry.rowNoted) entry.confidential = false;
      else this.entries.delete(caseId);
    }
  }

  private pathOf(info?: GraphQLResolveInfo): CaseAccessPath {
    if (!info) return this.path;
    if (info.operation.operation === 'subscription') return CaseAccessPath.SUBSCRIPTION;
    let root = info.path;
    while (root.prev) root = root.prev;
    // The field's name, not the response key (an alias of `_entities` is still `_entities`).
    if (rootFieldName(info, root.key) === '_entities') return CaseAccessPath.ENTITIES;
    return this.path;
  }

  get size(): number {
    return this.entries.size;
  }

  /**
   * The entries collected so far, emptied (a subscription records each delivered event on its own): one batch per lead
   * agency, path and kind of access, each naming its cases once — one row of the trail each.
   */
  take(): AuditBatch[] {
    const batches = new Map<string, AuditBatch>();
    for (const [caseId, e] of this.entries) {
      const key = `${e.leadAgencyId} ${e.path} ${e.confidential}`;
      let batch = batches.get(key);
      if (!batch) {
        batch = {
          caseIds: [],
          leadAgencyId: e.leadAgencyId,
          confidential: e.confidential,
          path: e.path,
          personId: this.viewer.personId,
          apiKeyId: this.viewer.apiKey?.id ?? null,
          apiKeyName: this.viewer.apiKey?.name ?? null,
          apiKeyPrefix: this.viewer.apiKey?.prefix ?? null,
          organizationId: this.viewer.memberOrgId ?? this.viewer.ownOrgId,
          accessedAt: this.at,
        };
        batches.set(key, batch);
      }
      batch.caseIds.push(caseId);
    }
    this.entries.clear();
    return [...batches.values()];
  }
}

/** The root field a response key of the operation stands for. */
function rootFieldName(info: GraphQLResolveInfo, responseKey: string | number): string | undefined {
  for (const selection of info.operation.selectionSet.selections) {
    if (selection.kind === 'Field' && (selection.alias?.value ?? selection.name.value) === responseKey) return selection.name.value;
  }
  return undefined;
}

/** What the trail needs of a case the response carries: the row as the request's statement loaded it. */
export interface AuditedCase {
  id: string;
  leadAgencyId: string;
}

/** Entries of one request that share their lead agency, path and kind of access: one entry per case of `caseIds`. */
export interface AuditBatch {
  caseIds: string[];
  leadAgencyId: string;
  /** The response carried these cases' confidential tiers (false: TLP:RED rows only). */
  confidential: boolean;
  path: CaseAccessPath;
  personId: string | null;
  apiKeyId: string | null;
  apiKeyName: string | null;
  apiKeyPrefix: string | null;
  organizationId: string | null;
  accessedAt: Date;
}

/** Rows of the trail as the parameters of the statement that writes them: one array per column, one element per row. */
interface AuditRows {
  /**
   * Each row's id, made here: a statement sent again after its connection failed (its answer lost, it may have
   * committed) writes only the rows that are not there yet (`ON CONFLICT (id) DO NOTHING`).
   */
  id: string[];
  /** Each row's cases, as a PostgreSQL array literal (`{id,id}`). */
  caseIds: string[];
  leadAgencyId: string[];
  personId: Array<string | null>;
  apiKeyId: Array<string | null>;
  apiKeyName: Array<string | null>;
  apiKeyPrefix: Array<string | null>;
  organizationId: Array<string | null>;
  path: string[];
  confidential: boolean[];
  /** ISO 8601. */
  accessedAt: string[];
  /** Entries (cases) in all: a statement writes at most MAX_ENTRIES_PER_WRITE of them, unless one batch is larger. */
  entries: number;
}

const emptyRows = (): AuditRows => ({
  id: [], caseIds: [], leadAgencyId: [], personId: [], apiKeyId: [], apiKeyName: [], apiKeyPrefix: [], organizationId: [], path: [], confidential: [],
  accessedAt: [], entries: 0,
});

/** How often an API key's `lastUsedAt` is written at most (DOMAIN §8 lists it; a write per request would be waste). */
export const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * How long writes whose connection failed are sent again (from the first failed attempt, `failingSince`), and the waits between: 50 ms,
 * doubling, at most a second — long enough for a connection cut by the server (`pg_terminate_backend`, an idle
 * timeout, a restart of a few seconds), short enough that a stopping hub, which waits for the trail, is not held long
 * by a database that is gone.
 */
const RETRY_FOR_MS = 5_000;
const RETRY_FIRST_WAIT_MS = 50;
const RETRY_MAX_WAIT_MS = 1_000;

/**
 * Whether a failed write may succeed if sent again: anything but PostgreSQL's own refusal (its connection failed:
 * refused, reset, cut — `EPIPE` —, ended, timed out), a refusal that ended the session (FATAL), or one saying the
 * connection failed (class 08, connection exception),
 * that the server ended the session or is starting or stopping (57P01–57P03), lacked a resource for a moment (class
 * 53), or that the transaction lost a serialization race (40001, 40P01). Anything else PostgreSQL refused (a trigger
 * that raises, a check that fails) would be refused again.
 */
function worthSendingAgain(err: unknown): boolean {
  const code = sqlStateOf(err);
  if (code === undefined) return true;
  // FATAL: the session ended or was never let in (a database not accepting connections for a moment, 55000), so the
  // statement was not run: nothing is lost by sending it again.
  if (['FATAL', 'PANIC'].includes(String((err as { severity?: unknown }).severity))) return true;
  return code.startsWith('08') || code.startsWith('53') || ['57P01', '57P02', '57P03', '40001', '40P01'].includes(code);
}

/** Each entry of the rows (one per case of each row), as a lost write's log line lists them. */
function entriesOf(rows: AuditRows): LostEntry[] {
  return rows.caseIds.flatMap((ids, i) =>
    ids
      .slice(1, -1)
      .split(',')
      .map((c) => ({
        case: c,
        leadAgency: rows.leadAgencyId[i],
        person: rows.personId[i],
        apiKey: rows.apiKeyId[i],
        apiKeyName: rows.apiKeyName[i],
        apiKeyPrefix: rows.apiKeyPrefix[i],
        organization: rows.organizationId[i],
        path: rows.path[i],
        confidential: rows.confidential[i],
        at: rows.accessedAt[i],
      })),
  );
}

/** A lost entry as its line lists it: every column of its `case_access_log` row, so that it can be written by hand. */
interface LostEntry {
  case: string;
  leadAgency: string;
  person: string | null;
  apiKey: string | null;
  apiKeyName: string | null;
  apiKeyPrefix: string | null;
  organization: string | null;
  path: string;
  confidential: boolean;
  at: string;
}

/** The most entries (cases) one statement writes; more wait for the next statement (a larger batch goes alone). */
const MAX_ENTRIES_PER_WRITE = 5_000;

/**
 * Writes the trail and API keys' `lastUsedAt`, outside every request's transaction (queries run READ ONLY and never
 * write), as the owner: these are the system's records of a read, not a viewer's writes.
 *
 * Group commit: at most one statement every `gatherMs` (20 ms). The first entries to arrive wait up to 20 ms for
 * others, and the entries of the requests answered while a statement runs wait until 20 ms after it was sent; each
 * wait ends in one statement, one transaction, for every entry gathered (a busy hub writes one statement for every
 * 20 ms of requests; an idle one writes each request's 20 ms after it). A commit costs PostgreSQL more than the rows it
 * writes: writing again as soon as a statement ended made a busy hub commit a handful of rows every few milliseconds.
 * Nothing waits longer when the hub stops: `settled()` writes at once what is gathered. The statement writes one row
 * per batch and lead agency, naming its cases (`case_ids`), so a 50-row board is one row, not fifty. It is prepared
 * once per connection on PostgreSQL (not on the embedded database, whose connections share one session).
 */
export class AuditWriter {
  private readonly pending = new Set<Promise<void>>();
  /** When each key's `lastUsedAt` was last written by this instance. */
  private readonly keyWritten = new Map<string, number>();
  /**
   * Rows waiting to be written, as the parameters of the statements that will write them (one array per column, at
   * most a statement's worth of entries each unless one request's batch is larger): kept as a few arrays of strings
   * rather than an object per batch, since they wait up to 20 ms and so outlive a young-generation collection or two.
   */
  private queue: AuditRows[] = [];
  private writing: Promise<void> | null = null;
  /** Ends the gathering wait now (when the hub stops, or when a statement's worth of entries is queued). */
  private writeNow: (() => void) | null = null;
  /** `settled()` calls under way: while there are any, nothing waits to gather. */
  private settling = 0;

  /** Entries waiting to be written (the queue holds a statement's worth or two: one chunk, or a few after a backlog). */
  private get queued(): number {
    let entries = 0;
    for (const rows of this.queue) entries += rows.entries;
    return entries;
  }
  private named: Promise<boolean> | null = null;

  constructor(
    private readonly ds: DataSource,
    private readonly logger: Logger,
    /**
     * Benchmark only (`HubOptions.skipAuditTrail`, and the bench's harness switching it between rounds): entries are
     * dropped unwritten. No configuration reaches it; the product always writes them.
     */
    public skip = false,
    /** How long the first entries wait for others before they are written. */
    private readonly gatherMs = 20,
    /** How long a statement runs before the writer warns that it has not ended (and again each time as long after). */
    private readonly slowWriteWarnMs = 10_000,
  ) {}

  /**
   * Records what the trail collected, without waiting; never throws. `responses`: how many responses carried it (a live
   * payload resolved once for one viewer and delivered on several of their subscriptions is that many responses).
   */
  record(trail: AuditTrail, responses = 1): void {
    if (trail.size === 0) return;
    const batches = trail.take();
    if (this.skip) return;
    for (let n = 0; n < responses; n++) this.enqueue(batches);
    if (!this.writing) this.track((this.writing = this.drain()));
    else if (this.queued >= MAX_ENTRIES_PER_WRITE) this.writeNow?.();
  }

  /** Appends the batches' rows to the queue's last statement, or to a new one when it would hold too many entries. */
  private enqueue(batches: AuditBatch[]): void {
    for (const batch of batches) {
      let rows = this.queue[this.queue.length - 1];
      if (!rows || (rows.entries > 0 && rows.entries + batch.caseIds.length > MAX_ENTRIES_PER_WRITE)) this.queue.push((rows = emptyRows()));
      rows.id.push(randomUUID());
      rows.caseIds.push(`{${batch.caseIds.join(',')}}`);
      rows.leadAgencyId.push(batch.leadAgencyId);
      rows.personId.push(batch.personId);
      rows.apiKeyId.push(batch.apiKeyId);
      rows.apiKeyName.push(batch.apiKeyName);
      rows.apiKeyPrefix.push(batch.apiKeyPrefix);
      rows.organizationId.push(batch.organizationId);
      rows.path.push(batch.path);
      rows.confidential.push(batch.confidential);
      rows.accessedAt.push(batch.accessedAt.toISOString());
      rows.entries += batch.caseIds.length;
    }
  }

  /**
   * Gathers, then writes the queue, one statement at a time, until it is empty: each statement sent `gatherMs` after the
   * one before (or after the first entry came, for the first), unless a statement's worth is queued or the hub stops.
   */
  private async drain(): Promise<void> {
    try {
      let sentAt: number | null = null;
      for (;;) {
        const wait = sentAt === null ? this.gatherMs : this.gatherMs - (performance.now() - sentAt);
        if (wait > 0 && this.queued < MAX_ENTRIES_PER_WRITE && this.settling === 0) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, wait);
            this.writeNow = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.writeNow = null;
        }
        const rows = this.queue.shift();
        if (!rows) break;
        sentAt = performance.now();
        this.inFlight = rows;
        // A statement that takes long (a lock on the trail's table, a database that does not answer) is said, with what
        // waits behind it, while it lasts: the entries wait in memory until it ends, and nothing else would show it.
        // Node counts a timer from the time its loop turn began, which can be before `sentAt`: a timer that fires early
        // by this clock is set again for the rest, so that what is said has lasted at least that long.
        const started = sentAt;
        const every = Math.max(1, this.slowWriteWarnMs);
        let sayAt = every;
        let slow: NodeJS.Timeout;
        const sayIfSlow = () => {
          const waitingMs = performance.now() - started;
          if (waitingMs >= sayAt) {
            const waiting = this.waitingEntries();
            this.logger.warn(
              { waitingMs: Math.floor(waitingMs), waitingAuditEntries: waiting },
              `AUDIT TRAIL: a write has not ended after ${Math.round(waitingMs / 1000)} s (a lock on case_access_log, or a database that does not answer?): ${waiting} entr${waiting === 1 ? 'y waits' : 'ies wait'} in memory to be written`,
            );
            while (sayAt <= waitingMs) sayAt += every;
          }
          slow = setTimeout(sayIfSlow, Math.max(1, Math.ceil(sayAt - waitingMs)));
          slow.unref();
        };
        slow = setTimeout(sayIfSlow, sayAt);
        slow.unref();
        // Written outside the request: not in its transaction, not in its statement count.
        await this.write(rows).catch((err) => {
          // Loud: an audit entry that could not be written is a gap in the trail someone must know about.
          const lost = entriesOf(rows);
          this.countLost(lost.length);
          this.logger.error(
            { err, attempts: (err as { attempts?: number }).attempts, lostAuditEntries: lost },
            `AUDIT TRAIL: ${lost.length} case access entr${lost.length === 1 ? 'y' : 'ies'} could not be written and ${lost.length === 1 ? 'is' : 'are'} lost`,
          );
          // The failure is over for the writer once nothing queued during it is left: a statement that fails later is
          // a new failure, with 5 s of its own (not one attempt, as those queued during this one get).
          if (this.queue.length === 0) this.failingSince = null;
        });
        clearTimeout(slow);
        this.inFlight = null;
      }
    } finally {
      this.writing = null;
    }
  }

  /** The rows of the statement under way (sent, or being sent again), until it ends. */
  private inFlight: AuditRows | null = null;

  /** Entries this writer could not write and logged as lost (a stopping hub says how many, src/main.ts). */
  lostEntries = 0;

  /** Counts entries given up: here, and in `/metrics` (`laphub_audit_entries_lost_total`). */
  private countLost(entries: number): void {
    auditEntriesLost.inc(entries);
    this.lostEntries += entries;
  }

  /** Entries of answered requests not yet written: gathering or queued, and those of the statement under way. */
  waitingEntries(): number {
    return this.queued + (this.inFlight?.entries ?? 0);
  }

  /**
   * For a process about to exit before the trail is written (a stop past its time, `src/main.ts`): says, at once and
   * synchronously, what is lost — the entries still waiting, which no statement carried, and those of the statement
   * under way, whose outcome is not known (it may yet commit) — each listed, as a failed write lists them.
   */
  abandon(): void {
    const waiting = this.queue.flatMap(entriesOf);
    this.queue = [];
    const underWay = this.inFlight ? entriesOf(this.inFlight) : [];
    if (underWay.length) {
      this.logger.error(
        { lostAuditEntries: underWay },
        `AUDIT TRAIL: ${underWay.length} case access entr${underWay.length === 1 ? 'y was' : 'ies were'} being written when the hub exited: whether ${underWay.length === 1 ? 'it was' : 'they were'} is not known`,
      );
    }
    this.countLost(waiting.length);
    if (waiting.length) {
      this.logger.error(
        { lostAuditEntries: waiting },
        `AUDIT TRAIL: ${waiting.length} case access entr${waiting.length === 1 ? 'y' : 'ies'} could not be written before the hub exited and ${waiting.length === 1 ? 'is' : 'are'} lost`,
      );
    }
  }

  /** Sets a key's `lastUsedAt` to `at`, at most once a minute per key (per instance); never throws. */
  touchApiKey(keyId: string, at: Date): void {
    const last = this.keyWritten.get(keyId);
    if (last !== undefined && at.getTime() - last < LAST_USED_RESOLUTION_MS && at.getTime() >= last) return;
    this.keyWritten.set(keyId, at.getTime());
    this.track(
      this.onConnection((client) => client.query(`UPDATE api_key SET last_used_at = $2 WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $2)`, [keyId, at]))
        .then(() => undefined)
        .catch((err) => {
          this.keyWritten.delete(keyId);
          this.logger.error({ err, apiKey: keyId }, 'could not record when an API key was last used');
        }),
    );
  }

  /**
   * Runs `fn` on a connection of the pool taken here: its statements count in no request's `X-SQL-Statements` (a count
   * rides on the connections a request takes). Not `pool.query`, whose statement, waiting for a busy pool's connection,
   * would be sent on the connection another request gives back.
   */
  private async onConnection<T>(fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const client = await poolOf(this.ds).connect();
      try {
        const result = await fn(client);
        client.release();
        return result;
      } catch (err) {
        // A connection that failed is discarded, not handed to the next user.
        client.release(err as Error);
        // One that had failed before anything was sent on it (its server process ended meanwhile): nothing was
        // written, so the entries go on a fresh connection rather than being lost.
        if (attempt === 0 && /is not queryable$/.test((err as Error).message ?? '')) continue;
        throw err;
      }
    }
  }

  /**
   * Writes the rows, sending the statement again while the failure is the connection's or the server's (the connection
   * ended or was cut, the server restarting or refusing connections for a moment), for up to `RETRY_FOR_MS` from the
   * start of the first failed attempt of the writer's failure (`failingSince`: a connection that takes the pool's whole
   * 10 s wait to fail is not tried again, as a stopping hub waits for the trail); a statement PostgreSQL refused for
   * what it says is not sent again.
   */
  private async write(rows: AuditRows): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const started = performance.now();
      try {
        await this.writeOnce(rows, attempt > 1);
        this.failingSince = null;
        return;
      } catch (err) {
        if (!worthSendingAgain(err)) throw Object.assign(err as Error, { attempts: attempt });
        this.failingSince ??= started;
        if (performance.now() - this.failingSince >= RETRY_FOR_MS) throw Object.assign(err as Error, { attempts: attempt });
        await new Promise((resolve) => setTimeout(resolve, Math.min(RETRY_MAX_WAIT_MS, RETRY_FIRST_WAIT_MS * 2 ** (attempt - 1))));
      }
    }
  }

  /**
   * When the writes began to fail (the first failed attempt's start), until one succeeds: the 5 s of sending again are
   * the failure's, not each statement's — the statements queued meanwhile get what is left of them (one attempt each
   * once they are over), so that a stopping hub with a database gone waits 5 s in all, not 5 s a statement.
   */
  private failingSince: number | null = null;

  /**
   * One statement for the rows. `again`: sent after an attempt whose outcome is not known, it skips the rows already
   * written (`ON CONFLICT (id) DO NOTHING`); a first attempt, whose ids are new, inserts without that check.
   */
  private async writeOnce(rows: AuditRows, again: boolean): Promise<void> {
    this.named ??= this.onConnection((client) => client.query(`SELECT ${SHARED_SESSION_PROBE} AS shared`))
      .then((r) => r.rows[0]?.shared === false)
      .catch(() => false);
    const name = (await this.named) ? (again ? 'lap_audit_write_again' : 'lap_audit_write') : undefined;
    // One row per batch. Each batch's cases travel as one array literal (`{id,id,…}`, a parameter's value, cast to
    // uuid[] by the statement, which refuses anything but uuids): no join, no grouping in the statement.
    await this.onConnection((client) => client.query({
      name,
      text: `INSERT INTO case_access_log (id, case_ids, lead_agency_id, person_id, api_key_id, api_key_name, api_key_prefix, organization_id, path, confidential, accessed_at)
       SELECT b.id, b.case_ids::uuid[], b.lead_agency_id, b.person_id, b.api_key_id, b.api_key_name, b.api_key_prefix, b.organization_id, b.path, b.confidential, b.accessed_at
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::uuid[], $9::text[], $10::boolean[], $11::timestamptz[])
         AS b(id, case_ids, lead_agency_id, person_id, api_key_id, api_key_name, api_key_prefix, organization_id, path, confidential, accessed_at)${again ? `
       ON CONFLICT (id) DO NOTHING` : ''}`,
      values: [
        rows.id, rows.caseIds, rows.leadAgencyId, rows.personId, rows.apiKeyId, rows.apiKeyName, rows.apiKeyPrefix, rows.organizationId, rows.path,
        rows.confidential, rows.accessedAt,
      ],
    }));
  }

  private track(p: Promise<void>): void {
    this.pending.add(p);
    void p.finally(() => this.pending.delete(p));
  }

  /** Resolves when every write started so far has ended (tests and shutdown wait for it; requests never do). */
  async settled(): Promise<void> {
    this.settling++;
    try {
      while (this.pending.size > 0) {
        this.writeNow?.();
        await Promise.all([...this.pending]);
      }
    } finally {
      this.settling--;
    }
  }
}
