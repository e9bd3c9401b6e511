import { Err } from '../errors/index.js';

/**
 * Splits the keyspace-id space into `n` shard names the way Vitess's key.GenerateShardRanges does: one byte
 * of hex (two digits) for up to 256 shards, two bytes for up to 65536; boundaries at floor(i * size) so that
 * uneven splits spread the remainder ("-55", "55-aa", "aa-" for 3). One shard is "-" (the full range).
 * Throws INVALID_ARGUMENT outside 1..65536.
 */
export function generateShardRanges(n: number): string[] {
  if (!Number.isInteger(n) || n <= 0) throw Err.invalidArgument(`shard count must be a positive integer, got ${n}`);
  if (n > 65536) throw Err.invalidArgument(`shard count ${n} exceeds the maximum of 65536`);
  const width = n <= 256 ? 2 : 4;
  const max = n <= 256 ? 256 : 65536;
  const fmt = (v: number, edge: number): string => (v === edge ? '' : v.toString(16).padStart(width, '0'));
  const size = max / n;
  const names: string[] = [];
  let start = 0;
  for (let i = 1; i <= n; i++) {
    const end = Math.floor(i * size);
    names.push(`${fmt(start, 0)}-${fmt(end, max)}`);
    start = end;
  }
  return names;
}
