import { SignJWT } from 'jose';
import pg from 'pg';
import WebSocket from 'ws';
import { poolOf } from '../../src/db/viewer-db';
import { caseAccess, emailOf, readsConfidential, segmentsSeen, summaries, ViewerName, viewers } from '../support/demo-access';
import { callId, caseId, cast, orgId, personId, segmentId, startSiblingHub, startTestHub, TEST_SECRET, TestHub } from '../support/hub';
import { dispatchesOf, dispatchOf, LiveClient, LiveSubscription, receivedInAll, subscribed, unsubscribedAll } from '../support/live';
import { untilWaiting, waitingOn } from '../support/locker';
import { lockMemberInCall } from '../../src/data/calls';
import { AUTHORIZATION_NOT_ONE_STRING, INIT_MESSAGE_UNREADABLE, misplacedCredentialReason } from '../../src/auth/connection-params';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.close();
});

const dispatcher = () => hub.hub.live.dispatcher;

/** Every client a test opened: closed after each test, whatever its outcome, so that no subscription outlives it. */
const opened = new Set<LiveClient>();
afterEach(async () => {
  for (const client of opened) await client.close();
  opened.clear();
  await unsubscribedAll(dispatcher());
});

/** Connections of the given demo viewers (anonymous: no token), each acknowledged. */
async function connect(names: readonly ViewerName[], on: TestHub = hub): Promise<Map<ViewerName, LiveClient>> {
  const clients = new Map<ViewerName, LiveClient>();
  for (const name of names) {
    const email = emailOf(name);
    const params = email ? { authorization: `Bearer ${await hub.tokenFor(personId(email), email)}` } : {};
    const { client, acknowledged } = await LiveClient.connect(on.url, params);
    opened.add(client);
    expect(acknowledged).toBe(true);
    clients.set(name, client);
  }
  return clients;
}

/** The same subscription on every client; resolves once all have started. */
async function subscribeAll(clients: Map<ViewerName, LiveClient>, query: string, variables?: Record<string, unknown>, on: TestHub = hub) {
  const before = on.hub.live.dispatcher.subscribers;
  const subs = new Map<ViewerName, LiveSubscription>();
  for (const [name, client] of clients) subs.set(name, client.subscribe(query, variables));
  await subscribed(on.hub.live.dispatcher, before + clients.size);
  return subs;
}

async function closeAll(...groups: Array<Map<ViewerName, LiveClient>>) {
  for (const clients of groups) for (const client of clients.values()) await client.close();
  await unsubscribedAll(dispatcher());
}

/**
 * Runs a mutation as a demo person and waits until the event it caused has been dispatched (on `on`) and every payload
 * the dispatcher delivered has arrived; returns the dispatch report.
 */
async function changed(
  topic: 'case' | 'call' | 'assistance' | 'earlyWarning',
  id: string | undefined,
  mutation: string,
  as: ViewerName,
  variables: Record<string, unknown>,
  clients: Map<ViewerName, LiveClient>,
  subs: Map<ViewerName, LiveSubscription>,
  on: TestHub = hub,
) {
  const before = [...subs.values()].reduce((n, s) => n + s.received.length, 0);
  const report = dispatchOf(on.hub.live.dispatcher, topic, id);
  const r = await hub.gql(mutation, { as: emailOf(as), variables });
  expect(r.body.errors).toBeUndefined();
  const done = await report;
  await receivedInAll([...clients.values()], [...subs.values()], before + done.delivered);
  return { report: done, data: r.body.data };
}

function received(subs: Map<ViewerName, LiveSubscription>): Record<string, unknown[]> {
  return Object.fromEntries([...subs].map(([name, s]) => [name, s.received]));
}

const updateCase = `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { id } }`;
const shareCase = `mutation($input: ShareCaseInput!) { shareCase(input: $input) { id } }`;
const revokeShare = `mutation($id: ID!) { revokeShare(id: $id) { id } }`;

const redactedTier = { redacted: [{ path: 'caseChanged.confidential', code: 'FORBIDDEN', count: 1 }] };

describe('caseChanged: who receives an edit, per TLP', () => {
  beforeEach(() => hub.reset());

  const editors: Array<[string, string, ViewerName]> = [
    ['FTC-2004-017', 'CLEAR', 'ann'],
    ['OFT-2004-003', 'GREEN', 'oliver'],
    ['ACMA-2004-011', 'AMBER', 'liam'],
    ['ICO-2004-008', 'AMBER_STRICT', 'isla'],
    ['FTC-2004-021', 'RED', 'ann'],
    ['EFCC-2004-001', 'RED', 'emeka'],
  ];

  test.each(editors)('%s (%s) renamed by its lead agency: exactly the viewers of the row, each with their parts', async (ref, _tlp, editor) => {
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, `subscription { caseChanged { reference title confidential { summary } } }`);
    const title = `${ref} (renamed)`;
    const { report } = await changed('case', caseId(ref), updateCase, editor, { id: caseId(ref), input: { title } }, clients, subs);
    const expected = Object.fromEntries(
      viewers.map((v) => {
        if (!caseAccess[v].sees.includes(ref)) return [v, []];
        const reads = readsConfidential(v, ref);
        return [
          v,
          [{ data: { caseChanged: { reference: ref, title, confidential: reads ? { summary: summaries[ref] } : null } }, ...(reads ? {} : { extensions: redactedTier }) }],
        ];
      }),
    );
    expect(received(subs)).toEqual(expected);
    // One resolution per viewer who is subscribed (15 viewers, 15 groups), whatever they could see.
    expect(report.groups).toBe(viewers.length);
    await closeAll(clients);
  });

  test('the payload is what case(id) answers the same viewer at that moment, redactions included', async () => {
    const names: ViewerName[] = ['ann', 'oliver', 'isla', 'tom', 'priya', 'grace'];
    const clients = await connect(names);
    const selection = `reference title tlp status harmScore leadAgency { name } countries { code } viewerCan { readConfidential edit share }
      confidential { summary victimCount shares { participant { name } recipients { name } } }`;
    const subs = await subscribeAll(clients, `subscription($id: ID) { caseChanged(id: $id) { ${selection} } }`, { id: caseId('FTC-2004-021') });
    await changed('case', caseId('FTC-2004-021'), updateCase, 'ann', { id: caseId('FTC-2004-021'), input: { status: 'CLOSED' } }, clients, subs);
    for (const name of names) {
      const query = await hub.gql(`query($id: ID!) { caseChanged: case(id: $id) { ${selection} } }`, { as: emailOf(name), variables: { id: caseId('FTC-2004-021') } });
      const expected = query.body.data.caseChanged === null ? [] : [query.body];
      expect([name, subs.get(name)!.received]).toEqual([name, expected]);
    }
    expect(subs.get('isla')!.received).toEqual([]);
    expect(subs.get('tom')!.received[0].data.caseChanged.status).toBe('CLOSED');
    await closeAll(clients);
  });

  test('an id written in capitals names the same case, as case(id) reads it: its changes are delivered', async () => {
    const names: ViewerName[] = ['ann', 'tom', 'isla'];
    const clients = await connect(names);
    const subs = await subscribeAll(clients, `subscription($id: ID) { caseChanged(id: $id) { reference title } }`, { id: caseId('FTC-2004-021').toUpperCase() });
    await changed('case', caseId('FTC-2004-021'), updateCase, 'ann', { id: caseId('FTC-2004-021'), input: { title: 'Named in capitals' } }, clients, subs);
    const payload = [{ data: { caseChanged: { reference: 'FTC-2004-021', title: 'Named in capitals' } } }];
    expect(received(subs)).toEqual({ ann: payload, tom: payload, isla: [] });
    await closeAll(clients);
  });

  test('an edit of the confidential tier only reaches its readers; nobody who sees only the row hears of it', async () => {
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, `subscription { caseChanged { reference confidential { summary } } }`);
    const summary = 'The botnet is down to 12,000 machines.';
    await changed('case', caseId('ACMA-2004-011'), updateCase, 'liam', { id: caseId('ACMA-2004-011'), input: { summary } }, clients, subs);
    const expected = Object.fromEntries(
      viewers.map((v) => [v, readsConfidential(v, 'ACMA-2004-011') ? [{ data: { caseChanged: { reference: 'ACMA-2004-011', confidential: { summary } } } }] : []]),
    );
    expect(received(subs)).toEqual(expected);
    expect(Object.entries(expected).filter(([, list]) => list.length).map(([v]) => v).sort()).toEqual(['grace', 'liam', 'minjun']);
    await closeAll(clients);
  });
});

