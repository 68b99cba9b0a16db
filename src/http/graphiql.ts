import zlib from 'node:zlib';

const defaultQuery = `# Welcome to LAP Hub.
#
# Without a token you are ANONYMOUS and see only TLP:CLEAR cases and public participants.
# To act as a demo person, run in a terminal:
#     npm run token -- --list          (the demo people)
#     npm run token -- ann.carter@ftc.example
# then open "Headers" below and paste:
#     { "Authorization": "Bearer <the token>" }

query Board {
  me { kind person { name } organization { name } }
  cases(first: 20) {
    totalCount
    nodes {
      reference title tlp harmScore
      leadAgency { name country { code } }
      viewerCan { readConfidential edit share }
      confidential { summary }
    }
  }
}
`;

/**
 * GraphiQL, served by the hub itself: the page inlines the whole GraphiQL bundle (scripts, styles and editor workers),
 * so a browser needs no CDN or other network access. Rendered once and kept compressed.
 */
export class GraphiqlPage {
  readonly html: Buffer;
  readonly gzipped: Buffer;

  constructor(endpoint: string) {
    // Loaded on the first page view only: the bundle costs tens of megabytes of memory.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderGraphiQL } = require('@graphql-yoga/render-graphiql') as typeof import('@graphql-yoga/render-graphiql');
    this.html = Buffer.from(
      renderGraphiQL({
        title: 'LAP Hub — GraphiQL',
        endpoint,
        defaultQuery,
        headerEditorEnabled: true,
        shouldPersistHeaders: true,
      } as never),
    );
    this.gzipped = zlib.gzipSync(this.html);
  }
}
