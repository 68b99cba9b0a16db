import DataLoader from 'dataloader';
import { Country } from '../../entities/country.entity';
import { ParticipantKind, ParticipantStatus } from '../../entities/enums';
import { Agency, Participant, PrivateSectorMember } from '../../entities/participant.entity';
import { Person } from '../../entities/person.entity';
import type { PageArgs } from '../../resolvers/types/common.args';
import type { ParticipantFilter } from '../../resolvers/types/participant.input';
import { and, raw, Sql, sql } from '../db/sql';
import type { Page } from '../graphql/connection';
import { badInput, forbidden, notFound, refusedByRule } from '../graphql/errors';
import { paginate } from '../graphql/paginate';
import { byKey, PeekLoader, uuidArray } from './batch';
import type { Data } from './index';

type Row = Record<string, unknown>;

/**
 * `SELECT` list of a participant: its columns, with `status` and `endorsed_at` as they are at this moment
 * (lap.participant_status: the silent procedure decides at the objection deadline, with no write).
 */
export function participantColumns(alias: string): Sql {
  const p = raw(alias);
  return sql`${p}.id, ${p}.kind, ${p}.name, ${p}.country_code, ${p}.applied_at, ${p}.objection_deadline, ${p}.point_of_contact_id,
    ${p}.competences, ${p}.is_coordinator, ${p}.sector, ${p}.request_guidance, ${p}.recorded_by_id,
    lap.participant_status(${p}.status, ${p}.objection_deadline, ${p}.id) AS status,
    lap.participant_endorsed_at(${p}.status, ${p}.objection_deadline, ${p}.id, ${p}.endorsed_at) AS endorsed_at`;
}

/**
 * The fields of a participant that read only its listing columns (`participantListingColumns`): a field whose
 * selection asks for nothing else reads its participants with those columns only (`participantListingById`). Any other
 * field — `status`, `appliedAt`, `endorsedAt`, `competences`, the contacts, one added later — reads whole rows.
 */
export const PARTICIPANT_LISTING_FIELDS: ReadonlySet<string> = new Set(['__typename', 'id', 'kind', 'name', 'country', 'isCoordinator', 'sector']);

/** Whether a selection of a participant asks only for `PARTICIPANT_LISTING_FIELDS`. */
export function participantListingOnly(fields: ReadonlySet<string>): boolean {
  for (const f of fields) if (!PARTICIPANT_LISTING_FIELDS.has(f)) return false;
  return true;
}

/** `SELECT` list of a participant's listing columns: what `PARTICIPANT_LISTING_FIELDS` read (the country by its code). */
export function participantListingColumns(alias: string): Sql {
  const p = raw(alias);
  return sql`${p}.id, ${p}.kind, ${p}.name, ${p}.country_code, ${p}.is_coordinator, ${p}.sector`;
}

export function participantClass(row: Row) {
  return row.kind === ParticipantKind.AGENCY ? Agency : PrivateSectorMember;
}

/**
 * Participants, people and countries (DOMAIN §4): what row-level security lets the viewer read of them, batched per
 * request — participant_read (endorsed and withdrawn participants for everyone, applicants and rejected ones for
 * agencies and their own people), person_read (contacts for the network's members, oneself for everyone) — and the
 * designations, which the participant_contact and country_contact policies decide.
 */
export class ParticipantData {
  constructor(private readonly data: Data) {}

  private get db() {
    return this.data.db;
  }

  private rows(query: Sql): Promise<Row[]> {
    return this.db.rows<Row>(query);
  }

  /**
   * Participants with their country, which nearly every reader of a participant asks for next: read in the same
   * statement (joined, under the country's own policy, as the viewer; its columns as `__country_<column>`), it primes
   * `countryByCode` — each country once, however many of the participants it has — and saves the round trip.
   */
  readonly participantById = new PeekLoader<string, Participant | null>((ids) => this.withCountries(participantColumns('p'), ids));

