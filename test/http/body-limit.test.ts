import zlib from 'node:zlib';
import { bodyTooLargeMessage, sizeName } from '../../src/http/body-limit';
import { startTestHub, TestHub } from '../support/hub';
import { chunk, head, jsonPieces, lastChunk, sendPaced } from '../support/paced';

/**
 * The body limit (1 MiB) holds while a body arrives, not once it has: a declared Content-Length over it is refused
 * before the body is read, a chunked or compressed body as soon as it passes it — 413 naming the limit, and the
 * connection closed, so that the hub reads no more of what the client goes on sending. The body parser alone read
 * such a body to its end (or, for a client that never stopped, until REQUEST_TIMEOUT_MS) before answering.
 */

let hub: TestHub;
let port: number;
beforeAll(async () => {
  hub = await startTestHub();
  port = Number(new URL(hub.url).port);
});
afterAll(() => hub.close());

const tooLarge = { errors: [{ message: 'The request body is larger than the 1 MiB limit', extensions: { code: 'BAD_REQUEST' } }] };

test('the limit is named as the README names it', () => {
  expect([sizeName(1024 * 1024), sizeName(2 * 1024 * 1024), sizeName(512 * 1024), sizeName(1000)]).toEqual(['1 MiB', '2 MiB', '512 KiB', '1000 bytes']);
  expect(bodyTooLargeMessage(1024 * 1024)).toBe('The request body is larger than the 1 MiB limit');
});

test('a declared Content-Length over 1 MiB is refused at once, before the body: 413 naming the limit, Connection: close, the connection closed with the rest of the body unsent', async () => {
  // 60 MB announced and not a byte of it sent: the client waits. Answered all the same: nothing of the body was needed.
  const outcome = await sendPaced(port, head('Content-Length: 60000000\r\n'), jsonPieces(2_000_000, 64 * 1024), { everyMs: 5, stallAfter: 0 });
  expect([outcome.status, outcome.headers.connection, outcome.body]).toEqual([413, 'close', tooLarge]);
  expect(outcome.sentAtAnswer).toBe(0);
  expect(outcome.finishedSending).toBe(false);
  expect(outcome.closedByServer).toBe(true);
});

test('a chunked body is refused as soon as it passes 1 MiB: 413 naming the limit, Connection: close, the connection closed with the rest of the body unsent', async () => {
  // 32 MiB meant, in chunks of 64 KiB, one every 5 ms; the client stops at 2 MiB and waits: the answer comes from those 2 MiB
  // (and not before the first 1 MiB had passed).
  const outcome = await sendPaced(port, head('Transfer-Encoding: chunked\r\n'), jsonPieces(32 * 1024 * 1024, 64 * 1024), { everyMs: 5, framing: chunk, last: lastChunk, stallAfter: 2 * 1024 * 1024 });
  expect([outcome.status, outcome.headers.connection, outcome.body]).toEqual([413, 'close', tooLarge]);
  expect(outcome.sentAtAnswer).toBeGreaterThan(1024 * 1024);
  expect(outcome.sentAtAnswer).toBeLessThanOrEqual(2 * 1024 * 1024);
  expect(outcome.finishedSending).toBe(false);
  expect(outcome.closedByServer).toBe(true);
});

describe('a compressed body is refused as soon as what it decompresses to passes 1 MiB', () => {
  // 64 MB of spaces before the query: about 62 kB of gzip, the first kilobytes of which already decompress past 1 MiB.
  const compressed = zlib.gzipSync(Buffer.concat([Buffer.from(' '.repeat(64_000_000)), Buffer.from('{"query":"{ __typename }"}')]));
  const pieces: Buffer[] = [];
  for (let at = 0; at < compressed.length; at += 1024) pieces.push(compressed.subarray(at, at + 1024));

  test.each([
    ['with its Content-Length', `Content-Encoding: gzip\r\nContent-Length: ${compressed.length}\r\n`, undefined, undefined],
    ['chunked', 'Content-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n', chunk, lastChunk],
  ])('%s: 413 naming the limit, Connection: close, with the rest of the body unsent', async (_what, headers, framing, last) => {
    // 1 kB every 5 ms; the client stops after 8 kB (which decompress to 8 MiB of the 64 MB) and waits: the answer comes from those.
    const outcome = await sendPaced(port, head(headers), pieces, { everyMs: 5, framing, last, stallAfter: 8 * 1024 });
    expect([outcome.status, outcome.headers.connection, outcome.body]).toEqual([413, 'close', tooLarge]);
    expect(outcome.sentAtAnswer).toBeLessThanOrEqual(8 * 1024);
    expect(outcome.finishedSending).toBe(false);
    expect(outcome.closedByServer).toBe(true);
  });
});

describe('a body that does not decompress as its Content-Encoding says is refused as soon as its first bytes fail', () => {
  // 100 kB meant of bytes that are no gzip, no deflate and no Brotli stream; the client stops after the first 1 kB and waits.
  const pieces = Array.from({ length: 100 }, () => Buffer.alloc(1024, 7));
  test.each([
    ['gzip, with its Content-Length', 'gzip', `Content-Length: ${100 * 1024}\r\n`, undefined, undefined],
    ['gzip, chunked', 'gzip', 'Transfer-Encoding: chunked\r\n', chunk, lastChunk],
    ['deflate, chunked', 'deflate', 'Transfer-Encoding: chunked\r\n', chunk, lastChunk],
  ])('%s: 400 naming the encoding, Connection: close, with the rest of the body unsent', async (_what, encoding, headers, framing, last) => {
    const outcome = await sendPaced(port, head(`Content-Encoding: ${encoding}\r\n${headers}`), pieces, { everyMs: 5, framing, last, stallAfter: 1024 });
    expect([outcome.status, outcome.headers.connection, outcome.body]).toEqual([
      400,
      'close',
      { errors: [{ message: `The request body is not ${encoding}-encoded data, as its Content-Encoding says`, extensions: { code: 'BAD_REQUEST' } }] },
    ]);
    expect(outcome.sentAtAnswer).toBe(1024);
    expect(outcome.finishedSending).toBe(false);
    expect(outcome.closedByServer).toBe(true);
  });
});

test('a body within the limit is still read and answered, chunked or compressed, on a connection kept open', async () => {
  const text = JSON.stringify({ query: `{ __typename } # ${'x'.repeat(1000 * 1000)}` });
  const plain = await sendPaced(port, head('Transfer-Encoding: chunked\r\n'), jsonPieces(1000 * 1000, 64 * 1024), { everyMs: 1, framing: chunk, last: lastChunk, waitMs: 300 });
  expect([plain.status, plain.headers.connection, plain.body]).toEqual([200, 'keep-alive', { data: { __typename: 'Query' } }]);
  expect(plain.closedByServer).toBe(false);
  const gzipped = zlib.gzipSync(text);
  const compressed = await sendPaced(port, head(`Content-Encoding: gzip\r\nContent-Length: ${gzipped.length}\r\n`), [gzipped], { everyMs: 1, waitMs: 300 });
  expect([compressed.status, compressed.body]).toEqual([200, { data: { __typename: 'Query' } }]);
  expect(compressed.closedByServer).toBe(false);
});
