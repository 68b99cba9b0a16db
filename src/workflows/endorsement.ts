import type { DataSource } from 'typeorm';

/**
 * Brings applications whose objection deadline has passed to their final status (the paragraph after §D): ENDORSED
 * when no objection stood at the deadline, REJECTED otherwise. Run before each request is authorized, so a status is
 * right whenever it is read and an endorsed participant's people become members with no other step. Idempotent; the
 * partial index on pending applications keeps it cheap.
 */
export async function settleEndorsements(ds: DataSource, now: Date): Promise<void> {
  await ds.query(
    `WITH due AS (
       SELECT p.id, p.objection_deadline AS deadline,
              EXISTS (SELECT 1 FROM endorsement_objection o WHERE o.participant_id = p.id AND o.created_at < p.objection_deadline
                        AND (o.withdrawn_at IS NULL OR o.withdrawn_at >= p.objection_deadline)) AS objected
       FROM participant p WHERE p.status = 'APPLIED' AND p.objection_deadline <= $1)
     UPDATE participant p SET status = CASE WHEN due.objected THEN 'REJECTED' ELSE 'ENDORSED' END,
            endorsed_at = CASE WHEN due.objected THEN NULL ELSE due.deadline END
     FROM due WHERE p.id = due.id`,
    [now],
  );
}
