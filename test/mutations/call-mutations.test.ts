import { callId, caseId, cast, exclusionId, orgId, personId, segmentId, startTestHub, TestHub } from '../support/hub';
import { harmOrder } from '../support/demo-access';
import { expectRefused } from '../support/rows';
import { dispatchOf } from '../support/live';
import type { DispatchReport } from '../../src/live/dispatcher';

/**
 * Conference-call mutations, viewer by viewer (DOMAIN §4 "Conference calls"; §A.3, §B.3, §C.2): coordinators (FTC, OFT)
 * schedule calls, add segments, invite private-sector members, record minutes and link cases; any agency objects to a
 * private-sector member's participation; only the objecting agency withdraws its objection. Refusals are FORBIDDEN and
 * write nothing; bad input is BAD_USER_INPUT naming the argument. Expected values are written by hand from the seed.
 */

type Viewer = 'anonymous' | keyof typeof cast;
const emailOf = (v: Viewer) => (v === 'anonymous' ? null : cast[v]);

const agencyOf: Partial<Record<Viewer, string>> = {
  ann: 'US Federal Trade Commission',
  ben: 'US Federal Trade Commission',
  oliver: 'UK Office of Fair Trading',
  isla: 'UK Information Commissioner’s Office',
  liam: 'Australian Communications and Media Authority',
  minjun: 'Korea Information Security Agency',
  emeka: 'Economic and Financial Crimes Commission',
  claire: 'Canadian Radio-television and Telecommunications Commission',
};
const orgKeyOf: Partial<Record<Viewer, string>> = {
  ann: 'ftc', ben: 'ftc', oliver: 'oft', isla: 'ico', liam: 'acma', minjun: 'kisa', emeka: 'efcc', claire: 'crtc',
};
const coordinators: Viewer[] = ['ann', 'ben', 'oliver'];
const otherAgencies: Viewer[] = ['isla', 'liam', 'minjun', 'emeka', 'claire'];
const nonAgencies: Viewer[] = ['anonymous', 'grace', 'tom', 'priya', 'eva', 'max', 'paulo'];
/** Coordinators may; every other viewer is refused with FORBIDDEN. */
const coordinatorTable: Array<[Viewer, 'allowed' | 'FORBIDDEN']> = [
  ...coordinators.map((v) => [v, 'allowed'] as [Viewer, 'allowed']),
  ...[...otherAgencies, ...nonAgencies].map((v) => [v, 'FORBIDDEN'] as [Viewer, 'FORBIDDEN']),
];

const UNKNOWN = '6b1d2a44-0000-4000-8000-000000000000';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

test('the tables cover every demo viewer', () => {
  const all = ['anonymous', ...Object.keys(cast)].sort();
  expect(coordinatorTable.map(([v]) => v).sort()).toEqual(all);
  expect([...Object.keys(agencyOf), ...nonAgencies].sort()).toEqual(all);
});

// ---- scheduleCall ---------------------------------------------------------------------------------------------------

const SCHEDULE = `mutation($input: ScheduleCallInput!) {
  scheduleCall(input: $input) { title scheduledAt durationMinutes dialIn organizer { name } segments { id } exclusions { id } }
}`;
const newCall = { title: 'Extraordinary call on botnets', scheduledAt: '2031-03-10T14:00:00.000Z', durationMinutes: 45, dialIn: '+61 2 5550 0999' };

