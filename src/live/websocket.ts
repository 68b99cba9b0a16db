import type http from 'node:http';
import {
  DocumentNode, FieldNode, getArgumentValues, getOperationAST, GraphQLError, GraphQLSchema, Kind, OperationDefinitionNode, OperationTypeNode, parse,
  SelectionSetNode, specifiedRules, validate, ValidationRule,
} from 'graphql';
import { closeReason, connectionInitCredential } from '../auth/connection-params';
import { asValidationError } from '../graphql/input-errors';
import { checkedVariables } from '../graphql/input-text';
import { conditionalRootRefusal } from '../graphql/conditional-root';
import { parsedTooDeep, tooDeepToParse, unresolvedOperation } from '../graphql/errors';
import { MAX_QUERY_TOKENS } from '../graphql/limits';
import { MAX_LITERAL_NESTING } from '../graphql/executor';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import type { Credential } from '../auth/viewer';
import { IdentityProviderUnavailable } from '../auth/tokens';
import { databaseUnavailable, POOL_BUSY_MESSAGE } from '../db/viewer-db';
import { RateLimits, tooManyRequests } from '../http/rate-limit';
import type { Viewer } from '../policy/viewer';
import { LiveConnection, LiveDispatcher, LiveSelection } from './dispatcher';
import type { LiveTopic } from './events';

/** Which topic each subscription field listens to. */
const topicOf: Record<string, LiveTopic> = {
  caseChanged: 'case',
  earlyWarningPublished: 'earlyWarning',
  callChanged: 'call',
  assistanceRequestChanged: 'assistance',
};

/** setTimeout takes at most 2^31 − 1 ms (about 24.8 days): a later expiry is re-armed in steps. */
const MAX_TIMER = 2 ** 31 - 1;

/** One WebSocket connection after `connection_init`: its viewer, its credential and the timer that ends it with its token. */
class WsConnection implements LiveConnection {
  private timer: NodeJS.Timeout | null = null;
  private ended = false;

  constructor(
    private readonly socket: WebSocket,
    public viewer: Viewer,
    readonly credential: Credential,
    /** The client's address (TRUST_PROXY as for HTTP): anonymous subscribers are rate-limited by it. */
    readonly ip: string,
  ) {}

  get closed(): boolean {
    return this.ended || this.socket.readyState !== WebSocket.OPEN;
  }

  close(code: number, reason: string): void {
    this.ended = true;
    this.disarm();
    if (this.socket.readyState === WebSocket.OPEN || this.socket.readyState === WebSocket.CONNECTING) this.socket.close(code, reason);
  }

  /**
   * Closes the connection (4403 "token expired", or "API key expired") when its token or API key expires (DOMAIN §7:
   * within 5 s; here at the moment).
   */
  arm(now: number): void {
    const credential = this.credential;
    if (credential.kind === 'anonymous' || !credential.expiresAt) return;
    const due = credential.expiresAt.getTime();
    const wait = Math.max(0, due - now);
    this.timer = setTimeout(() => {
      this.timer = null;
      if (Date.now() >= due) this.close(4403, credential.kind === 'token' ? 'token expired' : 'API key expired');
      else this.arm(Date.now());
    }, Math.min(wait, MAX_TIMER));
    this.timer.unref();
  }

