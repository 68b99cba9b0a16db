import fs from 'node:fs';
import http from 'node:http';
import autocannon from 'autocannon';

/** One kind of request against one server. */
export interface Target {
  url: string;
  body: string;
  headers: Record<string, string>;
}

export interface Bounds {
  /** Concurrent connections, each sending its next request as soon as the previous one is answered. */
  connections: number;
  /** Stops after this many requests … */
  maxRequests: number;
  /** … or after this many seconds, whichever comes first. */
  maxSeconds: number;
}

export interface Measurement {
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p99: number;
  /** Non-2xx answers, connection errors and timeouts. */
  failures: number;
  /** CPU time (user + system) the server process spent per answered request; NaN without a pid. */
  cpuMsPerRequest: number;
}

/** CPU time a process has used so far, in milliseconds (Linux /proc; NaN elsewhere). */
export function cpuMs(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at state; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return NaN;
  }
}

/** Nearest-rank percentile of an ascending list. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

export function median(values: number[]): number {
  const finite = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (finite.length === 0) return NaN;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}

/**
 * Drives one target with autocannon at a fixed concurrency, bounded in requests and in time. Latencies are taken from
 * autocannon's per-response event (sub-millisecond resolution) rather than its histogram (whole milliseconds), so that
 * fast operations still give meaningful ratios.
 */
export function measure(target: Target, bounds: Bounds, serverPid?: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const cpuBefore = cpuMs(serverPid);
    let failures = 0;
    const started = performance.now();
    let last = started;
    const instance = autocannon(
      {
        url: target.url,
        method: 'POST',
        headers: target.headers,
        body: target.body,
        connections: Math.min(bounds.connections, bounds.maxRequests),
        maxOverallRequests: bounds.maxRequests,
        duration: bounds.maxSeconds,
        timeout: 30,
        sampleInt: 50,
      },
      (err) => {
        clearTimeout(guard);
        if (err) {
          reject(err);
          return;
        }
        latencies.sort((a, b) => a - b);
        const seconds = (last - started) / 1000;
        const result = {
          requests: latencies.length,
          seconds,
          rps: seconds > 0 ? latencies.length / seconds : NaN,
          p50: percentile(latencies, 0.5),
          p99: percentile(latencies, 0.99),
          failures,
          cpuMsPerRequest: NaN,
        };
        // A run stopped by its time limit leaves up to `connections` requests in flight that the server still works on;
        // let them finish so that they do not slow down the next measurement (of this or another server).
        const endedByTime = latencies.length + failures < bounds.maxRequests;
        const settle = endedByTime ? Math.min(5000, 1.2 * (latencies[latencies.length - 1] ?? 1000)) : 0;
        setTimeout(() => {
          // Requests cut off by the time limit were still served (during the settle time): count them too.
          const served = latencies.length + (endedByTime ? Math.min(bounds.connections, bounds.maxRequests) : 0);
          result.cpuMsPerRequest = (cpuMs(serverPid) - cpuBefore) / served;
          resolve(result);
        }, settle);
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      last = performance.now();
      if (statusCode >= 200 && statusCode < 300) latencies.push(responseTime);
      else failures++;
    });
    instance.on('reqError', () => {
      failures++;
    });
    // Belt and braces: whatever happens, the run stops by itself shortly after its time is up.
    const guard = setTimeout(() => instance.stop(), (bounds.maxSeconds + 35) * 1000);
  });
}

/**
 * Drives several targets at once, their requests interleaved on the same connections: each of `bounds.connections`
 * clients sends one request to every target in turn, in an order drawn for each turn, its next request as soon as the previous
 * one is answered, until `bounds.maxSeconds` have passed or every target has had `bounds.maxRequests`. Every target is
 * thus measured at the same moments of the machine's life — the same other work, the same CPU frequency, the same
 * garbage of the client — which alternating rounds of one target at a time (`measure`) only approach: a ratio of two
 * servers that do nearly the same work is then not moved by what the machine did in one server's seconds and not the
 * other's. Latency runs from the request's first byte written to the answer's last byte read (Node's http client, one
 * keep-alive connection per client and target). The clients stop between turns, so nothing is left in flight when
 * the CPU time of each server process is read: per request served, exactly.
 */
export async function measureInterleaved(targets: { target: Target; pid?: number }[], bounds: Bounds): Promise<Measurement[]> {
  const n = targets.length;
  const agents = targets.map(() => new http.Agent({ keepAlive: true, maxSockets: bounds.connections }));
  const bodies = targets.map(({ target }) => Buffer.from(target.body));
  const latencies = targets.map((): number[] => []);
  const failures = targets.map(() => 0);
  const cpuBefore = targets.map(({ pid }) => cpuMs(pid));
  const started = performance.now();
  const deadline = started + bounds.maxSeconds * 1000;
  let sent = 0;
  const send = (i: number) =>
    new Promise<void>((resolve) => {
      const { target } = targets[i];
      const t0 = performance.now();
      const req = http.request(target.url, {
        method: 'POST',
        agent: agents[i],
        headers: { ...target.headers, 'content-type': 'application/json', 'content-length': String(bodies[i].length) },
        timeout: 30_000,
      });
      const failed = () => {
        failures[i]++;
        resolve();
      };
      req.on('timeout', () => req.destroy(new Error('timed out')));
      req.on('error', failed);
      req.on('response', (res) => {
        res.on('data', () => undefined);
        res.on('error', failed);
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) latencies[i].push(performance.now() - t0);
          else failures[i]++;
          resolve();
        });
      });
      req.end(bodies[i]);
    });
  // Each client goes through the targets in an order drawn anew for every turn: no target always follows the same
  // other (whose work after its answer, an audit entry written, would then always fall on the same one's request).
  const turn = () => {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    return order;
  };
  const client = async () => {
    while (performance.now() < deadline && sent < bounds.maxRequests * n) {
      for (const i of turn()) {
        sent++;
        await send(i);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(bounds.connections, bounds.maxRequests * n) }, () => client()));
  const seconds = (performance.now() - started) / 1000;
  for (const agent of agents) agent.destroy();
  return targets.map(({ pid }, i) => {
    const sorted = latencies[i].sort((a, b) => a - b);
    const served = sorted.length + failures[i];
    return {
      requests: sorted.length,
      seconds,
      rps: seconds > 0 ? sorted.length / seconds : NaN,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      failures: failures[i],
      cpuMsPerRequest: served > 0 ? (cpuMs(pid) - cpuBefore[i]) / served : NaN,
    };
  });
}
