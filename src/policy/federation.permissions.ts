import { rule } from 'graphql-shield';
import type { Context } from '../context';
import { forbidden } from '../graphql/errors';
import { open, PermissionTree } from './rules';
import { isMember } from './viewer';

/**
 * Whether this request may read the schema through Federation's `_service { sdl }` (ENGINEERING.md, production
 * defaults): the same setting as `__schema` and `__type` (`INTROSPECTION`, members only by default in production).
 * The plugin of `src/graphql/introspection.ts` refuses such a document before it runs; this rule keeps `_service`
 * closed on any path that executes without that plugin.
 */
export function mayReadSchema(ctx: Pick<Context, 'viewer' | 'config'>): boolean {
  return ctx.config.introspection === 'everyone' || isMember(ctx.viewer);
}

/** The rule tree of the hub's Federation fields (DOMAIN §6), merged into the hub's tree by `permissions.ts`. */
export const federationPermissions: PermissionTree = {
  Query: {
    _entities: open(
      'each representation is answered by its root lookup (src/federation/subgraph.ts), rule and row-level security included: hidden rows are null like missing ones',
    ),
    _service: {
      // An error, not a denial: `_service` is non-null, and a refused read of the schema is a FORBIDDEN, as for introspection.
      rule: rule('Query._service', { cache: 'contextual' })((_p, _a, ctx: Context) => mayReadSchema(ctx) || forbidden()),
      reason: 'the subgraph SDL is introspection: in production for signed-in members only (ENGINEERING.md, production defaults)',
    },
  },
  _Service: {
    sdl: open('the schema text, once `Query._service` has allowed reading it'),
  },
};