  disarm(): void {
    this.ended = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

export interface LiveServerOptions {
  httpServer: http.Server;
  path: string;
  schema: GraphQLSchema;
  dispatcher: LiveDispatcher;
  /**
   * The viewer and credential of an Authorization value (as HTTP requests get theirs); throws UNAUTHENTICATED, or
   * SERVICE_UNAVAILABLE having said to the operator what they are to hear of it (as for a request).
   */
  authenticate(header: string | undefined): Promise<{ viewer: Viewer; credential: Credential }>;
  /** The query limits of HTTP requests (depth, aliases, reserved names …), applied to subscription documents too. */
  validationRules: readonly ValidationRule[];
  /** MAX_QUERY_DEPTH, named when a document nests too deeply to be parsed at all. */
  maxQueryDepth: number;
  logger: Logger;
  production: boolean;
  /** The client address of an upgrade request, worked out as for an HTTP request (TRUST_PROXY). */
  clientIp(request: http.IncomingMessage): string;
  /**
   * The rate limits of HTTP requests, shared with them: opening a connection counts as a request of its address (a
   * refused upgrade is answered 429 with Retry-After), starting a subscription as a request of its viewer.
   */
  rateLimits: RateLimits;
  /** The largest message accepted, in bytes (the HTTP body limit): a larger one closes the socket with 1009. */
  maxPayload: number;
}

export interface LiveServer {
  /** Open connections (after `connection_init`, not yet closed). */
  readonly connections: number;
  /** Resolves once no connection is open (every closed one handled, its subscriptions ended). */
  drained(): Promise<void>;
  /** Closes every connection (1001 going away) and stops accepting new ones. */
  close(): Promise<void>;
}

type Extra = { live?: WsConnection };

/** The operation's one root field (validation guarantees one), through fragments. */
function rootField(selectionSet: SelectionSetNode, document: DocumentNode): FieldNode | null {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) return selection;
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      const found = rootField(selection.selectionSet, document);
      if (found) return found;
    }
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = document.definitions.find((d) => d.kind === Kind.FRAGMENT_DEFINITION && d.name.value === selection.name.value);
      if (fragment && fragment.kind === Kind.FRAGMENT_DEFINITION) {
        const found = rootField(fragment.selectionSet, document);
        if (found) return found;
      }
    }
  }
  return null;
}

/** The subscriptions one WebSocket connection may hold at once (a dashboard holds a handful). */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 50;

/** The refusal of a query or mutation sent over WebSocket (at the hub and, in the same words, at the gateway). */
function subscriptionsOnly(): GraphQLError {
  return new GraphQLError('Over WebSocket this hub serves subscriptions only: send queries and mutations over HTTP.', { extensions: { code: 'BAD_REQUEST' } });
}

/** `error` with an `extensions.code` (the one it has, or `code`). */
function withCode(error: GraphQLError, code: string): GraphQLError {
  if (error.extensions?.code) return error;
  return new GraphQLError(error.message, { nodes: error.nodes, source: error.source, positions: error.positions, path: error.path, originalError: error.originalError, extensions: { ...error.extensions, code } });
}

/**
 * A client's malformed frame (invalid UTF-8, a message over the size limit, reserved bits, a bad opcode or close code:
 * ws's errors `WS_ERR_*`) is ws's to answer: it closes the socket with the code the protocol gives (1007, 1009, 1002 …)
 * and then reports the error on the socket, where graphql-ws would print "Internal error emitted on a WebSocket
 * socket" and a stack on standard error, outside the JSON log, once per bad frame of any client. Such an error is
 * handed to `note` instead (a client's mistake, not the server's); any other error of a socket goes on as before.
 * Installed before graphql-ws's own listener, on every connection.
 */
function quietClientFrameErrors(wss: WebSocketServer, note: (err: Error & { code: string }) => void): void {
  wss.on('connection', (socket: WebSocket) => {
    const emit = socket.emit;
    socket.emit = function (this: WebSocket, event: string | symbol, ...args: unknown[]): boolean {
      const err = args[0] as { code?: unknown } | undefined;
      if (event === 'error' && typeof err?.code === 'string' && err.code.startsWith('WS_ERR_')) {
        note(err as Error & { code: string });
        return true;
      }
      return emit.call(this, event, ...args);
    } as typeof socket.emit;
  });
}

/** Errors of a write to a client that has gone: its socket ended or was reset while a message was on its way. */
const GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/**
 * A message to a client that has gone is dropped without an error. graphql-ws checks that a socket is open before it
 * sends, but a client that left an instant earlier fails the write itself (EPIPE, ECONNRESET), or the socket closes
 * before it is written (ws: "WebSocket is not open"); graphql-ws then printed "Internal error occurred during message
 * handling. Please check your implementation." and a stack on standard error, outside the JSON log, once per message:
 * a client that sent a burst of messages and left flooded the log. The client is gone and its socket's close ends its
 * subscriptions; any other error of a send goes on as before. Installed on every connection, hub and gateway.
 */
