import { partGroups } from '../../src/live/dispatcher';
import { decodeEvents, encodeEvents, LiveEvent, mergeEvents } from '../../src/live/events';

/** Live events between instances (NOTIFY payloads): every field an event carries survives the trip, nothing else does. */
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

test('every part of an event crosses to another instance, and what is not an event of ours is dropped', () => {
  const events: LiveEvent[] = [
    { topic: 'case', id: id(1), tier: true },
    { topic: 'case', id: id(14), tier: true, formerShare: { participant: id(15), recipients: [id(16), id(17)] } },
    { topic: 'case', id: id(18), tier: true, formerShare: { participant: id(19), recipients: [] } },
    { topic: 'call', id: id(2), segment: id(3), linkedCase: id(4) },
    { topic: 'call', id: id(5), exclusion: id(6), member: id(7), participants: [id(8)], segment: id(8) },
    { topic: 'call', id: id(9), exclusion: id(10), member: id(11), participants: [id(26), id(27)] },
    { topic: 'call', id: id(28), exclusion: id(29) },
    { topic: 'call', id: id(30), segment: id(31), member: id(32) },
  ];
  expect(encodeEvents(events).flatMap(decodeEvents)).toEqual(events);
  const forged = JSON.stringify([
    { topic: 'call', id: id(12), linkedCase: 'x', member: 42, participants: [id(33)], extra: 1 },
    { topic: 'call', id: id(34), exclusion: id(35), participants: [id(36), 'Robert'] },
    { topic: 'call', id: id(37), exclusion: id(38), participants: [] },
    { topic: 'nope', id: id(13) },
    { topic: 'case', id: id(20), tier: true, formerShare: { participant: id(21), recipients: [id(22), 'Robert'] } },
    { topic: 'case', id: id(23), tier: true, formerShare: { participant: 'x', recipients: [] } },
    { topic: 'case', id: id(24), formerShare: { participant: id(25), recipients: [] } },
  ]);
  expect(decodeEvents(forged)).toEqual([
    { topic: 'call', id: id(12) },
    { topic: 'call', id: id(34), exclusion: id(35) },
    { topic: 'call', id: id(37), exclusion: id(38) },
    { topic: 'case', id: id(20), tier: true },
    { topic: 'case', id: id(23), tier: true },
    { topic: 'case', id: id(24) },
  ]);
});

test('different parts of one row are announced one by one, the same part once; a change to the row itself announces the row alone', () => {
  const link = { topic: 'call' as const, id: id(2), segment: id(3), linkedCase: id(4) };
  expect(mergeEvents([link, { ...link }])).toEqual([link]);
  expect(mergeEvents([link, { ...link, linkedCase: id(5) }, { ...link }])).toEqual([link, { ...link, linkedCase: id(5) }]);
  const revoked = { topic: 'case' as const, id: id(1), tier: true as const, formerShare: { participant: id(2), recipients: [] } };
  expect(mergeEvents([revoked, { ...revoked, formerShare: { participant: id(2), recipients: [] } }])).toEqual([revoked]);
  expect(mergeEvents([revoked, { ...revoked, formerShare: { participant: id(3), recipients: [] } }])).toEqual([
    revoked, { ...revoked, formerShare: { participant: id(3), recipients: [] } },
  ]);
  // The row itself, before or after parts of it: the row alone; other rows keep their own events.
  const other = { topic: 'call' as const, id: id(9), exclusion: id(10) };
  expect(mergeEvents([link, other, { topic: 'call', id: id(2) }, { ...link, linkedCase: id(6) }])).toEqual([{ topic: 'call', id: id(2) }, other]);
  expect(mergeEvents([{ topic: 'call', id: id(2) }, link])).toEqual([{ topic: 'call', id: id(2) }]);
  // However many different parts of one row: each its own event, never the row (which would reach every subscriber of
  // it, telling those who cannot see the parts when they changed); a part already announced, again, changes nothing.
  const parts = Array.from({ length: 200 }, (_, i) => ({ ...link, linkedCase: id(100 + i) }));
  expect(mergeEvents([...parts, parts[0], { ...parts[7] }])).toEqual(parts);
  const shares = Array.from({ length: 60 }, (_, i) => ({ ...revoked, formerShare: { participant: id(300 + (i % 30)), recipients: i < 30 ? [] : [id(400 + i)] } }));
  expect(mergeEvents([...shares, ...shares])).toEqual(shares);
});

test('a replaced share naming more persons, or an exclusion changing more segments, than one NOTIFY payload holds is announced in parts of its list, never as the row', () => {
  const many = Array.from({ length: 400 }, (_, i) => id(1000 + i));
  const share: LiveEvent = { topic: 'case', id: id(1), tier: true, formerShare: { participant: id(2), recipients: many } };
  const exclusion: LiveEvent = { topic: 'call', id: id(3), exclusion: id(4), member: id(5), participants: many };
  const payloads = encodeEvents([share, exclusion]);
  expect(payloads.every((p) => p.length < 8000)).toBe(true);
  const events = payloads.flatMap(decodeEvents);
  const shares = events.filter((e) => e.topic === 'case');
  const exclusions = events.filter((e) => e.topic === 'call');
  expect(shares.length).toBeGreaterThan(1);
  expect(exclusions.length).toBeGreaterThan(1);
  // Each the same part with some of the list, none empty (a share naming no one reached the whole organization).
  for (const e of shares) expect(e).toEqual({ ...share, formerShare: { participant: id(2), recipients: expect.any(Array) } });
  for (const e of exclusions) expect(e).toEqual({ ...exclusion, participants: expect.any(Array) });
  expect(shares.every((e) => e.formerShare!.recipients.length > 0) && exclusions.every((e) => e.participants!.length > 0)).toBe(true);
  expect(shares.flatMap((e) => e.formerShare!.recipients)).toEqual(many);
  expect(exclusions.flatMap((e) => e.participants!)).toEqual(many);
});

test('the parts of one row are dispatched together; a row event and other rows alone', () => {
  const part = (n: number): LiveEvent => ({ topic: 'call', id: id(2), segment: id(100 + n) });
  const row: LiveEvent = { topic: 'call', id: id(3) };
  const other: LiveEvent = { topic: 'case', id: id(2), tier: true };
  expect(partGroups([part(1), part(2), part(3), row, other, { ...other, formerShare: { participant: id(4), recipients: [] } }, part(4)])).toEqual([
    [part(1), part(2), part(3)], [row], [other, { ...other, formerShare: { participant: id(4), recipients: [] } }], [part(4)],
  ]);
  expect(partGroups([row, { ...row }])).toEqual([[row], [row]]);
});
