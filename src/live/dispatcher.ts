import crypto from 'node:crypto';
import { EventEmitter } from 'node:events';
import { DocumentNode, execute, ExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema } from 'graphql';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { CaseAccessPath } from '../../entities/enums';
import { AuditTrail, AuditWriter } from '../audit';
import { Credential, viewerOfRow } from '../auth/viewer';
import type { Config } from '../config';
import type { Context } from '../context';
import { Data } from '../data';
import { isUuid } from '../data/batch';
import type { StatementCount } from '../db/statement-counter';
import { apiKeyActive, lookupViewers, peopleWhoLeft, poolOf, withViewer, type ViewerDb } from '../db/viewer-db';
import { Redactions } from '../policy/redaction';
import type { Viewer } from '../policy/viewer';
import { Channel } from './channel';
import { isPartOnly, LiveEvent, LiveTopic, mergeEvents } from './events';

/** The code of the error a subscription field throws when its row is not visible to the viewer: nothing is delivered. */
export const NOT_VISIBLE = 'LIVE_NOT_VISIBLE';

/** One open WebSocket connection, as the dispatcher needs it: who it is now, the credential to check again, how to close it. */
export interface LiveConnection {
  viewer: Viewer;
  readonly credential: Credential;
  readonly closed: boolean;
  close(code: number, reason: string): void;
}

/** What a subscription asks for: its document, operation and (coerced) variables; `key` is the same for the same three. */
export interface LiveSelection {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  key: string;
}

/** After each event: how many subscribers it concerned, in how many groups, how many got it, and the SQL it cost. */
export interface DispatchReport {
  /** The event dispatched: the first of `events`. */
  event: LiveEvent;
  /** The parts of one row one transaction changed are dispatched at once (`partGroups`); else the event alone. */
  events: readonly LiveEvent[];
  subscribers: number;
  groups: number;
  delivered: number;
  statements: number;
}

/** What a subscriber last received of each row (a hash of the payload), for the last `size` rows it heard of. */
class History {
  private readonly map = new Map<string, string>();
  constructor(private readonly size: number) {}

  get(id: string): string | undefined {
    return this.map.get(id);
  }

  set(id: string, hash: string): void {
    this.map.delete(id);
    this.map.set(id, hash);
    if (this.map.size > this.size) this.map.delete(this.map.keys().next().value!);
  }
}

interface Subscriber {
  connection: LiveConnection;
  topic: LiveTopic;
  /** The `id` argument: only events of that row. Null: every row of the topic. */
  filterId: string | null;
  selection: LiveSelection;
  channel: Channel;
  history: History;
}

interface Resolution {
  hidden: boolean;
  payload: ExecutionResult;
  hash: string;
  /** Whether the part the event names changed for the viewer: seen now, or lost (asked only when a subscriber of the group needs it). */
  partConcerns: boolean;
  /** What the payload carries that the audit trail records (DOMAIN §9), written once the payload was delivered. */
  trail?: AuditTrail;
}

/** A dispatch whose groups are resolved in their lanes: its report, and how many groups are left. */
interface Dispatch {
  report: DispatchReport;
  remaining: number;
}

/** One event (or the parts of one row) for one group: its subscribers when it was taken, and when. */
interface Job {
  viewer: Viewer;
  selection: LiveSelection;
  subscribers: Subscriber[];
  events: readonly LiveEvent[];
  now: Date;
  dispatch: Dispatch;
}

/**
 * A group's jobs, in the order of their events (`LiveDispatcher.addJob`): kept while one waits or runs; a lane whose
 * turn runs is in neither list of waiting lanes. A turn takes the first job, with the later jobs of its row that
 * concern the same subscribers (`turnOf`).
 */
interface Lane {
  key: string;
  jobs: Job[];
}

/** Whether two jobs concern the same subscribers (their lists, made by `groupsOf` in subscription order). */
function sameSubscribers(a: readonly Subscriber[], b: readonly Subscriber[]): boolean {
  return a.length === b.length && a.every((s, i) => s === b[i]);
}

/**
 * Jobs of one row of one group, for the same subscribers, in their order, as one resolution answers them: their events
 * merged as one transaction's would be (`mergeEvents`), the latest viewer and time. A payload is read when it is
 * resolved, so the row's latest state answers all of its jobs at once.
 */
