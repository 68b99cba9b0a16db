import 'reflect-metadata';
import type { DataSource } from 'typeorm';
import { TokenService } from '../../src/auth/tokens';
import { viewerFromHeader } from '../../src/auth/viewer';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/data-source';
import { demoId, loadDemo } from '../../src/db/seed/demo';
import { ViewerDb, withViewer } from '../../src/db/viewer-db';
import type { Viewer } from '../../src/policy/viewer';
import { personId, TEST_SECRET, truncateAll } from './hub';

/**
 * The database as one demo viewer sees it, without GraphQL (graphile/starter's `withUserDb`/`becomeUser`): the
 * product's own path — a bearer token verified by `viewerFromHeader`, the viewer looked up by `lap.viewer_of`
 * (`lookupViewer`), then `withViewer`: one transaction, `SET LOCAL ROLE lap_viewer`, the viewer's settings — and
 * everything the test function did rolled back.
 */

const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: TEST_SECRET, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL });
const tokens = new TokenService(config);

/** Thrown inside the savepoint to undo what the test function wrote; never escapes `asViewer`. */
const UNDO = Symbol('undo');

/** The viewer a request with this person's token would be (null: no token, ANONYMOUS). */
export async function viewerOf(ds: DataSource, email: string | null, now: Date): Promise<Viewer> {
  const header = email === null ? undefined : `Bearer ${await tokens.sign(personId(email), email)}`;
  return viewerFromHeader(header, tokens, ds, now);
}

/**
 * Runs `fn` on the database as the viewer with this email (null: anonymous) would reach it in a request, at `now`
 * (the viewer's `lap.now()`), and rolls back everything `fn` did: `fn` runs inside a savepoint that is always rolled
 * back, and the request's transaction then ends with nothing in it. The transaction is read-write, so that `fn` can
 * try writes; a write that fails inside `fn` should go through `attempt` so that the transaction stays usable.
 */
export async function asViewer<T>(ds: DataSource, email: string | null, now: Date, fn: (db: ViewerDb) => Promise<T>): Promise<T> {
  return asGivenViewer(ds, await viewerOf(ds, email, now), now, fn);
}

/** `asViewer` for a viewer already resolved (an API key's, from `viewerFromHeader`). */
export async function asGivenViewer<T>(ds: DataSource, viewer: Viewer, now: Date, fn: (db: ViewerDb) => Promise<T>): Promise<T> {
  return withViewer(
    ds,
    viewer,
    now,
    async (db) => {
      let result: { value: T } | undefined;
      try {
        await db.atomically(async () => {
          result = { value: await fn(db) };
          throw UNDO;
        });
      } catch (err) {
        if (err !== UNDO) throw err;
      }
      return result!.value;
    },
    false,
  );
}

/** What a statement run as the viewer came to: its rows, or the SQLSTATE it failed with (in a savepoint of its own). */
export async function attempt(db: ViewerDb, text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> } | { error: string }> {
  try {
    return { rows: await db.atomically(() => db.query(text, values)) };
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (!code) throw err;
    return { error: code };
  }
}

/** The test database (its worker's), migrated, with the demo network loaded afresh as of `now`. */
export interface PolicyDb {
  ds: DataSource;
  /** When the demo network was loaded: the clock of every `asViewer` call unless told otherwise. */
  now: Date;
  asViewer<T>(email: string | null, fn: (db: ViewerDb) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export async function openPolicyDb(): Promise<PolicyDb> {
  const url = process.env.LAPHUB_TEST_DB_URL;
  if (!url) throw new Error('LAPHUB_TEST_DB_URL is not set: run the tests with jest (globalSetup)');
  const pglite = process.env.LAPHUB_TEST_DB_KIND === 'pglite';
  const ds = await openDatabase(url, pglite ? 1 : 2, !pglite);
  const now = new Date();
  await truncateAll(ds);
  await loadDemo(ds, now);
  return {
    ds,
    now,
    asViewer: (email, fn) => asViewer(ds, email, now, fn),
    close: () => ds.destroy(),
  };
}

/**
 * Names for the demo rows' ids (the seed derives every id from a key: `demoId('case:FTC-2004-017')`), so that a test
 * can state the rows a viewer sees as readable keys. Ids outside the map stay as they are.
 */
export class DemoNames {
  private readonly names = new Map<string, string>();

  constructor(keys: string[]) {
    for (const key of keys) {
      const name = key.slice(key.indexOf(':') + 1);
      this.names.set(demoId(key), name);
    }
  }

  add(id: string, name: string): this {
    this.names.set(id, name);
    return this;
  }

  of(id: unknown): string {
    return this.names.get(String(id)) ?? String(id);
  }
}
