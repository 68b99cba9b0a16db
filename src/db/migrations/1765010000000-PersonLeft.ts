import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Whether the person a refused token names has left the network, so that the refusal says so ("The token is for a
 * person who has left the network") rather than "for no known person", which read as a typo or the wrong database
 * (a probe). Asked only after `lap.viewer_of` found nobody, of the token's own subject: it tells the holder of a token
 * signed for that person, and nobody else, what became of that person.
 */
export class PersonLeft1765010000000 implements MigrationInterface {
  name = 'PersonLeft1765010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION lap.person_left(person uuid, email text) RETURNS boolean
        LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
        AS $f$ BEGIN
          RETURN EXISTS (SELECT 1 FROM person pe
                         WHERE pe.left_at IS NOT NULL AND (($1 IS NOT NULL AND pe.id = $1) OR ($1 IS NULL AND lower(pe.email) = lower($2))));
        END $f$;
      COMMENT ON FUNCTION lap.person_left(uuid, text) IS
        'Whether the person a token names (by id, or by email for an identity provider''s token) has left the network: said in the token''s refusal (§C.1 keeps the membership''s record; the person may no longer act).';
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION lap.person_left(uuid, text)`);
  }
}
