import http from 'node:http';
import net from 'node:net';
import { SignJWT } from 'jose';

/**
 * Malformed requests of many kinds against the production hub: none may be answered 5xx or name
 * INTERNAL_SERVER_ERROR, and every one must be answered (or the connection closed by the server for broken HTTP).
 */

interface Probe {
  kind: string;
  method?: string;
  path?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Raw bytes over TCP instead of an HTTP request. */
  raw?: Buffer;
}

export interface MalformedResult {
  requests: number;
  /** kind → `status` → count */
  byKind: Map<string, Map<string, number>>;
  serverErrors: number;
  internal: number;
  noAnswer: number;
  /** Probes Node's HTTP client refused to send (not counted as requests). */
  unsendable: number;
  /** A few of the failures, to fix them. */
  examples: string[];
}

const Q = (query: string, variables?: unknown, extra: Record<string, unknown> = {}) => JSON.stringify({ query, variables, ...extra });
const json = { 'content-type': 'application/json' };

function corpus(auth: string, privateAuth: string, wrongSecretToken: string, noneToken: string, expiredToken: string, strangerToken: string): Probe[] {
  const probes: Probe[] = [];
  const add = (kind: string, p: Omit<Probe, 'kind'>) => probes.push({ kind, ...p });
  const bothViewers = (kind: string, p: Omit<Probe, 'kind'>) => {
    add(kind, p);
    add(kind, { ...p, headers: { ...(p.headers ?? json), authorization: auth } });
    add(kind, { ...p, headers: { ...(p.headers ?? json), authorization: privateAuth } });
  };

  // Bad JSON.
  const badJson = ['{', '}', '{"query": ', '{"query": "{ me { kind } }"', '{"query": "{ me }",}', "{'query': '{ me { kind } }'}", 'nul', 'undefined', 'NaN',
    '{"query": "{ me { kind } }"}}', '\u0000', '{"query": "\\x41"}', '{"query": "\\u12"}', '[}', '{"a":1 "b":2}', '{"query": 01}', '--', '\ufeff{"query":"{ me { kind } }"}',
    '{"query": "{ me { kind } }", "query": 5}', ' '.repeat(1000), 'true', '"just a string"', '12345', 'null', '{"__proto__": {"query": "{ me { kind } }"}}',
    '{"constructor": {"prototype": {"x": 1}}, "query": "{ me { kind } }"}'];
  for (const b of badJson) bothViewers('bad JSON', { body: b });

  // Wrong content types.
  const body = Q('{ me { kind } }');
  for (const ct of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/xml', 'application/graphql', 'application/json; charset=latin1',
    'application/json; charset=utf-16', 'application/jsonx', 'image/png', '*/*', 'application/graphql-response+json', 'text/html; charset=utf-8', ';;;', 'application/json; boundary']) {
    bothViewers('content types', { headers: { 'content-type': ct }, body });
  }
  bothViewers('content types', { headers: {}, body });
  bothViewers('content types', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'query=%7B%20me%20%7B%20kind%20%7D%20%7D' });
  bothViewers('content types', { headers: { ...json, 'content-encoding': 'gzip' }, body });
  bothViewers('content types', { headers: { ...json, 'content-encoding': 'br' }, body: Buffer.from([1, 2, 3, 4]) });
  bothViewers('content types', { headers: { ...json, 'content-encoding': 'deflate' }, body: 'not deflated' });

  // Huge bodies.
  for (const size of [1.1, 2, 5]) bothViewers('huge bodies', { body: Q('{ me { kind } }', { pad: 'x'.repeat(size * 1024 * 1024) }) });
  bothViewers('huge bodies', { body: Q(`{ ${'__typename '.repeat(8000)} }`) });
  bothViewers('huge bodies', { body: Q(`{ me { kind } } # ${'c'.repeat(900_000)}`) });
  bothViewers('huge bodies', { body: Q('query($a: [Int!]) { me { kind } }', { a: Array.from({ length: 100_000 }, (_, i) => i) }) });
  bothViewers('huge bodies', { body: Q(`{ cases(first: 1000000) { totalCount } }`) });
  bothViewers('huge bodies', { body: Q(`{ cases(first: -1) { totalCount } }`) });
  bothViewers('huge bodies', { body: Q(`query($s: String!) { me { kind } }`, { s: 'y'.repeat(900_000) }) });
  bothViewers('huge bodies', { body: Q(`mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }`, { i: { reference: 'BIG-1', title: 't'.repeat(500_000), categories: ['SPAM'], countryCodes: ['GB'], tlp: 'AMBER' } }) });

  // Deep nesting: of the selection, of JSON, of input values, of lists.
  for (const depth of [13, 30, 100, 1000]) {
    bothViewers('deep nesting', { body: Q(`{ ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }`) });
    bothViewers('deep nesting', { body: Q(`{ ${'me { person { organization { '.repeat(depth)} id ${'} } }'.repeat(depth)} }`) });
  }
  for (const depth of [100, 5000, 50_000]) {
    bothViewers('deep nesting', { body: `{"query": "{ me { kind } }", "variables": {"x": ${'['.repeat(depth)}${']'.repeat(depth)}}}` });
    bothViewers('deep nesting', { body: `{"query": "{ me { kind } }", "variables": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}` });
    bothViewers('deep nesting', { body: Q(`query($f: CaseFilter) { cases(filter: $f) { totalCount } }`, JSON.parse(`${'{"f":'.repeat(Math.min(depth, 3000))}1${'}'.repeat(Math.min(depth, 3000))}`)) });
    bothViewers('deep nesting', { body: Q(`{ cases(filter: ${'{ status: '.repeat(Math.min(depth, 2000))}OPEN${' }'.repeat(Math.min(depth, 2000))}) { totalCount } }`) });
    bothViewers('deep nesting', { body: Q(`query($a: [[String]]) { me { kind } }`, { a: JSON.parse('['.repeat(Math.min(depth, 3000)) + ']'.repeat(Math.min(depth, 3000))) }) });
  }

  // Operation names and documents.
  const two = 'query A { me { kind } } query B { me { kind } }';
  for (const [doc, name] of [
    [two, undefined], [two, 'C'], [two, 5], [two, ''], [two, null], ['{ me { kind } }', 'Nope'], ['query A { me { kind } }', 'B'],
    ['subscription { caseChanged { id } }', undefined], ['mutation { __typename }', undefined], ['fragment F on Query { me { kind } }', undefined],
    ['{ nope }', undefined], ['{ me { nope } }', undefined], ['{ __schema { types { name } } }', undefined], ['{ __type(name: "Case") { fields { name } } }', undefined],
    ['{ _service { sdl } }', undefined], ['{ _entities(representations: [{__typename: "Case", id: "x"}]) { __typename } }', undefined],
    ['', undefined], ['   ', undefined], ['#only a comment', undefined], ['query', undefined], ['{', undefined], ['}', undefined], ['query A($a: Int) { me { kind } } query A { me { kind } }', 'A'],
    ['{ me { kind } } extend type Query { x: Int }', undefined], ['type T { a: Int }', undefined], ['schema { query: Query }', undefined], ['directive @x on FIELD', undefined],
    ['{ me @skip(if: true) @skip(if: false) { kind } }', undefined], ['{ me @nope { kind } }', undefined], ['query @deprecated { me { kind } }', undefined],
    ['query ($a: Int, $a: Int) { me { kind } }', undefined], ['query ($a: Nope) { me { kind } }', undefined], ['query { me { ... on Case { id } } }', undefined],
    ['{ me { ...F } }', undefined], ['{ me { ...F } } fragment F on Viewer { ...G } fragment G on Viewer { ...F }', undefined],
  ] as Array<[string, unknown]>) {
    bothViewers('operations', { body: JSON.stringify({ query: doc, operationName: name }) });
  }

  // Variables of the wrong type or shape.
  const detail = 'query($id: ID!) { case(id: $id) { id title } }';
  const page = 'query($first: Int) { cases(first: $first) { totalCount } }';
  for (const [doc, variables] of [
    [detail, { id: 5 }], [detail, { id: null }], [detail, {}], [detail, { id: ['a'] }], [detail, { id: { a: 1 } }], [detail, { id: 'not-a-uuid' }], [detail, { id: '' }], [detail, { id: 'x'.repeat(10000) }],
    [detail, 'id=5'], [detail, [1, 2]], [detail, 5], [detail, true], [detail, { id: '00000000-0000-0000-0000-000000000000', extra: 1 }],
    [page, { first: '10' }], [page, { first: 1.5 }], [page, { first: 1e309 }], [page, { first: 2 ** 31 }], [page, { first: -(2 ** 31) - 1 }], [page, { first: true }], [page, { first: [] }],
    ['query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { status: 'NOPE' } }], ['query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { tlp: 5 } }],
    ['query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { nope: 1 } }], ['query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: 'OPEN' }],
    ['query($f: CaseFilter) { cases(filter: $f) { totalCount } }', { f: { countryCode: 'ZZZ', leadAgencyId: 'x' } }],
    ['query($a: String) { me { kind } }', { a: 'x', b: 'y' }], ['query($o: CaseOrder!) { cases(orderBy: $o) { totalCount } }', { o: 'harm' }],
    ['query($d: DateTimeISO) { me { kind } }', { d: 'yesterday' }], ['query($c: String) { cases(after: $c) { totalCount } }', { c: '!!!not a cursor' }],
    ['query($c: String) { cases(after: $c) { totalCount } }', { c: Buffer.from('{"harm":"x","id":1}').toString('base64') }],
    ['mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { reference: 'lower', title: '', categories: [], countryCodes: ['ZZ'], tlp: 'BLUE' } }],
    ['mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { reference: 'ABC-1', title: 'x', categories: ['SPAM'], countryCodes: ['GB'], tlp: 'AMBER', victimCount: -5, estimatedLossUsd: 'a lot' } }],
    ['mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { reference: 'ABC-2', title: 'x\u0000y', categories: ['SPAM'], countryCodes: ['GB'], tlp: 'AMBER' } }],
    ['mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { reference: 'ABC-3', title: 'x\ud800y', categories: ['SPAM'], countryCodes: ['GB'], tlp: 'AMBER' } }],
    ['mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { reference: 'ABC-4', title: 'x', categories: Array(60).fill('SPAM'), countryCodes: Array(500).fill('GB'), tlp: 'AMBER' } }],
    ['mutation($id: ID!, $i: UpdateCaseInput!) { updateCase(id: $id, input: $i) { id } }', { id: '11111111-1111-4111-8111-111111111111', i: { victimCount: 1e12 } }],
    ['query($a: Int, $b: Int, $c: Int) { me { kind } }', Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`v${i}`, 'x']))],
    ['query(' + Array.from({ length: 80 }, (_, i) => `$v${i}: Int!`).join(', ') + ') { me { kind } }', Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`v${i}`, 'x']))],
  ] as Array<[string, unknown]>) {
    bothViewers('variables', { body: JSON.stringify({ query: doc, variables }) });
  }

  // Automatic persisted queries, garbled.
  const pq = (persistedQuery: unknown, query?: string) => JSON.stringify({ query, extensions: { persistedQuery } });
  for (const b of [
    pq({ version: 1, sha256Hash: 'a'.repeat(64) }), pq({ version: 1, sha256Hash: 'nothex' }), pq({ version: 2, sha256Hash: 'a'.repeat(64) }), pq({ version: '1', sha256Hash: 'a'.repeat(64) }),
    pq({ version: 1 }), pq({ sha256Hash: 'a'.repeat(64) }), pq({ version: 1, sha256Hash: 5 }), pq({ version: 1, sha256Hash: null }), pq(null), pq('x'), pq([1]), pq(5),
    pq({ version: 1, sha256Hash: 'a'.repeat(64) }, '{ me { kind } }'), pq({ version: 1, sha256Hash: 'b'.repeat(10_000) }, '{ me { kind } }'), pq({ version: 1, sha256Hash: { a: 1 } }, '{ me { kind } }'),
    JSON.stringify({ query: '{ me { kind } }', extensions: 'persisted' }), JSON.stringify({ query: '{ me { kind } }', extensions: [1, 2] }), JSON.stringify({ query: '{ me { kind } }', extensions: null }),
    JSON.stringify({ extensions: { persistedQuery: { version: 1, sha256Hash: 'c'.repeat(64) } }, variables: 'x' }),
  ]) {
    bothViewers('persisted queries', { body: b });
  }

  // Bad credentials.
  for (const authorization of [
    'Bearer', 'Bearer ', 'Bearer garbage', 'Bearer a.b.c', `Bearer ${wrongSecretToken}`, `Bearer ${noneToken}`, `Bearer ${expiredToken}`, `Bearer ${strangerToken}`,
    'Basic dXNlcjpwYXNz', 'bearer lowercase', `Bearer ${'x'.repeat(7000)}`, 'Bearer \u00e9\u00e9', `${auth} extra`, `${auth},${auth}`, 'ApiKey nope', 'Bearer lap_nope_nope',
    `Bearer ${Buffer.from('{"alg":"HS256"}').toString('base64url')}..`, 'Token x', `Bearer ${auth.slice(7, -3)}`,
  ]) {
    add('credentials', { headers: { ...json, authorization }, body: Q('{ me { kind } }') });
    add('credentials', { headers: { ...json, authorization }, body: Q('{ cases(first: 5) { totalCount } }') });
    add('credentials', { method: 'GET', path: '/reports/network.csv?from=2004-01-01&to=2005-01-01', headers: { authorization } });
  }

  // Text that is not UTF-8, or not well formed.
  for (const bytes of [
    Buffer.from([0x7b, 0x22, 0x71, 0x75, 0x65, 0x72, 0x79, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
    Buffer.concat([Buffer.from('{"query":"{ me { kind } }","variables":{"a":"'), Buffer.from([0xc3, 0x28, 0xa0, 0xa1]), Buffer.from('"}}')]),
    Buffer.concat([Buffer.from('{"query":"{ cases(filter: {countryCode: \\"'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('\\"}) { totalCount } }"}')]),
    Buffer.from('{"query":"{ me { kind } }"}', 'utf16le'),
    Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from('{"query":"{ me { kind } }"}', 'utf16le')]),
    Buffer.from('{"query":"query($s: String) { me { kind } }","variables":{"s":"\\udc00\\ud800"}}'),
    Buffer.from('{"query":"{ cases(filter: {countryCode: \\"\\u0000\\"}) { totalCount } }"}'),
    Buffer.from('{"query":"mutation { openCase(input: {reference: \\"UTF-1\\", title: \\"\\ud83d\\", categories: [SPAM], countryCodes: [\\"GB\\"], tlp: AMBER}) { id } }"}'),
    Buffer.from([0x80, 0x81, 0x82, 0x83]),
    Buffer.from('{"query":"{ me { kind } }","operationName":"\\u0000"}'),
    Buffer.from('{"query":"{ m\u00e9 { kind } }"}', 'latin1'),
  ]) {
    bothViewers('encodings', { body: bytes });
    bothViewers('encodings', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: bytes });
  }

  // GET with bad parameters.
  const enc = encodeURIComponent;
  const csrf = { 'apollo-require-preflight': 'true' };
  for (const qs of [
    `query=${enc('{ me { kind } }')}`, `query=${enc('mutation { __typename }')}`, `query=${enc('{ me { kind } }')}&variables=${enc('{bad')}`, `query=${enc('{ me { kind } }')}&extensions=${enc('{bad')}`,
    `query=${enc('{ me { kind } }')}&query=${enc('{ me { kind } }')}`, 'query=%zz%', 'query[]=1&query[]=2', 'query[a]=1', `variables=${enc('{}')}`, '', 'query=',
    `query=${enc('{ me { kind } }')}&operationName[]=x`, `query=${'%7B'.repeat(3000)}`, `query=${enc('query($id: ID!) { case(id: $id) { id } }')}&variables=${enc('{"id": 5}')}`,
    `query=${enc('{ me { kind } }')}&extensions=${enc('{"persistedQuery":{"version":1,"sha256Hash":"x"}}')}`, `extensions=${enc('{"persistedQuery":{"version":1,"sha256Hash":"' + 'a'.repeat(64) + '"}}')}`,
    `query=${enc('{ me { kind } }')}&variables=${enc('"string"')}`, `query=${enc('{ me { kind } }')}&variables=${enc('[1]')}`, `query=${enc(`{ ${'me { kind } '.repeat(600)} }`)}`,
  ]) {
    add('GET parameters', { method: 'GET', path: `/graphql?${qs}`, headers: { ...csrf } });
    add('GET parameters', { method: 'GET', path: `/graphql?${qs}`, headers: { ...csrf, authorization: auth } });
    add('GET parameters', { method: 'GET', path: `/graphql?${qs}`, headers: { ...csrf, authorization: privateAuth } });
    add('GET parameters', { method: 'GET', path: `/graphql?${qs}`, headers: { accept: 'text/html' } });
    add('GET parameters', { method: 'GET', path: `/graphql?${qs}`, headers: {} });
  }
  for (const qs of ['from=yesterday&to=today', 'from=2004-13-45&to=2005-01-01', 'from[]=1', 'to=2005-01-01', '', 'from=%ff&to=%00', `from=${'9'.repeat(5000)}`]) {
    add('GET parameters', { method: 'GET', path: `/reports/network.csv?${qs}`, headers: { authorization: auth } });
  }

  // Batched requests (batching is off).
  for (const b of ['[]', `[${Q('{ me { kind } }')}]`, `[${Q('{ me { kind } }')},${Q('{ me { kind } }')}]`, `[${Array(500).fill(Q('{ me { kind } }')).join(',')}]`, '[[]]', '[1, "a", null]', `[${Q('{ me { kind } }')}, 5]`]) {
    bothViewers('batched arrays', { body: b });
  }

  // Alias, field, fragment and directive bombs.
  const aliases = (n: number, field = 'me { kind }') => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${field}`).join(' ')} }`;
  for (const doc of [
    aliases(51), aliases(500), aliases(5000), aliases(60, 'cases(first: 1000) { nodes { id } }'), `{ ${'me { kind } '.repeat(2000)} }`,
    `{ me { kind ${'@include(if: true) '.repeat(100)} } }`, `{ me { kind ${'@skip(if: false) '.repeat(1000)} } }`,
    `query { ...A } ${Array.from({ length: 50 }, (_, i) => `fragment ${String.fromCharCode(65 + (i % 26))}${i > 25 ? i : ''} on Query { me { kind } }`).join(' ')}`,
    `{ ...F } fragment F on Query { ${'...G '.repeat(100)} } fragment G on Query { ${'...H '.repeat(100)} } fragment H on Query { me { kind } }`,
    `{ cases(first: 1000) { nodes { ${Array.from({ length: 40 }, (_, i) => `c${i}: countries { code }`).join(' ')} } } }`,
    `{ cases(first: 1000) { nodes { leadAgency { cases(first: 1000) { nodes { leadAgency { cases(first: 1000) { nodes { id } } } } } } } } }`,
    `{ ${Array.from({ length: 49 }, (_, i) => `a${i}: cases(first: 1000) { nodes { id title countries { code name } } }`).join(' ')} }`,
    `{ __typename ${'__typename '.repeat(4000)} }`, `{ ${Array.from({ length: 45 }, (_, i) => `t${i}: __schema { types { fields { type { ofType { ofType { name } } } } } }`).join(' ')} }`,
  ]) {
    bothViewers('query bombs', { body: Q(doc) });
  }

  // Methods and paths.
  for (const [method, path] of [['PUT', '/graphql'], ['DELETE', '/graphql'], ['PATCH', '/graphql'], ['HEAD', '/graphql'], ['OPTIONS', '/graphql'], ['TRACE', '/graphql'],
    ['POST', '/graphql/'], ['POST', '/GRAPHQL'], ['POST', '/graphql?query=x'], ['POST', '//graphql'], ['POST', '/graphql%00'], ['GET', '/../../etc/passwd'], ['GET', '/dashboard/../../package.json'],
    ['POST', '/reports/network.csv'], ['GET', '/metrics?x=%zz'], ['POST', '/healthz'], ['GET', '/readyz/x'], ['GET', `/${'a'.repeat(8000)}`]] as Array<[string, string]>) {
    add('methods and paths', { method, path, headers: { ...json, origin: 'https://evil.example' }, body: method === 'GET' || method === 'HEAD' ? undefined : body });
    add('methods and paths', { method, path, headers: { ...json, authorization: auth }, body: method === 'GET' || method === 'HEAD' ? undefined : body });
    add('methods and paths', { method, path, headers: { ...json }, body: method === 'GET' || method === 'HEAD' ? undefined : body });
  }

  // Good requests with bytes changed, cut short or inserted at random (a fixed seed: the same corpus every run).
  let seed = 12;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  const goods = [
    Q('query($id: ID!) { case(id: $id) { id title confidential { summary } } }', { id: '7c4a8d09-ca37-4f6e-8a1b-2f0e5b5e1d11' }),
    Q('{ cases(first: 20) { totalCount nodes { reference viewerCan { edit } } } }'),
    Q('mutation($i: OpenCaseInput!) { openCase(input: $i) { id } }', { i: { reference: 'FUZZ-1', title: 'Fuzz', categories: ['SPAM'], countryCodes: ['GB'], tlp: 'AMBER' } }),
    Q('{ calls(first: 5, when: PAST) { nodes { title segments { title minutes } } } }'),
  ];
  for (let i = 0; i < 160; i++) {
    const bytes = Buffer.from(goods[i % goods.length]);
    const at = random(bytes.length);
    const fuzzed =
      i % 4 === 0 ? bytes.subarray(0, at)
      : i % 4 === 1 ? Buffer.concat([bytes.subarray(0, at), Buffer.from([random(256)]), bytes.subarray(at + 1)])
      : i % 4 === 2 ? Buffer.concat([bytes.subarray(0, at), Buffer.from(['{', '"', '\\', '[', '}', '\u0000', '$', '@', '...'][random(9)]), bytes.subarray(at)])
      : Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1 + random(20))]);
    add('fuzzed bodies', { headers: { ...json, ...(i % 2 ? { authorization: auth } : {}) }, body: fuzzed });
  }

  // Broken HTTP over a raw socket.
  for (const raw of [
    'GARBAGE\r\n\r\n', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 20\r\n\r\n0123456789',
    'POST /graphql HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\nzz\r\nxx\r\n0\r\n\r\n',
    'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
    `GET /graphql HTTP/1.1\r\nHost: x\r\nX-Big: ${'h'.repeat(20000)}\r\n\r\n`, 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n{}',
    'POST /graphql HTTP/9.9\r\nHost: x\r\n\r\n', 'GET / HTTP/1.1\r\nHost: x\r\nBad Header Line\r\n\r\n', 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}',
    'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{"query":',
  ]) {
    for (let i = 0; i < 5; i++) add('broken HTTP', { raw: Buffer.from(raw, 'latin1') });
  }
  return probes;
}