describe('scheduleCall', () => {
  test.each(coordinatorTable)('%s: %s', async (v, outcome) => {
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), SCHEDULE, { input: newCall }, { code: 'FORBIDDEN' });
      return;
    }
    const r = await hub.gql(SCHEDULE, { as: emailOf(v), variables: { input: newCall } });
    expect(r.body).toEqual({
      data: {
        scheduleCall: {
          title: 'Extraordinary call on botnets',
          scheduledAt: '2031-03-10T14:00:00.000Z',
          durationMinutes: 45,
          dialIn: '+61 2 5550 0999',
          organizer: { name: agencyOf[v] },
          segments: [],
          exclusions: [],
        },
      },
    });
    const rows = await hub.ds.query(`SELECT organizer_id, duration_minutes FROM conference_call WHERE title = 'Extraordinary call on botnets'`);
    expect(rows).toEqual([{ organizer_id: orgId(orgKeyOf[v]!), duration_minutes: 45 }]);
  });

  test.each([
    ['too-long title', { title: 'x'.repeat(201) }, 'input.title: must be shorter than or equal to 200 characters'],
    ['too-short call', { durationMinutes: 1 }, 'input.durationMinutes: must not be less than 5'],
    ['too-long call', { durationMinutes: 481 }, 'input.durationMinutes: must not be greater than 480'],
    ['a date that is no date', { scheduledAt: 'next tuesday' }, 'input.scheduledAt: DateTime cannot represent an invalid date-time-string next tuesday.'],
    // A call back-dated would fill a quarter the cadence reports as without one.
    ['a date in the past', { scheduledAt: '2020-01-01T00:00:00Z' }, 'input.scheduledAt: must be in the future'],
    // A call past the calendar's last year could never be counted in a cadence (callCadence(year:) takes 2004–2200).
    ['a date after the year 2200', { scheduledAt: '9999-12-31T23:59:59Z' }, 'input.scheduledAt: must be before 2201-01-01T00:00:00Z'],
    ['too-long dial-in', { dialIn: '9'.repeat(501) }, 'input.dialIn: must be shorter than or equal to 500 characters'],
    // null for no dial-in; '' is not one.
    ['an empty dial-in', { dialIn: '' }, 'input.dialIn: must not be blank'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, change, message) => {
    await expectRefused(hub, cast.oliver, SCHEDULE, { input: { ...newCall, ...change } }, { code: 'BAD_USER_INPUT', message });
  });
});

// ---- addSegment -----------------------------------------------------------------------------------------------------

const ADD = `mutation($input: AddSegmentInput!) {
  addSegment(input: $input) { order title topic audience minutes invited { name } discussedCases { reference } call { id segments { id order } } }
}`;
const newSegment = { callId: callId('next-2'), title: 'Private-sector briefing on takedowns', topic: 'PRIVATE_SECTOR_REPORTS', audience: 'PRIVATE_SECTOR_INVITED' };

describe('addSegment', () => {
  test.each(coordinatorTable)('%s adds a segment to next-2: %s', async (v, outcome) => {
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), ADD, { input: newSegment }, { code: 'FORBIDDEN' });
      return;
    }
    const r = await hub.gql(ADD, { as: emailOf(v), variables: { input: newSegment } });
    expect(r.body).toEqual({
      data: {
        addSegment: {
          order: 2,
          title: 'Private-sector briefing on takedowns',
          topic: 'PRIVATE_SECTOR_REPORTS',
          audience: 'PRIVATE_SECTOR_INVITED',
          minutes: null,
          invited: [],
          discussedCases: [],
          call: { id: callId('next-2'), segments: [{ id: segmentId('next-2/1'), order: 1 }, { id: expect.any(String), order: 2 }] },
        },
      },
    });
    expect(await hub.ds.query('SELECT position, title FROM call_segment WHERE call_id = $1 ORDER BY position', [callId('next-2')])).toEqual([
      { position: 1, title: 'Obstacles to cross-border evidence sharing' },
      { position: 2, title: 'Private-sector briefing on takedowns' },
    ]);
  });

  test('a segment added at position 1 moves the others down', async () => {
    const r = await hub.gql(ADD, { as: cast.ann, variables: { input: { ...newSegment, callId: callId('past-1'), order: 1 } } });
    expect(r.body.errors).toBeUndefined();
    expect(await hub.ds.query('SELECT position, title FROM call_segment WHERE call_id = $1 ORDER BY position', [callId('past-1')])).toEqual([
      { position: 1, title: 'Private-sector briefing on takedowns' },
      { position: 2, title: 'Case round-up' },
      { position: 3, title: 'Industry reports on botnet traffic' },
    ]);
  });

  test.each([
    ['unknown call', { callId: UNKNOWN }, 'input.callId: no call with this id'],
    ['a position past the end', { order: 3 }, 'input.order: must be from 1 to 2'],
    ['position 0', { order: 0 }, 'input.order: must be from 1 to 2'],
    ['a negative position', { order: -5 }, 'input.order: must be from 1 to 2'],
    ['a position far past the end', { order: 1000 }, 'input.order: must be from 1 to 2'],
    ['wrong topic', { topic: 'GOSSIP' }, 'input.topic: Value "GOSSIP" does not exist in "AgendaTopic" enum.'],
    ['wrong audience', { audience: 'EVERYONE' }, 'input.audience: Value "EVERYONE" does not exist in "SegmentAudience" enum.'],
    ['too-long title', { title: 'x'.repeat(201) }, 'input.title: must be shorter than or equal to 200 characters'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, change, message) => {
    await expectRefused(hub, cast.ann, ADD, { input: { ...newSegment, ...change } }, { code: 'BAD_USER_INPUT', message });
  });
});

