import { callId, cast, exclusionId, orgId, segmentId, startTestHub, TestHub } from '../support/hub';

/**
 * Conference calls, viewer by viewer (DOMAIN §4 "Conference calls"; §A.3, §B.3). Every expected value below is written
 * by hand from DOMAIN.md and the demo seed:
 *
 *   past-2  (-140 days, OFT)  1 LEO            discusses OPTA-2004-005 (GREEN)
 *                             2 PSI Sentinel   discusses OPTA-2004-005
 *   past-1  (-45 days, FTC)   1 LEO            discusses FTC-2004-021 (RED: FTC; Tom, Oliver named), EFCC-2004-001 (RED: EFCC),
 *                                              KISA-2004-002 (AMBER)
 *                             2 PSI NorthStar, Meridian, Registro — Registro excluded by ICO (standing)
 *                                              discusses ACMA-2004-011 (AMBER, shared with NorthStar and KISA), FTC-2004-017 (CLEAR)
 *   next-1  (+30 days, OFT)   1 LEO
 *                             2 PSI Sentinel, NorthStar, Meridian — Sentinel's whole-call exclusion by KISA is withdrawn
 *                                              discusses ACMA-2004-011
 *   next-2  (+120 days, FTC)  1 LEO
 *
 * Discussed cases come highest harm first: ACMA-2004-011 90, FTC-2004-021 84, EFCC-2004-001 78, FTC-2004-017 77,
 * OPTA-2004-005 75, KISA-2004-002 32.
 *
 * Per viewer (DOMAIN §3, §4): a segment's `order` is its place among the segments THIS viewer sees (a private-sector
 * member sees only PRIVATE_SECTOR_INVITED segments, so its segments are numbered 1 with no gap for the hidden law-
 * enforcement one); `invited` lists every invited member for agencies, excluded ones too, and only the members taking
 * part (invited and not excluded) for a private-sector viewer, so nobody learns from it who was kept out.
 */

type Viewer = 'anonymous' | keyof typeof cast;
type CallKey = 'past-2' | 'past-1' | 'next-1' | 'next-2';
type SegmentKey = 'past-2/1' | 'past-2/2' | 'past-1/1' | 'past-1/2' | 'next-1/1' | 'next-1/2' | 'next-2/1';

const emailOf = (v: Viewer) => (v === 'anonymous' ? null : cast[v]);

const OFT = 'UK Office of Fair Trading';
const FTC = 'US Federal Trade Commission';
const LEO = 'LAW_ENFORCEMENT_ONLY';
const PSI = 'PRIVATE_SECTOR_INVITED';

const calls: Record<CallKey, { title: string; organizer: string; dialIn: string; segments: SegmentKey[] }> = {
  'past-2': { title: 'Quarterly enforcement call', organizer: OFT, dialIn: '+44 20 7946 0999, PIN 2210', segments: ['past-2/1', 'past-2/2'] },
  'past-1': { title: 'Quarterly enforcement call', organizer: FTC, dialIn: '+1 202 555 0199, PIN 4417', segments: ['past-1/1', 'past-1/2'] },
  'next-1': { title: 'Quarterly enforcement call', organizer: OFT, dialIn: '+44 20 7946 0998, PIN 7781', segments: ['next-1/1', 'next-1/2'] },
  'next-2': { title: 'Enforcement obstacles (law enforcement only)', organizer: FTC, dialIn: '+1 202 555 0198, PIN 3301', segments: ['next-2/1'] },
};

