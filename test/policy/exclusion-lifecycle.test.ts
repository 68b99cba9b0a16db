import { callId, caseId, cast, exclusionId, orgId, segmentId, startTestHub, TestHub } from '../support/hub';
import { tableRows } from '../support/rows';

/**
 * An agency's objection to a private-sector member (§B.3, last ¶; DOMAIN §4): it takes effect at once, hides the call
 * or segment from the member — minutes recorded before it included — on every path, and only the objecting agency
 * withdraws it. A private-sector member never sees an exclusion, not even its own.
 *
 * From the seed: NorthStar (Grace) and Meridian (Tom, Priya) are invited to past-1/2 and next-1/2; Registro (Max) to
 * past-1/2 only, and ICO (Isla) excludes it from that segment; Sentinel (Eva) to past-2/2 and next-1/2, with a withdrawn
 * whole-call exclusion from next-1 by KISA.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const PAST1_2_MINUTES = 'NorthStar described takedown of two command servers; Meridian reported phishing volumes.';

const EXCLUDE = `mutation($input: ExcludeFromCallInput!) {
  excludeFromCall(input: $input) { id call { id } segment { id } member { name } objectingAgency { name } objectedBy { email } reason withdrawnAt }
}`;
const WITHDRAW = `mutation($id: ID!) { withdrawExclusion(id: $id) { id withdrawnAt } }`;

/** Everything the viewer can reach of past-1 and of its segment past-1/2, by every path that leads there. */
async function pathsToPast1(as: string) {
  const r = await hub.gql(
    `query($call: ID!, $segment: ID!) {
       all: calls(when: ALL) { totalCount nodes { id segments { id minutes } } }
       past: calls(when: PAST) { totalCount nodes { id } }
       call(id: $call) { id segments { id minutes } }
       callSegment(id: $segment) { id minutes call { id } discussedCases { reference } }
     }`,
    { as, variables: { call: callId('past-1'), segment: segmentId('past-1/2') } },
  );
  expect(r.body.errors).toBeUndefined();
  return r.body.data;
}

async function exclude(as: string, input: Record<string, unknown>) {
  const r = await hub.gql(EXCLUDE, { as, variables: { input } });
  expect(r.body.errors).toBeUndefined();
  return r.body.data.excludeFromCall as { id: string; withdrawnAt: string | null };
}

