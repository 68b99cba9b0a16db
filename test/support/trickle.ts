import net from 'node:net';

/**
 * A client that sends a request's headers and a tenth of its announced body, then nothing more: resolves with the
 * status line the server answered (if any) and how long after the connection it closed it. Destroyed after 10 s.
 */
export function trickledRequest(port: number, host: string): Promise<{ statusLine: string; body: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, host);
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => (text += chunk.toString()));
    const deadline = setTimeout(() => socket.destroy(new Error('not closed by the server within 10 s')), 10000);
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve({ statusLine: text.split('\r\n')[0], body: text.split('\r\n\r\n').slice(1).join('\r\n\r\n'), ms: Date.now() - started });
    });
    socket.write(`POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
  });
}

/**
 * Sends `bytes` on a new connection and resolves with everything the server wrote until it closed the connection: its
 * status line, headers (lower-cased names) and body. Destroyed after 10 s.
 */
export function rawExchange(port: number, host: string, bytes: string): Promise<{ statusLine: string; headers: Record<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => (text += chunk.toString()));
    const deadline = setTimeout(() => socket.destroy(new Error('not closed by the server within 10 s')), 10000);
    socket.on('close', () => {
      clearTimeout(deadline);
      const [head, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ statusLine, headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(bytes);
  });
}
