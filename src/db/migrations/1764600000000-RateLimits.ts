import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The table where rate limits are counted when several hubs share one PostgreSQL server (`RATE_LIMIT_STORE=postgres`;
 * src/http/rate-limit.ts, rate-limiter-flexible's layout). Operational state, not network data: it lives in schema
 * `lap_ops`, on which `lap_viewer` has no USAGE, so no request transaction can even name it; row-level security is on
 * and forced with no policy, so only the hub's own role (superuser or BYPASSRLS) reads or writes it.
 */
export class RateLimits1764600000000 implements MigrationInterface {
  name = 'RateLimits1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE SCHEMA lap_ops;
      REVOKE ALL ON SCHEMA lap_ops FROM PUBLIC;
      CREATE TABLE lap_ops.rate_limit (
        key varchar(255) PRIMARY KEY,
        points integer NOT NULL DEFAULT 0,
        expire bigint
      );
      ALTER TABLE lap_ops.rate_limit ENABLE ROW LEVEL SECURITY, FORCE ROW LEVEL SECURITY;
      CREATE INDEX rate_limit_expire ON lap_ops.rate_limit (expire);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP SCHEMA lap_ops CASCADE`);
  }
}
