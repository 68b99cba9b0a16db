import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { CompiledQuery } from 'graphql-jit';
import { LRUCache } from 'lru-cache';
import { nullDirectiveCondition } from '../graphql/executor';
import { checkedVariables } from '../graphql/input-text';
import { introspectionFieldIn } from '../graphql/introspection';
import { HUB_GRAPHQL_RESPONSE_JSON, HUB_JSON, hubAnswerType } from './accept';
import type { Step } from './respond';

/** A query document Apollo has parsed, validated and run, with its operation and its compiled form. */
export interface KnownQuery {
  document: DocumentNode;
  operation: OperationDefinitionNode;
  compiled: CompiledQuery;
}

/**
 * The query texts Apollo has accepted: parsed, validated with every rule (graphql-armor's limits, reserved names),
 * resolved to a query operation and compiled, by text and operation name: at most 100 (as many compiled queries as the
 * executor's own cache keeps) and 2 M characters of text; a text evicted is simply Apollo's again. Only queries (a
 * mutation's fields run one after the other on graphql-js, a subscription is refused over HTTP) that select no
 * introspection field (`introspectionFieldIn`: whether a viewer may introspect depends on the viewer) are kept.
 */
export class KnownQueries {
  private readonly entries: LRUCache<string, Map<string, KnownQuery>>;
  /** Requests answered from here (tests and the benchmark read it). */
  hits = 0;

  constructor(max = 100, maxChars = 2_000_000) {
    this.entries = new LRUCache({ max, maxSize: maxChars, sizeCalculation: (_v, text) => Math.max(1, text.length) });
  }

  remember(text: string, operationName: string | undefined, query: KnownQuery): void {
    if (query.operation.operation !== 'query' || introspectionFieldIn(query.document) !== null) return;
    let byName = this.entries.get(text);
    if (!byName) {
      byName = new Map();
      this.entries.set(text, byName);
    }
    byName.set(operationName ?? '', query);
  }

  find(text: string, operationName: string | undefined): KnownQuery | undefined {
    return this.entries.get(text)?.get(operationName ?? '');
  }

  get size(): number {
    return this.entries.size;
  }
}

