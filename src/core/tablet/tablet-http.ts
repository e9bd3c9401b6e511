import Fastify, { type FastifyInstance } from 'fastify';
import { VtError } from '../errors/index.js';
import type { Logger } from '../env/logger.js';
import type { QueryEngine } from './query-engine.js';
import type { StateManager } from './state-manager.js';
import { tabletMetrics } from './tablet-metrics.js';

export interface TabletHttpOptions {
  readonly state: StateManager;
  readonly engine: QueryEngine;
  readonly logger: Logger;
  /** Shown on the status page, e.g. "socket /vt/vt_0000000100/mysql.sock (port 17100)". */
  readonly mysqld: string;
  /** Extra JSON for /debug/vars (the server adds its own identity and counters). */
  readonly extraVars?: () => Record<string, unknown>;
}

/** Queries per second over the last ~10 s, from the engine's running query count sampled once a second. */
class QpsMeter {
  private readonly samples: { at: number; count: number }[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly count: () => number) {
    this.timer = setInterval(() => this.sample(), 1000);
    this.timer.unref();
    this.sample();
  }

  private sample(): void {
    this.samples.push({ at: Date.now(), count: this.count() });
    if (this.samples.length > 11) this.samples.shift();
  }

  qps(): number {
    const first = this.samples[0];
    if (!first) return 0;
    const now = { at: Date.now(), count: this.count() };
    const secs = (now.at - first.at) / 1000;
    return secs > 0 ? Math.round(((now.count - first.count) / secs) * 10) / 10 : 0;
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The tablet's HTTP port: /debug/status (HTML), /debug/vars (JSON), /metrics (Prometheus text from a
 * per-tablet registry) and /healthz (200 serving / 503 not, with the reason as text).
 */
export class TabletHttp {
  private readonly app: FastifyInstance;
  private readonly qps: QpsMeter;
  private readonly started = Date.now();

  constructor(private readonly o: TabletHttpOptions) {
    const totalQueries = (): number =>
      Object.values(o.engine.vars().stats.queries).reduce((sum, p) => sum + p.count, 0);
    this.qps = new QpsMeter(totalQueries);
    const registry = tabletMetrics({ vars: () => o.engine.vars(), health: () => o.state.health() }, o.state.alias);
    const app = (this.app = Fastify({ logger: false }));
    app.get('/healthz', async (_req, reply) => {
      const h = o.state.health();
      return reply
        .code(h.serving ? 200 : 503)
        .type('text/plain')
        .send(h.serving ? 'ok\n' : `not serving: ${h.lastError || 'not a serving tablet type'}\n`);
    });
    app.get('/debug/vars', async () => this.vars());
    app.get('/metrics', async (_req, reply) => reply.type(registry.contentType).send(await registry.metrics()));
    app.get('/debug/status', async (_req, reply) => reply.type('text/html; charset=utf-8').send(this.statusPage()));
    app.get('/', async (_req, reply) => reply.redirect('/debug/status'));
  }

  /** Listens; port 0 picks a free one. Resolves to the bound port; UNAVAILABLE when it cannot bind. */
  async listen(port: number, host: string): Promise<number> {
    try {
      await this.app.listen({ port, host });
    } catch (err) {
      throw new VtError('UNAVAILABLE', `http: cannot listen on ${host}:${port}: ${(err as Error).message}`, {
        cause: err,
      });
    }
    const addr = this.app.server.address();
    return typeof addr === 'object' && addr ? addr.port : port;
  }

  async close(): Promise<void> {
    this.qps.stop();
    await this.app.close();
  }

  vars(): Record<string, unknown> {
    const h = this.o.state.health();
    return {
      TabletAlias: h.tabletAlias,
      Target: h.target,
      TabletType: h.tabletType,
      Serving: h.serving,
      Health: h,
      UptimeSeconds: Math.round((Date.now() - this.started) / 1000),
      QPS: this.qps.qps(),
      QueryEngine: this.o.engine.vars(),
      ...(this.o.extraVars ? this.o.extraVars() : {}),
    };
  }

  private statusPage(): string {
    const h = this.o.state.health();
    const v = this.o.engine.vars();
    const row = (k: string, val: unknown): string => `<tr><th>${esc(k)}</th><td>${esc(val)}</td></tr>`;
    const pools = Object.entries(v.pools)
      .map(([name, p]) =>
        row(`${name} pool`, `${p.inUse} in use / ${p.capacity} (${p.waiting} waiting, ${p.timeouts} timeouts)`),
      )
      .join('');
    const plans = Object.entries(v.stats.queries)
      .map(
        ([plan, p]) =>
          `<tr><td>${esc(plan)}</td><td>${p.count}</td><td>${p.errors}</td><td>${p.rows}</td><td>${(p.count ? p.totalMs / p.count : 0).toFixed(2)}</td></tr>`,
      )
      .join('');
    return `<!doctype html><html><head><meta charset="utf-8"><title>tablet ${esc(h.tabletAlias)}</title>
<style>body{font-family:sans-serif;margin:1.5em}th{text-align:left;padding-right:1em}td,th{padding:2px 8px}
.ok{color:#070}.bad{color:#b00}</style></head><body>
<h1>Tablet ${esc(h.tabletAlias)}</h1>
<table>
${row('Keyspace/shard', `${h.target.keyspace}/${h.target.shard}`)}
${row('Type', h.tabletType.toUpperCase())}
<tr><th>State</th><td class="${h.serving ? 'ok' : 'bad'}">${h.serving ? 'SERVING' : 'NOT_SERVING'}</td></tr>
${row('Primary term start', h.primaryTermStartTime ?? '-')}
${row('mysqld', `${this.o.mysqld} (${this.o.state.mysqlReachable ? 'reachable' : 'NOT reachable'})`)}
${row('Replication lag', `${h.replicationLagSeconds} s`)}
${row('Last error', h.lastError || '-')}
${row('QPS (10 s)', this.qps.qps())}
${pools}
${row('Open transactions', v.openTransactions)}
${row('Reserved connections', v.reservedConnections)}
${row('Kills / consolidations', `${v.stats.kills} / ${v.stats.consolidations}`)}
${row('Errors by code', JSON.stringify(v.stats.errors))}
</table>
<h2>Queries by plan</h2>
<table><tr><th>Plan</th><th>Count</th><th>Errors</th><th>Rows</th><th>Avg ms</th></tr>${plans}</table>
<p><a href="/debug/vars">/debug/vars</a> · <a href="/metrics">/metrics</a> · <a href="/healthz">/healthz</a></p>
</body></html>`;
  }
}
