import DataLoader from 'dataloader';
import { Case, CaseConfidential } from '../../entities/case.entity';
import { CaseShare } from '../../entities/case-share.entity';
import { Country } from '../../entities/country.entity';
import { CaseOrder, HarmCategory, ParticipantStatus, Tlp } from '../../entities/enums';
import { Agency, Participant } from '../../entities/participant.entity';
import { Person } from '../../entities/person.entity';
import type { CaseFilter, OpenCaseInput, ShareCaseInput, UpdateCaseInput } from '../../resolvers/types/case.input';
import type { PageArgs } from '../../resolvers/types/common.args';
import { and, join, raw, Sql, sql } from '../db/sql';
import type { Page } from '../graphql/connection';
import { badInput, forbidden, notFound, refusedByPolicy, refusedByRule } from '../graphql/errors';
import { OrderKey, PageAround, paginate } from '../graphql/paginate';
import { harmScore } from '../harm';
import { byKey, groupBy, isUuid, loadAll, PeekLoader, uuidArray } from './batch';
import type { Data } from './index';

type Row = Record<string, unknown>;

/** What of a case's detail `CaseData.detail` may read besides the case itself. */
export type DetailPart = 'countries' | 'shares' | 'participants' | 'people';

const caseOrders: Record<CaseOrder, OrderKey[]> = {
  [CaseOrder.HARM]: [
    { expr: 'c.harm_score', direction: 'DESC', type: 'integer' },
    { expr: 'c.id', direction: 'ASC', type: 'uuid' },
  ],
  [CaseOrder.OPENED_AT]: [
    { expr: 'c.opened_at', direction: 'DESC', type: 'timestamptz' },
    { expr: 'c.id', direction: 'ASC', type: 'uuid' },
  ],
};

/**
 * The fields of a case that read only its row (and, through their own loaders, its lead agency and countries): a list
 * whose rows ask for nothing else reads them without the confidential tier and the viewer's rights, and only the columns
 * they read (`caseColumns(alias, listingColumns(fields))`). Any other field — `confidential`, `viewerCan`, the accountability fields, one added
 * later — makes the list read whole rows.
 */
export const CASE_LISTING_FIELDS: ReadonlySet<string> = new Set([
  '__typename', 'id', 'reference', 'title', 'status', 'categories', 'tlp', 'openedAt', 'harmScore', 'leadAgency', 'countries',
]);

/** Whether rows asking for these fields need only listing columns (`listingColumns`). */
export function listingOnly(fields: ReadonlySet<string>): boolean {
  for (const f of fields) if (!CASE_LISTING_FIELDS.has(f)) return false;
  return true;
}

/** The column each listing field reads (`leadAgency` and `countries` read through their loaders, by the row's keys). */
const LISTING_COLUMNS: Readonly<Record<string, string>> = {
  reference: 'reference', title: 'title', status: 'status', categories: 'categories', openedAt: 'opened_at', harmScore: 'harm_score',
};

/**
 * The columns a listing row needs for these fields (listing fields only: `listingOnly`), as a key (sorted, comma
 * separated) for `caseColumns(alias, columns)`: those the fields read, and always `id` (the row's key),
 * `lead_agency_id` (the lead agency's) and `tlp` (the audit trail records a TLP:RED row the response carries). A row
 * read with fewer columns than the entity has is a value for these fields only: every list of such rows is kept under
 * its own key, never where a selection asking for more could find it.
 */
export function listingColumns(fields: ReadonlySet<string>): string {
  let key = columnKeys.get(fields);
  if (key === undefined) {
    const columns = new Set(['id', 'lead_agency_id', 'tlp']);
    for (const f of fields) if (LISTING_COLUMNS[f]) columns.add(LISTING_COLUMNS[f]);
    columnKeys.set(fields, (key = [...columns].sort().join(',')));
  }
  return key;
}

/** `listingColumns` per set of fields (a field's set is made once per document: `selectedHere`). */
const columnKeys = new WeakMap<ReadonlySet<string>, string>();

/** Per case of `cc` (a CTE of `case_country` rows), its country codes in order (`case_id`, `codes`). */
function codesByCase(cc: string): Sql {
  return raw(`SELECT ${cc}.case_id, array_agg(${cc}.country_code::text ORDER BY ${cc}.country_code) AS codes FROM ${cc} GROUP BY ${cc}.case_id`);
}

