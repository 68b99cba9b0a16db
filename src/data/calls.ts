import DataLoader from 'dataloader';
import { CallExclusion } from '../../entities/call-exclusion.entity';
import { CallSegment } from '../../entities/call-segment.entity';
import { Case } from '../../entities/case.entity';
import { ConferenceCall } from '../../entities/conference-call.entity';
import { CallWindow, ParticipantKind, ParticipantStatus, SegmentAudience } from '../../entities/enums';
import { PrivateSectorMember } from '../../entities/participant.entity';
import type { AddSegmentInput, ExcludeFromCallInput, ScheduleCallInput } from '../../resolvers/types/call.input';
import type { PageArgs } from '../../resolvers/types/common.args';
import { raw, Sql, sql } from '../db/sql';
import type { Page } from '../graphql/connection';
import { badInput, forbidden, LAST_YEAR, mustBeInTheFuture, notFound, refusedByPolicy, refusedByRule } from '../graphql/errors';
import { OrderKey, paginate } from '../graphql/paginate';
import { byKey, groupBy, isUuid, uuidArray } from './batch';
import type { LiveEvent } from '../live/events';
import type { Data } from './index';
import { participantColumns } from './participants';

type Row = Record<string, unknown>;

/** Calls per quarter of one year (§A.3: calls at least quarterly). */
export interface Cadence {
  year: number;
  callsPerQuarter: number[];
  quartersWithoutCall: number[];
}

/**
 * Of an exclusion row `e` (in its statement's RETURNING, as the objecting agency, who sees every segment, invitation
 * and exclusion): the segments whose participants it changes — those the member is invited to within its scope (the
 * segment, or every segment of the call) where no other standing exclusion of the member covers that segment (one of
 * the same segment, or of the whole call). Empty when the member was already kept out by another agency's exclusion,
 * or is not invited there, or is no longer an endorsed participant (it takes part in nothing either way): then only who
 * sees exclusions sees anything change. For the live event only.
 */
const SEGMENTS_CHANGED = `ARRAY(SELECT s.id FROM call_segment_invitation i JOIN call_segment s ON s.id = i.segment_id
  WHERE i.member_id = e.member_id AND s.call_id = e.call_id AND (e.segment_id IS NULL OR s.id = e.segment_id)
    -- a member withdrawn from the network takes part in nothing either way (lap.viewer_segment_participants)
    AND EXISTS (SELECT 1 FROM participant p WHERE p.id = e.member_id AND lap.participant_status(p.status, p.objection_deadline, p.id) = 'ENDORSED')
    AND NOT EXISTS (SELECT 1 FROM call_exclusion o WHERE o.id <> e.id AND o.member_id = e.member_id AND o.call_id = e.call_id
                    AND o.withdrawn_at IS NULL AND (o.segment_id IS NULL OR o.segment_id = s.id)))`;

/**
 * Objections to one member in one call are made and withdrawn one transaction at a time (a lock held to the commit):
 * each statement's `SEGMENTS_CHANGED` then sees every objection committed before it. Without it, two agencies
 * withdrawing their objections to the same member at once would each see the other's still standing, and neither
 * event would say that the member takes part again. The SQL expression that takes it, of a call and a member (SQL).
 */
export function lockMemberInCall(call: string, member: string): string {
  return `pg_advisory_xact_lock(hashtextextended('lap.call_exclusion/' || ${call}::text || '/' || ${member}::text, 0))`;
}

/** The live event of an exclusion made or withdrawn (src/data/live.ts `partConcerns` decides who hears of it). */
function exclusionEvent(callId: string, exclusionId: string, segmentId: string | null, memberId: string, changed: string[]): LiveEvent {
  return {
    topic: 'call',
    id: callId,
    exclusion: exclusionId,
    ...(segmentId ? { segment: segmentId } : {}),
    ...(changed.length ? { member: memberId, participants: changed } : {}),
  };
}

/**
 * Conference calls, segments, invitations, exclusions (DOMAIN §4 "Conference calls"), batched per request. Row-level
 * security decides every row: lap.call_visible, lap.segment_visible, the invitation policy (a private-sector member
 * sees only the members taking part), exclusions for agencies only; and every write (coordinators manage calls, any
 * agency objects, only the objecting agency withdraws).
 */
