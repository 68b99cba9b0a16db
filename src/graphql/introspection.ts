import type { ApolloServerPlugin } from '@apollo/server';
import { DocumentNode, GraphQLError, visit } from 'graphql';
import type { Config } from '../config';
import { isMember, Viewer } from '../policy/viewer';

/**
 * The fields that describe the schema rather than the network's data: graphql-js's introspection (`__schema`,
 * `__type`) and Apollo Federation's `_service { sdl }`, which DOMAIN §6 counts as introspection too. (`__typename` is
 * not among them: clients need it to read answers.)
 */
export const introspectionFields: ReadonlySet<string> = new Set(['__schema', '__type', '_service']);

/** Per parsed document (Apollo reuses the document of a query text): the first introspection field it selects, if any. */
const found = new WeakMap<DocumentNode, string | null>();

export function introspectionFieldIn(document: DocumentNode): string | null {
  const known = found.get(document);
  if (known !== undefined) return known;
  let field: string | null = null;
  visit(document, {
    Field(node) {
      if (introspectionFields.has(node.name.value)) {
        field = node.name.value;
        return false;
      }
      return undefined;
    },
  });
  found.set(document, field);
  return field;
}

/**
 * The one place that decides whether a viewer may introspect (ENGINEERING "Errors and production defaults"): with
 * `INTROSPECTION=members` (the default in production) only signed-in members — AGENCY, COORDINATOR and PRIVATE
 * viewers — may; an anonymous caller, or a person whose organization is not endorsed, gets FORBIDDEN (403) before
 * anything runs. Every transport that executes documents (HTTP, subscriptions) asks this function.
 */
export function introspectionRefusal(document: DocumentNode, viewer: Viewer, config: Pick<Config, 'introspection'>): GraphQLError | null {
  if (config.introspection === 'everyone' || isMember(viewer)) return null;
  const field = introspectionFieldIn(document);
  if (!field) return null;
  return new GraphQLError(`Introspection (${field}) is only for signed-in members: send a member's bearer token or API key.`, {
    extensions: { code: 'FORBIDDEN', http: { status: 403 } },
  });
}

export function introspectionPlugin<T extends { viewer: Viewer; config: Config }>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, contextValue }) {
          const refusal = introspectionRefusal(document, contextValue.viewer, contextValue.config);
          if (refusal) throw refusal;
        },
      };
    },
  };
}
