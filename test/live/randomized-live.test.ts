import { caseId, cast, orgId, personId, startTestHub, TestHub } from '../support/hub';
import { dispatchOf, LiveClient, LiveSubscription, receivedInAll, subscribed } from '../support/live';
import { apiKeyViewer, connectViewers, endLiveTest, expectDeliveries, membersOf, peopleAsViewers, readNetwork, Viewer } from '../support/live-network';
import { Rnd } from '../support/random';

/**
 * A randomized test of `caseChanged` (DOMAIN §7): per seed, random cases opened on the demo network by its agencies'
 * people, then a random sequence of shares, revocations and edits through the API. After every mutation an oracle
 * written from DOMAIN §2, §4 "Cases" and §8 says which subscription receives a payload and what it holds: a payload
 * goes to a viewer who sees the row after the change, and only when what that subscription shows of the case differs
 * from what it showed before the change (a row or a tier gained or lost, a field it reads changed).
 *
 * Seeds: LIVE_SEED=7,8 (comma-separated) replaces the defaults. Some subscribers to every case start after the cases
 * were opened: they have no earlier payload of them to compare with (see the last describe).
 */

const SEEDS = (process.env.LIVE_SEED ?? '1,2,3,4')
  .split(',')
  .map((s) => s.trim())
  .filter(Boolean)
  .map(Number);
const STEPS = 30;
const CASES = 4;


// ---- The oracle's model of a case ----

const TLPS = ['CLEAR', 'GREEN', 'AMBER', 'AMBER_STRICT', 'RED'] as const;
type Tlp = (typeof TLPS)[number];
const STATUSES = ['OPEN', 'INVESTIGATING', 'ENFORCEMENT_ACTION', 'CLOSED'];
const CATEGORIES = ['SPAM', 'PHISHING', 'ONLINE_FRAUD', 'MALWARE', 'IDENTITY_THEFT', 'OTHER'];
const COUNTRIES = ['US', 'GB', 'AU', 'KR', 'NL', 'DE', 'CA', 'NG'];

interface Share {
  id: string;
  orgId: string;
  recipients: string[];
  /** Which grant this is: granting again (the same participant) changes the share's grantedAt and grantedBy. */
  grant: number;
}
interface CaseModel {
  id: string;
  reference: string;
  leadOrg: string;
  title: string;
  status: string;
  tlp: Tlp;
  categories: string[];
  countries: string[];
  summary: string;
  suspects: string[];
  evidence: string | null;
  investigatorNotes: string | null;
  victimCount: number;
  estimatedLossUsd: number;
  shares: Share[];
}

const clone = (c: CaseModel): CaseModel => ({ ...c, categories: [...c.categories], countries: [...c.countries], suspects: [...c.suspects], shares: c.shares.map((s) => ({ ...s, recipients: [...s.recipients] })) });

/** The harm score as documented for cases and assistance requests (§A.5); vulnerable victims and ongoing harm stay false here. */
function harm(c: CaseModel): number {
  const victims = 12 * Math.log10(1 + c.victimCount);
  const loss = 8 * Math.log10(1 + c.estimatedLossUsd / 1000);
  return Math.min(100, Math.round(victims + loss) + 5 * Math.max(0, new Set(c.categories).size - 1));
}

/** §4: a share reaches a person of its organization when it names nobody or names them; an API key only when it names nobody (§8). */
function reaches(s: Share, v: Viewer): boolean {
  if (v.kind === 'ANONYMOUS' || v.orgId !== s.orgId) return false;
  return s.recipients.length === 0 || (v.personId !== null && s.recipients.includes(v.personId));
}
function readsTier(c: CaseModel, v: Viewer): boolean {
  if (v.kind === 'ANONYMOUS') return false;
  return v.orgId === c.leadOrg || c.shares.some((s) => reaches(s, v));
}
function seesRow(c: CaseModel, v: Viewer): boolean {
  switch (c.tlp) {
    case 'CLEAR':
      return true;
    case 'GREEN':
      return v.kind !== 'ANONYMOUS';
    case 'AMBER':
    case 'AMBER_STRICT':
      return v.kind === 'AGENCY' || readsTier(c, v);
    case 'RED':
      return readsTier(c, v);
  }
}

