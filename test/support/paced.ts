import net from 'node:net';

/** Requests sent by hand at a pace, to see when a server answers and closes while a body is still arriving. */

export interface Outcome {
  status: number | null;
  headers: Record<string, string>;
  body: unknown;
  /** Body bytes sent when the first byte of the answer arrived (null: no answer). */
  sentAtAnswer: number | null;
  /** Whether the server closed the connection (a FIN or a reset) before the client stopped waiting. */
  closedByServer: boolean;
  /** Whether the client had sent all it meant to when the answer came (or when it stopped waiting). */
  finishedSending: boolean;
}

/**
 * A request sent by hand to a server on 127.0.0.1: `head` (request line and headers), then `pieces` one every `everyMs`, each counted as body
 * bytes sent (`framing` wraps each piece on the wire, e.g. as a chunk), then `last` (e.g. the last chunk). Resolves
 * once the server closes the connection, or `waitMs` after the last piece.
 *
 * With `stallAfter`, the client stops once it has sent that many body bytes (0: right after the head) and sends
 * nothing more, its body unfinished, waiting `waitMs` (10 s unless told) for the answer: an answer that comes is one
 * the server gave from those bytes alone, however slowly a loaded machine runs it — no race between the server and
 * the client's pace.
 */
export function sendPaced(
  port: number,
  head: string,
  pieces: Buffer[],
  options: { everyMs: number; framing?: (piece: Buffer) => Buffer; last?: Buffer; waitMs?: number; stallAfter?: number },
): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let sent = 0;
    let sentAtAnswer: number | null = null;
    let closedByServer = false;
    let finishedSending = false;
    let timer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      const lines = (end < 0 ? text : text.slice(0, end)).split('\r\n');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(lines[0] ?? '');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      const bodyText = end < 0 ? '' : received.subarray(end + 4).toString('utf8');
      let body: unknown = bodyText;
      try {
        body = JSON.parse(bodyText);
      } catch {
        // kept as text
      }
      resolve({ status: status ? Number(status[1]) : null, headers, body, sentAtAnswer, closedByServer, finishedSending });
    };
    socket.on('data', (chunk: Buffer) => {
      if (sentAtAnswer === null) sentAtAnswer = sent;
      received = Buffer.concat([received, chunk]);
    });
    // The server's FIN, or its reset of a connection still sending: either way, closed.
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    socket.on('error', () => {
      closedByServer = true;
      finish();
    });
    socket.on('close', () => finish());
    socket.write(head);
    let at = 0;
    const sendNext = () => {
      if (done) return;
      if (options.stallAfter !== undefined && sent >= options.stallAfter) {
        timer = setTimeout(finish, options.waitMs ?? 10_000);
        return;
      }
      if (at === pieces.length) {
        if (options.last) socket.write(options.last);
        finishedSending = sentAtAnswer === null;
        timer = setTimeout(finish, options.waitMs ?? 3000);
        return;
      }
      const piece = pieces[at++];
      sent += piece.length;
      socket.write(options.framing ? options.framing(piece) : piece);
      timer = setTimeout(sendNext, options.everyMs);
    };
    socket.once('connect', sendNext);
  });
}

export const chunk = (piece: Buffer) => Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')]);
export const lastChunk = Buffer.from('0\r\n\r\n');
export const head = (headers: string) => `POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n${headers}\r\n`;

/** `total` bytes of a JSON body in pieces of `size`: a query and a variable as long as it takes. */
export function jsonPieces(total: number, size: number): Buffer[] {
  const text = Buffer.from(`{"query":"{ __typename }","variables":{"x":"${'a'.repeat(total - 50)}"}}`.padEnd(total, ' '));
  const pieces: Buffer[] = [];
  for (let at = 0; at < text.length; at += size) pieces.push(text.subarray(at, at + size));
  return pieces;
}
