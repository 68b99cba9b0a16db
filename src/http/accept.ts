import { LRUCache } from 'lru-cache';
import Negotiator from 'negotiator';

/**
 * What a GraphQL request's `Accept` header must allow, checked before anything of the request runs: Apollo Server (the
 * hub) and Yoga (the gateway) choose the answer's type only once the operation has run, so a mutation sent with an
 * `Accept` neither can answer in was written, and then answered 406 as if refused (its reads recorded in the audit
 * trail too). Each endpoint refuses such a request first, by the very test its server applies later.
 */

export const HUB_JSON = 'application/json; charset=utf-8';
export const HUB_GRAPHQL_RESPONSE_JSON = 'application/graphql-response+json; charset=utf-8';

/** The types the hub answers a GraphQL result in: Apollo Server's (`chooseContentTypeForSingleResultResponse`), in its order. */
const HUB_TYPES = [HUB_JSON, HUB_GRAPHQL_RESPONSE_JSON, 'application/json; callbackSpec=1.0; charset=utf-8'];

/** Whether the hub can answer in a type `accept` allows: no header (or an empty one) allows JSON; else as Apollo negotiates. */
export function hubAccepts(accept: string | undefined): boolean {
  return hubAnswerType(accept) !== undefined;
}

/** The answer types of the Accept headers seen last (a header is a client's text: a bounded cache, of short ones). */
const answerTypes = new LRUCache<string, string>({ max: 200 });

/**
 * The type Apollo answers a result in for this Accept header (`chooseContentTypeForSingleResultResponse`): JSON without
 * one (or an empty one), else the first of its types by the header's preference; undefined when it allows none.
 */
export function hubAnswerType(accept: string | undefined): string | undefined {
  if (!accept) return HUB_JSON;
  // '' for none: the cache keeps strings.
  let type = answerTypes.get(accept);
  if (type === undefined) {
    type = new Negotiator({ headers: { accept } }).mediaType(HUB_TYPES) ?? '';
    // A header of clients' usual length (at most 200 such kept: 40 KB).
    if (accept.length <= 200) answerTypes.set(accept, type);
  }
  return type || undefined;
}

/** The types the gateway answers in: Yoga's result processors (event stream, multipart, GraphQL response JSON, JSON). */
const GATEWAY_TYPES = ['text/event-stream', 'multipart/mixed', 'application/graphql-response+json', 'application/json'];

/**
 * Whether the gateway can answer in a type `accept` allows, as Yoga's `useResultProcessors` decides it: each listed type
 * whose charset is UTF-8 (or unnamed), its quality ignored, a `*` in it matching anything; no header allows anything.
 */
export function gatewayAccepts(accept: string | undefined): boolean {
  const asked = (accept || '*/*').replace(/\s/g, '').toLowerCase().split(',');
  return asked.some((entry) => {
    const [mediaType, ...params] = entry.split(';');
    if ((params.find((p) => p.includes('charset=')) ?? 'charset=utf-8') !== 'charset=utf-8') return false;
    const [askedPre, askedSuf] = mediaType.split('/');
    return GATEWAY_TYPES.some((type) => {
      const [pre, suf] = type.split('/');
      return (askedPre === '*' || askedPre === pre) && (askedSuf === '*' || askedSuf === suf);
    });
  });
}

/** The refusal's words: which types the endpoint answers in, and that nothing ran. */
export function notAcceptableMessage(endpoint: 'hub' | 'gateway'): string {
  const types = endpoint === 'hub' ? 'application/json or application/graphql-response+json' : 'application/json, application/graphql-response+json, text/event-stream or multipart/mixed';
  return `The Accept header allows none of the types the ${endpoint} answers GraphQL in (${types}, in UTF-8): nothing of the request was run`;
}
