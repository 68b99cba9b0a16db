import DataLoader from 'dataloader';
import { Case, CaseConfidential } from '../../entities/case.entity';
import { CaseShare } from '../../entities/case-share.entity';
import { Country } from '../../entities/country.entity';
import { raw, Sql, sql } from '../db/sql';
import { byKey, groupBy, PeekLoader, uuidArray } from './batch';
import type { Data } from './index';

type Row = Record<string, unknown>;

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
      lap.case_editable(${c}.lead_agency_id = (SELECT lap.viewer_org()), (SELECT lap.is_agency())) AS __editable`;
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

}
