import pg from 'pg';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/data-source';
import { loadDemo } from '../../src/db/seed/demo';
import { createLogger } from '../../src/logger';
import { createHub } from '../../src/server';
import { TokenService } from '../../src/auth/tokens';
import { cast, GqlResult, personId, startTestHub, testHubEnv, TestHub } from '../support/hub';

/**
 * Lists ordered by a name are in the same order on every database: the names' code points (`COLLATE "C"`), as the
 * network report orders its keys — not the database's own collation, by which an en-US database (ICU) puts
 * "Canadian Radio-television…" before "CGI.br…" and the embedded one after it. The same demo network on a database
 * created with an ICU en-US collation answers as the run's database does, page by page (PostgreSQL only: the
 * embedded database has one collation).
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

const embedded = process.env.LAPHUB_TEST_DB_KIND === 'pglite';

const PARTICIPANTS = `query($after: String) { participants(first: 6, after: $after) { nodes { name } pageInfo { endCursor hasNextPage } } }`;

/** Every participant's name as `as` lists them, six to a page. */
async function names(gql: TestHub['gql']): Promise<string[]> {
  const all: string[] = [];
  let after: string | null = null;
  for (;;) {
    const r: GqlResult = await gql(PARTICIPANTS, { as: cast.ann, variables: { after } });
    expect(r.body.errors).toBeUndefined();
    all.push(...r.body.data.participants.nodes.map((n: { name: string }) => n.name));
    if (!r.body.data.participants.pageInfo.hasNextPage) return all;
    after = r.body.data.participants.pageInfo.endCursor;
  }
}

(embedded ? test.skip : test)('participants by name: the same pages on a database with an en-US collation as on the run’s', async () => {
  const base = new URL(process.env.LAPHUB_TEST_DB_URL!);
  const name = `${base.pathname.slice(1)}_icu`;
  const admin = new pg.Client({ connectionString: base.toString() });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`);
    const url = new URL(base);
    url.pathname = `/${name}`;
    const ds = await openDatabase(url.toString(), 2, true);
    try {
      // The database's own collation orders the two names the other way round: the order below is the hub's doing.
      const [own] = await ds.query(`SELECT 'Canadian' < 'CGI.br' AS canadian_first`);
      expect(own.canadian_first).toBe(true);
      await loadDemo(ds, hub.now);
      const config = loadConfig({ ...testHubEnv(url.toString()), RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_VIEWER: '0' });
      const icu = await createHub({ config, ds, logger: createLogger(config), liveEvents: 'in-process' });
      try {
        const port = await icu.listen(0, '127.0.0.1');
        const tokens = new TokenService(config);
        const gql: TestHub['gql'] = async (query, opts = {}) => {
          const token = await tokens.sign(personId(opts.as!), opts.as!);
          const res = await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
            body: JSON.stringify({ query, variables: opts.variables }),
          });
          return { status: res.status, body: (await res.json()) as never, statements: 0 };
        };
        const expected = await names(hub.gql);
        expect(expected.indexOf('CGI.br Anti-Spam Working Group')).toBeLessThan(expected.indexOf('Canadian Radio-television and Telecommunications Commission'));
        expect(await names(gql)).toEqual(expected);
      } finally {
        await icu.stop();
      }
    } finally {
      await ds.destroy();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
});
