import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import {
  compareKeyspaceIds,
  isFullKeyRange,
  keyRangeContains,
  keyRangeEqual,
  keyRangeIncludes,
  keyRangeString,
  keyRangesOverlap,
  parseShardName,
  type KeyRange,
} from './key-range.js';
import { generateShardRanges } from './shard-ranges.js';

const kr = (name: string): KeyRange | null => parseShardName(name);
const id = (hex: string): Uint8Array => Buffer.from(hex, 'hex');

describe('parseShardName', () => {
  it.each([
    ['-80', { start: '', end: '80' }],
    ['80-', { start: '80', end: '' }],
    ['40-80', { start: '40', end: '80' }],
    ['4000-8000', { start: '4000', end: '8000' }],
    ['-', { start: '', end: '' }],
    ['C0-', { start: 'c0', end: '' }],
    ['0', null],
    ['customer_shard', null],
  ])('%s', (name, want) => {
    expect(parseShardName(name)).toEqual(want);
  });

  it.each([
    ['80-40', 'start must be less than end'],
    ['80-80', 'start must be less than end'],
    ['80-8000', 'start must be less than end'],
    ['8-', 'not a valid hex key'],
    ['zz-', 'not a valid hex key'],
    ['-8g', 'not a valid hex key'],
    ['-40-80', "more than one '-'"],
    ['', 'must not be empty'],
    ['a/b', "must not contain '/'"],
  ])('rejects %s', (name, msg) => {
    let err: unknown;
    try {
      parseShardName(name);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VtError);
    expect((err as VtError).code).toBe('INVALID_ARGUMENT');
    expect((err as VtError).message).toContain(msg);
  });

  it('formats back to the canonical lowercase name', () => {
    for (const name of ['-80', '80-', '40-80', '-']) expect(keyRangeString(kr(name))).toBe(name);
    expect(keyRangeString(kr('A0-C0'))).toBe('a0-c0');
    expect(keyRangeString(null)).toBe('-');
  });
});

describe('compareKeyspaceIds', () => {
  it.each([
    ['', '', 0],
    ['80', '80', 0],
    ['80', '8000', 0],
    ['8000', '80', 0],
    ['80', '8001', -1],
    ['8001', '80', 1],
    ['7f', '80', -1],
    ['ff', '00', 1],
    ['', '00', 0],
    ['', '01', -1],
    ['0102', '0101ff', 1],
  ])('%s vs %s -> %d', (a, b, want) => {
    expect(compareKeyspaceIds(id(a), id(b))).toBe(want);
  });
});

describe('keyRangeContains', () => {
  it.each([
    ['-80', '00', true],
    ['-80', '7fffffffffffffff', true],
    ['-80', '80', false],
    ['-80', '8000000000000000', false],
    ['80-', '80', true],
    ['80-', 'ff', true],
    ['80-', '7f', false],
    ['40-80', '40', true],
    ['40-80', '3fff', false],
    ['40-80', '4000', true],
    ['40-80', '80', false],
    ['0', 'ab', true],
    ['-', '', true],
    ['8000-', '80', true],
  ])('%s contains %s = %s', (range, ksid, want) => {
    expect(keyRangeContains(kr(range), id(ksid))).toBe(want);
  });
});

describe('keyRangesOverlap / keyRangeEqual / keyRangeIncludes', () => {
  it.each([
    ['-80', '80-', false],
    ['-80', '40-c0', true],
    ['40-c0', '80-', true],
    ['40-80', '80-c0', false],
    ['-', '40-80', true],
    ['0', '80-', true],
    ['-40', '40-80', false],
    ['-4000', '3f-', true],
  ])('overlap(%s, %s) = %s', (a, b, want) => {
    expect(keyRangesOverlap(kr(a), kr(b))).toBe(want);
    expect(keyRangesOverlap(kr(b), kr(a))).toBe(want);
  });

  it.each([
    ['-80', '-8000', true],
    ['80-', '8000-', true],
    ['-', '0', true],
    ['00-', '-', true],
    ['-80', '-81', false],
    ['80-', '80-ff', false],
  ])('equal(%s, %s) = %s', (a, b, want) => {
    expect(keyRangeEqual(kr(a), kr(b))).toBe(want);
  });

  it.each([
    ['-', '40-80', true],
    ['0', '-80', true],
    ['-80', '-40', true],
    ['-80', '40-80', true],
    ['-80', '40-c0', false],
    ['40-80', '-', false],
    ['80-', 'c0-', true],
    ['80-', '80-c0', true],
    ['80-c0', 'c0-', false],
  ])('includes(%s, %s) = %s', (outer, inner, want) => {
    expect(keyRangeIncludes(kr(outer), kr(inner))).toBe(want);
  });

  it('recognises full ranges', () => {
    expect(isFullKeyRange(null)).toBe(true);
    expect(isFullKeyRange(kr('-'))).toBe(true);
    expect(isFullKeyRange(kr('00-'))).toBe(true);
    expect(isFullKeyRange(kr('-80'))).toBe(false);
  });
});

describe('generateShardRanges', () => {
  it.each([
    [1, ['-']],
    [2, ['-80', '80-']],
    [3, ['-55', '55-aa', 'aa-']],
    [4, ['-40', '40-80', '80-c0', 'c0-']],
  ])('%d shards', (n, want) => {
    expect(generateShardRanges(n)).toEqual(want);
  });

  it('covers the space without gaps or overlaps', () => {
    for (const n of [5, 7, 16, 100, 256, 300]) {
      const names = generateShardRanges(n);
      expect(names).toHaveLength(n);
      const ranges = names.map((s) => kr(s)!);
      expect(ranges[0]!.start).toBe('');
      expect(ranges[n - 1]!.end).toBe('');
      for (let i = 1; i < n; i++) expect(ranges[i]!.start).toBe(ranges[i - 1]!.end);
    }
    expect(generateShardRanges(300)[1]).toMatch(/^[0-9a-f]{4}-[0-9a-f]{4}$/);
  });

  it.each([0, -1, 1.5, 65537])('rejects %s', (n) => {
    expect(() => generateShardRanges(n)).toThrow(VtError);
  });
});
