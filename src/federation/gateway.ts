import fs from 'node:fs';
import { randomUUID } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { Attributes, createGatewayRuntime, GatewayPlugin, GatewayRuntime, JSONLogWriter, Logger, LogLevel, LogWriter } from '@graphql-hive/gateway-runtime';
import httpTransport from '@graphql-mesh/transport-http';
import { composeServices } from '@theguild/federation-composition';
import {
  ConstDirectiveNode,
  DocumentNode,
  EnumValueNode,
  ExecutionArgs,
  ExecutionResult,
  FieldNode,
  FragmentSpreadNode,
  getDirectiveValues,
  getVariableValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  InlineFragmentNode,
  getNamedType,
  getOperationAST,
  GraphQLError,
  GraphQLSchema,
  Kind,
  OperationTypeNode,
  parse,
  print,
  SelectionNode,
  SelectionSetNode,
  Source,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import type { Path } from 'graphql/jsutils/Path';
import { requestTimeoutOptions } from '../config';
import { conditionalRootRefusal } from '../graphql/conditional-root';
import { MAX_QUERY_TOKENS, queryLimitRules } from '../graphql/limits';
import { valueAt } from '../graphql/response-path';
import { parsedTooDeep, tooDeepToParse } from '../graphql/errors';
import { MAX_LITERAL_NESTING } from '../graphql/executor';
import { checkedVariables } from '../graphql/input-text';
import { asValidationError, checkingDateTimes } from '../graphql/input-errors';
import { gatewayAccepts, notAcceptableMessage } from '../http/accept';
import { refuseSeveralAuthorizations, severalAuthorizations } from '../http/authorization';
import { corsFor } from '../http/cors';
import { GraphiqlPage } from '../http/graphiql';
import { ANSWER_PARTS_HEADER } from '../http/known-query';
import { acceptableId } from '../http/request-log';
import { CSRF_PREVENTION_HEADERS, NON_PREFLIGHTED_CONTENT_TYPES, notJsonMessage, refuseNotJson, simpleRequest } from '../http/content-type';
import { misplacedHttpCredentialMessage } from '../auth/connection-params';
import { refuseOnceOver, refuseTooLarge, undecodableBodyMessage } from '../http/body-limit';
import { answerClientError, answerWhatNodeRefuses, hostMissing, refuseHostless, SERVER_OPTIONS, MALFORMED_QUERY_STRING, notUtf8Charset, sendJson, startsWithBom, wellFormedQueryString } from '../http/respond';
import { closedWithin, closeListener, endRequestTimeoutChecks } from '../http/stopping';
import type { RedactionEntry } from '../policy/redaction';
import { cameFromGateway, clientForwardedFor, compileTrust, forwardedAuthorization, GATEWAY_BODY_LIMIT_BYTES, GATEWAY_VIA, gatewayLive, GatewayLive, TrustProxy } from './live';
import { bodyAnswer, persistedQueryAnswer, requestShapePlugin } from './request-shape';

/** The repository's root (from the source tree and from the compiled `dist/`). */
export const repositoryRoot = path.resolve(__dirname, fs.existsSync(path.resolve(__dirname, '../../package.json')) ? '../..' : '../../..');

/** The subgraphs of the composed demo graph: the hub, and one agency's complaints service (examples/complaints). */
export const subgraphFiles = {
  hub: 'subgraph.graphql',
  complaints: 'examples/complaints/schema.graphql',
} as const;
export type SubgraphName = keyof typeof subgraphFiles;

/**
 * The URLs written into the committed supergraph. The gateway never uses them as they are: it is given the real
 * location of each subgraph when it starts (`createGateway`), so the same committed file serves every deployment.
 */
const placeholderUrls: Record<SubgraphName, string> = {
  hub: 'http://hub.invalid/graphql',
  complaints: 'http://complaints.invalid/graphql',
};

/** `npm run compose`: the supergraph of the committed subgraph SDLs (@theguild/federation-composition). */
export function composeSupergraph(root = repositoryRoot): string {
  const result = composeServices(
    (Object.keys(subgraphFiles) as SubgraphName[]).map((name) => ({
      name,
      url: placeholderUrls[name],
      typeDefs: parse(fs.readFileSync(path.join(root, subgraphFiles[name]), 'utf8')),
    })),
  );
  if (result.errors) throw new Error(`composition failed:\n${result.errors.map((e) => `- ${e.message}`).join('\n')}`);
  return result.supergraphSdl.trimEnd() + '\n';
}

/** Response keys of a path, list indexes dropped (`complaints.0.case` → `complaints.case`), as the hub reports redactions. */
function collapsed(p: Path | undefined): string[] {
  const keys: string[] = [];
  for (let at = p; at; at = at.prev) if (typeof at.key === 'string') keys.push(at.key);
  return keys.reverse();
}

/**
 * From the supergraph: the fields another subgraph resolves (`Type.field`; the types only other subgraphs define
 * included), and for each hub entity another subgraph also names, a non-null scalar field only the hub resolves
 * (`Case` → `reference`).
 */
function supergraphFacts(supergraph: string): { foreign: Set<string>; hubFieldOf: Map<string, string>; keysOf: Map<string, Set<string>> } {
  const foreign = new Set<string>();
  const hubFieldOf = new Map<string, string>();
  const keysOf = new Map<string, Set<string>>();
  const graphsOf = (directives: readonly ConstDirectiveNode[] | undefined, name: string) =>
    (directives ?? []).filter((d) => d.name.value === name).flatMap((d) => d.arguments?.filter((a) => a.name.value === 'graph').map((a) => (a.value as EnumValueNode).value) ?? []);
  for (const def of parse(supergraph).definitions) {
    if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
    const typeGraphs = graphsOf(def.directives, 'join__type');
    // The fields of its keys (`key: "id"`): the top-level names of each key's selection.
    for (const d of def.directives ?? []) {
      const key = d.name.value === 'join__type' ? d.arguments?.find((a) => a.name.value === 'key')?.value : undefined;
      if (key?.kind !== Kind.STRING) continue;
      const names = keysOf.get(def.name.value) ?? new Set<string>();
      keysOf.set(def.name.value, names);
      for (const name of key.value.replace(/\{[^{}]*\}/g, ' ').split(/[\s,]+/)) if (name) names.add(name);
    }
    for (const field of def.fields ?? []) {
      const graphs = graphsOf(field.directives, 'join__field');
      const owners = graphs.length ? graphs : typeGraphs;
      if (!owners.includes('HUB')) foreign.add(`${def.name.value}.${field.name.value}`);
      const scalarNonNull = field.type.kind === Kind.NON_NULL_TYPE && field.type.type.kind === Kind.NAMED_TYPE && ['String', 'ID', 'Int', 'Float', 'Boolean'].includes(field.type.type.name.value);
      const others = typeGraphs.some((g) => g !== 'HUB');
      if (others && typeGraphs.includes('HUB') && scalarNonNull && graphs.length === 1 && graphs[0] === 'HUB' && !hubFieldOf.has(def.name.value)) {
        hubFieldOf.set(def.name.value, field.name.value);
      }
    }
  }
  return { foreign, hubFieldOf, keysOf };
}

/**
 * Which operations the gateway forwards to a hub whole (`forwardPlugin`): a query or a mutation whose every field the
 * hub alone resolves — the case board, a case, the calls, the hub's mutations — and that asks nothing of the schema
 * itself (`__schema`, `__type`: the composed graph's introspection is the gateway's to answer, not the hub's).
 * Subscriptions are never forwarded this way (src/federation/live.ts), nor is an operation that reaches another
 * subgraph's field (`complaints`, `Case.complaints`).
 */
export function forwardedWhen(supergraph: string): (args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName'>) => boolean {
  const { foreign } = supergraphFacts(supergraph);
  const decided = new WeakMap<DocumentNode, Map<string, boolean>>();
  return (args) => {
    let byName = decided.get(args.document);
    if (!byName) decided.set(args.document, (byName = new Map()));
    const key = args.operationName ?? '';
    let forwarded = byName.get(key);
    if (forwarded === undefined) byName.set(key, (forwarded = hubOnlyOperation(args, foreign)));
    return forwarded;
  };
}

function hubOnlyOperation(args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName'>, foreign: ReadonlySet<string>): boolean {
  const operation = getOperationAST(args.document, args.operationName);
  if (!operation || operation.operation === OperationTypeNode.SUBSCRIPTION) return false;
  const typeInfo = new TypeInfo(args.schema);
  let hubOnly = true;
  // Every field of the document (other operations' and unused fragments' too: an over-approximation that only ever
  // chooses the gateway's own execution).
  visit(
    args.document,
    visitWithTypeInfo(typeInfo, {
      Field(node) {
        const parent = typeInfo.getParentType();
        const field = typeInfo.getFieldDef();
        if (node.name.value === '__schema' || node.name.value === '__type') hubOnly = false;
        else if (!parent || !field || foreign.has(`${parent.name}.${field.name}`)) hubOnly = false;
      },
    }),
  );
  return hubOnly;
}

/** The HTTP answers of a hub that refuse a whole request, and the header that says when to send it again. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/**
 * A hub error as the gateway gives it to its client, as its own execution gives a subgraph's: the hub's message, path
 * and extensions, with `serviceName` (and no locations: the gateway's own execution gives none for a subgraph's error).
 * A refusal of the whole request (`http`: its status) is the request's, as `refusedCredentialPlugin` answers it, and
 * keeps the hub's locations when the hub was sent the client's own text (`clientText`: they are places in it), as the
 * gateway's own refusals of a document give theirs.
 */
function hubError(raw: unknown, http: Record<string, unknown> | null, clientText: string | null): GraphQLError {
  const e = (raw && typeof raw === 'object' ? raw : {}) as { message?: unknown; path?: unknown; extensions?: unknown; locations?: unknown };
  const message = typeof e.message === 'string' ? e.message : 'The hub answered an error without a message';
  const path = Array.isArray(e.path) && e.path.every((k) => typeof k === 'string' || typeof k === 'number') ? (e.path as Array<string | number>) : undefined;
  // The hub's own `http` (none in its answers; a proxy's, or a broken hub's) never sets the gateway's status or headers.
  const { http: _theirs, ...given } = e.extensions && typeof e.extensions === 'object' ? (e.extensions as Record<string, unknown>) : {};
  const extensions = { ...given, ...(http ? { http } : { serviceName: 'hub' }) };
  const positions = http && clientText !== null ? positionsIn(clientText, e.locations) : null;
  return positions ? new GraphQLError(message, { path, extensions, source: new Source(clientText!), positions }) : new GraphQLError(message, { path, extensions });
}

/**
 * The offsets in `text` of `locations` as graphql-js gives them (lines 1-based, split at CRLF, LF or CR; columns
 * 1-based, in UTF-16 code units), or null when any is not a place in `text`: the error is then given without them.
 */
function positionsIn(text: string, locations: unknown): number[] | null {
  if (!Array.isArray(locations) || locations.length === 0 || locations.length > 100) return null;
  const lineStarts = [0];
  for (const m of text.matchAll(/\r\n|[\n\r]/g)) lineStarts.push(m.index! + m[0].length);
  const positions: number[] = [];
  for (const l of locations) {
    const { line, column } = (l && typeof l === 'object' ? l : {}) as { line?: unknown; column?: unknown };
    if (!Number.isInteger(line) || !Number.isInteger(column) || (line as number) < 1 || (column as number) < 1 || (line as number) > lineStarts.length) return null;
    const start = lineStarts[(line as number) - 1];
    const end = (line as number) < lineStarts.length ? lineStarts[line as number] : text.length + 1;
    if (start + (column as number) - 1 >= end) return null;
    positions.push(start + (column as number) - 1);
  }
  return positions;
}

/**
 * The response keys of an operation's root fields, as its execution would give them (`@skip` and `@include` heeded,
 * with the variables as execution coerces them: a variable's default included), or null when its variables do not
 * coerce (the gateway's own execution answers that).
 */
function rootKeys(args: Pick<ExecutionArgs, 'schema' | 'document' | 'operationName' | 'variableValues'>): string[] | null {
  const operation = getOperationAST(args.document, args.operationName);
  const coerced = operation ? getVariableValues(args.schema, operation.variableDefinitions ?? [], (args.variableValues ?? {}) as Record<string, unknown>) : null;
  if (!coerced || coerced.errors) return null;
  const variables = coerced.coerced;
  const fragments = new Map(args.document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const keys = new Set<string>();
  const included = (node: FieldNode | InlineFragmentNode | FragmentSpreadNode) =>
    getDirectiveValues(GraphQLSkipDirective, node, variables)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const selection of set.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        if (selection.name.value !== '__typename') keys.add(selection.alias?.value ?? selection.name.value);
      } else if (selection.kind === Kind.INLINE_FRAGMENT) collect(selection.selectionSet);
      else if (!seen.has(selection.name.value)) {
        seen.add(selection.name.value);
        const fragment = fragments.get(selection.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation!.selectionSet);
  return [...keys];
}

/**
 * An operation the hub alone answers (`forwardedWhen`) is sent to a hub as the client wrote it — one hub request for
 * the whole document, with the client's variables — and the hub's answer is the client's: its data, its errors (paths
 * of the client's own document), its `extensions.redacted`. For a query, the gateway's own execution would take the
 * same answer apart and build it again field by field (a 500-row board: about ten thousand fields, each through the
 * delegation's bookkeeping), which was most of the gateway's CPU per board. For a mutation of several fields, its own
 * execution sends each field as a hub request of its own, so a refusal of a later field left the earlier ones
 * written, where the hub runs the document in one transaction and writes all of it or nothing (README). Everything
 * before execution is the gateway's as for any request: the body's checks, parsing, validation against the composed
 * schema, the limits, the variables' types. The fetch is the gateway's (its `onFetch` steps: the hubs in turn, a read
 * sent again once after a dropped connection and a mutation never, the request id), with the client's
 * `Authorization` and address chain, as every hub request.
 *
 * The hub's refusals of a whole request keep their status: 401 (the credential), 429 and 503 with `Retry-After`; the
 * gateway answers them with the same status, the hub's error and no data.
 */
export function forwardPlugin(supergraph: string, hubUrl: string, hubTimeoutMs: number, trust: TrustProxy): GatewayPlugin {
  const forwarded = forwardedWhen(supergraph);
  return {
    onExecute({ args, setExecuteFn }) {
      const context = args.contextValue as {
        request?: Request;
        params?: { query?: unknown };
        fetch?: (url: string, init: RequestInit & { headers: Record<string, string> }, context: unknown, info?: unknown) => Promise<Response>;
      };
      // Over HTTP only (a query sent over the gateway's WebSocket runs as the gateway runs it); and only when a field of
      // the hub runs: `{ __typename }`, or a document whose every root field is skipped, is the gateway's own to answer.
      if (!context?.request || typeof context.fetch !== 'function' || 'connectionParams' in context || !forwarded(args)) return;
      const keys = rootKeys(args);
      if (!keys?.length) return;
      const fetchFn = context.fetch;
      const request = context.request;
      // The client's own text when it sent one (the hub's locations are then places in it), else the document printed.
      const clientText = typeof context.params?.query === 'string' ? context.params.query : null;
      const query = clientText ?? print(args.document);
      setExecuteFn(async (a) => {
        const authorization = forwardedAuthorization(context, request);
        const xForwardedFor = clientForwardedFor(context, request, trust);
        const headers: Record<string, string> = {
          'content-type': 'application/json',
          accept: 'application/graphql-response+json, application/json;q=0.9',
          ...(authorization ? { authorization } : {}),
          ...(xForwardedFor ? { 'x-forwarded-for': xForwardedFor } : {}),
        };
        // The variables the operation declares, as the client sent them (others are no part of the request: the
        // gateway's own execution never sends them on either).
        const operation = getOperationAST(a.document, a.operationName);
        const declared = operation?.variableDefinitions ?? [];
        const given = (a.variableValues ?? {}) as Record<string, unknown>;
        const variables = Object.fromEntries(declared.flatMap((d) => (Object.hasOwn(given, d.variable.name.value) ? [[d.variable.name.value, given[d.variable.name.value]]] : [])));
        const body = JSON.stringify({ query, ...(a.operationName ? { operationName: a.operationName } : {}), ...(declared.length ? { variables } : {}) });
        const operationType = operation?.operation ?? OperationTypeNode.QUERY;
        const mutation = operationType === OperationTypeNode.MUTATION;
        // The gateway's own answers, as its own execution gives them: at each root field, nothing answered.
        const atEachRootField = (err: GraphQLError): ExecutionResult => ({
          data: null,
          errors: keys.map((key) => new GraphQLError(err.message, { path: [key], extensions: { ...err.extensions, serviceName: 'hub' } })),
        });
        const log = (context as { log?: { warn(attributes: object, message: string): void; error(attributes: object, message: string): void } }).log;
        let response: Response;
        let text: string;
        // The time limit of the whole answer, its body included (`instancesPlugin` holds each fetch to the same one).
        const deadline = AbortSignal.timeout(hubTimeoutMs);
        for (let attempt = 0; ; attempt++) {
          try {
            response = await fetchFn(hubUrl, { method: 'POST', headers, body, signal: deadline }, context, { executionRequest: { operationType, context } });
          } catch (err) {
            // Every hub refused the connection; a hub closed it twice (`instancesPlugin`).
            if (!(err instanceof GraphQLError)) throw err;
            return atEachRootField(err);
          }
          try {
            text = await response.text();
            break;
          } catch (err) {
            const gone = clientGoneSignal(context);
            if (gone?.aborted) return atEachRootField(givenUp(gone, 'hub', mutation));
            // The connection was cut while the answer was arriving (a hub killed, or a proxy before it): as a
            // connection closed before the answer, a read is sent once more and a mutation is not.
            if (deadline.aborted || timedOut(err)) {
              log?.error({ subgraph: 'hub', timeoutMs: hubTimeoutMs, mutation, requestId: request.headers.get('x-request-id') ?? undefined }, 'a hub did not answer in time');
              return atEachRootField(lateAnswer('hub', mutation, hubTimeoutMs));
            }
            const lost = connectionLost(err);
            if (!lost) {
              // A body its encoding does not decode (gzip that is not), or any other failure reading it: by its code.
              log?.error({ subgraph: 'hub', code: anyErrorCode(err) ?? 'unknown', mutation, requestId: request.headers.get('x-request-id') ?? undefined }, 'a hub answered with something that is not a readable HTTP answer');
              return atEachRootField(unreadableAnswer('hub', mutation));
            }
            const again = !mutation && attempt === 0;
            const line = { subgraph: 'hub', code: lost, mutation, requestId: request.headers.get('x-request-id') ?? undefined };
            if (again) log?.warn(line, 'a hub closed the connection while answering: the read is sent again');
            else log?.error(line, 'a hub closed the connection while answering');
            if (!again) return atEachRootField(lostAnswer('hub', mutation));
          }
        }
        const unparsed = passedOn(response, text);
        if (unparsed) return unparsed;
        let answer: { data?: unknown; errors?: unknown; extensions?: { redacted?: unknown; redactedEntities?: unknown } } | null = null;
        try {
          answer = JSON.parse(text);
        } catch {
          // not JSON: below
        }
        const isObject = (v: unknown) => v !== null && typeof v === 'object' && !Array.isArray(v);
        const graphqlResult =
          isObject(answer) &&
          (answer!.data === null || isObject(answer!.data) || (answer!.data === undefined && Array.isArray(answer!.errors) && answer!.errors.length > 0)) &&
          (answer!.errors === undefined || (Array.isArray(answer!.errors) && answer!.errors.every(isObject)));
        if (!graphqlResult) {
          // Not a hub's answer (a proxy's error page in front of a hub): the operator's to know, the client told so.
          const line = { subgraph: 'hub', status: response.status, contentType: response.headers.get('content-type'), requestId: request.headers.get('x-request-id') ?? undefined };
          log?.error(line, 'a hub answered without a GraphQL result');
          const message = `The hub answered ${response.status} without a GraphQL result: send the request again${mutation ? ' once you have read whether it was applied' : ''}`;
          return atEachRootField(new GraphQLError(message, { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 502 } } }));
        }
        // A refusal of the whole request (no data): its status, and when to send it again, as the hub answered.
        const retryAfter = response.headers.get('retry-after');
        const http = response.status !== 200 && answer!.data == null
          ? { status: response.status, ...(RETRY_AFTER_STATUSES.has(response.status) && retryAfter ? { headers: { 'Retry-After': retryAfter } } : {}) }
          : null;
        const result: ExecutionResult = { data: answer!.data as ExecutionResult['data'] };
        if (Array.isArray(answer!.errors) && answer!.errors.length) result.errors = answer!.errors.map((e) => hubError(e, http, clientText));
        if (Array.isArray(answer!.extensions?.redacted) && answer!.extensions.redacted.length) {
          result.extensions = { redacted: answer!.extensions.redacted };
          if (Array.isArray(answer!.extensions.redactedEntities)) result.extensions.redactedEntities = answer!.extensions.redactedEntities;
        }
        if (http === null && text.startsWith('{"data":') && writtenAsReceived(answer)) sentAsReceived(result, text);
        return result;
      });
    },
  };
}

