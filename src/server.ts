import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { Duplex } from 'node:stream';
import { isUtf8 } from 'node:buffer';
import { ApolloServer, ApolloServerPlugin, HeaderMap } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import express from 'express';
import { GraphQLError, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { CaseAccessPath } from '../entities/enums';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { AuditTrail, AuditWriter } from './audit';
import { onceEvery } from './logger';
import { IdentityProviderUnavailable, TokenService } from './auth/tokens';
import { credentialFromHeader, ownLookups, requestLookups } from './auth/viewer';
import { misplacedHttpCredentialMessage } from './auth/connection-params';
import { requestTimeoutOptions, type Config } from './config';
import type { Context } from './context';
import type { StatementCount } from './db/statement-counter';
import { hubGateway, MAX_LITERAL_NESTING } from './graphql/executor';
import { hubValidationRules, MAX_QUERY_TOKENS } from './graphql/limits';
import { parsedTooDeep, tooDeepToParse, unauthenticated } from './graphql/errors';
import { inputErrorsPlugin, withoutSuggestion } from './graphql/input-errors';
import { inputTextPlugin } from './graphql/input-text';
import { defaultDashboardDir, mountDashboard } from './http/dashboard';
import { GraphiqlPage } from './http/graphiql';
import { corsFor } from './http/cors';
import { apolloAnswer, isGraphqlPost, runSteps } from './http/graphql-endpoint';
import { closedWithin, closeListener, endRequestTimeoutChecks } from './http/stopping';
import { hubAccepts, notAcceptableMessage } from './http/accept';
import { essenceOf, notJsonMessage, refuseNotJson, simpleRequest } from './http/content-type';
import { KnownQueries, knownQueryStep } from './http/known-query';
import { limitBody } from './http/body-limit';
import { answerClientError, answerWhatNodeRefuses, hostMissing, refuseHostless, SERVER_OPTIONS, bodyWithoutQueryMessage, MALFORMED_QUERY_STRING, notUtf8Charset, respondToError, sendJson, startsWithBom, Step, wellFormedQueryString } from './http/respond';
import { bearerCredential, refuseSeveralAuthorizations, severalAuthorizations } from './http/authorization';
import { persistedQueries } from './http/persisted-query';
import { conditionalSubscriptionCheck } from './http/subscription-check';
import type { Viewer } from './policy/viewer';
import { createRateLimits, Refusal, tooManyRequests, viewerKey } from './http/rate-limit';
import { accessLog, endedGraphql, factsOf, noteErrorRequest, outcomeOfStatus, requestLog, requestLoggerOf, whenEnded } from './http/request-log';
import { introspectionPlugin } from './graphql/introspection';
import { documentStore, persistedQueryStore } from './graphql/bounded-cache';
import { graphqlDuration, graphqlRequests, httpRequests, observeAuditWriter, observePool, operationLabel, registry, subscriptionsActive } from './metrics';
import { Data } from './data';
import { databaseUnavailable, POOL_BUSY_MESSAGE, statementEnded, poolWaitEnded, reportUnavailableTo, RequestConnection, setAnswerTimeout, ViewerDb } from './db/viewer-db';
import { Redactions } from './policy/redaction';
import { NetworkReportData, networkReportCsv, networkReportQuery, reportDate } from './http/network-report-csv';
import { buildHubSchema } from './schema';
import { inProcessBus, LiveBus, PostgresBus } from './live/bus';
import { LiveDispatcher } from './live/dispatcher';
import { attachLiveServer, LiveServer } from './live/websocket';
import proxyAddr from 'proxy-addr';

export interface HubOptions {
  config: Config;
  ds: DataSource;
  logger: Logger;
  /** The clock; tests inject their own. */
  now?: () => Date;
  /** A prebuilt schema (the benchmark compares builds); the product always uses `buildHubSchema`. */
  schema?: GraphQLSchema;
  /**
   * How queries execute: compiled by graphql-jit (the product, always), or by graphql-js's `execute` with the same
   * checks around it — for the tests that check that both answer every query alike (src/graphql/executor.ts).
   */
  executor?: 'jit' | 'graphql-js';
  /**
   * Benchmark only: requests run as the database owner, bypassing row-level security, to measure what the policies
   * cost (bench R7). Never set by the product: no configuration variable reaches it.
   */
  bypassRowSecurity?: boolean;
  /**
   * Benchmark only: the audit trail's entries are noted as always but never written, to measure what the trail costs
   * (bench/audit.ts). Never set by the product: no configuration variable reaches it.
   */
  skipAuditTrail?: boolean;
  /** Where the built partner dashboard is (tests); by default examples/dashboard/dist, written by `npm run dashboard:build`. */
  dashboardDir?: string;
  /**
   * How live events reach the subscribers of every instance (src/live/bus.ts): `postgres` (LISTEN/NOTIFY, the default:
   * every hub on the database) or `in-process` (the embedded database: one instance, or hubs of one process).
   */
  liveEvents?: 'postgres' | 'in-process';
  /** How often open subscriptions' credentials are checked again (src/live/dispatcher.ts `CREDENTIAL_SWEEP_MS`); tests only. */
  liveCredentialSweepMs?: number;
}

export interface Hub {
  app: express.Express;
  httpServer: http.Server;
  /**
   * The audit trail's writer: `settled()` resolves once every audit and last-used write started so far has ended;
   * `abandon()` logs what is lost when the process exits before that (a stop past its time); `skip` is the benchmark's switch (`HubOptions.skipAuditTrail`), never set by the product.
   */
  audit: Pick<AuditWriter, 'settled' | 'skip' | 'abandon' | 'lostEntries'>;
  /** The query texts answered without Apollo's request pipeline (src/http/known-query.ts): how many, and how often. */
  knownQueries: Pick<KnownQueries, 'hits' | 'size'>;
  /** Live updates: the dispatcher (subscribers, deliveries) and the WebSocket server. */
  live: { dispatcher: LiveDispatcher; server: LiveServer };
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

const knownCodes = new Set([
  'BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE', 'RATE_LIMITED',
  'CLIENT_CLOSED_REQUEST', 'SERVICE_UNAVAILABLE',
]);

/** The largest request body (HTTP) and WebSocket message accepted: 1 MiB. */
const BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * A JSON body that is not well-formed UTF-8 is refused (400 BAD_REQUEST), not decoded with U+FFFD in place of its
 * broken bytes: text that would be stored altered is refused, as a lone surrogate is (src/graphql/input-text.ts). A
 * charset other than UTF-8 is 415.
 */
function refuseMalformedUtf8(req: http.IncomingMessage, _res: unknown, body: Buffer): void {
  // A UTF-16 or UTF-32 body (which body-parser decodes) is 415 as any charset but UTF-8 is (`notUtf8Charset`).
  const charset = notUtf8Charset(req.headers['content-type']);
  if (charset !== null) throw Object.assign(new Error(`unsupported charset "${charset}"`), { status: 415 });
  if (!isUtf8(body)) throw Object.assign(new Error('The request body is not well-formed UTF-8'), { status: 400 });
  // Empty, or a byte-order mark alone (which the parser reads past).
  if (body.length === 0 || (body.length === 3 && startsWithBom(body))) throw Object.assign(new Error(bodyWithoutQueryMessage('empty')), { status: 400 });
}

/** 429 with `Retry-After`, as a GraphQL error (the code RATE_LIMITED). */
function rateLimitedError(refusal: Refusal): GraphQLError {
  return new GraphQLError(tooManyRequests(refusal), {
    // Apollo merges `http.headers` into the response as a HeaderMap (the type graphql's extensions are declared with here
    // comes from another package's augmentation).
    extensions: {
      code: 'RATE_LIMITED',
      // In the body too, as over WebSocket: a client (or the gateway, which answers its own client 429) reads it there.
      retryAfterSeconds: refusal.retryAfterSeconds,
      http: { status: 429, headers: new HeaderMap([['retry-after', String(refusal.retryAfterSeconds)]]) as never },
    },
  });
}

type ContextWithCounter = Context & {
  statements: { statements: number };
  /** What the access log and the metrics say about this request. */
  facts?: ReturnType<typeof factsOf>;
  /** The request's logger (its lines carry the request id and the client's address), made when first asked for. */
  log?: () => Logger;
};

/** A write whose commit the database did not confirm (it stopped answering, or the connection ended meanwhile). */
export const COMMIT_NOT_CONFIRMED = 'The database did not confirm the commit: it is not known whether this request was written; read before sending it again';

/**
 * What a request's resolved operation sets up before it runs (Apollo's `didResolveOperation`, and the known-query path
 * of src/http/known-query.ts, which runs without Apollo): a query reads one snapshot, read only, a mutation writes in the
 * same transaction (each field in a savepoint); a federation gateway's `_entities` request records what it carries as
 * read through that path; the access log and the metrics learn the operation.
 */
function operationResolved(contextValue: ContextWithCounter, operation: OperationDefinitionNode | undefined, operationName: string | null): void {
  if (contextValue.db) contextValue.db.readOnly = operation?.operation === 'query';
  if (contextValue.audit && operation && isEntitiesOperation(operation)) contextValue.audit.path = CaseAccessPath.ENTITIES;
  if (contextValue.facts) {
    contextValue.facts.type = operation?.operation;
    contextValue.facts.operation = operationName ?? undefined;
  }
}

/** What a request a stopping hub could not finish is told (503): it was rolled back. */
const STOPPED_BEFORE_DONE = 'The hub stopped before this request was done: nothing of it was written; send it again';

/** How long `/readyz` waits for the database before it says the hub is not ready. */
const READY_WITHIN_MS = 2000;

/** `/readyz`'s 503 when every connection was held for its 2 s and none was given back. */
const NO_CONNECTION_GIVEN_BACK = 'every database connection stayed in use for 2 s, none given back (statements waiting for a lock, or a database that does not answer)';

/** How long a stopping hub, its grace over, still waits for the answers of requests whose writes are being committed. */
const ANSWER_AFTER_COMMIT_MS = 2000;

/**
 * What a request's answer gets before it is sent (Apollo's `willSendResponse`, and the known-query path): the request's
 * transaction ended, the audit trail's entries and an API key's use handed to the writer, `extensions.redacted`, the
 * statement count when configured, the outcome for the access log and the metrics. Returns the status the answer must
 * have when ending the transaction failed (500), else undefined.
 */
async function answerReady(
  contextValue: ContextWithCounter,
  result: { data?: unknown; errors?: ReadonlyArray<GraphQLFormattedError>; extensions?: Record<string, unknown> },
  headers: { set(name: string, value: string): unknown },
  config: Config,
  logger: Logger,
  audit: AuditWriter,
): Promise<number | undefined> {
  let status: number | undefined;
  const log = () => contextValue.log?.() ?? logger;
  // Commit before anything is sent: a write the database refuses at commit must not be answered as done. A
  // read-only transaction's COMMIT is sent but not waited for (`ViewerDb.finish`): it has nothing to lose.
  // A mutation document answered with `data: null` (a refused or failed field nulled the whole answer) is rolled
  // back in full: the answer shows none of its fields' writes, so none is kept (ViewerDb.discard).
  const db = contextValue.db;
  try {
    if (db && !db.readOnly && result.data == null) await db.discard();
    else await db?.finish((err) => log().error({ err }, 'the read-only request transaction could not be ended'));
  } catch (err) {
    result.data = null;
    const ended = statementEnded(err);
    if (db?.cancelledAtStop) {
      // A stopping hub cancelled the commit (it waited past the grace): nothing was written, and the client is told so.
      result.errors = [{ message: STOPPED_BEFORE_DONE, extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 1 } }];
      headers.set('retry-after', '1');
      status = 503;
    } else if (ended) {
      // PostgreSQL ended the commit — at DATABASE_TIMEOUT_MS (a deferred check waiting for a lock), or cancelled by an
      // administrator's pg_cancel_backend: rolled back, nothing written.
      result.errors = [{ message: ended.message, extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: ended.retryAfterSeconds } }];
      headers.set('retry-after', String(ended.retryAfterSeconds));
      status = 503;
    } else if (databaseUnavailable(err)) {
      // The database stopped answering, or the connection ended, while the commit was under way: whether it was
      // written cannot be known here.
      result.errors = [{ message: COMMIT_NOT_CONFIRMED, extensions: { code: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 5 } }];
      headers.set('retry-after', '5');
      status = 503;
    } else if ((err as { code?: unknown }).code === '23514') {
      // A rule the database decides when the transaction commits (a deferred trigger's check_violation, whose message is
      // written for the client: lap.objection_in_window, lap.report_red_named): the request's mistake, nothing written.
      result.errors = [{ message: (err as Error).message, extensions: { code: 'BAD_USER_INPUT' } }];
    } else {
      log().error({ err }, 'the request transaction could not be committed');
      result.errors = [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }];
      status = 500;
    }
  }
  // After the response is computed and the request's transaction ended, never awaited: the audit trail and the
  // key's last use are written on their own connection (src/audit.ts), and a failure there is logged, not answered.
  // A response whose data is null (a failed commit, an error up to the root) carries no case.
  if (contextValue.audit && result.data != null) {
    if (result.errors?.length) contextValue.audit.keepCarried(result.data);
    audit.record(contextValue.audit);
  }
  if (contextValue.viewer?.apiKey) audit.touchApiKey(contextValue.viewer.apiKey.id, contextValue.now());
  const { redactions } = contextValue;
  if (redactions && redactions.size > 0) {
    result.extensions = { ...result.extensions, redacted: redactions.entries() };
    const byEntity = redactions.entityEntries();
    if (byEntity.length > 0) result.extensions.redactedEntities = byEntity;
  }
  if (config.reportSqlStatements && contextValue.statements) {
    headers.set('x-sql-statements', String(contextValue.statements.statements));
  }
  if (contextValue.facts) {
    const code = result.errors?.[0]?.extensions?.code;
    contextValue.facts.outcome = code === undefined ? 'ok' : String(code);
  }
  return status;
}

