import { randomUUID } from 'crypto';
import { credentialFromHeader, ownLookups, PERSON_LEFT_MESSAGE } from '../../src/auth/viewer';
import { TokenService } from '../../src/auth/tokens';
import { cast, personId, startTestHub, TestHub } from '../support/hub';

/**
 * Why a token names nobody is said in the terms of the lookup that found nobody (`lap.viewer_of`), not in those of a
 * later read: a person reinstated between the two had left at the lookup's moment, and is told so.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub.close();
});
beforeEach(async () => {
  await hub.reset();
});

async function refusal(token: string, lookups = ownLookups(hub.ds, new Date())): Promise<string> {
  try {
    await credentialFromHeader(`Bearer ${token}`, new TokenService(hub.config), hub.ds, new Date(), lookups);
  } catch (err) {
    return `${(err as { extensions?: { code?: string } }).extensions?.code}: ${(err as Error).message}`;
  }
  return 'accepted';
}

test('a person the lookup missed for having left, reinstated before the reason is read: "has left the network"', async () => {
  const token = await hub.tokenFor(personId(cast.priya), cast.priya);
  await hub.ds.query(`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.priya)]);
  const own = ownLookups(hub.ds, new Date());
  // The lookup runs while she has left; she is reinstated as soon as it has answered, before the refusal says why.
  const lookups = {
    ...own,
    viewerOf: async (person: string | null, email: string | null) => {
      const row = await own.viewerOf(person, email);
      await hub.ds.query(`UPDATE person SET left_at = NULL WHERE id = $1`, [personId(cast.priya)]);
      return row;
    },
  };
  expect(await refusal(token, lookups)).toBe(`UNAUTHENTICATED: ${PERSON_LEFT_MESSAGE}`);
  // Asked again, she is found.
  expect(await refusal(token)).toBe('accepted');
});

test('a person who has left: "has left the network"; a token for nobody the hub knows: "no known person"', async () => {
  await hub.ds.query(`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.priya)]);
  expect(await refusal(await hub.tokenFor(personId(cast.priya), cast.priya))).toBe(`UNAUTHENTICATED: ${PERSON_LEFT_MESSAGE}`);
  expect(await refusal(await hub.tokenFor(randomUUID(), 'nobody@example.org'))).toBe('UNAUTHENTICATED: The token is for no known person');
});
