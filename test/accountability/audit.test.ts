import { execute, GraphQLID, GraphQLList, GraphQLNonNull, GraphQLObjectType, GraphQLSchema, GraphQLString, parse } from 'graphql';
import { randomUUID } from 'crypto';
import pino from 'pino';
import { CaseAccessPath } from '../../entities/enums';
import { AuditTrail, AuditWriter } from '../../src/audit';
import { poolOf } from '../../src/db/viewer-db';
import { observeAuditWriter, registry } from '../../src/metrics';
import { ViewerKind } from '../../entities/enums';
import { cast, caseId, orgId, personId, segmentId, startSiblingHub, startTestHub, TestHub } from '../support/hub';

/**
 * The audit trail (DOMAIN §9): every response that carries a case's confidential tier, or a TLP:RED case's row, is
 * recorded once per request and case — who, organization, case, when, through which path — written after the response
 * in one statement, never failing the read; the lead agency reads it as `Case.accessLog`.
 */

let hub: TestHub;
let clock: Date;
let timed: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
  timed = await startSiblingHub(hub, { now: () => clock });
});
afterAll(async () => {
  await timed.close();
  await hub.close();
});
beforeEach(async () => {
  await hub.reset();
  clock = new Date(hub.now.getTime() + 60_000);
});

interface LogRow {
  case: string;
  person: string | null;
  apiKey: string | null;
  keyName: string | null;
  org: string | null;
  path: string;
  confidential: boolean;
  at: string;
}

const refOf = new Map(
  ['FTC-2004-017', 'OFT-2004-003', 'ACMA-2004-011', 'ICO-2004-008', 'FTC-2004-021', 'KISA-2004-002', 'OPTA-2004-005', 'EFCC-2004-001', 'CRTC-2004-004'].map(
    (r) => [caseId(r), r],
  ),
);

/** The trail as the owner sees it, after every write started so far has ended. */
async function trail(): Promise<LogRow[]> {
  await timed.auditSettled();
  await hub.auditSettled();
  const rows = (await hub.ds.query(
    `SELECT c.case_id, person_id, api_key_id, api_key_name, organization_id, path, confidential, accessed_at FROM case_access_log, unnest(case_ids) AS c(case_id) ORDER BY accessed_at, c.case_id`,
  )) as Array<Record<string, any>>;
  return rows.map((r) => ({
    case: refOf.get(r.case_id)!,
    person: r.person_id,
    apiKey: r.api_key_id,
    keyName: r.api_key_name,
    org: r.organization_id,
    path: r.path,
    confidential: r.confidential,
    at: (r.accessed_at as Date).toISOString(),
  }));
}

const entry = (ref: string, email: string, org: string, confidential: boolean, path = 'QUERY'): LogRow => ({
  case: ref, person: personId(email), apiKey: null, keyName: null, org: orgId(org), path, confidential, at: clock.toISOString(),
});
const sorted = (rows: LogRow[]) => [...rows].sort((a, b) => (a.at + a.case < b.at + b.case ? -1 : 1));