interface Answer {
  status: number | 'no answer' | 'closed' | 'not sent' | 'body awaited';
  body: string;
}

function sendHttp(base: URL, p: Probe): Promise<Answer> {
  return new Promise<Answer>((resolve) => {
    const body = p.body === undefined ? undefined : Buffer.isBuffer(p.body) ? p.body : Buffer.from(p.body, 'utf8');
    const headers: Record<string, string | number> = { ...(p.headers ?? json) };
    if (body) headers['content-length'] = body.length;
    let req: http.ClientRequest;
    try {
      req = http.request({ host: base.hostname, port: base.port, method: p.method ?? 'POST', path: p.path ?? '/graphql', headers, agent: false, timeout: 30_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    } catch {
      // A header Node itself will not send.
      resolve({ status: 'not sent', body: '' });
      return;
    }
    req.on('timeout', () => {
      req.destroy();
      resolve({ status: 'no answer', body: '' });
    });
    // The server may answer (413) and close before the whole body is written.
    req.on('error', () => resolve({ status: 'closed', body: '' }));
    req.end(body);
  });
}

function sendRaw(base: URL, p: Probe): Promise<Answer> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: base.hostname, port: Number(base.port) });
    const chunks: Buffer[] = [];
    let gaveUp = false;
    const done = () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      resolve({ status: m ? Number(m[1]) : gaveUp ? 'body awaited' : 'closed', body: text.slice(text.indexOf('\r\n\r\n') + 4) });
    };
    socket.setTimeout(15_000, () => {
      // A request whose body never comes in full: the server rightly waits for the rest (until Node's requestTimeout);
      // the client gives up. Not a hang of the hub: other requests are served meanwhile.
      gaveUp = true;
      socket.destroy();
    });
    socket.on('data', (c: Buffer) => {
      chunks.push(c);
      socket.end();
    });
    socket.on('close', done);
    socket.on('error', () => undefined);
    socket.write(p.raw!);
  });
}

