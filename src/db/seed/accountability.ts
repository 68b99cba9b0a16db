import type { EntityManager } from 'typeorm';
import { demoId } from './demo-ids';

const days = (now: Date, n: number) => new Date(now.getTime() + n * 86_400_000);
const person = (email: string) => demoId(`person:${email}`);
const org = (key: string) => demoId(`org:${key}`);
const kase = (reference: string) => demoId(`case:${reference}`);

/**
 * Requests for access to a confidential tier (DOMAIN §9): Isla Morgan (ICO) waits for ACMA's botnet case, whose row
 * every agency sees; Priya Shah (Meridian Bank) asked for the FTC's open-relay case and Ann Carter declined.
 * API keys and the audit trail start empty: keys are minted with `npm run token -- --api-key <email>`, and the trail
 * fills as people read.
 */
export async function loadAccountabilityDemo(m: EntityManager, now: Date): Promise<void> {
  await m.query(
    `INSERT INTO case_access_request (id, case_id, lead_agency_id, requester_id, requester_org_id, justification, status, created_at)
     VALUES ($1, $2, $3, $4, $5, $6, 'PENDING', $7)`,
    [
      demoId('access-request:isla-acma'), kase('ACMA-2004-011'), org('acma'), person('isla.morgan@ico.example'), org('ico'),
      'UK addresses appear in the botnet’s spam runs; we need the command-server evidence to act under PECR.', days(now, -2),
    ],
  );
  await m.query(
    `INSERT INTO case_access_request (id, case_id, lead_agency_id, requester_id, requester_org_id, justification, status, created_at,
       decided_at, decided_by_id, decline_reason)
     VALUES ($1, $2, $3, $4, $5, $6, 'DECLINED', $7, $8, $9, $10)`,
    [
      demoId('access-request:priya-ftc'), kase('FTC-2004-017'), org('ftc'), person('priya.shah@meridianbank.example'), org('meridian'),
      'Our customers receive this spam; the relay list would help us block it.', days(now, -20), days(now, -18), person('ann.carter@ftc.example'),
      'The relay list is evidence in a pending court case; we will publish it when the case closes.',
    ],
  );
}
