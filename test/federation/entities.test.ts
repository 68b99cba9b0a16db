import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createHub, Hub } from '../../src/server';
import { createLogger } from '../../src/logger';
import { TokenService } from '../../src/auth/tokens';
import { caseAccess, emailOf, readsConfidential, ViewerName, viewers } from '../support/demo-access';
import { caseId, cast, orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * Federation's `_entities` (DOMAIN §6): each representation is answered exactly as the root lookup answers the same id
 * for the same viewer — data, nulls and `extensions.redacted` — for every entity type, every demo viewer, and ids that
 * are visible, hidden, missing, of another type or not ids at all; forged fields in a representation change nothing; a
 * hidden row and a missing one give the same response; a page of representations costs what one does.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(async () => {
  await hub?.close();
});

interface EntityCase {
  type: string;
  key: 'id' | 'code';
  /** The root lookup and its argument. */
  root: string;
  argType: string;
  /** The selection compared, restricted parts included. */
  selection: string;
  /** Every key of this type in the database, whatever the viewer (read as the owner). */
  keys: () => Promise<string[]>;
}

const ids = (sql: string) => async () => ((await hub.ds.query(sql)) as Array<{ k: string }>).map((r) => r.k);

const entityCases: EntityCase[] = [
  {
    type: 'Case', key: 'id', root: 'case', argType: 'ID!',
    selection: 'id reference title tlp confidential { summary victimCount shares { participant { id } } } leadAgency { id name } viewerCan { readConfidential edit share }',
    keys: ids(`SELECT id::text AS k FROM enforcement_case ORDER BY id`),
  },
  {
    type: 'Agency', key: 'id', root: 'participant', argType: 'ID!',
    selection: '... on Agency { id name status isCoordinator pointOfContact { id name email } people { nodes { id email } } }',
    keys: ids(`SELECT id::text AS k FROM participant ORDER BY id`),
  },
  {
    type: 'PrivateSectorMember', key: 'id', root: 'participant', argType: 'ID!',
    selection: '... on PrivateSectorMember { id name status sector requestGuidance pointOfContact { id phone } }',
    keys: ids(`SELECT id::text AS k FROM participant ORDER BY id`),
  },
  {
    type: 'Person', key: 'id', root: 'person', argType: 'ID!',
    selection: 'id name email phone title organization { id name }',
    keys: ids(`SELECT id::text AS k FROM person ORDER BY id`),
  },
  {
    type: 'ConferenceCall', key: 'id', root: 'call', argType: 'ID!',
    selection: 'id title dialIn organizer { id } segments { title minutes discussedCases { id } } exclusions { reason }',
    keys: ids(`SELECT id::text AS k FROM conference_call ORDER BY id`),
  },
  {
    type: 'AssistanceRequest', key: 'id', root: 'assistanceRequest', argType: 'ID!',
    selection: 'id title status details { __typename } case { id } requestedBy { id } recipient { id }',
    keys: ids(`SELECT id::text AS k FROM assistance_request ORDER BY id`),
  },
  {
    type: 'SectorReport', key: 'id', root: 'report', argType: 'ID!',
    selection: 'id title tlp body author { id } recipients { id }',
    keys: ids(`SELECT id::text AS k FROM sector_report ORDER BY id`),
  },
  {
    type: 'Country', key: 'code', root: 'country', argType: 'String!',
    selection: 'code name developing primaryContact { id email }',
    keys: ids(`SELECT code AS k FROM country ORDER BY code`),
  },
];

/** Keys no row has, and keys of rows of other types (a case's id asked as a person, a person's as a case …). */
async function strangerKeys(c: EntityCase): Promise<string[]> {
  const other = c.type === 'Case' ? personId(cast.ann) : caseId('FTC-2004-017');
  return c.key === 'code' ? ['ZZ', 'gb', caseId('FTC-2004-017')] : [randomUUID(), other, 'not-an-id', orgId('ftc').toUpperCase()];
}

type Redacted = Array<{ path: string; code: string; count: number }>;

/** The redaction entries with the first path segment (the root field or its alias) dropped, counts summed. */
function redactedBelowRoot(redacted: Redacted | undefined): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of redacted ?? []) {
    const below = r.path.split('.').slice(1).join('.');
    out[below] = (out[below] ?? 0) + r.count;
  }
  return out;
}

