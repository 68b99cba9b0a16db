import type { LiveEvent } from '../live/events';
import type { Data } from './index';

/** What the live-update dispatcher asks of the database, as the subscriber's viewer (row-level security). */
export class LiveData {
  constructor(private readonly data: Data) {}

  /**
   * Whether the viewer can see the restricted part an event names (the case's confidential tier, a call's segment or
   * exclusion): asked of the same policies as every query, in one statement. Ids that name nothing are simply not seen.
   */
  async partVisible(event: LiveEvent): Promise<boolean> {
    const [row] = await this.data.db.query<{ visible: boolean }>(
      `SELECT (($1::boolean AND EXISTS (SELECT 1 FROM case_confidential WHERE case_id = $2::uuid))
            OR EXISTS (SELECT 1 FROM call_segment WHERE id = $3::uuid)
            OR EXISTS (SELECT 1 FROM call_exclusion WHERE id = $4::uuid)) AS visible`,
      [event.tier === true, event.id, event.segment ?? null, event.exclusion ?? null],
    );
    return row.visible === true;
  }
}