/**
 * Whether the forwarded result holds the hub's whole answer and nothing else, so that its text can stand for it: `data`
 * alone, or `data` then `extensions` holding only a non-empty `redacted` (no errors: the gateway gives them its own
 * form, `hubError`; no other extension: the result leaves them out). The hub writes compact JSON (`JSON.stringify`,
 * `data` first: the caller checks the text begins `{"data":`), which is what writing the parsed answer gives again.
 */
function writtenAsReceived(answer: { data?: unknown; errors?: unknown; extensions?: Record<string, unknown> } | null): boolean {
  if (answer === null) return false;
  const keys = Object.keys(answer);
  if (keys.length === 1) return keys[0] === 'data';
  if (keys.length !== 2 || keys[0] !== 'data' || keys[1] !== 'extensions') return false;
  return onlyRedacted(answer.extensions);
}

/** Whether a hub answer's `extensions` holds nothing but a non-empty `redacted`: what the gateway passes on of them. */
function onlyRedacted(extensions: unknown): extensions is { redacted: unknown[] } {
  return (
    extensions !== null && typeof extensions === 'object' && Object.keys(extensions).length === 1 &&
    Array.isArray((extensions as { redacted?: unknown }).redacted) && (extensions as { redacted: unknown[] }).redacted.length > 0
  );
}

/**
 * A hub's answer that the hub says is `data` alone, or `data` and an `extensions` (`X-Answer-Parts`, set where the hub
 * writes the answer itself: src/http/known-query.ts), taken without parsing its data: a 500-row board's 220 KB were
 * parsed only to be written again as they came (`sentAsReceived`), a sixth of the gateway's CPU per board. Only a 200
 * whose text is an object of data (`{"data":{`) with an `extensions` holding nothing but a non-empty `redacted` (read
 * from the end of the text, where the hub writes it: no error, no other member, can follow it); anything else is
 * parsed and checked as before. The data is parsed when something reads it (the result's `data` is a getter): none of
 * the gateway's steps does for such an answer — they look at data only beside errors, or for entities of another
 * subgraph, which a forwarded operation never has.
 */
