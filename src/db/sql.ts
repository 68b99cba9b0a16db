/**
 * A small SQL fragment builder: `sql\`... ${value} ...\`` keeps values out of the text (they become $1, $2 …), and a
 * fragment interpolated into another is spliced in, so fragments compose into any statement without string pasting.
 */
export class Sql {
  constructor(
    readonly strings: readonly string[],
    readonly values: readonly unknown[],
  ) {}

  compile(): { text: string; values: unknown[] } {
    const values: unknown[] = [];
    let text = '';
    const walk = (s: Sql) => {
      s.strings.forEach((str, i) => {
        text += str;
        if (i < s.values.length) {
          const v = s.values[i];
          if (v instanceof Sql) walk(v);
          else {
            values.push(v);
            text += `$${values.length}`;
          }
        }
      });
    };
    walk(this);
    return { text, values };
  }

  /**
   * `compile` for a statement whose text is the same every time under `key`, only its values differing: its text is
   * built once, kept in `texts`, and then the values alone are gathered. A statement of a few kilobytes built anew for
   * every request (the case detail's) cost more to build and to name for its prepared statement (a hash of each new
   * string) than the rest of its way to PostgreSQL. Under the test suite (NODE_ENV=test) the text is built every time
   * and must be the one kept: a key that does not decide the whole text fails there rather than run another statement.
   */
  compileKept(texts: Map<string, string>, key: string): { text: string; values: unknown[] } {
    const kept = texts.get(key);
    if (kept === undefined || CHECK_KEPT_TEXTS) {
      const compiled = this.compile();
      if (kept === undefined) texts.set(key, compiled.text);
      else if (kept !== compiled.text) throw new Error(`the statement kept under "${key}" is not this one`);
      return kept === undefined ? compiled : { text: kept, values: compiled.values };
    }
    const values: unknown[] = [];
    const walk = (s: Sql) => {
      for (const v of s.values) {
        if (v instanceof Sql) walk(v);
        else values.push(v);
      }
    };
    walk(this);
    return { text: kept, values };
  }
}

const CHECK_KEPT_TEXTS = process.env.NODE_ENV === 'test';

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  return new Sql(strings, values);
}

/** Trusted SQL text (identifiers, keywords chosen by code, never user input). */
export function raw(text: string): Sql {
  return new Sql([text], []);
}

export function join(parts: Sql[], separator: string): Sql {
  if (parts.length === 0) return raw('');
  const strings: string[] = [''];
  const values: unknown[] = [];
  parts.forEach((p, i) => {
    if (i > 0) strings[strings.length - 1] += separator;
    values.push(p);
    strings.push('');
  });
  return new Sql(strings, values);
}

export const TRUE = raw('TRUE');
export const FALSE = raw('FALSE');

export function and(parts: Sql[]): Sql {
  return parts.length === 0 ? TRUE : sql`(${join(parts, ' AND ')})`;
}
