import {
  callSegments,
  caseAccess,
  emailOf,
  harmOrder,
  leadOf,
  segmentCases,
  segmentsSeen,
  summaries,
  ViewerName,
  viewers,
  visibleInOrder,
} from '../support/demo-access';
import { callId, caseId, orgId, personId, segmentId, startTestHub, TestHub } from '../support/hub';

/**
 * Every path to a case's confidential tier and to call segments gives the same answer (DOMAIN §3): root lookups,
 * connection nodes and edges, segment.discussedCases, Agency.cases (through participant(id), case.leadAgency,
 * person.organization, me.organization, a share's participant, a country's participants), named and inline fragments,
 * aliases. A denied part is null with an `extensions.redacted` entry — never an entry in `errors`.
 * Read-only: the demo data stays as loaded.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

interface Redaction {
  path: string;
  code: 'FORBIDDEN';
  count: number;
}

const CONF = 'reference confidential { summary }';

function node(viewer: ViewerName, ref: string) {
  return { reference: ref, confidential: caseAccess[viewer].confidential.includes(ref) ? { summary: summaries[ref] } : null };
}

/** The cases of `list` the viewer sees, highest harm first, as CONF selects them. */
function nodes(viewer: ViewerName, list: string[]) {
  return visibleInOrder(viewer, list).map((ref) => node(viewer, ref));
}

/** How many of these nodes have their confidential tier redacted. */
function hiddenTiers(list: Array<{ confidential: unknown }>): number {
  return list.filter((n) => n.confidential === null).length;
}

/** Collects the expected `extensions.redacted` entries; paths with no redaction are left out. */
class ExpectedRedactions {
  private readonly counts = new Map<string, number>();
  add(path: string, count: number): void {
    if (count > 0) this.counts.set(path, (this.counts.get(path) ?? 0) + count);
  }
  body(data: unknown) {
    return this.counts.size > 0 ? { data, extensions: { redacted: sortRedactions([...this.counts].map(([path, count]) => ({ path, code: 'FORBIDDEN', count }))) } } : { data };
  }
}

