import type http from 'node:http';
import proxyAddr from 'proxy-addr';
import { getGraphQLWSOptions, GatewayRuntime } from '@graphql-hive/gateway-runtime';
import { buildGraphQLWSExecutor } from '@graphql-tools/executor-graphql-ws';
import type { Executor } from '@graphql-tools/utils';
import { GraphQLError, GraphQLSchema, specifiedRules, ValidationRule } from 'graphql';
import { Client, createClient } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import WebSocket, { WebSocketServer } from 'ws';
import { closeReason, connectionAuthorization, connectionInitCredential } from '../auth/connection-params';
import { checkingDateTimes } from '../graphql/input-errors';
import { checkedSubscription, guardClientSockets, takeFirstMessage } from '../live/websocket';
import { hubValidationRules } from '../graphql/limits';

/** The largest request body (HTTP) and WebSocket message the gateway accepts, as the hub: 1 MiB. */
export const GATEWAY_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Subscriptions through the gateway (DOMAIN §6, §7). The gateway has no identity of its own, so it never decides who a
 * subscriber is: it hands the client's `connection_init` token to the hub, on a graphql-ws connection of the hub's,
 * and the hub decides, at connection time and at every delivery, exactly as for a direct subscriber.
 *
 * - A client's WebSocket to the gateway gets **one WebSocket to a hub of its own**, opened in `connection_init` with
 *   the client's `authorization` (or none: anonymous). The gateway acknowledges the client only once the hub has
 *   acknowledged that connection; when the hub refuses it (a bad token: 4403) the gateway refuses the client with the
 *   same 4403 Forbidden. When the hub later closes it (4403 "token expired", 1001 going away) the gateway closes the
 *   client's socket with the same code and reason. Closing the client's socket closes the hub's.
 * - Every subscription of that client to a hub field runs on that connection: one hub, one viewer, no sharing
 *   between clients (two clients with the same token have two connections; the hub groups them anyway).
 * - A subscription that reaches the gateway over HTTP (server-sent events, GraphiQL's default) gets a hub connection
 *   for itself alone, with the request's `Authorization` header, closed when the subscription ends.
 * - No retry: a connection the hub closed is not reopened with the same token behind the client's back.
 */

/** Where the hub link of a client's WebSocket travels in the gateway's GraphQL context. */
const LINK = 'lapHubLink';

/** Whether an operation's context is one of the gateway's WebSocket connections (not an HTTP request). */
export function isWebSocketContext(context: object): boolean {
  return LINK in context;
}

type WsExecutor = ReturnType<typeof buildGraphQLWSExecutor>;

function wsUrl(httpUrl: string): string {
  return httpUrl.replace(/^http(s?):/, 'ws$1:');
}

/** The `authorization` a client gave in `connection_init` (graphql-ws context) or as a header (HTTP). */
export function forwardedAuthorization(context: unknown, request: { headers: { get(name: string): string | null } } | undefined): string | undefined {
  // A WebSocket client: its connection_init is its identity, as at the hub (the upgrade request's headers are not);
  // a connection_init without a payload is anonymous, never the upgrade's Authorization header.
  if (context && typeof context === 'object' && 'connectionParams' in context) {
    const value = connectionAuthorization((context as { connectionParams?: unknown }).connectionParams);
    return value || undefined;
  }
  return request?.headers.get('authorization') || undefined;
}

/** Which proxies in front of the gateway name the client (Express's `trust proxy`, compiled): `compileTrust`. */
export type TrustProxy = (address: string, hop: number) => boolean;

/**
 * TRUST_PROXY's value (src/config.ts `trustProxyOf`: true, a number of proxies, or addresses and subnets) compiled as
 * Express compiles its `trust proxy`; nothing is trusted without one.
 */
export function compileTrust(value: boolean | number | string | undefined): TrustProxy {
  if (value === true) return () => true;
  if (typeof value === 'number') return (_address, hop) => hop < value;
  if (typeof value === 'string') return proxyAddr.compile(value.split(',').map((part) => part.trim()));
  return () => false;
}

/**
 * The client's address as the gateway resolves it, which is what the gateway sends a hub as `X-Forwarded-For` (one
 * address): the address of the connection, or, where that is a proxy TRUST_PROXY names, the address the trusted
 * proxies name (Express's `req.ip`, as at the hub). A hub behind the gateway (`npm run gateway` starts its own with
 * `TRUST_PROXY=loopback`) counts its per-address limit and logs per client, not per gateway. The client's own
 * `X-Forwarded-For` is never passed on as it came: a client that could reach the gateway directly named any address
 * it liked, and the hub, trusting the gateway, took it (every request a new address: no per-address limit at all).
 */
export function clientAddress(request: http.IncomingMessage | undefined, trust: TrustProxy): string | undefined {
  if (!request?.socket?.remoteAddress) return undefined;
  return proxyAddr(request, trust);
}

/**
 * The client's address for a request of the gateway's GraphQL context (`clientAddress`): an HTTP client's from the node
 * request under the gateway's server; a WebSocket client's was resolved when it connected and put in the request of
 * its context (`gatewayLive`), the client's own header left out.
 */
export function clientForwardedFor(context: unknown, request: { headers: { get(name: string): string | null } } | undefined, trust: TrustProxy): string | undefined {
  const req = (context as { req?: http.IncomingMessage } | undefined)?.req;
  if (req) return clientAddress(req, trust);
  if (context && typeof context === 'object' && isWebSocketContext(context)) return request?.headers.get('x-forwarded-for') ?? undefined;
  return undefined;
}

/**
 * The `Via` entry the gateway's own requests to its subgraphs carry (HTTP and WebSocket upgrades). A request that
 * reaches a gateway with it came from a gateway: a HUB_URL that names a gateway (this one: the same port) would
 * otherwise send each request back to itself until its headers grew too large. Such a request is refused (508).
 */
export const GATEWAY_VIA = '1.1 lap-hub-gateway';

/** Whether a request came from a gateway (`GATEWAY_VIA` among its `Via` entries). */
export function cameFromGateway(headers: http.IncomingHttpHeaders): boolean {
  const via = headers.via;
  const entries: string[] = Array.isArray(via) ? via : [via ?? ''];
  return entries.some((v) => v.split(',').some((entry) => entry.trim() === GATEWAY_VIA));
}

function hubClient(
  url: string,
  authorization: string | undefined,
  on: { connected?: () => void; closed?: (code: number, reason: string, refusedWith: number | null) => void } = {},
  xForwardedFor?: string,
): Client {
  // The upgrade request to the hub carries the client's address (`clientAddress`: the hub's per-address limit counts it).
  const headers = { via: GATEWAY_VIA, ...(xForwardedFor ? { 'x-forwarded-for': xForwardedFor } : {}) };
  const Impl = class extends WebSocket {
    /** The status the hub answered the upgrade with instead of 101 (429: its per-address limit), if it did. */
    refusedWith: number | null = null;
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols, { headers });
      // ws says a refused upgrade only in its error's words (`Unexpected server response: 429`), then closes with 1006.
      this.on('error', (err: Error) => {
        const status = /^Unexpected server response: (\d{3})$/.exec(err.message);
        if (status) this.refusedWith = Number(status[1]);
      });
    }
  };
  return createClient({
    url: wsUrl(url),
    webSocketImpl: Impl,
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: () => undefined,
    connectionParams: authorization ? { authorization } : {},
    on: {
      connected: () => on.connected?.(),
      closed: (event) => {
        const { code, reason, target } = event as { code?: number; reason?: string; target?: { refusedWith?: number | null } };
        on.closed?.(code ?? 1006, typeof reason === 'string' ? reason : '', target?.refusedWith ?? null);
      },
    },
  });
}

