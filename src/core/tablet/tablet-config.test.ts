import { describe, expect, it } from 'vitest';
import { defaultTabletConfig, tabletConfig } from './tablet-config.js';

describe('tabletConfig', () => {
  it('defaults to Vitess values', () => {
    expect(tabletConfig()).toEqual(defaultTabletConfig);
    expect(defaultTabletConfig).toMatchObject({
      poolSize: 16,
      streamPoolSize: 200,
      txPoolSize: 20,
      txPoolTimeoutMs: 1000,
      queryTimeoutMs: 30_000,
      txTimeoutMs: 30_000,
      maxResultSize: 10_000,
    });
  });

  it('rejects nonsense with INVALID_ARGUMENT', () => {
    expect(() => tabletConfig({ poolSize: 0 })).toThrow(/poolSize must be a positive integer/);
    expect(() => tabletConfig({ txTimeoutMs: -1 })).toThrow(/txTimeoutMs must be >= 0/);
    expect(() => tabletConfig({ consolidator: 'maybe' as never })).toThrow(/consolidator/);
    expect(tabletConfig({ txPoolSize: 3 }).txPoolSize).toBe(3);
  });
});
