import { raw, sql, Sql } from '../../src/db/sql';

describe('Sql.compileKept', () => {
  const statement = (id: string, withName: boolean) =>
    sql`SELECT ${withName ? raw('c.name') : raw('c.id')} FROM t c WHERE c.id = ANY (${[id]}) AND c.n > ${3}${sql` AND c.k = ${'k'}`}`;

  test('the text is built once per key and the values are gathered in the order compile numbers them', () => {
    const texts = new Map<string, string>();
    const first = statement('a', true).compileKept(texts, 'name');
    expect(first).toEqual(statement('a', true).compile());
    expect(first).toEqual({ text: 'SELECT c.name FROM t c WHERE c.id = ANY ($1) AND c.n > $2 AND c.k = $3', values: [['a'], 3, 'k'] });
    const second = statement('b', true).compileKept(texts, 'name');
    expect(second).toEqual({ text: first.text, values: [['b'], 3, 'k'] });
    expect(texts.size).toBe(1);
  });

  test('under the test suite, a key that does not decide the text fails instead of running another statement', () => {
    const texts = new Map<string, string>();
    statement('a', true).compileKept(texts, 'same');
    expect(() => statement('a', false).compileKept(texts, 'same')).toThrow('the statement kept under "same" is not this one');
  });

  test('outside the test suite the kept text is used and only the values are walked', () => {
    const texts = new Map<string, string>([['k', 'KEPT $1 $2']]);
    const env = process.env.NODE_ENV;
    jest.isolateModules(() => {
      process.env.NODE_ENV = 'production';
      try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const fresh = require('../../src/db/sql') as { sql: typeof sql; Sql: typeof Sql };
        const s = fresh.sql`SELECT ${fresh.sql`x = ${1}`} AND ${2}`;
        expect(s.compileKept(texts, 'k')).toEqual({ text: 'KEPT $1 $2', values: [1, 2] });
      } finally {
        process.env.NODE_ENV = env;
      }
    });
  });
});