/**
 * Closes a hub connection without waiting for it. graphql-ws's `dispose` waits for a connection still being made and
 * rejects with its close event when the hub refuses it (a bad token: 4403) or goes away: left unhandled, that rejection
 * stopped the gateway's process — a client that sent a bad token and went away at once (an SSE request aborted, a
 * WebSocket closed before its `connection_ack`) could take the gateway down. How the hub ended it is not the gateway's
 * to report here: the client has gone.
 */
function disposeQuietly(client: Client): void {
  Promise.resolve()
    .then(() => client.dispose())
    .catch(() => undefined);
}

/** How a hub connection ended before the hub acknowledged it: its close, and the HTTP status of a refused upgrade. */
interface HubClosed {
  code: number;
  reason: string;
  refusedWith: number | null;
}

/** The close of a client's connection the hub refused for its rate limit (429): said so, not "the hub is unavailable". */
export const RATE_LIMITED_CLOSE = { code: 4429, reason: 'Too many requests from this address: try again later' };

/** A client WebSocket's connection to a hub, with the client's token. */
class HubLink {
  readonly ready: Promise<void>;
  readonly execute: WsExecutor;
  private readonly client: Client;
  private connected = false;
  private disposed = false;

  constructor(url: string, authorization: string | undefined, onLost: (code: number, reason: string) => void, xForwardedFor?: string) {
    let accept!: () => void;
    let refuse!: (closed: HubClosed) => void;
    this.ready = new Promise<void>((resolve, reject) => {
      accept = resolve;
      refuse = reject;
    });
    this.client = hubClient(url, authorization, {
      connected: () => {
        this.connected = true;
        accept();
      },
      closed: (code, reason, refusedWith) => {
        if (!this.connected) refuse({ code, reason, refusedWith });
        else if (!this.disposed) onLost(code, reason);
        this.disposed = true;
      },
    }, xForwardedFor);
    const execute = buildGraphQLWSExecutor(this.client);
    this.execute = ((request: Parameters<WsExecutor>[0]) => relayingHubErrors(execute(request))) as WsExecutor;
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeQuietly(this.client);
  }
}