  /**
   * The participants another statement's rows name, in that statement instead of one after it: `ids` is a query over
   * its own rows, read under their policies as the viewer, so a row the viewer cannot see names nobody here — a case's
   * detail (`CaseData.detail`: its lead agency and its shares' participants, whole rows into `participantById` with
   * `primeParticipants`), a page of cases (`CaseData.page`: its lead agencies, as `participantLoader(fields)` reads them
   * — listing columns when `fields` ask for no more — into that loader with `fillParticipants`). The same columns and
   * country join as those loaders' own statements; each participant is read under its own policy.
   */
  participantsWithIdIn(ids: Sql, fields?: ReadonlySet<string>): Sql {
    const listing = fields !== undefined && participantListingOnly(fields);
    return this.participantsSql(listing ? participantListingColumns('p') : participantColumns('p'), sql`p.id IN (${ids})`);
  }

  /** Whole participant rows (`participantColumns`, with their country) into `participantById`'s cache. */
  primeParticipants(rows: Row[]): void {
    for (const participant of this.participantsFrom(rows)) this.participantById.prime(participant.id, participant);
  }

  /**
   * Participants as a list's rows need them when the rows ask for nothing but `PARTICIPANT_LISTING_FIELDS` (a case
   * board's lead agencies: `leadAgency { name country { code } }`): the same statement, under the same policy, with
   * only the listing columns — no timestamps, competences or status computed at this moment per row. A participant
   * read so is a value for those fields only: it is kept here, never in `participantById`, where a selection asking
   * for more would find it. A participant `participantById` already holds answers from there.
   */
  readonly participantListingById = new PeekLoader<string, Participant | null>(async (ids) => {
    const known = new Map<string, Participant | null>();
    for (const id of ids) {
      const whole = this.participantById.peek(id);
      if (whole !== undefined) known.set(id, whole);
    }
    const missing = ids.filter((id) => !known.has(id));
    if (missing.length > 0) {
      const read = await this.withCountries(participantListingColumns('p'), missing);
      missing.forEach((id, i) => known.set(id, read[i]));
    }
    return ids.map((id) => known.get(id)!);
  });

  /**
   * Rows of `participantsWithIdIn(ids, fields)` (read as JSON), for these ids, into `participantLoader(fields)` — as
   * its `prefetch` would have read them: null for an id they do not have — and their countries into `countryByCode`.
   */
  fillParticipants(ids: Iterable<string>, rows: Row[], fields: ReadonlySet<string>): void {
    const read = new Map<string, Participant>();
    for (const p of this.participantsFrom(this.db.fromJson(Participant, rows))) read.set(p.id, p);
    const loader = this.participantLoader(fields);
    for (const id of ids) loader.fill(id, read.get(id) ?? null);
  }

  /** The loader for a participant field whose selection is `fields`: listing rows when they suffice. */
  participantLoader(fields: ReadonlySet<string>): PeekLoader<string, Participant | null> {
    return participantListingOnly(fields) ? this.participantListingById : this.participantById;
  }

  /** Participants by id with `select` and their country (`participantById`). */
  private async withCountries(select: Sql, ids: readonly string[]): Promise<Array<Participant | null>> {
    return byKey(ids, await this.readParticipants(select, sql`p.id = ANY (${uuidArray(ids)})`), (p) => p.id);
  }

  /** The participants `p` matching `where`, with `select` and their country, which primes `countryByCode`. */
  private async readParticipants(select: Sql, where: Sql): Promise<Participant[]> {
    return this.participantsFrom(await this.rows(this.participantsSql(select, where)));
  }

  /** The participants `p` matching `where`, with `select` and their country's columns as `__country_<column>`. */
  private participantsSql(select: Sql, where: Sql): Sql {
    const columns = this.db.metadata(Country).columns.map((c) => c.databaseName);
    return sql`SELECT ${select}, ${raw(columns.map((c) => `co.${c} AS __country_${c}`).join(', '))}
          FROM participant p LEFT JOIN country co ON co.code = p.country_code WHERE ${where}`;
  }

  /** Participants from rows of `participantsSql`; their countries prime `countryByCode`. */
  private participantsFrom(rows: Row[]): Participant[] {
    const columns = this.db.metadata(Country).columns.map((c) => c.databaseName);
    const countries = new Map<unknown, Row>();
    for (const r of rows) {
      const code = r.__country_code;
      if (code != null && !countries.has(code)) countries.set(code, Object.fromEntries(columns.map((c) => [c, r[`__country_${c}`]])));
    }
    for (const country of this.db.hydrate(Country, [...countries.values()])) this.countryByCode.prime(country.code.trim(), country);
    return this.db.hydrate(Participant, rows, participantClass);
  }