describe('a whole-call exclusion', () => {
  test('hides the call, its segment and the minutes recorded before it from the member on every path, at once; withdrawal restores them', async () => {
    // Before: Grace sees past-1 through past-1/2, minutes included.
    const before = {
      all: {
        totalCount: 2,
        nodes: [
          { id: callId('past-1'), segments: [{ id: segmentId('past-1/2'), minutes: PAST1_2_MINUTES }] },
          { id: callId('next-1'), segments: [{ id: segmentId('next-1/2'), minutes: null }] },
        ],
      },
      past: { totalCount: 1, nodes: [{ id: callId('past-1') }] },
      call: { id: callId('past-1'), segments: [{ id: segmentId('past-1/2'), minutes: PAST1_2_MINUTES }] },
      callSegment: {
        id: segmentId('past-1/2'),
        minutes: PAST1_2_MINUTES,
        call: { id: callId('past-1') },
        discussedCases: [{ reference: 'ACMA-2004-011' }, { reference: 'FTC-2004-017' }],
      },
    };
    expect(await pathsToPast1(cast.grace)).toEqual(before);

    const e = await exclude(cast.liam, { callId: callId('past-1'), memberId: orgId('northstar'), reason: 'Conflict of interest in ACMA-2004-011.' });
    expect(e).toEqual({
      id: expect.any(String),
      call: { id: callId('past-1') },
      segment: null,
      member: { name: 'NorthStar Broadband' },
      objectingAgency: { name: 'Australian Communications and Media Authority' },
      objectedBy: { email: cast.liam },
      reason: 'Conflict of interest in ACMA-2004-011.',
      withdrawnAt: null,
    });

    // The very next query: past-1 is gone by every path; next-1 is another call and stays.
    const hidden = {
      all: { totalCount: 1, nodes: [{ id: callId('next-1'), segments: [{ id: segmentId('next-1/2'), minutes: null }] }] },
      past: { totalCount: 0, nodes: [] },
      call: null,
      callSegment: null,
    };
    expect(await pathsToPast1(cast.grace)).toEqual(hidden);
    // The exclusion is NorthStar's alone: Meridian still takes part.
    expect((await pathsToPast1(cast.tom)).call).toEqual({ id: callId('past-1'), segments: [{ id: segmentId('past-1/2'), minutes: PAST1_2_MINUTES }] });
    // Agencies see it at once.
    const agencies = await hub.gql('query($id: ID!) { call(id: $id) { exclusions { id member { name } segment { id } withdrawnAt } } }', {
      as: cast.claire,
      variables: { id: callId('past-1') },
    });
    expect(agencies.body).toEqual({
      data: {
        call: {
          exclusions: [
            { id: exclusionId('registro-past-1'), member: { name: 'Registro Global' }, segment: { id: segmentId('past-1/2') }, withdrawnAt: null },
            { id: e.id, member: { name: 'NorthStar Broadband' }, segment: null, withdrawnAt: null },
          ],
        },
      },
    });

    // Minutes recorded while the exclusion stands stay hidden too.
    const minutes = await hub.gql('mutation($id: ID!) { recordMinutes(segmentId: $id, minutes: "Follow-up: servers seized.") { minutes } }', {
      as: cast.ann,
      variables: { id: segmentId('past-1/2') },
    });
    expect(minutes.body).toEqual({ data: { recordMinutes: { minutes: 'Follow-up: servers seized.' } } });
    expect(await pathsToPast1(cast.grace)).toEqual(hidden);

    // Withdrawn by the objecting agency: everything is back, the new minutes included.
    const w = await hub.gql(WITHDRAW, { as: cast.liam, variables: { id: e.id } });
    expect(w.body).toEqual({ data: { withdrawExclusion: { id: e.id, withdrawnAt: expect.any(String) } } });
    const [row] = await hub.ds.query('SELECT withdrawn_at FROM call_exclusion WHERE id = $1', [e.id]);
    expect(new Date(row.withdrawn_at).toISOString()).toBe(w.body.data.withdrawExclusion.withdrawnAt);
    const restored = JSON.parse(JSON.stringify(before).split(PAST1_2_MINUTES).join('Follow-up: servers seized.'));
    expect(await pathsToPast1(cast.grace)).toEqual(restored);
  });
});