// ---- inviteToSegment ------------------------------------------------------------------------------------------------

const INVITE = `mutation($segment: ID!, $member: ID!) { inviteToSegment(segmentId: $segment, memberId: $member) { id invited { name } } }`;

describe('inviteToSegment', () => {
  test.each(coordinatorTable)('%s invites Registro to next-1/2: %s', async (v, outcome) => {
    const variables = { segment: segmentId('next-1/2'), member: orgId('registro') };
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), INVITE, variables, { code: 'FORBIDDEN' });
      return;
    }
    const max = () => hub.gql('{ calls(when: ALL) { nodes { id segments { id } } } }', { as: cast.max });
    expect((await max()).body).toEqual({ data: { calls: { nodes: [] } } });
    const r = await hub.gql(INVITE, { as: emailOf(v), variables });
    expect(r.body).toEqual({
      data: {
        inviteToSegment: {
          id: segmentId('next-1/2'),
          invited: [{ name: 'Meridian Bank' }, { name: 'NorthStar Broadband' }, { name: 'Registro Global' }, { name: 'Sentinel Security' }],
        },
      },
    });
    // Registro's person sees the call and the segment on the next query.
    expect((await max()).body).toEqual({ data: { calls: { nodes: [{ id: callId('next-1'), segments: [{ id: segmentId('next-1/2') }] }] } } });
  });

  test.each([
    ['a LAW_ENFORCEMENT_ONLY segment', { segment: segmentId('next-1/1') }, 'segmentId: is a LAW_ENFORCEMENT_ONLY segment: private-sector members cannot be invited'],
    ['an agency as member', { member: orgId('ico') }, 'memberId: no endorsed private-sector member with this id'],
    ['an applicant as member', { member: orgId('cgi') }, 'memberId: no endorsed private-sector member with this id'],
    ['an unknown member', { member: UNKNOWN }, 'memberId: no endorsed private-sector member with this id'],
    ['an unknown segment', { segment: UNKNOWN }, 'segmentId: no segment with this id'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, change, message) => {
    await expectRefused(hub, cast.oliver, INVITE, { segment: segmentId('next-1/2'), member: orgId('registro'), ...change }, { code: 'BAD_USER_INPUT', message });
  });
});

// ---- recordMinutes --------------------------------------------------------------------------------------------------

const MINUTES = `mutation($segment: ID!, $minutes: String!) { recordMinutes(segmentId: $segment, minutes: $minutes) { id minutes minutesRecordedAt } }`;

