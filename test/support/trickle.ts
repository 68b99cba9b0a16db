import net from 'node:net';

/**
 * A client that sends a request's headers and a tenth of its announced body, then nothing more: resolves with the
 * status line the server answered (if any) and how long after the connection it closed it. Destroyed after 10 s.
 */
export function trickledRequest(port: number, host: string): Promise<{ statusLine: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(port, host);
    let text = '';
    socket.on('error', reject);
    socket.on('data', (chunk) => (text += chunk.toString()));
    const deadline = setTimeout(() => socket.destroy(new Error('not closed by the server within 10 s')), 10000);
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve({ statusLine: text.split('\r\n')[0], ms: Date.now() - started });
    });
    socket.write(`POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"query":`);
  });
}