/** What the known-query step needs of the hub: how a request's context is built, how Apollo answers, how an answer is finished. */
export interface KnownQueryRoute<C> {
  schema: GraphQLSchema;
  known: KnownQueries;
  context(req: IncomingMessage, res: ServerResponse): Promise<C>;
  /** Apollo's answer to the request, with this context (built already, or failed). */
  apollo(req: IncomingMessage, res: ServerResponse, context: () => Promise<C>, next: (err?: unknown) => void): void;
  /** Before the operation runs: what Apollo's `didResolveOperation` does (`operationResolved`). */
  resolved(context: C, known: KnownQuery): void;
  /**
   * Whether the context's viewer is the one its credential's lookup found: the context may have been built on the
   * viewer the credential named last time, while the lookup was under way (`ViewerDb.confirmed`).
   */
  confirmed(context: C): Promise<boolean>;
  /** What a context that failed to be built reports of its error (logged and counted as `context` does it), returned. */
  refused(req: IncomingMessage, err: unknown): unknown;
  /** The request run again by Apollo from its credential, on a context of its own (a context that was not `confirmed`). */
  again(req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void;
  /** Makes the context as it was before anything ran, its transaction begun again, for Apollo to run the request again (`freshContext`). */
  fresh(context: C): Promise<void>;
  /** After it ran without errors: what Apollo's `willSendResponse` does (`answerReady`); the status when it is not 200. */
  ready(context: C, result: { data?: unknown; errors?: ReadonlyArray<unknown>; extensions?: Record<string, unknown> }, headers: Map<string, string>): Promise<number | undefined>;
}

/**
 * The top-level members of the answer's JSON, in their order (`data`, `data,extensions`, …): the federation gateway
 * passes an answer of `data` alone, or of `data` and an `extensions` holding only `redacted`, on as the hub wrote it
 * without parsing its data (src/federation/gateway.ts `passedOn`), which it could otherwise know only by parsing it
 * all. Set on this path's answers only, where the hub writes the object itself; an answer without it is parsed.
 */
export const ANSWER_PARTS_HEADER = 'x-answer-parts';

/** The members `JSON.stringify` writes of an answer (those not undefined), in Apollo's order. */
function answerParts(answer: { data?: unknown; errors?: unknown; extensions?: unknown }): string {
  return (['errors', 'data', 'extensions'] as const).filter((key) => answer[key] !== undefined).join(',');
}

const isRecord = (o: unknown): o is Record<string, unknown> => !!o && typeof o === 'object' && !Buffer.isBuffer(o) && !Array.isArray(o);

/**
 * POST /graphql of a query text Apollo has already accepted (`KnownQueries`), answered without Apollo's request
 * pipeline: the same context (`buildContext`: the credential, the rate limit, the viewer's transaction), the same checks
 * of the variables before anything runs (their coercion, text PostgreSQL cannot store, a null `@skip`/`@include`
 * condition, a null where a non-null value is needed), the same compiled query (graphql-jit over the same schema: the
 * same shield rules, resolvers, loaders and row-level security), the same `operationResolved` before and `answerReady`
 * after, the same body and headers. Apollo stays the one that answers anything else: a request not in that form, an
 * unknown text, variables that fail a check (before the context is built), a context that fails (Apollo formats that
 * error), and any answer with errors (Apollo runs the request again with a fresh context, on the connection's
 * transaction begun again: what it answers is what it would have answered alone; nothing is written by a query, and
 * the audit trail records only what the answer sent carries).
 */
export function knownQueryStep<C>(route: KnownQueryRoute<C>): Step {
  return (req, res, next) => {
    const body = (req as IncomingMessage & { body?: unknown }).body;
    // POST only: Express serves GET (and HEAD) of /graphql through the same steps, and parses a JSON body on them too.
    if (req.method !== 'POST' || !isRecord(body) || typeof body.query !== 'string') return next();
    const { operationName, variables, extensions } = body;
    // An empty name names no operation (Apollo refuses it); absent and null ask for the only one.
    if (operationName === '' || (operationName != null && typeof operationName !== 'string')) return next();
    if (variables != null && !isRecord(variables)) return next();
    if (extensions != null) return next();
    // The type Apollo would answer in (JSON, or GraphQL response JSON: a client or the gateway asking for it first);
    // any other (none allowed: Apollo's 406; the callback type of incremental delivery) is Apollo's to answer.
    const type = hubAnswerType(req.headers.accept);
    if (type !== HUB_JSON && type !== HUB_GRAPHQL_RESPONSE_JSON) return next();
    const known = route.known.find(body.query, operationName ?? undefined);
    if (!known) return next();
    const given = variables ?? undefined;
    const coerced = checkedVariables(route.schema, known.document, known.operation, given);
    if (coerced.errors || nullDirectiveCondition(known.document, coerced.coerced)) return next();
    route.known.hits++;
    route.context(req, res).then(
      async (context) => {
        route.resolved(context, known);
        const result = await known.compiled.query(undefined, context, coerced.coerced);
        // Built on the viewer the credential named last time, and the lookup found another (or none, or failed): no row
        // of this run was handed out (`ViewerDb.adopt`) and its transaction is gone; the request runs again from its
        // credential, as any request not on this path.
        let confirmed: boolean;
        try {
          confirmed = await route.confirmed(context);
        } catch (err) {
          // The lookup itself failed (the database unavailable): answered as a context that failed to be built.
          route.apollo(req, res, () => Promise.reject(route.refused(req, err)), next);
          return;
        }
        if (!confirmed) {
          route.again(req, res, next);
          return;
        }
        if (result.errors?.length) {
          await route.fresh(context);
          route.apollo(req, res, () => Promise.resolve(context), next);
          return;
        }
        const answer: { data?: unknown; errors?: ReadonlyArray<unknown>; extensions?: Record<string, unknown> } = { data: result.data };
        const headers = new Map<string, string>();
        const status = await route.ready(context, answer, headers);
        // Answered meanwhile (a stopping hub, its grace over, answered it 503: src/server.ts).
        if (res.headersSent) return;
        // Apollo's order of the fields (errors, data, extensions) and its compact JSON (`stringifyResult`), written as
        // its bytes: Node writes a string answer by joining it to the headers' text (the whole answer copied into a
        // new string) and encoding that again at the socket; bytes go out as they are, after the headers. On a 500-row
        // board (about 220 KB) that was 4–5 % of the hub's CPU per request, measured side by side.
        const body = Buffer.from(JSON.stringify({ errors: answer.errors, data: answer.data, extensions: answer.extensions }), 'utf8');
        for (const [name, value] of headers) res.setHeader(name, value);
        res.setHeader('content-type', type);
        res.setHeader(ANSWER_PARTS_HEADER, answerParts(answer));
        res.setHeader('content-length', body.length);
        res.statusCode = status ?? 200;
        res.end(body);
      },
      (err) => route.apollo(req, res, () => Promise.reject(err), next),
    ).catch(next);
  };
}