describe('caseChanged: shares granted and revoked', () => {
  beforeEach(() => hub.reset());
  const query = `subscription { caseChanged { reference confidential { shares { participant { name } } } } }`;

  test('a share granted reaches the tier’s readers and the participant who gained it, never those who see only the row', async () => {
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, query);
    await changed('case', caseId('ACMA-2004-011'), shareCase, 'liam', { input: { caseId: caseId('ACMA-2004-011'), participantId: orgId('sentinel') } }, clients, subs);
    const shares = [{ participant: { name: 'Korea Information Security Agency' } }, { participant: { name: 'NorthStar Broadband' } }, { participant: { name: 'Sentinel Security' } }];
    const payload = (list: typeof shares) => ({ data: { caseChanged: { reference: 'ACMA-2004-011', confidential: { shares: expect.arrayContaining(list) } } } });
    const got = received(subs);
    const receivers = Object.entries(got).filter(([, list]) => list.length).map(([v]) => v).sort();
    expect(receivers).toEqual(['eva', 'grace', 'liam', 'minjun']);
    for (const v of receivers) {
      expect(got[v]).toEqual([payload(shares)]);
      expect((got[v][0] as any).data.caseChanged.confidential.shares).toHaveLength(3);
    }
    await closeAll(clients);
  });

  test('a request for access granted (grantCaseAccess) is a share granted: the tier’s readers and the requester’s organization hear of it', async () => {
    const asked = await hub.gql(`mutation($c: ID!) { requestCaseAccess(caseId: $c, justification: "Canadian victims reported it.") { id } }`, {
      as: cast.claire,
      variables: { c: caseId('ACMA-2004-011') },
    });
    expect(asked.body.errors).toBeUndefined();
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, query);
    const grant = `mutation($id: ID!) { grantCaseAccess(id: $id) { status } }`;
    await changed('case', caseId('ACMA-2004-011'), grant, 'liam', { id: asked.body.data.requestCaseAccess.id }, clients, subs);
    const shares = ['Canadian Radio-television and Telecommunications Commission', 'Korea Information Security Agency', 'NorthStar Broadband'].map((name) => ({ participant: { name } }));
    const got = received(subs);
    const receivers = Object.entries(got).filter(([, list]) => list.length).map(([v]) => v).sort();
    // The CRTC's people (Claire, the requester, and no other in the demo) now read the tier; nobody else new does.
    expect(receivers).toEqual(['claire', 'grace', 'liam', 'minjun']);
    for (const v of receivers) {
      expect(got[v]).toHaveLength(1);
      expect((got[v][0] as any).data.caseChanged.reference).toBe('ACMA-2004-011');
      expect([...(got[v][0] as any).data.caseChanged.confidential.shares].sort((a: any, b: any) => a.participant.name.localeCompare(b.participant.name))).toEqual(shares);
    }
    await closeAll(clients);
  });

  test('a share revoked reaches the remaining readers; the participant who lost the row gets nothing, then nothing more', async () => {
    const [share] = await hub.ds.query(`SELECT id FROM case_share WHERE case_id = $1 AND participant_id = $2`, [caseId('ACMA-2004-011'), orgId('northstar')]);
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, query);
    // Grace also follows the case by id: the subscription that revocation must cut.
    const graceById = clients.get('grace')!.subscribe(`subscription($id: ID) { caseChanged(id: $id) { reference title } }`, { id: caseId('ACMA-2004-011') });
    await subscribed(dispatcher(), viewers.length + 1);
    const all = new Map(subs);
    all.set('grace-by-id' as ViewerName, graceById);
    await changed('case', caseId('ACMA-2004-011'), revokeShare, 'liam', { id: share.id }, clients, all);
    const receivers = Object.entries(received(subs)).filter(([, list]) => list.length).map(([v]) => v).sort();
    expect(receivers).toEqual(['liam', 'minjun']);
    expect(subs.get('liam')!.received).toEqual([
      { data: { caseChanged: { reference: 'ACMA-2004-011', confidential: { shares: [{ participant: { name: 'Korea Information Security Agency' } }] } } } },
    ]);
    expect(graceById.received).toEqual([]);
    // The next change of the row: every agency sees it, Grace (no share any more) does not. Liam and Minjun compare
    // with the payload they received (their selection has no row field that changed: nothing); the other agencies,
    // told nothing of this case yet, get the changed row.
    const { report } = await changed('case', caseId('ACMA-2004-011'), updateCase, 'liam', { id: caseId('ACMA-2004-011'), input: { title: 'Botnet takedown' } }, clients, all);
    expect(graceById.received).toEqual([]);
    expect(subs.get('grace')!.received).toEqual([]);
    expect([subs.get('liam')!.received.length, subs.get('minjun')!.received.length]).toEqual([1, 1]);
    const others = viewers.filter((v) => caseAccess[v].sees.includes('ACMA-2004-011') && !['liam', 'minjun', 'grace'].includes(v));
    expect(others.length).toBeGreaterThan(0);
    expect(others.every((v) => subs.get(v)!.received.length === 1)).toBe(true);
    expect(report.delivered).toBe(others.length);
    await closeAll(clients);
  });

  test('RED: naming one more person reaches the lead agency, the named people and the newly named one only', async () => {
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, `subscription { caseChanged { reference confidential { shares { recipients { name } } } } }`);
    await changed(
      'case',
      caseId('FTC-2004-021'),
      shareCase,
      'ann',
      { input: { caseId: caseId('FTC-2004-021'), participantId: orgId('meridian'), recipientIds: [personId(cast.tom), personId(cast.priya)] } },
      clients,
      subs,
    );
    const receivers = Object.entries(received(subs)).filter(([, list]) => list.length).map(([v]) => v).sort();
    expect(receivers).toEqual(['ann', 'ben', 'oliver', 'priya', 'tom']);
    await closeAll(clients);
  });

  test('subscribing by the id of a case the viewer cannot see is accepted and delivers once it becomes visible', async () => {
    const clients = await connect(['eva', 'max']);
    const subs = await subscribeAll(clients, `subscription($id: ID) { caseChanged(id: $id) { reference title } }`, { id: caseId('ACMA-2004-011') });
    await changed('case', caseId('ACMA-2004-011'), updateCase, 'liam', { id: caseId('ACMA-2004-011'), input: { title: 'Hidden from both' } }, clients, subs);
    expect(received(subs)).toEqual({ eva: [], max: [] });
    await changed('case', caseId('ACMA-2004-011'), shareCase, 'liam', { input: { caseId: caseId('ACMA-2004-011'), participantId: orgId('sentinel') } }, clients, subs);
    expect(received(subs)).toEqual({ eva: [{ data: { caseChanged: { reference: 'ACMA-2004-011', title: 'Hidden from both' } } }], max: [] });
    // Not an id at all: accepted, never delivers.
    const odd = clients.get('max')!.subscribe(`subscription { caseChanged(id: "not-a-case") { reference } }`);
    await subscribed(dispatcher(), 3);
    expect(odd.errors).toBeNull();
    await closeAll(clients);
  });
});

