import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { buildBareSchema, printSchemaFile } from '../schema';

/** `npm run schema`: regenerates the committed schema.graphql from the code. */
buildBareSchema().then(
  (schema) => {
    const file = path.resolve(__dirname, '../../../schema.graphql');
    fs.writeFileSync(file, printSchemaFile(schema));
    process.stdout.write(`wrote ${file}\n`);
  },
  (err: unknown) => {
    process.stderr.write(`${(err as Error).stack}\n`);
    process.exit(1);
  },
);