/** The countries the `case_country` rows of `cc` name, each once, as one JSON value (under the country's policy). */
function countriesNamed(cc: string): Sql {
  return raw(`(SELECT json_agg(co) FROM country co WHERE co.code IN (SELECT ${cc}.country_code FROM ${cc}))`);
}

/** A case's countries from its codes; a code naming no country the viewer reads names nothing. */
function countriesIn(codes: readonly string[] | null | undefined, byCode: ReadonlyMap<string, Country>): Country[] {
  const countries: Country[] = [];
  for (const code of codes ?? []) {
    const country = byCode.get(code.trim());
    if (country) countries.push(country);
  }
  return countries;
}

/** The case detail's statement text (`CaseData.readDetails`) per combination of the parts it reads: at most 16. */
const detailTexts = new Map<string, string>();

/**
 * What a page of cases reads of what its rows name, with the rows (`CaseData.page`): their lead agencies as the rows'
 * `leadAgency` selection reads them (listing rows or whole ones: `ParticipantData.participantLoader`), their countries.
 */
export interface CasePageParts {
  /** The rows' `leadAgency` selection (`selectedOnRows`), when they ask for it. */
  leadAgencyFields?: ReadonlySet<string>;
  countries?: boolean;
}

/**
 * Which cases a list asks for, within what row-level security lets the viewer read: the filters of `cases(filter:)`,
 * or the cases an agency leads (`Agency.cases`).
 */
export interface CaseQuery {
  filter?: CaseFilter | null;
  leadAgencyId?: string;
}

function uniqueViolation(err: unknown): boolean {
  return (err as { code?: string } | null)?.code === '23505';
}

/** Cases, their countries and shares (DOMAIN §4 "Cases"): what row-level security lets the viewer read, batched per request. */
export class CaseData {
  constructor(private readonly data: Data) {}

  private get db() {
    return this.data.db;
  }

  private rows(query: Sql): Promise<Row[]> {
    return this.db.rows<Row>(query);
  }

  /**
   * `SELECT` list of a case row: the entity's row and listing columns, and the confidential tier as one JSON value —
   * from `case_confidential`, whose row-level security returns the tier only to the lead agency's people and the
   * people a share reaches (lap.case_tier_readable), so the value is NULL for every other row.
   *
   * `listing`: a key of `listingColumns`: only the columns it names, for a list whose rows ask for nothing but
   * `CASE_LISTING_FIELDS`. Such a case has no tier and no rights (`confidentialTier` and `editable` undefined:
   * whatever reads them finds nothing to allow), and it is never handed to `caseById`.
   */
  caseColumns(alias: string, listing: string | false = false): Sql {
    const only = listing === false ? null : new Set(listing.split(','));
    const columns = raw(
      this.db
        .metadata(Case)
        .columns.filter((c) => only === null || only.has(c.databaseName))
        .map((c) => `${alias}.${c.databaseName}`)
        .join(', '),
    );
    if (listing !== false) return columns;
    const c = raw(alias);
    return sql`${columns},
      (SELECT json_build_object(
        'summary', t.summary, 'suspects', t.suspects, 'evidence', t.evidence,
        'investigatorNotes', t.investigator_notes, 'victimCount', t.victim_count,
        'estimatedLossUsd', t.estimated_loss_usd, 'vulnerableVictims', t.vulnerable_victims,
        'ongoingHarm', t.ongoing_harm) FROM case_confidential t WHERE t.case_id = ${c}.id) AS __confidential,
      lap.case_editable(${c}.lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency()))
        AND (SELECT lap.viewer_api_key()) IS NULL AS __editable`;
  }

  /** Cases from rows of `caseColumns(alias, listing)` (`listing`: whether it named listing columns). */
  hydrateCases(rows: Row[], listing = false): Case[] {
    const cases = this.db.hydrate(Case, rows);
    cases.forEach((c, i) => {
      if (!listing) {
        const tier = rows[i].__confidential as Omit<CaseConfidential, 'caseId'> | null;
        c.confidentialTier = tier ? { ...tier, caseId: c.id, id: c.id } : null;
        c.editable = rows[i].__editable === true;
      }
      // A TLP:RED row is recorded in the audit trail when the response carries it (Case.isTypeOf, src/schema.ts).
      if (c.tlp === Tlp.RED && this.data.audit) Object.defineProperty(c, 'auditTrail', { value: this.data.audit, enumerable: false });
      if (!listing) this.caseById.prime(c.id, c);
    });
    return cases;
  }

