import { parseArgs, ParseArgsConfig } from 'node:util';
import { Config, ConfigError } from '../config';
import { embeddedUrl, holdsDatabase, readLiveLock, startEmbedded } from '../db/embedded';
import type { OwnerQuery } from '../db/bootstrap';
import { DatabaseClient } from '../db/data-source';

/**
 * The command line as `parseArgs` reads it with `options` and positionals, or the exit code when there is nothing to
 * run: 2 after a line it cannot read (its message and `usage` on stderr), 0 after `--help` (`usage` on stdout).
 */
export function commandLine<O extends NonNullable<ParseArgsConfig['options']>>(options: O, usage: string) {
  // Output read by a program that stops early (`npm run admin -- list | head -1`): the rest is not written, and the
  // command still ends as it would (its database closed, its exit code), not with a stack trace about a closed pipe.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
  let parsed;
  try {
    parsed = parseArgs({ options, allowPositionals: true, tokens: true });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  // An option that takes one value given twice (`--sector A --sector B`): parseArgs keeps the last without a word, so
  // the command would do something other than what was typed. Refused, naming it (a flag given twice says the same).
  const seen = new Map<string, string[]>();
  for (const t of parsed.tokens ?? []) if (t.kind === 'option' && t.value !== undefined) seen.set(t.name, [...(seen.get(t.name) ?? []), t.value]);
  for (const [name, given] of seen) {
    if (given.length > 1 && !(options[name] as { multiple?: boolean } | undefined)?.multiple) {
      process.stderr.write(`--${name} is given ${given.length} times (${given.map((v) => JSON.stringify(v)).join(', ')}): give it once\n${usage}\n`);
      return 2;
    }
  }
  if ((parsed.values as { help?: boolean }).help) {
    process.stdout.write(usage + '\n');
    return 0;
  }
  return parsed;
}

/**
 * Runs `fn` on the database this environment names, as its owner (`npm run token`, `npm run admin`), and tells it
 * which database that is. `DATABASE_URL`: that server. Otherwise the embedded database in `DATA_DIR`, never opened by
 * a second process: through the socket of the hub that holds it when one runs (waiting, up to a minute, for a hub that
 * is still migrating or loading the demo network rather than reading half a database); else opened here under the
 * same lock, its migrations applied and, with `seedDemo`, the demo network loaded into it when empty, exactly as
 * `npm start` would on a fresh install.
 */
export async function withDatabase<T>(config: Config, fn: (query: OwnerQuery, description: string) => Promise<T>, options: { seedDemo?: boolean } = {}): Promise<T> {
  const viaUrl = async (url: string, description: string) => {
    const client = new DatabaseClient({ connectionString: url, connectionTimeoutMillis: 10000 });
    try {
      await client.connect();
    } catch (err) {
      throw new ConfigError(`cannot reach ${description}: ${(err as Error).message || (err as NodeJS.ErrnoException).code}`);
    }
    try {
      return await fn(async (text, values) => (await client.query(text, values as unknown[])).rows, description);
    } catch (err) {
      // A table or one of the `lap` functions missing: a database the hub has never been started on.
      const code = (err as { code?: string }).code;
      if (code === '42P01' || code === '42883') throw new ConfigError(`${description} has no LAP Hub tables yet: start the hub once (${(err as Error).message})`);
      throw err;
    } finally {
      await client.end();
    }
  };
  if (config.databaseUrl) return viaUrl(config.databaseUrl, `the database at ${new URL(config.databaseUrl).host}${new URL(config.databaseUrl).pathname}`);
  let holder = readLiveLock(config.dataDir);
  for (let waited = 0; holder && !holder.ready && waited < 60_000; waited += 250) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    holder = readLiveLock(config.dataDir);
  }
  if (holder) {
    if (!holder.ready || !holder.socketDir) throw new ConfigError('the hub is still starting; try again in a moment');
    return viaUrl(embeddedUrl(holder.socketDir), `the embedded database of process ${holder.pid}`);
  }
  // Only now the database machinery (PGlite, TypeORM, the entities): while a hub runs, a command needs none of it.
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { openDatabase } = require('../db/data-source') as typeof import('../db/data-source');
  const { isEmpty, loadDemo } = require('../db/seed/demo') as typeof import('../db/seed/demo');
  /* eslint-enable @typescript-eslint/no-require-imports */
  // A folder with no database yet gets one, as `npm start` makes it; said on stderr, since a mistyped DATA_DIR would
  // otherwise answer from a new, empty (or demo) network, with a secret of its own, without a word. Said once it is
  // made: a folder that cannot hold one (a file, a folder not writable) is refused by `startEmbedded` alone.
  const fresh = !holdsDatabase(config.dataDir);
  const embedded = await startEmbedded(config.dataDir, 'command');
  if (fresh) {
    process.stderr.write(`note: DATA_DIR ${config.dataDir} held no database: a new one was made there, as npm start would (if you meant a hub's existing database, check DATA_DIR)\n`);
  }
  try {
    const ds = await openDatabase(embedded.url, 1);
    try {
      if (options.seedDemo && (await isEmpty(ds))) await loadDemo(ds);
      return await fn((text, values) => ds.query(text, values), `the embedded database in ${config.dataDir}`);
    } finally {
      await ds.destroy();
    }
  } finally {
    await embedded.stop();
  }
}

/** Runs a command's `main` and exits with its code; a failure is one line on stderr, prefixed with the command's name, and exit 1. */
export function runCommand(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${name}: ${err instanceof ConfigError ? err.message : (err as Error).message}\n`);
      process.exit(1);
    },
  );
}