export class CallData {
  constructor(private readonly data: Data) {}

  private get db() {
    return this.data.db;
  }

  private rows(query: Sql): Promise<Row[]> {
    return this.db.rows<Row>(query);
  }

  /**
   * `SELECT` list of a segment: its columns, with `position` replaced by its place among the segments of its call that
   * this viewer sees (row-level security filters the count too), so that no gap hints at a hidden segment.
   *
   * `wholeCalls`: the statement reads every segment of each of its calls that the viewer sees, so that place is the
   * row's number within its call in the order of `position` (unique per call), counted over the rows the statement
   * already has instead of by a second read of the call's segments under their policy for every row.
   */
  segmentColumns(alias: string, wholeCalls = false): Sql {
    const columns = this.db.metadata(CallSegment).columns.filter((c) => c.databaseName !== 'position').map((c) => `${alias}.${c.databaseName}`);
    const s = raw(alias);
    if (wholeCalls) return sql`${raw(columns.join(', '))}, row_number() OVER (PARTITION BY ${s}.call_id ORDER BY ${s}.position)::int AS position`;
    return sql`${raw(columns.join(', '))},
      (SELECT count(*)::int FROM call_segment o WHERE o.call_id = ${s}.call_id AND o.position <= ${s}.position) AS position`;
  }

