import { caseId, cast, startTestHub, TestHub } from '../support/hub';
import { dispatchOf, LiveClient, LiveSubscription, receivedInAll, subscribed } from '../support/live';
import { apiKeyViewer, connectViewers, endLiveTest, expectDeliveries, membersOf, peopleAsViewers, readNetwork, Viewer } from '../support/live-network';
import { Rnd } from '../support/random';

/**
 * A randomized test of `callChanged` (DOMAIN §7): per seed, a coordinator schedules a few calls on the demo network,
 * then a random sequence of segments added, invitations, exclusions, withdrawals and minutes runs through the API.
 * After every mutation an oracle written from DOMAIN §2, §4 "Conference calls" and §7 says which subscription receives
 * a payload and what it holds: a payload goes to a viewer who sees the call after the change, and only when what that
 * subscription shows of the call differs from what it showed before the change (the call, a segment or a member
 * gained or lost, a field it reads changed).
 *
 * Seeds: LIVE_CALL_SEED=7,8 (comma-separated) replaces the defaults. Some subscribers start after the calls were
 * scheduled: they have had no earlier payload of a call to compare with, and must still receive nothing their view
 * does not show changed (an exclusion of a member another agency's exclusion already keeps out, say). Every payload
 * must match the oracle exactly.
 */

const SEEDS = (process.env.LIVE_CALL_SEED ?? '1,2,3')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map(Number);
const STEPS = 25;


// ---- The oracle's model of a call ----

const AUDIENCES = ['LAW_ENFORCEMENT_ONLY', 'PRIVATE_SECTOR_INVITED'] as const;
type Audience = (typeof AUDIENCES)[number];
const TOPICS = ['CASES', 'LEGISLATIVE_DEVELOPMENTS', 'INVESTIGATIVE_TECHNIQUES', 'ENFORCEMENT_OBSTACLES', 'EDUCATION_PROJECTS', 'TRAINING', 'PRIVATE_SECTOR_REPORTS'];

interface Segment {
  id: string;
  title: string;
  audience: Audience;
  minutes: string | null;
  invited: string[];
}
interface Exclusion {
  id: string;
  agency: string;
  member: string;
  /** null: the whole call. */
  segment: string | null;
  withdrawnAt: string | null;
}
interface CallModel {
  id: string;
  title: string;
  dialIn: string;
  /** In position order. */
  segments: Segment[];
  exclusions: Exclusion[];
}

const clone = (c: CallModel): CallModel => ({
  ...c,
  segments: c.segments.map((s) => ({ ...s, invited: [...s.invited] })),
  exclusions: c.exclusions.map((e) => ({ ...e })),
});

const SELECTION = `id title dialIn segments { order title audience minutes invited { id } } exclusions { member { id } segment { id } withdrawnAt }`;
const REDACTED = { redacted: [{ path: 'callChanged.exclusions', code: 'FORBIDDEN', count: 1 }] };

const byJson = (a: unknown, b: unknown) => JSON.stringify(a).localeCompare(JSON.stringify(b));

/** §4 "Conference calls": the payload this viewer receives of the call, or null when it cannot see the call. */
function view(c: CallModel | undefined, v: Viewer): unknown {
  if (!c || v.kind === 'ANONYMOUS') return null;
  const standing = c.exclusions.filter((e) => e.withdrawnAt === null);
  const excluded = (member: string, s: Segment) => standing.some((e) => e.member === member && (e.segment === null || e.segment === s.id));
  if (v.kind === 'AGENCY') {
    return {
      data: {
        callChanged: {
          id: c.id, title: c.title, dialIn: c.dialIn,
          segments: c.segments.map((s, i) => ({ order: i + 1, title: s.title, audience: s.audience, minutes: s.minutes, invited: [...s.invited].sort().map((id) => ({ id })) })),
          exclusions: c.exclusions.map((e) => ({ member: { id: e.member }, segment: e.segment ? { id: e.segment } : null, withdrawnAt: e.withdrawnAt })).sort(byJson),
        },
      },
    };
  }
  const org = v.orgId!;
  // Never a call it is excluded from as a whole; only segments inviting it, PRIVATE_SECTOR_INVITED, not excluding it.
  if (standing.some((e) => e.member === org && e.segment === null)) return null;
  const seen = c.segments.filter((s) => s.audience === 'PRIVATE_SECTOR_INVITED' && s.invited.includes(org) && !excluded(org, s));
  if (seen.length === 0) return null;
  return {
    data: {
      callChanged: {
        id: c.id, title: c.title, dialIn: c.dialIn,
        // Numbered among the segments this viewer sees; invited: only the members taking part.
        segments: seen.map((s, i) => ({ order: i + 1, title: s.title, audience: s.audience, minutes: s.minutes, invited: s.invited.filter((m) => !excluded(m, s)).sort().map((id) => ({ id })) })),
        exclusions: null,
      },
    },
    extensions: REDACTED,
  };
}

