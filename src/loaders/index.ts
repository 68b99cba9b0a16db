import DataLoader from 'dataloader';
import type { ViewerDb } from '../db/viewer-db';
import { CallExclusion } from '../../entities/call-exclusion.entity';
import { CallSegment } from '../../entities/call-segment.entity';
import { Case, CaseConfidential } from '../../entities/case.entity';
import { CaseShare } from '../../entities/case-share.entity';
import { ConferenceCall } from '../../entities/conference-call.entity';
import { Country } from '../../entities/country.entity';
import { ParticipantKind } from '../../entities/enums';
import { Agency, Participant, PrivateSectorMember } from '../../entities/participant.entity';
import { Person } from '../../entities/person.entity';
import { hydrate } from '../db/hydrate';
import { raw, Sql, sql } from '../db/sql';
import { callPolicy } from '../policy/call.policy';
import { participantPolicy } from '../policy/participant.policy';
import type { Viewer } from '../policy/viewer';

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

export function participantClass(row: Row) {
  return row.kind === ParticipantKind.AGENCY ? Agency : PrivateSectorMember;
}

/**
 * Everything a request reads, batched and cached for that request only: a fresh set per request, never shared between
 * viewers. Every loader of a restricted type applies that type's row scope in SQL, so any path to a row — a lookup, a
 * connection, a nested field — sees exactly the rows the viewer may see.
 */
export class Loaders {
  constructor(
    readonly db: ViewerDb,
    readonly viewer: Viewer,
  ) {}

  async rows(query: Sql): Promise<Row[]> {
    const { text, values } = query.compile();
    return this.db.query<Row>(text, values);
  }

  // ---- cases -------------------------------------------------------------------------------------------------
  /**
   * `SELECT` list of a case row: the entity's row and listing columns, and the confidential tier as one JSON value —
   * from `case_confidential`, whose row-level security returns the tier only to the lead agency's people and the
   * people a share reaches (lap.case_tier_readable), so the value is NULL for every other row.
   */
  caseColumns(alias: string): Sql {
    const columns = this.db.metadata(Case).columns.map((c) => `${alias}.${c.databaseName}`);
    const c = raw(alias);
    return sql`${raw(columns.join(', '))},
      (SELECT json_build_object(
        'summary', t.summary, 'suspects', t.suspects, 'evidence', t.evidence,
        'investigatorNotes', t.investigator_notes, 'victimCount', t.victim_count,
        'estimatedLossUsd', t.estimated_loss_usd, 'vulnerableVictims', t.vulnerable_victims,
        'ongoingHarm', t.ongoing_harm) FROM case_confidential t WHERE t.case_id = ${c}.id) AS __confidential,
      lap.case_editable(${c}.lead_agency_id) AS __editable`;
  }

  hydrateCases(rows: Row[]): Case[] {
    const cases = this.db.hydrate(Case, rows);
    cases.forEach((c, i) => {
      const tier = rows[i].__confidential as Omit<CaseConfidential, 'caseId'> | null;
      c.confidentialTier = tier ? { ...tier, caseId: c.id } : null;
      c.editable = rows[i].__editable === true;
      this.caseById.prime(c.id, c);
    });
    return cases;
  }

