import { isUuid } from '../data/batch';

/** What a live event is about: one row of one kind, by id (DOMAIN §7). */
export type LiveTopic = 'case' | 'call' | 'assistance' | 'earlyWarning';

const topics: ReadonlySet<string> = new Set<LiveTopic>(['case', 'call', 'assistance', 'earlyWarning']);

/**
 * A change to one row, as it travels between instances: ids only, never data (DOMAIN §7; NOTIFY payloads are visible
 * to every listener of the database). Every subscriber's payload is read again under that subscriber's viewer.
 *
 * `tier`, `segment` and `exclusion` name the restricted part that changed, when the change was only there: the
 * confidential tier of a case, one segment or one exclusion of a call. They say nothing about values; the dispatcher
 * uses them only for a subscriber that has no earlier payload of this row to compare with (src/live/dispatcher.ts).
 * An event without them changed the row itself (or created it): whoever sees the row sees the change.
 */
export interface LiveEvent {
  topic: LiveTopic;
  id: string;
  tier?: true;
  segment?: string;
  exclusion?: string;
  /** With `segment`: the change was this case linked to the segment (seen only by who sees the segment and the case). */
  linkedCase?: string;
  /**
   * With `exclusion`: the member it excludes, when the exclusion changed whether it takes part somewhere (`participants`
   * is then not empty). With `segment` alone: the member just invited to that segment (heard by who sees that
   * invitation: agencies, and the members taking part when the new one does).
   */
  member?: string;
  /**
   * With `exclusion`: the segments whose participants it changed — the member is invited there and no other standing
   * exclusion keeps it out (src/data/calls.ts). Who sees one of them sees its invited list change, and the member has
   * lost or regained them; an exclusion that changes none is heard only by who sees exclusions (agencies).
   */
  participants?: string[];
  /**
   * With `tier`: the share that was revoked or replaced, as it was: its participant and the persons it named (none:
   * the whole organization). Whoever it reached may have lost the tier, which a subscriber with no earlier payload of
   * the case could not otherwise tell from a tier it never read.
   */
  formerShare?: { participant: string; recipients: string[] };
}

/**
 * The events of one transaction, each said once: a change to the row itself announces the row (every viewer of it
 * compares its payload) and nothing else of it; different parts of one row are announced one by one, however many, so
 * that each reaches only who it concerns (src/data/live.ts). A part is never announced as its row: a subscriber that
 * sees the row but not the part would be told when the hidden change happened (a document of many mutations adding
 * law-enforcement-only segments to one call, or sharing one case many times, did that past 20 parts).
 */
export function mergeEvents(events: readonly LiveEvent[]): LiveEvent[] {
  const byRow = new Map<string, { events: LiveEvent[]; parts: Set<string> }>();
  for (const e of events) {
    const key = `${e.topic}:${e.id}`;
    const seen = byRow.get(key);
    if (!seen) byRow.set(key, { events: [{ ...e }], parts: new Set([partKey(e)]) });
    else if (!isPartOnly(seen.events[0]) || (isPartOnly(e) && seen.parts.has(partKey(e)))) continue;
    else if (!isPartOnly(e)) byRow.set(key, { events: [{ topic: e.topic, id: e.id }], parts: new Set() });
    else {
      seen.events.push({ ...e });
      seen.parts.add(partKey(e));
    }
  }
  return [...byRow.values()].flatMap((row) => row.events);
}

export function isPartOnly(e: LiveEvent): boolean {
  return e.tier === true || e.segment !== undefined || e.exclusion !== undefined;
}

/** What makes two events of one row the same part: every field but the row's. */
function partKey(e: LiveEvent): string {
  return JSON.stringify([e.tier ?? null, e.segment ?? null, e.exclusion ?? null, e.linkedCase ?? null, e.member ?? null, e.participants ?? null, e.formerShare ?? null]);
}

/** The NOTIFY channel of live events. */
export const LIVE_CHANNEL = 'lap_live';

/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more: events go in chunks well below that. */
const MAX_PAYLOAD = 7000;

/** Events as NOTIFY payloads (JSON arrays of ids), each below PostgreSQL's limit. */
export function encodeEvents(events: readonly LiveEvent[]): string[] {
  const payloads: string[] = [];
  let chunk: string[] = [];
  let size = 2;
  for (const event of events.flatMap(fitted)) {
    const text = JSON.stringify(event);
    if (size + text.length + 1 > MAX_PAYLOAD && chunk.length) {
      payloads.push(`[${chunk.join(',')}]`);
      chunk = [];
      size = 2;
    }
    chunk.push(text);
    size += text.length + 1;
  }
  if (chunk.length) payloads.push(`[${chunk.join(',')}]`);
  return payloads;
}

/**
 * An event that one payload cannot hold — a replaced share naming more persons, or an exclusion changing more
 * segments, than fit (the API allows 100 persons, well below it) — as several events of the same part, each with some
 * of the list: who any of them concerns is who the whole concerned (src/data/live.ts reads each list as "any of
 * these"), and none has an empty list (a share naming no one reached the whole organization). Never the row: that
 * would reach every subscriber of the row, telling it when a change it cannot see happened.
 */
function fitted(event: LiveEvent): LiveEvent[] {
  const text = JSON.stringify(event);
  if (text.length + 2 <= MAX_PAYLOAD) return [event];
  const list = event.formerShare ? event.formerShare.recipients : event.participants;
  if (!list || list.length < 2) return [event];
  const half = Math.ceil(list.length / 2);
  const [a, b] = [list.slice(0, half), list.slice(half)].map((ids): LiveEvent =>
    event.formerShare ? { ...event, formerShare: { ...event.formerShare, recipients: ids } } : { ...event, participants: ids },
  );
  return [...fitted(a), ...fitted(b)];
}

/** The events of a NOTIFY payload; anything that is not a well-formed event of ours is dropped. */
export function decodeEvents(payload: string): LiveEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return [];
  }
  if (!Array.isArray(parsed)) return [];
  const events: LiveEvent[] = [];
  for (const raw of parsed) {
    if (!raw || typeof raw !== 'object') continue;
    const r = raw as Record<string, unknown>;
    if (typeof r.topic !== 'string' || !topics.has(r.topic) || typeof r.id !== 'string' || !isUuid(r.id)) continue;
    const e: LiveEvent = { topic: r.topic as LiveTopic, id: r.id };
    if (r.tier === true) e.tier = true;
    if (typeof r.segment === 'string' && isUuid(r.segment)) e.segment = r.segment;
    if (typeof r.exclusion === 'string' && isUuid(r.exclusion)) e.exclusion = r.exclusion;
    if (typeof r.linkedCase === 'string' && isUuid(r.linkedCase)) e.linkedCase = r.linkedCase;
    if (typeof r.member === 'string' && isUuid(r.member)) e.member = r.member;
    if (e.exclusion && Array.isArray(r.participants) && r.participants.length > 0 && r.participants.every((p) => typeof p === 'string' && isUuid(p))) {
      e.participants = r.participants as string[];
    }
    const former = r.formerShare as { participant?: unknown; recipients?: unknown } | undefined;
    if (
      e.tier && former && typeof former.participant === 'string' && isUuid(former.participant) && Array.isArray(former.recipients) &&
      former.recipients.every((p) => typeof p === 'string' && isUuid(p))
    ) {
      e.formerShare = { participant: former.participant, recipients: former.recipients as string[] };
    }
    events.push(e);
  }
  return events;
}