export async function malformedCheck(options: { base: string; auth: string; privateAuth: string; secret: string; personId: string; concurrency: number }): Promise<MalformedResult> {
  const secret = new TextEncoder().encode(options.secret);
  const wrongSecretToken = await new SignJWT({ email: 'ann.carter@ftc.example' }).setProtectedHeader({ alg: 'HS256' }).setSubject(options.personId).setExpirationTime('1h').sign(new TextEncoder().encode('x'.repeat(40)));
  const noneToken = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(JSON.stringify({ sub: options.personId, exp: 9999999999 })).toString('base64url')}.`;
  const expiredToken = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(options.personId).setIssuedAt(1000).setExpirationTime(2000).sign(secret);
  const strangerToken = await new SignJWT({ email: 'nobody@nowhere.example' }).setProtectedHeader({ alg: 'HS256' }).setSubject('00000000-0000-4000-8000-000000000000').setExpirationTime('1h').sign(secret);
  const probes = corpus(options.auth, options.privateAuth, wrongSecretToken, noneToken, expiredToken, strangerToken);
  const base = new URL(options.base);
  const result: MalformedResult = { requests: 0, byKind: new Map(), serverErrors: 0, internal: 0, noAnswer: 0, unsendable: 0, examples: [] };
  let next = 0;
  const worker = async () => {
    while (next < probes.length) {
      const p = probes[next++];
      const a = p.raw ? await sendRaw(base, p) : await sendHttp(base, p);
      if (a.status === 'not sent') {
        result.unsendable++;
        continue;
      }
      result.requests++;
      const statuses = result.byKind.get(p.kind) ?? new Map<string, number>();
      result.byKind.set(p.kind, statuses);
      statuses.set(String(a.status), (statuses.get(String(a.status)) ?? 0) + 1);
      const bad = (typeof a.status === 'number' && a.status >= 500) || a.body.includes('INTERNAL_SERVER_ERROR') || a.status === 'no answer';
      if (typeof a.status === 'number' && a.status >= 500) result.serverErrors++;
      if (a.body.includes('INTERNAL_SERVER_ERROR')) result.internal++;
      if (a.status === 'no answer') result.noAnswer++;
      if (bad && result.examples.length < 12) {
        const what = p.raw ? p.raw.toString('latin1').slice(0, 120) : `${p.method ?? 'POST'} ${(p.path ?? '/graphql').slice(0, 100)} ${JSON.stringify(p.headers ?? json).slice(0, 100)} ${String(p.body ?? '').slice(0, 160)}`;
        result.examples.push(`${p.kind}: ${what} → ${a.status} ${a.body.slice(0, 200)}`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return result;
}
