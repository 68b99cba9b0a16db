import { originalParsers, parseTextArray, parseTimestamptz, parseVarcharArray } from '../../src/db/type-parsers';
import { startTestHub, TestHub } from '../support/hub';

/**
 * The hub reads `timestamptz` and `text[]` columns with parsers of its own (src/db/type-parsers.ts): they must give
 * exactly the value node-postgres's own parsers give, for every text — read by position where the text has
 * PostgreSQL's usual form, handed to node-postgres's parser where it has not.
 */

/** The same value: Dates by their instant (NaN too), anything else by its JSON and its type. */
function same(a: unknown, b: unknown): boolean {
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && Object.is(a.getTime(), b.getTime());
  }
  return typeof a === typeof b && JSON.stringify(a) === JSON.stringify(b);
}

/** A small reproducible generator (the texts are the same every run). */
function generator(seed: number): (n: number) => number {
  let s = seed >>> 0;
  return (n) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('timestamptz', () => {
  const fixed = [
    '2026-12-07 04:27:55.012+00',
    '2026-12-07 04:27:55+00',
    '2026-12-07 04:27:55.1+00',
    '2026-12-07 04:27:55.123456+00',
    '2026-12-07 04:27:55.999999+00',
    '2024-02-29 23:59:59.999+05:30',
    '1900-01-01 00:00:00+00:19:32',
    '1883-11-18 12:03:57-04:56:02',
    '2026-03-29 01:30:00-03',
    '2026-03-29 01:30:00.5-09:30',
    '9999-12-31 23:59:59.999999+14',
    '1000-01-01 00:00:00-12',
    '0999-12-31 23:59:59+00',
    '0099-01-01 00:00:00+00',
    '0001-01-01 00:00:00+00 BC',
    '2026-12-07 04:27:55+00 BC',
    '12026-12-07 04:27:55+00',
    'infinity',
    '-infinity',
    '2026-12-07',
    '2026-12-07 04:27:55',
    '2026-12-07 04:27:55Z',
    '2026-12-07T04:27:55.012+00',
    '2026-12-07 04:27:55.1234567+00',
    '2026-12-07 04:27:55.+00',
    '2026-12-07 04:27:55.012+0',
    '2026-12-07 04:27:55.012+00:',
    '2026-12-07 04:27:55.012+00:3',
    '2026-12-07 04:27:55.012+00:30:',
    '2026-12-07 04:27:55.012+00 ',
    '2026-1x-07 04:27:55.012+00',
    '2026-12-07 04:27:55.012+aa',
    '2026-02-30 25:61:61+00',
    '',
  ];

  test.each(fixed)('%j reads as node-postgres reads it', (text) => {
    expect(same(parseTimestamptz(text), originalParsers.timestamptz(text))).toBe(true);
  });

  test('20,000 generated texts in PostgreSQL’s form read as node-postgres reads them', () => {
    const r = generator(13);
    const offsets = ['+00', '-05', '+01', '+05:30', '-03:30', '+12:45', '-00:25:21', '+00:19:32', '-11', '+14'];
    let differ: string[] = [];
    for (let i = 0; i < 20_000; i++) {
      const fraction = r(7);
      const text =
        `${pad(1000 + r(9000), 4)}-${pad(1 + r(12), 2)}-${pad(1 + r(28), 2)} ${pad(r(24), 2)}:${pad(r(60), 2)}:${pad(r(60), 2)}` +
        (fraction ? `.${pad(r(10 ** fraction), fraction)}` : '') +
        offsets[r(offsets.length)];
      if (!same(parseTimestamptz(text), originalParsers.timestamptz(text))) differ.push(text);
    }
    differ = differ.slice(0, 5);
    expect(differ).toEqual([]);
  });
});

test('PostgreSQL’s usual forms are read without node-postgres’s parsers; other forms are handed to them', () => {
  const timestamps = jest.spyOn(originalParsers, 'timestamptz');
  const arrays = jest.spyOn(originalParsers, 'textArray');
  try {
    parseTimestamptz('2026-12-07 04:27:55.012+00');
    parseTimestamptz('1900-01-01 00:00:00+00:19:32');
    parseTextArray('{SPAM,PHISHING}');
    parseTextArray('{a,NULL}');
    parseTextArray('{}');
    expect([timestamps.mock.calls.length, arrays.mock.calls.length]).toEqual([0, 0]);
    parseTimestamptz('infinity');
    parseTextArray('{"a b"}');
    expect([timestamps.mock.calls, arrays.mock.calls]).toEqual([[['infinity']], [['{"a b"}']]]);
  } finally {
    timestamps.mockRestore();
    arrays.mockRestore();
  }
});

describe('text[] and varchar[]', () => {
  const fixed = [
    '{}',
    '{SPAM}',
    '{SPAM,PHISHING,ONLINE_FRAUD}',
    '{a,NULL,b}',
    '{NULL}',
    '{"NULL"}',
    '{null,Null}',
    '{"",a}',
    '{"a b",c}',
    '{"a,b",c}',
    '{"a\\"b",c}',
    '{"a\\\\b"}',
    '{{a,b},{c,d}}',
    '[0:1]={a,b}',
    '{é,ü,日本}',
    '{a,,b}',
    '{,}',
    '{a}x',
    '',
    '{',
  ];

  test.each(fixed)('%j reads as node-postgres reads it', (text) => {
    let mine: unknown;
    let theirs: unknown;
    try {
      theirs = originalParsers.textArray(text);
    } catch (err) {
      theirs = `throws ${(err as Error).message}`;
    }
    try {
      mine = parseTextArray(text);
    } catch (err) {
      mine = `throws ${(err as Error).message}`;
    }
    expect(mine).toEqual(theirs);
    try {
      mine = parseVarcharArray(text);
    } catch (err) {
      mine = `throws ${(err as Error).message}`;
    }
    expect(mine).toEqual(theirs);
  });
});

describe('as the database writes them', () => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await startTestHub();
  });
  afterAll(async () => {
    await hub.close();
  });

  test('timestamps in several time zones and eras, and text arrays with every kind of element, read as node-postgres reads the same text', async () => {
    const zones = ['UTC', 'Asia/Kolkata', 'America/St_Johns', 'Europe/Amsterdam', 'Pacific/Chatham', 'America/New_York'];
    const instants = [
      '2026-12-07 04:27:55.012345+00',
      '2024-02-29 23:59:59.999+00',
      '2026-03-29 01:30:00+00',
      '1900-01-01 00:00:00+00',
      '1883-11-18 12:00:00+00',
      '0050-06-01 00:00:00+00',
      '0044-03-15 12:00:00+00 BC',
      '9999-12-31 23:59:59.999999+00',
      'infinity',
      '-infinity',
    ];
    const arrays = [
      `ARRAY[]::text[]`,
      `ARRAY['SPAM','PHISHING']`,
      `ARRAY['a b', 'c,d', 'e"f', 'g\\h', '', 'NULL', 'null', NULL, '{x}', 'é日本']`,
      `ARRAY[['a','b'],['c','d']]`,
      `'[0:1]={a,b}'::text[]`,
    ];
    const runner = hub.ds.createQueryRunner();
    await runner.connect();
    try {
      for (const zone of zones) {
        await runner.query(`SET TimeZone = '${zone}'`);
        for (const instant of instants) {
          const [row] = await runner.query(`SELECT $1::timestamptz AS v, $1::timestamptz::text AS t`, [instant]);
          expect({ zone, instant, text: row.t, same: same(row.v, originalParsers.timestamptz(row.t)) }).toEqual({ zone, instant, text: row.t, same: true });
        }
      }
      for (const array of arrays) {
        const [row] = await runner.query(`SELECT a AS v, a::text AS t, a::varchar[] AS w FROM (SELECT ${array} AS a) x`);
        expect(row.v).toEqual(originalParsers.textArray(row.t));
        expect(row.w).toEqual(originalParsers.varcharArray(row.t));
      }
    } finally {
      await runner.query(`RESET TimeZone`);
      await runner.release();
    }
  });
});
