import type { DataSource } from 'typeorm';
import type { Config } from '../config';
import { openDatabase } from './data-source';
import { payOwedCommits } from './statement-counter';
import { EmbeddedDatabase, startEmbedded } from './embedded';

export interface OpenedDatabase {
  ds: DataSource;
  /** Where the data lives, for the start-up line (no credentials). */
  description: string;
  /** The embedded PGlite (one instance: live events go in process) rather than a PostgreSQL server. */
  embedded: boolean;
  /** Call once the data is loaded: the embedded database then admits readers from other processes. */
  markReady(): void;
  close(): Promise<void>;
}

/** The configured database: DATABASE_URL, or the embedded PGlite under DATA_DIR; migrations applied. */
export async function openConfiguredDatabase(
  config: Config,
  /**
   * Called once an embedded database has started, before the migrations, with what closes it: a point where nothing is
   * half done (a stop asked for meanwhile is carried out there; the next start migrates). Creating the database on a
   * first start holds the process for seconds, in which nothing else runs.
   */
  started?: (close: () => Promise<void>) => Promise<void>,
): Promise<OpenedDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    const opened = await startEmbedded(config.dataDir);
    embedded = opened;
    url = embedded.url;
    await started?.(() => opened.stop());
  }
  try {
    // PGlite runs one statement at a time: one connection avoids transactions queueing behind each other.
    const ds = await openDatabase(url, embedded ? 1 : config.databasePoolSize, !embedded);
    return {
      ds,
      embedded: embedded !== null,
      description: embedded ? `embedded PostgreSQL in ${config.dataDir}` : `PostgreSQL at ${new URL(url).host}${new URL(url).pathname}`,
      markReady() {
        embedded?.markReady();
      },
      async close() {
        // A read-only transaction's COMMIT a connection still owes (src/db/statement-counter.ts) is sent, not cut.
        await payOwedCommits();
        await ds.destroy();
        if (embedded) await embedded.stop();
      },
    };
  } catch (err) {
    if (embedded) await embedded.stop();
    throw err;
  }
}
