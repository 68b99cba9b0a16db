import { ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startComplaintsService } from '../../examples/complaints/service';
import { createGateway, hubUrlsOf, probeHub, repositoryRoot } from '../federation/gateway';
import { connectionTimeoutsOf, corsOriginsOf, hubTimeoutOf, maxQueryDepthOf, trustProxyOf } from '../config';
import { SAME_SIGNAL_MS, startScriptNodeArgs, STOP_WITH_PARENT } from './start-options';
import { checkPort, shownHost } from '../startup';

/**
 * `npm run gateway`: the composed demo on one port. Starts the hub (`npm start`'s program, on HUB_PORT, loopback only)
 * unless HUB_URL names running hubs (comma-separated: several instances on one PostgreSQL, served in turn), the
 * complaints example on COMPLAINTS_PORT (loopback), and Hive Gateway with GraphiQL on PORT (default 4000), from the
 * committed supergraph.graphql.
 */
function env(name: string, fallback: number): number {
  // Read as the hub reads its PORT (src/config.ts): spaces around the number are not part of it.
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) > 65535) throw new Error(`${name} must be a port number, got "${raw}"`);
  return Number(raw);
}

/** Whether a URL is this machine's address at `port` where the gateway listens on `host` (loopback, or every address). */
function namesThisGateway(url: string, port: number, host: string): boolean {
  const parsed = new URL(url);
  const urlPort = Number(parsed.port || (parsed.protocol === 'https:' ? 443 : 80));
  if (urlPort !== port) return false;
  const name = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  const local = new Set(['localhost', '127.0.0.1', '::1', '0.0.0.0', '::', os.hostname().toLowerCase()]);
  for (const addresses of Object.values(os.networkInterfaces())) for (const a of addresses ?? []) local.add(a.address.toLowerCase());
  const everywhere = host === '0.0.0.0' || host === '::';
  return local.has(name) && (everywhere || name === host.toLowerCase() || (name === 'localhost' && (host === '127.0.0.1' || host === '::1')) || (host === 'localhost' && (name === '127.0.0.1' || name === '::1')));
}