describe('callChanged: segments and exclusions', () => {
  beforeEach(() => hub.reset());
  const query = `subscription($id: ID) { callChanged(id: $id) { title segments { order title minutes invited { name } } exclusions { reason } } }`;

  test('minutes recorded on a segment reach the viewers of that segment only', async () => {
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, query, { id: callId('next-1') });
    const minutes = 'Agreed: a shared list of command servers.';
    await changed(
      'call',
      callId('next-1'),
      `mutation($id: ID!, $m: String!) { recordMinutes(segmentId: $id, minutes: $m) { id } }`,
      'oliver',
      { id: segmentId('next-1/2'), m: minutes },
      clients,
      subs,
    );
    const expected = viewers.filter((v) => segmentsSeen[v].includes('next-1/2')).sort();
    const receivers = Object.entries(received(subs)).filter(([, list]) => list.length).map(([v]) => v).sort();
    expect(receivers).toEqual(expected);
    expect(subs.get('grace')!.received[0].data.callChanged.segments).toEqual([
      { order: 1, title: 'Joint training: tracing zombie drones', minutes, invited: expect.any(Array) },
    ]);
    // A segment the private members do not see: only agencies hear of it.
    await changed(
      'call',
      callId('next-1'),
      `mutation($id: ID!, $m: String!) { recordMinutes(segmentId: $id, minutes: $m) { id } }`,
      'oliver',
      { id: segmentId('next-1/1'), m: 'Law-enforcement only.' },
      clients,
      subs,
    );
    const second = Object.entries(received(subs)).filter(([, list]) => list.length === 2).map(([v]) => v).sort();
    expect(second).toEqual(viewers.filter((v) => segmentsSeen[v].includes('next-1/1')).sort());
    await closeAll(clients);
  });

  test('a change to a segment the subscriber cannot see is not delivered, even when its payload has changed since (it would tell when the hidden change happened)', async () => {
    const clients = await connect(['grace', 'oliver']);
    const subs = await subscribeAll(clients, `subscription($id: ID) { callChanged(id: $id) { segments { title minutes discussedCases { title } } } }`, { id: callId('next-1') });
    const minutes = `mutation($id: ID!, $m: String!) { recordMinutes(segmentId: $id, minutes: $m) { id } }`;
    // Minutes on Grace's segment: both hear of them (Grace's payload of the call, to compare the next ones with).
    await changed('call', callId('next-1'), minutes, 'oliver', { id: segmentId('next-1/2'), m: 'Opened.' }, clients, subs);
    expect(Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]))).toEqual({ grace: 1, oliver: 1 });
    // Law-enforcement minutes: the agency hears of them, Grace (who does not see that segment) does not.
    await changed('call', callId('next-1'), minutes, 'oliver', { id: segmentId('next-1/1'), m: 'First law-enforcement note.' }, clients, subs);
    expect(Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]))).toEqual({ grace: 1, oliver: 2 });
    // The case discussed in Grace's segment is renamed: a case event, no call event — her view of the call has changed unannounced.
    const renamed = await hub.gql(updateCase, { as: cast.liam, variables: { id: caseId('ACMA-2004-011'), input: { title: 'Botnet, renamed' } } });
    expect(renamed.body.errors).toBeUndefined();
    // More law-enforcement minutes: still nothing for Grace, though her payload now differs from her last.
    await changed('call', callId('next-1'), minutes, 'oliver', { id: segmentId('next-1/1'), m: 'Second law-enforcement note.' }, clients, subs);
    expect(Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]))).toEqual({ grace: 1, oliver: 3 });
    // Minutes on her own segment: she hears of them, with the renamed case.
    await changed('call', callId('next-1'), minutes, 'oliver', { id: segmentId('next-1/2'), m: 'Agreed.' }, clients, subs);
    expect(subs.get('grace')!.received.map((p) => p.data.callChanged.segments)).toEqual([
      [{ title: 'Joint training: tracing zombie drones', minutes: 'Opened.', discussedCases: [{ title: expect.any(String) }] }],
      [{ title: 'Joint training: tracing zombie drones', minutes: 'Agreed.', discussedCases: [{ title: 'Botnet, renamed' }] }],
    ]);
    await closeAll(clients);
  });

  test('a subscriber to every call that has not had this one yet hears only of what it sees change: not an exclusion of a member it never saw invited, not a case it cannot see linked', async () => {
    const clients = await connect(['isla', 'tom', 'grace', 'eva']);
    // Every call, no id: no earlier payload of next-1 to compare with.
    const subs = await subscribeAll(clients, `subscription { callChanged { id title segments { title invited { name } discussedCases { reference } } exclusions { reason } } }`);
    const exclude = `mutation($input: ExcludeFromCallInput!) { excludeFromCall(input: $input) { id } }`;
    // Registro is not invited to next-1/2: the private members' view of the call does not change; ICO's does (exclusions).
    await changed('call', callId('next-1'), exclude, 'isla', { input: { callId: callId('next-1'), segmentId: segmentId('next-1/2'), memberId: orgId('registro'), reason: 'Related investigation' } }, clients, subs);
    expect(Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]))).toEqual({ isla: 1, tom: 0, grace: 0, eva: 0 });
    // CRTC-2004-004 (AMBER) is linked to that segment by a coordinator: private members cannot see the case.
    await changed(
      'call', callId('next-1'), `mutation($s: ID!, $c: ID!) { linkCaseToSegment(segmentId: $s, caseId: $c) { id } }`, 'ann',
      { s: segmentId('next-1/2'), c: caseId('CRTC-2004-004') }, clients, subs,
    );
    expect(Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]))).toEqual({ isla: 2, tom: 0, grace: 0, eva: 0 });
    // NorthStar is invited: excluded, it leaves the invited list Tom and Eva see (they hear of it), and Grace's own segment.
    await changed('call', callId('next-1'), exclude, 'isla', { input: { callId: callId('next-1'), segmentId: segmentId('next-1/2'), memberId: orgId('northstar'), reason: 'Conflict of interest' } }, clients, subs);
    expect(Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]))).toEqual({ isla: 3, tom: 1, grace: 0, eva: 1 });
    const forTom = subs.get('tom')!.received[0].data.callChanged;
    expect(forTom.segments.map((seg: { invited: Array<{ name: string }> }) => seg.invited.map((p) => p.name).sort())).toEqual([['Meridian Bank', 'Sentinel Security']]);
    expect(forTom.exclusions).toBeNull();
    await closeAll(clients);
  });

  test('a subscriber to every call with no earlier payload of it hears of an exclusion from a segment it was invited to, and gets the call without that segment', async () => {
    // next-1 gets a second segment NorthStar is invited to, before Grace subscribes.
    const added = await hub.gql(`mutation($input: AddSegmentInput!) { addSegment(input: $input) { id } }`, {
      as: cast.oliver,
      variables: { input: { callId: callId('next-1'), title: 'Botnet takedown coordination', topic: 'INVESTIGATIVE_TECHNIQUES', audience: 'PRIVATE_SECTOR_INVITED' } },
    });
    expect(added.body.errors).toBeUndefined();
    const third = added.body.data.addSegment.id as string;
    const invited = await hub.gql(`mutation($s: ID!, $m: ID!) { inviteToSegment(segmentId: $s, memberId: $m) { id } }`, {
      as: cast.oliver,
      variables: { s: third, m: orgId('northstar') },
    });
    expect(invited.body.errors).toBeUndefined();
    await hub.hub.live.dispatcher.idle();
    const clients = await connect(['grace']);
    const subs = await subscribeAll(clients, `subscription { callChanged { title segments { order title } } }`);
    const exclude = `mutation($input: ExcludeFromCallInput!) { excludeFromCall(input: $input) { id } }`;
    await changed('call', callId('next-1'), exclude, 'isla', { input: { callId: callId('next-1'), segmentId: segmentId('next-1/2'), memberId: orgId('northstar'), reason: 'Conflict of interest' } }, clients, subs);
    // Grace (NorthStar) lost next-1/2 and still sees the call through the new segment.
    expect(subs.get('grace')!.received).toEqual([
      { data: { callChanged: { title: 'Quarterly enforcement call', segments: [{ order: 1, title: 'Botnet takedown coordination' }] } } },
    ]);
    await closeAll(clients);
  });

  test('an exclusion of a member withdrawn from the network, withdrawn: private-sector subscribers hear nothing (it takes part in nothing either way); agencies hear of it', async () => {
    const exclude = `mutation($input: ExcludeFromCallInput!) { excludeFromCall(input: $input) { id } }`;
    const made = await hub.gql(exclude, { as: cast.isla, variables: { input: { callId: callId('next-1'), memberId: orgId('sentinel'), reason: 'Conflict of interest' } } });
    expect(made.body.errors).toBeUndefined();
    await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('sentinel')]);
    await hub.hub.live.dispatcher.idle();
    const clients = await connect(['isla', 'tom', 'grace']);
    const subs = await subscribeAll(clients, `subscription { callChanged { id segments { title invited { name } } } }`);
    const count = () => Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]));
    await changed('call', callId('next-1'), `mutation($id: ID!) { withdrawExclusion(id: $id) { id } }`, 'isla', { id: made.body.data.excludeFromCall.id }, clients, subs);
    expect(count()).toEqual({ isla: 1, tom: 0, grace: 0 });
    await closeAll(clients);
  });

  test('a subscriber to every call with no earlier payload of it hears nothing of an exclusion, a withdrawal or an invitation that changes no one’s participation', async () => {
    const exclude = `mutation($input: ExcludeFromCallInput!) { excludeFromCall(input: $input) { id } }`;
    const withdraw = `mutation($id: ID!) { withdrawExclusion(id: $id) { id } }`;
    const invite = `mutation($s: ID!, $m: ID!) { inviteToSegment(segmentId: $s, memberId: $m) { id } }`;
    const next2 = { callId: callId('next-1'), segmentId: segmentId('next-1/2') };
    // Before anyone subscribes: NorthStar is invited to a new segment of next-1 too, and ICO objects to it in next-1/2.
    const added = await hub.gql(`mutation($input: AddSegmentInput!) { addSegment(input: $input) { id } }`, {
      as: cast.oliver,
      variables: { input: { callId: callId('next-1'), title: 'Botnet takedown coordination', topic: 'INVESTIGATIVE_TECHNIQUES', audience: 'PRIVATE_SECTOR_INVITED' } },
    });
    expect(added.body.errors).toBeUndefined();
    for (const [mutation, as, variables] of [
      [invite, cast.oliver, { s: added.body.data.addSegment.id, m: orgId('northstar') }],
      [exclude, cast.isla, { input: { ...next2, memberId: orgId('northstar'), reason: 'First objection' } }],
    ] as const) {
      const r = await hub.gql(mutation, { as, variables });
      expect(r.body.errors).toBeUndefined();
    }
    await hub.hub.live.dispatcher.idle();
    // Every call, no id: none of them has an earlier payload of next-1 to compare with.
    const clients = await connect(['isla', 'tom', 'grace', 'eva', 'max']);
    const subs = await subscribeAll(clients, `subscription { callChanged { id segments { title invited { name } } exclusions { reason withdrawnAt } } }`);
    const count = () => Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]));
    // CRTC objects too: NorthStar was already kept out of next-1/2, so only the exclusions agencies see change — not
    // the invited list Tom and Eva see, nor the segments Grace (NorthStar) sees.
    const second = await changed('call', callId('next-1'), exclude, 'claire', { input: { ...next2, memberId: orgId('northstar'), reason: 'Second objection' } }, clients, subs);
    expect(count()).toEqual({ isla: 1, tom: 0, grace: 0, eva: 0, max: 0 });
    // CRTC withdraws: ICO's objection still stands.
    await changed('call', callId('next-1'), withdraw, 'claire', { id: second.data.excludeFromCall.id }, clients, subs);
    expect(count()).toEqual({ isla: 2, tom: 0, grace: 0, eva: 0, max: 0 });
    // Registro is kept out of the whole call (it is invited nowhere), then invited to next-1/2: only agencies see it invited.
    const whole = await changed('call', callId('next-1'), exclude, 'isla', { input: { callId: callId('next-1'), memberId: orgId('registro'), reason: 'Whole call' } }, clients, subs);
    expect(count()).toEqual({ isla: 3, tom: 0, grace: 0, eva: 0, max: 0 });
    await changed('call', callId('next-1'), invite, 'oliver', { s: segmentId('next-1/2'), m: orgId('registro') }, clients, subs);
    expect(count()).toEqual({ isla: 4, tom: 0, grace: 0, eva: 0, max: 0 });
    expect(subs.get('isla')!.received[3].data.callChanged.segments[1].invited.map((p: { name: string }) => p.name).sort()).toEqual([
      'Meridian Bank', 'NorthStar Broadband', 'Registro Global', 'Sentinel Security',
    ]);
    // ICO withdraws its objection to Registro, which now takes part in next-1/2: Tom and Eva see it invited, Registro
    // (Max) sees the call for the first time; Grace's view is unchanged.
    await changed('call', callId('next-1'), withdraw, 'isla', { id: whole.data.excludeFromCall.id }, clients, subs);
    expect(count()).toEqual({ isla: 5, tom: 1, grace: 0, eva: 1, max: 1 });
    expect(subs.get('max')!.received[0].data.callChanged.segments).toEqual([
      { title: 'Joint training: tracing zombie drones', invited: expect.arrayContaining([{ name: 'Registro Global' }]) },
    ]);
    expect(subs.get('max')!.received[0].data.callChanged.segments[0].invited.map((p: { name: string }) => p.name).sort()).toEqual([
      'Meridian Bank', 'Registro Global', 'Sentinel Security',
    ]);
    expect(subs.get('max')!.received[0].data.callChanged.exclusions).toBeNull();
    expect(subs.get('tom')!.received[0].data.callChanged.segments).toEqual(subs.get('max')!.received[0].data.callChanged.segments);
    // ICO withdraws its objection to NorthStar: it takes part in next-1/2 again (Grace sees it come back).
    const standing = await hub.gql(`{ call(id: "${callId('next-1')}") { exclusions { id reason } } }`, { as: cast.isla });
    const first = standing.body.data.call.exclusions.find((e: { reason: string }) => e.reason === 'First objection').id;
    await changed('call', callId('next-1'), withdraw, 'isla', { id: first }, clients, subs);
    expect(count()).toEqual({ isla: 6, tom: 2, grace: 1, eva: 2, max: 2 });
    expect(subs.get('grace')!.received[0].data.callChanged.segments.map((seg: { title: string }) => seg.title)).toEqual([
      'Joint training: tracing zombie drones', 'Botnet takedown coordination',
    ]);
    await closeAll(clients);
  });

  test('one request that changes several parts of a call announces each to whom it concerns: a late subscriber hears of the part it sees, and only of it', async () => {
    const selection = `subscription { callChanged { id segments { title minutes } } }`;
    const clients = await connect(['isla', 'tom', 'max']);
    const subs = await subscribeAll(clients, selection);
    const count = () => Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]));
    /** Runs one request and waits for its dispatch (its parts of the call, `events` of them, at once) and every payload. */
    const run = async (as: ViewerName, mutation: string, events: number) => {
      const before = [...subs.values()].reduce((n, sub) => n + sub.received.length, 0);
      const dispatched = dispatchesOf(dispatcher(), 'call', callId('next-1'), 1);
      const r = await hub.gql(mutation, { as: emailOf(as) });
      expect(r.body.errors).toBeUndefined();
      const reports = await dispatched;
      expect(reports.map((x) => x.events.length)).toEqual([events]);
      await receivedInAll([...clients.values()], [...subs.values()], before + reports.reduce((n, x) => n + x.delivered, 0));
    };
    const call = callId('next-1');
    // Registro is invited nowhere in next-1: two objections to it change only what agencies see.
    await run('isla', `mutation {
      a: excludeFromCall(input: { callId: "${call}", memberId: "${orgId('registro')}", reason: "Whole call" }) { id }
      b: excludeFromCall(input: { callId: "${call}", segmentId: "${segmentId('next-1/2')}", memberId: "${orgId('registro')}", reason: "One segment" }) { id }
    }`, 2);
    expect(count()).toEqual({ isla: 1, tom: 0, max: 0 });
    // Eva subscribes now. An objection only agencies see, then minutes of the segment Tom and Eva take part in, in one
    // request: the first event tells them nothing, the second the new minutes — once.
    const late = await connect(['eva']);
    for (const [name, sub] of await subscribeAll(late, selection)) subs.set(name, sub);
    for (const [name, client] of late) clients.set(name, client);
    await run('oliver', `mutation {
      a: excludeFromCall(input: { callId: "${call}", memberId: "${orgId('registro')}", reason: "Another" }) { id }
      b: recordMinutes(segmentId: "${segmentId('next-1/2')}", minutes: "Agreed: one list of command servers.") { id }
    }`, 2);
    expect(count()).toEqual({ isla: 2, tom: 1, max: 0, eva: 1 });
    for (const name of ['tom', 'eva'] as const) {
      expect(subs.get(name)!.received[0].data.callChanged.segments).toEqual([
        { title: 'Joint training: tracing zombie drones', minutes: 'Agreed: one list of command servers.' },
      ]);
    }
    await closeAll(clients);
  });

  test('a request that adds many law-enforcement-only segments to one call tells the private members nothing, and costs one dispatch: each part is its own event however many (past 20 they were announced as the call, delivered to every subscriber of it), dispatched together', async () => {
    const clients = await connect(['isla', 'tom', 'grace']);
    const subs = await subscribeAll(clients, `subscription { callChanged { id segments { title } } }`);
    const call = callId('next-1');
    const adds = Array.from({ length: 25 }, (_, i) => `s${i}: addSegment(input: { callId: "${call}", audience: LAW_ENFORCEMENT_ONLY, title: "Agencies only ${i}", topic: CASES }) { id }`);
    const dispatched = dispatchesOf(dispatcher(), 'call', call, 1);
    const r = await hub.gql(`mutation { ${adds.join(' ')} }`, { as: cast.ann });
    expect(r.body.errors).toBeUndefined();
    const reports = await dispatched;
    // One dispatch for the 25 parts: one resolution per group of subscribers, one statement for whether any concerns it.
    expect(reports.map((x) => x.events.length)).toEqual([25]);
    expect(reports[0].events.every((e) => e.segment !== undefined)).toBe(true);
    await receivedInAll([...clients.values()], [...subs.values()], reports.reduce((n, x) => n + x.delivered, 0));
    expect(Object.fromEntries([...subs].map(([v, sub]) => [v, sub.received.length]))).toEqual({ isla: 1, tom: 0, grace: 0 });
    expect(subs.get('isla')!.received[0].data.callChanged.segments.filter((seg: { title: string }) => seg.title.startsWith('Agencies only'))).toHaveLength(25);
    await closeAll(clients);
  });

  test('an exclusion cuts the excluded member’s stream; the others see the segment without it', async () => {
    const clients = await connect(['isla', 'grace', 'tom', 'max']);
    const subs = await subscribeAll(clients, query, { id: callId('next-1') });
    const { data } = await changed(
      'call',
      callId('next-1'),
      `mutation($input: ExcludeFromCallInput!) { excludeFromCall(input: $input) { id } }`,
      'isla',
      { input: { callId: callId('next-1'), segmentId: segmentId('next-1/2'), memberId: orgId('northstar'), reason: 'Conflict of interest' } },
      clients,
      subs,
    );
    expect(data.excludeFromCall.id).toBeDefined();
    expect(subs.get('grace')!.received).toEqual([]);
    expect(subs.get('max')!.received).toEqual([]);
    const invitedForTom = subs.get('tom')!.received[0].data.callChanged.segments[0].invited.map((p: { name: string }) => p.name);
    expect(invitedForTom).not.toContain('NorthStar Broadband');
    // Agencies see the exclusion, and every invited member, excluded ones too.
    const forIsla = subs.get('isla')!.received[0].data.callChanged;
    expect(forIsla.exclusions.map((e: { reason: string }) => e.reason)).toContain('Conflict of interest');
    expect(forIsla.segments[1].invited.map((p: { name: string }) => p.name)).toContain('NorthStar Broadband');
    // Later changes to the call: never to Grace again.
    await changed(
      'call',
      callId('next-1'),
      `mutation($id: ID!, $m: String!) { recordMinutes(segmentId: $id, minutes: $m) { id } }`,
      'oliver',
      { id: segmentId('next-1/2'), m: 'Minutes after the exclusion.' },
      clients,
      subs,
    );
    expect(subs.get('grace')!.received).toEqual([]);
    expect(subs.get('tom')!.received).toHaveLength(2);
    await closeAll(clients);
  });
});

