import { ConfigError } from '../../src/config';
import { leavePerson, withdrawParticipant } from '../../src/db/bootstrap';
import { caseId, cast, orgId, personId, segmentId, startTestHub, TestHub } from '../support/hub';
import { untilWaiting, withLocker } from '../support/locker';
import { resourceEntryId } from '../outreach/outreach-ids';

/**
 * Rules two requests at once could each pass and together break (DOMAIN §4 contacts and endorsement, §7 live minutes),
 * decided where both meet: a person leaving while being designated a contact; an objection, or its withdrawal, that
 * waited past the application's deadline; minutes recorded over minutes written meanwhile. The interleavings are forced
 * with a second session holding one write's transaction open (PostgreSQL only: on the embedded database every
 * connection shares one session); the rules themselves are checked on both.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const embedded = process.env.LAPHUB_TEST_DB_KIND === 'pglite';
const onPostgres = embedded ? test.skip : test;

const POINT_OF_CONTACT = `mutation($p: ID!) { designatePointOfContact(personId: $p) { pointOfContact { email } } }`;
const PRIMARY_CONTACT = `mutation($c: String!, $p: ID!) { designateCountryPrimaryContact(countryCode: $c, personId: $p) { primaryContact { email } } }`;
const owner = (sql: string, values?: unknown[]) => hub.ds.query(sql, values);

const outcome = (r: { body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } }) => ({
  data: r.body.data,
  errors: r.body.errors?.map((e) => [e.extensions?.code, e.message]),
});

/** Whom the FTC and the US name as contacts, and whether Ben Ortiz has left. */
async function contacts() {
  const [ftc] = await owner(`SELECT point_of_contact_id FROM participant WHERE id = $1`, [orgId('ftc')]);
  const [us] = await owner(`SELECT primary_contact_id FROM country WHERE code = 'US'`);
  const [ben] = await owner(`SELECT left_at IS NOT NULL AS left FROM person WHERE id = $1`, [personId(cast.ben)]);
  return { ftc: ftc.point_of_contact_id, us: us.primary_contact_id, benLeft: ben.left };
}

describe('a contact who leaves', () => {
  test('in the database: nobody who has left is designated, and no contact leaves (for any writer, the owner included)', async () => {
    await owner(`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.ben)]);
    await expect(owner(`UPDATE participant SET point_of_contact_id = $2 WHERE id = $1`, [orgId('ftc'), personId(cast.ben)])).rejects.toMatchObject({
      code: '23514', constraint: 'contact_present',
    });
    await expect(owner(`UPDATE country SET primary_contact_id = $1 WHERE code = 'US'`, [personId(cast.ben)])).rejects.toMatchObject({
      code: '23514', constraint: 'contact_present',
    });
    await expect(owner(`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.ann)])).rejects.toMatchObject({
      code: '23514', constraint: 'contact_stays',
    });
    expect(await contacts()).toEqual({ ftc: personId(cast.ann), us: personId(cast.ann), benLeft: true });
  });

  onPostgres('leaving first: designating them, waiting for it, is refused as for someone who had left', async () => {
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.ben)]);
      const designated = hub.gql(POINT_OF_CONTACT, { as: cast.ann, variables: { p: personId(cast.ben) } });
      await waiting();
      await locker.query('COMMIT');
      expect(outcome(await designated)).toEqual({ data: null, errors: [['BAD_USER_INPUT', 'personId: Ben Ortiz has left the network']] });
    });
    expect(await contacts()).toEqual({ ftc: personId(cast.ann), us: personId(cast.ann), benLeft: true });
  });

  onPostgres('leaving first: designating them primary contact of their country, waiting for it, is refused', async () => {
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.ben)]);
      const designated = hub.gql(PRIMARY_CONTACT, { as: cast.ann, variables: { c: 'US', p: personId(cast.ben) } });
      await waiting();
      await locker.query('COMMIT');
      expect(outcome(await designated)).toEqual({ data: null, errors: [['BAD_USER_INPUT', 'personId: Ben Ortiz has left the network']] });
    });
    expect(await contacts()).toEqual({ ftc: personId(cast.ann), us: personId(cast.ann), benLeft: true });
  });

  onPostgres('designated first: `npm run admin -- leave`, waiting for it, is refused and they stay', async () => {
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(`UPDATE participant SET point_of_contact_id = $2 WHERE id = $1`, [orgId('ftc'), personId(cast.ben)]);
      const left = leavePerson((sql, values) => hub.ds.query(sql, values), cast.ben);
      await waiting();
      await locker.query('COMMIT');
      await expect(left).rejects.toThrow(`${cast.ben} was designated a contact while this ran: designate someone else first, then run it again`);
    });
    expect(await contacts()).toEqual({ ftc: personId(cast.ben), us: personId(cast.ann), benLeft: false });
  });
});

