import pg from 'pg';

/**
 * Faster readings of the two kinds of column every listing row carries (a case-board row: its timestamps, its
 * categories), for what PostgreSQL writes in its own output format, with node-postgres's parsers for everything else.
 *
 * node-postgres reads a `timestamptz` with three regular expressions (postgres-date) and a `text[]` one character at
 * a time, an object per character (postgres-array): 5–6 % of a CPU profile of the hub on a 500-row board. Side by
 * side the gain showed on the call agenda (its CPU per request ×0.91–0.93), not measurably on the board.
 * What PostgreSQL writes is far narrower: `2026-12-07 04:27:55.012+00` (ISO DateStyle, any offset), `{SPAM,PHISHING}`
 * (an element is quoted whenever it holds a quote, a backslash, a comma, a brace, white space, or is empty or `NULL`).
 * Those forms are read here by position; any other (a year before 1000 or after 9999, BC, infinity, an array with a
 * quoted element, of several dimensions or with bounds) goes to node-postgres's own parser, so the value is the one it
 * gives in every case (test/db/type-parsers.test.ts compares both over such texts).
 */

type Parser = (text: string) => unknown;

/** node-postgres's own parsers, taken before ours replace them. */
export const originalParsers = {
  timestamptz: pg.types.getTypeParser(pg.types.builtins.TIMESTAMPTZ, 'text') as Parser,
  textArray: pg.types.getTypeParser(1009 as never, 'text') as Parser,
  varcharArray: pg.types.getTypeParser(1015 as never, 'text') as Parser,
};

/** The decimal value of `length` ASCII digits at `at`, or -1 if any is not a digit. */
function digits(text: string, at: number, length: number): number {
  let n = 0;
  for (let i = at; i < at + length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/**
 * A `timestamptz` as PostgreSQL writes it with DateStyle ISO: `YYYY-MM-DD HH:MM:SS`, a fraction of up to six digits,
 * then the offset `±HH`, `±HH:MM` or `±HH:MM:SS`. The milliseconds are computed as postgres-date computes them
 * (`1000 * parseFloat(fraction)`, which `Date.UTC` truncates), so that the instant is the same to the millisecond.
 */
export function parseTimestamptz(text: string): unknown {
  const n = text.length;
  if (
    n < 22 ||
    text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 32 ||
    text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58
  ) {
    return originalParsers.timestamptz(text);
  }
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  if (year < 1000 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0) return originalParsers.timestamptz(text);
  let at = 19;
  let ms = 0;
  if (text.charCodeAt(at) === 46) {
    let end = at + 1;
    while (end < n && end - at <= 6) {
      const d = text.charCodeAt(end) - 48;
      if (d < 0 || d > 9) break;
      end++;
    }
    if (end === at + 1) return originalParsers.timestamptz(text);
    ms = 1000 * parseFloat(text.slice(at, end));
    at = end;
  }
  // The offset: a sign, two digits, then optionally :MM and :SS; nothing after it.
  const sign = text.charCodeAt(at);
  if ((sign !== 43 && sign !== 45) || n - at < 3) return originalParsers.timestamptz(text);
  const offsetHours = digits(text, at + 1, 2);
  let offsetMinutes = 0;
  let offsetSeconds = 0;
  let end = at + 3;
  if (end < n) {
    if (text.charCodeAt(end) !== 58 || n - end < 3) return originalParsers.timestamptz(text);
    offsetMinutes = digits(text, end + 1, 2);
    end += 3;
    if (end < n) {
      if (text.charCodeAt(end) !== 58 || n - end !== 3) return originalParsers.timestamptz(text);
      offsetSeconds = digits(text, end + 1, 2);
      end += 3;
    }
  }
  if (end !== n || offsetHours < 0 || offsetMinutes < 0 || offsetSeconds < 0) return originalParsers.timestamptz(text);
  const offset = (offsetHours * 3600 + offsetMinutes * 60 + offsetSeconds) * 1000 * (sign === 45 ? -1 : 1);
  return new Date(Date.UTC(year, month - 1, day, hour, minute, second, ms) - offset);
}

/**
 * A one-dimensional `text[]` (or `varchar[]`) none of whose elements PostgreSQL quoted: `{}`, `{a,b}`, `{a,NULL}` (an
 * unquoted NULL is the null element). Any quote, backslash or inner brace, or bounds before it (`[0:1]={…}`), and the
 * text goes to node-postgres's parser.
 */
function fastTextArray(kind: 'textArray' | 'varcharArray'): Parser {
  return (text: string) => {
    const original = originalParsers[kind];
    const n = text.length;
    if (n < 2 || text.charCodeAt(0) !== 123 || text.charCodeAt(n - 1) !== 125) return original(text);
    if (n === 2) return [];
    const inner = text.slice(1, -1);
    if (inner.includes('"') || inner.includes('\\') || inner.includes('{') || inner.includes('}')) return original(text);
    const parts: Array<string | null> = inner.split(',');
    for (let i = 0; i < parts.length; i++) {
      // An empty element is always quoted by PostgreSQL: an unquoted one is not its output.
      if (parts[i] === '') return original(text);
      if (parts[i] === 'NULL') parts[i] = null;
    }
    return parts;
  };
}

export const parseTextArray = fastTextArray('textArray');
export const parseVarcharArray = fastTextArray('varcharArray');

pg.types.setTypeParser(pg.types.builtins.TIMESTAMPTZ, parseTimestamptz);
pg.types.setTypeParser(1009 as never, parseTextArray);
pg.types.setTypeParser(1015 as never, parseVarcharArray);