  readonly callById = new DataLoader<string, ConferenceCall | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT c.* FROM conference_call c WHERE c.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.db.hydrate(ConferenceCall, rows), (c) => c.id);
  });

  readonly segmentById = new DataLoader<string, CallSegment | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT ${this.segmentColumns('s')} FROM call_segment s WHERE s.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.db.hydrate(CallSegment, rows), (s) => s.id);
  });

  readonly segmentsByCall = new DataLoader<string, CallSegment[]>(async (callIds) => {
    const rows = await this.rows(
      sql`SELECT s.call_id AS __key, ${this.segmentColumns('s', true)} FROM call_segment s
          WHERE s.call_id = ANY (${uuidArray(callIds)}) ORDER BY s.position`,
    );
    return groupBy(callIds, rows, this.db.hydrate(CallSegment, rows));
  });

  readonly invitedBySegment = new DataLoader<string, PrivateSectorMember[]>(async (segmentIds) => {
    const rows = await this.rows(
      sql`SELECT i.segment_id AS __key, ${participantColumns('p')} FROM call_segment_invitation i JOIN participant p ON p.id = i.member_id
          WHERE i.segment_id = ANY (${uuidArray(segmentIds)}) ORDER BY p.name COLLATE "C", p.id`,
    );
    return groupBy(segmentIds, rows, this.db.hydrate(PrivateSectorMember, rows));
  });

  readonly discussedCasesBySegment = this.discussedCases(null);

  /** Per key of `listingColumns`, the loader of `discussedListingsBySegment`. */
  private readonly discussedListings = new Map<string, DataLoader<string, Case[]>>();

  /**
   * The same lists as `discussedCasesBySegment`, of rows without tier and rights and with only the columns `columns`
   * names (`listingColumns`), for fields asking only for `CASE_LISTING_FIELDS`: a loader per set of columns.
   */
  discussedListingsBySegment(columns: string): DataLoader<string, Case[]> {
    let loader = this.discussedListings.get(columns);
    if (!loader) this.discussedListings.set(columns, (loader = this.discussedCases(columns)));
    return loader;
  }

  /** `columns`: null for whole rows with tier and rights, or a key of `listingColumns`. */
  private discussedCases(columns: string | null): DataLoader<string, Case[]> {
    return new DataLoader<string, Case[]>(async (segmentIds) => {
      const rows = await this.rows(
        sql`SELECT sc.segment_id AS __key, ${this.data.cases.caseColumns('c', columns ?? false)} FROM call_segment_case sc JOIN enforcement_case c ON c.id = sc.case_id
            WHERE sc.segment_id = ANY (${uuidArray(segmentIds)})
            ORDER BY c.harm_score DESC, c.id`,
      );
      return groupBy(segmentIds, rows, this.data.cases.hydrateCases(rows, columns !== null));
    });
  }

  /**
   * The segments of these calls and the cases each discusses, in two statements sent together rather than one after
   * the other: the discussed cases are read by call (the segments the viewer may see, joined under the same policies as
   * `discussedCasesBySegment` reads them) and handed to `discussedCasesBySegment` (with `columns`, a key of
   * `listingColumns`: to `discussedListingsBySegment(columns)`) for every segment `segmentsByCall` found, so each
   * segment's field answers from the cache with exactly the rows its own statement would have found.
   */
  async prefetchSegmentsWithCases(callIds: readonly string[], columns: string | null = null): Promise<void> {
    const [segments, rows] = await Promise.all([
      this.segmentsByCall.loadMany(callIds),
      this.rows(
        sql`SELECT sc.segment_id AS __key, ${this.data.cases.caseColumns('c', columns ?? false)}
            FROM call_segment s JOIN call_segment_case sc ON sc.segment_id = s.id JOIN enforcement_case c ON c.id = sc.case_id
            WHERE s.call_id = ANY (${uuidArray(callIds)})
            ORDER BY c.harm_score DESC, c.id`,
      ),
    ]);
    const segmentIds = segments.flatMap((list) => (list instanceof Error ? [] : list.map((s) => s.id)));
    const discussed = groupBy(segmentIds, rows, this.data.cases.hydrateCases(rows, columns !== null));
    const loader = columns !== null ? this.discussedListingsBySegment(columns) : this.discussedCasesBySegment;
    segmentIds.forEach((id, i) => loader.prime(id, discussed[i]));
  }

  readonly exclusionsByCall = new DataLoader<string, CallExclusion[]>(async (callIds) => {
    const rows = await this.rows(
      sql`SELECT e.call_id AS __key, e.* FROM call_exclusion e
          WHERE e.call_id = ANY (${uuidArray(callIds)}) ORDER BY e.created_at, e.id`,
    );
    return groupBy(callIds, rows, this.db.hydrate(CallExclusion, rows));
  });

  readonly exclusionById = new DataLoader<string, CallExclusion | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT e.* FROM call_exclusion e WHERE e.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.db.hydrate(CallExclusion, rows), (e) => e.id);
  });

  // ---- lists ---------------------------------------------------------------------------------------------------------

  /** The calls the viewer may see in a window of time: upcoming ones soonest first, past ones latest first. */
  page(when: CallWindow, now: Date, args: PageArgs, withCount = false): Promise<Page<ConferenceCall>> {
    const window = when === CallWindow.UPCOMING ? sql`c.scheduled_at >= ${now}` : when === CallWindow.PAST ? sql`c.scheduled_at < ${now}` : sql`TRUE`;
    const direction = when === CallWindow.PAST ? 'DESC' : 'ASC';
    const order: OrderKey[] = [
      { expr: 'c.scheduled_at', direction, type: 'timestamptz' },
      { expr: 'c.id', direction: 'ASC', type: 'uuid' },
    ];
    return paginate(this.db, {
      from: sql`conference_call c`,
      select: sql`c.*`,
      where: window,
      order,
      first: args.first,
      after: args.after,
      withCount,
      countInOneScan: true,
      hydrate: (rows) => this.db.hydrate(ConferenceCall, rows),
    });
  }

  /** The calls the viewer may see in each quarter of `year` (UTC), and the quarters with none. */
  async cadence(year: number): Promise<Cadence> {
    if (!Number.isInteger(year) || year < 2004 || year > LAST_YEAR) throw badInput('year', `must be a year from 2004 to ${LAST_YEAR}`);
    const rows = await this.rows(
      sql`SELECT extract(quarter FROM c.scheduled_at AT TIME ZONE 'UTC')::int AS q, count(*)::int AS n FROM conference_call c
          WHERE extract(year FROM c.scheduled_at AT TIME ZONE 'UTC') = ${year}
          GROUP BY 1`,
    );
    const callsPerQuarter = [1, 2, 3, 4].map((q) => Number(rows.find((r) => r.q === q)?.n ?? 0));
    return { year, callsPerQuarter, quartersWithoutCall: callsPerQuarter.flatMap((n, i) => (n === 0 ? [i + 1] : [])) };
  }

  // ---- writes --------------------------------------------------------------------------------------------------------

  /** The call a mutation names, as the viewer sees it; a hidden call is answered exactly like a missing one. */
  async visibleCall(argument: string, id: string): Promise<ConferenceCall> {
    const call = await this.callById.load(id);
    if (!call) throw notFound(argument, 'call');
    return call;
  }

  /** The segment a mutation names, as the viewer sees it; a hidden segment is answered exactly like a missing one. */
  async visibleSegment(argument: string, id: string): Promise<CallSegment> {
    const segment = await this.segmentById.load(id);
    if (!segment) throw notFound(argument, 'segment');
    return segment;
  }

  private async endorsedMember(argument: string, id: string): Promise<PrivateSectorMember> {
    const p = await this.data.participants.participantById.load(id);
    if (!p || p.kind !== ParticipantKind.PRIVATE_SECTOR || p.status !== ParticipantStatus.ENDORSED) {
      throw notFound(argument, 'endorsed private-sector member');
    }
    return p as PrivateSectorMember;
  }

  /** The segment as it is now, after a write of this request. */
  private reloadSegment(id: string): Promise<CallSegment> {
    this.segmentById.clear(id);
    this.invitedBySegment.clear(id);
    this.discussedCasesBySegment.clear(id);
    for (const loader of this.discussedListings.values()) loader.clear(id);
    return this.visibleSegment('segmentId', id);
  }

  /** Runs a write; a policy refusal (SQLSTATE 42501) is FORBIDDEN. */
  private write<T>(fn: () => Promise<T>): Promise<T> {
    return this.db.atomically(fn).catch((err) => {
      throw refusedByPolicy(err);
    });
  }

  /** Schedules a call organized by the viewer's agency: the call_schedule policy admits coordinators only (§C.2). */
  async schedule(input: ScheduleCallInput, now: Date): Promise<ConferenceCall> {
    if (Number.isNaN(input.scheduledAt.getTime())) throw badInput('input.scheduledAt', 'is not a date');
    // Scheduled before it is held: a call dated in the past would fill a quarter the cadence reports as without one.
    mustBeInTheFuture('input.scheduledAt', input.scheduledAt, now);
    const [row] = await this.write(() =>
      this.db.query<{ id: string }>(
        `INSERT INTO conference_call (title, scheduled_at, duration_minutes, organizer_id, dial_in) VALUES ($1,$2,$3,lap.viewer_org(),$4) RETURNING id`,
        [input.title, input.scheduledAt, input.durationMinutes, input.dialIn ?? null],
      ),
    );
    this.db.emit({ topic: 'call', id: row.id });
    return this.visibleCall('id', row.id);
  }

  /**
   * Adds a segment at a position (after the last by default), moving later ones down. The call is locked first
   * (call_manage: coordinators only — a call the viewer sees but may not manage locks nothing, FORBIDDEN), so that
   * position changes on one call run one after another.
   */
  async addSegment(input: AddSegmentInput): Promise<CallSegment> {
    const call = await this.visibleCall('input.callId', input.callId);
    const id = await this.write(async () => {
      const locked = await this.db.query(`SELECT 1 FROM conference_call WHERE id = $1 FOR UPDATE`, [call.id]);
      if (locked.length !== 1) throw forbidden();
      const [{ last }] = await this.db.query<{ last: number }>(`SELECT coalesce(max(position), 0)::int AS last FROM call_segment WHERE call_id = $1`, [call.id]);
      const position = input.order ?? last + 1;
      if (position < 1 || position > last + 1) throw badInput('input.order', `must be from 1 to ${last + 1}`);
      // Shift later segments down in two steps, through positions above the last one, so that neither the unique
      // (call, position) nor the check position >= 1 fails midway.
      await this.db.query(`UPDATE call_segment SET position = position + $3 WHERE call_id = $1 AND position >= $2`, [call.id, position, last + 1]);
      await this.db.query(`UPDATE call_segment SET position = position - $2 WHERE call_id = $1 AND position > $2`, [call.id, last]);
      const [row] = await this.db.query<{ id: string }>(
        `INSERT INTO call_segment (call_id, position, title, topic, audience) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
        [call.id, position, input.title, input.topic, input.audience],
      );
      // A new segment: whoever sees it sees the change (a later segment's `order` moves only for those who see both).
      this.db.emit({ topic: 'call', id: call.id, segment: row.id });
      return row.id;
    });
    this.segmentsByCall.clear(call.id);
    return this.reloadSegment(id);
  }

  /** Invites an endorsed private-sector member to a PRIVATE_SECTOR_INVITED segment (invitation_add: coordinators). */
  async invite(segmentId: string, memberId: string): Promise<CallSegment> {
    const segment = await this.visibleSegment('segmentId', segmentId);
    if (segment.audience !== SegmentAudience.PRIVATE_SECTOR_INVITED) {
      throw badInput('segmentId', 'is a LAW_ENFORCEMENT_ONLY segment: private-sector members cannot be invited');
    }
    const member = await this.endorsedMember('memberId', memberId);
    const added = await this.db
      .atomically(() =>
        this.db.query(`INSERT INTO call_segment_invitation (segment_id, member_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING segment_id`, [segment.id, member.id]),
      )
      .catch((err) => {
        // The member withdrawn at the same moment (lap.endorsed_named, under its row's lock).
        throw refusedByRule(err, { endorsed_named: () => notFound('memberId', 'endorsed private-sector member') });
      });
    // Heard by who sees the new invitation (src/data/live.ts): agencies, and the members taking part once it does.
    if (added.length) this.db.emit({ topic: 'call', id: segment.callId, segment: segment.id, member: member.id });
    return this.reloadSegment(segment.id);
  }

  /**
   * Records (replaces) a segment's minutes (segment_manage: coordinators; a refused update changes no row: FORBIDDEN).
   * The minutes as they already were change nothing: `minutesRecordedAt` stays, and no live event is announced.
   */
  async recordMinutes(segmentId: string, minutes: string): Promise<CallSegment> {
    const segment = await this.visibleSegment('segmentId', segmentId);
    const rows = await this.write(async () => {
      // The row locked first (segment_manage's USING: a viewer who may not record minutes locks nothing): the minutes as
      // they were are then the ones committed last, also when another coordinator's recordMinutes was waited for (the
      // UPDATE's own sub-select would read them as they were when the statement began, and take "M" written meanwhile
      // for "as before": no new time, no event). FOR NO KEY UPDATE, the lock the UPDATE takes anyway: FOR UPDATE also
      // waited for the key-share locks of rows that reference the segment (a case linked, a member invited), and two
      // requests doing that and then recording minutes deadlocked.
      await this.db.query(`SELECT 1 FROM call_segment WHERE id = $1 FOR NO KEY UPDATE`, [segment.id]);
      return this.db.query<{ same: boolean }>(
        `UPDATE call_segment s SET minutes = $2::text,
           minutes_recorded_at = CASE WHEN before.minutes IS NOT DISTINCT FROM $2::text THEN before.minutes_recorded_at ELSE now() END
         FROM (SELECT id, minutes, minutes_recorded_at FROM call_segment WHERE id = $1) AS before
         WHERE s.id = before.id RETURNING before.minutes IS NOT DISTINCT FROM $2::text AS same`,
        [segment.id, minutes],
      );
    });
    if (rows.length !== 1) throw forbidden();
    if (!rows[0].same) this.db.emit({ topic: 'call', id: segment.callId, segment: segment.id });
    return this.reloadSegment(segment.id);
  }

  /** Links a case the viewer can see to a segment (segment_case_link: coordinators, and only a case they see). */
  async linkCase(segmentId: string, caseId: string): Promise<CallSegment> {
    const segment = await this.visibleSegment('segmentId', segmentId);
    const c = await this.data.cases.visible('caseId', caseId);
    const linked = await this.write(() =>
      this.db.query(`INSERT INTO call_segment_case (segment_id, case_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING segment_id`, [segment.id, c.id]),
    );
    if (linked.length) this.db.emit({ topic: 'call', id: segment.callId, segment: segment.id, linkedCase: c.id });
    return this.reloadSegment(segment.id);
  }

  /**
   * Records the viewer's agency's objection to a member's participation in a whole call or one segment
   * (exclusion_object: any agency, as itself). It takes effect at once: the segment and call policies read it.
   */
  async exclude(input: ExcludeFromCallInput): Promise<CallExclusion> {
    const call = await this.visibleCall('input.callId', input.callId);
    let segmentId: string | null = null;
    // Omitted or null: the whole call. Any string given names a segment, or is refused as naming none ("" too).
    if (input.segmentId != null) {
      const segment = await this.visibleSegment('input.segmentId', input.segmentId);
      if (segment.callId !== call.id) throw badInput('input.segmentId', 'is not a segment of this call');
      // No member takes part in it, and none can be invited to it (a segment's audience does not change): an objection
      // there would keep nobody out, and the agencies would read it listed as if it did.
      if (segment.audience !== SegmentAudience.PRIVATE_SECTOR_INVITED) {
        throw badInput('input.segmentId', 'is a LAW_ENFORCEMENT_ONLY segment: no private-sector member takes part in it');
      }
      segmentId = segment.id;
    }
    const member = await this.endorsedMember('input.memberId', input.memberId);
    const [row] = await this.write(async () => {
      await this.db.query(`SELECT ${lockMemberInCall('$1', '$2')}`, [call.id, member.id]);
      // One standing objection per agency, member and call or segment (under the lock above: no race makes two).
      const standing = await this.db.query(
        `SELECT 1 FROM call_exclusion WHERE call_id = $1 AND segment_id IS NOT DISTINCT FROM $2 AND member_id = $3
           AND objecting_agency_id = lap.viewer_org() AND withdrawn_at IS NULL`,
        [call.id, segmentId, member.id],
      );
      if (standing.length > 0) {
        throw badInput('input.memberId', `your agency already objects to this member's participation in this ${segmentId ? 'segment' : 'call'}`);
      }
      return this.db.query<{ id: string; changed: string[] }>(
        `INSERT INTO call_exclusion AS e (call_id, segment_id, member_id, objecting_agency_id, objected_by_id, reason)
         VALUES ($1,$2,$3,lap.viewer_org(),lap.viewer_person(),$4) RETURNING e.id, ${SEGMENTS_CHANGED} AS changed`,
        [call.id, segmentId, member.id, input.reason],
      );
    });
    this.db.emit(exclusionEvent(call.id, row.id, segmentId, member.id, row.changed));
    this.exclusionsByCall.clear(call.id);
    const exclusion = await this.exclusionById.load(row.id);
    if (!exclusion) throw forbidden();
    return exclusion;
  }

  /**
   * Withdraws an objection. The exclusion_withdraw policy lets only the objecting agency change it: an exclusion the
   * viewer sees but did not make changes no row, FORBIDDEN. The statement also tells whether it was already withdrawn
   * (then it is bad input, and the savepoint undoes the statement's no-op write).
   */
  async withdrawExclusion(id: string): Promise<CallExclusion> {
    if (!isUuid(id)) throw notFound('id', 'exclusion');
    const rows = await this.write(async () => {
      // The lock of the objection's member and call, as the viewer sees the objection (agencies: every one; anyone
      // else none: no lock, and the update below is refused).
      await this.db.query(`SELECT ${lockMemberInCall('call_id', 'member_id')} FROM call_exclusion WHERE id = $1`, [id]);
      const changed = await this.db.query<{ was: Date | null; call_id: string; segment_id: string | null; member_id: string; changed: string[] }>(
        `UPDATE call_exclusion e SET withdrawn_at = coalesce(e.withdrawn_at, now())
         FROM (SELECT id, withdrawn_at FROM call_exclusion WHERE id = $1) AS before
         WHERE e.id = before.id RETURNING before.withdrawn_at AS was, e.call_id, e.segment_id, e.member_id, ${SEGMENTS_CHANGED} AS changed`,
        [id],
      );
      if (changed.length === 1 && changed[0].was !== null) throw badInput('id', 'this objection is already withdrawn');
      if (changed.length === 1) {
        const { call_id, segment_id, member_id, changed: segments } = changed[0];
        this.db.emit(exclusionEvent(call_id, id, segment_id, member_id, segments));
      }
      return changed;
    });
    if (rows.length !== 1) {
      if (!(await this.exclusionById.load(id))) throw notFound('id', 'exclusion');
      throw forbidden();
    }
    this.exclusionById.clear(id);
    this.exclusionsByCall.clear(rows[0].call_id);
    const exclusion = await this.exclusionById.load(id);
    if (!exclusion) throw forbidden();
    return exclusion;
  }
}
