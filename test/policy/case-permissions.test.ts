import { caseAccess, emailOf, harmOrder, openedOrder, summaries, victimCounts, ViewerName, viewers } from '../support/demo-access';
import { forgedCursor } from '../support/cursor';
import { caseId, cast, orgId, startTestHub, TestHub } from '../support/hub';

/**
 * Viewer × case tables for the nine demo cases (DOMAIN §4 "Cases"): which rows each viewer sees, whose confidential
 * tier they read, what `viewerCan` tells them, and that a hidden case answers exactly like one that never existed.
 * The expectations are the hand-derived table in test/support/demo-access.ts. Read-only: the demo data stays as loaded.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const UNKNOWN_CASE = '0b6f3c1e-8d2a-4f6b-9c3e-5a7d1e2f4b60';

const caseFields = 'reference confidential { summary victimCount } viewerCan { readConfidential edit share }';

function expectedNode(viewer: ViewerName, ref: string) {
  const reads = caseAccess[viewer].confidential.includes(ref);
  const leads = caseAccess[viewer].leads.includes(ref);
  return {
    reference: ref,
    confidential: reads ? { summary: summaries[ref], victimCount: victimCounts[ref] } : null,
    viewerCan: { readConfidential: reads, edit: leads, share: leads },
  };
}

function gql(viewer: ViewerName, query: string, variables?: Record<string, unknown>) {
  return hub.gql(query, { as: emailOf(viewer), variables });
}

/** References of a `cases` answer, with its totalCount; fails on any error. */
async function listed(viewer: ViewerName, args: string): Promise<{ totalCount: number; refs: string[] }> {
  const r = await gql(viewer, `{ cases(${args}) { totalCount nodes { reference } } }`);
  expect(r.body.errors).toBeUndefined();
  return { totalCount: r.body.data.cases.totalCount, refs: r.body.data.cases.nodes.map((n: { reference: string }) => n.reference) };
}

describe('the table covers every demo viewer', () => {
  test('every person of the cast has a row', () => {
    expect(viewers.filter((v) => v !== 'anonymous').sort()).toEqual(Object.keys(cast).sort());
  });

  const kinds: Record<ViewerName, string> = {
    anonymous: 'ANONYMOUS', ann: 'COORDINATOR', ben: 'COORDINATOR', oliver: 'COORDINATOR', isla: 'AGENCY', liam: 'AGENCY',
    minjun: 'AGENCY', emeka: 'AGENCY', claire: 'AGENCY', grace: 'PRIVATE', tom: 'PRIVATE', priya: 'PRIVATE', eva: 'PRIVATE',
    max: 'PRIVATE', paulo: 'ANONYMOUS',
  };
  test.each(viewers)('%s is the viewer kind the table assumes', async (viewer) => {
    const r = await gql(viewer, '{ me { kind } }');
    expect(r.body).toEqual({ data: { me: { kind: kinds[viewer] } } });
  });
});

describe('cases: viewer × case', () => {
  test.each(viewers)('%s lists exactly the cases they may see, with the confidential tier exactly where they may read it', async (viewer) => {
    const access = caseAccess[viewer];
    const r = await gql(viewer, `{ cases(first: 100) { totalCount nodes { ${caseFields} } } }`);
    const visible = harmOrder.filter((ref) => access.sees.includes(ref));
    const redacted = visible.length - access.confidential.length;
    expect(r.status).toBe(200);
    expect(r.body).toEqual({
      data: { cases: { totalCount: access.sees.length, nodes: visible.map((ref) => expectedNode(viewer, ref)) } },
      ...(redacted > 0 ? { extensions: { redacted: [{ path: 'cases.nodes.confidential', code: 'FORBIDDEN', count: redacted }] } } : {}),
    });
  });

  const pairs = viewers.flatMap((viewer) => harmOrder.map((ref) => [viewer, ref] as [ViewerName, string]));
  test.each(pairs)('%s: case(id) of %s', async (viewer, ref) => {
    const query = `query ($id: ID!) { case(id: $id) { ${caseFields} } }`;
    const r = await gql(viewer, query, { id: caseId(ref) });
    if (caseAccess[viewer].sees.includes(ref)) {
      const node = expectedNode(viewer, ref);
      expect(r.body).toEqual({
        data: { case: node },
        ...(node.confidential ? {} : { extensions: { redacted: [{ path: 'case.confidential', code: 'FORBIDDEN', count: 1 }] } }),
      });
    } else {
      // A hidden case is answered exactly like an id that never existed: null, no error, no redaction note.
      const unknown = await gql(viewer, query, { id: UNKNOWN_CASE });
      expect(unknown.body).toEqual({ data: { case: null } });
      expect(r.body).toEqual(unknown.body);
    }
  });

  test.each(viewers)('%s: an id that is not even a UUID is null too', async (viewer) => {
    const r = await gql(viewer, `{ case(id: "FTC-2004-021") { reference } }`);
    expect(r.body).toEqual({ data: { case: null } });
  });
});