describe('a segment exclusion', () => {
  test('hides that segment and its minutes, but not another segment of the call that still invites the member', async () => {
    // A second PRIVATE_SECTOR_INVITED segment of past-1 that invites Meridian.
    const added = await hub.gql(
      `mutation($call: ID!) { addSegment(input: { callId: $call, title: "Bank fraud round-table", topic: PRIVATE_SECTOR_REPORTS, audience: PRIVATE_SECTOR_INVITED }) { id order } }`,
      { as: cast.ann, variables: { call: callId('past-1') } },
    );
    expect(added.body.data.addSegment.order).toBe(3);
    const extra = added.body.data.addSegment.id as string;
    const invited = await hub.gql('mutation($s: ID!, $m: ID!) { inviteToSegment(segmentId: $s, memberId: $m) { invited { name } } }', {
      as: cast.ann,
      variables: { s: extra, m: orgId('meridian') },
    });
    expect(invited.body).toEqual({ data: { inviteToSegment: { invited: [{ name: 'Meridian Bank' }] } } });

    const tomBefore = await pathsToPast1(cast.tom);
    expect(tomBefore.call).toEqual({
      id: callId('past-1'),
      segments: [{ id: segmentId('past-1/2'), minutes: PAST1_2_MINUTES }, { id: extra, minutes: null }],
    });
    expect(tomBefore.callSegment).toEqual({
      id: segmentId('past-1/2'),
      minutes: PAST1_2_MINUTES,
      call: { id: callId('past-1') },
      discussedCases: [{ reference: 'FTC-2004-017' }],
    });

    const e = await exclude(cast.emeka, {
      callId: callId('past-1'),
      segmentId: segmentId('past-1/2'),
      memberId: orgId('meridian'),
      reason: 'Bank under investigation.',
    });
    expect(e).toEqual({
      id: expect.any(String),
      call: { id: callId('past-1') },
      segment: { id: segmentId('past-1/2') },
      member: { name: 'Meridian Bank' },
      objectingAgency: { name: 'Economic and Financial Crimes Commission' },
      objectedBy: { email: cast.emeka },
      reason: 'Bank under investigation.',
      withdrawnAt: null,
    });

    // Both Meridian people: past-1 stays visible through the new segment only; past-1/2 and its minutes are gone.
    for (const as of [cast.tom, cast.priya]) {
      expect(await pathsToPast1(as)).toEqual({
        all: {
          totalCount: 2,
          nodes: [
            { id: callId('past-1'), segments: [{ id: extra, minutes: null }] },
            { id: callId('next-1'), segments: [{ id: segmentId('next-1/2'), minutes: null }] },
          ],
        },
        past: { totalCount: 1, nodes: [{ id: callId('past-1') }] },
        call: { id: callId('past-1'), segments: [{ id: extra, minutes: null }] },
        callSegment: null,
      });
      // Through the new segment's call, and its exclusions: nothing of past-1/2 and no exclusion.
      const viaSegment = await hub.gql('query($id: ID!) { callSegment(id: $id) { call { segments { id } exclusions { id } } } }', { as, variables: { id: extra } });
      expect(viaSegment.body).toEqual({
        data: { callSegment: { call: { segments: [{ id: extra }], exclusions: null } } },
        extensions: { redacted: [{ path: 'callSegment.call.exclusions', code: 'FORBIDDEN', count: 1 }] },
      });
    }
    // The cases discussed in past-1/2 follow the case rules alone: the CLEAR case stays readable by its own path.
    const viaCase = await hub.gql('query($id: ID!) { case(id: $id) { reference } }', { as: cast.tom, variables: { id: caseId('FTC-2004-017') } });
    expect(viaCase.body).toEqual({ data: { case: { reference: 'FTC-2004-017' } } });
    // NorthStar is not concerned.
    expect((await pathsToPast1(cast.grace)).callSegment).toEqual({
      id: segmentId('past-1/2'),
      minutes: PAST1_2_MINUTES,
      call: { id: callId('past-1') },
      discussedCases: [{ reference: 'ACMA-2004-011' }, { reference: 'FTC-2004-017' }],
    });

    const w = await hub.gql(WITHDRAW, { as: cast.emeka, variables: { id: e.id } });
    expect(w.body).toEqual({ data: { withdrawExclusion: { id: e.id, withdrawnAt: expect.any(String) } } });
    expect(await pathsToPast1(cast.tom)).toEqual(tomBefore);
  });

  test('excluding a member from its only open segment of a call hides the whole call from it', async () => {
    await exclude(cast.isla, { callId: callId('next-1'), segmentId: segmentId('next-1/2'), memberId: orgId('sentinel'), reason: 'Pending review.' });
    const r = await hub.gql('query($id: ID!) { calls(when: ALL) { totalCount nodes { id } } call(id: $id) { id } }', {
      as: cast.eva,
      variables: { id: callId('next-1') },
    });
    expect(r.body).toEqual({ data: { calls: { totalCount: 1, nodes: [{ id: callId('past-2') }] }, call: null } });
  });
});