function passedOn(response: Response, text: string): ExecutionResult | null {
  if (response.status !== 200) return null;
  const parts = response.headers.get(ANSWER_PARTS_HEADER);
  if ((parts !== 'data' && parts !== 'data,extensions') || !text.startsWith('{"data":{') || !text.endsWith('}')) return null;
  const result = {} as ExecutionResult;
  if (parts === 'data,extensions') {
    const at = text.lastIndexOf(EXTENSIONS_MEMBER);
    if (at < 0) return null;
    let extensions: unknown;
    try {
      extensions = JSON.parse(text.slice(at + EXTENSIONS_MEMBER.length, -1));
    } catch {
      return null;
    }
    if (!onlyRedacted(extensions)) return null;
    result.extensions = { redacted: extensions.redacted };
  }
  let data: ExecutionResult['data'];
  Object.defineProperty(result, 'data', { enumerable: true, configurable: true, get: () => (data ??= JSON.parse(text).data) });
  sentAsReceived(result, text);
  return result;
}

/** How a compact JSON object writes its member `extensions` after another. */
const EXTENSIONS_MEMBER = ',"extensions":';

/**
 * A forwarded result whose written form is the hub's `text` (`writtenAsReceived`) is sent as that text: Yoga writes a
 * result with its own `stringify` (a 500-row board: a tenth of the gateway's CPU per request went to writing again
 * what it had just parsed). Only this very object: a plugin that changes a result makes a new one (`setResult`), which
 * neither carries the property (not enumerable: a spread leaves it) nor is written by it.
 */
function sentAsReceived(result: ExecutionResult, text: string): void {
  Object.defineProperty(result, 'stringify', { value: (written: unknown) => (written === result ? text : JSON.stringify(written)), enumerable: false });
}

/**
 * Carries the hub's `extensions.redacted` over to the gateway's client (DOMAIN §3, §6), with paths of the composed
 * query: an entry the hub reported under its own root field (`case.confidential`) is re-rooted at the gateway field the
 * fetch resolved. Entries for the same composed path are summed. Without this, a client of the gateway would get the
 * nulls without the reason. A subscription's events each carry their own.
 *
 * Entities the gateway fetched for another subgraph's rows (`_entities`: the cases of `complaints { case { … } }`) are
 * counted where the response carries them: one entity fetched once can stand in several places (two complaints
 * linking the same case, under two aliases), and the fetch's own path names only one of them. The hub says which
 * representation had what redacted (`extensions.redactedEntities`); every place of the response that holds that
 * entity — known by the value of the link's probe (`hubLinksPlugin`: the entity's reference, read from the hub with
 * it) — gets its entries, for the parts it selected.
 */
export function redactionsPlugin(): GatewayPlugin {
  const byRequest = new WeakMap<object, Map<string, number>>();
  /** Per request: for an entity by its probe value, the paths below it that the hub redacted, with their counts. */
  const entitiesOf = new WeakMap<object, Map<unknown, Map<string, number>>>();
  /** Per request: the response key of the probe in its document (`probeKeyFor`). */
  const probeKeyOf = new WeakMap<object, string>();
  const probeKeys = new WeakMap<DocumentNode, string>();
  const noteProbeKey = (context: object, document: DocumentNode) => {
    let key = probeKeys.get(document);
    if (key === undefined) probeKeys.set(document, (key = probeKeyFor(document)));
    probeKeyOf.set(context, key);
  };
  const collect = (context: object | undefined, at: string[], result: ExecutionResult) => {
    const redacted = result.extensions?.redacted as RedactionEntry[] | undefined;
    if (!context || !Array.isArray(redacted) || redacted.length === 0) return;
    const perEntity = result.extensions?.redactedEntities as Array<{ index: number; path: string; count: number }> | undefined;
    const entities = (result.data as { _entities?: unknown } | null | undefined)?._entities;
    const probeKey = probeKeyOf.get(context);
    if (Array.isArray(perEntity) && Array.isArray(entities) && probeKey !== undefined) {
      let byProbe = entitiesOf.get(context);
      if (!byProbe) entitiesOf.set(context, (byProbe = new Map()));
      for (const { index, path, count } of perEntity) {
        const probe = probeValueOf(entities[index], probeKey);
        if (probe === undefined) continue;
        let paths = byProbe.get(probe);
        if (!paths) byProbe.set(probe, (paths = new Map()));
        // Several fetches of one entity (other selections) report the same parts: each part is counted once per place.
        paths.set(path, Math.max(paths.get(path) ?? 0, count));
      }
      return;
    }
    let counts = byRequest.get(context);
    if (!counts) byRequest.set(context, (counts = new Map()));
    for (const entry of redacted) {
      const composed = [...at, ...entry.path.split('.').slice(1)].join('.');
      counts.set(composed, (counts.get(composed) ?? 0) + entry.count);
    }
  };
  /** Every place of `data` holding an entity of `byProbe`: its redacted parts that the place selected, counted. */
  const countPlaces = (data: unknown, key: string, byProbe: Map<unknown, Map<string, number>>, counts: Map<string, number>) => {
    const walk = (value: unknown, at: string[]) => {
      if (Array.isArray(value)) return value.forEach((v) => walk(v, at));
      if (value === null || typeof value !== 'object') return;
      const object = value as Record<string, unknown>;
      const paths = byProbe.get(probeValueOf(object, key));
      if (paths) {
        for (const [path, count] of paths) {
          if (!(path.split('.')[0] in object)) continue;
          const composed = [...at, path].join('.');
          counts.set(composed, (counts.get(composed) ?? 0) + count);
        }
      }
      for (const [key, v] of Object.entries(object)) walk(v, [...at, key]);
    };
    walk(data, []);
  };
  /** The entries collected for a response (a query's, or one event of a subscription), taken and cleared. */
  const withRedactions = (context: object, result: ExecutionResult): ExecutionResult | null => {
    const counts = byRequest.get(context) ?? new Map<string, number>();
    const byProbe = entitiesOf.get(context);
    const probeKey = probeKeyOf.get(context);
    if (byProbe && probeKey !== undefined && result.data) countPlaces(result.data, probeKey, byProbe, counts);
    byRequest.delete(context);
    entitiesOf.delete(context);
    if (counts.size === 0) return null;
    const redacted: RedactionEntry[] = [...counts]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([p, count]) => ({ path: p, code: 'FORBIDDEN', count }));
    return { ...result, extensions: { ...result.extensions, redacted } };
  };
  return {
    onSubgraphExecute({ executionRequest }) {
      const context = executionRequest.context as object | undefined;
      const at = collapsed(executionRequest.info?.path);
      return ({ result }) => {
        // A subscription's events arrive one by one: each carries the hub's entries for that event.
        if (Symbol.asyncIterator in (result as object)) return { onNext: ({ result: event }) => collect(context, at, event) };
        collect(context, at, result as ExecutionResult);
      };
    },
    onExecute({ args }) {
      const context = args.contextValue as object;
      noteProbeKey(context, args.document);
      return {
        onExecuteDone({ result, setResult }) {
          if (Symbol.asyncIterator in (result as object)) return;
          const next = withRedactions(context, result as ExecutionResult);
          if (next) setResult(next);
        },
      };
    },
    // Subscriptions: each event gets the entries of the hub's payload for that event (and of the fetches it caused).
    onSubscribe({ args }) {
      const context = args.contextValue as object;
      noteProbeKey(context, args.document);
      return {
        onSubscribeResult() {
          return {
            onNext({ result: event, setResult: setEvent }) {
              const next = withRedactions(context, event as ExecutionResult);
              if (next) setEvent(next);
            },
          };
        },
      };
    },
  };
}

/** The value of a linked hub entity's probe (`hubLinksPlugin`, under `key`) in `object`, or undefined where it has none. */
function probeValueOf(object: unknown, key: string): unknown {
  if (object === null || typeof object !== 'object') return undefined;
  const value = (object as Record<string, unknown>)[key];
  return value === null ? undefined : value;
}

/** The error graphql-js gives when a non-null field resolved null (the gateway's own, at the field's path). */
const NON_NULL_NULL = /^Cannot return null for non-nullable field [A-Za-z_][A-Za-z0-9_]*\.[A-Za-z_][A-Za-z0-9_]*\.$/;


/**
 * A link to a row the hub does not show this caller reads `null`, with no error, as the hub's own lookup answers
 * (DOMAIN §3: a hidden row is a missing one). Another subgraph names a hub entity by its key (`Complaint.case`: a
 * case id); the hub's `_entities` answers `null` for one this caller may not see, or that does not exist; the
 * gateway, told by the other subgraph that the entity is there, then finds the entity's non-null fields null and
 * reports the first of them as an error (`Cannot return null for non-nullable field Case.reference.`, masked as
 * "Unexpected error." with code INTERNAL_SERVER_ERROR), one per hidden link: a dashboard listing complaints would get
 * an error per case it may not see, and Apollo Client or urql with their default error policy would drop the whole
 * result. Such an error is dropped when all of these hold:
 * - it is that error of the gateway's graphql-js itself (a located plain Error; a subgraph's error is not one);
 * - the object it is in came out `null` in the response (the link reads null), or lies under one that did;
 * - every other error of the response about that object or below it is such an error too (a hub that failed on the
 *   entity reports its own error there, and then they all stay).
 * The hub never answers null for a non-null field of an entity it returns (graphql-js at the hub would fail it with
 * an error of its own), so the dropped error never hides a failure. It tells nothing either way: a hidden case and a
 * case id that does not exist read the same, with or without it.
 */
export function hiddenLinksPlugin(): GatewayPlugin {
  // graphql-js's own error about a non-null field that resolved null, in an object that came out null itself or lies
  // under one that did (a link to a hidden case inside the complaints of another: both are asked for at once).
  const candidate = (e: GraphQLError, data: unknown): boolean => {
    // graphql-js's own: the plain Error its executor throws, located at the field (a subgraph's error is not one).
    const own = e.originalError?.constructor === Error && e.originalError.message === e.message;
    if (!own || !NON_NULL_NULL.test(e.message) || !e.path || e.path.length < 2) return false;
    for (let end = e.path.length - 1; end > 0; end--) if (valueAt(data, e.path.slice(0, end)) === null) return true;
    return false;
  };
  const under = (path: readonly (string | number)[] | undefined, object: readonly (string | number)[]) =>
    !!path && object.every((key, i) => path[i] === key);
  return onEachResult((r) => {
    if (!r.errors?.length || !r.data) return null;
    const candidates = new Set(r.errors.filter((e) => candidate(e, r.data)));
    // Dropped only when every error about its object or below is such an error too: a hub that failed there keeps all.
    const kept = r.errors.filter((e) => !candidates.has(e) || r.errors!.some((other) => !candidates.has(other) && under(other.path, e.path!.slice(0, -1))));
    if (kept.length === r.errors.length) return null;
    const { errors: _dropped, ...rest } = r;
    return kept.length ? { ...rest, errors: kept } : rest;
  });
}

/**
 * The response key under which the gateway asks the hub for one of its fields of a linked entity (`hubLinksPlugin`):
 * this, or this with underscores added until no name of the client's document is the same.
 */
const HUB_LINK_PROBE = 'lapHubLink__';

/** A response key no name of `document` uses (a field, alias, fragment, argument or variable): the probe's for it. */
function probeKeyFor(document: DocumentNode): string {
  const names = new Set<string>();
  visit(document, {
    Name(node) {
      names.add(node.value);
    },
  });
  let key = HUB_LINK_PROBE;
  while (names.has(key)) key += '_';
  return key;
}

