import pg from 'pg';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source';
import { PostgresBus } from '../../src/live/bus';
import { encodeEvents, LIVE_CHANNEL, LiveEvent } from '../../src/live/events';
import { capturingLogger } from '../support/log';
import { TcpProxy, testDatabaseThroughProxy } from '../support/tcp-proxy';

/**
 * The LISTEN connection of live updates when it goes silent without closing (a firewall's or NAT's idle timeout, a
 * failover that sends no reset): no error and no end arrive, so only asking it to answer finds out. Through a proxy of
 * the test's that keeps the connection open and drops what crosses it. On a PostgreSQL server only.
 */
const onServer = process.env.LAPHUB_TEST_DB_KIND !== 'pglite';

(onServer ? describe : describe.skip)('the live-events connection gone silent', () => {
  let proxy: TcpProxy;
  let ds: DataSource;
  let direct: pg.Client;
  let bus: PostgresBus;

  beforeAll(async () => {
    const proxied = await testDatabaseThroughProxy();
    proxy = proxied.proxy;
    const upstream = proxied.upstream;
    ds = createDataSource(proxied.through, 2);
    await ds.initialize();
    direct = new pg.Client({ connectionString: upstream.href });
    await direct.connect();
  });
  afterAll(async () => {
    await bus?.stop();
    await ds.destroy().catch(() => undefined);
    await direct.end();
    await proxy.close();
  });

  test('is dropped once it does not answer, and made again: events flow', async () => {
    const captured = capturingLogger();
    bus = new PostgresBus(ds, captured.logger, { everyMs: 100, withinMs: 300 });
    const heard: LiveEvent[] = [];
    bus.listen((events) => heard.push(...events));
    await bus.start();
    const event = (n: number): LiveEvent => ({ topic: 'case', id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` });
    const notify = (n: number) => direct.query(`SELECT pg_notify($1, $2)`, [LIVE_CHANNEL, encodeEvents([event(n)])[0]]);
    await notify(1);
    while (heard.length === 0) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(heard).toEqual([event(1)]);

    proxy.silenceExisting();
    // Announced until one is heard: none is, until the bus has dropped the silent connection and listens on a new one.
    for (let n = 2; !heard.some((e) => e.id !== event(1).id); n++) {
      await notify(n);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(captured.lines.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['the live-events connection did not answer within 300 ms; reconnecting (events committed meanwhile are not delivered)', 'listening for live events again']),
    );
  });

  test('a new connection that goes silent before its LISTEN is answered is given up and made again, not waited for', async () => {
    const captured = capturingLogger();
    await bus?.stop();
    bus = new PostgresBus(ds, captured.logger, { everyMs: 100, withinMs: 300 });
    const heard: LiveEvent[] = [];
    bus.listen((events) => heard.push(...events));
    await bus.start();
    // From now on every connection goes silent when it sends its LISTEN: the one held (the check sends it again) and
    // each new one, right after it was made.
    proxy.silenceWhenSent('LISTEN lap_live');
    while (!captured.lines.some((l) => l.msg === 'cannot listen for live events; retrying')) await new Promise((resolve) => setTimeout(resolve, 50));
    // A warning with the reason, not an error with pg's stack: the database away is not a fault of the hub's.
    const retrying = captured.lines.find((l) => l.msg === 'cannot listen for live events; retrying')!;
    expect([retrying.level, retrying.reason, retrying.err]).toEqual([40, 'the live-events connection did not answer its LISTEN within 300 ms', undefined]);
    proxy.silenceWhenSent(null);
    const event: LiveEvent = { topic: 'case', id: '00000000-0000-4000-8000-000000000077' };
    while (heard.length === 0) {
      await direct.query(`SELECT pg_notify($1, $2)`, [LIVE_CHANNEL, encodeEvents([event])[0]]);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(heard[0]).toEqual(event);
  });
});
