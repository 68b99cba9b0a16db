import http from 'node:http';
import net from 'node:net';

/**
 * The first step of a stop, for the hub and the gateway alike: each connection is to close after the last answer it
 * owes (a client that pipelined several requests on one connection gets every one of them: an earlier answer saying
 * "close" would end the connection before the later ones, whose work was done unanswered); the listener closes (no
 * new connection) and idle keep-alive connections with it. Resolves once every connection has closed.
 *
 * net.Server's close, not http.Server's: http's also ends Node's check that answers 408 to a client still sending its
 * request after REQUEST_TIMEOUT_MS, and such a client then held every stop for its whole grace. The check is ended by
 * `endRequestTimeoutChecks` once the last connection is gone.
 */
export function closeListener(server: http.Server, underWay: Set<http.ServerResponse>): Promise<void> {
  const lastOnSocket = new Map<unknown, http.ServerResponse>();
  for (const res of underWay) lastOnSocket.set(res.req.socket, res);
  for (const res of lastOnSocket.values()) if (!res.headersSent) res.setHeader('connection', 'close');
  // A connection whose answers are all out is closed then, whatever its last answer said (one sent keep-alive before
  // the stop began): left open, an idle client would hold the stop for its whole grace.
  for (const res of underWay) {
    res.once('finish', () => {
      const socket = res.req.socket;
      if (![...underWay].some((other) => other !== res && other.req.socket === socket)) socket.end();
    });
  }
  const closed = new Promise<void>((resolve) => (server.listening ? net.Server.prototype.close.call(server, () => resolve()) : resolve()));
  server.closeIdleConnections();
  return closed;
}

/**
 * Ends Node's check of requests that take longer than REQUEST_TIMEOUT_MS, once a stopped server has no connection left
 * (left running, it would keep the server). The check's timer is Node's own (Node 20); where it is not found, it stays
 * (unref'd: it does not keep a process alive).
 */
export function endRequestTimeoutChecks(server: http.Server): void {
  const key = Object.getOwnPropertySymbols(server).find((s) => s.description === 'http.server.connectionsCheckingInterval');
  if (key) clearInterval((server as unknown as Record<symbol, NodeJS.Timeout>)[key]);
}

/** Resolves once each of these responses has closed, or after `ms`, whichever comes first. */
export async function closedWithin(responses: readonly http.ServerResponse[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(responses.map((res) => (res.closed ? undefined : new Promise((resolve) => res.once('close', resolve))))),
    new Promise((resolve) => (timer = setTimeout(resolve, ms))),
  ]);
  clearTimeout(timer);
}