function quietSendsToGoneClients(wss: WebSocketServer): void {
  wss.on('connection', (socket: WebSocket) => {
    const send = socket.send;
    socket.send = function (this: WebSocket, data: unknown, options?: unknown, cb?: (err?: Error) => void): void {
      const done = typeof options === 'function' ? (options as (err?: Error) => void) : cb;
      // Called with null or undefined when the message was written.
      const quiet = (err?: Error | null) => {
        if (err === null || err === undefined) return done?.();
        const code = (err as { code?: unknown }).code;
        const gone = (typeof code === 'string' && GONE.has(code)) || /^WebSocket is not open/.test(String(err.message));
        done?.(gone ? undefined : err);
      };
      const sendWith = send as (this: WebSocket, data: unknown, options: object, cb: (err?: Error) => void) => void;
      return sendWith.call(this, data, typeof options === 'object' && options !== null ? options : {}, quiet);
    } as typeof socket.send;
  });
}

/**
 * The checks a subscription's document and variables get before it starts, in the words and codes an HTTP request gets
 * for the same mistakes: no query (BAD_USER_INPUT), a parse failure (GRAPHQL_PARSE_FAILED), a root field that could be
 * skipped, a validation error under `rules` (GRAPHQL_VALIDATION_FAILED, no suggestions, a literal that does not fit
 * naming its argument), an operation that cannot be told (OPERATION_RESOLUTION_FAILURE, Apollo's words), a query or
 * mutation (subscriptions only), variables that do not fit or hold text PostgreSQL cannot store (BAD_USER_INPUT). The
 * hub's WebSocket and the gateway's ask the same.
 */
export function checkedSubscription(
  schema: GraphQLSchema,
  payload: { query?: unknown; operationName?: unknown; variables?: unknown },
  rules: readonly ValidationRule[],
  maxQueryDepth: number,
): { errors: GraphQLError[] } | { document: DocumentNode; operation: OperationDefinitionNode; operationName: string | undefined; coerced: Record<string, unknown> } {
  if (typeof payload.query !== 'string') return { errors: [new GraphQLError('The subscription needs a query', { extensions: { code: 'BAD_USER_INPUT' } })] };
  let document: DocumentNode;
  try {
    document = parse(payload.query, { maxTokens: MAX_QUERY_TOKENS });
  } catch (err) {
    if (parsedTooDeep(err)) return { errors: [withCode(new GraphQLError(tooDeepToParse(maxQueryDepth, MAX_LITERAL_NESTING)), 'GRAPHQL_PARSE_FAILED')] };
    return { errors: [withCode(err instanceof GraphQLError ? err : new GraphQLError('Syntax error'), 'GRAPHQL_PARSE_FAILED')] };
  }
  // Before validation, which would throw on such a directive with a variable (conditionalSubscriptionRoot).
  const conditional = conditionalRootRefusal(document);
  if (conditional) return { errors: [conditional] };
  const errors = validate(schema, document, rules);
  if (errors.length) return { errors: errors.map((e) => asValidationError(e, document)) };
  const operationName = typeof payload.operationName === 'string' ? payload.operationName : undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    return { errors: [new GraphQLError(unresolvedOperation(document, operationName) ?? 'Must provide an operation.', { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })] };
  }
  if (operation.operation !== OperationTypeNode.SUBSCRIPTION) return { errors: [subscriptionsOnly()] };
  const variables = payload.variables && typeof payload.variables === 'object' && !Array.isArray(payload.variables) ? (payload.variables as Record<string, unknown>) : undefined;
  const checked = checkedVariables(schema, document, operation, variables);
  if ('errors' in checked && checked.errors) return { errors: checked.errors };
  return { document, operation, operationName, coerced: (checked as { coerced: Record<string, unknown> }).coerced };
}

/** Each socket's first message as its client sent it (graphql-ws's `connection_init`), until `takeFirstMessage`. */
const firstMessages = new WeakMap<WebSocket, string>();

/**
 * Keeps the text of each connection's first message, for what parsing it loses (a key named twice:
 * `initMessageProblem`). Installed before graphql-ws's own listener, so that the text is kept when graphql-ws
 * reads the message and asks `onConnect`.
 */
