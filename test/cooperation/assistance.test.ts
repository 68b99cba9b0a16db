import { cast, caseId, orgId, startTestHub, TestHub } from '../support/hub';
import { tableRows } from '../support/rows';
import { demoId } from '../../src/db/seed/demo';

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());
beforeEach(() => hub.reset());

const req = (key: string) => demoId(`request:${key}`);
const list = `{ assistanceRequests { totalCount nodes { title harmScore status requester { name } recipient { name } details { description response } recipientGuidance } } }`;
const titles = async (who: string | null, query = `{ assistanceRequests { totalCount nodes { title } } }`) => {
  const r = await hub.gql(query, { as: who });
  expect(r.body.errors).toBeUndefined();
  return { total: r.body.data.assistanceRequests.totalCount, titles: r.body.data.assistanceRequests.nodes.map((n: { title: string }) => n.title) };
};

describe('who sees which requests (requester, recipient, coordinators)', () => {
  // Harm scores: ACMA→NorthStar 90, FTC→OFT 79, EFCC→FTC 78, ICO→Meridian 66, KISA→ACMA 32 (the formula in src/harm.ts).
  test.each([
    ['ann (FTC, coordinator)', cast.ann, ['Preserve logs of two command servers', 'Identify UK money mules', 'Trace wire transfers to US accounts', 'Confirm customers in a harvested list', 'Proxy operators in Australia']],
    ['oliver (OFT, coordinator)', cast.oliver, ['Preserve logs of two command servers', 'Identify UK money mules', 'Trace wire transfers to US accounts', 'Confirm customers in a harvested list', 'Proxy operators in Australia']],
    ['liam (ACMA)', cast.liam, ['Preserve logs of two command servers', 'Proxy operators in Australia']],
    ['isla (ICO)', cast.isla, ['Confirm customers in a harvested list']],
    ['claire (CRTC)', cast.claire, []],
    ['grace (NorthStar)', cast.grace, ['Preserve logs of two command servers']],
    ['tom (Meridian)', cast.tom, ['Confirm customers in a harvested list']],
    ['eva (Sentinel)', cast.eva, []],
    ['paulo (applicant)', cast.paulo, []],
    ['anonymous', null, []],
  ])('%s', async (_name, who, expected) => {
    expect(await titles(who)).toEqual({ total: expected.length, titles: expected });
  });

  test('ordered by harm score, highest first, then age', async () => {
    const r = await hub.gql(`{ assistanceRequests { nodes { harmScore createdAt } } }`, { as: cast.ann });
    const nodes = r.body.data.assistanceRequests.nodes as Array<{ harmScore: number; createdAt: string }>;
    const sorted = [...nodes].sort((a, b) => b.harmScore - a.harmScore || a.createdAt.localeCompare(b.createdAt));
    expect(nodes).toEqual(sorted);
    expect(nodes.map((n) => n.harmScore)).toEqual([...nodes.map((n) => n.harmScore)].sort((a, b) => b - a));
  });

  test('a coordinator who is neither party sees the row but not the details', async () => {
    const r = await hub.gql(`{ assistanceRequest(id: "${req('ico-meridian-accounts')}") { title details { description } viewerCan { readDetails answer withdraw } } }`, { as: cast.oliver });
    expect(r.body).toEqual({
      data: { assistanceRequest: { title: 'Confirm customers in a harvested list', details: null, viewerCan: { readDetails: false, answer: false, withdraw: false } } },
      extensions: { redacted: [{ path: 'assistanceRequest.details', code: 'FORBIDDEN', count: 1 }] },
    });
  });

  test('the recipient reads the details and, on requests to private-sector members, its own request guidance', async () => {
    const r = await hub.gql(`{ assistanceRequest(id: "${req('acma-northstar-logs')}") { details { response } recipientGuidance case { reference confidential { summary } } } }`, { as: cast.grace });
    expect(r.body).toEqual({
      data: {
        assistanceRequest: {
          details: { response: 'Logs preserved for 180 days; export sent to the ACMA contact.' },
          recipientGuidance: expect.stringMatching(/^Send requests to the abuse desk/),
          case: { reference: 'ACMA-2004-011', confidential: { summary: expect.any(String) } },
        },
      },
    });
  });

  test('the case of a request follows the case rules: hidden from a coordinator who cannot see it', async () => {
    const r = await hub.gql(`{ assistanceRequest(id: "${req('ftc-oft-mules')}") { case { reference } } }`, { as: cast.ann });
    expect(r.body.data.assistanceRequest.case).toEqual({ reference: 'FTC-2004-021' });
    const other = await hub.gql(`{ assistanceRequest(id: "${req('ftc-oft-mules')}") { case { reference } } }`, { as: cast.oliver });
    // Oliver is named on the RED share of FTC-2004-021 and is the recipient.
    expect(other.body.data.assistanceRequest.case).toEqual({ reference: 'FTC-2004-021' });
  });

  test('filters: direction, status, recipient kind', async () => {
    expect(await titles(cast.liam, `{ assistanceRequests(filter: {direction: SENT}) { totalCount nodes { title } } }`)).toEqual({ total: 1, titles: ['Preserve logs of two command servers'] });
    expect(await titles(cast.liam, `{ assistanceRequests(filter: {direction: RECEIVED}) { totalCount nodes { title } } }`)).toEqual({ total: 1, titles: ['Proxy operators in Australia'] });
    expect(await titles(cast.ann, `{ assistanceRequests(filter: {recipientKind: PRIVATE_SECTOR}) { totalCount nodes { title } } }`)).toEqual({
      total: 2,
      titles: ['Preserve logs of two command servers', 'Confirm customers in a harvested list'],
    });
    expect(await titles(cast.ann, `{ assistanceRequests(filter: {status: OPEN}) { totalCount nodes { title } } }`)).toEqual({
      total: 2,
      titles: ['Identify UK money mules', 'Trace wire transfers to US accounts'],
    });
  });
});