/** `order` is the segment's position in its call: what agencies, who see every segment, read. */
const segments: Record<SegmentKey, { order: number; title: string; topic: string; audience: string; minutes: string | null; invited: string[] }> = {
  'past-2/1': { order: 1, title: 'Investigative techniques: tracing dialers', topic: 'INVESTIGATIVE_TECHNIQUES', audience: LEO,
    minutes: 'OPTA presented its number-range tracing method.', invited: [] },
  'past-2/2': { order: 2, title: 'Security vendors on malware trends', topic: 'PRIVATE_SECTOR_REPORTS', audience: PSI,
    minutes: 'Sentinel reported a rise in dialer malware spread by spam.', invited: ['Sentinel Security'] },
  'past-1/1': { order: 1, title: 'Case round-up', topic: 'CASES', audience: LEO,
    minutes: 'FTC briefed on the phishing-kit seller; EFCC on the advance-fee ring. Arrest timing agreed.', invited: [] },
  'past-1/2': { order: 2, title: 'Industry reports on botnet traffic', topic: 'PRIVATE_SECTOR_REPORTS', audience: PSI,
    minutes: 'NorthStar described takedown of two command servers; Meridian reported phishing volumes.',
    invited: ['Meridian Bank', 'NorthStar Broadband', 'Registro Global'] },
  'next-1/1': { order: 1, title: 'Legislative developments', topic: 'LEGISLATIVE_DEVELOPMENTS', audience: LEO, minutes: null, invited: [] },
  'next-1/2': { order: 2, title: 'Joint training: tracing zombie drones', topic: 'TRAINING', audience: PSI, minutes: null,
    invited: ['Meridian Bank', 'NorthStar Broadband', 'Sentinel Security'] },
  'next-2/1': { order: 1, title: 'Obstacles to cross-border evidence sharing', topic: 'ENFORCEMENT_OBSTACLES', audience: LEO, minutes: null, invited: [] },
};

type Kind = 'coordinator' | 'agency' | 'private' | 'anonymous';

interface Expected {
  kind: Kind;
  /** Visible calls, in date order. */
  calls: CallKey[];
  /** Visible segments and the cases each shows this viewer, highest harm first. */
  segments: Partial<Record<SegmentKey, string[]>>;
}

/** An agency that reads neither RED case of past-1/1. */
const plainAgency: Expected = {
  kind: 'agency',
  calls: ['past-2', 'past-1', 'next-1', 'next-2'],
  segments: {
    'past-2/1': ['OPTA-2004-005'],
    'past-2/2': ['OPTA-2004-005'],
    'past-1/1': ['KISA-2004-002'],
    'past-1/2': ['ACMA-2004-011', 'FTC-2004-017'],
    'next-1/1': [],
    'next-1/2': ['ACMA-2004-011'],
    'next-2/1': [],
  },
};

const nothing = (kind: Kind): Expected => ({ kind, calls: [], segments: {} });

const expected: Record<Viewer, Expected> = {
  anonymous: nothing('anonymous'),
  // FTC leads FTC-2004-021.
  ann: { ...plainAgency, kind: 'coordinator', segments: { ...plainAgency.segments, 'past-1/1': ['FTC-2004-021', 'KISA-2004-002'] } },
  ben: { ...plainAgency, kind: 'coordinator', segments: { ...plainAgency.segments, 'past-1/1': ['FTC-2004-021', 'KISA-2004-002'] } },
  // Oliver is named on the RED share of FTC-2004-021.
  oliver: { ...plainAgency, kind: 'coordinator', segments: { ...plainAgency.segments, 'past-1/1': ['FTC-2004-021', 'KISA-2004-002'] } },
  isla: plainAgency,
  liam: plainAgency,
  minjun: plainAgency,
  // EFCC leads EFCC-2004-001.
  emeka: { ...plainAgency, segments: { ...plainAgency.segments, 'past-1/1': ['EFCC-2004-001', 'KISA-2004-002'] } },
  claire: plainAgency,
  // NorthStar: invited to past-1/2 and next-1/2; ACMA-2004-011 is shared with it.
  grace: { kind: 'private', calls: ['past-1', 'next-1'], segments: { 'past-1/2': ['ACMA-2004-011', 'FTC-2004-017'], 'next-1/2': ['ACMA-2004-011'] } },
  // Meridian: invited to past-1/2 and next-1/2; AMBER ACMA-2004-011 is not shared with it.
  tom: { kind: 'private', calls: ['past-1', 'next-1'], segments: { 'past-1/2': ['FTC-2004-017'], 'next-1/2': [] } },
  priya: { kind: 'private', calls: ['past-1', 'next-1'], segments: { 'past-1/2': ['FTC-2004-017'], 'next-1/2': [] } },
  // Sentinel: invited to past-2/2 and next-1/2 (its exclusion from next-1 is withdrawn).
  eva: { kind: 'private', calls: ['past-2', 'next-1'], segments: { 'past-2/2': ['OPTA-2004-005'], 'next-1/2': [] } },
  // Registro: invited only to past-1/2, and excluded from it.
  max: nothing('private'),
  // An applicant's person is anonymous.
  paulo: nothing('anonymous'),
};