/** A received payload with its lists in the oracle's order where the API promises none (segments keep theirs). */
function normalized(payload: any): unknown {
  const p = JSON.parse(JSON.stringify(payload));
  const c = p?.data?.callChanged;
  if (c) {
    for (const s of c.segments ?? []) if (Array.isArray(s.invited)) s.invited.sort((a: any, b: any) => a.id.localeCompare(b.id));
    if (Array.isArray(c.exclusions)) c.exclusions.sort(byJson);
  }
  return p;
}

// ---- Subscriptions ----

interface Sub {
  label: string;
  viewer: Viewer;
  client: LiveClient;
  /** The call it follows; null: every call. */
  callId: string | null;
  live: LiveSubscription;
  seen: number;
  late: boolean;
}

const SUBSCRIPTION = `subscription($id: ID) { callChanged(id: $id) { ${SELECTION} } }`;

type MutationKind = 'schedule' | 'addSegment' | 'invite' | 'invite (again)' | 'exclude' | 'withdraw' | 'minutes' | 'minutes (same)';
const M = {
  schedule: `mutation($input: ScheduleCallInput!) { scheduleCall(input: $input) { id } }`,
  addSegment: `mutation($input: AddSegmentInput!) { addSegment(input: $input) { id } }`,
  invite: `mutation($s: ID!, $m: ID!) { inviteToSegment(segmentId: $s, memberId: $m) { id } }`,
  exclude: `mutation($input: ExcludeFromCallInput!) { excludeFromCall(input: $input) { id } }`,
  withdraw: `mutation($id: ID!) { withdrawExclusion(id: $id) { id withdrawnAt } }`,
  minutes: `mutation($s: ID!, $minutes: String!) { recordMinutes(segmentId: $s, minutes: $minutes) { id } }`,
  touchCase: `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { id } }`,
};

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.close();
});

const opened = new Set<LiveClient>();
afterEach(() => endLiveTest(hub, opened));

