import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { printSubgraphSdl } from '../federation/subgraph';
import { buildBareSchema, printSchemaFile } from '../schema';

/** `npm run schema`: regenerates the committed schema.graphql (the public API) and subgraph.graphql (its Federation SDL). */
buildBareSchema().then(
  (schema) => {
    const root = path.resolve(__dirname, '../../..');
    for (const [name, text] of [['schema.graphql', printSchemaFile(schema)], ['subgraph.graphql', printSubgraphSdl(schema)]]) {
      const file = path.join(root, name);
      fs.writeFileSync(file, text);
      process.stdout.write(`wrote ${file}\n`);
    }
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