/**
 * A hub entity another subgraph links to (`Complaint.case`) is the hub's to show: a link to a case this caller may
 * not see reads `null`, whatever the client selects of it. Without this, a selection of the key alone (`case { id }`)
 * never reached the hub, and one of nullable fields only (`case { id confidential { summary } }`) came back as an
 * object of nulls: both showed a hidden case's id, where the hub's own `case(id)` shows nothing. Every selection of
 * such an entity under another subgraph's field gets one field more, a non-null field only the hub resolves
 * (`reference` for a case, under the alias `lapHubLink__`): the gateway asks the hub for it; when the hub answers
 * `null` for the entity, the link becomes `null` (hiddenLinksPlugin drops the gateway's own error about it). The
 * alias is taken out of the response.
 *
 * The alias is one the client's document does not use (`probeKeyFor`). A client's own field under the same response
 * key (`case { lapHubLink__: id }`) would otherwise be merged with the probe by graphql-js's field collection — one
 * field, the client's, so the hub was never asked and the hidden case's id came back.
 */
export function hubLinksPlugin(supergraph: string): GatewayPlugin {
  const { foreign, hubFieldOf, keysOf } = supergraphFacts(supergraph);
  /**
   * A key field of the link's entity that the client asks for under `@skip` or `@include` (`case { id @skip(if: true)
   * reference }`) goes into an inline fragment with those directives (`... @skip(if: true) { id }`), the same for
   * execution: the gateway's planner took the field for the key it needs to name the entity to the hub, so a skipped
   * key left it nothing to name it by, and every link read null, visible cases too.
   */
  const conditionalKeys = (selections: readonly SelectionNode[], keys: ReadonlySet<string> | undefined): SelectionNode[] =>
    selections.map((selection) => {
      const conditions = selection.kind === Kind.FIELD ? (selection.directives ?? []).filter((d) => d.name.value === 'skip' || d.name.value === 'include') : [];
      if (selection.kind !== Kind.FIELD || !keys?.has(selection.name.value) || conditions.length === 0) return selection;
      const field: FieldNode = { ...selection, directives: selection.directives!.filter((d) => !conditions.includes(d)) };
      return { kind: Kind.INLINE_FRAGMENT, directives: conditions, selectionSet: { kind: Kind.SELECTION_SET, selections: [field] } } satisfies InlineFragmentNode;
    });
  const probed = new WeakMap<DocumentNode, { document: DocumentNode; key: string } | null>();
  const withProbes = (schema: GraphQLSchema, document: DocumentNode): { document: DocumentNode; key: string } | null => {
    const typeInfo = new TypeInfo(schema);
    const key = probeKeyFor(document);
    let changed = false;
    const next = visit(
      document,
      visitWithTypeInfo(typeInfo, {
        Field(node) {
          const parent = typeInfo.getParentType();
          const type = typeInfo.getType();
          const hubField = type ? hubFieldOf.get(getNamedType(type).name) : undefined;
          if (!parent || !hubField || !node.selectionSet || !foreign.has(`${parent.name}.${node.name.value}`)) return undefined;
          changed = true;
          const probe: FieldNode = { kind: Kind.FIELD, alias: { kind: Kind.NAME, value: key }, name: { kind: Kind.NAME, value: hubField } };
          const selections = conditionalKeys(node.selectionSet.selections, keysOf.get(getNamedType(type!).name));
          return { ...node, selectionSet: { ...node.selectionSet, selections: [...selections, probe] } };
        },
      }),
    );
    return changed ? { document: next, key } : null;
  };
  const withoutProbes = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return value.map((v) => withoutProbes(v, key));
    if (value === null || typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (k !== key) out[k] = withoutProbes(v, key);
    return out;
  };
  const probedOf = (schema: GraphQLSchema, document: DocumentNode) => {
    let found = probed.get(document);
    if (found === undefined) probed.set(document, (found = withProbes(schema, document)));
    return found;
  };
  const strip =
    (key: string) =>
    ({ result, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => {
      if (result.data) setResult({ ...result, data: withoutProbes(result.data, key) as ExecutionResult['data'] });
    };
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      const found = probedOf(args.schema, args.document);
      if (!found) return;
      setExecuteFn((a) => executeFn({ ...a, document: found.document }));
      return {
        onExecuteDone({ result, setResult }) {
          if (!(Symbol.asyncIterator in (result as object))) strip(found.key)({ result: result as ExecutionResult, setResult });
        },
      };
    },
    // A subscription's events fetch the same links (`caseChanged { complaints { case { id } } }`): the same probe.
    onSubscribe({ args, subscribeFn, setSubscribeFn }) {
      const found = probedOf(args.schema, args.document);
      if (!found) return;
      setSubscribeFn((a) => subscribeFn({ ...a, document: found.document }));
      return {
        onSubscribeResult({ result }) {
          return Symbol.asyncIterator in (result as object) ? { onNext: strip(found.key) } : undefined;
        },
      };
    },
  };
}

/**
 * A plugin that may replace the result of every query and mutation, and every event of a subscription (`change`
 * answers null to keep it).
 */
function onEachResult(change: (result: ExecutionResult) => ExecutionResult | null): GatewayPlugin {
  const each = ({ result, setResult }: { result: ExecutionResult; setResult: (r: ExecutionResult) => void }) => {
    const next = change(result);
    if (next) setResult(next);
  };
  return {
    onExecute() {
      return {
        onExecuteDone({ result, setResult }) {
          if (!(Symbol.asyncIterator in (result as object))) each({ result: result as ExecutionResult, setResult });
        },
      };
    },
    onSubscribe() {
      return {
        onSubscribeResult({ result }) {
          return Symbol.asyncIterator in (result as object) ? { onNext: each } : undefined;
        },
      };
    },
  };
}

/**
 * A credential the hub refuses is refused for the whole request, at the gateway as at the hub: 401 with the hub's
 * `UNAUTHENTICATED` error and no data (a bad or expired token is never silently anonymous, and never a 200 whose
 * fields each carry the refusal). The hub answers `UNAUTHENTICATED` only when it refuses the request's credential
 * (src/graphql/errors.ts `unauthenticated`), so one such error from any of its fetches decides. Only the hub checks
 * tokens: a query that reaches none of its fields is answered as the other subgraphs answer it, whatever its token.
 * Subscriptions end with the same error (src/federation/live.ts). So is the hub's rate limit: 429 with `Retry-After` and
 * the hub's `RATE_LIMITED` error, whichever of the request's hub fetches met it.
 */
export function refusedCredentialPlugin(): GatewayPlugin {
  const refused = new WeakMap<object, GraphQLError>();
  return {
    onSubgraphExecute({ subgraphName, executionRequest }) {
      const context = executionRequest.context as object | undefined;
      if (subgraphName !== 'hub' || !context) return;
      return ({ result }) => {
        if (Symbol.asyncIterator in (result as object) || refused.has(context)) return;
        const errors = (result as ExecutionResult).errors ?? [];
        const unauthenticated = errors.find((e) => e.extensions?.code === 'UNAUTHENTICATED');
        if (unauthenticated) {
          refused.set(context, new GraphQLError(unauthenticated.message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } }));
          return;
        }
        // The hub's rate limit (each root field is a hub request of its own here, so a request may meet it part way):
        // the whole request refused, 429 with Retry-After, as the hub answers it.
        const limited = errors.find((e) => e.extensions?.code === 'RATE_LIMITED');
        if (limited) {
          const seconds = Number(limited.extensions?.retryAfterSeconds);
          const retryAfter = Number.isInteger(seconds) && seconds > 0 ? seconds : 1;
          refused.set(context, new GraphQLError(limited.message, {
            extensions: { code: 'RATE_LIMITED', retryAfterSeconds: retryAfter, http: { status: 429, headers: { 'Retry-After': String(retryAfter) } } },
          }));
        }
      };
    },
    onExecute({ args }) {
      const context = args.contextValue as object;
      return {
        onExecuteDone({ result, setResult }) {
          const error = refused.get(context);
          if (error === undefined || Symbol.asyncIterator in (result as object)) return;
          refused.delete(context);
          setResult({ errors: [error] });
        },
      };
    },
  };
}

/** The `X-Request-Id` header of a subgraph fetch's init (a Headers object or a plain record), if any. */
function requestIdOf(init: unknown): string | undefined {
  const headers = (init as { headers?: unknown } | undefined)?.headers;
  if (!headers || typeof headers !== 'object') return undefined;
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get('x-request-id') ?? undefined;
  const found = Object.entries(headers as Record<string, unknown>).find(([key]) => key.toLowerCase() === 'x-request-id')?.[1];
  return typeof found === 'string' ? found : undefined;
}

/**
 * Why a fetch failed before the request reached the instance, if it did: nothing accepted the connection, its name did
 * not resolve (a restarting instance whose name comes and goes), or no TLS session could be made with it (a
 * certificate refused, an https:// URL for a plain-HTTP hub). The request never ran there; another instance may take it.
 */
function neverReached(err: unknown): string | null {
  return (
    errorCodeIn(err, ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'EPROTO', 'ERR_SSL_WRONG_VERSION_NUMBER', 'UND_ERR_CONNECT_TIMEOUT']) ??
    errorCodeIn(err, TLS_CERTIFICATE_CODES)
  );
}

/** Node's codes for a TLS certificate it would not accept. */
const TLS_CERTIFICATE_CODES = [
  'DEPTH_ZERO_SELF_SIGNED_CERT', 'SELF_SIGNED_CERT_IN_CHAIN', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED', 'CERT_NOT_YET_VALID', 'ERR_TLS_CERT_ALTNAME_INVALID', 'CERT_UNTRUSTED', 'CERT_REJECTED',
];

/** The first code `err` or an error it was caused by carries (a string), for a log line; or null. */
function anyErrorCode(err: unknown): string | null {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string') return e.code;
  }
  return null;
}

/** Whether a fetch, or the reading of its answer, ended at the time limit (`AbortSignal.timeout`). */
function timedOut(err: unknown): boolean {
  for (let e = err as { name?: unknown; cause?: unknown; reason?: unknown } | undefined, depth = 0; e && depth < 4; e = (e.cause ?? e.reason) as typeof e, depth++) {
    if (e.name === 'TimeoutError') return true;
  }
  return false;
}

/**
 * An instance that may have run the request without the client getting its answer (`what` happened: it closed the
 * connection, did not answer in time, answered something unreadable): a read is to be sent again; a mutation is read
 * first, since whether it was applied is not known.
 */
function notAnswered(name: SubgraphName, mutation: boolean, what: string, status: number): GraphQLError {
  const who = name === 'hub' ? 'The hub' : `The ${name} service`;
  return new GraphQLError(
    mutation ? `${who} ${what}: whether the mutation was applied is not known; read before sending it again` : `${who} ${what}: send the request again`,
    { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status } } },
  );
}

/** An instance that did not answer within the time limit: 504. */
const lateAnswer = (name: SubgraphName, mutation: boolean, timeoutMs: number) => notAnswered(name, mutation, `did not answer within ${timeoutMs / 1000} s`, 504);

/**
 * An instance's answer that could not be read as HTTP at all (a malformed status line or headers, a body its encoding
 * does not decode): it may have run the request. 502.
 */
const unreadableAnswer = (name: SubgraphName, mutation: boolean) => notAnswered(name, mutation, 'answered with something that is not a readable HTTP answer', 502);

/**
 * The instance took the request and closed its connection without an answer (`socket hang up`): a hub stopping closes
 * its idle keep-alive connections, and a request the gateway sent on one at that moment is lost with it; so is one
 * whose hub was killed while it ran. The gateway cannot tell which, so whether it ran is not known.
 */
function connectionLost(err: unknown): string | null {
  return errorCodeIn(err, ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']);
}

/** The first of `codes` that `err` or an error it was caused by carries, or null. */
function errorCodeIn(err: unknown, codes: string[]): string | null {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === 'string' && codes.includes(e.code)) return e.code;
  }
  return null;
}