/**
 * Adds `extensions.redacted` (DOMAIN §3) and, when configured, the statement count of the request; tells the access
 * log and the metrics the operation and its outcome (`operationResolved`, `answerReady`).
 */
function responsePlugin(config: Config, logger: Logger, audit: AuditWriter): ApolloServerPlugin<ContextWithCounter> {
  return {
    async requestDidStart() {
      return {
        // Before the errors are formatted (`errorFormatter`): an unexpected one is logged with this request's id.
        async didEncounterErrors({ errors, contextValue }) {
          for (const error of errors) noteErrorRequest(error, contextValue.log);
        },
        async didResolveOperation({ operation, operationName, contextValue }) {
          operationResolved(contextValue, operation, operationName);
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          const status = await answerReady(contextValue, response.body.singleResult, response.http.headers, config, logger, audit);
          if (status !== undefined) response.http.status = status;
        },
      };
    },
  };
}

/** An operation whose root fields are all federation's `_entities` (a gateway fetching entities). */
function isEntitiesOperation(operation: OperationDefinitionNode): boolean {
  const fields = operation.selectionSet.selections;
  return fields.length > 0 && fields.every((f) => f.kind === 'Field' && (f.name.value === '_entities' || f.name.value === '__typename'));
}

/** Error formatting of responses and live payloads: known codes as they are; anything else logged, no internals outside development. */
const TOKEN_LIMIT_TYPO = /contains more that(?= \d+ tokens)/;

