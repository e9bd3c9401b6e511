import type { KeyRange } from '../../key/key-range.js';
import { readKeyRange, readTabletAlias } from './record-fields.js';
import { parseRecordJson, RecordReader } from './record-reader.js';
import type { TabletAlias } from './tablet-alias.js';
import { TABLET_TYPES, type TabletType } from './tablet-type.js';

/** Named ports of a tablet process: vt (HTTP), grpc (RPC), mysql (the MySQL-protocol port if any). */
export interface PortMap {
  readonly vt?: number;
  readonly grpc?: number;
  readonly mysql?: number;
}

/** Cell /tablets/<alias>/Tablet. */
export interface Tablet {
  readonly alias: TabletAlias;
  readonly hostname: string;
  readonly port_map: PortMap;
  readonly mysql_hostname: string;
  readonly mysql_port: number;
  readonly keyspace: string;
  readonly shard: string;
  readonly key_range: KeyRange | null;
  readonly type: TabletType;
  /** Database name when it is not the default `vt_<keyspace>`. */
  readonly db_name_override?: string;
  readonly primary_term_start_time: string | null;
  readonly tags: Readonly<Record<string, string>>;
}

/** The MySQL database a tablet serves: db_name_override, else Vitess's default `vt_<keyspace>`. */
export function tabletDbName(t: Pick<Tablet, 'keyspace' | 'db_name_override'>): string {
  return t.db_name_override ? t.db_name_override : `vt_${t.keyspace}`;
}

export function decodeTablet(data: Buffer | string, where: string): Tablet {
  const r = new RecordReader(parseRecordJson('Tablet', where, data), 'Tablet', where);
  const alias = readTabletAlias(r, 'alias');
  if (alias === null || alias.cell === '') return r.fail('alias', 'an object {cell, uid}');
  const ports = r.child('port_map');
  const portMap: Record<string, number> = {};
  for (const k of Object.keys(ports?.obj ?? {})) portMap[k] = ports!.int(k, 0);
  const tags = r.object('tags') ?? {};
  for (const [k, v] of Object.entries(tags)) if (typeof v !== 'string') r.fail(`tags.${k}`, 'a string');
  const override = r.optString('db_name_override');
  return {
    ...r.obj,
    alias,
    hostname: r.string('hostname', ''),
    port_map: portMap,
    mysql_hostname: r.string('mysql_hostname', ''),
    mysql_port: r.int('mysql_port', 0),
    keyspace: r.string('keyspace', ''),
    shard: r.string('shard', ''),
    key_range: readKeyRange(r),
    type: r.oneOf('type', TABLET_TYPES, 'SPARE'),
    ...(override === undefined ? {} : { db_name_override: override }),
    primary_term_start_time: r.nullableString('primary_term_start_time'),
    tags: tags as Record<string, string>,
  };
}
