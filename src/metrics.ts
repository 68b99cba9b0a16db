import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The hub's Prometheus metrics (`GET /metrics`), one registry per process. Other parts of the hub record into the
 * metrics exported here (a subscription server sets `subscriptionsActive`, for example); names start with `laphub_`.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'laphub_' });

/** GraphQL requests by operation name and outcome (`ok`, or the error code of the answer's first error). */
export const graphqlRequests = new Counter({
  name: 'laphub_graphql_requests_total',
  help: 'GraphQL requests by operation name and outcome (ok, or the first error code)',
  labelNames: ['operation', 'outcome'] as const,
  registers: [registry],
});

export const graphqlDuration = new Histogram({
  name: 'laphub_graphql_request_duration_seconds',
  help: 'Time from receiving a GraphQL request to sending its answer, by operation type',
  labelNames: ['type'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry],
});

export const httpRequests = new Counter({
  name: 'laphub_http_requests_total',
  help: 'HTTP requests by route and status code',
  labelNames: ['route', 'status'] as const,
  registers: [registry],
});

export const sqlStatements = new Counter({
  name: 'laphub_sql_statements_total',
  help: 'SQL statements sent to the database',
  registers: [registry],
});

export const rateLimited = new Counter({
  name: 'laphub_rate_limited_total',
  help: 'Requests refused by a rate limit, by limit (ip or viewer)',
  labelNames: ['limit'] as const,
  registers: [registry],
});

/** Open subscriptions (graphql-ws): the subscription server increments and decrements it. */
export const subscriptionsActive = new Gauge({
  name: 'laphub_subscriptions_active',
  help: 'Open GraphQL subscriptions',
  registers: [registry],
});

/** The audit trail's writers of this process (one per hub), read when metrics are scraped. */
const auditWriters = new Set<{ waitingEntries(): number }>();

export function observeAuditWriter(writer: { waitingEntries(): number }): () => void {
  auditWriters.add(writer);
  return () => auditWriters.delete(writer);
}

new Gauge({
  name: 'laphub_audit_entries_waiting',
  help: 'Audit trail entries of answered requests not yet written (gathering, queued, or in a statement under way)',
  registers: [registry],
  collect() {
    let sum = 0;
    for (const w of auditWriters) sum += w.waitingEntries();
    this.set(sum);
  },
});

/** Audit trail entries that could not be written and were logged as lost (`AUDIT TRAIL: … lost`). */
export const auditEntriesLost = new Counter({
  name: 'laphub_audit_entries_lost_total',
  help: 'Audit trail entries that could not be written, each logged as lost',
  registers: [registry],
});

interface PoolLike {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/** The database pools of this process (one per hub), read when metrics are scraped. */
const pools = new Set<PoolLike>();

export function observePool(pool: PoolLike): () => void {
  pools.add(pool);
  return () => pools.delete(pool);
}

function poolGauge(name: string, help: string, read: (p: PoolLike) => number): Gauge {
  return new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      let sum = 0;
      for (const p of pools) sum += read(p);
      this.set(sum);
    },
  });
}

poolGauge('laphub_db_pool_connections', 'Open database connections of the pool', (p) => p.totalCount);
poolGauge('laphub_db_pool_idle', 'Idle database connections of the pool', (p) => p.idleCount);
poolGauge('laphub_db_pool_waiting', 'Requests waiting for a database connection', (p) => p.waitingCount);

/**
 * Operation names are chosen by clients: a label per name would let anyone grow the registry without bound. The first
 * `maxOperations` names seen keep their own label; later ones are counted as `other`.
 */
const maxOperations = 200;
const operations = new Set<string>();

export function operationLabel(name: string | null | undefined): string {
  if (!name) return '(anonymous)';
  if (operations.has(name)) return name;
  if (operations.size >= maxOperations) return 'other';
  operations.add(name);
  return name;
}