describe('withdrawing an exclusion', () => {
  const standing = exclusionId('registro-past-1'); // by ICO

  test.each([
    ['another agency', cast.minjun],
    ['a coordinator of another agency', cast.ann],
    ['the excluded member itself', cast.max],
    ['another private-sector member', cast.grace],
    ['an anonymous caller', null],
    ['an applicant', cast.paulo],
  ])('%s cannot: FORBIDDEN, and the row is unchanged', async (_who, as) => {
    const before = await tableRows(hub.ds, ['call_exclusion']);
    const r = await hub.gql(WITHDRAW, { as, variables: { id: standing } });
    expect(r.body.data).toBeNull();
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await tableRows(hub.ds, ['call_exclusion'])).toEqual(before);
    // Registro is still kept out.
    const max = await hub.gql('query($id: ID!) { callSegment(id: $id) { id } }', { as: cast.max, variables: { id: segmentId('past-1/2') } });
    expect(max.body).toEqual({ data: { callSegment: null } });
  });

  test('the objecting agency can, once; Registro then takes part in past-1/2 again, minutes included', async () => {
    const r = await hub.gql(WITHDRAW, { as: cast.isla, variables: { id: standing } });
    expect(r.body).toEqual({ data: { withdrawExclusion: { id: standing, withdrawnAt: expect.any(String) } } });
    const max = await hub.gql('{ calls(when: ALL) { totalCount nodes { id segments { id minutes } } } }', { as: cast.max });
    expect(max.body).toEqual({
      data: { calls: { totalCount: 1, nodes: [{ id: callId('past-1'), segments: [{ id: segmentId('past-1/2'), minutes: PAST1_2_MINUTES }] }] } },
    });
    const before = await tableRows(hub.ds, ['call_exclusion']);
    const again = await hub.gql(WITHDRAW, { as: cast.isla, variables: { id: standing } });
    expect(again.body.data).toBeNull();
    expect(again.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['id: this objection is already withdrawn', 'BAD_USER_INPUT']]);
    expect(await tableRows(hub.ds, ['call_exclusion'])).toEqual(before);
  });

  test('an unknown id is bad input for an agency', async () => {
    const r = await hub.gql(WITHDRAW, { as: cast.isla, variables: { id: '6b1d2a44-0000-4000-8000-000000000000' } });
    expect(r.body.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['id: no exclusion with this id', 'BAD_USER_INPUT']]);
  });
});

describe('a private-sector member never sees an exclusion, not even its own', () => {
  test('Sentinel (its own withdrawn whole-call exclusion) and Registro (its own standing segment exclusion)', async () => {
    // Give Registro a segment of past-1 it still takes part in, so that it sees the call its exclusion belongs to.
    const added = await hub.gql(
      `mutation($call: ID!) { addSegment(input: { callId: $call, title: "Registrar round-table", topic: PRIVATE_SECTOR_REPORTS, audience: PRIVATE_SECTOR_INVITED }) { id } }`,
      { as: cast.ann, variables: { call: callId('past-1') } },
    );
    const extra = added.body.data.addSegment.id as string;
    await hub.gql('mutation($s: ID!, $m: ID!) { inviteToSegment(segmentId: $s, memberId: $m) { id } }', {
      as: cast.ann,
      variables: { s: extra, m: orgId('registro') },
    });

    const cases: Array<[string, string, string]> = [
      [cast.eva, 'next-1', exclusionId('sentinel-next-1')],
      [cast.max, 'past-1', exclusionId('registro-past-1')],
    ];
    for (const [as, call, exclusion] of cases) {
      const r = await hub.gql(
        `query($call: ID!, $e: ID!) {
           calls(when: ALL) { nodes { id exclusions { id } } }
           call(id: $call) { id exclusions { id } viewerCan { readExclusions } }
           callExclusion(id: $e) { id }
         }`,
        { as, variables: { call: callId(call), e: exclusion } },
      );
      const nodes = r.body.data.calls.nodes as Array<{ id: string; exclusions: unknown }>;
      expect(nodes.map((n) => n.id)).toContain(callId(call));
      expect(nodes.every((n) => n.exclusions === null)).toBe(true);
      expect(r.body).toEqual({
        data: {
          calls: { nodes },
          call: { id: callId(call), exclusions: null, viewerCan: { readExclusions: false } },
          callExclusion: null,
        },
        extensions: {
          redacted: [
            { path: 'call.exclusions', code: 'FORBIDDEN', count: 1 },
            { path: 'calls.nodes.exclusions', code: 'FORBIDDEN', count: nodes.length },
          ],
        },
      });
    }
    // The excluded segment itself stays out of Registro's view while the rest of past-1 is visible.
    const max = await hub.gql('query($id: ID!) { call(id: $id) { segments { id } } }', { as: cast.max, variables: { id: callId('past-1') } });
    expect(max.body).toEqual({ data: { call: { segments: [{ id: extra }] } } });
  });

  test('a private-sector member cannot record an exclusion either: FORBIDDEN, nothing written', async () => {
    const before = await tableRows(hub.ds, ['call_exclusion']);
    const r = await hub.gql(EXCLUDE, {
      as: cast.grace,
      variables: { input: { callId: callId('past-1'), memberId: orgId('meridian'), reason: 'Competitor.' } },
    });
    expect(r.body.data).toBeNull();
    expect(r.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(await tableRows(hub.ds, ['call_exclusion'])).toEqual(before);
  });
});
