import 'reflect-metadata';
import type { QueryRunner } from 'typeorm';
import { SegmentsTakingPart1764900000000 } from '../../src/db/migrations/1764900000000-SegmentsTakingPart';
import { ownerDatabase, rolledBack } from '../support/migration';
import { mulberry32 } from '../support/random';

/**
 * The segments a private-sector member takes part in, and who takes part in them (§B.3, last ¶), are found from the
 * member's own invitations since SegmentsTakingPart; the answer must be exactly the one of the definitions before it.
 * On generated calls — both audiences, random invitations, standing and withdrawn objections to whole calls and to
 * single segments — both definitions are asked as every generated member (and as an agency, which takes part in no
 * segment this way), in one transaction that is rolled back.
 */

const database = ownerDatabase();

const uuid = (kind: number, n: number) => `00000000-0000-4000-8${String(kind).padStart(3, '0')}-${String(n).padStart(12, '0')}`;
const MEMBERS = 14;

interface Generated {
  members: string[];
  agency: string;
  /** How many invitations of a PRIVATE_SECTOR_INVITED segment a standing objection cancels, and how many a withdrawn one would have. */
  cancelled: number;
  withdrawnOnInvited: number;
  lawEnforcementInvitations: number;
}

async function generate(q: QueryRunner, seed: number): Promise<Generated> {
  const rnd = mulberry32(seed);
  const pick = <T>(xs: T[]) => xs[Math.floor(rnd() * xs.length)];
  await q.query(`INSERT INTO country (code, name) VALUES ('QZ', 'Generated') ON CONFLICT DO NOTHING`);
  const agency = uuid(1, 1);
  await q.query(`INSERT INTO participant (id, kind, name, country_code, status) VALUES ($1, 'AGENCY', 'Generated agency', 'QZ', 'ENDORSED')`, [agency]);
  const objector = uuid(2, 1);
  await q.query(`INSERT INTO person (id, organization_id, name, email) VALUES ($1, $2, 'Generated objector', 'objector@generated.example')`, [objector, agency]);
  const members: string[] = [];
  for (let m = 1; m <= MEMBERS; m++) {
    members.push(uuid(3, m));
    await q.query(
      `INSERT INTO participant (id, kind, name, country_code, status, sector) VALUES ($1, 'PRIVATE_SECTOR', $2, 'QZ', 'ENDORSED', 'INTERNET_SERVICE_PROVIDER')`,
      [uuid(3, m), `Generated member ${m}`],
    );
  }
  const invitations = new Map<string, Set<string>>(); // segment → members
  const segmentsOf = new Map<string, Array<{ id: string; audience: string }>>();
  let segmentNo = 0;
  for (let c = 1; c <= 12; c++) {
    const call = uuid(4, c);
    await q.query(
      `INSERT INTO conference_call (id, title, scheduled_at, duration_minutes, organizer_id) VALUES ($1, $2, now() + $3 * interval '1 day', 60, $4)`,
      [call, `Generated call ${c}`, c - 6, agency],
    );
    const segments: Array<{ id: string; audience: string }> = [];
    const n = 1 + Math.floor(rnd() * 5);
    for (let p = 1; p <= n; p++) {
      const id = uuid(5, ++segmentNo);
      const audience = rnd() < 0.7 ? 'PRIVATE_SECTOR_INVITED' : 'LAW_ENFORCEMENT_ONLY';
      await q.query(`INSERT INTO call_segment (id, call_id, position, title, topic, audience) VALUES ($1, $2, $3, 'Generated', 'CASES', $4)`, [id, call, p, audience]);
      segments.push({ id, audience });
      const invited = new Set(members.filter(() => rnd() < 0.45));
      invitations.set(id, invited);
      for (const m of invited) await q.query(`INSERT INTO call_segment_invitation (segment_id, member_id) VALUES ($1, $2)`, [id, m]);
    }
    segmentsOf.set(call, segments);
  }
  // Objections: to a whole call or to one of its segments, standing or withdrawn; a member may have several.
  const calls = [...segmentsOf.keys()];
  let cancelled = 0;
  let withdrawnOnInvited = 0;
  for (let e = 1; e <= 30; e++) {
    const call = pick(calls);
    const segment = rnd() < 0.5 ? pick(segmentsOf.get(call)!) : null;
    const member = pick(members);
    const withdrawn = rnd() < 0.3;
    await q.query(
      `INSERT INTO call_exclusion (call_id, segment_id, member_id, objecting_agency_id, objected_by_id, reason, withdrawn_at)
       VALUES ($1, $2, $3, $4, $5, 'Generated', $6)`,
      [call, segment?.id ?? null, member, agency, objector, withdrawn ? new Date() : null],
    );
    const hits = (segment ? [segment] : segmentsOf.get(call)!).filter((s) => s.audience === 'PRIVATE_SECTOR_INVITED' && invitations.get(s.id)!.has(member));
    if (withdrawn) withdrawnOnInvited += hits.length;
    else cancelled += hits.length;
  }
  const lawEnforcementInvitations = [...segmentsOf.values()].flat().filter((s) => s.audience === 'LAW_ENFORCEMENT_ONLY' && invitations.get(s.id)!.size > 0).length;
  return { members, agency, cancelled, withdrawnOnInvited, lawEnforcementInvitations };
}

