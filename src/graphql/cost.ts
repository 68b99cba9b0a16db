import { costLimitRule, type CostLimitOptions } from '@escape.tech/graphql-armor-cost-limit';
import { ASTNode, FragmentDefinitionNode, Kind, OperationDefinitionNode, ValidationContext, ValidationRule, visit } from 'graphql';
import { MAX_PAGE_SIZE } from './page-size';

/** The hub's cost limit: a query costing more is refused before it runs (GRAPHQL_VALIDATION_FAILED). */
export const MAX_QUERY_COST = 250000;

/** A document's `first` and `last` literals above the largest page, as the largest page: what a page can hold. */
const clamped = new WeakMap<ASTNode, ASTNode>();
function withPageSizesClamped<T extends ASTNode>(node: T): T {
  let out = clamped.get(node);
  if (out === undefined) {
    out = visit(node, {
      Argument(arg) {
        if ((arg.name.value === 'first' || arg.name.value === 'last') && arg.value.kind === Kind.INT && Number(arg.value.value) > MAX_PAGE_SIZE) {
          return { ...arg, value: { ...arg.value, value: String(MAX_PAGE_SIZE) } };
        }
        return undefined;
      },
    });
    clamped.set(node, out);
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
  const rule = costLimitRule({ maxCost: MAX_QUERY_COST, ...options });
  return (context: ValidationContext) => {
    const getFragment = (name: string): FragmentDefinitionNode | null | undefined => {
      const fragment = context.getFragment(name);
      return fragment ? withPageSizesClamped(fragment) : fragment;
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
          visitor.onOperationDefinitionEnter(withPageSizesClamped(operation));
        },
      },
    };
  };
}
