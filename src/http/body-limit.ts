import type { IncomingMessage, ServerResponse } from 'node:http';
import zlib from 'node:zlib';
import type { Step } from './respond';

/** A size as the README writes limits: `1 MiB`, `512 KiB`, else in bytes. */
export function sizeName(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** What a body over the limit is told (413), at the hub and at the gateway. */
export function bodyTooLargeMessage(limit: number): string {
  return `The request body is larger than the ${sizeName(limit)} limit`;
}

/**
 * The 413 for a body over the limit, with `Connection: close`: Node closes the connection once the answer is out, so
 * that the rest of the body (which may be gigabytes, or never end) is not read. Nothing if answered already.
 */
export function refuseTooLarge(res: ServerResponse, limit: number): void {
  if (res.headersSent) return;
  const text = JSON.stringify({ errors: [{ message: bodyTooLargeMessage(limit), extensions: { code: 'BAD_REQUEST' } }] });
  res.writeHead(413, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
}

/** What a body that does not decompress as its `Content-Encoding` says is told (400), at the hub and the gateway. */
export function undecodableBodyMessage(encoding: string): string {
  return `The request body is not ${encoding.trim().toLowerCase()}-encoded data, as its Content-Encoding says`;
}

/**
 * The 400 for a body that does not decompress as its `Content-Encoding` says, with `Connection: close` (as
 * `refuseTooLarge`): said as soon as its first bytes fail, not once the client has sent all of it. Nothing if answered.
 */
export function refuseUndecodable(res: ServerResponse, encoding: string): void {
  if (res.headersSent) return;
  const text = JSON.stringify({ errors: [{ message: undecodableBodyMessage(encoding), extensions: { code: 'BAD_REQUEST' } }] });
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), connection: 'close' }).end(text);
}

/** The decompressors of the content encodings the body parser takes (body-parser on Node 20). */
const DECOMPRESSORS: Record<string, () => zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress> = {
  gzip: () => zlib.createGunzip(),
  deflate: () => zlib.createInflate(),
  br: () => zlib.createBrotliDecompress(),
};

/**
 * The body limit, before the body parser reads anything: a declared `Content-Length` over it is refused at once,
 * unread; a body without one (chunked), or a compressed one (the limit applies to what it decompresses to), is counted
 * as it arrives and refused as soon as it passes the limit. The body parser (body-parser, through raw-body) would read
 * such a body to its end before answering — for as long as a client kept sending, up to `REQUEST_TIMEOUT_MS`.
 */
export function limitBody(limit: number): Step {
  return (req, res, next) => {
    const declared = req.headers['content-length'];
    if (declared !== undefined && Number(declared) > limit) {
      refuseTooLarge(res, limit);
      return;
    }
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    const hasBody = declared !== undefined || req.headers['transfer-encoding'] !== undefined;
    // A body of a declared length within the limit, not compressed, cannot pass it (Node reads no more than declared).
    if (!hasBody || (encoding === 'identity' && declared !== undefined)) return next();
    // The next step (the body parser) first, so that it is reading when the count begins: counting makes the body flow.
    next();
    if (res.headersSent || req.readableEnded) return;
    refuseOnceOver(req, res, limit, encoding);
  };
}

/**
 * Counts a body as it arrives — what it decompresses to when `encoding` is gzip, deflate or br — and answers 413
 * (`refuseTooLarge`) as soon as the count passes `limit`, or 400 (`refuseUndecodable`) as soon as it fails to
 * decompress. Reading it is the caller's (its listeners make it flow); an
 * encoding it does not know is left to the caller to refuse.
 */
export function refuseOnceOver(req: IncomingMessage, res: ServerResponse, limit: number, encoding: string): void {
  let counted = 0;
  const count = (chunk: Buffer) => {
    counted += chunk.length;
    if (counted > limit) refuseTooLarge(res, limit);
  };
  req.on('error', () => undefined);
  if (encoding === 'identity') {
    req.on('data', count);
    return;
  }
  const decompressor = DECOMPRESSORS[encoding]?.();
  if (!decompressor) return;
  // A decompressor of its own, beside the reader's: it counts, and a body that does not decompress is refused at once
  // (the reader would report it only once the whole body had arrived, however long the client kept sending).
  decompressor.on('error', () => refuseUndecodable(res, encoding));
  decompressor.on('data', (chunk: Buffer) => {
    count(chunk);
    if (counted > limit) decompressor.destroy();
  });
  req.on('data', (chunk: Buffer) => {
    if (!decompressor.destroyed) decompressor.write(chunk);
  });
  req.once('end', () => decompressor.end());
  res.once('close', () => decompressor.destroy());
}
