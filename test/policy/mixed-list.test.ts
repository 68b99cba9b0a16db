import { emailOf } from '../support/demo-access';
import { GqlResult, orgId, personId, startTestHub, TestHub } from '../support/hub';

/**
 * Per-row correctness in mixed lists (DOMAIN §3): a page where the viewer reads the confidential tier of some rows and
 * not of others answers with the tier on exactly the right rows, null on the others, no `errors`, and one
 * `extensions.redacted` entry counting the redacted rows. The extra cases carry the category OTHER, which no demo case
 * has, so a filter on it selects exactly them.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
beforeEach(() => hub.reset());
afterAll(async () => {
  // Leave the demo network as it was for whatever runs next.
  await hub.reset();
  await hub.close();
});

const leadPerson: Record<string, string> = {
  ftc: 'ann.carter@ftc.example',
  oft: 'oliver.hughes@oft.example',
  ico: 'isla.morgan@ico.example',
  acma: 'liam.walsh@acma.example',
  kisa: 'minjun.park@kisa.example',
  crtc: 'claire.roy@crtc.example',
  efcc: 'emeka.obi@efcc.example',
};

interface ExtraCase {
  reference: string;
  lead: string;
  tlp: string;
  harm: number;
  /** Shares: participant key and the emails of the persons it names (none = the whole organization). */
  shares: Array<{ to: string; names: string[] }>;
}

/** Inserts the cases in bulk (four statements), all with the category OTHER and a summary naming the reference. */
async function insertCases(cases: ExtraCase[]): Promise<void> {
  await hub.ds.query(
    `INSERT INTO enforcement_case (reference, title, status, categories, tlp, lead_agency_id, harm_score)
     SELECT x.r, 'Mixed-list case ' || x.r, 'OPEN', ARRAY['OTHER'], x.t, x.l, x.h
     FROM unnest($1::text[], $2::text[], $3::uuid[], $4::int[]) AS x(r, t, l, h)`,
    [cases.map((c) => c.reference), cases.map((c) => c.tlp), cases.map((c) => orgId(c.lead)), cases.map((c) => c.harm)],
  );
  await hub.ds.query(
    `INSERT INTO case_confidential (case_id, lead_agency_id, summary, victim_count)
     SELECT c.id, c.lead_agency_id, 'summary of ' || c.reference, c.harm_score FROM enforcement_case c WHERE c.reference = ANY ($1::text[])`,
    [cases.map((c) => c.reference)],
  );
  await hub.ds.query(
    `INSERT INTO case_country (case_id, country_code) SELECT c.id, 'GB' FROM enforcement_case c WHERE c.reference = ANY ($1::text[])`,
    [cases.map((c) => c.reference)],
  );
  const shares = cases.flatMap((c) => c.shares.map((s) => ({ ref: c.reference, to: orgId(s.to), names: s.names.map(personId).join(','), by: personId(leadPerson[c.lead]) })));
  await hub.ds.query(
    `INSERT INTO case_share (case_id, participant_id, recipient_ids, granted_by_id)
     SELECT c.id, x.p, coalesce(string_to_array(nullif(x.n, ''), ',')::uuid[], '{}'), x.b
     FROM unnest($1::text[], $2::uuid[], $3::text[], $4::uuid[]) AS x(r, p, n, b) JOIN enforcement_case c ON c.reference = x.r`,
    [shares.map((s) => s.ref), shares.map((s) => s.to), shares.map((s) => s.names), shares.map((s) => s.by)],
  );
}

interface Row {
  reference: string;
  confidential: { summary: string; victimCount: number } | null;
  viewerCan: { readConfidential: boolean };
}

const rowFields = 'reference confidential { summary victimCount } viewerCan { readConfidential }';

function expectedRow(c: ExtraCase, reads: boolean): Row {
  return {
    reference: c.reference,
    confidential: reads ? { summary: `summary of ${c.reference}`, victimCount: c.harm } : null,
    viewerCan: { readConfidential: reads },
  };
}

/** Highest harm first (for cases whose harm scores are distinct). */
const byHarm = (a: ExtraCase, b: ExtraCase) => b.harm - a.harm;