describe('filters never reveal a hidden case', () => {
  const red: Array<[ViewerName, string[]]> = [
    ['anonymous', []],
    ['paulo', []],
    ['isla', []],
    ['liam', []],
    ['minjun', []],
    ['claire', []],
    ['grace', []],
    ['priya', []],
    ['eva', []],
    ['max', []],
    ['ann', ['FTC-2004-021']],
    ['ben', ['FTC-2004-021']],
    ['oliver', ['FTC-2004-021']],
    ['tom', ['FTC-2004-021']],
    ['emeka', ['EFCC-2004-001']],
  ];
  test.each(red)('tlp RED as %s', async (viewer, expected) => {
    expect(await listed(viewer, 'filter: { tlp: RED }')).toEqual({ totalCount: expected.length, refs: expected });
  });

  test.each([
    ['tom', 'efcc', []],
    ['ann', 'efcc', []],
    ['grace', 'efcc', []],
    ['anonymous', 'efcc', []],
    ['emeka', 'efcc', ['EFCC-2004-001']],
    ['tom', 'ftc', ['FTC-2004-021', 'FTC-2004-017']],
    ['priya', 'ftc', ['FTC-2004-017']],
    ['anonymous', 'ftc', ['FTC-2004-017']],
    ['oliver', 'ftc', ['FTC-2004-021', 'FTC-2004-017']],
    ['isla', 'ftc', ['FTC-2004-017']],
    ['grace', 'acma', ['ACMA-2004-011']],
    ['priya', 'acma', []],
    ['eva', 'ico', []],
    ['ann', 'cgi', []],
  ] as Array<[ViewerName, string, string[]]>)('leadAgencyId as %s: the cases of %s', async (viewer, org, expected) => {
    expect(await listed(viewer, `filter: { leadAgencyId: "${orgId(org)}" }`)).toEqual({ totalCount: expected.length, refs: expected });
  });

  test.each([
    ['tom', 'cgi'],
    ['anonymous', 'cgi'],
    ['paulo', 'northstar'],
    ['ann', 'northstar'],
  ] as Array<[ViewerName, string]>)(
    'leadAgencyId as %s naming %s (not an agency they can see) answers exactly like an unknown id',
    async (viewer, org) => {
      const query = 'query ($id: ID!) { cases(filter: { leadAgencyId: $id }) { totalCount } }';
      const r = await gql(viewer, query, { id: orgId(org) });
      const unknown = await gql(viewer, query, { id: '7d1c2a3b-4e5f-4a6b-8c7d-9e0f1a2b3c4d' });
      expect(unknown.body.data).toBeNull();
      expect(unknown.body.errors).toHaveLength(1);
      expect(unknown.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'filter.leadAgencyId' });
      expect(unknown.body.errors![0].message).toBe('filter.leadAgencyId: no agency with this id');
      expect(r.body).toEqual(unknown.body);
    },
  );

  test('an empty leadAgencyId names no agency: bad input, as an empty countryCode is, not a filter left out', async () => {
    const r = await gql('ann', '{ cases(filter: { leadAgencyId: "" }) { totalCount } }');
    expect([r.body.data, r.body.errors?.map((e) => [e.message, e.extensions])]).toEqual([
      null,
      [['filter.leadAgencyId: no agency with this id', { code: 'BAD_USER_INPUT', argument: 'filter.leadAgencyId' }]],
    ]);
  });

  test.each([
    ['tom', 'PHISHING', ['FTC-2004-021']],
    ['ann', 'PHISHING', ['FTC-2004-021']],
    ['priya', 'PHISHING', []],
    ['isla', 'PHISHING', []],
    ['anonymous', 'PHISHING', []],
    ['isla', 'IDENTITY_THEFT', ['ICO-2004-008']],
    ['tom', 'IDENTITY_THEFT', ['FTC-2004-021', 'ICO-2004-008']],
    ['grace', 'IDENTITY_THEFT', []],
    ['grace', 'MALWARE', ['ACMA-2004-011', 'OPTA-2004-005']],
    ['max', 'MALWARE', ['OPTA-2004-005']],
    ['claire', 'MALWARE', ['ACMA-2004-011', 'OPTA-2004-005', 'CRTC-2004-004']],
    ['anonymous', 'ONLINE_FRAUD', ['FTC-2004-017']],
    ['emeka', 'ONLINE_FRAUD', ['OFT-2004-003', 'EFCC-2004-001', 'FTC-2004-017', 'OPTA-2004-005']],
    ['ann', 'OTHER', []],
  ] as Array<[ViewerName, string, string[]]>)('category as %s: %s', async (viewer, category, expected) => {
    expect(await listed(viewer, `filter: { category: ${category} }`)).toEqual({ totalCount: expected.length, refs: expected });
  });

  test.each([
    ['ann', 'NG', []],
    ['tom', 'NG', []],
    ['emeka', 'NG', ['EFCC-2004-001']],
    ['grace', 'GB', ['OFT-2004-003']],
    ['tom', 'GB', ['FTC-2004-021', 'OFT-2004-003', 'ICO-2004-008']],
    ['isla', 'GB', ['OFT-2004-003', 'ICO-2004-008']],
    ['emeka', 'GB', ['OFT-2004-003', 'EFCC-2004-001', 'ICO-2004-008']],
    ['anonymous', 'US', ['FTC-2004-017']],
    ['grace', 'KR', ['ACMA-2004-011']],
    ['priya', 'KR', []],
    ['minjun', 'KR', ['ACMA-2004-011', 'KISA-2004-002']],
    ['ann', 'BR', []],
  ] as Array<[ViewerName, string, string[]]>)('countryCode as %s: %s', async (viewer, code, expected) => {
    expect(await listed(viewer, `filter: { countryCode: "${code}" }`)).toEqual({ totalCount: expected.length, refs: expected });
  });

  test.each([
    ['isla', '{ status: INVESTIGATING }', ['ACMA-2004-011', 'OFT-2004-003']],
    ['emeka', '{ status: INVESTIGATING }', ['ACMA-2004-011', 'OFT-2004-003', 'EFCC-2004-001']],
    ['tom', '{ status: INVESTIGATING }', ['FTC-2004-021', 'OFT-2004-003']],
    ['priya', '{ status: INVESTIGATING }', ['OFT-2004-003']],
    ['grace', '{ tlp: AMBER, countryCode: "KR" }', ['ACMA-2004-011']],
    ['priya', '{ tlp: AMBER, countryCode: "KR" }', []],
    ['tom', '{ tlp: AMBER_STRICT }', ['ICO-2004-008']],
    ['grace', '{ tlp: AMBER_STRICT }', []],
    ['oliver', '{ tlp: RED, countryCode: "NG" }', []],
    ['emeka', '{ tlp: RED, countryCode: "NG", category: ONLINE_FRAUD, status: INVESTIGATING }', ['EFCC-2004-001']],
  ] as Array<[ViewerName, string, string[]]>)('as %s: filter %s', async (viewer, filter, expected) => {
    expect(await listed(viewer, `filter: ${filter}`)).toEqual({ totalCount: expected.length, refs: expected });
  });

  test.each(['anonymous', 'ann', 'tom'] as ViewerName[])('an unknown country code is bad input for %s alike', async (viewer) => {
    const r = await gql(viewer, '{ cases(filter: { countryCode: "ZZ" }) { totalCount } }');
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'filter.countryCode' });
  });

  // The filter's rule (ISO 3166-1 alpha-2) is asked, as for every input object: a filter is one inside the arguments.
  test.each([
    ['cases', 'gb'], ['cases', 'G'], ['cases', 'GBR'], ['participants', 'gb'], ['participants', ''],
  ])('%s(filter: { countryCode: "%s" }) is told it is not a country code, not that no country has it', async (field, code) => {
    const r = await gql('isla', `{ ${field}(filter: { countryCode: "${code}" }) { totalCount } }`);
    expect([r.body.data, r.body.errors!.map((e) => [e.message, e.extensions, e.path])]).toEqual([
      null, [['filter.countryCode: must be an ISO 3166-1 alpha-2 code such as GB', { code: 'BAD_USER_INPUT', argument: 'filter.countryCode' }, [field]]],
    ]);
  });
});