  readonly caseById = new DataLoader<string, Case | null>(async (ids) => {
    return byKey(ids, this.hydrateCases(await this.rows(this.casesSql(ids))), (c) => c.id);
  });

  /** The cases by id, as `caseById` reads them. */
  private casesSql(ids: readonly string[]): Sql {
    return sql`SELECT ${this.caseColumns('c')} FROM enforcement_case c WHERE c.id = ANY (${uuidArray(ids)})`;
  }

  /**
   * Each case's countries: one statement, one row — the codes per case, and each country they name once (a page of
   * cases names a few dozen countries many times over), as two JSON values. The cases' `case_country` rows are read
   * once, under their policy (which asks, row by row, whether the viewer sees the case), and both values are made from
   * them; the countries are read under the country's own policy, and a code without a country the viewer reads names
   * nothing (`byCode` below).
   */
  readonly countriesByCase = new PeekLoader<string, Country[]>(async (caseIds) => {
    const [row] = await this.rows(this.countriesSql(caseIds));
    return this.countriesOf(caseIds, row);
  });

  /** `countriesByCase`'s statement: one row, the codes per case and the countries they name. */
  private countriesSql(caseIds: readonly string[]): Sql {
    return sql`WITH cc AS MATERIALIZED (SELECT cc.case_id, cc.country_code FROM case_country cc WHERE cc.case_id = ANY (${uuidArray(caseIds)}))
          SELECT
            (SELECT json_object_agg(g.case_id, g.codes) FROM (${codesByCase('cc')}) g) AS codes,
            ${countriesNamed('cc')} AS countries`;
  }

  /** Each case's countries from `countriesSql`'s row. */
  private countriesOf(caseIds: readonly string[], row: Row | undefined): Country[][] {
    const codes = (row?.codes ?? {}) as Record<string, string[]>;
    const byCode = this.countriesByCode(row?.countries);
    return caseIds.map((id) => countriesIn(codes[id], byCode));
  }

  /** The countries of `countriesNamed` (read as JSON) by code. */
  private countriesByCode(rows: unknown): Map<string, Country> {
    return new Map(this.db.hydrate(Country, (rows ?? []) as Row[]).map((c) => [c.code.trim(), c]));
  }

  readonly sharesByCase = new DataLoader<string, CaseShare[]>(async (caseIds) => {
    const rows = await this.rows(sql`${this.sharesSql(caseIds)} ORDER BY s.granted_at, s.id`);
    return groupBy(caseIds, rows, this.db.hydrate(CaseShare, rows));
  });

  /** The cases' shares (`__key`: the case's id), unordered: `sharesByCase` orders them by grant, then id. */
  private sharesSql(caseIds: readonly string[]): Sql {
    return sql`SELECT s.case_id AS __key, s.* FROM case_share s WHERE s.case_id = ANY (${uuidArray(caseIds)})`;
  }

  /**
   * Cases' details in one statement (`case(id:)`, resolvers/case.resolver.ts): the cases, and as the fields ask, their
   * countries, their shares, the participants they name (lead agency, shares' participants) and the people their shares
   * name — the cases, countries and shares each by the very statement its loader runs (`casesSql`, `countriesSql`,
   * `sharesSql`), the participants and people by the ids those rows name (`participantsWithIdIn`, `peopleWithIdIn`),
   * each part a JSON value of one row, read as the viewer under every table's own policy — into the loaders' caches,
   * where the fields find them. One statement instead of five: each costs the hub more to send, parse and hand over
   * than PostgreSQL takes to run it. The `case` fields of one request (aliases, a gateway's `_entities`) share one
   * statement, which reads every part any of them asks for. What it does not find (a case the viewer cannot see, a
   * participant or person they cannot read) is left to the loaders, which answer as before. Resolves once the caches
   * are filled.
   */
  detail(id: string, parts: readonly DetailPart[]): Promise<true> {
    for (const part of parts) this.detailParts.add(part);
    return this.details.load(id);
  }

  /** The parts the `detail` calls since the last statement ask for: their union is read for every case of the batch. */
  private detailParts = new Set<DetailPart>();

  private readonly details = new DataLoader<string, true>(
    async (ids) => {
      const parts = this.detailParts;
      this.detailParts = new Set();
      await this.readDetails(ids, parts);
      return ids.map(() => true as const);
    },
    { cache: false },
  );