function turnOf(jobs: readonly Job[]): Omit<Job, 'dispatch'> {
  const last = jobs[jobs.length - 1];
  const events = jobs.length === 1 ? last.events : mergeEvents(jobs.flatMap((job) => job.events));
  return { viewer: last.viewer, selection: last.selection, subscribers: last.subscribers, events, now: last.now };
}

/**
 * Subscribers by group: the same viewer (exactly what `withViewer` puts in the settings, so every subscriber of a group
 * is the same viewer to every policy), selection and `extra` key.
 */
function groupsOf(subscribers: readonly Subscriber[], extra: (s: Subscriber) => string): Map<string, Subscriber[]> {
  const groups = new Map<string, Subscriber[]>();
  for (const s of subscribers) {
    const v = s.connection.viewer;
    const key = `${v.kind}|${v.personId ?? ''}|${v.ownOrgId ?? ''}|${v.memberOrgId ?? ''}|${v.apiKey?.id ?? ''}\u0000${s.selection.key}\u0000${extra(s)}`;
    const group = groups.get(key);
    if (group) group.push(s);
    else groups.set(key, [s]);
  }
  return groups;
}

/** The hash of a subscriber that cannot see the row: a later visible payload always differs from it. */
const HIDDEN = 'hidden';
/** The hash of a resolution whose payload was not read (parts that concern none of the group): never delivered. */
const NOT_READ = 'not read';

export interface DispatcherOptions {
  ds: DataSource;
  schema: GraphQLSchema;
  config: Config;
  logger: Logger;
  now: () => Date;
  /** Formats an error of a payload as a query's error would be (no internals outside development). */
  formatError: (error: GraphQLError) => GraphQLFormattedError;
  /** Writes the audit trail of delivered payloads (path SUBSCRIPTION); without it nothing is recorded. */
  audit?: AuditWriter;
  /**
   * How often every open subscription's credential is checked again, to close the connections whose credential no
   * longer works (`sweep`); 0: never on a timer (tests call `sweep`). Default `CREDENTIAL_SWEEP_MS`.
   */
  credentialSweepMs?: number;
}

/**
 * Every 5 s the credentials of all open subscriptions are checked again (one statement for the tokens' people, one for
 * the API keys, whatever the number of connections): a key revoked, a person gone, closes its connections within
 * that time, on a clock of its own — never at the moment of an event, which would tell the holder when a row it cannot
 * see changed. An expired token is closed by its connection's own timer (src/live/websocket.ts).
 */
export const CREDENTIAL_SWEEP_MS = 5000;

/**
 * Delivers live events to subscriptions (DOMAIN §7), deciding at delivery time, never at subscription time:
 *
 * 1. The subscribers an event concerns (its topic; its row, or every row) have their credentials checked again, all in
 *    one statement: a token that has expired, an API key that no longer works, a person who is gone get nothing; a
 *    person whose organization is no longer endorsed now subscribes as what `lap.viewer_of` says. Their connections are
 *    not closed here: a close at the moment of an event would tell the holder that a row changed, one it may not see
 *    (a revoked key hearing of a hidden case). The credential sweep closes them, on its own clock (`sweep`).
 * 2. They are grouped by viewer (kind, person, own and member organization, API key: exactly what `withViewer` puts in the
 *    settings, so every subscriber of a group is the same viewer to every policy) and selection (document, operation,
 *    variables). Each group's payload is resolved once: the subscription field under `withViewer`, with the same
 *    schema, shield rules, data layer and `extensions.redacted` as a query, so the payload is what `case(id)` /
 *    `call(id)` answers that viewer at that moment.
 * 3. A subscriber receives the payload only when it differs from the last one it received of that row — what it can
 *    see changed. A row it cannot see sends nothing (no "gone" event) and is remembered as hidden, so that it is
 *    delivered again once it becomes visible. A subscriber with no earlier payload of the row (a subscription to
 *    every row, hearing of this one first) gets it when the event changed the row itself, or when it can see the
 *    part the event names (the case's confidential tier, the call's segment, invitation or exclusion), or lost it (a
 *    share replaced or revoked that reached it; an exclusion of its organization from a segment it was invited to;
 *    src/data/live.ts `partConcerns`): a grant that changed only a tier it cannot read tells it nothing, nor does a
 *    case it cannot see linked to a segment it sees, nor an exclusion (or an invitation) that changed no one's
 *    participation in a segment it sees.
 *    A change that writes every value as it was announces nothing (src/data/cases.ts `update`). A subscription to
 *    one row takes its first payload when it starts (not sent), so it is always compared.
 *
 * Cost per event: one statement for the credentials (when a token subscriber is concerned) and, per group, the
 * statements of one resolution of the selection under `withViewer` (BEGIN with the viewer's settings, the
 * selection's own loads, COMMIT) plus one for the part check when needed: bounded by the number of distinct
 * (viewer, selection) pairs, never by the number of subscribers.
 *
 * Scheduling. Events are taken in order, one at a time (the credentials, the groups); each group's resolution then
 * waits in that group's own lane (`Lane`: one per viewer and selection, its events in order), and a few resolutions
 * run at a time, taken from the lanes in turn — a lane that had nothing to do first (`freshLanes`), then the busy ones
 * round-robin (`busyLanes`) — each turn resolving one row once for every change of it the lane holds (`pump`). So one
 * group's deliveries wait for the rows it heard of before, the resolutions already running and the other groups'
 * turns, not for every change in every other group's backlog: when the agencies' dashboards are busy with
 * law-enforcement-only changes, a private member's own event waits a round or two, not one round per change (probes
 * timed 2–3 s behind ten such changes with 100 agency groups when each change of each group was its own resolution).
 */