async function waitForHealth(url: string, child: ChildProcess): Promise<void> {
  for (let i = 0; i < 240; i++) {
    if (!running(child)) throw new Error(`the hub exited during start-up (${howItEnded(child.exitCode, child.signalCode)})`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`the hub did not answer ${url}`);
}

/** Whether a child process still runs: it has neither exited nor been ended by a signal (then `exitCode` stays null). */
function running(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** How a child process ended, in words: its exit code, or the signal that ended it (`signal SIGKILL`). */
function howItEnded(code: number | null, signal: NodeJS.Signals | null): string {
  return signal ? `signal ${signal}` : `code ${code}`;
}

/** The hub this command started, if any: stopped with the gateway, also when start-up fails after it. */
let hub: ChildProcess | undefined;

async function main(): Promise<void> {
  const port = env('PORT', 4000);
  const host = process.env.HOST || '0.0.0.0';
  const complaintsPort = env('COMPLAINTS_PORT', 4002);
  let hubUrls = hubUrlsOf(process.env.HUB_URL);
  // The browser origins the gateway answers, read and checked as the hub reads them (CORS_ORIGINS).
  const corsOrigins = corsOriginsOf(process.env);
  // Client connections kept, timed out and drained at a stop as the hub's (KEEP_ALIVE_TIMEOUT_MS, REQUEST_TIMEOUT_MS, SHUTDOWN_GRACE_MS).
  const timeouts = connectionTimeoutsOf(process.env);
  // How long a hub's answer may take (HUB_TIMEOUT_MS).
  const hubTimeoutMs = hubTimeoutOf(process.env);
  // The deepest query (MAX_QUERY_DEPTH), read as the hub reads it, and checked before anything starts.
  const maxQueryDepth = maxQueryDepthOf(process.env);
  // The proxies in front of the gateway whose X-Forwarded-For names the client (TRUST_PROXY): none unless set.
  const trustProxy = trustProxyOf(process.env);
  // Every port this command listens on is checked before anything starts: each its own (PORT, COMPLAINTS_PORT, and
  // HUB_PORT when it starts a hub), a port in use named, and a hub already listening on HUB_PORT never taken for the
  // one started here.
  const ports: Array<[string, number]> = [['PORT', port], ['COMPLAINTS_PORT', complaintsPort], ...(hubUrls.length === 0 ? [['HUB_PORT', env('HUB_PORT', 4001)] as [string, number]] : [])];
  for (const [i, [name, value]] of ports.entries()) {
    const same = ports.slice(0, i).find(([, other]) => other === value && value !== 0);
    if (same) throw new Error(`${name} and ${same[0]} are both ${value}: the gateway, the complaints example and the hub it starts each need a port of their own`);
  }
  // A HUB_URL naming this gateway's own address would send every request back to the gateway.
  for (const url of hubUrls) {
    if (namesThisGateway(url, port, host)) throw new Error(`HUB_URL ${url} is this gateway's own address (PORT ${port}): HUB_URL names running hubs (e.g. http://127.0.0.1:4001/graphql)`);
  }
  await checkPort({ port, host });
  await checkPort({ port: complaintsPort, host: '127.0.0.1' }, 'COMPLAINTS_PORT');
  // Hubs already running (HUB_URL): each asked once, before anything starts (`probeHub`).
  for (const url of hubUrls) {
    const probe = await probeHub(url);
    if (probe.kind === 'not a hub') {
      throw new Error(`HUB_URL ${url} is not a hub's GraphQL endpoint: ${probe.why} (a hub answers at its /graphql path, e.g. http://127.0.0.1:4001/graphql)`);
    }
    if (probe.kind === 'unusable') throw new Error(`HUB_URL ${url} cannot be used: ${probe.why}`);
    if (probe.kind === 'unreachable') process.stderr.write(`lap-hub gateway: warning: HUB_URL ${url} does not answer yet (${probe.why}); requests are sent to it when it does\n`);
  }
  if (hubUrls.length === 0) {
    const hubPort = env('HUB_PORT', 4001);
    await checkPort({ port: hubPort, host: '127.0.0.1' }, 'HUB_PORT');
    hub = spawn(process.execPath, [...startScriptNodeArgs(repositoryRoot), path.join(repositoryRoot, 'dist/src/main.js')], {
      // The hub's only client is this gateway, on loopback: it trusts the gateway's X-Forwarded-For (the one address the
      // gateway resolved for its client, TRUST_PROXY being the gateway's), so that its rate limits count each client's
      // address, not the gateway's.
      env: { ...process.env, TRUST_PROXY: 'loopback', PORT: String(hubPort), HOST: '127.0.0.1', [STOP_WITH_PARENT]: '1' },
      // A process group of its own: the terminal's Ctrl-C (sent to the whole foreground group) and a SIGTERM to this
      // command's group reach the gateway only, which stops the hub once it has answered the requests under way (the
      // hub stopped at once beside it, and a request the gateway had taken was answered 503). The IPC channel stops
      // the hub should the gateway die without stopping it (src/early-signals.ts).
      detached: true,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await waitForHealth(`http://127.0.0.1:${hubPort}/healthz`, hub);
    hubUrls = [`http://127.0.0.1:${hubPort}/graphql`];
  }
  const complaints = await startComplaintsService(complaintsPort, '127.0.0.1');
  const gateway = createGateway({
    supergraph: fs.readFileSync(path.join(repositoryRoot, 'supergraph.graphql'), 'utf8'),
    subgraphs: { hub: hubUrls, complaints: complaints.url },
    // Production defaults (ENGINEERING.md): no GraphiQL and no introspection at the gateway, which cannot tell members
    // from anonymous callers itself (the hub's `_service` and introspection are for members only).
    graphiql: process.env.NODE_ENV !== 'production',
    introspection: process.env.NODE_ENV !== 'production',
    maxQueryDepth,
    corsOrigins,
    trustProxy,
    hubTimeoutMs,
    ...timeouts,
  });
  const actual = await gateway.listen(port, host);
  const shown = shownHost(host);
  const graphiql = process.env.NODE_ENV !== 'production' ? ' and GraphiQL' : '';
  process.stdout.write(`LAP Hub gateway: GraphQL${graphiql} at http://${shown}:${actual}/graphql (hub: ${hubUrls.join(', ')}; complaints: ${complaints.url})\n`);

  let stopping = false;
  let stopAskedAt = 0;
  const stop = async (code: number) => {
    if (stopping) {
      // Asked again while stopping (Ctrl-C twice), as the hub takes it: one within 1 s of the first is that same one
      // (npm forwards the terminal's Ctrl-C, which reached the gateway already); a later one does not wait for the
      // requests under way. The hub is asked again too, which it takes the same way.
      if (Date.now() - stopAskedAt < SAME_SIGNAL_MS) return;
      process.stderr.write('lap-hub gateway: stopped again while stopping: exiting now\n');
      if (hub && running(hub)) hub.kill('SIGTERM');
      process.exit(1);
    }
    stopping = true;
    stopAskedAt = Date.now();
    const hubExited = hub && running(hub) ? new Promise((r) => hub!.once('exit', r)) : Promise.resolve();
    // The gateway first: it answers the requests under way (SHUTDOWN_GRACE_MS), which need the hub and the example;
    // then those stop, the hub draining its own requests.
    await Promise.race([gateway.stop().catch(() => undefined), new Promise((r) => setTimeout(r, timeouts.shutdownGraceMs + 5000).unref())]);
    hub?.kill('SIGTERM');
    await Promise.race([complaints.stop().catch(() => undefined), new Promise((r) => setTimeout(r, 5000).unref())]);
    await hubExited;
    process.exit(code);
  };
  process.on('SIGINT', () => void stop(0));
  process.on('SIGTERM', () => void stop(0));
  // Its terminal or ssh session closed: stopped as for SIGTERM (Node's default ended the gateway at once).
  process.on('SIGHUP', () => void stop(0));
  hub?.once('exit', (code, signal) => {
    if (stopping) return;
    process.stderr.write(`lap-hub gateway: the hub exited (${howItEnded(code, signal)}); stopping\n`);
    void stop(1);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`lap-hub gateway: ${(err as Error).message}\n`);
  if (hub && running(hub)) {
    hub.once('exit', () => process.exit(1));
    hub.kill('SIGTERM');
  } else {
    process.exit(1);
  }
});
