import type { KeyRange } from '../../key/key-range.js';
import { readKeyRange, readTabletAlias } from './record-fields.js';
import { parseRecordJson, RecordReader } from './record-reader.js';
import type { TabletAlias } from './tablet-alias.js';
import { TABLET_TYPES, type TabletType } from './tablet-type.js';

/** Per-tablet-type query controls on a shard (Vitess Shard.TabletControl); kept as stored. */
export interface TabletControl {
  readonly tablet_type: TabletType;
  readonly cells: readonly string[];
  readonly denied_tables: readonly string[];
  readonly frozen: boolean;
}

/** A VReplication source of this shard during resharding / MoveTables (Vitess Shard.SourceShard). */
export interface SourceShard {
  readonly uid: number;
  readonly keyspace: string;
  readonly shard: string;
  readonly key_range: KeyRange | null;
  readonly tables: readonly string[];
}

/** Global /keyspaces/<ks>/shards/<shard>/Shard. */
export interface Shard {
  readonly key_range: KeyRange | null;
  readonly primary_alias: TabletAlias | null;
  /** ISO-8601 time the current primary's term started, null without a primary. */
  readonly primary_term_start_time: string | null;
  readonly is_primary_serving: boolean;
  readonly tablet_controls: readonly TabletControl[];
  readonly source_shards: readonly SourceShard[];
}

export function newShard(keyRange: KeyRange | null, isPrimaryServing: boolean): Shard {
  return {
    key_range: keyRange,
    primary_alias: null,
    primary_term_start_time: null,
    is_primary_serving: isPrimaryServing,
    tablet_controls: [],
    source_shards: [],
  };
}

export function decodeShard(data: Buffer | string, where: string): Shard {
  const r = new RecordReader(parseRecordJson('Shard', where, data), 'Shard', where);
  return {
    ...r.obj,
    key_range: readKeyRange(r),
    primary_alias: readTabletAlias(r, 'primary_alias'),
    primary_term_start_time: r.nullableString('primary_term_start_time'),
    is_primary_serving: r.bool('is_primary_serving', false),
    tablet_controls: r.array('tablet_controls', (c) => ({
      ...c.obj,
      tablet_type: c.oneOf('tablet_type', TABLET_TYPES, 'PRIMARY'),
      cells: c.stringArray('cells'),
      denied_tables: c.stringArray('denied_tables'),
      frozen: c.bool('frozen', false),
    })),
    source_shards: r.array('source_shards', (c) => ({
      ...c.obj,
      uid: c.int('uid', 0),
      keyspace: c.string('keyspace', ''),
      shard: c.string('shard', ''),
      key_range: readKeyRange(c),
      tables: c.stringArray('tables'),
    })),
  };
}