describe('the objection window', () => {
  const OBJECT = `mutation($e: ID!) { objectToEndorsement(endorsementId: $e, reason: "Unknown operator") { id } }`;
  const WITHDRAW = `mutation($id: ID!) { withdrawEndorsementObjection(id: $id) { withdrawnAt } }`;
  const CLOSED = 'The objection window closed before this could be recorded: the application\'s status was settled at its deadline';

  /** A new application whose objection deadline is `ms` from now (moved there by the owner). */
  async function applicationClosingIn(ms: number, name: string): Promise<string> {
    const r = await hub.gql(
      `mutation($input: RecordApplicationInput!) { recordApplication(input: $input) { id } }`,
      { as: cast.ann, variables: { input: { name, kind: 'PRIVATE_SECTOR', countryCode: 'FR', sector: 'MOBILE_OPERATOR', pointOfContact: { name: 'Léa Petit', email: `${name.replace(/\W/g, '').toLowerCase()}@lea.example` } } } },
    );
    expect(r.body.errors).toBeUndefined();
    const id = r.body.data.recordApplication.id as string;
    await owner(`UPDATE participant SET objection_deadline = now() + make_interval(secs => $2::double precision / 1000) WHERE id = $1`, [id, ms]);
    return id;
  }

  const objections = (id: string) => owner(`SELECT agency_id, withdrawn_at IS NOT NULL AS withdrawn FROM endorsement_objection WHERE participant_id = $1 ORDER BY agency_id`, [id]);
  const untilPast = async (id: string) => {
    const [{ ms }] = await owner(`SELECT greatest(0, extract(epoch FROM objection_deadline - clock_timestamp()) * 1000)::int + 50 AS ms FROM participant WHERE id = $1`, [id]);
    await new Promise((resolve) => setTimeout(resolve, ms));
  };

  onPostgres('an objection that waited past the deadline (for another person of the agency objecting) is refused: the application stays ENDORSED', async () => {
    const id = await applicationClosingIn(1000, 'Late Objection Telecom');
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      // Isla's colleague objects for the ICO at the same moment (the standing-objection index: one per agency).
      await locker.query(`INSERT INTO endorsement_objection (participant_id, agency_id, objected_by_id, reason, created_at) VALUES ($1, $2, $3, 'first', now())`, [
        id, orgId('ico'), personId(cast.isla),
      ]);
      const objected = hub.gql(OBJECT, { as: cast.isla, variables: { e: id } });
      await waiting();
      await untilPast(id);
      await locker.query('ROLLBACK');
      expect(outcome(await objected)).toEqual({ data: null, errors: [['BAD_USER_INPUT', CLOSED]] });
    });
    expect(await objections(id)).toEqual([]);
    const r = await hub.gql(`query($id: ID!) { endorsement(id: $id) { status } }`, { as: cast.ann, variables: { id } });
    expect(r.body).toEqual({ data: { endorsement: { status: 'ENDORSED' } } });
  });

  onPostgres('an objection that arrived before the deadline and waited for a connection of the pool until after it is refused (its clock counts the wait)', async () => {
    const id = await applicationClosingIn(1000, 'Pool Wait Telecom');
    await withLocker(async (locker) => {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE training_session IN ACCESS EXCLUSIVE MODE');
      // Every connection of the test hub's pool (4) taken by a read waiting for the lock.
      const reads = Array.from({ length: 4 }, () => hub.gql(`{ trainings { totalCount } }`, { as: cast.ann }));
      await untilWaiting(locker, 4);
      const objected = hub.gql(OBJECT, { as: cast.isla, variables: { e: id } });
      // Not through the hub's data source: its pool is the one held.
      const [{ ms }] = (await locker.query(`SELECT greatest(0, extract(epoch FROM objection_deadline - clock_timestamp()) * 1000)::int + 50 AS ms FROM participant WHERE id = $1`, [id])).rows;
      await new Promise((resolve) => setTimeout(resolve, ms));
      await locker.query('COMMIT');
      expect((await Promise.all(reads)).map((r) => r.body.errors)).toEqual([undefined, undefined, undefined, undefined]);
      expect(outcome(await objected)).toEqual({ data: null, errors: [['BAD_USER_INPUT', CLOSED]] });
    });
    expect(await objections(id)).toEqual([]);
  });

  onPostgres('a withdrawal that waited past the deadline is refused: the objection stood at the deadline, the application stays REJECTED', async () => {
    const id = await applicationClosingIn(1000, 'Late Withdrawal Telecom');
    const objected = await hub.gql(OBJECT, { as: cast.isla, variables: { e: id } });
    expect(objected.body.errors).toBeUndefined();
    const objection = objected.body.data.objectToEndorsement.id;
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(`SELECT 1 FROM endorsement_objection WHERE id = $1 FOR UPDATE`, [objection]);
      const withdrawn = hub.gql(WITHDRAW, { as: cast.isla, variables: { id: objection } });
      await waiting();
      await untilPast(id);
      await locker.query('COMMIT');
      expect(outcome(await withdrawn)).toEqual({ data: null, errors: [['BAD_USER_INPUT', CLOSED]] });
    });
    expect(await objections(id)).toEqual([{ agency_id: orgId('ico'), withdrawn: false }]);
    const r = await hub.gql(`query($id: ID!) { endorsement(id: $id) { status } }`, { as: cast.ann, variables: { id } });
    expect(r.body).toEqual({ data: { endorsement: { status: 'REJECTED' } } });
  });
});

