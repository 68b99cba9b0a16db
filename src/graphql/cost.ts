import { costLimitRule, type CostLimitOptions } from '@escape.tech/graphql-armor-cost-limit';
import {
  ArgumentNode,
  ASTNode,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  SelectionNode,
  validate,
  ValidationContext,
  ValidationRule,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './page-size';

/** The hub's cost limit: a query costing more is refused before it runs (GRAPHQL_VALIDATION_FAILED). */
export const MAX_QUERY_COST = 250000;

/**
 * A refusal's message as the client reads it: armor's words without the "Syntax Error: " of a query that parsed, and
 * for the cost limit what to do about it.
 */
export function limitMessage(armorMessage: string): string {
  const message = armorMessage.replace(/^Syntax Error: /, '');
  if (!/^Query Cost limit of /.test(message)) return message;
  // Armor's cost is fractional (each level of nesting weighs 1.5): said as the whole number above it, still over the
  // limit. One of 10^21 or more is printed with an exponent (`6.6e+28`) and stays so: its mantissa is no cost.
  const whole = message.replace(/found (\d+)\.\d+\.$/, (_, n: string) => `found ${BigInt(n) + 1n}.`);
  return `${whole} Ask for smaller pages: give each list a first (one without it counts as ${DEFAULT_PAGE_SIZE} rows).`;
}

/**
 * A document as the cost limit counts it: a `first` or `last` written above the largest page as the largest page (what
 * a page can hold), and a page whose size is not given — a field that takes `first`, given neither `first` nor `last`,
 * or given them as null — as the default page it returns (`DEFAULT_PAGE_SIZE`), where armor counted it as one row. Per schema and node.
 */
const counted = new WeakMap<GraphQLSchema, WeakMap<ASTNode, ASTNode>>();
function withPageSizesCounted<T extends ASTNode>(node: T, schema: GraphQLSchema): T {
  let bySchema = counted.get(schema);
  if (!bySchema) counted.set(schema, (bySchema = new WeakMap()));
  let out = bySchema.get(node);
  if (out === undefined) {
    const typeInfo = new TypeInfo(schema);
    out = visit(
      node,
      visitWithTypeInfo(typeInfo, {
        Field(field) {
          const args = field.arguments ?? [];
          // `first: null` written in the query asks for the default page too.
          if (args.some((a) => PAGE_ARGUMENTS.has(a.name.value) && a.value.kind !== Kind.NULL)) return undefined;
          if (!typeInfo.getFieldDef()?.args.some((a) => a.name === 'first')) return undefined;
          const rest = args.filter((a) => !PAGE_ARGUMENTS.has(a.name.value));
          return { ...field, arguments: [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: intValue(DEFAULT_PAGE_SIZE) }, ...rest] };
        },
        Argument(arg) {
          if (PAGE_ARGUMENTS.has(arg.name.value) && arg.value.kind === Kind.INT && Number(arg.value.value) > MAX_PAGE_SIZE) {
            return { ...arg, value: { ...arg.value, value: String(MAX_PAGE_SIZE) } };
          }
          return undefined;
        },
      }),
    );
    bySchema.set(node, out);
  }
  return out as T;
}

/**
 * graphql-armor's cost limit, counting a page as at most `MAX_PAGE_SIZE` rows: armor multiplies a selection's cost by
 * its `first` literal as written, so `cases(first: 71429)` was refused as too costly (400 GRAPHQL_VALIDATION_FAILED,
 * "found 250001.5") while `cases(first: 5000)` got the page's own error (BAD_USER_INPUT `first: must be a whole number from 0 to 1000`),
 * and a `first` beyond 32 bits had the cost error before the value's own. A page never holds more than `MAX_PAGE_SIZE`
 * rows (a larger `first` is refused where the page is read), so the cost counts it so; every other rule of armor's is
 * unchanged (the operation and its fragments are costed with those literals only replaced).
 */