/** What both functions answer as this viewer: sorted, as text. */
async function answers(q: QueryRunner, kind: 'PRIVATE' | 'AGENCY', org: string) {
  await q.query(`SELECT set_config('lap.kind', $1, true), set_config('lap.member_org', $2, true), set_config('lap.own_org', $2, true)`, [kind, org]);
  const ids = (await q.query(`SELECT id::text FROM lap.viewer_segment_ids() id ORDER BY 1`)) as Array<{ id: string }>;
  const participants = (await q.query(
    `SELECT p.segment_id::text || ' ' || p.member_id::text AS r FROM lap.viewer_segment_participants() p ORDER BY 1`,
  )) as Array<{ r: string }>;
  const calls = (await q.query(`SELECT id::text FROM lap.viewer_call_ids() id ORDER BY 1`)) as Array<{ id: string }>;
  return { ids: ids.map((r) => r.id), participants: participants.map((r) => r.r), calls: calls.map((r) => r.id) };
}

test.each([20261201, 7, 424242])('both definitions answer the same for every member, on calls generated from seed %i', async (seed) => {
  await rolledBack(database(), async (q) => {
    const g = await generate(q, seed);
    // The generated data reaches every branch of the rule: standing objections that cancel an invitation, withdrawn
    // ones that do not, and invitations to segments for law enforcement only.
    expect(g.cancelled).toBeGreaterThan(0);
    expect(g.withdrawnOnInvited).toBeGreaterThan(0);
    expect(g.lawEnforcementInvitations).toBeGreaterThan(0);

    const viewers: Array<['PRIVATE' | 'AGENCY', string]> = [...g.members.map((m): ['PRIVATE', string] => ['PRIVATE', m]), ['AGENCY', g.agency]];
    const after = [];
    for (const [kind, org] of viewers) after.push(await answers(q, kind, org));
    const migration = new SegmentsTakingPart1764900000000();
    await migration.down(q);
    const before = [];
    for (const [kind, org] of viewers) before.push(await answers(q, kind, org));
    await migration.up(q);

    expect(after).toEqual(before);
    // Not an agreement on nothing: members take part in segments, and the agency (not private) in none this way.
    expect(after.slice(0, MEMBERS).filter((a) => a.ids.length > 0).length).toBeGreaterThan(MEMBERS / 2);
    expect(after.slice(0, MEMBERS).reduce((n, a) => n + a.participants.length, 0)).toBeGreaterThan(after.slice(0, MEMBERS).reduce((n, a) => n + a.ids.length, 0));
    expect(after[MEMBERS]).toEqual({ ids: [], participants: [], calls: [] });
  });
});
