import { Counter, Gauge, Registry } from 'prom-client';
import type { HealthMessage } from './query-service.js';
import type { QueryEngineVars } from './query-engine.js';

/** What the metrics read at scrape time. */
export interface TabletMetricsSource {
  vars(): QueryEngineVars;
  health(): HealthMessage;
}

/**
 * Prometheus metrics of one tablet in its own Registry (never prom-client's global one: several tablets may
 * live in one process, e.g. tests). Values are read from the query engine's counters at scrape time, so
 * nothing on the query path touches prom-client. Names follow Vitess's vttablet_* exports where one exists.
 */
export function tabletMetrics(source: TabletMetricsSource, alias: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ tablet: alias });
  const registers = [registry];
  const counter = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (c: Counter<string>, v: QueryEngineVars) => void,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        fill(this, source.vars());
      },
    });
  const gauge = (name: string, help: string, labelNames: string[], fill: (g: Gauge<string>) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers,
      collect() {
        this.reset();
        fill(this);
      },
    });

  gauge('vttablet_serving', '1 when the tablet serves queries', [], (g) => g.set(source.health().serving ? 1 : 0));
  gauge('vttablet_replication_lag_seconds', 'Replication lag reported by the health check', [], (g) =>
    g.set(source.health().replicationLagSeconds),
  );
  counter('vttablet_queries_total', 'Queries by plan type', ['plan_type'], (c, v) => {
    for (const [plan, s] of Object.entries(v.stats.queries)) c.inc({ plan_type: plan }, s.count);
  });
  counter('vttablet_query_errors_total', 'Failed queries by plan type', ['plan_type'], (c, v) => {
    for (const [plan, s] of Object.entries(v.stats.queries)) c.inc({ plan_type: plan }, s.errors);
  });
  counter('vttablet_query_seconds_total', 'Time spent in queries by plan type', ['plan_type'], (c, v) => {
    for (const [plan, s] of Object.entries(v.stats.queries)) c.inc({ plan_type: plan }, s.totalMs / 1000);
  });
  counter('vttablet_query_rows_total', 'Rows returned by plan type', ['plan_type'], (c, v) => {
    for (const [plan, s] of Object.entries(v.stats.queries)) c.inc({ plan_type: plan }, s.rows);
  });
  counter('vttablet_errors_total', 'Errors by vtrpc code', ['code'], (c, v) => {
    for (const [code, n] of Object.entries(v.stats.errors)) c.inc({ code }, n);
  });
  counter('vttablet_kills_total', 'Queries and connections killed', [], (c, v) => c.inc(v.stats.kills));
  counter('vttablet_consolidations_total', 'Queries that joined an identical in-flight query', [], (c, v) =>
    c.inc(v.stats.consolidations),
  );
  counter('vttablet_transactions_total', 'Transactions by outcome', ['outcome'], (c, v) => {
    const t = v.stats.transactions;
    c.inc({ outcome: 'begin' }, t.begins);
    c.inc({ outcome: 'commit' }, t.commits);
    c.inc({ outcome: 'rollback' }, t.rollbacks);
    c.inc({ outcome: 'killed' }, t.killed);
  });
  for (const [metric, field] of [
    ['vttablet_pool_capacity', 'capacity'],
    ['vttablet_pool_in_use', 'inUse'],
    ['vttablet_pool_available', 'available'],
    ['vttablet_pool_waiting', 'waiting'],
  ] as const) {
    gauge(metric, `Connection pool ${field}`, ['pool'], (g) => {
      const pools = source.vars().pools;
      for (const [pool, s] of Object.entries(pools)) g.set({ pool }, s[field]);
    });
  }
  counter('vttablet_pool_timeouts_total', 'Pool waits that timed out', ['pool'], (c, v) => {
    for (const [pool, s] of Object.entries(v.pools)) c.inc({ pool }, s.timeouts);
  });
  gauge('vttablet_open_transactions', 'Open transactions', [], (g) => g.set(source.vars().openTransactions));
  return registry;
}