describe.each(entityCases.map((c) => [c.type, c] as const))('_entities of %s equals its root lookup', (_type, c) => {
  test.each(viewers)('for %s', async (viewer: ViewerName) => {
    const keys = [...(await c.keys()), ...(await strangerKeys(c))];
    const as = emailOf(viewer);
    const root = await hub.gql(
      `query(${keys.map((_, i) => `$k${i}: ${c.argType}`).join(', ')}) { ${keys.map((_, i) => `r${i}: ${c.root}(${c.key}: $k${i}) { ${c.selection} }`).join(' ')} }`,
      { as, variables: Object.fromEntries(keys.map((k, i) => [`k${i}`, k])) },
    );
    // A root lookup of a participant answers both kinds; as an entity, only the named one.
    const typed = (row: any) => (row && c.root === 'participant' && Object.keys(row).length === 0 ? null : row);
    const entities = await hub.gql(`query($r: [_Any!]!) { _entities(representations: $r) { ${c.selection.startsWith('...') ? c.selection : `... on ${c.type} { ${c.selection} }`} } }`, {
      as,
      variables: { r: keys.map((k) => ({ __typename: c.type, [c.key]: k })) },
    });
    expect(root.body.errors).toBeUndefined();
    expect(entities.body.errors).toBeUndefined();
    expect(entities.body.data._entities).toEqual(keys.map((_, i) => typed(root.body.data[`r${i}`])));
    expect(redactedBelowRoot(entities.body.extensions?.redacted)).toEqual(
      // The root lookup also redacts the parts of the other kind of participant, which the entity answers as null.
      redactedBelowRoot((root.body.extensions?.redacted as Redacted | undefined)?.filter((r) => typed(root.body.data[r.path.split('.')[0]]) !== null)),
    );
    // Some row answers for every viewer except where the type is closed to them: the comparison is not of two nulls.
    if (c.type === 'Country' || c.type === 'Agency' || c.type === 'PrivateSectorMember') {
      expect(entities.body.data._entities.filter((e: unknown) => e !== null).length).toBeGreaterThan(0);
    }
  });
});

test('the cases each viewer gets through _entities are the hand-derived ones, confidential tier included', async () => {
  const refs = Object.keys(Object.fromEntries(caseAccess.ann.sees.concat(caseAccess.tom.sees, ['EFCC-2004-001']).map((r) => [r, 1])));
  for (const viewer of viewers) {
    const res = await hub.gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { reference confidential { summary } } } }`, {
      as: emailOf(viewer),
      variables: { r: refs.map((ref) => ({ __typename: 'Case', id: caseId(ref) })) },
    });
    expect(res.body.errors).toBeUndefined();
    const seen = (res.body.data._entities as Array<{ reference: string; confidential: unknown } | null>).filter((e) => e !== null);
    expect(seen.map((e) => e!.reference).sort()).toEqual([...caseAccess[viewer].sees].sort());
    expect(seen.filter((e) => e!.confidential !== null).map((e) => e!.reference).sort()).toEqual(
      caseAccess[viewer].sees.filter((ref) => readsConfidential(viewer, ref)).sort(),
    );
    const withheld = seen.filter((e) => e!.confidential === null).length;
    expect(res.body.extensions?.redacted ?? []).toEqual(withheld ? [{ path: '_entities.confidential', code: 'FORBIDDEN', count: withheld }] : []);
    // For a gateway: which representations had their tier withheld (`redactedEntities`), exactly the nulls it sees.
    const entities = res.body.data._entities as Array<{ confidential: unknown } | null>;
    expect(res.body.extensions?.redactedEntities ?? []).toEqual(
      entities.flatMap((e, index) => (e !== null && e.confidential === null ? [{ index, path: 'confidential', count: 1 }] : [])),
    );
  }
});

test('a hidden row and an id that never existed give the same response', async () => {
  const ask = (id: string, as: string | null) =>
    hub.gql(`query($r: [_Any!]!) { _entities(representations: $r) { __typename ... on Case { id title tlp } } }`, {
      as,
      variables: { r: [{ __typename: 'Case', id }] },
    });
  for (const [as, hidden] of [[null, 'FTC-2004-021'], [cast.grace, 'ICO-2004-008'], [cast.priya, 'FTC-2004-021'], [cast.isla, 'EFCC-2004-001']] as const) {
    const a = await ask(caseId(hidden), as);
    const b = await ask(randomUUID(), as);
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ data: { _entities: [null] } });
    expect(b).toEqual(a);
  }
});

test('fields of a representation other than its key change nothing', async () => {
  const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { id reference tlp title confidential { summary } } ... on Person { id email } } }`;
  const forged = await hub.gql(query, {
    as: cast.grace,
    variables: {
      r: [
        // A visible case, with its row and tier forged: answered from the database.
        { __typename: 'Case', id: caseId('OFT-2004-003'), title: 'forged', tlp: 'CLEAR', reference: 'X', confidential: { summary: 'forged' }, leadAgencyId: orgId('northstar') },
        // A hidden RED case claiming to be CLEAR: still hidden.
        { __typename: 'Case', id: caseId('FTC-2004-021'), tlp: 'CLEAR', title: 'forged' },
        // A person, forged email.
        { __typename: 'Person', id: personId(cast.ann), email: 'forged@example', organizationId: orgId('northstar') },
      ],
    },
  });
  const plain = await hub.gql(query, {
    as: cast.grace,
    variables: {
      r: [
        { __typename: 'Case', id: caseId('OFT-2004-003') },
        { __typename: 'Case', id: caseId('FTC-2004-021') },
        { __typename: 'Person', id: personId(cast.ann) },
      ],
    },
  });
  expect(forged.body).toEqual(plain.body);
  expect(forged.body.data._entities[0]).toMatchObject({ reference: 'OFT-2004-003', tlp: 'GREEN', confidential: null });
  expect(forged.body.data._entities[1]).toBeNull();
  expect(forged.body.data._entities[2]).toEqual({ id: personId(cast.ann), email: cast.ann });
});