/**
 * The hub's refusal of a subscription (graphql-ws's `error` message: its validation, the 51st subscription of a
 * connection, its rate limit) arrives as the events' failure, an array of errors; Hive Gateway would answer it as an
 * internal error ("Unexpected error."). It becomes the subscription's one result instead, with the hub's messages and
 * codes, as a client connected to the hub directly gets them.
 */
function relayingHubErrors(result: unknown): unknown {
  if (!result || typeof result !== 'object' || !(Symbol.asyncIterator in result)) return result;
  const inner = (result as AsyncIterable<unknown>)[Symbol.asyncIterator]();
  let refused = false;
  const relayed: AsyncIterableIterator<unknown> = {
    [Symbol.asyncIterator]() {
      return relayed;
    },
    async next() {
      if (refused) return { done: true, value: undefined };
      try {
        return await inner.next();
      } catch (err) {
        const errors = hubErrors(err);
        if (!errors) throw err;
        refused = true;
        return { done: false, value: { errors } };
      }
    },
    async return(value?: unknown) {
      await inner.return?.(value);
      return { done: true, value };
    },
    async throw(err?: unknown) {
      await inner.return?.();
      throw err;
    },
  };
  return relayed;
}

/** graphql-ws's `error` payload (the hub's formatted errors) as GraphQL errors, or null for any other failure. */
function hubErrors(err: unknown): GraphQLError[] | null {
  if (!Array.isArray(err) || err.length === 0) return null;
  if (!err.every((e) => e && typeof e === 'object' && typeof (e as { message?: unknown }).message === 'string')) return null;
  return err.map((e: { message: string; extensions?: Record<string, unknown> }) => new GraphQLError(e.message, { extensions: e.extensions }));
}

/**
 * The message of the UNAUTHENTICATED error that ends an HTTP-carried subscription the hub closed with 4403, from the
 * hub's close reason: the words the hub answers over HTTP ("The API key has been revoked", "The token is not valid", …)
 * as they are; the short ones of a credential that stops working while subscribed (src/live/dispatcher.ts) in those
 * words; anything else (graphql-ws's bare "Forbidden") as a refused credential.
 */