describe('recordMinutes', () => {
  test.each(coordinatorTable)('%s records the minutes of next-1/2: %s', async (v, outcome) => {
    const variables = { segment: segmentId('next-1/2'), minutes: 'Agreed on a shared sinkhole.' };
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), MINUTES, variables, { code: 'FORBIDDEN' });
      return;
    }
    const r = await hub.gql(MINUTES, { as: emailOf(v), variables });
    expect(r.body).toEqual({ data: { recordMinutes: { id: segmentId('next-1/2'), minutes: 'Agreed on a shared sinkhole.', minutesRecordedAt: expect.any(String) } } });
    const [row] = await hub.ds.query('SELECT minutes, minutes_recorded_at FROM call_segment WHERE id = $1', [segmentId('next-1/2')]);
    expect({ minutes: row.minutes, at: new Date(row.minutes_recorded_at).toISOString() }).toEqual({
      minutes: 'Agreed on a shared sinkhole.',
      at: r.body.data.recordMinutes.minutesRecordedAt,
    });
    // An invited member reads them on its next query.
    const grace = await hub.gql('query($id: ID!) { callSegment(id: $id) { minutes } }', { as: cast.grace, variables: { id: segmentId('next-1/2') } });
    expect(grace.body).toEqual({ data: { callSegment: { minutes: 'Agreed on a shared sinkhole.' } } });
  });

  test('the minutes recorded again as they are change nothing: the time they were recorded stays, no live event', async () => {
    const dispatcher = hub.hub.live.dispatcher;
    const variables = { segment: segmentId('next-1/2'), minutes: 'Agreed on a shared sinkhole.' };
    // The first recording's own event, dispatched before this test listens (on PostgreSQL it comes back through LISTEN).
    const firstEvent = dispatchOf(dispatcher, 'call', callId('next-1'));
    const first = await hub.gql(MINUTES, { as: cast.ann, variables });
    expect(first.body.errors).toBeUndefined();
    await firstEvent;
    await dispatcher.idle();
    const segments: unknown[] = [];
    const listen = (report: DispatchReport) => segments.push(report.event.segment);
    dispatcher.on('dispatched', listen);
    try {
      const again = await hub.gql(MINUTES, { as: cast.oliver, variables });
      expect(again.body).toEqual(first.body);
      // Minutes of another segment, as a marker: events are dispatched in commit order, so the next event of next-1 is
      // the marker's unless the minutes recorded again announced one.
      const marker = dispatchOf(dispatcher, 'call', callId('next-1'));
      expect((await hub.gql(MINUTES, { as: cast.oliver, variables: { segment: segmentId('next-1/1'), minutes: 'Marker.' } })).body.errors).toBeUndefined();
      await marker;
      expect(segments).toEqual([segmentId('next-1/1')]);
      const changed = await hub.gql(MINUTES, { as: cast.oliver, variables: { ...variables, minutes: 'Agreed on two sinkholes.' } });
      expect(changed.body.data.recordMinutes.minutesRecordedAt > first.body.data.recordMinutes.minutesRecordedAt).toBe(true);
    } finally {
      dispatcher.off('dispatched', listen);
    }
  });

  test.each([
    ['empty minutes', { minutes: '' }, 'minutes: must not be blank'],
    ['too-long minutes', { minutes: 'x'.repeat(50001) }, 'minutes: must be shorter than or equal to 50000 characters'],
    ['an unknown segment', { segment: UNKNOWN }, 'segmentId: no segment with this id'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, change, message) => {
    await expectRefused(hub, cast.ann, MINUTES, { segment: segmentId('next-1/2'), minutes: 'Agreed.', ...change }, { code: 'BAD_USER_INPUT', message });
  });
});

// ---- linkCaseToSegment ----------------------------------------------------------------------------------------------

const LINK = `mutation($segment: ID!, $case: ID!) { linkCaseToSegment(segmentId: $segment, caseId: $case) { id discussedCases { reference } } }`;