describe('what is recorded', () => {
  test('a list with the tier: one entry per case whose tier the response carries, as the reader, at the request’s time', async () => {
    const r = await timed.gql(`{ cases(first: 100) { nodes { reference confidential { summary } } } }`, { as: cast.ann });
    expect(r.body.errors).toBeUndefined();
    expect(await trail()).toEqual(sorted([entry('FTC-2004-017', cast.ann, 'ftc', true), entry('FTC-2004-021', cast.ann, 'ftc', true)]));
  });

  test('a TLP:RED row is recorded without its tier; other rows without their tier are not', async () => {
    await timed.gql(`{ cases(first: 100) { nodes { reference } } }`, { as: cast.oliver });
    expect(await trail()).toEqual([entry('FTC-2004-021', cast.oliver, 'oft', false)]);
  });

  test('a TLP:RED case’s cursor names its row (its id, its sort key): a response carrying it records the case; counts and page flags alone do not', async () => {
    const red = (selection: string) => timed.gql(`{ cases(filter: { tlp: RED }) { ${selection} } }`, { as: cast.oliver });
    expect((await red('totalCount pageInfo { hasNextPage hasPreviousPage }')).body.data.cases).toEqual({ totalCount: 1, pageInfo: { hasNextPage: false, hasPreviousPage: false } });
    expect(await trail()).toEqual([]);
    const edges = (await red('edges { cursor }')).body.data.cases.edges;
    expect(edges).toHaveLength(1);
    expect(await trail()).toEqual([entry('FTC-2004-021', cast.oliver, 'oft', false)]);
    expect((await red('pageInfo { endCursor }')).body.data.cases.pageInfo.endCursor).toBe(edges[0].cursor);
    expect(await trail()).toEqual([entry('FTC-2004-021', cast.oliver, 'oft', false), entry('FTC-2004-021', cast.oliver, 'oft', false)]);
  });

  test('a tier the response no longer carries (an error below nulled its case) is not recorded as read; a RED case stays recorded as a row', async () => {
    const failing = (id: string, as: string) =>
      timed.gql(`query($id: ID!) { case(id: $id) { reference confidential { summary } leadAgency { cases(first: 5000) { totalCount } } } }`, { as, variables: { id } });
    const isla = await failing(caseId('OFT-2004-003'), cast.isla);
    expect([isla.body.data, isla.body.errors?.map((e: any) => e.message)]).toEqual([{ case: null }, ['first: must be a whole number from 0 to 1000']]);
    expect(await trail()).toEqual([]);
    // The RED case: its row was noted where the response's data cannot tell; it stays, without the tier.
    const oliver = await failing(caseId('FTC-2004-021'), cast.oliver);
    expect(oliver.body.data).toEqual({ case: null });
    expect(await trail()).toEqual([entry('FTC-2004-021', cast.oliver, 'oft', false)]);
    // The same read without the error: the tier is recorded.
    await timed.gql(`query($id: ID!) { case(id: $id) { reference confidential { summary } } }`, { as: cast.isla, variables: { id: caseId('OFT-2004-003') } });
    expect((await trail()).map((r) => [r.case, r.person, r.confidential]).sort()).toEqual([
      ['FTC-2004-021', personId(cast.oliver), false],
      ['OFT-2004-003', personId(cast.isla), true],
    ]);
  });

  test('the same case several times in one response (aliases, nested paths) is one entry; the tier wins over the row', async () => {
    // Oliver (OFT, named on the RED share) sees the case by id, twice, and in the segment that discussed it.
    await timed.gql(
      `query($id: ID!, $seg: ID!) {
        a: case(id: $id) { reference }
        callSegment(id: $seg) { discussedCases { reference } }
        b: case(id: $id) { confidential { summary } }
      }`,
      { as: cast.oliver, variables: { id: caseId('FTC-2004-021'), seg: segmentId('past-1/1') } },
    );
    expect(await trail()).toEqual([entry('FTC-2004-021', cast.oliver, 'oft', true)]);
  });

  test('nothing is recorded for a reader who gets no tier and no RED row', async () => {
    for (const as of [null, cast.max, cast.paulo]) {
      await timed.gql(`{ cases(first: 100) { nodes { reference confidential { summary } } } }`, { as });
    }
    expect(await trail()).toEqual([]);
  });

  test('a row the response does not carry is not recorded (a refused mutation that loaded the RED case)', async () => {
    const r = await timed.gql(`mutation($id: ID!) { updateCase(id: $id, input: { title: "x" }) { id } }`, { as: cast.oliver, variables: { id: caseId('FTC-2004-021') } });
    expect(r.body.errors!.map((e) => e.extensions!.code)).toEqual(['FORBIDDEN']);
    expect(await trail()).toEqual([]);
  });

  test('an API key is recorded as the key (its name and prefix), for its organization, with no person', async () => {
    const created = await hub.gql(`mutation { createApiKey(name: "board") { secret apiKey { id prefix } } }`, { as: cast.ben });
    const { secret, apiKey } = created.body.data.createApiKey;
    await timed.gql(`{ cases(first: 100) { nodes { reference confidential { summary } } } }`, { token: secret });
    const rows = await trail();
    expect(rows).toEqual(
      sorted(['FTC-2004-017', 'FTC-2004-021'].map((ref) => ({ ...entry(ref, cast.ben, 'ftc', true), person: null, apiKey: apiKey.id, keyName: 'board' }))),
    );
    const [{ prefix }] = await hub.ds.query(`SELECT DISTINCT api_key_prefix AS prefix FROM case_access_log`);
    expect(prefix).toBe(apiKey.prefix);
  });

  test('the network report CSV carries no case’s tier or row (only counts): nothing is recorded for it', async () => {
    const token = await hub.tokenFor(personId(cast.ann), cast.ann);
    const base = timed.url.replace('/graphql', '');
    const from = new Date(clock.getTime() - 400 * 86_400_000).toISOString();
    const res = await fetch(`${base}/reports/network.csv?from=${encodeURIComponent(from)}&to=${encodeURIComponent(clock.toISOString())}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(200);
    await res.text();
    expect(await trail()).toEqual([]);
  });

  test('federation’s _entities is recorded as ENTITIES: the tier, and a RED row without it', async () => {
    const r = await timed.gql(
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { reference confidential { summary } } } }`,
      { as: cast.oliver, variables: { r: [{ __typename: 'Case', id: caseId('FTC-2004-021') }, { __typename: 'Case', id: caseId('OFT-2004-003') }] } },
    );
    expect(r.body.errors).toBeUndefined();
    expect(r.body.data._entities.map((e: { reference: string }) => e.reference)).toEqual(['FTC-2004-021', 'OFT-2004-003']);
    const byCase = (rows: LogRow[]) => [...rows].sort((a, b) => (a.case < b.case ? -1 : 1));
    expect(byCase(await trail())).toEqual([entry('FTC-2004-021', cast.oliver, 'oft', true, 'ENTITIES'), entry('OFT-2004-003', cast.oliver, 'oft', true, 'ENTITIES')]);
    await timed.gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { reference } } }`, {
      as: cast.tom, variables: { r: [{ __typename: 'Case', id: caseId('FTC-2004-021') }] },
    });
    expect((await trail()).filter((e) => e.person === personId(cast.tom))).toEqual([entry('FTC-2004-021', cast.tom, 'meridian', false, 'ENTITIES')]);
  });

  test('stored as one row per request, lead agency and kind of access, naming each case once', async () => {
    const stored = async () => {
      await timed.auditSettled();
      const rows = (await hub.ds.query(
        `SELECT lead_agency_id, case_ids, person_id, path, confidential, accessed_at FROM case_access_log ORDER BY confidential, lead_agency_id`,
      )) as Array<Record<string, any>>;
      return rows.map((r) => ({ ...r, accessed_at: (r.accessed_at as Date).toISOString(), case_ids: [...r.case_ids].sort() }));
    };
    // Isla (ICO) reads the tiers of her agency's case and of OFT's case shared with ICO: two lead agencies, two rows.
    await timed.gql(`{ cases(first: 100) { nodes { reference confidential { summary } } } }`, { as: cast.isla });
    const at = clock.toISOString();
    const byLead = [
      { lead_agency_id: orgId('ico'), case_ids: [caseId('ICO-2004-008')], person_id: personId(cast.isla), path: 'QUERY', confidential: true, accessed_at: at },
      { lead_agency_id: orgId('oft'), case_ids: [caseId('OFT-2004-003')], person_id: personId(cast.isla), path: 'QUERY', confidential: true, accessed_at: at },
    ].sort((a, b) => (a.lead_agency_id < b.lead_agency_id ? -1 : 1));
    expect(await stored()).toEqual(byLead);
    // Ann (FTC): the RED row without its tier and the CLEAR case's tier, both FTC's, in one request: a row for each kind.
    await hub.reset();
    await timed.gql(`query($id: ID!) { cases(first: 100) { nodes { reference } } clear: case(id: $id) { confidential { summary } } }`, {
      as: cast.ann, variables: { id: caseId('FTC-2004-017') },
    });
    expect(await stored()).toEqual([
      { lead_agency_id: orgId('ftc'), case_ids: [caseId('FTC-2004-021')], person_id: personId(cast.ann), path: 'QUERY', confidential: false, accessed_at: at },
      { lead_agency_id: orgId('ftc'), case_ids: [caseId('FTC-2004-017')], person_id: personId(cast.ann), path: 'QUERY', confidential: true, accessed_at: at },
    ]);
    // Both tiers in one response: one row naming both cases.
    await hub.reset();
    await timed.gql(`{ cases(first: 100) { nodes { reference confidential { summary } } } }`, { as: cast.ann });
    expect(await stored()).toEqual([
      { lead_agency_id: orgId('ftc'), case_ids: [caseId('FTC-2004-017'), caseId('FTC-2004-021')].sort(), person_id: personId(cast.ann), path: 'QUERY', confidential: true, accessed_at: at },
    ]);
  });

  test('the entries of one request are written in one statement', async () => {
    await hub.ds.query(`CREATE SEQUENCE audit_probe_statements`);
    await hub.ds.query(`CREATE FUNCTION audit_probe_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('audit_probe_statements'); RETURN NULL; END $$`);
    await hub.ds.query(`CREATE TRIGGER audit_probe AFTER INSERT ON case_access_log FOR EACH STATEMENT EXECUTE FUNCTION audit_probe_count()`);
    try {
      await timed.gql(`{ cases(first: 100) { nodes { reference confidential { summary } } } }`, { as: cast.tom });
      expect((await trail()).map((e) => e.case).sort()).toEqual(['FTC-2004-021', 'ICO-2004-008']);
      const [{ n }] = await hub.ds.query(`SELECT last_value::int AS n, is_called FROM audit_probe_statements`);
      expect(n).toBe(1);
    } finally {
      await hub.ds.query(`DROP TRIGGER audit_probe ON case_access_log; DROP FUNCTION audit_probe_count(); DROP SEQUENCE audit_probe_statements`);
    }
  });
});

describe('group commit', () => {
  test('the entries of requests answered while the first ones wait are written in one statement, at once when settled', async () => {
    await hub.ds.query(`CREATE SEQUENCE audit_probe_statements`);
    await hub.ds.query(`CREATE FUNCTION audit_probe_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM nextval('audit_probe_statements'); RETURN NULL; END $$`);
    await hub.ds.query(`CREATE TRIGGER audit_probe AFTER INSERT ON case_access_log FOR EACH STATEMENT EXECUTE FUNCTION audit_probe_count()`);
    try {
      // A writer that would wait a minute: settled() must not.
      const writer = new AuditWriter(hub.ds, pino({ level: 'silent' }), false, 60_000);
      const readers = [
        { email: cast.ann, org: 'ftc', ref: 'FTC-2004-017' },
        { email: cast.ben, org: 'ftc', ref: 'FTC-2004-021' },
        { email: cast.oliver, org: 'oft', ref: 'FTC-2004-021' },
      ];
      for (const r of readers) {
        const trail = new AuditTrail({ kind: ViewerKind.AGENCY, personId: personId(r.email), ownOrgId: orgId(r.org), memberOrgId: orgId(r.org) }, clock);
        trail.tier({ id: caseId(r.ref), leadAgencyId: orgId('ftc') });
        writer.record(trail);
      }
      expect(await hub.ds.query(`SELECT count(*)::int AS n FROM case_access_log`)).toEqual([{ n: 0 }]);
      await writer.settled();
      expect(await trail()).toEqual(sorted(readers.map((r) => entry(r.ref, r.email, r.org, true))));
      const [{ n }] = await hub.ds.query(`SELECT last_value::int AS n FROM audit_probe_statements`);
      expect(n).toBe(1);
    } finally {
      await hub.ds.query(`DROP TRIGGER audit_probe ON case_access_log; DROP FUNCTION audit_probe_count(); DROP SEQUENCE audit_probe_statements`);
    }
  });
});

describe('one statement per gathering window', () => {
  test('entries recorded while a statement runs are written one window after it was sent, not as soon as it ends', async () => {
    // Each statement notes when it was sent and takes 200 ms: the second reader's entry arrives while the first runs.
    await hub.ds.query(`CREATE SEQUENCE audit_probe_statements`);
    await hub.ds.query(`CREATE TABLE audit_probe_sent (n int, at timestamptz)`);
    await hub.ds.query(`CREATE FUNCTION audit_probe_slow() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO audit_probe_sent VALUES (nextval('audit_probe_statements'), statement_timestamp()); PERFORM pg_sleep(0.2); RETURN NULL; END $$`);
    await hub.ds.query(`CREATE TRIGGER audit_probe_slow BEFORE INSERT ON case_access_log FOR EACH STATEMENT EXECUTE FUNCTION audit_probe_slow()`);
    const gatherMs = 500;
    const writer = new AuditWriter(hub.ds, pino({ level: 'silent' }), false, gatherMs);
    try {
      const readers = [
        { email: cast.ann, org: 'ftc', ref: 'FTC-2004-017' },
        { email: cast.oliver, org: 'oft', ref: 'FTC-2004-021' },
      ];
      const record = (r: (typeof readers)[number]) => {
        const trail = new AuditTrail({ kind: ViewerKind.AGENCY, personId: personId(r.email), ownOrgId: orgId(r.org), memberOrgId: orgId(r.org) }, clock);
        trail.tier({ id: caseId(r.ref), leadAgencyId: orgId('ftc') });
        writer.record(trail);
      };
      const statementsStarted = async () => {
        const [{ n }] = await hub.ds.query(`SELECT CASE WHEN is_called THEN last_value::int ELSE 0 END AS n FROM audit_probe_statements`);
        return n as number;
      };
      const until = async (what: () => Promise<boolean>) => {
        for (const end = Date.now() + 10_000; !(await what()); ) {
          if (Date.now() > end) throw new Error('timed out');
          await new Promise((r) => setTimeout(r, 5));
        }
      };
      record(readers[0]);
      await until(async () => (await statementsStarted()) === 1);
      record(readers[1]);
      // Not settled(): that writes at once. Both entries committed, each by a statement of its own.
      await until(async () => (await hub.ds.query(`SELECT count(*)::int AS n FROM case_access_log`))[0].n === 2);
      const sent = (await hub.ds.query(`SELECT n, extract(epoch FROM at) * 1000 AS ms FROM audit_probe_sent ORDER BY n`)) as Array<{ n: number; ms: number }>;
      expect(sent.map((s) => s.n)).toEqual([1, 2]);
      // Written as soon as the first statement ended, the second would have been sent about 200 ms after it; the window
      // runs from when the writer sent the first, which reached the database a little later (a loaded machine: ms).
      expect(sent[1].ms - sent[0].ms).toBeGreaterThanOrEqual(gatherMs - 100);
      expect(await trail()).toEqual(sorted(readers.map((r) => entry(r.ref, r.email, r.org, true))));
    } finally {
      await writer.settled();
      await hub.ds.query(`DROP TRIGGER audit_probe_slow ON case_access_log; DROP FUNCTION audit_probe_slow(); DROP TABLE audit_probe_sent; DROP SEQUENCE audit_probe_statements`);
    }
  });
});

describe('statement size', () => {
  test('a statement writes at most 5,000 entries: the batches that would overflow it wait for the next, a larger one goes alone', async () => {
    await hub.ds.query(`CREATE TABLE audit_probe_sizes (n serial, entries int)`);
    await hub.ds.query(`CREATE FUNCTION audit_probe_size() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN INSERT INTO audit_probe_sizes (entries) SELECT sum(cardinality(case_ids)) FROM written; RETURN NULL; END $$`);
    await hub.ds.query(`CREATE TRIGGER audit_probe_size AFTER INSERT ON case_access_log REFERENCING NEW TABLE AS written
      FOR EACH STATEMENT EXECUTE FUNCTION audit_probe_size()`);
    try {
      const writer = new AuditWriter(hub.ds, pino({ level: 'silent' }), false, 60_000);
      const reader = { kind: ViewerKind.AGENCY, personId: personId(cast.oliver), ownOrgId: orgId('oft'), memberOrgId: orgId('oft') };
      // One request's entries for `n` cases of one lead agency: one batch (one row) of n entries.
      const request = (n: number) => {
        const trail = new AuditTrail(reader, clock);
        for (let i = 0; i < n; i++) trail.tier({ id: randomUUID(), leadAgencyId: orgId('ftc') });
        writer.record(trail);
      };
      for (const n of [2000, 2000, 2000, 6000, 100]) request(n);
      await writer.settled();
      const sizes = (await hub.ds.query(`SELECT entries FROM audit_probe_sizes ORDER BY n`)) as Array<{ entries: number }>;
      expect(sizes.map((r) => r.entries)).toEqual([4000, 2000, 6000, 100]);
      expect(await hub.ds.query(`SELECT cardinality(case_ids) AS n FROM case_access_log ORDER BY n`)).toEqual([100, 2000, 2000, 2000, 6000].map((n) => ({ n })));
    } finally {
      await hub.ds.query(`DROP TRIGGER audit_probe_size ON case_access_log; DROP FUNCTION audit_probe_size(); DROP TABLE audit_probe_sizes`);
    }
  });
});

/** A lost entry as its line lists it: a person's read of an FTC case's tier, through a query. */
const lostEntry = (ref: string, email: string, org: string) => ({
  case: caseId(ref),
  leadAgency: orgId('ftc'),
  person: personId(email),
  apiKey: null,
  apiKeyName: null,
  apiKeyPrefix: null,
  organization: orgId(org),
  path: 'QUERY',
  confidential: true,
  at: clock.toISOString(),
});

describe('a lost audit write', () => {
  test('never fails or changes the read, and is logged loudly with every lost entry', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'error' }, { write: (line: string) => void lines.push(line) });
    const loud = await startSiblingHub(hub, { now: () => clock, logger });
    await hub.ds.query(`CREATE FUNCTION audit_probe_refuse() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'the audit disk is full'; END $$`);
    await hub.ds.query(`CREATE TRIGGER audit_probe_refuse BEFORE INSERT ON case_access_log FOR EACH STATEMENT EXECUTE FUNCTION audit_probe_refuse()`);
    try {
      const query = `query($id: ID!) { case(id: $id) { reference confidential { summary } } }`;
      const r = await loud.gql(query, { as: cast.ann, variables: { id: caseId('FTC-2004-021') } });
      expect(r.status).toBe(200);
      expect(r.body).toEqual({ data: { case: { reference: 'FTC-2004-021', confidential: { summary: 'A phishing kit imitating Meridian Bank; the seller is identified.' } } } });
      await loud.auditSettled();
      expect(await trail()).toEqual([]);
      const errors = lines.map((l) => JSON.parse(l)).filter((l) => /AUDIT TRAIL/.test(l.msg));
      expect(errors).toHaveLength(1);
      expect(errors[0].level).toBe(50);
      expect(errors[0].msg).toBe('AUDIT TRAIL: 1 case access entry could not be written and is lost');
      // Every column of its row: enough to write it by hand.
      expect(errors[0].lostAuditEntries).toEqual([lostEntry('FTC-2004-021', cast.ann, 'ftc')]);
      expect(errors[0].err.message).toContain('the audit disk is full');
    } finally {
      await hub.ds.query(`DROP TRIGGER audit_probe_refuse ON case_access_log; DROP FUNCTION audit_probe_refuse()`);
      await loud.close();
    }
  });
});

describe('a write whose connection fails', () => {
  const onServer = process.env.LAPHUB_TEST_DB_KIND !== 'pglite';
  const reader = { email: cast.ann, org: 'ftc', ref: 'FTC-2004-021' };
  const record = (writer: AuditWriter) => {
    const trail = new AuditTrail({ kind: ViewerKind.AGENCY, personId: personId(reader.email), ownOrgId: orgId(reader.org), memberOrgId: orgId(reader.org) }, clock);
    trail.tier({ id: caseId(reader.ref), leadAgencyId: orgId('ftc') });
    writer.record(trail);
  };
  const isAuditWrite = (args: unknown[]) => /^INSERT INTO case_access_log/.test(String((args[0] as { text?: string })?.text ?? args[0]));

  /**
   * The pool's next connections, each with its `query` wrapped by `around` for the trail's statement (the connection,
   * failed, is then discarded by the pool, not handed to anyone else).
   */
  function interceptAuditWrites(around: (send: () => Promise<unknown>, n: number) => Promise<unknown>): () => void {
    const pool = poolOf(hub.ds);
    const connect = pool.connect.bind(pool) as () => Promise<import('pg').PoolClient>;
    let n = 0;
    // Each connection once: the pool hands the same connection out again (wrapped twice, one statement would count twice).
    const wrapped = new Map<object, unknown>();
    const spy = jest.spyOn(pool, 'connect').mockImplementation((async () => {
      const client = await connect();
      if (!wrapped.has(client)) {
        const query = client.query;
        wrapped.set(client, query);
        const send = query.bind(client) as (...args: unknown[]) => Promise<unknown>;
        (client as unknown as { query: unknown }).query = (...args: unknown[]) => (isAuditWrite(args) ? around(() => send(...args), ++n) : send(...args));
      }
      return client;
    }) as never);
    return () => {
      spy.mockRestore();
      for (const [client, query] of wrapped) (client as { query: unknown }).query = query;
    };
  }

  /** The trail's statements wait (a lock, say) until `release`: the entries recorded meanwhile wait behind the first. */
  function holdAuditWrites(): { release: () => void; restore: () => void } {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const restore = interceptAuditWrites(async (send) => {
      await held;
      return send();
    });
    return { release, restore };
  }

  /** The reader's entry recorded by a writer of its own whose trail statements go through `around`; its log lines at `level`. */
  async function recordThrough(around: Parameters<typeof interceptAuditWrites>[0], level: 'warn' | 'error'): Promise<string[]> {
    const lines: string[] = [];
    const writer = new AuditWriter(hub.ds, pino({ level }, { write: (line: string) => void lines.push(line) }), false, 0);
    await recordWith(writer, around);
    return lines;
  }

  /** The reader's entry recorded by `writer`, its trail statements going through `around`; settles when written or lost. */
  async function recordWith(writer: AuditWriter, around: Parameters<typeof interceptAuditWrites>[0]): Promise<void> {
    const restore = interceptAuditWrites(around);
    try {
      record(writer);
      await writer.settled();
    } finally {
      restore();
    }
  }

  test('its answer lost after it committed (the connection cut: EPIPE, then ended): sent again, the entry is written once', async () => {
    // A socket's code of five capitals, as an SQLSTATE has: still the connection's failure, not PostgreSQL's refusal.
    const failures = [Object.assign(new Error('write EPIPE'), { code: 'EPIPE', errno: -32, syscall: 'write' }), new Error('Connection terminated unexpectedly')];
    const lines = await recordThrough(async (send, n) => {
      const result = await send();
      if (n <= failures.length) throw failures[n - 1];
      return result;
    }, 'warn');
    expect(await trail()).toEqual([entry(reader.ref, reader.email, reader.org, true)]);
    expect(await hub.ds.query(`SELECT count(*)::int AS n FROM case_access_log`)).toEqual([{ n: 1 }]);
    expect(lines).toEqual([]);
  });

  test('failing before anything reached the database, again and again for 5 s: sent again meanwhile, then logged as lost with its attempts', async () => {
    const started = Date.now();
    const lines = await recordThrough(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }, 'error');
    expect(Date.now() - started).toBeGreaterThanOrEqual(5_000);
    expect(await trail()).toEqual([]);
    const errors = lines.map((l) => JSON.parse(l));
    expect(errors.map((e) => e.msg)).toEqual(['AUDIT TRAIL: 1 case access entry could not be written and is lost']);
    // 50, 100, 200, 400, 800 ms, then a second at a time: about ten attempts in five seconds.
    expect(errors[0].attempts).toBeGreaterThanOrEqual(6);
    expect(errors[0].attempts).toBeLessThanOrEqual(12);
    // Every column of its row: enough to write it by hand.
    expect(errors[0].lostAuditEntries).toEqual([lostEntry(reader.ref, cast.ann, 'ftc')]);
  });

  test('refused for a moment (the database not accepting connections: 55000, FATAL): sent again, written once', async () => {
    const refusal = Object.assign(new Error(`database "laphub" is not currently accepting connections`), { code: '55000', severity: 'FATAL' });
    const lines = await recordThrough(async (send, n) => {
      if (n <= 2) throw refusal;
      return send();
    }, 'warn');
    expect(await trail()).toEqual([entry(reader.ref, reader.email, reader.org, true)]);
    expect(lines).toEqual([]);
  });

  test('a process exiting before the trail is written (a stop past its time): abandon() lists what is lost, and what was under way', async () => {
    const lines: string[] = [];
    const writer = new AuditWriter(hub.ds, pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }), false, 0);
    const { release, restore } = holdAuditWrites();
    try {
      record(writer);
      await new Promise((r) => setTimeout(r, 50));
      const trail = new AuditTrail({ kind: ViewerKind.AGENCY, personId: personId(cast.oliver), ownOrgId: orgId('oft'), memberOrgId: orgId('oft') }, clock);
      trail.tier({ id: caseId('FTC-2004-021'), leadAgencyId: orgId('ftc') });
      writer.record(trail);
      writer.abandon();
      const said = lines.map((l) => JSON.parse(l));
      expect(said.map((l) => [l.msg, l.lostAuditEntries])).toEqual([
        [
          'AUDIT TRAIL: 1 case access entry was being written when the hub exited: whether it was is not known',
          [lostEntry(reader.ref, cast.ann, 'ftc')],
        ],
        [
          'AUDIT TRAIL: 1 case access entry could not be written before the hub exited and is lost',
          [lostEntry('FTC-2004-021', cast.oliver, 'oft')],
        ],
      ]);
    } finally {
      release();
      await writer.settled();
      restore();
    }
  });

  test('a write that does not end (a lock on the trail) is said while it lasts, with the entries waiting behind it; /metrics counts them, and the lost', async () => {
    const lines: string[] = [];
    const writer = new AuditWriter(hub.ds, pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }), false, 0, 200);
    const unobserve = observeAuditWriter(writer);
    const metric = async (name: string) => Number((await registry.getSingleMetricAsString(name)).split('\n').find((l) => l.startsWith(name))!.split(' ')[1]);
    const lostBefore = await metric('laphub_audit_entries_lost_total');
    const { release, restore } = holdAuditWrites();
    try {
      record(writer);
      await new Promise((r) => setTimeout(r, 50));
      record(writer);
      record(writer);
      expect(await metric('laphub_audit_entries_waiting')).toBe(3);
      await new Promise((r) => setTimeout(r, 500));
      const said = lines.map((l) => JSON.parse(l));
      expect(said.length).toBeGreaterThanOrEqual(2);
      expect(said[0]).toMatchObject({ level: 40, waitingAuditEntries: 3, msg: expect.stringMatching(/^AUDIT TRAIL: a write has not ended after \d+ s \(a lock on case_access_log, or a database that does not answer\?\): 3 entries wait in memory to be written$/) });
      expect(said[0].waitingMs).toBeGreaterThanOrEqual(200);
      release();
      await writer.settled();
      expect(await metric('laphub_audit_entries_waiting')).toBe(0);
      const count = lines.length;
      await new Promise((r) => setTimeout(r, 400));
      // Nothing more once it ended.
      expect(lines).toHaveLength(count);
    } finally {
      release();
      await writer.settled();
      restore();
    }
    // Nothing was lost: the first statement's row, and the two written after it.
    expect(await hub.ds.query(`SELECT count(*)::int AS n FROM case_access_log`)).toEqual([{ n: 3 }]);
    // Entries given up are counted: here one still waiting when the process exits (the one before it is under way:
    // abandon() runs before anything of its statement was sent).
    try {
      record(writer);
      record(writer);
      writer.abandon();
      expect(await metric('laphub_audit_entries_lost_total')).toBe(lostBefore + 1);
    } finally {
      await writer.settled();
      unobserve();
    }
  });

  test('the 5 s are the failure’s, not each statement’s: a second statement queued meanwhile gets what is left of them', async () => {
    const lines: string[] = [];
    const writer = new AuditWriter(hub.ds, pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }), false, 0);
    const restore = interceptAuditWrites(async () => {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    });
    const reader = { kind: ViewerKind.AGENCY, personId: personId(cast.oliver), ownOrgId: orgId('oft'), memberOrgId: orgId('oft') };
    const started = Date.now();
    try {
      // Two requests of 3,000 entries each: two statements (at most 5,000 entries one), the second queued behind the first.
      for (let r = 0; r < 2; r++) {
        const trail = new AuditTrail(reader, clock);
        for (let i = 0; i < 3000; i++) trail.tier({ id: randomUUID(), leadAgencyId: orgId('ftc') });
        writer.record(trail);
      }
      await writer.settled();
    } finally {
      restore();
    }
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(5_000);
    expect(took).toBeLessThan(7_500);
    const lost = lines.map((l) => JSON.parse(l));
    expect(lost.map((l) => [l.msg, l.lostAuditEntries.length])).toEqual([
      ['AUDIT TRAIL: 3000 case access entries could not be written and are lost', 3000],
      ['AUDIT TRAIL: 3000 case access entries could not be written and are lost', 3000],
    ]);
    expect(lost[1].attempts).toBe(1);
  });

  test('a failure after one whose entries were given up is a failure of its own: its statement is sent again, not tried once', async () => {
    const lines: string[] = [];
    const writer = new AuditWriter(hub.ds, pino({ level: 'error' }, { write: (line: string) => void lines.push(line) }), false, 0);
    const refused = () => Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    // An outage of more than 5 s: the entry is given up.
    await recordWith(writer, async () => {
      throw refused();
    });
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['AUDIT TRAIL: 1 case access entry could not be written and is lost']);
    // Later, a connection that fails once: sent again, and written.
    await recordWith(writer, async (send, n) => {
      if (n === 1) throw refused();
      return send();
    });
    expect(await trail()).toEqual([entry(reader.ref, reader.email, reader.org, true)]);
    expect(lines).toHaveLength(1);
  });

  (onServer ? test : test.skip)('its server process ended while the statement ran (pg_terminate_backend): sent again on a new connection, written once', async () => {
    // The first statement waits a second in a trigger, long enough to end its backend from here; those after do not.
    await hub.ds.query(`CREATE TABLE audit_probe_once (first boolean)`);
    await hub.ds.query(`CREATE FUNCTION audit_probe_wait() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NOT EXISTS (SELECT 1 FROM audit_probe_once) THEN PERFORM pg_sleep(1); END IF; RETURN NULL; END $$`);
    await hub.ds.query(`CREATE TRIGGER audit_probe_wait BEFORE INSERT ON case_access_log FOR EACH STATEMENT EXECUTE FUNCTION audit_probe_wait()`);
    const lines: string[] = [];
    const writer = new AuditWriter(hub.ds, pino({ level: 'warn' }, { write: (line: string) => void lines.push(line) }), false, 0);
    try {
      record(writer);
      let ended = 0;
      for (const end = Date.now() + 10_000; ended === 0 && Date.now() < end; ) {
        await new Promise((r) => setTimeout(r, 20));
        const [row] = await hub.ds.query(
          `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
           WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE 'INSERT INTO case_access_log%' AND wait_event = 'PgSleep'`,
        );
        ended = row.n;
        if (ended) await hub.ds.query(`INSERT INTO audit_probe_once VALUES (true)`);
      }
      expect(ended).toBe(1);
      await writer.settled();
    } finally {
      await hub.ds.query(`DROP TRIGGER audit_probe_wait ON case_access_log; DROP FUNCTION audit_probe_wait(); DROP TABLE audit_probe_once`);
    }
    expect(await trail()).toEqual([entry(reader.ref, reader.email, reader.org, true)]);
    expect(lines).toEqual([]);
  });
});

describe('Case.accessLog', () => {
  const LOG = `query($id: ID!) { case(id: $id) { reference accessLog { totalCount nodes { person { email } organization { name } apiKeyName path confidential accessedAt } } } }`;

  test('the lead agency’s people read who read their case, newest first', async () => {
    await timed.gql(`query($id: ID!) { case(id: $id) { confidential { summary } } }`, { as: cast.oliver, variables: { id: caseId('FTC-2004-021') } });
    const first = clock.toISOString();
    clock = new Date(clock.getTime() + 60_000);
    await timed.gql(`query($id: ID!) { case(id: $id) { reference } }`, { as: cast.tom, variables: { id: caseId('FTC-2004-021') } });
    await trail();
    const second = clock.toISOString();
    clock = new Date(clock.getTime() + 60_000);
    const r = await timed.gql(LOG, { as: cast.ben, variables: { id: caseId('FTC-2004-021') } });
    expect(r.body).toEqual({
      data: {
        case: {
          reference: 'FTC-2004-021',
          accessLog: {
            totalCount: 2,
            nodes: [
              { person: { email: cast.tom }, organization: { name: 'Meridian Bank' }, apiKeyName: null, path: 'QUERY', confidential: false, accessedAt: second },
              { person: { email: cast.oliver }, organization: { name: 'UK Office of Fair Trading' }, apiKeyName: null, path: 'QUERY', confidential: true, accessedAt: first },
            ],
          },
        },
      },
    });
    // Reading the log carried the RED row: Ben's read is now in it too.
    expect((await trail()).map((e) => [e.case, e.person, e.confidential])).toEqual([
      ['FTC-2004-021', personId(cast.oliver), true],
      ['FTC-2004-021', personId(cast.tom), false],
      ['FTC-2004-021', personId(cast.ben), false],
    ]);
  });

  test('one request that read several of the agency’s cases is an entry of each case’s log', async () => {
    await timed.gql(`{ cases(first: 100) { nodes { reference confidential { summary } } } }`, { as: cast.ann });
    await timed.auditSettled();
    const read = clock.toISOString();
    clock = new Date(clock.getTime() + 60_000);
    const LOGS = `query($a: ID!, $b: ID!) {
      a: case(id: $a) { accessLog { totalCount edges { cursor node { id person { email } path confidential accessedAt } } } }
      b: case(id: $b) { accessLog { totalCount edges { cursor node { id person { email } path confidential accessedAt } } } }
    }`;
    const r = await timed.gql(LOGS, { as: cast.ben, variables: { a: caseId('FTC-2004-017'), b: caseId('FTC-2004-021') } });
    expect(r.body.errors).toBeUndefined();
    const logs = [r.body.data.a.accessLog, r.body.data.b.accessLog];
    for (const log of logs) {
      expect(log.totalCount).toBe(1);
      expect(log.edges.map((e: any) => ({ ...e.node, id: undefined }))).toEqual([{ id: undefined, person: { email: cast.ann }, path: 'QUERY', confidential: true, accessedAt: read }]);
    }
    // The same reading: the same entry, with the same data, in both logs.
    expect(logs[0].edges[0].node.id).toBe(logs[1].edges[0].node.id);
    // A page after the only entry is empty.
    const next = await timed.gql(`query($id: ID!, $after: String!) { case(id: $id) { accessLog(after: $after) { totalCount nodes { path } pageInfo { hasNextPage } } } }`, {
      as: cast.ben, variables: { id: caseId('FTC-2004-017'), after: logs[0].edges[0].cursor },
    });
    expect(next.body).toEqual({ data: { case: { accessLog: { totalCount: 1, nodes: [], pageInfo: { hasNextPage: false } } } } });
  });

  test.each([
    ['Oliver, named on the RED case, reads its tier but not its log', cast.oliver, 'FTC-2004-021'],
    ['Tom, named on the RED case', cast.tom, 'FTC-2004-021'],
    ['Liam on the FTC’s CLEAR case', cast.liam, 'FTC-2004-017'],
    ['an anonymous caller on the CLEAR case', null, 'FTC-2004-017'],
    ['Grace on ACMA’s case shared with NorthStar', cast.grace, 'ACMA-2004-011'],
  ])('%s: null, noted in extensions.redacted, no error', async (_who, as, ref) => {
    const r = await timed.gql(LOG, { as, variables: { id: caseId(ref) } });
    expect(r.body).toEqual({
      data: { case: { reference: ref, accessLog: null } },
      extensions: { redacted: [{ path: 'case.accessLog', code: 'FORBIDDEN', count: 1 }] },
    });
  });
});

describe('the path of a read', () => {
  // A schema of its own: `_entities` (federation) and a plain root field resolve a case's tier through the same
  // resolver, which notes it in the trail as the hub's Case.confidential does.
  const Tier = new GraphQLObjectType({ name: 'Tier', fields: { summary: { type: GraphQLString } } });
  const CaseType = new GraphQLObjectType({
    name: 'Case',
    fields: {
      id: { type: new GraphQLNonNull(GraphQLID) },
      confidential: {
        type: Tier,
        resolve: (c: { id: string }, _a, ctx: { audit: AuditTrail }, info) => {
          ctx.audit.tier({ id: c.id, leadAgencyId: 'lead-1' }, info);
          return { summary: 's' };
        },
      },
    },
  });
  const schema = new GraphQLSchema({
    query: new GraphQLObjectType({
      name: 'Query',
      fields: {
        case: { type: CaseType, args: { id: { type: GraphQLID } }, resolve: (_p, a) => ({ id: a.id }) },
        _entities: { type: new GraphQLList(CaseType), args: { ids: { type: new GraphQLList(GraphQLID) } }, resolve: (_p, a) => a.ids.map((id: string) => ({ id })) },
      },
    }),
  });
  const viewer = { kind: ViewerKind.AGENCY, personId: personId(cast.ann), ownOrgId: orgId('ftc'), memberOrgId: orgId('ftc') };

  test.each([
    ['a query', `{ case(id: "c1") { confidential { summary } } }`, CaseAccessPath.QUERY],
    ['_entities', `{ _entities(ids: ["c1"]) { confidential { summary } } }`, CaseAccessPath.ENTITIES],
    ['_entities under an alias', `{ e: _entities(ids: ["c1"]) { confidential { summary } } }`, CaseAccessPath.ENTITIES],
  ])('%s is recorded as %s', async (_what, query, path) => {
    const audit = new AuditTrail(viewer, clock);
    const result = await execute({ schema, document: parse(query), contextValue: { audit } });
    expect(result.errors).toBeUndefined();
    expect(audit.take().map((b) => [b.caseIds, b.leadAgencyId, b.path, b.confidential])).toEqual([[['c1'], 'lead-1', path, true]]);
  });
});
