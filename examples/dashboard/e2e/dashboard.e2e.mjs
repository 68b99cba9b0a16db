// The partner dashboard in a real browser, against a real hub: `npm run dashboard:e2e` at the repository's root (it
// builds the hub and the dashboard first). Opt-in, not part of `npm test`: it needs a Chromium (Debian: `apt-get
// install chromium`; another one with CHROMIUM_PATH=…).
//
// It starts the hub as `npm start` would (the embedded database in a fresh temporary data folder, the demo network),
// takes demo tokens from the token CLI, then checks what each demo viewer sees on the page: the redacted parts shown
// as such, as many as the hub's `extensions.redacted` counts, and never a console error (a Content-Security-Policy
// violation included).
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (!fs.existsSync(chromiumPath)) {
  console.error(`dashboard e2e: no Chromium at ${chromiumPath} (apt-get install chromium, or set CHROMIUM_PATH)`);
  process.exit(2);
}
if (!fs.existsSync(path.join(root, 'examples', 'dashboard', 'dist', 'index.html'))) {
  console.error('dashboard e2e: the dashboard is not built (npm run dashboard:build)');
  process.exit(2);
}

/** A free TCP port on the loopback interface. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.once('error', reject);
  });
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lap-dashboard-e2e-'));
const port = await freePort();
const env = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', NODE_ENV: 'development' };
const base = `http://127.0.0.1:${port}`;
let hubLog = '';
const hub = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
hub.stdout.on('data', (d) => (hubLog += d));
hub.stderr.on('data', (d) => (hubLog += d));
let browser;

async function hubReady() {
  for (let i = 0; i < 240; i++) {
    if (hub.exitCode !== null) throw new Error(`the hub exited during start-up:\n${hubLog}`);
    try {
      if ((await fetch(`${base}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the hub did not become ready:\n${hubLog}`);
}

const token = (email, ttl) =>
  execFileSync(process.execPath, [path.join(root, 'dist', 'src', 'cli', 'token.js'), email], { cwd: root, env: ttl ? { ...env, TOKEN_TTL: ttl } : env })
    .toString()
    .trim();

/** The case board's rows by reference, with the text of their confidential cell. */
async function boardRows(page) {
  return page.$$eval('section[aria-labelledby="board-title"] tbody tr', (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-case'), r.querySelector('td.confidential .tier').textContent])),
  );
}

/** What the panel's redaction note says the hub withheld: `path ×count (code)` entries. */
async function redactionNote(page, panel) {
  const note = await page.locator(`section[aria-labelledby="${panel}"] .redaction-note`);
  if ((await note.count()) === 0) return [];
  return [...(await note.textContent()).matchAll(/([\w.]+) ×(\d+) \((\w+)\)/g)].map((m) => ({ path: m[1], count: Number(m[2]), code: m[3] }));
}

/** A GraphQL request over HTTP as `bearer`; fails on any error. */
async function gql(bearer, query, variables) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const publish = (bearer, title, tlp) =>
  gql(bearer, `mutation ($input: PublishReportInput!) { publishReport(input: $input) { id } }`, {
    input: { kind: 'EARLY_WARNING', title, body: `${title}: seen from the dashboard test.`, tlp },
  });

async function signIn(page, bearer) {
  await page.fill('#token', bearer);
  await page.click('button[type="submit"]');
}

async function signOut(page) {
  await page.click('text=Sign out');
  await page.waitForSelector('[data-viewer-kind="ANONYMOUS"]');
}

try {
  await hubReady();
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'] });
  const page = await browser.newPage();
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(String(e)));

  // Anonymous: the CLEAR case only, its confidential tier redacted; no calls, no requests.
  await page.goto(`${base}/dashboard`);
  await page.waitForSelector('[data-viewer-kind="ANONYMOUS"]');
  await page.waitForSelector('section[aria-labelledby="board-title"] tbody tr');
  assert.deepEqual(await boardRows(page), { 'FTC-2004-017': 'redacted: NOT_SHARED_WITH_YOU' });
  assert.deepEqual(await redactionNote(page, 'board-title'), [{ path: 'cases.nodes.confidential', count: 1, code: 'FORBIDDEN' }]);
  assert.equal(await page.locator('.request-access button').count(), 0, 'anonymous callers cannot ask for access');
  await page.waitForSelector('text=No upcoming call is visible to you.');
  await page.waitForSelector('text=No request for assistance is visible to you.');
  console.log('dashboard e2e: anonymous sees the CLEAR case, its confidential tier redacted');

  // Tom Baker (Meridian Bank, PRIVATE): the CLEAR and GREEN cases, ICO-2004-008 (shared with the bank) and FTC-2004-021
  // (the RED share names him) with their tiers; the other tiers redacted, as many as the hub counted.
  await signIn(page, token('tom.baker@meridianbank.example'));
  await page.waitForSelector('[data-viewer-kind="PRIVATE"]');
  assert.equal(await page.textContent('.viewer strong'), 'Tom Baker');
  await page.waitForSelector('section[aria-labelledby="board-title"] tbody tr[data-case="ICO-2004-008"]');
  const tom = await boardRows(page);
  assert.deepEqual(Object.keys(tom).sort(), ['FTC-2004-017', 'FTC-2004-021', 'ICO-2004-008', 'OFT-2004-003', 'OPTA-2004-005']);
  const redactedForTom = Object.keys(tom).filter((ref) => tom[ref] === 'redacted: NOT_SHARED_WITH_YOU').sort();
  assert.deepEqual(redactedForTom, ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005']);
  for (const ref of ['FTC-2004-021', 'ICO-2004-008']) assert.doesNotMatch(tom[ref], /redacted/);
  assert.deepEqual(await redactionNote(page, 'board-title'), [{ path: 'cases.nodes.confidential', count: 3, code: 'FORBIDDEN' }]);
  // "Request access" on the rows whose tier is withheld, and only there.
  const requestButtons = await page.$$eval('tr[data-case] .request-access button', (bs) => bs.map((b) => b.closest('tr').getAttribute('data-case')).sort());
  assert.deepEqual(requestButtons, redactedForTom);
  // The upcoming call: the segments Meridian takes part in only, never a law-enforcement-only one; exclusions redacted.
  const calls = page.locator('section[aria-labelledby="calls-title"]');
  await calls.locator('article.call').first().waitFor();
  assert.equal(await calls.locator('.audience-law_enforcement_only').count(), 0);
  assert.ok((await calls.locator('ol.segments li').count()) > 0);
  assert.match(await calls.locator('.exclusions').first().textContent(), /^Exclusions: redacted: FORBIDDEN$/);
  // The queue: ICO's request to the bank, with its details (the bank is its recipient).
  const queue = page.locator('section[aria-labelledby="queue-title"]');
  await queue.locator('tbody tr').first().waitFor();
  assert.equal(await queue.locator('tbody tr').count(), 1);
  assert.match(await queue.locator('tbody tr').textContent(), /UK Information Commissioner’s Office → Meridian Bank/);
  assert.equal(await queue.locator('.redacted').count(), 0);
  // The early-warning feed, live: NorthStar publishes an AMBER warning naming nobody (not for Tom's bank) and then a
  // GREEN one; only the GREEN one reaches Tom's page, without a reload.
  const warnings = page.locator('section[aria-labelledby="warnings-title"]');
  await warnings.locator('[data-live="live"]').waitFor();
  const before = await warnings.locator('ul.feed li').count();
  const grace = token('grace.lin@northstar.example');
  await publish(grace, 'Amber botnet wave (agencies only)', 'AMBER');
  await publish(grace, 'Green botnet wave', 'GREEN');
  await warnings.locator('ul.feed li.fresh', { hasText: 'Green botnet wave' }).waitFor();
  assert.equal(await warnings.locator('ul.feed li', { hasText: 'Amber botnet wave' }).count(), 0);
  assert.equal(await warnings.locator('ul.feed li').count(), before + 1);
  assert.equal(await warnings.locator('ul.feed li').first().locator('strong').textContent(), 'Green botnet wave');
  console.log('dashboard e2e: the GREEN early warning arrived live on Tom Baker\'s page, the AMBER one not');
  // Tom asks for OPTA-2004-005's tier: the row says the request is pending; the other rows still offer to ask.
  const opta = page.locator('tr[data-case="OPTA-2004-005"]');
  await opta.locator('.request-access button', { hasText: 'Request access' }).click();
  await opta.locator('form button[type="submit"]').waitFor();
  assert.equal(await opta.locator('form button[type="submit"]').isDisabled(), true, 'no request without a justification');
  await opta.locator('textarea').fill('Dialer malware hits our card holders; we need the suspects to block payments.');
  await opta.locator('form button[type="submit"]').click();
  await opta.locator('[data-access="PENDING"]').waitFor();
  assert.match(await opta.locator('[data-access="PENDING"]').textContent(), /^Access requested .+: pending with the lead agency$/);
  assert.equal(await opta.locator('.request-access button').count(), 0);
  const mine = await gql(token('tom.baker@meridianbank.example'), '{ caseAccessRequests { nodes { status justification case { reference } } } }');
  assert.deepEqual(mine.caseAccessRequests.nodes, [
    { status: 'PENDING', justification: 'Dialer malware hits our card holders; we need the suspects to block payments.', case: { reference: 'OPTA-2004-005' } },
  ]);
  // After a reload the board still says so (it reads Case.viewerAccessRequest).
  await page.reload();
  await page.locator('tr[data-case="OPTA-2004-005"] [data-access="PENDING"]').waitFor();
  assert.deepEqual(
    await page.$$eval('tr[data-case] .request-access button', (bs) => bs.map((b) => b.closest('tr').getAttribute('data-case')).sort()),
    ['FTC-2004-017', 'OFT-2004-003'],
  );
  console.log('dashboard e2e: Tom Baker asked for OPTA-2004-005\'s tier; the request is pending, on the page and in the hub');
  console.log('dashboard e2e: Tom Baker sees 5 cases, 3 tiers redacted with "Request access", his call segments, the request to his bank');

  // Ann Carter (FTC, COORDINATOR): every request, the details of those FTC is not party to redacted.
  await signOut(page);
  await signIn(page, token('ann.carter@ftc.example'));
  await page.waitForSelector('[data-viewer-kind="COORDINATOR"]');
  await queue.locator('tbody tr').first().waitFor();
  assert.equal(await queue.locator('tbody tr').count(), 5);
  const queueNote = await redactionNote(page, 'queue-title');
  assert.deepEqual(queueNote, [{ path: 'assistanceRequests.nodes.details', count: 3, code: 'FORBIDDEN' }]);
  assert.equal(await queue.locator('.redacted').count(), 3);
  await calls.locator('article.call').first().waitFor();
  assert.ok((await calls.locator('.audience-law_enforcement_only').count()) > 0);
  console.log('dashboard e2e: Ann Carter sees the 5 requests, 3 of them without details, and law-enforcement-only segments');

  // A token that expires while the page is open: the hub closes the socket (4403), the feed says live updates stopped.
  await signOut(page);
  await signIn(page, token('grace.lin@northstar.example', '6s'));
  await page.waitForSelector('[data-viewer-kind="PRIVATE"]');
  await warnings.locator('[data-live="live"]').waitFor();
  await warnings.locator('[data-live="stopped"]').waitFor({ timeout: 30_000 });
  assert.match(await warnings.locator('[data-live]').textContent(), /^live updates stopped: the hub closed the connection \(4403 token expired\); sign in again$/);
  console.log('dashboard e2e: an expired token stops the live feed, and the page says so');

  // Meridian Bank's API key: the bank as a whole (the share to the bank, not the RED share naming Tom), read-only.
  const { createApiKey } = await gql(token('tom.baker@meridianbank.example'), 'mutation { createApiKey(name: "NOC dashboard") { secret } }');
  await signOut(page);
  await signIn(page, createApiKey.secret);
  await page.waitForSelector('[data-viewer-kind="PRIVATE"] .api-key');
  assert.match(await page.textContent('.viewer'), /^Meridian Bank · API key “NOC dashboard” \(lapk_[^)]*…\), read-only/);
  await page.waitForSelector('section[aria-labelledby="board-title"] tbody tr[data-case="ICO-2004-008"]');
  const key = await boardRows(page);
  assert.deepEqual(Object.keys(key).sort(), ['FTC-2004-017', 'ICO-2004-008', 'OFT-2004-003', 'OPTA-2004-005']);
  assert.doesNotMatch(key['ICO-2004-008'], /redacted/);
  assert.equal(await page.locator('.request-access button').count(), 0, 'a key cannot ask for access');
  console.log('dashboard e2e: Meridian Bank\'s API key sees the bank\'s share, not the RED one naming Tom, and cannot ask for access');

  // A token the hub refuses: said so, nothing shown.
  await signOut(page);
  await signIn(page, 'not-a-token');
  await page.waitForSelector('text=The hub refused this token');
  assert.equal(await page.locator('section').count(), 0);
  console.log('dashboard e2e: a refused token is said so');

  const unexpected = consoleErrors.filter((e) => !/status of 401/.test(e));
  assert.deepEqual(unexpected, [], 'console errors on the page');
  console.log('dashboard e2e: ok');
} catch (err) {
  console.error(err);
  console.error(`--- hub log\n${hubLog}`);
  process.exitCode = 1;
} finally {
  await browser?.close();
  hub.kill('SIGTERM');
  await new Promise((resolve) => (hub.exitCode !== null ? resolve() : hub.once('exit', resolve)));
  fs.rmSync(dataDir, { recursive: true, force: true });
}
