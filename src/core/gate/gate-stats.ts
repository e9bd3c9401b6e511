import { Counter, Gauge, Registry } from 'prom-client';
import { LatencyHistogram } from '../stats/latency-histogram.js';

/** Upper bounds (seconds) of the query latency histogram. */
const LATENCY_BUCKETS = [
  0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];

/**
 * The gate's counters: plain Maps updated on the query path (one Map increment and one histogram observation per
 * query), exported as /debug/vars JSON and, through collect callbacks read at scrape time, as Prometheus metrics
 * in the gate's own Registry (so two gates in one process never share metrics).
 */
export class GateStats {
  readonly registry = new Registry();
  /** `kind|keyspace|shard` -> count. */
  readonly queries = new Map<string, number>();
  /** `code|errno` -> count. */
  readonly errors = new Map<string, number>();
  totalQueries = 0;
  totalMicros = 0;
  connectionsOpen = 0;
  connectionsTotal = 0;
  readonly startedAt = Date.now();
  private readonly latency: LatencyHistogram;
  /** Queries per second over the last 60 s: ring of per-second counts. */
  private readonly ring = new Array<number>(60).fill(0);
  private ringSecond = Math.floor(Date.now() / 1000);
  private lastKey = { kind: '', keyspace: '', shard: '', key: '||' };

  constructor() {
    const queries = this.queries;
    const errors = this.errors;
    const openConnections = (): number => this.connectionsOpen;
    this.latency = new LatencyHistogram({
      name: 'vtgate_query_duration_seconds',
      help: 'Time the gate took to execute each statement',
      buckets: LATENCY_BUCKETS,
      registry: this.registry,
    });
    new Counter({
      name: 'vtgate_queries_total',
      help: 'Statements executed, by statement kind, keyspace and shard',
      labelNames: ['kind', 'keyspace', 'shard'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [k, v] of queries) {
          const [kind, keyspace, shard] = k.split('|');
          this.inc({ kind: kind!, keyspace: keyspace!, shard: shard! }, v);
        }
      },
    });
    new Counter({
      name: 'vtgate_errors_total',
      help: 'Statements that failed, by Vitess error code and MySQL errno',
      labelNames: ['code', 'errno'],
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [k, v] of errors) {
          const [code, errno] = k.split('|');
          this.inc({ code: code!, errno: errno! }, v);
        }
      },
    });
    new Gauge({
      name: 'vtgate_connections',
      help: 'Open client connections',
      registers: [this.registry],
      collect() {
        this.set(openConnections());
      },
    });
  }

  recordQuery(kind: string, keyspace: string, shard: string, micros: number): void {
    // Consecutive queries mostly share kind, keyspace and shard: reuse the last composite key instead of building
    // and hashing a new string per query.
    const last = this.lastKey;
    let k: string;
    if (last.kind === kind && last.keyspace === keyspace && last.shard === shard) k = last.key;
    else {
      k = `${kind}|${keyspace}|${shard}`;
      this.lastKey = { kind, keyspace, shard, key: k };
    }
    this.queries.set(k, (this.queries.get(k) ?? 0) + 1);
    this.totalQueries++;
    this.totalMicros += micros;
    this.latency.observe(micros / 1e6);
    this.tick(1);
  }

  recordError(code: string, errno: number): void {
    const k = `${code}|${errno}`;
    this.errors.set(k, (this.errors.get(k) ?? 0) + 1);
  }

  /** Average queries per second over the last `seconds` (max 59) complete seconds. */
  qps(seconds = 10): number {
    this.tick(0);
    const n = Math.min(59, Math.max(1, seconds));
    const now = this.ringSecond;
    let sum = 0;
    for (let i = 1; i <= n; i++) sum += this.ring[(now - i) % 60]!;
    return sum / n;
  }

  private tick(add: number): void {
    const s = Math.floor(Date.now() / 1000);
    if (s !== this.ringSecond) {
      const gap = Math.min(60, s - this.ringSecond);
      for (let i = 1; i <= gap; i++) this.ring[(this.ringSecond + i) % 60] = 0;
      this.ringSecond = s;
    }
    this.ring[s % 60]! += add;
  }
}