function errorFormatter(logger: Logger, development: boolean, maxQueryDepth: number) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => withoutSuggestedNames(format(formatted, error));
  function format(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
    const code = formatted.extensions?.code as string | undefined;
    if (code === 'GRAPHQL_PARSE_FAILED' && parsedTooDeep(error)) return { ...formatted, message: tooDeepToParse(maxQueryDepth, MAX_LITERAL_NESTING) };
    // graphql-js's words for its token limit have a typo ("more that 5000 tokens").
    if (code === 'GRAPHQL_PARSE_FAILED' && TOKEN_LIMIT_TYPO.test(formatted.message)) return { ...formatted, message: formatted.message.replace(TOKEN_LIMIT_TYPO, 'contains more than') };
    if (code && knownCodes.has(code)) return formatted;
    // Logged with the request's id (the logger of the request it arose in, noted by `responsePlugin` or
    // `buildContext`), which the client got as X-Request-Id.
    requestLoggerOf(error, logger).error({ err: error }, 'unexpected error in a GraphQL request');
    if (development) return formatted;
    // Never SQL text, stacks or internals outside development.
    return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  }
}

/**
 * An error without "Did you mean" suggestions in its development stack trace too (its first line is the message as
 * graphql-js wrote it, suggestions included): no response names a field or type the client did not write.
 */
function withoutSuggestedNames(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const stack = formatted.extensions?.stacktrace;
  if (!Array.isArray(stack)) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, stacktrace: stack.map((line) => (typeof line === 'string' ? withoutSuggestion(line) : line)) } };
}

/** Whether `Authorization` is `Bearer <secret>` (the scheme in any case), compared in constant time. */
function presentsSecret(header: string | undefined, secret: string): boolean {
  const given = createHash('sha256').update(bearerCredential(header)).digest();
  return timingSafeEqual(given, createHash('sha256').update(secret).digest());
}

/**
 * Headers by which proxies and CDNs name the client they relay for, or say they relayed: any of them means the request
 * is not this host's own. Besides these, every `X-Forwarded-*` and `X-Original-*` header (`RELAYED_PREFIX`): a TLS
 * proxy on this host that sets only `X-Forwarded-Proto` relays others' requests all the same.
 */
const RELAYED_FOR = ['forwarded', 'x-real-ip', 'x-client-ip', 'true-client-ip', 'cf-connecting-ip', 'fastly-client-ip', 'x-cluster-client-ip', 'x-envoy-external-address', 'via'];
const RELAYED_PREFIX = /^x-(forwarded|original)-/;

/** A request from this host itself: a loopback peer, and no proxy's forwarding headers (a proxy on this host relays others'). */
function fromThisHost(req: http.IncomingMessage): boolean {
  const peer = req.socket.remoteAddress ?? '';
  const loopback = peer === '::1' || /^(::ffff:)?127\./.test(peer);
  return loopback && RELAYED_FOR.every((h) => req.headers[h] === undefined) && !Object.keys(req.headers).some((h) => RELAYED_PREFIX.test(h));
}

