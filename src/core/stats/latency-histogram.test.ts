import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1];
const SAMPLES = [0.0005, 0.001, 0.002, 0.05, 0.5, 3];

describe('LatencyHistogram', () => {
  it("renders the same exposition text as prom-client's Histogram for the same observations", async () => {
    const ours = new Registry();
    const theirs = new Registry();
    const h = new LatencyHistogram({ name: 'q_seconds', help: 'query time', buckets: BUCKETS, registry: ours });
    const ref = new Histogram({ name: 'q_seconds', help: 'query time', buckets: BUCKETS, registers: [theirs] });
    for (const s of SAMPLES) {
      h.observe(s);
      ref.observe(s);
    }
    const text = await ours.metrics();
    expect(text).toBe(await theirs.metrics());
    expect(text).toContain('q_seconds_bucket{le="0.001"} 2'); // le is inclusive: 0.001 counts
    expect(text).toContain('q_seconds_bucket{le="+Inf"} 6');
    expect(text).toContain('# TYPE q_seconds histogram');
  });

  it('counts from zero again after reset and is listed in the registry', async () => {
    const reg = new Registry();
    const h = new LatencyHistogram({ name: 'r_seconds', help: 'x', buckets: BUCKETS, registry: reg });
    h.observe(0.02);
    h.reset();
    h.observe(0.2);
    const text = await reg.metrics();
    expect(text).toContain('r_seconds_bucket{le="0.1"} 0');
    expect(text).toContain('r_seconds_count 1');
    expect(reg.getSingleMetric('r_seconds')).toBe(h);
  });
});