test('an id of another entity type is null, as on the root lookup', async () => {
  const res = await hub.gql(`query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, {
    as: cast.ann,
    variables: {
      r: [
        { __typename: 'Agency', id: orgId('northstar') },
        { __typename: 'PrivateSectorMember', id: orgId('ftc') },
        { __typename: 'Case', id: orgId('ftc') },
        { __typename: 'Agency', id: orgId('ftc') },
        { __typename: 'PrivateSectorMember', id: orgId('northstar') },
      ],
    },
  });
  expect(res.body).toEqual({ data: { _entities: [null, null, null, { __typename: 'Agency' }, { __typename: 'PrivateSectorMember' }] } });
});

test('a representation no gateway sends is bad input naming it; nothing is looked up', async () => {
  const ask = (r: unknown[]) => hub.gql(`query($r: [_Any!]!) { _entities(representations: $r) { __typename } }`, { as: cast.ann, variables: { r } });
  const cases: Array<[unknown[], string]> = [
    [[{ __typename: 'Case', id: caseId('FTC-2004-017') }, { __typename: 'CaseShare', id: caseId('FTC-2004-017') }], 'representations[1].__typename: CaseShare is not an entity of this subgraph'],
    [[{ __typename: 'Query' }], 'representations[0].__typename: Query is not an entity of this subgraph'],
    [[{ id: caseId('FTC-2004-017') }], 'representations[0].__typename: must be the name of an entity type'],
    [[{ __typename: 'Case' }], 'representations[0].id: must be the id of the Case, a string'],
    [[{ __typename: 'Country', code: 7 }], 'representations[0].code: must be the code of the Country, a string'],
    [['Case'], 'representations[0]: must be an object with __typename and the key of an entity'],
  ];
  for (const [r, message] of cases) {
    const res = await ask(r);
    expect(res.body.data).toBeNull();
    expect(res.body.errors).toEqual([expect.objectContaining({ message, path: ['_entities'], extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
  }
});

test('a variable inside a representation written in the query is read, as a whole list given as a variable is', async () => {
  const ftc = caseId('FTC-2004-017');
  const selection = `{ __typename ... on Case { reference confidential { summary } } ... on Person { email } }`;
  const asVariable = await hub.gql(`query($r: [_Any!]!) { _entities(representations: $r) ${selection} }`, {
    as: cast.ann,
    variables: { r: [{ __typename: 'Case', id: ftc }, { __typename: 'Person', id: personId(cast.isla) }] },
  });
  expect(asVariable.body.errors).toBeUndefined();
  expect(asVariable.body.data._entities.map((e: { __typename: string }) => e.__typename)).toEqual(['Case', 'Person']);
  // The same representations with their keys (or a whole representation) as variables inside the literal list.
  for (const [query, variables] of [
    [`query($c: ID!, $p: ID!) { _entities(representations: [{ __typename: "Case", id: $c }, { __typename: "Person", id: $p }]) ${selection} }`, { c: ftc, p: personId(cast.isla) }],
    [`query($c: _Any!, $p: ID!) { _entities(representations: [$c, { __typename: "Person", id: $p }]) ${selection} }`, { c: { __typename: 'Case', id: ftc }, p: personId(cast.isla) }],
    [`query($c: ID!) { _entities(representations: [{ __typename: "Case", id: $c, extra: [$c, { nested: $c }] }, { __typename: "Person", id: "${personId(cast.isla)}" }]) ${selection} }`, { c: ftc }],
  ] as Array<[string, Record<string, unknown>]>) {
    const res = await hub.gql(query, { as: cast.ann, variables });
    expect([query, res.status, res.body]).toEqual([query, 200, asVariable.body]);
  }
  // A variable not given is no key: bad input naming it, as an absent key is.
  const missing = await hub.gql(`query($c: ID) { _entities(representations: [{ __typename: "Case", id: $c }]) { __typename } }`, { as: cast.ann });
  expect(missing.body.errors).toEqual([expect.objectContaining({ message: 'representations[0].id: must be the id of the Case, a string', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })]);
});

test('a page of representations costs what one costs: one statement per entity type', async () => {
  const all = (await hub.ds.query(`SELECT id::text AS k FROM enforcement_case`)) as Array<{ k: string }>;
  const people = (await hub.ds.query(`SELECT id::text AS k FROM person`)) as Array<{ k: string }>;
  const query = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { id title } ... on Person { id name } } }`;
  const one = await hub.gql(query, { as: cast.ann, variables: { r: [{ __typename: 'Case', id: all[0].k }, { __typename: 'Person', id: people[0].k }] } });
  const many = await hub.gql(query, {
    as: cast.ann,
    variables: { r: [...all.map((c) => ({ __typename: 'Case', id: c.k })), ...people.map((p) => ({ __typename: 'Person', id: p.k }))] },
  });
  expect(many.body.errors).toBeUndefined();
  expect(many.body.data._entities.length).toBe(all.length + people.length);
  expect(many.statements).toBe(one.statements);
});

test('_service { sdl } is the committed subgraph.graphql', async () => {
  const res = await hub.gql(`{ _service { sdl } }`);
  expect(res.body).toEqual({ data: { _service: { sdl: fs.readFileSync(path.join(__dirname, '../../subgraph.graphql'), 'utf8') } } });
});

describe('in production', () => {
  let production: Hub;
  let url: string;
  beforeAll(async () => {
    const config = { ...hub.config, nodeEnv: 'production' as const, introspection: 'members' as const };
    production = await createHub({ config, ds: hub.ds, logger: createLogger(config) });
    url = `http://127.0.0.1:${await production.listen(0, '127.0.0.1')}/graphql`;
  });
  afterAll(async () => {
    await production?.stop();
  });

  const post = async (query: string, token?: string, variables?: unknown) => {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  test('_service refuses anonymous callers and answers signed-in members', async () => {
    const anonymous = await post(`{ _service { sdl } }`);
    // Refused before anything runs, by the same gate as `__schema` and `__type` (src/graphql/introspection.ts).
    expect(anonymous.status).toBe(403);
    expect(anonymous.body).toEqual({
      errors: [{ message: "Introspection (_service) is only for signed-in members: send a member's bearer token or API key.", extensions: { code: 'FORBIDDEN' } }],
    });
    // An applicant (anonymous plus their own application) is not a member either.
    const tokens = new TokenService(hub.config);
    const applicant = await post(`{ _service { sdl } }`, await tokens.sign(personId(cast.paulo), cast.paulo));
    expect(applicant.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const member = await post(`{ _service { sdl } }`, await tokens.sign(personId(cast.grace), cast.grace));
    expect(member.body.data._service.sdl).toContain('type Case @key(fields: "id")');
  });

  test('_entities answers anonymous callers as their root lookups do (public rows only)', async () => {
    const res = await post(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { reference } } }`, undefined, {
      r: [{ __typename: 'Case', id: caseId('FTC-2004-017') }, { __typename: 'Case', id: caseId('FTC-2004-021') }],
    });
    expect(res.body).toEqual({ data: { _entities: [{ reference: 'FTC-2004-017' }, null] } });
  });
});

test('inline traces (ftv1) are never added, even when a gateway asks for them', async () => {
  const res = await hub.gql(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Case { id } } }`, {
    as: cast.ann,
    variables: { r: [{ __typename: 'Case', id: caseId('FTC-2004-017') }] },
    headers: { 'apollo-federation-include-trace': 'ftv1' },
  });
  expect(res.body).toEqual({ data: { _entities: [{ id: caseId('FTC-2004-017') }] } });
});
