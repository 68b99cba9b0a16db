import http from 'node:http';
import { ApolloServer, ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import express from 'express';
import { GraphQLError, GraphQLFormattedError, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import { CaseAccessPath } from '../entities/enums';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { AuditTrail, AuditWriter } from './audit';
import { TokenService } from './auth/tokens';
import { viewerFromHeader } from './auth/viewer';
import type { Config } from './config';
import type { Context } from './context';
import { runCounted } from './db/statement-counter';
import { hubGateway, reservedNamesRule } from './graphql/executor';
import { inputErrorsPlugin } from './graphql/input-errors';
import { inputTextPlugin } from './graphql/input-text';
import { GraphiqlPage } from './http/graphiql';
import { Data } from './data';
import { ViewerDb } from './db/viewer-db';
import { Redactions } from './policy/redaction';
import { NetworkReportData, networkReportCsv, networkReportQuery } from './http/network-report-csv';
import { buildHubSchema } from './schema';

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
}

export interface Hub {
  app: express.Express;
  httpServer: http.Server;
  /** The audit trail's writer: `settled()` resolves once every audit and last-used write started so far has ended. */
  audit: Pick<AuditWriter, 'settled'>;
  listen(port: number, host: string): Promise<number>;
  stop(): Promise<void>;
}

const knownCodes = new Set([
  'BAD_USER_INPUT', 'FORBIDDEN', 'UNAUTHENTICATED', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED',
  'BAD_REQUEST', 'PERSISTED_QUERY_NOT_FOUND', 'PERSISTED_QUERY_NOT_SUPPORTED', 'OPERATION_RESOLUTION_FAILURE',
]);

type ContextWithCounter = Context & { statements: { statements: number } };

/** Adds `extensions.redacted` (DOMAIN §3) and, when configured, the statement count of the request. */
function responsePlugin(config: Config, logger: Logger, audit: AuditWriter): ApolloServerPlugin<ContextWithCounter> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          // A query reads one snapshot, read only; a mutation writes in the same transaction, each in a savepoint.
          if (contextValue.db) contextValue.db.readOnly = operation?.operation === 'query';
          // A federation gateway's `_entities` request: what it carries is recorded as read through that path.
          if (contextValue.audit && operation && isEntitiesOperation(operation)) contextValue.audit.path = CaseAccessPath.ENTITIES;
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind !== 'single') return;
          // Commit before anything is sent: a write the database refuses at commit must not be answered as done.
          try {
            await contextValue.db?.finish();
          } catch (err) {
            logger.error({ err }, 'the request transaction could not be committed');
            response.body.singleResult.data = null;
            response.body.singleResult.errors = [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }];
            response.http.status = 500;
          }
          // After the response is computed and the request's transaction ended, never awaited: the audit trail and the
          // key's last use are written on their own connection (src/audit.ts), and a failure there is logged, not answered.
          // A response whose data is null (a failed commit, an error up to the root) carries no case.
          if (contextValue.audit && response.body.singleResult.data != null) audit.record(contextValue.audit);
          if (contextValue.viewer?.apiKey) audit.touchApiKey(contextValue.viewer.apiKey.id, contextValue.now());
          const { redactions } = contextValue;
          if (redactions && redactions.size > 0) {
            response.body.singleResult.extensions = { ...response.body.singleResult.extensions, redacted: redactions.entries() };
          }
          if (config.reportSqlStatements && contextValue.statements) {
            response.http.headers.set('x-sql-statements', String(contextValue.statements.statements));
          }
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

