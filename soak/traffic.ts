import { TokenService } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { demoId } from '../src/db/seed/demo-ids';

/**
 * The soak's traffic: demo people (the hub's demo network, SEED_DEMO=true) with tokens signed the way the hub signs
 * them (`npm run token`), reading the case board, a case's detail, the call agenda and `me`, and writing what each may
 * write — opening cases, changing their agency's case, asking for assistance, publishing reports.
 */

export interface Request {
  op: string;
  write: boolean;
  url: string;
  headers: Record<string, string>;
  body: string;
}

export interface Outcome {
  op: string;
  write: boolean;
  /** 0 when no HTTP answer came (connection error, timeout). */
  status: number;
  /** The first GraphQL error's code, if any. */
  code?: string;
  /** 200, data, no errors. */
  ok: boolean;
  /** The body names INTERNAL_SERVER_ERROR. */
  internal: boolean;
  /** Why no answer came: `connection` or `timeout`. */
  failure?: 'connection' | 'timeout';
  started: number;
  ended: number;
  data?: any;
}

const BOARD = `query SoakBoard($first: Int!) {
  cases(first: $first, orderBy: HARM) {
    totalCount
    nodes { id reference title status categories tlp openedAt harmScore leadAgency { name country { code } } countries { code } confidential { summary } viewerCan { readConfidential edit share } }
  }
}`;
const DETAIL = `query SoakDetail($id: ID!) {
  case(id: $id) {
    id reference title status categories tlp openedAt harmScore
    countries { code name developing }
    leadAgency { id name country { code } }
    viewerCan { readConfidential edit share }
    confidential { summary suspects evidence victimCount estimatedLossUsd shares { id participant { name } recipients { name } } }
  }
}`;
const AGENDA = `query SoakCalls { calls(first: 20, when: UPCOMING) { totalCount nodes { id title scheduledAt organizer { name } segments { order title audience discussedCases { id reference } } } } }`;
const ME = `query SoakMe { me { kind person { id name email } organization { id name kind } } }`;
export const OPEN_CASE = `mutation SoakOpenCase($input: OpenCaseInput!) { openCase(input: $input) { id reference } }`;
const UPDATE_CASE = `mutation SoakUpdateCase($id: ID!, $input: UpdateCaseInput!) { updateCase(id: $id, input: $input) { id title } }`;
const REQUEST_ASSISTANCE = `mutation SoakRequestAssistance($input: RequestAssistanceInput!) { requestAssistance(input: $input) { id } }`;
const PUBLISH_REPORT = `mutation SoakPublishReport($input: PublishReportInput!) { publishReport(input: $input) { id } }`;

export interface SoakViewer {
  email: string;
  personId: string;
  /** The case the viewer reads in detail (one whose confidential tier it may read). */
  detailCase: string;
  /** The writes this person is permitted, one picked at random per write. */
  writes: Array<(n: number) => { op: string; query: string; variables: Record<string, unknown> }>;
}

const caseId = (ref: string) => demoId(`case:${ref}`);
const orgId = (key: string) => demoId(`org:${key}`);

/** A reference no other run or request uses: 3–40 capitals, digits and dashes. */
export function reference(tag: string, n: number): string {
  return `SOAK-${tag}-${n}`;
}

export function soakViewers(tag: string): SoakViewer[] {
  const person = (email: string, detailCase: string, writes: SoakViewer['writes']): SoakViewer => ({
    email,
    personId: demoId(`person:${email}`),
    detailCase: caseId(detailCase),
    writes,
  });
  const openCase = (n: number) => ({
    op: 'openCase',
    query: OPEN_CASE,
    variables: {
      input: { reference: reference(tag, n), title: `Soak case ${n}`, categories: ['SPAM'], countryCodes: ['GB', 'US'], tlp: n % 2 ? 'AMBER' : 'GREEN', summary: 'Opened by the soak test.' },
    },
  });
  const updateCase = (ref: string) => (n: number) => ({
    op: 'updateCase',
    query: UPDATE_CASE,
    variables: { id: caseId(ref), input: { summary: `Soak revision ${n}` } },
  });
  const requestAssistance = (recipient: string, ref: string) => (n: number) => ({
    op: 'requestAssistance',
    query: REQUEST_ASSISTANCE,
    variables: {
      input: { recipientId: orgId(recipient), caseId: caseId(ref), title: `Soak request ${n}`, description: 'Logs for the period, please.', categories: ['SPAM'], estimatedLossUsd: 1000, victimCount: 10 },
    },
  });
  const publishReport = (kind: string, tlp: string) => (n: number) => ({
    op: 'publishReport',
    query: PUBLISH_REPORT,
    variables: { input: { kind, tlp, title: `Soak report ${n}`, body: 'Seen by the soak test.' } },
  });
  return [
    person('ann.carter@ftc.example', 'FTC-2004-017', [openCase, updateCase('FTC-2004-017'), publishReport('EARLY_WARNING', 'GREEN')]),
    person('isla.morgan@ico.example', 'ICO-2004-008', [openCase, updateCase('ICO-2004-008'), requestAssistance('meridian', 'ICO-2004-008')]),
    person('liam.walsh@acma.example', 'ACMA-2004-011', [updateCase('ACMA-2004-011'), requestAssistance('northstar', 'ACMA-2004-011')]),
    person('grace.lin@northstar.example', 'ACMA-2004-011', [publishReport('EARLY_WARNING', 'GREEN')]),
    person('tom.baker@meridianbank.example', 'ICO-2004-008', [publishReport('TECHNOLOGY_TREND', 'AMBER')]),
  ];
}

