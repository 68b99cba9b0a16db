import os from 'node:os';
import { Bounds, measure, median, Target } from './load';
import { GoalRow, Server, startServer, stopServer, tail } from './processes';

export type { GoalRow };

/**
 * R8, the federation gateway (`BENCH_ONLY=gateway`): the case board through Hive Gateway ÷ the same board from the hub
 * directly, and the gateway's throughput with two hubs behind it against one.
 *
 * The gateway runs as `npm run gateway` runs it in production: `node dist/src/cli/gateway.js` in a process of its own,
 * NODE_ENV=production, given the running hubs in HUB_URL (it then starts no hub of its own; it starts the complaints
 * example in its process, as always). The second hub is the hub's own program with the first one's environment, on the
 * same database. Everything on loopback, every load loop bounded.
 */

export interface GatewayBenchInput {
  /** The running hub's base URL (http://127.0.0.1:port) and how it was started, to start a second one like it. */
  hub: { base: string; pid: number; env: Record<string, string>; nodeArgs: string[] };
  /** Whether the bench database is the embedded one (one instance only: no second hub). */
  embedded: boolean;
  /** The board query's request body and each measured viewer's request headers (the same as R1's board). */
  body: string;
  viewers: Array<{ kind: string; headers: Record<string, string> }>;
  connections: number;
  rounds: number;
  logDir: string;
  log(line?: string): void;
}

async function post(t: Target): Promise<any> {
  const res = await fetch(t.url, { method: 'POST', headers: t.headers, body: t.body, signal: AbortSignal.timeout(60_000) });
  if (res.status !== 200) throw new Error(`${t.url}: HTTP ${res.status} ${(await res.text()).slice(0, 300)}`);
  return res.json();
}

const ms = (v: number) => (Number.isFinite(v) ? (v < 10 ? v.toFixed(2) : v < 100 ? v.toFixed(1) : v.toFixed(0)) : '—');

/**
 * Runs R8. The gateway's answer is checked first: the same data and the same `extensions.redacted` as the hub's, per
 * viewer (a gateway that answered less would be faster for the wrong reason).
 */
