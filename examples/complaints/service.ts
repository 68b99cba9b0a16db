import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import express from 'express';
import { parse } from 'graphql';
import { ComplaintRow, ComplaintStore } from './store';

/** The SDL beside this file (the source tree's, also when run from the compiled `dist/`). */
export function complaintsSdl(): string {
  const beside = path.join(__dirname, 'schema.graphql');
  return fs.readFileSync(fs.existsSync(beside) ? beside : path.resolve(__dirname, '../../../examples/complaints/schema.graphql'), 'utf8');
}

/**
 * The resolvers. `Complaint.case` returns only a reference, `{ __typename: 'Case', id }`: the gateway asks the hub for
 * the case with the caller's own Authorization header, so the hub's rules decide what of it (if anything) comes back.
 * `Case.__resolveReference` receives a case the hub has already shown the caller; this service adds its complaints.
 */
function resolvers(store: ComplaintStore) {
  return {
    Query: {
      complaints: (_: unknown, args: { category?: ComplaintRow['category'] | null }) => store.list(args.category),
      complaint: (_: unknown, args: { id: string }) => store.byId(args.id),
    },
    Complaint: {
      __resolveReference: (ref: { id: string }) => store.byId(ref.id),
      case: (c: ComplaintRow) => (c.caseId ? { __typename: 'Case', id: c.caseId } : null),
    },
    Case: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      complaints: (c: { id: string }) => store.forCase(c.id),
    },
  };
}

export interface ComplaintsService {
  url: string;
  stop(): Promise<void>;
}

/** Starts the complaints subgraph on `host:port` (0: a free port); its GraphQL endpoint is `/graphql`. */
export async function startComplaintsService(port: number, host = '127.0.0.1', store = new ComplaintStore()): Promise<ComplaintsService> {
  const schema = buildSubgraphSchema([{ typeDefs: parse(complaintsSdl()), resolvers: resolvers(store) as never }]);
  const app = express();
  const httpServer = http.createServer(app);
  const apollo = new ApolloServer({ schema, csrfPrevention: true, plugins: [ApolloServerPluginInlineTraceDisabled(), ApolloServerPluginDrainHttpServer({ httpServer })] });
  await apollo.start();
  app.use('/graphql', express.json({ limit: '1mb' }), expressMiddleware(apollo));
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(port, host, () => resolve());
  });
  const actual = (httpServer.address() as { port: number }).port;
  return {
    url: `http://${host}:${actual}/graphql`,
    async stop() {
      // Stops accepting connections, drains the requests in flight and closes idle keep-alive ones (the gateway's).
      await apollo.stop();
    },
  };
}

if (require.main === module) {
  const port = Number(process.env.PORT ?? 4002);
  startComplaintsService(port, process.env.HOST ?? '127.0.0.1').then(
    (s) => process.stdout.write(`complaints subgraph at ${s.url}\n`),
    (err: Error) => {
      process.stderr.write(`complaints: ${err.message}\n`);
      process.exit(1);
    },
  );
}
