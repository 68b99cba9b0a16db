import net from 'node:net';

/**
 * Writes `bytes` on a new connection and resolves with everything the server wrote until it closed the connection, and
 * how long after connecting that was. Destroyed after 10 s.
 */
function exchange(port: number, host: string, bytes: string): Promise<{ text: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, host);
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => (text += chunk.toString()));
    const deadline = setTimeout(() => socket.destroy(new Error('not closed by the server within 10 s')), 10000);
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve({ text, ms: Date.now() - started });
    });
    socket.write(bytes);
  });
}

/** An answer as written on the wire: its status line, headers (lower-cased names) and body. */
function parsed(text: string): { statusLine: string; headers: Record<string, string>; body: string } {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
  return { statusLine, headers, body: rest.join('\r\n\r\n') };
}

/**
 * A client that sends a request's headers and a tenth of its announced body, then nothing more: resolves with the
 * status line and body the server answered (if any) and how long after the connection it closed it.
 */
export async function trickledRequest(port: number, host: string): Promise<{ statusLine: string; body: string; ms: number }> {
  const { text, ms } = await exchange(port, host, `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
  const { statusLine, body } = parsed(text);
  return { statusLine, body, ms };
}

/** Sends `bytes` on a new connection and resolves with the server's answer, read until it closed the connection. */
export async function rawExchange(port: number, host: string, bytes: string): Promise<{ statusLine: string; headers: Record<string, string>; body: string }> {
  return parsed((await exchange(port, host, bytes)).text);
}
