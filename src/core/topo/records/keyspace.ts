import { parseRecordJson, RecordReader } from './record-reader.js';

export const DURABILITY_POLICIES = ['none', 'semi_sync', 'cross_cell'] as const;
export type DurabilityPolicy = (typeof DURABILITY_POLICIES)[number];

export const KEYSPACE_TYPES = ['NORMAL', 'SNAPSHOT'] as const;
export type KeyspaceType = (typeof KEYSPACE_TYPES)[number];

/** Global /keyspaces/<ks>/Keyspace. Defaults as Vitess: durability 'none', sidecar database '_vt'. */
export interface Keyspace {
  readonly durability_policy: DurabilityPolicy;
  readonly sidecar_db_name: string;
  readonly keyspace_type?: KeyspaceType;
}

export function newKeyspace(fields: Partial<Keyspace> = {}): Keyspace {
  return { durability_policy: 'none', sidecar_db_name: '_vt', ...fields };
}

export function decodeKeyspace(data: Buffer | string, where: string): Keyspace {
  const r = new RecordReader(parseRecordJson('Keyspace', where, data), 'Keyspace', where);
  const type = r.optString('keyspace_type');
  return {
    ...r.obj,
    durability_policy: r.oneOf('durability_policy', DURABILITY_POLICIES, 'none'),
    sidecar_db_name: r.string('sidecar_db_name', '_vt'),
    ...(type === undefined ? {} : { keyspace_type: r.oneOf('keyspace_type', KEYSPACE_TYPES, 'NORMAL') }),
  };
}
