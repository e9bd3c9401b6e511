import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it.each([
    ['1s', 1000],
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['2m', 120_000],
    ['1h30m', 5_400_000],
    ['0', 0],
    ['10', 10_000],
    ['250us', 0],
  ])('%s is %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 's', '1x', '-1s', '1s ms', '1 s'])('rejects %j', (text) => {
    expect(() => parseDuration(text, 'queryserver-config-query-timeout')).toThrow(
      /invalid --queryserver-config-query-timeout/,
    );
  });
});
