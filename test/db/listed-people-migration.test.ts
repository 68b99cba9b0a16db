import 'reflect-metadata';
import type { QueryRunner } from 'typeorm';
import { ListedPeople1764910000000 } from '../../src/db/migrations/1764910000000-ListedPeople';
import { ownerDatabase, rolledBack } from '../support/migration';

/**
 * The people and resource-list entries of participants endorsed now are the network's (§A.1, §B.1, §B.2): since
 * ListedPeople the policies ask for each row's own organization instead of hashing `lap.listed_org_ids()`, and must let
 * exactly the same rows through. On generated participants of every status — applicants before and after their
 * deadline, with objections standing, withdrawn in time or too late, rejected and withdrawn participants — both
 * definitions are asked as every kind of viewer at two moments, under the viewer role, in one transaction that is rolled
 * back.
 */

const database = ownerDatabase();

const uuid = (kind: number, n: number) => `00000000-0000-4000-9${String(kind).padStart(3, '0')}-${String(n).padStart(12, '0')}`;
const DAY = 86_400_000;
const T0 = Date.parse('2026-06-01T12:00:00Z');
const at = (days: number) => new Date(T0 + days * DAY).toISOString();

/** Participants of every status the silent procedure knows, each with its expected status at T0 (the test's "now"). */
const PARTICIPANTS: Array<{ status: string; deadline?: number; objection?: { created: number; withdrawn?: number }; now: string }> = [
  { status: 'ENDORSED', now: 'ENDORSED' },
  { status: 'ENDORSED', now: 'ENDORSED' },
  { status: 'APPLIED', deadline: 5, now: 'APPLIED' },
  { status: 'APPLIED', deadline: 5, objection: { created: -1 }, now: 'APPLIED' },
  { status: 'APPLIED', deadline: -2, now: 'ENDORSED' },
  { status: 'APPLIED', deadline: -2, objection: { created: -4 }, now: 'REJECTED' },
  { status: 'APPLIED', deadline: -2, objection: { created: -4, withdrawn: -3 }, now: 'ENDORSED' },
  { status: 'APPLIED', deadline: -2, objection: { created: -4, withdrawn: -1 }, now: 'REJECTED' },
  { status: 'APPLIED', deadline: -2, objection: { created: -1 }, now: 'ENDORSED' },
  { status: 'REJECTED', now: 'REJECTED' },
  { status: 'WITHDRAWN', now: 'WITHDRAWN' },
];

async function generate(q: QueryRunner) {
  await q.query(`INSERT INTO country (code, name) VALUES ('QY', 'Generated') ON CONFLICT DO NOTHING`);
  const agency = uuid(1, 1);
  const objector = uuid(2, 1);
  await q.query(`INSERT INTO participant (id, kind, name, country_code, status) VALUES ($1, 'AGENCY', 'Generated agency', 'QY', 'ENDORSED')`, [agency]);
  await q.query(`INSERT INTO person (id, organization_id, name, email) VALUES ($1, $2, 'Objector', 'objector@listed.example')`, [objector, agency]);
  const people: string[] = [objector];
  for (const [i, p] of PARTICIPANTS.entries()) {
    const org = uuid(3, i + 1);
    await q.query(
      `INSERT INTO participant (id, kind, name, country_code, status, sector, objection_deadline) VALUES ($1, 'PRIVATE_SECTOR', $2, 'QY', $3, 'INTERNET_SERVICE_PROVIDER', $4)`,
      [org, `Generated ${i + 1}`, p.status, p.deadline === undefined ? null : at(p.deadline)],
    );
    if (p.objection) {
      await q.query(
        `INSERT INTO endorsement_objection (participant_id, agency_id, objected_by_id, reason, created_at, withdrawn_at) VALUES ($1, $2, $3, 'Generated', $4, $5)`,
        [org, agency, objector, at(p.objection.created), p.objection.withdrawn === undefined ? null : at(p.objection.withdrawn)],
      );
    }
    for (let k = 1; k <= 2; k++) {
      const person = uuid(4, (i + 1) * 10 + k);
      people.push(person);
      await q.query(`INSERT INTO person (id, organization_id, name, email) VALUES ($1, $2, 'Someone', $3)`, [person, org, `p${i}-${k}@listed.example`]);
      if (k === 1) {
        await q.query(
          `INSERT INTO resource_list_entry (person_id, organization_id, expertise, languages, added_by_id, added_at) VALUES ($1, $2, '{SPAM}', '{en}', $1, $3)`,
          [person, org, at(-10)],
        );
      }
    }
  }
  return { agency, objector, people, members: PARTICIPANTS.map((_, i) => uuid(3, i + 1)) };
}