describe('order', () => {
  test.each([
    ['ann', 'HARM', ['ACMA-2004-011', 'FTC-2004-021', 'OFT-2004-003', 'FTC-2004-017', 'OPTA-2004-005', 'ICO-2004-008', 'CRTC-2004-004', 'KISA-2004-002']],
    ['emeka', 'HARM', ['ACMA-2004-011', 'OFT-2004-003', 'EFCC-2004-001', 'FTC-2004-017', 'OPTA-2004-005', 'ICO-2004-008', 'CRTC-2004-004', 'KISA-2004-002']],
    ['tom', 'HARM', ['FTC-2004-021', 'OFT-2004-003', 'FTC-2004-017', 'OPTA-2004-005', 'ICO-2004-008']],
    ['ann', 'OPENED_AT', ['FTC-2004-021', 'KISA-2004-002', 'ICO-2004-008', 'ACMA-2004-011', 'OPTA-2004-005', 'OFT-2004-003', 'FTC-2004-017', 'CRTC-2004-004']],
    ['emeka', 'OPENED_AT', ['EFCC-2004-001', 'KISA-2004-002', 'ICO-2004-008', 'ACMA-2004-011', 'OPTA-2004-005', 'OFT-2004-003', 'FTC-2004-017', 'CRTC-2004-004']],
    ['tom', 'OPENED_AT', ['FTC-2004-021', 'ICO-2004-008', 'OPTA-2004-005', 'OFT-2004-003', 'FTC-2004-017']],
    ['grace', 'OPENED_AT', ['ACMA-2004-011', 'OPTA-2004-005', 'OFT-2004-003', 'FTC-2004-017']],
  ] as Array<[ViewerName, string, string[]]>)('as %s by %s', async (viewer, order, expected) => {
    const r = await gql(viewer, `{ cases(orderBy: ${order}) { totalCount nodes { reference harmScore openedAt } } }`);
    expect(r.body.errors).toBeUndefined();
    const nodes = r.body.data.cases.nodes as Array<{ reference: string; harmScore: number; openedAt: string }>;
    expect(nodes.map((n) => n.reference)).toEqual(expected);
    expect(r.body.data.cases.totalCount).toBe(expected.length);
    // The order is by the key the viewer can see, strictly (the demo has no ties).
    for (let i = 1; i < nodes.length; i++) {
      if (order === 'HARM') expect(nodes[i - 1].harmScore).toBeGreaterThan(nodes[i].harmScore);
      else expect(Date.parse(nodes[i - 1].openedAt)).toBeGreaterThan(Date.parse(nodes[i].openedAt));
    }
  });

  test('the hand-written orders agree with the harm scores and opening dates an agency sees', async () => {
    const r = await gql('emeka', '{ cases(first: 100) { nodes { reference harmScore openedAt } } }');
    const nodes = r.body.data.cases.nodes as Array<{ reference: string; harmScore: number; openedAt: string }>;
    const harm: Record<string, number> = {
      'ACMA-2004-011': 90, 'OFT-2004-003': 83, 'EFCC-2004-001': 78, 'FTC-2004-017': 77, 'OPTA-2004-005': 75,
      'ICO-2004-008': 71, 'CRTC-2004-004': 55, 'KISA-2004-002': 32,
    };
    const daysAgo: Record<string, number> = {
      'ACMA-2004-011': 200, 'OFT-2004-003': 300, 'EFCC-2004-001': 90, 'FTC-2004-017': 400, 'OPTA-2004-005': 250,
      'ICO-2004-008': 150, 'CRTC-2004-004': 500, 'KISA-2004-002': 120,
    };
    expect(Object.fromEntries(nodes.map((n) => [n.reference, n.harmScore]))).toEqual(harm);
    expect(Object.fromEntries(nodes.map((n) => [n.reference, (hub.now.getTime() - Date.parse(n.openedAt)) / 86_400_000]))).toEqual(daysAgo);
    expect(harmOrder.filter((ref) => ref !== 'FTC-2004-021')).toEqual(nodes.map((n) => n.reference));
    expect(openedOrder.filter((ref) => ref !== 'FTC-2004-021')).toEqual(
      [...nodes].sort((a, b) => Date.parse(b.openedAt) - Date.parse(a.openedAt)).map((n) => n.reference),
    );
  });
});