describe('minutes recorded over minutes written meanwhile', () => {
  onPostgres('the minutes as they were are the ones committed last: writing back the older text is a change, with a new time', async () => {
    const segment = segmentId('next-1/2');
    await owner(`UPDATE call_segment SET minutes = 'X', minutes_recorded_at = now() - interval '1 hour' WHERE id = $1`, [segment]);
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      // Another coordinator records "M".
      await locker.query(`UPDATE call_segment SET minutes = 'M', minutes_recorded_at = now() WHERE id = $1`, [segment]);
      const recorded = hub.gql(`mutation($s: ID!) { recordMinutes(segmentId: $s, minutes: "X") { minutes } }`, { as: cast.oliver, variables: { s: segment } });
      await waiting();
      await locker.query('COMMIT');
      expect(outcome(await recorded)).toEqual({ data: { recordMinutes: { minutes: 'X' } }, errors: undefined });
    });
    const [row] = await owner(`SELECT minutes, minutes_recorded_at > now() - interval '1 minute' AS recorded_now FROM call_segment WHERE id = $1`, [segment]);
    expect(row).toEqual({ minutes: 'X', recorded_now: true });
  });
});

onPostgres('recording minutes does not wait for another request that links a case to the segment (no deadlock between two such requests)', async () => {
  const segment = segmentId('next-1/2');
  await withLocker(async (locker) => {
    await locker.query('BEGIN');
    // Another request links a case: its row references the segment (a key-share lock on the segment's row).
    await locker.query(`INSERT INTO call_segment_case (segment_id, case_id) VALUES ($1, $2)`, [segment, caseId('FTC-2004-017')]);
    const recorded = await hub.gql(`mutation($s: ID!) { recordMinutes(segmentId: $s, minutes: "Recorded beside a link") { minutes } }`, { as: cast.oliver, variables: { s: segment } });
    expect(outcome(recorded)).toEqual({ data: { recordMinutes: { minutes: 'Recorded beside a link' } }, errors: undefined });
    await locker.query('COMMIT');
  });
});