export async function createHub(options: HubOptions): Promise<Hub> {
  const { config, ds, logger } = options;
  const now = options.now ?? (() => new Date());
  const development = config.nodeEnv === 'development';
  const tokens = new TokenService(config);
  const audit = new AuditWriter(ds, logger, options.skipAuditTrail === true);
  setAnswerTimeout(ds, config.databaseTimeoutMs);
  // One line a second at most while the database cannot be reached (each request is answered 503 meanwhile).
  reportUnavailableTo((err, refused) => logger.warn({ err, refused }, `the database cannot be reached: ${refused} request(s) answered 503 since the last such line`));
  // The identity provider's keys could not be fetched: at most one line a second, with how many requests were answered
  // 503 for it since the line before (each token an anonymous client makes up would otherwise write one).
  const providerAway = onceEvery<{ err: IdentityProviderUnavailable; log: Logger }>(({ err, log }, count) => log.error({ err, requestsAnswered503: count }, err.message));
  const schema = options.schema ?? (await buildHubSchema());
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // No ETags: GraphQL answers are POSTed and per viewer, and hashing a 500-row answer on every request costs CPU.
  app.set('etag', false);
  // POST /graphql — the API's every query and mutation — runs its steps without Express's router (runSteps, below):
  // the same functions Express runs for every other request, at a fraction of the cost per request.
  let servePost: ReturnType<typeof runSteps> | undefined;
  // A client has REQUEST_TIMEOUT_MS to send a whole request, headers and body; then Node answers 408 and closes it.
  const httpServer = http.createServer({ ...requestTimeoutOptions(config.requestTimeoutMs), ...SERVER_OPTIONS }, (req, res) => {
    if (hostMissing(req)) return refuseHostless(res);
    return servePost && isGraphqlPost(req) ? servePost(req, res) : app(req, res);
  });
  // Node's default is 5 s: a load balancer or proxy keeping its idle connections longer sends requests on connections
  // the hub has just closed (ECONNRESET, a 502 at the balancer). Stopping closes idle connections at once either way.
  httpServer.keepAliveTimeout = config.keepAliveTimeoutMs;
  // A request Node cannot read (headers too large, not sent in time, not HTTP) is answered with a JSON error saying why.
  // It has an access line, as every other request: the steps (and the access log among them) never saw it. Without
  // method or path (Node could not read them) and without the headers' TRUST_PROXY address: the peer's.
  httpServer.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) =>
    answerClientError(err, socket, (refused) => {
      logger.info(
        { clientIp: refused.remoteAddress, req: { remoteAddress: refused.remoteAddress }, res: { statusCode: refused.status }, refusedBeforeRouting: refused.code },
        `request refused before routing: ${refused.status} ${refused.text}`,
      );
      httpRequests.inc({ route: '(none)', status: String(refused.status) });
    }),
  );
  answerWhatNodeRefuses(httpServer);

  // The limits on a query (src/graphql/limits.ts); armor's plugin here only keeps field suggestions out of errors.
  const validationRules = hubValidationRules(config.maxQueryDepth);
  const armor = new ApolloArmor({
    maxDepth: { enabled: false },
    maxAliases: { enabled: false },
    maxDirectives: { enabled: false },
    maxTokens: { enabled: false },
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: true },
  }).protect();

  // Query texts Apollo has accepted, answered again without its request pipeline (src/http/known-query.ts).
  const known = new KnownQueries();
  const apollo = new ApolloServer<ContextWithCounter>({
    // Apollo's own lines (a request that arrives while it stops, …) as the hub's JSON lines, not plain text on stdout.
    logger: logger.child({ component: 'apollo' }),
    gateway: hubGateway(schema, options.executor ?? 'jit', 100, known),
    introspection: true,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: development,
    hideSchemaDetailsFromClientErrors: !development,
    allowBatchedHttpRequests: false,
    // main.ts drains and closes the database itself on SIGINT/SIGTERM.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: MAX_QUERY_TOKENS },
    validationRules,
    // Every per-query cache is bounded by entries: parsed documents here, compiled queries in src/graphql/executor.ts.
    documentStore: documentStore(),
    // Automatic persisted queries are kept per credential before Apollo sees the request (src/http/persisted-query.ts).
    persistedQueries: false,
    // Compact JSON: a 500-row page is large enough without indentation.
    stringifyResult: (value) => JSON.stringify(value),
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<ContextWithCounter>[]),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are used; the implicit cache-control plugin would otherwise hook every field.
      ApolloServerPluginCacheControlDisabled(),
      // Federation inline traces (ftv1) are never sent: a trace times each resolver, and a hidden row must not be told
      // from a missing one by its timing (DOMAIN §6). Hive Gateway does not read them.
      ApolloServerPluginInlineTraceDisabled(),
      responsePlugin(config, logger, audit),
      introspectionPlugin<ContextWithCounter>(),
      inputErrorsPlugin<ContextWithCounter>(),
      inputTextPlugin<ContextWithCounter>(),
    ],
    formatError: errorFormatter(logger, development, config.maxQueryDepth),
  });
  await apollo.start();

  const pool = (ds.driver as unknown as { master?: import('pg').Pool }).master ?? null;
  const rateLimits = await createRateLimits(config, config.databaseUrl ? pool : null, logger);
  const unobservePool = pool ? observePool(pool) : () => undefined;
  const unobserveAudit = observeAuditWriter(audit);

  // Every request gets an id (X-Request-Id) and one access-log line; CORS answers before anything else.
  // The client's address: the socket's peer, or with TRUST_PROXY the address the trusted proxies name (Express's `req.ip`).
  const trustProxy = app.get('trust proxy fn') as Parameters<typeof proxyAddr>[1];
  const clientIp = (req: http.IncomingMessage): string | undefined => proxyAddr(req, trustProxy);
  /** What every request passes first, whichever path serves it (Express, or runSteps for POST /graphql). */
  const firstSteps: Step[] = [];
  firstSteps.push(accessLog(logger, clientIp));
  // Every request the access log has a line for is counted, as that line gives it — answered, or its connection closed
  // first (499, a 408); refused at a stop (503), or as a CORS preflight, too. One whose line has a GraphQL part (an
  // operation, an outcome) is counted by operation and outcome as well, its time with it.
  firstSteps.push((req, res, next) => {
    const started = process.hrtime.bigint();
    whenEnded(req, res, (status) => {
      // The route's pattern, never the path itself (any path a client invents would become a label of its own).
      const route = (req as express.Request).route?.path ?? (isGraphqlPost(req) ? '/graphql' : undefined);
      httpRequests.inc({ route: typeof route === 'string' ? route : '(none)', status: String(status) });
      // As the request's access line gives it: its GraphQL part as the line has it, none if the line has none.
      const graphql = endedGraphql(req, res);
      if (!graphql) return;
      graphqlDuration.observe({ type: graphql.type ?? 'none' }, Number(process.hrtime.bigint() - started) / 1e9);
      graphqlRequests.inc({ operation: operationLabel(graphql.operation), outcome: graphql.outcome });
    });
    next();
  });
  /**
   * Stopping (`stop`): the listener is closed at once and idle keep-alive connections with it; a request that still
   * arrives on an open connection is answered 503 before anything runs, and every answer says `Connection: close`, so
   * that no request is taken on that cannot be answered. The requests under way when the stop began finish and are answered.
   */
  let stopping = false;
  const underWay = new Set<http.ServerResponse>();
  /** The transaction of each request under way, once its context is built. */
  const transactionOf = new WeakMap<http.ServerResponse, ViewerDb>();
  firstSteps.push((req, res, next) => {
    if (stopping) {
      factsOf(req).outcome = 'SERVICE_UNAVAILABLE';
      res.setHeader('connection', 'close');
      res.setHeader('retry-after', '1');
      sendJson(res, 503, { errors: [{ message: 'The hub is stopping: send the request again, to this or another instance', extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
      return;
    }
    underWay.add(res);
    res.once('close', () => underWay.delete(res));
    next();
  });
  firstSteps.push(corsFor(config.corsOrigins));
  firstSteps.push((req, res, next) => {
    if (!severalAuthorizations(req)) return next();
    factsOf(req).outcome = 'BAD_REQUEST';
    refuseSeveralAuthorizations(res);
  });
  for (const step of firstSteps) app.use(step);

  app.get('/metrics', async (req, res) => {
    if (config.metricsToken && !presentsSecret(req.headers.authorization, config.metricsToken)) {
      res.status(401).setHeader('www-authenticate', 'Bearer').json({ error: 'metrics need METRICS_TOKEN' });
      return;
    }
    // In production without METRICS_TOKEN, the metrics are this host's only: a scraper on the loopback interface, not a
    // request relayed by a proxy. Requests by operation and outcome, statements and subscriptions are the network's
    // activity, which nobody on the internet should watch; METRICS_TOKEN lets a scraper elsewhere in.
    if (!config.metricsToken && config.nodeEnv === 'production' && !fromThisHost(req)) {
      res.status(403).json({ error: 'metrics are served to this host only: set METRICS_TOKEN to scrape them from elsewhere' });
      return;
    }
    res.setHeader('content-type', registry.contentType);
    res.end(await registry.metrics());
  });

  /** The per-address limit: counted before the body is read or the token checked. */
  const limitByIp: Step = (req, res, next) => {
    rateLimits.byIp(clientIp(req) ?? 'unknown').then((refusal) => {
      if (!refusal) return next();
      const error = rateLimitedError(refusal);
      factsOf(req).outcome = 'RATE_LIMITED';
      res.setHeader('retry-after', String(refusal.retryAfterSeconds));
      sendJson(res, 429, { errors: [{ message: error.message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: refusal.retryAfterSeconds } }] });
    }, next);
  };


  // Live updates (DOMAIN §7): committed changes come back from the bus as ids, the dispatcher resolves them per group of
  // subscribers, graphql-ws carries them at the same path as queries.
  const bus: LiveBus = (options.liveEvents ?? 'postgres') === 'postgres' ? new PostgresBus(ds, logger) : inProcessBus(ds);
  await bus.start();
  const formatError = errorFormatter(logger, development, config.maxQueryDepth);
  const dispatcher = new LiveDispatcher({
    ds, schema, config, logger, now, audit, formatError: (e) => formatError(e.toJSON(), e), credentialSweepMs: options.liveCredentialSweepMs,
  });
  const unlisten = bus.listen((events) => dispatcher.publish(events));
  // The metrics' gauge follows this hub's active subscriptions (by difference: hubs of one process share the registry).
  let counted = 0;
  const countSubscriptions = (n: number) => {
    subscriptionsActive.inc(n - counted);
    counted = n;
  };
  dispatcher.on('subscribed', countSubscriptions);
  dispatcher.on('unsubscribed', countSubscriptions);
  const liveServer = attachLiveServer({
    httpServer,
    path: '/graphql',
    schema,
    dispatcher,
    authenticate: async (header) => {
      const at = now();
      const found = await credentialFromHeader(header, tokens, ds, at).catch((err: unknown) => {
        credentialRefused(err, logger);
        throw err;
      });
      // Connecting with a key uses it (DOMAIN §8 `lastUsedAt`); its deliveries do too (LiveDispatcher).
      if (found.viewer.apiKey) audit.touchApiKey(found.viewer.apiKey.id, at);
      return found;
    },
    validationRules,
    maxQueryDepth: config.maxQueryDepth,
    logger,
    production: config.nodeEnv === 'production',
    clientIp: (request) => clientIp(request) ?? 'unknown',
    rateLimits,
    maxPayload: BODY_LIMIT_BYTES,
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  // Answered within 2 s: a database that does not answer, or every connection of the pool held for that long with none
  // given back (requests waiting for a lock, say), is "not ready" then, not a probe left waiting for the pool's 10 s. A
  // busy pool — every connection taken and requests queued, as under any load — is ready: while the probe waits for a
  // connection, one given back without an error is the database answering and the hub serving, and that is its answer
  // (a probe that answered 503 at once, or after waiting its turn behind hundreds of requests served, took a loaded hub
  // that served out of service).
  // The probes waiting for a connection to be given back: one listener on the pool for all of them (a listener each
  // made Node warn of a leak past ten probes at once, as during an outage).
  const waitingProbes = new Set<() => void>();
  const givenBack = (err?: unknown) => {
    if (err) return;
    for (const served of waitingProbes) served();
  };
  pool?.on('release', givenBack);
  app.get('/readyz', async (_req, res) => {
    const poolBusy = () => !!pool && pool.totalCount >= (pool.options.max ?? 10) && pool.idleCount === 0;
    let timer: NodeJS.Timeout | undefined;
    let served: (() => void) | undefined;
    const status = await Promise.race([
      ds.query('SELECT 1').then(
        () => 'ready',
        (err: unknown) => (poolWaitEnded(err) ? NO_CONNECTION_GIVEN_BACK : 'database unavailable'),
      ),
      new Promise<string>((resolve) => {
        served = () => resolve('ready');
        waitingProbes.add(served);
      }),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(poolBusy() ? NO_CONNECTION_GIVEN_BACK : 'the database did not answer within 2 s'), READY_WITHIN_MS);
      }),
    ]);
    clearTimeout(timer);
    if (served) waitingProbes.delete(served);
    if (status === 'ready') res.json({ status });
    else res.status(503).json({ status });
  });

  let graphiql: GraphiqlPage | undefined;
  app.get('/graphql', (req, res, next) => {
    // A browser asking for a page, not a GET query: serve GraphiQL (GRAPHIQL; off in production unless asked for).
    if (req.query.query !== undefined || req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
    if (!config.graphiql) {
      // Said to the operator who opens the address in a browser, rather than Apollo's refusal of a GET without a query.
      res.status(406).setHeader('content-type', 'text/plain; charset=utf-8');
      res.end('GraphiQL is off on this hub (GRAPHIQL=true serves it; in production it is off unless set). GraphQL requests are POSTed here as JSON.\n');
      return;
    }
    graphiql ??= new GraphiqlPage('/graphql');
    graphiql.send(req, res);
  });

  /**
   * The context of one request: the viewer, the database as that viewer sees it (one transaction, begun by the first
   * statement, ended before the response is sent or when the connection closes), fresh loaders over it.
   */
  /**
   * A credential is looked up on the request's own connection, and that lookup begins the request's transaction
   * (RequestConnection): one round trip for both. Not while the per-viewer rate limit counts in the hub's database (it
   * would wait for a second connection of the pool while holding one: a full pool would wait on itself), and not for
   * the harness's variant that bypasses row-level security: they look it up on a connection of its own.
   */
  const foldLookup = !options.bypassRowSecurity && !(config.rateLimitStore === 'postgres' && config.rateLimitPerViewer > 0);

  /**
   * The per-viewer rate limit of a request, counted once however many times its context is built. Built again after its
   * assumed viewer was not confirmed (`again`): under the same key, it gets the answer that count gave (a refusal
   * included) and is not counted again; under another key, the count as the assumed viewer is given back and it is
   * counted as the viewer found (`dropCount` gives it back when the viewer found has none to count: a revoked key).
   */
  async function rateLimited(req: http.IncomingMessage, viewer: Viewer): Promise<Refusal | null> {
    const ip = clientIp(req) ?? 'unknown';
    const key = viewerKey(viewer, ip);
    const before = countedLimits.get(req);
    if (before?.key === key) return before.refusal;
    if (before) await rateLimits.giveBack(before.key);
    const refusal = await rateLimits.byViewer(viewer, ip);
    countedLimits.set(req, { key, refusal });
    return refusal;
  }
  const countedLimits = new WeakMap<http.IncomingMessage, { key: string; refusal: Refusal | null }>();

  /** The request's count as a viewer it turned out not to be, given back: without the assumption it was never counted. */
  async function dropCount(req: http.IncomingMessage): Promise<void> {
    const before = countedLimits.get(req);
    countedLimits.delete(req);
    if (before) await rateLimits.giveBack(before.key);
  }

  /**
   * A viewer assumed and not confirmed: the request's facts (its access line, its metrics) keep nothing of the run as
   * that viewer — no viewer, no operation — as for a request refused before it ran; the run again learns them anew.
   */
  function forgetAssumedViewer(req: http.IncomingMessage): void {
    const facts = factsOf(req);
    facts.viewer = undefined;
    facts.type = undefined;
    facts.operation = undefined;
  }

  /** Logs and counts a request whose context could not be built, as the operator is to hear of it; returns the error. */
  function contextRefused(req: http.IncomingMessage, err: unknown): unknown {
    const log = requestLog(req);
    noteErrorRequest(err, log);
    credentialRefused(err, log ?? logger);
    return err;
  }

  /**
   * What the operator hears of a credential that could not be checked, for a request (`contextRefused`) or a WebSocket
   * connection alike: the identity provider away (an error a second at most), every database connection in use (a
   * warning). The database's unavailability is reported where it is recognized (`databaseUnavailable`).
   */
  function credentialRefused(err: unknown, log: Logger): void {
    // Not the client's fault and not a bug of the hub, but the operator's to know: the identity provider is away.
    const cause = (err as { originalError?: unknown }).originalError;
    if (cause instanceof IdentityProviderUnavailable) providerAway({ err: cause, log });
    // Every database connection stayed in use: the operator's to know (a lock held long, a pool too small), said so.
    if ((err as Error).message === POOL_BUSY_MESSAGE && cause instanceof Error) log.warn({ err: cause }, cause.message);
  }

  /**
   * `speculate`: a query of the known-query path, which may go on as the viewer its credential named last time while
   * the lookup is under way (`RequestConnection`), and answers only once that is confirmed. `again`: the same request
   * run again after such an assumption failed (counted once: `rateLimited`, `dropCount`).
   */
  async function buildContext(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    path: CaseAccessPath,
    how: { speculate?: boolean; again?: boolean } = {},
  ): Promise<ContextWithCounter> {
    const at = now();
    const clockReadAt = performance.now();
    // Where this request's statements are counted, when they are reported (`X-SQL-Statements`).
    const count = (req as unknown as { statements?: StatementCount }).statements ?? null;
    if (how.again && count) count.statements = 0;
    const connection = foldLookup ? new RequestConnection(ds, at, count, clockReadAt, how.speculate === true) : null;
    let db: ViewerDb;
    let viewer;
    /** Whether this build counted the request (or found it counted under the same key). */
    let countedHere = false;
    try {
      const misplaced = misplacedHttpCredentialMessage(req);
      if (misplaced) throw unauthenticated(misplaced);
      ({ viewer } = await credentialFromHeader(req.headers.authorization, tokens, ds, at, connection ? requestLookups(connection) : ownLookups(ds, at, count)));
      factsOf(req).viewer = { kind: viewer.kind, person: viewer.personId, organization: viewer.ownOrgId };
      const refusal = await rateLimited(req, viewer);
      countedHere = true;
      if (refusal) throw rateLimitedError(refusal);
      if (connection?.looked) db = await connection.viewerDb(viewer);
      else {
        db = new ViewerDb(ds, viewer, at, options.bypassRowSecurity === true);
        db.count = count;
        db.clockReadAt = clockReadAt;
      }
    } catch (err) {
      // Refused on the viewer the credential named last time (its rate limit, its key as it was): said only if the
      // lookup finds that viewer again; otherwise the request is built again as the viewer found (counted once:
      // `rateLimited`), and a lookup that failed is answered as its failure (its count given back).
      let right = true;
      try {
        right = (await connection?.assumedRight()) ?? true;
      } catch (failure) {
        forgetAssumedViewer(req);
        await dropCount(req);
        contextRefused(req, failure);
        await connection?.release();
        throw failure;
      }
      if (!right) {
        forgetAssumedViewer(req);
        await connection?.release();
        return buildContext(req, res, path, { again: true });
      }
      // Built again and refused before it was counted (the viewer found is none: a key revoked, a person gone): the
      // count made as the assumed viewer is given back.
      if (how.again && !countedHere) await dropCount(req);
      contextRefused(req, err);
      await connection?.release();
      throw err;
    }
    const facts = factsOf(req);
    const log = () => requestLog(req) ?? logger;
    db.live = bus;
    transactionOf.set(res, db);
    const end = () => {
      // Before the answer was sent: the client went away (what the resolvers still ask for is refused, not logged).
      const abandoned = !res.writableFinished;
      (abandoned ? db.abandon() : db.finish()).catch((err) => log().error({ err }, 'the request transaction could not be ended'));
    };
    // The client may have gone already, while the body was read or the credential looked up (which began the
    // transaction): a request Apollo then refuses before running anything (a malformed body: no plugin hook, no answer
    // sent) had its transaction ended by nothing, `idle in transaction` for good, and a few such requests took every
    // connection of the pool (the embedded database's only one with the first).
    if (res.closed) end();
    else res.once('close', end);
    const trail = new AuditTrail(viewer, at, path);
    return {
      viewer,
      data: new Data(db, viewer, trail),
      db,
      audit: trail,
      redactions: new Redactions(),
      config,
      now: () => at,
      statements: (req as unknown as { statements: { statements: number } }).statements,
      facts,
      log,
    };
  }

  /**
   * The context as `buildContext` made it, before anything ran: the same viewer and statement count as then, fresh
   * loaders, no redactions, an empty audit trail (the known-query path hands a request whose answer has errors to
   * Apollo, which runs it again, on the transaction `ViewerDb.restart` began again).
   */
  function freshContext(context: ContextWithCounter): void {
    context.audit = new AuditTrail(context.viewer, context.audit.at, CaseAccessPath.QUERY);
    context.data = new Data(context.db, context.viewer, context.audit);
    context.redactions = new Redactions();
    const before = statementsAtRun.get(context);
    if (context.statements && before !== undefined) context.statements.statements = before;
  }
  const statementsAtRun = new WeakMap<ContextWithCounter, number>();
  const answerWithApollo = apolloAnswer(apollo);

  const persisted = persistedQueries(persistedQueryStore(), clientIp);
  // An Accept the hub cannot answer in is refused before anything runs (Apollo would run the operation first).
  const acceptable: Step = (req, res, next) => {
    if (hubAccepts(req.headers.accept)) return next();
    sendJson(res, 406, { errors: [{ message: notAcceptableMessage('hub'), extensions: { code: 'BAD_REQUEST' } }] });
  };
  // A POST's body is a JSON object: another content type is refused 415 before the body is read (Apollo's CSRF
  // prevention answers a simple cross-origin request first, src/http/content-type.ts).
  // A GET's query string is decoded as UTF-8: broken bytes in it are refused as a POST body's are (after Apollo's CSRF
  // prevention, which refuses a simple request first).
  const readableRequest: Step = (req, res, next) => {
    if (req.method === 'GET' && !simpleRequest(req.headers) && !wellFormedQueryString(req.url ?? '')) {
      return sendJson(res, 400, { errors: [{ message: MALFORMED_QUERY_STRING, extensions: { code: 'BAD_REQUEST' } }] });
    }
    const message = req.method === 'POST' ? notJsonMessage(req.headers) : null;
    if (message === null) return next();
    refuseNotJson(res, req.headers, message);
  };
  // A JSON POST without a body, or with `{}`, named as such (an empty body is refused as it is read,
  // `refuseMalformedUtf8`). Another content type got here only as a simple request, Apollo's CSRF prevention's to refuse.
  const notEmpty: Step = (req, res, next) => {
    const body = (req as { body?: unknown }).body;
    if (req.method !== 'POST' || essenceOf(req.headers['content-type'] ?? '') !== 'application/json' || (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).length > 0))) return next();
    sendJson(res, 400, { errors: [{ message: bodyWithoutQueryMessage(body === undefined ? 'empty' : 'no keys'), extensions: { code: 'BAD_REQUEST' } }] });
  };
  const graphqlSteps: Step[] = [limitByIp, limitBody(BODY_LIMIT_BYTES), readableRequest, express.json({ limit: BODY_LIMIT_BYTES, verify: refuseMalformedUtf8 }), notEmpty, persisted, conditionalSubscriptionCheck, acceptable, (req, res, next) => {
    // A GraphQL request from here on: its facts made (the access line's GraphQL part, and its metrics, read them).
    const facts = factsOf(req);
    res.once('finish', () => {
      facts.outcome ??= outcomeOfStatus(res.statusCode);
    });
    // Count the statements of this request when asked to (tests and the benchmark read them from a header).
    if (config.reportSqlStatements) (req as unknown as { statements: StatementCount }).statements = { statements: 0 };
    next();
  }, knownQueryStep<ContextWithCounter>({
    schema,
    known,
    context: (req, res) => buildContext(req, res, CaseAccessPath.QUERY, { speculate: true }),
    apollo: answerWithApollo,
    confirmed: (context) => context.db.confirmed(),
    refused: (req, err) => {
      // The viewer was assumed, never confirmed: not the one to log, nor to count.
      forgetAssumedViewer(req);
      void dropCount(req);
      return contextRefused(req, err);
    },
    again: (req, res, next) => {
      forgetAssumedViewer(req);
      answerWithApollo(req, res, () => buildContext(req, res, CaseAccessPath.QUERY, { again: true }), next);
    },
    resolved: (context, query) => {
      if (context.statements) statementsAtRun.set(context, context.statements.statements);
      operationResolved(context, query.operation, query.operation.name?.value ?? null);
    },
    fresh: async (context) => {
      await context.db.restart();
      freshContext(context);
    },
    ready: (context, result, headers) => answerReady(context, result as never, headers, config, logger, audit),
  }), (req, res, next) => answerWithApollo(req, res, () => buildContext(req, res, CaseAccessPath.QUERY), next)];
  // GraphQL over HTTP is GET and POST (OPTIONS: CORS preflights, answered before): any other method is 405.
  app.all('/graphql', (req, res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'POST' || req.method === 'OPTIONS') return next();
    res.setHeader('allow', 'GET, POST');
    sendJson(res, 405, { errors: [{ message: `${req.method} is not a method of /graphql: use GET or POST`, extensions: { code: 'BAD_REQUEST' } }] });
  });
  // GET through Express; POST without it: the same steps after the same first ones.
  app.all('/graphql', ...graphqlSteps);
  servePost = runSteps([...firstSteps, ...graphqlSteps], respondToError(logger));

  // The network report as CSV, through the same schema, rules and token as GraphQL.
  app.get('/reports/network.csv', limitByIp, async (req, res, next) => {
    try {
      // The period first: a malformed date is the reader's mistake, named before anything else is done.
      const from = reportDate('from', req.query.from);
      const to = reportDate('to', req.query.to);
      for (const date of [from, to]) {
        if ('problem' in date) {
          res.status(400).json({ errors: [{ message: `${date.argument}: ${date.problem}`, extensions: { code: 'BAD_USER_INPUT', argument: date.argument } }] });
          return;
        }
      }
      let context: ContextWithCounter;
      try {
        context = await buildContext(req, res, CaseAccessPath.CSV);
      } catch (err) {
        if (err instanceof GraphQLError && err.extensions.code === 'UNAUTHENTICATED') {
          res.status(401).json({ errors: [{ message: err.message, extensions: { code: 'UNAUTHENTICATED' } }] });
          return;
        }
        // Too many requests (429), or the identity provider away (503): the status and Retry-After the error carries.
        if (err instanceof GraphQLError && (err.extensions.code === 'RATE_LIMITED' || err.extensions.code === 'SERVICE_UNAVAILABLE')) {
          const http = err.extensions.http as unknown as { status: number; headers: HeaderMap };
          const retryAfter = http.headers.get('retry-after')!;
          res.status(http.status).setHeader('retry-after', retryAfter);
          // As a GraphQL request's error says it: the code, and when to send it again.
          res.json({ errors: [{ message: err.message, extensions: { code: err.extensions.code, retryAfterSeconds: Number(retryAfter) } }] });
          return;
        }
        throw err;
      }
      const result = await apollo.executeOperation(
        { query: networkReportQuery, variables: { from: (from as { value: string }).value, to: (to as { value: string }).value } },
        { contextValue: context },
      );
      if (result.body.kind !== 'single') throw new Error('unexpected incremental result');
      const { data, errors, extensions } = result.body.singleResult;
      if (errors?.length) {
        const code = errors[0].extensions?.code;
        // The database could not be reached, or was busy: 503 with Retry-After, as the GraphQL request is answered.
        const retryAfter = errors[0].extensions?.retryAfterSeconds;
        if (code === 'SERVICE_UNAVAILABLE' && typeof retryAfter === 'number') res.setHeader('retry-after', String(retryAfter));
        // Not GraphQL's locations and path of a query the reader never wrote: the message and its code.
        res.status(code === 'INTERNAL_SERVER_ERROR' ? 500 : code === 'SERVICE_UNAVAILABLE' ? 503 : 400).json({ errors: errors.map((e) => ({ message: e.message, extensions: e.extensions })) });
        return;
      }
      const report = (data as { networkReport: NetworkReportData | null }).networkReport;
      if (!report) {
        res.status(403).json({ errors: [{ message: 'The network report is for agencies', extensions: { code: 'FORBIDDEN' } }] });
        return;
      }
      res.setHeader('content-type', 'text/csv; charset=utf-8');
      res.setHeader('content-disposition', 'attachment; filename="network-report.csv"');
      // The figures withheld from this reader (empty cells), as GraphQL's extensions.redacted names them.
      const redacted = (extensions?.redacted as Array<{ path: string }> | undefined) ?? [];
      if (redacted.length) res.setHeader('x-redacted', redacted.map((r) => r.path).join(','));
      res.end(networkReportCsv(report));
    } catch (err) {
      next(err);
    }
  });

  // The reference partner dashboard (examples/dashboard), when built.
  mountDashboard(app, options.dashboardDir ?? defaultDashboardDir());

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  const respond = respondToError(logger);
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => respond(err, req, res));

  return {
    app,
    httpServer,
    audit,
    knownQueries: known,
    live: { dispatcher, server: liveServer },
    listen(port: number, host: string) {
      return new Promise<number>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => {
          httpServer.off('error', reject);
          resolve((httpServer.address() as { port: number }).port);
        });
      });
    },
    async stop() {
      /**
       * The grace is over: every request under way is cut (its connection closed unanswered, its transaction rolled
       * back: `ViewerDb.abandon`) except one whose writes are being committed, which is answered first — cut, its client
       * would not hear that what it asked was done — for at most ANSWER_AFTER_COMMIT_MS more; then whatever is open.
       */
      const cutConnections = async () => {
        const lastOnSocket = new Map<unknown, http.ServerResponse>();
        for (const res of underWay) lastOnSocket.set(res.req.socket, res);
        const answering: http.ServerResponse[] = [];
        const committing: http.ServerResponse[] = [];
        for (const res of underWay) {
          const transaction = transactionOf.get(res);
          if (transaction?.committing) {
            committing.push(res);
            continue;
          }
          // Rolled back now, before anything else: a commit that would begin after this moment is not made.
          void transaction?.abandon().catch(() => undefined);
          factsOf(res.req).cutAtStop = true;
          if (res.headersSent) {
            res.socket?.destroy();
            continue;
          }
          // Answered, not cut: its client hears that nothing of it was written, and an answer its connection owes after
          // this one (a request pipelined behind it, perhaps done) still goes out. Whatever its own steps still try to
          // answer is dropped (the response has ended).
          if (lastOnSocket.get(res.req.socket) === res) res.setHeader('connection', 'close');
          res.setHeader('retry-after', '1');
          sendJson(res, 503, { errors: [{ message: STOPPED_BEFORE_DONE, extensions: { code: 'SERVICE_UNAVAILABLE' } }] });
          answering.push(res);
        }
        // The commits under way are waited for (at most ANSWER_AFTER_COMMIT_MS), then cancelled: answered as not written.
        await closedWithin([...committing, ...answering], ANSWER_AFTER_COMMIT_MS);
        const late = committing.filter((res) => !res.closed);
        if (late.length) {
          await Promise.all(late.map((res) => transactionOf.get(res)?.cancelCommit().catch(() => undefined)));
          await closedWithin(late, ANSWER_AFTER_COMMIT_MS);
        }
        httpServer.closeAllConnections();
      };
      // No new connection and no new request from here on (above); idle keep-alive connections close with the listener.
      stopping = true;
      const closed = closeListener(httpServer, underWay);
      // Subscriptions end (their sockets would keep the server open); the requests under way finish and are answered,
      // for up to SHUTDOWN_GRACE_MS, after which the connections still open are cut (`cutConnections`).
      await liveServer.close();
      let cutting: Promise<void> | null = null;
      const cut = setTimeout(() => (cutting = cutConnections()), config.shutdownGraceMs);
      await closed;
      clearTimeout(cut);
      await cutting;
      endRequestTimeoutChecks(httpServer);
      // Then Apollo stops; the events of the last commits are no longer delivered here.
      await apollo.stop();
      unlisten();
      dispatcher.stop();
      await dispatcher.idle();
      await bus.stop();
      countSubscriptions(0);
      unobservePool();
      pool?.off('release', givenBack);
      await rateLimits.close();
      // The audit entries of the last requests are written before the database closes.
      await audit.settled();
      unobserveAudit();
    },
  };
}