describe('linkCaseToSegment', () => {
  test.each(coordinatorTable)('%s links KISA-2004-002 to next-1/1: %s', async (v, outcome) => {
    const variables = { segment: segmentId('next-1/1'), case: caseId('KISA-2004-002') };
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), LINK, variables, { code: 'FORBIDDEN' });
      return;
    }
    const r = await hub.gql(LINK, { as: emailOf(v), variables });
    expect(r.body).toEqual({ data: { linkCaseToSegment: { id: segmentId('next-1/1'), discussedCases: [{ reference: 'KISA-2004-002' }] } } });
    expect(await hub.ds.query('SELECT case_id FROM call_segment_case WHERE segment_id = $1', [segmentId('next-1/1')])).toEqual([{ case_id: caseId('KISA-2004-002') }]);
  });

  test('a case the coordinator cannot see does not exist for it: identical to an unknown id, nothing written', async () => {
    // EFCC-2004-001 is EFCC's RED case, shared with nobody.
    const variables = { segment: segmentId('next-1/1'), case: caseId('EFCC-2004-001') };
    const hidden = await expectRefused(hub, cast.ann, LINK, variables, { code: 'BAD_USER_INPUT', message: 'caseId: no case with this id' });
    const unknown = await expectRefused(hub, cast.ann, LINK, { ...variables, case: UNKNOWN }, { code: 'BAD_USER_INPUT' });
    expect(hidden).toEqual(unknown);
  });

  test('a linked RED case shows in discussedCases only to the people it reaches', async () => {
    const r = await hub.gql(LINK, { as: cast.ann, variables: { segment: segmentId('next-1/2'), case: caseId('FTC-2004-021') } });
    expect(r.body).toEqual({
      data: { linkCaseToSegment: { id: segmentId('next-1/2'), discussedCases: [{ reference: 'ACMA-2004-011' }, { reference: 'FTC-2004-021' }] } },
    });
    const expected: Array<[string, string[]]> = [
      [cast.grace, ['ACMA-2004-011']], // NorthStar: the AMBER case is shared with it; the RED one names nobody there
      [cast.tom, ['FTC-2004-021']], // named on the RED share; AMBER ACMA-2004-011 is not shared with Meridian
      [cast.priya, []],
      [cast.eva, []],
      [cast.isla, ['ACMA-2004-011']],
      [cast.oliver, ['ACMA-2004-011', 'FTC-2004-021']],
    ];
    for (const [as, refs] of expected) {
      const s = await hub.gql('query($id: ID!) { callSegment(id: $id) { discussedCases { reference } } }', { as, variables: { id: segmentId('next-1/2') } });
      expect({ as, body: s.body }).toEqual({ as, body: { data: { callSegment: { discussedCases: refs.map((reference) => ({ reference })) } } } });
    }
  });

  // The segment's lists are read again after each write, also the one of rows without tier that a field asking only
  // for listing fields reads (its own loader): the second answer is not the first one's list.
  test('two links in one request: each answer is the list as it is after its own write', async () => {
    const r = await hub.gql(
      `mutation($segment: ID!, $a: ID!, $b: ID!) {
        first: linkCaseToSegment(segmentId: $segment, caseId: $a) { discussedCases { reference } }
        second: linkCaseToSegment(segmentId: $segment, caseId: $b) { discussedCases { reference } }
      }`,
      { as: cast.ann, variables: { segment: segmentId('next-1/1'), a: caseId('KISA-2004-002'), b: caseId('ACMA-2004-011') } },
    );
    const both = harmOrder.filter((ref) => ref === 'KISA-2004-002' || ref === 'ACMA-2004-011').map((reference) => ({ reference }));
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data).toEqual({
      first: { discussedCases: [{ reference: 'KISA-2004-002' }] },
      second: { discussedCases: both },
    });
  });

  test('an unknown segment is BAD_USER_INPUT naming the argument', async () => {
    await expectRefused(hub, cast.ann, LINK, { segment: UNKNOWN, case: caseId('KISA-2004-002') }, { code: 'BAD_USER_INPUT', message: 'segmentId: no segment with this id' });
  });
});