  readonly caseById = new DataLoader<string, Case | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT ${this.caseColumns('c')} FROM enforcement_case c WHERE c.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.hydrateCases(rows), (c) => c.id);
  });

  readonly countriesByCase = new PeekLoader<string, Country[]>(async (caseIds) => {
    const rows = await this.rows(
      sql`SELECT cc.case_id AS __key, co.* FROM case_country cc JOIN country co ON co.code = cc.country_code
          WHERE cc.case_id = ANY (${uuidArray(caseIds)}) ORDER BY co.code`,
    );
    return groupBy(caseIds, rows, this.db.hydrate(Country, rows));
  });

  readonly sharesByCase = new DataLoader<string, CaseShare[]>(async (caseIds) => {
    const rows = await this.rows(
      sql`SELECT s.case_id AS __key, s.* FROM case_share s WHERE s.case_id = ANY (${uuidArray(caseIds)}) ORDER BY s.granted_at, s.id`,
    );
    return groupBy(caseIds, rows, this.db.hydrate(CaseShare, rows));
  });

  /**
   * A share by id, unscoped: for the revokeShare rule only, which then checks the share's case through the scoped
   * `caseById` and the confidential-tier policy before anything is revealed.
   */
  readonly shareById = new DataLoader<string, CaseShare | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT s.* FROM case_share s WHERE s.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.db.hydrate(CaseShare, rows), (s) => s.id);
  });

  // ---- participants, people, countries ------------------------------------------------------------------------
  readonly participantById = new PeekLoader<string, Participant | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT p.* FROM participant p WHERE p.id = ANY (${uuidArray(ids)}) AND ${participantPolicy.scope(this.viewer, 'p')}`,
    );
    return byKey(ids, this.db.hydrate(Participant, rows, participantClass), (p) => p.id);
  });

  readonly personById = new DataLoader<string, Person | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT pe.* FROM person pe WHERE pe.id = ANY (${uuidArray(ids)}) AND ${participantPolicy.personScope(this.viewer, 'pe')}`,
    );
    return byKey(ids, this.db.hydrate(Person, rows), (p) => p.id);
  });

  readonly countryByCode = new PeekLoader<string, Country | null>(async (codes) => {
    const rows = await this.rows(sql`SELECT co.* FROM country co WHERE co.code = ANY (${[...codes]}::text[])`);
    return byKey(codes, this.db.hydrate(Country, rows), (c) => c.code.trim());
  });

  // ---- calls ----------------------------------------------------------------------------------------------------
  readonly callById = new DataLoader<string, ConferenceCall | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT c.* FROM conference_call c WHERE c.id = ANY (${uuidArray(ids)}) AND ${callPolicy.callScope(this.viewer, 'c')}`,
    );
    return byKey(ids, this.db.hydrate(ConferenceCall, rows), (c) => c.id);
  });

  readonly segmentById = new DataLoader<string, CallSegment | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT s.* FROM call_segment s WHERE s.id = ANY (${uuidArray(ids)}) AND ${callPolicy.segmentScope(this.viewer, 's')}`,
    );
    return byKey(ids, this.db.hydrate(CallSegment, rows), (s) => s.id);
  });

  readonly segmentsByCall = new DataLoader<string, CallSegment[]>(async (callIds) => {
    const rows = await this.rows(
      sql`SELECT s.call_id AS __key, s.* FROM call_segment s
          WHERE s.call_id = ANY (${uuidArray(callIds)}) AND ${callPolicy.segmentScope(this.viewer, 's')} ORDER BY s.position`,
    );
    return groupBy(callIds, rows, this.db.hydrate(CallSegment, rows));
  });

  readonly invitedBySegment = new DataLoader<string, PrivateSectorMember[]>(async (segmentIds) => {
    const rows = await this.rows(
      sql`SELECT i.segment_id AS __key, p.* FROM call_segment_invitation i JOIN participant p ON p.id = i.member_id
          WHERE i.segment_id = ANY (${uuidArray(segmentIds)}) AND ${participantPolicy.scope(this.viewer, 'p')} ORDER BY p.name, p.id`,
    );
    return groupBy(segmentIds, rows, this.db.hydrate(PrivateSectorMember, rows));
  });

  readonly discussedCasesBySegment = new DataLoader<string, Case[]>(async (segmentIds) => {
    const rows = await this.rows(
      sql`SELECT sc.segment_id AS __key, ${this.caseColumns('c')} FROM call_segment_case sc JOIN enforcement_case c ON c.id = sc.case_id
          WHERE sc.segment_id = ANY (${uuidArray(segmentIds)})
          ORDER BY c.harm_score DESC, c.id`,
    );
    return groupBy(segmentIds, rows, this.hydrateCases(rows));
  });

  readonly exclusionsByCall = new DataLoader<string, CallExclusion[]>(async (callIds) => {
    const rows = await this.rows(
      sql`SELECT e.call_id AS __key, e.* FROM call_exclusion e
          WHERE e.call_id = ANY (${uuidArray(callIds)}) AND ${callPolicy.exclusionScope(this.viewer)} ORDER BY e.created_at, e.id`,
    );
    return groupBy(callIds, rows, this.db.hydrate(CallExclusion, rows));
  });

  readonly exclusionById = new DataLoader<string, CallExclusion | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT e.* FROM call_exclusion e WHERE e.id = ANY (${uuidArray(ids)}) AND ${callPolicy.exclusionScope(this.viewer)}`,
    );
    return byKey(ids, this.db.hydrate(CallExclusion, rows), (e) => e.id);
  });
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
  return sql`${ids.filter(isUuid)}::uuid[]`;
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
