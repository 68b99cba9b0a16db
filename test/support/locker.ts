import pg from 'pg';

/**
 * A second session on the run's database, holding a transaction open while a request (or the admin CLI) runs into its
 * lock: how the tests force two writes to meet (PostgreSQL only: on the embedded database every connection shares one
 * session). `waiting` resolves once something waits for a lock this session holds (pg_locks and pg_blocking_pids:
 * pg_stat_activity is read once per transaction; and not any lock of the server, which other test files' databases, run
 * at the same time, share).
 * The transaction is rolled back if the test leaves it open.
 */
export async function withLocker(fn: (locker: pg.Client, waiting: () => Promise<void>) => Promise<void>): Promise<void> {
  const locker = new pg.Client({ connectionString: process.env.LAPHUB_TEST_DB_URL });
  await locker.connect();
  const waiting = async () => {
    for (let i = 0; i < 500; i++) {
      const { rows } = await locker.query(`SELECT count(*)::int AS n FROM pg_locks WHERE NOT granted AND pg_backend_pid() = ANY (pg_blocking_pids(pid))`);
      if (rows[0].n > 0) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error('nothing waited for the lock');
  };
  try {
    await fn(locker, waiting);
  } finally {
    await locker.query('ROLLBACK').catch(() => undefined);
    await locker.end();
  }
}