  readonly personById = new DataLoader<string, Person | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT pe.* FROM person pe WHERE pe.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.db.hydrate(Person, rows), (p) => p.id);
  });

  /**
   * The people a case's shares name — who granted each, whom each names — in the statement of the case itself
   * (`CaseData.detail`), into `personById`'s cache (`primePeople`): `ids` is a query over that statement's share rows
   * (read under their policy: only a reader of the case's tier sees them), the people are read under person_read, as
   * the viewer. A person this does not find is left to `personById`.
   */
  peopleWithIdIn(ids: Sql): Sql {
    return sql`SELECT pe.* FROM person pe WHERE pe.id IN (${ids})`;
  }

  /** Person rows into `personById`'s cache. */
  primePeople(rows: Row[]): void {
    for (const person of this.db.hydrate(Person, rows)) this.personById.prime(person.id, person);
  }

  readonly countryByCode = new PeekLoader<string, Country | null>(async (codes) => {
    const rows = await this.rows(sql`SELECT co.* FROM country co WHERE co.code = ANY (${[...codes]}::text[])`);
    return byKey(codes, this.db.hydrate(Country, rows), (c) => c.code.trim());
  });

  /** Of these organizations, the ones with at least one of their people (not one who left) the viewer may see (person_read). */
  readonly hasVisiblePeople = new DataLoader<string, boolean>(async (orgIds) => {
    const rows = await this.rows(sql`SELECT DISTINCT pe.organization_id AS id FROM person pe WHERE pe.organization_id = ANY (${uuidArray(orgIds)}) AND pe.left_at IS NULL`);
    const found = new Set(rows.map((r) => String(r.id).toLowerCase()));
    return orgIds.map((id) => found.has(id.toLowerCase()));
  });

  // ---- lists ---------------------------------------------------------------------------------------------------------

  /**
   * A page of the participants the viewer may see, by name; the status filter compares the status as it is now
   * (lap.participant_status), as the rows show it. An unknown country is bad input.
   */
  async page(filter: ParticipantFilter | null | undefined, args: PageArgs): Promise<Page<Participant>> {
    const conditions: Sql[] = [];
    if (filter?.kind) conditions.push(sql`p.kind = ${filter.kind}`);
    if (filter?.status) conditions.push(sql`lap.participant_status(p.status, p.objection_deadline, p.id) = ${filter.status}`);
    if (filter?.sector) conditions.push(sql`p.sector = ${filter.sector}`);
    if (filter?.countryCode) {
      if (!(await this.countryByCode.load(filter.countryCode))) throw badInput('filter.countryCode', 'no country with this code');
      conditions.push(sql`p.country_code = ${filter.countryCode}`);
    }
    return this.pageWhere(conditions, args);
  }

  /** The participants of a country the viewer may see, by name. */
  ofCountry(code: string, args: PageArgs): Promise<Page<Participant>> {
    return this.pageWhere([sql`p.country_code = ${code}`], args);
  }

  private pageWhere(conditions: Sql[], args: PageArgs): Promise<Page<Participant>> {
    return paginate(this.db, {
      from: sql`participant p`,
      select: participantColumns('p'),
      where: and(conditions),
      order: [
        { expr: 'p.name', direction: 'ASC', type: 'text' },
        { expr: 'p.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => this.db.hydrate(Participant, rows, participantClass),
    });
  }

  /** A page of an organization's people the viewer may see (person_read), by name. */
  people(organizationId: string, args: PageArgs): Promise<Page<Person>> {
    return paginate(this.db, {
      from: sql`person pe`,
      select: sql`pe.*`,
      // Its people now: someone who has left (left_at) is no longer one of them, though records keep naming them.
      where: sql`pe.organization_id = ${organizationId} AND pe.left_at IS NULL`,
      order: [
        { expr: 'pe.name', direction: 'ASC', type: 'text' },
        { expr: 'pe.id', direction: 'ASC', type: 'uuid' },
      ],
      first: args.first,
      after: args.after,
      hydrate: (rows) => this.db.hydrate(Person, rows),
    });
  }

  /** The countries of the network, by code: public (§A.2, §A.7). */
  countries(args: PageArgs): Promise<Page<Country>> {
    return paginate(this.db, {
      from: sql`country co`,
      select: sql`co.*`,
      where: sql`TRUE`,
      order: [{ expr: 'co.code', direction: 'ASC', type: 'text' }],
      first: args.first,
      after: args.after,
      hydrate: (rows) => this.db.hydrate(Country, rows),
    });
  }

  // ---- writes --------------------------------------------------------------------------------------------------------

  /**
   * Refuses people who have left the network (`left_at`) where an argument names people anew (a share's or a report's
   * recipients): BAD_USER_INPUT naming them.
   */
  refuseWhoLeft(argument: string, people: ReadonlyArray<Person | Error | null>): void {
    const gone = people.filter((p): p is Person => p instanceof Person && p.leftAt !== null);
    if (gone.length) throw badInput(argument, `have left the network: ${gone.map((p) => p.id).join(', ')}`);
  }

  /** A person the viewer can see who has not left the network (`left_at`): the one a designation may name. */
  private async visiblePerson(argument: string, id: string): Promise<Person> {
    const person = await this.personById.load(id);
    if (!person) throw notFound(argument, 'person');
    if (person.leftAt) throw hasLeft(argument, person);
    return person;
  }

  /**
   * A designation of `person` as a contact, an UPDATE … RETURNING of one row, in a savepoint: a policy refusal, or no
   * row changed, is FORBIDDEN; the person having left meanwhile (lap.contact_present, under the person row's lock), the
   * bad input it is when they had left before.
   */
  private async designate(person: Person, text: string, values: unknown[], country?: string): Promise<void> {
    const rows = await this.db.atomically(() => this.db.query(text, values)).catch((err) => {
      throw refusedByRule(err, {
        contact_present: () => hasLeft('personId', person),
        // Their agency withdrawn at the same moment (lap.primary_contact_agency, under its row's lock).
        primary_contact_agency: () => notAgencyOf(country ?? ''),
      });
    });
    if (rows.length !== 1) throw forbidden();
  }

  /**
   * Designates one of the viewer's organization's people as its point of contact (§A.1, §B.1). The
   * participant_contact policy lets a member change only its own organization's row.
   */
  async designatePointOfContact(personId: string): Promise<Participant> {
    const person = await this.visiblePerson('personId', personId);
    if (person.organizationId !== this.data.viewer.memberOrgId) throw badInput('personId', 'is not a person of your organization');
    await this.designate(person, `UPDATE participant SET point_of_contact_id = $2 WHERE id = $1 RETURNING id`, [person.organizationId, person.id]);
    this.participantById.clear(person.organizationId);
    this.participantListingById.clear(person.organizationId);
    const org = await this.participantById.load(person.organizationId);
    if (!org) throw forbidden();
    return org;
  }

  /**
   * Designates a person of an endorsed agency of the country as its primary contact (§A.2). The country_contact
   * policy lets only the country's own agencies change it: anyone else changes no row, FORBIDDEN.
   */
  async designateCountryPrimaryContact(countryCode: string, personId: string): Promise<Country> {
    const country = await this.countryByCode.load(countryCode);
    if (!country) throw badInput('countryCode', 'no country with this code');
    const person = await this.visiblePerson('personId', personId);
    const org = await this.participantById.load(person.organizationId);
    if (!org || org.kind !== ParticipantKind.AGENCY || org.status !== ParticipantStatus.ENDORSED || org.countryCode !== country.code) {
      throw notAgencyOf(country.code);
    }
    await this.designate(person, `UPDATE country SET primary_contact_id = $2 WHERE code = $1 RETURNING code`, [country.code, person.id], country.code);
    this.countryByCode.clear(country.code);
    const changed = await this.countryByCode.load(country.code);
    if (!changed) throw forbidden();
    return changed;
  }
}

/** A person named who has left the network (`npm run admin -- leave`). */
const hasLeft = (argument: string, person: Person) => badInput(argument, `${person.name} has left the network`);

/** A primary contact named who is not a person of an endorsed agency of the country. */
const notAgencyOf = (country: string) => badInput('personId', `is not a person of an endorsed agency of ${country}`);