export async function runGatewayBench(input: GatewayBenchInput): Promise<{ results: GoalRow[]; notes: string[] }> {
  const { log } = input;
  const procs: Server[] = [];
  const killAll = () => procs.forEach((p) => p.child.exitCode === null && p.child.kill('SIGKILL'));
  process.on('exit', killAll);
  const gatewayEnv = (hubs: string[]) => ({
    NODE_ENV: 'production',
    HUB_URL: hubs.map((b) => `${b}/graphql`).join(','),
    COMPLAINTS_PORT: '0',
  });
  try {
    const gatewayArgs = (process.env.BENCH_GATEWAY_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const one = await startServer('gateway (one hub)', 'dist/src/cli/gateway.js', gatewayEnv([input.hub.base]), input.logDir, gatewayArgs);
    procs.push(one);
    // Harness-only, side by side with it: the same gateway executing every query itself (forwarding off).
    const executing = await startServer('gateway (executing every query)', 'dist/bench/gateway-server.js', { HUB_URL: `${input.hub.base}/graphql` }, input.logDir, gatewayArgs);
    procs.push(executing);
    let two: Server | null = null;
    let second: Server | null = null;
    if (!input.embedded) {
      second = await startServer('second hub', 'dist/src/main.js', input.hub.env, input.logDir, input.hub.nodeArgs);
      procs.push(second);
      two = await startServer('gateway (two hubs)', 'dist/src/cli/gateway.js', gatewayEnv([input.hub.base, second.base]), input.logDir, []);
      procs.push(two);
    }
    log(
      `R8 servers: gateway as \`npm run gateway\` in production (pid ${one.child.pid}, HUB_URL = the hub); beside it, harness-only, the same gateway executing every query itself (pid ${executing.child.pid})` +
        (two ? `; a second hub on the same database (pid ${second!.child.pid}) and a gateway over both (pid ${two.child.pid})` : '; embedded database: one hub only'),
    );

    const target = (base: string, headers: Record<string, string>): Target => ({ url: `${base}/graphql`, body: input.body, headers });
    for (const v of input.viewers) {
      const direct = await post(target(input.hub.base, v.headers));
      for (const g of [one, executing, two].filter((x): x is Server => x !== null)) {
        // Twice through the two-hub gateway: both hubs answer.
        for (let i = 0; i < 2; i++) {
          const via = await post(target(g.base, v.headers));
          if (JSON.stringify(via.data) !== JSON.stringify(direct.data) || JSON.stringify(via.extensions?.redacted) !== JSON.stringify(direct.extensions?.redacted) || via.errors) {
            throw new Error(`benchmark check failed: the case board through the ${g.name} differs from the hub's as ${v.kind}`);
          }
        }
      }
    }
    log('R8 checks: the case board through each gateway equals the hub’s (data and extensions.redacted) for every measured viewer');

    // The ratio: hub directly and through the gateway in the same rounds, alternating, a warm-up round first.
    const bounds: Bounds = { connections: input.connections, maxRequests: 160, maxSeconds: 5 };
    const results: GoalRow[] = [];
    const notes: string[] = [];
    for (const v of input.viewers) {
      const variants = [
        { key: 'hub', t: target(input.hub.base, v.headers), pid: input.hub.pid },
        { key: 'gateway', t: target(one.base, v.headers), pid: one.child.pid },
        { key: 'executing', t: target(executing.base, v.headers), pid: executing.child.pid },
      ];
      const p50 = new Map<string, number[]>([['hub', []], ['gateway', []], ['executing', []]]);
      const cpu: number[] = [];
      const executingCpu: number[] = [];
      let failures = 0;
      for (let round = 0; round <= input.rounds; round++) {
        for (const variant of round % 2 ? [...variants].reverse() : variants) {
          const m = await measure(variant.t, bounds, variant.pid);
          failures += m.failures;
          if (round === 0) continue;
          p50.get(variant.key)!.push(m.p50);
          if (variant.key === 'gateway') cpu.push(m.cpuMsPerRequest);
          if (variant.key === 'executing') executingCpu.push(m.cpuMsPerRequest);
        }
      }
      const ratios = p50.get('gateway')!.map((g, i) => g / p50.get('hub')![i]);
      const r = median(ratios);
      const g = median(p50.get('gateway')!);
      const h = median(p50.get('hub')!);
      results.push({
        id: 'R8',
        what: `case board ${v.kind}: through the gateway p50 / hub directly p50`,
        goal: '≤ 1.3',
        figure: `${r.toFixed(2)} (${ms(g)} / ${ms(h)} ms)`,
        pass: r <= 1.3 && failures === 0,
      });
      notes.push(`    R8 ${v.kind}: gateway process CPU ${ms(median(cpu))} ms per case-board request (median over the rounds)${failures ? `; ${failures} failed requests` : ''}`);
      const forwarding = p50.get('gateway')!.map((g, i) => g / p50.get('executing')![i]);
      notes.push(
        `    R8 ${v.kind}, side by side: the gateway executing every query itself (harness-only, forwarding off) p50 ${ms(median(p50.get('executing')!))} ms, ` +
          `CPU ${ms(median(executingCpu))} ms per board; forwarding ÷ executing p50 ${median(forwarding).toFixed(2)}, CPU ${(median(cpu) / median(executingCpu)).toFixed(2)}`,
      );
    }

    // Throughput: the same board through a gateway over one hub and over two, alternating, at twice the concurrency.
    if (two) {
      const v = input.viewers[0];
      const tb: Bounds = { connections: input.connections * 2, maxRequests: 400, maxSeconds: 6 };
      const rps = new Map<string, number[]>([['one', []], ['two', []]]);
      const variants = [
        { key: 'one', t: target(one.base, v.headers) },
        { key: 'two', t: target(two.base, v.headers) },
      ];
      let failures = 0;
      for (let round = 0; round <= Math.min(input.rounds, 3); round++) {
        for (const variant of round % 2 ? [...variants].reverse() : variants) {
          const m = await measure(variant.t, tb);
          failures += m.failures;
          if (round > 0) rps.get(variant.key)!.push(m.rps);
        }
      }
      const a = median(rps.get('one')!);
      const b = median(rps.get('two')!);
      notes.push(
        `    R8 scale-out, case board ${v.kind} through the gateway at ${tb.connections} connections: one hub ${a.toFixed(1)} req/s, two hubs on the same ` +
          `database ${b.toFixed(1)} req/s (×${(b / a).toFixed(2)}; median over ${rps.get('one')!.length} alternating rounds; ${os.cpus().length} cores for ` +
          `both hubs, the gateway, PostgreSQL and the load generator)${failures ? `; ${failures} failed requests` : ''}`,
      );
    } else {
      notes.push('    R8 scale-out: not measured on the embedded database (one instance only); run with BENCH_DATABASE_URL');
    }
    return { results, notes };
  } catch (err) {
    for (const p of procs) log(`--- ${p.name} log (last lines)\n${tail(p.logPath)}`);
    throw err;
  } finally {
    for (const p of procs.reverse()) await stopServer(p).catch(() => undefined);
    process.off('exit', killAll);
  }
}
