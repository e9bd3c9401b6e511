import type { Registry } from 'prom-client';

export interface LatencyHistogramOptions {
  readonly name: string;
  readonly help: string;
  /** Upper bounds in seconds, ascending. */
  readonly buckets: readonly number[];
  readonly registry: Registry;
}

/** One sample as prom-client's registry renders it. */
interface MetricValue {
  readonly metricName: string;
  readonly labels: Record<string, string | number>;
  readonly value: number;
}

/**
 * A label-less Prometheus histogram for the query path: `observe` is a bucket search over a plain number array
 * (prom-client's Histogram hashes its label set and walks objects on every observation, a visible share of a
 * proxy's CPU per query). Registered in `registry` as a metric of type histogram; the cumulative `_bucket`,
 * `_sum` and `_count` lines are built only when scraped.
 */
export class LatencyHistogram {
  readonly name: string;
  readonly help: string;
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: readonly number[];
  /** Non-cumulative counts; the last slot is +Inf. */
  private readonly counts: number[];
  private sum = 0;
  private count = 0;

  constructor(o: LatencyHistogramOptions) {
    this.name = o.name;
    this.help = o.help;
    this.bounds = [...o.buckets];
    this.counts = new Array<number>(o.buckets.length + 1).fill(0);
    o.registry.registerMetric(this as never);
  }

  observe(seconds: number): void {
    const b = this.bounds;
    let i = 0;
    while (i < b.length && seconds > b[i]!) i++;
    this.counts[i]!++;
    this.sum += seconds;
    this.count++;
  }

  /** prom-client's Metric contract: the current values, read at scrape time. */
  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: MetricValue[] }> {
    const values: MetricValue[] = [];
    let cum = 0;
    for (let i = 0; i < this.bounds.length; i++) {
      cum += this.counts[i]!;
      values.push({ metricName: `${this.name}_bucket`, labels: { le: this.bounds[i]! }, value: cum });
    }
    values.push({ metricName: `${this.name}_bucket`, labels: { le: '+Inf' }, value: this.count });
    values.push({ metricName: `${this.name}_sum`, labels: {}, value: this.sum });
    values.push({ metricName: `${this.name}_count`, labels: {}, value: this.count });
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}