// ---- Selections and what each shows ----

const SELECTIONS = {
  full: `id reference title status tlp harmScore categories leadAgency { id } countries { code } viewerCan { readConfidential }
    confidential { summary suspects evidence investigatorNotes victimCount estimatedLossUsd shares { participant { id } recipients { id } reachesWholeOrganization } }`,
  row: `reference title status tlp harmScore`,
  tier: `reference confidential { summary victimCount shares { participant { id } recipients { id } } }`,
} as const;
type SelectionName = keyof typeof SELECTIONS;

const REDACTED = { redacted: [{ path: 'caseChanged.confidential', code: 'FORBIDDEN', count: 1 }] };

/** The payload a subscription with this selection shows of the case, or null when the viewer cannot see the row. */
function view(c: CaseModel | undefined, v: Viewer, selection: SelectionName): unknown {
  if (!c || !seesRow(c, v)) return null;
  const reads = readsTier(c, v);
  const shares = [...c.shares]
    .sort((a, b) => a.orgId.localeCompare(b.orgId))
    .map((s) => ({ participant: { id: s.orgId }, recipients: [...s.recipients].sort().map((id) => ({ id })), reachesWholeOrganization: s.recipients.length === 0 }));
  let data: Record<string, unknown>;
  if (selection === 'full') {
    data = {
      id: c.id, reference: c.reference, title: c.title, status: c.status, tlp: c.tlp, harmScore: harm(c), categories: [...c.categories].sort(),
      leadAgency: { id: c.leadOrg }, countries: [...c.countries].sort().map((code) => ({ code })), viewerCan: { readConfidential: reads },
      confidential: reads
        ? { summary: c.summary, suspects: c.suspects, evidence: c.evidence, investigatorNotes: c.investigatorNotes, victimCount: c.victimCount, estimatedLossUsd: c.estimatedLossUsd, shares }
        : null,
    };
  } else if (selection === 'row') {
    data = { reference: c.reference, title: c.title, status: c.status, tlp: c.tlp, harmScore: harm(c) };
  } else {
    data = {
      reference: c.reference,
      confidential: reads ? { summary: c.summary, victimCount: c.victimCount, shares: shares.map(({ participant, recipients }) => ({ participant, recipients })) } : null,
    };
  }
  return { data: { caseChanged: data }, ...(reads || selection === 'row' ? {} : { extensions: REDACTED }) };
}

/** Everything of the case the viewer can read (the full selection and when each share was granted), or null. */
function whole(c: CaseModel | undefined, v: Viewer): unknown {
  const payload = view(c, v, 'full');
  return payload && c && readsTier(c, v) ? [payload, c.shares.map((s) => s.grant)] : payload;
}

/** A received payload with its lists in the oracle's order (the API promises no order for these lists). */
function normalized(payload: any): unknown {
  const p = JSON.parse(JSON.stringify(payload));
  const c = p?.data?.caseChanged;
  if (c) {
    if (Array.isArray(c.categories)) c.categories.sort();
    if (Array.isArray(c.countries)) c.countries.sort((a: any, b: any) => a.code.localeCompare(b.code));
    const shares = c.confidential?.shares;
    if (Array.isArray(shares)) {
      shares.sort((a: any, b: any) => a.participant.id.localeCompare(b.participant.id));
      for (const s of shares) s.recipients.sort((a: any, b: any) => a.id.localeCompare(b.id));
    }
  }
  return p;
}

// ---- Subscriptions ----