describe('whom a write names is present when it names them', () => {
  const SHARE = `mutation($input: ShareCaseInput!) { shareCase(input: $input) { id } }`;
  const INVITE = `mutation($segment: ID!, $member: ID!) { inviteToSegment(segmentId: $segment, memberId: $member) { id } }`;
  const PUBLISH = `mutation($input: PublishReportInput!) { publishReport(input: $input) { id } }`;

  /** Runs `write` while a second session's uncommitted `change` holds the row it names; commits the change; returns the write's outcome. */
  async function afterChange(change: [string, unknown[]], write: () => Promise<{ body: { data?: unknown; errors?: Array<{ message: string; extensions?: { code?: string } }> } }>) {
    let answer: ReturnType<typeof outcome> | undefined;
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      await locker.query(change[0], change[1]);
      const written = write();
      await waiting();
      await locker.query('COMMIT');
      answer = outcome(await written);
    });
    return answer;
  }

  onPostgres('a share naming a person who left while it was sent is refused, as one sent after', async () => {
    const answer = await afterChange([`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.priya)]], () =>
      hub.gql(SHARE, { as: cast.liam, variables: { input: { caseId: caseId('ACMA-2004-011'), participantId: orgId('meridian'), recipientIds: [personId(cast.priya)] } } }),
    );
    expect(answer).toEqual({ data: null, errors: [['BAD_USER_INPUT', `input.recipientIds: have left the network: ${personId(cast.priya)}`]] });
    expect(await owner(`SELECT count(*)::int AS n FROM case_share WHERE case_id = $1 AND participant_id = $2`, [caseId('ACMA-2004-011'), orgId('meridian')])).toEqual([{ n: 0 }]);
  });

  onPostgres('a share to a participant withdrawn while it was sent is refused', async () => {
    const answer = await afterChange([`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('sentinel')]], () =>
      hub.gql(SHARE, { as: cast.liam, variables: { input: { caseId: caseId('ACMA-2004-011'), participantId: orgId('sentinel'), recipientIds: [] } } }),
    );
    expect(answer).toEqual({ data: null, errors: [['BAD_USER_INPUT', 'input.participantId: no endorsed participant with this id']] });
    expect(await owner(`SELECT count(*)::int AS n FROM case_share WHERE case_id = $1 AND participant_id = $2`, [caseId('ACMA-2004-011'), orgId('sentinel')])).toEqual([{ n: 0 }]);
  });

  onPostgres('an invitation of a member withdrawn while it was sent is refused', async () => {
    const answer = await afterChange([`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('registro')]], () =>
      hub.gql(INVITE, { as: cast.oliver, variables: { segment: segmentId('next-1/2'), member: orgId('registro') } }),
    );
    expect(answer).toEqual({ data: null, errors: [['BAD_USER_INPUT', 'memberId: no endorsed private-sector member with this id']] });
    expect(await owner(`SELECT count(*)::int AS n FROM call_segment_invitation WHERE segment_id = $1 AND member_id = $2`, [segmentId('next-1/2'), orgId('registro')])).toEqual([{ n: 0 }]);
  });

  onPostgres('a report naming a person who left while it was sent is refused', async () => {
    const answer = await afterChange([`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.ben)]], () =>
      hub.gql(PUBLISH, { as: cast.tom, variables: { input: { kind: 'CASE', title: 'For Ben', body: 'x', tlp: 'RED', recipientIds: [personId(cast.ben)] } } }),
    );
    expect(answer).toEqual({ data: null, errors: [['BAD_USER_INPUT', `input.recipientIds: have left the network: ${personId(cast.ben)}`]] });
    expect(await owner(`SELECT count(*)::int AS n FROM sector_report WHERE title = 'For Ben'`)).toEqual([{ n: 0 }]);
  });

  onPostgres('a primary contact whose agency was withdrawn while it was designated is refused', async () => {
    const answer = await afterChange([`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('ico')]], () =>
      hub.gql(PRIMARY_CONTACT, { as: cast.oliver, variables: { c: 'GB', p: personId(cast.isla) } }),
    );
    expect(answer).toEqual({ data: null, errors: [['BAD_USER_INPUT', 'personId: is not a person of an endorsed agency of GB']] });
    expect(await owner(`SELECT primary_contact_id FROM country WHERE code = 'GB'`)).toEqual([{ primary_contact_id: personId(cast.oliver) }]);
  });

  onPostgres('two coordinators withdrawn at once (`npm run admin -- withdraw`): the second, waiting for the first, is refused as the network’s last coordinator', async () => {
    // FTC and ACMA the only coordinators left.
    await owner(`UPDATE participant SET is_coordinator = true WHERE id = $1`, [orgId('acma')]);
    await owner(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('oft')]);
    const [{ name: acma }] = await owner(`SELECT name FROM participant WHERE id = $1`, [orgId('acma')]);
    let refusal: unknown;
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      // FTC's withdrawal under way (another operator's), not committed yet.
      await locker.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('ftc')]);
      const withdrawing = withdrawParticipant((sql, values) => hub.ds.query(sql, values), acma).catch((err: unknown) => (refusal = err));
      await waiting();
      await locker.query('COMMIT');
      await withdrawing;
    });
    expect(refusal).toEqual(new ConfigError(`${acma} is the network's last coordinator: found another first (npm run admin -- agency <name> --country <CODE> --coordinator)`));
    expect(await owner(`SELECT id, status FROM participant WHERE is_coordinator ORDER BY id`)).toEqual(
      [
        { id: orgId('acma'), status: 'ENDORSED' },
        { id: orgId('ftc'), status: 'WITHDRAWN' },
        { id: orgId('oft'), status: 'WITHDRAWN' },
      ].sort((a, b) => (a.id < b.id ? -1 : 1)),
    );
  });

  onPostgres('designated first: `npm run admin -- withdraw` of their agency, waiting for it, clears that designation too', async () => {
    let withdrawn: Awaited<ReturnType<typeof withdrawParticipant>> | undefined;
    await withLocker(async (locker, waiting) => {
      await locker.query('BEGIN');
      // Isla (ICO) designated the UK's primary contact, by a request under way (its lock on the ICO's row).
      await locker.query(`SELECT set_config('lap.now', now()::text, true)`);
      await locker.query(`UPDATE country SET primary_contact_id = $1 WHERE code = 'GB'`, [personId(cast.isla)]);
      const withdrawing = withdrawParticipant((sql, values) => hub.ds.query(sql, values), 'UK Information Commissioner’s Office');
      await waiting();
      await locker.query('COMMIT');
      withdrawn = await withdrawing;
    });
    expect(withdrawn?.name).toBe('UK Information Commissioner’s Office');
    expect(await owner(`SELECT status FROM participant WHERE id = $1`, [orgId('ico')])).toEqual([{ status: 'WITHDRAWN' }]);
    expect(await owner(`SELECT primary_contact_id FROM country WHERE code = 'GB'`)).toEqual([{ primary_contact_id: null }]);
  });

  test('an agency withdrawn, for any writer: its people are no country’s primary contact any more; `npm run admin -- withdraw` says which countries have none now', async () => {
    await owner(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('oft')]);
    expect(await owner(`SELECT primary_contact_id FROM country WHERE code = 'GB'`)).toEqual([{ primary_contact_id: null }]);
    // The US's only agency (no one else could be designated first); not the network's last coordinator once ACMA is one.
    await owner(`UPDATE participant SET is_coordinator = true WHERE id = $1`, [orgId('acma')]);
    const [{ name: us }] = await owner(`SELECT name FROM country WHERE code = 'US'`);
    expect(await withdrawParticipant((sql, values) => hub.ds.query(sql, values), 'US Federal Trade Commission')).toEqual({
      id: orgId('ftc'), name: 'US Federal Trade Commission', primaryContactOf: [us],
    });
    expect(await owner(`SELECT primary_contact_id FROM country WHERE code = 'US'`)).toEqual([{ primary_contact_id: null }]);
  });
});