describe('a page of 500 where Isla (ICO) reads exactly half of the confidential tiers', () => {
  // Eight kinds of row: Isla sees every row, and reads the tier of the first four kinds only.
  const kinds: Array<{ lead: string; tlp: string; shares: ExtraCase['shares']; reads: boolean }> = [
    { lead: 'ico', tlp: 'AMBER', shares: [], reads: true }, // ICO leads
    { lead: 'acma', tlp: 'AMBER_STRICT', shares: [{ to: 'ico', names: [] }], reads: true }, // shared with ICO as a whole
    { lead: 'ftc', tlp: 'RED', shares: [{ to: 'ico', names: ['isla.morgan@ico.example'] }], reads: true }, // RED, naming Isla
    { lead: 'oft', tlp: 'CLEAR', shares: [{ to: 'ico', names: [] }], reads: true }, // CLEAR, shared with ICO
    { lead: 'acma', tlp: 'AMBER', shares: [{ to: 'meridian', names: [] }], reads: false }, // shared with someone else
    { lead: 'ftc', tlp: 'GREEN', shares: [], reads: false },
    { lead: 'kisa', tlp: 'CLEAR', shares: [{ to: 'meridian', names: ['tom.baker@meridianbank.example'] }], reads: false },
    { lead: 'crtc', tlp: 'AMBER_STRICT', shares: [{ to: 'kisa', names: [] }], reads: false },
  ];

  test('no errors, one redaction entry counting 250, the tier on exactly the right rows', async () => {
    // harm_score is 0..100: a fixed cycle interleaves the kinds in the HARM order (ties break by id).
    const visible = Array.from({ length: 500 }, (_, i) => {
      // Even rows are of a kind Isla reads, odd rows of one she does not: exactly 250 of each.
      const k = kinds[(i % 2) * 4 + (Math.floor(i / 2) % 4)];
      return { reference: `MIX-${String(i).padStart(3, '0')}`, lead: k.lead, tlp: k.tlp, harm: (i * 37) % 101, shares: k.shares, reads: k.reads };
    });
    // RED cases Isla may not see: they must not appear, nor count.
    const hidden: ExtraCase[] = Array.from({ length: 60 }, (_, j) => ({
      reference: `HID-${String(j).padStart(3, '0')}`,
      lead: j % 2 ? 'efcc' : 'ftc',
      tlp: 'RED',
      harm: (j * 53) % 101,
      shares: j % 2 ? [{ to: 'oft', names: ['oliver.hughes@oft.example'] }] : [{ to: 'meridian', names: ['tom.baker@meridianbank.example'] }],
    }));
    await insertCases([...visible, ...hidden]);

    const r = await hub.gql(`{ cases(first: 500, filter: { category: OTHER }) { totalCount pageInfo { hasNextPage } nodes { ${rowFields} } } }`, {
      as: 'isla.morgan@ico.example',
    });
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
    expect(r.body.extensions).toEqual({ redacted: [{ path: 'cases.nodes.confidential', code: 'FORBIDDEN', count: 250 }] });
    const page = r.body.data.cases as { totalCount: number; pageInfo: { hasNextPage: boolean }; nodes: Row[] };
    expect(page.totalCount).toBe(500);
    expect(page.pageInfo.hasNextPage).toBe(false);
    expect(page.nodes).toHaveLength(500);

    // Row by row: the same rows as inserted (ties in harm break by id, so compare the set and the harm order).
    const expected = new Map(visible.map((c) => [c.reference, expectedRow(c, c.reads)]));
    for (const row of page.nodes) expect(row).toEqual(expected.get(row.reference));
    expect(page.nodes.map((n) => n.reference).sort()).toEqual([...expected.keys()].sort());
    const harms = page.nodes.map((n) => visible.find((c) => c.reference === n.reference)!.harm);
    expect(harms).toEqual([...harms].sort((a, b) => b - a));
    expect(page.nodes.filter((n) => n.confidential !== null)).toHaveLength(250);
  });
});

