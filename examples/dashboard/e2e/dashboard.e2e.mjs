// The partner dashboard in a real browser, against a real hub: `npm run dashboard:e2e` at the repository's root (it
// builds the hub and the dashboard first). Not part of `npm test`; CI runs it (.ci/run installs Debian's `chromium`).
// It needs a Chromium: Debian `apt-get install chromium`, another one with CHROMIUM_PATH=….
//
// It starts the hub as `npm start` would (the embedded database in a fresh temporary data folder, the demo network),
// takes demo tokens and an API key from `npm run token` as the README says, then checks what each demo viewer sees on
// the page — an agency person, private-sector members, an API key, a coordinator, anonymous: the exact cases, the
// redacted parts shown as such (as many as the hub's `extensions.redacted` counts), the assistance queue, the call
// segments, early warnings published meanwhile arriving without a reload — and never a console error (a
// Content-Security-Policy violation included). A screenshot per viewer goes to test/artifacts/ (git-ignored).
//
// Every wait is for an element or an answer, bounded (ACTION_TIMEOUT_MS each, the whole run RUN_TIMEOUT_MS); whatever
// happens — a failed check, the run's time limit, Ctrl-C — the hub is stopped and its data folder removed.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const ACTION_TIMEOUT_MS = 20_000;
const RUN_TIMEOUT_MS = 300_000;

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const artifacts = path.join(root, 'test', 'artifacts');
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
delete env.DATABASE_URL;
const base = `http://127.0.0.1:${port}`;
let hubLog = '';
const hub = spawn(process.execPath, [path.join(root, 'dist', 'src', 'main.js')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
hub.stdout.on('data', (d) => (hubLog += d));
hub.stderr.on('data', (d) => (hubLog += d));
let browser;

// Whatever ends this process, the hub does not outlive it, and its data folder goes.
process.on('exit', () => {
  if (hub.exitCode === null && hub.signalCode === null) hub.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    console.error(`dashboard e2e: ${signal}, stopping the hub`);
    process.exit(130);
  });
}
const watchdog = setTimeout(() => {
  console.error(`dashboard e2e: not done after ${RUN_TIMEOUT_MS / 1000} s; stopping\n--- hub log\n${hubLog}`);
  process.exit(1);
}, RUN_TIMEOUT_MS);
watchdog.unref();

async function hubReady() {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (hub.exitCode !== null) throw new Error(`the hub exited during start-up:\n${hubLog}`);
    try {
      if ((await fetch(`${base}/readyz`, { signal: AbortSignal.timeout(2000) })).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`the hub did not become ready within 120 s:\n${hubLog}`);
}

/** `npm run -s token -- <args>` as the README has it, against the running hub (its data folder); its stdout. */
const tokenCli = (args, extraEnv = {}) =>
  execFileSync('npm', ['run', '-s', 'token', '--', ...args], { cwd: root, env: { ...env, ...extraEnv }, timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim();
const token = (email, ttl) => tokenCli([email], ttl ? { TOKEN_TTL: ttl } : {});

/** The case board's rows by reference, with the text of their confidential cell. */
async function boardRows(page) {
  return page.$$eval('section[aria-labelledby="board-title"] tbody tr', (rows) =>
    Object.fromEntries(rows.map((r) => [r.getAttribute('data-case'), r.querySelector('td.confidential .tier').textContent])),
  );
}

/** The references of the rows whose tier the page shows as redacted, with this reason. */
const redactedRows = (rows, reason = 'NOT_SHARED_WITH_YOU') =>
  Object.keys(rows)
    .filter((ref) => rows[ref] === `redacted: ${reason}`)
    .sort();

/** The rows offering "Request access". */
const requestButtons = (page) =>
  page.$$eval('tr[data-case] .request-access button', (bs) => bs.map((b) => b.closest('tr').getAttribute('data-case')).sort());

/** What the panel's redaction note says the hub withheld: `path ×count (code)` entries. */
async function redactionNote(page, panel) {
  const note = page.locator(`section[aria-labelledby="${panel}"] .redaction-note`);
  if ((await note.count()) === 0) return [];
  return [...(await note.textContent()).matchAll(/([\w.]+) ×(\d+) \((\w+)\)/g)].map((m) => ({ path: m[1], count: Number(m[2]), code: m[3] }));
}

/** The upcoming calls on the page: title, its segments (title and audience), its exclusions' text. */
async function callsShown(page) {
  return page.$$eval('section[aria-labelledby="calls-title"] article.call', (calls) =>
    calls.map((c) => ({
      title: c.querySelector('h3').textContent,
      segments: [...c.querySelectorAll('ol.segments > li')].map((li) => `${li.querySelector('strong').textContent} [${li.querySelector('.audience').textContent}]`),
      exclusions: c.querySelector('.exclusions').textContent,
    })),
  );
}

/** The assistance queue's rows: title, "from → to", and the details cell. */
async function queueShown(page) {
  return page.$$eval('section[aria-labelledby="queue-title"] tbody tr', (rows) =>
    rows.map((r) => ({ title: r.querySelector('strong').textContent, parties: r.cells[2].textContent, details: r.cells[4].textContent })),
  );
}

/** A GraphQL request over HTTP as `bearer`; fails on any error. */
async function gql(bearer, query, variables) {
  const res = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(ACTION_TIMEOUT_MS),
  });
  const body = await res.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

const publish = (bearer, title, tlp, body) =>
  gql(bearer, `mutation ($input: PublishReportInput!) { publishReport(input: $input) { id } }`, {
    input: { kind: 'EARLY_WARNING', title, body, tlp },
  });

const consoleErrors = [];

/** A page of its own (own context: own sessionStorage, own socket) for one viewer, signed in when `bearer` is given. */
async function openAs(name, bearer) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(ACTION_TIMEOUT_MS);
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(`${name}: ${m.text()}`));
  page.on('pageerror', (e) => consoleErrors.push(`${name}: ${e}`));
  await page.goto(`${base}/dashboard`);
  await page.waitForSelector('[data-viewer-kind="ANONYMOUS"]');
  if (bearer) await signIn(page, bearer);
  return page;
}

async function signIn(page, bearer) {
  await page.fill('#token', bearer);
  await page.click('button[type="submit"]');
}

async function signOut(page) {
  await page.click('text=Sign out');
  await page.waitForSelector('[data-viewer-kind="ANONYMOUS"]');
}

/** Waits until every panel has answered (its table or its "nothing visible" line, and the feed's live state). */
async function panelsLoaded(page) {
  for (const panel of ['queue-title', 'calls-title', 'board-title']) {
    await page.locator(`section[aria-labelledby="${panel}"]`).locator('tbody tr, article.call, p.empty').first().waitFor();
  }
  await page.locator('section[aria-labelledby="warnings-title"] [data-live="live"]').waitFor();
}

async function screenshot(page, viewer) {
  fs.mkdirSync(artifacts, { recursive: true });
  const file = path.join(artifacts, `dashboard-${viewer}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return path.relative(root, file);
}

const CLEAR_CASE = 'FTC-2004-017';
const TRAINING = 'Joint training: tracing zombie drones [private sector invited]';

try {
  await hubReady();
  browser = await chromium.launch({ executablePath: chromiumPath, headless: true, args: ['--no-sandbox'], timeout: 60_000 });

  // Anonymous: the CLEAR case only, its confidential tier redacted; no calls, no requests.
  const anonymous = await openAs('anonymous');
  await anonymous.waitForSelector('section[aria-labelledby="board-title"] tbody tr');
  assert.deepEqual(await boardRows(anonymous), { [CLEAR_CASE]: 'redacted: NOT_SHARED_WITH_YOU' });
  assert.deepEqual(await redactionNote(anonymous, 'board-title'), [{ path: 'cases.nodes.confidential', count: 1, code: 'FORBIDDEN' }]);
  assert.equal(await anonymous.locator('.request-access button').count(), 0, 'anonymous callers cannot ask for access');
  await anonymous.waitForSelector('text=No upcoming call is visible to you.');
  await anonymous.waitForSelector('text=No request for assistance is visible to you.');
  console.log(`dashboard e2e: anonymous sees the CLEAR case, its confidential tier redacted (${await screenshot(anonymous, 'anonymous')})`);
  await anonymous.context().close();

  // Three viewers side by side, each in its own browser context: an agency person (Isla Morgan, ICO), a private-sector
  // member (Tom Baker, Meridian Bank) and Meridian Bank's API key, minted from the command line as the README says.
  const apiKey = tokenCli(['--api-key', 'tom.baker@meridianbank.example', '--name', 'NOC dashboard']);
  assert.match(apiKey, /^lapk_\w+_[\w-]+$/);
  const isla = await openAs('agency', token('isla.morgan@ico.example'));
  const tom = await openAs('private', token('tom.baker@meridianbank.example'));
  const key = await openAs('api-key', apiKey);
  await isla.waitForSelector('[data-viewer-kind="AGENCY"]');
  await tom.waitForSelector('[data-viewer-kind="PRIVATE"]');
  await key.waitForSelector('[data-viewer-kind="PRIVATE"] .api-key');
  for (const page of [isla, tom, key]) await panelsLoaded(page);

  // Isla Morgan (ICO, AGENCY): every case but the RED ones; the tiers of ICO's own case and of the one OFT shares with
  // ICO, the five others redacted; her pending request for ACMA's case instead of a button there; both upcoming calls
  // with their law-enforcement-only segments and the exclusions; the one request ICO is party to, with its details.
  assert.equal(await isla.textContent('.viewer strong'), 'Isla Morgan');
  const islaRows = await boardRows(isla);
  assert.deepEqual(Object.keys(islaRows).sort(), ['ACMA-2004-011', 'CRTC-2004-004', 'FTC-2004-017', 'ICO-2004-008', 'KISA-2004-002', 'OFT-2004-003', 'OPTA-2004-005']);
  assert.deepEqual(redactedRows(islaRows), ['ACMA-2004-011', 'CRTC-2004-004', 'FTC-2004-017', 'KISA-2004-002', 'OPTA-2004-005']);
  assert.match(islaRows['ICO-2004-008'], /^Sale of 12 million harvested addresses/);
  assert.match(islaRows['OFT-2004-003'], /^E-mails announcing lottery wins/);
  assert.deepEqual(await redactionNote(isla, 'board-title'), [{ path: 'cases.nodes.confidential', count: 5, code: 'FORBIDDEN' }]);
  assert.deepEqual(await requestButtons(isla), ['CRTC-2004-004', 'FTC-2004-017', 'KISA-2004-002', 'OPTA-2004-005']);
  await isla.locator('tr[data-case="ACMA-2004-011"] [data-access="PENDING"]').waitFor();
  assert.deepEqual(
    (await callsShown(isla)).map(({ title, segments }) => ({ title, segments })),
    [
      { title: 'Quarterly enforcement call', segments: ['Legislative developments [law enforcement only]', TRAINING] },
      { title: 'Enforcement obstacles (law enforcement only)', segments: ['Obstacles to cross-border evidence sharing [law enforcement only]'] },
    ],
  );
  const islaCalls = await callsShown(isla);
  assert.match(islaCalls[0].exclusions, /^Exclusions: Sentinel Security from the whole call: .+ \(withdrawn\)$/);
  assert.equal(islaCalls[1].exclusions, 'Exclusions: none');
  assert.deepEqual(await redactionNote(isla, 'calls-title'), []);
  const confirmCustomers = 'Confirm customers in a harvested list';
  const icoToMeridian = 'UK Information Commissioner’s Office → Meridian Bank';
  assert.deepEqual(await queueShown(isla), [
    { title: confirmCustomers, parties: icoToMeridian, details: 'Confirm whether the sample addresses belong to Meridian customers, without personal data.' },
  ]);
  console.log('dashboard e2e: Isla Morgan (agency) sees 7 cases, 5 tiers redacted, both calls with their law-enforcement-only segments, ICO\'s request');

  // Tom Baker (Meridian Bank, PRIVATE): the CLEAR and GREEN cases, ICO-2004-008 (shared with the bank) and FTC-2004-021
  // (the RED share names him) with their tiers; the other tiers redacted, as many as the hub counted. Of the calls only
  // the segment Meridian is invited to: never the law-enforcement-only ones, nor the call that has nothing else.
  assert.equal(await tom.textContent('.viewer strong'), 'Tom Baker');
  const tomRows = await boardRows(tom);
  assert.deepEqual(Object.keys(tomRows).sort(), ['FTC-2004-017', 'FTC-2004-021', 'ICO-2004-008', 'OFT-2004-003', 'OPTA-2004-005']);
  assert.deepEqual(redactedRows(tomRows), ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005']);
  assert.match(tomRows['FTC-2004-021'], /^A phishing kit imitating Meridian Bank/);
  assert.match(tomRows['ICO-2004-008'], /^Sale of 12 million harvested addresses/);
  assert.deepEqual(await redactionNote(tom, 'board-title'), [{ path: 'cases.nodes.confidential', count: 3, code: 'FORBIDDEN' }]);
  // "Request access" on the rows whose tier is withheld, and only there.
  assert.deepEqual(await requestButtons(tom), ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005']);
  assert.deepEqual(await callsShown(tom), [{ title: 'Quarterly enforcement call', segments: [TRAINING], exclusions: 'Exclusions: redacted: FORBIDDEN' }]);
  assert.deepEqual(await redactionNote(tom, 'calls-title'), [{ path: 'calls.nodes.exclusions', count: 1, code: 'FORBIDDEN' }]);
  // The queue: ICO's request to the bank, with its details (the bank is its recipient).
  assert.deepEqual(await queueShown(tom), [
    { title: confirmCustomers, parties: icoToMeridian, details: 'Confirm whether the sample addresses belong to Meridian customers, without personal data.' },
  ]);
  console.log('dashboard e2e: Tom Baker (private) sees 5 cases, 3 tiers redacted with "Request access", the one segment Meridian is invited to, the request to his bank');

  // Meridian Bank's API key: the bank as a whole (the share to the bank, not the RED share naming Tom), read-only.
  assert.match(await key.textContent('.viewer'), /^Meridian Bank · API key “NOC dashboard” \(lapk_[^)]*…\), read-only/);
  const keyRows = await boardRows(key);
  assert.deepEqual(Object.keys(keyRows).sort(), ['FTC-2004-017', 'ICO-2004-008', 'OFT-2004-003', 'OPTA-2004-005']);
  assert.deepEqual(redactedRows(keyRows), ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005']);
  assert.match(keyRows['ICO-2004-008'], /^Sale of 12 million harvested addresses/);
  assert.equal(await key.locator('.request-access button').count(), 0, 'a key cannot ask for access');
  assert.deepEqual(await callsShown(key), [{ title: 'Quarterly enforcement call', segments: [TRAINING], exclusions: 'Exclusions: redacted: FORBIDDEN' }]);
  assert.deepEqual((await queueShown(key)).map((r) => r.parties), [icoToMeridian]);
  console.log('dashboard e2e: Meridian Bank\'s API key sees the bank\'s share, not the RED one naming Tom, and cannot ask for access');

  // The early-warning feed, live on the three open pages: NorthStar publishes an AMBER warning naming nobody (for
  // agencies) and then a GREEN one. Isla's page gets both, Tom's and the key's the GREEN one only, without a reload.
  const warningsOf = (page) => page.locator('section[aria-labelledby="warnings-title"] ul.feed li');
  const fresh = (page, title) => page.locator('section[aria-labelledby="warnings-title"] ul.feed li.fresh', { hasText: title });
  const before = new Map();
  for (const page of [isla, tom, key]) before.set(page, await warningsOf(page).count());
  const grace = token('grace.lin@northstar.example');
  await publish(grace, 'Amber botnet wave (agencies only)', 'AMBER', 'Command servers of the new wave, for takedown requests: see the attached list.');
  await publish(grace, 'Green botnet wave', 'GREEN', 'A new botnet sends pharmacy spam from home routers; block outbound port 25 from residential ranges.');
  for (const page of [isla, tom, key]) await fresh(page, 'Green botnet wave').waitFor();
  await fresh(isla, 'Amber botnet wave').waitFor();
  assert.equal(await warningsOf(isla).count(), before.get(isla) + 2);
  assert.deepEqual(await warningsOf(isla).locator('strong').evaluateAll((s) => s.slice(0, 2).map((e) => e.textContent)), ['Green botnet wave', 'Amber botnet wave (agencies only)']);
  for (const page of [tom, key]) {
    // The GREEN one was published after the AMBER one: had the AMBER one been delivered, it would be there already.
    assert.equal(await warningsOf(page).filter({ hasText: 'Amber botnet wave' }).count(), 0);
    assert.equal(await warningsOf(page).count(), before.get(page) + 1);
    assert.equal(await warningsOf(page).first().locator('strong').textContent(), 'Green botnet wave');
  }
  console.log('dashboard e2e: NorthStar\'s warnings arrived live: AMBER and GREEN on Isla\'s page, the GREEN one only on Tom\'s and the key\'s');
  const shots = [await screenshot(isla, 'agency'), await screenshot(tom, 'private'), await screenshot(key, 'api-key')];
  console.log(`dashboard e2e: screenshots ${shots.join(', ')}`);
  await isla.context().close();
  await key.context().close();

  // Tom asks for OPTA-2004-005's tier: the row says the request is pending; the other rows still offer to ask.
  const opta = tom.locator('tr[data-case="OPTA-2004-005"]');
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
  await tom.reload();
  await tom.locator('tr[data-case="OPTA-2004-005"] [data-access="PENDING"]').waitFor();
  assert.deepEqual(await requestButtons(tom), ['FTC-2004-017', 'OFT-2004-003']);
  console.log('dashboard e2e: Tom Baker asked for OPTA-2004-005\'s tier; the request is pending, on the page and in the hub');

  // He withdraws it: the row says so and offers to ask again; the hub has it WITHDRAWN.
  await tom.locator('tr[data-case="OPTA-2004-005"] button.withdraw-access').click();
  await tom.locator('tr[data-case="OPTA-2004-005"] [data-access="WITHDRAWN"]').waitFor();
  assert.match(await tom.locator('tr[data-case="OPTA-2004-005"] [data-access="WITHDRAWN"]').textContent(), /^You withdrew your request of .+$/);
  assert.equal(await tom.locator('tr[data-case="OPTA-2004-005"] [data-access="PENDING"]').count(), 0);
  assert.deepEqual(await requestButtons(tom), ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005']);
  const withdrawn = await gql(token('tom.baker@meridianbank.example'), '{ caseAccessRequests { nodes { status case { reference } decidedBy { email } } } }');
  assert.deepEqual(withdrawn.caseAccessRequests.nodes, [{ status: 'WITHDRAWN', case: { reference: 'OPTA-2004-005' }, decidedBy: { email: 'tom.baker@meridianbank.example' } }]);
  console.log('dashboard e2e: Tom Baker withdrew it; the row offers to ask again, and the hub has it WITHDRAWN');

  // Max Mueller (Registro Global, PRIVATE): invited to one segment, excluded from it by ICO's standing objection, so no
  // call at all on his page; the CLEAR and GREEN cases, no tier; no request.
  const page = tom;
  await signOut(page);
  await signIn(page, token('max.mueller@registro.example'));
  await page.waitForSelector('[data-viewer-kind="PRIVATE"]');
  assert.equal(await page.textContent('.viewer strong'), 'Max Müller');
  await panelsLoaded(page);
  assert.deepEqual(Object.keys(await boardRows(page)).sort(), ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005']);
  assert.deepEqual(redactedRows(await boardRows(page)), ['FTC-2004-017', 'OFT-2004-003', 'OPTA-2004-005']);
  await page.waitForSelector('text=No upcoming call is visible to you.');
  assert.equal(await page.locator('article.call').count(), 0);
  await page.waitForSelector('text=No request for assistance is visible to you.');
  console.log('dashboard e2e: Max Müller (excluded from the one segment Registro was invited to) sees no call');

  // Ann Carter (FTC, COORDINATOR): every request, the details of those FTC is not party to redacted.
  await signOut(page);
  await signIn(page, token('ann.carter@ftc.example'));
  await page.waitForSelector('[data-viewer-kind="COORDINATOR"]');
  await panelsLoaded(page);
  const queue = page.locator('section[aria-labelledby="queue-title"]');
  assert.equal(await queue.locator('tbody tr').count(), 5);
  assert.deepEqual(await redactionNote(page, 'queue-title'), [{ path: 'assistanceRequests.nodes.details', count: 3, code: 'FORBIDDEN' }]);
  assert.equal(await queue.locator('.redacted').count(), 3);
  assert.ok((await page.locator('section[aria-labelledby="calls-title"] .audience-law_enforcement_only').count()) > 0);
  console.log('dashboard e2e: Ann Carter sees the 5 requests, 3 of them without details, and law-enforcement-only segments');

  // A token that expires while the page is open: the hub closes the socket (4403), the feed says live updates stopped.
  await signOut(page);
  await signIn(page, token('grace.lin@northstar.example', '12s'));
  await page.waitForSelector('[data-viewer-kind="PRIVATE"]');
  const live = page.locator('section[aria-labelledby="warnings-title"] [data-live]');
  await page.locator('section[aria-labelledby="warnings-title"] [data-live="stopped"]').waitFor({ timeout: 45_000 });
  assert.match(await live.textContent(), /^live updates stopped: the hub closed the connection \(4403 token expired\); sign in again$/);
  console.log('dashboard e2e: an expired token stops the live feed, and the page says so');

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
  await browser?.close().catch(() => undefined);
  if (hub.exitCode === null && hub.signalCode === null) {
    hub.kill('SIGTERM');
    const killer = setTimeout(() => hub.kill('SIGKILL'), 15_000);
    await new Promise((resolve) => (hub.exitCode !== null || hub.signalCode !== null ? resolve() : hub.once('exit', resolve)));
    clearTimeout(killer);
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
}