/**
 * As at the hub (src/graphql/conditional-root.ts): a subscription whose root field could be skipped is refused with
 * BAD_USER_INPUT at validation, over HTTP (server-sent events) and WebSocket alike; Hive Gateway would otherwise fail
 * on it with an internal error (or graphql-js's own rule throw on a variable there).
 */
function conditionalRootPlugin(): GatewayPlugin {
  return {
    onValidate({ params, setResult }) {
      const conditional = conditionalRootRefusal(params.documentAST);
      if (conditional) setResult([conditional]);
    },
  };
}

/**
 * Spreads the requests for one subgraph over several instances of it, in turn (the scale-out story: N stateless hubs
 * on one PostgreSQL). Each request to a subgraph goes to the next URL of its list; when that instance cannot be reached
 * (`neverReached`: the connection refused, its name not resolving, no TLS session), to the one after it, and so on once
 * round the list: the request never reached that instance, so nothing can run twice (a mutation included). A connection
 * closed without an answer is `connectionLost` (a read sent again once, a mutation never); an answer that is not HTTP
 * is 502 (`unreadableAnswer`), logged by its code only.
 */
function instancesPlugin(urls: Record<SubgraphName, string[]>, logger: Logger | null, timeoutMs: number): GatewayPlugin {
  const next = new Map<string, number>();
  /** Per subgraph with no instance reachable: until when its next requests refused are only counted, and how many. */
  const outage = new Map<string, { until: number; refused: number }>();
  const byPlaceholder = new Map((Object.keys(urls) as SubgraphName[]).map((name) => [placeholderUrls[name], name]));
  return {
    onFetch({ url, setURL, fetchFn, setFetchFn, options, setOptions, executionRequest, info, context }) {
      const name = byPlaceholder.get(url);
      if (!name) return;
      const gone = clientGoneSignal(context);
      // Marked as the gateway's own (`GATEWAY_VIA`): a gateway it reaches refuses it rather than sending it on again.
      setOptions({ ...options, headers: { ...(options.headers as Record<string, string> | undefined), via: GATEWAY_VIA } });
      const list = urls[name];
      const i = next.get(name) ?? 0;
      next.set(name, (i + 1) % list.length);
      setURL(list[i]);
      const mutation = (executionRequest?.operationType ?? info?.operation?.operation) === OperationTypeNode.MUTATION;
      let lostOnce = false;
      setFetchFn(async (_target, ...rest) => {
        // The request's id (the client's X-Request-Id, or the one the gateway gave it, forwarded to the hub): each line
        // below can be found beside the hub's lines and the client's report of the same request.
        const requestId = requestIdOf(rest[0]);
        // The answer, its body included, within the time limit (HUB_TIMEOUT_MS), whichever instance gives it.
        const init = (rest[0] ?? {}) as RequestInit;
        // The client gone (its connection closed before its answer, or cut by a stopping gateway): the hub's request is
        // given up too, so that the hub rolls it back as it does for a client of its own — a request is either
        // answered or never run, through the gateway as at the hub.
        const signal = AbortSignal.any([...(init.signal ? [init.signal] : []), AbortSignal.timeout(timeoutMs), ...(gone ? [gone] : [])]);
        rest[0] = { ...init, signal } as (typeof rest)[0];
        for (let k = 0; ; k++) {
          try {
            if (gone?.aborted) throw givenUp(gone, name, mutation);
            return await fetchFn(list[(i + k) % list.length], ...rest);
          } catch (err) {
            if (gone?.aborted) {
              const why = gone.reason === STOPPED ? 'the gateway stopped before it answered' : 'the client went away';
              logger?.info({ subgraph: name, instance: list[(i + k) % list.length], mutation, requestId }, `${why}: the request to the ${name} subgraph was given up`);
              throw givenUp(gone, name, mutation);
            }
            if (timedOut(err)) {
              logger?.error({ subgraph: name, instance: list[(i + k) % list.length], timeoutMs, mutation, requestId }, `an instance of the ${name} subgraph did not answer in time`);
              throw lateAnswer(name, mutation, timeoutMs);
            }
            const lost = connectionLost(err);
            if (lost) {
              // A read is sent again, once, to the next instance (or the same one, on a new connection); a mutation is
              // not: it may have been written. Either way the client is told what happened, not "Unexpected error."
              const again = !mutation && !lostOnce;
              const line = { subgraph: name, instance: list[(i + k) % list.length], code: lost, mutation, requestId };
              if (again) logger?.warn(line, `an instance of the ${name} subgraph closed the connection without answering: the read is sent again`);
              else logger?.error(line, `an instance of the ${name} subgraph closed the connection without answering`);
              if (again) {
                lostOnce = true;
                continue;
              }
              throw lostAnswer(name, mutation);
            }
            const unreached = neverReached(err);
            if (!unreached) {
              // Anything else (an answer that is not HTTP): logged by its code only — such an error carries the
              // instance's raw bytes, which may hold the request's variables or a confidential answer.
              logger?.error({ subgraph: name, instance: list[(i + k) % list.length], code: anyErrorCode(err) ?? 'unknown', mutation, requestId }, `an instance of the ${name} subgraph answered with something that is not a readable HTTP answer`);
              throw unreadableAnswer(name, mutation);
            }
            if (unreached !== 'ECONNREFUSED') {
              logger?.warn({ subgraph: name, instance: list[(i + k) % list.length], code: unreached, requestId }, `an instance of the ${name} subgraph could not be reached`);
            }
            if (k + 1 >= list.length) {
              // The operator's to know; the client gets SERVICE_UNAVAILABLE (`unavailable`). At most one line a second
              // per subgraph while it lasts, with how many requests it refused since the last line: every request
              // failing alike wrote a line each (thousands a second under load).
              const quiet = outage.get(name);
              const now = Date.now();
              if (quiet && now < quiet.until) quiet.refused++;
              else {
                const earlier = quiet?.refused ?? 0;
                outage.set(name, { until: now + 1000, refused: 0 });
                logger?.error(
                  { subgraph: name, instances: list, code: unreached, requestId, ...(earlier ? { alsoRefusedSinceLastLine: earlier } : {}) },
                  `every instance of the ${name} subgraph refused the connection${unreached === 'ECONNREFUSED' ? '' : ' or could not be reached'}`,
                );
              }
              throw unavailable(name);
            }
          }
        }
      });
    },
  };
}

/**
 * Per client response: aborted when its connection closes before the answer was sent, or with `STOPPED` when a
 * stopping gateway's grace ends with the request still under way (`stopRequest`).
 */
const goneControllers = new WeakMap<http.ServerResponse, AbortController>();
/** The reason a stopping gateway gives up a request's subgraph requests. */
const STOPPED = Symbol('the gateway stopped');

function goneController(res: http.ServerResponse): AbortController {
  let controller = goneControllers.get(res);
  if (!controller) {
    const created = new AbortController();
    if (res.closed && !res.writableFinished) created.abort();
    else res.once('close', () => !res.writableFinished && created.abort());
    goneControllers.set(res, (controller = created));
  }
  return controller;
}

/** The client-gone signal of an HTTP client's request (`context.res`, the gateway's own server); none for WebSocket clients. */
function clientGoneSignal(context: unknown): AbortSignal | null {
  const res = (context as { res?: unknown } | undefined)?.res;
  return res instanceof http.ServerResponse ? goneController(res).signal : null;
}

/** A stopping gateway gives up the subgraph requests of a request still under way when its grace ends: it is answered. */
function stopRequest(res: http.ServerResponse): void {
  goneController(res).abort(STOPPED);
}

/**
 * The error of a subgraph request given up: its client went away (nobody reads it), or the gateway stopped before the
 * answer came (the client is told; a hub that had not begun to commit rolls the request back, one that had may have
 * written it, so a mutation's client reads first).
 */
function givenUp(signal: AbortSignal, name: SubgraphName, mutation: boolean): GraphQLError {
  if (signal.reason !== STOPPED) return new GraphQLError('The client closed its connection before the answer', { extensions: { code: 'CLIENT_CLOSED_REQUEST' } });
  const what = name === 'hub' ? 'the hub' : `the ${name} service`;
  return new GraphQLError(
    mutation
      ? `The gateway stopped before ${what} answered: whether the mutation was applied is not known; read before sending it again`
      : `The gateway stopped before ${what} answered: send the request again`,
    { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: mutation ? {} : { 'Retry-After': '1' } } } },
  );
}

/**
 * Every instance of a subgraph refused the connection (stopped or restarting): nothing ran, and the client may send the
 * request again — the hub's own answer when it cannot serve (503 SERVICE_UNAVAILABLE, Retry-After). The 503 holds only
 * when nothing was answered (`partialAnswersPlugin` keeps a response with data at 200).
 */
function unavailable(name: SubgraphName): GraphQLError {
  return new GraphQLError(`The ${name === 'hub' ? 'hub' : `${name} service`} is unavailable: send the request again`, {
    extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503, headers: { 'Retry-After': '1' } } },
  });
}

/**
 * An instance closed the connection without answering (`connectionLost`), twice for a read: 502. For a mutation the
 * message says that whether it was applied is not known (the client reads before sending it again); no Retry-After.
 */
const lostAnswer = (name: SubgraphName, mutation: boolean) => notAnswered(name, mutation, 'closed the connection without answering', 502);

/**
 * A response with data (a complaint list whose linked cases the hub, unavailable, could not give) is answered 200 with
 * the SERVICE_UNAVAILABLE errors at those fields, as any partial result: clients keep what they got. Only a response
 * with no data at all takes the 503 of `unavailable`.
 */
function partialAnswersPlugin(): GatewayPlugin {
  const answered = (data: unknown) => !!data && typeof data === 'object' && Object.values(data).some((v) => v !== null);
  return onEachResult((r) => {
    if (!r.errors?.some((e) => e.extensions?.http) || !answered(r.data)) return null;
    return {
      ...r,
      errors: r.errors.map((e) => {
        if (!e.extensions?.http) return e;
        const { http: _status, ...extensions } = e.extensions;
        return new GraphQLError(e.message, { nodes: e.nodes, source: e.source, positions: e.positions, path: e.path, originalError: e.originalError, extensions });
      }),
    };
  });
}

/**
 * Variables (and literals) that do not fit the operation's types are refused as at the hub: 400 with one BAD_USER_INPUT error per
 * problem, naming the argument (`input.tlp: Value "PURPLE" does not exist in "Tlp" enum.`). Left to the gateway's own
 * execution they were a 200 whose errors had no code and, compiled, named the wrong variable (`Variable "$tlp" …`).
 * So are a subscription's over server-sent events; over WebSocket they are checked before it starts (src/federation/live.ts).
 */
function variablesPlugin(): GatewayPlugin {
  const refuse = (
    args: { schema: GraphQLSchema; document: DocumentNode; operationName?: string | null; variableValues?: Record<string, unknown> | null },
    stop: (result: ExecutionResult) => void,
  ) => {
    checkingDateTimes(args.schema);
    const operation = getOperationAST(args.document, args.operationName);
    if (!operation) return;
    // With text the hub would refuse (a NUL, a lone surrogate), literal or variable: refused here for the whole request,
    // as the hub refuses it before anything runs. The gateway sends each mutation field to the hub on its own: left to
    // the hub, a document whose second field carried such text had its first field committed.
    const { errors } = checkedVariables(args.schema, args.document, operation, args.variableValues);
    if (errors) stop({ errors: errors.map((e) => new GraphQLError(e.message, { nodes: e.nodes, extensions: { ...e.extensions, http: { status: 400 } } })) });
  };
  return {
    onSchemaChange({ schema }) {
      checkingDateTimes(schema);
    },
    onExecute({ args, setResultAndStopExecution }) {
      refuse(args, setResultAndStopExecution);
    },
    // A subscription over HTTP (server-sent events).
    onSubscribe({ args, setResultAndStopExecution }) {
      refuse(args, setResultAndStopExecution);
    },
    // A literal that does not fit its argument's type is bad input too: BAD_USER_INPUT naming the argument, as at the
    // hub (src/graphql/input-errors.ts `nameLiteralArgumentOf`). And no validation error suggests a name ("Did you
    // mean the enum value …?", armor's "[Suggestion hidden]"), as at the hub.
    onValidate({ params }) {
      checkingDateTimes(params.schema);
      return ({ result, setResult }) => {
        if (!result.length) return;
        setResult(result.map((e) => asValidationError(e, params.documentAST)));
      };
    },
  };
}