describe.each(SEEDS)('callChanged under random segments, invitations, exclusions and minutes (seed %i)', (seed) => {
  test('every subscription receives exactly what the oracle says, after every mutation', async () => {
    const rnd = new Rnd(seed);
    const { orgs, people } = await readNetwork(hub);
    const emailOf = new Map(people.map((p) => [p.id, p.email]));
    const { agencies, coordinators, privates } = membersOf(orgs);
    expect(coordinators.length).toBeGreaterThan(0);
    expect(privates.length).toBeGreaterThanOrEqual(2);
    const nameOf = (id: string) => orgs.get(id)?.name ?? id;

    // Viewers: every demo person (a person of a participant that is not endorsed, the applicant, is ANONYMOUS),
    // nobody, and the API key of a private-sector member.
    const viewers = peopleAsViewers(orgs, people);
    expect(viewers.some((v) => v.kind === 'ANONYMOUS' && v.personId !== null)).toBe(true);
    const keyOrg = rnd.pick(privates);
    viewers.push(await apiKeyViewer(hub, keyOrg, emailOf.get(keyOrg.people[0])!, `calls ${seed}`));
    const clients = await connectViewers(hub, viewers, opened);

    const dispatcher = hub.hub.live.dispatcher;
    const subs: Sub[] = [];
    const calls = new Map<string, CallModel>();
    const subscribe = async (list: Array<{ viewer: Viewer; callId: string | null }>, late: boolean) => {
      const before = dispatcher.subscribers;
      for (const s of list) {
        const client = clients.get(s.viewer.label)!;
        const live = client.subscribe(SUBSCRIPTION, s.callId ? { id: s.callId } : {});
        const label = `${s.viewer.label} [${s.callId ? calls.get(s.callId)!.title : 'every call'}${late ? ', late' : ''}]`;
        subs.push({ ...s, client, live, seen: 0, label, late });
      }
      await subscribed(dispatcher, before + list.length);
    };
    // Every viewer follows every call from the start.
    await subscribe(viewers.map((viewer) => ({ viewer, callId: null })), false);

    const log: string[] = [];
    const counts: Record<string, number> = {};
    let payloads = 0;
    /** What private-sector viewers went through: payloads received, calls gained and lost, changes withheld. */
    const privately = { payloads: 0, gained: 0, lost: 0, withheld: 0 };

    /**
     * Runs one mutation about one call (`callId` null: it schedules one) and checks every subscription against the
     * oracle. `emits`: false for a mutation that writes nothing (an invitation already there), which announces nothing.
     */
    const step = async (kind: MutationKind, what: string, callId: string | null, as: string, mutation: string, variables: Record<string, unknown>, apply: (data: any) => CallModel, emits = true) => {
      log.push(what);
      counts[kind] = (counts[kind] ?? 0) + 1;
      const current = callId ? calls.get(callId) : undefined;
      const before = new Map(subs.map((s) => [s, view(current, s.viewer)]));
      const total = subs.reduce((n, s) => n + s.live.received.length, 0);
      const report = dispatchOf(dispatcher, 'call', callId ?? undefined);
      const r = await hub.gql(mutation, { as, variables });
      expect({ seed, steps: log, errors: r.body.errors }).toEqual({ seed, steps: log, errors: undefined });
      const changed = apply(r.body.data);
      const done = emits ? await report : { delivered: 0 };
      calls.set(changed.id, changed);
      await receivedInAll([...clients.values()], subs.map((s) => s.live), total + done.delivered);
      const expected: Record<string, unknown[]> = {};
      const actual: Record<string, unknown[]> = {};
      for (const s of subs) {
        const got = s.live.received.slice(s.seen).map(normalized);
        s.seen = s.live.received.length;
        let want: unknown[] = [];
        if (s.callId === null || s.callId === changed.id) {
          const after = view(changed, s.viewer);
          const prior = before.get(s);
          const same = JSON.stringify(after) === JSON.stringify(prior);
          if (after !== null && !same) want = [after];
        }
        payloads += got.length;
        if (s.viewer.kind === 'PRIVATE' && (s.callId === null || s.callId === changed.id)) {
          const [b, a] = [before.get(s), view(changed, s.viewer)];
          privately.payloads += got.length;
          if (b === null && a !== null) privately.gained++;
          if (b !== null && a === null) privately.lost++;
          if (a !== null && JSON.stringify(a) === JSON.stringify(b) && JSON.stringify(view(changed, { ...s.viewer, kind: 'AGENCY' })) !== JSON.stringify(view(current, { ...s.viewer, kind: 'AGENCY' }))) privately.withheld++;
        }
        if (got.length || want.length) {
          actual[s.label] = got;
          expected[s.label] = want;
        }
      }
      expectDeliveries({ seed, log, what }, actual, expected);
      return changed;
    };

    // Calls, scheduled by coordinators.
    const callCount = rnd.int(2, 3);
    for (let i = 0; i < callCount; i++) {
      const by = rnd.pick(coordinators);
      const title = `Call ${i} of seed ${seed}`;
      const dialIn = `+1 555 01${seed % 10}${i} pin ${rnd.int(1000, 9999)}`;
      const scheduledAt = new Date(Date.UTC(2031, rnd.int(0, 11), rnd.int(1, 28), 14)).toISOString();
      await step('schedule', `schedule "${title}" as ${by.name}`, null, emailOf.get(rnd.pick(by.people))!, M.schedule, { input: { title, dialIn, scheduledAt, durationMinutes: 60 } }, (data) => ({
        id: data.scheduleCall.id, title, dialIn, segments: [], exclusions: [],
      }));
    }
    const callIds = [...calls.keys()];

    // Late subscribers: some to one call by id, some to every call; none has had a payload of the calls so far.
    await subscribe(
      [
        ...Array.from({ length: 6 }, () => ({ viewer: rnd.pick(viewers), callId: rnd.pick(callIds) })),
        ...Array.from({ length: 6 }, () => ({ viewer: rnd.pick(viewers), callId: null })),
        // Always one private-sector viewer late on every call, and one by id.
        { viewer: rnd.pick(viewers.filter((v) => v.kind === 'PRIVATE')), callId: null },
        { viewer: rnd.pick(viewers.filter((v) => v.kind === 'PRIVATE')), callId: rnd.pick(callIds) },
      ],
      true,
    );

    let n = 0;
    const coordinatorEmail = () => emailOf.get(rnd.pick(rnd.pick(coordinators).people))!;
    const segmentsOf = (c: CallModel, audience?: Audience) => c.segments.filter((s) => !audience || s.audience === audience);
    for (let i = 0; i < STEPS; i++) {
      const c = calls.get(rnd.pick(callIds))!;
      const invitedSegments = segmentsOf(c, 'PRIVATE_SECTOR_INVITED');
      const standing = c.exclusions.filter((e) => e.withdrawnAt === null);
      const roll = rnd.int(0, 99);
      if (roll < 18 || c.segments.length === 0) {
        // A segment, at a random position or after the last one; more often open to the private sector.
        const audience: Audience = rnd.chance(0.65) ? 'PRIVATE_SECTOR_INVITED' : 'LAW_ENFORCEMENT_ONLY';
        const order = rnd.chance(0.5) ? rnd.int(1, c.segments.length + 1) : undefined;
        const title = `Segment ${++n}`;
        await step('addSegment', `${c.title}: add ${audience} "${title}" at ${order ?? 'the end'}`, c.id, coordinatorEmail(), M.addSegment, {
          input: { callId: c.id, title, topic: rnd.pick(TOPICS), audience, ...(order ? { order } : {}) },
        }, (data) => {
          const m = clone(c);
          m.segments.splice((order ?? m.segments.length + 1) - 1, 0, { id: data.addSegment.id, title, audience, minutes: null, invited: [] });
          return m;
        });
      } else if (roll < 42 && invitedSegments.length) {
        const s = rnd.pick(invitedSegments);
        const member = rnd.pick(privates);
        const again = s.invited.includes(member.id);
        await step(again ? 'invite (again)' : 'invite', `${c.title}: invite ${member.name} to "${s.title}"${again ? ' (already invited)' : ''}`, c.id, coordinatorEmail(), M.invite, { s: s.id, m: member.id }, () => {
          const m = clone(c);
          const seg = m.segments.find((x) => x.id === s.id)!;
          if (!seg.invited.includes(member.id)) seg.invited.push(member.id);
          return m;
        }, !again);
      } else if (roll < 68) {
        // An objection by any agency: to the whole call or one segment, of a member (invited somewhere more often).
        // Now and then a second agency's objection where one already keeps the member out (the same segment, or the
        // whole call), which changes no one's participation.
        const agency = rnd.pick(agencies);
        const invitedMembers = [...new Set(c.segments.flatMap((s) => s.invited))];
        const again = standing.length && rnd.chance(0.3) ? rnd.pick(standing) : null;
        const member = again ? again.member : invitedMembers.length && rnd.chance(0.8) ? rnd.pick(invitedMembers) : rnd.pick(privates).id;
        const segment = again
          ? (again.segment && rnd.chance(0.7) ? c.segments.find((s) => s.id === again.segment)! : null)
          : c.segments.length && rnd.chance(0.6) ? rnd.pick(rnd.chance(0.8) && invitedSegments.length ? invitedSegments : c.segments) : null;
        if (standing.some((e) => e.agency === agency.id && e.member === member && e.segment === (segment?.id ?? null))) continue;
        await step('exclude', `${c.title}: ${agency.name} excludes ${nameOf(member)} from ${segment ? `"${segment.title}"` : 'the whole call'}`, c.id, emailOf.get(rnd.pick(agency.people))!, M.exclude, {
          input: { callId: c.id, memberId: member, reason: `Objection ${++n}`, ...(segment ? { segmentId: segment.id } : {}) },
        }, (data) => {
          const m = clone(c);
          m.exclusions.push({ id: data.excludeFromCall.id, agency: agency.id, member, segment: segment?.id ?? null, withdrawnAt: null });
          return m;
        });
      } else if (roll < 88 && standing.length) {
        const e = rnd.pick(standing);
        const agency = orgs.get(e.agency)!;
        const seg = e.segment ? c.segments.find((s) => s.id === e.segment)!.title : 'the whole call';
        await step('withdraw', `${c.title}: ${agency.name} withdraws its exclusion of ${nameOf(e.member)} from ${e.segment ? `"${seg}"` : seg}`, c.id, emailOf.get(rnd.pick(agency.people))!, M.withdraw, { id: e.id }, (data) => {
          const m = clone(c);
          m.exclusions.find((x) => x.id === e.id)!.withdrawnAt = data.withdrawExclusion.withdrawnAt;
          expect(typeof data.withdrawExclusion.withdrawnAt).toBe('string');
          return m;
        });
      } else {
        const s = rnd.pick(c.segments);
        const same = s.minutes !== null && rnd.chance(0.2);
        const minutes = same ? s.minutes! : `Minutes ${++n}`;
        await step(same ? 'minutes (same)' : 'minutes', `${c.title}: minutes of "${s.title}" (${s.audience})${same ? ' unchanged' : ''}`, c.id, coordinatorEmail(), M.minutes, { s: s.id, minutes }, () => {
          const m = clone(c);
          m.segments.find((x) => x.id === s.id)!.minutes = minutes;
          return m;
        }, !same);
      }
    }

    // Nothing may still be on its way: after the dispatcher is idle, every connection follows a CLEAR case (everyone
    // sees its row, anonymous too) and hears of it renamed; anything sent before arrives before that payload.
    await dispatcher.idle();
    const sentinels = new Map<LiveClient, LiveSubscription>();
    const before = dispatcher.subscribers;
    for (const client of clients.values()) sentinels.set(client, client.subscribe(`subscription($id: ID) { caseChanged(id: $id) { title } }`, { id: caseId('FTC-2004-017') }));
    await subscribed(dispatcher, before + sentinels.size);
    const renamed = await hub.gql(M.touchCase, { as: cast.ann, variables: { id: caseId('FTC-2004-017'), input: { title: `Sentinel ${seed}` } } });
    expect(renamed.body.errors).toBeUndefined();
    await Promise.all([...sentinels].map(([client, sub]) => client.until(() => sub.received.length > 0)));
    for (const s of subs) expect([seed, s.label, s.live.received.slice(s.seen)]).toEqual([seed, s.label, []]);

    // What this seed covered.
    console.log(
      [
        `seed ${seed}: ${calls.size} calls, ${subs.length} subscriptions (${subs.filter((s) => s.late).length} late), ${log.length} mutations, ${payloads} payloads checked`,
        `  private-sector subscriptions: ${privately.payloads} payloads, a call gained ${privately.gained}×, lost ${privately.lost}×, a change they cannot see withheld ${privately.withheld}×`,
        `  mutations: ${Object.entries(counts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
      ].join('\n'),
    );
  }, 60_000);
});
