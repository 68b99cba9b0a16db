import { createHash } from 'node:crypto';
import type http from 'node:http';
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

# Live updates run over WebSocket at this same URL, with the token of the
# Headers tab. Run this, then change a case in another tab (as its lead agency):
subscription Live {
  caseChanged {
    reference title status
    confidential { summary shares { participant { name } } }
  }
}
`;

/**
 * GraphiQL sends subscriptions over graphql-ws, but the token typed in its Headers tab reaches only HTTP requests: its
 * WebSocket client takes fixed connection parameters. This script adds the tab's Authorization header to the
 * `connection_init` message (DOMAIN §7: the token goes there), read from GraphiQL's own saved state when the
 * connection opens (GraphiQL opens one when a subscription starts and closes it when none is left).
 */
const connectionInitScript = `<script>
(function () {
  function headers() {
    try {
      var state = JSON.parse(localStorage.getItem('graphiql:tabState') || 'null');
      var tab = state && state.tabs && state.tabs[state.activeTabIndex];
      if (tab && tab.headers) return JSON.parse(tab.headers);
    } catch (e) {}
    try { return JSON.parse(localStorage.getItem('graphiql:headers') || '{}'); } catch (e) { return {}; }
  }
  var send = WebSocket.prototype.send;
  WebSocket.prototype.send = function (data) {
    if (this.protocol === 'graphql-transport-ws' && typeof data === 'string' && data.indexOf('"connection_init"') !== -1) {
      try {
        var message = JSON.parse(data);
        var h = headers() || {};
        var auth = h.Authorization || h.authorization;
        if (message.type === 'connection_init' && typeof auth === 'string') {
          message.payload = Object.assign({}, message.payload, { authorization: auth });
          data = JSON.stringify(message);
        }
      } catch (e) {}
    }
    return send.call(this, data);
  };
})();
</script>`;

/**
 * GraphiQL, served by the hub itself: the page inlines the whole GraphiQL bundle (scripts, styles and editor workers),
 * so a browser needs no CDN or other network access. Rendered once and kept compressed.
 */
export class GraphiqlPage {
  readonly html: Buffer;
  readonly gzipped: Buffer;
  /** The page's strong validator: a browser that has it already is answered 304, not sent megabytes again. */
  readonly etag: string;

  constructor(endpoint: string, title = 'LAP Hub — GraphiQL') {
    // Loaded on the first page view only: the bundle costs tens of megabytes of memory.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { renderGraphiQL } = require('@graphql-yoga/render-graphiql') as typeof import('@graphql-yoga/render-graphiql');
    const page = renderGraphiQL({
      title,
      endpoint,
      defaultQuery,
      headerEditorEnabled: true,
      shouldPersistHeaders: true,
      // Subscriptions over graphql-ws (graphql-transport-ws) at the same URL as queries (src/live/websocket.ts).
      subscriptionsProtocol: 'WS',
    } as never);
    const head = page.indexOf('<head>');
    if (head === -1) throw new Error('the GraphiQL page has no <head>');
    this.html = Buffer.from(page.slice(0, head + 6) + connectionInitScript + page.slice(head + 6));
    this.gzipped = zlib.gzipSync(this.html);
    this.etag = `"${createHash('sha256').update(this.html).digest('base64url').slice(0, 27)}"`;
  }

  /**
   * Answers a browser's GET for the page: compressed when it accepts gzip, revalidated on every open (`no-cache`) but
   * answered `304 Not Modified` when its copy is this one (`If-None-Match`): the page is several megabytes.
   */
  send(req: http.IncomingMessage, res: http.ServerResponse): void {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    res.setHeader('cache-control', 'no-cache');
    res.setHeader('etag', this.etag);
    res.setHeader('vary', 'Accept-Encoding');
    const known = String(req.headers['if-none-match'] ?? '').split(',').map((tag) => tag.trim().replace(/^W\//, ''));
    if (known.includes(this.etag) || known.includes('*')) {
      res.statusCode = 304;
      res.end();
      return;
    }
    if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
      res.setHeader('content-encoding', 'gzip');
      res.end(this.gzipped);
    } else {
      res.end(this.html);
    }
  }
}
