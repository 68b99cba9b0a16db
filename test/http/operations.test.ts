import { STORE_TIMEOUT_MS } from '../../src/http/rate-limit';
import http from 'node:http';
import net from 'node:net';
import { parse } from 'graphql';
import pino from 'pino';
import WebSocket from 'ws';
import { ViewerKind } from '../../entities/enums';
import { ConfigError, loadConfig } from '../../src/config';
import { connectionProblem, openDatabase } from '../../src/db/data-source';
import { ensureWritableDir } from '../../src/db/embedded';
import { buildHubSchema } from '../../src/schema';
import { CompiledCache } from '../../src/graphql/executor';
import { documentStore } from '../../src/graphql/bounded-cache';
import { introspectionRefusal } from '../../src/graphql/introspection';
import { networkReportCsv, NetworkReportData, reportDate } from '../../src/http/network-report-csv';
import { accessLog, factsOf } from '../../src/http/request-log';
import { sendJson } from '../../src/http/respond';
import { anonymousViewer } from '../../src/policy/viewer';
import { createHub, Hub } from '../../src/server';
import { checkPort } from '../../src/startup';
import { caseId, cast, personId, startTestHub, testHubEnv, TestHub } from '../support/hub';
import { capturingLogger } from '../support/log';
import { tcpProxy } from '../support/tcp-proxy';
import { LiveClient } from '../support/live';
import { rawExchange, trickledRequest } from '../support/trickle';

/**
 * Operations and production defaults (ENGINEERING "Errors and production defaults"): request ids and the access log,
 * Prometheus metrics, rate limits, CORS, introspection and GraphiQL for members in production, the demo seed off in
 * production, configuration errors named in one line, bad input (persisted queries, variables, the CSV's dates) as
 * BAD_USER_INPUT, bounded caches, and what clients need (CaseConfidential.id, formula-safe CSV cells).
 */

let hub: TestHub;
let base: string;
beforeAll(async () => {
  hub = await startTestHub();
  base = hub.url.replace(/\/graphql$/, '');
});
afterAll(() => hub.close());

interface OtherHub {
  hub: Hub;
  url: string;
  base: string;
  lines: Array<Record<string, any>>;
  /** The same lines as written (JSON.parse would hide a key written twice). */
  raw: string[];
}

/** Another hub on the test database with these variables on top of the test ones; its log lines are kept. */
async function otherHub(env: Record<string, string> = {}): Promise<OtherHub> {
  const { logger, lines, raw } = capturingLogger();
  const config = loadConfig({ ...testHubEnv(), ...env });
  const other = await createHub({ config, ds: hub.ds, logger });
  const port = await other.listen(0, '127.0.0.1');
  return { hub: other, url: `http://127.0.0.1:${port}/graphql`, base: `http://127.0.0.1:${port}`, lines, raw };
}

async function tokenOf(email: string): Promise<string> {
  return hub.tokenFor(personId(email), email);
}

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
}