const viewers = Object.keys(expected) as Viewer[];
const isAgency = (v: Viewer) => ['coordinator', 'agency'].includes(expected[v].kind);

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const day = 86_400_000;
const at = (days: number) => new Date(hub.now.getTime() + days * day).toISOString();

/** The two demo exclusions as an agency reads them. */
function exclusion(key: 'registro-past-1' | 'sentinel-next-1') {
  return key === 'registro-past-1'
    ? {
        id: exclusionId('registro-past-1'),
        call: { id: callId('past-1') },
        segment: { id: segmentId('past-1/2') },
        member: { name: 'Registro Global' },
        objectingAgency: { name: 'UK Information Commissioner’s Office' },
        objectedBy: { email: cast.isla },
        reason: 'The registrar is a party in a related ICO investigation.',
        createdAt: at(-55),
        withdrawnAt: null,
      }
    : {
        id: exclusionId('sentinel-next-1'),
        call: { id: callId('next-1') },
        segment: null,
        member: { name: 'Sentinel Security' },
        objectingAgency: { name: 'Korea Information Security Agency' },
        objectedBy: { email: cast.minjun },
        reason: 'Pending a conflict-of-interest check.',
        createdAt: at(-10),
        withdrawnAt: at(-5),
      };
}

const exclusionsOf: Record<CallKey, Array<'registro-past-1' | 'sentinel-next-1'>> = {
  'past-2': [],
  'past-1': ['registro-past-1'],
  'next-1': ['sentinel-next-1'],
  'next-2': [],
};

const exclusionFields = `id call { id } segment { id } member { name } objectingAgency { name } objectedBy { email } reason createdAt withdrawnAt`;
const segmentFields = `id order title topic audience minutes invited { name } discussedCases { reference } viewerCan { manage exclude }`;
const callFields = `id title durationMinutes organizer { name } dialIn viewerCan { addSegment exclude readExclusions }
  segments { ${segmentFields} } exclusions { ${exclusionFields} }`;

/** Standing exclusions by segment: the members kept out of it (whole-call exclusions of the demo are withdrawn). */
const excludedFrom: Partial<Record<SegmentKey, string[]>> = { 'past-1/2': ['Registro Global'] };

/** The segment's position among the segments of its call that this viewer sees. */
function orderFor(viewer: Viewer, key: SegmentKey): number {
  const call = calls[key.split('/')[0] as CallKey];
  return call.segments.filter((s) => expected[viewer].segments[s]).indexOf(key) + 1;
}

function expectedSegment(viewer: Viewer, key: SegmentKey) {
  const s = segments[key];
  const takingPart = s.invited.filter((name) => !(excludedFrom[key] ?? []).includes(name));
  return {
    id: segmentId(key),
    order: orderFor(viewer, key),
    title: s.title,
    topic: s.topic,
    audience: s.audience,
    minutes: s.minutes,
    invited: (isAgency(viewer) ? s.invited : takingPart).map((name) => ({ name })),
    discussedCases: expected[viewer].segments[key]!.map((reference) => ({ reference })),
    // Excluding is offered only where a private-sector member can take part: never on a LAW_ENFORCEMENT_ONLY segment.
    viewerCan: { manage: expected[viewer].kind === 'coordinator', exclude: isAgency(viewer) && s.audience === 'PRIVATE_SECTOR_INVITED' },
  };
}