export function pageCostRule(options: CostLimitOptions = {}): ValidationRule {
  // A fragment costs what its fields do where it is spread, not a level of nesting more (armor counted each fragment
  // as one: a query split into fragments, as Relay and Apollo clients write them, cost 1.5 times more per fragment).
  const rule = costLimitRule({ maxCost: MAX_QUERY_COST, flattenFragments: true, ...options });
  return (context: ValidationContext) => {
    const getFragment = (name: string): FragmentDefinitionNode | null | undefined => {
      const fragment = context.getFragment(name);
      return fragment ? withPageSizesCounted(fragment, context.getSchema()) : fragment;
    };
    const costed = new Proxy(context, {
      get(target, key) {
        if (key === 'getFragment') return getFragment;
        const value = Reflect.get(target, key, target) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const visitor = rule(costed);
    return {
      OperationDefinition: {
        enter(operation: OperationDefinitionNode) {
          visitor.onOperationDefinitionEnter(rootFragmentsInlined(withPageSizesCounted(operation, context.getSchema()), getFragment));
        },
      },
    };
  };
}

/**
 * The operation with the fragments of its root selection (spread or inline, and theirs in turn) replaced by their
 * fields, each named fragment once: armor counts an operation's own fields without the factor it gives a nested
 * selection's, and a fragment's fields with it even when flattened, so `{ ...F } fragment F on Query { cases … }` cost
 * 1.5 times `{ cases … }`. (Below the root, a flattened fragment costs what its fields do, plus a constant.)
 */
function rootFragmentsInlined(operation: OperationDefinitionNode, getFragment: (name: string) => FragmentDefinitionNode | null | undefined): OperationDefinitionNode {
  const root = operation.selectionSet.selections;
  if (root.every((s) => s.kind === Kind.FIELD)) return operation;
  const seen = new Set<string>();
  const fields: FieldNode[] = [];
  const walk = (selections: readonly SelectionNode[]) => {
    for (const s of selections) {
      if (s.kind === Kind.FIELD) fields.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet.selections);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = getFragment(s.name.value);
        if (fragment) walk(fragment.selectionSet.selections);
      }
    }
  };
  walk(root);
  return { ...operation, selectionSet: { ...operation.selectionSet, selections: fields } };
}

const PAGE_ARGUMENTS = new Set(['first', 'last']);

/** Whether a document's cost depends on its variables: a page size given by a variable, or `_entities`. */
const sizedByVariables = new WeakMap<DocumentNode, boolean>();
export function costDependsOnVariables(document: DocumentNode): boolean {
  let found = sizedByVariables.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Field(field) {
        if (field.name.value === '_entities' || field.arguments?.some((a) => PAGE_ARGUMENTS.has(a.name.value) && a.value.kind === Kind.VARIABLE)) {
          found = true;
          return false;
        }
        return undefined;
      },
    });
    sizedByVariables.set(document, found);
  }
  return found;
}

const intValue = (n: number) => ({ kind: Kind.INT, value: String(n) }) as const;

/**
 * The cost limit (`pageCostRule`) of an operation counted with its variables' values — what validation, which runs
 * before the variables are known, cannot count: a page size given by a variable (`cases(first: $n)`, or a default
 * `$n: Int = 1000`) counts as the page it asks for, as it would written in the query, and `_entities` counts its
 * selection once per representation (a list written in the query or a variable's). Without it, a query refused with
 * its page sizes written in (`cases(first: 1000) { … cases(first: 1000) … }`) ran with the same sizes as variables.
 * The refusal is armor's, as for a literal: GRAPHQL_VALIDATION_FAILED. Null when under the limit, or when the cost
 * does not depend on variables (most documents: checked once per document).
 */
export function variableCostRefusal(schema: GraphQLSchema, document: DocumentNode, operation: OperationDefinitionNode, variables: Record<string, unknown>): GraphQLError | null {
  if (!costDependsOnVariables(document)) return null;
  const sized = (field: FieldNode): FieldNode => {
    let args: ArgumentNode[] = (field.arguments ?? []).map((arg) => {
      if (!PAGE_ARGUMENTS.has(arg.name.value) || arg.value.kind !== Kind.VARIABLE) return arg;
      const value = variables[arg.value.name.value];
      // Not given (null, or a variable left out): the default page, as the page itself reads it.
      if (value === null || value === undefined) return { ...arg, value: intValue(DEFAULT_PAGE_SIZE) };
      return typeof value === 'number' && Number.isFinite(value) ? { ...arg, value: intValue(Math.max(0, Math.trunc(value))) } : arg;
    });
    if (field.name.value === '_entities') {
      const given = args.find((a) => a.name.value === 'representations')?.value;
      const count =
        given?.kind === Kind.LIST ? given.values.length : given?.kind === Kind.VARIABLE && Array.isArray(variables[given.name.value]) ? (variables[given.name.value] as unknown[]).length : 1;
      // Armor multiplies a selection by the first `first` or `last` it finds among the field's arguments.
      args = [{ kind: Kind.ARGUMENT, name: { kind: Kind.NAME, value: 'first' }, value: intValue(count) }, ...args];
    }
    return { ...field, arguments: args };
  };
  const definitions = document.definitions
    .filter((d) => d === operation || d.kind === Kind.FRAGMENT_DEFINITION)
    .map((d) => visit(d, { Field: (field: FieldNode) => sized(field) }));
  let refusal: GraphQLError | null = null;
  const rule = pageCostRule({
    propagateOnRejection: false,
    onReject: [
      (_context, error) => {
        refusal ??= new GraphQLError(limitMessage(error.message), { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      },
    ],
  });
  validate(schema, { ...document, definitions }, [rule]);
  return refusal;
}
