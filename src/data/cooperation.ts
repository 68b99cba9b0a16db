import DataLoader from 'dataloader';
import type { ViewerDb } from '../db/viewer-db';
import { AssistanceRequest } from '../../entities/assistance-request.entity';
import { Endorsement, EndorsementObjection } from '../../entities/endorsement.entity';
import { SectorReport } from '../../entities/sector-report.entity';
import { hydrate } from '../db/hydrate';
import { sql } from '../db/sql';
import { assistancePolicy, endorsementPolicy, reportPolicy } from '../policy/cooperation.policy';
import type { Viewer } from '../policy/viewer';
import { groupBy, uuidArray } from './batch';
import type { Data } from './index';

/** Per-request loaders of the cooperation workflows, each applying its row scope in SQL. */
export class CooperationData {
  constructor(private readonly data: Data) {}

  private get db(): ViewerDb {
    return this.data.db;
  }

  private get viewer(): Viewer {
    return this.data.viewer;
  }

  static endorsementFromRow(row: Record<string, unknown>): Endorsement {
    return Object.assign(new Endorsement(), {
      id: row.id as string,
      status: row.status,
      appliedAt: row.applied_at as Date,
      objectionDeadline: row.objection_deadline as Date,
      recordedById: (row.recorded_by_id as string | null) ?? null,
    });
  }

  readonly endorsementById = new DataLoader<string, Endorsement | null>(async (ids) => {
    const rows = await this.db.rows(
      sql`SELECT p.* FROM participant p WHERE p.id = ANY (${uuidArray(ids)}) AND ${endorsementPolicy.scope(this.viewer, 'p')}`,
    );
    const map = new Map(rows.map((r) => [r.id as string, CooperationData.endorsementFromRow(r)]));
    return ids.map((id) => map.get(id) ?? null);
  });

  readonly objectionsByParticipant = new DataLoader<string, EndorsementObjection[]>(async (ids) => {
    if (!endorsementPolicy.canReadObjections(this.viewer)) return ids.map(() => []);
    const rows = await this.db.rows(
      sql`SELECT o.participant_id AS __key, o.* FROM endorsement_objection o WHERE o.participant_id = ANY (${uuidArray(ids)})
          ORDER BY o.created_at, o.id`,
    );
    return groupBy(ids, rows, this.db.hydrate(EndorsementObjection, rows));
  });

  readonly objectionById = new DataLoader<string, EndorsementObjection | null>(async (ids) => {
    if (!endorsementPolicy.canReadObjections(this.viewer)) return ids.map(() => null);
    const rows = await this.db.rows(sql`SELECT o.* FROM endorsement_objection o WHERE o.id = ANY (${uuidArray(ids)})`);
    const objections = this.db.hydrate(EndorsementObjection, rows);
    return ids.map((id) => objections.find((o) => o.id === id) ?? null);
  });

  readonly requestById = new DataLoader<string, AssistanceRequest | null>(async (ids) => {
    const rows = await this.db.rows(
      sql`SELECT r.* FROM assistance_request r WHERE r.id = ANY (${uuidArray(ids)}) AND ${assistancePolicy.scope(this.viewer, 'r')}`,
    );
    const requests = this.db.hydrate(AssistanceRequest, rows);
    return ids.map((id) => requests.find((r) => r.id === id) ?? null);
  });

  readonly reportById = new DataLoader<string, SectorReport | null>(async (ids) => {
    const rows = await this.db.rows(
      sql`SELECT r.* FROM sector_report r WHERE r.id = ANY (${uuidArray(ids)}) AND ${reportPolicy.scope(this.viewer, 'r')}`,
    );
    const reports = this.db.hydrate(SectorReport, rows);
    return ids.map((id) => reports.find((r) => r.id === id) ?? null);
  });
}
