import 'reflect-metadata';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { entities } from '../../entities';
import { ConfigError } from '../config';
import { migrations } from './migrations';
import { installStatementCounter } from './statement-counter';

// bigint columns (money) fit in a double; count(*) too.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || 5432}${u.pathname}`;
  } catch {
    return 'the configured database';
  }
}

/** `disableJit`: PostgreSQL's JIT compiles the scoped count queries on every request, costing more than it saves. */
export function createDataSource(url: string, poolSize: number, disableJit = false): DataSource {
  installStatementCounter();
  return new DataSource({
    type: 'postgres',
    url,
    entities,
    migrations,
    synchronize: false,
    migrationsRun: false,
    logging: false,
    extra: { max: poolSize, connectionTimeoutMillis: 10000, ...(disableJit ? { options: '-c jit=off' } : {}) },
  });
}

/** Connects and applies the migrations; a database that cannot be reached is a configuration error. */
export async function openDatabase(url: string, poolSize: number, disableJit = false): Promise<DataSource> {
  const ds = createDataSource(url, poolSize, disableJit);
  try {
    await ds.initialize();
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ConfigError(`cannot reach the database at ${describeUrl(url)}: ${e.code ?? e.message}`);
  }
  try {
    await ds.runMigrations({ transaction: 'each' });
  } catch (err) {
    await ds.destroy().catch(() => undefined);
    throw new ConfigError(`cannot apply the migrations to ${describeUrl(url)}: ${(err as Error).message}`);
  }
  return ds;
}