describe('assistanceRequestChanged and earlyWarningPublished', () => {
  beforeEach(() => hub.reset());

  test('an assistance request reaches requester, recipient and coordinators, each with their parts', async () => {
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, `subscription { assistanceRequestChanged { title status details { description } } }`);
    const { data } = await changed(
      'assistance',
      undefined,
      `mutation($input: RequestAssistanceInput!) { requestAssistance(input: $input) { id } }`,
      'isla',
      {
        input: {
          recipientId: orgId('northstar'), title: 'Subscriber data for a spam run', description: 'Who held 10.1.2.3 on 1 May?',
          categories: ['SPAM'], victimCount: 100, estimatedLossUsd: 1000,
        },
      },
      clients,
      subs,
    );
    const parties = { data: { assistanceRequestChanged: { title: 'Subscriber data for a spam run', status: 'OPEN', details: { description: 'Who held 10.1.2.3 on 1 May?' } } } };
    const coordinator = {
      data: { assistanceRequestChanged: { title: 'Subscriber data for a spam run', status: 'OPEN', details: null } },
      extensions: { redacted: [{ path: 'assistanceRequestChanged.details', code: 'FORBIDDEN', count: 1 }] },
    };
    const expected = Object.fromEntries(
      viewers.map((v) => [v, v === 'isla' || v === 'grace' ? [parties] : ['ann', 'ben', 'oliver'].includes(v) ? [coordinator] : []]),
    );
    expect(received(subs)).toEqual(expected);
    // The recipient acknowledges: the same people hear of it.
    await changed('assistance', data.requestAssistance.id, `mutation($id: ID!) { acknowledgeRequest(id: $id) { id } }`, 'grace', { id: data.requestAssistance.id }, clients, subs);
    const second = Object.entries(received(subs)).filter(([, list]) => list.length === 2).map(([v]) => v).sort();
    expect(second).toEqual(['ann', 'ben', 'grace', 'isla', 'oliver']);
    expect(subs.get('grace')!.received[1].data.assistanceRequestChanged.status).toBe('ACKNOWLEDGED');
    await closeAll(clients);
  });

  const publish = `mutation($input: PublishReportInput!) { publishReport(input: $input) { id } }`;
  const members = viewers.filter((v) => v !== 'anonymous' && v !== 'paulo');
  const agencies: ViewerName[] = ['ann', 'ben', 'oliver', 'isla', 'liam', 'minjun', 'emeka', 'claire'];
  test.each<[string, string[], ViewerName[]]>([
    ['CLEAR', [], viewers],
    ['GREEN', [], members],
    ['AMBER', [personId(cast.priya)], [...agencies, 'grace', 'priya']],
    ['RED', [personId(cast.tom)], ['grace', 'tom']],
  ])('an early warning at TLP:%s reaches exactly who may read it', async (tlp, recipientIds, readers) => {
    const clients = await connect(viewers);
    const subs = await subscribeAll(clients, `subscription { earlyWarningPublished { title tlp } }`);
    await changed('earlyWarning', undefined, publish, 'grace', { input: { kind: 'EARLY_WARNING', title: `Warning ${tlp}`, body: 'x', tlp, recipientIds } }, clients, subs);
    const expected = Object.fromEntries(viewers.map((v) => [v, readers.includes(v) ? [{ data: { earlyWarningPublished: { title: `Warning ${tlp}`, tlp } } }] : []]));
    expect(received(subs)).toEqual(expected);
    await closeAll(clients);
  });

  test('a report of another kind is no early warning: no event', async () => {
    const clients = await connect(['ann']);
    const subs = await subscribeAll(clients, `subscription { earlyWarningPublished { title } }`);
    const r = await hub.gql(publish, { as: cast.grace, variables: { input: { kind: 'TECHNOLOGY_TREND', title: 'Trend', body: 'x', tlp: 'CLEAR' } } });
    expect(r.body.errors).toBeUndefined();
    // A later early warning is the first thing Ann receives.
    await changed('earlyWarning', undefined, publish, 'grace', { input: { kind: 'EARLY_WARNING', title: 'Only this', body: 'x', tlp: 'CLEAR' } }, clients, subs);
    expect(subs.get('ann')!.received).toEqual([{ data: { earlyWarningPublished: { title: 'Only this' } } }]);
    await closeAll(clients);
  });
});

