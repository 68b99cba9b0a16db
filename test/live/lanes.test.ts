import { parse } from 'graphql';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import type { Config } from '../../src/config';
import { DispatchReport, LiveConnection, LiveDispatcher, LiveSelection } from '../../src/live/dispatcher';
import type { LiveEvent, LiveTopic } from '../../src/live/events';
import type { Viewer } from '../../src/policy/viewer';

/**
 * The order the dispatcher resolves groups in (its lanes), with the resolution itself replaced by one that takes a few
 * milliseconds and answers a new payload each time: which group's payload is resolved when, nothing of the database.
 * Busy groups (the agencies' dashboards, many events of rows a private member does not see) must not hold back a
 * group that had nothing to do: its payload is resolved once the resolutions already running and the other groups'
 * first ones are done — not after every event queued before it, which let it time the others' activity.
 */
const CONCURRENCY = 4;
const fakeDs = { driver: { master: { options: { max: CONCURRENCY + 1 } } } } as unknown as DataSource;

function viewerOf(n: number, kind: 'AGENCY' | 'PRIVATE'): Viewer {
  const org = `org-${n}`;
  return { kind, personId: `person-${n}`, ownOrgId: org, memberOrgId: org, apiKey: null } as unknown as Viewer;
}

function connection(viewer: Viewer): LiveConnection {
  // An anonymous credential: checking it again asks the database nothing.
  return { viewer, credential: { kind: 'anonymous' }, closed: false, close: () => undefined };
}

function selection(key: string): LiveSelection {
  return { document: parse('subscription { x }'), operationName: undefined, variables: {}, key };
}

function dispatcher(): { d: LiveDispatcher; resolved: string[] } {
  const d = new LiveDispatcher({
    ds: fakeDs,
    schema: null as never,
    config: {} as Config,
    logger: pino({ level: 'silent' }),
    now: () => new Date(),
    formatError: (e) => ({ message: e.message }),
    credentialSweepMs: 0,
  });
  const resolved: string[] = [];
  let n = 0;
  // Each resolution: which viewer and event, in the order they start; a payload that is new every time.
  (d as unknown as { resolve: unknown }).resolve = async (viewer: Viewer, _s: LiveSelection, events: readonly LiveEvent[]) => {
    resolved.push(`${viewer.personId} ${events[0].id}`);
    await new Promise((r) => setTimeout(r, 3));
    n++;
    return { hidden: false, payload: { data: { x: n } }, hash: String(n), partConcerns: true };
  };
  return { d, resolved };
}

async function subscribed(d: LiveDispatcher, count: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const on = (n: number) => {
      if (n < count) return;
      d.off('subscribed', on);
      resolve();
    };
    d.on('subscribed', on);
  });
}

test('a group that had nothing to do is resolved before the busy groups’ backlog, each group’s events in order; reports in the order events came', async () => {
  const { d, resolved } = dispatcher();
  const AGENCIES = 30;
  const EVENTS = 5;
  const subs = [];
  for (let i = 0; i < AGENCIES; i++) subs.push(d.subscribe(connection(viewerOf(i, 'AGENCY')), 'call' as LiveTopic, null, selection(`agency-${i}`)));
  subs.push(d.subscribe(connection(viewerOf(99, 'PRIVATE')), 'earlyWarning' as LiveTopic, null, selection('grace')));
  await subscribed(d, AGENCIES + 1);
  const reports: DispatchReport[] = [];
  d.on('dispatched', (r: DispatchReport) => reports.push(r));

  // Five events of calls the agencies' groups resolve, then one the private member's group does.
  for (let e = 0; e < EVENTS; e++) d.publish([{ topic: 'call', id: `call-${e}` }]);
  d.publish([{ topic: 'earlyWarning', id: 'warning' }]);
  await d.idle();

  expect(resolved).toHaveLength(AGENCIES * EVENTS + 1);
  // Served after the resolutions that were running and the other groups' first ones: 30 of 151, not the last.
  expect(resolved.indexOf('person-99 warning')).toBe(AGENCIES);
  // Every agency group resolved its events in the order they came.
  for (let i = 0; i < AGENCIES; i++) {
    expect(resolved.filter((r) => r.startsWith(`person-${i} `))).toEqual(Array.from({ length: EVENTS }, (_, e) => `person-${i} call-${e}`));
  }
  // Every report once everything of its event was resolved, in the order the events came.
  expect(reports.map((r) => [r.event.id, r.groups, r.delivered])).toEqual([
    ...Array.from({ length: EVENTS }, (_, e) => [`call-${e}`, AGENCIES, AGENCIES]),
    ['warning', 1, 1],
  ]);
  for (const s of subs) s.end();
});

