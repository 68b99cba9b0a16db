import { LiveClient, unsubscribedAll } from './live';
import type { TestHub } from './hub';

/** The demo network as the randomized live-update tests see it: its participants and people, and them as viewers. */

export interface Org {
  id: string;
  name: string;
  kind: 'AGENCY' | 'PRIVATE_SECTOR';
  endorsed: boolean;
  coordinator: boolean;
  people: string[];
}

export interface PersonRow {
  id: string;
  email: string;
  orgId: string;
}

export type Kind = 'ANONYMOUS' | 'AGENCY' | 'PRIVATE';

/** A viewer as DOMAIN §2 and §8 define it. */
export interface Viewer {
  label: string;
  kind: Kind;
  personId: string | null;
  /** The organization whose rules apply (null: anonymous). */
  orgId: string | null;
  /** How to connect: a person's email, an API key's secret, or nobody. */
  email?: string;
  secret?: string;
}

/** The participants and people, as the database owner reads them. */
export async function readNetwork(hub: TestHub): Promise<{ orgs: Map<string, Org>; people: PersonRow[] }> {
  const orgRows: Array<{ id: string; name: string; kind: Org['kind']; status: string; is_coordinator: boolean }> = await hub.ds.query(
    `SELECT id, name, kind, status, is_coordinator FROM participant ORDER BY name`,
  );
  const people: Array<{ id: string; email: string; organization_id: string }> = await hub.ds.query(`SELECT id, email, organization_id FROM person ORDER BY email`);
  const orgs = new Map<string, Org>(
    orgRows.map((o) => [o.id, { id: o.id, name: o.name, kind: o.kind, endorsed: o.status === 'ENDORSED', coordinator: o.is_coordinator, people: [] }]),
  );
  for (const p of people) orgs.get(p.organization_id)!.people.push(p.id);
  return { orgs, people: people.map((p) => ({ id: p.id, email: p.email, orgId: p.organization_id })) };
}

/** Every person as a viewer (a person of a participant that is not endorsed is ANONYMOUS), then nobody. */
export function peopleAsViewers(orgs: Map<string, Org>, people: PersonRow[]): Viewer[] {
  const viewers: Viewer[] = people.map((p) => {
    const org = orgs.get(p.orgId)!;
    const kind: Kind = !org.endorsed ? 'ANONYMOUS' : org.kind === 'AGENCY' ? 'AGENCY' : 'PRIVATE';
    return { label: p.email, kind, personId: p.id, orgId: kind === 'ANONYMOUS' ? null : p.orgId, email: p.email };
  });
  viewers.push({ label: 'anonymous', kind: 'ANONYMOUS', personId: null, orgId: null });
  return viewers;
}

/** An API key of `org`, created by the person with `email`: the organization as a whole (DOMAIN §8). */
export async function apiKeyViewer(hub: TestHub, org: Org, email: string, name: string): Promise<Viewer> {
  const r = await hub.gql(`mutation($name: String!) { createApiKey(name: $name) { secret } }`, { as: email, variables: { name } });
  expect(r.body.errors).toBeUndefined();
  return { label: `api key of ${org.name}`, kind: org.kind === 'AGENCY' ? 'AGENCY' : 'PRIVATE', personId: null, orgId: org.id, secret: r.body.data.createApiKey.secret };
}

/** One WebSocket client per viewer, each acknowledged, by label; each kept in `opened` to be closed after the test. */
export async function connectViewers(hub: TestHub, viewers: Viewer[], opened: Set<LiveClient>): Promise<Map<string, LiveClient>> {
  const clients = new Map<string, LiveClient>();
  for (const v of viewers) {
    const token = v.email ? await hub.tokenFor(v.personId!, v.email) : v.secret;
    const { client, acknowledged } = await LiveClient.connect(hub.url, token ? { authorization: `Bearer ${token}` } : {});
    opened.add(client);
    expect([v.label, acknowledged]).toEqual([v.label, true]);
    clients.set(v.label, client);
  }
  return clients;
}

/**
 * After a test: closes its clients, waits until nothing is subscribed, dispatching or left of the audit trail to write,
 * and loads the demo network again for the tests that follow in this worker.
 */
export async function endLiveTest(hub: TestHub, opened: Set<LiveClient>): Promise<void> {
  for (const client of opened) await client.close();
  opened.clear();
  await unsubscribedAll(hub.hub.live.dispatcher);
  await hub.hub.live.dispatcher.idle();
  await hub.auditSettled();
  await hub.reset();
}

/**
 * Fails a step of a randomized test unless every subscription received exactly what the oracle expects: first who
 * received something and who did not (with every step so far, to reproduce it), then what each received.
 */
export function expectDeliveries(
  where: { seed: number; log: readonly string[]; what: string },
  actual: Record<string, unknown[]>,
  expected: Record<string, unknown[]>,
): void {
  const receivers = (m: Record<string, unknown[]>) => Object.entries(m).filter(([, l]) => l.length).map(([label, l]) => `${label} ×${l.length}`);
  const got = receivers(actual);
  const want = receivers(expected);
  const { seed, log, what } = where;
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(
      [
        `seed ${seed}, step ${log.length}: ${what}`,
        `received but must not: ${got.filter((r) => !want.includes(r)).join('; ') || 'none'}`,
        `missing: ${want.filter((r) => !got.includes(r)).join('; ') || 'none'}`,
        'steps:',
        ...log.map((l, i) => `  ${i + 1}. ${l}`),
      ].join('\n'),
    );
  }
  expect({ seed, step: log.length, what, deliveries: actual }).toEqual({ seed, step: log.length, what, deliveries: expected });
}

/** The endorsed participants that have people, by kind (and the coordinators among the agencies). */
export function membersOf(orgs: Map<string, Org>): { endorsed: Org[]; agencies: Org[]; coordinators: Org[]; privates: Org[] } {
  const endorsed = [...orgs.values()].filter((o) => o.endorsed && o.people.length > 0);
  const agencies = endorsed.filter((o) => o.kind === 'AGENCY');
  return { endorsed, agencies, coordinators: agencies.filter((o) => o.coordinator), privates: endorsed.filter((o) => o.kind === 'PRIVATE_SECTOR') };
}