export class LiveDispatcher extends EventEmitter {
  private readonly byTopic = new Map<LiveTopic, Set<Subscriber>>();
  private chain: Promise<void> = Promise.resolve();
  private pendingStarts: Subscriber[] = [];
  private readonly concurrency: number;
  /** Resolutions running now (lanes' jobs and subscriptions' first payloads), at most `concurrency`. */
  private running = 0;
  /** Resolutions waiting for one of the `concurrency` places, in the order they asked. */
  private readonly waiting: Array<() => void> = [];
  /** Each group's lane, by group key, while it has a job waiting or running. */
  private readonly lanes = new Map<string, Lane>();
  /** Lanes whose next job waits: those that had nothing to do before it first, then the others in turn. */
  private readonly freshLanes: Lane[] = [];
  private readonly busyLanes: Lane[] = [];
  /** Dispatches taken and not yet reported, in the order they were taken: reports are emitted in that order. */
  private readonly unreported: Dispatch[] = [];
  /** Called when no lane has a job (`idle`). */
  private readonly drained: Array<() => void> = [];
  private count = 0;
  private readonly sweeper: NodeJS.Timeout | null = null;
  /** A sweep is queued and has not started yet: the timer queues no second one behind it. */
  private sweepQueued = false;

  constructor(private readonly o: DispatcherOptions) {
    super();
    // Tests and the benchmark wait on these events, many at a time.
    this.setMaxListeners(0);
    // Leave connections to the requests: the embedded database has one (then one at a time).
    const max = poolOf(o.ds).options.max ?? 10;
    this.concurrency = Math.max(1, Math.min(4, max - 1));
    const every = o.credentialSweepMs ?? CREDENTIAL_SWEEP_MS;
    if (every > 0) {
      this.sweeper = setInterval(() => {
        if (this.count === 0 || this.sweepQueued) return;
        this.sweepQueued = true;
        this.enqueue(() => {
          this.sweepQueued = false;
          return this.sweep();
        });
      }, every);
      this.sweeper.unref();
    }
  }

  /**
   * Checks the credential of every open subscription again and closes the connections whose credential no longer
   * works (4403: a key revoked, expired or of an organization no longer endorsed; a person gone; a token expired), and
   * brings every connection's viewer up to date. Runs on its own timer (`CREDENTIAL_SWEEP_MS`), in turn with the events.
   */
  async sweep(): Promise<void> {
    const all: Subscriber[] = [];
    for (const set of this.byTopic.values()) all.push(...set);
    if (all.length > 0) await this.recheck(all, this.o.now(), null, true);
  }