function sortRedactions(entries: Redaction[] | Array<{ path: string; code: string; count: number }>) {
  return [...entries].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The response body with `extensions.redacted` in path order (the hub lists them in the order it met them). */
async function ask(viewer: ViewerName, query: string, variables?: Record<string, unknown>) {
  const r = await hub.gql(query, { as: emailOf(viewer), variables });
  expect(r.status).toBe(200);
  const body = r.body;
  if (body.extensions?.redacted) body.extensions.redacted = sortRedactions(body.extensions.redacted);
  return body;
}

const agencies = ['ftc', 'oft', 'ico', 'acma', 'kisa', 'opta', 'efcc', 'crtc', 'cnil', 'bnetza'];
const casesLedBy = (org: string) => harmOrder.filter((ref) => leadOf[ref] === org);

describe('the confidential tier, on every path', () => {
  test.each(viewers)('%s: connection nodes and edges.node agree', async (viewer) => {
    const body = await ask(viewer, `{ cases(first: 100) { nodes { ${CONF} } edges { node { ${CONF} } } } }`);
    const list = nodes(viewer, harmOrder);
    const expected = new ExpectedRedactions();
    expected.add('cases.nodes.confidential', hiddenTiers(list));
    expected.add('cases.edges.node.confidential', hiddenTiers(list));
    expect(body).toEqual(expected.body({ cases: { nodes: list, edges: list.map((n) => ({ node: n })) } }));
  });

  test.each(viewers)('%s: root lookups, plain, through a named fragment and through an inline fragment, agree', async (viewer) => {
    const fields = harmOrder
      .map(
        (ref, i) => `
        plain${i}: case(id: "${caseId(ref)}") { ${CONF} }
        named${i}: case(id: "${caseId(ref)}") { ...Tier }
        inline${i}: case(id: "${caseId(ref)}") { ... on Case { ${CONF} } }`,
      )
      .join('\n');
    const body = await ask(viewer, `{ ${fields} } fragment Tier on Case { reference confidential { summary } }`);
    const expected = new ExpectedRedactions();
    const data: Record<string, unknown> = {};
    harmOrder.forEach((ref, i) => {
      const sees = caseAccess[viewer].sees.includes(ref);
      for (const form of ['plain', 'named', 'inline']) {
        data[`${form}${i}`] = sees ? node(viewer, ref) : null;
        if (sees) expected.add(`${form}${i}.confidential`, hiddenTiers([node(viewer, ref)]));
      }
    });
    expect(body).toEqual(expected.body(data));
  });

  test.each(viewers)('%s: the same field under two aliases is redacted under both, noted under the alias names', async (viewer) => {
    const body = await ask(
      viewer,
      `{ list: cases(first: 100) { nodes { reference tier: confidential { summary } again: confidential { summary } } } }`,
    );
    const list = nodes(viewer, harmOrder).map((n) => ({ reference: n.reference, tier: n.confidential, again: n.confidential }));
    const expected = new ExpectedRedactions();
    expected.add('list.nodes.tier', list.filter((n) => n.tier === null).length);
    expected.add('list.nodes.again', list.filter((n) => n.again === null).length);
    expect(body).toEqual(expected.body({ list: { nodes: list } }));
  });

  test.each(viewers)('%s: segment.discussedCases through call(id).segments', async (viewer) => {
    const calls = Object.keys(callSegments);
    const body = await ask(
      viewer,
      `{ ${calls.map((k, i) => `k${i}: call(id: "${callId(k)}") { segments { id discussedCases { ${CONF} } } }`).join('\n')} }`,
    );
    const expected = new ExpectedRedactions();
    const data: Record<string, unknown> = {};
    calls.forEach((k, i) => {
      const segments = callSegments[k].filter((s) => segmentsSeen[viewer].includes(s));
      data[`k${i}`] =
        segments.length === 0
          ? null
          : {
              segments: segments.map((s) => {
                const discussed = nodes(viewer, segmentCases[s]);
                expected.add(`k${i}.segments.discussedCases.confidential`, hiddenTiers(discussed));
                return { id: segmentId(s), discussedCases: discussed };
              }),
            };
    });
    expect(body).toEqual(expected.body(data));
  });

  test.each(viewers)('%s: segment.discussedCases through the calls list', async (viewer) => {
    const body = await ask(viewer, `{ calls(when: ALL, first: 50) { totalCount nodes { id segments { id discussedCases { ${CONF} } } } } }`);
    const expected = new ExpectedRedactions();
    const callNodes = Object.keys(callSegments)
      .map((k) => ({ k, segments: callSegments[k].filter((s) => segmentsSeen[viewer].includes(s)) }))
      .filter((c) => c.segments.length > 0)
      .map((c) => ({
        id: callId(c.k),
        segments: c.segments.map((s) => {
          const discussed = nodes(viewer, segmentCases[s]);
          expected.add('calls.nodes.segments.discussedCases.confidential', hiddenTiers(discussed));
          return { id: segmentId(s), discussedCases: discussed };
        }),
      }));
    expect(body).toEqual(expected.body({ calls: { totalCount: callNodes.length, nodes: callNodes } }));
  });

  // A list of discussed cases that asks only for listing fields is read without tiers (CASE_LISTING_FIELDS); the same
  // segments asked for with the tier in the same request, under another alias, through a fragment or another root
  // field, still get it.
  test.each(viewers)('%s: segment.discussedCases without the tier beside the same segments with it, in one request', async (viewer) => {
    const calls = Object.keys(callSegments);
    const body = await ask(
      viewer,
      `{ listing: calls(when: ALL, first: 50) { nodes { id segments { id discussedCases { reference tlp } } } }
         tiers: calls(when: ALL, first: 50) { nodes { id segments { id discussedCases { ...Tier } } } }
         both: calls(when: ALL, first: 50) { nodes { id segments { id plain: discussedCases { reference tlp } full: discussedCases { ... on Case { ${CONF} } } } } }
         ${calls.map((k, i) => `k${i}: call(id: "${callId(k)}") { segments { id discussedCases { ${CONF} } } }`).join('\n')} }
       fragment Tier on Case { ${CONF} }`,
    );
    const expected = new ExpectedRedactions();
    const seen = Object.keys(callSegments)
      .map((k) => ({ k, segments: callSegments[k].filter((s) => segmentsSeen[viewer].includes(s)) }))
      .filter((c) => c.segments.length > 0);
    const listing = (s: string) => visibleInOrder(viewer, segmentCases[s]).map((ref) => ({ reference: ref, tlp: expect.any(String) }));
    const tiers = (path: string) => (s: string) => {
      const discussed = nodes(viewer, segmentCases[s]);
      expected.add(path, hiddenTiers(discussed));
      return discussed;
    };
    const data: Record<string, unknown> = {
      listing: { nodes: seen.map((c) => ({ id: callId(c.k), segments: c.segments.map((s) => ({ id: segmentId(s), discussedCases: listing(s) })) })) },
      tiers: { nodes: seen.map((c) => ({ id: callId(c.k), segments: c.segments.map((s) => ({ id: segmentId(s), discussedCases: tiers('tiers.nodes.segments.discussedCases.confidential')(s) })) })) },
      both: {
        nodes: seen.map((c) => ({
          id: callId(c.k),
          segments: c.segments.map((s) => ({ id: segmentId(s), plain: listing(s), full: tiers('both.nodes.segments.full.confidential')(s) })),
        })),
      },
    };
    calls.forEach((k, i) => {
      const segments = callSegments[k].filter((s) => segmentsSeen[viewer].includes(s));
      data[`k${i}`] = segments.length === 0 ? null : { segments: segments.map((s) => ({ id: segmentId(s), discussedCases: tiers(`k${i}.segments.discussedCases.confidential`)(s) })) };
    });
    expect(body).toEqual(expected.body(data));
    // Where the viewer reads a discussed case's tier, the answer carries it: the comparison is of tiers, not only nulls.
    const readsOne = seen.some((c) => c.segments.some((s) => nodes(viewer, segmentCases[s]).some((n) => n.confidential !== null)));
    expect(JSON.stringify(body.data).includes('"summary":"')).toBe(readsOne);
  });

  test.each(viewers)('%s: segment.discussedCases through callSegment(id)', async (viewer) => {
    const segments = Object.keys(segmentCases);
    const body = await ask(
      viewer,
      `{ ${segments.map((s, i) => `s${i}: callSegment(id: "${segmentId(s)}") { discussedCases { ${CONF} } }`).join('\n')} }`,
    );
    const expected = new ExpectedRedactions();
    const data: Record<string, unknown> = {};
    segments.forEach((s, i) => {
      if (!segmentsSeen[viewer].includes(s)) {
        data[`s${i}`] = null;
        return;
      }
      const discussed = nodes(viewer, segmentCases[s]);
      expected.add(`s${i}.discussedCases.confidential`, hiddenTiers(discussed));
      data[`s${i}`] = { discussedCases: discussed };
    });
    expect(body).toEqual(expected.body(data));
  });

  test.each(viewers)('%s: Agency.cases through participant(id) and an inline fragment on the interface', async (viewer) => {
    const body = await ask(
      viewer,
      `{ ${agencies
        .map((org) => `${org}: participant(id: "${orgId(org)}") { name ... on Agency { cases { totalCount nodes { ${CONF} } } } }`)
        .join('\n')} }`,
    );
    const expected = new ExpectedRedactions();
    const data: Record<string, unknown> = {};
    for (const org of agencies) {
      const list = nodes(viewer, casesLedBy(org));
      expected.add(`${org}.cases.nodes.confidential`, hiddenTiers(list));
      data[org] = { name: expect.any(String), cases: { totalCount: list.length, nodes: list } };
    }
    expect(body).toEqual(expected.body(data));
  });

  test.each(viewers)('%s: Agency.cases through case.leadAgency', async (viewer) => {
    const body = await ask(
      viewer,
      `{ ${harmOrder.map((ref, i) => `c${i}: case(id: "${caseId(ref)}") { leadAgency { cases { totalCount nodes { ${CONF} } } } }`).join('\n')} }`,
    );
    const expected = new ExpectedRedactions();
    const data: Record<string, unknown> = {};
    harmOrder.forEach((ref, i) => {
      if (!caseAccess[viewer].sees.includes(ref)) {
        data[`c${i}`] = null;
        return;
      }
      const list = nodes(viewer, casesLedBy(leadOf[ref]));
      expected.add(`c${i}.leadAgency.cases.nodes.confidential`, hiddenTiers(list));
      data[`c${i}`] = { leadAgency: { cases: { totalCount: list.length, nodes: list } } };
    });
    expect(body).toEqual(expected.body(data));
  });

  // A person of each agency that leads a case; Sanne de Vries (OPTA) is not in the cast but is a demo person.
  const leadPeople: Array<[string, string]> = [
    ['ftc', 'ann.carter@ftc.example'],
    ['oft', 'oliver.hughes@oft.example'],
    ['ico', 'isla.morgan@ico.example'],
    ['acma', 'liam.walsh@acma.example'],
    ['kisa', 'minjun.park@kisa.example'],
    ['opta', 'sanne.devries@opta.example'],
    ['efcc', 'emeka.obi@efcc.example'],
    ['crtc', 'claire.roy@crtc.example'],
  ];
  const members = new Set<ViewerName>(['ann', 'ben', 'oliver', 'isla', 'liam', 'minjun', 'emeka', 'claire', 'grace', 'tom', 'priya', 'eva', 'max']);

  test.each(viewers)('%s: Agency.cases through person(id).organization (people are for members only)', async (viewer) => {
    const body = await ask(
      viewer,
      `{ ${leadPeople
        .map(([org, email]) => `${org}: person(id: "${personId(email)}") { organization { ... on Agency { cases { nodes { ${CONF} } } } } }`)
        .join('\n')} }`,
    );
    const expected = new ExpectedRedactions();
    const data: Record<string, unknown> = {};
    for (const [org] of leadPeople) {
      if (!members.has(viewer)) {
        data[org] = null;
        continue;
      }
      const list = nodes(viewer, casesLedBy(org));
      expected.add(`${org}.organization.cases.nodes.confidential`, hiddenTiers(list));
      data[org] = { organization: { cases: { nodes: list } } };
    }
    expect(body).toEqual(expected.body(data));
  });

  const ownOrg: Record<ViewerName, string | null> = {
    anonymous: null, ann: 'ftc', ben: 'ftc', oliver: 'oft', isla: 'ico', liam: 'acma', minjun: 'kisa', emeka: 'efcc', claire: 'crtc',
    grace: 'northstar', tom: 'meridian', priya: 'meridian', eva: 'sentinel', max: 'registro', paulo: 'cgi',
  };
  test.each(viewers)('%s: Agency.cases through me.organization', async (viewer) => {
    const body = await ask(viewer, `{ me { organization { id ... on Agency { cases { nodes { ${CONF} } } } } } }`);
    const org = ownOrg[viewer];
    const expected = new ExpectedRedactions();
    let organization: unknown = null;
    if (org && agencies.concat('cgi').includes(org)) {
      const list = nodes(viewer, casesLedBy(org));
      expected.add('me.organization.cases.nodes.confidential', hiddenTiers(list));
      organization = { id: orgId(org), cases: { nodes: list } };
    } else if (org) {
      organization = { id: orgId(org) };
    }
    expect(body).toEqual(expected.body({ me: { organization } }));
  });

  test.each(viewers)('%s: Agency.cases through the participants list (interface, inline fragment)', async (viewer) => {
    const body = await ask(
      viewer,
      `{ participants(filter: { kind: AGENCY }) { nodes { id ... on Agency { cases { nodes { ${CONF} } } } } } }`,
    );
    const expected = new ExpectedRedactions();
    const byOrg: Record<string, unknown> = {};
    for (const org of agencies) {
      const list = nodes(viewer, casesLedBy(org));
      expected.add('participants.nodes.cases.nodes.confidential', hiddenTiers(list));
      byOrg[orgId(org)] = { nodes: list };
    }
    // The applicant is an agency too, visible to agencies and to its own people; it leads no case.
    if (['ann', 'ben', 'oliver', 'isla', 'liam', 'minjun', 'emeka', 'claire', 'paulo'].includes(viewer)) byOrg[orgId('cgi')] = { nodes: [] };
    const got = body.data.participants.nodes as Array<{ id: string; cases: unknown }>;
    expect(Object.fromEntries(got.map((p) => [p.id, p.cases]))).toEqual(byOrg);
    expect(got).toHaveLength(Object.keys(byOrg).length);
    expect(body.errors).toBeUndefined();
    expect(body.extensions).toEqual(expected.body(null).extensions);
  });

  test.each(viewers)('%s: Agency.cases through country(code).participants', async (viewer) => {
    const body = await ask(viewer, `{ country(code: "GB") { participants { nodes { name ... on Agency { cases { nodes { ${CONF} } } } } } } }`);
    const expected = new ExpectedRedactions();
    const oft = nodes(viewer, casesLedBy('oft'));
    const ico = nodes(viewer, casesLedBy('ico'));
    expected.add('country.participants.nodes.cases.nodes.confidential', hiddenTiers(oft) + hiddenTiers(ico));
    expect(body).toEqual(
      expected.body({
        country: {
          participants: {
            nodes: [
              { name: 'Meridian Bank' },
              { name: 'UK Information Commissioner’s Office', cases: { nodes: ico } },
              { name: 'UK Office of Fair Trading', cases: { nodes: oft } },
            ],
          },
        },
      }),
    );
  });

  // Through a share's participant: only readers of the case's tier get that far; the cases found there follow the
  // case rules for the viewer, not for the case they were reached from.
  test.each([
    ['isla', 'OFT-2004-003', [['UK Information Commissioner’s Office', [['ICO-2004-008', true]]]]],
    ['oliver', 'OFT-2004-003', [['UK Information Commissioner’s Office', [['ICO-2004-008', false]]]]],
    ['minjun', 'ACMA-2004-011', [['Korea Information Security Agency', [['KISA-2004-002', true]]], ['NorthStar Broadband', null]]],
    ['liam', 'ACMA-2004-011', [['Korea Information Security Agency', [['KISA-2004-002', false]]], ['NorthStar Broadband', null]]],
    ['grace', 'ACMA-2004-011', [['Korea Information Security Agency', []], ['NorthStar Broadband', null]]],
    ['tom', 'FTC-2004-021', [['Meridian Bank', null], ['UK Office of Fair Trading', [['OFT-2004-003', false]]]]],
    ['oliver', 'FTC-2004-021', [['Meridian Bank', null], ['UK Office of Fair Trading', [['OFT-2004-003', true]]]]],
    ['ann', 'FTC-2004-021', [['Meridian Bank', null], ['UK Office of Fair Trading', [['OFT-2004-003', false]]]]],
    ['priya', 'ICO-2004-008', [['Meridian Bank', null]]],
    ['eva', 'OPTA-2004-005', [['Sentinel Security', null]]],
  ] as Array<[ViewerName, string, Array<[string, Array<[string, boolean]> | null]>]>)(
    '%s: Agency.cases through %s → confidential.shares.participant',
    async (viewer, ref, shares) => {
      const body = await ask(
        viewer,
        `query ($id: ID!) { case(id: $id) { confidential { shares { participant { name ... on Agency { cases { nodes { ${CONF} } } } } } } } }`,
        { id: caseId(ref) },
      );
      const got = (body.data.case.confidential.shares as Array<{ participant: { name: string } }>)
        .map((s) => s.participant)
        .sort((a, b) => (a.name < b.name ? -1 : 1));
      expect(got).toEqual(
        shares.map(([name, cases]) =>
          cases === null
            ? { name }
            : { name, cases: { nodes: cases.map(([r, reads]) => ({ reference: r, confidential: reads ? { summary: summaries[r] } : null })) } },
        ),
      );
      const hidden = shares.flatMap(([, cases]) => cases ?? []).filter(([, reads]) => !reads).length;
      expect(body.errors).toBeUndefined();
      expect(body.extensions).toEqual(
        hidden > 0
          ? { redacted: [{ path: 'case.confidential.shares.participant.cases.nodes.confidential', code: 'FORBIDDEN', count: hidden }] }
          : undefined,
      );
    },
  );
});

describe('call segments, on every path', () => {
  const minutes: Record<string, string | null> = {
    'past-2/1': 'OPTA presented its number-range tracing method.',
    'past-2/2': 'Sentinel reported a rise in dialer malware spread by spam.',
    'past-1/1': 'FTC briefed on the phishing-kit seller; EFCC on the advance-fee ring. Arrest timing agreed.',
    'past-1/2': 'NorthStar described takedown of two command servers; Meridian reported phishing volumes.',
    'next-1/1': null,
    'next-1/2': null,
    'next-2/1': null,
  };
  const seg = (s: string) => ({ id: segmentId(s), minutes: minutes[s] });
  const seenOf = (viewer: ViewerName, call: string) => callSegments[call].filter((s) => segmentsSeen[viewer].includes(s));

  test.each(viewers)('%s: call(id).segments, calls.nodes.segments, callSegment(id) and callSegment(id).call.segments agree', async (viewer) => {
    const calls = Object.keys(callSegments);
    const segments = Object.keys(segmentCases);
    const body = await ask(
      viewer,
      `{
        ${calls.map((k, i) => `k${i}: call(id: "${callId(k)}") { segments { id minutes } }`).join('\n')}
        calls(when: ALL, first: 50) { totalCount nodes { id segments { id minutes } } }
        ${segments.map((s, i) => `s${i}: callSegment(id: "${segmentId(s)}") { id minutes call { id segments { id minutes } } }`).join('\n')}
      }`,
    );
    const data: Record<string, unknown> = {};
    calls.forEach((k, i) => {
      const seen = seenOf(viewer, k);
      data[`k${i}`] = seen.length ? { segments: seen.map(seg) } : null;
    });
    const visibleCalls = calls.filter((k) => seenOf(viewer, k).length > 0);
    data.calls = { totalCount: visibleCalls.length, nodes: visibleCalls.map((k) => ({ id: callId(k), segments: seenOf(viewer, k).map(seg) })) };
    segments.forEach((s, i) => {
      const call = calls.find((k) => callSegments[k].includes(s))!;
      data[`s${i}`] = segmentsSeen[viewer].includes(s) ? { ...seg(s), call: { id: callId(call), segments: seenOf(viewer, call).map(seg) } } : null;
    });
    expect(body).toEqual({ data });
  });
});