function expectedCall(viewer: Viewer, key: CallKey) {
  const c = calls[key];
  const kind = expected[viewer].kind;
  return {
    id: callId(key),
    title: c.title,
    durationMinutes: 90,
    organizer: { name: c.organizer },
    dialIn: c.dialIn,
    viewerCan: { addSegment: kind === 'coordinator', exclude: isAgency(viewer), readExclusions: isAgency(viewer) },
    segments: c.segments.filter((s) => expected[viewer].segments[s]).map((s) => expectedSegment(viewer, s)),
    exclusions: isAgency(viewer) ? exclusionsOf[key].map(exclusion) : null,
  };
}

/** The whole response: data, plus `extensions.redacted` for the exclusions a non-agency viewer got as null. */
function withRedactions(data: unknown, path: string, count: number, viewer: Viewer) {
  return !isAgency(viewer) && count > 0 ? { data, extensions: { redacted: [{ path, code: 'FORBIDDEN', count }] } } : { data };
}

describe('the demo cast’s view of the calls', () => {
  test('the table covers every demo viewer, and the viewer kinds are as assumed', async () => {
    expect(viewers).toHaveLength(1 + Object.keys(cast).length);
    for (const v of viewers) {
      const r = await hub.gql('{ me { kind } }', { as: emailOf(v) });
      const kind = { coordinator: 'COORDINATOR', agency: 'AGENCY', private: 'PRIVATE', anonymous: 'ANONYMOUS' }[expected[v].kind];
      expect({ v, body: r.body }).toEqual({ v, body: { data: { me: { kind } } } });
    }
  });

  test('agencies read each segment’s position in its call; a private-sector member numbers only its own from 1', () => {
    for (const key of Object.keys(segments) as SegmentKey[]) expect({ key, order: orderFor('isla', key) }).toEqual({ key, order: segments[key].order });
    expect([orderFor('grace', 'past-1/2'), orderFor('grace', 'next-1/2'), orderFor('eva', 'past-2/2')]).toEqual([1, 1, 1]);
  });

  test.each(viewers)('%s: calls(when: ALL) lists exactly the visible calls, segments, minutes, cases, dial-in and exclusions', async (v) => {
    const r = await hub.gql(`{ calls(when: ALL) { totalCount nodes { ${callFields} } } }`, { as: emailOf(v) });
    expect(r.status).toBe(200);
    const nodes = expected[v].calls.map((c) => expectedCall(v, c));
    expect(r.body).toEqual(withRedactions({ calls: { totalCount: nodes.length, nodes } }, 'calls.nodes.exclusions', nodes.length, v));
  });

  test.each(viewers)('%s: calls(when: UPCOMING) soonest first, and the default window is UPCOMING', async (v) => {
    const upcoming = expected[v].calls.filter((c) => c.startsWith('next-')).map((c) => ({ id: callId(c) }));
    const explicit = await hub.gql('{ calls(when: UPCOMING) { totalCount nodes { id } } }', { as: emailOf(v) });
    expect(explicit.body).toEqual({ data: { calls: { totalCount: upcoming.length, nodes: upcoming } } });
    const byDefault = await hub.gql('{ calls { totalCount nodes { id } } }', { as: emailOf(v) });
    expect(byDefault.body).toEqual(explicit.body);
  });

  test.each(viewers)('%s: calls(when: PAST) latest first', async (v) => {
    const past = expected[v].calls.filter((c) => c.startsWith('past-')).reverse().map((c) => ({ id: callId(c) }));
    const r = await hub.gql('{ calls(when: PAST) { totalCount nodes { id } } }', { as: emailOf(v) });
    expect(r.body).toEqual({ data: { calls: { totalCount: past.length, nodes: past } } });
  });

  test.each(viewers)('%s: pages of one call add up to the visible calls, cursors never revealing a hidden one', async (v) => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 6; i++) {
      const r: { body: any } = await hub.gql('query($after: String) { calls(when: ALL, first: 1, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }', {
        as: emailOf(v),
        variables: { after },
      });
      const page = r.body.data.calls;
      expect(page.totalCount).toBe(expected[v].calls.length);
      seen.push(...page.nodes.map((n: { id: string }) => n.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(seen).toEqual(expected[v].calls.map(callId));
  });

  test.each(viewers)('%s: the page after the last call is empty and still counts every visible call', async (v) => {
    const q = 'query($after: String) { calls(when: ALL, first: 1000, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } }';
    const all: { body: any } = await hub.gql(q, { as: emailOf(v), variables: { after: null } });
    const total = expected[v].calls.length;
    expect(all.body.data.calls.totalCount).toBe(total);
    expect(all.body.data.calls.pageInfo.hasNextPage).toBe(false);
    if (total === 0) return;
    const beyond = await hub.gql(q, { as: emailOf(v), variables: { after: all.body.data.calls.pageInfo.endCursor } });
    expect(beyond.body).toEqual({ data: { calls: { totalCount: total, nodes: [], pageInfo: { hasNextPage: false, endCursor: null } } } });
  });

  test.each(viewers)('%s: a segment\'s discussed cases asked with different fields in one request each get the fields they ask for', async (v) => {
    const few = 'reference';
    const all = 'id reference title status categories tlp openedAt harmScore leadAgency { name } countries { code }';
    const list = (f: string) => `calls(when: ALL, first: 50) { nodes { id segments { id discussedCases { ${f} } } } }`;
    const alone = await Promise.all([few, all].map((f) => hub.gql(`{ ${list(f)} }`, { as: emailOf(v) })));
    // A segment read on its own in the same request, asking for fewer fields, first (one round trip before the list's).
    const seg = (Object.entries(expected[v].segments) as Array<[SegmentKey, string[] | undefined]>).find(([, refs]) => (refs?.length ?? 0) > 0);
    const single = seg ? `s: callSegment(id: "${segmentId(seg[0])}") { discussedCases { ${few} } }` : '';
    const together = await hub.gql(
      `{ ${single}
         a: calls(when: ALL, first: 50) { nodes { id segments { id x: discussedCases { ${few} } y: discussedCases { ${all} } } } }
         b: ${list(all)} }`,
      { as: emailOf(v) },
    );
    if (seg) expect((together.body as any).data.s).toEqual({ discussedCases: seg[1]!.map((reference) => ({ reference })) });
    const pick = (body: any, key: string) =>
      body.data.a.nodes.map((c: any) => ({ id: c.id, segments: c.segments.map((s: any) => ({ id: s.id, discussedCases: s[key] })) }));
    expect(alone.map((r) => r.body.errors)).toEqual([undefined, undefined]);
    expect(together.body.errors).toBeUndefined();
    expect(pick(together.body, 'x')).toEqual((alone[0].body as any).data.calls.nodes);
    expect(pick(together.body, 'y')).toEqual((alone[1].body as any).data.calls.nodes);
    expect((together.body as any).data.b.nodes).toEqual((alone[1].body as any).data.calls.nodes);
    // The whole rows are really there: some visible segment discusses a case, with its categories and opening date.
    const cases = (alone[1].body as any).data.calls.nodes.flatMap((c: any) => c.segments.flatMap((s: any) => s.discussedCases));
    const discussed = Object.values(expected[v].segments).reduce((n, refs) => n + (refs?.length ?? 0), 0);
    expect(cases.length).toBe(discussed);
    for (const c of cases) expect([Array.isArray(c.categories), typeof c.openedAt, typeof c.leadAgency.name]).toEqual([true, 'string', 'string']);
  });

  test.each(viewers)('%s: call(id) answers each visible call and null for a hidden one, as for an unknown id', async (v) => {
    for (const key of Object.keys(calls) as CallKey[]) {
      const r = await hub.gql(`query($id: ID!) { call(id: $id) { ${callFields} } }`, { as: emailOf(v), variables: { id: callId(key) } });
      const visible = expected[v].calls.includes(key);
      const body = visible ? withRedactions({ call: expectedCall(v, key) }, 'call.exclusions', 1, v) : { data: { call: null } };
      expect({ key, body: r.body }).toEqual({ key, body });
    }
    for (const id of ['6b1d2a44-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const r = await hub.gql('query($id: ID!) { call(id: $id) { id } }', { as: emailOf(v), variables: { id } });
      expect(r.body).toEqual({ data: { call: null } });
    }
  });

  test.each(viewers)('%s: callSegment(id) answers each visible segment with its call, and null for a hidden one', async (v) => {
    for (const key of Object.keys(segments) as SegmentKey[]) {
      const r = await hub.gql(`query($id: ID!) { callSegment(id: $id) { ${segmentFields} call { id } } }`, {
        as: emailOf(v),
        variables: { id: segmentId(key) },
      });
      const seg = expected[v].segments[key]
        ? { ...expectedSegment(v, key), call: { id: callId(key.split('/')[0] as CallKey) } }
        : null;
      expect({ key, body: r.body }).toEqual({ key, body: { data: { callSegment: seg } } });
    }
  });

  test.each(viewers)('%s: a segment’s call lists only the segments the viewer may see', async (v) => {
    const r = await hub.gql(`query($id: ID!) { callSegment(id: $id) { call { id segments { id } } } }`, {
      as: emailOf(v),
      variables: { id: segmentId('next-1/2') },
    });
    const expectedData = expected[v].segments['next-1/2']
      ? { callSegment: { call: { id: callId('next-1'), segments: calls['next-1'].segments.filter((s) => expected[v].segments[s]).map((s) => ({ id: segmentId(s) })) } } }
      : { callSegment: null };
    expect(r.body).toEqual({ data: expectedData });
  });

  test.each(viewers)('%s: callExclusion(id) answers agencies only; for anyone else it is null, as for an unknown id, with no error', async (v) => {
    for (const key of ['registro-past-1', 'sentinel-next-1'] as const) {
      const r = await hub.gql(`query($id: ID!) { callExclusion(id: $id) { ${exclusionFields} } }`, { as: emailOf(v), variables: { id: exclusionId(key) } });
      expect({ key, body: r.body }).toEqual({ key, body: { data: { callExclusion: isAgency(v) ? exclusion(key) : null } } });
    }
    const unknown = await hub.gql('{ callExclusion(id: "6b1d2a44-0000-4000-8000-000000000000") { id } }', { as: emailOf(v) });
    expect(unknown.body).toEqual({ data: { callExclusion: null } });
  });

  test.each(viewers)('%s: the same rules hold through aliases and fragments', async (v) => {
    const r = await hub.gql(
      `fragment Seg on CallSegment { id minutes }
       query($a: ID!, $b: ID!) {
         first: call(id: $a) { ...on ConferenceCall { id segments { ...Seg } } hidden: exclusions { id } }
         second: callSegment(id: $b) { ...Seg }
       }`,
      { as: emailOf(v), variables: { a: callId('past-1'), b: segmentId('past-1/1') } },
    );
    const sees = expected[v].calls.includes('past-1');
    const first = sees
      ? {
          id: callId('past-1'),
          segments: calls['past-1'].segments.filter((s) => expected[v].segments[s]).map((s) => ({ id: segmentId(s), minutes: segments[s].minutes })),
          hidden: isAgency(v) ? [{ id: exclusionId('registro-past-1') }] : null,
        }
      : null;
    const second = isAgency(v) ? { id: segmentId('past-1/1'), minutes: segments['past-1/1'].minutes } : null;
    expect(r.body).toEqual(withRedactions({ first, second }, 'first.hidden', sees ? 1 : 0, v));
  });
});

describe('callCadence (agencies only)', () => {
  // Fixed dates, so the quarters do not depend on the day the test runs: Q1, Q2, Q2 and Q4 of 2005.
  beforeAll(async () => {
    const dates: Record<CallKey, string> = {
      'past-2': '2005-02-15T12:00:00Z',
      'past-1': '2005-05-15T12:00:00Z',
      'next-1': '2005-05-20T12:00:00Z',
      'next-2': '2005-11-15T12:00:00Z',
    };
    for (const [key, date] of Object.entries(dates)) {
      await hub.ds.query('UPDATE conference_call SET scheduled_at = $2 WHERE id = $1', [callId(key), date]);
    }
  });
  afterAll(() => hub.reset());

  test.each(viewers)('%s: callCadence(year) counts the calls per quarter for agencies; null and redacted for anyone else', async (v) => {
    const r = await hub.gql('{ y2005: callCadence(year: 2005) { year callsPerQuarter quartersWithoutCall } y2006: callCadence(year: 2006) { year callsPerQuarter quartersWithoutCall } }', {
      as: emailOf(v),
    });
    if (isAgency(v)) {
      expect(r.body).toEqual({
        data: {
          y2005: { year: 2005, callsPerQuarter: [1, 2, 0, 1], quartersWithoutCall: [3] },
          y2006: { year: 2006, callsPerQuarter: [0, 0, 0, 0], quartersWithoutCall: [1, 2, 3, 4] },
        },
      });
    } else {
      expect(r.body).toEqual({
        data: { y2005: null, y2006: null },
        extensions: { redacted: [{ path: 'y2005', code: 'FORBIDDEN', count: 1 }, { path: 'y2006', code: 'FORBIDDEN', count: 1 }] },
      });
    }
  });

  test.each(viewers)('%s: a year outside 2004–2200 is bad input for agencies, and still only redacted for anyone else', async (v) => {
    const r = await hub.gql('{ callCadence(year: 1999) { year } }', { as: emailOf(v) });
    if (isAgency(v)) {
      expect(r.body.data).toEqual({ callCadence: null });
      expect(r.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['year: must be a year from 2004 to 2200', 'BAD_USER_INPUT']]);
    } else {
      expect(r.body).toEqual({ data: { callCadence: null }, extensions: { redacted: [{ path: 'callCadence', code: 'FORBIDDEN', count: 1 }] } });
    }
  });
});

describe('a member withdrawn from the network takes part in no segment (DOMAIN §2: its people are anonymous)', () => {
  afterAll(() => hub.reset());

  test('Sentinel withdrawn: private-sector members invited with it no longer see it among those taking part, on any path; agencies still see every invited member', async () => {
    await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('sentinel')]);
    const q = `query($s: ID!, $c: ID!) {
      callSegment(id: $s) { invited { name } }
      call(id: $c) { segments { title invited { name } } }
      _entities(representations: [{ __typename: "ConferenceCall", id: $c }]) { ... on ConferenceCall { segments { title invited { name } } } }
    }`;
    const variables = { s: segmentId('next-1/2'), c: callId('next-1') };
    const takingPart = [{ name: 'Meridian Bank' }, { name: 'NorthStar Broadband' }];
    for (const as of [cast.grace, cast.tom]) {
      const r = await hub.gql(q, { as, variables });
      expect(r.body.errors).toBeUndefined();
      expect(r.body.data.callSegment.invited).toEqual(takingPart);
      expect(r.body.data.call.segments).toEqual([{ title: segments['next-1/2'].title, invited: takingPart }]);
      expect(r.body.data._entities).toEqual([{ segments: [{ title: segments['next-1/2'].title, invited: takingPart }] }]);
    }
    const isla = await hub.gql(q, { as: cast.isla, variables });
    expect(isla.body.data.callSegment.invited).toEqual([...takingPart, { name: 'Sentinel Security' }]);
  });
});