  private async readDetails(ids: readonly string[], parts: ReadonlySet<DetailPart>): Promise<void> {
    const agg = (part: Sql) => sql`(SELECT json_agg(q) FROM (${part}) q)`;
    const none = raw('NULL');
    const participants = this.data.participants;
    // The cases (`c`) and their shares (`s`) are read once, each by its loader's own statement under its table's
    // policy, and the parts that name participants and people read their ids from those rows: every table's policy
    // is expanded once for the statement, not once per part that needs the rows.
    const withShares = parts.has('shares') || parts.has('participants') || parts.has('people');
    const statement = sql`WITH c AS MATERIALIZED (${this.casesSql(ids)})${withShares ? sql`, s AS MATERIALIZED (${this.sharesSql(ids)})` : raw('')}
        SELECT (SELECT json_agg(q) FROM c q) AS cases,
        ${parts.has('countries') ? sql`(SELECT row_to_json(q) FROM (${this.countriesSql(ids)}) q)` : none} AS countries,
        ${parts.has('shares') ? raw('(SELECT json_agg(q ORDER BY q.granted_at, q.id) FROM s q)') : none} AS shares,
        ${parts.has('participants') ? agg(participants.participantsWithIdIn(raw('SELECT c.lead_agency_id FROM c UNION SELECT s.participant_id FROM s'))) : none} AS participants,
        ${parts.has('people') ? agg(participants.peopleWithIdIn(raw('SELECT s.granted_by_id FROM s UNION SELECT unnest(s.recipient_ids) FROM s'))) : none} AS people`;
    // The text is decided by the parts alone (the ids are values): built once per combination of parts.
    const { text, values } = statement.compileKept(detailTexts, [...parts].sort().join());
    const [row] = await this.db.query<Row>(text, values);
    // Primed under each case's own id (`hydrateCases`), and under the argument as given (an id in capitals names it too).
    const found = this.hydrateCases(this.db.fromJson(Case, (row.cases ?? []) as Row[]));
    byKey(ids, found, (c) => c.id).forEach((c, i) => this.caseById.prime(ids[i], c));
    const keys = found.map((c) => c.id);
    if (parts.has('countries')) this.countriesOf(keys, row.countries as Row | undefined).forEach((countries, i) => this.countriesByCase.prime(keys[i], countries));
    if (parts.has('shares')) {
      const rows = this.db.fromJson(CaseShare, (row.shares ?? []) as Row[]);
      groupBy(keys, rows, this.db.hydrate(CaseShare, rows)).forEach((shares, i) => this.sharesByCase.prime(keys[i], shares));
    }
    if (parts.has('participants')) participants.primeParticipants(this.db.fromJson(Participant, (row.participants ?? []) as Row[]));
    if (parts.has('people')) participants.primePeople(this.db.fromJson(Person, (row.people ?? []) as Row[]));
  }

  /**
   * A share by id: row-level security returns it only to those who read its case's confidential tier
   * (lap.case_tier_readable), so for anyone else it does not exist.
   */
  readonly shareById = new DataLoader<string, CaseShare | null>(async (ids) => {
    const rows = await this.rows(sql`SELECT s.* FROM case_share s WHERE s.id = ANY (${uuidArray(ids)})`);
    return byKey(ids, this.db.hydrate(CaseShare, rows), (s) => s.id);
  });

  // ---- lists ---------------------------------------------------------------------------------------------------------

  /**
   * A page of the cases the viewer may see (row-level security: lap.case_row_visible) that match the query, in the
   * given order; `count` counts under the same policy and filters. A filter naming an unknown country or agency is bad
   * input, answered alike for one the viewer cannot see.
   */
  async page(query: CaseQuery, args: PageArgs, order: CaseOrder, withCount = false, parts: CasePageParts = {}): Promise<Page<Case>> {
    const conditions = await this.filterConditions(query.filter);
    if (query.leadAgencyId !== undefined) conditions.push(sql`c.lead_agency_id = ${query.leadAgencyId}`);
    return paginate(this.db, {
      from: sql`enforcement_case c`,
      select: this.caseColumns('c'),
      where: and(conditions),
      order: caseOrders[order],
      first: args.first,
      after: args.after,
      withCount,
      around: this.pageParts(parts),
      hydrate: (rows) => {
        const cases = this.hydrateCases(rows);
        this.fillPageParts(cases, rows, parts);
        return cases;
      },
    });
  }

