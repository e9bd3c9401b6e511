import { Err } from '../errors/index.js';

/**
 * A Vitess key range over keyspace ids: [start, end). Bounds are lowercase hex strings of whole bytes;
 * '' means unbounded (start '' = minus infinity, end '' = plus infinity). `null` stands for the full range
 * wherever a KeyRange is optional (unsharded shards such as "0", records with no key_range).
 *
 * Keyspace ids compare bytewise with Vitess's trailing-zero rule: a shorter id is equal to a longer one that
 * only adds zero bytes ("80" == "8000"), otherwise a proper prefix sorts first.
 */
export interface KeyRange {
  readonly start: string;
  readonly end: string;
}

/** The full range, as Vitess represents shard "-". */
export const FULL_KEY_RANGE: KeyRange = Object.freeze({ start: '', end: '' });

const HEX = /^(?:[0-9a-f]{2})*$/;

/** Normalises one hex bound; throws INVALID_ARGUMENT naming `what` for odd-length or non-hex input. */
function parseBound(raw: string, what: string): string {
  const hex = raw.toLowerCase();
  if (!HEX.test(hex)) throw Err.invalidArgument(`${what}: "${raw}" is not a valid hex key (whole bytes expected)`);
  return hex;
}

/** Compares two hex bounds of the same side with the trailing-zero rule ('' is the smallest value). */
export function compareHexKeys(a: string, b: string): number {
  const n = Math.max(a.length, b.length);
  const pa = a.padEnd(n, '0');
  const pb = b.padEnd(n, '0');
  return pa < pb ? -1 : pa > pb ? 1 : 0;
}

/** Bytewise comparison of keyspace ids; ids differing only by trailing zero bytes are equal. */
export function compareKeyspaceIds(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  const longer = a.length > b.length ? a : b;
  for (let i = n; i < longer.length; i++) {
    if (longer[i] !== 0) return longer === a ? 1 : -1;
  }
  return 0;
}

/**
 * Parses a Vitess shard name into its key range. "-80", "80-", "40-80", "-" (full range); a name without '-'
 * ("0", "customer_shard") is an unsharded shard and yields null, as Vitess does. Hex is case-insensitive.
 * Throws INVALID_ARGUMENT for bad hex, start >= end, empty names or names with more than one '-'.
 */
export function parseShardName(name: string): KeyRange | null {
  if (name === '') throw Err.invalidArgument('shard name must not be empty');
  if (name.includes('/')) throw Err.invalidArgument(`shard name "${name}" must not contain '/'`);
  const dash = name.indexOf('-');
  if (dash < 0) return null;
  if (name.indexOf('-', dash + 1) >= 0) throw Err.invalidArgument(`shard name "${name}": more than one '-'`);
  return parseKeyRangeParts(name.slice(0, dash), name.slice(dash + 1), name);
}

/** Builds a key range from hex bounds ('' = unbounded), validating hex and start < end. */
export function parseKeyRangeParts(start: string, end: string, label = `${start}-${end}`): KeyRange {
  const s = parseBound(start, `key range "${label}" start`);
  const e = parseBound(end, `key range "${label}" end`);
  if (s !== '' && e !== '' && compareHexKeys(s, e) >= 0) {
    throw Err.invalidArgument(`key range "${label}": start must be less than end`);
  }
  return { start: s, end: e };
}

/** Formats a key range as its shard name ("-80", "80-", "-" for the full range / null). */
export function keyRangeString(kr: KeyRange | null): string {
  return kr === null ? '-' : `${kr.start}-${kr.end}`;
}

/** True when the range covers every keyspace id (null or both bounds unbounded). */
export function isFullKeyRange(kr: KeyRange | null): boolean {
  return kr === null || (isZeroOrEmpty(kr.start) && kr.end === '');
}

function isZeroOrEmpty(hex: string): boolean {
  return /^0*$/.test(hex);
}

/** Start-bound comparison: '' and all-zero starts are minus infinity. */
function compareStarts(a: string, b: string): number {
  return compareHexKeys(a, b);
}

/** End-bound comparison: '' is plus infinity. */
function compareEnds(a: string, b: string): number {
  if (a === '' || b === '') return a === b ? 0 : a === '' ? 1 : -1;
  return compareHexKeys(a, b);
}

/** start <= ksid < end. */
export function keyRangeContains(kr: KeyRange | null, ksid: Uint8Array): boolean {
  if (kr === null) return true;
  const hex = Buffer.from(ksid.buffer, ksid.byteOffset, ksid.byteLength).toString('hex');
  if (kr.start !== '' && compareHexKeys(hex, kr.start) < 0) return false;
  return kr.end === '' || compareHexKeys(hex, kr.end) < 0;
}

/** Same set of keyspace ids (so "-80" equals "-8000", null equals "-"). */
export function keyRangeEqual(a: KeyRange | null, b: KeyRange | null): boolean {
  const x = a ?? FULL_KEY_RANGE;
  const y = b ?? FULL_KEY_RANGE;
  return compareStarts(x.start, y.start) === 0 && compareEnds(x.end, y.end) === 0;
}

/** True when the two ranges share at least one keyspace id. */
export function keyRangesOverlap(a: KeyRange | null, b: KeyRange | null): boolean {
  const x = a ?? FULL_KEY_RANGE;
  const y = b ?? FULL_KEY_RANGE;
  // x.start < y.end && y.start < x.end, with '' ends meaning +inf.
  const startBeforeEnd = (start: string, end: string): boolean => end === '' || compareHexKeys(start, end) < 0;
  return startBeforeEnd(x.start, y.end) && startBeforeEnd(y.start, x.end);
}

/** True when every keyspace id of `inner` is in `outer`. */
export function keyRangeIncludes(outer: KeyRange | null, inner: KeyRange | null): boolean {
  const o = outer ?? FULL_KEY_RANGE;
  const i = inner ?? FULL_KEY_RANGE;
  return compareStarts(o.start, i.start) <= 0 && compareEnds(i.end, o.end) <= 0;
}

/** Orders ranges by start bound (for listing shards in key order). */
export function compareKeyRanges(a: KeyRange | null, b: KeyRange | null): number {
  const x = a ?? FULL_KEY_RANGE;
  const y = b ?? FULL_KEY_RANGE;
  return compareStarts(x.start, y.start) || compareEnds(x.end, y.end);
}