interface Sub {
  label: string;
  viewer: Viewer;
  client: LiveClient;
  selection: SelectionName;
  /** The case it follows; null: every case. */
  caseId: string | null;
  live: LiveSubscription;
  /** How many payloads were already checked. */
  seen: number;
}

const subscriptionOf = (selection: SelectionName) => `subscription($id: ID) { caseChanged(id: $id) { ${SELECTIONS[selection]} } }`;

const M = {
  open: `mutation($input: OpenCaseInput!) { openCase(input: $input) { id } }`,
  update: `mutation($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { id } }`,
  share: `mutation($input: ShareCaseInput!) { shareCase(input: $input) { id } }`,
  revoke: `mutation($id: ID!) { revokeShare(id: $id) { id } }`,
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

describe.each(SEEDS)('caseChanged under random shares, revocations and edits (seed %i)', (seed) => {
  test('every subscription receives exactly what the oracle says, after every mutation', async () => {
    const rnd = new Rnd(seed);
    const { orgs, people } = await readNetwork(hub);
    const emailOf = new Map(people.map((p) => [p.id, p.email]));
    const { endorsed, agencies, coordinators, privates } = membersOf(orgs);
    expect(coordinators.length).toBeGreaterThan(0);
    expect(privates.length).toBeGreaterThanOrEqual(2);

    // Viewers: every demo person (a person of a participant that is not endorsed is ANONYMOUS), nobody, and the API
    // keys of one agency and one private-sector member.
    const viewers = peopleAsViewers(orgs, people);
    const leads = [rnd.pick(agencies), rnd.pick(agencies), rnd.pick(agencies)];
    for (const org of [rnd.pick(leads), rnd.pick(privates)]) viewers.push(await apiKeyViewer(hub, org, emailOf.get(org.people[0])!, `live ${seed}`));
    const clients = await connectViewers(hub, viewers, opened);
    const subs: Sub[] = [];
    const dispatcher = hub.hub.live.dispatcher;
    const cases = new Map<string, CaseModel>();
    const subscribe = async (list: Array<Omit<Sub, 'live' | 'seen' | 'client' | 'label'>>, late = false) => {
      const before = dispatcher.subscribers;
      for (const s of list) {
        const client = clients.get(s.viewer.label)!;
        const live = client.subscribe(subscriptionOf(s.selection), s.caseId ? { id: s.caseId } : {});
        subs.push({ ...s, client, live, seen: 0, label: `${s.viewer.label} [${s.selection}${s.caseId ? ` ${cases.get(s.caseId)?.reference}` : ''}${late ? ' late' : ''}]` });
      }
      await subscribed(dispatcher, before + list.length);
    };
    // Every viewer follows every case with the full selection; a few also with the narrower ones.
    await subscribe([
      ...viewers.map((viewer) => ({ viewer, selection: 'full' as const, caseId: null })),
      ...Array.from({ length: 6 }, () => ({ viewer: rnd.pick(viewers), selection: rnd.pick(['row', 'tier'] as const), caseId: null })),
    ]);

    const log: string[] = [];

    /** Runs one mutation that emits one event about `caseId`; checks every subscription against the oracle. */
    const step = async (what: string, caseId: string | null, as: string, mutation: string, variables: Record<string, unknown>, apply: (id: string, data: any) => CaseModel) => {
      log.push(what);
      const current = caseId ? cases.get(caseId) : undefined;
      const before = new Map(subs.map((s) => [s, view(current, s.viewer, s.selection)]));
      const fullBefore = new Map(subs.map((s) => [s, whole(current, s.viewer)]));
      const total = subs.reduce((n, s) => n + s.live.received.length, 0);
      const report = dispatchOf(dispatcher, 'case', caseId ?? undefined);
      const r = await hub.gql(mutation, { as, variables });
      expect({ seed, steps: log, errors: r.body.errors }).toEqual({ seed, steps: log, errors: undefined });
      const changed = apply(caseId ?? '', r.body.data);
      // A mutation that writes every value as it was announces nothing: no dispatch to wait for. Were one sent all the
      // same, its payloads would show up at the next step or at the closing sentinel, received but not expected.
      const unchanged = current !== undefined && JSON.stringify(changed) === JSON.stringify(current);
      const done = unchanged ? { delivered: 0 } : await report;
      cases.set(changed.id, changed);
      await receivedInAll([...clients.values()], subs.map((s) => s.live), total + done.delivered);
      const expected: Record<string, unknown[]> = {};
      const actual: Record<string, unknown[]> = {};
      for (const s of subs) {
        const got = s.live.received.slice(s.seen).map(normalized);
        s.seen = s.live.received.length;
        let want: unknown[] = [];
        if (s.caseId === null || s.caseId === changed.id) {
          const after = view(changed, s.viewer, s.selection);
          const prior = before.get(s);
          const differs = (a: unknown, b: unknown) => JSON.stringify(a) !== JSON.stringify(b);
          if (after !== null && differs(after, prior)) want = [after];
          // A narrower selection may also hear of a change to a field the viewer reads that it does not select: §7
          // speaks of what the viewer can see. The payload is then still exactly what it selects.
          else if (after !== null && got.length === 1 && differs(whole(changed, s.viewer), fullBefore.get(s))) want = [after];
        }
        if (got.length || want.length) {
          actual[s.label] = got;
          expected[s.label] = want;
        }
      }
      expectDeliveries({ seed, log, what }, actual, expected);
      return changed;
    };

    // Cases, opened by people of the lead agencies.
    for (let i = 0; i < CASES; i++) {
      const lead = leads[i % leads.length];
      const model: CaseModel = {
        id: '', reference: `LIVE-${seed}-${i}`, leadOrg: lead.id, title: `Case ${i} of seed ${seed}`, status: rnd.pick(STATUSES), tlp: TLPS[(i + rnd.int(0, 4)) % 5],
        categories: rnd.some(CATEGORIES, 0.5), countries: rnd.some(COUNTRIES, 0.5), summary: `Summary ${i}`, suspects: [`suspect-${i}`], evidence: null, investigatorNotes: null,
        victimCount: rnd.int(0, 4999), estimatedLossUsd: rnd.int(0, 199) * 1000, shares: [],
      };
      const input = {
        reference: model.reference, title: model.title, status: model.status, tlp: model.tlp, categories: model.categories, countryCodes: model.countries,
        summary: model.summary, suspects: model.suspects, victimCount: model.victimCount, estimatedLossUsd: model.estimatedLossUsd,
      };
      await step(`open ${model.reference} (${model.tlp}) as ${lead.name}`, null, emailOf.get(rnd.pick(lead.people))!, M.open, { input }, (_id, data) => ({ ...model, id: data.openCase.id }));
    }
    const caseIds = [...cases.keys()];

    // Some viewers follow one case by id (any case: one they cannot see is accepted and delivers once visible).
    await subscribe(Array.from({ length: 8 }, () => ({ viewer: rnd.pick(viewers), selection: rnd.pick(['full', 'row', 'tier'] as const), caseId: rnd.pick(caseIds) })));
    // Some follow every case from now on: they have had no payload of the cases opened before.
    await subscribe(Array.from({ length: 8 }, () => ({ viewer: rnd.pick(viewers), selection: rnd.pick(['full', 'tier'] as const), caseId: null })), true);

    let n = 0;
    for (let i = 0; i < STEPS; i++) {
      const c = cases.get(rnd.pick(caseIds))!;
      const lead = orgs.get(c.leadOrg)!;
      const editor = emailOf.get(rnd.pick(lead.people))!;
      const update = (what: string, input: Record<string, unknown>, change: (m: CaseModel) => void) =>
        step(`${c.reference}: ${what}`, c.id, editor, M.update, { id: c.id, input }, () => {
          const m = clone(c);
          change(m);
          return m;
        });
      const roll = rnd.int(0, 99);
      if (roll < 30) {
        // A share to a participant: its whole organization, or named persons (always for RED); a second grant replaces whom it names.
        const to = rnd.pick(endorsed.filter((o) => o.id !== c.leadOrg));
        const recipients = c.tlp === 'RED' || rnd.chance(0.4) ? rnd.some(to.people, 0.5) : [];
        const names = recipients.map((id) => emailOf.get(id)).join(', ') || 'the whole organization';
        await step(`${c.reference} (${c.tlp}): share with ${to.name} (${names})`, c.id, editor, M.share, { input: { caseId: c.id, participantId: to.id, recipientIds: recipients } }, (_id, data) => {
          const m = clone(c);
          m.shares = m.shares.filter((s) => s.orgId !== to.id);
          m.shares.push({ id: data.shareCase.id, orgId: to.id, recipients, grant: ++n });
          return m;
        });
      } else if (roll < 45 && c.shares.length) {
        const share = rnd.pick(c.shares);
        await step(`${c.reference} (${c.tlp}): revoke the share of ${orgs.get(share.orgId)!.name}`, c.id, editor, M.revoke, { id: share.id }, () => {
          const m = clone(c);
          m.shares = m.shares.filter((s) => s.id !== share.id);
          return m;
        });
      } else if (roll < 60) {
        const field = rnd.pick(['title', 'status', 'categories', 'countryCodes'] as const);
        if (field === 'title') {
          const title = `Title ${++n}`;
          await update(`title "${title}"`, { title }, (m) => (m.title = title));
        } else if (field === 'status') {
          const status = rnd.pick(STATUSES);
          await update(`status ${status}`, { status }, (m) => (m.status = status));
        } else if (field === 'categories') {
          const categories = rnd.some(CATEGORIES, 0.5);
          await update(`categories ${categories}`, { categories }, (m) => (m.categories = categories));
        } else {
          const countries = rnd.some(COUNTRIES, 0.5);
          await update(`countries ${countries}`, { countryCodes: countries }, (m) => (m.countries = countries));
        }
      } else if (roll < 78) {
        const field = rnd.pick(['summary', 'suspects', 'evidence', 'investigatorNotes', 'victimCount', 'estimatedLossUsd'] as const);
        if (field === 'victimCount' || field === 'estimatedLossUsd') {
          // The harm score (a listing field) follows these figures: it may or may not change.
          const value = field === 'victimCount' ? rnd.pick([c.victimCount, c.victimCount + 1, rnd.int(0, 99999)]) : rnd.int(0, 499) * 1000;
          await update(`${field} ${value}`, { [field]: value }, (m) => (m[field] = value));
        } else if (field === 'suspects') {
          const suspects = [`suspect-${++n}`];
          await update(`suspects ${suspects}`, { suspects }, (m) => (m.suspects = suspects));
        } else {
          const value = `${field} ${++n}`;
          await update(`${field} "${value}"`, { [field]: value }, (m) => (m[field] = value));
        }
      } else if (roll < 88) {
        // TLP:RED only when no share reaches a whole organization (the hub refuses it otherwise).
        const choices = TLPS.filter((t) => t !== c.tlp && (t !== 'RED' || c.shares.every((s) => s.recipients.length > 0)));
        const tlp = rnd.pick(choices);
        await update(`tlp ${tlp}`, { tlp }, (m) => (m.tlp = tlp));
      } else if (roll < 94) {
        // A listing field and the tier at once.
        const title = `Title ${++n}`;
        const summary = `Summary ${n}`;
        await update(`title "${title}" and summary "${summary}"`, { title, summary }, (m) => {
          m.title = title;
          m.summary = summary;
        });
      } else {
        // Nothing changes: nobody may hear of it.
        await update(`title unchanged "${c.title}"`, { title: c.title }, () => undefined);
      }
    }

    // A sentinel every connection receives on its subscription to every case: any payload still on its way arrives
    // before it, so nothing else may have arrived after the last check.
    await step(`sentinel: open a CLEAR case`, null, emailOf.get(leads[0].people[0])!, M.open, {
      input: { reference: `LIVE-${seed}-END`, title: 'Sentinel', tlp: 'CLEAR', categories: ['SPAM'], countryCodes: ['US'] },
    }, (_id, data) => ({
      id: data.openCase.id, reference: `LIVE-${seed}-END`, leadOrg: leads[0].id, title: 'Sentinel', status: 'OPEN', tlp: 'CLEAR', categories: ['SPAM'], countries: ['US'],
      summary: '', suspects: [], evidence: null, investigatorNotes: null, victimCount: 0, estimatedLossUsd: 0, shares: [],
    }));
    for (const s of subs.filter((x) => x.caseId === null && x.selection === 'full')) {
      expect([seed, s.label, s.live.received.at(-1)?.data?.caseChanged?.reference]).toEqual([seed, s.label, `LIVE-${seed}-END`]);
    }
  }, 60_000);
});

/**
 * The same rule for a subscriber to every case that has had no payload of this case yet (it subscribed after the
 * case's last change), on the demo network: the hub cannot compare with an earlier payload, so a revoked or replaced
 * share names whom it reached (they may have lost the tier) and an edit that writes every value as it was announces
 * nothing.
 */
describe('a subscriber to every case with no earlier payload of the case', () => {
  const acma = caseId('ACMA-2004-011'); // AMBER, led by ACMA, shared with KISA and NorthStar
  const selection = `subscription { caseChanged { reference title confidential { summary } } }`;

  async function late(email: string): Promise<{ client: LiveClient; sub: LiveSubscription }> {
    const { client, acknowledged } = await LiveClient.connect(hub.url, { authorization: `Bearer ${await hub.tokenFor(personId(email), email)}` });
    opened.add(client);
    expect(acknowledged).toBe(true);
    const sub = client.subscribe(selection);
    await subscribed(hub.hub.live.dispatcher, 1);
    return { client, sub };
  }

  /** A CLEAR case renamed by its lead agency: every subscriber receives it, after anything sent before. */
  async function sentinel(client: LiveClient, sub: LiveSubscription): Promise<void> {
    const r = await hub.gql(M.update, { as: cast.ann, variables: { id: caseId('FTC-2004-017'), input: { title: 'Sentinel' } } });
    expect(r.body.errors).toBeUndefined();
    await client.until(() => sub.received.some((p) => p.data?.caseChanged?.reference === 'FTC-2004-017'));
  }

  test('losing the tier (its share revoked) while keeping the row is a part lost: one payload without the tier', async () => {
    const { client, sub } = await late(cast.minjun);
    const [share] = await hub.ds.query(`SELECT id FROM case_share WHERE case_id = $1 AND participant_id = $2`, [acma, orgId('kisa')]);
    const r = await hub.gql(M.revoke, { as: cast.liam, variables: { id: share.id } });
    expect(r.body.errors).toBeUndefined();
    await sentinel(client, sub);
    expect(sub.received.filter((p) => p.data?.caseChanged?.reference === 'ACMA-2004-011')).toEqual([
      { data: { caseChanged: { reference: 'ACMA-2004-011', title: expect.any(String), confidential: null } }, extensions: REDACTED },
    ]);
  });

  test('an edit that changes nothing (a title set to itself) is not delivered', async () => {
    const { client, sub } = await late(cast.isla);
    const [{ title }] = await hub.ds.query(`SELECT title FROM enforcement_case WHERE id = $1`, [acma]);
    const r = await hub.gql(M.update, { as: cast.liam, variables: { id: acma, input: { title } } });
    expect(r.body.errors).toBeUndefined();
    await sentinel(client, sub);
    expect(sub.received.map((p) => p.data?.caseChanged?.reference)).toEqual(['FTC-2004-017']);
  });
});