  /** Stops the credential sweep's timer (the hub stopping). */
  stop(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  /** Active subscriptions (started, not ended). */
  get subscribers(): number {
    return this.count;
  }

  /** Resolves when every event and start queued so far has been handled (and every payload of them delivered). */
  async idle(): Promise<void> {
    for (;;) {
      const chain = this.chain;
      await chain;
      if (this.lanes.size > 0) await new Promise<void>((resolve) => this.drained.push(resolve));
      if (chain === this.chain && this.lanes.size === 0) return;
    }
  }

  /**
   * Starts a subscription; it receives the changes committed after it has started (the `subscribed` event). With
   * an `id`, its first payload is resolved now (not sent) to compare the next ones with.
   */
  subscribe(connection: LiveConnection, topic: LiveTopic, filterId: string | null, selection: LiveSelection): Channel {
    const subscriber: Subscriber = {
      connection,
      topic,
      // An id in capitals names the same row (as `case(id:)` reads it); events carry ids as PostgreSQL writes them.
      filterId: filterId !== null && isUuid(filterId) ? filterId.toLowerCase() : filterId,
      selection,
      history: new History(filterId ? 1 : 1000),
      channel: new Channel(
        () => this.remove(subscriber),
        () => connection.close(4008, 'subscriber too slow'),
      ),
    };
    this.pendingStarts.push(subscriber);
    if (this.pendingStarts.length === 1) this.enqueue(() => this.startPending());
    return subscriber.channel;
  }

  /**
   * Events committed (on this instance or another): each is dispatched in turn, the parts of one row together
   * (`partGroups`): one resolution per group and one statement for whether any of them concerns it, however many
   * parts one request changed. Each dispatched alone, a document of 50 mutations adding law-enforcement-only segments
   * held every other delivery for seconds (a probe): a private member could time the hidden activity by its own.
   */
  publish(events: readonly LiveEvent[]): void {
    for (const group of partGroups(events)) this.enqueue(() => this.dispatch(group));
  }

  private enqueue(job: () => Promise<void>): void {
    this.chain = this.chain.then(job).catch((err) => this.o.logger.error({ err }, 'live update failed'));
  }

  private remove(subscriber: Subscriber): void {
    if (this.byTopic.get(subscriber.topic)?.delete(subscriber)) {
      this.count--;
      this.emit('unsubscribed', this.count);
    }
  }

  /** The subscriptions that asked to start since the last time, their first payloads resolved once per group. */
  private async startPending(): Promise<void> {
    const starting = this.pendingStarts;
    this.pendingStarts = [];
    const now = this.o.now();
    // A subscription's start is the client's own act: a credential that no longer works closes its connection now.
    await this.recheck(starting, now, null, true);
    const live = starting.filter((s) => !s.channel.ended && !s.connection.closed);
    const withRow = live.filter((s) => s.filterId !== null && isUuid(s.filterId) && s.topic !== 'earlyWarning');
    await this.eachGroup(withRow, (s) => s.filterId!, async (viewer, selection, subscribers) => {
      const event: LiveEvent = { topic: subscribers[0].topic, id: subscribers[0].filterId! };
      const r = await this.resolve(viewer, selection, [event], now, false);
      for (const s of subscribers) s.history.set(event.id, r ? (r.hidden ? HIDDEN : r.hash) : HIDDEN);
    });
    for (const s of live) {
      if (s.channel.ended || s.connection.closed) continue;
      let set = this.byTopic.get(s.topic);
      if (!set) this.byTopic.set(s.topic, (set = new Set()));
      set.add(s);
      this.count++;
    }
    this.emit('subscribed', this.count);
  }

  /**
   * Takes an event: the subscribers it concerns, their credentials checked again, their groups; each group's
   * resolution is put in its lane (`resolveGroup`). Its report is emitted once every group has been resolved.
   */
  private async dispatch(events: readonly LiveEvent[]): Promise<void> {
    const event = events[0];
    // The report counts the statements of this delivery (its `statements`, on the connections it takes).
    const report: DispatchReport = { event, events, subscribers: 0, groups: 0, delivered: 0, statements: 0 };
    // Not reported before it has been taken whole (the 1 is the taking itself), whatever finishes meanwhile.
    const dispatch: Dispatch = { report, remaining: 1 };
    this.unreported.push(dispatch);
    try {
      const concerned = [...(this.byTopic.get(event.topic) ?? [])].filter((s) => s.filterId === null || s.filterId === event.id);
      report.subscribers = concerned.length;
      if (concerned.length === 0) return;
      const now = this.o.now();
      const refused = await this.recheck(concerned, now, report, false);
      const live = concerned.filter((s) => !refused.has(s.connection) && !s.channel.ended && !s.connection.closed);
      const groups = groupsOf(live, () => '');
      report.groups = groups.size;
      for (const [key, subscribers] of groups) {
        dispatch.remaining++;
        this.addJob(key, { viewer: subscribers[0].connection.viewer, selection: subscribers[0].selection, subscribers, events, now, dispatch });
      }
    } finally {
      dispatch.remaining--;
      this.reportDone();
    }
  }

  /** One group's resolution of a dispatch: the payload, delivered to the subscribers it is new to. */
  private async resolveGroup(
    viewer: Viewer,
    selection: LiveSelection,
    subscribers: readonly Subscriber[],
    events: readonly LiveEvent[],
    now: Date,
    report: DispatchReport,
  ): Promise<void> {
    const event = events[0];
    const r = await this.resolve(viewer, selection, events, now, isPartOnly(event), report);
    if (!r) return;
    let delivered = 0;
    for (const s of subscribers) if (this.deliver(s, event, r)) delivered++;
    report.delivered += delivered;
    // The group is one viewer: a payload it received is recorded once per delivery (a tier or a RED row it
    // carried), as each HTTP response is — two connections of one viewer are two consumers (DOMAIN §9).
    if (delivered > 0 && r.trail) this.o.audit?.record(r.trail, delivered);
    // A key that receives live updates is in use (DOMAIN §8 `lastUsedAt`), as one that sends requests.
    if (delivered > 0 && viewer.apiKey) this.o.audit?.touchApiKey(viewer.apiKey.id, now);
  }

  /** Emits the reports of the dispatches whose groups have all been resolved, in the order they were taken. */
  private reportDone(): void {
    while (this.unreported.length > 0 && this.unreported[0].remaining === 0) this.emit('dispatched', this.unreported.shift()!.report);
  }

  /** Puts a group's job in its lane (`key`); a lane that had nothing to do goes before the busy ones. */
  private addJob(key: string, job: Job): void {
    let lane = this.lanes.get(key);
    if (!lane) {
      this.lanes.set(key, (lane = { key, jobs: [] }));
      this.freshLanes.push(lane);
    }
    lane.jobs.push(job);
    this.pump();
  }

  /**
   * Starts lanes' turns while there are places: fresh lanes first, then the busy ones in turn. A turn is one resolution:
   * the lane's first job, with the later jobs of its row for the same subscribers (`turnOf`) — a row changed many times
   * while its groups waited is resolved once per group, at its latest state, so a backlog of changes to a few rows (the
   * agencies working on a call) is a few turns, for the groups that see them and for those that do not (a private
   * member's subscription to every call). A job none of whose subscribers is still there is resolved for nobody:
   * skipped (a hub stopping, its subscriptions closed, does not resolve their backlog).
   */
  private pump(): void {
    while (this.running < this.concurrency && this.waiting.length === 0) {
      const lane = this.freshLanes.shift() ?? this.busyLanes.shift();
      if (!lane) return;
      // The first job, and the jobs of its row after it while they concern the very same subscribers: a subscriber that
      // started after a change must not be answered for it (the merged events would tell it of an earlier change it
      // was not there for, when only a later one it cannot see concerns it — a probe).
      const first = lane.jobs[0];
      const taken = new Set<Job>([first]);
      for (const job of lane.jobs.slice(1)) {
        if (job.events[0].topic !== first.events[0].topic || job.events[0].id !== first.events[0].id) continue;
        if (!sameSubscribers(job.subscribers, first.subscribers)) break;
        taken.add(job);
      }
      const jobs = lane.jobs.filter((job) => taken.has(job));
      lane.jobs = lane.jobs.filter((job) => !taken.has(job));
      this.running++;
      const turn = async () => {
        const row = turnOf(jobs);
        const subscribers = row.subscribers.filter((s) => !s.channel.ended && !s.connection.closed);
        if (subscribers.length === 0) return;
        // What it delivers and costs is told in the report of the latest event it answers.
        await this.resolveGroup(row.viewer, row.selection, subscribers, row.events, row.now, jobs[jobs.length - 1].dispatch.report);
      };
      void turn()
        .catch((err) => this.o.logger.error({ err }, 'live update failed'))
        .finally(() => {
          for (const job of jobs) job.dispatch.remaining--;
          this.reportDone();
          if (lane.jobs.length > 0) this.busyLanes.push(lane);
          else this.lanes.delete(lane.key);
          this.release();
          if (this.lanes.size === 0) for (const done of this.drained.splice(0)) done();
        });
    }
  }

  /** A place among the `concurrency` resolutions, for a subscription's first payload (lanes take theirs in `pump`). */
  private async acquire(): Promise<void> {
    if (this.running < this.concurrency && this.waiting.length === 0) {
      this.running++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Gives a place back: to a waiting first payload, else to the lanes. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else {
      this.running--;
      this.pump();
    }
  }

  /** Whether `s` gets this payload (see the class comment), remembering what it has now seen. */
  private deliver(s: Subscriber, event: LiveEvent, r: Resolution): boolean {
    if (s.channel.ended || s.connection.closed) return false;
    const last = s.history.get(event.id);
    if (r.hidden) {
      s.history.set(event.id, HIDDEN);
      return false;
    }
    if (last === r.hash) return false;
    // A change to a part this viewer cannot see tells it nothing, even when its payload differs from the last one it
    // received (a change to something it sees that announced no event of this row, such as a discussed case renamed):
    // delivered now, that payload would tell it when the hidden change happened. Not told, so nothing is remembered:
    // the difference goes with the next event that concerns it.
    if (isPartOnly(event) && !r.partConcerns) return false;
    s.history.set(event.id, r.hash);
    s.channel.push(r.payload);
    return true;
  }

  /**
   * Checks every connection's credential again, at this moment, in one statement for all token holders: everyone is
   * the viewer `lap.viewer_of` says now (a membership that ended makes an ANONYMOUS viewer). API keys are checked the
   * same way: one statement for the distinct keys (`lap.api_key_active`). Returns the connections whose credential no
   * longer works (a token expired, a person gone, a key revoked, expired or of an organization no longer endorsed);
   * with `close`, they are closed (4403) too.
   */
  private async recheck(subscribers: readonly Subscriber[], now: Date, count: StatementCount | null, close: boolean): Promise<Set<LiveConnection>> {
    const refused = new Set<LiveConnection>();
    const refuse = (c: LiveConnection, reason: string) => {
      refused.add(c);
      if (close) c.close(4403, reason);
    };
    const connections = new Set(subscribers.map((s) => s.connection));
    const people = new Map<string, LiveConnection[]>();
    const keys = new Map<string, LiveConnection[]>();
    for (const c of connections) {
      if (c.closed) continue;
      const credential = c.credential;
      if (credential.kind === 'apiKey') {
        const list = keys.get(credential.keyId) ?? [];
        list.push(c);
        keys.set(credential.keyId, list);
        continue;
      }
      if (credential.kind !== 'token') continue;
      if (credential.expiresAt && credential.expiresAt.getTime() <= now.getTime()) {
        refuse(c, 'token expired');
        continue;
      }
      const list = people.get(credential.personId) ?? [];
      list.push(c);
      people.set(credential.personId, list);
    }
    if (keys.size > 0) {
      // A key revoked or expired, or of an organization no longer endorsed, stops working (DOMAIN §8), here too.
      const active = await apiKeyActive(this.o.ds, [...keys.keys()], now, count);
      for (const [keyId, conns] of keys) if (!active.has(keyId)) for (const c of conns) refuse(c, 'the API key is no longer valid');
    }
    if (people.size === 0) return refused;
    const rows = await lookupViewers(this.o.ds, [...people.keys()], now, count);
    const missing = [...people.keys()].filter((id) => !rows.has(id));
    // Why nobody, for the close reason: a person who has left, or one the hub does not know (rare: only then a statement).
    const left = missing.length ? await peopleWhoLeft(this.o.ds, missing, null, count) : new Set<string>();
    for (const [personId, conns] of people) {
      const row = rows.get(personId);
      for (const c of conns) {
        if (!row) refuse(c, left.has(personId) ? 'the person has left the network' : 'the token is for no known person');
        else c.viewer = viewerOfRow(row);
      }
    }
    return refused;
  }

  /**
   * Calls `fn` once per group of subscribers with the same viewer, selection and `extra` key, each in one of the
   * `concurrency` places (shared with the lanes).
   */
  private async eachGroup(
    subscribers: readonly Subscriber[],
    extra: (s: Subscriber) => string,
    fn: (viewer: Viewer, selection: LiveSelection, subscribers: Subscriber[]) => Promise<void>,
  ): Promise<number> {
    const list = [...groupsOf(subscribers, extra).values()];
    await Promise.all(
      list.map(async (group) => {
        await this.acquire();
        try {
          await fn(group[0].connection.viewer, group[0].selection, group);
        } finally {
          this.release();
        }
      }),
    );
    return list.length;
  }

  /**
   * The payload of `selection` for `event` as `viewer` sees it now: the subscription field resolved under
   * `withViewer` (one read-only transaction), exactly as a query's fields are. Null when the database failed (logged).
   */
  private async resolve(
    viewer: Viewer,
    selection: LiveSelection,
    events: readonly LiveEvent[],
    now: Date,
    withPart: boolean,
    count: StatementCount | null = null,
  ): Promise<Resolution | null> {
    const event = events[0];
    try {
      return await withViewer(this.o.ds, viewer, now, async (db) => {
        const trail = new AuditTrail(viewer, now, CaseAccessPath.SUBSCRIPTION);
        const context: Context = { viewer, db, data: new Data(db, viewer, trail), audit: trail, redactions: new Redactions(), config: this.o.config, now: () => now };
        // Parts only: whether any concerns this viewer, first. When none does, no subscriber of the group is sent
        // anything whatever the payload (`deliver`), so it is not read: one statement, not the selection's, for each
        // change the viewer cannot see.
        const partConcerns = withPart ? await context.data.live.partConcerns(events) : false;
        if (withPart && !partConcerns) return { hidden: false, payload: {}, hash: NOT_READ, partConcerns: false };
        // The credential, asked again as the first statement of the payload's reads: its snapshot is the one every row
        // of the payload is read on. `recheck` asked it when the event was taken, but groups are resolved in turns after
        // it: a key revoked or a membership ended meanwhile (and the rows written after) must not reach a viewer the
        // credential no longer makes. Sent with the payload's first statements, in the same round trip.
        const stillValid = credentialStillValid(db, viewer, now);
        const executed = execute({
          schema: this.o.schema,
          document: selection.document,
          rootValue: event,
          contextValue: context,
          variableValues: selection.variables,
          operationName: selection.operationName,
        });
        const [valid, result] = await Promise.all([stillValid, executed]);
        // A subscription has one root field (`onSubscribe` refuses one that could be skipped): no data under it is
        // nothing this viewer may be told about.
        const hidden =
          !valid || result.data == null || Object.keys(result.data).length === 0 || (result.errors ?? []).some((e) => e.extensions?.code === NOT_VISIBLE);
        if (hidden) return { hidden: true, payload: {}, hash: HIDDEN, partConcerns: false };
        const payload: ExecutionResult = { data: result.data };
        if (result.errors?.length) payload.errors = result.errors.map((e) => this.o.formatError(e)) as unknown as GraphQLError[];
        if (context.redactions.size) payload.extensions = { redacted: context.redactions.entries() };
        const hash = crypto.createHash('sha256').update(JSON.stringify(payload)).digest('base64');
        return { hidden: false, payload, hash, partConcerns, trail };
      }, true, count);
    } catch (err) {
      this.o.logger.error({ err, topic: event.topic }, 'a live update could not be resolved');
      return null;
    }
  }
}

/**
 * Whether `viewer` is still who its credential makes, in `db`'s transaction: an API key still active
 * (`lap.api_key_active`: not revoked, not expired, its organization endorsed), a person still of the same kind and
 * organization (`lap.viewer_of`, as every request's lookup). An anonymous viewer has nothing to check.
 */
async function credentialStillValid(db: ViewerDb, viewer: Viewer, now: Date): Promise<boolean> {
  const at = now.toISOString();
  if (viewer.apiKey) {
    const [row] = await db.query<{ ok: boolean }>(`SELECT lap.api_key_active($1::uuid, $2::timestamptz) AS ok`, [viewer.apiKey.id, at]);
    return row?.ok === true;
  }
  if (!viewer.personId) return true;
  const [row] = await db.query<{ kind: string; own_org: string | null }>(`SELECT v.kind, v.own_org FROM lap.viewer_of($1::uuid, NULL, $2::timestamptz) AS v`, [viewer.personId, at]);
  return row !== undefined && row.kind === viewer.kind && (row.own_org ?? null) === (viewer.ownOrgId ?? null);
}

/**
 * Events as dispatches: consecutive parts of one row (`isPartOnly`, the same topic and id: one transaction's, as
 * `mergeEvents` lists them) in one group; any other event alone.
 */
export function partGroups(events: readonly LiveEvent[]): LiveEvent[][] {
  const groups: LiveEvent[][] = [];
  for (const e of events) {
    const last = groups[groups.length - 1];
    if (last && isPartOnly(e) && isPartOnly(last[0]) && last[0].topic === e.topic && last[0].id === e.id) last.push(e);
    else groups.push([e]);
  }
  return groups;
}