onPostgres('a request that deadlocks with another (PostgreSQL undoes it) is answered 503 SERVICE_UNAVAILABLE with Retry-After, nothing of it written, not an internal error', async () => {
  const [x, y] = [caseId('FTC-2004-017'), caseId('FTC-2004-021')];
  const titles = () => owner(`SELECT id, title FROM enforcement_case WHERE id = ANY($1) ORDER BY id`, [[x, y]]);
  const before = await titles();
  const token = await hub.tokenFor(personId(cast.ann), cast.ann);
  await withLocker(async (locker, waiting) => {
    await locker.query('BEGIN');
    await locker.query(`SELECT 1 FROM enforcement_case WHERE id = $1 FOR UPDATE`, [x]);
    // The request takes y, then waits for x; the other session then waits for y: a deadlock, which the request's
    // backend (waiting the longest) detects and is undone by.
    const sent = fetch(hub.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: `mutation($x: ID!, $y: ID!) { a: updateCase(id: $y, input: { title: "First renamed" }) { id } b: updateCase(id: $x, input: { title: "Second renamed" }) { id } }`, variables: { x, y } }),
    });
    await waiting();
    await locker.query(`SELECT 1 FROM enforcement_case WHERE id = $1 FOR UPDATE`, [y]);
    await locker.query('ROLLBACK');
    const res = await sent;
    const body = (await res.json()) as { data: unknown; errors: Array<{ message: string; extensions: { code: string } }> };
    expect([res.status, res.headers.get('retry-after'), body.data]).toEqual([503, '1', null]);
    expect(body.errors.map((e) => [e.extensions.code, e.message])).toEqual([
      ['SERVICE_UNAVAILABLE', 'Another request changed the same rows at this moment: this one was undone and nothing of it was written; send it again'],
    ]);
  });
  expect(await titles()).toEqual(before);
});

describe('two removals of one resource-list entry at once', () => {
  onPostgres('the one that waited is told the entry is gone (as a removal after it is), not refused by the rule it passed', async () => {
    const entry = resourceEntryId('grace');
    await withLocker(async (locker, waiting) => {
      // The first removal (another person of NorthStar, or the same one twice), not yet committed.
      await locker.query('BEGIN');
      await locker.query(`DELETE FROM resource_list_entry WHERE id = $1`, [entry]);
      const second = hub.gql(`mutation($id: ID!) { removeResourceListEntry(id: $id) }`, { as: cast.grace, variables: { id: entry } });
      await waiting();
      await locker.query('COMMIT');
      expect(outcome(await second)).toEqual({ data: null, errors: [['BAD_USER_INPUT', 'id: no resource-list entry with this id']] });
    });
    expect(await owner(`SELECT id FROM resource_list_entry WHERE id = $1`, [entry])).toEqual([]);
  });
});
