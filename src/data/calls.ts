import DataLoader from 'dataloader';
import { CallExclusion } from '../../entities/call-exclusion.entity';
import { CallSegment } from '../../entities/call-segment.entity';
import { Case } from '../../entities/case.entity';
import { ConferenceCall } from '../../entities/conference-call.entity';
import { PrivateSectorMember } from '../../entities/participant.entity';
import { raw, Sql, sql } from '../db/sql';
import { byKey, groupBy, uuidArray } from './batch';
import type { Data } from './index';
import { participantColumns } from './participants';

type Row = Record<string, unknown>;

/** Conference calls, segments, invitations, exclusions (DOMAIN §4 "Conference calls"), batched per request. */
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
   */
  segmentColumns(alias: string): Sql {
    const columns = this.db.metadata(CallSegment).columns.filter((c) => c.databaseName !== 'position').map((c) => `${alias}.${c.databaseName}`);
    const s = raw(alias);
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
      sql`SELECT s.call_id AS __key, ${this.segmentColumns('s')} FROM call_segment s
          WHERE s.call_id = ANY (${uuidArray(callIds)}) ORDER BY s.position`,
    );
    return groupBy(callIds, rows, this.db.hydrate(CallSegment, rows));
  });

  readonly invitedBySegment = new DataLoader<string, PrivateSectorMember[]>(async (segmentIds) => {
    const rows = await this.rows(
      sql`SELECT i.segment_id AS __key, ${participantColumns('p')} FROM call_segment_invitation i JOIN participant p ON p.id = i.member_id
          WHERE i.segment_id = ANY (${uuidArray(segmentIds)}) ORDER BY p.name, p.id`,
    );
    return groupBy(segmentIds, rows, this.db.hydrate(PrivateSectorMember, rows));
  });

  readonly discussedCasesBySegment = new DataLoader<string, Case[]>(async (segmentIds) => {
    const rows = await this.rows(
      sql`SELECT sc.segment_id AS __key, ${this.data.cases.caseColumns('c')} FROM call_segment_case sc JOIN enforcement_case c ON c.id = sc.case_id
          WHERE sc.segment_id = ANY (${uuidArray(segmentIds)})
          ORDER BY c.harm_score DESC, c.id`,
    );
    return groupBy(segmentIds, rows, this.data.cases.hydrateCases(rows));
  });

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
}