/** HUB_URL: one or more http(s) URLs of running hubs' GraphQL endpoints, comma-separated. */
export function hubUrlsOf(raw: string | undefined): string[] {
  const urls = (raw ?? '').split(',').map((u) => u.trim()).filter(Boolean);
  for (const u of urls) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(u);
    } catch {
      // refused below
    }
    if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') || !parsed.hostname) {
      throw new Error(`HUB_URL must be http:// or https:// URLs of hubs' GraphQL endpoints, comma-separated; got "${u}"`);
    }
    // fetch refuses a URL with credentials in it (every request would fail), and the gateway has none to give: each
    // request goes on with its client's own. The password is not repeated.
    if (parsed.username || parsed.password) {
      throw new Error(
        `HUB_URL ${parsed.protocol}//${parsed.host}${parsed.pathname} carries credentials (a user name or password): the gateway sends each request with its client's own credential, none of its own; give the hub's URL without them`,
      );
    }
  }
  return urls;
}

/** What a HUB_URL answered when the gateway started (`probeHub`). */
export type HubProbe = { kind: 'hub' } | { kind: 'unreachable'; why: string } | { kind: 'not a hub'; why: string } | { kind: 'unusable'; why: string };

/**
 * Asks a HUB_URL for `{ __typename }` (open to anyone, as at every hub), once, before the gateway serves: a URL that
 * answers but not as a hub's GraphQL endpoint (the hub's address without `/graphql`: 404; another service) is a
 * mistake the operator should hear of at start-up, not from every request (`INTERNAL_SERVER_ERROR` at each hub field).
 * A hub not reachable yet, or busy (429, 503: stopping, or its database away), may be started or recover after the
 * gateway: that is told, not refused.
 */
export async function probeHub(url: string, timeoutMs = 5000): Promise<HubProbe> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true' },
      body: JSON.stringify({ query: '{ __typename }' }),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    // A port fetch never connects to (its "bad ports", such as 10080 or 6000, as browsers): not a hub to wait for.
    if (cause?.message === 'bad port') return { kind: 'unusable', why: `fetch never connects to port ${new URL(url).port} (one of the ports it blocks, as browsers do): run the hub on another port` };
    return { kind: 'unreachable', why: cause?.code ?? cause?.message ?? (err as Error).message };
  }
  const text = await res.text().catch(() => '');
  if (res.status === 429 || res.status === 503) return { kind: 'unreachable', why: `it answered ${res.status} for now` };
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: not a hub's answer
  }
  if (res.status === 200 && (body as { data?: { __typename?: unknown } } | null)?.data?.__typename === 'Query') return { kind: 'hub' };
  return { kind: 'not a hub', why: `it answered ${res.status} ${(res.headers.get('content-type') ?? 'without a content type').split(';')[0]}, not a GraphQL answer to { __typename }` };
}

export interface GatewayOptions {
  /** The composed supergraph (the committed supergraph.graphql). */
  supergraph: string;
  /** Where each subgraph runs: one URL, or several instances served in turn. */
  subgraphs: Record<SubgraphName, string | string[]>;
  graphiql?: boolean;
  /** Whether the gateway answers introspection of the composed schema (default true). */
  introspection?: boolean;
  /** Hive Gateway's log level (errors by default). */
  logging?: 'error' | 'warn' | 'info' | 'debug' | false;
  /** Where the log lines go, scrubbed (`scrubbed`): one JSON line each on standard output by default; tests read them. */
  logWriter?: LogWriter;
  /** Queries the hub alone answers are forwarded to a hub whole (`forwardPlugin`); false: the gateway executes every query itself (tests compare the two). */
  forward?: boolean;
  /** How long an idle client connection is kept open (65 s by default, as the hub's KEEP_ALIVE_TIMEOUT_MS). */
  keepAliveTimeoutMs?: number;
  /** How long a hub's answer may take (HUB_TIMEOUT_MS, 60 s by default): then 504, and for a mutation "read before sending it again". */
  hubTimeoutMs?: number;
  /** How long a client may take to send a whole request (60 s by default, as the hub's REQUEST_TIMEOUT_MS): then 408. */
  requestTimeoutMs?: number;
  /** How long a stop waits for the requests under way (10 s by default, as the hub's SHUTDOWN_GRACE_MS). */
  shutdownGraceMs?: number;
  /** The deepest query accepted (the hub's MAX_QUERY_DEPTH, 12 by default). */
  maxQueryDepth?: number;
  /** Browser origins allowed to call the gateway (the hub's CORS_ORIGINS); none by default. */
  corsOrigins?: string[];
  /**
   * The proxies in front of the gateway whose `X-Forwarded-For` names the client (TRUST_PROXY, read as the hub reads
   * it): none by default, the client being the connection's address. What the gateway sends a hub is that one address.
   */
  trustProxy?: boolean | number | string;
}

/**
 * The hub's limits on a query, at the gateway too (its rules: src/graphql/limits.ts): one request
 * to the gateway becomes a request to the hub per root field it delegates, so a document of a thousand aliases would
 * have become a thousand hub requests, each under the hub's own limits; and a document of hundreds of thousands of
 * tokens was parsed, validated and kept in the gateway's document cache. Field suggestions ("Did you mean …") are
 * never given, as at the hub.
 */
function limitsPlugins(maxDepth: number): GatewayPlugin[] {
  const rules = queryLimitRules(maxDepth);
  return [
    // Armor's own plugin for the token limit and to keep field suggestions out; the other limits are the hub's rules.
    EnvelopArmorPlugin({
      maxTokens: { n: MAX_QUERY_TOKENS },
      maxDepth: { enabled: false },
      maxAliases: { enabled: false },
      maxDirectives: { enabled: false },
      costLimit: { enabled: false },
      blockFieldSuggestion: { enabled: true },
    }) as GatewayPlugin,
    { onValidate: ({ addValidationRule }) => rules.forEach(addValidationRule) },
  ];
}

/**
 * A document nested deeper than graphql-js's parser reads (it parses by recursion, and the call stack ends some
 * thousands of levels down, within the token limit) is a parse failure told so, as at the hub; Hive Gateway answered
 * the parser's RangeError as an unexpected error (500 INTERNAL_SERVER_ERROR). A document over the token limit is
 * told so in the hub's words.
 */
/** graphql-armor's refusal of a document over the token limit (`Syntax Error: Token limit of 5000 exceeded.`). */
const ARMOR_TOKEN_LIMIT = /^Syntax Error: Token limit of \d+ exceeded\.$/;

function tooDeepPlugin(maxDepth: number): GatewayPlugin {
  return {
    onParse() {
      return ({ result, replaceParseResult }) => {
        if (parsedTooDeep(result)) {
          replaceParseResult(new GraphQLError(tooDeepToParse(maxDepth, MAX_LITERAL_NESTING), { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }));
        } else if (result instanceof GraphQLError && ARMOR_TOKEN_LIMIT.test(result.message)) {
          // graphql-armor's words for the token limit; the hub's parser (graphql-js's `maxTokens`) says it its own way,
          // its typo ("more that") mended as the hub mends it.
          replaceParseResult(new GraphQLError(`Syntax Error: Document contains more than ${MAX_QUERY_TOKENS} tokens. Parsing aborted.`, { extensions: { code: 'GRAPHQL_PARSE_FAILED' } }));
        }
      };
    },
  };
}

/**
 * CSRF prevention as at the hub (Apollo Server's `csrfPrevention`, the same rule and message): a GraphQL request that a
 * browser could send across sites without a preflight (a GET, or a POST whose content type is a form's or text/plain)
 * runs only with a non-empty `x-apollo-operation-name` or `apollo-require-preflight` header; otherwise 400
 * BAD_REQUEST before anything runs. GraphiQL's page (a GET without a query) is not such a request.
 */
function refusedAsCsrf(req: http.IncomingMessage, res: http.ServerResponse, graphqlPath: string): boolean {
  const url = new URL(req.url ?? '/', 'http://gateway');
  if (url.pathname !== graphqlPath) return false;
  if (req.method === 'GET' && !url.searchParams.has('query') && !url.searchParams.has('extensions')) return false;
  if (req.method !== 'GET' && req.method !== 'POST') return false;
  if (!simpleRequest(req.headers)) return false;
  const message =
    `This operation has been blocked as a potential Cross-Site Request Forgery (CSRF). Please either specify a 'content-type' header ` +
    `(with a type that is not one of ${NON_PREFLIGHTED_CONTENT_TYPES.join(', ')}) or provide a non-empty value for one of the following headers: ` +
    `${CSRF_PREVENTION_HEADERS.join(', ')}\n`;
  const text = JSON.stringify({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
  res.writeHead(400, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) }).end(text);
  req.resume();
  return true;
}

/**
 * A browser asking for GraphiQL: a GET of the GraphQL path without a query, preferring HTML to JSON (as the hub decides
 * it with Express's `req.accepts(['application/json', 'text/html'])`: on a tie, JSON).
 */
function wantsGraphiql(req: http.IncomingMessage, graphqlPath: string): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const url = new URL(req.url ?? '/', 'http://gateway');
  if (url.pathname !== graphqlPath || url.searchParams.has('query') || url.searchParams.has('extensions')) return false;
  const accepted = String(req.headers.accept ?? '*/*').split(',').map((part) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type.trim(), q: q ? Number(q.slice(2)) : 1 };
  });
  const quality = (type: string) => {
    const [major] = type.split('/');
    const match = accepted.find((a) => a.type === type) ?? accepted.find((a) => a.type === `${major}/*`) ?? accepted.find((a) => a.type === '*/*');
    return match && Number.isFinite(match.q) ? match.q : 0;
  };
  const html = quality('text/html');
  return html > 0 && html > quality('application/json');
}

/** The hub's endpoints other than GraphQL and health (README, Endpoints): a gateway's client is told where they are. */
const HUB_ONLY_PATHS = ['/metrics', '/dashboard', '/reports'];

/** The signals on which Hive Gateway would dispose itself (`createGateway` takes its handlers out). */
const TERMINATE_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];

/** How long the gateway's readiness waits for a hub's `/readyz`, and how long one answer serves the probes after it. */
const READY_CHECK_TIMEOUT_MS = 2000;
const READY_CHECK_REUSED_MS = 1000;

/**
 * The gateway's `/readyz`: whether a hub instance is ready (its own `/readyz`, beside its GraphQL path: the database
 * answers), asked of each instance in turn until one is, at most 2 s each. Every query reaches the hub (the complaints
 * service alone answers nothing), so with no hub ready the gateway can serve nothing and a load balancer should send its
 * clients elsewhere; a complaints service that is down only makes answers partial, and is not asked. Probes at once
 * share one check, and its answer serves the probes of the next second: a busy probe does not become a stream of hub
 * requests. Marked as the gateway's own (`Via`), as its other hub requests: a HUB_URL naming a gateway is never ready.
 */