describe('request ids and the access log', () => {
  let logging: OtherHub;
  beforeAll(async () => {
    logging = await otherHub({ NODE_ENV: 'production' });
  });
  afterAll(() => logging.hub.stop());

  test('a request id sent by the client is echoed and logged with the operation, its outcome and the viewer — never the token', async () => {
    const token = await tokenOf(cast.isla);
    const r = await post(logging.url, { query: 'query LogProbe { me { kind } }' }, { authorization: `Bearer ${token}`, 'x-request-id': 'probe-123' });
    expect([r.status, r.headers.get('x-request-id'), r.body]).toEqual([200, 'probe-123', { data: { me: { kind: 'AGENCY' } } }]);
    const line = logging.lines.find((l) => l.req?.id === 'probe-123' && l.res);
    expect(line).toMatchObject({
      level: 30,
      msg: 'POST /graphql 200',
      req: { id: 'probe-123', method: 'POST', path: '/graphql' },
      clientIp: expect.stringMatching(/^(::ffff:)?127\.0\.0\.1$/),
      res: { statusCode: 200 },
      graphql: { type: 'query', operation: 'LogProbe', outcome: 'ok' },
      viewer: { kind: 'AGENCY', person: personId(cast.isla) },
    });
    expect(typeof line!.responseTime).toBe('number');
    // Each key once in the line as written, in this order: the address right after the request, as when it was bound to
    // the request's logger (it is read when the request arrives and added to the line).
    const written = logging.raw.find((l) => l.includes('"probe-123"') && l.includes('"responseTime"'))!;
    for (const key of ['clientIp', 'graphql', 'viewer', 'req', 'res']) expect([key, written.split(`"${key}":`).length - 1]).toEqual([key, 1]);
    expect(Object.keys(JSON.parse(written))).toEqual(['level', 'time', 'pid', 'hostname', 'req', 'clientIp', 'res', 'responseTime', 'graphql', 'viewer', 'msg']);
    expect(JSON.stringify(logging.lines)).not.toContain(token);
  });

  test('without one (or with one that is not plain), the hub makes a UUID', async () => {
    for (const headers of [{}, { 'x-request-id': 'has spaces and ; semicolons' }] as Array<Record<string, string>>) {
      const r = await post(logging.url, { query: '{ me { kind } }' }, headers);
      expect(r.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    }
  });

  test('a request in absolute form (as a client speaking to a proxy writes it) is logged by its path; a probe so written is not logged', async () => {
    const { hostname, port } = new URL(logging.url);
    const host = `${hostname}:${port}`;
    const body = JSON.stringify({ query: '{ me { kind } }' });
    const asked = await rawExchange(Number(port), hostname, `POST http://${host}/graphql?x=1 HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nX-Request-Id: absolute-1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    expect(asked.statusLine).toBe('HTTP/1.1 200 OK');
    const probe = await rawExchange(Number(port), hostname, `GET http://${host}/healthz HTTP/1.1\r\nHost: ${host}\r\nX-Request-Id: absolute-2\r\nConnection: close\r\n\r\n`);
    expect(probe.statusLine).toBe('HTTP/1.1 200 OK');
    const line = await accessLineOf('absolute-1');
    expect([line?.msg, line?.req?.path]).toEqual(['POST /graphql 200', '/graphql']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logging.lines.filter((l) => l.req?.id === 'absolute-2')).toEqual([]);
  });

  test('a failed request leaves a trace: its error is logged with the request id the client got', async () => {
    let r;
    await hub.ds.query(`ALTER TABLE enforcement_case RENAME TO enforcement_case_away`);
    try {
      r = await post(logging.url, { query: '{ cases { totalCount } }' }, { 'x-request-id': 'failing-1' });
    } finally {
      await hub.ds.query(`ALTER TABLE enforcement_case_away RENAME TO enforcement_case`);
    }
    expect([r.status, r.headers.get('x-request-id'), r.body.errors[0].extensions.code]).toEqual([200, 'failing-1', 'INTERNAL_SERVER_ERROR']);
    const error = logging.lines.find((l) => l.msg === 'unexpected error in a GraphQL request' && l.req?.id === 'failing-1');
    expect(error).toMatchObject({ level: 50, req: { id: 'failing-1' }, err: { message: expect.stringContaining('enforcement_case') } });
    const access = logging.lines.find((l) => l.req?.id === 'failing-1' && l.res);
    expect(access).toMatchObject({ graphql: { outcome: 'INTERNAL_SERVER_ERROR' } });
  });

  test('a request answered 500 has its access line at level error, with the request bound; the error is its own line, not one made of the status', async () => {
    const token = await tokenOf(cast.isla);
    let res: Response;
    await hub.ds.query(`ALTER TABLE enforcement_case RENAME TO enforcement_case_away`);
    try {
      res = await fetch(`${logging.base}/reports/network.csv?from=2004-01-01&to=2004-12-31`, { headers: { authorization: `Bearer ${token}`, 'x-request-id': 'csv-500' } });
      await res.text();
    } finally {
      await hub.ds.query(`ALTER TABLE enforcement_case_away RENAME TO enforcement_case`);
    }
    expect([res.status, res.headers.get('x-request-id')]).toEqual([500, 'csv-500']);
    const lines = logging.lines.filter((l) => l.req?.id === 'csv-500');
    // The error logged while the request was handled, then its access line: both with the request's id and address.
    expect(lines.map((l) => [l.level, l.msg, l.clientIp !== undefined])).toEqual([
      [50, 'unexpected error in a GraphQL request', true],
      [50, 'GET /reports/network.csv 500', true],
    ]);
    expect(lines[1]).toMatchObject({ req: { id: 'csv-500', method: 'GET', path: '/reports/network.csv' }, res: { statusCode: 500 } });
    // pino-http's own `failed with status code 500`, with a stack of its code, is not added: the status says it.
    expect(lines[1].err).toBeUndefined();
    expect(typeof lines[1].responseTime).toBe('number');
  });

  test('an unauthenticated request is logged with its outcome too', async () => {
    const r = await post(logging.url, { query: '{ me { kind } }' }, { authorization: 'Bearer not.a.token', 'x-request-id': 'unauth-1' });
    expect(r.status).toBe(401);
    expect(logging.lines.find((l) => l.req?.id === 'unauth-1' && l.res)).toMatchObject({ res: { statusCode: 401 }, graphql: { outcome: 'UNAUTHENTICATED' } });
  });

  /**
   * A raw `POST /graphql` with request id `id` announcing `length` bytes of body and sending `body`; closed by the
   * client after `closeAfterMs` (or kept until the server closes it). Resolves with what the client received.
   */
  function rawPost(id: string, length: number, body: string, closeAfterMs?: number): Promise<string> {
    const { hostname, port } = new URL(logging.base);
    return new Promise((resolve, reject) => {
      const socket = net.connect(Number(port), hostname);
      let received = '';
      socket.on('data', (chunk) => (received += chunk.toString()));
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
      socket.write(`POST /graphql HTTP/1.1\r\nHost: ${hostname}\r\nContent-Type: application/json\r\nX-Request-Id: ${id}\r\nContent-Length: ${length}\r\nConnection: close\r\n\r\n${body}`);
      if (closeAfterMs !== undefined) setTimeout(() => socket.destroy(), closeAfterMs);
    });
  }

  /** The access line of request `id`, once written. */
  async function accessLineOf(id: string): Promise<Record<string, any> | undefined> {
    for (let waited = 0; waited < 3000; waited += 20) {
      const line = logging.lines.find((l) => l.req?.id === id && l.res);
      if (line) return line;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return undefined;
  }

  test('a client that closes its connection part way through its body is logged 499, not the body parser\'s 400 nobody received', async () => {
    // 15 of the 1000 bytes announced, then the client gives up after a second.
    expect(await rawPost('cut-body-1', 1000, '{"query":"{ me ', 1000)).toBe('');
    const line = await accessLineOf('cut-body-1');
    expect([line?.level, line?.msg, line?.res, line?.graphql]).toEqual([30, 'POST /graphql 499', { statusCode: 499 }, undefined]);
    // The control: the same 15 bytes as the whole body are answered 400, and logged so.
    expect((await rawPost('cut-body-2', 15, '{"query":"{ me ')).split('\r\n')[0]).toBe('HTTP/1.1 400 Bad Request');
    const answered = await accessLineOf('cut-body-2');
    expect([answered?.msg, answered?.res]).toEqual(['POST /graphql 400', { statusCode: 400 }]);
  });

  test('a body declared over the limit is answered 413 at once, before its client sends it, and logged 413; sent whole, the same', async () => {
    expect((await rawPost('over-limit-1', 2_000_000, '{"query":"{ me ', 300)).split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    const line = await accessLineOf('over-limit-1');
    expect([line?.msg, line?.res]).toEqual(['POST /graphql 413', { statusCode: 413 }]);
    const whole = JSON.stringify({ query: '{ me { kind } }', variables: { x: 'a'.repeat(1_100_000) } });
    expect((await rawPost('over-limit-2', whole.length, whole)).split('\r\n')[0]).toBe('HTTP/1.1 413 Payload Too Large');
    const answered = await accessLineOf('over-limit-2');
    expect([answered?.msg, answered?.res]).toEqual(['POST /graphql 413', { statusCode: 413 }]);
  });

  test('a GraphQL answer written only after its client closed the connection is logged 499 CLIENT_CLOSED_REQUEST, not as answered', async () => {
    // The access log alone, before a step that answers as the client's connection closes (as the body parser refuses a
    // body cut short): the answer is written to the closed connection before its access line is.
    const { logger, lines } = capturingLogger();
    const log = accessLog(logger, () => undefined);
    const server = http.createServer((req, res) =>
      log(req, res, () => {
        Object.assign(factsOf(req), { type: 'query', operation: 'Late', outcome: 'ok' });
        req.once('aborted', () => sendJson(res, 200, { data: { me: { kind: 'ANONYMOUS' } } }));
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
      socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nX-Request-Id: late-1\r\nContent-Length: 100\r\n\r\n{"query":');
      await new Promise((resolve) => setTimeout(resolve, 100));
      socket.destroy();
      for (let waited = 0; waited < 3000 && !lines.some((l) => l.res); waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
      const line = lines.find((l) => l.req?.id === 'late-1' && l.res);
      expect([line?.msg, line?.res, line?.graphql]).toEqual(['POST /graphql 499', { statusCode: 499 }, { type: 'query', operation: 'Late', outcome: 'CLIENT_CLOSED_REQUEST' }]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('GET /metrics (Prometheus)', () => {
  async function scrape(url = base): Promise<string> {
    const res = await fetch(`${url}/metrics`);
    expect([res.status, res.headers.get('content-type')]).toEqual([200, 'text/plain; version=0.0.4; charset=utf-8']);
    return res.text();
  }
  function value(text: string, series: string): number {
    const line = text.split('\n').find((l) => l.startsWith(series + ' '));
    return line ? Number(line.slice(series.length + 1)) : 0;
  }

  test('requests by operation and outcome, the latency histogram, SQL statements, the pool and subscriptions', async () => {
    const before = await scrape();
    await hub.gql('query MetricsProbe { me { kind } }');
    await hub.gql('query MetricsProbe { me { kind } }', { as: cast.isla });
    await hub.gql('query MetricsBad($o: CaseOrder!) { cases(orderBy: $o) { totalCount } }', { variables: { o: 'NOPE' } });
    const after = await scrape();
    const ok = 'laphub_graphql_requests_total{operation="MetricsProbe",outcome="ok"}';
    const bad = 'laphub_graphql_requests_total{operation="MetricsBad",outcome="BAD_USER_INPUT"}';
    expect([value(after, ok) - value(before, ok), value(after, bad) - value(before, bad)]).toEqual([2, 1]);
    const count = 'laphub_graphql_request_duration_seconds_count{type="query"}';
    expect(value(after, count) - value(before, count)).toBe(3);
    expect(after).toContain('laphub_graphql_request_duration_seconds_bucket{le="0.005",type="query"}');
    expect(value(after, 'laphub_sql_statements_total')).toBeGreaterThan(value(before, 'laphub_sql_statements_total'));
    for (const gauge of ['laphub_db_pool_connections', 'laphub_db_pool_idle', 'laphub_db_pool_waiting', 'laphub_subscriptions_active']) {
      expect(after).toMatch(new RegExp(`^${gauge} \\d+$`, 'm'));
    }
    expect(value(after, 'laphub_subscriptions_active')).toBe(0);
    expect(after).toMatch(/^laphub_process_resident_memory_bytes \d+$/m);
  });

  test('requests whose clients close their connections at every moment of the answer are counted exactly as their access lines give them', async () => {
    // A client that gives up while its answer is being made: the line is written when the connection closes (499),
    // the metrics a turn later, when the answer may have been written after all. Counted as the line says, always.
    const other = await otherHub();
    try {
      const token = await tokenOf(cast.isla);
      const body = JSON.stringify({ query: 'query Cut { cases(first: 50) { nodes { id title confidential { summary shares { id } } } } }' });
      // How long one such answer takes here (the embedded database is slower): the cuts are spread over 1.5 times that.
      const started = performance.now();
      const whole = await fetch(other.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body });
      expect(whole.status).toBe(200);
      await whole.text();
      const answerMs = performance.now() - started;
      await new Promise((resolve) => setTimeout(resolve, 50));
      const before = await scrape();
      const sent = 40;
      const cutAt = (i: number) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(Number(new URL(other.base).port), '127.0.0.1', () => {
            socket.write(`POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nAuthorization: Bearer ${token}\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
            // From at once to after the answer: every moment of the request's handling, some after it was answered.
            setTimeout(() => socket.destroy(), (i / sent) * 1.5 * answerMs);
          });
          socket.on('error', () => undefined);
          socket.on('close', () => resolve());
        });
      // Four at a time, as many as a client's connections: not all waiting for the embedded database's one connection.
      for (let i = 0; i < sent; i += 4) await Promise.all([i, i + 1, i + 2, i + 3].map(cutAt));
      // Every request has its line (those cut before their operation was read have no GraphQL part).
      const logged = () => other.lines.filter((l) => l.req?.path === '/graphql' && l.res).slice(1);
      for (let waited = 0; waited < 5000 && logged().length < sent; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
      await new Promise((resolve) => setTimeout(resolve, 100));
      const after = await scrape(other.base);
      expect(logged().length).toBe(sent);
      const delta = (series: string) => value(after, series) - value(before, series);
      const tally = (keys: string[]) => keys.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<string, number>());
      // By status, as the lines give it.
      for (const [status, n] of tally(logged().map((l) => String(l.res.statusCode)))) {
        expect([status, delta(`laphub_http_requests_total{route="/graphql",status="${status}"}`)]).toEqual([status, n]);
      }
      // By outcome, for the lines of the operation: as the lines give it.
      const cut = logged().filter((l) => l.graphql?.operation === 'Cut');
      expect(cut.length).toBeGreaterThan(0);
      for (const [outcome, n] of tally(cut.map((l) => l.graphql.outcome))) {
        expect([outcome, delta(`laphub_graphql_requests_total{operation="Cut",outcome="${outcome}"}`)]).toEqual([outcome, n]);
      }
    } finally {
      await other.hub.stop();
    }
  });

  test('a request whose client closed first (499) and one timed out while sending its body (408) are counted as their access lines give them', async () => {
    // prom-client's registry is the process's: a hub of its own, timing bodies out after 1 s, counted by differences.
    const short = await otherHub({ REQUEST_TIMEOUT_MS: '1000' });
    try {
      const series = (status: number) => `laphub_http_requests_total{route="/graphql",status="${status}"}`;
      const before = await scrape();
      // 15 of the 1000 bytes announced, then the client gives up.
      const socket = net.connect(Number(new URL(short.base).port), '127.0.0.1');
      socket.on('error', () => undefined);
      socket.write('POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"query":"{ me ');
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.destroy();
      // Another that stops sending: Node answers it 408 after REQUEST_TIMEOUT_MS.
      expect((await trickledRequest(Number(new URL(short.base).port), '127.0.0.1')).statusLine).toBe('HTTP/1.1 408 Request Timeout');
      let after = await scrape();
      for (let waited = 0; waited < 3000 && value(after, series(499)) - value(before, series(499)) < 1; waited += 50) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        after = await scrape();
      }
      expect([value(after, series(499)) - value(before, series(499)), value(after, series(408)) - value(before, series(408))]).toEqual([1, 1]);
      // The timed-out one's access line has a GraphQL part (outcome REQUEST_TIMEOUT): counted there too.
      const timedOut = 'laphub_graphql_requests_total{operation="(anonymous)",outcome="REQUEST_TIMEOUT"}';
      expect(value(after, timedOut) - value(before, timedOut)).toBe(1);
      const lines = short.lines.filter((l) => l.res).map((l) => l.res.statusCode);
      expect(lines.sort()).toEqual([408, 499]);
      // A CORS preflight answered by the CORS step (403: no origin is allowed) is counted as its line gives it.
      const preflight = `laphub_http_requests_total{route="(none)",status="403"}`;
      const beforePreflight = await scrape();
      const refused = await fetch(short.url, { method: 'OPTIONS', headers: { origin: 'https://elsewhere.example', 'access-control-request-method': 'POST' } });
      expect(refused.status).toBe(403);
      expect(value(await scrape(), preflight) - value(beforePreflight, preflight)).toBe(1);
    } finally {
      await short.hub.stop();
    }
  });

  test('with METRICS_TOKEN set, metrics need it', async () => {
    const other = await otherHub({ METRICS_TOKEN: 'scrape-secret-0123456789' });
    try {
      const without = await fetch(`${other.base}/metrics`);
      const wrong = await fetch(`${other.base}/metrics`, { headers: { authorization: 'Bearer nope' } });
      const right = await fetch(`${other.base}/metrics`, { headers: { authorization: 'Bearer scrape-secret-0123456789' } });
      const lower = await fetch(`${other.base}/metrics`, { headers: { authorization: 'bearer scrape-secret-0123456789' } });
      const longer = await fetch(`${other.base}/metrics`, { headers: { authorization: 'Bearer scrape-secret-01234567890' } });
      expect([without.status, wrong.status, right.status, lower.status, longer.status]).toEqual([401, 401, 200, 200, 401]);
    } finally {
      await other.hub.stop();
    }
  });

  test('in production without METRICS_TOKEN, metrics are this host’s only: loopback, not relayed by a proxy', async () => {
    const { logger } = capturingLogger();
    const other = await createHub({ config: loadConfig({ ...testHubEnv(), NODE_ENV: 'production' }), ds: hub.ds, logger });
    // On every interface, so that a non-loopback address of this machine reaches it as another host would.
    const port = await other.listen(0, '0.0.0.0');
    try {
      const local = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(local.status).toBe(200);
      expect(await local.text()).toContain('laphub_graphql_requests_total');
      for (const header of [
        { 'x-forwarded-for': '203.0.113.9' }, { forwarded: 'for=203.0.113.9' }, { 'x-real-ip': '203.0.113.9' }, { 'x-client-ip': '203.0.113.9' },
        { 'true-client-ip': '203.0.113.9' }, { 'cf-connecting-ip': '203.0.113.9' }, { 'fastly-client-ip': '203.0.113.9' }, { 'x-cluster-client-ip': '203.0.113.9' },
        { 'x-forwarded-host': 'hub.example.org' }, { via: '1.1 proxy' },
        // A TLS proxy on this host that says only what it did (a probe: each of these was served the metrics).
        { 'x-forwarded-proto': 'https' }, { 'x-forwarded-port': '443' }, { 'x-forwarded-server': 'edge' }, { 'x-original-forwarded-for': '203.0.113.9' },
        { 'x-envoy-external-address': '203.0.113.9' },
      ] as Array<Record<string, string>>) {
        const relayed = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: header });
        expect([relayed.status, await relayed.json()]).toEqual([403, { error: 'metrics are served to this host only: set METRICS_TOKEN to scrape them from elsewhere' }]);
      }
      const external = Object.values(require('node:os').networkInterfaces() as Record<string, Array<{ family: string; internal: boolean; address: string }>>)
        .flat()
        .find((i) => i.family === 'IPv4' && !i.internal);
      if (external) {
        const remote = await fetch(`http://${external.address}:${port}/metrics`);
        expect(remote.status).toBe(403);
      }
    } finally {
      await other.stop();
    }
    // Outside production (npm start on a laptop), as before: open.
    expect((await fetch(`${base}/metrics`)).status).toBe(200);
  });
});

describe('rate limits', () => {
  const me = '{ me { kind } }';

  async function burst(url: string, n: number, headers: Record<string, string> = {}) {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await post(url, { query: me }, headers));
    return out;
  }

  test('per viewer: the fourth request of a minute is 429 RATE_LIMITED with Retry-After; another viewer is unaffected', async () => {
    const other = await otherHub({ RATE_LIMIT_PER_VIEWER: '3' });
    try {
      const isla = { authorization: `Bearer ${await tokenOf(cast.isla)}` };
      const answers = await burst(other.url, 4, isla);
      expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 429]);
      const refused = answers[3];
      expect(refused.body.errors).toEqual([{ message: expect.stringMatching(/^Too many requests from this viewer: try again in \d+ s\.$/), extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } }]);
      const retry = Number(refused.headers.get('retry-after'));
      expect(retry >= 1 && retry <= 60).toBe(true);
      // Tom is another person; anonymous callers are counted by address (the same one here, but its own key).
      expect((await burst(other.url, 1, { authorization: `Bearer ${await tokenOf(cast.tom)}` }))[0].status).toBe(200);
      expect((await burst(other.url, 4)).map((a) => a.status)).toEqual([200, 200, 200, 429]);
    } finally {
      await other.hub.stop();
    }
  });

  test('per address: counted before the token is even checked', async () => {
    const other = await otherHub({ RATE_LIMIT_PER_IP: '2' });
    try {
      const answers = await burst(other.url, 3, { authorization: 'Bearer not.a.token' });
      expect(answers.map((a) => a.status)).toEqual([401, 401, 429]);
      expect(answers[2].body.errors[0].message).toMatch(/^Too many requests from this address/);
      const csv = await fetch(`${other.base}/reports/network.csv?from=2025-01-01&to=2026-01-01`);
      expect(csv.status).toBe(429);
      // As a GraphQL request's refusal says it: when to send it again, in the body as in the header.
      const refusal = (await csv.json()) as { errors: Array<{ extensions: { code: string; retryAfterSeconds: number } }> };
      expect(refusal.errors[0].extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: Number(csv.headers.get('retry-after')) });
    } finally {
      await other.hub.stop();
    }
  });

  test('the PostgreSQL store: two hubs on one database share the count', async () => {
    const a = await otherHub({ RATE_LIMIT_PER_VIEWER: '3', RATE_LIMIT_STORE: 'postgres' });
    const b = await otherHub({ RATE_LIMIT_PER_VIEWER: '3', RATE_LIMIT_STORE: 'postgres' });
    try {
      const grace = { authorization: `Bearer ${await tokenOf(cast.grace)}` };
      const statuses = [...(await burst(a.url, 2, grace)), ...(await burst(b.url, 2, grace))].map((r) => r.status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      expect(await hub.ds.query(`SELECT key, points FROM lap_ops.rate_limit WHERE key = $1`, [`viewer:person:${personId(cast.grace)}`])).toEqual([
        { key: `viewer:person:${personId(cast.grace)}`, points: 4 },
      ]);
    } finally {
      await a.hub.stop();
      await b.hub.stop();
      await hub.ds.query(`DELETE FROM lap_ops.rate_limit`);
    }
  });

  (process.env.TEST_REDIS_URL ? test : test.skip)('the Redis store (TEST_REDIS_URL): two hubs share the count', async () => {
    const env = { RATE_LIMIT_PER_VIEWER: '3', RATE_LIMIT_STORE: 'redis', REDIS_URL: process.env.TEST_REDIS_URL! };
    const a = await otherHub(env);
    const b = await otherHub(env);
    const person = { authorization: `Bearer ${await tokenOf(cast.eva)}` };
    try {
      const statuses = [...(await burst(a.url, 3, person)), ...(await burst(b.url, 1, person))].map((r) => r.status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await a.hub.stop();
      await b.hub.stop();
    }
  });

  test('the store is not reachable: start-up stops with one line, and nothing else is logged', async () => {
    const config = loadConfig({ ...testHubEnv(), RATE_LIMIT_STORE: 'redis', REDIS_URL: 'redis://127.0.0.1:1' });
    const { logger, lines } = capturingLogger();
    await expect(createHub({ config, ds: hub.ds, logger })).rejects.toThrow(new ConfigError('REDIS_URL: cannot use Redis at 127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1)'));
    expect(lines).toEqual([]);
  });

  (process.env.TEST_REDIS_URL ? test : test.skip)('Redis going away while the hub runs: one warning, not one per reconnection attempt; a line when it is back', async () => {
    const target = new URL(process.env.TEST_REDIS_URL!);
    // A proxy in front of the machine's Redis, closed and opened again: Redis itself is left alone.
    const proxy = await tcpProxy(target.hostname, Number(target.port || 6379));
    const port = proxy.port;
    const config = loadConfig({ ...testHubEnv(), RATE_LIMIT_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` });
    const { logger, lines } = capturingLogger();
    const other = await createHub({ config, ds: hub.ds, logger });
    const warnings = () => lines.filter((l) => l.msg === 'rate limits: Redis is unavailable; counting in memory until it is back');
    try {
      await proxy.close();
      // ioredis tries again and again (every 50 ms, then more slowly): each attempt is an error event.
      await new Promise((r) => setTimeout(r, 2500));
      expect(warnings()).toHaveLength(1);
      await proxy.reopen();
      while (!lines.some((l) => l.msg === 'rate limits: Redis is back')) await new Promise((r) => setTimeout(r, 50));
      expect(warnings()).toHaveLength(1);
    } finally {
      await other.stop();
      await proxy.close();
    }
  });

  (process.env.TEST_REDIS_URL ? test : test.skip)('Redis that stops answering without closing its connection: a request is counted in memory after 1 s, and the next ones for a while at once, not held', async () => {
    const target = new URL(process.env.TEST_REDIS_URL!);
    // A proxy in front of the machine's Redis that can swallow everything sent either way (a stalled Redis, a cut network).
    const proxy = await tcpProxy(target.hostname, Number(target.port || 6379));
    const port = proxy.port;
    const config = loadConfig({ ...testHubEnv(), RATE_LIMIT_PER_IP: '1000', RATE_LIMIT_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` });
    const { logger, lines } = capturingLogger();
    const other = await createHub({ config, ds: hub.ds, logger });
    const url = `http://127.0.0.1:${await other.listen(0, '127.0.0.1')}/graphql`;
    const ask = async () => {
      const started = Date.now();
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ me { kind } }"}' });
      return { status: res.status, body: await res.json(), ms: Date.now() - started };
    };
    try {
      expect(await ask()).toMatchObject({ status: 200, body: { data: { me: { kind: 'ANONYMOUS' } } } });
      proxy.mode('blackhole');
      for (let i = 0; i < 6; i++) {
        const answer = await ask();
        expect(answer).toMatchObject({ status: 200, body: { data: { me: { kind: 'ANONYMOUS' } } } });
        // The first waits for the store's answer (1 s); the next, within STORE_PAUSE_MS, do not ask it (each used to wait).
        expect(answer.ms).toBeLessThan(i === 0 ? 2500 : STORE_TIMEOUT_MS);
      }
      expect(lines.filter((l) => l.msg === 'rate limits: the redis store failed; counting in memory').map((l) => [l.level, l.err.message])).toEqual([
        // ioredis's own command timeout (1 s, as the hub's own deadline on every store).
        [40, 'Command timed out'],
      ]);
    } finally {
      await other.stop();
      await proxy.close();
    }
  });

  test('REDIS_URL naming a server that is not Redis (an HTTP server): start-up stops with one line saying so, not ioredis\'s "Please report this"', async () => {
    const http = net.createServer((socket) => socket.on('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n<html></html>')));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', () => resolve()));
    const port = (http.address() as net.AddressInfo).port;
    try {
      const config = loadConfig({ ...testHubEnv(), RATE_LIMIT_STORE: 'redis', REDIS_URL: `redis://127.0.0.1:${port}` });
      await expect(createHub({ config, ds: hub.ds, logger: pino({ level: 'silent' }) })).rejects.toThrow(
        new ConfigError(`REDIS_URL: cannot use Redis at 127.0.0.1:${port} (what answers there does not speak the Redis protocol)`),
      );
    } finally {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });

  (process.env.TEST_REDIS_URL ? test : test.skip)('a password given to a Redis that needs none: ioredis’s plain-text warning is a JSON warning of the hub, and the store works', async () => {
    const url = new URL(process.env.TEST_REDIS_URL!);
    url.password = 'not-needed';
    const config = loadConfig({ ...testHubEnv(), RATE_LIMIT_STORE: 'redis', REDIS_URL: url.toString() });
    const { logger, lines } = capturingLogger();
    // What reaches the process's console.warn (ioredis writes its warnings there).
    const plain = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const other = await createHub({ config, ds: hub.ds, logger });
      try {
        // Whatever else writes with console.warn is written as before.
        console.warn('something else');
        expect(lines.filter((l) => /password/.test(String(l.msg))).map((l) => [l.level, l.msg])).toEqual([
          [40, expect.stringMatching(/^rate limits: (Redis server does not require a password|This Redis server's `default` user does not require a password), but a password was supplied\.?$/)],
        ]);
        expect(plain.mock.calls).toEqual([['something else']]);
      } finally {
        await other.stop();
      }
    } finally {
      plain.mockRestore();
    }
  });

  (process.env.TEST_REDIS_URL ? test : test.skip)('the Redis store (TEST_REDIS_URL) with a database Redis does not have: start-up stops with one line', async () => {
    const url = new URL(process.env.TEST_REDIS_URL!);
    url.pathname = '/99999';
    const config = loadConfig({ ...testHubEnv(), RATE_LIMIT_STORE: 'redis', REDIS_URL: url.toString() });
    await expect(createHub({ config, ds: hub.ds, logger: pino({ level: 'silent' }) })).rejects.toThrow(
      new ConfigError(`REDIS_URL: cannot use Redis at ${url.hostname}:${url.port || '6379'}/99999 (ERR DB index is out of range)`),
    );
  });
});

describe('rate limits and message size over WebSocket: the same budgets as HTTP', () => {
  /** Opens a graphql-ws socket; resolves with the refused upgrade's status and Retry-After, or null once it is open. */
  function upgrade(url: string): Promise<{ status: number; retryAfter: string | null; body: string } | null> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
      socket.once('open', () => {
        socket.close();
        resolve(null);
      });
      socket.once('unexpected-response', (_req, res) => {
        let body = '';
        res.on('data', (chunk: Buffer) => (body += chunk.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null, body }));
      });
      socket.once('error', (err) => {
        if (!/Unexpected server response/.test(err.message)) reject(err);
      });
    });
  }

  test('per address: the third upgrade of a minute is answered 429 with Retry-After, before any connection_init', async () => {
    const other = await otherHub({ RATE_LIMIT_PER_IP: '2' });
    try {
      expect(await upgrade(other.url)).toBeNull();
      expect(await upgrade(other.url)).toBeNull();
      const refused = await upgrade(other.url);
      expect(refused).toEqual({ status: 429, retryAfter: expect.stringMatching(/^\d+$/), body: expect.stringMatching(/^Too many requests from this address: try again in \d+ s\.$/) });
      // HTTP requests from the address share the budget.
      expect((await post(other.url, { query: '{ me { kind } }' })).status).toBe(429);
    } finally {
      await other.hub.stop();
    }
  });

  test('per viewer: a subscription counts as a request of its viewer; the refused one gets RATE_LIMITED, the connection stays open', async () => {
    const other = await otherHub({ RATE_LIMIT_PER_VIEWER: '2' });
    const { client, acknowledged } = await LiveClient.connect(other.url, { authorization: `Bearer ${await tokenOf(cast.isla)}` });
    try {
      expect(acknowledged).toBe(true);
      const subs = [1, 2, 3].map(() => client.subscribe('subscription { earlyWarningPublished { id } }'));
      await client.until(() => subs[2].errors !== null);
      expect(subs[0].errors).toBeNull();
      expect(subs[1].errors).toBeNull();
      expect(subs[2].errors).toEqual([
        { message: expect.stringMatching(/^Too many requests from this viewer: try again in \d+ s\.$/), extensions: { code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) } },
      ]);
      // The same viewer's HTTP requests share the budget.
      expect((await post(other.url, { query: '{ me { kind } }' }, { authorization: `Bearer ${await tokenOf(cast.isla)}` })).status).toBe(429);
      expect(client.socket.readyState).toBe(WebSocket.OPEN);
    } finally {
      await client.close();
      await other.hub.stop();
    }
  });

  test('a message larger than the HTTP body limit (1 MiB) closes the socket with 1009', async () => {
    const { client, acknowledged } = await LiveClient.connect(hub.url, {});
    expect(acknowledged).toBe(true);
    client.socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: `subscription { earlyWarningPublished { id } } # ${'x'.repeat(1024 * 1024)}` } }));
    expect(await client.closed).toEqual({ code: 1009, reason: '' });
  });

  test('a malformed frame (invalid UTF-8 in a text message) closes the socket with 1007, and nothing goes to standard error', async () => {
    const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      for (const frame of [Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), Buffer.from('{"type":"connection_init"}')]) {
        const { client, acknowledged } = await LiveClient.connect(hub.url, {});
        expect(acknowledged).toBe(true);
        if (frame[1] === 0xff) {
          client.socket.send(frame, { binary: false });
          expect(await client.closed).toEqual({ code: 1007, reason: '' });
        } else {
          // A well-formed frame the protocol refuses (a second connection_init) still closes as graphql-ws says.
          client.socket.send(frame);
          expect((await client.closed).code).toBe(4429);
        }
      }
      expect(printed).not.toHaveBeenCalled();
    } finally {
      printed.mockRestore();
    }
  });
});

describe('CORS from the configured origins', () => {
  const allowed = 'https://dash.example.org';
  let cors: OtherHub;
  beforeAll(async () => {
    cors = await otherHub({ CORS_ORIGINS: `${allowed}, http://localhost:5173` });
  });
  afterAll(() => cors.hub.stop());

  const preflight = (url: string, origin: string) =>
    fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });

  test('a listed origin’s preflight: 204 with its origin, credentials, the methods and headers GraphQL needs', async () => {
    const res = await preflight(cors.url, allowed);
    expect({
      status: res.status,
      origin: res.headers.get('access-control-allow-origin'),
      credentials: res.headers.get('access-control-allow-credentials'),
      methods: res.headers.get('access-control-allow-methods'),
      headers: res.headers.get('access-control-allow-headers'),
      maxAge: res.headers.get('access-control-max-age'),
      vary: res.headers.get('vary'),
    }).toEqual({
      status: 204,
      origin: allowed,
      credentials: 'true',
      methods: 'GET,POST',
      headers: 'authorization,content-type,apollo-require-preflight,x-apollo-operation-name,x-request-id',
      maxAge: '600',
      vary: 'Origin',
    });
  });

  test('a listed origin’s request gets its answer readable, with the headers a client reads exposed', async () => {
    const r = await post(cors.url, { query: '{ me { kind } }' }, { origin: 'http://localhost:5173' });
    expect([r.status, r.headers.get('access-control-allow-origin'), r.headers.get('access-control-allow-credentials')]).toEqual([200, 'http://localhost:5173', 'true']);
    expect(r.headers.get('access-control-expose-headers')).toBe('x-request-id,x-redacted,retry-after,content-disposition');
  });

  test('any other origin: no CORS header (the browser keeps the answer from the page), its preflight 403', async () => {
    const res = await preflight(cors.url, 'https://evil.example');
    expect([res.status, res.headers.get('access-control-allow-origin'), res.headers.get('vary')]).toEqual([403, null, 'Origin']);
    const r = await post(cors.url, { query: '{ me { kind } }' }, { origin: 'https://evil.example' });
    expect([r.headers.get('access-control-allow-origin'), r.headers.get('access-control-allow-credentials')]).toEqual([null, null]);
  });

  test('with no origin configured (the default), a preflight is 403 and nothing is allowed', async () => {
    const res = await preflight(hub.url, allowed);
    expect([res.status, res.headers.get('access-control-allow-origin')]).toEqual([403, null]);
  });
});