describe('identity', () => {
  beforeEach(() => hub.reset());

  test.each([
    ['a malformed token', { authorization: 'Bearer nonsense' }, 'The token is not valid'],
    ['a token signed with another secret', { authorization: 'Bearer ' }, 'The token is not valid'],
    ['an authorization that is not a string', { authorization: 42 }, AUTHORIZATION_NOT_ONE_STRING],
    ['a malformed token under another spelling of the key', { AUTHORIZATION: 'Bearer nonsense' }, 'The token is not valid'],
    ['an empty authorization, then a good token under another spelling', { authorization: '', Authorization: 'Bearer <ann>' }, AUTHORIZATION_NOT_ONE_STRING],
    ['a header that is no bearer credential', { authorization: 'Basic YW5uOnB3' }, 'The Authorization header must be "Bearer <token>"'],
    ['a token under a key the hub does not read', { token: 'Bearer nonsense' }, misplacedCredentialReason('token')],
    ['an API key in the headers under a key the hub does not read', { headers: { 'X-API-Key': 'lapk_abcdefgh_x' } }, misplacedCredentialReason('headers.X-API-Key')],
    ['authorization both in the payload and in its headers', { authorization: 'Bearer a', headers: { Authorization: 'Bearer b' } }, AUTHORIZATION_NOT_ONE_STRING],
    // Shapes that were taken as anonymous, a credential in them silently dropped.
    ['headers named twice, in two cases', { headers: { authorization: 'Bearer a' }, Headers: {} }, AUTHORIZATION_NOT_ONE_STRING],
    ['headers as a list of pairs', { headers: [['Authorization', 'Bearer a']] }, AUTHORIZATION_NOT_ONE_STRING],
    ['a key that holds a credential', { 'x-auth-token': 'a' }, misplacedCredentialReason('x-auth-token')],
    ['Authentication', { Authentication: 'Bearer a' }, misplacedCredentialReason('Authentication')],
    ['a session token', { sessionToken: 'a' }, misplacedCredentialReason('sessionToken')],
    ['a cookie in the headers', { headers: { Cookie: 'sid=a' } }, misplacedCredentialReason('headers.Cookie')],
    ['authorization with a space after it', { 'authorization ': 'Bearer a' }, misplacedCredentialReason('authorization ')],
    ['a wrapper around authorization', { connectionParams: { authorization: 'Bearer a' } }, misplacedCredentialReason('connectionParams.authorization')],
    // A value that is a credential, under any key or in a list.
    ['an API key under a key of its own', { hub: 'lapk_abcdefgh_xyz' }, misplacedCredentialReason('hub')],
    ['a bearer token in a list', { list: ['Bearer eyJhbGciOi.eyJzdWIiOi.sig'] }, misplacedCredentialReason('list.0')],
  ])('%s closes the connection with 4403 after connection_init, saying why as an HTTP request is told', async (_what, params, reason) => {
    let p = params as Record<string, unknown>;
    if (p.Authorization === 'Bearer <ann>') p = { ...p, Authorization: `Bearer ${await hub.tokenFor(personId(cast.ann), cast.ann)}` };
    if (p.authorization === 'Bearer ') {
      const forged = await new SignJWT({ email: cast.ann })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(personId(cast.ann))
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
      p = { authorization: `Bearer ${forged}` };
    }
    const { client, acknowledged } = await LiveClient.connect(hub.url, p);
    expect(acknowledged).toBe(false);
    expect(await client.closed).toEqual({ code: 4403, reason });
    expect(hub.hub.live.server.connections).toBe(0);
  });

  test('a token that has expired, or is for nobody the hub knows, is refused at connection_init with the reason', async () => {
    const signed = (claims: { email: string; sub: string }, exp: number) =>
      new SignJWT({ email: claims.email }).setProtectedHeader({ alg: 'HS256' }).setSubject(claims.sub).setExpirationTime(exp).sign(new TextEncoder().encode(TEST_SECRET));
    const expired = await signed({ email: cast.ann, sub: personId(cast.ann) }, Math.floor(Date.now() / 1000) - 60);
    const nobody = await signed({ email: 'nobody@nowhere.example', sub: '00000000-0000-4000-8000-000000000000' }, Math.floor(Date.now() / 1000) + 600);
    for (const [token, reason] of [[expired, 'The token has expired'], [nobody, 'The token is for no known person']]) {
      const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: `Bearer ${token}` });
      expect(acknowledged).toBe(false);
      expect(await client.closed).toEqual({ code: 4403, reason });
    }
    expect(hub.hub.live.server.connections).toBe(0);
  });

  test.each([
    ['the same key twice', (a: string, b: string) => `{"type":"connection_init","payload":{"authorization":"${a}","authorization":"${b}"}}`],
    ['the key twice, once written with an escape', (a: string, b: string) => `{"type":"connection_init","payload":{"authorization":"${a}","\\u0061uthorization":"${b}"}}`],
    ['the payload twice', (a: string, b: string) => `{"type":"connection_init","payload":{"authorization":"${a}"},"payload":{"authorization":"${b}"}}`],
    ['the payload twice, the last one empty', (a: string) => `{"type":"connection_init","payload":{"authorization":"${a}"},"payload":{}}`],
    ['the headers twice, the last one empty', (a: string) => `{"type":"connection_init","payload":{"headers":{"authorization":"${a}"},"headers":{}}}`],
  ])('a connection_init naming authorization twice as written (%s: parsing keeps the last) closes with 4403', async (_what, text) => {
    const [grace, tom] = [`Bearer ${await hub.tokenFor(personId(cast.grace), cast.grace)}`, `Bearer ${await hub.tokenFor(personId(cast.tom), cast.tom)}`];
    const { client, acknowledged } = await LiveClient.connect(hub.url, {}, text(grace, tom));
    expect(acknowledged).toBe(false);
    expect(await client.closed).toEqual({ code: 4403, reason: AUTHORIZATION_NOT_ONE_STRING });
    expect(hub.hub.live.server.connections).toBe(0);
    // Named once, as written, the same token is taken.
    const once = await LiveClient.connect(hub.url, {}, `{"type":"connection_init","payload":{"authorization":"${tom}"}}`);
    opened.add(once.client);
    expect(once.acknowledged).toBe(true);
  });

  test('keys that hold no credential are the client’s own: acknowledged, the authorization beside them counts', async () => {
    const token = `Bearer ${await hub.tokenFor(personId(cast.tom), cast.tom)}`;
    for (const params of [
      { author: 'Ann' },
      { authorization: token, authorId: 7, authorizedOnly: true, publicKey: 'abc', cacheKey: 'v2', sessionLocale: 'en-GB', monkey: 1 },
      { authorization: token, client: { name: 'dash', sessionId: 'abc' } },
      { headers: { Authorization: token, 'x-session-id': 'abc', 'x-api-key': 'd41d8cd98f00b204e9800998ecf8427e' } },
    ]) {
      const { client, acknowledged } = await LiveClient.connect(hub.url, params);
      opened.add(client);
      expect([params, acknowledged]).toEqual([params, true]);
    }
  });

  test('a credential only on the upgrade request, beside an empty authorization in connection_init: refused, not anonymous', async () => {
    const token = `Bearer ${await hub.tokenFor(personId(cast.tom), cast.tom)}`;
    const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: '' }, undefined, { authorization: token });
    expect(acknowledged).toBe(false);
    // Whole: a close reason holds 123 bytes, and the end of the sentence (where the credential was) used to be cut.
    expect(await client.closed).toEqual({ code: 4403, reason: `Put the credential in connection_init's payload.authorization ("Bearer <token>"), not in the upgrade's Authorization header` });
  });

  test('a credential in another header of the upgrade request: the close reason names that header whole', async () => {
    const token = `Bearer ${await hub.tokenFor(personId(cast.tom), cast.tom)}`;
    const { client, acknowledged } = await LiveClient.connect(hub.url, {}, undefined, { 'x-api-key': token });
    expect(acknowledged).toBe(false);
    expect(await client.closed).toEqual({ code: 4403, reason: `Put the credential in connection_init's payload.authorization ("Bearer <token>"), not in the upgrade's x-api-key header` });
  });

  test('a connection_init nested too deeply to read closes with 4403 saying so, not an internal error', async () => {
    const text = `{"type":"connection_init","payload":{"x":${'['.repeat(100000)}${']'.repeat(100000)}}}`;
    const { client, acknowledged } = await LiveClient.connect(hub.url, {}, text);
    expect(acknowledged).toBe(false);
    expect(await client.closed).toEqual({ code: 4403, reason: INIT_MESSAGE_UNREADABLE });
  });

  test.each([
    ['the authorization key in any case is the credential (as an HTTP header name)', (bearer: string) => ({ AUTHORIZATION: bearer })],
    ['the authorization of the payload’s headers is the credential too (as some clients send it)', (bearer: string) => ({ headers: { Authorization: bearer } })],
  ])('%s', async (_what, params) => {
    const { client, acknowledged } = await LiveClient.connect(hub.url, params(`Bearer ${await hub.tokenFor(personId(cast.tom), cast.tom)}`));
    opened.add(client);
    expect(acknowledged).toBe(true);
    const subs = new Map([['tom' as ViewerName, client.subscribe(`subscription { caseChanged { reference } }`)]]);
    await subscribed(dispatcher(), 1);
    // FTC's RED phishing-kit case names Tom: anonymous would not hear of it.
    await changed('case', caseId('FTC-2004-021'), updateCase, 'ann', { id: caseId('FTC-2004-021'), input: { title: 'Renamed' } }, new Map([['tom' as ViewerName, client]]), subs);
    expect(received(subs)).toEqual({ tom: [{ data: { caseChanged: { reference: 'FTC-2004-021' } } }] });
  });

  test('without a token the subscriber is anonymous: CLEAR cases only', async () => {
    const clients = await connect(['anonymous']);
    const subs = await subscribeAll(clients, `subscription { caseChanged { reference } }`);
    await changed('case', caseId('OFT-2004-003'), updateCase, 'oliver', { id: caseId('OFT-2004-003'), input: { title: 'Green one' } }, clients, subs);
    await changed('case', caseId('FTC-2004-017'), updateCase, 'ann', { id: caseId('FTC-2004-017'), input: { title: 'Clear one' } }, clients, subs);
    expect(received(subs)).toEqual({ anonymous: [{ data: { caseChanged: { reference: 'FTC-2004-017' } } }] });
    await closeAll(clients);
  });

  test('when the token expires the server closes the socket with 4403 "token expired"', async () => {
    const token = await new SignJWT({ email: cast.grace })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(personId(cast.grace))
      .setExpirationTime(Math.floor(Date.now() / 1000) + 2)
      .sign(new TextEncoder().encode(TEST_SECRET));
    const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: `Bearer ${token}` });
    expect(acknowledged).toBe(true);
    client.subscribe(`subscription { caseChanged { reference } }`);
    await subscribed(dispatcher(), 1);
    expect(await client.closed).toEqual({ code: 4403, reason: 'token expired' });
    await unsubscribedAll(dispatcher());
    await hub.hub.live.server.drained();
    expect(hub.hub.live.server.connections).toBe(0);
  });

  test('a membership that ended is checked at the next delivery: the viewer is anonymous from then on', async () => {
    const clients = await connect(['grace']);
    const subs = await subscribeAll(clients, `subscription { caseChanged { reference } }`);
    await hub.ds.query(`UPDATE participant SET status = 'WITHDRAWN' WHERE id = $1`, [orgId('northstar')]);
    await changed('case', caseId('OFT-2004-003'), updateCase, 'oliver', { id: caseId('OFT-2004-003'), input: { title: 'Green, unseen' } }, clients, subs);
    await changed('case', caseId('FTC-2004-017'), updateCase, 'ann', { id: caseId('FTC-2004-017'), input: { title: 'Clear, seen' } }, clients, subs);
    expect(received(subs)).toEqual({ grace: [{ data: { caseChanged: { reference: 'FTC-2004-017' } } }] });
    await closeAll(clients);
  });

  test('a person who left the network hears nothing from then on, and the credential sweep closes their connection', async () => {
    const clients = await connect(['priya', 'grace']);
    const subs = await subscribeAll(clients, `subscription { caseChanged { reference } }`);
    await hub.ds.query(`UPDATE person SET left_at = now() WHERE id = $1`, [personId(cast.priya)]);
    const { report } = await changed('case', caseId('FTC-2004-017'), updateCase, 'ann', { id: caseId('FTC-2004-017'), input: { title: 'Clear, heard by members' } }, clients, subs);
    expect(report.delivered).toBe(1);
    expect(received(subs)).toEqual({ priya: [], grace: [{ data: { caseChanged: { reference: 'FTC-2004-017' } } }] });
    await dispatcher().sweep();
    expect(await clients.get('priya')!.closed).toEqual({ code: 4403, reason: 'the person has left the network' });
    expect(clients.get('grace')!.socket.readyState).toBe(1); // OPEN
    clients.delete('priya');
    await closeAll(clients);
  });

  test('only subscriptions run over WebSocket; queries are refused with an error, the connection stays', async () => {
    const clients = await connect(['ann']);
    const client = clients.get('ann')!;
    const sub = client.subscribe(`{ me { kind } }`);
    await client.until(() => sub.errors !== null);
    expect(sub.errors).toEqual([expect.objectContaining({ extensions: { code: 'BAD_REQUEST' } })]);
    const bad = client.subscribe(`subscription { caseChanged { nope } }`);
    await client.until(() => bad.errors !== null);
    expect(bad.errors![0].message).toMatch(/Cannot query field "nope"/);
    await closeAll(clients);
  });

  test('a subscription’s mistakes carry the codes an HTTP request gets: parse, validation, variables, text that cannot be stored', async () => {
    const clients = await connect(['ann']);
    const client = clients.get('ann')!;
    const cases: Array<[string, Record<string, unknown>, string, string?]> = [
      [`subscription { caseChanged { reference }`, {}, 'GRAPHQL_PARSE_FAILED'],
      [`subscription { caseChanged(id: ${'['.repeat(2490)}"x"${']'.repeat(2490)}) { reference } }`, {}, 'GRAPHQL_PARSE_FAILED',
        'Syntax Error: the document nests too deeply to be read (selections nest at most 12 levels, values written in the query at most 32)'],
      [`subscription { caseChanged { nope } }`, {}, 'GRAPHQL_VALIDATION_FAILED'],
      [`subscription($id: ID) { caseChanged(id: $id) { reference } }`, { id: { not: 'an id' } }, 'BAD_USER_INPUT', 'id: ID cannot represent value: { not: "an id" }'],
      [`subscription($id: ID!) { caseChanged(id: $id) { reference } }`, {}, 'BAD_USER_INPUT', 'id: is required (ID!)'],
      [`subscription($id: ID) { caseChanged(id: $id) { reference } }`, { id: 'a\u0000b' }, 'BAD_USER_INPUT', 'id: must not contain a NUL character (U+0000)'],
    ];
    for (const [query, variables, code, message] of cases) {
      const sub = client.subscribe(query, variables);
      await client.until(() => sub.errors !== null);
      expect(sub.errors!.map((e) => e.extensions?.code)).toEqual([code]);
      if (message) expect(sub.errors![0].message).toBe(message);
    }
    expect(dispatcher().subscribers).toBe(0);
    await closeAll(clients);
  });

  test('an operation that cannot be told is OPERATION_RESOLUTION_FAILURE in Apollo\'s words, as over HTTP', async () => {
    const clients = await connect(['ann']);
    const client = clients.get('ann')!;
    const two = client.subscribe(`subscription A { caseChanged { id } } subscription B { callChanged { id } }`);
    const unknown = client.subscribe(`subscription A { caseChanged { id } }`, {}, 'B');
    await client.until(() => two.errors !== null && unknown.errors !== null);
    expect([two.errors, unknown.errors]).toEqual([
      [{ message: 'Must provide operation name if query contains multiple operations.', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }],
      [{ message: 'Unknown operation named "B".', extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } }],
    ]);
    expect(dispatcher().subscribers).toBe(0);
    await closeAll(clients);
  });

  // A skipped root field never runs: its `{}` would tell the subscriber that a row it may not see changed.
  test.each([
    ['on the field', `subscription { a: caseChanged @skip(if: true) { reference } }`, {}],
    ['@include on the field', `subscription { caseChanged @include(if: false) { reference } }`, {}],
    ['from a variable', `subscription($s: Boolean!) { caseChanged @skip(if: $s) { reference } }`, { s: false }],
    ['on an inline fragment', `subscription { ... on Subscription @skip(if: true) { caseChanged { reference } } }`, {}],
    ['on a fragment spread', `subscription { ...F @skip(if: true) } fragment F on Subscription { callChanged { title } }`, {}],
    ['inside a fragment', `subscription { ...F } fragment F on Subscription { earlyWarningPublished @include(if: false) { id } }`, {}],
  ])('@skip or @include on the root level of a subscription is refused (%s); the subscription never starts', async (_how, query, variables) => {
    const clients = await connect(['anonymous', 'grace']);
    for (const client of clients.values()) {
      const before = dispatcher().subscribers;
      const sub = client.subscribe(query, variables);
      await client.until(() => sub.errors !== null);
      expect(sub.errors).toEqual([
        expect.objectContaining({
          message: 'A subscription’s root field cannot be conditional: @skip and @include are not allowed on its top level',
          extensions: { code: 'BAD_USER_INPUT' },
        }),
      ]);
      expect(dispatcher().subscribers).toBe(before);
    }
    await closeAll(clients);
  });

  test('@skip below the root field is the subscriber’s to use: it shapes the payload, not who receives it', async () => {
    await hub.reset();
    const clients = await connect(['anonymous', 'grace', 'ann']);
    const subs = await subscribeAll(clients, `subscription { caseChanged { reference title @skip(if: true) } }`);
    await changed('case', caseId('FTC-2004-021'), updateCase, 'ann', { id: caseId('FTC-2004-021'), input: { title: 'Renamed' } }, clients, subs);
    expect(received(subs)).toEqual({ anonymous: [], grace: [], ann: [{ data: { caseChanged: { reference: 'FTC-2004-021' } } }] });
    await closeAll(clients);
  });
});