export function refusalMessage(reason: unknown): string {
  if (typeof reason !== 'string') return 'The hub refused the token';
  const known: Record<string, string> = {
    'token expired': 'The token has expired',
    'API key expired': 'The API key has expired',
    'the API key is no longer valid': 'The API key is no longer valid',
    'the token is for no known person': 'The token is for no known person',
    'the person has left the network': 'The token is for a person who has left the network',
  };
  if (known[reason]) return known[reason];
  if (/^The (token|API key|Authorization|connection_init)\b/.test(reason)) return reason;
  return 'The hub refused the token';
}

/** The hub closing a connection (a bad or expired token: 4403), as the error that ends an HTTP-carried subscription. */
function closeError(err: unknown): unknown {
  const { code, reason } = (err ?? {}) as { code?: unknown; reason?: unknown };
  if (typeof code !== 'number') return err;
  if (code === 4403) return new GraphQLError(refusalMessage(reason), { extensions: { code: 'UNAUTHENTICATED' } });
  return new GraphQLError(`The hub closed the subscription (${code})`, { extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
}

/**
 * An HTTP-carried subscription's events, its own hub connection closed when it ends (also when the client goes away
 * while the next event is awaited: not an async generator, whose `return` would wait for that event). The hub
 * refusing the token ends it with an UNAUTHENTICATED error, as the hub answers such a token over HTTP.
 */
function closingWith<T>(events: AsyncIterable<T>, dispose: () => void): AsyncIterableIterator<T> {
  const inner = events[Symbol.asyncIterator]();
  let open = true;
  const close = () => {
    if (!open) return;
    open = false;
    dispose();
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      try {
        const step = await inner.next();
        if (step.done) close();
        return step;
      } catch (err) {
        close();
        throw closeError(err);
      }
    },
    async return(value?: unknown) {
      await inner.return?.();
      close();
      return { done: true, value: value as T };
    },
    async throw(err?: unknown) {
      await inner.return?.();
      close();
      throw err;
    },
  };
}

/** A subscription's events that end at once with `err`, as a hub's connection that failed ends them (`closingWith`). */
function failingWith(err: unknown): AsyncIterableIterator<never> {
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => Promise.reject(err),
    return: (value?: unknown) => Promise.resolve({ done: true, value: value as never }),
    throw: (e?: unknown) => Promise.reject(e),
  };
}

/**
 * What the hub refuses before a subscription starts, refused here too, as the hub refuses it (`checkedSubscription`,
 * the hub's own checks, with its limits on a query): graphql-ws's `error` message, in the hub's words and codes. Left
 * to the gateway, a document over a limit, one that does not parse or validate, or whose operation cannot be told was
 * answered as an event (`next` with errors and the gateway's internal `http` extension, then `complete`), and
 * variables that do not fit ran and ended with errors that had no code.
 */
function refusedBeforeSubscribing(schema: GraphQLSchema, payload: { query?: unknown; operationName?: unknown; variables?: unknown }, rules: readonly ValidationRule[], maxDepth: number): GraphQLError[] | null {
  checkingDateTimes(schema);
  const checked = checkedSubscription(schema, payload, rules, maxDepth);
  return 'errors' in checked ? checked.errors : null;
}

/** Close codes the gateway passes on to its client as the hub gave them; anything else is 1013 (try again later). */
function forwardable(code: number): boolean {
  return code === 1000 || code === 1001 || (code >= 4000 && code <= 4999);
}

export interface GatewayLive {
  /** The transport of the hub's subscription fields (registered as a transport kind of the gateway). */
  transport: { getSubgraphExecutor(): Executor };
  /** graphql-ws on the gateway's HTTP server at `path`. */
  attach(httpServer: http.Server, runtime: GatewayRuntime, path: string): void;
  /** Closes every client connection (1001) and with them the hub connections. */
  close(): Promise<void>;
}