function keepFirstMessages(wss: WebSocketServer): void {
  wss.on('connection', (socket: WebSocket) => {
    socket.once('message', (data: WebSocket.RawData) => {
      firstMessages.set(socket, Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8'));
    });
  });
}

/**
 * What every client socket of a graphql-ws server gets, the hub's and the gateway's alike, before graphql-ws's own
 * listener: a malformed frame handed to `noteMalformedFrame` (`quietClientFrameErrors`), messages to a client that has
 * gone dropped quietly (`quietSendsToGoneClients`), the first message's text kept (`keepFirstMessages`).
 */
export function guardClientSockets(wss: WebSocketServer, noteMalformedFrame: (err: Error & { code: string }) => void): void {
  quietClientFrameErrors(wss, noteMalformedFrame);
  quietSendsToGoneClients(wss);
  keepFirstMessages(wss);
}

/** The first message `keepFirstMessages` kept of this socket, no longer kept. */
export function takeFirstMessage(socket: WebSocket): string | undefined {
  const text = firstMessages.get(socket);
  firstMessages.delete(socket);
  return text;
}

/**
 * GraphQL over WebSocket (graphql-ws, `graphql-transport-ws`) on the hub's HTTP server, at the same path as queries.
 *
 * - Identity comes in `connection_init` (`{ "authorization": "Bearer …" }`), checked like an HTTP request's header:
 *   no token is ANONYMOUS; a bad one closes the connection with 4403 (graphql-ws's Forbidden) after
 *   `connection_init`, the upgrade itself is never refused. A token's connection closes with 4403 "token expired"
 *   when the token expires.
 * - Only subscriptions run here; queries and mutations go over HTTP (one transaction per request, the response
 *   plugins, CSRF prevention).
 * - Documents get the same validation as HTTP requests (graphql-js's rules and the hub's limits).
 * - Each subscription is handed to the dispatcher, which decides at every delivery what this viewer sees.
 */
export function attachLiveServer(o: LiveServerOptions): LiveServer {
  const wss = new WebSocketServer({
    server: o.httpServer,
    path: o.path,
    maxPayload: o.maxPayload,
    // The per-address limit, before the upgrade: a client opening connections in a loop is answered like an HTTP one.
    verifyClient(info, done) {
      o.rateLimits.byIp(o.clientIp(info.req)).then(
        (refusal) => {
          if (!refusal) return done(true);
          done(false, 429, tooManyRequests(refusal), { 'Retry-After': String(refusal.retryAfterSeconds) });
        },
        (err) => {
          o.logger.error({ err }, 'the rate limit of a WebSocket upgrade could not be checked');
          done(false, 503, 'Service Unavailable');
        },
      );
    },
  });
  guardClientSockets(wss, (err) => o.logger.info({ code: err.code }, `a WebSocket client sent a malformed frame: ${err.message}`));
  const open = new Set<WsConnection>();
  let waiting: Array<() => void> = [];
  const settle = () => {
    if (open.size) return;
    const resolve = waiting;
    waiting = [];
    resolve.forEach((r) => r());
  };
  const rules = [...specifiedRules, ...o.validationRules];

  const server = useServer<Record<string, unknown>, Extra>(
    {
      isProd: o.production,
      connectionInitWaitTimeout: 10_000,
      async onConnect(ctx) {
        // A credential refused closes the connection with 4403 and the reason an HTTP request would be told (the token
        // has expired, the API key has been revoked, …), not graphql-ws's bare "Forbidden".
        const given = connectionInitCredential(ctx.connectionParams, takeFirstMessage(ctx.extra.socket), (ctx.extra as { request?: http.IncomingMessage }).request);
        if ('refused' in given) {
          ctx.extra.socket.close(4403, given.refused);
          return false;
        }
        const header = given.authorization;
        let auth;
        try {
          auth = await o.authenticate(header);
        } catch (err) {
          if (err instanceof GraphQLError && err.extensions.code === 'UNAUTHENTICATED') {
            if (ctx.extra.socket.readyState === WebSocket.OPEN) ctx.extra.socket.close(4403, closeReason(err.message));
            return false;
          }
          // A statement of the lookup the database ended (its timeout, pg_cancel_backend) or a connection lost while it
          // ran comes as PostgreSQL's error: told as a request's would be (`databaseUnavailable`).
          const unavailable = err instanceof GraphQLError ? err : databaseUnavailable(err);
          if (unavailable?.extensions.code === 'SERVICE_UNAVAILABLE') {
            // The identity provider is away (JWKS_URL), the database cannot be reached or ended the lookup, or every
            // database connection stayed in use: 1013, "try again later", not the client's fault (on 1011 graphql-ws
            // clients give up). Logged as for requests, by `authenticate` and `databaseUnavailable`.
            const busy = unavailable.message === POOL_BUSY_MESSAGE;
            const provider = unavailable.originalError instanceof IdentityProviderUnavailable;
            const why = busy ? 'the hub is busy' : provider ? 'the identity provider cannot be reached' : 'the database cannot be reached';
            ctx.extra.socket.close(1013, `Try again later: ${why}`);
            return false;
          }
          o.logger.error({ err }, 'a WebSocket connection could not be authenticated');
          ctx.extra.socket.close(1011, 'Internal error');
          return false;
        }
        if (ctx.extra.socket.readyState !== WebSocket.OPEN) return false;
        const connection = new WsConnection(ctx.extra.socket, auth.viewer, auth.credential, o.clientIp(ctx.extra.request));
        if (auth.credential.kind === 'token' && auth.credential.expiresAt && auth.credential.expiresAt.getTime() <= Date.now()) {
          ctx.extra.socket.close(4403, 'The token has expired');
          return false;
        }
        connection.arm(Date.now());
        ctx.extra.live = connection;
        open.add(connection);
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const connection = ctx.extra.live;
        if (!connection) return [new GraphQLError('Not connected')];
        // graphql-ws holds this one among them already. Each subscription is resolved at every event that concerns it:
        // without a bound, one connection could make every delivery slow for everyone.
        if (Object.keys(ctx.subscriptions).length > MAX_SUBSCRIPTIONS_PER_CONNECTION) {
          return [new GraphQLError(`A connection holds at most ${MAX_SUBSCRIPTIONS_PER_CONNECTION} subscriptions at once: complete one before starting another`, { extensions: { code: 'BAD_REQUEST' } })];
        }
        // Each subscription started counts as a request of its viewer, in the same budget as their HTTP requests.
        const refusal = await o.rateLimits.byViewer(connection.viewer, connection.ip);
        if (refusal) {
          return [new GraphQLError(tooManyRequests(refusal), { extensions: { code: 'RATE_LIMITED', retryAfterSeconds: refusal.retryAfterSeconds } })];
        }
        const checked = checkedSubscription(o.schema, payload, rules, o.maxQueryDepth);
        if ('errors' in checked) return checked.errors;
        const { document, operation, operationName, coerced } = checked;
        const field = rootField(operation.selectionSet, document);
        const subscriptionType = o.schema.getSubscriptionType()!;
        const definition = field ? subscriptionType.getFields()[field.name.value] : undefined;
        if (!field || !definition || !topicOf[field.name.value]) {
          return [new GraphQLError('The subscription selects no subscription field', { extensions: { code: 'BAD_USER_INPUT' } })];
        }
        const args = getArgumentValues(definition, field, coerced);
        const selection: LiveSelection = {
          document,
          operationName,
          variables: coerced,
          key: `${payload.query}\u0000${operationName ?? ''}\u0000${JSON.stringify(coerced)}`,
        };
        const filterId = typeof args.id === 'string' ? args.id : null;
        return {
          schema: o.schema,
          document,
          operationName,
          variableValues: coerced,
          contextValue: { connection, topic: topicOf[field.name.value], filterId, selection },
        };
      },
      subscribe(args) {
        const { connection, topic, filterId, selection } = args.contextValue as {
          connection: WsConnection;
          topic: LiveTopic;
          filterId: string | null;
          selection: LiveSelection;
        };
        return o.dispatcher.subscribe(connection, topic, filterId, selection);
      },
      onClose(ctx) {
        const connection = ctx.extra.live;
        if (!connection) return;
        connection.disarm();
        open.delete(connection);
        // Do not keep the connection (and its viewer) reachable from graphql-ws's context after it closed.
        ctx.extra.live = undefined;
        settle();
      },
    },
    wss,
  );

  return {
    get connections() {
      return open.size;
    },
    drained() {
      return open.size === 0 ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve));
    },
    async close() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
