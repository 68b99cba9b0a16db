import fs from 'node:fs';
import path from 'node:path';
import { composeSupergraph, repositoryRoot } from '../federation/gateway';

/** `npm run compose`: composes subgraph.graphql and the complaints example into the committed supergraph.graphql. */
try {
  const file = path.join(repositoryRoot, 'supergraph.graphql');
  fs.writeFileSync(file, composeSupergraph());
  process.stdout.write(`wrote ${file}\n`);
} catch (err) {
  process.stderr.write(`compose: ${(err as Error).message}\n`);
  process.exit(1);
}