/** Subscriptions to the hubs at `hubUrls` (their HTTP GraphQL URLs; several are used in turn, one per connection). */
export function gatewayLive(hubUrls: string[], maxDepth = 12, trust: TrustProxy = compileTrust(false)): GatewayLive {
  // The hub's validation of a subscription, with its limits on a query (src/live/websocket.ts).
  const rules = [...specifiedRules, ...hubValidationRules(maxDepth)];
  let next = 0;
  /** The hubs in the order a connection tries them: from the next in turn, then each after it (others take turns meanwhile). */
  const inTurn = (): string[] => {
    const first = next++;
    return hubUrls.map((_, i) => hubUrls[(first + i) % hubUrls.length]);
  };
  let wss: WebSocketServer | null = null;
  let server: ReturnType<typeof useServer> | null = null;

  /**
   * A subscription carried over HTTP (server-sent events): a hub connection of its own, with the request's token, made
   * as a client WebSocket's is — a hub that cannot be reached (the connection closes before the hub acknowledged it) is
   * passed over for the next; when none can be, the stream's one event is the hub's unavailability (as an HTTP request
   * is answered), not the connection's error (which named the hub's internal address). The connection closes with the
   * subscription.
   */
  const subscribedOverHttp = async (request: Parameters<WsExecutor>[0], context: Record<string, unknown> | undefined): Promise<never> => {
    const authorization = forwardedAuthorization(context, context?.request as Request | undefined);
    const xForwardedFor = clientForwardedFor(context, context?.request as Request | undefined, trust);
    for (const url of inTurn()) {
      // Lost after it was acknowledged: the events' own failure ends the stream (closingWith), nothing more to do here.
      const link = new HubLink(url, authorization, () => undefined, xForwardedFor);
      try {
        await link.ready;
      } catch (closed) {
        link.dispose();
        if ((closed as HubClosed).refusedWith === 429) {
          return failingWith(new GraphQLError(RATE_LIMITED_CLOSE.reason, { extensions: { code: 'RATE_LIMITED' } })) as never;
        }
        if ((closed as HubClosed).code === 1006) continue;
        return failingWith(closeError(closed)) as never;
      }
      const events = link.execute(request) as unknown;
      if (events && typeof events === 'object' && Symbol.asyncIterator in events) return closingWith(events as AsyncIterable<never>, () => link.dispose()) as never;
      // Not a subscription (the gateway sends only those here): one answer, then the connection closes.
      return Promise.resolve(events as never).finally(() => link.dispose());
    }
    return failingWith(new GraphQLError('The hub is unavailable: send the request again', { extensions: { code: 'SERVICE_UNAVAILABLE' } })) as never;
  };

  return {
    transport: {
      getSubgraphExecutor() {
        const hubSubscription: Executor = (request) => {
          const context = request.context as Record<string, unknown> | undefined;
          const link = context?.[LINK] as HubLink | undefined;
          if (link) return link.execute(request);
          return subscribedOverHttp(request as Parameters<WsExecutor>[0], context);
        };
        return hubSubscription;
      },
    },

    attach(httpServer, runtime, path) {
      // A message larger than an HTTP body may be (1 MiB, as at the hub) closes the socket with 1009.
      wss = new WebSocketServer({
        server: httpServer,
        path,
        maxPayload: GATEWAY_BODY_LIMIT_BYTES,
        // A connection a gateway opened (a HUB_URL naming a gateway): refused, as its HTTP requests are (508).
        verifyClient: (info: { req: http.IncomingMessage }, done: (ok: boolean, code?: number, message?: string) => void) =>
          cameFromGateway(info.req.headers) ? done(false, 508, 'Loop Detected') : done(true),
      });
      // A client's malformed frame: ws closes the socket with the protocol's code; nothing to log.
      guardClientSockets(wss, () => undefined);
      const base = getGraphQLWSOptions<Record<string, unknown>, { socket: WebSocket; request: http.IncomingMessage; link?: HubLink }>(
        runtime as never,
        async (ctx) => {
          // The gateway loads the supergraph on its first request; a WebSocket client may come before any HTTP one.
          await runtime.getSchema();
          return {
            request: new runtime.fetchAPI.Request(`http://gateway${ctx.extra.request.url ?? path}`, {
              headers: [
                // Not the upgrade's credentials: the connection's identity is its connection_init (onConnect), and the
                // fields of its events fetched over HTTP must run as that identity, not as the upgrade's header.
                ...Object.entries(ctx.extra.request.headers).flatMap(([k, v]) =>
                  typeof v === 'string' && k !== 'x-forwarded-for' && k !== 'authorization' && k !== 'cookie' ? [[k, v] as [string, string]] : [],
                ),
                // The client's address, for the fields of its events fetched over HTTP (propagateHeaders).
                ...((xff) => (xff ? [['x-forwarded-for', xff] as [string, string]] : []))(clientAddress(ctx.extra.request, trust)),
              ],
            }),
            [LINK]: ctx.extra.link,
          };
        },
      );
      server = useServer(
        {
          ...base,
          // As at the hub (src/live/websocket.ts): a subscription whose root field could be skipped is refused before
          // anything runs (Hive Gateway would fail on it with an internal error).
          async onSubscribe(ctx, id, payload) {
            // As at the hub: subscriptions only (queries and mutations go over HTTP: CSRF prevention, one request
            // each), with variables that fit.
            const refusal = refusedBeforeSubscribing(await runtime.getSchema(), payload, rules, maxDepth);
            return refusal ?? base.onSubscribe!(ctx, id, payload);
          },
          connectionInitWaitTimeout: 10_000,
          async onConnect(ctx) {
            // As at the hub: an authorization that is not a string, or named more than once, is refused.
            const socket = ctx.extra.socket;
            const given = connectionInitCredential(ctx.connectionParams, takeFirstMessage(socket), (ctx.extra as { request?: http.IncomingMessage }).request);
            if ('refused' in given) {
              socket.close(4403, given.refused);
              return false;
            }
            const header = given.authorization;
            // With several hubs, one that cannot be reached (stopped, restarting: the connection closes before the
            // hub acknowledged it, 1006) is passed over for the next, as HTTP requests are; nothing was started on it.
            let link: HubLink | null = null;
            const urls = inTurn();
            for (let attempt = 0; link === null; attempt++) {
              const candidate = new HubLink(
                urls[attempt],
                header || undefined,
                (code, reason) => {
                  // Lost (killed, crashed: 1006) or any close the client has no code for: 1013, "try again later",
                  // on which graphql-ws clients (Apollo's GraphQLWsLink, urql) connect again; on 1011 they gave up.
                  if (socket.readyState === WebSocket.OPEN) socket.close(forwardable(code) ? code : 1013, forwardable(code) ? reason : 'Try again later: the hub closed the connection');
                },
                clientAddress(ctx.extra.request, trust),
              );
              try {
                await candidate.ready;
                link = candidate;
              } catch (closed) {
                candidate.dispose();
                const { code, reason, refusedWith } = closed as HubClosed;
                // The hub's per-address limit (its upgrade answered 429): said as such, with a code graphql-ws clients do
                // not reconnect on at once, and not tried again at another hub (which would be a way around the limit).
                if (refusedWith === 429) {
                  if (socket.readyState === WebSocket.OPEN) socket.close(RATE_LIMITED_CLOSE.code, RATE_LIMITED_CLOSE.reason);
                  return false;
                }
                // The hub refused the token (4403): the gateway refuses the client the same way, with the hub's reason.
                if (code === 4403) {
                  if (socket.readyState === WebSocket.OPEN) socket.close(4403, closeReason(reason || 'Forbidden'));
                  return false;
                }
                if (code === 1006 && attempt + 1 < hubUrls.length && socket.readyState === WebSocket.OPEN) continue;
                if (socket.readyState === WebSocket.OPEN) socket.close(1013, 'Try again later: the hub is unavailable');
                return false;
              }
            }
            if (socket.readyState !== WebSocket.OPEN) {
              link.dispose();
              return false;
            }
            ctx.extra.link = link;
            return true;
          },
          onClose(ctx) {
            ctx.extra.link?.dispose();
            ctx.extra.link = undefined;
          },
        },
        wss,
      );
    },

    async close() {
      if (!wss) return;
      for (const client of wss.clients) client.close(1001, 'Going away');
      await server?.dispose();
      await new Promise<void>((resolve) => wss!.close(() => resolve()));
      wss = null;
    },
  };
}