  /**
   * What of a page's rows `parts` asks for, read in the page's own statement (`paginate`'s `around`) instead of by the
   * loaders once the rows are in — one statement and one round trip for the page, its lead agencies and countries:
   * the lead agencies (`participantsWithIdIn`) and the countries the rows name (the `country` rows, as `countriesSql`
   * reads them) once, as JSON values of the page's first row; each row's country codes (its `case_country` rows, read
   * once for both) in a column of its own. Every table under its own policy, as the viewer: the same rows the loaders'
   * statements would read.
   */
  private pageParts(parts: CasePageParts): PageAround | undefined {
    if (!parts.leadAgencyFields && !parts.countries) return undefined;
    const first = (value: Sql) => sql`CASE WHEN __page.__n = 1 THEN ${value} END`;
    const leads = parts.leadAgencyFields
      ? first(sql`(SELECT json_agg(q) FROM (${this.data.participants.participantsWithIdIn(raw('SELECT __page.lead_agency_id FROM __page'), parts.leadAgencyFields)}) q)`)
      : raw('NULL');
    if (!parts.countries) return { columns: sql`${leads} AS __leads` };
    return {
      with: raw('__cc AS MATERIALIZED (SELECT cc.case_id, cc.country_code FROM case_country cc WHERE cc.case_id IN (SELECT __page.id FROM __page))'),
      columns: sql`${leads} AS __leads, __codes.codes AS __country_codes, ${first(countriesNamed('__cc'))} AS __countries`,
      joins: sql`LEFT JOIN (${codesByCase('__cc')}) __codes ON __codes.case_id = __page.id`,
    };
  }

  /** What `pageParts` read, into the loaders the rows' fields read (`Case.leadAgency`, `Case.countries`), as their `prefetch` would. */
  private fillPageParts(cases: Case[], rows: Row[], parts: CasePageParts): void {
    if (cases.length === 0) return;
    if (parts.leadAgencyFields) {
      this.data.participants.fillParticipants(cases.map((c) => c.leadAgencyId), (rows[0].__leads ?? []) as Row[], parts.leadAgencyFields);
    }
    if (parts.countries) {
      const byCode = this.countriesByCode(rows[0].__countries);
      cases.forEach((c, i) => this.countriesByCase.fill(c.id, countriesIn(rows[i].__country_codes as string[] | null, byCode)));
    }
  }

  private async filterConditions(filter: CaseFilter | null | undefined): Promise<Sql[]> {
    if (!filter) return [];
    const conditions: Sql[] = [];
    if (filter.status) conditions.push(sql`c.status = ${filter.status}`);
    if (filter.tlp) conditions.push(sql`c.tlp = ${filter.tlp}`);
    if (filter.category) conditions.push(sql`${filter.category} = ANY (c.categories)`);
    if (filter.countryCode) {
      if (!(await this.data.participants.countryByCode.load(filter.countryCode))) throw badInput('filter.countryCode', 'no country with this code');
      conditions.push(sql`EXISTS (SELECT 1 FROM case_country cc WHERE cc.case_id = c.id AND cc.country_code = ${filter.countryCode})`);
    }
    if (filter.leadAgencyId != null) {
      const lead = await this.data.participants.participantById.load(filter.leadAgencyId);
      if (!(lead instanceof Agency)) throw notFound('filter.leadAgencyId', 'agency');
      conditions.push(sql`c.lead_agency_id = ${lead.id}`);
    }
    return conditions;
  }

  // ---- writes: row-level security decides (case_open, case_edit, case_share_* policies) -------------------------------

  /** The case a mutation names, as the viewer sees it; a hidden case is answered exactly like a missing one. */
  async visible(argument: string, id: string): Promise<Case> {
    const c = await this.caseById.load(id);
    if (!c) throw notFound(argument, 'case');
    return c;
  }

  /** The case as it is now, after a write of this request: nothing of it is answered from before. */
  reload(id: string): Promise<Case> {
    this.caseById.clear(id);
    this.countriesByCase.clear(id);
    this.sharesByCase.clear(id);
    return this.visible('id', id);
  }

  private async knownCountries(argument: string, codes: string[]): Promise<string[]> {
    const unique = [...new Set(codes)];
    const found = await loadAll(this.data.participants.countryByCode, unique);
    const missing = unique.filter((_, i) => !(found[i] instanceof Country));
    if (missing.length) throw badInput(argument, `no country with code ${missing.join(', ')}`);
    return unique;
  }

