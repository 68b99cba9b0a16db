import net from 'node:net';

/** What a test proxy does with the bytes it gets: forwards them, swallows them (a host gone silent), or refuses connections. */
export type ProxyMode = 'pass' | 'blackhole' | 'refuse';

export interface TcpProxy {
  port: number;
  /** Switches what the proxy does; `refuse` also ends the connections it holds. */
  mode(mode: ProxyMode): void;
  /** The connections it holds now go silent for good, without closing (a firewall forgot them); new ones pass. */
  silenceExisting(): void;
  /** From now on, a connection that sends these bytes goes silent for good from them on (null: no more). */
  silenceWhenSent(text: string | null): void;
  /** Stops listening and ends every connection (the service gone: connections refused). */
  close(): Promise<void>;
  /** Listens again on the same port. */
  reopen(): Promise<void>;
}

/**
 * A TCP proxy on a loopback port of its own in front of a service of the machine (PostgreSQL, Redis), for tests of a
 * service that stalls, goes silent, refuses or goes away — the service itself left alone.
 */
export async function tcpProxy(host: string, port: number): Promise<TcpProxy> {
  let mode: ProxyMode = 'pass';
  const sockets = new Set<net.Socket>();
  const silenced = new WeakSet<net.Socket>();
  let silenceOn: string | null = null;
  const server = net.createServer((client) => {
    if (mode === 'refuse') return void client.destroy();
    const upstream = net.connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        (s === client ? upstream : client).destroy();
      });
    }
    client.on('data', (chunk: Buffer) => {
      if (silenceOn !== null && chunk.includes(silenceOn)) silenced.add(client);
      if (mode === 'pass' && !silenced.has(client)) upstream.write(chunk);
    });
    upstream.on('data', (chunk) => mode === 'pass' && !silenced.has(client) && client.write(chunk));
  });
  const listen = (at: number) => new Promise<number>((resolve) => server.listen(at, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
  const own = await listen(0);
  const endAll = () => sockets.forEach((s) => s.destroy());
  return {
    port: own,
    mode(m) {
      mode = m;
      if (m === 'refuse') endAll();
    },
    silenceExisting() {
      sockets.forEach((s) => silenced.add(s));
    },
    silenceWhenSent(text) {
      silenceOn = text;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        endAll();
      }),
    reopen: async () => {
      await listen(own);
    },
  };
}

/** A proxy in front of the test database (LAPHUB_TEST_DB_URL), and that database's URL through it. */
export async function testDatabaseThroughProxy(): Promise<{ proxy: TcpProxy; upstream: URL; through: string }> {
  const upstream = new URL(process.env.LAPHUB_TEST_DB_URL!);
  const proxy = await tcpProxy(upstream.hostname, Number(upstream.port || 5432));
  const through = new URL(upstream.href);
  through.hostname = '127.0.0.1';
  through.port = String(proxy.port);
  return { proxy, upstream, through: through.href };
}
