import { earlySignals } from './early-signals';
import 'reflect-metadata';
import { TokenService } from './auth/tokens';
import { ConfigError, loadConfig } from './config';
import { checkPort, shownHost } from './startup';
import { ensureWritableDir } from './db/embedded';
import { withMigrationLock } from './db/data-source';
import { openConfiguredDatabase } from './db/open';
import { isEmpty, loadDemo } from './db/seed/demo';
import { checkRedis } from './http/rate-limit';
import { createLogger } from './logger';
import { createHub } from './server';

/** `npm start`: configuration, database (embedded or DATABASE_URL), migrations, demo data on an empty database, HTTP. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config);
  // A stop asked for while the hub starts (Ctrl-C, SIGTERM) is kept and carried out at the next point where nothing is
  // half done (before the database is opened; once an embedded one has started, before its migrations; once it is
  // migrated; once the demo is loaded; once serving), closing the
  // database and exiting 0 as a stop does; the process died with no line before. A second signal, or start-up not
  // reaching such a point within SHUTDOWN_GRACE_MS + 5 s, exits at once (1): the database's own recovery then applies.
  let stopAsked: string | null = null;
  let stopServing: ((signal: string) => void) | null = null;
  // A signal within 1 s of the first never reaches here: one Ctrl-C under `npm start` arrives twice (`SAME_SIGNAL_MS`).
  const onSignal = (signal: string) => {
    if (stopServing) return stopServing(signal);
    if (stopAsked) {
      logger.error({ signal }, 'stopped again during start-up: exiting now');
      process.exit(1);
    }
    stopAsked = signal;
    logger.info({ signal }, 'a stop was asked for during start-up: stopping once nothing is half done');
    setTimeout(() => {
      logger.error('start-up did not reach a point to stop at in time; exiting');
      process.exit(1);
    }, config.shutdownGraceMs + 5000).unref();
  };
  earlySignals.handler = onSignal;
  if (earlySignals.asked) onSignal(earlySignals.asked);
  const stoppedDuringStartUp = async (close?: () => Promise<void>) => {
    if (!stopAsked) return;
    await close?.().catch(() => undefined);
    logger.info({ signal: stopAsked }, 'stopped during start-up: nothing was served');
    process.exit(0);
  };
  // Set, but not what the limits count with: said once, so that an operator who meant Redis does not run without it.
  if (config.redisUrl && config.rateLimitStore !== 'redis') {
    logger.warn(`REDIS_URL is set but RATE_LIMIT_STORE is ${config.rateLimitStore}: Redis is not used (set RATE_LIMIT_STORE=redis to count the limits there)`);
  }
  // An identity provider signs tokens for other applications too, and a key set may serve more than one issuer: without
  // an audience, any token it signed for any of them, naming a person's email, is taken here; without an issuer, any
  // token of another issuer whose keys JWKS_URL publishes, for this audience.
  if (config.jwksUrl && !config.jwtAudience) {
    logger.warn(`JWKS_URL is set without JWT_AUDIENCE: a token the identity provider signed for any other application, naming a person's email, is accepted here; set JWT_AUDIENCE${config.jwtIssuer ? '' : ' and JWT_ISSUER'} to the values of this hub's tokens`);
  } else if (config.jwksUrl && !config.jwtIssuer) {
    logger.warn(`JWKS_URL is set without JWT_ISSUER: a token of any issuer whose keys JWKS_URL publishes, for this hub's audience, is accepted here; set JWT_ISSUER to the issuer of this hub's tokens`);
  }
  // Every misconfiguration that can be found without the database is named before the database is opened.
  await checkPort(config);
  // The rate limits' Redis: a bad REDIS_URL stops the hub before anything is written (the data folder, its token
  // secret) and before the database is migrated or seeded.
  await checkRedis(config, logger);
  if (!config.databaseUrl) ensureWritableDir(config.dataDir);
  // The token secret (generated into DATA_DIR outside production) or the JWKS configuration.
  new TokenService(config);
  await stoppedDuringStartUp();
  const db = await openConfiguredDatabase(config, (close) => stoppedDuringStartUp(close));
  await stoppedDuringStartUp(() => db.close());
  let hub;
  try {
    if (config.seedDemo) {
      const seed = async () => {
        if (!(await isEmpty(db.ds))) return;
        await loadDemo(db.ds);
        logger.info('loaded the demo network into the empty database');
      };
      // Instances started at once on one new database take turns: the first loads the demo, the others find it there.
      await (db.embedded ? seed() : withMigrationLock(db.ds, seed));
    }
    await stoppedDuringStartUp(() => db.close());
    db.markReady();
    hub = await createHub({ config, ds: db.ds, logger, liveEvents: db.embedded ? 'in-process' : 'postgres' });
    const port = await hub.listen(config.port, config.host).catch((err: NodeJS.ErrnoException) => {
      throw new ConfigError(`cannot listen on ${config.host}:${config.port}: ${err.code ?? err.message}`);
    });
    logger.info({ port, database: db.description }, `LAP Hub is serving GraphQL${config.graphiql ? ' and GraphiQL' : ''} at http://${shownHost(config.host)}:${port}/graphql`);
  } catch (err) {
    await db.close().catch(() => undefined);
    throw err;
  }

  let stopping = false;
  /** Ends a stop at once (1): its time is up, or it was asked for again (Ctrl-C twice). */
  const exitNow = () => {
    // What the audit trail still holds is lost with the process: said, entry by entry, as a failed write says it.
    hub?.audit.abandon();
    process.exit(1);
  };
  const stop = async (signal: string) => {
    if (stopping) {
      // A second signal while the stop waits (for requests under way, up to SHUTDOWN_GRACE_MS, or for the database):
      // the operator will not wait, as during start-up.
      logger.error({ signal }, 'stopped again while stopping: exiting now');
      return exitNow();
    }
    stopping = true;
    logger.info({ signal }, 'draining in-flight requests and closing the database');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      exitNow();
    }, config.shutdownGraceMs + 5000);
    force.unref();
    try {
      await hub!.stop();
      await db.close();
      // Orderly, but not clean when the audit trail lost entries while the hub ran (each said in its own line).
      const lost = hub!.audit.lostEntries;
      if (lost > 0) logger.error({ lostAuditEntries: lost }, `stopped; the audit trail lost ${lost} entr${lost === 1 ? 'y' : 'ies'} while the hub ran (each listed in an AUDIT TRAIL line above)`);
      else logger.info('stopped cleanly');
      process.exit(0);
    } catch (err) {
      logger.error({ err }, 'error while stopping');
      process.exit(1);
    }
  };
  stopServing = (signal) => void stop(signal);
  if (stopAsked) void stop(stopAsked);
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`lap-hub: ${err.message}\n`);
  } else {
    process.stderr.write(`lap-hub: start-up failed: ${(err as Error)?.message ?? String(err)}\n`);
  }
  process.exit(1);
});