describe('the request lifecycle and who may move it', () => {
  const rowOf = async (id: string) =>
    (await hub.ds.query(`SELECT r.status, d.response, r.answered_at FROM assistance_request r JOIN assistance_request_detail d ON d.request_id = r.id WHERE r.id = $1`, [id]))[0];
  const tables = ['assistance_request', 'assistance_request_detail'];
  const ask = `mutation($input: RequestAssistanceInput!) { requestAssistance(input: $input) { id status harmScore requester { name } recipient { name } } }`;
  const input = { recipientId: orgId('sentinel'), title: 'Samples of dialer malware', description: 'Please send samples.', categories: ['MALWARE'], victimCount: 9000, estimatedLossUsd: 700000 };

  test('an agency requests assistance; the harm score follows the documented formula', async () => {
    const r = await hub.gql(ask, { as: cast.claire, variables: { input } });
    expect(r.body.data.requestAssistance).toMatchObject({ status: 'OPEN', harmScore: 70, requester: { name: 'Canadian Radio-television and Telecommunications Commission' }, recipient: { name: 'Sentinel Security' } });
  });

  test('the request and its details are written as two rows; the details reach only requester and recipient', async () => {
    const r = await hub.gql(ask, { as: cast.claire, variables: { input: { ...input, vulnerableVictims: true } } });
    const id = r.body.data.requestAssistance.id;
    expect(await hub.ds.query(`SELECT requester_id, recipient_id, description, victim_count, estimated_loss_usd, vulnerable_victims, ongoing_harm, response
      FROM assistance_request_detail WHERE request_id = $1`, [id])).toEqual([
      { requester_id: orgId('crtc'), recipient_id: orgId('sentinel'), description: 'Please send samples.', victim_count: 9000, estimated_loss_usd: 700000,
        vulnerable_victims: true, ongoing_harm: false, response: null },
    ]);
    const details = `{ assistanceRequest(id: "${id}") { details { description victimCount estimatedLossUsd vulnerableVictims ongoingHarm response } viewerCan { readDetails answer withdraw } } }`;
    const expected = { description: 'Please send samples.', victimCount: 9000, estimatedLossUsd: 700000, vulnerableVictims: true, ongoingHarm: false, response: null };
    expect((await hub.gql(details, { as: cast.claire })).body).toEqual({
      data: { assistanceRequest: { details: expected, viewerCan: { readDetails: true, answer: false, withdraw: true } } },
    });
    expect((await hub.gql(details, { as: cast.eva })).body).toEqual({
      data: { assistanceRequest: { details: expected, viewerCan: { readDetails: true, answer: true, withdraw: false } } },
    });
    expect((await hub.gql(details, { as: cast.ann })).body).toEqual({
      data: { assistanceRequest: { details: null, viewerCan: { readDetails: false, answer: false, withdraw: false } } },
      extensions: { redacted: [{ path: 'assistanceRequest.details', code: 'FORBIDDEN', count: 1 }] },
    });
  });

  test.each([[null], [cast.grace], [cast.paulo]])('%s may not request assistance', async (who) => {
    const before = await tableRows(hub.ds, tables);
    const r = await hub.gql(ask, { as: who, variables: { input } });
    expect(r.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await tableRows(hub.ds, tables)).toEqual(before);
  });

  test('bad input: negative counts, unknown recipient, own organization, a case the requester cannot see', async () => {
    const before = await hub.ds.query(`SELECT count(*)::int AS n FROM assistance_request`);
    const bad: Array<[Record<string, unknown>, string]> = [
      [{ ...input, victimCount: -1 }, 'input.victimCount: must not be less than 0'],
      [{ ...input, estimatedLossUsd: -5 }, 'input.estimatedLossUsd: must not be less than 0'],
      [{ ...input, estimatedLossUsd: 1234.5 }, 'input.estimatedLossUsd: must be a whole number of US dollars'],
      [{ ...input, recipientId: '00000000-0000-4000-8000-000000000000' }, 'input.recipientId: no endorsed participant with this id'],
      [{ ...input, recipientId: orgId('cgi') }, 'input.recipientId: no endorsed participant with this id'],
      [{ ...input, recipientId: orgId('crtc') }, 'input.recipientId: is your own organization'],
      [{ ...input, caseId: caseId('EFCC-2004-001') }, 'input.caseId: no case with this id'],
      // An empty id names no case: not "about no case", which omitting it (or null) asks for.
      [{ ...input, caseId: '' }, 'input.caseId: no case with this id'],
      [{ ...input, title: 'x'.repeat(201) }, 'input.title:'],
    ];
    for (const [variables, message] of bad) {
      const r = await hub.gql(ask, { as: cast.claire, variables: { input: variables } });
      expect(r.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
      expect(r.body.errors?.[0].message.slice(0, message.length)).toBe(message);
    }
    expect(await hub.ds.query(`SELECT count(*)::int AS n FROM assistance_request`)).toEqual(before);
  });

  test.each([
    ['1e400', 'input.estimatedLossUsd: must not be greater than 10000000000000'],
    ['-1e400', 'input.estimatedLossUsd: must not be less than 0'],
  ])('an amount written past what a number holds (%s, read as infinite) is said to be past its bound, not a fraction', async (literal, message) => {
    const before = await hub.ds.query(`SELECT count(*)::int AS n FROM assistance_request`);
    const r = await hub.gql(
      `mutation { requestAssistance(input: { recipientId: "${orgId('sentinel')}", title: "Samples", description: "Please.", categories: [MALWARE], victimCount: 1, estimatedLossUsd: ${literal} }) { id } }`,
      { as: cast.claire },
    );
    expect(r.body.errors?.map((e: { message: string; extensions?: { code?: string } }) => [e.extensions?.code, e.message])).toEqual([['BAD_USER_INPUT', message]]);
    expect(await hub.ds.query(`SELECT count(*)::int AS n FROM assistance_request`)).toEqual(before);
  });

  test('the recipient acknowledges and fulfils; others are refused and nothing changes', async () => {
    const id = req('ftc-oft-mules');
    const before = await tableRows(hub.ds, tables);
    for (const who of [cast.ann, cast.isla, cast.tom]) {
      for (const mutation of [`acknowledgeRequest(id: "${id}")`, `fulfilRequest(id: "${id}", response: "Done")`, `declineRequest(id: "${id}", response: "No")`]) {
        const r = await hub.gql(`mutation { ${mutation} { status } }`, { as: who });
        // Ann (requester, coordinator) may not answer: the database refuses (FORBIDDEN). Isla and Tom cannot see the
        // request at all: it is answered as one that does not exist.
        expect(r.body).toEqual({
          data: null,
          errors: [expect.objectContaining(who === cast.ann ? { extensions: { code: 'FORBIDDEN' } } : { message: 'id: no request with this id' })],
        });
        expect(await tableRows(hub.ds, tables)).toEqual(before);
      }
    }
    expect(await rowOf(id)).toEqual({ status: 'OPEN', response: null, answered_at: null });
    expect((await hub.gql(`mutation { acknowledgeRequest(id: "${id}") { status } }`, { as: cast.oliver })).body.data).toEqual({ acknowledgeRequest: { status: 'ACKNOWLEDGED' } });
    const done = await hub.gql(`mutation { fulfilRequest(id: "${id}", response: "Three account holders identified.") { status details { response } } }`, { as: cast.oliver });
    expect(done.body.data).toEqual({ fulfilRequest: { status: 'FULFILLED', details: { response: 'Three account holders identified.' } } });
    const again = await hub.gql(`mutation { declineRequest(id: "${id}", response: "No") { status } }`, { as: cast.oliver });
    expect(again.body.errors?.[0]).toMatchObject({ message: 'id: the request is FULFILLED', extensions: { code: 'BAD_USER_INPUT' } });
    expect((await rowOf(id)).status).toBe('FULFILLED');
  });

  test('a coordinator who is neither party sees the request but may not move it (FORBIDDEN, nothing written)', async () => {
    const id = req('ico-meridian-accounts');
    const before = await tableRows(hub.ds, tables);
    for (const mutation of [`fulfilRequest(id: "${id}", response: "Done")`, `declineRequest(id: "${id}", response: "No")`, `withdrawRequest(id: "${id}")`]) {
      const r = await hub.gql(`mutation { ${mutation} { status } }`, { as: cast.oliver });
      expect(r.body).toEqual({ data: null, errors: [expect.objectContaining({ extensions: { code: 'FORBIDDEN' } })] });
    }
    expect(await tableRows(hub.ds, tables)).toEqual(before);
  });

  test('a wrong state is bad input, for a party that may move it', async () => {
    const id = req('acma-northstar-logs');
    const before = await tableRows(hub.ds, tables);
    const r = await hub.gql(`mutation { acknowledgeRequest(id: "${id}") { status } }`, { as: cast.grace });
    expect(r.body).toEqual({ data: null, errors: [expect.objectContaining({ message: 'id: the request is FULFILLED', extensions: expect.objectContaining({ code: 'BAD_USER_INPUT' }) })] });
    expect(await tableRows(hub.ds, tables)).toEqual(before);
  });

  test('only the requester withdraws', async () => {
    const id = req('efcc-ftc-payments');
    const before = await tableRows(hub.ds, tables);
    const refused = await hub.gql(`mutation { withdrawRequest(id: "${id}") { status } }`, { as: cast.ann });
    expect(refused.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(await tableRows(hub.ds, tables)).toEqual(before);
    const ok = await hub.gql(`mutation { withdrawRequest(id: "${id}") { status } }`, { as: cast.emeka });
    expect(ok.body.data).toEqual({ withdrawRequest: { status: 'WITHDRAWN' } });
  });

  test('a private-sector recipient declines with a reason', async () => {
    const id = req('ico-meridian-accounts');
    const r = await hub.gql(`mutation { declineRequest(id: "${id}", response: "Customer data cannot be confirmed without a court order.") { status viewerCan { answer } } }`, { as: cast.priya });
    expect(r.body.data).toEqual({ declineRequest: { status: 'DECLINED', viewerCan: { answer: false } } });
  });
});

test('a full listing as a requester shows everything of its own requests', async () => {
  const r = await hub.gql(list, { as: cast.liam });
  expect(r.body.data.assistanceRequests.nodes[0]).toEqual({
    title: 'Preserve logs of two command servers',
    harmScore: 90,
    status: 'FULFILLED',
    requester: { name: 'Australian Communications and Media Authority' },
    recipient: { name: 'NorthStar Broadband' },
    details: { description: 'Please preserve connection logs of the two botnet command servers in your network.', response: 'Logs preserved for 180 days; export sent to the ACMA contact.' },
    recipientGuidance: expect.stringMatching(/^Send requests to the abuse desk/),
  });
});