/** Bearer tokens signed with the hub's secret, as `npm run token` signs them. */
export async function bearerTokens(secret: string, viewers: SoakViewer[]): Promise<Map<string, string>> {
  const tokens = new TokenService(loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret }));
  const out = new Map<string, string>();
  for (const v of viewers) out.set(v.email, `Bearer ${await tokens.sign(v.personId, v.email)}`);
  return out;
}

export interface Mix {
  /** A random request of the mix: `writeShare` of them writes. */
  next(): Request;
  /** Every kind of request once per viewer (the pre-flight). */
  all(): Request[];
}

export function trafficMix(base: string, viewers: SoakViewer[], auth: Map<string, string>, writeShare: number): Mix {
  let counter = 0;
  const url = `${base}/graphql`;
  const req = (v: SoakViewer, op: string, write: boolean, query: string, variables?: Record<string, unknown>): Request => ({
    op,
    write,
    url,
    headers: { 'content-type': 'application/json', authorization: auth.get(v.email)! },
    body: JSON.stringify({ query, variables }),
  });
  const reads = (v: SoakViewer): Request[] => [
    req(v, 'case board', false, BOARD, { first: 50 }),
    req(v, 'case detail', false, DETAIL, { id: v.detailCase }),
    req(v, 'calls', false, AGENDA),
    req(v, 'me', false, ME),
  ];
  const write = (v: SoakViewer, w: SoakViewer['writes'][number]): Request => {
    const { op, query, variables } = w(++counter);
    return req(v, op, true, query, variables);
  };
  return {
    next() {
      const v = viewers[Math.floor(Math.random() * viewers.length)];
      if (Math.random() < writeShare) return write(v, v.writes[Math.floor(Math.random() * v.writes.length)]);
      const r = reads(v);
      return r[Math.floor(Math.random() * r.length)];
    },
    all() {
      return viewers.flatMap((v) => [...reads(v), ...v.writes.map((w) => write(v, w))]);
    },
  };
}

/** Sends one request and classifies the answer. */
export async function send(r: Request, timeoutMs = 30_000): Promise<Outcome> {
  const started = performance.now();
  const base = { op: r.op, write: r.write, started };
  let res: Response;
  let text: string;
  try {
    res = await fetch(r.url, { method: 'POST', headers: r.headers, body: r.body, signal: AbortSignal.timeout(timeoutMs) });
    text = await res.text();
  } catch (err) {
    const timeout = (err as Error).name === 'TimeoutError';
    return { ...base, status: 0, ok: false, internal: false, failure: timeout ? 'timeout' : 'connection', ended: performance.now() };
  }
  const ended = performance.now();
  let body: { data?: any; errors?: Array<{ extensions?: { code?: string } }> } | null = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: counted by its status
  }
  const code = body?.errors?.[0]?.extensions?.code;
  return {
    ...base,
    status: res.status,
    code: typeof code === 'string' ? code : body === null ? '(not JSON)' : undefined,
    ok: res.status === 200 && body?.data != null && !body.errors,
    internal: text.includes('INTERNAL_SERVER_ERROR'),
    ended,
    data: body?.data,
  };
}

/**
 * Keeps `connections` requests in flight (each loop sends its next request once the previous one is answered) until
 * `shouldStop()`; every outcome goes to `record`.
 */
export async function drive(connections: number, next: () => Request, shouldStop: () => boolean, record: (o: Outcome) => void, timeoutMs = 30_000): Promise<void> {
  const loop = async () => {
    while (!shouldStop()) {
      const o = await send(next(), timeoutMs);
      record(o);
      // A refused connection answers at once: do not spin.
      if (o.failure === 'connection') await new Promise((r) => setTimeout(r, 50));
    }
  };
  await Promise.all(Array.from({ length: connections }, loop));
}
