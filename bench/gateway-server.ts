import fs from 'node:fs';
import path from 'node:path';
import { startComplaintsService } from '../examples/complaints/service';
import { createGateway, hubUrlsOf, repositoryRoot } from '../src/federation/gateway';

/**
 * Harness-only (never part of the product; nothing under src/ imports this file): the federation gateway as
 * `npm run gateway` builds it in production, over the running hubs in HUB_URL, but executing every query itself —
 * queries the hub alone answers included, which the product forwards to a hub whole (src/federation/gateway.ts
 * `forwardPlugin`). R8 (bench/gateway.ts) measures it side by side with the product's gateway: what forwarding saves.
 */
async function main(): Promise<void> {
  const hubUrls = hubUrlsOf(process.env.HUB_URL);
  if (hubUrls.length === 0) throw new Error('HUB_URL: the running hubs');
  const complaints = await startComplaintsService(0, '127.0.0.1');
  const gateway = createGateway({
    supergraph: fs.readFileSync(path.join(repositoryRoot, 'supergraph.graphql'), 'utf8'),
    subgraphs: { hub: hubUrls, complaints: complaints.url },
    graphiql: false,
    introspection: false,
    forward: false,
  });
  const port = await gateway.listen(Number(process.env.PORT), process.env.HOST || '127.0.0.1');
  process.stdout.write(`bench gateway (executing every query itself) on ${port}\n`);
  const stop = () => void Promise.allSettled([gateway.stop(), complaints.stop()]).then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench gateway: ${(err as Error).message}\n`);
  process.exit(1);
});
