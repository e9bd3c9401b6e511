import { VtError } from '../../errors/index.js';
import { parseKeyRangeParts, type KeyRange } from '../../key/key-range.js';
import type { JsonObject, RecordReader } from './record-reader.js';
import type { TabletAlias } from './tablet-alias.js';

/**
 * Reads a `key_range` field: {start, end} as hex strings ('' or absent = unbounded) or null for the full
 * range. Bad hex or start >= end is a bad record.
 */
export function readKeyRange(r: RecordReader, key = 'key_range'): KeyRange | null {
  const c = r.child(key);
  if (c === undefined) return null;
  try {
    return { ...c.obj, ...parseKeyRangeParts(c.string('start', ''), c.string('end', '')) };
  } catch (e) {
    if (e instanceof VtError && e.code === 'INVALID_ARGUMENT') r.fail(key, `a valid key range (${e.message})`);
    throw e;
  }
}

/** Reads a tablet alias field ({cell, uid}); null/absent gives null. */
export function readTabletAlias(r: RecordReader, key: string): TabletAlias | null {
  const c = r.child(key);
  if (c === undefined) return null;
  return { ...c.obj, cell: c.string('cell', ''), uid: c.int('uid', 0) } as TabletAlias & JsonObject;
}
