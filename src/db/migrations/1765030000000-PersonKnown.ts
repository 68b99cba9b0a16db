import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Why `lap.viewer_of` found nobody for a token, in the lookup's own terms: a person the hub knows (by id, or by email
 * for an identity provider's token) is missed by the lookup only for having left the network — a person who has not
 * left is always found (kind ANONYMOUS at worst), and people are never deleted. So the refusal says "has left the
 * network" when the hub knows the person at all, and "no known person" otherwise. `lap.person_left` asked whether the
 * person had left at the moment of its own read, a second read after the lookup's: a person reinstated in between
 * (a probe flipping it every 50 ms) was refused as "no known person", though the token named them.
 */
export class PersonKnown1765030000000 implements MigrationInterface {
  name = 'PersonKnown1765030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.person_known(person uuid, email text) RETURNS boolean
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          RETURN EXISTS (SELECT 1 FROM person pe WHERE ($1 IS NOT NULL AND pe.id = $1) OR ($1 IS NULL AND lower(pe.email) = lower($2)));
        END $f$;
      COMMENT ON FUNCTION lap.person_known(uuid, text) IS
        'Whether the hub knows the person a token names (by id, or by email for an identity provider''s token), left or not: asked only after lap.viewer_of found nobody, when it means the person had left (§C.1 keeps the membership''s record; the person may no longer act).';
      DROP FUNCTION lap.person_left(uuid, text);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.person_left(person uuid, email text) RETURNS boolean
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          RETURN EXISTS (SELECT 1 FROM person pe
                         WHERE pe.left_at IS NOT NULL AND (($1 IS NOT NULL AND pe.id = $1) OR ($1 IS NULL AND lower(pe.email) = lower($2))));
        END $f$;
      COMMENT ON FUNCTION lap.person_left(uuid, text) IS
        'Whether the person a token names (by id, or by email for an identity provider''s token) has left the network: said in the token''s refusal (§C.1 keeps the membership''s record; the person may no longer act).';
      DROP FUNCTION lap.person_known(uuid, text);
    `);
  }
}