export async function createHub(options: HubOptions): Promise<Hub> {
  const { config, ds, logger } = options;
  const now = options.now ?? (() => new Date());
  const development = config.nodeEnv === 'development';
  const tokens = new TokenService(config);
  const audit = new AuditWriter(ds, logger);
  const schema = options.schema ?? (await buildHubSchema());
  const app = express();
  app.disable('x-powered-by');
  // No ETags: GraphQL answers are POSTed and per viewer, and hashing a 500-row answer on every request costs CPU.
  app.set('etag', false);
  const httpServer = http.createServer(app);

  const armor = new ApolloArmor({
    maxDepth: { n: config.maxQueryDepth },
    maxAliases: { n: 50 },
    maxDirectives: { n: 50 },
    // The token limit is graphql-js's own (parseOptions below): armor's version re-parses in a plugin hook, where a
    // syntax error became a 500 instead of Apollo's 400 GRAPHQL_PARSE_FAILED.
    maxTokens: { enabled: false },
    // Generous enough for a full page (first: 1000) of a dashboard's case board; nested pages multiply.
    costLimit: { maxCost: 250000 },
    blockFieldSuggestion: { enabled: true },
  }).protect();

  const apollo = new ApolloServer<ContextWithCounter>({
    gateway: hubGateway(schema, options.executor ?? 'jit'),
    introspection: true,
    csrfPrevention: true,
    includeStacktraceInErrorResponses: development,
    hideSchemaDetailsFromClientErrors: !development,
    allowBatchedHttpRequests: false,
    // main.ts drains and closes the database itself on SIGINT/SIGTERM.
    stopOnTerminationSignals: false,
    parseOptions: { maxTokens: 5000 },
    validationRules: [...armor.validationRules, reservedNamesRule],
    // Compact JSON: a 500-row page is large enough without indentation.
    stringifyResult: (value) => JSON.stringify(value),
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<ContextWithCounter>[]),
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginLandingPageDisabled(),
      // No cache hints are used; the implicit cache-control plugin would otherwise hook every field.
      ApolloServerPluginCacheControlDisabled(),
      responsePlugin(config, logger, audit),
      inputErrorsPlugin<ContextWithCounter>(),
      inputTextPlugin<ContextWithCounter>(),
    ],
    formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
      const code = formatted.extensions?.code as string | undefined;
      if (code && knownCodes.has(code)) return formatted;
      logger.error({ err: error }, 'unexpected error in a GraphQL request');
      if (development) return formatted;
      // Never SQL text, stacks or internals outside development.
      return { message: 'Internal server error', path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
    },
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    try {
      await ds.query('SELECT 1');
      res.json({ status: 'ready' });
    } catch {
      res.status(503).json({ status: 'database unavailable' });
    }
  });

  let graphiql: GraphiqlPage | undefined;
  app.get('/graphql', (req, res, next) => {
    // A browser asking for a page, not a GET query: serve GraphiQL.
    if (req.query.query !== undefined || req.accepts(['application/json', 'text/html']) !== 'text/html') return next();
    graphiql ??= new GraphiqlPage('/graphql');
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      res.setHeader('content-encoding', 'gzip');
      res.end(graphiql.gzipped);
    } else {
      res.end(graphiql.html);
    }
  });

  /**
   * The context of one request: the viewer, the database as that viewer sees it (one transaction, begun by the first
   * statement, ended before the response is sent or when the connection closes), fresh loaders over it.
   */
  async function buildContext(req: express.Request, res: express.Response): Promise<ContextWithCounter> {
    const at = now();
    const viewer = await viewerFromHeader(req.headers.authorization, tokens, ds, at);
    const db = new ViewerDb(ds, viewer, at, options.bypassRowSecurity === true);
    res.once('close', () => {
      db.finish().catch((err) => logger.error({ err }, 'the request transaction could not be ended'));
    });
    const trail = new AuditTrail(viewer, at, req.path === '/reports/network.csv' ? CaseAccessPath.CSV : CaseAccessPath.QUERY);
    return {
      viewer,
      data: new Data(db, viewer, trail),
      db,
      audit: trail,
      redactions: new Redactions(),
      config,
      now: () => at,
      statements: (req as unknown as { statements: { statements: number } }).statements,
    };
  }

  const graphqlHandler = expressMiddleware(apollo, {
    context: async ({ req, res }) => buildContext(req, res),
  });
  app.all('/graphql', express.json({ limit: '1mb' }), (req, res, next) => {
    // Count the statements of this request when asked to (tests and the benchmark read them from a header).
    if (!config.reportSqlStatements) return graphqlHandler(req, res, next);
    const counter = { statements: 0 };
    (req as unknown as { statements: typeof counter }).statements = counter;
    runCounted(counter, () => graphqlHandler(req, res, next));
  });

  // The network report as CSV, through the same schema, rules and token as GraphQL.
  app.get('/reports/network.csv', async (req, res, next) => {
    try {
      let context: ContextWithCounter;
      try {
        context = await buildContext(req, res);
      } catch (err) {
        if (err instanceof GraphQLError && err.extensions.code === 'UNAUTHENTICATED') {
          res.status(401).json({ errors: [{ message: err.message, extensions: { code: 'UNAUTHENTICATED' } }] });
          return;
        }
        throw err;
      }
      const result = await apollo.executeOperation(
        { query: networkReportQuery, variables: { from: req.query.from, to: req.query.to } },
        { contextValue: context },
      );
      if (result.body.kind !== 'single') throw new Error('unexpected incremental result');
      const { data, errors, extensions } = result.body.singleResult;
      if (errors?.length) {
        const code = errors[0].extensions?.code;
        res.status(code === 'INTERNAL_SERVER_ERROR' ? 500 : 400).json({ errors });
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

  app.use((_req, res) => {
    res.status(404).json({ error: 'not found' });
  });
  app.use((err: Error & { status?: number; type?: string }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    const status = err.status && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status === 500) logger.error({ err }, 'unexpected error');
    res.status(status).json({ errors: [{ message: status === 500 ? 'Internal server error' : err.message, extensions: { code: status === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST' } }] });
  });

  return {
    app,
    httpServer,
    audit,
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
      // Stops accepting connections and drains in-flight requests (the drain plugin), then Apollo.
      await apollo.stop();
      if (httpServer.listening) await new Promise<void>((resolve) => httpServer.close(() => resolve()));
      // The audit entries of the last requests are written before the database closes.
      await audit.settled();
    },
  };
}
