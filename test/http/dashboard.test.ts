import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/logger';
import { defaultDashboardDir } from '../../src/http/dashboard';
import { createHub, Hub } from '../../src/server';
import { startTestHub, TestHub } from '../support/hub';

/**
 * The reference partner dashboard at /dashboard (examples/dashboard, README "Partner dashboard"): served by the hub when
 * built — its page with the browser rules of a page that loads nothing from elsewhere, its hashed assets cached for
 * good — and, when not built, a 404 page saying how to build it. The build itself (Vite) runs in CI before the smoke
 * run, which fetches the real page and its script.
 */

let hub: TestHub;
let built: string;
let empty: string;
const others: Hub[] = [];

const page = `<!doctype html><html><head><script type="module" crossorigin src="/dashboard/assets/index-Abc123.js"></script></head><body><div id="root"></div></body></html>`;
const script = 'console.log("dashboard");';

/** A hub over the test database that serves the dashboard from `dir`; its base URL. */
async function hubServing(dir: string): Promise<string> {
  const other = await createHub({ config: hub.config, ds: hub.ds, logger: createLogger(hub.config), dashboardDir: dir });
  others.push(other);
  return `http://127.0.0.1:${await other.listen(0, '127.0.0.1')}`;
}

beforeAll(async () => {
  hub = await startTestHub();
  built = fs.mkdtempSync(path.join(os.tmpdir(), 'lap-dashboard-'));
  fs.mkdirSync(path.join(built, 'assets'));
  fs.writeFileSync(path.join(built, 'index.html'), page);
  fs.writeFileSync(path.join(built, 'assets', 'index-Abc123.js'), script);
  fs.writeFileSync(path.join(built, '.env'), 'SECRET=1');
  empty = fs.mkdtempSync(path.join(os.tmpdir(), 'lap-dashboard-empty-'));
});
afterAll(async () => {
  for (const other of others) await other.stop();
  await hub.close();
  fs.rmSync(built, { recursive: true, force: true });
  fs.rmSync(empty, { recursive: true, force: true });
});

describe('a built dashboard', () => {
  let base: string;
  beforeAll(async () => {
    base = await hubServing(built);
  });

  test.each(['/dashboard', '/dashboard/', '/dashboard/index.html'])('GET %s: the page, 200, with its own browser rules', async (url) => {
    const res = await fetch(base + url);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    expect(res.headers.get('content-security-policy')).toBe(
      "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await res.text()).toBe(page);
  });

  test('the script the page names is served, as JavaScript, cached for good (its name changes with its content)', async () => {
    const html = await (await fetch(`${base}/dashboard`)).text();
    const src = /<script type="module" crossorigin src="([^"]+)"/.exec(html)![1];
    expect(src).toBe('/dashboard/assets/index-Abc123.js');
    const res = await fetch(base + src);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await res.text()).toBe(script);
  });

  test('a rebuild shows without a restart: the page is read at each request', async () => {
    const next = page.replace('index-Abc123.js', 'index-Def456.js');
    fs.writeFileSync(path.join(built, 'index.html'), next);
    try {
      expect(await (await fetch(`${base}/dashboard`)).text()).toBe(next);
    } finally {
      fs.writeFileSync(path.join(built, 'index.html'), page);
    }
  });

  test.each([
    ['an asset that does not exist', '/dashboard/assets/index-Nope.js'],
    ['a dotfile', '/dashboard/.env'],
    ['a path out of the folder', '/dashboard/..%2f..%2fetc%2fpasswd'],
    ['a path out of the folder, encoded twice', '/dashboard/assets/..%252f..%252findex.html'],
  ])('%s: the hub’s 404', async (_what, url) => {
    const res = await fetch(base + url);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: 'not found' });
  });

  test('GraphQL is unchanged next to it', async () => {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ me { kind } }' }),
    });
    expect(await res.json()).toEqual({ data: { me: { kind: 'ANONYMOUS' } } });
  });
});

describe('a dashboard not built', () => {
  test('GET /dashboard: 404, a page that says how to build it', async () => {
    const base = await hubServing(empty);
    for (const url of ['/dashboard', '/dashboard/']) {
      const res = await fetch(base + url);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
      const html = await res.text();
      expect(html).toContain('<h1>The partner dashboard is not built</h1>');
      expect(html).toContain('<pre>npm run dashboard:build</pre>');
    }
    expect((await fetch(`${base}/dashboard/assets/index-Abc123.js`)).status).toBe(404);
  });
});

test('by default the hub serves the folder `npm run dashboard:build` writes', () => {
  expect(defaultDashboardDir()).toBe(path.resolve(__dirname, '..', '..', 'examples', 'dashboard', 'dist'));
});