// ---- excludeFromCall ------------------------------------------------------------------------------------------------

const EXCLUDE = `mutation($input: ExcludeFromCallInput!) {
  excludeFromCall(input: $input) { call { id } segment { id } member { name } objectingAgency { name } objectedBy { email } reason withdrawnAt }
}`;
const newExclusion = { callId: callId('next-1'), memberId: orgId('northstar'), reason: 'Pending a conflict-of-interest check.' };

describe('excludeFromCall', () => {
  test.each([
    ...Object.keys(agencyOf).map((v) => [v, 'allowed'] as [Viewer, 'allowed']),
    ...nonAgencies.map((v) => [v, 'FORBIDDEN'] as [Viewer, 'FORBIDDEN']),
  ])('%s excludes NorthStar from next-1: %s', async (v, outcome) => {
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), EXCLUDE, { input: newExclusion }, { code: 'FORBIDDEN' });
      return;
    }
    const r = await hub.gql(EXCLUDE, { as: emailOf(v), variables: { input: newExclusion } });
    expect(r.body).toEqual({
      data: {
        excludeFromCall: {
          call: { id: callId('next-1') },
          segment: null,
          member: { name: 'NorthStar Broadband' },
          objectingAgency: { name: agencyOf[v] },
          objectedBy: { email: emailOf(v) },
          reason: 'Pending a conflict-of-interest check.',
          withdrawnAt: null,
        },
      },
    });
    const rows = await hub.ds.query(
      `SELECT segment_id, objecting_agency_id, objected_by_id, withdrawn_at FROM call_exclusion WHERE call_id = $1 AND member_id = $2`,
      [callId('next-1'), orgId('northstar')],
    );
    expect(rows).toEqual([{ segment_id: null, objecting_agency_id: orgId(orgKeyOf[v]!), objected_by_id: personId(emailOf(v)!), withdrawn_at: null }]);
  });

  test.each([
    ['a segment of another call', { segmentId: segmentId('past-1/2') }, 'input.segmentId: is not a segment of this call'],
    ['a law-enforcement-only segment (nobody to keep out)', { segmentId: segmentId('next-1/1') }, 'input.segmentId: is a LAW_ENFORCEMENT_ONLY segment: no private-sector member takes part in it'],
    ['an unknown segment', { segmentId: UNKNOWN }, 'input.segmentId: no segment with this id'],
    // An empty id names no segment: not the whole call, which omitting it (or null) asks for.
    ['an empty segment id', { segmentId: '' }, 'input.segmentId: no segment with this id'],
    ['an unknown call', { callId: UNKNOWN }, 'input.callId: no call with this id'],
    ['an agency as member', { memberId: orgId('acma') }, 'input.memberId: no endorsed private-sector member with this id'],
    ['an unknown member', { memberId: UNKNOWN }, 'input.memberId: no endorsed private-sector member with this id'],
    ['too-short reason', { reason: 'no' }, 'input.reason: must be longer than or equal to 3 characters'],
    ['a blank reason', { reason: ' \t \n ' }, 'input.reason: must not be blank'],
  ])('bad input (%s) is BAD_USER_INPUT naming the argument, nothing written', async (_what, change, message) => {
    await expectRefused(hub, cast.isla, EXCLUDE, { input: { ...newExclusion, ...change } }, { code: 'BAD_USER_INPUT', message });
  });

  test('the same agency objecting again (same member, same call or segment) is BAD_USER_INPUT, nothing written; another scope, another agency or after a withdrawal is allowed', async () => {
    const EXCLUDE_ID = `mutation($input: ExcludeFromCallInput!) { excludeFromCall(input: $input) { id } }`;
    const first = await hub.gql(EXCLUDE_ID, { as: cast.isla, variables: { input: newExclusion } });
    expect(first.body.errors).toBeUndefined();
    await expectRefused(hub, cast.isla, EXCLUDE, { input: { ...newExclusion, reason: 'Again, in other words.' } }, {
      code: 'BAD_USER_INPUT',
      message: "input.memberId: your agency already objects to this member's participation in this call",
    });
    const segment = await hub.gql(EXCLUDE_ID, { as: cast.isla, variables: { input: { ...newExclusion, segmentId: segmentId('next-1/2') } } });
    expect(segment.body.errors).toBeUndefined();
    await expectRefused(hub, cast.isla, EXCLUDE, { input: { ...newExclusion, segmentId: segmentId('next-1/2') } }, {
      code: 'BAD_USER_INPUT',
      message: "input.memberId: your agency already objects to this member's participation in this segment",
    });
    expect((await hub.gql(EXCLUDE_ID, { as: cast.ann, variables: { input: newExclusion } })).body.errors).toBeUndefined();
    const withdrawn = await hub.gql(`mutation($id: ID!) { withdrawExclusion(id: $id) { id } }`, { as: cast.isla, variables: { id: first.body.data.excludeFromCall.id } });
    expect(withdrawn.body.errors).toBeUndefined();
    expect((await hub.gql(EXCLUDE_ID, { as: cast.isla, variables: { input: newExclusion } })).body.errors).toBeUndefined();
    const standing = await hub.ds.query(
      `SELECT segment_id IS NULL AS whole, count(*)::int AS n FROM call_exclusion WHERE call_id = $1 AND member_id = $2 AND withdrawn_at IS NULL GROUP BY 1 ORDER BY 1`,
      [callId('next-1'), orgId('northstar')],
    );
    expect(standing).toEqual([{ whole: false, n: 1 }, { whole: true, n: 2 }]);
  });
});

