import { Err } from '../errors/index.js';
import { compareHexKeys, parseShardName } from '../key/key-range.js';
import { validateCellName } from '../topo/records/tablet-alias.js';

/** One `--keyspace NAME[:SHARDS]` argument: SHARDS is `0` (unsharded) or key ranges like `-80,80-`. */
export interface KeyspaceSpec {
  readonly name: string;
  readonly shards: readonly string[];
}

/** The role a tablet gets in a new cluster; `primary` tablets start as replicas and are then elected. */
export type PlannedTabletRole = 'primary' | 'replica' | 'rdonly';

export interface PlannedTablet {
  readonly uid: number;
  /** "zone1-0000000100". */
  readonly alias: string;
  readonly keyspace: string;
  readonly shard: string;
  readonly role: PlannedTabletRole;
  /** Derived (default) ports; the port allocator may move them when taken. */
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly mysqlPort: number;
}

export interface ClusterPlanOptions {
  readonly cell: string;
  readonly keyspaces: readonly KeyspaceSpec[];
  /** Replicas per shard besides the primary (Vitess's examples: 1 replica ... here default 1). */
  readonly replicas: number;
  readonly rdonly: number;
  /** Every derived port moves by portBase - 15000 (default base 15000: Vitess's local-example ports). */
  readonly portBase: number;
  /** Gate MySQL port; default 15306 shifted by the port base. */
  readonly gateMysqlPort?: number;
}

export interface ClusterPlan {
  readonly cell: string;
  readonly keyspaces: readonly KeyspaceSpec[];
  readonly tablets: readonly PlannedTablet[];
  readonly gateMysqlPort: number;
  readonly gateHttpPort: number;
  readonly etcdClientPort: number;
  readonly etcdPeerPort: number;
}

export const DEFAULT_PORT_BASE = 15000;
/** Tablets of one shard get consecutive uids in a block of this size: shard 1 -> 100.., shard 2 -> 200... */
const UID_BLOCK = 100;

/**
 * Parses `NAME[:SHARDS]`. NAME follows MySQL identifier rules loosely (letters, digits, '_'); SHARDS defaults
 * to `0`. Throws INVALID_ARGUMENT naming the argument for anything else, including shard lists that leave a
 * gap or overlap (the serving graph would refuse them later, after everything was started).
 */
export function parseKeyspaceSpec(text: string): KeyspaceSpec {
  const colon = text.indexOf(':');
  const name = colon < 0 ? text : text.slice(0, colon);
  const shardText = colon < 0 ? '0' : text.slice(colon + 1);
  if (!/^[A-Za-z0-9_]{1,64}$/.test(name)) {
    throw Err.invalidArgument(`invalid --keyspace "${text}": keyspace name must be letters, digits or '_'`);
  }
  const shards = shardText.split(',').map((s) => s.trim());
  if (shards.some((s) => s === '')) throw Err.invalidArgument(`invalid --keyspace "${text}": empty shard name`);
  if (new Set(shards).size !== shards.length) {
    throw Err.invalidArgument(`invalid --keyspace "${text}": a shard is listed twice`);
  }
  const ranges = shards.map((s) => {
    try {
      return { name: s, range: parseShardName(s) };
    } catch (e) {
      throw Err.invalidArgument(`invalid --keyspace "${text}": ${(e as Error).message}`);
    }
  });
  if (ranges.length > 1 || ranges[0]!.range !== null) {
    if (ranges.some((r) => r.range === null)) {
      throw Err.invalidArgument(`invalid --keyspace "${text}": an unsharded shard (${shards.join(',')}) must be alone`);
    }
    const sorted = [...ranges].sort((a, b) => compareHexKeys(a.range!.start, b.range!.start));
    let expect = '';
    for (const r of sorted) {
      if (compareHexKeys(r.range!.start, expect) !== 0) {
        throw Err.invalidArgument(
          `invalid --keyspace "${text}": shards must cover the key range without gaps or overlaps (at ${r.name})`,
        );
      }
      expect = r.range!.end;
      if (expect === '' && r !== sorted[sorted.length - 1]) {
        throw Err.invalidArgument(`invalid --keyspace "${text}": shards overlap after ${r.name}`);
      }
    }
    if (expect !== '')
      throw Err.invalidArgument(`invalid --keyspace "${text}": shards do not reach the end of the key range`);
    return { name, shards: sorted.map((r) => r.name) };
  }
  return { name, shards };
}