export function hubReadiness(hubUrls: readonly string[], timeoutMs = READY_CHECK_TIMEOUT_MS): () => Promise<{ ready: number; of: number }> {
  const readyUrls = hubUrls.map((u) => new URL('readyz', u).toString());
  let last: { at: number; answer: Promise<{ ready: number; of: number }> } | null = null;
  const askOne = async (u: string): Promise<boolean> => {
    try {
      const res = await fetch(u, { headers: { via: GATEWAY_VIA }, signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
      await res.arrayBuffer().catch(() => undefined);
      return res.status === 200;
    } catch {
      return false;
    }
  };
  const check = async () => {
    for (const u of readyUrls) if (await askOne(u)) return { ready: 1, of: readyUrls.length };
    return { ready: 0, of: readyUrls.length };
  };
  return () => {
    const now = performance.now();
    if (!last || now - last.at > READY_CHECK_REUSED_MS) {
      const entry = { at: Number.POSITIVE_INFINITY, answer: check() };
      // Reused from when it was answered (a check under way serves every probe that comes meanwhile).
      void entry.answer.then(() => (entry.at = performance.now()));
      last = entry;
    }
    return last.answer;
  };
}

/** A JSON error answer, as the hub's. */
function refuse(res: http.ServerResponse, status: number, message: string, extensions: Record<string, unknown>): void {
  sendJson(res, status, { errors: [{ message, extensions }] });
}

/**
 * A GET's `variables` or `extensions` that is not JSON is the client's mistake, refused as at the hub (400, its words);
 * Hive Gateway answered it 500 "Unexpected error." and logged the parse error, part of the client's value in it. Its
 * `extensions` then go through the persisted-query checks a POST body's do (`persistedQueryAnswer`).
 */
function refusedSearchParameters(req: http.IncomingMessage, res: http.ServerResponse, graphqlPath: string): boolean {
  if (req.method !== 'GET') return false;
  const url = new URL(req.url ?? '/', 'http://gateway');
  if (url.pathname !== graphqlPath) return false;
  if (!wellFormedQueryString(req.url ?? '')) {
    refuse(res, 400, MALFORMED_QUERY_STRING, { code: 'BAD_REQUEST' });
    req.resume();
    return true;
  }
  const invalid = (name: string) => {
    const raw = url.searchParams.get(name);
    if (raw === null) return false;
    try {
      JSON.parse(raw);
      return false;
    } catch {
      return true;
    }
  };
  const extensions = url.searchParams.get('extensions');
  if (invalid('variables')) refuse(res, 400, 'The variables search parameter contains invalid JSON.', { code: 'BAD_REQUEST' });
  else if (invalid('extensions')) refuse(res, 400, 'extensions: is not valid JSON', { code: 'BAD_USER_INPUT', argument: 'extensions' });
  else {
    // A persisted query's hash sent by GET (Apollo's link with useGETForHashedQueries) is answered as over POST.
    const answer = extensions === null ? null : persistedQueryAnswer(JSON.parse(extensions), url.searchParams.get('query') ?? undefined);
    if (!answer) return false;
    for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
    refuse(res, answer.status, answer.message, answer.extensions);
  }
  req.resume();
  return true;
}

/**
 * A POST's body is read here, whole, before Hive Gateway sees it, and refused as at the hub when it is not text the hub
 * would take: a charset other than UTF-8 is 415, bytes that are not well-formed UTF-8 are 400 (Hive Gateway decoded
 * them with U+FFFD in their place, and a mutation stored the altered text). The body then goes on as read.
 */
function withCheckedBody(req: http.IncomingMessage, res: http.ServerResponse, graphqlPath: string, next: () => void): void {
  if (req.method !== 'POST' || new URL(req.url ?? '/', 'http://gateway').pathname !== graphqlPath) return next();
  // A body that is not sent as JSON, refused as at the hub before it is read (Yoga read `application/graphql` and forms
  // its own way, and answered any other type with an empty 415).
  const notJson = notJsonMessage(req.headers);
  if (notJson !== null) return refuseNotJson(res, req.headers, notJson);
  // A media type is case-insensitive (RFC 9110 §8.3.1): `Application/JSON` is JSON, as at the hub (Yoga compared it
  // case-sensitively and answered an empty 415).
  const contentType = req.headers['content-type'];
  if (contentType !== undefined) req.headers['content-type'] = contentType.replace(/^[^;]*/, (essence) => essence.trim().toLowerCase());
  const charset = notUtf8Charset(req.headers['content-type']);
  if (charset !== null) {
    refuse(res, 415, `unsupported charset "${charset}"`, { code: 'BAD_REQUEST' });
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size <= GATEWAY_BODY_LIMIT_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (res.headersSent || size > GATEWAY_BODY_LIMIT_BYTES) return;
    const decoded = decodedBody(req, Buffer.concat(chunks));
    if ('tooLarge' in decoded) return refuseTooLarge(res, GATEWAY_BODY_LIMIT_BYTES);
    if ('status' in decoded) return refuse(res, decoded.status, decoded.message, { code: 'BAD_REQUEST' });
    // A byte-order mark before the JSON is read past, as the hub's body parser reads past it (Yoga's JSON.parse refused it).
    const bom = startsWithBom(decoded.body);
    const body = bom ? decoded.body.subarray(3) : decoded.body;
    if (!isUtf8(body)) return refuse(res, 400, 'The request body is not well-formed UTF-8', { code: 'BAD_REQUEST' });
    // A JSON body the hub would refuse before any GraphQL runs is refused here in its words (src/federation/request-shape.ts).
    // (Only a JSON body gets here: another was refused 415 above, or as a potential CSRF before.)
    const answer = bodyAnswer(body.toString('utf8'));
    if (answer && 'status' in answer) {
      for (const [name, value] of Object.entries(answer.headers ?? {})) res.setHeader(name, value);
      return refuse(res, answer.status, answer.message, answer.extensions);
    }
    const forwarded = answer ? Buffer.from(answer.body) : body;
    if (answer || bom) req.headers['content-length'] = String(forwarded.length);
    // Hive Gateway (@whatwg-node/server) takes a body already read from `req.body`.
    if (forwarded.length > 0) (req as http.IncomingMessage & { body?: Buffer }).body = forwarded;
    next();
  });
  req.on('error', () => undefined);
}

/** The content encodings the hub's body parser takes (body-parser on Node 20), each decoded at most to a limit. */
const DECODERS: Record<string, (body: Buffer, options: zlib.ZlibOptions & zlib.BrotliOptions) => Buffer> = {
  gzip: zlib.gunzipSync,
  deflate: zlib.inflateSync,
  br: zlib.brotliDecompressSync,
};

/**
 * A body as the hub reads it: a compressed one (`Content-Encoding` gzip, deflate or br, which the hub takes)
 * decompressed, its limit applying to what it decompresses to — the well-formed UTF-8 and the JSON are checked on
 * that, and the body goes on to Hive Gateway decompressed (the gateway refused every compressed body as "not
 * well-formed UTF-8"). Refused as at the hub: another encoding 415, a body that does not decompress 400, one that
 * decompresses to more than the limit 413.
 */
function decodedBody(req: http.IncomingMessage, raw: Buffer): { body: Buffer } | { tooLarge: true } | { status: number; message: string } {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  if (encoding === 'identity') return { body: raw };
  const decode = DECODERS[encoding];
  if (!decode) return { status: 415, message: `unsupported content encoding "${encoding}"` };
  let body: Buffer;
  try {
    body = decode(raw, { maxOutputLength: GATEWAY_BODY_LIMIT_BYTES + 1 });
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return { tooLarge: true };
    return { status: 400, message: undecodableBodyMessage(encoding) };
  }
  if (body.length > GATEWAY_BODY_LIMIT_BYTES) return { tooLarge: true };
  delete req.headers['content-encoding'];
  if (req.headers['content-length'] !== undefined) req.headers['content-length'] = String(body.length);
  return { body };
}

/**
 * A request whose body is larger than `GATEWAY_BODY_LIMIT_BYTES` is answered 413 before anything reads it (by its
 * Content-Length), or once that much has arrived (a chunked body): as at the hub (src/http/body-limit.ts), the limit
 * named and `Connection: close`, so that Node closes the connection after the answer and reads no more of the body.
 */
function refusedAsTooLarge(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > GATEWAY_BODY_LIMIT_BYTES) {
    refuseTooLarge(res, GATEWAY_BODY_LIMIT_BYTES);
    return true;
  }
  if (req.headers['transfer-encoding'] !== undefined) {
    refuseOnceOver(req, res, GATEWAY_BODY_LIMIT_BYTES, 'identity');
    // A compressed one also by what it decompresses to, as it arrives (as at the hub): a few hundred kilobytes of gzip
    // can unpack to gigabytes, and the body is decoded only once it has all arrived (`decodedBody`).
    const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
    if (encoding !== 'identity') refuseOnceOver(req, res, GATEWAY_BODY_LIMIT_BYTES, encoding);
  }
  return false;
}

export interface Gateway {
  runtime: GatewayRuntime;
  /** Subscriptions: graphql-ws on the gateway's /graphql, each client's token handed to a hub (src/federation/live.ts). */
  live: GatewayLive;
  httpServer: http.Server;
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

/** The keys of a log line's attributes whose values are never written: what a client sent (its query, variables, body), and stacks. */
const UNLOGGED = new Set(['body', 'variables', 'request', 'query', 'params', 'document', 'stack', 'rawPacket']);

/**
 * A log line's attributes without what a client sent. Hive Gateway logs a failed subgraph request with the request
 * itself (`extensions.request.body`: the query and its variables, a case's confidential summary among them when a
 * mutation carried one); the hub never logs such values, and neither does the gateway. Errors keep their class,
 * message, code and cause.
 */
export function scrubbed(value: unknown, depth = 0): unknown {
  if (depth > 8) return '[deeper]';
  if (typeof value === 'string') return scrubbedText(value);
  // Bytes (Node's `rawPacket` of an HTTP parse error: what an instance sent, the request's echo included) are never written.
  if (value instanceof Uint8Array || (value && typeof value === 'object' && (value as { type?: unknown }).type === 'Buffer' && Array.isArray((value as { data?: unknown }).data))) return '[bytes not logged]';
  if (Array.isArray(value)) return value.map((v) => scrubbed(v, depth + 1));
  if (value instanceof Error) {
    const e = value as Error & { extensions?: unknown; cause?: unknown };
    return {
      class: e.name,
      message: scrubbedText(e.message),
      ...(e.extensions !== undefined ? { extensions: scrubbed(e.extensions, depth + 1) } : {}),
      ...(e.cause !== undefined ? { cause: scrubbed(e.cause, depth + 1) } : {}),
    };
  }
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = UNLOGGED.has(k) ? '[not logged]' : scrubbed(v, depth + 1);
    return out;
  }
  return value;
}

/**
 * Text without what a subgraph's answer or a client's credential may have put in it: the body Hive Gateway quotes in
 * "Unexpected response: …" (a proxy in front of a hub may echo the request there), bearer tokens and API keys.
 */
function scrubbedText(text: string): string {
  return text
    .replace(/^(Unexpected response:).*$/s, '$1 [not logged]')
    // A JSON parse error quotes what it could not parse (a client's variables): named, not quoted.
    .replace(/^.*\bis not valid JSON\b.*$/s, 'invalid JSON [not logged]')
    .replace(/^(Unexpected (token|end of JSON input)\b).*$/s, '$1 [not logged]')
    .replace(/\bBearer\s+\S+/gi, 'Bearer [not logged]')
    .replace(/\blapk_[A-Za-z0-9_-]+/g, 'lapk_[not logged]');
}

function gatewayLogger(level: LogLevel, writer: LogWriter = new JSONLogWriter()): Logger {
  const scrubbing: LogWriter = {
    write: (lvl: LogLevel, attrs: Attributes | null | undefined, msg: string | null | undefined) =>
      writer.write(lvl, attrs ? (scrubbed(attrs) as Attributes) : attrs, typeof msg === 'string' ? scrubbedText(msg) : msg),
  };
  return new Logger({ level, writers: [scrubbing] });
}

