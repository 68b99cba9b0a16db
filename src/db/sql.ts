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
}

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
