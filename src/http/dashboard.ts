import fs from 'node:fs';
import path from 'node:path';
import express from 'express';

/** The repository's root: the nearest folder above this file with a package.json (from `src/` and `dist/src/` alike). */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return process.cwd();
  }
}

/** Where `npm run dashboard:build` writes the partner dashboard (examples/dashboard, built by Vite). */
export const defaultDashboardDir = (): string => path.join(packageRoot(), 'examples', 'dashboard', 'dist');

/**
 * The page's own rules for the browser: its scripts, styles and requests come from the hub alone (no CDN; `'self'`
 * covers the graphql-ws socket on the same host), and no other site may frame it.
 */
const pageHeaders: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-cache',
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
    "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const notBuiltPage = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>LAP Hub — partner dashboard not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The partner dashboard is not built</h1>
<p>Build it once, in the hub's folder:</p>
<pre>npm run dashboard:build</pre>
<p>It installs the dashboard's own dependencies under <code>examples/dashboard</code> and writes the page to
<code>examples/dashboard/dist</code>. Then reload this page: the hub needs no restart.</p>
<p>GraphQL itself is at <a href="/graphql">/graphql</a>.</p>
</body></html>
`;

/**
 * Serves the reference partner dashboard at /dashboard when it has been built: its page (read at each request, so a
 * rebuild shows without a restart) and its hashed assets (cached for good). Not built: a 404 page saying how to build
 * it. The page is a client of /graphql like any other: it reads nothing the token it is given may not read.
 */
export function mountDashboard(app: express.Express, dir: string): void {
  const page = async (_req: express.Request, res: express.Response, next: express.NextFunction) => {
    let html: Buffer;
    try {
      html = await fs.promises.readFile(path.join(dir, 'index.html'));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') return next(err);
      res.status(404).set({ 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' }).end(notBuiltPage);
      return;
    }
    res.status(200).set(pageHeaders).end(html);
  };
  // '/dashboard' matches '/dashboard/' too (non-strict routing); one path per route keeps the metrics' route label plain.
  app.get('/dashboard', page);
  app.get('/dashboard/index.html', page);
  app.use(
    '/dashboard',
    express.static(dir, {
      index: false,
      redirect: false,
      etag: false,
      setHeaders(res, file) {
        res.setHeader('x-content-type-options', 'nosniff');
        // Vite names built assets by their content: a new build has new names.
        if (path.relative(dir, file).startsWith(`assets${path.sep}`)) res.setHeader('cache-control', 'public, max-age=31536000, immutable');
        else res.setHeader('cache-control', 'no-cache');
      },
    }),
  );
}
