import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { formatTarget, parseTarget, targetText } from './target.js';

describe('parseTarget / formatTarget', () => {
  it.each([
    ['commerce', { keyspace: 'commerce', tabletType: 'primary' }, 'commerce'],
    ['commerce@replica', { keyspace: 'commerce', tabletType: 'replica' }, 'commerce@replica'],
    ['commerce@RDONLY', { keyspace: 'commerce', tabletType: 'rdonly' }, 'commerce@rdonly'],
    ['commerce@master', { keyspace: 'commerce', tabletType: 'primary' }, 'commerce'],
    ['customer:-80', { keyspace: 'customer', shard: '-80', tabletType: 'primary' }, 'customer:-80'],
    ['customer/80-', { keyspace: 'customer', shard: '80-', tabletType: 'primary' }, 'customer:80-'],
    ['customer:-80@replica', { keyspace: 'customer', shard: '-80', tabletType: 'replica' }, 'customer:-80@replica'],
    ['`customer:80-`', { keyspace: 'customer', shard: '80-', tabletType: 'primary' }, 'customer:80-'],
    ['@replica', { keyspace: '', tabletType: 'replica' }, '@replica'],
  ])('%s', (text, want, printed) => {
    const t = parseTarget(text);
    expect(t).toEqual(want);
    expect(formatTarget(t)).toBe(printed);
  });

  it('refuses tablet types that do not serve queries and empty shards with 1049', () => {
    for (const bad of ['ks@spare', 'ks@nonsense', 'ks:']) {
      let err: unknown;
      try {
        parseTarget(bad);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(VtError);
      expect((err as VtError).errno).toBe(1049);
      expect((err as VtError).message).toBe(`Unknown database '${bad}'`);
    }
  });

  it("prints tablet targets in Vitess's error form", () => {
    expect(targetText({ keyspace: 'ks', shard: '-80', tabletType: 'replica' })).toBe('ks.-80.replica');
  });
});
