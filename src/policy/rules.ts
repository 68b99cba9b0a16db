import { allow, chain, rule } from 'graphql-shield';
import type { IRule } from 'graphql-shield';

type ShieldRule = IRule | ReturnType<typeof chain>;
import type { Context } from '../context';
import type { Viewer } from './viewer';

/** One entry of the rule tree: the graphql-shield rule and the one-line reason it exists (citing the plan). */
export interface Permission {
  rule: ShieldRule;
  reason: string;
  /**
   * The same rule as a synchronous predicate, for rules that read only the viewer and the row as its statement loaded
   * it (`viewerRule`, `rowRule`): on the fields of object types (not the root types) it is applied directly, without
   * graphql-shield's asynchronous middleware (src/schema.ts, `applyPermissions`), with the same outcome: the
   * resolver's answer when it holds, the denial (`null` and `extensions.redacted`) when it does not.
   */
  check?: (parent: any, ctx: Context) => boolean;
  /**
   * On a reference to a row of its own (`personRef`): whether the row names one. A reference that is set but resolves
   * to null is a row the viewer may not see, noted in `extensions.redacted` (src/schema.ts, `applyPermissions`).
   */
  references?: (parent: any) => boolean;
}

export type PermissionTree = Record<string, Record<string, Permission>>;

/**
 * A field anyone who can see the row may read: visibility was decided once, by the row-level security of the statement that loaded the row.
 * Left unwrapped at run time (no middleware call), but still an explicit entry of the deny-by-default tree.
 */
export function open(reason: string): Permission {
  return { rule: allow, reason };
}

/**
 * A reference to a person on a row the viewer sees (`author`, `grantedBy`, `recordedBy`, …): the resolver loads the person
 * through row-level security on people (person_read), which decides. A reference that is set but resolves to null is a
 * person the viewer may not see: the null is noted in `extensions.redacted` (DOMAIN §3: a part of a visible row that is
 * withheld), so that it does not read as a row that names nobody. One that is not set (a request not decided yet, a
 * read by an API key) is a plain null.
 */
export function personRef<T>(idOf: (row: T) => string | null | undefined, reason: string): Permission {
  return { rule: allow, reason: `${reason}; the person passes row-level security on people (person_read)`, references: (row: T) => idOf(row) != null };
}

/** A rule on the viewer alone (kind of viewer): evaluated once per request and cached by name for that request. */
export function viewerRule(name: string, predicate: (viewer: Viewer) => boolean, reason: string): Permission {
  return {
    rule: rule(name, { cache: 'contextual' })((_parent, _args, ctx: Context) => predicate(ctx.viewer)),
    reason,
    check: (_parent, ctx: Context) => predicate(ctx.viewer),
  };
}

/** A rule on the viewer and the row: never cached, evaluated for every row from what the statement that loaded it returned. */
export function rowRule<T>(name: string, predicate: (viewer: Viewer, row: T) => boolean, reason: string): Permission {
  return {
    rule: rule(name, { cache: 'no_cache' })((parent: T, _args, ctx: Context) => predicate(ctx.viewer, parent)),
    reason,
    check: (parent: T, ctx: Context) => predicate(ctx.viewer, parent),
  };
}

type ArgsCheck = (viewer: Viewer, args: Record<string, any>, ctx: Context) => Promise<boolean | Error>;

/**
 * A mutation rule: never for an API key; the viewer kind first, then a check of the rows the arguments name, loaded through the scoped
 * loaders (a row the viewer cannot see answers like a missing one).
 */
export function mutationRule(name: string, kind: (viewer: Viewer) => boolean, check: ArgsCheck | null, reason: string): Permission {
  // An API key is read-only (DOMAIN §8): every mutation is FORBIDDEN to it, whatever its organization may do (the
  // database refuses its writes too: the api_key_no_* policies).
  const kindRule = rule(`${name}:viewer`, { cache: 'contextual' })((_p, _a, ctx: Context) => !ctx.viewer.apiKey && kind(ctx.viewer));
  if (!check) return { rule: kindRule, reason };
  const rowsRule = rule(`${name}:rows`, { cache: 'no_cache' })((_p, args: Record<string, any>, ctx: Context) => check(ctx.viewer, args, ctx));
  return { rule: chain(kindRule, rowsRule), reason };
}

/** The structural types of a Relay connection: nothing of their own to protect (their rows are scoped). */
export function connectionPermissions(node: string): PermissionTree {
  const why = `structure of a ${node} list; its rows pass the row-level security of ${node}`;
  return {
    [`${node}Connection`]: { edges: open(why), nodes: open(why), pageInfo: open(why), totalCount: open(`${why}, counted under the same scope`) },
    [`${node}Edge`]: { cursor: open(why), node: open(why) },
  };
}