/**
 * Hive Gateway (MIT) in this process, from the committed supergraph: no introspection of the subgraphs at run time,
 * no identity of its own. The caller's `Authorization` header is forwarded to every subgraph, which decides what that
 * caller may see; nothing else of the client's request is. Subgraphs' inline traces are never asked for.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const urls = Object.fromEntries(
    Object.entries(options.subgraphs).map(([name, u]) => [name, Array.isArray(u) ? u : [u]]),
  ) as Record<SubgraphName, string[]>;
  const trust = compileTrust(options.trustProxy);
  const live = gatewayLive(urls.hub, options.maxQueryDepth ?? 12, trust);
  const logging = options.logging === false ? false : gatewayLogger(options.logging ?? 'error', options.logWriter);
  // Hive Gateway registers SIGINT/SIGTERM handlers of its own that dispose the runtime at once, breaking off every
  // request under way; the gateway's own stop (`stop`) answers them first, so those handlers are taken out again.
  const signalListeners = new Map(TERMINATE_SIGNALS.map((signal) => [signal, new Set(process.listeners(signal))]));
  const runtime = createGatewayRuntime({
    supergraph: options.supergraph,
    // The transports given, not imported by name at run time: HTTP for queries and mutations, and the hub's
    // subscription fields over graphql-ws with the subscriber's own token (src/federation/live.ts).
    transports: { http: httpTransport, 'hub-live': live.transport },
    // Every client request is its own hub request: executor-http merged identical queries in flight for the same
    // forwarded headers (one viewer asking the same thing at once) into one, and the hub's audit trail, which records
    // each response that carries a confidential tier (DOMAIN §9), saw one where several clients were answered.
    transportEntries: { hub: { options: { subscriptions: { kind: 'hub-live' }, deduplicateInflightRequests: false } } },
    // GraphiQL is the hub's own page (below), served without a CDN; Hive Gateway's loads its scripts from unpkg.com.
    graphiql: false,
    ...(options.introspection === false ? { disableIntrospection: { disableIf: () => true } } : {}),
    landingPage: false,
    // CORS is the hub's own step in front (corsFor, below).
    cors: false,
    logging,
    propagateHeaders: {
      // A WebSocket client's token is its connection_init's (for the fields of its subscription events that the
      // gateway fetches over HTTP); an HTTP client's is its header.
      fromClientToSubgraphs({ request, context }) {
        const authorization = forwardedAuthorization(context, request);
        const xForwardedFor = clientForwardedFor(context, request, trust);
        return { ...(authorization ? { authorization } : {}), ...(xForwardedFor ? { 'x-forwarded-for': xForwardedFor } : {}) };
      },
    },
    plugins: () => [...limitsPlugins(options.maxQueryDepth ?? 12), tooDeepPlugin(options.maxQueryDepth ?? 12), variablesPlugin(), conditionalRootPlugin(), requestShapePlugin(), instancesPlugin(urls, logging || null, options.hubTimeoutMs ?? 60_000), refusedCredentialPlugin(), redactionsPlugin(), hubLinksPlugin(options.supergraph), hiddenLinksPlugin(), partialAnswersPlugin(), ...(options.forward === false ? [] : [forwardPlugin(options.supergraph, placeholderUrls.hub, options.hubTimeoutMs ?? 60_000, trust)])],
    // One subgraph request per delegated field, not several root fields merged into one request under generated
    // aliases: the hub's redaction paths can then be re-rooted at the field that asked (redactionsPlugin). A page of
    // entities is still one request (batch delegation is unaffected).
    __experimental__batchExecution: false,
  });
  const readiness = hubReadiness(urls.hub);
  let stopping = false;
  const underWay = new Set<http.ServerResponse>();
  for (const [signal, before] of signalListeners) for (const listener of process.listeners(signal)) if (!before.has(listener)) process.removeListener(signal, listener);
  // Rendered on the first page view only (the bundle costs tens of megabytes of memory), as at the hub.
  const graphiql: { page?: GraphiqlPage } | null = options.graphiql ? {} : null;
  // CORS as at the hub (CORS_ORIGINS: only the listed origins, with credentials; a preflight from any other is 403),
  // not Hive Gateway's default, which allowed every origin with credentials.
  const cors = corsFor(options.corsOrigins ?? []);
  // As at the hub (src/server.ts): several Authorization headers are refused.
  const httpServer = http.createServer({ ...requestTimeoutOptions(options.requestTimeoutMs ?? 60_000), ...SERVER_OPTIONS }, (req, res) => {
    if (hostMissing(req)) return refuseHostless(res);
    // A client's request id the hub would not keep (src/http/request-log.ts) is replaced here as there: the gateway
    // gives the request a new one, which it answers (its own answers too: health, 404, 508) and the hub logs, so one id
    // follows the request through both logs.
    const sentId = req.headers['x-request-id'];
    if (typeof sentId !== 'string' || !acceptableId.test(sentId)) req.headers['x-request-id'] = randomUUID();
    res.setHeader('x-request-id', req.headers['x-request-id']!);
    // Stopping (`stop`): a request that still arrives on an open connection is refused before anything runs, as at the hub.
    if (stopping) {
      res.setHeader('connection', 'close');
      res.setHeader('retry-after', '1');
      refuse(res, 503, 'The gateway is stopping: send the request again, to this or another instance', { code: 'SERVICE_UNAVAILABLE' });
      req.resume();
      return;
    }
    underWay.add(res);
    res.once('close', () => underWay.delete(res));
    if (cameFromGateway(req.headers)) {
      (logging || null)?.error({ url: req.url }, 'a request came from a gateway: a HUB_URL names a gateway (this one?), not a hub; it is refused (508)');
      refuse(res, 508, 'This request came from a gateway: a HUB_URL of that gateway names a gateway, not a hub', { code: 'LOOP_DETECTED' });
      req.resume();
      return;
    }
    // The hub's health paths answer here too, as the gateway's own: a load balancer or probe set up for a hub needs no
    // other paths for the gateway. `/healthz`: the process is up; `/readyz`: a hub is ready (`hubReadiness`), 503 otherwise.
    // A target in absolute form (`POST http://host/graphql HTTP/1.1`, which a server must accept, RFC 9112 §3.2.2) is
    // taken as its origin form, as the hub (Express) takes it.
    if (/^https?:\/\//i.test(req.url ?? '')) {
      try {
        const target = new URL(req.url!);
        req.url = target.pathname + target.search;
      } catch {
        // Not a URL: left as it is, and not found below.
      }
    }
    let pathname = (req.url ?? '/').split('?')[0];
    if ((pathname === '/healthz' || pathname === '/readyz') && req.method !== 'GET' && req.method !== 'HEAD') {
      req.resume();
      res.setHeader('allow', 'GET, HEAD');
      refuse(res, 405, `${req.method} is not a method of ${pathname}: use GET`, { code: 'BAD_REQUEST' });
      return;
    }
    if (pathname === '/healthz') {
      req.resume();
      sendJson(res, 200, { status: 'ok' });
      return;
    }
    if (pathname === '/readyz') {
      req.resume();
      void readiness().then(({ ready, of }) => {
        if (ready) sendJson(res, 200, { status: 'ready' });
        else sendJson(res, 503, { status: of === 1 ? 'the hub is not ready' : `none of the ${of} hubs is ready` });
      });
      return;
    }
    if (HUB_ONLY_PATHS.some((p) => pathname === p || pathname.startsWith(`${p}/`))) {
      refuse(res, 404, `${pathname} is the hub's, not the gateway's: the gateway serves GraphQL at ${runtime.graphqlEndpoint} (and /healthz, /readyz); ask a hub for the rest`, { code: 'NOT_FOUND' });
      req.resume();
      return;
    }
    // GraphQL at its path alone, as every check here reads it: Hive Gateway also served it at `/graphql/` and
    // `//graphql`, where none of the checks below (CSRF, content type, charset, UTF-8, GET parameters) applied. The hub
    // (Express) takes a trailing slash: so does the gateway, as the same path; anything else is not found.
    if (pathname === `${runtime.graphqlEndpoint}/`) {
      req.url = runtime.graphqlEndpoint + (req.url ?? '').slice(pathname.length);
      pathname = runtime.graphqlEndpoint;
    } else if (pathname !== runtime.graphqlEndpoint) {
      refuse(res, 404, `Nothing is served at ${pathname.length > 200 ? `${pathname.slice(0, 200)}…` : pathname}: the gateway serves GraphQL at ${runtime.graphqlEndpoint} (and /healthz, /readyz)`, { code: 'NOT_FOUND' });
      req.resume();
      return;
    }
    if (graphiql && wantsGraphiql(req, runtime.graphqlEndpoint)) {
      graphiql.page ??= new GraphiqlPage(runtime.graphqlEndpoint, 'LAP Hub — composed graph');
      graphiql.page.send(req, res);
      return;
    }
    cors(req, res, () => {
      const misplaced = misplacedHttpCredentialMessage(req);
      if (severalAuthorizations(req)) refuseSeveralAuthorizations(res);
      else if (misplaced) {
        // As at the hub: a credential sent elsewhere than in Authorization is refused, never answered as anonymous.
        req.resume();
        refuse(res, 401, misplaced, { code: 'UNAUTHENTICATED' });
      } else if (!refusedAsTooLarge(req, res) && !refusedAsCsrf(req, res, runtime.graphqlEndpoint) && !refusedSearchParameters(req, res, runtime.graphqlEndpoint)) {
        withCheckedBody(req, res, runtime.graphqlEndpoint, () => {
          // An Accept the gateway cannot answer in is refused before anything runs (Yoga would run the operation first).
          const graphqlRequest = (req.method === 'GET' || req.method === 'POST') && pathname === runtime.graphqlEndpoint;
          if (!graphqlRequest || gatewayAccepts(req.headers.accept)) void runtime(req, res);
          else refuse(res, 406, notAcceptableMessage('gateway'), { code: 'BAD_REQUEST' });
        });
      }
    });
  });
  // As the hub's (KEEP_ALIVE_TIMEOUT_MS, src/config.ts): idle client connections outlive a load balancer's 60 s.
  httpServer.keepAliveTimeout = options.keepAliveTimeoutMs ?? 65_000;
  // A request Node cannot read (headers too large, not sent in time, not HTTP) is answered with a JSON error, as at the hub.
  httpServer.on('clientError', answerClientError);
  answerWhatNodeRefuses(httpServer);
  live.attach(httpServer, runtime, runtime.graphqlEndpoint);
  return {
    runtime,
    live,
    httpServer,
    listen(port, host) {
      return new Promise<number>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve((httpServer.address() as { port: number }).port);
        });
      });
    },
    /**
     * As the hub stops: no new connection; a request that arrives on an open one is refused (503, `Connection: close`);
     * the requests under way are answered, each connection closing after the last answer it owes, for up to
     * `shutdownGraceMs`; then the connections still open are cut, and their hub requests given up with them (the hub
     * rolls them back: `clientGoneSignal`). Subscriptions close with 1001.
     */
    async stop() {
      stopping = true;
      const closed = closeListener(httpServer, underWay);
      await live.close();
      // The grace over: the requests still under way give up their subgraph requests and are answered so (503; a
      // mutation told to read first), for at most 2 s more; then whatever is still open is cut.
      let cutting: Promise<void> | null = null;
      const cut = setTimeout(() => {
        const answering = [...underWay].filter((res) => !res.headersSent);
        for (const res of answering) stopRequest(res);
        cutting = closedWithin(answering, 2000).then(() => httpServer.closeAllConnections());
      }, options.shutdownGraceMs ?? 10_000);
      await closed;
      clearTimeout(cut);
      await cutting;
      endRequestTimeoutChecks(httpServer);
      await runtime.dispose();
    },
  };
}
