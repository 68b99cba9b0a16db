import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../../src/config';
import { createHub, Hub } from '../../src/server';
import { caseId, cast, personId, startTestHub, TEST_SECRET, TestHub } from '../support/hub';

/**
 * Failures are named right (ENGINEERING "Errors and production defaults"): a database failure while a graphql-shield
 * rule is evaluated is an INTERNAL_SERVER_ERROR, logged — never a FORBIDDEN.
 */

let hub: TestHub;
beforeAll(async () => {
  hub = await startTestHub();
});
afterAll(() => hub.close());

async function caseRows(): Promise<unknown> {
  return hub.ds.query(`SELECT id, reference, title, summary, suspects FROM enforcement_case ORDER BY id`);
}

describe('a database failure inside a shield rule is an internal error, never FORBIDDEN', () => {
  /** A hub on the test database whose log lines are kept, in production mode. */
  async function loggingHub(): Promise<{ hub: Hub; url: string; lines: Array<Record<string, any>> }> {
    const lines: Array<Record<string, any>> = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) lines.push(JSON.parse(line));
        done();
      },
    });
    const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: TEST_SECRET, DATABASE_URL: process.env.LAPHUB_TEST_DB_URL });
    const other = await createHub({ config, ds: hub.ds, logger: pino({ level: 'info' }, sink) });
    const port = await other.listen(0, '127.0.0.1');
    return { hub: other, url: `http://127.0.0.1:${port}/graphql`, lines };
  }

  const update = `mutation($id: ID!) { updateCase(id: $id, input: { title: "Renamed" }) { id title } }`;

  test('the rule of updateCase cannot load the case: INTERNAL_SERVER_ERROR, logged, nothing written', async () => {
    const logging = await loggingHub();
    const token = await hub.tokenFor(personId(cast.isla), cast.isla);
    const send = async () => {
      const res = await fetch(logging.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: update, variables: { id: caseId('ICO-2004-008') } }),
      });
      return { status: res.status, body: await res.json() };
    };
    const before = await caseRows();
    try {
      // The rule's lookup is the first statement of the request that reads cases (the viewer and the endorsements are
      // read from other tables): with the table gone, the database fails inside the rule.
      await hub.ds.query(`ALTER TABLE enforcement_case RENAME TO enforcement_case_away`);
      let answer;
      try {
        answer = await send();
      } finally {
        await hub.ds.query(`ALTER TABLE enforcement_case_away RENAME TO enforcement_case`);
      }
      expect(answer).toEqual({
        status: 200,
        body: { data: null, errors: [{ message: 'Internal server error', path: ['updateCase'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] },
      });
      const logged = logging.lines.filter((l) => l.level === 50);
      expect(logged.map((l) => [l.msg, l.err?.message])).toEqual([
        ['unexpected error in a GraphQL request', 'relation "enforcement_case" does not exist'],
      ]);
      expect(await caseRows()).toEqual(before);
    } finally {
      await logging.hub.stop();
    }
  });

  test('the same rule with the database up: a viewer it refuses gets FORBIDDEN, nothing logged (the control)', async () => {
    const logging = await loggingHub();
    try {
      const token = await hub.tokenFor(personId(cast.liam), cast.liam);
      const before = await caseRows();
      const res = await fetch(logging.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: update, variables: { id: caseId('ICO-2004-008') } }),
      });
      expect({ status: res.status, body: await res.json() }).toEqual({
        status: 200,
        body: { data: null, errors: [{ message: 'Not allowed', locations: [{ line: 1, column: 22 }], path: ['updateCase'], extensions: { code: 'FORBIDDEN' } }] },
      });
      expect(logging.lines.filter((l) => l.level >= 50)).toEqual([]);
      expect(await caseRows()).toEqual(before);
    } finally {
      await logging.hub.stop();
    }
  });
});
