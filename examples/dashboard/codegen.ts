import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * Types every operation of the dashboard from the hub's committed public schema (`schema.graphql` at the repository's
 * root, rewritten by `npm run schema`). The generated files (`src/gql/`) are not committed: `npm run build` generates
 * them first, so a schema change that breaks the dashboard fails its build.
 */
const config: CodegenConfig = {
  schema: '../../schema.graphql',
  documents: ['src/**/*.{ts,tsx}', '!src/gql/**/*'],
  ignoreNoDocuments: false,
  generates: {
    './src/gql/': {
      preset: 'client',
      presetConfig: {
        // Components read the fields their own query selects; no fragment masking to unwrap.
        fragmentMasking: false,
      },
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        // DateTimeISO arrives as an ISO 8601 string.
        scalars: { DateTimeISO: 'string' },
        // No `__typename` in the result types unless a query asks for it.
        skipTypename: true,
      },
    },
  },
};

export default config;
