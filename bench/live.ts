import crypto from 'node:crypto';
import pino from 'pino';
import WebSocket from 'ws';
import { TokenService } from '../src/auth/tokens';
import { loadConfig } from '../src/config';
import { demoId, loadDemo } from '../src/db/seed/demo';
import type { DispatchReport } from '../src/live/dispatcher';
import { createHub } from '../src/server';
import type { BenchDatabase } from './database';
import { median } from './load';

/**
 * R9: one `caseChanged` event delivered to 1, 100 and 1,000 subscribers spread over 20 viewers (the demo network's 17
 * people and 3 more), each subscribed to the same case with a case-detail selection. For each size, a few events
 * (the case's title changed by its lead agency over HTTP); per event: the SQL statements the dispatcher sent (its own
 * count), its groups, and the time from sending the mutation to the last subscriber's payload arriving.
 *
 * The hub runs in this process (the dispatcher's report is read directly), on a database of its own, with the
 * clients: the latency includes the clients' own work on the same two cores. The goal is the statement count: it
 * must not grow with subscribers (bounded by the 20 viewers' groups).
 */

const CASE_REF = 'FTC-2004-017';
const SELECTION = `subscription($id: ID) {
  caseChanged(id: $id) {
    id reference title status categories tlp openedAt harmScore
    countries { code name }
    leadAgency { id name country { code } }
    viewerCan { readConfidential edit share }
    confidential { summary victimCount shares { participant { name } recipients { name } } }
  }
}`;
const EVENTS_PER_SIZE = 5;

export interface LiveBenchResult {
  sizes: number[];
  statements: number[];
  groups: number[];
  latencyMs: number[];
}

const extraPeople = [
  { key: 'ftc', name: 'Rita Bench', email: 'rita.bench@ftc.example' },
  { key: 'sentinel', name: 'Sam Bench', email: 'sam.bench@sentinel.example' },
  { key: 'registro', name: 'Ines Bench', email: 'ines.bench@registro.example' },
];

export async function runLiveBench(db: BenchDatabase, sizes = [1, 100, 1000], log: (line: string) => void = () => undefined): Promise<LiveBenchResult> {
  const { ds, close } = await db.openForGeneration();
  const secret = crypto.randomBytes(36).toString('base64url');
  const config = loadConfig({ NODE_ENV: 'production', JWT_SECRET: secret, REPORT_SQL_STATEMENTS: 'true' });
  const hub = await createHub({ config, ds, logger: pino({ level: 'silent' }), liveEvents: db.kind === 'postgres' ? 'postgres' : 'in-process' });
  try {
    await loadDemo(ds);
    for (const p of extraPeople) {
      await ds.query(`INSERT INTO person (organization_id, name, email, phone, title) VALUES ($1, $2, $3, '+1 555 0100', 'Analyst')`, [
        demoId(`org:${p.key}`),
        p.name,
        p.email,
      ]);
    }
    const people = (await ds.query(`SELECT id, email FROM person ORDER BY email`)) as Array<{ id: string; email: string }>;
    if (people.length < 20) throw new Error(`R9 needs 20 people, the database has ${people.length}`);
    const viewers = people.slice(0, 20);
    const tokens = new TokenService(config);
    const bearer = new Map<string, string>();
    for (const v of viewers) bearer.set(v.id, `Bearer ${await tokens.sign(v.id, v.email)}`);
    const port = await hub.listen(0, '127.0.0.1');
    const httpUrl = `http://127.0.0.1:${port}/graphql`;
    const caseId = demoId(`case:${CASE_REF}`);
    const editor = people.find((p) => p.email === 'ann.carter@ftc.example')!;
    const editorAuth = `Bearer ${await tokens.sign(editor.id, editor.email)}`;
    const dispatcher = hub.live.dispatcher;

    const result: LiveBenchResult = { sizes, statements: [], groups: [], latencyMs: [] };
    let title = 0;
    for (const size of sizes) {
      const clients: WebSocket[] = [];
      let received = 0;
      let onReceived: (() => void) | null = null;
      for (let i = 0; i < size; i++) {
        const socket = new WebSocket(httpUrl.replace(/^http/, 'ws'), 'graphql-transport-ws');
        await new Promise<void>((resolve, reject) => {
          socket.once('error', reject);
          socket.once('open', () => {
            socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: bearer.get(viewers[i % viewers.length].id) } }));
          });
          socket.on('message', (raw) => {
            const m = JSON.parse(raw.toString());
            if (m.type === 'connection_ack') {
              socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SELECTION, variables: { id: caseId } } }));
              resolve();
            } else if (m.type === 'next') {
              received++;
              onReceived?.();
            } else if (m.type === 'ping') {
              socket.send(JSON.stringify({ type: 'pong' }));
            } else if (m.type === 'error') {
              reject(new Error(`subscription refused: ${JSON.stringify(m.payload)}`));
            }
          });
          socket.once('close', (code) => reject(new Error(`closed with ${code}`)));
        });
        clients.push(socket);
      }
      await new Promise<void>((resolve) => {
        const check = () => {
          if (dispatcher.subscribers < size) return;
          dispatcher.off('subscribed', check);
          resolve();
        };
        dispatcher.on('subscribed', check);
        check();
      });
      const statements: number[] = [];
      const groups: number[] = [];
      const latencies: number[] = [];
      for (let e = 0; e < EVENTS_PER_SIZE; e++) {
        const before = received;
        const report = new Promise<DispatchReport>((resolve) => {
          const on = (r: DispatchReport) => {
            if (r.event.id !== caseId) return;
            dispatcher.off('dispatched', on);
            resolve(r);
          };
          dispatcher.on('dispatched', on);
        });
        const started = performance.now();
        const res = await fetch(httpUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: editorAuth },
          body: JSON.stringify({
            query: `mutation($id: ID!, $t: String!) { updateCase(id: $id, input: { title: $t }) { id } }`,
            variables: { id: caseId, t: `Counterfeit pharmacy spam, revision ${++title}` },
          }),
        });
        const body = (await res.json()) as { errors?: unknown };
        if (body.errors) throw new Error(`the mutation failed: ${JSON.stringify(body.errors)}`);
        const r = await report;
        if (r.delivered !== size) throw new Error(`R9: ${r.delivered} of ${size} subscribers got the event`);
        await new Promise<void>((resolve) => {
          onReceived = () => {
            if (received - before >= size) resolve();
          };
          onReceived();
        });
        latencies.push(performance.now() - started);
        statements.push(r.statements);
        groups.push(r.groups);
      }
      for (const c of clients) c.close();
      await new Promise<void>((resolve) => {
        const check = () => {
          if (dispatcher.subscribers !== 0) return;
          dispatcher.off('unsubscribed', check);
          resolve();
        };
        dispatcher.on('unsubscribed', check);
        check();
      });
      result.statements.push(median(statements));
      result.groups.push(median(groups));
      result.latencyMs.push(median(latencies));
      log(`  R9 ${size} subscribers: ${median(statements)} statements, ${median(groups)} groups, ${median(latencies).toFixed(1)} ms to the last delivery (median of ${EVENTS_PER_SIZE} events)`);
    }
    return result;
  } finally {
    await hub.stop();
    await close();
  }
}
