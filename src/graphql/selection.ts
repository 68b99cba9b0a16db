import { FieldNode, GraphQLResolveInfo, Kind, SelectionSetNode } from 'graphql';

/**
 * The names of the fields selected under `path` below the current field (`['nodes']`, `['edges', 'node']` …),
 * through named and inline fragments. An over-approximation: `@skip`/`@include` and type conditions are not evaluated,
 * so it is for prefetching — never for deciding what anyone may see.
 */
export function selectedFields(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: string[]): Set<string> {
  let level: SelectionSetNode[] = info.fieldNodes.flatMap((f) => (f.selectionSet ? [f.selectionSet] : []));
  for (const name of path) level = fieldsOf(info, level).filter((f) => f.name.value === name && f.selectionSet).map((f) => f.selectionSet!);
  return new Set(fieldsOf(info, level).map((f) => f.name.value));
}

/** The fields of selection sets, fragments flattened. */
function fieldsOf(info: Pick<GraphQLResolveInfo, 'fragments'>, sets: SelectionSetNode[]): FieldNode[] {
  const out: FieldNode[] = [];
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) out.push(s);
      else if (s.kind === Kind.INLINE_FRAGMENT) visit(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = info.fragments[s.name.value];
        if (fragment) visit(fragment.selectionSet);
      }
    }
  };
  sets.forEach(visit);
  return out;
}

/** The fields selected on the rows of a connection (or under `path` below them), through `nodes` or `edges { node }`. */
export function selectedOnRows(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>, path: string[] = []): Set<string> {
  return new Set([...selectedFields(info, ['nodes', ...path]), ...selectedFields(info, ['edges', 'node', ...path])]);
}

const fieldsOfField = new WeakMap<readonly FieldNode[], ReadonlySet<string>>();

/**
 * `selectedFields(info, [])`, worked out once per field of a document (keyed by its field nodes, which the parsed
 * document keeps): for a field that resolves once per row of a list, such as a segment's `discussedCases`.
 */
export function selectedHere(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): ReadonlySet<string> {
  let fields = fieldsOfField.get(info.fieldNodes);
  if (!fields) fieldsOfField.set(info.fieldNodes, (fields = selectedFields(info, [])));
  return fields;
}