describe('cost and cleanup', () => {
  beforeEach(() => hub.reset());

  test('clients that send a burst of subscriptions and leave at once: nothing on standard error (graphql-ws printed a stack per message it could not send), the hub whole', async () => {
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      const valid = 'subscription { caseChanged { reference } }';
      const invalid = 'subscription { caseChanged { reference nope } }';
      await Promise.all(
        Array.from({ length: 20 }, (_, c) =>
          new Promise<void>((resolve) => {
            const socket = new WebSocket(hub.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
            socket.on('error', () => undefined);
            socket.on('close', () => resolve());
            socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
            socket.once('message', () => {
              for (let i = 0; i < 30; i++) socket.send(JSON.stringify({ id: String(i), type: 'subscribe', payload: { query: c % 2 ? valid : invalid } }));
              // Gone without a close frame, while the hub answers those messages.
              (socket as unknown as { _socket: { destroy(): void } })._socket.destroy();
            });
          }),
        ),
      );
      await hub.hub.live.server.drained();
      await unsubscribedAll(dispatcher());
      expect(hub.hub.live.server.connections).toBe(0);
      expect(printed.mock.calls.map((args) => String(args[0]))).toEqual([]);
    } finally {
      printed.mockRestore();
    }
    const r = await hub.gql(`{ me { kind } }`);
    expect(r.body).toEqual({ data: { me: { kind: 'ANONYMOUS' } } });
  });

  test('a connection holds at most 50 subscriptions at once: the 51st is refused (BAD_REQUEST) until one completes', async () => {
    const clients = await connect(['anonymous']);
    const client = clients.get('anonymous')!;
    const subs = Array.from({ length: 50 }, (_, i) => client.subscribe(`subscription { s${i}: caseChanged { reference } }`));
    await subscribed(dispatcher(), 50);
    const refused = client.subscribe(`subscription { more: caseChanged { reference } }`);
    await client.until(() => refused.errors !== null);
    expect(refused.errors).toEqual([
      expect.objectContaining({ message: 'A connection holds at most 50 subscriptions at once: complete one before starting another', extensions: { code: 'BAD_REQUEST' } }),
    ]);
    expect(dispatcher().subscribers).toBe(50);
    client.complete(subs[0]);
    await new Promise<void>((resolve) => {
      const check = () => (dispatcher().subscribers === 49 ? resolve() : setTimeout(check, 5));
      check();
    });
    client.subscribe(`subscription { again: caseChanged { reference } }`);
    await subscribed(dispatcher(), 50);
    expect(dispatcher().subscribers).toBe(50);
    await closeAll(clients);
  });

  test('an event costs the same SQL statements for 1 and for 30 subscribers of one viewer and selection (one group)', async () => {
    const one = await connect(['isla']);
    const subsOne = await subscribeAll(one, `subscription { caseChanged { reference title } }`);
    const first = await changed('case', caseId('FTC-2004-017'), updateCase, 'ann', { id: caseId('FTC-2004-017'), input: { title: 'One subscriber' } }, one, subsOne);
    expect(first.report).toMatchObject({ subscribers: 1, groups: 1, delivered: 1 });
    const many = new Map<ViewerName, LiveClient>();
    const subsMany = new Map<ViewerName, LiveSubscription>();
    for (let i = 0; i < 29; i++) {
      const [[, client]] = [...(await connect(['isla']))];
      many.set(`isla-${i}` as ViewerName, client);
      subsMany.set(`isla-${i}` as ViewerName, client.subscribe(`subscription { caseChanged { reference title } }`));
    }
    await subscribed(dispatcher(), 30);
    const all = new Map([...one, ...many]);
    const allSubs = new Map([...subsOne, ...subsMany]);
    const second = await changed('case', caseId('FTC-2004-017'), updateCase, 'ann', { id: caseId('FTC-2004-017'), input: { title: 'Thirty subscribers' } }, all, allSubs);
    expect(second.report).toMatchObject({ subscribers: 30, groups: 1, delivered: 30 });
    expect(second.report.statements).toBe(first.report.statements);
    await closeAll(all);
  });

  test('a rolled-back mutation emits nothing: a document whose second field is refused is rolled back in full, the first field’s event with it', async () => {
    const clients = await connect(['ann']);
    const subs = await subscribeAll(clients, `subscription { caseChanged { reference title } }`);
    // The second mutation is refused (Ann does not lead the OFT case): the answer is data: null, so the whole document
    // is rolled back, the first field's write and its event included.
    const r = await hub.gql(
      `mutation { a: updateCase(id: "${caseId('FTC-2004-017')}", input: { title: "Undone" }) { id } b: updateCase(id: "${caseId('OFT-2004-003')}", input: { title: "Refused" }) { id } }`,
      { as: cast.ann },
    );
    expect({ data: r.body.data, codes: r.body.errors?.map((e: { extensions?: { code?: string } }) => e.extensions?.code) }).toEqual({ data: null, codes: ['FORBIDDEN'] });
    // The next change's event is the first and only one the subscriber receives.
    const report = dispatchOf(dispatcher(), 'case');
    const next = await hub.gql(updateCase, { as: cast.ann, variables: { id: caseId('FTC-2004-017'), input: { title: 'Kept' } } });
    expect(next.body.errors).toBeUndefined();
    const done = await report;
    expect(done.event.id).toBe(caseId('FTC-2004-017'));
    await receivedInAll([...clients.values()], [...subs.values()], done.delivered);
    await hub.hub.live.dispatcher.idle();
    expect(received(subs)).toEqual({ ann: [{ data: { caseChanged: { reference: 'FTC-2004-017', title: 'Kept' } } }] });
    await closeAll(clients);
  });

  test('1,000 connect/subscribe/disconnect cycles, some mid-delivery, leave no subscriber, connection or listener behind', async () => {
    const listenersBefore = dispatcher().listenerCount('subscribed') + dispatcher().listenerCount('unsubscribed') + dispatcher().listenerCount('dispatched');
    const token = await hub.tokenFor(personId(cast.isla), cast.isla);
    const cycle = async (i: number) => {
      const { client, acknowledged } = await LiveClient.connect(hub.url, i % 2 ? { authorization: `Bearer ${token}` } : {});
      expect(acknowledged).toBe(true);
      client.subscribe(`subscription { caseChanged { reference title } }`);
      if (i % 3 === 0) client.subscribe(`subscription($id: ID) { callChanged(id: $id) { title } }`, { id: callId('next-1') });
      await client.close();
    };
    for (let batch = 0; batch < 50; batch++) {
      const cycles = Array.from({ length: 20 }, (_, i) => cycle(batch * 20 + i));
      // Every fifth batch, a change is delivered while those subscribers come and go.
      if (batch % 5 === 0) cycles.push(hub.gql(updateCase, { as: cast.ann, variables: { id: caseId('FTC-2004-017'), input: { title: `Title ${batch}` } } }).then(() => undefined));
      await Promise.all(cycles);
    }
    await dispatcher().idle();
    await unsubscribedAll(dispatcher());
    await dispatcher().idle();
    await hub.hub.live.server.drained();
    expect(dispatcher().subscribers).toBe(0);
    expect(hub.hub.live.server.connections).toBe(0);
    const listenersAfter = dispatcher().listenerCount('subscribed') + dispatcher().listenerCount('unsubscribed') + dispatcher().listenerCount('dispatched');
    expect(listenersAfter).toBe(listenersBefore);
   }, 240_000); // about 15 s alone; generous for a loaded machine
});

