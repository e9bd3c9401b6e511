import type { KeyRange } from '../../key/key-range.js';
import { readKeyRange } from './record-fields.js';
import { parseRecordJson, RecordReader } from './record-reader.js';
import { TABLET_TYPES, type TabletType } from './tablet-type.js';

export interface ShardReference {
  readonly name: string;
  readonly key_range: KeyRange | null;
}

/** The shards serving one tablet type, in key order. */
export interface KeyspacePartition {
  readonly served_type: TabletType;
  readonly shard_references: readonly ShardReference[];
}

/** Cell /keyspaces/<ks>/SrvKeyspace: the serving graph the gate routes with. */
export interface SrvKeyspace {
  readonly partitions: readonly KeyspacePartition[];
}

export function decodeSrvKeyspace(data: Buffer | string, where: string): SrvKeyspace {
  const r = new RecordReader(parseRecordJson('SrvKeyspace', where, data), 'SrvKeyspace', where);
  return {
    ...r.obj,
    partitions: r.array('partitions', (p) => ({
      ...p.obj,
      served_type: p.oneOf('served_type', TABLET_TYPES, 'PRIMARY'),
      shard_references: p.array('shard_references', (s) => ({
        ...s.obj,
        name: s.string('name', ''),
        key_range: readKeyRange(s),
      })),
    })),
  };
}