  /**
   * Opens a case with the viewer's agency as lead (`lap.viewer_org()`): the row, its confidential tier and its countries,
   * all or nothing. The insert policies (lap.case_editable) refuse anyone but an agency's people: FORBIDDEN.
   */
  async open(input: OpenCaseInput): Promise<Case> {
    const countries = await this.knownCountries('input.countryCodes', input.countryCodes);
    const id = await this.db
      .atomically(async () => {
        const [row] = await this.db.query<{ id: string; lead_agency_id: string }>(
          `INSERT INTO enforcement_case (reference, title, status, categories, tlp, lead_agency_id, harm_score)
           VALUES ($1,$2,$3,$4,$5,lap.viewer_org(),$6) RETURNING id, lead_agency_id`,
          [input.reference, input.title, input.status, [...new Set(input.categories)], input.tlp, harmScore(input)],
        );
        await this.db.query(
          `INSERT INTO case_confidential (case_id, lead_agency_id, summary, suspects, evidence, investigator_notes, victim_count,
             estimated_loss_usd, vulnerable_victims, ongoing_harm) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)`,
          [
            row.id, row.lead_agency_id, input.summary, input.suspects, input.evidence ?? null, input.investigatorNotes ?? null, input.victimCount,
            input.estimatedLossUsd, input.vulnerableVictims, input.ongoingHarm,
          ],
        );
        await this.db.query(`INSERT INTO case_country (case_id, country_code) SELECT $1, unnest($2::text[])`, [row.id, countries]);
        this.db.emit({ topic: 'case', id: row.id });
        return row.id;
      })
      .catch((err) => {
        if (uniqueViolation(err)) throw badInput('input.reference', 'your agency already has a case with this reference');
        throw refusedByPolicy(err);
      });
    return this.reload(id);
  }