describe('across instances', () => {
  beforeEach(() => hub.reset());

  test('a change made through one hub reaches the subscribers of another hub on the same database', async () => {
    const other = await startSiblingHub(hub);
    try {
      const clients = await connect(['isla', 'grace'], other);
      const subs = await subscribeAll(clients, `subscription($id: ID) { caseChanged(id: $id) { reference title } }`, { id: caseId('ACMA-2004-011') }, other);
      // The mutation goes to `hub`; the subscribers are on `other`.
      await changed('case', caseId('ACMA-2004-011'), updateCase, 'liam', { id: caseId('ACMA-2004-011'), input: { title: 'Across' } }, clients, subs, other);
      expect(received(subs)).toEqual({
        isla: [{ data: { caseChanged: { reference: 'ACMA-2004-011', title: 'Across' } } }],
        grace: [{ data: { caseChanged: { reference: 'ACMA-2004-011', title: 'Across' } } }],
      });
      for (const c of clients.values()) await c.close();
      await unsubscribedAll(other.hub.live.dispatcher);
    } finally {
      await other.close();
    }
  });
});

const onPostgres = process.env.LAPHUB_TEST_DB_KIND === 'postgres' ? describe : describe.skip;
onPostgres('on a PostgreSQL server: LISTEN/NOTIFY', () => {
  beforeEach(() => hub.reset());

  test('the notifications between instances carry ids only, and none for a refused mutation', async () => {
    const listener = new pg.Client(poolOf(hub.ds).options as pg.ClientConfig);
    await listener.connect();
    const payloads: string[] = [];
    listener.on('notification', (m) => payloads.push(m.payload ?? ''));
    await listener.query('LISTEN lap_live');
    try {
      const refused = await hub.gql(updateCase, { as: cast.isla, variables: { id: caseId('FTC-2004-017'), input: { title: 'Not hers to change' } } });
      expect(refused.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
      // A document whose first mutation was written and whose second was refused: answered data: null, rolled back in
      // full, so the first's event is dropped with it.
      const document = await hub.gql(
        `mutation($ok: ID!, $not: ID!) { first: updateCase(id: $ok, input: { title: "Renamed, then undone" }) { id } second: updateCase(id: $not, input: { title: "Not hers" }) { id } }`,
        { as: cast.ann, variables: { ok: caseId('FTC-2004-021'), not: caseId('ACMA-2004-011') } },
      );
      expect({ data: document.body.data, codes: document.body.errors?.map((e: { extensions?: { code?: string } }) => e.extensions?.code) }).toEqual({ data: null, codes: ['FORBIDDEN'] });
      const done = dispatchOf(dispatcher(), 'case', caseId('FTC-2004-021'));
      const r = await hub.gql(shareCase, {
        as: cast.ann,
        variables: { input: { caseId: caseId('FTC-2004-021'), participantId: orgId('meridian'), recipientIds: [personId(cast.tom), personId(cast.priya)] } },
      });
      expect(r.body.errors).toBeUndefined();
      await done;
      // The listener's own connection delivers in commit order: the share's notification is the only one. It replaced
      // Meridian's share naming Tom: its ids travel with it (whom it reached may have lost the tier), nothing else.
      await new Promise<void>((resolve) => (payloads.length ? resolve() : listener.once('notification', () => resolve())));
      expect(payloads.map((p) => JSON.parse(p))).toEqual([
        [{ topic: 'case', id: caseId('FTC-2004-021'), tier: true, formerShare: { participant: orgId('meridian'), recipients: [personId(cast.tom)] } }],
      ]);
    } finally {
      await listener.end();
    }
  });
});

onPostgres('on a PostgreSQL server: objections withdrawn at the same moment', () => {
  beforeEach(() => hub.reset());

  test('two agencies withdrawing their objections to one member at once: the second to commit sees the first, and the member hears it is back', async () => {
    const gql = async (as: string, query: string, variables: Record<string, unknown>) => {
      const r = await hub.gql(query, { as, variables });
      expect(r.body.errors).toBeUndefined();
      return r.body.data;
    };
    const exclude = `mutation($input: ExcludeFromCallInput!) { excludeFromCall(input: $input) { id } }`;
    // NorthStar takes part in a second segment of next-1 (Grace keeps seeing the call); ICO and CRTC object to it in next-1/2.
    const added = await gql(cast.oliver, `mutation($input: AddSegmentInput!) { addSegment(input: $input) { id } }`, {
      input: { callId: callId('next-1'), title: 'Botnet takedown coordination', topic: 'INVESTIGATIVE_TECHNIQUES', audience: 'PRIVATE_SECTOR_INVITED' },
    });
    await gql(cast.oliver, `mutation($s: ID!, $m: ID!) { inviteToSegment(segmentId: $s, memberId: $m) { id } }`, { s: added.addSegment.id, m: orgId('northstar') });
    const next2 = { callId: callId('next-1'), segmentId: segmentId('next-1/2'), memberId: orgId('northstar') };
    const ico = (await gql(cast.isla, exclude, { input: { ...next2, reason: 'First objection' } })).excludeFromCall.id;
    const crtc = (await gql(cast.claire, exclude, { input: { ...next2, reason: 'Second objection' } })).excludeFromCall.id;
    await dispatcher().idle();
    const clients = await connect(['grace']);
    const subs = await subscribeAll(clients, `subscription { callChanged { segments { title } } }`);

    // CRTC's withdrawal, in a transaction of its own that holds the lock withdrawals of NorthStar in next-1 take and
    // has not committed yet when ICO's withdrawal arrives.
    const other = new pg.Client(poolOf(hub.ds).options as pg.ClientConfig);
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT ${lockMemberInCall('$1', '$2')}`, [callId('next-1'), orgId('northstar')]);
      await other.query(`UPDATE call_exclusion SET withdrawn_at = now() WHERE id = $1`, [crtc]);
      const report = dispatchOf(dispatcher(), 'call', callId('next-1'));
      const withdrawn = hub.gql(`mutation($id: ID!) { withdrawExclusion(id: $id) { id } }`, { as: cast.isla, variables: { id: ico } });
      // ICO's withdrawal waits for the lock …
      await untilWaiting(other);
      expect(await waitingOn(other)).toBe(1);
      // … and once CRTC's commits, sees it: NorthStar takes part in next-1/2 again, and Grace is told.
      await other.query('COMMIT');
      expect((await withdrawn).body.errors).toBeUndefined();
      const done = await report;
      expect(done.event).toMatchObject({ exclusion: ico, member: orgId('northstar'), participants: [segmentId('next-1/2')] });
      await receivedInAll([...clients.values()], [...subs.values()], done.delivered);
      expect(subs.get('grace')!.received).toEqual([
        { data: { callChanged: { segments: [{ title: 'Joint training: tracing zombie drones' }, { title: 'Botnet takedown coordination' }] } } },
      ]);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.end();
      await closeAll(clients);
    }
  });
});

onPostgres('on a PostgreSQL server: connections the server ends (a restart)', () => {
  beforeEach(() => hub.reset());

  /** The backends of this test's database running `LISTEN lap_live`: the hubs' live-events connections. */
  async function listeners(): Promise<number[]> {
    const rows: Array<{ pid: number }> = await hub.ds.query(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN lap_live' ORDER BY pid`,
    );
    return rows.map((r) => r.pid);
  }

  test('a connection ended while a request holds it leaves the process running: its next statement is refused, the pool goes on', async () => {
    const pool = poolOf(hub.ds);
    const held = await pool.connect();
    // What kept the process alive: pg-pool listens for errors of idle connections only.
    expect(held.listenerCount('error')).toBe(1);
    const [{ pid }] = (await held.query('SELECT pg_backend_pid() AS pid')).rows;
    const ended = new Promise((resolve) => held.once('end', resolve));
    expect(await hub.ds.query('SELECT pg_terminate_backend($1) AS done', [pid])).toEqual([{ done: true }]);
    await ended;
    await expect(held.query('SELECT 1')).rejects.toThrow('Client has encountered a connection error and is not queryable');
    held.release(true);
    const r = await hub.gql(`{ case(id: "${caseId('FTC-2004-017')}") { reference } }`, { as: cast.ann });
    expect(r.body).toEqual({ data: { case: { reference: 'FTC-2004-017' } } });
  });

  test('the live-events connection ended by the server is listening again, and events flow', async () => {
    const [before] = await listeners();
    expect(before).toEqual(expect.any(Number));
    const clients = await connect(['ann']);
    const subs = await subscribeAll(clients, `subscription($id: ID) { caseChanged(id: $id) { reference title } }`, { id: caseId('FTC-2004-017') });
    await hub.ds.query('SELECT pg_terminate_backend($1)', [before]);
    // The bus reconnects by itself (after 250 ms): wait for its new LISTEN.
    let after: number[] = [];
    while (after.length === 0 || after.includes(before)) after = await listeners();
    expect(after).toEqual([expect.any(Number)]);
    await changed('case', caseId('FTC-2004-017'), updateCase, 'ann', { id: caseId('FTC-2004-017'), input: { title: 'After the restart' } }, clients, subs);
    expect(received(subs)).toEqual({ ann: [{ data: { caseChanged: { reference: 'FTC-2004-017', title: 'After the restart' } } }] });
  });
});