// ---- withdrawExclusion ----------------------------------------------------------------------------------------------

const WITHDRAW = `mutation($id: ID!) { withdrawExclusion(id: $id) { id objectingAgency { name } withdrawnAt } }`;

describe('withdrawExclusion', () => {
  test.each([
    ['isla', 'allowed'],
    ...(['ann', 'ben', 'oliver', 'liam', 'minjun', 'emeka', 'claire', ...nonAgencies] as Viewer[]).map((v) => [v, 'FORBIDDEN']),
  ] as Array<[Viewer, 'allowed' | 'FORBIDDEN']>)('%s withdraws ICO’s exclusion of Registro from past-1/2: %s', async (v, outcome) => {
    const variables = { id: exclusionId('registro-past-1') };
    if (outcome === 'FORBIDDEN') {
      await expectRefused(hub, emailOf(v), WITHDRAW, variables, { code: 'FORBIDDEN' });
      return;
    }
    const r = await hub.gql(WITHDRAW, { as: emailOf(v), variables });
    expect(r.body).toEqual({
      data: { withdrawExclusion: { id: exclusionId('registro-past-1'), objectingAgency: { name: 'UK Information Commissioner’s Office' }, withdrawnAt: expect.any(String) } },
    });
    const [row] = await hub.ds.query('SELECT withdrawn_at FROM call_exclusion WHERE id = $1', [exclusionId('registro-past-1')]);
    expect(new Date(row.withdrawn_at).toISOString()).toBe(r.body.data.withdrawExclusion.withdrawnAt);
  });

  test('an exclusion already withdrawn, or an unknown one, is BAD_USER_INPUT naming the argument, nothing written', async () => {
    // KISA withdrew its exclusion of Sentinel from next-1 in the seed.
    await expectRefused(hub, cast.minjun, WITHDRAW, { id: exclusionId('sentinel-next-1') }, { code: 'BAD_USER_INPUT', message: 'id: this objection is already withdrawn' });
    await expectRefused(hub, cast.minjun, WITHDRAW, { id: UNKNOWN }, { code: 'BAD_USER_INPUT', message: 'id: no exclusion with this id' });
  });
});