  /**
   * Changes only the given fields of a case, under a lock on its row and tier: two editors changing different fields
   * both stick, one after the other, and the harm score is computed from what the row holds at that moment. The lock
   * (SELECT … FOR UPDATE) applies the case_edit policy: a case the viewer sees but may not edit locks nothing, and
   * that is FORBIDDEN; every write must then change exactly its one row.
   */
  async update(id: string, input: UpdateCaseInput): Promise<Case> {
    const c = await this.visible('id', id);
    const countries = input.countryCodes ? await this.knownCountries('input.countryCodes', input.countryCodes) : null;
    await this.db
      .atomically(async () => {
        const [row] = await this.db.query<{ title: string; status: string; categories: string[]; tlp: string; harm_score: number }>(
          `SELECT title, status, categories, tlp, harm_score FROM enforcement_case WHERE id = $1 FOR UPDATE`,
          [c.id],
        );
        const [tier] = await this.db.query<{
          summary: string;
          suspects: string[];
          evidence: string | null;
          investigator_notes: string | null;
          victim_count: number;
          estimated_loss_usd: number;
          vulnerable_victims: boolean;
          ongoing_harm: boolean;
        }>(
          `SELECT summary, suspects, evidence, investigator_notes, victim_count, estimated_loss_usd, vulnerable_victims, ongoing_harm
             FROM case_confidential WHERE case_id = $1 FOR UPDATE`,
          [c.id],
        );
        if (!row || !tier) throw forbidden('only the lead agency edits a case');
        const categories = input.categories ? [...new Set(input.categories)] : (row.categories as HarmCategory[]);
        const tlp = input.tlp ?? (row.tlp as Tlp);
        if (tlp === Tlp.RED && row.tlp !== Tlp.RED) {
          const [{ n }] = await this.db.query<{ n: number }>(
            `SELECT count(*)::int AS n FROM case_share WHERE case_id = $1 AND cardinality(recipient_ids) = 0`,
            [c.id],
          );
          if (n > 0) throw orgWideSharesFirst();
        }
        const given = <T>(v: T | null | undefined): v is T => v !== undefined && v !== null;
        const assessment = {
          victimCount: input.victimCount ?? tier.victim_count,
          estimatedLossUsd: given(input.estimatedLossUsd) ? input.estimatedLossUsd : Number(tier.estimated_loss_usd),
          vulnerableVictims: input.vulnerableVictims ?? tier.vulnerable_victims,
          ongoingHarm: input.ongoingHarm ?? tier.ongoing_harm,
          categories,
        };
        const harm = harmScore(assessment);
        const caseSet: Sql[] = [sql`harm_score = ${harm}`, sql`updated_at = now()`];
        if (given(input.title)) caseSet.push(sql`title = ${input.title}`);
        if (given(input.status)) caseSet.push(sql`status = ${input.status}`);
        if (input.categories) caseSet.push(sql`categories = ${categories}`);
        if (given(input.tlp)) caseSet.push(sql`tlp = ${input.tlp}`);
        await this.changeOne(sql`UPDATE enforcement_case SET ${join(caseSet, ', ')} WHERE id = ${c.id} RETURNING id`);
        const tierSet: Sql[] = [];
        if (given(input.summary)) tierSet.push(sql`summary = ${input.summary}`);
        if (given(input.suspects)) tierSet.push(sql`suspects = ${input.suspects}`);
        if (input.evidence !== undefined) tierSet.push(sql`evidence = ${input.evidence}`);
        if (input.investigatorNotes !== undefined) tierSet.push(sql`investigator_notes = ${input.investigatorNotes}`);
        if (given(input.victimCount)) tierSet.push(sql`victim_count = ${assessment.victimCount}`);
        if (given(input.estimatedLossUsd)) tierSet.push(sql`estimated_loss_usd = ${assessment.estimatedLossUsd}`);
        if (given(input.vulnerableVictims)) tierSet.push(sql`vulnerable_victims = ${assessment.vulnerableVictims}`);
        if (given(input.ongoingHarm)) tierSet.push(sql`ongoing_harm = ${assessment.ongoingHarm}`);
        if (tierSet.length) await this.changeOne(sql`UPDATE case_confidential SET ${join(tierSet, ', ')} WHERE case_id = ${c.id} RETURNING case_id`);
        let countriesChanged = false;
        if (countries) {
          const before = await this.db.query<{ code: string }>(`DELETE FROM case_country WHERE case_id = $1 RETURNING country_code AS code`, [c.id]);
          await this.db.query(`INSERT INTO case_country (case_id, country_code) SELECT $1, unnest($2::text[])`, [c.id, countries]);
          const was = new Set(before.map((b) => b.code.trim()));
          countriesChanged = was.size !== countries.length || countries.some((code) => !was.has(code));
        }
        // A change a viewer of the row can see (a listing field, or the harm score the tier's figures yield), or one
        // to the confidential tier only: then only its readers hear of it; a value written again as it was is no
        // change, and nobody hears of it (DOMAIN §7: an event only when what the viewer can see changed).
        const differs = (value: unknown, was: unknown) => value !== undefined && value !== null && JSON.stringify(value) !== JSON.stringify(was);
        const rowChanged =
          differs(input.title, row.title) || differs(input.status, row.status) || differs(input.tlp, row.tlp) ||
          (input.categories != null && categories.join(',') !== (row.categories as string[]).join(',')) ||
          countriesChanged || harm !== row.harm_score;
        const tierChanged =
          differs(input.summary, tier.summary) || differs(input.suspects, tier.suspects) ||
          (input.evidence !== undefined && input.evidence !== tier.evidence) ||
          (input.investigatorNotes !== undefined && input.investigatorNotes !== tier.investigator_notes) ||
          assessment.victimCount !== tier.victim_count || assessment.estimatedLossUsd !== Number(tier.estimated_loss_usd) ||
          assessment.vulnerableVictims !== tier.vulnerable_victims || assessment.ongoingHarm !== tier.ongoing_harm;
        if (rowChanged) this.db.emit({ topic: 'case', id: c.id });
        else if (tierChanged) this.db.emit({ topic: 'case', id: c.id, tier: true });
      })
      .catch((err) => {
        // A share to a whole organization granted at the same moment (lap.case_red_named, under the row's lock).
        throw refusedByRule(err, { case_red_named: orgWideSharesFirst });
      });
    return this.reload(c.id);
  }

  /** An UPDATE … RETURNING of one row the viewer can see: 0 rows means the policy's USING refused it, FORBIDDEN. */
  private async changeOne(statement: Sql): Promise<void> {
    const rows = await this.rows(statement);
    if (rows.length !== 1) throw forbidden();
  }