/**
 * Lays out a cluster the way Vitess's local examples do: each shard (in keyspace order, then key order) gets a
 * block of 100 uids, the first tablet is the primary-elect, then replicas, then rdonly tablets; tablet ports
 * are 15000+uid (HTTP), 16000+uid (RPC), 17000+uid (mysqld), the gate 15306/15001, etcd 2379/2380, all
 * shifted by portBase-15000. Throws INVALID_ARGUMENT for an empty or duplicate keyspace list, more than 99
 * tablets per shard, or ports that leave 1..65535.
 */
export function planCluster(o: ClusterPlanOptions): ClusterPlan {
  validateCellName(o.cell);
  if (o.keyspaces.length === 0) throw Err.invalidArgument('no keyspace to create');
  const names = o.keyspaces.map((k) => k.name);
  if (new Set(names).size !== names.length) throw Err.invalidArgument(`a keyspace is given twice: ${names.join(', ')}`);
  for (const [flag, n] of [
    ['--replicas', o.replicas],
    ['--rdonly', o.rdonly],
  ] as const) {
    if (!Number.isInteger(n) || n < 0) throw Err.invalidArgument(`${flag} must be a non-negative integer, got ${n}`);
  }
  const perShard = 1 + o.replicas + o.rdonly;
  if (perShard >= UID_BLOCK) throw Err.invalidArgument(`${perShard} tablets per shard: at most ${UID_BLOCK - 1}`);
  if (!Number.isInteger(o.portBase)) throw Err.invalidArgument(`--port-base must be an integer, got ${o.portBase}`);
  const shift = o.portBase - DEFAULT_PORT_BASE;
  const port = (p: number, what: string): number => {
    const v = p + shift;
    if (!inRange(v)) {
      throw Err.invalidArgument(`--port-base ${o.portBase} puts the ${what} port at ${v}, outside 1..65535`);
    }
    return v;
  };
  const tablets: PlannedTablet[] = [];
  let block = 0;
  for (const ks of o.keyspaces) {
    for (const shard of ks.shards) {
      block++;
      for (let i = 0; i < perShard; i++) {
        const uid = block * UID_BLOCK + i;
        const role: PlannedTabletRole = i === 0 ? 'primary' : i <= o.replicas ? 'replica' : 'rdonly';
        tablets.push({
          uid,
          alias: `${o.cell}-${String(uid).padStart(10, '0')}`,
          keyspace: ks.name,
          shard,
          role,
          httpPort: port(15000 + uid, `tablet ${uid} HTTP`),
          grpcPort: port(16000 + uid, `tablet ${uid} RPC`),
          mysqlPort: port(17000 + uid, `tablet ${uid} mysqld`),
        });
      }
    }
  }
  return {
    cell: o.cell,
    keyspaces: o.keyspaces,
    tablets,
    gateMysqlPort: o.gateMysqlPort ?? port(15306, 'gate MySQL'),
    gateHttpPort: port(15001, 'gate HTTP'),
    // Only used with a managed etcd, so a base that pushes them out of range falls back to etcd's defaults.
    etcdClientPort: inRange(2379 + shift) ? 2379 + shift : 2379,
    etcdPeerPort: inRange(2380 + shift) ? 2380 + shift : 2380,
  };
}

function inRange(port: number): boolean {
  return port >= 1 && port <= 65535;
}
