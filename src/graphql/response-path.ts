import type { GraphQLResolveInfo } from 'graphql';

/** The response path of a field (its keys and list indexes), from the root. */
export function responsePath(info: Pick<GraphQLResolveInfo, 'path'>): Array<string | number> {
  const keys: Array<string | number> = [];
  for (let p: GraphQLResolveInfo['path'] | undefined = info.path; p; p = p.prev) keys.push(p.key);
  return keys.reverse();
}

/** The value at `path` in a response's `data`, or undefined where the path leaves it. */
export function valueAt(data: unknown, path: ReadonlyArray<string | number>): unknown {
  let at: unknown = data;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string | number, unknown>)[key];
  }
  return at;
}
