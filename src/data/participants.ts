import DataLoader from 'dataloader';
import { Country } from '../../entities/country.entity';
import { ParticipantKind } from '../../entities/enums';
import { Agency, Participant, PrivateSectorMember } from '../../entities/participant.entity';
import { Person } from '../../entities/person.entity';
import { raw, Sql, sql } from '../db/sql';
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

export function participantClass(row: Row) {
  return row.kind === ParticipantKind.AGENCY ? Agency : PrivateSectorMember;
}

/** Participants, people and countries (DOMAIN §4): what row-level security lets the viewer read of them, batched per request. */
export class ParticipantData {
  constructor(private readonly data: Data) {}

  private get db() {
    return this.data.db;
  }

  private rows(query: Sql): Promise<Row[]> {
    return this.db.rows<Row>(query);
  }

  readonly participantById = new PeekLoader<string, Participant | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT ${participantColumns('p')} FROM participant p WHERE p.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.db.hydrate(Participant, rows, participantClass), (p) => p.id);
  });

  readonly personById = new DataLoader<string, Person | null>(async (ids) => {
    const rows = await this.rows(
      sql`SELECT pe.* FROM person pe WHERE pe.id = ANY (${uuidArray(ids)})`,
    );
    return byKey(ids, this.db.hydrate(Person, rows), (p) => p.id);
  });

  readonly countryByCode = new PeekLoader<string, Country | null>(async (codes) => {
    const rows = await this.rows(sql`SELECT co.* FROM country co WHERE co.code = ANY (${[...codes]}::text[])`);
    return byKey(codes, this.db.hydrate(Country, rows), (c) => c.code.trim());
  });

}
