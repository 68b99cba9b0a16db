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
export async function openConfiguredDatabase(config: Config): Promise<OpenedDatabase> {
  let embedded: EmbeddedDatabase | null = null;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbedded(config.dataDir);
    url = embedded.url;
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
