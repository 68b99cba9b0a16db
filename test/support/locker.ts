import pg from 'pg';

/**
 * How many sessions wait, directly or behind another waiter, for a lock this client's session holds. Only those: the
 * server's other locks belong to other test files' databases, run at the same time, and those databases are copies of
 * one template, so even a relation's oid does not tell them apart. (pg_locks and pg_blocking_pids are read live;
 * pg_stat_activity would be read once per transaction, and the locker is in one.)
 */
export async function waitingOn(locker: pg.Client): Promise<number> {
  const { rows } = await locker.query(
    `WITH RECURSIVE behind(pid) AS (
       SELECT pid FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))
       UNION
       SELECT l.pid FROM pg_locks l JOIN behind b ON b.pid = ANY (pg_blocking_pids(l.pid)) WHERE NOT l.granted
     )
     SELECT count(DISTINCT pid)::int AS n FROM behind`,
  );
  return rows[0].n;
}

/** Until at least `n` sessions wait for the locker's locks (`waitingOn`); throws after about 5 s. */
export async function untilWaiting(locker: pg.Client, n = 1): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if ((await waitingOn(locker)) >= n) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`fewer than ${n} sessions ever waited for the lock`);
}

/** Until no session waits for the locker's locks any more; at most about 3 s (the caller asserts what it expects). */
export async function untilNoneWaiting(locker: pg.Client): Promise<void> {
  for (let i = 0; i < 300 && (await waitingOn(locker)) > 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * A second session on the run's database, holding a transaction open while a request (or the admin CLI) runs into its
 * lock: how the tests force two writes to meet (PostgreSQL only: on the embedded database every connection shares one
 * session). `waiting` resolves once something waits for a lock this session holds (`untilWaiting`).
 * The transaction is rolled back if the test leaves it open.
 */
export async function withLocker(fn: (locker: pg.Client, waiting: () => Promise<void>) => Promise<void>): Promise<void> {
  const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
  await locker.connect();
  try {
    await fn(locker, () => untilWaiting(locker));
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  }
}