describe('pagination', () => {
  interface PageShape {
    totalCount: number;
    edges: Array<{ cursor: string; node: { reference: string } }>;
    nodes: Array<{ reference: string }>;
    pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  }

  async function walk(viewer: ViewerName, args: string, size: number): Promise<{ refs: string[]; pages: number; totals: number[] }> {
    const refs: string[] = [];
    const totals: number[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const r = await gql(
        viewer,
        `query ($after: String) { cases(${args} first: ${size}, after: $after) {
           totalCount edges { cursor node { reference } } nodes { reference }
           pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`,
        { after },
      );
      expect(r.body.errors).toBeUndefined();
      const page = r.body.data.cases as PageShape;
      pages++;
      expect(page.nodes).toEqual(page.edges.map((e) => e.node));
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
      expect(page.pageInfo.endCursor).toBe(page.edges[page.edges.length - 1]?.cursor ?? null);
      refs.push(...page.nodes.map((n) => n.reference));
      // The count is over all pages: the same on every page.
      totals.push(page.totalCount);
      if (!page.pageInfo.hasNextPage) break;
      expect(page.nodes).toHaveLength(size);
      after = page.pageInfo.endCursor;
      if (pages > 20) throw new Error('pagination does not end');
    }
    return { refs, pages, totals };
  }

  test.each([
    ['ann', '', 3, ['ACMA-2004-011', 'FTC-2004-021', 'OFT-2004-003', 'FTC-2004-017', 'OPTA-2004-005', 'ICO-2004-008', 'CRTC-2004-004', 'KISA-2004-002'], 3],
    ['ann', 'orderBy: OPENED_AT,', 3, ['FTC-2004-021', 'KISA-2004-002', 'ICO-2004-008', 'ACMA-2004-011', 'OPTA-2004-005', 'OFT-2004-003', 'FTC-2004-017', 'CRTC-2004-004'], 3],
    ['emeka', 'orderBy: OPENED_AT,', 1, ['EFCC-2004-001', 'KISA-2004-002', 'ICO-2004-008', 'ACMA-2004-011', 'OPTA-2004-005', 'OFT-2004-003', 'FTC-2004-017', 'CRTC-2004-004'], 8],
    ['tom', '', 2, ['FTC-2004-021', 'OFT-2004-003', 'FTC-2004-017', 'OPTA-2004-005', 'ICO-2004-008'], 3],
    ['tom', 'filter: { countryCode: "GB" },', 1, ['FTC-2004-021', 'OFT-2004-003', 'ICO-2004-008'], 3],
    ['grace', 'orderBy: OPENED_AT,', 4, ['ACMA-2004-011', 'OPTA-2004-005', 'OFT-2004-003', 'FTC-2004-017'], 1],
    ['anonymous', '', 1, ['FTC-2004-017'], 1],
  ] as Array<[ViewerName, string, number, string[], number]>)('as %s (%s first: %i) walks every row once', async (viewer, args, size, expected, pages) => {
    const walked = await walk(viewer, args, size);
    expect(walked.refs).toEqual(expected);
    expect(new Set(walked.refs).size).toBe(walked.refs.length);
    expect(walked.pages).toBe(pages);
    expect(walked.totals).toEqual(Array(pages).fill(expected.length));
  });

  test('first: 1001 is bad input naming `first`', async () => {
    const r = await gql('ann', '{ cases(first: 1001) { totalCount nodes { reference } } }');
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'first' });
    expect(r.body.errors![0].message).toMatch(/^first: /);
    expect(r.body.errors![0].path).toEqual(['cases']);
  });

  test('first: 1000 is allowed', async () => {
    expect(await listed('tom', 'first: 1000')).toEqual({
      totalCount: 5,
      refs: ['FTC-2004-021', 'OFT-2004-003', 'FTC-2004-017', 'OPTA-2004-005', 'ICO-2004-008'],
    });
  });

  test('a negative first is bad input naming `first`', async () => {
    const r = await gql('anonymous', '{ cases(first: -1) { totalCount } }');
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'first' });
  });

  test.each([
    ['garbage', () => 'not-a-cursor'],
    ['an empty string (not "no cursor")', () => ''],
    ['base64 of something else', () => Buffer.from('{"a":1}').toString('base64url')],
    ['a cursor with the wrong number of keys', (real: string) => forgedCursor(real, ['1'])],
    ['a cursor whose keys have the wrong type', (real: string) => forgedCursor(real, ['high', '0b6f3c1e-8d2a-4f6b-9c3e-5a7d1e2f4b60'])],
    ['the keys of a real cursor without its list tag', (real: string) => Buffer.from(JSON.stringify(JSON.parse(Buffer.from(real, 'base64url').toString()).slice(1))).toString('base64url')],
  ])('after: %s is bad input naming `after`', async (_label, make) => {
    const first = await gql('ann', '{ cases(first: 1) { pageInfo { endCursor } } }');
    const after = make(first.body.data.cases.pageInfo.endCursor as string);
    const r = await gql('ann', 'query ($after: String) { cases(after: $after) { totalCount nodes { reference } } }', { after });
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'after' });
    expect(r.body.errors![0].message).toMatch(/^after: /);
  });

  test.each([
    ['a cursor of the sector reports', 'cases(orderBy: OPENED_AT, after: $after) { totalCount }', '{ reports(first: 1) { pageInfo { endCursor } } }', (d: any) => d.reports.pageInfo.endCursor],
    ['a cursor of the sector reports', 'calls(when: ALL, after: $after) { totalCount }', '{ reports(first: 1) { pageInfo { endCursor } } }', (d: any) => d.reports.pageInfo.endCursor],
    ['a cursor of the past calls', 'calls(when: UPCOMING, after: $after) { totalCount }', '{ calls(when: PAST, first: 1) { pageInfo { endCursor } } }', (d: any) => d.calls.pageInfo.endCursor],
  ])('%s is bad input for %s: its keys have the same types, but it is not a position in that list', async (_what, list, asked, cursorOf) => {
    const first = await gql('ann', asked);
    const after = cursorOf(first.body.data) as string;
    expect(typeof after).toBe('string');
    const r = await gql('ann', `query ($after: String) { ${list} }`, { after });
    expect(r.body.data).toBeNull();
    expect(r.body.errors).toHaveLength(1);
    expect([r.body.errors![0].message, r.body.errors![0].extensions]).toEqual(['after: is not a cursor of this list', { code: 'BAD_USER_INPUT', argument: 'after' }]);
  });

  test('a cursor of the OPENED_AT order is bad input for the HARM order', async () => {
    const first = await gql('ann', '{ cases(orderBy: OPENED_AT, first: 1) { pageInfo { endCursor } } }');
    const after = first.body.data.cases.pageInfo.endCursor as string;
    const r = await gql('ann', 'query ($after: String) { cases(orderBy: HARM, after: $after) { totalCount } }', { after });
    expect(r.body.data).toBeNull();
    expect(r.body.errors![0].extensions).toEqual({ code: 'BAD_USER_INPUT', argument: 'after' });
  });
});
