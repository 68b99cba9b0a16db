import type { ApolloServerPlugin } from '@apollo/server';
import { ASTNode, DocumentNode, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, ValueNode, visit } from 'graphql';
import { costDependsOnVariables, variableCostRefusal } from './cost';
import { nullIntoNonNull } from './executor';
import { argumentPathOfVariable, coercedVariables } from './input-errors';

const loneSurrogate = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The control characters of C0, DEL and C1 but tab, line feed and carriage return, which multi-line texts hold. */
const control = /[\u0001-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;

/**
 * The explicit bidirectional formatting characters — embeddings (LRE, RLE), overrides (LRO, RLO), their end (PDF) and
 * the isolates (LRI, RLI, FSI, PDI) — which show the characters after them in another order than they are written: a
 * title that reads one way and says another (`invoice\u202Efdp.exe` shows as `invoiceexe.pdf`, and so does
 * `invoice\u2067pdf\u200F.exe`). Right-to-left text needs none of them: the Unicode bidirectional algorithm orders it,
 * and the marks (LRM, RLM, ALM), which only set the direction of the characters beside them, stay.
 */
const override = /[\u202A-\u202E\u2066-\u2069]/;

/** A character as Unicode names it: U+0007. */
function codePoint(ch: string): string {
  return `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * What is wrong with a string as text of the network, or null: PostgreSQL refuses a NUL character in text (the only
 * character a UTF-8 database rejects), and `pg` would store a lone UTF-16 surrogate as U+FFFD — silently altered. A
 * control character (a bell, an escape, a backspace: nothing a person writes, and what a terminal or a CSV reader may
 * act on) and an explicit bidirectional formatting character (text shown in another order than it is written, to
 * every reader) are refused too; tab, line feed and carriage return stay, and so do the direction marks.
 */
export function textProblem(value: string): string | null {
  if (value.includes('\u0000')) return 'must not contain a NUL character (U+0000)';
  if (loneSurrogate.test(value)) return 'must be well-formed Unicode (it contains a lone surrogate)';
  const controlled = control.exec(value);
  if (controlled) return `must not contain a control character (${codePoint(controlled[0])})`;
  const overridden = override.exec(value);
  if (overridden) return `must not contain a bidirectional formatting character (${codePoint(overridden[0])}), which can show the text in another order than it is written`;
  return null;
}

/**
 * White space, and the characters that show nothing where they are the whole text: the format characters (zero-width
 * space, joiners, word joiner, byte-order mark, soft hyphen, direction marks: Unicode's Cf), the default-ignorable ones
 * (variation selectors, the combining grapheme joiner, Hangul fillers, the Mongolian vowel separator …) and the blank
 * Braille pattern.
 */
const invisible = /^[\s\p{Cf}\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/**
 * Whether a name, title, reason or answer is blank: nothing a list or a dashboard can show (`input.title: must not be
 * blank`). Three zero-width spaces are as blank as three spaces.
 */
export function isBlank(value: string): boolean {
  return invisible.test(value);
}

interface Problem {
  argument: string;
  problem: string;
}

/** The first string of a literal value (nested input objects and lists included) that is bad text, with its path. */
function inLiteral(value: ValueNode, path: string): Problem | null {
  switch (value.kind) {
    case Kind.STRING: {
      const problem = textProblem(value.value);
      return problem ? { argument: path, problem } : null;
    }
    case Kind.LIST:
      for (const [i, item] of value.values.entries()) {
        const found = inLiteral(item, `${path}[${i}]`);
        if (found) return found;
      }
      return null;
    case Kind.OBJECT:
      for (const field of value.fields) {
        const found = inLiteral(field.value, `${path}.${field.name.value}`);
        if (found) return found;
      }
      return null;
    default:
      return null;
  }
}

/**
 * The first string of a variable's JSON value that is bad text, with its path. Walked with a stack of its own, not by
 * recursion: a value nested thousands of levels deep (a JSON body allows it) is walked as any other, never overflowing
 * the call stack (a RangeError was an internal error).
 */
function inJson(value: unknown, path: string): Problem | null {
  const pending: Array<[unknown, string]> = [[value, path]];
  while (pending.length > 0) {
    const [item, at] = pending.pop()!;
    if (typeof item === 'string') {
      const problem = textProblem(item);
      if (problem) return { argument: at, problem };
    } else if (Array.isArray(item)) {
      // In order: the first bad string is the first one found walking the value as written.
      for (let i = item.length - 1; i >= 0; i--) pending.push([item[i], `${at}[${i}]`]);
    } else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item);
      for (let i = entries.length - 1; i >= 0; i--) pending.push([entries[i][1], `${at}.${entries[i][0]}`]);
    }
  }
  return null;
}

/** The argument path where a variable is used, in the operation or in any of the document's fragments. */
function variablePath(document: DocumentNode, operation: OperationDefinitionNode, name: string): string {
  for (const node of [operation, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)]) {
    const found = argumentPathOfVariable(node as OperationDefinitionNode, name);
    if (found) return found;
  }
  return `$${name}`;
}

/** Per operation (Apollo reuses the parsed document of a query text): the first bad string among its literals. */
const literalProblems = new WeakMap<OperationDefinitionNode, Problem | null>();

function badLiteralIn(document: DocumentNode, operation: OperationDefinitionNode): Problem | null {
  const known = literalProblems.get(operation);
  if (known !== undefined) return known;
  let found: Problem | null = null;
  const nodes: ASTNode[] = [operation, ...document.definitions.filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)];
  for (const node of nodes) {
    visit(node, {
      Argument(argument) {
        found ??= inLiteral(argument.value, argument.name.value);
        return false;
      },
      VariableDefinition(definition) {
        if (definition.defaultValue) found ??= inLiteral(definition.defaultValue, variablePath(document, operation, definition.variable.name.value));
        return false;
      },
    });
    if (found) break;
  }
  literalProblems.set(operation, found);
  return found;
}

/** The first bad string among the operation's arguments: literals (fragments and variable defaults included) and variables. */
export function badTextIn(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | undefined): Problem | null {
  let found = badLiteralIn(document, operation);
  if (found) return found;
  if (variables && typeof variables === 'object' && !Array.isArray(variables)) {
    for (const definition of operation.variableDefinitions ?? []) {
      const name = definition.variable.name.value;
      if (!Object.prototype.hasOwnProperty.call(variables, name)) continue;
      // The argument path is looked up (a walk of the document) only for a value that has a bad string.
      if (inJson(variables[name], '') === null) continue;
      return inJson(variables[name], variablePath(document, operation, name));
    }
  }
  return null;
}

/**
 * ENGINEERING: bad input is BAD_USER_INPUT, never INTERNAL_SERVER_ERROR. Every string an operation's arguments can
 * hold comes from a literal in the document or from a variable's value, so checking those before execution covers
 * every argument of every field — nested input objects and lists included — before any rule or resolver runs: text
 * PostgreSQL cannot store is refused with 400 BAD_USER_INPUT naming the argument (`input.title: …`), and nothing is
 * read or written. (Without it a NUL reached PostgreSQL, which fails the statement: an internal error.)
 */
export function inputTextPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          let refused = refusedText(document, operation, request.variables);
          if (!refused && costDependsOnVariables(document)) {
            // The cost limit with the variables' values (page sizes, representations), once they are known.
            const coerced = coercedVariables(schema, operation, request.variables);
            if (!coerced.errors) refused = variableCostRefusal(schema, document, operation, coerced.coerced);
          }
          if (refused) throw new GraphQLError(refused.message, { extensions: { ...refused.extensions, http: { status: 400 } } });
        },
      };
    },
  };
}

/** `badTextIn` as the error every path answers: BAD_USER_INPUT naming the argument (`input.title: must not contain …`). */
export function refusedText(document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown> | null | undefined): GraphQLError | null {
  const bad = badTextIn(document, operation, variables ?? undefined);
  return bad ? new GraphQLError(`${bad.argument}: ${bad.problem}`, { extensions: { code: 'BAD_USER_INPUT', argument: bad.argument } }) : null;
}

/**
 * The variables coerced to their types (`coercedVariables`), every text in the operation checked (`refusedText`) and no
 * null where a non-null value is needed (`nullIntoNonNull`), for the paths that check them themselves before anything runs (a subscription over WebSocket, the gateway).
 */
export function checkedVariables(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | null | undefined,
): { coerced: Record<string, unknown>; errors?: never } | { errors: GraphQLError[] } {
  const coerced = coercedVariables(schema, operation, variables);
  if (coerced.errors) return coerced;
  const refused = refusedText(document, operation, variables) ?? nullIntoNonNull(schema, document, coerced.coerced) ?? variableCostRefusal(schema, document, operation, coerced.coerced);
  return refused ? { errors: [refused] } : coerced;
}