describe('introspection and GraphiQL in production: signed-in members only', () => {
  let production: OtherHub;
  beforeAll(async () => {
    production = await otherHub({ NODE_ENV: 'production' });
  });
  afterAll(() => production.hub.stop());

  const schemaQuery = '{ __schema { queryType { name } } }';
  const typeInFragment = 'query { ...F } fragment F on Query { __type(name: "Case") { name } }';
  const refused = (field: string) => ({
    status: 403,
    body: { errors: [{ message: `Introspection (${field}) is only for signed-in members: send a member's bearer token or API key.`, extensions: { code: 'FORBIDDEN' } }] },
  });

  test('anonymous callers and a person whose organization is not endorsed are refused, whatever the path to it', async () => {
    const paulo = { authorization: `Bearer ${await tokenOf(cast.paulo)}` };
    const answers = [];
    for (const [query, headers] of [[schemaQuery, {}], [typeInFragment, {}], [schemaQuery, paulo]] as const) {
      const r = await post(production.url, { query }, headers);
      answers.push({ status: r.status, body: r.body });
    }
    expect(answers).toEqual([refused('__schema'), refused('__type'), refused('__schema')]);
  });

  test('members (an agency person, a private-sector person) may introspect; everyone keeps __typename', async () => {
    for (const email of [cast.isla, cast.grace]) {
      const r = await post(production.url, { query: schemaQuery }, { authorization: `Bearer ${await tokenOf(email)}` });
      expect([r.status, r.body]).toEqual([200, { data: { __schema: { queryType: { name: 'Query' } } } }]);
    }
    const r = await post(production.url, { query: '{ __typename me { __typename kind } }' });
    expect([r.status, r.body]).toEqual([200, { data: { __typename: 'Query', me: { __typename: 'Viewer', kind: 'ANONYMOUS' } } }]);
  });

  test('an API key of a member organization may introspect (a dashboard build generating its types), as README says', async () => {
    const created = await post(production.url, { query: 'mutation { createApiKey(name: "codegen") { apiKey { id } secret } }' }, { authorization: `Bearer ${await tokenOf(cast.tom)}` });
    const { apiKey, secret } = created.body.data.createApiKey;
    try {
      const r = await post(production.url, { query: schemaQuery }, { authorization: `Bearer ${secret}` });
      expect([r.status, r.body]).toEqual([200, { data: { __schema: { queryType: { name: 'Query' } } } }]);
    } finally {
      await hub.ds.query('DELETE FROM api_key WHERE id = $1', [apiKey.id]);
    }
  });

  test('`_service` (federation’s SDL) is introspection too: the same one function decides', () => {
    const config = { introspection: 'members' as const };
    const member = { kind: ViewerKind.AGENCY, personId: personId(cast.isla), ownOrgId: 'x', memberOrgId: 'x' };
    expect(introspectionRefusal(parse('{ _service { sdl } }'), anonymousViewer, config)?.extensions).toEqual({ code: 'FORBIDDEN', http: { status: 403 } });
    expect(introspectionRefusal(parse('{ _service { sdl } }'), member, config)).toBeNull();
    expect(introspectionRefusal(parse('{ _service { sdl } }'), anonymousViewer, { introspection: 'everyone' })).toBeNull();
    expect(introspectionRefusal(parse('{ me { kind } }'), anonymousViewer, config)).toBeNull();
  });

  test('outside production (and with INTROSPECTION=everyone) anyone may introspect', async () => {
    expect((await hub.gql(schemaQuery)).body).toEqual({ data: { __schema: { queryType: { name: 'Query' } } } });
    const open = await otherHub({ NODE_ENV: 'production', INTROSPECTION: 'everyone' });
    try {
      expect((await post(open.url, { query: schemaQuery })).status).toBe(200);
    } finally {
      await open.hub.stop();
    }
  });

  test('GraphiQL is not served in production unless GRAPHIQL=true', async () => {
    // A browser's request for the page is told so (406: no HTML here), not answered with a refused GET query.
    const page = await fetch(production.url, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    expect([page.status, page.headers.get('content-type'), await page.text()]).toEqual([
      406, 'text/plain; charset=utf-8', 'GraphiQL is off on this hub (GRAPHIQL=true serves it; in production it is off unless set). GraphQL requests are POSTed here as JSON.\n',
    ]);
    // A GET query, asking for JSON, is a query as before.
    const query = await fetch(`${production.url}?query=${encodeURIComponent('{ me { kind } }')}`, { headers: { accept: 'application/json', 'apollo-require-preflight': 'true' } });
    expect([query.status, await query.json()]).toEqual([200, { data: { me: { kind: 'ANONYMOUS' } } }]);
    const withPage = await otherHub({ NODE_ENV: 'production', GRAPHIQL: 'true' });
    try {
      const res = await fetch(withPage.url, { headers: { accept: 'text/html' } });
      expect([res.status, (await res.text()).includes('<title>LAP Hub — GraphiQL</title>')]).toEqual([200, true]);
    } finally {
      await withPage.hub.stop();
    }
  });
});

describe('configuration', () => {
  const prod = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(40) };

  test('production defaults: no demo seed unless asked, introspection for members, no GraphiQL, no CORS origin', () => {
    const p = loadConfig(prod);
    expect([p.seedDemo, p.introspection, p.graphiql, p.corsOrigins]).toEqual([false, 'members', false, []]);
    expect(loadConfig({ ...prod, SEED_DEMO: 'true' }).seedDemo).toBe(true);
    expect(['1', 'YES', 'on', '0', 'No', 'OFF'].map((v) => loadConfig({ ...prod, SEED_DEMO: v }).seedDemo)).toEqual([true, true, true, false, false, false]);
    const d = loadConfig({});
    expect([d.seedDemo, d.introspection, d.graphiql, d.logLevel, d.rateLimitStore]).toEqual([true, 'everyone', true, 'info', 'memory']);
  });

  test.each([
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent, got "loud"'],
    [{ CORS_ORIGINS: '*' }, 'CORS_ORIGINS lists origins one by one; "*" is not accepted'],
    [{ CORS_ORIGINS: 'https://dash.example.org/app' }, 'CORS_ORIGINS: "https://dash.example.org/app" is not an origin like https://dashboard.example.org (scheme, host and port only)'],
    [{ INTROSPECTION: 'some' }, 'INTROSPECTION must be one of everyone, members, got "some"'],
    [{ RATE_LIMIT_PER_VIEWER: 'many' }, 'RATE_LIMIT_PER_VIEWER must be a whole number from 0 to 1000000, got "many"'],
    // Negative: out of the range, said as such (it was "must be a whole number").
    [{ PORT: '-1' }, 'PORT must be between 0 and 65535, got -1'],
    [{ TOKEN_TTL: '0' }, 'TOKEN_TTL must be more than zero, got "0"'],
    [{ RATE_LIMIT_STORE: 'redis' }, 'RATE_LIMIT_STORE=redis needs REDIS_URL'],
    [{ RATE_LIMIT_STORE: 'postgres' }, 'RATE_LIMIT_STORE=postgres needs DATABASE_URL (the embedded database serves one instance: use memory)'],
    [{ REDIS_URL: 'http://x' }, 'REDIS_URL must start with redis:// or rediss://'],
    // Not a database number: Redis would be asked to SELECT NaN (the hub stopped with a stack trace).
    [{ REDIS_URL: 'redis://127.0.0.1:6379/abc' }, 'REDIS_URL: the path names a Redis database by its number (redis://host:6379/2), got "/abc"'],
    [{ REDIS_URL: 'redis://127.0.0.1:6379/1/2' }, 'REDIS_URL: the path names a Redis database by its number (redis://host:6379/2), got "/1/2"'],
    // No host: ioredis would take 127.0.0.1:6379, unsaid.
    [{ REDIS_URL: 'redis://' }, 'REDIS_URL names no host: redis://host:6379 (or rediss:// for TLS)'],
    [{ REDIS_URL: 'rediss:///2' }, 'REDIS_URL names no host: redis://host:6379 (or rediss:// for TLS)'],
    // No database: node-postgres would take the one named after the user (and the hub migrate it).
    [{ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/' }, 'DATABASE_URL names no database: postgres://user@host:5432/<database>'],
    [{ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432' }, 'DATABASE_URL names no database: postgres://user@host:5432/<database>'],
    [{ DATABASE_TIMEOUT_MS: '999' }, 'DATABASE_TIMEOUT_MS must be between 1000 and 600000, got 999'],
    // Said as written, not as the number JavaScript reads (100000000000000000000, 1e+24).
    [{ PORT: '99999999999999999999' }, 'PORT must be between 0 and 65535, got 99999999999999999999'],
    [{ PORT: '-0' }, 'PORT must be between 0 and 65535, got -0'],
    [{ DATABASE_TIMEOUT_MS: '1000000000000000000000000' }, 'DATABASE_TIMEOUT_MS must be between 1000 and 600000, got 1000000000000000000000000'],
    // One connection cannot start the hub: the migrations' lock holds one while the demo network loads on another.
    [{ DATABASE_POOL_SIZE: '1' }, 'DATABASE_POOL_SIZE must be between 2 and 500, got 1'],
    [{ DATABASE_POOL_SIZE: 'ten' }, 'DATABASE_POOL_SIZE must be a whole number from 2 to 500, got "ten"'],
    [{ DATABASE_URL: 'postgres://hub@db.example:5432/laphub?sslmode=bogus' }, 'DATABASE_URL: sslmode must be one of disable, prefer, require, verify-ca, verify-full, no-verify, got "bogus"'],
    [{ DATABASE_URL: 'postgres://hub@db.example:5432/laphub?sslmode=verify_full' }, 'DATABASE_URL: sslmode must be one of disable, prefer, require, verify-ca, verify-full, no-verify, got "verify_full"'],
    // A % that begins no escape: "URI malformed" later, unnamed, or another user or database than the one written.
    [{ DATABASE_URL: 'postgres://u:pw%zz@127.0.0.1:5432/x' }, 'DATABASE_URL: the password holds a % that begins no escape (write a % itself as %25)'],
    [{ DATABASE_URL: 'postgres://al%ice@127.0.0.1:5432/x' }, 'DATABASE_URL: the user name holds a % that begins no escape (write a % itself as %25)'],
    [{ DATABASE_URL: 'postgres://alice:pw@127.0.0.1:5432/laphub%zz' }, 'DATABASE_URL: the path holds a % that begins no escape (write a % itself as %25)'],
    // A certificate file the driver would read at connect: named here, not reported as the database being unreachable.
    [{ DATABASE_URL: 'postgres://hub@db.example:5432/laphub?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem' }, 'DATABASE_URL: sslrootcert names /nonexistent/ca.pem, which cannot be read (ENOENT)'],
    [{ TRUST_PROXY: 'maybe' }, 'TRUST_PROXY must be true, false, a number of proxies or addresses/subnets (loopback, 10.0.0.0/8), got "maybe"'],
    // The shape of an address, but none: refused here by name, not later by Express's own message.
    [{ TRUST_PROXY: '999.999.999.999' }, 'TRUST_PROXY must be true, false, a number of proxies or addresses/subnets (loopback, 10.0.0.0/8), got "999.999.999.999"'],
    [{ TRUST_PROXY: 'loopback, 10.0.0.0/99' }, 'TRUST_PROXY must be true, false, a number of proxies or addresses/subnets (loopback, 10.0.0.0/8), got "loopback, 10.0.0.0/99"'],
    [{ TRUST_PROXY: '::::' }, 'TRUST_PROXY must be true, false, a number of proxies or addresses/subnets (loopback, 10.0.0.0/8), got "::::"'],
    [{ TOKEN_TTL: '0s' }, 'TOKEN_TTL must be more than zero, got "0s"'],
    [{ TOKEN_TTL: '0h' }, 'TOKEN_TTL must be more than zero, got "0h"'],
    [{ TOKEN_TTL: '367d' }, 'TOKEN_TTL must be at most 366d, got "367d"'],
    [{ TOKEN_TTL: '99999999999999999999d' }, 'TOKEN_TTL must be at most 366d, got "99999999999999999999d"'],
    [{ METRICS_TOKEN: 'short' }, 'METRICS_TOKEN must be at least 16 characters'],
    [{ KEEP_ALIVE_TIMEOUT_MS: '65s' }, 'KEEP_ALIVE_TIMEOUT_MS must be a whole number from 1000 to 3600000, got "65s"'],
    [{ KEEP_ALIVE_TIMEOUT_MS: '500' }, 'KEEP_ALIVE_TIMEOUT_MS must be between 1000 and 3600000, got 500'],
    [{ REQUEST_TIMEOUT_MS: '0' }, 'REQUEST_TIMEOUT_MS must be between 1000 and 600000, got 0'],
    // The other spellings a switch takes are named (SEED_DEMO=1 starts the hub; "true or false" alone hid that).
    [{ SEED_DEMO: 'maybe' }, 'SEED_DEMO must be true or false (or 1/0, yes/no, on/off), got "maybe"'],
  ])('%j is refused with one line', (env, message) => {
    expect(() => loadConfig(env as Record<string, string>)).toThrow(new ConfigError(message));
  });

  test('a client still sending its request after REQUEST_TIMEOUT_MS (60 s by default) is answered 408 and its connection closed', async () => {
    expect(loadConfig({}).requestTimeoutMs).toBe(60000);
    const short = await otherHub({ REQUEST_TIMEOUT_MS: '1000' });
    try {
      const { hostname, port } = new URL(short.base);
      // Headers and a tenth of the body announced, then nothing more.
      const answer = await trickledRequest(Number(port), hostname);
      expect(answer.statusLine).toBe('HTTP/1.1 408 Request Timeout');
      expect(answer.body).toBe(JSON.stringify({ errors: [{ message: 'The request was not sent in time: the whole request, headers and body, must arrive within the server’s request timeout', extensions: { code: 'BAD_REQUEST' } }] }));
      // Logged as what it was answered: 408 (the body parser's error when the connection closed made it a 400).
      await new Promise((resolve) => setTimeout(resolve, 50));
      const line = short.lines.find((l) => l.req?.path === '/graphql');
      expect([line?.res?.statusCode, line?.graphql?.outcome]).toEqual([408, 'REQUEST_TIMEOUT']);
      // The timeout, then at most one check of Node's (a quarter of it) and a little time for the test's own work.
      expect(answer.ms).toBeGreaterThanOrEqual(1000);
      expect(answer.ms).toBeLessThan(4000);
      // A request sent in time on another connection is answered as usual.
      expect((await post(short.url, { query: '{ me { kind } }' })).body).toEqual({ data: { me: { kind: 'ANONYMOUS' } } });
    } finally {
      await short.hub.stop();
    }
  });

  test('a request Node cannot read is answered with a JSON error saying why, as every other refusal (Node’s own answers were empty)', async () => {
    const { hostname, port } = new URL(base);
    const answer = (bytes: string) => rawExchange(Number(port), hostname, bytes);
    const error = (message: string) => JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
    const large = await answer(`POST /graphql HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expect([large.statusLine, large.headers['content-type'], large.headers.connection, large.body]).toEqual([
      'HTTP/1.1 431 Request Header Fields Too Large', 'application/json; charset=utf-8', 'close', error('The request’s URL and headers are too large (more than 16 KB in all): a long query goes in a POST body'),
    ]);
    const garbage = await answer('HELLO THERE\r\n\r\n');
    expect([garbage.statusLine, garbage.body]).toEqual(['HTTP/1.1 400 Bad Request', error('The request is not well-formed HTTP')]);
    // What Node answered itself with an empty body (a request of HTTP/1.1 without Host, an Expect it cannot meet) or
    // not at all (CONNECT: the connection closed without a word).
    const hostless = await answer('GET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n');
    expect([hostless.statusLine, hostless.body]).toEqual(['HTTP/1.1 400 Bad Request', error('An HTTP/1.1 request must carry a Host header')]);
    const teapot = await answer('GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nConnection: close\r\n\r\n');
    expect([teapot.statusLine, teapot.body]).toEqual(['HTTP/1.1 417 Expectation Failed', error('The request’s Expect header cannot be met: only "100-continue" is')]);
    const tunnel = await answer('CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n');
    expect([tunnel.statusLine, tunnel.body]).toEqual(['HTTP/1.1 405 Method Not Allowed', error('CONNECT is not served here: this is not a proxy')]);
    // An empty Host is one (RFC 9112 allows it); HTTP/1.0 has no Host to require.
    expect((await answer('GET /healthz HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n')).statusLine).toBe('HTTP/1.1 200 OK');
    expect((await answer('GET /healthz HTTP/1.0\r\n\r\n')).statusLine).toBe('HTTP/1.1 200 OK');
    // A well-formed request on the same server is answered as usual.
    expect((await post(hub.url, { query: '{ me { kind } }' })).body).toEqual({ data: { me: { kind: 'ANONYMOUS' } } });
  });

  test('a request Node refuses before any route sees it has an access line (its status, why, the client’s address) and is counted, as every other request', async () => {
    const other = await otherHub({ REQUEST_TIMEOUT_MS: '1000' });
    try {
      const { hostname, port } = new URL(other.base);
      const answer = (bytes: string) => rawExchange(Number(port), hostname, bytes);
      const counted = async (status: number) => {
        const text = await (await fetch(`${other.base}/metrics`)).text();
        const line = text.split('\n').find((l) => l.startsWith(`laphub_http_requests_total{route="(none)",status="${status}"} `));
        return line ? Number(line.split(' ')[1]) : 0;
      };
      const before = [await counted(431), await counted(400), await counted(408)];
      expect((await answer(`POST /graphql HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`)).statusLine).toBe('HTTP/1.1 431 Request Header Fields Too Large');
      expect((await answer('HELLO THERE\r\n\r\n')).statusLine).toBe('HTTP/1.1 400 Bad Request');
      // Headers never finished: Node's 408 at REQUEST_TIMEOUT_MS, before any route.
      expect((await answer('POST /graphql HTTP/1.1\r\nHost: x\r\n')).statusLine).toBe('HTTP/1.1 408 Request Timeout');
      await new Promise((resolve) => setTimeout(resolve, 50));
      const refused = other.lines.filter((l) => l.refusedBeforeRouting !== undefined);
      expect(refused.map((l) => [l.level, l.msg, l.res, l.refusedBeforeRouting, l.clientIp, l.req])).toEqual([
        [30, 'request refused before routing: 431 Request Header Fields Too Large', { statusCode: 431 }, 'HPE_HEADER_OVERFLOW', '127.0.0.1', { remoteAddress: '127.0.0.1' }],
        [30, 'request refused before routing: 400 Bad Request', { statusCode: 400 }, 'HPE_INVALID_METHOD', '127.0.0.1', { remoteAddress: '127.0.0.1' }],
        [30, 'request refused before routing: 408 Request Timeout', { statusCode: 408 }, 'ERR_HTTP_REQUEST_TIMEOUT', '127.0.0.1', { remoteAddress: '127.0.0.1' }],
      ]);
      expect([await counted(431), await counted(400), await counted(408)]).toEqual(before.map((n) => n + 1));
      // A request that reached the steps has its own line, not this one: a body still arriving at the timeout.
      expect(other.lines.filter((l) => l.req?.path !== undefined && l.refusedBeforeRouting !== undefined)).toEqual([]);
    } finally {
      await other.hub.stop();
    }
  });

  test('while the hub stops, a client still sending its request is answered 408 at REQUEST_TIMEOUT_MS, not held for the grace; the access line says 408', async () => {
    const short = await otherHub({ REQUEST_TIMEOUT_MS: '1000', SHUTDOWN_GRACE_MS: '20000' });
    const { hostname, port } = new URL(short.base);
    const answer = trickledRequest(Number(port), hostname);
    // The request has arrived (its access line is written once it ends).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = Date.now();
    await short.hub.stop();
    const stoppedAfter = Date.now() - started;
    expect((await answer).statusLine).toBe('HTTP/1.1 408 Request Timeout');
    // Within the timeout and a check of Node's after it, far from the 20 s grace.
    expect(stoppedAfter).toBeLessThan(5000);
    const line = short.lines.find((l) => l.req?.path === '/graphql');
    expect([line?.res?.statusCode, line?.graphql?.outcome]).toEqual([408, 'REQUEST_TIMEOUT']);
  });

  test('an idle keep-alive connection is kept KEEP_ALIVE_TIMEOUT_MS (65 s by default), longer than a load balancer keeps its own', async () => {
    expect(loadConfig({}).keepAliveTimeoutMs).toBe(65000);
    const short = await otherHub({ KEEP_ALIVE_TIMEOUT_MS: '1500' });
    const long = await otherHub();
    try {
      // One request on a raw socket, then silence: when does the hub close it, and what did it announce?
      const idle = (base: string) =>
        new Promise<{ header: string | undefined; closedAfter: number | null }>((resolve, reject) => {
          const { hostname, port } = new URL(base);
          const socket = net.connect(Number(port), hostname);
          let header: string | undefined;
          let answered = 0;
          const timer = setTimeout(() => {
            socket.destroy();
            resolve({ header, closedAfter: null });
          }, 7000);
          socket.on('error', reject);
          socket.on('data', (chunk) => {
            header ??= /\r\nkeep-alive: ([^\r]*)/i.exec(chunk.toString())?.[1];
            answered ||= Date.now();
          });
          socket.on('close', () => {
            clearTimeout(timer);
            resolve({ header, closedAfter: answered ? Date.now() - answered : null });
          });
          socket.write(`GET /healthz HTTP/1.1\r\nHost: ${hostname}\r\nConnection: keep-alive\r\n\r\n`);
        });
      const [s, l] = await Promise.all([idle(short.base), idle(long.base)]);
      expect(s.header).toBe('timeout=1');
      expect(s.closedAfter).toBeGreaterThanOrEqual(1400);
      expect(s.closedAfter).toBeLessThan(5000);
      // Still open after 7 s, past Node's own 5 s.
      expect(l).toEqual({ header: 'timeout=65', closedAfter: null });
    } finally {
      await short.hub.stop();
      await long.hub.stop();
    }
  });

  test('TRUST_PROXY takes a number of hops or addresses', () => {
    expect([loadConfig({ TRUST_PROXY: '1' }).trustProxy, loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy, loadConfig({}).trustProxy]).toEqual([
      1,
      'loopback, 10.0.0.0/8',
      false,
    ]);
  });

  test('a port in use is named before anything else starts', async () => {
    const holder = net.createServer();
    const port = await new Promise<number>((resolve) => holder.listen(0, '127.0.0.1', () => resolve((holder.address() as net.AddressInfo).port)));
    try {
      await expect(checkPort({ port, host: '127.0.0.1' } as never)).rejects.toThrow(new ConfigError(`PORT ${port} on 127.0.0.1 is in use by another process`));
    } finally {
      holder.close();
    }
  });

  test('a DATA_DIR that cannot be made (under /proc) fails at once instead of spinning', () => {
    expect(() => ensureWritableDir('/proc/lap-hub-data')).toThrow(new ConfigError('DATA_DIR /proc/lap-hub-data is not a writable folder (ENOENT)'));
  });

  test('a missing PostgreSQL database is named, with what to do', () => {
    const url = 'postgres://hub@db.example:5432/laphub';
    expect(connectionProblem(url, { code: '3D000' })).toBe('the database "laphub" does not exist at db.example:5432/laphub: create it first (createdb "laphub") or fix DATABASE_URL');
    expect(connectionProblem(url, { code: '28P01' })).toBe('password authentication failed for user "hub" at db.example:5432/laphub: check DATABASE_URL');
    expect(connectionProblem(url, { code: 'ECONNREFUSED' })).toBe('nothing answers at db.example:5432/laphub: is PostgreSQL running there? (DATABASE_URL)');
    // No host in the URL: node-postgres goes to localhost, and the message says so.
    expect(connectionProblem('postgres://', { code: '28000' })).toBe('the server at localhost:5432 does not let user "postgres" in (pg_hba.conf or the role): check DATABASE_URL');
    // PostgreSQL's own refusal (it carries a severity) is said in its words with its SQLSTATE; a socket's code of five
    // capitals (EPIPE) is no SQLSTATE.
    expect(connectionProblem(url, { code: '57014', severity: 'ERROR', message: 'canceling statement due to statement timeout' })).toBe(
      'the database at db.example:5432/laphub refused the hub: canceling statement due to statement timeout (SQLSTATE 57014)',
    );
    expect(connectionProblem(url, { code: 'EPIPE', message: 'write EPIPE' })).toBe('cannot reach the database at db.example:5432/laphub: EPIPE');
  });

  test('a TLS problem is named, with what to do', () => {
    const url = 'postgres://hub@db.example:5432/laphub?sslmode=verify-full';
    expect(connectionProblem(url, { code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' })).toBe(
      'the TLS certificate of the server at db.example:5432/laphub is not signed by a known authority (UNABLE_TO_VERIFY_LEAF_SIGNATURE): name its CA file in DATABASE_URL (sslmode=verify-full&sslrootcert=/path/to/ca.pem)',
    );
    expect(connectionProblem(url, { code: 'SELF_SIGNED_CERT_IN_CHAIN' })).toContain('is not signed by a known authority (SELF_SIGNED_CERT_IN_CHAIN)');
    expect(connectionProblem(url, { code: 'ERR_TLS_CERT_ALTNAME_INVALID' })).toBe(
      'the TLS certificate of the server at db.example:5432/laphub does not name that host: use the host name the certificate names in DATABASE_URL',
    );
    expect(connectionProblem(url, { code: 'CERT_HAS_EXPIRED' })).toBe('the TLS certificate of the server at db.example:5432/laphub is not valid now (CERT_HAS_EXPIRED)');
    expect(connectionProblem(url, new Error('The server does not support SSL connections'))).toBe(
      'the server at db.example:5432/laphub does not accept TLS connections, and DATABASE_URL asks for TLS (sslmode): enable ssl on the server, or remove sslmode',
    );
    expect(connectionProblem(url, new Error('something else'))).toBe('cannot reach the database at db.example:5432/laphub: something else');
    // A `host` parameter is where node-postgres connects: a folder's Unix socket, or another host.
    expect(connectionProblem('postgres://postgres@127.0.0.1:5432/laphub?host=/tmp', { code: 'ENOENT', message: 'connect ENOENT /tmp/.s.PGSQL.5432' })).toBe(
      'cannot reach the database at the Unix socket /tmp/.s.PGSQL.5432 (database laphub): ENOENT',
    );
    expect(connectionProblem('postgres://postgres@127.0.0.1:6000/laphub?host=db.example', { code: 'ECONNREFUSED' })).toBe(
      'nothing answers at db.example:6000/laphub: is PostgreSQL running there? (DATABASE_URL)',
    );
  });

  (process.env.LAPHUB_TEST_DB_KIND === 'pglite' ? test.skip : test)('PostgreSQL’s own refusal is named in its words with its SQLSTATE (a statement_timeout in DATABASE_URL too short for the migrations)', async () => {
    const short = new URL(process.env.LAPHUB_TEST_DB_URL!);
    short.searchParams.set('options', '-c statement_timeout=1');
    const refusal = await openDatabase(short.toString(), 1).then(
      () => null,
      (err: Error) => err,
    );
    expect(refusal).toBeInstanceOf(ConfigError);
    expect(refusal!.message).toMatch(/^(the database at \S+ refused the hub: canceling statement due to statement timeout \(SQLSTATE 57014\)|cannot apply the migrations to \S+: canceling statement due to statement timeout)$/);
  });

  (process.env.LAPHUB_TEST_DB_KIND === 'pglite' ? test.skip : test)('a real server without TLS, asked for TLS, is named as such', async () => {
    const probe = new (require('pg').Client)({ connectionString: process.env.LAPHUB_TEST_DB_URL });
    await probe.connect();
    const ssl = (await probe.query('SHOW ssl')).rows[0].ssl as string;
    await probe.end();
    const tls = new URL(process.env.LAPHUB_TEST_DB_URL!);
    tls.searchParams.set('sslmode', 'no-verify');
    if (ssl === 'on') {
      // The server has TLS: the hub connects over it (no certificate check with no-verify).
      const ds = await openDatabase(tls.toString(), 1);
      await ds.destroy();
    } else {
      await expect(openDatabase(tls.toString(), 1)).rejects.toThrow(new ConfigError(connectionProblem(tls.toString(), new Error('The server does not support SSL connections'))));
    }
  });

  (process.env.LAPHUB_TEST_DB_KIND === 'pglite' ? test.skip : test)('a real server answers 3D000 for a missing database, and the hub names it', async () => {
    const missing = new URL(process.env.LAPHUB_TEST_DB_URL!);
    missing.pathname = `/lap_hub_missing_${process.pid}`;
    await expect(openDatabase(missing.toString(), 1)).rejects.toThrow(new ConfigError(connectionProblem(missing.toString(), { code: '3D000' })));
  });
});

describe('bad input is BAD_USER_INPUT', () => {
  const query = '{ me { kind } }';
  const hash = (text: string) => require('node:crypto').createHash('sha256').update(text).digest('hex') as string;

  test.each([
    ['not an object', { persistedQuery: 'abc' }, 'extensions.persistedQuery', 'must be an object { version: 1, sha256Hash: "<64 hex digits>" }'],
    ['another version', { persistedQuery: { version: 2, sha256Hash: hash(query) } }, 'extensions.persistedQuery.version', 'must be 1 (the only version of automatic persisted queries)'],
    ['a hash that is not a string', { persistedQuery: { version: 1, sha256Hash: 42 } }, 'extensions.persistedQuery.sha256Hash', 'must be the SHA-256 of the query, 64 lowercase hexadecimal digits'],
    ['a hash of another query', { persistedQuery: { version: 1, sha256Hash: 'a'.repeat(64) } }, 'extensions.persistedQuery.sha256Hash', 'is not the SHA-256 of the query sent with it'],
    ['extensions that are not an object', 'x', 'extensions', 'must be a JSON object'],
  ])('a malformed persisted query (%s): 400 naming the part', async (_what, extensions, argument, problem) => {
    const r = await post(hub.url, { query, extensions });
    expect([r.status, r.body]).toEqual([400, { errors: [{ message: `${argument}: ${problem}`, extensions: { code: 'BAD_USER_INPUT', argument } }] }]);
  });

  test('over GET, extensions that are not JSON are named as well', async () => {
    const res = await fetch(`${hub.url}?query=${encodeURIComponent(query)}&extensions=%7Bnope`, { headers: { 'apollo-require-preflight': 'true' } });
    expect([res.status, await res.json()]).toEqual([400, { errors: [{ message: 'extensions: is not valid JSON', extensions: { code: 'BAD_USER_INPUT', argument: 'extensions' } }] }]);
  });

  test('a well-formed hash the hub does not know is PERSISTED_QUERY_NOT_FOUND; sent with its query it is kept and then found', async () => {
    const text = '{ me { kind __typename } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash(text) } };
    const unknown = await post(hub.url, { extensions });
    expect(unknown.body.errors.map((e: any) => e.extensions.code)).toEqual(['PERSISTED_QUERY_NOT_FOUND']);
    expect((await post(hub.url, { query: text, extensions })).body).toEqual({ data: { me: { kind: 'ANONYMOUS', __typename: 'Viewer' } } });
    expect((await post(hub.url, { extensions })).body).toEqual({ data: { me: { kind: 'ANONYMOUS', __typename: 'Viewer' } } });
  });

  test('a persisted query is kept for the credential that sent it: another caller with its hash alone gets PERSISTED_QUERY_NOT_FOUND', async () => {
    // A query text that names a case: whether anyone ran it is not for others to learn.
    const text = `{ case(id: "${caseId('FTC-2004-021')}") { reference } }`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash(text) } };
    const tom = { authorization: `Bearer ${await tokenOf('tom.baker@meridianbank.example')}` };
    const grace = { authorization: `Bearer ${await tokenOf('grace.lin@northstar.example')}` };
    const notFound = { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };
    const found = { data: { case: { reference: 'FTC-2004-021' } } };
    expect((await post(hub.url, { query: text, extensions }, tom)).body).toEqual(found);
    // Tom's credential finds it, over POST and GET.
    expect((await post(hub.url, { extensions }, tom)).body).toEqual(found);
    const get = await fetch(`${hub.url}?extensions=${encodeURIComponent(JSON.stringify(extensions))}`, { headers: { ...tom, 'apollo-require-preflight': 'true' } });
    expect([get.status, await get.json()]).toEqual([200, found]);
    // Nobody else does: anonymous, another person, Tom's organization's colleague alike.
    for (const headers of [{}, grace, { authorization: `Bearer ${await tokenOf('priya.shah@meridianbank.example')}` }]) {
      const r = await post(hub.url, { extensions }, headers);
      expect([r.status, r.headers.get('cache-control'), r.body]).toEqual([200, 'private, no-cache, must-revalidate', notFound]);
    }
    // Grace registering the same text gets her own answer (the case is not hers: null), and Tom's stays his.
    expect((await post(hub.url, { query: text, extensions }, grace)).body).toEqual({ data: { case: null } });
    expect((await post(hub.url, { extensions }, grace)).body).toEqual({ data: { case: null } });
    expect((await post(hub.url, { extensions }, tom)).body).toEqual(found);
    // Extensions besides the persisted query's travel on with it.
    expect((await post(hub.url, { extensions: { ...extensions, other: { x: 1 } } }, tom)).body).toEqual(found);
  });

  test('a persisted query is kept only once it was answered 200, under the hash of the text kept; a GET reads each parameter once', async () => {
    const text = '{ me { kind } }';
    const extensions = { persistedQuery: { version: 1, sha256Hash: hash(text) } };
    const notFound = { errors: [{ message: 'PersistedQueryNotFound', extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' } }] };
    const isla = { authorization: `Bearer ${await tokenOf(cast.isla)}` };
    const get = (params: string, headers: Record<string, string> = {}) =>
      fetch(`${hub.url}?${params}`, { headers: { 'apollo-require-preflight': 'true', ...headers } }).then(async (r) => [r.status, await r.json()]);
    const ext = encodeURIComponent(JSON.stringify(extensions));
    // Two `query` parameters (one to be hashed, another to be kept): refused, nothing kept.
    expect(await get(`query=${encodeURIComponent('{ __typename }')}&query=${encodeURIComponent(text)}&extensions=${ext}`, isla)).toEqual([
      400, { errors: [{ message: 'query: is given more than once', extensions: { code: 'BAD_USER_INPUT', argument: 'query' } }] },
    ]);
    expect((await post(hub.url, { extensions }, isla)).body).toEqual(notFound);
    // Blocked by CSRF prevention (a GET without its header): not kept.
    const blocked = await fetch(`${hub.url}?query=${encodeURIComponent(text)}&extensions=${ext}`, { headers: isla });
    expect(blocked.status).toBe(400);
    expect((await post(hub.url, { extensions }, isla)).body).toEqual(notFound);
    // A bad token: 401, not kept under it.
    const bad = { authorization: 'Bearer not-a-token' };
    expect((await post(hub.url, { query: text, extensions }, bad)).status).toBe(401);
    expect((await post(hub.url, { extensions }, bad)).body).toEqual(notFound);
    // A query that does not validate: not kept.
    const invalid = '{ me { nope } }';
    const invalidExtensions = { persistedQuery: { version: 1, sha256Hash: hash(invalid) } };
    expect((await post(hub.url, { query: invalid, extensions: invalidExtensions }, isla)).status).toBe(400);
    expect((await post(hub.url, { extensions: invalidExtensions }, isla)).body).toEqual(notFound);
    // Registered over GET: then found over GET and POST, by Isla's credential only.
    expect(await get(`query=${encodeURIComponent(text)}&extensions=${ext}`, isla)).toEqual([200, { data: { me: { kind: 'AGENCY' } } }]);
    expect(await get(`extensions=${ext}`, isla)).toEqual([200, { data: { me: { kind: 'AGENCY' } } }]);
    expect((await post(hub.url, { extensions }, isla)).body).toEqual({ data: { me: { kind: 'AGENCY' } } });
    // An empty Authorization header is no credential: the caller's address, as with none at all.
    expect((await post(hub.url, { query: text, extensions }, { authorization: '' })).body).toEqual({ data: { me: { kind: 'ANONYMOUS' } } });
    expect((await post(hub.url, { extensions })).body).toEqual({ data: { me: { kind: 'ANONYMOUS' } } });
  });

  test('more than 50 variable errors: every error has its code (a query and a mutation)', async () => {
    // 60 fields a filter does not have: one error each, and graphql-js stops after 50 with one more.
    const filter = Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`nope${i}`, 1]));
    const q = await hub.gql('query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { variables: { f: filter } });
    const bad = Array.from({ length: 60 }, () => 'NOT_A_CATEGORY');
    const m = await hub.gql('mutation($c: [HarmCategory!]!) { openCase(input: { reference: "X-1", title: "t", categories: $c, countryCodes: ["GB"], tlp: AMBER }) { id } }', {
      as: cast.isla,
      variables: { c: bad },
    });
    for (const r of [q, m]) {
      expect(r.status).toBe(400);
      const errors = r.body.errors!;
      expect(errors.length).toBe(51);
      expect(new Set(errors.map((e: any) => e.extensions?.code))).toEqual(new Set(['BAD_USER_INPUT']));
      expect(errors[50].message).toBe('Too many errors processing variables, error limit reached. Execution aborted.');
    }
  });
});

describe('bounded caches', () => {
  test('compiled queries: a stream of distinct documents keeps at most the cache size', async () => {
    const schema = await buildHubSchema();
    const cache = new CompiledCache(10);
    for (let i = 0; i < 25; i++) cache.get(schema, parse(`{ cases(first: ${i + 1}) { totalCount } }`), undefined);
    expect(cache.size).toBe(10);
  });

  test('parsed documents: at most 500 are kept', async () => {
    const store = documentStore();
    for (let i = 0; i < 600; i++) await store.set(`hash-${i}`, parse(`{ cases(first: ${i + 1}) { totalCount } }`));
    expect([store.size, await store.get('hash-0'), (await store.get('hash-599')) !== undefined]).toEqual([500, undefined, true]);
  });
});

describe('clients', () => {
  test('CaseConfidential has an id (its case’s), so client caches can merge it', async () => {
    const r = await hub.gql(`query($id: ID!) { case(id: $id) { id confidential { id summary } } }`, { as: cast.isla, variables: { id: caseId('ICO-2004-008') } });
    expect(r.body.data.case.confidential.id).toBe(caseId('ICO-2004-008'));
    expect(r.body.data.case.id).toBe(caseId('ICO-2004-008'));
  });

  describe('the network report CSV', () => {
    const csv = async (query: string, as: string | null = cast.ann) =>
      fetch(`${base}/reports/network.csv?${query}`, { headers: as ? { authorization: `Bearer ${await tokenOf(as)}` } : {} });

    test.each([
      ['from=&to=2026-01-01', 'from', 'is required: a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z)'],
      ['to=2026-01-01', 'from', 'is required: a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z)'],
      ['from=01/02/2025&to=2026-01-01', 'from', 'must be a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z), got "01/02/2025"'],
      ['from=2025-01-01T00:00:00&to=2026-01-01', 'from', 'must be a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z), got "2025-01-01T00:00:00"'],
      // README's own example pasted as it is: the + of the zone arrives as a space.
      ['from=2025-01-01T09:30:00+02:00&to=2026-01-01', 'from', 'must be a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z), got "2025-01-01T09:30:00 02:00" (a + in a query string is read as a space: write it %2B)'],
      ['from=2025-01-01&to=2025-02-30', 'to', 'must be a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z); 2025-02-30 is not a day of the calendar or a time of day'],
      ['from=2025-01-01&to=2026-01-01&to=2027-01-01', 'to', 'must be a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z), given once'],
    ])('?%s: 400 BAD_USER_INPUT naming %s', async (query, argument, problem) => {
      const res = await csv(query);
      expect([res.status, await res.json()]).toEqual([400, { errors: [{ message: `${argument}: ${problem}`, extensions: { code: 'BAD_USER_INPUT', argument } }] }]);
    });

    test('a date and the same day as a date-time give the same report', async () => {
      const a = await csv('from=2025-01-01&to=2027-01-01');
      const b = await csv(`from=${encodeURIComponent('2025-01-01T00:00:00Z')}&to=${encodeURIComponent('2027-01-01T02:00:00+02:00')}`);
      expect([a.status, b.status]).toEqual([200, 200]);
      const text = await a.text();
      expect(text).toBe(await b.text());
      expect(text.split('\r\n').slice(0, 3)).toEqual(['section,key,detail,value', 'period,from,,2025-01-01T00:00:00.000Z', 'period,to,,2027-01-01T00:00:00.000Z']);
    });

    test.each(['=', '+', '-', '@'])('a text cell starting with %s is written as text, not a formula', (lead) => {
      const report: NetworkReportData = {
        from: '2025-01-01T00:00:00.000Z', to: '2026-01-01T00:00:00.000Z', participantsByKind: [{ key: `${lead}KIND`, count: 1 }], participantsBySector: [],
        participantsByCountry: [], developingCountriesParticipating: 0, callsHeld: 0, quartersWithoutCall: 0, callsPerQuarter: [], casesByCategory: [],
        casesByStatus: [], assistanceRequestsByStatus: [], medianHoursToAnswer: null,
        questionnaires: [{ title: `${lead}HYPERLINK("https://evil.example","x")`, audience: 'AGENCIES', responded: 1, outstanding: null }],
      };
      const lines = networkReportCsv(report).split('\r\n');
      expect(lines).toContain(`participants_by_kind,'${lead}KIND,,1`);
      expect(lines).toContain(`questionnaires,"'${lead}HYPERLINK(""https://evil.example"",""x"")",AGENCIES responded,1`);
    });

    test('a questionnaire titled like a formula reaches the CSV neutralised', async () => {
      try {
        await hub.ds.query(`UPDATE questionnaire SET title = '=1+2' WHERE title = (SELECT min(title) FROM questionnaire)`);
        const text = await (await csv('from=2025-01-01&to=2027-01-01')).text();
        expect(text).toContain(`questionnaires,'=1+2,`);
        expect(text).not.toMatch(/(^|,)=1\+2/m);
      } finally {
        await hub.reset();
      }
    });

    test('reportDate keeps the instant of a date-time with an offset', () => {
      expect(reportDate('from', '2025-06-01T12:00:00+02:00')).toEqual({ value: '2025-06-01T10:00:00.000Z' });
    });

    test('reportDate takes the T and the Z in lower case (RFC 3339 §5.6), as the GraphQL DateTime argument does', () => {
      for (const raw of ['2026-01-01t00:00:00z', '2026-01-01T00:00:00z', '2026-01-01t00:00:00Z']) {
        expect(reportDate('to', raw)).toEqual({ value: '2026-01-01T00:00:00.000Z' });
      }
      expect(reportDate('to', '2026-01-01x00:00:00Z')).toEqual({ argument: 'to', problem: 'must be a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z), got "2026-01-01x00:00:00Z"' });
    });

    test('reportDate refuses what GraphQL refuses in any argument, in its words, and never repeats it to the reader', () => {
      expect(reportDate('from', '\u202E2025')).toEqual({
        argument: 'from',
        problem: 'must not contain a bidirectional formatting character (U+202E), which can show the text in another order than it is written',
      });
      expect(reportDate('to', '2026-01-01\u2067')).toEqual({
        argument: 'to',
        problem: 'must not contain a bidirectional formatting character (U+2067), which can show the text in another order than it is written',
      });
      expect(reportDate('to', '\u00072026')).toEqual({ argument: 'to', problem: 'must not contain a control character (U+0007)' });
      expect(reportDate('from', '2025\u0000')).toEqual({ argument: 'from', problem: 'must not contain a NUL character (U+0000)' });
    });

    test('reportDate repeats a value with what shows nothing written as its escape (a direction mark, a zero-width space, a line separator)', () => {
      const wanted = 'must be a date (2025-01-01) or a date-time with its zone (2025-01-01T00:00:00Z), got ';
      expect(reportDate('from', '2025-01-01\u200F')).toEqual({ argument: 'from', problem: `${wanted}"2025-01-01\\u200f"` });
      expect(reportDate('from', '\u200B2025\u061C\uFEFF\u2028')).toEqual({ argument: 'from', problem: `${wanted}"\\u200b2025\\u061c\\ufeff\\u2028"` });
      expect(reportDate('to', '2025\u{E0001}')).toEqual({ argument: 'to', problem: `${wanted}"2025\\u{e0001}"` });
      expect(reportDate('to', 'soon')).toEqual({ argument: 'to', problem: `${wanted}"soon"` });
    });
  });
});