test('changes to one row while its groups wait are resolved once per group, at its latest state: a private member subscribed to every call is not held back once per change it cannot see', async () => {
  const { d, resolved } = dispatcher();
  const AGENCIES = 30;
  const HIDDEN = 5;
  const subs = [];
  // The agencies' dashboards follow call Y; Grace's subscription is to every call: each event of a call is hers to
  // resolve too, and Y's are changes she cannot see.
  for (let i = 0; i < AGENCIES; i++) subs.push(d.subscribe(connection(viewerOf(i, 'AGENCY')), 'call' as LiveTopic, 'call-Y', selection(`agency-${i}`)));
  subs.push(d.subscribe(connection(viewerOf(99, 'PRIVATE')), 'call' as LiveTopic, null, selection('grace')));
  await subscribed(d, AGENCIES + 1);
  const reports: DispatchReport[] = [];
  d.on('dispatched', (r: DispatchReport) => reports.push(r));

  // The agencies change call Y five times, each its own event; then Grace's own call changes.
  for (let e = 0; e < HIDDEN; e++) d.publish([{ topic: 'call', id: 'call-Y', segment: `segment-${e}` }]);
  d.publish([{ topic: 'call', id: 'call-mine' }]);
  await d.idle();

  // The first event's first four turns were under way when the rest came; every other group resolved Y once, for all
  // five changes, and Grace's own call right after the four groups whose later changes of Y waited behind their first.
  expect(resolved).toHaveLength(4 * 2 + (AGENCIES - 4) + 2);
  expect(resolved.indexOf('person-99 call-mine')).toBe(resolved.length - 1);
  expect(resolved.filter((r) => r === 'person-99 call-Y')).toHaveLength(1);
  // Before, every change was a resolution of every group in turn: Grace's call came after 5 × 31 of them.
  expect(resolved.length).toBeLessThan(AGENCIES * HIDDEN);
  // Every event reported, in order, each once its groups were resolved.
  expect(reports.map((r) => [r.event.id, r.groups])).toEqual([...Array.from({ length: HIDDEN }, () => ['call-Y', AGENCIES + 1]), ['call-mine', 1]]);
  for (const s of subs) s.end();
});

test('a subscription started after a change is not answered for it when a later change it cannot see comes (a turn merges only jobs of the same subscribers)', async () => {
  /** How many payloads the second subscription gets, with or without the change it cannot see after it started. */
  async function secondGets(withHidden: boolean): Promise<number> {
    const { d } = dispatcher();
    // Grace sees call C but not the law-enforcement-only segment "hidden"; a part check says so, as the database would.
    (d as unknown as { resolve: unknown }).resolve = async (_v: Viewer, _s: LiveSelection, events: readonly LiveEvent[], _now: Date, withPart: boolean) => {
      await new Promise((r) => setTimeout(r, 3));
      const concerns = events.some((e) => e.segment !== 'hidden');
      if (withPart && !concerns) return { hidden: false, payload: {}, hash: 'not read', partConcerns: false };
      return { hidden: false, payload: { data: { x: 'C' } }, hash: 'C now', partConcerns: concerns };
    };
    const subs = [];
    for (let i = 0; i < 20; i++) subs.push(d.subscribe(connection(viewerOf(i, 'AGENCY')), 'call' as LiveTopic, null, selection(`agency-${i}`)));
    const grace = viewerOf(99, 'PRIVATE');
    subs.push(d.subscribe(connection(grace), 'call' as LiveTopic, null, selection('grace')));
    await subscribed(d, 21);
    // The lanes busy with Z; then C changes (a change Grace sees), before her second subscription starts.
    d.publish([{ topic: 'call', id: 'call-Z' }]);
    d.publish([{ topic: 'call', id: 'call-C' }]);
    const second = d.subscribe(connection(grace), 'call' as LiveTopic, null, selection('grace'));
    subs.push(second);
    await subscribed(d, 22);
    if (withHidden) d.publish([{ topic: 'call', id: 'call-C', segment: 'hidden' }]);
    await d.idle();
    const got = (second as unknown as { queue: unknown[] }).queue.length;
    for (const s of subs) s.end();
    return got;
  }
  expect(await secondGets(false)).toBe(0);
  expect(await secondGets(true)).toBe(0);
});

test('a backlog whose subscribers have all gone is not resolved (a hub stopping with its subscriptions closed)', async () => {
  const { d, resolved } = dispatcher();
  const subs = [];
  for (let i = 0; i < 10; i++) subs.push(d.subscribe(connection(viewerOf(i, 'AGENCY')), 'call' as LiveTopic, null, selection(`s-${i}`)));
  await subscribed(d, 10);
  for (let e = 0; e < 3; e++) d.publish([{ topic: 'call', id: `call-${e}` }]);
  // Every event taken, the first four turns under way; then every subscription ends.
  await new Promise((resolve) => setImmediate(resolve));
  expect(resolved).toHaveLength(4);
  for (const s of subs) s.end();
  await d.idle();
  // The first turns had started before the subscriptions ended; nothing after.
  expect(resolved).toHaveLength(4);
});

test('at most as many resolutions at once as the dispatcher’s places, whatever the number of groups', async () => {
  const { d } = dispatcher();
  let now = 0;
  let most = 0;
  (d as unknown as { resolve: unknown }).resolve = async () => {
    most = Math.max(most, ++now);
    await new Promise((r) => setTimeout(r, 2));
    now--;
    return { hidden: false, payload: { data: { x: 1 } }, hash: '1', partConcerns: true };
  };
  for (let i = 0; i < 12; i++) d.subscribe(connection(viewerOf(i, 'AGENCY')), 'call' as LiveTopic, null, selection(`s-${i}`));
  await subscribed(d, 12);
  for (let e = 0; e < 3; e++) d.publish([{ topic: 'call', id: `call-${e}` }]);
  await d.idle();
  expect(most).toBe(CONCURRENCY);
});