type Viewer = { kind: string; person: string; own: string; member: string };

/** The generated people and resource-list entries this viewer reads at `now`, as the viewer role. */
async function visible(q: QueryRunner, v: Viewer, now: string, people: string[]) {
  await q.query(`SAVEPOINT look`);
  await q.query(`SET LOCAL ROLE lap_viewer`);
  await q.query(
    `SELECT set_config('lap.kind', $1, true), set_config('lap.person_id', $2, true), set_config('lap.own_org', $3, true),
            set_config('lap.member_org', $4, true), set_config('lap.api_key', '', true), set_config('lap.now', $5, true)`,
    [v.kind, v.person, v.own, v.member, now],
  );
  const persons = (await q.query(`SELECT id::text FROM person WHERE id = ANY ($1::uuid[]) ORDER BY 1`, [people])) as Array<{ id: string }>;
  // One at a time too: the plan for a few rows (an index probe per row) and for many (one hash) must agree.
  const oneByOne: string[] = [];
  for (const id of people) if (((await q.query(`SELECT 1 FROM person WHERE id = $1`, [id])) as unknown[]).length) oneByOne.push(id);
  const entries = (await q.query(`SELECT person_id::text AS id FROM resource_list_entry WHERE person_id = ANY ($1::uuid[]) ORDER BY 1`, [people])) as Array<{ id: string }>;
  await q.query(`ROLLBACK TO SAVEPOINT look`);
  return { persons: persons.map((r) => r.id), oneByOne: oneByOne.sort(), entries: entries.map((r) => r.id) };
}

test('both definitions let the same people and resource-list entries through, for every viewer, before and after the deadlines', async () => {
  await rolledBack(database(), async (q) => {
    const g = await generate(q);
    const endorsedPerson = uuid(4, 11); // of the first participant, ENDORSED
    const applicantPerson = uuid(4, 31); // of the third, APPLIED with its deadline ahead
    const viewers: Viewer[] = [
      { kind: 'PRIVATE', person: endorsedPerson, own: g.members[0], member: g.members[0] },
      { kind: 'AGENCY', person: g.objector, own: g.agency, member: g.agency },
      { kind: 'COORDINATOR', person: g.objector, own: g.agency, member: g.agency },
      { kind: 'ANONYMOUS', person: '', own: '', member: '' },
      // an applicant's person: not a member, reads themself only
      { kind: 'ANONYMOUS', person: applicantPerson, own: g.members[2], member: '' },
    ];
    const moments = [at(0), at(-30), at(30)];
    const ask = async () => {
      const out = [];
      for (const v of viewers) for (const now of moments) out.push(await visible(q, v, now, g.people));
      return out;
    };
    const after = await ask();
    const migration = new ListedPeople1764910000000();
    await migration.down(q);
    const before = await ask();
    await migration.up(q);

    expect(after).toEqual(before);
    for (const a of after) expect(a.oneByOne).toEqual(a.persons);

    // What the rule says, spelled out for the private member at T0: itself, the agency's objector, and the two people
    // of each participant endorsed now; the resource-list entries of those participants.
    const endorsedNow = PARTICIPANTS.flatMap((p, i) => (p.now === 'ENDORSED' ? [i + 1] : []));
    expect(after[0].persons).toEqual([g.objector, ...endorsedNow.flatMap((i) => [uuid(4, i * 10 + 1), uuid(4, i * 10 + 2)])].sort());
    expect(after[0].entries).toEqual(endorsedNow.map((i) => uuid(4, i * 10 + 1)).sort());
    // Agencies read every person, but resource-list entries only of endorsed participants.
    expect(after[3].persons).toEqual([...g.people].sort());
    expect(after[3].entries).toEqual(after[0].entries);
    // Anonymous callers: nobody; an applicant's person: themself.
    expect(after[9]).toEqual({ persons: [], oneByOne: [], entries: [] });
    expect(after[12]).toEqual({ persons: [applicantPerson], oneByOne: [applicantPerson], entries: [] });
  });
});