describe('a smaller mixed page, row by row, for private-sector and agency viewers', () => {
  type Access = 'none' | 'row' | 'tier';
  // Per kind: lead, TLP, shares, then what Tom (Meridian), Priya (Meridian), Liam (ACMA) and an anonymous caller get.
  const kinds: Array<[string, string, ExtraCase['shares'], Record<'tom' | 'priya' | 'liam' | 'anonymous', Access>]> = [
    ['ico', 'CLEAR', [], { tom: 'row', priya: 'row', liam: 'row', anonymous: 'row' }],
    ['acma', 'GREEN', [], { tom: 'row', priya: 'row', liam: 'tier', anonymous: 'none' }],
    ['ico', 'AMBER', [{ to: 'meridian', names: [] }], { tom: 'tier', priya: 'tier', liam: 'row', anonymous: 'none' }],
    ['ico', 'AMBER_STRICT', [], { tom: 'none', priya: 'none', liam: 'row', anonymous: 'none' }],
    ['ftc', 'RED', [{ to: 'meridian', names: ['tom.baker@meridianbank.example'] }], { tom: 'tier', priya: 'none', liam: 'none', anonymous: 'none' }],
    ['ftc', 'RED', [{ to: 'meridian', names: ['priya.shah@meridianbank.example'] }], { tom: 'none', priya: 'tier', liam: 'none', anonymous: 'none' }],
    ['oft', 'AMBER', [{ to: 'acma', names: [] }], { tom: 'none', priya: 'none', liam: 'tier', anonymous: 'none' }],
    ['oft', 'RED', [{ to: 'acma', names: ['liam.walsh@acma.example'] }], { tom: 'none', priya: 'none', liam: 'tier', anonymous: 'none' }],
    ['acma', 'RED', [], { tom: 'none', priya: 'none', liam: 'tier', anonymous: 'none' }],
    ['oft', 'GREEN', [{ to: 'meridian', names: ['priya.shah@meridianbank.example'] }], { tom: 'row', priya: 'tier', liam: 'row', anonymous: 'none' }],
    [
      'kisa',
      'AMBER_STRICT',
      [{ to: 'meridian', names: ['tom.baker@meridianbank.example', 'priya.shah@meridianbank.example'] }],
      { tom: 'tier', priya: 'tier', liam: 'row', anonymous: 'none' },
    ],
    ['ftc', 'AMBER', [{ to: 'northstar', names: [] }, { to: 'kisa', names: [] }], { tom: 'none', priya: 'none', liam: 'row', anonymous: 'none' }],
    ['efcc', 'CLEAR', [{ to: 'acma', names: ['liam.walsh@acma.example'] }], { tom: 'row', priya: 'row', liam: 'tier', anonymous: 'row' }],
  ];
  // Distinct harm scores in a fixed shuffled order (17 and 39 are coprime), so the kinds interleave in the HARM order.
  const cases = Array.from({ length: 39 }, (_, i) => {
    const [lead, tlp, shares, access] = kinds[i % kinds.length];
    return { reference: `SMALL-${String(i).padStart(2, '0')}`, lead, tlp, harm: 20 + ((i * 17) % 39), shares, access };
  });

  test.each(['tom', 'priya', 'liam', 'anonymous'] as const)('as %s: the right rows, the tier on the right rows, on one page and page by page', async (who) => {
    await insertCases(cases);
    const rows = cases.filter((c) => c.access[who] !== 'none').sort(byHarm);
    const expected = rows.map((c) => expectedRow(c, c.access[who] === 'tier'));
    const hidden = expected.filter((e) => e.confidential === null).length;
    const as = emailOf(who);

    const whole = await hub.gql(`{ cases(first: 100, filter: { category: OTHER }) { totalCount nodes { ${rowFields} } } }`, { as });
    expect(whole.body).toEqual({
      data: { cases: { totalCount: rows.length, nodes: expected } },
      ...(hidden > 0 ? { extensions: { redacted: [{ path: 'cases.nodes.confidential', code: 'FORBIDDEN', count: hidden }] } } : {}),
    });

    // Page by page (5 rows a page): the same rows, each page noting exactly its own redactions.
    let after: string | null = null;
    for (let start = 0; start < expected.length; start += 5) {
      const r: GqlResult = await hub.gql(
        `query ($after: String) { cases(first: 5, after: $after, filter: { category: OTHER }) { nodes { ${rowFields} } pageInfo { endCursor hasNextPage } } }`,
        { as, variables: { after } },
      );
      const slice = expected.slice(start, start + 5);
      const redacted = slice.filter((e) => e.confidential === null).length;
      expect(r.body).toEqual({
        data: { cases: { nodes: slice, pageInfo: { endCursor: expect.any(String), hasNextPage: start + 5 < expected.length } } },
        ...(redacted > 0 ? { extensions: { redacted: [{ path: 'cases.nodes.confidential', code: 'FORBIDDEN', count: redacted }] } } : {}),
      });
      after = r.body.data.cases.pageInfo.endCursor;
    }
  });

  test('the table is what it claims: each viewer sees some rows and reads some tiers but not all', () => {
    const count = (who: 'tom' | 'priya' | 'liam', a: Access) => cases.filter((c) => c.access[who] === a).length;
    for (const who of ['tom', 'priya', 'liam'] as const) {
      expect(count(who, 'tier')).toBeGreaterThan(0);
      expect(count(who, 'row')).toBeGreaterThan(0);
      expect(count(who, 'none')).toBeGreaterThan(0);
    }
  });
});
