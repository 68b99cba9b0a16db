import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { demoId } from '../src/db/seed/demo-ids';
import { Server, startServer, stopServer } from '../bench/processes';
import { bearerTokens, OPEN_CASE, reference, send, soakViewers } from './traffic';

/**
 * kill -9 of the embedded hub loses no acknowledged write: the hub on the embedded database (DATA_DIR a temporary
 * folder, as `npm start` runs it by default), writers opening cases with unique references, the hub killed with
 * SIGKILL while they write, started again on the same folder; every case whose openCase was answered 200 with data
 * must be there, read as its writer. Repeated `kills` times on the same folder.
 */

export interface KillResult {
  rounds: Array<{ acknowledged: number; inDoubt: number; inDoubtPresent: number; lost: string[]; restartSeconds: number }>;
  acknowledged: number;
  lost: number;
  error?: string;
}

const WRITERS = 8;

export async function killCheck(options: {
  kills: number;
  writeSeconds: number;
  env: Record<string, string>;
  nodeArgs: string[];
  logDir: string;
  secret: string;
  track: (s: Server) => void;
  log: (line: string) => void;
}): Promise<KillResult> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'laphub-soak-kill-'));
  const tag = `K${Date.now().toString(36).toUpperCase()}`;
  const writer = soakViewers(tag).find((v) => v.email === 'isla.morgan@ico.example')!;
  const auth = (await bearerTokens(options.secret, [writer])).get(writer.email)!;
  const headers = { 'content-type': 'application/json', authorization: auth };
  const env = { ...options.env, DATA_DIR: dataDir, SEED_DEMO: 'true' };
  const acknowledged = new Map<string, string>();
  const result: KillResult = { rounds: [], acknowledged: 0, lost: 0 };
  let hub: Server | null = null;
  let n = 0;
  try {
    hub = await startServer('hub-embedded', 'dist/src/main.js', env, options.logDir, options.nodeArgs);
    options.track(hub);
    for (let round = 1; round <= options.kills; round++) {
      const base = hub.base;
      const sent = new Set<string>();
      const ackedThisRound: string[] = [];
      let killed = false;
      const writerLoop = async () => {
        while (!killed) {
          const ref = reference(tag, ++n);
          sent.add(ref);
          const o = await send({
            op: 'openCase',
            write: true,
            url: `${base}/graphql`,
            headers,
            body: JSON.stringify({ query: OPEN_CASE, variables: { input: { reference: ref, title: `Kill round ${round}`, categories: ['SPAM'], countryCodes: ['GB'], tlp: 'AMBER' } } }),
          }, 10_000);
          if (o.ok && o.data?.openCase?.reference === ref) {
            acknowledged.set(ref, o.data.openCase.id);
            ackedThisRound.push(ref);
          } else if (!killed && o.status !== 0) {
            throw new Error(`openCase answered ${o.status} ${o.code ?? ''} before the kill`);
          }
        }
      };
      const writers = Promise.all(Array.from({ length: WRITERS }, writerLoop));
      // Kill mid-stream: after a few seconds of writes, at a random moment within the last of them.
      await new Promise((r) => setTimeout(r, options.writeSeconds * 1000 * (0.5 + Math.random() / 2)));
      const victim = hub;
      // From here on no new write starts; the ones in flight are answered or cut off by the kill.
      killed = true;
      victim.child.kill('SIGKILL');
      await victim.exited;
      await writers;
      const restartStarted = performance.now();
      hub = await startServer('hub-embedded', 'dist/src/main.js', env, options.logDir, options.nodeArgs);
      options.track(hub);
      const restartSeconds = (performance.now() - restartStarted) / 1000;
      // Every case this run opened, as the writer reads them (its agency's cases).
      const present = await referencesOf(hub.base, headers);
      const lost = [...acknowledged.keys()].filter((ref) => !present.has(ref));
      const inDoubt = [...sent].filter((ref) => !ackedThisRound.includes(ref));
      result.rounds.push({
        acknowledged: ackedThisRound.length,
        inDoubt: inDoubt.length,
        inDoubtPresent: inDoubt.filter((ref) => present.has(ref)).length,
        lost,
        restartSeconds,
      });
      options.log(
        `  kill ${round}: ${ackedThisRound.length} writes acknowledged before SIGKILL, ${inDoubt.length} in flight (${inDoubt.filter((r) => present.has(r)).length} of them committed), ` +
          `${lost.length} acknowledged missing after the restart (${restartSeconds.toFixed(1)} s to answer again)`,
      );
    }
    result.acknowledged = acknowledged.size;
    result.lost = new Set(result.rounds.flatMap((r) => r.lost)).size;
  } catch (err) {
    result.error = (err as Error).message;
  } finally {
    if (hub) await stopServer(hub).catch(() => undefined);
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  return result;
}

/** The references of the ICO's cases, read as the writer through GraphQL, page by page. */
async function referencesOf(base: string, headers: Record<string, string>): Promise<Set<string>> {
  const refs = new Set<string>();
  let after: string | null = null;
  for (;;) {
    const res = await fetch(`${base}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        query: `query($after: String, $lead: ID!) { cases(first: 1000, after: $after, orderBy: OPENED_AT, filter: { leadAgencyId: $lead }) { nodes { reference } pageInfo { hasNextPage endCursor } } }`,
        variables: { after, lead: demoId('org:ico') },
      }),
    });
    const body = (await res.json()) as { data?: { cases: { nodes: Array<{ reference: string }>; pageInfo: { hasNextPage: boolean; endCursor: string } } }; errors?: unknown };
    if (!body.data) throw new Error(`reading the cases after the restart: ${res.status} ${JSON.stringify(body.errors)}`);
    for (const node of body.data.cases.nodes) refs.add(node.reference);
    if (!body.data.cases.pageInfo.hasNextPage) return refs;
    after = body.data.cases.pageInfo.endCursor;
  }
}