  /**
   * Grants a case to an endorsed participant — its whole organization, or named persons of it (RED: named persons
   * only) — or replaces whom an existing grant names. The case_share_grant / case_share_change policies admit the lead
   * agency only (lap.case_editable): anyone else is FORBIDDEN.
   */
  async share(input: ShareCaseInput): Promise<CaseShare> {
    const c = await this.visible('input.caseId', input.caseId);
    const participant = await this.data.participants.participantById.load(input.participantId);
    if (!participant || participant.status !== ParticipantStatus.ENDORSED) throw notFound('input.participantId', 'endorsed participant');
    if (participant.id === c.leadAgencyId) throw badInput('input.participantId', 'the lead agency already reads its own case');
    const recipientIds = [...new Set(input.recipientIds)];
    if (c.tlp === Tlp.RED && recipientIds.length === 0) throw redNamesPersons();
    const people = await loadAll(this.data.participants.personById, recipientIds.filter(isUuid));
    const strangers = recipientIds.filter((rid) => !people.some((p) => p instanceof Person && p.id === rid && p.organizationId === participant.id));
    if (strangers.length) throw badInput('input.recipientIds', `not people of ${participant.name}: ${strangers.join(', ')}`);
    this.data.participants.refuseWhoLeft('input.recipientIds', people);
    // `former`: whom the share named before, when this replaces one (read in the statement's snapshot, before the write).
    const [row] = await this.db
      .query<{ id: string; former: string[] | null }>(
        `WITH former AS (SELECT recipient_ids FROM case_share WHERE case_id = $1 AND participant_id = $2)
         INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id) VALUES ($1, $2, $3::uuid[], lap.viewer_person())
         ON CONFLICT (case_id, participant_id) DO UPDATE SET recipient_ids = EXCLUDED.recipient_ids,
           granted_by_id = EXCLUDED.granted_by_id, granted_at = now()
         RETURNING id, (SELECT recipient_ids FROM former) AS former`,
        [c.id, participant.id, recipientIds],
      )
      .catch((err) => {
        // Changed at the same moment, decided under the rows' locks: the case made RED (lap.case_share_red_named), a
        // recipient gone (lap.present_named), the participant withdrawn (lap.endorsed_named).
        throw refusedByRule(err, {
          case_share_red_named: redNamesPersons,
          named_present: (id) => badInput('input.recipientIds', `have left the network: ${id}`),
          endorsed_named: () => notFound('input.participantId', 'endorsed participant'),
        });
      });
    if (!row) throw forbidden();
    // Shares are part of the confidential tier (and a share can make the row visible to its participant); a share
    // replaced may no longer reach some it reached.
    this.db.emit(
      row.former ? { topic: 'case', id: c.id, tier: true, formerShare: { participant: participant.id, recipients: row.former } } : { topic: 'case', id: c.id, tier: true },
    );
    this.sharesByCase.clear(c.id);
    this.shareById.clear(row.id);
    const share = await this.shareById.load(row.id);
    if (!share) throw forbidden();
    return share;
  }

  /**
   * Revokes a share; answers its case as it is now. The case_share_revoke policy lets only the lead agency delete: a
   * share the viewer reads but may not revoke deletes nothing, FORBIDDEN; one it cannot read does not exist for it.
   */
  async revokeShare(id: string): Promise<Case> {
    if (!isUuid(id)) throw notFound('id', 'share');
    const [row] = await this.db
      .query<{ case_id: string; participant_id: string; recipient_ids: string[] }>(
        `DELETE FROM case_share WHERE id = $1 RETURNING case_id, participant_id, recipient_ids`,
        [id],
      )
      .catch((err) => {
        throw refusedByPolicy(err);
      });
    if (!row) {
      // Read again, not from the loader: the shield's rule loaded the share before the DELETE, and another request
      // may have revoked it since (then it no longer exists: bad input, as for a second revoke sent later).
      this.shareById.clear(id);
      if (!(await this.shareById.load(id))) throw notFound('id', 'share');
      throw forbidden();
    }
    this.db.emit({ topic: 'case', id: row.case_id, tier: true, formerShare: { participant: row.participant_id, recipients: row.recipient_ids } });
    this.shareById.clear(id);
    return this.reload(row.case_id);
  }
}

/** A case made TLP:RED while a share of it reaches a whole organization. */
const orgWideSharesFirst = () => badInput('input.tlp', 'TLP:RED is for named persons: narrow or revoke the shares to whole organizations first');

/** A share naming nobody on a TLP:RED case. */
const redNamesPersons = () => badInput('input.recipientIds', 'a TLP:RED case is shared with named persons only: name at least one');
