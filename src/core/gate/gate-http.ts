import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { Err } from '../errors/index.js';
import type { GatePlan } from './gate-plan.js';
import type { GateStats } from './gate-stats.js';
import type { HealthCheck } from './health-check.js';
import type { KeyspaceCache } from './keyspace-cache.js';
import type { PlanCache } from './plan-cache.js';

export interface GateHttpOptions {
  readonly stats: GateStats;
  readonly healthCheck: HealthCheck;
  readonly keyspaces: KeyspaceCache;
  readonly plans: PlanCache<GatePlan>;
  /** Identity shown on the status page (cell, MySQL address...). */
  readonly identity: () => Record<string, unknown>;
}

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The gate's HTTP side (fastify): /debug/status (HTML: keyspaces, tablets and their health, QPS),
 * /debug/vars (JSON counters), /metrics (Prometheus, the gate's own registry), /debug/query_plans (plan cache
 * entries with counts and timings), /healthz.
 */
export class GateHttp {
  private readonly app: FastifyInstance;

  constructor(private readonly o: GateHttpOptions) {
    const app = (this.app = Fastify({ logger: false }));
    app.get('/healthz', async () => 'ok\n');
    app.get('/debug/vars', async () => this.vars());
    app.get('/debug/query_plans', async () => this.queryPlans());
    app.get('/metrics', async (_req, reply) => {
      reply.type(o.stats.registry.contentType);
      return o.stats.registry.metrics();
    });
    app.get('/debug/status', async (_req, reply) => {
      reply.type('text/html; charset=utf-8');
      return this.statusPage();
    });
    app.get('/', async (_req, reply) => reply.redirect('/debug/status'));
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    try {
      await this.app.listen({ port, host });
    } catch (e) {
      throw Err.unavailable(`cannot listen on ${host}:${port} (HTTP): ${(e as Error).message}`);
    }
    return this.app.server.address() as AddressInfo;
  }

  close(): Promise<void> {
    return this.app.close();
  }

  vars(): Record<string, unknown> {
    const s = this.o.stats;
    const plans = this.o.plans;
    return {
      ...this.o.identity(),
      uptimeSeconds: Math.round((Date.now() - s.startedAt) / 1000),
      queries: Object.fromEntries(s.queries),
      queriesTotal: s.totalQueries,
      queryMicrosTotal: s.totalMicros,
      qps: s.qps(),
      errors: Object.fromEntries(s.errors),
      connections: { open: s.connectionsOpen, total: s.connectionsTotal },
      planCache: {
        size: plans.size,
        capacity: plans.capacity,
        hits: plans.hits,
        misses: plans.misses,
        evictions: plans.evictions,
      },
      healthCheck: this.o.healthCheck.all().map((t) => ({
        alias: t.alias,
        addr: t.addr,
        target: t.target ?? null,
        serving: t.serving,
        replicationLagSeconds: t.replicationLagSeconds,
        primaryTermStartTime: t.primaryTermStartTime,
        lastError: t.lastError,
        lastResponse: t.lastResponseMs === 0 ? null : new Date(t.lastResponseMs).toISOString(),
      })),
    };
  }

  queryPlans(): unknown[] {
    return this.o.plans.entries().map((e) => {
      const [target, , sql] = e.key.split('\0');
      return {
        target,
        query: sql,
        kind: e.plan.info.kind,
        keyspace: e.plan.keyspace ?? null,
        execCount: e.execCount,
        errorCount: e.errorCount,
        totalMicros: e.totalMicros,
        avgMicros: e.execCount === 0 ? 0 : Math.round(e.totalMicros / e.execCount),
        rowsReturned: e.rowsReturned,
      };
    });
  }

  private statusPage(): string {
    const id = this.o.identity();
    const s = this.o.stats;
    const ks = this.o.keyspaces
      .all()
      .map(
        (k) =>
          `<tr><td>${esc(k.name)}</td><td>${k.sharded ? 'sharded' : 'unsharded'}</td><td>${esc(k.shards.join(' '))}</td></tr>`,
      )
      .join('');
    const tablets = this.o.healthCheck
      .all()
      .map(
        (t) =>
          `<tr><td>${esc(t.alias)}</td><td>${esc(t.addr)}</td><td>${esc(t.target ? `${t.target.keyspace}/${t.target.shard}` : `${t.tablet.keyspace}/${t.tablet.shard}`)}</td>` +
          `<td>${esc((t.target?.tabletType ?? t.tablet.type).toUpperCase())}</td><td style="color:${t.serving ? 'green' : 'red'}">${t.serving ? 'SERVING' : 'NOT_SERVING'}</td>` +
          `<td>${t.replicationLagSeconds}</td><td>${esc(t.lastError)}</td></tr>`,
      )
      .join('');
    const identity = Object.entries(id)
      .map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(typeof v === 'string' ? v : JSON.stringify(v))}</td></tr>`)
      .join('');
    return `<!doctype html><html><head><meta charset="utf-8"><title>vt gate</title>
<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;margin-bottom:1.5em}td,th{border:1px solid #ccc;padding:.25em .6em;text-align:left}</style></head>
<body><h1>vt gate</h1><table>${identity}<tr><th>QPS (10 s)</th><td>${s.qps().toFixed(1)}</td></tr>
<tr><th>Queries</th><td>${s.totalQueries}</td></tr><tr><th>Connections</th><td>${s.connectionsOpen} open / ${s.connectionsTotal} total</td></tr></table>
<h2>Keyspaces</h2><table><tr><th>Keyspace</th><th>Kind</th><th>Shards</th></tr>${ks}</table>
<h2>Tablets (health check)</h2><table><tr><th>Alias</th><th>Address</th><th>Keyspace/Shard</th><th>Type</th><th>State</th><th>Lag (s)</th><th>Last error</th></tr>${tablets}</table>
<p><a href="/debug/vars">/debug/vars</a> · <a href="/debug/query_plans">/debug/query_plans</a> · <a href="/metrics">/metrics</a></p></body></html>`;
  }
}
